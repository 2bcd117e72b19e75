//! Reconnect back-off, as libocpp's `WebsocketBase::get_reconnect_interval`, sans-IO.
//!
//! With `Internal.RetryBackoffWaitMinimum` (m), `RetryBackoffRandomRange` (r) and
//! `RetryBackoffRepeatTimes` (n): the first wait is `m + rand[0, r]`, each next one is
//! `previous * 2 + rand[0, r]`, and after `n` doublings the wait stays as it is, forever.
//! A successful connection starts the sequence again.
//!
//! Departure: libocpp draws the random part in whole seconds; here it is drawn in
//! milliseconds over the same range, so stations that lost the CSMS together do not come back
//! in one-second lockstep. The bounds are libocpp's.

use std::time::Duration;

/// The back-off settings (libocpp's Internal keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffConfig {
    /// `Internal.RetryBackoffWaitMinimum` (default 3 s).
    pub wait_minimum: Duration,
    /// `Internal.RetryBackoffRandomRange` (default 10 s): the random part is drawn from
    /// `0..=random_range`.
    pub random_range: Duration,
    /// `Internal.RetryBackoffRepeatTimes` (default 3): how many times the wait doubles.
    pub repeat_times: u32,
}

impl Default for BackoffConfig {
    fn default() -> BackoffConfig {
        BackoffConfig {
            wait_minimum: Duration::from_secs(3),
            random_range: Duration::from_secs(10),
            repeat_times: 3,
        }
    }
}

impl BackoffConfig {
    /// From the configuration values in seconds; negative values count as 0.
    pub fn from_seconds(wait_minimum: i64, random_range: i64, repeat_times: i64) -> BackoffConfig {
        let secs = |v: i64| Duration::from_secs(u64::try_from(v).unwrap_or(0));
        BackoffConfig {
            wait_minimum: secs(wait_minimum),
            random_range: secs(random_range),
            repeat_times: u32::try_from(repeat_times.max(0)).unwrap_or(u32::MAX),
        }
    }
}

/// A source of the random part: returns a number in `0..=max` (milliseconds).
pub trait Jitter {
    /// A number from `0` to `max`, both included.
    fn up_to(&mut self, max: u64) -> u64;
}

impl Jitter for fastrand::Rng {
    fn up_to(&mut self, max: u64) -> u64 {
        self.u64(0..=max)
    }
}

/// The back-off sequence of one run of failed attempts.
#[derive(Debug, Clone)]
pub struct Backoff {
    config: BackoffConfig,
    /// Waits handed out since the last reset.
    waits: u32,
    last: Duration,
}

impl Backoff {
    /// A fresh sequence.
    pub fn new(config: BackoffConfig) -> Backoff {
        Backoff {
            config,
            waits: 0,
            last: Duration::ZERO,
        }
    }

    /// The settings.
    pub fn config(&self) -> BackoffConfig {
        self.config
    }

    /// Starts the sequence again (after a successful connection, or new options).
    pub fn reset(&mut self) {
        self.waits = 0;
        self.last = Duration::ZERO;
    }

    /// Replaces the settings and starts again.
    pub fn set_config(&mut self, config: BackoffConfig) {
        self.config = config;
        self.reset();
    }

    /// The wait before the next attempt.
    pub fn next_wait(&mut self, jitter: &mut impl Jitter) -> Duration {
        if self.waits > self.config.repeat_times {
            return self.last;
        }
        let range_ms = u64::try_from(self.config.random_range.as_millis()).unwrap_or(u64::MAX);
        let random = Duration::from_millis(jitter.up_to(range_ms));
        self.last = if self.waits == 0 {
            self.config.wait_minimum.saturating_add(random)
        } else {
            self.last.saturating_mul(2).saturating_add(random)
        };
        self.waits += 1;
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out scripted numbers, clamped to the range, and records the ranges asked for.
    struct Scripted {
        values: Vec<u64>,
        asked: Vec<u64>,
    }

    impl Jitter for Scripted {
        fn up_to(&mut self, max: u64) -> u64 {
            self.asked.push(max);
            let v = if self.values.is_empty() {
                0
            } else {
                self.values.remove(0)
            };
            v.min(max)
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn libocpp_defaults_sequence() {
        let mut backoff = Backoff::new(BackoffConfig::default());
        let mut rng = Scripted {
            values: vec![2_000, 5_000, 0, 10_000, 7_000],
            asked: vec![],
        };
        let waits: Vec<_> = (0..7).map(|_| backoff.next_wait(&mut rng)).collect();
        // 3+2, 5*2+5, 15*2+0, 30*2+10, then constant.
        assert_eq!(
            waits,
            [
                secs(5),
                secs(15),
                secs(30),
                secs(70),
                secs(70),
                secs(70),
                secs(70)
            ]
        );
        assert_eq!(rng.asked, [10_000; 4]);
    }

    #[test]
    fn reset_starts_again() {
        let mut backoff = Backoff::new(BackoffConfig::from_seconds(1, 0, 2));
        let mut rng = Scripted {
            values: vec![],
            asked: vec![],
        };
        let waits: Vec<_> = (0..4).map(|_| backoff.next_wait(&mut rng)).collect();
        assert_eq!(waits, [secs(1), secs(2), secs(4), secs(4)]);
        backoff.reset();
        assert_eq!(backoff.next_wait(&mut rng), secs(1));
    }

    #[test]
    fn zero_repeats_is_constant() {
        let mut backoff = Backoff::new(BackoffConfig::from_seconds(2, 0, 0));
        let mut rng = fastrand::Rng::with_seed(7);
        let waits: Vec<_> = (0..3).map(|_| backoff.next_wait(&mut rng)).collect();
        assert_eq!(waits, [secs(2); 3]);
    }

    #[test]
    fn seeded_rng_stays_in_bounds_and_repeats() {
        let config = BackoffConfig::default();
        let run = |seed| {
            let mut backoff = Backoff::new(config);
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..6)
                .map(|_| backoff.next_wait(&mut rng))
                .collect::<Vec<_>>()
        };
        let waits = run(42);
        assert_eq!(waits, run(42));
        let (mut low, mut high) = (secs(3), secs(13));
        for (i, wait) in waits.iter().enumerate() {
            assert!(
                low <= *wait && *wait <= high,
                "wait {i}: {wait:?} not in {low:?}..={high:?}"
            );
            if i < 3 {
                low = *wait * 2;
                high = *wait * 2 + secs(10);
            } else {
                low = *wait;
                high = *wait;
            }
        }
    }

    #[test]
    fn negative_settings_count_as_zero() {
        let config = BackoffConfig::from_seconds(-1, -5, -3);
        assert_eq!(
            config,
            BackoffConfig {
                wait_minimum: Duration::ZERO,
                random_range: Duration::ZERO,
                repeat_times: 0
            }
        );
    }
}
