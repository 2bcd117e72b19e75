//! Certificate management of the Security whitepaper (edition 2, use cases "Install CA
//! certificate", "Delete a certificate", "Retrieve list of available certificates"):
//! InstallCertificate, DeleteCertificate and GetInstalledCertificateIds, over the station's
//! certificate store ([`EvseSecurity`]).
//!
//! As libocpp's `ChargePointImpl::handleInstallCertificateRequest`,
//! `handleDeleteCertificateRequest` and `handleGetInstalledCertificateIdsRequest`
//! (lib/ocpp/v16/charge_point_impl.cpp):
//!
//! - InstallCertificate answers Accepted when the store installed the certificate, Failed when
//!   the certificate was fine but could not be written ("valid and correct, but there is
//!   another reason the installation did not succeed"), Rejected otherwise (not a PEM
//!   certificate, not a CA, not valid now, CertificateStoreMaxLength reached, and with
//!   AdditionalRootCertificateCheck a new CSMS root not signed by the old one). A Rejected
//!   raises InvalidCentralSystemCertificate with the store's reason as techInfo, whatever the
//!   certificate type, logged and not sent: libocpp passes `critical = false` here (it
//!   forces the event out only for a CSMS certificate that fails the TLS handshake, see
//!   the driver).
//! - GetInstalledCertificateIds answers the SHA256 hash data of every installed certificate
//!   of the type (the CSMS root kept as the fallback included), NotFound without
//!   `certificateHashData` when there is none.
//! - DeleteCertificate answers Accepted, NotFound, or Failed when writing failed or the
//!   certificate is the charge point's own (libevse-security). Beyond libocpp, which deletes
//!   whatever matches: the last CSMS root is not deleted while SecurityProfile is 2 or 3
//!   (Failed), since the station could not verify the central system at its next connection
//!   and would never come back to be given a new one.
//!
//! Without a certificate store connected the three CALLs answer NotSupported, as before.
//! What is installed is cached for [`ChargePoint::snapshot`] (refreshed after every change the
//! core makes and at every connection), so the station's state does not read files at every
//! input.

use ocpp_rpc::MessageId;
use ocpp_types::security::{
    CertificateUse, DeleteCertificateRequest, DeleteCertificateResponse, DeleteCertificateStatus,
    GetInstalledCertificateIdsRequest, GetInstalledCertificateIdsResponse,
    GetInstalledCertificateStatus, HashAlgorithm, InstallCertificateRequest,
    InstallCertificateResponse, InstallCertificateStatus,
};
use ocpp_types::{Action, AnyResponse, NonEmptyVec};

use super::evse_security::{
    hash_data_matches, CaCertificateType, DeleteCertificateResult, EvseSecurity,
    InstallCertificateResult, InstallOptions, InstalledCertificate, LeafCertificate,
};
use super::security_events::kind;
use super::{ChargePoint, Now};

/// The store's bundle for the whitepaper's certificate type (libocpp's mapping in
/// `handleInstallCertificateRequest`).
fn bundle_of(certificate_type: CertificateUse) -> CaCertificateType {
    match certificate_type {
        CertificateUse::CentralSystemRootCertificate => CaCertificateType::Csms,
        CertificateUse::ManufacturerRootCertificate => CaCertificateType::Mf,
    }
}

impl ChargePoint {
    /// Connects the station's certificate store: InstallCertificate, DeleteCertificate and
    /// GetInstalledCertificateIds are handled from now on (NotSupported without one).
    pub fn with_evse_security(mut self, store: Box<dyn EvseSecurity + Send>) -> ChargePoint {
        self.evse_security = Some(store);
        self.refresh_installed_certificates();
        self
    }

    /// The connection that just opened was verified with the installed CSMS roots, not the
    /// fallback one (the driver knows it from the TLS handshake): a fallback root kept since
    /// a new root replaced it (AdditionalRootCertificateCheck) is no longer needed.
    pub fn handle_csms_root_verified(&mut self) {
        let Some(store) = self.evse_security.as_mut() else {
            return;
        };
        if store.csms_root_connected() {
            tracing::info!(
                "the new CSMS root certificate verified the central system: the fallback root is removed"
            );
            self.refresh_installed_certificates();
        }
    }

    /// Reads what the store holds again, for the snapshot.
    pub(crate) fn refresh_installed_certificates(&mut self) {
        (self.installed_certificates, self.leaf_certificates) = match &self.evse_security {
            Some(store) => (
                store.installed_certificates(&CaCertificateType::ALL, HashAlgorithm::Sha256),
                store.leaf_certificates(),
            ),
            None => (Vec::new(), Vec::new()),
        };
    }

    /// The installed CA certificates as last read, for the snapshot.
    pub(crate) fn installed_certificates_cached(&self) -> &[InstalledCertificate] {
        &self.installed_certificates
    }

