//! Transaction messages are stored before they are sent and delivered in
//! order, each until answered, with their original timestamps, across disconnects and
//! restarts (a [`MemoryStore`] shared by successive charge points; the same over the SQLite
//! store is in the chargepoint crate's tests/sqlite_core.rs);
//! failures (CALLERROR, no answer) and TransactionMessageAttempts; what is kept offline and the
//! StatusNotifications after a reconnect; QueueAllMessages. Every test asserts the exact
//! frames, in order.

use std::sync::{Arc, Mutex};

use ocpp_types::core::Reason;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::meter::Measurand;
use serde_json::{json, Value};

use super::{config, tag, Harness};
use crate::charge_point::{
    ChargePoint, MeasuredValue, MemoryStore, MeterReading, StationEvent, Store, StoreError,
    StoredMessage, StoredTransaction,
};

/// One [`MemoryStore`] that successive charge points use, as the disk a restart keeps.
#[derive(Clone, Default)]
pub(super) struct SharedStore(Arc<Mutex<MemoryStore>>);

impl SharedStore {
    pub(super) fn get(&self) -> std::sync::MutexGuard<'_, MemoryStore> {
        self.0.lock().unwrap()
    }
}

impl Store for SharedStore {
    fn save_transaction(&mut self, t: &StoredTransaction) -> Result<(), StoreError> {
        self.get().save_transaction(t)
    }
    fn remove_transaction(&mut self, connector: u32) -> Result<(), StoreError> {
        self.get().remove_transaction(connector)
    }
    fn transactions(&self) -> Result<Vec<StoredTransaction>, StoreError> {
        self.get().transactions()
    }
    fn save_availability(&mut self, connector: u32, operative: bool) -> Result<(), StoreError> {
        self.get().save_availability(connector, operative)
    }
    fn availability(&self) -> Result<std::collections::BTreeMap<u32, bool>, StoreError> {
        self.get().availability()
    }
    fn save_cached_authorization(
        &mut self,
        id_tag: &IdToken,
        info: &IdTagInfo,
    ) -> Result<(), StoreError> {
        self.get().save_cached_authorization(id_tag, info)
    }
    fn cached_authorization(&self, id_tag: &IdToken) -> Result<Option<IdTagInfo>, StoreError> {
        self.get().cached_authorization(id_tag)
    }
    fn clear_authorization_cache(&mut self) -> Result<(), StoreError> {
        self.get().clear_authorization_cache()
    }
    fn replace_local_list(
        &mut self,
        version: i32,
        entries: &[(IdToken, IdTagInfo)],
    ) -> Result<(), StoreError> {
        self.get().replace_local_list(version, entries)
    }
    fn update_local_list(
        &mut self,
        version: i32,
        upserts: &[(IdToken, IdTagInfo)],
        removals: &[IdToken],
    ) -> Result<(), StoreError> {
        self.get().update_local_list(version, upserts, removals)
    }
    fn local_list(&self) -> Result<crate::charge_point::StoredLocalList, StoreError> {
        self.get().local_list()
    }
    fn save_reservation(
        &mut self,
        reservation: &crate::charge_point::StoredReservation,
    ) -> Result<(), StoreError> {
        self.get().save_reservation(reservation)
    }
    fn remove_reservation(&mut self, id: i32) -> Result<(), StoreError> {
        self.get().remove_reservation(id)
    }
    fn reservations(&self) -> Result<Vec<crate::charge_point::StoredReservation>, StoreError> {
        self.get().reservations()
    }
    fn write_all(&mut self, writes: &[crate::charge_point::StoreWrite]) -> Result<(), StoreError> {
        self.get().write_all(writes)
    }
    fn save_message(&mut self, message: &StoredMessage) -> Result<(), StoreError> {
        self.get().save_message(message)
    }
    fn save_messages(&mut self, messages: &[StoredMessage]) -> Result<(), StoreError> {
        self.get().save_messages(messages)
    }
    fn remove_messages(&mut self, keys: &[u64]) -> Result<(), StoreError> {
        self.get().remove_messages(keys)
    }
    fn remove_message(&mut self, key: u64) -> Result<(), StoreError> {
        self.get().remove_message(key)
    }
    fn messages(&self) -> Result<Vec<StoredMessage>, StoreError> {
        self.get().messages()
    }
    fn save_charging_profile(
        &mut self,
        connector: u32,
        profile: &ocpp_types::charging_profile::ChargingProfile,
    ) -> Result<(), StoreError> {
        self.get().save_charging_profile(connector, profile)
    }
    fn remove_charging_profile(&mut self, id: i32) -> Result<(), StoreError> {
        self.get().remove_charging_profile(id)
    }
    fn charging_profiles(
        &self,
    ) -> Result<Vec<(u32, ocpp_types::charging_profile::ChargingProfile)>, StoreError> {
        self.get().charging_profiles()
    }
}

