//! The outgoing CALLs of the charge point: which one goes next, which one is in flight, and
//! what happens to them on an answer, a failure or a lost connection.
//!
//! Two queues, as libocpp's message queue:
//! - transaction-related messages (StartTransaction, StopTransaction, transaction MeterValues)
//!   are written to the [`Store`] before they are queued, sent in order, removed only when
//!   answered (so a message in flight when the connection drops is simply sent again, first,
//!   on the next one), retried TransactionMessageAttempts times after a CALLERROR or a timeout,
//!   TransactionMessageRetryInterval × attempts apart, and held back until registration is
//!   Accepted;
//! - every other message lives in memory only and is dropped when the connection is lost
//!   (libocpp discards them offline too); before registration only BootNotification goes out.
//!
//! Between the two, the older message goes first (libocpp compares timestamps; a sequence
//! number does the same without a clock). One CALL at a time is handed to ocpp-rpc, so the
//! order in which messages leave is the order decided here.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ocpp_rpc::MessageId;
use ocpp_types::id_tag::IdToken;
use ocpp_types::Action;
use serde_json::Value;

use super::store::{Store, StoredMessage};

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

#[derive(Debug)]
struct NormalMessage {
    seq: u64,
    action: Action,
    payload: Value,
    purpose: Purpose,
    /// Sent even before registration is Accepted: BootNotification, and what a TriggerMessage
    /// asked for (libocpp lets triggered messages through while Pending).
    before_registration: bool,
}

#[derive(Debug)]
struct TransactionMessage {
    seq: u64,
    stored: StoredMessage,
    /// Retry not before this time.
    not_before: Option<Instant>,
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
    next_seq: u64,
    next_key: u64,
    normal: VecDeque<NormalMessage>,
    transaction: VecDeque<TransactionMessage>,
    in_flight: Option<(MessageId, Sent)>,
}

impl MessageQueue {
    /// A queue holding the transaction messages stored before a restart.
    pub fn restore(stored: Vec<StoredMessage>) -> MessageQueue {
        let mut queue = MessageQueue::default();
        for message in stored {
            queue.next_key = queue.next_key.max(message.key + 1);
            let seq = queue.bump_seq();
            queue.transaction.push_back(TransactionMessage {
                seq,
                stored: message,
                not_before: None,
            });
        }
        queue
    }

