//! Tests of the California Pricing messages: whitepaper examples, DataTransfer wrapping and
//! refusals.

use super::*;
use crate::core::DataTransferStatus;
use crate::{decode_str, encode, CallErrorCode, CiString, Violation};
use serde_json::json;

use crate::test_util::ok;

fn refused<T: serde::de::DeserializeOwned + fmt::Debug>(
    json: &str,
    violation: Violation,
    path: &str,
) {
    match decode_str::<T>(json) {
        Ok(v) => panic!("{json} was accepted as {v:?}"),
        Err(e) => {
            assert_eq!(
                (e.violation, e.path.as_str()),
                (violation, path),
                "{json}: {e}"
            );
            assert_eq!(e.code, violation.code());
        }
    }
}

fn dt(s: &str) -> DateTime {
    DateTime::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

const RUNNING_COST_FULL: &str = r#"{
    "transactionId": 12345,
    "timestamp": "2021-03-19T12:00:00Z",
    "meterValue": 1234000,
    "cost": 1.23,
    "state": "Charging",
    "chargingPrice": {"kWhPrice": 0.123, "hourPrice": 0.5, "flatFee": 1.0},
    "idlePrice": {"graceMinutes": 30, "hourPrice": 1.0},
    "nextPeriod": {
        "atTime": "2021-03-19T19:00:00Z",
        "chargingPrice": {"kWhPrice": 0.1, "hourPrice": 0.0, "flatFee": 0.0},
        "idlePrice": {"hourPrice": 0.0}
    },
    "triggerMeterValue": {
        "atTime": "2021-03-19T23:00:00Z",
        "atEnergykWh": 50.0,
        "atPowerkW": 0.1,
        "atCPStatus": ["SuspendedEV", "SuspendedEVSE"]
    },
    "priceText": "$1.23 so far @ $0.123/kWh",
    "priceTextExtra": [
        {"format": "UTF8", "language": "nl", "content": "€1,23 tot nu toe"},
        {"format": "ASCII", "language": "de", "content": "EUR 1,23 bisher"}
    ],
    "qrCodeText": "https://www.cpo.com/sessions/12345"
}"#;

#[test]
fn running_cost_with_every_field() {
    let rc: RunningCost = ok(RUNNING_COST_FULL);
    assert_eq!(rc.transaction_id, 12345);
    assert_eq!(rc.timestamp, dt("2021-03-19T12:00:00Z"));
    assert_eq!(rc.meter_value, 1_234_000);
    assert_eq!(rc.cost, 1.23);
    assert_eq!(rc.state, RunningCostState::Charging);
    assert_eq!(
        rc.charging_price,
        Some(ChargingPrice {
            kwh_price: Some(0.123),
            hour_price: Some(0.5),
            flat_fee: Some(1.0)
        })
    );
    assert_eq!(
        rc.idle_price,
        Some(IdlePrice {
            grace_minutes: Some(30),
            hour_price: Some(1.0)
        })
    );
    let next = rc
        .next_period
        .as_ref()
        .unwrap_or_else(|| panic!("nextPeriod"));
    assert_eq!(next.at_time, dt("2021-03-19T19:00:00Z"));
    assert_eq!(
        next.charging_price.as_ref().and_then(|p| p.kwh_price),
        Some(0.1)
    );
    let trig = rc
        .trigger_meter_value
        .as_ref()
        .unwrap_or_else(|| panic!("triggerMeterValue"));
    assert_eq!(trig.at_time, Some(dt("2021-03-19T23:00:00Z")));
    assert_eq!(trig.at_energy_kwh, Some(50.0));
    assert_eq!(trig.at_power_kw, Some(0.1));
    assert_eq!(
        trig.at_cp_status.as_deref(),
        Some(
            &[
                ChargePointStatus::SuspendedEV,
                ChargePointStatus::SuspendedEVSE
            ][..]
        )
    );
    let extra = rc.price_text_extra.as_deref().unwrap_or_default();
    assert_eq!(extra.len(), 2);
    assert_eq!(extra[0].format, MessageFormatEnum::Utf8);
    assert_eq!(extra[0].language.as_deref(), Some("nl"));
    assert_eq!(extra[1].content, "EUR 1,23 bisher");

    // Encoding gives the same JSON, with date-times in the crate's canonical form.
    let mut want: serde_json::Value = ok(RUNNING_COST_FULL);
    want["timestamp"] = json!("2021-03-19T12:00:00.000Z");
    want["nextPeriod"]["atTime"] = json!("2021-03-19T19:00:00.000Z");
    want["triggerMeterValue"]["atTime"] = json!("2021-03-19T23:00:00.000Z");
    assert_eq!(encode(&rc), want);
}

