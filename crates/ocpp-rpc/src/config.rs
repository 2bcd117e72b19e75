//! Which side of the connection an endpoint is, and its settings.

use std::fmt;
use std::time::Duration;

use ocpp_types::Action;

/// The side of the connection an [`Rpc`](crate::Rpc) endpoint speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The charge point (the WebSocket client).
    ChargePoint,
    /// The central system (the WebSocket server).
    CentralSystem,
}

impl Role {
    /// The other side.
    pub fn peer(self) -> Role {
        match self {
            Role::ChargePoint => Role::CentralSystem,
            Role::CentralSystem => Role::ChargePoint,
        }
    }

    /// Whether this side may send a CALL of `action` ([`Action::initiator`]).
    pub fn may_send(self, action: Action) -> bool {
        let initiator = action.initiator();
        match self {
            Role::ChargePoint => initiator.charge_point_may_send(),
            Role::CentralSystem => initiator.central_system_may_send(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::ChargePoint => "charge point",
            Role::CentralSystem => "central system",
        })
    }
}

/// Settings of an [`Rpc`](crate::Rpc) endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// How long to wait for the CALLRESULT or CALLERROR of a sent CALL before giving up on it
    /// ([`Event::Timeout`](crate::Event::Timeout)) and releasing the next queued CALL.
    ///
    /// Default 30 s, as libocpp's `MessageQueueConfig::message_timeout_seconds` (OCPP 2.0.1
    /// calls it `MessageTimeout`; OCPP 1.6 leaves the value to the implementation).
    pub call_timeout: Duration,
    /// The largest frame [`Rpc::handle_frame`](crate::Rpc::handle_frame) decodes, in bytes;
    /// a larger one is refused from its first bytes ([`Rpc::handle_oversized`](crate::Rpc::handle_oversized)).
    /// `None` (the default): no limit here, the transport bounds what it buffers.
    pub max_message_size: Option<usize>,
}

impl Config {
    /// The default call timeout.
    pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

    /// The default settings with another call timeout.
    pub fn with_call_timeout(call_timeout: Duration) -> Config {
        Config {
            call_timeout,
            ..Config::default()
        }
    }

    /// These settings with a limit on the size of a received frame.
    pub fn max_message_size(mut self, bytes: usize) -> Config {
        self.max_message_size = Some(bytes);
        self
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            call_timeout: Config::DEFAULT_CALL_TIMEOUT,
            max_message_size: None,
        }
    }
}
