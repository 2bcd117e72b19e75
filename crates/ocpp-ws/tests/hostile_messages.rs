//! Messages no OCPP-J peer should send: text that is not UTF-8, binary messages, messages far
//! over the size limit. Each is reported to the caller and the connection stays.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use ocpp_ws::{Connection, Event, SecurityProfile, ServerOptions};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn broken_and_huge_messages_are_reported_and_theconnection_stays() {
    let mut server = server(ServerOptions::default()).await;
    let mut options = client_options(server.local_addr(), SecurityProfile::Unsecured, None);
    options.max_message_size = 1000;
    let (connection, mut events) = Connection::open(options).unwrap();
    let mut csms = server.accept().await.unwrap();
    assert_eq!(connected(&mut events).await, 1);

    // EVerest's test_invalid_encoding_in_payload sends these bytes; here as a text frame ...
    let invalid = Frame::message(b"\xd8\x00\x00\x00".to_vec(), OpCode::Data(Data::Text), true);
    csms.send_message(Message::Frame(invalid)).await.unwrap();
    match next(&mut events).await {
        Event::Unreadable { why } => assert!(why.contains("not UTF-8"), "{why}"),
        other => panic!("expected Unreadable, got {other:?}"),
    }
    // ... and as a binary one, as EVerest's test does.
    csms.send_message(Message::Binary(b"\xd8\x00\x00\x00".to_vec().into()))
        .await
        .unwrap();
    match next(&mut events).await {
        Event::Unreadable { why } => assert!(why.contains("binary"), "{why}"),
        other => panic!("expected Unreadable, got {other:?}"),
    }
    // 2 MB where 1000 bytes are taken: only the start reaches the caller.
    let big = format!(
        r#"[2,"big","DataTransfer",{{"vendorId":"{}"}}]"#,
        "x".repeat(2_000_000)
    );
    csms.send(big.clone()).await.unwrap();
    match next(&mut events).await {
        Event::TooLarge { start, size, limit } => {
            assert!(start.starts_with(r#"[2,"big","DataTransfer","#), "{start}");
            assert_eq!(start.len(), 1000);
            assert_eq!(size, big.len() as u64);
            assert_eq!(limit, 1000);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // Fragmented: cut where the fragments cross the limit, the later fragments dropped.
    let part = |opcode, fin| Frame::message(vec![b'y'; 600], opcode, fin);
    csms.send_message(Message::Frame(part(OpCode::Data(Data::Text), false)))
        .await
        .unwrap();
    for fin in [false, false, true] {
        csms.send_message(Message::Frame(part(OpCode::Data(Data::Continue), fin)))
            .await
            .unwrap();
    }
    match next(&mut events).await {
        Event::TooLarge { start, size, limit } => {
            assert_eq!(start, "y".repeat(1000));
            assert_eq!((size, limit), (1200, 1000));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // The same connection carries on, both ways.
    csms.send(r#"[2,"1","Heartbeat",{}]"#).await.unwrap();
    match next(&mut events).await {
        Event::Text(text) => assert_eq!(text, r#"[2,"1","Heartbeat",{}]"#),
        other => panic!("expected the text, got {other:?}"),
    }
    connection.send(r#"[3,"1",{}]"#).unwrap();
    assert_eq!(csms.recv().await.unwrap().as_deref(), Some(r#"[3,"1",{}]"#));
}
