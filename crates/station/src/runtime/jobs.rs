//! The core's firmware, diagnostics and log commands carried out by the System module
//! (everest-core's OCPP module calling System's `update_firmware`,
//! `allow_firmware_installation` and `upload_logs`): each runs on its own task, one firmware
//! job and one upload (diagnostics or a GetLog's log, as System's one upload thread) at a
//! time, and reports its progress through the station loop, which passes it to the core as
//! the simulation's events go.
//!
//! The core decides when each step may start (retrieveDate, no transaction left, Installed
//! answered), so a job does exactly what a command says: DownloadFirmware downloads now and
//! waits; InstallFirmware lets the waiting job install; FirmwareRestart restarts the station
//! (`commands`).

use std::time::Duration;

use chargepoint::charge_point::events::{DiagnosticsProgress, FirmwareProgress, LogProgress};
use chargepoint::charge_point::StationEvent as CoreEvent;
use ocpp_types::security::LogType;
use ocpp_types::DateTime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::Station;
use crate::system::{
    DiagnosticsRequest, FirmwareRequest, FirmwareSignature, FirmwareStatus, LogKind, LogRequest,
    LogUploadStatus, System, UploadStatus,
};

/// A firmware update the System module runs: downloading, or downloaded and waiting for the
/// core's InstallFirmware, or installing.
#[derive(Debug)]
pub(super) struct FirmwareJob {
    request_id: u64,
    /// Lets the downloaded firmware be installed; taken when the core asks.
    install: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// An upload the System module runs: a GetDiagnostics' or a GetLog's.
#[derive(Debug)]
pub(super) struct UploadJob {
    request_id: u64,
    /// A GetLog's: when cancelled it reports nothing more (the core forgot it); a
    /// GetDiagnostics' reports UploadFailed.
    log: bool,
    task: JoinHandle<()>,
}

/// Where the jobs send their reports: boxed through the channel (a core event is about
/// 100 bytes, and a tokio channel allocates room for 32 items when it is made, for the few
/// reports of a firmware update or an upload).
#[derive(Debug, Clone)]
struct Reporter(mpsc::UnboundedSender<Box<CoreEvent>>);

impl Reporter {
    /// Sends `event`; an error when the station loop has ended.
    fn send(&self, event: CoreEvent) -> Result<(), mpsc::error::SendError<Box<CoreEvent>>> {
        self.0.send(Box::new(event))
    }
}

/// The jobs of one station and the channel their reports come back on.
#[derive(Debug)]
pub(super) struct Jobs {
    system: System,
    /// Kept so the loop's receiver never sees the channel closed between jobs.
    reports_tx: Reporter,
    /// The jobs' reports for the core, read by the station loop.
    pub(super) reports: mpsc::UnboundedReceiver<Box<CoreEvent>>,
    firmware: Option<FirmwareJob>,
    upload: Option<UploadJob>,
}

impl Jobs {
    /// No job yet.
    pub(super) fn new(system: System) -> Jobs {
        let (reports_tx, reports) = mpsc::unbounded_channel();
        Jobs {
            system,
            reports_tx: Reporter(reports_tx),
            reports,
            firmware: None,
            upload: None,
        }
    }

    /// Ends every job (the station stops or restarts: what they would report has no core to
    /// go to any more).
    pub(super) fn abort_all(&mut self) {
        if let Some(job) = self.firmware.take() {
            job.task.abort();
        }
        if let Some(job) = self.upload.take() {
            job.task.abort();
        }
    }
}

fn firmware_progress(status: FirmwareStatus) -> FirmwareProgress {
    match status {
        FirmwareStatus::Downloading => FirmwareProgress::Downloading,
        FirmwareStatus::Downloaded => FirmwareProgress::Downloaded,
        FirmwareStatus::DownloadAttemptFailed => FirmwareProgress::DownloadAttemptFailed,
        FirmwareStatus::DownloadFailed => FirmwareProgress::DownloadFailed,
        FirmwareStatus::SignatureVerified => FirmwareProgress::SignatureVerified,
        FirmwareStatus::InvalidSignature => FirmwareProgress::InvalidSignature,
        FirmwareStatus::Installing => FirmwareProgress::Installing,
        FirmwareStatus::Installed => FirmwareProgress::Installed,
        FirmwareStatus::InstallationFailed => FirmwareProgress::InstallationFailed,
    }
}

fn log_progress(status: LogUploadStatus) -> LogProgress {
    match status {
        LogUploadStatus::Uploading => LogProgress::Uploading,
        LogUploadStatus::Uploaded => LogProgress::Uploaded,
        LogUploadStatus::AttemptFailed => LogProgress::AttemptFailed,
        LogUploadStatus::UploadFailure => LogProgress::UploadFailure,
        LogUploadStatus::BadMessage => LogProgress::BadMessage,
        LogUploadStatus::PermissionDenied => LogProgress::PermissionDenied,
        LogUploadStatus::NotSupportedOperation => LogProgress::NotSupportedOperation,
    }
}

fn diagnostics_progress(status: UploadStatus) -> DiagnosticsProgress {
    match status {
        UploadStatus::Uploading => DiagnosticsProgress::Uploading,
        UploadStatus::Uploaded => DiagnosticsProgress::Uploaded,
        UploadStatus::AttemptFailed => DiagnosticsProgress::UploadAttemptFailed,
        UploadStatus::UploadFailed => DiagnosticsProgress::UploadFailed,
    }
}

/// A status callback for the System module that reports to the core's request `request_id`.
fn firmware_reporter(
    tx: &Reporter,
    request_id: u64,
) -> impl FnMut(FirmwareStatus) + Send + 'static {
    let tx = tx.clone();
    move |status| {
        // A closed channel means the station stopped: nobody is left to tell.
        let _ = tx.send(CoreEvent::FirmwareStatus {
            request_id,
            status: firmware_progress(status),
        });
    }
}

