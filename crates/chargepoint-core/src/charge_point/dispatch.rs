//! Routing of what ocpp-rpc reports: the central system's CALLs to their handlers (one per
//! action, `on_<action>`), answers to the charge point's CALLs back to whoever sent them, and
//! the answers themselves ([`ChargePoint::respond`], NotSupported for actions not handled yet).

use ocpp_rpc::{CallErrorCode, CallErrorInfo, Event, MessageId};
use ocpp_types::core::RegistrationStatus;
use ocpp_types::{Action, AnyRequest, AnyResponse};

use super::message_queue::{Purpose, Sent};
use super::remote_control;
use super::{ChargePoint, Now};

impl ChargePoint {
    /// Handles every event ocpp-rpc has.
    pub(crate) fn process_rpc_events(&mut self, now: Now) {
        self.process_peer_faults(now);
        while let Some(event) = self.rpc.poll_event() {
            match event {
                Event::Call { id, request } => self.on_call(id, request, now),
                Event::Response { id, result, .. } => self.on_response(&id, result, now),
                Event::Timeout { id, action, .. } => {
                    self.queue.mark_timed_out(&id);
                    let error = CallErrorInfo {
                        code: CallErrorCode::GenericError,
                        description: format!("no answer to {action}"),
                        details: serde_json::json!({}),
                    };
                    self.on_response(&id, Err(error), now)
                }
                Event::Cancelled { .. } => {}
            }
        }
        // A restart after a firmware update waits for its notification to be answered.
        self.continue_firmware_restart(now);
    }

    fn on_response(
        &mut self,
        id: &MessageId,
        result: Result<AnyResponse, CallErrorInfo>,
        now: Now,
    ) {
        let Some(sent) = self.queue.take_in_flight(id) else {
            tracing::warn!(%id, "answer to a CALL the queue does not know; ignored");
            return;
        };
        match sent {
            Sent::Normal(purpose) => self.on_normal_response(purpose, result, now),
            Sent::Transaction(message) => {
                if let Ok(response) = &result {
                    // The durable delete is the answer's first effect, before anything it leads
                    // to (the cache, a stop, new messages; a StartTransaction's id is written
                    // with it): a power loss after the CSMS answered sends the message again
                    // only if it comes before this one write (docs/core/delivery-guarantees.md).
                    self.forget_answered(&message, response);
                }
                self.on_transaction_response(message, result, now)
            }
        }
    }

    fn on_normal_response(
        &mut self,
        purpose: Purpose,
        result: Result<AnyResponse, CallErrorInfo>,
        now: Now,
    ) {
        match (purpose, result) {
            (Purpose::BootNotification, Ok(AnyResponse::BootNotification(response))) => {
                self.on_boot_notification_response(response, now)
            }
            (Purpose::BootNotification, Err(error)) => self.on_boot_notification_failed(error, now),
            (Purpose::Heartbeat, Ok(AnyResponse::Heartbeat(response))) => {
                self.on_heartbeat_response(response, now)
            }
            (Purpose::Authorize(asked), Ok(AnyResponse::Authorize(response))) => {
                self.on_authorize_response(asked, Some(response.id_tag_info), now)
            }
            (Purpose::Authorize(asked), Err(error)) => {
                tracing::warn!(%error, "Authorize failed; the identifier is not accepted");
                self.on_authorize_response(asked, None, now)
            }
            (Purpose::DataTransfer(request_id), Ok(AnyResponse::DataTransfer(response))) => {
                self.data_transfer_result(request_id, Some(response))
            }
            (Purpose::DataTransfer(request_id), result) => {
                tracing::warn!(request_id, ?result, "DataTransfer got no answer");
                self.data_transfer_result(request_id, None)
            }
            (Purpose::SignCertificate, result) => self.on_sign_certificate_response(result, now),
            (Purpose::Pnc(purpose), result) => self.on_pnc_response(purpose, result, now),
            (Purpose::StatusNotification | Purpose::Triggered, Ok(_)) => {}
            (purpose, Ok(response)) => {
                tracing::warn!(?purpose, action = %response.action(), "unexpected answer ignored")
            }
            (purpose, Err(error)) => tracing::warn!(?purpose, %error, "CALL failed"),
        }
    }

    /// A non-transactional message was dropped with the connection.
    #[inline(never)]
    pub(crate) fn on_dropped(&mut self, purpose: Purpose, now: Now) {
        match purpose {
            Purpose::Authorize(asked) => self.on_authorize_response(asked, None, now),
            Purpose::BootNotification => self.registration.boot_queued = false,
            Purpose::DataTransfer(request_id) => self.data_transfer_result(request_id, None),
            Purpose::SignCertificate => self.on_sign_certificate_dropped(),
            Purpose::Pnc(purpose) => self.on_pnc_dropped(purpose, now),
            _ => {}
        }
    }

