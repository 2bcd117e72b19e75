//! The station's SECC (V2G) certificate: SignCertificate with certificateType V2GCertificate,
//! the central system's CertificateSigned, TriggerMessage(SignV2GCertificate), and the renewal
//! of a certificate about to expire. Kept apart from the 1.6 SignCertificate of the charge
//! point certificate (the CSMS connection's), which has its own messages.
//!
//! As libocpp's `data_transfer_pnc_sign_certificate`, `handle_data_transfer_pnc_trigger_message`
//! and `handle_data_transfer_pnc_certificate_signed`:
//!
//! - The CSR's subject: C = SeccLeafSubjectCountry (default "DE"), O =
//!   SeccLeafSubjectOrganization or CpoName, CN = SeccLeafSubjectCommonName or
//!   ChargeBoxSerialNumber; a P-256 key, kept by the store until its certificate arrives. No
//!   CSR without SeccLeafSubjectOrganization or CpoName. A CSR the store cannot make raises
//!   the security event CSRGenerationFailed (sent).
//! - TriggerMessage(SignV2GCertificate): Accepted and a SignCertificate follows; without
//!   SeccLeafSubjectOrganization or CpoName the DataTransfer is Rejected (libocpp). Any other
//!   requestedMessage: NotImplemented (libocpp ignores requestedMessage and signs anyway).
//! - CertificateSigned: Rejected when certificateType is present and not V2GCertificate, when
//!   the chain is longer than CertificateSignedMaxChainSize, or when the store refuses it (not
//!   verified by an installed V2G root, no key for it); a rejection raises
//!   InvalidChargePointCertificate (sent). Accepted stores it as the SECC certificate and asks
//!   for its OCSP responses at once.
//! - Renewal: 60 s after the BootNotification was accepted and every 12 h, a SECC certificate
//!   that expires within 30 days, or none at all, gets a SignCertificate (libocpp's
//!   v2g_certificate_timer).
//! - Retries (OCPP 2.0.1 A02.FR.17/18, which the whitepaper's keys come from; libocpp 1.6 does
//!   not retry): after a SignCertificate the central system Accepted, no CertificateSigned
//!   within CertSigningWaitMinimum seconds makes a new key and CSR, sent again; each wait
//!   doubles the last; at most CertSigningRepeatTimes such repeats. Without
//!   CertSigningWaitMinimum there are none.

use std::time::{Duration, Instant};

use ocpp_rpc::MessageId;
use ocpp_types::core::{DataTransferResponse, DataTransferStatus};
use ocpp_types::data_transfer_payload::{unwrap_response, DataTransferMessage, DataTransferReply};
use ocpp_types::pnc::{
    CertificateSignedStatusEnum, CertificateSigningUseEnum, GenericStatusEnum,
    PncCertificateSignedRequest, PncCertificateSignedResponse, PncSignCertificateRequest,
    PncSignCertificateResponse, PncTriggerMessageRequest, PncTriggerMessageResponse,
    TriggerMessageStatusEnum,
};
use ocpp_types::{AnyResponse, BoundedString};

use super::super::evse_security::{
    CsrError, CsrRequest, InstallCertificateResult, KeyType, LeafCertificateType,
};
use super::super::security_events::kind;
use super::super::{ChargePoint, Now};
use super::{data_transfer_status, PncPurpose};

/// libocpp's security event for a CSR that could not be made (not one of the whitepaper's).
const CSR_GENERATION_FAILED: &str = "CSRGenerationFailed";

/// A SECC certificate that expires within this many days is renewed (libocpp's
/// v2g_certificate_timer).
const RENEW_WITHIN_DAYS: i64 = 30;

/// The SignCertificate under way.
#[derive(Debug, Default)]
pub(super) struct Signing {
    /// When a new CSR is sent if no CertificateSigned came.
    retry_at: Option<Instant>,
    /// The repeats sent so far.
    repeats: u32,
}

impl Signing {
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.retry_at
    }
}

impl ChargePoint {
    /// The organization of the SECC certificate, if one is configured.
    fn secc_organization(&self) -> Option<String> {
        let typed = self.config.typed();
        typed
            .internal
            .secc_leaf_subject_organization
            .clone()
            .or_else(|| typed.security.cpo_name.clone())
    }

