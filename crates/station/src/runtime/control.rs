//! [`StationControl`] over the running station: every request is checked here as far as it
//! can be without the simulation, then handed to the station loop as an [`Order`].

use tokio::sync::{mpsc, watch};

use ocpp_types::core::Reason;

use crate::control_api::{
    CarScript, ControlError, HardwareError as ErrorRequest, MeterOverride, PlugIn, StationControl,
    StationState, StopTransaction, Token,
};
use crate::sim::{HardwareError, Script};

/// What the control API asks of the station loop.
#[derive(Debug)]
pub enum Order {
    /// Plug a car in.
    PlugIn(u32, PlugIn),
    /// Unplug the car.
    Unplug(u32),
    /// The car stops drawing.
    EvPause(u32),
    /// The car draws again.
    EvResume(u32),
    /// A car script (parsed), replacing the running one or not.
    CarScript(u32, Script, bool),
    /// A hardware fault raised (true) or cleared.
    HardwareError(u32, HardwareError, bool),
    /// Meter values to show.
    Meter(u32, MeterOverride),
    /// An RFID card.
    Token(Token),
    /// Go online (true) or offline.
    Online(bool),
    /// The station stops the transaction at a connector (stop button, emergency stop).
    StopTransaction(u32, Reason),
    /// Stop the station.
    Stop,
}

/// The handle the control API (and tests) drive the station with.
#[derive(Debug, Clone)]
pub struct StationHandle {
    orders: mpsc::UnboundedSender<Order>,
    state: watch::Receiver<StationState>,
}

impl StationHandle {
    /// A handle sending to the loop on `orders`, reading the state from `state`.
    pub fn new(orders: mpsc::UnboundedSender<Order>, state: watch::Receiver<StationState>) -> Self {
        StationHandle { orders, state }
    }

    /// The state, to wait on changes (`changed()`, `wait_for`).
    pub fn watch_state(&self) -> watch::Receiver<StationState> {
        self.state.clone()
    }

    fn send(&self, order: Order) -> Result<(), ControlError> {
        self.orders
            .send(order)
            .map_err(|_| ControlError::Unavailable("the station is stopping".to_owned()))
    }

    fn plugged(&self, connector: u32) -> Result<bool, ControlError> {
        self.state
            .borrow()
            .connector(connector)
            .map(|c| c.plugged)
            .ok_or_else(|| ControlError::NotFound(format!("no connector {connector}")))
    }
}

impl StationControl for StationHandle {
    fn state(&self) -> StationState {
        self.state.borrow().clone()
    }

    fn plug_in(&self, connector: u32, request: PlugIn) -> Result<(), ControlError> {
        if self.plugged(connector)? {
            return Err(ControlError::Conflict(format!(
                "a car is already plugged in at connector {connector}"
            )));
        }
        self.send(Order::PlugIn(connector, request))
    }

    fn unplug(&self, connector: u32) -> Result<(), ControlError> {
        if !self.plugged(connector)? {
            return Err(ControlError::Conflict(format!(
                "no car is plugged in at connector {connector}"
            )));
        }
        self.send(Order::Unplug(connector))
    }

    fn ev_pause(&self, connector: u32) -> Result<(), ControlError> {
        self.send(Order::EvPause(connector))
    }

    fn ev_resume(&self, connector: u32) -> Result<(), ControlError> {
        self.send(Order::EvResume(connector))
    }

    fn car_script(&self, connector: u32, request: CarScript) -> Result<(), ControlError> {
        let script =
            Script::parse(&request.script).map_err(|e| ControlError::Invalid(e.to_string()))?;
        self.send(Order::CarScript(connector, script, request.replace))
    }

    fn hardware_error(&self, connector: u32, request: ErrorRequest) -> Result<(), ControlError> {
        let error = HardwareError::from_name(&request.error_type)
            .map_err(|e| ControlError::Invalid(e.to_string()))?;
        self.send(Order::HardwareError(connector, error, request.raise))
    }

    fn meter(&self, connector: u32, request: MeterOverride) -> Result<(), ControlError> {
        self.send(Order::Meter(connector, request))
    }

    fn token(&self, request: Token) -> Result<(), ControlError> {
        if request.id_tag.is_empty() || request.id_tag.chars().count() > 20 {
            return Err(ControlError::Invalid(
                "id_tag must have 1 to 20 characters".to_owned(),
            ));
        }
        for c in request.connectors.iter().flatten() {
            self.plugged(*c)?;
        }
        self.send(Order::Token(request))
    }

    fn ocpp_disconnect(&self) -> Result<(), ControlError> {
        self.send(Order::Online(false))
    }

    fn ocpp_connect(&self) -> Result<(), ControlError> {
        self.send(Order::Online(true))
    }

    fn stop(&self) -> Result<(), ControlError> {
        self.send(Order::Stop)
    }

    fn stop_transaction(
        &self,
        connector: u32,
        request: StopTransaction,
    ) -> Result<(), ControlError> {
        let reason: Reason = serde_json::from_value(serde_json::Value::String(request.reason))
            .map_err(|e| ControlError::Invalid(format!("reason: {e}")))?;
        let running = self
            .state
            .borrow()
            .connector(connector)
            .map(|c| c.transaction_id.is_some())
            .ok_or_else(|| ControlError::NotFound(format!("no connector {connector}")))?;
        if !running {
            return Err(ControlError::Conflict(format!(
                "no transaction runs at connector {connector}"
            )));
        }
        self.send(Order::StopTransaction(connector, reason))
    }
}
