//! What California Pricing hands the station ([`TariffMessage`], [`SessionCost`],
//! [`DefaultPrice`]: libocpp's `TariffMessage` and `RunningCost` with its number of decimals,
//! which everest-core's OCPP module publishes on its `session_cost` interface) and what the
//! station shows of it ([`PricingSnapshot`], [`DefaultPriceSnapshot`]).

use ocpp_types::cost_and_price::{ChargingPrice, IdlePrice, NextPeriod};
use ocpp_types::id_tag::IdToken;
use ocpp_types::pnc::MessageFormatEnum;
use ocpp_types::DateTime;

/// A text shown to the driver, in one language (libocpp's `DisplayMessageContent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceText {
    /// The text.
    pub content: String,
    /// Its RFC 5646 language, when known.
    pub language: Option<String>,
    /// How to read it, when the central system said.
    pub format: Option<MessageFormatEnum>,
}

impl PriceText {
    /// `content` in `language`, without a format.
    pub fn new(content: impl Into<String>, language: Option<&str>) -> PriceText {
        PriceText {
            content: content.into(),
            language: language.map(str::to_owned),
            format: None,
        }
    }
}

/// Where the tariff of a session comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceSource {
    /// The central system's SetUserPrice for the driver.
    User,
    /// The station's DefaultPrice / DefaultPriceText (no SetUserPrice came in time, the
    /// identifier was accepted locally, or the station is offline).
    Default,
}

/// The tariff of a driver (libocpp's `TariffMessage`): published when the central system sends
/// SetUserPrice and when a session goes on with the default price.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffMessage {
    /// The identifier the tariff is for.
    pub id_tag: IdToken,
    /// The connector of the identifier's session, when it has one yet.
    pub connector: Option<u32>,
    /// The central system's id of the transaction running for the identifier, if one runs:
    /// then the message belongs to that session (libocpp's `IdentifierType::SessionId`),
    /// otherwise to the identifier (`IdToken`).
    pub transaction_id: Option<i32>,
    /// SetUserPrice or the default price.
    pub source: PriceSource,
    /// The texts: the default language's first, then the other languages
    /// (CustomMultiLanguageMessages).
    pub texts: Vec<PriceText>,
}

/// Which prices of a [`SessionCost`] apply (everest-core's `SessionStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostStatus {
    /// A RunningCost in state Charging.
    Running,
    /// A RunningCost in state Idle: the idle price applies.
    Idle,
    /// A FinalCost: the session's total.
    Finished,
}

/// A RunningCost or FinalCost of a transaction the station knows (libocpp's `RunningCost`,
/// with the NumberOfDecimalsForCostValues it is converted with).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionCost {
    /// The connector of the transaction.
    pub connector: u32,
    /// The central system's transactionId.
    pub transaction_id: i32,
    /// The transaction's identifier.
    pub id_tag: IdToken,
    /// Running, idle or final.
    pub status: CostStatus,
    /// The cost as the central system sent it.
    pub cost: f64,
    /// NumberOfDecimalsForCostValues: the minor units money amounts are given in
    /// ([`to_minor_units`]).
    pub decimals: u32,
    /// The time of the meter value the cost is based on (RunningCost).
    pub timestamp: Option<DateTime>,
    /// The meter value (Wh) the cost is based on (RunningCost).
    pub meter_value_wh: Option<u64>,
    /// The prices while charging.
    pub charging_price: Option<ChargingPrice>,
    /// The prices while idle.
    pub idle_price: Option<IdlePrice>,
    /// Prices that take over later.
    pub next_period: Option<NextPeriod>,
    /// The cost texts, the default language's first.
    pub texts: Vec<PriceText>,
    /// A URL to show as a QR code (a receipt, an invoice).
    pub qr_code: Option<String>,
}

/// The default price in force now, independent of any session (everest-core's
/// `session_cost.default_price`): published at start (offline), on every connect and
/// disconnect, and when the central system changes DefaultPrice or DefaultPriceText.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultPrice {
    /// The texts: DefaultPrice's in the station's Language first, then DefaultPriceText's.
    pub texts: Vec<PriceText>,
    /// Whether these are the offline texts (priceTextOffline).
    pub offline: bool,
}

