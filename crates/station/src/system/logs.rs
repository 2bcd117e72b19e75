//! GetLog's uploads (OCPP 1.6 Security whitepaper, use case N01), on the path diagnostics take
//! (everest-core's System module serves both with `upload_logs`):
//!
//! - DiagnosticsLog: the diagnostics archive ([`build_archive_keeping`] of the log files), named
//!   `diagnostics-<chargepointid>-<time>.tar.gz`;
//! - SecurityLog: an archive of the security log, named
//!   `security-log-<chargepointid>-<time>.tar.gz`: every `<start>.security.log` of the message
//!   log folder that is the station's ([`crate::message_log::own_files`]) (the message log's `security` format, one SecurityEventNotification JSON per
//!   line) under `security/`, holding only the events from oldestTimestamp to latestTimestamp,
//!   and `manifest.txt`. No security log is kept without the `security` format: then there is
//!   no file to name and GetLog is answered Rejected.
//!
//! The status of a failed upload says what failed, as everest-core's `diagnostics_uploader.sh`
//! reads curl's exit code ([`LogUploadStatus::of_failure`]).

use std::io::{self, Write as _};
use std::path::Path;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;

use super::diagnostics::{build_archive_keeping, diagnostics_file_name, ArchiveSummary};
use super::error::{DiagnosticsError, TransferError};
use super::transfer::RetryStep;
use super::{OwnLogFiles, System, Upload};
use crate::message_log::security_file::{parse_line, read_tail, security_log_files};
use crate::message_log::OwnStems;

/// The longest security log file read whole; a longer one contributes its last this many
/// bytes (a station flooded with InvalidMessages must still upload the recent events).
const MAX_SECURITY_FILE: u64 = 16 * 1024 * 1024;

/// Which log a GetLog asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogKind {
    /// DiagnosticsLog: what GetDiagnostics uploads.
    Diagnostics,
    /// SecurityLog: the security events.
    Security,
}

/// A GetLog request, in plain terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    /// Which log.
    pub kind: LogKind,
    /// The folder to upload into (as [`DiagnosticsRequest::location`](super::DiagnosticsRequest::location)).
    pub location: String,
    /// Tries after the first; `None`: the config's default.
    pub retries: Option<u32>,
    /// Between attempts; `None`: the config's default.
    pub retry_interval: Option<Duration>,
    /// Only what happened at or after this time (oldestTimestamp).
    pub oldest: Option<DateTime<Utc>>,
    /// Only what happened at or before this time (latestTimestamp).
    pub latest: Option<DateTime<Utc>>,
}

/// The progress of a log upload, with the whitepaper's UploadLogStatusEnumType names (without
/// Idle, which no upload reports). Each upload reports Uploading, then for each attempt that
/// fails and is retried AttemptFailed and Uploading again (as everest-core's System module
/// reports every attempt), then one of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogUploadStatus {
    /// The archive is being built and sent.
    Uploading,
    /// The server has the file.
    Uploaded,
    /// An attempt failed; another follows after the retry interval. UploadFailure on the wire,
    /// whatever the cause: everest-core's System module publishes every failed attempt so.
    AttemptFailed,
    /// The upload failed for another reason than the three below.
    UploadFailure,
    /// The location is malformed, or the server's answer could not be understood.
    BadMessage,
    /// The server refused the credentials or the write, or the TLS handshake failed.
    PermissionDenied,
    /// The station does not upload over the location's protocol, or the server does not
    /// support the upload.
    NotSupportedOperation,
}

