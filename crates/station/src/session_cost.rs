//! The OCPP module's `session_cost` implementation: EVerest's interface (everest-core
//! `interfaces/session_cost.yaml`, types in `types/session_cost.yaml` and `types/money.yaml`,
//! field names kept) with its three variables, `tariff_message`, `session_cost` and
//! `default_price`, made from what the charge-point core hands the station, as everest-core's
//! OCPP module converts libocpp's callbacks (`ocpp_conversions::to_everest_tariff_message`,
//! `create_session_cost`, `to_everest_default_price`).
//!
//! Money amounts are integers of minor units: NumberOfDecimalsForCostValues decimals (the
//! currency's `decimals`; OCPP 1.6 pricing names no currency code), rounded to the nearest
//! (see [`to_minor_units`]).

use chargepoint::charge_point::cost_and_price::{
    self as core, to_minor_units, CostStatus, PriceText,
};
use ocpp_types::cost_and_price::{ChargingPrice, IdlePrice as OcppIdlePrice};
use ocpp_types::pnc::MessageFormatEnum;
use serde::{Deserialize, Serialize};

use crate::display::{IdentifierType, MessageContent, MessageFormat};

/// `types/money.yaml` MoneyAmount: minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyAmount {
    /// The amount in minor units of the currency.
    pub value: i64,
}

/// `types/money.yaml` Currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency {
    /// ISO 4217 code; OCPP 1.6 pricing has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Digits of the minor unit (NumberOfDecimalsForCostValues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
}

/// `types/money.yaml` Price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Its currency.
    pub currency: Currency,
    /// Its value in minor units.
    pub value: MoneyAmount,
}

/// `types/session_cost.yaml` CostCategory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CostCategory {
    /// Per kWh.
    Energy,
    /// Per hour.
    Time,
    /// Per session.
    FlatFee,
    /// Anything else.
    Other,
}

/// `types/session_cost.yaml` ChargingPriceComponent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargingPriceComponent {
    /// What the price is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<CostCategory>,
    /// The price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
}

/// `types/session_cost.yaml` IdlePrice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdlePrice {
    /// Free minutes once idle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_minutes: Option<u32>,
    /// Price per hour idle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_price: Option<Price>,
}

/// `types/session_cost.yaml` NextPeriodPrice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextPeriodPrice {
    /// When these prices start, RFC 3339.
    pub timestamp_from: String,
    /// The charging prices from then.
    pub charging_price: Vec<ChargingPriceComponent>,
    /// The idle prices from then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_price: Option<IdlePrice>,
}

/// `types/session_cost.yaml` SessionCostChunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCostChunk {
    /// Start of the chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_from: Option<String>,
    /// End of the chunk (the RunningCost's meter value time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_to: Option<String>,
    /// Energy register at the start, Wh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metervalue_from: Option<u64>,
    /// Energy register at the end (the RunningCost's meterValue), Wh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metervalue_to: Option<u64>,
    /// The cost of the chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<MoneyAmount>,
    /// Its category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<CostCategory>,
}

/// `types/session_cost.yaml` SessionStatus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionStatus {
    /// Charging prices apply; the cost may still change.
    Running,
    /// Idle prices apply.
    Idle,
    /// The final cost.
    Finished,
}

/// `types/session_cost.yaml` SessionCost: the `session_cost` variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCost {
    /// The session (EvseManager's session id).
    pub session_id: String,
    /// The currency of every amount.
    pub currency: Currency,
    /// Running, idle or finished.
    pub status: SessionStatus,
    /// The cost so far, as one chunk (libocpp's RunningCost has one total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_chunks: Option<Vec<SessionCostChunk>>,
    /// The idle prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_price: Option<IdlePrice>,
    /// The charging prices: Time, Energy, FlatFee (everest-core's order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_price: Option<Vec<ChargingPriceComponent>>,
    /// The next period's prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_period: Option<NextPeriodPrice>,
    /// The cost texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Vec<MessageContent>>,
    /// A QR code (a receipt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

/// `types/session_cost.yaml` TariffMessage: the `tariff_message` variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffMessage {
    /// The OCPP transaction id, when a transaction runs for the identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocpp_transaction_id: Option<String>,
    /// The session id (a transaction runs) or the idTag (none yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier_id: Option<String>,
    /// Which of the two `identifier_id` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier_type: Option<IdentifierType>,
    /// The tariff's texts.
    pub messages: Vec<MessageContent>,
}

