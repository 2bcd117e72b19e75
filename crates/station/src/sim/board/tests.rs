//! Tests of the simulated board.
use std::time::Duration;

use super::*;

fn events(board: &mut Board) -> Vec<BoardEvent> {
    std::iter::from_fn(|| board.poll_event()).collect()
}

fn charging_car(amps: f64, regulated: bool) -> EvSignal {
    EvSignal {
        plugged: true,
        s2_closed: true,
        draw: Some(Draw {
            current_a: amps,
            phases: 3,
            regulated,
        }),
        ..EvSignal::default()
    }
}

#[test]
fn pilot_states_from_the_car() {
    let t0 = Instant::now();
    let mut board = Board::new(BoardConfig::default());
    board.tick(t0);
    assert_eq!(events(&mut board), [BoardEvent::Cp(CpState::A)]);
    let mut ev = EvSignal {
        plugged: true,
        ..EvSignal::default()
    };
    board.set_ev(ev);
    board.tick(t0);
    assert_eq!(board.cp_state(), CpState::B);
    ev.s2_closed = true;
    board.set_ev(ev);
    board.tick(t0);
    assert_eq!(board.cp_state(), CpState::C);
    ev.ventilation = true;
    board.set_ev(ev);
    board.tick(t0);
    assert_eq!(board.cp_state(), CpState::D);
    ev.error_e = true;
    board.set_ev(ev);
    board.tick(t0);
    assert_eq!(board.cp_state(), CpState::E);
    assert!(board.is_error_active(HardwareError::PILOT_FAULT));
    // A shorted pilot reads 0 V even while the EVSE drives F.
    board.set_pwm(PwmOutput::F);
    board.tick(t0);
    assert_eq!(board.cp_state(), CpState::E);
    assert!(board.is_error_active(HardwareError::PILOT_FAULT));
    ev.error_e = false;
    board.set_ev(ev);
    board.tick(t0);
    assert_eq!(board.cp_state(), CpState::F);
    assert!(!board.is_error_active(HardwareError::PILOT_FAULT));
    board.set_pwm(PwmOutput::Off);
    board.enable(false);
    board.tick(t0);
    assert_eq!(board.cp_state(), CpState::F, "disabled shows F");
    assert_eq!(board.pwm(), PwmOutput::F);
}

#[test]
fn relays_follow_allow_power_on_pwm_and_state_c() {
    let t0 = Instant::now();
    let mut board = Board::new(BoardConfig::default());
    board.set_ev(charging_car(16.0, true));
    board.tick(t0);
    assert!(!board.relays_closed(), "no PWM yet");
    board.set_pwm(PwmOutput::offering(16.0));
    board.allow_power_on(true);
    board.tick(t0);
    assert!(board.relays_closed());
    assert!((board.meter().power_w() - 3.0 * 230.0 * 16.0).abs() < 1e-6);
    board.allow_power_on(false);
    board.tick(t0);
    let evs = events(&mut board);
    assert_eq!(
        &evs[evs.len() - 2..],
        [BoardEvent::PowerOn, BoardEvent::PowerOff]
    );
    assert_eq!(board.meter().power_w(), 0.0);
}

#[test]
fn regulated_car_draws_at_most_the_offer_fixed_car_draws_its_own() {
    let t0 = Instant::now();
    let mut board = Board::new(BoardConfig::default());
    board.set_pwm(PwmOutput::offering(10.0));
    board.allow_power_on(true);
    board.set_ev(charging_car(16.0, true));
    board.tick(t0);
    assert!((board.meter().reading().current_a[0] - 10.0).abs() < 1e-9);
    board.set_ev(charging_car(16.0, false));
    board.tick(t0);
    assert!((board.meter().reading().current_a[2] - 16.0).abs() < 1e-9);
    board.set_ev(EvSignal {
        draw: Some(Draw {
            current_a: 16.0,
            phases: 1,
            regulated: true,
        }),
        ..charging_car(0.0, true)
    });
    board.tick(t0);
    assert_eq!(board.meter().reading().current_a[1], 0.0, "single phase");
}

#[test]
fn meter_integrates_and_resets_on_plug_in() {
    let t0 = Instant::now();
    let mut board = Board::new(BoardConfig::default());
    board.set_pwm(PwmOutput::offering(16.0));
    board.allow_power_on(true);
    board.tick(t0);
    board.set_ev(charging_car(16.0, true));
    for k in 1..=4 * 60 {
        board.tick(t0 + Duration::from_millis(250) * k);
    }
    // One tick to plug in (reset) and one to close the relays, then 239 ticks of 11040 W.
    let expected = 11040.0 * 239.0 * 0.25 / 3600.0;
    assert!((board.meter().energy_wh() - expected).abs() < 1e-9);
    board.set_ev(EvSignal::default());
    board.tick(t0 + Duration::from_secs(61));
    board.set_ev(charging_car(16.0, true));
    board.tick(t0 + Duration::from_secs(62));
    assert_eq!(board.meter().energy_wh(), 0.0, "reset on A → B/C");
}

