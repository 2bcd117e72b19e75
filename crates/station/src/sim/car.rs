//! The simulated car (everest-core's EvManager / CarSimulation): runs a [`Script`] in
//! EvManager's 250 ms loop and presents the result at the plug as an [`EvSignal`].
//!
//! Each loop step runs commands until one blocks (`sleep`, `iec_wait_pwr_ready`), then
//! updates what the car presents. `sleep N` blocks for `floor(N s / 250 ms) + 1` steps,
//! counting the step that starts it, as EvManager does. When the script ends, the car keeps
//! its last physical state (EvManager stops driving the pilot, so a car left in C stays in C).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tracing::{debug, warn};

use super::board::{Draw, EvSignal};
use super::iso15118::{EvCall, EvFeedback};
use super::script::{Command, IsoSupport, Script, ScriptError};
use crate::Parameters;

/// EvManager's loop interval.
pub const LOOP_INTERVAL: Duration = Duration::from_millis(250);

/// At most this many commands run in one step: a `plugin_commands` that runs `plugin`
/// again would otherwise loop forever without blocking.
const MAX_COMMANDS_PER_STEP: usize = 1000;

/// The car's parameters (EvManager's).
#[derive(Debug, Clone, PartialEq)]
pub struct CarConfig {
    /// The battery's capacity, Wh (EvManager's `dc_energy_capacity`, which it uses for AC too).
    pub battery_capacity_wh: f64,
    /// The state of charge at start, percent (`soc`).
    pub soc_percent: f64,
    /// The script `plugin` runs (`plugin_commands`).
    pub plugin_commands: Script,
    /// The script to run at start (`auto_exec_commands` when `auto_exec`).
    pub auto_exec: Option<Script>,
    /// Run `auto_exec` again whenever it ends (`auto_exec_infinite`).
    pub auto_exec_infinite: bool,
    /// What its `iso_` commands may use (its `slac` and `ev` connections).
    pub iso: IsoSupport,
}

impl Default for CarConfig {
    fn default() -> Self {
        CarConfig {
            battery_capacity_wh: 60_000.0,
            soc_percent: 30.0,
            plugin_commands: Script::default(),
            auto_exec: None,
            auto_exec_infinite: false,
            iso: IsoSupport::NONE,
        }
    }
}

impl CarConfig {
    /// The config of an EvManager module instance; a `plugin_commands` or
    /// `auto_exec_commands` that does not parse is an error.
    pub fn from_parameters(parameters: &Parameters) -> Result<Self, ScriptError> {
        Self::from_parameters_with(parameters, IsoSupport::NONE)
    }

    /// The same for an EvManager connected as `iso` says (its scripts may use those `iso_`
    /// commands).
    pub fn from_parameters_with(
        parameters: &Parameters,
        iso: IsoSupport,
    ) -> Result<Self, ScriptError> {
        let default = CarConfig::default();
        let auto_exec = if parameters.bool("auto_exec").unwrap_or(false) {
            Some(Script::parse_with(
                parameters.str("auto_exec_commands").unwrap_or_default(),
                iso,
            )?)
        } else {
            None
        };
        Ok(CarConfig {
            battery_capacity_wh: parameters
                .num("dc_energy_capacity")
                .filter(|c| *c > 0.0)
                .unwrap_or(default.battery_capacity_wh),
            soc_percent: parameters
                .num("soc")
                .map(|s| s.clamp(0.0, 100.0))
                .unwrap_or(default.soc_percent),
            plugin_commands: Script::parse_with(
                parameters.str("plugin_commands").unwrap_or_default(),
                iso,
            )?,
            auto_exec,
            auto_exec_infinite: parameters.bool("auto_exec_infinite").unwrap_or(false),
            iso,
        })
    }
}

