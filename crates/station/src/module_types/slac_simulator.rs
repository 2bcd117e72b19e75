//! The SlacSimulator module type: the declarations of everest-core's
//! `modules/Simulation/SlacSimulator/manifest.yaml`.

use super::{ModuleType, Provide};

/// SIL Implementation of SLAC data link negotiation according to ISO15118-3
/// (`crate::sim::iso15118::slac`).
pub const SLAC_SIMULATOR: ModuleType = ModuleType {
    name: "SlacSimulator",
    provides: &[Provide::new("evse", "slac"), Provide::new("ev", "ev_slac")],
    requires: &[],
    parameters: &[],
};
