//! A CSMS that sends faster than the charge point reads: the connection's events are bounded,
//! so the task stops reading the socket and TCP holds the CSMS back; once the reader catches
//! up, every message arrives, in order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use ocpp_ws::connection::EVENT_BUFFER;
use ocpp_ws::{Connection, Event, SecurityProfile, ServerOptions};

#[tokio::test]
async fn a_flood_waits_for_the_reader_and_loses_nothing() {
    let mut server = server(ServerOptions::default()).await;
    let (_connection, mut events) = Connection::open(client_options(
        server.local_addr(),
        SecurityProfile::Unsecured,
        None,
    ))
    .unwrap();
    let mut accepted = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 1);

    // 20 MiB in 16 KiB messages: far more than the events and the sockets' buffers hold.
    let total = 20 * EVENT_BUFFER;
    let padding = "x".repeat(16 * 1024);
    let text = move |n: usize| format!(r#"[2,"{n}","DataTransfer",{{"vendorId":"{padding}"}}]"#);
    let flood = text.clone();
    let csms = tokio::spawn(async move {
        for n in 0..total {
            accepted.send(flood(n)).await.unwrap();
        }
        accepted
    });
    // The reader is slow: the CSMS cannot get everything out meanwhile.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!csms.is_finished(), "the CSMS was not held back");

    for n in 0..total {
        match next(&mut events).await {
            Event::Text(received) => assert!(received == text(n), "message {n} out of order"),
            other => panic!("expected message {n}, got {other:?}"),
        }
    }
    let _accepted = tokio::time::timeout(GUARD, csms).await.unwrap().unwrap();
}
