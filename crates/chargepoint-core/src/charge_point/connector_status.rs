//! Connector status (OCPP 1.6 §4.9), derived by the core from what it knows about a connector
//! rather than reported by the station.
//!
//! The state of a connector is a handful of facts, and its status is a function of them
//! ([`Connector::status`]):
//!
//! | facts, first match wins                 | status                                   |
//! |-----------------------------------------|------------------------------------------|
//! | a fault                                 | Faulted                                  |
//! | a transaction                           | Charging / SuspendedEV / SuspendedEVSE (EnergyFlow, Charging when it starts) |
//! | made Inoperative by ChangeAvailability, or disabled by the station | Unavailable   |
//! | an accepted identifier waiting for plug | Preparing                                |
//! | transaction ended, cable still plugged  | Finishing                                |
//! | reserved (ReserveNow)                   | Reserved (a cable alone does not end it, as libocpp) |
//! | cable plugged                           | Preparing                                |
//! | otherwise                               | Available                                |
//!
//! After every station event or OCPP message that changes a fact the status is recomputed, and
//! a StatusNotification is queued when the status, errorCode, info or vendorErrorCode differs
//! from the last one reported, once it held MinimumStatusDuration. Offline or before
//! registration nothing is sent on a change; after BootNotification.conf Accepted and after
//! every reconnect every connector's status is sent, 0 (the whole station) first.
//!
//! The full behaviour (errors and faults, what is reported when, libocpp's ChargePointFSM):
//! docs/core/connector-status.md.

use std::time::{Duration, Instant};

use ocpp_types::charging_profile::ChargingProfile;
use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus, StatusNotificationRequest};
use ocpp_types::id_tag::IdToken;
use ocpp_types::{Action, CiString255, CiString50};

use super::events::{EnergyFlow, Fault, MeterReading};
use super::message_queue::Purpose;
use super::store::StoredTransaction;
use super::{ChargePoint, Now};

/// A transaction in progress on a connector.
#[derive(Debug, Clone)]
pub(crate) struct ActiveTransaction {
    pub record: StoredTransaction,
    pub flow: EnergyFlow,
    /// When the next periodic sample is due (None: MeterValueSampleInterval is 0).
    pub next_sample: Option<Instant>,
    /// The identifier that asked for the stop (presented again), for StopTransaction's idTag.
    pub stop_id_tag: Option<IdToken>,
    /// When the energy register was last written to the store between samples
    /// (`meter_values.rs`, [`REGISTER_SAVE_INTERVAL`](super::meter_values::REGISTER_SAVE_INTERVAL)).
    pub register_saved_at: Option<Instant>,
}

/// What the core knows about one connector.
#[derive(Debug, Clone, Default)]
pub(crate) struct Connector {
    pub plugged: bool,
    /// An identifier accepted for this connector, waiting for the transaction to start.
    pub authorized: Option<IdToken>,
    /// When `authorized` expires if no cable is plugged in (ConnectionTimeOut).
    pub authorized_until: Option<Instant>,
    /// The TxProfile a RemoteStartTransaction brought, kept for the transaction it starts
    /// (applied by smart charging); dropped when neither the authorization nor the
    /// transaction is left.
    pub tx_profile: Option<ChargingProfile>,
    /// A ReserveNow in force.
    pub reservation: Option<super::reservation::Reservation>,
    /// The last free connector while the station (connector 0) is reserved: shown Reserved
    /// (see `reservation.rs`, `station_reservation_holds`).
    pub held_for_station: bool,
    pub transaction: Option<ActiveTransaction>,
    /// The transaction ended while the cable was plugged.
    pub finishing: bool,
    /// The latest active error that is a fault (the connector is Faulted), derived from
    /// `errors`.
    pub fault: Option<Fault>,
    /// The active hardware errors, oldest first.
    pub errors: Vec<ActiveError>,
    /// Made Inoperative by ChangeAvailability.
    pub inoperative: bool,
    /// Disabled by the station itself ([`StationEvent::Disabled`](super::StationEvent)).
    pub disabled: bool,
    /// Enabled by the station over the CSMS's Inoperative
    /// ([`StationEvent::EnabledOverInoperative`](super::StationEvent)): usable and shown
    /// Available although ChangeAvailability's Inoperative stays stored.
    pub enabled_over_inoperative: bool,
    /// A ChangeAvailability waiting for the connector to be idle (true: Inoperative).
    pub scheduled_inoperative: Option<bool>,
    /// The latest meter reading.
    pub reading: Option<MeterReading>,
    /// What was last reported (or would have been, when offline).
    pub reported: Option<Reported>,
    /// A status waiting for MinimumStatusDuration to pass before it is reported.
    pub pending_report: Option<PendingReport>,
    /// California Pricing: the pricing of the session here (kept after it ends, until the
    /// next one starts).
    pub pricing: Option<super::cost_and_price::SessionPricing>,
}

