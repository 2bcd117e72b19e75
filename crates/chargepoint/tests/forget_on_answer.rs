//! The answer to a transaction message is followed first by the durable delete of that message
//! (one SQLite transaction, fsync'd), before any write of what the answer leads to: a store that
//! records the order of its writes, over the SQLite store, shows the delete as the first write
//! after the answer of a StartTransaction (with, in the same write, the real transaction id in
//! the messages queued behind it and in the transaction's record; then the authorization cache
//! and the parentIdTag) and of a StopTransaction (then the cache). So a power loss after the CSMS answered sends the message again only if it
//! comes before that one write (docs/core/delivery-guarantees.md). The same through the tokio
//! driver is in driver.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::charge_point::{ChargePoint, Now, StationEvent};
use common::{
    answer, call, connect_and_boot, core_config, energy, started, t0, tick, Log, Recording, Scratch,
};
use ocpp_types::core::Reason;
use ocpp_types::id_tag::IdToken;
use ocpp_types::Action;
use serde_json::{json, Value};

/// A charge point over a recording SQLite store in `dir`, sampling the energy register every
/// 10 s (within the 30 s a CALL waits for its answer), connected and registered.
fn station(dir: &Scratch) -> (ChargePoint, Log, Now) {
    let log = Log::default();
    let store = Recording {
        inner: SqliteStore::open(dir.file("cp001.db")).unwrap(),
        log: log.clone(),
    };
    let patch = json!({"Core": {"MeterValueSampleInterval": 10,
        "MeterValuesSampledData": "Energy.Active.Import.Register"}});
    let now = t0();
    let mut cp = ChargePoint::new(core_config(patch), Box::new(store), 1, now);
    connect_and_boot(&mut cp, now);
    (cp, log, now)
}

/// Answers the StatusNotifications the charge point sends until it sends a CALL of `action`;
/// returns that CALL's id and payload (not answered).
fn until_call(cp: &mut ChargePoint, now: Now, action: &str) -> (String, Value) {
    loop {
        let (id, sent, payload) = call(cp, now);
        if sent == action {
            return (id, payload);
        }
        assert_eq!(sent, "StatusNotification", "{payload}");
        answer(cp, now, &id, json!({}));
    }
}

#[test]
fn the_delete_of_an_answered_start_transaction_is_the_first_write_after_the_answer() {
    let dir = Scratch::new("forget-start");
    let (mut cp, log, now) = station(&dir);
    cp.handle_station_event(energy(100.0), now);
    cp.handle_station_event(started(100), now);
    let (start_id, _) = until_call(&mut cp, now, "StartTransaction");
    let start = log.key_of(Action::StartTransaction);
    // A sample while the StartTransaction waits for its answer: queued with the placeholder id.
    cp.handle_station_event(energy(150.0), now);
    let now = tick(&mut cp, now, 10);
    let sample = log.key_of(Action::MeterValues);

    log.mark("answer");
    answer(
        &mut cp,
        now,
        &start_id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"},
            "transactionId": 77}),
    );
    assert_eq!(
        log.after("answer"),
        [
            format!(
                "write_all [remove_message {start}, save_message {sample} MeterValues, \
                 save_transaction 1]"
            ),
            "save_cached_authorization RFID1".to_string(),
            "save_transaction 1".to_string(),
        ],
        "the delete first, with the real transaction id in the messages queued behind it and \
         in the transaction's record; then what the answer leads to (the cache, the parent)"
    );
    let queued = cp.store().messages().unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].key, queued[0].payload["transactionId"].clone()),
        (sample, json!(77))
    );
}

#[test]
fn the_delete_of_an_answered_stop_transaction_is_the_first_write_after_the_answer() {
    let dir = Scratch::new("forget-stop");
    let (mut cp, log, now) = station(&dir);
    cp.handle_station_event(energy(100.0), now);
    cp.handle_station_event(started(100), now);
    let (start_id, _) = until_call(&mut cp, now, "StartTransaction");
    answer(
        &mut cp,
        now,
        &start_id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 77}),
    );
    cp.handle_station_event(
        StationEvent::TransactionStopped {
            connector: 1,
            meter_stop_wh: 300,
            reason: Reason::Local,
            id_tag: Some(IdToken::new("RFID2").unwrap()),
        },
        now,
    );
    let (stop_id, payload) = until_call(&mut cp, now, "StopTransaction");
    assert_eq!(
        (payload["transactionId"].clone(), payload["idTag"].clone()),
        (json!(77), json!("RFID2"))
    );
    let stop = log.key_of(Action::StopTransaction);

    log.mark("answer");
    answer(
        &mut cp,
        now,
        &stop_id,
        json!({"idTagInfo": {"status": "Blocked"}}),
    );
    assert_eq!(
        log.after("answer"),
        [
            format!("remove_message {stop}"),
            "save_cached_authorization RFID2".to_string(),
        ]
    );
    assert_eq!(cp.store().messages().unwrap(), vec![]);
}

