//! Plug&Charge over OCPP 1.6 (the OCA whitepaper "Using ISO 15118 Plug & Charge with OCPP
//! 1.6"): the OCPP 2.0.1 certificate and authorization messages, carried in DataTransfer with
//! vendorId `org.openchargealliance.iso15118pnc`, as libocpp's `ChargePointImpl`
//! (lib/ocpp/v16/charge_point_impl.cpp: `handleDataTransferRequest`,
//! `handle_data_transfer_pnc_*`, `data_transfer_pnc_*`, `update_ocsp_cache`).
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the keys, routing the central system's DataTransfers, the station's [`PncEvent`]s, the answers to ours |
//! | `certificate_management.rs` | InstallCertificate, DeleteCertificate, GetInstalledCertificateIds |
//! | `v2g_signing.rs` | TriggerMessage(SignV2GCertificate), SignCertificate with its retries, CertificateSigned; the SECC certificate's renewal |
//! | `authorize.rs` | Authorize with a contract certificate: online, central and offline validation |
//! | `certificate_status.rs` | GetCertificateStatus: the SECC chain's OCSP responses, refreshed |
//! | `ev_certificate.rs` | Get15118EVCertificate: the car's contract certificate installation / update, EXI passed through |
//!
//! The keys (PnC section), as libocpp reads them. libocpp adds the PnC feature profile itself
//! whenever the config has a PnC section (`ChargePointConfiguration`'s constructor), so
//! SupportedFeatureProfiles need not list it: without the section every key reads as off.
//!
//! - ISO15118CertificateManagementEnabled: the central system's PnC DataTransfers are handled
//!   here; without it they are any other DataTransfer (the station's data_transfer module, or
//!   UnknownVendorId), and the station sends no GetCertificateStatus and no SignCertificate.
//! - ISO15118PnCEnabled: the station may send Authorize and Get15118EVCertificate; without it
//!   both are answered at once as refused (Invalid, no EXI), so the car falls back to external
//!   identification.
//! - CentralContractValidationAllowed, ContractValidationOffline: see `authorize.rs`.
//! - CertSigningWaitMinimum, CertSigningRepeatTimes: see `v2g_signing.rs`.
//!
//! From the central system: a known message with data that does not decode is answered
//! DataTransfer.conf `Rejected` (no data); a messageId that is not one the central system
//! sends, `UnknownMessageId`; otherwise `Accepted` with the OCPP 2.0.1 response as JSON text.

mod authorize;
mod certificate_management;
mod certificate_status;
mod ev_certificate;
mod v2g_signing;

use std::time::Instant;

use ocpp_rpc::{CallErrorInfo, MessageId};
use ocpp_types::core::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use ocpp_types::pnc::{
    AnyPncRequest, CertificateActionEnum, Get15118EVCertificateResponse, OcspRequestData,
    PncAuthorizeResponse, PncMessageId, VENDOR_ID,
};
use ocpp_types::{Action, AnyResponse};

use super::message_queue::Purpose;
use super::{ChargePoint, Now, StationCommand};

/// What the station's ISO 15118 side (EvseV2G, through everest-core's `iso15118_extensions`
/// interface) asks of the OCPP side.
#[derive(Debug, Clone, PartialEq)]
pub enum PncEvent {
    /// Authorize the contract `emaid` (the car's contract certificate's subject): answered by
    /// [`PncCommand::AuthorizeResult`] with the same `request_id` (libocpp's
    /// `data_transfer_pnc_authorize`).
    Authorize {
        /// Chosen by the station; echoed in the answer.
        request_id: u64,
        /// The eMAID.
        emaid: String,
        /// The contract certificate chain the car sent, PEM, the leaf first.
        certificate: Option<String>,
        /// The OCSP request data of the contract chain, when the SECC computed it.
        iso15118_certificate_hash_data: Option<Vec<OcspRequestData>>,
    },
    /// The car asked for its contract certificate to be installed or updated: the EXI request,
    /// base64, goes to the central system as it is, and its EXI answer comes back in
    /// [`PncCommand::Ev15118CertificateResult`] (libocpp's
    /// `data_transfer_pnc_get_15118_ev_certificate`).
    Get15118EvCertificate {
        /// Chosen by the station; echoed in the answer.
        request_id: u64,
        /// The connector of the car.
        connector: u32,
        /// The ISO 15118 schema the car speaks (its namespace).
        iso15118_schema_version: String,
        /// Install or update.
        action: CertificateActionEnum,
        /// The CertificateInstallationReq / CertificateUpdateReq, EXI, base64.
        exi_request: String,
    },
}

