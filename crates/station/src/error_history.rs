//! The ErrorHistory module (everest-core's `modules/Misc/ErrorHistory`): every hardware error
//! raised and cleared at the station, kept in SQLite at the module's `database_path` with
//! EVerest's table and fields (`ErrorDatabaseSqlite.cpp`: uuid, type, description, message,
//! origin_module, origin_implementation, timestamp, severity, state, sub_type, vendor_id), and
//! read with EVerest's `error_history` filters (`get_errors`). At start, errors still Active
//! from the last run become ClearedByReboot, as the module does.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

/// Why the error history cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ErrorHistoryError {
    /// The database does not open or answer.
    #[error("error history database {path}: {source}")]
    Database {
        /// The file.
        path: PathBuf,
        /// SQLite's reason.
        source: rusqlite::Error,
    },
    /// Its folder cannot be created.
    #[error("error history database {path}: {source}")]
    Folder {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The state of an error (EVerest's `error_history` State).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorState {
    /// Raised and not cleared.
    Active,
    /// Cleared by the module that raised it.
    ClearedByModule,
    /// Active when the station stopped.
    ClearedByReboot,
}

impl ErrorState {
    fn as_str(self) -> &'static str {
        match self {
            ErrorState::Active => "Active",
            ErrorState::ClearedByModule => "ClearedByModule",
            ErrorState::ClearedByReboot => "ClearedByReboot",
        }
    }
}

/// An error's severity (EVerest's Severity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

/// The least severity asked for (EVerest's SeverityFilter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SeverityFilter {
    /// High only.
    #[serde(rename = "HIGH_GE")]
    HighGe,
    /// Medium and High.
    #[serde(rename = "MEDIUM_GE")]
    MediumGe,
    /// Every severity.
    #[serde(rename = "LOW_GE")]
    LowGe,
}

/// Where an error comes from (EVerest's ImplementationIdentifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The implementation id, e.g. `board_support`.
    pub implementation_id: String,
    /// The module id, e.g. `yeti_driver_1`.
    pub module_id: String,
}

/// An error as EVerest's `error_history` interface gives it (`ErrorObject`); its fields in
/// the order nlohmann writes them (sorted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// What the error type means (EVerest's errors/*.yaml).
    pub description: String,
    /// What the module said.
    pub message: String,
    /// Who raised it.
    pub origin: Origin,
    /// How bad it is.
    pub severity: Severity,
    /// Active or how it was cleared.
    pub state: ErrorState,
    /// The sub type (empty: none).
    pub sub_type: String,
    /// When it was raised, RFC 3339.
    pub timestamp: String,
    /// Its type, `<group>/<name>`.
    #[serde(rename = "type")]
    pub error_type: String,
    /// Its handle.
    pub uuid: String,
}

/// EVerest's `error_history` FilterArguments: every given filter must hold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorFilter {
    /// Only errors in this state.
    pub state_filter: Option<ErrorState>,
    /// Only errors of this origin.
    pub origin_filter: Option<Origin>,
    /// Only errors of this type.
    pub type_filter: Option<String>,
    /// Only errors at least this severe.
    pub severity_filter: Option<SeverityFilter>,
    /// Only errors raised in this period (RFC 3339, both ends included).
    pub timeperiod_filter: Option<TimePeriod>,
    /// Only the error with this uuid.
    pub handle_filter: Option<String>,
}

/// A period of time (EVerest's TimeperiodFilter).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimePeriod {
    /// From, RFC 3339.
    pub timestamp_from: String,
    /// To, RFC 3339.
    pub timestamp_to: String,
}

/// The most errors one query answers (the newest), so a station with a long history cannot
/// make one request read the whole database into memory.
pub const MAX_ERRORS: usize = 1000;

/// The error history. See the module docs.
#[derive(Debug)]
pub struct ErrorHistory {
    db: Connection,
    path: PathBuf,
}

/// The error history, shared by the station loop (which records) and its readers.
pub type SharedErrorHistory = Arc<Mutex<ErrorHistory>>;

