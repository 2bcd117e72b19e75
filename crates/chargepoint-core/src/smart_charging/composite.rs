//! The composite schedule (OCPP 1.6 §3.13.4, §5.7) and the limit in force now, as libocpp's
//! `SmartChargingHandler::calculate_enhanced_composite_schedule`
//! (lib/ocpp/v16/smart_charging.cpp) and the merge functions of lib/ocpp/v16/profile.cpp:
//!
//! 1. per purpose, at each instant, the period of the highest stack level in force
//!    (`generate_profile_from_periods`);
//! 2. per connector, the TxProfile where it has one, else the TxDefaultProfile
//!    (`merge_tx_profile_with_tx_default_profile`); both count even without a transaction, as
//!    libocpp computes with `simulate_transaction_active` for GetCompositeSchedule and for the
//!    limits it hands to the energy manager;
//! 3. the lowest of that and the ChargePointMaxProfile, amperes and watts kept apart, phases the
//!    fewest given (`merge_profiles_by_lowest_limit`); for connector 0, the sum over all
//!    connectors, each without a limit counting as the default limit
//!    (`merge_profiles_by_summing_limits`), then the ChargePointMaxProfile;
//! 4. converted into the requested unit with the period's phases (default 3) and the supply
//!    voltage, the lower of the ampere and the watt limit winning; where nothing limits, the
//!    default limit CompositeScheduleDefaultLimitAmps/Watts (`convert_intermediate_into_schedule`).
//!
//! Instead of libocpp's repeated scans, one sweep over the start and end of every period keeps
//! the periods in force per purpose in ordered sets: O(n log n) in the number of periods.

use std::collections::BTreeSet;

use ocpp_types::charging_profile::{
    ChargingProfilePurpose, ChargingRateUnit, ChargingSchedule, ChargingSchedulePeriod,
};
use ocpp_types::smart_charging::{
    GetCompositeScheduleRequest, GetCompositeScheduleResponse, GetCompositeScheduleStatus,
};
use ocpp_types::DateTime;

use super::profiles::ChargingProfiles;
use super::schedule::{date_time, entries, secs, Entry, DAY, WEEK};
use super::{ActiveTransaction, SmartChargingSettings};

/// How far ahead [`ChargingProfiles::active_limit`] looks for the next change: a week and a day,
/// so that any Daily or Weekly recurrence shows.
const ACTIVE_LIMIT_HORIZON: i64 = WEEK + DAY;

/// A composite schedule to compute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompositeQuery<'a> {
    /// The connector; 0 is the station as a whole.
    pub connector_id: i32,
    /// The start (rounded down to the second).
    pub start: DateTime,
    /// Length in seconds.
    pub duration: i32,
    /// The unit of the result.
    pub unit: ChargingRateUnit,
    /// Purposes left out ([`SmartChargingSettings::ignored_purposes`]).
    pub ignored_purposes: &'a [ChargingProfilePurpose],
}

/// The limit in force on a connector now, for the energy system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActiveLimit {
    /// The limit in amperes per phase.
    pub amps: f64,
    /// The same limit in watts.
    pub watts: f64,
    /// The phases the limit allows, when a period says.
    pub number_phases: Option<i32>,
    /// Whether a profile limits now; `false` means the default limits apply.
    pub limited: bool,
    /// The minChargingRate of the TxProfile or TxDefaultProfile in force, in amperes.
    pub min_charging_rate_amps: Option<f64>,
    /// The same in watts.
    pub min_charging_rate_watts: Option<f64>,
    /// When to ask again: the next change of the limit, or at the latest 8 days ahead while any
    /// profile applies to the connector; `None` when none does (only a profile change can change
    /// the limit then).
    pub next_change: Option<DateTime>,
}

/// The limits in force during one stretch of time, before conversion into one unit: libocpp's
/// `IntermediatePeriod`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Limits {
    amps: Option<f64>,
    watts: Option<f64>,
    phases: Option<i32>,
    /// The minChargingRate of the Tx/TxDefault period in force, with its unit.
    min_rate: Option<(f64, ChargingRateUnit)>,
    /// Whether any profile's period is in force.
    limited: bool,
}

impl Limits {
    const NONE: Limits = Limits {
        amps: None,
        watts: None,
        phases: None,
        min_rate: None,
        limited: false,
    };

