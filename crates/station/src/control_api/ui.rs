//! `GET /`: the web UI, one HTML file with its CSS and vanilla JavaScript inline (no external
//! assets, no build step). It draws [`StationState`](super::StationState) from the event stream
//! and sends the same requests as any other client of contract v1. The page comes with the
//! state and the last OCPP frames inline, so its first render is the station as it is, with
//! its log history, before the event stream has said anything.

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::control::ERROR_TYPES;
use super::Api;

const PAGE: &str = include_str!("ui.html");

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

/// The handler.
pub async fn page(State(api): State<Arc<Api>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        rendered(&api),
    )
        .into_response()
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
