//! Reading an OCPP-J frame for the log: its message type, id and action, and the JSON pretty
//! printed. A CALLRESULT or CALLERROR carries no action, so the action of the CALL it answers is
//! remembered by message id until the answer arrives (libocpp's log does the same). Secrets are
//! replaced on the way ([`super::redact`]): everything here is built from the redacted text.

use std::collections::HashMap;

use serde_json::Value;

use super::json_text::{compact, respace};
use super::redact::{redact, SecretKeys};

/// Who sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The station sent it to the central system.
    ChargePointToCentralSystem,
    /// The central system sent it to the station.
    CentralSystemToChargePoint,
}

impl Direction {
    /// The sender, as libocpp's logs name it (`ChargePoint` / `CentralSystem`).
    pub fn origin(self) -> &'static str {
        match self {
            Direction::ChargePointToCentralSystem => "ChargePoint",
            Direction::CentralSystemToChargePoint => "CentralSystem",
        }
    }

    /// The receiver, as libocpp's logs name it.
    pub fn target(self) -> &'static str {
        self.opposite().origin()
    }

    /// The direction of the answer to a message sent this way.
    pub fn opposite(self) -> Direction {
        match self {
            Direction::ChargePointToCentralSystem => Direction::CentralSystemToChargePoint,
            Direction::CentralSystemToChargePoint => Direction::ChargePointToCentralSystem,
        }
    }
}

/// The OCPP-J message type of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// `[2, id, action, payload]`
    Call,
    /// `[3, id, payload]`
    CallResult,
    /// `[4, id, code, description, details]`
    CallError,
    /// Not an OCPP-J frame (not JSON, not an array, unknown type number): logged as it came.
    Unparsed,
}

impl MessageKind {
    /// `CALL`, `CALLRESULT`, `CALLERROR` or `INVALID`.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::Call => "CALL",
            MessageKind::CallResult => "CALLRESULT",
            MessageKind::CallError => "CALLERROR",
            MessageKind::Unparsed => "INVALID",
        }
    }
}

/// What the log knows about one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// Its message type.
    pub kind: MessageKind,
    /// Its message id (absent when unparsed).
    pub message_id: Option<String>,
    /// The action: a CALL's own, or for an answer the action of the CALL it answers (absent
    /// when that CALL was not seen, e.g. it was sent before this log started).
    pub action: Option<String>,
    /// A CALLERROR's error code.
    pub error_code: Option<String>,
    /// The frame as the station shows it (logs, event stream): as it came, with the values of
    /// write-only configuration keys replaced by `<redacted>`.
    pub text: String,
    /// The frame as one line of JSON, as it came minus the whitespace between tokens (the text as
    /// it came, newlines made spaces, when it is not JSON).
    pub compact: String,
    /// The frame as it came, indented by two spaces a level (the text as it came when not JSON).
    pub pretty: String,
}

/// A CALL waiting for its answer.
#[derive(Debug)]
struct Pending {
    action: String,
    /// The secret values it carried: its answer is scrubbed of them.
    secrets: Vec<String>,
}

/// The CALLs still waiting for an answer, so answers can be labelled with their action, and the
/// keys whose values no frame may show.
#[derive(Debug, Default)]
pub struct Correlator {
    // Keyed by the direction the CALL went, because both sides pick message ids independently and
    // may use the same id at the same time.
    pending: HashMap<(Direction, String), Pending>,
    secret_keys: SecretKeys,
}

/// OCPP-J allows one outstanding CALL per direction, so more than a handful pending means CALLs
/// that were never answered (timeouts, a dropped connection); forgetting them bounds the memory.
const MAX_PENDING: usize = 64;

impl Correlator {
    /// A correlator that hides the values of `secret_keys`.
    pub fn new(secret_keys: SecretKeys) -> Self {
        Correlator {
            pending: HashMap::new(),
            secret_keys,
        }
    }

