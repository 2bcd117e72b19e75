//! HTTP(S) transfers on hyper's connection API: one connection per request, GET to a file
//! (following redirects) and PUT from a file.
//!
//! Uploads are PUT because everest-core's System module uploads diagnostics with `curl -T`,
//! which is PUT for http(s): a CSMS that takes EVerest's uploads takes ours.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST, LOCATION, USER_AGENT};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::error::{SetupError, TransferError};
use super::location::{Location, Scheme};

/// Redirects followed before a download gives up (curl's `-L` default is 50; 5 is plenty for a
/// firmware server and bounds a redirect loop).
const MAX_REDIRECTS: usize = 5;

const USER_AGENT_VALUE: &str = concat!("ferrocharge/", env!("CARGO_PKG_VERSION"));

/// A byte stream, plain or TLS, boxed so both take one code path.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The TLS client configuration for https:// transfers: the system's root CAs, plus the
/// certificates of `extra_ca_file` (PEM) when given.
pub(super) fn tls_config(extra_ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, SetupError> {
    let Some(path) = extra_ca_file else {
        // Without an extra CA file every System module of the process trusts the same roots:
        // one configuration, built on the first start. Loading the system's bundle parses a
        // few hundred kB of PEM into about 150 trust anchors (some 15 kB kept, the rest
        // temporary); a fleet did it for every station and every Reset of one.
        static SYSTEM_ONLY: OnceLock<Arc<ClientConfig>> = OnceLock::new();
        if let Some(config) = SYSTEM_ONLY.get() {
            return Ok(config.clone());
        }
        let config = client_config(system_roots())?;
        return Ok(SYSTEM_ONLY.get_or_init(|| config).clone());
    };
    let mut roots = system_roots();
    let bad = |problem: String| SetupError::CaFile {
        path: path.to_path_buf(),
        problem,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    for cert in certs {
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    client_config(roots)
}

/// The system's root CAs.
fn system_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!(%error, "system root certificates");
    }
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    tracing::debug!(added, ignored, "system root certificates loaded");
    roots
}

/// The client configuration trusting `roots`.
fn client_config(roots: RootCertStore) -> Result<Arc<ClientConfig>, SetupError> {
    // ring, like the rest of the workspace: no second crypto provider in the build.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The HTTP side of a transfer client.
#[derive(Clone)]
pub(super) struct HttpClient {
    pub(super) tls: Arc<ClientConfig>,
    pub(super) connect_timeout: Duration,
}

impl HttpClient {
    /// GETs `location` into `dest` (created or truncated); returns the bytes written.
    pub(super) async fn download(
        &self,
        location: &Location,
        dest: &Path,
    ) -> Result<u64, TransferError> {
        let mut current = location.clone();
        let mut redirects = 0;
        let response = loop {
            let response = self
                .request(&current, Method::GET, Bytes::new(), None)
                .await?;
            let status = response.status();
            if status.is_redirection() && redirects < MAX_REDIRECTS {
                if let Some(next) = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                {
                    let next = redirect_target(&current, next)?;
                    tracing::debug!(from = %current.redacted(), to = %next.redacted(), "redirect");
                    current = next;
                    redirects += 1;
                    continue;
                }
            }
            if !status.is_success() {
                return Err(TransferError::HttpStatus {
                    location: current.redacted(),
                    status: status.as_u16(),
                });
            }
            break response;
        };
        let file_error = |source| TransferError::File {
            path: dest.to_path_buf(),
            source,
        };
        // A new file, mode 0600 (the caller removed what was there).
        let mut file = tokio::fs::OpenOptions::from(crate::private_files::new_file())
            .open(dest)
            .await
            .map_err(file_error)?;
        let mut body = response.into_body();
        let mut written = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| TransferError::Http {
                location: current.redacted(),
                message: e.to_string(),
            })?;
            if let Ok(data) = frame.into_data() {
                file.write_all(&data).await.map_err(file_error)?;
                written += data.len() as u64;
            }
        }
        file.flush().await.map_err(file_error)?;
        file.sync_all().await.map_err(file_error)?;
        Ok(written)
    }

    /// PUTs the contents of `file` to `location`.
    pub(super) async fn upload(
        &self,
        location: &Location,
        file: &Path,
    ) -> Result<(), TransferError> {
        // Diagnostics archives are small: one buffer keeps the request a fixed-length body,
        // which every server takes (some refuse chunked uploads).
        let data = tokio::fs::read(file)
            .await
            .map_err(|source| TransferError::File {
                path: file.to_path_buf(),
                source,
            })?;
        let response = self
            .request(
                location,
                Method::PUT,
                Bytes::from(data),
                Some("application/octet-stream"),
            )
            .await?;
        let status = response.status();
        if !status.is_success() {
            return Err(TransferError::HttpStatus {
                location: location.redacted(),
                status: status.as_u16(),
            });
        }
        // Read the answer to its end so the server sees a clean close; its content is unused.
        let _ = response.into_body().collect().await;
        Ok(())
    }

    async fn request(
        &self,
        location: &Location,
        method: Method,
        body: Bytes,
        content_type: Option<&'static str>,
    ) -> Result<Response<hyper::body::Incoming>, TransferError> {
        let io = self.connect(location).await?;
        let http_error = |e: hyper::Error| TransferError::Http {
            location: location.redacted(),
            message: e.to_string(),
        };
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(http_error)?;
        // The connection task ends when the response is read or the sender is dropped.
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "http connection");
            }
        });
        let mut request = Request::builder()
            .method(method)
            .uri(location.path_and_query())
            .header(HOST, location.host_header())
            .header(USER_AGENT, USER_AGENT_VALUE);
        if let Some(user) = &location.user {
            // curl sends URL credentials as Basic auth; so do we.
            let pair = format!(
                "{user}:{}",
                location.password.as_deref().unwrap_or_default()
            );
            let value = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                request = request.header(AUTHORIZATION, v);
            }
        }
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| TransferError::BadLocation {
                location: location.redacted(),
                problem: e.to_string(),
            })?;
        sender.send_request(request).await.map_err(http_error)
    }

    async fn connect(&self, location: &Location) -> Result<Box<dyn Io>, TransferError> {
        let tcp = connect_tcp(location, self.connect_timeout).await?;
        if location.scheme != Scheme::Https {
            return Ok(Box::new(tcp));
        }
        let tls_error = |message: String| TransferError::Tls {
            location: location.redacted(),
            message,
        };
        let name =
            ServerName::try_from(location.host.clone()).map_err(|e| tls_error(e.to_string()))?;
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(&self.tls));
        let stream = tokio::time::timeout(self.connect_timeout, connector.connect(name, tcp))
            .await
            .map_err(|_| TransferError::Timeout {
                location: location.redacted(),
                seconds: self.connect_timeout.as_secs(),
            })?
            .map_err(|e| tls_error(e.to_string()))?;
        Ok(Box::new(stream))
    }
}

