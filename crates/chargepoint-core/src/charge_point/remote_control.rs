//! The central system's remote commands: RemoteStartTransaction (OCPP 1.6 §5.11),
//! RemoteStopTransaction (§5.12) and Reset (§5.14), as libocpp's handlers
//! (`ChargePointImpl::handleRemoteStartTransactionRequest`,
//! `ChargePointImpl::handleRemoteStopTransactionRequest`, `ChargePointImpl::handleResetRequest`).
//!
//! RemoteStartTransaction (libocpp's `handleRemoteStartTransactionRequest`):
//! - connectorId 0 or above NumberOfConnectors: Rejected;
//! - a connector named must be free: operative, not Faulted, no transaction, not Finishing,
//!   not reserved for another identifier (libocpp's "obtainable" check: with
//!   AuthorizeRemoteTxRequests a reservation with a parentIdTag does not reject it, since the
//!   Authorize.conf may give that parent, which then decides), and not already authorized for
//!   someone (a user waiting to plug in keeps the connector);
//! - without a connectorId (unless RejectRemoteStartTransactionWithoutConnectorId): Accepted
//!   when some connector is free. A free connector with a car plugged in gets the session, as
//!   does the only free connector; otherwise it goes to the connector the next car is plugged
//!   into, within ConnectionTimeOut (everest-core's Auth module, which libocpp hands the token
//!   with every connector: `AuthHandler::select_evse` with the PlugEvents selection algorithm).
//!   Until then no connector changes status;
//! - a chargingProfile is accepted only with a connectorId, as a valid TxProfile (libocpp's
//!   `SmartChargingHandler::validate_profile` in lib/ocpp/v16/smart_charging.cpp, with its
//!   `validate_schedule`): stackLevel within 0..=ChargeProfileMaxStackLevel, no
//!   transactionId (no transaction runs yet), an Absolute or Recurring schedule with a
//!   startSchedule (unless AllowChargingProfileWithoutStartSchedule), a Recurring one with a
//!   recurrencyKind, at most ChargingScheduleMaxPeriods periods, an allowed chargingRateUnit,
//!   1..=3 phases and no negative limit. Without the SmartCharging profile a profile cannot
//!   be honoured, so the request is Rejected. An accepted profile travels with
//!   [`StationCommand::RemoteStart`] and stays with the connector's authorization and then its
//!   transaction ([`ChargePoint::tx_profile`]); it is installed as a TxProfile when the
//!   transaction starts (`smart_charging_handlers.rs`);
//! - AuthorizeRemoteTxRequests: Authorize.req first, the session follows its acceptance;
//!   otherwise at once (libocpp provides the token prevalidated).
//!
//! RemoteStopTransaction: Accepted for a running transaction's id (the station is asked to stop
//! it with reason Remote), Rejected otherwise (libocpp's `handleRemoteStopTransactionRequest`).
//!
//! Reset: Reset.conf Accepted first, then every running transaction is stopped with reason
//! SoftReset / HardReset, and [`StationCommand::Reset`] follows once the station reported them
//! all stopped, or after WaitForStopTransactionsOnResetTimeout (libocpp's `handleResetRequest`:
//! the answer, then stop_all_transactions, while a thread waits for them before calling
//! reset_callback).

use std::time::{Duration, Instant};

use ocpp_rpc::MessageId;
use ocpp_types::charging_profile::{ChargingProfile, ChargingProfileKind, ChargingProfilePurpose};
use ocpp_types::core::{
    Reason, RemoteStartStopStatus, RemoteStartTransactionRequest, RemoteStartTransactionResponse,
    RemoteStopTransactionRequest, RemoteStopTransactionResponse, ResetRequest, ResetResponse,
    ResetStatus, ResetType,
};
use ocpp_types::id_tag::IdToken;
use ocpp_types::{AnyRequest, AnyResponse};

use super::message_queue::{AuthorizeFor, RemoteStartPending};
use super::{ChargePoint, Now, StationCommand};

/// The connector of a [`RemoteStartPending`] that means "the next one a car is plugged into".
const NEXT_PLUGGED: u32 = 0;

/// The remote commands still under way.
#[derive(Debug, Default)]
pub(crate) struct RemoteControl {
    /// A RemoteStartTransaction without connectorId waiting for a car to be plugged in.
    pub waiting_start: Option<WaitingStart>,
    /// A Reset waiting for the transactions to stop.
    pub reset: Option<PendingReset>,
}

