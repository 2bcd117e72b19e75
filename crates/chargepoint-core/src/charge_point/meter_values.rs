//! Meter values (OCPP 1.6 §4.7): during a transaction, every MeterValueSampleInterval seconds,
//! the measurands of MeterValuesSampledData from the connector's latest reading, context
//! Sample.Periodic, sent as transaction-related MeterValues with the transactionId (queued and
//! stamped when sampled: sent late after an outage, they keep their time); the measurands of
//! StopTxnSampledData are kept for StopTransaction's transactionData, together with a
//! Transaction.Begin and a Transaction.End sample. Each sample also records the energy
//! register in the stored transaction: the meterStop of a power loss (as libocpp's
//! update_transaction_meter_value at each periodic sample). Unlike libocpp, the register is
//! also stored between samples, at most every [`REGISTER_SAVE_INTERVAL`] while it grows, so a
//! power loss costs the bill at most that much charging even with a long (or no) sample
//! interval: libocpp loses up to a whole MeterValueSampleInterval (900 s in its example
//! configs), or everything when the interval is 0.
//!
//! Each value is sent in the unit OCPP uses for its measurand (Wh, varh, W, var, A, V, Hertz,
//! Celsius, Percent) with every per-phase value the reading has (libocpp expands a measurand
//! to its total and phases the same way); a measurand the reading lacks is left out (libocpp
//! logs and skips it too). Location is the reading's, else the default (Outlet, left out)
//! except for SoC, which the EV measures (as libocpp's get_latest_meter_value). The lists
//! never hold more than their ...MaxLength: the configuration refuses such a value, at load
//! and on ChangeConfiguration (libocpp does not check the length at all). Clock-aligned
//! values are in `clock_aligned.rs`.

use std::time::Duration;

use ocpp_types::core::MeterValuesRequest;
use ocpp_types::meter::{
    Location, Measurand, MeterValue, ReadingContext, SampledValue, UnitOfMeasure,
};
use ocpp_types::{Action, DateTime, NonEmptyVec};

use super::events::{MeasuredValue, MeterReading};
use super::{ChargePoint, Now};

/// How often, at most, the energy register of a running transaction is stored between
/// samples while it grows (a reading arrives about every second: the stored register is then at
/// most this plus one reading behind the meter, whatever MeterValueSampleInterval says).
pub const REGISTER_SAVE_INTERVAL: Duration = Duration::from_secs(5);

/// The unit a measurand is sent in.
fn unit_of(measurand: Measurand) -> Option<UnitOfMeasure> {
    use Measurand as M;
    match measurand {
        M::EnergyActiveExportRegister
        | M::EnergyActiveImportRegister
        | M::EnergyActiveExportInterval
        | M::EnergyActiveImportInterval => Some(UnitOfMeasure::Wh),
        M::EnergyReactiveExportRegister
        | M::EnergyReactiveImportRegister
        | M::EnergyReactiveExportInterval
        | M::EnergyReactiveImportInterval => Some(UnitOfMeasure::Varh),
        M::PowerActiveExport | M::PowerActiveImport | M::PowerOffered => Some(UnitOfMeasure::W),
        M::PowerReactiveExport | M::PowerReactiveImport => Some(UnitOfMeasure::Var),
        M::CurrentImport | M::CurrentExport | M::CurrentOffered => Some(UnitOfMeasure::A),
        M::Voltage => Some(UnitOfMeasure::V),
        M::Frequency => Some(UnitOfMeasure::Hertz),
        M::Temperature => Some(UnitOfMeasure::Celsius),
        M::SoC => Some(UnitOfMeasure::Percent),
        M::PowerFactor | M::Rpm => None,
    }
}

/// A reading as SampledValue.value: rounded to 0.01 of its unit, which no meter resolves
/// finer (a simulated register would otherwise read "3.8333333333333335" Wh). f64's Display
/// then writes integers without a fraction ("1234567") and meter-sized numbers without an
/// exponent.
fn reading_text(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    // -0.0 would print as "-0".
    if rounded == 0.0 {
        return "0".to_owned();
    }
    rounded.to_string()
}

/// One SampledValue of a measured value.
fn sampled_value(value: &MeasuredValue, context: ReadingContext) -> SampledValue {
    SampledValue {
        value: reading_text(value.value),
        context: Some(context),
        format: None,
        measurand: Some(value.measurand),
        phase: value.phase,
        location: value
            .location
            .or((value.measurand == Measurand::SoC).then_some(Location::Ev)),
        unit: unit_of(value.measurand),
    }
}

/// The values of `reading` for `measurands`, in the order configured, as one MeterValue;
/// `None` when none of them is in the reading.
pub(crate) fn sample(
    reading: &MeterReading,
    measurands: &[Measurand],
    context: ReadingContext,
    timestamp: DateTime,
) -> Option<MeterValue> {
    let values: Vec<SampledValue> = measurands
        .iter()
        .flat_map(|m| reading.values.iter().filter(move |v| v.measurand == *m))
        .map(|v| sampled_value(v, context))
        .collect();
    let sampled_value = NonEmptyVec::new(values).ok()?;
    Some(MeterValue {
        timestamp,
        sampled_value,
    })
}

