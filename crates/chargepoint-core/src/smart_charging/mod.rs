//! The Smart Charging engine (OCPP 1.6 §3.13, §5.5, §5.7, §5.16): the installed charging
//! profiles and the composite schedule they make. Pure: no IO, no clock; every function takes
//! the time it needs, so recurring profiles and transaction-relative schedules are unit-testable
//! with a fake clock (DESIGN.md §3).
//!
//! It follows libocpp (`lib/ocpp/v16/smart_charging.cpp`, `lib/ocpp/v16/profile.cpp`) closely;
//! where it differs, the item's documentation says so and why.
//!
//! - `mod.rs`: [`SmartChargingSettings`], the configuration the engine reads, and libocpp's
//!   defaults ([`DEFAULT_LIMIT_AMPS`], [`DEFAULT_LIMIT_WATTS`], [`DEFAULT_NUMBER_PHASES`]).
//! - [`ChargingProfiles`] (`profiles.rs`): SetChargingProfile ([`ChargingProfiles::install`]),
//!   the TxProfile of a RemoteStartTransaction ([`ChargingProfiles::install_for_remote_start`]),
//!   ClearChargingProfile ([`ChargingProfiles::clear`]), the end of a transaction
//!   ([`ChargingProfiles::transaction_ended`]), expiry ([`ChargingProfiles::remove_expired`]) and
//!   persistence by the caller ([`ChargingProfiles::iter`], [`ChargingProfiles::restore`]).
//! - `composite.rs`: GetCompositeSchedule ([`ChargingProfiles::get_composite_schedule`]), the
//!   composite schedule of any window ([`ChargingProfiles::composite_schedule`]) and the limit in
//!   force now for the energy system ([`ChargingProfiles::active_limit`]).
//! - `schedule.rs`: when each period of one profile applies (libocpp's `calculate_start` and
//!   `calculate_profile_entry`).
//! - `tests/`: unit tests of installing, clearing and the composite schedule (with libocpp's own
//!   profile tests), and properties checked against a naive model.
//!
//! An example: [`ChargingProfiles`]. How the core uses the engine: docs/core/smart-charging.md.

mod composite;
mod profiles;
mod schedule;

#[cfg(test)]
mod tests;

use ocpp_types::charging_profile::{ChargingProfilePurpose, ChargingRateUnit};
use ocpp_types::DateTime;

use crate::config::OcppConfig;

pub use composite::{ActiveLimit, CompositeQuery};
pub use profiles::{
    ChargingProfiles, Cleared, InstallError, Installed, InstalledProfile, Restored,
};

/// libocpp's `DEFAULT_LIMIT_AMPS` (include/ocpp/common/constants.hpp): the limit of a composite
/// period no profile limits, in amperes, unless CompositeScheduleDefaultLimitAmps says otherwise.
pub const DEFAULT_LIMIT_AMPS: f64 = 48.0;
/// libocpp's `DEFAULT_LIMIT_WATTS`: the same in watts (48 A × 230 V × 3).
pub const DEFAULT_LIMIT_WATTS: f64 = 33_120.0;
/// libocpp's `DEFAULT_AND_MAX_NUMBER_PHASES`: phases assumed where a period gives none, and the
/// most a period may give.
pub const DEFAULT_NUMBER_PHASES: i32 = 3;
/// libocpp's `LOW_VOLTAGE`: the supply voltage used for A↔W conversion unless SupplyVoltage says
/// otherwise.
pub const DEFAULT_SUPPLY_VOLTAGE: f64 = 230.0;

/// The transaction running on a connector, as far as Smart Charging cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActiveTransaction {
    /// The id the central system gave it; `None` until StartTransaction.conf arrives.
    pub transaction_id: Option<i32>,
    /// When it started: Relative profiles count from here (libocpp uses the timestamp of the
    /// start meter value, floored to the second).
    pub started: DateTime,
}