/// Sampling every 60 s of the energy register only, no transactionData, one connector.
pub(super) fn sampling(extra: Value) -> Value {
    let mut patch = json!({"Core": {"MeterValueSampleInterval": 60,
        "MeterValuesSampledData": "Energy.Active.Import.Register", "StopTxnSampledData": "",
        "TransactionMessageAttempts": 3, "TransactionMessageRetryInterval": 10}});
    crate::config::merge_patch::apply(&mut patch, &extra);
    patch
}

/// A charge point over `store` whose clock goes on from `from` (a restart keeps the time).
fn restarted(store: Box<dyn Store>, patch: Value, from: &Harness) -> Harness {
    let mut patch = patch;
    crate::config::merge_patch::apply(
        &mut patch,
        &json!({"Core": {"NumberOfConnectors": 1, "ConnectorPhaseRotation": "0.RST"}}),
    );
    let cp = ChargePoint::new(config(patch), store, 1, from.now);
    Harness {
        cp,
        now: from.now,
        csms_calls: from.csms_calls,
        held: Vec::new(),
    }
}

pub(super) fn energy(wh: f64) -> StationEvent {
    StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![MeasuredValue::new(
                Measurand::EnergyActiveImportRegister,
                wh,
            )],
        },
    }
}

pub(super) fn start(h: &mut Harness, meter_start_wh: i32) {
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh,
        reservation_id: None,
    });
}

pub(super) fn stop(h: &mut Harness, meter_stop_wh: i32) {
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh,
        reason: Reason::Remote,
        id_tag: None,
    });
}

pub(super) fn start_payload(h: &Harness, meter_start: i32, secs: i64) -> Value {
    json!({"connectorId": 1, "idTag": "RFID1", "meterStart": meter_start,
        "timestamp": h.at(secs)})
}

pub(super) fn meter_values(h: &Harness, id: i32, wh: &str, secs: i64) -> Value {
    json!({"connectorId": 1, "transactionId": id, "meterValue": [{"timestamp": h.at(secs),
        "sampledValue": [{"value": wh, "context": "Sample.Periodic",
        "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]}]})
}

pub(super) fn stop_payload(
    h: &Harness,
    id: i32,
    meter_stop: i32,
    secs: i64,
    reason: &str,
) -> Value {
    json!({"meterStop": meter_stop, "timestamp": h.at(secs), "transactionId": id,
        "reason": reason})
}

fn call(action: &str, payload: Value) -> (String, Value) {
    (action.to_string(), payload)
}

/// Answers BootNotification Accepted with the station's own time (no clock offset).
fn boot(h: &mut Harness) {
    let (id, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    let now = h.now.utc.to_string();
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": now, "interval": 300}),
    );
}

#[test]
fn a_transaction_message_is_stored_before_it_is_sent() {
    let mut h = Harness::registered(sampling(json!({})), 1);
    start(&mut h, 100);
    // Stored by the event itself: nothing has been handed to the transport yet.
    assert_eq!(
        h.stored_messages(),
        vec![call("StartTransaction", start_payload(&h, 100, 0))]
    );
    let (id, action, payload) = h.call();
    assert_eq!(
        (action, payload),
        call("StartTransaction", start_payload(&h, 100, 0))
    );
    // Sent is not delivered: it stays stored until answered.
    assert_eq!(h.stored_messages().len(), 1);
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 7}),
    );
    assert_eq!(h.stored_messages(), vec![]);
}

#[test]
fn transaction_messages_survive_repeated_disconnects_in_order_and_each_goes_until_answered() {
    let mut h = Harness::registered(sampling(json!({})), 1);
    let mut sent = Vec::new();
    let mut take = |h: &mut Harness| {
        let (id, action, payload) = h.call();
        sent.push(call(&action, payload.clone()));
        (id, action, payload)
    };
    h.event(energy(100.0));
    start(&mut h, 100);
    take(&mut h);
    // Cut off with StartTransaction in flight, twice.
    h.disconnect();
    h.event(energy(200.0));
    h.advance(60); // sampled offline
    h.connect();
    take(&mut h);
    h.disconnect();
    h.advance(1);
    h.connect();
    let (id, _, _) = take(&mut h);
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 77}),
    );
    // The MeterValues of before goes next, with the id; cut off in flight.
    take(&mut h);
    h.disconnect();
    h.event(energy(300.0));
    h.advance(59); // second sample, offline
    stop(&mut h, 300);
    h.advance(5);
    h.connect();
    let rest = h.pump();
    sent.extend(rest);

    let start = start_payload(&h, 100, 0);
    let first_sample = meter_values(&h, 77, "200", 60);
    assert_eq!(
        sent,
        vec![
            call("StartTransaction", start.clone()),
            call("StartTransaction", start.clone()),
            call("StartTransaction", start),
            call("MeterValues", first_sample.clone()),
            // Unanswered above, so sent again; every answered message never again.
            call("MeterValues", first_sample),
            call("MeterValues", meter_values(&h, 77, "300", 120)),
            call("StopTransaction", stop_payload(&h, 77, 300, 120, "Remote")),
            h.status(0, "Available", 125),
            h.status(1, "Available", 125),
        ]
    );
    assert_eq!(h.stored_messages(), vec![]);
    h.advance(100);
    h.assert_silent();
}

