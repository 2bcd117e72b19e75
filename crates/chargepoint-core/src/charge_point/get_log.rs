//! GetLog (OCPP 1.6 Security whitepaper edition 2, §5.9 / §5.10, use case N01) and
//! LogStatusNotification (§5.13): the station builds and uploads the log
//! ([`StationCommand::UploadLog`]), names the file
//! ([`StationEvent::LogFile`](super::StationEvent::LogFile)) and reports the upload
//! ([`StationEvent::LogStatus`](super::StationEvent::LogStatus)); the core answers and tells
//! the central system. As libocpp's `handleGetLogRequest` and `log_status_notification` with
//! everest-core's OCPP module (its upload_logs callback) and System module (`upload_logs`),
//! the same path GetDiagnostics takes (`diagnostics.rs`):
//!
//! - GetLog.conf waits for the station's file name, at most
//!   [`ANSWER_WAIT`](super::diagnostics::ANSWER_WAIT) (libocpp asks synchronously), and
//!   carries it as `filename`: Accepted, or AcceptedCanceled when an upload (a GetLog's or a
//!   GetDiagnostics') was under way and the station cancels it for this one (System's
//!   `handle_upload_logs`; OCPP 2.0.1 N01.FR.20). The cancelled GetLog reports nothing more. A
//!   station that has no such log (a SecurityLog while the `security` log format is off)
//!   names no file: Rejected, no status follows. A station that does not answer in time: the
//!   status without a filename (as GetDiagnostics), and what it reports later is still sent.
//! - retries and retryInterval go to the station bounded as GetDiagnostics' (`limits.rs`).
//! - Every status of the upload goes out once, with the GetLog's requestId, as
//!   LogStatusNotification: Uploading (and for each failed attempt that is retried
//!   UploadFailure, then Uploading again, as everest-core reports every attempt:
//!   test_upload_security_log_retries), then Uploaded, UploadFailure, BadMessage,
//!   PermissionDenied or NotSupportedOperation. everest-core's System module reads these four
//!   failures from its upload script and then publishes all of them as UploadFailure; the
//!   station here reports the one that happened, since the whitepaper defines each.
//!   Offline a status is sent only when QueueAllMessages keeps it, as every
//!   non-transactional message (libocpp's dispatch_call of LogStatusNotification).
//! - ExtendedTriggerMessage LogStatusNotification (`extended_trigger.rs`) reports Uploading
//!   with the requestId while the upload is reported Uploading, Idle without requestId
//!   otherwise: libocpp sets log_status back to Idle after every status but Uploading.
//! - Nothing is stored: libocpp keeps log_status in memory only, System its upload thread.

use std::time::Instant;

use ocpp_rpc::MessageId;
use ocpp_types::security::{
    GetLogRequest, GetLogResponse, LogStatus, LogStatusNotificationRequest, UploadLogStatus,
};
use ocpp_types::{Action, AnyResponse, BoundedString};

use super::diagnostics::ANSWER_WAIT;
use super::events::LogProgress;
use super::message_queue::Purpose;
use super::{limits, ChargePoint, Now, StationCommand};

/// GetLog CALLs waiting for the station, and the upload under way.
#[derive(Debug, Default)]
pub(crate) struct Logs {
    /// GetLog CALLs waiting for the file name.
    waiting: Vec<Waiting>,
    /// The upload of the last GetLog, until its final status (one at a time).
    upload: Option<Upload>,
}

/// A GetLog CALL not answered yet.
#[derive(Debug)]
struct Waiting {
    upload_id: u64,
    call: MessageId,
    until: Instant,
    /// Accepted or AcceptedCanceled, as decided when the GetLog came.
    status: LogStatus,
}

/// The upload of a GetLog.
#[derive(Debug)]
struct Upload {
    /// The core's id of the [`StationCommand::UploadLog`].
    upload_id: u64,
    /// The central system's requestId.
    request_id: i32,
    /// The last status sent (or that would have been, offline), never repeated.
    reported: Option<LogProgress>,
}

impl Logs {
    /// When the first waiting GetLog must be answered anyway.
    pub fn deadline(&self) -> Option<Instant> {
        self.waiting.iter().map(|w| w.until).min()
    }

    /// What a triggered LogStatusNotification says: Uploading with the requestId while the
    /// upload is reported Uploading, Idle without requestId otherwise.
    pub fn status(&self) -> (UploadLogStatus, Option<i32>) {
        match &self.upload {
            Some(u) if u.reported == Some(LogProgress::Uploading) => {
                (UploadLogStatus::Uploading, Some(u.request_id))
            }
            _ => (UploadLogStatus::Idle, None),
        }
    }

    /// A GetDiagnostics came: the station cancels a GetLog's upload for it, which reports
    /// nothing more.
    pub fn cancel_upload(&mut self) {
        if let Some(upload) = self.upload.take() {
            tracing::info!(
                request_id = upload.request_id,
                "log upload cancelled for a GetDiagnostics"
            );
        }
    }

    /// The connection is gone: the GetLog waiting can no longer be answered.
    pub fn disconnected(&mut self) {
        self.waiting.clear();
    }
}

