//! Clock-aligned meter values (OCPP 1.6 §4.7, ClockAlignedDataInterval): every interval from
//! midnight UTC on (as libocpp's update_clock_aligned_meter_values_interval, which starts the
//! timer at the day's floor), for every connector with a meter reading — connector 0 too, the
//! station's main meter, when the station reports one (OCPP 1.6 §6.31: connectorId 0 is the
//! main meter; libocpp's get_latest_meter_value leaves it as a TODO) — the measurands of
//! MeterValuesAlignedData with context Sample.Clock.
//!
//! On a connector with a transaction the value carries the transactionId and goes through the
//! transaction queue, the measurands of StopTxnAlignedData are kept for StopTransaction's
//! transactionData, and the energy register becomes the transaction's last known reading (so
//! a power loss leaves a fresh meterStop even with MeterValueSampleInterval 0). Otherwise it is
//! an ordinary message, sent only while online (libocpp queues every MeterValues as
//! transaction message; OCPP 1.6 counts only those of a transaction). Interval 0 switches it
//! off.

use std::time::{Duration, Instant};

use ocpp_types::core::MeterValuesRequest;
use ocpp_types::meter::ReadingContext;
use ocpp_types::{Action, NonEmptyVec};

use super::message_queue::Purpose;
use super::meter_values::{
    bound_transaction_data, energy_register_wh, for_transaction_data, sample,
};
use super::{ChargePoint, Now};

const DAY_MS: i64 = 86_400_000;

/// The next clock-aligned sample: when the timer fires (monotonic) and the boundary of the
/// central system's clock it samples (Unix ms).
///
/// The boundary is kept rather than read from the clock when the timer fires: the clock is
/// moved by every Heartbeat.conf, so it may read a few ms before the boundary then, and the
/// next boundary computed from that reading would be the same one again (two samples 2 ms
/// apart). The sample is stamped with its boundary, and the next one is always a later one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NextAligned {
    pub due: Instant,
    pub boundary_ms: i64,
}

/// Milliseconds from `clock_ms` (Unix time) to the next multiple of `interval_ms` after the
/// last midnight, or to the next midnight if that comes first.
fn until_next_boundary(clock_ms: i64, interval_ms: i64) -> i64 {
    let since_midnight = clock_ms.rem_euclid(DAY_MS);
    let next = (since_midnight / interval_ms + 1) * interval_ms;
    next.min(DAY_MS) - since_midnight
}

impl ChargePoint {
    /// Starts the clock-aligned timer afresh (after registration, after a change of
    /// ClockAlignedDataInterval, after each sample).
    pub(crate) fn restart_clock_aligned(&mut self, now: Now) {
        self.schedule_clock_aligned(now, None);
    }

    /// Schedules the next boundary after the clock's reading, and after `sampled` (the
    /// boundary just sampled) when given.
    fn schedule_clock_aligned(&mut self, now: Now, sampled: Option<i64>) {
        let interval = i64::from(self.config.core().clock_aligned_data_interval) * 1000;
        self.next_clock_aligned = (interval > 0).then(|| {
            let clock_ms = self.clock(now).unix_millis();
            let from = sampled.map_or(clock_ms, |b| b.max(clock_ms));
            let boundary_ms = from + until_next_boundary(from, interval);
            let wait = boundary_ms - clock_ms;
            NextAligned {
                due: now.instant + Duration::from_millis(wait.unsigned_abs()),
                boundary_ms,
            }
        });
    }

    /// Sends the clock-aligned values when they are due.
    pub(crate) fn clock_aligned_timer(&mut self, now: Now) {
        let Some(next) = self.next_clock_aligned.filter(|n| n.due <= now.instant) else {
            return;
        };
        let timestamp =
            ocpp_types::DateTime::from_unix_millis(next.boundary_ms).unwrap_or(self.clock(now));
        for id in 0..=self.number_of_connectors() {
            self.send_clock_aligned(id, timestamp);
        }
        self.schedule_clock_aligned(now, Some(next.boundary_ms));
    }

    fn send_clock_aligned(&mut self, id: u32, timestamp: ocpp_types::DateTime) {
        let core = self.config.core();
        let max_message_size = self.config.internal().max_message_size as usize;
        let Some(connector) = self.connectors.get_mut(id as usize) else {
            return;
        };
        let Some(reading) = connector.reading.as_ref() else {
            return;
        };
        let aligned = sample(
            reading,
            &core.meter_values_aligned_data,
            ReadingContext::SampleClock,
            timestamp,
        );
        let stop_txn = sample(
            reading,
            &core.stop_txn_aligned_data,
            ReadingContext::SampleClock,
            timestamp,
        );
        let energy_wh = energy_register_wh(reading);
        let transaction_id = match connector.transaction.as_mut() {
            Some(tx) => {
                if let Some(wh) = energy_wh {
                    tx.record.meter_last_wh = wh;
                    tx.record.meter_last_at = timestamp;
                }
                if let Some(value) = stop_txn {
                    tx.record.transaction_data.push(for_transaction_data(value));
                    bound_transaction_data(&mut tx.record.transaction_data, max_message_size);
                }
                if let Err(e) = self.store.save_transaction(&tx.record) {
                    tracing::error!(connector = id, error = %e, "transaction sample not stored");
                }
                Some((tx.record.transaction_id, tx.record.placeholder_id))
            }
            None => None,
        };
        let Some(value) = aligned else {
            return;
        };
        // A transaction whose StartTransaction was given up has no id: its samples go as
        // the connector's (transactions.rs, "A StartTransaction given up").
        let transaction_id =
            transaction_id.and_then(|(known, placeholder)| self.wire_id(known, placeholder));
        let request = MeterValuesRequest {
            connector_id: id as i32,
            transaction_id,
            meter_value: NonEmptyVec::one(value),
        };
        let payload = ocpp_types::encode(&request);
        if transaction_id.is_some() {
            self.queue
                .push_transaction(self.store.as_mut(), Action::MeterValues, payload, None);
        } else if self.may_send_normal() {
            self.queue
                .push_normal(Action::MeterValues, payload, Purpose::Triggered);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_count_from_midnight() {
        let midnight = 1_795_478_400_000; // 2026-11-24T00:00:00Z
        let fifteen = 900_000;
        assert_eq!(until_next_boundary(midnight, fifteen), fifteen);
        assert_eq!(
            until_next_boundary(midnight + 1_000, fifteen),
            fifteen - 1_000
        );
        // 7 h does not divide the day: the last period ends at midnight.
        let seven_hours = 7 * 3_600_000;
        assert_eq!(
            until_next_boundary(midnight + 3 * seven_hours, seven_hours),
            DAY_MS - 3 * seven_hours
        );
    }
}
