//! Authorize with a contract (Plug&Charge, OCPP 2.0.1 C07 over DataTransfer), decided as
//! libocpp's `data_transfer_pnc_authorize`:
//!
//! - Without ISO15118PnCEnabled: Invalid at once, nothing sent (the car then identifies
//!   externally).
//! - Online (connected and registered) with the contract chain's OCSP data from the SECC: an
//!   Authorize with idToken {eMAID} and that iso15118CertificateHashData.
//! - Online with the contract certificate: verified against the installed MO roots, then the
//!   V2G roots. No root issued it: with CentralContractValidationAllowed the certificate itself
//!   is sent (C07.FR.06), otherwise Invalid. Otherwise the chain's OCSP data is computed and
//!   sent; when none can be (no certificate names a responder), the certificate is sent with
//!   CentralContractValidationAllowed, otherwise Invalid.
//! - Offline with the contract certificate and ContractValidationOffline (C07.FR.08): a chain
//!   that verifies is looked up in the local authorization list and cache with
//!   LocalAuthorizeOffline (C07.FR.09: Accepted when known as accepted, else Invalid), or
//!   Unknown with certificateStatus Accepted without it; an expired chain is Expired /
//!   CertificateExpired; any other failure Unknown. Without ContractValidationOffline:
//!   NotAtThisTime (C07.FR.07).
//! - Without a certificate or OCSP data: Invalid.
//!
//! The central system's answer is passed on as it is. No answer (lost connection, CALLERROR,
//! a DataTransfer.conf that is not Accepted or whose data does not decode) is Unknown, as
//! libocpp's status set before it sends.

use ocpp_types::core::DataTransferResponse;
use ocpp_types::data_transfer_payload::{unwrap_response, DataTransferMessage};
use ocpp_types::id_tag::{AuthorizationStatus, IdToken};
use ocpp_types::pnc::{
    AuthorizationStatusEnum, AuthorizeCertificateStatusEnum, BoundedVec, IdTokenInfo,
    OcspRequestData, PncAuthorizeRequest, PncAuthorizeResponse, PncIdToken,
};
use ocpp_types::{BoundedString, CiString};

use super::super::evse_security::CertificateValidationResult;
use super::super::{ChargePoint, Now};
use super::certificate_status::to_ocsp_request_data;
use super::{PncCommand, PncPurpose};

/// An AuthorizeResponse with just these statuses.
fn verdict(
    status: AuthorizationStatusEnum,
    certificate_status: Option<AuthorizeCertificateStatusEnum>,
) -> Box<PncAuthorizeResponse> {
    Box::new(PncAuthorizeResponse {
        custom_data: None,
        id_token_info: IdTokenInfo::with_status(status),
        certificate_status,
    })
}

/// What to send in the Authorize besides the idToken.
enum Evidence {
    Certificate(BoundedString<5500>),
    OcspData(BoundedVec<OcspRequestData, 4>),
}

impl ChargePoint {
    pub(super) fn on_pnc_authorize(
        &mut self,
        request_id: u64,
        emaid: &str,
        certificate: Option<&str>,
        ocsp_data: Option<Vec<OcspRequestData>>,
        now: Now,
    ) {
        let decision = self.pnc_authorize_decision(emaid, certificate, ocsp_data, now);
        match decision {
            Ok(evidence) => {
                let Ok(id_token) = CiString::new(emaid) else {
                    // Checked by pnc_authorize_decision.
                    return self.pnc_authorize_result(
                        request_id,
                        verdict(AuthorizationStatusEnum::Invalid, None),
                    );
                };
                let (certificate, hash_data) = match evidence {
                    Evidence::Certificate(c) => (Some(c), None),
                    Evidence::OcspData(d) => (None, Some(d)),
                };
                let request = PncAuthorizeRequest {
                    custom_data: None,
                    id_token: PncIdToken::emaid(id_token),
                    certificate,
                    iso15118_certificate_hash_data: hash_data,
                };
                tracing::info!(emaid, "Authorize (PnC) sent to the central system");
                self.send_pnc(
                    request.to_data_transfer(),
                    PncPurpose::Authorize { request_id },
                );
            }
            Err(response) => {
                tracing::info!(emaid, status = ?response.id_token_info.status,
                    certificate_status = ?response.certificate_status, "Authorize (PnC) decided locally");
                self.pnc_authorize_result(request_id, response)
            }
        }
    }

