//! `GET /`: the web UI, one HTML page with its CSS and vanilla JavaScript inline (no external
//! assets, no build step), put together from `ui/`: the page and its style (`page.html`), the
//! app (`app.js`: charge points, their registration answer, sending messages, the message log,
//! the event stream), tags and transactions (`records.js`), the pricing settings
//! (`pricing.js`), the forms generated from the JSON
//! schemas (`forms.js`) and the charts (`charts.js`: SVG). The page
//! comes with the CSMS-initiated actions and their schemas inline; everything else it gets
//! from the HTTP API and its event stream, which it uses like any other client.
//!
//! With `--http-token`, a browser without the token's cookie gets the login page instead,
//! which sends the token to [`login`]; the cookie it gets back opens the page and the API.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{answer, body, json, ApiError, ApiState, Body};

const PAGE: &str = include_str!("ui/page.html");
const APP: &str = include_str!("ui/app.js");
const FORMS: &str = include_str!("ui/forms.js");
const CHARTS: &str = include_str!("ui/charts.js");
const RECORDS: &str = include_str!("ui/records.js");
const PRICING: &str = include_str!("ui/pricing.js");
const LOGIN_PAGE: &str = include_str!("ui/login.html");

/// The placeholders of `page.html`, each replaced once.
const SCRIPTS_PLACEHOLDER: &str = "/*SCRIPTS*/";
const ACTIONS_PLACEHOLDER: &str = "[/*ACTIONS*/]";

/// JSON made safe inside a `<script>` element: no `</script>` (or any `</`) and no `<!--`
/// can end or change it early; `\u003c` is the same string to JavaScript.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The page with these actions.
fn build(actions: &[super::actions::ActionInfo]) -> String {
    let actions = serde_json::to_string(actions).unwrap_or_else(|_| "[]".to_owned());
    let scripts = [FORMS, CHARTS, RECORDS, PRICING, APP].join("\n");
    PAGE.replacen(SCRIPTS_PLACEHOLDER, &scripts, 1).replacen(
        ACTIONS_PLACEHOLDER,
        &script_safe(&actions),
        1,
    )
}

/// The page: built once, or, for a CSMS with a firmware signing certificate (its
/// SignedUpdateFirmware template carries it), built for it.
fn rendered(signing_certificate: Option<&str>) -> std::borrow::Cow<'static, str> {
    static PAGE_BUILT: OnceLock<String> = OnceLock::new();
    match signing_certificate {
        None => PAGE_BUILT
            .get_or_init(|| build(&super::actions::all(None)))
            .as_str()
            .into(),
        Some(certificate) => build(&super::actions::all(Some(certificate))).into(),
    }
}

fn html(page: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        page.to_owned(),
    )
        .into_response()
}

/// The handler: the UI, or the login page while the token is needed and not given.
pub(crate) async fn page(State(api): ApiState, headers: HeaderMap) -> Response {
    if api.access.has_token() && !api.access.authorized(&headers) {
        return html(LOGIN_PAGE);
    }
    html(&rendered(
        api.shared.options.firmware_signing_certificate.as_deref(),
    ))
}

/// `POST /api/v1/session`'s body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    token: String,
}

/// `POST /api/v1/session`: `{"token": "..."}`; the right token sets the cookie that opens the
/// page and the API for this browser.
pub(crate) async fn login(State(api): ApiState, raw: Body) -> Response {
    let run = || -> Result<Response, ApiError> {
        let request: Login = body(raw)?;
        if !api.access.has_token() {
            return Err(ApiError::not_found(
                "no login: the CSMS runs without --http-token, the API is open",
            ));
        }
        if !api.access.is_token(&request.token) {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong token"));
        }
        let mut ok = json(StatusCode::OK, r#"{"ok":true}"#);
        if let Some(cookie) = api.access.login_cookie() {
            ok.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        Ok(ok)
    };
    answer(run())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_gets_its_scripts_and_the_actions() {
        assert!(super::PAGE.contains(super::SCRIPTS_PLACEHOLDER));
        assert!(super::PAGE.contains(super::ACTIONS_PLACEHOLDER));
        let page = super::rendered(None);
        assert!(!page.contains("/*SCRIPTS*/") && !page.contains("/*ACTIONS*/"));
        assert!(page.contains(r#"{"action":"CancelReservation","profile":"Reservation","#));
    }

    #[test]
    fn inline_json_cannot_close_the_script() {
        let json =
            serde_json::json!({"frame": "</script><script>alert(1)</script><!--"}).to_string();
        let safe = super::script_safe(&json);
        assert!(!safe.contains('<'), "{safe}");
    }
}
