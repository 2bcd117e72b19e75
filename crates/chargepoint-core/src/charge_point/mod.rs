//! The sans-IO charge-point core (DESIGN.md §3): [`ChargePoint`] owns every piece of OCPP
//! state of one station and is driven by calls; it never reads a clock, opens a socket, spawns
//! a thread or sleeps.
//!
//! The driver's loop:
//!
//! - transport: [`ChargePoint::handle_connected`], [`ChargePoint::handle_disconnected`],
//!   [`ChargePoint::handle_frame`] for every received text message, and
//!   [`ChargePoint::handle_timeout`] when [`ChargePoint::poll_timeout`] is reached;
//! - station: [`ChargePoint::handle_station_event`] for what happens at the connectors;
//! - after each of those: send every frame of [`ChargePoint::poll_transmit`], carry out every
//!   [`ChargePoint::poll_command`], and sleep until [`ChargePoint::poll_timeout`].
//!
//! Every call takes [`Now`]: monotonic time for timers, wall-clock time for timestamps.
//!
//! One file per feature area:
//!
//! | file | what |
//! |---|---|
//! | `registration.rs` | BootNotification, registration states, reconnect |
//! | `heartbeat.rs` | Heartbeat and the clock offset |
//! | `connector_status.rs` | the status model and StatusNotification, faults, plug events |
//! | `authorization.rs`, `authorization_cache.rs` | identifiers, Authorize, the cache, ClearCache |
//! | `local_auth_list.rs`, `local_auth_list_handlers.rs` | the local authorization list; SendLocalList, GetLocalListVersion |
//! | `transactions.rs` | StartTransaction, StopTransaction, power-loss recovery |
//! | `meter_values.rs`, `clock_aligned.rs` | sampled and clock-aligned MeterValues, transactionData |
//! | `remote_control.rs` | RemoteStart/StopTransaction, Reset |
//! | `availability.rs`, `reservation.rs`, `unlock_connector.rs`, `remote_trigger.rs` | ChangeAvailability, ReserveNow/CancelReservation, UnlockConnector, TriggerMessage |
//! | `extended_trigger.rs` | ExtendedTriggerMessage (Security whitepaper) |
//! | `configuration_handlers.rs`, `station_config.rs` | GetConfiguration, ChangeConfiguration; configuration changes the station makes itself |
//! | `data_transfer.rs` | DataTransfer both ways, through the station's data_transfer module |
//! | `cost_and_price/` | California Pricing: SetUserPrice, RunningCost, FinalCost, the default price, the meter value triggers, the display time |
//! | `smart_charging_handlers.rs` | SetChargingProfile, ClearChargingProfile, GetCompositeSchedule, the limits for the energy system |
//! | `firmware.rs`, `signed_firmware.rs`, `diagnostics.rs` | UpdateFirmware, SignedUpdateFirmware (Security whitepaper), GetDiagnostics and their status notifications |
//! | `get_log.rs` | GetLog and LogStatusNotification (Security whitepaper) |
//! | `security_events.rs`, `invalid_messages.rs` | security events: the security log, SecurityEventNotification; InvalidMessages and AttemptedReplayAttacks from what ocpp-rpc refused |
//! | `evse_security.rs`, `certificates.rs` | the certificate store trait ([`evse_security::EvseSecurity`]); InstallCertificate, DeleteCertificate, GetInstalledCertificateIds |
//! | `sign_certificate.rs` | SignCertificate, its retries and the renewal before expiry; CertificateSigned |
//! | `pnc/` | Plug&Charge over DataTransfer (`org.openchargealliance.iso15118pnc`): certificate management, the SECC certificate, Authorize with a contract, GetCertificateStatus, Get15118EVCertificate ([`pnc`]) |
//! | `dispatch.rs` | which handler gets which CALL or answer; NotSupported for the rest |
//! | `limits.rs` | bounds on what the central system can make the station hold or do: the largest message decoded, clamped counts and intervals |
//! | `message_queue.rs`, `store.rs` | what is sent when; what survives a power loss |
//! | `snapshot.rs` | the core's state as plain data, for the station to show |
//! | `events.rs` | the station's inputs ([`StationEvent`]) and outputs ([`StationCommand`]) |
//! | `tests/` | unit tests with a fake clock and an in-memory store |
//!
//! The SQLite [`Store`] (`sqlite_store.rs`) and the tokio driver are the `chargepoint` crate's.
//! Behaviour write-ups too long for a module header are in docs/core/.
//!
//! ```
//! use std::time::Instant;
//!
//! use chargepoint_core::charge_point::{ChargePoint, MemoryStore, Now};
//! use chargepoint_core::config::{Configuration, Document, MemoryOverlay, Registry, DEFAULT_CONFIG};
//! use ocpp_types::DateTime;
//!
//! let base = Document::parse("ocpp-config.json", DEFAULT_CONFIG).unwrap();
//! let registry = Registry::embedded().unwrap().clone();
//! let config = Configuration::load(registry, &base, Box::new(MemoryOverlay::default())).unwrap();
//! let now = Now { instant: Instant::now(), utc: DateTime::parse("2026-11-24T06:00:00Z").unwrap() };
//! let mut cp = ChargePoint::new(config, Box::new(MemoryStore::default()), 1, now);
//!
//! cp.handle_connected(now);
//! let boot = cp.poll_transmit(now).unwrap();
//! assert!(boot.starts_with(r#"[2,""#) && boot.contains(r#""BootNotification",{"#));
//! assert!(boot.contains(r#""chargePointVendor":"ferrocharge""#));
//! let id = boot.split('"').nth(1).unwrap();
//!
//! // Accepted: the statuses of connector 0 and 1 follow, one CALL at a time.
//! let answer = format!(r#"[3,"{id}",{{"status":"Accepted","currentTime":"2026-11-24T06:00:00Z","interval":300}}]"#);
//! cp.handle_frame(&answer, now);
//! assert!(cp.poll_transmit(now).unwrap().contains(r#""StatusNotification",{"connectorId":0"#));
//! assert_eq!(cp.poll_transmit(now), None, "the next one waits for this one's answer");
//! assert_eq!(cp.poll_timeout(), Some(now.instant + std::time::Duration::from_secs(30)));
//! ```

