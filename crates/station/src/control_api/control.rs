//! What the control API asks of the station: the [`StationControl`] trait the runtime
//! implements, the requests it passes (already checked: a method never sees an unknown
//! connector, an empty script or an unknown error type), and the errors it may answer.

use serde::Deserialize;

use super::state::StationState;
use crate::display::{
    ClearMessageResponse, DisplayMessage, GetDisplayMessageRequest, SetDisplayMessageResponse,
};

/// The station as the control API drives it. The runtime implements it; the methods are
/// synchronous because they only hand a command to the station's tasks (a channel send) and
/// check what can be checked at once. The connector ids passed exist in [`state`](Self::state).
pub trait StationControl: Send + Sync + 'static {
    /// The current state.
    fn state(&self) -> StationState;
    /// A car is plugged in at `connector`.
    fn plug_in(&self, connector: u32, request: PlugIn) -> Result<(), ControlError>;
    /// The car at `connector` is unplugged.
    fn unplug(&self, connector: u32) -> Result<(), ControlError>;
    /// The car at `connector` stops drawing power (OCPP SuspendedEV).
    fn ev_pause(&self, connector: u32) -> Result<(), ControlError>;
    /// The car at `connector` draws power again.
    fn ev_resume(&self, connector: u32) -> Result<(), ControlError>;
    /// The car at `connector` runs `request.script` (EvManager's command language).
    fn car_script(&self, connector: u32, request: CarScript) -> Result<(), ControlError>;
    /// A hardware fault at `connector` is raised or cleared.
    fn hardware_error(&self, connector: u32, request: HardwareError) -> Result<(), ControlError>;
    /// The simulated meter of `connector` shows the given values.
    fn meter(&self, connector: u32, request: MeterOverride) -> Result<(), ControlError>;
    /// An RFID card is presented.
    fn token(&self, request: Token) -> Result<(), ControlError>;
    /// Drop the CSMS connection and stay offline.
    fn ocpp_disconnect(&self) -> Result<(), ControlError>;
    /// Connect to the CSMS again.
    fn ocpp_connect(&self) -> Result<(), ControlError>;
    /// Stop the station gracefully (the process exits 0).
    fn stop(&self) -> Result<(), ControlError>;
    /// The station stops the transaction at `connector` (0: every transaction) for
    /// `request.reason`: a stop button, an emergency stop, a local reboot.
    fn stop_transaction(
        &self,
        connector: u32,
        request: StopTransaction,
    ) -> Result<(), ControlError>;
    /// The display (a TerminalDisplayMessage module) takes `messages`: its
    /// `set_display_message` answer. The default: the station has no display.
    fn set_display_messages(
        &self,
        messages: Vec<DisplayMessage>,
    ) -> Result<SetDisplayMessageResponse, ControlError> {
        let _ = messages;
        Err(no_display())
    }
    /// The display's messages that pass `request`'s filters (`get_display_messages`).
    fn display_messages(
        &self,
        request: GetDisplayMessageRequest,
    ) -> Result<Vec<DisplayMessage>, ControlError> {
        let _ = request;
        Err(no_display())
    }
    /// The display's message `id` is removed (`clear_display_message`).
    fn clear_display_message(&self, id: i32) -> Result<ClearMessageResponse, ControlError> {
        let _ = id;
        Err(no_display())
    }
}

/// What a station without a display answers the display routes.
pub fn no_display() -> ControlError {
    ControlError::NotFound(
        "the station has no display: no TerminalDisplayMessage module in its config".to_owned(),
    )
}

/// Why the station refused a command. The control API answers each kind with its own status
/// and `{"error": <the message>}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The request is wrong in itself (a car script that does not parse, ...): 400.
    #[error("{0}")]
    Invalid(String),
    /// Something the request names does not exist: 404.
    #[error("{0}")]
    NotFound(String),
    /// The request does not fit the station's state (plug in where a car is plugged, ...): 409.
    #[error("{0}")]
    Conflict(String),
    /// The station cannot take commands now (it is stopping): 503.
    #[error("{0}")]
    Unavailable(String),
}

/// How a plugged-in car charges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeMode {
    /// IEC 61851 basic charging (PWM only).
    #[default]
    Basic,
    /// ISO 15118 AC.
    IsoAc,
    /// ISO 15118 DC.
    IsoDc,
}

/// `POST /api/v1/connectors/{c}/plug-in`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlugIn {
    /// The most current the car draws per phase, A (the station's default car when absent).
    pub max_current_a: Option<f64>,
    /// How many phases the car uses (1 or 3).
    pub phases: Option<u8>,
    /// The charge mode (basic when absent).
    pub mode: Option<ChargeMode>,
}

