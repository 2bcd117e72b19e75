//! [`Rpc::poll_fault`]: what the peer sent that broke OCPP-J (a frame or payload that does not
//! decode, a CALL id used again on the connection), reported besides the CALLERROR it got,
//! never with the frame's text; well-formed CALLs of unknown or foreign actions are no fault.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use ocpp_rpc::fault::{MAX_FAULTS, RECENT_CALL_IDS};
use ocpp_rpc::{CallErrorCode, Config, Event, MessageId, PeerFault, Role, Rpc};
use ocpp_types::{Action, AnyResponse};
use serde_json::json;

fn cp() -> Rpc {
    Rpc::new(Role::ChargePoint, Config::default())
}

fn faults(rpc: &mut Rpc) -> Vec<PeerFault> {
    std::iter::from_fn(|| rpc.poll_fault()).collect()
}

fn malformed(code: CallErrorCode, what: &str) -> PeerFault {
    PeerFault::Malformed {
        code,
        what: what.to_owned(),
    }
}

/// Answers every CALL event with an empty-ish answer so ids are not left unanswered.
fn answer_calls(rpc: &mut Rpc) {
    while let Some(event) = rpc.poll_event() {
        if let Event::Call { id, .. } = event {
            rpc.respond_error(&id, CallErrorCode::GenericError, "test")
                .unwrap();
        }
    }
}

#[test]
fn a_payload_that_does_not_decode_is_a_fault_named_by_its_code_and_path_not_its_text() {
    let mut rpc = cp();
    let now = Instant::now();
    rpc.handle_frame(
        r#"[2,"a","ChangeConfiguration",{"key":"AuthorizationKey","value":17}]"#,
        now,
    );
    assert_eq!(
        faults(&mut rpc),
        [malformed(
            CallErrorCode::FormationViolation,
            "FormationViolation: CALL ChangeConfiguration at value"
        )]
    );
}

#[test]
fn broken_unreadable_and_oversized_frames_are_faults() {
    let mut rpc = Rpc::new(Role::ChargePoint, Config::default().max_message_size(100));
    let now = Instant::now();
    rpc.handle_frame(r#"[2,"b","Reset""#, now);
    rpc.handle_frame(r#"[2,"c","Reset"]"#, now);
    rpc.handle_unreadable("a binary message", now);
    rpc.handle_frame(
        &format!(
            r#"[2,"d","DataTransfer",{{"vendorId":"{}"}}]"#,
            "x".repeat(200)
        ),
        now,
    );
    let found = faults(&mut rpc);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        matches!(&found[0], PeerFault::Malformed { code: CallErrorCode::FormationViolation, what } if what.starts_with("frame is not JSON")),
        "{found:?}"
    );
    assert_eq!(
        found[1],
        malformed(
            CallErrorCode::FormationViolation,
            "CALL c: expected 4 elements, found 3"
        )
    );
    assert_eq!(
        found[2],
        malformed(CallErrorCode::GenericError, "a binary message")
    );
    assert!(
        matches!(&found[3], PeerFault::Malformed { code: CallErrorCode::FormationViolation, what } if what.contains("at most 100")),
        "{found:?}"
    );
}

#[test]
fn a_callresult_that_does_not_decode_is_a_fault() {
    let mut rpc = cp();
    let now = Instant::now();
    let id = rpc.call(Action::Heartbeat, json!({})).unwrap();
    rpc.poll_transmit(now);
    rpc.handle_frame(&format!(r#"[3,"{id}",{{"currentTime":12}}]"#), now);
    assert!(matches!(
        rpc.poll_event(),
        Some(Event::Response { result: Err(_), .. })
    ));
    assert_eq!(
        faults(&mut rpc),
        [malformed(
            CallErrorCode::FormationViolation,
            "FormationViolation: CALLRESULT of Heartbeat at currentTime"
        )]
    );
}

#[test]
fn unknown_and_foreign_actions_and_good_frames_are_no_faults() {
    let mut rpc = cp();
    let now = Instant::now();
    rpc.handle_frame(r#"[2,"e","MakeCoffee",{}]"#, now);
    rpc.handle_frame(r#"[2,"f","BootNotification",{}]"#, now);
    rpc.handle_frame(r#"[2,"g","ClearCache",{}]"#, now);
    let id = rpc.call(Action::Heartbeat, json!({})).unwrap();
    // The two CALLERRORs, then the CALL.
    while rpc.poll_transmit(now).is_some() {}
    rpc.handle_frame(
        &format!(r#"[3,"{id}",{{"currentTime":"2024-01-01T00:00:00Z"}}]"#),
        now,
    );
    assert_eq!(faults(&mut rpc), []);
    let events: Vec<_> = std::iter::from_fn(|| rpc.poll_event()).collect();
    assert!(matches!(
        events.as_slice(),
        [
            Event::Call { .. },
            Event::Response {
                result: Ok(AnyResponse::Heartbeat(_)),
                ..
            }
        ]
    ));
}

#[test]
fn a_call_id_used_again_on_the_connection_is_a_repeated_id_and_the_call_is_handled_as_before() {
    let mut rpc = cp();
    let now = Instant::now();
    rpc.handle_frame(r#"[2,"r1","ClearCache",{}]"#, now);
    // Still unanswered: dropped, as before.
    rpc.handle_frame(r#"[2,"r1","ClearCache",{}]"#, now);
    let repeated = PeerFault::RepeatedId {
        id: MessageId::new("r1").unwrap(),
        action: "ClearCache".to_owned(),
    };
    assert_eq!(faults(&mut rpc), std::slice::from_ref(&repeated));
    assert_eq!(
        std::iter::from_fn(|| rpc.poll_event()).count(),
        1,
        "only the first is a CALL"
    );
    rpc.respond(
        &MessageId::new("r1").unwrap(),
        AnyResponse::ClearCache(ocpp_types::core::ClearCacheResponse {
            status: ocpp_types::core::ClearCacheStatus::Accepted,
        }),
    )
    .unwrap();
    // Answered, then used again (a replay): passed on as a new CALL, and a fault.
    rpc.handle_frame(r#"[2,"r1","ClearCache",{}]"#, now);
    assert_eq!(faults(&mut rpc), [repeated]);
    assert!(matches!(rpc.poll_event(), Some(Event::Call { .. })));
    answer_calls(&mut rpc);
    // A new connection may use the ids again.
    rpc.reset();
    rpc.handle_frame(r#"[2,"r1","ClearCache",{}]"#, now);
    assert_eq!(faults(&mut rpc), []);
}

#[test]
fn the_ids_remembered_and_the_faults_kept_are_bounded() {
    let mut rpc = cp();
    let now = Instant::now();
    for n in 0..=RECENT_CALL_IDS {
        rpc.handle_frame(&format!(r#"[2,"id{n}","ClearCache",{{}}]"#), now);
        answer_calls(&mut rpc);
    }
    // The first id is forgotten; the second is still known.
    rpc.handle_frame(r#"[2,"id0","ClearCache",{}]"#, now);
    answer_calls(&mut rpc);
    assert_eq!(faults(&mut rpc), []);
    rpc.handle_frame(r#"[2,"id2","ClearCache",{}]"#, now);
    answer_calls(&mut rpc);
    assert_eq!(faults(&mut rpc).len(), 1);
    for _ in 0..MAX_FAULTS + 5 {
        rpc.handle_unreadable("binary", now);
    }
    assert_eq!(faults(&mut rpc).len(), MAX_FAULTS);
}
