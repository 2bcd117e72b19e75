//! The tokio driver end to end against ocpp-ws's server on 127.0.0.1: registration through
//! the driver, a new AuthorizationKey used by the next connection, a SecurityProfile raise
//! to a TLS endpoint that is not there, fallen back from, and the answer to a transaction
//! message followed first by its durable delete.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::charge_point::{ChargePoint, MemoryStore, StationCommand, StationEvent, Store};
use chargepoint::config::{merge_patch, Configuration, Document, MemoryOverlay, Registry};
use chargepoint::driver::{
    self, Driver, DriverSettings, Notice, StationLink, FRAME_BUFFER, NOTICE_BUFFER,
};
use common::{started, stopped, Log, Recording, Scratch};
use ocpp_types::Action;
use ocpp_ws::{CertificateStore, Server, ServerConnection, ServerOptions};
use serde_json::{json, Value};

const KEY: &str = "0123456789abcdef0123";
const NEW_KEY: &str = "fedcba9876543210fedc";
const GUARD: Duration = Duration::from_secs(15);

fn charge_point(port: u16, profile: u8) -> ChargePoint {
    charge_point_over(port, profile, Box::new(MemoryStore::default()))
}

fn charge_point_over(port: u16, profile: u8, store: Box<dyn Store>) -> ChargePoint {
    let mut base =
        Document::parse("ocpp-config.json", chargepoint::config::DEFAULT_CONFIG).unwrap();
    merge_patch::apply(
        &mut base.value,
        &json!({
            "Internal": {"CentralSystemURI": format!("127.0.0.1:{port}/ocpp/"),
                "RetryBackoffWaitMinimum": 0, "RetryBackoffRandomRange": 0,
                "RetryBackoffRepeatTimes": 0, "UseSslDefaultVerifyPaths": false,
                "WebsocketPongTimeout": 1},
            "Core": {"WebSocketPingInterval": 0},
            "Security": {"SecurityProfile": profile, "AuthorizationKey": KEY}
        }),
    );
    let config = Configuration::load(
        Registry::embedded().unwrap().clone(),
        &base,
        Box::new(MemoryOverlay::default()),
    )
    .unwrap();
    ChargePoint::new(config, store, 1, driver::now())
}

/// A plain server that accepts cp001 with KEY or NEW_KEY and records which one.
async fn server(keys_seen: Arc<Mutex<Vec<&'static str>>>) -> Server {
    let options = ServerOptions {
        authorizer: Some(Arc::new(move |h| {
            let credentials = h.credentials.ok_or(ocpp_ws::Refusal::Unauthorized)?;
            for key in [KEY, NEW_KEY] {
                if credentials.matches(h.charge_point_id, key.as_bytes()) {
                    keys_seen.lock().unwrap().push(key);
                    return Ok(());
                }
            }
            Err(ocpp_ws::Refusal::Unauthorized)
        })),
        ..ServerOptions::default()
    };
    Server::bind("127.0.0.1:0", options).await.unwrap()
}

async fn accept(server: &mut Server) -> ServerConnection {
    tokio::time::timeout(GUARD, server.accept())
        .await
        .expect("no connection in time")
        .unwrap()
}

/// The next frame from the charge point.
async fn receive(conn: &mut ServerConnection) -> Value {
    let text = tokio::time::timeout(GUARD, conn.recv())
        .await
        .expect("nothing received in time")
        .unwrap()
        .expect("connection closed");
    serde_json::from_str(&text).unwrap()
}

/// Receives until the charge point sends the answer to `id`, answering its CALLs on the way
/// (BootNotification Accepted, anything else with an empty payload).
async fn answer_until(conn: &mut ServerConnection, id: Option<&str>) -> Value {
    loop {
        let frame = receive(conn).await;
        if frame[0] == 2 {
            let payload = match frame[2].as_str() {
                Some("BootNotification") => json!({"status": "Accepted",
                    "currentTime": "2026-11-24T06:00:00Z", "interval": 300}),
                _ => json!({}),
            };
            conn.send(json!([3, frame[1], payload]).to_string())
                .await
                .unwrap();
            if id.is_none() && frame[2] == "BootNotification" {
                return frame;
            }
        } else if Some(frame[1].as_str().unwrap_or_default()) == id {
            return frame[2].clone();
        }
    }
}

async fn csms_call(conn: &mut ServerConnection, id: &str, action: &str, payload: Value) -> Value {
    conn.send(json!([2, id, action, payload]).to_string())
        .await
        .unwrap();
    answer_until(conn, Some(id)).await
}

