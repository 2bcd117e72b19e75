//! What the core knows, as plain data for the station to show ([`CoreSnapshot`]): the
//! connection, registration, queue, and each connector's status, transaction and
//! reservation, computed from the core's own facts. It is correct offline too, where nothing
//! goes over the wire: a status that changed while offline is shown at once, although its
//! StatusNotification waits for the next connection (DESIGN §3: the state is read from the
//! core, never rebuilt from the frames it sent).

use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus, RegistrationStatus};
use ocpp_types::DateTime;

use super::cost_and_price::{DefaultPriceSnapshot, PricingSnapshot};
use super::evse_security::{InstalledCertificate, LeafCertificate};
use super::ChargePoint;

/// The core's state at one moment, as plain data for the station to show: computed from the
/// core's own facts, so correct offline too (a status changed offline shows at once, before its
/// StatusNotification goes out).
#[derive(Debug, Clone, PartialEq)]
pub struct CoreSnapshot {
    /// Whether the websocket to the central system is open.
    pub connected: bool,
    /// The last BootNotification answer; `None` before the first.
    pub registration: Option<RegistrationStatus>,
    /// Transaction-related messages (StartTransaction, MeterValues of a transaction,
    /// StopTransaction, critical SecurityEventNotifications) not yet confirmed by the central
    /// system, the one in flight included: what waits in the persistent queue.
    pub queued_transaction_messages: usize,
    /// The identifiers presented at the station whose Authorize.req waits for its answer
    /// (queued or in flight), oldest first.
    pub authorizing: Vec<String>,
    /// Every connector, index 0 the station as a whole.
    pub connectors: Vec<ConnectorSnapshot>,
    /// California Pricing: the default price in force; `None` when California Pricing is off
    /// (CustomDisplayCostAndPrice false).
    pub default_price: Option<DefaultPriceSnapshot>,
    /// The CA certificates in the station's certificate store (CSMS, manufacturer, V2G and
    /// MO roots, the CSMS fallback root included) as the core last read them: at start, at
    /// every connection and after every change it made; empty without a store.
    pub certificates: Vec<InstalledCertificate>,
    /// The station's own certificates (the charge point certificate, the SECC certificate),
    /// read when `certificates` is.
    pub own_certificates: Vec<LeafCertificate>,
}

impl CoreSnapshot {
    /// The connector `id` (0: the station).
    pub fn connector(&self, id: u32) -> Option<&ConnectorSnapshot> {
        self.connectors.get(id as usize)
    }
}

/// One connector as the core sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorSnapshot {
    /// The OCPP status now (§4.9): what the next StatusNotification says, even while it is not
    /// sent (offline, or waiting for MinimumStatusDuration).
    pub status: ChargePointStatus,
    /// The errorCode of the latest active hardware error, NoError without one.
    pub error_code: ChargePointErrorCode,
    /// The info of the latest active hardware error, if it has one.
    pub error_info: Option<String>,
    /// The vendorErrorCode of the latest active hardware error, if it has one.
    pub vendor_error_code: Option<String>,
    /// The ids of the active hardware errors (what the station raised them with), oldest
    /// first; those that are faults make the status Faulted.
    pub error_ids: Vec<String>,
    /// Whether the station reported a cable plugged in.
    pub plugged: bool,
    /// The transaction running here.
    pub transaction: Option<TransactionSnapshot>,
    /// The reservation of this connector.
    pub reservation: Option<ReservationSnapshot>,
    /// An identifier accepted here and waiting for the transaction to start.
    pub authorized: Option<String>,
    /// California Pricing: the pricing of the session here (kept after it ends, until the
    /// next one starts); `None` before the first session and when California Pricing is off.
    pub pricing: Option<PricingSnapshot>,
}

/// A running transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionSnapshot {
    /// The transactionId the central system gave it, or while StartTransaction.conf has not
    /// arrived, the core's placeholder: a negative number (as libocpp's internal id).
    pub id: i32,
    /// Whether `id` is the central system's (StartTransaction.conf arrived).
    pub confirmed: bool,
    /// The identifier it runs for.
    pub id_tag: String,
    /// meterStart, Wh.
    pub meter_start_wh: i32,
    /// When it started (the core's clock).
    pub started_at: DateTime,
}

/// A reservation in force.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservationSnapshot {
    /// Its reservationId.
    pub id: i32,
    /// The identifier it is for.
    pub id_tag: String,
    /// When it expires.
    pub expiry_date: DateTime,
}

impl ChargePoint {
    /// The core's state now. Cheap enough to call after every input (a few strings per
    /// connector), which is what the driver does.
    pub fn snapshot(&self) -> CoreSnapshot {
        CoreSnapshot {
            connected: self.connected,
            registration: self.registration.status,
            queued_transaction_messages: self.queue.transaction_messages(),
            authorizing: self
                .queue
                .authorizing()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            connectors: self
                .connectors
                .iter()
                .enumerate()
                .map(|(id, c)| {
                    let latest_error = c.errors.last().map(|e| &e.details);
                    ConnectorSnapshot {
                        status: c.status(id == 0),
                        error_code: c.error_code(),
                        error_info: latest_error.and_then(|e| e.info.clone()),
                        vendor_error_code: latest_error.and_then(|e| e.vendor_error_code.clone()),
                        error_ids: c.errors.iter().map(|e| e.id.clone()).collect(),
                        plugged: c.plugged,
                        transaction: c.transaction.as_ref().map(|t| TransactionSnapshot {
                            id: t.record.transaction_id.unwrap_or(t.record.placeholder_id),
                            confirmed: t.record.transaction_id.is_some(),
                            id_tag: t.record.id_tag.as_str().to_owned(),
                            meter_start_wh: t.record.meter_start_wh,
                            started_at: t.record.started_at,
                        }),
                        reservation: c.reservation.as_ref().map(|r| ReservationSnapshot {
                            id: r.id,
                            id_tag: r.id_tag.as_str().to_owned(),
                            expiry_date: r.expiry_date,
                        }),
                        authorized: c.authorized.as_ref().map(|t| t.as_str().to_owned()),
                        pricing: self.pricing_snapshot(id),
                    }
                })
                .collect(),
            default_price: self.default_price_snapshot(),
            certificates: self.installed_certificates_cached().to_vec(),
            own_certificates: self.leaf_certificates_cached().to_vec(),
        }
    }
}
