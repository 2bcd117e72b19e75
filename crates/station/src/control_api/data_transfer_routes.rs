//! The DataTransfer route (an extension of contract v1): EVerest's `data_transfer` command of
//! the OCPP module (`ocpp_data_transfer` interface) over HTTP: the station sends a
//! DataTransfer.req to the CSMS and answers what the CSMS answered.
//!
//! `POST /api/v1/ocpp/data-transfer` with `{"vendor_id": ..., "message_id": ..., "data": ...}`
//! (EVerest's `DataTransferRequest`; `message_id` and `data` optional) answers 200 with the
//! CSMS's DataTransfer.conf as EVerest's `DataTransferResponse` has it (`{"status": ...,
//! "data": ...}`), whatever the status. Where EVerest's command answers status `Offline`, this
//! route answers an error: 503 when the DataTransfer is not sent (offline or not registered:
//! libocpp queues no DataTransfer then and neither does ferrocharge), 504 when the CSMS sent
//! no DataTransfer.conf (a CALLERROR, no answer in time, the connection dropped). A vendor_id
//! that is empty or over 255 characters, or a message_id over 50 (OCPP's CiString255 and
//! CiString50) is refused (400).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ocpp_types::core::DataTransferRequest;
use ocpp_types::{CiString255, CiString50};
use serde::Deserialize;

use super::routes::{body, to_json, ApiError, Body, Shared};

/// The body: EVerest's `DataTransferRequest` type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataTransferBody {
    vendor_id: String,
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    data: Option<String>,
}

/// The request, checked.
fn request(body: DataTransferBody) -> Result<DataTransferRequest, ApiError> {
    if body.vendor_id.is_empty() {
        return Err(ApiError::bad("vendor_id: must not be empty"));
    }
    let vendor_id =
        CiString255::new(body.vendor_id).map_err(|e| ApiError::bad(format!("vendor_id: {e}")))?;
    let message_id = body
        .message_id
        .map(CiString50::new)
        .transpose()
        .map_err(|e| ApiError::bad(format!("message_id: {e}")))?;
    Ok(DataTransferRequest {
        vendor_id,
        message_id,
        data: body.data,
    })
}

/// `POST /api/v1/ocpp/data-transfer`.
pub async fn send(State(api): Shared, raw: Body) -> Response {
    let checked = body::<DataTransferBody>(raw, false).and_then(request);
    match checked {
        Ok(request) => match api.control.data_transfer(request).await {
            Ok(answer) => to_json(&answer),
            Err(e) => ApiError::from(e).into_response(),
        },
        Err(e) => e.into_response(),
    }
}
