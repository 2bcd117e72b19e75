//! UpdateFirmware and FirmwareStatusNotification: retrieveDate, the station's progress, waiting
//! for transactions, the restart, TriggerMessage.

use ocpp_types::core::{ChargePointStatus, Reason};
use serde_json::{json, Value};

use super::{tag, Frame, Harness};
use crate::charge_point::events::FirmwareProgress;
use crate::charge_point::{StationCommand, StationEvent};

fn fsn(status: &str) -> (String, Value) {
    (
        "FirmwareStatusNotification".to_string(),
        json!({"status": status}),
    )
}

fn set(connector: u32, operative: bool) -> StationCommand {
    StationCommand::SetAvailability {
        connector,
        operative,
    }
}

fn download(request_id: u64) -> StationCommand {
    StationCommand::DownloadFirmware {
        request_id,
        location: "ftp://fw.example.com/cp-2.0.bin".to_string(),
        retries: Some(2),
        retry_interval_s: Some(30),
        signed: None,
    }
}

fn update_firmware(h: &mut Harness, retrieve_in_secs: i64) {
    let retrieve_date = h.at(retrieve_in_secs);
    assert_eq!(
        h.csms_call_ok(
            "UpdateFirmware",
            json!({"location": "ftp://fw.example.com/cp-2.0.bin", "retrieveDate": retrieve_date,
                   "retries": 2, "retryInterval": 30})
        ),
        json!({})
    );
}

fn progress(h: &mut Harness, request_id: u64, status: FirmwareProgress) {
    h.event(StationEvent::FirmwareStatus { request_id, status });
}

fn trigger(h: &mut Harness) -> Vec<(String, Value)> {
    let answer = h.csms_call_ok(
        "TriggerMessage",
        json!({"requestedMessage": "FirmwareStatusNotification"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    h.pump_no_heartbeats()
}

/// A registered station with a transaction on connector 1 (of `connectors`).
fn charging(connectors: u32) -> Harness {
    let mut h = Harness::registered(json!({"Core": {"MeterValueSampleInterval": 0}}), connectors);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("A"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
    h.commands();
    h
}

#[test]
fn a_retrieve_date_in_the_future_waits_for_it() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    update_firmware(&mut h, 3600);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(trigger(&mut h), vec![fsn("Idle")], "nothing happened yet");
    h.advance(3599);
    assert_eq!(h.commands(), vec![]);
    h.advance(1);
    assert_eq!(h.commands(), vec![download(1)]);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![],
        "the station reports the progress"
    );
}

#[test]
fn a_retrieve_date_in_the_past_downloads_at_once() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    update_firmware(&mut h, -60);
    assert_eq!(h.commands(), vec![download(1)]);
}

#[test]
fn a_download_that_failed_after_the_retries_is_reported_once() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    update_firmware(&mut h, 0);
    assert_eq!(h.commands(), vec![download(1)]);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    assert_eq!(
        trigger(&mut h),
        vec![fsn("Downloading"), fsn("Downloading")]
    );
    // The station's second attempt: still Downloading, not repeated.
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::DownloadFailed);
    progress(&mut h, 1, FirmwareProgress::DownloadFailed);
    assert_eq!(h.pump(), vec![fsn("DownloadFailed")]);
    assert_eq!(
        h.commands(),
        vec![],
        "no connector changes, nothing to install"
    );
    assert_eq!(h.cp.connector_status(1), Some(ChargePointStatus::Available));
    // The update is over: Idle again, as libocpp.
    assert_eq!(trigger(&mut h), vec![fsn("Idle")]);
}

#[test]
fn each_failed_attempt_is_reported_as_everest_does() {
    // everest-core test_firwmare_update_retries: retries 2 gives three attempts, each
    // reported Downloading then DownloadFailed.
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    update_firmware(&mut h, 0);
    assert_eq!(h.commands(), vec![download(1)]);
    for _ in 0..2 {
        progress(&mut h, 1, FirmwareProgress::Downloading);
        progress(&mut h, 1, FirmwareProgress::DownloadAttemptFailed);
        assert_eq!(h.pump(), vec![fsn("Downloading"), fsn("DownloadFailed")]);
        // Between two attempts nothing is under way: Idle, as libocpp.
        assert_eq!(trigger(&mut h), vec![fsn("Idle")]);
    }
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::DownloadFailed);
    assert_eq!(h.pump(), vec![fsn("Downloading"), fsn("DownloadFailed")]);
    // The update is over: the station's next report belongs to no update.
    progress(&mut h, 1, FirmwareProgress::Downloading);
    h.assert_silent();
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn a_retried_download_that_succeeds_goes_on_to_the_installation() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    update_firmware(&mut h, 0);
    assert_eq!(h.commands(), vec![download(1)]);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::DownloadAttemptFailed);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    assert_eq!(
        h.pump(),
        vec![
            fsn("Downloading"),
            fsn("DownloadFailed"),
            fsn("Downloading"),
            fsn("Downloaded"),
            h.status(1, "Unavailable", 0)
        ]
    );
    assert_eq!(
        h.commands(),
        vec![
            set(1, false),
            StationCommand::InstallFirmware { request_id: 1 }
        ]
    );
}

