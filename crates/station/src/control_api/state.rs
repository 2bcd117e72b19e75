//! The documents the control API sends: the station state of `GET /api/v1/state` (DESIGN §6,
//! field names fixed by contract v1) and the events of `GET /api/v1/events`.

use chrono::{DateTime, Utc};
use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus, RegistrationStatus};
use serde::{Deserialize, Serialize};

use crate::display::DisplayMessage;
use crate::message_log::{Direction, FrameInfo, MessageKind};

/// `GET /api/v1/state`: the OCPP connection and every connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StationState {
    /// The CSMS connection.
    pub ocpp: OcppState,
    /// Every connector, in connector id order.
    pub connectors: Vec<ConnectorState>,
    /// What the display (a TerminalDisplayMessage module) shows now, first the message in
    /// front; `None` when the station has no display.
    #[serde(default)]
    pub display_messages: Option<Vec<DisplayMessage>>,
    /// The store and config files found unreadable at start (the OCPP database, the user
    /// config, a PersistentStore database): where each was moved aside and what was lost, as
    /// far as can be told. Empty when every file read well.
    #[serde(default)]
    pub store_recovered: Vec<chargepoint::recovery::Recovered>,
    /// California Pricing: the default price in force (what a session without a user price
    /// costs); `None` when California Pricing is off.
    #[serde(default)]
    pub default_price: Option<Box<super::DefaultPriceState>>,
    /// The security log's last events (at most [`RECENT_SECURITY_EVENTS`]), oldest first:
    /// those of earlier runs read back from the log at start, then every event of this run
    /// as the station writes it.
    #[serde(default)]
    pub security_events: Vec<SecurityEventEntry>,
    /// The connection to the MQTT broker of EVerest's external API; `None` when the station
    /// has none (docs/mqtt.md).
    #[serde(default)]
    pub mqtt: Option<MqttState>,
    /// The certificates of the station's certificate store (its EvseSecurity module): the CSMS
    /// roots (the fallback root included), the manufacturer, V2G and MO roots, then the
    /// station's own certificates, as the charge-point core last read them. Empty without a
    /// store.
    #[serde(default)]
    pub certificates: Vec<CertificateState>,
}

/// How many of the security log's last events the state holds.
pub const RECENT_SECURITY_EVENTS: usize = 20;

/// One event of the station's security log (OCPP 1.6 Security whitepaper, its list of
/// security events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventEntry {
    /// When, RFC 3339 with milliseconds: the event's timestamp, on the CSMS's clock as the
    /// station keeps it (what its SecurityEventNotification carries).
    pub time: String,
    /// The whitepaper's type (`StartupOfTheDevice`, `TamperDetectionActivated`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Free text (techInfo).
    #[serde(default)]
    pub tech_info: Option<String>,
    /// Whether the whitepaper calls it critical: a critical event is also sent to the CSMS
    /// as SecurityEventNotification (queued while offline), as are refused certificates and
    /// firmware signatures.
    pub critical: bool,
}

/// The `mqtt` part of the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MqttState {
    /// The broker, `host:port`.
    pub broker: String,
    /// Whether it is connected now (the station goes on without it, and connects again).
    pub connected: bool,
}

impl StationState {
    /// The connector `id`.
    pub fn connector(&self, id: u32) -> Option<&ConnectorState> {
        self.connectors.iter().find(|c| c.id == id)
    }
}

/// The `ocpp` part of the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcppState {
    /// Whether the websocket to the CSMS is open.
    pub connected: bool,
    /// The BootNotification answer's status; `None` before the first answer.
    pub registration: Option<RegistrationStatus>,
    /// The station's ChargePointId.
    pub charge_point_id: String,
    /// Transaction-related messages (StartTransaction, MeterValues of a transaction,
    /// StopTransaction, critical security events) the CSMS has not confirmed yet, the one in
    /// flight included: what waits in the station's database while it is offline.
    #[serde(default)]
    pub queued: usize,
    /// Why the last connection attempt failed or the connection ended; `None` once connected.
    #[serde(default)]
    pub last_error: Option<ConnectionFailure>,
    /// The station stays offline on request (`ocpp/disconnect`, until `ocpp/connect`);
    /// otherwise, while not connected, it keeps trying to connect.
    #[serde(default)]
    pub offline_requested: bool,
    /// The CSMS's web UI, when known (`ferrocharge sil`: its dev CSMS's): the page links it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csms_web_ui: Option<String>,
}

