//! Where the user config lives: the JSON merge patch that receives every change the central
//! system or the station makes, behind a small trait so the sans-IO core keeps it in memory in
//! unit tests and in an atomically replaced file in production (the chargepoint crate's
//! `FileOverlay`: files are IO, which this crate does not do).

use std::path::PathBuf;

use serde_json::Value;

/// A user config that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    /// Reading or writing the file failed.
    #[error("{path}: {action}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done ("cannot read the file", "cannot write ...").
        action: &'static str,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{path}: not valid JSON: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// serde_json's description.
        message: String,
    },
}

/// Persistence of the user config. `save` must be durable when it returns: the change it
/// records is acted upon only afterwards.
pub trait OverlayStore: Send {
    /// The name used in messages (the file path).
    fn label(&self) -> String;
    /// The stored overlay; `None` when nothing has been stored yet.
    fn load(&self) -> Result<Option<Value>, OverlayError>;
    /// Replaces the stored overlay.
    fn save(&mut self, overlay: &Value) -> Result<(), OverlayError>;
}

/// A user config held in memory, for tests and for stations without a writable disk.
#[derive(Debug, Clone, Default)]
pub struct MemoryOverlay {
    /// The overlay as last saved.
    pub value: Option<Value>,
    /// How many times it was saved.
    pub saves: usize,
    /// Make every save fail (to test that a change that cannot be stored is not applied).
    pub fail_saves: bool,
}

impl MemoryOverlay {
    /// An overlay store holding `value`.
    pub fn with(value: Value) -> Self {
        MemoryOverlay {
            value: Some(value),
            ..MemoryOverlay::default()
        }
    }
}

impl OverlayStore for MemoryOverlay {
    fn label(&self) -> String {
        "user config (in memory)".to_string()
    }

    fn load(&self) -> Result<Option<Value>, OverlayError> {
        Ok(self.value.clone())
    }

    fn save(&mut self, overlay: &Value) -> Result<(), OverlayError> {
        if self.fail_saves {
            return Err(OverlayError::Io {
                path: PathBuf::from("memory"),
                action: "cannot write",
                source: std::io::Error::other("saving is switched off"),
            });
        }
        self.value = Some(overlay.clone());
        self.saves += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn memory_overlay_counts_and_can_fail() {
        let mut m = MemoryOverlay::default();
        m.save(&json!({"a": 1})).unwrap();
        assert_eq!(m.saves, 1);
        m.fail_saves = true;
        assert!(m.save(&json!({})).is_err());
        assert_eq!(m.load().unwrap(), Some(json!({"a": 1})));
    }
}
