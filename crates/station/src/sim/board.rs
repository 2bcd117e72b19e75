//! The simulated charger board (everest-core's YetiSimulator): the control pilot as the EVSE
//! measures it, the relays, the RCD, the connector lock, hardware errors and the power meter.
//!
//! It sits between the car ([`EvSignal`]: what the car presents at the plug) and the
//! EvseManager (PWM, allow-power-on, lock: EVerest's `evse_board_support` commands), and
//! reports what it sees as [`BoardEvent`]s (EVerest's `BspEvent`s and raised/cleared errors).
//! [`Board::tick`] advances it to `now`; commands take effect at the next tick, as on real
//! hardware where relays switch after the command.
//!
//! # Hardware errors: who raises them, what clears them
//!
//! An error reaches the board by two routes, kept apart so that neither undoes the other:
//!
//! | route | errors | raised | cleared |
//! |---|---|---|---|
//! | [`Board::raise_error`] (the control API, like YetiSimulator's MQTT error topic) | any | by the call | only by [`Board::clear_error`] for the same error: not by ticks, not by an unplug |
//! | the board's own detection, from what the car does ([`EvSignal`]) | `ac_rcd/DC` | while the car leaks more than [`RCD_TRIP_MA`] (`rcd_current`) | when the leak drops to [`RCD_TRIP_MA`] or below; the car's unplug ends its leak |
//! | | `evse_board_support/DiodeFault` | a car with a shorted diode (`diode_fail`) while a PWM runs | when the car is gone (pilot in A), as YetiSimulator |
//! | | `evse_board_support/MREC14PilotFault` | while the pilot is in E (`error_e`) | when it leaves E |
//!
//! An error is active while either route holds it; [`BoardEvent::ErrorRaised`] and
//! [`BoardEvent::ErrorCleared`] fire only when that union changes. So an `ac_rcd/DC` raised
//! by hand stays while the car's leak comes and goes, and one the car causes stays after a
//! clear by hand for as long as the car leaks.
//!
//! Per family (everest-core's interfaces of the board): `evse_board_support/*`, `ac_rcd/*`,
//! `connector_lock/*` and `powermeter/*` errors from the control API are the board's, and
//! YetiSimulator never clears those on its own, so an unplug leaves them active. EVerest's
//! EvseManager clears some errors on unplug, but only the ones it raises itself (such as
//! `evse_manager/MREC4OverCurrentFailure` from its soft over-current check); the simulation
//! has no such monitoring (`soft_over_current_*` are not read), and the board's
//! `evse_board_support/MREC4OverCurrentFailure` stays until cleared like every other board
//! error.

use std::collections::{BTreeSet, VecDeque};
use std::time::Instant;

use tracing::debug;

use super::errors::HardwareError;
use super::meter::PowerMeter;
use super::pilot::{current_from_duty, CpState, PwmOutput};
use crate::Parameters;

/// Residual current above which the simulated RCD trips, mA (YetiSimulator's threshold).
pub const RCD_TRIP_MA: f64 = 5.0;

/// How the car draws current once the relays are closed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    /// The current it wants per phase, A.
    pub current_a: f64,
    /// The phases it draws on (1 or 3).
    pub phases: u8,
    /// `true`: at most what the PWM offers (a well-behaved car); `false`: `current_a`
    /// whatever the PWM says (EvManager's `draw_power_fixed`, a car that breaks the rules).
    pub regulated: bool,
}

/// What the car presents at the connector (the EV side of the pilot and the load).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvSignal {
    /// The cable is plugged in.
    pub plugged: bool,
    /// S2 is closed: the car asks for power (state C).
    pub s2_closed: bool,
    /// The car needs ventilation (state D instead of C).
    pub ventilation: bool,
    /// The car pulls the pilot to 0 V (state E).
    pub error_e: bool,
    /// The car's pilot diode is shorted.
    pub diode_fail: bool,
    /// Residual (fault) current the car leaks, mA.
    pub rcd_current_ma: f64,
    /// What the car draws when power flows; `None`: nothing.
    pub draw: Option<Draw>,
}

/// Something the board reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BoardEvent {
    /// The pilot changed to this state.
    Cp(CpState),
    /// The relays closed.
    PowerOn,
    /// The relays opened.
    PowerOff,
    /// A hardware error was raised.
    ErrorRaised(HardwareError),
    /// A hardware error was cleared.
    ErrorCleared(HardwareError),
}

/// The board's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardConfig {
    /// Empty the meter when a car plugs in (A → B); YetiSimulator's parameter.
    pub reset_powermeter_on_session_start: bool,
    /// Phase voltage, V.
    pub nominal_voltage_v: f64,
    /// The most current the hardware carries per phase, A (its `hw_capabilities`).
    pub max_current_a: f64,
    /// The phases it has.
    pub max_phases: u8,
}

