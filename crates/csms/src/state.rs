//! What the dev CSMS remembers: the charge points that connected, their connectors' last
//! status, the tags, the transactions with their meter values, and the notifications received.
//! Tags, charge-point settings and transactions are also in the [`Store`](crate::store::Store)
//! and loaded from it at start; the rest lives in memory only.
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
use ocpp_types::id_tag::AuthorizationStatus;
use ocpp_types::meter::MeterValue;
use ocpp_types::security::{
    LogStatusNotificationRequest, SecurityEventNotificationRequest, SignCertificateRequest,
    SignedFirmwareStatusNotificationRequest,
};
use ocpp_types::DateTime;
use serde::Serialize;

use crate::options::TagEntry;
use crate::store::Loaded;

/// Everything recorded (since the database was made, for what the database keeps).
#[derive(Debug, Clone, Default, Serialize)]
pub struct State {
    /// The charge points that ever connected or were configured, by ChargePointId.
    pub charge_points: BTreeMap<String, ChargePoint>,
    /// Every transaction started, by transactionId.
    pub transactions: BTreeMap<i32, Transaction>,
    /// The last transactionId handed out (0: none yet).
    pub last_transaction_id: i32,
    /// The tags, oldest first (idTags compare case-insensitively: no two differ in case only).
    pub tags: Vec<TagEntry>,
}

impl State {
    /// The state the database holds.
    pub fn from_loaded(loaded: Loaded) -> State {
        let mut state = State::default();
        for tag in loaded.tags {
            state.put_tag(tag);
        }
        for (id, answer) in loaded.charge_points {
            state.charge_point_mut(&id).registration_answer = answer;
        }
        for t in loaded.transactions {
            state.last_transaction_id = state.last_transaction_id.max(t.id);
            state.charge_point_mut(&t.charge_point_id);
            state.transactions.insert(t.id, t);
        }
        state
    }

    /// The tag `id_tag` (case-insensitive), if it is known.
    pub fn tag(&self, id_tag: &str) -> Option<&TagEntry> {
        self.tags
            .iter()
            .find(|t| t.id_tag.eq_ignore_ascii_case(id_tag))
    }

    /// Adds a tag (last) or replaces the one with the same idTag (case-insensitive) in place.
    pub fn put_tag(&mut self, tag: TagEntry) {
        match self
            .tags
            .iter_mut()
            .find(|t| t.id_tag.eq_ignore_ascii_case(&tag.id_tag))
        {
            Some(slot) => *slot = tag,
            None => self.tags.push(tag),
        }
    }

    /// Removes the tag `id_tag` (case-insensitive); the removed tag, if there was one.
    pub fn remove_tag(&mut self, id_tag: &str) -> Option<TagEntry> {
        let at = self
            .tags
            .iter()
            .position(|t| t.id_tag.eq_ignore_ascii_case(id_tag))?;
        Some(self.tags.remove(at))
    }

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
    /// What its BootNotification is to be answered; `None`: the CSMS's default
    /// ([`CsmsOptions::registration_status`](crate::CsmsOptions::registration_status)).
    pub registration_answer: Option<RegistrationAnswer>,
    /// How its current (or last) connection is secured.
    pub security: Option<ConnectionSecurity>,
    /// When its current (or last) connection was accepted (our clock).
    pub connected_at: Option<DateTime>,
    /// The web UI of the station behind it, when known (`ferrocharge sil`).
    pub station_ui: Option<String>,
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
            registration_answer: None,
            security: None,
            connected_at: None,
            station_ui: None,
            last_heartbeat: None,
            connectors: BTreeMap::new(),
            meter_values: Vec::new(),
            notifications: Vec::new(),
        }
    }
}

/// What a charge point's BootNotification is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RegistrationAnswer {
    /// Accepted, Pending or Rejected.
    pub status: RegistrationStatus,
    /// The interval in seconds: the heartbeat interval when Accepted, the wait before the
    /// next BootNotification otherwise.
    pub interval: i32,
}

/// How a charge point's websocket is secured: what OCPP 1.6's security profiles are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ConnectionSecurity {
    /// The security profile this amounts to: 0 (nothing), 1 (Basic auth), 2 (TLS + Basic
    /// auth), 3 (TLS + client certificate). TLS without either is reported as 0's
    /// authentication over TLS: profile 0.
    pub profile: u8,
    /// Whether the connection is TLS (`wss://`).
    pub tls: bool,
    /// Whether it authenticated with Basic auth (its password is configured and matched).
    pub basic_auth: bool,
    /// Whether it presented a client certificate the CSMS verified.
    pub client_certificate: bool,
}

impl ConnectionSecurity {
    /// The security of a connection made of these parts.
    pub fn new(tls: bool, basic_auth: bool, client_certificate: bool) -> ConnectionSecurity {
        let profile = match (tls, basic_auth, client_certificate) {
            (true, _, true) => 3,
            (true, true, false) => 2,
            (false, true, _) => 1,
            _ => 0,
        };
        ConnectionSecurity {
            profile,
            tls,
            basic_auth,
            client_certificate,
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
    /// What StartTransaction.conf answered for the idTag.
    pub id_tag_status: AuthorizationStatus,
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

    #[test]
    fn tags_are_found_whatever_their_case() {
        let mut state = State::default();
        state.put_tag(TagEntry::new("DeadBeef"));
        assert_eq!(
            state.tag("DEADBEEF").map(|t| t.id_tag.as_str()),
            Some("DeadBeef")
        );
        state.put_tag(TagEntry::with_parent("deadbeef", "P"));
        assert_eq!(state.tags.len(), 1, "the same tag");
        assert!(state.remove_tag("DEADBEEF").is_some());
        assert!(state.tag("deadbeef").is_none());
    }

    #[test]
    fn the_security_profile_follows_from_its_parts() {
        let profile = |tls, basic, cert| ConnectionSecurity::new(tls, basic, cert).profile;
        assert_eq!(profile(false, false, false), 0);
        assert_eq!(profile(false, true, false), 1);
        assert_eq!(profile(true, true, false), 2);
        assert_eq!(profile(true, false, true), 3);
        assert_eq!(profile(true, false, false), 0);
    }
}
