//! The core's firmware and diagnostics commands carried out by the System module (everest-core's
//! OCPP module calling System's `update_firmware`, `allow_firmware_installation` and
//! `upload_logs`): each runs on its own task, one firmware job and one diagnostics job at a
//! time, and reports its progress through the station loop, which passes it to the core as
//! the simulation's events go.
//!
//! The core decides when each step may start (retrieveDate, no transaction left, Installed
//! answered), so a job does exactly what a command says: DownloadFirmware downloads now and
//! waits; InstallFirmware lets the waiting job install; FirmwareRestart restarts the station
//! (`commands`).

use std::time::Duration;

use chargepoint::charge_point::events::{DiagnosticsProgress, FirmwareProgress};
use chargepoint::charge_point::StationEvent as CoreEvent;
use ocpp_types::DateTime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::Station;
use crate::system::{DiagnosticsRequest, FirmwareRequest, FirmwareStatus, System, UploadStatus};

/// A firmware update the System module runs: downloading, or downloaded and waiting for the
/// core's InstallFirmware, or installing.
#[derive(Debug)]
pub(super) struct FirmwareJob {
    request_id: u64,
    /// Lets the downloaded firmware be installed; taken when the core asks.
    install: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// A diagnostics upload the System module runs.
#[derive(Debug)]
pub(super) struct DiagnosticsJob {
    request_id: u64,
    task: JoinHandle<()>,
}

/// The jobs of one station and the channel their reports come back on.
#[derive(Debug)]
pub(super) struct Jobs {
    system: System,
    /// Kept so the loop's receiver never sees the channel closed between jobs.
    reports_tx: mpsc::UnboundedSender<CoreEvent>,
    /// The jobs' reports for the core, read by the station loop.
    pub(super) reports: mpsc::UnboundedReceiver<CoreEvent>,
    firmware: Option<FirmwareJob>,
    diagnostics: Option<DiagnosticsJob>,
}

impl Jobs {
    /// No job yet.
    pub(super) fn new(system: System) -> Jobs {
        let (reports_tx, reports) = mpsc::unbounded_channel();
        Jobs {
            system,
            reports_tx,
            reports,
            firmware: None,
            diagnostics: None,
        }
    }

    /// Ends every job (the station stops or restarts: what they would report has no core to
    /// go to any more).
    pub(super) fn abort_all(&mut self) {
        if let Some(job) = self.firmware.take() {
            job.task.abort();
        }
        if let Some(job) = self.diagnostics.take() {
            job.task.abort();
        }
    }
}

fn firmware_progress(status: FirmwareStatus) -> FirmwareProgress {
    match status {
        FirmwareStatus::Downloading => FirmwareProgress::Downloading,
        FirmwareStatus::Downloaded => FirmwareProgress::Downloaded,
        FirmwareStatus::DownloadFailed => FirmwareProgress::DownloadFailed,
        FirmwareStatus::Installing => FirmwareProgress::Installing,
        FirmwareStatus::Installed => FirmwareProgress::Installed,
        FirmwareStatus::InstallationFailed => FirmwareProgress::InstallationFailed,
    }
}

fn diagnostics_progress(status: UploadStatus) -> DiagnosticsProgress {
    match status {
        UploadStatus::Uploading => DiagnosticsProgress::Uploading,
        UploadStatus::Uploaded => DiagnosticsProgress::Uploaded,
        UploadStatus::UploadFailed => DiagnosticsProgress::UploadFailed,
    }
}

/// A status callback for the System module that reports to the core's request `request_id`.
fn firmware_reporter(
    tx: &mpsc::UnboundedSender<CoreEvent>,
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
    /// DownloadFirmware: download now (the core waited for retrieveDate), then wait for
    /// InstallFirmware.
    pub(super) fn download_firmware(
        &mut self,
        request_id: u64,
        location: String,
        retries: Option<u32>,
        retry_interval_s: Option<u32>,
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
        tracing::info!(request_id, location = %shown, "firmware download");
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

    /// InstallFirmware: the downloaded firmware of `request_id` may be installed now.
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
    pub(super) fn upload_diagnostics(
        &mut self,
        request_id: u64,
        location: String,
        retries: Option<u32>,
        retry_interval_s: Option<u32>,
        start_time: Option<DateTime>,
        stop_time: Option<DateTime>,
    ) {
        if let Some(old) = self.jobs.diagnostics.take() {
            if !old.task.is_finished() {
                // As System's upload_logs: a new request cancels the running upload. Its
                // request ends failed, so the core does not wait on it.
                tracing::warn!(
                    old = old.request_id,
                    new = request_id,
                    "diagnostics upload cancelled"
                );
                old.task.abort();
                let _ = self.jobs.reports_tx.send(CoreEvent::DiagnosticsStatus {
                    request_id: old.request_id,
                    status: DiagnosticsProgress::UploadFailed,
                });
            }
        }
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
        self.jobs.diagnostics = Some(DiagnosticsJob { request_id, task });
    }
}