/// `types/session_cost.yaml` DefaultPrice: the `default_price` variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultPrice {
    /// The default price's texts, the default language's first.
    pub messages: Vec<MessageContent>,
}

/// A core text as EVerest's MessageContent.
pub fn message_content(text: &PriceText) -> MessageContent {
    MessageContent {
        content: text.content.clone(),
        format: text.format.map(|f| match f {
            MessageFormatEnum::Ascii => MessageFormat::ASCII,
            MessageFormatEnum::Html => MessageFormat::HTML,
            MessageFormatEnum::Uri => MessageFormat::URI,
            MessageFormatEnum::Utf8 => MessageFormat::UTF8,
        }),
        language: text.language.clone(),
    }
}

/// The tariff message of the core's `m`; `session_id` is the session of its transaction, when
/// one runs (libocpp: `SessionId` then, else `IdToken`).
pub fn tariff_message(m: &core::TariffMessage, session_id: Option<&str>) -> TariffMessage {
    let (identifier_id, identifier_type) = match (m.transaction_id, session_id) {
        (Some(_), Some(session)) => (session.to_owned(), IdentifierType::SessionId),
        _ => (m.id_tag.as_str().to_owned(), IdentifierType::IdToken),
    };
    TariffMessage {
        ocpp_transaction_id: m.transaction_id.map(|t| t.to_string()),
        identifier_id: Some(identifier_id),
        identifier_type: Some(identifier_type),
        messages: m.texts.iter().map(message_content).collect(),
    }
}

/// The default price of the core's `p`.
pub fn default_price(p: &core::DefaultPrice) -> DefaultPrice {
    DefaultPrice {
        messages: p.texts.iter().map(message_content).collect(),
    }
}

fn price(value: f64, decimals: u32) -> Price {
    Price {
        currency: Currency {
            code: None,
            decimals: Some(decimals),
        },
        value: MoneyAmount {
            value: to_minor_units(value, decimals),
        },
    }
}

fn components(p: &ChargingPrice, decimals: u32) -> Vec<ChargingPriceComponent> {
    [
        (p.hour_price, CostCategory::Time),
        (p.kwh_price, CostCategory::Energy),
        (p.flat_fee, CostCategory::FlatFee),
    ]
    .into_iter()
    .filter_map(|(value, category)| {
        Some(ChargingPriceComponent {
            category: Some(category),
            price: Some(price(value?, decimals)),
        })
    })
    .collect()
}

fn idle_price(p: &OcppIdlePrice, decimals: u32) -> IdlePrice {
    IdlePrice {
        grace_minutes: p.grace_minutes,
        hour_price: p.hour_price.map(|v| price(v, decimals)),
    }
}

/// The session cost of the core's `c` for the session `session_id` (everest-core's
/// `create_session_cost`).
pub fn session_cost(c: &core::SessionCost, session_id: &str) -> SessionCost {
    let d = c.decimals;
    SessionCost {
        session_id: session_id.to_owned(),
        currency: Currency {
            code: None,
            decimals: Some(d),
        },
        status: match c.status {
            CostStatus::Running => SessionStatus::Running,
            CostStatus::Idle => SessionStatus::Idle,
            CostStatus::Finished => SessionStatus::Finished,
        },
        cost_chunks: Some(vec![SessionCostChunk {
            timestamp_from: None,
            timestamp_to: c.timestamp.map(|t| t.to_string()),
            metervalue_from: None,
            metervalue_to: c.meter_value_wh,
            cost: Some(MoneyAmount {
                value: to_minor_units(c.cost, d),
            }),
            category: None,
        }]),
        idle_price: c.idle_price.as_ref().map(|p| idle_price(p, d)),
        charging_price: c.charging_price.as_ref().map(|p| components(p, d)),
        next_period: c.next_period.as_ref().map(|n| NextPeriodPrice {
            timestamp_from: n.at_time.to_string(),
            charging_price: n
                .charging_price
                .as_ref()
                .map(|p| components(p, d))
                .unwrap_or_default(),
            idle_price: n.idle_price.as_ref().map(|p| idle_price(p, d)),
        }),
        message: (!c.texts.is_empty()).then(|| c.texts.iter().map(message_content).collect()),
        qr_code: c.qr_code.clone(),
    }
}

