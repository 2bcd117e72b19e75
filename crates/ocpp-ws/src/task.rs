//! The task behind a [`Connection`](crate::Connection): connect, run the open connection,
//! wait, and again, driven by the [`Supervisor`]'s decisions.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::connect::{connect, WsStream};
use crate::connection::{Command, ConnectionId, DisconnectReason, Event, TOO_LARGE_START};
use crate::error::ConnectError;
use crate::inbound::MessageInfo;
use crate::ping::{PingAction, PingTimer};
use crate::supervisor::Supervisor;

/// How long the close handshake may take before the socket is just dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the task does next.
enum Step {
    ConnectNow,
    ConnectAfter(Duration),
    Offline,
    Exit,
}

pub(crate) struct Task {
    supervisor: Supervisor,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::Sender<Box<Event>>,
    rng: fastrand::Rng,
    last_id: ConnectionId,
}

impl Task {
    pub fn new(
        supervisor: Supervisor,
        commands: mpsc::UnboundedReceiver<Command>,
        events: mpsc::Sender<Box<Event>>,
    ) -> Task {
        Task {
            supervisor,
            commands,
            events,
            rng: fastrand::Rng::new(),
            last_id: 0,
        }
    }

    pub async fn run(mut self) {
        let mut step = Step::ConnectNow;
        loop {
            step = match step {
                Step::ConnectNow => self.attempt().await,
                Step::ConnectAfter(wait) => self.wait(wait).await,
                Step::Offline => self.offline().await,
                Step::Exit => break,
            };
        }
        tracing::debug!("connection task ended");
    }

    /// Waits while the caller has [`EVENT_BUFFER`](crate::connection::EVENT_BUFFER) events
    /// to take: back-pressure, nothing is dropped.
    async fn emit(&self, event: Event) {
        // A caller that dropped its Events no longer listens; nothing to do about it.
        let _ = self.events.send(Box::new(event)).await;
    }

    /// A command while no connection is open. `None` means "keep doing what you do".
    fn command_while_closed(&mut self, command: Option<Command>, online: bool) -> Option<Step> {
        match command? {
            Command::Send { .. } => {
                tracing::debug!("text dropped: not connected");
                None
            }
            Command::Connect if online => None,
            Command::Connect => Some(Step::ConnectNow),
            Command::Disconnect => Some(Step::Offline),
            Command::ReconnectWith(options) => applied(self.supervisor.replace(*options)),
            Command::TryOptions(options, attempts) => {
                applied(self.supervisor.try_options(*options, attempts))
            }
            Command::SetKeepAlive(ping) => {
                self.supervisor.set_keep_alive(ping);
                None
            }
        }
    }

    async fn offline(&mut self) -> Step {
        tracing::info!("offline until asked to connect");
        loop {
            match self.commands.recv().await {
                None => return Step::Exit,
                Some(Command::Disconnect) | Some(Command::Send { .. }) => {}
                Some(command) => {
                    if let Some(step) = self.command_while_closed(Some(command), false) {
                        return step;
                    }
                }
            }
        }
    }

