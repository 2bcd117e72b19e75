//! Security events: logged always, sent as SecurityEventNotification when critical, kept
//! across a disconnect like a transaction message, and never sent with
//! DisableSecurityEventNotifications.

use ocpp_types::security::SecurityEventNotificationRequest;
use serde_json::json;

use super::{Frame, Harness};
use crate::charge_point::{MemoryStore, StationCommand, StationEvent};

fn logged(h: &mut Harness) -> Vec<SecurityEventNotificationRequest> {
    h.commands()
        .into_iter()
        .filter_map(|c| match c {
            StationCommand::SecurityEvent(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn a_critical_event_is_logged_and_sent() {
    let mut h = Harness::registered(json!({}), 1);
    let now = h.now;
    h.cp.security_event(
        "StartupOfTheDevice",
        Some("The Charge Point has booted"),
        now,
    );
    let log = logged(&mut h);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].kind.as_str(), "StartupOfTheDevice");
    assert_eq!(
        h.pump(),
        vec![(
            "SecurityEventNotification".to_string(),
            json!({"type": "StartupOfTheDevice", "timestamp": h.at(0),
                   "techInfo": "The Charge Point has booted"})
        )]
    );
}

#[test]
fn a_non_critical_event_is_only_logged() {
    let mut h = Harness::registered(json!({}), 1);
    let now = h.now;
    h.cp.security_event("InvalidMessages", Some("bad frame"), now);
    assert_eq!(logged(&mut h).len(), 1);
    h.assert_silent();
}

#[test]
fn disabled_notifications_are_only_logged() {
    let mut h = Harness::registered(
        json!({"Security": {"DisableSecurityEventNotifications": true}}),
        1,
    );
    let now = h.now;
    h.cp.security_event("ResetOrReboot", None, now);
    assert_eq!(logged(&mut h).len(), 1);
    h.assert_silent();
}

#[test]
fn an_event_raised_offline_is_stored_and_sent_after_registration() {
    let mut h = Harness::new(json!({}), 1);
    let now = h.now;
    h.cp.security_event("StartupOfTheDevice", None, now);
    assert_eq!(
        h.stored_messages(),
        vec![(
            "SecurityEventNotification".to_string(),
            json!({"type": "StartupOfTheDevice", "timestamp": h.at(0)})
        )],
        "stored before anything is sent, as a transaction message"
    );
    h.connect();
    let sent: Vec<String> = h.pump().into_iter().map(|(a, _)| a).collect();
    assert_eq!(sent[0], "BootNotification");
    assert!(
        sent.contains(&"SecurityEventNotification".to_string()),
        "{sent:?}"
    );
    assert_eq!(h.stored_messages(), vec![]);
}

#[test]
fn the_whitepapers_critical_events_and_the_refused_certificates_and_signatures_are_sent() {
    use crate::charge_point::security_events::{is_sent, ALL};
    let sent: Vec<&str> = ALL.into_iter().filter(|k| is_sent(k)).collect();
    assert_eq!(
        sent,
        [
            "FirmwareUpdated",
            "SettingSystemTime",
            "StartupOfTheDevice",
            "ResetOrReboot",
            "SecurityLogWasCleared",
            "MemoryExhaustion",
            "TamperDetectionActivated",
            "InvalidFirmwareSignature",
            "InvalidFirmwareSigningCertificate",
            "InvalidCentralSystemCertificate",
            "InvalidChargePointCertificate",
        ]
    );
    let mut h = Harness::registered(json!({}), 1);
    let now = h.now;
    h.cp.security_event("InvalidFirmwareSignature", Some("bad"), now);
    assert_eq!(
        h.pump(),
        vec![(
            "SecurityEventNotification".to_string(),
            json!({"type": "InvalidFirmwareSignature", "timestamp": h.at(0), "techInfo": "bad"})
        )]
    );
}

#[test]
fn an_event_the_station_raises_is_logged_and_sent_when_critical() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    h.event(StationEvent::SecurityEvent {
        kind: "TamperDetectionActivated".to_string(),
        tech_info: Some("enclosure opened".to_string()),
    });
    h.event(StationEvent::SecurityEvent {
        kind: "InvalidMessages".to_string(),
        tech_info: None,
    });
    let log: Vec<(String, Option<String>)> = logged(&mut h)
        .into_iter()
        .map(|e| (e.kind.to_string(), e.tech_info.map(|t| t.to_string())))
        .collect();
    assert_eq!(
        log,
        [
            (
                "TamperDetectionActivated".to_string(),
                Some("enclosure opened".to_string())
            ),
            ("InvalidMessages".to_string(), None)
        ]
    );
    assert_eq!(
        h.pump(),
        vec![(
            "SecurityEventNotification".to_string(),
            json!({"type": "TamperDetectionActivated", "timestamp": h.at(0),
                   "techInfo": "enclosure opened"})
        )]
    );
}

#[test]
fn no_event_goes_out_before_the_boot_notification_is_accepted() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (boot, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    let now = h.now;
    h.cp.security_event("MemoryExhaustion", None, now);
    h.answer(
        &boot,
        json!({"status": "Pending", "currentTime": h.at(0), "interval": 10}),
    );
    // Pending: the central system may send CALLs, the station only the BootNotification.
    h.assert_silent();
    h.advance(10);
    let (boot, action, _) = h.call();
    assert_eq!(action, "BootNotification");
    h.answer(
        &boot,
        json!({"status": "Rejected", "currentTime": h.at(10), "interval": 10}),
    );
    h.assert_silent();
    h.advance(10);
    let sent: Vec<String> = h.pump().into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        sent,
        [
            "BootNotification",
            "SecurityEventNotification",
            "StatusNotification",
            "StatusNotification"
        ],
        "the event waited for Accepted, then went in its turn"
    );
    assert_eq!(h.stored_messages(), vec![]);
}

