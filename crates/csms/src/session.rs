//! One connected charge point: the task that owns its websocket and its [`Rpc`] endpoint
//! (Role::CentralSystem), answers its CALLs through the handlers, and carries the API's CALLs to
//! it and their answers back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use ocpp_rpc::{Config, Event, MessageId, Role, Rpc};
use ocpp_types::{Action, AnyRequest, AnyResponse, DateTime};
use ocpp_ws::ServerConnection;
use tokio::sync::{mpsc, oneshot};

use crate::error::CallError;
use crate::frames::Direction;
use crate::handlers::{self, Ctx};
use crate::server::{CsmsEvent, Shared};
use crate::updates::Update;

/// The answer to a CSMS-initiated CALL.
pub(crate) type Reply = oneshot::Sender<Result<AnyResponse, CallError>>;

/// What the API asks a session to do.
#[derive(Debug)]
pub(crate) enum Command {
    /// Send this CALL and answer `reply` with its outcome.
    Call {
        /// The request (boxed: AnyRequest is large).
        request: Box<AnyRequest>,
        /// Where the outcome goes.
        reply: Reply,
    },
    /// Close the websocket.
    Close,
}

/// What woke the session up.
enum Wake {
    Frame(String),
    Closed,
    ReadFailed(String),
    Command(Option<Command>),
    Deadline,
}

/// A session: the connection and its RPC state.
struct Session {
    shared: Arc<Shared>,
    cp: String,
    rpc: Rpc,
    /// Our outstanding and queued CALLs, by message id.
    pending: HashMap<MessageId, (Action, Reply)>,
}

/// Runs the session until the charge point disconnects or is told to go; then unregisters it.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut conn: ServerConnection,
    serial: u64,
    mut commands: mpsc::Receiver<Command>,
) {
    let cp = conn.charge_point_id().to_owned();
    let config = Config::with_call_timeout(shared.options.call_timeout);
    let mut session = Session {
        shared: Arc::clone(&shared),
        cp: cp.clone(),
        rpc: Rpc::new(Role::CentralSystem, config),
        pending: HashMap::new(),
    };
    loop {
        if let Err(error) = session.flush(&mut conn).await {
            tracing::warn!("{cp}: send failed: {error}");
            break;
        }
        let deadline = session.rpc.poll_timeout();
        let wake = tokio::select! {
            received = conn.recv() => match received {
                Ok(Some(text)) => Wake::Frame(text),
                Ok(None) => Wake::Closed,
                Err(error) => Wake::ReadFailed(error.to_string()),
            },
            command = commands.recv() => Wake::Command(command),
            () = sleep_until(deadline), if deadline.is_some() => Wake::Deadline,
        };
        match wake {
            Wake::Frame(text) => {
                tracing::debug!("{cp} → {text}");
                shared.record_frame(&cp, Direction::Received, &text);
                session.rpc.handle_frame(&text, Instant::now());
            }
            Wake::Closed => {
                tracing::info!("{cp} closed the connection");
                break;
            }
            Wake::ReadFailed(error) => {
                tracing::warn!("{cp}: connection lost: {error}");
                break;
            }
            Wake::Command(Some(Command::Call { request, reply })) => session.call(*request, reply),
            Wake::Command(Some(Command::Close) | None) => {
                tracing::info!("{cp}: closing the connection");
                let _ = session.flush(&mut conn).await;
                conn.close().await;
                break;
            }
            Wake::Deadline => session.rpc.handle_timeout(Instant::now()),
        }
        session.process_events();
    }
    session.end(serial);
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
    }
}

