//! The control API's orders carried out by the station loop. Each is checked against the
//! simulation and the core first (a refused order changes nothing), then carried out; its
//! answer waits until the state shows what it did ([`Until`]), or says what it started. A
//! token is Auth's (`auth`); a stop is `shutdown`'s.

use chargepoint::charge_point::StationEvent as CoreEvent;
use ocpp_types::core::{ChargePointStatus, Reason};

use super::control::{Order, OrderKind};
use super::evse::Evse;
use super::replies::Until;
use super::state::car_state;
use super::{Exit, Station};
use crate::control_api::{ControlError, Outcome};
use crate::sim::{CarState, HardwareError};

/// What an order leads to: an answer once `Until` holds, with this outcome.
pub(super) type Accepted = (Until, Outcome);

impl Station {
    /// Carries out a control-API order; `Some` ends the station (a stop with nothing left
    /// to wait for).
    pub(super) fn order(&mut self, order: Order) -> Option<Exit> {
        let Order { kind, reply } = order;
        if self.stopping.is_some() {
            let _ = reply.send(Err(ControlError::Unavailable(
                "the station is stopping".to_owned(),
            )));
            return None;
        }
        let result = match kind {
            OrderKind::Stop => {
                let outcome = Outcome::started(self.begin_stop());
                let _ = reply.send(Ok(outcome));
                return None;
            }
            OrderKind::DataTransfer(request, answer) => {
                let sent = self
                    .send_data_transfer(request, answer)
                    .map(|()| Outcome::started("the DataTransfer is sent"));
                let _ = reply.send(sent);
                return None;
            }
            OrderKind::Online(online) => self.online_order(online),
            OrderKind::Token(token) => self.token(token),
            OrderKind::StopTransaction(connector, reason) => {
                self.stop_transaction_order(connector, reason)
            }
            OrderKind::PlugIn(c, request) => self.on_evse(c, |e| {
                if e.sim.car().state() != CarState::Unplugged {
                    return Err(ControlError::Conflict(format!(
                        "a car is already plugged in at connector {c}"
                    )));
                }
                e.plug_in(&request)?;
                Ok((Until::Plugged(c, true), Outcome::done()))
            }),
            OrderKind::Unplug(c) => self.on_evse(c, |e| {
                if e.sim.car().state() == CarState::Unplugged {
                    return Err(ControlError::Conflict(format!(
                        "no car is plugged in at connector {c}"
                    )));
                }
                e.unplug()?;
                Ok((Until::Plugged(c, false), Outcome::done()))
            }),
            OrderKind::EvPause(c) => self.on_evse(c, |e| {
                if !drawing(e) {
                    return Err(ControlError::Conflict(not_drawing(c, e)));
                }
                e.ev_pause()?;
                Ok((Until::CarDrawing(c, false), Outcome::done()))
            }),
            OrderKind::EvResume(c) => self.on_evse(c, |e| {
                match car_state(e) {
                    "paused" => {}
                    "unplugged" => {
                        return Err(ControlError::Conflict(format!(
                            "no car is plugged in at connector {c}"
                        )))
                    }
                    _ => {
                        return Err(ControlError::Conflict(format!(
                            "the car at connector {c} is not paused (it is {})",
                            car_words(e)
                        )))
                    }
                }
                e.ev_resume()?;
                Ok((Until::CarDrawing(c, true), Outcome::done()))
            }),
            OrderKind::CarScript(c, script, replace) => self.on_evse(c, |e| {
                e.car_script(script, replace)?;
                Ok((
                    Until::Now,
                    Outcome::started("the car runs the script from its next step"),
                ))
            }),
            OrderKind::CarEnable(c, enable) => self.on_evse(c, |e| {
                e.car_enable(enable)?;
                Ok((
                    Until::Plugged(c, e.sim.car().state() != CarState::Unplugged),
                    Outcome::done(),
                ))
            }),
            OrderKind::EnableDisable(c, entry) => self.enable_disable_order(c, entry),
            OrderKind::PauseCharging(c, pause) => self.pause_order(c, pause),
            OrderKind::SetLimit(c, value) => self.limit_order(c, value),
            OrderKind::ForceUnlock(c) => self.force_unlock_order(c),
            OrderKind::RandomDelay(c, command) => self.on_evse(c, |e| {
                e.sim.evse_manager_mut().random_delay_command(command);
                Ok((Until::Now, Outcome::done()))
            }),
            OrderKind::HardwareError(c, error, raise) => {
                self.on_evse(c, |e| hardware_error(c, e, error, raise))
            }
            OrderKind::SecurityEvent(request) => {
                // As EVerest's OCPP module hands its `security_event` command to libocpp's
                // on_security_event: the core logs it and decides whether it is sent.
                let after = self.view.security_events_logged();
                self.tell_core(CoreEvent::SecurityEvent {
                    kind: request.kind.clone(),
                    tech_info: request.tech_info.clone(),
                });
                Ok((
                    Until::SecurityEventLogged {
                        after,
                        kind: request.kind,
                        tech_info: request.tech_info,
                    },
                    Outcome::done(),
                ))
            }
            OrderKind::Meter(c, request) => self.on_evse(c, |e| {
                e.meter(&request);
                Ok((Until::Now, Outcome::done()))
            }),
        };
        match result {
            Ok((until, outcome)) => {
                // What the order changed reaches the core without waiting for a tick.
                self.step(false);
                self.answer_when(until, outcome, reply);
            }
            Err(e) => {
                tracing::info!(error = %e, "control order refused");
                let _ = reply.send(Err(e));
            }
        }
        None
    }

