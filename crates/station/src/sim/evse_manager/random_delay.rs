//! The UK random delay (The Electric Vehicles (Smart Charge Points) Regulations 2021, as
//! everest-core's EvseManager implements them in `energy_grid/energyImpl.cpp` and its
//! `random_delay` implementation of the `uk_random_delay` interface): when the current the
//! EVSE may offer changes while a session wants energy, the change takes effect only after a
//! random delay of up to `max_duration` (600 s by default), so that chargers do not all switch
//! at the same instant after a grid signal or a power cut.
//!
//! Which changes start a delay (`uk_smartcharging_random_delay_at_any_change`): any change of
//! more than 0.1 A, or only a change from zero or to zero. A session that starts within 5 s of
//! the EVSE becoming ready (the station started with a car attached) gets one too, from zero.
//! While a delay runs, the limit the EVSE had when it started stays in force; a new request
//! meanwhile is applied when the delay ends (EVerest does not restart the delay). Outside the
//! states where a session asks for energy a running delay is dropped.
//!
//! EVerest checks this at every `enforce_limits` (once a second); here it is checked at every
//! change of the requested limit and at every tick of the EvseManager ([`RandomDelay::limit`]).
//!
//! Where ferrocharge differs: EVerest's EvseManager waits for energy in PrepareCharging, the
//! simulated one pauses (ChargingPausedEVSE, NoEnergy) until it may offer 6 A. That pause
//! before the car ever drew counts as waiting for energy here, so the delay at the start of a
//! session holds the start back as EVerest's does.

use std::time::{Duration, Instant};

/// A change smaller than this is no change (EVerest's `almost_eq` and its 0.1 A threshold).
const SAME_A: f64 = 0.1;
/// A session starting this soon after the EVSE became ready was waiting when the station
/// started: it gets a delay (EVerest's `detect_startup_with_ev_attached_duration`).
pub const STARTUP_WITH_EV_ATTACHED: Duration = Duration::from_secs(5);
/// EVerest's default `uk_smartcharging_random_delay_max_duration`, s.
pub const DEFAULT_MAX_DURATION_S: u32 = 600;

/// A command of the `uk_random_delay` interface (EVerest's API module's
/// `cmd/uk_random_delay` and `cmd/uk_random_delay_set_max_duration_s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RandomDelayCommand {
    /// Random delays from now on.
    Enable,
    /// No random delays; a running one ends at once.
    Disable,
    /// A running delay ends now, as if its time had run out.
    Cancel,
    /// The longest delay from now on, s (a running delay keeps its end).
    SetMaxDuration(u32),
}

/// The `countdown` variable of the `uk_random_delay` interface.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountDown {
    /// Seconds left, rounded down; 0 when no delay runs.
    pub countdown_s: u64,
    /// The limit that applies once the delay is over, A.
    pub current_limit_after_delay_a: f64,
    /// The limit in force while the delay runs, A.
    pub current_limit_during_delay_a: f64,
    /// When the running delay started (`None` when none runs).
    pub started: Option<Instant>,
}

/// A delay that runs.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Running {
    started: Instant,
    ends: Instant,
    /// The limit in force until `ends`.
    limit_a: f64,
}

/// The random delay of one EvseManager. See the module docs.
#[derive(Debug, Clone)]
pub struct RandomDelay {
    enabled: bool,
    max_duration: Duration,
    at_any_change: bool,
    running: Option<Running>,
    /// The last limit requested (what the energy tree offers, capped by the hardware).
    last_requested_a: f64,
    /// The limit that applies after a delay that runs: the last one requested.
    requested_a: f64,
    /// The limit in force when the last delay ended or was dropped, for the countdown.
    last_during_a: f64,
    /// Whether the start-up check (a car attached when the EVSE became ready) was made.
    startup_checked: bool,
}

impl RandomDelay {
    /// A random delay as the EvseManager's parameters say (`uk_smartcharging_random_delay_*`).
    pub fn new(enabled: bool, max_duration_s: u32, at_any_change: bool) -> Self {
        RandomDelay {
            enabled,
            max_duration: Duration::from_secs(u64::from(max_duration_s)),
            at_any_change,
            running: None,
            last_requested_a: 0.0,
            requested_a: 0.0,
            last_during_a: 0.0,
            startup_checked: false,
        }
    }