async fn notice(link: &mut StationLink, mut wanted: impl FnMut(&Notice) -> bool) -> Notice {
    loop {
        let notice = tokio::time::timeout(GUARD, link.notices.recv())
            .await
            .expect("no such notice in time")
            .expect("the driver ended");
        if wanted(&notice) {
            return *notice;
        }
    }
}

/// A driver connected to a plain server, its BootNotification accepted.
struct Registered {
    /// For the next connection.
    server: Server,
    /// The open connection.
    conn: ServerConnection,
    link: StationLink,
    task: tokio::task::JoinHandle<driver::Stopped>,
}

async fn registered() -> Registered {
    let mut server = server(Arc::new(Mutex::new(Vec::new()))).await;
    let cp = charge_point(server.local_addr().port(), 1);
    let (driver, link) = Driver::start(cp, DriverSettings::default()).unwrap();
    let task = tokio::spawn(driver.run());
    let mut conn = accept(&mut server).await;
    answer_until(&mut conn, None).await;
    Registered {
        server,
        conn,
        link,
        task,
    }
}

#[tokio::test]
async fn a_new_authorization_key_is_used_by_the_next_connection() {
    let keys = Arc::new(Mutex::new(Vec::new()));
    let mut server = server(keys.clone()).await;
    let cp = charge_point(server.local_addr().port(), 1);
    let (driver, mut link) = Driver::start(cp, DriverSettings::default()).unwrap();
    let task = tokio::spawn(driver.run());

    let mut conn = accept(&mut server).await;
    answer_until(&mut conn, None).await;
    let answer = csms_call(
        &mut conn,
        "k1",
        "ChangeConfiguration",
        json!({"key": "AuthorizationKey", "value": NEW_KEY}),
    )
    .await;
    assert_eq!(answer, json!({"status": "Accepted"}));
    let mut conn = accept(&mut server).await;
    assert_eq!(*keys.lock().unwrap(), [KEY, NEW_KEY]);
    notice(&mut link, |n| {
        matches!(n, Notice::Connected { profile: 1, .. })
    })
    .await;
    // Still registered: the next CALL is answered, with no new BootNotification first.
    let answer = csms_call(
        &mut conn,
        "k2",
        "GetConfiguration",
        json!({"key": ["HeartbeatInterval"]}),
    )
    .await;
    assert_eq!(answer["configurationKey"][0]["value"], "300");

    drop(link);
    let stopped = task.await.unwrap();
    assert_eq!(
        stopped
            .charge_point
            .config()
            .security()
            .authorization_key
            .as_ref()
            .map(|k| k.0.as_str()),
        Some(NEW_KEY)
    );
}

#[tokio::test]
async fn a_raise_to_an_unreachable_tls_endpoint_falls_back_and_is_recorded() {
    // The CSMS root CA is installed, so the raise is accepted; nothing speaks TLS at the URL.
    let certs = Scratch::new("driver-certs");
    let ca_dir = certs.path().join("ca").join("csms");
    std::fs::create_dir_all(&ca_dir).unwrap();
    let ca = rcgen::generate_simple_self_signed(vec!["csms".to_string()]).unwrap();
    std::fs::write(ca_dir.join("CSMS_ROOT_CA.pem"), ca.cert.pem()).unwrap();

    let keys = Arc::new(Mutex::new(Vec::new()));
    let mut server = server(keys.clone()).await;
    let cp = charge_point(server.local_addr().port(), 1);
    let settings = DriverSettings {
        cert_store: Some(CertificateStore::new(certs.path())),
    };
    let (driver, mut link) = Driver::start(cp, settings).unwrap();
    let task = tokio::spawn(driver.run());

    let mut conn = accept(&mut server).await;
    answer_until(&mut conn, None).await;
    let answer = csms_call(
        &mut conn,
        "p1",
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "2"}),
    )
    .await;
    assert_eq!(answer, json!({"status": "Accepted"}));

    let failed = notice(&mut link, |n| matches!(n, Notice::ConnectFailed { .. })).await;
    let Notice::ConnectFailed { kind, .. } = failed else {
        unreachable!()
    };
    assert_ne!(kind, "unauthorized");
    notice(&mut link, |n| {
        matches!(
            n,
            Notice::FellBack {
                tried: 2,
                restored: 1
            }
        )
    })
    .await;
    let mut conn = loop {
        // TLS attempts land on the plain server too and fail there; the fall-back connects.
        let conn = accept(&mut server).await;
        if conn.subprotocol() == "ocpp1.6" {
            break conn;
        }
        conn.close().await;
    };
    let answer = csms_call(
        &mut conn,
        "p2",
        "GetConfiguration",
        json!({"key": ["SecurityProfile"]}),
    )
    .await;
    assert_eq!(answer["configurationKey"][0]["value"], "1");

    drop(link);
    let stopped = task.await.unwrap();
    let config = stopped.charge_point.config();
    assert_eq!(config.security().security_profile, 1);
    assert_eq!(config.overlay()["Security"]["SecurityProfile"], 1);
}

