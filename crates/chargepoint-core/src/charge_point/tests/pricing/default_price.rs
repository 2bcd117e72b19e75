//! The default price the station shows independent of a session (`session_cost.default_price`):
//! published at start (offline), on connect and disconnect, and when changed; and the time
//! offset transition.

use serde_json::json;

use super::{default_texts, pricing, text, Harness};
use crate::charge_point::cost_and_price::DefaultPrice;
use crate::charge_point::StationCommand;

fn published(
    texts: Vec<crate::charge_point::cost_and_price::PriceText>,
    offline: bool,
) -> StationCommand {
    StationCommand::DefaultPrice(DefaultPrice { texts, offline })
}

fn offline_texts() -> Vec<crate::charge_point::cost_and_price::PriceText> {
    vec![
        text("Offline: 0.30 $/kWh", "en"),
        text("Offline: 0,30 $/kWh", "nl"),
    ]
}

#[test]
fn the_default_price_is_published_at_start_on_connect_disconnect_and_change() {
    let mut h = Harness::new(pricing(json!({})), 1);
    assert_eq!(h.commands(), vec![published(offline_texts(), true)]);
    h.connect();
    assert_eq!(h.commands(), vec![published(default_texts(), false)]);
    h.pump();
    h.disconnect();
    assert_eq!(h.commands(), vec![published(offline_texts(), true)]);
    h.connect();
    h.pump();
    h.commands();
    let changed = json!({"priceText": "0.40 $/kWh"}).to_string();
    assert_eq!(
        h.csms_call_ok(
            "ChangeConfiguration",
            json!({"key": "DefaultPrice", "value": changed})
        ),
        json!({"status": "Accepted"})
    );
    let commands = h.commands();
    assert_eq!(
        commands[0],
        published(
            vec![text("0.40 $/kWh", "en"), text("0,30 $/kWh", "nl")],
            false
        )
    );
    let nl = json!({"priceText": "0,40 $/kWh"}).to_string();
    assert_eq!(
        h.csms_call_ok(
            "ChangeConfiguration",
            json!({"key": "DefaultPriceText,nl", "value": nl})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands()[0],
        published(
            vec![text("0.40 $/kWh", "en"), text("0,40 $/kWh", "nl")],
            false
        )
    );
    let snapshot = h.cp.snapshot().default_price.unwrap();
    assert_eq!(
        (snapshot.text.as_deref(), snapshot.offline),
        (Some("0.40 $/kWh"), false)
    );
    assert_eq!(snapshot.time_offset.as_deref(), Some("-08:00"));
    // An unsupported language is refused (as libocpp).
    let fr = json!({"priceText": "0,40 $/kWh"}).to_string();
    assert_eq!(
        h.csms_call_ok(
            "ChangeConfiguration",
            json!({"key": "DefaultPriceText,fr", "value": fr})
        ),
        json!({"status": "Rejected"})
    );
}

#[test]
fn without_a_default_price_nothing_is_published() {
    // Set to null in the patch itself: merged into the shipped config, that removes them.
    let mut patch = pricing(json!({}));
    patch["CostAndPrice"]["DefaultPrice"] = serde_json::Value::Null;
    patch["CostAndPrice"]["DefaultPriceText"] = serde_json::Value::Null;
    let mut h = Harness::new(patch, 1);
    h.connect();
    assert_eq!(h.commands(), vec![]);
    assert_eq!(h.cp.snapshot().default_price.unwrap().text, None);
}

#[test]
fn time_offset_takes_the_next_value_at_the_transition() {
    let mut h = Harness::registered(
        pricing(json!({"CostAndPrice": {
            "NextTimeOffsetTransitionDateTime": "2026-11-24T06:01:00Z",
            "TimeOffsetNextTransition": "-07:00"}})),
        1,
    );
    h.commands();
    h.advance(59);
    assert_eq!(
        h.cp.snapshot()
            .default_price
            .unwrap()
            .time_offset
            .as_deref(),
        Some("-08:00")
    );
    h.advance(1);
    assert_eq!(
        h.cp.snapshot()
            .default_price
            .unwrap()
            .time_offset
            .as_deref(),
        Some("-07:00")
    );
    let commands = h.commands();
    let [StationCommand::ApplyConfigurationChange(change)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert!(change.is("TimeOffset"));
    let got = h.csms_call_ok("GetConfiguration", json!({"key": ["TimeOffset"]}));
    assert_eq!(got["configurationKey"][0]["value"], json!("-07:00"));
    // A new transition set by the central system is armed.
    h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "NextTimeOffsetTransitionDateTime", "value": "2026-11-24T06:02:00Z"}),
    );
    h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "TimeOffsetNextTransition", "value": "-08:00"}),
    );
    h.advance(60);
    assert_eq!(
        h.cp.snapshot()
            .default_price
            .unwrap()
            .time_offset
            .as_deref(),
        Some("-08:00")
    );
}
