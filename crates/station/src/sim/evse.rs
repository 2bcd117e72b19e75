//! One simulated EVSE: the board, the car and the EvseManager stepped together every
//! [`LOOP_INTERVAL`] (250 ms, EvManager's and YetiSimulator's loop).
//!
//! One step, at simulated time `t`: the EvseManager's outputs go to the board (so commands
//! given between steps act now); the car runs its script against the PWM it sees; the board
//! takes what the car presents, integrates its meter up to `t` and measures; the car's
//! battery takes the energy delivered; the EvseManager handles the board's events; its new
//! outputs go to the board, to switch at the next step like real relays.

use std::time::Instant;

use super::board::{Board, BoardConfig};
use super::car::{Car, CarConfig, LOOP_INTERVAL};
use super::evse_manager::{EvseManager, EvseManagerConfig};
use super::iso15118::{EvseView, Iso15118, Iso15118Config};
use super::script::{IsoSupport, ScriptError};
use super::session::SessionEvent;
use crate::Parameters;

/// The parameters of the three parts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimulatedEvseConfig {
    /// The board's (YetiSimulator).
    pub board: BoardConfig,
    /// The car's (EvManager).
    pub car: CarConfig,
    /// The EvseManager's.
    pub evse_manager: EvseManagerConfig,
    /// Its ISO 15118 parts (SlacSimulator, EvseV2G, PyEvJosev), if it has any.
    pub iso: Iso15118Config,
}

impl SimulatedEvseConfig {
    /// The config from the parameters of the three module instances; the EvseManager offers
    /// at most the board's maximum current.
    pub fn from_parameters(
        evse_manager: &Parameters,
        yeti_simulator: &Parameters,
        ev_manager: &Parameters,
    ) -> Result<Self, ScriptError> {
        Self::from_parameters_with(evse_manager, yeti_simulator, ev_manager, IsoSupport::NONE)
    }

    /// The same with a car whose `iso_` commands may use what `car_iso` says.
    pub fn from_parameters_with(
        evse_manager: &Parameters,
        yeti_simulator: &Parameters,
        ev_manager: &Parameters,
        car_iso: IsoSupport,
    ) -> Result<Self, ScriptError> {
        let board = BoardConfig::from_parameters(yeti_simulator);
        let evse_manager = EvseManagerConfig::from_parameters(evse_manager, board.max_current_a);
        Ok(SimulatedEvseConfig {
            car: CarConfig::from_parameters_with(ev_manager, car_iso)?,
            board,
            evse_manager,
            iso: Iso15118Config::default(),
        })
    }
}

/// A simulated EVSE. See the module docs.
#[derive(Debug, Clone)]
pub struct SimulatedEvse {
    board: Board,
    car: Car,
    evse_manager: EvseManager,
    iso: Iso15118,
    next_step: Option<Instant>,
    last_energy_wh: f64,
}

impl SimulatedEvse {
    /// An EVSE with nothing plugged in.
    pub fn new(config: SimulatedEvseConfig) -> Self {
        SimulatedEvse {
            board: Board::new(config.board),
            car: Car::new(config.car),
            evse_manager: EvseManager::new(config.evse_manager),
            iso: Iso15118::new(config.iso),
            next_step: None,
            last_energy_wh: 0.0,
        }
    }

    /// Runs every step due by `now` (the first at the first call).
    pub fn tick(&mut self, now: Instant) {
        let mut t = self.next_step.unwrap_or(now);
        while t <= now {
            self.step(t);
            t += LOOP_INTERVAL;
        }
        self.next_step = Some(t);
    }

    /// When the next step is due (`None` before the first tick).
    pub fn next_deadline(&self) -> Option<Instant> {
        self.next_step
    }

