//! FirmwareManagement, the diagnostics half: GetDiagnostics (OCPP 1.6 §5.9) and
//! DiagnosticsStatusNotification (§4.4). The station makes and uploads the file
//! ([`StationCommand::UploadDiagnostics`]), names it
//! ([`StationEvent::DiagnosticsFile`](super::StationEvent::DiagnosticsFile)) and reports the
//! upload ([`StationEvent::DiagnosticsStatus`](super::StationEvent::DiagnosticsStatus)).
//!
//! - GetDiagnostics.conf waits for the file name the station gives, at most [`ANSWER_WAIT`],
//!   then goes without fileName. A second GetDiagnostics during an upload is passed on like the
//!   first (the station cancels the running upload).
//! - Each status of the upload goes out once as DiagnosticsStatusNotification; a failed
//!   attempt that is retried goes out as UploadFailed and the next as Uploading again
//!   (everest-core reports every attempt: test_get_diagnostics_retries). TriggerMessage
//!   reports Uploading while an upload is reported Uploading, Idle otherwise (also between
//!   two attempts: libocpp's diagnostics_status goes back to Idle after UploadFailed).
//! - Nothing is stored.
//!
//! As libocpp with everest-core's OCPP and System modules; the full behaviour:
//! docs/core/firmware-and-diagnostics.md.

use std::time::{Duration, Instant};

use ocpp_rpc::{CallErrorCode, MessageId};
use ocpp_types::firmware::{
    DiagnosticsStatus, DiagnosticsStatusNotificationRequest, GetDiagnosticsRequest,
    GetDiagnosticsResponse,
};
use ocpp_types::{Action, AnyResponse, CiString255};

use super::events::DiagnosticsProgress;
use super::message_queue::Purpose;
use super::{limits, ChargePoint, Now, StationCommand};
use crate::config::ProfileName;

/// How long a GetDiagnostics waits for the station's file name: well within the 30 s a central
/// system commonly waits for an answer.
pub(crate) const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// How many uploads are followed at once; the oldest is forgotten beyond (a station that never
/// reports would otherwise make the list grow).
const MAX_UPLOADS: usize = 16;

/// GetDiagnostics waiting for the station, and the uploads it reports on.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    /// The id of the last upload asked of the station (counting from 1), GetLog's included:
    /// the station runs one upload at a time, and an id names one upload of either kind.
    last_request_id: u64,
    /// GetDiagnostics CALLs waiting for the file name.
    waiting: Vec<Waiting>,
    /// Uploads asked for and not finished, oldest first.
    uploads: Vec<Upload>,
}

/// A GetDiagnostics CALL not answered yet.
#[derive(Debug)]
struct Waiting {
    request_id: u64,
    call: MessageId,
    until: Instant,
}

/// An upload the station may report on.
#[derive(Debug)]
struct Upload {
    request_id: u64,
    /// The last status sent (or that would have been, offline), never repeated.
    reported: Option<DiagnosticsProgress>,
}

impl Diagnostics {
    /// The id of the next upload asked of the station (GetDiagnostics or GetLog).
    pub fn next_upload_id(&mut self) -> u64 {
        self.last_request_id += 1;
        self.last_request_id
    }

    /// Whether a diagnostics upload was asked for and has not reported its end.
    pub fn busy(&self) -> bool {
        !self.uploads.is_empty()
    }

    /// When the first waiting GetDiagnostics must be answered anyway.
    pub fn deadline(&self) -> Option<Instant> {
        self.waiting.iter().map(|w| w.until).min()
    }

    /// What TriggerMessage DiagnosticsStatusNotification reports: Uploading while an upload is
    /// reported Uploading, otherwise Idle.
    pub fn status(&self) -> DiagnosticsStatus {
        let uploading = self
            .uploads
            .iter()
            .any(|u| u.reported == Some(DiagnosticsProgress::Uploading));
        if uploading {
            DiagnosticsStatus::Uploading
        } else {
            DiagnosticsStatus::Idle
        }
    }
}

