//! The OCPP-J 1.6 frame codec: CALL, CALLRESULT and CALLERROR as JSON arrays (OCPP-J 1.6 §4).
//!
//! | Frame      | Wire form                                               |
//! |------------|---------------------------------------------------------|
//! | CALL       | `[2, "<id>", "<action>", {<payload>}]`                  |
//! | CALLRESULT | `[3, "<id>", {<payload>}]`                              |
//! | CALLERROR  | `[4, "<id>", "<errorCode>", "<errorDescription>", {<errorDetails>}]` |
//!
//! This module only checks the frame structure; whether an action exists and whether its
//! payload is valid is the business of [`ocpp_types`] and the [session](crate::session).
//!
//! # Broken frames and the CALLERROR they get
//!
//! | Problem                                                        | Answer |
//! |----------------------------------------------------------------|--------|
//! | readable id, but messageTypeId not 2, 3 or 4                   | `FormationViolation` |
//! | readable id, wrong number of elements for the messageTypeId    | `FormationViolation` |
//! | readable id, CALL action not a string                          | `FormationViolation` |
//! | readable id, CALL or CALLRESULT payload not an object          | `FormationViolation` |
//! | readable id, CALLERROR code / description not a string, details not an object | `FormationViolation` |
//! | not JSON, not an array, id missing, not a string, empty or over 36 characters | what the [session](crate::session) makes of the frame's start ([`prefix`](crate::prefix)) |
//!
//! OCPP-J 1.6 has no dedicated code for a frame that is not a valid RPC frame: OCPP-J 2.0.1
//! added `RpcFrameworkError` ("content of the call is not a valid RPC Request") and
//! `MessageTypeNotSupported` for that. In 1.6 the closest code is `FormationViolation`,
//! "Payload for Action is syntactically incorrect or not conform the PDU structure for
//! Action", so every structural problem with a readable id gets it.
//!
//! [`FrameError::call_error_code`] gives that code for every broken frame with an id, but the
//! session only *sends* it for frames that are (or may be) CALLs; a CALLERROR never answers a
//! CALLRESULT or CALLERROR.
//!
//! A received CALLERROR whose errorCode is not one of the 1.6 codes (nor a later spelling that
//! [`CallErrorCode::from_wire`] accepts) is kept as `GenericError`, and the original string is
//! logged.

use std::fmt;

use ocpp_types::CallErrorCode;
use serde_json::Value;

use crate::frame_error::FrameError;
use crate::message_id::MessageId;

/// The messageTypeId of a frame (element 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// `2`: a request.
    Call,
    /// `3`: the successful answer to a CALL.
    CallResult,
    /// `4`: the error answer to a CALL.
    CallError,
}

impl MessageType {
    /// The number on the wire.
    pub fn type_id(self) -> u64 {
        match self {
            MessageType::Call => 2,
            MessageType::CallResult => 3,
            MessageType::CallError => 4,
        }
    }

    /// The message type of a wire number.
    pub fn from_type_id(type_id: u64) -> Option<MessageType> {
        match type_id {
            2 => Some(MessageType::Call),
            3 => Some(MessageType::CallResult),
            4 => Some(MessageType::CallError),
            _ => None,
        }
    }

    /// How many elements a frame of this type has.
    pub fn element_count(self) -> usize {
        match self {
            MessageType::Call => 4,
            MessageType::CallResult => 3,
            MessageType::CallError => 5,
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MessageType::Call => "CALL",
            MessageType::CallResult => "CALLRESULT",
            MessageType::CallError => "CALLERROR",
        })
    }
}

/// One OCPP-J frame.
///
/// Payloads and details are JSON objects in every frame [`Frame::parse`] returns; a frame built
/// by hand should keep to that, since [`Frame::to_json_string`] writes them as they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A request: `[2, id, action, payload]`.
    Call {
        /// The id the answer will carry.
        id: MessageId,
        /// The action name, as received (not checked against the 1.6 actions here).
        action: String,
        /// The request payload (an object).
        payload: Value,
    },
    /// A successful answer: `[3, id, payload]`.
    CallResult {
        /// The id of the CALL answered.
        id: MessageId,
        /// The response payload (an object).
        payload: Value,
    },
    /// An error answer: `[4, id, code, description, details]`.
    CallError {
        /// The id of the CALL answered.
        id: MessageId,
        /// The error code (`GenericError` for codes 1.6 does not know).
        code: CallErrorCode,
        /// Human-readable description, possibly empty.
        description: String,
        /// Further details (an object; send `{}` when there are none).
        details: Value,
    },
}

