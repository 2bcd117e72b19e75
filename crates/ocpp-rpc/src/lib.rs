//! OCPP-J 1.6 RPC framing for a charge point or a central system, sans-IO.
//!
//! - [`frame`]: the codec of CALL / CALLRESULT / CALLERROR frames and which CALLERROR a broken
//!   frame gets.
//! - [`session`]: [`Rpc`], the endpoint of one connection: message ids, at most one
//!   outstanding CALL (OCPP-J 1.6 §4.1.1), response timeouts, automatic CALLERRORs for
//!   unknown actions, actions the peer may not send and invalid payloads.
//!
//! Nothing here does I/O, spawns threads or reads a clock: feed received text with
//! [`Rpc::handle_frame`], send what [`Rpc::poll_transmit`] yields, wake up at
//! [`Rpc::poll_timeout`] and call [`Rpc::handle_timeout`], and act on [`Rpc::poll_event`].
//! Every method that needs the time takes it as an argument.
//!
//! ```
//! use std::time::Instant;
//!
//! use ocpp_rpc::{Config, Event, Rpc, Role};
//! use ocpp_types::{Action, AnyResponse};
//! use serde_json::json;
//!
//! let mut rpc = Rpc::new(Role::ChargePoint, Config::default());
//! let now = Instant::now();
//!
//! // Queue a CALL and hand its frame to the WebSocket.
//! let id = rpc.call(Action::Heartbeat, json!({}))?;
//! assert_eq!(rpc.poll_transmit(now), Some(format!(r#"[2,"{id}","Heartbeat",{{}}]"#)));
//!
//! // The central system answers; the answer comes out as an event.
//! rpc.handle_frame(&format!(r#"[3,"{id}",{{"currentTime":"2024-01-01T00:00:00Z"}}]"#), now);
//! let Some(Event::Response { result: Ok(AnyResponse::Heartbeat(_)), .. }) = rpc.poll_event() else {
//!     panic!("expected the Heartbeat response");
//! };
//!
//! // A CALL from the central system with an action nobody knows is answered right away.
//! rpc.handle_frame(r#"[2,"abc","MakeCoffee",{}]"#, now);
//! assert_eq!(
//!     rpc.poll_transmit(now).as_deref(),
//!     Some(r#"[4,"abc","NotImplemented","Unknown action \"MakeCoffee\"",{}]"#)
//! );
//! # Ok::<(), ocpp_rpc::RpcError>(())
//! ```

pub mod config;
pub mod error;
pub mod event;
pub mod frame;
pub mod frame_error;
pub mod message_id;
pub mod session;

pub use config::{Config, Role};
pub use error::RpcError;
pub use event::{CallErrorInfo, Event};

pub use frame::{Frame, MessageType};
pub use frame_error::FrameError;
pub use message_id::{MessageId, MessageIdError};
pub use ocpp_types::CallErrorCode;
pub use session::{Rpc, MAX_DESCRIPTION_LEN};
