//! OCPP-J 1.6 RPC framing for a charge point or a central system, sans-IO.
//!
//! - [`frame`]: the codec of CALL / CALLRESULT / CALLERROR frames and which CALLERROR a broken
//!   frame gets; [`frame_error`]: what can be wrong with an incoming frame ([`FrameError`]).
//! - [`session`]: [`Rpc`], the endpoint of one connection: message ids, at most one
//!   outstanding CALL (OCPP-J 1.6 §4.1.1), response timeouts, automatic CALLERRORs for
//!   unknown actions, actions the peer may not send and invalid payloads.
//! - [`prefix`]: the messageTypeId and id at the start of a frame that is not decoded whole
//!   (too deep, too large, an id over 36 characters), so that it can still be answered.
//! - [`config`]: which side an endpoint is ([`Role`]) and its settings ([`Config`]);
//!   [`event`]: what an endpoint reports ([`Event`]); [`error`]: the errors of its methods
//!   ([`RpcError`]); [`message_id`]: the id that ties a CALL to its answer ([`MessageId`]).
//!
//! Nothing here does I/O, spawns threads or reads a clock: feed received text with
//! [`Rpc::handle_frame`], send what [`Rpc::poll_transmit`] yields, wake up at
//! [`Rpc::poll_timeout`] and call [`Rpc::handle_timeout`], and act on [`Rpc::poll_event`].
//! Every method that needs the time takes it as an argument. An example: [`Rpc`].

pub mod config;
pub mod error;
pub mod event;
pub mod fault;
pub mod frame;
pub mod frame_error;
pub mod message_id;
pub mod prefix;
pub mod session;

pub use config::{Config, Role};
pub use error::RpcError;
pub use event::{CallErrorInfo, Event};
pub use fault::PeerFault;

pub use frame::{Frame, MessageType};
pub use frame_error::FrameError;
pub use message_id::{MessageId, MessageIdError};
pub use ocpp_types::CallErrorCode;
pub use session::{Rpc, MAX_DESCRIPTION_LEN, NO_ID};
