//! Transactions (OCPP 1.6 §4.8, §4.10): StartTransaction and StopTransaction, and what their
//! answers change.
//!
//! A transaction is stored, then its StartTransaction queued, when the station reports it
//! started. Until StartTransaction.conf arrives it is known by a negative placeholder id (as
//! libocpp's internal transaction id): MeterValues and StopTransaction queued meanwhile carry
//! the placeholder, which the answer replaces in every queued message, so a StopTransaction
//! queued offline behind its StartTransaction still reaches the central system with the id it
//! gave.
//!
//! # A StartTransaction given up
//!
//! A StartTransaction answered with a CALLERROR TransactionMessageAttempts times is dropped
//! (docs/core/message-queue.md), and its transaction never gets an id. None is made up: the
//! placeholder never goes on the wire (OCPP 1.6 §4.8: the transactionId is the one the
//! central system supplied). libocpp drops the message the same way
//! (`MessageQueue::handle_timeout_or_callerror`) and then
//! - sends the transaction's MeterValues without a transactionId (`ChargePointImpl::send_meter_value`
//!   adds one only once the id is known): so do we, for those queued and those to come;
//! - sends its StopTransaction with its negative internal id (`ChargePointImpl::stop_transaction`,
//!   `get_transaction_id().value_or(get_internal_transaction_id())`): we do not. The central
//!   system refused to register the transaction, so no id of its names it; a StopTransaction
//!   with a made-up one would be booked to nothing or to the wrong transaction. It is dropped
//!   (queued or to come), with an error that logs its meterStop.
//!
//! The session itself goes on, as in libocpp, which stops nothing either: the driver was
//! authorized, and the energy shows in the MeterValues.
//!
//! StopTransaction carries idTag (the identifier that stopped it, when one did), reason (always,
//! Local too, though OCPP 1.6 makes Local the default of a missing reason: libocpp always sends
//! it, so a central system tested against EVerest sees the same) and transactionData: the
//! StopTxnSampledData samples, Transaction.Begin first and Transaction.End last.
//!
//! Who stops a transaction, and with which reason:
//!
//! | cause | how | reason |
//! |---|---|---|
//! | the station on its own (stop button, EV full, fault, ...) | [`StationEvent::TransactionStopped`](super::StationEvent) | the station's |
//! | a request of the station (emergency stop, reboot, ...) | [`StationEvent::StopRequested`](super::StationEvent) → [`StationCommand::StopTransaction`] | the station's |
//! | the transaction's idTag, or one of its group, presented | `authorization.rs` | Local |
//! | RemoteStopTransaction / Reset / UnlockConnector | `remote_control.rs`, `unlock_connector.rs` | Remote / SoftReset, HardReset / UnlockCommand |
//! | cable unplugged, StopTransactionOnEVSideDisconnect true | [`ChargePoint::on_unplugged`] | EVDisconnected |
//! | StartTransaction.conf not Accepted, StopTransactionOnInvalidId true | [`ChargePoint::on_invalid_id`] | DeAuthorized |
//! | a restart found it in the store, not resumed | [`ChargePoint::recover_transaction`] | PowerLoss |
//!
//! With StopTransactionOnEVSideDisconnect false an unplugged cable leaves the transaction
//! running as SuspendedEV (OCPP 1.6 §4.9; libocpp leaves this to the EVSE manager). A stop for
//! EVDisconnected asks the station to unlock the cable when UnlockConnectorOnEVSideDisconnect
//! is true (as libocpp's stop_transaction).

use std::time::Duration;

use ocpp_rpc::CallErrorInfo;
use ocpp_types::core::{Reason, StartTransactionRequest, StopTransactionRequest};
use ocpp_types::id_tag::{AuthorizationStatus, IdToken};
use ocpp_types::meter::ReadingContext;
use ocpp_types::{Action, AnyResponse};

use super::connector_status::ActiveTransaction;
use super::events::EnergyFlow;
use super::message_queue::Failure;
use super::meter_values::{energy_register_wh, thin_transaction_data};
use super::store::{StoredMessage, StoredTransaction};
use super::{ChargePoint, Now, StationCommand};