/// A remote start that takes the next connector a car is plugged into.
#[derive(Debug, Clone)]
pub(crate) struct WaitingStart {
    pub id_tag: IdToken,
    /// ConnectionTimeOut; `None` when it is 0 (no limit).
    pub until: Option<Instant>,
}

/// An accepted Reset.
#[derive(Debug, Clone)]
pub(crate) struct PendingReset {
    pub kind: ResetType,
    /// When the station restarts even if transactions are still reported running.
    pub deadline: Instant,
}

impl RemoteControl {
    /// The next timer of the remote commands.
    pub fn deadline(&self) -> Option<Instant> {
        let waiting = self.waiting_start.as_ref().and_then(|w| w.until);
        let reset = self.reset.as_ref().map(|r| r.deadline);
        waiting.into_iter().chain(reset).min()
    }
}

/// The answer to RemoteStart/RemoteStopTransaction while registration is Pending: Rejected,
/// as libocpp (`ChargePointImpl::message_callback`, state Pending). `None` for other actions.
pub(crate) fn rejected_while_pending(request: &AnyRequest) -> Option<AnyResponse> {
    let status = RemoteStartStopStatus::Rejected;
    match request {
        AnyRequest::RemoteStartTransaction(_) => Some(AnyResponse::RemoteStartTransaction(
            RemoteStartTransactionResponse { status },
        )),
        AnyRequest::RemoteStopTransaction(_) => Some(AnyResponse::RemoteStopTransaction(
            RemoteStopTransactionResponse { status },
        )),
        _ => None,
    }
}

impl ChargePoint {
    /// The TxProfile a RemoteStartTransaction brought for the session on `connector` (while it
    /// waits for the cable and during its transaction), for smart charging to apply.
    pub fn tx_profile(&self, connector: u32) -> Option<&ChargingProfile> {
        self.connectors.get(connector as usize)?.tx_profile.as_ref()
    }

    /// RemoteStartTransaction.req (see the module docs).
    #[inline(never)]
    pub(crate) fn on_remote_start_transaction(
        &mut self,
        id: &MessageId,
        request: RemoteStartTransactionRequest,
        now: Now,
    ) {
        let connector = self.remote_start_connector(&request, now);
        let profile_ok = match (&request.charging_profile, request.connector_id) {
            (None, _) => true,
            (Some(profile), Some(_)) => self.tx_profile_valid(profile),
            (Some(_), None) => {
                tracing::info!("RemoteStartTransaction: a chargingProfile needs a connectorId");
                false
            }
        };
        let status = match connector {
            Some(_) if profile_ok => RemoteStartStopStatus::Accepted,
            _ => RemoteStartStopStatus::Rejected,
        };
        tracing::info!(?connector, ?status, "RemoteStartTransaction");
        self.respond(
            id,
            AnyResponse::RemoteStartTransaction(RemoteStartTransactionResponse { status }),
        );
        let Some(connector) = connector.filter(|_| status == RemoteStartStopStatus::Accepted)
        else {
            return;
        };
        let pending = RemoteStartPending {
            connector,
            charging_profile: request.charging_profile,
        };
        if self.config.core().authorize_remote_tx_requests {
            let asked = AuthorizeFor {
                id_tag: request.id_tag,
                connector: (connector != NEXT_PLUGGED).then_some(connector),
                remote_start: Some(pending),
            };
            return self.request_authorization(asked, now);
        }
        self.start_remotely(pending, request.id_tag, now);
    }

