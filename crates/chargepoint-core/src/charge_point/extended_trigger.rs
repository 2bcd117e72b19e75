//! ExtendedTriggerMessage (OCPP 1.6 Security whitepaper edition 2, §5.5 / §5.6, use case F06),
//! as libocpp's `ChargePointImpl::handleExtendedTriggerMessageRequest`: the answer first, then
//! the message asked for, which (like every triggered message, `remote_trigger.rs`) may go out
//! while registration is Pending. The messages TriggerMessage also sends are made by the same
//! code (`remote_trigger.rs`, `connector_status.rs`, `registration.rs`).
//!
//! | requestedMessage | answer | sent after the answer |
//! |---|---|---|
//! | BootNotification | Accepted | BootNotification |
//! | Heartbeat | Accepted | Heartbeat |
//! | StatusNotification | Accepted | StatusNotification of the connector given, or of every connector (0 included) |
//! | MeterValues | Accepted when the connector given (without one: any connector) has a reading; Rejected otherwise | MeterValues with context Trigger of each connector with a reading |
//! | LogStatusNotification | Accepted | LogStatusNotification: the status of the GetLog upload under way with its requestId, or Idle without requestId |
//! | FirmwareStatusNotification | Accepted | SignedFirmwareStatusNotification (not 1.6's FirmwareStatusNotification): the last status of the signed update under way with its requestId, Idle without requestId when none runs (`signed_firmware.rs`) |
//! | SignChargePointCertificate | Rejected: see below | nothing |
//!
//! A connectorId outside 0..=NumberOfConnectors is Rejected whatever the message, as libocpp.
//! The whitepaper asks for connectorId > 0 when one is given; libocpp takes 0 (the station) as
//! TriggerMessage does, and so does this core.
//!
//! Where this differs from libocpp, and why:
//! - MeterValues without a reading: libocpp answers Accepted and sends nothing (it only warns
//!   "Could not send triggered meter value"); the whitepaper's Rejected means "the requested
//!   notification will not be sent", so that is the answer here, as libocpp's own
//!   TriggerMessage answers (`handleTriggerMessageRequest` checks the measurement first).
//! - MeterValues without connectorId: libocpp's ExtendedTriggerMessage samples connector 0
//!   only (`connectorId.value_or(0)`), its TriggerMessage every connector; the whitepaper says
//!   connectorId is "only filled in when [the] request applies to a specific connector", so
//!   without one it applies to all, as TriggerMessage here.
//! - LogStatusNotification while no upload runs: libocpp sends Idle with the requestId of the
//!   last upload; the whitepaper (and OCPP 2.0.1 N01, whose message this is) leaves requestId
//!   out exactly when a trigger finds no upload in progress, so Idle goes without one here.
//!
//! SignChargePointCertificate asks for a SignCertificate.req with a new CSR. libocpp answers
//! Accepted only when CpoName is set (the CSR's organization; Rejected without it) and then
//! asks its EvseSecurity for the CSR; here a certificate store must be connected too (without
//! one no key can be made: Rejected, the whitepaper's "will not be sent"). After the answer the
//! SignCertificate.req goes (`sign_certificate.rs`), replacing a series under way.

use ocpp_rpc::MessageId;
use ocpp_types::remote_trigger::TriggerMessageStatus;
use ocpp_types::security::{
    ExtendedMessageTrigger, ExtendedTriggerMessageRequest, ExtendedTriggerMessageResponse,
    LogStatusNotificationRequest, SignedFirmwareStatusNotificationRequest,
};
use ocpp_types::{Action, AnyResponse};

use super::message_queue::Purpose;
use super::{ChargePoint, Now};

impl ChargePoint {
    /// ExtendedTriggerMessage.req (see the [module docs](self)).
    #[inline(never)]
    pub(crate) fn on_extended_trigger_message(
        &mut self,
        id: &MessageId,
        request: &ExtendedTriggerMessageRequest,
        now: Now,
    ) {
        let requested = request.requested_message;
        let connectors = self.trigger_connectors(request.connector_id);
        let possible = !connectors.is_empty()
            && match requested {
                ExtendedMessageTrigger::MeterValues => self.any_reading(&connectors),
                ExtendedMessageTrigger::SignChargePointCertificate => self.can_sign_certificate(),
                _ => true,
            };
        let status = if possible {
            TriggerMessageStatus::Accepted
        } else {
            TriggerMessageStatus::Rejected
        };
        tracing::info!(message = ?requested, connector = ?request.connector_id, ?status, "ExtendedTriggerMessage");
        self.respond(
            id,
            AnyResponse::ExtendedTriggerMessage(ExtendedTriggerMessageResponse { status }),
        );
        if !possible {
            return;
        }
        match requested {
            ExtendedMessageTrigger::BootNotification => self.queue_boot_notification(now),
            ExtendedMessageTrigger::Heartbeat => self.trigger_heartbeat(),
            ExtendedMessageTrigger::StatusNotification => {
                for c in connectors {
                    self.queue_status_notification(c, now, true);
                }
            }
            ExtendedMessageTrigger::MeterValues => {
                for c in connectors {
                    self.trigger_meter_values(c, now);
                }
            }
            ExtendedMessageTrigger::LogStatusNotification => {
                let (status, request_id) = self.log_upload_status();
                let request = LogStatusNotificationRequest { status, request_id };
                self.queue.push_triggered(
                    Action::LogStatusNotification,
                    ocpp_types::encode(&request),
                    Purpose::Triggered,
                );
            }
            ExtendedMessageTrigger::FirmwareStatusNotification => {
                let (status, request_id) = self.signed_firmware_status();
                let request = SignedFirmwareStatusNotificationRequest { status, request_id };
                self.queue.push_triggered(
                    Action::SignedFirmwareStatusNotification,
                    ocpp_types::encode(&request),
                    Purpose::Triggered,
                );
            }
            ExtendedMessageTrigger::SignChargePointCertificate => {
                self.start_certificate_signing(true, now)
            }
        }
    }
}
