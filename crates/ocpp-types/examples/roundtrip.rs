//! Decodes payloads and encodes them again, one JSON document a line, for the schema
//! conformance tests (tests/schema) and for trying payloads by hand:
//!
//! ```text
//! echo '{"action":"Heartbeat","kind":"request","payload":{}}' | cargo run -q -p ocpp-types --example roundtrip
//! {"ok":{}}
//! ```
//!
//! Input lines: `{"action": <OCPP 1.6 action>, "kind": "request"|"response", "payload": {...}}`, or
//! `{"pnc": <PnC message name>, ...}` for a Plug&Charge DataTransfer payload, or
//! `{"cost": <California Pricing messageId>, ...}` for a CostAndPrice payload.
//! Output lines: `{"ok": <payload as encoded again>}` or
//! `{"error": {"code": ..., "violation": ..., "path": ..., "message": ...}}`, or
//! `{"fatal": <why>}` for an input line that names no message to decode.
//!
//! Every line is answered; the exit code then tells a script how it went: 0 when every payload
//! was accepted, 1 when at least one was refused, 2 when an input line was unusable (or stdin
//! or stdout failed).

use std::io::{BufRead, Write};
use std::process::ExitCode;

use ocpp_types::{cost_and_price, pnc, Action, AnyRequest, AnyResponse, PayloadError};
use serde_json::{json, Value};

fn roundtrip(line: &str) -> Value {
    let input: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return json!({"fatal": format!("input line is not JSON: {e}")}),
    };
    let request = match input.get("kind").and_then(Value::as_str) {
        Some("request") => true,
        Some("response") => false,
        _ => return json!({"fatal": "kind must be \"request\" or \"response\""}),
    };
    let payload = input.get("payload").cloned().unwrap_or(Value::Null);
    let result: Result<Value, PayloadError> = if let Some(action) = input.get("action") {
        let Some(action) = action.as_str().and_then(|a| a.parse::<Action>().ok()) else {
            return json!({"fatal": format!("unknown action {action}")});
        };
        if request {
            AnyRequest::decode(action, &payload).map(|m| m.to_json())
        } else {
            AnyResponse::decode(action, &payload).map(|m| m.to_json())
        }
    } else if let Some(name) = input.get("pnc").and_then(Value::as_str) {
        let Ok(id) = name.parse::<pnc::PncMessageId>() else {
            return json!({"fatal": format!("unknown PnC message {name}")});
        };
        if request {
            pnc::AnyPncRequest::decode(id, &payload).map(|m| m.to_json())
        } else {
            pnc::AnyPncResponse::decode(id, &payload).map(|m| m.to_json())
        }
    } else if let Some(name) = input.get("cost").and_then(Value::as_str) {
        let Ok(id) = name.parse::<cost_and_price::CostMessageId>() else {
            return json!({"fatal": format!("unknown CostAndPrice message {name}")});
        };
        cost_and_price::AnyCostMessage::decode(id, &payload).map(|m| m.to_json())
    } else {
        return json!({"fatal": "one of action, pnc or cost is required"});
    };
    match result {
        Ok(v) => json!({"ok": v}),
        Err(e) => json!({"error": {
            "code": e.code.as_str(),
            "violation": format!("{:?}", e.violation),
            "path": e.path,
            "message": e.message,
        }}),
    }
}

/// How a run went, worst line first: its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Every payload decoded and encoded again.
    Accepted = 0,
    /// At least one payload was refused (an `error` line).
    Refused = 1,
    /// At least one input line was unusable (a `fatal` line), or reading or writing failed.
    Failed = 2,
}

impl Outcome {
    /// What `answer` (one output line) says about its input line.
    fn of(answer: &Value) -> Outcome {
        if answer.get("ok").is_some() {
            Outcome::Accepted
        } else if answer.get("error").is_some() {
            Outcome::Refused
        } else {
            Outcome::Failed
        }
    }
}

/// Answers every line of `input` on `output`; the worst outcome of them all.
fn run(input: impl BufRead, mut output: impl Write) -> Outcome {
    let mut worst = Outcome::Accepted;
    for line in input.lines() {
        // Unreadable input (not UTF-8, a failed read) ends the run: there is no next line to
        // trust.
        let (answer, more) = match line {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => (roundtrip(&line), true),
            Err(e) => (
                json!({"fatal": format!("cannot read the input: {e}")}),
                false,
            ),
        };
        worst = worst.max(Outcome::of(&answer));
        if writeln!(output, "{answer}").is_err() {
            return Outcome::Failed;
        }
        if !more {
            break;
        }
    }
    if output.flush().is_err() {
        return Outcome::Failed;
    }
    worst
}

fn main() -> ExitCode {
    let outcome = run(std::io::stdin().lock(), std::io::stdout().lock());
    ExitCode::from(outcome as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The output lines and the exit code of a run on `input`.
    fn outcome(input: &[u8]) -> (Vec<Value>, u8) {
        let mut out = Vec::new();
        let outcome = run(input, &mut out);
        let lines = String::from_utf8_lossy(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
            .collect();
        (lines, outcome as u8)
    }

    const BOOT_OK: &str = r#"{"action":"BootNotification","kind":"request","payload":{"chargePointVendor":"acme","chargePointModel":"ac22"}}"#;
    const BOOT_REFUSED: &str =
        r#"{"action":"BootNotification","kind":"request","payload":{"chargePointVendor":"acme"}}"#;

    #[test]
    fn accepted_payloads_exit_0() {
        let (lines, code) = outcome(format!("{BOOT_OK}\n\n{BOOT_OK}\n").as_bytes());
        assert_eq!(code, 0);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["ok"]["chargePointModel"], "ac22");
    }

    #[test]
    fn a_refused_payload_exits_1_after_every_line_is_answered() {
        let (lines, code) = outcome(format!("{BOOT_REFUSED}\n{BOOT_OK}\n").as_bytes());
        assert_eq!(code, 1);
        assert_eq!(lines[0]["error"]["code"], "FormationViolation");
        assert_eq!(
            lines[0]["error"]["message"],
            "missing field `chargePointModel`"
        );
        assert!(lines[1].get("ok").is_some());
    }

    #[test]
    fn unusable_input_exits_2() {
        for bad in [
            "not json",
            r#"{"action":"Nope","kind":"request","payload":{}}"#,
            r#"{"action":"Heartbeat","payload":{}}"#,
            r#"{"kind":"request","payload":{}}"#,
        ] {
            let (lines, code) = outcome(format!("{BOOT_REFUSED}\n{bad}\n").as_bytes());
            assert_eq!(code, 2, "{bad}");
            assert!(lines[1].get("fatal").is_some(), "{bad}: {lines:?}");
        }
        let (lines, code) = outcome(b"\xff\xfe\n");
        assert_eq!(code, 2);
        assert!(lines[0]["fatal"]
            .as_str()
            .is_some_and(|m| m.starts_with("cannot read the input")));
    }
}
