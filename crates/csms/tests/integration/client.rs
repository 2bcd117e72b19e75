//! A bare OCPP-J charge point for the tests: tokio-tungstenite with the frames written by hand,
//! so the tests check the wire, not our own client.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

use csms::{Csms, CsmsOptions};

/// The longest any single wait in a test may take before the test fails (a bound, not a sleep).
pub const BOUND: Duration = Duration::from_secs(10);

/// A dev CSMS on an ephemeral loopback port.
pub async fn csms(mut options: CsmsOptions) -> Csms {
    options.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    match Csms::bind(options).await {
        Ok(csms) => csms,
        Err(e) => panic!("bind: {e}"),
    }
}

/// How a test client introduces itself.
pub struct Hello<'a> {
    /// The request path.
    pub path: String,
    /// The subprotocol offered, if any.
    pub subprotocol: Option<&'a str>,
    /// Basic credentials (user, password).
    pub basic: Option<(&'a str, &'a str)>,
}

impl Hello<'_> {
    /// `cp` on SteVe's path, offering ocpp1.6, without credentials.
    pub fn steve(cp: &str) -> Hello<'static> {
        Hello {
            path: format!("{}{cp}", csms::DEFAULT_PATH_PREFIX),
            subprotocol: Some("ocpp1.6"),
            basic: None,
        }
    }
}

/// Opens the websocket as `hello` says.
pub async fn open(
    addr: SocketAddr,
    hello: &Hello<'_>,
) -> Result<(WebSocketStream<TcpStream>, Option<String>), tungstenite::Error> {
    let mut request = format!("ws://{addr}{}", hello.path).into_client_request()?;
    if let Some(protocol) = hello.subprotocol {
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_str(protocol)?);
    }
    if let Some((user, password)) = hello.basic {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.headers_mut().insert(
            "Authorization",
            HeaderValue::from_str(&format!("Basic {token}"))?,
        );
    }
    let tcp = TcpStream::connect(addr).await?;
    let (ws, response) = tokio_tungstenite::client_async(request, tcp).await?;
    let agreed = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((ws, agreed))
}

/// A connected charge point.
pub struct Client {
    ws: WebSocketStream<TcpStream>,
    next_id: u64,
}

impl Client {
    /// Connects `cp` to `csms` on SteVe's path with ocpp1.6 and waits until the CSMS has it.
    pub async fn connect(csms: &Csms, cp: &str) -> Client {
        let (ws, agreed) = match open(csms.local_addr(), &Hello::steve(cp)).await {
            Ok(opened) => opened,
            Err(e) => panic!("connect {cp}: {e}"),
        };
        assert_eq!(agreed.as_deref(), Some("ocpp1.6"));
        bounded(csms.wait_connected(cp)).await;
        Client { ws, next_id: 1 }
    }

    /// Sends a CALL and returns the CALLRESULT payload; panics on a CALLERROR.
    pub async fn call(&mut self, action: &str, payload: Value) -> Value {
        let id = format!("m{}", self.next_id);
        self.next_id += 1;
        self.send(json!([2, id, action, payload])).await;
        let frame = self.recv().await;
        assert_eq!(frame[0], 3, "{action}: expected a CALLRESULT, got {frame}");
        assert_eq!(
            frame[1],
            id.as_str(),
            "{action}: answer to another id: {frame}"
        );
        frame[2].clone()
    }

    /// Sends a CALL and returns the whole answer frame (CALLRESULT or CALLERROR).
    pub async fn call_raw(&mut self, frame: Value) -> Value {
        self.send(frame).await;
        self.recv().await
    }

    /// Sends BootNotification and returns its answer.
    pub async fn boot(&mut self) -> Value {
        self.call(
            "BootNotification",
            json!({"chargePointVendor": "ferrocharge", "chargePointModel": "test"}),
        )
        .await
    }

    /// Sends a frame.
    pub async fn send(&mut self, frame: Value) {
        if let Err(e) = self.ws.send(Message::Text(frame.to_string().into())).await {
            panic!("send {frame}: {e}");
        }
    }

    /// The next text frame, as JSON.
    pub async fn recv(&mut self) -> Value {
        loop {
            match bounded(self.ws.next()).await {
                Some(Ok(Message::Text(text))) => match serde_json::from_str(text.as_str()) {
                    Ok(v) => return v,
                    Err(e) => panic!("not JSON: {text}: {e}"),
                },
                Some(Ok(Message::Close(frame))) => panic!("closed by the CSMS: {frame:?}"),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("receive: {e}"),
                None => panic!("connection ended"),
            }
        }
    }

    /// Closes the websocket.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// Awaits `future`, failing the test if it takes longer than [`BOUND`].
pub async fn bounded<F: std::future::Future>(future: F) -> F::Output {
    match tokio::time::timeout(BOUND, future).await {
        Ok(output) => output,
        Err(_) => panic!("nothing happened within {BOUND:?}"),
    }
}
