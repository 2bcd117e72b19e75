//! Reading the security log back: the `<start>.security.log` files of the message log folder
//! (one SecurityEventNotification JSON a line, [`MessageLog::record_security_event`]), for the
//! SecurityLog a GetLog uploads and the last events the control API shows.
//!
//! [`MessageLog::record_security_event`]: super::MessageLog::record_security_event

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use super::own_files::OwnStems;

/// The security log files' suffix.
pub const SECURITY_SUFFIX: &str = ".security.log";

/// How much of the end of a file [`last_security_events`] reads: the last events fit, however
/// long a station flooded with InvalidMessages made the file.
const TAIL_BYTES: u64 = 64 * 1024;

/// One event read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityLogEvent {
    /// Its timestamp as written (RFC 3339).
    pub timestamp: String,
    /// Its type.
    pub kind: String,
    /// Its techInfo.
    pub tech_info: Option<String>,
}

/// The security log files in `dir` that are the station's (`own`, [`super::own_files`]),
/// oldest first: by the start time in their names (`-1`,
/// `-2`, ... after the file of the same millisecond without one), each start's rotated files
/// ([`rotation`](super::rotation)) before its current one. None when `dir` cannot be read.
///
/// The folder is read once: it is shared by every start of the station (and, at libocpp's
/// default MessageLogPath, by every station of the machine), so it may hold thousands of files,
/// and a listing per start found made a start's cost grow with the square of their number.
pub fn security_log_files(dir: &Path, own: &OwnStems) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    // The starts (their stems: those of the files named so), in order: whether the current
    // file is there; and every rotated file's suffix, by stem.
    let mut starts: BTreeMap<(String, u32, String), bool> = BTreeMap::new();
    let mut rotated: HashMap<String, Vec<String>> = HashMap::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !own.owns(&name) {
            continue;
        }
        // `<stem>.security.log` or a rotated `<stem>.security.log.<suffix>`.
        let Some((stem, rest)) = name.split_once(SECURITY_SUFFIX) else {
            continue;
        };
        if let Some(suffix) = rest.strip_prefix('.') {
            rotated
                .entry(stem.to_owned())
                .or_default()
                .push(suffix.to_owned());
        }
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let current = starts.entry(order_key(stem)).or_default();
            *current |= rest.is_empty();
        }
    }
    let mut files = Vec::new();
    for ((_, _, stem), current) in starts {
        let base = dir.join(format!("{stem}{SECURITY_SUFFIX}"));
        let suffixes = rotated.remove(&stem).unwrap_or_default();
        files.extend(super::rotation::in_rotation_order(&base, suffixes));
        if current {
            files.push(base);
        }
    }
    files
}

/// Where a start's stem sorts: `<time>Z`, or `<time>Z-<n>` after it (free_stem's names).
fn order_key(stem: &str) -> (String, u32, String) {
    match stem.rsplit_once("Z-") {
        Some((time, n)) => (
            format!("{time}Z"),
            n.parse().unwrap_or(u32::MAX),
            stem.to_owned(),
        ),
        None => (stem.to_owned(), 0, stem.to_owned()),
    }
}

/// The text of `path`, its last `max_bytes` when longer (from the first whole line in them).
pub fn read_tail(path: &Path, max_bytes: u64) -> io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let skip = len.saturating_sub(max_bytes);
    file.seek(SeekFrom::Start(skip))?;
    let mut bytes = Vec::new();
    file.take(max_bytes).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(if skip > 0 {
        text.split_once('\n')
            .map(|(_, rest)| rest.to_owned())
            .unwrap_or_default()
    } else {
        text
    })
}

/// The event a security log line holds, if it reads as one.
pub fn parse_line(line: &str) -> Option<SecurityLogEvent> {
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    Some(SecurityLogEvent {
        timestamp: value.get("timestamp")?.as_str()?.to_owned(),
        kind: value.get("type")?.as_str()?.to_owned(),
        tech_info: value
            .get("techInfo")
            .and_then(|t| t.as_str())
            .map(str::to_owned),
    })
}

