//! Finding the simulated parts of one EVSE in a station config: the EvseManager, the
//! YetiSimulator its `bsp` requirement is connected to, and the EvManager whose
//! `ev_board_support` is connected to that YetiSimulator (as in EVerest's SIL configs).

use tracing::warn;

use super::evse::SimulatedEvseConfig;
use super::iso15118::{EvConfig, Iso15118Config, SeccConfig, TlsSecurity};
use super::script::{IsoSupport, ScriptError};
use crate::{module_types, ModuleInstance, StationConfig};

/// The EvManagers whose `ev_board_support` is connected to board `bsp`, in file order (the
/// first drives the board).
fn cars_on<'a>(
    station: &'a StationConfig,
    bsp: &'a str,
) -> impl Iterator<Item = &'a ModuleInstance> + 'a {
    station
        .modules_of_type(module_types::EV_MANAGER.name)
        .filter(move |m| {
            m.connections("ev_board_support")
                .iter()
                .any(|c| c.module_id == bsp)
        })
}

/// The EvManager that drives the board of EvseManager `evse_manager` (the one
/// [`SimulatedEvseConfig::for_evse`] takes the car's parameters from), if there is one.
pub(crate) fn ev_manager_of<'a>(
    station: &'a StationConfig,
    evse_manager: &str,
) -> Option<&'a ModuleInstance> {
    let bsp = station
        .connected_module(evse_manager, "bsp")
        .filter(|b| b.type_name() == module_types::YETI_SIMULATOR.name)?;
    cars_on(station, &bsp.id).next()
}

/// Why an EVSE of a station config cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WiringError {
    /// No module with that id.
    #[error("no module `{0}`")]
    UnknownModule(String),
    /// The module is not an EvseManager.
    #[error("{module}: module type {module_type}, not EvseManager")]
    NotEvseManager {
        /// The module id.
        module: String,
        /// Its type.
        module_type: &'static str,
    },
    /// Its board is not simulated.
    #[error("{evse_manager}: requirement bsp is connected to {bsp} ({module_type}); only a YetiSimulator is simulated")]
    NotSimulated {
        /// The EvseManager's module id.
        evse_manager: String,
        /// The module its `bsp` is connected to.
        bsp: String,
        /// That module's type.
        module_type: &'static str,
    },
    /// The EvseManager asks for DC charging, which the simulation does not do.
    #[error("{evse_manager}: charge_mode DC is not simulated (the simulated board, meter and car are AC); use charge_mode AC")]
    DcNotSimulated {
        /// The EvseManager's module id.
        evse_manager: String,
    },
    /// The car's scripts do not parse.
    #[error("{ev_manager}: {source}")]
    Car {
        /// The EvManager's module id.
        ev_manager: String,
        /// The parse error.
        source: ScriptError,
    },
}

impl SimulatedEvseConfig {
    /// The simulation of the EVSE whose EvseManager is `evse_manager` in `station`. Without
    /// an EvManager on its board, the car does nothing until it is given a script.
    pub fn for_evse(station: &StationConfig, evse_manager: &str) -> Result<Self, WiringError> {
        let manager = station
            .module(evse_manager)
            .ok_or_else(|| WiringError::UnknownModule(evse_manager.to_owned()))?;
        if manager.type_name() != module_types::EVSE_MANAGER.name {
            return Err(WiringError::NotEvseManager {
                module: manager.id.clone(),
                module_type: manager.type_name(),
            });
        }
        // A DC EvseManager would run as AC here and look as if it worked (config module docs: no
        // "accepted but inert" configs).
        if manager.parameters.str("charge_mode") == Some("DC") {
            return Err(WiringError::DcNotSimulated {
                evse_manager: manager.id.clone(),
            });
        }
        // The loader has checked that bsp has exactly one connection to an existing module.
        let bsp = manager
            .connections("bsp")
            .first()
            .and_then(|c| station.module(&c.module_id))
            .ok_or_else(|| WiringError::UnknownModule(format!("{evse_manager}.bsp")))?;
        if bsp.type_name() != module_types::YETI_SIMULATOR.name {
            return Err(WiringError::NotSimulated {
                evse_manager: manager.id.clone(),
                bsp: bsp.id.clone(),
                module_type: bsp.type_name(),
            });
        }
        let mut cars = cars_on(station, &bsp.id);
        let car = cars.next();
        if let Some(other) = cars.next() {
            warn!(board = %bsp.id, car = %other.id, "several EvManagers on one board; the first drives it");
        }
        let empty = crate::Parameters::default();
        let iso = iso_config(station, manager, car);
        let car_iso = IsoSupport {
            slac: car.is_some_and(|c| !c.connections("slac").is_empty()),
            ev: car.is_some_and(|c| !c.connections("ev").is_empty()),
        };
        let mut config = Self::from_parameters_with(
            &manager.parameters,
            &bsp.parameters,
            car.map_or(&empty, |c| &c.parameters),
            car_iso,
        )
        .map_err(|source| WiringError::Car {
            ev_manager: car.map_or_else(String::new, |c| c.id.clone()),
            source,
        })?;
        // As everest-core's EvseManager: force_unlock needs its connector_lock requirement.
        config.evse_manager.connector_lock = !manager.connections("connector_lock").is_empty();
        config.iso = iso;
        Ok(config)
    }
}

