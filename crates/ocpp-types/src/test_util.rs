//! Decoding helpers shared by the unit tests of every message module.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{decode, decode_str, encode, PayloadError};

/// Decodes `json`, failing the test with the error if it is refused.
pub(crate) fn ok<T: DeserializeOwned>(json: &str) -> T {
    decode_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// The error `json` is refused with, failing the test if it decodes.
pub(crate) fn refused<T: DeserializeOwned + Debug>(json: &str) -> PayloadError {
    match decode_str::<T>(json) {
        Ok(v) => panic!("{json} was accepted as {v:?}"),
        Err(e) => e,
    }
}

/// Decodes `json`, checks that encoding gives the same JSON back and that decoding that gives
/// the same message, and returns the message.
pub(crate) fn round_trip<T>(json: &str) -> T
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let msg: T = ok(json);
    let want: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    let encoded = encode(&msg);
    assert_eq!(encoded, want, "re-encoding {json}");
    let again: T = decode(&encoded).unwrap_or_else(|e| panic!("{encoded}: {e}"));
    assert_eq!(again, msg);
    msg
}
