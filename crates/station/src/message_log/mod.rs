//! The OCPP message logs (DESIGN §7): every frame sent and received, in the formats that
//! `Internal.LogMessagesFormat` selects, written to the OCPP module's `MessageLogPath`
//! (default [`DEFAULT_MESSAGE_LOG_PATH`]).
//!
//! The files are named as libocpp's v16 `ChargePointImpl` names them ([`FileOptions`]):
//!
//! - Internal.LogRotation false: each start gets a set of files of its own, named by the start
//!   time in RFC 3339 with milliseconds, e.g. `2026-11-24T07:10:32.123Z.log`, `...Z.html` and
//!   `...Z.security.log` (a `-1`, `-2`, ... is added to the name if a file of that name
//!   exists). They never rotate.
//! - Internal.LogRotation true: the fixed names `libocpp_16.log`, `libocpp_16.html`,
//!   `libocpp_16.security.log` (and the raw files `libocpp_16_raw.log`, `libocpp_16_raw.html`),
//!   which every start goes on writing (an html page is continued: its next row goes over its
//!   closing tags). Before each message (each event for the security file) a file of
//!   LogRotationMaximumFileSize bytes or more is rotated ([`rotation`]: `<file>.0`, `.1`, ...
//!   or with LogRotationDateSuffix `<file>.<UTC time>`, at most LogRotationMaximumFileCount
//!   files); a maximum size of 0 rotates nothing.
//!
//! | format | where | what |
//! |---|---|---|
//! | `log` | `<start>.log` | one line per message: time, direction, type, action, message id, the JSON |
//! | `log` with Internal.LogMessagesRaw | `<start>_raw.log` too | each frame the station sends, as it went over the wire: a line with time, direction, type, action, message id, then the frame, then an empty line (libocpp 1.6 writes only the frames it sends raw: `Websocket::send` is its only caller of `MessageLogging::raw`) |
//! | `html` | `<start>.html` | a page with a table row per message: time, direction, type, action, message id, the JSON pretty printed |
//! | `html` with Internal.LogMessagesRaw | `<start>_raw.html` too | a page with a row per frame the station sends, the frame as it went over the wire |
//! | `console` | `tracing`, target `ocpp_message` | one line per message: direction, type, action |
//! | `console_detailed` | `tracing`, target `ocpp_message` | the same with the JSON |
//! | `security` | `<start>.security.log` | one JSON object per security event (what a SecurityLog upload sends) |
//! | `session_logging` | each session's folder of an EvseManager with `session_logging` ([`crate::session_log`]) | `incomplete-ocpp.html`, renamed `ocpp.html` when the session finishes: the html page of every frame while the session runs (libocpp logs every frame, not only that connector's, to every session under way) |
//! | `callback` | elsewhere | accepted (a valid config value), not written: the control API's event stream is the callback |
//!
//! No format shows a secret, the raw files neither: the values of write-only configuration keys
//! (AuthorizationKey, and any that [`MessageLog::with_secret_keys`] names) become `<redacted>`
//! in every frame before it is written, and [`FrameInfo::text`], what the control API's event stream and recent frames
//! show, is that redacted text too ([`redact`] says how). The files are the station's only,
//! mode 0600 in a folder of mode 0700: the OCPP frames name idTags, transactions and the
//! station's configuration.
//!
//! The html page is well formed at every moment, also while the station runs: each row is
//! written over the closing tags, which follow it again.
//!
//! Logging never stops the station: a file that cannot be created or written is reported once
//! through `tracing` and then left alone; the other formats go on.
//!
//! ```
//! use station::message_log::{Direction, MessageLog};
//! let dir = tempfile::tempdir()?;
//! // Internal.LogMessagesFormat as the OCPP config gives it.
//! let formats: Vec<String> = vec!["log".into(), "html".into(), "security".into()];
//! let started = chrono::Utc::now();
//! let mut log = MessageLog::new(&formats, dir.path(), started)?;
//! let info = log.record(Direction::ChargePointToCentralSystem, chrono::Utc::now(), r#"[2,"1","Heartbeat",{}]"#);
//! assert_eq!(info.action.as_deref(), Some("Heartbeat"));
//! log.record_security_event("StartupOfTheDevice", None, chrono::Utc::now());
//! assert!(log.html_path().is_some_and(|p| p.extension() == Some("html".as_ref())));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod frame;
mod html;
mod json_text;
pub mod own_files;
pub mod redact;
pub mod rotation;
pub mod security_file;
mod sink;

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};

