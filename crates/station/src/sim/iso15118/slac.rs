//! everest-core's SlacSimulator: the SLAC matching of ISO 15118-3 between the car's `ev_slac`
//! and the EVSE's `slac`, without the HomePlug frames. The car asks for matching
//! (`iso_wait_slac_matched`: EvManager's `reset` and `trigger_matching`); the EVSE side takes
//! part while a car is plugged in; the link is matched [`MATCHING_STEPS`] loop steps later, and
//! unmatched when the car is unplugged.

/// Steps (250 ms each) from the car's trigger to MATCHED: one second, the time SLAC's
/// CM_SLAC_PARM / START_ATTEN_CHAR / ATTEN_CHAR / SLAC_MATCH exchange takes on a real link.
pub const MATCHING_STEPS: u32 = 4;

/// The state of the link (EVerest's `slac` State, less the EVSE's own UNMATCHED/MATCHING split).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlacState {
    /// No link.
    #[default]
    Unmatched,
    /// Matching; matched after this many more steps.
    Matching(u32),
    /// The link is up.
    Matched,
}

/// The simulated SLAC link of one EVSE. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct Slac {
    state: SlacState,
}

impl Slac {
    /// The car asks for matching: a new matching starts unless one runs or the link is up.
    pub fn trigger_matching(&mut self) {
        if self.state == SlacState::Unmatched {
            self.state = SlacState::Matching(MATCHING_STEPS);
        }
    }

    /// One loop step with the car `plugged` in or not.
    pub fn step(&mut self, plugged: bool) {
        self.state = match self.state {
            _ if !plugged => SlacState::Unmatched,
            SlacState::Matching(n) if n <= 1 => SlacState::Matched,
            SlacState::Matching(n) => SlacState::Matching(n - 1),
            other => other,
        };
    }

    /// The link's state.
    pub fn state(&self) -> SlacState {
        self.state
    }

    /// Whether the link is up.
    pub fn matched(&self) -> bool {
        self.state == SlacState::Matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_second_after_the_trigger_and_drops_at_unplug() {
        let mut slac = Slac::default();
        slac.step(true);
        assert_eq!(
            slac.state(),
            SlacState::Unmatched,
            "no trigger, no matching"
        );
        slac.trigger_matching();
        for _ in 0..MATCHING_STEPS - 1 {
            slac.step(true);
            assert!(!slac.matched());
        }
        slac.step(true);
        assert!(slac.matched());
        slac.trigger_matching();
        assert!(slac.matched(), "a trigger while matched changes nothing");
        slac.step(false);
        assert_eq!(slac.state(), SlacState::Unmatched);
    }
}
