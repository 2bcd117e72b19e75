//! The status reports of the FirmwareManagement profile and the Security whitepaper: accepted,
//! recorded with the charge point and printed. SignCertificate is refused: the dev CSMS has no
//! CA to sign with.

use ocpp_types::firmware::{
    DiagnosticsStatusNotificationRequest, DiagnosticsStatusNotificationResponse,
    FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse,
};
use ocpp_types::security::{
    GenericStatus, LogStatusNotificationRequest, LogStatusNotificationResponse,
    SecurityEventNotificationRequest, SecurityEventNotificationResponse, SignCertificateRequest,
    SignCertificateResponse, SignedFirmwareStatusNotificationRequest,
    SignedFirmwareStatusNotificationResponse,
};

use super::Ctx;
use crate::state::Notification;

fn record(ctx: &mut Ctx<'_>, notification: Notification) {
    ctx.state
        .charge_point_mut(ctx.cp)
        .notifications
        .push(notification);
}

fn request_id(id: Option<i32>) -> String {
    id.map(|id| format!(" requestId {id}")).unwrap_or_default()
}

/// DiagnosticsStatusNotification: recorded.
pub(crate) fn on_diagnostics_status_notification(
    ctx: &mut Ctx<'_>,
    request: DiagnosticsStatusNotificationRequest,
) -> DiagnosticsStatusNotificationResponse {
    tracing::info!(
        "{} → DiagnosticsStatusNotification {:?}",
        ctx.cp,
        request.status
    );
    record(ctx, Notification::DiagnosticsStatus(request));
    DiagnosticsStatusNotificationResponse {}
}

/// FirmwareStatusNotification: recorded.
pub(crate) fn on_firmware_status_notification(
    ctx: &mut Ctx<'_>,
    request: FirmwareStatusNotificationRequest,
) -> FirmwareStatusNotificationResponse {
    tracing::info!(
        "{} → FirmwareStatusNotification {:?}",
        ctx.cp,
        request.status
    );
    record(ctx, Notification::FirmwareStatus(request));
    FirmwareStatusNotificationResponse {}
}

/// SignedFirmwareStatusNotification: recorded.
pub(crate) fn on_signed_firmware_status_notification(
    ctx: &mut Ctx<'_>,
    request: SignedFirmwareStatusNotificationRequest,
) -> SignedFirmwareStatusNotificationResponse {
    tracing::info!(
        "{} → SignedFirmwareStatusNotification {:?}{}",
        ctx.cp,
        request.status,
        request_id(request.request_id)
    );
    record(ctx, Notification::SignedFirmwareStatus(request));
    SignedFirmwareStatusNotificationResponse {}
}

/// LogStatusNotification: recorded.
pub(crate) fn on_log_status_notification(
    ctx: &mut Ctx<'_>,
    request: LogStatusNotificationRequest,
) -> LogStatusNotificationResponse {
    tracing::info!(
        "{} → LogStatusNotification {:?}{}",
        ctx.cp,
        request.status,
        request_id(request.request_id)
    );
    record(ctx, Notification::LogStatus(request));
    LogStatusNotificationResponse {}
}

/// SecurityEventNotification: recorded.
pub(crate) fn on_security_event_notification(
    ctx: &mut Ctx<'_>,
    request: SecurityEventNotificationRequest,
) -> SecurityEventNotificationResponse {
    tracing::info!(
        "{} → SecurityEventNotification {} at {}{}",
        ctx.cp,
        request.kind,
        request.timestamp,
        request
            .tech_info
            .as_ref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default()
    );
    record(ctx, Notification::SecurityEvent(request));
    SecurityEventNotificationResponse {}
}

/// SignCertificate: recorded and Rejected (no CA here to sign the CSR with).
pub(crate) fn on_sign_certificate(
    ctx: &mut Ctx<'_>,
    request: SignCertificateRequest,
) -> SignCertificateResponse {
    tracing::info!(
        "{} → SignCertificate ({} byte CSR) ⇒ Rejected: the dev CSMS has no CA",
        ctx.cp,
        request.csr.as_str().len()
    );
    record(ctx, Notification::SignCertificate(request));
    SignCertificateResponse {
        status: GenericStatus::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::test_util::{req, with_ctx};
    use crate::options::CsmsOptions;
    use crate::state::State;

    #[test]
    fn notifications_are_recorded_in_order() {
        let options = CsmsOptions::default();
        let mut state = State::default();
        with_ctx(&options, &mut state, |ctx| {
            on_firmware_status_notification(ctx, req(r#"{"status":"Downloading"}"#));
            on_security_event_notification(
                ctx,
                req(r#"{"type":"StartupOfTheDevice","timestamp":"2026-11-24T07:00:00Z"}"#),
            );
            on_log_status_notification(ctx, req(r#"{"status":"Uploaded","requestId":3}"#));
            on_diagnostics_status_notification(ctx, req(r#"{"status":"Idle"}"#));
            on_signed_firmware_status_notification(
                ctx,
                req(r#"{"status":"Installed","requestId":4}"#),
            );
            let resp = on_sign_certificate(ctx, req(r#"{"csr":"-----BEGIN CSR-----"}"#));
            assert_eq!(resp.status, GenericStatus::Rejected);
        });
        let kinds: Vec<&str> = state.charge_points["cp001"]
            .notifications
            .iter()
            .map(|n| match n {
                Notification::FirmwareStatus(_) => "fw",
                Notification::SecurityEvent(_) => "sec",
                Notification::LogStatus(_) => "log",
                Notification::DiagnosticsStatus(_) => "diag",
                Notification::SignedFirmwareStatus(_) => "signed",
                Notification::SignCertificate(_) => "csr",
                Notification::DataTransfer(_) => "dt",
            })
            .collect();
        assert_eq!(kinds, ["fw", "sec", "log", "diag", "signed", "csr"]);
    }
}
