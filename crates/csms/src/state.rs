//! What the dev CSMS remembers, in memory: the charge points that connected, their connectors'
//! last status, the transactions with their meter values, and the notifications received.
//!
//! Everything is `Clone` + `Serialize`, so the API hands out snapshots
//! ([`Csms::state`](crate::Csms::state)) and the web UI can send them as JSON.

use std::collections::BTreeMap;

use ocpp_types::core::{
    BootNotificationRequest, DataTransferRequest, Reason, RegistrationStatus,
    StatusNotificationRequest,
};
use ocpp_types::firmware::{
    DiagnosticsStatusNotificationRequest, FirmwareStatusNotificationRequest,
};
use ocpp_types::meter::MeterValue;
use ocpp_types::security::{
    LogStatusNotificationRequest, SecurityEventNotificationRequest, SignCertificateRequest,
    SignedFirmwareStatusNotificationRequest,
};
use ocpp_types::DateTime;
use serde::Serialize;

/// Everything recorded since the CSMS started.
#[derive(Debug, Clone, Default, Serialize)]
pub struct State {
    /// The charge points that ever connected, by ChargePointId.
    pub charge_points: BTreeMap<String, ChargePoint>,
    /// Every transaction started, by transactionId.
    pub transactions: BTreeMap<i32, Transaction>,
    /// The last transactionId handed out (0: none yet).
    pub last_transaction_id: i32,
}

impl State {
    /// The charge point `id`, created on first use.
    pub fn charge_point_mut(&mut self, id: &str) -> &mut ChargePoint {
        self.charge_points
            .entry(id.to_owned())
            .or_insert_with(|| ChargePoint::new(id))
    }

    /// The next transactionId: 1, 2, 3, ... (i32 wraps back to 1 rather than going negative).
    pub fn allocate_transaction_id(&mut self) -> i32 {
        self.last_transaction_id = self.last_transaction_id.checked_add(1).unwrap_or(1);
        self.last_transaction_id
    }

    /// The transactions of charge point `id`, oldest first.
    pub fn transactions_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Transaction> {
        self.transactions
            .values()
            .filter(move |t| t.charge_point_id == id)
    }
}

/// One charge point.
#[derive(Debug, Clone, Serialize)]
pub struct ChargePoint {
    /// Its ChargePointId (the last path segment).
    pub id: String,
    /// Whether its websocket is open now.
    pub connected: bool,
    /// Its last BootNotification.
    pub boot: Option<BootNotificationRequest>,
    /// What its last BootNotification was answered.
    pub registration: Option<RegistrationStatus>,
    /// When it last sent a Heartbeat (our clock).
    pub last_heartbeat: Option<DateTime>,
    /// The last StatusNotification of each connector (0 is the charge point itself).
    pub connectors: BTreeMap<i32, StatusNotificationRequest>,
    /// Meter values sent outside a known transaction, with their connector.
    pub meter_values: Vec<(i32, MeterValue)>,
    /// Firmware, diagnostics, log, security and data-transfer messages, in arrival order.
    pub notifications: Vec<Notification>,
}

impl ChargePoint {
    /// A charge point nothing is known about yet.
    pub fn new(id: &str) -> ChargePoint {
        ChargePoint {
            id: id.to_owned(),
            connected: false,
            boot: None,
            registration: None,
            last_heartbeat: None,
            connectors: BTreeMap::new(),
            meter_values: Vec::new(),
            notifications: Vec::new(),
        }
    }
}

/// A transaction, from StartTransaction to StopTransaction.
#[derive(Debug, Clone, Serialize)]
pub struct Transaction {
    /// The transactionId we handed out.
    pub id: i32,
    /// The charge point it runs on.
    pub charge_point_id: String,
    /// The connector.
    pub connector_id: i32,
    /// The idTag that started it.
    pub id_tag: String,
    /// meterStart, in Wh.
    pub meter_start: i32,
    /// When it started (the charge point's timestamp).
    pub started: DateTime,
    /// The reservation it used, if any.
    pub reservation_id: Option<i32>,
    /// Meter values from MeterValues with this transactionId and from StopTransaction's
    /// transactionData, in arrival order.
    pub meter_values: Vec<MeterValue>,
    /// How it ended; `None` while it runs.
    pub stop: Option<TransactionStop>,
}

impl Transaction {
    /// The energy charged in Wh, once stopped.
    pub fn energy_wh(&self) -> Option<i64> {
        self.stop
            .as_ref()
            .map(|s| i64::from(s.meter_stop) - i64::from(self.meter_start))
    }
}

/// The end of a transaction.
#[derive(Debug, Clone, Serialize)]
pub struct TransactionStop {
    /// meterStop, in Wh.
    pub meter_stop: i32,
    /// When it stopped (the charge point's timestamp).
    pub timestamp: DateTime,
    /// Why; absent means Local.
    pub reason: Option<Reason>,
    /// The idTag that stopped it, if one did.
    pub id_tag: Option<String>,
}

/// A charge-point message recorded as it came.
#[derive(Debug, Clone, Serialize)]
pub enum Notification {
    /// DiagnosticsStatusNotification.
    DiagnosticsStatus(DiagnosticsStatusNotificationRequest),
    /// FirmwareStatusNotification.
    FirmwareStatus(FirmwareStatusNotificationRequest),
    /// SignedFirmwareStatusNotification.
    SignedFirmwareStatus(SignedFirmwareStatusNotificationRequest),
    /// LogStatusNotification.
    LogStatus(LogStatusNotificationRequest),
    /// SecurityEventNotification.
    SecurityEvent(SecurityEventNotificationRequest),
    /// SignCertificate (answered Rejected: the dev CSMS has no CA).
    SignCertificate(SignCertificateRequest),
    /// DataTransfer (answered UnknownVendorId).
    DataTransfer(DataTransferRequest),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_ids_count_up_and_wrap_to_one() {
        let mut state = State::default();
        assert_eq!(state.allocate_transaction_id(), 1);
        assert_eq!(state.allocate_transaction_id(), 2);
        state.last_transaction_id = i32::MAX;
        assert_eq!(state.allocate_transaction_id(), 1);
    }
}