/// What the car is doing (EvManager's `SimState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarState {
    /// Not plugged in (state A).
    Unplugged,
    /// Plugged in, not asking for power (state B).
    PluggedIn,
    /// Asking for power while a PWM offers it, drawing at most the offer.
    ChargingRegulated,
    /// Asking for power whatever the PWM says.
    ChargingFixed,
    /// Pilot pulled to 0 V (state E).
    ErrorE,
    /// Pilot diode shorted.
    DiodeFail,
    /// ISO 15118: the charger said power is ready; S2 closed (state C), nothing drawn yet.
    IsoPowerReady,
    /// ISO 15118: drawing at most what the PWM offers, in state C.
    IsoCharging,
    /// ISO 15118: toggling B/C to wake the EVSE (`iso_start_bcb_toggle`); in C now or not.
    BcbToggle {
        /// In state C.
        c: bool,
    },
}

/// A script the car could not take.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CarError {
    /// A script is running ([`Car::execute`] does not interrupt one; [`Car::modify`] does).
    #[error("a car script is running; replace it instead")]
    Busy,
    /// The script does not parse.
    #[error(transparent)]
    Script(#[from] ScriptError),
}

/// A change of the car's plug-in state that EvManager writes to its `kvs` (everest-core's
/// `car_simulatorImpl.cpp`): what [`crate::sim::kvs::CarKvs`] keeps across a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlugRecord {
    /// `iec_wait_pwr_ready` plugged the car in, running `commands` (the script it was given).
    PluggedIn {
        /// The script the car was running, as text.
        commands: String,
    },
    /// `unplug` pulled the cable.
    Unplugged,
}

/// The simulated car. See the module docs.
#[derive(Debug, Clone)]
pub struct Car {
    config: CarConfig,
    queue: VecDeque<Command>,
    running: bool,
    /// The script last given, as text (EvManager's `last_commands`).
    last_commands: String,
    /// Whether the car counts as plugged in for its `kvs` (EvManager's `plugged_in`): set by
    /// the first `iec_wait_pwr_ready`, cleared by `unplug`.
    plugged_in: bool,
    /// The last plug-in change not yet taken by [`Car::take_plug_record`]; only the latest
    /// matters, since it is what the store must hold.
    plug_record: Option<PlugRecord>,
    sleep_steps_left: Option<u64>,
    state: CarState,
    draw: Option<Draw>,
    rcd_current_ma: f64,
    battery_wh: f64,
    duty_percent: f64,
    next_step: Option<Instant>,
    /// Whether the simulation is enabled (EvManager's `enabled`, from its MQTT `enable`
    /// topic): a disabled car runs no script and is not at the plug.
    enabled: bool,
    /// The calls of its `iso_` commands not yet taken by its ISO 15118 stack.
    iso_calls: Vec<EvCall>,
    /// What its ISO 15118 stack and SLAC last said (`v2g_finished` and `stopped_by_charger`
    /// latched until a command reads them, as EvManager's sim_data flags).
    iso_feedback: EvFeedback,
    /// Whether the SLAC matching was triggered since the car was unplugged.
    slac_triggered: bool,
    /// B/C toggles done by the running `iso_start_bcb_toggle`.
    bcb_toggles: u32,
}

impl Car {
    /// An unplugged car; it starts `auto_exec` if configured.
    pub fn new(config: CarConfig) -> Self {
        let battery_wh = config.battery_capacity_wh * config.soc_percent / 100.0;
        let mut car = Car {
            queue: VecDeque::new(),
            running: false,
            last_commands: String::new(),
            plugged_in: false,
            plug_record: None,
            sleep_steps_left: None,
            state: CarState::Unplugged,
            draw: None,
            rcd_current_ma: 0.0,
            battery_wh,
            duty_percent: 100.0,
            next_step: None,
            enabled: true,
            iso_calls: Vec::new(),
            iso_feedback: EvFeedback::default(),
            slac_triggered: false,
            bcb_toggles: 0,
            config,
        };
        if let Some(script) = car.config.auto_exec.clone() {
            car.start(script);
        }
        car
    }

    /// Runs `script` (EvManager's `execute_charging_session`); refused while one runs, or
    /// when it has `iso_` commands the car is not connected for.
    pub fn execute(&mut self, script: Script) -> Result<(), CarError> {
        if self.running {
            return Err(CarError::Busy);
        }
        self.check(&script)?;
        self.start(script);
        Ok(())
    }

