//! What changed, for the web UI's event stream: the CSMS broadcasts an [`Update`] whenever a
//! charge point, a transaction, the tags or a CSMS-initiated call change, and for every frame.
//! The HTTP layer turns them into server-sent events with the current snapshot of what changed.
//!
//! Separate from [`CsmsEvent`](crate::CsmsEvent) (what tests wait for): a stream of every frame
//! would drown those.

use std::sync::Arc;

use ocpp_types::{Action, DateTime};
use serde::Serialize;
use serde_json::Value;

use crate::frames::Frame;

/// Something that changed.
#[derive(Debug, Clone)]
pub enum Update {
    /// The charge point with this id (connection, boot, heartbeat, connectors, settings).
    ChargePoint(String),
    /// The transaction with this id (started, meter values, stopped).
    Transaction(i32),
    /// The tag list.
    Tags,
    /// A frame was sent or received.
    Frame(Arc<Frame>),
    /// A CSMS-initiated call was sent or got its outcome.
    Call(Arc<CallRecord>),
}

/// A CSMS-initiated call and what became of it, as the UI shows it next to its form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    /// Its number, counting from 1 over all charge points.
    pub seq: u64,
    /// The charge point it went to.
    pub charge_point_id: String,
    /// When it was asked for.
    pub time: DateTime,
    /// Its action.
    #[serde(serialize_with = "action_name")]
    pub action: Action,
    /// The request payload (secrets redacted as in the log).
    pub payload: Value,
    /// What became of it; `None` while it waits.
    pub outcome: Option<CallOutcome>,
}

/// An action as its name.
fn action_name<S: serde::Serializer>(action: &Action, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(action.as_str())
}

/// How a CSMS-initiated call ended: the `result` of `POST /api/v1/charge-points/{id}/calls`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CallOutcome {
    /// A CALLRESULT, its payload decoded and valid.
    Answered {
        /// The CALLRESULT payload.
        payload: Value,
    },
    /// A CALLERROR, or a CALLRESULT whose payload is not valid (then the code is the one such a
    /// payload deserves and the description says what is wrong).
    #[serde(rename = "callerror")]
    CallError {
        /// The OCPP-J error code.
        code: String,
        /// Its description.
        description: String,
        /// Its details.
        details: Value,
    },
    /// No answer in time.
    Timeout,
    /// The connection closed before the answer came.
    Disconnected,
}
