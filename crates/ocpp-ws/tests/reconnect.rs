//! Reconnecting: after the CSMS goes away, after a ping goes unanswered, on request, and with
//! new options (new password, profile trial with fall-back).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use ocpp_ws::{
    AuthorizationKey, ClientAuth, Connection, DisconnectReason, Event, FellBack, PingConfig,
    Refusal, SecurityProfile, SendError, Server, ServerOptions,
};

#[tokio::test]
async fn csms_restart_mid_session() {
    let mut server = server(ServerOptions::default()).await;
    let addr = server.local_addr();
    let (connection, mut events) =
        Connection::open(client_options(addr, SecurityProfile::Unsecured, None)).unwrap();
    let mut accepted = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 1);
    connection.send("[2,\"a\",\"Heartbeat\",{}]").unwrap();
    assert!(accepted.recv().await.unwrap().is_some());

    // The CSMS dies: listener and connection gone.
    drop(accepted);
    drop(server);
    match next(&mut events).await {
        Event::Disconnected {
            reason: DisconnectReason::ConnectionLost(_) | DisconnectReason::ClosedByCsms { .. },
        } => {}
        other => panic!("expected Disconnected, got {other:?}"),
    }
    assert_eq!(connection.send("lost"), Err(SendError::NotConnected));
    // Attempts fail while nobody listens.
    match next(&mut events).await {
        Event::ConnectFailed { error, .. } => assert_eq!(error.kind(), "tcp"),
        other => panic!("expected ConnectFailed, got {other:?}"),
    }

    // It comes back on the same address; the charge point finds it again.
    let mut server = Server::bind(addr, ServerOptions::default()).await.unwrap();
    let event = until(&mut events, |e| matches!(e, Event::Connected { .. })).await;
    assert!(matches!(event, Event::Connected { id: 2, .. }), "{event:?}");
    let mut accepted = server.accept().await.unwrap();
    connection.send("after").unwrap();
    assert_eq!(accepted.recv().await.unwrap().as_deref(), Some("after"));
}

#[tokio::test]
async fn unanswered_ping_reconnects() {
    let mut server = server(ServerOptions::default()).await;
    let mut options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    options.ping = PingConfig {
        interval: Duration::from_millis(200),
        pong_timeout: Duration::from_millis(300),
        payload: "hello there".into(),
    };
    let (_connection, mut events) = Connection::open(options).unwrap();
    // The server holds the connection but never reads it, so pings go unanswered.
    let _silent = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 1);
    match next(&mut events).await {
        Event::Disconnected { reason } => assert_eq!(reason, DisconnectReason::PongTimeout),
        other => panic!("expected a pong timeout, got {other:?}"),
    }
    let _second = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 2);
}

