//! One log file that can fail without taking the station with it: the first IO error is logged
//! (once, with the file and the cause) and the file is written no more. A station that charges
//! without its message log is better than one that stops because a disk filled up.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An open log file, or one that failed and is disabled.
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    file: Option<File>,
    /// The file's length as written through this sink (it is created empty, and only this
    /// sink writes it), so [`FileSink::write_at`] needs no `fstat` to know where it ends.
    len: u64,
}

impl FileSink {
    /// Creates `path`, mode 0600 (it must not exist yet: every start gets files of its own).
    /// On failure the sink starts disabled.
    pub fn create(path: PathBuf) -> Self {
        let file = match crate::private_files::new_file().open(&path) {
            Ok(file) => Some(file),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot create message log file; this log is disabled");
                None
            }
        };
        FileSink { path, file, len: 0 }
    }

    /// Opens `path` to go on writing at its end, creating it (mode 0600) when missing (the
    /// files of Internal.LogRotation go on across starts). On failure the sink starts disabled.
    pub fn append(path: PathBuf) -> Self {
        Self::open_existing(path, true)
    }

    /// Opens `path` to go on writing it with [`FileSink::write_at`] (the html page, whose
    /// closing tags the next row replaces), creating it (mode 0600) when missing. Not opened
    /// for appending: Linux's `pwrite(2)` ignores the offset of a file opened with
    /// `O_APPEND` and writes at the end, after the closing tags.
    pub fn reopen(path: PathBuf) -> Self {
        Self::open_existing(path, false)
    }

    fn open_existing(path: PathBuf, append: bool) -> Self {
        let mut options = crate::private_files::appended_file();
        if !append {
            options.append(false).write(true);
        }
        let file = match options.open(&path) {
            Ok(file) => Some(file),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot open message log file; this log is disabled");
                None
            }
        };
        // Where the file ends now: write_at needs it, and `len` counts from here.
        let len = file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(0, |m| m.len());
        FileSink { path, file, len }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's size now, while it is written: its size at open plus what this sink wrote
    /// since, without an `fstat` (the rotation asks before every frame). Only this sink writes
    /// the file.
    pub fn size(&self) -> Option<u64> {
        self.file.as_ref().map(|_| self.len)
    }

    /// Whether it is still written.
    pub fn is_enabled(&self) -> bool {
        self.file.is_some()
    }

    /// Appends `text` at the current position.
    pub fn write(&mut self, text: &str) {
        self.with_file(|f| f.write_all(text.as_bytes()));
        self.len += text.len() as u64;
    }

    /// Writes `text` at byte `offset`, so that the file ends with it; the HTML log uses this to
    /// replace its closing tags with the next row and the closing tags again. A file is written
    /// either with this or with [`FileSink::write`], not both (this leaves the position of
    /// `write` where it was).
    ///
    /// When `text` reaches at least to the end of the file (a row and the closing tags over the
    /// closing tags alone always do), this is one `pwrite(2)`: no truncate, no seek, and the
    /// file is never shorter than its closing tags need (a truncate first left it cut short
    /// until the write came). Only a shorter `text` needs the file cut after it.
    pub fn write_at(&mut self, offset: u64, text: &str) {
        let end = offset + text.len() as u64;
        let len = self.len;
        self.with_file(|f| {
            #[cfg(unix)]
            {
                use std::os::unix::fs::FileExt as _;
                f.write_all_at(text.as_bytes(), offset)?;
                if end < len {
                    f.set_len(end)?;
                }
                Ok(())
            }
            #[cfg(not(unix))]
            {
                use std::io::{Seek as _, SeekFrom};
                f.set_len(offset)?;
                f.seek(SeekFrom::Start(offset))?;
                f.write_all(text.as_bytes())
            }
        });
        self.len = end;
    }

    fn with_file(&mut self, op: impl FnOnce(&mut File) -> io::Result<()>) {
        let Some(file) = self.file.as_mut() else {
            return;
        };
        // No buffering and no explicit flush: every write_all is a write(2), so another process
        // (a browser, a log upload) reads complete entries while the station runs.
        if let Err(e) = op(file) {
            tracing::warn!(file = %self.path.display(), error = %e, "cannot write message log file; this log is disabled");
            self.file = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disk that fills up mid-run: the first failed write disables the sink, later writes are
    /// no-ops, nothing panics.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_disables_the_sink() {
        let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            return;
        };
        let mut sink = FileSink {
            path: PathBuf::from("/dev/full"),
            file: Some(full),
            len: 0,
        };
        assert!(sink.is_enabled());
        sink.write("a line\n");
        assert!(!sink.is_enabled());
        sink.write("another\n");
        sink.write_at(0, "more");
        assert!(!sink.is_enabled());
    }

    #[test]
    fn write_at_replaces_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tail.html");
        let mut sink = FileSink::create(path.clone());
        sink.write_at(0, "head</end>");
        sink.write_at(4, "row</end>");
        sink.write_at(7, "row</end>");
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("headrowrow</end>")
        );
        // Shorter than what it replaces: the file ends after it.
        sink.write_at(4, "x");
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some("headx")
        );
    }
}
