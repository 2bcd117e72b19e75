//! The outgoing CALLs of the charge point: which one goes next, which one is in flight, and
//! what happens to them on an answer, a failure or a lost connection. Modelled on libocpp's
//! `MessageQueue` (include/ocpp/common/message_queue.hpp).
//!
//! - Two queues. Transaction-related messages (StartTransaction, StopTransaction, transaction
//!   MeterValues, SecurityEventNotification) are written to the [`Store`] before they are
//!   queued, go in order, one at a time, after registration Accepted, and leave the queue and
//!   the store only when answered. Every other message lives in memory and is dropped with the
//!   connection, unless QueueAllMessages keeps it ([`MessageQueue::keeps_offline`]).
//! - Between the two the older message goes first, a BootNotification before any transaction
//!   message; one CALL at a time is handed to ocpp-rpc, so the order decided here is the order
//!   on the wire.
//! - A CALLERROR or no answer is a failure ([`StoredMessage::attempts`] counts failures, not
//!   sends); the message goes again TransactionMessageRetryInterval × failures later. After
//!   TransactionMessageAttempts failures a MeterValues is dropped, a StartTransaction or
//!   StopTransaction only on a CALLERROR: one that got no answer goes again until answered.
//! - A StopTransaction or MeterValues queued before its StartTransaction was answered carries a
//!   negative placeholder id until the answer gives the real one
//!   ([`MessageQueue::answered_start`], in the write that deletes the StartTransaction).
//! - Above MessageQueueSizeThreshold ([`DEFAULT_SIZE_THRESHOLD`] when unset) the oldest
//!   non-transactional messages go first, then every other MeterValues, pass after pass; never
//!   a StartTransaction or StopTransaction, so a queue of more of them stays above it.
//! - A transaction message is held in memory as its payload's JSON text (`held.rs`): what the
//!   queue takes is what the store's rows take.
//!
//! The full behaviour, with libocpp's and where and why this one differs:
//! docs/core/message-queue.md.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ocpp_rpc::MessageId;
use ocpp_types::id_tag::IdToken;
use ocpp_types::Action;
use serde_json::Value;

use super::store::{Store, StoreWrite, StoredMessage, StoredTransaction};
use crate::config::Configuration;

mod held;

use held::Held;

/// MessageQueueSizeThreshold when it is not set (libocpp's own full example config; why not
/// libocpp's built-in 200000: docs/core/message-queue.md).
pub(crate) const DEFAULT_SIZE_THRESHOLD: usize = 5000;

/// Why a non-transactional CALL was sent: what its answer is for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Purpose {
    BootNotification,
    Heartbeat,
    StatusNotification,
    Authorize(AuthorizeFor),
    /// DiagnosticsStatusNotification, FirmwareStatusNotification or a MeterValues outside a
    /// transaction, sent for a TriggerMessage.
    Triggered,
    /// A DataTransfer the station asked for, with the station's request id.
    DataTransfer(u64),
    /// A SignCertificate with a new CSR (`sign_certificate.rs`).
    SignCertificate,
    /// A Plug&Charge DataTransfer (`pnc/`).
    Pnc(super::pnc::PncPurpose),
}

impl Purpose {
    /// Whether its sender waits for the answer (an Authorize, a DataTransfer) or sends it
    /// afresh on the next connection (BootNotification): such a message is neither kept
    /// offline nor dropped for the threshold; a lost connection answers it.
    fn awaited(&self) -> bool {
        matches!(
            self,
            Purpose::Authorize(_)
                | Purpose::BootNotification
                | Purpose::DataTransfer(_)
                | Purpose::Pnc(_)
        )
    }
}

/// Who asked for an Authorize.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AuthorizeFor {
    pub id_tag: IdToken,
    pub connector: Option<u32>,
    /// Set for the Authorize of a RemoteStartTransaction (AuthorizeRemoteTxRequests).
    pub remote_start: Option<RemoteStartPending>,
}

/// A RemoteStartTransaction waiting for its Authorize.conf.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RemoteStartPending {
    pub connector: u32,
    pub charging_profile: Option<ocpp_types::charging_profile::ChargingProfile>,
}

