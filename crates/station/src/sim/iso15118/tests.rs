//! An ISO 15118-2 AC session through the whole simulated EVSE: board, car, EvseManager, SLAC and
//! the SECC, stepped in simulated time.

use std::time::{Duration, Instant};

use super::*;
use crate::sim::car::{CarConfig, LOOP_INTERVAL};
use crate::sim::evse_manager::EvseState;
use crate::sim::script::IsoSupport;
use crate::sim::{SessionEvent, SimulatedEvse, SimulatedEvseConfig};

const PLUG_IN_AC_ISO: &str = "sleep 1;iso_wait_slac_matched;iso_start_v2g_session AC,contract,86400,0;iso_wait_pwr_ready;iso_draw_power_regulated 16,3;sleep 60;iso_stop_charging;iso_wait_v2g_session_stopped;unplug";

fn contract() -> Contract {
    Contract {
        emaid: "DEFRCC00000001".into(),
        chain_pem: "-----BEGIN CERTIFICATE-----\n...".into(),
    }
}

fn iso_evse(has_secc_certificate: bool, contract: Option<Contract>) -> SimulatedEvse {
    iso_evse_installing(has_secc_certificate, contract, false)
}

fn iso_evse_installing(
    has_secc_certificate: bool,
    contract: Option<Contract>,
    cert_install_needed: bool,
) -> SimulatedEvse {
    SimulatedEvse::new(SimulatedEvseConfig {
        car: CarConfig {
            iso: IsoSupport::ALL,
            ..CarConfig::default()
        },
        iso: Iso15118Config {
            slac: true,
            secc: Some(SeccConfig {
                has_secc_certificate,
                ..SeccConfig::default()
            }),
            ev: Some(EvConfig {
                tls_active: true,
                enforce_tls: false,
                cert_install_needed,
                contract,
            }),
        },
        ..SimulatedEvseConfig::default()
    })
}

/// Steps from `from` to `to` (simulated), collecting the SECC's requests.
fn run(evse: &mut SimulatedEvse, t0: Instant, from: Duration, to: Duration) -> Vec<ChargerRequest> {
    let mut requests = Vec::new();
    let mut t = from;
    while t <= to {
        evse.tick(t0 + t);
        requests.extend(evse.iso_mut().take_requests());
        t += LOOP_INTERVAL;
    }
    requests
}

#[test]
fn a_contract_accepted_charges_and_the_car_ends_the_session() {
    let t0 = Instant::now();
    let mut evse = iso_evse(true, Some(contract()));
    evse.car_mut().execute_str(PLUG_IN_AC_ISO).unwrap();
    let requests = run(&mut evse, t0, Duration::ZERO, Duration::from_secs(3));
    assert_eq!(requests, [ChargerRequest::PncAuthorization(contract())]);
    assert!(evse.iso().slac().unwrap().matched());
    assert_eq!(
        evse.evse_manager().state(),
        EvseState::WaitingForAuthentication
    );
    assert!(matches!(
        evse.iso().secc().unwrap().state(),
        SessionState::Authorizing { contract: true, .. }
    ));
    // Auth's answer, then the EvseManager authorized with the eMAID.
    evse.iso_mut().authorization_response(true);
    evse.evse_manager_mut().authorize("DEFRCC00000001").unwrap();
    run(
        &mut evse,
        t0,
        Duration::from_secs(4),
        Duration::from_secs(8),
    );
    assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Charging);
    assert_eq!(evse.evse_manager().state(), EvseState::Charging);
    assert!((evse.board().meter().power_w() - 3.0 * 230.0 * 16.0).abs() < 1e-6);
    // sleep 60, iso_stop_charging, iso_wait_v2g_session_stopped, unplug.
    run(
        &mut evse,
        t0,
        Duration::from_secs(9),
        Duration::from_secs(75),
    );
    assert!(!evse.car().signal().plugged);
    let events: Vec<SessionEvent> = std::iter::from_fn(|| evse.poll_event()).collect();
    assert!(events.iter().any(|e| matches!(e, SessionEvent::TransactionStarted { id_tag, .. } if id_tag == "DEFRCC00000001")));
    assert_eq!(events.last(), Some(&SessionEvent::SessionFinished));
    assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Idle);
}

#[test]
fn a_contract_refused_ends_the_session_and_no_card_starts_charging() {
    let t0 = Instant::now();
    let mut evse = iso_evse(true, Some(contract()));
    evse.car_mut().execute_str(PLUG_IN_AC_ISO).unwrap();
    run(&mut evse, t0, Duration::ZERO, Duration::from_secs(3));
    evse.iso_mut().authorization_response(false);
    evse.evse_manager_mut().refuse_authorization_until_unplug();
    run(
        &mut evse,
        t0,
        Duration::from_secs(4),
        Duration::from_secs(5),
    );
    assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Idle);
    assert!(
        evse.car().is_running(),
        "the car waits for power that never comes"
    );
    assert_eq!(
        evse.evse_manager_mut().authorize("RFID1"),
        Err(crate::sim::EvseError::ReplugRequired)
    );
    evse.car_mut()
        .modify(crate::sim::Script::parse("unplug").unwrap())
        .unwrap();
    run(
        &mut evse,
        t0,
        Duration::from_secs(6),
        Duration::from_secs(7),
    );
    assert_eq!(
        evse.iso().slac().unwrap().state(),
        slac::SlacState::Unmatched
    );
    // Unplugged, the EVSE takes a card again (swipe first).
    assert_eq!(evse.evse_manager_mut().authorize("RFID1"), Ok(()));
}

