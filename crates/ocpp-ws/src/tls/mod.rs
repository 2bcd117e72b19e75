//! TLS for profiles 2 and 3 with rustls on the `ring` provider.

pub mod ciphers;
pub mod client;
pub mod server;
