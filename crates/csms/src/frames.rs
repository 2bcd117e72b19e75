//! The message log of each charge point: every OCPP-J frame both ways, with its time,
//! direction, message type, action and message id, the last [`FRAMES_KEPT`] per charge point,
//! in memory. CALLRESULTs and CALLERRORs carry the action of the CALL they answer.
//!
//! The value of a write-only key (a ChangeConfiguration of AuthorizationKey) is
//! [`REDACTED`] in the log, as in the station's logs (DESIGN §7a): the frame on the wire is
//! not changed, only what is kept and shown.

use std::collections::{BTreeMap, HashMap, VecDeque};

use ocpp_types::DateTime;
use serde::Serialize;
use serde_json::Value;

/// How many frames are kept per charge point; older ones are dropped.
pub const FRAMES_KEPT: usize = 5_000;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// The most CALLs kept waiting for their answer (a peer that never answers must not grow the
/// log without bound): past it, the oldest are forgotten and their late answers carry no action.
const OPEN_CALLS_MAX: usize = 1_000;

/// The configuration keys whose value is never logged (OCPP 1.6 Security whitepaper: the
/// AuthorizationKey is write-only).
const SECRET_KEYS: &[&str] = &["AuthorizationKey"];

/// Who sent a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The charge point sent it to the CSMS.
    Received,
    /// The CSMS sent it to the charge point.
    Sent,
}

/// The OCPP-J message type of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MessageType {
    /// `[2, id, action, payload]`.
    #[serde(rename = "CALL")]
    Call,
    /// `[3, id, payload]`.
    #[serde(rename = "CALLRESULT")]
    CallResult,
    /// `[4, id, code, description, details]`.
    #[serde(rename = "CALLERROR")]
    CallError,
    /// Anything else (not JSON, not an OCPP-J array).
    #[serde(rename = "INVALID")]
    Invalid,
}

impl MessageType {
    /// Its name, as in the station's logs.
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Call => "CALL",
            MessageType::CallResult => "CALLRESULT",
            MessageType::CallError => "CALLERROR",
            MessageType::Invalid => "INVALID",
        }
    }
}

/// One frame of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    /// Its number, counting from 1 over all charge points: the event stream resumes after it.
    pub seq: u64,
    /// The charge point it went to or came from.
    pub charge_point_id: String,
    /// When the CSMS sent or received it.
    pub time: DateTime,
    /// Who sent it.
    pub direction: Direction,
    /// CALL, CALLRESULT, CALLERROR or INVALID.
    pub message_type: MessageType,
    /// The action: a CALL's own, or that of the CALL a CALLRESULT or CALLERROR answers.
    pub action: Option<String>,
    /// The message id.
    pub message_id: Option<String>,
    /// A CALLERROR's error code.
    pub error_code: Option<String>,
    /// The frame as it went over the wire (secrets redacted).
    pub text: String,
}

/// The frames of every charge point.
#[derive(Debug, Default)]
pub struct FrameLog {
    by_charge_point: BTreeMap<String, VecDeque<Frame>>,
    /// The actions of the CALLs not answered yet, by (charge point, who sent the CALL, message
    /// id), with the seq of the CALL (to find the oldest).
    open_calls: HashMap<(String, Direction, String), (u64, String)>,
    last_seq: u64,
}

