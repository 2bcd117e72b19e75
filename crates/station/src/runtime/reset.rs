//! A Reset from the CSMS, carried out (the core issues [`StationCommand::Reset`] after its
//! answer went out, once the transactions it stopped were reported), and the restart after a
//! firmware installation: the station loop ends with [`Exit::Restart`] or
//! [`Exit::FirmwareUpdate`] and the caller starts the station again.
//!
//! [`StationCommand::Reset`]: chargepoint::charge_point::StationCommand::Reset

use ocpp_types::core::{Reason, ResetType};

use super::{Exit, Station};

/// A Reset the station carries out: it restarts once the CSMS confirmed every transaction
/// message, at once while offline, or at `deadline` (what is not confirmed by then stays
/// queued in the database and goes after the restart); from the moment it could restart it
/// waits the OCPP module's ResetStopDelay still (everest-core's reset callback sleeps that
/// long before it stops the charge point, "so that the CSMS has enough time to respond to the
/// charge point's last messages").
#[derive(Debug)]
pub(super) struct PendingReset {
    kind: ResetType,
    deadline: tokio::time::Instant,
    /// When the Reset first could restart (set once, by [`Station::restart_due`]).
    ready_since: std::cell::Cell<Option<tokio::time::Instant>>,
}

impl Station {
    /// The core's Reset: every transaction the station still runs is stopped, and the
    /// restart waits for the StopTransactions to be confirmed, for
    /// Internal.WaitForStopTransactionsOnResetTimeout at most.
    #[inline(never)]
    pub(super) fn reset(&mut self, kind: ResetType) {
        let reason = match kind {
            ResetType::Hard => Reason::HardReset,
            ResetType::Soft => Reason::SoftReset,
        };
        // The core asked for the stops first and waited for them; a transaction the
        // station still runs is stopped now all the same.
        let connectors: Vec<u32> = self.evses.iter().map(|e| e.connector).collect();
        for connector in connectors {
            self.stop_transaction(connector, reason);
        }
        tracing::info!(
            ?kind,
            "reset: the station restarts once the StopTransactions are confirmed, in {:?} at most",
            self.reset_timeout
        );
        self.reset = Some(PendingReset {
            kind,
            deadline: tokio::time::Instant::now() + self.reset_timeout,
            ready_since: std::cell::Cell::new(None),
        });
    }

    /// The core installed new firmware (of SignedUpdateFirmware `signed_request_id`, if
    /// signed): the station restarts to run it.
    #[inline(never)]
    pub(super) fn restart_for_firmware(&mut self, request_id: u64, signed_request_id: Option<i32>) {
        tracing::info!(
            request_id,
            ?signed_request_id,
            "firmware installed: restarting"
        );
        // The reason of the next boot must survive a power cut before the new firmware
        // registers; without the record that boot would count as a plain power-up.
        if let Err(error) = crate::system::record_firmware_boot(&self.data_dir, signed_request_id) {
            tracing::warn!(%error, "cannot record the firmware boot; a power cut before the next registration would lose FirmwareUpdated");
        }
        self.firmware_restart = Some(signed_request_id);
    }

    /// The CSMS accepted this boot: the core now sends what a firmware boot owes it
    /// (FirmwareUpdated, a signed update's Installed), so the record that made this boot a
    /// firmware update is removed. The core sends both within the same step as the
    /// acceptance; a power cut in the milliseconds between would lose them, as libocpp's
    /// in-memory queue would.
    pub(super) fn firmware_boot_registered(&mut self) {
        if self.firmware_boot_pending
            && self.core.registration == Some(ocpp_types::core::RegistrationStatus::Accepted)
        {
            self.firmware_boot_pending = false;
            crate::system::clear_firmware_boot(&self.data_dir);
        }
    }

    /// When the loop must look at the Reset again: its deadline, or the end of its
    /// ResetStopDelay once it could restart.
    pub(super) fn reset_at(&self) -> Option<tokio::time::Instant> {
        let reset = self.reset.as_ref()?;
        let delayed = reset.ready_since.get().map(|t| t + self.reset_stop_delay);
        Some(delayed.map_or(reset.deadline, |d| d.min(reset.deadline)))
    }

    /// Whether the Reset's deadline passed (the StopTransactions were not all confirmed).
    pub(super) fn reset_deadline_passed(&self) -> bool {
        self.reset
            .as_ref()
            .is_some_and(|r| r.deadline <= tokio::time::Instant::now())
    }

    /// The Reset's kind.
    pub(super) fn reset_kind(&self) -> ResetType {
        self.reset.as_ref().map_or(ResetType::Soft, |r| r.kind)
    }

    /// Whether the station must restart now, and why: after a firmware installation, or for
    /// a Reset that is [ready](Self::reset_ready).
    pub(super) fn restart_due(&self) -> Option<Exit> {
        if let Some(signed_request_id) = self.firmware_restart {
            Some(Exit::FirmwareUpdate { signed_request_id })
        } else if self.reset_ready() {
            Some(Exit::Restart(self.reset_kind()))
        } else {
            None
        }
    }

    /// Whether a Reset can restart the station now: its answer went out before the core
    /// issued it (the driver sends every frame before it hands on a command), no EVSE has a
    /// transaction, the core has ended every transaction (their StopTransactions are queued)
    /// and, while the CSMS is connected and has accepted the station, it confirmed every
    /// transaction message. Offline nothing can be confirmed: the StopTransactions wait in
    /// the database for the next boot.
    fn reset_ready(&self) -> bool {
        let Some(reset) = &self.reset else {
            return false;
        };
        if !(self.transactions_ended() && self.transaction_messages_settled()) {
            return false;
        }
        let now = tokio::time::Instant::now();
        let since = reset.ready_since.get().unwrap_or_else(|| {
            if !self.reset_stop_delay.is_zero() {
                tracing::info!(delay = ?self.reset_stop_delay, "reset: waiting ResetStopDelay");
            }
            reset.ready_since.set(Some(now));
            now
        });
        since + self.reset_stop_delay <= now
    }
}