/// The Internal keys that shape the queue. They are read-only, so they are read once, when
/// the charge point starts (as libocpp builds its MessageQueueConfig once, in
/// `ChargePointImpl::create_message_queue`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QueueConfig {
    /// QueueAllMessages.
    pub queue_all_messages: bool,
    /// MessageTypesDiscardForQueueing.
    pub discard_for_queueing: Vec<Action>,
    /// MessageQueueSizeThreshold, or [`DEFAULT_SIZE_THRESHOLD`].
    pub size_threshold: usize,
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            queue_all_messages: false,
            discard_for_queueing: Vec::new(),
            size_threshold: DEFAULT_SIZE_THRESHOLD,
        }
    }
}

impl QueueConfig {
    /// The queue settings of `config`. An unknown name in MessageTypesDiscardForQueueing is
    /// skipped with a warning (libocpp warns and applies none of the list).
    pub fn from_config(config: &Configuration) -> QueueConfig {
        let internal = config.internal();
        let discard_for_queueing = internal
            .message_types_discard_for_queueing
            .iter()
            .flatten()
            .filter_map(|name| {
                name.trim()
                    .parse::<Action>()
                    .map_err(|_| {
                        tracing::warn!(%name, "unknown action in MessageTypesDiscardForQueueing ignored")
                    })
                    .ok()
            })
            .collect();
        QueueConfig {
            queue_all_messages: internal.queue_all_messages.unwrap_or(false),
            discard_for_queueing,
            size_threshold: internal
                .message_queue_size_threshold
                .map_or(DEFAULT_SIZE_THRESHOLD, |t| t.max(1) as usize),
        }
    }

    /// Whether a non-transactional message of `action` is kept while offline (libocpp's
    /// check_queue).
    pub fn keeps_offline(&self, action: Action) -> bool {
        self.queue_all_messages && !self.discard_for_queueing.contains(&action)
    }
}

#[derive(Debug, Clone)]
struct NormalMessage {
    /// Its place among all queued messages (the same sequence as the stored keys).
    seq: u64,
    action: Action,
    payload: Value,
    purpose: Purpose,
    /// Sent even before registration is Accepted: BootNotification, and what a TriggerMessage
    /// asked for (libocpp lets triggered messages through while Pending).
    before_registration: bool,
}

impl NormalMessage {
    /// Whether it waits out a lost connection (QueueAllMessages).
    fn kept_offline(&self, config: &QueueConfig) -> bool {
        !self.purpose.awaited() && config.keeps_offline(self.action)
    }
}

#[derive(Debug)]
struct TransactionMessage {
    /// The message, its payload as text (why: `held.rs`).
    message: Held,
    /// Retry not before this time.
    not_before: Option<Instant>,
    /// Its last attempt got no answer in time (rather than a CALLERROR).
    timed_out: bool,
}

/// What the CALL in flight was.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Sent {
    Normal(Purpose),
    Transaction(StoredMessage),
}

/// A message to hand to ocpp-rpc now.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub action: Action,
    pub payload: Value,
}

/// A transaction-related message that failed (CALLERROR or timeout).
#[derive(Debug, PartialEq)]
pub(crate) enum Failure {
    /// It will be sent again at this time.
    Retry(Instant),
    /// TransactionMessageAttempts are used up: it is dropped.
    GivenUp(StoredMessage),
}

/// The two queues and the CALL in flight.
#[derive(Debug, Default)]
pub(crate) struct MessageQueue {
    config: QueueConfig,
    /// The next key (and sequence number): keys only grow, across restarts too.
    next_key: u64,
    normal: VecDeque<NormalMessage>,
    transaction: VecDeque<TransactionMessage>,
    in_flight: Option<(MessageId, Sent)>,
    /// A copy of the non-transactional message in flight, when a lost connection keeps it.
    in_flight_kept: Option<NormalMessage>,
    /// The queue is above its threshold with no MeterValues left to drop (see
    /// [`MessageQueue::enforce_threshold`]).
    held_above: bool,
}

fn is_start_or_stop(action: Action) -> bool {
    matches!(action, Action::StartTransaction | Action::StopTransaction)
}

