//! Reading an OCPP-J frame for the log: its message type, id and action, and the JSON pretty
//! printed. A CALLRESULT or CALLERROR carries no action, so the action of the CALL it answers is
//! remembered by message id until the answer arrives (libocpp's log does the same). Secrets are
//! replaced on the way ([`super::redact`]): everything here is built from the redacted text.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use super::json_text::{compact, respace};
use super::redact::{collect_secrets, redact, redact_json, SecretKeys};

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
}

impl FrameInfo {
    /// The frame as one line of JSON, as it came minus the whitespace between tokens (the text
    /// as it came, newlines made spaces, when it is not JSON). Made when asked for: only the
    /// `log` and `console_detailed` formats show it.
    pub fn compact(&self) -> Cow<'_, str> {
        match self.kind {
            MessageKind::Unparsed if self.text.contains(['\r', '\n']) => {
                Cow::Owned(self.text.replace(['\r', '\n'], " "))
            }
            MessageKind::Unparsed => Cow::Borrowed(&self.text),
            _ => compact(&self.text),
        }
    }

    /// The frame as it came, indented by two spaces a level (the text as it came when not
    /// JSON). Made when asked for: only the html pages show it.
    pub fn pretty(&self) -> Cow<'_, str> {
        match self.kind {
            MessageKind::Unparsed => Cow::Borrowed(&self.text),
            _ => Cow::Owned(respace(&self.text, Some(2))),
        }
    }
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
    ///
    /// Per frame this is on the path of every round trip, so an OCPP-J frame is read for its
    /// header only ([`Header`]: the type, the id, the action or error code; the payload is
    /// checked to be JSON but not built), and the JSON tree is built only when the frame may
    /// hold a secret ([`SecretKeys::may_be_named_in`]). Anything that is no OCPP-J frame takes
    /// the slow path: parsed whole, so its objects are still looked at for secrets.
    pub fn read(&mut self, direction: Direction, text: &str) -> FrameInfo {
        let header = serde_json::from_str::<Header>(text)
            .ok()
            .and_then(Header::frame);
        let Some((kind, message_id, third)) = header else {
            let value = serde_json::from_str::<Value>(text).ok();
            let shown = redact(text, value.as_ref(), &self.secret_keys, &[]);
            return unparsed(shown.text);
        };
        let key = |d: Direction| (d, message_id.clone());
        let answered = match kind {
            MessageKind::Call => None,
            _ => self.pending.remove(&key(direction.opposite())),
        };
        let known = answered.as_ref().map_or(&[][..], |p| p.secrets.as_slice());
        let secrets = if self.secret_keys.may_be_named_in(text) {
            serde_json::from_str::<Value>(text)
                .map(|value| collect_secrets(&value, &self.secret_keys))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let shown = redact_json(text, secrets, known);
        let mut error_code = None;
        let action = match kind {
            MessageKind::Call => {
                if let Some(action) = &third {
                    if self.pending.len() >= MAX_PENDING {
                        self.pending.clear();
                    }
                    let pending = Pending {
                        action: action.clone(),
                        secrets: shown.secrets,
                    };
                    self.pending.insert(key(direction), pending);
                }
                third
            }
            _ => {
                if kind == MessageKind::CallError {
                    error_code = third;
                }
                answered.map(|p| p.action)
            }
        };
        FrameInfo {
            kind,
            message_id: Some(message_id),
            action,
            error_code,
            text: shown.text,
        }
    }
}

/// The first three items of a JSON array, read without building the rest: an OCPP-J frame's
/// type number, message id and action (CALL) or error code (CALLERROR). Deserializing it
/// still checks that the whole text is JSON.
#[derive(Debug, Default)]
struct Header {
    kind: Option<u64>,
    id: Option<String>,
    third: Option<String>,
}

impl Header {
    /// The message type, id and third item of an OCPP-J frame; `None` when it is none.
    fn frame(self) -> Option<(MessageKind, String, Option<String>)> {
        let kind = match self.kind? {
            2 => MessageKind::Call,
            3 => MessageKind::CallResult,
            4 => MessageKind::CallError,
            _ => return None,
        };
        Some((kind, self.id?, self.third))
    }
}

