//! The charge point's connection to the CSMS: a tokio task owns the socket, connects,
//! keeps the connection alive with pings, and reconnects with back-off forever; the caller
//! talks to it through a [`Connection`] handle and an [`Events`] receiver.
//!
//! # BootNotification is not the transport's business
//!
//! The transport knows nothing of OCPP messages. It reports [`Event::Connected`] and
//! [`Event::Disconnected`]; the caller decides what a (re)connection means. OCPP 1.6 sends
//! BootNotification once per start of the station, not after a reconnect: a caller that sent
//! it on its first `Connected` does not send it again on a later one.
//!
//! # Frames and connections
//!
//! Every `Connected` carries a fresh [`ConnectionId`]. [`Connection::send`] tags the text with
//! the connection the caller last saw through [`Events::recv`], and the task drops text meant
//! for a connection that is gone, so a frame queued just before a drop never reaches the next
//! connection behind the caller's back (the caller re-sends what matters after its own
//! reset, e.g. `ocpp_rpc::Rpc::reset` on `Disconnected`).
//!
//! # Channels
//!
//! | channel | bound | when full | why |
//! |---|---|---|---|
//! | events (task → [`Events`]) | [`EVENT_BUFFER`] | the task waits: it reads no more from the socket until the caller takes an event, so a CSMS that sends faster than the caller reads is held back by TCP | the CSMS writes into it; nothing is dropped, since a text may be the answer to a transaction message and `Connected` / `Disconnected` drive the caller's state |
//! | commands ([`Connection`] → task) | none | — | only the caller writes into it, and [`Connection::send`] must not wait: a caller that waited for the task while the task waits for the caller to take an event would wait forever. What the caller sends follows from what it read (the CSMS's CALLs come through the bounded events, and OCPP keeps one CALL of the caller's own outstanding), so the CSMS cannot grow it through this channel |

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::error::{ConfigError, ConnectError};
use crate::options::ConnectionOptions;
use crate::ping::PingConfig;
use crate::profile::SecurityProfile;
use crate::supervisor::{FellBack, Supervisor};
use crate::task::Task;

/// How many events the connection task may have ready before it waits for the caller
/// ([`Events::recv`]) to take one: see [Channels](crate::connection#channels).
pub const EVENT_BUFFER: usize = 64;

/// Identifies one open connection (counts from 1 for each [`Connection`]).
pub type ConnectionId = u64;

/// Something the connection reports.
#[derive(Debug)]
pub enum Event {
    /// A connection opened (after TLS and the upgrade, with subprotocol `ocpp1.6`).
    Connected {
        /// This connection's id.
        id: ConnectionId,
        /// The URL connected to.
        url: String,
        /// The security profile in use.
        profile: SecurityProfile,
        /// Profiles 2 and 3: the CSMS certificate was verified only by the store's fallback
        /// CSMS root (AdditionalRootCertificateCheck), not by the installed roots. `false`
        /// when the installed (or system) roots verified it, and without TLS.
        fallback_root: bool,
    },
    /// The open connection ended.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// An attempt failed. [`ConnectError::security_event`] says which security event to
    /// report (once connected again).
    ConnectFailed {
        /// Why.
        error: ConnectError,
        /// When the next attempt starts (zero after a fall-back: at once).
        retry_in: std::time::Duration,
    },
    /// Options on trial ([`Connection::try_options`]) did not connect; the previous ones are
    /// back. The caller records this (e.g. sets `SecurityProfile` back).
    FellBack(FellBack),
    /// A text message from the CSMS.
    Text(String),
    /// A message from the CSMS that cannot be an OCPP-J frame: binary, or text that is not
    /// UTF-8. The connection stays; OCPP-J answers it (`ocpp_rpc::Rpc::handle_unreadable`).
    Unreadable {
        /// What was wrong, for the answer and the log.
        why: String,
    },
    /// A message from the CSMS over
    /// [`ConnectionOptions::max_message_size`](crate::ConnectionOptions::max_message_size):
    /// only its start was kept (`ocpp_rpc::Rpc::handle_oversized`); the connection stays.
    TooLarge {
        /// Its first bytes (at most [`TOO_LARGE_START`]), invalid UTF-8 replaced.
        start: String,
        /// Its size as far as was seen (more than `limit`).
        size: u64,
        /// The limit.
        limit: usize,
    },
}

/// How many bytes of an oversized message [`Event::TooLarge`] keeps: enough for the
/// messageTypeId and message id at its start.
pub const TOO_LARGE_START: usize = 1024;

/// Why an open connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The CSMS closed it with a close frame.
    ClosedByCsms {
        /// The close code, if any.
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
    /// The connection broke (reset, end of stream, protocol error).
    ConnectionLost(String),
    /// A ping went unanswered for `WebsocketPongTimeout`.
    PongTimeout,
    /// [`Connection::disconnect`] (or the handle was dropped).
    Requested,
    /// [`Connection::reconnect_with`] / [`Connection::try_options`].
    NewOptions,
}

impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DisconnectReason::ClosedByCsms {
                code: Some(code),
                reason,
            } => {
                write!(f, "closed by the CSMS (code {code}, {reason:?})")
            }
            DisconnectReason::ClosedByCsms { code: None, .. } => f.write_str("closed by the CSMS"),
            DisconnectReason::ConnectionLost(why) => write!(f, "connection lost: {why}"),
            DisconnectReason::PongTimeout => f.write_str("no pong within WebsocketPongTimeout"),
            DisconnectReason::Requested => f.write_str("disconnect requested"),
            DisconnectReason::NewOptions => f.write_str("reconnecting with new options"),
        }
    }
}

/// Why [`Connection::send`] did not queue the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// No connection is open (as far as the events read so far tell).
    #[error("not connected to the CSMS")]
    NotConnected,
    /// The connection task has ended.
    #[error("the connection task has ended")]
    Closed,
}

/// What the handle asks of the task.
#[derive(Debug)]
pub(crate) enum Command {
    Send { id: ConnectionId, text: String },
    Connect,
    Disconnect,
    ReconnectWith(Box<ConnectionOptions>),
    TryOptions(Box<ConnectionOptions>, u32),
    SetKeepAlive(PingConfig),
}

/// The connection the caller has seen open (0: none).
#[derive(Debug, Default)]
struct Shared {
    observed: AtomicU64,
}

/// The handle of the connection task. Dropping it closes the connection and ends the task.
#[derive(Debug)]
pub struct Connection {
    commands: mpsc::UnboundedSender<Command>,
    shared: Arc<Shared>,
}

/// The events of a [`Connection`], in order.
#[derive(Debug)]
pub struct Events {
    /// Boxed: a channel allocates room for 32 items when it is made, 2.8 kB for events of
    /// about 90 bytes, a cost for each station of a fleet; the box costs one allocation per
    /// message received.
    rx: mpsc::Receiver<Box<Event>>,
    shared: Arc<Shared>,
}

impl Events {
    /// The next event; `None` once the task has ended. Cancel-safe.
    pub async fn recv(&mut self) -> Option<Event> {
        let event = *self.rx.recv().await?;
        match &event {
            Event::Connected { id, .. } => self.shared.observed.store(*id, Ordering::Release),
            Event::Disconnected { .. } => self.shared.observed.store(0, Ordering::Release),
            _ => {}
        }
        Some(event)
    }
}

impl Connection {
    /// Starts the connection task on the current tokio runtime; it connects at once.
    pub fn open(options: ConnectionOptions) -> Result<(Connection, Events), ConfigError> {
        let supervisor = Supervisor::new(options)?;
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, rx) = mpsc::channel(EVENT_BUFFER);
        let shared = Arc::new(Shared::default());
        tokio::spawn(Task::new(supervisor, command_rx, event_tx).run());
        let events = Events {
            rx,
            shared: Arc::clone(&shared),
        };
        Ok((Connection { commands, shared }, events))
    }

    /// Queues a text message for the connection last reported by [`Events::recv`].
    pub fn send(&self, text: impl Into<String>) -> Result<(), SendError> {
        let id = self.shared.observed.load(Ordering::Acquire);
        if id == 0 {
            return Err(SendError::NotConnected);
        }
        self.command(Command::Send {
            id,
            text: text.into(),
        })
    }

    /// Goes online again after [`Connection::disconnect`] (nothing if already online).
    pub fn connect(&self) -> Result<(), SendError> {
        self.command(Command::Connect)
    }

    /// Closes the connection (or stops trying) and stays offline until
    /// [`Connection::connect`].
    pub fn disconnect(&self) -> Result<(), SendError> {
        self.command(Command::Disconnect)
    }

    /// Closes the connection and connects at once with `options`, for good (e.g. after a
    /// ChangeConfiguration of AuthorizationKey: the next connection uses the new password).
    /// Invalid options are refused here and change nothing.
    pub fn reconnect_with(&self, options: ConnectionOptions) -> Result<(), OptionsError> {
        options.validate()?;
        Ok(self.command(Command::ReconnectWith(Box::new(options)))?)
    }

    /// Closes the connection and tries `options` for `attempts` attempts (at least 1); if
    /// none connects, the previous options come back, [`Event::FellBack`] says so, and they are
    /// used at once (libocpp's `switchSecurityProfile` after a ChangeConfiguration of
    /// SecurityProfile). Invalid options are refused here and change nothing.
    pub fn try_options(
        &self,
        options: ConnectionOptions,
        attempts: u32,
    ) -> Result<(), OptionsError> {
        options.validate()?;
        Ok(self.command(Command::TryOptions(Box::new(options), attempts))?)
    }

    /// Changes the keep-alive (WebsocketPingInterval, pong timeout, payload) at once: the open
    /// connection's ping timer restarts with it from now, and later connections use it. Unlike
    /// [`reconnect_with`](Self::reconnect_with) this keeps the connection, so a ChangeConfiguration
    /// of WebsocketPingInterval takes effect without a disconnect.
    pub fn set_keep_alive(&self, ping: PingConfig) -> Result<(), SendError> {
        self.command(Command::SetKeepAlive(ping))
    }

    fn command(&self, command: Command) -> Result<(), SendError> {
        self.commands.send(command).map_err(|_| SendError::Closed)
    }
}

/// Why new options were not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// The options cannot work.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The connection task has ended.
    #[error(transparent)]
    Closed(#[from] SendError),
}
