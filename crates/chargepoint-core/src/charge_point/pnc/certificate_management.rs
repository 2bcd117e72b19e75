//! InstallCertificate, DeleteCertificate and GetInstalledCertificateIds of Plug&Charge: the
//! OCPP 2.0.1 messages in DataTransfer, over the same certificate store as the Security
//! whitepaper's (`certificates.rs`), as libocpp's `handle_data_transfer_install_certificate`,
//! `handle_data_transfer_delete_certificate` and
//! `handle_data_transfer_pnc_get_installed_certificates`:
//!
//! - InstallCertificate: V2GRootCertificate, MORootCertificate, CSMSRootCertificate and
//!   ManufacturerRootCertificate go to the store's V2G, MO, CSMS and MF bundles with the rules
//!   of a 1.6 InstallCertificate (CertificateStoreMaxLength, AdditionalRootCertificateCheck);
//!   Accepted, Failed when it could not be written, Rejected otherwise (libocpp's
//!   `to_ocpp_v2(InstallCertificateResult)`).
//! - DeleteCertificate: any installed certificate by its hash data; Accepted, NotFound, or
//!   Failed (a write error, the station's own certificate, or the last CSMS root at security
//!   profile 2 or 3, as the 1.6 DeleteCertificate).
//! - GetInstalledCertificateIds: the kinds asked for (every kind when `certificateType` is
//!   absent), SHA256 hash data, roots without children, each SECC certificate chain as its leaf
//!   with its sub-CAs as `childCertificateHashData`; NotFound when nothing matched.

use ocpp_rpc::MessageId;
use ocpp_types::data_transfer_payload::DataTransferReply;
use ocpp_types::pnc::{
    BoundedVec, CertificateHashDataChain, DeleteCertificateStatusEnum, GetCertificateIdUseEnum,
    GetInstalledCertificateStatusEnum, InstallCertificateStatusEnum, InstallCertificateUseEnum,
    PncCertificateHashData, PncDeleteCertificateRequest, PncDeleteCertificateResponse,
    PncGetInstalledCertificateIdsRequest, PncGetInstalledCertificateIdsResponse,
    PncInstallCertificateRequest, PncInstallCertificateResponse,
};
use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::{AnyResponse, BoundedString, CiString, NonEmptyVec};

use super::super::certificates::is_last_csms_root;
use super::super::evse_security::{
    CaCertificateType, DeleteCertificateResult, InstallCertificateResult, InstallOptions,
};
use super::super::{ChargePoint, Now};

/// The store's bundle for an InstallCertificate's certificateType.
fn bundle_of(kind: InstallCertificateUseEnum) -> CaCertificateType {
    match kind {
        InstallCertificateUseEnum::V2GRootCertificate => CaCertificateType::V2g,
        InstallCertificateUseEnum::MORootCertificate => CaCertificateType::Mo,
        InstallCertificateUseEnum::CSMSRootCertificate => CaCertificateType::Csms,
        InstallCertificateUseEnum::ManufacturerRootCertificate => CaCertificateType::Mf,
    }
}

/// The GetInstalledCertificateIds kind of a store bundle.
fn use_of(kind: CaCertificateType) -> GetCertificateIdUseEnum {
    match kind {
        CaCertificateType::V2g => GetCertificateIdUseEnum::V2GRootCertificate,
        CaCertificateType::Mo => GetCertificateIdUseEnum::MORootCertificate,
        CaCertificateType::Csms => GetCertificateIdUseEnum::CSMSRootCertificate,
        CaCertificateType::Mf => GetCertificateIdUseEnum::ManufacturerRootCertificate,
    }
}

/// The OCPP 2.0.1 form of the whitepaper's hash data (same fields, same bounds).
pub(super) fn to_pnc_hash(hash: &CertificateHashData) -> Option<PncCertificateHashData> {
    Some(PncCertificateHashData {
        custom_data: None,
        hash_algorithm: hash.hash_algorithm,
        issuer_name_hash: BoundedString::new(hash.issuer_name_hash.as_str()).ok()?,
        issuer_key_hash: BoundedString::new(hash.issuer_key_hash.as_str()).ok()?,
        serial_number: BoundedString::new(hash.serial_number.as_str()).ok()?,
    })
}

/// The whitepaper's form of OCPP 2.0.1 hash data, which the store speaks.
fn from_pnc_hash(hash: &PncCertificateHashData) -> Option<CertificateHashData> {
    Some(CertificateHashData {
        hash_algorithm: hash.hash_algorithm,
        issuer_name_hash: CiString::new(hash.issuer_name_hash.as_str()).ok()?,
        issuer_key_hash: CiString::new(hash.issuer_key_hash.as_str()).ok()?,
        serial_number: CiString::new(hash.serial_number.as_str()).ok()?,
    })
}

