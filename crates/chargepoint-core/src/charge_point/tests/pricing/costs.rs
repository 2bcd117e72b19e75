//! RunningCost and FinalCost: the session's cost as the station shows it and publishes it,
//! FinalCost after StopTransaction, and the pricing kept until the next session.

use ocpp_types::core::Reason;
use ocpp_types::cost_and_price::{ChargingPrice, IdlePrice};
use serde_json::json;

use super::{charging, cost_message, identified, pricing, tag, text, Harness};
use crate::charge_point::cost_and_price::{CostStatus, PriceSource, SessionCost};
use crate::charge_point::{StationCommand, StationEvent};
use ocpp_types::DateTime;

fn running_cost() -> serde_json::Value {
    json!({"transactionId": 42, "timestamp": "2026-11-24T06:00:00Z", "meterValue": 1234000,
        "cost": 1.345, "state": "Charging",
        "chargingPrice": {"kWhPrice": 0.123, "hourPrice": 2.00, "flatFee": 42.42},
        "idlePrice": {"graceMinutes": 30, "hourPrice": 1.00},
        "nextPeriod": {"atTime": "2026-11-24T19:00:00Z",
            "chargingPrice": {"kWhPrice": 0.100}},
        "priceText": "1.35 $ so far", "qrCodeText": "https://cpo.example/s/42"})
}

fn final_cost() -> serde_json::Value {
    json!({"transactionId": 42, "cost": 3.31,
        "priceText": "TOTAL 3.31 $", "priceTextExtra": [
            {"format": "UTF8", "language": "nl", "content": "TOTAAL 3,31 $"}],
        "qrCodeText": "https://cpo.example/invoices/42"})
}

#[test]
fn a_running_cost_is_published_and_shown_rounded_with_local_times() {
    let mut h = charging(json!({}));
    assert_eq!(
        cost_message(&mut h, "RunningCost", running_cost()),
        json!({"status": "Accepted"})
    );
    let commands = h.commands();
    let [StationCommand::SessionCost(cost)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(
        cost,
        &SessionCost {
            connector: 1,
            transaction_id: 42,
            id_tag: tag("RFID1"),
            status: CostStatus::Running,
            cost: 1.345,
            decimals: 4,
            timestamp: Some(DateTime::parse("2026-11-24T06:00:00Z").unwrap()),
            meter_value_wh: Some(1234000),
            charging_price: Some(ChargingPrice {
                kwh_price: Some(0.123),
                hour_price: Some(2.0),
                flat_fee: Some(42.42)
            }),
            idle_price: Some(IdlePrice {
                grace_minutes: Some(30),
                hour_price: Some(1.0)
            }),
            next_period: cost.next_period.clone(),
            texts: vec![text("1.35 $ so far", "en")],
            qr_code: Some("https://cpo.example/s/42".into()),
        }
    );
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(pricing.cost, Some(1.345));
    assert_eq!(
        (pricing.status, pricing.final_cost, pricing.estimated),
        (Some(CostStatus::Running), false, false)
    );
    assert_eq!(
        pricing.next_period_local.as_deref(),
        Some("2026-11-24T11:00:00-08:00")
    );
    assert_eq!(
        pricing.cost_at_local.as_deref(),
        Some("2026-11-23T22:00:00-08:00")
    );
    assert_eq!(
        pricing.source,
        PriceSource::Default,
        "the tariff stays what it was"
    );

    // Two decimals: the shown cost is rounded to them.
    let mut h = charging(json!({"CostAndPrice": {"NumberOfDecimalsForCostValues": 2}}));
    cost_message(&mut h, "RunningCost", running_cost());
    assert_eq!(
        h.cp.snapshot().connectors[1].pricing.clone().unwrap().cost,
        Some(1.35)
    );
}

#[test]
fn an_idle_running_cost_stays_idle() {
    let mut h = charging(json!({}));
    let mut idle = running_cost();
    idle["state"] = json!("Idle");
    idle["transactionId"] = json!("42");
    assert_eq!(
        cost_message(&mut h, "RunningCost", idle),
        json!({"status": "Accepted"})
    );
    let commands = h.commands();
    let [StationCommand::SessionCost(cost)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(cost.status, CostStatus::Idle);
}

#[test]
fn the_final_cost_after_the_stop_stays_until_the_next_session() {
    let mut h = charging(json!({}));
    cost_message(&mut h, "RunningCost", running_cost());
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 5000,
        reason: Reason::Local,
        id_tag: None,
    });
    h.pump();
    h.commands();
    // After StopTransaction: libocpp refuses it (no running transaction); the whitepaper
    // sends it then.
    assert_eq!(
        cost_message(&mut h, "FinalCost", final_cost()),
        json!({"status": "Accepted"})
    );
    let commands = h.commands();
    let [StationCommand::SessionCost(cost)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (cost.status, cost.cost, cost.transaction_id),
        (CostStatus::Finished, 3.31, 42)
    );
    assert_eq!(cost.texts.len(), 2);
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!((pricing.cost, pricing.final_cost), (Some(3.31), true));
    assert_eq!(
        pricing.qr_code.as_deref(),
        Some("https://cpo.example/invoices/42")
    );
    assert_eq!(pricing.transaction_id, Some(42));
    assert_eq!(
        pricing.cost_texts,
        vec![text("TOTAL 3.31 $", "en"), {
            let mut t = text("TOTAAL 3,31 $", "nl");
            t.format = Some(ocpp_types::pnc::MessageFormatEnum::Utf8);
            t
        }]
    );
    // Without CustomIdleFeeAfterStop a RunningCost after the stop is for an unknown
    // transaction (as libocpp).
    assert_eq!(
        cost_message(&mut h, "RunningCost", running_cost()),
        json!({"status": "Rejected"})
    );

    // Unplugged: still shown.
    h.event(StationEvent::Unplugged { connector: 1 });
    h.pump();
    assert!(
        h.cp.snapshot().connectors[1]
            .pricing
            .clone()
            .unwrap()
            .final_cost
    );
    // The next session starts afresh.
    identified(&mut h);
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(
        (pricing.cost, pricing.final_cost, pricing.transaction_id),
        (None, false, None)
    );
    // The ended transaction's FinalCost is not accepted any more.
    assert_eq!(
        cost_message(&mut h, "FinalCost", final_cost()),
        json!({"status": "Rejected"})
    );
}

