//! FirmwareManagement, the firmware half: UpdateFirmware (OCPP 1.6 §5.19) and
//! FirmwareStatusNotification (§4.5). The station downloads and installs
//! ([`StationCommand::DownloadFirmware`], [`StationCommand::InstallFirmware`],
//! [`StationCommand::FirmwareRestart`]) and reports its progress
//! ([`StationEvent::FirmwareStatus`](super::StationEvent::FirmwareStatus)); the core decides when
//! each step may start and what the central system is told.
//!
//! - UpdateFirmware.conf (empty) goes at once; the download starts at retrieveDate, on the
//!   central system's clock ([`ChargePoint::clock`]). A second UpdateFirmware replaces one
//!   still waiting for its retrieveDate and is ignored while one is under way.
//! - Each status the station reports goes out once as FirmwareStatusNotification; a failed
//!   attempt that is retried goes out as DownloadFailed and the next as Downloading again
//!   (everest-core reports every attempt: test_firwmare_update_retries).
//! - Downloaded: connectors without a transaction become Unavailable at once (not stored),
//!   those with one when it ends; with no transaction left, [`StationCommand::InstallFirmware`].
//!   DownloadFailed and InstallationFailed give the connectors their stored availability back.
//! - Installed: [`StationCommand::FirmwareRestart`] once FirmwareStatusNotification Installed
//!   has left, [`RESTART_WAIT`] at the latest.
//! - Nothing is stored: a restart forgets an update.
//!
//! SignedUpdateFirmware (Security whitepaper) runs through the same steps with a few more;
//! `signed_firmware.rs` has its rules and messages.
//!
//! As libocpp with everest-core's System module; the full behaviour and where it differs:
//! docs/core/firmware-and-diagnostics.md.

use std::time::{Duration, Instant};

use ocpp_rpc::{CallErrorCode, MessageId};
use ocpp_types::firmware::{
    FirmwareStatus, FirmwareStatusNotificationRequest, UpdateFirmwareRequest,
    UpdateFirmwareResponse,
};
use ocpp_types::{Action, AnyResponse};

use super::events::{FirmwareProgress, FirmwareSignature};
use super::message_queue::Purpose;
use super::signed_firmware::Signed;
use super::{limits, ChargePoint, Now, StationCommand};
use crate::config::ProfileName;

/// How long the restart after Installed waits for FirmwareStatusNotification Installed to be
/// answered: twice ocpp-rpc's call timeout, so a message queued behind another CALL gets out.
pub(crate) const RESTART_WAIT: Duration = Duration::from_secs(60);

/// The firmware update under way, if any.
#[derive(Debug, Default)]
pub(crate) struct Firmware {
    pub(super) update: Option<Update>,
    /// The request id of the last update (counting from 1).
    last_request_id: u64,
    /// The requestId of a SignedUpdateFirmware whose firmware this boot runs: its
    /// SignedFirmwareStatusNotification Installed goes once the registration is Accepted.
    pub(super) installed_after_restart: Option<i32>,
}

/// One UpdateFirmware or SignedUpdateFirmware being carried out.
#[derive(Debug)]
pub(super) struct Update {
    pub(super) request_id: u64,
    location: String,
    retries: Option<u32>,
    retry_interval_s: Option<u32>,
    pub(super) phase: Phase,
    /// The last status sent (or that would have been, offline), never repeated.
    reported: Option<FirmwareProgress>,
    /// A SignedUpdateFirmware's part; `None`: plain UpdateFirmware.
    pub(super) signed: Option<Signed>,
}

impl Update {
    /// A new update of `request_id`, downloading at `due`.
    pub(super) fn new(
        request_id: u64,
        location: String,
        retries: Option<i32>,
        retry_interval: Option<i32>,
        due: Instant,
        signed: Option<Signed>,
    ) -> Update {
        Update {
            request_id,
            location,
            retries: limits::file_transfer_retries(retries),
            retry_interval_s: limits::file_transfer_retry_interval_s(retry_interval),
            phase: Phase::Scheduled { due },
            reported: None,
            signed,
        }
    }
}

/// Where an update is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting for retrieveDate.
    Scheduled { due: Instant },
    /// DownloadFirmware given.
    Downloading,
    /// A signed update's file is downloaded: the station verifies its signature.
    Verifying,
    /// A signed update's signature verified: waiting for its installDateTime.
    InstallScheduled { due: Instant },
    /// Downloaded (signed: verified, and installDateTime reached): the connectors go
    /// Unavailable, the transactions are let to end.
    WaitingToInstall,
    /// InstallFirmware given.
    Installing,
    /// Installed: FirmwareRestart once the notification left, at `until` at the latest.
    Restarting { until: Instant },
}

