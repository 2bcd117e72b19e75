//! The frame codec: wire forms, and the error (and CALLERROR code) of every broken frame.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ocpp_rpc::{CallErrorCode, Frame, FrameError, MessageId, MessageIdError, MessageType};
use serde_json::{json, Value};

fn id(s: &str) -> MessageId {
    MessageId::new(s).unwrap()
}

fn as_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn call_wire_form() {
    let frame =
        Frame::parse(r#"[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX"}]"#)
            .unwrap();
    assert_eq!(
        frame,
        Frame::Call {
            id: id("19223201"),
            action: "BootNotification".into(),
            payload: json!({"chargePointVendor": "VendorX"}),
        }
    );
    assert_eq!(frame.message_type(), MessageType::Call);
    assert_eq!(frame.id().as_str(), "19223201");
    assert_eq!(
        frame.to_json_string(),
        r#"[2,"19223201","BootNotification",{"chargePointVendor":"VendorX"}]"#
    );
}

#[test]
fn call_result_wire_form() {
    let frame = Frame::parse(r#"[3,"19223201",{"status":"Accepted"}]"#).unwrap();
    assert_eq!(
        frame,
        Frame::CallResult {
            id: id("19223201"),
            payload: json!({"status": "Accepted"}),
        }
    );
    assert_eq!(frame.message_type(), MessageType::CallResult);
    assert_eq!(
        frame.to_json_string(),
        r#"[3,"19223201",{"status":"Accepted"}]"#
    );
}

#[test]
fn call_error_wire_form() {
    let text = r#"[4,"162376037","NotSupported","SetDisplayMessageRequest not implemented",{}]"#;
    let frame = Frame::parse(text).unwrap();
    assert_eq!(
        frame,
        Frame::CallError {
            id: id("162376037"),
            code: CallErrorCode::NotSupported,
            description: "SetDisplayMessageRequest not implemented".into(),
            details: json!({}),
        }
    );
    assert_eq!(frame.message_type(), MessageType::CallError);
    assert_eq!(frame.to_json_string(), text);
}

#[test]
fn every_error_code_round_trips() {
    for code in CallErrorCode::ALL {
        let frame = Frame::CallError {
            id: id("x"),
            code,
            description: String::new(),
            details: json!({"a": [1, 2]}),
        };
        let text = frame.to_json_string();
        assert_eq!(
            as_json(&text),
            json!([4, "x", code.as_str(), "", {"a": [1, 2]}])
        );
        assert_eq!(Frame::parse(&text).unwrap(), frame);
    }
}

#[test]
fn unknown_error_code_is_kept_as_generic_error() {
    let frame = Frame::parse(r#"[4,"1","RpcFrameworkError","bad",{"x":1}]"#).unwrap();
    assert_eq!(
        frame,
        Frame::CallError {
            id: id("1"),
            code: CallErrorCode::GenericError,
            description: "bad".into(),
            details: json!({"x": 1}),
        }
    );
}

#[test]
fn later_spellings_of_error_codes_are_accepted() {
    let frame = Frame::parse(r#"[4,"1","FormatViolation","",{}]"#).unwrap();
    assert!(matches!(
        frame,
        Frame::CallError {
            code: CallErrorCode::FormationViolation,
            ..
        }
    ));
    let frame = Frame::parse(r#"[4,"1","OccurrenceConstraintViolation","",{}]"#).unwrap();
    assert!(matches!(
        frame,
        Frame::CallError {
            code: CallErrorCode::OccurenceConstraintViolation,
            ..
        }
    ));
}

#[test]
fn ids_are_strings_of_1_to_36_characters() {
    let long = "a".repeat(36);
    let text = format!(r#"[3,"{long}",{{}}]"#);
    assert_eq!(Frame::parse(&text).unwrap().id().as_str(), long);
    let text = format!(r#"[3,"{long}a",{{}}]"#);
    assert_eq!(
        Frame::parse(&text),
        Err(FrameError::InvalidId(MessageIdError::TooLong { len: 37 }))
    );
    assert_eq!(
        Frame::parse(r#"[3,"",{}]"#),
        Err(FrameError::InvalidId(MessageIdError::Empty))
    );
    // Escapes count as the one character they stand for.
    let text = format!(r#"[3,"\u00e9{}",{{}}]"#, "a".repeat(35));
    assert!(Frame::parse(&text).is_ok());
}

/// Frames nobody can be answered for: no error code, no id.
#[test]
fn frames_without_a_readable_id_are_not_answerable() {
    type Check = fn(&FrameError) -> bool;
    let cases: [(&str, Check); 10] = [
        ("", |e| matches!(e, FrameError::NotJson(_))),
        ("[2,\"1\",\"Heartbeat\",{}", |e| {
            matches!(e, FrameError::NotJson(_))
        }),
        ("[2,\"1\",\"Heartbeat\",{}] x", |e| {
            matches!(e, FrameError::NotJson(_))
        }),
        ("{\"a\":1}", |e| *e == FrameError::NotArray),
        ("\"[2]\"", |e| *e == FrameError::NotArray),
        ("[]", |e| *e == FrameError::MissingId),
        ("[2]", |e| *e == FrameError::MissingId),
        ("[2,17,\"Heartbeat\",{}]", |e| *e == FrameError::MissingId),
        ("[2,null,\"Heartbeat\",{}]", |e| *e == FrameError::MissingId),
        ("[2,\"\",\"Heartbeat\",{}]", |e| {
            *e == FrameError::InvalidId(MessageIdError::Empty)
        }),
    ];
    for (text, is_expected) in cases {
        let error = Frame::parse(text).unwrap_err();
        assert!(is_expected(&error), "{text}: {error:?}");
        assert_eq!(error.message_id(), None, "{text}");
        assert_eq!(error.call_error_code(), None, "{text}");
        assert_eq!(error.message_type(), None, "{text}");
    }
}

/// Frames with a readable id: FormationViolation, with the id.
#[test]
fn broken_frames_with_an_id_get_formation_violation() {
    let i = || id("42");
    let cases: Vec<(&str, FrameError, Option<MessageType>)> = vec![
        (
            r#"[5,"42",{}]"#,
            FrameError::UnknownMessageType {
                id: i(),
                found: "5".into(),
            },
            None,
        ),
        (
            r#"["2","42","Heartbeat",{}]"#,
            FrameError::UnknownMessageType {
                id: i(),
                found: "\"2\"".into(),
            },
            None,
        ),
        (
            r#"[2.0,"42","Heartbeat",{}]"#,
            FrameError::UnknownMessageType {
                id: i(),
                found: "2.0".into(),
            },
            None,
        ),
        (
            r#"[-2,"42","Heartbeat",{}]"#,
            FrameError::UnknownMessageType {
                id: i(),
                found: "-2".into(),
            },
            None,
        ),
        (
            r#"[2,"42","Heartbeat"]"#,
            FrameError::WrongLength {
                id: i(),
                message_type: MessageType::Call,
                expected: 4,
                found: 3,
            },
            Some(MessageType::Call),
        ),
        (
            r#"[2,"42","Heartbeat",{},{}]"#,
            FrameError::WrongLength {
                id: i(),
                message_type: MessageType::Call,
                expected: 4,
                found: 5,
            },
            Some(MessageType::Call),
        ),
        (
            r#"[3,"42"]"#,
            FrameError::WrongLength {
                id: i(),
                message_type: MessageType::CallResult,
                expected: 3,
                found: 2,
            },
            Some(MessageType::CallResult),
        ),
        (
            r#"[4,"42","GenericError","",{},1]"#,
            FrameError::WrongLength {
                id: i(),
                message_type: MessageType::CallError,
                expected: 5,
                found: 6,
            },
            Some(MessageType::CallError),
        ),
        (
            r#"[4,"42","GenericError",""]"#,
            FrameError::WrongLength {
                id: i(),
                message_type: MessageType::CallError,
                expected: 5,
                found: 4,
            },
            Some(MessageType::CallError),
        ),
        (
            r#"[2,"42",7,{}]"#,
            FrameError::ActionNotString { id: i() },
            Some(MessageType::Call),
        ),
        (
            r#"[2,"42","Heartbeat",[]]"#,
            FrameError::PayloadNotObject {
                id: i(),
                message_type: MessageType::Call,
            },
            Some(MessageType::Call),
        ),
        (
            r#"[2,"42","Heartbeat",null]"#,
            FrameError::PayloadNotObject {
                id: i(),
                message_type: MessageType::Call,
            },
            Some(MessageType::Call),
        ),
        (
            r#"[3,"42","{}"]"#,
            FrameError::PayloadNotObject {
                id: i(),
                message_type: MessageType::CallResult,
            },
            Some(MessageType::CallResult),
        ),
        (
            r#"[4,"42",3,"",{}]"#,
            FrameError::ErrorCodeNotString { id: i() },
            Some(MessageType::CallError),
        ),
        (
            r#"[4,"42","GenericError",null,{}]"#,
            FrameError::DescriptionNotString { id: i() },
            Some(MessageType::CallError),
        ),
        (
            r#"[4,"42","GenericError","",null]"#,
            FrameError::DetailsNotObject { id: i() },
            Some(MessageType::CallError),
        ),
    ];
    for (text, expected, message_type) in cases {
        let error = Frame::parse(text).unwrap_err();
        assert_eq!(error, expected, "{text}");
        assert_eq!(error.message_id(), Some(&i()), "{text}");
        assert_eq!(
            error.call_error_code(),
            Some(CallErrorCode::FormationViolation),
            "{text}"
        );
        assert_eq!(error.message_type(), message_type, "{text}");
    }
}

#[test]
fn long_unknown_type_ids_are_shortened_in_the_error() {
    let text = format!(r#"["{}","42",{{}}]"#, "x".repeat(100));
    let Err(FrameError::UnknownMessageType { found, .. }) = Frame::parse(&text) else {
        panic!("expected UnknownMessageType");
    };
    assert_eq!(found.chars().count(), 32);
    assert!(found.ends_with('…'));
}

#[test]
fn error_messages_say_what_is_wrong() {
    let error = Frame::parse(r#"[2,"42","Heartbeat"]"#).unwrap_err();
    assert_eq!(error.to_string(), "CALL 42: expected 4 elements, found 3");
    let error = Frame::parse(r#"[3,"42",[]]"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        "CALLRESULT 42: payload is not a JSON object"
    );
}

#[test]
fn whitespace_and_key_order_do_not_matter() {
    let frame = Frame::parse(" [ 3 ,\n\t\"a\" , { \"b\" : 1 , \"a\" : 2 } ] ").unwrap();
    assert_eq!(
        frame,
        Frame::CallResult {
            id: id("a"),
            payload: json!({"a": 2, "b": 1}),
        }
    );
}

#[test]
fn special_characters_are_escaped() {
    let frame = Frame::Call {
        id: id("\"\\\n"),
        action: "A\u{0}\"".into(),
        payload: json!({"k\"": "v\u{1}"}),
    };
    let text = frame.to_json_string();
    assert_eq!(
        as_json(&text),
        json!([2, "\"\\\n", "A\u{0}\"", {"k\"": "v\u{1}"}])
    );
    assert_eq!(Frame::parse(&text).unwrap(), frame);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!(
        "[2,\"1\",\"A\",{}{}]",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(Frame::parse(&text), Err(FrameError::NotJson(_))));
}
