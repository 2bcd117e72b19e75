//! Files and folders only the station's own user may read (DESIGN §7a): message logs and
//! diagnostics archives hold what the OCPP frames say (idTags, transactions, the station's
//! configuration), and downloaded firmware is what the station will run. Files are made mode
//! 0600 and folders 0700 when they are created (never readable for a moment in between); on
//! systems without Unix modes they get the defaults.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;

/// The mode of a private file.
pub const FILE_MODE: u32 = 0o600;
/// The mode of a private folder.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` and the folders above it that are missing, new ones mode 0700, and makes
/// `dir` itself 0700 when it was there already (a folder made by an older version, or by
/// hand, before the station held secrets in it).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        builder.mode(DIR_MODE);
        builder.create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != DIR_MODE {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    builder.create(dir)
}

/// Options that create a new file, mode 0600, for writing: an existing file (or a link in its
/// place, which is not followed) is an error.
pub fn new_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(FILE_MODE);
    }
    options
}

/// Options that open a file for appending, creating it (mode 0600) when missing: a log that
/// goes on across starts (the message logs under Internal.LogRotation).
pub fn appended_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(FILE_MODE);
    }
    options
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    /// The permission bits; 0 when there is no such file.
    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path).map_or(0, |m| m.permissions().mode() & 0o777)
    }

    #[test]
    fn folders_and_files_are_the_owners_only() {
        let root = tempfile::tempdir().unwrap();
        let deep = root.path().join("a/b");
        create_dir(&deep).unwrap();
        assert_eq!((mode(&root.path().join("a")), mode(&deep)), (0o700, 0o700));
        // An existing folder is made private too.
        let open = root.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir(&open).unwrap();
        assert_eq!(mode(&open), 0o700);

        let file = deep.join("f");
        new_file().open(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert!(new_file().open(&file).is_err(), "never reopened");
        // A link planted where the file goes is not followed.
        let target = root.path().join("target");
        let link = deep.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(new_file().open(&link).is_err());
        assert!(!target.exists());
    }
}
