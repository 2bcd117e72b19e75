//! GetLog and LogStatusNotification: the answer names the station's file; the upload's
//! statuses with the requestId, each once; a second upload cancels the first
//! (AcceptedCanceled); no such log: Rejected; too late: no filename; ExtendedTriggerMessage.

use ocpp_types::security::LogType;
use ocpp_types::DateTime;
use serde_json::{json, Value};

use super::{Frame, Harness};
use crate::charge_point::events::{DiagnosticsProgress, LogProgress};
use crate::charge_point::{StationCommand, StationEvent};

fn lsn(status: &str, request_id: i32) -> (String, Value) {
    (
        "LogStatusNotification".to_string(),
        json!({"status": status, "requestId": request_id}),
    )
}

/// A GetLog with message id `call` and requestId `request_id`.
fn get_log(h: &mut Harness, call: &str, request_id: i32, log_type: &str) {
    let text = json!([2, call, "GetLog", {"logType": log_type, "requestId": request_id,
        "log": {"remoteLocation": "ftp://logs.example.com/up/",
                "oldestTimestamp": "2026-11-23T06:00:00Z",
                "latestTimestamp": "2026-11-24T06:00:00Z"},
        "retries": 2, "retryInterval": 5}])
    .to_string();
    h.cp.handle_frame(&text, h.now);
}

fn file(h: &mut Harness, request_id: u64, name: Option<&str>) {
    h.event(StationEvent::LogFile {
        request_id,
        file_name: name.map(str::to_string),
    });
}

fn progress(h: &mut Harness, request_id: u64, status: LogProgress) {
    h.event(StationEvent::LogStatus { request_id, status });
}

fn answer(call: &str, payload: Value) -> Vec<Frame> {
    vec![Frame::Result {
        id: call.to_string(),
        payload,
    }]
}

fn trigger(h: &mut Harness) -> Vec<(String, Value)> {
    let answer = h.csms_call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "LogStatusNotification"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    h.pump_no_heartbeats()
}

