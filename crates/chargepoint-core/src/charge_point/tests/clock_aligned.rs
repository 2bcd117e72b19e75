//! Clock-aligned meter values.

use ocpp_types::core::Reason;
use ocpp_types::meter::Measurand;
use serde_json::json;

use super::{tag, Harness};
use crate::charge_point::{MeasuredValue, MeterReading, StationEvent};

fn energy(wh: f64) -> StationEvent {
    StationEvent::MeterReading {
        connector: 1,
        reading: MeterReading {
            values: vec![MeasuredValue {
                measurand: Measurand::EnergyActiveImportRegister,
                phase: None,
                value: wh,
                location: None,
            }],
        },
    }
}

fn clock_value(wh: &str, at: String) -> serde_json::Value {
    json!({"timestamp": at, "sampledValue": [{"value": wh, "context": "Sample.Clock",
        "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]})
}

#[test]
fn values_go_out_on_the_quarter_hour_with_and_without_a_transaction() {
    // Registered at 06:00:00; the shipped ClockAlignedDataInterval is 900 s.
    let mut h = Harness::registered(
        json!({"Core": {"MeterValueSampleInterval": 0, "StopTxnAlignedData": "Energy.Active.Import.Register",
            "StopTxnSampledData": ""}}),
        1,
    );
    h.event(energy(10.0));
    h.advance(899);
    assert_eq!(h.pump_no_heartbeats(), vec![]);
    h.advance(1);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 1, "meterValue": [clock_value("10", h.at(900))]})
        )]
    );

    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("A"),
        meter_start_wh: 10,
        reservation_id: None,
    });
    h.pump_no_heartbeats();
    h.event(energy(20.0));
    h.advance(900);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 1, "transactionId": 42,
                "meterValue": [clock_value("20", h.at(1800))]})
        )]
    );
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 25,
        reason: Reason::Local,
        id_tag: None,
    });
    let sent = h.pump_no_heartbeats();
    assert_eq!(
        sent[0].1["transactionData"],
        json!([clock_value("20", h.at(1800))])
    );
}

#[test]
fn a_new_interval_counts_from_midnight() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(energy(1.0));
    h.advance(100);
    assert_eq!(
        h.csms_call_ok(
            "ChangeConfiguration",
            json!({"key": "ClockAlignedDataInterval", "value": "60"})
        ),
        json!({"status": "Accepted"})
    );
    h.commands();
    // 06:01:40 now: the next minute starts in 20 s.
    h.advance(19);
    assert_eq!(h.pump_no_heartbeats(), vec![]);
    h.advance(1);
    assert_eq!(h.pump_no_heartbeats().len(), 1);
    h.advance(60);
    assert_eq!(h.pump_no_heartbeats().len(), 1);
    // 0 switches it off.
    h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "ClockAlignedDataInterval", "value": "0"}),
    );
    h.advance(200);
    assert_eq!(h.pump_no_heartbeats(), vec![]);
}

#[test]
fn the_main_meter_on_connector_0_is_sent_too() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    h.event(StationEvent::MeterReading {
        connector: 0,
        reading: MeterReading {
            values: vec![MeasuredValue::new(
                Measurand::EnergyActiveImportRegister,
                50000.0,
            )],
        },
    });
    h.advance(900);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![(
            "MeterValues".to_string(),
            json!({"connectorId": 0, "meterValue": [clock_value("50000", h.at(900))]})
        )]
    );
}

#[test]
fn outside_a_transaction_they_are_not_kept_while_offline() {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), 1);
    h.event(energy(10.0));
    h.disconnect();
    h.advance(900);
    assert_eq!(h.stored_messages(), vec![]);
    h.connect();
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![h.status(0, "Available", 900), h.status(1, "Available", 900)]
    );
}

#[test]
fn a_clock_that_lags_the_timer_gives_one_sample_per_boundary_stamped_with_it() {
    // The central system's clock (moved by every Heartbeat.conf) may read a little before the
    // boundary when the monotonic timer fires; here it runs 10 % slow. Each boundary still
    // gets exactly one sample, stamped with the boundary (before, the lagging reading made
    // the same boundary due again a few ms later).
    let mut h = Harness::registered(
        json!({"Core": {"MeterValueSampleInterval": 0, "ClockAlignedDataInterval": 2}}),
        1,
    );
    h.event(energy(10.0));
    let mut stamps = Vec::new();
    for _ in 0..500 {
        // 10 ms of the monotonic clock, 9 ms of the wall clock.
        h.now.instant += std::time::Duration::from_millis(10);
        h.now.utc = ocpp_types::DateTime::from_unix_millis(h.now.utc.unix_millis() + 9).unwrap();
        h.cp.handle_timeout(h.now);
        for (action, payload) in h.pump_no_heartbeats() {
            assert_eq!(action, "MeterValues");
            stamps.push(
                payload["meterValue"][0]["timestamp"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    assert_eq!(stamps, vec![h.at(2), h.at(4)]);
}
