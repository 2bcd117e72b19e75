//! The OCPP 1.6J websocket transport of a charge point, as EVerest's libocpp v16 does it, on
//! tokio, tokio-tungstenite and rustls (`ring` provider); and a server side for the dev CSMS
//! and tests.
//!
//! - [`uri`]: the CSMS URL from `CentralSystemURI`, `ChargePointId` and the security profile.
//! - [`auth`]: the AuthorizationKey (hex notation, 16-byte minimum) and HTTP Basic auth.
//! - [`profile`]: security profiles 0-3 and the prerequisites of raising them.
//! - [`certs`]: the station's certificate store (EvseSecurity's paths), and [`private_key`]:
//!   its private keys, unencrypted or encrypted with a password.
//! - [`tls`]: rustls configurations, cipher names, the CSMS certificate policy.
//! - [`backoff`], [`ping`], [`supervisor`]: the reconnect and keep-alive decisions, sans-IO.
//! - [`connection`]: [`Connection`] / [`Events`], the tokio task that owns the socket; its
//!   events are bounded ([`connection::EVENT_BUFFER`]): a CSMS that sends faster than the
//!   caller reads is held back, nothing is dropped.
//! - [`inbound`]: what the CSMS sends, bounded ([`ConnectionOptions::max_message_size`]) and
//!   kept readable (text reaches the caller checked for UTF-8 here, not by tungstenite, so a
//!   bad message is answered instead of ending the connection).
//! - [`server`]: accepting charge points.
//!
//! Everything that decides is a plain struct or function tested without sockets; the task in
//! [`connection`] only carries the decisions out.
//!
//! ```no_run
//! use ocpp_ws::{Connection, ConnectionOptions, Event, SecurityProfile};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let options = ConnectionOptions::new(
//!     "127.0.0.1:8180/steve/websocket/CentralSystemService/",
//!     "cp001",
//!     SecurityProfile::Unsecured,
//! );
//! let (connection, mut events) = Connection::open(options)?;
//! while let Some(event) = events.recv().await {
//!     match event {
//!         Event::Connected { .. } => connection.send(r#"[2,"1","Heartbeat",{}]"#)?,
//!         Event::Text(text) => println!("CSMS: {text}"),
//!         other => println!("{other:?}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

pub mod auth;
pub mod backoff;
pub mod certs;
mod classify;
mod connect;
pub mod connection;
pub mod error;
pub mod inbound;
pub mod options;
mod percent;
pub mod ping;
pub mod private_key;
pub mod profile;
pub mod server;
mod stream;
pub mod supervisor;
mod task;
pub mod tls;
pub mod uri;
mod validity;

pub use auth::{decode_hex_notation, AuthorizationKey, AuthorizationKeyTooShort, BasicCredentials};
pub use backoff::{Backoff, BackoffConfig};
pub use certs::{CertificateStore, ClientCertificate, StorePaths};
pub use connect::SUBPROTOCOL;
pub use connection::{
    Connection, ConnectionId, DisconnectReason, Event, Events, OptionsError, SendError,
    TOO_LARGE_START,
};
pub use error::{security_event, ConfigError, ConnectError};
pub use options::{ConnectionOptions, TlsOptions, DEFAULT_MAX_MESSAGE_SIZE};
pub use ping::PingConfig;
pub use private_key::PrivateKeyError;
pub use profile::{
    check_profile_raise, ProfilePrerequisites, ProfileRaiseRefused, SecurityProfile,
};
pub use server::{Authorizer, Handshake, Refusal, Server, ServerConnection, ServerOptions};
pub use supervisor::FellBack;
pub use tls::server::{server_config, ClientAuth, ServerTlsOptions};
pub use uri::{CsmsUrl, UriError};