/// A transaction started and sampled offline, then power lost twice (once with its
/// StartTransaction in flight): every restart starts from what `open` gives back.
fn restarts(open: impl Fn() -> Box<dyn Store>) {
    let patch = sampling(json!({}));
    let mut h = restarted(open(), patch.clone(), &Harness::new(json!({}), 1));
    h.connect();
    boot(&mut h);
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Available", 0), h.status(1, "Available", 0)]
    );
    h.disconnect();
    h.event(energy(100.0));
    start(&mut h, 100);
    h.event(energy(250.0));
    h.advance(60);
    assert_eq!(h.cp.transaction_id(1), Some(-1));
    // Power lost: the transaction is not resumed, so it is stopped at its last sample.
    let mut h = restarted(open(), patch.clone(), &h);
    h.advance(30);
    h.connect();
    boot(&mut h);
    let (_, action, payload) = h.call();
    assert_eq!(
        (action, payload),
        call("StartTransaction", start_payload(&h, 100, 0))
    );
    // Power lost again with StartTransaction in flight.
    let mut h = restarted(open(), patch, &h);
    h.advance(30);
    h.connect();
    boot(&mut h);
    let (id, action, payload) = h.call();
    assert_eq!(
        (action, payload),
        call("StartTransaction", start_payload(&h, 100, 0)),
        "the message in flight goes again first"
    );
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 88}),
    );
    assert_eq!(
        h.pump(),
        vec![
            call("MeterValues", meter_values(&h, 88, "250", 60)),
            call(
                "StopTransaction",
                stop_payload(&h, 88, 250, 60, "PowerLoss")
            ),
            h.status(0, "Available", 120),
            h.status(1, "Available", 120),
        ]
    );
    assert_eq!(h.stored_messages(), vec![]);
    assert_eq!(open().messages().unwrap(), vec![]);
    assert_eq!(open().transactions().unwrap(), vec![]);
}

#[test]
fn transaction_messages_survive_restarts_over_a_shared_memory_store() {
    let store = SharedStore::default();
    restarts(|| Box::new(store.clone()));
}

#[test]
fn a_lost_connection_is_not_a_failed_attempt() {
    let mut h = Harness::registered(
        sampling(json!({"Core": {"TransactionMessageAttempts": 2}})),
        1,
    );
    start(&mut h, 100);
    for _ in 0..3 {
        assert_eq!(h.call().1, "StartTransaction");
        h.disconnect();
        h.connect();
    }
    // Three sends cut off; the first CALLERROR is only the first of the two attempts.
    let (id, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    h.answer_error(&id);
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Available", 0), h.status(1, "Charging", 0)]
    );
    h.advance(10);
    let (id, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 3}),
    );
    assert_eq!(h.cp.transaction_id(1), Some(3));
}

#[test]
fn a_callerror_never_stalls_the_queue_and_the_stop_then_goes_with_its_start() {
    let mut h = Harness::registered(
        sampling(json!({"Core": {"TransactionMessageAttempts": 2}})),
        1,
    );
    h.disconnect();
    start(&mut h, 100);
    stop(&mut h, 150);
    h.connect();
    let (id, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    h.answer_error(&id);
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Available", 0), h.status(1, "Available", 0)]
    );
    h.advance(10);
    let (id, action, _) = h.call();
    assert_eq!(action, "StartTransaction");
    h.answer_error(&id);
    // Given up after two CALLERRORs: the central system has it and refuses it. What follows
    // goes on at once; the StopTransaction of the transaction it never registered is
    // dropped, where libocpp sends its made-up internal id (transactions.rs, "A
    // StartTransaction given up").
    assert_eq!(h.pump(), vec![]);
    assert_eq!(h.stored_messages(), vec![]);
}