#[test]
fn whitepaper_minimal_and_after_stop_running_costs() {
    let rc: RunningCost = ok(
        r#"{"transactionId": 12345, "timestamp": "2021-03-19T12:00:00Z",
        "meterValue": 1234000, "cost": 1.00, "state": "Charging",
        "chargingPrice": {"kWhPrice": 0.123}}"#,
    );
    assert_eq!(rc.idle_price, None);
    assert_eq!(
        encode(&rc),
        json!({"transactionId": 12345, "timestamp": "2021-03-19T12:00:00.000Z",
            "meterValue": 1234000, "cost": 1.0, "state": "Charging",
            "chargingPrice": {"kWhPrice": 0.123}})
    );
    // After StopTransaction only the idle price still applies.
    let rc: RunningCost = ok(
        r#"{"transactionId": 12345, "timestamp": "2021-03-19T15:30:00Z",
        "meterValue": 1260100, "cost": 3.50, "state": "Idle",
        "idlePrice": {"graceMinutes": 30, "hourPrice": 1.00}}"#,
    );
    assert_eq!(rc.state, RunningCostState::Idle);
    assert_eq!(rc.charging_price, None);
}

#[test]
fn transaction_id_as_number_or_string_written_as_number() {
    let fc: FinalCost = ok(r#"{"transactionId": "98765", "cost": 3.31, "priceText": "x"}"#);
    assert_eq!(fc.transaction_id, 98765);
    assert_eq!(encode(&fc)["transactionId"], json!(98765));
    let fc: FinalCost = ok(r#"{"transactionId": -1, "cost": 0, "priceText": "free"}"#);
    assert_eq!(fc.transaction_id, -1);
    assert_eq!(fc.cost, 0.0);

    refused::<FinalCost>(
        r#"{"transactionId": "tx-1", "cost": 1, "priceText": "x"}"#,
        Violation::WrongType,
        "transactionId",
    );
    refused::<FinalCost>(
        r#"{"transactionId": 1.5, "cost": 1, "priceText": "x"}"#,
        Violation::WrongType,
        "transactionId",
    );
    refused::<FinalCost>(
        r#"{"transactionId": 4294967296, "cost": 1, "priceText": "x"}"#,
        Violation::InvalidValue,
        "transactionId",
    );
    refused::<FinalCost>(
        r#"{"transactionId": "4294967296", "cost": 1, "priceText": "x"}"#,
        Violation::InvalidValue,
        "transactionId",
    );
}

#[test]
fn set_user_price_in_two_languages() {
    let json = r#"{
        "idToken": "04A2B3C4D5E6F7",
        "priceText": "$0.12/kWh, idle fee $1/h after 30 min",
        "priceTextExtra": [
            {"format": "UTF8", "language": "nl", "content": "€0,12/kWh, stilstand €1/u na 30 min"},
            {"format": "UTF8", "language": "de", "content": "0,12 €/kWh, Standgebühr 1 €/h nach 30 min"}
        ]
    }"#;
    let sup: SetUserPrice = ok(json);
    assert_eq!(sup.id_token, "04a2b3c4d5e6f7");
    let extra = sup.price_text_extra.as_deref().unwrap_or_default();
    assert_eq!(
        extra
            .iter()
            .map(|m| m.language.as_deref().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["nl", "de"]
    );
    let want: serde_json::Value = ok(json);
    assert_eq!(encode(&sup), want);

    // idToken is a 1.6 IdToken: at most 20 characters.
    refused::<SetUserPrice>(
        r#"{"idToken": "123456789012345678901", "priceText": "x"}"#,
        Violation::StringTooLong,
        "idToken",
    );
}

#[test]
fn final_cost_from_the_whitepaper() {
    let fc: FinalCost = ok(r#"{"transactionId": 98765, "cost": 3.31,
        "priceText": "$2.81 @ $0.12/kWh, $0.50 @ $1/h, TOTAL KWH: 23.4 TIME: 03.50 COST: $3.31.",
        "qrCodeText": "https://www.cpo.com/invoices/13546"}"#);
    assert_eq!(fc.cost, 3.31);
    assert_eq!(
        fc.qr_code_text.as_deref(),
        Some("https://www.cpo.com/invoices/13546")
    );
}

#[test]
fn unknown_fields_are_ignored_but_types_are_strict() {
    let rc: RunningCost = ok(r#"{"transactionId": 1, "timestamp": "2021-03-19T12:00:00Z",
        "meterValue": 1, "cost": 1, "state": "Idle", "vendorNote": {"a": 1},
        "idlePrice": {"hourPrice": 1, "currency": "USD"}}"#);
    assert!(encode(&rc).get("vendorNote").is_none());

    let base = json!({"transactionId": 1, "timestamp": "2021-03-19T12:00:00Z",
        "meterValue": 1, "cost": 1, "state": "Charging"});
    let cases = [
        (
            "state",
            json!("Finished"),
            Violation::UnknownEnumValue,
            "state",
        ),
        ("cost", json!("1.0"), Violation::WrongType, "cost"),
        (
            "meterValue",
            json!(-5),
            Violation::InvalidValue,
            "meterValue",
        ),
        ("meterValue", json!(1.5), Violation::WrongType, "meterValue"),
        (
            "idlePrice",
            json!({"graceMinutes": "30"}),
            Violation::WrongType,
            "idlePrice.graceMinutes",
        ),
        (
            "nextPeriod",
            json!({"chargingPrice": {}}),
            Violation::MissingField,
            "nextPeriod",
        ),
        (
            "triggerMeterValue",
            json!({"atCPStatus": ["Sleeping"]}),
            Violation::UnknownEnumValue,
            "triggerMeterValue.atCPStatus[0]",
        ),
        (
            "triggerMeterValue",
            json!({"atTime": "2021-03-19T23:00:00"}),
            Violation::InvalidDateTime,
            "triggerMeterValue.atTime",
        ),
        (
            "priceTextExtra",
            json!([{"format": "PDF", "content": "x"}]),
            Violation::UnknownEnumValue,
            "priceTextExtra[0].format",
        ),
        (
            "priceTextExtra",
            json!({"format": "UTF8", "content": "x"}),
            Violation::WrongType,
            "priceTextExtra",
        ),
    ];
    for (field, value, violation, path) in cases {
        let mut v = base.clone();
        v[field] = value;
        match crate::decode::<RunningCost>(&v) {
            Ok(m) => panic!("{v} accepted as {m:?}"),
            Err(e) => {
                assert_eq!(
                    (e.violation, e.path.as_str()),
                    (violation, path),
                    "{v}: {e}"
                );
                assert_eq!(e.code, violation.code());
            }
        }
    }

    for (field, path) in [
        ("transactionId", "."),
        ("timestamp", "."),
        ("meterValue", "."),
        ("cost", "."),
        ("state", "."),
    ] {
        let mut v: serde_json::Value = ok(RUNNING_COST_FULL);
        if let Some(o) = v.as_object_mut() {
            o.remove(field);
        }
        match crate::decode::<RunningCost>(&v) {
            Ok(_) => panic!("accepted without {field}"),
            Err(e) => {
                assert_eq!(
                    (e.violation, e.path.as_str()),
                    (Violation::MissingField, path)
                );
                assert_eq!(e.code, CallErrorCode::FormationViolation);
            }
        }
    }
}

#[test]
fn wraps_into_data_transfer_and_back() {
    let rc: RunningCost = ok(RUNNING_COST_FULL);
    let req = rc.to_data_transfer();
    assert_eq!(req.vendor_id, VENDOR_ID);
    assert_eq!(
        req.message_id.as_ref().map(|m| m.as_str()),
        Some("RunningCost")
    );
    // data is a JSON string holding the object.
    let on_wire = encode(&req);
    assert!(on_wire["data"].is_string(), "{on_wire}");
    assert_eq!(RunningCost::from_data_transfer(&req), Ok(rc.clone()));
    assert_eq!(
        AnyCostMessage::from_data_transfer(&req),
        Ok(AnyCostMessage::RunningCost(rc.clone()))
    );
    assert_eq!(
        AnyCostMessage::RunningCost(rc.clone()).to_data_transfer(),
        req
    );

    // A CSMS-built request, as it arrives.
    let req: DataTransferRequest = ok(r#"{"vendorId": "org.openchargealliance.costmsg",
        "messageId": "SetUserPrice",
        "data": "{\"idToken\":\"DEADBEEF\",\"priceText\":\"0.25 $/kWh\"}"}"#);
    match AnyCostMessage::from_data_transfer(&req) {
        Ok(AnyCostMessage::SetUserPrice(p)) => assert_eq!(p.price_text, "0.25 $/kWh"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unwrap_refusals() {
    let req = |vendor: &str, id: Option<&str>, data: Option<&str>| DataTransferRequest {
        vendor_id: CiString::truncating(vendor),
        message_id: id.map(CiString::truncating),
        data: data.map(str::to_owned),
    };
    let good = r#"{"transactionId":1,"cost":1.5,"priceText":"x"}"#;
    let err = |r: &DataTransferRequest| match AnyCostMessage::from_data_transfer(r) {
        Ok(m) => panic!("accepted {m:?}"),
        Err(e) => e,
    };

    let e = err(&req(
        "org.openchargealliance.iso15118pnc",
        Some("FinalCost"),
        Some(good),
    ));
    assert_eq!(
        e.data_transfer_status(),
        DataTransferStatus::UnknownVendorId
    );
    let e = err(&req(VENDOR_ID, Some("ConnectorUnplugged"), Some(good)));
    assert_eq!(
        e.data_transfer_status(),
        DataTransferStatus::UnknownMessageId
    );
    let e = err(&req(VENDOR_ID, None, Some(good)));
    assert_eq!(
        e.data_transfer_status(),
        DataTransferStatus::UnknownMessageId
    );

    for (data, violation) in [
        (None, Violation::MissingField),
        (Some("transactionId=1"), Violation::Syntax),
        (
            Some(r#"{"cost":1.5,"priceText":"x"}"#),
            Violation::MissingField,
        ),
        (Some(r#""{\"transactionId\":1}""#), Violation::WrongType),
    ] {
        let e = err(&req(VENDOR_ID, Some("FinalCost"), data));
        assert_eq!(e.data_transfer_status(), DataTransferStatus::Rejected);
        assert_eq!(
            e.payload_error().map(|p| p.violation),
            Some(violation),
            "{data:?}"
        );
        assert_eq!(e.call_error_code(), Some(CallErrorCode::FormationViolation));
    }
    // The typed unwrap also checks the messageId.
    assert!(matches!(
        FinalCost::from_data_transfer(&req(VENDOR_ID, Some("RunningCost"), Some(good))),
        Err(UnwrapError::UnknownMessageId { .. })
    ));
    assert!(FinalCost::from_data_transfer(&req(VENDOR_ID, Some("finalcost"), Some(good))).is_ok());
}

#[test]
fn message_ids() {
    for id in CostMessageId::ALL {
        assert_eq!(id.as_str().parse::<CostMessageId>(), Ok(id));
        assert_eq!(id.to_string(), id.as_str());
    }
    assert_eq!(
        "runningcost".parse::<CostMessageId>(),
        Ok(CostMessageId::RunningCost)
    );
    assert!("DefaultPrice".parse::<CostMessageId>().is_err());
}
