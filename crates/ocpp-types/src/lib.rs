//! Every OCPP 1.6J message, as Rust types that can only hold what the schemas allow.
//!
//! - The 28 actions of the six feature profiles of OCPP 1.6 edition 2 ([`core`], [`firmware`],
//!   [`local_auth_list`], [`reservation`], [`smart_charging`], [`remote_trigger`]) and the 11 of
//!   the Security whitepaper ([`security`]), each as `<Action>Request` / `<Action>Response`.
//! - The DataTransfer payloads of Plug&Charge ([`pnc`], vendorId
//!   `org.openchargealliance.iso15118pnc`) and California Pricing ([`cost_and_price`], vendorId
//!   `org.openchargealliance.costmsg`).
//! - [`Action`] names every action with its profile and initiator; [`AnyRequest`] and
//!   [`AnyResponse`] decode a payload by action name ([`action`]).
//! - The types the messages share: [`primitives`] ([`CiString`], [`DateTime`], [`NonEmptyVec`]),
//!   [`id_tag`], [`meter`], [`charging_profile`], and [`data_transfer_payload`] for messages
//!   carried inside a DataTransfer; [`error`]: the CALLERROR a refused payload gets (below).
//!   `strict.rs` makes decoding demand JSON objects; `test_util.rs` helps the unit tests.
//!
//! Field names, enum spellings and string limits are those of the official OCPP 1.6 JSON schemas;
//! a test serializes every type and validates the JSON against those schemas.
//!
//! # Validation and the CALLERROR each violation gets
//!
//! Decoding ([`decode`]) is validation: every constraint of the schemas is part of a type
//! ([`CiString`] for maximum lengths, [`DateTime`] for date-times, [`NonEmptyVec`] for
//! `minItems`, closed enums, `deny_unknown_fields` on every object), so a payload that decodes is
//! valid, and one that does not yields a [`PayloadError`] with the JSON path of the first problem
//! and the OCPP-J 1.6 error code to answer with:
//!
//! | Violation                                   | CALLERROR code                 | Why |
//! |---------------------------------------------|--------------------------------|-----|
//! | payload is not JSON / not an object         | `FormationViolation`           | OCPP-J: "syntactically incorrect" |
//! | required field missing                      | `FormationViolation`           | OCPP-J is ambiguous (ProtocolError "incomplete" vs OccurenceConstraintViolation); libocpp answers FormationViolation and EVerest's OCPP tests expect it |
//! | field of the wrong JSON type                | `FormationViolation`           | OCPP-J lists TypeConstraintViolation, but libocpp answers FormationViolation and EVerest's tests expect it |
//! | string over its maximum length              | `FormationViolation`           | as libocpp (its CiString conversion fails the message) and EVerest's tests |
//! | date-time that is not RFC 3339 with a zone  | `FormationViolation`           | as libocpp (TimePointParseException) |
//! | field the message does not define           | `FormationViolation`           | not "conform the PDU structure" (the schemas forbid additional properties) |
//! | string that is not a value of its enum      | `PropertyConstraintViolation`  | OCPP-J: "syntactically correct but a field contains an invalid value" |
//! | number outside the field's range (overflow) | `PropertyConstraintViolation`  | same |
//! | array with too few elements (`minItems`)    | `OccurenceConstraintViolation` | OCPP-J: "violates occurrence constraints" |
//! | unknown action                              | `NotImplemented`               | OCPP-J: "Requested Action is not known by receiver" (ocpp-rpc) |
//! | known action the receiver does not support  | `NotSupported`                 | OCPP-J: "recognized but not supported" (the charge point) |
//!
//! `null` for an optional field is read as "absent": central systems commonly send it and it
//! carries no other meaning. On output, absent optional fields are omitted.

pub mod action;
pub mod charging_profile;
pub mod core;
pub mod cost_and_price;
pub mod data_transfer_payload;
pub mod error;
pub mod firmware;
pub mod id_tag;
pub mod local_auth_list;
pub mod meter;
pub mod pnc;
pub mod primitives;
pub mod remote_trigger;
pub mod reservation;
pub mod security;
pub mod smart_charging;
mod strict;
#[cfg(test)]
mod test_util;

pub use action::{Action, AnyRequest, AnyResponse, FeatureProfile, Initiator, Request, Response};
pub use error::{CallErrorCode, PayloadError, Violation};
pub use primitives::{
    BoundedString, CiString, CiString20, CiString25, CiString255, CiString50, CiString500,
    DateTime, NonEmptyVec,
};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Decodes (and thereby validates) a payload into its message type.
///
/// Objects are required wherever the message has a structure (see `strict.rs`); the error names
/// the JSON path of the first problem and the CALLERROR code to answer with.
///
/// Never inlined: [`AnyRequest::decode`](action::AnyRequest::decode) and
/// [`AnyResponse::decode`](action::AnyResponse::decode) call it for every action, and inlined
/// they were 300 kB of code of which a station runs the few actions it meets; out of line, the
/// decoders it does not run stay on disk (docs/performance.md, "Sixth pass").
#[inline(never)]
pub fn decode<T: DeserializeOwned>(payload: &serde_json::Value) -> Result<T, PayloadError> {
    serde_path_to_error::deserialize(strict::StrictValue(payload)).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        PayloadError::new(error::classify(&message), path, message)
    })
}

/// Decodes a payload given as JSON text; text that is not JSON is a [`Violation::Syntax`].
pub fn decode_str<T: DeserializeOwned>(payload: &str) -> Result<T, PayloadError> {
    let value: serde_json::Value = serde_json::from_str(payload)
        .map_err(|e| PayloadError::new(Violation::Syntax, ".", e.to_string()))?;
    decode(&value)
}

/// Encodes a message as a JSON value.
///
/// Serializing the types of this crate cannot fail (every map key is a string and every number
/// is finite by construction); should a caller's own type fail, the result is JSON `null`.
/// Never inlined, as [`decode`].
#[inline(never)]
pub fn encode<T: Serialize>(message: &T) -> serde_json::Value {
    serde_json::to_value(message).unwrap_or(serde_json::Value::Null)
}