pub use frame::{Direction, FrameInfo, MessageKind};
use html::HtmlLog;
pub use own_files::{OwnFiles, OwnStems};
pub use redact::{SecretKeys, REDACTED};
pub use rotation::{Rotated, Rotation};
use sink::FileSink;

/// The name of every file while Internal.LogRotation is on (libocpp v16's `output_file_name`
/// then).
pub const ROTATING_STEM: &str = "libocpp_16";

/// How the files are named and rotated, and whether raw files are written (the Internal keys
/// LogRotation*, LogMessagesRaw).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// Internal.LogRotation: the files have the fixed names of [`ROTATING_STEM`] and go on
    /// across starts.
    pub log_rotation: bool,
    /// When and how they rotate (with LogRotation and a maximum size only).
    pub rotation: Option<Rotation>,
    /// Internal.LogMessagesRaw: `_raw.log` / `_raw.html` beside `.log` / `.html`.
    pub raw: bool,
}

/// The `session_logging` format's page in a session's folder while the session runs, and once
/// it finished (libocpp's names).
const SESSION_PAGE_INCOMPLETE: &str = "incomplete-ocpp.html";
const SESSION_PAGE: &str = "ocpp.html";

/// The OCPP module's `MessageLogPath` when not given (everest-core's default).
pub const DEFAULT_MESSAGE_LOG_PATH: &str = "/tmp/everest_ocpp_logs";

/// The `tracing` target of the `console` and `console_detailed` formats, so `RUST_LOG` can
/// select them (`RUST_LOG=ocpp_message=info`).
pub const CONSOLE_TARGET: &str = "ocpp_message";

/// A value of `Internal.LogMessagesFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `console`: one line per message through `tracing`.
    Console,
    /// `console_detailed`: one line per message with its JSON through `tracing`.
    ConsoleDetailed,
    /// `log`: the plain text file.
    Log,
    /// `html`: the page.
    Html,
    /// `session_logging`: each session's frames in its session folder as well.
    SessionLogging,
    /// `callback`: messages handed to a callback (not written by [`MessageLog`]).
    Callback,
    /// `security`: the security event file.
    Security,
}

impl Format {
    /// Every format, with its config name.
    pub const ALL: [(&'static str, Format); 7] = [
        ("console", Format::Console),
        ("console_detailed", Format::ConsoleDetailed),
        ("log", Format::Log),
        ("html", Format::Html),
        ("session_logging", Format::SessionLogging),
        ("callback", Format::Callback),
        ("security", Format::Security),
    ];

    /// Its name in `Internal.LogMessagesFormat`.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("")
    }
}

impl FromStr for Format {
    type Err = MessageLogError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, f)| *f)
            .ok_or_else(|| MessageLogError::UnknownFormat(s.to_owned()))
    }
}

/// Why a message log cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageLogError {
    /// A name in `Internal.LogMessagesFormat` that is no format. The OCPP config validator
    /// refuses these already; this guards callers that build the list themselves.
    #[error("Internal.LogMessagesFormat: unknown format '{0}' (known: console, console_detailed, log, html, session_logging, callback, security)")]
    UnknownFormat(String),
}