impl ChargePoint {
    /// The station started a transaction on connector `id`.
    #[inline(never)]
    pub(crate) fn on_transaction_started(
        &mut self,
        id: u32,
        id_tag: IdToken,
        meter_start_wh: i32,
        reservation_id: Option<i32>,
        now: Now,
    ) {
        let free = self
            .connectors
            .get(id as usize)
            .is_some_and(|c| c.transaction.is_none());
        if id == 0 || !free {
            tracing::error!(
                connector = id,
                "transaction start on an unknown or busy connector ignored"
            );
            return;
        }
        // The station may not know the reservation its user had: reservation.rs.
        let reservation_id =
            reservation_id.or_else(|| self.reservation_for_transaction(id, &id_tag, now));
        let placeholder_id = self.next_placeholder_id;
        self.next_placeholder_id = self.next_placeholder_id.saturating_sub(1);
        let started_at = self.clock(now);
        let begin = self.boundary_sample(id, meter_start_wh, ReadingContext::TransactionBegin, now);
        let record = StoredTransaction {
            connector: id,
            placeholder_id,
            transaction_id: None,
            id_tag: id_tag.clone(),
            meter_start_wh,
            started_at,
            reservation_id,
            transaction_data: begin.into_iter().collect(),
            meter_last_wh: meter_start_wh,
            meter_last_at: started_at,
            parent_id_tag: self.cached_parent(&id_tag, now),
            energy_limit_wh: None,
        };
        let request = StartTransactionRequest {
            connector_id: id as i32,
            id_tag: id_tag.clone(),
            meter_start: meter_start_wh,
            reservation_id,
            timestamp: started_at,
        };
        // The transaction and its StartTransaction in one write: a power loss between two
        // would leave a transaction stored that the next start stops, but with nothing queued
        // to register it, so its StopTransaction would be dropped and the session never
        // reported (tests/power_loss_between_writes.rs).
        self.queue.push_transaction_with_record(
            self.store.as_mut(),
            Action::StartTransaction,
            ocpp_types::encode(&request),
            Some(placeholder_id),
            &record,
        );
        tracing::info!(connector = id, placeholder_id, "transaction started");
        self.resume_transaction(record, now);
        self.pricing_transaction_started(id, &id_tag, placeholder_id, meter_start_wh, now);
        self.smart_charging_transaction_started(id, now);
    }

    /// A transaction found in the store at start: resumed when the station says it still runs
    /// (`resume`), otherwise stopped with reason PowerLoss at its last sampled energy, as
    /// libocpp's try_resume_transactions. One whose StopTransaction is already queued (power
    /// lost between queuing it and forgetting the transaction) is only forgotten.
    pub(crate) fn recover_transaction(
        &mut self,
        record: StoredTransaction,
        resume: bool,
        now: Now,
    ) {
        self.next_placeholder_id = self
            .next_placeholder_id
            .min(record.placeholder_id.saturating_sub(1));
        let id = record.connector;
        let ids = [Some(record.placeholder_id), record.transaction_id];
        if self.queue.has_stop_transaction_for(&ids) {
            tracing::info!(
                connector = id,
                "stored transaction already stopped; forgotten"
            );
            if let Err(e) = self.store.remove_transaction(id) {
                tracing::error!(connector = id, error = %e, "stopped transaction not removed from the store");
            }
            return;
        }
        if resume {
            tracing::info!(connector = id, "transaction resumed after a restart");
            return self.resume_transaction(record, now);
        }
        tracing::info!(
            connector = id,
            "transaction of before the restart stopped: PowerLoss"
        );
        let meter_stop = record.meter_last_wh;
        let request =
            self.wire_transaction_id(&record)
                .map(|transaction_id| StopTransactionRequest {
                    id_tag: None,
                    meter_stop,
                    timestamp: record.meter_last_at,
                    transaction_id,
                    reason: Some(Reason::PowerLoss),
                    transaction_data: (!record.transaction_data.is_empty())
                        .then_some(record.transaction_data),
                });
        self.queue_stop_transaction(request, meter_stop);
        if let Err(e) = self.store.remove_transaction(id) {
            tracing::error!(connector = id, error = %e, "stopped transaction not removed from the store");
        }
    }

