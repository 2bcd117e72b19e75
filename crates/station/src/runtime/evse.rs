//! One EVSE of the running station: its simulation, the car's orders from the control API, and
//! what the core must hear after each simulation step; and what its EvManager and EvseManager
//! keep in their PersistentStore across restarts ([`crate::sim::kvs`]).

use std::time::Instant;

use chargepoint::charge_point::StationEvent;

use super::translate;
use crate::control_api::{ChargeMode, ControlError, MeterOverride, Payment, PlugIn};
use crate::sim::kvs::EvseStores;
use crate::sim::{HardwareError, Script, SessionEvent, SimulatedEvse};

/// The car's current per phase and phases when a plug-in does not say (EvManager's default
/// `plugin_commands` draw 16 A on 3 phases).
const DEFAULT_DRAW: (f64, u8) = (16.0, 3);

/// An EVSE and its connector.
#[derive(Debug)]
pub struct Evse {
    /// The OCPP connector id.
    pub connector: u32,
    /// The simulation.
    pub sim: SimulatedEvse,
    /// What the core was last told about the plug.
    plugged: bool,
    /// What the car draws when it draws: A per phase, phases.
    draw: (f64, u8),
    /// The idTag of the running session, for the state.
    pub id_tag: Option<String>,
    /// The running transaction's session id (a UUID, as EvseManager's default
    /// session_id_type), for the state and the display's SessionId-bound messages.
    pub session_id: Option<String>,
    /// The PersistentStores of its EvManager and EvseManager.
    stores: EvseStores,
    /// Who enabled or disabled it, and who wins (EvseManager's enable_disable table).
    pub enable: crate::sim::enable_sources::EnableSources,
    /// Whether the core was told the station disabled it (a source other than the CSMS).
    pub disabled_by_station: bool,
    /// Enabled by a source of higher priority although the CSMS's entry disables it (the
    /// core was told: the connector stays usable and Available).
    pub enabled_over_inoperative: bool,
    /// The phase count of the API's last `set_limit_amps_phases` (shown in its `limits`).
    pub api_phases: Option<u8>,
    /// The API module's view of the session (its `session_info`).
    pub api_session: crate::mqtt::SessionTracker,
    /// The module id of the EvManager driving the board, if there is one.
    pub ev_manager: Option<String>,
    /// The module id of its board (the YetiSimulator its errors come from).
    pub board_module: String,
    /// The uuid of each active error (EVerest's error handle).
    active_errors: std::collections::HashMap<HardwareError, String>,
    /// Errors raised and cleared since the station loop last took them (for ErrorHistory).
    pub error_changes: Vec<ErrorChange>,
    /// The session's UUID from its start on (EvseManager's session id; the transaction's
    /// `session_id` once one starts).
    session_uuid: Option<String>,
    /// The EvseManager's session log, when its `session_logging` is on.
    pub session_log: Option<super::session_logging::EvseSessionLog>,
}

/// An error raised or cleared at an EVSE, as ErrorHistory keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorChange {
    /// Raised.
    Raised(crate::error_history::ErrorObject),
    /// Cleared: its uuid.
    Cleared(String),
}

impl Evse {
    /// The EVSE of `connector`.
    pub fn new(connector: u32, sim: SimulatedEvse) -> Evse {
        Evse {
            connector,
            sim,
            plugged: false,
            draw: DEFAULT_DRAW,
            id_tag: None,
            session_id: None,
            stores: EvseStores::default(),
            enable: Default::default(),
            disabled_by_station: false,
            enabled_over_inoperative: false,
            api_phases: None,
            api_session: crate::mqtt::SessionTracker::new(chrono::Utc::now()),
            ev_manager: None,
            board_module: String::new(),
            active_errors: Default::default(),
            error_changes: Vec::new(),
            session_uuid: None,
            session_log: None,
        }
    }

    /// The folder of the session the EvseManager's session log writes now, if any.
    pub fn session_log_dir(&self) -> Option<std::path::PathBuf> {
        self.session_log
            .as_ref()
            .and_then(|l| l.session_dir())
            .map(std::path::PathBuf::from)
    }