#[cfg(test)]
mod tests {
    use chargepoint::charge_point::cost_and_price::PriceSource;
    use ocpp_types::cost_and_price::NextPeriod;
    use ocpp_types::id_tag::IdToken;
    use ocpp_types::DateTime;
    use serde_json::json;

    use super::*;

    /// EVerest's test of the running cost (california_pricing_ocpp16.py,
    /// test_cost_and_price_running_cost) expects this session cost.
    #[test]
    fn a_running_cost_converts_as_everest_publishes_it() {
        let cost = core::SessionCost {
            connector: 1,
            transaction_id: 1,
            id_tag: IdToken::new("RFID1").unwrap(),
            status: CostStatus::Running,
            cost: 1.345,
            decimals: 4,
            timestamp: Some(DateTime::parse("2026-11-24T06:00:00Z").unwrap()),
            meter_value_wh: Some(1234000),
            charging_price: Some(ChargingPrice {
                kwh_price: Some(0.123),
                hour_price: Some(2.0),
                flat_fee: Some(42.42),
            }),
            idle_price: Some(OcppIdlePrice {
                grace_minutes: Some(30),
                hour_price: Some(1.0),
            }),
            next_period: Some(NextPeriod {
                at_time: DateTime::parse("2026-11-24T08:00:00Z").unwrap(),
                charging_price: Some(ChargingPrice {
                    kwh_price: Some(0.1),
                    hour_price: Some(4.0),
                    flat_fee: Some(84.84),
                }),
                idle_price: Some(OcppIdlePrice {
                    grace_minutes: None,
                    hour_price: Some(0.5),
                }),
            }),
            texts: vec![],
            qr_code: None,
        };
        let price = |v: i64| json!({"currency": {"decimals": 4}, "value": {"value": v}});
        assert_eq!(
            serde_json::to_value(session_cost(&cost, "s-1")).unwrap(),
            json!({
                "charging_price": [{"category": "Time", "price": price(20000)},
                    {"category": "Energy", "price": price(1230)},
                    {"category": "FlatFee", "price": price(424200)}],
                "cost_chunks": [{"cost": {"value": 13450}, "metervalue_to": 1234000,
                    "timestamp_to": "2026-11-24T06:00:00.000Z"}],
                "currency": {"decimals": 4},
                "idle_price": {"grace_minutes": 30, "hour_price": price(10000)},
                "next_period": {
                    "charging_price": [{"category": "Time", "price": price(40000)},
                        {"category": "Energy", "price": price(1000)},
                        {"category": "FlatFee", "price": price(848400)}],
                    "idle_price": {"hour_price": price(5000)},
                    "timestamp_from": "2026-11-24T08:00:00.000Z"},
                "session_id": "s-1", "status": "Running"})
        );
    }

    #[test]
    fn a_tariff_belongs_to_the_session_once_a_transaction_runs() {
        let mut m = core::TariffMessage {
            id_tag: IdToken::new("RFID1").unwrap(),
            connector: Some(1),
            transaction_id: None,
            source: PriceSource::User,
            texts: vec![
                PriceText::new("GBP 0.12/kWh", Some("en")),
                PriceText {
                    content: "€0.12/kWh".into(),
                    language: Some("nl".into()),
                    format: Some(MessageFormatEnum::Utf8),
                },
            ],
        };
        assert_eq!(
            serde_json::to_value(tariff_message(&m, Some("s-1"))).unwrap(),
            json!({"identifier_id": "RFID1", "identifier_type": "IdToken", "messages": [
                {"content": "GBP 0.12/kWh", "language": "en"},
                {"content": "€0.12/kWh", "format": "UTF8", "language": "nl"}]})
        );
        m.transaction_id = Some(1);
        let t = serde_json::to_value(tariff_message(&m, Some("s-1"))).unwrap();
        assert_eq!(
            (
                &t["identifier_id"],
                &t["identifier_type"],
                &t["ocpp_transaction_id"]
            ),
            (&json!("s-1"), &json!("SessionId"), &json!("1"))
        );
    }
}
