//! Diagnostics: a tar.gz of the station's log files (tar.gz rather than zip: the `tar` and
//! `flate2` crates are small and pure Rust, where `zip` brings several compressors), named
//! `diagnostics-<chargepointid>-<UTC time>.tar.gz`, uploaded with retries.

use std::fs::File;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use flate2::write::GzEncoder;
use flate2::Compression;

use super::OwnLogFiles;

/// How deep folders given as log sources are walked (the message log folder is flat; this
/// bounds a mistaken `/`).
const MAX_DEPTH: usize = 8;

/// The progress of a diagnostics upload, with OCPP 1.6's DiagnosticsStatus names. Each upload
/// reports Uploading, then for each attempt that fails and is retried AttemptFailed and
/// Uploading again (as everest-core's System module reports every attempt), then Uploaded or
/// UploadFailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UploadStatus {
    /// The archive is being built and sent.
    Uploading,
    /// The server has the file (an end state).
    Uploaded,
    /// An attempt failed; another follows after the retry interval (UploadFailed on the wire).
    AttemptFailed,
    /// Every attempt failed, or the archive could not be built (an end state).
    UploadFailed,
}

impl UploadStatus {
    /// The OCPP 1.6 DiagnosticsStatus value.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadStatus::Uploading => "Uploading",
            UploadStatus::Uploaded => "Uploaded",
            UploadStatus::AttemptFailed | UploadStatus::UploadFailed => "UploadFailed",
        }
    }
}

/// The archive's file name: `diagnostics-<chargepointid>-<YYYYMMDDTHHMMSSZ>.tar.gz`.
/// everest-core names its file `diagnostics-<RFC 3339 time>`; we add the charge point id
/// (one CSMS folder collects many stations' files) and use the basic ISO 8601 form, because
/// RFC 3339's colons are not allowed in file names on every FTP server.
/// Characters of the id other than letters, digits, `.`, `-` and `_` become `_`.
pub fn diagnostics_file_name(charge_point_id: &str, now: DateTime<Utc>) -> String {
    let id: String = charge_point_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("diagnostics-{id}-{}.tar.gz", now.format("%Y%m%dT%H%M%SZ"))
}

/// What went into an archive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArchiveSummary {
    /// The archive paths of the log files included.
    pub files: Vec<String>,
    /// Files left out by the time window.
    pub skipped_by_time: usize,
}

/// Writes a tar.gz at `out` (a new file, mode 0600) holding the log files under `sources`
/// (files, or folders walked recursively for their `.log` and `.html` files; a folder's files
/// go under its name, a file at the top), plus `manifest.txt`
/// naming what was included. With `start`/`stop`, a file is left out when it was last written
/// before `start` or created after `stop` (when the file system does not know the creation
/// time, only `start` filters: better one file too many than a missing one). Unreadable
/// sources are logged and skipped; the archive is always written.
pub fn build_archive(
    out: &Path,
    sources: &[PathBuf],
    start: Option<DateTime<Utc>>,
    stop: Option<DateTime<Utc>>,
) -> io::Result<ArchiveSummary> {
    build_archive_keeping(out, sources, None, start, stop)
}