/// The history behind `shared` (poison ignored: every write is one statement).
pub fn lock(shared: &SharedErrorHistory) -> MutexGuard<'_, ErrorHistory> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ErrorHistory {
    /// Opens (or makes) the database at `path`; errors left Active become ClearedByReboot.
    pub fn open(path: &Path) -> Result<ErrorHistory, ErrorHistoryError> {
        let db_error = |source| ErrorHistoryError::Database {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| ErrorHistoryError::Folder {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let db = Connection::open(path).map_err(db_error)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS errors(
                uuid TEXT PRIMARY KEY NOT NULL,
                type TEXT NOT NULL,
                description TEXT NOT NULL,
                message TEXT NOT NULL,
                origin_module TEXT NOT NULL,
                origin_implementation TEXT NOT NULL,
                timestamp TEXT NOT NULL,
                severity TEXT NOT NULL,
                state TEXT NOT NULL,
                sub_type TEXT NOT NULL,
                vendor_id TEXT NOT NULL);
             UPDATE errors SET state = 'ClearedByReboot' WHERE state = 'Active';",
        )
        .map_err(db_error)?;
        Ok(ErrorHistory {
            db,
            path: path.to_path_buf(),
        })
    }

    /// Keeps a raised error.
    pub fn raised(&self, error: &ErrorObject) -> Result<(), ErrorHistoryError> {
        self.db
            .execute(
                "INSERT OR REPLACE INTO errors(uuid, type, description, message, origin_module,
                 origin_implementation, timestamp, severity, state, sub_type, vendor_id)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '')",
                params![
                    error.uuid,
                    error.error_type,
                    error.description,
                    error.message,
                    error.origin.module_id,
                    error.origin.implementation_id,
                    error.timestamp,
                    severity_name(error.severity),
                    error.state.as_str(),
                    error.sub_type,
                ],
            )
            .map(|_| ())
            .map_err(|source| self.failed(source))
    }

    /// The error `uuid` was cleared by its module.
    pub fn cleared(&self, uuid: &str) -> Result<(), ErrorHistoryError> {
        self.db
            .execute(
                "UPDATE errors SET state = 'ClearedByModule' WHERE uuid = ?1",
                params![uuid],
            )
            .map(|_| ())
            .map_err(|source| self.failed(source))
    }

    /// The errors that pass `filter`, oldest first (at most the newest [`MAX_ERRORS`]).
    pub fn errors(&self, filter: &ErrorFilter) -> Result<Vec<ErrorObject>, ErrorHistoryError> {
        let mut sql = String::from(
            "SELECT uuid, type, description, message, origin_module, origin_implementation,
             timestamp, severity, state, sub_type FROM errors WHERE 1=1",
        );
        let mut args: Vec<String> = Vec::new();
        let mut add = |condition: &str, values: &[&str]| {
            sql.push_str(" AND ");
            sql.push_str(condition);
            args.extend(values.iter().map(|v| (*v).to_owned()));
        };
        if let Some(state) = filter.state_filter {
            add("state = ?", &[state.as_str()]);
        }
        if let Some(origin) = &filter.origin_filter {
            add(
                "origin_module = ? AND origin_implementation = ?",
                &[&origin.module_id, &origin.implementation_id],
            );
        }
        if let Some(t) = &filter.type_filter {
            add("type = ?", &[t]);
        }
        match filter.severity_filter {
            Some(SeverityFilter::HighGe) => add("severity = 'High'", &[]),
            Some(SeverityFilter::MediumGe) => add("severity IN ('High', 'Medium')", &[]),
            Some(SeverityFilter::LowGe) | None => {}
        }
        if let Some(period) = &filter.timeperiod_filter {
            add(
                "timestamp BETWEEN ? AND ?",
                &[&period.timestamp_from, &period.timestamp_to],
            );
        }
        if let Some(handle) = &filter.handle_filter {
            add("uuid = ?", &[handle]);
        }
        sql.push_str(&format!(" ORDER BY rowid DESC LIMIT {MAX_ERRORS}"));
        let mut stmt = self.db.prepare(&sql).map_err(|e| self.failed(e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |row| {
                let text = |i: usize| row.get::<_, String>(i);
                Ok(ErrorObject {
                    uuid: text(0)?,
                    error_type: text(1)?,
                    description: text(2)?,
                    message: text(3)?,
                    origin: Origin {
                        module_id: text(4)?,
                        implementation_id: text(5)?,
                    },
                    timestamp: text(6)?,
                    severity: match text(7)?.as_str() {
                        "High" => Severity::High,
                        "Medium" => Severity::Medium,
                        _ => Severity::Low,
                    },
                    state: match text(8)?.as_str() {
                        "Active" => ErrorState::Active,
                        "ClearedByModule" => ErrorState::ClearedByModule,
                        _ => ErrorState::ClearedByReboot,
                    },
                    sub_type: text(9)?,
                })
            })
            .map_err(|e| self.failed(e))?;
        let mut errors = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.failed(e))?;
        errors.reverse();
        Ok(errors)
    }

    fn failed(&self, source: rusqlite::Error) -> ErrorHistoryError {
        ErrorHistoryError::Database {
            path: self.path.clone(),
            source,
        }
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// The description of an error type, from everest-core's `errors/*.yaml`.
pub fn description(error_type: &str) -> &'static str {
    DESCRIPTIONS
        .iter()
        .find(|(t, _)| *t == error_type)
        .map_or("", |(_, d)| d)
}

