//! Unit tests of the charge-point core with a fake clock and an in-memory store: a
//! [`Harness`] plays the central system and the station, and every test asserts the exact
//! frames, in order.

mod authorization_cache;
mod availability;
mod certificates;
mod clock_aligned;
mod configuration;
mod connector_status;
mod data_transfer;
mod diagnostics;
mod extended_trigger;
mod firmware;
mod get_log;
mod invalid_id;
mod local_auth_list;
mod message_queue;
mod meter_values;
mod offline_start;
mod parent_id_tag;
mod pnc;
mod power_loss;
mod power_loss_between_writes;
mod pricing;
mod queue_delivery;
mod registration;
mod remote_control;
mod remote_trigger;
mod reservation;
mod reservation_lifetime;
mod security_events;
mod sessions;
mod sign_certificate;
mod signed_firmware;
mod smart_charging;
mod start_transaction_given_up;
mod stop_reasons;
mod transaction_data;
mod trigger_wire_order;

use std::time::{Duration, Instant};

use ocpp_types::id_tag::IdToken;
use ocpp_types::DateTime;
use serde_json::{json, Value};

use super::{ChargePoint, MemoryStore, Now, StationCommand, StationEvent};
use crate::config::{
    merge_patch, Configuration, Document, MemoryOverlay, Registry, DEFAULT_CONFIG,
};

/// Station time when a test starts.
pub(super) const T0: &str = "2026-11-24T06:00:00.000Z";

/// The shipped config with `patch` merged into it. California Pricing, on in the shipped
/// config, is off unless `patch` turns it on: the other tests' exact commands have no tariffs
/// and default prices among them.
pub(super) fn config(patch: Value) -> Configuration {
    let mut base = Document::parse("ocpp-config.json", DEFAULT_CONFIG).unwrap();
    merge_patch::apply(
        &mut base.value,
        &json!({"CostAndPrice": {"CustomDisplayCostAndPrice": false}}),
    );
    merge_patch::apply(&mut base.value, &patch);
    Configuration::load(
        Registry::embedded().unwrap().clone(),
        &base,
        Box::new(MemoryOverlay::default()),
    )
    .unwrap()
}

/// An idTag.
pub(super) fn tag(s: &str) -> IdToken {
    IdToken::new(s).unwrap()
}

/// One frame sent by the charge point.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Frame {
    Call {
        id: String,
        action: String,
        payload: Value,
    },
    Result {
        id: String,
        payload: Value,
    },
    Error {
        id: String,
        code: String,
    },
}

/// The central system and the station around one [`ChargePoint`].
pub(super) struct Harness {
    pub cp: ChargePoint,
    pub now: Now,
    /// How many CALLs [`Harness::csms_call`] sent: each gets an id of its own, `csms-<n>`, as
    /// OCPP-J asks of a central system (a repeated id is an AttemptedReplayAttacks).
    csms_calls: u32,
    /// Frames taken from the charge point but not yet looked at.
    held: Vec<Frame>,
}

impl Harness {
    /// A charge point with `connectors` connectors and the shipped config patched by `patch`.
    pub fn new(patch: Value, connectors: u32) -> Harness {
        Harness::with_store(patch, connectors, MemoryStore::default(), &[])
    }

    /// Same, over a given store, with the stored transactions of `resumed` going on.
    pub fn with_store(
        patch: Value,
        connectors: u32,
        store: MemoryStore,
        resumed: &[u32],
    ) -> Harness {
        let mut patch = patch;
        merge_patch::apply(
            &mut patch,
            &json!({"Core": {"NumberOfConnectors": connectors,
                "ConnectorPhaseRotation": "0.RST"}}),
        );
        let now = Now {
            instant: Instant::now(),
            utc: DateTime::parse(T0).unwrap(),
        };
        let cp = ChargePoint::with_resumed_transactions(
            config(patch),
            Box::new(store),
            connectors,
            resumed,
            now,
        );
        Harness {
            cp,
            now,
            csms_calls: 0,
            held: Vec::new(),
        }
    }

    /// Station time plus `secs`, as the wire shows it (with no clock offset).
    pub fn at(&self, secs: i64) -> String {
        DateTime::from_unix_millis(DateTime::parse(T0).unwrap().unix_millis() + secs * 1000)
            .unwrap()
            .to_string()
    }

    /// Lets `secs` seconds pass, firing the timers at the end.
    pub fn advance(&mut self, secs: u64) {
        let d = Duration::from_secs(secs);
        self.now.instant += d;
        self.now.utc =
            DateTime::from_unix_millis(self.now.utc.unix_millis() + d.as_millis() as i64).unwrap();
        self.cp.handle_timeout(self.now);
        if let Some(deadline) = self.cp.poll_timeout() {
            assert!(
                deadline > self.now.instant,
                "a deadline already past: the driver would spin"
            );
        }
    }

    pub fn connect(&mut self) {
        self.cp.handle_connected(self.now);
    }

    pub fn disconnect(&mut self) {
        self.cp.handle_disconnected(self.now);
    }

    pub fn event(&mut self, event: StationEvent) {
        self.cp.handle_station_event(event, self.now);
    }

