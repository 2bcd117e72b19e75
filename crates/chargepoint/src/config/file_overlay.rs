//! The user config in a file ([`FileOverlay`]), the production [`OverlayStore`]: the IO half
//! of the core's user config, which keeps only the trait and the in-memory store.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chargepoint_core::config::{OverlayError, OverlayStore};
use serde_json::Value;

/// A user config file, replaced atomically on every save: the new content goes to a temporary
/// file beside it, is flushed to disk (fsync), renamed over the old file, and the directory is
/// flushed, so a power cut leaves either the old or the new file, never a torn one.
#[derive(Debug, Clone)]
pub struct FileOverlay {
    path: PathBuf,
}

impl FileOverlay {
    /// The user config at `path` (which need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileOverlay { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> OverlayError + '_ {
        move |source| OverlayError::Io {
            path: self.path.clone(),
            action,
            source,
        }
    }

    fn temporary_path(&self) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(format!(".tmp-{}", std::process::id()));
        self.path.with_file_name(name)
    }
}

impl OverlayStore for FileOverlay {
    fn label(&self) -> String {
        self.path.display().to_string()
    }

    fn load(&self) -> Result<Option<Value>, OverlayError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            // No user config yet: nothing has been changed (libocpp insists on the file; we
            // create it with the first change).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("cannot read the file")(e)),
        };
        // Never "no changes": this overlay writes every file whole (and a missing one means
        // none), so an empty one is a file whose content was lost, e.g. by a filesystem that
        // had not flushed it when the power went. `load_with_user_config` moves it aside.
        if text.trim().is_empty() {
            return Err(OverlayError::Json {
                path: self.path.clone(),
                message: "the file is empty".to_string(),
            });
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| OverlayError::Json {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }

    fn save(&mut self, overlay: &Value) -> Result<(), OverlayError> {
        let mut text = serde_json::to_string_pretty(overlay).map_err(|e| OverlayError::Json {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        text.push('\n');
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(self.io("cannot create its folder"))?;
        }
        let tmp = self.temporary_path();
        let written = write_synced(&tmp, text.as_bytes())
            .and_then(|()| fs::rename(&tmp, &self.path))
            .map_err(self.io("cannot write"));
        if written.is_err() {
            // Best effort: the temporary file is useless now; the old user config is intact.
            let _ = fs::remove_file(&tmp);
            return written;
        }
        sync_parent(&self.path).map_err(self.io("cannot flush its folder"))
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    // The user config may hold the AuthorizationKey: readable by its owner only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes the directory entry of the rename, without which the rename itself may be lost.
fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = (path, File::open);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chargepoint_core::config::{
        ChangeContext, Configuration, Document, Registry, DEFAULT_CONFIG,
    };
    use ocpp_types::core::ChangeConfigurationRequest;
    use ocpp_types::core::ConfigurationStatus::{self, Accepted};
    use serde_json::json;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ferrocharge-overlay-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn file_overlay_round_trips_and_leaves_no_temporary_file() {
        let dir = temp_dir("roundtrip");
        let path = dir.join("sub").join("user_config.json");
        let mut store = FileOverlay::new(&path);
        assert_eq!(store.load().unwrap(), None);
        store
            .save(&json!({"Core": {"HeartbeatInterval": 60}}))
            .unwrap();
        store
            .save(&json!({"Core": {"HeartbeatInterval": 30}}))
            .unwrap();
        assert_eq!(
            store.load().unwrap(),
            Some(json!({"Core": {"HeartbeatInterval": 30}}))
        );
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["user_config.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "user config readable by others");
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_torn_write_elsewhere_does_not_touch_the_user_config() {
        // A leftover temporary file (power cut before the rename) is not read.
        let dir = temp_dir("torn");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("user_config.json");
        let mut store = FileOverlay::new(&path);
        store
            .save(&json!({"Core": {"HeartbeatInterval": 60}}))
            .unwrap();
        fs::write(store.temporary_path(), "{\"Core\": {\"Heart").unwrap();
        assert_eq!(
            store.load().unwrap(),
            Some(json!({"Core": {"HeartbeatInterval": 60}}))
        );
        store.save(&json!({})).unwrap();
        assert_eq!(store.load().unwrap(), Some(json!({})));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_and_corrupt_files() {
        let dir = temp_dir("corrupt");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("user_config.json");
        fs::write(&path, "  \n").unwrap();
        let err = FileOverlay::new(&path).load().unwrap_err();
        assert!(err.to_string().contains("the file is empty"), "{err}");
        fs::write(&path, "{oops").unwrap();
        let err = FileOverlay::new(&path).load().unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    fn status(cfg: &mut Configuration, key: &str, value: &str) -> ConfigurationStatus {
        let request = ChangeConfigurationRequest {
            key: key.try_into().unwrap(),
            value: value.try_into().unwrap(),
        };
        let open_gate = |_: u8| Ok(());
        let now = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z").unwrap();
        let context = ChangeContext {
            now: now.with_timezone(&chrono::Utc),
            security_profile: &open_gate,
        };
        cfg.change_configuration(&request, &context).status
    }

    #[test]
    fn changes_survive_a_restart_through_the_file() {
        let dir = std::env::temp_dir().join(format!("ferrocharge-change-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("user_config.json");
        let base = Document::parse("base.json", DEFAULT_CONFIG).unwrap();
        let registry = Registry::embedded().unwrap().clone();
        let mut cfg =
            Configuration::load(registry.clone(), &base, Box::new(FileOverlay::new(&path)))
                .unwrap();
        assert_eq!(status(&mut cfg, "HeartbeatInterval", "60"), Accepted);
        assert_eq!(status(&mut cfg, "LocalAuthListEnabled", "false"), Accepted);
        let stored = FileOverlay::new(&path).load().unwrap().unwrap();
        assert_eq!(
            stored,
            json!({"Core": {"HeartbeatInterval": 60}, "LocalAuthListManagement": {"LocalAuthListEnabled": false}})
        );
        let again =
            Configuration::load(registry, &base, Box::new(FileOverlay::new(&path))).unwrap();
        assert_eq!(again.core().heartbeat_interval, 60);
        assert_eq!(
            again
                .typed()
                .local_auth_list_management
                .as_ref()
                .map(|l| l.local_auth_list_enabled),
            Some(false)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
