//! Profiles 0 to 3 against this crate's server on 127.0.0.1, with a PKI made here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ocpp_ws::{ClientAuth, Connection, Event, SecurityProfile};

/// Connects, exchanges one message each way, and returns what the server saw.
async fn round_trip(
    mut server: ocpp_ws::Server,
    options: ocpp_ws::ConnectionOptions,
) -> (String, bool) {
    let (connection, mut events) = Connection::open(options).unwrap();
    let mut accepted = server.accept().await.unwrap();
    let url = match next(&mut events).await {
        Event::Connected { url, profile, .. } => {
            assert_eq!(url.rsplit('/').next(), Some(CP));
            let _ = profile;
            url
        }
        other => panic!("expected Connected, got {other:?}"),
    };
    assert_eq!(accepted.subprotocol(), "ocpp1.6");
    connection.send(r#"[2,"1","Heartbeat",{}]"#).unwrap();
    assert_eq!(
        accepted.recv().await.unwrap().as_deref(),
        Some(r#"[2,"1","Heartbeat",{}]"#)
    );
    accepted
        .send(r#"[3,"1",{"currentTime":"2024-01-01T00:00:00Z"}]"#)
        .await
        .unwrap();
    match next(&mut events).await {
        Event::Text(text) => assert!(text.starts_with("[3,\"1\"")),
        other => panic!("expected Text, got {other:?}"),
    }
    (url, accepted.client_certificate().is_some())
}

#[tokio::test]
async fn profile_0_plain() {
    let server = server(Default::default()).await;
    let options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    let (url, _) = round_trip(server, options).await;
    assert!(url.starts_with("ws://127.0.0.1:"));
}

#[tokio::test]
async fn profile_1_basic_auth() {
    let server = server(options_with_auth(None)).await;
    let options = client_options(server.local_addr(), SecurityProfile::BasicAuth, None);
    let (url, _) = round_trip(server, options).await;
    assert!(url.starts_with("ws://"));
}

#[tokio::test]
async fn profile_2_tls_and_basic_auth() {
    let ca = Ca::new("CSMS Root");
    let leaf = ca.server(&["127.0.0.1"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &ca);
    let server = server(options_with_auth(Some(tls(&leaf, ClientAuth::None)))).await;
    let options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    let (url, cert) = round_trip(server, options).await;
    assert!(url.starts_with("wss://127.0.0.1:"));
    assert!(!cert);
}

#[tokio::test]
async fn profile_2_with_a_dns_name() {
    let ca = Ca::new("CSMS Root");
    let leaf = ca.server(&["localhost"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &ca);
    let server = server(options_with_auth(Some(tls(&leaf, ClientAuth::None)))).await;
    let mut options = client_options(
        server.local_addr(),
        SecurityProfile::TlsBasicAuth,
        Some(store.path()),
    );
    options.central_system_uri = format!("wss://localhost:{}/ocpp", server.local_addr().port());
    round_trip(server, options).await;
}

#[tokio::test]
async fn profile_3_client_certificate() {
    let csms_ca = Ca::new("CSMS Root");
    let cpo_ca = Ca::new("CPO Root");
    let leaf = csms_ca.server(&["127.0.0.1"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &csms_ca);
    install_client(store.path(), "CSMS_LEAF", &cpo_ca.client(Validity::Now));
    let server = server(options_with_auth(Some(tls(
        &leaf,
        ClientAuth::Required(vec![cpo_ca.cert.clone()]),
    ))))
    .await;
    let mut options = client_options(
        server.local_addr(),
        SecurityProfile::TlsClientCertificate,
        Some(store.path()),
    );
    options.authorization_key = None; // profile 3 does not need it
    let (url, cert) = round_trip(server, options).await;
    assert!(url.starts_with("wss://"));
    assert!(cert, "the server saw the client certificate");
}