impl ChargePoint {
    /// GetDiagnostics.req (see the module docs): answered when the station names the file.
    #[inline(never)]
    pub(crate) fn on_get_diagnostics(
        &mut self,
        id: &MessageId,
        request: GetDiagnosticsRequest,
        now: Now,
    ) {
        if !self.config.core().supports(ProfileName::FirmwareManagement) {
            tracing::info!("GetDiagnostics without the FirmwareManagement profile");
            return self.respond_error(
                id,
                CallErrorCode::NotSupported,
                "FirmwareManagement is not in SupportedFeatureProfiles",
            );
        }
        // The station cancels a GetLog's upload for this one (one upload at a time).
        self.logs.cancel_upload();
        let diagnostics = &mut self.diagnostics;
        let request_id = diagnostics.next_upload_id();
        diagnostics.waiting.push(Waiting {
            request_id,
            call: id.clone(),
            until: now.instant + ANSWER_WAIT,
        });
        if diagnostics.uploads.len() >= MAX_UPLOADS {
            diagnostics.uploads.remove(0);
        }
        diagnostics.uploads.push(Upload {
            request_id,
            reported: None,
        });
        tracing::info!(request_id, location = %request.location, "GetDiagnostics");
        self.commands.push_back(StationCommand::UploadDiagnostics {
            request_id,
            location: request.location,
            retries: limits::file_transfer_retries(request.retries),
            retry_interval_s: limits::file_transfer_retry_interval_s(request.retry_interval),
            start_time: request.start_time,
            stop_time: request.stop_time,
        });
    }

    /// The station named the file of `request_id` (or has nothing to upload).
    pub(crate) fn on_diagnostics_file(&mut self, request_id: u64, file_name: Option<String>) {
        if file_name.is_none() {
            // Nothing to upload: no status follows.
            self.diagnostics
                .uploads
                .retain(|u| u.request_id != request_id);
        }
        let position = self
            .diagnostics
            .waiting
            .iter()
            .position(|w| w.request_id == request_id);
        let Some(waiting) = position.map(|p| self.diagnostics.waiting.remove(p)) else {
            tracing::warn!(
                request_id,
                ?file_name,
                "diagnostics file name after GetDiagnostics was answered"
            );
            return;
        };
        tracing::info!(request_id, ?file_name, "GetDiagnostics answered");
        let response = GetDiagnosticsResponse {
            file_name: file_name.as_deref().map(CiString255::truncating),
        };
        self.respond(&waiting.call, AnyResponse::GetDiagnostics(response));
    }

    /// The station reports the upload of `request_id`.
    pub(crate) fn on_diagnostics_status(&mut self, request_id: u64, status: DiagnosticsProgress) {
        let Some(upload) = self
            .diagnostics
            .uploads
            .iter_mut()
            .find(|u| u.request_id == request_id)
        else {
            tracing::warn!(
                request_id,
                ?status,
                "diagnostics status of no upload under way ignored"
            );
            return;
        };
        if upload.reported == Some(status) {
            tracing::debug!(
                request_id,
                ?status,
                "diagnostics status unchanged: not repeated"
            );
            return;
        }
        upload.reported = Some(status);
        tracing::info!(request_id, ?status, "diagnostics status");
        let wire = match status {
            DiagnosticsProgress::Uploading => DiagnosticsStatus::Uploading,
            DiagnosticsProgress::Uploaded => DiagnosticsStatus::Uploaded,
            DiagnosticsProgress::UploadAttemptFailed | DiagnosticsProgress::UploadFailed => {
                DiagnosticsStatus::UploadFailed
            }
        };
        let goes_on = matches!(
            status,
            DiagnosticsProgress::Uploading | DiagnosticsProgress::UploadAttemptFailed
        );
        if !goes_on {
            self.diagnostics
                .uploads
                .retain(|u| u.request_id != request_id);
        }
        let action = Action::DiagnosticsStatusNotification;
        if !self.may_send_normal() && !self.queue.keeps_offline(action) {
            tracing::info!(?wire, "offline: DiagnosticsStatusNotification not sent");
            return;
        }
        let request = DiagnosticsStatusNotificationRequest { status: wire };
        // Purpose::Triggered: its answer is only acknowledged, as a triggered one's.
        self.queue
            .push_normal(action, ocpp_types::encode(&request), Purpose::Triggered);
    }

    /// Answers, without fileName, the GetDiagnostics the station did not answer in time.
    pub(crate) fn diagnostics_timer(&mut self, now: Now) {
        let (expired, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.diagnostics.waiting)
            .into_iter()
            .partition(|w| w.until <= now.instant);
        self.diagnostics.waiting = waiting;
        for w in expired {
            tracing::warn!(
                request_id = w.request_id,
                "no diagnostics file name from the station in time: answered without one"
            );
            let response = GetDiagnosticsResponse { file_name: None };
            self.respond(&w.call, AnyResponse::GetDiagnostics(response));
        }
    }

    /// The connection is gone: the GetDiagnostics and GetLog waiting can no longer be answered, and an
    /// update that waits for its Installed notification to leave restarts now.
    pub(crate) fn file_transfers_disconnected(&mut self, now: Now) {
        self.diagnostics.waiting.clear();
        self.logs.disconnected();
        self.continue_firmware_restart(now);
    }
}