/// The message logs of one start of the station.
#[derive(Debug)]
pub struct MessageLog {
    correlator: frame::Correlator,
    log: Option<FileSink>,
    html: Option<HtmlLog>,
    security: Option<FileSink>,
    /// The raw files (Internal.LogMessagesRaw).
    log_raw: Option<FileSink>,
    html_raw: Option<HtmlLog>,
    /// How the files rotate (Internal.LogRotation), if they do.
    rotation: Option<Rotation>,
    /// When the station started (an html page begun after a rotation says it).
    started: DateTime<Utc>,
    /// The `session_logging` format is selected.
    session_logging: bool,
    /// The pages of the sessions under way (`session_logging`): their folder, the page.
    session_pages: Vec<(std::path::PathBuf, HtmlLog)>,
    console: Option<Format>,
    /// The stem of the files in the folder, when there are any ([`MessageLog::stem`]).
    stem: Option<String>,
}

impl MessageLog {
    /// Sets up the logs `formats` selects in `dir` (created if missing) for a station started at
    /// `started`. Only an unknown format name is an error: a folder or file that cannot be
    /// created is reported through `tracing` and that log left out.
    pub fn new(
        formats: &[impl AsRef<str>],
        dir: impl AsRef<Path>,
        started: DateTime<Utc>,
    ) -> Result<Self, MessageLogError> {
        Self::with_files(formats, dir, started, FileOptions::default())
    }

    /// As [`MessageLog::new`], with the files named, rotated and doubled by raw ones as
    /// `options` says.
    pub fn with_files(
        formats: &[impl AsRef<str>],
        dir: impl AsRef<Path>,
        started: DateTime<Utc>,
        options: FileOptions,
    ) -> Result<Self, MessageLogError> {
        let formats = formats
            .iter()
            .map(|f| f.as_ref().parse())
            .collect::<Result<Vec<Format>, _>>()?;
        let has = |f: Format| formats.contains(&f);
        let dir = dir.as_ref();
        let wants_files = has(Format::Log) || has(Format::Html) || has(Format::Security);
        if wants_files {
            if let Err(e) = crate::private_files::create_dir(dir) {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot create the message log folder");
            }
        }
        let stem = if options.log_rotation {
            ROTATING_STEM.to_owned()
        } else {
            free_stem(dir, &timestamp(started))
        };
        let file = |suffix: &str| dir.join(format!("{stem}{suffix}"));
        let sink = |suffix: &str| {
            if options.log_rotation {
                let path = file(suffix);
                let sink = FileSink::append(path.clone());
                // As libocpp's MessageLogging at its start: a file already over the size rotates.
                match rotation::rotate_when_due(&path, sink.size(), options.rotation.as_ref()) {
                    Rotated::No => sink,
                    _ => FileSink::create(path),
                }
            } else {
                FileSink::create(file(suffix))
            }
        };
        let page = |suffix: &str| {
            if options.log_rotation {
                HtmlLog::continue_or_create(file(suffix), started, options.rotation.as_ref())
            } else {
                HtmlLog::create(file(suffix), started)
            }
        };
        let log = has(Format::Log).then(|| sink(".log"));
        let html = has(Format::Html).then(|| page(".html"));
        let log_raw = (options.raw && has(Format::Log)).then(|| sink("_raw.log"));
        let html_raw = (options.raw && has(Format::Html)).then(|| page("_raw.html"));
        let security = has(Format::Security).then(|| sink(".security.log"));
        // console_detailed says all that console says; both selected means the detailed one.
        let console = if has(Format::ConsoleDetailed) {
            Some(Format::ConsoleDetailed)
        } else {
            has(Format::Console).then_some(Format::Console)
        };
        let files = [
            log.as_ref().map(FileSink::path),
            html.as_ref().map(HtmlLog::path),
            log_raw.as_ref().map(FileSink::path),
            html_raw.as_ref().map(HtmlLog::path),
            security.as_ref().map(FileSink::path),
        ];
        for path in files.into_iter().flatten() {
            // Debug: `ferrocharge` prints the html log's path in its banner.
            tracing::debug!(file = %path.display(), "logging OCPP messages");
        }
        Ok(MessageLog {
            correlator: frame::Correlator::default(),
            log,
            html,
            security,
            log_raw,
            html_raw,
            rotation: options.rotation,
            started,
            session_logging: has(Format::SessionLogging),
            session_pages: Vec::new(),
            console,
            stem: wants_files.then_some(stem),
        })
    }

