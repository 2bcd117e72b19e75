//! The HTTP API (docs/csms-api.md) against a charge point on a real websocket: calls and their
//! outcomes, the charge-point list, the message log, the event stream. Every refusal is checked
//! to the letter and for changing nothing.

use std::time::Duration;

use csms::CsmsOptions;
use serde_json::json;

use crate::client::{bounded, Client};
use crate::http::{get, raw, refused, send, with_http, Events};

const CALLS: &str = "/api/v1/charge-points/cp001/calls";

#[tokio::test]
async fn a_call_is_sent_and_its_answer_comes_back() {
    let csms = with_http(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    let request = json!({"action": "GetConfiguration", "payload": {"key": ["HeartbeatInterval"]}});
    let (answer, ()) = tokio::join!(send(&csms, "POST", CALLS, Some(request)), async {
        let frame = cp.recv().await;
        assert_eq!(frame[2], "GetConfiguration");
        assert_eq!(frame[3], json!({"key": ["HeartbeatInterval"]}));
        let keys = json!({"configurationKey": [
            {"key": "HeartbeatInterval", "readonly": false, "value": "300"}]});
        cp.send(json!([3, frame[1], keys])).await;
    });
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.json(),
        json!({"result": "answered", "payload": {"configurationKey": [
            {"key": "HeartbeatInterval", "readonly": false, "value": "300"}]}})
    );
    // The call is kept with its outcome, for the page to show next to its form.
    let calls = get(&csms, CALLS).await.json();
    assert_eq!(calls.as_array().map(Vec::len), Some(1));
    assert_eq!(calls[0]["action"], "GetConfiguration");
    assert_eq!(calls[0]["payload"], json!({"key": ["HeartbeatInterval"]}));
    assert_eq!(calls[0]["outcome"]["result"], "answered");
}

#[tokio::test]
async fn a_callerror_and_a_timeout_are_outcomes_too() {
    let csms = with_http(CsmsOptions {
        call_timeout: Duration::from_millis(300),
        ..CsmsOptions::default()
    })
    .await;
    let mut cp = Client::connect(&csms, "cp001").await;
    let reset = json!({"action": "Reset", "payload": {"type": "Hard"}});
    let (answer, ()) = tokio::join!(send(&csms, "POST", CALLS, Some(reset.clone())), async {
        let frame = cp.recv().await;
        cp.send(json!([4, frame[1], "NotSupported", "not here", {"why": "test"}]))
            .await;
    });
    assert_eq!(
        (answer.status, answer.json()),
        (
            200,
            json!({"result": "callerror", "code": "NotSupported", "description": "not here",
                   "details": {"why": "test"}})
        )
    );
    // The charge point reads the CALL and never answers.
    let (answer, frame) = tokio::join!(send(&csms, "POST", CALLS, Some(reset)), cp.recv());
    assert_eq!(frame[2], "Reset");
    assert_eq!(
        (answer.status, answer.json()),
        (200, json!({"result": "timeout"}))
    );
}

#[tokio::test]
async fn a_second_call_while_one_waits_is_refused_with_409() {
    let csms = with_http(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    let clear = json!({"action": "ClearCache", "payload": {}});
    let first = tokio::spawn({
        let addr = crate::http::addr(&csms);
        let body = clear.to_string();
        async move {
            raw(
                addr,
                "POST",
                CALLS,
                &[("Content-Type", "application/json")],
                &body,
            )
            .await
        }
    });
    let frame = cp.recv().await;
    assert_eq!(frame[2], "ClearCache");
    let listed = get(&csms, "/api/v1/charge-points/cp001").await.json();
    assert_eq!(listed["call_waiting"], "ClearCache");
    let second = send(&csms, "POST", CALLS, Some(clear)).await;
    refused(
        &second,
        409,
        "ClearCache to 'cp001' waits for its answer: one call at a time",
    );
    cp.send(json!([3, frame[1], {"status": "Accepted"}])).await;
    let first = bounded(first).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        first.json(),
        json!({"result": "answered", "payload": {"status": "Accepted"}})
    );
    // The refused call was not sent: the charge point got one CALL, and one is recorded.
    assert_eq!(
        get(&csms, CALLS).await.json().as_array().map(Vec::len),
        Some(1)
    );
    let listed = get(&csms, "/api/v1/charge-points/cp001").await.json();
    assert_eq!(listed["call_waiting"], json!(null));
}