/// A connection to the CSMS that failed or ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionFailure {
    /// When, RFC 3339 with milliseconds.
    pub time: String,
    /// A stable name of the failure: ocpp-ws's name of the connect error (`tcp`, `timeout`,
    /// `unauthorized`, `csms_certificate_untrusted`, ...), or `disconnected`.
    pub kind: String,
    /// What happened, in words.
    pub message: String,
}

/// The kind of an installed CA certificate: OCPP 1.6's CertificateUse names for the two
/// InstallCertificate installs, OCPP 2.0.1's GetCertificateIdUse names for the ISO 15118 ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertificateType {
    /// A CSMS root (`csms_ca_bundle`).
    CentralSystemRootCertificate,
    /// A manufacturer root (`mf_ca_bundle`).
    ManufacturerRootCertificate,
    /// An ISO 15118 V2G root (`v2g_ca_bundle`).
    #[serde(rename = "V2GRootCertificate")]
    V2gRootCertificate,
    /// An ISO 15118 mobility operator root (`mo_ca_bundle`).
    #[serde(rename = "MORootCertificate")]
    MoRootCertificate,
    /// The charge point's own certificate for the CSMS connection (`csms_leaf_cert_directory`).
    ChargePointCertificate,
    /// The ISO 15118 SECC certificate (`secc_leaf_cert_directory`).
    #[serde(rename = "V2GCertificate")]
    V2gCertificate,
}

/// One installed CA certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateState {
    /// Its kind (its bundle).
    #[serde(rename = "type")]
    pub kind: CertificateType,
    /// Its subject, as RFC 4514 writes it (`CN=Root,O=Example`).
    pub subject: String,
    /// The end of its validity (notAfter), RFC 3339.
    pub expiry: String,
    /// Its serial number, hexadecimal (as GetInstalledCertificateIds names it).
    pub serial_number: String,
    /// The CSMS root kept as the fallback (AdditionalRootCertificateCheck) until the root that
    /// replaced it verified a connection.
    pub fallback: bool,
}

/// The last identification (an RFID card, a remote start) at a connector, and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identification {
    /// The idTag.
    pub id_tag: String,
    /// The result (see [`IdentificationResult`]).
    pub result: IdentificationResult,
    /// What it means here, in words (what the card did, why it was refused).
    pub detail: Option<String>,
    /// When it was presented, RFC 3339 with milliseconds.
    pub time: String,
}

/// The result of an identification: OCPP's AuthorizationStatus as the CSMS, the local list
/// or the cache gave it, `pending` while the CSMS has not answered, or `Refused` when the
/// identifier is valid but cannot be used here now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentificationResult {
    /// Waiting for the CSMS's answer (Authorize.req sent or queued).
    #[serde(rename = "pending")]
    Pending,
    /// May charge (or it stopped its own transaction: see the detail).
    Accepted,
    /// Unknown, or not allowed to charge (also: unknown while offline).
    Invalid,
    /// Blocked.
    Blocked,
    /// Expired.
    Expired,
    /// In a transaction elsewhere already.
    ConcurrentTx,
    /// Valid, but the station cannot use it now: the connector is reserved for another
    /// identifier, or no connector is free.
    Refused,
}