    /// Connects the EVSE to its stores and does what a start does with them, before the
    /// first step: the EvseManager clears the session of a transaction the previous run left
    /// open (`Charger::cleanup_transactions_on_startup`), and with
    /// `keep_cross_boot_plugin_state` a car that was plugged in then is plugged in again,
    /// running the script it ran (EvManager's `car_simulatorImpl::ready`).
    pub fn restore(&mut self, stores: EvseStores) {
        if let Some(session) = &stores.session {
            session.cleanup_on_startup(self.connector);
        }
        if let Some(script) = stores.car.as_ref().and_then(|car| car.resume_script()) {
            tracing::info!(connector = self.connector, %script, "the car was plugged in before the restart: plugged in again");
            self.sim.car_mut().resume_plugged_in(script);
        }
        self.stores = stores;
    }

    /// StopTransactionOnEVSideDisconnect (`None`: the default, true): whether the EVSE stops
    /// the transaction when the car is unplugged, or keeps it (the core shows SuspendedEV).
    pub fn set_stop_transaction_on_unplug(&mut self, stop: Option<bool>) {
        self.sim
            .evse_manager_mut()
            .set_stop_transaction_on_unplug(stop != Some(false));
    }

    /// Whether the core was told a car is plugged in.
    pub fn plugged(&self) -> bool {
        self.plugged
    }

    fn run(&mut self, text: &str) -> Result<(), ControlError> {
        self.car_enabled()?;
        let car = self.sim.car_mut();
        let script = car
            .parse(text)
            .map_err(|e| ControlError::Invalid(e.to_string()))?;
        car.modify(script)
            .map_err(|e| ControlError::Invalid(e.to_string()))
    }

    /// A car plugs in and charges as soon as the EVSE offers energy: in basic mode, the
    /// IEC 61851 car; in `iso_ac`, EVerest's test controller's ISO 15118 AC session
    /// (`plug_in_ac_iso`: SLAC, a V2G session with the payment option asked for, 60 s of
    /// charging, the session stopped, unplugged), which needs an EvManager connected to a
    /// SlacSimulator and a PyEvJosev.
    pub fn plug_in(&mut self, request: &PlugIn) -> Result<(), ControlError> {
        let draw = (
            request.max_current_a.unwrap_or(DEFAULT_DRAW.0),
            request.phases.unwrap_or(DEFAULT_DRAW.1),
        );
        let (amps, phases) = draw;
        let script = match (request.mode.unwrap_or_default(), request.payment) {
            (ChargeMode::Basic, None) => {
                format!("iec_wait_pwr_ready;draw_power_regulated {amps},{phases}")
            }
            (ChargeMode::Basic, Some(_)) => {
                return Err(ControlError::Invalid(
                    "payment: only an ISO 15118 car (mode iso_ac) selects a payment option"
                        .to_owned(),
                ))
            }
            (ChargeMode::IsoAc, payment) => {
                let payment = payment.map_or("auto", Payment::as_str);
                format!(
                    "sleep 1;iso_wait_slac_matched;iso_start_v2g_session AC,{payment},86400,0;\
                     iso_wait_pwr_ready;iso_draw_power_regulated {amps},{phases};sleep 60;\
                     iso_stop_charging;iso_wait_v2g_session_stopped;unplug"
                )
            }
            (ChargeMode::IsoDc, _) => {
                return Err(ControlError::Invalid(
                    "mode: iso_dc is not simulated (the simulated board, meter and car are AC)"
                        .to_owned(),
                ))
            }
        };
        self.run(&script)?;
        self.draw = draw;
        Ok(())
    }

    /// The car pulls its cable.
    pub fn unplug(&mut self) -> Result<(), ControlError> {
        self.run("unplug")
    }

    /// The car stops drawing (SuspendedEV).
    pub fn ev_pause(&mut self) -> Result<(), ControlError> {
        self.run("pause")
    }