#[tokio::test]
async fn calls_that_cannot_be_sent_are_refused_and_not_sent() {
    let csms = with_http(CsmsOptions::default()).await;
    let _cp = Client::connect(&csms, "cp001").await;
    let cases = [
        (
            json!({"action": "MakeCoffee", "payload": {}}),
            "action: 'MakeCoffee' is not an OCPP 1.6 action",
        ),
        (
            json!({"action": "BootNotification", "payload": {}}),
            "action: BootNotification is sent by a charge point, not by a central system",
        ),
        (
            json!({"action": "Reset", "payload": {"type": "Warm"}}),
            "payload: Reset at type: unknown variant `Warm`, expected `Hard` or `Soft` \
             (a charge point would answer PropertyConstraintViolation)",
        ),
        (
            json!({"action": "RemoteStartTransaction", "payload": {}}),
            "payload: RemoteStartTransaction at .: missing field `idTag` (a charge point \
             would answer FormationViolation)",
        ),
        (
            json!({"action": "Reset"}),
            "bad request body: missing field `payload`",
        ),
        (
            json!({"action": "Reset", "payload": {"type": "Soft"}, "extra": 1}),
            "bad request body: unknown field `extra`, expected `action` or `payload`",
        ),
    ];
    for (body, error) in cases {
        refused(&send(&csms, "POST", CALLS, Some(body)).await, 400, error);
    }
    let not_json = raw(
        crate::http::addr(&csms),
        "POST",
        CALLS,
        &[("Content-Type", "application/json")],
        "[1]",
    )
    .await;
    refused(&not_json, 400, "bad request body: expected a JSON object");
    assert_eq!(
        get(&csms, CALLS).await.json(),
        json!([]),
        "nothing was sent"
    );
    let reset = Some(json!({"action": "Reset", "payload": {"type": "Soft"}}));
    refused(
        &send(&csms, "POST", "/api/v1/charge-points/cp999/calls", reset).await,
        404,
        "no charge point 'cp999' has connected or been configured",
    );
}

#[tokio::test]
async fn a_disconnected_charge_point_is_listed_but_cannot_be_called() {
    let csms = with_http(CsmsOptions::default()).await;
    let mut events = csms.subscribe();
    let cp = Client::connect(&csms, "cp001").await;
    cp.close().await;
    loop {
        if let Ok(csms::CsmsEvent::Disconnected { .. }) = bounded(events.recv()).await {
            break;
        }
    }
    let reset = Some(json!({"action": "Reset", "payload": {"type": "Soft"}}));
    refused(
        &send(&csms, "POST", CALLS, reset).await,
        404,
        "charge point 'cp001' is not connected",
    );
    let list = get(&csms, "/api/v1/charge-points").await.json();
    assert_eq!(list[0]["id"], "cp001");
    assert_eq!(list[0]["connected"], false);
}