#[test]
fn without_a_secc_certificate_or_a_contract_the_car_pays_externally() {
    for (certificate, car_contract) in [(false, Some(contract())), (true, None)] {
        let t0 = Instant::now();
        let mut evse = iso_evse(certificate, car_contract);
        evse.car_mut().execute_str(PLUG_IN_AC_ISO).unwrap();
        let requests = run(&mut evse, t0, Duration::ZERO, Duration::from_secs(3));
        assert_eq!(requests, [ChargerRequest::EimAuthorization]);
        // A card: the transaction starts, the session is authorized, the car charges.
        evse.evse_manager_mut().authorize("RFID1").unwrap();
        run(
            &mut evse,
            t0,
            Duration::from_secs(4),
            Duration::from_secs(8),
        );
        assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Charging);
        assert_eq!(evse.evse_manager().state(), EvseState::Charging);
    }
}

#[test]
fn the_transaction_ended_by_the_station_stops_the_car() {
    let t0 = Instant::now();
    let mut evse = iso_evse(true, None);
    evse.car_mut()
        .execute_str("iso_wait_slac_matched;iso_start_v2g_session AC;iso_wait_pwr_ready;iso_draw_power_regulated 16,3;iso_wait_for_stop 600;iso_wait_v2g_session_stopped;unplug")
        .unwrap();
    run(&mut evse, t0, Duration::ZERO, Duration::from_secs(2));
    evse.evse_manager_mut().authorize("RFID1").unwrap();
    run(
        &mut evse,
        t0,
        Duration::from_secs(3),
        Duration::from_secs(6),
    );
    assert_eq!(evse.evse_manager().state(), EvseState::Charging);
    evse.evse_manager_mut()
        .stop_transaction(crate::sim::StopTransactionReason::Remote, None)
        .unwrap();
    run(
        &mut evse,
        t0,
        Duration::from_secs(7),
        Duration::from_secs(10),
    );
    assert!(
        !evse.car().signal().plugged,
        "stopped by the charger, the car leaves"
    );
}

#[test]
fn the_eim_timeout_ends_a_session_without_identification() {
    let t0 = Instant::now();
    let mut evse = SimulatedEvse::new(SimulatedEvseConfig {
        car: CarConfig {
            iso: IsoSupport::ALL,
            ..CarConfig::default()
        },
        iso: Iso15118Config {
            slac: true,
            secc: Some(SeccConfig {
                auth_timeout_eim_s: 2,
                ..SeccConfig::default()
            }),
            ev: Some(EvConfig::default()),
        },
        ..SimulatedEvseConfig::default()
    });
    evse.car_mut()
        .execute_str("iso_wait_slac_matched;iso_start_v2g_session AC,externalpayment;iso_wait_v2g_session_stopped;unplug")
        .unwrap();
    run(&mut evse, t0, Duration::ZERO, Duration::from_secs(2));
    assert!(evse.car().signal().plugged);
    run(
        &mut evse,
        t0,
        Duration::from_secs(3),
        Duration::from_secs(5),
    );
    assert!(
        !evse.car().signal().plugged,
        "the session ended after 2 s, the car left"
    );
}

#[test]
fn a_paused_session_resumes_with_bcb_toggles_and_its_authorization() {
    let t0 = Instant::now();
    let mut evse = iso_evse(true, None);
    evse.car_mut()
        .execute_str("iso_wait_slac_matched;iso_start_v2g_session AC;iso_wait_pwr_ready;iso_draw_power_regulated 16,3;iso_wait_for_stop 600")
        .unwrap();
    run(&mut evse, t0, Duration::ZERO, Duration::from_secs(2));
    evse.evse_manager_mut().authorize("RFID1").unwrap();
    run(
        &mut evse,
        t0,
        Duration::from_secs(3),
        Duration::from_secs(6),
    );
    assert_eq!(evse.evse_manager().state(), EvseState::Charging);
    // EVerest's test controller: pause_iso_session, then resume_iso_session_ac.
    let pause = evse
        .car()
        .parse("iso_pause_charging;iso_wait_for_resume")
        .unwrap();
    evse.car_mut().modify(pause).unwrap();
    run(
        &mut evse,
        t0,
        Duration::from_secs(7),
        Duration::from_secs(9),
    );
    assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Paused);
    assert_eq!(evse.evse_manager().state(), EvseState::ChargingPausedEV);
    let resume = "iso_start_bcb_toggle 3;iso_wait_pwm_is_running;iso_start_v2g_session AC 86400 0;iso_wait_pwr_ready;iso_draw_power_regulated 16,3;iso_wait_for_stop 60";
    let resume = evse.car().parse(resume).unwrap();
    evse.car_mut().modify(resume).unwrap();
    let requests = run(
        &mut evse,
        t0,
        Duration::from_secs(10),
        Duration::from_secs(14),
    );
    assert!(
        requests.is_empty(),
        "the paused session's authorization stands"
    );
    assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Charging);
    assert_eq!(evse.evse_manager().state(), EvseState::Charging);
}

