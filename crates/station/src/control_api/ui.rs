//! `GET /`: the web UI, one HTML file with its CSS and vanilla JavaScript inline (no external
//! assets, no build step). It draws [`StationState`](super::StationState) from the event stream
//! and sends the same requests as any other client of contract v1. The page comes with the
//! state and the last OCPP frames inline, so its first render is the station as it is, with
//! its log history, before the event stream has said anything.
//!
//! With `settings.control_api_token`, a browser without the token's cookie gets the login
//! page instead (no station data in it), which sends the token to [`login`]; the cookie it
//! gets back opens the page and the API from then on (`access` says why a cookie).

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::control::ERROR_TYPES;
use super::routes::{body, ApiError, Body};
use super::Api;

const PAGE: &str = include_str!("ui.html");

/// The page a browser without the token gets: a form that posts the token to [`login`].
const LOGIN_PAGE: &str = include_str!("login.html");

/// The placeholder in `ui.html` that becomes the JSON list of [`ERROR_TYPES`], so the fault
/// select and the API accept the same list without a route outside the contract.
const ERROR_TYPES_PLACEHOLDER: &str = "[/*ERROR_TYPES*/]";

/// The placeholder in `ui.html` that becomes `{"state": <state>, "frames": [<frame>...]}`.
const INITIAL_PLACEHOLDER: &str = "{/*INITIAL*/}";

fn with_types() -> &'static str {
    static PAGE_WITH_TYPES: OnceLock<String> = OnceLock::new();
    PAGE_WITH_TYPES.get_or_init(|| {
        let list = serde_json::to_string(ERROR_TYPES).unwrap_or_else(|_| "[]".to_owned());
        PAGE.replace(ERROR_TYPES_PLACEHOLDER, &list)
    })
}

/// JSON made safe inside a `<script>` element: no `</script>` (or any `</`) and no `<!--`
/// can end or change it early; `\u003c` is the same string to JavaScript.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The page for `api`'s station now.
fn rendered(api: &Api) -> String {
    let initial = serde_json::json!({
        "state": api.control.state(),
        "frames": api.control.recent_frames(),
    });
    with_types().replace(INITIAL_PLACEHOLDER, &script_safe(&initial.to_string()))
}

fn html(page: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        page,
    )
        .into_response()
}

/// The handler: the UI, or the login page while the token is needed and not given.
pub async fn page(State(api): State<Arc<Api>>, headers: HeaderMap) -> Response {
    if api.access.has_token() && !api.access.authorized(&headers) {
        return html(LOGIN_PAGE.to_owned());
    }
    html(rendered(&api))
}

/// `POST /api/v1/session`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    token: String,
}

/// `POST /api/v1/session`: `{"token": "..."}`; the right token sets the cookie that opens
/// the page and the API for this browser.
pub async fn login(State(api): State<Arc<Api>>, raw: Body) -> Response {
    let run = || -> Result<Response, ApiError> {
        let request: Login = body(raw, false)?;
        if !api.access.has_token() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "no login: settings.control_api_token is not set, the API is open",
            ));
        }
        if !api.access.is_token(&request.token) {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong token"));
        }
        let mut answer = super::routes::json(StatusCode::OK, r#"{"ok":true}"#);
        if let Some(cookie) = api.access.login_cookie() {
            answer.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        Ok(answer)
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_gets_the_error_types_and_a_place_for_the_state() {
        assert!(super::PAGE.contains(super::ERROR_TYPES_PLACEHOLDER));
        assert!(super::PAGE.contains(super::INITIAL_PLACEHOLDER));
        assert!(super::with_types().contains(r#"["evse_board_support/DiodeFault","#));
        assert!(!super::with_types().contains("/*ERROR_TYPES*/"));
    }

    #[test]
    fn inline_json_cannot_close_the_script() {
        let json =
            serde_json::json!({"frame": "</script><script>alert(1)</script><!--"}).to_string();
        let safe = super::script_safe(&json);
        assert!(!safe.contains('<'), "{safe}");
        let back: serde_json::Value =
            serde_json::from_str(&safe).expect("still JSON: \\u003c is an escape");
        assert_eq!(back["frame"], "</script><script>alert(1)</script><!--");
    }
}
