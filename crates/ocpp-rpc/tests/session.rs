//! The session rules of [`Rpc`]: one outstanding CALL, timeouts, automatic CALLERRORs, answers,
//! reset.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ocpp_rpc::{
    CallErrorCode, CallErrorInfo, Config, Event, MessageId, Role, Rpc, RpcError,
    MAX_DESCRIPTION_LEN,
};
use ocpp_types::{Action, AnyRequest, AnyResponse};
use serde_json::{json, Value};

const BOOT: &str = r#"{"chargePointVendor":"VendorX","chargePointModel":"ModelY"}"#;
const BOOT_CONF: &str =
    r#"{"status":"Accepted","currentTime":"2024-01-01T00:00:00.000Z","interval":300}"#;

fn cp() -> Rpc {
    Rpc::new(Role::ChargePoint, Config::default())
}

fn cs() -> Rpc {
    Rpc::new(Role::CentralSystem, Config::default())
}

fn obj(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Every frame `poll_transmit` yields now, as JSON.
fn sent(rpc: &mut Rpc, now: Instant) -> Vec<Value> {
    std::iter::from_fn(|| rpc.poll_transmit(now))
        .map(|text| serde_json::from_str(&text).unwrap())
        .collect()
}

/// The type, id and code of a CALLERROR.
fn head(frame: &Value) -> [Value; 3] {
    [frame[0].clone(), frame[1].clone(), frame[2].clone()]
}

fn events(rpc: &mut Rpc) -> Vec<Event> {
    std::iter::from_fn(|| rpc.poll_event()).collect()
}

fn mid(s: &str) -> MessageId {
    MessageId::new(s).unwrap()
}

/// A charge point that has sent a BootNotification; returns its id.
fn booting(rpc: &mut Rpc, now: Instant) -> MessageId {
    let id = rpc.call(Action::BootNotification, obj(BOOT)).unwrap();
    assert_eq!(
        sent(rpc, now),
        vec![json!([2, id.as_str(), "BootNotification", obj(BOOT)])]
    );
    id
}

fn response_of(event: Event) -> (MessageId, Action, Result<AnyResponse, CallErrorInfo>) {
    match event {
        Event::Response { id, action, result } => (id, action, result),
        other => panic!("expected a Response, got {other:?}"),
    }
}

// ---- outgoing CALLs ---------------------------------------------------------------------------

#[test]
fn call_is_sent_as_a_call_frame() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = rpc.call(Action::Heartbeat, json!({})).unwrap();
    assert_eq!(id.as_str().len(), 36);
    assert_eq!(rpc.queued_calls(), 1);
    assert_eq!(rpc.poll_timeout(), None, "no timer before the CALL is sent");
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([2, id.as_str(), "Heartbeat", {}])]
    );
    assert_eq!(rpc.outstanding_call(), Some((&id, Action::Heartbeat)));
    assert_eq!(rpc.queued_calls(), 0);
}

#[test]
fn typed_requests_can_be_called() {
    let now = Instant::now();
    let mut rpc = cp();
    let request = AnyRequest::decode(Action::BootNotification, &obj(BOOT)).unwrap();
    let id = rpc.call_request(&request).unwrap();
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([2, id.as_str(), "BootNotification", obj(BOOT)])]
    );
}

#[test]
fn only_one_call_is_outstanding() {
    let now = Instant::now();
    let mut rpc = cp();
    let first = rpc.call(Action::Heartbeat, json!({})).unwrap();
    let second = rpc.call(Action::Heartbeat, json!({})).unwrap();
    let third = rpc.call(Action::Heartbeat, json!({})).unwrap();
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([2, first.as_str(), "Heartbeat", {}])]
    );
    assert_eq!(
        sent(&mut rpc, now),
        Vec::<Value>::new(),
        "second waits for the answer"
    );
    assert_eq!(rpc.queued_calls(), 2);

    // Released by a CALLRESULT...
    let result = format!(r#"[3,"{first}",{{"currentTime":"2024-01-01T00:00:00Z"}}]"#);
    rpc.handle_frame(&result, now);
    let (id, action, result) = response_of(rpc.poll_event().unwrap());
    assert_eq!((id, action), (first, Action::Heartbeat));
    assert!(matches!(result, Ok(AnyResponse::Heartbeat(_))));
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([2, second.as_str(), "Heartbeat", {}])]
    );

    // ... by a CALLERROR ...
    rpc.handle_frame(
        &format!(r#"[4,"{second}","InternalError","db down",{{}}]"#),
        now,
    );
    let (id, _, result) = response_of(rpc.poll_event().unwrap());
    assert_eq!(id, second);
    assert_eq!(
        result.unwrap_err(),
        CallErrorInfo {
            code: CallErrorCode::InternalError,
            description: "db down".into(),
            details: json!({}),
        }
    );
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([2, third.as_str(), "Heartbeat", {}])]
    );

    // ... or by the timeout.
    let fourth = rpc.call(Action::Heartbeat, json!({})).unwrap();
    assert_eq!(sent(&mut rpc, now), Vec::<Value>::new());
    rpc.handle_timeout(now + Duration::from_secs(30));
    assert!(matches!(rpc.poll_event(), Some(Event::Timeout { id, .. }) if id == third));
    let later = now + Duration::from_secs(31);
    assert_eq!(
        sent(&mut rpc, later),
        vec![json!([2, fourth.as_str(), "Heartbeat", {}])]
    );
    assert_eq!(rpc.poll_timeout(), Some(later + Duration::from_secs(30)));
}

