//! The request handlers of contract v1. Each checks everything it can before it calls the
//! station (the connector exists, the body is JSON of the right shape with no unknown fields,
//! the values make sense), so a refused request changes nothing; then it calls one
//! [`StationControl`] method, waits for it to be carried out, and answers its [`Outcome`]
//! (`{"ok": true, ...}`) or its [`ControlError`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::control::{
    CarScript, ControlError, HardwareError, MeterOverride, PlugIn, Reply, StationControl,
    StopTransaction, Token, ERROR_TYPES, STATION_STOP_REASONS,
};
use super::Api;

/// The longest idTag OCPP 1.6 allows (IdToken is CiString20Type).
const ID_TAG_MAX: usize = 20;

/// A refused request: its status and the `error` text.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// A refusal with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub(super) fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> Self {
        let status = match e {
            ControlError::Invalid(_) => StatusCode::BAD_REQUEST,
            ControlError::NotFound(_) => StatusCode::NOT_FOUND,
            ControlError::Conflict(_) => StatusCode::CONFLICT,
            ControlError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ControlError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::debug!(status = %self.status, error = %self.message, "control API request refused");
        json(
            self.status,
            &serde_json::json!({ "error": self.message }).to_string(),
        )
    }
}

/// A JSON answer.
pub fn json(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_owned(),
    )
        .into_response()
}

pub(super) fn to_json(value: &impl Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => json(StatusCode::OK, &body),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Waits for the station to carry the command out, and answers what it did.
pub(super) async fn carried_out(reply: Result<Reply<'_>, ApiError>) -> Response {
    match reply {
        Ok(reply) => match reply.await {
            Ok(outcome) => to_json(&outcome),
            Err(e) => ApiError::from(e).into_response(),
        },
        Err(e) => e.into_response(),
    }
}

pub(super) type Shared = State<Arc<Api>>;
pub(super) type ConnectorPath = Result<Path<String>, PathRejection>;
pub(super) type Body = Result<Bytes, BytesRejection>;

/// The connector named in the path, when the station has it.
pub(super) fn connector(
    control: &dyn StationControl,
    path: ConnectorPath,
) -> Result<u32, ApiError> {
    let Path(raw) = path.map_err(|e| ApiError::bad(e.body_text()))?;
    let state = control.state();
    raw.parse::<u32>()
        .ok()
        .filter(|id| state.connector(*id).is_some())
        .ok_or_else(|| {
            let ids: Vec<String> = state.connectors.iter().map(|c| c.id.to_string()).collect();
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "no connector '{raw}' (the station's connectors: {})",
                    ids.join(", ")
                ),
            )
        })
}

/// The body as `T`; an empty body reads as `{}` when `empty_ok` (every field optional).
pub(super) fn body<T: DeserializeOwned>(body: Body, empty_ok: bool) -> Result<T, ApiError> {
    let bytes = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if !empty_ok {
            return Err(ApiError::bad("a JSON body is required"));
        }
        return serde_json::from_str("{}").map_err(|e| ApiError::bad(e.to_string()));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad(format!("bad request body: {e}")))?;
    // serde reads a struct from an array too (`[16, 3]` as a PlugIn): only an object is a
    // request here, so fields are always named.
    if !value.is_object() {
        return Err(ApiError::bad("bad request body: expected a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| ApiError::bad(format!("bad request body: {e}")))
}

fn finite(name: &str, value: Option<f64>, min: f64, max: f64) -> Result<(), ApiError> {
    match value {
        Some(v) if !(v.is_finite() && (min..=max).contains(&v)) => Err(ApiError::bad(format!(
            "{name}: {v} is out of range ({min} to {max})"
        ))),
        _ => Ok(()),
    }
}

/// `GET /api/v1/state`.
pub async fn state(State(api): Shared) -> Response {
    to_json(&api.control.state())
}

/// `GET /api/v1/frames`: the last OCPP frames, oldest first.
pub async fn frames(State(api): Shared) -> Response {
    to_json(&serde_json::json!({ "frames": api.control.recent_frames() }))
}

/// `POST /api/v1/connectors/{c}/plug-in`.
pub async fn plug_in(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let request: PlugIn = body(raw, true)?;
        // Up to DC fast-charging currents; the car model clamps to what the EVSE offers.
        finite("max_current_a", request.max_current_a, 1.0, 1000.0)?;
        // EvManager's draw_power commands take 1 or 3 phases (anything else is read as 3).
        if let Some(p) = request.phases.filter(|p| ![1, 3].contains(p)) {
            return Err(ApiError::bad(format!("phases: {p} is not 1 or 3")));
        }
        Ok(api.control.plug_in(c, request))
    };
    carried_out(run()).await
}

/// `POST /api/v1/connectors/{c}/unplug`.
pub async fn unplug(State(api): Shared, path: ConnectorPath) -> Response {
    carried_out(connector(api.control.as_ref(), path).map(|c| api.control.unplug(c))).await
}

/// `POST /api/v1/connectors/{c}/ev-pause`.
pub async fn ev_pause(State(api): Shared, path: ConnectorPath) -> Response {
    carried_out(connector(api.control.as_ref(), path).map(|c| api.control.ev_pause(c))).await
}

/// `POST /api/v1/connectors/{c}/ev-resume`.
pub async fn ev_resume(State(api): Shared, path: ConnectorPath) -> Response {
    carried_out(connector(api.control.as_ref(), path).map(|c| api.control.ev_resume(c))).await
}

/// `POST /api/v1/connectors/{c}/car-script`.
pub async fn car_script(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let request: CarScript = body(raw, false)?;
        if request.script.trim().is_empty() {
            return Err(ApiError::bad("script: empty"));
        }
        Ok(api.control.car_script(c, request))
    };
    carried_out(run()).await
}

