//! The station state the control API shows ([`StationState`]), built from the station's own
//! model, never from the OCPP frames on the wire (DESIGN §3), so it is as true offline as
//! online:
//!
//! - the charge-point core's [`CoreSnapshot`]: connection, registration, the queue, each
//!   connector's status, error, transaction (with its placeholder id until the CSMS gives
//!   one) and reservation;
//! - the simulation: plug, car, meter, raised hardware errors, the EvseManager's state;
//! - the energy tree's offers: the current each EVSE offers and what sets it;
//! - what only the runtime sees ([`StationView`]): why the connection failed, the
//!   identifications at each connector with their results, the store files found
//!   unreadable at start, and the security log's last events.

use std::collections::{HashMap, VecDeque};

use chargepoint::charge_point::evse_security::{
    CaCertificateType, InstalledCertificate, LeafCertificate, LeafCertificateType,
};
use chargepoint::charge_point::{ConnectorSnapshot, CoreSnapshot};
use chargepoint::recovery::Recovered;
use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo};

use super::evse::Evse;
use crate::control_api::{
    CertificateState, CertificateType, ConnectionFailure, ConnectorState, DefaultPriceState,
    Identification, IdentificationResult, LimitSource, MqttState, OcppState, PricingState,
    ReservationState, SecurityEventEntry, StationState, TransactionState, RECENT_SECURITY_EVENTS,
};
use crate::display::DisplayMessage;
use crate::energy::{self, Offer};
use crate::sim::CarState;

/// A token presented and not answered by the core yet.
#[derive(Debug, Clone)]
struct Presented {
    id_tag: String,
    /// The connectors it was presented for, with what they showed before (put back where the
    /// token does not end up).
    connectors: Vec<(u32, Option<Identification>)>,
}

/// What the runtime knows beyond the core and the simulation. See the [module docs](self).
#[derive(Debug, Clone, Default)]
pub struct StationView {
    charge_point_id: String,
    /// The CSMS's web UI (`settings.csms_web_ui`).
    csms_web_ui: Option<String>,
    last_error: Option<ConnectionFailure>,
    identifications: HashMap<u32, Identification>,
    presented: Vec<Presented>,
    /// The files found unreadable at start and moved aside: shown for the whole run.
    store_recovered: Vec<Recovered>,
    /// The security log's last events, oldest first, each with its number in this run (0
    /// for those read back from earlier runs).
    security_events: VecDeque<(u64, SecurityEventEntry)>,
    /// How many security events this run logged.
    security_events_logged: u64,
    /// The MQTT broker and whether it is connected, when the station has one.
    mqtt: Option<MqttState>,
}

fn now_text() -> String {
    crate::message_log::timestamp(chrono::Utc::now())
}

impl StationView {
    /// Nothing known yet about the station `charge_point_id`.
    pub fn new(charge_point_id: &str) -> StationView {
        StationView {
            charge_point_id: charge_point_id.to_owned(),
            ..StationView::default()
        }
    }

    /// The CSMS's web UI to link to (the state's `ocpp.csms_web_ui`).
    pub fn with_csms_web_ui(mut self, url: Option<String>) -> StationView {
        self.csms_web_ui = url;
        self
    }

    /// The files found unreadable at start and moved aside (the state's `store_recovered`).
    pub fn with_store_recovered(mut self, recovered: Vec<Recovered>) -> StationView {
        self.store_recovered = recovered;
        self
    }

    /// The security log's last events of earlier runs, oldest first (read back at start).
    pub fn with_security_events(mut self, earlier: Vec<SecurityEventEntry>) -> StationView {
        for entry in earlier {
            self.push_security_event(0, entry);
        }
        self
    }

    /// The station logged a security event: returns its number in this run.
    pub fn security_event(&mut self, entry: SecurityEventEntry) -> u64 {
        self.security_events_logged += 1;
        let seq = self.security_events_logged;
        self.push_security_event(seq, entry);
        seq
    }

    fn push_security_event(&mut self, seq: u64, entry: SecurityEventEntry) {
        if self.security_events.len() == RECENT_SECURITY_EVENTS {
            self.security_events.pop_front();
        }
        self.security_events.push_back((seq, entry));
    }

