//! Which files of a message log folder are this station's.
//!
//! libocpp's default MessageLogPath, `/tmp/everest_ocpp_logs`, is one folder for every station
//! of a machine, and the files in it are named by their start time alone (`<stem>.log`,
//! `<stem>.html`, `<stem>.security.log`, ...), so the folder does not say whose a file is. A
//! station that read the folder back showed another station's security events in its state,
//! and uploaded another station's message logs and security log to its own CSMS (GetLog,
//! GetDiagnostics).
//!
//! So each station notes the stem of every set of files it starts in its own data dir
//! ([`OwnFiles::record`], one stem a line in [`FILE_NAME`]), and what it reads back or uploads
//! from the message log folder is only the files of those stems ([`OwnStems::owns`]). Files
//! from before a station kept the list are nobody's: a station upgraded in place no longer
//! uploads the logs of its earlier versions (they stay in the folder). Under
//! Internal.LogRotation every station's files have the same fixed names; stations that share
//! the folder then share the files too, as with libocpp.

use std::collections::BTreeSet;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// The list's file name in the station's data dir.
pub const FILE_NAME: &str = "message-log-stems";

/// The list of a station's message log stems, in its data dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnFiles {
    path: PathBuf,
}

impl OwnFiles {
    /// The list of the station whose data dir is `data_dir`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        OwnFiles {
            path: data_dir.join(FILE_NAME),
        }
    }

    /// The stems noted so far; none when the list is missing or cannot be read (logged).
    pub fn stems(&self) -> OwnStems {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => OwnStems::default(),
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "the message log list");
                OwnStems::default()
            }
        }
    }

    /// Notes `stem` (once: a stem noted before is not added again). The data dir is made when
    /// it is missing (a station whose databases are elsewhere may have written nothing there
    /// yet).
    pub fn record(&self, stem: &str) -> io::Result<()> {
        if self.stems().0.is_some_and(|stems| stems.contains(stem)) {
            return Ok(());
        }
        let open = || crate::private_files::appended_file().open(&self.path);
        let mut file = match open() {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(dir) = self.path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                open()?
            }
            opened => opened?,
        };
        file.write_all(format!("{stem}\n").as_bytes())?;
        file.sync_data()
    }
}

/// A station's message log stems, read once for one look at the folder. The default owns
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnStems(Option<BTreeSet<String>>);

impl Default for OwnStems {
    fn default() -> Self {
        OwnStems(Some(BTreeSet::new()))
    }
}

impl OwnStems {
    /// Every file: for a folder no other station writes to (the System module on its own,
    /// without a station that keeps the list).
    pub fn all() -> Self {
        OwnStems(None)
    }

    /// Whether `file_name` (a name in the message log folder) is one of the station's files:
    /// a noted stem followed by `.` or `_` (`<stem>.log`, `<stem>_raw.html`,
    /// `<stem>.security.log.1`, ...). `<stem>-1.log`, the files of another start in the same
    /// millisecond, is not `<stem>`'s.
    pub fn owns(&self, file_name: &str) -> bool {
        let Some(stems) = &self.0 else {
            return true;
        };
        stems.iter().any(|stem| {
            file_name
                .strip_prefix(stem.as_str())
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('_'))
        })
    }
}

impl<S: Into<String>> FromIterator<S> for OwnStems {
    fn from_iter<I: IntoIterator<Item = S>>(stems: I) -> Self {
        OwnStems(Some(stems.into_iter().map(Into::into).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stem_is_noted_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let own = OwnFiles::in_data_dir(dir.path());
        assert_eq!(
            own.stems(),
            OwnStems::default(),
            "no list yet: nothing is owned"
        );
        own.record("2026-12-07T06:00:00.000Z").unwrap();
        own.record("libocpp_16").unwrap();
        own.record("2026-12-07T06:00:00.000Z").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            "2026-12-07T06:00:00.000Z\nlibocpp_16\n"
        );
        assert_eq!(
            own.stems(),
            ["2026-12-07T06:00:00.000Z", "libocpp_16"]
                .into_iter()
                .collect::<OwnStems>()
        );
    }

    #[test]
    fn a_missing_data_dir_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let own = OwnFiles::in_data_dir(&dir.path().join("data"));
        own.record("libocpp_16").unwrap();
        assert_eq!(
            own.stems(),
            ["libocpp_16"].into_iter().collect::<OwnStems>()
        );
    }

    #[test]
    fn a_file_is_owned_by_its_exact_stem_only() {
        let stems: OwnStems = ["2026-12-07T06:00:00.000Z", "libocpp_16"]
            .into_iter()
            .collect();
        for owned in [
            "2026-12-07T06:00:00.000Z.log",
            "2026-12-07T06:00:00.000Z.html",
            "2026-12-07T06:00:00.000Z_raw.log",
            "2026-12-07T06:00:00.000Z.security.log",
            "2026-12-07T06:00:00.000Z.security.log.2",
            "libocpp_16.security.log.0",
        ] {
            assert!(stems.owns(owned), "{owned}");
        }
        for foreign in [
            "2026-12-07T06:00:00.000Z-1.log",
            "2026-12-07T06:00:00.000Z-1.security.log",
            "2026-12-07T06:00:01.000Z.security.log",
            "2026-12-07T06:00:00.000Z",
            "libocpp_16x.log",
            "notes.txt",
        ] {
            assert!(!stems.owns(foreign), "{foreign}");
            assert!(OwnStems::all().owns(foreign), "{foreign}");
        }
    }
}