    /// Lowers these limits by `entry` (libocpp's `merge_profiles_by_lowest_limit`).
    fn lower_by(&mut self, entry: &Entry) {
        let slot = match entry.unit {
            ChargingRateUnit::A => &mut self.amps,
            ChargingRateUnit::W => &mut self.watts,
        };
        *slot = Some(slot.map_or(entry.limit, |l| l.min(entry.limit)));
        self.phases = min_phases(self.phases, entry.phases);
        self.limited = true;
    }

    /// The limit in `unit` (libocpp's `convert_intermediate_into_schedule`).
    fn in_unit(&self, unit: ChargingRateUnit, settings: &SmartChargingSettings) -> f64 {
        let factor = self.factor(settings);
        match (unit, self.amps, self.watts) {
            (ChargingRateUnit::A, None, None) => settings.default_limit_amps,
            (ChargingRateUnit::W, None, None) => settings.default_limit_watts,
            (ChargingRateUnit::A, a, w) => {
                f64::min(a.unwrap_or(f64::MAX), w.map_or(f64::MAX, |w| w / factor))
            }
            (ChargingRateUnit::W, a, w) => {
                f64::min(w.unwrap_or(f64::MAX), a.map_or(f64::MAX, |a| a * factor))
            }
        }
    }

    /// Volts × phases: watts per ampere.
    fn factor(&self, settings: &SmartChargingSettings) -> f64 {
        settings.supply_voltage * f64::from(self.phases.unwrap_or(settings.default_number_phases))
    }

    fn min_rate_in(&self, unit: ChargingRateUnit, settings: &SmartChargingSettings) -> Option<f64> {
        let (value, from) = self.min_rate?;
        let factor = self.factor(settings);
        Some(match (from, unit) {
            (ChargingRateUnit::A, ChargingRateUnit::W) => value * factor,
            (ChargingRateUnit::W, ChargingRateUnit::A) => value / factor,
            _ => value,
        })
    }
}

/// The fewer of two phase counts, either possibly unknown.
fn min_phases(a: Option<i32>, b: Option<i32>) -> Option<i32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The periods of every purpose that bear on one composite: layer 0 is the
/// ChargePointMaxProfiles, then per connector its TxProfiles and its TxDefaultProfiles.
struct Layers {
    /// Connector 0: the connectors' limits are summed up.
    station: bool,
    /// The connectors summed up (connector 0) or the one connector asked for.
    connectors: usize,
    layers: Vec<Vec<Entry>>,
    /// Whether any profile bears on the composite at all.
    any_profile: bool,
}

impl ChargingProfiles {
    /// GetCompositeSchedule (OCPP 1.6 §5.7), as libocpp's `handleGetCompositeScheduleRequest`:
    /// `Rejected` for an unknown connector or a unit not in
    /// ChargingScheduleAllowedChargingRateUnit; otherwise the composite from `now` (rounded down
    /// to the second) for the requested duration, cut to MaxCompositeScheduleDuration, in the
    /// requested unit or else the first allowed one. The schedule's minChargingRate is left out
    /// (libocpp sets none).
    pub fn get_composite_schedule(
        &self,
        request: &GetCompositeScheduleRequest,
        now: DateTime,
        offline: bool,
        settings: &SmartChargingSettings,
        transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
    ) -> GetCompositeScheduleResponse {
        let rejected = GetCompositeScheduleResponse {
            status: GetCompositeScheduleStatus::Rejected,
            connector_id: None,
            schedule_start: None,
            charging_schedule: None,
        };
        if !(0..=self.number_of_connectors()).contains(&request.connector_id) {
            return rejected;
        }
        let unit = match request.charging_rate_unit {
            Some(unit) if !settings.allowed_rate_units.contains(&unit) => return rejected,
            Some(unit) => unit,
            None => settings
                .allowed_rate_units
                .first()
                .copied()
                .unwrap_or(ChargingRateUnit::A),
        };
        let start = date_time(secs(now), now);
        let query = CompositeQuery {
            connector_id: request.connector_id,
            start,
            duration: request.duration.min(settings.max_composite_duration),
            unit,
            ignored_purposes: settings.ignored_purposes(offline),
        };
        GetCompositeScheduleResponse {
            status: GetCompositeScheduleStatus::Accepted,
            connector_id: Some(request.connector_id),
            schedule_start: Some(start),
            charging_schedule: Some(self.composite_schedule(&query, settings, transactions)),
        }
    }