/// `POST /api/v1/connectors/{c}/stop-transaction`.
pub async fn stop_transaction(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let request: StopTransaction = body(raw, true)?;
        if !STATION_STOP_REASONS.contains(&request.reason.as_str()) {
            return Err(ApiError::bad(format!(
                "reason: '{}' is not a reason the station gives (known: {})",
                request.reason,
                STATION_STOP_REASONS.join(", ")
            )));
        }
        Ok(api.control.stop_transaction(c, request))
    };
    carried_out(run()).await
}

/// `POST /api/v1/connectors/{c}/errors`.
pub async fn errors(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let mut request: HardwareError = body(raw, false)?;
        request.error_type = error_type(&request.error_type)?.to_owned();
        Ok(api.control.hardware_error(c, request))
    };
    carried_out(run()).await
}

/// The full name of an error type: as given, or a bare name (`DiodeFault`) that names exactly
/// one of [`ERROR_TYPES`].
fn error_type(given: &str) -> Result<&'static str, ApiError> {
    if let Some(known) = ERROR_TYPES.iter().find(|t| **t == given) {
        return Ok(known);
    }
    let by_name: Vec<&'static str> = ERROR_TYPES
        .iter()
        .copied()
        .filter(|t| !given.contains('/') && t.rsplit('/').next() == Some(given))
        .collect();
    match by_name.as_slice() {
        [only] => Ok(only),
        [] => Err(ApiError::bad(format!(
            "type: unknown error type '{given}' (known: {})",
            ERROR_TYPES.join(", ")
        ))),
        several => Err(ApiError::bad(format!(
            "type: '{given}' is ambiguous: it names {}; give the full type",
            several.join(", ")
        ))),
    }
}

/// `POST /api/v1/connectors/{c}/meter`.
pub async fn meter(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let request: MeterOverride = body(raw, true)?;
        if request == MeterOverride::default() {
            return Err(ApiError::bad(
                "nothing to override: give energy_wh, power_w, voltage_v or current_a",
            ));
        }
        finite("energy_wh", request.energy_wh, 0.0, 1e12)?;
        finite("power_w", request.power_w, -1e7, 1e7)?;
        finite("voltage_v", request.voltage_v, 0.0, 2000.0)?;
        finite("current_a", request.current_a, -1000.0, 1000.0)?;
        Ok(api.control.meter(c, request))
    };
    carried_out(run()).await
}

/// `POST /api/v1/tokens`.
pub async fn tokens(State(api): Shared, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let request: Token = body(raw, false)?;
        let len = request.id_tag.as_deref().map_or(1, |t| t.chars().count());
        if !(1..=ID_TAG_MAX).contains(&len) {
            return Err(ApiError::bad(format!(
                "id_tag: must be 1 to {ID_TAG_MAX} characters, found {len}"
            )));
        }
        if let Some(list) = &request.connectors {
            if list.is_empty() {
                return Err(ApiError::bad(
                    "connectors: empty (leave it out for every connector)",
                ));
            }
            let state = api.control.state();
            if let Some(bad) = list.iter().find(|c| state.connector(**c).is_none()) {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!("connectors: no connector {bad}"),
                ));
            }
        }
        Ok(api.control.token(request))
    };
    carried_out(run()).await
}

/// `POST /api/v1/ocpp/disconnect`.
pub async fn ocpp_disconnect(State(api): Shared) -> Response {
    carried_out(Ok(api.control.ocpp_disconnect())).await
}

/// `POST /api/v1/ocpp/connect`.
pub async fn ocpp_connect(State(api): Shared) -> Response {
    carried_out(Ok(api.control.ocpp_connect())).await
}

/// `POST /api/v1/station/stop`.
pub async fn stop(State(api): Shared) -> Response {
    carried_out(Ok(api.control.stop())).await
}

/// Any other path.
pub async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such route (see DESIGN §6, contract v1)",
    )
    .into_response()
}

/// A known path with the wrong method.
pub async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this route",
    )
    .into_response()
}
