//! The charge-point core of the station, built from the OCPP module's files.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::config::{load_with_user_config, Registry, SharedDocument};
use chargepoint::recovery::Recovered;
use chargepoint::ChargePoint;

use super::paths::OcppPaths;
use super::RuntimeError;

/// Loads the OCPP configuration with the user overlay, makes `Core.NumberOfConnectors` the
/// station's number of EVSEs and `Internal.FirmwareVersion` the `installed_firmware` (the
/// version the System module installed last, if any), and opens the SQLite store: the core,
/// ready for the driver, and the files among them found unreadable and moved aside (the user
/// config, the database: chargepoint's `recovery`), which the station then starts without.
/// `meter_public_keys` ([`meter_public_keys`]), when one is not empty, become
/// Internal.MeterPublicKeys. `embedding` ([`super::StartOptions`]'s part for the core) sets
/// keys over the configuration and may bring the store instead of the file under DatabasePath.
pub fn charge_point(
    paths: &OcppPaths,
    evses: u32,
    installed_firmware: Option<&str>,
    meter_public_keys: &[String],
    embedding: CoreEmbedding,
) -> Result<(ChargePoint, Vec<Recovered>), RuntimeError> {
    let base = paths
        .charge_point_document()
        .map_err(|e| RuntimeError::OcppConfig(e.to_string()))?;
    let registry = Registry::embedded()
        .map_err(|e| RuntimeError::OcppConfig(e.to_string()))?
        .clone();
    create_dir(paths.user_config.parent().map(PathBuf::from))?;
    let (mut config, user_config) =
        load_with_user_config(registry, &base, &paths.user_config, chrono::Utc::now())
            .map_err(|e| RuntimeError::OcppConfig(e.problems().join("; ")))?;
    // EVerest's OCPP module sets NumberOfConnectors to the EVSEs it is connected to: the key is
    // read-only for the CSMS, and a stale value would make StatusNotifications go missing.
    if config.core().number_of_connectors != evses {
        config
            .set_by_station("NumberOfConnectors", evses.into())
            .map_err(|e| RuntimeError::OcppConfig(format!("NumberOfConnectors: {e}")))?;
    }
    if let Some(version) = installed_firmware {
        if config.internal().firmware_version != version {
            // Read-only for the CSMS; the station sets it, and the user config keeps it.
            match config.set_by_station("FirmwareVersion", version.into()) {
                Ok(_) => tracing::info!(version, "running the installed firmware"),
                Err(error) => tracing::warn!(version, %error, "installed firmware version"),
            }
        }
    }
    // everest-core's OCPP module passes each EVSE's powermeter public_key_ocmf to libocpp's
    // set_powermeter_public_key, which stores it in MeterPublicKeys (and the user config).
    if meter_public_keys.iter().any(|k| !k.is_empty()) {
        let keys = serde_json::Value::from(meter_public_keys.to_vec());
        if let Err(error) = config.set_by_station("MeterPublicKeys", keys) {
            tracing::warn!(%error, "MeterPublicKeys from the powermeters");
        }
    }
    // A station run among others (a fleet) has its identity and CSMS set by whoever runs it:
    // set as the station sets read-only keys, so they are checked as any value of the key is.
    // All in one write of the user config: a fleet's start set four keys or more, each a
    // write and two flushes to disk, and started about 30 stations a second.
    if !embedding.overrides.is_empty() {
        let keys: Vec<String> = embedding.overrides.iter().map(|(k, _)| k.clone()).collect();
        config
            .set_all_by_station(embedding.overrides)
            .map_err(|e| RuntimeError::OcppConfig(format!("{}: {e}", keys.join(", "))))?;
    }
    if let Some(shared) = &embedding.shared_document {
        config.share_document(shared.get_or_init(|| SharedDocument::of(&config)));
    }
    if let Some(store) = embedding.store {
        let cp = ChargePoint::new(config, store, evses, chargepoint::driver::now());
        return Ok((cp, user_config.into_iter().collect()));
    }
    create_dir(Some(paths.database_dir.clone()))?;
    // libocpp names the database after the charge point inside DatabasePath.
    let db = paths
        .database_dir
        .join(format!("{}.db", config.internal().charge_point_id));
    let (store, database) =
        SqliteStore::open_checked(&db, chrono::Utc::now()).map_err(|e| RuntimeError::Store {
            path: db.clone(),
            message: e.to_string(),
        })?;
    let cp = ChargePoint::new(config, Box::new(store), evses, chargepoint::driver::now());
    Ok((cp, user_config.into_iter().chain(database).collect()))
}

