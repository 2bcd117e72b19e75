//! The simulated firmware update: download with retries, then "install", which checks the file,
//! takes the new version from a `.version` file beside it or from its name, and records it
//! where the next boot's BootNotification reads its firmwareVersion.

use std::path::{Path, PathBuf};

use super::error::InstallError;

/// The file under the data dir holding the installed firmware version.
pub const FIRMWARE_VERSION_FILE: &str = "firmware_version";

/// Longest firmwareVersion a BootNotification carries (CiString50Type).
const MAX_VERSION_LEN: usize = 50;

/// The progress of a firmware update, with OCPP 1.6's FirmwareStatus names (and the Security
/// whitepaper's for a signed file). Each update reports, in this order: Downloading, then for
/// each download attempt that fails and is retried DownloadAttemptFailed and Downloading again
/// (as everest-core's System module reports every attempt), then DownloadFailed (the end) or
/// Downloaded, for a signed file then InvalidSignature (the end) or SignatureVerified, then
/// Installing, then Installed or
/// InstallationFailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FirmwareStatus {
    /// The download started.
    Downloading,
    /// The file is here.
    Downloaded,
    /// A download attempt failed; another follows after the retry interval.
    DownloadAttemptFailed,
    /// Every attempt failed (an end state).
    DownloadFailed,
    /// The signed file verifies with its signature.
    SignatureVerified,
    /// The signed file does not verify (an end state; the file is deleted).
    InvalidSignature,
    /// The installation started.
    Installing,
    /// The new version is recorded (an end state; the station reboots into it).
    Installed,
    /// The file could not be installed (an end state).
    InstallationFailed,
}

impl FirmwareStatus {
    /// The OCPP 1.6 FirmwareStatus value.
    pub fn as_str(self) -> &'static str {
        match self {
            FirmwareStatus::Downloading => "Downloading",
            FirmwareStatus::Downloaded => "Downloaded",
            FirmwareStatus::DownloadAttemptFailed | FirmwareStatus::DownloadFailed => {
                "DownloadFailed"
            }
            FirmwareStatus::SignatureVerified => "SignatureVerified",
            FirmwareStatus::InvalidSignature => "InvalidSignature",
            FirmwareStatus::Installing => "Installing",
            FirmwareStatus::Installed => "Installed",
            FirmwareStatus::InstallationFailed => "InstallationFailed",
        }
    }
}

/// The firmware version recorded by the last successful installation under `data_dir`, or
/// `None` when there is none (or it cannot be read: the caller then boots with its built-in
/// version).
pub fn installed_firmware_version(data_dir: &Path) -> Option<String> {
    let path = data_dir.join(FIRMWARE_VERSION_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let v = text.trim();
            (!v.is_empty()).then(|| v.to_owned())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "installed firmware version");
            None
        }
    }
}

/// The version in a firmware file name: the first run of dot-separated numbers (at least two,
/// after the start, `-`, `_` or `v`), with any pre-release or build suffix, less the file's
/// extensions. `ferrocharge-1.2.3.bin` → `1.2.3`, `fw_v2.0-rc.1.tar.gz` → `2.0-rc.1`,
/// `firmware.bin` → `None`.
pub fn version_from_file_name(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut start = None;
    for i in 0..bytes.len() {
        let boundary = i == 0 || matches!(bytes[i - 1], b'-' | b'_' | b'v' | b'V' | b' ');
        if boundary && starts_dotted_number(&name[i..]) {
            start = Some(i);
            break;
        }
    }
    let rest = &name[start?..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
        .unwrap_or(rest.len());
    let mut version = &rest[..end];
    // Strip extensions: trailing `.word` parts without digits (.bin, .tar.gz, .img, .swu).
    while let Some((head, ext)) = version.rsplit_once('.') {
        if !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphabetic()) {
            version = head;
        } else {
            break;
        }
    }
    let version = version.trim_end_matches(['.', '-', '_', '+']);
    starts_dotted_number(version).then(|| version.to_owned())
}