/// The ISO 15118 parts of the EVSE of EvseManager `manager` and car `car`: as EVerest's
/// EvseManager, an AC EVSE talks ISO 15118 only with `ac_hlc_enabled`; then its `hlc` (an
/// EvseV2G) is its SECC, and SLAC runs when it and the car are connected to the same
/// SlacSimulator. The car's stack is the PyEvJosev on its `ev`. The SECC's certificate and the
/// car's contract are filled in by the station, which reads its files.
fn iso_config(
    station: &StationConfig,
    manager: &ModuleInstance,
    car: Option<&ModuleInstance>,
) -> Iso15118Config {
    let hlc_enabled = manager.parameters.bool("ac_hlc_enabled").unwrap_or(false);
    let connected = |module: &ModuleInstance, requirement: &str, type_name: &str| {
        station
            .connected_module(&module.id, requirement)
            .filter(|m| m.type_name() == type_name)
            .map(|m| m.id.clone())
    };
    let evse_slac = connected(manager, "slac", module_types::SLAC_SIMULATOR.name);
    let car_slac = car.and_then(|c| connected(c, "slac", module_types::SLAC_SIMULATOR.name));
    let secc = station
        .connected_module(&manager.id, "hlc")
        .filter(|m| hlc_enabled && m.type_name() == module_types::EVSE_V2G.name)
        .map(|m| SeccConfig {
            tls_security: TlsSecurity::from_parameter(m.parameters.str("tls_security")),
            auth_timeout_pnc_s: m
                .parameters
                .num("auth_timeout_pnc")
                .map_or(55, |s| s.max(0.0) as u64),
            auth_timeout_eim_s: m
                .parameters
                .num("auth_timeout_eim")
                .map_or(300, |s| s.max(0.0) as u64),
            has_secc_certificate: false,
        });
    let ev = car
        .and_then(|c| station.connected_module(&c.id, "ev"))
        .filter(|m| m.type_name() == module_types::PY_EV_JOSEV.name)
        .map(|m| EvConfig {
            tls_active: m.parameters.bool("tls_active").unwrap_or(false),
            enforce_tls: m.parameters.bool("enforce_tls").unwrap_or(false),
            cert_install_needed: m.parameters.bool("is_cert_install_needed").unwrap_or(false),
            contract: None,
        });
    Iso15118Config {
        slac: hlc_enabled && evse_slac.is_some() && evse_slac == car_slac,
        secc,
        ev,
    }
}

/// The EvseV2G on the `hlc` of EvseManager `evse_manager`, if the EVSE talks ISO 15118
/// (`ac_hlc_enabled`).
pub(crate) fn evse_v2g_of<'a>(
    station: &'a StationConfig,
    evse_manager: &str,
) -> Option<&'a ModuleInstance> {
    let manager = station.module(evse_manager)?;
    if !manager.parameters.bool("ac_hlc_enabled").unwrap_or(false) {
        return None;
    }
    station
        .connected_module(evse_manager, "hlc")
        .filter(|m| m.type_name() == module_types::EVSE_V2G.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_sil_config_wires_two_simulated_evses() {
        let station = StationConfig::shipped(&crate::config::shipped::SIL_OCPP).unwrap();
        for evse in &station.evses {
            let config = SimulatedEvseConfig::for_evse(&station, &evse.evse_manager).unwrap();
            assert!(config.evse_manager.external_ready_to_start_charging);
            assert!(config.board.reset_powermeter_on_session_start);
            assert!(config.car.auto_exec.is_none(), "auto_exec: false");
        }
        assert_eq!(
            SimulatedEvseConfig::for_evse(&station, "nope"),
            Err(WiringError::UnknownModule("nope".into()))
        );
        let err = SimulatedEvseConfig::for_evse(&station, "ocpp").unwrap_err();
        assert_eq!(err.to_string(), "ocpp: module type OCPP, not EvseManager");
    }

    #[test]
    fn a_bad_car_script_names_the_ev_manager() {
        let path = "config-sil-ocpp.yaml";
        let text = crate::config::shipped::SIL_OCPP.text.replace(
            "auto_exec: false\n      auto_exec_commands: sleep 1;",
            "auto_exec: true\n      auto_exec_commands: iso_wait_slac_matched;sleep 1;",
        );
        let station = StationConfig::from_yaml(&text, path).unwrap();
        let err = SimulatedEvseConfig::for_evse(&station, "evse_manager_1").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ev_manager_1: car script command 1 `iso_wait_slac_matched`"),
            "{err}"
        );
    }

    #[test]
    fn a_dc_evse_manager_is_refused_not_simulated_as_ac() {
        let path = "config-sil-ocpp.yaml";
        let text = crate::config::shipped::SIL_OCPP.text.replacen(
            "      connector_type: \"cType2\"\n",
            "      connector_type: \"cType2\"\n      charge_mode: DC\n",
            1,
        );
        let station = StationConfig::from_yaml(&text, path).unwrap();
        let err = SimulatedEvseConfig::for_evse(&station, "evse_manager_1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "evse_manager_1: charge_mode DC is not simulated (the simulated board, meter and car are AC); use charge_mode AC"
        );
        assert!(SimulatedEvseConfig::for_evse(&station, "evse_manager_2").is_ok());
    }
}
