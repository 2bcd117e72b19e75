//! The tag routes: what Authorize, StartTransaction and StopTransaction answer for an idTag.
//!
//! A tag is `{"id_tag", "status", "expiry_date", "parent_id_tag"}`; idTags compare
//! case-insensitively (OCPP's IdToken is a CiString20), so `deadbeef` and `DEADBEEF` are one
//! tag.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use ocpp_types::id_tag::AuthorizationStatus;
use ocpp_types::DateTime;
use serde::Deserialize;

use super::views::TagView;
use super::{answer, body, to_json, with_status, ApiError, ApiState, Body};
use crate::options::TagEntry;

/// The longest idTag OCPP 1.6 allows (IdToken is CiString20Type).
const ID_TAG_MAX: usize = 20;

fn now() -> DateTime {
    DateTime::from_utc(chrono::Utc::now())
}

/// The body of `POST /api/v1/tags` (with `id_tag`) and `PUT /api/v1/tags/{id_tag}` (without).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagBody {
    id_tag: Option<String>,
    status: Option<String>,
    expiry_date: Option<String>,
    parent_id_tag: Option<String>,
}

/// An idTag or parentIdTag: 1 to 20 characters, printable, no surrounding white space.
fn id_tag(field: &str, value: &str) -> Result<String, ApiError> {
    let len = value.chars().count();
    if !(1..=ID_TAG_MAX).contains(&len) {
        return Err(ApiError::bad(format!(
            "{field}: must be 1 to {ID_TAG_MAX} characters, found {len}"
        )));
    }
    if value.chars().any(char::is_control) || value.trim() != value {
        return Err(ApiError::bad(format!(
            "{field}: no control characters or surrounding spaces"
        )));
    }
    Ok(value.to_owned())
}

const STATUSES: [(&str, AuthorizationStatus); 5] = [
    ("Accepted", AuthorizationStatus::Accepted),
    ("Blocked", AuthorizationStatus::Blocked),
    ("Expired", AuthorizationStatus::Expired),
    ("Invalid", AuthorizationStatus::Invalid),
    ("ConcurrentTx", AuthorizationStatus::ConcurrentTx),
];

/// The tag `body` describes, its idTag `id` (from the path, or the body's).
fn tag(id: &str, body: TagBody) -> Result<TagEntry, ApiError> {
    let status = match body.status.as_deref() {
        None => AuthorizationStatus::Accepted,
        Some(given) => STATUSES
            .iter()
            .find(|(name, _)| *name == given)
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                let names: Vec<&str> = STATUSES.iter().map(|(n, _)| *n).collect();
                ApiError::bad(format!(
                    "status: '{given}' is not one of {}",
                    names.join(", ")
                ))
            })?,
    };
    let expiry_date = body
        .expiry_date
        .as_deref()
        .map(|d| {
            DateTime::parse(d).map_err(|e| {
                ApiError::bad(format!(
                    "expiry_date: '{d}' is not an RFC 3339 date-time with a time zone: {e}"
                ))
            })
        })
        .transpose()?;
    let parent_id_tag = body
        .parent_id_tag
        .as_deref()
        .map(|p| id_tag("parent_id_tag", p))
        .transpose()?;
    Ok(TagEntry {
        id_tag: id_tag("id_tag", id)?,
        status,
        expiry_date,
        parent_id_tag,
    })
}

/// `GET /api/v1/tags`: every tag, oldest first.
pub(crate) async fn list(State(api): ApiState) -> Response {
    let state = api.shared.lock_state();
    let now = now();
    let tags: Vec<TagView> = state.tags.iter().map(|t| TagView::new(t, now)).collect();
    to_json(&tags)
}

/// `GET /api/v1/tags/{id_tag}`.
pub(crate) async fn one(State(api): ApiState, Path(id): Path<String>) -> Response {
    let state = api.shared.lock_state();
    match state.tag(&id) {
        Some(tag) => to_json(&TagView::new(tag, now())),
        None => answer(Err(no_tag(&id))),
    }
}

