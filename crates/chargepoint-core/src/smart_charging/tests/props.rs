//! Properties over random profile sets on a two-connector station, checked against a naive model
//! that evaluates every profile at every minute straight from OCPP 1.6 §3.13: a connector's
//! composite equals the lowest of the ChargePointMaxProfile and the chosen
//! TxProfile/TxDefaultProfile, so never exceeds either; connector 0's is the sum over the
//! connectors (libocpp's `merge_profiles_by_summing_limits`) under the ChargePointMaxProfile; and
//! neither depends on the order the profiles were installed in.

use proptest::prelude::*;

use ocpp_types::charging_profile::{
    ChargingProfile, ChargingProfileKind, ChargingProfilePurpose, ChargingRateUnit, RecurrencyKind,
};

use super::*;
use crate::smart_charging::schedule::{secs, DAY, WEEK};
use crate::smart_charging::{CompositeQuery, InstalledProfile};

/// The composite's window: 8 hours from `T0`, sampled every minute (every time in the generated
/// profiles is a whole minute, so every sample stands for its whole minute).
const WINDOW: i64 = 8 * 3600;
/// Watts per ampere with the default 3 phases at 230 V.
const FACTOR: f64 = 690.0;

prop_compose! {
    /// One random profile: (connector, profile).
    fn spec(id: i32, mixed_units: bool)(
        purpose in 0..3u8,
        connector in 0..3i32,
        kind in 0..4u8,
        stack_level in 0..4i32,
        start in -240..240i64,
        gaps in prop::collection::vec(1..120i32, 0..4),
        limits in prop::collection::vec(0..64u8, 4),
        duration in prop::option::of(10..600i32),
        valid_from in prop::option::of(-240..480i64),
        valid_to in prop::option::of(-240..480i64),
        named in any::<bool>(),
        in_watts in any::<bool>(),
    ) -> (i32, ChargingProfile) {
        let purpose = match purpose {
            0 => ChargingProfilePurpose::ChargePointMaxProfile,
            1 => ChargingProfilePurpose::TxDefaultProfile,
            _ => ChargingProfilePurpose::TxProfile,
        };
        let connector = match purpose {
            ChargingProfilePurpose::ChargePointMaxProfile => 0,
            ChargingProfilePurpose::TxDefaultProfile => connector,
            _ => connector.max(1),
        };
        let kind = match kind {
            1 if purpose != ChargingProfilePurpose::ChargePointMaxProfile => Relative,
            2 | 3 => Recurring,
            _ => Absolute,
        };
        let mut p = profile(id, purpose, stack_level, 0.0);
        p.charging_profile_kind = kind;
        p.recurrency_kind = (kind == Recurring)
            .then_some(if id % 2 == 0 { RecurrencyKind::Daily } else { RecurrencyKind::Weekly });
        p.charging_schedule.start_schedule = (kind != Relative).then(|| t0(start * 60));
        let mut at = 0;
        let mut list = vec![(0, f64::from(limits[0]))];
        for (i, gap) in gaps.iter().enumerate() {
            at += gap * 60;
            list.push((at, f64::from(limits[i + 1])));
        }
        p = periods(p, &list);
        if mixed_units && in_watts {
            p.charging_schedule.charging_rate_unit = W;
            for period in &mut p.charging_schedule.charging_schedule_period {
                period.limit *= 250.0;
            }
        }
        p.charging_schedule.duration = duration.map(|d| d * 60);
        p.valid_from = valid_from.map(|m| t0(m * 60));
        p.valid_to = valid_to.map(|m| t0(m * 60));
        p.transaction_id = (purpose == TxProfile && named).then_some(transaction_id(connector));
        (connector, p)
    }
}

/// Up to 10 profiles with distinct ids and distinct (connector, purpose, stack level), so that
/// no installation replaces another and any order installs the same set.
fn specs(mixed_units: bool) -> impl Strategy<Value = Vec<(i32, ChargingProfile)>> {
    (0..10i32)
        .prop_flat_map(move |n| (1..=n).map(|id| spec(id, mixed_units)).collect::<Vec<_>>())
        .prop_map(|mut list| {
            let mut seen = Vec::new();
            list.retain(|(c, p)| {
                let key = (*c, p.charging_profile_purpose, p.stack_level);
                let fresh = !seen.contains(&key);
                seen.push(key);
                fresh
            });
            list
        })
}