mod authorization;
mod authorization_cache;
mod availability;
mod certificates;
mod clock_aligned;
mod configuration_handlers;
mod connector_status;
pub mod cost_and_price;
mod data_transfer;
mod diagnostics;
mod dispatch;
pub mod events;
pub mod evse_security;
mod extended_trigger;
mod firmware;
mod get_log;
mod heartbeat;
mod invalid_messages;
pub mod limits;
mod local_auth_list;
mod local_auth_list_handlers;
mod message_queue;
mod meter_values;
pub mod pnc;
mod queue_resume;
mod registration;
mod remote_control;
mod remote_trigger;
mod reservation;
pub mod security_events;
pub mod sign_certificate;
mod signed_firmware;
mod smart_charging_handlers;
mod snapshot;
pub mod station_config;
pub mod store;
mod transactions;
mod unlock_connector;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Instant;

use ocpp_rpc::{Role, Rpc};
use ocpp_types::core::RegistrationStatus;
use ocpp_types::DateTime;

use crate::config::{Configuration, SecurityProfileGate};

pub use events::{EnergyFlow, MeasuredValue, MeterReading, Now, StationCommand, StationEvent};
pub use snapshot::{ConnectorSnapshot, CoreSnapshot, ReservationSnapshot, TransactionSnapshot};
pub use store::{
    MemoryStore, Store, StoreError, StoreWrite, StoredLocalList, StoredMessage, StoredReservation,
    StoredTransaction,
};

use connector_status::Connector;
use message_queue::{MessageQueue, Outgoing, QueueConfig};
use registration::Registration;