#[test]
fn calls_go_out_in_order() {
    let now = Instant::now();
    let mut rpc = cp();
    let ids: Vec<_> = (0..5)
        .map(|_| rpc.call(Action::Heartbeat, json!({})).unwrap())
        .collect();
    for id in &ids {
        assert_eq!(
            sent(&mut rpc, now),
            vec![json!([2, id.as_str(), "Heartbeat", {}])]
        );
        rpc.handle_frame(&format!(r#"[4,"{id}","GenericError","",{{}}]"#), now);
    }
    assert_eq!(events(&mut rpc).len(), 5);
}

#[test]
fn a_side_cannot_call_what_it_never_sends() {
    let mut rpc = cp();
    assert_eq!(
        rpc.call(Action::Reset, json!({"type": "Hard"})),
        Err(RpcError::NotInitiator {
            role: Role::ChargePoint,
            action: Action::Reset,
        })
    );
    let mut rpc = cs();
    assert_eq!(
        rpc.call(Action::BootNotification, obj(BOOT)),
        Err(RpcError::NotInitiator {
            role: Role::CentralSystem,
            action: Action::BootNotification,
        })
    );
    assert!(rpc
        .call(Action::DataTransfer, json!({"vendorId": "v"}))
        .is_ok());
    assert!(cp()
        .call(Action::DataTransfer, json!({"vendorId": "v"}))
        .is_ok());
}

#[test]
fn call_payload_must_be_an_object() {
    let mut rpc = cp();
    for payload in [json!(null), json!([]), json!("x"), json!(1)] {
        assert_eq!(
            rpc.call(Action::Heartbeat, payload),
            Err(RpcError::PayloadNotObject {
                action: Action::Heartbeat
            })
        );
    }
    assert_eq!(rpc.queued_calls(), 0);
}

// ---- timeouts ---------------------------------------------------------------------------------

#[test]
fn timeout_is_30_seconds_by_default_and_configurable() {
    assert_eq!(Config::default().call_timeout, Duration::from_secs(30));
    let now = Instant::now();
    let mut rpc = Rpc::new(
        Role::ChargePoint,
        Config::with_call_timeout(Duration::from_secs(5)),
    );
    let id = rpc.call(Action::Heartbeat, json!({})).unwrap();
    sent(&mut rpc, now);
    assert_eq!(rpc.poll_timeout(), Some(now + Duration::from_secs(5)));

    rpc.handle_timeout(now + Duration::from_millis(4999));
    assert!(rpc.poll_event().is_none(), "not yet");
    assert_eq!(rpc.outstanding_call(), Some((&id, Action::Heartbeat)));

    rpc.handle_timeout(now + Duration::from_secs(5));
    let Some(Event::Timeout {
        id: timed_out,
        action,
        payload,
    }) = rpc.poll_event()
    else {
        panic!("expected a timeout");
    };
    assert_eq!(
        (timed_out, action, payload),
        (id, Action::Heartbeat, json!({}))
    );
    assert_eq!(rpc.poll_timeout(), None);
    assert_eq!(rpc.outstanding_call(), None);
    rpc.handle_timeout(now + Duration::from_secs(60));
    assert!(rpc.poll_event().is_none(), "a call times out once");
}

#[test]
fn late_answer_after_timeout_is_dropped() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = booting(&mut rpc, now);
    let next = rpc.call(Action::Heartbeat, json!({})).unwrap();
    let late = now + Duration::from_secs(31);
    rpc.handle_timeout(late);
    assert!(matches!(rpc.poll_event(), Some(Event::Timeout { .. })));
    assert_eq!(
        sent(&mut rpc, late),
        vec![json!([2, next.as_str(), "Heartbeat", {}])]
    );

    rpc.handle_frame(&format!(r#"[3,"{id}",{BOOT_CONF}]"#), late);
    rpc.handle_frame(&format!(r#"[4,"{id}","GenericError","",{{}}]"#), late);
    assert!(rpc.poll_event().is_none());
    assert_eq!(
        sent(&mut rpc, late),
        Vec::<Value>::new(),
        "answers are never answered"
    );
    assert_eq!(rpc.outstanding_call(), Some((&next, Action::Heartbeat)));
}

#[test]
fn answer_after_the_deadline_is_late_even_without_handle_timeout() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = booting(&mut rpc, now);
    rpc.handle_frame(
        &format!(r#"[3,"{id}",{BOOT_CONF}]"#),
        now + Duration::from_secs(30),
    );
    let evs = events(&mut rpc);
    assert_eq!(evs.len(), 1);
    assert!(matches!(&evs[0], Event::Timeout { id: t, .. } if *t == id));
}

#[test]
fn a_huge_timeout_never_fires_and_never_panics() {
    let now = Instant::now();
    let mut rpc = Rpc::new(Role::ChargePoint, Config::with_call_timeout(Duration::MAX));
    rpc.call(Action::Heartbeat, json!({})).unwrap();
    assert_eq!(sent(&mut rpc, now).len(), 1);
    assert_eq!(rpc.poll_timeout(), None);
    rpc.handle_timeout(now + Duration::from_secs(1_000_000));
    assert!(rpc.poll_event().is_none());
    assert!(rpc.outstanding_call().is_some());
}

// ---- incoming answers -------------------------------------------------------------------------

#[test]
fn callresult_is_decoded_as_the_calls_response() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = booting(&mut rpc, now);
    rpc.handle_frame(&format!(r#"[3,"{id}",{BOOT_CONF}]"#), now);
    let (got, action, result) = response_of(rpc.poll_event().unwrap());
    assert_eq!((got, action), (id, Action::BootNotification));
    let response = result.unwrap();
    assert_eq!(response.action(), Action::BootNotification);
    assert_eq!(response.to_json(), obj(BOOT_CONF));
    assert_eq!(rpc.outstanding_call(), None);
}

#[test]
fn callresult_that_does_not_decode_is_an_error_response() {
    let cases = [
        // (payload, code, path)
        (
            r#"{"status":"Accepted","interval":300}"#,
            CallErrorCode::FormationViolation,
        ),
        (
            r#"{"status":"Maybe","currentTime":"2024-01-01T00:00:00Z","interval":300}"#,
            CallErrorCode::PropertyConstraintViolation,
        ),
        (
            r#"{"status":"Accepted","currentTime":"2024-01-01T00:00:00Z","interval":"300"}"#,
            CallErrorCode::FormationViolation,
        ),
    ];
    for (payload, code) in cases {
        let now = Instant::now();
        let mut rpc = cp();
        let id = booting(&mut rpc, now);
        rpc.handle_frame(&format!(r#"[3,"{id}",{payload}]"#), now);
        let expected = AnyResponse::decode(Action::BootNotification, &obj(payload)).unwrap_err();
        assert_eq!(expected.code, code, "{payload}");
        let (got, action, result) = response_of(rpc.poll_event().unwrap());
        assert_eq!((got, action), (id, Action::BootNotification));
        assert_eq!(
            result.unwrap_err(),
            CallErrorInfo {
                code,
                description: expected.message,
                details: json!({"path": expected.path}),
            },
            "{payload}"
        );
        assert_eq!(
            sent(&mut rpc, now),
            Vec::<Value>::new(),
            "nothing is sent back"
        );
        assert_eq!(rpc.outstanding_call(), None, "the call is complete");
    }
}

#[test]
fn broken_answer_frame_for_the_outstanding_call_completes_it() {
    for frame in [
        r#"[3,"ID"]"#,
        r#"[3,"ID",[]]"#,
        r#"[4,"ID","GenericError",""]"#,
        r#"[4,"ID",1,"",{}]"#,
        r#"[4,"ID","GenericError","",null]"#,
    ] {
        let now = Instant::now();
        let mut rpc = cp();
        let id = booting(&mut rpc, now);
        rpc.handle_frame(&frame.replace("ID", id.as_str()), now);
        let (got, _, result) = response_of(rpc.poll_event().unwrap());
        assert_eq!(got, id);
        let info = result.unwrap_err();
        assert_eq!(info.code, CallErrorCode::FormationViolation, "{frame}");
        assert!(
            info.description.contains(id.as_str()),
            "{}",
            info.description
        );
        assert_eq!(info.details, json!({}));
        assert_eq!(
            sent(&mut rpc, now),
            Vec::<Value>::new(),
            "{frame}: not answered"
        );
    }
}

#[test]
fn answers_for_other_ids_are_dropped() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = booting(&mut rpc, now);
    for frame in [
        format!(r#"[3,"other",{BOOT_CONF}]"#),
        r#"[4,"other","GenericError","",{}]"#.to_owned(),
        r#"[3,"other"]"#.to_owned(),
    ] {
        rpc.handle_frame(&frame, now);
        assert!(rpc.poll_event().is_none(), "{frame}");
        assert_eq!(sent(&mut rpc, now), Vec::<Value>::new(), "{frame}");
        assert_eq!(
            rpc.outstanding_call(),
            Some((&id, Action::BootNotification))
        );
    }
    // Answers with nothing outstanding at all.
    rpc.handle_frame(&format!(r#"[3,"{id}",{BOOT_CONF}]"#), now);
    assert!(matches!(rpc.poll_event(), Some(Event::Response { .. })));
    rpc.handle_frame(&format!(r#"[3,"{id}",{BOOT_CONF}]"#), now);
    assert!(rpc.poll_event().is_none(), "duplicate answer");
}

#[test]
fn received_callerror_with_unknown_code_is_generic_error() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = booting(&mut rpc, now);
    rpc.handle_frame(
        &format!(r#"[4,"{id}","RpcFrameworkError","nope",{{"hint":1}}]"#),
        now,
    );
    let (_, _, result) = response_of(rpc.poll_event().unwrap());
    assert_eq!(
        result.unwrap_err(),
        CallErrorInfo {
            code: CallErrorCode::GenericError,
            description: "nope".into(),
            details: json!({"hint": 1}),
        }
    );
}

// ---- incoming CALLs ---------------------------------------------------------------------------

#[test]
fn valid_call_becomes_an_event_and_is_answered() {
    let now = Instant::now();
    let mut rpc = cp();
    rpc.handle_frame(r#"[2,"r1","Reset",{"type":"Soft"}]"#, now);
    let Some(Event::Call { id, request }) = rpc.poll_event() else {
        panic!("expected a call");
    };
    assert_eq!(id, mid("r1"));
    assert_eq!(request.action(), Action::Reset);
    assert_eq!(request.to_json(), json!({"type": "Soft"}));
    assert_eq!(
        sent(&mut rpc, now),
        Vec::<Value>::new(),
        "waits for the user"
    );

    let response = AnyResponse::decode(Action::Reset, &json!({"status": "Accepted"})).unwrap();
    rpc.respond(&id, response.clone()).unwrap();
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([3, "r1", {"status": "Accepted"}])]
    );
    assert_eq!(rpc.respond(&id, response), Err(RpcError::UnknownCall(id)));
}

#[test]
fn central_system_receives_charge_point_calls() {
    let now = Instant::now();
    let mut rpc = cs();
    rpc.handle_frame(&format!(r#"[2,"b1","BootNotification",{BOOT}]"#), now);
    let Some(Event::Call { id, request }) = rpc.poll_event() else {
        panic!("expected a call");
    };
    assert_eq!(request.action(), Action::BootNotification);
    let response = AnyResponse::decode(Action::BootNotification, &obj(BOOT_CONF)).unwrap();
    rpc.respond(&id, response).unwrap();
    assert_eq!(sent(&mut rpc, now), vec![json!([3, "b1", obj(BOOT_CONF)])]);
}

#[test]
fn unknown_action_is_not_implemented() {
    let now = Instant::now();
    for name in ["FooBar", "heartbeat", "", "SetDisplayMessage"] {
        let mut rpc = cs();
        rpc.handle_frame(&json!([2, "u1", name, {}]).to_string(), now);
        assert!(rpc.poll_event().is_none());
        let description = format!("Unknown action {name:?}");
        assert_eq!(
            sent(&mut rpc, now),
            vec![json!([4, "u1", "NotImplemented", description, {}])]
        );
    }
}

#[test]
fn action_the_peer_never_sends_is_not_supported() {
    let now = Instant::now();
    let mut rpc = cp();
    rpc.handle_frame(&format!(r#"[2,"b1","BootNotification",{BOOT}]"#), now);
    assert!(rpc.poll_event().is_none());
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([
            4,
            "b1",
            "NotSupported",
            "BootNotification is not sent by a central system",
            {}
        ])]
    );

    let mut rpc = cs();
    rpc.handle_frame(r#"[2,"r1","Reset",{"type":"Hard"}]"#, now);
    assert!(rpc.poll_event().is_none());
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([
            4,
            "r1",
            "NotSupported",
            "Reset is not sent by a charge point",
            {}
        ])]
    );
}

#[test]
fn data_transfer_goes_both_ways() {
    let now = Instant::now();
    for mut rpc in [cp(), cs()] {
        rpc.handle_frame(r#"[2,"d1","DataTransfer",{"vendorId":"v"}]"#, now);
        assert!(matches!(rpc.poll_event(), Some(Event::Call { .. })));
        assert_eq!(sent(&mut rpc, now), Vec::<Value>::new());
    }
}

#[test]
fn invalid_payload_gets_the_payload_errors_code() {
    let cases = [
        (Action::Reset, json!({}), CallErrorCode::FormationViolation),
        (
            Action::Reset,
            json!({"type": 1}),
            CallErrorCode::FormationViolation,
        ),
        (
            Action::Reset,
            json!({"type": "Hard", "extra": true}),
            CallErrorCode::FormationViolation,
        ),
        (
            Action::Reset,
            json!({"type": "Medium"}),
            CallErrorCode::PropertyConstraintViolation,
        ),
        (
            Action::ClearCache,
            json!({"x": 1}),
            CallErrorCode::FormationViolation,
        ),
    ];
    let now = Instant::now();
    for (action, payload, code) in cases {
        let expected = AnyRequest::decode(action, &payload).unwrap_err();
        assert_eq!(expected.code, code, "{payload}");
        let mut rpc = cp();
        rpc.handle_frame(&json!([2, "p1", action.as_str(), payload]).to_string(), now);
        assert!(rpc.poll_event().is_none(), "{payload}");
        assert_eq!(
            sent(&mut rpc, now),
            vec![json!([4, "p1", code.as_str(), expected.message, {"path": expected.path}])],
            "{payload}"
        );
    }
}

#[test]
fn broken_call_frames_with_an_id_get_formation_violation() {
    let now = Instant::now();
    let cases = [
        (
            r#"[2,"f1",7,{}]"#,
            "CALL f1: action (element 2) is not a string",
        ),
        (
            r#"[2,"f1","Heartbeat"]"#,
            "CALL f1: expected 4 elements, found 3",
        ),
        (
            r#"[2,"f1","Heartbeat",[]]"#,
            "CALL f1: payload is not a JSON object",
        ),
        (r#"[7,"f1",{}]"#, "frame f1: unknown messageTypeId 7"),
    ];
    for (frame, description) in cases {
        let mut rpc = cp();
        rpc.handle_frame(frame, now);
        assert!(rpc.poll_event().is_none());
        assert_eq!(
            sent(&mut rpc, now),
            vec![json!([4, "f1", "FormationViolation", description, {}])],
            "{frame}"
        );
    }
}

/// libocpp's `ChargePointImpl::message_callback`: a frame whose id cannot be read gets
/// `GenericError` with the id "-1".
#[test]
fn frames_without_a_readable_id_get_generic_error_to_minus_one() {
    let now = Instant::now();
    let mut rpc = cp();
    for frame in [
        "",
        "garbage",
        "{}",
        "[]",
        "[2]",
        r#"[2,1,"Heartbeat",{}]"#,
        r#"[2,"","Heartbeat",{}]"#,
        r#"[7,"","Heartbeat",{}]"#,
    ] {
        rpc.handle_frame(frame, now);
        assert!(rpc.poll_event().is_none(), "{frame}");
        let answers = sent(&mut rpc, now);
        assert_eq!(answers.len(), 1, "{frame}");
        assert_eq!(answers[0][0], json!(4), "{frame}");
        assert_eq!(answers[0][1], json!("-1"), "{frame}");
        assert_eq!(answers[0][2], json!("GenericError"), "{frame}");
        assert_eq!(answers[0][4], json!({}), "{frame}");
    }
}

/// A CALLERROR only answers a CALL: a broken CALLRESULT or CALLERROR without a usable id gets
/// nothing.
#[test]
fn broken_answers_without_an_id_are_dropped() {
    let now = Instant::now();
    let mut rpc = cp();
    for frame in [r#"[3]"#, r#"[3,"",{}]"#, r#"[4,17,"a","b",{}]"#] {
        rpc.handle_frame(frame, now);
        assert!(rpc.poll_event().is_none(), "{frame}");
        assert_eq!(sent(&mut rpc, now), Vec::<Value>::new(), "{frame}");
    }
}

/// OCPP-J 1.6 §4.1.3 allows 36 characters; a longer id is still the only thing the central
/// system can match, so the answer carries it as written.
#[test]
fn a_call_with_a_too_long_id_is_answered_to_that_id() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = "x".repeat(37);
    rpc.handle_frame(&format!(r#"[2,"{id}","Heartbeat",{{}}]"#), now);
    assert!(rpc.poll_event().is_none());
    let answers = sent(&mut rpc, now);
    assert_eq!(answers.len(), 1);
    assert_eq!(
        head(&answers[0]),
        [json!(4), json!(id), json!("FormationViolation")]
    );
}

/// A CALL nested deeper than serde_json parses is answered from its start.
#[test]
fn a_deeply_nested_call_is_answered_from_its_start() {
    let now = Instant::now();
    let mut rpc = cp();
    let deep = format!(
        r#"[2,"deep1","DataTransfer",{{"vendorId":"v","data":{}{}}}]"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    rpc.handle_frame(&deep, now);
    assert!(rpc.poll_event().is_none());
    let answers = sent(&mut rpc, now);
    assert_eq!(answers.len(), 1);
    assert_eq!(
        head(&answers[0]),
        [json!(4), json!("deep1"), json!("FormationViolation")]
    );
}

/// A deep CALLRESULT to our outstanding CALL completes it with an error.
#[test]
fn a_deeply_nested_answer_fails_the_outstanding_call() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = booting(&mut rpc, now);
    let deep = format!(
        r#"[3,"{id}",{{"a":{}{}}}]"#,
        "[".repeat(500),
        "]".repeat(500)
    );
    rpc.handle_frame(&deep, now);
    let Some(Event::Response {
        id: answered,
        result: Err(info),
        ..
    }) = rpc.poll_event()
    else {
        panic!("expected the failed response");
    };
    assert_eq!(answered, id);
    assert_eq!(info.code, CallErrorCode::FormationViolation);
    assert_eq!(sent(&mut rpc, now), Vec::<Value>::new());
}

/// Over `Config::max_message_size` a frame is refused from its first bytes, never decoded.
#[test]
fn frames_over_the_size_limit_are_refused_before_decoding() {
    let now = Instant::now();
    let mut rpc = Rpc::new(Role::ChargePoint, Config::default().max_message_size(100));
    // A valid CALL of 101 bytes: refused all the same.
    let pad = "y".repeat(101 - r#"[2,"big","DataTransfer",{"vendorId":""}]"#.len());
    let call = format!(r#"[2,"big","DataTransfer",{{"vendorId":"{pad}"}}]"#);
    assert_eq!(call.len(), 101);
    rpc.handle_frame(&call, now);
    assert!(rpc.poll_event().is_none());
    let answers = sent(&mut rpc, now);
    assert_eq!(
        answers,
        vec![json!([
            4,
            "big",
            "FormationViolation",
            "message of 101 bytes refused: at most 100 are read",
            {}
        ])]
    );
    // At the limit it is decoded.
    let call = format!(r#"[2,"ok","DataTransfer",{{"vendorId":"{}"}}]"#, &pad[1..]);
    assert_eq!(call.len(), 99);
    rpc.handle_frame(&call, now);
    assert!(matches!(rpc.poll_event(), Some(Event::Call { .. })));
}

/// What the transport cut off at its limit: only the start is handed over.
#[test]
fn oversized_frames_reported_by_the_transport() {
    let now = Instant::now();
    let mut rpc = cp();
    rpc.handle_oversized(
        r#"[2,"sll","SendLocalList",{"listVersion":1,"localAuthorizationList":[{"#,
        62_000_000,
        65_000,
        now,
    );
    let answers = sent(&mut rpc, now);
    assert_eq!(
        answers,
        vec![json!([
            4,
            "sll",
            "FormationViolation",
            "message of 62000000 bytes refused: at most 65000 are read",
            {}
        ])]
    );
    rpc.handle_oversized("\u{0}", 1 << 30, 65_000, now);
    assert_eq!(
        head(&sent(&mut rpc, now)[0]),
        [json!(4), json!("-1"), json!("GenericError")]
    );
    // The answer to our CALL, cut off: the CALL fails.
    let id = booting(&mut rpc, now);
    rpc.handle_oversized(&format!(r#"[3,"{id}",{{"status":"#), 70_000, 65_000, now);
    assert!(matches!(
        rpc.poll_event(),
        Some(Event::Response {
            result: Err(CallErrorInfo {
                code: CallErrorCode::FormationViolation,
                ..
            }),
            ..
        })
    ));
    assert_eq!(sent(&mut rpc, now), Vec::<Value>::new());
}

/// EVerest's `test_invalid_encoding_in_payload`: binary data gets `GenericError` to "-1".
#[test]
fn unreadable_messages_get_generic_error_to_minus_one() {
    let now = Instant::now();
    let mut rpc = cp();
    rpc.handle_unreadable("binary websocket message", now);
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([
            4,
            "-1",
            "GenericError",
            "binary websocket message",
            {}
        ])]
    );
}

#[test]
fn endpoint_stays_usable_after_garbage() {
    let now = Instant::now();
    let mut rpc = cp();
    let id = booting(&mut rpc, now);
    rpc.handle_frame("\u{0}\u{ffff}[[[", now);
    rpc.handle_frame(r#"[2,"x",1,2]"#, now);
    assert_eq!(sent(&mut rpc, now).len(), 2, "the CALLERRORs for -1 and x");
    rpc.handle_frame(&format!(r#"[3,"{id}",{BOOT_CONF}]"#), now);
    assert!(matches!(
        rpc.poll_event(),
        Some(Event::Response { result: Ok(_), .. })
    ));
    rpc.handle_frame(r#"[2,"h","Reset",{"type":"Hard"}]"#, now);
    assert!(matches!(rpc.poll_event(), Some(Event::Call { .. })));
}

#[test]
fn answers_are_sent_before_calls() {
    let now = Instant::now();
    let mut rpc = cp();
    let call = rpc.call(Action::Heartbeat, json!({})).unwrap();
    rpc.handle_frame(r#"[2,"a","Nope",{}]"#, now);
    rpc.handle_frame(r#"[2,"b","Reset",{"type":"Hard"}]"#, now);
    let Some(Event::Call { id, .. }) = rpc.poll_event() else {
        panic!("expected a call");
    };
    rpc.respond_error(&id, CallErrorCode::InternalError, "busy")
        .unwrap();
    assert_eq!(
        sent(&mut rpc, now),
        vec![
            json!([4, "a", "NotImplemented", "Unknown action \"Nope\"", {}]),
            json!([4, "b", "InternalError", "busy", {}]),
            json!([2, call.as_str(), "Heartbeat", {}]),
        ]
    );
}

#[test]
fn responses_wait_for_no_outstanding_call() {
    let now = Instant::now();
    let mut rpc = cp();
    booting(&mut rpc, now);
    rpc.handle_frame(r#"[2,"b","Reset",{"type":"Hard"}]"#, now);
    let Some(Event::Call { id, .. }) = rpc.poll_event() else {
        panic!("expected a call");
    };
    let response = AnyResponse::decode(Action::Reset, &json!({"status": "Rejected"})).unwrap();
    rpc.respond(&id, response).unwrap();
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([3, "b", {"status": "Rejected"}])]
    );
}

#[test]
fn respond_checks_id_and_action() {
    let now = Instant::now();
    let mut rpc = cp();
    let heartbeat = AnyResponse::decode(
        Action::Heartbeat,
        &json!({"currentTime": "2024-01-01T00:00:00Z"}),
    )
    .unwrap();
    assert_eq!(
        rpc.respond(&mid("nope"), heartbeat.clone()),
        Err(RpcError::UnknownCall(mid("nope")))
    );
    assert_eq!(
        rpc.respond_error(&mid("nope"), CallErrorCode::GenericError, ""),
        Err(RpcError::UnknownCall(mid("nope")))
    );
    rpc.handle_frame(r#"[2,"b","Reset",{"type":"Hard"}]"#, now);
    rpc.poll_event();
    assert_eq!(
        rpc.respond(&mid("b"), heartbeat),
        Err(RpcError::ResponseMismatch {
            id: mid("b"),
            expected: Action::Reset,
            found: Action::Heartbeat,
        })
    );
    // Still answerable after the refused attempt.
    rpc.respond_error(&mid("b"), CallErrorCode::NotSupported, "no")
        .unwrap();
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([4, "b", "NotSupported", "no", {}])]
    );
}

#[test]
fn long_descriptions_are_cut() {
    let now = Instant::now();
    let mut rpc = cp();
    rpc.handle_frame(r#"[2,"b","Reset",{"type":"Hard"}]"#, now);
    rpc.poll_event();
    rpc.respond_error(&mid("b"), CallErrorCode::InternalError, &"é".repeat(1000))
        .unwrap();
    let frames = sent(&mut rpc, now);
    let description = frames[0][3].as_str().unwrap();
    assert_eq!(description.chars().count(), MAX_DESCRIPTION_LEN);
    assert!(description.ends_with('…'));

    let mut rpc = cs();
    rpc.handle_frame(&json!([2, "u", "x".repeat(1000), {}]).to_string(), now);
    let frames = sent(&mut rpc, now);
    assert!(frames[0][3].as_str().unwrap().chars().count() <= MAX_DESCRIPTION_LEN);
}

#[test]
fn duplicate_id_of_an_unanswered_call_is_dropped() {
    let now = Instant::now();
    let mut rpc = cp();
    rpc.handle_frame(r#"[2,"d","Reset",{"type":"Hard"}]"#, now);
    rpc.handle_frame(r#"[2,"d","Reset",{"type":"Soft"}]"#, now);
    assert_eq!(events(&mut rpc).len(), 1);
    assert_eq!(sent(&mut rpc, now), Vec::<Value>::new());
    // A second CALL with another id is accepted (logged: the peer broke §4.1.1).
    rpc.handle_frame(r#"[2,"e","Reset",{"type":"Soft"}]"#, now);
    assert_eq!(events(&mut rpc).len(), 1);
}

// ---- reset ------------------------------------------------------------------------------------

#[test]
fn reset_cancels_every_call_of_the_old_connection() {
    let now = Instant::now();
    let mut rpc = cp();
    let boot = booting(&mut rpc, now);
    let hb = rpc.call(Action::Heartbeat, json!({})).unwrap();
    let dt = rpc
        .call(Action::DataTransfer, json!({"vendorId": "v"}))
        .unwrap();
    rpc.handle_frame(r#"[2,"in","Reset",{"type":"Hard"}]"#, now);
    rpc.handle_frame(r#"[2,"bad","Nope",{}]"#, now);
    assert!(matches!(rpc.poll_event(), Some(Event::Call { .. })));

    rpc.reset();
    let cancelled: Vec<_> = events(&mut rpc)
        .into_iter()
        .map(|e| match e {
            Event::Cancelled {
                id,
                action,
                payload,
                sent,
            } => (id, action, payload, sent),
            other => panic!("expected Cancelled, got {other:?}"),
        })
        .collect();
    assert_eq!(
        cancelled,
        vec![
            (boot, Action::BootNotification, obj(BOOT), true),
            (hb, Action::Heartbeat, json!({}), false),
            (dt, Action::DataTransfer, json!({"vendorId": "v"}), false),
        ]
    );
    assert_eq!(rpc.outstanding_call(), None);
    assert_eq!(rpc.queued_calls(), 0);
    assert_eq!(rpc.poll_timeout(), None);
    assert_eq!(
        sent(&mut rpc, now),
        Vec::<Value>::new(),
        "old answers dropped"
    );
    let response = AnyResponse::decode(Action::Reset, &json!({"status": "Accepted"})).unwrap();
    assert_eq!(
        rpc.respond(&mid("in"), response),
        Err(RpcError::UnknownCall(mid("in")))
    );

    // The new connection works as a fresh one.
    let next = rpc.call(Action::Heartbeat, json!({})).unwrap();
    assert_eq!(
        sent(&mut rpc, now),
        vec![json!([2, next.as_str(), "Heartbeat", {}])]
    );
}

#[test]
fn reset_keeps_unpolled_events() {
    let now = Instant::now();
    let mut rpc = cp();
    rpc.handle_frame(r#"[2,"in","Reset",{"type":"Hard"}]"#, now);
    rpc.reset();
    assert!(matches!(rpc.poll_event(), Some(Event::Call { .. })));
    assert!(rpc.poll_event().is_none());
}
