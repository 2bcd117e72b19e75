//! The EVSE's own commands, the ones EVerest's API module takes over MQTT (docs/mqtt.md):
//! the same [`StationControl`](super::StationControl) methods, with the same checks.
//!
//! | route | body |
//! |---|---|
//! | `POST .../enable-disable` | [`EnableDisable`]: `{"connector_id"?, "source"?, "state"?, "priority"?}` |
//! | `POST .../pause-charging`, `.../resume-charging`, `.../force-unlock` | none |
//! | `POST .../limit` | [`ExternalLimit`]: `{"amps": 16}`, `{"amps": 8, "phases": 1}` or `{"watts": 7400}` |
//! | `POST .../car-enable` | `{"enable": bool}` |

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::control::{EnableDisable, ExternalLimit, Reply};
use super::routes::{body, carried_out, connector, ApiError, Body, ConnectorPath, Shared};

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
