//! BootNotification, registration states, heartbeat and the clock.

use ocpp_types::core::RegistrationStatus;
use serde_json::json;

use super::{tag, Frame, Harness, T0};
use crate::charge_point::{StationCommand, StationEvent};

#[test]
fn first_connection_sends_boot_notification_with_the_internal_values_present() {
    let mut h = Harness::new(
        json!({"Internal": {"ChargePointSerialNumber": "SN-1", "ICCID": "8931440400012345678",
            "IMSI": "262011234567890", "MeterSerialNumber": "MS-42", "MeterType": "DZG"}}),
        1,
    );
    h.assert_silent();
    h.connect();
    let (_, action, payload) = h.call();
    assert_eq!(action, "BootNotification");
    assert_eq!(
        payload,
        json!({"chargePointVendor": "ferrocharge", "chargePointModel": "SIL",
            "chargePointSerialNumber": "SN-1", "chargeBoxSerialNumber": "cp001",
            "firmwareVersion": "0.1.0", "iccid": "8931440400012345678",
            "imsi": "262011234567890", "meterType": "DZG", "meterSerialNumber": "MS-42"})
    );
}

#[test]
fn accepted_takes_the_interval_and_the_clock_then_reports_every_connector() {
    let mut h = Harness::new(json!({}), 2);
    h.connect();
    let (id, _, _) = h.call();
    // The central system's clock is 10 s ahead of the station's.
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": "2026-11-24T06:00:10.000Z", "interval": 120}),
    );
    assert_eq!(
        h.cp.registration_status(),
        Some(RegistrationStatus::Accepted)
    );
    assert_eq!(h.cp.config().core().heartbeat_interval, 120);
    assert_eq!(
        h.cp.config().overlay(),
        &json!({"Core": {"HeartbeatInterval": 120}})
    );
    let sent = h.pump();
    assert_eq!(
        sent,
        vec![
            (
                "SecurityEventNotification".to_string(),
                json!({"type": "SettingSystemTime", "timestamp": h.at(10),
                       "techInfo": "clock set by +10.000 s to the currentTime of BootNotification.conf"})
            ),
            h.status(0, "Available", 10),
            h.status(1, "Available", 10),
            h.status(2, "Available", 10)
        ]
    );
    // Heartbeat after 120 s, not before.
    h.advance(119);
    h.assert_silent();
    h.advance(1);
    let (id, action, payload) = h.call();
    assert_eq!((action.as_str(), payload), ("Heartbeat", json!({})));
    // Its answer moves the clock again: now 1 min ahead.
    h.answer(&id, json!({"currentTime": "2026-11-24T06:03:00.000Z"}));
    assert_eq!(h.cp.clock(h.now).to_string(), "2026-11-24T06:03:00.000Z");
    assert_eq!(
        h.pump(),
        vec![(
            "SecurityEventNotification".to_string(),
            json!({"type": "SettingSystemTime", "timestamp": "2026-11-24T06:03:00.000Z",
                   "techInfo": "clock set by +50.000 s to the currentTime of Heartbeat.conf"})
        )]
    );
    h.advance(120);
    assert_eq!(h.call().1, "Heartbeat");
}

#[test]
fn interval_zero_keeps_the_configured_heartbeat_interval() {
    let mut h = Harness::new(json!({"Core": {"HeartbeatInterval": 50}}), 1);
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": T0, "interval": 0}),
    );
    assert_eq!(h.cp.config().core().heartbeat_interval, 50);
    h.pump();
    h.advance(50);
    assert_eq!(h.call().1, "Heartbeat");
}

#[test]
fn pending_boots_again_after_the_interval_and_sends_nothing_else_meanwhile() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Pending", "currentTime": T0, "interval": 30}),
    );
    assert_eq!(
        h.cp.registration_status(),
        Some(RegistrationStatus::Pending)
    );
    // A user is refused at once: nothing may be sent.
    h.event(StationEvent::TokenPresented {
        id_tag: tag("RFID1"),
        connector: None,
    });
    h.event(StationEvent::PluggedIn { connector: 1 });
    assert_eq!(
        h.commands(),
        vec![StationCommand::AuthorizationResult {
            id_tag: tag("RFID1"),
            connector: None,
            usable_connectors: vec![],
            accepted: false,
            id_tag_info: None
        }]
    );
    h.advance(29);
    h.assert_silent();
    h.advance(1);
    let (id, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": h.at(30), "interval": 30}),
    );
    // Registered: the statuses as they are now (plugged in: Preparing).
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Available", 30), h.status(1, "Preparing", 30)]
    );
}

#[test]
fn pending_answers_the_central_system_but_rejects_remote_start_and_stop() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Pending", "currentTime": T0, "interval": 0}),
    );
    let answer = h.csms_call_ok("GetConfiguration", json!({"key": ["HeartbeatInterval"]}));
    assert_eq!(
        answer,
        json!({"configurationKey": [{"key": "HeartbeatInterval", "readonly": false, "value": "86400"}]})
    );
    assert_eq!(
        h.csms_call_ok(
            "RemoteStartTransaction",
            json!({"idTag": "APP", "connectorId": 1})
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        h.csms_call_ok("RemoteStopTransaction", json!({"transactionId": 1})),
        json!({"status": "Rejected"})
    );
    assert_eq!(h.commands(), vec![]);
    // interval 0: libocpp's default of 60 s.
    h.advance(59);
    h.assert_silent();
    h.advance(1);
    assert_eq!(h.call().1, "BootNotification");
}

