//! The CSMS-initiated calls of each charge point: the last [`CALLS_KEPT`] with their
//! outcome, and the ones still waiting for an answer (the web UI disables its Send buttons for
//! a charge point while one waits; the HTTP API answers 409).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use ocpp_types::{Action, DateTime};
use serde_json::Value;

use crate::updates::{CallOutcome, CallRecord};

/// How many calls are kept per charge point.
pub const CALLS_KEPT: usize = 100;

/// The calls of every charge point.
#[derive(Debug, Default)]
pub struct CallLog {
    by_charge_point: BTreeMap<String, VecDeque<Arc<CallRecord>>>,
    /// The calls sent and not answered yet, by charge point: (seq, action), oldest first.
    waiting: HashMap<String, Vec<(u64, Action)>>,
    last_seq: u64,
}

impl CallLog {
    /// The action of the oldest call to `charge_point_id` still waiting, if any.
    pub fn waiting(&self, charge_point_id: &str) -> Option<Action> {
        self.waiting
            .get(charge_point_id)
            .and_then(|w| w.first())
            .map(|(_, action)| *action)
    }

    /// Records a call being sent; returns its record (without outcome).
    pub fn start(
        &mut self,
        charge_point_id: &str,
        action: Action,
        payload: Value,
        time: DateTime,
    ) -> Arc<CallRecord> {
        self.last_seq += 1;
        let record = Arc::new(CallRecord {
            seq: self.last_seq,
            charge_point_id: charge_point_id.to_owned(),
            time,
            action,
            payload,
            outcome: None,
        });
        self.waiting
            .entry(charge_point_id.to_owned())
            .or_default()
            .push((record.seq, action));
        self.put(Arc::clone(&record));
        record
    }

    /// Records the outcome of call `seq`; returns the completed record, if it is still kept.
    pub fn finish(
        &mut self,
        charge_point_id: &str,
        seq: u64,
        outcome: CallOutcome,
    ) -> Option<Arc<CallRecord>> {
        if let Some(waiting) = self.waiting.get_mut(charge_point_id) {
            waiting.retain(|(s, _)| *s != seq);
            if waiting.is_empty() {
                self.waiting.remove(charge_point_id);
            }
        }
        let kept = self.by_charge_point.get(charge_point_id)?;
        let old = kept.iter().find(|r| r.seq == seq)?;
        let record = Arc::new(CallRecord {
            outcome: Some(outcome),
            ..CallRecord::clone(old)
        });
        self.put(Arc::clone(&record));
        Some(record)
    }

    /// The kept calls of `charge_point_id`, oldest first.
    pub fn calls(&self, charge_point_id: &str) -> Vec<Arc<CallRecord>> {
        self.by_charge_point
            .get(charge_point_id)
            .map(|c| c.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Adds `record`, or replaces the one with its seq.
    fn put(&mut self, record: Arc<CallRecord>) {
        let kept = self
            .by_charge_point
            .entry(record.charge_point_id.clone())
            .or_default();
        if let Some(slot) = kept.iter_mut().find(|r| r.seq == record.seq) {
            *slot = record;
            return;
        }
        if kept.len() == CALLS_KEPT {
            kept.pop_front();
        }
        kept.push_back(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime {
        DateTime::from_unix_millis(1_795_000_000_000).unwrap_or_else(|| panic!("time"))
    }

    #[test]
    fn a_call_waits_until_its_outcome() {
        let mut log = CallLog::default();
        assert_eq!(log.waiting("cp1"), None);
        let first = log.start(
            "cp1",
            Action::Reset,
            serde_json::json!({"type": "Soft"}),
            now(),
        );
        let second = log.start("cp1", Action::ClearCache, serde_json::json!({}), now());
        assert_eq!(log.waiting("cp1"), Some(Action::Reset));
        assert_eq!(log.waiting("cp2"), None);
        let done = log.finish("cp1", first.seq, CallOutcome::Timeout);
        assert_eq!(
            done.and_then(|r| r.outcome.clone()),
            Some(CallOutcome::Timeout)
        );
        assert_eq!(log.waiting("cp1"), Some(Action::ClearCache));
        log.finish("cp1", second.seq, CallOutcome::Disconnected);
        assert_eq!(log.waiting("cp1"), None);
        let calls = log.calls("cp1");
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].outcome, Some(CallOutcome::Disconnected));
    }

    #[test]
    fn old_calls_go() {
        let mut log = CallLog::default();
        for _ in 0..CALLS_KEPT + 1 {
            let r = log.start("cp1", Action::ClearCache, Value::Null, now());
            log.finish("cp1", r.seq, CallOutcome::Timeout);
        }
        let calls = log.calls("cp1");
        assert_eq!(calls.len(), CALLS_KEPT);
        assert_eq!(calls[0].seq, 2);
    }
}
