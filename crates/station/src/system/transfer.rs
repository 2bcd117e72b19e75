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
        // The attempt creates the part file anew (mode 0600, never through a link): what an
        // earlier attempt left, or a link planted in its place, goes first.
        let _ = tokio::fs::remove_file(&part).await;
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
        retry(
            retries,
            &location,
            "download",
            || self.download_from(&location, dest),
            |_| {},
        )
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
        retry(
            retries,
            &location,
            "upload",
            || self.upload_to(file, &location),
            |_| {},
        )
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

/// A `file://` transfer: a copy into a new file of mode 0600 (never through a link at `to`).
/// The missing file or folder is the attempt's error, and is retried like a network failure
/// (a USB stick may be mounted late).
async fn copy(from: &Path, to: &Path) -> Result<u64, TransferError> {
    let (from, to) = (from.to_path_buf(), to.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let read_error = |source| TransferError::File {
            path: from.clone(),
            source,
        };
        let mut source = std::fs::File::open(&from).map_err(read_error)?;
        if !source.metadata().map_err(read_error)?.is_file() {
            return Err(read_error(std::io::Error::other("not a file")));
        }
        let write_error = |source| TransferError::File {
            path: to.clone(),
            source,
        };
        let mut dest = crate::private_files::new_file()
            .open(&to)
            .map_err(write_error)?;
        let copied = std::io::copy(&mut source, &mut dest).map_err(write_error)?;
        dest.sync_all().map_err(write_error)?;
        Ok(copied)
    })
    .await
    .map_err(|e| TransferError::File {
        path: PathBuf::new(),
        source: std::io::Error::other(e.to_string()),
    })?
}

/// How often a retried transfer's failures are logged: the first, then at most one line a
/// [`THROTTLE_EVERY`] saying how many were left out, then the last. A CSMS asking for
/// thousands of retries at no interval against a closed port would otherwise write a line
/// an attempt, hundreds a second, for as long as the retries last.
pub const THROTTLE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether to log a repeated line now.
#[derive(Debug, Default)]
pub struct LogThrottle {
    last: Option<tokio::time::Instant>,
    left_out: u64,
}

impl LogThrottle {
    /// At `now`: `Some(lines left out since the last one logged)` when this line is to be
    /// logged, `None` when it is to be left out (and counted).
    pub fn allow(&mut self, now: tokio::time::Instant) -> Option<u64> {
        match self.last {
            Some(last) if now.saturating_duration_since(last) < THROTTLE_EVERY => {
                self.left_out += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.left_out))
            }
        }
    }

    /// The lines left out since the last one logged (for the closing line, always logged).
    pub fn finish(&mut self) -> u64 {
        std::mem::take(&mut self.left_out)
    }
}

/// A step between two attempts of a retried transfer, for its caller to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryStep {
    /// An attempt failed and another follows after the retry interval.
    AttemptFailed,
    /// The retry interval passed: the next attempt starts now.
    NextAttempt,
}

/// Runs `attempt` up to `retries.attempts()` times, `retries.interval` apart, until it
/// succeeds; on failure returns the number of attempts and the last error. `on_step` hears
/// of every failed attempt that is retried and of the retry starting (everest-core's System
/// module reports each attempt's status; the last attempt's end is the caller's to report).
pub(super) async fn retry<T, F, Fut>(
    retries: Retries,
    location: &Location,
    what: &str,
    mut attempt: F,
    mut on_step: impl FnMut(RetryStep),
) -> Result<T, (u32, TransferError)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, TransferError>>,
{
    let attempts = retries.attempts();
    let mut throttle = LogThrottle::default();
    let mut n = 0;
    loop {
        n += 1;
        match attempt().await {
            Ok(v) => {
                let left_out = throttle.finish();
                tracing::info!(location = %location.redacted(), attempt = n, left_out, "{what} done");
                return Ok(v);
            }
            Err(error) => {
                // A location we may not use fails the same way every time: no point retrying.
                let permanent = super::confine::is_permanent(&error);
                if n >= attempts || permanent {
                    let left_out = throttle.finish();
                    tracing::warn!(%error, attempt = n, of = attempts, left_out, "{what} failed on its last attempt");
                    return Err((n, error));
                }
                if let Some(left_out) = throttle.allow(tokio::time::Instant::now()) {
                    tracing::warn!(%error, attempt = n, of = attempts, left_out, "{what} failed");
                }
                on_step(RetryStep::AttemptFailed);
            }
        }
        tokio::time::sleep(retries.interval).await;
        on_step(RetryStep::NextAttempt);
    }
}
