//! A graceful stop (`station/stop`, Ctrl-C, SIGTERM): the station ends its running
//! transactions before it goes, so no energy is lost from a bill.
//!
//! Each running transaction is stopped with reason **Other**, as libocpp's
//! `ChargePointImpl::stop()` does (`stop_all_transactions()`, whose default reason is
//! `Reason::Other`): OCPP 1.6 has no reason for "the station is switched off on purpose"
//! (PowerLoss is for a station that lost power, Reboot for a local reboot that comes back,
//! Local for a user at the station). The StopTransaction carries the meter's true register at
//! that moment. Then the station waits until the CSMS confirmed every transaction message
//! (online), for at most [`STOP_DEADLINE`]; offline, or not accepted by the CSMS, it does not
//! wait: the StopTransactions are in the database and go after the next boot. (libocpp closes
//! its database and websocket right after its stop call, so in EVerest the StopTransactions
//! rarely get out, and a SIGTERM is not caught at all: the next start reports PowerLoss.)

use std::time::Duration;

use chargepoint::charge_point::StationEvent as CoreEvent;
use ocpp_types::core::{Reason, RegistrationStatus};

use super::Station;

/// How long a graceful stop waits for the CSMS to confirm the StopTransactions. What is not
/// confirmed by then stays queued in the database for the next start.
pub const STOP_DEADLINE: Duration = Duration::from_secs(10);

/// A graceful stop under way.
#[derive(Debug)]
pub(super) struct Stopping {
    deadline: tokio::time::Instant,
}

impl Station {
    /// Starts the graceful stop; returns what it does, for the answer to `station/stop`.
    pub(super) fn begin_stop(&mut self) -> String {
        let running: Vec<u32> = self
            .core
            .connectors
            .iter()
            .enumerate()
            .filter(|(_, c)| c.transaction.is_some())
            .filter_map(|(id, _)| u32::try_from(id).ok())
            .collect();
        tracing::info!(
            ?running,
            "stop requested: ending the running transactions (reason Other) before the station goes"
        );
        for &connector in &running {
            self.tell_core(CoreEvent::StopRequested {
                connector: Some(connector),
                reason: Reason::Other,
            });
        }
        self.stopping = Some(Stopping {
            deadline: tokio::time::Instant::now() + STOP_DEADLINE,
        });
        if running.is_empty() {
            "stopping: no transaction runs; the station exits".to_owned()
        } else {
            format!(
                "stopping: the transactions at connectors {running:?} end with reason Other; the station exits once the CSMS confirmed them (at most {} s; offline, they stay queued for the next start)",
                STOP_DEADLINE.as_secs()
            )
        }
    }

    /// When a stop under way gives up waiting for the CSMS.
    pub(super) fn stop_deadline(&self) -> Option<tokio::time::Instant> {
        self.stopping.as_ref().map(|s| s.deadline)
    }

    /// Whether a stop under way can end the station now: every transaction ended and its
    /// messages confirmed, or none can be confirmed now.
    pub(super) fn stop_done(&self) -> bool {
        self.stopping.is_some() && self.transactions_ended() && self.transaction_messages_settled()
    }

    /// No EVSE runs a transaction, and the core holds none (a Reset waits for this too).
    pub(super) fn transactions_ended(&self) -> bool {
        !self
            .evses
            .iter()
            .any(|e| e.sim.evse_manager().transaction_active())
            && self.core.connectors.iter().all(|c| c.transaction.is_none())
    }

    /// Every transaction message is confirmed, or none can be now (offline, or the CSMS has
    /// not accepted the station): what is left waits in the database. A Reset waits for this
    /// too.
    pub(super) fn transaction_messages_settled(&self) -> bool {
        !self.core.connected
            || self.core.registration != Some(RegistrationStatus::Accepted)
            || self.core.queued_transaction_messages == 0
    }
}