impl Default for BoardConfig {
    fn default() -> Self {
        BoardConfig {
            reset_powermeter_on_session_start: true,
            nominal_voltage_v: 230.0,
            max_current_a: 32.0,
            max_phases: 3,
        }
    }
}

impl BoardConfig {
    /// The config of a YetiSimulator module instance (`reset_powermeter_on_session_start`);
    /// the rest are YetiSimulator's fixed values.
    pub fn from_parameters(parameters: &Parameters) -> Self {
        let default = BoardConfig::default();
        BoardConfig {
            reset_powermeter_on_session_start: parameters
                .bool("reset_powermeter_on_session_start")
                .unwrap_or(default.reset_powermeter_on_session_start),
            ..default
        }
    }
}

/// The simulated board. See the module docs.
#[derive(Debug, Clone)]
pub struct Board {
    config: BoardConfig,
    enabled: bool,
    pwm: PwmOutput,
    power_on_allowed: bool,
    locked: bool,
    ev: EvSignal,
    cp: Option<CpState>,
    relays: bool,
    /// Raised through [`Board::raise_error`]: cleared only by [`Board::clear_error`].
    raised: BTreeSet<HardwareError>,
    /// Detected by the board from what the car presents: they follow the car.
    detected: BTreeSet<HardwareError>,
    events: VecDeque<BoardEvent>,
    meter: PowerMeter,
}

impl Board {
    /// A board with nothing plugged in, PWM off, relays open.
    pub fn new(config: BoardConfig) -> Self {
        let meter = PowerMeter::new(config.nominal_voltage_v);
        Board {
            config,
            enabled: true,
            pwm: PwmOutput::Off,
            power_on_allowed: false,
            locked: false,
            ev: EvSignal::default(),
            cp: None,
            relays: false,
            raised: BTreeSet::new(),
            detected: BTreeSet::new(),
            events: VecDeque::new(),
            meter,
        }
    }

    /// Its config.
    pub fn config(&self) -> &BoardConfig {
        &self.config
    }

    /// What the car presents from now on.
    pub fn set_ev(&mut self, ev: EvSignal) {
        self.ev = ev;
    }

