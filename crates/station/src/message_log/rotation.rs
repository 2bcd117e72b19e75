//! Rotation of the message log files, as libocpp's `MessageLogging::rotate_log_if_needed` with
//! `rotate_log` (lib/ocpp/common/ocpp_logging.cpp) does it for every file, with the
//! Internal.LogRotation keys: before a message or an event is written, a file of
//! LogRotationMaximumFileSize bytes or more is renamed `<file>.0` (the rotated ones before it
//! move up, `.0` → `.1`, ...) or, with LogRotationDateSuffix, `<file>.<UTC time>`, and a new
//! file begins; when that makes more than LogRotationMaximumFileCount files, the oldest rotated
//! one is deleted first, and the security log lost events: the security event
//! SecurityLogWasCleared (libocpp's MessageLogging status callback, which raises it on
//! RotatedWithDeletion, for the security file only: the other files lose messages silently, as
//! in libocpp).
//!
//! With Internal.LogRotation the files have libocpp's fixed names (`libocpp_16.log`, ...) and
//! go on across starts; without it each start has files of its own (`<start>.log`, ...), which
//! never rotate (see the module docs of [`MessageLog`](super::MessageLog)). The count is of a
//! file and its rotated ones, as libocpp counts the files of its one base name.

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// The Internal.LogRotation keys, when rotation is on (LogRotation true and a maximum size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// LogRotationMaximumFileSize, bytes (> 0).
    pub max_file_size: u64,
    /// LogRotationMaximumFileCount (0: no file is ever deleted).
    pub max_file_count: u32,
    /// LogRotationDateSuffix.
    pub date_suffix: bool,
}

impl Rotation {
    /// The rotation the keys ask for: none without LogRotation or with a maximum size of 0
    /// (libocpp does nothing then either).
    pub fn from_keys(
        log_rotation: bool,
        max_file_size: u32,
        max_file_count: u32,
        date_suffix: bool,
    ) -> Option<Rotation> {
        (log_rotation && max_file_size > 0).then_some(Rotation {
            max_file_size: u64::from(max_file_size),
            max_file_count,
            date_suffix,
        })
    }
}

/// What a rotation did (libocpp's LogRotationStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotated {
    /// The file was below the size: nothing happened.
    No,
    /// The file was rotated, nothing deleted.
    Yes,
    /// The file was rotated and the oldest rotated file deleted: events were lost.
    WithDeletion,
}

/// The rotated files of `base` (`<base>.<suffix>`), oldest first: numbered ones by falling
/// number, dated ones by rising time.
pub fn rotated_files(base: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (base.parent(), base.file_name()) else {
        return Vec::new();
    };
    let prefix = format!("{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let suffixes = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            Some(file.strip_prefix(&prefix)?.to_owned())
        })
        .collect();
    in_rotation_order(base, suffixes)
}

/// The rotated files `<base>.<suffix>` of `suffixes`, oldest first: dated (no number) before
/// numbered, numbered highest first, dated oldest first.
pub fn in_rotation_order(base: &Path, suffixes: Vec<String>) -> Vec<PathBuf> {
    let mut found: Vec<(Option<u32>, String)> = suffixes
        .into_iter()
        .map(|suffix| (suffix.parse::<u32>().ok(), suffix))
        .collect();
    found.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => y.cmp(&x),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, None) => a.1.cmp(&b.1),
    });
    found
        .into_iter()
        .map(|(_, suffix)| with_suffix(base, &suffix))
        .collect()
}

/// Rotates `base` (its size already reached the maximum); the caller opens a new `base`.
pub fn rotate(base: &Path, rotation: &Rotation, now: DateTime<Utc>) -> io::Result<Rotated> {
    let mut rotated = rotated_files(base);
    let mut status = Rotated::Yes;
    // libocpp counts the base file with the rotated ones and deletes the oldest when they are
    // as many as the maximum already.
    let count = u32::try_from(rotated.len() + 1).unwrap_or(u32::MAX);
    if rotation.max_file_count > 0 && count >= rotation.max_file_count && !rotated.is_empty() {
        let oldest = rotated.remove(0);
        tracing::info!(file = %oldest.display(), "log rotation: removing the oldest file");
        std::fs::remove_file(&oldest)?;
        status = Rotated::WithDeletion;
    }
    if rotation.date_suffix {
        let stamp = now.format("%Y%m%dT%H%M%S%.3fZ");
        std::fs::rename(base, with_suffix(base, &stamp.to_string()))?;
    } else {
        // The highest number first, so that no rename overwrites a file.
        for file in &rotated {
            let number = file
                .extension()
                .and_then(|e| e.to_str())
                .and_then(|e| e.parse::<u32>().ok());
            if let Some(n) = number {
                std::fs::rename(file, with_suffix(base, &(n.saturating_add(1)).to_string()))?;
            }
        }
        std::fs::rename(base, with_suffix(base, "0"))?;
    }
    Ok(status)
}

/// Rotates `base`, whose size is `size`, when `rotation` says it is due: what it did
/// ([`Rotated::No`] when not due, or when the rotation failed, which is logged). The caller
/// starts a new `base` after a rotation.
pub fn rotate_when_due(base: &Path, size: Option<u64>, rotation: Option<&Rotation>) -> Rotated {
    let Some(rotation) = rotation else {
        return Rotated::No;
    };
    if size.is_none_or(|len| len < rotation.max_file_size) {
        return Rotated::No;
    }
    match rotate(base, rotation, Utc::now()) {
        Ok(done) => done,
        Err(error) => {
            tracing::warn!(file = %base.display(), %error, "message log not rotated");
            Rotated::No
        }
    }
}

fn with_suffix(base: &Path, suffix: &str) -> PathBuf {
    let mut name = base.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn numbered_rotation_shifts_the_files_and_deletes_the_oldest_beyond_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("s.security.log");
        let rotation = Rotation::from_keys(true, 10, 3, false).unwrap();
        let now = Utc::now();
        for (n, expected) in [
            (1, Rotated::Yes),
            (2, Rotated::Yes),
            (3, Rotated::WithDeletion),
            (4, Rotated::WithDeletion),
        ] {
            std::fs::write(&base, format!("file {n}")).unwrap();
            assert_eq!(rotate(&base, &rotation, now).unwrap(), expected, "{n}");
        }
        assert_eq!(names(dir.path()), ["s.security.log.0", "s.security.log.1"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("s.security.log.1")).unwrap(),
            "file 3"
        );
        assert_eq!(
            rotated_files(&base)
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            ["s.security.log.1", "s.security.log.0"]
        );
    }

    #[test]
    fn without_a_size_or_without_log_rotation_nothing_rotates() {
        assert_eq!(Rotation::from_keys(false, 10, 3, false), None);
        assert_eq!(Rotation::from_keys(true, 0, 3, false), None);
    }

    #[test]
    fn dated_rotation_names_the_file_by_the_time_and_keeps_every_one_without_a_count() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("s.security.log");
        let rotation = Rotation::from_keys(true, 10, 0, true).unwrap();
        std::fs::write(&base, "x").unwrap();
        let at = DateTime::from_timestamp_millis(1_795_503_600_123).unwrap();
        assert_eq!(rotate(&base, &rotation, at).unwrap(), Rotated::Yes);
        assert_eq!(names(dir.path()), ["s.security.log.20261124T070000.123Z"]);
    }
}
