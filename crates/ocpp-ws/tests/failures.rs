//! Each connection failure gives its own error kind and security event.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use ocpp_ws::security_event::*;
use ocpp_ws::{AuthorizationKey, ClientAuth, SecurityProfile, ServerOptions};

/// A profile 2 server with `leaf`, and a store trusting `trusted`.
async fn tls_case(leaf: &Leaf, trusted: &Ca) -> (ocpp_ws::Server, TempDir) {
    let store = TempDir::new();
    install_root(store.path(), trusted);
    let server = server(options_with_auth(Some(tls(leaf, ClientAuth::None)))).await;
    (server, store)
}

#[tokio::test]
async fn wrong_password() {
    let server = server(options_with_auth(None)).await;
    let mut options = client_options(server.local_addr(), SecurityProfile::BasicAuth, None);
    options.authorization_key = Some(AuthorizationKey::new("not the right key!").unwrap());
    let (kind, event, message) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "unauthorized",
            Some(FAILED_TO_AUTHENTICATE_AT_CENTRAL_SYSTEM)
        )
    );
    assert!(message.contains("HTTP 401"), "{message}");
}

#[tokio::test]
async fn untrusted_ca() {
    let real = Ca::new("CSMS Root");
    let other = Ca::new("Someone else");
    let (server, store) = tls_case(&real.server(&["127.0.0.1"], Validity::Now), &other).await;
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    let (kind, event, message) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "csms_certificate_untrusted",
            Some(INVALID_CENTRAL_SYSTEM_CERTIFICATE)
        )
    );
    assert!(message.contains("not trusted"), "{message}");
}

#[tokio::test]
async fn expired_server_certificate() {
    let ca = Ca::new("CSMS Root");
    let (server, store) = tls_case(&ca.server(&["127.0.0.1"], Validity::Expired), &ca).await;
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    let (kind, event, message) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "csms_certificate_expired",
            Some(INVALID_CENTRAL_SYSTEM_CERTIFICATE)
        )
    );
    assert!(message.contains("expired"), "{message}");
}

#[tokio::test]
async fn host_name_mismatch() {
    let ca = Ca::new("CSMS Root");
    let (server, store) = tls_case(&ca.server(&["csms.example.com"], Validity::Now), &ca).await;
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    let (kind, event, message) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "csms_certificate_host_mismatch",
            Some(INVALID_CENTRAL_SYSTEM_CERTIFICATE)
        )
    );
    assert!(
        message.contains("127.0.0.1") && message.contains("csms.example.com"),
        "{message}"
    );
}

#[tokio::test]
async fn host_name_mismatch_accepted_when_not_verified() {
    let ca = Ca::new("CSMS Root");
    let (server, store) = tls_case(&ca.server(&["csms.example.com"], Validity::Now), &ca).await;
    let mut options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    options.tls.verify_host_name = false; // Internal.VerifyCsmsCommonName = false
    let (_connection, mut events) = ocpp_ws::Connection::open(options).unwrap();
    connected(&mut events).await;
}

#[tokio::test]
async fn wildcard_certificate_for_another_domain() {
    // The wildcard policy itself is unit-tested in tls::client (no DNS needed there).
    let ca = Ca::new("CSMS Root");
    let (server, store) = tls_case(&ca.server(&["*.example.test"], Validity::Now), &ca).await;
    let mut options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    options.central_system_uri = format!("wss://localhost:{}/ocpp", server.local_addr().port());
    options.tls.allow_wildcards = true;
    let (kind, event, _) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "csms_certificate_host_mismatch",
            Some(INVALID_CENTRAL_SYSTEM_CERTIFICATE)
        )
    );
}

#[tokio::test]
async fn missing_client_certificate_in_the_store() {
    let ca = Ca::new("CSMS Root");
    let leaf = ca.server(&["127.0.0.1"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &ca);
    let server = server(options_with_auth(Some(tls(
        &leaf,
        ClientAuth::Required(vec![ca.cert.clone()]),
    ))))
    .await;
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsClientCertificate,
        Some(store.path()),
    );
    let (kind, event, message) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "client_certificate_missing",
            Some(INVALID_CHARGE_POINT_CERTIFICATE)
        )
    );
    assert!(message.contains("client/csms"), "{message}");
}

#[tokio::test]
async fn expired_client_certificate_is_missing_too() {
    let ca = Ca::new("CSMS Root");
    let store = TempDir::new();
    install_root(store.path(), &ca);
    install_client(store.path(), "old", &ca.client(Validity::Expired));
    let server = server(ServerOptions::default()).await;
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsClientCertificate,
        Some(store.path()),
    );
    let (kind, event, _) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "client_certificate_missing",
            Some(INVALID_CHARGE_POINT_CERTIFICATE)
        )
    );
}

#[tokio::test]
async fn client_certificate_required_but_not_sent() {
    // A profile 2 charge point at a CSMS that insists on profile 3.
    let ca = Ca::new("CSMS Root");
    let leaf = ca.server(&["127.0.0.1"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &ca);
    let server = server(options_with_auth(Some(tls(
        &leaf,
        ClientAuth::Required(vec![ca.cert.clone()]),
    ))))
    .await;
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    let (kind, event, message) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "client_certificate_rejected",
            Some(INVALID_CHARGE_POINT_CERTIFICATE)
        )
    );
    assert!(message.contains("none was sent"), "{message}");
}

