//! [`Csms`]: the listening dev central system, the handle the binary, `ferrocharge sil` and
//! tests drive it with.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ocpp_types::{Action, AnyRequest, AnyResponse, DateTime};
use ocpp_ws::{Authorizer, Handshake, Refusal, Server, ServerConnection, ServerOptions};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::calls::CallLog;
use crate::error::{CallError, CsmsError};
use crate::frames::{self, Direction, Frame, FrameLog};
use crate::options::{CsmsOptions, TagEntry};
use crate::pricing::Pricing;
use crate::session::{self, Command};
use crate::state::{ConnectionSecurity, RegistrationAnswer, State};
use crate::store::{Store, StoreError};
use crate::updates::{CallOutcome, CallRecord, Update};

/// Something that happened, for whoever [subscribed](Csms::subscribe): tests wait for these
/// instead of sleeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsmsEvent {
    /// A charge point's websocket was accepted.
    Connected {
        /// Its ChargePointId.
        charge_point_id: String,
    },
    /// A charge point's websocket closed.
    Disconnected {
        /// Its ChargePointId.
        charge_point_id: String,
    },
    /// A charge point's CALL was recorded and answered (the answer is on its way).
    Handled {
        /// Its ChargePointId.
        charge_point_id: String,
        /// The action of the CALL.
        action: Action,
    },
}

/// The live connection of one charge point, as the API sees it.
struct SessionHandle {
    /// Tells this connection from a later one of the same charge point.
    serial: u64,
    commands: mpsc::Sender<Command>,
}

/// What the API, the HTTP server and the sessions share. Locks are taken one at a time, except
/// state then store (in that order).
pub(crate) struct Shared {
    pub(crate) options: CsmsOptions,
    state: Mutex<State>,
    store: Mutex<Store>,
    sessions: Mutex<HashMap<String, SessionHandle>>,
    events: broadcast::Sender<CsmsEvent>,
    updates: broadcast::Sender<Update>,
    frames: Mutex<FrameLog>,
    calls: Mutex<CallLog>,
    serials: AtomicU64,
    /// Where the web UI and the API are served (the real port), for links to them.
    pub(crate) http_addr: Option<SocketAddr>,
}

fn now() -> DateTime {
    DateTime::from_utc(chrono::Utc::now())
}

impl Shared {
    /// The state, locked. A handler that panicked leaves it usable (it is only records).
    pub(crate) fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The database, locked; take it after the state when both are needed.
    pub(crate) fn lock_store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lock_frames(&self) -> MutexGuard<'_, FrameLog> {
        self.frames.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn lock_calls(&self) -> MutexGuard<'_, CallLog> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_sessions(&self) -> MutexGuard<'_, HashMap<String, SessionHandle>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn announce(&self, event: CsmsEvent) {
        // No subscriber is fine.
        let _ = self.events.send(event);
    }

    /// Tells the event streams what changed.
    pub(crate) fn update(&self, update: Update) {
        // No subscriber is fine.
        let _ = self.updates.send(update);
    }

    /// The updates from now on.
    pub(crate) fn subscribe_updates(&self) -> broadcast::Receiver<Update> {
        self.updates.subscribe()
    }

    /// Records a frame of `cp` in its log and tells the event streams.
    pub(crate) fn record_frame(&self, cp: &str, direction: Direction, text: &str) {
        let frame = self.lock_frames().record(cp, direction, now(), text);
        self.update(Update::Frame(Arc::new(frame)));
    }

    /// Registers a new connection of `cp`, replacing an older one (which keeps running until
    /// its socket closes, but no longer receives the API's CALLs).
    fn register(&self, cp: &str, security: ConnectionSecurity) -> (u64, mpsc::Receiver<Command>) {
        let serial = self.serials.fetch_add(1, Ordering::Relaxed);
        let (commands, receiver) = mpsc::channel(16);
        let old = self
            .lock_sessions()
            .insert(cp.to_owned(), SessionHandle { serial, commands });
        if old.is_some() {
            tracing::warn!("{cp} connected again; the new connection replaces the old one");
        }
        {
            let mut state = self.lock_state();
            let new = !state.charge_points.contains_key(cp);
            let record = state.charge_point_mut(cp);
            record.connected = true;
            record.security = Some(security);
            record.connected_at = Some(now());
            if new {
                if let Err(e) = self.lock_store().put_charge_point(cp, None) {
                    tracing::warn!("charge point {cp} is not saved: {e}");
                }
            }
        }
        tracing::info!("{cp} connected (security profile {})", security.profile);
        self.announce(CsmsEvent::Connected {
            charge_point_id: cp.to_owned(),
        });
        self.update(Update::ChargePoint(cp.to_owned()));
        (serial, receiver)
    }

