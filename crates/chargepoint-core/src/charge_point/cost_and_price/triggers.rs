//! RunningCost's triggerMeterValue (whitepaper §3.1: "send a meter value when ... so the
//! Central System can send an updated running cost"), handled by the station as libocpp's
//! `send_meter_value_on_pricing_trigger` does: each trigger sends one MeterValues (context
//! Other, with the transaction's id) from the connector's latest reading:
//!
//! | trigger | when | measurands |
//! |---|---|---|
//! | atTime | at that time (one in the past is ignored) | Energy.Active.Import.Register |
//! | atEnergykWh | the energy register reaches it; then the trigger is spent | Energy.Active.Import.Register |
//! | atPowerkW | the power crosses it, up or down, by more than 5 % of it (hysteresis) | Energy.Active.Import.Register, Power.Active.Import |
//! | atCPStatus | the connector's status changes to one of them | Energy.Active.Import.Register |
//!
//! A RunningCost replaces atEnergykWh, atPowerkW and atCPStatus (absent ones are cleared) and
//! atTime when it has one, as libocpp; the triggers end with the transaction, after the status
//! change its stop causes (a Finishing trigger fires for the stop; its MeterValues comes after
//! the StopTransaction, without a transactionId).
//!
//! atPowerkW differs from libocpp in one point: libocpp sends a meter value at the first
//! reading after the RunningCost whatever the power, to have a power to compare with. Here
//! the power read when the RunningCost arrives is that reference, so a meter value goes only
//! when the power crosses the trigger, which is what the central system asked for.
//!
//! CustomIdleFeeAfterStop (whitepaper §3.4): when a transaction ends with the cable still
//! plugged, the central system may go on charging an idle fee until the station sends
//! DataTransfer ConnectorUnplugged (`{"transactionId", "timestamp"}`) at the unplug. libocpp
//! leaves that message to the station; here the core queues it with the transaction messages,
//! so it is kept in the store and delivered in order after the StopTransaction, offline too:
//! the idle fee ends when it arrives.

use std::time::{Duration, Instant};

use ocpp_types::core::{ChargePointStatus, DataTransferRequest, MeterValuesRequest};
use ocpp_types::cost_and_price::TriggerMeterValue;
use ocpp_types::meter::{Measurand, ReadingContext};
use ocpp_types::{Action, NonEmptyVec};

use super::super::meter_values::{energy_register_wh, sample};
use super::super::{ChargePoint, Now};

/// How far the power must pass the atPowerkW trigger, as a share of it (libocpp's 5 %).
const POWER_HYSTERESIS: f64 = 0.05;

/// The triggers of the last RunningCost of a running transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Triggers {
    /// atTime, as a deadline.
    pub at_time: Option<Instant>,
    /// atEnergykWh, in Wh.
    pub at_energy_wh: Option<f64>,
    /// atPowerkW.
    pub at_power_kw: Option<f64>,
    /// The power of the last atPowerkW meter value (or of the reading when the trigger was
    /// set), kW.
    pub power_reference_kw: Option<f64>,
    /// atCPStatus.
    pub at_status: Vec<ChargePointStatus>,
    /// The status last seen, to tell a change.
    pub last_status: Option<ChargePointStatus>,
}

impl ChargePoint {
    /// Sets the triggers of a RunningCost for the transaction on `connector`.
    pub(crate) fn set_triggers(&mut self, connector: u32, trigger: TriggerMeterValue, now: Now) {
        let clock = self.clock(now);
        let status = self.connector_status(connector);
        let Some(c) = self.connector_mut(connector) else {
            return;
        };
        if c.transaction.is_none() {
            // Idle after its stop: the triggers ended with the transaction.
            return;
        }
        let power_kw = c.reading.as_ref().and_then(power_w).map(|w| w / 1000.0);
        let Some(p) = c.pricing.as_mut() else {
            return;
        };
        let previous = p.triggers.take().unwrap_or_default();
        let at_time = match trigger.at_time {
            Some(at) => {
                let millis = at.unix_millis() - clock.unix_millis();
                match u64::try_from(millis) {
                    Ok(m) => Some(now.instant + Duration::from_millis(m)),
                    Err(_) => {
                        tracing::warn!(%at, "triggerMeterValue atTime is in the past: ignored");
                        None
                    }
                }
            }
            None => previous.at_time,
        };
        let triggers = Triggers {
            at_time,
            at_energy_wh: trigger.at_energy_kwh.map(|kwh| kwh * 1000.0),
            at_power_kw: trigger.at_power_kw,
            power_reference_kw: previous.power_reference_kw.or(power_kw),
            at_status: trigger.at_cp_status.unwrap_or_default(),
            last_status: status,
        };
        p.triggers = (triggers != Triggers::default()).then_some(triggers);
    }