#[test]
fn rcd_trips_opens_relays_and_clears() {
    let t0 = Instant::now();
    let mut board = Board::new(BoardConfig::default());
    board.set_pwm(PwmOutput::offering(16.0));
    board.allow_power_on(true);
    let mut ev = charging_car(16.0, true);
    board.set_ev(ev);
    board.tick(t0);
    assert!(board.relays_closed());
    ev.rcd_current_ma = 30.0;
    board.set_ev(ev);
    board.tick(t0);
    assert!(!board.relays_closed());
    assert!(events(&mut board).contains(&BoardEvent::ErrorRaised(HardwareError::RCD_DC)));
    ev.rcd_current_ma = 0.0;
    board.set_ev(ev);
    board.tick(t0);
    assert!(board.relays_closed());
    assert!(events(&mut board).contains(&BoardEvent::ErrorCleared(HardwareError::RCD_DC)));
}

#[test]
fn diode_fault_needs_pwm_and_clears_on_unplug() {
    let t0 = Instant::now();
    let mut board = Board::new(BoardConfig::default());
    let ev = EvSignal {
        plugged: true,
        diode_fail: true,
        ..EvSignal::default()
    };
    board.set_ev(ev);
    board.tick(t0);
    assert!(!board.is_error_active(HardwareError::DIODE_FAULT));
    board.set_pwm(PwmOutput::offering(16.0));
    board.tick(t0);
    assert!(board.is_error_active(HardwareError::DIODE_FAULT));
    board.set_ev(EvSignal::default());
    board.tick(t0);
    assert!(!board.is_error_active(HardwareError::DIODE_FAULT));
    // Raised by hand, it stays until cleared by hand.
    let e = HardwareError::from_name("MREC8EmergencyStop").unwrap();
    board.raise_error(e);
    board.raise_error(e);
    board.tick(t0);
    assert!(board.is_error_active(e));
    board.clear_error(e);
    let evs = events(&mut board);
    assert_eq!(
        evs.iter()
            .filter(|x| **x == BoardEvent::ErrorRaised(e))
            .count(),
        1
    );
    assert!(evs.contains(&BoardEvent::ErrorCleared(e)));
}

#[test]
fn config_from_parameters() {
    let params = Parameters(vec![(
        "reset_powermeter_on_session_start",
        crate::ParamValue::Bool(false),
    )]);
    assert!(!BoardConfig::from_parameters(&params).reset_powermeter_on_session_start);
    assert!(BoardConfig::from_parameters(&Parameters::default()).reset_powermeter_on_session_start);
}

/// Ticks `board` `n` times, 250 ms apart from `t0`, and returns the error events on the way.
fn error_events(board: &mut Board, t0: Instant, n: u32) -> Vec<BoardEvent> {
    let mut out = Vec::new();
    for k in 0..n {
        board.tick(t0 + Duration::from_millis(250) * k);
        out.extend(
            events(board)
                .into_iter()
                .filter(|e| matches!(e, BoardEvent::ErrorRaised(_) | BoardEvent::ErrorCleared(_))),
        );
    }
    out
}

/// A board offering 16 A to a car charging on it.
fn charging_board(t0: Instant) -> (Board, EvSignal) {
    let mut board = Board::new(BoardConfig::default());
    board.set_pwm(PwmOutput::offering(16.0));
    board.allow_power_on(true);
    let ev = charging_car(16.0, true);
    board.set_ev(ev);
    board.tick(t0);
    assert!(board.relays_closed());
    events(&mut board);
    (board, ev)
}

#[test]
fn errors_raised_from_outside_stay_until_cleared_from_outside() {
    // The user's bug: an ac_rcd/DC raised by the control API was cleared by the next tick,
    // since the car leaks nothing; the same for a pilot fault outside E.
    for error in [
        HardwareError::RCD_DC,
        HardwareError::DIODE_FAULT,
        HardwareError::PILOT_FAULT,
        HardwareError::from_name("connector_lock/MREC1ConnectorLockFailure").unwrap(),
        HardwareError::from_name("powermeter/CommunicationFault").unwrap(),
    ] {
        let t0 = Instant::now();
        let (mut board, _) = charging_board(t0);
        board.raise_error(error);
        // 100 ticks: 25 s of a car that causes none of it.
        assert_eq!(
            error_events(&mut board, t0, 100),
            [BoardEvent::ErrorRaised(error)],
            "{error}"
        );
        assert!(board.is_error_active(error), "{error}");
        assert_eq!(board.active_errors().collect::<Vec<_>>(), [error]);
        // Not even the car leaving clears it.
        board.set_ev(EvSignal::default());
        assert!(error_events(&mut board, t0, 8).is_empty(), "{error}");
        assert!(board.is_error_active(error), "{error}: unplugged");
        board.clear_error(error);
        board.clear_error(error);
        assert_eq!(
            error_events(&mut board, t0, 4),
            [BoardEvent::ErrorCleared(error)],
            "{error}"
        );
        assert!(!board.is_error_active(error));
    }
}

