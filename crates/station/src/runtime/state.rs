//! The station state the control API shows ([`StationState`]), kept up to date from what the
//! OCPP frames say (registration, status, transaction ids: as the CSMS saw them) and from the
//! simulation (plug, power, energy, limit).

use std::collections::{HashMap, HashSet};

use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus, RegistrationStatus};
use serde_json::Value;

use crate::control_api::{ConnectorState, OcppState, StationState};
use crate::display::DisplayMessage;
use crate::message_log::{Direction, FrameInfo, MessageKind};

/// The state and what is needed to read the frames into it.
#[derive(Debug, Clone)]
pub struct Tracker {
    state: StationState,
    /// StartTransaction CALLs waiting for their answer: message id → connector.
    starts: HashMap<String, u32>,
    /// StopTransaction CALLs waiting for their answer: message id → transactionId.
    stops: HashMap<String, i64>,
    /// The transactions whose StopTransaction the CSMS confirmed.
    stopped: HashSet<i64>,
    /// The station sent its answer to a Reset.
    reset_answered: bool,
}

impl Tracker {
    /// Every connector Available, not connected, nothing registered.
    pub fn new(charge_point_id: &str, connectors: u32) -> Tracker {
        let connectors = (1..=connectors)
            .map(|id| ConnectorState {
                id,
                status: ChargePointStatus::Available,
                error_code: ChargePointErrorCode::NoError,
                transaction_id: None,
                id_tag: None,
                session_id: None,
                power_w: 0.0,
                energy_wh: 0.0,
                plugged: false,
                limit_a: None,
            })
            .collect();
        Tracker {
            state: StationState {
                ocpp: OcppState {
                    connected: false,
                    registration: None,
                    charge_point_id: charge_point_id.to_owned(),
                },
                connectors,
                display_messages: None,
            },
            starts: HashMap::new(),
            stops: HashMap::new(),
            stopped: HashSet::new(),
            reset_answered: false,
        }
    }

    /// The transaction ids the connectors show now.
    pub fn transaction_ids(&self) -> Vec<i64> {
        self.state
            .connectors
            .iter()
            .filter_map(|c| c.transaction_id.map(i64::from))
            .collect()
    }

    /// Whether the CSMS confirmed the StopTransaction of `transaction_id`.
    pub fn stop_confirmed(&self, transaction_id: i64) -> bool {
        self.stopped.contains(&transaction_id)
    }

    /// Whether a StopTransaction waits for its answer.
    pub fn stop_in_flight(&self) -> bool {
        !self.stops.is_empty()
    }

    /// Whether the station's answer to a Reset went out.
    pub fn reset_answered(&self) -> bool {
        self.reset_answered
    }

    /// The state now.
    pub fn state(&self) -> &StationState {
        &self.state
    }

    /// The connector `id`, to update.
    pub fn connector_mut(&mut self, id: u32) -> Option<&mut ConnectorState> {
        self.state.connectors.iter_mut().find(|c| c.id == id)
    }

    /// What the display shows now (`None`: the station has no display).
    pub fn set_display_messages(&mut self, shown: Option<Vec<DisplayMessage>>) {
        self.state.display_messages = shown;
    }

    /// The websocket opened or closed.
    pub fn set_connected(&mut self, connected: bool) {
        self.state.ocpp.connected = connected;
    }

    /// Reads a frame that went over the wire. Returns the registration status when this frame
    /// is a BootNotification answer.
    pub fn frame(
        &mut self,
        direction: Direction,
        info: &FrameInfo,
        text: &str,
    ) -> Option<RegistrationStatus> {
        let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(text) else {
            return None;
        };
        let action = info.action.as_deref();
        match (direction, info.kind, action) {
            (Direction::ChargePointToCentralSystem, MessageKind::Call, Some(action)) => {
                self.call(action, info.message_id.as_deref(), parts.get(3));
                None
            }
            (Direction::CentralSystemToChargePoint, MessageKind::CallResult, Some(action)) => {
                self.answer(action, info.message_id.as_deref(), parts.get(2))
            }
            (Direction::CentralSystemToChargePoint, MessageKind::CallError, Some(_)) => {
                // Not confirmed: the core sends it again (with another message id).
                if let Some(id) = info.message_id.as_deref() {
                    self.stops.remove(id);
                    self.starts.remove(id);
                }
                None
            }
            (Direction::ChargePointToCentralSystem, MessageKind::CallResult, Some("Reset")) => {
                self.reset_answered = true;
                None
            }
            _ => None,
        }
    }