#[tokio::test]
async fn answered_pings_keep_the_connection() {
    let mut server = server(ServerOptions::default()).await;
    let mut options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    options.ping = PingConfig {
        interval: Duration::from_millis(20),
        pong_timeout: Duration::from_millis(500),
        payload: "hello there".into(),
    };
    let (connection, mut events) = Connection::open(options).unwrap();
    let mut accepted = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 1);
    // The server reads (and so answers pings) while the client sends a message every ping
    // interval or so; 30 round trips span many ping cycles.
    for i in 0..30 {
        connection.send(format!("msg {i}")).unwrap();
        assert_eq!(accepted.recv().await.unwrap(), Some(format!("msg {i}")));
        accepted.send(format!("echo {i}")).await.unwrap();
        match next(&mut events).await {
            Event::Text(text) => assert_eq!(text, format!("echo {i}")),
            other => panic!("expected the echo, got {other:?}"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn disconnect_stays_offline_until_connect() {
    let mut server = server(ServerOptions::default()).await;
    let (connection, mut events) = Connection::open(client_options(
        server.local_addr(),
        SecurityProfile::Unsecured,
        None,
    ))
    .unwrap();
    let mut first = server.accept().await.unwrap();
    connected(&mut events).await;
    connection.disconnect().unwrap();
    match next(&mut events).await {
        Event::Disconnected { reason } => assert_eq!(reason, DisconnectReason::Requested),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    assert_eq!(
        first.recv().await.unwrap(),
        None,
        "the server sees the close"
    );
    connection.connect().unwrap();
    let _second = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 2);
}

#[tokio::test]
async fn dropping_the_handle_closes() {
    let mut server = server(ServerOptions::default()).await;
    let (connection, mut events) = Connection::open(client_options(
        server.local_addr(),
        SecurityProfile::Unsecured,
        None,
    ))
    .unwrap();
    let mut accepted = server.accept().await.unwrap();
    connected(&mut events).await;
    drop(connection);
    assert_eq!(accepted.recv().await.unwrap(), None);
    assert!(matches!(
        next(&mut events).await,
        Event::Disconnected {
            reason: DisconnectReason::Requested
        }
    ));
    assert!(
        tokio::time::timeout(GUARD, events.recv())
            .await
            .unwrap()
            .is_none(),
        "the task ends"
    );
}

#[tokio::test]
async fn new_authorization_key_is_used_by_the_next_connection() {
    const NEW_KEY: &str = "a brand new key, 32 bytes long!!";
    let seen: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let log = Arc::clone(&seen);
    let mut server = server(ServerOptions {
        authorizer: Some(Arc::new(move |h| {
            let credentials = h.credentials.ok_or(Refusal::Unauthorized)?;
            log.lock().unwrap().push(credentials.password.clone());
            Ok(())
        })),
        ..ServerOptions::default()
    })
    .await;
    let options = client_options(server.local_addr(), SecurityProfile::BasicAuth, None);
    let (connection, mut events) = Connection::open(options.clone()).unwrap();
    let _first = server.accept().await.unwrap();
    connected(&mut events).await;

    let mut changed = options;
    changed.authorization_key = Some(AuthorizationKey::new(NEW_KEY).unwrap());
    connection.reconnect_with(changed).unwrap();
    assert!(matches!(
        next(&mut events).await,
        Event::Disconnected {
            reason: DisconnectReason::NewOptions
        }
    ));
    let _second = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 2);
    assert_eq!(
        *seen.lock().unwrap(),
        [KEY.as_bytes().to_vec(), NEW_KEY.as_bytes().to_vec()]
    );
}

#[tokio::test]
async fn invalid_new_options_are_refused_and_change_nothing() {
    let mut server = server(ServerOptions::default()).await;
    let options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    let (connection, mut events) = Connection::open(options.clone()).unwrap();
    let _accepted = server.accept().await.unwrap();
    connected(&mut events).await;
    // Profile 2 with neither a certificate store nor the system roots cannot verify anything.
    let mut bad = options;
    bad.security_profile = SecurityProfile::TlsBasicAuth;
    bad.tls.use_system_roots = false;
    bad.cert_store = None;
    assert!(connection.try_options(bad, 1).is_err());
    connection.send("still here").unwrap();
}

/// A profile 1 CSMS and a profile 2 CSMS, with a store for the charge point.
struct TwoCsms {
    plain: Server,
    tls: Server,
    store: TempDir,
}

async fn two_csms() -> TwoCsms {
    let ca = Ca::new("CSMS Root");
    let leaf = ca.server(&["127.0.0.1"], Validity::Now);
    let store = TempDir::new();
    install_root(store.path(), &ca);
    let plain = server(options_with_auth(None)).await;
    let tls = server(options_with_auth(Some(tls(&leaf, ClientAuth::None)))).await;
    TwoCsms { plain, tls, store }
}

#[tokio::test]
async fn profile_upgrade_1_to_2_is_tried_and_kept() {
    let mut csms = two_csms().await;
    let options = client_options(
        csms.plain.local_addr(),
        SecurityProfile::BasicAuth,
        Some(csms.store.path()),
    );
    let (connection, mut events) = Connection::open(options.clone()).unwrap();
    let _first = csms.plain.accept().await.unwrap();
    connected(&mut events).await;

    let mut upgraded = options;
    upgraded.security_profile = SecurityProfile::TlsBasicAuth;
    upgraded.central_system_uri = format!("{}/ocpp/", csms.tls.local_addr());
    connection.try_options(upgraded, 1).unwrap();
    assert!(matches!(
        next(&mut events).await,
        Event::Disconnected {
            reason: DisconnectReason::NewOptions
        }
    ));
    let _second = csms.tls.accept().await.unwrap();
    match next(&mut events).await {
        Event::Connected { profile, url, .. } => {
            assert_eq!(profile, SecurityProfile::TlsBasicAuth);
            assert!(url.starts_with("wss://"), "{url}");
        }
        other => panic!("expected Connected, got {other:?}"),
    }
}

#[tokio::test]
async fn profile_upgrade_to_an_unreachable_endpoint_falls_back() {
    let mut csms = two_csms().await;
    let options = client_options(
        csms.plain.local_addr(),
        SecurityProfile::BasicAuth,
        Some(csms.store.path()),
    );
    let (connection, mut events) = Connection::open(options.clone()).unwrap();
    let _first = csms.plain.accept().await.unwrap();
    connected(&mut events).await;

    // The profile 2 endpoint is gone: nobody listens there any more.
    let mut upgraded = options;
    upgraded.security_profile = SecurityProfile::TlsBasicAuth;
    upgraded.central_system_uri = format!("{}/ocpp/", csms.tls.local_addr());
    drop(csms.tls);
    connection.try_options(upgraded, 1).unwrap();
    assert!(matches!(
        next(&mut events).await,
        Event::Disconnected {
            reason: DisconnectReason::NewOptions
        }
    ));
    match next(&mut events).await {
        Event::ConnectFailed { error, retry_in } => {
            assert_eq!((error.kind(), retry_in), ("tcp", Duration::ZERO));
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    match next(&mut events).await {
        Event::FellBack(fell_back) => assert_eq!(
            fell_back,
            FellBack {
                tried: SecurityProfile::TlsBasicAuth,
                restored: SecurityProfile::BasicAuth
            }
        ),
        other => panic!("expected FellBack, got {other:?}"),
    }
    let _second = csms.plain.accept().await.unwrap();
    match next(&mut events).await {
        Event::Connected { profile, .. } => assert_eq!(profile, SecurityProfile::BasicAuth),
        other => panic!("expected Connected, got {other:?}"),
    }
}

/// A frame sent just before a reconnect reaches the CSMS even while the CSMS is still sending
/// and reads the old connection only after the new one is up: the close must end the TCP
/// connection cleanly, not reset it (a reset makes the CSMS's kernel throw away what its
/// application has not read yet, e.g. the ChangeConfiguration answer that triggered the
/// reconnect).
#[tokio::test]
async fn frame_sent_before_a_reconnect_survives_incoming_traffic() {
    let mut server = server(ServerOptions::default()).await;
    let options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    let (connection, mut events) = Connection::open(options.clone()).unwrap();
    let mut first = server.accept().await.unwrap();
    connected(&mut events).await;

    // The CSMS streams to the charge point; once the first message is in, the charge point
    // answers and reconnects at once, with the rest of the stream still on its way.
    let flood = tokio::spawn(async move {
        let chunk = "x".repeat(16 * 1024);
        for _ in 0..64 {
            if first.send(chunk.clone()).await.is_err() {
                break;
            }
        }
        first
    });
    until(&mut events, |e| matches!(e, Event::Text(_))).await;
    connection
        .send("[3,\"answer\",{\"status\":\"Accepted\"}]")
        .unwrap();
    connection.reconnect_with(options).unwrap();

    // Only after the charge point is back does the CSMS read the first connection.
    let _second = server.accept().await.unwrap();
    let mut first = flood.await.unwrap();
    let mut received = Vec::new();
    while let Ok(Some(text)) = first.recv().await {
        received.push(text);
    }
    assert_eq!(received, ["[3,\"answer\",{\"status\":\"Accepted\"}]"]);
}

/// A new keep-alive applies to the open connection at once, without a reconnect, and to the
/// connections after it (ChangeConfiguration of WebsocketPingInterval).
#[tokio::test]
async fn keep_alive_changes_on_the_open_connection() {
    let mut server = server(ServerOptions::default()).await;
    let mut options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    options.ping = PingConfig {
        interval: Duration::ZERO,
        ..PingConfig::default()
    };
    let (connection, mut events) = Connection::open(options).unwrap();
    // The server never reads, so pings go unanswered; with pings off nothing happens.
    let _silent = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 1);

    connection
        .set_keep_alive(PingConfig {
            interval: Duration::from_millis(100),
            pong_timeout: Duration::from_millis(200),
            payload: "hello there".into(),
        })
        .unwrap();
    // The first connection itself now pings, and times out.
    match next(&mut events).await {
        Event::Disconnected { reason } => assert_eq!(reason, DisconnectReason::PongTimeout),
        other => panic!("expected a pong timeout, got {other:?}"),
    }
    // The next connection keeps the new keep-alive.
    let _silent_too = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 2);
    match next(&mut events).await {
        Event::Disconnected { reason } => assert_eq!(reason, DisconnectReason::PongTimeout),
        other => panic!("expected a pong timeout, got {other:?}"),
    }
}
