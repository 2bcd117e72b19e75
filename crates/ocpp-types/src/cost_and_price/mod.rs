//! California Pricing for OCPP 1.6 ("OCPP & California Pricing Requirements", OCA whitepaper),
//! as libocpp implements it: the central system sends prices and costs for display in
//! DataTransfer messages with vendorId [`VENDOR_ID`] (`org.openchargealliance.costmsg`),
//! messageId one of [`CostMessageId`], and `data` the message serialized to a JSON *string*. The
//! charge point answers `DataTransfer.conf(Accepted)` (or `Rejected`) without data.
//!
//! | messageId      | payload          | when |
//! |----------------|------------------|------|
//! | `SetUserPrice` | [`SetUserPrice`] | after the driver identified: the driver-specific tariff text |
//! | `RunningCost`  | [`RunningCost`]  | during a transaction, after StartTransaction.conf and each meter value: cost so far, unit prices, triggers for extra meter values |
//! | `FinalCost`    | [`FinalCost`]    | after StopTransaction: the total cost |
//!
//! # How strict
//!
//! These are vendor extensions, not OCPP messages, and libocpp reads them leniently. So:
//!
//! - Unknown properties are **ignored** (not refused, unlike every OCPP message of this crate),
//!   as libocpp ignores them; they are not kept either.
//! - Types are strict: a property of the wrong JSON type, an unknown `state` / `format` /
//!   `atCPStatus` value or a date-time without a time zone is refused, with the same
//!   [`crate::Violation`]s and CALLERROR codes as elsewhere.
//! - `transactionId` is accepted as a number or as a string holding one (libocpp accepts both;
//!   some central systems send the 2.0.1-style string) and always written as a number.
//! - Required: what the whitepaper marks 1..1 and every example of it has. The exceptions, made
//!   optional: `RunningCost.chargingPrice` and `nextPeriod.chargingPrice` (the whitepaper's own
//!   after-stop example sends only `idlePrice`, and libocpp treats both as optional).
//! - No length limits: the whitepaper sets none for these texts.
//!
//! libocpp answers `DataTransfer.conf(Rejected)` for a message it cannot parse; see
//! [`crate::data_transfer_payload`] for how an [`UnwrapError`] says how to answer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::core::{ChargePointStatus, DataTransferRequest};
use crate::data_transfer_payload::{
    check_vendor_id, decode_data, DataTransferMessage, UnwrapError,
};
use crate::id_tag::IdToken;
use crate::pnc::MessageFormatEnum;
use crate::{decode, DateTime, PayloadError};

/// The vendorId of California Pricing DataTransfer messages.
pub const VENDOR_ID: &str = "org.openchargealliance.costmsg";

/// A text in one language, for the multi-language `priceTextExtra` of the pricing messages
/// (the shape of OCPP 2.0.1's MessageContentType, without its length limits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisplayMessageContent {
    /// How `content` is to be read.
    pub format: MessageFormatEnum,
    /// The RFC 5646 language of `content` (e.g. `nl`, `en-US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The text.
    pub content: String,
}

/// SetUserPrice: the driver-specific price, for display only, sent when the driver has
/// identified (before or during the transaction).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetUserPrice {
    /// The idTag of the driver the price is for.
    pub id_token: IdToken,
    /// The price text, in the station's default language.
    pub price_text: String,
    /// The same text in other languages (when the station supports several:
    /// CustomMultiLanguageMessages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_text_extra: Option<Vec<DisplayMessageContent>>,
}

/// FinalCost: the total cost of a finished transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalCost {
    /// The transaction (number, or a string holding one, on input).
    #[serde(deserialize_with = "transaction_id::deserialize")]
    pub transaction_id: i32,
    /// The total cost.
    pub cost: f64,
    /// The cost text to show, in the station's default language.
    pub price_text: String,
    /// The same text in other languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_text_extra: Option<Vec<DisplayMessageContent>>,
    /// A URL to show as a QR code (e.g. where to download the receipt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code_text: Option<String>,
}

/// Which prices of a [`RunningCost`] apply now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RunningCostState {
    /// The EV is charging: `chargingPrice` applies.
    Charging,
    /// The EV is connected but not charging: `idlePrice` applies (after its grace minutes).
    Idle,
}

