//! OCPP-J CALLERROR codes and the mapping from a refused payload to the code it gets.
//!
//! See the crate documentation for the table of which violation maps to which code and why.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The error codes of an OCPP-J 1.6 CALLERROR (OCPP-J 1.6 §4.2.3), spelled as 1.6 spells them
/// ("FormationViolation", "OccurenceConstraintViolation").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CallErrorCode {
    /// Requested Action is not known by receiver.
    NotImplemented,
    /// Requested Action is recognized but not supported by the receiver.
    NotSupported,
    /// An internal error occurred and the receiver was not able to process the requested Action.
    InternalError,
    /// Payload for Action is incomplete.
    ProtocolError,
    /// During the processing of Action a security issue occurred.
    SecurityError,
    /// Payload for Action is syntactically incorrect or does not conform to the PDU structure.
    FormationViolation,
    /// Payload is syntactically correct but at least one field contains an invalid value.
    PropertyConstraintViolation,
    /// Payload is syntactically correct but at least one field violates occurrence constraints.
    /// (Sic: OCPP 1.6 spells it with one "r".)
    OccurenceConstraintViolation,
    /// Payload is syntactically correct but at least one field violates data type constraints.
    TypeConstraintViolation,
    /// Any other error not covered by the previous ones.
    GenericError,
}

impl CallErrorCode {
    /// Every code, in the order OCPP-J 1.6 lists them.
    pub const ALL: [CallErrorCode; 10] = [
        CallErrorCode::NotImplemented,
        CallErrorCode::NotSupported,
        CallErrorCode::InternalError,
        CallErrorCode::ProtocolError,
        CallErrorCode::SecurityError,
        CallErrorCode::FormationViolation,
        CallErrorCode::PropertyConstraintViolation,
        CallErrorCode::OccurenceConstraintViolation,
        CallErrorCode::TypeConstraintViolation,
        CallErrorCode::GenericError,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            CallErrorCode::NotImplemented => "NotImplemented",
            CallErrorCode::NotSupported => "NotSupported",
            CallErrorCode::InternalError => "InternalError",
            CallErrorCode::ProtocolError => "ProtocolError",
            CallErrorCode::SecurityError => "SecurityError",
            CallErrorCode::FormationViolation => "FormationViolation",
            CallErrorCode::PropertyConstraintViolation => "PropertyConstraintViolation",
            CallErrorCode::OccurenceConstraintViolation => "OccurenceConstraintViolation",
            CallErrorCode::TypeConstraintViolation => "TypeConstraintViolation",
            CallErrorCode::GenericError => "GenericError",
        }
    }

    /// Parses a code as it appears on the wire. Besides the 1.6 spellings this accepts the
    /// spellings later OCPP-J versions use ("FormatViolation", "OccurrenceConstraintViolation"),
    /// because some central systems send them; everything else is `None`.
    pub fn from_wire(s: &str) -> Option<CallErrorCode> {
        match s {
            "FormatViolation" => Some(CallErrorCode::FormationViolation),
            "OccurrenceConstraintViolation" => Some(CallErrorCode::OccurenceConstraintViolation),
            _ => CallErrorCode::ALL.into_iter().find(|c| c.as_str() == s),
        }
    }
}