    /// Makes `record` the running transaction of its connector, sampling from `now` on.
    pub(crate) fn resume_transaction(&mut self, record: StoredTransaction, now: Now) {
        let interval = self.config.core().meter_value_sample_interval;
        let id = record.connector;
        let Some(connector) = self.connector_mut(id).filter(|_| id > 0) else {
            tracing::error!(
                connector = id,
                "stored transaction of an unknown connector ignored"
            );
            return;
        };
        connector.authorized = None;
        connector.authorized_until = None;
        connector.finishing = false;
        let reservation_id = record.reservation_id;
        connector.transaction = Some(ActiveTransaction {
            record,
            flow: EnergyFlow::Charging,
            next_sample: (interval > 0)
                .then(|| now.instant + Duration::from_secs(u64::from(interval))),
            stop_id_tag: None,
            register_saved_at: None,
        });
        // A transaction on a reserved connector uses the reservation up (libocpp: on_reservation_end
        // comes from the station, which started the transaction): reservation.rs.
        self.reservation_used(id, reservation_id);
        self.update_status(id, now);
    }

    /// The station stopped the transaction on connector `id`.
    #[inline(never)]
    pub(crate) fn on_transaction_stopped(
        &mut self,
        id: u32,
        meter_stop_wh: i32,
        reason: Reason,
        id_tag: Option<IdToken>,
        now: Now,
    ) {
        let Some(end) = self
            .connectors
            .get(id as usize)
            .filter(|c| c.transaction.is_some())
            .map(|_| self.boundary_sample(id, meter_stop_wh, ReadingContext::TransactionEnd, now))
        else {
            tracing::error!(
                connector = id,
                "stop of a transaction that is not running ignored"
            );
            return;
        };
        let timestamp = self.clock(now);
        let Some(connector) = self.connector_mut(id) else {
            return;
        };
        let Some(mut tx) = connector.transaction.take() else {
            return;
        };
        connector.finishing = connector.plugged;
        let transaction_id = tx.record.transaction_id;
        tx.record.transaction_data.extend(end);
        let data = std::mem::take(&mut tx.record.transaction_data);
        let request =
            self.wire_transaction_id(&tx.record)
                .map(|transaction_id| StopTransactionRequest {
                    id_tag: id_tag.or(tx.stop_id_tag),
                    meter_stop: meter_stop_wh,
                    timestamp,
                    transaction_id,
                    // Always sent, Local too (the spec's default when left out): libocpp
                    // always sends it, and a CSMS written against EVerest may read it.
                    reason: Some(reason),
                    transaction_data: (!data.is_empty()).then_some(data),
                });
        // Queued (and stored) before the transaction is forgotten: a power loss in between
        // leaves a transaction to stop again rather than none.
        self.queue_stop_transaction(request, meter_stop_wh);
        if let Err(e) = self.store.remove_transaction(id) {
            tracing::error!(connector = id, error = %e, "stopped transaction not removed from the store");
        }
        tracing::info!(connector = id, ?reason, "transaction stopped");
        self.smart_charging_transaction_ended(id, now);
        // As libocpp's stop_transaction: the cable is released on the station's side too.
        if reason == Reason::EVDisconnected
            && self.config.core().unlock_connector_on_ev_side_disconnect
        {
            self.commands
                .push_back(StationCommand::UnlockConnector { connector: id });
        }
        self.update_status(id, now);
        // After the status the stop caused: an atCPStatus trigger fires for it (libocpp resets
        // the triggers after the status event of the stop).
        self.pricing_transaction_ended(id, transaction_id);
    }