/// Opens a TCP connection to the location's host and port within `timeout`.
pub(super) async fn connect_tcp(
    location: &Location,
    timeout: Duration,
) -> Result<TcpStream, TransferError> {
    let connect = TcpStream::connect((location.host.as_str(), location.port));
    match tokio::time::timeout(timeout, connect).await {
        Err(_) => Err(TransferError::Timeout {
            location: location.redacted(),
            seconds: timeout.as_secs(),
        }),
        Ok(Err(source)) => Err(TransferError::Network {
            location: location.redacted(),
            source,
        }),
        Ok(Ok(stream)) => {
            // Small control messages should not wait for Nagle.
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
    }
}

/// Where a `Location:` header points, relative to `from`. Credentials stay only on the same
/// host, so a redirect cannot hand them to another server.
fn redirect_target(from: &Location, target: &str) -> Result<Location, TransferError> {
    if target.contains("://") {
        let mut next = Location::parse(target)?;
        // Never from HTTP to ftp:// or file://: a server must not make us read local files.
        if !matches!(next.scheme, Scheme::Http | Scheme::Https) {
            return Err(TransferError::BadLocation {
                location: next.redacted(),
                problem: "an HTTP redirect leaves http(s)://".into(),
            });
        }
        if next.host == from.host && next.user.is_none() {
            next.user = from.user.clone();
            next.password = from.password.clone();
        }
        return Ok(next);
    }
    let mut next = from.clone();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (target, None),
    };
    next.path = if path.starts_with('/') {
        path.to_owned()
    } else {
        let dir = from.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        format!("{dir}/{path}")
    };
    next.query = query;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_redirects() {
        let from = Location::parse("http://u:p@h:8080/a/b/fw.bin?x").unwrap();
        let abs = redirect_target(&from, "/c/fw2.bin").unwrap();
        assert_eq!(
            (abs.path_and_query(), abs.port),
            ("/c/fw2.bin".into(), 8080)
        );
        let rel = redirect_target(&from, "fw3.bin?y=1").unwrap();
        assert_eq!(rel.path_and_query(), "/a/b/fw3.bin?y=1");
        let other = redirect_target(&from, "https://cdn/fw.bin").unwrap();
        assert_eq!((other.user, other.port), (None, 443));
        assert!(redirect_target(&from, "ftp://h/fw.bin").is_err());
        assert!(redirect_target(&from, "file:///etc/passwd").is_err());
    }

    #[test]
    fn every_client_without_an_extra_ca_shares_one_configuration() {
        let first = tls_config(None).unwrap();
        let second = tls_config(None).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(first.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn a_client_with_an_extra_ca_has_its_own_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let ca = rcgen::generate_simple_self_signed(vec!["firmware.test".to_string()]).unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, ca.cert.pem()).unwrap();
        let shared = tls_config(None).unwrap();
        let own = tls_config(Some(&path)).unwrap();
        assert!(!Arc::ptr_eq(&shared, &own));
        std::fs::write(&path, "").unwrap();
        assert!(matches!(
            tls_config(Some(&path)),
            Err(SetupError::CaFile { problem, .. }) if problem == "no PEM certificate in it"
        ));
    }
}
