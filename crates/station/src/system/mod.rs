//! The System module (everest-core's `modules/Misc/System`): firmware updates and diagnostics
//! uploads for a simulated station, with real file transfers.
//!
//! - [`TransferClient`]: download from / upload to `ftp://` (passive, binary, `user:password@`
//!   in the URL), `http://` and `https://` (certificates checked against the system's roots plus
//!   an optional CA file) and `file://` (a copy); uploads over HTTP are PUT, as everest-core's
//!   `curl -T` does.
//! - What a request may touch (`confine`): only the schemes of [`SystemConfig::protocols`]
//!   (SupportedFileTransferProtocols; `file://` only when it lists FILE, which no shipped
//!   config does), and on disk only the data dir: a firmware gets a plain name of our own in
//!   `firmware/`, an archive is built in `diagnostics/` (both folders 0700, files 0600), and a
//!   `file://` path must lead into the data dir. A location refused so fails at once,
//!   DownloadFailed or UploadFailed with no attempt. Retried attempts log their failure once a
//!   minute ([`LogThrottle`]), not once an attempt.
//! - [`System::download_firmware`] (with retries) and [`System::install_firmware`] (the
//!   simulated installation, [`firmware::install`]), the two steps the OCPP core orders one
//!   at a time; [`System::update_firmware`] runs both: the version comes from a `<file>.version` file served beside the
//!   firmware, else from its name (`ferrocharge-1.2.3.bin` → `1.2.3`), and is recorded under the
//!   data dir for the next boot ([`installed_firmware_version`]).
//! - [`System::verify_firmware_signature`]: a SignedUpdateFirmware's file checked with its
//!   signature and signing certificate (`evse_security::verify_file_signature`) between the
//!   download and the installation; a file that does not verify is deleted.
//! - [`System::start_diagnostics`]: names the archive at once (GetDiagnostics.conf needs the
//!   name), then builds a tar.gz of the log files and uploads it with retries.
//! - [`System::upload_log`]: GetLog's DiagnosticsLog (the same archive) and SecurityLog (the
//!   security log's events), reporting the whitepaper's [`LogUploadStatus`] (`logs`).
//!
//! Nothing here knows OCPP's message types: the runtime maps requests to [`FirmwareRequest`] /
//! [`DiagnosticsRequest`] and the reported [`FirmwareStatus`] / [`UploadStatus`] (named as OCPP
//! 1.6's FirmwareStatus / DiagnosticsStatus) to status notifications. Statuses go to a
//! callback, typically `move |s| { let _ = tx.send(s); }` on a tokio channel; each is reported
//! once, except Downloading / Uploading, which each retried attempt reports again after its
//! failure (as everest-core's System module).

mod confine;
mod diagnostics;
mod error;
pub mod firmware;
pub mod firmware_boot;
mod ftp;
mod http;
mod location;
mod logs;
mod transfer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use diagnostics::{
    build_archive, build_archive_keeping, diagnostics_file_name, ArchiveSummary, UploadStatus,
};
pub use error::{DiagnosticsError, FirmwareError, InstallError, SetupError, TransferError};
pub use firmware::{installed_firmware_version, version_from_file_name, FirmwareStatus};
pub use firmware_boot::{clear_firmware_boot, pending_firmware_boot, record_firmware_boot};
pub use location::{redact, Location, Scheme};
pub use logs::{
    build_security_archive, security_log_file_name, LogKind, LogRequest, LogUploadStatus,
};
use transfer::RetryStep;
pub use transfer::{
    LogThrottle, Retries, TransferClient, TransferSettings, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TRANSFER_TIMEOUT, THROTTLE_EVERY,
};

