//! A station that starts while the central system is unreachable charges all the same: local
//! authorization (cache, local list, AllowOfflineTxForUnknownId) decides before any
//! registration, the transaction messages wait in the queue, and when the central system
//! comes back BootNotification goes first and the queued messages follow in order.

use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};
use serde_json::json;

use super::authorization_cache::result;
use super::*;
use crate::charge_point::Store;

fn offline_config() -> Value {
    json!({"Core": {"LocalAuthorizeOffline": true, "MeterValueSampleInterval": 0,
        "ClockAlignedDataInterval": 0}})
}

#[test]
fn never_connected_a_cached_identifier_starts_a_session_delivered_after_the_boot() {
    let mut store = MemoryStore::default();
    let accepted = IdTagInfo::with_status(AuthorizationStatus::Accepted);
    store
        .save_cached_authorization(&tag("RFID1"), &accepted)
        .unwrap();
    let mut h = Harness::with_store(offline_config(), 1, store, &[]);
    // No connection, no registration: the station decides alone.
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: None,
    });
    assert_eq!(h.commands(), vec![result("RFID1", true, Some(accepted))]);
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    assert_eq!(h.cp.snapshot().registration, None);
    assert_eq!(h.cp.queued_transaction_messages(), 1);
    h.advance(5);
    h.assert_silent();

    // The central system is back: BootNotification first, then the StartTransaction queued
    // offline (older than the fresh StatusNotifications), then the statuses.
    h.connect();
    let sent = h.pump();
    let actions: Vec<&str> = sent.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "BootNotification",
            "StartTransaction",
            "StatusNotification",
            "StatusNotification"
        ]
    );
    assert_eq!(
        sent[1].1,
        json!({"connectorId": 1, "idTag": "RFID1", "meterStart": 0, "timestamp": h.at(0)})
    );
    assert_eq!(h.cp.transaction_id(1), Some(42));
}

#[test]
fn never_connected_an_unknown_identifier_starts_with_allow_offline_tx_for_unknown_id() {
    let mut patch = offline_config();
    patch["Core"]["AllowOfflineTxForUnknownId"] = json!(true);
    let mut h = Harness::new(patch, 1);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TokenPresented {
        id_tag: tag("NEW"),
        connector: None,
    });
    assert_eq!(h.commands(), vec![result("NEW", true, None)]);
}
