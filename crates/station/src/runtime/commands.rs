//! What the station does for the core ([`StationCommand`], as everest-core's OCPP module calls
//! EvseManager and Auth): [`Station::command`] hands each command to the method that carries
//! it out. The EVSEs' part is here; Auth's token flow is in `auth`, the Reset and the restart
//! after a firmware update in `reset`, the firmware, diagnostics and log jobs in `jobs`, the
//! charging limits in `energy`, the Plug&Charge answers in `iso15118`.

use chargepoint::charge_point::{security_events, StationCommand, StationEvent as CoreEvent};
use chargepoint::config::{ConfigChange, ConfigValue};
use ocpp_types::core::{Reason, UnlockStatus};
use ocpp_types::security::SecurityEventNotificationRequest;

use super::Station;
use crate::control_api::SecurityEventEntry;
use crate::message_log::Rotated;
use crate::sim::{ForceUnlock, StopTransactionReason};

impl Station {
    /// Carries out one of the core's commands. The handlers are `#[inline(never)]`, as the
    /// core's (`ChargePoint::on_call`): a station runs few of them, and inlined they made this
    /// one 39 kB function.
    pub(super) fn command(&mut self, command: StationCommand) {
        // A firmware or diagnostics location may hold an FTP password.
        tracing::debug!(
            command = %crate::message_log::redact::hide_url_passwords(&format!("{command:?}"))
                .unwrap_or_else(|| format!("{command:?}")),
            "station command"
        );
        match command {
            StationCommand::SecurityEvent(event) => self.security_event(&event),
            StationCommand::AuthorizationResult {
                id_tag,
                connector,
                usable_connectors,
                accepted,
                id_tag_info,
            } => self.authorization_result(
                id_tag.as_str(),
                connector,
                usable_connectors,
                accepted,
                id_tag_info.as_ref(),
            ),
            StationCommand::IdentifierStopsTransaction { id_tag, connector } => {
                self.identifier_stops_transaction(id_tag.as_str(), connector)
            }
            StationCommand::RemoteStart {
                connector, id_tag, ..
            } => self.remote_start(id_tag.as_str(), connector),
            StationCommand::AuthorizationExpired { connector, .. } => {
                self.authorization_expired(connector)
            }
            StationCommand::StopTransaction { connector, reason } => {
                self.stop_transaction(connector, reason)
            }
            StationCommand::PauseCharging { connector } => self.pause_charging(connector),
            StationCommand::ChargingLimit {
                connector,
                amps,
                watts,
                limited,
                min_amps,
                ..
            } => {
                // Repeated every PublishChargingScheduleIntervalS: debug, not info.
                tracing::debug!(connector, amps, watts, limited, ?min_amps, "charging limit");
                self.min_charging_rate(connector, min_amps.filter(|_| limited));
                self.charging_limit(connector, limited.then_some(amps));
            }
            StationCommand::Reserved { connector, .. }
            | StationCommand::ReservationEnded { connector, .. } => {
                self.reservation_changed(connector)
            }
            StationCommand::UnlockConnector { connector } => self.unlock_connector(connector),
            StationCommand::SetAvailability {
                connector,
                operative,
            } => self.set_availability(connector, operative),
            StationCommand::ApplyConfigurationChange(change) => {
                self.apply_configuration_change(&change)
            }
            // The driver reconnects with the new certificate; nothing at the connectors.
            StationCommand::UseNewChargePointCertificate => {}
            StationCommand::DataTransfer {
                request_id,
                request,
            } => self.data_transfer(request_id, request),
            StationCommand::DataTransferResult {
                request_id,
                response,
            } => self.data_transfer_result(request_id, response),
            StationCommand::Pnc(answer) => self.pnc_answer(answer),
            StationCommand::DownloadFirmware {
                request_id,
                location,
                retries,
                retry_interval_s,
                signed,
            } => self.download_firmware(request_id, location, retries, retry_interval_s, signed),
            StationCommand::CancelFirmware { request_id } => self.cancel_firmware(request_id),
            StationCommand::InstallFirmware { request_id } => self.install_firmware(request_id),
            StationCommand::UploadDiagnostics {
                request_id,
                location,
                retries,
                retry_interval_s,
                start_time,
                stop_time,
            } => self.upload_diagnostics(
                request_id,
                location,
                retries,
                retry_interval_s,
                start_time,
                stop_time,
            ),
            StationCommand::UploadLog {
                request_id,
                log_type,
                location,
                retries,
                retry_interval_s,
                oldest_timestamp,
                latest_timestamp,
            } => self.upload_log(
                request_id,
                log_type,
                location,
                retries,
                retry_interval_s,
                oldest_timestamp,
                latest_timestamp,
            ),
            StationCommand::FirmwareRestart {
                request_id,
                signed_request_id,
            } => self.restart_for_firmware(request_id, signed_request_id),
            StationCommand::Reset { kind } => self.reset(kind),
            StationCommand::TariffMessage(m) => self.tariff_message(&m),
            StationCommand::SessionCost(c) => self.session_cost(&c),
            StationCommand::DefaultPrice(p) => self.default_price(&p),
        }
        // Commands act at once: what they cause reaches the core without waiting for a tick.
        self.step(false);
    }