#[test]
fn rejected_leaves_the_central_system_unanswered_until_the_next_boot() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Rejected", "currentTime": T0, "interval": 600}),
    );
    assert_eq!(h.csms_call("GetConfiguration", json!({})), vec![]);
    // A reconnect meanwhile does not boot early.
    h.disconnect();
    h.connect();
    h.advance(599);
    h.assert_silent();
    h.advance(1);
    assert_eq!(h.call().1, "BootNotification");
}

#[test]
fn unanswered_boot_notification_is_sent_again_sixty_seconds_after_the_first() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (first, _, _) = h.call();
    // ocpp-rpc gives up after 30 s; as libocpp the next attempt is 60 s after the first was
    // queued, not 60 s after the timeout.
    h.advance(30);
    h.assert_silent();
    h.advance(29);
    h.assert_silent();
    h.advance(1);
    let (second, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    assert_ne!(first, second);
}

#[test]
fn a_call_error_to_boot_notification_is_retried_after_sixty_seconds_then_accepted() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (first, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    h.advance(5);
    h.answer_error(&first);
    assert_eq!(h.cp.registration_status(), None);
    // Still not registered: the central system's CALLs stay unanswered.
    assert_eq!(h.csms_call("GetConfiguration", json!({})), vec![]);
    h.advance(54);
    h.assert_silent();
    h.advance(1);
    let (second, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    h.answer(
        &second,
        json!({"status": "Accepted", "currentTime": h.at(60), "interval": 300}),
    );
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Available", 60), h.status(1, "Available", 60)]
    );
}

#[test]
fn calls_before_the_first_boot_answer_are_left_unanswered() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (id, _, _) = h.call();
    for (action, payload) in [
        ("GetConfiguration", json!({})),
        ("RemoteStartTransaction", json!({"idTag": "APP"})),
        ("TriggerMessage", json!({"requestedMessage": "Heartbeat"})),
        ("Reset", json!({"type": "Soft"})),
    ] {
        assert_eq!(h.csms_call(action, payload), vec![], "{action}");
    }
    assert_eq!(h.commands(), vec![]);
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": T0, "interval": 300}),
    );
    assert_eq!(h.pump().len(), 2, "the statuses only");
}

#[test]
fn pending_takes_the_clock_and_handles_every_other_call() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (id, _, _) = h.call();
    // The central system is 10 s ahead; its clock is taken although registration is Pending.
    h.answer(
        &id,
        json!({"status": "Pending", "currentTime": h.at(10), "interval": 120}),
    );
    assert_eq!(h.cp.clock(h.now).to_string(), h.at(10));
    assert_eq!(h.cp.config().core().heartbeat_interval, 120);
    assert_eq!(
        h.csms_call_ok(
            "ChangeConfiguration",
            json!({"key": "MeterValueSampleInterval", "value": "30"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.csms_call_ok(
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Inoperative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.csms_call_ok("DataTransfer", json!({"vendorId": "com.example"})),
        json!({"status": "UnknownVendorId"})
    );
    assert_eq!(
        h.csms_call_ok("UnlockConnector", json!({"connectorId": 0})),
        json!({"status": "NotSupported"})
    );
    assert_eq!(
        h.csms_call_ok(
            "TriggerMessage",
            json!({"requestedMessage": "StatusNotification", "connectorId": 1})
        ),
        json!({"status": "Accepted"})
    );
    // The triggered StatusNotification goes out while Pending, stamped with the central
    // system's time; the change of availability itself waits for Accepted.
    let (id, action, payload) = h.call();
    assert_eq!(
        (action, payload),
        (
            "StatusNotification".to_string(),
            json!({"connectorId": 1, "errorCode": "NoError", "status": "Unavailable",
                "timestamp": h.at(10)})
        )
    );
    h.answer(&id, json!({}));
    h.assert_silent();
    let commands = h.commands();
    // The clock was set (SettingSystemTime): logged now, sent once Accepted.
    assert!(matches!(
        commands.as_slice(),
        [
            StationCommand::SecurityEvent(_),
            StationCommand::ApplyConfigurationChange(_),
            StationCommand::SetAvailability {
                connector: 1,
                operative: false
            }
        ]
    ));
    assert_eq!(
        h.csms_call_ok("Reset", json!({"type": "Hard"})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::Reset {
            kind: ocpp_types::core::ResetType::Hard
        }]
    );
}

#[test]
fn rejected_sends_nothing_but_boot_notification() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Rejected", "currentTime": T0, "interval": 100}),
    );
    // A session at the station meanwhile: its StartTransaction waits in the store.
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("LOCAL"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    assert_eq!(
        h.csms_call(
            "TriggerMessage",
            json!({"requestedMessage": "StatusNotification"})
        ),
        vec![]
    );
    assert_eq!(
        h.csms_call("RemoteStopTransaction", json!({"transactionId": 1})),
        vec![]
    );
    h.advance(99);
    h.assert_silent();
    h.advance(1);
    let (id, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    h.answer(
        &id,
        json!({"status": "Accepted", "currentTime": h.at(100), "interval": 300}),
    );
    let sent: Vec<String> = h.pump().into_iter().map(|(action, _)| action).collect();
    assert_eq!(
        sent,
        [
            "StartTransaction",
            "StatusNotification",
            "StatusNotification"
        ]
    );
}

#[test]
fn boot_in_flight_when_the_connection_drops_is_sent_again_on_reconnect() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    assert_eq!(h.call().1, "BootNotification");
    h.disconnect();
    h.assert_silent();
    h.connect();
    assert_eq!(h.call().1, "BootNotification");
}

#[test]
fn reconnect_after_accepted_sends_statuses_but_no_boot_notification() {
    let mut h = Harness::registered(json!({}), 1);
    h.disconnect();
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.assert_silent();
    h.advance(5);
    h.connect();
    assert_eq!(
        h.pump(),
        vec![h.status(0, "Available", 5), h.status(1, "Preparing", 5)]
    );
}

#[test]
fn heartbeats_are_skipped_offline() {
    let mut h = Harness::registered(json!({}), 1);
    h.disconnect();
    h.advance(300);
    h.connect();
    assert_eq!(h.pump().len(), 2, "statuses only");
    h.advance(300);
    assert_eq!(
        h.frames()
            .iter()
            .map(|f| match f {
                Frame::Call { action, .. } => action.as_str(),
                _ => "?",
            })
            .collect::<Vec<_>>(),
        ["Heartbeat"]
    );
}

#[test]
fn a_boot_retry_that_falls_due_offline_goes_out_on_the_next_connection() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Pending", "currentTime": T0, "interval": 30}),
    );
    h.disconnect();
    // `advance` also checks that no deadline in the past is left behind.
    h.advance(45);
    h.assert_silent();
    h.connect();
    assert_eq!(h.call().1, "BootNotification");
}

