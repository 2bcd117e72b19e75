//! One handler per charge-point action, as mobilityhouse's `ocpp` names them
//! (`on_boot_notification`, `on_start_transaction`, ...): each records what came in the
//! [`State`], prints one readable line through `tracing`, and returns the answer.
//!
//! Handlers are plain functions of a [`Ctx`] and the decoded request: no I/O, no clock of their
//! own (the time is in the context), so they are unit-tested without sockets.

mod core;
mod notifications;
mod pnc;

use ocpp_types::{AnyRequest, AnyResponse, CallErrorCode, DateTime};

use crate::options::CsmsOptions;
use crate::state::State;
use crate::store::Store;

pub(crate) use self::core::*;
pub(crate) use self::notifications::*;

/// What a handler sees: who is calling, the settings, the state, and the time.
pub(crate) struct Ctx<'a> {
    /// The calling charge point's id.
    pub cp: &'a str,
    /// The CSMS settings (tags, BootNotification answer).
    pub options: &'a CsmsOptions,
    /// The recorded state, locked for the duration of the handler.
    pub state: &'a mut State,
    /// The database, where what must outlive a restart is written through.
    pub store: &'a mut Store,
    /// Now, as the CSMS's clock says.
    pub now: DateTime,
}

/// Answers one CALL of a charge point. The error is the CALLERROR to send instead.
pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    request: AnyRequest,
) -> Result<AnyResponse, (CallErrorCode, String)> {
    warn_if_not_accepted(ctx, &request);
    Ok(match request {
        AnyRequest::BootNotification(r) => {
            AnyResponse::BootNotification(on_boot_notification(ctx, r))
        }
        AnyRequest::Heartbeat(r) => AnyResponse::Heartbeat(on_heartbeat(ctx, r)),
        AnyRequest::Authorize(r) => AnyResponse::Authorize(on_authorize(ctx, r)),
        AnyRequest::StartTransaction(r) => {
            AnyResponse::StartTransaction(on_start_transaction(ctx, r))
        }
        AnyRequest::StopTransaction(r) => AnyResponse::StopTransaction(on_stop_transaction(ctx, r)),
        AnyRequest::MeterValues(r) => AnyResponse::MeterValues(on_meter_values(ctx, r)),
        AnyRequest::StatusNotification(r) => {
            AnyResponse::StatusNotification(on_status_notification(ctx, r))
        }
        AnyRequest::DataTransfer(r) => AnyResponse::DataTransfer(
            pnc::on_pnc_authorize(ctx, &r)
                .or_else(|| pnc::on_get_15118_ev_certificate(ctx, &r))
                .unwrap_or_else(|| on_data_transfer(ctx, r)),
        ),
        AnyRequest::DiagnosticsStatusNotification(r) => {
            AnyResponse::DiagnosticsStatusNotification(on_diagnostics_status_notification(ctx, r))
        }
        AnyRequest::FirmwareStatusNotification(r) => {
            AnyResponse::FirmwareStatusNotification(on_firmware_status_notification(ctx, r))
        }
        AnyRequest::SignedFirmwareStatusNotification(r) => {
            AnyResponse::SignedFirmwareStatusNotification(on_signed_firmware_status_notification(
                ctx, r,
            ))
        }
        AnyRequest::LogStatusNotification(r) => {
            AnyResponse::LogStatusNotification(on_log_status_notification(ctx, r))
        }
        AnyRequest::SecurityEventNotification(r) => {
            AnyResponse::SecurityEventNotification(on_security_event_notification(ctx, r))
        }
        AnyRequest::SignCertificate(r) => AnyResponse::SignCertificate(on_sign_certificate(ctx, r)),
        // ocpp-rpc answers CALLs a charge point never sends with NotSupported before they get
        // here; this arm only keeps the match total.
        other => {
            let action = other.action();
            tracing::warn!("{} → {action}: not a charge-point action", ctx.cp);
            return Err((
                CallErrorCode::NotSupported,
                format!("{action} is not sent by a charge point"),
            ));
        }
    })
}

/// OCPP 1.6 §4.2: until accepted, a charge point sends nothing but BootNotification (and,
/// while Pending, what the CSMS triggers). The dev CSMS answers anyway and says so.
fn warn_if_not_accepted(ctx: &Ctx<'_>, request: &AnyRequest) {
    if matches!(request, AnyRequest::BootNotification(_)) {
        return;
    }
    let registration = ctx
        .state
        .charge_points
        .get(ctx.cp)
        .and_then(|cp| cp.registration);
    if registration != Some(ocpp_types::core::RegistrationStatus::Accepted) {
        tracing::warn!(
            "{} sends {} while its registration is {registration:?}",
            ctx.cp,
            request.action()
        );
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;

    /// A context for charge point `cp001` at a fixed time.
    pub(crate) fn with_ctx<R>(
        options: &CsmsOptions,
        state: &mut State,
        f: impl FnOnce(&mut Ctx<'_>) -> R,
    ) -> R {
        let now = DateTime::from_unix_millis(1_795_000_000_000)
            .unwrap_or_else(|| DateTime::from_utc(chrono::Utc::now()));
        let mut store = match Store::open(None) {
            Ok(store) => store,
            Err(e) => panic!("{e}"),
        };
        let mut ctx = Ctx {
            cp: "cp001",
            options,
            state,
            store: &mut store,
            now,
        };
        f(&mut ctx)
    }

    /// Decodes a request payload written as JSON text.
    pub(crate) fn req<T: serde::de::DeserializeOwned>(json: &str) -> T {
        match ocpp_types::decode_str(json) {
            Ok(v) => v,
            Err(e) => panic!("{json}: {e}"),
        }
    }
}
