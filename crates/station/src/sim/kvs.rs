//! What the simulated EvManager and EvseManager keep in the PersistentStore their `kvs` /
//! `store` requirement connects to ([`crate::persistent_store`]), so that a restart of the
//! station (a power loss, or the restart after a Reset or a firmware update) finds the world
//! as it was:
//!
//! - [`CarKvs`], everest-core's `modules/EV/EvManager/main/car_simulatorImpl.cpp`: the car's
//!   plug-in state and the script it was running. With `keep_cross_boot_plugin_state`, a car
//!   that was plugged in when the station went down is plugged in again at start and runs that
//!   script again: the cable is still in after a power loss.
//! - [`SessionStore`], everest-core's `modules/EVSE/EvseManager/PersistentStore.cpp`: the id
//!   of the running transaction's session, so the next start knows it was interrupted.
//! - [`EvseStores`]: both, found for one EVSE in a station config.
//!
//! A store that fails to read or write is logged and otherwise ignored: losing a cross-boot
//! hint must not stop a charging session.

use serde_json::Value;
use tracing::{info, warn};

use super::car::PlugRecord;
use super::script::Script;
use super::wiring;
use crate::persistent_store::{StoreError, StoreHandle, Stores};
use crate::{module_types, StationConfig};

/// What a car that was plugged in runs after a restart when no script was stored
/// (EvManager's fallback: it waits for power, then needs an unplug).
pub const DEFAULT_RESUME_COMMANDS: &str = "iec_wait_pwr_ready;sleep 60";

/// The EvManager's `kvs`: its plug-in state across restarts. See the module docs.
#[derive(Debug, Clone)]
pub struct CarKvs {
    store: StoreHandle,
    plugged_in_key: String,
    command_key: String,
    keep_cross_boot_plugin_state: bool,
}

impl CarKvs {
    /// The `kvs` of EvManager module `ev_manager` (its `keep_cross_boot_plugin_state` given),
    /// under EvManager's keys `EvManager_<id>_simulated_already_plugged_in` and
    /// `EvManager_<id>_simulated_plugged_in_command`.
    pub fn new(store: StoreHandle, ev_manager: &str, keep_cross_boot_plugin_state: bool) -> Self {
        let prefix = format!("{}_{ev_manager}", module_types::EV_MANAGER.name);
        CarKvs {
            store,
            plugged_in_key: format!("{prefix}_simulated_already_plugged_in"),
            command_key: format!("{prefix}_simulated_plugged_in_command"),
            keep_cross_boot_plugin_state,
        }
    }

    /// Writes a plug-in change of the car. As EvManager, it is written whether or not
    /// `keep_cross_boot_plugin_state` is on (the flag decides only what a start does with it).
    pub fn record(&self, record: &PlugRecord) {
        let result = match record {
            PlugRecord::PluggedIn { commands } => self
                .store
                .store(&self.plugged_in_key, &Value::Bool(true))
                .and_then(|()| {
                    self.store
                        .store(&self.command_key, &Value::String(commands.clone()))
                }),
            PlugRecord::Unplugged => self.store.store(&self.plugged_in_key, &Value::Bool(false)),
        };
        match result {
            Ok(()) => {
                tracing::debug!(key = %self.plugged_in_key, ?record, "car plug-in state stored")
            }
            Err(e) => warn!(error = %e, "car plug-in state not stored"),
        }
    }

    /// What the car runs at start: with `keep_cross_boot_plugin_state`, when the store says it
    /// was plugged in, the script it was running then ([`DEFAULT_RESUME_COMMANDS`] when none
    /// was stored, or when the stored one is empty or does not parse here, e.g. an ISO 15118
    /// script of an EVerest database); otherwise `None`.
    pub fn resume_script(&self) -> Option<Script> {
        if !self.keep_cross_boot_plugin_state {
            return None;
        }
        let was_plugged_in = match self.store.load(&self.plugged_in_key) {
            Ok(value) => value == Some(Value::Bool(true)),
            Err(e) => {
                warn!(error = %e, "car plug-in state not read; the car starts unplugged");
                return None;
            }
        };
        if !was_plugged_in {
            return None;
        }
        let stored = match self.store.load(&self.command_key) {
            Ok(Some(Value::String(text))) if !text.trim().is_empty() => Some(text),
            Ok(_) => None,
            Err(e) => {
                warn!(error = %e, "stored car script not read");
                None
            }
        };
        let script = stored.and_then(|text| match Script::parse(&text) {
            Ok(script) => Some(script),
            Err(e) => {
                warn!(script = %text, error = %e, "stored car script refused; the car waits for power instead");
                None
            }
        });
        // DEFAULT_RESUME_COMMANDS is a constant that parses (tested below).
        script.or_else(|| Script::parse(DEFAULT_RESUME_COMMANDS).ok())
    }
}

/// The EvseManager's `store`: the session of the running transaction. See the module docs.
#[derive(Debug, Clone)]
pub struct SessionStore {
    store: StoreHandle,
    key: String,
}