/// What the OCPP side tells the station's ISO 15118 side.
#[derive(Debug, Clone, PartialEq)]
pub enum PncCommand {
    /// The answer to [`PncEvent::Authorize`].
    AuthorizeResult {
        /// The event's.
        request_id: u64,
        /// The verdict, as OCPP 2.0.1's AuthorizeResponse.
        response: Box<PncAuthorizeResponse>,
    },
    /// The answer to [`PncEvent::Get15118EvCertificate`]: `None` when the central system did
    /// not answer with one (offline, PnC disabled, an error, a refused DataTransfer).
    Ev15118CertificateResult {
        /// The event's.
        request_id: u64,
        /// The event's.
        connector: u32,
        /// The event's.
        action: CertificateActionEnum,
        /// The central system's answer, its EXI response base64.
        response: Option<Box<Get15118EVCertificateResponse>>,
    },
}

/// What a PnC DataTransfer the station sent is for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PncPurpose {
    /// A [`PncEvent::Authorize`] forwarded to the central system.
    Authorize { request_id: u64 },
    /// A [`PncEvent::Get15118EvCertificate`].
    Get15118EvCertificate {
        request_id: u64,
        connector: u32,
        action: CertificateActionEnum,
    },
    /// A GetCertificateStatus for the certificate `0` names.
    GetCertificateStatus(Box<OcspRequestData>),
    /// A SignCertificate for the SECC certificate.
    SignCertificate,
}

/// The PnC state: timers and the SECC certificate signing under way.
#[derive(Debug, Default)]
pub(crate) struct Pnc {
    /// When the SECC chain's OCSP responses are asked for next.
    next_ocsp_update: Option<Instant>,
    /// When the SECC certificate's expiry is checked next.
    next_v2g_certificate_check: Option<Instant>,
    /// The SignCertificate waiting for its CertificateSigned.
    signing: v2g_signing::Signing,
}