/// The OCPP 1.6J brain of one station. See the [module docs](self).
pub struct ChargePoint {
    config: Configuration,
    store: Box<dyn Store>,
    rpc: Rpc,
    queue: MessageQueue,
    connected: bool,
    registration: Registration,
    /// Central system time minus station time, in milliseconds (from BootNotification.conf and
    /// Heartbeat.conf).
    clock_offset_ms: i64,
    next_heartbeat: Option<Instant>,
    /// When the next clock-aligned meter values are due, and for which boundary.
    next_clock_aligned: Option<clock_aligned::NextAligned>,
    /// Index 0 is the station as a whole.
    connectors: Vec<Connector>,
    commands: VecDeque<StationCommand>,
    security_profile_gate: Box<dyn SecurityProfileGate + Send>,
    /// The next placeholder transaction id (negative, counting down).
    next_placeholder_id: i32,
    /// UnlockConnector CALLs waiting for the station's result, by connector.
    pending_unlocks: Vec<(u32, ocpp_rpc::MessageId)>,
    /// MessageQueueResumeDelay after a reconnect.
    queue_resume: queue_resume::QueueResume,
    /// The local authorization list (SendLocalList), as stored.
    local_list: local_auth_list::LocalAuthList,
    /// A remote start waiting for a car, a Reset waiting for the transactions to stop.
    remote: remote_control::RemoteControl,
    /// DataTransfers waiting for the data_transfer module or the central system.
    data_transfers: data_transfer::DataTransfers,
    /// The installed charging profiles and the limits the station was given.
    smart_charging: smart_charging_handlers::SmartCharging,
    /// The firmware update under way (UpdateFirmware, SignedUpdateFirmware).
    firmware: firmware::Firmware,
    /// GetDiagnostics waiting for the station, and the uploads reported on.
    diagnostics: diagnostics::Diagnostics,
    /// California Pricing: identifiers waiting for SetUserPrice, tariffs kept for sessions to
    /// come, the time offset transition.
    cost_and_price: cost_and_price::CostAndPrice,
    /// GetLog waiting for the station, and the upload reported on.
    logs: get_log::Logs,
    /// The station's certificate store, when one is connected ([`ChargePoint::with_evse_security`]).
    evse_security: Option<Box<dyn evse_security::EvseSecurity + Send>>,
    /// What the store held when last read (`certificates.rs`), for the snapshot.
    installed_certificates: Vec<evse_security::InstalledCertificate>,
    /// The station's own certificates when last read, for the snapshot.
    leaf_certificates: Vec<evse_security::LeafCertificate>,
    /// The SignCertificate series and the charge point certificate's expiry check.
    signing: sign_certificate::CertificateSigning,
    /// Plug&Charge timers and the SECC certificate signing under way (`pnc/`).
    pnc: pnc::Pnc,
}

impl std::fmt::Debug for ChargePoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChargePoint")
            .field("connected", &self.connected)
            .field("registration", &self.registration)
            .field("connectors", &self.connectors)
            .finish_non_exhaustive()
    }
}

/// The default SecurityProfile check: the core knows no certificates, so profiles 2 and 3 are
/// refused until the runtime installs a gate that does ([`ChargePoint::with_security_profile_gate`]).
fn no_certificates(profile: u8) -> Result<(), String> {
    match profile {
        2 | 3 => Err("no certificate store is connected to the charge-point core".to_string()),
        _ => Ok(()),
    }
}

impl ChargePoint {
    /// A charge point with `number_of_connectors` connectors, not connected yet, with the
    /// queued messages `store` holds from before a restart. Transactions found in the store
    /// did not survive the restart: each gets a StopTransaction with reason PowerLoss.
    pub fn new(
        config: Configuration,
        store: Box<dyn Store>,
        number_of_connectors: u32,
        now: Now,
    ) -> ChargePoint {
        ChargePoint::with_resumed_transactions(config, store, number_of_connectors, &[], now)
    }

