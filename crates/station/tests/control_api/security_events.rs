//! `POST /api/v1/security-events` (EVerest's `security_event` command): a type of the Security
//! whitepaper's list, with or without techInfo, reaches the station as given; anything else is
//! refused with 400 and reaches nothing.

use axum::http::StatusCode;
use serde_json::json;
use station::control_api::SecurityEventRequest;

use crate::fake::{setup, Call};
use crate::post_json as post;

#[tokio::test]
async fn a_whitepaper_event_reaches_the_station_as_given() {
    let (fake, _, app) = setup();
    let (status, body) = post(
        &app,
        "/api/v1/security-events",
        r#"{"type": "TamperDetectionActivated", "tech_info": "enclosure opened"}"#,
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"ok": true})));
    let (status, _) = post(
        &app,
        "/api/v1/security-events",
        r#"{"type": "MemoryExhaustion"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        fake.calls(),
        [
            Call::SecurityEvent(SecurityEventRequest {
                kind: "TamperDetectionActivated".into(),
                tech_info: Some("enclosure opened".into()),
            }),
            Call::SecurityEvent(SecurityEventRequest {
                kind: "MemoryExhaustion".into(),
                tech_info: None,
            })
        ]
    );
}

#[tokio::test]
async fn anything_else_is_refused_and_reaches_nothing() {
    let (fake, _, app) = setup();
    let long = "x".repeat(256);
    for (body, error) in [
        (
            r#"{"type": "TamperDetected"}"#.to_owned(),
            "type: 'TamperDetected' is not a security event of the Security whitepaper (known: FirmwareUpdated, ",
        ),
        (
            format!(r#"{{"type": "MemoryExhaustion", "tech_info": "{long}"}}"#),
            "tech_info: at most 255 characters, found 256",
        ),
        (
            r#"{"type": "MemoryExhaustion", "critical": true}"#.to_owned(),
            "bad request body: unknown field `critical`",
        ),
        (r#"{"tech_info": "x"}"#.to_owned(), "bad request body: missing field `type`"),
        ("".to_owned(), "a JSON body is required"),
        (r#"["MemoryExhaustion"]"#.to_owned(), "bad request body: expected a JSON object"),
    ] {
        let (status, answer) = post(&app, "/api/v1/security-events", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let text = answer["error"].as_str().unwrap();
        assert!(text.starts_with(error), "{body}: {text}");
    }
    assert_eq!(fake.calls(), []);
}
