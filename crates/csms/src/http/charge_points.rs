//! The charge-point routes: the list, one charge point, its registration answer, the calls
//! sent to it and its message log.

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use ocpp_types::core::RegistrationStatus;
use ocpp_types::{Action, AnyRequest};
use serde::Deserialize;

use super::views::ChargePointView;
use super::{answer, body, to_json, ApiError, ApiState, Body};
use crate::error::CallError;
use crate::state::RegistrationAnswer;
use crate::updates::{CallOutcome, CallRecord};

/// The longest ChargePointId accepted in a path (SteVe's chargeBoxId is a VARCHAR(255)).
const ID_MAX: usize = 255;

/// `GET /api/v1/charge-points`: every charge point seen or configured, by id.
pub(crate) async fn list(State(api): ApiState) -> Response {
    let calls = api.shared.lock_calls();
    let state = api.shared.lock_state();
    let all: Vec<ChargePointView> = state
        .charge_points
        .values()
        .map(|cp| ChargePointView::new(&state, cp, calls.waiting(&cp.id)))
        .collect();
    to_json(&all)
}

/// The view of charge point `id`, or 404.
pub(crate) fn view(api: &super::Api, id: &str) -> Result<ChargePointView, ApiError> {
    let waiting = api.shared.lock_calls().waiting(id);
    let state = api.shared.lock_state();
    state
        .charge_points
        .get(id)
        .map(|cp| ChargePointView::new(&state, cp, waiting))
        .ok_or_else(|| unknown(id))
}

fn unknown(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no charge point '{id}' has connected or been configured"
    ))
}

/// `GET /api/v1/charge-points/{id}`.
pub(crate) async fn one(State(api): ApiState, Path(id): Path<String>) -> Response {
    answer(view(&api, &id).map(|v| to_json(&v)))
}

/// The body of `PUT /api/v1/charge-points/{id}/registration`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Registration {
    status: String,
    interval: i64,
}

/// A ChargePointId a route may create a record for: 1 to [`ID_MAX`] characters, no `/`, no
/// control characters, no surrounding white space.
fn valid_id(id: &str) -> Result<(), ApiError> {
    let len = id.chars().count();
    if !(1..=ID_MAX).contains(&len) {
        return Err(ApiError::bad(format!(
            "charge point id: must be 1 to {ID_MAX} characters, found {len}"
        )));
    }
    if id.chars().any(|c| c.is_control() || c == '/') || id.trim() != id {
        return Err(ApiError::bad(
            "charge point id: no '/', control characters or surrounding spaces",
        ));
    }
    Ok(())
}

/// `PUT /api/v1/charge-points/{id}/registration`: `{"status": "Accepted"|"Pending"|"Rejected",
/// "interval": seconds}` is what its BootNotification is answered from now on (a charge point
/// not seen yet is added to the list).
pub(crate) async fn set_registration(
    State(api): ApiState,
    Path(id): Path<String>,
    raw: Body,
) -> Response {
    let run = || -> Result<Response, ApiError> {
        valid_id(&id)?;
        let request: Registration = body(raw)?;
        let status = match request.status.as_str() {
            "Accepted" => RegistrationStatus::Accepted,
            "Pending" => RegistrationStatus::Pending,
            "Rejected" => RegistrationStatus::Rejected,
            other => {
                return Err(ApiError::bad(format!(
                    "status: '{other}' is not Accepted, Pending or Rejected"
                )))
            }
        };
        let interval = i32::try_from(request.interval)
            .ok()
            .filter(|i| *i >= 0)
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "interval: {} is not a number of seconds from 0 to {}",
                    request.interval,
                    i32::MAX
                ))
            })?;
        api.shared
            .set_registration_answer(&id, Some(RegistrationAnswer { status, interval }))
            .map_err(|e| ApiError::store(&e))?;
        view(&api, &id).map(|v| to_json(&v))
    };
    answer(run())
}

/// `DELETE /api/v1/charge-points/{id}/registration`: back to the CSMS's default answer.
pub(crate) async fn reset_registration(State(api): ApiState, Path(id): Path<String>) -> Response {
    let run = || -> Result<Response, ApiError> {
        view(&api, &id)?;
        api.shared
            .set_registration_answer(&id, None)
            .map_err(|e| ApiError::store(&e))?;
        view(&api, &id).map(|v| to_json(&v))
    };
    answer(run())
}

/// The body of `POST /api/v1/charge-points/{id}/calls`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallBody {
    action: String,
    payload: serde_json::Value,
}

