//! The `html` message log: one self-contained page (inline CSS, no scripts, no external assets)
//! with a table row per message: time, direction, message type, action, message id and the
//! pretty-printed JSON.
//!
//! The page is complete at every moment, not only after a clean stop: each new row is written
//! over the closing tags, which are written again after it (one `write(2)` from the end of the
//! previous row). libocpp instead appends rows and writes the closing tags at shutdown, so its
//! page of a station that crashed or is still running is unterminated; browsers forgive that,
//! but parsers and tests do not, and a page that is well formed only some of the time is a
//! trap. Appending rows after a footer that is "complete at every point" is impossible for
//! HTML (nothing may follow `</html>`), so overwriting the footer is the only way. It costs nothing
//! more than appending: the row and the closing tags go over the old closing tags in one
//! `pwrite(2)` ([`FileSink::write_at`]), with no truncate or seek, since they are always longer
//! than what they replace.
//!
//! The markup is polyglot (well-formed XML as well as HTML5), so a test can check its structure
//! with an XML parser.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::frame::{Direction, FrameInfo, MessageKind};
use super::sink::FileSink;
use super::timestamp;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1d1d1f; }
h1 { font-size: 1.3em; margin: 0 0 0.2em 0; }
p.started { margin: 0 0 1em 0; color: #555; }
table.log { border-collapse: collapse; width: 100%; }
table.log th, table.log td { border: 1px solid #d0d0d0; padding: 6px 8px; vertical-align: top; text-align: left; }
table.log th { background: #2f6f4f; color: white; position: sticky; top: 0; }
tr.ChargePoint { background: #f6f3e6; }
tr.CentralSystem { background: #e8ebf6; }
tr.CALLERROR td.type { color: #a00; font-weight: bold; }
td.action { font-weight: bold; }
td.time { font-family: ui-monospace, monospace; white-space: nowrap; }
td.id { font-family: ui-monospace, monospace; font-size: 0.85em; word-break: break-all; width: 9em; }
td.message { width: 55%; }
pre { margin: 0; font-family: ui-monospace, monospace; font-size: 0.9em; white-space: pre-wrap; }
";

const FOOTER: &str = "</tbody>\n</table>\n</body>\n</html>\n";

/// The html log of one start.
#[derive(Debug)]
pub struct HtmlLog {
    sink: FileSink,
    /// Where the closing tags start: the next row is written here.
    footer_at: u64,
}

impl HtmlLog {
    /// Creates the page at `path` with its header and an empty table.
    pub fn create(path: PathBuf, started: DateTime<Utc>) -> Self {
        let started = escape(&timestamp(started));
        let header = format!(
            "<!DOCTYPE html>\n\
             <html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n\
             <head>\n<meta charset=\"utf-8\"/>\n\
             <title>OCPP message log {started}</title>\n\
             <style>{STYLE}</style>\n</head>\n<body>\n\
             <h1>OCPP message log</h1>\n\
             <p class=\"started\">Station started {started}</p>\n\
             <table class=\"log\">\n\
             <thead><tr><th>Time</th><th>Direction</th><th>Type</th><th>Action</th>\
             <th>Message id</th><th>Message</th></tr></thead>\n<tbody>\n"
        );
        let mut sink = FileSink::create(path);
        sink.write_at(0, &format!("{header}{FOOTER}"));
        HtmlLog {
            sink,
            footer_at: header.len() as u64,
        }
    }

    /// Goes on with the page at `path` (the fixed names of Internal.LogRotation go on across
    /// starts): a page this log wrote ends with its closing tags, and the next row goes over
    /// them. Anything else at `path` (not such a page) is moved aside as a rotation does
    /// (`rotation`, else `<path>.0`, nothing deleted), and a new page begins.
    pub fn continue_or_create(
        path: PathBuf,
        started: DateTime<Utc>,
        rotation: Option<&super::Rotation>,
    ) -> Self {
        let Ok(len) = std::fs::metadata(&path).map(|m| m.len()) else {
            return Self::create(path, started);
        };
        if ends_with_footer(&path, len) {
            return HtmlLog {
                sink: FileSink::reopen(path),
                footer_at: len - FOOTER.len() as u64,
            };
        }
        let aside = rotation.copied().unwrap_or(super::Rotation {
            max_file_size: 0,
            max_file_count: 0,
            date_suffix: false,
        });
        if let Err(error) = super::rotation::rotate(&path, &aside, Utc::now()) {
            tracing::warn!(file = %path.display(), %error, "cannot move the old html log aside");
        }
        Self::create(path, started)
    }

    /// The page's size now.
    pub fn size(&self) -> Option<u64> {
        self.sink.size()
    }

    /// Whether it is still written.
    pub fn is_enabled(&self) -> bool {
        self.sink.is_enabled()
    }

    /// The page's path.
    pub fn path(&self) -> &Path {
        self.sink.path()
    }

    /// Adds the row of one message, `time` as [`timestamp`] writes it, the message pretty
    /// printed.
    pub fn record(&mut self, direction: Direction, time: &str, info: &FrameInfo) {
        self.record_shown(direction, time, info, &info.pretty());
    }

    /// Adds the row of one message showing `shown` as the message (the raw page shows the
    /// frame as it went over the wire).
    pub fn record_shown(
        &mut self,
        direction: Direction,
        time: &str,
        info: &FrameInfo,
        shown: &str,
    ) {
        let mut text = String::with_capacity(shown.len() + 320 + FOOTER.len());
        push_row(&mut text, direction, time, info, shown);
        self.record_rows(text);
    }

    /// Adds `rows` ([`push_row`]'s, one or more) and the closing tags after them, in one write.
    pub fn record_rows(&mut self, mut text: String) {
        let row_len = text.len() as u64;
        text.push_str(FOOTER);
        self.sink.write_at(self.footer_at, &text);
        self.footer_at += row_len;
    }
}

/// Whether the file at `path`, of `len` bytes, ends with [`FOOTER`].
fn ends_with_footer(path: &Path, len: u64) -> bool {
    use std::io::{Read as _, Seek as _, SeekFrom};
    let n = FOOTER.len() as u64;
    if len < n {
        return false;
    }
    let mut tail = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| {
            f.seek(SeekFrom::Start(len - n))?;
            f.take(n).read_to_end(&mut tail)
        })
        .is_ok_and(|_| tail == FOOTER.as_bytes())
}

/// Appends the table row of one message, `shown` as its text, to `out`.
pub fn push_row(out: &mut String, direction: Direction, time: &str, info: &FrameInfo, shown: &str) {
    let origin = direction.origin();
    for part in [
        "<tr class=\"",
        origin,
        " ",
        info.kind.name(),
        "\"><td class=\"time\">",
    ] {
        out.push_str(part);
    }
    escape_into(out, time);
    for part in [
        "</td><td class=\"direction\">",
        origin,
        " → ",
        direction.target(),
        "</td><td class=\"type\">",
    ] {
        out.push_str(part);
    }
    match (&info.kind, &info.error_code) {
        (MessageKind::CallError, Some(code)) => {
            out.push_str("CALLERROR ");
            escape_into(out, code);
        }
        (kind, _) => out.push_str(kind.name()),
    }
    out.push_str("</td><td class=\"action\">");
    escape_into(out, info.action.as_deref().unwrap_or(""));
    out.push_str("</td><td class=\"id\">");
    escape_into(out, info.message_id.as_deref().unwrap_or(""));
    out.push_str("</td><td class=\"message\"><pre>");
    escape_into(out, shown);
    out.push_str("</pre></td></tr>\n");
}

/// Escapes text for an element's content. Quotes stay as they are (nothing from a message goes
/// into an attribute), so the JSON reads as JSON in the file too, not only in a browser.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// [`escape`], appended to `out`.
fn escape_into(out: &mut String, text: &str) {
    // The text between the characters to replace is copied in runs, not a char at a time.
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let (replacement, len) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'\n' | b'\t' => {
                i += 1;
                continue;
            }
            // Control characters other than tab and newline are not allowed in XML; a frame
            // carrying one must not make the page unreadable. C0 and DEL are one byte; the C1
            // controls (U+0080..U+009F) are 0xC2 0x80..0x9F in UTF-8.
            0x00..=0x1f | 0x7f => ("\u{fffd}", 1),
            0xc2 if bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)) => ("\u{fffd}", 2),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[copied..i]);
        out.push_str(replacement);
        i += len;
        copied = i;
    }
    out.push_str(&text[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape(r#"<b a="1">'x' & y</b>"#),
            r#"&lt;b a="1"&gt;'x' &amp; y&lt;/b&gt;"#
        );
        assert_eq!(escape("a\u{0}b\nc"), "a\u{fffd}b\nc");
        // Tab stays; DEL and the C1 controls go; other characters of two bytes or more stay.
        assert_eq!(
            escape("\tä\u{7f}\u{85}\u{9f}\u{a0}€<\u{1f}"),
            "\tä\u{fffd}\u{fffd}\u{fffd}\u{a0}€&lt;\u{fffd}"
        );
    }

    /// A page continued by the next start (LogRotation's fixed names) gets its new rows over
    /// its closing tags: one document, both starts' rows in order.
    #[test]
    fn a_continued_page_stays_one_document() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("libocpp_16.html");
        let mut correlator = super::super::frame::Correlator::default();
        let mut frame = |id: &str| {
            correlator.read(
                Direction::ChargePointToCentralSystem,
                &format!(r#"[2,"{id}","Heartbeat",{{}}]"#),
            )
        };
        let started = Utc::now();
        let mut page = HtmlLog::create(path.clone(), started);
        page.record(Direction::ChargePointToCentralSystem, "t1", &frame("first"));
        drop(page);
        let mut page = HtmlLog::continue_or_create(path.clone(), started, None);
        page.record(
            Direction::ChargePointToCentralSystem,
            "t2",
            &frame("second"),
        );
        drop(page);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("</html>").count(), 1, "{text}");
        assert!(text.ends_with(FOOTER), "{text}");
        let first = text.find("first").unwrap();
        let second = text.find("second").unwrap();
        assert!(
            first < second && second < text.len() - FOOTER.len(),
            "{text}"
        );
    }
}