fn wire_status(status: LogProgress) -> UploadLogStatus {
    match status {
        LogProgress::Uploading => UploadLogStatus::Uploading,
        LogProgress::Uploaded => UploadLogStatus::Uploaded,
        LogProgress::AttemptFailed | LogProgress::UploadFailure => UploadLogStatus::UploadFailure,
        LogProgress::BadMessage => UploadLogStatus::BadMessage,
        LogProgress::PermissionDenied => UploadLogStatus::PermissionDenied,
        LogProgress::NotSupportedOperation => UploadLogStatus::NotSupportedOperation,
    }
}

impl ChargePoint {
    /// GetLog.req (see the [module docs](self)): answered when the station names the file.
    #[inline(never)]
    pub(crate) fn on_get_log(&mut self, id: &MessageId, request: GetLogRequest, now: Now) {
        let cancelled_log = self.logs.upload.take();
        let canceled = cancelled_log.is_some() || self.diagnostics.busy();
        let status = if canceled {
            LogStatus::AcceptedCanceled
        } else {
            LogStatus::Accepted
        };
        let upload_id = self.diagnostics.next_upload_id();
        tracing::info!(
            request_id = request.request_id,
            log_type = ?request.log_type,
            cancelled = ?cancelled_log.map(|u| u.request_id),
            "GetLog"
        );
        self.logs.waiting.push(Waiting {
            upload_id,
            call: id.clone(),
            until: now.instant + ANSWER_WAIT,
            status,
        });
        self.logs.upload = Some(Upload {
            upload_id,
            request_id: request.request_id,
            reported: None,
        });
        let log = request.log;
        self.commands.push_back(StationCommand::UploadLog {
            request_id: upload_id,
            log_type: request.log_type,
            location: log.remote_location.to_string(),
            retries: limits::file_transfer_retries(request.retries),
            retry_interval_s: limits::file_transfer_retry_interval_s(request.retry_interval),
            oldest_timestamp: log.oldest_timestamp,
            latest_timestamp: log.latest_timestamp,
        });
    }

    /// The station named the file of upload `upload_id` (or has no such log).
    pub(crate) fn on_log_file(&mut self, upload_id: u64, file_name: Option<String>) {
        if file_name.is_none() {
            // Nothing to upload: no status follows.
            self.logs.upload.take_if(|u| u.upload_id == upload_id);
        }
        let position = self
            .logs
            .waiting
            .iter()
            .position(|w| w.upload_id == upload_id);
        let Some(waiting) = position.map(|p| self.logs.waiting.remove(p)) else {
            tracing::warn!(
                upload_id,
                ?file_name,
                "log file name after GetLog was answered"
            );
            return;
        };
        let response = match file_name {
            Some(name) => GetLogResponse {
                status: waiting.status,
                filename: BoundedString::new(name.chars().take(255).collect::<String>()).ok(),
            },
            None => GetLogResponse {
                status: LogStatus::Rejected,
                filename: None,
            },
        };
        tracing::info!(upload_id, status = ?response.status, "GetLog answered");
        self.respond(&waiting.call, AnyResponse::GetLog(response));
    }

    /// The station reports the upload `upload_id`.
    pub(crate) fn on_log_status(&mut self, upload_id: u64, status: LogProgress) {
        let Some(upload) = self
            .logs
            .upload
            .as_mut()
            .filter(|u| u.upload_id == upload_id)
        else {
            tracing::warn!(
                upload_id,
                ?status,
                "status of no log upload under way ignored"
            );
            return;
        };
        if upload.reported == Some(status) {
            tracing::debug!(upload_id, ?status, "log status unchanged: not repeated");
            return;
        }
        upload.reported = Some(status);
        let request_id = upload.request_id;
        if !matches!(status, LogProgress::Uploading | LogProgress::AttemptFailed) {
            self.logs.upload = None;
        }
        tracing::info!(request_id, ?status, "log upload status");
        let action = Action::LogStatusNotification;
        if !self.may_send_normal() && !self.queue.keeps_offline(action) {
            tracing::info!(?status, "offline: LogStatusNotification not sent");
            return;
        }
        let request = LogStatusNotificationRequest {
            status: wire_status(status),
            request_id: Some(request_id),
        };
        // Purpose::Triggered: its answer is only acknowledged, as a triggered one's.
        self.queue
            .push_normal(action, ocpp_types::encode(&request), Purpose::Triggered);
    }

    /// Answers, without filename, the GetLog the station did not answer in time.
    pub(crate) fn get_log_timer(&mut self, now: Now) {
        let (expired, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.logs.waiting)
            .into_iter()
            .partition(|w| w.until <= now.instant);
        self.logs.waiting = waiting;
        for w in expired {
            tracing::warn!(
                upload_id = w.upload_id,
                "no log file name from the station in time: answered without one"
            );
            let response = GetLogResponse {
                status: w.status,
                filename: None,
            };
            self.respond(&w.call, AnyResponse::GetLog(response));
        }
    }

    /// The log upload's status and its requestId, for a triggered LogStatusNotification.
    pub(crate) fn log_upload_status(&self) -> (UploadLogStatus, Option<i32>) {
        self.logs.status()
    }
}
