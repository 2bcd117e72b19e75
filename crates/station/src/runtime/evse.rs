//! One EVSE of the running station: its simulation, the car's orders from the control API, and
//! what the core must hear after each simulation step.

use std::time::Instant;

use chargepoint::charge_point::StationEvent;

use super::translate;
use crate::control_api::{ControlError, MeterOverride, PlugIn};
use crate::sim::{HardwareError, Script, SessionEvent, SimulatedEvse};

/// The car's current per phase and phases when a plug-in does not say (EvManager's default
/// `plugin_commands` draw 16 A on 3 phases).
const DEFAULT_DRAW: (f64, u8) = (16.0, 3);

/// An EVSE and its connector.
#[derive(Debug)]
pub struct Evse {
    /// The OCPP connector id.
    pub connector: u32,
    /// The simulation.
    pub sim: SimulatedEvse,
    /// What the core was last told about the plug.
    plugged: bool,
    /// What the car draws when it draws: A per phase, phases.
    draw: (f64, u8),
    /// The idTag of the running session, for the state.
    pub id_tag: Option<String>,
}

impl Evse {
    /// The EVSE of `connector`.
    pub fn new(connector: u32, sim: SimulatedEvse) -> Evse {
        Evse {
            connector,
            sim,
            plugged: false,
            draw: DEFAULT_DRAW,
            id_tag: None,
        }
    }

    /// StopTransactionOnEVSideDisconnect (`None`: the default, true): whether the EVSE stops
    /// the transaction when the car is unplugged, or keeps it (the core shows SuspendedEV).
    pub fn set_stop_transaction_on_unplug(&mut self, stop: Option<bool>) {
        self.sim
            .evse_manager_mut()
            .set_stop_transaction_on_unplug(stop != Some(false));
    }

    /// Whether the core was told a car is plugged in.
    pub fn plugged(&self) -> bool {
        self.plugged
    }

    fn run(&mut self, text: &str) -> Result<(), ControlError> {
        let script = Script::parse(text).map_err(|e| ControlError::Invalid(e.to_string()))?;
        self.sim.car_mut().modify(script);
        Ok(())
    }

    /// A car plugs in and charges as soon as the EVSE offers energy.
    pub fn plug_in(&mut self, request: &PlugIn) -> Result<(), ControlError> {
        self.draw = (
            request.max_current_a.unwrap_or(DEFAULT_DRAW.0),
            request.phases.unwrap_or(DEFAULT_DRAW.1),
        );
        let (amps, phases) = self.draw;
        self.run(&format!(
            "iec_wait_pwr_ready;draw_power_regulated {amps},{phases}"
        ))
    }

    /// The car pulls its cable.
    pub fn unplug(&mut self) -> Result<(), ControlError> {
        self.run("unplug")
    }

    /// The car stops drawing (SuspendedEV).
    pub fn ev_pause(&mut self) -> Result<(), ControlError> {
        self.run("pause")
    }

    /// The car draws again.
    pub fn ev_resume(&mut self) -> Result<(), ControlError> {
        let (amps, phases) = self.draw;
        self.run(&format!("draw_power_regulated {amps},{phases}"))
    }

    /// The car runs `script`, after the running one or instead of it.
    pub fn car_script(&mut self, script: Script, replace: bool) -> Result<(), ControlError> {
        if replace {
            self.sim.car_mut().modify(script);
            Ok(())
        } else {
            self.sim
                .car_mut()
                .execute(script)
                .map_err(|e| ControlError::Conflict(e.to_string()))
        }
    }

    /// A hardware fault is raised or cleared on the board.
    pub fn hardware_error(&mut self, error: HardwareError, raise: bool) {
        let board = self.sim.board_mut();
        if raise {
            board.raise_error(error);
        } else {
            board.clear_error(error);
        }
    }

    /// The simulated meter shows the given values.
    pub fn meter(&mut self, request: &MeterOverride) {
        let meter = self.sim.board_mut().meter_mut();
        if let Some(wh) = request.energy_wh {
            meter.set_energy_wh(wh);
        }
        if let Some(w) = request.power_w {
            meter.override_power_w(Some(w));
        }
        if let Some(v) = request.voltage_v {
            meter.set_voltage(v);
        }
        if let Some(a) = request.current_a {
            meter.set_currents([a; 3]);
        }
    }

    /// Steps the simulation to `now` and returns what the core must hear, in order: a plug-in
    /// before the session's events (a transaction may start in the same step), an unplug after
    /// them (the transaction stops before the cable is gone).
    pub fn step(&mut self, now: Instant) -> Vec<StationEvent> {
        self.sim.tick(now);
        let connector = self.connector;
        let mut out = Vec::new();
        // E and F say nothing about the plug: keep what we knew.
        let plugged = self
            .sim
            .board()
            .cp_state()
            .plugged()
            .unwrap_or(self.plugged);
        if plugged && !self.plugged {
            out.push(StationEvent::PluggedIn { connector });
        }
        while let Some(event) = self.sim.poll_event() {
            match &event {
                SessionEvent::TransactionStarted { id_tag, .. } => {
                    self.id_tag = Some(id_tag.clone());
                }
                SessionEvent::TransactionFinished { .. } => self.id_tag = None,
                _ => {}
            }
            tracing::debug!(connector, ?event, "session event");
            out.extend(translate::station_event(connector, &event));
        }
        if !plugged && self.plugged {
            out.push(StationEvent::Unplugged { connector });
        }
        self.plugged = plugged;
        out
    }
}