#[test]
fn the_answer_names_the_file_and_the_upload_is_reported_with_the_request_id() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    get_log(&mut h, "log-1", 77, "SecurityLog");
    assert_eq!(h.frames(), vec![], "the answer waits for the station");
    assert_eq!(
        h.commands(),
        vec![StationCommand::UploadLog {
            request_id: 1,
            log_type: LogType::SecurityLog,
            location: "ftp://logs.example.com/up/".to_string(),
            retries: Some(2),
            retry_interval_s: Some(5),
            oldest_timestamp: Some(DateTime::parse("2026-11-23T06:00:00Z").unwrap()),
            latest_timestamp: Some(DateTime::parse("2026-11-24T06:00:00Z").unwrap()),
        }]
    );
    file(&mut h, 1, Some("security-log-cp-20261124T060000Z.tar.gz"));
    assert_eq!(
        h.frames(),
        answer(
            "log-1",
            json!({"status": "Accepted", "filename": "security-log-cp-20261124T060000Z.tar.gz"})
        )
    );
    assert_eq!(
        trigger(&mut h),
        vec![(
            "LogStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
    progress(&mut h, 1, LogProgress::Uploading);
    progress(&mut h, 1, LogProgress::Uploading);
    assert_eq!(h.pump(), vec![lsn("Uploading", 77)]);
    assert_eq!(trigger(&mut h), vec![lsn("Uploading", 77)]);
    progress(&mut h, 1, LogProgress::Uploaded);
    progress(&mut h, 1, LogProgress::Uploaded);
    assert_eq!(h.pump(), vec![lsn("Uploaded", 77)]);
    // Finished: Idle again, without requestId.
    assert_eq!(
        trigger(&mut h),
        vec![(
            "LogStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

#[test]
fn each_failure_the_station_reports_is_sent_as_it_is() {
    for (status, wire) in [
        (LogProgress::UploadFailure, "UploadFailure"),
        (LogProgress::BadMessage, "BadMessage"),
        (LogProgress::PermissionDenied, "PermissionDenied"),
        (LogProgress::NotSupportedOperation, "NotSupportedOperation"),
    ] {
        let mut h = Harness::registered(json!({}), 1);
        get_log(&mut h, "log-1", 5, "DiagnosticsLog");
        file(&mut h, 1, Some("diagnostics.tar.gz"));
        h.frames();
        progress(&mut h, 1, LogProgress::Uploading);
        progress(&mut h, 1, status);
        progress(&mut h, 1, status);
        assert_eq!(h.pump(), vec![lsn("Uploading", 5), lsn(wire, 5)]);
    }
}

#[test]
fn each_failed_attempt_is_reported_as_everest_does() {
    // everest-core test_upload_security_log_retries: Uploading, UploadFailure per attempt.
    let mut h = Harness::registered(json!({}), 1);
    get_log(&mut h, "log-1", 1, "SecurityLog");
    file(&mut h, 1, Some("security.tar.gz"));
    h.frames();
    for _ in 0..2 {
        progress(&mut h, 1, LogProgress::Uploading);
        progress(&mut h, 1, LogProgress::AttemptFailed);
        assert_eq!(h.pump(), vec![lsn("Uploading", 1), lsn("UploadFailure", 1)]);
    }
    progress(&mut h, 1, LogProgress::Uploading);
    progress(&mut h, 1, LogProgress::PermissionDenied);
    assert_eq!(
        h.pump(),
        vec![lsn("Uploading", 1), lsn("PermissionDenied", 1)]
    );
    progress(&mut h, 1, LogProgress::Uploading);
    h.assert_silent();
}

#[test]
fn a_second_get_log_cancels_the_first_which_reports_nothing_more() {
    let mut h = Harness::registered(json!({}), 1);
    get_log(&mut h, "log-1", 1, "DiagnosticsLog");
    file(&mut h, 1, Some("first.tar.gz"));
    assert_eq!(
        h.frames(),
        answer(
            "log-1",
            json!({"status": "Accepted", "filename": "first.tar.gz"})
        )
    );
    progress(&mut h, 1, LogProgress::Uploading);
    assert_eq!(h.pump(), vec![lsn("Uploading", 1)]);
    h.commands();
    get_log(&mut h, "log-2", 2, "SecurityLog");
    assert!(matches!(
        h.commands().as_slice(),
        [StationCommand::UploadLog { request_id: 2, .. }]
    ));
    file(&mut h, 2, Some("second.tar.gz"));
    assert_eq!(
        h.frames(),
        answer(
            "log-2",
            json!({"status": "AcceptedCanceled", "filename": "second.tar.gz"})
        )
    );
    // The first upload is gone: what the station still says of it is not sent.
    progress(&mut h, 1, LogProgress::UploadFailure);
    h.assert_silent();
    progress(&mut h, 2, LogProgress::Uploading);
    progress(&mut h, 2, LogProgress::Uploaded);
    assert_eq!(h.pump(), vec![lsn("Uploading", 2), lsn("Uploaded", 2)]);
    // Nothing runs now: the next one is Accepted.
    get_log(&mut h, "log-3", 3, "SecurityLog");
    file(&mut h, 3, Some("third.tar.gz"));
    assert_eq!(
        h.frames(),
        answer(
            "log-3",
            json!({"status": "Accepted", "filename": "third.tar.gz"})
        )
    );
}

#[test]
fn get_log_and_get_diagnostics_cancel_each_other() {
    let mut h = Harness::registered(json!({}), 1);
    let diagnostics = json!([2, "diag-1", "GetDiagnostics",
        {"location": "ftp://logs.example.com/up/"}])
    .to_string();
    h.cp.handle_frame(&diagnostics, h.now);
    h.event(StationEvent::DiagnosticsFile {
        request_id: 1,
        file_name: Some("diag.tar.gz".to_string()),
    });
    h.frames();
    get_log(&mut h, "log-1", 9, "DiagnosticsLog");
    file(&mut h, 2, Some("log.tar.gz"));
    assert_eq!(
        h.frames(),
        answer(
            "log-1",
            json!({"status": "AcceptedCanceled", "filename": "log.tar.gz"})
        )
    );
    // The station reports the cancelled diagnostics upload failed (as for a second
    // GetDiagnostics).
    h.event(StationEvent::DiagnosticsStatus {
        request_id: 1,
        status: DiagnosticsProgress::UploadFailed,
    });
    progress(&mut h, 2, LogProgress::Uploading);
    assert_eq!(
        h.pump(),
        vec![
            (
                "DiagnosticsStatusNotification".to_string(),
                json!({"status": "UploadFailed"})
            ),
            lsn("Uploading", 9)
        ]
    );
    // A GetDiagnostics now cancels the log upload, which reports nothing more.
    h.cp.handle_frame(&diagnostics.replace("diag-1", "diag-2"), h.now);
    progress(&mut h, 2, LogProgress::Uploaded);
    h.assert_silent();
}

#[test]
fn a_station_without_such_a_log_makes_the_answer_rejected() {
    let mut h = Harness::registered(json!({}), 1);
    get_log(&mut h, "log-1", 4, "SecurityLog");
    file(&mut h, 1, None);
    assert_eq!(h.frames(), answer("log-1", json!({"status": "Rejected"})));
    progress(&mut h, 1, LogProgress::Uploading);
    h.assert_silent();
    assert_eq!(
        trigger(&mut h),
        vec![(
            "LogStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

#[test]
fn a_station_that_does_not_answer_in_time_gets_the_answer_given_without_a_filename() {
    let mut h = Harness::registered(json!({}), 1);
    get_log(&mut h, "log-1", 4, "DiagnosticsLog");
    h.advance(9);
    assert_eq!(h.frames(), vec![]);
    h.advance(1);
    assert_eq!(h.frames(), answer("log-1", json!({"status": "Accepted"})));
    file(&mut h, 1, Some("late.tar.gz"));
    h.assert_silent();
    progress(&mut h, 1, LogProgress::Uploading);
    assert_eq!(h.pump(), vec![lsn("Uploading", 4)]);
}

#[test]
fn offline_a_status_is_not_sent_unless_queue_all_messages_keeps_it() {
    let mut h = Harness::registered(json!({}), 1);
    get_log(&mut h, "log-1", 4, "DiagnosticsLog");
    file(&mut h, 1, Some("log.tar.gz"));
    h.frames();
    h.disconnect();
    progress(&mut h, 1, LogProgress::Uploading);
    progress(&mut h, 1, LogProgress::Uploaded);
    h.connect();
    let sent: Vec<String> = h.pump().into_iter().map(|(a, _)| a).collect();
    assert!(
        !sent.iter().any(|a| a == "LogStatusNotification"),
        "{sent:?}"
    );

    let mut h = Harness::registered(json!({"Internal": {"QueueAllMessages": true}}), 1);
    get_log(&mut h, "log-1", 4, "DiagnosticsLog");
    file(&mut h, 1, Some("log.tar.gz"));
    h.frames();
    h.disconnect();
    progress(&mut h, 1, LogProgress::Uploading);
    progress(&mut h, 1, LogProgress::Uploaded);
    h.connect();
    let sent: Vec<(String, Value)> = h
        .pump()
        .into_iter()
        .filter(|(a, _)| a == "LogStatusNotification")
        .collect();
    assert_eq!(sent, vec![lsn("Uploading", 4), lsn("Uploaded", 4)]);
}

/// As GetDiagnostics': at most ten retries, at least a second apart (limits.rs).
#[test]
fn retries_and_retry_interval_from_the_central_system_are_bounded() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    let text = json!([2, "log-1", "GetLog", {"logType": "DiagnosticsLog", "requestId": 1,
        "log": {"remoteLocation": "ftp://127.0.0.1:1/up/"},
        "retries": 2147483647, "retryInterval": 0}])
    .to_string();
    h.cp.handle_frame(&text, h.now);
    let commands = h.commands();
    let Some(StationCommand::UploadLog {
        retries,
        retry_interval_s,
        oldest_timestamp,
        latest_timestamp,
        ..
    }) = commands.first()
    else {
        panic!("expected the upload, got {commands:?}");
    };
    assert_eq!((*retries, *retry_interval_s), (Some(10), Some(1)));
    assert_eq!((oldest_timestamp, latest_timestamp), (&None, &None));
}
