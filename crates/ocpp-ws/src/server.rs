//! The server side, for the dev CSMS and tests: accepts TCP, optionally TLS with optional or
//! required client certificates, and the websocket upgrade of OCPP-J 1.6:
//!
//! - the ChargePointId is the last segment of the request path (percent-decoded);
//! - subprotocol `ocpp1.6` (or whatever [`ServerOptions::subprotocols`] lists) is agreed and
//!   answered; a client that offers none of them gets the upgrade without a subprotocol and an
//!   immediate close, as OCPP-J 1.6 §3.1.2 prescribes, and is not handed out;
//! - an [`Authorizer`] sees the id, the Basic credentials and the client certificate and
//!   accepts or refuses (401 / 403 / 404).
//!
//! Each handshake runs in its own task (bounded by [`ServerOptions::handshake_timeout`]), so a
//! slow client does not hold up the others.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::CertificateDer;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

use crate::auth::BasicCredentials;
use crate::connect::SUBPROTOCOL;
use crate::percent::decode_segment;
use crate::stream::Stream;

/// What an [`Authorizer`] gets to judge a charge point by.
#[derive(Debug)]
pub struct Handshake<'a> {
    /// The last path segment, decoded.
    pub charge_point_id: &'a str,
    /// The whole request path.
    pub path: &'a str,
    /// The Basic credentials, if the request has an `Authorization: Basic` header.
    pub credentials: Option<&'a BasicCredentials>,
    /// The client certificate (leaf), if one was presented and verified.
    pub client_certificate: Option<&'a CertificateDer<'static>>,
    /// The client's address.
    pub peer: SocketAddr,
}

/// Why a handshake is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 401 (wrong or missing credentials), with `WWW-Authenticate: Basic`.
    Unauthorized,
    /// 403.
    Forbidden,
    /// 404 (unknown charge point or path).
    NotFound,
}

/// Decides whether a charge point may connect.
pub type Authorizer = Arc<dyn Fn(&Handshake<'_>) -> Result<(), Refusal> + Send + Sync>;

/// Server settings.
#[derive(Clone)]
pub struct ServerOptions {
    /// TLS (from [`server_config`](crate::tls::server::server_config)); `None` for plain `ws://`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The subprotocols accepted, in order of preference (default `["ocpp1.6"]`).
    pub subprotocols: Vec<String>,
    /// Who may connect; `None` lets everyone in.
    pub authorizer: Option<Authorizer>,
    /// The longest TLS + upgrade may take (default 10 s).
    pub handshake_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            tls: None,
            subprotocols: vec![SUBPROTOCOL.to_owned()],
            authorizer: None,
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

impl std::fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerOptions")
            .field("tls", &self.tls.is_some())
            .field("subprotocols", &self.subprotocols)
            .field("authorizer", &self.authorizer.is_some())
            .field("handshake_timeout", &self.handshake_timeout)
            .finish()
    }
}

/// A listening server. Dropping it stops accepting; connections already handed out stay.
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    accepted: mpsc::Receiver<ServerConnection>,
    accept_loop: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl Server {
    /// Listens on `addr` (port 0 picks a free one: see [`Server::local_addr`]).
    pub async fn bind(addr: impl ToSocketAddrs, options: ServerOptions) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (tx, accepted) = mpsc::channel(16);
        let accept_loop = tokio::spawn(accept_loop(listener, Arc::new(options), tx));
        tracing::debug!(%local_addr, "websocket server listening");
        Ok(Server {
            local_addr,
            accepted,
            accept_loop,
        })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The next accepted charge point.
    pub async fn accept(&mut self) -> Option<ServerConnection> {
        self.accepted.recv().await
    }
}

async fn accept_loop(
    listener: TcpListener,
    options: Arc<ServerOptions>,
    tx: mpsc::Sender<ServerConnection>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let options = Arc::clone(&options);
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(options.handshake_timeout, handshake(tcp, peer, &options))
                .await
            {
                Ok(Ok(Some(connection))) => {
                    let _ = tx.send(connection).await;
                }
                Ok(Ok(None)) => {}
                Ok(Err(error)) => tracing::info!(%peer, %error, "handshake failed"),
                Err(_) => tracing::info!(%peer, "handshake timed out"),
            }
        });
    }
}

/// What the upgrade callback decided.
#[derive(Default)]
struct Verdict {
    charge_point_id: String,
    subprotocol: Option<String>,
}

