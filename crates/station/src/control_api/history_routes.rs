//! `GET /api/v1/error-history`: the ErrorHistory module's errors (its `error_history`
//! interface's `get_errors`), filtered by the query: `state` (Active, ClearedByModule,
//! ClearedByReboot), `type` (`<group>/<name>`), `severity` (HIGH_GE, MEDIUM_GE, LOW_GE),
//! `origin_module` with `origin_implementation`, `from` with `to` (RFC 3339), `handle` (a
//! uuid). Answers `{"errors": [<ErrorObject>...]}`, oldest first; 404 without the module.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

use super::routes::{to_json, ApiError, Shared};
use crate::error_history::{ErrorFilter, Origin, TimePeriod};

/// The longest query taken: a filter is a few short values.
const MAX_QUERY: usize = 2048;

/// `GET /api/v1/error-history`.
pub async fn list(State(api): Shared, RawQuery(query): RawQuery) -> Response {
    let filter = match filter(query.as_deref().unwrap_or("")) {
        Ok(filter) => filter,
        Err(e) => return e.into_response(),
    };
    match api.control.error_history(&filter) {
        Ok(errors) => to_json(&serde_json::json!({ "errors": errors })),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// An enum value by its EVerest name.
fn enumerated<T: serde::de::DeserializeOwned>(value: &str) -> Result<T, serde_json::Error> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
}

fn filter(query: &str) -> Result<ErrorFilter, ApiError> {
    if query.len() > MAX_QUERY {
        return Err(ApiError::bad(format!(
            "the query has {} bytes; at most {MAX_QUERY}",
            query.len()
        )));
    }
    let mut filter = ErrorFilter::default();
    let (mut module, mut implementation, mut from, mut to) = (None, None, None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value)
            .ok_or_else(|| ApiError::bad(format!("{key}: not percent-encoded UTF-8")))?;
        match key {
            "state" => {
                filter.state_filter = Some(enumerated(&value).map_err(|_| {
                    ApiError::bad(format!(
                        "state: '{value}' is not Active, ClearedByModule or ClearedByReboot"
                    ))
                })?)
            }
            "severity" => {
                filter.severity_filter = Some(enumerated(&value).map_err(|_| {
                    ApiError::bad(format!("severity: '{value}' is not HIGH_GE, MEDIUM_GE or LOW_GE"))
                })?)
            }
            "type" => filter.type_filter = Some(value),
            "handle" => filter.handle_filter = Some(value),
            "origin_module" => module = Some(value),
            "origin_implementation" => implementation = Some(value),
            "from" => from = Some(value),
            "to" => to = Some(value),
            other => {
                return Err(ApiError::bad(format!(
                    "unknown filter '{other}' (state, type, severity, origin_module, origin_implementation, from, to, handle)"
                )))
            }
        }
    }
    match (module, implementation) {
        (Some(module_id), Some(implementation_id)) => {
            filter.origin_filter = Some(Origin {
                implementation_id,
                module_id,
            })
        }
        (None, None) => {}
        _ => {
            return Err(ApiError::bad(
                "origin_module and origin_implementation go together",
            ))
        }
    }
    match (from, to) {
        (Some(timestamp_from), Some(timestamp_to)) => {
            for t in [&timestamp_from, &timestamp_to] {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map_err(|_| ApiError::bad(format!("'{t}' is not an RFC 3339 time")))?;
            }
            filter.timeperiod_filter = Some(TimePeriod {
                timestamp_from,
                timestamp_to,
            })
        }
        (None, None) => {}
        _ => return Err(ApiError::bad("from and to go together")),
    }
    Ok(filter)
}

/// A percent-encoded query value (`+` a space), if it is UTF-8.
fn decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_history::{ErrorState, SeverityFilter};

    #[test]
    fn queries_become_everests_filters() {
        let f = filter("state=Active&type=ac_rcd%2FDC&severity=HIGH_GE&from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z").unwrap();
        assert_eq!(f.state_filter, Some(ErrorState::Active));
        assert_eq!(f.type_filter.as_deref(), Some("ac_rcd/DC"));
        assert_eq!(f.severity_filter, Some(SeverityFilter::HighGe));
        assert!(f.timeperiod_filter.is_some());
        for bad in [
            "state=Gone",
            "from=2024-01-01T00:00:00Z",
            "origin_module=x",
            "color=red",
            "type=%zz",
            "from=yesterday&to=today",
        ] {
            assert!(filter(bad).is_err(), "{bad}");
        }
        assert_eq!(filter("").unwrap(), ErrorFilter::default());
    }
}