#[tokio::test]
async fn refused_credentials_are_logged_as_a_security_event_but_not_sent() {
    let options = ServerOptions {
        authorizer: Some(Arc::new(|_| Err(ocpp_ws::Refusal::Unauthorized))),
        ..ServerOptions::default()
    };
    let server = Server::bind("127.0.0.1:0", options).await.unwrap();
    let cp = charge_point(server.local_addr().port(), 1);
    let (driver, mut link) = Driver::start(cp, DriverSettings::default()).unwrap();
    let task = tokio::spawn(driver.run());
    let failed = notice(&mut link, |n| matches!(n, Notice::ConnectFailed { .. })).await;
    assert_eq!(
        failed,
        Notice::ConnectFailed {
            kind: "unauthorized",
            message: "the CSMS refused our credentials (HTTP 401): check ChargePointId and AuthorizationKey".to_string(),
            security_event: Some("FailedToAuthenticateAtCentralSystem"),
        }
    );
    // The security log gets it (a command to the station)...
    let logged = loop {
        match *link.commands.recv().await.unwrap() {
            StationCommand::SecurityEvent(event) => break event,
            _ => continue,
        }
    };
    assert_eq!(logged.kind.as_str(), "FailedToAuthenticateAtCentralSystem");
    let tech_info = logged.tech_info.unwrap();
    assert!(tech_info.contains("HTTP 401"), "{tech_info}");
    drop(link);
    // ...but it is not critical: nothing is queued for the central system (libocpp's
    // is_critical; the whitepaper's table).
    let stopped = task.await.unwrap();
    assert_eq!(stopped.charge_point.store().messages().unwrap(), vec![]);
}

#[tokio::test]
async fn keep_alive_changes_apply_to_the_open_connection() {
    let Registered {
        mut server,
        mut conn,
        mut link,
        task,
    } = registered().await;
    let answer = csms_call(
        &mut conn,
        "w1",
        "ChangeConfiguration",
        json!({"key": "WebSocketPingInterval", "value": "1"}),
    )
    .await;
    assert_eq!(answer, json!({"status": "Accepted"}));
    notice(
        &mut link,
        |n| matches!(n, Notice::ConfigurationChanged(c) if c.is("WebSocketPingInterval")),
    )
    .await;
    // The CSMS stops reading, so it answers no ping: the open connection, which started with
    // pings off, now pings every second and drops after the 1 s pong timeout, without a
    // reconnect before that. Had the change waited for the next connection, no ping would
    // ever be sent and this would time out.
    let dropped = notice(&mut link, |n| matches!(n, Notice::Disconnected { .. })).await;
    assert!(
        matches!(&dropped, Notice::Disconnected { reason } if reason.contains("pong")),
        "{dropped:?}"
    );
    let _conn = accept(&mut server).await;
    notice(&mut link, |n| matches!(n, Notice::Connected { .. })).await;
    drop(conn);
    drop(link);
    task.await.unwrap();
}

async fn next_frame(link: &mut StationLink) -> driver::Frame {
    next_frame_of(&mut link.frames).await
}

#[tokio::test]
async fn frames_are_passed_on_and_the_station_can_go_offline_and_back() {
    let Registered {
        mut server,
        conn: _conn,
        mut link,
        task,
    } = registered().await;
    // The BootNotification went out and its answer came in, in that order.
    let sent = next_frame(&mut link).await;
    assert_eq!(sent.direction, driver::FrameDirection::Sent);
    assert!(sent.text.contains("BootNotification"));
    let received = next_frame(&mut link).await;
    assert_eq!(received.direction, driver::FrameDirection::Received);
    assert!(received.text.contains("Accepted"));

    // One order at a time; then both before the driver looks: it acts on the latest, but an
    // order to go offline is not lost behind one to go online.
    let mut connections = Vec::new();
    for at_once in [false, true] {
        link.online.send(false).unwrap();
        if !at_once {
            notice(&mut link, |n| matches!(n, Notice::Disconnected { .. })).await;
        }
        link.online.send(true).unwrap();
        if at_once {
            notice(&mut link, |n| matches!(n, Notice::Disconnected { .. })).await;
        }
        connections.push(accept(&mut server).await);
        notice(&mut link, |n| matches!(n, Notice::Connected { .. })).await;
    }

    drop(link);
    task.await.unwrap();
}

