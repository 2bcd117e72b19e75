//! What the control API asks of the station: the [`StationControl`] trait the runtime
//! implements, the requests it passes (already checked: a method never sees an unknown
//! connector, an empty script or an unknown error type), what a command did ([`Outcome`]) and
//! the errors it may answer.

use crate::sim::evse_manager::random_delay::RandomDelayCommand;
use futures_util::future::BoxFuture;
use ocpp_types::core::{DataTransferRequest, DataTransferResponse};
use serde::{Deserialize, Serialize};

use super::state::{Identification, OcppFrame, StationState};
use crate::display::{
    ClearMessageResponse, DisplayMessage, GetDisplayMessageRequest, SetDisplayMessageResponse,
};
pub use crate::sim::enable_sources::{EnableSource, EnableState};

/// How many of the last OCPP frames the station keeps for [`StationControl::recent_frames`].
pub const RECENT_FRAMES: usize = 200;

/// What a command answers once the station carried it out, or refused it.
pub type Reply<'a> = BoxFuture<'a, Result<Outcome, ControlError>>;

/// What a DataTransfer to the CSMS answers: the CSMS's DataTransfer.conf, or why there is none.
pub type DataTransferReply<'a> = BoxFuture<'a, Result<DataTransferResponse, ControlError>>;

/// What a command did: `{"ok": true}` when it is done (the state shows it already), with
/// `started` when it only starts something that goes on (`"started": "..."` says what).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Outcome {
    /// Always true: the command was taken.
    pub ok: bool,
    /// What goes on after the answer, for a command that only starts something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// For a token: the identification as the state shows it now (its result, or
    /// `pending` while the CSMS has not answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Identification>,
}

impl Outcome {
    /// Done: the state shows it.
    pub fn done() -> Outcome {
        Outcome {
            ok: true,
            ..Outcome::default()
        }
    }

    /// Started: `what` goes on after the answer.
    pub fn started(what: impl Into<String>) -> Outcome {
        Outcome {
            ok: true,
            started: Some(what.into()),
            authorization: None,
        }
    }
}

