//! [`StationControl`] over the running station: every request is checked here as far as it
//! can be without the simulation, then handed to the station loop as an [`Order`] with a
//! [`Responder`]; the loop checks the rest against the simulation and the core, carries it
//! out, and answers once the state it publishes shows the result.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{mpsc, oneshot, watch};

use ocpp_types::core::{DataTransferRequest, Reason};

use crate::control_api::{
    no_display, no_error_history, CarScript, ControlError, DataTransferReply,
    HardwareError as ErrorRequest, MeterOverride, OcppFrame, Outcome, PlugIn, Reply,
    SecurityEventRequest, StationControl, StationState, StopTransaction, Token, RECENT_FRAMES,
};
use crate::control_api::{EnableDisable, ExternalLimit};
use crate::display::{
    ClearMessageResponse, DisplayMessage, GetDisplayMessageRequest, SetDisplayMessageResponse,
    TerminalDisplay,
};
use crate::sim::enable_sources::{EnableEntry, LOWEST_PRIORITY};
use crate::sim::evse_manager::random_delay::RandomDelayCommand;
use crate::sim::{HardwareError, Script};

/// How many control-API orders may wait for the station loop; more wait in their HTTP request.
pub const ORDER_BUFFER: usize = 64;

/// Where the station loop answers an order.
pub type Responder = oneshot::Sender<Result<Outcome, ControlError>>;

/// What the control API asks of the station loop, and where to answer.
#[derive(Debug)]
pub struct Order {
    /// What to do.
    pub kind: OrderKind,
    /// Where the answer goes once it is done (or refused).
    pub reply: Responder,
}

/// What the control API asks of the station loop.
#[derive(Debug)]
pub enum OrderKind {
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
    /// The car simulation enabled (true) or disabled.
    CarEnable(u32, bool),
    /// A source enables or disables the EVSE.
    EnableDisable(u32, EnableEntry),
    /// The EVSE pauses (true) or resumes charging.
    PauseCharging(u32, bool),
    /// The API's limit on the EVSE's energy sink, A per phase or W in total.
    SetLimit(u32, LimitValue),
    /// The connector is unlocked (a running transaction stops first).
    ForceUnlock(u32),
    /// A command of the EVSE's UK random delay.
    RandomDelay(u32, RandomDelayCommand),
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
    /// The station detected a security event.
    SecurityEvent(SecurityEventRequest),
    /// A DataTransfer to the CSMS (the OCPP module's `data_transfer` command): the order is
    /// answered once it is sent, the CSMS's answer goes to the sender.
    DataTransfer(
        DataTransferRequest,
        super::data_transfer::DataTransferAnswer,
    ),
    /// Stop the station.
    Stop,
}

/// An external limit, checked: current per phase or total power (0: import nothing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LimitValue {
    /// A per phase, at most on `phases` phases when given.
    Amps(f64, Option<u8>),
    /// W in total.
    Watts(f64),
}

/// The largest limit taken, A or W (beyond any station): keeps the energy tree's arithmetic
/// finite.
const MAX_LIMIT: f64 = 1e7;

