//! One connection attempt: TCP, TLS for profiles 2 and 3, and the websocket upgrade offering
//! `ocpp1.6` with Basic credentials for profiles 1 and 2.

use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use rustls::pki_types::ServerName;
use rustls::RootCertStore;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::WebSocketStream;

use crate::classify::{self, Context};
use crate::error::ConnectError;
use crate::inbound::Filtered;
use crate::options::ConnectionOptions;
use crate::stream::Stream;
use crate::tls::client::{client_config, HandshakeProbe, ServerVerification};
use crate::uri::CsmsUrl;

/// The only subprotocol we speak.
pub const SUBPROTOCOL: &str = "ocpp1.6";

/// The websocket of an open connection, its incoming frames filtered (see [`inbound`](crate::inbound)).
pub type WsStream = WebSocketStream<Filtered<Stream>>;

/// What tungstenite reads from the stream at a time, at most. Its default, 128 KiB, is
/// zero-filled before every read (`FrameCodec::read_in` resizes its buffer to the chunk):
/// for OCPP frames of a few hundred bytes that was about 8 % of the CPU of a round trip, and
/// 128 KiB of memory per connection. A larger frame still arrives whole: tungstenite reserves
/// room for a frame's length once its header is read. 4 KiB holds the usual OCPP frame (a
/// MeterValues.req of a few samplers is 1-3 KiB) in one read, and is what every connection
/// keeps allocated (tungstenite's buffer is made at this size): 40 MB for a fleet of 10,000.
pub(crate) const READ_BUFFER: usize = 4 * 1024;

/// The websocket settings of a connection, either side: messages and frames up to `limit`
/// bytes, reads of [`READ_BUFFER`].
pub(crate) fn websocket_config(limit: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit))
        .read_buffer_size(READ_BUFFER)
}

/// What the handshake of an open connection used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Handshaken {
    /// The CSMS certificate was verified by the fallback CSMS root only.
    pub fallback_root: bool,
}

/// Connects once, within `options.handshake_timeout`.
pub(crate) async fn connect(
    options: &ConnectionOptions,
    url: &CsmsUrl,
) -> Result<(WsStream, Handshaken), ConnectError> {
    match tokio::time::timeout(options.handshake_timeout, connect_unbounded(options, url)).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::Timeout(options.handshake_timeout)),
    }
}

async fn connect_unbounded(
    options: &ConnectionOptions,
    url: &CsmsUrl,
) -> Result<(WsStream, Handshaken), ConnectError> {
    // Everything local is prepared before opening a socket, so that a missing certificate
    // does not show up at the CSMS as a half-open connection.
    let tls = match url.is_secure() {
        true => Some(prepare_tls(options)?),
        false => None,
    };
    let addr = format!("{}:{}", url.host(), url.port());
    let tcp = TcpStream::connect((url.host(), url.port()))
        .await
        .map_err(|source| ConnectError::Tcp {
            addr: addr.clone(),
            source,
        })?;
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
    let (stream, probe, had_client_certificate) = match tls {
        None => (Stream::Plain(tcp), None, false),
        Some(tls) => {
            let cx = Context {
                host: url.host(),
                probe: Some(&tls.probe),
                had_client_certificate: tls.has_client_certificate,
            };
            let server_name = ServerName::try_from(url.host().to_owned()).map_err(|e| {
                ConnectError::Handshake(format!(
                    "host {:?} is not a valid TLS server name: {e}",
                    url.host()
                ))
            })?;
            let connector = TlsConnector::from(Arc::new(tls.config));
            let stream = connector
                .connect(server_name, tcp)
                .await
                .map_err(|e| classify::io_error(e, &cx))?;
            if let Some((version, suite)) = negotiated(&stream) {
                tracing::debug!(version, suite, "TLS established");
            }
            (
                Stream::ClientTls(Box::new(stream)),
                Some(tls.probe),
                tls.has_client_certificate,
            )
        }
    };
    let cx = Context {
        host: url.host(),
        probe: probe.as_deref(),
        had_client_certificate,
    };
    let mut request = url
        .to_string()
        .into_client_request()
        .map_err(|e| ConnectError::Handshake(format!("cannot build the request for {url}: {e}")))?;
    let headers = request.headers_mut();
    headers.insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SUBPROTOCOL),
    );
    if options.security_profile.uses_basic_auth() {
        if let Some(key) = &options.authorization_key {
            let value = HeaderValue::from_str(&key.basic_auth_header(url.charge_point_id()))
                .map_err(|e| ConnectError::Handshake(format!("Authorization header: {e}")))?;
            headers.insert("Authorization", value);
        }
    }
    // The filter keeps every message within the limit; tungstenite's own limits, the same,
    // are the second line (they would end the connection rather than let it be answered).
    let limit = options.max_message_size;
    let config = websocket_config(limit);
    let stream = Filtered::new(stream, limit);
    let (ws, response) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .map_err(|e| classify::upgrade_error(e, &cx))?;
    // tungstenite refuses a missing or different subprotocol already; this guards the rule
    // against a change of behaviour there.
    let answered = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok());
    if answered != Some(SUBPROTOCOL) {
        return Err(ConnectError::SubprotocolRefused {
            answered: answered.map(|a| format!("it answered {a:?}")),
        });
    }
    let handshaken = Handshaken {
        fallback_root: cx.probe.is_some_and(|p| p.fallback_root_used()),
    };
    Ok((ws, handshaken))
}

