//! The session logic of one EVSE (everest-core's EvseManager, AC basic charging): a state
//! machine driven by what the board reports (pilot states, errors) and by commands from
//! Auth, OCPP and the energy tree, emitting EVerest's [`SessionEvent`]s and telling the board
//! what to do ([`BoardOutputs`]).
//!
//! | state | entered when | PWM | power allowed |
//! |---|---|---|---|
//! | `Disabled` | `enable_disable(false)` | F | no |
//! | `Idle` | start, unplug, authorization withdrawn | off | no |
//! | `WaitingForPlugIn` | authorized with no car (swipe first) | off | no |
//! | `WaitingForAuthentication` | car plugged, no authorization | off | no |
//! | `PrepareCharging` | transaction started, energy offered, car not yet in C | on | yes |
//! | `Charging` | car in C; or an EVSE pause ended (the car follows the PWM, as EVerest resumes) | on | yes |
//! | `ChargingPausedEV` | the car went back to B (or left, when the transaction outlives an unplug) | on | yes |
//! | `ChargingPausedEVSE` | pause command, limit below 6 A, or a blocking error | off (F for `state_F_after_fault_ms` after a fault while charging) | no |
//! | `Finished` | transaction stopped, car still plugged | off | no |
//!
//! Errors are a layer over the states, as in EVerest: a blocking error pauses a transaction
//! (reason `Error`: Charging → ChargingPausedEVSE, with F for `state_F_after_fault_ms`, then
//! X1) and it resumes when the last one clears; the transaction is not stopped. A pause by
//! the EVSE (error, user pause, no energy) ends as EVerest's does: straight back to
//! `Charging` with `ChargingResumed`, whatever the car shows at that moment (it is in B, since
//! it had no PWM; it closes S2 once it sees the PWM again), so OCPP sees SuspendedEVSE →
//! Charging and not a SuspendedEV in between. Only a pilot change of the car's own (C → B,
//! or an unplug that keeps the transaction) makes `Charging` `ChargingPausedEV`; the F the
//! EVSE drives says nothing about the car.

use std::collections::BTreeSet;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tracing::{debug, info};

use super::board::BoardEvent;
use super::errors::HardwareError;
pub use super::evse_manager_config::EvseManagerConfig;
use super::pilot::{CpState, PwmOutput, MIN_CURRENT_A};
use super::session::{PauseReason, SessionEvent, StartSessionReason, StopTransactionReason};
use random_delay::{CountDown, RandomDelay, RandomDelayCommand};

pub mod random_delay;

/// The session state (everest-core's `EvseState`, plus `WaitingForPlugIn` for an
/// authorization that came before the car).
#[allow(missing_docs)] // see the table in the module docs
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvseState {
    Disabled,
    Idle,
    WaitingForPlugIn,
    WaitingForAuthentication,
    PrepareCharging,
    Charging,
    ChargingPausedEV,
    ChargingPausedEVSE,
    Finished,
}

/// What [`EvseManager::force_unlock`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForceUnlock {
    /// The lock is open.
    Unlocked,
    /// The lock did not open: an error keeps it closed
    /// ([`HardwareError::keeps_lock_closed`]).
    Failed,
    /// There is no connector lock (a fixed cable).
    NoLock,
}

/// A command the EvseManager refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvseError {
    /// The EVSE is disabled.
    #[error("the EVSE is disabled")]
    Disabled,
    /// A transaction is running already.
    #[error("a transaction is running already")]
    TransactionRunning,
    /// The transaction of this plug-in already finished: unplug first.
    #[error("the transaction finished; unplug and plug in again")]
    ReplugRequired,
    /// There is no transaction.
    #[error("no transaction")]
    NoTransaction,
    /// There is no authorization waiting for a car.
    #[error("no authorization waiting for a car")]
    NotAuthorized,
    /// The EVSE did not pause charging (a car's pause cannot be resumed from the EVSE).
    #[error("charging is not paused by the EVSE")]
    NotPausedByEvse,
}

/// What the EvseManager wants the board to do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoardOutputs {
    /// The board is enabled.
    pub enabled: bool,
    /// The pilot output.
    pub pwm: PwmOutput,
    /// The relays may close.
    pub allow_power_on: bool,
    /// The connector is locked.
    pub locked: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Transaction {
    charging_started: bool,
}