impl LogUploadStatus {
    /// The whitepaper's name.
    pub fn as_str(self) -> &'static str {
        match self {
            LogUploadStatus::Uploading => "Uploading",
            LogUploadStatus::Uploaded => "Uploaded",
            LogUploadStatus::AttemptFailed | LogUploadStatus::UploadFailure => "UploadFailure",
            LogUploadStatus::BadMessage => "BadMessage",
            LogUploadStatus::PermissionDenied => "PermissionDenied",
            LogUploadStatus::NotSupportedOperation => "NotSupportedOperation",
        }
    }

    /// The status a failed upload ends with. everest-core's `diagnostics_uploader.sh` maps
    /// curl's exit codes: 67 (login denied), 9 (remote access denied), 35 (TLS handshake)
    /// to PermissionDenied; 3 (malformed URL), 6 (host not resolved), 10, 87 to BadMessage;
    /// 1 (unsupported protocol) to NotSupportedOperation; anything else to UploadFailure.
    /// The same causes here, with the HTTP statuses curl `-T` does not fail on (401/403:
    /// PermissionDenied, 405/501: NotSupportedOperation) and FTP's replies by code.
    pub fn of_failure(error: &DiagnosticsError) -> LogUploadStatus {
        let DiagnosticsError::Upload { last, .. } = error else {
            return LogUploadStatus::UploadFailure;
        };
        match last {
            TransferError::BadLocation { .. } | TransferError::Http { .. } => {
                LogUploadStatus::BadMessage
            }
            TransferError::UnsupportedProtocol { .. } => LogUploadStatus::NotSupportedOperation,
            TransferError::OutsideDataDir { .. } | TransferError::Tls { .. } => {
                LogUploadStatus::PermissionDenied
            }
            TransferError::HttpStatus { status, .. } => match status {
                401 | 403 => LogUploadStatus::PermissionDenied,
                405 | 501 => LogUploadStatus::NotSupportedOperation,
                _ => LogUploadStatus::UploadFailure,
            },
            TransferError::Ftp { reply, .. } => match reply.get(..3) {
                // Not logged in; access denied, file name not allowed.
                Some("530" | "532" | "550" | "553") => LogUploadStatus::PermissionDenied,
                // Command not implemented (for that parameter).
                Some("502" | "504") => LogUploadStatus::NotSupportedOperation,
                // Syntax errors.
                Some("500" | "501") => LogUploadStatus::BadMessage,
                _ => LogUploadStatus::UploadFailure,
            },
            TransferError::Network { .. }
            | TransferError::Timeout { .. }
            | TransferError::File { .. } => LogUploadStatus::UploadFailure,
        }
    }
}

/// The SecurityLog archive's name: `security-log-<chargepointid>-<YYYYMMDDTHHMMSSZ>.tar.gz`,
/// as [`diagnostics_file_name`] names the diagnostics archive.
pub fn security_log_file_name(charge_point_id: &str, now: DateTime<Utc>) -> String {
    diagnostics_file_name(charge_point_id, now).replacen("diagnostics-", "security-log-", 1)
}

/// Writes a tar.gz at `out` (a new file, mode 0600) holding every `*.security.log` of `dir`
/// that is the station's (`own`) under `security/` (oldest start first), each with only its events from `oldest` to `latest` (a line whose
/// timestamp does not read is kept: better one line too many than a lost event), plus
/// `manifest.txt`. Files that cannot be read are logged and left out.
pub fn build_security_archive(
    out: &Path,
    dir: &Path,
    own: &OwnStems,
    oldest: Option<DateTime<Utc>>,
    latest: Option<DateTime<Utc>>,
) -> io::Result<ArchiveSummary> {
    let files = security_log_files(dir, own);
    let mut entries = Vec::new();
    let mut summary = ArchiveSummary::default();
    for path in files {
        let text = match read_tail(&path, MAX_SECURITY_FILE) {
            Ok(text) => text,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "security log: skipped");
                continue;
            }
        };
        let mut kept = String::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if in_window(line, oldest, latest) {
                kept.push_str(line);
                kept.push('\n');
            } else {
                summary.skipped_by_time += 1;
            }
        }
        let name = format!(
            "security/{}",
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        summary.files.push(name.clone());
        entries.push((name, kept.into_bytes()));
    }
    let manifest = manifest(&summary, oldest, latest);
    entries.push(("manifest.txt".to_owned(), manifest.into_bytes()));
    write_tar_gz(out, &entries)?;
    Ok(summary)
}

/// Whether the event on `line` (`{"timestamp": ..., "type": ...}`) happened from `oldest` to
/// `latest`; a line without a readable timestamp is kept.
fn in_window(line: &str, oldest: Option<DateTime<Utc>>, latest: Option<DateTime<Utc>>) -> bool {
    let time = parse_line(line)
        .and_then(|e| DateTime::parse_from_rfc3339(&e.timestamp).ok())
        .map(|t| t.with_timezone(&Utc));
    let Some(time) = time else {
        return true;
    };
    oldest.is_none_or(|o| time >= o) && latest.is_none_or(|l| time <= l)
}

