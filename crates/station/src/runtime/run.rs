//! The station loop: steps the simulation every 250 ms, passes its events and meter readings
//! to the core, carries out the core's commands and the control API's orders, logs every
//! frame, publishes the state (from the core's snapshot and the simulation) and answers the
//! orders the state now shows done.

use std::time::Duration;

use chargepoint::charge_point::StationEvent as CoreEvent;
use chargepoint::driver::{Frame, FrameDirection, Notice};

use super::{translate, Exit, Station};
use crate::control_api::{OcppFrame, StationEvent};
use crate::display::EndedSession;
use crate::message_log::Direction;

/// The number of the last OCPP frame the process logged ([`OcppFrame::seq`]): one count for
/// the process, so a page following the event stream across a Reset (which starts the station
/// again in the same process) sees the numbers go on.
static FRAME_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The simulation's step (EvManager's and YetiSimulator's loop).
const TICK: Duration = Duration::from_millis(250);
/// At most this many frames are logged together (one write per log file).
const FRAMES_AT_ONCE: usize = 64;

/// Meter readings go to the core every this many ticks (once a second): the core samples the
/// latest one, so more often would only cost channel traffic.
const METER_EVERY: u32 = 4;

impl Station {
    /// Runs the station until it is stopped or reset, then stops the driver (closing the
    /// CSMS connection) and the control API.
    pub async fn run(mut self) -> Exit {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks: u32 = 0;
        // The frames taken at once (all that wait, up to FRAMES_AT_ONCE).
        let mut frames = Vec::with_capacity(FRAMES_AT_ONCE);
        let mut frames_open = true;
        // The core is initialized (stored transactions, availability): the EVSEs may charge,
        // with or without the CSMS.
        self.ready_to_charge();
        let exit = loop {
            let reset_at = self.reset_at();
            let stop_at = self.stop_deadline();
            tokio::select! {
                _ = tick.tick() => {
                    ticks = ticks.wrapping_add(1);
                    self.step(ticks.is_multiple_of(METER_EVERY));
                }
                command = self.link.commands.recv() => match command {
                    Some(command) => self.command(*command),
                    None => {
                        tracing::error!("the OCPP driver ended");
                        break Exit::Stopped;
                    }
                },
                Ok(()) = self.link.core.changed() => {
                    self.core = self.link.core.borrow_and_update().clone();
                    self.firmware_boot_registered();
                }
                Some(notice) = self.link.notices.recv() => self.notice(*notice),
                Ok(()) = self.mqtt_connected.changed() => {
                    let connected = *self.mqtt_connected.borrow_and_update();
                    self.view.mqtt_connected(connected);
                }
                // The firmware and diagnostics jobs' reports, to the core as the EVSEs' go.
                Some(report) = self.jobs.reports.recv() => self.tell_core(*report),
                Some((request_id, response)) = self.data_transfers.next_answer() => {
                    self.data_transfer_answered(request_id, response);
                }
                n = self.link.frames.recv_many(&mut frames, FRAMES_AT_ONCE), if frames_open => {
                    if n == 0 {
                        // The driver is gone: nothing more comes.
                        frames_open = false;
                        continue;
                    }
                    self.frames(frames.drain(..));
                    // Logging a frame changes nothing the state shows nor what the checks
                    // below look at: no need to build the state (two frames a round trip)
                    // only to find it unchanged.
                    continue;
                }
                Some(order) = self.orders.recv() => {
                    if let Some(exit) = self.order(*order) {
                        break exit;
                    }
                }
                () = sleep_until(reset_at), if reset_at.is_some() => {
                    // Else the ResetStopDelay ended: restart_due below says so.
                    if self.reset_deadline_passed() {
                        tracing::warn!("reset: not every StopTransaction was confirmed in time");
                        break Exit::Restart(self.reset_kind());
                    }
                }
                () = sleep_until(stop_at), if stop_at.is_some() => {
                    tracing::warn!(queued = self.core.queued_transaction_messages,
                        "stop: the CSMS did not confirm every transaction message in time; they stay queued for the next start");
                    break Exit::Stopped;
                }
            }
            self.publish();
            self.answer_ready();
            if self.stop_done() {
                tracing::info!("stop: every transaction ended and is confirmed or queued");
                break Exit::Stopped;
            }
            if let Some(exit) = self.restart_due() {
                tracing::info!(?exit, "restarting");
                break exit;
            }
        };
        // The frames the driver reported that the loop did not take before it ended (a Reset
        // restarts at once when nothing waits): logged still, so the message log has the
        // Reset and its answer.
        while let Ok(frame) = self.link.frames.try_recv() {
            self.frames(std::iter::once(frame));
        }
        self.answer_all_stopping();
        self.shutdown().await;
        exit
    }