    /// The car draws again.
    pub fn ev_resume(&mut self) -> Result<(), ControlError> {
        let (amps, phases) = self.draw;
        self.run(&format!("draw_power_regulated {amps},{phases}"))
    }

    /// The car runs `script`, after the running one or instead of it.
    pub fn car_script(&mut self, script: Script, replace: bool) -> Result<(), ControlError> {
        self.car_enabled()?;
        if replace {
            self.sim
                .car_mut()
                .modify(script)
                .map_err(|e| ControlError::Invalid(e.to_string()))
        } else {
            self.sim
                .car_mut()
                .execute(script)
                .map_err(|e| ControlError::Conflict(e.to_string()))
        }
    }

    /// The car simulation is enabled or disabled (EvManager's `enable`).
    pub fn car_enable(&mut self, enable: bool) -> Result<(), ControlError> {
        if self.sim.car_mut().set_enabled(enable) {
            Ok(())
        } else {
            Err(ControlError::Conflict(format!(
                "the car simulation at connector {} is {} already",
                self.connector,
                if enable { "enabled" } else { "disabled" }
            )))
        }
    }

    fn car_enabled(&self) -> Result<(), ControlError> {
        if self.sim.car().is_enabled() {
            Ok(())
        } else {
            Err(ControlError::Conflict(format!(
                "the car simulation at connector {} is disabled (EvManager's enable topic enables it)",
                self.connector
            )))
        }
    }

    /// A hardware fault is raised or cleared on the board.
    pub fn hardware_error(&mut self, error: HardwareError, raise: bool) {
        let board = self.sim.board_mut();
        if raise {
            board.raise_error(error);
        } else {
            board.clear_error(error);
        }
    }

    /// The simulated meter shows the given values.
    pub fn meter(&mut self, request: &MeterOverride) {
        let meter = self.sim.board_mut().meter_mut();
        if let Some(wh) = request.energy_wh {
            meter.set_energy_wh(wh);
        }
        if let Some(w) = request.power_w {
            meter.override_power_w(Some(w));
        }
        if let Some(v) = request.voltage_v {
            meter.set_voltage(v);
        }
        if let Some(a) = request.current_a {
            meter.set_currents([a; 3]);
        }
    }

    /// Steps the simulation to `now` and returns what the core must hear, in order: a plug-in
    /// before the session's events (a transaction may start in the same step), an unplug after
    /// them (the transaction stops before the cable is gone).
    pub fn step(&mut self, now: Instant) -> Vec<StationEvent> {
        self.sim.tick(now);
        if let Some(record) = self.sim.car_mut().take_plug_record() {
            if let Some(car) = &self.stores.car {
                car.record(&record);
            }
        }
        let connector = self.connector;
        let mut out = Vec::new();
        // The step's session events with their session's id, for the session log.
        let mut logged = Vec::new();
        // E and F say nothing about the plug: keep what we knew.
        let plugged = self
            .sim
            .board()
            .cp_state()
            .plugged()
            .unwrap_or(self.plugged);
        if plugged && !self.plugged {
            out.push(StationEvent::PluggedIn { connector });
        }
        while let Some(event) = self.sim.poll_event() {
            match &event {
                SessionEvent::SessionStarted { .. } => {
                    self.session_uuid = Some(uuid::Uuid::new_v4().to_string());
                }
                SessionEvent::TransactionStarted { id_tag, .. } => {
                    self.id_tag = Some(id_tag.clone());
                    // EvseManager stores the session in Charger::start_transaction, with the
                    // UUID it gave the session at its start (its default session_id_type).
                    let session_id = self
                        .session_uuid
                        .clone()
                        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                    if let Some(session) = &self.stores.session {
                        session.store_session(&session_id);
                    }
                    self.session_id = Some(session_id);
                }
                SessionEvent::Error { error } => self.error_raised(*error),
                SessionEvent::ErrorCleared { error } => {
                    if let Some(uuid) = self.active_errors.remove(error) {
                        self.error_changes.push(ErrorChange::Cleared(uuid));
                    }
                }
                SessionEvent::TransactionFinished { .. } => {
                    self.id_tag = None;
                    self.session_id = None;
                    // Charger::stop_transaction.
                    if let Some(session) = &self.stores.session {
                        session.clear_session();
                    }
                }
                _ => {}
            }
            if self.session_log.is_some() {
                logged.push((event.clone(), self.session_uuid.clone().unwrap_or_default()));
            }
            if event == SessionEvent::SessionFinished {
                self.session_uuid = None;
            }
            self.api_session.on_event(&event, chrono::Utc::now());
            tracing::debug!(connector, ?event, "session event");
            out.extend(translate::station_event(connector, &event));
        }
        if !plugged && self.plugged {
            out.push(StationEvent::Unplugged { connector });
        }
        self.plugged = plugged;
        if let Some(log) = &mut self.session_log {
            log.on_step(&self.sim, &logged, chrono::Utc::now());
        }
        self.api_session
            .on_meter(self.sim.board().meter().energy_wh(), chrono::Utc::now());
        out
    }