fn seconds(s: Option<u32>) -> Option<Duration> {
    s.map(|s| Duration::from_secs(u64::from(s)))
}

impl Station {
    /// DownloadFirmware: download now (the core waited for retrieveDate), verify a signed
    /// file's signature, then wait for InstallFirmware.
    #[inline(never)]
    pub(super) fn download_firmware(
        &mut self,
        request_id: u64,
        location: String,
        retries: Option<u32>,
        retry_interval_s: Option<u32>,
        signed: Option<chargepoint::charge_point::events::FirmwareSignature>,
    ) {
        if let Some(old) = self.jobs.firmware.take() {
            if !old.task.is_finished() {
                // The core follows one update only (it refuses a second while one runs):
                // one it sends anyway replaces the old, whose reports nobody reads.
                tracing::warn!(
                    old = old.request_id,
                    new = request_id,
                    "firmware update replaced"
                );
                old.task.abort();
            }
        }
        let request = FirmwareRequest {
            location,
            retrieve_date: None,
            retries,
            retry_interval: seconds(retry_interval_s),
        };
        // An ftp:// location may hold a password: never logged.
        let shown = crate::system::redact(&request.location);
        let signature = signed.map(|s| FirmwareSignature {
            signature: s.signature,
            signing_certificate: s.signing_certificate,
        });
        tracing::info!(request_id, location = %shown, signed = signature.is_some(), "firmware download");
        let (install, allowed) = oneshot::channel();
        let system = self.jobs.system.clone();
        let mut on_download = firmware_reporter(&self.jobs.reports_tx, request_id);
        let on_install = firmware_reporter(&self.jobs.reports_tx, request_id);
        let task = tokio::spawn(async move {
            let path = match system.download_firmware(&request, &mut on_download).await {
                Ok(path) => path,
                Err(error) => {
                    tracing::warn!(request_id, %error, "firmware update ended");
                    return;
                }
            };
            if let Some(signature) = &signature {
                if !system
                    .verify_firmware_signature(&path, signature, &mut on_download)
                    .await
                {
                    tracing::warn!(request_id, "firmware update ended: invalid signature");
                    return;
                }
            }
            // The core asks for the installation once no transaction is left.
            if allowed.await.is_err() {
                tracing::info!(request_id, "downloaded firmware not installed");
                return;
            }
            if let Err(error) = system.install_firmware(&path, on_install).await {
                tracing::warn!(request_id, %error, "firmware update ended");
            }
        });
        self.jobs.firmware = Some(FirmwareJob {
            request_id,
            install: Some(install),
            task,
        });
    }

    /// CancelFirmware: the update `request_id` ends where it is and reports nothing more (a
    /// SignedUpdateFirmware replaced it).
    #[inline(never)]
    pub(super) fn cancel_firmware(&mut self, request_id: u64) {
        let Some(job) = self.jobs.firmware.take() else {
            return;
        };
        if job.request_id != request_id {
            self.jobs.firmware = Some(job);
            return;
        }
        tracing::info!(request_id, "firmware update cancelled");
        job.task.abort();
    }

    /// InstallFirmware: the downloaded firmware of `request_id` may be installed now.
    #[inline(never)]
    pub(super) fn install_firmware(&mut self, request_id: u64) {
        let job = self
            .jobs
            .firmware
            .as_mut()
            .filter(|job| job.request_id == request_id);
        if let Some(job) = job {
            match job.install.take().map(|allow| allow.send(())) {
                Some(Ok(())) => return,
                // The job ended (or was aborted) meanwhile.
                Some(Err(())) => {}
                None => {
                    tracing::info!(request_id, "InstallFirmware again: already installing");
                    return;
                }
            }
        }
        // Nothing downloaded to install: the core must hear the update ended, or the
        // connectors stay Unavailable.
        tracing::warn!(request_id, "InstallFirmware: no downloaded firmware");
        let _ = self.jobs.reports_tx.send(CoreEvent::FirmwareStatus {
            request_id,
            status: FirmwareProgress::InstallationFailed,
        });
    }

