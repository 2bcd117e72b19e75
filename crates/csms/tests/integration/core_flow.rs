//! What a charge point sends: boot, heartbeat, authorize, transactions, meter values, status.

use csms::{CsmsEvent, CsmsOptions};
use ocpp_types::core::{ChargePointStatus, Reason, RegistrationStatus};
use ocpp_types::DateTime;
use serde_json::json;

use crate::client::{bounded, csms, Client};

#[tokio::test]
async fn boot_notification_is_accepted_with_the_interval_and_recorded() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    let answer = cp.boot().await;
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(answer["interval"], 300);
    let time = answer["currentTime"].as_str().unwrap_or_default();
    assert!(DateTime::parse(time).is_ok(), "currentTime {time}");

    let heartbeat = cp.call("Heartbeat", json!({})).await;
    assert!(heartbeat["currentTime"].is_string(), "{heartbeat}");

    let state = csms.state();
    let recorded = &state.charge_points["cp001"];
    assert!(recorded.connected);
    assert_eq!(recorded.registration, Some(RegistrationStatus::Accepted));
    assert_eq!(
        recorded
            .boot
            .as_ref()
            .map(|b| b.charge_point_vendor.as_str()),
        Some("ferrocharge")
    );
    assert!(recorded.last_heartbeat.is_some());
}

#[tokio::test]
async fn registration_status_and_interval_are_selectable() {
    for (status, wire) in [
        (RegistrationStatus::Pending, "Pending"),
        (RegistrationStatus::Rejected, "Rejected"),
    ] {
        let csms = csms(CsmsOptions {
            registration_status: status,
            heartbeat_interval_s: 7,
            ..CsmsOptions::default()
        })
        .await;
        let mut cp = Client::connect(&csms, "cp001").await;
        let answer = cp.boot().await;
        assert_eq!(answer["status"], wire);
        assert_eq!(answer["interval"], 7);
    }
}

#[tokio::test]
async fn authorize_accepts_known_tags_only() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    let known = cp.call("Authorize", json!({"idTag": "DEADBEEF"})).await;
    assert_eq!(known, json!({"idTagInfo": {"status": "Accepted"}}));
    let lower_case = cp.call("Authorize", json!({"idTag": "deadbeef"})).await;
    assert_eq!(
        lower_case["idTagInfo"]["status"], "Accepted",
        "IdToken is case-insensitive"
    );
    let with_parent = cp.call("Authorize", json!({"idTag": "RFID_VALID1"})).await;
    assert_eq!(
        with_parent,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "RFID_PARENT"}})
    );
    let unknown = cp.call("Authorize", json!({"idTag": "RFID_INVALID"})).await;
    assert_eq!(unknown, json!({"idTagInfo": {"status": "Invalid"}}));
}

#[tokio::test]
async fn configured_tags_replace_the_defaults() {
    let csms = csms(CsmsOptions {
        tags: vec![csms::TagEntry::new("MYTAG")],
        ..CsmsOptions::default()
    })
    .await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    let mine = cp.call("Authorize", json!({"idTag": "MYTAG"})).await;
    assert_eq!(mine["idTagInfo"]["status"], "Accepted");
    let default = cp.call("Authorize", json!({"idTag": "DEADBEEF"})).await;
    assert_eq!(default["idTagInfo"]["status"], "Invalid");
}

