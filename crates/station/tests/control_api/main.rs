//! The control API (contract v1) against a fake station: every route's success path calls the
//! right method with the right arguments; every kind of bad input gets its status and error and
//! calls nothing; the station's refusals map to statuses by kind; the event stream and the page.

// A test that cannot build its request has nothing to say but the panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod events;
mod fake;
mod security_events;
mod serve;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use station::control_api::{
    CarScript, ChargeMode, ControlError, HardwareError, MeterOverride, PlugIn, StopTransaction,
    Token,
};
use tower::ServiceExt;

use fake::{setup, Call};

pub(crate) use post as post_json;

async fn send(app: &Router, method: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", fake::HOST)
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers().get("content-type").cloned();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{method} {path} must answer JSON"
    );
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {bytes:?}"));
    (status, value)
}

async fn post(app: &Router, path: &str, body: &str) -> (StatusCode, Value) {
    send(app, "POST", path, body).await
}

#[tokio::test]
async fn state_is_the_contract_document() {
    let (fake, _, app) = setup();
    let (status, body) = send(&app, "GET", "/api/v1/state", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({
            "ocpp": {"connected": true, "registration": "Accepted", "charge_point_id": "cp001",
                     "queued": 0, "last_error": null, "offline_requested": false},
            "connectors": [
                {"id": 1, "status": "Available", "error_code": "NoError", "transaction_id": null,
                 "id_tag": null, "session_id": null, "power_w": 0.0, "energy_wh": 0.0, "plugged": false,
                 "limit_a": null, "limit_source": null, "fault": [], "fault_raised": [], "error_info": null,
                 "authorization": null, "transaction": null, "reservation": null,
                 "evse_state": "Idle", "pricing": null, "car": "unplugged", "random_delay": null},
                {"id": 2, "status": "Available", "error_code": "NoError", "transaction_id": null,
                 "id_tag": null, "session_id": null, "power_w": 0.0, "energy_wh": 0.0, "plugged": false,
                 "limit_a": null, "limit_source": null, "fault": [], "fault_raised": [], "error_info": null,
                 "authorization": null, "transaction": null, "reservation": null,
                 "evse_state": "Idle", "pricing": null, "car": "unplugged", "random_delay": null}
            ],
            "display_messages": null,
            "store_recovered": [],
            "default_price": null,
            "security_events": [],
            "mqtt": null,
            "certificates": []
        })
    );
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn every_command_calls_the_station_with_its_arguments() {
    let (fake, _, app) = setup();
    let cases: Vec<(&str, &str, Call)> = vec![
        (
            "/api/v1/connectors/1/plug-in",
            r#"{"max_current_a": 16, "phases": 3, "mode": "iso_ac", "payment": "externalpayment"}"#,
            Call::PlugIn(
                1,
                PlugIn {
                    max_current_a: Some(16.0),
                    phases: Some(3),
                    mode: Some(ChargeMode::IsoAc),
                    payment: Some(station::control_api::Payment::ExternalPayment),
                },
            ),
        ),
        (
            "/api/v1/connectors/2/plug-in",
            "",
            Call::PlugIn(2, PlugIn::default()),
        ),
        ("/api/v1/connectors/2/unplug", "", Call::Unplug(2)),
        ("/api/v1/connectors/1/ev-pause", "", Call::EvPause(1)),
        ("/api/v1/connectors/1/ev-resume", "", Call::EvResume(1)),
        (
            "/api/v1/connectors/1/stop-transaction",
            r#"{"reason": "EmergencyStop"}"#,
            Call::StopTransaction(
                1,
                StopTransaction {
                    reason: "EmergencyStop".into(),
                },
            ),
        ),
        (
            // No body: a stop button (Local).
            "/api/v1/connectors/2/stop-transaction",
            "",
            Call::StopTransaction(
                2,
                StopTransaction {
                    reason: "Local".into(),
                },
            ),
        ),
        (
            "/api/v1/connectors/1/car-script",
            r#"{"script": "sleep 1;iec_wait_pwr_ready;draw_power_regulated 16,3;sleep 30;unplug", "replace": true}"#,
            Call::CarScript(
                1,
                CarScript {
                    script: "sleep 1;iec_wait_pwr_ready;draw_power_regulated 16,3;sleep 30;unplug"
                        .into(),
                    replace: true,
                },
            ),
        ),
        (
            "/api/v1/connectors/2/errors",
            r#"{"type": "evse_board_support/MREC2GroundFailure", "raise": true}"#,
            Call::HardwareError(
                2,
                HardwareError {
                    error_type: "evse_board_support/MREC2GroundFailure".into(),
                    raise: true,
                },
            ),
        ),
        (
            // A bare name that names one type is completed.
            "/api/v1/connectors/1/errors",
            r#"{"type": "DiodeFault", "raise": false}"#,
            Call::HardwareError(
                1,
                HardwareError {
                    error_type: "evse_board_support/DiodeFault".into(),
                    raise: false,
                },
            ),
        ),
        (
            "/api/v1/connectors/1/meter",
            r#"{"energy_wh": 1234.5, "power_w": 11000}"#,
            Call::Meter(
                1,
                MeterOverride {
                    energy_wh: Some(1234.5),
                    power_w: Some(11000.0),
                    ..MeterOverride::default()
                },
            ),
        ),
        (
            "/api/v1/tokens",
            r#"{"id_tag": "RFID1", "connectors": [1, 2], "prevalidated": true}"#,
            Call::Token(Token {
                id_tag: Some("RFID1".into()),
                connectors: Some(vec![1, 2]),
                prevalidated: true,
                provider: None,
            }),
        ),
        (
            "/api/v1/tokens",
            r#"{"id_tag": "CARD7", "provider": "token_provider_2"}"#,
            Call::Token(Token {
                id_tag: Some("CARD7".into()),
                connectors: None,
                prevalidated: false,
                provider: Some("token_provider_2".into()),
            }),
        ),
        (
            "/api/v1/tokens",
            r#"{"connectors": [2]}"#,
            Call::Token(Token {
                id_tag: None,
                connectors: Some(vec![2]),
                prevalidated: false,
                provider: None,
            }),
        ),
        (
            "/api/v1/tokens",
            r#"{"id_tag": "DEADBEEF"}"#,
            Call::Token(Token {
                id_tag: Some("DEADBEEF".into()),
                connectors: None,
                prevalidated: false,
                provider: None,
            }),
        ),
        ("/api/v1/ocpp/disconnect", "", Call::OcppDisconnect),
        ("/api/v1/ocpp/connect", "", Call::OcppConnect),
        ("/api/v1/station/stop", "", Call::Stop),
    ];
    for (path, body, expected) in cases {
        let (status, answer) = post(&app, path, body).await;
        assert_eq!(
            (status, answer),
            (StatusCode::OK, json!({"ok": true})),
            "{path} {body}"
        );
        assert_eq!(fake.calls().last(), Some(&expected), "{path} {body}");
    }
    assert_eq!(fake.calls().len(), 18);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let (fake, _, app) = setup();
    let cases: &[(&str, &str, &str, StatusCode, &str)] = &[
        // (method, path, body, status, a part of the error)
        (
            "POST",
            "/api/v1/connectors/3/unplug",
            "",
            StatusCode::NOT_FOUND,
            "no connector '3' (the station's connectors: 1, 2)",
        ),
        (
            "POST",
            "/api/v1/connectors/0/plug-in",
            "{}",
            StatusCode::NOT_FOUND,
            "no connector '0'",
        ),
        (
            "POST",
            "/api/v1/connectors/one/ev-pause",
            "",
            StatusCode::NOT_FOUND,
            "no connector 'one'",
        ),
        (
            "POST",
            "/api/v1/connectors/1/plug-in",
            "{not json",
            StatusCode::BAD_REQUEST,
            "bad request body: key must be a string",
        ),
        (
            "POST",
            "/api/v1/connectors/1/plug-in",
            "[]",
            StatusCode::BAD_REQUEST,
            "bad request body: expected a JSON object",
        ),
        (
            "POST",
            "/api/v1/connectors/1/plug-in",
            r#"{"max_current_a": "16"}"#,
            StatusCode::BAD_REQUEST,
            "invalid type: string \"16\", expected f64",
        ),
        (
            "POST",
            "/api/v1/connectors/1/plug-in",
            r#"{"max_current_a": 0}"#,
            StatusCode::BAD_REQUEST,
            "max_current_a: 0 is out of range",
        ),
        (
            "POST",
            "/api/v1/connectors/1/plug-in",
            r#"{"phases": 4}"#,
            StatusCode::BAD_REQUEST,
            "phases: 4 is not 1 or 3",
        ),
        (
            // EvManager's cars draw on one phase or three.
            "POST",
            "/api/v1/connectors/1/plug-in",
            r#"{"phases": 2}"#,
            StatusCode::BAD_REQUEST,
            "phases: 2 is not 1 or 3",
        ),
        (
            "POST",
            "/api/v1/connectors/1/plug-in",
            r#"{"mode": "chademo"}"#,
            StatusCode::BAD_REQUEST,
            "unknown variant `chademo`, expected one of `basic`, `iso_ac`, `iso_dc`",
        ),
        (
            "POST",
            "/api/v1/connectors/1/plug-in",
            r#"{"amps": 16}"#,
            StatusCode::BAD_REQUEST,
            "unknown field `amps`",
        ),
        (
            "POST",
            "/api/v1/connectors/1/car-script",
            "",
            StatusCode::BAD_REQUEST,
            "a JSON body is required",
        ),
        (
            "POST",
            "/api/v1/connectors/1/car-script",
            r#"{"script": "  "}"#,
            StatusCode::BAD_REQUEST,
            "script: empty",
        ),
        (
            "POST",
            "/api/v1/connectors/1/car-script",
            r#"{"script": "sleep 1", "replace": "yes"}"#,
            StatusCode::BAD_REQUEST,
            "expected a boolean",
        ),
        (
            "POST",
            "/api/v1/connectors/1/stop-transaction",
            r#"{"reason": "Remote"}"#,
            StatusCode::BAD_REQUEST,
            "reason: 'Remote' is not a reason the station gives (known: Local, EmergencyStop, Reboot, Other)",
        ),
        (
            "POST",
            "/api/v1/connectors/1/errors",
            r#"{"type": "Meltdown", "raise": true}"#,
            StatusCode::BAD_REQUEST,
            "type: unknown error type 'Meltdown' (known: evse_board_support/DiodeFault,",
        ),
        // Ambiguous bare name: in evse_board_support and in ac_rcd.
        (
            "POST",
            "/api/v1/connectors/1/errors",
            r#"{"type": "MREC2GroundFailure", "raise": true}"#,
            StatusCode::BAD_REQUEST,
            "'MREC2GroundFailure' is ambiguous: it names evse_board_support/MREC2GroundFailure, ac_rcd/MREC2GroundFailure",
        ),
        (
            "POST",
            "/api/v1/connectors/1/errors",
            r#"{"type": "ac_rcd/DC"}"#,
            StatusCode::BAD_REQUEST,
            "missing field `raise`",
        ),
        (
            "POST",
            "/api/v1/connectors/1/meter",
            "{}",
            StatusCode::BAD_REQUEST,
            "nothing to override",
        ),
        (
            "POST",
            "/api/v1/connectors/1/meter",
            r#"{"energy_wh": -1}"#,
            StatusCode::BAD_REQUEST,
            "energy_wh: -1 is out of range",
        ),
        (
            "POST",
            "/api/v1/connectors/1/meter",
            r#"{"frequency_hz": 50}"#,
            StatusCode::BAD_REQUEST,
            "unknown field `frequency_hz`",
        ),
        (
            "POST",
            "/api/v1/tokens",
            r#"{"id_tag": ""}"#,
            StatusCode::BAD_REQUEST,
            "id_tag: must be 1 to 20 characters, found 0",
        ),
        (
            "POST",
            "/api/v1/tokens",
            r#"{"id_tag": "ABCDEFGHIJKLMNOPQRSTU"}"#,
            StatusCode::BAD_REQUEST,
            "found 21",
        ),
        (
            "POST",
            "/api/v1/tokens",
            r#"{"id_tag": "RFID1", "connectors": [1, 5]}"#,
            StatusCode::NOT_FOUND,
            "connectors: no connector 5",
        ),
        (
            "POST",
            "/api/v1/tokens",
            r#"{"id_tag": "RFID1", "connectors": []}"#,
            StatusCode::BAD_REQUEST,
            "connectors: empty",
        ),
        (
            "POST",
            "/api/v1/tokens",
            r#"{"id_tag": 42}"#,
            StatusCode::BAD_REQUEST,
            "invalid type: integer `42`, expected a string",
        ),
        (
            "POST",
            "/api/v1/tokens",
            r#"{"idTag": "RFID1"}"#,
            StatusCode::BAD_REQUEST,
            "unknown field `idTag`",
        ),
        (
            "GET",
            "/api/v1/tokens",
            "",
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed",
        ),
        (
            "POST",
            "/api/v1/state",
            "",
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed",
        ),
        (
            "POST",
            "/api/v2/state",
            "",
            StatusCode::NOT_FOUND,
            "no such route",
        ),
        (
            "POST",
            "/api/v1/connectors/1/explode",
            "",
            StatusCode::NOT_FOUND,
            "no such route",
        ),
    ];
    for (method, path, body, status, error) in cases {
        let (got, answer) = send(&app, method, path, body).await;
        assert_eq!(got, *status, "{method} {path} {body}: {answer}");
        let text = answer["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no error in {answer}"));
        assert!(
            text.contains(error),
            "{method} {path} {body}: {text:?} lacks {error:?}"
        );
        assert_eq!(
            answer.as_object().map(|o| o.len()),
            Some(1),
            "only error: {answer}"
        );
    }
    assert_eq!(fake.calls(), [], "a refused request calls nothing");
}

