//! The software-in-the-loop simulation of a charger's hardware and of the car, as pure,
//! tick-driven state machines: no threads, no sleeps, no clock. Time is passed in (`now`), so
//! a one-hour session runs in microseconds in a test.
//!
//! - [`evse`]: [`SimulatedEvse`], the three below stepped together every 250 ms; [`wiring`]
//!   finds its parts and their parameters in a station config.
//! - [`board`]: the charger board (everest-core's YetiSimulator): control pilot, relays, RCD,
//!   connector lock, hardware errors and the power meter ([`meter`]).
//! - [`pilot`]: the IEC 61851-1 control pilot states and the PWM duty cycle ↔ current rule.
//! - [`errors`]: hardware errors by their EVerest names and the OCPP error each maps to.
//! - [`evse_manager`]: the session logic of one EVSE (everest-core's EvseManager), emitting
//!   the [`session`] events.
//! - [`enable_sources`]: who may enable or disable an EVSE, and who wins.
//! - [`car`]: the car (everest-core's EvManager) running a [`script`] in the car command
//!   language.
//! - [`iso15118`]: SLAC and the ISO 15118-2 AC session (SlacSimulator, EvseV2G, PyEvJosev) at
//!   the level of EVerest's interfaces.
//! - [`kvs`]: what the car and the EvseManager keep in their PersistentStore across restarts.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use station::sim::{SessionEvent, SimulatedEvse, SimulatedEvseConfig};
//!
//! let t0 = Instant::now();
//! let mut evse = SimulatedEvse::new(SimulatedEvseConfig::default());
//! evse.evse_manager_mut().authorize("RFID1").unwrap(); // swipe first
//! evse.car_mut()
//!     .execute_str("iec_wait_pwr_ready;draw_power_regulated 16,3;sleep 60;unplug")
//!     .unwrap();
//! for step in 0..=300 {
//!     evse.tick(t0 + Duration::from_millis(250) * step); // 75 s in microseconds
//! }
//! let events: Vec<SessionEvent> = std::iter::from_fn(|| evse.poll_event()).collect();
//! assert_eq!(events.last(), Some(&SessionEvent::SessionFinished));
//! assert!((evse.board().meter().energy_wh() - 184.0).abs() < 1.0); // 11.04 kW for 60 s
//! ```

pub mod board;
pub mod car;
pub mod enable_sources;
pub mod errors;
pub mod evse;
pub mod evse_manager;
mod evse_manager_config;
pub mod iso15118;
pub mod kvs;
pub mod meter;
pub mod pilot;
pub mod script;
pub mod session;
pub mod wiring;

pub use board::{Board, BoardConfig, BoardEvent, Draw, EvSignal};
pub use car::{Car, CarConfig, CarError, CarState, PlugRecord};
pub use errors::{HardwareError, OcppError, UnknownError};
pub use evse::{SimulatedEvse, SimulatedEvseConfig};
pub use evse_manager::{
    BoardOutputs, EvseError, EvseManager, EvseManagerConfig, EvseState, ForceUnlock,
};
pub use meter::{MeterReading, PowerMeter};
pub use pilot::{CpState, PwmOutput};
pub use script::{Command, IsoSupport, PaymentChoice, Script, ScriptError, ScriptProblem};
pub use session::{PauseReason, SessionEvent, StartSessionReason, StopTransactionReason};
pub use wiring::WiringError;