    fn call(&mut self, action: &str, message_id: Option<&str>, payload: Option<&Value>) {
        let Some(payload) = payload else { return };
        let connector = payload
            .get("connectorId")
            .and_then(Value::as_u64)
            .and_then(|c| u32::try_from(c).ok());
        match action {
            "StatusNotification" => {
                let status = payload
                    .get("status")
                    .cloned()
                    .and_then(|s| serde_json::from_value::<ChargePointStatus>(s).ok());
                let error = payload
                    .get("errorCode")
                    .cloned()
                    .and_then(|s| serde_json::from_value::<ChargePointErrorCode>(s).ok());
                if let (Some(c), Some(status), Some(error)) =
                    (connector.and_then(|c| self.connector_mut(c)), status, error)
                {
                    c.status = status;
                    c.error_code = error;
                }
            }
            "StartTransaction" => {
                if let (Some(id), Some(connector)) = (message_id, connector) {
                    self.starts.insert(id.to_owned(), connector);
                }
            }
            "StopTransaction" => {
                let id = payload.get("transactionId").and_then(Value::as_i64);
                if let (Some(message_id), Some(id)) = (message_id, id) {
                    self.stops.insert(message_id.to_owned(), id);
                }
                for c in &mut self.state.connectors {
                    if c.transaction_id.map(i64::from) == id {
                        c.transaction_id = None;
                    }
                }
            }
            _ => {}
        }
    }

    fn answer(
        &mut self,
        action: &str,
        message_id: Option<&str>,
        payload: Option<&Value>,
    ) -> Option<RegistrationStatus> {
        let payload = payload?;
        match action {
            "BootNotification" => {
                let status = payload
                    .get("status")
                    .cloned()
                    .and_then(|s| serde_json::from_value::<RegistrationStatus>(s).ok())?;
                self.state.ocpp.registration = Some(status);
                Some(status)
            }
            "StopTransaction" => {
                if let Some(id) = self.stops.remove(message_id?) {
                    self.stopped.insert(id);
                }
                None
            }
            "StartTransaction" => {
                let connector = self.starts.remove(message_id?)?;
                let id = payload
                    .get("transactionId")
                    .and_then(Value::as_i64)
                    .and_then(|id| i32::try_from(id).ok());
                if let Some(c) = self.connector_mut(connector) {
                    c.transaction_id = id;
                }
                None
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message_log::MessageLog;

    fn read(
        tracker: &mut Tracker,
        log: &mut MessageLog,
        d: Direction,
        text: &str,
    ) -> Option<RegistrationStatus> {
        let info = log.record(d, chrono::Utc::now(), text);
        tracker.frame(d, &info, text)
    }

    #[test]
    fn registration_status_and_transaction_ids_come_from_the_frames() {
        use Direction::{CentralSystemToChargePoint as In, ChargePointToCentralSystem as Out};
        let mut log = MessageLog::disabled();
        let mut t = Tracker::new("cp001", 2);
        read(
            &mut t,
            &mut log,
            Out,
            r#"[2,"1","BootNotification",{"chargePointVendor":"a","chargePointModel":"b"}]"#,
        );
        let status = read(
            &mut t,
            &mut log,
            In,
            r#"[3,"1",{"status":"Accepted","currentTime":"2026-01-01T00:00:00Z","interval":5}]"#,
        );
        assert_eq!(status, Some(RegistrationStatus::Accepted));
        assert_eq!(
            t.state().ocpp.registration,
            Some(RegistrationStatus::Accepted)
        );

        read(
            &mut t,
            &mut log,
            Out,
            r#"[2,"2","StatusNotification",{"connectorId":2,"status":"Faulted","errorCode":"GroundFailure"}]"#,
        );
        let c2 = t.state().connector(2).unwrap();
        assert_eq!(c2.status, ChargePointStatus::Faulted);
        assert_eq!(c2.error_code, ChargePointErrorCode::GroundFailure);

        read(
            &mut t,
            &mut log,
            Out,
            r#"[2,"3","StartTransaction",{"connectorId":1,"idTag":"X","meterStart":0,"timestamp":"2026-01-01T00:00:00Z"}]"#,
        );
        read(
            &mut t,
            &mut log,
            In,
            r#"[3,"3",{"transactionId":7,"idTagInfo":{"status":"Accepted"}}]"#,
        );
        assert_eq!(t.state().connector(1).unwrap().transaction_id, Some(7));
        read(
            &mut t,
            &mut log,
            Out,
            r#"[2,"4","StopTransaction",{"transactionId":7,"meterStop":5,"timestamp":"2026-01-01T00:00:00Z"}]"#,
        );
        assert_eq!(t.state().connector(1).unwrap().transaction_id, None);
        assert!(!t.stop_confirmed(7) && t.stop_in_flight());
        read(&mut t, &mut log, In, r#"[4,"4","InternalError","",{}]"#);
        assert!(!t.stop_confirmed(7) && !t.stop_in_flight());
        read(
            &mut t,
            &mut log,
            Out,
            r#"[2,"5","StopTransaction",{"transactionId":7,"meterStop":5,"timestamp":"2026-01-01T00:00:00Z"}]"#,
        );
        read(&mut t, &mut log, In, r#"[3,"5",{}]"#);
        assert!(t.stop_confirmed(7) && !t.stop_in_flight());
    }

    #[test]
    fn the_answer_to_a_reset_is_seen_when_it_goes_out() {
        use Direction::{CentralSystemToChargePoint as In, ChargePointToCentralSystem as Out};
        let mut log = MessageLog::disabled();
        let mut t = Tracker::new("cp001", 1);
        read(&mut t, &mut log, In, r#"[2,"r1","Reset",{"type":"Soft"}]"#);
        assert!(!t.reset_answered());
        read(&mut t, &mut log, Out, r#"[3,"r1",{"status":"Accepted"}]"#);
        assert!(t.reset_answered());
    }
}