#[test]
fn manual_rcd_and_diode_faults_keep_the_relays_open_until_cleared() {
    for error in [HardwareError::RCD_DC, HardwareError::DIODE_FAULT] {
        let t0 = Instant::now();
        let (mut board, _) = charging_board(t0);
        board.raise_error(error);
        error_events(&mut board, t0, 20);
        assert!(!board.relays_closed(), "{error}");
        assert_eq!(board.meter().power_w(), 0.0, "{error}");
        board.clear_error(error);
        board.tick(t0);
        assert!(board.relays_closed(), "{error}");
    }
}

#[test]
fn rcd_from_the_car_follows_its_leak_and_its_unplug() {
    let t0 = Instant::now();
    let (mut board, mut ev) = charging_board(t0);
    let rcd = HardwareError::RCD_DC;
    ev.rcd_current_ma = RCD_TRIP_MA; // at the threshold: not yet
    board.set_ev(ev);
    assert!(error_events(&mut board, t0, 4).is_empty());
    ev.rcd_current_ma = 30.0;
    board.set_ev(ev);
    assert_eq!(
        error_events(&mut board, t0, 20),
        [BoardEvent::ErrorRaised(rcd)]
    );
    ev.rcd_current_ma = 2.0;
    board.set_ev(ev);
    assert_eq!(
        error_events(&mut board, t0, 4),
        [BoardEvent::ErrorCleared(rcd)]
    );
    // Leaking again, then unplugged (with a signal that still says it leaks).
    ev.rcd_current_ma = 30.0;
    board.set_ev(ev);
    error_events(&mut board, t0, 2);
    board.set_ev(EvSignal {
        rcd_current_ma: 30.0,
        ..EvSignal::default()
    });
    assert_eq!(
        error_events(&mut board, t0, 2),
        [BoardEvent::ErrorCleared(rcd)]
    );
}

#[test]
fn pilot_fault_from_the_car_lasts_while_the_pilot_is_in_e() {
    let t0 = Instant::now();
    let (mut board, mut ev) = charging_board(t0);
    let pilot = HardwareError::PILOT_FAULT;
    ev.error_e = true;
    board.set_ev(ev);
    assert_eq!(
        error_events(&mut board, t0, 1),
        [BoardEvent::ErrorRaised(pilot)]
    );
    // What the EvseManager does on the fault: F, then X1. The fault stays all along.
    board.set_pwm(PwmOutput::F);
    assert!(error_events(&mut board, t0, 2).is_empty());
    board.set_pwm(PwmOutput::Off);
    assert!(error_events(&mut board, t0, 20).is_empty());
    assert!(board.is_error_active(pilot));
    ev.error_e = false;
    board.set_ev(ev);
    assert_eq!(
        error_events(&mut board, t0, 2),
        [BoardEvent::ErrorCleared(pilot)]
    );
}

#[test]
fn raised_by_hand_and_detected_the_error_is_active_while_either_holds_it() {
    let t0 = Instant::now();
    let (mut board, mut ev) = charging_board(t0);
    let rcd = HardwareError::RCD_DC;
    // By hand first; the car's leak comes and goes underneath: one raise, no clear.
    board.raise_error(rcd);
    ev.rcd_current_ma = 30.0;
    board.set_ev(ev);
    error_events(&mut board, t0, 1);
    ev.rcd_current_ma = 0.0;
    board.set_ev(ev);
    assert!(error_events(&mut board, t0, 10).is_empty());
    assert!(
        board.is_error_active(rcd),
        "the detector left the manual one"
    );
    // The car leaks again, and the manual raise is cleared: still active.
    ev.rcd_current_ma = 30.0;
    board.set_ev(ev);
    error_events(&mut board, t0, 1);
    board.clear_error(rcd);
    assert!(error_events(&mut board, t0, 10).is_empty());
    assert!(
        board.is_error_active(rcd),
        "the manual clear left the detected one"
    );
    assert_eq!(board.active_errors().collect::<Vec<_>>(), [rcd]);
    ev.rcd_current_ma = 0.0;
    board.set_ev(ev);
    assert_eq!(
        error_events(&mut board, t0, 2),
        [BoardEvent::ErrorCleared(rcd)]
    );

    // The same with the diode: detected first, raised by hand too, the car leaves.
    let diode = HardwareError::DIODE_FAULT;
    ev.diode_fail = true;
    board.set_ev(ev);
    assert_eq!(
        error_events(&mut board, t0, 2),
        [BoardEvent::ErrorRaised(diode)]
    );
    board.raise_error(diode);
    board.set_ev(EvSignal::default());
    assert!(error_events(&mut board, t0, 4).is_empty());
    assert!(
        board.is_error_active(diode),
        "held by hand after the unplug"
    );
    board.clear_error(diode);
    assert_eq!(
        error_events(&mut board, t0, 1),
        [BoardEvent::ErrorCleared(diode)]
    );
}