    /// Forgets connection `serial` of `cp`, unless a newer one took its place.
    pub(crate) fn unregister(&self, cp: &str, serial: u64) {
        let mut sessions = self.lock_sessions();
        if sessions.get(cp).is_none_or(|s| s.serial != serial) {
            tracing::info!("{cp}: the replaced connection closed");
            return;
        }
        sessions.remove(cp);
        drop(sessions);
        self.lock_state().charge_point_mut(cp).connected = false;
        self.lock_frames().connection_ended(cp);
        tracing::info!("{cp} disconnected");
        self.announce(CsmsEvent::Disconnected {
            charge_point_id: cp.to_owned(),
        });
        self.update(Update::ChargePoint(cp.to_owned()));
    }

    fn commands(&self, cp: &str) -> Option<mpsc::Sender<Command>> {
        self.lock_sessions().get(cp).map(|s| s.commands.clone())
    }

    /// Closes the connection of `cp`; false if it is not connected.
    pub(crate) async fn close(&self, cp: &str) -> bool {
        match self.commands(cp) {
            Some(commands) => commands.send(Command::Close).await.is_ok(),
            None => false,
        }
    }

    /// Whether `cp` is connected now.
    pub(crate) fn is_connected(&self, cp: &str) -> bool {
        self.lock_sessions().contains_key(cp)
    }

    /// Sends a CALL to `cp` and waits for its outcome, recording it in the call log. With
    /// `exclusive`, refuses ([`CallError::Busy`]) while another call to `cp` waits. The call
    /// runs in a task of its own: a caller that stops waiting does not lose its outcome.
    pub(crate) async fn call(
        self: &Arc<Self>,
        cp: &str,
        request: AnyRequest,
        exclusive: bool,
    ) -> Result<AnyResponse, CallError> {
        let action = request.action();
        let not_connected = || CallError::NotConnected(cp.to_owned());
        let commands = self.commands(cp).ok_or_else(not_connected)?;
        let mut payload = request.to_json();
        frames::redact_call_payload(action.as_str(), &mut payload);
        let record = {
            let mut calls = self.lock_calls();
            if let (true, Some(waiting)) = (exclusive, calls.waiting(cp)) {
                return Err(CallError::Busy(waiting));
            }
            calls.start(cp, action, payload, now())
        };
        self.update(Update::Call(Arc::clone(&record)));
        self.update(Update::ChargePoint(cp.to_owned()));
        let shared = Arc::clone(self);
        let cp = cp.to_owned();
        let task = tokio::spawn(async move {
            let (reply, answer) = oneshot::channel();
            let sent = commands
                .send(Command::Call {
                    request: Box::new(request),
                    reply,
                })
                .await;
            let result = match sent {
                Ok(()) => answer.await.unwrap_or(Err(CallError::Disconnected(action))),
                Err(_) => Err(CallError::NotConnected(cp.clone())),
            };
            shared.finish_call(&cp, &record, &result);
            result
        });
        task.await.unwrap_or(Err(CallError::Disconnected(action)))
    }