    /// Parses and runs `text`; a script that does not parse changes nothing.
    pub fn execute_str(&mut self, text: &str) -> Result<(), CarError> {
        let script = self.parse(text)?;
        self.execute(script)
    }

    /// Parses `text` with the `iso_` commands this car is connected for.
    pub fn parse(&self, text: &str) -> Result<Script, ScriptError> {
        Script::parse_with(text, self.config.iso)
    }

    /// Whether the car can run `script` (parsed for another car): its `iso_` commands need the
    /// car's connections.
    pub fn check(&self, script: &Script) -> Result<(), ScriptError> {
        self.parse(&script.to_string()).map(|_| ())
    }

    /// Replaces what runs by `script` (EvManager's `modify_charging_session`); the car keeps
    /// its physical state. Refused (nothing changes) when it has `iso_` commands the car is
    /// not connected for.
    pub fn modify(&mut self, script: Script) -> Result<(), CarError> {
        self.check(&script)?;
        self.start(script);
        Ok(())
    }

    /// The calls of the car's `iso_` commands since the last step, for its ISO 15118 stack.
    pub fn take_iso_calls(&mut self) -> Vec<EvCall> {
        std::mem::take(&mut self.iso_calls)
    }

    /// What the car's ISO 15118 stack and SLAC say now; `v2g_finished` and
    /// `stopped_by_charger` stay set until a command reads them.
    pub fn set_iso_feedback(&mut self, feedback: EvFeedback) {
        let latched = self.iso_feedback;
        self.iso_feedback = EvFeedback {
            v2g_finished: latched.v2g_finished || feedback.v2g_finished,
            stopped_by_charger: latched.stopped_by_charger || feedback.stopped_by_charger,
            ..feedback
        };
    }

    /// The car was plugged in when the station went down (its `kvs` says so): it runs
    /// `script` again, plugged in from the start (EvManager's `ready` with
    /// `keep_cross_boot_plugin_state`). It counts as plugged in already, so the plug-in is not
    /// recorded again; `script` replaces anything `auto_exec` started, as EvManager refuses
    /// `auto_exec` while the restored script runs.
    pub fn resume_plugged_in(&mut self, script: Script) {
        if let Err(e) = self.modify(script) {
            warn!(error = %e, "car: the script it ran before the restart is refused now");
        }
        self.plugged_in = true;
    }

    /// The latest plug-in change for the car's `kvs`, once (see [`PlugRecord`]).
    pub fn take_plug_record(&mut self) -> Option<PlugRecord> {
        self.plug_record.take()
    }

    /// Stops the running script; the car keeps its physical state.
    pub fn cancel(&mut self) {
        self.queue.clear();
        self.sleep_steps_left = None;
        self.running = false;
    }

    /// Enables or disables the simulation (EvManager's `handle_enable`): disabling stops the
    /// script and takes the car from the plug, as EvManager resets its simulation; a disabled
    /// car takes no script until it is enabled again. Returns whether it changed (EvManager
    /// ignores an enable that changes nothing).
    pub fn set_enabled(&mut self, enabled: bool) -> bool {
        if self.enabled == enabled {
            return false;
        }
        self.enabled = enabled;
        if !enabled {
            self.cancel();
            self.state = CarState::Unplugged;
            self.draw = None;
            self.rcd_current_ma = 0.0;
        }
        true
    }

    /// Whether the simulation is enabled (see [`Car::set_enabled`]).
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Whether a script runs.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// What the car is doing.
    pub fn state(&self) -> CarState {
        self.state
    }

    /// The battery's state of charge, percent.
    pub fn soc_percent(&self) -> f64 {
        self.battery_wh / self.config.battery_capacity_wh * 100.0
    }

    /// Charges the battery with `energy_wh` delivered by the EVSE (capped at full).
    pub fn add_energy_wh(&mut self, energy_wh: f64) {
        if energy_wh.is_finite() && energy_wh > 0.0 {
            self.battery_wh = (self.battery_wh + energy_wh).min(self.config.battery_capacity_wh);
        }
    }