/// The handle the control API (and tests) drive the station with.
#[derive(Debug, Clone)]
pub struct StationHandle {
    /// Boxed: an order is about 100 bytes, and a tokio channel allocates room for 32 items
    /// when it is made (every station of a fleet has one, mostly idle).
    orders: mpsc::Sender<Box<Order>>,
    state: watch::Receiver<StationState>,
    /// The DummyTokenProviderManual modules connected to Auth's `token_provider`, in the
    /// order of the connections: the readers `POST /tokens` presents a token at.
    token_providers: Vec<TokenProvider>,
    /// The TerminalDisplayMessage module's display, if the station has one.
    display: Option<SharedDisplay>,
    /// The last [`RECENT_FRAMES`] OCPP frames, oldest first.
    frames: Arc<Mutex<VecDeque<OcppFrame>>>,
    /// The ErrorHistory module's database, if the station has one.
    error_history: Option<crate::error_history::SharedErrorHistory>,
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
        orders: mpsc::Sender<Box<Order>>,
        state: watch::Receiver<StationState>,
        token_providers: Vec<TokenProvider>,
    ) -> Self {
        StationHandle {
            orders,
            state,
            token_providers,
            display: None,
            frames: Arc::default(),
            error_history: None,
        }
    }

    /// The handle with the station's error history.
    pub fn with_error_history(
        mut self,
        history: Option<crate::error_history::SharedErrorHistory>,
    ) -> Self {
        self.error_history = history;
        self
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

    /// Keeps `frame` among the last [`RECENT_FRAMES`] (the station loop calls it for every
    /// frame it logs).
    pub fn record_frame(&self, frame: OcppFrame) {
        // A panic elsewhere while holding the lock leaves a list of whole frames: ignore poison.
        let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
        if frames.len() == RECENT_FRAMES {
            frames.pop_front();
        }
        frames.push_back(frame);
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

    /// Hands `kind` to the station loop and waits for its answer. The order is queued at
    /// once when there is room ([`ORDER_BUFFER`]); when a client floods the station, the
    /// request waits for room instead (back-pressure on the HTTP request, nothing dropped).
    fn ask(&self, kind: OrderKind) -> Reply<'_> {
        let (reply, answer) = oneshot::channel();
        let waiting = match self.orders.try_send(Box::new(Order { kind, reply })) {
            Ok(()) => None,
            Err(mpsc::error::TrySendError::Full(order)) => Some(order),
            Err(mpsc::error::TrySendError::Closed(_)) => {
                return Self::refuse(ControlError::Unavailable(
                    "the station is stopping".to_owned(),
                ))
            }
        };
        Box::pin(async move {
            if let Some(order) = waiting {
                self.orders
                    .send(order)
                    .await
                    .map_err(|_| ControlError::Unavailable("the station is stopping".to_owned()))?;
            }
            answer.await.map_err(|_| {
                ControlError::Unavailable("the station stopped before it answered".to_owned())
            })?
        })
    }

    /// A refusal, as a reply.
    fn refuse(error: ControlError) -> Reply<'static> {
        Box::pin(async move { Err(error) })
    }
}

impl StationControl for StationHandle {
    fn state(&self) -> StationState {
        self.state.borrow().clone()
    }