    /// The composite schedule of `query.connector_id` from `query.start` for `query.duration`
    /// seconds (negative counts as 0) in `query.unit`, adjacent periods with the same limit and
    /// phases merged. Its startSchedule is the start rounded down to the second, its duration
    /// the length; it always has at least one period.
    pub fn composite_schedule(
        &self,
        query: &CompositeQuery<'_>,
        settings: &SmartChargingSettings,
        transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
    ) -> ChargingSchedule {
        let start = secs(query.start);
        let duration = query.duration.max(0);
        let end = start + i64::from(duration);
        let layers = self.layers(
            query.connector_id,
            start,
            end,
            query.ignored_purposes,
            transactions,
        );
        let mut periods: Vec<ChargingSchedulePeriod> = Vec::new();
        for (at, limits) in sweep(&layers, start, end, settings) {
            let limit = limits.in_unit(query.unit, settings);
            if periods
                .last()
                .is_some_and(|p| p.limit == limit && p.number_phases == limits.phases)
            {
                continue;
            }
            periods.push(ChargingSchedulePeriod {
                start_period: i32::try_from(at - start).unwrap_or(i32::MAX),
                limit,
                number_phases: limits.phases,
            });
        }
        ChargingSchedule {
            duration: Some(duration),
            start_schedule: Some(date_time(start, query.start)),
            charging_rate_unit: query.unit,
            charging_schedule_period: periods,
            min_charging_rate: None,
        }
    }

    /// The limit in force on `connector_id` at `now`, in amperes and in watts, and when it next
    /// changes: the first period of the composite schedule from `now`, with the purposes
    /// IgnoredProfilePurposesOffline names left out while `offline`.
    pub fn active_limit(
        &self,
        connector_id: i32,
        now: DateTime,
        offline: bool,
        settings: &SmartChargingSettings,
        transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
    ) -> ActiveLimit {
        let start = secs(now);
        let end = start + ACTIVE_LIMIT_HORIZON;
        let ignored = settings.ignored_purposes(offline);
        let layers = self.layers(connector_id, start, end, ignored, transactions);
        let view = |l: &Limits| {
            (
                l.in_unit(ChargingRateUnit::A, settings),
                l.in_unit(ChargingRateUnit::W, settings),
                l.phases,
                l.min_rate_in(ChargingRateUnit::A, settings),
            )
        };
        let segments = sweep(&layers, start, end, settings);
        let first = segments.first().map_or(Limits::NONE, |(_, l)| *l);
        let changes_at = segments
            .iter()
            .find(|(_, l)| view(l) != view(&first))
            .map(|(at, _)| *at)
            .or(layers.any_profile.then_some(end));
        ActiveLimit {
            amps: first.in_unit(ChargingRateUnit::A, settings),
            watts: first.in_unit(ChargingRateUnit::W, settings),
            number_phases: first.phases,
            limited: first.limited,
            min_charging_rate_amps: first.min_rate_in(ChargingRateUnit::A, settings),
            min_charging_rate_watts: first.min_rate_in(ChargingRateUnit::W, settings),
            next_change: changes_at.map(|at| date_time(at, now)),
        }
    }

    /// The periods bearing on the composite of `connector_id` from `start` to `end`, as libocpp's
    /// `get_valid_profiles`: TxProfiles only when they name no transaction or that of the
    /// running one; Relative schedules from the transaction's start, else from `start`.
    fn layers(
        &self,
        connector_id: i32,
        start: i64,
        end: i64,
        ignored: &[ChargingProfilePurpose],
        transactions: &dyn Fn(i32) -> Option<ActiveTransaction>,
    ) -> Layers {
        let connectors: Vec<i32> = if connector_id == 0 {
            (1..=self.number_of_connectors()).collect()
        } else {
            vec![connector_id]
        };
        let mut layers = vec![Vec::new(); 1 + 2 * connectors.len()];
        let mut any_profile = false;
        let sessions: Vec<Option<ActiveTransaction>> =
            connectors.iter().map(|&c| transactions(c)).collect();
        for installed in self.installed() {
            let profile = &installed.profile;
            let purpose = profile.charging_profile_purpose;
            if ignored.contains(&purpose) {
                continue;
            }
            if purpose == ChargingProfilePurpose::ChargePointMaxProfile {
                any_profile = true;
                if let Some(layer) = layers.get_mut(0) {
                    entries(profile, start, end, None, false, layer);
                }
                continue;
            }
            for (k, (&c, session)) in connectors.iter().zip(&sessions).enumerate() {
                let on_connector = installed.connector_id == c;
                let layer = match purpose {
                    ChargingProfilePurpose::TxProfile if on_connector => {
                        let running = session.and_then(|s| s.transaction_id);
                        if profile.transaction_id.is_some_and(|id| Some(id) != running) {
                            continue;
                        }
                        1 + 2 * k
                    }
                    ChargingProfilePurpose::TxDefaultProfile
                        if on_connector || installed.connector_id == 0 =>
                    {
                        2 + 2 * k
                    }
                    _ => continue,
                };
                any_profile = true;
                let session_start = session.map(|s| secs(s.started));
                if let Some(layer) = layers.get_mut(layer) {
                    entries(profile, start, end, session_start, on_connector, layer);
                }
            }
        }
        Layers {
            station: connector_id == 0,
            connectors: connectors.len(),
            layers,
            any_profile,
        }
    }
}