/// The last `max` events of the station's security log in `dir` (its files: `own`), oldest
/// first; lines that do not read
/// as events are skipped, as are files that cannot be read (logged).
pub fn last_security_events(dir: &Path, own: &OwnStems, max: usize) -> Vec<SecurityLogEvent> {
    let mut newest_first = Vec::new();
    for path in security_log_files(dir, own).iter().rev() {
        if newest_first.len() >= max {
            break;
        }
        match read_tail(path, TAIL_BYTES) {
            Ok(text) => newest_first.extend(
                text.lines()
                    .rev()
                    .filter_map(parse_line)
                    .take(max - newest_first.len()),
            ),
            Err(error) => tracing::warn!(file = %path.display(), %error, "security log not read"),
        }
    }
    newest_first.reverse();
    newest_first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(time: &str, kind: &str) -> String {
        format!("{{\"timestamp\":\"{time}\",\"type\":\"{kind}\"}}\n")
    }

    #[test]
    fn one_listing_orders_every_start_and_its_rotated_files() {
        let dir = tempfile::tempdir().unwrap();
        let touch = |name: &str| std::fs::write(dir.path().join(name), "").unwrap();
        // A folder shared with many other stations' frame logs.
        for n in 0..200 {
            touch(&format!(
                "2026-11-24T05:{:02}:{:02}.000Z.html",
                n / 60,
                n % 60
            ));
        }
        // Numbered rotation (highest number oldest) for one start, dated for another.
        for name in [
            "2026-11-24T07:00:00.000Z.security.log.0",
            "2026-11-24T07:00:00.000Z.security.log",
            "2026-11-24T07:00:00.000Z.security.log.2",
            "2026-11-24T07:00:00.000Z.security.log.1",
            "2026-11-24T06:00:00.000Z.security.log.2026-11-24T06-30-00",
            "2026-11-24T06:00:00.000Z.security.log.2026-11-24T06-10-00",
            "2026-11-24T06:00:00.000Z-1.security.log",
            // Only rotated files left of this start: they still count.
            "2026-11-24T05:00:00.000Z.security.log.0",
        ] {
            touch(name);
        }
        // A folder is no start.
        std::fs::create_dir(dir.path().join("2026-11-24T04:00:00.000Z.security.log")).unwrap();
        let own: OwnStems = [
            "2026-11-24T04:00:00.000Z",
            "2026-11-24T05:00:00.000Z",
            "2026-11-24T06:00:00.000Z",
            "2026-11-24T06:00:00.000Z-1",
            "2026-11-24T07:00:00.000Z",
        ]
        .into_iter()
        .collect();
        let names: Vec<String> = security_log_files(dir.path(), &own)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "2026-11-24T05:00:00.000Z.security.log.0",
                "2026-11-24T06:00:00.000Z.security.log.2026-11-24T06-10-00",
                "2026-11-24T06:00:00.000Z.security.log.2026-11-24T06-30-00",
                "2026-11-24T06:00:00.000Z-1.security.log",
                "2026-11-24T07:00:00.000Z.security.log.2",
                "2026-11-24T07:00:00.000Z.security.log.1",
                "2026-11-24T07:00:00.000Z.security.log.0",
                "2026-11-24T07:00:00.000Z.security.log",
            ]
        );
    }

    #[test]
    fn the_last_events_come_from_the_newest_files_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "2026-11-24T06:00:00.000Z.security.log",
            line("2026-11-24T06:00:00.000Z", "StartupOfTheDevice")
                + &line("2026-11-24T06:00:01.000Z", "SettingSystemTime"),
        );
        write(
            "2026-11-24T07:00:00.000Z.security.log",
            line("2026-11-24T07:00:00.000Z", "ResetOrReboot") + "garbage\n",
        );
        write(
            "2026-11-24T07:00:00.000Z-1.security.log",
            "{\"techInfo\":\"lid\",\"timestamp\":\"2026-11-24T07:00:05.000Z\",\"type\":\"TamperDetectionActivated\"}\n".to_owned(),
        );
        write("2026-11-24T08:00:00.000Z.log", "frames".to_owned());
        // A rotated file of the first start: older than its current one.
        write(
            "2026-11-24T06:00:00.000Z.security.log.0",
            line("2026-11-24T05:59:00.000Z", "SecurityLogWasCleared"),
        );
        // Another station's, in the same folder (libocpp's default MessageLogPath), newer.
        write(
            "2026-11-24T09:00:00.000Z.security.log",
            line("2026-11-24T09:00:00.000Z", "StartupOfTheDevice"),
        );
        let own: OwnStems = [
            "2026-11-24T06:00:00.000Z",
            "2026-11-24T07:00:00.000Z",
            "2026-11-24T07:00:00.000Z-1",
            "2026-11-24T08:00:00.000Z",
        ]
        .into_iter()
        .collect();
        let names: Vec<String> = security_log_files(dir.path(), &own)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "2026-11-24T06:00:00.000Z.security.log.0",
                "2026-11-24T06:00:00.000Z.security.log",
                "2026-11-24T07:00:00.000Z.security.log",
                "2026-11-24T07:00:00.000Z-1.security.log"
            ]
        );
        let kinds = |events: Vec<SecurityLogEvent>| -> Vec<String> {
            events.into_iter().map(|e| e.kind).collect()
        };
        assert_eq!(
            kinds(last_security_events(dir.path(), &own, 3)),
            [
                "SettingSystemTime",
                "ResetOrReboot",
                "TamperDetectionActivated"
            ]
        );
        let all = last_security_events(dir.path(), &own, 10);
        assert_eq!(all.len(), 5);
        assert_eq!(all[0].kind, "SecurityLogWasCleared");
        assert_eq!(all[4].tech_info.as_deref(), Some("lid"));
        assert_eq!(last_security_events(&dir.path().join("none"), &own, 10), []);
        assert_eq!(
            last_security_events(dir.path(), &OwnStems::default(), 10),
            [],
            "a station that noted no stem has no earlier events"
        );
    }

    #[test]
    fn a_long_file_is_read_from_a_whole_line_near_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.security.log");
        std::fs::write(&path, "aaaa\nbbbb\ncccc\n").unwrap();
        assert_eq!(read_tail(&path, 7).unwrap(), "cccc\n");
        assert_eq!(read_tail(&path, 100).unwrap(), "aaaa\nbbbb\ncccc\n");
    }
}
