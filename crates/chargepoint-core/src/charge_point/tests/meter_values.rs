//! Sampled meter values: every measurand a reading can carry, per phase, with units,
//! contexts and locations; the ...MaxLength limits; a whole session while offline.

use ocpp_types::core::Reason;
use ocpp_types::meter::{Location, Measurand as M, Phase};
use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::{MeasuredValue, MeterReading, StationCommand, StationEvent};

/// What a three-phase AC station's meter, its EVSE and the car report.
fn full_reading(energy_wh: f64) -> StationEvent {
    let v = MeasuredValue::new;
    let mut values = vec![
        v(M::EnergyActiveImportRegister, energy_wh),
        v(M::PowerActiveImport, 11040.0),
    ];
    for (line, to_neutral) in [
        (Phase::L1, Phase::L1N),
        (Phase::L2, Phase::L2N),
        (Phase::L3, Phase::L3N),
    ] {
        values.push(v(M::PowerActiveImport, 3680.0).on_phase(line));
        values.push(v(M::CurrentImport, 16.0).on_phase(line));
        values.push(v(M::Voltage, 230.0).on_phase(to_neutral));
    }
    values.extend([
        v(M::CurrentOffered, 16.0),
        v(M::PowerOffered, 11040.0),
        v(M::SoC, 42.5),
        v(M::Temperature, 31.2).at(Location::Body),
        v(M::Temperature, 28.0).at(Location::Cable),
    ]);
    StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading { values },
    }
}

fn sv(
    value: &str,
    measurand: &str,
    unit: &str,
    phase: Option<&str>,
    location: Option<&str>,
) -> Value {
    let mut v = json!({"value": value, "context": "Sample.Periodic", "measurand": measurand,
        "unit": unit});
    if let Some(p) = phase {
        v["phase"] = json!(p);
    }
    if let Some(l) = location {
        v["location"] = json!(l);
    }
    v
}

fn start(h: &mut Harness, id_tag: &str) {
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag(id_tag),
        meter_start_wh: 1000,
        reservation_id: None,
    });
}

#[test]
fn every_measurand_goes_out_with_its_phases_unit_and_location_in_configured_order() {
    let mut h = Harness::registered(
        json!({"Core": {"MeterValueSampleInterval": 30, "StopTxnSampledData": "",
            "MeterValuesSampledData": "Temperature,SoC,Power.Offered,Current.Offered,Voltage,Current.Import,Power.Active.Import,Energy.Active.Import.Register"}}),
        1,
    );
    h.event(full_reading(1000.0));
    start(&mut h, "RFID1");
    h.pump();
    h.advance(30);
    let samples = vec![
        sv("31.2", "Temperature", "Celsius", None, Some("Body")),
        sv("28", "Temperature", "Celsius", None, Some("Cable")),
        sv("42.5", "SoC", "Percent", None, Some("EV")),
        sv("11040", "Power.Offered", "W", None, None),
        sv("16", "Current.Offered", "A", None, None),
        sv("230", "Voltage", "V", Some("L1-N"), None),
        sv("230", "Voltage", "V", Some("L2-N"), None),
        sv("230", "Voltage", "V", Some("L3-N"), None),
        sv("16", "Current.Import", "A", Some("L1"), None),
        sv("16", "Current.Import", "A", Some("L2"), None),
        sv("16", "Current.Import", "A", Some("L3"), None),
        sv("11040", "Power.Active.Import", "W", None, None),
        sv("3680", "Power.Active.Import", "W", Some("L1"), None),
        sv("3680", "Power.Active.Import", "W", Some("L2"), None),
        sv("3680", "Power.Active.Import", "W", Some("L3"), None),
        sv("1000", "Energy.Active.Import.Register", "Wh", None, None),
    ];
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 1, "transactionId": 42,
                "meterValue": [{"timestamp": h.at(30), "sampledValue": samples}]})
        )]
    );
}

