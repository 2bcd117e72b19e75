//! The scenario file of `ferrocharge fleet --scenario FILE` (YAML, docs/fleet.md): what the
//! simulated drivers do, checked whole before any station starts.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use serde::Deserialize;

/// The largest scenario file read: a scenario is a few lines.
const MAX_FILE: u64 = 64 * 1024;

/// The longest a scenario may run, or a session last: beyond a load test.
const MAX_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The most sessions per hour per connector: one every 10 s, past any real charger.
const MAX_RATE: f64 = 360.0;

/// What the fleet's drivers do.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// How long sessions start, from the end of the ramp-up.
    pub duration: Duration,
    /// Sessions per hour per connector (Poisson arrivals).
    pub sessions_per_hour: f64,
    /// The share of connectors (0 to 1) that start a session as soon as their station is
    /// booted, so a test reaches its load without waiting for arrivals.
    pub sessions_at_start: f64,
    /// How long a session lasts, uniformly between the two.
    pub session_length: (Duration, Duration),
    /// The idTags presented, one picked at random per session.
    pub tags: Vec<String>,
    /// Times some stations go offline.
    pub offline_windows: Vec<OfflineWindow>,
    /// The CSMS-initiated actions the test expects; any other is reported as unexpected.
    pub expected_csms_calls: Vec<String>,
    /// The car: A per phase it draws at most, and on how many phases.
    pub car_max_current_a: Option<f64>,
    /// 1 or 3.
    pub car_phases: Option<u8>,
    /// The seed of every random choice (`--seed` goes over it).
    pub seed: u64,
}

/// Some stations offline for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineWindow {
    /// From the end of the ramp-up.
    pub after: Duration,
    /// How long.
    pub lasts: Duration,
    /// The share of stations (0 to 1), picked at random by the seed.
    pub share: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    duration: RawDuration,
    #[serde(default)]
    sessions_per_hour: f64,
    #[serde(default)]
    sessions_at_start: f64,
    session_length: Option<RawLength>,
    tags: Vec<String>,
    #[serde(default)]
    offline_windows: Vec<RawWindow>,
    #[serde(default)]
    expected_csms_calls: Vec<String>,
    #[serde(default)]
    car: Option<RawCar>,
    #[serde(default)]
    seed: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLength {
    min: RawDuration,
    max: RawDuration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    after: RawDuration,
    #[serde(rename = "for")]
    lasts: RawDuration,
    share: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCar {
    max_current_a: Option<f64>,
    phases: Option<u8>,
}

/// A duration: seconds as a number, or a number with `ms`, `s`, `m` or `h`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDuration {
    Seconds(f64),
    Text(String),
}

impl RawDuration {
    fn get(&self, what: &str) -> anyhow::Result<Duration> {
        match self {
            RawDuration::Seconds(s) => seconds(*s, what),
            RawDuration::Text(t) => parse_duration(t).with_context(|| what.to_owned()),
        }
    }
}

fn seconds(s: f64, what: &str) -> anyhow::Result<Duration> {
    if !s.is_finite() || s < 0.0 || s > MAX_DURATION.as_secs_f64() {
        bail!(
            "{what}: {s} s is not a duration from 0 to {} days",
            MAX_DURATION.as_secs() / 86400
        );
    }
    Ok(Duration::from_secs_f64(s))
}

/// `90`, `90s`, `1.5m`, `2h`, `250ms`: a duration from 0 to 30 days.
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let factor = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => bail!("{text:?} is not a duration (a number with ms, s, m or h)"),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{text:?} is not a duration (a number with ms, s, m or h)"))?;
    seconds(value * factor, &format!("{text:?}"))
}

fn share(value: f64, what: &str) -> anyhow::Result<f64> {
    if !(0.0..=1.0).contains(&value) {
        bail!("{what}: {value} is not a share from 0 to 1");
    }
    Ok(value)
}

