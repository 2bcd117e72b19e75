//! Tests of the EvseManager session state machine, driven by board events by hand.

use std::time::Duration;

use super::*;
use crate::sim::session::SessionEvent as E;
use crate::Parameters;

fn drain(evse: &mut EvseManager) -> Vec<SessionEvent> {
    std::iter::from_fn(|| evse.poll_event()).collect()
}

fn cp(evse: &mut EvseManager, state: CpState) {
    evse.handle_board_event(BoardEvent::Cp(state));
}

fn started(id: &str) -> SessionEvent {
    E::TransactionStarted {
        id_tag: id.into(),
        meter_start_wh: 0.0,
    }
}

fn evse() -> EvseManager {
    let mut evse = EvseManager::new(EvseManagerConfig::default());
    cp(&mut evse, CpState::A);
    evse
}

#[test]
fn plug_first_then_authorize_charge_and_unplug() {
    let mut evse = evse();
    cp(&mut evse, CpState::B);
    assert_eq!(evse.state(), EvseState::WaitingForAuthentication);
    assert!(evse.board_outputs().locked, "locked in B");
    assert_eq!(evse.board_outputs().pwm, PwmOutput::Off);
    evse.authorize("TAG1").unwrap();
    assert_eq!(evse.state(), EvseState::PrepareCharging);
    let out = evse.board_outputs();
    assert_eq!(out.pwm, PwmOutput::offering(32.0));
    assert!(out.allow_power_on);
    cp(&mut evse, CpState::C);
    assert_eq!(evse.state(), EvseState::Charging);
    evse.update_meter(12.5);
    cp(&mut evse, CpState::B);
    cp(&mut evse, CpState::C);
    cp(&mut evse, CpState::A);
    assert_eq!(evse.state(), EvseState::Idle);
    assert!(!evse.board_outputs().locked);
    assert_eq!(
        drain(&mut evse),
        [
            E::SessionStarted {
                reason: StartSessionReason::EVConnected
            },
            E::AuthRequired,
            started("TAG1"),
            E::PrepareCharging,
            E::ChargingStarted,
            E::ChargingPausedEV,
            E::ChargingResumed,
            E::TransactionFinished {
                reason: StopTransactionReason::EVDisconnected,
                meter_stop_wh: 12.5,
                id_tag: None
            },
            E::SessionFinished,
        ]
    );
}

#[test]
fn swipe_first_then_plug_in_and_withdraw() {
    let mut evse = evse();
    evse.authorize("TAG1").unwrap();
    assert_eq!(evse.state(), EvseState::WaitingForPlugIn);
    evse.authorize("TAG2").unwrap();
    cp(&mut evse, CpState::B);
    assert_eq!(
        drain(&mut evse),
        [
            E::SessionStarted {
                reason: StartSessionReason::Authorized
            },
            started("TAG2"),
            E::PrepareCharging,
        ]
    );
    assert_eq!(evse.authorize("TAG3"), Err(EvseError::TransactionRunning));
    cp(&mut evse, CpState::A);
    drain(&mut evse);

    // ConnectionTimeOut: the authorization is withdrawn and its session ends.
    evse.authorize("TAG1").unwrap();
    evse.withdraw_authorization().unwrap();
    assert_eq!(evse.state(), EvseState::Idle);
    assert_eq!(drain(&mut evse).last(), Some(&E::SessionFinished));
    assert_eq!(evse.withdraw_authorization(), Err(EvseError::NotAuthorized));
}

