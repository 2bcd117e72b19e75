//! The hardware errors a simulated EVSE can raise, by their EVerest names
//! (`<interface>/<error>`, from everest-core's `errors/*.yaml`), and the OCPP 1.6 error each
//! maps to (everest-core's OCPP module, `get_error_info`: the ChargeX MREC errors map to their
//! OCPP code with vendor id `https://chargex.inl.gov` and code `CXnnn`; every other error is an
//! `InternalError` whose info names it).
//!
//! One deliberate deviation from EVerest: there a blocking error makes the EvseManager raise
//! its meta-error `evse_manager/Inoperative`, and that is what makes OCPP's connector Faulted,
//! so the Faulted StatusNotification says errorCode `OtherError` with info
//! `caused_by:<type>`.
//! ferrocharge reports Faulted with the fault's own code from this table (`GroundFailure` /
//! `CX002`, `OverCurrentFailure` / `CX004`, `PowerMeterFailure`, ...), because that one
//! message is all a central system gets while the connector is Faulted: with it the CSMS (and
//! the operator behind it) learns which fault it is and can tell a tripped RCD from a broken
//! lock without a second message or a vendor's info text.

use std::fmt;

use ocpp_types::core::ChargePointErrorCode;

/// The vendor id everest-core reports with ChargeX MREC error codes.
pub const CHARGE_X_MREC_VENDOR_ID: &str = "https://chargex.inl.gov";

/// One known error: its EVerest name, the name YetiSimulator's MQTT error topic knows it by,
/// its OCPP code and MREC number.
struct ErrorDef {
    name: &'static str,
    alias: Option<&'static str>,
    ocpp: ChargePointErrorCode,
    mrec: Option<&'static str>,
}

const fn def(
    name: &'static str,
    alias: Option<&'static str>,
    ocpp: ChargePointErrorCode,
    mrec: Option<&'static str>,
) -> ErrorDef {
    ErrorDef {
        name,
        alias,
        ocpp,
        mrec,
    }
}

use ChargePointErrorCode::{
    ConnectorLockFailure, GroundFailure, HighTemperature, InternalError, OtherError,
    OverCurrentFailure, OverVoltage, PowerMeterFailure, UnderVoltage,
};