    /// An error raised by the board: EVerest's error object (YetiSimulator's message and
    /// severity, everest-core's description, a new uuid).
    fn error_raised(&mut self, error: HardwareError) {
        use crate::error_history::{self as h, ErrorObject, ErrorState, Origin, Severity};
        let uuid = uuid::Uuid::new_v4().to_string();
        self.active_errors.insert(error, uuid.clone());
        self.error_changes.push(ErrorChange::Raised(ErrorObject {
            description: h::description(error.name()).to_owned(),
            message: "Simulated fault event".to_owned(),
            origin: Origin {
                implementation_id: h::implementation_of(error.interface()).to_owned(),
                module_id: self.board_module.clone(),
            },
            severity: Severity::High,
            state: ErrorState::Active,
            sub_type: String::new(),
            timestamp: crate::mqtt::vars::rfc3339(chrono::Utc::now()),
            error_type: error.name().to_owned(),
            uuid,
        }));
    }

    /// What the MQTT side publishes of this EVSE.
    pub fn mqtt_vars(&self) -> crate::mqtt::EvseVars {
        use crate::mqtt::vars::{CarVars, SessionVars};
        let manager = self.sim.evse_manager();
        let meter = self.sim.board().meter().reading();
        crate::mqtt::EvseVars {
            connector: self.connector,
            session: SessionVars {
                state: self.api_session.state(),
                charged_energy_wh: self.api_session.charged_energy_wh(),
                charging_duration_s: self.api_session.charging_duration_s(),
                latest_total_w: meter.power_w,
                permanent_fault: manager.is_faulted(),
                enable: self.enable.active(),
            },
            max_current_a: manager.max_current_a(),
            offered_a: manager.current_limit_a(),
            phases: self.api_phases.unwrap_or(3),
            relais_on: self.sim.board().relays_closed(),
            meter,
            car: self.ev_manager.as_ref().map(|id| CarVars {
                ev_manager: id.clone(),
                bsp_event: cp_event(self.sim.board().cp_state()),
            }),
            random_delay: manager
                .random_delay_countdown()
                .filter(|c| c.countdown_s > 0)
                .map(|c| crate::mqtt::vars::RandomDelayVars {
                    remaining_s: c.countdown_s,
                    current_limit_after_delay_a: c.current_limit_after_delay_a,
                    current_limit_during_delay_a: c.current_limit_during_delay_a,
                    start_time: c
                        .started
                        .and_then(|s| chrono::TimeDelta::from_std(s.elapsed()).ok())
                        .map(|ago| crate::mqtt::vars::rfc3339(chrono::Utc::now() - ago))
                        .unwrap_or_default(),
                }),
        }
    }
}

/// EVerest's `board_support_common` Event name of a pilot state.
fn cp_event(cp: crate::sim::CpState) -> &'static str {
    use crate::sim::CpState;
    match cp {
        CpState::A => "A",
        CpState::B => "B",
        CpState::C => "C",
        CpState::D => "D",
        CpState::E => "E",
        CpState::F => "F",
    }
}

#[cfg(test)]
mod tests {
    use chargepoint::charge_point::StationEvent;
    use serde_json::json;