#[test]
fn a_final_cost_during_the_transaction_is_accepted() {
    let mut h = charging(json!({}));
    assert_eq!(
        cost_message(&mut h, "FinalCost", final_cost()),
        json!({"status": "Accepted"})
    );
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(
        (pricing.cost, pricing.final_cost, pricing.status),
        (Some(3.31), true, Some(CostStatus::Finished))
    );
}

#[test]
fn with_idle_fee_after_stop_the_unplug_sends_connector_unplugged() {
    let mut h = charging(json!({"CostAndPrice": {"CustomIdleFeeAfterStop": true}}));
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 5000,
        reason: Reason::Local,
        id_tag: None,
    });
    h.pump();
    // Idle after the stop: its RunningCost is accepted until the unplug.
    let mut idle = running_cost();
    idle["state"] = json!("Idle");
    assert_eq!(
        cost_message(&mut h, "RunningCost", idle.clone()),
        json!({"status": "Accepted"})
    );
    h.advance(600);
    h.event(StationEvent::Unplugged { connector: 1 });
    let sent = h.pump_no_heartbeats();
    let data = json!({"transactionId": 42, "timestamp": h.at(600)}).to_string();
    assert_eq!(
        sent,
        vec![
            h.status(1, "Available", 600),
            (
                "DataTransfer".to_string(),
                json!({"vendorId": "org.openchargealliance.costmsg",
                    "messageId": "ConnectorUnplugged", "data": data})
            ),
        ]
    );
    assert_eq!(
        cost_message(&mut h, "RunningCost", idle),
        json!({"status": "Rejected"}),
        "idle time over"
    );
    assert_eq!(
        cost_message(&mut h, "FinalCost", final_cost()),
        json!({"status": "Accepted"})
    );

    // Without the key, no ConnectorUnplugged.
    let mut h = charging(json!({}));
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 5000,
        reason: Reason::Local,
        id_tag: None,
    });
    h.pump();
    h.event(StationEvent::Unplugged { connector: 1 });
    assert_eq!(h.pump(), vec![h.status(1, "Available", 0)]);
}

#[test]
fn a_final_cost_for_a_transaction_confirmed_after_it_ended_offline_is_accepted() {
    let mut h = Harness::registered(
        pricing(json!({"CostAndPrice": {"WaitForSetUserPriceTimeout": 0}})),
        1,
    );
    identified(&mut h);
    h.disconnect();
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 100,
        reason: Reason::Local,
        id_tag: None,
    });
    h.connect();
    h.pump();
    assert_eq!(
        cost_message(&mut h, "FinalCost", final_cost()),
        json!({"status": "Accepted"})
    );
}

#[test]
fn local_times_take_a_pending_time_offset_transition_into_account() {
    let transition = |at: &str| {
        json!({"CostAndPrice": {"NextTimeOffsetTransitionDateTime": at,
            "TimeOffsetNextTransition": "-07:00"}})
    };
    // Daylight saving time starts at noon: the next period (19:00 UTC) is after it.
    let mut h = charging(transition("2026-11-24T12:00:00Z"));
    cost_message(&mut h, "RunningCost", running_cost());
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(
        pricing.next_period_local.as_deref(),
        Some("2026-11-24T12:00:00-07:00")
    );
    assert_eq!(
        pricing.cost_at_local.as_deref(),
        Some("2026-11-23T22:00:00-08:00")
    );
    // A transition already past at the start never applied: TimeOffset is in force.
    let mut h = charging(transition("2024-01-01T00:00:00"));
    cost_message(&mut h, "RunningCost", running_cost());
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(
        pricing.next_period_local.as_deref(),
        Some("2026-11-24T11:00:00-08:00")
    );
}