/// Every error the simulation knows: everest-core's `errors/evse_board_support.yaml`,
/// `errors/ac_rcd.yaml`, `errors/connector_lock.yaml`, and the power meter's
/// CommunicationFault. Aliases are YetiSimulator's (`modules/Simulation/YetiSimulator/util/errors.cpp`).
const ERRORS: &[ErrorDef] = &[
    def(
        "evse_board_support/DiodeFault",
        Some("DiodeFault"),
        InternalError,
        None,
    ),
    def(
        "evse_board_support/VentilationNotAvailable",
        None,
        InternalError,
        None,
    ),
    def(
        "evse_board_support/BrownOut",
        Some("BrownOut"),
        InternalError,
        None,
    ),
    def(
        "evse_board_support/EnergyManagement",
        Some("EnergyManagement"),
        InternalError,
        None,
    ),
    def(
        "evse_board_support/PermanentFault",
        Some("PermanentFault"),
        InternalError,
        None,
    ),
    def(
        "evse_board_support/MREC2GroundFailure",
        Some("MREC2GroundFailure"),
        GroundFailure,
        Some("CX002"),
    ),
    def(
        "evse_board_support/MREC3HighTemperature",
        Some("MREC3HighTemperature"),
        HighTemperature,
        Some("CX003"),
    ),
    def(
        "evse_board_support/MREC4OverCurrentFailure",
        Some("MREC4OverCurrentFailure"),
        OverCurrentFailure,
        Some("CX004"),
    ),
    def(
        "evse_board_support/MREC5OverVoltage",
        Some("MREC5OverVoltage"),
        OverVoltage,
        Some("CX005"),
    ),
    def(
        "evse_board_support/MREC6UnderVoltage",
        Some("MREC6UnderVoltage"),
        UnderVoltage,
        Some("CX006"),
    ),
    def(
        "evse_board_support/MREC8EmergencyStop",
        Some("MREC8EmergencyStop"),
        OtherError,
        Some("CX008"),
    ),
    def(
        "evse_board_support/MREC10InvalidVehicleMode",
        Some("MREC10InvalidVehicleMode"),
        OtherError,
        Some("CX010"),
    ),
    def(
        "evse_board_support/MREC14PilotFault",
        Some("MREC14PilotFault"),
        OtherError,
        Some("CX014"),
    ),
    def(
        "evse_board_support/MREC15PowerLoss",
        Some("MREC15PowerLoss"),
        OtherError,
        Some("CX015"),
    ),
    def(
        "evse_board_support/MREC17EVSEContactorFault",
        Some("MREC17EVSEContactorFault"),
        OtherError,
        Some("CX017"),
    ),
    def(
        "evse_board_support/MREC18CableOverTempDerate",
        Some("MREC18CableOverTempDerate"),
        OtherError,
        Some("CX018"),
    ),
    def(
        "evse_board_support/MREC19CableOverTempStop",
        Some("MREC19CableOverTempStop"),
        OtherError,
        Some("CX019"),
    ),
    def(
        "evse_board_support/MREC20PartialInsertion",
        Some("MREC20PartialInsertion"),
        OtherError,
        Some("CX020"),
    ),
    def(
        "evse_board_support/MREC23ProximityFault",
        Some("MREC23ProximityFault"),
        OtherError,
        Some("CX023"),
    ),
    def(
        "evse_board_support/MREC24ConnectorVoltageHigh",
        Some("MREC24ConnectorVoltageHigh"),
        OtherError,
        Some("CX024"),
    ),
    def(
        "evse_board_support/MREC25BrokenLatch",
        Some("MREC25BrokenLatch"),
        OtherError,
        Some("CX025"),
    ),
    def(
        "evse_board_support/MREC26CutCable",
        Some("MREC26CutCable"),
        OtherError,
        Some("CX026"),
    ),
    def(
        "evse_board_support/TiltDetected",
        Some("Tilted"),
        InternalError,
        None,
    ),
    def(
        "evse_board_support/WaterIngressDetected",
        Some("Water"),
        InternalError,
        None,
    ),
    def(
        "evse_board_support/EnclosureOpen",
        Some("DoorOpen"),
        InternalError,
        None,
    ),
    def("evse_board_support/VendorError", None, InternalError, None),
    def(
        "evse_board_support/VendorWarning",
        None,
        InternalError,
        None,
    ),
    def(
        "evse_board_support/CommunicationFault",
        None,
        InternalError,
        None,
    ),
    def(
        "ac_rcd/Selftest",
        Some("ac_rcd_Selftest"),
        InternalError,
        None,
    ),
    def("ac_rcd/DC", Some("ac_rcd_DC"), InternalError, None),
    // YetiSimulator spells this one `ac_rc_AC`; both spellings are accepted.
    def("ac_rcd/AC", Some("ac_rcd_AC"), InternalError, None),
    def(
        "ac_rcd/MREC2GroundFailure",
        Some("ac_rcd_MREC2GroundFailure"),
        GroundFailure,
        Some("CX002"),
    ),
    def(
        "ac_rcd/VendorError",
        Some("ac_rcd_VendorError"),
        InternalError,
        None,
    ),
    def("ac_rcd/VendorWarning", None, InternalError, None),
    def(
        "connector_lock/ConnectorLockCapNotCharged",
        Some("lock_ConnectorLockCapNotCharged"),
        InternalError,
        None,
    ),
    def(
        "connector_lock/ConnectorLockUnexpectedOpen",
        Some("lock_ConnectorLockUnexpectedOpen"),
        InternalError,
        None,
    ),
    def(
        "connector_lock/ConnectorLockUnexpectedClose",
        Some("lock_ConnectorLockUnexpectedClose"),
        InternalError,
        None,
    ),
    def(
        "connector_lock/ConnectorLockFailedLock",
        Some("lock_ConnectorLockFailedLock"),
        InternalError,
        None,
    ),
    def(
        "connector_lock/ConnectorLockFailedUnlock",
        Some("lock_ConnectorLockFailedUnlock"),
        InternalError,
        None,
    ),
    def(
        "connector_lock/MREC1ConnectorLockFailure",
        Some("lock_MREC1ConnectorLockFailure"),
        ConnectorLockFailure,
        Some("CX001"),
    ),
    def(
        "connector_lock/VendorError",
        Some("lock_VendorError"),
        InternalError,
        None,
    ),
    def("connector_lock/VendorWarning", None, InternalError, None),
    def(
        "powermeter/CommunicationFault",
        None,
        PowerMeterFailure,
        None,
    ),
];

