//! `GET /`: the web UI, one HTML file with its CSS and vanilla JavaScript inline (no external
//! assets, no build step). It draws [`StationState`](super::StationState) from the event stream
//! and sends the same requests as any other client of contract v1.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::control::ERROR_TYPES;

const PAGE: &str = include_str!("ui.html");

/// The placeholder in `ui.html` that becomes the JSON list of [`ERROR_TYPES`], so the fault
/// select and the API accept the same list without a route outside the contract.
const ERROR_TYPES_PLACEHOLDER: &str = "[/*ERROR_TYPES*/]";

fn rendered() -> &'static str {
    static PAGE_WITH_TYPES: OnceLock<String> = OnceLock::new();
    PAGE_WITH_TYPES.get_or_init(|| {
        let list = serde_json::to_string(ERROR_TYPES).unwrap_or_else(|_| "[]".to_owned());
        PAGE.replace(ERROR_TYPES_PLACEHOLDER, &list)
    })
}

/// The handler.
pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        rendered(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_gets_the_error_types() {
        assert!(super::PAGE.contains(super::ERROR_TYPES_PLACEHOLDER));
        assert!(super::rendered().contains(r#"["evse_board_support/DiodeFault","#));
        assert!(!super::rendered().contains("/*ERROR_TYPES*/"));
    }
}