    /// The connector a RemoteStartTransaction may use: [`NEXT_PLUGGED`] when none was named,
    /// no car is plugged in at a free one and some connector is free; `None` to reject it.
    fn remote_start_connector(
        &self,
        request: &RemoteStartTransactionRequest,
        now: Now,
    ) -> Option<u32> {
        let free = |id: u32| {
            self.connectors
                .get(id as usize)
                .is_some_and(|c| c.is_free() && c.authorized.is_none())
                && self.reservation_may_admit_remote_start(id, &request.id_tag, now)
        };
        match request.connector_id {
            Some(c) => u32::try_from(c)
                .ok()
                .filter(|c| (1..=self.number_of_connectors()).contains(c))
                .filter(|c| free(*c)),
            None => {
                let refuse = self
                    .config
                    .internal()
                    .reject_remote_start_transaction_without_connector_id
                    == Some(true);
                if refuse || self.remote.waiting_start.is_some() {
                    return None;
                }
                let free_ones: Vec<u32> = (1..=self.number_of_connectors())
                    .filter(|c| free(*c))
                    .collect();
                let plugged = free_ones
                    .iter()
                    .copied()
                    .find(|c| self.connectors.get(*c as usize).is_some_and(|c| c.plugged));
                // One free connector is where the next car must be plugged in anyway.
                let only = match free_ones.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                };
                plugged
                    .or(only)
                    .or_else(|| free_ones.first().map(|_| NEXT_PLUGGED))
            }
        }
    }

    /// Whether the TxProfile of a RemoteStartTransaction can be honoured, as libocpp's
    /// validate_profile with ignore_no_transaction (see the module docs).
    fn tx_profile_valid(&self, profile: &ChargingProfile) -> bool {
        let Some(smart) = self.config.typed().smart_charging.as_ref() else {
            tracing::info!("chargingProfile without the SmartCharging profile: rejected");
            return false;
        };
        let allow_without_start = self
            .config
            .internal()
            .allow_charging_profile_without_start_schedule
            == Some(true);
        let schedule = &profile.charging_schedule;
        let needs_start = matches!(
            profile.charging_profile_kind,
            ChargingProfileKind::Absolute | ChargingProfileKind::Recurring
        );
        let problem = if profile.charging_profile_purpose != ChargingProfilePurpose::TxProfile {
            Some("not a TxProfile")
        } else if u32::try_from(profile.stack_level)
            .map_or(true, |l| l > smart.charge_profile_max_stack_level)
        {
            Some("stackLevel outside 0..=ChargeProfileMaxStackLevel")
        } else if profile.transaction_id.is_some() {
            Some("transactionId given but no transaction runs yet")
        } else if needs_start && schedule.start_schedule.is_none() && !allow_without_start {
            Some("no startSchedule")
        } else if profile.charging_profile_kind == ChargingProfileKind::Recurring
            && profile.recurrency_kind.is_none()
        {
            Some("Recurring without recurrencyKind")
        } else if schedule.charging_schedule_period.len()
            > smart.charging_schedule_max_periods as usize
        {
            Some("more periods than ChargingScheduleMaxPeriods")
        } else if !smart
            .charging_schedule_allowed_charging_rate_unit
            .contains(&schedule.charging_rate_unit)
        {
            Some("chargingRateUnit not allowed")
        } else if schedule
            .charging_schedule_period
            .iter()
            .any(|p| p.limit < 0.0 || p.number_phases.is_some_and(|n| !(1..=3).contains(&n)))
        {
            Some("negative limit or numberPhases outside 1..=3")
        } else {
            None
        };
        if let Some(problem) = problem {
            tracing::info!(
                profile = profile.charging_profile_id,
                problem,
                "RemoteStartTransaction's chargingProfile refused"
            );
        }
        problem.is_none()
    }

    /// A remote start is authorized (at once, or by Authorize.conf with
    /// AuthorizeRemoteTxRequests): the connector gets the session and the station is told, or,
    /// without a connector, the session waits for the next car plugged in.
    pub(crate) fn start_remotely(&mut self, remote: RemoteStartPending, id_tag: IdToken, now: Now) {
        if remote.connector == NEXT_PLUGGED {
            let timeout = self.config.core().connection_time_out;
            tracing::info!(%id_tag, "remote start waits for a car to be plugged in");
            self.remote.waiting_start = Some(WaitingStart {
                id_tag,
                until: (timeout > 0).then(|| now.instant + Duration::from_secs(u64::from(timeout))),
            });
            return;
        }
        let connector = remote.connector;
        self.authorize_connector(connector, id_tag.clone(), now);
        if let Some(c) = self.connector_mut(connector) {
            c.tx_profile = remote.charging_profile.clone();
        }
        self.commands.push_back(StationCommand::RemoteStart {
            connector,
            id_tag,
            charging_profile: remote.charging_profile,
        });
    }

    /// A car was plugged into `connector`: a remote start waiting for one takes it if it is
    /// free.
    pub(crate) fn plugged_for_remote_start(&mut self, connector: u32, now: Now) {
        let Some(waiting) = self.remote.waiting_start.as_ref() else {
            return;
        };
        let free = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.is_free() && c.authorized.is_none())
            && self.reservation_admits(connector, &waiting.id_tag, None, now);
        if !free {
            return;
        }
        let Some(waiting) = self.remote.waiting_start.take() else {
            return;
        };
        tracing::info!(
            connector,
            "car plugged in: the waiting remote start takes it"
        );
        let remote = RemoteStartPending {
            connector,
            charging_profile: None,
        };
        self.start_remotely(remote, waiting.id_tag, now);
    }

    /// RemoteStopTransaction.req (see the module docs).
    #[inline(never)]
    pub(crate) fn on_remote_stop_transaction(
        &mut self,
        id: &MessageId,
        request: &RemoteStopTransactionRequest,
    ) {
        let connector = (1..=self.number_of_connectors()).find(|c| {
            self.connectors
                .get(*c as usize)
                .and_then(|c| c.transaction.as_ref())
                .is_some_and(|t| t.record.transaction_id == Some(request.transaction_id))
        });
        let status = match connector {
            Some(_) => RemoteStartStopStatus::Accepted,
            None => RemoteStartStopStatus::Rejected,
        };
        tracing::info!(
            transaction_id = request.transaction_id,
            ?status,
            "RemoteStopTransaction"
        );
        self.respond(
            id,
            AnyResponse::RemoteStopTransaction(RemoteStopTransactionResponse { status }),
        );
        if let Some(connector) = connector {
            self.commands.push_back(StationCommand::StopTransaction {
                connector,
                reason: Reason::Remote,
            });
        }
    }

    /// Reset.req (see the module docs).
    #[inline(never)]
    pub(crate) fn on_reset(&mut self, id: &MessageId, request: &ResetRequest, now: Now) {
        self.respond(
            id,
            AnyResponse::Reset(ResetResponse {
                status: ResetStatus::Accepted,
            }),
        );
        let reason = match request.kind {
            ResetType::Soft => Reason::SoftReset,
            ResetType::Hard => Reason::HardReset,
        };
        let running: Vec<u32> = self.running_transactions().collect();
        tracing::info!(kind = ?request.kind, transactions = running.len(), "Reset accepted");
        for connector in running {
            self.commands
                .push_back(StationCommand::StopTransaction { connector, reason });
        }
        let wait = self
            .config
            .internal()
            .wait_for_stop_transactions_on_reset_timeout;
        // A second Reset keeps the first one's deadline: the station restarts no later.
        let deadline = self
            .remote
            .reset
            .as_ref()
            .map_or(now.instant + Duration::from_secs(u64::from(wait)), |r| {
                r.deadline
            });
        self.remote.reset = Some(PendingReset {
            kind: request.kind,
            deadline,
        });
        self.continue_reset(now);
    }

    /// The connectors with a running transaction.
    fn running_transactions(&self) -> impl Iterator<Item = u32> + '_ {
        (1..=self.number_of_connectors()).filter(|c| {
            self.connectors
                .get(*c as usize)
                .is_some_and(|c| c.transaction.is_some())
        })
    }

    /// Asks for the restart of an accepted Reset once no transaction runs any more (after
    /// every station event) or its deadline passed.
    pub(crate) fn continue_reset(&mut self, now: Now) {
        let Some(reset) = self.remote.reset.as_ref() else {
            return;
        };
        let timed_out = reset.deadline <= now.instant;
        if self.running_transactions().next().is_some() && !timed_out {
            return;
        }
        if timed_out {
            tracing::warn!("WaitForStopTransactionsOnResetTimeout passed: restarting anyway");
        }
        let kind = reset.kind;
        self.remote.reset = None;
        self.commands.push_back(StationCommand::Reset { kind });
    }

    /// The timers of the remote commands: ConnectionTimeOut of a remote start waiting for a
    /// car, the deadline of a Reset.
    pub(crate) fn remote_control_timer(&mut self, now: Now) {
        let expired = self
            .remote
            .waiting_start
            .as_ref()
            .is_some_and(|w| w.until.is_some_and(|t| t <= now.instant));
        if expired {
            if let Some(waiting) = self.remote.waiting_start.take() {
                tracing::info!(id_tag = %waiting.id_tag,
                    "ConnectionTimeOut: no car plugged in for the remote start; dropped");
            }
        }
        self.continue_reset(now);
    }
}