#[tokio::test]
async fn client_certificate_from_an_unknown_ca() {
    let ca = Ca::new("CSMS Root");
    let stranger = Ca::new("Stranger");
    let leaf = ca.server(&["127.0.0.1"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &ca);
    install_client(store.path(), "cp", &stranger.client(Validity::Now));
    let server = server(options_with_auth(Some(tls(
        &leaf,
        ClientAuth::Required(vec![ca.cert.clone()]),
    ))))
    .await;
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsClientCertificate,
        Some(store.path()),
    );
    let (kind, event, _) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        (
            "client_certificate_rejected",
            Some(INVALID_CHARGE_POINT_CERTIFICATE)
        )
    );
}

#[tokio::test]
async fn no_root_ca_installed() {
    let server = server(ServerOptions::default()).await;
    let store = TempDir::new();
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    let (kind, event, _) = first_failure(options).await;
    assert_eq!((kind.as_str(), event), ("no_csms_root_certificate", None));
}

#[tokio::test]
async fn no_common_cipher_suite() {
    let ca = Ca::new("CSMS Root");
    let leaf = ca.server(&["127.0.0.1"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &ca);
    // The server offers TLS 1.3 with AES-128 only; the client wants AES-256 only.
    let provider = rustls::crypto::CryptoProvider {
        cipher_suites: vec![rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256],
        ..rustls::crypto::ring::default_provider()
    };
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.cert.clone()], leaf.key_der())
        .unwrap();
    let server = server(options_with_auth(Some(Arc::new(config)))).await;
    let mut options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    options.tls.ciphers12 = vec![];
    options.tls.ciphers13 = vec!["TLS_AES_256_GCM_SHA384".into()];
    let (kind, event, _) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        ("tls_cipher_suite", Some(INVALID_TLS_CIPHER_SUITE))
    );
}

#[tokio::test]
async fn no_common_tls_version() {
    let ca = Ca::new("CSMS Root");
    let leaf = ca.server(&["127.0.0.1"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &ca);
    // The server speaks TLS 1.2 only, the client (SupportedCiphers12 empty) 1.3 only.
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS12])
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.cert.clone()], leaf.key_der())
    .unwrap();
    let server = server(options_with_auth(Some(Arc::new(config)))).await;
    let mut options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    options.tls.ciphers12 = vec![];
    let (kind, event, _) = first_failure(options).await;
    assert_eq!(
        (kind.as_str(), event),
        ("tls_version", Some(INVALID_TLS_VERSION))
    );
}

#[tokio::test]
async fn server_without_ocpp16_is_refused() {
    let server = server(ServerOptions {
        subprotocols: vec!["ocpp2.0.1".into()],
        ..ServerOptions::default()
    })
    .await;
    let options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    let (kind, event, message) = first_failure(options).await;
    assert_eq!((kind.as_str(), event), ("subprotocol_refused", None));
    assert!(message.contains("ocpp1.6"), "{message}");
}

#[tokio::test]
async fn nobody_listening() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let options = client_options(port, SecurityProfile::Unsecured, None);
    let (kind, event, _) = first_failure(options).await;
    assert_eq!((kind.as_str(), event), ("tcp", None));
}

#[tokio::test]
async fn wrong_path_is_an_http_error() {
    let server = server(ServerOptions {
        authorizer: Some(Arc::new(|h| {
            if h.path.starts_with("/ocpp/") {
                Ok(())
            } else {
                Err(ocpp_ws::Refusal::NotFound)
            }
        })),
        ..ServerOptions::default()
    })
    .await;
    let mut options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    options.central_system_uri = format!("{}/other", server.local_addr());
    let (kind, event, _) = first_failure(options).await;
    assert_eq!((kind.as_str(), event), ("http_status", None));
}

/// Presents `cert` (valid, from the trusted CA) but signs the handshake with another key.
#[derive(Debug)]
struct NotItsKey(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for NotItsKey {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

#[tokio::test]
async fn a_csms_without_its_certificates_key_failed_to_authenticate() {
    let ca = Ca::new("CSMS Root");
    let leaf = ca.server(&["127.0.0.1"], Validity::Now);
    let impostor = ca.server(&["127.0.0.1"], Validity::Now);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing_key = provider
        .key_provider
        .load_private_key(impostor.key_der())
        .unwrap();
    let certified = rustls::sign::CertifiedKey::new(vec![leaf.cert.clone()], signing_key);
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let config = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(&[version])
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(NotItsKey(Arc::new(certified.clone()))));
        let store = TempDir::new();
        install_root(store.path(), &ca);
        let server = server(options_with_auth(Some(Arc::new(config)))).await;
        let options = client_options(
            server.local_addr(),
            SecurityProfile::TlsBasicAuth,
            Some(store.path()),
        );
        let (kind, event, message) = first_failure(options).await;
        assert_eq!(
            (kind.as_str(), event),
            (
                "csms_authentication_failed",
                Some(CENTRAL_SYSTEM_FAILED_TO_AUTHENTICATE)
            ),
            "{version:?}: {message}"
        );
        assert!(message.contains("handshake signature"), "{message}");
    }
}