/// The total of the active energy import register in `reading`, in whole Wh (as meterStop).
pub(crate) fn energy_register_wh(reading: &MeterReading) -> Option<i32> {
    reading
        .values
        .iter()
        .find(|v| v.measurand == Measurand::EnergyActiveImportRegister && v.phase.is_none())
        .map(|v| {
            v.value
                .round()
                .clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
        })
}

/// StopTransaction's schema has no "Hertz": a Frequency value goes there without a unit (see
/// `StopTransactionRequest::transaction_data`).
pub(crate) fn for_transaction_data(mut value: MeterValue) -> MeterValue {
    let samples: Vec<SampledValue> = value
        .sampled_value
        .into_vec()
        .into_iter()
        .map(|mut s| {
            if s.unit == Some(UnitOfMeasure::Hertz) {
                s.unit = None;
            }
            s
        })
        .collect();
    match NonEmptyVec::new(samples) {
        Ok(samples) => {
            value.sampled_value = samples;
            value
        }
        // Cannot happen (the list was not empty), but a value is better than a panic.
        Err(_) => value_with_energy(value.timestamp, 0, ReadingContext::Other),
    }
}

/// A MeterValue holding only an energy register value (for Transaction.Begin/End when the
/// reading has nothing else).
pub(crate) fn value_with_energy(
    timestamp: DateTime,
    wh: i32,
    context: ReadingContext,
) -> MeterValue {
    let energy = MeasuredValue::new(Measurand::EnergyActiveImportRegister, f64::from(wh));
    MeterValue {
        timestamp,
        sampled_value: NonEmptyVec::one(sampled_value(&energy, context)),
    }
}

impl ChargePoint {
    /// New values from the meter of connector `id`.
    #[inline(never)]
    pub(crate) fn on_meter_reading(&mut self, id: u32, reading: MeterReading, now: Now) {
        match self.connector_mut(id) {
            Some(connector) => connector.reading = Some(reading),
            None => {
                return tracing::warn!(
                    connector = id,
                    "meter reading of an unknown connector ignored"
                )
            }
        }
        self.save_register(id, now);
        self.check_energy_limit(id, now);
        self.pricing_reading(id, now);
    }

    /// Stores the energy register of the transaction on connector `id` when it grew and the
    /// last save is [`REGISTER_SAVE_INTERVAL`] old: what a power loss's StopTransaction reports.
    fn save_register(&mut self, id: u32, now: Now) {
        let timestamp = self.clock(now);
        let Some(connector) = self.connectors.get_mut(id as usize) else {
            return;
        };
        let wh = connector.reading.as_ref().and_then(energy_register_wh);
        let Some(tx) = connector.transaction.as_mut() else {
            return;
        };
        let Some(wh) = wh.filter(|wh| *wh > tx.record.meter_last_wh) else {
            return;
        };
        let due = tx
            .register_saved_at
            .is_none_or(|at| now.instant.saturating_duration_since(at) >= REGISTER_SAVE_INTERVAL);
        if !due {
            return;
        }
        tx.record.meter_last_wh = wh;
        tx.record.meter_last_at = timestamp;
        tx.register_saved_at = Some(now.instant);
        if let Err(e) = self.store.save_transaction(&tx.record) {
            tracing::error!(connector = id, error = %e, "energy register not stored");
        }
    }

    /// The Transaction.Begin or Transaction.End sample for transactionData: the energy
    /// register the station reported with the event, and the other StopTxnSampledData
    /// measurands from the latest reading. `None` when StopTxnSampledData is empty.
    pub(crate) fn boundary_sample(
        &self,
        id: u32,
        energy_wh: i32,
        context: ReadingContext,
        now: Now,
    ) -> Option<MeterValue> {
        let measurands = &self.config.core().stop_txn_sampled_data;
        let mut reading = self
            .connectors
            .get(id as usize)
            .and_then(|c| c.reading.clone())
            .unwrap_or_default();
        reading.values.retain(|v| {
            !(v.measurand == Measurand::EnergyActiveImportRegister && v.phase.is_none())
        });
        reading.values.insert(
            0,
            MeasuredValue::new(Measurand::EnergyActiveImportRegister, f64::from(energy_wh)),
        );
        sample(&reading, measurands, context, self.clock(now)).map(for_transaction_data)
    }

