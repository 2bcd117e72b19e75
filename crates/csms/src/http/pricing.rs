//! The pricing routes: California Pricing on or off, the default tariff and a tariff per idTag
//! (`crate::pricing`).

use axum::extract::State;
use axum::response::Response;

use super::{answer, body, to_json, ApiError, ApiState, Body};
use crate::pricing::Pricing;

/// `GET /api/v1/pricing`.
pub(crate) async fn get(State(api): ApiState) -> Response {
    let pricing = api.shared.lock_state().pricing.clone();
    to_json(&pricing)
}

/// `PUT /api/v1/pricing`: `{"enabled", "default": <tariff>, "tags": {idTag: <tariff>}}`
/// replaces the settings whole; a tariff is `{"currency", "kwh_price", "hour_price"?,
/// "flat_fee"?}`, every price 0 or more.
pub(crate) async fn put(State(api): ApiState, raw: Body) -> Response {
    let run = || -> Result<Response, ApiError> {
        let pricing: Pricing = body(raw)?;
        pricing.check().map_err(ApiError::bad)?;
        api.shared
            .put_pricing(pricing.clone())
            .map_err(|e| ApiError::store(&e))?;
        tracing::info!(
            "pricing {}: default {} {}/kWh, {} tag tariffs",
            if pricing.enabled { "on" } else { "off" },
            pricing.default.kwh_price,
            pricing.default.currency,
            pricing.tags.len()
        );
        Ok(to_json(&pricing))
    };
    answer(run())
}
