//! A station that records every call and answers what the test sets.

use std::sync::{Arc, Mutex};

use axum::Router;
use ocpp_types::core::RegistrationStatus;
use station::control_api::{
    router, Access, CarScript, ControlError, HardwareError, MeterOverride, OcppFrame, Outcome,
    PlugIn, Reply, SecurityEventRequest, StationControl, StationEvent, StationState,
    StopTransaction, Token,
};
use tokio::sync::broadcast;

/// A call the fake received.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    PlugIn(u32, PlugIn),
    Unplug(u32),
    EvPause(u32),
    EvResume(u32),
    CarScript(u32, CarScript),
    HardwareError(u32, HardwareError),
    Meter(u32, MeterOverride),
    Token(Token),
    OcppDisconnect,
    OcppConnect,
    Stop,
    StopTransaction(u32, StopTransaction),
    SecurityEvent(SecurityEventRequest),
}

/// Two connectors; records every call; answers `refuse` when set.
#[derive(Default)]
pub struct Fake {
    pub calls: Mutex<Vec<Call>>,
    pub refuse: Mutex<Option<ControlError>>,
    /// What a command answers (`{"ok": true}` when unset).
    pub outcome: Mutex<Option<Outcome>>,
    /// The frames it kept.
    pub frames: Mutex<Vec<OcppFrame>>,
}

impl Fake {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    fn answer(&self, call: Call) -> Reply<'_> {
        self.calls.lock().unwrap().push(call);
        let answer = match self.refuse.lock().unwrap().clone() {
            Some(e) => Err(e),
            None => Ok(self
                .outcome
                .lock()
                .unwrap()
                .clone()
                .unwrap_or_else(Outcome::done)),
        };
        Box::pin(async move { answer })
    }
}

/// Two connectors as a station starts, connected and registered.
pub fn state() -> StationState {
    let mut state = station::runtime::state::initial("cp001", 2);
    state.ocpp.connected = true;
    state.ocpp.registration = Some(RegistrationStatus::Accepted);
    state
}

impl StationControl for Fake {
    fn state(&self) -> StationState {
        state()
    }
    fn recent_frames(&self) -> Vec<OcppFrame> {
        self.frames.lock().unwrap().clone()
    }
    fn plug_in(&self, c: u32, r: PlugIn) -> Reply<'_> {
        self.answer(Call::PlugIn(c, r))
    }
    fn unplug(&self, c: u32) -> Reply<'_> {
        self.answer(Call::Unplug(c))
    }
    fn ev_pause(&self, c: u32) -> Reply<'_> {
        self.answer(Call::EvPause(c))
    }
    fn ev_resume(&self, c: u32) -> Reply<'_> {
        self.answer(Call::EvResume(c))
    }
    fn car_script(&self, c: u32, r: CarScript) -> Reply<'_> {
        self.answer(Call::CarScript(c, r))
    }
    fn hardware_error(&self, c: u32, r: HardwareError) -> Reply<'_> {
        self.answer(Call::HardwareError(c, r))
    }
    fn meter(&self, c: u32, r: MeterOverride) -> Reply<'_> {
        self.answer(Call::Meter(c, r))
    }
    fn token(&self, r: Token) -> Reply<'_> {
        self.answer(Call::Token(r))
    }
    fn ocpp_disconnect(&self) -> Reply<'_> {
        self.answer(Call::OcppDisconnect)
    }
    fn ocpp_connect(&self) -> Reply<'_> {
        self.answer(Call::OcppConnect)
    }
    fn stop(&self) -> Reply<'_> {
        self.answer(Call::Stop)
    }
    fn stop_transaction(&self, c: u32, r: StopTransaction) -> Reply<'_> {
        self.answer(Call::StopTransaction(c, r))
    }
    fn security_event(&self, r: SecurityEventRequest) -> Reply<'_> {
        self.answer(Call::SecurityEvent(r))
    }
}

/// The address the routers of these tests serve (no socket: requests go straight to the
/// router), which every request names in its Host.
pub const HOST: &str = "127.0.0.1:8849";

pub fn setup() -> (Arc<Fake>, broadcast::Sender<StationEvent>, Router) {
    setup_with(Access::new(HOST.parse().unwrap(), None).unwrap())
}

/// A fake station behind `access`.
pub fn setup_with(access: Access) -> (Arc<Fake>, broadcast::Sender<StationEvent>, Router) {
    let fake = Arc::new(Fake::default());
    let (events, _) = broadcast::channel(16);
    let app = router(fake.clone(), events.clone(), access);
    (fake, events, app)
}