#[test]
fn downloaded_firmware_waits_for_the_running_transaction() {
    let mut h = charging(2);
    update_firmware(&mut h, 0);
    assert_eq!(h.commands(), vec![download(1)]);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    // The free connector goes Unavailable at once, the busy one keeps charging.
    assert_eq!(h.commands(), vec![set(2, false)]);
    assert_eq!(
        h.pump(),
        vec![
            fsn("Downloading"),
            fsn("Downloaded"),
            h.status(2, "Unavailable", 0)
        ]
    );
    assert_eq!(trigger(&mut h), vec![fsn("Downloaded")]);
    // Other station events change nothing: still waiting.
    h.event(StationEvent::MeterReading {
        connector: 1,
        reading: Default::default(),
    });
    assert_eq!(h.commands(), vec![]);
    // A ChangeAvailability Operative meanwhile is undone at the next station event, as
    // libocpp's next check does.
    h.csms_call_ok(
        "ChangeAvailability",
        json!({"connectorId": 2, "type": "Operative"}),
    );
    assert_eq!(h.commands(), vec![set(2, true)]);
    h.event(StationEvent::MeterReading {
        connector: 1,
        reading: Default::default(),
    });
    assert_eq!(h.commands(), vec![set(2, false)]);
    assert_eq!(
        h.pump(),
        vec![h.status(2, "Available", 0), h.status(2, "Unavailable", 0)]
    );
    h.advance(600);
    assert_eq!(h.commands(), vec![]);
    h.pump_no_heartbeats();

    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 5000,
        reason: Reason::Local,
        id_tag: None,
    });
    assert_eq!(
        h.commands(),
        vec![
            set(1, false),
            StationCommand::InstallFirmware { request_id: 1 }
        ]
    );
    let sent = h.pump();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].0, "StopTransaction");
    assert_eq!(sent[1], h.status(1, "Unavailable", 600));

    progress(&mut h, 1, FirmwareProgress::Installing);
    assert_eq!(h.pump(), vec![fsn("Installing")]);
    assert_eq!(trigger(&mut h), vec![fsn("Installing")]);
    progress(&mut h, 1, FirmwareProgress::Installed);
    assert_eq!(
        h.commands(),
        vec![],
        "the restart waits for the notification"
    );
    assert_eq!(h.pump(), vec![fsn("Installed")]);
    assert_eq!(
        h.commands(),
        vec![StationCommand::FirmwareRestart {
            request_id: 1,
            signed_request_id: None
        }]
    );
    assert_eq!(
        trigger(&mut h),
        vec![fsn("Idle")],
        "as libocpp after Installed"
    );
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn without_transactions_the_installation_follows_the_download() {
    let mut h = Harness::registered(json!({}), 2);
    h.commands();
    update_firmware(&mut h, 0);
    h.commands();
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    assert_eq!(
        h.commands(),
        vec![
            set(1, false),
            set(2, false),
            StationCommand::InstallFirmware { request_id: 1 }
        ]
    );
    assert_eq!(
        h.pump(),
        vec![
            fsn("Downloaded"),
            h.status(1, "Unavailable", 0),
            h.status(2, "Unavailable", 0)
        ]
    );
    progress(&mut h, 1, FirmwareProgress::Installing);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(h.pump(), vec![fsn("Installing")]);
}