    /// A new reading of `connector`: the energy and power triggers; and the estimate of a
    /// session started offline on the default price.
    pub(crate) fn pricing_reading(&mut self, connector: u32, now: Now) {
        self.update_estimate(connector, now);
        let Some(c) = self.connectors.get_mut(connector as usize) else {
            return;
        };
        let Some(reading) = c.reading.as_ref() else {
            return;
        };
        let energy = energy_register_wh(reading).map(f64::from);
        let power_kw = power_w(reading).map(|w| w / 1000.0);
        let Some(t) = c.pricing.as_mut().and_then(|p| p.triggers.as_mut()) else {
            return;
        };
        let mut send = Vec::new();
        if let (Some(limit), Some(energy)) = (t.at_energy_wh, energy) {
            if energy >= limit {
                tracing::info!(connector, energy, "atEnergykWh reached: meter value");
                t.at_energy_wh = None;
                send.push(vec![Measurand::EnergyActiveImportRegister]);
            }
        }
        if let (Some(level), Some(power)) = (t.at_power_kw, power_kw) {
            let band = level * POWER_HYSTERESIS;
            let crossed = match t.power_reference_kw {
                Some(reference) => {
                    (reference < level && power >= level + band)
                        || (reference > level && power <= level - band)
                }
                None => false,
            };
            if crossed || t.power_reference_kw.is_none() {
                // The first reading is only the reference (see the module docs).
                t.power_reference_kw = Some(power);
            }
            if crossed {
                tracing::info!(connector, power, "atPowerkW crossed: meter value");
                send.push(vec![
                    Measurand::EnergyActiveImportRegister,
                    Measurand::PowerActiveImport,
                ]);
            }
        }
        for measurands in send {
            self.send_trigger_meter_value(connector, &measurands, now);
        }
    }

    /// The status of `connector` may have changed: an atCPStatus trigger fires on a change to
    /// one of its statuses.
    pub(crate) fn pricing_status(&mut self, connector: u32, now: Now) {
        let Some(status) = self.connector_status(connector) else {
            return;
        };
        let Some(t) = self
            .connector_mut(connector)
            .and_then(|c| c.pricing.as_mut())
            .and_then(|p| p.triggers.as_mut())
        else {
            return;
        };
        if t.last_status == Some(status) {
            return;
        }
        t.last_status = Some(status);
        if t.at_status.contains(&status) {
            tracing::info!(connector, ?status, "atCPStatus reached: meter value");
            self.send_trigger_meter_value(connector, &[Measurand::EnergyActiveImportRegister], now);
        }
    }

    /// The atTime triggers due at `now`.
    pub(crate) fn at_time_triggers(&mut self, now: Now) {
        for connector in 1..self.connectors.len() as u32 {
            let Some(t) = self
                .connector_mut(connector)
                .and_then(|c| c.pricing.as_mut())
                .and_then(|p| p.triggers.as_mut())
            else {
                continue;
            };
            if t.at_time.is_none_or(|at| at > now.instant) {
                continue;
            }
            t.at_time = None;
            tracing::info!(connector, "atTime reached: meter value");
            self.send_trigger_meter_value(connector, &[Measurand::EnergyActiveImportRegister], now);
        }
    }

    /// The transaction on `connector` ended (after the status its stop caused): its triggers
    /// end; with CustomIdleFeeAfterStop and the cable still plugged the session is idle until
    /// the unplug.
    pub(crate) fn pricing_transaction_ended(
        &mut self,
        connector: u32,
        transaction_id: Option<i32>,
    ) {
        let idle_fee = self
            .pricing_config()
            .and_then(|c| c.custom_idle_fee_after_stop)
            == Some(true);
        let Some(c) = self.connector_mut(connector) else {
            return;
        };
        let plugged = c.plugged;
        if let Some(p) = c.pricing.as_mut() {
            p.triggers = None;
            p.ended = true;
            p.transaction_id = p.transaction_id.or(transaction_id);
            p.idle_after_stop = idle_fee && plugged;
        }
    }