    /// The name the files of this log share before their suffixes (`<stem>.log`,
    /// `<stem>.html`, `<stem>.security.log`): the start time, or [`ROTATING_STEM`] under
    /// Internal.LogRotation. None when the log writes no files. The station notes it
    /// ([`OwnFiles`]) so that it reads back and uploads only its own files.
    pub fn stem(&self) -> Option<&str> {
        self.stem.as_deref()
    }

    /// The same log, hiding the values of `keys` (the station's write-only keys, with those
    /// of its custom schema) instead of the embedded schemas' (AuthorizationKey).
    pub fn with_secret_keys(mut self, keys: SecretKeys) -> Self {
        self.correlator = frame::Correlator::new(keys);
        self
    }

    /// A log that writes nothing (`Internal.LogMessages` false).
    pub fn disabled() -> Self {
        MessageLog {
            correlator: frame::Correlator::default(),
            log: None,
            html: None,
            security: None,
            log_raw: None,
            html_raw: None,
            rotation: None,
            started: Utc::now(),
            session_logging: false,
            session_pages: Vec::new(),
            console: None,
            stem: None,
        }
    }

    /// Logs one frame, `text` as it went over the wire, sent in `direction` at `time`, and
    /// returns what was read from it (its secrets replaced: [`FrameInfo::text`]).
    pub fn record(&mut self, direction: Direction, time: DateTime<Utc>, text: &str) -> FrameInfo {
        let (info, time) = self.read(direction, time, text);
        if let Some(log) = &mut self.log {
            rotate_sink(log, self.rotation.as_ref());
            log.write(&log_line(direction, &time, &info));
        }
        if let Some(html) = &mut self.html {
            rotate_page(html, self.rotation.as_ref(), self.started);
            html.record(direction, &time, &info);
        }
        if direction == Direction::ChargePointToCentralSystem {
            self.record_raw(&time, &info);
        }
        for (_, page) in &mut self.session_pages {
            page.record(direction, &time, &info);
        }
        info
    }

    /// What every way of logging a frame does first: reads it (the correlator), formats its
    /// time once for every file, and shows it on the console if asked.
    fn read(
        &mut self,
        direction: Direction,
        time: DateTime<Utc>,
        text: &str,
    ) -> (FrameInfo, String) {
        let info = self.correlator.read(direction, text);
        if let Some(format) = self.console {
            let line = console_line(direction, &info, format == Format::ConsoleDetailed);
            tracing::info!(target: CONSOLE_TARGET, "{line}");
        }
        (info, timestamp(time))
    }

    /// Logs several frames, in order, as [`MessageLog::record`] logs each, but with one write
    /// per file for all of them: the station takes the frames that wait for it together, so
    /// a round trip (a CALL and its answer) costs one write per file, not two. With rotation,
    /// raw files or session pages selected, each frame is written on its own (a rotation is
    /// decided before each message, as libocpp decides it).
    pub fn record_all<'t>(
        &mut self,
        frames: impl IntoIterator<Item = (Direction, DateTime<Utc>, &'t str)>,
    ) -> Vec<FrameInfo> {
        let one_by_one =
            self.rotation.is_some() || self.log_raw.is_some() || self.html_raw.is_some();
        if one_by_one || !self.session_pages.is_empty() {
            return frames
                .into_iter()
                .map(|(direction, time, text)| self.record(direction, time, text))
                .collect();
        }
        let mut lines = String::new();
        let mut rows = String::new();
        let mut infos = Vec::new();
        for (direction, time, text) in frames {
            let (info, time) = self.read(direction, time, text);
            if self.log.is_some() {
                lines.push_str(&log_line(direction, &time, &info));
            }
            if self.html.is_some() {
                html::push_row(&mut rows, direction, &time, &info, &info.pretty());
            }
            infos.push(info);
        }
        if let Some(log) = self.log.as_mut().filter(|_| !lines.is_empty()) {
            log.write(&lines);
        }
        if let Some(html) = self.html.as_mut().filter(|_| !rows.is_empty()) {
            html.record_rows(rows);
        }
        infos
    }

