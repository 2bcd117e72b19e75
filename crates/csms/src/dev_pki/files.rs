//! The PKI's files: written whole or not at all, never over an existing file (a key that is
//! there stays, whatever else happens), private keys readable by their owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::PkiError;

/// The mode of a private key (and of an AuthorizationKey): its owner reads and writes it.
pub(super) const PRIVATE_MODE: u32 = 0o600;
/// The mode of a certificate: anyone may read it.
pub(super) const PUBLIC_MODE: u32 = 0o644;

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub(super) fn make_dir(path: &Path) -> Result<(), PkiError> {
    std::fs::create_dir_all(path).map_err(io(path))
}

pub(super) fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(io(path))
}

/// What the PKI wrote, in order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Written(pub(super) Vec<PathBuf>);

impl Written {
    /// Writes `text` to `path` with `mode` if there is no file there: into a temporary file
    /// beside it (created with `mode`, so a key is never readable by others, not even
    /// half-written), synced, then linked to `path`, which fails rather than replaces when a
    /// file appeared there meanwhile. Returns whether it wrote.
    pub(super) fn create(&mut self, path: &Path, text: &str, mode: u32) -> Result<bool, PkiError> {
        if path.exists() {
            return Ok(false);
        }
        if let Some(parent) = path.parent() {
            make_dir(parent)?;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        // One left by a run of the same process id that died mid-write.
        let _ = std::fs::remove_file(&temporary);
        let written = write_new(&temporary, text, mode)
            .and_then(|()| std::fs::hard_link(&temporary, path).map_err(io(path)));
        let _ = std::fs::remove_file(&temporary);
        written?;
        self.0.push(path.to_path_buf());
        Ok(true)
    }
}

/// A new file at `path` with `mode` holding `text`, synced to disk.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), PkiError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(text.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}
