//! The tokio driver of the sans-IO core (DESIGN.md §3: "a sans-IO core plus a tokio driver"):
//! one task that owns a [`ChargePoint`] and an ocpp-ws [`Connection`], and carries out
//! everything the core decides.
//!
//! - Transport events go to the core ([`ChargePoint::handle_connected`],
//!   [`ChargePoint::handle_disconnected`], [`ChargePoint::handle_frame`]); the task sleeps until
//!   [`ChargePoint::poll_timeout`], then calls [`ChargePoint::handle_timeout`].
//! - A frame from the CSMS goes before the station's events and the timers that are ready at
//!   the same time (up to [`CSMS_TURNS`] in a row): an answer to a transaction message is what
//!   lets the queue forget it, and every write made before it widens the window in which a
//!   power loss makes the message go twice (docs/core/delivery-guarantees.md).
//! - After every input it sends every frame of [`ChargePoint::poll_transmit`], then hands every
//!   [`StationCommand`] to the station: an answer is on the socket before the reconnect it causes.
//! - It applies the transport's part of configuration changes ([`transport_change`]) and reports
//!   connection failures as security events and [`Notice::ConnectFailed`].
//! - It ends when the station drops its [`StationLink::events`] sender, and gives the core back
//!   in [`Stopped`].
//!
//! # Channels
//!
//! | channel | bound | when full |
//! |---|---|---|
//! | `events`: station → core ([`StationEvent`]) | none | — (lossless: it carries the transactions) |
//! | `commands`: core → station ([`StationCommand`]) | [`COMMAND_BUFFER`] | the driver waits (back-pressure) |
//! | `notices`: driver → station ([`Notice`]) | [`NOTICE_BUFFER`] | dropped and counted |
//! | `frames`: driver → station ([`Frame`]) | [`FRAME_BUFFER`] | dropped and counted |
//! | `online`: station → driver | one state ([`OnlineSender`]) | the latest order wins |
//! | `core`: driver → station ([`CoreSnapshot`]) | one value (a `watch`) | replaced by the newer |
//!
//! None of them can lose a transaction message; why, and the full behaviour: docs/driver.md.

mod channels;
pub mod gate;
pub mod options;
pub mod transport_change;

use std::time::Duration;

use ocpp_types::DateTime;
use ocpp_ws::{Connection, ConnectionOptions, Event, Events, SecurityProfile};
// Re-exported so that a station builds its store without depending on ocpp-ws itself.
pub use ocpp_ws::{CertificateStore, StorePaths};
use tokio::sync::{mpsc, watch};

use crate::charge_point::{
    security_events, ChargePoint, CoreSnapshot, Now, StationCommand, StationEvent,
};
use crate::config::ConfigChange;
use channels::{Observer, OnlineOrders};

pub use channels::{
    DriverGone, EventSender, OnlineSender, COMMAND_BUFFER, FRAME_BUFFER, NOTICE_BUFFER,
};
pub use gate::CertificateGate;
pub use options::{connection_options, OptionsError};
pub use transport_change::{transport_action, TransportAction};

/// How many connection attempts a new SecurityProfile gets before the previous one comes
/// back: libocpp passes `max_connection_attempts = 1` to switchSecurityProfile, which its
/// `<=` comparison makes two attempts.
pub const PROFILE_TRIAL_ATTEMPTS: u32 = 2;

/// How long after the answer to a ChangeConfiguration of AuthorizationKey the connection is
/// re-made: libocpp's `websocket->reconnect(1000)`. The pause also lets the CSMS read the
/// answer before the socket closes (a close with unread data in flight may reset the
/// connection and lose it).
pub const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// How long after the answer to a ChangeConfiguration of SecurityProfile the new profile is
/// tried: libocpp's WEBSOCKET_INIT_DELAY in switchSecurityProfile.
pub const PROFILE_SWITCH_DELAY: Duration = Duration::from_secs(2);

/// How many inputs from the CSMS the driver takes in a row, when more keep coming, before the
/// station's events, the timers and the orders that are ready get their turn: the CSMS goes
/// first, but one that never pauses cannot hold the station's transactions back.
pub const CSMS_TURNS: u32 = 64;

/// What the driver needs besides the core.
#[derive(Debug, Clone, Default)]
pub struct DriverSettings {
    /// The certificate store (the station's EvseSecurity module): CSMS root CA for profiles 2
    /// and 3, client certificate for 3. `None`: a raise of SecurityProfile to 2 or 3 is
    /// refused, profile 3 cannot connect, and profile 2 only against the system roots.
    pub cert_store: Option<CertificateStore>,
}

