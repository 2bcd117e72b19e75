//! The EvseManager's session log (its parameters `session_logging`, `session_logging_path`,
//! `session_logging_xml`, `logfile_suffix`), written as everest-core's
//! `modules/EVSE/EvseManager/SessionLog.cpp` writes it.
//!
//! Each session gets a folder `<session_logging_path>/<start time, RFC 3339>-<suffix>` (the
//! suffix is the session's UUID with `logfile_suffix: session_uuid`, else that parameter's
//! value), with `incomplete-eventlog.csv` and `incomplete-eventlog.html`, renamed
//! `eventlog.csv` and `eventlog.html` when the session finishes (a session cut off by a stop
//! keeps its `incomplete-` names, as in EVerest). Every entry is a line of the csv,
//! `"<time>","<origin>","<message>",""` (the last column is a V2G message's XML, which this
//! simulation has none of), and a row of the page. The origins are EVerest's: `EVSE`, `CAR`,
//! `SYS`.
//!
//! The folder must lie inside `session_logging_path` (EVerest's check): a suffix that is not a
//! plain name (`..`, a `/`) writes no session log, with an error logged. The entries say what
//! the EVSE and the car did, never an identifier or another secret. The files are the
//! station's only (folders 0700, files 0600).

use std::fs::File;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};

/// Who an entry is from (SessionLog's `evse`, `car`, `sys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The charger.
    Evse,
    /// The vehicle.
    Car,
    /// The log itself.
    Sys,
}

impl Origin {
    fn name(self) -> &'static str {
        match self {
            Origin::Evse => "EVSE",
            Origin::Car => "CAR",
            Origin::Sys => "SYS",
        }
    }

    fn target(self) -> &'static str {
        match self {
            Origin::Evse => "CAR",
            Origin::Car => "EVSE",
            Origin::Sys => "",
        }
    }
}

/// The open files of a session.
#[derive(Debug)]
struct Open {
    dir: PathBuf,
    csv: File,
    html: File,
}

/// One EvseManager's session log.
#[derive(Debug)]
pub struct SessionLog {
    root: PathBuf,
    session: Option<Open>,
}

const CSV: &str = "eventlog.csv";
const HTML: &str = "eventlog.html";
const INCOMPLETE: &str = "incomplete-";

impl SessionLog {
    /// A session log writing under `root` (`session_logging_path`, resolved).
    pub fn new(root: PathBuf) -> Self {
        SessionLog {
            root,
            session: None,
        }
    }

    /// The folder of the session under way, if one is logged.
    pub fn session_dir(&self) -> Option<&Path> {
        self.session.as_ref().map(|s| s.dir.as_path())
    }

    /// Starts the log of a session (finishing one still open): its folder, or `None` when
    /// none can be written (the reason is logged).
    pub fn start(&mut self, suffix: &str, now: DateTime<Utc>) -> Option<PathBuf> {
        if self.session.is_some() {
            self.stop(now);
        }
        let name = format!("{}-{suffix}", crate::message_log::timestamp(now));
        let mut parts = Path::new(&name).components();
        if !matches!(
            (parts.next(), parts.next()),
            (Some(Component::Normal(_)), None)
        ) {
            tracing::error!(suffix, root = %self.root.display(),
                "session log: the folder would not be a subfolder of session_logging_path; no session log");
            return None;
        }
        let dir = self.root.join(&name);
        let opened = crate::private_files::create_dir(&dir).and_then(|()| {
            let csv =
                crate::private_files::new_file().open(dir.join(format!("{INCOMPLETE}{CSV}")))?;
            let html =
                crate::private_files::new_file().open(dir.join(format!("{INCOMPLETE}{HTML}")))?;
            Ok((csv, html))
        });
        let (csv, mut html) = match opened {
            Ok(files) => files,
            Err(error) => {
                tracing::error!(dir = %dir.display(), %error, "session log: cannot be written");
                return None;
            }
        };
        let header = format!(
            "<html><head><title>EVerest log session {}</title>\n<style>{STYLE}</style></head><body><table class=\"log\">\n",
            escape(suffix)
        );
        if let Err(error) = html.write_all(header.as_bytes()) {
            tracing::warn!(dir = %dir.display(), %error, "session log: html not written");
        }
        self.session = Some(Open {
            dir: dir.clone(),
            csv,
            html,
        });
        self.entry(Origin::Sys, "Session logging started.", now);
        Some(dir)
    }

