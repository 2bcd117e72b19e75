//! SetChargingProfile, ClearChargingProfile and GetCompositeSchedule
//! answered as the engine decides, the TxProfile of a RemoteStartTransaction applied with its
//! transaction and gone after it, the limits issued to the station
//! ([`StationCommand::ChargingLimit`]) when they change and every PublishChargingScheduleIntervalS,
//! and the profiles surviving a restart. Every test asserts the exact frames and commands.

use std::time::Duration;

use ocpp_types::core::Reason;
use serde_json::{json, Value};

use super::queue_delivery::SharedStore;
use super::{config, tag, Frame, Harness};
use crate::charge_point::{ChargePoint, StationCommand, StationEvent};

/// No sampled or clock-aligned meter values: only what Smart Charging does is sent.
fn quiet() -> Value {
    json!({"Core": {"MeterValueSampleInterval": 0, "ClockAlignedDataInterval": 0}})
}

/// A profile of `purpose` with one period of `amps` from the start of the test (T0), merged
/// with `extra`.
fn profile(id: i32, purpose: &str, amps: f64, extra: Value) -> Value {
    let mut p = json!({"chargingProfileId": id, "stackLevel": 0,
        "chargingProfilePurpose": purpose, "chargingProfileKind": "Absolute",
        "chargingSchedule": {"startSchedule": super::T0, "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}]}});
    crate::config::merge_patch::apply(&mut p, &extra);
    p
}

/// The limit of `amps` per phase on three phases at 230 V, set by a profile.
fn limit(connector: u32, amps: f64) -> StationCommand {
    StationCommand::ChargingLimit {
        connector,
        amps,
        watts: amps * 230.0 * 3.0,
        number_phases: None,
        min_amps: None,
        limited: true,
    }
}

/// No profile limits: the composite defaults (48 A, 33120 W), which the station does not apply.
fn unlimited(connector: u32) -> StationCommand {
    StationCommand::ChargingLimit {
        connector,
        amps: 48.0,
        watts: 33_120.0,
        number_phases: None,
        min_amps: None,
        limited: false,
    }
}

fn set(h: &mut Harness, connector: u32, profile: Value) -> Value {
    h.csms_call_ok(
        "SetChargingProfile",
        json!({"connectorId": connector, "csChargingProfiles": profile}),
    )
}

fn accepted() -> Value {
    json!({"status": "Accepted"})
}

/// The stored profiles as (connector, id, first limit).
fn stored(h: &Harness) -> Vec<(u32, i32, f64)> {
    h.cp.store()
        .charging_profiles()
        .unwrap()
        .into_iter()
        .map(|(c, p)| {
            let limit = p.charging_schedule.charging_schedule_period[0].limit;
            (c, p.charging_profile_id, limit)
        })
        .collect()
}

/// A transaction on `connector` for APP, its StartTransaction answered with id 42.
fn start(h: &mut Harness, connector: u32) {
    h.event(StationEvent::TransactionStarted {
        connector,
        id_tag: tag("APP"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
}

fn stop(h: &mut Harness, connector: u32) {
    h.event(StationEvent::TransactionStopped {
        connector,
        meter_stop_wh: 100,
        reason: Reason::Local,
        id_tag: None,
    });
    h.pump();
}

#[test]
fn a_charge_point_max_profile_limits_the_station_and_every_connector() {
    let mut h = Harness::registered(quiet(), 2);
    let p = profile(1, "ChargePointMaxProfile", 20.0, json!({}));
    assert_eq!(set(&mut h, 0, p), accepted());
    assert_eq!(
        h.commands(),
        vec![limit(0, 20.0), limit(1, 20.0), limit(2, 20.0)]
    );
    assert_eq!(stored(&h), vec![(0, 1, 20.0)]);
    h.assert_silent();
}

#[test]
fn a_tx_default_profile_limits_its_connector_within_the_station_maximum() {
    let mut h = Harness::registered(quiet(), 2);
    set(
        &mut h,
        0,
        profile(1, "ChargePointMaxProfile", 20.0, json!({})),
    );
    h.commands();
    let p = profile(2, "TxDefaultProfile", 16.0, json!({}));
    assert_eq!(set(&mut h, 1, p), accepted());
    // Connector 0 is 16 A + 48 A (connector 2 unlimited), cut to 20 A: unchanged.
    assert_eq!(h.commands(), vec![limit(1, 16.0)]);
    // On connector 0 it is every connector's default.
    let p = profile(3, "TxDefaultProfile", 10.0, json!({}));
    assert_eq!(set(&mut h, 0, p), accepted());
    assert_eq!(h.commands(), vec![limit(2, 10.0)]);
    // A transaction changes nothing here (Absolute profiles).
    start(&mut h, 1);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(stored(&h), vec![(0, 1, 20.0), (1, 2, 16.0), (0, 3, 10.0)]);
}

#[test]
fn a_tx_profile_needs_the_running_transaction() {
    let mut h = Harness::registered(quiet(), 1);
    let p = profile(5, "TxProfile", 10.0, json!({}));
    assert_eq!(set(&mut h, 1, p.clone()), json!({"status": "Rejected"}));
    assert_eq!(h.commands(), vec![]);
    assert_eq!(stored(&h), vec![]);
    start(&mut h, 1);
    // Another transaction's id is refused too.
    let other = profile(5, "TxProfile", 10.0, json!({"transactionId": 41}));
    assert_eq!(set(&mut h, 1, other), json!({"status": "Rejected"}));
    let ours = profile(5, "TxProfile", 10.0, json!({"transactionId": 42}));
    assert_eq!(set(&mut h, 1, ours), accepted());
    assert_eq!(h.commands(), vec![limit(0, 10.0), limit(1, 10.0)]);
    // Gone with its transaction, and the limits with it.
    stop(&mut h, 1);
    assert_eq!(h.commands(), vec![unlimited(0), unlimited(1)]);
    assert!(h.cp.charging_profiles().is_empty());
    assert_eq!(stored(&h), vec![]);
}

#[test]
fn a_profile_with_the_same_id_replaces_the_old_one() {
    let mut h = Harness::registered(quiet(), 1);
    set(&mut h, 1, profile(1, "TxDefaultProfile", 16.0, json!({})));
    assert_eq!(h.commands(), vec![limit(0, 16.0), limit(1, 16.0)]);
    let again = profile(1, "TxDefaultProfile", 8.0, json!({"stackLevel": 2}));
    assert_eq!(set(&mut h, 1, again), accepted());
    assert_eq!(h.commands(), vec![limit(0, 8.0), limit(1, 8.0)]);
    assert_eq!(h.cp.charging_profiles().len(), 1);
    assert_eq!(stored(&h), vec![(1, 1, 8.0)]);
    // Same purpose and stack level on the same connector: replaced too.
    let same_level = profile(9, "TxDefaultProfile", 12.0, json!({"stackLevel": 2}));
    assert_eq!(set(&mut h, 1, same_level), accepted());
    assert_eq!(stored(&h), vec![(1, 9, 12.0)]);
}

#[test]
fn clear_by_id_by_purpose_or_nothing_to_clear() {
    let mut h = Harness::registered(quiet(), 1);
    set(
        &mut h,
        0,
        profile(1, "ChargePointMaxProfile", 20.0, json!({})),
    );
    set(&mut h, 1, profile(2, "TxDefaultProfile", 16.0, json!({})));
    h.commands();
    let clear = |h: &mut Harness, payload: Value| h.csms_call_ok("ClearChargingProfile", payload);
    let unknown = json!({"status": "Unknown"});
    assert_eq!(clear(&mut h, json!({"id": 7})), unknown);
    assert_eq!(
        clear(&mut h, json!({"chargingProfilePurpose": "TxProfile"})),
        unknown
    );
    assert_eq!(
        clear(&mut h, json!({"connectorId": 1, "stackLevel": 3})),
        unknown
    );
    assert_eq!(h.commands(), vec![]);
    assert_eq!(clear(&mut h, json!({"id": 2})), accepted());
    assert_eq!(h.commands(), vec![limit(0, 20.0), limit(1, 20.0)]);
    assert_eq!(stored(&h), vec![(0, 1, 20.0)]);
    assert_eq!(
        clear(
            &mut h,
            json!({"chargingProfilePurpose": "ChargePointMaxProfile"})
        ),
        accepted()
    );
    assert_eq!(h.commands(), vec![unlimited(0), unlimited(1)]);
    assert_eq!(stored(&h), vec![]);
    // No criterion at all: Accepted even with nothing installed (libocpp).
    assert_eq!(clear(&mut h, json!({})), accepted());
    assert_eq!(h.commands(), vec![]);
    h.assert_silent();
}

#[test]
fn get_composite_schedule_of_a_connector_and_of_the_station() {
    let mut h = Harness::registered(quiet(), 2);
    set(
        &mut h,
        0,
        profile(1, "ChargePointMaxProfile", 20.0, json!({})),
    );
    let two_periods = json!({"chargingSchedule": {"chargingSchedulePeriod":
        [{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 600, "limit": 8.0}]}});
    set(&mut h, 1, profile(2, "TxDefaultProfile", 16.0, two_periods));
    h.advance(60);
    let composite =
        |h: &mut Harness, payload: Value| h.csms_call_ok("GetCompositeSchedule", payload);
    assert_eq!(
        composite(&mut h, json!({"connectorId": 1, "duration": 1200})),
        json!({"status": "Accepted", "connectorId": 1, "scheduleStart": h.at(60),
            "chargingSchedule": {"duration": 1200, "startSchedule": h.at(60),
                "chargingRateUnit": "A", "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 16.0}, {"startPeriod": 540, "limit": 8.0}]}})
    );
    // The station: connector 1 plus connector 2's default (48 A), cut to the 20 A maximum.
    assert_eq!(
        composite(
            &mut h,
            json!({"connectorId": 0, "duration": 1200, "chargingRateUnit": "W"})
        ),
        json!({"status": "Accepted", "connectorId": 0, "scheduleStart": h.at(60),
            "chargingSchedule": {"duration": 1200, "startSchedule": h.at(60),
                "chargingRateUnit": "W", "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 13800.0}]}})
    );
    assert_eq!(
        composite(&mut h, json!({"connectorId": 3, "duration": 1200})),
        json!({"status": "Rejected"})
    );
}

#[test]
fn without_the_smart_charging_profile_the_actions_are_not_supported() {
    // libocpp's message_callback: a CALL no listed feature profile brings is a NotSupported
    // CALLERROR.
    let mut h = Harness::registered(
        json!({"Core": {"SupportedFeatureProfiles": "Core,RemoteTrigger"}}),
        1,
    );
    for (action, payload) in [
        (
            "SetChargingProfile",
            json!({"connectorId": 0, "csChargingProfiles":
                profile(1, "ChargePointMaxProfile", 20.0, json!({}))}),
        ),
        ("ClearChargingProfile", json!({})),
        (
            "GetCompositeSchedule",
            json!({"connectorId": 0, "duration": 60}),
        ),
    ] {
        assert_eq!(
            h.csms_call(action, payload),
            vec![Frame::Error {
                id: h.csms_id(),
                code: "NotSupported".into()
            }],
            "{action}"
        );
    }
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn the_tx_profile_of_a_remote_start_applies_from_its_transaction_and_goes_with_it() {
    let mut h = Harness::registered(quiet(), 1);
    let p = profile(
        5,
        "TxProfile",
        10.0,
        json!({"chargingProfileKind": "Relative",
        "chargingSchedule": {"startSchedule": null}}),
    );
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP", "chargingProfile": p})
        ),
        accepted()
    );
    let commands = h.commands();
    assert!(
        matches!(commands.as_slice(), [StationCommand::RemoteStart { .. }]),
        "{commands:?}"
    );
    // Not installed before the transaction.
    assert!(h.cp.charging_profiles().is_empty());
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.pump();
    start(&mut h, 1);
    assert_eq!(h.commands(), vec![limit(0, 10.0), limit(1, 10.0)]);
    assert_eq!(stored(&h), vec![(1, 5, 10.0)]);
    stop(&mut h, 1);
    assert_eq!(h.commands(), vec![unlimited(0), unlimited(1)]);
    assert!(h.cp.charging_profiles().is_empty());
    assert_eq!(stored(&h), vec![]);
    // The next transaction has no TxProfile.
    start(&mut h, 1);
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn the_limit_changes_at_a_period_boundary() {
    let mut h = Harness::registered(quiet(), 1);
    let two_periods = json!({"chargingSchedule": {"chargingSchedulePeriod":
        [{"startPeriod": 0, "limit": 16.0}, {"startPeriod": 600, "limit": 8.0, "numberPhases": 1}],
        "minChargingRate": 6.0}});
    set(&mut h, 1, profile(1, "TxDefaultProfile", 16.0, two_periods));
    let limit = |connector, amps: f64, phases: u32, min_amps| StationCommand::ChargingLimit {
        connector,
        amps,
        watts: amps * 230.0 * f64::from(phases),
        number_phases: (phases != 3).then_some(phases),
        min_amps,
        limited: true,
    };
    // The station has no minChargingRate: it is the connector's.
    assert_eq!(
        h.commands(),
        vec![limit(0, 16.0, 3, None), limit(1, 16.0, 3, Some(6.0))]
    );
    h.advance(599);
    assert_eq!(h.commands(), vec![]);
    h.advance(1);
    assert_eq!(
        h.commands(),
        vec![limit(0, 8.0, 1, None), limit(1, 8.0, 1, Some(6.0))]
    );
    h.advance(3600);
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn limits_are_published_at_start_and_every_interval() {
    let mut h = Harness::new(quiet(), 1);
    h.cp = ChargePoint::new(
        config(
            json!({"Core": {"NumberOfConnectors": 1, "ConnectorPhaseRotation": "0.RST",
            "MeterValueSampleInterval": 0, "ClockAlignedDataInterval": 0}}),
        ),
        Box::new(crate::charge_point::MemoryStore::default()),
        1,
        h.now,
    )
    .with_publish_interval(Duration::from_secs(30));
    assert_eq!(h.cp.poll_timeout(), Some(h.now.instant), "due at once");
    h.advance(0);
    assert_eq!(h.commands(), vec![unlimited(0), unlimited(1)]);
    h.advance(29);
    assert_eq!(h.commands(), vec![]);
    h.connect();
    h.pump();
    set(&mut h, 1, profile(1, "TxDefaultProfile", 16.0, json!({})));
    assert_eq!(h.commands(), vec![limit(0, 16.0), limit(1, 16.0)]);
    h.advance(1);
    assert_eq!(h.commands(), vec![limit(0, 16.0), limit(1, 16.0)]);
    h.advance(30);
    assert_eq!(h.commands(), vec![limit(0, 16.0), limit(1, 16.0)]);
}

#[test]
fn an_expired_profile_is_removed() {
    let mut h = Harness::registered(quiet(), 1);
    let p = profile(1, "TxDefaultProfile", 16.0, json!({"validTo": h.at(100)}));
    set(&mut h, 1, p);
    h.commands();
    h.advance(101);
    assert_eq!(h.commands(), vec![unlimited(0), unlimited(1)]);
    assert!(h.cp.charging_profiles().is_empty());
    assert_eq!(stored(&h), vec![]);
}

/// A charge point over `store` at `from`'s time, connected and registered.
fn restarted(store: &SharedStore, from: &Harness, resumed: &[u32]) -> Harness {
    let patch = json!({"Core": {"NumberOfConnectors": 1, "ConnectorPhaseRotation": "0.RST",
        "MeterValueSampleInterval": 0, "ClockAlignedDataInterval": 0}});
    let cp = ChargePoint::with_resumed_transactions(
        config(patch),
        Box::new(store.clone()),
        1,
        resumed,
        from.now,
    );
    Harness {
        cp,
        now: from.now,
        csms_calls: from.csms_calls,
        held: Vec::new(),
    }
}

#[test]
fn profiles_survive_a_restart_and_a_tx_profile_only_with_its_transaction() {
    let store = SharedStore::default();
    let mut h = restarted(&store, &Harness::new(quiet(), 1), &[]);
    h.connect();
    h.pump();
    set(
        &mut h,
        0,
        profile(1, "ChargePointMaxProfile", 20.0, json!({})),
    );
    set(&mut h, 1, profile(2, "TxDefaultProfile", 16.0, json!({})));
    start(&mut h, 1);
    set(
        &mut h,
        1,
        profile(3, "TxProfile", 10.0, json!({"transactionId": 42})),
    );
    h.commands();

    // The transaction goes on: every profile is back, and so are the limits.
    let disk = store.get().clone();
    let mut resumed = Harness::with_store(quiet(), 1, disk, &[1]);
    assert_eq!(resumed.commands(), vec![limit(0, 10.0), limit(1, 10.0)]);
    assert_eq!(resumed.cp.charging_profiles().len(), 3);

    // It did not survive: its TxProfile is dropped from memory and from the store.
    let mut h2 = restarted(&store, &h, &[]);
    assert_eq!(h2.commands(), vec![limit(0, 16.0), limit(1, 16.0)]);
    assert_eq!(h2.cp.charging_profiles().len(), 2);
    assert_eq!(stored(&h2), vec![(0, 1, 20.0), (1, 2, 16.0)]);
    h2.connect();
    let sent = h2.pump_no_heartbeats();
    let stop = sent.iter().find(|(action, _)| action == "StopTransaction");
    assert_eq!(stop.unwrap().1["reason"], json!("PowerLoss"));
}

#[test]
fn purposes_ignored_offline_leave_the_limits_while_disconnected() {
    let mut patch = quiet();
    crate::config::merge_patch::apply(
        &mut patch,
        &json!({"Internal": {"IgnoredProfilePurposesOffline": "TxDefaultProfile"}}),
    );
    let mut h = Harness::registered(patch, 1);
    set(&mut h, 1, profile(1, "TxDefaultProfile", 16.0, json!({})));
    assert_eq!(h.commands(), vec![limit(0, 16.0), limit(1, 16.0)]);
    h.disconnect();
    assert_eq!(h.commands(), vec![unlimited(0), unlimited(1)]);
    h.connect();
    assert_eq!(h.commands(), vec![limit(0, 16.0), limit(1, 16.0)]);
}