    /// Whether random delays are on.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The longest delay, s.
    pub fn max_duration_s(&self) -> u64 {
        self.max_duration.as_secs()
    }

    /// Carries out `command` (EVerest's `uk_random_delayImpl`).
    pub fn command(&mut self, command: RandomDelayCommand) {
        match command {
            RandomDelayCommand::Enable => {
                self.stop();
                self.enabled = true;
            }
            RandomDelayCommand::Disable => {
                self.stop();
                self.enabled = false;
            }
            RandomDelayCommand::Cancel => self.stop(),
            RandomDelayCommand::SetMaxDuration(s) => {
                self.max_duration = Duration::from_secs(u64::from(s));
            }
        }
    }

    /// The limit in force now, A, for the limit `requested_a` the EVSE may offer, with the
    /// session in a state that asks for energy (`wants_energy`), `ready_since` how long ago
    /// the EVSE became ready, and `draw` a random number (the delay is `draw` modulo the
    /// longest delay, in whole seconds, as EVerest's `std::rand() % max`).
    pub fn limit(
        &mut self,
        requested_a: f64,
        wants_energy: bool,
        ready_since: Duration,
        now: Instant,
        draw: u64,
    ) -> f64 {
        if !self.enabled {
            self.last_requested_a = requested_a;
            self.requested_a = requested_a;
            return requested_a;
        }
        if !wants_energy {
            self.stop();
        }
        if self.running.is_none() {
            // Once: a session asking for energy this soon after the EVSE became ready.
            let from_startup =
                wants_energy && !self.startup_checked && ready_since < STARTUP_WITH_EV_ATTACHED;
            self.startup_checked |= wants_energy || ready_since >= STARTUP_WITH_EV_ATTACHED;
            let needed = wants_energy && (self.change_needs_delay(requested_a) || from_startup);
            let seconds = draw.checked_rem(self.max_duration.as_secs()).unwrap_or(0);
            if needed && seconds > 0 {
                // From start-up EVerest takes the limit before as zero.
                let during = if from_startup {
                    0.0
                } else {
                    self.last_requested_a
                };
                tracing::info!(
                    seconds,
                    during_a = during,
                    after_a = requested_a,
                    "UK Smart Charging regulations: starting a random delay"
                );
                self.running = Some(Running {
                    started: now,
                    ends: now + Duration::from_secs(seconds),
                    limit_a: during,
                });
            }
        }
        self.last_requested_a = requested_a;
        self.requested_a = requested_a;
        match self.running {
            Some(r) if now < r.ends => r.limit_a,
            Some(r) => {
                tracing::info!("UK Smart Charging regulations: random delay elapsed");
                self.last_during_a = r.limit_a;
                self.running = None;
                requested_a
            }
            None => requested_a,
        }
    }

    /// The `countdown` variable at `now`.
    pub fn countdown(&self, now: Instant) -> CountDown {
        match self.running {
            Some(r) => CountDown {
                countdown_s: r.ends.saturating_duration_since(now).as_secs(),
                current_limit_after_delay_a: self.requested_a,
                current_limit_during_delay_a: r.limit_a,
                started: Some(r.started),
            },
            None => CountDown {
                countdown_s: 0,
                current_limit_after_delay_a: self.requested_a,
                current_limit_during_delay_a: self.last_during_a,
                started: None,
            },
        }
    }

    /// Whether a delay runs.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// EVerest's `random_delay_needed` for a change from the last requested limit.
    fn change_needs_delay(&self, requested_a: f64) -> bool {
        let last = self.last_requested_a;
        if self.at_any_change {
            (last - requested_a).abs() >= SAME_A
        } else {
            (last < SAME_A && requested_a >= SAME_A) || (last >= SAME_A && requested_a < SAME_A)
        }
    }

    fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            self.last_during_a = r.limit_a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READY_LONG_AGO: Duration = Duration::from_secs(60);

