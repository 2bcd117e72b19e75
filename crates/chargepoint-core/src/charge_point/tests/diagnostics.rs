//! GetDiagnostics and DiagnosticsStatusNotification: the file name from the station, none, too
//! late; the upload's statuses; TriggerMessage.

use ocpp_types::DateTime;
use serde_json::{json, Value};

use super::{Frame, Harness};
use crate::charge_point::events::DiagnosticsProgress;
use crate::charge_point::{StationCommand, StationEvent};

fn dsn(status: &str) -> (String, Value) {
    (
        "DiagnosticsStatusNotification".to_string(),
        json!({"status": status}),
    )
}

fn get_diagnostics(h: &mut Harness) {
    let text = json!([2, "diag-1", "GetDiagnostics",
        {"location": "ftp://diag.example.com/up/", "retries": 1, "retryInterval": 20,
         "startTime": "2026-11-23T06:00:00Z", "stopTime": "2026-11-24T06:00:00Z"}])
    .to_string();
    h.cp.handle_frame(&text, h.now);
}

fn file(h: &mut Harness, request_id: u64, name: Option<&str>) {
    h.event(StationEvent::DiagnosticsFile {
        request_id,
        file_name: name.map(str::to_string),
    });
}

fn progress(h: &mut Harness, request_id: u64, status: DiagnosticsProgress) {
    h.event(StationEvent::DiagnosticsStatus { request_id, status });
}

fn answer(payload: Value) -> Vec<Frame> {
    vec![Frame::Result {
        id: "diag-1".to_string(),
        payload,
    }]
}