    /// What the car presents at the plug now.
    pub fn signal(&self) -> EvSignal {
        let plugged = self.state != CarState::Unplugged;
        EvSignal {
            plugged,
            s2_closed: match self.state {
                CarState::ChargingRegulated => pwm_offers_energy(self.duty_percent),
                CarState::ChargingFixed | CarState::IsoPowerReady | CarState::IsoCharging => true,
                CarState::BcbToggle { c } => c,
                _ => false,
            },
            ventilation: false,
            error_e: self.state == CarState::ErrorE,
            diode_fail: self.state == CarState::DiodeFail,
            rcd_current_ma: self.rcd_current_ma,
            draw: self.draw.filter(|_| plugged),
        }
    }

    /// Runs the loop steps due by `now` (one per [`LOOP_INTERVAL`], the first at the first
    /// call), each seeing `duty_percent`, the PWM duty cycle the EVSE drives.
    pub fn tick(&mut self, now: Instant, duty_percent: f64) {
        self.duty_percent = duty_percent;
        let mut next = self.next_step.unwrap_or(now);
        while next <= now {
            self.step();
            next += LOOP_INTERVAL;
        }
        self.next_step = Some(next);
    }

    fn start(&mut self, script: Script) {
        debug!(%script, "car: script");
        self.last_commands = script.to_string();
        self.queue = script.0.into();
        self.sleep_steps_left = None;
        self.running = !self.queue.is_empty();
    }

    /// One EvManager loop: run commands until one blocks.
    fn step(&mut self) {
        let mut budget = MAX_COMMANDS_PER_STEP;
        while self.running {
            let Some(command) = self.queue.front().copied() else {
                break;
            };
            if budget == 0 {
                warn!("car: {MAX_COMMANDS_PER_STEP} commands in one step, waiting for the next");
                return;
            }
            budget -= 1;
            match self.run(command) {
                Outcome::Done => {
                    self.queue.pop_front();
                }
                Outcome::Blocked => return,
                Outcome::Replaced => {}
            }
        }
        if self.running && self.queue.is_empty() {
            debug!("car: script finished");
            self.running = false;
            if self.config.auto_exec_infinite {
                if let Some(script) = self.config.auto_exec.clone() {
                    self.start(script);
                }
            }
        }
    }

