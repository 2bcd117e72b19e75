//! What the HTTP API keeps: tags (used by Authorize and StartTransaction), transactions with
//! their meter values in SQLite (kept across a restart of the CSMS), and the registration answer
//! of each charge point.

use std::path::PathBuf;

use csms::CsmsOptions;
use serde_json::json;

use crate::client::Client;
use crate::http::{get, refused, send, with_http};

/// A data dir of its own, removed on drop.
struct DataDir(PathBuf);

impl DataDir {
    fn new(name: &str) -> DataDir {
        let dir = std::env::temp_dir().join(format!("csms-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        DataDir(dir)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn tags_edited_over_http_are_what_authorize_and_start_transaction_answer() {
    let csms = with_http(CsmsOptions {
        tags: Vec::new(),
        ..CsmsOptions::default()
    })
    .await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    let authorize = |tag: &'static str| json!({"idTag": tag});
    assert_eq!(
        cp.call("Authorize", authorize("CARD1")).await,
        json!({"idTagInfo": {"status": "Invalid"}})
    );

    let created = send(
        &csms,
        "POST",
        "/api/v1/tags",
        Some(json!({"id_tag": "CARD1", "parent_id_tag": "FLEET"})),
    )
    .await;
    assert_eq!(
        (created.status, created.json()),
        (
            201,
            json!({"id_tag": "CARD1", "status": "Accepted", "expiry_date": null,
                   "parent_id_tag": "FLEET", "effective_status": "Accepted"})
        )
    );
    assert_eq!(
        cp.call("Authorize", authorize("card1")).await,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "FLEET"}})
    );