/// An error name the simulation does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown hardware error `{0}` (EVerest names such as evse_board_support/DiodeFault, ac_rcd/DC, connector_lock/ConnectorLockFailedUnlock, powermeter/CommunicationFault)")]
pub struct UnknownError(pub String);

/// A hardware error, by its EVerest name (`evse_board_support/DiodeFault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HardwareError {
    // Always a name from ERRORS: the only constructors are `from_name` and the constants.
    name: &'static str,
}

/// How an error reaches OCPP: the StatusNotification fields it fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcppError {
    /// errorCode.
    pub error_code: ChargePointErrorCode,
    /// info: the EVerest error name for errors without an OCPP code of their own.
    pub info: Option<String>,
    /// vendorId: [`CHARGE_X_MREC_VENDOR_ID`] for MREC errors.
    pub vendor_id: Option<&'static str>,
    /// vendorErrorCode: the MREC code (`CX002`, ...).
    pub vendor_error_code: Option<&'static str>,
}

impl HardwareError {
    /// `evse_board_support/DiodeFault`: the CP diode in the EV is shorted.
    pub const DIODE_FAULT: HardwareError = HardwareError::known("evse_board_support/DiodeFault");
    /// `evse_board_support/MREC14PilotFault`: the CP voltage is out of range (state E).
    pub const PILOT_FAULT: HardwareError =
        HardwareError::known("evse_board_support/MREC14PilotFault");
    /// `ac_rcd/DC`: the RCD tripped on a DC fault current.
    pub const RCD_DC: HardwareError = HardwareError::known("ac_rcd/DC");

    const fn known(name: &'static str) -> Self {
        HardwareError { name }
    }

    /// The error called `name`: its EVerest name (`evse_board_support/DiodeFault`) or
    /// YetiSimulator's short name (`DiodeFault`, `ac_rcd_DC`, `lock_VendorError`).
    pub fn from_name(name: &str) -> Result<Self, UnknownError> {
        let name = name.trim();
        ERRORS
            .iter()
            .find(|d| {
                d.name == name
                    || d.alias == Some(name)
                    || (name == "ac_rc_AC" && d.name == "ac_rcd/AC")
            })
            .map(|d| HardwareError { name: d.name })
            .ok_or_else(|| UnknownError(name.to_owned()))
    }

    /// Every error the simulation knows.
    pub fn all() -> impl Iterator<Item = HardwareError> {
        ERRORS.iter().map(|d| HardwareError { name: d.name })
    }

