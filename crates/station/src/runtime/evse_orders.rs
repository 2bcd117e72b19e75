//! The EVSE's own commands, as EVerest's `evse_manager` interface and its API module take
//! them (the control API and MQTT call them alike): enable / disable by source and priority,
//! a pause by the EVSE, the API's external limit on its energy sink, and a forced unlock.
//! ChangeAvailability from the CSMS goes through the same enable table, as the CSMS's entry.

use chargepoint::charge_point::StationEvent as CoreEvent;
use ocpp_types::core::{ChargePointStatus, Reason};

use super::control::LimitValue;
use super::orders::Accepted;
use super::replies::Until;
use super::Station;
use crate::control_api::{ControlError, Outcome};
use crate::sim::enable_sources::{EnableEntry, EnableSource, EnableState, CSMS_PRIORITY};
use crate::sim::{EvseError, ForceUnlock};

/// The nominal voltage a power limit is turned into a current with (EVerest's EnergyManager
/// default, and the simulated board's).
const NOMINAL_VOLTAGE_V: f64 = 230.0;

impl Station {
    /// Puts `entry` in the enable table of the EVSE at `connector`, enables or disables the
    /// EVSE as the table decides, and tells the core when the station itself disabled it (a
    /// ChangeAvailability of the CSMS the core made itself).
    pub(super) fn apply_enable_entry(&mut self, connector: u32, entry: EnableEntry) {
        let Some(evse) = self.evse_mut(connector) else {
            return;
        };
        let enabled = evse.enable.update(entry);
        let manager = evse.sim.evse_manager_mut();
        let was_enabled = manager.state() != crate::sim::EvseState::Disabled;
        if enabled != was_enabled {
            tracing::info!(connector, ?entry, enabled, "EVSE enable/disable");
            manager.enable_disable(enabled);
        }
        let disabled_by_station = !enabled && evse.enable.active().source != EnableSource::Csms;
        // The CSMS's Inoperative overridden by a source of higher priority: the EVSE charges,
        // so the core must not report it Unavailable (EVerest: EvseManager's Enabled event,
        // libocpp's on_enabled).
        let over_inoperative =
            enabled && evse.enable.state_of(EnableSource::Csms) == EnableState::Disable;
        let tell_over = (over_inoperative != evse.enabled_over_inoperative).then(|| {
            evse.enabled_over_inoperative = over_inoperative;
            CoreEvent::EnabledOverInoperative {
                connector,
                enabled: over_inoperative,
            }
        });
        if disabled_by_station != evse.disabled_by_station {
            evse.disabled_by_station = disabled_by_station;
            self.tell_core(CoreEvent::Disabled {
                connector,
                disabled: disabled_by_station,
            });
        }
        if let Some(event) = tell_over {
            self.tell_core(event);
        }
    }

    /// ChangeAvailability (the core's SetAvailability): the CSMS's entry, at the priority
    /// everest-core's OCPP module gives it. `connector` 0 is the station alone: the core sends
    /// each connector's own SetAvailability when it applies to it, so a connector whose change
    /// is Scheduled (a car still plugged in) stays enabled until it is idle, as in EVerest.
    #[inline(never)]
    pub(super) fn set_availability(&mut self, connector: u32, operative: bool) {
        let entry = EnableEntry {
            source: EnableSource::Csms,
            state: if operative {
                EnableState::Enable
            } else {
                EnableState::Disable
            },
            priority: CSMS_PRIORITY,
        };
        // No EVSE is connector 0: apply_enable_entry leaves it alone.
        self.apply_enable_entry(connector, entry);
    }

    pub(super) fn enable_disable_order(
        &mut self,
        connector: u32,
        entry: EnableEntry,
    ) -> Result<Accepted, ControlError> {
        if self.evse_mut(connector).is_none() {
            return Err(ControlError::NotFound(format!("no connector {connector}")));
        }
        self.apply_enable_entry(connector, entry);
        Ok((Until::Now, Outcome::done()))
    }

    pub(super) fn pause_order(
        &mut self,
        connector: u32,
        pause: bool,
    ) -> Result<Accepted, ControlError> {
        self.on_evse(connector, |e| {
            let manager = e.sim.evse_manager_mut();
            let result = if pause {
                manager.pause_charging()
            } else {
                manager.resume_charging()
            };
            match result {
                Ok(()) if pause => Ok((
                    Until::Status(connector, ChargePointStatus::SuspendedEVSE),
                    Outcome::done(),
                )),
                Ok(()) => Ok((Until::Now, Outcome::done())),
                Err(EvseError::NoTransaction) => Err(ControlError::Conflict(format!(
                    "no transaction runs at connector {connector}"
                ))),
                Err(e) => Err(ControlError::Conflict(format!(
                    "connector {connector}: {e}"
                ))),
            }
        })
    }

    pub(super) fn limit_order(
        &mut self,
        connector: u32,
        value: LimitValue,
    ) -> Result<Accepted, ControlError> {
        if self.evse_mut(connector).is_none() {
            return Err(ControlError::NotFound(format!("no connector {connector}")));
        }
        let Some(phases) = self.energy.api_sink_phases(connector) else {
            return Err(ControlError::NotFound(format!(
                "the API module has no evse_energy_sink for the EVSE at connector {connector}: no limit can be set there"
            )));
        };
        // EVerest: a limit of 0 or below goes on export, and import gets 0.
        let amps = match value {
            LimitValue::Amps(a, _) => a.max(0.0),
            LimitValue::Watts(w) => w.max(0.0) / (NOMINAL_VOLTAGE_V * f64::from(phases)),
        };
        if let Some(evse) = self.evse_mut(connector) {
            evse.api_phases = match value {
                LimitValue::Amps(_, Some(p)) => Some(p),
                _ => None,
            };
        }
        tracing::info!(connector, ?value, amps, "API limit");
        if self.energy.set_api_limit(connector, Some(amps)) == Some(true) {
            self.distribute_energy();
        }
        Ok((Until::Now, Outcome::done()))
    }

    /// As everest-core's API module (EvseManager's `force_unlock`): the transaction stops
    /// with UnlockCommand, then the connector unlocks. An EVSE without a connector lock
    /// refuses (409) and its transaction goes on.
    pub(super) fn force_unlock_order(&mut self, connector: u32) -> Result<Accepted, ControlError> {
        let Some(evse) = self.evse_mut(connector) else {
            return Err(ControlError::NotFound(format!("no connector {connector}")));
        };
        if !evse.sim.evse_manager().has_connector_lock() {
            return Err(ControlError::Conflict(format!(
                "connector {connector} has no connector lock (its EvseManager has no connector_lock connection)"
            )));
        }
        let running = self.transaction_running(connector);
        if running {
            self.tell_core(CoreEvent::StopRequested {
                connector: Some(connector),
                reason: Reason::UnlockCommand,
            });
        }
        if let Some(evse) = self.evse_mut(connector) {
            if evse.sim.evse_manager_mut().force_unlock() == ForceUnlock::Failed {
                tracing::warn!(connector, "force unlock: the connector lock did not open");
            }
        }
        let until = if running {
            Until::NoTransaction(connector)
        } else {
            Until::Now
        };
        Ok((until, Outcome::done()))
    }
}