/// What the TLS handshake of one attempt needs.
struct PreparedTls {
    config: rustls::ClientConfig,
    probe: Arc<HandshakeProbe>,
    has_client_certificate: bool,
}

fn prepare_tls(options: &ConnectionOptions) -> Result<PreparedTls, ConnectError> {
    let ciphers = options
        .cipher_suites()
        .map_err(|e| ConnectError::Handshake(e.to_string()))?;
    let store = options.cert_store.as_ref();
    let mut roots = RootCertStore::empty();
    if let Some(store) = store {
        let (added, ignored) = roots.add_parsable_certificates(store.csms_root_certificates()?);
        if ignored > 0 {
            tracing::warn!(path = %store.csms_root_ca_path().display(), ignored, "CSMS root CA certificates ignored");
        }
        tracing::debug!(added, "CSMS root CA certificates loaded");
    }
    if options.tls.use_system_roots {
        roots.roots.extend(system_roots().roots.iter().cloned());
    }
    let mut fallback_roots = RootCertStore::empty();
    if let Some(store) = store {
        let (added, _) =
            fallback_roots.add_parsable_certificates(store.csms_fallback_root_certificates()?);
        if added > 0 {
            tracing::debug!(added, "CSMS fallback root certificates loaded");
        }
    }
    if roots.is_empty() && fallback_roots.is_empty() {
        let path = store.map(|s| s.csms_root_ca_path()).unwrap_or_default();
        return Err(ConnectError::NoCsmsRootCertificate { path });
    }
    let client_certificate = match (store, options.security_profile.uses_client_certificate()) {
        (Some(store), true) => match store.client_certificate(SystemTime::now()) {
            Some(cert) => {
                tracing::debug!(path = %cert.path.display(), "client certificate chosen");
                Some(cert.certified_key)
            }
            None => {
                return Err(ConnectError::ClientCertificateMissing {
                    dir: store.client_dir(),
                })
            }
        },
        (None, true) => {
            return Err(ConnectError::ClientCertificateMissing {
                dir: Default::default(),
            })
        }
        (_, false) => None,
    };
    let probe = Arc::new(HandshakeProbe::default());
    let verification = ServerVerification {
        verify_host_name: options.tls.verify_host_name,
        allow_wildcards: options.tls.allow_wildcards,
    };
    let has_client_certificate = client_certificate.is_some();
    let config = client_config(
        &ciphers,
        roots,
        fallback_roots,
        verification,
        client_certificate,
        Arc::clone(&probe),
    )
    .map_err(ConnectError::Tls)?;
    Ok(PreparedTls {
        config,
        probe,
        has_client_certificate,
    })
}

/// The system's root CAs, read once: they change with OS updates, not while we run.
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::warn!(%error, "system root certificates");
        }
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(found.certs);
        tracing::debug!(added, ignored, "system root certificates loaded");
        roots
    })
}

fn negotiated(stream: &tokio_rustls::client::TlsStream<TcpStream>) -> Option<(String, String)> {
    let (_, connection) = stream.get_ref();
    let version = connection.protocol_version()?;
    let suite = connection.negotiated_cipher_suite()?;
    Some((format!("{version:?}"), format!("{:?}", suite.suite())))
}
