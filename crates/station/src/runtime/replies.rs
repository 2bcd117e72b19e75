//! The answers to control-API orders: each waits until the state the station publishes shows
//! what the order did ([`Until`]) — the simulation changed and the core heard of it — so a
//! 2xx means done, and the next request sees the new state. One that does not get there
//! within [`REPLY_DEADLINE`] is answered 504 (the state shows how far it got).

use std::time::Duration;

use ocpp_types::core::ChargePointStatus;

use super::control::Responder;
use super::orders::core_status;
use super::Station;
use crate::control_api::{ControlError, IdentificationResult, Outcome};
use crate::sim::{CarState, HardwareError};

/// How long an order may take to show in the state. Every condition is met within a
/// simulation step or two (250 ms each) and a round through the core's task.
pub const REPLY_DEADLINE: Duration = Duration::from_secs(5);

/// How long a token's answer waits for the CSMS's Authorize.conf before it says the
/// authorization goes on (`started`, result `pending`): a CSMS that answers at once gives the
/// caller the result in the answer.
pub const AUTHORIZE_WAIT: Duration = Duration::from_secs(2);

/// What the state must show before an order is answered.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Until {
    /// Nothing more: answer with the next published state.
    Now,
    /// The car at the connector is plugged in (true) or not, and the core knows what the
    /// EVSE sees (a disabled EVSE, pilot F, sees no car).
    Plugged(u32, bool),
    /// The car at the connector draws power (true) or not, and the core no longer shows the
    /// status of the other case (SuspendedEV while it draws, Charging while it does not).
    CarDrawing(u32, bool),
    /// The error is raised through the control API (true) or no longer, and the core holds
    /// it exactly while the board has it active (an error the car also causes stays).
    Error(u32, HardwareError, bool),
    /// The core holds no transaction at the connector (its StopTransaction is queued).
    NoTransaction(u32),
    /// The core shows this status at the connector.
    Status(u32, ChargePointStatus),
    /// The identification of `id_tag` at `connectors` is decided, or has waited
    /// [`AUTHORIZE_WAIT`] for the CSMS's answer.
    Identified {
        /// The idTag presented.
        id_tag: String,
        /// Where it was presented.
        connectors: Vec<u32>,
    },
    /// The connection to the CSMS is closed.
    Disconnected,
    /// The security log has the event (logged after the first `after` of this run).
    SecurityEventLogged {
        /// How many events the run had logged before.
        after: u64,
        /// Its type.
        kind: String,
        /// Its techInfo.
        tech_info: Option<String>,
    },
}

/// An order carried out, waiting for its answer.
#[derive(Debug)]
pub(super) struct PendingReply {
    until: Until,
    outcome: Outcome,
    since: tokio::time::Instant,
    deadline: tokio::time::Instant,
    reply: Responder,
}

impl Station {
    /// Answers `reply` with `outcome` once `until` holds.
    pub(super) fn answer_when(&mut self, until: Until, outcome: Outcome, reply: Responder) {
        let since = tokio::time::Instant::now();
        self.replies.push(PendingReply {
            until,
            outcome,
            since,
            deadline: since + REPLY_DEADLINE,
            reply,
        });
    }

    /// Answers every order whose condition holds in the state just published, and those past
    /// their deadline.
    pub(super) fn answer_ready(&mut self) {
        if self.replies.is_empty() {
            return;
        }
        let now = tokio::time::Instant::now();
        let pending = std::mem::take(&mut self.replies);
        for mut p in pending {
            let waited = now.saturating_duration_since(p.since);
            if let Some(outcome) = self.holds(&p.until, &mut p.outcome, waited) {
                let _ = p.reply.send(Ok(outcome));
            } else if now >= p.deadline {
                let _ = p.reply.send(Err(ControlError::Timeout(format!(
                    "the station did not get there within {} s ({:?}); the state shows where it is",
                    REPLY_DEADLINE.as_secs(),
                    p.until
                ))));
            } else {
                self.replies.push(p);
            }
        }
    }

    /// Answers every waiting order: the station stops.
    pub(super) fn answer_all_stopping(&mut self) {
        for p in self.replies.drain(..) {
            let _ = p.reply.send(Err(ControlError::Unavailable(
                "the station stopped before it got there".to_owned(),
            )));
        }
    }

    /// The outcome to answer with when `until` holds now.
    fn holds(&self, until: &Until, outcome: &mut Outcome, waited: Duration) -> Option<Outcome> {
        let evse = |c: u32| self.evses.iter().find(|e| e.connector == c);
        let core = |c: u32| self.core.connector(c);
        let met = match until {
            Until::Now => true,
            Until::Plugged(c, plugged) => {
                let (e, k) = (evse(*c)?, core(*c)?);
                (e.sim.car().state() != CarState::Unplugged) == *plugged && e.plugged() == k.plugged
            }
            Until::CarDrawing(c, drawing) => {
                let e = evse(*c)?;
                let draws = matches!(
                    e.sim.car().state(),
                    CarState::ChargingRegulated | CarState::ChargingFixed
                );
                let other = if *drawing {
                    ChargePointStatus::SuspendedEV
                } else {
                    ChargePointStatus::Charging
                };
                draws == *drawing && core_status(self, *c)? != other
            }
            Until::Error(c, error, raised) => {
                let (board, k) = (evse(*c)?.sim.board(), core(*c)?);
                board.is_raised_from_outside(*error) == *raised
                    && k.error_ids.iter().any(|id| id == error.name())
                        == board.is_error_active(*error)
            }
            Until::NoTransaction(c) => core(*c)?.transaction.is_none(),
            Until::Status(c, status) => core_status(self, *c)? == *status,
            Until::Disconnected => !self.core.connected,
            Until::SecurityEventLogged {
                after,
                kind,
                tech_info,
            } => self
                .view
                .has_security_event(*after, kind, tech_info.as_deref()),
            Until::Identified { id_tag, connectors } => {
                // The newest decision for the tag (an older one may show elsewhere).
                let decided = connectors
                    .iter()
                    .filter_map(|c| self.view.identification(*c))
                    .filter(|i| &i.id_tag == id_tag)
                    .max_by(|a, b| a.time.cmp(&b.time))
                    .filter(|i| i.result != IdentificationResult::Pending);
                if let Some(decided) = decided {
                    outcome.authorization = Some(decided.clone());
                    true
                } else if waited >= AUTHORIZE_WAIT
                    && self.core.authorizing.iter().any(|t| t == id_tag)
                {
                    outcome.started = Some(
                        "authorization: the Authorize.req waits for the CSMS's answer (the state's connectors[].authorization shows it)"
                            .to_owned(),
                    );
                    outcome.authorization = connectors
                        .iter()
                        .find_map(|c| self.view.identification(*c))
                        .cloned();
                    true
                } else {
                    false
                }
            }
        };
        met.then(|| outcome.clone())
    }
}