/// A station that takes its commands but reads neither frames nor notices while the CSMS
/// floods it with ChangeConfigurations: those two channels stay at their bound (the rest is
/// dropped, and counted), while a transaction started, and stopped remotely in the middle of
/// the flood, loses nothing: the CSMS gets its StartTransaction and StopTransaction, the
/// station its StopTransaction command.
#[tokio::test]
async fn a_slow_observer_loses_frames_and_notices_but_no_transaction_message() {
    let Registered {
        mut conn,
        link,
        task,
        ..
    } = registered().await;
    let StationLink {
        events,
        mut commands,
        mut notices,
        mut frames,
        online: _online,
        core: _core,
    } = link;

    // The station's loop, minus frames and notices: it stops a transaction when told to.
    let (stops_tx, mut stops) = tokio::sync::mpsc::unbounded_channel();
    let station_events = events.clone();
    let station = tokio::spawn(async move {
        while let Some(command) = commands.recv().await {
            if let StationCommand::StopTransaction {
                connector, reason, ..
            } = *command
            {
                let stopped = StationEvent::TransactionStopped {
                    connector,
                    meter_stop_wh: 500,
                    reason,
                    id_tag: None,
                };
                station_events.send(stopped).unwrap();
                stops_tx.send(connector).unwrap();
            }
        }
    });
    events.send(started(100)).unwrap();

    // The flood, in batches of 100 CALLs sent without waiting; the CSMS reads the answers and
    // answers the charge point's own CALLs (StartTransaction with transactionId 7).
    let batches = (FRAME_BUFFER / 2) / 100 + 2;
    let mut transaction_calls = Vec::new();
    let mut answered = 0;
    let mut sent = 0;
    for batch in 0..batches {
        for _ in 0..100 {
            let value = (60 + sent % 2).to_string();
            let call = json!([2, format!("f{sent}"), "ChangeConfiguration",
                {"key": "HeartbeatInterval", "value": value}]);
            conn.send(call.to_string()).await.unwrap();
            sent += 1;
        }
        if batch == batches / 2 {
            let stop = json!([2, "stop", "RemoteStopTransaction", {"transactionId": 7}]);
            conn.send(stop.to_string()).await.unwrap();
        }
        while answered < sent {
            let frame = receive(&mut conn).await;
            match (frame[0].as_u64(), frame[2].as_str()) {
                (Some(2), Some(action)) => {
                    let answer = match action {
                        "StartTransaction" => {
                            json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 7})
                        }
                        _ => json!({}),
                    };
                    if matches!(action, "StartTransaction" | "StopTransaction") {
                        transaction_calls.push((action.to_string(), frame[3].clone()));
                    }
                    conn.send(json!([3, frame[1], answer]).to_string())
                        .await
                        .unwrap();
                }
                (Some(3), _) if frame[1] == "stop" => {
                    assert_eq!(frame[2], json!({"status": "Accepted"}));
                }
                (Some(3), _) => {
                    assert_eq!(frame[2], json!({"status": "Accepted"}), "{frame}");
                    answered += 1;
                }
                _ => panic!("unexpected {frame}"),
            }
        }
    }
    // The station stopped the transaction; its StopTransaction comes after the flood's answers.
    let stopped = tokio::time::timeout(GUARD, stops.recv()).await.unwrap();
    assert_eq!(stopped, Some(1));
    while transaction_calls.len() < 2 {
        let frame = answer_if_call(&mut conn).await;
        if frame[2] == "StopTransaction" {
            transaction_calls.push(("StopTransaction".to_string(), frame[3].clone()));
        }
    }
    assert_eq!(transaction_calls[0].0, "StartTransaction");
    assert_eq!(transaction_calls[0].1["meterStart"], 100);
    assert_eq!(transaction_calls[1].0, "StopTransaction");
    assert_eq!(transaction_calls[1].1["transactionId"], 7);
    assert_eq!(transaction_calls[1].1["reason"], "Remote");

    // Nobody read frames or notices: each channel holds its bound and no more.
    assert_eq!(frames.len(), FRAME_BUFFER);
    assert_eq!(notices.len(), NOTICE_BUFFER);
    // The oldest are kept; once the station catches up, new ones get through again.
    let first = frames.recv().await.unwrap();
    assert!(first.text.contains("BootNotification"), "{first:?}");
    while frames.try_recv().is_ok() {}
    while notices.try_recv().is_ok() {}
    let answer = csms_call(&mut conn, "after", "ClearCache", json!({})).await;
    assert_eq!(answer, json!({"status": "Accepted"}));
    let received = next_frame_of(&mut frames).await;
    assert!(received.text.contains("\"after\""), "{received:?}");

    station.abort();
    drop(events);
    task.await.unwrap();
}

