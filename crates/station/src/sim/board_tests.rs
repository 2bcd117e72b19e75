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
    board.set_pwm(PwmOutput::F);
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