/// What a StatusNotification says about a connector, to tell whether it changed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reported {
    pub status: ChargePointStatus,
    pub error: Option<ErrorDetails>,
}

/// The error fields of a StatusNotification.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorDetails {
    pub error_code: ChargePointErrorCode,
    pub info: Option<String>,
    pub vendor_id: Option<String>,
    pub vendor_error_code: Option<String>,
}

/// A hardware error raised and not cleared yet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActiveError {
    /// Identifies it until it is cleared.
    pub id: String,
    /// Whether it makes the connector Faulted (otherwise it is only reported).
    pub is_fault: bool,
    pub details: ErrorDetails,
}

/// A status change not reported yet (MinimumStatusDuration).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PendingReport {
    pub state: Reported,
    /// When it has held long enough to be reported.
    pub due: Instant,
}

impl Connector {
    /// The status these facts add up to (see the module docs); `station` for connector 0.
    pub fn status(&self, station: bool) -> ChargePointStatus {
        if self.fault.is_some() {
            return ChargePointStatus::Faulted;
        }
        if let Some(transaction) = self.transaction.as_ref().filter(|_| !station) {
            return match transaction.flow {
                EnergyFlow::Charging => ChargePointStatus::Charging,
                EnergyFlow::SuspendedEV => ChargePointStatus::SuspendedEV,
                EnergyFlow::SuspendedEVSE => ChargePointStatus::SuspendedEVSE,
            };
        }
        if self.out_of_service() {
            return ChargePointStatus::Unavailable;
        }
        if station {
            return ChargePointStatus::Available;
        }
        if self.authorized.is_some() {
            return ChargePointStatus::Preparing;
        }
        if self.finishing {
            return ChargePointStatus::Finishing;
        }
        if self.reservation.is_some() || self.held_for_station {
            return ChargePointStatus::Reserved;
        }
        if self.plugged {
            return ChargePointStatus::Preparing;
        }
        ChargePointStatus::Available
    }

    /// The error code to report with the status: the latest error's.
    pub fn error_code(&self) -> ChargePointErrorCode {
        self.errors
            .last()
            .map_or(ChargePointErrorCode::NoError, |e| e.details.error_code)
    }

    /// What a StatusNotification would say now.
    fn state(&self, station: bool) -> Reported {
        Reported {
            status: self.status(station),
            error: self.errors.last().map(|e| e.details.clone()),
        }
    }

    /// Recomputes `fault` from the active errors.
    fn derive_fault(&mut self) {
        self.fault = self
            .errors
            .iter()
            .rev()
            .find(|e| e.is_fault)
            .map(|e| Fault {
                error_code: e.details.error_code,
                info: e.details.info.clone(),
                vendor_error_code: e.details.vendor_error_code.clone(),
            });
    }

    /// Whether the connector is Unavailable for its availability: Inoperative by the CSMS
    /// (unless the station enabled it over that), or disabled by the station.
    pub fn out_of_service(&self) -> bool {
        (self.inoperative && !self.enabled_over_inoperative) || self.disabled
    }

    /// Whether a new session may start here (operative, no transaction, no fault, not
    /// finishing).
    pub fn is_free(&self) -> bool {
        !self.out_of_service()
            && self.transaction.is_none()
            && self.fault.is_none()
            && !self.finishing
    }

    /// Whether a ChangeAvailability must wait (a transaction, or a user preparing one), as
    /// libocpp.
    pub fn is_busy(&self, station: bool) -> bool {
        self.transaction.is_some() || self.status(station) == ChargePointStatus::Preparing
    }
}

impl ChargePoint {
    /// The connector `id` (0 is the station), if it exists.
    pub(crate) fn connector_mut(&mut self, id: u32) -> Option<&mut Connector> {
        self.connectors.get_mut(id as usize)
    }