    fn finish_call(&self, cp: &str, record: &CallRecord, result: &Result<AnyResponse, CallError>) {
        let outcome = match result {
            Ok(response) => CallOutcome::Answered {
                payload: response.to_json(),
            },
            Err(CallError::CallError(info, _)) => CallOutcome::CallError {
                code: info.code.to_string(),
                description: info.description.clone(),
                details: info.details.clone(),
            },
            Err(CallError::Timeout(_)) => CallOutcome::Timeout,
            Err(CallError::Refused(e)) => CallOutcome::CallError {
                code: "NotSent".to_owned(),
                description: e.to_string(),
                details: serde_json::json!({}),
            },
            Err(CallError::Disconnected(_) | CallError::NotConnected(_) | CallError::Busy(_)) => {
                CallOutcome::Disconnected
            }
        };
        let done = self.lock_calls().finish(cp, record.seq, outcome);
        if let Some(done) = done {
            self.update(Update::Call(done));
        }
        self.update(Update::ChargePoint(cp.to_owned()));
    }

    /// Adds or replaces a tag, in the database first.
    pub(crate) fn put_tag(&self, tag: TagEntry) -> Result<(), StoreError> {
        {
            let mut state = self.lock_state();
            self.lock_store().put_tag(&tag)?;
            state.put_tag(tag);
        }
        self.update(Update::Tags);
        Ok(())
    }

    /// Removes a tag; the one removed, if it was there.
    pub(crate) fn remove_tag(&self, id_tag: &str) -> Result<Option<TagEntry>, StoreError> {
        let removed = {
            let mut state = self.lock_state();
            let Some(tag) = state.tag(id_tag).cloned() else {
                return Ok(None);
            };
            self.lock_store().delete_tag(&tag.id_tag)?;
            state.remove_tag(id_tag)
        };
        self.update(Update::Tags);
        Ok(removed)
    }

    /// Replaces the pricing settings, in the database first.
    pub(crate) fn put_pricing(&self, pricing: Pricing) -> Result<(), StoreError> {
        {
            let mut state = self.lock_state();
            self.lock_store().put_pricing(&pricing)?;
            state.pricing = pricing;
        }
        self.update(Update::Pricing);
        Ok(())
    }

    /// Sets what `cp`'s BootNotification is answered (`None`: the CSMS's default); a charge
    /// point not seen yet is added to the list.
    pub(crate) fn set_registration_answer(
        &self,
        cp: &str,
        answer: Option<RegistrationAnswer>,
    ) -> Result<(), StoreError> {
        {
            let mut state = self.lock_state();
            self.lock_store().put_charge_point(cp, answer)?;
            state.charge_point_mut(cp).registration_answer = answer;
        }
        self.update(Update::ChargePoint(cp.to_owned()));
        Ok(())
    }
}

/// The running dev CSMS. Dropping it stops accepting, closes every connection and stops the
/// HTTP server.
pub struct Csms {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    accept_loop: JoinHandle<()>,
    /// Turns true on drop: the HTTP server and its event streams stop.
    stop_http: watch::Sender<bool>,
}

impl std::fmt::Debug for Csms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Csms")
            .field("local_addr", &self.local_addr)
            .field("http_addr", &self.http_addr)
            .field("options", &self.shared.options)
            .finish()
    }
}

impl Drop for Csms {
    fn drop(&mut self) {
        self.accept_loop.abort();
        let _ = self.stop_http.send(true);
        for session in self.shared.lock_sessions().values() {
            let _ = session.commands.try_send(Command::Close);
        }
    }
}

