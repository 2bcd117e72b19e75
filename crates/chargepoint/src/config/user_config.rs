//! The running configuration loaded from the base config and the user config file, checked
//! first: a user config that is empty, not JSON, not an object of sections or holds a value
//! that fails validation is moved aside (kept, renamed `<name>.corrupt-<UTC time>`), reported
//! loudly, and the station starts on the base config alone: never a silent reset of the changes
//! the CSMS made, and never a station that refuses to start over its own user config.
//!
//! The whole file goes, not just its bad keys: the keys of a user config depend on each other
//! (SecurityProfile and AuthorizationKey, the meter keys and their sample intervals), so keeping
//! some of a damaged set could leave a configuration nobody chose, while the base config is one
//! an installer did (docs/store-recovery.md).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{ConfigError, Configuration, Document, FileOverlay, OverlayStore, Problem, Registry};
use crate::recovery::{move_aside, Recovered};

/// Loads `base` with the user config file `path` merged over it (as [`Configuration::load`]
/// with a [`FileOverlay`]), after checking the user config: one that cannot be used is moved
/// aside (named after `at`), reported at error level and returned, and the configuration is
/// `base` alone, with a fresh user config at `path` for the changes to come. A missing file is
/// no recovery (nothing was changed yet). Problems of `base` itself, and a user config that
/// cannot be read or moved (rights, disk), are errors as before.
pub fn load_with_user_config(
    registry: Registry,
    base: &Document,
    path: &Path,
    at: DateTime<Utc>,
) -> Result<(Configuration, Option<Recovered>), ConfigError> {
    let overlay = || Box::new(FileOverlay::new(path));
    let label = overlay().label();
    let problem = |reason: String| Problem {
        file: label.clone(),
        path: "$".to_string(),
        reason,
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Configuration::load(registry, base, overlay())?, None));
        }
        Err(e) => return Err(problem(format!("cannot read the file: {e}")).into()),
    };
    let why = if bytes.iter().all(u8::is_ascii_whitespace) {
        format!(
            "the file is empty ({} bytes): the changes it held cannot be told",
            bytes.len()
        )
    } else {
        match Configuration::load(registry.clone(), base, overlay()) {
            Ok(config) => return Ok((config, None)),
            // Only when the user config alone is to blame: a broken base config is the
            // installer's to fix, and a fresh user config would not help.
            Err(ConfigError::Invalid(problems))
                if !problems.is_empty() && problems.iter().all(|p| p.file == label) =>
            {
                let reasons = problems
                    .iter()
                    .map(|p| format!("{}: {}", p.path, p.reason))
                    .collect::<Vec<_>>()
                    .join("; ");
                format!("it is refused ({reasons}); {}", lost_changes(&bytes))
            }
            Err(e) => return Err(e),
        }
    };
    let moved = move_aside(path, at)
        .map_err(|e| problem(format!("{why}, and it cannot be moved aside: {e}")))?;
    let recovered = Recovered {
        file: label.clone(),
        moved_to: moved.display().to_string(),
        what: format!(
            "{why}; the station runs on the base config {} until they are made again",
            base.label
        ),
    };
    recovered.report();
    let config = Configuration::load(registry, base, overlay())?;
    Ok((config, Some(recovered)))
}

/// The changes a refused user config held, as far as it reads: the keys (never their values,
/// which may be secret).
fn lost_changes(bytes: &[u8]) -> String {
    let Ok(Value::Object(sections)) = serde_json::from_slice::<Value>(bytes) else {
        return "the changes it held cannot be told".to_string();
    };
    let keys: Vec<String> = sections
        .iter()
        .flat_map(|(section, keys)| match keys {
            Value::Object(keys) => keys.keys().map(|k| format!("{section}.{k}")).collect(),
            _ => vec![section.clone()],
        })
        .collect();
    if keys.is_empty() {
        return "it held no changes".to_string();
    }
    format!(
        "the {} change(s) it held are undone: {}",
        keys.len(),
        keys.join(", ")
    )
}
