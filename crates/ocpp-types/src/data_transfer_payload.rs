//! Messages that travel as JSON text inside a DataTransfer: a fixed `vendorId`, the message
//! name as `messageId`, and the message itself serialized to a JSON *string* in `data`.
//!
//! Plug&Charge ([`crate::pnc`], `org.openchargealliance.iso15118pnc`) and California Pricing
//! ([`crate::cost_and_price`], `org.openchargealliance.costmsg`) both work this way. This module
//! holds what they share: the traits their message types implement, the functions that put a
//! message into a [`DataTransferRequest`] / [`DataTransferResponse`] and take it out again, and
//! [`UnwrapError`], which says both how to answer the DataTransfer and, for a payload that does
//! not decode, which CALLERROR code the violation maps to.
//!
//! # Unwrapping a request
//!
//! 1. `vendorId` must be the extension's; it is a CiString255, so it is compared ignoring ASCII
//!    case (libocpp compares exactly; accepting more is harmless). Otherwise
//!    [`UnwrapError::UnknownVendorId`].
//! 2. `messageId` must be present and name the message (again ignoring case). Otherwise
//!    [`UnwrapError::UnknownMessageId`].
//! 3. `data` must be present ([`Violation::MissingField`] at path `data` otherwise), be JSON text
//!    ([`Violation::Syntax`]) and decode into the message type with the usual validation
//!    ([`crate::decode_str`]); the error's path is the path *inside* `data`.
//!
//! How to answer: OCPP 1.6 has a DataTransfer status for the first two cases
//! ([`UnwrapError::data_transfer_status`]). For an undecodable `data`, libocpp answers
//! `DataTransfer.conf(Rejected)` rather than a CALLERROR (the DataTransfer itself was valid);
//! [`UnwrapError::call_error_code`] still gives the CALLERROR code of the violation for callers
//! that prefer to answer with one, and for logging.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::core::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use crate::{CallErrorCode, CiString, PayloadError, Violation};

/// A request that travels as JSON text in `DataTransfer.req.data` under a fixed vendorId and
/// messageId.
pub trait DataTransferMessage: Serialize + DeserializeOwned {
    /// The `vendorId` of the extension the message belongs to.
    const VENDOR_ID: &'static str;
    /// The `messageId`: the message name.
    const MESSAGE_ID: &'static str;

    /// Wraps the message into a DataTransfer request.
    fn to_data_transfer(&self) -> DataTransferRequest {
        wrap_request(Self::VENDOR_ID, Self::MESSAGE_ID, self)
    }

    /// Takes the message out of a DataTransfer request, checking vendorId and messageId.
    fn from_data_transfer(request: &DataTransferRequest) -> Result<Self, UnwrapError> {
        unwrap_request(Self::VENDOR_ID, Self::MESSAGE_ID, request)
    }
}

/// A response that travels as JSON text in `DataTransfer.conf.data` (status `Accepted`).
pub trait DataTransferReply: Serialize + DeserializeOwned {
    /// Wraps the response into an `Accepted` DataTransfer response.
    fn to_data_transfer_response(&self) -> DataTransferResponse {
        wrap_response(DataTransferStatus::Accepted, self)
    }

    /// Takes the response out of a DataTransfer response; see [`unwrap_response`].
    fn from_data_transfer_response(response: &DataTransferResponse) -> Result<Self, UnwrapError> {
        unwrap_response(response)
    }
}

/// Why a message could not be taken out of a DataTransfer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnwrapError {
    /// The request's vendorId is not the extension's.
    #[error("vendorId {found:?} is not {expected:?}")]
    UnknownVendorId {
        /// The vendorId expected.
        expected: &'static str,
        /// The vendorId received.
        found: String,
    },
    /// The request has no messageId, or one that is not (this) message of the extension.
    #[error("messageId {found:?} is not a message of {vendor_id:?} (expected {expected})")]
    UnknownMessageId {
        /// The vendorId of the extension.
        vendor_id: &'static str,
        /// What was expected (a message name, or a description of the extension's messages).
        expected: &'static str,
        /// The messageId received, if any.
        found: Option<String>,
    },
    /// The response's status is not `Accepted`, so its `data` (if any) is not the response
    /// message (libocpp, for instance, puts a plain-text reason there).
    #[error("DataTransfer answered {status:?}")]
    NotAccepted {
        /// The status received.
        status: DataTransferStatus,
        /// The data received with it, if any.
        data: Option<String>,
    },
    /// `data` is absent, not JSON, or not a valid message.
    #[error("invalid DataTransfer data: {0}")]
    Payload(#[from] PayloadError),
}