impl SessionStore {
    /// The `store` of EvseManager module `evse_manager`, under EvseManager's key
    /// `<module id>_session`.
    pub fn new(store: StoreHandle, evse_manager: &str) -> Self {
        SessionStore {
            store,
            key: format!("{evse_manager}_session"),
        }
    }

    /// A transaction started in session `session_id` (EvseManager stores it in
    /// `Charger::start_transaction`).
    pub fn store_session(&self, session_id: &str) {
        if let Err(e) = self
            .store
            .store(&self.key, &Value::String(session_id.to_owned()))
        {
            warn!(key = %self.key, error = %e, "session not stored");
        }
    }

    /// The transaction finished (`Charger::stop_transaction` stores "").
    pub fn clear_session(&self) {
        if let Err(e) = self.store.store(&self.key, &Value::String(String::new())) {
            warn!(key = %self.key, error = %e, "session not cleared");
        }
    }

    /// The stored session id, `None` when none is (EvseManager's `get_session`: "" is none).
    pub fn session(&self) -> Option<String> {
        match self.store.load(&self.key) {
            Ok(Some(Value::String(id))) if !id.is_empty() => Some(id),
            Ok(_) => None,
            Err(e) => {
                warn!(key = %self.key, error = %e, "stored session not read");
                None
            }
        }
    }

    /// At start: the session a transaction of the previous run was interrupted in, if any,
    /// logged and cleared (EvseManager's `Charger::cleanup_transactions_on_startup`). What
    /// EvseManager does beyond that, stopping the transaction with reason PowerLoss, the OCPP
    /// core does from its own database ([`chargepoint::ChargePoint`]'s transaction recovery).
    pub fn cleanup_on_startup(&self, connector: u32) -> Option<String> {
        let session = self.session()?;
        info!(
            connector,
            session_id = %session,
            "a transaction of the previous run was interrupted; the OCPP core stops it with reason PowerLoss"
        );
        self.clear_session();
        Some(session)
    }
}

/// The stores of one EVSE's simulated modules.
#[derive(Debug, Clone, Default)]
pub struct EvseStores {
    /// The EvManager's `kvs`, when connected.
    pub car: Option<CarKvs>,
    /// The EvseManager's `store`, when connected.
    pub session: Option<SessionStore>,
}

