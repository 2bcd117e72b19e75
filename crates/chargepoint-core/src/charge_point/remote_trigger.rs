//! TriggerMessage (OCPP 1.6 §5.17), as libocpp's `ChargePointImpl::handleTriggerMessageRequest`:
//! Accepted for every message it can send, Rejected for a connectorId outside
//! 0..=NumberOfConnectors (whatever the message) and for MeterValues when the connector given
//! (or, without one, every connector) has no reading yet; the message follows the answer and,
//! like libocpp's triggered messages, may go out while registration is Pending. libocpp never
//! answers NotImplemented in 1.6: it implements all six MessageTriggers, and a requestedMessage
//! outside them does not decode (a CALLERROR, as libocpp's EnumConversionException), so neither
//! does this core.
//!
//! - StatusNotification / MeterValues: for the connector given, or for every connector (0
//!   included) without one. A triggered MeterValues has context Trigger and the measurands of
//!   MeterValuesSampledData; on a connector with a transaction it carries the transactionId and
//!   goes through the transaction queue, otherwise it is an ordinary message.
//! - DiagnosticsStatusNotification / FirmwareStatusNotification: the current status, as
//!   libocpp's diagnostics_status / firmware_status (Idle when nothing runs; see
//!   `diagnostics.rs` and `firmware.rs`).

use ocpp_rpc::MessageId;
use ocpp_types::core::MeterValuesRequest;
use ocpp_types::firmware::{
    DiagnosticsStatusNotificationRequest, FirmwareStatusNotificationRequest,
};
use ocpp_types::meter::ReadingContext;
use ocpp_types::remote_trigger::{
    MessageTrigger, TriggerMessageRequest, TriggerMessageResponse, TriggerMessageStatus,
};
use ocpp_types::{Action, AnyResponse, NonEmptyVec};

use super::message_queue::Purpose;
use super::meter_values::sample;
use super::{ChargePoint, Now};

impl ChargePoint {
    /// TriggerMessage.req.
    #[inline(never)]
    pub(crate) fn on_trigger_message(
        &mut self,
        id: &MessageId,
        request: &TriggerMessageRequest,
        now: Now,
    ) {
        let connectors = self.trigger_connectors(request.connector_id);
        let possible = match request.requested_message {
            MessageTrigger::MeterValues => self.any_reading(&connectors),
            _ => !connectors.is_empty(),
        };
        let status = if possible {
            TriggerMessageStatus::Accepted
        } else {
            TriggerMessageStatus::Rejected
        };
        tracing::info!(message = ?request.requested_message, connector = ?request.connector_id, ?status, "TriggerMessage");
        self.respond(
            id,
            AnyResponse::TriggerMessage(TriggerMessageResponse { status }),
        );
        if !possible {
            return;
        }
        match request.requested_message {
            MessageTrigger::BootNotification => self.queue_boot_notification(now),
            MessageTrigger::Heartbeat => self.trigger_heartbeat(),
            MessageTrigger::StatusNotification => {
                for c in connectors {
                    self.queue_status_notification(c, now, true);
                }
            }
            MessageTrigger::MeterValues => {
                for c in connectors {
                    self.trigger_meter_values(c, now);
                }
            }
            MessageTrigger::DiagnosticsStatusNotification => {
                let request = DiagnosticsStatusNotificationRequest {
                    status: self.diagnostics.status(),
                };
                self.queue.push_triggered(
                    Action::DiagnosticsStatusNotification,
                    ocpp_types::encode(&request),
                    Purpose::Triggered,
                );
            }
            MessageTrigger::FirmwareStatusNotification => {
                let request = FirmwareStatusNotificationRequest {
                    status: self.firmware.status(),
                };
                self.queue.push_triggered(
                    Action::FirmwareStatusNotification,
                    ocpp_types::encode(&request),
                    Purpose::Triggered,
                );
            }
        }
    }

    /// The connectors a trigger is about: the one given, or every one (0 included) without
    /// one; none for a connectorId outside 0..=NumberOfConnectors (the trigger is Rejected).
    pub(crate) fn trigger_connectors(&self, connector_id: Option<i32>) -> Vec<u32> {
        match connector_id.map(u32::try_from) {
            None => (0..=self.number_of_connectors()).collect(),
            Some(Ok(c)) if c <= self.number_of_connectors() => vec![c],
            Some(_) => Vec::new(),
        }
    }

    /// Whether one of `connectors` has a meter reading to send.
    pub(crate) fn any_reading(&self, connectors: &[u32]) -> bool {
        connectors.iter().any(|c| {
            self.connectors
                .get(*c as usize)
                .is_some_and(|c| c.reading.is_some())
        })
    }

    /// A Heartbeat for a trigger.
    pub(crate) fn trigger_heartbeat(&mut self) {
        self.queue
            .push_triggered(Action::Heartbeat, serde_json::json!({}), Purpose::Heartbeat);
    }

    /// A MeterValues of connector `id` for a TriggerMessage, if it has a reading.
    pub(crate) fn trigger_meter_values(&mut self, id: u32, now: Now) {
        let timestamp = self.clock(now);
        let Some(connector) = self.connectors.get(id as usize) else {
            return;
        };
        let measurands = &self.config.core().meter_values_sampled_data;
        let Some(value) = connector
            .reading
            .as_ref()
            .and_then(|r| sample(r, measurands, ReadingContext::Trigger, timestamp))
        else {
            return;
        };
        let transaction_id = connector
            .transaction
            .as_ref()
            .map(|t| (t.record.transaction_id, t.record.placeholder_id))
            .and_then(|(known, placeholder)| self.wire_id(known, placeholder));
        let request = MeterValuesRequest {
            connector_id: id as i32,
            transaction_id,
            meter_value: NonEmptyVec::one(value),
        };
        let payload = ocpp_types::encode(&request);
        if transaction_id.is_some() {
            self.queue
                .push_transaction(self.store.as_mut(), Action::MeterValues, payload, None);
        } else {
            self.queue
                .push_triggered(Action::MeterValues, payload, Purpose::Triggered);
        }
    }
}
