//! The transfer client: one download or upload over ftp://, http:// or https://, and the retry
//! loop around it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{SetupError, TransferError};
use super::ftp;
use super::http::{tls_config, HttpClient};
use super::location::{Location, Scheme};

/// everest-core's System scripts give curl `--connect-timeout 20` (constants.env).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest one attempt may take, connection to last byte: bounds a stalled server.
pub const DEFAULT_TRANSFER_TIMEOUT: Duration = Duration::from_secs(600);

/// How transfers connect and whom they trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferSettings {
    /// A PEM file of CA certificates trusted for https:// on top of the system's roots
    /// (tests, private firmware servers).
    pub extra_ca_file: Option<PathBuf>,
    /// The longest wait for a TCP connection or TLS handshake.
    pub connect_timeout: Duration,
    /// The longest one attempt may take in all.
    pub transfer_timeout: Duration,
}

impl Default for TransferSettings {
    fn default() -> Self {
        TransferSettings {
            extra_ca_file: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            transfer_timeout: DEFAULT_TRANSFER_TIMEOUT,
        }
    }
}

/// How often a transfer is tried.
///
/// `retries` counts the tries after the first one, so a transfer makes `retries + 1`
/// attempts, `interval` apart. (everest-core's System module makes `retries` attempts in all;
/// OCPP 1.6 names the field "retries", and a CSMS that sends 0 still expects one try.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// Tries after the first.
    pub retries: u32,
    /// The wait between two attempts.
    pub interval: Duration,
}

impl Retries {
    /// The number of attempts: `retries + 1`.
    pub fn attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }
}

/// Downloads and uploads files; cheap to clone.
#[derive(Clone)]
pub struct TransferClient {
    http: HttpClient,
    connect_timeout: Duration,
    transfer_timeout: Duration,
}

impl std::fmt::Debug for TransferClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferClient")
            .field("connect_timeout", &self.connect_timeout)
            .field("transfer_timeout", &self.transfer_timeout)
            .finish_non_exhaustive()
    }
}

impl TransferClient {
    /// Builds a client: loads the system's root CAs and `settings.extra_ca_file`.
    pub fn new(settings: &TransferSettings) -> Result<Self, SetupError> {
        let tls = tls_config(settings.extra_ca_file.as_deref())?;
        Ok(TransferClient {
            http: HttpClient {
                tls,
                connect_timeout: settings.connect_timeout,
            },
            connect_timeout: settings.connect_timeout,
            transfer_timeout: settings.transfer_timeout,
        })
    }

    /// One attempt to download `location` into `dest`; returns the bytes received. The file
    /// is written beside `dest` first and renamed into place, so a failed attempt never
    /// leaves a partial `dest`.
    pub async fn download(&self, location: &str, dest: &Path) -> Result<u64, TransferError> {
        self.download_from(&Location::parse(location)?, dest).await
    }

    pub(super) async fn download_from(
        &self,
        location: &Location,
        dest: &Path,
    ) -> Result<u64, TransferError> {
        let mut part = dest.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let attempt = async {
            match location.scheme {
                Scheme::Ftp => ftp::download(location, &part, self.connect_timeout).await,
                Scheme::Http | Scheme::Https => self.http.download(location, &part).await,
                Scheme::File => copy(&location.local_path(), &part).await,
            }
        };
        let result = self.bounded(location, attempt).await;
        match result {
            Ok(bytes) => {
                tokio::fs::rename(&part, dest)
                    .await
                    .map_err(|source| TransferError::File {
                        path: dest.to_path_buf(),
                        source,
                    })?;
                Ok(bytes)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&part).await;
                Err(e)
            }
        }
    }

    /// One attempt to upload `file` to exactly `location` (FTP: STOR of its last segment in
    /// its folder; HTTP: PUT).
    pub async fn upload(&self, file: &Path, location: &str) -> Result<(), TransferError> {
        self.upload_to(file, &Location::parse(location)?).await
    }

    pub(super) async fn upload_to(
        &self,
        file: &Path,
        location: &Location,
    ) -> Result<(), TransferError> {
        let attempt = async {
            match location.scheme {
                Scheme::Ftp => ftp::upload(location, file, self.connect_timeout).await,
                Scheme::Http | Scheme::Https => self.http.upload(location, file).await,
                Scheme::File => copy(file, &location.local_path()).await.map(|_| ()),
            }
        };
        self.bounded(location, attempt).await
    }

    /// Downloads with retries; returns the bytes received, or the attempts made and the last
    /// error.
    pub async fn download_with_retries(
        &self,
        location: &str,
        dest: &Path,
        retries: Retries,
    ) -> Result<u64, (u32, TransferError)> {
        let location = Location::parse(location).map_err(|e| (1, e))?;
        retry(retries, &location, "download", || {
            self.download_from(&location, dest)
        })
        .await
    }

    /// Uploads with retries; returns the attempts made and the last error on failure.
    pub async fn upload_with_retries(
        &self,
        file: &Path,
        location: &str,
        retries: Retries,
    ) -> Result<(), (u32, TransferError)> {
        let location = Location::parse(location).map_err(|e| (1, e))?;
        retry(retries, &location, "upload", || {
            self.upload_to(file, &location)
        })
        .await
    }

    async fn bounded<T>(
        &self,
        location: &Location,
        attempt: impl std::future::Future<Output = Result<T, TransferError>>,
    ) -> Result<T, TransferError> {
        tokio::time::timeout(self.transfer_timeout, attempt)
            .await
            .unwrap_or_else(|_| {
                Err(TransferError::Timeout {
                    location: location.redacted(),
                    seconds: self.transfer_timeout.as_secs(),
                })
            })
    }
}

/// A `file://` transfer: a copy. The missing file or folder is the attempt's error, and
/// is retried like a network failure (a USB stick may be mounted late).
async fn copy(from: &Path, to: &Path) -> Result<u64, TransferError> {
    match tokio::fs::metadata(from).await {
        Ok(m) if m.is_file() => {}
        Ok(_) => {
            return Err(TransferError::File {
                path: from.to_path_buf(),
                source: std::io::Error::other("not a file"),
            })
        }
        Err(source) => {
            return Err(TransferError::File {
                path: from.to_path_buf(),
                source,
            })
        }
    }
    tokio::fs::copy(from, to)
        .await
        .map_err(|source| TransferError::File {
            path: to.to_path_buf(),
            source,
        })
}

/// Runs `attempt` up to `retries.attempts()` times, `retries.interval` apart, until it
/// succeeds; on failure returns the number of attempts and the last error.
pub(super) async fn retry<T, F, Fut>(
    retries: Retries,
    location: &Location,
    what: &str,
    mut attempt: F,
) -> Result<T, (u32, TransferError)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, TransferError>>,
{
    let attempts = retries.attempts();
    let mut n = 0;
    loop {
        n += 1;
        match attempt().await {
            Ok(v) => {
                tracing::info!(location = %location.redacted(), attempt = n, "{what} done");
                return Ok(v);
            }
            Err(error) => {
                // A malformed location fails the same way every time: no point retrying.
                let permanent = matches!(error, TransferError::BadLocation { .. });
                tracing::warn!(%error, attempt = n, of = attempts, "{what} failed");
                if n >= attempts || permanent {
                    return Err((n, error));
                }
            }
        }
        tokio::time::sleep(retries.interval).await;
    }
}