/// The unit prices while charging.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargingPrice {
    /// Price per kWh.
    #[serde(rename = "kWhPrice", default, skip_serializing_if = "Option::is_none")]
    pub kwh_price: Option<f64>,
    /// Price per hour of charging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_price: Option<f64>,
    /// A fixed fee for the session (or the part of it this price covers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flat_fee: Option<f64>,
}

/// The unit prices while idle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdlePrice {
    /// Free minutes after the state turned to Idle, counted from that message's timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_minutes: Option<u32>,
    /// Price per hour of idling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_price: Option<f64>,
}

/// Prices that take over at a given time (e.g. a tariff change at 19:00).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NextPeriod {
    /// When these prices start to apply.
    pub at_time: DateTime,
    /// The charging prices from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_price: Option<ChargingPrice>,
    /// The idle prices from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_price: Option<IdlePrice>,
}

/// When to send a meter value besides the regular samples, so the central system can send an
/// updated RunningCost (libocpp handles these itself).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerMeterValue {
    /// At this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_time: Option<DateTime>,
    /// When the energy of the transaction reaches this many kWh.
    #[serde(
        rename = "atEnergykWh",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub at_energy_kwh: Option<f64>,
    /// When the power crosses this many kW, upwards or downwards.
    #[serde(rename = "atPowerkW", default, skip_serializing_if = "Option::is_none")]
    pub at_power_kw: Option<f64>,
    /// When the connector enters one of these states (the whitepaper allows up to six of
    /// Available, Preparing, Charging, SuspendedEVSE, SuspendedEV, Finishing; any 1.6 status
    /// is accepted and no maximum is enforced, as a duplicate does no harm).
    #[serde(
        rename = "atCPStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub at_cp_status: Option<Vec<ChargePointStatus>>,
}

/// RunningCost: the cost of a transaction so far and the prices to keep counting with locally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningCost {
    /// The transaction (number, or a string holding one, on input).
    #[serde(deserialize_with = "transaction_id::deserialize")]
    pub transaction_id: i32,
    /// The time of the meter value this cost is based on.
    pub timestamp: DateTime,
    /// The meter value (Wh) this cost is based on.
    pub meter_value: u64,
    /// The cost up to that meter value.
    pub cost: f64,
    /// Which prices apply now.
    pub state: RunningCostState,
    /// The prices while charging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_price: Option<ChargingPrice>,
    /// The prices while idle; absent when there is no idle fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_price: Option<IdlePrice>,
    /// Prices that take over later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_period: Option<NextPeriod>,
    /// When to send extra meter values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_meter_value: Option<TriggerMeterValue>,
    /// A running-cost text to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_text: Option<String>,
    /// The same text in other languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_text_extra: Option<Vec<DisplayMessageContent>>,
    /// A URL to show as a QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code_text: Option<String>,
}

/// `transactionId` as libocpp reads it: an integer, or a string holding one.
mod transaction_id {
    use std::fmt;

    use serde::de::{self, Deserializer, Unexpected, Visitor};

    struct V;

    impl Visitor<'_> for V {
        type Value = i32;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a transaction id: an integer, or a string holding one")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i32, E> {
            i32::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i32, E> {
            i32::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<i32, E> {
            match v.parse::<i64>() {
                Ok(n) => self.visit_i64(n),
                Err(_) => Err(E::invalid_type(Unexpected::Str(v), &self)),
            }
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
        d.deserialize_any(V)
    }
}

/// A messageId that is not one of the California Pricing messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown California Pricing messageId {0:?}")]
pub struct UnknownCostMessageId(pub String);

/// The messageId of a California Pricing DataTransfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CostMessageId {
    /// `SetUserPrice`.
    SetUserPrice,
    /// `FinalCost`.
    FinalCost,
    /// `RunningCost`.
    RunningCost,
}

impl CostMessageId {
    /// All three.
    pub const ALL: [CostMessageId; 3] = [
        CostMessageId::SetUserPrice,
        CostMessageId::FinalCost,
        CostMessageId::RunningCost,
    ];

    /// The messageId as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            CostMessageId::SetUserPrice => "SetUserPrice",
            CostMessageId::FinalCost => "FinalCost",
            CostMessageId::RunningCost => "RunningCost",
        }
    }
}

