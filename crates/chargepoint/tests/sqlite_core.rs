//! The charge-point core over the SQLite store, across real restarts (the core dropped, or
//! leaked as a killed process leaves it, and a new one started on the same database file, or
//! the process really killed): queue order, placeholder transaction ids, the PowerLoss stop,
//! and the queue's size threshold in the file. Each test runs for a station's own file
//! (`SqliteStore`) and for its rows in a file shared by many (`SharedSqliteStore`, a fleet's).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use chargepoint::charge_point::{ChargePoint, Now};
use chargepoint::config::merge_patch;
use common::layouts::{for_each_layout, Layout};
use common::{
    answer, at, call, connect_and_boot, core_config, energy, kill_child_after, started, stopped,
    t0, tick, Scratch,
};
use ocpp_types::Action;
use serde_json::{json, Value};

for_each_layout!(
    messages_queued_offline_are_sent_in_order_after_a_restart_with_the_real_id,
    a_transaction_cut_by_a_killed_process_is_stopped_with_power_loss,
    a_placeholder_id_from_before_a_restart_is_not_reused,
    the_sqlite_store_stays_within_the_threshold,
    transaction_messages_survive_restarts_over_sqlite,
    killed_child_station,
    a_station_killed_offline_delivers_every_sample_it_reported_after_the_restart,
);

/// A charge point with one connector over the database at `path`, the shipped config patched
/// by `patch`.
fn open<L: Layout>(path: &Path, patch: Value, now: Now) -> ChargePoint {
    ChargePoint::new(core_config(patch), L::open(path).unwrap(), 1, now)
}

fn start<L: Layout>(path: &Path) -> (ChargePoint, Now) {
    let now = t0();
    (open::<L>(path, json!({}), now), now)
}

/// Answers every CALL the charge point sends until it has nothing more to send (a
/// StartTransaction with `transaction_id`, the rest with an empty payload), and returns them
/// as (action, payload) in order.
fn deliver(cp: &mut ChargePoint, now: Now, transaction_id: i32) -> Vec<(String, Value)> {
    let mut sent = Vec::new();
    while let Some(text) = cp.poll_transmit(now) {
        let frame: Value = serde_json::from_str(&text).unwrap();
        let action = frame[2].as_str().unwrap().to_string();
        let reply = match action.as_str() {
            "StartTransaction" => {
                json!({"idTagInfo": {"status": "Accepted"}, "transactionId": transaction_id})
            }
            _ => json!({}),
        };
        answer(cp, now, frame[1].as_str().unwrap(), reply);
        sent.push((action, frame[3].clone()));
    }
    sent
}

/// A StatusNotification as sent at T0 + `secs`.
fn status(connector: u32, status: &str, secs: i64) -> (String, Value) {
    (
        "StatusNotification".to_string(),
        json!({"connectorId": connector, "errorCode": "NoError", "status": status,
            "timestamp": at(secs)}),
    )
}

/// Sampling every 60 s of the energy register only, no transactionData.
fn sampling(extra: Value) -> Value {
    let mut patch = json!({"Core": {"MeterValueSampleInterval": 60,
        "MeterValuesSampledData": "Energy.Active.Import.Register",
        "TransactionMessageAttempts": 3, "TransactionMessageRetryInterval": 10}});
    merge_patch::apply(&mut patch, &extra);
    patch
}

/// A transaction from `meter_start_wh` (the register at 0 before it), then one meter reading of
/// each of `readings` followed by 10 s, after which `after` looks at the charge point.
fn charge(
    cp: &mut ChargePoint,
    mut now: Now,
    meter_start_wh: i32,
    readings: impl IntoIterator<Item = i32>,
    mut after: impl FnMut(&ChargePoint, i32),
) {
    cp.handle_station_event(energy(0.0), now);
    cp.handle_station_event(started(meter_start_wh), now);
    for wh in readings {
        cp.handle_station_event(energy(f64::from(wh)), now);
        now = tick(cp, now, 10);
        after(cp, wh);
    }
}