    fn bump_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
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
        let seq = self.bump_seq();
        self.normal.push_back(NormalMessage {
            seq,
            action,
            payload,
            purpose,
            before_registration,
        });
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
        let stored = StoredMessage {
            key: self.next_key,
            action,
            payload,
            attempts: 0,
            starts_transaction,
        };
        self.next_key += 1;
        if let Err(e) = store.save_message(&stored) {
            tracing::error!(%action, error = %e, "transaction message not stored; sending it anyway");
        }
        let seq = self.bump_seq();
        self.transaction.push_back(TransactionMessage {
            seq,
            stored,
            not_before: None,
        });
    }

    /// Whether a message with this purpose is queued or in flight.
    pub fn has_normal(&self, purpose: &Purpose) -> bool {
        self.normal.iter().any(|m| &m.purpose == purpose)
            || matches!(&self.in_flight, Some((_, Sent::Normal(p))) if p == purpose)
    }

    /// The next message to send, if none is in flight: before registration only a
    /// BootNotification or a triggered message, afterwards the older of the two queue heads. `send` hands it to
    /// ocpp-rpc and returns its message id (or `None` if ocpp-rpc refused it, which drops it).
    pub fn send_next(
        &mut self,
        now: Instant,
        registered: bool,
        store: &mut dyn Store,
        send: impl FnOnce(&Outgoing) -> Option<MessageId>,
    ) {
        if self.in_flight.is_some() {
            return;
        }
        let normal = if registered {
            self.normal.front().map(|m| (0, m.seq))
        } else {
            self.normal
                .iter()
                .position(|m| m.before_registration)
                .map(|i| (i, self.normal[i].seq))
        };
        let transaction = self
            .transaction
            .front()
            .filter(|m| registered && m.not_before.is_none_or(|t| t <= now))
            .map(|m| m.seq);
        let take_transaction = match (normal, transaction) {
            (Some((_, n)), Some(t)) => t < n,
            (None, Some(_)) => true,
            _ => false,
        };
        if take_transaction {
            let Some(head) = self.transaction.front_mut() else {
                return;
            };
            head.stored.attempts += 1;
            head.not_before = None;
            if let Err(e) = store.save_message(&head.stored) {
                tracing::warn!(error = %e, "attempt count of a transaction message not stored");
            }
            let outgoing = Outgoing {
                action: head.stored.action,
                payload: head.stored.payload.clone(),
            };
            if let Some(id) = send(&outgoing) {
                self.in_flight = Some((id, Sent::Transaction(head.stored.clone())));
            }
        } else if let Some((index, _)) = normal {
            let Some(message) = self.normal.remove(index) else {
                return;
            };
            let outgoing = Outgoing {
                action: message.action,
                payload: message.payload,
            };
            if let Some(id) = send(&outgoing) {
                self.in_flight = Some((id, Sent::Normal(message.purpose)));
            }
        }
    }

    /// Takes the CALL in flight if `id` is its id.
    pub fn take_in_flight(&mut self, id: &MessageId) -> Option<Sent> {
        match self.in_flight.take() {
            Some((flight_id, sent)) if flight_id == *id => Some(sent),
            other => {
                self.in_flight = other;
                None
            }
        }
    }

    /// A transaction message was answered: it leaves the queue and the store.
    pub fn answered(&mut self, store: &mut dyn Store, key: u64) {
        self.transaction.retain(|m| m.stored.key != key);
        if let Err(e) = store.remove_message(key) {
            tracing::error!(key, error = %e, "answered transaction message not removed from the store");
        }
    }

    /// A transaction message failed: retried after `retry_interval` × attempts while attempts
    /// remain (as libocpp), otherwise dropped.
    pub fn failed(
        &mut self,
        store: &mut dyn Store,
        key: u64,
        now: Instant,
        max_attempts: u32,
        retry_interval: Duration,
    ) -> Failure {
        let Some(index) = self.transaction.iter().position(|m| m.stored.key == key) else {
            return Failure::Retry(now);
        };
        let attempts = self.transaction[index].stored.attempts;
        if attempts < max_attempts {
            let at = now + retry_interval * attempts;
            self.transaction[index].not_before = Some(at);
            return Failure::Retry(at);
        }
        let given_up = self.transaction.remove(index).map(|m| m.stored);
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
    /// dropped and returned, so their senders can be told.
    pub fn disconnected(&mut self) -> Vec<Purpose> {
        let mut dropped = Vec::new();
        if let Some((_, Sent::Normal(purpose))) = self.in_flight.take() {
            dropped.push(purpose);
        }
        dropped.extend(self.normal.drain(..).map(|m| m.purpose));
        dropped
    }

    /// StartTransaction.conf gave `placeholder`'s transaction its id: every queued message
    /// that carries the placeholder gets the real id (as libocpp does for StopTransaction and
    /// MeterValues queued while the StartTransaction was unanswered).
    pub fn replace_transaction_id(&mut self, store: &mut dyn Store, placeholder: i32, real: i32) {
        for message in &mut self.transaction {
            let payload = &mut message.stored.payload;
            if payload.get("transactionId").and_then(Value::as_i64) == Some(i64::from(placeholder))
            {
                payload["transactionId"] = Value::from(real);
                if let Err(e) = store.save_message(&message.stored) {
                    tracing::error!(error = %e, "transaction id of a queued message not stored");
                }
            }
        }
    }

    /// Whether a StopTransaction for one of `ids` is queued.
    pub fn has_stop_transaction_for(&self, ids: &[Option<i32>]) -> bool {
        self.transaction.iter().any(|m| {
            let id = m
                .stored
                .payload
                .get("transactionId")
                .and_then(Value::as_i64);
            m.stored.action == Action::StopTransaction
                && ids.iter().flatten().any(|i| Some(i64::from(*i)) == id)
        })
    }

    /// The lowest placeholder transaction id the queued messages use, if any.
    pub fn lowest_placeholder(&self) -> Option<i32> {
        self.transaction
            .iter()
            .flat_map(|m| {
                let id = m
                    .stored
                    .payload
                    .get("transactionId")
                    .and_then(Value::as_i64);
                let id = id.and_then(|i| i32::try_from(i).ok()).filter(|i| *i < 0);
                [m.stored.starts_transaction, id]
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
}