/// The request of a call body: a CSMS-initiated action and a payload its schema accepts.
fn request_of(raw: Body) -> Result<AnyRequest, ApiError> {
    let call: CallBody = body(raw)?;
    let action: Action = call.action.parse().map_err(|_| {
        ApiError::bad(format!(
            "action: '{}' is not an OCPP 1.6 action",
            call.action
        ))
    })?;
    if !action.initiator().central_system_may_send() {
        return Err(ApiError::bad(format!(
            "action: {action} is sent by a charge point, not by a central system"
        )));
    }
    AnyRequest::decode(action, &call.payload).map_err(|e| {
        ApiError::bad(format!(
            "payload: {action} at {}: {} (a charge point would answer {})",
            e.path, e.message, e.code
        ))
    })
}

/// `POST /api/v1/charge-points/{id}/calls`: `{"action", "payload"}` sent as a CALL; answers
/// 200 with its outcome ([`CallOutcome`]) once it has one, 400 for an action or payload that
/// cannot be sent, 404 for a charge point that is not connected, 409 while another call to it
/// waits.
pub(crate) async fn call(State(api): ApiState, Path(id): Path<String>, raw: Body) -> Response {
    let request = match view(&api, &id).and_then(|_| request_of(raw)) {
        Ok(request) => request,
        Err(e) => return answer(Err(e)),
    };
    if !api.shared.is_connected(&id) {
        return answer(Err(ApiError::not_found(format!(
            "charge point '{id}' is not connected"
        ))));
    }
    let outcome = match api.shared.call(&id, request, true).await {
        Ok(response) => CallOutcome::Answered {
            payload: response.to_json(),
        },
        Err(CallError::Busy(waiting)) => {
            return answer(Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("{waiting} to '{id}' waits for its answer: one call at a time"),
            )))
        }
        Err(CallError::NotConnected(_)) => {
            return answer(Err(ApiError::not_found(format!(
                "charge point '{id}' is not connected"
            ))))
        }
        Err(CallError::CallError(info, _)) => CallOutcome::CallError {
            code: info.code.to_string(),
            description: info.description,
            details: info.details,
        },
        Err(CallError::Timeout(_)) => CallOutcome::Timeout,
        Err(CallError::Disconnected(_)) => CallOutcome::Disconnected,
        Err(CallError::Refused(e)) => {
            return answer(Err(ApiError::bad(e.to_string())));
        }
    };
    to_json(&outcome)
}

/// `GET /api/v1/charge-points/{id}/calls`: the last calls sent to it, oldest first.
pub(crate) async fn calls(State(api): ApiState, Path(id): Path<String>) -> Response {
    let run = || -> Result<Response, ApiError> {
        view(&api, &id)?;
        let calls = api.shared.lock_calls().calls(&id);
        let calls: Vec<&CallRecord> = calls.iter().map(AsRef::as_ref).collect();
        Ok(to_json(&calls))
    };
    answer(run())
}

/// `POST /api/v1/charge-points/{id}/disconnect`: closes its websocket (it will reconnect as
/// its own configuration says).
pub(crate) async fn disconnect(State(api): ApiState, Path(id): Path<String>) -> Response {
    if let Err(e) = view(&api, &id) {
        return answer(Err(e));
    }
    if !api.shared.close(&id).await {
        return answer(Err(ApiError::not_found(format!(
            "charge point '{id}' is not connected"
        ))));
    }
    to_json(&serde_json::json!({"ok": true}))
}

/// The `?action=A` of the message log routes: only the frames of that action (CALLs and
/// their answers); `None` for all.
pub(crate) fn action_filter(uri: &Uri) -> Result<Option<String>, ApiError> {
    let params = super::query::parse(uri, &["action"])?;
    Ok(super::query::get(&params, "action").map(str::to_owned))
}

/// `GET /api/v1/charge-points/{id}/frames[?action=A]`: its message log, oldest first.
pub(crate) async fn frames(State(api): ApiState, Path(id): Path<String>, uri: Uri) -> Response {
    let run = || -> Result<Response, ApiError> {
        view(&api, &id)?;
        let action = action_filter(&uri)?;
        let log = api.shared.lock_frames();
        let frames: Vec<_> = log
            .frames(&id)
            .filter(|f| action.is_none() || f.action == action)
            .collect();
        Ok(to_json(&frames))
    };
    answer(run())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_cannot_be_a_path_segment_are_refused() {
        assert!(valid_id("cp001").is_ok());
        assert!(valid_id(&"x".repeat(ID_MAX)).is_ok());
        for bad in ["", "a/b", " cp", "cp\n", &"x".repeat(ID_MAX + 1)] {
            assert!(valid_id(bad).is_err(), "{bad:?}");
        }
    }
}