#[tokio::test]
async fn a_command_that_only_starts_something_says_so_in_its_answer() {
    let (fake, _, app) = setup();
    *fake.outcome.lock().unwrap() = Some(station::control_api::Outcome::started(
        "the car runs the script from its next step",
    ));
    let (status, answer) = post(
        &app,
        "/api/v1/connectors/1/car-script",
        r#"{"script": "sleep 1"}"#,
    )
    .await;
    assert_eq!(
        (status, answer),
        (
            StatusCode::OK,
            json!({"ok": true, "started": "the car runs the script from its next step"})
        )
    );
}

#[tokio::test]
async fn station_refusals_map_to_statuses_by_kind() {
    let (fake, _, app) = setup();
    for (error, status) in [
        (
            ControlError::Invalid("bad script: line 1".into()),
            StatusCode::BAD_REQUEST,
        ),
        (
            ControlError::NotFound("no such car".into()),
            StatusCode::NOT_FOUND,
        ),
        (
            ControlError::Conflict("a car is plugged in already".into()),
            StatusCode::CONFLICT,
        ),
        (
            ControlError::Unavailable("stopping".into()),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        (
            ControlError::Timeout("not plugged in within 5 s".into()),
            StatusCode::GATEWAY_TIMEOUT,
        ),
    ] {
        *fake.refuse.lock().unwrap() = Some(error.clone());
        let (got, answer) = post(&app, "/api/v1/connectors/1/plug-in", "{}").await;
        assert_eq!((got, answer), (status, json!({"error": error.to_string()})));
    }
}

#[tokio::test]
async fn display_routes_of_a_station_without_a_display_answer_404() {
    let (fake, _, app) = setup();
    let no_display = json!({"error": station::control_api::no_display().to_string()});
    let body = r#"{"messages": [{"message": {"content": "hi"}}]}"#;
    assert_eq!(
        post(&app, "/api/v1/display-messages", body).await,
        (StatusCode::NOT_FOUND, no_display.clone())
    );
    assert_eq!(
        send(&app, "GET", "/api/v1/display-messages", "").await,
        (StatusCode::NOT_FOUND, no_display.clone())
    );
    assert_eq!(
        send(&app, "DELETE", "/api/v1/display-messages/1", "").await,
        (StatusCode::NOT_FOUND, no_display)
    );
    // Bad input is refused before the station is asked.
    let (status, _) = post(
        &app,
        "/api/v1/display-messages",
        r#"{"messages": [{"text": "x"}]}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = send(&app, "DELETE", "/api/v1/display-messages/x", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(fake.calls().is_empty());
}