/// `value` in minor units of `decimals` digits (1.345 with 4 decimals: 13450), rounded to the
/// nearest: everest-core's `create_session_cost` truncates (`static_cast<int>`), which turns a
/// binary fraction such as 0.29 × 100 = 28.999999999999996 into 28; rounding gives 29.
pub fn to_minor_units(value: f64, decimals: u32) -> i64 {
    let scaled = (value * 10f64.powi(decimals.min(MAX_DECIMALS) as i32)).round();
    // `as` saturates: NaN is 0, out-of-range values the nearest bound.
    scaled as i64
}

/// `value` rounded to `decimals` digits after the point.
pub fn round_to(value: f64, decimals: u32) -> f64 {
    let scale = 10f64.powi(decimals.min(MAX_DECIMALS) as i32);
    (value * scale).round() / scale
}

/// The most decimals a cost is converted with: 10^9 minor units still leave room for costs
/// of a billion in an i64, and no currency has more than four.
pub const MAX_DECIMALS: u32 = 9;

/// The pricing of a connector's session, as the station shows it (the control API's
/// `pricing`): it starts when an identifier is accepted there (or a transaction starts without
/// one) and stays after the session ends, until the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct PricingSnapshot {
    /// The session's identifier.
    pub id_tag: String,
    /// The central system's transactionId, once known.
    pub transaction_id: Option<i32>,
    /// Whether the tariff is the driver's (SetUserPrice) or the default price.
    pub source: PriceSource,
    /// The price text in force: the user price, else the default price (priceTextOffline while
    /// the station is offline); `None` when neither is configured.
    pub text: Option<String>,
    /// The tariff in every language the station shows, the default language's first.
    pub texts: Vec<PriceText>,
    /// The charging prices: the last RunningCost's, else DefaultPrice's chargingPrice for a
    /// session on the default price.
    pub charging_price: Option<ChargingPrice>,
    /// The idle prices of the last RunningCost.
    pub idle_price: Option<IdlePrice>,
    /// The next period of the last RunningCost.
    pub next_period: Option<NextPeriod>,
    /// When the next period starts, in the local time of TimeOffset.
    pub next_period_local: Option<String>,
    /// The last RunningCost / FinalCost total, rounded to NumberOfDecimalsForCostValues; for
    /// a session started offline on the default price, until one arrives, the station's own
    /// estimate from DefaultPrice's chargingPrice (`estimated`).
    pub cost: Option<f64>,
    /// `cost` is the station's estimate, not the central system's.
    pub estimated: bool,
    /// The status of the last cost received.
    pub status: Option<CostStatus>,
    /// A FinalCost arrived.
    pub final_cost: bool,
    /// The texts of the last RunningCost / FinalCost.
    pub cost_texts: Vec<PriceText>,
    /// The QR code of the last RunningCost / FinalCost.
    pub qr_code: Option<String>,
    /// The time of the meter value the last RunningCost is based on.
    pub cost_at: Option<DateTime>,
    /// `cost_at` in the local time of TimeOffset.
    pub cost_at_local: Option<String>,
    /// The meter value (Wh) the last RunningCost is based on.
    pub meter_value_wh: Option<u64>,
    /// NumberOfDecimalsForCostValues.
    pub decimals: u32,
}

/// The default price in force now (see [`DefaultPrice`]), for the station to show where no
/// session is priced.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultPriceSnapshot {
    /// The text in the default language (priceTextOffline while offline), if configured.
    pub text: Option<String>,
    /// Every language's text.
    pub texts: Vec<PriceText>,
    /// Whether the offline texts are in force.
    pub offline: bool,
    /// DefaultPrice's chargingPrice: what sessions started offline cost.
    pub charging_price: Option<ChargingPrice>,
    /// TimeOffset: the offset of the local time shown to drivers, when configured.
    pub time_offset: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_round_to_the_nearest() {
        assert_eq!(to_minor_units(1.345, 4), 13450);
        assert_eq!(to_minor_units(0.123, 4), 1230);
        assert_eq!(to_minor_units(0.29, 2), 29);
        assert_eq!(to_minor_units(42.42, 4), 424200);
        assert_eq!(to_minor_units(-1.5, 0), -2);
        assert_eq!(to_minor_units(f64::NAN, 2), 0);
        assert_eq!(round_to(4.12345, 3), 4.123);
        assert_eq!(round_to(1.346, 2), 1.35);
    }
}