impl UnwrapError {
    /// The status to answer the DataTransfer request with: `UnknownVendorId`, `UnknownMessageId`,
    /// or `Rejected` for an invalid `data` (as libocpp answers).
    pub fn data_transfer_status(&self) -> DataTransferStatus {
        match self {
            UnwrapError::UnknownVendorId { .. } => DataTransferStatus::UnknownVendorId,
            UnwrapError::UnknownMessageId { .. } => DataTransferStatus::UnknownMessageId,
            UnwrapError::NotAccepted { .. } | UnwrapError::Payload(_) => {
                DataTransferStatus::Rejected
            }
        }
    }

    /// The CALLERROR code of the violation, when `data` was invalid.
    pub fn call_error_code(&self) -> Option<CallErrorCode> {
        match self {
            UnwrapError::Payload(e) => Some(e.code),
            _ => None,
        }
    }

    /// The payload error, when `data` was invalid.
    pub fn payload_error(&self) -> Option<&PayloadError> {
        match self {
            UnwrapError::Payload(e) => Some(e),
            _ => None,
        }
    }
}

/// Serializes a message to the JSON text that goes into `data` (fields in declaration order).
///
/// Serializing the types of this crate cannot fail; should a caller's own type fail, the text
/// is `null`, as [`crate::encode`] gives.
pub fn to_data<T: Serialize + ?Sized>(message: &T) -> String {
    serde_json::to_string(message).unwrap_or_else(|_| String::from("null"))
}

/// Builds a DataTransfer request carrying `message` as JSON text.
///
/// `vendor_id` and `message_id` are cut to 255 and 50 characters, the limits of the fields; the
/// constants of this crate are well within them.
pub fn wrap_request<T: Serialize + ?Sized>(
    vendor_id: &str,
    message_id: &str,
    message: &T,
) -> DataTransferRequest {
    DataTransferRequest {
        vendor_id: CiString::truncating(vendor_id),
        message_id: Some(CiString::truncating(message_id)),
        data: Some(to_data(message)),
    }
}

/// Checks that a request's vendorId is `vendor_id` (ignoring ASCII case, as for any CiString).
pub fn check_vendor_id(
    vendor_id: &'static str,
    request: &DataTransferRequest,
) -> Result<(), UnwrapError> {
    if request.vendor_id == vendor_id {
        Ok(())
    } else {
        Err(UnwrapError::UnknownVendorId {
            expected: vendor_id,
            found: request.vendor_id.as_str().to_owned(),
        })
    }
}

/// Decodes the JSON text of `data` into a message: absent `data` is a missing field, text that
/// is not JSON a syntax error, and the message is validated as [`crate::decode_str`] does.
pub fn decode_data<T: DeserializeOwned>(data: Option<&str>) -> Result<T, PayloadError> {
    match data {
        Some(text) => crate::decode_str(text),
        None => Err(PayloadError::new(
            Violation::MissingField,
            "data",
            "missing field `data`: the message is carried as JSON text in DataTransfer.data",
        )),
    }
}

/// Takes the message `message_id` of the extension `vendor_id` out of a DataTransfer request.
pub fn unwrap_request<T: DeserializeOwned>(
    vendor_id: &'static str,
    message_id: &'static str,
    request: &DataTransferRequest,
) -> Result<T, UnwrapError> {
    check_vendor_id(vendor_id, request)?;
    match &request.message_id {
        Some(id) if *id == message_id => {}
        other => {
            return Err(UnwrapError::UnknownMessageId {
                vendor_id,
                expected: message_id,
                found: other.as_ref().map(|id| id.as_str().to_owned()),
            })
        }
    }
    Ok(decode_data(request.data.as_deref())?)
}

/// Builds a DataTransfer response with `status`, carrying `message` as JSON text.
pub fn wrap_response<T: Serialize + ?Sized>(
    status: DataTransferStatus,
    message: &T,
) -> DataTransferResponse {
    DataTransferResponse {
        status,
        data: Some(to_data(message)),
    }
}

