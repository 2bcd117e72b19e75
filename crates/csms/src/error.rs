//! The errors of the dev CSMS's API.

use std::net::SocketAddr;

use ocpp_rpc::{CallErrorInfo, RpcError};
use ocpp_types::Action;

/// Why the CSMS could not start.
#[derive(Debug, thiserror::Error)]
pub enum CsmsError {
    /// The listening socket could not be opened (port taken, no permission, ...).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// The path prefix does not start and end with `/`.
    #[error("path prefix {0:?} must start and end with '/'")]
    PathPrefix(String),
    /// The HTTP socket (web UI and API) could not be opened.
    #[error("cannot serve the web UI on {addr}: {source}")]
    BindHttp {
        /// The address asked for.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// Off loopback, anyone who reaches the web UI could drive every charge point.
    #[error("the web UI on {0} needs a token (--http-token): it is not a loopback address")]
    HttpTokenRequired(SocketAddr),
    /// The database cannot be opened or read.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Why a CSMS-initiated CALL ([`Csms::call`](crate::Csms::call)) got no CALLRESULT.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// No charge point with this id is connected.
    #[error("charge point {0} is not connected")]
    NotConnected(String),
    /// The request cannot be sent by a central system (a charge-point action).
    #[error("{0}")]
    Refused(RpcError),
    /// The charge point answered with a CALLERROR, or with a CALLRESULT that does not decode
    /// (then the code is the one such a payload deserves).
    #[error("{1} answered with CALLERROR {0}")]
    CallError(CallErrorInfo, Action),
    /// No answer within [`CsmsOptions::call_timeout`](crate::CsmsOptions::call_timeout).
    #[error("{0} got no answer in time")]
    Timeout(Action),
    /// The connection closed before the answer came.
    #[error("the connection closed before {0} was answered")]
    Disconnected(Action),
    /// Another call to the charge point waits for its answer (this one was not sent; only
    /// the HTTP API's calls are refused so, [`Csms::call`](crate::Csms::call) queues).
    #[error("{0} to this charge point waits for its answer")]
    Busy(Action),
}
