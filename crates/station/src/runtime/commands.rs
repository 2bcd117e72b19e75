//! What the station does for the core ([`StationCommand`], as everest-core's OCPP module calls
//! EvseManager and Auth), and the Auth module's part: which EVSE an accepted token goes to.

use chargepoint::charge_point::{StationCommand, StationEvent as CoreEvent};
use chargepoint::config::ConfigValue;
use ocpp_types::core::{
    DataTransferResponse, DataTransferStatus, Reason, RegistrationStatus, ResetType, UnlockStatus,
};

use super::evse::Evse;
use super::{Exit, PendingReset, Station};
use crate::sim::{EvseState, StopTransactionReason};

impl Station {
    pub(super) fn evse_mut(&mut self, connector: u32) -> Option<&mut Evse> {
        self.evses.iter_mut().find(|e| e.connector == connector)
    }

    pub(super) fn tell_core(&self, event: CoreEvent) {
        // A closed channel means the driver ended: the loop sees it on `commands`.
        let _ = self.link.events.send(event);
    }

    /// Auth's FindFirst selection: among the connectors a token may use (in the order given:
    /// the core puts one reserved for it first), the first with a car waiting for
    /// authorization, else the first free one (swipe first, plug in later).
    fn select_evse(&self, allowed: Option<&[u32]>) -> Option<u32> {
        let candidates = || -> Box<dyn Iterator<Item = &Evse>> {
            match allowed {
                Some(order) => Box::new(
                    order
                        .iter()
                        .filter_map(|c| self.evses.iter().find(|e| e.connector == *c)),
                ),
                None => Box::new(self.evses.iter()),
            }
        };
        let state = |e: &&Evse| e.sim.evse_manager().state();
        candidates()
            .find(|e| state(e) == EvseState::WaitingForAuthentication)
            .or_else(|| candidates().find(|e| state(e) == EvseState::Idle))
            .map(|e| e.connector)
    }

    /// Authorizes the EVSE of `connector`, or the one Auth selects among `allowed`; returns
    /// the connector that took it.
    fn authorize(
        &mut self,
        connector: Option<u32>,
        allowed: Option<&[u32]>,
        id_tag: &str,
    ) -> Option<u32> {
        let Some(connector) = connector.or_else(|| self.select_evse(allowed)) else {
            tracing::warn!(id_tag, "authorized, but no connector can use it");
            return None;
        };
        let evse = self.evse_mut(connector)?;
        match evse.sim.evse_manager_mut().authorize(id_tag) {
            Ok(()) => {
                tracing::info!(connector, id_tag, "authorized");
                Some(connector)
            }
            Err(e) => {
                tracing::warn!(connector, id_tag, error = %e, "authorization not used");
                None
            }
        }
    }