    /// The next session event, oldest first.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.evse_manager.poll_event()
    }

    /// The board.
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The board, to raise errors or override the meter.
    pub fn board_mut(&mut self) -> &mut Board {
        &mut self.board
    }

    /// The car.
    pub fn car(&self) -> &Car {
        &self.car
    }

    /// The car, to run scripts.
    pub fn car_mut(&mut self) -> &mut Car {
        &mut self.car
    }

    /// The EvseManager.
    pub fn evse_manager(&self) -> &EvseManager {
        &self.evse_manager
    }

    /// The EvseManager, for commands (they act at the next step).
    pub fn evse_manager_mut(&mut self) -> &mut EvseManager {
        &mut self.evse_manager
    }

    /// Its ISO 15118 parts.
    pub fn iso(&self) -> &Iso15118 {
        &self.iso
    }

    /// Its ISO 15118 parts, for the station's answers to the SECC.
    pub fn iso_mut(&mut self) -> &mut Iso15118 {
        &mut self.iso
    }

    fn step(&mut self, t: Instant) {
        self.apply_outputs();
        self.car.tick(t, self.board.pwm().duty_percent());
        let iso_calls = self.car.take_iso_calls();
        self.board.set_ev(self.car.signal());
        self.board.tick(t);

        let energy_wh = self.board.meter().energy_wh();
        // A register reset (plug-in) is not energy taken back from the battery.
        if energy_wh > self.last_energy_wh {
            self.car.add_energy_wh(energy_wh - self.last_energy_wh);
        }
        self.last_energy_wh = energy_wh;

        self.evse_manager.update_meter(energy_wh);
        self.evse_manager.tick(t);
        while let Some(event) = self.board.poll_event() {
            self.evse_manager.handle_board_event(event);
        }
        let pwm = self.board.pwm().duty_percent();
        let feedback = self.iso.step(
            iso_calls,
            EvseView {
                plugged: self.car.signal().plugged,
                slac_matched: false,
                transaction: self.evse_manager.transaction_active(),
                pwm_on: pwm > 7.0 && pwm < 97.0,
            },
        );
        self.car.set_iso_feedback(feedback);
        self.apply_outputs();
    }

    fn apply_outputs(&mut self) {
        let out = self.evse_manager.board_outputs();
        self.board.enable(out.enabled);
        self.board.set_pwm(out.pwm);
        self.board.allow_power_on(out.allow_power_on);
        self.board.set_locked(out.locked);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sim::errors::HardwareError;
    use crate::sim::evse_manager::EvseState;
    use crate::sim::session::{PauseReason, StartSessionReason, StopTransactionReason};

    fn drain(evse: &mut SimulatedEvse) -> Vec<SessionEvent> {
        std::iter::from_fn(|| evse.poll_event()).collect()
    }

    /// Runs until `until` (simulated), in 250 ms ticks.
    fn run(evse: &mut SimulatedEvse, t0: Instant, until: Duration) {
        let mut t = Duration::ZERO;
        while t <= until {
            evse.tick(t0 + t);
            t += LOOP_INTERVAL;
        }
    }

    #[test]
    fn end_to_end_plug_in_authorize_charge_30_s_unplug() {
        let t0 = Instant::now();
        let mut evse = SimulatedEvse::new(SimulatedEvseConfig::default());
        evse.tick(t0);
        evse.car_mut()
            .execute_str("sleep 1;iec_wait_pwr_ready;draw_power_regulated 16,3;sleep 30;unplug")
            .unwrap();
        run(&mut evse, t0, Duration::from_secs(2));
        assert_eq!(
            evse.evse_manager().state(),
            EvseState::WaitingForAuthentication
        );
        assert!(evse.board().locked());
        evse.evse_manager_mut().authorize("RFID1").unwrap();
        run(&mut evse, t0, Duration::from_secs(10));
        assert_eq!(evse.evse_manager().state(), EvseState::Charging);
        assert!(evse.board().relays_closed());
        let power = evse.board().meter().power_w();
        assert!((power - 3.0 * 230.0 * 16.0).abs() < 1e-6, "~11 kW: {power}");
        run(&mut evse, t0, Duration::from_secs(40));

        let events = drain(&mut evse);
        let Some(SessionEvent::TransactionFinished { meter_stop_wh, .. }) = events.get(5) else {
            panic!("{events:?}");
        };
        // 11040 W for the 30 s the car draws (give or take the tick its relays close in).
        assert!((meter_stop_wh - 92.0).abs() < 1.0, "{meter_stop_wh} Wh");
        assert_eq!(
            events,
            [
                SessionEvent::SessionStarted {
                    reason: StartSessionReason::EVConnected
                },
                SessionEvent::AuthRequired,
                SessionEvent::TransactionStarted {
                    id_tag: "RFID1".into(),
                    meter_start_wh: 0.0
                },
                SessionEvent::PrepareCharging,
                SessionEvent::ChargingStarted,
                SessionEvent::TransactionFinished {
                    reason: StopTransactionReason::EVDisconnected,
                    meter_stop_wh: *meter_stop_wh,
                    id_tag: None
                },
                SessionEvent::SessionFinished,
            ]
        );
        assert!((evse.board().meter().energy_wh() - meter_stop_wh).abs() < 1e-9);
        assert!(!evse.car().is_running());
        assert!(!evse.board().locked() && !evse.board().relays_closed());
        // The battery took what the meter counted: 30 % of 60 kWh + 92 Wh.
        let soc = evse.car().soc_percent();
        assert!((soc - (30.0 + meter_stop_wh / 600.0)).abs() < 1e-9, "{soc}");
    }

    #[test]
    fn swipe_first_evse_pause_limit_and_car_pause() {
        let t0 = Instant::now();
        let mut evse = SimulatedEvse::new(SimulatedEvseConfig::default());
        evse.tick(t0);
        evse.evse_manager_mut().authorize("RFID1").unwrap();
        evse.evse_manager_mut().set_external_limit(Some(10.0));
        evse.car_mut()
            .execute_str("iec_wait_pwr_ready;draw_power_regulated 16,1;sleep 5;pause;sleep 5;draw_power_regulated 16,1;sleep 100")
            .unwrap();
        run(&mut evse, t0, Duration::from_secs(2));
        assert_eq!(evse.evse_manager().state(), EvseState::Charging);
        let current = evse.board().meter().reading().current_a;
        assert_eq!(current, [10.0, 0.0, 0.0], "limited to 10 A, one phase");
        run(&mut evse, t0, Duration::from_secs(7));
        assert_eq!(evse.evse_manager().state(), EvseState::ChargingPausedEV);
        assert!(!evse.board().relays_closed());
        run(&mut evse, t0, Duration::from_secs(12));
        assert_eq!(evse.evse_manager().state(), EvseState::Charging);
        evse.evse_manager_mut().pause_charging().unwrap();
        run(&mut evse, t0, Duration::from_secs(14));
        assert_eq!(evse.evse_manager().state(), EvseState::ChargingPausedEVSE);
        assert_eq!(evse.board().meter().power_w(), 0.0);
        assert!(!evse.car().signal().s2_closed, "the car sees no PWM");
        evse.evse_manager_mut().resume_charging().unwrap();
        run(&mut evse, t0, Duration::from_secs(16));
        assert_eq!(evse.evse_manager().state(), EvseState::Charging);
        evse.evse_manager_mut()
            .stop_transaction(StopTransactionReason::Remote, None)
            .unwrap();
        run(&mut evse, t0, Duration::from_secs(17));
        assert_eq!(evse.evse_manager().state(), EvseState::Finished);
        assert_eq!(evse.board().meter().power_w(), 0.0);
        let events = drain(&mut evse);
        let names: Vec<String> = events
            .iter()
            .map(|e| {
                format!("{e:?}")
                    .split([' ', '{', '('])
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "SessionStarted",
                "TransactionStarted",
                "PrepareCharging",
                "ChargingStarted",
                "ChargingPausedEV",
                "ChargingResumed",
                "ChargingPausedEVSE",
                "ChargingResumed",
                "TransactionFinished",
            ]
        );
        assert!(events.contains(&SessionEvent::ChargingPausedEVSE {
            reasons: vec![PauseReason::UserPause]
        }));
    }

    #[test]
    fn rcd_fault_from_the_car_pauses_and_clears_on_unplug() {
        let t0 = Instant::now();
        let mut evse = SimulatedEvse::new(SimulatedEvseConfig::default());
        evse.tick(t0);
        evse.evse_manager_mut().authorize("RFID1").unwrap();
        evse.car_mut()
            .execute_str("iec_wait_pwr_ready;draw_power_regulated 16,3;sleep 2;rcd_current 30;sleep 2;unplug")
            .unwrap();
        run(&mut evse, t0, Duration::from_millis(3500));
        assert!(evse.evse_manager().is_faulted());
        assert_eq!(evse.evse_manager().state(), EvseState::ChargingPausedEVSE);
        assert!(!evse.board().relays_closed());
        run(&mut evse, t0, Duration::from_secs(8));
        let events = drain(&mut evse);
        assert!(events.contains(&SessionEvent::Error {
            error: HardwareError::RCD_DC
        }));
        // The unplug ends the session, and takes the car's leak with it.
        assert_eq!(
            &events[events.len() - 3..],
            [
                SessionEvent::TransactionFinished {
                    reason: StopTransactionReason::EVDisconnected,
                    meter_stop_wh: evse.board().meter().energy_wh(),
                    id_tag: None
                },
                SessionEvent::SessionFinished,
                SessionEvent::ErrorCleared {
                    error: HardwareError::RCD_DC
                },
            ]
        );
        assert!(!evse.evse_manager().is_faulted());
    }

    #[test]
    fn diode_fault_and_state_e_fault_the_evse() {
        for (fault, error) in [
            ("diode_fail", HardwareError::DIODE_FAULT),
            ("error_e", HardwareError::PILOT_FAULT),
        ] {
            let t0 = Instant::now();
            let mut evse = SimulatedEvse::new(SimulatedEvseConfig::default());
            evse.tick(t0);
            evse.evse_manager_mut().authorize("RFID1").unwrap();
            let script = format!(
                "iec_wait_pwr_ready;draw_power_regulated 16,3;sleep 2;{fault};sleep 2;unplug"
            );
            evse.car_mut().execute_str(&script).unwrap();
            run(&mut evse, t0, Duration::from_millis(3000));
            assert!(evse.evse_manager().is_faulted(), "{fault}");
            assert!(evse.board().is_error_active(error), "{fault}");
            assert_eq!(evse.board().meter().power_w(), 0.0, "{fault}");
            assert_eq!(
                evse.evse_manager().state(),
                EvseState::ChargingPausedEVSE,
                "{fault}"
            );
            run(&mut evse, t0, Duration::from_secs(6));
            assert!(
                !evse.evse_manager().is_faulted(),
                "{fault}: cleared by the unplug"
            );
            let events = drain(&mut evse);
            assert!(events.contains(&SessionEvent::Error { error }), "{fault}");
            assert!(events.contains(&SessionEvent::SessionFinished), "{fault}");
            assert_eq!(evse.evse_manager().state(), EvseState::Idle);
        }
    }

    /// An EVSE charging RFID1's transaction at 11 kW by `t0` + 3 s, its events drained.
    fn charging_evse(t0: Instant) -> SimulatedEvse {
        let mut evse = SimulatedEvse::new(SimulatedEvseConfig::default());
        evse.tick(t0);
        evse.evse_manager_mut().authorize("RFID1").unwrap();
        evse.car_mut()
            .execute_str("iec_wait_pwr_ready;draw_power_regulated 16,3")
            .unwrap();
        run(&mut evse, t0, Duration::from_secs(3));
        assert_eq!(evse.evse_manager().state(), EvseState::Charging);
        drain(&mut evse);
        evse
    }

    /// Runs from second `from` to second `to` (simulated, after `t0`), in 250 ms ticks.
    fn run_span(evse: &mut SimulatedEvse, t0: Instant, from: u64, to: u64) {
        let mut t = Duration::from_secs(from);
        while t <= Duration::from_secs(to) {
            evse.tick(t0 + t);
            t += LOOP_INTERVAL;
        }
    }

    #[test]
    fn errors_raised_by_hand_pause_the_transaction_until_cleared_by_hand() {
        // One of each family: board (the three the board also detects, and an MREC one),
        // RCD, connector lock, power meter.
        for name in [
            "ac_rcd/DC",
            "evse_board_support/DiodeFault",
            "evse_board_support/MREC14PilotFault",
            "evse_board_support/MREC4OverCurrentFailure",
            "connector_lock/ConnectorLockFailedLock",
            "powermeter/CommunicationFault",
        ] {
            let error = HardwareError::from_name(name).unwrap();
            let t0 = Instant::now();
            let mut evse = charging_evse(t0);
            evse.board_mut().raise_error(error);
            run_span(&mut evse, t0, 3, 5);
            let energy = evse.board().meter().energy_wh();
            // 15 s more: a car that causes none of it does not clear it.
            run_span(&mut evse, t0, 5, 20);
            assert!(evse.board().is_error_active(error), "{name}");
            assert!(evse.evse_manager().is_faulted(), "{name}");
            assert_eq!(
                evse.evse_manager().state(),
                EvseState::ChargingPausedEVSE,
                "{name}"
            );
            assert!(evse.evse_manager().transaction_active(), "{name}");
            assert_eq!(evse.board().meter().power_w(), 0.0, "{name}");
            assert_eq!(evse.board().meter().energy_wh(), energy, "{name}");
            evse.board_mut().clear_error(error);
            run_span(&mut evse, t0, 20, 21);
            assert_eq!(evse.evse_manager().state(), EvseState::Charging, "{name}");
            assert!(evse.board().meter().power_w() > 11_000.0, "{name}");
            assert_eq!(
                drain(&mut evse),
                [
                    SessionEvent::Error { error },
                    SessionEvent::ChargingPausedEVSE {
                        reasons: vec![PauseReason::Error]
                    },
                    SessionEvent::ErrorCleared { error },
                    SessionEvent::ChargingResumed,
                ],
                "{name}"
            );
        }
    }

    #[test]
    fn a_warning_raised_by_hand_lets_the_energy_flow() {
        for name in [
            "evse_board_support/MREC3HighTemperature",
            "evse_board_support/MREC18CableOverTempDerate",
            "evse_board_support/VendorWarning",
            "ac_rcd/VendorWarning",
        ] {
            let error = HardwareError::from_name(name).unwrap();
            let t0 = Instant::now();
            let mut evse = charging_evse(t0);
            evse.board_mut().raise_error(error);
            run_span(&mut evse, t0, 3, 10);
            assert!(evse.board().is_error_active(error), "{name}");
            assert!(!evse.evse_manager().is_faulted(), "{name}");
            assert_eq!(evse.evse_manager().state(), EvseState::Charging, "{name}");
            assert!(evse.board().meter().power_w() > 11_000.0, "{name}");
            evse.board_mut().clear_error(error);
            run_span(&mut evse, t0, 10, 11);
            assert_eq!(
                drain(&mut evse),
                [
                    SessionEvent::Error { error },
                    SessionEvent::ErrorCleared { error }
                ],
                "{name}"
            );
        }
    }

    #[test]
    fn errors_the_car_causes_follow_the_car() {
        // RCD: the leak stops, the transaction resumes, no unplug needed.
        let t0 = Instant::now();
        let mut evse = charging_evse(t0);
        evse.car_mut()
            .execute_str("rcd_current 30;sleep 5;rcd_current 0;sleep 10")
            .unwrap();
        run_span(&mut evse, t0, 3, 7);
        assert!(evse.evse_manager().is_faulted());
        run_span(&mut evse, t0, 7, 10);
        assert!(!evse.evse_manager().is_faulted());
        assert_eq!(evse.evse_manager().state(), EvseState::Charging);
        let rcd = HardwareError::RCD_DC;
        assert_eq!(
            drain(&mut evse),
            [
                SessionEvent::Error { error: rcd },
                SessionEvent::ChargingPausedEVSE {
                    reasons: vec![PauseReason::Error]
                },
                SessionEvent::ErrorCleared { error: rcd },
                SessionEvent::ChargingResumed,
            ]
        );

        // State E: the fault lasts while the pilot is in E (one raise, not one per F
        // phase), and goes with it.
        let mut evse = charging_evse(t0);
        evse.car_mut()
            .execute_str("error_e;sleep 5;draw_power_regulated 16,3")
            .unwrap();
        run_span(&mut evse, t0, 3, 7);
        assert!(evse.board().is_error_active(HardwareError::PILOT_FAULT));
        run_span(&mut evse, t0, 7, 10);
        assert_eq!(evse.evse_manager().state(), EvseState::Charging);
        let pilot = HardwareError::PILOT_FAULT;
        assert_eq!(
            drain(&mut evse),
            [
                SessionEvent::Error { error: pilot },
                SessionEvent::ChargingPausedEVSE {
                    reasons: vec![PauseReason::Error]
                },
                SessionEvent::ErrorCleared { error: pilot },
                SessionEvent::ChargingResumed,
            ]
        );
    }

    #[test]
    fn config_from_module_parameters() {
        let ev = Parameters(vec![(
            "plugin_commands",
            crate::ParamValue::String("iso_wait_slac_matched".into()),
        )]);
        let err = SimulatedEvseConfig::from_parameters(
            &Parameters::default(),
            &Parameters::default(),
            &ev,
        )
        .unwrap_err();
        assert!(err.to_string().contains("ISO 15118"));
        let c = SimulatedEvseConfig::from_parameters(
            &Parameters::default(),
            &Parameters::default(),
            &Parameters::default(),
        )
        .unwrap();
        assert_eq!(c.evse_manager.max_current_a, 32.0);
    }
}
