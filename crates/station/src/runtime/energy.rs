//! The EnergyManager at work in the running station: Smart Charging limits go onto the
//! energy tree's sink nodes (as everest-core's OCPP module sets them on its
//! `evse_energy_sink` connections), and what the tree distributes becomes each simulated
//! EVSE's offered current (as the EnergyManager's `enforce_limits` reach the EvseManagers).
//! The distribution runs at every station step and at once after a limit changes, so a
//! starting or stopping EVSE, or a new profile, moves the others' offers within one step
//! (everest-core's EnergyManager runs every `update_interval`, 1 s, and on every request).

use super::Station;
use crate::energy::Demand;
use crate::sim::EvseState;

/// What an EvseManager in `state` asks the energy manager for (everest-core EvseManager
/// `energy_grid/energyImpl.cpp`, `request_energy_from_energy_manager`): everything while it
/// charges, prepares or waits for authorization, only its minimum while the car paused
/// (with `request_zero_power_in_idle`), nothing otherwise, unless `request_zero_power_in_idle`
/// is off. Paused by the EVSE it keeps asking: a pause for lack of energy must be able to end
/// when energy comes back.
fn demand(state: EvseState, zero_power_in_idle: bool) -> Demand {
    use EvseState as S;
    match state {
        S::Charging | S::PrepareCharging | S::WaitingForAuthentication | S::ChargingPausedEVSE => {
            Demand::Full
        }
        S::ChargingPausedEV if zero_power_in_idle => Demand::Min,
        _ if zero_power_in_idle => Demand::None,
        _ => Demand::Full,
    }
}

impl Station {
    /// The Smart Charging limit of `connector` (0: the station), A per phase, `None` when no
    /// profile limits it: the external limit of the energy node the OCPP module's
    /// `evse_energy_sink` maps to that EVSE (connector 0: the grid connection point).
    pub(super) fn charging_limit(&mut self, connector: u32, amps: Option<f64>) {
        match self.energy.set_limit(connector, amps) {
            Some(true) => self.distribute_energy(),
            Some(false) => {}
            // A limit that is lifted changes nothing either: only a real one is worth a
            // warning (the core repeats every limit each PublishChargingScheduleIntervalS).
            None if amps.is_some() => tracing::warn!(
                connector,
                amps,
                "cannot apply the charging limit: no evse_energy_sink for this EVSE"
            ),
            None => {}
        }
    }

    /// The minChargingRate of the profile in force on `connector`, A per phase: the EVSE gets
    /// at least that or nothing (everest-core's OCPP module passes it to the energy manager as
    /// `ac_min_current_A`). Connector 0's (a ChargePointMaxProfile's) is not applied: the
    /// energy tree keeps minimums per EVSE only.
    pub(super) fn min_charging_rate(&mut self, connector: u32, amps: Option<f64>) {
        if connector == 0 {
            if amps.is_some() {
                tracing::debug!(?amps, "minChargingRate of connector 0: not applied");
            }
            return;
        }
        if self.energy.set_min_charging_rate(connector, amps) {
            tracing::info!(connector, ?amps, "minChargingRate");
            self.distribute_energy();
        }
    }

    /// Distributes the energy over the EVSEs as their states ask, and sets each one's
    /// offered current to its share.
    pub(super) fn distribute_energy(&mut self) {
        let zero_in_idle: Vec<(u32, bool)> = self
            .energy
            .tree()
            .leaves()
            .iter()
            .map(|l| (l.connector, l.zero_power_in_idle))
            .collect();
        for evse in &self.evses {
            let zero = zero_in_idle
                .iter()
                .find(|(c, _)| *c == evse.connector)
                .is_none_or(|(_, z)| *z);
            let state = evse.sim.evse_manager().state();
            self.energy.set_demand(evse.connector, demand(state, zero));
        }
        if !self.energy.take_changed() {
            return;
        }
        for offer in self.energy.offers() {
            let Some(evse) = self
                .evses
                .iter_mut()
                .find(|e| e.connector == offer.connector)
            else {
                continue;
            };
            let manager = evse.sim.evse_manager_mut();
            if manager.external_limit_a() != Some(offer.amps) {
                tracing::info!(
                    connector = offer.connector,
                    amps = offer.amps,
                    "energy manager: offered current"
                );
                manager.set_external_limit(Some(offer.amps));
            }
            self.offers.insert(offer.connector, offer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demand_follows_everest_request_energy_from_energy_manager() {
        use EvseState as S;
        let cases = [
            (S::Charging, true, Demand::Full),
            (S::PrepareCharging, true, Demand::Full),
            (S::WaitingForAuthentication, true, Demand::Full),
            (S::ChargingPausedEVSE, true, Demand::Full),
            (S::ChargingPausedEV, true, Demand::Min),
            (S::ChargingPausedEV, false, Demand::Full),
            (S::Idle, true, Demand::None),
            (S::Finished, true, Demand::None),
            (S::Disabled, true, Demand::None),
            (S::WaitingForPlugIn, true, Demand::None),
            (S::Idle, false, Demand::Full),
        ];
        for (state, zero, expect) in cases {
            assert_eq!(demand(state, zero), expect, "{state:?} {zero}");
        }
    }
}