/// The limits from `start` to `end`, as (first second, limits) in time order, a new element
/// wherever they change; the first starts at `start`.
fn sweep(
    layers: &Layers,
    start: i64,
    end: i64,
    settings: &SmartChargingSettings,
) -> Vec<(i64, Limits)> {
    // (time, layer, entry index, starts): every period enters at its start (or at `start`)
    // and leaves at its end.
    let mut events: Vec<(i64, usize, usize, bool)> = Vec::new();
    for (l, layer) in layers.layers.iter().enumerate() {
        for (i, e) in layer.iter().enumerate() {
            if e.start < end {
                events.push((e.start.max(start), l, i, true));
                if e.end < end {
                    events.push((e.end, l, i, false));
                }
            }
        }
    }
    events.sort_unstable_by_key(|&(at, _, _, _)| at);
    // Per layer the periods in force, ordered so that the last one wins: highest stack level,
    // then a connector's own TxDefaultProfile over the station's.
    let mut active: Vec<BTreeSet<(i32, bool, usize)>> = vec![BTreeSet::new(); layers.layers.len()];
    let mut out: Vec<(i64, Limits)> = Vec::new();
    let mut next = 0;
    let mut at = start;
    loop {
        while let Some(&(t, l, i, starts)) = events.get(next) {
            if t > at {
                break;
            }
            if let (Some(set), Some(e)) = (
                active.get_mut(l),
                layers.layers.get(l).and_then(|x| x.get(i)),
            ) {
                let key = (e.stack_level, e.specific, i);
                if starts {
                    set.insert(key);
                } else {
                    set.remove(&key);
                }
            }
            next += 1;
        }
        let limits = evaluate(layers, &active, settings);
        if out.last().is_none_or(|(_, last)| *last != limits) {
            out.push((at, limits));
        }
        match events.get(next) {
            Some(&(t, ..)) if t < end => at = t,
            _ => break,
        }
    }
    out
}

/// The limits while `active` periods are in force.
fn evaluate(
    layers: &Layers,
    active: &[BTreeSet<(i32, bool, usize)>],
    settings: &SmartChargingSettings,
) -> Limits {
    let top = |l: usize| -> Option<&Entry> {
        let (_, _, i) = active.get(l)?.last()?;
        layers.layers.get(l)?.get(*i)
    };
    // Per connector: its TxProfile where it has one, else its TxDefaultProfile.
    let connector = |k: usize| top(1 + 2 * k).or_else(|| top(2 + 2 * k));
    let mut limits = Limits::NONE;
    if !layers.station {
        if let Some(e) = connector(0) {
            limits.lower_by(e);
            limits.min_rate = e.min_rate.map(|r| (r, e.unit));
        }
    } else if layers.connectors > 0 {
        // Connector 0: what all connectors may draw together, a connector without a limit
        // counting as the default limits, phases the most any connector uses.
        let (mut amps, mut watts, mut phases) = (0.0, 0.0, None);
        let mut limited = false;
        for k in 0..layers.connectors {
            let e = connector(k);
            limited |= e.is_some();
            let limit_in = |unit| e.filter(|e| e.unit == unit).map(|e| e.limit);
            amps += limit_in(ChargingRateUnit::A).unwrap_or(settings.default_limit_amps);
            watts += limit_in(ChargingRateUnit::W).unwrap_or(settings.default_limit_watts);
            if let Some(p) = e.and_then(|e| e.phases) {
                phases = Some(phases.map_or(p, |q: i32| q.max(p)));
            }
        }
        limits = Limits {
            amps: Some(amps),
            watts: Some(watts),
            phases,
            min_rate: None,
            limited,
        };
    }
    if let Some(e) = top(0) {
        limits.lower_by(e);
    }
    limits
}
