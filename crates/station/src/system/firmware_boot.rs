//! The record that the next boot runs newly installed firmware, kept under the data dir so
//! that a power cut between the installation and the new firmware's registration does not
//! turn that boot into a plain power-up.
//!
//! Without it the restart's reason lived only in memory: a station that installed an update,
//! restarted while the CSMS was away and then lost power booted as PowerUp, so the CSMS never
//! saw the FirmwareUpdated security event nor, for a SignedUpdateFirmware, its
//! SignedFirmwareStatusNotification Installed. The record is written (and synced) before the
//! station restarts and removed once the new firmware's boot is Accepted by the CSMS, when the
//! core sends both.

use std::io::Write as _;
use std::path::Path;

/// The file under the data dir that holds the record.
pub const FIRMWARE_BOOT_FILE: &str = "firmware_boot";

/// Longest record read back (`signed -2147483648` and a newline fit many times over): a file
/// someone replaced with something large is not read whole.
const MAX_RECORD_LEN: u64 = 64;

/// Records that the station restarts into new firmware, installed by SignedUpdateFirmware
/// `signed_request_id` when it is `Some`. Written to a new file, synced and renamed into place
/// (the folder synced too), so a power cut leaves either no record or a whole one.
pub fn record_firmware_boot(
    data_dir: &Path,
    signed_request_id: Option<i32>,
) -> std::io::Result<()> {
    let target = data_dir.join(FIRMWARE_BOOT_FILE);
    let tmp = data_dir.join(format!("{FIRMWARE_BOOT_FILE}.tmp"));
    let text = match signed_request_id {
        Some(id) => format!("signed {id}\n"),
        None => "unsigned\n".to_owned(),
    };
    std::fs::create_dir_all(data_dir)?;
    // A new file, never written through a link left in its place.
    let _ = std::fs::remove_file(&tmp);
    let mut file = crate::private_files::new_file().open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, &target)?;
    sync_dir(data_dir);
    Ok(())
}

/// The record left by an installation whose new firmware has not registered yet: `None`
/// when there is none, else the SignedUpdateFirmware requestId it holds (`Some(None)` for an
/// unsigned update). A record that cannot be read or makes no sense is reported and counts
/// as an unsigned update: the boot still follows a firmware installation.
pub fn pending_firmware_boot(data_dir: &Path) -> Option<Option<i32>> {
    let path = data_dir.join(FIRMWARE_BOOT_FILE);
    let text = match read_bounded(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "firmware boot record unreadable");
            return Some(None);
        }
    };
    match parse(&text) {
        Some(record) => Some(record),
        None => {
            tracing::warn!(path = %path.display(), "firmware boot record malformed; treated as an unsigned update");
            Some(None)
        }
    }
}

/// Removes the record (the new firmware has registered). A record that cannot be removed is
/// reported: the next boot would then count as a firmware update once more.
pub fn clear_firmware_boot(data_dir: &Path) {
    let path = data_dir.join(FIRMWARE_BOOT_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => sync_dir(data_dir),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot remove the firmware boot record")
        }
    }
}

fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_RECORD_LEN)
        .read_to_string(&mut text)?;
    Ok(text)
}

fn parse(text: &str) -> Option<Option<i32>> {
    let text = text.trim();
    if text == "unsigned" {
        return Some(None);
    }
    let id = text.strip_prefix("signed ")?.trim().parse::<i32>().ok()?;
    Some(Some(id))
}

/// Makes a rename or removal in `dir` durable; a failure only weakens that, so it is logged.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(error) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(dir = %dir.display(), %error, "cannot sync the folder");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(pending_firmware_boot(dir.path()), None);
        record_firmware_boot(dir.path(), Some(42)).unwrap();
        assert_eq!(pending_firmware_boot(dir.path()), Some(Some(42)));
        record_firmware_boot(dir.path(), None).unwrap();
        assert_eq!(pending_firmware_boot(dir.path()), Some(None));
        clear_firmware_boot(dir.path());
        assert_eq!(pending_firmware_boot(dir.path()), None);
        // Clearing twice is fine.
        clear_firmware_boot(dir.path());
    }

    #[test]
    fn a_malformed_record_still_means_a_firmware_boot() {
        let dir = tempfile::tempdir().unwrap();
        for text in ["signed x", "", "signed 99999999999", "junk"] {
            std::fs::write(dir.path().join(FIRMWARE_BOOT_FILE), text).unwrap();
            assert_eq!(pending_firmware_boot(dir.path()), Some(None), "{text:?}");
        }
        std::fs::write(dir.path().join(FIRMWARE_BOOT_FILE), "signed -7\n").unwrap();
        assert_eq!(pending_firmware_boot(dir.path()), Some(Some(-7)));
    }
}