/// The station as the control API drives it. The runtime implements it. A command resolves
/// once the station carried it out and the state shows it (or with [`Outcome::started`] for
/// one that only starts something), or with the reason it was refused, having changed
/// nothing. The connector ids passed exist in [`state`](Self::state).
pub trait StationControl: Send + Sync + 'static {
    /// The current state.
    fn state(&self) -> StationState;
    /// A car is plugged in at `connector`.
    fn plug_in(&self, connector: u32, request: PlugIn) -> Reply<'_>;
    /// The car at `connector` is unplugged.
    fn unplug(&self, connector: u32) -> Reply<'_>;
    /// The car at `connector` stops drawing power (OCPP SuspendedEV).
    fn ev_pause(&self, connector: u32) -> Reply<'_>;
    /// The car at `connector` draws power again.
    fn ev_resume(&self, connector: u32) -> Reply<'_>;
    /// The car at `connector` runs `request.script` (EvManager's command language).
    fn car_script(&self, connector: u32, request: CarScript) -> Reply<'_>;
    /// The car simulation at `connector` is enabled or disabled (EvManager's `enable`): a
    /// disabled car leaves the plug and takes no script. The default: not simulated.
    fn car_enable(&self, connector: u32, enable: bool) -> Reply<'_> {
        let _ = (connector, enable);
        unsupported("car_enable")
    }
    /// A hardware fault at `connector` is raised or cleared.
    fn hardware_error(&self, connector: u32, request: HardwareError) -> Reply<'_>;
    /// The simulated meter of `connector` shows the given values.
    fn meter(&self, connector: u32, request: MeterOverride) -> Reply<'_>;
    /// An RFID card is presented.
    fn token(&self, request: Token) -> Reply<'_>;
    /// Drop the CSMS connection and stay offline.
    fn ocpp_disconnect(&self) -> Reply<'_>;
    /// Connect to the CSMS again.
    fn ocpp_connect(&self) -> Reply<'_>;
    /// Stop the station gracefully (the process exits 0).
    fn stop(&self) -> Reply<'_>;
    /// The station stops the transaction at `connector` for `request.reason`: a stop
    /// button, an emergency stop, a local reboot.
    fn stop_transaction(&self, connector: u32, request: StopTransaction) -> Reply<'_>;
    /// The last OCPP frames sent and received, oldest first (at most [`RECENT_FRAMES`]): what
    /// the web UI's log shows on load. The default: none kept.
    fn recent_frames(&self) -> Vec<OcppFrame> {
        Vec::new()
    }
    /// EVerest's `enable_disable` of the EVSE at `connector`: `request.source` asks for
    /// `request.state` at `request.priority`, and the EVSE is enabled or disabled as the
    /// table of every source's last request decides (docs/mqtt.md). The default: refused.
    fn enable_disable(&self, connector: u32, request: EnableDisable) -> Reply<'_> {
        let _ = (connector, request);
        unsupported("enable_disable")
    }
    /// The EVSE at `connector` stops offering energy; its transaction goes on (OCPP
    /// SuspendedEVSE), until [`resume_charging`](Self::resume_charging).
    fn pause_charging(&self, connector: u32) -> Reply<'_> {
        let _ = connector;
        unsupported("pause_charging")
    }
    /// The EVSE at `connector` offers energy again after [`pause_charging`](Self::pause_charging).
    fn resume_charging(&self, connector: u32) -> Reply<'_> {
        let _ = connector;
        unsupported("resume_charging")
    }
    /// An external limit on the energy sink of the EVSE at `connector` (EVerest's API
    /// `evse_energy_sink`): the energy manager shares no more than it there.
    fn set_limit(&self, connector: u32, request: ExternalLimit) -> Reply<'_> {
        let _ = (connector, request);
        unsupported("set_limit")
    }
    /// The connector is unlocked, as OCPP's UnlockConnector does it: a running transaction
    /// stops first (reason UnlockCommand).
    fn force_unlock(&self, connector: u32) -> Reply<'_> {
        let _ = connector;
        unsupported("force_unlock")
    }
    /// A command of the UK random delay of the EVSE at `connector` (EVerest's
    /// `uk_random_delay` interface: enable, disable, cancel, the longest delay).
    fn random_delay(&self, connector: u32, command: RandomDelayCommand) -> Reply<'_> {
        let _ = (connector, command);
        unsupported("random_delay")
    }
    /// The display (a TerminalDisplayMessage module) takes `messages`: its
    /// `set_display_message` answer. The default: the station has no display.
    fn set_display_messages(
        &self,
        messages: Vec<DisplayMessage>,
    ) -> Result<SetDisplayMessageResponse, ControlError> {
        let _ = messages;
        Err(no_display())
    }
    /// The ErrorHistory module's errors that pass `filter` (its `get_errors`), oldest first.
    /// The default: the station has no ErrorHistory module.
    fn error_history(
        &self,
        filter: &crate::error_history::ErrorFilter,
    ) -> Result<Vec<crate::error_history::ErrorObject>, ControlError> {
        let _ = filter;
        Err(no_error_history())
    }
    /// The display's messages that pass `request`'s filters (`get_display_messages`).
    fn display_messages(
        &self,
        request: GetDisplayMessageRequest,
    ) -> Result<Vec<DisplayMessage>, ControlError> {
        let _ = request;
        Err(no_display())
    }
    /// The station detected the security event `request` (already checked: a type of the
    /// whitepaper's list, a techInfo of at most 255 characters): it goes to the security log
    /// (the state's `security_events` shows it), and to the CSMS as SecurityEventNotification
    /// when critical. The default: the station takes none.
    fn security_event(&self, request: SecurityEventRequest) -> Reply<'_> {
        let _ = request;
        Box::pin(async {
            Err(ControlError::NotFound(
                "this station takes no security events".to_owned(),
            ))
        })
    }
    /// A DataTransfer.req to the CSMS (EVerest's `data_transfer` command of the OCPP module):
    /// the CSMS's DataTransfer.conf, whatever its status; [`ControlError::Unavailable`] when
    /// it is not sent (offline, not registered), [`ControlError::Timeout`] when the CSMS gave
    /// no DataTransfer.conf. The default: the station sends none.
    fn data_transfer(&self, request: DataTransferRequest) -> DataTransferReply<'_> {
        let _ = request;
        Box::pin(async {
            Err(ControlError::NotFound(
                "data_transfer: not supported by this station".to_owned(),
            ))
        })
    }
    /// The display's message `id` is removed (`clear_display_message`).
    fn clear_display_message(&self, id: i32) -> Result<ClearMessageResponse, ControlError> {
        let _ = id;
        Err(no_display())
    }
}

