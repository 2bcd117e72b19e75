use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .unwrap()
}

fn text(id: Option<i32>, content: &str) -> DisplayMessage {
    DisplayMessage {
        id,
        priority: None,
        state: None,
        timestamp_from: None,
        timestamp_to: None,
        identifier_id: None,
        identifier_type: None,
        message: MessageContent {
            content: content.to_owned(),
            format: None,
            language: None,
        },
        qr_code: None,
    }
}

fn accepted() -> SetDisplayMessageResponse {
    SetDisplayMessageResponse {
        status: DisplayMessageStatus::Accepted,
        status_info: None,
    }
}

fn contents(messages: &[DisplayMessage]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m.message.content.as_str())
        .collect()
}

#[test]
fn set_stores_replaces_by_id_and_clear_removes() {
    let mut d = TerminalDisplay::new();
    assert_eq!(
        d.set(
            vec![text(Some(1), "Welcome"), text(None, "Tap your card")],
            t0()
        ),
        accepted()
    );
    assert_eq!(d.set(vec![text(Some(1), "Willkommen")], t0()), accepted());
    assert_eq!(contents(&d.shown(t0())), ["Tap your card", "Willkommen"]);
    assert_eq!(d.clear(1), ClearMessageResponse::Accepted);
    assert_eq!(d.clear(1), ClearMessageResponse::Unknown);
    assert_eq!(contents(&d.shown(t0())), ["Tap your card"]);
}

#[test]
fn a_bad_message_rejects_the_whole_request_and_changes_nothing() {
    let mut d = TerminalDisplay::new();
    d.set(vec![text(Some(1), "Welcome")], t0());
    let before = d.clone();
    let mut late = text(Some(3), "x");
    late.timestamp_to = Some("tomorrow".into());
    let cases: Vec<(Vec<DisplayMessage>, &str)> = vec![
        (vec![], "No request sent"),
        (
            vec![text(Some(2), "ok"), text(Some(3), "")],
            "message 1: message.content is empty",
        ),
        (
            vec![text(Some(2), &"x".repeat(513))],
            "message 0: message.content has 513 characters",
        ),
        (
            vec![late],
            "message 0: timestamp_to \"tomorrow\" is not an RFC 3339 date-time",
        ),
    ];
    for (request, why) in cases {
        let answer = d.set(request, t0());
        assert_eq!(answer.status, DisplayMessageStatus::Rejected);
        let info = answer.status_info.unwrap_or_default();
        assert!(info.starts_with(why), "{info}");
        assert_eq!(d, before);
    }
    let too_many: Vec<_> = (0..MAX_MESSAGES as i32)
        .map(|i| text(Some(100 + i), "m"))
        .collect();
    assert_eq!(d.set(too_many, t0()).status, DisplayMessageStatus::Rejected);
    assert_eq!(d, before);
}

#[test]
fn always_front_replaces_always_front_and_is_shown_first() {
    let mut d = TerminalDisplay::new();
    let front = |id, content| DisplayMessage {
        priority: Some(MessagePriority::AlwaysFront),
        ..text(Some(id), content)
    };
    let in_front = DisplayMessage {
        priority: Some(MessagePriority::InFront),
        ..text(Some(5), "in front")
    };
    d.set(
        vec![text(Some(1), "cycle"), in_front, front(2, "first front")],
        t0(),
    );
    d.set(vec![front(3, "second front")], t0());
    assert_eq!(
        contents(&d.shown(t0())),
        ["second front", "in front", "cycle"]
    );
    let filtered = d.get(&GetDisplayMessageRequest {
        priority: Some(MessagePriority::NormalCycle),
        ..Default::default()
    });
    assert_eq!(contents(&filtered), ["cycle"]);
    let by_id = d.get(&GetDisplayMessageRequest {
        id: Some(vec![3, 5, 9]),
        ..Default::default()
    });
    assert_eq!(contents(&by_id), ["in front", "second front"]);
}

#[test]
fn messages_show_from_their_start_and_go_at_their_end() {
    let mut d = TerminalDisplay::new();
    let later = DisplayMessage {
        timestamp_from: Some("2026-11-24T12:10:00Z".into()),
        timestamp_to: Some("2026-11-24T12:20:00+00:00".into()),
        ..text(Some(1), "happy hour")
    };
    d.set(vec![later], t0());
    assert!(d.shown(t0()).is_empty());
    assert_eq!(d.get(&GetDisplayMessageRequest::default()).len(), 1);
    assert_eq!(
        contents(&d.shown(t0() + Duration::minutes(10))),
        ["happy hour"]
    );
    assert!(!d.expire(t0() + Duration::minutes(19)));
    assert!(d.expire(t0() + Duration::minutes(20)));
    assert!(d.get(&GetDisplayMessageRequest::default()).is_empty());
}

#[test]
fn a_sessions_messages_go_when_it_ends() {
    let mut d = TerminalDisplay::new();
    let of = |id: i32, ty: Option<IdentifierType>, who: &str| DisplayMessage {
        identifier_id: Some(who.into()),
        identifier_type: ty,
        ..text(Some(id), who)
    };
    d.set(
        vec![
            of(1, Some(IdentifierType::TransactionId), "42"),
            of(2, Some(IdentifierType::IdToken), "RFID1"),
            of(3, None, "session-a"),
            of(4, Some(IdentifierType::TransactionId), "43"),
            text(Some(5), "for everyone"),
        ],
        t0(),
    );
    assert!(d.session_ended(&EndedSession {
        transaction_id: Some(42),
        id_tag: Some("RFID1"),
        session_id: None,
    }));
    assert_eq!(
        contents(&d.shown(t0())),
        ["session-a", "43", "for everyone"]
    );
    assert!(d.session_ended(&EndedSession {
        session_id: Some("session-a"),
        ..Default::default()
    }));
    assert!(!d.session_ended(&EndedSession::default()));
    assert_eq!(contents(&d.shown(t0())), ["43", "for everyone"]);
}

#[test]
fn messages_round_trip_with_everests_field_names() {
    let json = serde_json::json!({
        "id": 7, "priority": "InFront", "state": "Charging",
        "identifier_id": "RFID1", "identifier_type": "IdToken",
        "message": {"content": "0.30 EUR/kWh", "format": "UTF8", "language": "en"},
        "qr_code": "https://example.com/pay"
    });
    let m: DisplayMessage = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(&m).unwrap(), json);
    let unknown = serde_json::json!({"message": {"content": "x"}, "colour": "red"});
    assert!(serde_json::from_value::<DisplayMessage>(unknown).is_err());
}
