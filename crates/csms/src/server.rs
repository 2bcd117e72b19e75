//! [`Csms`]: the listening dev central system, the handle the binary, `ferrocharge sil` and
//! tests drive it with.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ocpp_types::{Action, AnyRequest, AnyResponse};
use ocpp_ws::{Authorizer, Handshake, Refusal, Server, ServerConnection, ServerOptions};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::{CallError, CsmsError};
use crate::options::CsmsOptions;
use crate::session::{self, Command};
use crate::state::State;

/// Something that happened, for whoever [subscribed](Csms::subscribe): tests wait for these
/// instead of sleeping, the web UI will push them.
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

/// What the API and the sessions share.
pub(crate) struct Shared {
    pub(crate) options: CsmsOptions,
    state: Mutex<State>,
    sessions: Mutex<HashMap<String, SessionHandle>>,
    events: broadcast::Sender<CsmsEvent>,
    serials: AtomicU64,
}

impl Shared {
    /// The state, locked. A handler that panicked leaves it usable (it is only records).
    pub(crate) fn lock_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_sessions(&self) -> MutexGuard<'_, HashMap<String, SessionHandle>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn announce(&self, event: CsmsEvent) {
        // No subscriber is fine.
        let _ = self.events.send(event);
    }

    /// Registers a new connection of `cp`, replacing an older one (which keeps running until
    /// its socket closes, but no longer receives the API's CALLs).
    fn register(&self, cp: &str) -> (u64, mpsc::Receiver<Command>) {
        let serial = self.serials.fetch_add(1, Ordering::Relaxed);
        let (commands, receiver) = mpsc::channel(16);
        let old = self
            .lock_sessions()
            .insert(cp.to_owned(), SessionHandle { serial, commands });
        if old.is_some() {
            tracing::warn!("{cp} connected again; the new connection replaces the old one");
        }
        self.lock_state().charge_point_mut(cp).connected = true;
        tracing::info!("{cp} connected");
        self.announce(CsmsEvent::Connected {
            charge_point_id: cp.to_owned(),
        });
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
        tracing::info!("{cp} disconnected");
        self.announce(CsmsEvent::Disconnected {
            charge_point_id: cp.to_owned(),
        });
    }

    fn commands(&self, cp: &str) -> Option<mpsc::Sender<Command>> {
        self.lock_sessions().get(cp).map(|s| s.commands.clone())
    }
}

/// The running dev CSMS. Dropping it stops accepting and closes every connection.
pub struct Csms {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    accept_loop: JoinHandle<()>,
}

impl std::fmt::Debug for Csms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Csms")
            .field("local_addr", &self.local_addr)
            .field("options", &self.shared.options)
            .finish()
    }
}

impl Drop for Csms {
    fn drop(&mut self) {
        self.accept_loop.abort();
        for session in self.shared.lock_sessions().values() {
            let _ = session.commands.try_send(Command::Close);
        }
    }
}

impl Csms {
    /// Listens on `options.listen` and serves charge points on `options.path_prefix` until
    /// dropped. Needs a tokio runtime.
    pub async fn bind(options: CsmsOptions) -> Result<Csms, CsmsError> {
        let prefix = &options.path_prefix;
        if !prefix.starts_with('/') || !prefix.ends_with('/') {
            return Err(CsmsError::PathPrefix(prefix.clone()));
        }
        let server_options = ServerOptions {
            tls: options.tls.clone(),
            authorizer: Some(authorizer(&options)),
            ..ServerOptions::default()
        };
        let addr = options.listen;
        let server = Server::bind(addr, server_options)
            .await
            .map_err(|source| CsmsError::Bind { addr, source })?;
        let local_addr = server.local_addr();
        let (events, _) = broadcast::channel(256);
        let shared = Arc::new(Shared {
            options,
            state: Mutex::new(State::default()),
            sessions: Mutex::new(HashMap::new()),
            events,
            serials: AtomicU64::new(1),
        });
        let accept_loop = tokio::spawn(accept_loop(server, Arc::clone(&shared)));
        let scheme = if shared.options.tls.is_some() {
            "wss"
        } else {
            "ws"
        };
        // Debug: whoever started the CSMS prints its URL (Csms::url) where its user looks.
        tracing::debug!(
            "dev CSMS listening on {scheme}://{local_addr}{}<ChargePointId>",
            shared.options.path_prefix
        );
        Ok(Csms {
            shared,
            local_addr,
            accept_loop,
        })
    }

    /// The address listened on (with the real port when `listen` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL to put in a station's CentralSystemURI (the ChargePointId is appended to it),
    /// e.g. `ws://127.0.0.1:8180/steve/websocket/CentralSystemService/`.
    pub fn url(&self) -> String {
        let scheme = if self.shared.options.tls.is_some() {
            "wss"
        } else {
            "ws"
        };
        format!(
            "{scheme}://{}{}",
            self.local_addr, self.shared.options.path_prefix
        )
    }

    /// The settings it runs with.
    pub fn options(&self) -> &CsmsOptions {
        &self.shared.options
    }

    /// A snapshot of everything recorded so far.
    pub fn state(&self) -> State {
        self.shared.lock_state().clone()
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
        let action = request.action();
        let not_connected = || CallError::NotConnected(charge_point_id.to_owned());
        let commands = self
            .shared
            .commands(charge_point_id)
            .ok_or_else(not_connected)?;
        let (reply, answer) = oneshot::channel();
        commands
            .send(Command::Call {
                request: Box::new(request),
                reply,
            })
            .await
            .map_err(|_| not_connected())?;
        answer.await.unwrap_or(Err(CallError::Disconnected(action)))
    }

    /// Closes the connection of `charge_point_id`; false if it is not connected.
    pub async fn disconnect(&self, charge_point_id: &str) -> bool {
        match self.shared.commands(charge_point_id) {
            Some(commands) => commands.send(Command::Close).await.is_ok(),
            None => false,
        }
    }
}

/// Refuses other paths (404) and, for charge points with a password, wrong credentials (401).
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
        let cp = handshake.charge_point_id;
        let Some(password) = options.passwords.get(cp) else {
            return Ok(());
        };
        match handshake.credentials {
            Some(c) if c.matches(cp, password) => Ok(()),
            Some(_) => {
                tracing::warn!("refused {cp}: wrong Basic credentials");
                Err(Refusal::Unauthorized)
            }
            None => {
                tracing::warn!("refused {cp}: no Basic credentials");
                Err(Refusal::Unauthorized)
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
    let (serial, commands) = shared.register(connection.charge_point_id());
    tokio::spawn(session::run(
        Arc::clone(shared),
        connection,
        serial,
        commands,
    ));
}
