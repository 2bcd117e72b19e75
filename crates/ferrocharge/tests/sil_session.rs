//! End to end: the dev CSMS and a station from config/config-sil-one-evse.yaml in one process,
//! one charging session driven through the station's control handle. Every wait is on an
//! event (the CSMS's or the station's), bounded by a timeout; the only time that passes is the
//! simulation's own (the car charges for a meter sample or two).
// Test helpers outside #[test] functions: a failed setup step should panic with its error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use csms::{Csms, CsmsEvent, CsmsOptions};
use ocpp_types::core::Reason;
use station::control_api::{PlugIn, StationControl, Token};
use station::runtime::{Exit, Station};
use station::StationConfig;
use tokio::sync::broadcast;

use common::write_one_evse_station;

/// Long enough for a loaded CI machine; a healthy run needs a few seconds in all.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Waits until the CSMS has handled a CALL `action` (by name) of any charge point.
async fn handled(events: &mut broadcast::Receiver<CsmsEvent>, action: &str) {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(CsmsEvent::Handled { action: a, .. }) if a.as_str() == action => return,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("the CSMS stopped"),
            }
        }
    };
    tokio::time::timeout(TIMEOUT, wait)
        .await
        .unwrap_or_else(|_| panic!("the CSMS never handled {action}"));
}

/// The shipped one-EVSE SIL config with its files in `dir` and the OCPP URL of `csms`.
fn write_config(dir: &Path, csms: &Csms) -> std::path::PathBuf {
    write_one_evse_station(dir, &csms.url(), "", |ocpp| {
        ocpp["Core"]["HeartbeatInterval"] = 5.into();
        ocpp["Core"]["MeterValueSampleInterval"] = 1.into();
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_from_plug_in_to_unplug_reaches_the_csms() {
    let dir = tempfile::tempdir().unwrap();
    let csms = Csms::bind(CsmsOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        heartbeat_interval_s: 5,
        ..CsmsOptions::default()
    })
    .await
    .unwrap();
    let mut events = csms.subscribe();
    let config = StationConfig::load(write_config(dir.path(), &csms)).unwrap();

    let station = Station::start(&config).await.unwrap();
    assert_eq!(station.control_api_addr(), None);
    let html = station.html_log().expect("the shipped config logs html");
    let handle = station.handle();
    let run = tokio::spawn(station.run());

    handled(&mut events, "BootNotification").await;
    handled(&mut events, "StatusNotification").await;
    // The user config and the database went under data_dir.
    let data = dir.path().join("data");
    assert!(data.join("db").join("cp001.db").exists());
    // Booted: the station can be driven once it shows the registration.
    let mut state = handle.watch_state();
    tokio::time::timeout(TIMEOUT, state.wait_for(|s| s.ocpp.registration.is_some()))
        .await
        .unwrap()
        .unwrap();

    handle.plug_in(1, PlugIn::default()).await.unwrap();
    handle
        .token(Token {
            id_tag: Some("DEADBEEF".into()),
            connectors: Some(vec![1]),
            prevalidated: false,
            provider: None,
        })
        .await
        .unwrap();
    handled(&mut events, "Authorize").await;
    handled(&mut events, "StartTransaction").await;
    handled(&mut events, "MeterValues").await;
    tokio::time::timeout(
        TIMEOUT,
        state.wait_for(|s| s.connector(1).is_some_and(|c| c.transaction_id.is_some())),
    )
    .await
    .unwrap()
    .unwrap();

    handle.unplug(1).await.unwrap();
    handled(&mut events, "StopTransaction").await;

    let recorded = csms.state();
    let cp = &recorded.charge_points["cp001"];
    assert!(cp.boot.is_some());
    assert!(!cp.connectors.is_empty(), "StatusNotifications recorded");
    let tx = recorded
        .transactions
        .values()
        .next()
        .expect("a transaction");
    assert_eq!(tx.id_tag, "DEADBEEF");
    assert!(!tx.meter_values.is_empty(), "MeterValues recorded");
    let stop = tx.stop.as_ref().expect("stopped");
    assert!(
        stop.meter_stop > tx.meter_start,
        "meterStop {} > meterStart {}",
        stop.meter_stop,
        tx.meter_start
    );
    assert_eq!(stop.reason, Some(Reason::EVDisconnected));

    handle.stop().await.unwrap();
    let exit = tokio::time::timeout(TIMEOUT, run).await.unwrap().unwrap();
    assert_eq!(exit, Exit::Stopped);
    let log = std::fs::read_to_string(&html).unwrap();
    assert!(
        log.contains("StartTransaction"),
        "the html log shows StartTransaction"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_start_charges_and_a_reset_stops_it_and_asks_for_a_restart() {
    use ocpp_types::core::{RemoteStartTransactionRequest, ResetRequest, ResetType};
    use ocpp_types::AnyRequest;

    let dir = tempfile::tempdir().unwrap();
    let csms = Csms::bind(CsmsOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..CsmsOptions::default()
    })
    .await
    .unwrap();
    let mut events = csms.subscribe();
    let config = StationConfig::load(write_config(dir.path(), &csms)).unwrap();
    let station = Station::start(&config).await.unwrap();
    let handle = station.handle();
    let run = tokio::spawn(station.run());
    handled(&mut events, "BootNotification").await;
    let mut state = handle.watch_state();
    tokio::time::timeout(TIMEOUT, state.wait_for(|s| s.ocpp.registration.is_some()))
        .await
        .unwrap()
        .unwrap();

    handle.plug_in(1, PlugIn::default()).await.unwrap();
    let answer = csms
        .call(
            "cp001",
            AnyRequest::RemoteStartTransaction(RemoteStartTransactionRequest {
                connector_id: Some(1),
                id_tag: "DEADBEEF".try_into().unwrap(),
                charging_profile: None,
            }),
        )
        .await
        .unwrap();
    assert!(format!("{answer:?}").contains("Accepted"), "{answer:?}");
    handled(&mut events, "StartTransaction").await;
    handled(&mut events, "MeterValues").await;

    csms.call(
        "cp001",
        AnyRequest::Reset(ResetRequest {
            kind: ResetType::Soft,
        }),
    )
    .await
    .unwrap();
    handled(&mut events, "StopTransaction").await;
    let exit = tokio::time::timeout(TIMEOUT, run).await.unwrap().unwrap();
    assert_eq!(exit, Exit::Restart(ResetType::Soft));
    let recorded = csms.state();
    let tx = recorded
        .transactions
        .values()
        .next()
        .expect("a transaction");
    assert_eq!(
        tx.stop.as_ref().and_then(|s| s.reason),
        Some(Reason::SoftReset)
    );
}