impl MessageQueue {
    /// A queue holding the transaction messages stored before a restart, as `config` says.
    /// The stored payloads are sent as they are: their timestamps are those of when they were
    /// queued. Retry waits do not survive a restart (the new connection is a fresh start).
    pub fn restore(stored: Vec<StoredMessage>, config: QueueConfig) -> MessageQueue {
        let mut queue = MessageQueue {
            config,
            ..MessageQueue::default()
        };
        for message in stored {
            queue.next_key = queue.next_key.max(message.key.saturating_add(1));
            queue.transaction.push_back(TransactionMessage {
                message: Held::new(&message),
                not_before: None,
                timed_out: false,
            });
        }
        queue
    }

    fn bump_key(&mut self) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        key
    }

    /// Queues a message that is not transaction-related.
    pub fn push_normal(&mut self, action: Action, payload: Value, purpose: Purpose) {
        let before_registration = purpose == Purpose::BootNotification;
        self.push(action, payload, purpose, before_registration);
    }

    /// Queues a message a TriggerMessage asked for: it may go before registration too.
    pub fn push_triggered(&mut self, action: Action, payload: Value, purpose: Purpose) {
        self.push(action, payload, purpose, true);
    }

    fn push(
        &mut self,
        action: Action,
        payload: Value,
        purpose: Purpose,
        before_registration: bool,
    ) {
        let seq = self.bump_key();
        self.normal.push_back(NormalMessage {
            seq,
            action,
            payload,
            purpose,
            before_registration,
        });
        // No store at hand: nothing stored is dropped from the normal queue alone.
        self.enforce_threshold(None);
    }

    /// Stores, then queues, a transaction-related message. A store that fails is logged and
    /// the message is queued anyway: sending it is better than losing it now too.
    pub fn push_transaction(
        &mut self,
        store: &mut dyn Store,
        action: Action,
        payload: Value,
        starts_transaction: Option<i32>,
    ) {
        self.push_stored(store, action, payload, starts_transaction, None);
    }

    /// As [`MessageQueue::push_transaction`], storing `record` (the transaction the message
    /// starts, or whose sample it carries) in the same write: a power loss leaves both or
    /// neither ([`Store::write_all`]).
    pub fn push_transaction_with_record(
        &mut self,
        store: &mut dyn Store,
        action: Action,
        payload: Value,
        starts_transaction: Option<i32>,
        record: &StoredTransaction,
    ) {
        self.push_stored(store, action, payload, starts_transaction, Some(record));
    }

    fn push_stored(
        &mut self,
        store: &mut dyn Store,
        action: Action,
        payload: Value,
        starts_transaction: Option<i32>,
        record: Option<&StoredTransaction>,
    ) {
        let stored = StoredMessage {
            key: self.bump_key(),
            action,
            payload,
            attempts: 0,
            starts_transaction,
        };
        let written = match record {
            None => store.save_message(&stored),
            Some(record) => store.write_all(&[
                StoreWrite::SaveTransaction(record.clone()),
                StoreWrite::SaveMessage(stored.clone()),
            ]),
        };
        if let Err(e) = written {
            tracing::error!(%action, error = %e, "transaction message not stored; sending it anyway");
        }
        self.transaction.push_back(TransactionMessage {
            message: Held::new(&stored),
            not_before: None,
            timed_out: false,
        });
        self.enforce_threshold(Some(store));
    }

    /// Whether a non-transactional message of `action` (not an Authorize, DataTransfer or
    /// BootNotification) is kept when the connection drops (QueueAllMessages): a producer
    /// could queue it while offline too.
    #[allow(dead_code)] // for the producers of non-transactional messages
    pub fn keeps_offline(&self, action: Action) -> bool {
        self.config.keeps_offline(action)
    }

    /// The identifiers whose Authorize.req is queued or in flight, oldest first.
    pub fn authorizing(&self) -> Vec<&str> {
        let in_flight = match &self.in_flight {
            Some((_, Sent::Normal(Purpose::Authorize(asked)))) => Some(asked),
            _ => None,
        };
        in_flight
            .into_iter()
            .chain(self.normal.iter().filter_map(|m| match &m.purpose {
                Purpose::Authorize(asked) => Some(asked),
                _ => None,
            }))
            .map(|asked| asked.id_tag.as_str())
            .collect()
    }

    /// Whether a normal message of `purpose` is queued or in flight.
    pub fn has_normal(&self, purpose: &Purpose) -> bool {
        self.normal.iter().any(|m| &m.purpose == purpose)
            || matches!(&self.in_flight, Some((_, Sent::Normal(p))) if p == purpose)
    }

    /// The next message to send, if none is in flight: before registration only a
    /// BootNotification or a triggered message, afterwards the older of the two queue heads
    /// (a BootNotification first). `send` hands it to ocpp-rpc and returns its message id (or
    /// `None` if ocpp-rpc refused it, which drops a normal message; a transaction message
    /// stays at the head).
    pub fn send_next(
        &mut self,
        now: Instant,
        registered: bool,
        send: impl FnOnce(&Outgoing) -> Option<MessageId>,
    ) {
        if self.in_flight.is_some() {
            return;
        }
        let normal = if registered {
            self.normal.front().map(|m| (0, m))
        } else {
            self.normal
                .iter()
                .enumerate()
                .find(|(_, m)| m.before_registration)
        };
        let transaction = self
            .transaction
            .front()
            .filter(|m| registered && m.not_before.is_none_or(|t| t <= now))
            .map(|m| m.message.key);
        let take_transaction = match (normal, transaction) {
            // libocpp: a BootNotification jumps every queue (`MessageQueue::start`).
            (Some((_, n)), Some(t)) => n.action != Action::BootNotification && t < n.seq,
            (None, Some(_)) => true,
            _ => false,
        };
        let normal_index = normal.map(|(i, _)| i);
        if take_transaction {
            let Some(head) = self.transaction.front_mut() else {
                return;
            };
            head.not_before = None;
            head.timed_out = false;
            let sent = head.message.stored();
            let outgoing = Outgoing {
                action: sent.action,
                payload: sent.payload.clone(),
            };
            if let Some(id) = send(&outgoing) {
                self.in_flight = Some((id, Sent::Transaction(sent)));
            }
        } else if let Some(index) = normal_index {
            let Some(message) = self.normal.remove(index) else {
                return;
            };
            let outgoing = Outgoing {
                action: message.action,
                payload: message.payload.clone(),
            };
            if let Some(id) = send(&outgoing) {
                self.in_flight_kept = message.kept_offline(&self.config).then(|| message.clone());
                self.in_flight = Some((id, Sent::Normal(message.purpose)));
            }
        }
    }

    /// Takes the CALL in flight if `id` is its id.
    pub fn take_in_flight(&mut self, id: &MessageId) -> Option<Sent> {
        match self.in_flight.take() {
            Some((flight_id, sent)) if flight_id == *id => {
                self.in_flight_kept = None;
                Some(sent)
            }
            other => {
                self.in_flight = other;
                None
            }
        }
    }

    /// The CALL `id` got no answer within ocpp-rpc's timeout: its failure that follows is a
    /// timeout, not a CALLERROR (why that matters: docs/core/message-queue.md, "Failures").
    pub fn mark_timed_out(&mut self, id: &MessageId) {
        let Some((flight_id, Sent::Transaction(sent))) = &self.in_flight else {
            return;
        };
        if flight_id != id {
            return;
        }
        let key = sent.key;
        if let Some(message) = self.transaction.iter_mut().find(|m| m.message.key == key) {
            message.timed_out = true;
        }
    }

    /// Takes the transaction message `key` out of the queue. An answered message is the head
    /// (they are sent from the front, one at a time): found at once and removed without moving
    /// the messages behind it, as `retain` would (draining 10,000 queued messages, that was
    /// some 50 million moves).
    fn unqueue(&mut self, key: u64) {
        if let Some(index) = self.transaction.iter().position(|m| m.message.key == key) {
            self.transaction.remove(index);
        }
    }

    /// A transaction message was answered: it leaves the queue and the store, in one write (the
    /// caller makes it the answer's first effect: docs/core/delivery-guarantees.md).
    pub fn answered(&mut self, store: &mut dyn Store, key: u64) {
        self.unqueue(key);
        if let Err(e) = store.remove_message(key) {
            tracing::error!(key, error = %e, "answered transaction message not removed from the store");
        }
    }

    /// A transaction message failed: it waits `retry_interval` × its failures and goes again
    /// while fewer than `max_attempts` failures, otherwise it is dropped, except a
    /// StartTransaction or StopTransaction that timed out (docs/core/message-queue.md,
    /// "Failures").
    pub fn failed(
        &mut self,
        store: &mut dyn Store,
        key: u64,
        now: Instant,
        max_attempts: u32,
        retry_interval: Duration,
    ) -> Failure {
        let Some(index) = self.transaction.iter().position(|m| m.message.key == key) else {
            return Failure::Retry(now);
        };
        let queued = &mut self.transaction[index];
        queued.message.attempts = queued.message.attempts.saturating_add(1);
        let failures = queued.message.attempts;
        let timed_out = std::mem::take(&mut queued.timed_out);
        let never_dropped = timed_out && is_start_or_stop(queued.message.action);
        if failures < max_attempts || never_dropped {
            // Past the configured attempts the wait stops growing: the longest one the
            // configuration allows.
            let factor = failures.min(max_attempts.max(1));
            let at = now + retry_interval * factor;
            queued.not_before = Some(at);
            if let Err(e) = store.save_message(&queued.message.stored()) {
                tracing::warn!(key, error = %e, "failure count of a transaction message not stored");
            }
            return Failure::Retry(at);
        }
        let given_up = self.transaction.remove(index).map(|m| m.message.stored());
        if let Err(e) = store.remove_message(key) {
            tracing::error!(key, error = %e, "dropped transaction message not removed from the store");
        }
        match given_up {
            Some(stored) => Failure::GivenUp(stored),
            None => Failure::Retry(now),
        }
    }

    /// The connection is gone: the transaction message in flight stays at the head of its
    /// queue (it is removed only when answered) and goes again first; the other messages are
    /// dropped and returned, so their senders can be told, except those QueueAllMessages
    /// keeps (the one in flight back at the front).
    pub fn disconnected(&mut self) -> Vec<Purpose> {
        let mut dropped = Vec::new();
        if let Some((_, Sent::Normal(purpose))) = self.in_flight.take() {
            match self.in_flight_kept.take() {
                Some(kept) => self.normal.push_front(kept),
                None => dropped.push(purpose),
            }
        }
        self.in_flight_kept = None;
        let config = &self.config;
        let (kept, gone): (VecDeque<_>, VecDeque<_>) =
            self.normal.drain(..).partition(|m| m.kept_offline(config));
        self.normal = kept;
        dropped.extend(gone.into_iter().map(|m| m.purpose));
        dropped
    }

    /// A StartTransaction (the message `key`) was answered with `real`, the id of
    /// `placeholder`'s transaction: it leaves the queue and the store, every queued message
    /// that carries the placeholder gets the real id (as libocpp does for StopTransaction and
    /// MeterValues queued while the StartTransaction was unanswered), and so does `record`,
    /// the transaction's record while it runs, all in one write: a power loss after the delete
    /// and before the id would leave a transaction with neither its StartTransaction nor its
    /// id, whose StopTransaction the next start drops (`transactions.rs`).
    pub fn answered_start(
        &mut self,
        store: &mut dyn Store,
        key: u64,
        placeholder: i32,
        real: i32,
        record: Option<&StoredTransaction>,
    ) {
        self.unqueue(key);
        let mut writes = vec![StoreWrite::RemoveMessage(key)];
        writes.extend(
            self.give_transaction_id(placeholder, real)
                .into_iter()
                .map(StoreWrite::SaveMessage),
        );
        writes.extend(record.cloned().map(StoreWrite::SaveTransaction));
        if let Err(e) = store.write_all(&writes) {
            tracing::error!(key, error = %e, "answered StartTransaction and its transaction id not stored");
        }
    }

    /// The queued messages that carry `placeholder`, given `real` instead.
    fn give_transaction_id(&mut self, placeholder: i32, real: i32) -> Vec<StoredMessage> {
        let mut changed = Vec::new();
        for message in &mut self.transaction {
            if message.message.transaction_id == Some(i64::from(placeholder)) {
                changed.push(
                    message
                        .message
                        .change(|payload| payload["transactionId"] = Value::from(real)),
                );
            }
        }
        changed
    }

    /// Whether the StartTransaction of the transaction known by `placeholder` still waits for
    /// its answer (queued, in flight or between two attempts).
    pub fn start_pending(&self, placeholder: i32) -> bool {
        self.transaction
            .iter()
            .any(|m| m.message.starts_transaction == Some(placeholder))
    }

    /// The StartTransaction of `placeholder`'s transaction was given up: no id will ever
    /// replace the placeholder, and none is made up (see `transactions.rs`). Its queued
    /// MeterValues lose their transactionId, as libocpp's `ChargePointImpl::send_meter_value`
    /// sends them while a transaction has no id; its queued StopTransaction is dropped and
    /// returned, to be logged. One write for all of them.
    pub fn forget_placeholder(
        &mut self,
        store: &mut dyn Store,
        placeholder: i32,
    ) -> Vec<StoredMessage> {
        let in_flight = match &self.in_flight {
            Some((_, Sent::Transaction(m))) => Some(m.key),
            _ => None,
        };
        let carries =
            |m: &Held| Some(m.key) != in_flight && m.transaction_id == Some(i64::from(placeholder));
        let (stops, kept): (VecDeque<_>, VecDeque<_>) = self
            .transaction
            .drain(..)
            .partition(|m| carries(&m.message) && m.message.action == Action::StopTransaction);
        self.transaction = kept;
        let mut changed = Vec::new();
        for message in &mut self.transaction {
            if carries(&message.message) {
                changed.push(message.message.change(|payload| {
                    if let Some(payload) = payload.as_object_mut() {
                        payload.remove("transactionId");
                    }
                }));
            }
        }
        if let Err(e) = store.save_messages(&changed) {
            tracing::error!(error = %e, "queued MeterValues without transaction id not stored");
        }
        let stops: Vec<StoredMessage> = stops.into_iter().map(|m| m.message.stored()).collect();
        let keys: Vec<u64> = stops.iter().map(|m| m.key).collect();
        if let Err(e) = store.remove_messages(&keys) {
            tracing::error!(error = %e, "dropped StopTransaction not removed from the store");
        }
        stops
    }

    /// Whether a StopTransaction for one of `ids` is queued.
    pub fn has_stop_transaction_for(&self, ids: &[Option<i32>]) -> bool {
        self.transaction.iter().any(|m| {
            m.message.action == Action::StopTransaction
                && ids
                    .iter()
                    .flatten()
                    .any(|i| Some(i64::from(*i)) == m.message.transaction_id)
        })
    }

    /// The lowest placeholder transaction id the queued messages use, if any.
    pub fn lowest_placeholder(&self) -> Option<i32> {
        self.transaction
            .iter()
            .flat_map(|m| {
                let id = m
                    .message
                    .transaction_id
                    .and_then(|i| i32::try_from(i).ok())
                    .filter(|i| *i < 0);
                [m.message.starts_transaction, id]
            })
            .flatten()
            .min()
    }

    /// Makes a held-back transaction message whose retry time has come sendable again, so
    /// that [`MessageQueue::next_retry`] never reports a time already past.
    pub fn release_due_retry(&mut self, now: Instant) {
        if let Some(head) = self.transaction.front_mut() {
            if head.not_before.is_some_and(|t| t <= now) {
                head.not_before = None;
            }
        }
    }

    /// When a held-back transaction message may be sent again.
    pub fn next_retry(&self) -> Option<Instant> {
        self.transaction.front().and_then(|m| m.not_before)
    }

    /// How many transaction-related messages are queued (in flight included).
    pub fn transaction_messages(&self) -> usize {
        self.transaction.len()
    }

    /// The bytes of the queued transaction messages' payloads (in flight included): what they
    /// take in memory (`held.rs`) and in the store's rows.
    pub fn transaction_bytes(&self) -> usize {
        self.transaction
            .iter()
            .map(|m| m.message.payload_bytes())
            .sum()
    }

    /// The key of the transaction message in flight, if one is.
    fn in_flight_key(&self) -> Option<u64> {
        match &self.in_flight {
            Some((_, Sent::Transaction(m))) => Some(m.key),
            _ => None,
        }
    }

    /// The queued messages that count against the threshold: the transaction messages but the
    /// one in flight (libocpp has it out of its queues) and the non-transactional messages
    /// QueueAllMessages keeps offline. The others live only while connected and go with the
    /// connection, so they cannot pile up; libocpp counts (and drops) them too, which drops
    /// the StatusNotifications of a reconnect when a long offline time has filled the queue.
    fn queued(&self) -> usize {
        let in_flight = usize::from(self.in_flight_key().is_some());
        let kept = self
            .normal
            .iter()
            .filter(|m| m.kept_offline(&self.config))
            .count();
        kept + self.transaction.len() - in_flight
    }

    /// libocpp's `MessageQueue::check_queue_sizes`: above the threshold, the oldest
    /// non-transactional messages go first, then every other MeterValues, pass after pass.
    /// Dropped transaction messages leave `store` in one write (without a store at hand none is
    /// dropped: the next transaction message pushed brings one).
    ///
    /// StartTransaction, StopTransaction and SecurityEventNotification are never dropped (as
    /// libocpp: a StartTransaction or StopTransaction is what the central system bills by, and
    /// each StopTransaction already carries its meterStop and transactionData), so a queue with
    /// more of them than the threshold stays above it: it then grows by two messages per
    /// session until the central system answers, and every MeterValues queued meanwhile but the
    /// newest goes (docs/core/message-queue.md, "A week offline"). That state comes here at every
    /// push: it is logged as a warning when it begins, then at debug level, rather than as three
    /// warnings per sample (some 50000 log lines a day offline with two connectors at 10 s).
    fn enforce_threshold(&mut self, store: Option<&mut dyn Store>) {
        let threshold = self.config.size_threshold;
        if self.queued() <= threshold {
            self.held_above = false;
            return;
        }
        let quiet = self.held_above;
        if !quiet {
            tracing::warn!(
                threshold,
                transaction = self.transaction.len(),
                normal = self.normal.len(),
                "message queue above MessageQueueSizeThreshold; dropping messages"
            );
        }
        while self.queued() > threshold && self.drop_oldest_normal() {}
        let Some(store) = store else {
            return;
        };
        let mut dropped = Vec::new();
        while self.queued() > threshold && self.thin_meter_values(&mut dropped) {}
        if !dropped.is_empty() {
            if quiet {
                tracing::debug!(dropped = dropped.len(), "intermediate MeterValues dropped");
            } else {
                tracing::warn!(
                    dropped = dropped.len(),
                    queued = self.queued(),
                    "intermediate MeterValues dropped to keep the queue bounded"
                );
            }
            if let Err(e) = store.remove_messages(&dropped) {
                tracing::error!(error = %e, "dropped MeterValues not removed from the store");
            }
        }
        self.held_above = self.queued() > threshold;
        if self.held_above && !quiet {
            tracing::warn!(
                threshold,
                queued = self.queued(),
                "no MeterValues left to drop: the queue stays above MessageQueueSizeThreshold \
                 with StartTransaction/StopTransaction messages, which are never dropped"
            );
        }
    }

    /// libocpp's `MessageQueue::drop_messages_from_normal_message_queue`: a tenth of the
    /// threshold (at least one) of the oldest non-transactional messages that count against it
    /// (see [`MessageQueue::queued`]). Whether any went.
    fn drop_oldest_normal(&mut self) -> bool {
        let mut budget = (self.config.size_threshold / 10).max(1);
        let before = self.normal.len();
        let config = &self.config;
        self.normal.retain(|m| {
            if budget == 0 || !m.kept_offline(config) {
                return true;
            }
            budget -= 1;
            false
        });
        let dropped = before - self.normal.len();
        if dropped > 0 {
            tracing::warn!(dropped, "oldest non-transactional messages dropped");
        }
        dropped > 0
    }

    /// One pass of libocpp's
    /// `MessageQueue::drop_update_messages_from_transactional_message_queue`: going through the
    /// queue, a MeterValues is dropped when the message before it was kept and at least two
    /// messages follow it; the message in flight is not part of the queue. Adds the dropped keys
    /// to `dropped`; whether any went.
    fn thin_meter_values(&mut self, dropped: &mut Vec<u64>) -> bool {
        let in_flight = self.in_flight_key();
        let queued = self.transaction.len() - usize::from(in_flight.is_some());
        let before = dropped.len();
        let mut position = 0;
        let mut drop_next = true;
        self.transaction.retain(|m| {
            if Some(m.message.key) == in_flight {
                return true;
            }
            let following = queued - position - 1;
            position += 1;
            if drop_next && m.message.action == Action::MeterValues && following > 1 {
                dropped.push(m.message.key);
                drop_next = false;
                return false;
            }
            drop_next = true;
            true
        });
        dropped.len() > before
    }
}
