//! The display routes (an extension of contract v1): the TerminalDisplayMessage module's
//! `display_message` interface over HTTP, as EVerest's display_message_API module offers it
//! over MQTT. 404 when the station has no display.
//!
//! | route | does |
//! |---|---|
//! | `GET /api/v1/display-messages` | `{"messages": [...]}`: every stored message |
//! | `POST /api/v1/display-messages` | `{"messages": [...]}`: set (or replace by id) |
//! | `DELETE /api/v1/display-messages/{id}` | clear one |

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::routes::{body, to_json, ApiError, Body, Shared};
use crate::display::{
    ClearMessageResponse, DisplayMessage, DisplayMessageStatus, GetDisplayMessageRequest,
};

/// The body of `POST /api/v1/display-messages` and the answer of its `GET`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Messages {
    messages: Vec<DisplayMessage>,
}

/// `GET /api/v1/display-messages`.
pub async fn list(State(api): Shared) -> Response {
    match api
        .control
        .display_messages(GetDisplayMessageRequest::default())
    {
        Ok(messages) => to_json(&Messages { messages }),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `POST /api/v1/display-messages`: `{"status": "Accepted"}`, or 400 with the reason the
/// display rejected them (nothing is stored then).
pub async fn set(State(api): Shared, raw: Body) -> Response {
    let run = || -> Result<Response, ApiError> {
        let request: Messages = body(raw, false)?;
        let answer = api.control.set_display_messages(request.messages)?;
        match answer.status {
            DisplayMessageStatus::Accepted => Ok(to_json(&answer)),
            DisplayMessageStatus::Rejected => Err(ApiError::bad(
                answer
                    .status_info
                    .unwrap_or_else(|| "rejected by the display".to_owned()),
            )),
        }
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

/// `DELETE /api/v1/display-messages/{id}`: `{"status": "Accepted"}`, 404 when the display
/// has no message with that id.
pub async fn clear(State(api): Shared, path: Result<Path<String>, PathRejection>) -> Response {
    let run = || -> Result<Response, ApiError> {
        let Path(raw) = path.map_err(|e| ApiError::bad(e.body_text()))?;
        let id: i32 = raw.parse().map_err(|_| {
            ApiError::bad(format!("'{raw}' is not a display message id (an integer)"))
        })?;
        match api.control.clear_display_message(id)? {
            ClearMessageResponse::Accepted => {
                Ok(to_json(&serde_json::json!({ "status": "Accepted" })))
            }
            ClearMessageResponse::Unknown => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!("the display has no message {id}"),
            )),
        }
    };
    run().unwrap_or_else(IntoResponse::into_response)
}
