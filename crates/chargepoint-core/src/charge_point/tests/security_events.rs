//! Security events: logged always, sent as SecurityEventNotification when critical, kept
//! across a disconnect like a transaction message, and never sent with
//! DisableSecurityEventNotifications.

use ocpp_types::security::SecurityEventNotificationRequest;
use serde_json::json;

use super::Harness;
use crate::charge_point::StationCommand;

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
