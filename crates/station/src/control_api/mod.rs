//! The HTTP control API and web UI (DESIGN §6, contract v1), on `settings.control_api`.
//!
//! | route | does |
//! |---|---|
//! | `GET /` | the web UI: one page, no external assets |
//! | `GET /api/v1/state` | [`StationState`] |
//! | `GET /api/v1/events` | server-sent events: `state` ([`StationState`]) and `ocpp` ([`OcppFrame`]) |
//! | `GET /api/v1/frames` | `{"frames": [...]}`: the last [`RECENT_FRAMES`] OCPP frames |
//! | `POST /api/v1/connectors/{c}/plug-in` | [`PlugIn`] (body optional) |
//! | `POST /api/v1/connectors/{c}/unplug`, `/ev-pause`, `/ev-resume` | no body |
//! | `POST /api/v1/connectors/{c}/car-script` | [`CarScript`] |
//! | `POST /api/v1/connectors/{c}/errors` | [`HardwareError`], type one of [`ERROR_TYPES`] (or its unique bare name) |
//! | `POST /api/v1/connectors/{c}/meter` | [`MeterOverride`] |
//! | `POST /api/v1/tokens` | [`Token`] |
//! | `POST /api/v1/ocpp/disconnect`, `/ocpp/connect`, `/station/stop` | no body |
//! | `GET`/`POST /api/v1/display-messages`, `DELETE /api/v1/display-messages/{id}` | the display (`display_routes`) |
//! | `POST /api/v1/ocpp/data-transfer` | a DataTransfer to the CSMS: the CSMS's answer (`data_transfer_routes`) |
//! | `POST /api/v1/security-events` | [`SecurityEventRequest`]: a security event the station detected (`security_routes`) |
//! | `POST /api/v1/session` | `{"token": "..."}`: the web UI's login ([`Access`]) |
//! | `GET /api/v1/error-history` | the ErrorHistory module's errors (`history_routes`) |
//! | `POST /api/v1/connectors/{c}/enable-disable`, `/pause-charging`, `/resume-charging`, `/limit`, `/force-unlock`, `/car-enable` | the EVSE's own commands, as EVerest's API takes them (`evse_routes`) |
//!
//! A command answers `{"ok": true}` once the station carried it out and the state shows it
//! (a command that only starts something adds `"started"`: [`Outcome`]). A refused one
//! answers `{"error": "..."}` with 400 (bad JSON, wrong field types, unknown fields, values
//! out of range, unknown or ambiguous error type, empty script), 404 (unknown connector or
//! route), 405 (wrong method), or the status of the station's [`ControlError`] (400, 404,
//! 409, 503, 504); the station is called only for requests that passed every check, and it
//! refuses before it changes anything, so a refused request changes nothing.
//!
//! Before any route, [`Access`] checks every request (its module says why each check):
//! the Host must be the API's own address (421), a command (POST, DELETE) from a web page must
//! come from the API's own origin (403) and carry JSON if it carries a body (415), and with
//! `settings.control_api_token` every request but the page at `/` and the login
//! (`POST /api/v1/session`: `{"token": "..."}`, which sets the page's cookie) needs the token
//! (401).
//!
//! The runtime implements [`StationControl`] and broadcasts [`StationEvent`]s (every state
//! change and every frame, e.g. with [`OcppFrame::new`] from what
//! [`MessageLog::record`](crate::message_log::MessageLog::record) returned) on the channel it
//! passes to [`router`] or [`serve`].

mod access;
mod control;
mod data_transfer_routes;
mod display_routes;
mod evse_routes;
mod history_routes;
mod pricing_state;
mod routes;
mod security_routes;
mod sse;
mod state;
mod ui;

use std::future::Future;
use std::sync::Arc;

use axum::middleware;
use axum::routing::{delete, get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};

pub use access::{Access, AccessError, COOKIE, LOGIN_PATH};
pub use control::{
    no_display, no_error_history, CarScript, ChargeMode, ControlError, DataTransferReply,
    EnableDisable, EnableSource, EnableState, ExternalLimit, HardwareError, MeterOverride, Outcome,
    Payment, PlugIn, Reply, SecurityEventRequest, StationControl, StopTransaction, Token,
    API_PRIORITY, ERROR_TYPES, RECENT_FRAMES, STATION_STOP_REASONS,
};
pub use pricing_state::{DefaultPriceState, IdleFee, NextPeriodState, PricingState, UnitPrices};
pub use state::{
    CertificateState, CertificateType, ConnectionFailure, ConnectorState, FrameDirection,
    Identification, IdentificationResult, LimitSource, MqttState, OcppFrame, OcppState,
    RandomDelayState, ReservationState, SecurityEventEntry, StationEvent, StationState,
    TransactionState, RECENT_SECURITY_EVENTS,
};

