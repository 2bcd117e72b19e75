//! `serve` on a real socket: it answers over HTTP/1.1, and it stops when told even while an
//! event stream is open (graceful shutdown waits for every connection, and an event stream
//! never ends by itself).

use std::sync::Arc;
use std::time::Duration;

use station::control_api::{serve, Access};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, oneshot};
use tokio::time::timeout;

use crate::fake::{Call, Fake};
use station::control_api::Token;

const LIMIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn serve_answers_on_a_socket_and_stops_with_an_event_stream_open() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = Arc::new(Fake::default());
    let (events, _) = broadcast::channel(16);
    let (stop, stopped) = oneshot::channel::<()>();
    let access = Access::new(addr, None).unwrap();
    let server = tokio::spawn(serve(
        listener,
        fake.clone(),
        events.clone(),
        access,
        async {
            let _ = stopped.await;
        },
    ));

    let body = r#"{"id_tag":"RFID1"}"#;
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /api/v1/tokens HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    timeout(LIMIT, conn.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with(r#"{"ok":true}"#), "{answer}");
    assert_eq!(
        fake.calls(),
        [Call::Token(Token {
            id_tag: Some("RFID1".into()),
            connectors: None,
            prevalidated: false,
            provider: None,
        })]
    );

    let mut sse = TcpStream::connect(addr).await.unwrap();
    sse.write_all(format!("GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("event: state") {
        let mut chunk = [0u8; 4096];
        let n = timeout(LIMIT, sse.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "the stream ended early");
        seen.extend_from_slice(&chunk[..n]);
    }

    stop.send(()).unwrap();
    let result = timeout(LIMIT, server)
        .await
        .expect("serve returns although an event stream was open");
    assert!(matches!(result, Ok(Ok(()))), "{result:?}");
}