    async fn wait(&mut self, wait: Duration) -> Step {
        let sleep = tokio::time::sleep(wait);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return Step::ConnectNow,
                command = self.commands.recv() => {
                    let Some(command) = command else { return Step::Exit };
                    if let Some(step) = self.command_while_closed(Some(command), true) {
                        return step;
                    }
                }
            }
        }
    }

    async fn attempt(&mut self) -> Step {
        let options = self.supervisor.options().clone();
        let url = self.supervisor.url().clone();
        // Debug, as the success below: a failure is a warning or an error that names the URL.
        tracing::debug!(%url, profile = %options.security_profile, "connecting to the CSMS");
        // On the heap while it runs: TCP, TLS and the handshake make a future of several kB
        // that, inline, the task would keep for as long as it lives (a fleet has thousands).
        let mut connecting = Box::pin(connect(&options, &url));
        let result = loop {
            tokio::select! {
                result = &mut connecting => break result,
                command = self.commands.recv() => {
                    let Some(command) = command else { return Step::Exit };
                    if let Some(step) = self.command_while_closed(Some(command), true) {
                        return step;
                    }
                }
            }
        };
        // Freed before the connection runs, which may be for days.
        drop(connecting);
        match result {
            Ok((ws, handshaken)) => {
                self.connected(ws, url.to_string(), handshaken.fallback_root)
                    .await
            }
            Err(error) => self.failed(error, &url.to_string()).await,
        }
    }

    async fn failed(&mut self, error: ConnectError, url: &str) -> Step {
        let after = self.supervisor.on_connect_failed(&mut self.rng);
        let kind = error.kind();
        match error.security_event() {
            Some(event) => {
                tracing::error!(url, kind, security_event = event, retry_in = ?after.retry_in,
                "connection to the CSMS refused: {error}")
            }
            None if matches!(error, ConnectError::SubprotocolRefused { .. }) => {
                tracing::error!(url, kind, retry_in = ?after.retry_in, "CSMS refused: {error}")
            }
            None => {
                tracing::warn!(url, kind, retry_in = ?after.retry_in, "connection to the CSMS failed: {error}")
            }
        }
        self.emit(Event::ConnectFailed {
            error,
            retry_in: after.retry_in,
        })
        .await;
        if let Some(fell_back) = after.fell_back {
            self.emit(Event::FellBack(fell_back)).await;
        }
        match after.retry_in.is_zero() {
            true => Step::ConnectNow,
            false => Step::ConnectAfter(after.retry_in),
        }
    }

    async fn connected(&mut self, mut ws: WsStream, url: String, fallback_root: bool) -> Step {
        self.last_id += 1;
        let id = self.last_id;
        self.supervisor.on_connected();
        let options = self.supervisor.options().clone();
        let profile = options.security_profile;
        // Debug: the charge point that uses the transport announces the connection itself.
        tracing::debug!(%url, %profile, id, "connected to the CSMS");
        self.emit(Event::Connected {
            id,
            url,
            profile,
            fallback_root,
        })
        .await;
        let mut link = Link {
            id,
            ping: PingTimer::new(options.ping.clone(), Instant::now()),
            write_timeout: options.handshake_timeout,
            closing: None,
            limit: options.max_message_size,
        };
        let reason = loop {
            let deadline = link.ping.poll_timeout();
            let wake = tokio::time::Instant::from_std(deadline.unwrap_or_else(far_future));
            let flow = tokio::select! {
                message = ws.next() => self.on_message(message, &mut ws, &mut link).await,
                () = tokio::time::sleep_until(wake), if deadline.is_some() => {
                    on_ping_deadline(&mut ws, &mut link).await
                }
                command = self.commands.recv() => self.on_command(command, &mut ws, &mut link).await,
            };
            match flow {
                Flow::Continue => {}
                Flow::End(reason) => break reason,
                Flow::Leave(step) => return step,
            }
        };
        tracing::info!(id, %reason, "disconnected from the CSMS");
        let new_options = reason == DisconnectReason::NewOptions;
        self.emit(Event::Disconnected { reason }).await;
        if new_options {
            return Step::ConnectNow;
        }
        let wait = self.supervisor.on_disconnected(&mut self.rng);
        tracing::info!(?wait, "reconnecting after the back-off");
        Step::ConnectAfter(wait)
    }

    async fn on_message(
        &self,
        message: Option<Result<Message, WsError>>,
        ws: &mut WsStream,
        link: &mut Link,
    ) -> Flow {
        match message {
            Some(Ok(Message::Text(text))) => self.emit(Event::Text(text.as_str().to_owned())).await,
            Some(Ok(Message::Pong(_))) => link.ping.on_pong(Instant::now()),
            // tungstenite answers pings itself.
            Some(Ok(Message::Ping(_) | Message::Frame(_))) => {}
            // Every data message comes as binary: the filter turned text into binary so that
            // the UTF-8 is checked here (see `inbound`).
            Some(Ok(Message::Binary(data))) => {
                let info = ws.get_mut().next_message();
                self.emit(data_event(&data, info, link.limit)).await;
            }
            Some(Ok(Message::Close(frame))) => {
                // Keep reading: tungstenite sends our close reply, then the stream ends.
                link.closing = Some(DisconnectReason::ClosedByCsms {
                    code: frame.as_ref().map(|f| u16::from(f.code)),
                    reason: frame
                        .map(|f| f.reason.as_str().to_owned())
                        .unwrap_or_default(),
                });
            }
            Some(Err(e)) => return Flow::End(link.lost(e.to_string())),
            None => return Flow::End(link.lost("closed without a close frame".to_owned())),
        }
        Flow::Continue
    }

    async fn on_command(
        &mut self,
        command: Option<Command>,
        ws: &mut WsStream,
        link: &mut Link,
    ) -> Flow {
        let Some(command) = command else {
            // The handle is gone: close and end the task.
            close(ws, CloseCode::Normal, "").await;
            self.emit(Event::Disconnected {
                reason: DisconnectReason::Requested,
            })
            .await;
            return Flow::Leave(Step::Exit);
        };
        match command {
            Command::Send { id, text } if id == link.id => {
                if let Err(why) = send(ws, Message::Text(text.into()), link.write_timeout).await {
                    return Flow::End(DisconnectReason::ConnectionLost(why));
                }
            }
            Command::Send { id, .. } => {
                tracing::debug!(
                    for_id = id,
                    id = link.id,
                    "text for an earlier connection dropped"
                );
            }
            Command::Connect => {}
            Command::Disconnect => {
                close(ws, CloseCode::Normal, "").await;
                self.emit(Event::Disconnected {
                    reason: DisconnectReason::Requested,
                })
                .await;
                return Flow::Leave(Step::Offline);
            }
            Command::ReconnectWith(new) => {
                if applied(self.supervisor.replace(*new)).is_some() {
                    close(ws, CloseCode::Normal, "reconnecting with new options").await;
                    return Flow::End(DisconnectReason::NewOptions);
                }
            }
            Command::TryOptions(new, attempts) => {
                if applied(self.supervisor.try_options(*new, attempts)).is_some() {
                    close(ws, CloseCode::Normal, "reconnecting with new options").await;
                    return Flow::End(DisconnectReason::NewOptions);
                }
            }
            Command::SetKeepAlive(ping) => {
                tracing::info!(interval = ?ping.interval, "keep-alive changed");
                link.ping = PingTimer::new(ping.clone(), Instant::now());
                self.supervisor.set_keep_alive(ping);
            }
        }
        Flow::Continue
    }
}