    /// Makes a key and a CSR for the SECC certificate and sends it in a SignCertificate.
    pub(super) fn send_v2g_sign_certificate(&mut self, now: Now) {
        let Some(organization) = self.secc_organization() else {
            tracing::warn!("no SECC certificate requested: neither CpoName nor SeccLeafSubjectOrganization is set");
            return;
        };
        let internal = &self.config.typed().internal;
        let request = CsrRequest {
            kind: LeafCertificateType::V2g,
            country: Some(
                internal
                    .secc_leaf_subject_country
                    .clone()
                    .unwrap_or_else(|| "DE".to_owned()),
            ),
            organization: Some(organization),
            common_name: internal
                .secc_leaf_subject_common_name
                .clone()
                .unwrap_or_else(|| internal.charge_box_serial_number.clone()),
            key: KeyType::EcdsaP256,
        };
        let Some(store) = self.evse_security.as_mut() else {
            tracing::warn!("no SECC certificate requested: no certificate store");
            return;
        };
        let csr = match store.generate_certificate_signing_request(&request) {
            Ok(csr) => BoundedString::new(csr).map_err(|_| "the CSR is over 5500 characters"),
            Err(CsrError::KeyGenError(why)) => {
                tracing::error!(%why, "SECC key generation failed");
                Err("KeyGenError")
            }
            Err(CsrError::GenerationError(why)) => {
                tracing::error!(%why, "SECC CSR generation failed");
                Err("GenerationError")
            }
        };
        match csr {
            Ok(csr) => {
                tracing::info!("SignCertificate for the SECC certificate");
                let request = PncSignCertificateRequest::v2g(csr);
                self.send_pnc(request.to_data_transfer(), PncPurpose::SignCertificate);
            }
            Err(why) => {
                let tech_info = format!("Data transfer pnc csr failed due to:{why}");
                self.security_event_sent_if(CSR_GENERATION_FAILED, Some(&tech_info), true, now);
            }
        }
    }

    /// The answer to the SignCertificate.
    pub(super) fn on_pnc_sign_certificate_response(
        &mut self,
        response: Option<DataTransferResponse>,
        now: Now,
    ) {
        let answer = response
            .as_ref()
            .map(unwrap_response::<PncSignCertificateResponse>);
        match answer {
            Some(Ok(answer)) if answer.status == GenericStatusEnum::Accepted => {
                let pnc = self.config.typed().pnc.as_ref();
                let wait = pnc.and_then(|p| p.cert_signing_wait_minimum).unwrap_or(0);
                if wait > 0 {
                    let factor = 1u64 << self.pnc.signing.repeats.min(20);
                    let wait = Duration::from_secs(u64::from(wait).saturating_mul(factor));
                    tracing::info!(
                        ?wait,
                        "SignCertificate accepted; waiting for CertificateSigned"
                    );
                    self.pnc.signing.retry_at = Some(now.instant + wait);
                }
            }
            Some(Ok(answer)) => {
                tracing::warn!(status = ?answer.status, "SignCertificate for the SECC certificate refused");
                self.pnc.signing = Signing::default();
            }
            Some(Err(error)) => {
                tracing::warn!(%error, "SignCertificate answer unusable");
                self.pnc.signing.retry_at = None;
            }
            None => self.pnc.signing.retry_at = None,
        }
    }

    /// A new CSR when the CertificateSigned is overdue.
    pub(super) fn v2g_signing_timer(&mut self, now: Now) {
        if self
            .pnc
            .signing
            .retry_at
            .is_none_or(|due| due > now.instant)
        {
            return;
        }
        self.pnc.signing.retry_at = None;
        let repeat_times = self
            .config
            .typed()
            .pnc
            .as_ref()
            .and_then(|p| p.cert_signing_repeat_times)
            .unwrap_or(0);
        if self.pnc.signing.repeats >= repeat_times {
            tracing::warn!(
                repeats = self.pnc.signing.repeats,
                "no CertificateSigned for the SECC certificate; CertSigningRepeatTimes reached"
            );
            self.pnc.signing = Signing::default();
            return;
        }
        self.pnc.signing.repeats += 1;
        tracing::info!(
            repeat = self.pnc.signing.repeats,
            "no CertificateSigned yet: a new CSR"
        );
        self.send_v2g_sign_certificate(now);
    }