async fn handshake(
    tcp: TcpStream,
    peer: SocketAddr,
    options: &ServerOptions,
) -> Result<Option<ServerConnection>, HandshakeError> {
    let _ = tcp.set_nodelay(true);
    let (stream, client_certificate) = match &options.tls {
        None => (Stream::Plain(tcp), None),
        Some(config) => {
            let tls = TlsAcceptor::from(Arc::clone(config))
                .accept(tcp)
                .await
                .map_err(HandshakeError::Tls)?;
            let leaf = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.clone().into_owned());
            (Stream::ServerTls(Box::new(tls)), leaf)
        }
    };
    let mut verdict = Verdict::default();
    // The error type is tungstenite's `Callback` contract, large or not.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        upgrade(
            request,
            response,
            peer,
            client_certificate.as_ref(),
            options,
            &mut verdict,
        )
        .map_err(refuse)
    };
    // tungstenite's reads as the client side makes them (`connect::READ_BUFFER` says why);
    // its message limits stay as they were.
    let config = WebSocketConfig::default().read_buffer_size(crate::connect::READ_BUFFER);
    let mut ws = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config))
        .await
        .map_err(HandshakeError::Upgrade)?;
    let Some(subprotocol) = verdict.subprotocol else {
        tracing::warn!(%peer, charge_point_id = verdict.charge_point_id, "client offers no accepted subprotocol; closing");
        let frame = CloseFrame {
            code: CloseCode::Protocol,
            reason: "subprotocol ocpp1.6 required".into(),
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(Some(frame))).await;
        return Ok(None);
    };
    // Debug: the server's user (the dev CSMS) says who connected in its own words.
    tracing::debug!(%peer, charge_point_id = verdict.charge_point_id, subprotocol, "charge point connected");
    Ok(Some(ServerConnection {
        ws,
        charge_point_id: verdict.charge_point_id,
        peer,
        client_certificate,
        subprotocol,
    }))
}

fn upgrade(
    request: &Request,
    mut response: Response,
    peer: SocketAddr,
    client_certificate: Option<&CertificateDer<'static>>,
    options: &ServerOptions,
    verdict: &mut Verdict,
) -> Result<Response, Refusal> {
    let path = request.uri().path();
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let Some(charge_point_id) = decode_segment(last).filter(|id| !id.is_empty()) else {
        tracing::info!(%peer, path, "no ChargePointId in the path");
        return Err(Refusal::NotFound);
    };
    let credentials = request
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(BasicCredentials::parse);
    if let Some(authorizer) = &options.authorizer {
        let handshake = Handshake {
            charge_point_id: &charge_point_id,
            path,
            credentials: credentials.as_ref(),
            client_certificate,
            peer,
        };
        if let Err(refusal) = authorizer(&handshake) {
            tracing::info!(%peer, charge_point_id, ?refusal, "charge point refused");
            return Err(refusal);
        }
    }
    let offered: Vec<&str> = request
        .headers()
        .get_all("Sec-WebSocket-Protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let chosen = options
        .subprotocols
        .iter()
        .find(|ours| offered.contains(&ours.as_str()));
    if let Some(chosen) = chosen {
        match HeaderValue::from_str(chosen) {
            Ok(value) => {
                response
                    .headers_mut()
                    .insert("Sec-WebSocket-Protocol", value);
                verdict.subprotocol = Some(chosen.clone());
            }
            Err(_) => tracing::warn!(
                subprotocol = chosen,
                "subprotocol is not a valid header value"
            ),
        }
    }
    verdict.charge_point_id = charge_point_id;
    Ok(response)
}

fn refuse(refusal: Refusal) -> ErrorResponse {
    let status = match refusal {
        Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
        Refusal::Forbidden => StatusCode::FORBIDDEN,
        Refusal::NotFound => StatusCode::NOT_FOUND,
    };
    let mut response = ErrorResponse::new(Some(
        status.canonical_reason().unwrap_or_default().to_owned(),
    ));
    *response.status_mut() = status;
    if refusal == Refusal::Unauthorized {
        response.headers_mut().insert(
            "WWW-Authenticate",
            HeaderValue::from_static("Basic realm=\"OCPP\""),
        );
    }
    response
}

/// A handshake that failed (logged by the server, not returned).
#[derive(Debug, thiserror::Error)]
enum HandshakeError {
    #[error("TLS: {0}")]
    Tls(io::Error),
    #[error("websocket upgrade: {0}")]
    Upgrade(tungstenite::Error),
}

/// An accepted charge point.
#[derive(Debug)]
pub struct ServerConnection {
    ws: WebSocketStream<Stream>,
    charge_point_id: String,
    peer: SocketAddr,
    client_certificate: Option<CertificateDer<'static>>,
    subprotocol: String,
}

impl ServerConnection {
    /// The ChargePointId from the path.
    pub fn charge_point_id(&self) -> &str {
        &self.charge_point_id
    }

    /// The client's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The client certificate presented (profile 3).
    pub fn client_certificate(&self) -> Option<&CertificateDer<'static>> {
        self.client_certificate.as_ref()
    }

    /// The subprotocol agreed.
    pub fn subprotocol(&self) -> &str {
        &self.subprotocol
    }

    /// The next text message; `Ok(None)` when the client closed. Pings are answered while
    /// this is awaited (and only then: a server that stops calling it stops answering pings).
    pub async fn recv(&mut self) -> Result<Option<String>, tungstenite::Error> {
        loop {
            match self.ws.next().await {
                None | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Ok(Message::Text(text))) => return Ok(Some(text.as_str().to_owned())),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
            }
        }
    }

    /// Sends a text message.
    pub async fn send(&mut self, text: impl Into<String>) -> Result<(), tungstenite::Error> {
        self.ws.send(Message::Text(text.into().into())).await
    }

    /// Sends any websocket message or raw frame, such as text that is not UTF-8
    /// (`Message::Frame`): for tests of what a charge point does with a broken CSMS.
    pub async fn send_message(&mut self, message: Message) -> Result<(), tungstenite::Error> {
        self.ws.send(message).await
    }

    /// Closes with a normal close frame.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(1), self.ws.close(None)).await;
    }
}
