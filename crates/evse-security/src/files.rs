//! Writing the store's files so that a power loss leaves either the old file or the new one,
//! never a mix or an empty file: the content goes to a temporary file beside it, is synced,
//! and is renamed over the old one; the directory is synced so that the rename lasts.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

use crate::error::StoreError;

/// Mode of certificate files: anyone may read a certificate.
pub const CERTIFICATE_MODE: u32 = 0o644;
/// Mode of private key files: the owner only.
pub const PRIVATE_KEY_MODE: u32 = 0o600;

/// Numbers the temporary files of this process, so that two writes never share one.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// The temporary file `path` is written to before it is renamed: hidden, in the same
/// directory (a rename within one file system is atomic), not ending in `.pem` or `.key`, so
/// that a left-over one (a crash between write and rename) is never read as part of the store.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()))
}

/// Writes `contents` to `path` atomically with permissions `mode` (applied as the file is
/// created, so a private key is never readable by others, not even for a moment), creating
/// its directory when needed.
pub fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> Result<(), StoreError> {
    let write_error = |source: io::Error| StoreError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(write_error)?;
    let temp = temp_path(path);
    let written = write_new(&temp, contents, mode).and_then(|()| fs::rename(&temp, path));
    if let Err(e) = written {
        // Best effort: the temporary file is ours and worthless now.
        let _ = fs::remove_file(&temp);
        return Err(write_error(e));
    }
    sync_dir(dir).map_err(write_error)
}

fn write_new(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Deletes `path` (a file that is not there is deleted already) and syncs its directory.
pub fn remove(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(StoreError::Write {
                path: path.to_owned(),
                source,
            })
        }
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            sync_dir(dir).map_err(|source| StoreError::Write {
                path: path.to_owned(),
                source,
            })
        }
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca").join("csms").join("CSMS_ROOT_CA.pem");
        write_atomically(&path, b"first", CERTIFICATE_MODE).unwrap();
        write_atomically(&path, b"second", CERTIFICATE_MODE).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(names(path.parent().unwrap()), vec!["CSMS_ROOT_CA.pem"]);
        assert_eq!(mode(&path), 0o644);
    }

    #[test]
    fn a_private_key_is_created_for_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("CSMS_LEAF.key");
        write_atomically(&path, b"key", PRIVATE_KEY_MODE).unwrap();
        assert_eq!(mode(&path), 0o600);
        // A key rewritten over a readable file is the owner's only too: the new file replaces
        // the old one, with the old one's permissions gone.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&path, b"key 2", PRIVATE_KEY_MODE).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.pem");
        fs::write(&path, b"old").unwrap();
        // The target is a directory: the rename fails after the temporary file was written.
        let target = dir.path().join("a_directory");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("inside"), b"x").unwrap();
        let e = write_atomically(&target, b"new", CERTIFICATE_MODE).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("cannot write {}: ", target.display())),
            "{e}"
        );
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), vec!["a_directory", "bundle.pem"]);
    }

    #[test]
    fn removing_a_missing_file_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone.pem");
        remove(&path).unwrap();
        fs::write(&path, b"x").unwrap();
        remove(&path).unwrap();
        assert!(!path.exists());
    }
}
