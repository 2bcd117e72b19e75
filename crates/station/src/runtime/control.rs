//! [`StationControl`] over the running station: every request is checked here as far as it
//! can be without the simulation, then handed to the station loop as an [`Order`].

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{mpsc, watch};

use ocpp_types::core::Reason;

use crate::control_api::{
    no_display, CarScript, ControlError, HardwareError as ErrorRequest, MeterOverride, PlugIn,
    StationControl, StationState, StopTransaction, Token,
};
use crate::display::{
    ClearMessageResponse, DisplayMessage, GetDisplayMessageRequest, SetDisplayMessageResponse,
    TerminalDisplay,
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
    /// The DummyTokenProviderManual modules connected to Auth's `token_provider`, in the
    /// order of the connections: the readers `POST /tokens` presents a token at.
    token_providers: Vec<TokenProvider>,
    /// The TerminalDisplayMessage module's display, if the station has one.
    display: Option<SharedDisplay>,
}

/// A DummyTokenProviderManual module Auth reads tokens from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenProvider {
    /// Its module id.
    pub id: String,
    /// The token it presents when a request names none (its `token` parameter).
    pub token: String,
}

/// The display, shared by the station loop (which ends session messages and publishes what
/// is shown) and the control API (which sets, reads and clears messages).
pub type SharedDisplay = Arc<Mutex<TerminalDisplay>>;

/// The display behind `shared`; a panic elsewhere while holding it leaves a display that is
/// still consistent (every change is made on a copy and swapped in), so poison is ignored.
pub fn lock_display(shared: &SharedDisplay) -> MutexGuard<'_, TerminalDisplay> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl StationHandle {
    /// A handle sending to the loop on `orders`, reading the state from `state`; tokens go
    /// through the first of `token_providers` unless the request names one.
    pub fn new(
        orders: mpsc::UnboundedSender<Order>,
        state: watch::Receiver<StationState>,
        token_providers: Vec<TokenProvider>,
    ) -> Self {
        StationHandle {
            orders,
            state,
            token_providers,
            display: None,
        }
    }

    /// The handle with the station's display.
    pub fn with_display(mut self, display: Option<SharedDisplay>) -> Self {
        self.display = display;
        self
    }

    fn display(&self) -> Result<MutexGuard<'_, TerminalDisplay>, ControlError> {
        self.display
            .as_ref()
            .map(lock_display)
            .ok_or_else(no_display)
    }

    /// The state, to wait on changes (`changed()`, `wait_for`).
    pub fn watch_state(&self) -> watch::Receiver<StationState> {
        self.state.clone()
    }

    /// The token provider a token is presented at: `asked` when it is one of the station's
    /// DummyTokenProviderManual modules connected to Auth, else the first of them. EVerest's
    /// DummyTokenProviderManual publishes what arrives on its MQTT topic; ferrocharge has no
    /// MQTT, so `POST /tokens` is that topic.
    fn token_provider(&self, asked: Option<&str>) -> Result<&TokenProvider, ControlError> {
        match asked {
            Some(id) => self.token_providers.iter().find(|p| p.id == id).ok_or_else(|| {
                let known: Vec<&str> = self.token_providers.iter().map(|p| p.id.as_str()).collect();
                ControlError::NotFound(format!(
                    "provider: no DummyTokenProviderManual '{id}' is connected to Auth's token_provider (there are: {})",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ))
            }),
            None => self.token_providers.first().ok_or_else(|| {
                ControlError::Conflict(
                    "the station has no DummyTokenProviderManual connected to Auth's token_provider: no reader to present a token at"
                        .to_owned(),
                )
            }),
        }
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

    fn token(&self, mut request: Token) -> Result<(), ControlError> {
        let provider = self.token_provider(request.provider.as_deref())?;
        let id_tag = request
            .id_tag
            .take()
            .unwrap_or_else(|| provider.token.clone());
        if id_tag.is_empty() || id_tag.chars().count() > 20 {
            return Err(ControlError::Invalid(
                "id_tag must have 1 to 20 characters".to_owned(),
            ));
        }
        for c in request.connectors.iter().flatten() {
            self.plugged(*c)?;
        }
        request.id_tag = Some(id_tag);
        request.provider = Some(provider.id.clone());
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

    fn set_display_messages(
        &self,
        messages: Vec<DisplayMessage>,
    ) -> Result<SetDisplayMessageResponse, ControlError> {
        Ok(self.display()?.set(messages, chrono::Utc::now()))
    }

    fn display_messages(
        &self,
        request: GetDisplayMessageRequest,
    ) -> Result<Vec<DisplayMessage>, ControlError> {
        Ok(self.display()?.get(&request))
    }

    fn clear_display_message(&self, id: i32) -> Result<ClearMessageResponse, ControlError> {
        Ok(self.display()?.clear(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::state::Tracker;

    fn handle(providers: &[&str]) -> (StationHandle, mpsc::UnboundedReceiver<Order>) {
        let (orders, rx) = mpsc::unbounded_channel();
        let (_state_tx, state) = watch::channel(Tracker::new("cp", 1).state().clone());
        let providers = providers
            .iter()
            .map(|p| TokenProvider {
                id: (*p).to_owned(),
                token: format!("{p}-TOKEN"),
            })
            .collect();
        (StationHandle::new(orders, state, providers), rx)
    }

    fn token(provider: Option<&str>) -> Token {
        Token {
            id_tag: Some("RFID1".into()),
            connectors: None,
            prevalidated: false,
            provider: provider.map(str::to_owned),
        }
    }

    #[test]
    fn a_token_is_read_by_the_first_manual_provider_unless_one_is_named() {
        let (h, mut rx) = handle(&["reader_a", "reader_b"]);
        h.token(token(None)).unwrap();
        h.token(token(Some("reader_b"))).unwrap();
        let provider = |o: Option<Order>| match o {
            Some(Order::Token(t)) => t.provider,
            other => panic!("{other:?}"),
        };
        assert_eq!(provider(rx.try_recv().ok()).as_deref(), Some("reader_a"));
        assert_eq!(provider(rx.try_recv().ok()).as_deref(), Some("reader_b"));
    }

    #[test]
    fn without_an_id_tag_the_provider_presents_its_configured_token() {
        let (h, mut rx) = handle(&["reader_a", "reader_b"]);
        let mut request = token(Some("reader_b"));
        request.id_tag = None;
        h.token(request).unwrap();
        match rx.try_recv() {
            Ok(Order::Token(t)) => {
                assert_eq!(t.id_tag.as_deref(), Some("reader_b-TOKEN"));
                assert_eq!(t.provider.as_deref(), Some("reader_b"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unknown_provider_or_none_at_all_is_refused_and_nothing_is_sent() {
        let (h, mut rx) = handle(&["reader_a"]);
        let err = h.token(token(Some("ocpp"))).unwrap_err();
        assert!(
            matches!(&err, ControlError::NotFound(m) if m.contains("'ocpp'") && m.contains("reader_a")),
            "{err:?}"
        );
        let (none, _rx2) = handle(&[]);
        let err = none.token(token(None)).unwrap_err();
        assert!(
            matches!(&err, ControlError::Conflict(m) if m.contains("DummyTokenProviderManual")),
            "{err:?}"
        );
        assert!(rx.try_recv().is_err());
    }
}
