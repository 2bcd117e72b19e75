//! The security-event route (an extension of contract v1): EVerest's `security_event` command
//! of the OCPP module over HTTP. A simulated station has no enclosure switch and no memory to
//! run out of, so this is where TamperDetectionActivated, MemoryExhaustion (and any other type
//! of the Security whitepaper's list a test wants) come from.
//!
//! `POST /api/v1/security-events` with [`SecurityEventRequest`] (`{"type": ..., "tech_info":
//! ...}`) answers `{"ok": true}` once the event is in the security log and the state's
//! `security_events` shows it; a critical one is queued as SecurityEventNotification then
//! (sent once the CSMS accepted the BootNotification, kept in the database while offline).
//! A type outside the list or a tech_info over 255 characters is refused (400), so a typo does
//! not slip through as an event nobody recognises; EVerest takes any string.

use axum::extract::State;
use axum::response::Response;
use chargepoint::charge_point::security_events::ALL;

use super::control::{Reply, SecurityEventRequest};
use super::routes::{body, carried_out, ApiError, Body, Shared};

/// The longest techInfo (the whitepaper's string[255]).
const TECH_INFO_MAX: usize = 255;

/// `POST /api/v1/security-events`.
pub async fn raise(State(api): Shared, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let request: SecurityEventRequest = body(raw, false)?;
        if !ALL.contains(&request.kind.as_str()) {
            return Err(ApiError::bad(format!(
                "type: '{}' is not a security event of the Security whitepaper (known: {})",
                request.kind,
                ALL.join(", ")
            )));
        }
        let len = request
            .tech_info
            .as_deref()
            .map_or(0, |t| t.chars().count());
        if len > TECH_INFO_MAX {
            return Err(ApiError::bad(format!(
                "tech_info: at most {TECH_INFO_MAX} characters, found {len}"
            )));
        }
        Ok(api.control.security_event(request))
    };
    carried_out(run()).await
}