impl Firmware {
    /// The next timer: retrieveDate, or the latest restart.
    pub fn deadline(&self) -> Option<Instant> {
        match self.update.as_ref()?.phase {
            Phase::Scheduled { due } | Phase::InstallScheduled { due } => Some(due),
            Phase::Restarting { until } => Some(until),
            _ => None,
        }
    }

    /// The core's id for the next update.
    pub(super) fn next_request_id(&mut self) -> u64 {
        self.last_request_id += 1;
        self.last_request_id
    }

    /// What TriggerMessage FirmwareStatusNotification reports: the last status sent, Idle
    /// when none was or the update ended (docs/core/firmware-and-diagnostics.md). A signed
    /// update's statuses are SignedFirmwareStatusNotification's (ExtendedTriggerMessage).
    pub fn status(&self) -> FirmwareStatus {
        let plain = self.update.as_ref().filter(|u| u.signed.is_none());
        match plain.and_then(|u| u.reported) {
            Some(FirmwareProgress::Downloading) => FirmwareStatus::Downloading,
            Some(FirmwareProgress::Downloaded) => FirmwareStatus::Downloaded,
            Some(FirmwareProgress::Installing) => FirmwareStatus::Installing,
            _ => FirmwareStatus::Idle,
        }
    }
}

/// The wire form of a status the station reports.
fn wire(status: FirmwareProgress) -> FirmwareStatus {
    match status {
        FirmwareProgress::Downloading => FirmwareStatus::Downloading,
        FirmwareProgress::Downloaded => FirmwareStatus::Downloaded,
        FirmwareProgress::DownloadAttemptFailed | FirmwareProgress::DownloadFailed => {
            FirmwareStatus::DownloadFailed
        }
        FirmwareProgress::Installing => FirmwareStatus::Installing,
        FirmwareProgress::Installed => FirmwareStatus::Installed,
        FirmwareProgress::InstallationFailed => FirmwareStatus::InstallationFailed,
        // Only a signed update reports these (on_firmware_status refuses them otherwise).
        FirmwareProgress::SignatureVerified | FirmwareProgress::InvalidSignature => {
            FirmwareStatus::Idle
        }
    }
}

impl ChargePoint {
    /// UpdateFirmware.req (see the module docs).
    #[inline(never)]
    pub(crate) fn on_update_firmware(
        &mut self,
        id: &MessageId,
        request: UpdateFirmwareRequest,
        now: Now,
    ) {
        if !self.config.core().supports(ProfileName::FirmwareManagement) {
            tracing::info!("UpdateFirmware without the FirmwareManagement profile");
            return self.respond_error(
                id,
                CallErrorCode::NotSupported,
                "FirmwareManagement is not in SupportedFeatureProfiles",
            );
        }
        self.respond(id, AnyResponse::UpdateFirmware(UpdateFirmwareResponse {}));
        if let Some(update) = &self.firmware.update {
            if update.signed.is_some() {
                tracing::warn!(
                    request_id = update.request_id,
                    "UpdateFirmware while a SignedUpdateFirmware is under way: ignored"
                );
                return;
            }
            if !matches!(update.phase, Phase::Scheduled { .. }) {
                tracing::warn!(
                    request_id = update.request_id,
                    "UpdateFirmware while an update is under way: ignored"
                );
                return;
            }
            tracing::info!(
                request_id = update.request_id,
                "UpdateFirmware replaces the update waiting for its retrieveDate"
            );
        }
        let due = self.instant_of(request.retrieve_date, now);
        let request_id = self.firmware.next_request_id();
        tracing::info!(request_id, location = %request.location,
            retrieve_date = %request.retrieve_date, "UpdateFirmware accepted");
        self.firmware.update = Some(Update::new(
            request_id,
            request.location,
            request.retries,
            request.retry_interval,
            due,
            None,
        ));
        self.firmware_timer(now);
    }