    use super::*;
    use crate::persistent_store::StoreHandle;
    use crate::sim::car::LOOP_INTERVAL;
    use crate::sim::kvs::{CarKvs, SessionStore};
    use crate::sim::SimulatedEvseConfig;

    fn stores(store: &StoreHandle, keep: bool) -> EvseStores {
        EvseStores {
            car: Some(CarKvs::new(store.clone(), "ev_manager_1", keep)),
            session: Some(SessionStore::new(store.clone(), "evse_manager_1")),
        }
    }

    fn run(evse: &mut Evse, t0: Instant, from: u32, to: u32) -> Vec<StationEvent> {
        (from..=to)
            .flat_map(|step| evse.step(t0 + LOOP_INTERVAL * step))
            .collect()
    }

    #[test]
    fn a_restart_finds_the_car_plugged_in_and_the_interrupted_session_cleared() {
        let store = StoreHandle::in_memory("persistent_store").unwrap();
        let t0 = Instant::now();
        let mut evse = Evse::new(1, SimulatedEvse::new(SimulatedEvseConfig::default()));
        evse.restore(stores(&store, true));
        evse.plug_in(&PlugIn::default()).unwrap();
        let events = run(&mut evse, t0, 0, 2);
        assert_eq!(
            events.first(),
            Some(&StationEvent::PluggedIn { connector: 1 })
        );
        evse.sim.evse_manager_mut().authorize("RFID1").unwrap();
        run(&mut evse, t0, 3, 8);
        assert_eq!(evse.id_tag.as_deref(), Some("RFID1"));
        let Some(serde_json::Value::String(session)) =
            store.load("evse_manager_1_session").unwrap()
        else {
            panic!("no session stored");
        };
        assert_eq!(session.len(), 36, "a UUID: {session}");

        // Power loss: the next run's EVSE on the same store.
        let mut evse = Evse::new(1, SimulatedEvse::new(SimulatedEvseConfig::default()));
        evse.restore(stores(&store, true));
        assert_eq!(
            store.load("evse_manager_1_session").unwrap(),
            Some(json!(""))
        );
        let events = run(&mut evse, t0, 0, 2);
        assert_eq!(
            events.first(),
            Some(&StationEvent::PluggedIn { connector: 1 })
        );
        assert!(evse.plugged());
        // It charges again once authorized: the stored script drew power.
        evse.sim.evse_manager_mut().authorize("RFID2").unwrap();
        run(&mut evse, t0, 3, 12);
        assert!(evse.sim.board().meter().power_w() > 0.0);
        // Unplugged: the next run starts without a car.
        evse.unplug().unwrap();
        run(&mut evse, t0, 13, 16);
        assert_eq!(
            store.load("evse_manager_1_session").unwrap(),
            Some(json!(""))
        );
        let mut evse = Evse::new(1, SimulatedEvse::new(SimulatedEvseConfig::default()));
        evse.restore(stores(&store, true));
        run(&mut evse, t0, 0, 4);
        assert!(!evse.plugged());
    }

    #[test]
    fn without_keep_cross_boot_plugin_state_the_car_starts_unplugged() {
        let store = StoreHandle::in_memory("persistent_store").unwrap();
        let t0 = Instant::now();
        let mut evse = Evse::new(1, SimulatedEvse::new(SimulatedEvseConfig::default()));
        evse.restore(stores(&store, false));
        evse.plug_in(&PlugIn::default()).unwrap();
        run(&mut evse, t0, 0, 2);
        assert!(evse.plugged());
        // Recorded all the same, as EvManager does.
        assert_eq!(
            store
                .load("EvManager_ev_manager_1_simulated_already_plugged_in")
                .unwrap(),
            Some(json!(true))
        );
        let mut evse = Evse::new(1, SimulatedEvse::new(SimulatedEvseConfig::default()));
        evse.restore(stores(&store, false));
        let events = run(&mut evse, t0, 0, 4);
        assert!(events.is_empty(), "{events:?}");
        assert!(!evse.plugged());
    }
}