/// What a station answers a command it does not carry out.
fn unsupported(what: &str) -> Reply<'static> {
    let message = format!("{what}: not supported by this station");
    Box::pin(async move { Err(ControlError::NotFound(message)) })
}

/// What a station without an ErrorHistory module answers the error history route.
pub fn no_error_history() -> ControlError {
    ControlError::NotFound(
        "the station has no error history: no ErrorHistory module in its config".to_owned(),
    )
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
    /// The station took the command but did not finish it in time (the state shows how far
    /// it got): 504.
    #[error("{0}")]
    Timeout(String),
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
    /// How many phases the car uses (1 or 3: an IEC 61851 AC car draws on one phase or on
    /// three).
    pub phases: Option<u8>,
    /// The charge mode (basic when absent).
    pub mode: Option<ChargeMode>,
    /// The payment option an ISO 15118 car selects (`auto` when absent: the contract when the
    /// charger offers it and the car has one).
    pub payment: Option<Payment>,
}

/// The payment option of an ISO 15118 car (ISO 15118-2 PaymentOption; EvManager's
/// `iso_start_v2g_session` argument).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Payment {
    /// Plug&Charge with the car's contract certificate.
    Contract,
    /// External identification (a card, an app).
    ExternalPayment,
}

impl Payment {
    /// The car command language's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Payment::Contract => "contract",
            Payment::ExternalPayment => "externalpayment",
        }
    }
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

/// `POST /api/v1/security-events`: a security event the station detected, as EVerest's OCPP
/// module takes it with its `security_event` command (`type`, `info`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityEventRequest {
    /// One of the Security whitepaper's event types
    /// ([`security_events::ALL`](chargepoint::charge_point::security_events::ALL)).
    #[serde(rename = "type")]
    pub kind: String,
    /// Free text, at most 255 characters (the notification's techInfo).
    #[serde(default)]
    pub tech_info: Option<String>,
}

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

/// EVerest's `enable_disable` command (API's `cmd/enable_disable` payload, `POST
/// .../enable-disable`): a source asks for a state at a priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnableDisable {
    /// The connector of the EVSE (0: the whole EVSE; an EVSE here has connector 1).
    #[serde(default)]
    pub connector_id: u32,
    /// Who asks (`LocalAPI` when absent, as EVerest's API module).
    #[serde(default = "local_api")]
    pub source: EnableSource,
    /// What it asks for (`Enable` when absent).
    #[serde(default = "enable")]
    pub state: EnableState,
    /// Its priority, 0 (highest) to 10000 (100 when absent).
    #[serde(default = "api_priority")]
    pub priority: u32,
}

fn local_api() -> EnableSource {
    EnableSource::LocalApi
}

fn enable() -> EnableState {
    EnableState::Enable
}

/// The priority EVerest's API module gives its `enable`, `disable` and `enable_disable`.
pub const API_PRIORITY: u32 = 100;

fn api_priority() -> u32 {
    API_PRIORITY
}

/// An external limit on an EVSE's energy sink (API's `set_limit_amps`, `set_limit_watts`,
/// `set_limit_amps_phases`; `POST .../limit`): exactly one of `amps` and `watts`. A limit of
/// 0 or below limits import to nothing (EVerest puts a negative one on export, which an AC
/// station does not do).
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalLimit {
    /// Current per phase, A.
    pub amps: Option<f64>,
    /// Total power, W.
    pub watts: Option<f64>,
    /// The phase count allowed (1 or 3), with `amps`.
    pub phases: Option<u8>,
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
/// simulated board (`errors/evse_board_support.yaml`), RCD (`errors/ac_rcd.yaml`), connector
/// lock (`errors/connector_lock.yaml`) and the power meter's CommunicationFault
/// (`errors/powermeter.yaml`), named `<group>/<name>` as EVerest names them.
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
    "powermeter/CommunicationFault",
];