    /// Reads `text`, sent in `direction`, and remembers or resolves its CALL.
    pub fn read(&mut self, direction: Direction, text: &str) -> FrameInfo {
        let value = serde_json::from_str::<Value>(text).ok();
        let Some((kind, message_id, items)) = value.as_ref().and_then(header) else {
            let shown = redact(text, value.as_ref(), &self.secret_keys, &[]);
            return unparsed(&shown.text);
        };
        let key = |d: Direction| (d, message_id.to_owned());
        let answered = match kind {
            MessageKind::Call => None,
            _ => self.pending.remove(&key(direction.opposite())),
        };
        let known = answered.as_ref().map_or(&[][..], |p| p.secrets.as_slice());
        let shown = redact(text, value.as_ref(), &self.secret_keys, known);
        let mut error_code = None;
        let action = match kind {
            MessageKind::Call => {
                let action = items.get(2).and_then(Value::as_str).map(str::to_owned);
                if let Some(action) = &action {
                    if self.pending.len() >= MAX_PENDING {
                        self.pending.clear();
                    }
                    let pending = Pending {
                        action: action.clone(),
                        secrets: shown.secrets,
                    };
                    self.pending.insert(key(direction), pending);
                }
                action
            }
            _ => {
                if kind == MessageKind::CallError {
                    error_code = items.get(2).and_then(Value::as_str).map(str::to_owned);
                }
                answered.map(|p| p.action)
            }
        };
        FrameInfo {
            kind,
            message_id: Some(message_id.to_owned()),
            action,
            error_code,
            compact: compact(&shown.text),
            pretty: respace(&shown.text, Some(2)),
            text: shown.text,
        }
    }
}

/// The message type, id and items of an OCPP-J frame; `None` when `value` is none.
fn header(value: &Value) -> Option<(MessageKind, &str, &Vec<Value>)> {
    let items = value.as_array()?;
    let kind = match items.first().and_then(Value::as_u64) {
        Some(2) => MessageKind::Call,
        Some(3) => MessageKind::CallResult,
        Some(4) => MessageKind::CallError,
        _ => return None,
    };
    let message_id = items.get(1).and_then(Value::as_str)?;
    Some((kind, message_id, items))
}

fn unparsed(text: &str) -> FrameInfo {
    FrameInfo {
        kind: MessageKind::Unparsed,
        message_id: None,
        action: None,
        error_code: None,
        compact: text.replace(['\r', '\n'], " "),
        pretty: text.to_owned(),
        text: text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::*;

    #[test]
    fn answers_get_the_action_of_their_call_in_the_right_direction() {
        let mut c = Correlator::default();
        let call = c.read(ChargePointToCentralSystem, r#"[2,"1","Heartbeat",{}]"#);
        assert_eq!(call.kind, MessageKind::Call);
        assert_eq!(call.action.as_deref(), Some("Heartbeat"));
        // The CSMS uses the same id for its own CALL: it must not steal the answer.
        c.read(
            CentralSystemToChargePoint,
            r#"[2,"1","Reset",{"type":"Soft"}]"#,
        );
        let answer = c.read(
            CentralSystemToChargePoint,
            r#"[3,"1",{"currentTime":"2026-01-01T00:00:00Z"}]"#,
        );
        assert_eq!(answer.kind, MessageKind::CallResult);
        assert_eq!(answer.action.as_deref(), Some("Heartbeat"));
        let error = c.read(
            ChargePointToCentralSystem,
            r#"[4,"1","NotSupported","no",{}]"#,
        );
        assert_eq!(error.action.as_deref(), Some("Reset"));
        assert_eq!(error.error_code.as_deref(), Some("NotSupported"));
        // Answered once: a second answer has no CALL to name.
        let again = c.read(CentralSystemToChargePoint, r#"[3,"1",{}]"#);
        assert_eq!(again.action, None);
    }

    #[test]
    fn text_that_is_no_frame_is_kept_as_it_came() {
        let mut c = Correlator::default();
        for text in ["not json", "{}", "[9,\"1\"]", "[2,1,\"Heartbeat\",{}]"] {
            let info = c.read(ChargePointToCentralSystem, text);
            assert_eq!(info.kind, MessageKind::Unparsed, "{text}");
            assert_eq!(info.pretty, text);
        }
    }

    #[test]
    fn pretty_printing_indents_by_two() {
        let mut c = Correlator::default();
        let info = c.read(ChargePointToCentralSystem, r#"[2,"7","Heartbeat",{}]"#);
        assert_eq!(info.pretty, "[\n  2,\n  \"7\",\n  \"Heartbeat\",\n  {}\n]");
        assert_eq!(info.compact, r#"[2,"7","Heartbeat",{}]"#);
    }

    #[test]
    fn unanswered_calls_do_not_grow_without_bound() {
        let mut c = Correlator::default();
        for i in 0..1000 {
            c.read(
                ChargePointToCentralSystem,
                &format!(r#"[2,"{i}","Heartbeat",{{}}]"#),
            );
        }
        assert!(c.pending.len() <= MAX_PENDING);
    }
}
