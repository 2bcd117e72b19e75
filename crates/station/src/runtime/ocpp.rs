//! The charge-point core of the station, built from the OCPP module's files.

use std::path::PathBuf;

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::config::{Configuration, Document, FileOverlay, Registry};
use chargepoint::ChargePoint;

use super::paths::OcppPaths;
use super::RuntimeError;

/// Loads the OCPP configuration with the user overlay, makes `Core.NumberOfConnectors` the
/// station's number of EVSEs and opens the SQLite store: the core, ready for the driver.
pub fn charge_point(paths: &OcppPaths, evses: u32) -> Result<ChargePoint, RuntimeError> {
    let base = Document::read(&paths.charge_point_config)
        .map_err(|e| RuntimeError::OcppConfig(e.to_string()))?;
    let registry = Registry::embedded()
        .map_err(|e| RuntimeError::OcppConfig(e.to_string()))?
        .clone();
    create_dir(paths.user_config.parent().map(PathBuf::from))?;
    let overlay = Box::new(FileOverlay::new(&paths.user_config));
    let mut config = Configuration::load(registry, &base, overlay)
        .map_err(|e| RuntimeError::OcppConfig(e.problems().join("; ")))?;
    // EVerest's OCPP module sets NumberOfConnectors to the EVSEs it is connected to: the key is
    // read-only for the CSMS, and a stale value would make StatusNotifications go missing.
    if config.core().number_of_connectors != evses {
        config
            .set_by_station("NumberOfConnectors", evses.into())
            .map_err(|e| RuntimeError::OcppConfig(format!("NumberOfConnectors: {e}")))?;
    }
    create_dir(Some(paths.database_dir.clone()))?;
    // libocpp names the database after the charge point inside DatabasePath.
    let db = paths
        .database_dir
        .join(format!("{}.db", config.internal().charge_point_id));
    let store = SqliteStore::open(&db).map_err(|e| RuntimeError::Store {
        path: db.clone(),
        message: e.to_string(),
    })?;
    Ok(ChargePoint::new(
        config,
        Box::new(store),
        evses,
        chargepoint::driver::now(),
    ))
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
