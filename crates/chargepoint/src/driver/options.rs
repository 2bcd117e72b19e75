//! The transport's options from the OCPP configuration: what libocpp's
//! `ChargePointImpl::get_ws_connection_options` gathers, for ocpp-ws.

use std::time::Duration;

use ocpp_ws::profile::UnknownSecurityProfile;
use ocpp_ws::{
    AuthorizationKey, BackoffConfig, CertificateStore, ConnectionOptions, PingConfig,
    SecurityProfile, TlsOptions,
};

use crate::config::Configuration;

/// Why the configuration does not make connection options.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// SecurityProfile is not 0 to 3 (the schema prevents it; a hand-edited file may not).
    #[error(transparent)]
    SecurityProfile(#[from] UnknownSecurityProfile),
    /// The options cannot work (URL, AuthorizationKey, ciphers, certificate store).
    #[error(transparent)]
    Transport(#[from] ocpp_ws::ConfigError),
}

fn seconds(value: i64) -> Duration {
    Duration::from_secs(u64::try_from(value).unwrap_or(0))
}

/// The options of the connection to the CSMS: `Internal.CentralSystemURI`, `ChargePointId`,
/// `Security.SecurityProfile` and `AuthorizationKey`, `Core.WebSocketPingInterval` (absent:
/// no pings), `Internal.WebsocketPongTimeout` and `WebsocketPingPayload`, the three
/// `RetryBackoff*` keys, `UseSslDefaultVerifyPaths`, `VerifyCsmsCommonName`,
/// `VerifyCsmsAllowWildcards`, `SupportedCiphers12` / `13`, and the certificate store
/// `cert_store`. The options are checked ([`ConnectionOptions::validate`]) before they are
/// returned.
pub fn connection_options(
    config: &Configuration,
    cert_store: Option<&CertificateStore>,
) -> Result<ConnectionOptions, OptionsError> {
    let internal = config.internal();
    let security = config.security();
    let profile = SecurityProfile::from_number(security.security_profile.into())?;
    let mut options = ConnectionOptions::new(
        internal.central_system_uri.clone(),
        internal.charge_point_id.clone(),
        profile,
    );
    options.authorization_key = security
        .authorization_key
        .as_ref()
        .map(|key| AuthorizationKey::new(key.0.clone()))
        .transpose()
        .map_err(ocpp_ws::ConfigError::from)?;
    options.cert_store = cert_store.cloned();
    options.tls = TlsOptions {
        use_system_roots: internal.use_ssl_default_verify_paths,
        verify_host_name: internal.verify_csms_common_name,
        allow_wildcards: internal.verify_csms_allow_wildcards,
        ciphers12: internal.supported_ciphers12.clone(),
        ciphers13: internal.supported_ciphers13.clone(),
    };
    options.backoff = BackoffConfig::from_seconds(
        internal.retry_backoff_wait_minimum.into(),
        internal.retry_backoff_random_range.into(),
        internal.retry_backoff_repeat_times.into(),
    );
    options.ping = PingConfig {
        interval: seconds(config.core().web_socket_ping_interval.unwrap_or(0).into()),
        pong_timeout: seconds(internal.websocket_pong_timeout.into()),
        payload: internal.websocket_ping_payload.clone(),
    };
    // What the core decodes at the most: ocpp-ws holds no more of a message than that.
    options.max_message_size =
        chargepoint_core::charge_point::limits::incoming_message_limit(config);
    options.validate()?;
    Ok(options)
}

/// The configuration keys that end up in [`connection_options`] without being
/// SecurityProfile or AuthorizationKey (which the driver handles on their own).
pub const TRANSPORT_KEYS: &[&str] = &[
    "CentralSystemURI",
    "ChargePointId",
    "WebSocketPingInterval",
    "WebsocketPingPayload",
    "WebsocketPongTimeout",
    "RetryBackoffRandomRange",
    "RetryBackoffRepeatTimes",
    "RetryBackoffWaitMinimum",
    "UseSslDefaultVerifyPaths",
    "VerifyCsmsCommonName",
    "VerifyCsmsAllowWildcards",
    "SupportedCiphers12",
    "SupportedCiphers13",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{merge_patch, Document, MemoryOverlay, Registry, DEFAULT_CONFIG};
    use serde_json::{json, Value};

    pub(crate) fn config(patch: Value) -> Configuration {
        let mut base = Document::parse("ocpp-config.json", DEFAULT_CONFIG).unwrap();
        merge_patch::apply(&mut base.value, &patch);
        Configuration::load(
            Registry::embedded().unwrap().clone(),
            &base,
            Box::new(MemoryOverlay::default()),
        )
        .unwrap()
    }

    #[test]
    fn every_key_reaches_the_options() {
        let cfg = config(json!({
            "Internal": {"CentralSystemURI": "csms.example/ocpp/", "ChargePointId": "cp9",
                "WebsocketPongTimeout": 7, "WebsocketPingPayload": "hi",
                "RetryBackoffWaitMinimum": 1, "RetryBackoffRandomRange": 2,
                "RetryBackoffRepeatTimes": 4, "UseSslDefaultVerifyPaths": false,
                "VerifyCsmsCommonName": false, "VerifyCsmsAllowWildcards": true,
                "SupportedCiphers12": ["ECDHE-ECDSA-AES128-GCM-SHA256"],
                "SupportedCiphers13": ["TLS_AES_128_GCM_SHA256"]},
            "Core": {"WebSocketPingInterval": 30},
            "Security": {"SecurityProfile": 2, "AuthorizationKey": "0123456789abcdef"}
        }));
        let store = CertificateStore::new("/certs");
        let o = connection_options(&cfg, Some(&store)).unwrap();
        assert_eq!(o.central_system_uri, "csms.example/ocpp/");
        assert_eq!(o.charge_point_id, "cp9");
        assert_eq!(o.security_profile, SecurityProfile::TlsBasicAuth);
        assert_eq!(
            o.authorization_key.as_ref().map(AuthorizationKey::as_str),
            Some("0123456789abcdef")
        );
        assert_eq!(o.cert_store.as_ref(), Some(&store));
        assert!(!o.tls.use_system_roots && !o.tls.verify_host_name && o.tls.allow_wildcards);
        assert_eq!(o.tls.ciphers12, ["ECDHE-ECDSA-AES128-GCM-SHA256"]);
        assert_eq!(o.tls.ciphers13, ["TLS_AES_128_GCM_SHA256"]);
        assert_eq!(o.backoff, BackoffConfig::from_seconds(1, 2, 4));
        assert_eq!(o.ping.interval, Duration::from_secs(30));
        assert_eq!(o.ping.pong_timeout, Duration::from_secs(7));
        assert_eq!(o.ping.payload, "hi");
    }

    #[test]
    fn options_that_cannot_work_are_refused() {
        // Profile 2 without a certificate store and without the system roots.
        let cfg = config(json!({
            "Internal": {"UseSslDefaultVerifyPaths": false},
            "Security": {"SecurityProfile": 2, "AuthorizationKey": "0123456789abcdef"}
        }));
        assert!(matches!(
            connection_options(&cfg, None),
            Err(OptionsError::Transport(
                ocpp_ws::ConfigError::NoCertificateStore(_)
            ))
        ));
        // The shipped config: profile 0, a ping every 10 s.
        let cfg = config(json!({}));
        let o = connection_options(&cfg, None).unwrap();
        assert_eq!(o.security_profile, SecurityProfile::Unsecured);
        assert_eq!(o.ping.interval, Duration::from_secs(10));
    }
}