fn start_payload(meter_start: i32, secs: i64) -> Value {
    json!({"connectorId": 1, "idTag": "RFID1", "meterStart": meter_start, "timestamp": at(secs)})
}

fn messages_queued_offline_are_sent_in_order_after_a_restart_with_the_real_id<L: Layout>() {
    let dir = Scratch::new("core-queue");
    let db = dir.file("cp.db");
    let (mut cp, now) = start::<L>(&db);
    cp.handle_station_event(started(100), now);
    cp.handle_station_event(stopped(300), now);
    assert_eq!(cp.queued_transaction_messages(), 2);
    drop(cp);

    let (mut cp, now) = start::<L>(&db);
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

fn a_transaction_cut_by_a_killed_process_is_stopped_with_power_loss<L: Layout>() {
    let dir = Scratch::new("core-powerloss");
    let db = dir.file("cp.db");
    let (mut cp, now) = start::<L>(&db);
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

    let (mut cp, now) = start::<L>(&db);
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

fn a_placeholder_id_from_before_a_restart_is_not_reused<L: Layout>() {
    let dir = Scratch::new("core-placeholder");
    let db = dir.file("cp.db");
    let (mut cp, now) = start::<L>(&db);
    cp.handle_station_event(started(0), now);
    assert_eq!(cp.transaction_id(1), Some(-1));
    cp.handle_station_event(stopped(10), now);
    drop(cp);

    let (mut cp, now) = start::<L>(&db);
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

/// The queue's size threshold holds in the file too: dropped MeterValues leave the database.
fn the_sqlite_store_stays_within_the_threshold<L: Layout>() {
    let dir = Scratch::new("queue-bound");
    let db = dir.file("cp.db");
    let now = t0();
    let mut cp = open::<L>(
        &db,
        json!({"Internal": {"MessageQueueSizeThreshold": 50},
            "Core": {"MeterValueSampleInterval": 10,
            "MeterValuesSampledData": "Energy.Active.Import.Register"}}),
        now,
    );
    charge(&mut cp, now, 100, 0..1000, |cp, _| {
        assert!(cp.queued_transaction_messages() <= 50)
    });
    drop(cp);
    let reopened = L::open(&db).unwrap();
    let stored = reopened.messages().unwrap();
    assert!(stored.len() <= 50, "{} rows", stored.len());
    assert_eq!(stored[0].action, Action::StartTransaction);
}

/// A transaction started and sampled offline, then power lost twice (once with its
/// StartTransaction in flight): every restart starts from the database file alone.
fn transaction_messages_survive_restarts_over_sqlite<L: Layout>() {
    let dir = Scratch::new("queue-restarts");
    let db = dir.file("cp.db");
    let mut now = t0();
    let mut cp = open::<L>(&db, sampling(json!({})), now);
    connect_and_boot(&mut cp, now);
    assert_eq!(
        deliver(&mut cp, now, 42),
        vec![status(0, "Available", 0), status(1, "Available", 0)]
    );
    cp.handle_disconnected(now);
    cp.handle_station_event(energy(100.0), now);
    cp.handle_station_event(started(100), now);
    cp.handle_station_event(energy(250.0), now);
    now = tick(&mut cp, now, 60);
    assert_eq!(cp.transaction_id(1), Some(-1));
    // Power lost, 30 s without power, then back up and connected: the StartTransaction comes
    // first, whether it was never sent or (the second time) in flight when power went.
    let power_cycle = |cp: ChargePoint, now: Now| {
        std::mem::forget(cp);
        let mut cp = open::<L>(&db, sampling(json!({})), now);
        let now = tick(&mut cp, now, 30);
        connect_and_boot(&mut cp, now);
        let (id, action, payload) = call(&mut cp, now);
        assert_eq!(
            (action.as_str(), payload),
            ("StartTransaction", start_payload(100, 0))
        );
        (cp, now, id)
    };
    // The transaction is not resumed, so it is stopped at its last sample.
    let (cp, now, _) = power_cycle(cp, now);
    // Power lost again with StartTransaction in flight: it goes again first.
    let (mut cp, now, id) = power_cycle(cp, now);
    answer(
        &mut cp,
        now,
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 88}),
    );
    assert_eq!(
        deliver(&mut cp, now, 88),
        vec![
            (
                "MeterValues".to_string(),
                json!({"connectorId": 1, "transactionId": 88, "meterValue": [{"timestamp": at(60),
                    "sampledValue": [{"value": "250", "context": "Sample.Periodic",
                    "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]})
            ),
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 250, "timestamp": at(60), "transactionId": 88,
                    "reason": "PowerLoss"})
            ),
            status(0, "Available", 120),
            status(1, "Available", 120),
        ]
    );
    assert_eq!(cp.store().messages().unwrap(), vec![]);
    assert_eq!(L::open(&db).unwrap().messages().unwrap(), vec![]);
    assert_eq!(L::open(&db).unwrap().transactions().unwrap(), vec![]);
}

const CHILD_DB: &str = "FERROCHARGE_QUEUE_CHILD_DB";

/// Not a test on its own: the station process of
/// [`a_station_killed_offline_delivers_every_sample_it_reported_after_the_restart`], which
/// runs a transaction offline over SQLite, sampling every 10 s, and prints each sample's
/// energy once the event that queued it has returned.
fn killed_child_station<L: Layout>() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let now = t0();
    let mut cp = open::<L>(
        Path::new(&path),
        sampling(json!({"Core": {"MeterValueSampleInterval": 10}})),
        now,
    );
    charge(&mut cp, now, 0, 1.., |_, wh| println!("sampled {wh}"));
}

fn a_station_killed_offline_delivers_every_sample_it_reported_after_the_restart<L: Layout>() {
    let dir = Scratch::new("queue-kill");
    let db = dir.file("cp.db");
    // SIGKILL mid-way: no destructor, no checkpoint, maybe in the middle of a write.
    let child = format!("{}::killed_child_station", L::MODULE);
    let reported = kill_child_after(&child, CHILD_DB, &db, "sampled ", 25).unwrap_or(0);
    assert!(
        reported >= 25,
        "the station process reported {reported} samples"
    );

    let now = t0();
    let mut cp = open::<L>(&db, sampling(json!({})), now);
    connect_and_boot(&mut cp, now);
    let sent = deliver(&mut cp, now, 42);
    let (start, rest) = sent.split_first().unwrap();
    assert_eq!(
        (start.0.as_str(), &start.1),
        ("StartTransaction", &start_payload(0, 0))
    );
    let samples: Vec<i64> = rest
        .iter()
        .take_while(|(action, _)| action == "MeterValues")
        .enumerate()
        .map(|(i, (_, p))| {
            assert_eq!(p["transactionId"], 42);
            // Stamped when sampled, in the killed process.
            assert_eq!(p["meterValue"][0]["timestamp"], at(10 * (i as i64 + 1)));
            p["meterValue"][0]["sampledValue"][0]["value"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    // Every sample reported before the kill, in order, none twice, none missing.
    assert!(samples.len() >= reported as usize, "{samples:?}");
    assert_eq!(samples, (1..=samples.len() as i64).collect::<Vec<_>>());
    let (action, stop) = &rest[samples.len()];
    assert_eq!(action, "StopTransaction");
    assert_eq!(stop["reason"], "PowerLoss");
    assert_eq!(stop["transactionId"], 42);
    assert!(stop["meterStop"].as_i64().unwrap() >= samples.len() as i64);
    assert_eq!(
        rest[samples.len() + 1..],
        [status(0, "Available", 0), status(1, "Available", 0)]
    );
    assert_eq!(cp.store().messages().unwrap(), vec![]);
}