/// The implementation of a YetiSimulator that raises errors of `group` (the interface).
pub fn implementation_of(group: &str) -> &'static str {
    match group {
        "ac_rcd" => "rcd",
        "connector_lock" => "connector_lock",
        "powermeter" => "powermeter",
        _ => "board_support",
    }
}

const DESCRIPTIONS: &[(&str, &str)] = &[
    ("evse_board_support/DiodeFault", "The CP diode in the EV is shorted."),
    ("evse_board_support/VentilationNotAvailable", "EV requested state D but no ventilation is available."),
    ("evse_board_support/BrownOut", "The hardware/MCU detected a brown out."),
    ("evse_board_support/EnergyManagement", "Energy could not be delivered because an (external) energy management failed."),
    ("evse_board_support/PermanentFault", "The EVSE is permanently broken and requires repair."),
    ("evse_board_support/MREC2GroundFailure", "Ground fault circuit interrupter has been activated."),
    ("evse_board_support/MREC3HighTemperature", "High temperature inside the EVSE is derating power delivery."),
    ("evse_board_support/MREC4OverCurrentFailure", "Over current protection device has tripped."),
    ("evse_board_support/MREC5OverVoltage", "Input voltage to the vehicle has risen above an acceptable level."),
    ("evse_board_support/MREC6UnderVoltage", "Input voltage to the vehicle has dropped below an acceptable level."),
    ("evse_board_support/MREC8EmergencyStop", "Emergency stop is pressed by the user (required if equipped)."),
    ("evse_board_support/MREC10InvalidVehicleMode", "The vehicle is in an invalid mode for charging (Reported by IEC stack)"),
    ("evse_board_support/MREC14PilotFault", "The control pilot voltage is out of range."),
    ("evse_board_support/MREC15PowerLoss", "The EVSE is unable to supply any power due to mains failure"),
    ("evse_board_support/MREC17EVSEContactorFault", "Contactors fail to open or close on EVSE's side. May also include welding related errors."),
    ("evse_board_support/MREC18CableOverTempDerate", "Temperature of charging cable or connector assembly is too high, resulting in reduced power operation."),
    ("evse_board_support/MREC19CableOverTempStop", "Temperature of charging cable or connector assembly is too high, resulting in a stopped charging session."),
    ("evse_board_support/MREC20PartialInsertion", "Cable latch is raised due to incomplete insertion into the vehicle charging port."),
    ("evse_board_support/MREC23ProximityFault", "The proximity voltage is out of range."),
    ("evse_board_support/MREC24ConnectorVoltageHigh", "The output voltage of EVSE is high before charging starts or after charging ends."),
    ("evse_board_support/MREC25BrokenLatch", "The latch on the connector is broken."),
    ("evse_board_support/MREC26CutCable", "The output cable has been severed from the EVSE."),
    ("evse_board_support/TiltDetected", "The EVSE has been tilted beyond acceptable limits."),
    ("evse_board_support/WaterIngressDetected", "A substantial amount of water has been detected inside the EVSE."),
    ("evse_board_support/EnclosureOpen", "The EVSE enclosure is open, e.g. a door or panel is not properly closed."),
    ("evse_board_support/VendorError", "Vendor specific error code. Will stop charging session."),
    ("evse_board_support/VendorWarning", "Vendor specific error code. Charging may continue."),
    ("evse_board_support/CommunicationFault", "The communication to the hardware or underlying driver is lost or has errors."),
    ("ac_rcd/Selftest", "The Selftest failed, device permanently broken"),
    ("ac_rcd/DC", "RCD was triggered by a DC fault"),
    ("ac_rcd/AC", "RCD was triggered by an AC fault"),
    ("ac_rcd/MREC2GroundFailure", "MREC compliant fault code"),
    ("ac_rcd/VendorError", "Vendor specific error code. Will stop charging session."),
    ("ac_rcd/VendorWarning", "Vendor specific error code. Charging may continue."),
    ("connector_lock/ConnectorLockCapNotCharged", "The capacitor for connector lock motor failed to charge within expected time"),
    ("connector_lock/ConnectorLockUnexpectedOpen", "The connector lock feedback returns open while it should be closed"),
    ("connector_lock/ConnectorLockUnexpectedClose", "The connector lock feedback returns closed while it should be open"),
    ("connector_lock/ConnectorLockFailedLock", "The connector lock failed to lock (feedback still returns open)"),
    ("connector_lock/ConnectorLockFailedUnlock", "The connector lock failed to unlock (feedback still returns closed)"),
    ("connector_lock/MREC1ConnectorLockFailure", "Failure to lock or unlock connector on the vehicle side as per MREC definition. How should that be implemented? We can only find out about locking on the EVSE side, so we will use this error to report EVSE side lock failures. It is probably a mistake in the MREC definition."),
    ("connector_lock/VendorError", "Vendor specific error code. Will stop charging session."),
    ("connector_lock/VendorWarning", "Vendor specific error code. Charging may continue."),
    (
        "powermeter/CommunicationFault",
        "Communication with the underlying hardware or device has a fault",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn error(uuid: &str, error_type: &str, timestamp: &str) -> ErrorObject {
        ErrorObject {
            description: description(error_type).to_owned(),
            message: "Simulated fault event".into(),
            origin: Origin {
                implementation_id: "board_support".into(),
                module_id: "yeti_driver_1".into(),
            },
            severity: Severity::High,
            state: ErrorState::Active,
            sub_type: String::new(),
            timestamp: timestamp.into(),
            error_type: error_type.into(),
            uuid: uuid.into(),
        }
    }

    #[test]
    fn raised_cleared_and_left_active_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/error_history.db");
        let h = ErrorHistory::open(&path).unwrap();
        h.raised(&error(
            "u1",
            "evse_board_support/DiodeFault",
            "2024-01-01T10:00:00.000Z",
        ))
        .unwrap();
        h.raised(&error("u2", "ac_rcd/DC", "2024-01-01T11:00:00.000Z"))
            .unwrap();
        h.cleared("u1").unwrap();
        let active = h
            .errors(&ErrorFilter {
                state_filter: Some(ErrorState::Active),
                ..ErrorFilter::default()
            })
            .unwrap();
        assert_eq!(
            active,
            vec![error("u2", "ac_rcd/DC", "2024-01-01T11:00:00.000Z")]
        );
        assert_eq!(
            serde_json::to_string(&active[0]).unwrap(),
            r#"{"description":"RCD was triggered by a DC fault","message":"Simulated fault event","origin":{"implementation_id":"board_support","module_id":"yeti_driver_1"},"severity":"High","state":"Active","sub_type":"","timestamp":"2024-01-01T11:00:00.000Z","type":"ac_rcd/DC","uuid":"u2"}"#
        );
        let in_period = h
            .errors(&ErrorFilter {
                timeperiod_filter: Some(TimePeriod {
                    timestamp_from: "2024-01-01T09:00:00.000Z".into(),
                    timestamp_to: "2024-01-01T10:30:00.000Z".into(),
                }),
                ..ErrorFilter::default()
            })
            .unwrap();
        assert_eq!(in_period.len(), 1);
        assert_eq!(in_period[0].state, ErrorState::ClearedByModule);
        drop(h);
        let h = ErrorHistory::open(&path).unwrap();
        let all = h.errors(&ErrorFilter::default()).unwrap();
        let states: Vec<(&str, ErrorState)> =
            all.iter().map(|e| (e.uuid.as_str(), e.state)).collect();
        assert_eq!(
            states,
            [
                ("u1", ErrorState::ClearedByModule),
                ("u2", ErrorState::ClearedByReboot)
            ]
        );
    }

    #[test]
    fn every_error_type_has_everests_description() {
        for t in crate::control_api::ERROR_TYPES {
            assert!(!description(t).is_empty(), "{t}");
        }
    }
}