#[test]
fn tls_prohibited_offers_no_contract_and_a_car_enforcing_tls_starts_no_session() {
    for (enforce_tls, expected) in [
        (false, vec![ChargerRequest::EimAuthorization]),
        (true, vec![]),
    ] {
        let t0 = Instant::now();
        let mut evse = SimulatedEvse::new(SimulatedEvseConfig {
            car: CarConfig {
                iso: IsoSupport::ALL,
                ..CarConfig::default()
            },
            iso: Iso15118Config {
                slac: true,
                secc: Some(SeccConfig {
                    tls_security: TlsSecurity::Prohibit,
                    has_secc_certificate: true,
                    ..SeccConfig::default()
                }),
                ev: Some(EvConfig {
                    tls_active: true,
                    enforce_tls,
                    cert_install_needed: false,
                    contract: Some(contract()),
                }),
            },
            ..SimulatedEvseConfig::default()
        });
        evse.car_mut()
            .execute_str("iso_wait_slac_matched;iso_start_v2g_session AC,contract;iso_wait_v2g_session_stopped;unplug")
            .unwrap();
        let requests = run(&mut evse, t0, Duration::ZERO, Duration::from_secs(3));
        assert_eq!(requests, expected, "enforce_tls {enforce_tls}");
        // Refused, the session is over at once and the car leaves; else it waits for a card.
        assert_eq!(evse.car().signal().plugged, !enforce_tls);
    }
}

fn installation_request() -> ChargerRequest {
    ChargerRequest::CertificateInstallation {
        contract: contract(),
        iso15118_schema_version: "urn:iso:15118:2:2013:MsgDef".into(),
        // "ferrocharge simulated CertificateInstallationReq eMAID=DEFRCC00000001"
        exi_request: "ZmVycm9jaGFyZ2Ugc2ltdWxhdGVkIENlcnRpZmljYXRlSW5zdGFsbGF0aW9uUmVxIGVNQUlEPURFRlJDQzAwMDAwMDAx".into(),
    }
}

#[test]
fn a_car_needing_its_contract_installed_asks_first_then_authorizes_it() {
    let t0 = Instant::now();
    let mut evse = iso_evse_installing(true, Some(contract()), true);
    evse.car_mut().execute_str(PLUG_IN_AC_ISO).unwrap();
    let requests = run(&mut evse, t0, Duration::ZERO, Duration::from_secs(3));
    assert_eq!(requests, [installation_request()]);
    assert_eq!(
        evse.iso().secc().unwrap().state(),
        SessionState::InstallingCertificate
    );
    // An authorization answer before the installation changes nothing.
    evse.iso_mut().authorization_response(true);
    assert_eq!(
        evse.iso().secc().unwrap().state(),
        SessionState::InstallingCertificate
    );
    evse.iso_mut().certificate_response(true);
    let requests = run(
        &mut evse,
        t0,
        Duration::from_secs(4),
        Duration::from_secs(4),
    );
    assert_eq!(requests, [ChargerRequest::PncAuthorization(contract())]);
    evse.iso_mut().authorization_response(true);
    evse.evse_manager_mut().authorize("DEFRCC00000001").unwrap();
    run(
        &mut evse,
        t0,
        Duration::from_secs(5),
        Duration::from_secs(9),
    );
    assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Charging);
    assert_eq!(evse.evse_manager().state(), EvseState::Charging);
}

#[test]
fn a_failed_installation_ends_the_session_without_authorizing() {
    let t0 = Instant::now();
    let mut evse = iso_evse_installing(true, Some(contract()), true);
    evse.car_mut().execute_str(PLUG_IN_AC_ISO).unwrap();
    run(&mut evse, t0, Duration::ZERO, Duration::from_secs(3));
    evse.iso_mut().certificate_response(false);
    let requests = run(
        &mut evse,
        t0,
        Duration::from_secs(4),
        Duration::from_secs(10),
    );
    assert_eq!(requests, []);
    assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Idle);
    assert!(evse.iso().secc().unwrap().stopped_by_charger());
    assert_eq!(
        evse.evse_manager().state(),
        EvseState::WaitingForAuthentication
    );
    assert_eq!(evse.board().meter().power_w(), 0.0);
    // A second answer finds no car waiting.
    evse.iso_mut().certificate_response(true);
    assert_eq!(evse.iso().secc().unwrap().state(), SessionState::Idle);
}