impl Csms {
    /// Opens the database, listens on `options.listen` and serves charge points on
    /// `options.path_prefix`, and the web UI on `options.http`, until dropped. Needs a tokio
    /// runtime.
    pub async fn bind(options: CsmsOptions) -> Result<Csms, CsmsError> {
        let prefix = &options.path_prefix;
        if !prefix.starts_with('/') || !prefix.ends_with('/') {
            return Err(CsmsError::PathPrefix(prefix.clone()));
        }
        if let Some(http) = options.http {
            if options.http_token.is_none() && !http.ip().is_loopback() {
                return Err(CsmsError::HttpTokenRequired(http));
            }
        }
        let mut store = Store::open(options.data_dir.as_deref())?;
        store.seed_tags(&options.tags, options.replace_tags)?;
        store.add_missing_tags(&options.ensure_tags)?;
        let mut state = State::from_loaded(store.load()?);
        if let Some(pricing) = &options.pricing {
            state.pricing = pricing.clone();
        }
        if let Some(enabled) = options.pricing_enabled {
            state.pricing.enabled = enabled;
        }
        store.put_pricing(&state.pricing)?;
        let server_options = ServerOptions {
            tls: options.tls.clone(),
            authorizer: Some(authorizer(&options)),
            ..ServerOptions::default()
        };
        let addr = options.listen;
        let server = Server::bind(addr, server_options)
            .await
            .map_err(|source| CsmsError::Bind { addr, source })?;
        let http_listener = match options.http {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|source| CsmsError::BindHttp { addr, source })?,
            ),
            None => None,
        };
        let local_addr = server.local_addr();
        let bound_http = http_listener.as_ref().and_then(|l| l.local_addr().ok());
        let (events, _) = broadcast::channel(256);
        let (updates, _) = broadcast::channel(1024);
        let shared = Arc::new(Shared {
            options,
            state: Mutex::new(state),
            store: Mutex::new(store),
            sessions: Mutex::new(HashMap::new()),
            events,
            updates,
            frames: Mutex::new(FrameLog::default()),
            calls: Mutex::new(CallLog::default()),
            serials: AtomicU64::new(1),
            http_addr: bound_http,
        });
        let accept_loop = tokio::spawn(accept_loop(server, Arc::clone(&shared)));
        let (stop_http, stopped) = watch::channel(false);
        let http_addr = match http_listener {
            Some(listener) => {
                let addr = listener
                    .local_addr()
                    .map_err(|source| CsmsError::BindHttp {
                        addr: shared.options.http.unwrap_or(local_addr),
                        source,
                    })?;
                let access = crate::http::Access::new(addr, shared.options.http_token.clone());
                tokio::spawn(crate::http::serve(
                    listener,
                    Arc::clone(&shared),
                    access,
                    stopped,
                ));
                Some(addr)
            }
            None => None,
        };
        // Debug: whoever started the CSMS prints its URL (Csms::url) where its user looks.
        tracing::debug!(
            "dev CSMS listening on {}{}<ChargePointId>",
            scheme(&shared.options),
            shared.options.path_prefix
        );
        Ok(Csms {
            shared,
            local_addr,
            http_addr,
            accept_loop,
            stop_http,
        })
    }

    /// The address listened on (with the real port when `listen` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where the web UI and the HTTP API are served (with the real port), if they are.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// The URL to put in a station's CentralSystemURI (the ChargePointId is appended to it),
    /// e.g. `ws://127.0.0.1:8180/steve/websocket/CentralSystemService/`.
    pub fn url(&self) -> String {
        format!(
            "{}{}{}",
            scheme(&self.shared.options),
            self.local_addr,
            self.shared.options.path_prefix
        )
    }

    /// Where its database is: `<data_dir>/csms.db`, or `:memory:`.
    pub fn database(&self) -> String {
        self.shared.lock_store().label().to_owned()
    }

    /// Records the web UI of the station behind `charge_point_id` (`ferrocharge sil` knows
    /// it), for the CSMS's web UI to link to.
    pub fn set_station_ui(&self, charge_point_id: &str, url: &str) {
        self.shared
            .lock_state()
            .charge_point_mut(charge_point_id)
            .station_ui = Some(url.to_owned());
        self.shared
            .update(Update::ChargePoint(charge_point_id.to_owned()));
    }

    /// The settings it runs with.
    pub fn options(&self) -> &CsmsOptions {
        &self.shared.options
    }

    /// A snapshot of everything recorded so far.
    pub fn state(&self) -> State {
        self.shared.lock_state().clone()
    }

    /// The tags in force, oldest first.
    pub fn tags(&self) -> Vec<TagEntry> {
        self.shared.lock_state().tags.clone()
    }

    /// The tags answered Accepted now (not blocked, not expired), oldest first.
    pub fn accepted_tags(&self) -> Vec<TagEntry> {
        let now = now();
        self.shared
            .lock_state()
            .tags
            .iter()
            .filter(|t| t.status_at(now) == ocpp_types::id_tag::AuthorizationStatus::Accepted)
            .cloned()
            .collect()
    }

    /// Adds or replaces a tag (also in the database).
    pub fn put_tag(&self, tag: TagEntry) -> Result<(), StoreError> {
        self.shared.put_tag(tag)
    }

    /// Sets what `charge_point_id`'s BootNotification is answered; `None`: the default of
    /// [`CsmsOptions`].
    pub fn set_registration_answer(
        &self,
        charge_point_id: &str,
        answer: Option<RegistrationAnswer>,
    ) -> Result<(), StoreError> {
        self.shared.set_registration_answer(charge_point_id, answer)
    }

    /// The kept frames of `charge_point_id`'s message log, oldest first.
    pub fn frames(&self, charge_point_id: &str) -> Vec<Frame> {
        self.shared
            .lock_frames()
            .frames(charge_point_id)
            .cloned()
            .collect()
    }

    /// The events from now on. A receiver that falls more than 256 events behind loses the
    /// oldest ([`broadcast`] semantics).
    pub fn subscribe(&self) -> broadcast::Receiver<CsmsEvent> {
        self.shared.events.subscribe()
    }

    /// The ChargePointIds connected now, sorted.
    pub fn connected(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.shared.lock_sessions().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Waits until `charge_point_id` is connected (returns at once if it is).
    pub async fn wait_connected(&self, charge_point_id: &str) {
        let mut events = self.subscribe();
        if self.shared.commands(charge_point_id).is_some() {
            return;
        }
        loop {
            match events.recv().await {
                Ok(CsmsEvent::Connected {
                    charge_point_id: id,
                }) if id == charge_point_id => return,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    if self.shared.commands(charge_point_id).is_some() {
                        return;
                    }
                }
                // Cannot happen while `self` holds the sender; wait forever like a pending
                // connection would.
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }

    /// Sends a CSMS-initiated CALL (RemoteStartTransaction, GetConfiguration, Reset, ...) to a
    /// connected charge point and waits for its answer. CALLs to one charge point go out one
    /// at a time, in the order asked (OCPP-J allows one outstanding CALL per direction).
    pub async fn call(
        &self,
        charge_point_id: &str,
        request: AnyRequest,
    ) -> Result<AnyResponse, CallError> {
        self.shared.call(charge_point_id, request, false).await
    }

    /// Closes the connection of `charge_point_id`; false if it is not connected.
    pub async fn disconnect(&self, charge_point_id: &str) -> bool {
        self.shared.close(charge_point_id).await
    }
}

fn scheme(options: &CsmsOptions) -> &'static str {
    if options.tls.is_some() {
        "wss://"
    } else {
        "ws://"
    }
}

