//! `GET /api/v1/events` and `GET /`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::StreamExt;
use ocpp_types::core::ChargePointStatus;
use serde_json::{json, Value};
use station::control_api::{OcppFrame, StationEvent};
use station::message_log::{Direction, MessageLog};
use tower::ServiceExt;

use crate::fake::{setup, state, HOST};

/// The next SSE event of `body` as (event, data), skipping keep-alive comments.
async fn next_event(
    stream: &mut (impl futures_util::Stream<Item = Result<axum::body::Bytes, axum::Error>> + Unpin),
    buffer: &mut String,
) -> (String, Value) {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(str::to_owned)
            };
            if let (Some(event), Some(data)) = (field("event: "), field("data: ")) {
                return (event, serde_json::from_str(&data).unwrap());
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("an event within 5 s")
            .expect("the stream goes on")
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn events_stream_the_state_then_every_frame_and_state_change() {
    let (_, events, app) = setup();
    let request = Request::get("/api/v1/events")
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let mut stream = response.into_body().into_data_stream();
    let mut buffer = String::new();

    let (event, data) = next_event(&mut stream, &mut buffer).await;
    assert_eq!(event, "state");
    assert_eq!(data["ocpp"]["charge_point_id"], "cp001");

    // What the runtime does with each frame: log it, broadcast what the log read.
    let mut log = MessageLog::disabled();
    let time = chrono::DateTime::from_timestamp_millis(1_795_503_600_000).unwrap();
    for (direction, text) in [
        (
            Direction::ChargePointToCentralSystem,
            r#"[2,"1","BootNotification",{"chargePointVendor":"v","chargePointModel":"m"}]"#,
        ),
        (
            Direction::CentralSystemToChargePoint,
            r#"[3,"1",{"status":"Accepted","currentTime":"2026-11-24T07:00:00Z","interval":300}]"#,
        ),
    ] {
        let info = log.record(direction, time, text);
        events
            .send(StationEvent::Ocpp(Box::new(OcppFrame::new(
                direction, time, &info,
            ))))
            .unwrap();
    }
    let mut charging = state();
    charging.connectors[0].status = ChargePointStatus::Charging;
    events
        .send(StationEvent::State(Box::new(charging)))
        .unwrap();

    assert_eq!(
        next_event(&mut stream, &mut buffer).await,
        (
            "ocpp".into(),
            json!({"seq": 0, "direction": "sent", "time": "2026-11-24T07:00:00.000Z", "message_type": "CALL",
                   "action": "BootNotification",
                   "frame": r#"[2,"1","BootNotification",{"chargePointVendor":"v","chargePointModel":"m"}]"#})
        )
    );
    let (event, data) = next_event(&mut stream, &mut buffer).await;
    assert_eq!(event, "ocpp");
    assert_eq!(
        (
            data["direction"].as_str(),
            data["message_type"].as_str(),
            data["action"].as_str()
        ),
        (
            Some("received"),
            Some("CALLRESULT"),
            Some("BootNotification")
        )
    );
    let (event, data) = next_event(&mut stream, &mut buffer).await;
    assert_eq!(event, "state");
    assert_eq!(data["connectors"][0]["status"], "Charging");
}

#[tokio::test]
async fn the_page_is_served_at_the_root() {
    let (fake, _, app) = setup();
    let response = app
        .oneshot(
            Request::get("/")
                .header("host", HOST)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/html; charset=utf-8")
    );
    let page = String::from_utf8(
        axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    for needle in [
        "new EventSource(\"/api/v1/events?after=\" + lastSeq)",
        "/api/v1/tokens",
        "/api/v1/ocpp/disconnect",
        "/api/v1/ocpp/connect",
        "\"evse_board_support/MREC2GroundFailure\"",
        "data-action=\"plug-in\"",
        "data-action=\"ev-pause\"",
    ] {
        assert!(page.contains(needle), "the page lacks {needle}");
    }
    // Self-contained: no script, style or font from elsewhere.
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    assert!(fake.calls().is_empty());
}

/// A frame numbered `seq`, as the runtime broadcasts it.
fn frame(seq: u64) -> OcppFrame {
    let mut log = MessageLog::disabled();
    let time = chrono::DateTime::from_timestamp_millis(1_795_503_600_000).unwrap();
    let text = format!(r#"[2,"{seq}","Heartbeat",{{}}]"#);
    let info = log.record(Direction::ChargePointToCentralSystem, time, &text);
    OcppFrame::new(Direction::ChargePointToCentralSystem, time, &info).with_seq(seq)
}

#[tokio::test]
async fn a_stream_resumes_after_the_frame_the_client_has_without_a_gap_or_a_repeat() {
    let (fake, events, app) = setup();
    *fake.frames.lock().unwrap() = (1..=3).map(frame).collect();
    let request = Request::get("/api/v1/events?after=1")
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let mut stream = response.into_body().into_data_stream();
    let mut buffer = String::new();
    assert_eq!(next_event(&mut stream, &mut buffer).await.0, "state");
    // The kept frames after 1, then live ones: 3 again (it was logged while the stream
    // opened) is not repeated.
    for seq in [3, 4] {
        events
            .send(StationEvent::Ocpp(Box::new(frame(seq))))
            .unwrap();
    }
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (event, data) = next_event(&mut stream, &mut buffer).await;
        assert_eq!(event, "ocpp");
        seen.push(data["seq"].as_u64().unwrap());
    }
    assert_eq!(seen, [2, 3, 4]);

    // A number the station has not reached is from another run: nothing replayed or skipped.
    let request = Request::get("/api/v1/events?after=99")
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let mut stream = response.into_body().into_data_stream();
    let mut buffer = String::new();
    assert_eq!(next_event(&mut stream, &mut buffer).await.0, "state");
    events.send(StationEvent::Ocpp(Box::new(frame(1)))).unwrap();
    let (event, data) = next_event(&mut stream, &mut buffer).await;
    assert_eq!((event.as_str(), data["seq"].as_u64()), ("ocpp", Some(1)));
}

/// The broadcast channel fills all of its 1,024 slots when the station starts: an event is a
/// tag and a pointer, not the state or the frame itself.
#[test]
fn an_event_is_a_tag_and_a_box() {
    assert_eq!(std::mem::size_of::<StationEvent>(), 16);
}