    /// Logs a security event (OCPP Security whitepaper: `kind` such as `StartupOfTheDevice`,
    /// `tech_info` the free text) to the security file, as the JSON of the
    /// SecurityEventNotification it goes with, one per line, like libocpp. The file is rotated
    /// first when it is due ([`rotation`]); [`Rotated::WithDeletion`] says the security log
    /// lost its oldest events (the caller raises SecurityLogWasCleared, as libocpp's status
    /// callback does).
    pub fn record_security_event(
        &mut self,
        kind: &str,
        tech_info: Option<&str>,
        time: DateTime<Utc>,
    ) -> Rotated {
        let Some(security) = &mut self.security else {
            return Rotated::No;
        };
        let rotated = rotate_sink(security, self.rotation.as_ref());
        security.write(&security_line(kind, tech_info, time));
        rotated
    }

    /// With the `session_logging` format, every frame goes to `dir` (an EvseManager's session
    /// folder, [`crate::session_log`]) too, in `incomplete-ocpp.html`, from now until
    /// [`MessageLog::stop_session_log`]: libocpp's `MessageLogging::start_session_logging`, which
    /// the OCPP module calls with the session's logging path.
    pub fn start_session_log(&mut self, dir: &Path, now: DateTime<Utc>) {
        if !self.session_logging {
            return;
        }
        let page = HtmlLog::create(dir.join(SESSION_PAGE_INCOMPLETE), now);
        self.session_pages.push((dir.to_path_buf(), page));
    }

    /// The session of `dir` finished: its page is renamed `ocpp.html` (libocpp's
    /// `stop_session_logging`).
    pub fn stop_session_log(&mut self, dir: &Path) {
        let Some(index) = self.session_pages.iter().position(|(d, _)| d == dir) else {
            return;
        };
        self.session_pages.remove(index);
        let from = dir.join(SESSION_PAGE_INCOMPLETE);
        if let Err(error) = std::fs::rename(&from, dir.join(SESSION_PAGE)) {
            tracing::warn!(file = %from.display(), %error, "session OCPP log: could not rename");
        }
    }

    /// The raw files' entries of a frame the station sent: the frame as it went over the wire
    /// (its secrets replaced), not re-formatted.
    fn record_raw(&mut self, time: &str, info: &FrameInfo) {
        if let Some(log) = &mut self.log_raw {
            rotate_sink(log, self.rotation.as_ref());
            log.write(&raw_log_entry(time, info));
        }
        if let Some(html) = &mut self.html_raw {
            rotate_page(html, self.rotation.as_ref(), self.started);
            html.record_shown(
                Direction::ChargePointToCentralSystem,
                time,
                info,
                &info.text,
            );
        }
    }

    /// The security event file, when the `security` format is selected and the file could be
    /// created (what a GetLog of type SecurityLog uploads).
    pub fn security_log_path(&self) -> Option<&Path> {
        self.security
            .as_ref()
            .filter(|s| s.is_enabled())
            .map(|s| s.path())
    }

    /// The text log file, when selected and still written.
    pub fn log_path(&self) -> Option<&Path> {
        self.log
            .as_ref()
            .filter(|s| s.is_enabled())
            .map(|s| s.path())
    }

    /// The html page, when selected and still written.
    pub fn html_path(&self) -> Option<&Path> {
        self.html
            .as_ref()
            .filter(|h| h.is_enabled())
            .map(HtmlLog::path)
    }
}