    /// Its EVerest name, `<interface>/<error>`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The interface that raises it (`evse_board_support`, `ac_rcd`, `connector_lock`,
    /// `powermeter`).
    pub fn interface(self) -> &'static str {
        self.name.split_once('/').map_or(self.name, |(i, _)| i)
    }

    /// The error without its interface (`DiodeFault`).
    pub fn short_name(self) -> &'static str {
        self.name.split_once('/').map_or(self.name, |(_, e)| e)
    }

    /// Whether it stops energy flowing. Warnings and derating errors do not (everest-core:
    /// "VendorWarning: Charging may continue"; MREC3/MREC18 derate power rather than stop).
    pub fn blocks_charging(self) -> bool {
        !matches!(
            self.short_name(),
            "VendorWarning" | "MREC3HighTemperature" | "MREC18CableOverTempDerate"
        )
    }

    /// Whether, while it is raised, the connector lock cannot open: its motor has no charge
    /// (ConnectorLockCapNotCharged), its feedback stays closed (ConnectorLockFailedUnlock,
    /// ConnectorLockUnexpectedClose), or it failed (MREC1ConnectorLockFailure, VendorError).
    pub fn keeps_lock_closed(self) -> bool {
        self.interface() == "connector_lock"
            && matches!(
                self.short_name(),
                "ConnectorLockCapNotCharged"
                    | "ConnectorLockFailedUnlock"
                    | "ConnectorLockUnexpectedClose"
                    | "MREC1ConnectorLockFailure"
                    | "VendorError"
            )
    }

    /// The OCPP 1.6 error it is reported as.
    pub fn ocpp(self) -> OcppError {
        let def = ERRORS.iter().find(|d| d.name == self.name);
        match def {
            Some(ErrorDef {
                ocpp,
                mrec: Some(code),
                ..
            }) => OcppError {
                error_code: *ocpp,
                info: None,
                vendor_id: Some(CHARGE_X_MREC_VENDOR_ID),
                vendor_error_code: Some(code),
            },
            Some(ErrorDef { ocpp, .. }) => OcppError {
                error_code: *ocpp,
                info: Some(self.short_name().to_owned()),
                vendor_id: None,
                vendor_error_code: None,
            },
            None => OcppError {
                error_code: InternalError,
                info: Some(self.name.to_owned()),
                vendor_id: None,
                vendor_error_code: None,
            },
        }
    }
}

impl fmt::Display for HardwareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(
            HardwareError::from_name("DiodeFault"),
            Ok(HardwareError::DIODE_FAULT)
        );
        assert_eq!(
            HardwareError::from_name("evse_board_support/DiodeFault"),
            Ok(HardwareError::DIODE_FAULT)
        );
        assert_eq!(
            HardwareError::from_name("ac_rcd_DC"),
            Ok(HardwareError::RCD_DC)
        );
        assert_eq!(
            HardwareError::from_name("ac_rc_AC").map(HardwareError::name),
            Ok("ac_rcd/AC")
        );
        let err = HardwareError::from_name("Bogus").unwrap_err();
        assert!(err.to_string().contains("`Bogus`"));
        // The constants name real entries.
        for e in [
            HardwareError::DIODE_FAULT,
            HardwareError::PILOT_FAULT,
            HardwareError::RCD_DC,
        ] {
            assert!(HardwareError::all().any(|k| k == e), "{e}");
        }
    }

    #[test]
    fn ocpp_mapping_follows_everest() {
        let ground = HardwareError::from_name("MREC2GroundFailure")
            .unwrap()
            .ocpp();
        assert_eq!(ground.error_code, ChargePointErrorCode::GroundFailure);
        assert_eq!(ground.vendor_id, Some(CHARGE_X_MREC_VENDOR_ID));
        assert_eq!(ground.vendor_error_code, Some("CX002"));
        let diode = HardwareError::DIODE_FAULT.ocpp();
        assert_eq!(diode.error_code, ChargePointErrorCode::InternalError);
        assert_eq!(diode.info.as_deref(), Some("DiodeFault"));
        assert_eq!(
            HardwareError::from_name("connector_lock/MREC1ConnectorLockFailure")
                .unwrap()
                .ocpp()
                .error_code,
            ChargePointErrorCode::ConnectorLockFailure
        );
        assert!(
            !HardwareError::from_name("evse_board_support/VendorWarning")
                .unwrap()
                .blocks_charging()
        );
        assert!(HardwareError::RCD_DC.blocks_charging());
        assert_eq!(HardwareError::RCD_DC.interface(), "ac_rcd");
    }
}
