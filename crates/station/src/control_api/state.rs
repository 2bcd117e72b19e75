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
}

/// One connector of the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorState {
    /// The OCPP connector id (from 1).
    pub id: u32,
    /// The OCPP status, as the last StatusNotification reported it.
    pub status: ChargePointStatus,
    /// The OCPP error code, as the last StatusNotification reported it.
    pub error_code: ChargePointErrorCode,
    /// The running transaction's id (OCPP's transactionId is an integer).
    pub transaction_id: Option<i32>,
    /// The idTag of the running session.
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
    /// The current limit in force (smart charging, energy management), A; `None` when unlimited.
    pub limit_a: Option<f64>,
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
    /// Sent or received.
    pub direction: FrameDirection,
    /// When, RFC 3339 with milliseconds.
    pub time: String,
    /// `CALL`, `CALLRESULT`, `CALLERROR` or `INVALID`.
    pub message_type: String,
    /// The action (for an answer, of the CALL it answers), when known.
    pub action: Option<String>,
    /// The frame's text as it went over the wire.
    pub frame: String,
}

impl OcppFrame {
    /// The event of a frame the message log has read (what [`MessageLog::record`] returned).
    ///
    /// [`MessageLog::record`]: crate::message_log::MessageLog::record
    pub fn new(direction: Direction, time: DateTime<Utc>, info: &FrameInfo, text: &str) -> Self {
        OcppFrame {
            direction: direction.into(),
            time: crate::message_log::timestamp(time),
            message_type: info.kind.name().to_owned(),
            action: match info.kind {
                MessageKind::Unparsed => None,
                _ => info.action.clone(),
            },
            frame: text.to_owned(),
        }
    }
}

/// What `GET /api/v1/events` streams. The runtime sends these on the broadcast channel given to
/// [`router`](super::router); each becomes one server-sent event whose `event:` is `state` or
/// `ocpp` and whose `data:` is the JSON of the state or the frame.
#[derive(Debug, Clone, PartialEq)]
pub enum StationEvent {
    /// The state changed; the whole new state.
    State(StationState),
    /// An OCPP frame was sent or received.
    Ocpp(OcppFrame),
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
            StationEvent::State(s) => serde_json::to_string(s),
            StationEvent::Ocpp(f) => serde_json::to_string(f),
        };
        // Serializing these plain structs cannot fail (no maps with non-string keys, no
        // fallible Serialize impls); an empty object keeps the stream well formed regardless.
        json.unwrap_or_else(|_| "{}".to_owned())
    }
}