#[test]
fn an_event_raised_offline_survives_a_power_loss_and_is_sent_after_the_next_registration() {
    let mut h = Harness::registered(json!({}), 1);
    h.disconnect();
    let now = h.now;
    h.cp.security_event("TamperDetectionActivated", Some("lid"), now);
    let store = MemoryStore {
        messages: h
            .cp
            .store()
            .messages()
            .unwrap()
            .into_iter()
            .map(|m| (m.key, m))
            .collect(),
        ..MemoryStore::default()
    };
    let mut h = Harness::with_store(json!({}), 1, store, &[]);
    h.connect();
    let sent = h.pump();
    assert_eq!(sent[0].0, "BootNotification");
    assert_eq!(
        sent[1],
        (
            "SecurityEventNotification".to_string(),
            json!({"type": "TamperDetectionActivated", "timestamp": h.at(0), "techInfo": "lid"})
        )
    );
    assert_eq!(h.stored_messages(), vec![]);
}

#[test]
fn a_message_that_does_not_decode_is_logged_as_invalid_messages_without_its_text() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    let now = h.now;
    h.cp.handle_frame(
        r#"[2,"k1","ChangeConfiguration",{"key":"AuthorizationKey","value":["s3cretKey0123456789"]}]"#,
        now,
    );
    h.cp.handle_frame(r#"[2,"k2","Reset""#, now);
    let log: Vec<(String, String)> = logged(&mut h)
        .into_iter()
        .map(|e| (e.kind.to_string(), e.tech_info.unwrap().to_string()))
        .collect();
    assert_eq!(
        log,
        [
            (
                "InvalidMessages".to_string(),
                "FormationViolation: CALL ChangeConfiguration at value".to_string()
            ),
            (
                "InvalidMessages".to_string(),
                "frame is not JSON: EOF while parsing a list at line 1 column 15".to_string()
            )
        ]
    );
    // Not critical: the CALLERRORs go, no SecurityEventNotification.
    let frames = h.frames();
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert!(frames.iter().all(|f| matches!(f, Frame::Error { .. })));
}