    /// The periodic check of the SECC certificate's expiry.
    pub(super) fn check_v2g_certificate(&mut self, now: Now) {
        let Some(store) = self.evse_security.as_ref() else {
            return;
        };
        let newest = store
            .leaf_certificates()
            .into_iter()
            .filter(|c| c.kind == LeafCertificateType::V2g)
            .map(|c| c.not_after.unix_millis())
            .max();
        let days_left = newest.map(|end| (end - now.utc.unix_millis()).div_euclid(86_400_000));
        match days_left {
            Some(days) if days >= RENEW_WITHIN_DAYS => {
                tracing::info!(days, "the SECC certificate is still valid")
            }
            _ => {
                tracing::info!(
                    ?days_left,
                    "the SECC certificate expires soon or is missing: a new one is requested"
                );
                self.pnc.signing = Signing::default();
                self.send_v2g_sign_certificate(now);
            }
        }
    }

    pub(super) fn on_pnc_trigger_message(
        &mut self,
        id: &MessageId,
        request: &PncTriggerMessageRequest,
        now: Now,
    ) {
        if !request.is_sign_v2g_certificate() {
            tracing::info!(requested = ?request.requested_message, "PnC TriggerMessage for another message: NotImplemented");
            let response = PncTriggerMessageResponse {
                custom_data: None,
                status: TriggerMessageStatusEnum::NotImplemented,
                status_info: None,
            };
            return self.respond(
                id,
                AnyResponse::DataTransfer(response.to_data_transfer_response()),
            );
        }
        if self.secc_organization().is_none() {
            tracing::warn!("TriggerMessage(SignV2GCertificate) without CpoName or SeccLeafSubjectOrganization: Rejected");
            return self.respond(id, data_transfer_status(DataTransferStatus::Rejected));
        }
        let response = PncTriggerMessageResponse {
            custom_data: None,
            status: TriggerMessageStatusEnum::Accepted,
            status_info: None,
        };
        self.respond(
            id,
            AnyResponse::DataTransfer(response.to_data_transfer_response()),
        );
        self.pnc.signing = Signing::default();
        self.send_v2g_sign_certificate(now);
    }

    pub(super) fn on_pnc_certificate_signed(
        &mut self,
        id: &MessageId,
        request: &PncCertificateSignedRequest,
        now: Now,
    ) {
        let max_chain_size = self
            .config
            .typed()
            .security
            .certificate_signed_max_chain_size;
        let chain = request.certificate_chain.as_str();
        let refusal = if request
            .certificate_type
            .is_some_and(|t| t != CertificateSigningUseEnum::V2GCertificate)
        {
            Some("Received DataTransfer.req containing CertificateSigned.req where certificateType is not V2GCertificate".to_owned())
        } else if max_chain_size.is_some_and(|max| usize::try_from(max).unwrap_or(0) < chain.len())
        {
            Some("Received DataTransfer.req containing CertificateSigned.req where chain size is greater than configured CertificateSignedMaxChainSize".to_owned())
        } else {
            let store = self.evse_security.as_mut();
            match store.map(|s| s.update_leaf_certificate(chain, LeafCertificateType::V2g, now.utc))
            {
                Some(InstallCertificateResult::Accepted) => None,
                Some(result) => Some(result.as_str().to_owned()),
                None => Some("no certificate store".to_owned()),
            }
        };
        let status = match refusal {
            None => CertificateSignedStatusEnum::Accepted,
            Some(_) => CertificateSignedStatusEnum::Rejected,
        };
        tracing::info!(?status, ?refusal, "PnC CertificateSigned");
        let response = PncCertificateSignedResponse {
            custom_data: None,
            status,
            status_info: None,
        };
        self.respond(
            id,
            AnyResponse::DataTransfer(response.to_data_transfer_response()),
        );
        match refusal {
            Some(tech_info) => self.security_event_sent_if(
                kind::INVALID_CHARGE_POINT_CERTIFICATE,
                Some(&tech_info),
                true,
                now,
            ),
            None => {
                self.pnc.signing = Signing::default();
                self.refresh_installed_certificates();
                // The new certificate's OCSP responses, now (libocpp restarts its timer at 0).
                self.update_ocsp_cache();
                self.pnc.next_ocsp_update = Some(now.instant + self.ocsp_request_interval());
            }
        }
    }
}