    /// The core's security event goes into the security log, and the state's last events.
    #[inline(never)]
    fn security_event(&mut self, event: &SecurityEventNotificationRequest) {
        let time = event.timestamp.to_chrono();
        let tech_info = event.tech_info.as_ref().map(|t| t.as_str());
        let rotated = self
            .log
            .record_security_event(event.kind.as_str(), tech_info, time);
        // Not for the rotation a SecurityLogWasCleared itself caused: with a maximum size below
        // one line every write rotates, and each would raise the next one for ever.
        let cleared = security_events::kind::SECURITY_LOG_WAS_CLEARED;
        if rotated == Rotated::WithDeletion && event.kind.as_str() != cleared {
            // libocpp's MessageLogging status callback, with its techInfo.
            self.tell_core(CoreEvent::SecurityEvent {
                kind: cleared.to_owned(),
                tech_info: Some(
                    "Security log was rotated and an old log was deleted in the process".to_owned(),
                ),
            });
        }
        self.view.security_event(SecurityEventEntry {
            time: crate::message_log::timestamp(time),
            kind: event.kind.to_string(),
            tech_info: tech_info.map(str::to_owned),
            critical: security_events::is_critical(event.kind.as_str()),
        });
    }

    /// The EVSE of `connector` stops its transaction, if it runs one, for `reason`.
    #[inline(never)]
    pub(super) fn stop_transaction(&mut self, connector: u32, reason: Reason) {
        if let Some(evse) = self.evse_mut(connector) {
            let manager = evse.sim.evse_manager_mut();
            if manager.transaction_active() {
                let reason = StopTransactionReason::from_ocpp(reason);
                if let Err(e) = manager.stop_transaction(reason, None) {
                    tracing::warn!(connector, error = %e, "stop refused");
                }
            }
        }
    }

    #[inline(never)]
    fn pause_charging(&mut self, connector: u32) {
        if let Some(evse) = self.evse_mut(connector) {
            if let Err(e) = evse.sim.evse_manager_mut().pause_charging() {
                tracing::warn!(connector, error = %e, "pause refused");
            }
        }
    }

    #[inline(never)]
    fn reservation_changed(&mut self, connector: u32) {
        // The core keeps reservations and refuses other tags; the simulated EVSE has
        // nothing to show for one.
        tracing::info!(connector, "reservation changed");
    }

    /// As everest-core's EvseManager `handle_force_unlock`: with a connector lock, a running
    /// transaction stops (UnlockCommand), then the lock opens (or an error keeps it closed:
    /// UnlockFailed); without one, NotSupported and the transaction goes on. The result goes
    /// to the core after the EVSE's next step, behind the transaction's end, so that
    /// StopTransaction leaves before the answer (OCPP 1.6 §5.18: the transaction is finished
    /// first).
    #[inline(never)]
    fn unlock_connector(&mut self, connector: u32) {
        let has_lock = self
            .evse_mut(connector)
            .map(|evse| evse.sim.evse_manager().has_connector_lock());
        if has_lock == Some(true) {
            self.stop_transaction(connector, Reason::UnlockCommand);
        }
        let unlocked = self
            .evse_mut(connector)
            .map(|evse| evse.sim.evse_manager_mut().force_unlock());
        let status = match unlocked {
            Some(ForceUnlock::Unlocked) => UnlockStatus::Unlocked,
            Some(ForceUnlock::Failed) => UnlockStatus::UnlockFailed,
            Some(ForceUnlock::NoLock) | None => UnlockStatus::NotSupported,
        };
        tracing::info!(connector, ?status, "UnlockConnector");
        self.after_step
            .push(CoreEvent::UnlockResult { connector, status });
    }

    /// Whether the core has a transaction on `connector`.
    pub(super) fn transaction_running(&self, connector: u32) -> bool {
        self.core
            .connector(connector)
            .is_some_and(|c| c.transaction.is_some())
    }

    /// The driver applies the transport's part; the core its timers; the EVSEs what they do
    /// on an unplug.
    #[inline(never)]
    fn apply_configuration_change(&mut self, change: &ConfigChange) {
        if change.key == "StopTransactionOnEVSideDisconnect" {
            let stop = match change.new {
                ConfigValue::Bool(stop) => Some(stop),
                _ => None,
            };
            for evse in &mut self.evses {
                evse.set_stop_transaction_on_unplug(stop);
            }
        }
    }
}
