//! California Pricing in the state document: each connector's `pricing` and the station's
//! `default_price` (docs/control-api.md, "Pricing"), from the charge-point core's snapshot.

use chargepoint::charge_point::cost_and_price::{
    CostStatus, DefaultPriceSnapshot, PriceSource, PricingSnapshot,
};
use ocpp_types::cost_and_price::{ChargingPrice, IdlePrice};
use serde::{Deserialize, Serialize};

use crate::display::MessageContent;
use crate::session_cost::message_content;

/// The unit prices while charging (RunningCost's chargingPrice, or DefaultPrice's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitPrices {
    /// Per kWh.
    pub kwh_price: Option<f64>,
    /// Per hour.
    pub hour_price: Option<f64>,
    /// Per session.
    pub flat_fee: Option<f64>,
}

impl From<&ChargingPrice> for UnitPrices {
    fn from(p: &ChargingPrice) -> Self {
        UnitPrices {
            kwh_price: p.kwh_price,
            hour_price: p.hour_price,
            flat_fee: p.flat_fee,
        }
    }
}

/// The idle fee (RunningCost's idlePrice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdleFee {
    /// Free minutes once idle.
    pub grace_minutes: Option<u32>,
    /// Per hour idle.
    pub hour_price: Option<f64>,
}

impl From<&IdlePrice> for IdleFee {
    fn from(p: &IdlePrice) -> Self {
        IdleFee {
            grace_minutes: p.grace_minutes,
            hour_price: p.hour_price,
        }
    }
}

/// The prices that take over later (RunningCost's nextPeriod).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextPeriodState {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// When, in the local time of TimeOffset (RFC 3339 with the offset); `None` without one.
    pub at_local: Option<String>,
    /// The charging prices from then.
    pub charging_price: Option<UnitPrices>,
    /// The idle fee from then.
    pub idle_price: Option<IdleFee>,
}

/// A connector's `pricing`: the pricing of its session, kept after the session ends until the
/// next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingState {
    /// The price text in force for the session: the user price (SetUserPrice), else the
    /// default price; the default price's offline text while the station is offline.
    pub text: Option<String>,
    /// The last RunningCost / FinalCost total (rounded to NumberOfDecimalsForCostValues).
    pub cost: Option<f64>,
    /// A FinalCost arrived.
    #[serde(rename = "final")]
    pub final_cost: bool,
    /// `user` (SetUserPrice) or `default`.
    pub source: String,
    /// The session's identifier.
    pub id_tag: String,
    /// The CSMS's transactionId of the session, once known.
    pub transaction_id: Option<i32>,
    /// The tariff in every language shown, the default language's first.
    pub texts: Vec<MessageContent>,
    /// `Running`, `Idle` or `Finished`: the last cost's; `None` before one.
    pub status: Option<String>,
    /// `cost` is the station's estimate (a session started offline on the default price).
    pub estimated: bool,
    /// The texts of the last RunningCost / FinalCost.
    pub cost_texts: Vec<MessageContent>,
    /// The QR code of the last RunningCost / FinalCost (a receipt).
    pub qr_code: Option<String>,
    /// The charging prices in force.
    pub charging_price: Option<UnitPrices>,
    /// The idle fee.
    pub idle_price: Option<IdleFee>,
    /// Prices that take over later.
    pub next_period: Option<NextPeriodState>,
    /// The time of the meter value the last RunningCost is based on, RFC 3339 UTC.
    pub cost_at: Option<String>,
    /// `cost_at` in local time.
    pub cost_at_local: Option<String>,
    /// NumberOfDecimalsForCostValues.
    pub decimals: u32,
}

impl From<&PricingSnapshot> for PricingState {
    fn from(p: &PricingSnapshot) -> Self {
        PricingState {
            text: p.text.clone(),
            cost: p.cost,
            final_cost: p.final_cost,
            source: match p.source {
                PriceSource::User => "user",
                PriceSource::Default => "default",
            }
            .to_owned(),
            id_tag: p.id_tag.clone(),
            transaction_id: p.transaction_id,
            texts: p.texts.iter().map(message_content).collect(),
            status: p.status.map(|s| {
                match s {
                    CostStatus::Running => "Running",
                    CostStatus::Idle => "Idle",
                    CostStatus::Finished => "Finished",
                }
                .to_owned()
            }),
            estimated: p.estimated,
            cost_texts: p.cost_texts.iter().map(message_content).collect(),
            qr_code: p.qr_code.clone(),
            charging_price: p.charging_price.as_ref().map(UnitPrices::from),
            idle_price: p.idle_price.as_ref().map(IdleFee::from),
            next_period: p.next_period.as_ref().map(|n| NextPeriodState {
                at: n.at_time.to_string(),
                at_local: p.next_period_local.clone(),
                charging_price: n.charging_price.as_ref().map(UnitPrices::from),
                idle_price: n.idle_price.as_ref().map(IdleFee::from),
            }),
            cost_at: p.cost_at.map(|t| t.to_string()),
            cost_at_local: p.cost_at_local.clone(),
            decimals: p.decimals,
        }
    }
}

/// The station's `default_price`: what a session costs that gets no user price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefaultPriceState {
    /// DefaultPrice's text (priceTextOffline while offline); `None` when not configured.
    pub text: Option<String>,
    /// Every language's text, the default language's first.
    pub texts: Vec<MessageContent>,
    /// The offline texts are in force.
    pub offline: bool,
    /// DefaultPrice's chargingPrice (what a session started offline costs).
    pub charging_price: Option<UnitPrices>,
    /// TimeOffset: the offset of the local time prices are shown in.
    pub time_offset: Option<String>,
}

impl From<&DefaultPriceSnapshot> for DefaultPriceState {
    fn from(p: &DefaultPriceSnapshot) -> Self {
        DefaultPriceState {
            text: p.text.clone(),
            texts: p.texts.iter().map(message_content).collect(),
            offline: p.offline,
            charging_price: p.charging_price.as_ref().map(UnitPrices::from),
            time_offset: p.time_offset.clone(),
        }
    }
}
