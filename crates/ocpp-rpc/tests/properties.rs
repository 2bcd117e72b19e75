//! Properties: nothing received ever panics the codec or the endpoint, every answer the
//! endpoint sends is a well-formed frame, and every valid frame round-trips through its text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ocpp_rpc::{CallErrorCode, Config, Event, Frame, MessageId, Role, Rpc};
use ocpp_types::Action;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Numbers that survive a trip through JSON text exactly: integers, and binary fractions short
/// enough for serde_json's exact fast path (its default float parser may be off by one ulp on
/// long mantissas; that is serde_json's business, not the framing's).
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (any::<i16>(), 0u32..=8)
            .prop_map(|(m, e)| Value::from(f64::from(m) / f64::from(1u32 << e))),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(any::<String>(), json_value(), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

fn message_id() -> impl Strategy<Value = MessageId> {
    prop::collection::vec(any::<char>(), 1..=MessageId::MAX_LEN)
        .prop_map(|chars| MessageId::new(String::from_iter(chars)).unwrap())
}

fn error_code() -> impl Strategy<Value = CallErrorCode> {
    prop::sample::select(CallErrorCode::ALL.to_vec())
}

fn valid_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        (message_id(), any::<String>(), json_object()).prop_map(|(id, action, payload)| {
            Frame::Call {
                id,
                action,
                payload,
            }
        }),
        (message_id(), json_object()).prop_map(|(id, payload)| Frame::CallResult { id, payload }),
        (message_id(), error_code(), any::<String>(), json_object()).prop_map(
            |(id, code, description, details)| Frame::CallError {
                id,
                code,
                description,
                details,
            }
        ),
    ]
}

/// Action names: mostly real ones, so that payload decoding is reached.
fn action_name() -> impl Strategy<Value = Value> {
    let names: Vec<&'static str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    prop_oneof![
        3 => prop::sample::select(names).prop_map(Value::from),
        1 => any::<String>().prop_map(Value::String),
        1 => json_value(),
    ]
}

/// JSON arrays shaped like frames, well-formed or not: the first elements are biased towards
/// what a frame holds there, so that every branch of the codec and the endpoint is reached.
fn frame_like() -> impl Strategy<Value = String> {
    let type_id = prop_oneof![
        4 => (2u64..=4).prop_map(Value::from),
        1 => json_value(),
    ];
    let id = prop_oneof![
        4 => message_id().prop_map(|id| Value::String(id.into_string())),
        1 => json_value(),
    ];
    let element = prop_oneof![
        2 => json_object(),
        1 => prop::sample::select(CallErrorCode::ALL.to_vec()).prop_map(|c| Value::from(c.as_str())),
        1 => json_value(),
    ];
    (
        type_id,
        id,
        action_name(),
        prop::collection::vec(element, 0..4),
    )
        .prop_map(|(t, id, action, rest)| {
            let mut items = vec![t, id, action];
            items.extend(rest);
            Value::Array(items).to_string()
        })
}

/// Feeds `text` to a fresh endpoint of each role (with one CALL outstanding) and checks that
/// everything it sends back is a well-formed answer.
fn feed_both_roles(text: &str) {
    let now = Instant::now();
    for (role, action) in [
        (Role::ChargePoint, Action::Heartbeat),
        (Role::CentralSystem, Action::ClearCache),
    ] {
        let mut rpc = Rpc::new(role, Config::default());
        let ours = rpc.call(action, Value::Object(Map::new())).unwrap();
        assert!(rpc.poll_transmit(now).is_some());
        rpc.handle_frame(text, now + Duration::from_secs(1));
        while let Some(reply) = rpc.poll_transmit(now) {
            let frame = Frame::parse(&reply).unwrap();
            assert!(
                matches!(frame, Frame::CallError { .. }),
                "only CALLERRORs are sent unasked: {reply}"
            );
            assert_ne!(frame.id(), &ours);
        }
        while let Some(event) = rpc.poll_event() {
            if let Event::Response { id, .. } = event {
                assert_eq!(id, ours);
            }
        }
        // Still usable: the timeout machinery works.
        rpc.handle_timeout(now + Duration::from_secs(3600));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_frames_round_trip(frame in valid_frame()) {
        let text = frame.to_json_string();
        prop_assert_eq!(Frame::parse(&text), Ok(frame));
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let _ = Frame::parse(&text);
        feed_both_roles(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Frame::parse(&text);
        feed_both_roles(&text);
    }

    #[test]
    fn json_text_from_frame_like_tokens_never_panics(
        tokens in prop::collection::vec(
            prop::sample::select(vec!["[", "]", "{", "}", ",", ":", "2", "3", "4", "\"id\"",
                "\"Heartbeat\"", "\"Reset\"", "\"type\"", "\"Hard\"", "null", "1e400", "-0", " "]),
            0..24,
        )
    ) {
        let text: String = tokens.concat();
        let _ = Frame::parse(&text);
        feed_both_roles(&text);
    }

    #[test]
    fn frame_like_arrays_never_panic(text in frame_like()) {
        let _ = Frame::parse(&text);
        feed_both_roles(&text);
    }

    #[test]
    fn valid_frames_never_panic_the_endpoint(frame in valid_frame()) {
        feed_both_roles(&frame.to_json_string());
    }
}