/// What every handler shares.
struct Api {
    control: Arc<dyn StationControl>,
    access: Arc<Access>,
    events: broadcast::Sender<StationEvent>,
    /// Turns true when the server stops, to end the event streams; `None` when the router runs
    /// outside [`serve`] (then the streams end when the event channel closes).
    stop_streams: Option<watch::Receiver<bool>>,
}

/// The routes of contract v1 and the web UI, driving `control`, behind `access`'s checks;
/// `events` is the channel the runtime broadcasts state changes and OCPP frames on.
pub fn router(
    control: Arc<dyn StationControl>,
    events: broadcast::Sender<StationEvent>,
    access: Access,
) -> Router {
    build(Api {
        control,
        access: Arc::new(access),
        events,
        stop_streams: None,
    })
}

fn build(api: Api) -> Router {
    let access = api.access.clone();
    let connector = |action| format!("/api/v1/connectors/{{c}}/{action}");
    Router::new()
        .route("/", get(ui::page))
        .route("/api/v1/state", get(routes::state))
        .route("/api/v1/events", get(sse::events))
        .route("/api/v1/frames", get(routes::frames))
        .route(LOGIN_PATH, post(ui::login))
        .route(&connector("plug-in"), post(routes::plug_in))
        .route(&connector("unplug"), post(routes::unplug))
        .route(&connector("ev-pause"), post(routes::ev_pause))
        .route(&connector("ev-resume"), post(routes::ev_resume))
        .route(&connector("car-script"), post(routes::car_script))
        .route(&connector("errors"), post(routes::errors))
        .route(&connector("meter"), post(routes::meter))
        .route(
            &connector("stop-transaction"),
            post(routes::stop_transaction),
        )
        .route("/api/v1/tokens", post(routes::tokens))
        .route("/api/v1/security-events", post(security_routes::raise))
        .route(
            "/api/v1/display-messages",
            get(display_routes::list).post(display_routes::set),
        )
        .route(
            "/api/v1/display-messages/{id}",
            delete(display_routes::clear),
        )
        .route("/api/v1/error-history", get(history_routes::list))
        .route(
            &connector("enable-disable"),
            post(evse_routes::enable_disable),
        )
        .route(
            &connector("pause-charging"),
            post(evse_routes::pause_charging),
        )
        .route(
            &connector("resume-charging"),
            post(evse_routes::resume_charging),
        )
        .route(&connector("limit"), post(evse_routes::limit))
        .route(&connector("force-unlock"), post(evse_routes::force_unlock))
        .route(&connector("random-delay"), post(evse_routes::random_delay))
        .route(&connector("car-enable"), post(evse_routes::car_enable))
        .route("/api/v1/ocpp/disconnect", post(routes::ocpp_disconnect))
        .route("/api/v1/ocpp/connect", post(routes::ocpp_connect))
        .route(
            "/api/v1/ocpp/data-transfer",
            post(data_transfer_routes::send),
        )
        .route("/api/v1/station/stop", post(routes::stop))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(Arc::new(api))
        // Outside every route and the fallbacks: no request reaches a handler unchecked.
        .layer(middleware::from_fn_with_state(access, access::check))
}

/// Serves the control API on `listener`, behind `access` (made for the listener's address),
/// until `shutdown` completes, then ends the open event streams and returns once every
/// connection is closed.
pub async fn serve(
    listener: TcpListener,
    control: Arc<dyn StationControl>,
    events: broadcast::Sender<StationEvent>,
    access: Access,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let app = build(Api {
        control,
        access: Arc::new(access),
        events,
        stop_streams: Some(stop_rx),
    });
    if let Ok(addr) = listener.local_addr() {
        tracing::debug!(%addr, "control API and web UI listening on http://{addr}/");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Ignored error: no stream is open, so there is nothing to end.
            let _ = stop_tx.send(true);
        })
        .await
}
