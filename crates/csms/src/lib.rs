//! The dev central system of ferrocharge: an OCPP 1.6J CSMS embedded in the binary
//! (`ferrocharge csms`, and `ferrocharge sil` next to the station), listening where SteVe does by
//! default, `ws://127.0.0.1:8180/steve/websocket/CentralSystemService/<ChargePointId>`, so one
//! station config works with SteVe or with nothing else installed.
//!
//! It accepts BootNotification, authorizes a list of tags ([`default_tags`]: the ones EVerest's
//! SIL uses), hands out transaction ids, records transactions, meter values, connector status
//! and notifications in memory ([`State`]), prints one line per message through `tracing`, and
//! lets its user send CSMS-initiated CALLs ([`Csms::call`]).
//!
//! - [`options`]: [`CsmsOptions`] and the default tags with their sources.
//! - [`server`]: [`Csms`], the running server and its API; [`CsmsEvent`]s to wait for.
//! - `session` (private): one task per charge point, an ocpp-rpc [`Rpc`](ocpp_rpc::Rpc) in
//!   Role::CentralSystem on an ocpp-ws [`ServerConnection`](ocpp_ws::ServerConnection).
//! - `handlers` (private): one function per charge-point action (`on_boot_notification`,
//!   `on_start_transaction`, ...), plain functions of the state.
//! - [`state`]: what is recorded; [`store`]: the SQLite database that keeps tags,
//!   charge-point settings and transactions across restarts; [`frames`] and [`calls`]: the
//!   message log and the CSMS-initiated calls of each charge point; [`updates`]: what changed,
//!   for the web UI's event stream.
//! - `http` (private): the web UI and its JSON API (docs/csms-api.md), when
//!   [`CsmsOptions::http`] is set.
//! - [`security`]: security profiles 0-3 on the server side; [`dev_pki`]: a development PKI;
//!   [`config`]: the JSON config file of `ferrocharge csms --config`.
//!
//! ```no_run
//! use csms::{Csms, CsmsOptions};
//! use ocpp_types::{core::GetConfigurationRequest, AnyRequest};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let csms = Csms::bind(CsmsOptions::default()).await?;
//! println!("station URL: {}cp001", csms.url());
//! csms.wait_connected("cp001").await;
//! let answer = csms
//!     .call("cp001", AnyRequest::GetConfiguration(GetConfigurationRequest { key: None }))
//!     .await?;
//! println!("{}", answer.to_json());
//! # Ok(())
//! # }
//! ```

pub mod calls;
pub mod config;
pub mod dev_pki;
pub mod error;
pub mod frames;
mod handlers;
mod http;
pub mod options;
pub mod security;
pub mod server;
mod session;
pub mod state;
pub mod store;
pub mod updates;

pub use error::{CallError, CsmsError};
pub use options::{
    default_tags, CsmsOptions, TagEntry, DEFAULT_HEARTBEAT_INTERVAL_S, DEFAULT_HTTP,
    DEFAULT_LISTEN, DEFAULT_PATH_PREFIX,
};
pub use server::{Csms, CsmsEvent};
pub use state::{
    ChargePoint, ConnectionSecurity, Notification, RegistrationAnswer, State, Transaction,
    TransactionStop,
};
