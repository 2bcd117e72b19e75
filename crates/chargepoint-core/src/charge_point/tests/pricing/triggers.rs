//! RunningCost's triggerMeterValue: each kind sends one MeterValues (context Other) when
//! reached, and nothing before.

use ocpp_types::core::Reason;
use serde_json::{json, Value};

use super::{charging, cost_message, reading};
use crate::charge_point::StationEvent;

fn running_cost(trigger: Value) -> Value {
    json!({"transactionId": 42, "timestamp": "2026-11-24T06:00:00Z", "meterValue": 1000,
        "cost": 0.5, "state": "Charging", "triggerMeterValue": trigger})
}

fn energy(value: &str) -> Value {
    json!({"value": value, "context": "Other", "measurand": "Energy.Active.Import.Register",
        "unit": "Wh"})
}

fn power(value: &str) -> Value {
    json!({"value": value, "context": "Other", "measurand": "Power.Active.Import", "unit": "W"})
}

fn meter_values(at: String, values: Vec<Value>, transaction: bool) -> (String, Value) {
    let mut payload =
        json!({"connectorId": 1, "meterValue": [{"timestamp": at, "sampledValue": values}]});
    if transaction {
        payload["transactionId"] = json!(42);
    }
    ("MeterValues".to_string(), payload)
}

#[test]
fn at_time_sends_one_meter_value_then() {
    let mut h = charging(json!({}));
    // 06:00:30 UTC: 30 s from now (the TimeOffset does not shift it).
    let trigger = json!({"atTime": "2026-11-24T06:00:30Z"});
    assert_eq!(
        cost_message(&mut h, "RunningCost", running_cost(trigger)),
        json!({"status": "Accepted"})
    );
    h.advance(29);
    assert_eq!(h.pump_no_heartbeats(), vec![]);
    h.advance(1);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![meter_values(h.at(30), vec![energy("1000")], true)]
    );
    // (The periodic sample is due at 60 s.)
    h.advance(20);
    assert_eq!(h.pump_no_heartbeats(), vec![], "once");

    // One in the past is ignored.
    let trigger = json!({"atTime": "2026-11-24T06:00:00Z"});
    assert_eq!(
        cost_message(&mut h, "RunningCost", running_cost(trigger)),
        json!({"status": "Accepted"})
    );
    h.advance(1);
    assert_eq!(h.pump_no_heartbeats(), vec![]);
}

#[test]
fn at_energy_sends_one_meter_value_when_the_register_reaches_it() {
    let mut h = charging(json!({}));
    let trigger = json!({"atEnergykWh": 5.0});
    cost_message(&mut h, "RunningCost", running_cost(trigger));
    h.event(reading(4999.0, 7000.0));
    assert_eq!(h.pump_no_heartbeats(), vec![]);
    h.event(reading(5000.0, 7000.0));
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![meter_values(h.at(0), vec![energy("5000")], true)]
    );
    h.event(reading(6000.0, 7000.0));
    assert_eq!(h.pump_no_heartbeats(), vec![], "spent");
}

#[test]
fn at_power_sends_one_meter_value_per_crossing_past_the_hysteresis() {
    let mut h = charging(json!({}));
    // The reading when the RunningCost arrives (7 kW) is the reference: nothing is sent yet.
    cost_message(
        &mut h,
        "RunningCost",
        running_cost(json!({"atPowerkW": 8.0})),
    );
    h.event(reading(1000.0, 7000.0));
    h.event(reading(1000.0, 8100.0));
    assert_eq!(h.pump_no_heartbeats(), vec![], "within 5 % above");
    h.event(reading(1001.0, 10000.0));
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![meter_values(
            h.at(0),
            vec![energy("1001"), power("10000")],
            true
        )]
    );
    h.event(reading(1002.0, 9000.0));
    h.event(reading(8000.0, 7990.0));
    assert_eq!(h.pump_no_heartbeats(), vec![], "below, but within 5 %");
    h.event(reading(9500.0, 7200.0));
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![meter_values(
            h.at(0),
            vec![energy("9500"), power("7200")],
            true
        )]
    );
}

#[test]
fn at_status_sends_one_meter_value_per_change_to_a_listed_status_and_ends_with_the_stop() {
    let mut h = charging(json!({}));
    cost_message(
        &mut h,
        "RunningCost",
        running_cost(json!({"atCPStatus": ["Finishing", "SuspendedEV", "Charging", "Available"]})),
    );
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![],
        "Charging already: no change"
    );
    h.event(StationEvent::EnergyFlow {
        connector: 1,
        state: crate::charge_point::EnergyFlow::SuspendedEV,
    });
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![
            h.status(1, "SuspendedEV", 0),
            meter_values(h.at(0), vec![energy("1000")], true)
        ]
    );
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 1000,
        reason: Reason::Local,
        id_tag: None,
    });
    let sent = h.pump_no_heartbeats();
    let actions: Vec<&str> = sent.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        actions,
        ["StopTransaction", "StatusNotification", "MeterValues"]
    );
    assert_eq!(sent[1], h.status(1, "Finishing", 0));
    assert_eq!(
        sent[2],
        meter_values(h.at(0), vec![energy("1000")], false),
        "the transaction has ended"
    );
    // The triggers ended with the transaction: Available sends nothing.
    h.event(StationEvent::Unplugged { connector: 1 });
    assert_eq!(h.pump_no_heartbeats(), vec![h.status(1, "Available", 0)]);
}

#[test]
fn a_new_running_cost_replaces_the_triggers() {
    let mut h = charging(json!({}));
    cost_message(
        &mut h,
        "RunningCost",
        running_cost(json!({"atEnergykWh": 5.0})),
    );
    cost_message(
        &mut h,
        "RunningCost",
        running_cost(json!({"atEnergykWh": 9.0})),
    );
    h.event(reading(6000.0, 7000.0));
    assert_eq!(h.pump_no_heartbeats(), vec![]);
    cost_message(&mut h, "RunningCost", running_cost(json!({})));
    h.event(reading(9500.0, 7000.0));
    assert_eq!(h.pump_no_heartbeats(), vec![], "cleared");
}