impl ChargePoint {
    pub(super) fn on_pnc_install_certificate(
        &mut self,
        id: &MessageId,
        request: &PncInstallCertificateRequest,
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
            return;
        };
        let kind = bundle_of(request.certificate_type);
        let result = store.install_ca_certificate(request.certificate.as_str(), kind, &options);
        let status = match result {
            InstallCertificateResult::Accepted => InstallCertificateStatusEnum::Accepted,
            InstallCertificateResult::WriteError => InstallCertificateStatusEnum::Failed,
            _ => InstallCertificateStatusEnum::Rejected,
        };
        tracing::info!(%kind, %result, ?status, "PnC InstallCertificate");
        let response = PncInstallCertificateResponse {
            custom_data: None,
            status,
            status_info: None,
        };
        self.respond(
            id,
            AnyResponse::DataTransfer(response.to_data_transfer_response()),
        );
        if status == InstallCertificateStatusEnum::Accepted {
            self.refresh_installed_certificates();
        }
    }

    pub(super) fn on_pnc_delete_certificate(
        &mut self,
        id: &MessageId,
        request: &PncDeleteCertificateRequest,
    ) {
        let profile = self.config.typed().security.security_profile;
        let Some(store) = self.evse_security.as_mut() else {
            return;
        };
        // Same bounds on both sides: the conversion cannot fail for decoded data.
        let status = match from_pnc_hash(&request.certificate_hash_data) {
            None => DeleteCertificateStatusEnum::NotFound,
            Some(wanted) if profile >= 2 && is_last_csms_root(store.as_ref(), &wanted) => {
                tracing::warn!(
                    profile,
                    "PnC DeleteCertificate refused: the last CSMS root certificate"
                );
                DeleteCertificateStatusEnum::Failed
            }
            Some(wanted) => match store.delete_certificate(&wanted) {
                DeleteCertificateResult::Accepted => DeleteCertificateStatusEnum::Accepted,
                DeleteCertificateResult::NotFound => DeleteCertificateStatusEnum::NotFound,
                DeleteCertificateResult::ChargePointCertificate => {
                    tracing::warn!(
                        "PnC DeleteCertificate refused: the charge point's own certificate"
                    );
                    DeleteCertificateStatusEnum::Failed
                }
                DeleteCertificateResult::WriteError(why) => {
                    tracing::error!(%why, "PnC DeleteCertificate failed");
                    DeleteCertificateStatusEnum::Failed
                }
            },
        };
        let response = PncDeleteCertificateResponse {
            custom_data: None,
            status,
            status_info: None,
        };
        self.respond(
            id,
            AnyResponse::DataTransfer(response.to_data_transfer_response()),
        );
        if status == DeleteCertificateStatusEnum::Accepted {
            self.refresh_installed_certificates();
        }
    }

    pub(super) fn on_pnc_get_installed_certificate_ids(
        &mut self,
        id: &MessageId,
        request: &PncGetInstalledCertificateIdsRequest,
    ) {
        let Some(store) = self.evse_security.as_ref() else {
            return;
        };
        let wanted: Vec<GetCertificateIdUseEnum> = match &request.certificate_type {
            Some(kinds) => kinds.iter().copied().collect(),
            None => vec![
                GetCertificateIdUseEnum::V2GRootCertificate,
                GetCertificateIdUseEnum::MORootCertificate,
                GetCertificateIdUseEnum::CSMSRootCertificate,
                GetCertificateIdUseEnum::V2GCertificateChain,
                GetCertificateIdUseEnum::ManufacturerRootCertificate,
            ],
        };
        let mut chains = Vec::new();
        for kind in wanted {
            if chains
                .iter()
                .any(|c: &CertificateHashDataChain| c.certificate_type == kind)
            {
                continue; // asked for twice
            }
            if kind == GetCertificateIdUseEnum::V2GCertificateChain {
                for chain in store.v2g_certificate_chains(HashAlgorithm::Sha256) {
                    let Some(leaf) = to_pnc_hash(&chain.leaf) else {
                        continue;
                    };
                    let mut children: Vec<_> =
                        chain.children.iter().filter_map(to_pnc_hash).collect();
                    if children.len() > 4 {
                        tracing::warn!(
                            sub_cas = children.len(),
                            "the SECC chain has more than 4 sub-CAs; the first 4 are listed"
                        );
                        children.truncate(4);
                    }
                    chains.push(CertificateHashDataChain {
                        custom_data: None,
                        certificate_hash_data: leaf,
                        certificate_type: kind,
                        child_certificate_hash_data: BoundedVec::new(children).ok(),
                    });
                }
                continue;
            }
            let bundle = CaCertificateType::ALL
                .into_iter()
                .find(|b| use_of(*b) == kind);
            let Some(bundle) = bundle else { continue };
            for installed in store.installed_certificates(&[bundle], HashAlgorithm::Sha256) {
                if let Some(hash) = to_pnc_hash(&installed.hash_data) {
                    chains.push(CertificateHashDataChain {
                        custom_data: None,
                        certificate_hash_data: hash,
                        certificate_type: kind,
                        child_certificate_hash_data: None,
                    });
                }
            }
        }
        let chains = NonEmptyVec::new(chains).ok();
        let status = match chains {
            Some(_) => GetInstalledCertificateStatusEnum::Accepted,
            None => GetInstalledCertificateStatusEnum::NotFound,
        };
        let response = PncGetInstalledCertificateIdsResponse {
            custom_data: None,
            status,
            status_info: None,
            certificate_hash_data_chain: chains,
        };
        self.respond(
            id,
            AnyResponse::DataTransfer(response.to_data_transfer_response()),
        );
    }
}