    /// `enable`: a disabled board holds the pilot at F and keeps the last PWM for when it is
    /// enabled again.
    pub fn enable(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// `pwm_on` / `cp_state_X1` / `cp_state_F`.
    pub fn set_pwm(&mut self, pwm: PwmOutput) {
        self.pwm = pwm;
    }

    /// `allow_power_on`: the relays may close (in C or D with PWM) or must open.
    pub fn allow_power_on(&mut self, allowed: bool) {
        self.power_on_allowed = allowed;
    }

    /// Locks (`true`) or unlocks the connector.
    pub fn set_locked(&mut self, locked: bool) {
        self.locked = locked;
    }

    /// Raises `error` from outside (the control API, like YetiSimulator's MQTT error topic):
    /// it stays until [`Self::clear_error`], whatever the car does (see the module docs).
    pub fn raise_error(&mut self, error: HardwareError) {
        if self.raised.insert(error) {
            debug!(%error, "board: error raised from outside");
            if !self.detected.contains(&error) {
                self.announce(error, true);
            }
        }
    }

    /// Clears an error [`Self::raise_error`] raised; one the board also detects from the car
    /// stays active until the car stops causing it.
    pub fn clear_error(&mut self, error: HardwareError) {
        if self.raised.remove(&error) {
            debug!(%error, "board: error cleared from outside");
            if !self.detected.contains(&error) {
                self.announce(error, false);
            }
        }
    }

    /// What the board's own detection found about `error` now (`present`): the error follows
    /// the car, but one raised from outside is left to [`Self::clear_error`].
    fn detect(&mut self, error: HardwareError, present: bool) {
        let changed = if present {
            self.detected.insert(error)
        } else {
            self.detected.remove(&error)
        };
        if changed {
            debug!(%error, present, "board: error detected from the car");
            if !self.raised.contains(&error) {
                self.announce(error, present);
            }
        }
    }

    /// Reports a change of the active set.
    fn announce(&mut self, error: HardwareError, raised: bool) {
        self.events.push_back(if raised {
            BoardEvent::ErrorRaised(error)
        } else {
            BoardEvent::ErrorCleared(error)
        });
    }

    /// Whether `error` was raised from outside ([`Self::raise_error`]) and not cleared.
    pub fn is_raised_from_outside(&self, error: HardwareError) -> bool {
        self.raised.contains(&error)
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<BoardEvent> {
        self.events.pop_front()
    }

    /// The pilot state last measured ([`CpState::A`] before the first tick).
    pub fn cp_state(&self) -> CpState {
        self.cp.unwrap_or(CpState::A)
    }

    /// What the pilot carries: the commanded PWM, or F while disabled.
    pub fn pwm(&self) -> PwmOutput {
        if self.enabled {
            self.pwm
        } else {
            PwmOutput::F
        }
    }

    /// Whether the relays are closed.
    pub fn relays_closed(&self) -> bool {
        self.relays
    }

    /// Whether the connector is locked.
    pub fn locked(&self) -> bool {
        self.locked
    }

    /// Whether `error` is active (raised from outside, detected, or both).
    pub fn is_error_active(&self, error: HardwareError) -> bool {
        self.raised.contains(&error) || self.detected.contains(&error)
    }

    /// The active errors, by name, each once.
    pub fn active_errors(&self) -> impl Iterator<Item = HardwareError> + '_ {
        self.raised.union(&self.detected).copied()
    }

    /// The power meter.
    pub fn meter(&self) -> &PowerMeter {
        &self.meter
    }

    /// The power meter, for overrides.
    pub fn meter_mut(&mut self) -> &mut PowerMeter {
        &mut self.meter
    }

    /// Advances the board to `now`: integrates the meter, measures the pilot, raises and
    /// clears the errors it detects itself (RCD, diode, pilot), switches the relays and sets
    /// the currents that flow until the next tick.
    pub fn tick(&mut self, now: Instant) {
        // Energy first, with the currents of the interval that just ended.
        self.meter.advance(now);

        let cp = self.measure_cp();
        // The pilot first, then the errors it causes or clears: a car unplugging is what
        // clears its diode fault, so the EvseManager hears of the unplug first.
        if self.cp != Some(cp) {
            if self.cp == Some(CpState::A)
                && cp.plugged() == Some(true)
                && self.config.reset_powermeter_on_session_start
            {
                self.meter.reset();
            }
            debug!(%cp, "board: control pilot");
            self.cp = Some(cp);
            self.events.push_back(BoardEvent::Cp(cp));
        }
        self.detect_errors(cp);

        let relays = cp.requests_power()
            && self.pwm().is_running()
            && self.power_on_allowed
            && !self.active_errors().any(Self::opens_relays);
        if relays != self.relays {
            self.relays = relays;
            self.events.push_back(if relays {
                BoardEvent::PowerOn
            } else {
                BoardEvent::PowerOff
            });
        }

        let currents = match self.ev.draw {
            Some(draw) if relays => {
                let offered = current_from_duty(self.pwm().duty_percent());
                let amps = if draw.regulated {
                    draw.current_a.min(offered)
                } else {
                    draw.current_a
                };
                let phases = draw.phases.min(self.config.max_phases);
                [1u8, 2, 3].map(|p| if p <= phases { amps } else { 0.0 })
            }
            _ => [0.0; 3],
        };
        self.meter.set_currents(currents);
    }

    /// Errors that physically open the power path: a tripped RCD and a shorted diode
    /// (YetiSimulator draws no power with a diode fault).
    fn opens_relays(error: HardwareError) -> bool {
        (error.interface() == "ac_rcd" && error.blocks_charging())
            || error == HardwareError::DIODE_FAULT
    }

    fn measure_cp(&self) -> CpState {
        if self.ev.plugged && self.ev.error_e {
            // A pilot shorted to PE reads 0 V whatever the EVSE drives through its 1 kΩ, F
            // included: the F an EVSE shows after the fault must not make the fault vanish
            // (and come back when F ends, over and over).
            CpState::E
        } else if self.pwm() == PwmOutput::F {
            CpState::F
        } else if !self.ev.plugged {
            CpState::A
        } else if !self.ev.s2_closed {
            CpState::B
        } else if self.ev.ventilation {
            CpState::D
        } else {
            CpState::C
        }
    }

    /// The errors the board sees in what the car presents (see the module docs); they do not
    /// touch the ones raised from outside.
    fn detect_errors(&mut self, cp: CpState) {
        // No car, no leak (EvManager's unplug also sets its rcd_current back to 0).
        self.detect(
            HardwareError::RCD_DC,
            self.ev.plugged && self.ev.rcd_current_ma > RCD_TRIP_MA,
        );
        // The diode is only seen while a PWM runs: its negative half goes missing.
        if self.ev.plugged && self.ev.diode_fail && self.pwm().is_running() {
            self.detect(HardwareError::DIODE_FAULT, true);
        }
        if cp == CpState::A {
            // YetiSimulator clears the diode fault on disconnection, not before: once the
            // PWM is off the diode cannot be checked.
            self.detect(HardwareError::DIODE_FAULT, false);
        }
        self.detect(HardwareError::PILOT_FAULT, cp == CpState::E);
    }
}

#[cfg(test)]
mod tests;