    /// A CALL of the central system, answered as the registration state allows, as libocpp's
    /// `ChargePointImpl::message_callback`: before the first BootNotification.conf (state
    /// Connected) and while Rejected a CALL is left unanswered, not even a CALLERROR ("we dont
    /// want to reply to this message"); while Pending RemoteStart/RemoteStopTransaction are
    /// Rejected and every other CALL is handled as when Accepted (GetConfiguration,
    /// ChangeConfiguration, TriggerMessage, ChangeAvailability, Reset, DataTransfer, ...).
    ///
    /// Every handler called here (and from [`Self::on_normal_response`] and
    /// `handle_station_event`) is `#[inline(never)]`: inlined, the dispatch was one 72 kB
    /// function, all of it resident in a station that only ever runs a few of its arms
    /// (docs/performance.md, "Sixth pass").
    fn on_call(&mut self, id: MessageId, request: AnyRequest, now: Now) {
        let action = request.action();
        match self.registration.status {
            None | Some(RegistrationStatus::Rejected) => {
                tracing::warn!(%id, %action, registration = ?self.registration.status,
                    "CALL left unanswered: not registered");
                return;
            }
            Some(RegistrationStatus::Pending) => {
                if let Some(response) = remote_control::rejected_while_pending(&request) {
                    return self.respond(&id, response);
                }
            }
            Some(RegistrationStatus::Accepted) => {}
        }
        match request {
            AnyRequest::ChangeAvailability(r) => self.on_change_availability(&id, &r, now),
            AnyRequest::GetConfiguration(r) => self.on_get_configuration(&id, &r),
            AnyRequest::ChangeConfiguration(r) => self.on_change_configuration(&id, &r, now),
            AnyRequest::RemoteStartTransaction(r) => self.on_remote_start_transaction(&id, r, now),
            AnyRequest::RemoteStopTransaction(r) => self.on_remote_stop_transaction(&id, &r),
            AnyRequest::Reset(r) => self.on_reset(&id, &r, now),
            AnyRequest::DataTransfer(r) => self.on_data_transfer(&id, r, now),
            AnyRequest::TriggerMessage(r) => self.on_trigger_message(&id, &r, now),
            AnyRequest::ExtendedTriggerMessage(r) => self.on_extended_trigger_message(&id, &r, now),
            AnyRequest::UnlockConnector(r) => self.on_unlock_connector(&id, &r),
            AnyRequest::ClearCache(_) => self.on_clear_cache(&id),
            AnyRequest::SendLocalList(r) => self.on_send_local_list(&id, &r),
            AnyRequest::GetLocalListVersion(_) => self.on_get_local_list_version(&id),
            AnyRequest::ReserveNow(r) => self.on_reserve_now(&id, &r, now),
            AnyRequest::CancelReservation(r) => self.on_cancel_reservation(&id, &r, now),
            AnyRequest::SetChargingProfile(r) => self.on_set_charging_profile(&id, r, now),
            AnyRequest::ClearChargingProfile(r) => self.on_clear_charging_profile(&id, &r, now),
            AnyRequest::GetCompositeSchedule(r) => self.on_get_composite_schedule(&id, &r, now),
            AnyRequest::UpdateFirmware(r) => self.on_update_firmware(&id, r, now),
            AnyRequest::SignedUpdateFirmware(r) => self.on_signed_update_firmware(&id, r, now),
            AnyRequest::GetDiagnostics(r) => self.on_get_diagnostics(&id, r, now),
            AnyRequest::GetLog(r) => self.on_get_log(&id, r, now),
            AnyRequest::InstallCertificate(r) => self.on_install_certificate(&id, &r, now),
            AnyRequest::GetInstalledCertificateIds(r) => {
                self.on_get_installed_certificate_ids(&id, &r)
            }
            AnyRequest::DeleteCertificate(r) => self.on_delete_certificate(&id, &r),
            AnyRequest::CertificateSigned(r) => self.on_certificate_signed(&id, &r, now),
            other => self.respond_not_supported(&id, other.action()),
        }
    }

    /// Answers the central system's CALL `id`.
    pub(crate) fn respond(&mut self, id: &MessageId, response: AnyResponse) {
        if let Err(e) = self.rpc.respond(id, response) {
            tracing::error!(%id, error = %e, "answer not sent");
        }
    }

    /// Answers the central system's CALL `id` with a CALLERROR.
    pub(crate) fn respond_error(&mut self, id: &MessageId, code: CallErrorCode, description: &str) {
        if let Err(e) = self.rpc.respond_error(id, code, description) {
            tracing::error!(%id, error = %e, "CALLERROR not sent");
        }
    }

    /// A known action this station does not support yet: NotSupported ("recognized but not
    /// supported"), never a pretended success.
    #[inline(never)]
    pub(super) fn respond_not_supported(&mut self, id: &MessageId, action: Action) {
        tracing::info!(%id, %action, "action not supported yet");
        let description = format!("{action} is not supported by this charge point yet");
        self.respond_error(id, CallErrorCode::NotSupported, &description);
    }
}
