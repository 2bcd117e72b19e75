//! CALLs the CSMS sends through its API, and how their answers come back.

use csms::{CallError, CsmsOptions};
use ocpp_types::core::{GetConfigurationRequest, RemoteStartTransactionRequest};
use ocpp_types::{AnyRequest, AnyResponse, CallErrorCode, CiString20};
use serde_json::json;

use crate::client::{bounded, csms, Client};

fn get_configuration() -> AnyRequest {
    AnyRequest::GetConfiguration(GetConfigurationRequest { key: None })
}

#[tokio::test]
async fn get_configuration_reaches_the_charge_point_and_its_answer_the_caller() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    cp.boot().await;

    let (answer, ()) = tokio::join!(csms.call("cp001", get_configuration()), async {
        let frame = cp.recv().await;
        assert_eq!(frame[0], 2, "a CALL: {frame}");
        assert_eq!(frame[2], "GetConfiguration");
        assert_eq!(frame[3], json!({}));
        let result = json!({"configurationKey": [
            {"key": "HeartbeatInterval", "readonly": false, "value": "300"}]});
        cp.send(json!([3, frame[1], result])).await;
    });
    let Ok(AnyResponse::GetConfiguration(conf)) = answer else {
        panic!("expected GetConfiguration.conf, got {answer:?}");
    };
    let keys = conf.configuration_key.unwrap_or_default();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key.as_str(), "HeartbeatInterval");
    assert_eq!(keys[0].value.as_ref().map(|v| v.as_str()), Some("300"));
}

#[tokio::test]
async fn a_callerror_comes_back_as_call_error() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    let request = AnyRequest::RemoteStartTransaction(RemoteStartTransactionRequest {
        connector_id: Some(1),
        id_tag: CiString20::truncating("DEADBEEF"),
        charging_profile: None,
    });
    let (answer, ()) = tokio::join!(csms.call("cp001", request), async {
        let frame = cp.recv().await;
        assert_eq!(frame[2], "RemoteStartTransaction");
        assert_eq!(frame[3], json!({"connectorId": 1, "idTag": "DEADBEEF"}));
        cp.send(json!([4, frame[1], "NotSupported", "not today", {}]))
            .await;
    });
    match answer {
        Err(CallError::CallError(info, action)) => {
            assert_eq!(info.code, CallErrorCode::NotSupported);
            assert_eq!(info.description, "not today");
            assert_eq!(action, ocpp_types::Action::RemoteStartTransaction);
        }
        other => panic!("expected a CALLERROR, got {other:?}"),
    }
}

#[tokio::test]
async fn calls_to_one_charge_point_go_out_one_at_a_time() {
    let csms = csms(CsmsOptions::default()).await;
    let mut cp = Client::connect(&csms, "cp001").await;
    let (first, second, ()) = tokio::join!(
        csms.call("cp001", get_configuration()),
        csms.call("cp001", get_configuration()),
        async {
            for _ in 0..2 {
                // The second CALL only arrives once the first is answered.
                let frame = cp.recv().await;
                assert_eq!(frame[0], 2, "{frame}");
                cp.send(json!([3, frame[1], {}])).await;
            }
        }
    );
    assert!(
        matches!(first, Ok(AnyResponse::GetConfiguration(_))),
        "{first:?}"
    );
    assert!(
        matches!(second, Ok(AnyResponse::GetConfiguration(_))),
        "{second:?}"
    );
}

#[tokio::test]
async fn calls_fail_cleanly_without_a_connection() {
    let csms = csms(CsmsOptions::default()).await;
    let unknown = csms.call("nobody", get_configuration()).await;
    assert_eq!(
        unknown.err(),
        Some(CallError::NotConnected("nobody".into()))
    );

    let cp = Client::connect(&csms, "cp001").await;
    let mut events = csms.subscribe();
    let (answer, ()) = tokio::join!(csms.call("cp001", get_configuration()), async {
        let mut cp = cp;
        let frame = cp.recv().await;
        assert_eq!(frame[2], "GetConfiguration");
        cp.close().await;
    });
    assert_eq!(
        answer.err(),
        Some(CallError::Disconnected(
            ocpp_types::Action::GetConfiguration
        ))
    );
    loop {
        if let Ok(csms::CsmsEvent::Disconnected { .. }) = bounded(events.recv()).await {
            break;
        }
    }
    assert!(csms.connected().is_empty());
}

#[tokio::test]
async fn a_charge_point_action_cannot_be_called() {
    let csms = csms(CsmsOptions::default()).await;
    let _cp = Client::connect(&csms, "cp001").await;
    let heartbeat = AnyRequest::Heartbeat(ocpp_types::core::HeartbeatRequest {});
    let refused = csms.call("cp001", heartbeat).await;
    assert!(matches!(refused, Err(CallError::Refused(_))), "{refused:?}");
}

#[tokio::test]
async fn a_reconnecting_charge_point_gets_the_calls_on_its_new_connection() {
    let csms = csms(CsmsOptions::default()).await;
    let mut events = csms.subscribe();
    let old = Client::connect(&csms, "cp001").await;
    // wait_connected returns at once for the second connection; wait for its own event.
    let mut new = Client::connect(&csms, "cp001").await;
    for _ in 0..2 {
        let event = bounded(events.recv()).await;
        assert!(
            matches!(event, Ok(csms::CsmsEvent::Connected { .. })),
            "{event:?}"
        );
    }
    let (answer, ()) = tokio::join!(csms.call("cp001", get_configuration()), async {
        let frame = new.recv().await;
        new.send(json!([3, frame[1], {}])).await;
    });
    assert!(
        matches!(answer, Ok(AnyResponse::GetConfiguration(_))),
        "{answer:?}"
    );
    old.close().await;
    assert_eq!(new.boot().await["status"], "Accepted");
}