/// Refuses other paths (404) and what [`crate::security::admit`] refuses: a charge point with a
/// password and wrong or no credentials (401), a client certificate for another charge point
/// (403).
fn authorizer(options: &CsmsOptions) -> Authorizer {
    let options = options.clone();
    Arc::new(move |handshake: &Handshake<'_>| {
        if !options.path_matches(handshake.path) {
            tracing::info!(
                "refused {} from {}: path is not {}<ChargePointId>",
                handshake.path,
                handshake.peer,
                options.path_prefix
            );
            return Err(Refusal::NotFound);
        }
        match crate::security::admit(&options, handshake) {
            Ok(_) => Ok(()),
            Err((refusal, why)) => {
                tracing::warn!(
                    "refused {} from {}: {why}",
                    handshake.charge_point_id,
                    handshake.peer
                );
                Err(refusal)
            }
        }
    })
}

async fn accept_loop(mut server: Server, shared: Arc<Shared>) {
    while let Some(connection) = server.accept().await {
        spawn_session(&shared, connection);
    }
}

fn spawn_session(shared: &Arc<Shared>, connection: ServerConnection) {
    let cp = connection.charge_point_id();
    // The authorizer let it in: a certificate it presented is its own, and with a password
    // it authenticated with it unless it had a certificate (profile 3).
    let certificate = connection.client_certificate().is_some();
    let security = ConnectionSecurity::new(
        shared.options.tls.is_some(),
        shared.options.passwords.contains_key(cp) && !certificate,
        certificate,
    );
    let (serial, commands) = shared.register(cp, security);
    tokio::spawn(session::run(
        Arc::clone(shared),
        connection,
        serial,
        commands,
    ));
}