    /// The cable was unplugged: a running transaction is stopped with EVDisconnected when
    /// StopTransactionOnEVSideDisconnect is true (the station stops it and reports it).
    #[inline(never)]
    pub(crate) fn on_unplugged(&mut self, id: u32, now: Now) {
        let stop = self.config.core().stop_transaction_on_ev_side_disconnect != Some(false);
        let Some(connector) = self.connector_mut(id).filter(|_| id > 0) else {
            tracing::warn!(connector = id, "unplug on an unknown connector ignored");
            return;
        };
        connector.plugged = false;
        connector.finishing = false;
        // An identifier accepted while this car was plugged in, that the EVSE did not take (its
        // session had failed: a refused Plug&Charge contract), leaves with the car: Preparing
        // ends (libocpp's connector state machine goes Preparing -> Available on the unplug)
        // and the station forgets it.
        let unused = match connector.transaction {
            None => connector.authorized.take(),
            Some(_) => None,
        };
        if unused.is_some() {
            connector.authorized_until = None;
        }
        if let Some(tx) = connector.transaction.as_mut() {
            if stop {
                self.commands.push_back(StationCommand::StopTransaction {
                    connector: id,
                    reason: Reason::EVDisconnected,
                });
            } else {
                tx.flow = EnergyFlow::SuspendedEV;
            }
        }
        if let Some(id_tag) = unused {
            tracing::info!(
                connector = id,
                "car unplugged before its authorization was used"
            );
            self.commands
                .push_back(StationCommand::AuthorizationExpired {
                    connector: id,
                    id_tag,
                });
        }
        self.update_status(id, now);
        self.pricing_unplugged(id, now);
    }

    /// The first effect of a CALLRESULT to the transaction message `message`: its durable
    /// delete (docs/core/delivery-guarantees.md). For a StartTransaction, the transactionId it
    /// gives goes into the messages queued behind it and into the transaction's record in the
    /// same write ([`MessageQueue::answered_start`](super::message_queue::MessageQueue::answered_start)).
    pub(crate) fn forget_answered(&mut self, message: &StoredMessage, response: &AnyResponse) {
        let (Some(placeholder), AnyResponse::StartTransaction(conf)) =
            (message.starts_transaction, response)
        else {
            return self.queue.answered(self.store.as_mut(), message.key);
        };
        let real = conf.transaction_id;
        let record = self
            .connectors
            .iter_mut()
            .filter_map(|c| c.transaction.as_mut())
            .find(|t| t.record.placeholder_id == placeholder)
            .map(|t| {
                t.record.transaction_id = Some(real);
                t.record.clone()
            });
        self.queue.answered_start(
            self.store.as_mut(),
            message.key,
            placeholder,
            real,
            record.as_ref(),
        );
    }

    /// The answer (or failure) of a transaction-related message.
    #[inline(never)]
    pub(crate) fn on_transaction_response(
        &mut self,
        message: StoredMessage,
        result: Result<AnyResponse, CallErrorInfo>,
        now: Now,
    ) {
        let response = match result {
            Ok(response) => response,
            Err(error) => return self.on_transaction_message_failed(message, error, now),
        };
        // The message has left the queue and the store already (`on_response`).
        let id_tag = message
            .payload
            .get("idTag")
            .and_then(serde_json::Value::as_str)
            .and_then(|t| IdToken::new(t).ok());
        match response {
            AnyResponse::StopTransaction(conf) => {
                if let (Some(id_tag), Some(info)) = (id_tag, conf.id_tag_info) {
                    self.id_tag_info_received(&id_tag, &info, now);
                }
            }
            AnyResponse::StartTransaction(conf) => {
                if let Some(id_tag) = &id_tag {
                    self.id_tag_info_received(id_tag, &conf.id_tag_info, now);
                }
                let Some(placeholder) = message.starts_transaction else {
                    return;
                };
                let real = conf.transaction_id;
                tracing::info!(
                    placeholder,
                    transaction_id = real,
                    "StartTransaction answered"
                );
                // The real id is in the queued messages and the record already, written with the
                // delete (`forget_answered`).
                self.pricing_transaction_id(placeholder, real);
                let Some((id, tx)) = self.connectors.iter_mut().enumerate().find_map(|(i, c)| {
                    c.transaction
                        .as_mut()
                        .filter(|t| t.record.placeholder_id == placeholder)
                        .map(|t| (i as u32, t))
                }) else {
                    return;
                };
                // Kept with the transaction for the group stop, as libocpp's update_transaction;
                // an answer without one leaves the parent the cache gave.
                let mut changed = false;
                if let Some(parent) = conf.id_tag_info.parent_id_tag.clone() {
                    changed = tx.record.parent_id_tag.as_ref() != Some(&parent);
                    tx.record.parent_id_tag = Some(parent);
                }
                let accepted = conf.id_tag_info.status == AuthorizationStatus::Accepted;
                let core = self.config.core();
                if !accepted && !core.stop_transaction_on_invalid_id {
                    let allowed = core.max_energy_on_invalid_id.unwrap_or(0);
                    let allowed = i32::try_from(allowed).unwrap_or(i32::MAX);
                    tx.record.energy_limit_wh =
                        Some(tx.record.meter_start_wh.saturating_add(allowed));
                    changed = true;
                }
                if changed {
                    if let Err(e) = self.store.save_transaction(&tx.record) {
                        tracing::error!(connector = id, error = %e, "transaction not stored");
                    }
                }
                if !accepted {
                    self.on_invalid_id(id, conf.id_tag_info.status, now);
                }
            }
            // DataTransfer: California Pricing's ConnectorUnplugged (cost_and_price/triggers.rs).
            AnyResponse::MeterValues(_)
            | AnyResponse::SecurityEventNotification(_)
            | AnyResponse::DataTransfer(_) => {}
            other => {
                tracing::warn!(action = %other.action(), "unexpected answer in the transaction queue")
            }
        }
    }