    /// Carries out one of the core's commands.
    pub(super) fn command(&mut self, command: StationCommand) {
        tracing::debug!(?command, "station command");
        match command {
            StationCommand::SecurityEvent(event) => {
                self.log.record_security_event(
                    event.kind.as_str(),
                    event.tech_info.as_ref().map(|t| t.as_str()),
                    event.timestamp.to_chrono(),
                );
            }
            StationCommand::AuthorizationResult {
                id_tag,
                connector,
                usable_connectors,
                accepted,
                id_tag_info,
            } => {
                let allowed = self.tokens.remove(id_tag.as_str()).flatten();
                let mut chosen = None;
                if accepted && usable_connectors.is_empty() {
                    // A remote start: its RemoteStart command names the connector.
                    tracing::debug!(id_tag = id_tag.as_str(), "remote start authorized");
                } else if accepted {
                    // The token's own connectors, of those the core says it may use now.
                    let allowed: Vec<u32> = usable_connectors
                        .into_iter()
                        .filter(|c| allowed.as_ref().is_none_or(|a| a.contains(c)))
                        .collect();
                    chosen = self.authorize(connector, Some(&allowed), id_tag.as_str());
                } else {
                    tracing::info!(id_tag = id_tag.as_str(), status = ?id_tag_info.as_ref().map(|i| i.status), "not authorized");
                }
                self.view.authorization_result(
                    id_tag.as_str(),
                    accepted,
                    id_tag_info.as_ref(),
                    chosen,
                    self.core.connected,
                );
            }
            StationCommand::IdentifierStopsTransaction { id_tag, connector } => {
                self.tokens.remove(id_tag.as_str());
                self.view.stopped_transaction(id_tag.as_str(), connector);
            }
            StationCommand::RemoteStart {
                connector, id_tag, ..
            } => {
                self.view.remote_start(id_tag.as_str(), connector);
                self.authorize(Some(connector), None, id_tag.as_str());
            }
            StationCommand::AuthorizationExpired { connector, .. } => {
                self.view.authorization_expired(connector);
                if let Some(evse) = self.evse_mut(connector) {
                    let _ = evse.sim.evse_manager_mut().withdraw_authorization();
                }
            }
            StationCommand::StopTransaction { connector, reason } => {
                self.stop_transaction(connector, reason);
            }
            StationCommand::PauseCharging { connector } => {
                if let Some(evse) = self.evse_mut(connector) {
                    if let Err(e) = evse.sim.evse_manager_mut().pause_charging() {
                        tracing::warn!(connector, error = %e, "pause refused");
                    }
                }
            }
            StationCommand::ChargingLimit {
                connector,
                amps,
                watts,
                limited,
                ..
            } => {
                // Repeated every PublishChargingScheduleIntervalS: debug, not info.
                tracing::debug!(connector, amps, watts, limited, "charging limit");
                self.charging_limit(connector, limited.then_some(amps));
            }
            StationCommand::Reserved { connector, .. }
            | StationCommand::ReservationEnded { connector, .. } => {
                // The core keeps reservations and refuses other tags; the simulated EVSE has
                // nothing to show for one.
                tracing::info!(connector, "reservation changed");
            }
            StationCommand::UnlockConnector { connector } => {
                let unlocked = self
                    .evse_mut(connector)
                    .map(|evse| evse.sim.evse_manager_mut().force_unlock());
                let status = match unlocked {
                    Some(true) => UnlockStatus::Unlocked,
                    Some(false) => UnlockStatus::UnlockFailed,
                    None => UnlockStatus::NotSupported,
                };
                self.tell_core(CoreEvent::UnlockResult { connector, status });
            }
            StationCommand::SetAvailability {
                connector,
                operative,
            } => {
                for evse in &mut self.evses {
                    if connector == 0 || evse.connector == connector {
                        evse.sim.evse_manager_mut().enable_disable(operative);
                    }
                }
            }
            // The driver applies the transport's part; the core its timers; the EVSEs what
            // they do on an unplug.
            StationCommand::ApplyConfigurationChange(change) => {
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
            StationCommand::DataTransfer {
                request_id,
                request,
            } => {
                // No module of the station provides ocpp_data_transfer (only an OCPP module
                // could), so the core is not built with one and answers UnknownVendorId
                // itself; should it ask anyway, the answer is the same.
                tracing::info!(vendor_id = %request.vendor_id, "DataTransfer: no data_transfer module");
                self.tell_core(CoreEvent::DataTransferAnswered {
                    request_id,
                    response: DataTransferResponse {
                        status: DataTransferStatus::UnknownVendorId,
                        data: None,
                    },
                });
            }
            StationCommand::DataTransferResult {
                request_id,
                response,
            } => {
                // The station sends no DataTransfer.req of its own yet.
                tracing::info!(request_id, ?response, "DataTransfer answered");
            }
            StationCommand::DownloadFirmware {
                request_id,
                location,
                retries,
                retry_interval_s,
            } => self.download_firmware(request_id, location, retries, retry_interval_s),
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
            StationCommand::FirmwareRestart { request_id } => {
                tracing::info!(request_id, "firmware installed: restarting");
                self.firmware_restart = true;
            }
            StationCommand::Reset { kind } => {
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
                });
            }
        }
        // Commands act at once: what they cause reaches the core without waiting for a tick.
        self.step(false);
    }

    fn stop_transaction(&mut self, connector: u32, reason: Reason) {
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

    /// When a Reset ends the station at the latest.
    pub(super) fn reset_at(&self) -> Option<tokio::time::Instant> {
        self.reset.as_ref().map(|r| r.deadline)
    }

    /// The Reset's kind.
    pub(super) fn reset_kind(&self) -> ResetType {
        self.reset.as_ref().map_or(ResetType::Soft, |r| r.kind)
    }

    /// Whether the station must restart now, and why: after a firmware installation, or for
    /// a Reset that is [ready](Self::reset_ready).
    pub(super) fn restart_due(&self) -> Option<Exit> {
        if self.firmware_restart {
            Some(Exit::FirmwareUpdate)
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
        self.reset.is_some() && self.transactions_ended() && self.transaction_messages_settled()
    }

    /// No EVSE runs a transaction, and the core holds none.
    pub(super) fn transactions_ended(&self) -> bool {
        !self
            .evses
            .iter()
            .any(|e| e.sim.evse_manager().transaction_active())
            && self.core.connectors.iter().all(|c| c.transaction.is_none())
    }

    /// Every transaction message is confirmed, or none can be now (offline, or the CSMS has
    /// not accepted the station): what is left waits in the database.
    pub(super) fn transaction_messages_settled(&self) -> bool {
        !self.core.connected
            || self.core.registration != Some(RegistrationStatus::Accepted)
            || self.core.queued_transaction_messages == 0
    }
}
