//! An EVSE's session log ([`crate::session_log`]) fed from the simulation, with the entries
//! everest-core's EvseManager writes where the simulation has them: the session's start and
//! end (`Session Started: EVConnected`, `Session Finished`), the car's pilot events
//! (`Event CarPluggedIn`, `Event CarRequestedPower`, `Event CarRequestedStopPower`,
//! `Event CarUnplugged`), the PWM (`Set PWM On (53.3%)`, `Set PWM Off`, `Set PWM F`) and the
//! charger's states (`Charger state: WaitingForAuthentication->PrepareCharging`). The
//! simulation is looked at once a station step (250 ms): what changed since the last step
//! comes before the step's session events, so that the unplug is in the session it ends, except
//! in the step a session starts, whose changes follow its start (the plug-in that started it is
//! the session's first event). ISO 15118 messages (EvseManager's `V2G ...` entries and their
//! XML, which `session_logging_xml` adds) have no simulation yet, so that parameter changes
//! nothing.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::session_log::{Origin, SessionLog};
use crate::sim::evse_manager::EvseState;
use crate::sim::pilot::{CpState, PwmOutput};
use crate::sim::{SessionEvent, SimulatedEvse, StartSessionReason};
use crate::StationConfig;

/// What the log last saw of the simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    state: EvseState,
    pwm: PwmOutput,
    cp: CpState,
}

impl Seen {
    fn of(sim: &SimulatedEvse) -> Self {
        Seen {
            state: sim.evse_manager().state(),
            pwm: sim.board().pwm(),
            cp: sim.board().cp_state(),
        }
    }
}

/// The session log of one EVSE.
#[derive(Debug)]
pub struct EvseSessionLog {
    log: SessionLog,
    /// `logfile_suffix`, unless it is `session_uuid` (the session's id is the suffix then).
    suffix: Option<String>,
    seen: Option<Seen>,
}

impl EvseSessionLog {
    /// The session log of the EvseManager `evse_manager`, when its `session_logging` is on.
    /// A relative `session_logging_path` goes under `settings.data_dir` (as every path the
    /// station writes to).
    pub fn of(config: &StationConfig, evse_manager: &str) -> Option<Self> {
        let module = config.module(evse_manager)?;
        if module.parameters.bool("session_logging") != Some(true) {
            return None;
        }
        let path = module
            .parameters
            .str("session_logging_path")
            .unwrap_or("/tmp");
        let root = if std::path::Path::new(path).is_absolute() {
            PathBuf::from(path)
        } else {
            config.settings.data_dir.join(path)
        };
        let suffix = module
            .parameters
            .str("logfile_suffix")
            .filter(|s| *s != "session_uuid")
            .map(str::to_owned);
        tracing::info!(evse_manager, root = %root.display(), "session logging");
        Some(EvseSessionLog {
            log: SessionLog::new(root),
            suffix,
            seen: None,
        })
    }

    /// The folder of the session under way, if one is logged.
    pub fn session_dir(&self) -> Option<&std::path::Path> {
        self.log.session_dir()
    }

    /// One station step: the session events it brought, each with its session's UUID, and
    /// what changed in the simulation.
    pub fn on_step(
        &mut self,
        sim: &SimulatedEvse,
        events: &[(SessionEvent, String)],
        now: DateTime<Utc>,
    ) {
        let changes = self.changes(sim);
        let starts = events
            .iter()
            .any(|(e, _)| matches!(e, SessionEvent::SessionStarted { .. }));
        if !starts {
            self.entries(&changes, now);
        }
        for (event, session_id) in events {
            self.on_event(event, session_id, now);
        }
        if starts {
            self.entries(&changes, now);
        }
    }

    fn entries(&mut self, entries: &[(Origin, String)], now: DateTime<Utc>) {
        for (origin, message) in entries {
            self.log.entry(*origin, message, now);
        }
    }

    /// A session event; `session_id` is the session's UUID.
    fn on_event(&mut self, event: &SessionEvent, session_id: &str, now: DateTime<Utc>) {
        match event {
            SessionEvent::SessionStarted { reason } => {
                let suffix = self.suffix.as_deref().unwrap_or(session_id).to_owned();
                self.log.start(&suffix, now);
                let reason = match reason {
                    StartSessionReason::EVConnected => "EVConnected",
                    StartSessionReason::Authorized => "Authorized",
                };
                self.log
                    .entry(Origin::Evse, &format!("Session Started: {reason}"), now);
            }
            SessionEvent::SessionFinished => {
                self.log.entry(Origin::Evse, "Session Finished", now);
                self.log.stop(now);
            }
            _ => {}
        }
    }

    /// What changed in the simulation since the last step, as entries.
    fn changes(&mut self, sim: &SimulatedEvse) -> Vec<(Origin, String)> {
        let seen = Seen::of(sim);
        let mut changes = Vec::new();
        let Some(before) = self.seen.replace(seen) else {
            return changes;
        };
        if let Some(event) = car_event(before.cp, seen.cp) {
            changes.push((Origin::Car, format!("Event {event}")));
        }
        if before.pwm != seen.pwm {
            let message = match seen.pwm {
                PwmOutput::On(duty) => format!("Set PWM On ({duty:.1}%)"),
                PwmOutput::Off => "Set PWM Off".to_owned(),
                PwmOutput::F => "Set PWM F".to_owned(),
            };
            changes.push((Origin::Evse, message));
        }
        if before.state != seen.state {
            changes.push((
                Origin::Evse,
                format!("Charger state: {:?}->{:?}", before.state, seen.state),
            ));
        }
        changes
    }
}

/// EvseManager's CPEvent for a pilot change the car makes (`cpevent_to_string`).
fn car_event(before: CpState, now: CpState) -> Option<&'static str> {
    use CpState::{A, B, C, D};
    match (before, now) {
        (A, B | C | D) => Some("CarPluggedIn"),
        (B, C | D) => Some("CarRequestedPower"),
        (C | D, B) => Some("CarRequestedStopPower"),
        (B | C | D, A) => Some("CarUnplugged"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pilot_changes_are_the_cars_events() {
        use CpState::*;
        assert_eq!(car_event(A, B), Some("CarPluggedIn"));
        assert_eq!(car_event(B, C), Some("CarRequestedPower"));
        assert_eq!(car_event(C, B), Some("CarRequestedStopPower"));
        assert_eq!(car_event(B, A), Some("CarUnplugged"));
        assert_eq!(car_event(C, E), None);
        assert_eq!(car_event(A, F), None);
    }
}
