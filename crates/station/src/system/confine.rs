//! What a transfer may touch on the station (DESIGN §7a): only the schemes of
//! SupportedFileTransferProtocols, and on disk only the data dir. The CSMS chooses the URL;
//! nothing in it chooses where the station writes: a firmware file gets a plain name of our
//! own making in `<data_dir>/firmware/`, an archive is built in `<data_dir>/diagnostics/`, and
//! a `file://` location (only when FILE is configured) must lead into the data dir, through no
//! `..` and no symbolic link out of it.

use std::path::{Component, Path, PathBuf};

use super::error::TransferError;
use super::location::{Location, Scheme};

/// The longest firmware file name kept; longer names are cut (file systems take 255 bytes,
/// and the `.part` and `.version` files add to it).
const MAX_FILE_NAME: usize = 100;

/// The location's scheme, when `protocols` has it.
pub fn check_protocol(location: &Location, protocols: &[Scheme]) -> Result<(), TransferError> {
    if protocols.contains(&location.scheme) {
        return Ok(());
    }
    let supported: Vec<&str> = protocols.iter().map(|s| s.protocol()).collect();
    Err(TransferError::UnsupportedProtocol {
        location: location.redacted(),
        protocol: location.scheme.protocol().to_owned(),
        supported: if supported.is_empty() {
            "none".to_owned()
        } else {
            supported.join(",")
        },
    })
}

/// `<data_dir>/<name>`, created mode 0700 (with the data dir when it is missing); refused
/// when it is a symbolic link (or anything but a folder), which could lead anywhere.
pub fn private_folder(data_dir: &Path, name: &str) -> Result<PathBuf, TransferError> {
    let dir = data_dir.join(name);
    let file_error = |source| TransferError::File {
        path: dir.clone(),
        source,
    };
    // Checked before it is made private: chmod follows a link.
    match std::fs::symlink_metadata(&dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(TransferError::OutsideDataDir {
                path: dir.clone(),
                data_dir: data_dir.to_path_buf(),
            })
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(file_error(e)),
    }
    crate::private_files::create_dir(&dir).map_err(file_error)?;
    Ok(dir)
}

/// Fails unless `path` is inside `data_dir` once `..` and symbolic links are taken into
/// account: no `..` at all, and the deepest part of it that exists, its links resolved, lies
/// in the data dir (the rest is plain names below it).
pub fn inside_data_dir(data_dir: &Path, path: &Path) -> Result<(), TransferError> {
    let outside = |path: &Path| TransferError::OutsideDataDir {
        path: path.to_path_buf(),
        data_dir: data_dir.to_path_buf(),
    };
    if !path.is_absolute() || path.components().any(|c| c == Component::ParentDir) {
        return Err(outside(path));
    }
    // The data dir is ours to create; not made private here: it is the operator's folder.
    std::fs::create_dir_all(data_dir).map_err(|source| TransferError::File {
        path: data_dir.to_path_buf(),
        source,
    })?;
    let root = std::fs::canonicalize(data_dir).map_err(|source| TransferError::File {
        path: data_dir.to_path_buf(),
        source,
    })?;
    let mut existing = path;
    loop {
        match std::fs::canonicalize(existing) {
            Ok(real) if real.starts_with(&root) => return Ok(()),
            Ok(real) => return Err(outside(&real)),
            Err(_) => existing = existing.parent().ok_or_else(|| outside(path))?,
        }
    }
}

/// A file name for a downloaded firmware from the last segment of its URL: letters, digits,
/// `.`, `-`, `_` and `+` kept (version names need no more), anything else `_`, never starting
/// with `.`, at most [`MAX_FILE_NAME`] characters; `firmware.bin` when nothing is left. Being
/// one plain name, it cannot lead out of the firmware folder.
pub fn firmware_file_name(location: &Location) -> String {
    let name: String = location
        .file_name()
        .chars()
        .take(MAX_FILE_NAME)
        .enumerate()
        .map(|(i, c)| match c {
            '.' if i == 0 => '_',
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') => c,
            _ => '_',
        })
        .collect();
    if name.chars().all(|c| matches!(c, '_' | '.')) {
        "firmware.bin".to_owned()
    } else {
        name
    }
}

/// Whether the transfer error says the request can never work (no retry helps).
pub fn is_permanent(error: &TransferError) -> bool {
    matches!(
        error,
        TransferError::BadLocation { .. }
            | TransferError::UnsupportedProtocol { .. }
            | TransferError::OutsideDataDir { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(url: &str) -> String {
        firmware_file_name(&Location::parse(url).unwrap())
    }

    #[test]
    fn firmware_names_are_one_plain_name() {
        assert_eq!(
            name("http://h/fw/ferrocharge-1.2.3.bin"),
            "ferrocharge-1.2.3.bin"
        );
        assert_eq!(name("http://h/fw/v1.0+b7.img?x=1"), "v1.0+b7.img");
        for url in [
            "http://h/fw/",
            "http://h/..",
            "http://h/%2e%2e",
            "http://h/.",
            "ftp://h/%2F",
        ] {
            assert_eq!(name(url), "firmware.bin", "{url}");
        }
        assert_eq!(
            name("http://h/a%2F..%2F..%2Fetc%2Fpasswd"),
            "a_.._.._etc_passwd"
        );
        assert_eq!(name("http://h/.hidden"), "_hidden");
        assert_eq!(
            name(&format!("http://h/{}", "a".repeat(300))).len(),
            MAX_FILE_NAME
        );
    }

    #[test]
    fn only_the_configured_protocols() {
        let https = [Scheme::Https];
        assert!(check_protocol(&Location::parse("https://h/f").unwrap(), &https).is_ok());
        let e = check_protocol(&Location::parse("ftp://u:pw@h/f").unwrap(), &https)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "'ftp://u:***@h/f': FTP is not among the station's SupportedFileTransferProtocols (HTTPS)"
        );
        let e = check_protocol(&Location::parse("file:///etc/passwd").unwrap(), &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("FILE is not among") && e.ends_with("(none)"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn paths_stay_in_the_data_dir() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        std::fs::create_dir_all(data.join("usb")).unwrap();
        std::fs::create_dir_all(root.path().join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(root.path().join("elsewhere"), data.join("link")).unwrap();
        assert!(inside_data_dir(&data, &data.join("usb/fw.bin")).is_ok());
        assert!(inside_data_dir(&data, &data.join("new/deeper/fw.bin")).is_ok());
        for bad in [
            data.join("../elsewhere/fw.bin"),
            data.join("usb/../../elsewhere"),
            data.join("link/fw.bin"),
            root.path().join("elsewhere/fw.bin"),
            PathBuf::from("/proc/self/environ"),
            PathBuf::from("relative/fw.bin"),
        ] {
            assert!(
                matches!(
                    inside_data_dir(&data, &bad),
                    Err(TransferError::OutsideDataDir { .. })
                ),
                "{}",
                bad.display()
            );
        }
        // A folder of ours replaced by a link is refused, not followed.
        std::os::unix::fs::symlink(root.path().join("elsewhere"), data.join("firmware")).unwrap();
        assert!(matches!(
            private_folder(&data, "firmware"),
            Err(TransferError::OutsideDataDir { .. })
        ));
        let made = private_folder(&data, "diagnostics").unwrap();
        assert_eq!(made, data.join("diagnostics"));
    }
}
