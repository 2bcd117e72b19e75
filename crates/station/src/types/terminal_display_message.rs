//! The TerminalDisplayMessage module type. everest-core ships no manifest for it in our reference
//! copy; EVerest's configs connect OCPP's `display_message` requirement to its implementation
//! `display_message`, so that is what it declares. It has no parameters.

use super::{ModuleType, Provide};

/// Shows the display messages the CSMS sets (OCPP DataTransfer / California Pricing) on the terminal log.
pub const TERMINAL_DISPLAY_MESSAGE: ModuleType = ModuleType {
    name: "TerminalDisplayMessage",
    provides: &[Provide::new("display_message", "display_message")],
    requires: &[],
    parameters: &[],
};