/// Rotates `sink`'s file when due and begins a new one: what it did.
fn rotate_sink(sink: &mut FileSink, rotation: Option<&Rotation>) -> Rotated {
    let rotated = rotation::rotate_when_due(sink.path(), sink.size(), rotation);
    if rotated != Rotated::No {
        *sink = FileSink::create(sink.path().to_path_buf());
    }
    rotated
}

/// Rotates `page` when due and begins a new page (the rotated one is complete already).
fn rotate_page(page: &mut HtmlLog, rotation: Option<&Rotation>, started: DateTime<Utc>) {
    if rotation::rotate_when_due(page.path(), page.size(), rotation) != Rotated::No {
        *page = HtmlLog::create(page.path().to_path_buf(), started);
    }
}

/// The raw `log` file's entry: `<time> ChargePoint>CentralSystem <type> <action|-> <id|->`, then
/// the frame as sent, then an empty line (a frame may hold newlines; libocpp's entries have
/// this shape too).
fn raw_log_entry(time: &str, info: &FrameInfo) -> String {
    let direction = Direction::ChargePointToCentralSystem;
    format!(
        "{} {}>{} {} {} {}\n{}\n\n",
        time,
        direction.origin(),
        direction.target(),
        type_label(info),
        info.action.as_deref().unwrap_or("-"),
        info.message_id.as_deref().unwrap_or("-"),
        info.text
    )
}

/// A time as the logs write it: RFC 3339 in UTC with milliseconds (libocpp's form).
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The first of `stem`, `stem-1`, `stem-2`, ... that names no log file in `dir`, so a second
/// start within the same millisecond (tests, a crash loop) never appends to another start's
/// files.
fn free_stem(dir: &Path, stem: &str) -> String {
    let taken = |s: &str| {
        [".log", ".html", ".security.log", "_raw.log", "_raw.html"]
            .iter()
            .any(|suffix| dir.join(format!("{s}{suffix}")).exists())
    };
    let mut candidate = stem.to_owned();
    let mut n = 0u32;
    while taken(&candidate) && n < 1000 {
        n += 1;
        candidate = format!("{stem}-{n}");
    }
    candidate
}

/// The `log` format's line: `<time> <from>><to> <type> <action|-> <id|-> <json>`, `time` as
/// [`timestamp`] writes it.
fn log_line(direction: Direction, time: &str, info: &FrameInfo) -> String {
    let action = info.action.as_deref().unwrap_or("-");
    let id = info.message_id.as_deref().unwrap_or("-");
    let compact = info.compact();
    let mut line = String::with_capacity(time.len() + action.len() + id.len() + compact.len() + 64);
    for part in [time, " ", direction.origin(), ">", direction.target(), " "] {
        line.push_str(part);
    }
    push_type_label(&mut line, info);
    for part in [" ", action, " ", id, " ", &compact, "\n"] {
        line.push_str(part);
    }
    line
}

/// The `console` / `console_detailed` line (without time: `tracing` adds its own).
fn console_line(direction: Direction, info: &FrameInfo, detailed: bool) -> String {
    let mut line = format!(
        "{} → {}: {} {}",
        direction.origin(),
        direction.target(),
        type_label(info),
        info.action.as_deref().unwrap_or("-"),
    );
    if detailed {
        line.push(' ');
        line.push_str(&info.compact());
    }
    line
}

fn type_label(info: &FrameInfo) -> String {
    let mut label = String::new();
    push_type_label(&mut label, info);
    label
}

/// `CALL`, `CALLRESULT`, `CALLERROR(<code>)` or `INVALID`, appended to `out`.
fn push_type_label(out: &mut String, info: &FrameInfo) {
    match (&info.kind, &info.error_code) {
        (MessageKind::CallError, Some(code)) => {
            out.push_str("CALLERROR(");
            out.push_str(code);
            out.push(')');
        }
        (kind, _) => out.push_str(kind.name()),
    }
}