/// The EvseManager. See the module docs.
#[derive(Debug, Clone)]
pub struct EvseManager {
    config: EvseManagerConfig,
    state: EvseState,
    ready: bool,
    plugged: bool,
    cp: CpState,
    authorization: Option<String>,
    session: bool,
    transaction: Option<Transaction>,
    user_pause: bool,
    external_limit_a: Option<f64>,
    /// The UK random delay between a requested limit and the one in force.
    random_delay: RandomDelay,
    /// The limit in force, A per phase: the requested one after the random delay.
    applied_limit_a: f64,
    /// When the EVSE became ready (its first tick), for the random delay's start-up check.
    ready_at: Option<Instant>,
    errors: BTreeSet<HardwareError>,
    fault_f_until: Option<Instant>,
    locked: bool,
    /// Whether an unplug stops the transaction (OCPP's StopTransactionOnEVSideDisconnect).
    stop_on_unplug: bool,
    /// The ISO 15118 session's Plug&Charge authorization was refused: no other authorization
    /// is taken until the car is unplugged (a card does not start charging a car whose contract
    /// was rejected, as EVerest's plug_and_charge_tests::test_pnc_reject expects).
    hlc_authorization_refused: bool,
    energy_wh: f64,
    now: Option<Instant>,
    events: VecDeque<SessionEvent>,
}

impl EvseManager {
    /// An idle, enabled EvseManager (waiting for the external ready signal when configured).
    pub fn new(config: EvseManagerConfig) -> Self {
        EvseManager {
            ready: !config.external_ready_to_start_charging,
            random_delay: RandomDelay::new(
                config.random_delay_enable,
                config.random_delay_max_duration_s,
                config.random_delay_at_any_change,
            ),
            applied_limit_a: config.max_current_a,
            ready_at: None,
            config,
            state: EvseState::Idle,
            plugged: false,
            cp: CpState::A,
            authorization: None,
            session: false,
            transaction: None,
            user_pause: false,
            external_limit_a: None,
            errors: BTreeSet::new(),
            fault_f_until: None,
            locked: false,
            stop_on_unplug: true,
            hlc_authorization_refused: false,
            energy_wh: 0.0,
            now: None,
            events: VecDeque::new(),
        }
    }

    /// The session state.
    pub fn state(&self) -> EvseState {
        self.state
    }

    /// The next session event, oldest first.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// Whether it holds charging back until `external_ready_to_start_charging`.
    pub fn waiting_for_external_ready(&self) -> bool {
        !self.ready
    }

    /// Whether a transaction runs.
    pub fn transaction_active(&self) -> bool {
        self.transaction.is_some()
    }

    /// Whether a blocking hardware error is active (OCPP: Faulted).
    pub fn is_faulted(&self) -> bool {
        self.errors.iter().any(|e| e.blocks_charging())
    }

