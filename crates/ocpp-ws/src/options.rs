//! Everything one connection needs, as libocpp's `WebsocketConnectionOptions`.

use std::time::Duration;

use crate::auth::AuthorizationKey;
use crate::backoff::BackoffConfig;
use crate::certs::CertificateStore;
use crate::error::ConfigError;
use crate::ping::PingConfig;
use crate::profile::SecurityProfile;
use crate::tls::ciphers::{
    select_cipher_suites, CipherSelection, DEFAULT_CIPHERS12, DEFAULT_CIPHERS13,
};
use crate::uri::CsmsUrl;

/// The TLS settings among libocpp's Internal keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// `Internal.UseSslDefaultVerifyPaths` (default true): trust the system's root CAs as well
    /// as the CSMS root CA of the store.
    pub use_system_roots: bool,
    /// `Internal.VerifyCsmsCommonName` (default true): check that the CSMS certificate names
    /// the host of the URL.
    pub verify_host_name: bool,
    /// `Internal.VerifyCsmsAllowWildcards` (default false): accept a wildcard name for it.
    pub allow_wildcards: bool,
    /// `Internal.SupportedCiphers12` (OpenSSL names).
    pub ciphers12: Vec<String>,
    /// `Internal.SupportedCiphers13` (OpenSSL names).
    pub ciphers13: Vec<String>,
}

impl Default for TlsOptions {
    fn default() -> TlsOptions {
        TlsOptions {
            use_system_roots: true,
            verify_host_name: true,
            allow_wildcards: false,
            ciphers12: DEFAULT_CIPHERS12.iter().map(|s| (*s).to_owned()).collect(),
            ciphers13: DEFAULT_CIPHERS13.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// The options of a [`Connection`](crate::Connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionOptions {
    /// `Internal.CentralSystemURI`, with or without scheme.
    pub central_system_uri: String,
    /// `Internal.ChargePointId`.
    pub charge_point_id: String,
    /// `Security.SecurityProfile`.
    pub security_profile: SecurityProfile,
    /// `Security.AuthorizationKey` (profiles 1 and 2).
    pub authorization_key: Option<AuthorizationKey>,
    /// The certificate store (CSMS root CA for profiles 2 and 3, client certificate for 3);
    /// `None` for a station without one.
    pub cert_store: Option<CertificateStore>,
    /// TLS settings (profiles 2 and 3).
    pub tls: TlsOptions,
    /// Reconnect back-off.
    pub backoff: BackoffConfig,
    /// Keep-alive.
    pub ping: PingConfig,
    /// The longest TCP connect + TLS handshake + websocket upgrade may take (default 30 s).
    pub handshake_timeout: Duration,
    /// The largest message taken from the CSMS, in bytes (default
    /// [`DEFAULT_MAX_MESSAGE_SIZE`]). A larger one is cut there, the rest read and dropped, and
    /// reported as [`Event::TooLarge`](crate::Event::TooLarge); tungstenite's own limits are
    /// set to it too. See [`inbound`](crate::inbound).
    pub max_message_size: usize,
}

/// The default of [`ConnectionOptions::max_message_size`]: 65000 bytes, the default of libocpp's
/// `Internal.MaxMessageSize` (the largest message the station sends).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 65_000;

impl ConnectionOptions {
    /// Options with libocpp's defaults for everything but the three essentials.
    pub fn new(
        central_system_uri: impl Into<String>,
        charge_point_id: impl Into<String>,
        security_profile: SecurityProfile,
    ) -> ConnectionOptions {
        ConnectionOptions {
            central_system_uri: central_system_uri.into(),
            charge_point_id: charge_point_id.into(),
            security_profile,
            authorization_key: None,
            cert_store: None,
            tls: TlsOptions::default(),
            backoff: BackoffConfig::default(),
            ping: PingConfig::default(),
            handshake_timeout: Duration::from_secs(30),
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }

    /// Checks what can be checked without connecting, and gives the URL.
    pub fn validate(&self) -> Result<CsmsUrl, ConfigError> {
        let profile = self.security_profile;
        let url = CsmsUrl::parse(&self.central_system_uri, &self.charge_point_id, profile)?;
        if profile.uses_basic_auth() && self.authorization_key.is_none() {
            return Err(ConfigError::MissingAuthorizationKey(profile));
        }
        if profile.uses_tls() {
            self.cipher_suites()?;
            let roots_possible = self.cert_store.is_some() || self.tls.use_system_roots;
            if !roots_possible || (profile.uses_client_certificate() && self.cert_store.is_none()) {
                return Err(ConfigError::NoCertificateStore(profile));
            }
        }
        Ok(url)
    }

    /// The cipher suites to offer; an error when none of the configured ones exists.
    pub fn cipher_suites(&self) -> Result<CipherSelection, ConfigError> {
        let selection = select_cipher_suites(&self.tls.ciphers12, &self.tls.ciphers13);
        if selection.all().is_empty() {
            return Err(ConfigError::NoCipherSuites {
                ignored: selection.ignored,
            });
        }
        Ok(selection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecurityProfile::*;

    fn key() -> AuthorizationKey {
        AuthorizationKey::new("0123456789abcdef").unwrap()
    }

    #[test]
    fn basic_auth_profiles_need_a_key() {
        let mut o = ConnectionOptions::new("csms/ocpp", "cp001", BasicAuth);
        assert_eq!(
            o.validate(),
            Err(ConfigError::MissingAuthorizationKey(BasicAuth))
        );
        o.authorization_key = Some(key());
        assert_eq!(o.validate().unwrap().to_string(), "ws://csms/ocpp/cp001");
        // Profile 3 authenticates with its certificate only.
        let mut o = ConnectionOptions::new("csms/ocpp", "cp001", TlsClientCertificate);
        o.cert_store = Some(CertificateStore::new("/certs"));
        assert!(o.validate().is_ok());
    }

    #[test]
    fn tls_profiles_need_roots_and_suites() {
        let mut o = ConnectionOptions::new("csms", "cp001", TlsBasicAuth);
        o.authorization_key = Some(key());
        assert!(
            o.validate().is_ok(),
            "system roots are enough for profile 2"
        );
        o.tls.use_system_roots = false;
        assert_eq!(
            o.validate(),
            Err(ConfigError::NoCertificateStore(TlsBasicAuth))
        );
        o.cert_store = Some(CertificateStore::new("/certs"));
        assert!(o.validate().is_ok());
        o.tls.ciphers12 = vec!["AES128-GCM-SHA256".into()];
        o.tls.ciphers13 = vec![];
        assert!(matches!(
            o.validate(),
            Err(ConfigError::NoCipherSuites { .. })
        ));

        let mut o = ConnectionOptions::new("csms", "cp001", TlsClientCertificate);
        assert_eq!(
            o.validate(),
            Err(ConfigError::NoCertificateStore(TlsClientCertificate))
        );
        o.cert_store = Some(CertificateStore::new("/certs"));
        assert!(o.validate().is_ok());
    }

    #[test]
    fn uri_errors_are_config_errors() {
        let o = ConnectionOptions::new("wss://csms", "cp001", Unsecured);
        assert!(matches!(o.validate(), Err(ConfigError::Uri(_))));
    }
}