/// The security file's line: `{"techInfo":...,"timestamp":...,"type":...}` (serde_json writes
/// keys sorted, as libocpp's nlohmann::json does).
fn security_line(kind: &str, tech_info: Option<&str>, time: DateTime<Utc>) -> String {
    let mut event = serde_json::Map::new();
    event.insert("type".into(), kind.into());
    if let Some(info) = tech_info {
        event.insert("techInfo".into(), info.into());
    }
    event.insert("timestamp".into(), timestamp(time).into());
    format!("{}\n", serde_json::Value::Object(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_795_503_600_000 + ms).unwrap_or_default()
    }

    #[test]
    fn frames_logged_together_read_as_frames_logged_one_by_one() {
        let started = chrono::DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let at = |ms: i64| started + chrono::Duration::milliseconds(ms);
        let frames = [
            (
                Direction::CentralSystemToChargePoint,
                at(1),
                r#"[2,"a1","GetConfiguration",{"key":["HeartbeatInterval"]}]"#,
            ),
            (
                Direction::ChargePointToCentralSystem,
                at(1),
                r#"[3,"a1",{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"60"}]}]"#,
            ),
            (
                Direction::CentralSystemToChargePoint,
                at(2),
                r#"[2,"a2","ChangeConfiguration",{"key":"AuthorizationKey","value":"0123456789abcdef"}]"#,
            ),
            (Direction::ChargePointToCentralSystem, at(2), "not json"),
        ];
        let formats = ["log", "html"];
        let one_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let all_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut one =
            MessageLog::new(&formats, one_dir.path(), started).unwrap_or_else(|e| panic!("{e}"));
        let mut all =
            MessageLog::new(&formats, all_dir.path(), started).unwrap_or_else(|e| panic!("{e}"));
        let one_infos: Vec<FrameInfo> = frames
            .iter()
            .map(|(d, t, f)| one.record(*d, *t, f))
            .collect();
        let all_infos = all.record_all(frames.iter().copied());
        assert_eq!(one_infos, all_infos);
        assert!(!all_infos[2].text.contains("0123456789abcdef"));
        for (a, b) in [
            (one.log_path(), all.log_path()),
            (one.html_path(), all.html_path()),
        ] {
            let read = |p: Option<&Path>| {
                std::fs::read_to_string(p.unwrap_or(Path::new("-"))).unwrap_or_default()
            };
            let (a, b) = (read(a), read(b));
            assert!(
                a.contains("GetConfiguration") && a.contains("not json"),
                "{a}"
            );
            assert_eq!(a, b);
        }
    }

    #[test]
    fn console_lines_name_direction_type_and_action() {
        let mut c = frame::Correlator::default();
        let call = c.read(
            Direction::ChargePointToCentralSystem,
            r#"[2,"1","Heartbeat",{}]"#,
        );
        assert_eq!(
            console_line(Direction::ChargePointToCentralSystem, &call, false),
            "ChargePoint → CentralSystem: CALL Heartbeat"
        );
        let error = c.read(
            Direction::CentralSystemToChargePoint,
            r#"[4,"1","InternalError","",{}]"#,
        );
        assert_eq!(
            console_line(Direction::CentralSystemToChargePoint, &error, true),
            r#"CentralSystem → ChargePoint: CALLERROR(InternalError) Heartbeat [4,"1","InternalError","",{}]"#
        );
    }

    #[test]
    fn security_lines_are_the_notification_json() {
        assert_eq!(
            security_line("StartupOfTheDevice", Some("boot"), at(5)),
            "{\"techInfo\":\"boot\",\"timestamp\":\"2026-11-24T07:00:00.005Z\",\"type\":\"StartupOfTheDevice\"}\n"
        );
        assert_eq!(
            security_line("ResetOrReboot", None, at(0)),
            "{\"timestamp\":\"2026-11-24T07:00:00.000Z\",\"type\":\"ResetOrReboot\"}\n"
        );
    }

    #[test]
    fn every_format_name_parses_back() {
        for (name, format) in Format::ALL {
            assert_eq!(name.parse::<Format>(), Ok(format));
            assert_eq!(format.name(), name);
        }
    }
}
