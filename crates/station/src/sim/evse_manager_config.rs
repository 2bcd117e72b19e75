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
    /// UK random delays from the start (`uk_smartcharging_random_delay_enable`).
    pub random_delay_enable: bool,
    /// The longest random delay, s (`uk_smartcharging_random_delay_max_duration`).
    pub random_delay_max_duration_s: u32,
    /// A random delay at any change of the limit, or only from and to zero
    /// (`uk_smartcharging_random_delay_at_any_change`).
    pub random_delay_at_any_change: bool,
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
            random_delay_enable: false,
            random_delay_max_duration_s: super::evse_manager::random_delay::DEFAULT_MAX_DURATION_S,
            random_delay_at_any_change: true,
            connector_lock: true,
        }
    }
}

impl EvseManagerConfig {
    /// The config of an EvseManager module instance (`external_ready_to_start_charging`,
    /// `lock_connector_in_state_b`, `state_F_after_fault_ms`, `uk_smartcharging_random_delay_*`);
    /// `max_current_a` is the board's. `connector_lock` is not a parameter but a connection:
    /// true here, set by the wiring from the config's connections.
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
            random_delay_enable: parameters
                .bool("uk_smartcharging_random_delay_enable")
                .unwrap_or(d.random_delay_enable),
            // A negative duration is no delay (EVerest would take it modulo a negative).
            random_delay_max_duration_s: parameters
                .int("uk_smartcharging_random_delay_max_duration")
                .map_or(d.random_delay_max_duration_s, |s| {
                    u32::try_from(s.max(0)).unwrap_or(u32::MAX)
                }),
            random_delay_at_any_change: parameters
                .bool("uk_smartcharging_random_delay_at_any_change")
                .unwrap_or(d.random_delay_at_any_change),
            connector_lock: d.connector_lock,
        }
    }
}