    /// Steps every EVSE to now and tells the core what happened.
    pub(super) fn step(&mut self, meter: bool) {
        // The energy tree first: what changed since the last step (a session started or
        // ended, a limit) moves the offers before the EVSEs step on.
        self.distribute_energy();
        let now = tokio::time::Instant::now().into_std();
        let mut ended_sessions = Vec::new();
        for evse in &mut self.evses {
            let session_before = evse.session_id.clone();
            let tag_before = evse.id_tag.clone();
            let session_dir_before = evse.session_log_dir();
            let mut events = evse.step(now);
            let session_dir = evse.session_log_dir();
            if session_dir != session_dir_before {
                // libocpp's session logging: the OCPP frames of the session in its folder too.
                if let Some(dir) = &session_dir_before {
                    self.log.stop_session_log(dir);
                }
                if let Some(dir) = &session_dir {
                    self.log.start_session_log(dir, chrono::Utc::now());
                }
            }
            if let Some(session) = &evse.session_id {
                self.pricing.session(evse.connector, session);
            }
            for change in evse.error_changes.drain(..) {
                if let Some(history) = &self.error_history {
                    let history = crate::error_history::lock(history);
                    let written = match &change {
                        super::evse::ErrorChange::Raised(error) => history.raised(error),
                        super::evse::ErrorChange::Cleared(uuid) => history.cleared(uuid),
                    };
                    if let Err(e) = written {
                        tracing::error!(error = %e, "ErrorHistory: not written");
                    }
                }
            }
            let session_ended = session_before.filter(|s| evse.session_id.as_ref() != Some(s));
            let ended_tag = tag_before.filter(|_| session_ended.is_some());
            if meter {
                events.push(CoreEvent::MeterReading {
                    connector: evse.connector,
                    reading: translate::meter_reading(&evse.sim),
                });
            }
            for event in events {
                // A closed channel means the driver ended: the loop sees it on `commands`.
                let _ = self.link.events.send(event);
            }
            let transaction_id = self
                .core
                .connector(evse.connector)
                .and_then(|c| c.transaction.as_ref())
                .map(|t| t.id);
            if let Some(session_id) = session_ended {
                ended_sessions.push(EndedSessionOf {
                    transaction_id,
                    id_tag: ended_tag,
                    session_id: Some(session_id),
                });
            }
        }
        self.iso15118_requests();
        for event in std::mem::take(&mut self.after_step) {
            let _ = self.link.events.send(event);
        }
        self.update_display(&ended_sessions);
    }

    /// The display drops what ended (the sessions that ended in this step, messages past
    /// their time) and the state shows what it shows now.
    fn update_display(&mut self, ended_sessions: &[EndedSessionOf]) {
        let Some(display) = &self.display else {
            return;
        };
        let now = chrono::Utc::now();
        let mut display = super::control::lock_display(display);
        for ended in ended_sessions {
            display.session_ended(&EndedSession {
                transaction_id: ended.transaction_id,
                id_tag: ended.id_tag.as_deref(),
                session_id: ended.session_id.as_deref(),
            });
        }
        display.expire(now);
        let shown = display.shown(now);
        drop(display);
        self.display_shown = Some(shown);
    }

    /// Lets the EVSEs that wait for it (EvseManager's `external_ready_to_start_charging`)
    /// charge, once, when the station starts running.
    ///
    /// As everest-core's `OCPP::ready`: it calls `call_external_ready_to_start_charging` on
    /// every EVSE right after `ChargePointImpl::init` and before `start`, that is before any
    /// connection, let alone a BootNotification.conf. A station that restarts while the CSMS
    /// is unreachable therefore charges on local authorization (LocalAuthorizeOffline,
    /// AllowOfflineTxForUnknownId) and its transaction messages wait in the queue. Waiting for
    /// the first Accepted instead (as this did) left such a station unable to charge at all.
    fn ready_to_charge(&mut self) {
        for evse in &mut self.evses {
            if evse
                .sim
                .evse_manager_mut()
                .external_ready_to_start_charging()
            {
                tracing::debug!(connector = evse.connector, "ready to start charging");
            }
        }
    }

