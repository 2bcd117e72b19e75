//! What the station does for the core ([`StationCommand`], as everest-core's OCPP module calls
//! EvseManager and Auth) and for the control API ([`Order`]); the Auth module's token flow.

use chargepoint::charge_point::{StationCommand, StationEvent as CoreEvent};
use chargepoint::config::ConfigValue;
use ocpp_types::core::{DataTransferResponse, DataTransferStatus, Reason, ResetType, UnlockStatus};

use super::control::Order;
use super::evse::Evse;
use super::{translate, Exit, PendingReset, Station};
use crate::control_api::{ControlError, Token};
use crate::sim::{EvseState, StopTransactionReason};

impl Station {
    fn evse_mut(&mut self, connector: u32) -> Option<&mut Evse> {
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

    fn authorize(&mut self, connector: Option<u32>, allowed: Option<&[u32]>, id_tag: &str) {
        let Some(connector) = connector.or_else(|| self.select_evse(allowed)) else {
            tracing::warn!(id_tag, "authorized, but no connector can use it");
            return;
        };
        if let Some(evse) = self.evse_mut(connector) {
            match evse.sim.evse_manager_mut().authorize(id_tag) {
                Ok(()) => tracing::info!(connector, id_tag, "authorized"),
                Err(e) => tracing::warn!(connector, id_tag, error = %e, "authorization not used"),
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
                ..
            } => {
                let allowed = self.tokens.remove(id_tag.as_str()).flatten();
                if accepted && usable_connectors.is_empty() {
                    // A remote start: its RemoteStart command names the connector.
                    tracing::debug!(id_tag = id_tag.as_str(), "remote start authorized");
                } else if accepted {
                    // The token's own connectors, of those the core says it may use now.
                    let allowed: Vec<u32> = usable_connectors
                        .into_iter()
                        .filter(|c| allowed.as_ref().is_none_or(|a| a.contains(c)))
                        .collect();
                    self.authorize(connector, Some(&allowed), id_tag.as_str());
                } else {
                    tracing::info!(id_tag = id_tag.as_str(), "not authorized");
                }
            }
            StationCommand::RemoteStart {
                connector, id_tag, ..
            } => self.authorize(Some(connector), None, id_tag.as_str()),
            StationCommand::AuthorizationExpired { connector, .. } => {
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
                let waiting = self.tracker.transaction_ids();
                tracing::info!(
                    ?kind,
                    ?waiting,
                    "reset: the station restarts once the StopTransactions are confirmed, in {:?} at most",
                    self.reset_timeout
                );
                self.reset = Some(PendingReset {
                    kind,
                    deadline: tokio::time::Instant::now() + self.reset_timeout,
                    waiting,
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

    /// Whether a Reset can restart the station now: no EVSE has a transaction and, while the
    /// CSMS is connected, the answer to the Reset went out, no StopTransaction is in flight
    /// and the CSMS confirmed every StopTransaction the Reset waits for (one that went out
    /// before the Reset was handled here is the one in flight). Offline nothing can be
    /// confirmed: the StopTransactions wait in the database for the next boot.
    fn reset_ready(&self) -> bool {
        let Some(reset) = &self.reset else {
            return false;
        };
        let stopped = !self
            .evses
            .iter()
            .any(|e| e.sim.evse_manager().transaction_active());
        let confirmed = !self.tracker.state().ocpp.connected
            || (self.tracker.reset_answered()
                && !self.tracker.stop_in_flight()
                && reset
                    .waiting
                    .iter()
                    .all(|id| self.tracker.stop_confirmed(*id)));
        stopped && confirmed
    }

    /// Carries out a control-API order; `Some` ends the station.
    pub(super) fn order(&mut self, order: Order) -> Option<Exit> {
        let result = match order {
            Order::Stop => {
                tracing::info!("stop requested");
                return Some(Exit::Stopped);
            }
            Order::Online(online) => {
                // A closed channel means the driver ended: the loop sees it on `commands`.
                let _ = self.link.online.send(online);
                Ok(())
            }
            Order::Token(token) => {
                self.token(token);
                Ok(())
            }
            Order::StopTransaction(connector, reason) => {
                // The core decides: it answers with StopTransaction commands (and the reason
                // goes into StopTransaction.req).
                self.tell_core(CoreEvent::StopRequested {
                    connector: Some(connector),
                    reason,
                });
                Ok(())
            }
            Order::PlugIn(c, request) => self.on_evse(c, |e| e.plug_in(&request)),
            Order::Unplug(c) => self.on_evse(c, Evse::unplug),
            Order::EvPause(c) => self.on_evse(c, Evse::ev_pause),
            Order::EvResume(c) => self.on_evse(c, Evse::ev_resume),
            Order::CarScript(c, script, replace) => {
                self.on_evse(c, |e| e.car_script(script, replace))
            }
            Order::HardwareError(c, error, raise) => self.on_evse(c, |e| {
                e.hardware_error(error, raise);
                Ok(())
            }),
            Order::Meter(c, request) => self.on_evse(c, |e| {
                e.meter(&request);
                Ok(())
            }),
        };
        if let Err(e) = result {
            // The control API answered already (the checks it could make passed); what the
            // simulation refuses now is only logged.
            tracing::warn!(error = %e, "control order refused");
        }
        None
    }

    fn on_evse(
        &mut self,
        connector: u32,
        f: impl FnOnce(&mut Evse) -> Result<(), ControlError>,
    ) -> Result<(), ControlError> {
        match self.evse_mut(connector) {
            Some(evse) => f(evse),
            None => Err(ControlError::NotFound(format!("no connector {connector}"))),
        }
    }

    /// The Auth module: a token a provider read goes to the core for its connector when it
    /// names one, else for the station. A prevalidated one is not validated again, but the
    /// core still applies reservations and the group rules to it.
    fn token(&mut self, token: Token) {
        let single = match token.connectors.as_deref() {
            Some([one]) => Some(*one),
            _ => None,
        };
        // The handle filled it in (the provider's own token when the request named none).
        let tag = token.id_tag.clone().unwrap_or_default();
        let Some(id_tag) = translate::id_token(&tag) else {
            return;
        };
        tracing::info!(
            id_tag = tag.as_str(),
            provider = token.provider.as_deref().unwrap_or("-"),
            prevalidated = token.prevalidated,
            "token provided"
        );
        self.tokens.insert(tag, token.connectors);
        self.tell_core(if token.prevalidated {
            CoreEvent::PrevalidatedTokenPresented {
                id_tag,
                connector: single,
            }
        } else {
            CoreEvent::TokenPresented {
                id_tag,
                connector: single,
            }
        });
    }
}