/// Connector 1 runs transaction 7, connector 2 transaction 8.
fn transaction_id(connector: i32) -> i32 {
    6 + connector
}

/// The transactions: started `started_min` (connector 1) and `started_min` + 1 minutes
/// (connector 2) before `T0`.
fn sessions(started_min: i64) -> impl Fn(i32) -> Option<ActiveTransaction> {
    move |c| {
        (1..=2).contains(&c).then(|| ActiveTransaction {
            transaction_id: Some(transaction_id(c)),
            started: t0(-(started_min + i64::from(c) - 1) * 60),
        })
    }
}

fn install(list: &[(i32, ChargingProfile)], started_min: i64) -> ChargingProfiles {
    let settings = SmartChargingSettings::default();
    let mut profiles = ChargingProfiles::new(2);
    for (connector, p) in list {
        let got = profiles.install(
            *connector,
            p.clone(),
            &settings,
            &sessions(started_min),
            t(T0),
        );
        assert!(got.is_ok_and(|i| i.replaced.is_empty()), "{p:?}");
    }
    profiles
}

/// The limit of one profile at `at` with its unit, straight from the definitions: `None` where
/// it does not apply.
fn naive_limit(
    p: &ChargingProfile,
    at: i64,
    session: ActiveTransaction,
) -> Option<(f64, ChargingRateUnit)> {
    let schedule = &p.charging_schedule;
    let start = match (p.charging_profile_kind, p.recurrency_kind) {
        (ChargingProfileKind::Relative, _) => secs(session.started),
        (ChargingProfileKind::Recurring, Some(kind)) => {
            let first = secs(schedule.start_schedule?);
            let every = if kind == RecurrencyKind::Daily {
                DAY
            } else {
                WEEK
            };
            first + (at - first).div_euclid(every) * every
        }
        _ => secs(schedule.start_schedule?),
    };
    let offset = at - start;
    let applies = offset >= 0
        && schedule.duration.is_none_or(|d| offset < i64::from(d))
        && p.valid_from.is_none_or(|f| at >= secs(f))
        && p.valid_to.is_none_or(|to| at < secs(to));
    if !applies {
        return None;
    }
    let period = schedule
        .charging_schedule_period
        .iter()
        .rev()
        .find(|q| i64::from(q.start_period) <= offset)?;
    Some((period.limit, schedule.charging_rate_unit))
}

/// The chosen ChargePointMaxProfile period and Tx/TxDefault period of `connector` at `at`.
type Chosen = Option<(f64, ChargingRateUnit)>;

fn naive_layers(
    installed: &[InstalledProfile],
    connector: i32,
    at: i64,
    started_min: i64,
) -> [Chosen; 2] {
    let Some(session) = sessions(started_min)(connector) else {
        return [None, None];
    };
    let best = |purpose: ChargingProfilePurpose| {
        installed
            .iter()
            .filter(|i| i.profile.charging_profile_purpose == purpose)
            .filter(|i| match purpose {
                ChargePointMaxProfile => true,
                TxDefaultProfile => i.connector_id == 0 || i.connector_id == connector,
                TxProfile => {
                    i.connector_id == connector
                        && i.profile
                            .transaction_id
                            .is_none_or(|id| Some(id) == session.transaction_id)
                }
            })
            .filter_map(|i| {
                let limit = naive_limit(&i.profile, at, session)?;
                Some(((i.profile.stack_level, i.connector_id != 0), limit))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, limit)| limit)
    };
    let connector_limit = best(TxProfile).or_else(|| best(TxDefaultProfile));
    [best(ChargePointMaxProfile), connector_limit]
}

fn in_amps((limit, unit): (f64, ChargingRateUnit)) -> f64 {
    match unit {
        ChargingRateUnit::A => limit,
        ChargingRateUnit::W => limit / FACTOR,
    }
}