#[test]
fn a_call_id_used_again_is_logged_as_attempted_replay_attacks_and_handled_as_before() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    let now = h.now;
    for _ in 0..2 {
        h.cp.handle_frame(r#"[2,"same-id","ClearCache",{}]"#, now);
        assert_eq!(
            h.frames(),
            vec![Frame::Result {
                id: "same-id".to_string(),
                payload: json!({"status": "Accepted"})
            }]
        );
    }
    let log: Vec<(String, String)> = logged(&mut h)
        .into_iter()
        .map(|e| (e.kind.to_string(), e.tech_info.unwrap().to_string()))
        .collect();
    assert_eq!(
        log,
        [(
            "AttemptedReplayAttacks".to_string(),
            "CALL ClearCache repeats the message id same-id of an earlier CALL on this connection"
                .to_string()
        )]
    );
    h.assert_silent();
}

#[test]
fn a_clock_set_by_the_central_systems_time_is_setting_system_time_small_corrections_are_not() {
    let mut h = Harness::new(json!({}), 1);
    h.connect();
    let (boot, _, _) = h.call();
    h.answer(
        &boot,
        json!({"status": "Accepted", "currentTime": "2026-11-24T07:00:00Z", "interval": 300}),
    );
    let sent = h.pump();
    assert_eq!(
        sent[0],
        (
            "SecurityEventNotification".to_string(),
            json!({"type": "SettingSystemTime", "timestamp": "2026-11-24T07:00:00.000Z",
                   "techInfo": "clock set by +3600.000 s to the currentTime of BootNotification.conf"})
        )
    );
    let heartbeat = |h: &mut Harness, current_time: &str| {
        h.csms_call_ok("TriggerMessage", json!({"requestedMessage": "Heartbeat"}));
        let (id, action, _) = h.call();
        assert_eq!(action, "Heartbeat");
        h.answer(&id, json!({"currentTime": current_time}));
        h.pump()
    };
    // Within CLOCK_SET_STEP of the clock: a correction, no event.
    assert_eq!(heartbeat(&mut h, "2026-11-24T07:00:04.900Z"), vec![]);
    assert_eq!(
        heartbeat(&mut h, "2026-11-24T06:59:55.000Z"),
        vec![(
            "SecurityEventNotification".to_string(),
            json!({"type": "SettingSystemTime", "timestamp": "2026-11-24T06:59:55.000Z",
                   "techInfo": "clock set by -9.900 s to the currentTime of Heartbeat.conf"})
        )]
    );
}

#[test]
fn a_changed_security_key_is_reconfiguration_of_security_parameters_without_its_value() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "AuthorizationKey", "value": "0123456789abcdef0123"}),
    );
    h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "HeartbeatInterval", "value": "60"}),
    );
    let log: Vec<(String, String)> = logged(&mut h)
        .into_iter()
        .map(|e| (e.kind.to_string(), e.tech_info.unwrap().to_string()))
        .collect();
    assert_eq!(
        log,
        [(
            "ReconfigurationOfSecurityParameters".to_string(),
            "AuthorizationKey changed by ChangeConfiguration".to_string()
        )]
    );
    // Not critical: only logged.
    assert_eq!(h.pump_no_heartbeats(), vec![]);
}

#[test]
fn stored_events_are_dropped_at_start_when_notifications_were_disabled_meanwhile() {
    let mut h = Harness::new(json!({}), 1);
    let now = h.now;
    h.cp.security_event("TamperDetectionActivated", None, now);
    let store = MemoryStore {
        messages: h
            .cp
            .store()
            .messages()
            .unwrap()
            .into_iter()
            .map(|m| (m.key, m))
            .collect(),
        ..MemoryStore::default()
    };
    let disabled = json!({"Security": {"DisableSecurityEventNotifications": true}});
    let mut h = Harness::with_store(disabled, 1, store, &[]);
    assert_eq!(h.stored_messages(), vec![]);
    h.connect();
    let sent: Vec<String> = h.pump().into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        sent,
        [
            "BootNotification",
            "StatusNotification",
            "StatusNotification"
        ]
    );
}