/// [`build_archive`], with only this station's files of the message log folder `own.dir`
/// (the files of the stems in `own.list`: other stations may write to the same folder,
/// [`crate::message_log::own_files`]). Files of other folders are all kept.
pub fn build_archive_keeping(
    out: &Path,
    sources: &[PathBuf],
    own: Option<&OwnLogFiles>,
    start: Option<DateTime<Utc>>,
    stop: Option<DateTime<Utc>>,
) -> io::Result<ArchiveSummary> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for source in sources {
        match std::fs::symlink_metadata(source) {
            Ok(m) if m.is_dir() => {
                let top = source
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "logs".into());
                walk(source, &top, 0, &mut files);
            }
            Ok(m) if m.is_file() => {
                let name = source
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "log".into());
                files.push((source.clone(), name));
            }
            Ok(_) => tracing::debug!(path = %source.display(), "diagnostics: not a file or folder"),
            Err(error) => {
                tracing::warn!(path = %source.display(), %error, "diagnostics: log source");
            }
        }
    }
    if let Some(own) = own {
        let stems = OwnLogFiles::stems(Some(own));
        files.retain(|(path, _)| {
            path.parent() != Some(own.dir.as_path())
                || path
                    .file_name()
                    .is_some_and(|name| stems.owns(&name.to_string_lossy()))
        });
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));

    let mut summary = ArchiveSummary::default();
    // Mode 0600: the archive holds the message logs. A new file, never written through a
    // link left in its place.
    match std::fs::remove_file(out) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let gz = GzEncoder::new(
        crate::private_files::new_file().open(out)?,
        Compression::default(),
    );
    let mut tar = tar::Builder::new(gz);
    // Do not follow symlinks inside the log folders into the rest of the file system.
    tar.follow_symlinks(false);
    for (path, name) in files {
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "diagnostics: skipped");
                continue;
            }
        };
        if !in_window(&meta, start, stop) {
            summary.skipped_by_time += 1;
            continue;
        }
        // The station keeps writing its message log while the archive is built (the
        // GetDiagnostics answer, the Uploading notification): read what is there now and
        // write an entry of exactly that size, so a growing file neither fails its entry nor
        // corrupts the archive.
        let mut content = Vec::new();
        if let Err(error) =
            File::open(&path).and_then(|f| f.take(meta.len()).read_to_end(&mut content).map(|_| ()))
        {
            tracing::warn!(path = %path.display(), %error, "diagnostics: skipped");
            continue;
        }
        let mut header = tar::Header::new_gnu();
        header.set_metadata(&meta);
        header.set_size(content.len() as u64);
        header.set_cksum();
        tar.append_data(&mut header, &name, content.as_slice())?;
        summary.files.push(name);
    }
    let manifest = manifest(&summary, start, stop);
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    );
    header.set_cksum();
    tar.append_data(&mut header, "manifest.txt", manifest.as_bytes())?;
    let mut file = tar.into_inner()?.finish()?;
    file.flush()?;
    file.sync_all()?;
    Ok(summary)
}

fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<(PathBuf, String)>) {
    if depth > MAX_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => {
            tracing::warn!(path = %dir.display(), %error, "diagnostics: log folder");
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let archive_name = format!("{prefix}/{name}");
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, &archive_name, depth + 1, out),
            Ok(t) if t.is_file() && is_log(&name) => out.push((path, archive_name)),
            _ => {}
        }
    }
}

/// Whether a file found in a log folder is a log: the message logs' `.log` and `.html`
/// (`.security.log` among them). A MessageLogPath set to the data dir must not pack the user
/// config (AuthorizationKey), the databases or the certificate store's private keys.
fn is_log(name: &str) -> bool {
    [".log", ".html"].iter().any(|ext| name.ends_with(ext))
}

fn in_window(
    meta: &std::fs::Metadata,
    start: Option<DateTime<Utc>>,
    stop: Option<DateTime<Utc>>,
) -> bool {
    if let (Some(start), Ok(modified)) = (start, meta.modified()) {
        if DateTime::<Utc>::from(modified) < start {
            return false;
        }
    }
    if let (Some(stop), Ok(created)) = (stop, meta.created()) {
        if DateTime::<Utc>::from(created) > stop {
            return false;
        }
    }
    true
}

fn manifest(
    summary: &ArchiveSummary,
    start: Option<DateTime<Utc>>,
    stop: Option<DateTime<Utc>>,
) -> String {
    let when = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_else(|| "-".into());
    let mut text = format!(
        "ferrocharge diagnostics\ncreated: {}\nstartTime: {}\nstopTime: {}\nfiles: {}\nleft out by time: {}\n",
        Utc::now().to_rfc3339(),
        when(start),
        when(stop),
        summary.files.len(),
        summary.skipped_by_time
    );
    for f in &summary.files {
        text.push_str(f);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn names_the_file() {
        let t = Utc.with_ymd_and_hms(2026, 11, 24, 9, 5, 7).unwrap();
        assert_eq!(
            diagnostics_file_name("cp001", t),
            "diagnostics-cp001-20261124T090507Z.tar.gz"
        );
        assert_eq!(
            diagnostics_file_name("a/b c", t),
            "diagnostics-a_b_c-20261124T090507Z.tar.gz"
        );
    }
}