    /// StartTransaction.conf did not accept the transaction's identifier (OCPP 1.6 §4.8,
    /// StopTransactionOnInvalidId): stop with DeAuthorized, or with StopTransactionOnInvalidId
    /// false "only stop energy delivery to the vehicle": at once, or once MaxEnergyOnInvalidId
    /// Wh were charged since the start (the energy limit set with the answer). libocpp 1.6
    /// pauses and stops (lib/ocpp/v16/charge_point_impl.cpp handleStartTransactionResponse)
    /// and ignores MaxEnergyOnInvalidId; its OCPP 2.0.1 side counts the energy from the start
    /// and then pauses (lib/ocpp/v2/evse.cpp check_max_energy_on_invalid_id), as here.
    fn on_invalid_id(&mut self, id: u32, status: AuthorizationStatus, now: Now) {
        tracing::info!(
            connector = id,
            ?status,
            "transaction's identifier not accepted"
        );
        if self.config.core().stop_transaction_on_invalid_id {
            return self.commands.push_back(StationCommand::StopTransaction {
                connector: id,
                reason: Reason::DeAuthorized,
            });
        }
        self.check_energy_limit(id, now);
    }

    /// Pauses charging on connector `id` when its transaction has reached the energy an
    /// identifier that is not accepted may still charge (see [`ChargePoint::on_invalid_id`]).
    pub(crate) fn check_energy_limit(&mut self, id: u32, now: Now) {
        let Some(connector) = self.connectors.get_mut(id as usize) else {
            return;
        };
        let latest = connector.reading.as_ref().and_then(energy_register_wh);
        let Some(tx) = connector.transaction.as_mut() else {
            return;
        };
        let Some(limit) = tx.record.energy_limit_wh else {
            return;
        };
        let energy = latest.unwrap_or(tx.record.meter_last_wh);
        if energy < limit {
            return;
        }
        tracing::info!(
            connector = id,
            energy,
            limit,
            "identifier not accepted: charging paused"
        );
        tx.record.energy_limit_wh = None;
        tx.flow = EnergyFlow::SuspendedEVSE;
        if let Err(e) = self.store.save_transaction(&tx.record) {
            tracing::error!(connector = id, error = %e, "paused transaction not stored");
        }
        self.commands
            .push_back(StationCommand::PauseCharging { connector: id });
        self.update_status(id, now);
    }

    /// The station asks for the transactions of `connector` (all when `None`) to stop.
    #[inline(never)]
    pub(crate) fn on_stop_requested(&mut self, connector: Option<u32>, reason: Reason) {
        if connector.is_some_and(|c| c == 0 || c > self.number_of_connectors()) {
            return tracing::warn!(
                ?connector,
                "stop requested for an unknown connector ignored"
            );
        }
        let running: Vec<u32> = (1..=self.number_of_connectors())
            .filter(|id| connector.is_none_or(|c| c == *id))
            .filter(|id| {
                self.connectors
                    .get(*id as usize)
                    .is_some_and(|c| c.transaction.is_some())
            })
            .collect();
        tracing::info!(?connector, ?reason, ?running, "stop requested");
        for id in running {
            self.commands.push_back(StationCommand::StopTransaction {
                connector: id,
                reason,
            });
        }
    }

