//! The unique id that ties a CALL to its CALLRESULT or CALLERROR.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A message id (OCPP-J 1.6 §4.1.3 "UniqueId"): a non-empty string of at most
/// [`MessageId::MAX_LEN`] characters, unique among the CALLs one side has sent on a connection.
///
/// The limit is counted in characters (Unicode scalar values), as the specification counts it;
/// a UUID in its hyphenated form is exactly 36 characters.
///
/// Serializes as a plain string; deserializing checks the limits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageId(String);

/// Why a string is not a valid [`MessageId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageIdError {
    /// The id is the empty string.
    #[error("message id is empty")]
    Empty,
    /// The id is longer than [`MessageId::MAX_LEN`] characters.
    #[error("message id is {len} characters long, at most {max} are allowed", max = MessageId::MAX_LEN)]
    TooLong {
        /// The length of the refused id, in characters.
        len: usize,
    },
}

impl MessageId {
    /// The maximum length of a message id in characters (OCPP-J 1.6 §4.1.3).
    pub const MAX_LEN: usize = 36;

    /// Checks and wraps an id.
    pub fn new(id: impl Into<String>) -> Result<MessageId, MessageIdError> {
        let id = id.into();
        let len = id.chars().count();
        if len == 0 {
            Err(MessageIdError::Empty)
        } else if len > Self::MAX_LEN {
            Err(MessageIdError::TooLong { len })
        } else {
            Ok(MessageId(id))
        }
    }

    /// A fresh random id: a version 4 UUID in hyphenated form (36 characters).
    pub fn random() -> MessageId {
        MessageId(uuid::Uuid::new_v4().hyphenated().to_string())
    }

    /// The id as it appears on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Unwraps the id.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for MessageId {
    type Err = MessageIdError;

    fn from_str(s: &str) -> Result<MessageId, MessageIdError> {
        MessageId::new(s)
    }
}

impl TryFrom<String> for MessageId {
    type Error = MessageIdError;

    fn try_from(s: String) -> Result<MessageId, MessageIdError> {
        MessageId::new(s)
    }
}

impl TryFrom<&str> for MessageId {
    type Error = MessageIdError;

    fn try_from(s: &str) -> Result<MessageId, MessageIdError> {
        MessageId::new(s)
    }
}

impl From<MessageId> for String {
    fn from(id: MessageId) -> String {
        id.0
    }
}

impl AsRef<str> for MessageId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_limits() {
        assert_eq!(MessageId::new(""), Err(MessageIdError::Empty));
        assert!(MessageId::new("a").is_ok());
        assert!(MessageId::new("a".repeat(36)).is_ok());
        assert_eq!(
            MessageId::new("a".repeat(37)),
            Err(MessageIdError::TooLong { len: 37 })
        );
        // Characters, not bytes: 36 three-byte characters are fine.
        assert!(MessageId::new("€".repeat(36)).is_ok());
        assert!(MessageId::new("€".repeat(37)).is_err());
    }

    #[test]
    fn serde_checks_limits() {
        let id: Result<MessageId, _> = serde_json::from_str("\"abc\"");
        assert_eq!(id.ok(), MessageId::new("abc").ok());
        assert_eq!(
            serde_json::to_string(&MessageId::new("abc").ok()).ok(),
            Some("\"abc\"".into())
        );
        assert!(serde_json::from_str::<MessageId>("\"\"").is_err());
        assert!(serde_json::from_str::<MessageId>(&format!("\"{}\"", "a".repeat(37))).is_err());
    }

    #[test]
    fn random_ids_are_uuids() {
        let a = MessageId::random();
        let b = MessageId::random();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 36);
        assert!(uuid::Uuid::parse_str(a.as_str()).is_ok_and(|u| u.get_version_num() == 4));
    }
}