/// What sets a connector's `limit_a` (see [`ConnectorState::limit_source`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitSource {
    /// The EVSE's own maximum current.
    Evse,
    /// An EnergyNode's fuse, shared with the other EVSEs under it.
    Fuse,
    /// A Smart Charging profile of the CSMS (on this connector or the whole station).
    OcppProfile,
    /// The car: it draws less than offered, at most what it takes by itself.
    Car,
    /// An external limit of EVerest's API module (`cmd/set_limit_amps`, ..., or the control
    /// API's `limit` route) on the EVSE's API energy sink.
    Api,
}

/// A running transaction as the charge-point core holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionState {
    /// The CSMS's transactionId; while StartTransaction.conf has not arrived (offline, say),
    /// the station's placeholder, a negative number.
    pub id: i32,
    /// Whether the CSMS confirmed it (gave `id`).
    pub confirmed: bool,
    /// The idTag it runs for.
    pub id_tag: String,
    /// meterStart, Wh.
    pub meter_start_wh: i32,
    /// When it started, RFC 3339.
    pub started_at: String,
}

/// A reservation of a connector (ReserveNow).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationState {
    /// The reservationId.
    pub id: i32,
    /// The idTag it is for.
    pub id_tag: String,
    /// When it expires, RFC 3339.
    pub expiry_date: String,
}

/// One connector of the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorState {
    /// The OCPP connector id (from 1).
    pub id: u32,
    /// The OCPP status now, as the charge-point core holds it (what the next
    /// StatusNotification says; offline too, where none is sent).
    pub status: ChargePointStatus,
    /// The OCPP error code of the latest active hardware error (NoError without one).
    pub error_code: ChargePointErrorCode,
    /// The running transaction's id: the CSMS's transactionId, or the station's negative
    /// placeholder while the CSMS has not confirmed the transaction (see `transaction`).
    pub transaction_id: Option<i32>,
    /// The idTag of the running transaction.
    pub id_tag: Option<String>,
    /// The running transaction's session id (EvseManager's UUID); what a display message's
    /// SessionId identifier names.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Active power import, W.
    pub power_w: f64,
    /// The meter's energy import register, Wh.
    pub energy_wh: f64,
    /// Whether a car is plugged in.
    pub plugged: bool,
    /// The current the EVSE offers the car now, A per phase: its share of the energy tree
    /// (what it would offer at once when no car asks); `None` before the first distribution.
    pub limit_a: Option<f64>,
    /// What sets `limit_a` (or, when the car draws less, the car).
    #[serde(default)]
    pub limit_source: Option<LimitSource>,
    /// The hardware errors raised now, by everest-core type (`ac_rcd/DC`, ...).
    #[serde(default)]
    pub fault: Vec<String>,
    /// Those of `fault` raised through the control API (what `errors` with `raise: false`
    /// clears); the others the car causes, and they clear when it stops.
    #[serde(default)]
    pub fault_raised: Vec<String>,
    /// The info of the latest error as the StatusNotification carries it.
    #[serde(default)]
    pub error_info: Option<String>,
    /// The last identification at this connector.
    #[serde(default)]
    pub authorization: Option<Identification>,
    /// The running transaction.
    #[serde(default)]
    pub transaction: Option<TransactionState>,
    /// The reservation of this connector.
    #[serde(default)]
    pub reservation: Option<ReservationState>,
    /// The EVSE's session state (everest-core's EvseManager states: `Idle`,
    /// `WaitingForAuthentication`, `Charging`, `ChargingPausedEV`, ...).
    #[serde(default)]
    pub evse_state: String,
    /// California Pricing: the pricing of the session here (the price text in force, the last
    /// cost, whether it is final, ...), kept after the session ends until the next one starts;
    /// `None` before the first session and when California Pricing is off.
    #[serde(default)]
    pub pricing: Option<super::PricingState>,
    /// What the simulated car does: `unplugged`, `plugged_in` (not drawing yet: its script
    /// waits for the EVSE to offer power), `drawing` (asks for power), `paused` (plugged in,
    /// not asking for power, nothing running: `ev-pause`, or a script that ended so),
    /// `error_e`, `diode_fail`.
    #[serde(default)]
    pub car: String,
    /// The UK random delay of the EVSE (EvseManager `uk_smartcharging_random_delay_*`);
    /// `None` while random delays are off.
    #[serde(default)]
    pub random_delay: Option<RandomDelayState>,
}