    /// The current status of connector `id` (0: the station).
    pub fn connector_status(&self, id: u32) -> Option<ChargePointStatus> {
        self.connectors.get(id as usize).map(|c| c.status(id == 0))
    }

    /// Recomputes the status of connector `id` and reports it if it changed: at once, or once
    /// it held MinimumStatusDuration seconds (docs/core/connector-status.md, "What is reported,
    /// and when").
    pub(crate) fn update_status(&mut self, id: u32, now: Now) {
        // What happened here may leave another connector the last free one for the station's
        // reservation, or free it from that.
        let others = self.refresh_station_hold();
        self.report_status(id, now);
        for other in others.into_iter().filter(|other| *other != id) {
            self.report_status(other, now);
        }
        self.pricing_status(id, now);
    }

    /// Recomputes the status of connector `id` alone and reports it if it changed.
    fn report_status(&mut self, id: u32, now: Now) {
        self.apply_scheduled_availability(id);
        let hold = self
            .config
            .core()
            .minimum_status_duration
            .filter(|s| *s > 0)
            .map(|s| Duration::from_secs(u64::from(s)));
        let online = self.may_send_normal();
        let Some(connector) = self.connectors.get_mut(id as usize) else {
            return;
        };
        if connector.transaction.is_none() && connector.authorized.is_none() {
            // The TxProfile of a remote start lives as long as its authorization or transaction.
            connector.tx_profile = None;
        }
        let current = connector.state(id == 0);
        if connector.reported.as_ref() == Some(&current) {
            if connector.pending_report.take().is_some() {
                tracing::debug!(
                    connector = id,
                    "status back to the one reported before MinimumStatusDuration passed"
                );
            }
            return;
        }
        tracing::info!(connector = id, status = ?current.status, error = ?connector.error_code(), "connector status");
        match hold {
            // Offline or not registered nothing is sent now: every status goes out after the
            // next BootNotification.conf Accepted or reconnect.
            Some(hold) if online => {
                let unchanged = connector
                    .pending_report
                    .as_ref()
                    .is_some_and(|p| p.state == current);
                if !unchanged {
                    connector.pending_report = Some(PendingReport {
                        state: current,
                        due: now.instant + hold,
                    });
                }
            }
            _ => {
                connector.pending_report = None;
                connector.reported = Some(current);
                if online {
                    self.queue_status_notification(id, now, false);
                }
            }
        }
    }

    /// Reports the statuses that held MinimumStatusDuration seconds.
    pub(crate) fn status_timer(&mut self, now: Now) {
        for id in 0..self.connectors.len() as u32 {
            let Some(connector) = self.connectors.get_mut(id as usize) else {
                continue;
            };
            if connector
                .pending_report
                .as_ref()
                .is_none_or(|p| p.due > now.instant)
            {
                continue;
            }
            let Some(pending) = connector.pending_report.take() else {
                continue;
            };
            // update_status keeps the pending state equal to the facts; a disconnect meanwhile
            // leaves the status to the refresh of the next connection.
            connector.reported = Some(pending.state);
            if self.may_send_normal() {
                self.queue_status_notification(id, now, false);
            }
        }
    }

    /// When the next status that waits for MinimumStatusDuration is due.
    pub(crate) fn status_deadline(&self) -> Option<Instant> {
        self.connectors
            .iter()
            .filter_map(|c| Some(c.pending_report.as_ref()?.due))
            .min()
    }

    /// Queues a StatusNotification for every connector, 0 first (after registration and after a
    /// reconnect, as libocpp's trigger_status_notifications). Changes waiting for
    /// MinimumStatusDuration are dropped: this reports the newest status of every connector.
    pub(crate) fn queue_all_status_notifications(&mut self, now: Now) {
        // A station reservation restored from the store holds its connector from the start.
        self.refresh_station_hold();
        for id in 0..self.connectors.len() as u32 {
            if let Some(connector) = self.connectors.get_mut(id as usize) {
                connector.reported = Some(connector.state(id == 0));
                connector.pending_report = None;
            }
            self.queue_status_notification(id, now, false);
        }
    }