fn no_tag(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no tag '{id}' (every unknown idTag is answered Invalid)"
    ))
}

/// `POST /api/v1/tags`: `{"id_tag", "status"?: "Accepted", "expiry_date"?, "parent_id_tag"?}`
/// adds a tag; 201 with the tag, or 409 if it exists (PUT replaces).
pub(crate) async fn create(State(api): ApiState, raw: Body) -> Response {
    let run = || -> Result<Response, ApiError> {
        let mut request: TagBody = body(raw)?;
        let id = request
            .id_tag
            .take()
            .ok_or_else(|| ApiError::bad("id_tag: missing"))?;
        let tag = tag(&id, request)?;
        if let Some(existing) = api.shared.lock_state().tag(&tag.id_tag) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "tag '{}' exists: PUT /api/v1/tags/{} replaces it",
                    existing.id_tag, existing.id_tag
                ),
            ));
        }
        api.shared
            .put_tag(tag.clone())
            .map_err(|e| ApiError::store(&e))?;
        Ok(with_status(StatusCode::CREATED, &TagView::new(&tag, now())))
    };
    answer(run())
}

/// `PUT /api/v1/tags/{id_tag}`: `{"status"?, "expiry_date"?, "parent_id_tag"?}` adds the tag or
/// replaces it whole (a field left out is absent, status Accepted).
pub(crate) async fn replace(State(api): ApiState, Path(id): Path<String>, raw: Body) -> Response {
    let run = || -> Result<Response, ApiError> {
        let request: TagBody = body(raw)?;
        if let Some(other) = request
            .id_tag
            .as_deref()
            .filter(|t| !t.eq_ignore_ascii_case(&id))
        {
            return Err(ApiError::bad(format!(
                "id_tag: '{other}' is not the tag of the path ('{id}'); leave it out"
            )));
        }
        let tag = tag(&id, request)?;
        api.shared
            .put_tag(tag.clone())
            .map_err(|e| ApiError::store(&e))?;
        Ok(to_json(&TagView::new(&tag, now())))
    };
    answer(run())
}

/// `DELETE /api/v1/tags/{id_tag}`: the tag is answered Invalid from now on.
pub(crate) async fn remove(State(api): ApiState, Path(id): Path<String>) -> Response {
    match api.shared.remove_tag(&id) {
        Ok(Some(_)) => to_json(&serde_json::json!({"ok": true})),
        Ok(None) => answer(Err(no_tag(&id))),
        Err(e) => answer(Err(ApiError::store(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> TagBody {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn a_tag_is_checked_field_by_field() {
        let ok = tag(
            "T1",
            body(r#"{"status":"Blocked","expiry_date":"2027-01-01T00:00:00+01:00","parent_id_tag":"P"}"#),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(ok.status, AuthorizationStatus::Blocked);
        assert_eq!(
            ok.expiry_date.map(|d| d.to_string()).as_deref(),
            Some("2026-12-31T23:00:00.000Z")
        );
        let refusal = |id: &str, json: &str| tag(id, body(json)).err().map(|e| e.message);
        assert_eq!(
            refusal("T1", r#"{"status":"accepted"}"#).as_deref(),
            Some("status: 'accepted' is not one of Accepted, Blocked, Expired, Invalid, ConcurrentTx")
        );
        assert_eq!(
            refusal(&"x".repeat(21), "{}").as_deref(),
            Some("id_tag: must be 1 to 20 characters, found 21")
        );
        assert!(
            refusal("T1", r#"{"expiry_date":"2027-01-01T00:00:00"}"#).is_some_and(
                |m| m.starts_with("expiry_date: '2027-01-01T00:00:00' is not an RFC 3339")
            )
        );
        assert_eq!(
            refusal("T1", r#"{"parent_id_tag":""}"#).as_deref(),
            Some("parent_id_tag: must be 1 to 20 characters, found 0")
        );
    }
}