    /// The sampling timer of each running transaction.
    pub(crate) fn sampling_timer(&mut self, now: Now) {
        let interval = self.config.core().meter_value_sample_interval;
        for id in 1..=self.number_of_connectors() {
            let due = self
                .connectors
                .get(id as usize)
                .and_then(|c| c.transaction.as_ref()?.next_sample)
                .is_some_and(|t| t <= now.instant);
            if !due {
                continue;
            }
            self.send_periodic_sample(id, now);
            if let Some(tx) = self.connector_mut(id).and_then(|c| c.transaction.as_mut()) {
                tx.next_sample =
                    (interval > 0).then(|| now.instant + Duration::from_secs(u64::from(interval)));
            }
        }
    }

    /// MeterValueSampleInterval changed: every running transaction samples from now on anew.
    pub(crate) fn restart_sampling(&mut self, now: Now) {
        let interval = self.config.core().meter_value_sample_interval;
        for connector in self.connectors.iter_mut() {
            if let Some(tx) = connector.transaction.as_mut() {
                tx.next_sample =
                    (interval > 0).then(|| now.instant + Duration::from_secs(u64::from(interval)));
            }
        }
    }

    fn send_periodic_sample(&mut self, id: u32, now: Now) {
        let timestamp = self.clock(now);
        let core = self.config.core();
        let max_message_size = self.config.internal().max_message_size as usize;
        let (sampled, stop_txn) = {
            let Some(connector) = self.connectors.get(id as usize) else {
                return;
            };
            let Some(reading) = connector.reading.as_ref() else {
                tracing::warn!(connector = id, "no meter reading to sample");
                return;
            };
            let sampled = sample(
                reading,
                &core.meter_values_sampled_data,
                ReadingContext::SamplePeriodic,
                timestamp,
            );
            let stop_txn = sample(
                reading,
                &core.stop_txn_sampled_data,
                ReadingContext::SamplePeriodic,
                timestamp,
            );
            (sampled, stop_txn.map(for_transaction_data))
        };
        let Some(connector) = self.connectors.get_mut(id as usize) else {
            return;
        };
        let energy_wh = connector.reading.as_ref().and_then(energy_register_wh);
        let Some(tx) = connector.transaction.as_mut() else {
            return;
        };
        if let Some(wh) = energy_wh {
            tx.record.meter_last_wh = wh;
            tx.record.meter_last_at = timestamp;
            tx.register_saved_at = Some(now.instant);
        }
        if let Some(value) = stop_txn {
            tx.record.transaction_data.push(value);
            bound_transaction_data(&mut tx.record.transaction_data, max_message_size);
        }
        let record = tx.record.clone();
        let transaction_id = self.wire_id(record.transaction_id, record.placeholder_id);
        // Stored at every sample, as libocpp: what a power loss leaves is at most one interval
        // old. With its MeterValues, in one write: a power loss between two would leave the
        // sample in the transaction's record (its StopTransaction's transactionData, its
        // meterStop) with no MeterValues to carry it.
        let Some(value) = sampled else {
            if let Err(e) = self.store.save_transaction(&record) {
                tracing::error!(connector = id, error = %e, "transaction sample not stored");
            }
            return;
        };
        let request = MeterValuesRequest {
            connector_id: id as i32,
            transaction_id,
            meter_value: NonEmptyVec::one(value),
        };
        self.queue.push_transaction_with_record(
            self.store.as_mut(),
            Action::MeterValues,
            ocpp_types::encode(&request),
            None,
            &record,
        );
    }
}

/// Thins `data` as libocpp's `utils::drop_transaction_data` (lib/ocpp/v16/utils.cpp) does
/// while `too_big(data)` holds and more than two values are left: one pass erases, walking
/// with a step of two over the shrinking list, from the second value to the one before the
/// last, so the first and the last value always stay.
pub(crate) fn thin_transaction_data(
    data: &mut Vec<MeterValue>,
    mut too_big: impl FnMut(&[MeterValue]) -> bool,
) {
    while data.len() > 2 && too_big(data) {
        let mut i = 1;
        while i + 1 < data.len() {
            data.remove(i);
            i += 2;
        }
    }
}

/// Keeps a running transaction's transactionData within `max_message_size` bytes of JSON
/// (Internal.MaxMessageSize): libocpp thins it only when the StopTransaction is built, which
/// lets it grow without bound in memory and on disk during a long transaction (a week offline
/// with clock-aligned values every 15 min is 672 of them); thinning as it grows keeps the
/// stored transaction as small as what could be sent anyway.
pub(crate) fn bound_transaction_data(data: &mut Vec<MeterValue>, max_message_size: usize) {
    thin_transaction_data(data, |d| {
        serde_json::to_string(d).is_ok_and(|text| text.len() > max_message_size)
    });
}

#[cfg(test)]
mod tests {
    use super::reading_text;

    #[test]
    fn readings_are_sent_to_a_hundredth_of_their_unit() {
        assert_eq!(reading_text(3.8333333333333335), "3.83");
        assert_eq!(reading_text(1234567.0), "1234567");
        assert_eq!(reading_text(230.1), "230.1");
        assert_eq!(reading_text(-0.001), "0");
        assert_eq!(reading_text(11040.004), "11040");
    }
}