#[test]
fn stop_by_command_then_finishing_until_unplug() {
    let mut evse = evse();
    cp(&mut evse, CpState::B);
    evse.authorize("TAG1").unwrap();
    cp(&mut evse, CpState::C);
    drain(&mut evse);
    evse.stop_transaction(StopTransactionReason::Remote, None)
        .unwrap();
    assert_eq!(evse.state(), EvseState::Finished);
    let out = evse.board_outputs();
    assert_eq!(out.pwm, PwmOutput::Off);
    assert!(!out.allow_power_on && !out.locked);
    assert_eq!(evse.authorize("TAG1"), Err(EvseError::ReplugRequired));
    assert_eq!(
        evse.stop_transaction(StopTransactionReason::Local, None),
        Err(EvseError::NoTransaction)
    );
    cp(&mut evse, CpState::B);
    cp(&mut evse, CpState::A);
    assert_eq!(
        drain(&mut evse),
        [
            E::TransactionFinished {
                reason: StopTransactionReason::Remote,
                meter_stop_wh: 0.0,
                id_tag: None
            },
            E::SessionFinished
        ]
    );
}

#[test]
fn evse_pause_resume_and_energy_limit() {
    let mut evse = evse();
    cp(&mut evse, CpState::B);
    evse.authorize("TAG1").unwrap();
    cp(&mut evse, CpState::C);
    drain(&mut evse);
    evse.pause_charging().unwrap();
    assert_eq!(evse.state(), EvseState::ChargingPausedEVSE);
    assert_eq!(evse.board_outputs().pwm, PwmOutput::Off);
    cp(&mut evse, CpState::B); // the car reacts to the PWM going off
    evse.resume_charging().unwrap();
    assert_eq!(
        evse.state(),
        EvseState::Charging,
        "resumed as EVerest does: offered, the car in B follows"
    );
    assert!(evse.board_outputs().pwm.is_running());
    cp(&mut evse, CpState::C);
    assert_eq!(evse.state(), EvseState::Charging);
    assert_eq!(evse.resume_charging(), Err(EvseError::NotPausedByEvse));

    evse.set_external_limit(Some(10.0));
    assert_eq!(evse.board_outputs().pwm, PwmOutput::offering(10.0));
    assert_eq!(evse.offered_current_a(), 10.0);
    evse.set_external_limit(Some(0.0));
    assert_eq!(evse.state(), EvseState::ChargingPausedEVSE);
    evse.pause_charging().unwrap();
    evse.set_external_limit(None);
    assert_eq!(
        evse.state(),
        EvseState::ChargingPausedEVSE,
        "still paused by user"
    );
    evse.resume_charging().unwrap();
    assert_eq!(evse.state(), EvseState::Charging);
    assert_eq!(
        drain(&mut evse),
        [
            E::ChargingPausedEVSE {
                reasons: vec![PauseReason::UserPause]
            },
            E::ChargingResumed,
            E::ChargingPausedEVSE {
                reasons: vec![PauseReason::NoEnergy]
            },
            E::ChargingResumed,
        ]
    );
    // A limit of 0 before the car draws: transaction starts, energy is not offered.
    let mut evse = self::evse();
    evse.set_external_limit(Some(0.0));
    cp(&mut evse, CpState::B);
    evse.authorize("TAG1").unwrap();
    assert_eq!(evse.state(), EvseState::ChargingPausedEVSE);
    assert!(!evse.board_outputs().pwm.is_running());
}

/// An EvseManager charging since `t0` (car in C, authorized), its events drained.
fn charging_since(t0: Instant) -> EvseManager {
    let mut evse = evse();
    evse.tick(t0);
    cp(&mut evse, CpState::B);
    evse.authorize("TAG1").unwrap();
    cp(&mut evse, CpState::C);
    drain(&mut evse);
    evse
}

