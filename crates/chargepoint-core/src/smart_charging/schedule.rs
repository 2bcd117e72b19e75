//! When each period of one profile applies, on whole seconds since the Unix epoch: libocpp's
//! `calculate_start`, `calculate_profile_entry` and `period_entry_t::validate`
//! (lib/ocpp/v16/profile.cpp).

use ocpp_types::charging_profile::{
    ChargingProfile, ChargingProfileKind, ChargingRateUnit, RecurrencyKind,
};
use ocpp_types::DateTime;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;
/// Seconds in a week.
pub(crate) const WEEK: i64 = 7 * DAY;
/// A period without end: libocpp's `std::numeric_limits<int>::max()` seconds.
const FOREVER: i64 = i32::MAX as i64;

/// Whole seconds since the Unix epoch, rounded down (libocpp's `floor_seconds`).
pub(crate) fn secs(t: DateTime) -> i64 {
    t.unix_millis().div_euclid(1000)
}

/// The date-time of whole seconds since the epoch (`fallback` if out of range, which a time
/// computed from valid date-times within a few centuries never is).
pub(crate) fn date_time(secs: i64, fallback: DateTime) -> DateTime {
    secs.checked_mul(1000)
        .and_then(DateTime::from_unix_millis)
        .unwrap_or(fallback)
}

/// One period of one profile placed in time: libocpp's `period_entry_t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    /// First second it applies.
    pub start: i64,
    /// First second it no longer applies.
    pub end: i64,
    /// The limit, in `unit`.
    pub limit: f64,
    /// The unit of the limit.
    pub unit: ChargingRateUnit,
    /// The period's numberPhases.
    pub phases: Option<i32>,
    /// The profile's stackLevel.
    pub stack_level: i32,
    /// The schedule's minChargingRate, in `unit`.
    pub min_rate: Option<f64>,
    /// Installed on the connector itself, not on connector 0: wins a tie at the same stack level
    /// against a TxDefaultProfile of the whole station (see `profiles.rs`).
    pub specific: bool,
}

/// The moments the schedule of `profile` starts, for a composite from `now` to `end`
/// (libocpp's `calculate_start`). Relative schedules start with the session, or at `now` when
/// there is none; Recurring ones at every day or week from startSchedule, from the occurrence in
/// force at `now` (which may lie before startSchedule: libocpp extends the recurrence backwards,
/// validFrom is what bounds it) until `end`.
fn occurrences(
    profile: &ChargingProfile,
    now: i64,
    end: i64,
    session_start: Option<i64>,
) -> Vec<i64> {
    let schedule = &profile.charging_schedule;
    match profile.charging_profile_kind {
        ChargingProfileKind::Absolute => {
            // An Absolute profile without startSchedule is rejected on installation unless
            // AllowChargingProfileWithoutStartSchedule filled it in; libocpp still falls back to
            // validFrom, then to now.
            let start = schedule
                .start_schedule
                .or(profile.valid_from)
                .map_or(now, secs);
            vec![start]
        }
        ChargingProfileKind::Recurring => {
            let (Some(kind), Some(start_schedule)) =
                (profile.recurrency_kind, schedule.start_schedule)
            else {
                return Vec::new();
            };
            let period = match kind {
                RecurrencyKind::Daily => DAY,
                RecurrencyKind::Weekly => WEEK,
            };
            let mut start = now - (now - secs(start_schedule)).rem_euclid(period);
            let mut out = Vec::new();
            while start <= end {
                out.push(start);
                start += period;
            }
            out
        }
        ChargingProfileKind::Relative => vec![session_start.unwrap_or(now)],
    }
}

/// Appends to `out` every entry of `profile` that matters for a composite from `now` to `end`
/// (libocpp's `calculate_profile_unsorted`): each period at each occurrence, ending at the
/// soonest of the next period, the schedule's duration, the next occurrence and validTo, starting
/// no earlier than validFrom; entries over before `now` or starting after `end` are left out.
pub(crate) fn entries(
    profile: &ChargingProfile,
    now: i64,
    end: i64,
    session_start: Option<i64>,
    specific: bool,
    out: &mut Vec<Entry>,
) {
    let schedule = &profile.charging_schedule;
    let periods = &schedule.charging_schedule_period;
    let starts = occurrences(profile, now, end, session_start);
    let valid_from = profile.valid_from.map(secs);
    let valid_to = profile.valid_to.map(secs);
    for (index, period) in periods.iter().enumerate() {
        // Installation refuses such schedules; libocpp skips the offending period the same way.
        let out_of_order = match index.checked_sub(1).and_then(|i| periods.get(i)) {
            None => period.start_period != 0,
            Some(previous) => previous.start_period >= period.start_period,
        };
        if out_of_order {
            continue;
        }
        let next_period = periods.get(index + 1).map(|p| i64::from(p.start_period));
        for (i, &occurrence) in starts.iter().enumerate() {
            let mut duration = next_period.unwrap_or(FOREVER);
            if let Some(d) = schedule.duration {
                duration = duration.min(i64::from(d));
            }
            if let Some(next) = starts.get(i + 1) {
                duration = duration.min(next - occurrence);
            }
            if let Some(to) = valid_to {
                duration = duration.min(to - occurrence);
            }
            let mut entry = Entry {
                start: occurrence + i64::from(period.start_period),
                end: occurrence + duration,
                limit: period.limit,
                unit: schedule.charging_rate_unit,
                phases: period.number_phases,
                stack_level: profile.stack_level,
                min_rate: schedule.min_charging_rate,
                specific,
            };
            // period_entry_t::validate: validFrom moves the start, or drops the entry.
            if let Some(from) = valid_from {
                if from > entry.start {
                    if from >= entry.end {
                        continue;
                    }
                    entry.start = from;
                }
            }
            if entry.end > entry.start && entry.end > now && entry.start <= end {
                out.push(entry);
            }
        }
    }
}