/// A BootNotification.conf whose currentTime does not parse is not an answer (libocpp's
/// `handleBootNotificationResponse` throws on it and nothing is registered): the state says
/// not registered, every other CALL stays unanswered, and the BootNotification goes again
/// after sixty seconds.
#[test]
fn a_boot_answer_with_an_unparseable_time_registers_nothing() {
    for time in ["garbage", "2026-13-45T99:00:00Z", "", "2026-11-24T06:00:00"] {
        let mut h = Harness::new(json!({}), 1);
        h.connect();
        let (first, _, _) = h.call();
        h.answer(
            &first,
            json!({"status": "Accepted", "currentTime": time, "interval": 300}),
        );
        assert_eq!(h.cp.registration_status(), None, "{time}");
        assert_eq!(h.cp.snapshot().registration, None, "{time}");
        assert_eq!(h.csms_call("GetConfiguration", json!({})), vec![], "{time}");
        h.advance(59);
        h.assert_silent();
        h.advance(1);
        assert_eq!(h.call().1, "BootNotification", "{time}");
    }
}

/// Once Accepted, a triggered BootNotification answered with a currentTime that does not parse
/// changes nothing: still Accepted (as libocpp, which ignores the answer), and it is not sent
/// again every minute.
#[test]
fn a_triggered_boot_answer_with_an_unparseable_time_leaves_the_registration() {
    let mut h = Harness::registered(json!({"Core": {"HeartbeatInterval": 0}}), 1);
    let frames = h.csms_call(
        "TriggerMessage",
        json!({"requestedMessage": "BootNotification"}),
    );
    let Some(Frame::Call { id, action, .. }) = frames.last() else {
        panic!("expected the triggered BootNotification, got {frames:?}");
    };
    assert_eq!(action, "BootNotification");
    h.answer(
        id,
        json!({"status": "Accepted", "currentTime": "garbage", "interval": 300}),
    );
    assert_eq!(
        h.cp.snapshot().registration,
        Some(RegistrationStatus::Accepted)
    );
    h.advance(600);
    let sent = h.pump();
    assert!(sent.iter().all(|(a, _)| a == "Heartbeat"), "{sent:?}");
    assert_eq!(
        h.cp.snapshot().registration,
        Some(RegistrationStatus::Accepted)
    );
}

/// Pending with an interval of 2147483647 s: the next BootNotification after a day, not in 68
/// years (limits.rs).
#[test]
fn a_huge_pending_interval_waits_a_day_at_the_most() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (first, _, _) = h.call();
    h.answer(
        &first,
        json!({"status": "Pending", "currentTime": T0, "interval": 2147483647}),
    );
    h.advance(24 * 3600 - 1);
    h.assert_silent();
    h.advance(1);
    assert_eq!(h.call().1, "BootNotification");
}