    /// The moment `at` (on the central system's clock) is, now or later.
    pub(super) fn instant_of(&self, at: ocpp_types::DateTime, now: Now) -> Instant {
        let wait_ms = at
            .unix_millis()
            .saturating_sub(self.clock(now).unix_millis());
        now.instant + Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0))
    }

    /// Starts the download at retrieveDate; restarts after Installed at the latest when
    /// [`RESTART_WAIT`] passed.
    pub(crate) fn firmware_timer(&mut self, now: Now) {
        let Some(update) = self.firmware.update.as_mut() else {
            return;
        };
        match update.phase {
            Phase::Scheduled { due } if due <= now.instant => {
                update.phase = Phase::Downloading;
                tracing::info!(
                    request_id = update.request_id,
                    "retrieveDate reached: downloading"
                );
                let signed = update.signed.as_ref().map(|s| FirmwareSignature {
                    signature: s.signature.clone(),
                    signing_certificate: s.signing_certificate.clone(),
                });
                let command = StationCommand::DownloadFirmware {
                    request_id: update.request_id,
                    location: update.location.clone(),
                    retries: update.retries,
                    retry_interval_s: update.retry_interval_s,
                    signed,
                };
                self.commands.push_back(command);
            }
            Phase::InstallScheduled { due } if due <= now.instant => {
                update.phase = Phase::WaitingToInstall;
                tracing::info!(
                    request_id = update.request_id,
                    "installDateTime reached: installing once no transaction runs"
                );
                self.continue_firmware_install(now);
            }
            Phase::Restarting { .. } => self.continue_firmware_restart(now),
            _ => {}
        }
    }

    /// The station reports the progress of update `request_id`.
    pub(crate) fn on_firmware_status(
        &mut self,
        request_id: u64,
        status: FirmwareProgress,
        now: Now,
    ) {
        let Some(update) = self
            .firmware
            .update
            .as_mut()
            .filter(|u| u.request_id == request_id)
        else {
            tracing::warn!(
                request_id,
                ?status,
                "firmware status of no update under way ignored"
            );
            return;
        };
        let phase = update.phase;
        let signed = update.signed.is_some();
        if !in_turn(phase, status, signed) {
            tracing::warn!(
                request_id,
                ?status,
                ?phase,
                signed,
                "firmware status out of turn ignored"
            );
            return;
        }
        if update.reported == Some(status) {
            tracing::debug!(
                request_id,
                ?status,
                "firmware status unchanged: not repeated"
            );
            return;
        }
        update.reported = Some(status);
        tracing::info!(request_id, ?status, "firmware status");
        if signed {
            return self.on_signed_firmware_status(status, phase, now);
        }
        self.queue_firmware_status(wire(status));
        match status {
            FirmwareProgress::Downloading
            | FirmwareProgress::DownloadAttemptFailed
            | FirmwareProgress::Installing
            | FirmwareProgress::SignatureVerified
            | FirmwareProgress::InvalidSignature => {}
            FirmwareProgress::Downloaded => {
                if phase == Phase::Downloading {
                    self.set_firmware_phase(Phase::WaitingToInstall);
                    self.continue_firmware_install(now);
                }
            }
            FirmwareProgress::DownloadFailed | FirmwareProgress::InstallationFailed => {
                self.end_firmware_update(phase, now)
            }
            FirmwareProgress::Installed => self.restart_after_firmware(now),
        }
    }

    /// Moves the update under way to `phase`.
    pub(super) fn set_firmware_phase(&mut self, phase: Phase) {
        if let Some(update) = self.firmware.update.as_mut() {
            update.phase = phase;
        }
    }

    /// The update under way ended without installing (it was in `phase`): the connectors it
    /// made Unavailable get their stored availability back.
    pub(super) fn end_firmware_update(&mut self, phase: Phase, now: Now) {
        self.firmware.update = None;
        if matches!(phase, Phase::WaitingToInstall | Phase::Installing) {
            self.restore_availability_after_firmware(now);
        }
    }

    /// Installed: the restart, once the notification left ([`RESTART_WAIT`] at the latest).
    pub(super) fn restart_after_firmware(&mut self, now: Now) {
        self.set_firmware_phase(Phase::Restarting {
            until: now.instant + RESTART_WAIT,
        });
        self.continue_firmware_restart(now);
    }

    /// While a downloaded firmware waits: makes the connectors without a transaction
    /// Unavailable (again), schedules the others, and asks for the installation once no
    /// transaction is left. Runs after every station event.
    pub(crate) fn continue_firmware_install(&mut self, now: Now) {
        let Some(update) = self
            .firmware
            .update
            .as_ref()
            .filter(|u| u.phase == Phase::WaitingToInstall)
        else {
            return;
        };
        let request_id = update.request_id;
        let mut running = false;
        for id in 1..=self.number_of_connectors() {
            let Some(connector) = self.connector_mut(id) else {
                continue;
            };
            if connector.transaction.is_some() {
                // Applied by update_status once the transaction ended (availability.rs).
                connector.scheduled_inoperative = Some(true);
                running = true;
            } else if !connector.inoperative {
                connector.scheduled_inoperative = None;
                self.set_inoperative(id, true);
                self.update_status(id, now);
            }
        }
        if running {
            tracing::debug!(
                request_id,
                "firmware downloaded: waiting for the transactions to end"
            );
            return;
        }
        if let Some(update) = self.firmware.update.as_mut() {
            update.phase = Phase::Installing;
        }
        tracing::info!(request_id, "no transaction left: installing the firmware");
        self.commands
            .push_back(StationCommand::InstallFirmware { request_id });
    }

    /// After Installed: the restart, once FirmwareStatusNotification Installed has left the
    /// queue, or at the latest when [`RESTART_WAIT`] passed. Runs after the answers of the
    /// central system, a lost connection and the timers.
    pub(crate) fn continue_firmware_restart(&mut self, now: Now) {
        let Some((request_id, until)) = self.firmware.update.as_ref().and_then(|u| match u.phase {
            Phase::Restarting { until } => Some((u.request_id, until)),
            _ => None,
        }) else {
            return;
        };
        // The notifications of this file go with Purpose::Triggered (see queue_firmware_status).
        let waiting = self.queue.has_normal(&Purpose::Triggered);
        if waiting && until > now.instant {
            return;
        }
        if waiting {
            tracing::warn!(
                request_id,
                "FirmwareStatusNotification Installed not answered: restarting anyway"
            );
        }
        tracing::info!(request_id, "firmware installed: restarting");
        let signed_request_id = self
            .firmware
            .update
            .take()
            .and_then(|u| u.signed)
            .map(|s| s.request_id);
        self.commands.push_back(StationCommand::FirmwareRestart {
            request_id,
            signed_request_id,
        });
    }

    /// Gives every connector back the availability the store records (Operative when none).
    pub(super) fn restore_availability_after_firmware(&mut self, now: Now) {
        let stored = self.store.availability().unwrap_or_else(|e| {
            tracing::error!(error = %e, "connector availability could not be read; Operative");
            Default::default()
        });
        for id in 1..=self.number_of_connectors() {
            let inoperative = stored.get(&id).is_some_and(|operative| !operative);
            let Some(connector) = self.connector_mut(id) else {
                continue;
            };
            if connector.transaction.is_some() {
                connector.scheduled_inoperative = Some(inoperative);
                continue;
            }
            connector.scheduled_inoperative = None;
            self.set_inoperative(id, inoperative);
            self.update_status(id, now);
        }
    }

    /// Queues FirmwareStatusNotification `status` when it can go: online and registered, or
    /// else only when QueueAllMessages keeps it.
    fn queue_firmware_status(&mut self, status: FirmwareStatus) {
        let action = Action::FirmwareStatusNotification;
        if !self.may_send_normal() && !self.queue.keeps_offline(action) {
            tracing::info!(?status, "offline: FirmwareStatusNotification not sent");
            return;
        }
        let request = FirmwareStatusNotificationRequest { status };
        // Purpose::Triggered: its answer is only acknowledged, as a triggered one's.
        self.queue
            .push_normal(action, ocpp_types::encode(&request), Purpose::Triggered);
    }
}

/// Whether the station may report `status` in `phase` (a signed update's `signed`): each step
/// in its turn, SignatureVerified and InvalidSignature only for a signed update's download,
/// nothing while waiting for retrieveDate, installDateTime or the restart.
fn in_turn(phase: Phase, status: FirmwareProgress, signed: bool) -> bool {
    use FirmwareProgress as P;
    match phase {
        Phase::Scheduled { .. } | Phase::InstallScheduled { .. } | Phase::Restarting { .. } => {
            false
        }
        Phase::Verifying => matches!(status, P::SignatureVerified | P::InvalidSignature),
        _ if matches!(status, P::SignatureVerified | P::InvalidSignature) => false,
        // A signed update reports each failed attempt too (DownloadAttemptFailed), as EVerest's
        // test_signed_update_firmware_retries expects.
        Phase::Downloading => {
            !signed
                || matches!(
                    status,
                    P::Downloading | P::Downloaded | P::DownloadAttemptFailed | P::DownloadFailed
                )
        }
        Phase::WaitingToInstall | Phase::Installing => true,
    }
}