    /// Every frame the charge point has to send now.
    pub fn frames(&mut self) -> Vec<Frame> {
        let mut out = std::mem::take(&mut self.held);
        while let Some(text) = self.cp.poll_transmit(self.now) {
            let v: Value = serde_json::from_str(&text).unwrap();
            let id = v[1].as_str().unwrap().to_string();
            out.push(match v[0].as_u64().unwrap() {
                2 => Frame::Call {
                    id,
                    action: v[2].as_str().unwrap().to_string(),
                    payload: v[3].clone(),
                },
                3 => Frame::Result {
                    id,
                    payload: v[2].clone(),
                },
                _ => Frame::Error {
                    id,
                    code: v[2].as_str().unwrap().to_string(),
                },
            });
        }
        out
    }

    /// The one CALL sent now (panics if there is not exactly one frame).
    pub fn call(&mut self) -> (String, String, Value) {
        let frames = self.frames();
        match frames.as_slice() {
            [Frame::Call {
                id,
                action,
                payload,
            }] => (id.clone(), action.clone(), payload.clone()),
            other => panic!("expected one CALL, got {other:?}"),
        }
    }

    /// Nothing to send.
    pub fn assert_silent(&mut self) {
        assert_eq!(self.frames(), vec![]);
    }

    /// Answers the charge point's CALL `id`.
    pub fn answer(&mut self, id: &str, payload: Value) {
        let text = json!([3, id, payload]).to_string();
        self.cp.handle_frame(&text, self.now);
    }

    /// Answers the charge point's CALL `id` with a CALLERROR.
    pub fn answer_error(&mut self, id: &str) {
        let text = json!([4, id, "InternalError", "boom", {}]).to_string();
        self.cp.handle_frame(&text, self.now);
    }

    /// Sends a CALL of the central system (its id: [`Harness::csms_id`]) and returns the
    /// charge point's answer frames.
    pub fn csms_call(&mut self, action: &str, payload: Value) -> Vec<Frame> {
        self.csms_calls += 1;
        let text = json!([2, self.csms_id(), action, payload]).to_string();
        self.cp.handle_frame(&text, self.now);
        self.frames()
    }

    /// The id of the last CALL [`Harness::csms_call`] sent.
    pub fn csms_id(&self) -> String {
        format!("csms-{}", self.csms_calls)
    }

    /// Sends a CALL of the central system and returns the CALLRESULT payload; CALLs the
    /// charge point sends after it are kept for [`Harness::frames`].
    pub fn csms_call_ok(&mut self, action: &str, payload: Value) -> Value {
        let mut frames = self.csms_call(action, payload);
        let Some(index) = frames
            .iter()
            .position(|f| matches!(f, Frame::Result { .. }))
        else {
            panic!("expected a CALLRESULT, got {frames:?}");
        };
        let Frame::Result { payload, .. } = frames.remove(index) else {
            unreachable!()
        };
        self.held = frames;
        payload
    }

    /// Answers every CALL the charge point sends with a plain success, until it has nothing
    /// more to send, and returns them as (action, payload) in order. StartTransaction gets
    /// transactionId 42; BootNotification and Heartbeat the station's own time.
    pub fn pump(&mut self) -> Vec<(String, Value)> {
        let mut sent = Vec::new();
        loop {
            let frames = self.frames();
            if frames.is_empty() {
                return sent;
            }
            for frame in frames {
                let Frame::Call {
                    id,
                    action,
                    payload,
                } = frame
                else {
                    panic!("unexpected answer frame {frame:?}");
                };
                let answer = match action.as_str() {
                    // The central system's clock is the station's: no correction.
                    "BootNotification" => {
                        json!({"status": "Accepted", "currentTime": self.now.utc.to_string(),
                               "interval": 300})
                    }
                    "Heartbeat" => json!({"currentTime": self.now.utc.to_string()}),
                    "Authorize" => json!({"idTagInfo": {"status": "Accepted"}}),
                    "StartTransaction" => {
                        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 42})
                    }
                    _ => json!({}),
                };
                self.answer(&id, answer);
                sent.push((action, payload));
            }
        }
    }

    /// [`Harness::pump`] without the Heartbeats.
    pub fn pump_no_heartbeats(&mut self) -> Vec<(String, Value)> {
        let mut sent = self.pump();
        sent.retain(|(action, _)| action != "Heartbeat");
        sent
    }

    /// Connects and registers (Accepted, HeartbeatInterval 300), answering the initial
    /// StatusNotifications.
    pub fn registered(patch: Value, connectors: u32) -> Harness {
        let mut h = Harness::new(patch, connectors);
        h.connect();
        let sent = h.pump();
        assert_eq!(sent[0].0, "BootNotification");
        assert_eq!(sent.len(), connectors as usize + 2);
        h
    }

    /// The commands the station must carry out now.
    pub fn commands(&mut self) -> Vec<StationCommand> {
        std::iter::from_fn(|| self.cp.poll_command()).collect()
    }

    /// A StatusNotification payload as sent at station time + `secs`.
    pub fn status(&self, connector: u32, status: &str, secs: i64) -> (String, Value) {
        (
            "StatusNotification".to_string(),
            json!({"connectorId": connector, "errorCode": "NoError", "status": status,
                   "timestamp": self.at(secs)}),
        )
    }

    /// The queued transaction messages in the store, as (action, payload).
    pub fn stored_messages(&self) -> Vec<(String, Value)> {
        self.cp
            .store()
            .messages()
            .unwrap()
            .into_iter()
            .map(|m| (m.action.to_string(), m.payload))
            .collect()
    }
}

#[test]
fn the_core_can_move_to_the_driver_task() {
    fn assert_send<T: Send>() {}
    assert_send::<ChargePoint>();
}