    fn data_transfer(&self, request: DataTransferRequest) -> DataTransferReply<'_> {
        let (answer, answered) = oneshot::channel();
        let sent = self.ask(OrderKind::DataTransfer(request, answer));
        Box::pin(async move {
            sent.await?;
            answered.await.map_err(|_| {
                ControlError::Unavailable("the station stopped before the CSMS answered".to_owned())
            })?
        })
    }

    fn plug_in(&self, connector: u32, request: PlugIn) -> Reply<'_> {
        self.ask(OrderKind::PlugIn(connector, request))
    }

    fn unplug(&self, connector: u32) -> Reply<'_> {
        self.ask(OrderKind::Unplug(connector))
    }

    fn ev_pause(&self, connector: u32) -> Reply<'_> {
        self.ask(OrderKind::EvPause(connector))
    }

    fn ev_resume(&self, connector: u32) -> Reply<'_> {
        self.ask(OrderKind::EvResume(connector))
    }

    fn car_script(&self, connector: u32, request: CarScript) -> Reply<'_> {
        // Parsed for any car here; the EVSE's car refuses the iso_ commands it is not
        // connected for when it gets the script.
        match Script::parse_with(&request.script, crate::sim::IsoSupport::ALL) {
            Ok(script) => self.ask(OrderKind::CarScript(connector, script, request.replace)),
            Err(e) => Self::refuse(ControlError::Invalid(e.to_string())),
        }
    }

    fn car_enable(&self, connector: u32, enable: bool) -> Reply<'_> {
        self.ask(OrderKind::CarEnable(connector, enable))
    }

    fn enable_disable(&self, connector: u32, request: EnableDisable) -> Reply<'_> {
        if request.priority > LOWEST_PRIORITY {
            return Self::refuse(ControlError::Invalid(format!(
                "priority: {} is out of range (0 to {LOWEST_PRIORITY})",
                request.priority
            )));
        }
        // An EVSE of the simulation has one connector: 0 (the EVSE) and 1 name it.
        if request.connector_id > 1 {
            return Self::refuse(ControlError::Invalid(format!(
                "connector_id: {} is not a connector of the EVSE at connector {connector} (0: the EVSE, 1: its connector)",
                request.connector_id
            )));
        }
        self.ask(OrderKind::EnableDisable(
            connector,
            EnableEntry {
                source: request.source,
                state: request.state,
                priority: request.priority,
            },
        ))
    }

    fn pause_charging(&self, connector: u32) -> Reply<'_> {
        self.ask(OrderKind::PauseCharging(connector, true))
    }

    fn random_delay(&self, connector: u32, command: RandomDelayCommand) -> Reply<'_> {
        self.ask(OrderKind::RandomDelay(connector, command))
    }

    fn resume_charging(&self, connector: u32) -> Reply<'_> {
        self.ask(OrderKind::PauseCharging(connector, false))
    }

    fn set_limit(&self, connector: u32, request: ExternalLimit) -> Reply<'_> {
        let finite = |name: &str, v: f64| {
            if v.is_finite() && v.abs() <= MAX_LIMIT {
                Ok(v)
            } else {
                Err(ControlError::Invalid(format!(
                    "{name}: {v} is out of range (-{MAX_LIMIT} to {MAX_LIMIT})"
                )))
            }
        };
        let value = match request {
            ExternalLimit {
                amps: Some(a),
                watts: None,
                phases,
            } => {
                if let Some(p) = phases.filter(|p| ![1, 3].contains(p)) {
                    return Self::refuse(ControlError::Invalid(format!(
                        "phases: {p} is not 1 or 3"
                    )));
                }
                finite("amps", a).map(|a| LimitValue::Amps(a, phases))
            }
            ExternalLimit {
                amps: None,
                watts: Some(w),
                phases: None,
            } => finite("watts", w).map(LimitValue::Watts),
            _ => Err(ControlError::Invalid(
                "give either amps (with phases or not) or watts".to_owned(),
            )),
        };
        match value {
            Ok(value) => self.ask(OrderKind::SetLimit(connector, value)),
            Err(e) => Self::refuse(e),
        }
    }

    fn force_unlock(&self, connector: u32) -> Reply<'_> {
        self.ask(OrderKind::ForceUnlock(connector))
    }

    fn hardware_error(&self, connector: u32, request: ErrorRequest) -> Reply<'_> {
        match HardwareError::from_name(&request.error_type) {
            Ok(error) => self.ask(OrderKind::HardwareError(connector, error, request.raise)),
            Err(e) => Self::refuse(ControlError::Invalid(e.to_string())),
        }
    }

    fn meter(&self, connector: u32, request: MeterOverride) -> Reply<'_> {
        self.ask(OrderKind::Meter(connector, request))
    }

    fn token(&self, mut request: Token) -> Reply<'_> {
        let provider = match self.token_provider(request.provider.as_deref()) {
            Ok(provider) => provider,
            Err(e) => return Self::refuse(e),
        };
        let id_tag = request
            .id_tag
            .take()
            .unwrap_or_else(|| provider.token.clone());
        if id_tag.is_empty() || id_tag.chars().count() > 20 {
            return Self::refuse(ControlError::Invalid(
                "id_tag must have 1 to 20 characters".to_owned(),
            ));
        }
        let unknown = {
            let state = self.state.borrow();
            request
                .connectors
                .iter()
                .flatten()
                .find(|c| state.connector(**c).is_none())
                .copied()
        };
        if let Some(c) = unknown {
            return Self::refuse(ControlError::NotFound(format!("no connector {c}")));
        }
        request.id_tag = Some(id_tag);
        request.provider = Some(provider.id.clone());
        self.ask(OrderKind::Token(request))
    }

    fn ocpp_disconnect(&self) -> Reply<'_> {
        self.ask(OrderKind::Online(false))
    }

    fn ocpp_connect(&self) -> Reply<'_> {
        self.ask(OrderKind::Online(true))
    }

    fn stop(&self) -> Reply<'_> {
        self.ask(OrderKind::Stop)
    }

    fn stop_transaction(&self, connector: u32, request: StopTransaction) -> Reply<'_> {
        let reason: Reason = match serde_json::from_value(serde_json::Value::String(request.reason))
        {
            Ok(reason) => reason,
            Err(e) => return Self::refuse(ControlError::Invalid(format!("reason: {e}"))),
        };
        self.ask(OrderKind::StopTransaction(connector, reason))
    }

    fn security_event(&self, request: SecurityEventRequest) -> Reply<'_> {
        self.ask(OrderKind::SecurityEvent(request))
    }

    fn recent_frames(&self) -> Vec<OcppFrame> {
        self.frames
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    fn set_display_messages(
        &self,
        messages: Vec<DisplayMessage>,
    ) -> Result<SetDisplayMessageResponse, ControlError> {
        Ok(self.display()?.set(messages, chrono::Utc::now()))
    }

    fn error_history(
        &self,
        filter: &crate::error_history::ErrorFilter,
    ) -> Result<Vec<crate::error_history::ErrorObject>, ControlError> {
        let history = self.error_history.as_ref().ok_or_else(no_error_history)?;
        crate::error_history::lock(history)
            .errors(filter)
            .map_err(|e| ControlError::Unavailable(e.to_string()))
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

    fn handle(providers: &[&str]) -> (StationHandle, mpsc::Receiver<Box<Order>>) {
        let (orders, rx) = mpsc::channel(ORDER_BUFFER);
        let (_state_tx, state) = watch::channel(crate::runtime::state::initial("cp", 1));
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

    /// The token order the handle sent, answered so the reply resolves.
    fn sent_token(rx: &mut mpsc::Receiver<Box<Order>>) -> Token {
        match rx.try_recv().map(|order| *order) {
            Ok(Order {
                kind: OrderKind::Token(t),
                reply,
            }) => {
                let _ = reply.send(Ok(Outcome::done()));
                t
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_token_is_read_by_the_first_manual_provider_unless_one_is_named() {
        let (h, mut rx) = handle(&["reader_a", "reader_b"]);
        let first = h.token(token(None));
        assert_eq!(sent_token(&mut rx).provider.as_deref(), Some("reader_a"));
        first.await.unwrap();
        let second = h.token(token(Some("reader_b")));
        assert_eq!(sent_token(&mut rx).provider.as_deref(), Some("reader_b"));
        second.await.unwrap();
    }

    #[tokio::test]
    async fn without_an_id_tag_the_provider_presents_its_configured_token() {
        let (h, mut rx) = handle(&["reader_a", "reader_b"]);
        let mut request = token(Some("reader_b"));
        request.id_tag = None;
        let reply = h.token(request);
        let t = sent_token(&mut rx);
        assert_eq!(t.id_tag.as_deref(), Some("reader_b-TOKEN"));
        assert_eq!(t.provider.as_deref(), Some("reader_b"));
        reply.await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_provider_or_connector_or_none_at_all_is_refused_and_nothing_is_sent() {
        let (h, mut rx) = handle(&["reader_a"]);
        let err = h.token(token(Some("ocpp"))).await.unwrap_err();
        assert!(
            matches!(&err, ControlError::NotFound(m) if m.contains("'ocpp'") && m.contains("reader_a")),
            "{err:?}"
        );
        let mut elsewhere = token(None);
        elsewhere.connectors = Some(vec![5]);
        let err = h.token(elsewhere).await.unwrap_err();
        assert_eq!(err, ControlError::NotFound("no connector 5".into()));
        let (none, _rx2) = handle(&[]);
        let err = none.token(token(None)).await.unwrap_err();
        assert!(
            matches!(&err, ControlError::Conflict(m) if m.contains("DummyTokenProviderManual")),
            "{err:?}"
        );
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_flood_of_orders_waits_for_room_and_loses_none() {
        let (h, mut rx) = handle(&["reader_a"]);
        let mut replies: Vec<_> = (0..ORDER_BUFFER).map(|_| h.unplug(1)).collect();
        // The buffer is full: one more waits in its request, not in the channel.
        let mut extra = h.unplug(1);
        assert!(futures_util::FutureExt::now_or_never(&mut extra).is_none());
        assert_eq!(rx.len(), ORDER_BUFFER);
        // The loop takes one: the waiting order gets in; every one is answered.
        let answer = |order: Order| {
            let _ = order.reply.send(Ok(Outcome::done()));
        };
        answer(*rx.recv().await.unwrap());
        assert!(futures_util::FutureExt::now_or_never(&mut extra).is_none());
        assert_eq!(rx.len(), ORDER_BUFFER);
        while let Ok(order) = rx.try_recv() {
            answer(*order);
        }
        for reply in replies.drain(..) {
            reply.await.unwrap();
        }
        extra.await.unwrap();
    }

    #[tokio::test]
    async fn a_station_that_is_gone_answers_unavailable() {
        let (h, rx) = handle(&["reader_a"]);
        drop(rx);
        let err = h.unplug(1).await.unwrap_err();
        assert!(matches!(err, ControlError::Unavailable(_)), "{err:?}");
    }
}
