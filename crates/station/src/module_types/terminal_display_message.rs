//! The TerminalDisplayMessage module type. everest-core ships no manifest for it in our reference
//! copy; EVerest's configs connect OCPP's `display_message` requirement to its implementation
//! `display_message`, so that is what it declares. It has no parameters.

use super::{ModuleType, Provide};

/// The station's display: keeps the messages set through the display_message interface and
/// logs each one (`crate::display`); the control API sets them, and connected to OCPP's
/// `display_message` it shows each connector's California Pricing.
pub const TERMINAL_DISPLAY_MESSAGE: ModuleType = ModuleType {
    name: "TerminalDisplayMessage",
    provides: &[Provide::new("display_message", "display_message")],
    requires: &[],
    parameters: &[],
};