fn trigger(h: &mut Harness) -> Vec<(String, Value)> {
    let answer = h.csms_call_ok(
        "TriggerMessage",
        json!({"requestedMessage": "DiagnosticsStatusNotification"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    h.pump_no_heartbeats()
}

#[test]
fn the_answer_names_the_file_and_the_upload_is_reported_without_repeats() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    get_diagnostics(&mut h);
    assert_eq!(h.frames(), vec![], "the answer waits for the station");
    assert_eq!(
        h.commands(),
        vec![StationCommand::UploadDiagnostics {
            request_id: 1,
            location: "ftp://diag.example.com/up/".to_string(),
            retries: Some(1),
            retry_interval_s: Some(20),
            start_time: Some(DateTime::parse("2026-11-23T06:00:00Z").unwrap()),
            stop_time: Some(DateTime::parse("2026-11-24T06:00:00Z").unwrap()),
        }]
    );
    file(&mut h, 1, Some("diagnostics-2026-11-24.tar.gz"));
    assert_eq!(
        h.frames(),
        answer(json!({"fileName": "diagnostics-2026-11-24.tar.gz"}))
    );
    assert_eq!(trigger(&mut h), vec![dsn("Idle")]);
    progress(&mut h, 1, DiagnosticsProgress::Uploading);
    progress(&mut h, 1, DiagnosticsProgress::Uploading);
    assert_eq!(h.pump(), vec![dsn("Uploading")]);
    assert_eq!(trigger(&mut h), vec![dsn("Uploading")]);
    progress(&mut h, 1, DiagnosticsProgress::Uploaded);
    progress(&mut h, 1, DiagnosticsProgress::Uploaded);
    assert_eq!(h.pump(), vec![dsn("Uploaded")]);
    // Finished: Idle again, as libocpp.
    assert_eq!(trigger(&mut h), vec![dsn("Idle")]);
}

#[test]
fn nothing_to_upload_is_answered_without_a_file_name() {
    let mut h = Harness::registered(json!({}), 1);
    get_diagnostics(&mut h);
    file(&mut h, 1, None);
    assert_eq!(h.frames(), answer(json!({})));
    // No upload follows: a stray status is ignored.
    progress(&mut h, 1, DiagnosticsProgress::Uploading);
    h.assert_silent();
}

#[test]
fn a_failed_upload_is_reported_once() {
    let mut h = Harness::registered(json!({}), 1);
    get_diagnostics(&mut h);
    file(&mut h, 1, Some("diag.log"));
    h.frames();
    progress(&mut h, 1, DiagnosticsProgress::Uploading);
    progress(&mut h, 1, DiagnosticsProgress::UploadFailed);
    progress(&mut h, 1, DiagnosticsProgress::UploadFailed);
    assert_eq!(h.pump(), vec![dsn("Uploading"), dsn("UploadFailed")]);
    assert_eq!(trigger(&mut h), vec![dsn("Idle")]);
}

#[test]
fn each_failed_attempt_is_reported_as_everest_does() {
    // everest-core test_get_diagnostics_retries: Uploading, UploadFailed for every attempt.
    let mut h = Harness::registered(json!({}), 1);
    get_diagnostics(&mut h);
    file(&mut h, 1, Some("diag.log"));
    h.frames();
    for _ in 0..2 {
        progress(&mut h, 1, DiagnosticsProgress::Uploading);
        progress(&mut h, 1, DiagnosticsProgress::UploadAttemptFailed);
        assert_eq!(h.pump(), vec![dsn("Uploading"), dsn("UploadFailed")]);
        assert_eq!(trigger(&mut h), vec![dsn("Idle")]);
    }
    progress(&mut h, 1, DiagnosticsProgress::Uploading);
    progress(&mut h, 1, DiagnosticsProgress::Uploaded);
    assert_eq!(h.pump(), vec![dsn("Uploading"), dsn("Uploaded")]);
    progress(&mut h, 1, DiagnosticsProgress::Uploading);
    h.assert_silent();
}

#[test]
fn a_station_that_does_not_answer_in_time_gets_the_answer_given_without_a_file_name() {
    let mut h = Harness::registered(json!({}), 1);
    get_diagnostics(&mut h);
    h.advance(9);
    assert_eq!(h.frames(), vec![]);
    h.advance(1);
    assert_eq!(h.frames(), answer(json!({})));
    // The late name answers nothing more; the upload it starts is still reported.
    file(&mut h, 1, Some("late.tar.gz"));
    h.assert_silent();
    progress(&mut h, 1, DiagnosticsProgress::Uploading);
    assert_eq!(h.pump(), vec![dsn("Uploading")]);
}

#[test]
fn a_lost_connection_forgets_the_waiting_call() {
    let mut h = Harness::registered(json!({}), 1);
    get_diagnostics(&mut h);
    h.disconnect();
    h.connect();
    file(&mut h, 1, Some("diag.log"));
    let frames = h.frames();
    assert!(
        frames.iter().all(|f| matches!(f, Frame::Call { .. })),
        "no answer on the new connection: {frames:?}"
    );
    // Nor later, when its wait would have ended.
    h.pump();
    h.advance(10);
    assert_eq!(h.pump_no_heartbeats(), vec![]);
}

#[test]
fn without_the_profile_get_diagnostics_is_not_supported() {
    let mut h = Harness::registered(json!({"Core": {"SupportedFeatureProfiles": "Core"}}), 1);
    h.commands();
    get_diagnostics(&mut h);
    assert_eq!(
        h.frames(),
        vec![Frame::Error {
            id: "diag-1".to_string(),
            code: "NotSupported".to_string()
        }]
    );
    assert_eq!(h.commands(), vec![]);
}

/// As UpdateFirmware's: at most ten retries, at least a second apart (limits.rs).
#[test]
fn retries_and_retry_interval_from_the_central_system_are_bounded() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    let text = json!([2, "diag-1", "GetDiagnostics",
        {"location": "ftp://127.0.0.1:1/up/", "retries": 2147483647, "retryInterval": 0}])
    .to_string();
    h.cp.handle_frame(&text, h.now);
    let commands = h.commands();
    let Some(StationCommand::UploadDiagnostics {
        retries,
        retry_interval_s,
        ..
    }) = commands.first()
    else {
        panic!("expected the upload, got {commands:?}");
    };
    assert_eq!((*retries, *retry_interval_s), (Some(10), Some(1)));
}