    /// The cable of `connector` was unplugged: ends the idle time of a transaction stopped
    /// with it plugged, with DataTransfer ConnectorUnplugged (CustomIdleFeeAfterStop).
    pub(crate) fn pricing_unplugged(&mut self, connector: u32, now: Now) {
        let timestamp = self.clock(now);
        let Some(p) = self
            .connector_mut(connector)
            .and_then(|c| c.pricing.as_mut())
            .filter(|p| p.idle_after_stop)
        else {
            return;
        };
        p.idle_after_stop = false;
        let Some(transaction_id) = p.transaction_id else {
            tracing::warn!(
                connector,
                "ConnectorUnplugged not sent: the central system never gave the transaction an id"
            );
            return;
        };
        let data = serde_json::json!({"transactionId": transaction_id, "timestamp": timestamp});
        let request = DataTransferRequest {
            vendor_id: ocpp_types::CiString255::truncating(ocpp_types::cost_and_price::VENDOR_ID),
            message_id: Some(ocpp_types::CiString50::truncating("ConnectorUnplugged")),
            data: Some(data.to_string()),
        };
        tracing::info!(
            connector,
            transaction_id,
            "cable unplugged after the transaction: ConnectorUnplugged"
        );
        self.queue.push_transaction(
            self.store.as_mut(),
            Action::DataTransfer,
            ocpp_types::encode(&request),
            None,
        );
    }

    /// One MeterValues of `measurands` from `connector`'s latest reading, for a trigger.
    fn send_trigger_meter_value(&mut self, connector: u32, measurands: &[Measurand], now: Now) {
        let timestamp = self.clock(now);
        let Some(c) = self.connectors.get(connector as usize) else {
            return;
        };
        let Some(value) = c
            .reading
            .as_ref()
            .and_then(|r| sample(r, measurands, ReadingContext::Other, timestamp))
        else {
            tracing::warn!(connector, "no meter reading for the pricing trigger");
            return;
        };
        let ids = c
            .transaction
            .as_ref()
            .map(|t| (t.record.transaction_id, t.record.placeholder_id));
        let transaction_id = ids.and_then(|(known, placeholder)| self.wire_id(known, placeholder));
        let request = MeterValuesRequest {
            connector_id: connector as i32,
            transaction_id,
            meter_value: NonEmptyVec::one(value),
        };
        self.queue.push_transaction(
            self.store.as_mut(),
            Action::MeterValues,
            ocpp_types::encode(&request),
            None,
        );
    }

    /// The station's estimate of a session started offline on the default price: DefaultPrice's
    /// chargingPrice (flatFee + kWhPrice × kWh + hourPrice × hours since the start), the
    /// prices the schema gives "to use when starting a session while offline". Kept until
    /// the central system sends a cost.
    fn update_estimate(&mut self, connector: u32, now: Now) {
        let Some(prices) = self
            .pricing_config()
            .and_then(|c| c.default_price.as_ref())
            .and_then(|p| p.charging_price.clone())
        else {
            return;
        };
        let clock = self.clock(now);
        let Some(c) = self.connectors.get_mut(connector as usize) else {
            return;
        };
        let register = c.reading.as_ref().and_then(energy_register_wh);
        let running = c.transaction.is_some();
        let Some(p) = c.pricing.as_mut() else {
            return;
        };
        let offline_default = p.started_offline && p.tariff == super::Tariff::Default;
        if !running || !offline_default || p.cost.is_some() {
            return;
        }
        let (Some(start), Some(started_at), Some(register)) =
            (p.meter_start_wh, p.started_at, register)
        else {
            return;
        };
        let kwh = f64::from(register.saturating_sub(start).max(0)) / 1000.0;
        let hours = (clock.unix_millis() - started_at.unix_millis()).max(0) as f64 / 3_600_000.0;
        p.estimate = Some(
            prices.flat_fee.unwrap_or(0.0)
                + prices.kwh_price.unwrap_or(0.0) * kwh
                + prices.hour_price.unwrap_or(0.0) * hours,
        );
    }
}

/// The total active power import of a reading, W.
fn power_w(reading: &super::super::MeterReading) -> Option<f64> {
    reading
        .values
        .iter()
        .find(|v| v.measurand == Measurand::PowerActiveImport && v.phase.is_none())
        .map(|v| v.value)
}
