//! The fuzz targets of ferrocharge: every input the station takes from outside, as a function
//! of arbitrary bytes that must never panic and must keep the protocol's promises.
//!
//! | target | what the bytes are | what must hold |
//! |---|---|---|
//! | [`frame`] | one websocket text message from the CSMS | the RPC layer never panics; what it sends is OCPP-J |
//! | [`csms_payload`] | an action name, a newline, a CALL payload (JSON) | decoding never panics; what decodes encodes to itself |
//! | [`core()`] | frames from the CSMS, one per line, to a registered charge point | the core never panics; every frame it sends is OCPP-J; no CALL is answered twice |
//! | [`station_yaml`] | a station YAML | loading never panics |
//! | [`ocpp_config`] | an OCPP JSON config | loading never panics |
//! | [`control_api`] | `METHOD /path`, a newline, a request body | the router never panics and never answers 5xx for input alone |
//!
//! Three harnesses drive them: `tests/corpus.rs` replays the committed corpus (`fuzz/corpus/`)
//! in every `cargo test`; `tests/random.rs` feeds each target random and mutated inputs
//! (bounded, seeded); `fuzz/` wraps each target for AFL++'s coverage-guided fuzzing
//! (`scripts/fuzz`, on stable Rust through cargo-afl). A failing input becomes a corpus file.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chargepoint_core::charge_point::{ChargePoint, MemoryStore, Now};
use chargepoint_core::config::{Configuration, Document, MemoryOverlay, Registry, DEFAULT_CONFIG};
use ocpp_types::{Action, AnyRequest, DateTime};
use serde_json::Value;

/// A fuzz target: arbitrary bytes in, a panic when a promise is broken.
pub type Target = fn(&[u8]);

/// Every target by name (the corpus folder and the AFL binary have the same name).
pub const TARGETS: &[(&str, Target)] = &[
    ("frame", frame),
    ("csms_payload", csms_payload),
    ("core", core),
    ("station_yaml", station_yaml),
    ("ocpp_config", ocpp_config),
    ("control_api", control_api),
];

/// Checks that `text`, something the station sent, is an OCPP-J frame: a JSON array whose
/// first element is 2, 3 or 4 and whose second is a message id of 1 to 36 characters (a
/// CALLERROR's may be the longer id of the frame it answers, or the "-1" of an unreadable one).
fn assert_ocpp_j(text: &str) {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => panic!("the station sent a frame that is not JSON ({e}): {text}"),
    };
    let Value::Array(items) = value else {
        panic!("the station sent a frame that is not an array: {text}");
    };
    let kind = items.first().and_then(Value::as_u64);
    assert!(
        matches!(kind, Some(2..=4)),
        "the station sent an unknown message type: {text}"
    );
    let id = items.get(1).and_then(Value::as_str).unwrap_or_default();
    // A CALLERROR answers a frame the station could not take by the id as written, which may
    // be over OCPP-J's 36 characters; it echoes no more than the start of the frame it reads.
    let longest = if kind == Some(4) {
        ocpp_rpc::prefix::PEEK_LEN
    } else {
        36
    };
    assert!(
        (1..=longest).contains(&id.chars().count()),
        "the station sent a bad message id: {text}"
    );
}

/// One websocket text message from the CSMS to the RPC layer of a charge point.
pub fn frame(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut rpc = ocpp_rpc::Rpc::new(ocpp_rpc::Role::ChargePoint, ocpp_rpc::Config::default());
    let now = Instant::now();
    rpc.handle_frame(text, now);
    while rpc.poll_event().is_some() {}
    while let Some(sent) = rpc.poll_transmit(now) {
        assert_ocpp_j(&sent);
    }
}

/// An action name, a newline and a CALL payload: decoding never panics, and a payload that
/// decodes encodes to JSON that decodes to the same JSON again.
pub fn csms_payload(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((name, payload)) = text.split_once('\n') else {
        return;
    };
    let Ok(action) = name.trim().parse::<Action>() else {
        return;
    };
    let Ok(payload) = serde_json::from_str::<Value>(payload) else {
        return;
    };
    if let Ok(request) = AnyRequest::decode(action, &payload) {
        let encoded = request.to_json();
        let again = match AnyRequest::decode(action, &encoded) {
            Ok(again) => again,
            Err(e) => panic!("{action:?}: its own encoding does not decode ({e}): {encoded}"),
        };
        assert_eq!(again.to_json(), encoded, "{action:?} does not round-trip");
    }
}

