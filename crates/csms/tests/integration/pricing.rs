//! California Pricing over a real connection: with pricing on, the CSMS sends SetUserPrice
//! after an accepted Authorize, RunningCost after MeterValues and FinalCost after
//! StopTransaction, each after the answer to the charge point's CALL; the settings are read and
//! replaced over HTTP, checked, and kept across a restart.

use csms::CsmsOptions;
use serde_json::{json, Value};

use crate::client::Client;
use crate::http::{get, refused, send, with_http};

/// The pricing CALL the CSMS sends now: its messageId and data (JSON), after answering it.
async fn pricing_call(cp: &mut Client) -> (String, Value) {
    let frame = cp.recv().await;
    assert_eq!(
        (frame[0].as_i64(), frame[2].as_str()),
        (Some(2), Some("DataTransfer")),
        "{frame}"
    );
    let payload = &frame[3];
    assert_eq!(payload["vendorId"], "org.openchargealliance.costmsg");
    let data = serde_json::from_str(payload["data"].as_str().unwrap_or("")).unwrap_or(Value::Null);
    cp.send(json!([3, frame[1].clone(), {"status": "Accepted"}]))
        .await;
    (payload["messageId"].as_str().unwrap_or("").to_owned(), data)
}

#[tokio::test]
async fn a_priced_session_gets_its_price_running_cost_and_final_cost() {
    let csms = with_http(CsmsOptions {
        pricing_enabled: Some(true),
        ..CsmsOptions::default()
    })
    .await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    assert_eq!(
        cp.call("Authorize", json!({"idTag": "DEADBEEF"})).await,
        json!({"idTagInfo": {"status": "Accepted"}})
    );
    let (message, data) = pricing_call(&mut cp).await;
    assert_eq!(message, "SetUserPrice");
    assert_eq!(data["priceText"], "0.30 USD/kWh + 0.50 USD per session");
    // A refused tag gets no price: the next frame is the answer to the next CALL.
    assert_eq!(
        cp.call("Authorize", json!({"idTag": "NOBODY"})).await,
        json!({"idTagInfo": {"status": "Invalid"}})
    );
    cp.call(
        "StartTransaction",
        json!({"connectorId": 1, "idTag": "DEADBEEF", "meterStart": 1000,
               "timestamp": "2026-11-24T07:00:00Z"}),
    )
    .await;
    cp.call(
        "MeterValues",
        json!({"connectorId": 1, "transactionId": 1, "meterValue": [
            {"timestamp": "2026-11-24T07:30:00Z", "sampledValue": [{"value": "3000"}]}]}),
    )
    .await;
    let (message, data) = pricing_call(&mut cp).await;
    assert_eq!(message, "RunningCost");
    assert_eq!(
        (&data["transactionId"], &data["meterValue"], &data["state"]),
        (&json!(1), &json!(3000), &json!("Charging"))
    );
    cp.call(
        "StopTransaction",
        json!({"transactionId": 1, "meterStop": 11000, "timestamp": "2026-11-24T08:00:00Z"}),
    )
    .await;
    let (message, data) = pricing_call(&mut cp).await;
    assert_eq!(message, "FinalCost");
    // 0.50 + 10 kWh × 0.30
    assert_eq!(
        (&data["cost"], &data["priceText"]),
        (&json!(3.5), &json!("Total 3.50 USD: 10.00 kWh, 1:00 h"))
    );
    let receipt = format!("http://{}/api/v1/transactions/1", crate::http::addr(&csms));
    assert_eq!(data["qrCodeText"], json!(receipt));
    // The CSMS takes the station's ConnectorUnplugged.
    assert_eq!(
        cp.call(
            "DataTransfer",
            json!({"vendorId": "org.openchargealliance.costmsg", "messageId": "ConnectorUnplugged",
                   "data": "{\"transactionId\":1,\"timestamp\":\"2026-11-24T08:10:00Z\"}"})
        )
        .await,
        json!({"status": "Accepted"})
    );
}

#[tokio::test]
async fn pricing_settings_are_read_replaced_and_checked_over_http() {
    let csms = with_http(CsmsOptions::default()).await;
    let settings = get(&csms, "/api/v1/pricing").await.json();
    assert_eq!(settings["enabled"], json!(false), "off in a new database");
    assert_eq!(
        settings["default"],
        json!({"currency": "USD", "kwh_price": 0.35, "hour_price": 0.0, "flat_fee": 0.0})
    );
    let mut on = settings.clone();
    on["enabled"] = json!(true);
    on["tags"] = json!({"CARD1": {"currency": "EUR", "kwh_price": 0.4}});
    let put = send(&csms, "PUT", "/api/v1/pricing", Some(on)).await;
    assert_eq!(put.status, 200);
    assert_eq!(
        put.json()["tags"]["CARD1"],
        json!({"currency": "EUR", "kwh_price": 0.4, "hour_price": 0.0, "flat_fee": 0.0})
    );
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    csms.put_tag(csms::TagEntry::new("CARD1"))
        .unwrap_or_else(|e| panic!("{e}"));
    cp.call("Authorize", json!({"idTag": "card1"})).await;
    let (_, data) = pricing_call(&mut cp).await;
    assert_eq!(data["priceText"], "0.40 EUR/kWh");

    let mut bad = settings.clone();
    bad["tags"] = json!({"CARD1": {"currency": "EUR", "kwh_price": "cheap"}});
    let answer = send(&csms, "PUT", "/api/v1/pricing", Some(bad)).await;
    assert_eq!(answer.status, 400);
    let mut bad = settings;
    bad["default"]["flat_fee"] = json!(-1);
    refused(
        &send(&csms, "PUT", "/api/v1/pricing", Some(bad)).await,
        400,
        "default.flat_fee: a price of 0 or more, found -1",
    );
    assert_eq!(
        get(&csms, "/api/v1/pricing").await.json()["enabled"],
        json!(true),
        "a refused change changes nothing"
    );
}
