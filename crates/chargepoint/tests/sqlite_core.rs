//! The charge-point core over the SQLite store, across real restarts (the core dropped, or
//! leaked as a killed process leaves it, and a new one started on the same database file):
//! queue order, placeholder transaction ids, and the PowerLoss stop.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Instant;

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::charge_point::{ChargePoint, Now, StationEvent};
use chargepoint::config::{merge_patch, Configuration, Document, MemoryOverlay, Registry};
use common::Scratch;
use ocpp_types::core::Reason;
use ocpp_types::id_tag::IdToken;
use ocpp_types::DateTime;
use serde_json::{json, Value};

const T0: &str = "2026-11-24T06:00:00.000Z";

fn start(path: &Path) -> (ChargePoint, Now) {
    let mut base =
        Document::parse("ocpp-config.json", chargepoint::config::DEFAULT_CONFIG).unwrap();
    merge_patch::apply(
        &mut base.value,
        &json!({"Core": {"NumberOfConnectors": 1, "ConnectorPhaseRotation": "0.RST",
            "StopTxnSampledData": ""}}),
    );
    let config = Configuration::load(
        Registry::embedded().unwrap().clone(),
        &base,
        Box::new(MemoryOverlay::default()),
    )
    .unwrap();
    let now = Now {
        instant: Instant::now(),
        utc: DateTime::parse(T0).unwrap(),
    };
    let store = SqliteStore::open(path).unwrap();
    (ChargePoint::new(config, Box::new(store), 1, now), now)
}

/// The one CALL the charge point sends now, as (id, action, payload).
fn call(cp: &mut ChargePoint, now: Now) -> (String, String, Value) {
    let text = cp.poll_transmit(now).expect("a CALL");
    assert_eq!(cp.poll_transmit(now), None, "one CALL at a time");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[0], 2, "{text}");
    (
        v[1].as_str().unwrap().to_string(),
        v[2].as_str().unwrap().to_string(),
        v[3].clone(),
    )
}

fn answer(cp: &mut ChargePoint, now: Now, id: &str, payload: Value) {
    cp.handle_frame(&json!([3, id, payload]).to_string(), now);
}

/// Connects and answers BootNotification with Accepted.
fn connect_and_boot(cp: &mut ChargePoint, now: Now) {
    cp.handle_connected(now);
    let (id, action, _) = call(cp, now);
    assert_eq!(action, "BootNotification");
    answer(
        cp,
        now,
        &id,
        json!({"status": "Accepted", "currentTime": T0, "interval": 300}),
    );
}

fn started(meter_start_wh: i32) -> StationEvent {
    StationEvent::TransactionStarted {
        connector: 1,
        id_tag: IdToken::new("RFID1").unwrap(),
        meter_start_wh,
        reservation_id: None,
    }
}

fn stopped(meter_stop_wh: i32) -> StationEvent {
    StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh,
        reason: Reason::Local,
        id_tag: None,
    }
}

#[test]
fn messages_queued_offline_are_sent_in_order_after_a_restart_with_the_real_id() {
    let dir = Scratch::new("core-queue");
    let db = dir.file("cp.db");
    let (mut cp, now) = start(&db);
    cp.handle_station_event(started(100), now);
    cp.handle_station_event(stopped(300), now);
    assert_eq!(cp.queued_transaction_messages(), 2);
    drop(cp);

    let (mut cp, now) = start(&db);
    assert_eq!(cp.queued_transaction_messages(), 2);
    connect_and_boot(&mut cp, now);
    let (id, action, payload) = call(&mut cp, now);
    assert_eq!(action, "StartTransaction");
    assert_eq!(payload["meterStart"], 100);
    answer(
        &mut cp,
        now,
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 77}),
    );
    let (id, action, payload) = call(&mut cp, now);
    assert_eq!(action, "StopTransaction");
    assert_eq!(payload["transactionId"], 77, "the placeholder was replaced");
    assert_eq!(payload["meterStop"], 300);
    answer(&mut cp, now, &id, json!({}));
    assert_eq!(cp.store().messages().unwrap(), vec![]);
}

#[test]
fn a_transaction_cut_by_a_killed_process_is_stopped_with_power_loss() {
    let dir = Scratch::new("core-powerloss");
    let db = dir.file("cp.db");
    let (mut cp, now) = start(&db);
    connect_and_boot(&mut cp, now);
    // The initial StatusNotifications.
    for _ in 0..2 {
        let (id, action, _) = call(&mut cp, now);
        assert_eq!(action, "StatusNotification");
        answer(&mut cp, now, &id, json!({}));
    }
    cp.handle_station_event(started(100), now);
    let (id, action, _) = call(&mut cp, now);
    assert_eq!(action, "StartTransaction");
    answer(
        &mut cp,
        now,
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 5}),
    );
    // The process dies: nothing is dropped or closed.
    std::mem::forget(cp);

    let (mut cp, now) = start(&db);
    assert_eq!(cp.transaction_id(1), None, "not resumed");
    connect_and_boot(&mut cp, now);
    let (id, action, payload) = call(&mut cp, now);
    assert_eq!(action, "StopTransaction");
    assert_eq!(payload["transactionId"], 5);
    assert_eq!(payload["reason"], "PowerLoss");
    assert_eq!(payload["meterStop"], 100);
    answer(&mut cp, now, &id, json!({}));
    assert_eq!(cp.store().transactions().unwrap(), vec![]);
}

#[test]
fn a_placeholder_id_from_before_a_restart_is_not_reused() {
    let dir = Scratch::new("core-placeholder");
    let db = dir.file("cp.db");
    let (mut cp, now) = start(&db);
    cp.handle_station_event(started(0), now);
    assert_eq!(cp.transaction_id(1), Some(-1));
    cp.handle_station_event(stopped(10), now);
    drop(cp);

    let (mut cp, now) = start(&db);
    cp.handle_station_event(started(20), now);
    assert_eq!(cp.transaction_id(1), Some(-2));
    connect_and_boot(&mut cp, now);
    let ids = [500, 501];
    let mut seen = Vec::new();
    for (n, expected) in ["StartTransaction", "StopTransaction", "StartTransaction"]
        .iter()
        .enumerate()
    {
        let (id, action, payload) = call(&mut cp, now);
        assert_eq!(&action, expected);
        seen.push(payload.clone());
        let reply = match action.as_str() {
            "StartTransaction" => {
                json!({"idTagInfo": {"status": "Accepted"}, "transactionId": ids[n / 2]})
            }
            _ => json!({}),
        };
        answer(&mut cp, now, &id, reply);
    }
    assert_eq!(seen[1]["transactionId"], 500);
    assert_eq!(seen[2]["meterStart"], 20);
    assert_eq!(cp.transaction_id(1), Some(501));
}