    /// Adds an entry to the session under way (nothing without one).
    pub fn entry(&mut self, origin: Origin, message: &str, now: DateTime<Utc>) {
        let Some(session) = &mut self.session else {
            return;
        };
        let time = crate::message_log::timestamp(now);
        let csv = format!(
            "\"{time}\",\"{}\",\"{}\",\"\"\n",
            origin.name(),
            message.replace('"', "\"\"")
        );
        let (evse_message, car_message) = match origin {
            Origin::Car => ("", message),
            Origin::Evse | Origin::Sys => (message, ""),
        };
        let row = format!(
            "<tr class=\"{origin}\"> <td>{time}</td> <td>{origin}&gt;{target}</td> <td><b>{}</b></td><td><b>{}</b></td> <td><pre lang=\"xml\"></pre></td> <td><pre lang=\"xml\"></pre></td> <td><pre lang=\"xml\"></pre></td> </tr>\n",
            escape(evse_message),
            escape(car_message),
            origin = origin.name(),
            target = origin.target(),
        );
        let written = session
            .csv
            .write_all(csv.as_bytes())
            .and_then(|()| session.html.write_all(row.as_bytes()));
        if let Err(error) = written {
            tracing::warn!(dir = %session.dir.display(), %error, "session log: entry not written");
        }
    }

    /// Finishes the session under way: its files get their final names.
    pub fn stop(&mut self, now: DateTime<Utc>) {
        self.entry(Origin::Sys, "Session logging stopped.", now);
        let Some(mut session) = self.session.take() else {
            return;
        };
        if let Err(error) = session.html.write_all(b"</table></body></html>\n") {
            tracing::warn!(dir = %session.dir.display(), %error, "session log: html not closed");
        }
        for name in [CSV, HTML] {
            let from = session.dir.join(format!("{INCOMPLETE}{name}"));
            if let Err(error) = std::fs::rename(&from, session.dir.join(name)) {
                tracing::error!(file = %from.display(), %error, "session log: could not rename");
            }
        }
    }
}

const STYLE: &str = ".log { font-family: Arial, Helvetica, sans-serif; border-collapse: collapse; width: 100%; } \
.log td, .log th { border: 1px solid #ddd; padding: 8px; vertical-align: top; } \
.log tr.CAR{background-color: #E4E6F2;} .log tr.EVSE{background-color: #F2F0E4;} .log tr.SYS{background-color: white;}";

/// Escapes text for the page (EVerest escapes `<` and `>` only; `&` too here, so that the text
/// reads back as written).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_795_503_600_000 + ms).unwrap_or_default()
    }

    #[test]
    fn a_session_writes_its_folder_and_renames_its_files_when_it_finishes() {
        let root = tempfile::tempdir().unwrap();
        let mut log = SessionLog::new(root.path().join("sessions"));
        log.entry(Origin::Evse, "before any session", at(0));
        let dir = log.start("3f2a", at(1)).unwrap();
        assert_eq!(
            dir,
            root.path().join("sessions/2026-11-24T07:00:00.001Z-3f2a")
        );
        log.entry(Origin::Car, "Event CarPluggedIn", at(2));
        log.entry(Origin::Evse, "Say \"hi\" <b>", at(3));
        assert!(dir.join("incomplete-eventlog.csv").is_file());
        log.stop(at(4));
        assert_eq!(log.session_dir(), None);
        let csv = std::fs::read_to_string(dir.join("eventlog.csv")).unwrap();
        assert_eq!(
            csv,
            "\"2026-11-24T07:00:00.001Z\",\"SYS\",\"Session logging started.\",\"\"\n\
             \"2026-11-24T07:00:00.002Z\",\"CAR\",\"Event CarPluggedIn\",\"\"\n\
             \"2026-11-24T07:00:00.003Z\",\"EVSE\",\"Say \"\"hi\"\" <b>\",\"\"\n\
             \"2026-11-24T07:00:00.004Z\",\"SYS\",\"Session logging stopped.\",\"\"\n"
        );
        let html = std::fs::read_to_string(dir.join("eventlog.html")).unwrap();
        assert!(html.starts_with("<html><head><title>EVerest log session 3f2a</title>"));
        assert!(html.contains("<tr class=\"CAR\"> <td>2026-11-24T07:00:00.002Z</td> <td>CAR&gt;EVSE</td> <td><b></b></td><td><b>Event CarPluggedIn</b></td>"));
        assert!(html.contains("<b>Say \"hi\" &lt;b&gt;</b>"));
        assert!(html.ends_with("</table></body></html>\n"));
        assert!(!dir.join("incomplete-eventlog.html").exists());
    }

    #[test]
    fn a_suffix_that_leaves_the_folder_writes_nothing() {
        let root = tempfile::tempdir().unwrap();
        let mut log = SessionLog::new(root.path().to_path_buf());
        assert_eq!(log.start("../../etc", at(0)), None);
        assert_eq!(log.start("a/b", at(0)), None);
        assert_eq!(log.session_dir(), None);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_new_session_finishes_the_one_still_open() {
        let root = tempfile::tempdir().unwrap();
        let mut log = SessionLog::new(root.path().to_path_buf());
        let first = log.start("one", at(0)).unwrap();
        let second = log.start("two", at(5)).unwrap();
        assert!(first.join("eventlog.csv").is_file());
        assert!(second.join("incomplete-eventlog.csv").is_file());
    }
}
