//! Who may enable or disable an EVSE, and who wins (everest-core's EvseManager
//! `Charger::enable_disable` and its `enable_disable_source_table`): every source (the CSMS,
//! the local API, a key lock, ...) has one entry with a state and a priority; the entry with
//! the highest priority (the lowest number) that is not `Unassigned` decides, `Disable` winning
//! at the same priority; with every entry `Unassigned` the EVSE is enabled.

use serde::{Deserialize, Serialize};

/// Where an enable or disable comes from (EVerest's `Enable_source`).
#[allow(missing_docs)] // EVerest's names
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnableSource {
    Unspecified,
    #[serde(rename = "LocalAPI")]
    LocalApi,
    LocalKeyLock,
    ServiceTechnician,
    RemoteKeyLock,
    MobileApp,
    FirmwareUpdate,
    #[serde(rename = "CSMS")]
    Csms,
}

/// What a source asks for (EVerest's `Enable_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnableState {
    /// The source leaves it to the others.
    Unassigned,
    /// Disabled.
    Disable,
    /// Enabled.
    Enable,
}

/// One entry of the table (EVerest's `EnableDisableSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnableEntry {
    /// Who.
    pub source: EnableSource,
    /// What it asks for.
    pub state: EnableState,
    /// Its priority: 0 is the highest, 10000 the lowest.
    pub priority: u32,
}

/// The lowest priority (EVerest's `enable_priority` maximum).
pub const LOWEST_PRIORITY: u32 = 10_000;

/// The priority everest-core's OCPP module gives the CSMS's ChangeAvailability.
pub const CSMS_PRIORITY: u32 = 5_000;

/// The table of one EVSE. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnableSources {
    table: Vec<EnableEntry>,
    active: EnableEntry,
}

impl Default for EnableSources {
    /// An enabled EVSE, as EvseManager starts (`enable_disable_initial_state_publish`:
    /// `Unspecified`, `Enable`, priority 10000).
    fn default() -> Self {
        let start = EnableEntry {
            source: EnableSource::Unspecified,
            state: EnableState::Enable,
            priority: LOWEST_PRIORITY,
        };
        EnableSources {
            table: vec![start],
            active: start,
        }
    }
}

impl EnableSources {
    /// Puts `entry` in the table (replacing the source's earlier one) and returns whether the
    /// EVSE is enabled now.
    pub fn update(&mut self, entry: EnableEntry) -> bool {
        match self.table.iter_mut().find(|e| e.source == entry.source) {
            Some(e) => *e = entry,
            None => self.table.push(entry),
        }
        let mut winner = EnableEntry {
            source: EnableSource::Unspecified,
            state: EnableState::Unassigned,
            priority: LOWEST_PRIORITY,
        };
        for e in self
            .table
            .iter()
            .filter(|e| e.state != EnableState::Unassigned)
        {
            let wins = winner.state == EnableState::Unassigned
                || e.priority < winner.priority
                || (e.priority == winner.priority && e.state == EnableState::Disable);
            if wins {
                winner = *e;
            }
        }
        self.active = winner;
        self.enabled()
    }

    /// Whether the EVSE is enabled.
    pub fn enabled(&self) -> bool {
        self.active.state != EnableState::Disable
    }

    /// What `source` asks for (`Unassigned` when it never said).
    pub fn state_of(&self, source: EnableSource) -> EnableState {
        self.table
            .iter()
            .find(|e| e.source == source)
            .map_or(EnableState::Unassigned, |e| e.state)
    }

    /// The entry that decides now (EVerest's `active_enable_disable_source`).
    pub fn active(&self) -> EnableEntry {
        self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(source: EnableSource, state: EnableState, priority: u32) -> EnableEntry {
        EnableEntry {
            source,
            state,
            priority,
        }
    }

    #[test]
    fn the_readme_example_highest_priority_decides() {
        use EnableSource::*;
        use EnableState::*;
        let mut t = EnableSources::default();
        assert!(t.enabled());
        assert!(!t.update(entry(LocalApi, Disable, 42)));
        assert!(t.update(entry(LocalKeyLock, Enable, 0)));
        assert_eq!(t.active(), entry(LocalKeyLock, Enable, 0));
        // LocalKeyLock steps back: LocalAPI's disable at 42 decides again.
        assert!(!t.update(entry(LocalKeyLock, Unassigned, 0)));
        assert_eq!(t.active(), entry(LocalApi, Disable, 42));
        // The CSMS's enable at 5000 does not override the local API.
        assert!(!t.update(entry(Csms, Enable, CSMS_PRIORITY)));
        assert!(t.update(entry(LocalApi, Unassigned, 42)));
        assert_eq!(t.active(), entry(Csms, Enable, CSMS_PRIORITY));
    }

    #[test]
    fn at_the_same_priority_disable_wins_and_all_unassigned_is_enabled() {
        use EnableSource::*;
        use EnableState::*;
        let mut t = EnableSources::default();
        t.update(entry(MobileApp, Enable, 7));
        assert!(!t.update(entry(ServiceTechnician, Disable, 7)));
        t.update(entry(MobileApp, Unassigned, 7));
        t.update(entry(ServiceTechnician, Unassigned, 7));
        assert!(t.update(entry(Unspecified, Unassigned, LOWEST_PRIORITY)));
        assert_eq!(t.active().state, Unassigned);
    }
}
