//! SetUserPrice and WaitForSetUserPriceTimeout: the station waits for the driver's price
//! after the central system accepted the identifier, then goes on with it, or past the
//! timeout with the default price.

use ocpp_types::pnc::MessageFormatEnum;
use serde_json::json;

use super::{
    accepted, cost_message, default_texts, identified, pricing, reading, tag, tariff, text, Harness,
};
use crate::charge_point::cost_and_price::{PriceSource, PriceText};
use crate::charge_point::StationEvent;

fn user_texts() -> Vec<PriceText> {
    vec![
        text("GBP 0.12/kWh, no idle fee", "en"),
        PriceText {
            content: "€0.12/kWh, geen idle fee".into(),
            language: Some("nl".into()),
            format: Some(MessageFormatEnum::Utf8),
        },
    ]
}

fn set_user_price() -> serde_json::Value {
    json!({"idToken": "RFID1", "priceText": "GBP 0.12/kWh, no idle fee",
        "priceTextExtra": [
            {"format": "UTF8", "language": "nl", "content": "€0.12/kWh, geen idle fee"},
            {"format": "UTF8", "language": "de", "content": "€0,12/kWh, keine Leerlaufgebühr"}]})
}

#[test]
fn the_station_waits_for_set_user_price_and_charges_on_the_users_price() {
    let mut h = Harness::registered(pricing(json!({})), 1);
    identified(&mut h);
    h.advance(1);
    assert_eq!(h.commands(), vec![], "no decision before SetUserPrice");
    assert_eq!(
        cost_message(&mut h, "SetUserPrice", set_user_price()),
        json!({"status": "Accepted"})
    );
    // German is not in SupportedLanguages: left out.
    assert_eq!(
        h.commands(),
        vec![accepted(), tariff(PriceSource::User, user_texts())]
    );
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(pricing.source, PriceSource::User);
    assert_eq!(pricing.text.as_deref(), Some("GBP 0.12/kWh, no idle fee"));
    assert_eq!(pricing.texts, user_texts());
    assert_eq!((pricing.cost, pricing.final_cost), (None, false));
    // The timeout passes without a second decision.
    h.advance(2);
    assert_eq!(h.commands(), vec![]);

    // The transaction is the session's: its pricing keeps the user's price.
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
    assert_eq!(h.commands(), vec![], "no second tariff");
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(
        (pricing.source, pricing.transaction_id),
        (PriceSource::User, Some(42))
    );

    // A new SetUserPrice during the transaction is the session's.
    let mut changed = set_user_price();
    changed["priceText"] = json!("GBP 0.10/kWh from now");
    changed["priceTextExtra"] = json!([]);
    assert_eq!(
        cost_message(&mut h, "SetUserPrice", changed),
        json!({"status": "Accepted"})
    );
    let commands = h.commands();
    let [crate::charge_point::StationCommand::TariffMessage(m)] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!((m.connector, m.transaction_id), (Some(1), Some(42)));
    assert_eq!(m.texts, vec![text("GBP 0.10/kWh from now", "en")]);
    assert_eq!(
        h.cp.snapshot().connectors[1]
            .pricing
            .clone()
            .unwrap()
            .text
            .as_deref(),
        Some("GBP 0.10/kWh from now")
    );
}

#[test]
fn past_the_timeout_the_session_goes_on_with_the_default_price() {
    let mut h = Harness::registered(pricing(json!({})), 1);
    identified(&mut h);
    h.advance(1);
    assert_eq!(h.commands(), vec![]);
    h.advance(1);
    assert_eq!(
        h.commands(),
        vec![
            // The default price, for the identifier (its session has no connector yet).
            crate::charge_point::StationCommand::TariffMessage(
                crate::charge_point::cost_and_price::TariffMessage {
                    id_tag: tag("RFID1"),
                    connector: None,
                    transaction_id: None,
                    source: PriceSource::Default,
                    texts: default_texts(),
                }
            ),
            accepted(),
        ]
    );
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(pricing.source, PriceSource::Default);
    assert_eq!(pricing.text.as_deref(), Some("0.30 $/kWh"));
    // A SetUserPrice after the timeout still prices the session.
    assert_eq!(
        cost_message(&mut h, "SetUserPrice", set_user_price()),
        json!({"status": "Accepted"})
    );
    assert_eq!(h.commands(), vec![tariff(PriceSource::User, user_texts())]);
    assert_eq!(
        h.cp.snapshot().connectors[1]
            .pricing
            .clone()
            .unwrap()
            .source,
        PriceSource::User
    );
}