impl FromStr for CostMessageId {
    type Err = UnknownCostMessageId;
    /// Matches ignoring ASCII case: the messageId of a DataTransfer is a CiString50.
    fn from_str(s: &str) -> Result<CostMessageId, UnknownCostMessageId> {
        CostMessageId::ALL
            .into_iter()
            .find(|id| id.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownCostMessageId(s.to_owned()))
    }
}

impl fmt::Display for CostMessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DataTransferMessage for SetUserPrice {
    const VENDOR_ID: &'static str = VENDOR_ID;
    const MESSAGE_ID: &'static str = "SetUserPrice";
}

impl DataTransferMessage for FinalCost {
    const VENDOR_ID: &'static str = VENDOR_ID;
    const MESSAGE_ID: &'static str = "FinalCost";
}

impl DataTransferMessage for RunningCost {
    const VENDOR_ID: &'static str = VENDOR_ID;
    const MESSAGE_ID: &'static str = "RunningCost";
}

/// A decoded California Pricing message of any kind.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum AnyCostMessage {
    /// A `SetUserPrice`.
    SetUserPrice(SetUserPrice),
    /// A `FinalCost`.
    FinalCost(FinalCost),
    /// A `RunningCost`.
    RunningCost(RunningCost),
}

impl AnyCostMessage {
    /// Decodes the (already parsed) `data` of a DataTransfer with messageId `id`.
    pub fn decode(id: CostMessageId, payload: &serde_json::Value) -> Result<Self, PayloadError> {
        Ok(match id {
            CostMessageId::SetUserPrice => AnyCostMessage::SetUserPrice(decode(payload)?),
            CostMessageId::FinalCost => AnyCostMessage::FinalCost(decode(payload)?),
            CostMessageId::RunningCost => AnyCostMessage::RunningCost(decode(payload)?),
        })
    }

    /// Decodes `data` given as the JSON text of the DataTransfer.
    pub fn decode_data(id: CostMessageId, data: Option<&str>) -> Result<Self, PayloadError> {
        Ok(match id {
            CostMessageId::SetUserPrice => AnyCostMessage::SetUserPrice(decode_data(data)?),
            CostMessageId::FinalCost => AnyCostMessage::FinalCost(decode_data(data)?),
            CostMessageId::RunningCost => AnyCostMessage::RunningCost(decode_data(data)?),
        })
    }

    /// Takes whichever pricing message a DataTransfer carries out of it: vendorId must be
    /// [`VENDOR_ID`], messageId one of [`CostMessageId`] and `data` that message.
    pub fn from_data_transfer(request: &DataTransferRequest) -> Result<Self, UnwrapError> {
        check_vendor_id(VENDOR_ID, request)?;
        let id = request
            .message_id
            .as_ref()
            .and_then(|id| id.as_str().parse::<CostMessageId>().ok())
            .ok_or_else(|| UnwrapError::UnknownMessageId {
                vendor_id: VENDOR_ID,
                expected: "SetUserPrice, RunningCost or FinalCost",
                found: request.message_id.as_ref().map(|id| id.as_str().to_owned()),
            })?;
        Ok(AnyCostMessage::decode_data(id, request.data.as_deref())?)
    }

    /// The messageId of the message.
    pub fn message_id(&self) -> CostMessageId {
        match self {
            AnyCostMessage::SetUserPrice(_) => CostMessageId::SetUserPrice,
            AnyCostMessage::FinalCost(_) => CostMessageId::FinalCost,
            AnyCostMessage::RunningCost(_) => CostMessageId::RunningCost,
        }
    }

    /// The payload as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            AnyCostMessage::SetUserPrice(m) => crate::encode(m),
            AnyCostMessage::FinalCost(m) => crate::encode(m),
            AnyCostMessage::RunningCost(m) => crate::encode(m),
        }
    }

    /// Wraps the message into a DataTransfer.
    pub fn to_data_transfer(&self) -> DataTransferRequest {
        match self {
            AnyCostMessage::SetUserPrice(m) => m.to_data_transfer(),
            AnyCostMessage::FinalCost(m) => m.to_data_transfer(),
            AnyCostMessage::RunningCost(m) => m.to_data_transfer(),
        }
    }
}

#[cfg(test)]
mod tests;