fn manifest(
    summary: &ArchiveSummary,
    oldest: Option<DateTime<Utc>>,
    latest: Option<DateTime<Utc>>,
) -> String {
    let when = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into());
    let mut text = format!(
        "ferrocharge security log\ncreated: {}\noldestTimestamp: {}\nlatestTimestamp: {}\nfiles: {}\nevents left out by time: {}\n",
        Utc::now().to_rfc3339(),
        when(oldest),
        when(latest),
        summary.files.len(),
        summary.skipped_by_time
    );
    for f in &summary.files {
        text.push_str(f);
        text.push('\n');
    }
    text
}

/// Writes `entries` (name, content) as a tar.gz at `out`: a new file of mode 0600, never one
/// written through a link left in its place.
fn write_tar_gz(out: &Path, entries: &[(String, Vec<u8>)]) -> io::Result<()> {
    match std::fs::remove_file(out) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let gz = GzEncoder::new(
        crate::private_files::new_file().open(out)?,
        Compression::default(),
    );
    let mut tar = tar::Builder::new(gz);
    let mtime = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for (name, content) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(mtime);
        header.set_cksum();
        tar.append_data(&mut header, name, content.as_slice())?;
    }
    let mut file = tar.into_inner()?.finish()?;
    file.flush()?;
    file.sync_all()
}

impl System {
    /// The name of the archive a GetLog of `kind` made now uploads; `None` for a SecurityLog
    /// when the station keeps none ([`SystemConfig::security_log_dir`](super::SystemConfig::security_log_dir)).
    pub fn log_file_name(&self, kind: LogKind, now: DateTime<Utc>) -> Option<String> {
        let id = &self.config.charge_point_id;
        match kind {
            LogKind::Diagnostics => Some(diagnostics_file_name(id, now)),
            LogKind::Security => self
                .config
                .security_log_dir
                .as_ref()
                .map(|_| security_log_file_name(id, now)),
        }
    }

