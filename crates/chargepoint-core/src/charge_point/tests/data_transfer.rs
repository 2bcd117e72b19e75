//! DataTransfer both ways: the central system's through the station's data_transfer module,
//! the station's to the central system.

use ocpp_types::core::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use ocpp_types::{CiString255, CiString50};
use serde_json::json;

use super::{Frame, Harness};
use crate::charge_point::{StationCommand, StationEvent};

fn request(vendor: &str, message: Option<&str>, data: Option<&str>) -> DataTransferRequest {
    DataTransferRequest {
        vendor_id: CiString255::truncating(vendor),
        message_id: message.map(CiString50::truncating),
        data: data.map(str::to_string),
    }
}

fn response(status: DataTransferStatus, data: Option<&str>) -> DataTransferResponse {
    DataTransferResponse {
        status,
        data: data.map(str::to_string),
    }
}

/// A registered charge point whose station has a data_transfer module.
fn with_module() -> Harness {
    let mut h = Harness::registered(json!({}), 1);
    h.cp.data_transfers.module = true;
    h
}

#[test]
fn without_a_module_the_answer_is_unknown_vendor_id() {
    let mut h = Harness::registered(json!({}), 1);
    assert_eq!(
        h.csms_call(
            "DataTransfer",
            json!({"vendorId": "com.example", "messageId": "Price", "data": "{}"})
        ),
        vec![Frame::Result {
            id: h.csms_id(),
            payload: json!({"status": "UnknownVendorId"})
        }]
    );
    assert_eq!(h.commands(), vec![]);
}

#[test]
fn the_module_answers_the_central_system() {
    let mut h = with_module();
    assert_eq!(
        h.csms_call(
            "DataTransfer",
            json!({"vendorId": "com.example", "messageId": "Price", "data": "{\"ct\":1}"})
        ),
        vec![]
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::DataTransfer {
            request_id: 0,
            request: request("com.example", Some("Price"), Some("{\"ct\":1}")),
        }]
    );
    h.event(StationEvent::DataTransferAnswered {
        request_id: 0,
        response: response(DataTransferStatus::Accepted, Some("ok")),
    });
    assert_eq!(
        h.frames(),
        vec![Frame::Result {
            id: h.csms_id(),
            payload: json!({"status": "Accepted", "data": "ok"})
        }]
    );
    // Answered once only.
    h.event(StationEvent::DataTransferAnswered {
        request_id: 0,
        response: response(DataTransferStatus::Rejected, None),
    });
    h.assert_silent();
}

#[test]
fn a_module_answer_after_the_connection_dropped_is_dropped() {
    let mut h = with_module();
    h.csms_call("DataTransfer", json!({"vendorId": "com.example"}));
    assert_eq!(h.commands().len(), 1);
    h.disconnect();
    h.connect();
    h.pump();
    h.event(StationEvent::DataTransferAnswered {
        request_id: 0,
        response: response(DataTransferStatus::UnknownMessageId, None),
    });
    h.assert_silent();
}

#[test]
fn the_station_sends_a_data_transfer_and_hears_the_answer() {
    let mut h = Harness::registered(json!({}), 1);
    h.event(StationEvent::SendDataTransfer {
        request_id: 7,
        request: request("org.openchargealliance", Some("Hello"), Some("x")),
    });
    let (id, action, payload) = h.call();
    assert_eq!(
        (action.as_str(), payload),
        (
            "DataTransfer",
            json!({"vendorId": "org.openchargealliance", "messageId": "Hello", "data": "x"})
        )
    );
    h.answer(&id, json!({"status": "Accepted", "data": "hi"}));
    assert_eq!(
        h.commands(),
        vec![StationCommand::DataTransferResult {
            request_id: 7,
            response: Some(response(DataTransferStatus::Accepted, Some("hi"))),
        }]
    );
    // A CALLERROR: no answer.
    h.event(StationEvent::SendDataTransfer {
        request_id: 8,
        request: request("org.openchargealliance", None, None),
    });
    let (id, _, _) = h.call();
    h.answer_error(&id);
    assert_eq!(
        h.commands(),
        vec![StationCommand::DataTransferResult {
            request_id: 8,
            response: None,
        }]
    );
    // Cut off by the lost connection: no answer.
    h.event(StationEvent::SendDataTransfer {
        request_id: 9,
        request: request("org.openchargealliance", None, None),
    });
    assert_eq!(h.call().1, "DataTransfer");
    h.disconnect();
    assert_eq!(
        h.commands(),
        vec![StationCommand::DataTransferResult {
            request_id: 9,
            response: None,
        }]
    );
}

#[test]
fn offline_or_before_registration_the_station_hears_no_answer_at_once() {
    let mut h = Harness::new(json!({}), 1);
    let send = |h: &mut Harness, request_id| {
        h.event(StationEvent::SendDataTransfer {
            request_id,
            request: request("com.example", None, None),
        });
        h.commands()
    };
    let none = |request_id| {
        vec![StationCommand::DataTransferResult {
            request_id,
            response: None,
        }]
    };
    assert_eq!(send(&mut h, 1), none(1));
    h.connect();
    let (id, _, _) = h.call();
    h.answer(
        &id,
        json!({"status": "Pending", "currentTime": super::T0, "interval": 60}),
    );
    assert_eq!(send(&mut h, 2), none(2));
    h.assert_silent();
}
