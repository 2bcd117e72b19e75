//! How the core answers California Pricing DataTransfers (libocpp's `handleDataTransferRequest`
//! with its pricing callbacks): off, unknown messages, malformed data, unknown transactions.

use serde_json::json;

use super::{charging, cost_message, pricing, result, Harness, VENDOR};

#[test]
fn with_california_pricing_off_every_cost_message_is_an_unknown_vendor() {
    let mut h = Harness::registered(
        pricing(json!({"CostAndPrice": {"CustomDisplayCostAndPrice": false}})),
        1,
    );
    h.commands();
    for message_id in ["SetUserPrice", "RunningCost", "FinalCost", "Other"] {
        let data = json!({"idToken": "RFID1", "priceText": "1 $/kWh"}).to_string();
        assert_eq!(
            h.csms_call(
                "DataTransfer",
                json!({"vendorId": VENDOR, "messageId": message_id, "data": data})
            ),
            result(&h, json!({"status": "UnknownVendorId"})),
            "{message_id}"
        );
    }
    assert_eq!(h.commands(), vec![], "no tariff, no cost, no default price");
    assert_eq!(h.cp.snapshot().default_price, None);
}

#[test]
fn an_unknown_message_id_is_unknown_and_another_vendor_is_not_pricing() {
    let mut h = Harness::registered(pricing(json!({})), 1);
    h.commands();
    assert_eq!(
        cost_message(&mut h, "SetTariff", json!({})),
        json!({"status": "UnknownMessageId"})
    );
    assert_eq!(
        h.csms_call("DataTransfer", json!({"vendorId": VENDOR, "data": "{}"})),
        result(&h, json!({"status": "UnknownMessageId"})),
        "no messageId"
    );
    assert_eq!(
        h.csms_call(
            "DataTransfer",
            json!({"vendorId": "com.example", "messageId": "SetUserPrice", "data": "{}"})
        ),
        result(&h, json!({"status": "UnknownVendorId"}))
    );
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn malformed_data_is_rejected_and_parse_failures_of_costs_say_so() {
    let mut h = charging(json!({}));
    let running = json!({"transactionId": 42, "timestamp": "2026-11-24T06:00:00Z",
        "meterValue": 1000, "cost": 1.5, "state": "Charging"});
    let mut cases = vec![
        (
            "SetUserPrice",
            Some(json!({"priceText": "no idToken"}).to_string()),
            None,
        ),
        (
            "SetUserPrice",
            Some(json!({"idToken": "RFID1"}).to_string()),
            None,
        ),
        ("SetUserPrice", Some("{not json".to_owned()), None),
        ("SetUserPrice", None, None),
        (
            "FinalCost",
            Some(json!({"transactionId": 42, "cost": "3"}).to_string()),
            Some("json parsing failed"),
        ),
        (
            "FinalCost",
            Some(json!({"transactionId": 42, "priceText": "x"}).to_string()),
            Some("json parsing failed"),
        ),
        ("FinalCost", None, Some("json parsing failed")),
    ];
    for (field, value) in [
        ("state", json!("Parked")),
        ("timestamp", json!("tomorrow")),
        ("meterValue", json!(-1)),
        ("transactionId", json!("forty-two")),
        ("triggerMeterValue", json!({"atCPStatus": ["Sleeping"]})),
    ] {
        let mut data = running.clone();
        data[field] = value;
        cases.push((
            "RunningCost",
            Some(data.to_string()),
            Some("json parsing failed"),
        ));
    }
    for (message_id, data, answer_data) in cases {
        let mut request = json!({"vendorId": VENDOR, "messageId": message_id});
        if let Some(data) = &data {
            request["data"] = json!(data);
        }
        let mut expected = json!({"status": "Rejected"});
        if let Some(text) = answer_data {
            expected["data"] = json!(text);
        }
        assert_eq!(
            h.csms_call("DataTransfer", request),
            result(&h, expected),
            "{message_id} {data:?}"
        );
    }
    assert_eq!(h.commands(), vec![], "nothing refused reaches the station");
    assert_eq!(
        h.cp.snapshot().connectors[1]
            .pricing
            .as_ref()
            .and_then(|p| p.cost),
        None
    );
}

#[test]
fn costs_of_transactions_the_station_does_not_know_are_rejected() {
    let mut h = Harness::registered(pricing(json!({})), 1);
    h.commands();
    let running = json!({"transactionId": 42, "timestamp": "2026-11-24T06:00:00Z",
        "meterValue": 1000, "cost": 1.5, "state": "Charging"});
    assert_eq!(
        cost_message(&mut h, "RunningCost", running.clone()),
        json!({"status": "Rejected"}),
        "no transaction"
    );
    assert_eq!(
        cost_message(
            &mut h,
            "FinalCost",
            json!({"transactionId": 42, "cost": 2.0, "priceText": "2 $"})
        ),
        json!({"status": "Rejected"})
    );
    let mut h = charging(json!({}));
    let mut other = running;
    other["transactionId"] = json!(98765);
    assert_eq!(
        cost_message(&mut h, "RunningCost", other),
        json!({"status": "Rejected"}),
        "another transaction"
    );
    assert_eq!(
        cost_message(
            &mut h,
            "FinalCost",
            json!({"transactionId": 98765, "cost": 2.0, "priceText": "2 $"})
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn a_set_user_price_for_an_identifier_without_a_session_is_accepted_for_its_next_one() {
    let mut h = Harness::registered(pricing(json!({})), 1);
    h.commands();
    assert_eq!(
        cost_message(
            &mut h,
            "SetUserPrice",
            json!({"idToken": "RFID9", "priceText": "0.12 $/kWh"})
        ),
        json!({"status": "Accepted"})
    );
    let commands = h.commands();
    assert_eq!(commands.len(), 1);
    let crate::charge_point::StationCommand::TariffMessage(m) = &commands[0] else {
        panic!("{commands:?}")
    };
    assert_eq!(
        (m.id_tag.as_str(), m.connector, m.transaction_id),
        ("RFID9", None, None)
    );
}
