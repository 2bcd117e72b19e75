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
//! `{"error": {"code": ..., "violation": ..., "path": ..., "message": ...}}`.

use std::io::{BufRead, Write};

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

fn main() {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let answer = roundtrip(&line);
        if writeln!(out, "{answer}").is_err() {
            break;
        }
    }
}