/// A charge point with two connectors, connected and registered, on the shipped config.
fn registered_charge_point(now: Now) -> Option<ChargePoint> {
    // Parsed once: parsing is most of the work of a short input.
    static BASE: std::sync::OnceLock<Option<Document>> = std::sync::OnceLock::new();
    let base = BASE
        .get_or_init(|| Document::parse("ocpp-config.json", DEFAULT_CONFIG).ok())
        .as_ref()?;
    let registry = Registry::embedded().ok()?.clone();
    let config = Configuration::load(registry, base, Box::new(MemoryOverlay::default())).ok()?;
    let mut cp = ChargePoint::new(config, Box::new(MemoryStore::default()), 2, now);
    cp.handle_connected(now);
    let boot = cp.poll_transmit(now)?;
    let id = serde_json::from_str::<Value>(&boot)
        .ok()?
        .get(1)?
        .as_str()?
        .to_owned();
    cp.handle_frame(
        &format!(
            r#"[3,"{id}",{{"status":"Accepted","currentTime":"2026-11-24T06:00:00Z","interval":300}}]"#
        ),
        now,
    );
    Some(cp)
}

/// Frames from the CSMS, one per line, to a registered charge point, a second apart (its
/// timers run in between). What it sends must be OCPP-J, and no id that comes once in the
/// input among the frames the station answers is answered twice. Those frames are the CALLs
/// and the frames of an unknown message type: ocpp-rpc answers a frame it cannot read with a
/// CALLERROR to the id at its start unless it is a CALLRESULT or a CALLERROR (its module
/// docs), so `[2,"a",...]` and `[6,"a",...]` are two frames to answer, each once.
pub fn core(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let start = Instant::now();
    let utc = DateTime::from_unix_millis(1_795_500_000_000).unwrap_or_else(|| {
        DateTime::parse("2026-11-24T06:00:00Z").unwrap_or_else(|_| unreachable!())
    });
    let mut now = Now {
        instant: start,
        utc,
    };
    let Some(mut cp) = registered_charge_point(now) else {
        panic!("the shipped config does not make a charge point");
    };
    let mut calls: HashMap<String, usize> = HashMap::new();
    // Counted by the start of the frame, as the station reads an id to answer: a frame that is
    // not JSON as a whole is still a CALL of that id (or a frame of an unknown type with that
    // id), answered with a CALLERROR.
    for line in text.lines() {
        let prefix = ocpp_rpc::prefix::peek(line);
        if let (Some(type_id), Some(id)) = (prefix.type_id, prefix.id) {
            if type_id != 3 && type_id != 4 {
                *calls.entry(id).or_default() += 1;
            }
        }
    }
    let mut answers: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        cp.handle_frame(line, now);
        now = Now {
            instant: now.instant + Duration::from_secs(1),
            utc: DateTime::from_unix_millis(now.utc.unix_millis().saturating_add(1000))
                .unwrap_or(now.utc),
        };
        cp.handle_timeout(now);
        while let Some(sent) = cp.poll_transmit(now) {
            assert_ocpp_j(&sent);
            if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(&sent) {
                if let (Some(3 | 4), Some(id)) = (
                    items.first().and_then(Value::as_u64),
                    items.get(1).and_then(Value::as_str),
                ) {
                    *answers.entry(id.to_owned()).or_default() += 1;
                }
            }
        }
        while cp.poll_command().is_some() {}
    }
    for (id, n) in &answers {
        if calls.get(id) == Some(&1) {
            assert!(*n <= 1, "the CALL {id} was answered {n} times");
        }
    }
}

/// A station YAML, loaded as if it were `/nonexistent/station.yaml`.
pub fn station_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = station::StationConfig::from_yaml(text, "/nonexistent/station.yaml");
}

/// An OCPP JSON config, loaded over the embedded profile schemas.
pub fn ocpp_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(document) = Document::parse("ocpp-config.json", text) else {
        return;
    };
    let Ok(registry) = Registry::embedded() else {
        return;
    };
    let _ = Configuration::load(
        registry.clone(),
        &document,
        Box::new(MemoryOverlay::default()),
    );
}

mod control;

/// A request to the control API: `METHOD /path`, a newline, the body.
pub fn control_api(data: &[u8]) {
    control::request(data);
}