/// Why the driver could not start.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The configuration does not make connection options.
    #[error("the OCPP configuration does not make a CSMS connection: {0}")]
    Options(#[from] OptionsError),
    /// ocpp-ws refused the options.
    #[error("the CSMS connection cannot be opened: {0}")]
    Transport(#[from] ocpp_ws::ConfigError),
}

/// What the driver reports for logs and tools (the station's orders come as
/// [`StationCommand`]s instead).
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Connected to the CSMS.
    Connected {
        /// The URL.
        url: String,
        /// The security profile in use.
        profile: u8,
    },
    /// The connection ended.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// A connection attempt failed.
    ConnectFailed {
        /// ocpp-ws's stable name of the error ([`ocpp_ws::ConnectError::kind`]).
        kind: &'static str,
        /// The error.
        message: String,
        /// The security event it calls for, if any.
        security_event: Option<&'static str>,
    },
    /// A new SecurityProfile did not connect; the previous one is back, in use and stored.
    FellBack {
        /// The profile tried.
        tried: u8,
        /// The profile restored.
        restored: u8,
    },
    /// A configuration key changed (by the CSMS, or by the driver on a fall-back).
    ConfigurationChanged(ConfigChange),
}

/// Which way a [`Frame`] went, from the station's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameDirection {
    /// Sent to the CSMS.
    Sent,
    /// Received from the CSMS.
    Received,
}

/// One OCPP-J frame as it went over the wire, for message logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Sent or received.
    pub direction: FrameDirection,
    /// The text.
    pub text: String,
}

/// The station's side of the driver; each channel's bound and what happens when it is full
/// are in the [module docs](self#channels).
#[derive(Debug)]
pub struct StationLink {
    /// What happens at the station, for the core. Dropping it stops the driver. Unbounded and
    /// lossless: it carries the transactions.
    pub events: EventSender,
    /// What the station must do. The driver waits when [`COMMAND_BUFFER`] are waiting.
    /// Boxed: a command is a few hundred bytes, and the channel allocates room for 32 of its
    /// items when it is made, a cost for every station of a fleet that commands are too rare
    /// to justify.
    pub commands: mpsc::Receiver<Box<StationCommand>>,
    /// What the driver reports; beyond [`NOTICE_BUFFER`] waiting, dropped (and counted).
    pub notices: mpsc::Receiver<Box<Notice>>,
    /// Every frame sent (once handed to the transport) and received (before the core reads
    /// it); beyond [`FRAME_BUFFER`] waiting, dropped (and counted).
    pub frames: mpsc::Receiver<Frame>,
    /// `false` closes the connection and stays offline, `true` connects again.
    pub online: OnlineSender,
    /// The core's state ([`ChargePoint::snapshot`]), updated after every input that changed
    /// it: what the station shows (status, transaction, queue), online and offline alike.
    pub core: watch::Receiver<CoreSnapshot>,
}

/// What is left when the driver ends.
#[derive(Debug)]
pub struct Stopped {
    /// The core, with all its state.
    pub charge_point: ChargePoint,
}

/// The driver task; see the [module docs](self).
#[derive(Debug)]
pub struct Driver {
    cp: ChargePoint,
    connection: Connection,
    transport: Events,
    station: mpsc::UnboundedReceiver<Box<StationEvent>>,
    commands: mpsc::Sender<Box<StationCommand>>,
    /// Boxed: a channel allocates room for 32 items when made, and notices are rare.
    notices: Observer<Box<Notice>>,
    frames: Observer<Frame>,
    /// Frames sent and received since the last [`Driver::flush`], not yet offered.
    observed: Vec<Frame>,
    online: watch::Receiver<OnlineOrders>,
    /// How many orders to go offline the driver has carried out.
    offline_orders: u64,
    core: watch::Sender<CoreSnapshot>,
    settings: DriverSettings,
    /// An InvalidCentralSystemCertificate was sent already (libocpp sends the first only).
    invalid_certificate_sent: bool,
    /// The profile to go back to while a new one is on trial.
    trial: Option<u8>,
    /// Transport keys changed: hand ocpp-ws new options when the connection is next re-made.
    options_stale: bool,
    /// A reconnect or profile switch waiting for its delay.
    deferred: Option<(tokio::time::Instant, Deferred)>,
}

/// A transport change carried out after a delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deferred {
    Reconnect,
    /// A new charge point certificate (CertificateSigned at profile 3): the next TLS handshake
    /// presents it (ocpp-ws reads the certificate store at every connection).
    NewCertificate,
    TryProfile {
        previous: u8,
    },
}