    let blocked = send(
        &csms,
        "PUT",
        "/api/v1/tags/card1",
        Some(json!({"status": "Blocked", "expiry_date": "2099-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(blocked.status, 200, "{blocked:?}");
    let start = cp
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "CARD1", "meterStart": 0,
                   "timestamp": "2026-11-24T07:00:00Z"}),
        )
        .await;
    assert_eq!(
        start,
        json!({"idTagInfo": {"status": "Blocked", "expiryDate": "2099-01-01T00:00:00.000Z"},
               "transactionId": 1})
    );

    let expired = send(
        &csms,
        "PUT",
        "/api/v1/tags/CARD1",
        Some(json!({"expiry_date": "2020-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(expired.json()["effective_status"], "Expired");
    assert_eq!(
        cp.call("Authorize", authorize("CARD1")).await["idTagInfo"]["status"],
        "Expired"
    );

    let removed = send(&csms, "DELETE", "/api/v1/tags/Card1", None).await;
    assert_eq!((removed.status, removed.json()), (200, json!({"ok": true})));
    assert_eq!(
        cp.call("Authorize", authorize("CARD1")).await,
        json!({"idTagInfo": {"status": "Invalid"}})
    );
    refused(
        &send(&csms, "DELETE", "/api/v1/tags/CARD1", None).await,
        404,
        "no tag 'CARD1' (every unknown idTag is answered Invalid)",
    );
}

#[tokio::test]
async fn bad_tags_are_refused_and_change_nothing() {
    let csms = with_http(CsmsOptions::default()).await;
    let before = get(&csms, "/api/v1/tags").await.json();
    let cases = [
        (
            "POST",
            "/api/v1/tags",
            json!({"id_tag": "DEADBEEF"}),
            409,
            "tag 'DEADBEEF' exists: PUT /api/v1/tags/DEADBEEF replaces it",
        ),
        (
            "POST",
            "/api/v1/tags",
            json!({"status": "Accepted"}),
            400,
            "id_tag: missing",
        ),
        (
            "POST",
            "/api/v1/tags",
            json!({"id_tag": "123456789012345678901"}),
            400,
            "id_tag: must be 1 to 20 characters, found 21",
        ),
        (
            "PUT",
            "/api/v1/tags/DEADBEEF",
            json!({"status": "Maybe"}),
            400,
            "status: 'Maybe' is not one of Accepted, Blocked, Expired, Invalid, ConcurrentTx",
        ),
        (
            "PUT",
            "/api/v1/tags/DEADBEEF",
            json!({"id_tag": "OTHER"}),
            400,
            "id_tag: 'OTHER' is not the tag of the path ('DEADBEEF'); leave it out",
        ),
        (
            "PUT",
            "/api/v1/tags/DEADBEEF",
            json!({"colour": "red"}),
            400,
            "bad request body: unknown field `colour`, expected one of `id_tag`, `status`, \
             `expiry_date`, `parent_id_tag`",
        ),
    ];
    for (method, path, body, status, error) in cases {
        refused(&send(&csms, method, path, Some(body)).await, status, error);
    }
    let answer = send(
        &csms,
        "PUT",
        "/api/v1/tags/DEADBEEF",
        Some(json!({"expiry_date": "tomorrow"})),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(answer.json()["error"]
        .as_str()
        .is_some_and(|e| e.starts_with("expiry_date: 'tomorrow' is not an RFC 3339 date-time")));
    assert_eq!(get(&csms, "/api/v1/tags").await.json(), before);
    assert_eq!(
        get(&csms, "/api/v1/tags/deadbeef").await.json()["id_tag"],
        "DEADBEEF"
    );
}

#[tokio::test]
async fn transactions_and_meter_values_outlive_a_restart_of_the_csms() {
    let dir = DataDir::new("restart");
    let options = || CsmsOptions {
        data_dir: Some(dir.0.clone()),
        ..CsmsOptions::default()
    };
    {
        let csms = with_http(options()).await;
        let mut cp = Client::connect(&csms, "cp001").await;
        cp.boot().await;
        cp.call(
            "StartTransaction",
            json!({"connectorId": 2, "idTag": "DEADBEEF", "meterStart": 1000,
                   "timestamp": "2026-11-24T07:00:00Z"}),
        )
        .await;
        cp.call(
            "MeterValues",
            json!({"connectorId": 2, "transactionId": 1, "meterValue": [
                {"timestamp": "2026-11-24T07:30:00Z", "sampledValue": [
                    {"value": "1700", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                    {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"}]}]}),
        )
        .await;
        cp.call(
            "StopTransaction",
            json!({"transactionId": 1, "meterStop": 2500, "timestamp": "2026-11-24T08:00:00Z",
                   "reason": "EVDisconnected"}),
        )
        .await;
        cp.call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "NOBODY", "meterStart": 5,
                   "timestamp": "2026-11-24T09:00:00Z"}),
        )
        .await;
        cp.close().await;
    }
    let csms = with_http(options()).await;
    let list = get(&csms, "/api/v1/transactions").await.json();
    assert_eq!(
        list,
        json!([
            {"id": 1, "charge_point_id": "cp001", "connector_id": 2, "id_tag": "DEADBEEF",
             "id_tag_status": "Accepted", "reservation_id": null, "meter_start": 1000,
             "started": "2026-11-24T07:00:00.000Z", "meter_stop": 2500,
             "stopped": "2026-11-24T08:00:00.000Z", "stop_reason": "EVDisconnected",
             "stop_id_tag": null, "energy_wh": 1500, "meter_value_count": 1},
            {"id": 2, "charge_point_id": "cp001", "connector_id": 1, "id_tag": "NOBODY",
             "id_tag_status": "Invalid", "reservation_id": null, "meter_start": 5,
             "started": "2026-11-24T09:00:00.000Z", "meter_stop": null, "stopped": null,
             "stop_reason": null, "stop_id_tag": null, "energy_wh": null,
             "meter_value_count": 0}
        ])
    );
    let one = get(&csms, "/api/v1/transactions/1").await.json();
    assert_eq!(
        one["meter_values"][0]["sampledValue"][1],
        json!({"value": "7400", "measurand": "Power.Active.Import", "unit": "W"})
    );
    let running = get(
        &csms,
        "/api/v1/transactions?active=true&charge_point_id=cp001",
    )
    .await
    .json();
    assert_eq!(running.as_array().map(Vec::len), Some(1));
    assert_eq!(running[0]["id"], 2);
    refused(
        &get(&csms, "/api/v1/transactions?active=yes").await,
        400,
        "query: active=yes is not true or false",
    );
    refused(
        &get(&csms, "/api/v1/transactions/99").await,
        404,
        "no transaction '99'",
    );
    // The charge point is known before it connects again, and ids go on where they were.
    let known = get(&csms, "/api/v1/charge-points").await.json();
    assert_eq!(
        (known[0]["id"].clone(), known[0]["connected"].clone()),
        (json!("cp001"), json!(false))
    );
    let mut cp = Client::connect(&csms, "cp001").await;
    let next = cp
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "DEADBEEF", "meterStart": 0,
                   "timestamp": "2026-11-24T10:00:00Z"}),
        )
        .await;
    assert_eq!(next["transactionId"], 3);
}

#[tokio::test]
async fn the_registration_answer_is_set_per_charge_point() {
    let csms = with_http(CsmsOptions::default()).await;
    // Set before the charge point ever connected.
    let set = send(
        &csms,
        "PUT",
        "/api/v1/charge-points/cp002/registration",
        Some(json!({"status": "Rejected", "interval": 17})),
    )
    .await;
    assert_eq!(set.status, 200, "{set:?}");
    assert_eq!(
        set.json()["registration_answer"],
        json!({"status": "Rejected", "interval": 17})
    );
    let mut two = Client::connect(&csms, "cp002").await;
    let mut one = Client::connect(&csms, "cp001").await;
    let booted = two.boot().await;
    assert_eq!(
        (&booted["status"], &booted["interval"]),
        (&json!("Rejected"), &json!(17))
    );
    let other = one.boot().await;
    assert_eq!(
        (&other["status"], &other["interval"]),
        (&json!("Accepted"), &json!(300))
    );

    for (body, error) in [
        (
            json!({"status": "Maybe", "interval": 5}),
            "status: 'Maybe' is not Accepted, Pending or Rejected",
        ),
        (
            json!({"status": "Pending", "interval": -1}),
            "interval: -1 is not a number of seconds from 0 to 2147483647",
        ),
        (
            json!({"status": "Pending"}),
            "bad request body: missing field `interval`",
        ),
    ] {
        refused(
            &send(
                &csms,
                "PUT",
                "/api/v1/charge-points/cp002/registration",
                Some(body),
            )
            .await,
            400,
            error,
        );
    }
    assert_eq!(two.boot().await["status"], "Rejected", "unchanged");

    let reset = send(
        &csms,
        "DELETE",
        "/api/v1/charge-points/cp002/registration",
        None,
    )
    .await;
    assert_eq!(reset.json()["registration_answer"], json!(null));
    let again = two.boot().await;
    assert_eq!(
        (&again["status"], &again["interval"]),
        (&json!("Accepted"), &json!(300))
    );
    refused(
        &send(
            &csms,
            "DELETE",
            "/api/v1/charge-points/cp404/registration",
            None,
        )
        .await,
        404,
        "no charge point 'cp404' has connected or been configured",
    );
}

#[tokio::test]
async fn the_registration_answer_outlives_a_restart() {
    let dir = DataDir::new("registration");
    let options = || CsmsOptions {
        data_dir: Some(dir.0.clone()),
        ..CsmsOptions::default()
    };
    {
        let csms = with_http(options()).await;
        let set = send(
            &csms,
            "PUT",
            "/api/v1/charge-points/cp001/registration",
            Some(json!({"status": "Pending", "interval": 3})),
        )
        .await;
        assert_eq!(set.status, 200);
    }
    let csms = with_http(options()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    let booted = cp.boot().await;
    assert_eq!(
        (&booted["status"], &booted["interval"]),
        (&json!("Pending"), &json!(3))
    );
}
