//! The transaction routes: every transaction the CSMS handed an id to, from its database.

use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;

use super::views::TransactionView;
use super::{answer, to_json, ApiError, ApiState};

/// `GET /api/v1/transactions[?charge_point_id=ID][&active=true|false]`: oldest first, without
/// their meter values.
pub(crate) async fn list(State(api): ApiState, uri: Uri) -> Response {
    let filter = match filter(&uri) {
        Ok(f) => f,
        Err(e) => return answer(Err(e)),
    };
    let state = api.shared.lock_state();
    let list: Vec<TransactionView> = state
        .transactions
        .values()
        .filter(|t| {
            filter
                .charge_point_id
                .as_ref()
                .is_none_or(|cp| *cp == t.charge_point_id)
        })
        .filter(|t| filter.active.is_none_or(|a| a == t.stop.is_none()))
        .map(TransactionView::summary)
        .collect();
    to_json(&list)
}

/// The filter of `GET /api/v1/transactions`.
struct Filter {
    /// Only those of this charge point.
    charge_point_id: Option<String>,
    /// Only running (`true`) or stopped (`false`) ones.
    active: Option<bool>,
}

fn filter(uri: &Uri) -> Result<Filter, ApiError> {
    let params = super::query::parse(uri, &["charge_point_id", "active"])?;
    let active = match super::query::get(&params, "active") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::bad(format!(
                "query: active={other} is not true or false"
            )))
        }
    };
    Ok(Filter {
        charge_point_id: super::query::get(&params, "charge_point_id").map(str::to_owned),
        active,
    })
}

/// `GET /api/v1/transactions/{id}`: one transaction with its meter values.
pub(crate) async fn one(State(api): ApiState, Path(raw): Path<String>) -> Response {
    let state = api.shared.lock_state();
    let found = raw
        .parse::<i32>()
        .ok()
        .and_then(|id| state.transactions.get(&id));
    match found {
        Some(t) => to_json(&TransactionView::detail(t)),
        None => answer(Err(ApiError::not_found(format!("no transaction '{raw}'")))),
    }
}