    pub(super) fn on_evse(
        &mut self,
        connector: u32,
        f: impl FnOnce(&mut Evse) -> Result<Accepted, ControlError>,
    ) -> Result<Accepted, ControlError> {
        match self.evse_mut(connector) {
            Some(evse) => f(evse),
            None => Err(ControlError::NotFound(format!("no connector {connector}"))),
        }
    }

    /// `ocpp/connect` and `ocpp/disconnect`.
    fn online_order(&mut self, online: bool) -> Result<Accepted, ControlError> {
        match (online, self.online, self.core.connected) {
            (true, true, true) => Err(ControlError::Conflict(
                "connected to the CSMS already".to_owned(),
            )),
            (true, true, false) => Err(ControlError::Conflict(
                "connecting already: the station retries with a growing back-off (ocpp.last_error says why the last attempt failed)"
                    .to_owned(),
            )),
            (false, false, _) => Err(ControlError::Conflict(
                "offline already (ocpp/connect connects again)".to_owned(),
            )),
            (true, false, _) => {
                self.set_online(true);
                Ok((Until::Now, Outcome::started("connecting to the CSMS")))
            }
            (false, true, _) => {
                self.set_online(false);
                Ok((Until::Disconnected, Outcome::done()))
            }
        }
    }

    fn set_online(&mut self, online: bool) {
        self.online = online;
        // A closed channel means the driver ended: the loop sees it on `commands`.
        let _ = self.link.online.send(online);
    }

    /// The station's own stop of a transaction: the core decides (it answers with a
    /// StopTransaction command, and the reason goes into StopTransaction.req).
    fn stop_transaction_order(
        &mut self,
        connector: u32,
        reason: Reason,
    ) -> Result<Accepted, ControlError> {
        if self.evse_mut(connector).is_none() {
            return Err(ControlError::NotFound(format!("no connector {connector}")));
        }
        let running = self
            .core
            .connector(connector)
            .is_some_and(|c| c.transaction.is_some());
        if !running {
            return Err(ControlError::Conflict(format!(
                "no transaction runs at connector {connector}"
            )));
        }
        self.tell_core(CoreEvent::StopRequested {
            connector: Some(connector),
            reason,
        });
        Ok((Until::NoTransaction(connector), Outcome::done()))
    }
}

/// Raises or clears `error` on the board of `evse`, as the control API does: only what the
/// control API raised can it clear (an error the car causes clears when the car stops).
fn hardware_error(
    connector: u32,
    evse: &mut Evse,
    error: HardwareError,
    raise: bool,
) -> Result<Accepted, ControlError> {
    let board = evse.sim.board();
    let raised = board.is_raised_from_outside(error);
    if raise && raised {
        return Err(ControlError::Conflict(format!(
            "{error} is raised already at connector {connector}"
        )));
    }
    if !raise && !raised {
        return Err(ControlError::Conflict(if board.is_error_active(error) {
            format!(
                "{error} at connector {connector} is caused by the car, not raised through the control API: it clears when the car stops causing it"
            )
        } else {
            format!("{error} is not raised at connector {connector}")
        }));
    }
    evse.hardware_error(error, raise);
    Ok((Until::Error(connector, error, raise), Outcome::done()))
}

/// Whether the car asks for power.
fn drawing(evse: &Evse) -> bool {
    matches!(
        evse.sim.car().state(),
        CarState::ChargingRegulated | CarState::ChargingFixed
    )
}

fn car_words(evse: &Evse) -> &'static str {
    match car_state(evse) {
        "unplugged" => "unplugged",
        "plugged_in" => "plugged in, waiting for the EVSE to offer power",
        "paused" => "paused",
        "drawing" => "drawing power",
        "error_e" => "in pilot state E",
        _ => "showing a diode fault",
    }
}

fn not_drawing(connector: u32, evse: &Evse) -> String {
    match evse.sim.car().state() {
        CarState::Unplugged => format!("no car is plugged in at connector {connector}"),
        _ => format!(
            "the car at connector {connector} is not drawing power (it is {})",
            car_words(evse)
        ),
    }
}

/// Whether the core shows `status` at `connector` of `station`.
pub(super) fn core_status(station: &Station, connector: u32) -> Option<ChargePointStatus> {
    station.core.connector(connector).map(|c| c.status)
}