impl FrameLog {
    /// Records a frame `text` of `charge_point_id` going `direction` at `time`; returns it.
    pub fn record(
        &mut self,
        charge_point_id: &str,
        direction: Direction,
        time: DateTime,
        text: &str,
    ) -> Frame {
        self.last_seq += 1;
        let parsed = serde_json::from_str::<Value>(text).ok();
        let array = parsed.as_ref().and_then(Value::as_array);
        let kind = array.and_then(|a| a.first()).and_then(Value::as_u64);
        let message_id = array
            .and_then(|a| a.get(1))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let (message_type, action, error_code) = match (kind, &message_id) {
            (Some(2), Some(id)) => {
                let action = array
                    .and_then(|a| a.get(2))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if let Some(action) = &action {
                    if self.open_calls.len() >= OPEN_CALLS_MAX {
                        let oldest = self
                            .open_calls
                            .iter()
                            .min_by_key(|(_, (seq, _))| *seq)
                            .map(|(key, _)| key.clone());
                        if let Some(oldest) = oldest {
                            self.open_calls.remove(&oldest);
                        }
                    }
                    self.open_calls.insert(
                        (charge_point_id.to_owned(), direction, id.clone()),
                        (self.last_seq, action.clone()),
                    );
                }
                (MessageType::Call, action, None)
            }
            (Some(3 | 4), Some(id)) => {
                // The answer travels the other way from its CALL.
                let call_direction = match direction {
                    Direction::Received => Direction::Sent,
                    Direction::Sent => Direction::Received,
                };
                let action = self
                    .open_calls
                    .remove(&(charge_point_id.to_owned(), call_direction, id.clone()))
                    .map(|(_, action)| action);
                if kind == Some(3) {
                    (MessageType::CallResult, action, None)
                } else {
                    let code = array
                        .and_then(|a| a.get(2))
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    (MessageType::CallError, action, code)
                }
            }
            _ => (MessageType::Invalid, None, None),
        };
        let text = match (&message_type, action.as_deref(), parsed) {
            (MessageType::Call, Some("ChangeConfiguration"), Some(value)) => redacted(value, text),
            _ => text.to_owned(),
        };
        let frame = Frame {
            seq: self.last_seq,
            charge_point_id: charge_point_id.to_owned(),
            time,
            direction,
            message_type,
            action,
            message_id,
            error_code,
            text,
        };
        let frames = self
            .by_charge_point
            .entry(charge_point_id.to_owned())
            .or_default();
        if frames.len() == FRAMES_KEPT {
            frames.pop_front();
        }
        frames.push_back(frame.clone());
        frame
    }

    /// Forgets the open CALLs of a connection that ended (their answers will not come).
    pub fn connection_ended(&mut self, charge_point_id: &str) {
        self.open_calls
            .retain(|(cp, _, _), _| cp != charge_point_id);
    }

    /// The kept frames of `charge_point_id`, oldest first.
    pub fn frames(&self, charge_point_id: &str) -> impl Iterator<Item = &Frame> {
        self.by_charge_point
            .get(charge_point_id)
            .into_iter()
            .flatten()
    }

    /// The kept frames after number `seq`, of every charge point, in order.
    pub fn frames_after(&self, seq: u64) -> Vec<&Frame> {
        let mut after: Vec<&Frame> = self
            .by_charge_point
            .values()
            .flat_map(|frames| frames.iter().filter(|f| f.seq > seq))
            .collect();
        after.sort_by_key(|f| f.seq);
        after
    }