/// The model's limit of `connector` at `at` in amperes, and the limits it must not exceed.
fn model(
    installed: &[InstalledProfile],
    connector: i32,
    at: i64,
    started_min: i64,
) -> (f64, Vec<f64>) {
    if connector != 0 {
        let chosen: Vec<f64> = naive_layers(installed, connector, at, started_min)
            .into_iter()
            .flatten()
            .map(in_amps)
            .collect();
        let want = chosen.iter().copied().reduce(f64::min).unwrap_or(48.0);
        return (want, chosen);
    }
    // Connector 0: amperes and watts summed apart, a connector without a limit in a unit adding
    // the default limit in that unit; then the ChargePointMaxProfile lowers its unit.
    let (mut amps, mut watts) = (0.0, 0.0);
    let mut max = None;
    for c in 1..=2 {
        let [cp_max, limit] = naive_layers(installed, c, at, started_min);
        max = cp_max;
        amps += limit.filter(|l| l.1 == A).map_or(48.0, |l| l.0);
        watts += limit.filter(|l| l.1 == W).map_or(33_120.0, |l| l.0);
    }
    match max {
        Some((l, ChargingRateUnit::A)) => amps = f64::min(amps, l),
        Some((l, ChargingRateUnit::W)) => watts = f64::min(watts, l),
        None => {}
    }
    let bound: Vec<f64> = max.map(in_amps).into_iter().collect();
    (f64::min(amps, watts / FACTOR), bound)
}

/// The composite's limit at each minute of the window, in amperes.
fn composite_by_minute(profiles: &ChargingProfiles, connector: i32, started_min: i64) -> Vec<f64> {
    let query = CompositeQuery {
        connector_id: connector,
        start: t(T0),
        duration: WINDOW as i32,
        unit: A,
        ignored_purposes: &[],
    };
    let settings = SmartChargingSettings::default();
    let schedule = profiles.composite_schedule(&query, &settings, &sessions(started_min));
    let periods = &schedule.charging_schedule_period;
    (0..WINDOW / 60)
        .map(|m| {
            periods
                .iter()
                .rev()
                .find(|p| i64::from(p.start_period) <= m * 60)
                .map_or(f64::NAN, |p| p.limit)
        })
        .collect()
}

fn check_against_model(
    list: &[(i32, ChargingProfile)],
    started_min: i64,
) -> Result<(), TestCaseError> {
    let profiles = install(list, started_min);
    let installed: Vec<InstalledProfile> = profiles.iter().cloned().collect();
    for connector in 0..=2 {
        let got = composite_by_minute(&profiles, connector, started_min);
        for (m, &limit) in got.iter().enumerate() {
            let at = secs(t(T0)) + m as i64 * 60;
            let (want, bounds) = model(&installed, connector, at, started_min);
            for bound in bounds {
                prop_assert!(
                    limit <= bound + 1e-9,
                    "connector {connector} minute {m}: {limit} above {bound}"
                );
            }
            prop_assert!(
                (limit - want).abs() <= 1e-9,
                "connector {connector} minute {m}: {limit}, want {want}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn composite_is_the_lowest_applicable_limit(list in specs(false), started in 0..120i64) {
        check_against_model(&list, started)?;
    }

    #[test]
    fn composite_is_the_lowest_applicable_limit_in_mixed_units(list in specs(true), started in 0..120i64) {
        check_against_model(&list, started)?;
    }

    #[test]
    fn composite_does_not_depend_on_installation_order(
        list in specs(true),
        started in 0..120i64,
        rotate in 0..10usize,
    ) {
        let mut other = list.clone();
        other.reverse();
        if !other.is_empty() {
            let k = rotate % other.len();
            other.rotate_left(k);
        }
        let settings = SmartChargingSettings::default();
        let (a, b) = (install(&list, started), install(&other, started));
        for connector in 0..=2 {
            for unit in [A, W] {
                let query = CompositeQuery {
                    connector_id: connector,
                    start: t(T0),
                    duration: WINDOW as i32,
                    unit,
                    ignored_purposes: &[],
                };
                let sessions = sessions(started);
                prop_assert_eq!(
                    a.composite_schedule(&query, &settings, &sessions),
                    b.composite_schedule(&query, &settings, &sessions)
                );
            }
            let now = t0(i64::try_from(rotate).unwrap_or(0) * 600);
            prop_assert_eq!(
                a.active_limit(connector, now, false, &settings, &sessions(started)),
                b.active_limit(connector, now, false, &settings, &sessions(started))
            );
        }
    }
}