/// What a station embedded among others (a fleet, docs/fleet.md) changes in its core: the
/// default changes nothing.
#[derive(Default)]
pub struct CoreEmbedding {
    /// Keys set by the station over the OCPP configuration, in order (ChargePointId,
    /// CentralSystemURI, LogMessagesFormat).
    pub overrides: Vec<(String, serde_json::Value)>,
    /// The store, instead of the SQLite file under DatabasePath.
    pub store: Option<Box<dyn chargepoint::charge_point::store::Store>>,
    /// The effective OCPP configuration document shared by the stations of one config: the
    /// first to start sets it to its own, and each keeps only the keys where its document
    /// differs ([`Configuration::share_document`](chargepoint::config::Configuration::share_document)).
    pub shared_document: Option<Arc<OnceLock<SharedDocument>>>,
}

impl std::fmt::Debug for CoreEmbedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreEmbedding")
            .field("overrides", &self.overrides)
            .field("store", &self.store.as_ref().map(|_| "given"))
            .field("shared_document", &self.shared_document.is_some())
            .finish()
    }
}

fn create_dir(dir: Option<PathBuf>) -> Result<(), RuntimeError> {
    match dir {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(&dir).map_err(|e| RuntimeError::Io {
                path: dir,
                message: e.to_string(),
            })
        }
        _ => Ok(()),
    }
}

/// The public key each EVSE's powermeter publishes (`public_key_ocmf`), in EVSE order, empty
/// for an EVSE without one: the simulated YetiSimulator's powermeter publishes
/// `TESTPUBLICKEY<its connector_id>`, as everest-core's (`powermeterImpl::init`). An
/// EvseManager's powermeter is its `powermeter_grid_side` connection.
pub fn meter_public_keys(station: &crate::StationConfig) -> Vec<String> {
    station
        .evses
        .iter()
        .map(|evse| {
            let meter = station
                .module(&evse.evse_manager)
                .and_then(|m| m.connections("powermeter_grid_side").first())
                .and_then(|c| station.module(&c.module_id))
                .filter(|m| m.type_name() == crate::module_types::YETI_SIMULATOR.name);
            meter.map_or_else(String::new, |m| {
                let connector = m.parameters.int("connector_id").unwrap_or(evse.id.into());
                format!("TESTPUBLICKEY{connector}")
            })
        })
        .collect()
}

/// The OCPP module's PublishChargingScheduleIntervalS (everest-core's OCPP manifest, default
/// 30 s): how often the core issues every connector's charging limit again
/// ([`ChargePoint::with_publish_interval`]); 0 or less: only when a limit changes.
pub fn publish_interval(station: &crate::StationConfig, module_id: &str) -> std::time::Duration {
    let secs = station
        .module(module_id)
        .and_then(|m| m.parameters.int("PublishChargingScheduleIntervalS"))
        .unwrap_or(0);
    std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// An integer parameter of the OCPP module in seconds (MessageQueueResumeDelay,
/// ResetStopDelay); absent, 0 or less: none.
pub fn seconds_parameter(
    station: &crate::StationConfig,
    module_id: &str,
    name: &str,
) -> std::time::Duration {
    let secs = station
        .module(module_id)
        .and_then(|m| m.parameters.int(name))
        .unwrap_or(0);
    std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// An integer parameter of the OCPP module in milliseconds (DelayOcppStart); absent, 0 or
/// less: none.
pub fn millis_parameter(
    station: &crate::StationConfig,
    module_id: &str,
    name: &str,
) -> std::time::Duration {
    let ms = station
        .module(module_id)
        .and_then(|m| m.parameters.int(name))
        .unwrap_or(0);
    std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

#[cfg(test)]
mod publish_interval_tests {
    use std::time::Duration;

    use crate::StationConfig;

    fn station(parameter: &str) -> StationConfig {
        let dir = tempfile::tempdir().unwrap();
        let yaml = crate::config::shipped::SIL_ONE_EVSE.text.replace(
            "      ChargePointConfigPath: ocpp-config.json",
            &format!("      ChargePointConfigPath: ocpp-config.json\n{parameter}"),
        );
        let path = dir.path().join("station.yaml");
        std::fs::write(&path, yaml).unwrap();
        StationConfig::load(&path).unwrap()
    }

    #[test]
    fn the_publish_interval_is_the_ocpp_modules_parameter_30_s_by_default() {
        let of = |parameter: &str| super::publish_interval(&station(parameter), "ocpp");
        assert_eq!(of(""), Duration::from_secs(30));
        assert_eq!(
            of("      PublishChargingScheduleIntervalS: 2"),
            Duration::from_secs(2)
        );
        assert_eq!(
            of("      PublishChargingScheduleIntervalS: 0"),
            Duration::ZERO
        );
        assert_eq!(
            of("      PublishChargingScheduleIntervalS: -5"),
            Duration::ZERO
        );
    }
}
