//! The web UI and the JSON HTTP API behind it (docs/csms-api.md), on
//! [`CsmsOptions::http`](crate::CsmsOptions::http). The page uses nothing but this API.
//!
//! | route | does |
//! |---|---|
//! | `GET /` | the web UI: one page, no external assets (`ui`) |
//! | `GET /api/v1/charge-points` | every charge point seen or configured (`charge_points`) |
//! | `GET /api/v1/charge-points/{id}` | one of them |
//! | `PUT`/`DELETE /api/v1/charge-points/{id}/registration` | its BootNotification answer |
//! | `POST /api/v1/charge-points/{id}/calls` | send a CSMS-initiated CALL, answer its outcome |
//! | `GET /api/v1/charge-points/{id}/calls` | the last calls and their outcomes |
//! | `POST /api/v1/charge-points/{id}/disconnect` | close its websocket |
//! | `GET /api/v1/charge-points/{id}/frames` | its message log (`?action=` filters) |
//! | `GET /api/v1/charge-points/{id}/log.html` | the same as the station's html log (`log_html`) |
//! | `GET /api/v1/actions` | the CSMS-initiated actions with their JSON schema (`actions`) |
//! | `GET`/`POST /api/v1/tags`, `GET`/`PUT`/`DELETE /api/v1/tags/{id_tag}` | the tags (`tags`) |
//! | `GET /api/v1/transactions`, `GET /api/v1/transactions/{id}` | transactions (`transactions`) |
//! | `GET /api/v1/events` | server-sent events (`sse`) |
//! | `POST /api/v1/session` | `{"token": "..."}`: the web UI's login (with `--http-token`) |
//!
//! Every answer is JSON (the page and the html log aside); a refused request answers 4xx with
//! `{"error": "..."}` and changes nothing: each route checks everything before it changes
//! anything. [`Access`] checks every request first (Host, Origin, JSON, token).

mod access;
mod actions;
mod charge_points;
mod json_text;
mod log_html;
mod query;
mod sse;
mod tags;
mod transactions;
mod ui;
mod views;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub(crate) use access::Access;

use crate::server::Shared;

/// What every handler shares.
pub(crate) struct Api {
    shared: Arc<Shared>,
    access: Arc<Access>,
    /// Turns true when the CSMS stops, to end the event streams.
    stopped: watch::Receiver<bool>,
}

type ApiState = axum::extract::State<Arc<Api>>;
type Body = Result<Bytes, BytesRejection>;

/// A refused request: its status and the `error` text.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// A refusal with `status`.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 400.
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500: the database refused a write.
    pub(crate) fn store(e: &crate::store::StoreError) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::debug!(status = %self.status, error = %self.message, "CSMS API request refused");
        json(
            self.status,
            &serde_json::json!({ "error": self.message }).to_string(),
        )
    }
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_owned(),
    )
        .into_response()
}

/// `value` as a 200 JSON answer.
pub(crate) fn to_json(value: &impl Serialize) -> Response {
    with_status(StatusCode::OK, value)
}

/// `value` as a JSON answer with `status`.
pub(crate) fn with_status(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => json(status, &body),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The body as `T`: a JSON object (an array or a scalar is refused even where serde would read
/// a struct from it, so fields are always named).
pub(crate) fn body<T: DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad("a JSON body is required"));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad(format!("bad request body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad("bad request body: expected a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| ApiError::bad(format!("bad request body: {e}")))
}

/// Unwraps a handler's result into its response.
pub(crate) fn answer(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

/// The routes, behind `access`'s checks.
pub(crate) fn router(
    shared: Arc<Shared>,
    access: Access,
    stopped: watch::Receiver<bool>,
) -> Router {
    let api = Arc::new(Api {
        shared,
        access: Arc::new(access),
        stopped,
    });
    let access = Arc::clone(&api.access);
    let cp = |rest: &str| format!("/api/v1/charge-points/{{id}}{rest}");
    Router::new()
        .route("/", get(ui::page))
        .route(access::LOGIN_PATH, post(ui::login))
        .route("/api/v1/charge-points", get(charge_points::list))
        .route(&cp(""), get(charge_points::one))
        .route(
            &cp("/registration"),
            put(charge_points::set_registration).delete(charge_points::reset_registration),
        )
        .route(
            &cp("/calls"),
            post(charge_points::call).get(charge_points::calls),
        )
        .route(&cp("/disconnect"), post(charge_points::disconnect))
        .route(&cp("/frames"), get(charge_points::frames))
        .route(&cp("/log.html"), get(log_html::download))
        .route("/api/v1/actions", get(actions::list))
        .route("/api/v1/tags", get(tags::list).post(tags::create))
        .route(
            "/api/v1/tags/{id_tag}",
            get(tags::one).put(tags::replace).delete(tags::remove),
        )
        .route("/api/v1/transactions", get(transactions::list))
        .route("/api/v1/transactions/{id}", get(transactions::one))
        .route("/api/v1/events", get(sse::events))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(api)
        // Outside every route and the fallbacks: no request reaches a handler unchecked.
        .layer(middleware::from_fn_with_state(access, access::check))
}

/// Serves the routes on `listener` until `stopped` turns true, then ends the event streams.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    access: Access,
    stopped: watch::Receiver<bool>,
) {
    let mut until = stopped.clone();
    let app = router(shared, access, stopped);
    if let Ok(addr) = listener.local_addr() {
        tracing::debug!(%addr, "CSMS web UI listening on http://{addr}/");
    }
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            // An error means the CSMS is gone: stop too.
            let _ = until.wait_for(|stop| *stop).await;
        })
        .await;
    if let Err(e) = served {
        tracing::warn!("the CSMS web UI stopped: {e}");
    }
}

/// Any other path.
async fn not_found() -> Response {
    ApiError::not_found("no such route (see docs/csms-api.md)").into_response()
}

/// A known path with the wrong method.
async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this route",
    )
    .into_response()
}