    /// The number of the last frame recorded (0: none yet).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

/// A ChangeConfiguration CALL with the value of a secret key replaced by [`REDACTED`].
fn redacted(mut value: Value, text: &str) -> String {
    let Some(payload) = value.get_mut(3) else {
        return text.to_owned();
    };
    if redact_call_payload("ChangeConfiguration", payload) {
        value.to_string()
    } else {
        text.to_owned()
    }
}

/// Replaces the value of a secret key in the request payload of `action` (a
/// ChangeConfiguration of AuthorizationKey) by [`REDACTED`]; whether it did.
pub(crate) fn redact_call_payload(action: &str, payload: &mut Value) -> bool {
    if action != "ChangeConfiguration" {
        return false;
    }
    let Some(payload) = payload.as_object_mut() else {
        return false;
    };
    let secret = payload
        .get("key")
        .and_then(Value::as_str)
        .is_some_and(|k| SECRET_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k)));
    if secret && payload.contains_key("value") {
        payload.insert("value".to_owned(), Value::String(REDACTED.to_owned()));
    }
    secret
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime {
        DateTime::from_unix_millis(1_795_000_000_000).unwrap_or_else(|| panic!("time"))
    }

    #[test]
    fn answers_carry_the_action_of_their_call() {
        let mut log = FrameLog::default();
        let call = log.record(
            "cp1",
            Direction::Received,
            now(),
            r#"[2,"a","Heartbeat",{}]"#,
        );
        assert_eq!(
            (call.seq, call.message_type, call.action.as_deref()),
            (1, MessageType::Call, Some("Heartbeat"))
        );
        // Our own CALL with the same id does not answer theirs.
        log.record(
            "cp1",
            Direction::Sent,
            now(),
            r#"[2,"a","Reset",{"type":"Soft"}]"#,
        );
        let answer = log.record(
            "cp1",
            Direction::Sent,
            now(),
            r#"[3,"a",{"currentTime":"2026-11-24T07:00:00Z"}]"#,
        );
        assert_eq!(answer.action.as_deref(), Some("Heartbeat"));
        let error = log.record(
            "cp1",
            Direction::Received,
            now(),
            r#"[4,"a","NotSupported","no",{}]"#,
        );
        assert_eq!(
            (
                error.message_type,
                error.action.as_deref(),
                error.error_code.as_deref()
            ),
            (MessageType::CallError, Some("Reset"), Some("NotSupported"))
        );
        let junk = log.record("cp1", Direction::Received, now(), "not json");
        assert_eq!(
            (junk.message_type, junk.action),
            (MessageType::Invalid, None)
        );
        assert_eq!(log.frames("cp1").count(), 5);
        assert_eq!(log.frames("cp2").count(), 0);
        assert_eq!(log.last_seq(), 5);
        log.record(
            "cp2",
            Direction::Received,
            now(),
            r#"[2,"b","Heartbeat",{}]"#,
        );
        let after: Vec<u64> = log.frames_after(4).iter().map(|f| f.seq).collect();
        assert_eq!(after, [5, 6]);
    }

    #[test]
    fn the_authorization_key_is_not_kept() {
        let mut log = FrameLog::default();
        let frame = log.record(
            "cp1",
            Direction::Sent,
            now(),
            r#"[2,"k","ChangeConfiguration",{"key":"authorizationkey","value":"0011223344556677"}]"#,
        );
        assert_eq!(
            frame.text,
            r#"[2,"k","ChangeConfiguration",{"key":"authorizationkey","value":"<redacted>"}]"#
        );
        let other = log.record(
            "cp1",
            Direction::Sent,
            now(),
            r#"[2,"h","ChangeConfiguration",{"key":"HeartbeatInterval","value":"5"}]"#,
        );
        assert!(other.text.contains(r#""value":"5""#));
    }

    #[test]
    fn calls_never_answered_do_not_pile_up() {
        let mut log = FrameLog::default();
        for i in 0..OPEN_CALLS_MAX + 5 {
            log.record(
                "cp1",
                Direction::Sent,
                now(),
                &format!(r#"[2,"{i}","ClearCache",{{}}]"#),
            );
        }
        assert_eq!(log.open_calls.len(), OPEN_CALLS_MAX);
        let late = log.record(
            "cp1",
            Direction::Received,
            now(),
            r#"[3,"0",{"status":"Accepted"}]"#,
        );
        assert_eq!(late.action, None, "the oldest was forgotten");
        let recent = log.record(
            "cp1",
            Direction::Received,
            now(),
            &format!(r#"[3,"{}",{{"status":"Accepted"}}]"#, OPEN_CALLS_MAX + 4),
        );
        assert_eq!(recent.action.as_deref(), Some("ClearCache"));
    }

    #[test]
    fn old_frames_go() {
        let mut log = FrameLog::default();
        for i in 0..FRAMES_KEPT + 3 {
            log.record(
                "cp1",
                Direction::Received,
                now(),
                &format!(r#"[2,"{i}","Heartbeat",{{}}]"#),
            );
        }
        assert_eq!(log.frames("cp1").count(), FRAMES_KEPT);
        assert_eq!(log.frames("cp1").next().map(|f| f.seq), Some(4));
    }
}