    /// The security log's last events, oldest first (the state's `security_events`).
    pub fn security_events(&self) -> Vec<SecurityEventEntry> {
        self.security_events
            .iter()
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// How many security events this run logged so far.
    pub fn security_events_logged(&self) -> u64 {
        self.security_events_logged
    }

    /// Whether an event of `kind` with `tech_info` was logged after the first `after` of
    /// this run (and is still among the last ones).
    pub fn has_security_event(&self, after: u64, kind: &str, tech_info: Option<&str>) -> bool {
        self.security_events
            .iter()
            .any(|(seq, e)| *seq > after && e.kind == kind && e.tech_info.as_deref() == tech_info)
    }

    /// The station connects to the MQTT broker `broker` (the state's `mqtt`).
    pub fn with_mqtt(mut self, broker: Option<&str>) -> StationView {
        self.mqtt = broker.map(|broker| MqttState {
            broker: broker.to_owned(),
            connected: false,
        });
        self
    }

    /// The MQTT broker is connected (true) or away.
    pub fn mqtt_connected(&mut self, connected: bool) {
        if let Some(mqtt) = &mut self.mqtt {
            mqtt.connected = connected;
        }
    }

    /// The last identification at `connector`.
    pub fn identification(&self, connector: u32) -> Option<&Identification> {
        self.identifications.get(&connector)
    }

    /// The connection is open: no failure to show.
    pub fn connected(&mut self) {
        self.last_error = None;
    }

    /// A connection attempt failed, or the connection ended.
    pub fn connection_failed(&mut self, kind: &str, message: &str) {
        self.last_error = Some(ConnectionFailure {
            time: now_text(),
            kind: kind.to_owned(),
            message: message.to_owned(),
        });
    }

    /// `id_tag` was presented at `connectors`: pending there until the core answers.
    pub fn token_presented(&mut self, id_tag: &str, connectors: &[u32]) {
        let pending = Identification {
            id_tag: id_tag.to_owned(),
            result: IdentificationResult::Pending,
            detail: None,
            time: now_text(),
        };
        let connectors = connectors
            .iter()
            .map(|c| (*c, self.identifications.insert(*c, pending.clone())))
            .collect();
        self.presented.push(Presented {
            id_tag: id_tag.to_owned(),
            connectors,
        });
    }

    /// Takes the oldest presentation of `id_tag`.
    fn take_presented(&mut self, id_tag: &str) -> Option<Presented> {
        let i = self.presented.iter().position(|p| p.id_tag == id_tag)?;
        Some(self.presented.remove(i))
    }

    /// Shows `outcome` at `at` (every connector of the presentation when `None`), and puts
    /// back what the others showed before.
    fn resolve(&mut self, presented: Presented, at: Option<u32>, outcome: Identification) {
        for (c, before) in presented.connectors {
            if at.is_none_or(|a| a == c) {
                self.identifications.insert(c, outcome.clone());
            } else {
                match before {
                    Some(before) => self.identifications.insert(c, before),
                    None => self.identifications.remove(&c),
                };
            }
        }
        if let Some(a) = at {
            self.identifications.insert(a, outcome);
        }
    }

    /// The core decided on a presented token (a [`StationCommand::AuthorizationResult`]):
    /// accepted and taken at `chosen`, or refused. `connected` tells an identifier unknown
    /// offline from one the CSMS did not answer. A result for no presented token (a remote
    /// start's Authorize) is ignored: its RemoteStart shows it.
    ///
    /// [`StationCommand::AuthorizationResult`]: chargepoint::charge_point::StationCommand::AuthorizationResult
    pub fn authorization_result(
        &mut self,
        id_tag: &str,
        accepted: bool,
        info: Option<&IdTagInfo>,
        chosen: Option<u32>,
        connected: bool,
    ) {
        let Some(presented) = self.take_presented(id_tag) else {
            return;
        };
        let (result, detail) = match (accepted, info.map(|i| i.status)) {
            (true, _) if chosen.is_some() => (IdentificationResult::Accepted, None),
            (true, _) => (
                IdentificationResult::Refused,
                Some("no connector is free for it".to_owned()),
            ),
            (false, Some(AuthorizationStatus::Accepted)) => (
                IdentificationResult::Refused,
                Some(
                    "the connector is reserved for another identifier, or none is free".to_owned(),
                ),
            ),
            (false, Some(status)) => (Self::ocpp_result(status), None),
            (false, None) if connected => (
                IdentificationResult::Invalid,
                Some("the CSMS did not answer the Authorize".to_owned()),
            ),
            (false, None) => (
                IdentificationResult::Invalid,
                Some(
                    "offline: not accepted by the local list or the authorization cache".to_owned(),
                ),
            ),
        };
        let outcome = Identification {
            id_tag: id_tag.to_owned(),
            result,
            detail,
            time: now_text(),
        };
        let at = if result == IdentificationResult::Accepted {
            chosen
        } else {
            None
        };
        self.resolve(presented, at, outcome);
    }

    fn ocpp_result(status: AuthorizationStatus) -> IdentificationResult {
        match status {
            AuthorizationStatus::Accepted => IdentificationResult::Accepted,
            AuthorizationStatus::Blocked => IdentificationResult::Blocked,
            AuthorizationStatus::Expired => IdentificationResult::Expired,
            AuthorizationStatus::Invalid => IdentificationResult::Invalid,
            AuthorizationStatus::ConcurrentTx => IdentificationResult::ConcurrentTx,
        }
    }

    /// `id_tag` stopped the transaction at `connector` (its own, or its group's).
    pub fn stopped_transaction(&mut self, id_tag: &str, connector: u32) {
        let outcome = Identification {
            id_tag: id_tag.to_owned(),
            result: IdentificationResult::Accepted,
            detail: Some(format!("stopped the transaction at connector {connector}")),
            time: now_text(),
        };
        match self.take_presented(id_tag) {
            Some(presented) => self.resolve(presented, Some(connector), outcome),
            None => {
                self.identifications.insert(connector, outcome);
            }
        }
    }

    /// The CSMS started a transaction remotely for `id_tag` at `connector`.
    pub fn remote_start(&mut self, id_tag: &str, connector: u32) {
        self.identifications.insert(
            connector,
            Identification {
                id_tag: id_tag.to_owned(),
                result: IdentificationResult::Accepted,
                detail: Some("RemoteStartTransaction".to_owned()),
                time: now_text(),
            },
        );
    }

    /// The authorization at `connector` ran out (ConnectionTimeOut) before a car came.
    pub fn authorization_expired(&mut self, connector: u32) {
        if let Some(shown) = self.identifications.get_mut(&connector) {
            shown.detail =
                Some("not used: no car was plugged in within ConnectionTimeOut".to_owned());
        }
    }

    /// The whole state.
    pub fn build(
        &self,
        core: &CoreSnapshot,
        evses: &[Evse],
        offers: &HashMap<u32, Offer>,
        display: Option<&[DisplayMessage]>,
        offline_requested: bool,
    ) -> StationState {
        StationState {
            ocpp: OcppState {
                connected: core.connected,
                registration: core.registration,
                charge_point_id: self.charge_point_id.clone(),
                queued: core.queued_transaction_messages,
                last_error: self.last_error.clone().filter(|_| !core.connected),
                offline_requested,
                csms_web_ui: self.csms_web_ui.clone(),
            },
            connectors: evses
                .iter()
                .map(|evse| {
                    self.connector(
                        evse,
                        core.connector(evse.connector),
                        offers.get(&evse.connector),
                    )
                })
                .collect(),
            display_messages: display.map(<[DisplayMessage]>::to_vec),
            store_recovered: self.store_recovered.clone(),
            default_price: core
                .default_price
                .as_ref()
                .map(|p| Box::new(DefaultPriceState::from(p))),
            security_events: self.security_events(),
            mqtt: self.mqtt.clone(),
            certificates: core
                .certificates
                .iter()
                .map(certificate_state)
                .chain(core.own_certificates.iter().map(own_certificate_state))
                .collect(),
        }
    }

    fn connector(
        &self,
        evse: &Evse,
        core: Option<&ConnectorSnapshot>,
        offer: Option<&Offer>,
    ) -> ConnectorState {
        let transaction = core.and_then(|c| c.transaction.as_ref());
        let reading = evse.sim.board().meter().reading();
        let car = evse.sim.car();
        let draw = car.signal().draw;
        let limit_source = offer.map(|offer| match draw {
            // A regulated car takes at most the offer: below it, the car is what limits.
            Some(d) if d.regulated && d.current_a + 0.05 < offer.amps => LimitSource::Car,
            _ => match offer.source {
                energy::LimitSource::Evse => LimitSource::Evse,
                energy::LimitSource::Fuse => LimitSource::Fuse,
                energy::LimitSource::OcppProfile => LimitSource::OcppProfile,
                energy::LimitSource::Api => LimitSource::Api,
            },
        });
        ConnectorState {
            id: evse.connector,
            status: core.map_or(ChargePointStatus::Available, |c| c.status),
            error_code: core.map_or(ChargePointErrorCode::NoError, |c| c.error_code),
            transaction_id: transaction.map(|t| t.id),
            id_tag: transaction.map(|t| t.id_tag.clone()),
            session_id: evse.session_id.clone(),
            power_w: reading.power_w,
            energy_wh: reading.energy_wh,
            plugged: evse.plugged(),
            limit_a: offer.map(|o| o.amps),
            limit_source,
            fault: evse
                .sim
                .board()
                .active_errors()
                .map(|e| e.name().to_owned())
                .collect(),
            fault_raised: evse
                .sim
                .board()
                .active_errors()
                .filter(|e| evse.sim.board().is_raised_from_outside(*e))
                .map(|e| e.name().to_owned())
                .collect(),
            error_info: core.and_then(|c| c.error_info.clone()),
            authorization: self.identifications.get(&evse.connector).cloned(),
            transaction: transaction.map(|t| TransactionState {
                id: t.id,
                confirmed: t.confirmed,
                id_tag: t.id_tag.clone(),
                meter_start_wh: t.meter_start_wh,
                started_at: t.started_at.to_string(),
            }),
            reservation: core
                .and_then(|c| c.reservation.as_ref())
                .map(|r| ReservationState {
                    id: r.id,
                    id_tag: r.id_tag.clone(),
                    expiry_date: r.expiry_date.to_string(),
                }),
            evse_state: format!("{:?}", evse.sim.evse_manager().state()),
            pricing: core
                .and_then(|c| c.pricing.as_ref())
                .map(PricingState::from),
            car: car_state(evse).to_owned(),
            random_delay: random_delay_state(evse.sim.evse_manager()),
        }
    }
}

/// What the car at `evse` does, as the state's `car` names it.
pub fn car_state(evse: &Evse) -> &'static str {
    let car = evse.sim.car();
    match car.state() {
        CarState::Unplugged => "unplugged",
        CarState::PluggedIn | CarState::IsoPowerReady | CarState::BcbToggle { .. }
            if car.is_running() =>
        {
            "plugged_in"
        }
        CarState::PluggedIn | CarState::IsoPowerReady | CarState::BcbToggle { .. } => "paused",
        CarState::ChargingRegulated | CarState::ChargingFixed | CarState::IsoCharging => "drawing",
        CarState::ErrorE => "error_e",
        CarState::DiodeFail => "diode_fail",
    }
}