    fn run(&mut self, command: Command) -> Outcome {
        match command {
            Command::Sleep { seconds } => {
                let left = self.sleep_steps_left.get_or_insert_with(|| {
                    (seconds * 1000.0 / LOOP_INTERVAL.as_millis() as f64) as u64 + 1
                });
                *left = left.saturating_sub(1);
                if *left == 0 {
                    self.sleep_steps_left = None;
                    return Outcome::Done;
                }
                return Outcome::Blocked;
            }
            Command::IecWaitPwrReady => {
                // EvManager's iec_wait_pwr_ready: the first one stores the plug-in and the
                // script that did it, for keep_cross_boot_plugin_state.
                self.record_plug_in();
                self.state = CarState::PluggedIn;
                if !pwm_offers_energy(self.duty_percent) {
                    return Outcome::Blocked;
                }
            }
            Command::DrawPowerRegulated { current_a, phases } => {
                self.draw = Some(Draw {
                    current_a,
                    phases,
                    regulated: true,
                });
                self.state = CarState::ChargingRegulated;
            }
            Command::DrawPowerFixed { current_a, phases } => {
                self.draw = Some(Draw {
                    current_a,
                    phases,
                    regulated: false,
                });
                self.state = CarState::ChargingFixed;
            }
            Command::Pause => self.state = CarState::PluggedIn,
            Command::IsoWaitSlacMatched => {
                // EvManager records the plug-in here too (with its kvs).
                self.record_plug_in();
                self.state = CarState::PluggedIn;
                if !self.slac_triggered {
                    self.slac_triggered = true;
                    self.iso_calls.push(EvCall::TriggerSlacMatching);
                }
                if !self.iso_feedback.slac_matched {
                    return Outcome::Blocked;
                }
            }
            Command::IsoStartV2gSession {
                payment,
                departure_s,
                e_amount_wh,
            } => {
                self.iso_feedback.stopped_by_charger = false;
                self.iso_calls.push(EvCall::StartCharging {
                    payment,
                    departure_s,
                    e_amount_wh,
                });
            }
            Command::IsoWaitPwrReady => {
                if !self.iso_feedback.power_ready {
                    return Outcome::Blocked;
                }
                self.draw = None;
                self.state = CarState::IsoPowerReady;
            }
            Command::IsoDrawPowerRegulated { current_a, phases } => {
                self.draw = Some(Draw {
                    current_a,
                    phases,
                    regulated: true,
                });
                self.state = CarState::IsoCharging;
            }
            Command::IsoStopCharging => {
                self.iso_calls.push(EvCall::StopCharging);
                self.draw = None;
                self.state = CarState::PluggedIn;
            }
            Command::IsoWaitForStop { seconds } => {
                let left = self.sleep_steps_left.get_or_insert_with(|| {
                    (seconds * 1000.0 / LOOP_INTERVAL.as_millis() as f64) as u64 + 1
                });
                *left = left.saturating_sub(1);
                if *left == 0 {
                    self.iso_calls.push(EvCall::StopCharging);
                } else if !self.iso_feedback.stopped_by_charger {
                    return Outcome::Blocked;
                }
                self.sleep_steps_left = None;
                self.draw = None;
                self.state = CarState::PluggedIn;
            }
            Command::IsoWaitV2gSessionStopped => {
                if !self.iso_feedback.v2g_finished {
                    return Outcome::Blocked;
                }
                self.iso_feedback.v2g_finished = false;
            }
            Command::IsoPauseCharging => {
                self.iso_calls.push(EvCall::PauseCharging);
                self.draw = None;
                self.state = CarState::PluggedIn;
            }
            Command::IsoWaitForResume => return Outcome::Blocked,
            Command::IsoStartBcbToggle { toggles } => {
                self.iso_feedback.v2g_finished = false;
                if self.bcb_toggles >= toggles.min(3) {
                    self.bcb_toggles = 0;
                    self.state = CarState::PluggedIn;
                } else {
                    // One half-toggle per step (EvManager's BCB_TOGGLE state): C, then B,
                    // which counts one toggle; EvManager stops at 3 whatever was asked.
                    if self.state == (CarState::BcbToggle { c: true }) {
                        self.state = CarState::BcbToggle { c: false };
                        self.bcb_toggles += 1;
                    } else {
                        self.state = CarState::BcbToggle { c: true };
                    }
                    return Outcome::Blocked;
                }
            }
            Command::IsoWaitPwmIsRunning => {
                self.state = CarState::PluggedIn;
                if !(self.duty_percent > 4.0 && self.duty_percent < 97.0) {
                    return Outcome::Blocked;
                }
            }
            Command::Unplug => {
                self.slac_triggered = false;
                if self.plugged_in {
                    self.plugged_in = false;
                    self.plug_record = Some(PlugRecord::Unplugged);
                }
                self.state = CarState::Unplugged;
                self.draw = None;
                // The board resets its RCD on disconnection (YetiSimulator).
                self.rcd_current_ma = 0.0;
            }
            Command::ErrorE => self.state = CarState::ErrorE,
            Command::DiodeFail => self.state = CarState::DiodeFail,
            Command::RcdCurrent { milliamps } => self.rcd_current_ma = milliamps,
            Command::SetSoc { percent } => {
                self.battery_wh = self.config.battery_capacity_wh * percent / 100.0;
            }
            Command::Plugin => {
                if self.config.plugin_commands.is_empty() {
                    warn!("car: plugin without plugin_commands configured; nothing to run");
                } else {
                    // EvManager runs plugin_commands as a modify_charging_session, which
                    // makes them its last_commands.
                    self.last_commands = self.config.plugin_commands.to_string();
                    self.queue = self.config.plugin_commands.0.clone().into();
                    self.sleep_steps_left = None;
                    return Outcome::Replaced;
                }
            }
        }
        Outcome::Done
    }
}