/// The state of one open connection.
struct Link {
    id: ConnectionId,
    ping: PingTimer,
    write_timeout: Duration,
    /// Set when the CSMS's close frame came; the stream ends soon after.
    closing: Option<DisconnectReason>,
    /// The largest message taken (`ConnectionOptions::max_message_size`).
    limit: usize,
}

/// The event of a data message, from what the filter noted of it (`None`: nothing noted,
/// which the filter never does; taken as binary).
fn data_event(data: &[u8], info: Option<MessageInfo>, limit: usize) -> Event {
    let len = data.len();
    match info {
        Some(MessageInfo {
            oversized: Some(size),
            ..
        }) => {
            let start = &data[..len.min(TOO_LARGE_START)];
            Event::TooLarge {
                start: String::from_utf8_lossy(start).into_owned(),
                size,
                limit,
            }
        }
        Some(MessageInfo { text: true, .. }) => match std::str::from_utf8(data) {
            Ok(text) => Event::Text(text.to_owned()),
            Err(e) => {
                tracing::warn!(len, error = %e, "text message from the CSMS that is not UTF-8");
                Event::Unreadable {
                    why: format!("text message of {len} bytes that is not UTF-8: {e}"),
                }
            }
        },
        Some(MessageInfo { text: false, .. }) | None => {
            tracing::warn!(len, "binary message from the CSMS (OCPP-J uses text)");
            Event::Unreadable {
                why: format!("binary message of {len} bytes: OCPP-J uses text messages"),
            }
        }
    }
}

impl Link {
    /// Why the stream ended: the CSMS's close frame if one came, else `why`.
    fn lost(&mut self, why: String) -> DisconnectReason {
        self.closing
            .take()
            .unwrap_or(DisconnectReason::ConnectionLost(why))
    }
}

/// What the open connection does after one event.
enum Flow {
    Continue,
    /// The connection ended; reconnect as the supervisor says.
    End(DisconnectReason),
    /// Leave the connection for this step (the Disconnected event is out already).
    Leave(Step),
}

async fn on_ping_deadline(ws: &mut WsStream, link: &mut Link) -> Flow {
    match link.ping.handle_timeout(Instant::now()) {
        Some(PingAction::SendPing(payload)) => {
            if let Err(why) = send(ws, Message::Ping(payload.into()), link.write_timeout).await {
                return Flow::End(DisconnectReason::ConnectionLost(why));
            }
            Flow::Continue
        }
        Some(PingAction::PongTimedOut) => {
            tracing::warn!("no pong from the CSMS within WebsocketPongTimeout; reconnecting");
            close(ws, CloseCode::Restart, "Pong timeout").await;
            Flow::End(DisconnectReason::PongTimeout)
        }
        None => Flow::Continue,
    }
}

/// `Some(ConnectNow)` when new options were taken.
fn applied(result: Result<(), crate::ConfigError>) -> Option<Step> {
    match result {
        Ok(()) => Some(Step::ConnectNow),
        // The handle checked them already; the current options stay.
        Err(error) => {
            tracing::error!(%error, "new connection options refused");
            None
        }
    }
}

async fn send(ws: &mut WsStream, message: Message, timeout: Duration) -> Result<(), String> {
    match tokio::time::timeout(timeout, ws.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "the CSMS took more than {timeout:?} to take a message"
        )),
    }
}

/// Closes as RFC 6455 §7.1.1 asks: send our close frame, then keep reading until the CSMS's
/// close frame has come and the stream has ended, for at most [`CLOSE_TIMEOUT`]; the caller
/// drops the socket afterwards either way.
///
/// Dropping the socket straight after our close frame lost frames at the CSMS: its close reply
/// (or any other data) then reaches a socket that is gone, our kernel answers with a TCP reset,
/// and a reset makes the CSMS's kernel discard what its application has not read yet, such as
/// the ChangeConfiguration answer sent just before a reconnect. What arrives while closing is
/// not delivered: after a close frame no more messages are processed (RFC 6455 §5.5.1).
async fn close(ws: &mut WsStream, code: CloseCode, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.to_owned().into(),
    };
    let handshake = async {
        if let Err(e) = ws.close(Some(frame)).await {
            tracing::debug!(error = %e, "close frame not sent");
            return;
        }
        while let Some(message) = ws.next().await {
            match message {
                Ok(Message::Close(_)) => {} // tungstenite ends the stream next
                Ok(_) => tracing::debug!("message after our close frame dropped"),
                Err(_) => break,
            }
        }
    };
    if tokio::time::timeout(CLOSE_TIMEOUT, handshake)
        .await
        .is_err()
    {
        tracing::debug!("the CSMS did not complete the close handshake in {CLOSE_TIMEOUT:?}");
    }
}

/// A deadline that never comes, for a disabled `select!` branch.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}
