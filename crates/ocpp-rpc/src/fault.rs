//! What the peer did wrong, besides what it is told in a CALLERROR: [`PeerFault`]s, from
//! [`Rpc::poll_fault`](crate::Rpc::poll_fault), for whoever keeps a security log (the OCPP 1.6
//! Security whitepaper's InvalidMessages and AttemptedReplayAttacks).

use ocpp_types::CallErrorCode;

use crate::message_id::MessageId;

/// How many faults wait for [`Rpc::poll_fault`](crate::Rpc::poll_fault); older ones are dropped
/// beyond (a user that never polls must not make the endpoint grow).
pub const MAX_FAULTS: usize = 64;

/// How many of the peer's CALL ids an endpoint remembers to recognise one used again.
pub const RECENT_CALL_IDS: usize = 256;

/// Something the peer sent that broke OCPP-J.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerFault {
    /// A frame or a payload that could not be decoded: a broken frame, one that is not text or
    /// not UTF-8, one over the size limit, a CALL or CALLRESULT payload the schema refuses.
    /// Its CALLERROR went out (or our CALL failed with it) as usual. A CALL of an action this
    /// side does not know or never receives is no fault: it is well formed and answered
    /// NotImplemented / NotSupported.
    Malformed {
        /// The code it got.
        code: CallErrorCode,
        /// What was wrong: the code's reason, the action and the path in the payload, never
        /// the frame's text (it may carry a secret, e.g. an AuthorizationKey).
        what: String,
    },
    /// A CALL with a message id the peer already used for a CALL on this connection, which
    /// OCPP-J 1.6 §4.1.3 forbids ("MUST be different from all message IDs previously used by
    /// the same sender for CALL messages on the same WebSocket connection"): a replayed
    /// message. It is handled as before (dropped when the first is still unanswered,
    /// otherwise passed on as a new CALL): OCPP-J gives no answer for a repeated id, and
    /// libocpp neither checks nor refuses one.
    RepeatedId {
        /// The id used again.
        id: MessageId,
        /// The CALL's action, as named (cut to 64 characters).
        action: String,
    },
}
