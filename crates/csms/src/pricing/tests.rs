//! What the dev CSMS's pricing sends, message by message.

use ocpp_types::core::{AuthorizeResponse, MeterValuesResponse, StopTransactionResponse};
use ocpp_types::id_tag::IdTagInfo;
use serde_json::{json, Value};

use super::*;
use crate::state::TransactionStop;

fn at(text: &str) -> DateTime {
    DateTime::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn transaction(id_tag: &str) -> Transaction {
    Transaction {
        id: 7,
        charge_point_id: "cp001".into(),
        connector_id: 1,
        id_tag: id_tag.into(),
        id_tag_status: AuthorizationStatus::Accepted,
        meter_start: 1000,
        started: at("2026-12-06T10:00:00Z"),
        reservation_id: None,
        meter_values: Vec::new(),
        stop: None,
    }
}

fn state(enabled: bool, t: Transaction) -> State {
    let mut state = State::default();
    state.pricing.enabled = enabled;
    state.transactions.insert(t.id, t);
    state
}

/// The DataTransfer's messageId and its data as JSON.
fn sent(request: Option<AnyRequest>) -> (String, Value) {
    let Some(AnyRequest::DataTransfer(r)) = request else {
        panic!("no DataTransfer: {request:?}")
    };
    assert_eq!(r.vendor_id, "org.openchargealliance.costmsg");
    let data = serde_json::from_str(r.data.as_deref().unwrap_or("")).unwrap_or(Value::Null);
    (
        r.message_id
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default(),
        data,
    )
}

fn authorized(status: AuthorizationStatus) -> AnyResponse {
    AnyResponse::Authorize(AuthorizeResponse {
        id_tag_info: IdTagInfo::with_status(status),
    })
}

#[test]
fn an_accepted_authorize_gets_the_tags_price() {
    let s = state(true, transaction("DEADBEEF"));
    let tag = IdToken::new("deadbeef").unwrap_or_else(|e| panic!("{e}"));
    let priced = Priced::Authorize(tag.clone());
    let now = at("2026-12-06T10:00:00Z");
    assert_eq!(
        sent(follow_up(
            &s,
            "cp001",
            &priced,
            &authorized(AuthorizationStatus::Accepted),
            now,
            None
        )),
        (
            "SetUserPrice".to_owned(),
            json!({"idToken": "deadbeef", "priceText": "0.30 USD/kWh + 0.50 USD per session",
                "priceTextExtra": [{"format": "UTF8", "language": "de",
                    "content": "0,30 USD/kWh + 0,50 USD pro Ladevorgang"}]})
        )
    );
    let other = Priced::Authorize(IdToken::new("OTHER").unwrap_or_else(|e| panic!("{e}")));
    let (_, data) = sent(follow_up(
        &s,
        "cp001",
        &other,
        &authorized(AuthorizationStatus::Accepted),
        now,
        None,
    ));
    assert_eq!(
        data["priceText"],
        json!("0.35 USD/kWh"),
        "the default tariff"
    );
    assert!(
        follow_up(
            &s,
            "cp001",
            &priced,
            &authorized(AuthorizationStatus::Invalid),
            now,
            None
        )
        .is_none(),
        "no price for a refused tag"
    );
    let off = state(false, transaction("DEADBEEF"));
    assert!(follow_up(
        &off,
        "cp001",
        &priced,
        &authorized(AuthorizationStatus::Accepted),
        now,
        None
    )
    .is_none());
}

#[test]
fn meter_values_get_the_running_cost_and_the_stop_the_final_cost() {
    let mut t = transaction("ABC12345");
    t.meter_values = vec![ocpp_types::decode(&json!({"timestamp": "2026-12-06T10:30:00Z",
        "sampledValue": [{"value": "1.5", "unit": "kWh", "measurand": "Energy.Active.Import.Register", "phase": "L1"},
                         {"value": "4.6", "unit": "kWh"}]}))
    .unwrap_or_else(|e| panic!("{e}"))];
    let s = state(true, t.clone());
    let now = at("2026-12-06T10:30:00Z");
    let answer = AnyResponse::MeterValues(MeterValuesResponse {});
    // 3.6 kWh × 0.45 + 0.5 h × 1.20 = 2.22
    assert_eq!(
        sent(follow_up(
            &s,
            "cp001",
            &Priced::MeterValues(7),
            &answer,
            now,
            None
        )),
        (
            "RunningCost".to_owned(),
            json!({"transactionId": 7, "timestamp": "2026-12-06T10:30:00.000Z", "meterValue": 4600,
                "cost": 2.22, "state": "Charging",
                "chargingPrice": {"kWhPrice": 0.45, "hourPrice": 1.2, "flatFee": 0.0},
                "priceText": "2.22 USD so far: 3.60 kWh, 0:30 h",
                "priceTextExtra": [{"format": "UTF8", "language": "de",
                    "content": "2,22 USD bisher: 3,60 kWh, 0:30 h"}]})
        )
    );
    assert!(
        follow_up(&s, "cp002", &Priced::MeterValues(7), &answer, now, None).is_none(),
        "another charge point's transaction"
    );
    assert!(
        follow_up(&s, "cp001", &Priced::MeterValues(8), &answer, now, None).is_none(),
        "an unknown transaction"
    );

    t.stop = Some(TransactionStop {
        meter_stop: 11_000,
        timestamp: at("2026-12-06T11:00:00Z"),
        reason: None,
        id_tag: None,
    });
    let s = state(true, t);
    assert!(
        follow_up(&s, "cp001", &Priced::MeterValues(7), &answer, now, None).is_none(),
        "no running cost after the stop"
    );
    let stopped = AnyResponse::StopTransaction(StopTransactionResponse { id_tag_info: None });
    // 10 kWh × 0.45 + 1 h × 1.20 = 5.70
    assert_eq!(
        sent(follow_up(
            &s,
            "cp001",
            &Priced::StopTransaction(7),
            &stopped,
            now,
            Some("http://127.0.0.1:8850")
        )),
        (
            "FinalCost".to_owned(),
            json!({"transactionId": 7, "cost": 5.7, "priceText": "Total 5.70 USD: 10.00 kWh, 1:00 h",
                "priceTextExtra": [{"format": "UTF8", "language": "de",
                    "content": "Gesamt 5,70 USD: 10,00 kWh, 1:00 h"}],
                "qrCodeText": "http://127.0.0.1:8850/api/v1/transactions/7"})
        )
    );
}

#[test]
fn tariffs_are_checked() {
    let mut p = Pricing::default();
    assert_eq!(p.check(), Ok(()));
    p.default.kwh_price = -0.1;
    assert_eq!(
        p.check(),
        Err("default.kwh_price: a price of 0 or more, found -0.1".to_owned())
    );
    let mut p = Pricing::default();
    p.tags
        .insert("T".into(), Tariff::new("US Dollar", 0.3, 0.0, 0.0));
    assert_eq!(
        p.check(),
        Err("tags.T.currency: 1 to 8 letters (USD, EUR, $), found \"US Dollar\"".to_owned())
    );
    let mut p = Pricing::default();
    p.tags
        .insert("x".repeat(21), Tariff::new("USD", 0.3, 0.0, 0.0));
    assert!(p
        .check()
        .is_err_and(|e| e.ends_with("is not an idTag (1 to 20 characters)")));
}