#[tokio::test]
async fn the_list_shows_boot_security_heartbeat_and_connectors() {
    let csms = with_http(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.call(
        "BootNotification",
        json!({"chargePointVendor": "acme", "chargePointModel": "ac22",
               "firmwareVersion": "1.2.3", "chargePointSerialNumber": "SN1"}),
    )
    .await;
    cp.call("Heartbeat", json!({})).await;
    cp.call(
        "StatusNotification",
        json!({"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted",
               "info": "RCD tripped"}),
    )
    .await;
    let list = get(&csms, "/api/v1/charge-points").await.json();
    let one = &list[0];
    assert_eq!(
        (
            &one["id"],
            &one["connected"],
            &one["vendor"],
            &one["model"],
            &one["firmware_version"],
            &one["serial_number"],
            &one["registration"]
        ),
        (
            &json!("cp001"),
            &json!(true),
            &json!("acme"),
            &json!("ac22"),
            &json!("1.2.3"),
            &json!("SN1"),
            &json!("Accepted")
        )
    );
    assert_eq!(
        one["security"],
        json!({"profile": 0, "tls": false, "basic_auth": false, "client_certificate": false})
    );
    assert!(one["last_heartbeat"].is_string(), "{one}");
    assert_eq!(
        one["connectors"],
        json!([{"id": 1, "status": "Faulted", "error_code": "GroundFailure",
                "info": "RCD tripped", "vendor_id": null, "vendor_error_code": null,
                "timestamp": null}])
    );
    assert_eq!(get(&csms, "/api/v1/charge-points/cp001").await.json(), *one);
    refused(
        &get(&csms, "/api/v1/charge-points/nope").await,
        404,
        "no charge point 'nope' has connected or been configured",
    );
}

#[tokio::test]
async fn the_message_log_has_every_frame_filterable_and_as_html() {
    let csms = with_http(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;
    cp.call("Heartbeat", json!({})).await;
    let frames = get(&csms, "/api/v1/charge-points/cp001/frames")
        .await
        .json();
    let summary: Vec<(String, String, String)> = frames
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["direction"].as_str().unwrap_or_default().to_owned(),
                f["message_type"].as_str().unwrap_or_default().to_owned(),
                f["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("received", "CALL", "BootNotification"),
        ("sent", "CALLRESULT", "BootNotification"),
        ("received", "CALL", "Heartbeat"),
        ("sent", "CALLRESULT", "Heartbeat"),
    ]
    .map(|(d, t, a)| (d.to_owned(), t.to_owned(), a.to_owned()));
    assert_eq!(summary, expected);
    assert_eq!(frames[2]["text"], r#"[2,"m2","Heartbeat",{}]"#);
    let heartbeats = get(&csms, "/api/v1/charge-points/cp001/frames?action=Heartbeat")
        .await
        .json();
    assert_eq!(heartbeats.as_array().map(Vec::len), Some(2));
    refused(
        &get(&csms, "/api/v1/charge-points/cp001/frames?acton=Heartbeat").await,
        400,
        "query: unknown parameter 'acton' (known: action)",
    );

    let html = get(
        &csms,
        "/api/v1/charge-points/cp001/log.html?action=Heartbeat",
    )
    .await;
    assert_eq!(html.status, 200);
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(html
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment; filename=\"cp001-")));
    assert_eq!(html.body.matches("<tr class=").count(), 2, "{}", html.body);
    assert!(html.body.contains(
        "<td class=\"direction\">ChargePoint → CentralSystem</td><td class=\"type\">CALL</td>\
         <td class=\"action\">Heartbeat</td><td class=\"id\">m2</td>"
    ));
}

#[tokio::test]
async fn the_event_stream_starts_with_the_list_and_follows_every_frame() {
    let csms = with_http(CsmsOptions::default()).await;
    let mut events = Events::open(&csms, "/api/v1/events").await;
    let (first, list) = events.next().await;
    assert_eq!((first.as_str(), list), ("charge_points", json!([])));
    let (second, tags) = events.next().await;
    assert_eq!(second, "tags");
    assert_eq!(tags[0]["id_tag"], "DEADBEEF", "in the order given: {tags}");
    let mut cp = Client::connect(&csms, "cp001").await;
    let connected = events
        .wait("charge_point", |c| c["connected"] == json!(true))
        .await;
    assert_eq!(connected["id"], "cp001");
    cp.boot().await;
    let frame = events.wait("frame", |_| true).await;
    assert_eq!(
        (
            &frame["direction"],
            &frame["action"],
            &frame["charge_point_id"]
        ),
        (
            &json!("received"),
            &json!("BootNotification"),
            &json!("cp001")
        )
    );
    // The charge point is updated as the CALL is handled, before the answer goes out.
    let booted = events
        .wait("charge_point", |c| c["registration"] == json!("Accepted"))
        .await;
    assert_eq!(booted["model"], "test");
    let answered = events.wait("frame", |_| true).await;
    assert_eq!(answered["message_type"], "CALLRESULT");

    // Resuming after the first frame replays the second, then goes on live.
    let after = frame["seq"].as_u64().unwrap_or_default();
    let mut resumed = Events::open(
        &csms,
        &format!("/api/v1/events?after={after}&charge_point=cp001"),
    )
    .await;
    let (name, list) = resumed.next().await;
    assert_eq!(
        (name.as_str(), list[0]["id"].clone()),
        ("charge_points", json!("cp001"))
    );
    resumed.next().await;
    let replayed = resumed.wait("frame", |_| true).await;
    assert_eq!(replayed["seq"].as_u64(), Some(after + 1));
}

#[tokio::test]
async fn disconnect_closes_the_websocket_of_a_connected_charge_point_only() {
    let csms = with_http(CsmsOptions::default()).await;
    let mut events = csms.subscribe();
    let _cp = Client::connect(&csms, "cp001").await;
    let closed = send(
        &csms,
        "POST",
        "/api/v1/charge-points/cp001/disconnect",
        None,
    )
    .await;
    assert_eq!((closed.status, closed.json()), (200, json!({"ok": true})));
    loop {
        if let Ok(csms::CsmsEvent::Disconnected { charge_point_id }) = bounded(events.recv()).await
        {
            assert_eq!(charge_point_id, "cp001");
            break;
        }
    }
    refused(
        &send(
            &csms,
            "POST",
            "/api/v1/charge-points/cp001/disconnect",
            None,
        )
        .await,
        404,
        "charge point 'cp001' is not connected",
    );
    refused(
        &send(
            &csms,
            "POST",
            "/api/v1/charge-points/cp404/disconnect",
            None,
        )
        .await,
        404,
        "no charge point 'cp404' has connected or been configured",
    );
}