#[test]
fn faults_pause_with_f_then_resume_when_cleared() {
    let t0 = Instant::now();
    let mut evse = charging_since(t0);
    let e = HardwareError::RCD_DC;
    evse.handle_board_event(BoardEvent::ErrorRaised(e));
    assert!(evse.is_faulted());
    assert_eq!(evse.state(), EvseState::ChargingPausedEVSE);
    let out = evse.board_outputs();
    assert_eq!(out.pwm, PwmOutput::F);
    assert!(!out.allow_power_on);
    evse.tick(t0 + Duration::from_millis(300));
    assert_eq!(
        evse.board_outputs().pwm,
        PwmOutput::Off,
        "F for 300 ms, then X1"
    );
    cp(&mut evse, CpState::B);
    evse.handle_board_event(BoardEvent::ErrorCleared(e));
    assert!(!evse.is_faulted());
    // Resumed at once, the car still in B: no ChargingPausedEV in between (EVerest).
    assert_eq!(evse.state(), EvseState::Charging);
    assert!(evse.board_outputs().allow_power_on);
    assert_eq!(evse.board_outputs().pwm, PwmOutput::offering(32.0));
    cp(&mut evse, CpState::C);
    assert_eq!(
        drain(&mut evse),
        [
            E::Error { error: e },
            E::ChargingPausedEVSE {
                reasons: vec![PauseReason::Error]
            },
            E::ErrorCleared { error: e },
            E::ChargingResumed,
        ]
    );
    // A warning does not pause.
    let w = HardwareError::from_name("evse_board_support/VendorWarning").unwrap();
    evse.handle_board_event(BoardEvent::ErrorRaised(w));
    assert!(!evse.is_faulted());
    assert_eq!(evse.state(), EvseState::Charging);
    assert_eq!(drain(&mut evse), [E::Error { error: w }]);
    // The car's own pause still shows.
    cp(&mut evse, CpState::B);
    assert_eq!(drain(&mut evse), [E::ChargingPausedEV]);
}

#[test]
fn the_f_after_a_fault_is_not_the_car_pausing() {
    let t0 = Instant::now();
    let mut evse = charging_since(t0);
    let e = HardwareError::from_name("evse_board_support/MREC4OverCurrentFailure").unwrap();
    evse.handle_board_event(BoardEvent::ErrorRaised(e));
    cp(&mut evse, CpState::F);
    // Cleared within the F phase: resumed; the F still on the pilot is the EVSE's.
    evse.handle_board_event(BoardEvent::ErrorCleared(e));
    assert_eq!(evse.state(), EvseState::Charging);
    assert_eq!(evse.board_outputs().pwm, PwmOutput::F);
    evse.tick(t0 + Duration::from_millis(300));
    assert!(evse.board_outputs().pwm.is_running());
    cp(&mut evse, CpState::C);
    assert_eq!(
        &drain(&mut evse)[2..],
        [E::ErrorCleared { error: e }, E::ChargingResumed]
    );
}

#[test]
fn a_pause_before_the_car_ever_drew_ends_in_prepare_charging() {
    let mut evse = evse();
    evse.set_external_limit(Some(0.0));
    cp(&mut evse, CpState::B);
    evse.authorize("TAG1").unwrap();
    assert_eq!(evse.state(), EvseState::ChargingPausedEVSE);
    evse.set_external_limit(Some(16.0));
    assert_eq!(evse.state(), EvseState::PrepareCharging);
    cp(&mut evse, CpState::C);
    assert_eq!(evse.state(), EvseState::Charging);
    assert_eq!(
        &drain(&mut evse)[4..],
        [
            E::ChargingPausedEVSE {
                reasons: vec![PauseReason::NoEnergy]
            },
            E::ChargingStarted,
        ]
    );
}

#[test]
fn disable_enable_and_unlock() {
    let mut evse = evse();
    cp(&mut evse, CpState::B);
    evse.authorize("TAG1").unwrap();
    assert!(!evse.enable_disable(false));
    assert_eq!(evse.state(), EvseState::Disabled);
    assert_eq!(evse.board_outputs().pwm, PwmOutput::F);
    assert!(!evse.board_outputs().enabled);
    assert_eq!(evse.authorize("TAG1"), Err(EvseError::Disabled));
    cp(&mut evse, CpState::F);
    assert!(evse.enable_disable(true));
    cp(&mut evse, CpState::B); // F → B: the car is still there
    assert_eq!(evse.state(), EvseState::WaitingForAuthentication);
    assert!(evse.board_outputs().locked);
    assert_eq!(evse.force_unlock(), ForceUnlock::Unlocked);
    assert!(!evse.board_outputs().locked);
    let events = drain(&mut evse);
    assert_eq!(
        &events[4..],
        [
            E::TransactionFinished {
                reason: StopTransactionReason::Other,
                meter_stop_wh: 0.0,
                id_tag: None
            },
            E::SessionFinished,
            E::Disabled,
            E::Enabled,
            E::SessionStarted {
                reason: StartSessionReason::EVConnected
            },
            E::AuthRequired,
        ]
    );
}

