//! Errors of the [`Rpc`](crate::Rpc) methods the user calls.

use ocpp_types::Action;

use crate::config::Role;
use crate::message_id::MessageId;

/// A request of the user that the endpoint refuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RpcError {
    /// [`Rpc::call`](crate::Rpc::call) with an action this side never sends (a charge point
    /// calling `Reset`, a central system calling `BootNotification`).
    #[error("a {role} does not send {action} CALLs")]
    NotInitiator {
        /// This endpoint's role.
        role: Role,
        /// The refused action.
        action: Action,
    },
    /// [`Rpc::call`](crate::Rpc::call) with a payload that is not a JSON object.
    #[error("the payload of a {action} CALL must be a JSON object")]
    PayloadNotObject {
        /// The action called.
        action: Action,
    },
    /// An answer for an id that is not an unanswered CALL of the peer on this connection
    /// (already answered, never received, or from before [`Rpc::reset`](crate::Rpc::reset)).
    #[error("no unanswered CALL with id {0}")]
    UnknownCall(MessageId),
    /// [`Rpc::respond`](crate::Rpc::respond) with a response of another action than the CALL.
    #[error("CALL {id} is {expected}, the response given is for {found}")]
    ResponseMismatch {
        /// The CALL's id.
        id: MessageId,
        /// The CALL's action.
        expected: Action,
        /// The action of the response given.
        found: Action,
    },
}