/// `POST /api/v1/connectors/{c}/car-script`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarScript {
    /// The commands, `;`-separated, e.g. `sleep 1;iec_wait_pwr_ready;draw_power_regulated 16,3`.
    pub script: String,
    /// Replace the running script instead of queueing after it.
    #[serde(default)]
    pub replace: bool,
}

/// `POST /api/v1/connectors/{c}/errors`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardwareError {
    /// One of [`ERROR_TYPES`].
    #[serde(rename = "type")]
    pub error_type: String,
    /// Raise (true) or clear (false).
    pub raise: bool,
}

/// `POST /api/v1/connectors/{c}/stop-transaction`: why the station stops the transaction.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopTransaction {
    /// An OCPP 1.6 StopTransaction reason (`Local`, `EmergencyStop`, `Reboot`, `Other`, ...);
    /// `Local` when absent.
    #[serde(default = "local_reason")]
    pub reason: String,
}

fn local_reason() -> String {
    "Local".to_owned()
}

/// The StopTransaction reasons a station itself may give (OCPP 1.6 §7.32): the others are the
/// central system's (Remote, HardReset, SoftReset, UnlockCommand, DeAuthorized) or follow from
/// what happens (EVDisconnected: unplug; PowerLoss: the station dies).
pub const STATION_STOP_REASONS: [&str; 4] = ["Local", "EmergencyStop", "Reboot", "Other"];

/// `POST /api/v1/connectors/{c}/meter`: each given value replaces the simulated one.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterOverride {
    /// The energy import register, Wh.
    pub energy_wh: Option<f64>,
    /// Active power import, W.
    pub power_w: Option<f64>,
    /// Voltage, V (every phase).
    pub voltage_v: Option<f64>,
    /// Current, A (every phase in use).
    pub current_a: Option<f64>,
}

/// `POST /api/v1/tokens`: an RFID swipe.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The OCPP idTag (1 to 20 characters); absent: the token the provider module is
    /// configured with (its `token` parameter).
    #[serde(default)]
    pub id_tag: Option<String>,
    /// The connectors the token may be used at (every one when absent).
    pub connectors: Option<Vec<u32>>,
    /// Already validated: skip authorization (like EVerest's `prevalidated`).
    #[serde(default)]
    pub prevalidated: bool,
    /// The module id of the DummyTokenProviderManual (connected to Auth) that reads the
    /// token; the first one when absent.
    #[serde(default)]
    pub provider: Option<String>,
}

/// The hardware faults `POST .../errors` raises and clears: everest-core's error types of the
/// simulated board (`errors/evse_board_support.yaml`), RCD (`errors/ac_rcd.yaml`) and connector
/// lock (`errors/connector_lock.yaml`), named `<group>/<name>` as EVerest names them.
pub const ERROR_TYPES: &[&str] = &[
    "evse_board_support/DiodeFault",
    "evse_board_support/VentilationNotAvailable",
    "evse_board_support/BrownOut",
    "evse_board_support/EnergyManagement",
    "evse_board_support/PermanentFault",
    "evse_board_support/MREC2GroundFailure",
    "evse_board_support/MREC3HighTemperature",
    "evse_board_support/MREC4OverCurrentFailure",
    "evse_board_support/MREC5OverVoltage",
    "evse_board_support/MREC6UnderVoltage",
    "evse_board_support/MREC8EmergencyStop",
    "evse_board_support/MREC10InvalidVehicleMode",
    "evse_board_support/MREC14PilotFault",
    "evse_board_support/MREC15PowerLoss",
    "evse_board_support/MREC17EVSEContactorFault",
    "evse_board_support/MREC18CableOverTempDerate",
    "evse_board_support/MREC19CableOverTempStop",
    "evse_board_support/MREC20PartialInsertion",
    "evse_board_support/MREC23ProximityFault",
    "evse_board_support/MREC24ConnectorVoltageHigh",
    "evse_board_support/MREC25BrokenLatch",
    "evse_board_support/MREC26CutCable",
    "evse_board_support/TiltDetected",
    "evse_board_support/WaterIngressDetected",
    "evse_board_support/EnclosureOpen",
    "evse_board_support/VendorError",
    "evse_board_support/VendorWarning",
    "evse_board_support/CommunicationFault",
    "ac_rcd/Selftest",
    "ac_rcd/DC",
    "ac_rcd/AC",
    "ac_rcd/MREC2GroundFailure",
    "ac_rcd/VendorError",
    "ac_rcd/VendorWarning",
    "connector_lock/ConnectorLockCapNotCharged",
    "connector_lock/ConnectorLockUnexpectedOpen",
    "connector_lock/ConnectorLockUnexpectedClose",
    "connector_lock/ConnectorLockFailedLock",
    "connector_lock/ConnectorLockFailedUnlock",
    "connector_lock/MREC1ConnectorLockFailure",
    "connector_lock/VendorError",
    "connector_lock/VendorWarning",
];