/// The time now: tokio's monotonic clock and the system's wall clock.
pub fn now() -> Now {
    Now {
        instant: tokio::time::Instant::now().into_std(),
        utc: DateTime::from_utc(chrono::Utc::now()),
    }
}

impl Driver {
    /// Installs the [`CertificateGate`] of `settings` in the core and opens the connection
    /// (it starts connecting at once); [`Driver::run`] must be polled to make progress. Needs
    /// a tokio runtime.
    pub fn start(
        cp: ChargePoint,
        settings: DriverSettings,
    ) -> Result<(Driver, StationLink), DriverError> {
        let options = connection_options(cp.config(), settings.cert_store.as_ref())?;
        let cp = cp.with_security_profile_gate(Box::new(CertificateGate::new(
            settings.cert_store.clone(),
        )));
        let (connection, transport) = Connection::open(options)?;
        // Bounds and policies: the module docs' table.
        let (events_tx, station) = EventSender::channel();
        let (commands, commands_rx) = mpsc::channel(COMMAND_BUFFER);
        let (notices, notices_rx) = Observer::channel(NOTICE_BUFFER, "notices");
        let (frames, frames_rx) = Observer::channel(FRAME_BUFFER, "frames");
        let (online_tx, online) = OnlineSender::channel();
        let (core, core_rx) = watch::channel(cp.snapshot());
        let driver = Driver {
            cp,
            connection,
            transport,
            station,
            commands,
            notices,
            frames,
            observed: Vec::new(),
            online,
            offline_orders: 0,
            core,
            settings,
            invalid_certificate_sent: false,
            trial: None,
            options_stale: false,
            deferred: None,
        };
        let link = StationLink {
            events: events_tx,
            commands: commands_rx,
            notices: notices_rx,
            frames: frames_rx,
            online: online_tx,
            core: core_rx,
        };
        Ok((driver, link))
    }

    /// Runs until the station drops its event sender or the transport task ends.
    pub async fn run(mut self) -> Stopped {
        // Inputs from the CSMS taken in a row while others were waiting or not.
        let mut csms_turns = 0;
        loop {
            self.flush().await;
            if csms_turns >= CSMS_TURNS {
                csms_turns = 0;
                if !self.others_turn() {
                    break;
                }
                continue;
            }
            let deadline = self.cp.poll_timeout().map(tokio::time::Instant::from_std);
            let deferred = self.deferred.map(|(at, _)| at);
            tokio::select! {
                // In this order when several are ready (module docs): the CSMS first, so that
                // the answer to a transaction message is the next thing the core handles and
                // its delete the next write.
                biased;
                event = self.transport.recv() => match event {
                    Some(event) => {
                        csms_turns += 1;
                        self.on_transport(event)
                    }
                    None => {
                        tracing::error!("the transport task ended");
                        break;
                    }
                },
                event = self.station.recv() => match event {
                    Some(event) => {
                        csms_turns = 0;
                        self.cp.handle_station_event(*event, now())
                    }
                    None => {
                        tracing::info!("the station is gone: the driver stops");
                        break;
                    }
                },
                Ok(()) = self.online.changed() => {
                    csms_turns = 0;
                    self.on_online_orders()
                }
                () = sleep_until(deadline), if deadline.is_some() => {
                    csms_turns = 0;
                    self.cp.handle_timeout(now())
                }
                () = sleep_until(deferred), if deferred.is_some() => {
                    csms_turns = 0;
                    self.run_deferred()
                }
            }
        }
        // A frame received just before the end (the station gone, the transport ended).
        self.offer_observed();
        Stopped {
            charge_point: self.cp,
        }
    }

