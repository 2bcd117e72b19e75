//! Parse + validate + serialize of whole OCPP-J CALL frames: the work a charge point does for
//! every message on the wire, measured so later changes can be compared against it.
//!
//!     cargo bench -p ocpp-rpc --bench codec
//!
//! Each benchmark takes the frame text, parses the OCPP-J envelope, decodes (and so validates)
//! the payload into its typed request, encodes it again and writes the CALL frame back out.
//! divan prints the time per message and, through the item counter, messages per second.

#![allow(missing_docs)]

use divan::counter::ItemsCount;
use divan::Bencher;
use ocpp_rpc::{Frame, MessageId};
use ocpp_types::{Action, AnyRequest};
use serde_json::json;

fn main() {
    divan::main();
}

/// A MeterValues CALL with 10 sampled values, as a three-phase AC charger sends it.
fn meter_values_call() -> String {
    let mut sampled = Vec::new();
    for (measurand, phase, unit, value) in [
        ("Energy.Active.Import.Register", None, "Wh", "123456.7"),
        ("Power.Active.Import", None, "W", "11040.0"),
        ("Current.Import", Some("L1"), "A", "16.02"),
        ("Current.Import", Some("L2"), "A", "15.98"),
        ("Current.Import", Some("L3"), "A", "16.00"),
        ("Voltage", Some("L1-N"), "V", "230.1"),
        ("Voltage", Some("L2-N"), "V", "229.8"),
        ("Voltage", Some("L3-N"), "V", "230.4"),
        ("Current.Offered", None, "A", "16"),
        ("SoC", None, "Percent", "42"),
    ] {
        let mut v = json!({"value": value, "context": "Sample.Periodic", "format": "Raw",
                           "measurand": measurand, "location": "Outlet", "unit": unit});
        if let Some(phase) = phase {
            v["phase"] = json!(phase);
        }
        sampled.push(v);
    }
    let payload = json!({"connectorId": 1, "transactionId": 1234,
                         "meterValue": [{"timestamp": "2026-11-24T06:00:00.000Z", "sampledValue": sampled}]});
    json!([
        2,
        "5f0c1e46-8a5d-4c1b-9a53-2f1f7a1f0c3e",
        "MeterValues",
        payload
    ])
    .to_string()
}

fn boot_notification_call() -> String {
    json!([2, "0b4e2a0c-3d0e-4bc9-8f5e-1f2d3c4b5a69", "BootNotification", {
        "chargePointVendor": "Ferrocharge", "chargePointModel": "SIL-2x22kW",
        "chargePointSerialNumber": "fc-000001", "chargeBoxSerialNumber": "fc-box-000001",
        "firmwareVersion": "0.1.0", "iccid": "8931000000000000001", "imsi": "262010000000001",
        "meterType": "SIL meter", "meterSerialNumber": "m-000001"}])
    .to_string()
}

/// Parse the frame, decode the payload as its action's request, encode it and the frame again.
fn codec(text: &str) -> String {
    let Ok(Frame::Call {
        id,
        action,
        payload,
    }) = Frame::parse(text)
    else {
        panic!("benchmark input is a CALL");
    };
    let Ok(action) = action.parse::<Action>() else {
        panic!("benchmark action is known");
    };
    let request = match AnyRequest::decode(action, &payload) {
        Ok(r) => r,
        Err(e) => panic!("benchmark payload is valid: {e}"),
    };
    let frame = Frame::Call {
        id: MessageId::clone(&id),
        action: request.action().as_str().to_owned(),
        payload: request.to_json(),
    };
    frame.to_json_string()
}

#[divan::bench]
fn meter_values_10_samples(bencher: Bencher) {
    let text = meter_values_call();
    bencher
        .counter(ItemsCount::new(1usize))
        .bench(|| codec(divan::black_box(&text)));
}

#[divan::bench]
fn boot_notification(bencher: Bencher) {
    let text = boot_notification_call();
    bencher
        .counter(ItemsCount::new(1usize))
        .bench(|| codec(divan::black_box(&text)));
}
