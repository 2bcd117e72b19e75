//! What the station does for the core ([`StationCommand`], as everest-core's OCPP module calls
//! EvseManager and Auth) and for the control API ([`Order`]); the Auth module's token flow.

use chargepoint::charge_point::{StationCommand, StationEvent as CoreEvent};
use ocpp_types::core::{Reason, ResetType, UnlockStatus};

use super::control::Order;
use super::evse::Evse;
use super::run::RESET_GRACE;
use super::{translate, Exit, Station};
use crate::control_api::{ControlError, Token};
use crate::sim::{EvseState, StopTransactionReason};

impl Station {
    fn evse_mut(&mut self, connector: u32) -> Option<&mut Evse> {
        self.evses.iter_mut().find(|e| e.connector == connector)
    }

    fn tell_core(&self, event: CoreEvent) {
        // A closed channel means the driver ended: the loop sees it on `commands`.
        let _ = self.link.events.send(event);
    }

    /// Auth's FindFirst selection: among the connectors a token may use, the first with a car
    /// waiting for authorization, else the first free one (swipe first, plug in later).
    fn select_evse(&self, allowed: Option<&[u32]>) -> Option<u32> {
        let candidates = || {
            self.evses
                .iter()
                .filter(|e| allowed.is_none_or(|a| a.contains(&e.connector)))
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
            StationCommand::AuthorizationResult {
                id_tag,
                connector,
                accepted,
                ..
            } => {
                let allowed = self.tokens.remove(id_tag.as_str()).flatten();
                if accepted {
                    self.authorize(connector, allowed.as_deref(), id_tag.as_str());
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
            // The driver applies the transport's part; the core its timers.
            StationCommand::ApplyConfigurationChange(_) => {}
            StationCommand::Reset { kind } => {
                let reason = match kind {
                    ResetType::Hard => Reason::HardReset,
                    ResetType::Soft => Reason::SoftReset,
                };
                let connectors: Vec<u32> = self.evses.iter().map(|e| e.connector).collect();
                for connector in connectors {
                    self.stop_transaction(connector, reason);
                }
                tracing::info!(?kind, "reset: the station restarts in {RESET_GRACE:?}");
                self.reset = Some((tokio::time::Instant::now() + RESET_GRACE, kind));
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

    /// When a Reset ends the station.
    pub(super) fn reset_at(&self) -> Option<tokio::time::Instant> {
        self.reset.map(|(at, _)| at)
    }

    /// The Reset's kind.
    pub(super) fn reset_kind(&self) -> ResetType {
        self.reset.map_or(ResetType::Soft, |(_, kind)| kind)
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

    /// The Auth module: a token for one connector goes to the core for that connector, else
    /// for the station; a prevalidated one authorizes at once.
    fn token(&mut self, token: Token) {
        let single = match token.connectors.as_deref() {
            Some([one]) => Some(*one),
            _ => None,
        };
        if token.prevalidated {
            self.authorize(single, token.connectors.as_deref(), &token.id_tag);
            return;
        }
        let Some(id_tag) = translate::id_token(&token.id_tag) else {
            return;
        };
        self.tokens.insert(token.id_tag.clone(), token.connectors);
        self.tell_core(CoreEvent::TokenPresented {
            id_tag,
            connector: single,
        });
    }
}