    fn notice(&mut self, notice: Notice) {
        match &notice {
            Notice::Connected { url, profile } => {
                tracing::info!(%url, profile, "connected to the CSMS");
                self.view.connected();
            }
            Notice::Disconnected { reason } => {
                tracing::info!(%reason, "disconnected from the CSMS");
                self.view.connection_failed("disconnected", reason);
            }
            Notice::ConnectFailed { kind, message, .. } => {
                tracing::debug!(kind, %message, "connection attempt failed");
                self.view.connection_failed(kind, message);
            }
            other => tracing::info!(notice = ?other, "OCPP driver"),
        }
    }

    /// Logs frames (those that waited together: one write per log file) and shows each on
    /// the event stream.
    fn frames(&mut self, frames: impl Iterator<Item = Frame>) {
        let time = chrono::Utc::now();
        let frames: Vec<(Direction, Frame)> = frames
            .map(|frame| {
                if let Some(observer) = &self.frame_observer {
                    (observer.0)(frame.direction == FrameDirection::Sent, &frame.text);
                }
                let direction = match frame.direction {
                    FrameDirection::Sent => Direction::ChargePointToCentralSystem,
                    FrameDirection::Received => Direction::CentralSystemToChargePoint,
                };
                (direction, frame)
            })
            .collect();
        let infos = self.log.record_all(
            frames
                .iter()
                .map(|(direction, frame)| (*direction, time, frame.text.as_str())),
        );
        if !self.keep_frames {
            return;
        }
        // A copy for the event stream only when someone reads it (a browser's /events).
        let listened = self.events.receiver_count() > 0;
        for ((direction, _), info) in frames.iter().zip(&infos) {
            let seq = FRAME_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            // The redacted text: no secret reaches the event stream or the recent frames.
            let frame = OcppFrame::new(*direction, time, info).with_seq(seq);
            let event = listened.then(|| StationEvent::Ocpp(Box::new(frame.clone())));
            self.handle.record_frame(frame);
            if let Some(event) = event {
                // A reader gone meanwhile is fine.
                let _ = self.events.send(event);
            }
        }
    }

    /// Sends the state to the control API when it changed.
    fn publish(&mut self) {
        self.sync_pricing_display();
        let state = self.view.build(
            &self.core,
            &self.evses,
            &self.offers,
            self.display_shown.as_deref(),
            !self.online,
        );
        let changed = self.state.send_if_modified(|current| {
            if *current == state {
                false
            } else {
                *current = state.clone();
                true
            }
        });
        if changed {
            let _ = self.events.send(StationEvent::State(Box::new(state)));
        }
        if self.mqtt.is_some() {
            let vars = crate::mqtt::StationVars {
                ocpp_connected: self.core.connected,
                evses: self.evses.iter().map(|e| e.mqtt_vars()).collect(),
            };
            self.mqtt_vars.send_replace(vars);
        }
    }

    async fn shutdown(self) {
        let Station {
            driver,
            link,
            control_api,
            mut jobs,
            mqtt,
            ..
        } = self;
        jobs.abort_all();
        if let Some(mqtt) = mqtt {
            mqtt.stop().await;
        }
        // Dropping the event sender is what stops the driver; it closes the connection.
        drop(link);
        match driver.await {
            Ok(_stopped) => {}
            Err(e) => tracing::error!(error = %e, "the OCPP driver failed"),
        }
        if let Some(api) = control_api {
            let _ = api.stop.send(());
            match api.task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "the control API failed"),
                Err(e) => tracing::error!(error = %e, "the control API task failed"),
            }
        }
        tracing::info!("station stopped");
    }
}

/// A session that ended in a step: what identifies it (owned, for the display).
#[derive(Debug)]
struct EndedSessionOf {
    transaction_id: Option<i32>,
    id_tag: Option<String>,
    session_id: Option<String>,
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