#[tokio::test]
async fn transactions_get_increasing_ids_and_their_meter_values() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    let status = json!({"connectorId": 1, "errorCode": "NoError", "status": "Preparing"});
    cp.call("StatusNotification", status).await;

    let first = cp
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "DEADBEEF", "meterStart": 0,
                   "timestamp": "2026-11-24T07:00:00Z"}),
        )
        .await;
    assert_eq!(
        first,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 1})
    );
    let second = cp
        .call(
            "StartTransaction",
            json!({"connectorId": 2, "idTag": "NOBODY", "meterStart": 500,
                   "timestamp": "2026-11-24T07:01:00Z"}),
        )
        .await;
    assert_eq!(
        second,
        json!({"idTagInfo": {"status": "Invalid"}, "transactionId": 2})
    );

    let sample = |wh: &str| {
        json!({"timestamp": "2026-11-24T07:30:00Z",
        "sampledValue": [{"value": wh, "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]})
    };
    let meter = cp
        .call(
            "MeterValues",
            json!({"connectorId": 1, "transactionId": 1, "meterValue": [sample("700")]}),
        )
        .await;
    assert_eq!(meter, json!({}));
    let stop = cp
        .call(
            "StopTransaction",
            json!({"transactionId": 1, "meterStop": 1500, "idTag": "DEADBEEF",
                   "timestamp": "2026-11-24T08:00:00Z", "reason": "EVDisconnected",
                   "transactionData": [sample("1500")]}),
        )
        .await;
    assert_eq!(stop, json!({"idTagInfo": {"status": "Accepted"}}));

    let state = csms.state();
    let t1 = &state.transactions[&1];
    assert_eq!((t1.connector_id, t1.id_tag.as_str()), (1, "DEADBEEF"));
    assert_eq!(t1.meter_values.len(), 2, "MeterValues + transactionData");
    let stopped = t1.stop.as_ref().map(|s| (s.meter_stop, s.reason));
    assert_eq!(stopped, Some((1500, Some(Reason::EVDisconnected))));
    assert_eq!(t1.energy_wh(), Some(1500));
    let t2 = &state.transactions[&2];
    assert!(t2.stop.is_none(), "transaction 2 still runs");
    assert_eq!(state.transactions_of("cp001").count(), 2);
    let connector = &state.charge_points["cp001"].connectors[&1];
    assert_eq!(connector.status, ChargePointStatus::Preparing);
}

#[tokio::test]
async fn notifications_and_data_transfer_are_answered_and_recorded() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    let dt = cp
        .call(
            "DataTransfer",
            json!({"vendorId": "com.example", "messageId": "x"}),
        )
        .await;
    assert_eq!(dt, json!({"status": "UnknownVendorId"}));
    let security = json!({"type": "StartupOfTheDevice", "timestamp": "2026-11-24T07:00:00Z"});
    assert_eq!(
        cp.call("SecurityEventNotification", security).await,
        json!({})
    );
    let firmware = json!({"status": "Idle"});
    assert_eq!(
        cp.call("FirmwareStatusNotification", firmware).await,
        json!({})
    );
    let notes = csms.state().charge_points["cp001"].notifications.len();
    assert_eq!(notes, 3);
}

#[tokio::test]
async fn events_announce_connect_handled_and_disconnect() {
    let csms = csms(CsmsOptions::default()).await;
    let mut events = csms.subscribe();
    let mut cp = Client::connect(&csms, "cp007").await;
    cp.boot().await;
    cp.close().await;
    let id = "cp007".to_owned();
    let expected = [
        CsmsEvent::Connected {
            charge_point_id: id.clone(),
        },
        CsmsEvent::Handled {
            charge_point_id: id.clone(),
            action: ocpp_types::Action::BootNotification,
        },
        CsmsEvent::Disconnected {
            charge_point_id: id,
        },
    ];
    for want in expected {
        let got = bounded(events.recv()).await;
        assert_eq!(got.ok(), Some(want));
    }
    assert!(!csms.state().charge_points["cp007"].connected);
    assert!(csms.connected().is_empty());
}

#[tokio::test]
async fn broken_calls_get_a_callerror_and_the_connection_stays() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    let missing_model = json!([2, "b", "BootNotification", {"chargePointVendor": "V"}]);
    let refused = cp.call_raw(missing_model).await;
    assert_eq!(
        (refused[0].clone(), refused[2].clone()),
        (json!(4), json!("FormationViolation"))
    );
    let unknown = cp.call_raw(json!([2, "c", "MakeCoffee", {}])).await;
    assert_eq!(unknown[2], "NotImplemented");
    let csms_only = cp
        .call_raw(json!([2, "d", "Reset", {"type": "Soft"}]))
        .await;
    assert_eq!(csms_only[2], "NotSupported");
    assert_eq!(cp.boot().await["status"], "Accepted");
    assert!(csms.state().charge_points["cp001"].boot.is_some());
}

#[tokio::test]
async fn get_15118_ev_certificate_install_is_accepted_with_the_stand_in_exi_response() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    let get = |action: &str| {
        json!({
            "vendorId": "org.openchargealliance.iso15118pnc",
            "messageId": "Get15118EVCertificate",
            "data": json!({
                "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
                "action": action,
                "exiRequest": "AAEC",
            })
            .to_string(),
        })
    };
    let install = cp.call("DataTransfer", get("Install")).await;
    assert_eq!(install["status"], "Accepted");
    let data: serde_json::Value =
        serde_json::from_str(install["data"].as_str().unwrap_or_default()).unwrap();
    // base64 of "ferrocharge dev CSMS simulated CertificateInstallationRes".
    assert_eq!(
        data,
        json!({"status": "Accepted", "exiResponse": "ZmVycm9jaGFyZ2UgZGV2IENTTVMgc2ltdWxhdGVkIENlcnRpZmljYXRlSW5zdGFsbGF0aW9uUmVz"})
    );
    let update = cp.call("DataTransfer", get("Update")).await;
    let data: serde_json::Value =
        serde_json::from_str(update["data"].as_str().unwrap_or_default()).unwrap();
    assert_eq!(data, json!({"status": "Failed", "exiResponse": ""}));
    let bad = cp
        .call(
            "DataTransfer",
            json!({"vendorId": "org.openchargealliance.iso15118pnc",
                   "messageId": "Get15118EVCertificate", "data": "{}"}),
        )
        .await;
    assert_eq!(bad, json!({"status": "Rejected"}));
}
