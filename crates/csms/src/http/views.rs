//! The JSON the API answers for a charge point, a transaction and a tag: flat, snake_case,
//! every field always present (`null` when unknown), so a script reads them without guessing.

use ocpp_types::core::{RegistrationStatus, StatusNotificationRequest};
use ocpp_types::id_tag::AuthorizationStatus;
use ocpp_types::meter::MeterValue;
use ocpp_types::{Action, DateTime};
use serde::Serialize;

use crate::options::TagEntry;
use crate::state::{ChargePoint, ConnectionSecurity, RegistrationAnswer, State, Transaction};

/// A charge point, as `GET /api/v1/charge-points` lists it.
#[derive(Debug, Serialize)]
pub(crate) struct ChargePointView {
    id: String,
    connected: bool,
    vendor: Option<String>,
    model: Option<String>,
    firmware_version: Option<String>,
    serial_number: Option<String>,
    /// The last BootNotification payload as sent.
    boot_notification: Option<serde_json::Value>,
    registration: Option<RegistrationStatus>,
    registration_answer: Option<RegistrationAnswer>,
    security: Option<ConnectionSecurity>,
    connected_at: Option<DateTime>,
    last_heartbeat: Option<DateTime>,
    /// The station's own web UI, when known (`ferrocharge sil`).
    station_ui: Option<String>,
    connectors: Vec<ConnectorView>,
    /// The CSMS-initiated call waiting for its answer, if one is.
    call_waiting: Option<&'static str>,
    /// The transactions running on it, by id.
    active_transactions: Vec<i32>,
}

/// A connector's last StatusNotification.
#[derive(Debug, Serialize)]
pub(crate) struct ConnectorView {
    id: i32,
    status: serde_json::Value,
    error_code: serde_json::Value,
    info: Option<String>,
    vendor_id: Option<String>,
    vendor_error_code: Option<String>,
    timestamp: Option<DateTime>,
}

impl ChargePointView {
    /// The view of `cp` in `state`, with `call_waiting`.
    pub(crate) fn new(state: &State, cp: &ChargePoint, call_waiting: Option<Action>) -> Self {
        let boot = cp.boot.as_ref();
        ChargePointView {
            id: cp.id.clone(),
            connected: cp.connected,
            vendor: boot.map(|b| b.charge_point_vendor.as_str().to_owned()),
            model: boot.map(|b| b.charge_point_model.as_str().to_owned()),
            firmware_version: boot
                .and_then(|b| b.firmware_version.as_ref().map(|v| v.as_str().to_owned())),
            serial_number: boot.and_then(|b| {
                b.charge_point_serial_number
                    .as_ref()
                    .map(|v| v.as_str().to_owned())
            }),
            boot_notification: boot.map(ocpp_types::encode),
            registration: cp.registration,
            registration_answer: cp.registration_answer,
            security: cp.security,
            connected_at: cp.connected_at,
            last_heartbeat: cp.last_heartbeat,
            station_ui: cp.station_ui.clone(),
            connectors: cp.connectors.values().map(ConnectorView::new).collect(),
            call_waiting: call_waiting.map(Action::as_str),
            active_transactions: state
                .transactions_of(&cp.id)
                .filter(|t| t.stop.is_none())
                .map(|t| t.id)
                .collect(),
        }
    }
}

impl ConnectorView {
    fn new(s: &StatusNotificationRequest) -> Self {
        ConnectorView {
            id: s.connector_id,
            status: ocpp_types::encode(&s.status),
            error_code: ocpp_types::encode(&s.error_code),
            info: s.info.as_ref().map(|v| v.as_str().to_owned()),
            vendor_id: s.vendor_id.as_ref().map(|v| v.as_str().to_owned()),
            vendor_error_code: s.vendor_error_code.as_ref().map(|v| v.as_str().to_owned()),
            timestamp: s.timestamp,
        }
    }
}

/// A transaction, as `GET /api/v1/transactions` lists it; with its meter values for
/// `GET /api/v1/transactions/{id}`.
#[derive(Debug, Serialize)]
pub(crate) struct TransactionView<'a> {
    id: i32,
    charge_point_id: &'a str,
    connector_id: i32,
    id_tag: &'a str,
    id_tag_status: AuthorizationStatus,
    reservation_id: Option<i32>,
    meter_start: i32,
    started: DateTime,
    meter_stop: Option<i32>,
    stopped: Option<DateTime>,
    /// Why it stopped: the reason sent, `Local` when the StopTransaction gave none (OCPP 1.6
    /// §7.40: absent means Local); `null` while it runs.
    stop_reason: Option<serde_json::Value>,
    stop_id_tag: Option<&'a str>,
    /// meterStop − meterStart, once stopped.
    energy_wh: Option<i64>,
    meter_value_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    meter_values: Option<&'a [MeterValue]>,
}

impl<'a> TransactionView<'a> {
    /// The summary of `t` (without meter values).
    pub(crate) fn summary(t: &'a Transaction) -> Self {
        let stop = t.stop.as_ref();
        TransactionView {
            id: t.id,
            charge_point_id: &t.charge_point_id,
            connector_id: t.connector_id,
            id_tag: &t.id_tag,
            id_tag_status: t.id_tag_status,
            reservation_id: t.reservation_id,
            meter_start: t.meter_start,
            started: t.started,
            meter_stop: stop.map(|s| s.meter_stop),
            stopped: stop.map(|s| s.timestamp),
            stop_reason: stop
                .map(|s| ocpp_types::encode(&s.reason.unwrap_or(ocpp_types::core::Reason::Local))),
            stop_id_tag: stop.and_then(|s| s.id_tag.as_deref()),
            energy_wh: t.energy_wh(),
            meter_value_count: t.meter_values.len(),
            meter_values: None,
        }
    }

    /// `t` with its meter values.
    pub(crate) fn detail(t: &'a Transaction) -> Self {
        TransactionView {
            meter_values: Some(&t.meter_values),
            ..Self::summary(t)
        }
    }
}

/// A tag.
#[derive(Debug, Serialize)]
pub(crate) struct TagView<'a> {
    id_tag: &'a str,
    status: AuthorizationStatus,
    expiry_date: Option<DateTime>,
    parent_id_tag: Option<&'a str>,
    /// What Authorize answers for it now (Expired once expired).
    effective_status: AuthorizationStatus,
}

impl<'a> TagView<'a> {
    /// The view of `tag` at `now`.
    pub(crate) fn new(tag: &'a TagEntry, now: DateTime) -> Self {
        TagView {
            id_tag: &tag.id_tag,
            status: tag.status,
            expiry_date: tag.expiry_date,
            parent_id_tag: tag.parent_id_tag.as_deref(),
            effective_status: tag.status_at(now),
        }
    }
}