    fn on_transaction_message_failed(
        &mut self,
        message: StoredMessage,
        error: CallErrorInfo,
        now: Now,
    ) {
        let core = self.config.core();
        let attempts = core.transaction_message_attempts;
        let interval = Duration::from_secs(u64::from(core.transaction_message_retry_interval));
        match self.queue.failed(
            self.store.as_mut(),
            message.key,
            now.instant,
            attempts,
            interval,
        ) {
            Failure::Retry(at) => {
                let wait = at.saturating_duration_since(now.instant);
                tracing::warn!(action = %message.action, %error, ?wait, "transaction message failed; retrying")
            }
            Failure::GivenUp(dropped) => {
                tracing::error!(
                    action = %dropped.action, %error, attempts = dropped.attempts,
                    "transaction message failed TransactionMessageAttempts times; dropped"
                );
                if let Some(placeholder) = dropped.starts_transaction {
                    self.start_transaction_given_up(placeholder);
                }
            }
        }
    }

    /// See [A StartTransaction given up](self#a-starttransaction-given-up).
    fn start_transaction_given_up(&mut self, placeholder: i32) {
        for stop in self
            .queue
            .forget_placeholder(self.store.as_mut(), placeholder)
        {
            let meter_stop = stop.payload.get("meterStop").cloned();
            tracing::error!(
                ?meter_stop,
                "StopTransaction of a transaction the central system never registered dropped"
            );
        }
        if let Some(c) = self.connectors.iter().position(|c| {
            c.transaction
                .as_ref()
                .is_some_and(|t| t.record.placeholder_id == placeholder)
        }) {
            tracing::error!(
                connector = c,
                "the transaction has no id: it charges on, its MeterValues go without one"
            );
        }
    }

    /// The transactionId the messages of `record`'s transaction carry: the central system's,
    /// or while its StartTransaction waits for the answer the placeholder the answer will
    /// replace; `None` once that StartTransaction was given up (see
    /// [A StartTransaction given up](self#a-starttransaction-given-up)).
    pub(crate) fn wire_transaction_id(&self, record: &StoredTransaction) -> Option<i32> {
        self.wire_id(record.transaction_id, record.placeholder_id)
    }

    /// [`ChargePoint::wire_transaction_id`] of a transaction whose id is `known` (if it is)
    /// and whose placeholder is `placeholder`.
    pub(crate) fn wire_id(&self, known: Option<i32>, placeholder: i32) -> Option<i32> {
        known.or_else(|| self.queue.start_pending(placeholder).then_some(placeholder))
    }

    /// Queues a StopTransaction, unless its transaction has no id to give it (then it is
    /// dropped with an error: see [A StartTransaction given up](self#a-starttransaction-given-up)).
    fn queue_stop_transaction(&mut self, request: Option<StopTransactionRequest>, meter_stop: i32) {
        let Some(mut request) = request else {
            return tracing::error!(
                meter_stop,
                "StopTransaction of a transaction the central system never registered dropped"
            );
        };
        self.fit_stop_transaction(&mut request);
        self.queue.push_transaction(
            self.store.as_mut(),
            Action::StopTransaction,
            ocpp_types::encode(&request),
            None,
        );
    }
}

impl ChargePoint {
    /// A StopTransaction larger than Internal.MaxMessageSize loses transactionData values as
    /// libocpp's stop_transaction does (utils::drop_transaction_data), never its other fields.
    fn fit_stop_transaction(&self, request: &mut StopTransactionRequest) {
        let max = self.config.internal().max_message_size as usize;
        let Some(mut data) = request.transaction_data.take() else {
            return;
        };
        // The rest of the payload, plus `,"transactionData":` around the array.
        let rest = ocpp_types::encode(&*request).to_string().len() + 19;
        let before = data.len();
        thin_transaction_data(&mut data, |d| {
            serde_json::to_string(d).is_ok_and(|text| rest + text.len() > max)
        });
        if data.len() < before {
            tracing::warn!(
                before,
                after = data.len(),
                max_message_size = max,
                "StopTransaction.req is too large: transactionData thinned"
            );
        }
        request.transaction_data = Some(data);
    }
}
