//! Tests of the Smart Charging engine, all on a fake clock: installation and its rejections
//! (`install.rs`), ClearChargingProfile (`clear.rs`), composite schedules (`composite.rs`) and
//! properties over random profile sets (`props.rs`).

mod clear;
mod composite;
mod install;
mod props;

use ocpp_types::charging_profile::{
    ChargingProfile, ChargingProfileKind, ChargingProfilePurpose, ChargingRateUnit,
    ChargingSchedule, ChargingSchedulePeriod,
};
use ocpp_types::DateTime;

use super::{ActiveTransaction, ChargingProfiles, SmartChargingSettings};

/// The fake clock's "now": Tuesday 2026-11-24 06:00 UTC.
pub(super) const T0: &str = "2026-11-24T06:00:00Z";

pub(super) fn t(s: &str) -> DateTime {
    DateTime::parse(s).unwrap()
}

/// `T0` plus `s` seconds.
pub(super) fn t0(s: i64) -> DateTime {
    DateTime::from_unix_millis(t(T0).unix_millis() + s * 1000).unwrap()
}

pub(super) use ChargingProfileKind::{Absolute, Recurring, Relative};
pub(super) use ChargingProfilePurpose::{ChargePointMaxProfile, TxDefaultProfile, TxProfile};
pub(super) use ChargingRateUnit::{A, W};

/// A profile with an Absolute schedule from `T0`, in amperes, one period of `limit`.
pub(super) fn profile(
    id: i32,
    purpose: ChargingProfilePurpose,
    stack_level: i32,
    limit: f64,
) -> ChargingProfile {
    ChargingProfile {
        charging_profile_id: id,
        transaction_id: None,
        stack_level,
        charging_profile_purpose: purpose,
        charging_profile_kind: Absolute,
        recurrency_kind: None,
        valid_from: None,
        valid_to: None,
        charging_schedule: ChargingSchedule {
            duration: None,
            start_schedule: Some(t(T0)),
            charging_rate_unit: A,
            charging_schedule_period: vec![period(0, limit)],
            min_charging_rate: None,
        },
    }
}

pub(super) fn period(start_period: i32, limit: f64) -> ChargingSchedulePeriod {
    ChargingSchedulePeriod {
        start_period,
        limit,
        number_phases: None,
    }
}

/// Replaces the periods: (startPeriod, limit).
pub(super) fn periods(mut p: ChargingProfile, list: &[(i32, f64)]) -> ChargingProfile {
    p.charging_schedule.charging_schedule_period =
        list.iter().map(|&(s, l)| period(s, l)).collect();
    p
}

/// The transaction the tests run on connector 1: id 7, started 10 minutes before `T0`.
pub(super) fn tx7() -> ActiveTransaction {
    ActiveTransaction {
        transaction_id: Some(7),
        started: t0(-600),
    }
}

pub(super) fn on_connector_1(c: i32) -> Option<ActiveTransaction> {
    (c == 1).then(tx7)
}

pub(super) fn none(_: i32) -> Option<ActiveTransaction> {
    None
}

/// A two-connector station with `list` installed (with the transaction of [`tx7`] on connector
/// 1); panics if one is rejected.
pub(super) fn station(list: &[(i32, ChargingProfile)]) -> ChargingProfiles {
    let settings = SmartChargingSettings::default();
    let mut profiles = ChargingProfiles::new(2);
    for (connector, p) in list {
        profiles
            .install(*connector, p.clone(), &settings, &on_connector_1, t(T0))
            .unwrap_or_else(|e| panic!("profile {}: {e}", p.charging_profile_id));
    }
    profiles
}
