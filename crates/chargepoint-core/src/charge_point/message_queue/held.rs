//! A transaction message as the queue holds it in memory: its payload as JSON text, never as
//! a `serde_json::Value`.
//!
//! Why: a Value takes some ten times the bytes of its text (a map node of several hundred bytes
//! per object, a heap string per key and per value), and the queue holds every transaction
//! message until the central system answers it: offline for a week that is up to
//! MessageQueueSizeThreshold MeterValues and every StartTransaction and StopTransaction of the
//! week, a StopTransaction with its transactionData being up to Internal.MaxMessageSize (65000)
//! bytes of text. Held as text, the queue takes what the store's rows take
//! (docs/core/message-queue.md, "A week offline", has the figures of both). The text is parsed only for the message being sent and for the few changed
//! together (a transaction's id replaced), and the transactionId is kept beside it, so that the
//! questions asked of every queued message need no parsing.

use ocpp_types::Action;
use serde_json::Value;

use super::super::store::StoredMessage;

/// See the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Held {
    pub key: u64,
    pub action: Action,
    /// The payload, as `serde_json` writes it (compact).
    text: Box<str>,
    pub attempts: u32,
    pub starts_transaction: Option<i32>,
    /// The payload's transactionId: the central system's, a placeholder (negative), or none.
    pub transaction_id: Option<i64>,
}

impl Held {
    pub fn new(message: &StoredMessage) -> Held {
        Held {
            key: message.key,
            action: message.action,
            text: message.payload.to_string().into_boxed_str(),
            attempts: message.attempts,
            starts_transaction: message.starts_transaction,
            transaction_id: transaction_id(&message.payload),
        }
    }

    /// The payload as a Value, for the one message that needs it now.
    pub fn payload(&self) -> Value {
        // The text was written by serde_json from a Value, so it reads back; were it ever not
        // to, the message goes out empty and the central system's CALLERROR says so, rather
        // than the queue stopping.
        serde_json::from_str(&self.text).unwrap_or_else(|e| {
            tracing::error!(key = self.key, error = %e, "queued payload does not read back");
            Value::Null
        })
    }

    /// The message as the store takes it.
    pub fn stored(&self) -> StoredMessage {
        StoredMessage {
            key: self.key,
            action: self.action,
            payload: self.payload(),
            attempts: self.attempts,
            starts_transaction: self.starts_transaction,
        }
    }

    /// Replaces the payload by `change(payload)`, and returns the message as the store takes it.
    pub fn change(&mut self, change: impl FnOnce(&mut Value)) -> StoredMessage {
        let mut payload = self.payload();
        change(&mut payload);
        self.text = payload.to_string().into_boxed_str();
        self.transaction_id = transaction_id(&payload);
        StoredMessage {
            payload,
            ..self.stored_without_payload()
        }
    }

    fn stored_without_payload(&self) -> StoredMessage {
        StoredMessage {
            key: self.key,
            action: self.action,
            payload: Value::Null,
            attempts: self.attempts,
            starts_transaction: self.starts_transaction,
        }
    }

    /// The bytes of its payload's text: what it takes in memory, and in the store.
    pub fn payload_bytes(&self) -> usize {
        self.text.len()
    }
}

fn transaction_id(payload: &Value) -> Option<i64> {
    payload.get("transactionId").and_then(Value::as_i64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_payload_is_held_as_its_compact_text_and_reads_back_as_it_was() {
        let payload = json!({"connectorId": 1, "transactionId": -3, "meterValue": [{
            "timestamp": "2026-11-24T06:00:10.000Z", "sampledValue": [{"value": "1000.25",
            "context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register",
            "unit": "Wh"}]}]});
        let message = StoredMessage {
            key: 7,
            action: Action::MeterValues,
            payload: payload.clone(),
            attempts: 1,
            starts_transaction: None,
        };
        let mut held = Held::new(&message);
        assert_eq!(held.payload_bytes(), payload.to_string().len());
        assert_eq!(held.transaction_id, Some(-3));
        assert_eq!(held.stored(), message);

        let changed = held.change(|p| p["transactionId"] = json!(42));
        assert_eq!(held.transaction_id, Some(42));
        assert_eq!(changed.payload["transactionId"], 42);
        assert_eq!(held.stored(), changed);
        assert_eq!(changed.payload["meterValue"], payload["meterValue"]);
    }
}