impl Car {
    /// The first plug-in command stores the plug-in and the script that did it, for
    /// keep_cross_boot_plugin_state.
    fn record_plug_in(&mut self) {
        if !self.plugged_in {
            self.plugged_in = true;
            self.plug_record = Some(PlugRecord::PluggedIn {
                commands: self.last_commands.clone(),
            });
        }
    }
}

enum Outcome {
    Done,
    Blocked,
    /// The queue was replaced: run its first command next.
    Replaced,
}

/// Whether a PWM offers energy as the car sees it (EvManager: strictly between 7 and 97 %).
fn pwm_offers_energy(duty_percent: f64) -> bool {
    duty_percent > 7.0 && duty_percent < 97.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t0: Instant, step: u32) -> Instant {
        t0 + LOOP_INTERVAL * step
    }

    #[test]
    fn sleep_blocks_for_its_seconds_in_steps() {
        let t0 = Instant::now();
        let mut car = Car::new(CarConfig::default());
        car.execute_str("sleep 1;unplug").unwrap();
        // sleep 1 = 5 steps, counting the one that starts it; the fifth runs `unplug` too.
        for step in 0..4 {
            car.tick(at(t0, step), 100.0);
            assert!(car.is_running(), "step {step}");
        }
        car.tick(at(t0, 4), 100.0);
        assert!(!car.is_running());
    }

    #[test]
    fn iec_wait_pwr_ready_plugs_in_and_waits_for_the_pwm() {
        let t0 = Instant::now();
        let mut car = Car::new(CarConfig::default());
        car.execute_str("iec_wait_pwr_ready;draw_power_regulated 16,3;sleep 10")
            .unwrap();
        car.tick(t0, 100.0);
        assert_eq!(car.state(), CarState::PluggedIn);
        assert!(car.signal().plugged && !car.signal().s2_closed);
        car.tick(at(t0, 1), 5.0);
        assert_eq!(car.state(), CarState::PluggedIn, "5 % is not energy");
        car.tick(at(t0, 2), 26.7);
        assert_eq!(car.state(), CarState::ChargingRegulated);
        assert!(car.signal().s2_closed);
        // The EVSE pauses: a regulated car goes back to B, a fixed one stays in C.
        car.tick(at(t0, 3), 100.0);
        assert!(!car.signal().s2_closed);
        car.modify(Script::parse("draw_power_fixed 10,1").unwrap())
            .unwrap();
        car.tick(at(t0, 4), 100.0);
        assert!(car.signal().s2_closed);
        assert_eq!(car.signal().draw.map(|d| d.regulated), Some(false));
    }

    #[test]
    fn execute_is_refused_while_running_and_bad_scripts_change_nothing() {
        let mut car = Car::new(CarConfig::default());
        car.execute_str("sleep 5").unwrap();
        assert_eq!(car.execute_str("unplug"), Err(CarError::Busy));
        let err = car.execute_str("sleep 1;iso_wait_pwr_ready").unwrap_err();
        assert!(err.to_string().contains("ISO 15118"), "{err}");
        car.cancel();
        let err = car.execute_str("pause;bogus").unwrap_err();
        assert!(err.to_string().contains("command 2 `bogus`"), "{err}");
        assert!(!car.is_running());
        assert_eq!(car.state(), CarState::Unplugged);
    }

    #[test]
    fn faults_rcd_soc_and_unplug() {
        let t0 = Instant::now();
        let mut car = Car::new(CarConfig::default());
        car.execute_str("iec_wait_pwr_ready;rcd_current 30;diode_fail;set_soc 50")
            .unwrap();
        car.tick(t0, 26.7);
        let s = car.signal();
        assert!(s.plugged && s.diode_fail && s.rcd_current_ma == 30.0);
        assert!((car.soc_percent() - 50.0).abs() < 1e-9);
        car.add_energy_wh(6000.0);
        assert!((car.soc_percent() - 60.0).abs() < 1e-9);
        car.add_energy_wh(1e9);
        assert!((car.soc_percent() - 100.0).abs() < 1e-9);
        car.execute_str("error_e").unwrap();
        car.tick(at(t0, 1), 26.7);
        assert!(car.signal().error_e);
        car.execute_str("unplug").unwrap();
        car.tick(at(t0, 2), 26.7);
        assert_eq!(car.signal(), EvSignal::default());
    }

    #[test]
    fn plug_in_and_unplug_are_recorded_once_with_the_running_script() {
        let t0 = Instant::now();
        let mut car = Car::new(CarConfig {
            plugin_commands: Script::parse("iec_wait_pwr_ready;pause").unwrap(),
            ..CarConfig::default()
        });
        car.execute_str("iec_wait_pwr_ready;draw_power_regulated 16,3")
            .unwrap();
        assert_eq!(car.take_plug_record(), None);
        car.tick(t0, 100.0);
        car.tick(at(t0, 1), 100.0); // still waiting for the PWM: not recorded again
        assert_eq!(
            car.take_plug_record(),
            Some(PlugRecord::PluggedIn {
                commands: "iec_wait_pwr_ready;draw_power_regulated 16,3".into()
            })
        );
        assert_eq!(car.take_plug_record(), None);
        car.tick(at(t0, 2), 100.0);
        assert_eq!(car.take_plug_record(), None);
        car.modify(Script::parse("unplug;unplug").unwrap()).unwrap();
        car.tick(at(t0, 3), 100.0);
        assert_eq!(car.take_plug_record(), Some(PlugRecord::Unplugged));
        // `plugin` records plugin_commands, what EvManager's last_commands then is.
        car.execute_str("plugin").unwrap();
        car.tick(at(t0, 4), 100.0);
        assert_eq!(
            car.take_plug_record(),
            Some(PlugRecord::PluggedIn {
                commands: "iec_wait_pwr_ready;pause".into()
            })
        );
        // A car resumed after a restart is plugged in already: nothing to record.
        let mut car = Car::new(CarConfig::default());
        car.resume_plugged_in(Script::parse("iec_wait_pwr_ready;sleep 60").unwrap());
        car.tick(t0, 100.0);
        assert_eq!(car.state(), CarState::PluggedIn);
        assert_eq!(car.take_plug_record(), None);
    }

    #[test]
    fn plugin_runs_plugin_commands_and_auto_exec_repeats() {
        let t0 = Instant::now();
        let config = CarConfig {
            plugin_commands: Script::parse("iec_wait_pwr_ready;pause").unwrap(),
            auto_exec: Some(Script::parse("plugin").unwrap()),
            ..CarConfig::default()
        };
        let mut car = Car::new(config);
        assert!(car.is_running(), "auto_exec starts at once");
        car.tick(t0, 50.0);
        assert_eq!(car.state(), CarState::PluggedIn);
        assert!(!car.is_running());

        let params = Parameters(vec![
            ("auto_exec", crate::ParamValue::Bool(true)),
            ("auto_exec_infinite", crate::ParamValue::Bool(true)),
            (
                "auto_exec_commands",
                crate::ParamValue::String("sleep 0.25".into()),
            ),
            ("plugin_commands", crate::ParamValue::String(String::new())),
            ("soc", crate::ParamValue::Integer(40)),
            ("dc_energy_capacity", crate::ParamValue::Integer(50000)),
        ]);
        let config = CarConfig::from_parameters(&params).unwrap();
        assert_eq!(config.battery_capacity_wh, 50000.0);
        let mut car = Car::new(config);
        for step in 0..10 {
            car.tick(at(t0, step), 100.0);
        }
        assert!(car.is_running(), "infinite auto_exec restarts");
        assert!((car.soc_percent() - 40.0).abs() < 1e-9);

        let bad = Parameters(vec![(
            "plugin_commands",
            crate::ParamValue::String("iso_wait_slac_matched".into()),
        )]);
        assert!(CarConfig::from_parameters(&bad).is_err());
    }
}
