//! Secure firmware update (OCPP 1.6 Security whitepaper edition 2, use case L01 / §5.19-§5.22):
//! SignedUpdateFirmware and SignedFirmwareStatusNotification, as libocpp's
//! `ChargePointImpl::handleSignedUpdateFirmware` and `signed_firmware_update_status_notification`
//! with everest-core's System module (`handle_signed_fimware_update`,
//! `download_signed_firmware`, `install_signed_firmware`). It runs through the steps of
//! `firmware.rs` (download at retrieveDateTime, install once no transaction runs, restart) with
//! these additions:
//!
//! - The signingCertificate is checked against the installed manufacturer roots first
//!   ([`EvseSecurity::verify_firmware_signing_certificate`]). Not valid (or no certificate
//!   store): the answer is InvalidCertificate, the security event
//!   InvalidFirmwareSigningCertificate is raised (and sent, `security_events::is_always_sent`),
//!   nothing is downloaded.
//! - Otherwise: Accepted; AcceptedCanceled when an update (signed or plain) was under way and
//!   not installing yet, which is cancelled for this one ([`StationCommand::CancelFirmware`]:
//!   it reports nothing more); Rejected while one installs or restarts (everest-core's System:
//!   AcceptedCanceled while a download runs, Rejected while an installation runs; OCPP 2.0.1
//!   L01.FR.24 / L01.FR.25 say the same).
//! - SignedFirmwareStatusNotification with the requestId, in this order: DownloadScheduled
//!   (only when retrieveDateTime is in the future), Downloading, Downloaded, then the
//!   station's signature check: SignatureVerified, InstallScheduled (only when
//!   installDateTime is in the future; the installation waits for it), Installing,
//!   InstallRebooting, and after the restart Installed. The ends: DownloadFailed,
//!   InvalidSignature (with the security event InvalidFirmwareSignature, sent; libocpp forces it
//!   out for TC_081_CS), InstallationFailed.
//! - The connectors go Unavailable once the installation is due (signature verified, and
//!   installDateTime reached), those with a transaction when it ends; the installation starts
//!   when no transaction is left (as for UpdateFirmware). libocpp makes the connectors
//!   Unavailable at SignatureVerified; a station told to install tomorrow keeps charging until
//!   then here.
//! - Installed: the whitepaper's "successful end state" is reached when the new firmware runs,
//!   so before the restart the station says InstallRebooting ("about to reboot to activate the
//!   new firmware") and the restart hands the requestId to the next boot
//!   ([`StationCommand::FirmwareRestart`] → [`ChargePoint::signed_firmware_installed`]), which
//!   sends Installed once the registration is Accepted, beside the security event
//!   FirmwareUpdated of its boot reason. everest-core's installer script says Installed before
//!   its reboot; libocpp passes on whatever System says.
//! - ExtendedTriggerMessage FirmwareStatusNotification (`extended_trigger.rs`): the last status
//!   sent with its requestId while an update runs; Idle without requestId when none does
//!   (libocpp sets its status back to Idle after every end state).
//!
//! Not stored: a power loss forgets an update under way, as for UpdateFirmware; the requestId
//! for Installed survives the station's own restart, not a power loss.

use ocpp_rpc::MessageId;
use ocpp_types::security::{
    SignedFirmwareStatus, SignedFirmwareStatusNotificationRequest, SignedUpdateFirmwareRequest,
    SignedUpdateFirmwareResponse, UpdateFirmwareStatus,
};
use ocpp_types::{Action, AnyResponse, DateTime};

use super::events::FirmwareProgress;
use super::evse_security::CertificateValidationResult;
use super::firmware::{Phase, Update};
use super::message_queue::Purpose;
use super::security_events::kind;
use super::{ChargePoint, Now, StationCommand};

/// A SignedUpdateFirmware's part of an update.
#[derive(Debug)]
pub(crate) struct Signed {
    /// The central system's requestId.
    pub request_id: i32,
    /// The file's signature, Base64.
    pub signature: String,
    /// The PEM certificate of the key that signed it.
    pub signing_certificate: String,
    /// installDateTime, if given.
    install_at: Option<DateTime>,
    /// The last SignedFirmwareStatusNotification sent (or that would have been, offline).
    last_sent: Option<SignedFirmwareStatus>,
}

