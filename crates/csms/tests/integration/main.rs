//! The dev CSMS over real sockets: a hand-written OCPP-J client on 127.0.0.1 talks to a
//! [`csms::Csms`] on an ephemeral port. Every wait is for an event or an answer, bounded by
//! [`client::BOUND`]; nothing sleeps.

mod client;
mod core_flow;
mod handshake;
mod http;
mod http_access;
mod http_api;
mod http_records;
mod remote_calls;
mod security_profiles;
mod station_transport;
mod tls;