#[test]
fn an_unanswered_start_transaction_is_never_dropped() {
    // Attempts 3, interval 10: the waits grow 10 s, 20 s, then stay at 30 s.
    let mut h = Harness::registered(sampling(json!({})), 1);
    start(&mut h, 100);
    let start = start_payload(&h, 100, 0);
    assert_eq!(h.call().2, start);
    let mut at = 0;
    for wait in [10, 20, 30, 30, 30] {
        h.advance(30); // ocpp-rpc's timeout
        at += 30;
        if at == 30 {
            // Other messages pass the held-back StartTransaction.
            assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
        }
        h.advance(wait - 1);
        h.assert_silent();
        h.advance(1);
        at += wait;
        let (_, action, payload) = h.call();
        assert_eq!(
            (action, payload),
            call("StartTransaction", start.clone()),
            "at {at}"
        );
    }
    assert_eq!(h.cp.queued_transaction_messages(), 1);
    assert_eq!(h.stored_messages().len(), 1);
}

#[test]
fn an_unanswered_meter_values_is_dropped_after_its_attempts() {
    let mut h = Harness::registered(
        sampling(json!({"Core": {"TransactionMessageAttempts": 1}})),
        1,
    );
    h.event(energy(100.0));
    start(&mut h, 100);
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 9}),
    );
    assert_eq!(h.pump(), vec![h.status(1, "Charging", 0)]);
    h.event(energy(200.0));
    h.advance(60);
    let (_, action, _) = h.call();
    assert_eq!(action, "MeterValues");
    stop(&mut h, 250);
    h.advance(30);
    // One failure used the one attempt: the sample is dropped, the StopTransaction goes.
    assert_eq!(
        h.pump(),
        vec![
            call("StopTransaction", stop_payload(&h, 9, 250, 60, "Remote")),
            h.status(1, "Available", 60),
        ]
    );
    assert_eq!(h.stored_messages(), vec![]);
}

#[test]
fn offline_nothing_else_is_kept_and_every_status_is_sent_after_the_reconnect() {
    let mut h = Harness::registered(sampling(json!({})), 1);
    h.disconnect();
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(energy(100.0));
    start(&mut h, 100);
    // Six samples and a heartbeat fall due offline.
    for _ in 0..6 {
        h.advance(60);
    }
    h.advance(40);
    h.connect();
    // The transaction messages queued offline first (they are older), then the status of
    // every connector as it is now, stamped now: no Preparing of the past, no Heartbeat.
    let mut expected = vec![call("StartTransaction", start_payload(&h, 100, 0))];
    expected.extend((1..=6).map(|k| call("MeterValues", meter_values(&h, 42, "100", 60 * k))));
    expected.extend([h.status(0, "Available", 400), h.status(1, "Charging", 400)]);
    assert_eq!(h.pump(), expected);
}

/// A Heartbeat in flight and a StatusNotification queued behind it when the connection drops.
fn cut_off_with_a_heartbeat_in_flight(patch: Value) -> Harness {
    let mut h = Harness::registered(patch, 1);
    h.advance(300);
    let (_, action, _) = h.call();
    assert_eq!(action, "Heartbeat");
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.assert_silent();
    h.disconnect();
    h.advance(5);
    h.connect();
    h
}

#[test]
fn without_queue_all_messages_what_was_queued_goes_with_the_connection() {
    let mut h = cut_off_with_a_heartbeat_in_flight(json!({}));
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Available", 305), h.status(1, "Preparing", 305)]
    );
}

#[test]
fn queue_all_messages_keeps_what_was_queued_but_not_the_discarded_types() {
    let mut h = cut_off_with_a_heartbeat_in_flight(json!({"Internal": {"QueueAllMessages": true}}));
    assert_eq!(
        h.pump(),
        vec![
            call("Heartbeat", json!({})),
            h.status(1, "Preparing", 300),
            h.status(0, "Available", 305),
            h.status(1, "Preparing", 305),
        ]
    );
    let mut h = cut_off_with_a_heartbeat_in_flight(json!({"Internal": {"QueueAllMessages": true,
        "MessageTypesDiscardForQueueing": "Heartbeat"}}));
    assert_eq!(
        h.pump(),
        vec![
            h.status(1, "Preparing", 300),
            h.status(0, "Available", 305),
            h.status(1, "Preparing", 305),
        ]
    );
}