    #[test]
    fn a_change_waits_for_the_drawn_delay_then_applies_the_last_request() {
        let t0 = Instant::now();
        let mut d = RandomDelay::new(true, 600, true);
        assert_eq!(d.limit(0.0, true, READY_LONG_AGO, t0, 7), 0.0);
        // 0 → 32 A: 1234 % 600 = 34 s at 0 A.
        assert_eq!(d.limit(32.0, true, READY_LONG_AGO, t0, 1234), 0.0);
        let c = d.countdown(t0 + Duration::from_secs(4));
        assert_eq!(
            (
                c.countdown_s,
                c.current_limit_after_delay_a,
                c.current_limit_during_delay_a
            ),
            (30, 32.0, 0.0)
        );
        assert_eq!(c.started, Some(t0));
        // A new request meanwhile does not restart it; it is what applies at the end.
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(d.limit(16.0, true, READY_LONG_AGO, t1, 5), 0.0);
        assert_eq!(d.countdown(t1).current_limit_after_delay_a, 16.0);
        let end = t0 + Duration::from_secs(34);
        assert_eq!(d.limit(16.0, true, READY_LONG_AGO, end, 5), 16.0);
        assert!(!d.is_running());
        assert_eq!(d.countdown(end).countdown_s, 0);
    }

    #[test]
    fn only_changes_from_or_to_zero_without_at_any_change() {
        let t = Instant::now();
        let mut d = RandomDelay::new(true, 600, false);
        d.limit(16.0, true, READY_LONG_AGO, t, 0);
        assert_eq!(d.limit(10.0, true, READY_LONG_AGO, t, 100), 10.0);
        assert!(!d.is_running());
        assert_eq!(d.limit(0.0, true, READY_LONG_AGO, t, 100), 10.0);
        assert!(d.is_running());
    }

    #[test]
    fn small_changes_and_a_disabled_delay_apply_at_once() {
        let t = Instant::now();
        let mut d = RandomDelay::new(true, 600, true);
        d.limit(16.0, true, READY_LONG_AGO, t, 0);
        assert_eq!(d.limit(16.05, true, READY_LONG_AGO, t, 100), 16.05);
        let mut off = RandomDelay::new(false, 600, true);
        assert_eq!(off.limit(32.0, true, Duration::ZERO, t, 100), 32.0);
    }

    #[test]
    fn a_session_asking_for_nothing_drops_the_delay() {
        let t = Instant::now();
        let mut d = RandomDelay::new(true, 600, true);
        d.limit(0.0, true, READY_LONG_AGO, t, 0);
        assert_eq!(d.limit(32.0, true, READY_LONG_AGO, t, 100), 0.0);
        assert_eq!(d.limit(32.0, false, READY_LONG_AGO, t, 100), 32.0);
        assert!(!d.is_running());
    }

    #[test]
    fn startup_with_a_car_attached_starts_from_zero() {
        let t = Instant::now();
        let mut d = RandomDelay::new(true, 600, true);
        d.limit(32.0, false, Duration::ZERO, t, 0);
        assert_eq!(d.limit(32.0, true, Duration::from_secs(1), t, 100), 0.0);
        assert_eq!(d.countdown(t).countdown_s, 100);
        // Later, no change, no delay.
        let mut later = RandomDelay::new(true, 600, true);
        later.limit(32.0, false, READY_LONG_AGO, t, 0);
        assert_eq!(later.limit(32.0, true, READY_LONG_AGO, t, 100), 32.0);
    }

    #[test]
    fn commands_enable_disable_cancel_and_set_the_longest_delay() {
        let t = Instant::now();
        let mut d = RandomDelay::new(false, DEFAULT_MAX_DURATION_S, true);
        d.command(RandomDelayCommand::Enable);
        d.command(RandomDelayCommand::SetMaxDuration(10));
        assert_eq!(d.max_duration_s(), 10);
        d.limit(0.0, true, READY_LONG_AGO, t, 0);
        assert_eq!(d.limit(32.0, true, READY_LONG_AGO, t, 1237), 0.0);
        assert_eq!(d.countdown(t).countdown_s, 7);
        d.command(RandomDelayCommand::Cancel);
        assert_eq!(d.limit(32.0, true, READY_LONG_AGO, t, 1), 32.0);
        d.command(RandomDelayCommand::Disable);
        assert!(!d.is_enabled());
        assert_eq!(d.limit(0.0, true, READY_LONG_AGO, t, 5), 0.0);
        // A longest delay of 0 s (EVerest would divide by zero): no delay.
        let mut zero = RandomDelay::new(true, 0, true);
        assert_eq!(zero.limit(32.0, true, READY_LONG_AGO, t, 5), 32.0);
    }
}