/// Takes a response message out of a DataTransfer response: the status must be `Accepted`
/// ([`UnwrapError::NotAccepted`] otherwise) and `data` must decode.
pub fn unwrap_response<T: DeserializeOwned>(
    response: &DataTransferResponse,
) -> Result<T, UnwrapError> {
    if response.status != DataTransferStatus::Accepted {
        return Err(UnwrapError::NotAccepted {
            status: response.status,
            data: response.data.clone(),
        });
    }
    Ok(decode_data(response.data.as_deref())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Ping {
        seq: u32,
    }

    impl DataTransferMessage for Ping {
        const VENDOR_ID: &'static str = "com.example.test";
        const MESSAGE_ID: &'static str = "Ping";
    }

    impl DataTransferReply for Ping {}

    fn request(vendor: &str, message_id: Option<&str>, data: Option<&str>) -> DataTransferRequest {
        DataTransferRequest {
            vendor_id: CiString::truncating(vendor),
            message_id: message_id.map(CiString::truncating),
            data: data.map(str::to_owned),
        }
    }

    fn unwrap_err<T: std::fmt::Debug>(r: Result<T, UnwrapError>) -> UnwrapError {
        match r {
            Ok(v) => panic!("unwrapped to {v:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn wraps_as_json_text_and_back() {
        let req = Ping { seq: 7 }.to_data_transfer();
        assert_eq!(req.vendor_id, "com.example.test");
        assert_eq!(req.message_id.as_ref().map(|m| m.as_str()), Some("Ping"));
        assert_eq!(req.data.as_deref(), Some(r#"{"seq":7}"#));
        assert_eq!(Ping::from_data_transfer(&req), Ok(Ping { seq: 7 }));

        let resp = Ping { seq: 8 }.to_data_transfer_response();
        assert_eq!(resp.status, DataTransferStatus::Accepted);
        assert_eq!(
            Ping::from_data_transfer_response(&resp),
            Ok(Ping { seq: 8 })
        );
    }

    #[test]
    fn vendor_and_message_ids_ignore_case() {
        let req = request("COM.EXAMPLE.TEST", Some("ping"), Some(r#"{"seq":1}"#));
        assert_eq!(Ping::from_data_transfer(&req), Ok(Ping { seq: 1 }));
    }

    #[test]
    fn refusals_say_how_to_answer() {
        let e = unwrap_err(Ping::from_data_transfer(&request(
            "other",
            Some("Ping"),
            None,
        )));
        assert_eq!(
            e.data_transfer_status(),
            DataTransferStatus::UnknownVendorId
        );
        assert_eq!(e.call_error_code(), None);

        for id in [None, Some("Pong")] {
            let e = unwrap_err(Ping::from_data_transfer(&request(
                "com.example.test",
                id,
                Some("{}"),
            )));
            assert_eq!(
                e.data_transfer_status(),
                DataTransferStatus::UnknownMessageId
            );
        }

        let cases = [
            (None, Violation::MissingField, Some("data")),
            (Some("{seq: 1"), Violation::Syntax, None),
            (Some(r#"{"seq":1} x"#), Violation::Syntax, None),
            (Some("42"), Violation::WrongType, Some(".")),
            (Some("{}"), Violation::MissingField, Some(".")),
            (Some(r#"{"seq":"1"}"#), Violation::WrongType, Some("seq")),
            (Some(r#"{"seq":-1}"#), Violation::InvalidValue, Some("seq")),
            (
                Some(r#"{"seq":1,"x":2}"#),
                Violation::UnknownField,
                Some("x"),
            ),
        ];
        for (data, violation, path) in cases {
            let req = request("com.example.test", Some("Ping"), data);
            let e = unwrap_err(Ping::from_data_transfer(&req));
            assert_eq!(
                e.data_transfer_status(),
                DataTransferStatus::Rejected,
                "{data:?}"
            );
            let p = match e.payload_error() {
                Some(p) => p,
                None => panic!("{data:?}: {e}"),
            };
            assert_eq!(p.violation, violation, "{data:?}");
            if let Some(path) = path {
                assert_eq!(p.path, path, "{data:?}");
            }
            assert_eq!(e.call_error_code(), Some(violation.code()));
        }
    }

    #[test]
    fn response_must_be_accepted() {
        let resp = DataTransferResponse {
            status: DataTransferStatus::Rejected,
            data: Some("no CpoName set".into()),
        };
        let e = unwrap_err(Ping::from_data_transfer_response(&resp));
        assert!(matches!(
            e,
            UnwrapError::NotAccepted {
                status: DataTransferStatus::Rejected,
                ..
            }
        ));
        let resp = DataTransferResponse {
            status: DataTransferStatus::Accepted,
            data: None,
        };
        let e = unwrap_err(Ping::from_data_transfer_response(&resp));
        assert_eq!(
            e.payload_error().map(|p| p.violation),
            Some(Violation::MissingField)
        );
    }
}
