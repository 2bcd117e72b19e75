//! The EVSE's own commands, the ones EVerest's API module takes over MQTT (docs/mqtt.md):
//! the same [`StationControl`](super::StationControl) methods, with the same checks.
//!
//! | route | body |
//! |---|---|
//! | `POST .../enable-disable` | [`EnableDisable`]: `{"connector_id"?, "source"?, "state"?, "priority"?}` |
//! | `POST .../pause-charging`, `.../resume-charging`, `.../force-unlock` | none |
//! | `POST .../limit` | [`ExternalLimit`]: `{"amps": 16}`, `{"amps": 8, "phases": 1}` or `{"watts": 7400}` |
//! | `POST .../car-enable` | `{"enable": bool}` |
//! | `POST .../random-delay` | `{"command": "enable"\|"disable"\|"cancel"}` or `{"max_duration_s": int}` |

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::control::{EnableDisable, ExternalLimit, Reply};
use super::routes::{body, carried_out, connector, ApiError, Body, ConnectorPath, Shared};
use crate::sim::evse_manager::random_delay::RandomDelayCommand;

/// `POST /api/v1/connectors/{c}/enable-disable`.
pub async fn enable_disable(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let request: EnableDisable = body(raw, true)?;
        Ok(api.control.enable_disable(c, request))
    };
    carried_out(run()).await
}

/// `POST /api/v1/connectors/{c}/pause-charging`.
pub async fn pause_charging(State(api): Shared, path: ConnectorPath) -> Response {
    carried_out(connector(api.control.as_ref(), path).map(|c| api.control.pause_charging(c))).await
}

/// `POST /api/v1/connectors/{c}/resume-charging`.
pub async fn resume_charging(State(api): Shared, path: ConnectorPath) -> Response {
    carried_out(connector(api.control.as_ref(), path).map(|c| api.control.resume_charging(c))).await
}

/// `POST /api/v1/connectors/{c}/force-unlock`.
pub async fn force_unlock(State(api): Shared, path: ConnectorPath) -> Response {
    carried_out(connector(api.control.as_ref(), path).map(|c| api.control.force_unlock(c))).await
}

/// `POST /api/v1/connectors/{c}/limit`.
pub async fn limit(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let request: ExternalLimit = body(raw, false)?;
        Ok(api.control.set_limit(c, request))
    };
    carried_out(run()).await
}

/// `POST /api/v1/connectors/{c}/random-delay`: one of EVerest's `uk_random_delay` commands.
pub async fn random_delay(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "snake_case")]
    enum Command {
        Enable,
        Disable,
        Cancel,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RandomDelay {
        command: Option<Command>,
        max_duration_s: Option<u32>,
    }
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let request: RandomDelay = body(raw, false)?;
        let command = match (request.command, request.max_duration_s) {
            (Some(Command::Enable), None) => RandomDelayCommand::Enable,
            (Some(Command::Disable), None) => RandomDelayCommand::Disable,
            (Some(Command::Cancel), None) => RandomDelayCommand::Cancel,
            (None, Some(s)) => RandomDelayCommand::SetMaxDuration(s),
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "give either \"command\" (enable, disable, cancel) or \"max_duration_s\"",
                ))
            }
        };
        Ok(api.control.random_delay(c, command))
    };
    carried_out(run()).await
}

/// `POST /api/v1/connectors/{c}/car-enable`.
pub async fn car_enable(State(api): Shared, path: ConnectorPath, raw: Body) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct CarEnable {
        enable: bool,
    }
    let run = || -> Result<Reply<'_>, ApiError> {
        let c = connector(api.control.as_ref(), path)?;
        let request: CarEnable = body(raw, false)?;
        Ok(api.control.car_enable(c, request.enable))
    };
    carried_out(run()).await
}