    /// As [`ChargePoint::new`], except that the stored transactions of the connectors in
    /// `resumed` go on (the station kept them running across the restart, as libocpp's
    /// resuming_session_ids).
    pub fn with_resumed_transactions(
        config: Configuration,
        store: Box<dyn Store>,
        number_of_connectors: u32,
        resumed: &[u32],
        now: Now,
    ) -> ChargePoint {
        if config.core().number_of_connectors != number_of_connectors {
            tracing::warn!(
                configured = config.core().number_of_connectors,
                number_of_connectors,
                "NumberOfConnectors differs from the connectors of the station"
            );
        }
        let mut store = store;
        let messages = store.messages().unwrap_or_else(|e| {
            tracing::error!(error = %e, "queued transaction messages could not be read");
            Vec::new()
        });
        let messages = security_events::drop_if_disabled(store.as_mut(), messages, &config);
        let availability = store.availability().unwrap_or_else(|e| {
            tracing::error!(error = %e, "connector availability could not be read");
            Default::default()
        });
        let transactions = store.transactions().unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored transactions could not be read");
            Vec::new()
        });
        let local_list = store.local_list().unwrap_or_else(|e| {
            tracing::error!(error = %e, "local authorization list could not be read");
            Default::default()
        });
        let reservations = store.reservations().unwrap_or_else(|e| {
            tracing::error!(error = %e, "reservations could not be read");
            Vec::new()
        });
        let queue = MessageQueue::restore(messages, QueueConfig::from_config(&config));
        let rpc_config =
            ocpp_rpc::Config::default().max_message_size(limits::incoming_message_limit(&config));
        let mut cp = ChargePoint {
            config,
            store,
            rpc: Rpc::new(Role::ChargePoint, rpc_config),
            queue,
            connected: false,
            registration: Registration::default(),
            clock_offset_ms: 0,
            next_heartbeat: None,
            next_clock_aligned: None,
            connectors: vec![Connector::default(); number_of_connectors as usize + 1],
            commands: VecDeque::new(),
            security_profile_gate: Box::new(no_certificates),
            next_placeholder_id: -1,
            pending_unlocks: Vec::new(),
            queue_resume: Default::default(),
            local_list: local_auth_list::LocalAuthList::restore(
                local_list.version,
                local_list.entries,
            ),
            remote: Default::default(),
            data_transfers: Default::default(),
            firmware: Default::default(),
            diagnostics: Default::default(),
            cost_and_price: Default::default(),
            logs: Default::default(),
            evse_security: None,
            installed_certificates: Vec::new(),
            leaf_certificates: Vec::new(),
            signing: Default::default(),
            pnc: Default::default(),
            smart_charging: smart_charging_handlers::SmartCharging::new(
                number_of_connectors,
                now.instant,
            ),
        };
        for (connector, operative) in availability {
            cp.set_inoperative(connector, !operative);
        }
        // Before the transactions: a resumed one uses its connector's reservation up.
        cp.restore_reservations(reservations, now);
        if let Some(lowest) = cp.queue.lowest_placeholder() {
            cp.next_placeholder_id = lowest.saturating_sub(1).min(-1);
        }
        for record in transactions {
            let resume = resumed.contains(&record.connector);
            cp.recover_transaction(record, resume, now);
        }
        // After the transactions: a TxProfile stays only with a transaction that goes on.
        cp.restore_charging_profiles(now);
        // Not connected yet: the offline default price, as everest-core's libocpp's
        // `ChargePointImpl::start` publishes it.
        cp.publish_default_price(true);
        cp.arm_time_offset_transition(now);
        cp
    }

    /// Replaces the check that decides whether a higher SecurityProfile can be used (the
    /// certificates it needs are installed).
    pub fn with_security_profile_gate(
        mut self,
        gate: Box<dyn SecurityProfileGate + Send>,
    ) -> ChargePoint {
        self.security_profile_gate = gate;
        self
    }

    /// The OCPP configuration.
    pub fn config(&self) -> &Configuration {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The last BootNotification answer, `None` before the first.
    pub fn registration_status(&self) -> Option<RegistrationStatus> {
        self.registration.status
    }

    /// Whether the transport is connected.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The id the central system gave the transaction on `connector` (or its placeholder, a
    /// negative number, while StartTransaction.conf has not arrived).
    pub fn transaction_id(&self, connector: u32) -> Option<i32> {
        let record = &self
            .connectors
            .get(connector as usize)?
            .transaction
            .as_ref()?
            .record;
        Some(record.transaction_id.unwrap_or(record.placeholder_id))
    }

    /// How many transaction-related messages wait for their answer (the one in flight
    /// included).
    pub fn queued_transaction_messages(&self) -> usize {
        self.queue.transaction_messages()
    }

    /// The bytes of JSON those messages' payloads are: what the queue takes in memory, and the
    /// store on disk, beyond a fixed few dozen bytes per message (docs/core/message-queue.md,
    /// "A week offline").
    pub fn queued_transaction_bytes(&self) -> usize {
        self.queue.transaction_bytes()
    }

    /// The time to stamp messages with: the station's clock corrected by the central system's.
    pub fn clock(&self, now: Now) -> DateTime {
        let millis = now.utc.unix_millis().saturating_add(self.clock_offset_ms);
        DateTime::from_unix_millis(millis).unwrap_or(now.utc)
    }

    /// The transport is connected (WebSocket open).
    pub fn handle_connected(&mut self, now: Now) {
        tracing::debug!("connected to the central system");
        self.connected = true;
        self.publish_default_price(false);
        self.queue_resume_connected(now);
        // A certificate put into the store by hand shows from the next connection on.
        self.refresh_installed_certificates();
        self.on_connected(now);
        self.smart_charging_connection_changed(now);
    }

    /// The transport is gone. The transaction message in flight is sent again first on the
    /// next connection; other messages are dropped (an Authorize in flight is answered as not
    /// accepted).
    pub fn handle_disconnected(&mut self, now: Now) {
        tracing::info!("disconnected from the central system");
        self.connected = false;
        self.publish_default_price(true);
        self.rpc.reset();
        self.pending_unlocks.clear();
        self.forget_incoming_data_transfers();
        // The Cancelled events only repeat what the queue knows: ocpp-rpc never holds more than
        // the one CALL the queue handed it.
        while self.rpc.poll_event().is_some() {}
        for purpose in self.queue.disconnected() {
            self.on_dropped(purpose, now);
        }
        // After the queue dropped its messages: a restart may wait for one of them.
        self.file_transfers_disconnected(now);
        self.smart_charging_connection_changed(now);
    }

    /// A text message received from the central system.
    pub fn handle_frame(&mut self, text: &str, now: Now) {
        self.rpc.handle_frame(text, now.instant);
        self.process_rpc_events(now);
    }

    /// A message from the central system that cannot be an OCPP-J frame (binary, or text that
    /// is not UTF-8; `why` says which): answered with `GenericError` to the id "-1", as libocpp.
    pub fn handle_unreadable(&mut self, why: &str, now: Now) {
        self.rpc.handle_unreadable(why, now.instant);
        self.process_rpc_events(now);
    }

    /// A message from the central system the transport did not take whole because it is over
    /// `limit` bytes ([`limits::incoming_message_limit`]): `start` is its beginning, `size` its
    /// size as far as seen. Answered from its start, never decoded
    /// ([`ocpp_rpc::Rpc::handle_oversized`]).
    pub fn handle_oversized(&mut self, start: &str, size: u64, limit: usize, now: Now) {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        self.rpc.handle_oversized(start, size, limit, now.instant);
        self.process_rpc_events(now);
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Now) {
        self.rpc.handle_timeout(now.instant);
        self.process_rpc_events(now);
        self.queue.release_due_retry(now.instant);
        self.queue_resume_timer(now);
        self.registration_timer(now);
        self.heartbeat_timer(now);
        self.sampling_timer(now);
        self.clock_aligned_timer(now);
        self.authorization_timer(now);
        self.reservation_timer(now);
        self.status_timer(now);
        self.remote_control_timer(now);
        self.firmware_timer(now);
        self.diagnostics_timer(now);
        self.get_log_timer(now);
        self.smart_charging_timer(now);
        self.pricing_timer(now);
        self.certificate_signing_timer(now);
        self.pnc_timer(now);
    }

    /// Something happened at the station.
    pub fn handle_station_event(&mut self, event: StationEvent, now: Now) {
        tracing::debug!(?event, "station event");
        match event {
            StationEvent::TokenPresented { id_tag, connector } => {
                self.on_token_presented(id_tag, connector, false, now)
            }
            StationEvent::PrevalidatedTokenPresented { id_tag, connector } => {
                self.on_token_presented(id_tag, connector, true, now)
            }
            StationEvent::PluggedIn { connector } => self.on_plugged_in(connector, now),
            StationEvent::Unplugged { connector } => self.on_unplugged(connector, now),
            StationEvent::TransactionStarted {
                connector,
                id_tag,
                meter_start_wh,
                reservation_id,
            } => {
                self.on_transaction_started(connector, id_tag, meter_start_wh, reservation_id, now)
            }
            StationEvent::TransactionStopped {
                connector,
                meter_stop_wh,
                reason,
                id_tag,
            } => self.on_transaction_stopped(connector, meter_stop_wh, reason, id_tag, now),
            StationEvent::EnergyFlow { connector, state } => {
                self.on_energy_flow(connector, state, now)
            }
            StationEvent::MeterReading { connector, reading } => {
                self.on_meter_reading(connector, reading, now)
            }
            StationEvent::StopRequested { connector, reason } => {
                self.on_stop_requested(connector, reason)
            }
            StationEvent::Fault {
                connector,
                error_code,
                info,
                vendor_error_code,
            } => {
                let fault = events::Fault {
                    error_code,
                    info,
                    vendor_error_code,
                };
                self.on_fault(connector, fault, now)
            }
            StationEvent::FaultCleared { connector } => self.on_fault_cleared(connector, now),
            StationEvent::UnlockResult { connector, status } => {
                self.on_unlock_result(connector, status)
            }
            StationEvent::Disabled {
                connector,
                disabled,
            } => {
                if let Some(c) = self.connector_mut(connector) {
                    c.disabled = disabled;
                }
                self.update_status(connector, now);
            }
            StationEvent::EnabledOverInoperative { connector, enabled } => {
                if let Some(c) = self.connector_mut(connector) {
                    c.enabled_over_inoperative = enabled;
                }
                self.update_status(connector, now);
            }
            StationEvent::ErrorRaised {
                connector,
                id,
                error_code,
                info,
                vendor_id,
                vendor_error_code,
                is_fault,
            } => {
                let details = connector_status::ErrorDetails {
                    error_code,
                    info,
                    vendor_id,
                    vendor_error_code,
                };
                self.on_error_raised(connector, id, details, is_fault, now)
            }
            StationEvent::ErrorCleared { connector, id } => {
                self.on_error_cleared(connector, &id, now)
            }
            StationEvent::DataTransferAnswered {
                request_id,
                response,
            } => self.on_data_transfer_answered(request_id, response),
            StationEvent::SendDataTransfer {
                request_id,
                request,
            } => self.on_send_data_transfer(request_id, request),
            StationEvent::FirmwareStatus { request_id, status } => {
                self.on_firmware_status(request_id, status, now)
            }
            StationEvent::DiagnosticsFile {
                request_id,
                file_name,
            } => self.on_diagnostics_file(request_id, file_name),
            StationEvent::DiagnosticsStatus { request_id, status } => {
                self.on_diagnostics_status(request_id, status)
            }
            StationEvent::LogFile {
                request_id,
                file_name,
            } => self.on_log_file(request_id, file_name),
            StationEvent::LogStatus { request_id, status } => {
                self.on_log_status(request_id, status)
            }
            StationEvent::SecurityEvent { kind, tech_info } => {
                self.security_event(&kind, tech_info.as_deref(), now)
            }
            StationEvent::Pnc(event) => self.on_pnc_event(event, now),
        }
        // A Reset waits for the transactions the station reports stopped.
        self.continue_reset(now);
        // A downloaded firmware waits for the transactions to end.
        self.continue_firmware_install(now);
    }

    /// The next frame to send, if any.
    pub fn poll_transmit(&mut self, now: Now) -> Option<String> {
        if !self.connected {
            return None;
        }
        if self.rpc.outstanding_call().is_none()
            && self.rpc.queued_calls() == 0
            && self.queue_resume.may_send(now.instant)
        {
            let registered = self.registration.status == Some(RegistrationStatus::Accepted);
            let rpc = &mut self.rpc;
            self.queue
                .send_next(now.instant, registered, |m: &Outgoing| {
                    rpc.call(m.action, m.payload.clone())
                        .map_err(|e| tracing::error!(action = %m.action, error = %e, "CALL refused by ocpp-rpc"))
                        .ok()
                });
        }
        self.rpc.poll_transmit(now.instant)
    }

    /// The next thing the station must do, if any.
    pub fn poll_command(&mut self) -> Option<StationCommand> {
        self.commands.pop_front()
    }

    /// When [`ChargePoint::handle_timeout`] must be called next. After `handle_timeout(now)`
    /// this is always later than `now` (or `None`), so a driver never spins.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let sampling = self
            .connectors
            .iter()
            .filter_map(|c| c.transaction.as_ref()?.next_sample);
        let authorizations = self.connectors.iter().filter_map(|c| c.authorized_until);
        let reservations = self
            .connectors
            .iter()
            .filter_map(|c| Some(c.reservation.as_ref()?.expires_at));
        [
            self.rpc.poll_timeout(),
            self.registration.next_boot,
            self.next_heartbeat,
            self.next_clock_aligned.map(|n| n.due),
            self.queue.next_retry(),
            self.queue_resume.deadline(),
            self.status_deadline(),
            self.remote.deadline(),
            self.firmware.deadline(),
            self.diagnostics.deadline(),
            self.logs.deadline(),
            self.smart_charging.deadline(),
            self.pricing_deadline(),
            self.signing.deadline(),
            self.pnc.deadline(),
        ]
        .into_iter()
        .flatten()
        .chain(sampling)
        .chain(authorizations)
        .chain(reservations)
        .min()
    }

    /// Whether a message that is not transaction-related can be sent now.
    pub(crate) fn may_send_normal(&self) -> bool {
        self.connected && self.registration.status == Some(RegistrationStatus::Accepted)
    }

    /// The number of connectors (without connector 0).
    pub(crate) fn number_of_connectors(&self) -> u32 {
        self.connectors.len().saturating_sub(1) as u32
    }
}