/// The state of a station of `connectors` connectors before anything is known (what the
/// control API's handle starts with).
pub fn initial(charge_point_id: &str, connectors: u32) -> StationState {
    StationState {
        ocpp: OcppState {
            connected: false,
            registration: None,
            charge_point_id: charge_point_id.to_owned(),
            queued: 0,
            last_error: None,
            offline_requested: false,
            csms_web_ui: None,
        },
        connectors: (1..=connectors)
            .map(|id| ConnectorState {
                id,
                status: ChargePointStatus::Available,
                error_code: ChargePointErrorCode::NoError,
                transaction_id: None,
                id_tag: None,
                session_id: None,
                power_w: 0.0,
                energy_wh: 0.0,
                plugged: false,
                limit_a: None,
                limit_source: None,
                fault: Vec::new(),
                fault_raised: Vec::new(),
                error_info: None,
                authorization: None,
                transaction: None,
                reservation: None,
                evse_state: "Idle".to_owned(),
                pricing: None,
                car: "unplugged".to_owned(),
                random_delay: None,
            })
            .collect(),
        display_messages: None,
        store_recovered: Vec::new(),
        default_price: None,
        security_events: Vec::new(),
        mqtt: None,
        certificates: Vec::new(),
    }
}

/// One of the station's own certificates as the state shows it.
fn own_certificate_state(c: &LeafCertificate) -> CertificateState {
    CertificateState {
        kind: match c.kind {
            LeafCertificateType::Csms => CertificateType::ChargePointCertificate,
            LeafCertificateType::V2g => CertificateType::V2gCertificate,
        },
        subject: c.subject.clone(),
        expiry: c.not_after.to_string(),
        serial_number: c.serial_number.clone(),
        fallback: false,
    }
}

