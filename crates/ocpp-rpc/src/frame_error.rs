//! What can be wrong with an incoming OCPP-J frame, and the CALLERROR code each problem gets.
//!
//! See the [`frame`](crate::frame) module documentation for the rules.

use ocpp_types::CallErrorCode;

use crate::frame::MessageType;
use crate::message_id::{MessageId, MessageIdError};

/// An incoming text that is not a well-formed OCPP-J 1.6 frame.
///
/// The first four variants have no readable message id: nobody can be answered and the frame
/// is dropped. The others carry the id read from element 1, and [`FrameError::call_error_code`]
/// says which CALLERROR code the problem gets (always `FormationViolation`; see the
/// [`frame`](crate::frame) module documentation for why).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The text is not JSON.
    #[error("frame is not JSON: {0}")]
    NotJson(String),
    /// The text is JSON but not an array.
    #[error("frame is not a JSON array")]
    NotArray,
    /// Element 1 (the message id) is missing or not a string.
    #[error("frame has no message id (element 1 is missing or not a string)")]
    MissingId,
    /// Element 1 is a string but not a valid message id (empty, or over 36 characters).
    #[error("frame has an invalid message id: {0}")]
    InvalidId(MessageIdError),
    /// Element 0 is not 2, 3 or 4.
    #[error("frame {id}: unknown messageTypeId {found}")]
    UnknownMessageType {
        /// The frame's message id.
        id: MessageId,
        /// Element 0 as JSON text (shortened if long).
        found: String,
    },
    /// The array has the wrong number of elements for its messageTypeId.
    #[error("{message_type} {id}: expected {expected} elements, found {found}")]
    WrongLength {
        /// The frame's message id.
        id: MessageId,
        /// What element 0 says the frame is.
        message_type: MessageType,
        /// How many elements that message type has.
        expected: usize,
        /// How many elements the frame has.
        found: usize,
    },
    /// The action of a CALL (element 2) is not a string.
    #[error("CALL {id}: action (element 2) is not a string")]
    ActionNotString {
        /// The frame's message id.
        id: MessageId,
    },
    /// The payload of a CALL or CALLRESULT is not a JSON object.
    #[error("{message_type} {id}: payload is not a JSON object")]
    PayloadNotObject {
        /// The frame's message id.
        id: MessageId,
        /// CALL or CALLRESULT.
        message_type: MessageType,
    },
    /// The errorCode of a CALLERROR (element 2) is not a string.
    #[error("CALLERROR {id}: errorCode (element 2) is not a string")]
    ErrorCodeNotString {
        /// The frame's message id.
        id: MessageId,
    },
    /// The errorDescription of a CALLERROR (element 3) is not a string.
    #[error("CALLERROR {id}: errorDescription (element 3) is not a string")]
    DescriptionNotString {
        /// The frame's message id.
        id: MessageId,
    },
    /// The errorDetails of a CALLERROR (element 4) is not a JSON object.
    #[error("CALLERROR {id}: errorDetails (element 4) is not a JSON object")]
    DetailsNotObject {
        /// The frame's message id.
        id: MessageId,
    },
}

impl FrameError {
    /// The message id read from element 1, if there is one.
    pub fn message_id(&self) -> Option<&MessageId> {
        match self {
            FrameError::NotJson(_)
            | FrameError::NotArray
            | FrameError::MissingId
            | FrameError::InvalidId(_) => None,
            FrameError::UnknownMessageType { id, .. }
            | FrameError::WrongLength { id, .. }
            | FrameError::ActionNotString { id }
            | FrameError::PayloadNotObject { id, .. }
            | FrameError::ErrorCodeNotString { id }
            | FrameError::DescriptionNotString { id }
            | FrameError::DetailsNotObject { id } => Some(id),
        }
    }

    /// The CALLERROR code this problem is answered with; `None` when there is no id to answer.
    pub fn call_error_code(&self) -> Option<CallErrorCode> {
        self.message_id().map(|_| CallErrorCode::FormationViolation)
    }

    /// What element 0 says the frame is, when it is a known messageTypeId.
    ///
    /// `None` also for frames without a readable id. The session answers a broken frame with a
    /// CALLERROR only when this is `Some(MessageType::Call)` or the type is unknown; a broken
    /// CALLRESULT or CALLERROR is not answered (a CALLERROR only ever answers a CALL).
    pub fn message_type(&self) -> Option<MessageType> {
        match self {
            FrameError::WrongLength { message_type, .. }
            | FrameError::PayloadNotObject { message_type, .. } => Some(*message_type),
            FrameError::ActionNotString { .. } => Some(MessageType::Call),
            FrameError::ErrorCodeNotString { .. }
            | FrameError::DescriptionNotString { .. }
            | FrameError::DetailsNotObject { .. } => Some(MessageType::CallError),
            FrameError::NotJson(_)
            | FrameError::NotArray
            | FrameError::MissingId
            | FrameError::InvalidId(_)
            | FrameError::UnknownMessageType { .. } => None,
        }
    }
}