/// The System module's setup.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemConfig {
    /// The station's data dir (`settings.data_dir`): firmware is downloaded to `firmware/`,
    /// archives are built in `diagnostics/`, the installed version is recorded here.
    pub data_dir: PathBuf,
    /// The charge point id, named in diagnostics archives.
    pub charge_point_id: String,
    /// The log files and folders a diagnostics archive holds (e.g. the OCPP MessageLogPath).
    pub log_paths: Vec<PathBuf>,
    /// The folder of the security log (`*.security.log`, the message log's `security`
    /// format), what a GetLog of type SecurityLog uploads; `None`: no security log is kept.
    pub security_log_dir: Option<PathBuf>,
    /// The message log folder and the list of this station's files in it: the archives hold
    /// only those files of that folder, which other stations may write to too
    /// ([`crate::message_log::own_files`]). `None`: every file of the log paths.
    pub own_log_files: Option<OwnLogFiles>,
    /// Retries when a request names none (the module's `DefaultRetries`).
    pub default_retries: u32,
    /// The interval when a request names none (the module's `DefaultRetryInterval`).
    pub default_retry_interval: Duration,
    /// Timeouts and trust for transfers.
    pub transfer: TransferSettings,
    /// The schemes transfers may use: the OCPP config's SupportedFileTransferProtocols
    /// ([`Scheme::from_protocol`]). A location of any other fails at once (DownloadFailed,
    /// UploadFailed), as everest-core's System fails when curl does not support a protocol.
    pub protocols: Vec<Scheme>,
}

/// A folder shared with other stations, and the list of this station's files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnLogFiles {
    /// The folder (the OCPP MessageLogPath).
    pub dir: PathBuf,
    /// The stems of this station's files in it.
    pub list: crate::message_log::OwnFiles,
}

impl OwnLogFiles {
    /// The stems now (read when an archive is built: a rotation or a new start adds some).
    fn stems(own: Option<&OwnLogFiles>) -> crate::message_log::OwnStems {
        own.map_or_else(crate::message_log::OwnStems::all, |own| own.list.stems())
    }
}

impl SystemConfig {
    /// A config with the manifest's defaults (DefaultRetries 1, DefaultRetryInterval 1 s), no
    /// log paths, and FTP, HTTP and HTTPS (the shipped SupportedFileTransferProtocols).
    pub fn new(data_dir: impl Into<PathBuf>, charge_point_id: impl Into<String>) -> Self {
        SystemConfig {
            data_dir: data_dir.into(),
            charge_point_id: charge_point_id.into(),
            log_paths: Vec::new(),
            security_log_dir: None,
            own_log_files: None,
            default_retries: 1,
            default_retry_interval: Duration::from_secs(1),
            transfer: TransferSettings::default(),
            protocols: vec![Scheme::Ftp, Scheme::Http, Scheme::Https],
        }
    }
}

/// An UpdateFirmware request, in plain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareRequest {
    /// Where the firmware is (ftp://, http://, https://).
    pub location: String,
    /// Not before this time (OCPP's retrieveDate); `None` or a past time: at once.
    pub retrieve_date: Option<DateTime<Utc>>,
    /// Tries after the first; `None`: the config's default.
    pub retries: Option<u32>,
    /// Between attempts; `None`: the config's default.
    pub retry_interval: Option<Duration>,
}

/// How a signed firmware file must verify (SignedUpdateFirmware's signature and
/// signingCertificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareSignature {
    /// The signature, Base64.
    pub signature: String,
    /// The PEM certificate of the key that signed the file.
    pub signing_certificate: String,
}

/// A GetDiagnostics request, in plain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticsRequest {
    /// The folder to upload into (OCPP: a directory URI). For ftp:// and file:// the
    /// archive's name is always appended; for http(s):// it is appended when the URL ends with `/`, else the
    /// archive is PUT to the URL as given (curl `-T`'s rule, which everest-core relies on).
    pub location: String,
    /// Tries after the first; `None`: the config's default.
    pub retries: Option<u32>,
    /// Between attempts; `None`: the config's default.
    pub retry_interval: Option<Duration>,
    /// Only logs written at or after this time.
    pub start_time: Option<DateTime<Utc>>,
    /// Only logs begun at or before this time.
    pub stop_time: Option<DateTime<Utc>>,
}

/// The System module: cheap to clone, so each request can run on its own task.
#[derive(Debug, Clone)]
pub struct System {
    config: Arc<SystemConfig>,
    client: TransferClient,
}

impl System {
    /// Sets up the module (loads the TLS roots).
    pub fn new(config: SystemConfig) -> Result<Self, SetupError> {
        let client = TransferClient::new(&config.transfer)?;
        Ok(System {
            config: Arc::new(config),
            client,
        })
    }

    /// Its config.
    pub fn config(&self) -> &SystemConfig {
        &self.config
    }

    /// Its transfer client.
    pub fn client(&self) -> &TransferClient {
        &self.client
    }

    /// The version recorded by the last installation ([`installed_firmware_version`]).
    pub fn installed_firmware_version(&self) -> Option<String> {
        installed_firmware_version(&self.config.data_dir)
    }