    /// After [`CSMS_TURNS`] inputs from the CSMS in a row: every other input ready now is
    /// handled (the station's events queued so far, a timer due, a new online order, a deferred
    /// transport change), without waiting. Whether the station is still there.
    fn others_turn(&mut self) -> bool {
        loop {
            match self.station.try_recv() {
                Ok(event) => self.cp.handle_station_event(*event, now()),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    tracing::info!("the station is gone: the driver stops");
                    return false;
                }
            }
        }
        if self.online.has_changed().unwrap_or(false) {
            self.on_online_orders();
        }
        let now = now();
        if self.cp.poll_timeout().is_some_and(|at| at <= now.instant) {
            self.cp.handle_timeout(now);
        }
        if self
            .deferred
            .is_some_and(|(at, _)| at <= tokio::time::Instant::now())
        {
            self.run_deferred();
        }
        true
    }

    /// Sends every frame, then carries out every command, then publishes the core's state
    /// when it changed (after the commands: a station that reads both sees the command
    /// first, as it reads the state that results from it). Waits while the station has
    /// [`COMMAND_BUFFER`] commands to take.
    async fn flush(&mut self) {
        let now = now();
        while let Some(frame) = self.cp.poll_transmit(now) {
            match self.connection.send(frame.clone()) {
                Ok(()) => self.observe(FrameDirection::Sent, frame),
                // The core learns of the drop from the Disconnected event that follows; its
                // retry rules cover the frame.
                Err(e) => tracing::warn!(error = %e, "frame not sent"),
            }
        }
        // Before the commands: a station that ends on a command (a Reset) has the frames
        // that led to it to log.
        self.offer_observed();
        while let Some(command) = self.cp.poll_command() {
            if let StationCommand::ApplyConfigurationChange(change) = &command {
                self.apply_transport_change(change);
                self.notify(Notice::ConfigurationChanged(change.clone()));
            }
            if matches!(command, StationCommand::UseNewChargePointCertificate) {
                self.defer(RECONNECT_DELAY, Deferred::NewCertificate);
            }
            if self.commands.send(Box::new(command)).await.is_err() {
                tracing::debug!("the station no longer reads commands");
            }
        }
        let snapshot = self.cp.snapshot();
        self.core.send_if_modified(|shown| {
            let changed = *shown != snapshot;
            if changed {
                *shown = snapshot;
            }
            changed
        });
    }

    /// Notes a frame for the station; the frames of one input go to it together in
    /// [`Driver::flush`], once the answers were handed to the transport. So the answer to
    /// a CSMS's CALL leaves before the station is woken to log the CALL and the answer (one
    /// wake a round trip instead of two, and the log never delays the answer), and the
    /// station still sees them in the order they went.
    fn observe(&mut self, direction: FrameDirection, text: String) {
        self.observed.push(Frame { direction, text });
    }

    /// Passes the frames noted since the last time on to the station.
    fn offer_observed(&mut self) {
        for frame in self.observed.drain(..) {
            self.frames.offer(frame);
        }
    }

    /// The station's latest online/offline order; one to go offline that came before it is
    /// carried out first (see [`OnlineSender`]).
    fn on_online_orders(&mut self) {
        let orders = *self.online.borrow_and_update();
        let offline_missed = orders.offline_orders > self.offline_orders;
        self.offline_orders = orders.offline_orders;
        if orders.online && offline_missed {
            self.set_online(false);
        }
        self.set_online(orders.online);
    }

    fn set_online(&mut self, online: bool) {
        tracing::info!(
            online,
            "the station asks to go {}",
            if online { "online" } else { "offline" }
        );
        let result = if online {
            self.connection.connect()
        } else {
            self.connection.disconnect()
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "the transport did not take the order");
        }
    }

    fn notify(&mut self, notice: Notice) {
        self.notices.offer(Box::new(notice));
    }

    fn on_transport(&mut self, event: Event) {
        let now = now();
        match event {
            Event::Connected {
                url,
                profile,
                fallback_root,
                ..
            } => {
                if let Some(previous) = self.trial.take() {
                    tracing::info!(%profile, previous, "the new security profile is in use");
                }
                self.cp.handle_connected(now);
                // AdditionalRootCertificateCheck: a new CSMS root that verified the CSMS makes
                // the fallback root it replaced unnecessary.
                if profile.uses_tls() && !fallback_root {
                    self.cp.handle_csms_root_verified();
                }
                self.notify(Notice::Connected {
                    url,
                    profile: profile.number(),
                });
            }
            Event::Disconnected { reason } => {
                self.cp.handle_disconnected(now);
                self.notify(Notice::Disconnected {
                    reason: reason.to_string(),
                });
                if self.options_stale && self.trial.is_none() {
                    self.options_stale = false;
                    self.reconnect("changed transport settings");
                }
            }
            Event::ConnectFailed { error, retry_in } => {
                tracing::info!(
                    kind = error.kind(),
                    ?retry_in,
                    "connection attempt failed: {error}"
                );
                if let Some(kind) = error.security_event() {
                    self.security_event(kind, &error.to_string(), now);
                }
                self.notify(Notice::ConnectFailed {
                    kind: error.kind(),
                    message: error.to_string(),
                    security_event: error.security_event(),
                });
            }
            Event::FellBack(fell_back) => self.on_fell_back(fell_back.tried, fell_back.restored),
            Event::Text(text) => {
                self.observe(FrameDirection::Received, text.clone());
                self.cp.handle_frame(&text, now);
            }
            Event::Unreadable { why } => self.cp.handle_unreadable(&why, now),
            // Neither is shown as a received frame: there is no text frame to show.
            Event::TooLarge { start, size, limit } => {
                self.cp.handle_oversized(&start, size, limit, now)
            }
        }
    }

    /// libocpp's switchSecurityProfile fall-back: the previous profile is back in ocpp-ws;
    /// make the configuration say so (and store it in the user config).
    fn on_fell_back(&mut self, tried: SecurityProfile, restored: SecurityProfile) {
        self.trial = None;
        tracing::warn!(
            tried = tried.number(),
            restored = restored.number(),
            "security profile {tried} did not connect: switching back to {restored}"
        );
        match self
            .cp
            .set_configuration_by_station("SecurityProfile", restored.number().into())
        {
            Ok(Some(change)) => {
                // A security parameter changed, as by ChangeConfiguration.
                let tech_info = format!(
                    "SecurityProfile set back to {restored}: profile {tried} did not connect"
                );
                self.cp.security_event(
                    security_events::kind::RECONFIGURATION_OF_SECURITY_PARAMETERS,
                    Some(&tech_info),
                    now(),
                );
                self.notify(Notice::ConfigurationChanged(change))
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "SecurityProfile could not be set back"),
        }
        self.notify(Notice::FellBack {
            tried: tried.number(),
            restored: restored.number(),
        });
    }

    /// A connection failure the whitepaper makes a security event.
    fn security_event(&mut self, kind: &'static str, tech_info: &str, now: Now) {
        let force = kind == security_events::kind::INVALID_CENTRAL_SYSTEM_CERTIFICATE
            && !self.invalid_certificate_sent;
        if force {
            self.invalid_certificate_sent = true;
        }
        let send = force || security_events::is_critical(kind);
        self.cp
            .security_event_sent_if(kind, Some(tech_info), send, now);
    }

    fn apply_transport_change(&mut self, change: &ConfigChange) {
        let profile = self.cp.config().security().security_profile;
        let (delay, deferred) = match transport_action(change, profile) {
            TransportAction::Nothing => return,
            TransportAction::KeepAlive => {
                if let Some(options) = self.options() {
                    tracing::info!(key = %change.key, "keep-alive changed on the open connection");
                    if self.connection.set_keep_alive(options.ping).is_err() {
                        tracing::warn!("the connection task is gone: keep-alive not changed");
                    }
                }
                return;
            }
            TransportAction::AtNextConnection => {
                tracing::info!(key = %change.key, "takes effect at the next connection");
                self.options_stale = true;
                return;
            }
            TransportAction::Reconnect => (RECONNECT_DELAY, Deferred::Reconnect),
            TransportAction::TryProfile { previous } => {
                (PROFILE_SWITCH_DELAY, Deferred::TryProfile { previous })
            }
        };
        self.defer(delay, deferred);
    }

    /// Carries out `deferred` after `delay`, unless a profile switch waits: it rebuilds the
    /// options and reconnects too, so it wins over a plain reconnect.
    fn defer(&mut self, delay: Duration, deferred: Deferred) {
        if matches!(self.deferred, Some((_, Deferred::TryProfile { .. })))
            && matches!(deferred, Deferred::Reconnect | Deferred::NewCertificate)
        {
            return;
        }
        self.deferred = Some((tokio::time::Instant::now() + delay, deferred));
    }

    fn run_deferred(&mut self) {
        let Some((_, deferred)) = self.deferred.take() else {
            return;
        };
        match deferred {
            Deferred::Reconnect => self.reconnect("new AuthorizationKey"),
            Deferred::NewCertificate => self.reconnect("new charge point certificate"),
            Deferred::TryProfile { previous } => {
                let Some(options) = self.options() else {
                    return;
                };
                let profile = options.security_profile;
                tracing::info!(from = previous, to = %profile, "switching security profile");
                match self.connection.try_options(options, PROFILE_TRIAL_ATTEMPTS) {
                    Ok(()) => {
                        self.trial = Some(previous);
                        self.options_stale = false;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the new security profile cannot be tried")
                    }
                }
            }
        }
    }

    /// Options from the current configuration; `None` (logged) if they cannot work.
    fn options(&self) -> Option<ConnectionOptions> {
        connection_options(self.cp.config(), self.settings.cert_store.as_ref())
            .map_err(|e| tracing::error!(error = %e, "connection options not usable"))
            .ok()
    }

    fn reconnect(&mut self, why: &str) {
        let Some(options) = self.options() else {
            return;
        };
        tracing::info!("reconnecting: {why}");
        self.options_stale = false;
        if let Err(e) = self.connection.reconnect_with(options) {
            tracing::error!(error = %e, "reconnect refused");
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