impl ChargePoint {
    /// SignedUpdateFirmware.req (see the [module docs](self)). libocpp takes it whatever the
    /// SupportedFeatureProfiles say (the whitepaper ties it to no profile), and so does this
    /// core.
    #[inline(never)]
    pub(crate) fn on_signed_update_firmware(
        &mut self,
        id: &MessageId,
        request: SignedUpdateFirmwareRequest,
        now: Now,
    ) {
        let firmware = request.firmware;
        let verified = match &self.evse_security {
            Some(store) => store.verify_firmware_signing_certificate(
                &firmware.signing_certificate,
                self.clock(now),
            ),
            None => {
                tracing::warn!(
                    "SignedUpdateFirmware: no certificate store holds manufacturer roots"
                );
                CertificateValidationResult::IssuerNotFound
            }
        };
        if verified != CertificateValidationResult::Valid {
            tracing::warn!(request_id = request.request_id, ?verified,
                "SignedUpdateFirmware: the signing certificate does not verify against the manufacturer roots");
            self.respond_signed_update(id, UpdateFirmwareStatus::InvalidCertificate);
            // libocpp's techInfo.
            let tech_info = format!("Certificate is invalid: {verified:?}");
            return self.security_event(
                kind::INVALID_FIRMWARE_SIGNING_CERTIFICATE,
                Some(&tech_info),
                now,
            );
        }
        let status = match self.firmware.update.as_ref().map(|u| u.phase) {
            None => UpdateFirmwareStatus::Accepted,
            Some(Phase::Installing | Phase::Restarting { .. }) => UpdateFirmwareStatus::Rejected,
            Some(_) => UpdateFirmwareStatus::AcceptedCanceled,
        };
        tracing::info!(request_id = request.request_id, ?status, location = %firmware.location,
            retrieve = %firmware.retrieve_date_time, install = ?firmware.install_date_time,
            "SignedUpdateFirmware");
        self.respond_signed_update(id, status);
        if status == UpdateFirmwareStatus::Rejected {
            return;
        }
        if let Some(old) = self.firmware.update.as_ref() {
            let (old_id, old_phase) = (old.request_id, old.phase);
            tracing::info!(
                old = old_id,
                "firmware update cancelled for a SignedUpdateFirmware"
            );
            if !matches!(old_phase, Phase::Scheduled { .. }) {
                self.commands
                    .push_back(StationCommand::CancelFirmware { request_id: old_id });
            }
            self.end_firmware_update(old_phase, now);
        }
        let due = self.instant_of(firmware.retrieve_date_time, now);
        let request_id = self.firmware.next_request_id();
        let signed = Signed {
            request_id: request.request_id,
            signature: firmware.signature.as_str().to_owned(),
            signing_certificate: firmware.signing_certificate.as_str().to_owned(),
            install_at: firmware.install_date_time,
            last_sent: None,
        };
        self.firmware.update = Some(Update::new(
            request_id,
            firmware.location.as_str().to_owned(),
            request.retries,
            request.retry_interval,
            due,
            Some(signed),
        ));
        if due > now.instant {
            self.send_signed_firmware_status(SignedFirmwareStatus::DownloadScheduled);
        }
        self.firmware_timer(now);
    }

    fn respond_signed_update(&mut self, id: &MessageId, status: UpdateFirmwareStatus) {
        self.respond(
            id,
            AnyResponse::SignedUpdateFirmware(SignedUpdateFirmwareResponse { status }),
        );
    }