    fn retries(&self, retries: Option<u32>, interval: Option<Duration>) -> Retries {
        Retries {
            retries: retries.unwrap_or(self.config.default_retries),
            interval: interval.unwrap_or(self.config.default_retry_interval),
        }
    }

    /// Runs a firmware update to its end: waits for the retrieve date, then
    /// [`System::download_firmware`] and [`System::install_firmware`]; reports each
    /// [`FirmwareStatus`] once. Returns the installed version (the caller then reboots the
    /// station, as OCPP expects after Installed). The station runtime calls the two steps
    /// itself, because the OCPP core decides when each may start.
    pub async fn update_firmware(
        &self,
        request: FirmwareRequest,
        mut on_status: impl FnMut(FirmwareStatus) + Send,
    ) -> Result<String, FirmwareError> {
        if let Some(at) = request.retrieve_date {
            if let Ok(wait) = (at - Utc::now()).to_std() {
                tracing::info!(%at, "firmware download scheduled");
                tokio::time::sleep(wait).await;
            }
        }
        let path = self.download_firmware(&request, &mut on_status).await?;
        self.install_firmware(&path, on_status).await
    }

    /// Downloads the firmware of `request` now, with retries, into the data dir's `firmware/`
    /// folder (its `retrieve_date` is not looked at: the caller waited for it). Reports
    /// Downloading; for each failed attempt that is retried DownloadAttemptFailed, then
    /// Downloading when the next starts; then Downloaded or, after the last attempt,
    /// DownloadFailed. Returns the downloaded file, for [`System::install_firmware`].
    pub async fn download_firmware(
        &self,
        request: &FirmwareRequest,
        mut on_status: impl FnMut(FirmwareStatus) + Send,
    ) -> Result<PathBuf, FirmwareError> {
        let retries = self.retries(request.retries, request.retry_interval);
        on_status(FirmwareStatus::Downloading);
        let checked = match self.allowed(&request.location) {
            Ok(location) => self
                .firmware_destination(&location)
                .await
                .map(|dest| (location, dest)),
            Err(e) => Err(e),
        };
        let (location, dest) = match checked {
            Ok(checked) => checked,
            Err(e) => {
                on_status(FirmwareStatus::DownloadFailed);
                return Err(FirmwareError::Download {
                    attempts: 0,
                    last: e,
                });
            }
        };
        let downloaded = transfer::retry(
            retries,
            &location,
            "firmware download",
            || self.client.download_from(&location, &dest),
            |step| {
                on_status(match step {
                    RetryStep::AttemptFailed => FirmwareStatus::DownloadAttemptFailed,
                    RetryStep::NextAttempt => FirmwareStatus::Downloading,
                })
            },
        )
        .await;
        if let Err((attempts, last)) = downloaded {
            on_status(FirmwareStatus::DownloadFailed);
            return Err(FirmwareError::Download { attempts, last });
        }
        self.fetch_sidecar(&request.location, &dest).await;
        on_status(FirmwareStatus::Downloaded);
        Ok(dest)
    }

    /// Installs the firmware downloaded to `path` ([`firmware::install`]): reports
    /// Installing, then Installed or InstallationFailed. Returns the installed version, which
    /// [`installed_firmware_version`] reads from then on.
    pub async fn install_firmware(
        &self,
        path: &Path,
        mut on_status: impl FnMut(FirmwareStatus) + Send,
    ) -> Result<String, FirmwareError> {
        on_status(FirmwareStatus::Installing);
        let (file, data_dir) = (path.to_path_buf(), self.config.data_dir.clone());
        // The installation reads and writes files: off the async threads.
        let installed = tokio::task::spawn_blocking(move || firmware::install(&file, &data_dir))
            .await
            .unwrap_or_else(|e| {
                Err(InstallError::Io {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(e.to_string()),
                })
            });
        match installed {
            Ok(version) => {
                tracing::info!(%version, "firmware installed");
                on_status(FirmwareStatus::Installed);
                Ok(version)
            }
            Err(e) => {
                tracing::warn!(error = %e, "firmware installation failed");
                on_status(FirmwareStatus::InstallationFailed);
                Err(e.into())
            }
        }
    }

