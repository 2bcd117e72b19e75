//! The composite schedule of one connector over 24 hours with 1, 10 and 50 installed charging
//! profiles: the work behind every GetCompositeSchedule and every limit update
//! for the energy system.
//!
//!     cargo bench -p chargepoint-core --bench composite
//!
//! The profiles mix what central systems send: a ChargePointMaxProfile, daily recurring
//! TxDefaultProfiles with 24 hourly periods (a tariff), Absolute ones with validity windows,
//! and Relative TxProfiles of the running transaction. divan prints the time per call.

#![allow(missing_docs)]

use chargepoint_core::smart_charging::{
    ActiveTransaction, ChargingProfiles, CompositeQuery, SmartChargingSettings,
};
use divan::Bencher;
use ocpp_types::charging_profile::{
    ChargingProfile, ChargingProfileKind, ChargingProfilePurpose, ChargingRateUnit,
    ChargingSchedule, ChargingSchedulePeriod, RecurrencyKind,
};
use ocpp_types::DateTime;

fn main() {
    divan::main();
}

const CONNECTORS: u32 = 4;

fn at(offset_s: i64) -> DateTime {
    // 2026-11-24T06:00:00Z.
    DateTime::from_unix_millis((1_795_500_000 + offset_s) * 1000).unwrap_or_else(|| panic!("time"))
}

fn transaction(connector: i32) -> Option<ActiveTransaction> {
    (connector == 1).then_some(ActiveTransaction {
        transaction_id: Some(7),
        started: at(-1800),
    })
}

/// The `i`-th profile of the mix: (connector, profile).
fn profile(i: i32) -> (i32, ChargingProfile) {
    let hourly = |base: f64| -> Vec<ChargingSchedulePeriod> {
        (0..24)
            .map(|h| ChargingSchedulePeriod {
                start_period: h * 3600,
                limit: base + f64::from((h * 7 + i) % 16),
                number_phases: None,
            })
            .collect()
    };
    let (connector, purpose, kind, recurrency, periods, unit) = match i % 5 {
        0 => (
            0,
            ChargingProfilePurpose::ChargePointMaxProfile,
            ChargingProfileKind::Absolute,
            None,
            hourly(32.0),
            ChargingRateUnit::A,
        ),
        1 | 2 => (
            i % 3,
            ChargingProfilePurpose::TxDefaultProfile,
            ChargingProfileKind::Recurring,
            Some(RecurrencyKind::Daily),
            hourly(6.0),
            ChargingRateUnit::A,
        ),
        3 => (
            1 + i % 2,
            ChargingProfilePurpose::TxDefaultProfile,
            ChargingProfileKind::Absolute,
            None,
            hourly(4000.0),
            ChargingRateUnit::W,
        ),
        _ => (
            1,
            ChargingProfilePurpose::TxProfile,
            ChargingProfileKind::Relative,
            None,
            hourly(10.0),
            ChargingRateUnit::A,
        ),
    };
    let relative = kind == ChargingProfileKind::Relative;
    let profile = ChargingProfile {
        charging_profile_id: i + 1,
        transaction_id: None,
        stack_level: i,
        charging_profile_purpose: purpose,
        charging_profile_kind: kind,
        recurrency_kind: recurrency,
        valid_from: (i % 4 == 3).then(|| at(i64::from(i) * 600)),
        valid_to: (i % 4 == 3).then(|| at(i64::from(i) * 600 + 36_000)),
        charging_schedule: ChargingSchedule {
            duration: (i % 2 == 0).then_some(20 * 3600),
            start_schedule: (!relative).then(|| at(-3600 * i64::from(i % 24))),
            charging_rate_unit: unit,
            charging_schedule_period: periods,
            min_charging_rate: None,
        },
    };
    (connector, profile)
}

fn installed(n: i32) -> ChargingProfiles {
    let settings = SmartChargingSettings::default();
    let mut profiles = ChargingProfiles::new(CONNECTORS);
    for i in 0..n {
        let (connector, p) = profile(i);
        profiles
            .install(connector, p, &settings, &transaction, at(0))
            .unwrap_or_else(|e| panic!("profile {i}: {e}"));
    }
    assert_eq!(profiles.len(), n as usize);
    profiles
}

#[divan::bench(args = [1, 10, 50])]
fn composite_24h(bencher: Bencher, n: i32) {
    let profiles = installed(n);
    let settings = SmartChargingSettings::default();
    let query = CompositeQuery {
        connector_id: 1,
        start: at(0),
        duration: 86_400,
        unit: ChargingRateUnit::A,
        ignored_purposes: &[],
    };
    bencher
        .bench(|| profiles.composite_schedule(divan::black_box(&query), &settings, &transaction));
}

#[divan::bench(args = [1, 10, 50])]
fn composite_24h_station(bencher: Bencher, n: i32) {
    let profiles = installed(n);
    let settings = SmartChargingSettings::default();
    let query = CompositeQuery {
        connector_id: 0,
        start: at(0),
        duration: 86_400,
        unit: ChargingRateUnit::W,
        ignored_purposes: &[],
    };
    bencher
        .bench(|| profiles.composite_schedule(divan::black_box(&query), &settings, &transaction));
}

#[divan::bench(args = [1, 10, 50])]
fn active_limit(bencher: Bencher, n: i32) {
    let profiles = installed(n);
    let settings = SmartChargingSettings::default();
    bencher.bench(|| {
        profiles.active_limit(divan::black_box(1), at(0), false, &settings, &transaction)
    });
}