#[test]
fn a_failed_installation_gives_the_connectors_back() {
    let mut h = Harness::registered(json!({}), 2);
    h.csms_call_ok(
        "ChangeAvailability",
        json!({"connectorId": 2, "type": "Inoperative"}),
    );
    h.pump();
    h.commands();
    update_firmware(&mut h, 0);
    h.commands();
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    assert_eq!(
        h.commands(),
        vec![
            set(1, false),
            StationCommand::InstallFirmware { request_id: 1 }
        ]
    );
    progress(&mut h, 1, FirmwareProgress::Installing);
    progress(&mut h, 1, FirmwareProgress::InstallationFailed);
    // Connector 1 is Operative in the store, connector 2 stays as ChangeAvailability left it.
    assert_eq!(h.commands(), vec![set(1, true)]);
    assert_eq!(
        h.pump(),
        vec![
            fsn("Downloaded"),
            h.status(1, "Unavailable", 0),
            fsn("Installing"),
            fsn("InstallationFailed"),
            h.status(1, "Available", 0)
        ]
    );
    assert_eq!(trigger(&mut h), vec![fsn("Idle")]);
}

#[test]
fn the_restart_goes_when_the_notification_fails_or_cannot_be_sent() {
    // No answer: ocpp-rpc's call timeout (30 s) ends the wait.
    let mut h = Harness::registered(json!({}), 1);
    update_firmware(&mut h, 0);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    h.pump();
    h.commands();
    progress(&mut h, 1, FirmwareProgress::Installed);
    let (_, action, payload) = h.call();
    assert_eq!((action, payload), fsn("Installed"));
    h.advance(29);
    assert_eq!(h.commands(), vec![]);
    h.advance(1);
    assert_eq!(
        h.commands(),
        vec![StationCommand::FirmwareRestart {
            request_id: 1,
            signed_request_id: None
        }]
    );

    // The connection drops before it is sent.
    let mut h = Harness::registered(json!({}), 1);
    update_firmware(&mut h, 0);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    h.pump();
    h.commands();
    progress(&mut h, 1, FirmwareProgress::Installed);
    assert_eq!(h.commands(), vec![]);
    h.disconnect();
    assert_eq!(
        h.commands(),
        vec![StationCommand::FirmwareRestart {
            request_id: 1,
            signed_request_id: None
        }]
    );

    // Offline it is not sent at all: the restart is at once.
    let mut h = Harness::registered(json!({}), 1);
    update_firmware(&mut h, 0);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    h.pump();
    h.commands();
    h.disconnect();
    progress(&mut h, 1, FirmwareProgress::Installed);
    assert_eq!(
        h.commands(),
        vec![StationCommand::FirmwareRestart {
            request_id: 1,
            signed_request_id: None
        }]
    );
}

#[test]
fn a_second_update_replaces_a_scheduled_one_and_is_ignored_while_one_runs() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    update_firmware(&mut h, 3600);
    update_firmware(&mut h, 60);
    h.advance(60);
    assert_eq!(h.commands(), vec![download(2)]);
    h.advance(3600);
    assert_eq!(h.commands(), vec![], "the first one is gone");
    progress(&mut h, 2, FirmwareProgress::Downloading);
    update_firmware(&mut h, 0);
    assert_eq!(h.commands(), vec![], "an update runs: ignored");
    // Reports of another request change nothing.
    progress(&mut h, 1, FirmwareProgress::DownloadFailed);
    progress(&mut h, 3, FirmwareProgress::DownloadFailed);
    assert_eq!(h.pump_no_heartbeats(), vec![fsn("Downloading")]);
}

#[test]
fn without_the_profile_update_firmware_is_not_supported() {
    let mut h = Harness::registered(json!({"Core": {"SupportedFeatureProfiles": "Core"}}), 1);
    h.commands();
    let frames = h.csms_call(
        "UpdateFirmware",
        json!({"location": "ftp://x/", "retrieveDate": h.at(0)}),
    );
    assert_eq!(
        frames,
        vec![Frame::Error {
            id: h.csms_id(),
            code: "NotSupported".to_string()
        }]
    );
    assert_eq!(h.commands(), vec![]);
}

/// retries 2147483647 and retryInterval 0 (some 750 attempts a second against a closed port):
/// the station's System module gets at most ten retries, at least a second apart (limits.rs).
#[test]
fn retries_and_retry_interval_from_the_central_system_are_bounded() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    let retrieve_date = h.at(0);
    h.csms_call_ok(
        "UpdateFirmware",
        json!({"location": "http://127.0.0.1:1/fw.bin", "retrieveDate": retrieve_date,
               "retries": 2147483647, "retryInterval": 0}),
    );
    h.advance(1);
    assert!(h.commands().contains(&StationCommand::DownloadFirmware {
        request_id: 1,
        location: "http://127.0.0.1:1/fw.bin".to_string(),
        retries: Some(10),
        retry_interval_s: Some(1),
        signed: None,
    }));
}