#[test]
fn a_failed_transaction_message_is_not_deleted_but_its_failure_written() {
    let dir = Scratch::new("forget-failed");
    let (mut cp, log, now) = station(&dir);
    cp.handle_station_event(energy(100.0), now);
    cp.handle_station_event(started(100), now);
    let (start_id, _) = until_call(&mut cp, now, "StartTransaction");
    let start = log.key_of(Action::StartTransaction);
    log.mark("answer");
    cp.handle_frame(
        &json!([4, start_id, "InternalError", "try again", {}]).to_string(),
        now,
    );
    assert_eq!(
        log.after("answer"),
        [format!("save_message {start} StartTransaction")]
    );
    assert_eq!(cp.store().messages().unwrap()[0].attempts, 1);
}

/// Draining a queue filled offline costs one commit per answered message and none per send
/// (docs/core/delivery-guarantees.md, "One commit per drained message"): nothing is written
/// when a message goes out (its failure count only on a failure), the answer's delete is the
/// one write of a MeterValues or a StopTransaction answered without idTagInfo, and a
/// StartTransaction's delete carries the real id to every message queued behind it in the same
/// write.
#[test]
fn a_drained_queue_costs_one_commit_per_answered_message() {
    let dir = Scratch::new("drain-commits");
    let log = Log::default();
    let store = Recording {
        inner: SqliteStore::open(dir.file("cp001.db")).unwrap(),
        log: log.clone(),
    };
    let patch = json!({"Core": {"MeterValueSampleInterval": 10,
        "MeterValuesSampledData": "Energy.Active.Import.Register"}});
    let now = t0();
    let mut cp = ChargePoint::new(core_config(patch), Box::new(store), 1, now);
    // Offline: a session with three samples.
    cp.handle_station_event(energy(100.0), now);
    cp.handle_station_event(started(100), now);
    let mut now = now;
    for wh in [150.0, 200.0, 250.0] {
        cp.handle_station_event(energy(wh), now);
        now = tick(&mut cp, now, 10);
    }
    cp.handle_station_event(common::stopped(250), now);
    let queued: Vec<(u64, Action)> = cp
        .store()
        .messages()
        .unwrap()
        .iter()
        .map(|m| (m.key, m.action))
        .collect();
    let actions: Vec<Action> = queued.iter().map(|(_, a)| *a).collect();
    assert_eq!(
        actions,
        [
            Action::StartTransaction,
            Action::MeterValues,
            Action::MeterValues,
            Action::MeterValues,
            Action::StopTransaction
        ]
    );

    connect_and_boot(&mut cp, now);
    let mut drained = Vec::new();
    loop {
        log.mark("send");
        let Some(text) = cp.poll_transmit(now) else {
            break;
        };
        let frame: Value = serde_json::from_str(&text).unwrap();
        let (id, action) = (frame[1].as_str().unwrap(), frame[2].as_str().unwrap());
        let payload = match action {
            "StatusNotification" => json!({}),
            "StartTransaction" => {
                json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 77})
            }
            "MeterValues" => json!({}),
            "StopTransaction" => json!({}),
            other => panic!("unexpected {other}"),
        };
        assert_eq!(
            log.after("send"),
            Vec::<String>::new(),
            "sending {action} writes nothing"
        );
        log.mark("answer");
        answer(&mut cp, now, id, payload);
        if action != "StatusNotification" {
            drained.push(log.after("answer"));
        } else {
            assert_eq!(log.after("answer"), Vec::<String>::new());
        }
    }
    let key = |i: usize| queued[i].0;
    assert_eq!(
        drained,
        [
            vec![
                format!(
                    "write_all [remove_message {}, save_message {} MeterValues, \
                     save_message {} MeterValues, save_message {} MeterValues, \
                     save_message {} StopTransaction]",
                    key(0),
                    key(1),
                    key(2),
                    key(3),
                    key(4)
                ),
                "save_cached_authorization RFID1".to_string(),
            ],
            vec![format!("remove_message {}", key(1))],
            vec![format!("remove_message {}", key(2))],
            vec![format!("remove_message {}", key(3))],
            vec![format!("remove_message {}", key(4))],
        ]
    );
    assert_eq!(cp.store().messages().unwrap(), vec![]);
}