    /// Queues a StatusNotification of connector `id` as it is now; `triggered` for a
    /// TriggerMessage (which may be answered before registration).
    pub(crate) fn queue_status_notification(&mut self, id: u32, now: Now, triggered: bool) {
        if triggered {
            // What a TriggerMessage sends is reported: a change waiting for
            // MinimumStatusDuration would only repeat it.
            if let Some(connector) = self.connectors.get_mut(id as usize) {
                connector.reported = Some(connector.state(id == 0));
                connector.pending_report = None;
            }
        }
        let Some(connector) = self.connectors.get(id as usize) else {
            return;
        };
        let error = connector.errors.last().map(|e| &e.details);
        let request = StatusNotificationRequest {
            connector_id: id as i32,
            error_code: connector.error_code(),
            info: error
                .and_then(|e| e.info.as_deref())
                .map(CiString50::truncating),
            status: connector.status(id == 0),
            timestamp: Some(self.clock(now)),
            vendor_id: error
                .and_then(|e| e.vendor_id.as_deref())
                .map(CiString255::truncating),
            vendor_error_code: error
                .and_then(|e| e.vendor_error_code.as_deref())
                .map(CiString50::truncating),
        };
        let payload = ocpp_types::encode(&request);
        if triggered {
            self.queue.push_triggered(
                Action::StatusNotification,
                payload,
                Purpose::StatusNotification,
            );
        } else {
            self.queue.push_normal(
                Action::StatusNotification,
                payload,
                Purpose::StatusNotification,
            );
        }
    }

    /// A fault on connector `id` without an id of its own: the error with the empty id,
    /// replacing the previous one.
    #[inline(never)]
    pub(crate) fn on_fault(&mut self, id: u32, fault: Fault, now: Now) {
        let details = ErrorDetails {
            error_code: fault.error_code,
            info: fault.info,
            vendor_id: None,
            vendor_error_code: fault.vendor_error_code,
        };
        self.on_error_raised(id, String::new(), details, true, now);
    }

    /// Every error of connector `id` is gone.
    #[inline(never)]
    pub(crate) fn on_fault_cleared(&mut self, id: u32, now: Now) {
        let Some(connector) = self.connector_mut(id) else {
            tracing::warn!(
                connector = id,
                "fault cleared on an unknown connector ignored"
            );
            return;
        };
        connector.errors.clear();
        connector.derive_fault();
        self.update_status(id, now);
    }

    /// The error `error_id` was raised on connector `id` (raised again: its details are
    /// updated and it becomes the latest).
    pub(crate) fn on_error_raised(
        &mut self,
        id: u32,
        error_id: String,
        details: ErrorDetails,
        is_fault: bool,
        now: Now,
    ) {
        let Some(connector) = self.connector_mut(id) else {
            tracing::warn!(connector = id, "error on an unknown connector ignored");
            return;
        };
        connector.errors.retain(|e| e.id != error_id);
        connector.errors.push(ActiveError {
            id: error_id,
            is_fault,
            details,
        });
        connector.derive_fault();
        self.update_status(id, now);
    }

    /// The error `error_id` of connector `id` is gone.
    pub(crate) fn on_error_cleared(&mut self, id: u32, error_id: &str, now: Now) {
        let Some(connector) = self.connector_mut(id) else {
            tracing::warn!(
                connector = id,
                "error cleared on an unknown connector ignored"
            );
            return;
        };
        let before = connector.errors.len();
        connector.errors.retain(|e| e.id != error_id);
        if connector.errors.len() == before {
            // As libocpp's handle_error_cleared: an unknown id changes nothing.
            tracing::warn!(
                connector = id,
                error_id,
                "clear of an error that is not active"
            );
            return;
        }
        connector.derive_fault();
        self.update_status(id, now);
    }

    /// Cable plugged in.
    #[inline(never)]
    pub(crate) fn on_plugged_in(&mut self, id: u32, now: Now) {
        let Some(connector) = self.connector_mut(id).filter(|_| id > 0) else {
            tracing::warn!(connector = id, "plug-in on an unknown connector ignored");
            return;
        };
        connector.plugged = true;
        connector.authorized_until = None;
        self.update_status(id, now);
        self.plugged_for_remote_start(id, now);
    }

    /// Energy started or stopped flowing.
    #[inline(never)]
    pub(crate) fn on_energy_flow(&mut self, id: u32, flow: EnergyFlow, now: Now) {
        match self.connector_mut(id).and_then(|c| c.transaction.as_mut()) {
            Some(transaction) => transaction.flow = flow,
            None => {
                tracing::warn!(
                    connector = id,
                    ?flow,
                    "energy flow without a transaction ignored"
                );
                return;
            }
        }
        self.update_status(id, now);
    }
}
