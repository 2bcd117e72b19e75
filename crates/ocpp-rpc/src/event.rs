//! What an [`Rpc`](crate::Rpc) endpoint reports to its user.

use ocpp_types::{Action, AnyRequest, AnyResponse, CallErrorCode};
use serde_json::Value;

use crate::message_id::MessageId;

/// Why a CALL we sent did not get a usable CALLRESULT: the peer's CALLERROR, or our own
/// verdict on a CALLRESULT that does not decode.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct CallErrorInfo {
    /// The CALLERROR code (received, or the one the broken response deserves).
    pub code: CallErrorCode,
    /// Human-readable description.
    pub description: String,
    /// The CALLERROR's errorDetails (an object), or `{"path": ...}` for a response payload
    /// that does not decode.
    pub details: Value,
}

/// Something that happened on the connection, from [`Rpc::poll_event`](crate::Rpc::poll_event).
#[derive(Debug, Clone)]
pub enum Event {
    /// The peer sent a valid CALL. Answer it with [`Rpc::respond`](crate::Rpc::respond) or
    /// [`Rpc::respond_error`](crate::Rpc::respond_error).
    Call {
        /// The id to answer.
        id: MessageId,
        /// The decoded request.
        request: AnyRequest,
    },
    /// The outstanding CALL was answered.
    Response {
        /// The id of our CALL.
        id: MessageId,
        /// The action of our CALL.
        action: Action,
        /// The decoded CALLRESULT, or the CALLERROR received, or why the CALLRESULT or the
        /// frame carrying it is invalid (`FormationViolation`, `PropertyConstraintViolation`,
        /// ..., as for a request payload).
        result: Result<AnyResponse, CallErrorInfo>,
    },
    /// The outstanding CALL got no answer within
    /// [`Config::call_timeout`](crate::Config::call_timeout). A late answer will be dropped.
    Timeout {
        /// The id of our CALL.
        id: MessageId,
        /// The action of our CALL.
        action: Action,
        /// The payload that was sent, for a retry.
        payload: Value,
    },
    /// [`Rpc::reset`](crate::Rpc::reset) discarded a CALL of the old connection. Whether to
    /// send it again on the next connection is the caller's decision.
    Cancelled {
        /// The id of our CALL.
        id: MessageId,
        /// The action of our CALL.
        action: Action,
        /// The payload, for sending it again.
        payload: Value,
        /// Whether the CALL had been sent and was awaiting its answer (the peer may or may not
        /// have processed it), rather than still queued.
        sent: bool,
    },
}