#[test]
fn without_a_timeout_the_default_price_applies_at_once() {
    let mut h = Harness::registered(
        pricing(json!({"CostAndPrice": {"WaitForSetUserPriceTimeout": 0}})),
        1,
    );
    identified(&mut h);
    // `identified` dropped the commands: the decision came with the Authorize.conf.
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(pricing.source, PriceSource::Default);
}

#[test]
fn without_multi_language_messages_only_the_default_language_is_kept() {
    let mut h = Harness::registered(
        pricing(json!({"CostAndPrice": {"CustomMultiLanguageMessages": false}})),
        1,
    );
    identified(&mut h);
    assert_eq!(
        cost_message(&mut h, "SetUserPrice", set_user_price()),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![
            accepted(),
            tariff(
                PriceSource::User,
                vec![text("GBP 0.12/kWh, no idle fee", "en")]
            )
        ]
    );
    assert_eq!(
        h.cp.snapshot().default_price.unwrap().texts,
        vec![text("0.30 $/kWh", "en")],
        "no DefaultPriceText either"
    );
}

#[test]
fn an_identifier_accepted_locally_offline_charges_on_the_offline_default_price() {
    let mut h = Harness::registered(
        pricing(
            json!({"Core": {"LocalAuthorizeOffline": true, "AllowOfflineTxForUnknownId": true}}),
        ),
        1,
    );
    h.disconnect();
    h.commands();
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: Some(1),
    });
    let commands = h.commands();
    assert_eq!(
        commands.get(1),
        Some(&tariff(
            PriceSource::Default,
            vec![
                text("Offline: 0.30 $/kWh", "en"),
                text("Offline: 0,30 $/kWh", "nl")
            ]
        ))
    );
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    assert_eq!(pricing.text.as_deref(), Some("Offline: 0.30 $/kWh"));
    // Started offline: the station estimates the cost from DefaultPrice's chargingPrice.
    h.event(reading(1000.0, 7000.0));
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("RFID1"),
        meter_start_wh: 1000,
        reservation_id: None,
    });
    h.advance(1800);
    h.event(reading(11_000.0, 7000.0));
    let pricing = h.cp.snapshot().connectors[1].pricing.clone().unwrap();
    // 0.50 + 10 kWh × 0.30 + 0.5 h × 1.20
    assert_eq!((pricing.cost, pricing.estimated), (Some(4.1), true));
    // Online again, the default price's online text is shown.
    h.connect();
    assert_eq!(
        h.cp.snapshot().connectors[1]
            .pricing
            .clone()
            .unwrap()
            .text
            .as_deref(),
        Some("0.30 $/kWh")
    );
}

#[test]
fn a_card_for_the_station_takes_its_price_to_the_connector_its_transaction_starts_at() {
    let mut h = Harness::registered(pricing(json!({})), 2);
    h.commands();
    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: None,
    });
    h.pump();
    assert_eq!(
        cost_message(&mut h, "SetUserPrice", set_user_price()),
        json!({"status": "Accepted"})
    );
    let commands = h.commands();
    let [crate::charge_point::StationCommand::AuthorizationResult {
        usable_connectors, ..
    }, crate::charge_point::StationCommand::TariffMessage(m)] = commands.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(usable_connectors, &[1, 2]);
    assert_eq!(
        m.connector, None,
        "the station has not picked the connector yet"
    );
    let snapshot = h.cp.snapshot();
    assert!(snapshot.connectors[1].pricing.is_none() && snapshot.connectors[2].pricing.is_none());
    h.event(StationEvent::PluggedIn { connector: 2 });
    h.event(StationEvent::TransactionStarted {
        connector: 2,
        id_tag: tag("RFID1"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
    assert_eq!(
        h.commands(),
        vec![],
        "the tariff it had: none published again"
    );
    let snapshot = h.cp.snapshot();
    let pricing = snapshot.connectors[2].pricing.clone().unwrap();
    assert_eq!(
        (
            pricing.source,
            pricing.text.as_deref(),
            pricing.transaction_id
        ),
        (
            PriceSource::User,
            Some("GBP 0.12/kWh, no idle fee"),
            Some(42)
        )
    );
    assert!(snapshot.connectors[1].pricing.is_none());
}