/// Everything the engine reads from the configuration: the SmartCharging keys and the Internal
/// keys of libocpp's composite schedule. [`Default`] holds the schema defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SmartChargingSettings {
    /// Internal.SupportedChargingProfilePurposeTypes: SetChargingProfile with any other purpose
    /// is rejected.
    pub supported_purposes: Vec<ChargingProfilePurpose>,
    /// SmartCharging.ChargeProfileMaxStackLevel.
    pub max_stack_level: i32,
    /// SmartCharging.ChargingScheduleAllowedChargingRateUnit; its first entry is the unit of a
    /// GetCompositeSchedule that names none (as libocpp).
    pub allowed_rate_units: Vec<ChargingRateUnit>,
    /// SmartCharging.ChargingScheduleMaxPeriods.
    pub max_periods: usize,
    /// SmartCharging.MaxChargingProfilesInstalled.
    pub max_profiles_installed: usize,
    /// Internal.AllowChargingProfileWithoutStartSchedule: an Absolute or Recurring profile
    /// without startSchedule is accepted and starts at the time of installation.
    pub allow_without_start_schedule: bool,
    /// Internal.MaxCompositeScheduleDuration, seconds: longer requests are cut to it.
    pub max_composite_duration: i32,
    /// Internal.CompositeScheduleDefaultLimitAmps: the "no limit" of a composite in A.
    pub default_limit_amps: f64,
    /// Internal.CompositeScheduleDefaultLimitWatts: the "no limit" of a composite in W.
    pub default_limit_watts: f64,
    /// Internal.CompositeScheduleDefaultNumberPhases: phases assumed where no period says.
    pub default_number_phases: i32,
    /// Internal.SupplyVoltage, volts, for A↔W conversion.
    pub supply_voltage: f64,
    /// Internal.IgnoredProfilePurposesOffline: purposes left out while offline.
    pub ignored_purposes_offline: Vec<ChargingProfilePurpose>,
}

impl Default for SmartChargingSettings {
    fn default() -> Self {
        SmartChargingSettings {
            supported_purposes: vec![
                ChargingProfilePurpose::ChargePointMaxProfile,
                ChargingProfilePurpose::TxDefaultProfile,
                ChargingProfilePurpose::TxProfile,
            ],
            max_stack_level: 1000,
            allowed_rate_units: vec![ChargingRateUnit::A, ChargingRateUnit::W],
            max_periods: 1440,
            max_profiles_installed: 500,
            allow_without_start_schedule: false,
            max_composite_duration: 31_536_000,
            default_limit_amps: DEFAULT_LIMIT_AMPS,
            default_limit_watts: DEFAULT_LIMIT_WATTS,
            default_number_phases: DEFAULT_NUMBER_PHASES,
            supply_voltage: DEFAULT_SUPPLY_VOLTAGE,
            ignored_purposes_offline: Vec::new(),
        }
    }
}

impl SmartChargingSettings {
    /// The settings of a configuration. Without a SmartCharging section (the profile is not
    /// supported) its keys keep their schema defaults.
    pub fn from_config(config: &OcppConfig) -> Self {
        let mut s = SmartChargingSettings::default();
        let internal = &config.internal;
        s.supported_purposes = internal.supported_charging_profile_purpose_types.clone();
        s.allow_without_start_schedule = internal
            .allow_charging_profile_without_start_schedule
            .unwrap_or(false);
        s.max_composite_duration = internal.max_composite_schedule_duration;
        s.default_limit_amps = internal.composite_schedule_default_limit_amps;
        s.default_limit_watts = internal.composite_schedule_default_limit_watts;
        // A number in the schema (1 to 3); libocpp reads it as an integer.
        let phases = internal.composite_schedule_default_number_phases.round();
        s.default_number_phases = if (1.0..=3.0).contains(&phases) {
            phases as i32
        } else {
            DEFAULT_NUMBER_PHASES
        };
        s.supply_voltage = internal.supply_voltage;
        s.ignored_purposes_offline = internal
            .ignored_profile_purposes_offline
            .clone()
            .unwrap_or_default();
        if let Some(sc) = &config.smart_charging {
            s.max_stack_level =
                i32::try_from(sc.charge_profile_max_stack_level).unwrap_or(i32::MAX);
            s.allowed_rate_units = sc.charging_schedule_allowed_charging_rate_unit.clone();
            s.max_periods = sc.charging_schedule_max_periods as usize;
            s.max_profiles_installed = sc.max_charging_profiles_installed as usize;
        }
        s
    }

    /// The purposes the composite schedule leaves out: IgnoredProfilePurposesOffline while
    /// offline, none while online.
    pub fn ignored_purposes(&self, offline: bool) -> &[ChargingProfilePurpose] {
        if offline {
            &self.ignored_purposes_offline
        } else {
            &[]
        }
    }
}
