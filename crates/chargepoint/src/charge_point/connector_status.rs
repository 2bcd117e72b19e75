//! Connector status (OCPP 1.6 §4.9), derived by the core from what it knows about a connector
//! rather than reported by the station.
//!
//! The state of a connector is a handful of facts — cable plugged, a user authorized and
//! waiting, a transaction and whether energy flows, the transaction just ended with the cable
//! still in, a fault — and its status is a function of them ([`Connector::status`]):
//!
//! | facts, first match wins                 | status                                   |
//! |-----------------------------------------|------------------------------------------|
//! | a fault                                 | Faulted                                  |
//! | a transaction                           | Charging / SuspendedEV / SuspendedEVSE (EnergyFlow, Charging when it starts) |
//! | made Inoperative by ChangeAvailability  | Unavailable                              |
//! | an accepted identifier waiting for plug | Preparing                                |
//! | transaction ended, cable still plugged  | Finishing                                |
//! | reserved (ReserveNow)                   | Reserved (a cable alone does not end it, as libocpp) |
//! | cable plugged                           | Preparing                                |
//! | otherwise                               | Available                                |
//!
//! After every station event or OCPP message that changes a fact, the status is recomputed and
//! a StatusNotification queued if it (or the error code) differs from the last one reported.
//! This gives the transitions of libocpp's state machine (charge_point_state_machine.cpp) for
//! the events it has, without a table a station could drive into an impossible state.
//! Unavailable comes from ChangeAvailability (`availability.rs`): it ranks below a fault and a
//! running transaction and above everything else.
//!
//! Connector 0 stands for the whole station: Available, Unavailable, or Faulted on a fault of
//! connector 0.

use ocpp_types::core::{ChargePointErrorCode, ChargePointStatus, StatusNotificationRequest};
use ocpp_types::id_tag::IdToken;
use ocpp_types::{Action, CiString50};

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
    pub next_sample: Option<std::time::Instant>,
    /// The identifier that asked for the stop (presented again), for StopTransaction's idTag.
    pub stop_id_tag: Option<IdToken>,
}

/// What the core knows about one connector.
#[derive(Debug, Clone, Default)]
pub(crate) struct Connector {
    pub plugged: bool,
    /// An identifier accepted for this connector, waiting for the transaction to start.
    pub authorized: Option<IdToken>,
    /// When `authorized` expires if no cable is plugged in (ConnectionTimeOut).
    pub authorized_until: Option<std::time::Instant>,
    /// A ReserveNow in force.
    pub reservation: Option<super::reservation::Reservation>,
    pub transaction: Option<ActiveTransaction>,
    /// The transaction ended while the cable was plugged.
    pub finishing: bool,
    pub fault: Option<Fault>,
    /// Made Inoperative by ChangeAvailability.
    pub inoperative: bool,
    /// A ChangeAvailability waiting for the connector to be idle (true: Inoperative).
    pub scheduled_inoperative: Option<bool>,
    /// The latest meter reading.
    pub reading: Option<MeterReading>,
    /// The status and error code last reported (or that would have been, when offline).
    pub reported: Option<(ChargePointStatus, ChargePointErrorCode)>,
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
        if self.inoperative {
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
        if self.reservation.is_some() {
            return ChargePointStatus::Reserved;
        }
        if self.plugged {
            return ChargePointStatus::Preparing;
        }
        ChargePointStatus::Available
    }

    /// The error code to report with the status.
    pub fn error_code(&self) -> ChargePointErrorCode {
        self.fault
            .as_ref()
            .map_or(ChargePointErrorCode::NoError, |f| f.error_code)
    }

    /// Whether a new session may start here (operative, no transaction, no fault, not
    /// finishing).
    pub fn is_free(&self) -> bool {
        !self.inoperative && self.transaction.is_none() && self.fault.is_none() && !self.finishing
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

    /// Recomputes the status of connector `id` and queues a StatusNotification if it changed.
    pub(crate) fn update_status(&mut self, id: u32, now: Now) {
        self.apply_scheduled_availability(id);
        let Some(connector) = self.connectors.get_mut(id as usize) else {
            return;
        };
        let current = (connector.status(id == 0), connector.error_code());
        if connector.reported == Some(current) {
            return;
        }
        tracing::info!(connector = id, status = ?current.0, error = ?current.1, "connector status");
        connector.reported = Some(current);
        // Offline or not registered: nothing is sent now, every status goes out after the next
        // BootNotification.conf Accepted or reconnect.
        if self.may_send_normal() {
            self.queue_status_notification(id, now, false);
        }
    }

    /// Queues a StatusNotification for every connector, 0 first (after registration and after a
    /// reconnect, as libocpp's trigger_status_notifications).
    pub(crate) fn queue_all_status_notifications(&mut self, now: Now) {
        for id in 0..self.connectors.len() as u32 {
            if let Some(connector) = self.connectors.get_mut(id as usize) {
                connector.reported = Some((connector.status(id == 0), connector.error_code()));
            }
            self.queue_status_notification(id, now, false);
        }
    }

    /// Queues a StatusNotification of connector `id` as it is now; `triggered` for a
    /// TriggerMessage (which may be answered before registration).
    pub(crate) fn queue_status_notification(&mut self, id: u32, now: Now, triggered: bool) {
        let Some(connector) = self.connectors.get(id as usize) else {
            return;
        };
        let fault = connector.fault.as_ref();
        let request = StatusNotificationRequest {
            connector_id: id as i32,
            error_code: connector.error_code(),
            info: fault
                .and_then(|f| f.info.as_deref())
                .map(CiString50::truncating),
            status: connector.status(id == 0),
            timestamp: Some(self.clock(now)),
            vendor_id: None,
            vendor_error_code: fault
                .and_then(|f| f.vendor_error_code.as_deref())
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

    /// A fault on connector `id` (replacing an earlier one: one fault per connector for now;
    /// libocpp keeps several, keyed by id).
    pub(crate) fn on_fault(&mut self, id: u32, fault: Fault, now: Now) {
        let Some(connector) = self.connector_mut(id) else {
            tracing::warn!(connector = id, "fault on an unknown connector ignored");
            return;
        };
        connector.fault = Some(fault);
        self.update_status(id, now);
    }

    /// The fault of connector `id` is gone.
    pub(crate) fn on_fault_cleared(&mut self, id: u32, now: Now) {
        let Some(connector) = self.connector_mut(id) else {
            tracing::warn!(
                connector = id,
                "fault cleared on an unknown connector ignored"
            );
            return;
        };
        connector.fault = None;
        self.update_status(id, now);
    }

    /// Cable plugged in.
    pub(crate) fn on_plugged_in(&mut self, id: u32, now: Now) {
        let Some(connector) = self.connector_mut(id).filter(|_| id > 0) else {
            tracing::warn!(connector = id, "plug-in on an unknown connector ignored");
            return;
        };
        connector.plugged = true;
        connector.authorized_until = None;
        self.update_status(id, now);
    }

    /// Energy started or stopped flowing.
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
