//! The parameters of the simulated EvseManager, read from its module instance's
//! everest-core parameters.

use std::time::Duration;

use crate::Parameters;

/// The EvseManager's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct EvseManagerConfig {
    /// The most current the connector and hardware carry, A (the offer never exceeds it).
    pub max_current_a: f64,
    /// Charging waits for [`super::EvseManager::external_ready_to_start_charging`].
    pub external_ready_to_start_charging: bool,
    /// Lock the connector in state B already (else in C).
    pub lock_connector_in_state_b: bool,
    /// How long the pilot shows F after a fault while charging.
    pub state_f_after_fault: Duration,
    /// A connector lock is connected (the EvseManager's `connector_lock` requirement); without
    /// one the cable is fixed and `force_unlock` is not supported.
    pub connector_lock: bool,
}

impl Default for EvseManagerConfig {
    fn default() -> Self {
        EvseManagerConfig {
            max_current_a: 32.0,
            external_ready_to_start_charging: false,
            lock_connector_in_state_b: true,
            state_f_after_fault: Duration::from_millis(300),
            connector_lock: true,
        }
    }
}

impl EvseManagerConfig {
    /// The config of an EvseManager module instance (`external_ready_to_start_charging`,
    /// `lock_connector_in_state_b`, `state_F_after_fault_ms`); `max_current_a` is the
    /// board's. `connector_lock` is not a parameter but a connection: true here, set by the
    /// wiring from the config's connections.
    pub fn from_parameters(parameters: &Parameters, max_current_a: f64) -> Self {
        let d = EvseManagerConfig::default();
        EvseManagerConfig {
            max_current_a,
            external_ready_to_start_charging: parameters
                .bool("external_ready_to_start_charging")
                .unwrap_or(d.external_ready_to_start_charging),
            lock_connector_in_state_b: parameters
                .bool("lock_connector_in_state_b")
                .unwrap_or(d.lock_connector_in_state_b),
            state_f_after_fault: parameters
                .int("state_F_after_fault_ms")
                .and_then(|ms| u64::try_from(ms).ok())
                .map_or(d.state_f_after_fault, Duration::from_millis),
            connector_lock: d.connector_lock,
        }
    }
}