/// Whether `s` starts with `digits.digits`.
fn starts_dotted_number(s: &str) -> bool {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && s.as_bytes().get(digits) == Some(&b'.')
        && s.as_bytes().get(digits + 1).is_some_and(u8::is_ascii_digit)
}

/// The sidecar of `file`: `<file>.version`.
pub fn sidecar_path(file: &Path) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(".version");
    PathBuf::from(p)
}

/// "Installs" the downloaded `file`: checks it is not empty, takes the version from its
/// `.version` sidecar when there is one, else from its name, and records it under `data_dir`
/// (written to a temporary file and renamed, so a power cut leaves the old or the new version,
/// never half of one). Returns the new version.
pub fn install(file: &Path, data_dir: &Path) -> Result<String, InstallError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InstallError::Io { path, source }
    };
    let meta = std::fs::metadata(file).map_err(io(file))?;
    if meta.len() == 0 {
        return Err(InstallError::Empty(file.to_path_buf()));
    }
    let sidecar = sidecar_path(file);
    let from_sidecar = match std::fs::read_to_string(&sidecar) {
        Ok(text) => Some(text.trim().to_owned()).filter(|v| !v.is_empty()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&sidecar)(e)),
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let version = from_sidecar
        .or_else(|| version_from_file_name(&name))
        .ok_or_else(|| InstallError::NoVersion(file.to_path_buf()))?;
    if version.chars().count() > MAX_VERSION_LEN {
        return Err(InstallError::VersionTooLong(version));
    }
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let target = data_dir.join(FIRMWARE_VERSION_FILE);
    let tmp = data_dir.join(format!("{FIRMWARE_VERSION_FILE}.tmp"));
    // A new file, never written through a link left in its place.
    let _ = std::fs::remove_file(&tmp);
    crate::private_files::new_file()
        .open(&tmp)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, format!("{version}\n").as_bytes())?;
            // Synced before the rename: a power cut leaves the old version or the new one,
            // never an empty file (the next BootNotification's firmwareVersion).
            f.sync_all()
        })
        .map_err(io(&tmp))?;
    std::fs::rename(&tmp, &target).map_err(io(&target))?;
    tracing::info!(%version, file = %file.display(), "firmware installed");
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_table() {
        let table = [
            ("ferrocharge-1.2.3.bin", Some("1.2.3")),
            ("ferrocharge-1.2.3", Some("1.2.3")),
            ("fw_v2.0-rc.1.tar.gz", Some("2.0-rc.1")),
            ("v10.4.0+build7.img", Some("10.4.0+build7")),
            ("1.0.swu", Some("1.0")),
            ("station-fw-2024.11.2.raucb", Some("2024.11.2")),
            ("firmware.bin", None),
            ("firmware-7.bin", None),
            ("abc1.2.bin", None),
            ("", None),
        ];
        for (name, want) in table {
            assert_eq!(version_from_file_name(name).as_deref(), want, "{name}");
        }
    }

    #[test]
    fn install_records_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        assert_eq!(installed_firmware_version(&data), None);
        let fw = dir.path().join("ferrocharge-1.2.3.bin");
        std::fs::write(&fw, b"image").unwrap();
        assert_eq!(install(&fw, &data).unwrap(), "1.2.3");
        assert_eq!(installed_firmware_version(&data).as_deref(), Some("1.2.3"));
        // A sidecar wins over the name.
        std::fs::write(sidecar_path(&fw), "2.0.0-sil\n").unwrap();
        assert_eq!(install(&fw, &data).unwrap(), "2.0.0-sil");
        assert_eq!(
            installed_firmware_version(&data).as_deref(),
            Some("2.0.0-sil")
        );
    }

    #[test]
    fn install_refuses_empty_and_unversioned_files() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("ferrocharge-1.0.0.bin");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(
            install(&empty, dir.path()),
            Err(InstallError::Empty(_))
        ));
        let plain = dir.path().join("firmware.bin");
        std::fs::write(&plain, b"x").unwrap();
        assert!(matches!(
            install(&plain, dir.path()),
            Err(InstallError::NoVersion(_))
        ));
        assert_eq!(installed_firmware_version(dir.path()), None);
    }
}