    /// The station reported `status` (new, in its turn) of the signed update under way, which
    /// was in `phase`.
    pub(super) fn on_signed_firmware_status(
        &mut self,
        status: FirmwareProgress,
        phase: Phase,
        now: Now,
    ) {
        use SignedFirmwareStatus as S;
        match status {
            FirmwareProgress::Downloading => self.send_signed_firmware_status(S::Downloading),
            FirmwareProgress::Downloaded => {
                self.send_signed_firmware_status(S::Downloaded);
                if phase == Phase::Downloading {
                    self.set_firmware_phase(Phase::Verifying);
                }
            }
            // A failed attempt that is retried: reported as libocpp passes on every status of
            // everest-core's System module; the update goes on.
            FirmwareProgress::DownloadAttemptFailed => {
                self.send_signed_firmware_status(S::DownloadFailed)
            }
            FirmwareProgress::DownloadFailed => {
                self.send_signed_firmware_status(S::DownloadFailed);
                self.end_firmware_update(phase, now);
            }
            FirmwareProgress::SignatureVerified => {
                self.send_signed_firmware_status(S::SignatureVerified);
                let install_at = self
                    .firmware
                    .update
                    .as_ref()
                    .and_then(|u| u.signed.as_ref())
                    .and_then(|s| s.install_at);
                let due = install_at.map(|at| self.instant_of(at, now));
                match due.filter(|due| *due > now.instant) {
                    Some(due) => {
                        self.set_firmware_phase(Phase::InstallScheduled { due });
                        self.send_signed_firmware_status(S::InstallScheduled);
                    }
                    None => {
                        self.set_firmware_phase(Phase::WaitingToInstall);
                        self.continue_firmware_install(now);
                    }
                }
            }
            FirmwareProgress::InvalidSignature => {
                self.send_signed_firmware_status(S::InvalidSignature);
                self.end_firmware_update(phase, now);
                // libocpp raises it without techInfo.
                self.security_event(kind::INVALID_FIRMWARE_SIGNATURE, None, now);
            }
            FirmwareProgress::Installing => self.send_signed_firmware_status(S::Installing),
            FirmwareProgress::Installed => {
                self.send_signed_firmware_status(S::InstallRebooting);
                self.restart_after_firmware(now);
            }
            FirmwareProgress::InstallationFailed => {
                self.send_signed_firmware_status(S::InstallationFailed);
                self.end_firmware_update(phase, now);
            }
        }
    }

    /// This boot runs the firmware SignedUpdateFirmware `request_id` installed (the station
    /// restarted for it): SignedFirmwareStatusNotification Installed goes once the
    /// registration is Accepted (at once when it is).
    pub fn signed_firmware_installed(&mut self, request_id: i32) {
        tracing::info!(request_id, "running the firmware of SignedUpdateFirmware");
        self.firmware.installed_after_restart = Some(request_id);
        if self.may_send_normal() {
            self.send_installed_after_restart();
        }
    }

    /// The registration is Accepted: Installed of the update this boot runs, if any.
    pub(crate) fn send_installed_after_restart(&mut self) {
        if let Some(request_id) = self.firmware.installed_after_restart.take() {
            self.queue_signed_firmware_status(SignedFirmwareStatus::Installed, request_id);
        }
    }

    /// The signed update's status and its requestId, for a triggered
    /// SignedFirmwareStatusNotification: the last status sent while an update runs, Idle
    /// without requestId otherwise.
    pub(super) fn signed_firmware_status(&self) -> (SignedFirmwareStatus, Option<i32>) {
        let signed = self
            .firmware
            .update
            .as_ref()
            .and_then(|u| u.signed.as_ref());
        match signed {
            Some(Signed {
                request_id,
                last_sent: Some(status),
                ..
            }) => (*status, Some(*request_id)),
            _ => (SignedFirmwareStatus::Idle, None),
        }
    }

    /// SignedFirmwareStatusNotification `status` of the signed update under way.
    fn send_signed_firmware_status(&mut self, status: SignedFirmwareStatus) {
        let Some(signed) = self
            .firmware
            .update
            .as_mut()
            .and_then(|u| u.signed.as_mut())
        else {
            return;
        };
        signed.last_sent = Some(status);
        let request_id = signed.request_id;
        self.queue_signed_firmware_status(status, request_id);
    }

    /// Queues SignedFirmwareStatusNotification when it can go: online and registered, or else
    /// only when QueueAllMessages keeps it (as FirmwareStatusNotification).
    fn queue_signed_firmware_status(&mut self, status: SignedFirmwareStatus, request_id: i32) {
        let action = Action::SignedFirmwareStatusNotification;
        if !self.may_send_normal() && !self.queue.keeps_offline(action) {
            tracing::info!(
                ?status,
                request_id,
                "offline: SignedFirmwareStatusNotification not sent"
            );
            return;
        }
        tracing::info!(?status, request_id, "SignedFirmwareStatusNotification");
        let request = SignedFirmwareStatusNotificationRequest {
            status,
            request_id: Some(request_id),
        };
        // Purpose::Triggered: its answer is only acknowledged; the restart after
        // InstallRebooting waits for it (firmware.rs).
        self.queue
            .push_normal(action, ocpp_types::encode(&request), Purpose::Triggered);
    }
}