/// The `random_delay` part of a connector's state: EVerest's `uk_random_delay` countdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomDelayState {
    /// The longest delay, s.
    pub max_duration_s: u64,
    /// Seconds left of the running delay; 0 when none runs.
    pub countdown_s: u64,
    /// The limit in force while the delay runs, A per phase.
    pub limit_during_a: f64,
    /// The limit that applies once it is over, A per phase.
    pub limit_after_a: f64,
}

/// Which way a frame went, from the station's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameDirection {
    /// The station sent it to the CSMS.
    Sent,
    /// The station received it from the CSMS.
    Received,
}

impl From<Direction> for FrameDirection {
    fn from(d: Direction) -> Self {
        match d {
            Direction::ChargePointToCentralSystem => FrameDirection::Sent,
            Direction::CentralSystemToChargePoint => FrameDirection::Received,
        }
    }
}

/// One OCPP frame, as the event stream shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcppFrame {
    /// Its number, counting up from 1 over the process's life (a Reset does not start it
    /// again): `GET /api/v1/events?after=N` resumes after frame N without a gap or a repeat.
    #[serde(default)]
    pub seq: u64,
    /// Sent or received.
    pub direction: FrameDirection,
    /// When, RFC 3339 with milliseconds.
    pub time: String,
    /// `CALL`, `CALLRESULT`, `CALLERROR` or `INVALID`.
    pub message_type: String,
    /// The action (for an answer, of the CALL it answers), when known.
    pub action: Option<String>,
    /// The frame's text as it went over the wire, the values of write-only configuration keys
    /// replaced by `<redacted>` ([`FrameInfo::text`]).
    pub frame: String,
}

impl OcppFrame {
    /// The event of a frame the message log has read (what [`MessageLog::record`] returned).
    ///
    /// [`MessageLog::record`]: crate::message_log::MessageLog::record
    pub fn new(direction: Direction, time: DateTime<Utc>, info: &FrameInfo) -> Self {
        OcppFrame {
            seq: 0,
            direction: direction.into(),
            time: crate::message_log::timestamp(time),
            message_type: info.kind.name().to_owned(),
            action: match info.kind {
                MessageKind::Unparsed => None,
                _ => info.action.clone(),
            },
            frame: info.text.clone(),
        }
    }

    /// The frame numbered `seq`.
    pub fn with_seq(mut self, seq: u64) -> Self {
        self.seq = seq;
        self
    }
}

/// What `GET /api/v1/events` streams. The runtime sends these on the broadcast channel given to
/// [`router`](super::router); each becomes one server-sent event whose `event:` is `state` or
/// `ocpp` and whose `data:` is the JSON of the state or the frame.
///
/// Both are boxed: tokio's broadcast channel fills every slot of its buffer when it is made
/// (1,024 events for a station), so the event's size is paid 1,024 times by an idle station
/// whose stream nobody reads (320 KiB of resident memory before, 16 bytes an event now).
#[derive(Debug, Clone, PartialEq)]
pub enum StationEvent {
    /// The state changed; the whole new state.
    State(Box<StationState>),
    /// An OCPP frame was sent or received.
    Ocpp(Box<OcppFrame>),
}

impl StationEvent {
    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            StationEvent::State(_) => "state",
            StationEvent::Ocpp(_) => "ocpp",
        }
    }

    /// The SSE `data:` JSON.
    pub fn data(&self) -> String {
        let json = match self {
            StationEvent::State(s) => serde_json::to_string(&**s),
            StationEvent::Ocpp(f) => serde_json::to_string(&**f),
        };
        // Serializing these plain structs cannot fail (no maps with non-string keys, no
        // fallible Serialize impls); an empty object keeps the stream well formed regardless.
        json.unwrap_or_else(|_| "{}".to_owned())
    }
}