impl fmt::Display for CallErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was wrong with a payload, before it is mapped to a [`CallErrorCode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Violation {
    /// The payload text is not JSON at all.
    Syntax,
    /// A required field is absent.
    MissingField,
    /// A field the message does not define is present.
    UnknownField,
    /// A field has the wrong JSON type (string where an integer belongs, ...).
    WrongType,
    /// A string is longer than its CiString maximum.
    StringTooLong,
    /// A string is not one of the values of its enumeration.
    UnknownEnumValue,
    /// A date-time is not a valid RFC 3339 date-time with a time zone.
    InvalidDateTime,
    /// An array has fewer or more elements than allowed.
    Occurrence,
    /// A value of the right type is outside what the field allows (integer overflow, ...).
    InvalidValue,
}

impl Violation {
    /// The CALLERROR code this violation is answered with. See the crate docs for why.
    pub fn code(self) -> CallErrorCode {
        match self {
            Violation::Syntax
            | Violation::MissingField
            | Violation::UnknownField
            | Violation::WrongType
            | Violation::StringTooLong
            | Violation::InvalidDateTime => CallErrorCode::FormationViolation,
            Violation::UnknownEnumValue | Violation::InvalidValue => {
                CallErrorCode::PropertyConstraintViolation
            }
            Violation::Occurrence => CallErrorCode::OccurenceConstraintViolation,
        }
    }
}

/// Markers our own deserializers put at the start of their error messages, so that
/// [`classify`] can tell them apart from serde's.
pub(crate) mod marker {
    pub const TOO_LONG: &str = "string too long";
    pub const DATE_TIME: &str = "invalid date-time";
    pub const OCCURRENCE: &str = "occurrence constraint";
}

/// A payload that could not be decoded into its message type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} at {path}: {message}")]
pub struct PayloadError {
    /// The CALLERROR code to answer with.
    pub code: CallErrorCode,
    /// What exactly was wrong.
    pub violation: Violation,
    /// JSON path of the offending field (`.` for the payload itself), e.g. `meterValue[0].timestamp`.
    pub path: String,
    /// Human-readable description, suitable for the CALLERROR's errorDescription.
    pub message: String,
}

impl PayloadError {
    /// Builds an error for a violation at a path.
    pub fn new(violation: Violation, path: impl Into<String>, message: impl Into<String>) -> Self {
        PayloadError {
            code: violation.code(),
            violation,
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Maps one error message produced while deserializing a payload to its [`Violation`].
///
/// serde reports errors as text; the prefixes below are the ones serde's `de::Error` default
/// methods produce (`missing_field`, `unknown_field`, `invalid_type`, `unknown_variant`,
/// `invalid_value`, `invalid_length`) and the markers of our own types. The unit tests pin each,
/// so a change in serde's wording fails loudly instead of changing the codes we answer with.
pub(crate) fn classify(message: &str) -> Violation {
    if message.starts_with("missing field") {
        Violation::MissingField
    } else if message.starts_with("unknown field") {
        Violation::UnknownField
    } else if message.starts_with("invalid type") {
        Violation::WrongType
    } else if message.starts_with("unknown variant") {
        Violation::UnknownEnumValue
    } else if message.starts_with(marker::TOO_LONG) {
        Violation::StringTooLong
    } else if message.starts_with(marker::DATE_TIME) {
        Violation::InvalidDateTime
    } else if message.starts_with(marker::OCCURRENCE) || message.starts_with("invalid length") {
        Violation::Occurrence
    } else if message.starts_with("invalid value") {
        Violation::InvalidValue
    } else {
        Violation::Syntax
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spellings_round_trip() {
        for code in CallErrorCode::ALL {
            assert_eq!(CallErrorCode::from_wire(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(
            CallErrorCode::from_wire("FormatViolation"),
            Some(CallErrorCode::FormationViolation)
        );
        assert_eq!(CallErrorCode::from_wire("Nope"), None);
    }

    #[test]
    fn serde_messages_are_classified() {
        use serde::de::Error as _;
        let cases: [(serde_json::Error, Violation); 6] = [
            (
                serde_json::Error::missing_field("a"),
                Violation::MissingField,
            ),
            (
                serde_json::Error::unknown_field("a", &["b"]),
                Violation::UnknownField,
            ),
            (
                serde_json::Error::invalid_type(serde::de::Unexpected::Bool(true), &"a string"),
                Violation::WrongType,
            ),
            (
                serde_json::Error::unknown_variant("X", &["A"]),
                Violation::UnknownEnumValue,
            ),
            (
                serde_json::Error::invalid_value(serde::de::Unexpected::Signed(-1), &"u8"),
                Violation::InvalidValue,
            ),
            (
                serde_json::Error::invalid_length(0, &"at least 1"),
                Violation::Occurrence,
            ),
        ];
        for (err, want) in cases {
            assert_eq!(classify(&err.to_string()), want, "{err}");
        }
        assert_eq!(
            classify("expected value at line 1 column 1"),
            Violation::Syntax
        );
    }
}