    /// UploadDiagnostics: names the file at once (GetDiagnostics.conf waits for it), then
    /// builds and uploads the archive on a task.
    #[inline(never)]
    pub(super) fn upload_diagnostics(
        &mut self,
        request_id: u64,
        location: String,
        retries: Option<u32>,
        retry_interval_s: Option<u32>,
        start_time: Option<DateTime>,
        stop_time: Option<DateTime>,
    ) {
        self.cancel_upload(request_id);
        let request = DiagnosticsRequest {
            location,
            retries,
            retry_interval: seconds(retry_interval_s),
            start_time: start_time.map(DateTime::to_chrono),
            stop_time: stop_time.map(DateTime::to_chrono),
        };
        let file_name = self.jobs.system.diagnostics_file_name(chrono::Utc::now());
        let shown = crate::system::redact(&request.location);
        tracing::info!(request_id, location = %shown, %file_name, "diagnostics upload");
        // Straight to the core, ahead of the statuses the task reports.
        self.tell_core(CoreEvent::DiagnosticsFile {
            request_id,
            file_name: Some(file_name.clone()),
        });
        let system = self.jobs.system.clone();
        let tx = self.jobs.reports_tx.clone();
        let on_status = move |status| {
            // A closed channel means the station stopped: nobody is left to tell.
            let _ = tx.send(CoreEvent::DiagnosticsStatus {
                request_id,
                status: diagnostics_progress(status),
            });
        };
        let task = tokio::spawn(async move {
            match system
                .upload_diagnostics(request, &file_name, on_status)
                .await
            {
                Ok(()) => tracing::info!(request_id, %file_name, "diagnostics uploaded"),
                Err(error) => tracing::warn!(request_id, %error, "diagnostics upload failed"),
            }
        });
        self.jobs.upload = Some(UploadJob {
            request_id,
            log: false,
            task,
        });
    }

    /// As System's upload_logs: a new upload request cancels the one running. A GetDiagnostics'
    /// ends failed, so the core does not wait on it; a GetLog's reports nothing more (the core
    /// answers the new GetLog AcceptedCanceled, or forgot it for the new GetDiagnostics).
    fn cancel_upload(&mut self, new: u64) {
        let Some(old) = self.jobs.upload.take() else {
            return;
        };
        if old.task.is_finished() {
            return;
        }
        tracing::warn!(old = old.request_id, new, "upload cancelled");
        old.task.abort();
        if !old.log {
            let _ = self.jobs.reports_tx.send(CoreEvent::DiagnosticsStatus {
                request_id: old.request_id,
                status: DiagnosticsProgress::UploadFailed,
            });
        }
    }

    /// UploadLog (GetLog): names the file at once (GetLog.conf waits for it; none when the
    /// station keeps no such log), then builds and uploads the archive on a task.
    #[allow(clippy::too_many_arguments)] // the command's fields, as they come
    #[inline(never)]
    pub(super) fn upload_log(
        &mut self,
        request_id: u64,
        log_type: LogType,
        location: String,
        retries: Option<u32>,
        retry_interval_s: Option<u32>,
        oldest: Option<DateTime>,
        latest: Option<DateTime>,
    ) {
        self.cancel_upload(request_id);
        let kind = match log_type {
            LogType::DiagnosticsLog => LogKind::Diagnostics,
            LogType::SecurityLog => LogKind::Security,
        };
        let file_name = self.jobs.system.log_file_name(kind, chrono::Utc::now());
        let shown = crate::system::redact(&location);
        tracing::info!(request_id, ?kind, location = %shown, ?file_name, "log upload");
        // Straight to the core, ahead of the statuses the task reports.
        self.tell_core(CoreEvent::LogFile {
            request_id,
            file_name: file_name.clone(),
        });
        let Some(file_name) = file_name else {
            tracing::warn!(request_id, "GetLog of the security log: no security log is kept (the message log's `security` format is off)");
            return;
        };
        let request = LogRequest {
            kind,
            location,
            retries,
            retry_interval: seconds(retry_interval_s),
            oldest: oldest.map(DateTime::to_chrono),
            latest: latest.map(DateTime::to_chrono),
        };
        let system = self.jobs.system.clone();
        let tx = self.jobs.reports_tx.clone();
        let on_status = move |status| {
            // A closed channel means the station stopped: nobody is left to tell.
            let _ = tx.send(CoreEvent::LogStatus {
                request_id,
                status: log_progress(status),
            });
        };
        let task = tokio::spawn(async move {
            match system.upload_log(request, &file_name, on_status).await {
                Ok(()) => tracing::info!(request_id, %file_name, "log uploaded"),
                Err(error) => tracing::warn!(request_id, %error, "log upload failed"),
            }
        });
        self.jobs.upload = Some(UploadJob {
            request_id,
            log: true,
            task,
        });
    }
}