    /// Checks the downloaded firmware `path` with `signature`: reports SignatureVerified, or
    /// InvalidSignature (and deletes the file). Whether it verified.
    pub async fn verify_firmware_signature(
        &self,
        path: &Path,
        signature: &FirmwareSignature,
        mut on_status: impl FnMut(FirmwareStatus) + Send,
    ) -> bool {
        let (file, signature) = (path.to_path_buf(), signature.clone());
        // Reads the whole file and hashes it: off the async threads.
        let verified = tokio::task::spawn_blocking(move || {
            evse_security::verify_file_signature(
                &file,
                &signature.signature,
                &signature.signing_certificate,
            )
            .map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        match verified {
            Ok(()) => {
                tracing::info!(file = %path.display(), "firmware signature verified");
                on_status(FirmwareStatus::SignatureVerified);
                true
            }
            Err(error) => {
                tracing::warn!(file = %path.display(), %error, "firmware signature does not verify");
                if let Err(e) = tokio::fs::remove_file(path).await {
                    tracing::warn!(file = %path.display(), error = %e, "refused firmware not deleted");
                }
                on_status(FirmwareStatus::InvalidSignature);
                false
            }
        }
    }

    /// [`System::update_firmware`] on a new task.
    pub fn start_firmware_update(
        &self,
        request: FirmwareRequest,
        on_status: impl FnMut(FirmwareStatus) + Send + 'static,
    ) -> tokio::task::JoinHandle<Result<String, FirmwareError>> {
        let system = self.clone();
        tokio::spawn(async move { system.update_firmware(request, on_status).await })
    }

    /// The location of a request, when the station may use it: a scheme of
    /// [`SystemConfig::protocols`], and for `file://` a path inside the data dir.
    fn allowed(&self, location: &str) -> Result<Location, TransferError> {
        let location = Location::parse(location)?;
        confine::check_protocol(&location, &self.config.protocols)?;
        if location.scheme == Scheme::File {
            confine::inside_data_dir(&self.config.data_dir, &location.local_path())?;
        }
        Ok(location)
    }

    /// `<data_dir>/firmware/<a plain name made from the location's>` (folder created, mode
    /// 0700; see [`confine::firmware_file_name`]).
    async fn firmware_destination(&self, location: &Location) -> Result<PathBuf, TransferError> {
        let (data_dir, name) = (
            self.config.data_dir.clone(),
            confine::firmware_file_name(location),
        );
        tokio::task::spawn_blocking(move || confine::private_folder(&data_dir, "firmware"))
            .await
            .map_err(|e| TransferError::File {
                path: self.config.data_dir.join("firmware"),
                source: std::io::Error::other(e.to_string()),
            })?
            .map(|dir| dir.join(name))
    }

    /// One try at `<location>.version` into `<dest>.version` (the version a test or an operator
    /// sets for a file whose name has none); a stale sidecar from an earlier download goes.
    async fn fetch_sidecar(&self, location: &str, dest: &Path) {
        let sidecar = firmware::sidecar_path(dest);
        let _ = tokio::fs::remove_file(&sidecar).await;
        let Ok(mut loc) = Location::parse(location) else {
            return;
        };
        loc.path.push_str(".version");
        match self.client.download_from(&loc, &sidecar).await {
            Ok(_) => tracing::debug!(location = %loc.redacted(), "firmware version file"),
            Err(error) => tracing::debug!(%error, "no firmware version file"),
        }
    }

    /// The archive name a diagnostics request made now gets.
    pub fn diagnostics_file_name(&self, now: DateTime<Utc>) -> String {
        diagnostics_file_name(&self.config.charge_point_id, now)
    }

    /// Builds the archive `file_name` and uploads it with retries, reporting
    /// [`UploadStatus`]es (Uploading first; AttemptFailed and Uploading again for each failed
    /// attempt that is retried; then Uploaded or UploadFailed). The archive is removed
    /// afterwards either way: the logs it holds are still on disk.
    pub async fn upload_diagnostics(
        &self,
        request: DiagnosticsRequest,
        file_name: &str,
        mut on_status: impl FnMut(UploadStatus) + Send,
    ) -> Result<(), DiagnosticsError> {
        on_status(UploadStatus::Uploading);
        let mut on_step = |step| {
            on_status(match step {
                RetryStep::AttemptFailed => UploadStatus::AttemptFailed,
                RetryStep::NextAttempt => UploadStatus::Uploading,
            })
        };
        let result = self.diagnostics(&request, file_name, &mut on_step).await;
        on_status(match result {
            Ok(()) => UploadStatus::Uploaded,
            Err(_) => UploadStatus::UploadFailed,
        });
        result
    }

    async fn diagnostics(
        &self,
        request: &DiagnosticsRequest,
        file_name: &str,
        on_step: &mut (dyn FnMut(RetryStep) + Send),
    ) -> Result<(), DiagnosticsError> {
        let (sources, start, stop) = (
            self.config.log_paths.clone(),
            request.start_time,
            request.stop_time,
        );
        let upload = Upload {
            location: &request.location,
            retries: self.retries(request.retries, request.retry_interval),
            file_name,
            what: "diagnostics upload",
            on_step,
        };
        let own = self.config.own_log_files.clone();
        self.build_and_upload(upload, move |out| {
            build_archive_keeping(out, &sources, own.as_ref(), start, stop)
        })
        .await
    }

    /// Builds the archive `upload.file_name` in the data dir's `diagnostics/` folder with
    /// `build` (given the path to write) and uploads it with retries; the archive is removed
    /// afterwards either way. A location refused fails at once, with no attempt.
    async fn build_and_upload(
        &self,
        upload: Upload<'_>,
        build: impl FnOnce(&Path) -> std::io::Result<ArchiveSummary> + Send + 'static,
    ) -> Result<(), DiagnosticsError> {
        let refused = |last| DiagnosticsError::Upload { attempts: 0, last };
        // For file://, `allowed` checks the folder; the archive's own name goes below it.
        self.allowed(upload.location).map_err(refused)?;
        let target = upload_target(upload.location, upload.file_name).map_err(refused)?;
        let data_dir = self.config.data_dir.clone();
        let dir = data_dir.join("diagnostics");
        let archive = dir.join(upload.file_name);
        let out = archive.clone();
        let built = tokio::task::spawn_blocking(move || {
            confine::private_folder(&data_dir, "diagnostics").map_err(std::io::Error::other)?;
            build(&out)
        })
        .await
        .map_err(|e| DiagnosticsError::Task(e.to_string()))?
        .map_err(|source| DiagnosticsError::Archive {
            path: archive.clone(),
            source,
        })?;
        tracing::info!(archive = %archive.display(), files = built.files.len(), "archive built");
        let on_step = upload.on_step;
        let uploaded = transfer::retry(
            upload.retries,
            &target,
            upload.what,
            || self.client.upload_to(&archive, &target),
            on_step,
        )
        .await;
        let _ = tokio::fs::remove_file(&archive).await;
        uploaded.map_err(|(attempts, last)| DiagnosticsError::Upload { attempts, last })
    }

    /// Names the archive now and runs [`System::upload_diagnostics`] on a new task; returns the
    /// name (for GetDiagnostics.conf's fileName) and the task.
    pub fn start_diagnostics(
        &self,
        request: DiagnosticsRequest,
        on_status: impl FnMut(UploadStatus) + Send + 'static,
    ) -> (
        String,
        tokio::task::JoinHandle<Result<(), DiagnosticsError>>,
    ) {
        let name = self.diagnostics_file_name(Utc::now());
        let system = self.clone();
        let file_name = name.clone();
        let task = tokio::spawn(async move {
            system
                .upload_diagnostics(request, &file_name, on_status)
                .await
        });
        (name, task)
    }
}

/// One archive to build and upload.
struct Upload<'a> {
    /// The folder URI to upload to.
    location: &'a str,
    retries: Retries,
    /// The archive's name.
    file_name: &'a str,
    /// What the retry loop logs it as.
    what: &'static str,
    /// Hears of each failed attempt that is retried and of the retry starting.
    on_step: &'a mut (dyn FnMut(RetryStep) + Send),
}

/// Where an archive named `file_name` goes for an upload `location` (see
/// [`DiagnosticsRequest::location`]).
pub fn upload_target(location: &str, file_name: &str) -> Result<Location, TransferError> {
    let loc = Location::parse(location)?;
    Ok(match loc.scheme {
        Scheme::Ftp => loc.join_file(file_name),
        Scheme::Http | Scheme::Https if loc.path.ends_with('/') => loc.join_file(file_name),
        Scheme::Http | Scheme::Https => loc,
        // A local folder, as OCPP's directory URI: the archive goes inside it.
        Scheme::File => loc.join_file(file_name),
    })
}