impl<'de> serde::Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = Header;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an OCPP-J frame (a JSON array)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Header, A::Error> {
                // Scalars as `Value`s: a number, or a string in any spelling (escapes too);
                // anything else is kept as a value that is neither, and the frame is no frame.
                let kind = seq.next_element::<Value>()?.and_then(|v| v.as_u64());
                let id = seq
                    .next_element::<Value>()?
                    .and_then(|v| v.as_str().map(str::to_owned));
                let third = seq
                    .next_element::<Value>()?
                    .and_then(|v| v.as_str().map(str::to_owned));
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Header { kind, id, third })
            }
        }
        deserializer.deserialize_seq(HeaderVisitor)
    }
}

fn unparsed(text: String) -> FrameInfo {
    FrameInfo {
        kind: MessageKind::Unparsed,
        message_id: None,
        action: None,
        error_code: None,
        text,
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
        for text in [
            "not json",
            "{}",
            "[9,\"1\"]",
            "[2,1,\"Heartbeat\",{}]",
            // The header is fine, the rest is not JSON.
            "[2,\"1\",\"Heartbeat\",{] ",
            "[2,\"1\",\"Heartbeat\",{}] trailing",
        ] {
            let info = c.read(ChargePointToCentralSystem, text);
            assert_eq!(info.kind, MessageKind::Unparsed, "{text}");
            assert_eq!(info.pretty(), text);
        }
    }

    #[test]
    fn secrets_are_found_however_the_key_is_spelled() {
        let mut c = Correlator::default();
        let secret = "0123456789abcdef";
        for (id, frame) in [
            r#"[2,"1","ChangeConfiguration",{"key":"AuthorizationKey","value":"0123456789abcdef"}]"#,
            r#"[2,"2","ChangeConfiguration",{"key":"authorizationKEY","value":"0123456789abcdef"}]"#,
            r#"[2,"3","ChangeConfiguration",{"key":"\u0041uthorizationKey","value":"0123456789abcdef"}]"#,
            r#"[2,"4","ChangeConfiguration",{"k\u0065y":"AuthorizationKey","value":"0123456789abcdef"}]"#,
            r#"[2,"5","ChangeConfiguration",{"key":"AuthorizationKey","value":"0123456789abc\u0064ef"}]"#,
        ]
        .into_iter()
        .enumerate()
        {
            let call = c.read(CentralSystemToChargePoint, frame);
            assert!(!call.text.contains("0123456789abc"), "{}", call.text);
            assert_eq!(call.action.as_deref(), Some("ChangeConfiguration"));
            // The answer quoting it is scrubbed too.
            let answer = format!(r#"[4,"{}","PropertyConstraintViolation","{secret}",{{}}]"#, id + 1);
            let error = c.read(ChargePointToCentralSystem, &answer);
            assert_eq!(error.error_code.as_deref(), Some("PropertyConstraintViolation"));
            assert!(!error.text.contains(secret), "{}", error.text);
        }
        // A frame that names no secret key is shown as it came.
        let frame = r#"[2,"6","ChangeConfiguration",{"key":"HeartbeatInterval","value":"0123456789abcdef"}]"#;
        assert_eq!(c.read(CentralSystemToChargePoint, frame).text, frame);
    }

    #[test]
    fn an_escaped_id_and_action_read_as_their_text() {
        let mut c = Correlator::default();
        let call = c.read(
            ChargePointToCentralSystem,
            r#"[2,"a\"1","Heart\u0062eat",{}]"#,
        );
        assert_eq!(call.message_id.as_deref(), Some("a\"1"));
        assert_eq!(call.action.as_deref(), Some("Heartbeat"));
        let answer = c.read(CentralSystemToChargePoint, r#"[3,"a\"1",{}]"#);
        assert_eq!(answer.action.as_deref(), Some("Heartbeat"));
    }

    #[test]
    fn pretty_printing_indents_by_two() {
        let mut c = Correlator::default();
        let info = c.read(ChargePointToCentralSystem, r#"[2,"7","Heartbeat",{}]"#);
        assert_eq!(
            info.pretty(),
            "[\n  2,\n  \"7\",\n  \"Heartbeat\",\n  {}\n]"
        );
        assert_eq!(info.compact(), r#"[2,"7","Heartbeat",{}]"#);
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
