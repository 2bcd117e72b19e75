//! The TerminalCostAndPriceMessage module type: the declarations of everest-core's
//! `modules/Examples/CppExamples/TerminalCostAndPriceMessage/manifest.yaml`.

use super::{ModuleType, Require};

/// Example cost and price message module: logs the tariffs and session costs the OCPP module
/// publishes on its `session_cost` interface (`crate::cost_and_price_message`).
pub const TERMINAL_COST_AND_PRICE_MESSAGE: ModuleType = ModuleType {
    name: "TerminalCostAndPriceMessage",
    provides: &[],
    requires: &[Require::new("session_cost", "session_cost", 1, 1)],
    parameters: &[],
};