/// The next frame the charge point sends, answered with an empty payload if it is a CALL.
async fn answer_if_call(conn: &mut ServerConnection) -> Value {
    let frame = receive(conn).await;
    if frame[0] == 2 {
        conn.send(json!([3, frame[1], {}]).to_string())
            .await
            .unwrap();
    }
    frame
}

async fn next_frame_of(frames: &mut tokio::sync::mpsc::Receiver<driver::Frame>) -> driver::Frame {
    tokio::time::timeout(GUARD, frames.recv())
        .await
        .expect("no frame in time")
        .expect("the driver ended")
}

/// Answers the charge point's CALLs with an empty payload until it sends one of `action`;
/// returns that CALL (not answered).
async fn until_call(conn: &mut ServerConnection, action: &str) -> Value {
    loop {
        let frame = receive(conn).await;
        if frame[0] == 2 && frame[2] == action {
            return frame;
        }
        if frame[0] == 2 {
            conn.send(json!([3, frame[1], {}]).to_string())
                .await
                .unwrap();
        }
    }
}

/// Waits until `log` holds `entry`.
async fn logged(log: &Log, entry: &str) {
    tokio::time::timeout(GUARD, async {
        while !log.entries().iter().any(|e| e == entry) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {entry} in {:?}", log.entries()));
}

/// The core alone puts the delete first (forget_on_answer.rs); through the driver nothing comes
/// in between either: from the CALLRESULT's frame to the store, the delete of the message it
/// answers is the first write.
#[tokio::test]
async fn the_delete_of_an_answered_transaction_message_is_the_first_write_after_its_frame() {
    let dir = Scratch::new("driver-forget");
    let log = Log::default();
    let store = Recording {
        inner: SqliteStore::open(dir.file("cp001.db")).unwrap(),
        log: log.clone(),
    };
    let mut server = server(Arc::new(Mutex::new(Vec::new()))).await;
    let cp = charge_point_over(server.local_addr().port(), 1, Box::new(store));
    let (driver, link) = Driver::start(cp, DriverSettings::default()).unwrap();
    let task = tokio::spawn(driver.run());
    let mut conn = accept(&mut server).await;
    answer_until(&mut conn, None).await;

    link.events.send(started(100)).unwrap();
    let start = until_call(&mut conn, "StartTransaction").await;
    let start_key = log.key_of(Action::StartTransaction);
    log.mark("start answered");
    conn.send(
        json!([3, start[1], {"idTagInfo": {"status": "Accepted"}, "transactionId": 9}]).to_string(),
    )
    .await
    .unwrap();
    // With the transactionId it gives, in the transaction's record, in the same write.
    let delete = format!("write_all [remove_message {start_key}, save_transaction 1]");
    logged(&log, &delete).await;
    assert_eq!(log.after("start answered")[0], delete);

    link.events.send(stopped(300)).unwrap();
    let stop = until_call(&mut conn, "StopTransaction").await;
    assert_eq!(stop[3]["transactionId"], 9);
    let stop_key = log.key_of(Action::StopTransaction);
    log.mark("stop answered");
    conn.send(json!([3, stop[1], {}]).to_string())
        .await
        .unwrap();
    logged(&log, &format!("remove_message {stop_key}")).await;
    assert_eq!(
        log.after("stop answered"),
        [format!("remove_message {stop_key}")]
    );

    drop(link);
    let stopped = task.await.unwrap();
    assert_eq!(stopped.charge_point.store().messages().unwrap(), vec![]);
}
