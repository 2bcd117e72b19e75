//! Where the OCPP module's files are, from its parameters (everest-core's OCPP manifest).

use std::path::PathBuf;

use chargepoint::config::{Document, Problem, ReadDocument};

use crate::config::ConfigFile;
use crate::StationConfig;

/// The files of the OCPP module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcppPaths {
    /// `ChargePointConfigPath`: the OCPP configuration (libocpp format), read only; a file,
    /// or the one the binary ships with.
    pub charge_point_config: ConfigFile,
    /// `UserConfigPath`: the user config that receives every change.
    pub user_config: PathBuf,
    /// `DatabasePath`: the folder of the core's SQLite database.
    pub database_dir: PathBuf,
    /// `MessageLogPath`: the folder of the message logs.
    pub message_log_dir: PathBuf,
}

impl OcppPaths {
    /// The paths of the OCPP module `module_id` of `station`.
    ///
    /// ChargePointConfigPath is an input: it resolves as [`StationConfig::resolve`] does (beside
    /// the YAML, else the file of that name the binary ships with). UserConfigPath and
    /// DatabasePath are files the station *writes*: a relative one goes under
    /// `settings.data_dir`, never beside the YAML, so running from a source tree (or a
    /// read-only image) never writes into it, and two stations with different data dirs and
    /// relative DatabasePaths never share a database (the shipped configs set `DatabasePath:
    /// ocpp`; the module's default, libocpp's absolute /tmp/ocpp_1_6_charge_point, is shared
    /// by every station of a ChargePointId that keeps it). MessageLogPath is resolved the same
    /// way (an output too).
    pub fn of(station: &StationConfig, module_id: &str) -> OcppPaths {
        let params = station.module(module_id).map(|m| &m.parameters);
        let param = |name: &str, default: &str| -> String {
            params
                .and_then(|p| p.str(name))
                .unwrap_or(default)
                .to_owned()
        };
        let data_dir = &station.settings.data_dir;
        let output = |value: String| -> PathBuf {
            let path = PathBuf::from(&value);
            if path.is_absolute() {
                path
            } else {
                data_dir.join(path)
            }
        };
        OcppPaths {
            charge_point_config: station
                .resolve(&param("ChargePointConfigPath", "ocpp-config.json")),
            user_config: output(param("UserConfigPath", "user_config.json")),
            database_dir: output(param("DatabasePath", "/tmp/ocpp_1_6_charge_point")),
            message_log_dir: output(param(
                "MessageLogPath",
                crate::message_log::DEFAULT_MESSAGE_LOG_PATH,
            )),
        }
    }

    /// Reads and parses the OCPP configuration (`ChargePointConfigPath`).
    pub fn charge_point_document(&self) -> Result<Document, Problem> {
        match &self.charge_point_config {
            ConfigFile::Path(path) => Document::read(path),
            ConfigFile::Shipped(file) => Document::parse(file.to_string(), file.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_go_under_the_data_dir_and_the_ocpp_config_is_the_shipped_one() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = crate::config::shipped::SIL_ONE_EVSE.text
            .replace(
                "  data_dir: /tmp/ferrocharge",
                &format!("  data_dir: {}", dir.path().join("data").display()),
            )
            .replace("      DatabasePath: ocpp\n", "")
            .replace(
                "      ChargePointConfigPath: ocpp-config.json",
                "      ChargePointConfigPath: ocpp-config.json\n      UserConfigPath: user.json\n      DatabasePath: /var/db",
            );
        let path = dir.path().join("station.yaml");
        std::fs::write(&path, yaml).unwrap();
        let station = StationConfig::load(&path).unwrap();
        let paths = OcppPaths::of(&station, "ocpp");
        assert_eq!(
            paths.charge_point_config,
            ConfigFile::Shipped(&crate::config::shipped::OCPP_CONFIG),
            "not beside the YAML: the shipped one"
        );
        let document = paths.charge_point_document().unwrap();
        assert_eq!(document.label, "the shipped ocpp-config.json");
        assert_eq!(paths.user_config, dir.path().join("data/user.json"));
        assert_eq!(paths.database_dir, PathBuf::from("/var/db"));
        assert_eq!(
            paths.message_log_dir,
            PathBuf::from(crate::message_log::DEFAULT_MESSAGE_LOG_PATH)
        );

        // One beside the YAML is that one.
        std::fs::write(dir.path().join("ocpp-config.json"), "{}").unwrap();
        let paths = OcppPaths::of(&station, "ocpp");
        assert_eq!(
            paths.charge_point_config,
            ConfigFile::Path(dir.path().join("ocpp-config.json"))
        );
    }
}