#[test]
fn stop_txn_sampled_data_fills_transaction_data_from_begin_to_end() {
    let mut h = Harness::registered(
        json!({"Core": {"MeterValueSampleInterval": 60, "MeterValuesSampledData": "SoC",
            "StopTxnSampledData": "Energy.Active.Import.Register,Current.Import"}}),
        1,
    );
    h.event(full_reading(1000.0));
    start(&mut h, "RFID1");
    h.pump();
    h.event(full_reading(1500.0));
    h.advance(60);
    h.pump();
    h.advance(10);
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 1600,
        reason: Reason::Remote,
        id_tag: None,
    });
    let value = |wh: &str, context: &str, at: String| {
        let current = |phase: &str| {
            json!({"value": "16", "context": context, "measurand": "Current.Import",
                "phase": phase, "unit": "A"})
        };
        json!({"timestamp": at, "sampledValue": [
            {"value": wh, "context": context, "measurand": "Energy.Active.Import.Register",
             "unit": "Wh"},
            current("L1"), current("L2"), current("L3")]})
    };
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 1600, "timestamp": h.at(70), "transactionId": 42,
                "reason": "Remote", "transactionData": [
                    value("1000", "Transaction.Begin", h.at(0)),
                    value("1500", "Sample.Periodic", h.at(60)),
                    value("1600", "Transaction.End", h.at(70)),
                ]})
            ),
            h.status(1, "Available", 70),
        ]
    );
}

#[test]
fn a_measurand_list_longer_than_its_max_length_is_rejected_and_sampling_goes_on() {
    let mut h = Harness::registered(
        json!({"Core": {"MeterValueSampleInterval": 60, "StopTxnSampledData": "",
            "MeterValuesSampledData": "Energy.Active.Import.Register",
            "MeterValuesSampledDataMaxLength": 2}}),
        1,
    );
    assert_eq!(
        h.csms_call_ok(
            "ChangeConfiguration",
            json!({"key": "MeterValuesSampledData", "value": "Energy.Active.Import.Register,SoC,Voltage"})
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        h.csms_call_ok(
            "ChangeConfiguration",
            json!({"key": "MeterValuesSampledData", "value": "SoC,Energy.Active.Import.Register"})
        ),
        json!({"status": "Accepted"})
    );
    h.commands();
    h.event(full_reading(1000.0));
    start(&mut h, "RFID1");
    h.pump();
    h.advance(60);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 1, "transactionId": 42, "meterValue": [{
                "timestamp": h.at(60), "sampledValue": [
                    sv("42.5", "SoC", "Percent", None, Some("EV")),
                    sv("1000", "Energy.Active.Import.Register", "Wh", None, None)]}]})
        )]
    );
}

#[test]
fn a_session_entirely_offline_is_reported_afterwards_with_its_own_times() {
    let mut h = Harness::new(
        json!({"Core": {"MeterValueSampleInterval": 60, "StopTxnSampledData": "",
            "MeterValuesSampledData": "Energy.Active.Import.Register",
            "AllowOfflineTxForUnknownId": true, "ClockAlignedDataInterval": 0}}),
        1,
    );
    // Never connected: the identifier is accepted unknown.
    h.event(StationEvent::TokenPresented {
        id_tag: tag("NEW"),
        connector: Some(1),
    });
    assert_eq!(
        h.commands(),
        vec![StationCommand::AuthorizationResult {
            id_tag: tag("NEW"),
            connector: Some(1),
            usable_connectors: vec![1],
            accepted: true,
            id_tag_info: None,
        }]
    );
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(full_reading(1000.0));
    start(&mut h, "NEW");
    assert_eq!(h.cp.transaction_id(1), Some(-1));
    h.event(full_reading(1100.0));
    h.advance(60);
    h.event(full_reading(1200.0));
    h.advance(60);
    h.advance(30);
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 1250,
        reason: Reason::Local,
        id_tag: None,
    });
    h.event(StationEvent::Unplugged { connector: 1 });
    h.advance(600);

    h.connect();
    let (id, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": h.at(750), "interval": 300}),
    );
    let (id, action, payload) = h.call();
    assert_eq!(
        (action.as_str(), payload),
        (
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "NEW", "meterStart": 1000, "timestamp": h.at(0)})
        )
    );
    h.answer(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 808}),
    );
    let energy = |wh: &str, at: String| {
        json!({"connectorId": 1, "transactionId": 808, "meterValue": [{"timestamp": at,
            "sampledValue": [sv(wh, "Energy.Active.Import.Register", "Wh", None, None)]}]})
    };
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![
            ("MeterValues".to_string(), energy("1100", h.at(60))),
            ("MeterValues".to_string(), energy("1200", h.at(120))),
            (
                "StopTransaction".to_string(),
                json!({"meterStop": 1250, "timestamp": h.at(150), "transactionId": 808,
                    "reason": "Local"})
            ),
            h.status(0, "Available", 750),
            h.status(1, "Available", 750),
        ]
    );
}