/// An installed certificate as the state shows it.
fn certificate_state(c: &InstalledCertificate) -> CertificateState {
    CertificateState {
        kind: match c.kind {
            CaCertificateType::Csms => CertificateType::CentralSystemRootCertificate,
            CaCertificateType::Mf => CertificateType::ManufacturerRootCertificate,
            CaCertificateType::V2g => CertificateType::V2gRootCertificate,
            CaCertificateType::Mo => CertificateType::MoRootCertificate,
        },
        subject: c.subject.clone(),
        expiry: c.not_after.to_string(),
        serial_number: c.hash_data.serial_number.to_string(),
        fallback: c.fallback,
    }
}

/// The random delay of an EVSE as the state shows it (`None` while random delays are off).
fn random_delay_state(
    manager: &crate::sim::evse_manager::EvseManager,
) -> Option<crate::control_api::RandomDelayState> {
    let countdown = manager.random_delay_countdown()?;
    Some(crate::control_api::RandomDelayState {
        max_duration_s: manager.random_delay_settings().1,
        countdown_s: countdown.countdown_s,
        limit_during_a: countdown.current_limit_during_delay_a,
        limit_after_a: countdown.current_limit_after_delay_a,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_installed_certificate_shows_its_type_subject_and_expiry() {
        use ocpp_types::security::{CertificateHashData, HashAlgorithm};
        let hash = |serial: &str| CertificateHashData {
            hash_algorithm: HashAlgorithm::Sha256,
            issuer_name_hash: ocpp_types::CiString::new("aa").unwrap(),
            issuer_key_hash: ocpp_types::CiString::new("bb").unwrap(),
            serial_number: ocpp_types::CiString::new(serial).unwrap(),
        };
        let shown: Vec<serde_json::Value> = [
            (CaCertificateType::Csms, "a1b2c", false),
            (CaCertificateType::Csms, "1", true),
            (CaCertificateType::Mf, "2", false),
            (CaCertificateType::V2g, "3", false),
            (CaCertificateType::Mo, "4", false),
        ]
        .into_iter()
        .map(|(kind, serial, fallback)| {
            let installed = InstalledCertificate {
                kind,
                hash_data: hash(serial),
                subject: "CN=Root,O=Example".to_owned(),
                not_after: ocpp_types::DateTime::parse("2045-01-01T00:00:00Z").unwrap(),
                fallback,
            };
            serde_json::to_value(certificate_state(&installed)).unwrap()
        })
        .collect();
        assert_eq!(
            shown[0],
            serde_json::json!({"type": "CentralSystemRootCertificate",
                "subject": "CN=Root,O=Example", "expiry": "2045-01-01T00:00:00.000Z",
                "serial_number": "a1b2c", "fallback": false})
        );
        assert_eq!(shown[1]["fallback"], true);
        let types: Vec<&str> = shown.iter().filter_map(|s| s["type"].as_str()).collect();
        assert_eq!(
            types,
            vec![
                "CentralSystemRootCertificate",
                "CentralSystemRootCertificate",
                "ManufacturerRootCertificate",
                "V2GRootCertificate",
                "MORootCertificate"
            ]
        );
        let own = |kind| {
            serde_json::to_value(own_certificate_state(&LeafCertificate {
                kind,
                subject: "CN=cp001".to_owned(),
                not_after: ocpp_types::DateTime::parse("2027-01-01T00:00:00Z").unwrap(),
                serial_number: "c0ffee".to_owned(),
            }))
            .unwrap()
        };
        assert_eq!(
            own(LeafCertificateType::Csms),
            serde_json::json!({"type": "ChargePointCertificate", "subject": "CN=cp001",
                "expiry": "2027-01-01T00:00:00.000Z", "serial_number": "c0ffee",
                "fallback": false})
        );
        assert_eq!(own(LeafCertificateType::V2g)["type"], "V2GCertificate");
    }

    fn info(status: AuthorizationStatus) -> IdTagInfo {
        IdTagInfo::with_status(status)
    }

    fn result(view: &StationView, c: u32) -> Option<(IdentificationResult, Option<String>)> {
        view.identification(c).map(|i| (i.result, i.detail.clone()))
    }

    #[test]
    fn a_card_is_pending_until_the_core_answers_then_shows_its_result() {
        let mut view = StationView::new("cp");
        view.token_presented("RFID1", &[1]);
        assert_eq!(
            result(&view, 1),
            Some((IdentificationResult::Pending, None))
        );
        view.authorization_result(
            "RFID1",
            false,
            Some(&info(AuthorizationStatus::Blocked)),
            None,
            true,
        );
        assert_eq!(
            result(&view, 1),
            Some((IdentificationResult::Blocked, None))
        );
        assert_eq!(
            view.identification(1).map(|i| i.id_tag.as_str()),
            Some("RFID1")
        );
    }

    #[test]
    fn a_card_for_the_station_ends_at_the_connector_it_is_taken_at() {
        let mut view = StationView::new("cp");
        view.remote_start("OLD", 2);
        view.token_presented("RFID1", &[1, 2]);
        assert_eq!(
            result(&view, 2).map(|r| r.0),
            Some(IdentificationResult::Pending)
        );
        view.authorization_result(
            "RFID1",
            true,
            Some(&info(AuthorizationStatus::Accepted)),
            Some(1),
            true,
        );
        assert_eq!(
            result(&view, 1),
            Some((IdentificationResult::Accepted, None))
        );
        // Connector 2 shows what it showed before.
        assert_eq!(
            view.identification(2).map(|i| i.id_tag.as_str()),
            Some("OLD")
        );
    }

    #[test]
    fn a_refused_card_for_the_station_shows_at_every_connector_with_why() {
        let mut view = StationView::new("cp");
        view.token_presented("RFID1", &[1, 2]);
        view.authorization_result("RFID1", false, None, None, false);
        for c in [1, 2] {
            let (r, detail) = result(&view, c).unwrap();
            assert_eq!(r, IdentificationResult::Invalid);
            assert!(detail.unwrap().starts_with("offline"));
        }
        view.token_presented("RFID2", &[1, 2]);
        view.authorization_result(
            "RFID2",
            false,
            Some(&info(AuthorizationStatus::Accepted)),
            None,
            true,
        );
        assert_eq!(
            result(&view, 1).map(|r| r.0),
            Some(IdentificationResult::Refused)
        );
    }

    #[test]
    fn a_card_that_stops_a_transaction_says_so_at_that_connector() {
        let mut view = StationView::new("cp");
        view.token_presented("RFID1", &[1, 2]);
        view.stopped_transaction("RFID1", 2);
        assert_eq!(
            result(&view, 2),
            Some((
                IdentificationResult::Accepted,
                Some("stopped the transaction at connector 2".to_owned())
            ))
        );
        assert_eq!(view.identification(1), None);
    }

    fn entry(kind: &str, tech_info: Option<&str>) -> SecurityEventEntry {
        SecurityEventEntry {
            time: "2026-11-24T06:00:00.000Z".to_owned(),
            kind: kind.to_owned(),
            tech_info: tech_info.map(str::to_owned),
            critical: false,
        }
    }

    #[test]
    fn the_last_security_events_follow_those_of_earlier_runs_and_are_bounded() {
        let mut view = StationView::new("cp")
            .with_security_events(vec![entry("StartupOfTheDevice", Some("earlier"))]);
        assert_eq!(view.security_events_logged(), 0);
        let first = view.security_event(entry("InvalidMessages", Some("a")));
        assert_eq!(first, 1);
        assert!(view.has_security_event(0, "InvalidMessages", Some("a")));
        assert!(!view.has_security_event(1, "InvalidMessages", Some("a")));
        assert!(!view.has_security_event(0, "StartupOfTheDevice", Some("earlier")));
        for n in 0..RECENT_SECURITY_EVENTS {
            view.security_event(entry("InvalidMessages", Some(&n.to_string())));
        }
        let shown = view.security_events();
        assert_eq!(shown.len(), RECENT_SECURITY_EVENTS);
        assert_eq!(shown[0].tech_info.as_deref(), Some("0"));
        assert_eq!(
            shown[RECENT_SECURITY_EVENTS - 1].tech_info.as_deref(),
            Some("19")
        );
    }
}