impl EvseStores {
    /// The stores of the EVSE whose EvseManager is `evse_manager` in `station`: its own
    /// `store`, and the `kvs` of the EvManager on its board (found as
    /// [`crate::sim::SimulatedEvseConfig::for_evse`] finds it), each opened through `stores`
    /// (once per PersistentStore module).
    pub fn for_evse(
        station: &StationConfig,
        evse_manager: &str,
        stores: &mut Stores,
    ) -> Result<Self, StoreError> {
        let session = stores
            .connected(station, evse_manager, "store")?
            .map(|store| SessionStore::new(store, evse_manager));
        let car = match wiring::ev_manager_of(station, evse_manager) {
            Some(ev) => stores.connected(station, &ev.id, "kvs")?.map(|store| {
                let keep = ev
                    .parameters
                    .bool("keep_cross_boot_plugin_state")
                    .unwrap_or(false);
                CarKvs::new(store, &ev.id, keep)
            }),
            None => None,
        };
        Ok(EvseStores { car, session })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::*;
    use crate::sim::car::{CarState, LOOP_INTERVAL};
    use crate::sim::{SimulatedEvse, SimulatedEvseConfig};

    fn run(evse: &mut SimulatedEvse, car: &CarKvs, t0: Instant, until: Duration) {
        let mut t = Duration::ZERO;
        while t <= until {
            evse.tick(t0 + t);
            if let Some(record) = evse.car_mut().take_plug_record() {
                car.record(&record);
            }
            t += LOOP_INTERVAL;
        }
    }

    #[test]
    fn the_default_resume_script_parses() {
        assert_eq!(
            Script::parse(DEFAULT_RESUME_COMMANDS).unwrap().to_string(),
            DEFAULT_RESUME_COMMANDS
        );
    }

    #[test]
    fn a_car_plugged_in_at_power_loss_is_plugged_in_again_with_its_script() {
        let store = StoreHandle::in_memory("store").unwrap();
        let kvs = CarKvs::new(store.clone(), "ev_manager_1", true);
        let t0 = Instant::now();
        let mut evse = SimulatedEvse::new(SimulatedEvseConfig::default());
        evse.car_mut()
            .execute_str("iec_wait_pwr_ready;draw_power_regulated 10,1")
            .unwrap();
        run(&mut evse, &kvs, t0, Duration::from_secs(1));
        assert_eq!(
            store
                .load("EvManager_ev_manager_1_simulated_already_plugged_in")
                .unwrap(),
            Some(json!(true))
        );
        assert_eq!(
            store
                .load("EvManager_ev_manager_1_simulated_plugged_in_command")
                .unwrap(),
            Some(json!("iec_wait_pwr_ready;draw_power_regulated 10,1"))
        );

        // Power loss: a fresh simulation on the same store.
        let mut evse = SimulatedEvse::new(SimulatedEvseConfig::default());
        let script = kvs.resume_script().unwrap();
        assert_eq!(
            script.to_string(),
            "iec_wait_pwr_ready;draw_power_regulated 10,1"
        );
        evse.car_mut().resume_plugged_in(script);
        evse.evse_manager_mut().authorize("RFID1").unwrap();
        run(&mut evse, &kvs, t0, Duration::from_secs(3));
        assert_eq!(evse.car().state(), CarState::ChargingRegulated);
        assert!(evse.board().relays_closed(), "the restored car charges");

        // The flag off: the same store starts the car unplugged.
        assert!(CarKvs::new(store.clone(), "ev_manager_1", false)
            .resume_script()
            .is_none());
        // Another EvManager has its own keys.
        assert!(CarKvs::new(store.clone(), "ev_manager_2", true)
            .resume_script()
            .is_none());

        // Unplugged before the power went: not plugged in again.
        evse.car_mut()
            .modify(Script::parse("unplug").unwrap())
            .unwrap();
        run(&mut evse, &kvs, t0, Duration::from_secs(4));
        assert_eq!(
            store
                .load("EvManager_ev_manager_1_simulated_already_plugged_in")
                .unwrap(),
            Some(json!(false))
        );
        assert!(kvs.resume_script().is_none());
    }

    #[test]
    fn a_missing_empty_or_foreign_script_resumes_with_evmanagers_default() {
        let store = StoreHandle::in_memory("store").unwrap();
        let kvs = CarKvs::new(store.clone(), "ev", true);
        let plugged = "EvManager_ev_simulated_already_plugged_in";
        let command = "EvManager_ev_simulated_plugged_in_command";
        store.store(plugged, &json!("true")).unwrap();
        assert!(kvs.resume_script().is_none(), "only a boolean true counts");
        store.store(plugged, &json!(true)).unwrap();
        for stored in [
            None,
            Some(json!("")),
            Some(json!("iso_wait_slac_matched")),
            Some(json!(5)),
        ] {
            match &stored {
                Some(v) => store.store(command, v).unwrap(),
                None => {
                    store.delete(command).unwrap();
                }
            }
            assert_eq!(
                kvs.resume_script().map(|s| s.to_string()).as_deref(),
                Some(DEFAULT_RESUME_COMMANDS),
                "{stored:?}"
            );
        }
    }

    #[test]
    fn the_session_is_stored_cleared_and_cleaned_up_at_start() {
        let store = StoreHandle::in_memory("store").unwrap();
        let session = SessionStore::new(store.clone(), "evse_manager_1");
        assert_eq!(session.cleanup_on_startup(1), None);
        session.store_session("abc");
        assert_eq!(
            store.load("evse_manager_1_session").unwrap(),
            Some(json!("abc"))
        );
        session.clear_session();
        assert_eq!(
            store.load("evse_manager_1_session").unwrap(),
            Some(json!(""))
        );
        assert_eq!(session.session(), None);
        session.store_session("interrupted");
        assert_eq!(
            session.cleanup_on_startup(1).as_deref(),
            Some("interrupted")
        );
        assert_eq!(session.session(), None, "cleared");
    }

    #[test]
    fn stores_are_found_through_the_connections() {
        let dir = tempfile::tempdir().unwrap();
        let path = "config-sil-one-evse.yaml";
        let text = crate::config::shipped::SIL_ONE_EVSE
            .text
            .replace(
                "  data_dir: /tmp/ferrocharge",
                &format!("  data_dir: {}", dir.path().display()),
            )
            .replace(
                "      auto_exec: false\n    connections:\n",
                "      auto_exec: false\n      keep_cross_boot_plugin_state: true\n    connections:\n      kvs:\n        - module_id: store\n          implementation_id: main\n",
            )
            .replace(
                "active_modules:\n",
                "active_modules:\n  store:\n    module: PersistentStore\n",
            );
        let station = StationConfig::from_yaml(&text, path).unwrap();
        let mut stores = Stores::new();
        let found = EvseStores::for_evse(&station, "evse_manager_1", &mut stores).unwrap();
        assert!(
            found.session.is_none(),
            "the EvseManager's store is not connected"
        );
        let car = found.car.unwrap();
        assert!(car.keep_cross_boot_plugin_state);
        assert_eq!(
            car.store.path(),
            dir.path().join(crate::persistent_store::DEFAULT_DB_FILE)
        );
        // The shipped two-EVSE config connects both EvseManagers to one store.
        let dir2 = tempfile::tempdir().unwrap();
        let path = "config-sil-ocpp.yaml";
        let text = crate::config::shipped::SIL_OCPP.text.replace(
            "  data_dir: /tmp/ferrocharge",
            &format!("  data_dir: {}", dir2.path().display()),
        );
        let station = StationConfig::from_yaml(&text, path).unwrap();
        let mut stores = Stores::new();
        for evse in &station.evses {
            let found = EvseStores::for_evse(&station, &evse.evse_manager, &mut stores).unwrap();
            assert!(found.session.is_some() && found.car.is_none());
        }
    }
}