impl Pnc {
    /// The earliest PnC timer.
    pub fn deadline(&self) -> Option<Instant> {
        [
            self.next_ocsp_update,
            self.next_v2g_certificate_check,
            self.signing.deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// A DataTransfer.conf with just a status.
fn data_transfer_status(status: DataTransferStatus) -> AnyResponse {
    AnyResponse::DataTransfer(DataTransferResponse { status, data: None })
}

impl ChargePoint {
    /// ISO15118PnCEnabled (libocpp's `is_pnc_enabled`: the PnC profile, which the PnC
    /// section brings, and the key).
    pub(crate) fn pnc_enabled(&self) -> bool {
        self.config
            .typed()
            .pnc
            .as_ref()
            .is_some_and(|p| p.iso15118_pnc_enabled)
    }

    /// ISO15118CertificateManagementEnabled (libocpp's
    /// `is_iso15118_certificate_management_enabled`).
    pub(crate) fn pnc_certificate_management_enabled(&self) -> bool {
        self.config
            .typed()
            .pnc
            .as_ref()
            .is_some_and(|p| p.iso15118_certificate_management_enabled)
    }

    /// A DataTransfer.req from the central system: handled here when it is a PnC one and
    /// certificate management is enabled (answered); `false` to treat it as any other.
    pub(crate) fn on_pnc_data_transfer(
        &mut self,
        id: &MessageId,
        request: &DataTransferRequest,
        now: Now,
    ) -> bool {
        if !request.vendor_id.as_str().eq_ignore_ascii_case(VENDOR_ID) {
            return false;
        }
        if !self.pnc_certificate_management_enabled() {
            tracing::info!("PnC DataTransfer while ISO15118CertificateManagementEnabled is off");
            return false;
        }
        let message = request
            .message_id
            .as_ref()
            .and_then(|m| m.as_str().parse::<PncMessageId>().ok())
            .filter(|m| !m.sent_by_charge_point());
        let Some(message) = message else {
            tracing::warn!(message_id = ?request.message_id, "PnC DataTransfer with an unknown messageId");
            self.respond(
                id,
                data_transfer_status(DataTransferStatus::UnknownMessageId),
            );
            return true;
        };
        let decoded = match AnyPncRequest::decode_data(message, request.data.as_deref()) {
            Ok(decoded) => decoded,
            Err(error) => {
                tracing::warn!(%message, %error, "PnC DataTransfer whose data does not decode: Rejected");
                self.respond(id, data_transfer_status(DataTransferStatus::Rejected));
                return true;
            }
        };
        if self.evse_security.is_none() {
            tracing::warn!(%message, "PnC DataTransfer without a certificate store: Rejected");
            self.respond(id, data_transfer_status(DataTransferStatus::Rejected));
            return true;
        }
        match decoded {
            AnyPncRequest::InstallCertificate(r) => self.on_pnc_install_certificate(id, &r, now),
            AnyPncRequest::DeleteCertificate(r) => self.on_pnc_delete_certificate(id, &r),
            AnyPncRequest::GetInstalledCertificateIds(r) => {
                self.on_pnc_get_installed_certificate_ids(id, &r)
            }
            AnyPncRequest::TriggerMessage(r) => self.on_pnc_trigger_message(id, &r, now),
            AnyPncRequest::CertificateSigned(r) => self.on_pnc_certificate_signed(id, &r, now),
            AnyPncRequest::Authorize(_)
            | AnyPncRequest::GetCertificateStatus(_)
            | AnyPncRequest::Get15118EVCertificate(_)
            | AnyPncRequest::SignCertificate(_) => {
                // Filtered out above: the station sends these, never the central system.
                self.respond(
                    id,
                    data_transfer_status(DataTransferStatus::UnknownMessageId),
                )
            }
        }
        true
    }

    /// Something the station's ISO 15118 side asks.
    pub(crate) fn on_pnc_event(&mut self, event: PncEvent, now: Now) {
        match event {
            PncEvent::Authorize {
                request_id,
                emaid,
                certificate,
                iso15118_certificate_hash_data,
            } => self.on_pnc_authorize(
                request_id,
                &emaid,
                certificate.as_deref(),
                iso15118_certificate_hash_data,
                now,
            ),
            PncEvent::Get15118EvCertificate {
                request_id,
                connector,
                iso15118_schema_version,
                action,
                exi_request,
            } => self.on_get_15118_ev_certificate(
                request_id,
                connector,
                &iso15118_schema_version,
                action,
                &exi_request,
            ),
        }
    }

    /// Queues a PnC DataTransfer.req.
    fn send_pnc(&mut self, request: DataTransferRequest, purpose: PncPurpose) {
        self.queue.push_normal(
            Action::DataTransfer,
            ocpp_types::encode(&request),
            Purpose::Pnc(purpose),
        );
    }

    /// The answer to a PnC DataTransfer of the station (`Err` for a CALLERROR or no answer).
    #[inline(never)]
    pub(crate) fn on_pnc_response(
        &mut self,
        purpose: PncPurpose,
        result: Result<AnyResponse, CallErrorInfo>,
        now: Now,
    ) {
        let response = match result {
            Ok(AnyResponse::DataTransfer(response)) => Some(response),
            Ok(other) => {
                tracing::warn!(action = %other.action(), "PnC DataTransfer answered with another message");
                None
            }
            Err(error) => {
                tracing::warn!(%error, ?purpose, "PnC DataTransfer failed");
                None
            }
        };
        match purpose {
            PncPurpose::Authorize { request_id } => {
                self.on_pnc_authorize_response(request_id, response.as_ref())
            }
            PncPurpose::Get15118EvCertificate {
                request_id,
                connector,
                action,
            } => self.on_get_15118_ev_certificate_response(
                request_id,
                connector,
                action,
                response.as_ref(),
            ),
            PncPurpose::GetCertificateStatus(ocsp) => {
                self.on_get_certificate_status_response(&ocsp, response.as_ref())
            }
            PncPurpose::SignCertificate => self.on_pnc_sign_certificate_response(response, now),
        }
    }

    /// A PnC DataTransfer of the station dropped with the connection.
    #[inline(never)]
    pub(crate) fn on_pnc_dropped(&mut self, purpose: PncPurpose, now: Now) {
        self.on_pnc_response(
            purpose,
            Err(CallErrorInfo {
                code: ocpp_rpc::CallErrorCode::GenericError,
                description: "the connection dropped".to_owned(),
                details: serde_json::json!({}),
            }),
            now,
        )
    }

    /// The central system accepted the BootNotification: the certificate timers start one
    /// minute later, as libocpp's (INITIAL_CERTIFICATE_REQUESTS_DELAY).
    pub(crate) fn pnc_registered(&mut self, now: Now) {
        if self.pnc_certificate_management_enabled() {
            let first = now.instant + INITIAL_CERTIFICATE_REQUESTS_DELAY;
            self.pnc.next_ocsp_update = Some(first);
            self.pnc.next_v2g_certificate_check = Some(first);
        }
    }

    /// Runs the PnC timers due at `now`; starts them when ISO15118CertificateManagementEnabled
    /// was switched on since the BootNotification, stops them when it was switched off.
    pub(crate) fn pnc_timer(&mut self, now: Now) {
        let enabled = self.pnc_certificate_management_enabled();
        if !enabled {
            // Switched off (ChangeConfiguration): the timers stop, as libocpp's.
            self.pnc = Pnc::default();
            return;
        }
        if self.pnc.next_ocsp_update.is_none()
            && self.pnc.next_v2g_certificate_check.is_none()
            && self.registration.status == Some(ocpp_types::core::RegistrationStatus::Accepted)
        {
            // Switched on since the BootNotification (ChangeConfiguration): the timers start
            // a minute from the first timer run that sees it, as libocpp's start a minute
            // after the change.
            self.pnc_registered(now);
            return;
        }
        if self
            .pnc
            .next_ocsp_update
            .is_some_and(|due| due <= now.instant)
        {
            self.pnc.next_ocsp_update = Some(now.instant + self.ocsp_request_interval());
            self.update_ocsp_cache();
        }
        if self
            .pnc
            .next_v2g_certificate_check
            .is_some_and(|due| due <= now.instant)
        {
            self.pnc.next_v2g_certificate_check =
                Some(now.instant + V2G_CERTIFICATE_CHECK_INTERVAL);
            self.check_v2g_certificate(now);
        }
        self.v2g_signing_timer(now);
    }

    /// Tells the station's ISO 15118 side.
    fn pnc_command(&mut self, command: PncCommand) {
        self.commands.push_back(StationCommand::Pnc(command));
    }
}

/// libocpp's INITIAL_CERTIFICATE_REQUESTS_DELAY: the first OCSP update and SECC certificate
/// check, after the BootNotification was accepted.
const INITIAL_CERTIFICATE_REQUESTS_DELAY: std::time::Duration = std::time::Duration::from_secs(60);

/// libocpp's V2G_CERTIFICATE_TIMER_INTERVAL: how often the SECC certificate's expiry is
/// checked.
const V2G_CERTIFICATE_CHECK_INTERVAL: std::time::Duration =
    std::time::Duration::from_secs(12 * 3600);