#[test]
fn external_ready_holds_charging_back() {
    let config = EvseManagerConfig {
        external_ready_to_start_charging: true,
        ..EvseManagerConfig::default()
    };
    let mut evse = EvseManager::new(config);
    assert!(evse.waiting_for_external_ready());
    cp(&mut evse, CpState::A);
    cp(&mut evse, CpState::B);
    evse.authorize("TAG1").unwrap();
    assert_eq!(evse.board_outputs().pwm, PwmOutput::Off);
    assert!(!evse.transaction_active());
    assert!(evse.external_ready_to_start_charging());
    assert!(evse.transaction_active());
    assert!(evse.board_outputs().pwm.is_running());
    assert_eq!(
        drain(&mut evse),
        [
            E::SessionStarted {
                reason: StartSessionReason::Authorized
            },
            started("TAG1"),
            E::PrepareCharging,
        ]
    );
    assert!(!EvseManager::new(EvseManagerConfig::default()).external_ready_to_start_charging());
}

#[test]
fn config_from_parameters() {
    use crate::ParamValue;
    let params = Parameters(vec![
        ("external_ready_to_start_charging", ParamValue::Bool(true)),
        ("lock_connector_in_state_b", ParamValue::Bool(false)),
        ("state_F_after_fault_ms", ParamValue::Integer(500)),
    ]);
    let c = EvseManagerConfig::from_parameters(&params, 16.0);
    assert!(c.external_ready_to_start_charging && !c.lock_connector_in_state_b);
    assert_eq!(c.state_f_after_fault, Duration::from_millis(500));
    let mut evse = EvseManager::new(EvseManagerConfig {
        external_ready_to_start_charging: false,
        ..c
    });
    cp(&mut evse, CpState::A);
    cp(&mut evse, CpState::B);
    assert!(!evse.board_outputs().locked, "locks in C only");
    evse.authorize("T").unwrap();
    cp(&mut evse, CpState::C);
    assert!(evse.board_outputs().locked);
    assert_eq!(evse.board_outputs().pwm, PwmOutput::offering(16.0));
}

#[test]
fn unplug_keeps_the_transaction_when_told_to() {
    let mut evse = evse();
    evse.set_stop_transaction_on_unplug(false);
    cp(&mut evse, CpState::B);
    evse.authorize("TAG1").unwrap();
    cp(&mut evse, CpState::C);
    drain(&mut evse);
    cp(&mut evse, CpState::A);
    assert!(evse.transaction_active());
    assert_eq!(evse.state(), EvseState::ChargingPausedEV);
    assert!(!evse.board_outputs().locked);
    assert_eq!(drain(&mut evse), [E::ChargingPausedEV]);
    // The car comes back and charges in the same transaction.
    cp(&mut evse, CpState::B);
    cp(&mut evse, CpState::C);
    assert_eq!(evse.state(), EvseState::Charging);
    assert_eq!(drain(&mut evse), [E::ChargingResumed]);
    // Stopped while the car is gone: the session ends, a next car starts a new one.
    cp(&mut evse, CpState::A);
    evse.stop_transaction(StopTransactionReason::Remote, None)
        .unwrap();
    assert_eq!(evse.state(), EvseState::Idle);
    cp(&mut evse, CpState::B);
    assert_eq!(evse.state(), EvseState::WaitingForAuthentication);
}