    /// The station's own certificates as last read, for the snapshot.
    pub(crate) fn leaf_certificates_cached(&self) -> &[LeafCertificate] {
        &self.leaf_certificates
    }

    #[inline(never)]
    pub(super) fn on_install_certificate(
        &mut self,
        id: &MessageId,
        request: &InstallCertificateRequest,
        now: Now,
    ) {
        let security = &self.config.typed().security;
        let options = InstallOptions {
            now: now.utc,
            max_certificates: security.certificate_store_max_length,
            additional_root_certificate_check: security
                .additional_root_certificate_check
                .unwrap_or(false),
        };
        let Some(store) = self.evse_security.as_mut() else {
            return self.respond_not_supported(id, Action::InstallCertificate);
        };
        let kind = bundle_of(request.certificate_type);
        let result = store.install_ca_certificate(request.certificate.as_str(), kind, &options);
        let status = match result {
            InstallCertificateResult::Accepted => InstallCertificateStatus::Accepted,
            InstallCertificateResult::WriteError => InstallCertificateStatus::Failed,
            _ => InstallCertificateStatus::Rejected,
        };
        tracing::info!(%kind, %result, ?status, "InstallCertificate");
        self.respond(
            id,
            AnyResponse::InstallCertificate(InstallCertificateResponse { status }),
        );
        match status {
            InstallCertificateStatus::Accepted => self.refresh_installed_certificates(),
            InstallCertificateStatus::Rejected => self.security_event_sent_if(
                kind::INVALID_CENTRAL_SYSTEM_CERTIFICATE,
                Some(result.as_str()),
                false,
                now,
            ),
            InstallCertificateStatus::Failed => {}
        }
    }

    #[inline(never)]
    pub(super) fn on_get_installed_certificate_ids(
        &mut self,
        id: &MessageId,
        request: &GetInstalledCertificateIdsRequest,
    ) {
        let Some(store) = self.evse_security.as_ref() else {
            return self.respond_not_supported(id, Action::GetInstalledCertificateIds);
        };
        let kind = bundle_of(request.certificate_type);
        let installed = store.installed_certificates(&[kind], HashAlgorithm::Sha256);
        let hashes = NonEmptyVec::new(installed.into_iter().map(|c| c.hash_data).collect()).ok();
        let status = match hashes {
            Some(_) => GetInstalledCertificateStatus::Accepted,
            None => GetInstalledCertificateStatus::NotFound,
        };
        self.respond(
            id,
            AnyResponse::GetInstalledCertificateIds(GetInstalledCertificateIdsResponse {
                status,
                certificate_hash_data: hashes,
            }),
        );
    }

    #[inline(never)]
    pub(super) fn on_delete_certificate(
        &mut self,
        id: &MessageId,
        request: &DeleteCertificateRequest,
    ) {
        let profile = self.config.typed().security.security_profile;
        let Some(store) = self.evse_security.as_mut() else {
            return self.respond_not_supported(id, Action::DeleteCertificate);
        };
        let wanted = &request.certificate_hash_data;
        let status = if profile >= 2 && is_last_csms_root(store.as_ref(), wanted) {
            tracing::warn!(
                profile,
                "DeleteCertificate refused: it is the last CSMS root certificate, and security profile {profile} needs one to connect"
            );
            DeleteCertificateStatus::Failed
        } else {
            match store.delete_certificate(wanted) {
                DeleteCertificateResult::Accepted => DeleteCertificateStatus::Accepted,
                DeleteCertificateResult::NotFound => DeleteCertificateStatus::NotFound,
                DeleteCertificateResult::ChargePointCertificate => {
                    tracing::warn!(
                        "DeleteCertificate refused: it is the charge point's own certificate"
                    );
                    DeleteCertificateStatus::Failed
                }
                DeleteCertificateResult::WriteError(why) => {
                    tracing::error!(%why, "DeleteCertificate failed");
                    DeleteCertificateStatus::Failed
                }
            }
        };
        self.respond(
            id,
            AnyResponse::DeleteCertificate(DeleteCertificateResponse { status }),
        );
        if status == DeleteCertificateStatus::Accepted {
            self.refresh_installed_certificates();
        }
    }
}

/// Whether deleting what `wanted` names would leave no CSMS root: it names one, and every
/// other is named by it too (the store deletes every match).
pub(super) fn is_last_csms_root(
    store: &dyn EvseSecurity,
    wanted: &ocpp_types::security::CertificateHashData,
) -> bool {
    let csms = store.installed_certificates(&[CaCertificateType::Csms], wanted.hash_algorithm);
    let (named, others): (Vec<_>, Vec<_>) = csms
        .iter()
        .partition(|c| hash_data_matches(&c.hash_data, wanted));
    !named.is_empty() && others.is_empty()
}