impl Session {
    /// Sends every frame the RPC endpoint has ready.
    async fn flush(&mut self, conn: &mut ServerConnection) -> Result<(), String> {
        while let Some(text) = self.rpc.poll_transmit(Instant::now()) {
            if text.starts_with("[4") {
                // Unknown actions and invalid payloads are refused by ocpp-rpc before any
                // handler sees them; the person watching should still see why.
                tracing::warn!("{} ⇐ CALLERROR {text}", self.cp);
            } else {
                tracing::debug!("{} ← {text}", self.cp);
            }
            self.shared.record_frame(&self.cp, Direction::Sent, &text);
            conn.send(text).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Queues a CSMS-initiated CALL.
    fn call(&mut self, request: AnyRequest, reply: Reply) {
        let action = request.action();
        match self.rpc.call_request(&request) {
            Ok(id) => {
                let mut shown = request.to_json();
                crate::frames::redact_call_payload(action.as_str(), &mut shown);
                tracing::info!("{} ← {action} {shown}", self.cp);
                self.pending.insert(id, (action, reply));
            }
            Err(error) => {
                let _ = reply.send(Err(CallError::Refused(error)));
            }
        }
    }

    /// Handles what the RPC endpoint reports.
    fn process_events(&mut self) {
        while let Some(event) = self.rpc.poll_event() {
            match event {
                Event::Call { id, request } => self.answer(id, request),
                Event::Response { id, action, result } => {
                    let outcome = match result {
                        Ok(response) => {
                            tracing::info!(
                                "{} → {action} answered {}",
                                self.cp,
                                response.to_json()
                            );
                            Ok(response)
                        }
                        Err(info) => {
                            tracing::info!("{} → {action} answered CALLERROR {info}", self.cp);
                            Err(CallError::CallError(info, action))
                        }
                    };
                    self.complete(&id, outcome);
                }
                Event::Timeout { id, action, .. } => {
                    tracing::warn!("{} → {action}: no answer in time", self.cp);
                    self.complete(&id, Err(CallError::Timeout(action)));
                }
                Event::Cancelled { id, action, .. } => {
                    self.complete(&id, Err(CallError::Disconnected(action)));
                }
            }
        }
    }

    /// Answers a charge point's CALL through its handler and announces it.
    fn answer(&mut self, id: MessageId, request: AnyRequest) {
        let action = request.action();
        let named_transaction = match &request {
            AnyRequest::StopTransaction(r) => Some(r.transaction_id),
            AnyRequest::MeterValues(r) => r.transaction_id,
            _ => None,
        };
        let answer = {
            let mut state = self.shared.lock_state();
            let mut store = self.shared.lock_store();
            let mut ctx = Ctx {
                cp: &self.cp,
                options: &self.shared.options,
                state: &mut state,
                store: &mut store,
                now: DateTime::from_utc(chrono::Utc::now()),
            };
            handlers::handle(&mut ctx, request)
        };
        let transaction = match &answer {
            Ok(AnyResponse::StartTransaction(r)) => Some(r.transaction_id),
            _ => named_transaction,
        };
        let sent = match answer {
            Ok(response) => self.rpc.respond(&id, response),
            Err((code, description)) => self.rpc.respond_error(&id, code, &description),
        };
        if let Err(error) = sent {
            tracing::error!("{}: cannot answer {action}: {error}", self.cp);
        }
        self.shared.announce(CsmsEvent::Handled {
            charge_point_id: self.cp.clone(),
            action,
        });
        self.shared.update(Update::ChargePoint(self.cp.clone()));
        if let Some(transaction) = transaction {
            self.shared.update(Update::Transaction(transaction));
        }
    }

    fn complete(&mut self, id: &MessageId, outcome: Result<AnyResponse, CallError>) {
        match self.pending.remove(id) {
            // The caller may have given up waiting; nothing to do then.
            Some((_, reply)) => {
                let _ = reply.send(outcome);
            }
            None => tracing::debug!("{}: answer for CALL {id} nobody waits for", self.cp),
        }
    }

    /// Fails the CALLs still waiting and unregisters the connection.
    fn end(self, serial: u64) {
        for (_, (action, reply)) in self.pending {
            let _ = reply.send(Err(CallError::Disconnected(action)));
        }
        self.shared.unregister(&self.cp, serial);
    }
}
