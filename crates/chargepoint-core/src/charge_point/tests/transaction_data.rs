//! transactionData stays within Internal.MaxMessageSize: thinned as libocpp's
//! drop_transaction_data while the transaction runs (so a long offline transaction keeps a
//! bounded record) and once more when the StopTransaction is built.

use ocpp_types::meter::MeterValue;
use serde_json::{json, Value};

use super::queue_delivery::{energy, sampling, start, stop};
use super::Harness;
use crate::charge_point::meter_values::thin_transaction_data;

fn values(n: usize) -> Vec<MeterValue> {
    (0..n)
        .map(|i| {
            serde_json::from_value(json!({
                "timestamp": format!("2026-11-24T06:00:{i:02}.000Z"),
                "sampledValue": [{"value": i.to_string()}]
            }))
            .unwrap()
        })
        .collect()
}

fn numbers(data: &[MeterValue]) -> Vec<String> {
    data.iter()
        .map(|v| v.sampled_value[0].value.clone())
        .collect()
}

#[test]
fn one_pass_erases_as_libocpp_and_keeps_the_first_and_the_last() {
    let mut data = values(9);
    let mut passes = 0;
    thin_transaction_data(&mut data, |_| {
        passes += 1;
        passes == 1
    });
    // libocpp erases at 1, 3, 5, ... of the shrinking list: the original 1, 4 and 7.
    assert_eq!(numbers(&data), ["0", "2", "3", "5", "6", "8"]);
    let mut data = values(9);
    thin_transaction_data(&mut data, |_| true);
    assert_eq!(numbers(&data), ["0", "8"], "never fewer than two");
}

#[test]
fn a_long_transaction_keeps_its_transaction_data_within_max_message_size() {
    let mut h = Harness::registered(
        sampling(
            json!({"Core": {"MeterValueSampleInterval": 1, "MeterValuesSampledData": "",
            "StopTxnSampledData": "Energy.Active.Import.Register"},
            "Internal": {"MaxMessageSize": 32000}}),
        ),
        1,
    );
    h.disconnect();
    h.event(energy(0.0));
    start(&mut h, 0);
    for s in 1..=2000 {
        h.event(energy(f64::from(s)));
        h.advance(1);
    }
    let record = &h.cp.store().transactions().unwrap()[0];
    let stored = serde_json::to_string(&record.transaction_data)
        .unwrap()
        .len();
    assert!(stored <= 32000, "stored transactionData: {stored} bytes");
    assert!(record.transaction_data.len() > 100, "thinned, not emptied");
    stop(&mut h, 2000);
    h.connect();
    let sent = h.pump_no_heartbeats();
    let (_, payload): &(String, Value) = sent
        .iter()
        .find(|(action, _)| action == "StopTransaction")
        .unwrap();
    assert!(payload.to_string().len() <= 32000);
    let data = payload["transactionData"].as_array().unwrap();
    assert_eq!(
        data[0]["sampledValue"][0]["context"], "Transaction.Begin",
        "the first value stays"
    );
    assert_eq!(
        data[data.len() - 1]["sampledValue"][0]["context"],
        "Transaction.End",
        "the last value stays"
    );
}
