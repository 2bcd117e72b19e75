//! The local time of what is shown to drivers (whitepaper §3.3 "Timezone for Display"): OCPP
//! 1.6 times are UTC, so TimeOffset says how far the station's displayed clock is from it, and
//! NextTimeOffsetTransitionDateTime / TimeOffsetNextTransition the next daylight-saving
//! change. At that moment TimeOffset takes TimeOffsetNextTransition's value, stored like a
//! change of the central system's (libocpp's `set_time_offset_timer`, armed at start and when
//! the central system changes NextTimeOffsetTransitionDateTime).
//!
//! libocpp also shifts a RunningCost's atTime trigger by TimeOffset. Not here: atTime is an
//! RFC 3339 date-time (the decoder refuses one without its zone), so it names one instant
//! already, and shifting it would send the meter value hours off in California (-08:00).

use std::time::Duration;

use chrono::{FixedOffset, NaiveDateTime, Utc};
use ocpp_types::DateTime;
use serde_json::Value;

use super::super::{ChargePoint, Now, StationCommand};

/// A time offset as the CostAndPrice keys write it (`+01:00`, `-08:00`, `02:00`); `None` for
/// anything else (the configuration checks the form on ChangeConfiguration).
pub(crate) fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let negative = hours.starts_with('-');
    let hours: i32 = hours.trim_start_matches(['+', '-']).parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    let seconds = (hours * 60 + minutes) * 60;
    FixedOffset::east_opt(if negative { -seconds } else { seconds })
}

/// NextTimeOffsetTransitionDateTime: RFC 3339, or without a zone read as UTC (libocpp's
/// example configs write it so).
pub(crate) fn parse_transition(text: &str) -> Option<chrono::DateTime<Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

impl ChargePoint {
    /// The offset of the local time at `t`: TimeOffsetNextTransition from
    /// NextTimeOffsetTransitionDateTime on while that transition is ahead, TimeOffset
    /// otherwise; `None` without a TimeOffset. A transition date already past when the station
    /// started never applied (libocpp arms no timer for it), so TimeOffset is in force then, as
    /// in EVerest's libocpp-config-costandprice.json (2024-01-01, next offset 01:00).
    pub(crate) fn offset_at(&self, t: DateTime) -> Option<FixedOffset> {
        let config = self.pricing_config()?;
        let pending = self.cost_and_price.transition.is_some();
        let transition = config
            .next_time_offset_transition_date_time
            .as_deref()
            .and_then(parse_transition);
        let next = config
            .time_offset_next_transition
            .as_deref()
            .and_then(parse_offset);
        match (transition, next) {
            (Some(at), Some(next)) if pending && t.to_chrono() >= at => Some(next),
            _ => config.time_offset.as_deref().and_then(parse_offset),
        }
    }

    /// `t` in the local time of the station's display, RFC 3339 with its offset
    /// (`2026-11-24T11:00:00-08:00`); `None` when no TimeOffset is configured.
    pub(crate) fn local_time(&self, t: DateTime) -> Option<String> {
        let offset = self.offset_at(t)?;
        Some(
            t.to_chrono()
                .with_timezone(&offset)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        )
    }

    /// Arms the time offset transition at NextTimeOffsetTransitionDateTime, if it lies ahead
    /// (libocpp arms nothing for a date in the past).
    pub(crate) fn arm_time_offset_transition(&mut self, now: Now) {
        let at = self
            .pricing_config()
            .and_then(|c| c.next_time_offset_transition_date_time.as_deref())
            .and_then(parse_transition);
        let wait = at.and_then(|at| {
            let millis = at.timestamp_millis() - self.clock(now).unix_millis();
            u64::try_from(millis).ok().filter(|m| *m > 0)
        });
        self.cost_and_price.transition = wait.map(|m| now.instant + Duration::from_millis(m));
    }

    /// At NextTimeOffsetTransitionDateTime TimeOffset becomes TimeOffsetNextTransition.
    pub(crate) fn time_offset_timer(&mut self, now: Now) {
        if self
            .cost_and_price
            .transition
            .is_none_or(|at| at > now.instant)
        {
            return;
        }
        self.cost_and_price.transition = None;
        let Some(next) = self
            .pricing_config()
            .and_then(|c| c.time_offset_next_transition.clone())
        else {
            return;
        };
        tracing::info!(time_offset = %next, "NextTimeOffsetTransitionDateTime reached: TimeOffset changes");
        match self.config.set_by_station("TimeOffset", Value::from(next)) {
            Ok(Some(change)) => self
                .commands
                .push_back(StationCommand::ApplyConfigurationChange(change)),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "TimeOffset not changed at the transition"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_transitions_parse_as_the_keys_write_them() {
        assert_eq!(parse_offset("+01:00"), FixedOffset::east_opt(3600));
        assert_eq!(parse_offset("-08:00"), FixedOffset::east_opt(-8 * 3600));
        assert_eq!(
            parse_offset("-05:30"),
            FixedOffset::east_opt(-(5 * 60 + 30) * 60)
        );
        assert_eq!(parse_offset("02:00"), FixedOffset::east_opt(7200));
        assert_eq!(parse_offset("00:00"), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("2"), None);
        assert_eq!(
            parse_transition("2024-01-01T00:00:00").map(|t| t.to_rfc3339()),
            Some("2024-01-01T00:00:00+00:00".to_owned())
        );
        assert_eq!(
            parse_transition("2026-03-08T10:00:00Z").map(|t| t.to_rfc3339()),
            Some("2026-03-08T10:00:00+00:00".to_owned())
        );
        assert_eq!(parse_transition("soon"), None);
    }
}