    /// The active errors.
    pub fn active_errors(&self) -> impl Iterator<Item = HardwareError> + '_ {
        self.errors.iter().copied()
    }

    /// The current offered to the car now, A: the smaller of the hardware maximum and the
    /// external limit (0 while no energy is offered).
    pub fn offered_current_a(&self) -> f64 {
        match self.pwm() {
            PwmOutput::On(_) => self.limit_a(),
            _ => 0.0,
        }
    }

    /// The current it may offer now, A per phase: the smaller of the hardware maximum and
    /// the external limit, offered or not (EvseManager's `limits.max_current`).
    pub fn current_limit_a(&self) -> f64 {
        self.limit_a()
    }

    /// The hardware maximum, A per phase.
    pub fn max_current_a(&self) -> f64 {
        self.config.max_current_a
    }

    /// The external limit from the energy tree, A (`None`: none).
    pub fn external_limit_a(&self) -> Option<f64> {
        self.external_limit_a
    }

    /// What the board should do now.
    pub fn board_outputs(&self) -> BoardOutputs {
        let pwm = self.pwm();
        BoardOutputs {
            enabled: self.state != EvseState::Disabled,
            pwm,
            allow_power_on: pwm.is_running() && self.transaction.is_some() && !self.is_faulted(),
            locked: self.locked,
        }
    }

    /// The meter's register now, Wh (for the meter values of transaction events).
    pub fn update_meter(&mut self, energy_wh: f64) {
        if energy_wh.is_finite() {
            self.energy_wh = energy_wh;
        }
    }

    /// Advances the clock (ends the F phase after a fault, and a random delay whose time is
    /// up).
    pub fn tick(&mut self, now: Instant) {
        self.now = Some(now);
        self.ready_at.get_or_insert(now);
        if self.fault_f_until.is_some_and(|until| now >= until) {
            self.fault_f_until = None;
        }
        self.refresh_limit();
    }

    /// Carries out a command of the `uk_random_delay` interface (EVerest's `random_delay`
    /// implementation of the EvseManager).
    pub fn random_delay_command(&mut self, command: RandomDelayCommand) {
        info!(?command, "evse: random delay");
        self.random_delay.command(command);
        self.refresh_limit();
    }

    /// The random delay's `countdown` now; `None` while random delays are off (EVerest
    /// publishes it only then).
    pub fn random_delay_countdown(&self) -> Option<CountDown> {
        let now = self.now?;
        self.random_delay
            .is_enabled()
            .then(|| self.random_delay.countdown(now))
    }

    /// Whether random delays are on, and the longest one, s.
    pub fn random_delay_settings(&self) -> (bool, u64) {
        (
            self.random_delay.is_enabled(),
            self.random_delay.max_duration_s(),
        )
    }

    /// Handles what the board reported.
    pub fn handle_board_event(&mut self, event: BoardEvent) {
        match event {
            BoardEvent::Cp(cp) => self.handle_cp(cp),
            BoardEvent::PowerOn | BoardEvent::PowerOff => {}
            BoardEvent::ErrorRaised(error) => {
                if self.errors.insert(error) {
                    info!(%error, "evse: error raised");
                    self.emit(SessionEvent::Error { error });
                    if error.blocks_charging() && self.state == EvseState::Charging {
                        // EVerest: CX → F for state_F_after_fault_ms → C1/B1.
                        self.fault_f_until = self.now.map(|n| n + self.config.state_f_after_fault);
                    }
                    self.update_charging();
                }
            }
            BoardEvent::ErrorCleared(error) => {
                if self.errors.remove(&error) {
                    info!(%error, "evse: error cleared");
                    self.emit(SessionEvent::ErrorCleared { error });
                    self.update_charging();
                }
            }
        }
    }

    /// `authorize_response` (accepted): authorizes a transaction, for the car plugged in or
    /// the next one (swipe first).
    pub fn authorize(&mut self, id_tag: &str) -> Result<(), EvseError> {
        if self.hlc_authorization_refused {
            return Err(EvseError::ReplugRequired);
        }
        match self.state {
            EvseState::Disabled => Err(EvseError::Disabled),
            EvseState::Finished => Err(EvseError::ReplugRequired),
            EvseState::Idle | EvseState::WaitingForPlugIn => {
                self.authorization = Some(id_tag.to_owned());
                if self.state == EvseState::Idle {
                    self.state = EvseState::WaitingForPlugIn;
                    self.start_session(StartSessionReason::Authorized);
                }
                Ok(())
            }
            EvseState::WaitingForAuthentication => {
                self.authorization = Some(id_tag.to_owned());
                self.start_transaction();
                Ok(())
            }
            _ => Err(EvseError::TransactionRunning),
        }
    }

    /// `withdraw_authorization`: forgets an authorization still waiting for a car (OCPP's
    /// ConnectionTimeOut); the session it started finishes.
    pub fn withdraw_authorization(&mut self) -> Result<(), EvseError> {
        if self.state != EvseState::WaitingForPlugIn {
            return Err(EvseError::NotAuthorized);
        }
        self.authorization = None;
        self.finish_session();
        Ok(())
    }

    /// `stop_transaction`: stops the transaction; the car stays plugged until it leaves.
    pub fn stop_transaction(
        &mut self,
        reason: StopTransactionReason,
        id_tag: Option<String>,
    ) -> Result<(), EvseError> {
        if self.transaction.is_none() {
            return Err(EvseError::NoTransaction);
        }
        self.finish_transaction(reason, id_tag);
        if !self.plugged {
            // A transaction kept after the car left (see `set_stop_transaction_on_unplug`).
            self.finish_session();
        }
        Ok(())
    }

    /// `pause_charging`: stop offering energy, keep the transaction.
    pub fn pause_charging(&mut self) -> Result<(), EvseError> {
        if self.transaction.is_none() {
            return Err(EvseError::NoTransaction);
        }
        self.user_pause = true;
        self.update_charging();
        Ok(())
    }

    /// `resume_charging`: undo [`Self::pause_charging`].
    pub fn resume_charging(&mut self) -> Result<(), EvseError> {
        if self.transaction.is_none() {
            return Err(EvseError::NoTransaction);
        }
        if !self.user_pause {
            return Err(EvseError::NotPausedByEvse);
        }
        self.user_pause = false;
        self.update_charging();
        Ok(())
    }

    /// The external limit from the energy tree, A per phase (`None`: no limit). Below 6 A
    /// the EVSE pauses (NoEnergy), since a PWM cannot offer less.
    pub fn set_external_limit(&mut self, amps: Option<f64>) {
        self.external_limit_a = amps.map(|a| if a.is_finite() { a.max(0.0) } else { 0.0 });
        self.refresh_limit();
        self.update_charging();
    }

    /// `enable_disable`: a disabled EVSE shows F and starts nothing; a transaction running
    /// when it is disabled stops (reason Other) and its session ends. Returns whether it is
    /// enabled afterwards.
    pub fn enable_disable(&mut self, enable: bool) -> bool {
        let enabled = self.state != EvseState::Disabled;
        if enable && !enabled {
            self.state = EvseState::Idle;
            // Forget the plug: the pilot goes from F back to what the car shows, and a car
            // that is plugged starts a new session from that event.
            self.plugged = false;
            self.emit(SessionEvent::Enabled);
        } else if !enable && enabled {
            if self.transaction.is_some() {
                self.finish_transaction(StopTransactionReason::Other, None);
            }
            self.authorization = None;
            if self.session {
                self.session = false;
                self.emit(SessionEvent::SessionFinished);
            }
            self.locked = false;
            self.state = EvseState::Disabled;
            self.emit(SessionEvent::Disabled);
        }
        enable
    }

    /// Whether unplugging the car stops the transaction (true, the default) or keeps it
    /// suspended until the car comes back or it is stopped otherwise (OCPP's
    /// StopTransactionOnEVSideDisconnect false, which the OCPP module sets).
    pub fn set_stop_transaction_on_unplug(&mut self, stop: bool) {
        self.stop_on_unplug = stop;
    }

    /// Whether a connector lock is connected ([`EvseManagerConfig::connector_lock`]).
    pub fn has_connector_lock(&self) -> bool {
        self.config.connector_lock
    }

    /// `force_unlock`: opens the connector lock now. The caller stops a running transaction
    /// first (reason UnlockCommand), as everest-core's `handle_force_unlock` does, when
    /// [`EvseManager::has_connector_lock`].
    pub fn force_unlock(&mut self) -> ForceUnlock {
        if !self.config.connector_lock {
            return ForceUnlock::NoLock;
        }
        if let Some(error) = self.errors.iter().find(|e| e.keeps_lock_closed()) {
            info!(
                error = error.name(),
                "evse: the connector lock does not open"
            );
            return ForceUnlock::Failed;
        }
        self.locked = false;
        ForceUnlock::Unlocked
    }

    /// `external_ready_to_start_charging`: the runtime (the OCPP module after boot) lets
    /// charging start. Returns whether the signal was used (the parameter is set).
    pub fn external_ready_to_start_charging(&mut self) -> bool {
        if !self.config.external_ready_to_start_charging {
            return false;
        }
        if !self.ready {
            debug!("evse: external ready to start charging");
            self.ready = true;
            // Catch up with a car that plugged in while waiting.
            if self.plugged && self.state != EvseState::Disabled {
                self.plug_in();
            }
        }
        true
    }

    fn handle_cp(&mut self, cp: CpState) {
        self.cp = cp;
        let plugged = cp.plugged().unwrap_or(self.plugged);
        let changed = plugged != self.plugged;
        self.plugged = plugged;
        if !self.ready || self.state == EvseState::Disabled {
            return;
        }
        if changed && plugged {
            self.plug_in();
        } else if changed {
            self.unplug();
        }
        if cp.requests_power() && !self.config.lock_connector_in_state_b && self.session {
            self.locked = true;
        }
        // E and F are not the car choosing to draw or not: E is a fault (handled as an error),
        // F is what the EVSE itself drives.
        self.next_charging_state(cp.plugged().is_some());
    }

    fn plug_in(&mut self) {
        debug!("evse: car plugged in");
        if self.config.lock_connector_in_state_b {
            self.locked = true;
        }
        match self.state {
            EvseState::Idle => {
                self.start_session(StartSessionReason::EVConnected);
                self.state = EvseState::WaitingForAuthentication;
                self.emit(SessionEvent::AuthRequired);
            }
            EvseState::WaitingForPlugIn => self.start_transaction(),
            _ => {}
        }
    }

    /// The car's Plug&Charge contract was refused (Auth's answer to the ISO 15118 side): until
    /// the car is unplugged no authorization is taken.
    pub fn refuse_authorization_until_unplug(&mut self) {
        self.hlc_authorization_refused = true;
    }

    fn unplug(&mut self) {
        debug!("evse: car unplugged");
        self.hlc_authorization_refused = false;
        if self.transaction.is_some() && !self.stop_on_unplug {
            // The transaction goes on without the car (SuspendedEV); a car plugging in again
            // charges in it.
            info!("evse: car unplugged; the transaction is kept");
            self.locked = false;
            return;
        }
        if self.transaction.is_some() {
            self.finish_transaction(StopTransactionReason::EVDisconnected, None);
        }
        self.locked = false;
        self.finish_session();
    }

    fn start_session(&mut self, reason: StartSessionReason) {
        self.session = true;
        self.emit(SessionEvent::SessionStarted { reason });
    }

    fn finish_session(&mut self) {
        if self.session {
            self.session = false;
            self.emit(SessionEvent::SessionFinished);
        }
        self.authorization = None;
        self.user_pause = false;
        self.state = EvseState::Idle;
    }

    fn start_transaction(&mut self) {
        let id_tag = self.authorization.take().unwrap_or_default();
        info!(%id_tag, meter_start_wh = self.energy_wh, "evse: transaction started");
        self.transaction = Some(Transaction {
            charging_started: false,
        });
        self.emit(SessionEvent::TransactionStarted {
            id_tag,
            meter_start_wh: self.energy_wh,
        });
        self.state = EvseState::PrepareCharging;
        self.emit(SessionEvent::PrepareCharging);
        self.update_charging();
    }

    fn finish_transaction(&mut self, reason: StopTransactionReason, id_tag: Option<String>) {
        info!(
            ?reason,
            meter_stop_wh = self.energy_wh,
            "evse: transaction finished"
        );
        self.transaction = None;
        self.user_pause = false;
        self.fault_f_until = None;
        self.emit(SessionEvent::TransactionFinished {
            reason,
            meter_stop_wh: self.energy_wh,
            id_tag,
        });
        // Unlocked so the user can take the cable.
        self.locked = false;
        self.state = EvseState::Finished;
    }

    /// Every reason the EVSE holds energy back now.
    fn pause_reasons(&self) -> Vec<PauseReason> {
        let mut reasons = Vec::new();
        if self.user_pause {
            reasons.push(PauseReason::UserPause);
        }
        if self.is_faulted() {
            reasons.push(PauseReason::Error);
        }
        if self.limit_a() < MIN_CURRENT_A {
            reasons.push(PauseReason::NoEnergy);
        }
        reasons
    }

    /// Moves between the charging states after a change of pause reasons or limit.
    fn update_charging(&mut self) {
        self.next_charging_state(false);
    }

    /// Moves between the charging states; `car_moved`: the car changed the pilot between A,
    /// B, C and D (only that makes `Charging` `ChargingPausedEV`, see the module docs).
    fn next_charging_state(&mut self, car_moved: bool) {
        let Some(charging_started) = self.transaction.as_ref().map(|t| t.charging_started) else {
            return;
        };
        let car_draws = self.cp.requests_power();
        let reasons = self.pause_reasons();
        let paused = !reasons.is_empty();
        use EvseState as S;
        let next = match (self.state, paused, car_draws) {
            (S::PrepareCharging | S::Charging | S::ChargingPausedEV, true, _) => {
                S::ChargingPausedEVSE
            }
            // EVerest's resume: energy is offered again and the session is Charging; the car
            // in B (no PWM while paused) follows.
            (S::ChargingPausedEVSE, false, _) if charging_started => S::Charging,
            (S::ChargingPausedEVSE, false, true) => S::Charging,
            // Paused before the car ever drew: back to waiting for it, as at the start.
            (S::ChargingPausedEVSE, false, false) => S::PrepareCharging,
            (S::PrepareCharging | S::ChargingPausedEV, false, true) => S::Charging,
            (S::Charging, false, false) if car_moved => S::ChargingPausedEV,
            (state, _, _) => state,
        };
        if next == self.state {
            return;
        }
        let from = self.state;
        self.state = next;
        if let (S::Charging, Some(tx)) = (next, self.transaction.as_mut()) {
            tx.charging_started = true;
        }
        debug!(?from, to = ?next, "evse: charging state");
        match next {
            S::ChargingPausedEVSE => self.emit(SessionEvent::ChargingPausedEVSE { reasons }),
            S::ChargingPausedEV => self.emit(SessionEvent::ChargingPausedEV),
            S::Charging if !charging_started => self.emit(SessionEvent::ChargingStarted),
            S::Charging => self.emit(SessionEvent::ChargingResumed),
            _ => {}
        }
    }

    fn limit_a(&self) -> f64 {
        self.applied_limit_a
    }

    /// The limit requested: the hardware maximum, or less by the energy tree.
    fn requested_limit_a(&self) -> f64 {
        let max = self.config.max_current_a;
        self.external_limit_a.map_or(max, |l| l.min(max))
    }

    /// Whether the session asks for energy, as EVerest's random delay checks it
    /// (PrepareCharging, Charging, WaitingForAuthentication; here also the pause for lack of
    /// energy before the car ever drew, which is EVerest's PrepareCharging waiting for power).
    fn wants_energy(&self) -> bool {
        use EvseState as S;
        match self.state {
            S::PrepareCharging | S::Charging | S::WaitingForAuthentication => true,
            S::ChargingPausedEVSE => {
                self.transaction
                    .as_ref()
                    .is_some_and(|t| !t.charging_started)
                    && !self.user_pause
                    && !self.is_faulted()
            }
            _ => false,
        }
    }

    /// Puts the limit after the random delay in force; moves the charging state when it
    /// changed.
    fn refresh_limit(&mut self) {
        use EvseState as S;
        // Without a session EVerest's energy manager offers an EvseManager nothing (the SIL's
        // request_zero_power_in_idle), so a session's start is a change from zero, which the
        // random delay holds back; the simulated energy tree leaves an idle EVSE's last offer.
        let idle = matches!(
            self.state,
            S::Idle | S::WaitingForPlugIn | S::Finished | S::Disabled
        );
        let requested = if idle && self.random_delay.is_enabled() {
            0.0
        } else {
            self.requested_limit_a()
        };
        let applied = match self.now {
            Some(now) => {
                let ready_since = self
                    .ready_at
                    .map_or(Duration::ZERO, |r| now.saturating_duration_since(r));
                let wants = self.wants_energy();
                self.random_delay
                    .limit(requested, wants, ready_since, now, fastrand::u64(..))
            }
            None => requested,
        };
        if (applied - self.applied_limit_a).abs() > f64::EPSILON {
            self.applied_limit_a = applied;
            self.update_charging();
        }
    }

    fn pwm(&self) -> PwmOutput {
        use EvseState as S;
        match self.state {
            S::Disabled => PwmOutput::F,
            _ if self.fault_f_until.is_some() => PwmOutput::F,
            S::PrepareCharging | S::Charging | S::ChargingPausedEV => {
                PwmOutput::offering(self.limit_a())
            }
            _ => PwmOutput::Off,
        }
    }

    fn emit(&mut self, event: SessionEvent) {
        debug!(?event, "evse: session event");
        self.events.push_back(event);
    }
}

#[cfg(test)]
mod tests;