impl Scenario {
    /// Reads and checks the scenario at `path`.
    pub fn read(path: &Path) -> anyhow::Result<Scenario> {
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read the scenario {}", path.display()))?
            .len();
        if size > MAX_FILE {
            bail!(
                "the scenario {} is {size} bytes: at most {MAX_FILE}",
                path.display()
            );
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the scenario {}", path.display()))?;
        Scenario::parse(&text).with_context(|| format!("scenario {}", path.display()))
    }

    /// Parses and checks a scenario.
    pub fn parse(text: &str) -> anyhow::Result<Scenario> {
        let raw: RawScenario = serde_yaml_ng::from_str(text)?;
        let duration = raw.duration.get("duration")?;
        if !raw.sessions_per_hour.is_finite()
            || raw.sessions_per_hour < 0.0
            || raw.sessions_per_hour > MAX_RATE
        {
            bail!(
                "sessions_per_hour: {} is not a rate from 0 to {MAX_RATE} per connector",
                raw.sessions_per_hour
            );
        }
        let sessions_at_start = share(raw.sessions_at_start, "sessions_at_start")?;
        let wants_sessions = raw.sessions_per_hour > 0.0 || sessions_at_start > 0.0;
        let session_length = match raw.session_length {
            Some(l) => {
                let (min, max) = (
                    l.min.get("session_length.min")?,
                    l.max.get("session_length.max")?,
                );
                if min > max || min.is_zero() {
                    bail!("session_length: needs 0 < min <= max");
                }
                (min, max)
            }
            None if wants_sessions => bail!("session_length: missing ({{min: 5m, max: 30m}})"),
            None => (Duration::from_secs(1), Duration::from_secs(1)),
        };
        if wants_sessions && raw.tags.is_empty() {
            bail!("tags: at least one idTag is needed to start sessions");
        }
        for tag in &raw.tags {
            if tag.is_empty() || tag.len() > 20 || !tag.chars().all(|c| c.is_ascii_graphic()) {
                bail!("tags: {tag:?} is not an idTag (1 to 20 printable ASCII characters)");
            }
        }
        let mut offline_windows = Vec::new();
        for (i, w) in raw.offline_windows.iter().enumerate() {
            let what = format!("offline_windows[{i}]");
            offline_windows.push(OfflineWindow {
                after: w.after.get(&format!("{what}.after"))?,
                lasts: w.lasts.get(&format!("{what}.for"))?,
                share: share(w.share, &format!("{what}.share"))?,
            });
        }
        for action in &raw.expected_csms_calls {
            if action.parse::<ocpp_types::Action>().is_err() {
                bail!("expected_csms_calls: {action:?} is not an OCPP 1.6 action");
            }
        }
        let (car_max_current_a, car_phases) = match raw.car {
            None => (None, None),
            Some(car) => {
                if let Some(a) = car.max_current_a {
                    if !a.is_finite() || !(6.0..=80.0).contains(&a) {
                        bail!("car.max_current_a: {a} is not a current from 6 to 80 A");
                    }
                }
                if let Some(p) = car.phases {
                    if p != 1 && p != 3 {
                        bail!("car.phases: {p}: 1 or 3");
                    }
                }
                (car.max_current_a, car.phases)
            }
        };
        Ok(Scenario {
            duration,
            sessions_per_hour: raw.sessions_per_hour,
            sessions_at_start,
            session_length,
            tags: raw.tags,
            offline_windows,
            expected_csms_calls: raw.expected_csms_calls,
            car_max_current_a,
            car_phases,
            seed: raw.seed,
        })
    }

    /// No sessions, no offline windows: the stations connect and heartbeat for `duration`
    /// (forever when `None`, until Ctrl-C).
    pub fn idle(duration: Option<Duration>) -> Scenario {
        Scenario {
            duration: duration.unwrap_or(MAX_DURATION),
            sessions_per_hour: 0.0,
            sessions_at_start: 0.0,
            session_length: (Duration::from_secs(1), Duration::from_secs(1)),
            tags: Vec::new(),
            offline_windows: Vec::new(),
            expected_csms_calls: Vec::new(),
            car_max_current_a: None,
            car_phases: None,
            seed: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "
duration: 10m
sessions_per_hour: 2
sessions_at_start: 0.1
session_length: {min: 30s, max: 1.5m}
tags: [DEADBEEF, ABC12345]
offline_windows:
  - {after: 2m, for: 30, share: 0.25}
expected_csms_calls: [TriggerMessage]
car: {max_current_a: 16, phases: 3}
seed: 7
";

    #[test]
    fn a_scenario_reads_whole() {
        let s = Scenario::parse(GOOD).unwrap();
        assert_eq!(s.duration, Duration::from_secs(600));
        assert_eq!(s.sessions_per_hour, 2.0);
        assert_eq!(s.sessions_at_start, 0.1);
        assert_eq!(
            s.session_length,
            (Duration::from_secs(30), Duration::from_secs(90))
        );
        assert_eq!(s.tags, ["DEADBEEF", "ABC12345"]);
        assert_eq!(
            s.offline_windows,
            [OfflineWindow {
                after: Duration::from_secs(120),
                lasts: Duration::from_secs(30),
                share: 0.25
            }]
        );
        assert_eq!(s.expected_csms_calls, ["TriggerMessage"]);
        assert_eq!((s.car_max_current_a, s.car_phases), (Some(16.0), Some(3)));
        assert_eq!(s.seed, 7);
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        for bad in ["", "x", "5d", "-1s", "NaN", "1e300s", "31d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_scenarios_say_what_is_wrong() {
        for (edit, reason) in [
            (
                ("sessions_per_hour: 2", "sessions_per_hour: 1000"),
                "sessions_per_hour",
            ),
            (
                ("sessions_per_hour: 2", "sessions_per_hour: -1"),
                "sessions_per_hour",
            ),
            (
                ("sessions_at_start: 0.1", "sessions_at_start: 2"),
                "sessions_at_start",
            ),
            (("min: 30s", "min: 3m"), "min <= max"),
            (("min: 30s", "min: 0"), "min <= max"),
            (("[DEADBEEF, ABC12345]", "[]"), "at least one idTag"),
            (
                ("[DEADBEEF, ABC12345]", "[THIS_TAG_IS_FAR_TOO_LONG]"),
                "not an idTag",
            ),
            (("share: 0.25", "share: 1.5"), "share"),
            (("for: 30", "for: soon"), "offline_windows[0].for"),
            (("[TriggerMessage]", "[Explode]"), "not an OCPP 1.6 action"),
            (("phases: 3", "phases: 2"), "car.phases"),
            (
                ("max_current_a: 16", "max_current_a: 500"),
                "car.max_current_a",
            ),
            (("seed: 7", "seed: 7\nspeed: 3"), "unknown field"),
            (("duration: 10m", "duration: forever"), "duration"),
        ] {
            let text = GOOD.replace(edit.0, edit.1);
            assert_ne!(text, GOOD, "{edit:?}");
            let error = format!("{:#}", Scenario::parse(&text).unwrap_err());
            assert!(error.contains(reason), "{edit:?}: {error}");
        }
    }
}