    /// Builds the archive `file_name` of `request` and uploads it with retries, reporting
    /// [`LogUploadStatus`]es (Uploading first; AttemptFailed and Uploading again for each
    /// failed attempt that is retried; then Uploaded or the failure). The archive is
    /// removed afterwards either way: the logs it holds are still on disk.
    pub async fn upload_log(
        &self,
        request: LogRequest,
        file_name: &str,
        mut on_status: impl FnMut(LogUploadStatus) + Send,
    ) -> Result<(), DiagnosticsError> {
        on_status(LogUploadStatus::Uploading);
        let mut on_step = |step| {
            on_status(match step {
                RetryStep::AttemptFailed => LogUploadStatus::AttemptFailed,
                RetryStep::NextAttempt => LogUploadStatus::Uploading,
            })
        };
        let upload = Upload {
            location: &request.location,
            retries: self.retries(request.retries, request.retry_interval),
            file_name,
            what: "log upload",
            on_step: &mut on_step,
        };
        let (oldest, latest) = (request.oldest, request.latest);
        let result = match request.kind {
            LogKind::Diagnostics => {
                let sources = self.config.log_paths.clone();
                let own = self.config.own_log_files.clone();
                self.build_and_upload(upload, move |out| {
                    build_archive_keeping(out, &sources, own.as_ref(), oldest, latest)
                })
                .await
            }
            LogKind::Security => {
                let dir = self.config.security_log_dir.clone().unwrap_or_default();
                let own = OwnLogFiles::stems(self.config.own_log_files.as_ref());
                self.build_and_upload(upload, move |out| {
                    build_security_archive(out, &dir, &own, oldest, latest)
                })
                .await
            }
        };
        on_status(match &result {
            Ok(()) => LogUploadStatus::Uploaded,
            Err(e) => LogUploadStatus::of_failure(e),
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, 0, 0).unwrap()
    }

    fn upload_error(last: TransferError) -> DiagnosticsError {
        DiagnosticsError::Upload { attempts: 2, last }
    }

    #[test]
    fn names_the_security_log_archive() {
        assert_eq!(
            security_log_file_name("cp001", at(9)),
            "security-log-cp001-20261124T090000Z.tar.gz"
        );
    }

    #[test]
    fn each_failure_gets_the_status_of_its_cause() {
        let location = || "ftp://host/".to_owned();
        let cases = [
            (
                TransferError::BadLocation {
                    location: location(),
                    problem: "no host".into(),
                },
                LogUploadStatus::BadMessage,
            ),
            (
                TransferError::UnsupportedProtocol {
                    location: location(),
                    protocol: "FILE".into(),
                    supported: "FTP".into(),
                },
                LogUploadStatus::NotSupportedOperation,
            ),
            (
                TransferError::Ftp {
                    location: location(),
                    command: "PASS".into(),
                    reply: "530 Login incorrect.".into(),
                },
                LogUploadStatus::PermissionDenied,
            ),
            (
                TransferError::Ftp {
                    location: location(),
                    command: "STOR".into(),
                    reply: "553 Could not create file.".into(),
                },
                LogUploadStatus::PermissionDenied,
            ),
            (
                TransferError::Ftp {
                    location: location(),
                    command: "EPSV".into(),
                    reply: "502 Not implemented".into(),
                },
                LogUploadStatus::NotSupportedOperation,
            ),
            (
                TransferError::Ftp {
                    location: location(),
                    command: "STOR".into(),
                    reply: "451 Local error".into(),
                },
                LogUploadStatus::UploadFailure,
            ),
            (
                TransferError::HttpStatus {
                    location: location(),
                    status: 403,
                },
                LogUploadStatus::PermissionDenied,
            ),
            (
                TransferError::HttpStatus {
                    location: location(),
                    status: 405,
                },
                LogUploadStatus::NotSupportedOperation,
            ),
            (
                TransferError::HttpStatus {
                    location: location(),
                    status: 500,
                },
                LogUploadStatus::UploadFailure,
            ),
            (
                TransferError::Http {
                    location: location(),
                    message: "invalid HTTP version".into(),
                },
                LogUploadStatus::BadMessage,
            ),
            (
                TransferError::Tls {
                    location: location(),
                    message: "UnknownIssuer".into(),
                },
                LogUploadStatus::PermissionDenied,
            ),
            (
                TransferError::Timeout {
                    location: location(),
                    seconds: 20,
                },
                LogUploadStatus::UploadFailure,
            ),
            (
                TransferError::Network {
                    location: location(),
                    source: io::Error::from(io::ErrorKind::ConnectionRefused),
                },
                LogUploadStatus::UploadFailure,
            ),
        ];
        for (error, status) in cases {
            let shown = error.to_string();
            assert_eq!(
                LogUploadStatus::of_failure(&upload_error(error)),
                status,
                "{shown}"
            );
        }
        let archive = DiagnosticsError::Archive {
            path: std::path::PathBuf::from("/x"),
            source: io::Error::from(io::ErrorKind::StorageFull),
        };
        assert_eq!(
            LogUploadStatus::of_failure(&archive),
            LogUploadStatus::UploadFailure
        );
    }

    #[test]
    fn the_security_archive_holds_the_security_logs_events_of_the_window_only() {
        let dir = tempfile::tempdir().unwrap();
        let event = |h: u32, kind: &str| {
            format!(
                "{{\"timestamp\":\"{}\",\"type\":\"{kind}\"}}\n",
                crate::message_log::timestamp(at(h))
            )
        };
        std::fs::write(
            dir.path().join("2026-11-24T01:00:00.000Z.security.log"),
            event(1, "StartupOfTheDevice") + &event(2, "SettingSystemTime"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("2026-11-24T03:00:00.000Z.security.log"),
            event(3, "ResetOrReboot") + "not json\n" + &event(5, "TamperDetectionActivated"),
        )
        .unwrap();
        std::fs::write(dir.path().join("2026-11-24T03:00:00.000Z.log"), "frames").unwrap();
        // Another station's, in the same folder: not uploaded.
        std::fs::write(
            dir.path().join("2026-11-24T03:30:00.000Z.security.log"),
            event(3, "StartupOfTheDevice"),
        )
        .unwrap();
        let own: OwnStems = ["2026-11-24T01:00:00.000Z", "2026-11-24T03:00:00.000Z"]
            .into_iter()
            .collect();
        let out = dir.path().join("out.tar.gz");
        let summary =
            build_security_archive(&out, dir.path(), &own, Some(at(2)), Some(at(4))).unwrap();
        assert_eq!(summary.skipped_by_time, 2);
        let archive = std::fs::File::open(&out).unwrap();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
        let mut contents = Vec::new();
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            contents.push((name, text));
        }
        let names: Vec<&str> = contents.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "security/2026-11-24T01:00:00.000Z.security.log",
                "security/2026-11-24T03:00:00.000Z.security.log",
                "manifest.txt"
            ]
        );
        assert_eq!(contents[0].1, event(2, "SettingSystemTime"));
        assert_eq!(contents[1].1, event(3, "ResetOrReboot") + "not json\n");
        assert!(contents[2].1.contains("events left out by time: 2\n"));
    }
}