impl Frame {
    /// The frame's message id.
    pub fn id(&self) -> &MessageId {
        match self {
            Frame::Call { id, .. } | Frame::CallResult { id, .. } | Frame::CallError { id, .. } => {
                id
            }
        }
    }

    /// The frame's messageTypeId.
    pub fn message_type(&self) -> MessageType {
        match self {
            Frame::Call { .. } => MessageType::Call,
            Frame::CallResult { .. } => MessageType::CallResult,
            Frame::CallError { .. } => MessageType::CallError,
        }
    }

    /// Parses one frame received as a WebSocket text message. Never panics.
    pub fn parse(text: &str) -> Result<Frame, FrameError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| FrameError::NotJson(e.to_string()))?;
        let Value::Array(items) = value else {
            return Err(FrameError::NotArray);
        };
        let id = match items.get(1) {
            Some(Value::String(s)) => MessageId::new(s.as_str()).map_err(FrameError::InvalidId)?,
            _ => return Err(FrameError::MissingId),
        };
        let type_value = items.first().unwrap_or(&Value::Null);
        let Some(message_type) = type_value.as_u64().and_then(MessageType::from_type_id) else {
            return Err(FrameError::UnknownMessageType {
                id,
                found: shorten(&type_value.to_string(), 32),
            });
        };
        if items.len() != message_type.element_count() {
            return Err(FrameError::WrongLength {
                id,
                message_type,
                expected: message_type.element_count(),
                found: items.len(),
            });
        }
        let mut rest = items.into_iter().skip(2);
        let mut next = || rest.next().unwrap_or(Value::Null);
        match message_type {
            MessageType::Call => {
                let Value::String(action) = next() else {
                    return Err(FrameError::ActionNotString { id });
                };
                let payload = object(next(), || FrameError::PayloadNotObject {
                    id: id.clone(),
                    message_type,
                })?;
                Ok(Frame::Call {
                    id,
                    action,
                    payload,
                })
            }
            MessageType::CallResult => {
                let payload = object(next(), || FrameError::PayloadNotObject {
                    id: id.clone(),
                    message_type,
                })?;
                Ok(Frame::CallResult { id, payload })
            }
            MessageType::CallError => {
                let Value::String(code) = next() else {
                    return Err(FrameError::ErrorCodeNotString { id });
                };
                let Value::String(description) = next() else {
                    return Err(FrameError::DescriptionNotString { id });
                };
                let details = object(next(), || FrameError::DetailsNotObject { id: id.clone() })?;
                let code = CallErrorCode::from_wire(&code).unwrap_or_else(|| {
                    tracing::warn!(
                        %id,
                        code = %shorten(&code, 64),
                        "CALLERROR with an error code OCPP 1.6 does not define; kept as GenericError"
                    );
                    CallErrorCode::GenericError
                });
                Ok(Frame::CallError {
                    id,
                    code,
                    description,
                    details,
                })
            }
        }
    }

    /// The frame as the text of one WebSocket message.
    pub fn to_json_string(&self) -> String {
        match self {
            Frame::Call {
                id,
                action,
                payload,
            } => call_text(id, action, payload),
            Frame::CallResult { id, payload } => to_text(&(3u8, id.as_str(), payload)),
            Frame::CallError {
                id,
                code,
                description,
                details,
            } => call_error_text(id.as_str(), *code, description, details),
        }
    }
}

/// The text of a CALLERROR frame answering `id` as the peer wrote it, which may not be a valid
/// [`MessageId`] (too long, empty, or `"-1"` when there is none to read).
pub(crate) fn call_error_text(
    id: &str,
    code: CallErrorCode,
    description: &str,
    details: &Value,
) -> String {
    to_text(&(4u8, id, code.as_str(), description, details))
}

/// The text of a CALL frame, without building a [`Frame`] (and cloning the payload) first.
pub(crate) fn call_text(id: &MessageId, action: &str, payload: &Value) -> String {
    to_text(&(2u8, id.as_str(), action, payload))
}

/// Serializes a tuple of strings, numbers and JSON values as a JSON array. That cannot fail
/// (a `Value`'s map keys are strings and its numbers finite), so the error case is unreachable;
/// it yields an empty string rather than a panic.
fn to_text<T: serde::Serialize>(frame: &T) -> String {
    serde_json::to_string(frame).unwrap_or_default()
}

fn object(value: Value, error: impl FnOnce() -> FrameError) -> Result<Value, FrameError> {
    if value.is_object() {
        Ok(value)
    } else {
        Err(error())
    }
}

/// `text` cut to at most `max` characters (`max` ≥ 1), the last one "…" when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().nth(max).is_none() {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