    /// What goes to the central system, or the verdict when nothing does.
    fn pnc_authorize_decision(
        &mut self,
        emaid: &str,
        certificate: Option<&str>,
        ocsp_data: Option<Vec<OcspRequestData>>,
        now: Now,
    ) -> Result<Evidence, Box<PncAuthorizeResponse>> {
        use AuthorizationStatusEnum as S;
        if !self.pnc_enabled() {
            tracing::warn!("Authorize (PnC) asked while ISO15118PnCEnabled is off");
            return Err(verdict(S::Invalid, None));
        }
        if CiString::<36>::new(emaid).is_err() {
            tracing::warn!(emaid, "eMAID over 36 characters");
            return Err(verdict(S::Invalid, None));
        }
        let online = self.may_send_normal();
        if online {
            if let Some(data) = ocsp_data.and_then(|d| BoundedVec::new(d).ok()) {
                return Ok(Evidence::OcspData(data));
            }
        }
        let Some(certificate) = certificate else {
            tracing::warn!("an eMAID cannot be validated without its certificate chain");
            return Err(verdict(S::Invalid, None));
        };
        let (verified, computed) = match self.evse_security.as_ref() {
            Some(store) => (
                store.verify_contract_certificate(certificate, now.utc),
                store.contract_ocsp_request_data(certificate),
            ),
            None => (CertificateValidationResult::IssuerNotFound, Vec::new()),
        };
        tracing::info!(?verified, online, "local contract validation");
        let pnc = self.config.typed().pnc.as_ref();
        let central_allowed = pnc
            .and_then(|p| p.central_contract_validation_allowed)
            .unwrap_or(false);
        let offline_allowed = pnc.is_some_and(|p| p.contract_validation_offline);
        let whole_certificate = || BoundedString::<5500>::new(certificate).ok();
        if online {
            if verified != CertificateValidationResult::IssuerNotFound {
                // iso15118CertificateHashData holds at most 4: a contract chain has a leaf and
                // at most two sub-CAs, so nothing real is cut.
                let computed: Vec<_> = computed
                    .iter()
                    .filter_map(to_ocsp_request_data)
                    .take(4)
                    .collect();
                if let Ok(data) = BoundedVec::new(computed) {
                    return Ok(Evidence::OcspData(data));
                }
                tracing::warn!("no OCSP data could be computed from the contract chain");
            }
            return match (central_allowed, whole_certificate()) {
                (true, Some(c)) => Ok(Evidence::Certificate(c)),
                (true, None) => Err(verdict(S::Invalid, None)),
                (false, _) => {
                    tracing::warn!("CentralContractValidationAllowed is off: Invalid");
                    Err(verdict(S::Invalid, None))
                }
            };
        }
        if !offline_allowed {
            tracing::warn!("offline and ContractValidationOffline is off: NotAtThisTime");
            return Err(verdict(S::NotAtThisTime, None));
        }
        Err(match verified {
            CertificateValidationResult::Valid => {
                if self.config.core().local_authorize_offline {
                    let known = IdToken::new(emaid)
                        .ok()
                        .and_then(|id| self.local_id_tag_info(&id, now));
                    match known {
                        Some(info) if info.status == AuthorizationStatus::Accepted => {
                            verdict(S::Accepted, None)
                        }
                        _ => verdict(S::Invalid, None),
                    }
                } else {
                    verdict(S::Unknown, Some(AuthorizeCertificateStatusEnum::Accepted))
                }
            }
            CertificateValidationResult::Expired => verdict(
                S::Expired,
                Some(AuthorizeCertificateStatusEnum::CertificateExpired),
            ),
            CertificateValidationResult::InvalidSignature
            | CertificateValidationResult::IssuerNotFound
            | CertificateValidationResult::InvalidChain
            | CertificateValidationResult::InvalidFormat => verdict(S::Unknown, None),
        })
    }

    /// The central system's answer to a forwarded Authorize.
    pub(super) fn on_pnc_authorize_response(
        &mut self,
        request_id: u64,
        response: Option<&DataTransferResponse>,
    ) {
        let answer = match response.map(unwrap_response::<PncAuthorizeResponse>) {
            Some(Ok(answer)) => Box::new(answer),
            Some(Err(error)) => {
                tracing::warn!(%error, "Authorize (PnC) answer unusable: Unknown");
                verdict(AuthorizationStatusEnum::Unknown, None)
            }
            None => verdict(AuthorizationStatusEnum::Unknown, None),
        };
        self.pnc_authorize_result(request_id, answer);
    }

    fn pnc_authorize_result(&mut self, request_id: u64, response: Box<PncAuthorizeResponse>) {
        self.pnc_command(PncCommand::AuthorizeResult {
            request_id,
            response,
        });
    }
}
