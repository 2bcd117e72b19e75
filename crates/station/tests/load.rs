//! Loading station YAMLs: the shipped ones, EVerest's, and one test per way a config can be
//! broken, each asserting the exact one-line error.

use std::path::{Path, PathBuf};

use station::config::{shipped, ConfigFile};
use station::{ConfigError, ParamValue, StationConfig};

const SUPPORTED: &str =
    "API, Auth, DataTransferResponder, DummyTokenProviderManual, EnergyManager, EnergyNode, \
ErrorHistory, EvAPI, EvManager, EvseManager, EvseSecurity, EvseV2G, OCPP, PersistentStore, \
PyEvJosev, SlacSimulator, System, TerminalCostAndPriceMessage, TerminalDisplayMessage, \
YetiSimulator";

/// A shipped station YAML, as the crate keeps it (the binary embeds these files).
fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("config")
        .join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The shipped one-EVSE config with `from` replaced by `to` (which must occur exactly once).
fn one_evse_with(from: &str, to: &str) -> String {
    edit(&read(&shipped("config-sil-one-evse.yaml")), from, to)
}

/// The shipped two-EVSE config with `from` replaced by `to` (which must occur exactly once).
fn two_evse_with(from: &str, to: &str) -> String {
    edit(&read(&shipped("config-sil-ocpp.yaml")), from, to)
}

fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

/// The error line `text` is refused with (loaded as if from `station.yaml`).
fn refused(text: &str) -> String {
    match StationConfig::from_yaml(text, "station.yaml") {
        Ok(_) => panic!("config was accepted"),
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n'), "one line: {line}");
            line
        }
    }
}

fn reference_dir(sub: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/everest-core")
        .join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("notice: {} is absent; skipping", dir.display());
        None
    }
}

fn yamls(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    files.retain(|p| p.extension().is_some_and(|x| x == "yaml"));
    files.sort();
    files
}

// ---- configs that load ----

#[test]
fn shipped_sil_ocpp_loads() {
    let cfg = StationConfig::load(shipped("config-sil-ocpp.yaml")).unwrap();
    assert_eq!(cfg.modules.len(), 20);
    let evses: Vec<(u32, &str)> = cfg
        .evses
        .iter()
        .map(|e| (e.id, e.evse_manager.as_str()))
        .collect();
    assert_eq!(evses, [(1, "evse_manager_1"), (2, "evse_manager_2")]);
    assert_eq!(
        cfg.settings.control_api,
        Some("127.0.0.1:8849".parse().unwrap())
    );
    assert_eq!(cfg.settings.data_dir, Path::new("/tmp/ferrocharge"));

    let ocpp = cfg.module("ocpp").unwrap();
    assert_eq!(ocpp.type_name(), "OCPP");
    let chargepoint_config = cfg.resolve(ocpp.parameters.str("ChargePointConfigPath").unwrap());
    assert_eq!(
        chargepoint_config,
        ConfigFile::Shipped(&shipped::OCPP_CONFIG),
        "none beside the YAML: the shipped one"
    );
    // Defaults of everest-core's OCPP manifest are filled in.
    assert_eq!(
        ocpp.parameters.str("UserConfigPath"),
        Some("user_config.json")
    );
    assert_eq!(
        ocpp.parameters.int("PublishChargingScheduleIntervalS"),
        Some(30)
    );
    assert_eq!(
        ocpp.parameters.bool("EnableExternalWebsocketControl"),
        Some(false)
    );
    assert_eq!(
        ocpp.parameters.str("MessageLogPath"),
        Some("/tmp/everest_ocpp_logs")
    );
    let sinks: Vec<&str> = ocpp
        .connections("evse_energy_sink")
        .iter()
        .map(|c| c.module_id.as_str())
        .collect();
    assert_eq!(
        sinks,
        [
            "grid_connection_point",
            "evse_manager_1_ocpp_sink",
            "evse_manager_2_ocpp_sink"
        ]
    );
    let c = &ocpp.connections("auth")[0];
    assert_eq!(
        (c.module_id.as_str(), c.implementation_id, c.interface),
        ("auth", "main", "auth")
    );

    let evse = cfg.module("evse_manager_2").unwrap();
    assert_eq!(evse.mapping.map(|m| m.evse), Some(2));
    assert_eq!(
        evse.parameters.get("ac_nominal_voltage"),
        Some(&ParamValue::Number(230.0))
    );
    assert_eq!(evse.parameters.str("charge_mode"), Some("AC"));
    let token = cfg.module("token_provider_1").unwrap();
    assert_eq!(
        token
            .implementation("main")
            .unwrap()
            .parameters
            .str("mqtt_topic"),
        Some("everest_api/dummy_token_provider/cmd/provide")
    );
    assert_eq!(cfg.modules_of_type("EnergyNode").count(), 5);
}

#[test]
fn shipped_one_evse_loads() {
    let cfg = StationConfig::load(shipped("config-sil-one-evse.yaml")).unwrap();
    assert_eq!(cfg.evses.len(), 1);
    assert_eq!(cfg.evses[0].evse_manager, "evse_manager_1");
    let auth = cfg.module("auth").unwrap();
    assert_eq!(auth.parameters.int("connection_timeout"), Some(10));
    assert_eq!(auth.connections("token_provider").len(), 2);
    assert!(auth.connections("kvs").is_empty());
}

#[test]
fn everest_test_station_loads_unchanged() {
    let Some(dir) = reference_dir("tests/ocpp_tests/test_sets/everest-aux/config") else {
        return;
    };
    let cfg = StationConfig::load(dir.join("everest-config-sil-ocpp.yaml")).unwrap();
    let ocpp = cfg.module("ocpp").unwrap();
    assert_eq!(
        ocpp.parameters.bool("EnableExternalWebsocketControl"),
        Some(true)
    );
    let json = cfg.resolve(ocpp.parameters.str("ChargePointConfigPath").unwrap());
    assert_eq!(json, ConfigFile::Path(dir.join("libocpp-config-test.json")));
    assert!(json.path().is_some_and(Path::is_file));
    // Not there yet: written on the first configuration change, beside the YAML.
    assert_eq!(
        cfg.resolve(ocpp.parameters.str("UserConfigPath").unwrap()),
        ConfigFile::Path(dir.join("user_config.json"))
    );
    assert_eq!(cfg.evses.len(), 1);
    assert_eq!(cfg.evses[0].evse_manager, "connector_1");
    assert_eq!(
        cfg.settings.control_api,
        Some("127.0.0.1:8849".parse().unwrap())
    );
}

/// Every EVerest test config whose module types ferrocharge provides loads; every other one is
/// refused for exactly that reason.
#[test]
fn everest_test_configs_load_or_are_refused_for_their_module_types() {
    let Some(dir) = reference_dir("tests/ocpp_tests/test_sets/everest-aux/config") else {
        return;
    };
    let mut loaded = Vec::new();
    for file in yamls(&dir) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name == "everest-config-ocpp16-probe-module.yaml" {
            // Only an OCPP module, connected to a module 'probe' that EVerest's test harness
            // injects at run time: on its own the config is incomplete, and says so.
            assert_eq!(
                StationConfig::load(&file).unwrap_err().to_string(),
                "ocpp: connection evse_manager[0]: unknown module_id 'probe'"
            );
            continue;
        }
        match StationConfig::load(&file) {
            Ok(_) => loaded.push(name),
            Err(ConfigError::UnsupportedModuleTypes { .. }) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert_eq!(
        loaded,
        [
            "everest-config-042_1.yaml",
            "everest-config-078.yaml",
            "everest-config-ocpp16-costandprice.yaml",
            "everest-config-security-profile-1.yaml",
            "everest-config-security-profile-2.yaml",
            "everest-config-sil-iso no-tls.yaml",
            "everest-config-sil-iso.yaml",
            "everest-config-sil-ocpp.yaml",
            "everest-config-two-connectors.yaml",
        ]
    );
}

/// everest-core's California Pricing test station loads unchanged (its ErrorHistory module
/// included), its TerminalCostAndPriceMessage connected to OCPP's session_cost.
#[test]
fn everest_cost_and_price_config_loads_unchanged() {
    let Some(dir) = reference_dir("tests/ocpp_tests/test_sets/everest-aux/config") else {
        return;
    };
    let config = StationConfig::load(dir.join("everest-config-ocpp16-costandprice.yaml")).unwrap();
    let session_cost = config
        .modules_of_type("TerminalCostAndPriceMessage")
        .next()
        .unwrap();
    assert_eq!(session_cost.id, "session_cost");
    let connection = &session_cost.connections("session_cost")[0];
    assert_eq!(
        (connection.module_id.as_str(), connection.implementation_id),
        ("ocpp", "session_cost")
    );
}

#[test]
fn a_data_transfer_responder_loads_with_its_defaults_and_its_bounds() {
    let yaml =
        read(&shipped("config-sil-one-evse.yaml")) + "  dt:\n    module: DataTransferResponder\n";
    let config = StationConfig::from_yaml(&yaml, "station.yaml").unwrap();
    let dt = config.module("dt").unwrap();
    assert_eq!(
        (
            dt.parameters.str("answers"),
            dt.parameters.str("command"),
            dt.parameters.int("cfg_request_reply_to_s")
        ),
        (Some(""), Some(""), Some(10))
    );
    let bad = read(&shipped("config-sil-one-evse.yaml"))
        + "  dt:\n    module: DataTransferResponder\n    config_module:\n      cfg_request_reply_to_s: 0\n";
    assert_eq!(
        refused(&bad),
        "dt: config_module: parameter cfg_request_reply_to_s: 0 is below the minimum 1"
    );
}

#[test]
fn a_cost_and_price_module_needs_its_session_cost_connection() {
    let yaml = read(&shipped("config-sil-one-evse.yaml"))
        + "  prices:\n    module: TerminalCostAndPriceMessage\n";
    let copy = tempfile::tempdir().unwrap();
    let path = copy.path().join("station.yaml");
    std::fs::write(&path, yaml).unwrap();
    assert_eq!(
        StationConfig::load(&path).unwrap_err().to_string(),
        "prices: requirement session_cost needs exactly 1 connection, found 0"
    );
}

/// everest-core's own SIL configs load now that the ISO 15118 modules (EvseV2G, PyEvJosev,
/// SlacSimulator) are simulated; the others are refused for the module types they name.
#[test]
fn everest_sil_configs_load_or_are_refused_for_their_module_types() {
    let Some(dir) = reference_dir("config") else {
        return;
    };
    let mut loaded = Vec::new();
    for file in yamls(&dir) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match StationConfig::load(&file) {
            Ok(_) => loaded.push(name),
            Err(ConfigError::UnsupportedModuleTypes { .. }) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert_eq!(loaded, ["config-sil-ocpp-pnc.yaml", "config-sil-ocpp.yaml"]);
}

#[test]
fn x_keys_are_ignored_and_settings_default() {
    let text = edit(
        &one_evse_with(
            "settings:\n  data_dir: /tmp/ferrocharge\n  control_api: 127.0.0.1:8849\n",
            "",
        ),
        "active_modules:",
        "x-module-layout: {a: [1, 2]}\nx-notes: anything\nactive_modules:",
    );
    let cfg = StationConfig::from_yaml(&text, "station.yaml").unwrap();
    assert_eq!(cfg.settings.data_dir, Path::new("/tmp/ferrocharge"));
    assert_eq!(
        cfg.settings.control_api,
        Some("127.0.0.1:8849".parse().unwrap())
    );
}

#[test]
fn empty_control_api_disables_it() {
    let text = one_evse_with("control_api: 127.0.0.1:8849", "control_api: \"\"");
    let cfg = StationConfig::from_yaml(&text, "station.yaml").unwrap();
    assert_eq!(cfg.settings.control_api, None);
}

#[test]
fn station_without_ocpp_numbers_evses_by_mapping() {
    let text = "active_modules:
  yeti:
    module: YetiSimulator
    config_module: {connector_id: 1}
  evse_b:
    module: EvseManager
    mapping: {module: {evse: 2}}
    config_module: {connector_id: 2}
    connections:
      bsp: [{module_id: yeti, implementation_id: board_support}]
  evse_a:
    module: EvseManager
    mapping: {module: {evse: 1}}
    config_module: {connector_id: 1}
    connections:
      bsp: [{module_id: yeti, implementation_id: board_support}]
";
    let cfg = StationConfig::from_yaml(text, "station.yaml").unwrap();
    let evses: Vec<(u32, &str)> = cfg
        .evses
        .iter()
        .map(|e| (e.id, e.evse_manager.as_str()))
        .collect();
    assert_eq!(evses, [(1, "evse_a"), (2, "evse_b")]);
}

#[test]
fn everest_telemetry_key_is_accepted() {
    let text = one_evse_with(
        "    module: System\n",
        "    module: System\n    telemetry:\n      id: 1\n",
    );
    assert!(StationConfig::from_yaml(&text, "station.yaml").is_ok());
}

#[test]
fn implementation_mapping_counts_for_energy_sinks() {
    let text = one_evse_with(
        "  evse_manager_1_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      module:\n        evse: 1\n",
        "  evse_manager_1_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      implementations:\n        external_limits: {evse: 1, connector: 1}\n",
    );
    let cfg = StationConfig::from_yaml(&text, "station.yaml").unwrap();
    let sink = cfg.module("evse_manager_1_ocpp_sink").unwrap();
    assert_eq!(sink.mapping, None);
    let mapping = sink.mapping_of("external_limits").unwrap();
    assert_eq!((mapping.evse, mapping.connector), (1, Some(1)));
}

#[test]
fn mapping_of_an_unknown_implementation() {
    assert_eq!(
        refused(&one_evse_with(
            "  evse_manager_1_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      module:\n        evse: 1\n",
            "  evse_manager_1_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      implementations:\n        limits: {evse: 1}\n",
        )),
        "evse_manager_1_ocpp_sink: mapping: implementations: unknown implementation 'limits' \
         (EnergyNode provides: energy_grid, external_limits)"
    );
}

// ---- broken configs: one test each, the exact line ----

#[test]
fn unknown_module_type() {
    assert_eq!(
        refused(&one_evse_with("module: System\n", "module: SystemManager\n")),
        format!(
            "system: module type SystemManager is not provided by ferrocharge (supported: {SUPPORTED})"
        )
    );
}

#[test]
fn unknown_module_id() {
    assert_eq!(
        refused(&one_evse_with(
            "        - module_id: ocpp\n          implementation_id: auth_provider",
            "        - module_id: evse_manager_3\n          implementation_id: auth_provider"
        )),
        "auth: connection token_provider[1]: unknown module_id 'evse_manager_3'"
    );
}

#[test]
fn unknown_implementation_id() {
    assert_eq!(
        refused(&one_evse_with(
            "implementation_id: auth_validator",
            "implementation_id: validator"
        )),
        "auth: connection token_validator[0]: module 'ocpp' (OCPP) has no implementation \
         'validator' (it provides: main, auth_validator, auth_provider, data_transfer, \
         ocpp_generic, session_cost)"
    );
}

#[test]
fn wrong_interface() {
    assert_eq!(
        refused(&one_evse_with(
            "          implementation_id: reservation",
            "          implementation_id: main"
        )),
        "ocpp: connection reservation[0]: auth.main implements auth, but requirement reservation \
         needs reservation"
    );
}

#[test]
fn too_few_connections() {
    assert_eq!(
        refused(&one_evse_with(
            "    connections:\n      evse_manager:\n        - module_id: evse_manager_1\n          implementation_id: evse\n      reservation:",
            "    connections:\n      reservation:"
        )),
        "ocpp: requirement evse_manager needs 1..128 connections, found 0"
    );
}

#[test]
fn too_many_connections() {
    assert_eq!(
        refused(&one_evse_with(
            "      system:\n        - module_id: system\n          implementation_id: main\n",
            "      system:\n        - module_id: system\n          implementation_id: main\n        - module_id: system\n          implementation_id: main\n"
        )),
        "ocpp: requirement system needs exactly 1 connection, found 2"
    );
}

#[test]
fn missing_required_connection() {
    assert_eq!(
        refused(&one_evse_with(
            "      security:\n        - module_id: evse_security\n          implementation_id: main\n",
            ""
        )),
        "ocpp: requirement security needs exactly 1 connection, found 0"
    );
}

#[test]
fn optional_requirement_over_its_maximum() {
    assert_eq!(
        refused(&one_evse_with(
            "      evse_energy_sink:",
            "      data_transfer:\n        - {module_id: ocpp, implementation_id: data_transfer}\n        - {module_id: ocpp, implementation_id: data_transfer}\n      evse_energy_sink:"
        )),
        "ocpp: requirement data_transfer needs 0..1 connections, found 2"
    );
}

#[test]
fn unknown_requirement() {
    assert_eq!(
        refused(&one_evse_with(
            "      token_validator:",
            "      token_validators:"
        )),
        "auth: connections: unknown requirement 'token_validators' (Auth requires: \
         token_provider, token_validator, evse_manager, kvs)"
    );
}

#[test]
fn energy_sink_without_mapping() {
    assert_eq!(
        refused(&one_evse_with(
            "  evse_manager_1_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      module:\n        evse: 1\n",
            "  evse_manager_1_ocpp_sink:\n    module: EnergyNode\n"
        )),
        "ocpp: connection evse_energy_sink[1]: module 'evse_manager_1_ocpp_sink' has no mapping; \
         every evse_energy_sink connection needs one (mapping: {module: {evse: N}})"
    );
}

#[test]
fn energy_sinks_without_one_for_evse_0() {
    assert_eq!(
        refused(&one_evse_with(
            "        - module_id: grid_connection_point\n          implementation_id: external_limits\n",
            ""
        )),
        "ocpp: requirement evse_energy_sink: no connection is mapped to EVSE 0 (the whole \
         station); one is needed when any is connected"
    );
}

#[test]
fn energy_sink_for_an_evse_the_station_lacks() {
    assert_eq!(
        refused(&one_evse_with(
            "  evse_manager_1_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      module:\n        evse: 1\n",
            "  evse_manager_1_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      module:\n        evse: 2\n"
        )),
        "ocpp: connection evse_energy_sink[1]: module 'evse_manager_1_ocpp_sink' is mapped to \
         EVSE 2, but the station has EVSEs 0..=1"
    );
}

#[test]
fn duplicate_evse_id() {
    assert_eq!(
        refused(&two_evse_with(
            "  evse_manager_2:\n    module: EvseManager\n    mapping:\n      module:\n        evse: 2\n",
            "  evse_manager_2:\n    module: EvseManager\n    mapping:\n      module:\n        evse: 1\n"
        )),
        "ocpp: requirement evse_manager: duplicate EVSE id 1 ('evse_manager_1' and 'evse_manager_2')"
    );
}

#[test]
fn duplicate_energy_sink_evse_id() {
    assert_eq!(
        refused(&two_evse_with(
            "  evse_manager_2_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      module:\n        evse: 2\n",
            "  evse_manager_2_ocpp_sink:\n    module: EnergyNode\n    mapping:\n      module:\n        evse: 1\n"
        )),
        "ocpp: requirement evse_energy_sink: duplicate EVSE id 1 ('evse_manager_1_ocpp_sink' and \
         'evse_manager_2_ocpp_sink')"
    );
}

#[test]
fn evse_managers_out_of_evse_order() {
    let text = two_evse_with(
        "      evse_manager:\n        - module_id: evse_manager_1\n          implementation_id: evse\n        - module_id: evse_manager_2\n          implementation_id: evse\n      reservation:",
        "      evse_manager:\n        - module_id: evse_manager_2\n          implementation_id: evse\n        - module_id: evse_manager_1\n          implementation_id: evse\n      reservation:",
    );
    assert_eq!(
        refused(&text),
        "ocpp: connection evse_manager[0]: module 'evse_manager_2' is EVSE 2, but connections \
         must be in EVSE order (expected EVSE 1)"
    );
}

#[test]
fn evse_manager_mapped_to_evse_0() {
    assert_eq!(
        refused(&one_evse_with(
            "  evse_manager_1:\n    module: EvseManager\n    mapping:\n      module:\n        evse: 1\n",
            "  evse_manager_1:\n    module: EvseManager\n    mapping:\n      module:\n        evse: 0\n"
        )),
        "evse_manager_1: mapping: module: an EvseManager needs an EVSE id from 1 (EVSE 0 is the \
         whole station)"
    );
}

#[test]
fn negative_evse_in_mapping() {
    assert_eq!(
        refused(&one_evse_with(
            "  yeti_driver_1:\n    module: YetiSimulator\n    mapping:\n      module:\n        evse: 1\n",
            "  yeti_driver_1:\n    module: YetiSimulator\n    mapping:\n      module:\n        evse: -1\n"
        )),
        "yeti_driver_1: mapping: module: evse -1 is not an EVSE id (0..=128)"
    );
}

#[test]
fn bad_parameter_type() {
    assert_eq!(
        refused(&one_evse_with("      connector_id: 1\n      evse_id: \"1\"", "      connector_id: one\n      evse_id: \"1\"")),
        "evse_manager_1: config_module: parameter connector_id: expected integer, found string 'one'"
    );
}

#[test]
fn bad_parameter_fraction_for_integer() {
    assert_eq!(
        refused(&one_evse_with(
            "connection_timeout: 10",
            "connection_timeout: 10.5"
        )),
        "auth: config_module: parameter connection_timeout: expected integer, found number 10.5"
    );
}

#[test]
fn bad_parameter_not_in_enum() {
    assert_eq!(
        refused(&one_evse_with(
            "      connector_type: \"cType2\"",
            "      charge_mode: ACDC"
        )),
        "evse_manager_1: config_module: parameter charge_mode: 'ACDC' is not one of AC, DC"
    );
}

#[test]
fn bad_parameter_above_maximum() {
    assert_eq!(
        refused(&one_evse_with(
            "      fuse_limit_A: 40.0\n      phase_count: 3",
            "      fuse_limit_A: 40.0\n      phase_count: 4"
        )),
        "grid_connection_point: config_module: parameter phase_count: 4 is above the maximum 3"
    );
}

#[test]
fn bad_parameter_below_minimum() {
    assert_eq!(
        refused(&one_evse_with(
            "      fuse_limit_A: 40.0\n      phase_count: 3",
            "      fuse_limit_A: -1\n      phase_count: 3"
        )),
        "grid_connection_point: config_module: parameter fuse_limit_A: -1 is below the minimum 0"
    );
}

#[test]
fn bad_boolean_parameter() {
    assert_eq!(
        refused(&one_evse_with("auto_enable: true", "auto_enable: \"yes\"")),
        "ev_manager_1: config_module: parameter auto_enable: expected boolean, found string 'yes'"
    );
}

#[test]
fn unknown_parameter() {
    assert_eq!(
        refused(&one_evse_with("ChargePointConfigPath:", "ChargePointConfigPat:")),
        "ocpp: config_module: unknown parameter 'ChargePointConfigPat' (not a parameter of module type OCPP)"
    );
}

#[test]
fn missing_required_parameter() {
    assert_eq!(
        refused(&one_evse_with("      connection_timeout: 10\n", "")),
        "auth: config_module: parameter connection_timeout (integer) is required: it has no default"
    );
}

#[test]
fn unknown_implementation_in_config_implementation() {
    assert_eq!(
        refused(&one_evse_with(
            "    module: DummyTokenProviderManual\n",
            "    module: DummyTokenProviderManual\n    config_implementation:\n      rfid:\n        token: ABC\n"
        )),
        "token_provider_1: config_implementation: unknown implementation 'rfid' \
         (DummyTokenProviderManual provides: main)"
    );
}

#[test]
fn bad_implementation_parameter() {
    assert_eq!(
        refused(&one_evse_with(
            "    module: DummyTokenProviderManual\n",
            "    module: DummyTokenProviderManual\n    config_implementation:\n      main:\n        token: \"\"\n"
        )),
        "token_provider_1: config_implementation.main: parameter token: '' is shorter than 1 characters"
    );
}

#[test]
fn unknown_implementation_parameter() {
    assert_eq!(
        refused(&one_evse_with(
            "    module: DummyTokenProviderManual\n",
            "    module: DummyTokenProviderManual\n    config_implementation:\n      main:\n        topic: x\n"
        )),
        "token_provider_1: config_implementation.main: unknown parameter 'topic' (not a parameter \
         of implementation DummyTokenProviderManual.main)"
    );
}

#[test]
fn unknown_setting() {
    assert_eq!(
        refused(&one_evse_with("  data_dir:", "  telemetry_enabled: true\n  data_dir:")),
        "settings: telemetry_enabled: unknown setting (ferrocharge's settings: data_dir, control_api, control_api_token, mqtt, mqtt_broker_host, mqtt_broker_port, mqtt_external_prefix)"
    );
}

#[test]
fn bad_control_api_setting() {
    assert_eq!(
        refused(&one_evse_with(
            "control_api: 127.0.0.1:8849",
            "control_api: localhost"
        )),
        "settings: control_api: 'localhost' is not an IP address and port such as 127.0.0.1:8849 \
         (\"\" disables the control API)"
    );
}

#[test]
fn a_control_api_off_loopback_needs_a_token() {
    for addr in ["0.0.0.0:8849", "192.168.1.20:8849", "[::]:8849"] {
        let text = one_evse_with(
            "control_api: 127.0.0.1:8849",
            &format!("control_api: \"{addr}\""),
        );
        assert_eq!(
            refused(&text),
            format!(
                "settings: control_api_token: required when control_api ({addr}) is not a \
                 loopback address: set a secret of at least 16 characters, or listen on 127.0.0.1"
            ),
        );
        let with_token = edit(
            &text,
            &format!("control_api: \"{addr}\""),
            &format!("control_api: \"{addr}\"\n  control_api_token: s3cret-t0ken-of-20c"),
        );
        let cfg = StationConfig::from_yaml(&with_token, "station.yaml").unwrap();
        assert_eq!(cfg.settings.control_api, Some(addr.parse().unwrap()));
        let token = cfg.settings.control_api_token.unwrap();
        assert_eq!(token.expose(), "s3cret-t0ken-of-20c");
        // Printed configs keep it.
        assert_eq!(format!("{token:?}"), "ControlApiToken(<redacted>)");
    }
    // On loopback the token is optional; "" is no token.
    for addr in ["127.0.0.1:8849", "127.0.0.2:8849", "[::1]:8849"] {
        let text = one_evse_with(
            "control_api: 127.0.0.1:8849",
            &format!("control_api: \"{addr}\"\n  control_api_token: \"\""),
        );
        let cfg = StationConfig::from_yaml(&text, "station.yaml").unwrap();
        assert_eq!(cfg.settings.control_api_token, None, "{addr}");
    }
}

#[test]
fn a_weak_control_api_token_is_refused_without_showing_it() {
    for (token, problem) in [
        ("short-one", "must have at least 16 characters, found 9"),
        (
            "\"with a space inside it\"",
            "may hold only visible ASCII characters (no spaces)",
        ),
    ] {
        let text = one_evse_with(
            "control_api: 127.0.0.1:8849",
            &format!("control_api: 127.0.0.1:8849\n  control_api_token: {token}"),
        );
        assert_eq!(
            refused(&text),
            format!("settings: control_api_token: {problem}")
        );
    }
}

// ---- errors of the YAML parser name the file and the line ----

#[test]
fn yaml_syntax_error_names_file_and_line() {
    let text = "active_modules:\n  ocpp:\n    module: OCPP\n   bad: [\n";
    let e = StationConfig::from_yaml(text, "site/station.yaml").unwrap_err();
    let line = e.to_string();
    assert!(line.starts_with("site/station.yaml:4:"), "{line}");
    assert!(
        matches!(e, ConfigError::Yaml { line: Some(4), .. }),
        "{e:?}"
    );
}

#[test]
fn unknown_module_key_names_file_and_line() {
    let text = one_evse_with(
        "    module: System\n",
        "    module: System\n    conections: {}\n",
    );
    let line = refused(&text);
    assert!(line.starts_with("station.yaml:"), "{line}");
    assert!(
        line.contains("active_modules.system: unknown field `conections`"),
        "{line}"
    );
    let expected_line = text.lines().position(|l| l.contains("conections")).unwrap() + 1;
    assert!(
        line.starts_with(&format!("station.yaml:{expected_line}:")),
        "{line}"
    );
}

#[test]
fn duplicate_module_id_names_file_and_line() {
    let text = one_evse_with(
        "  system:\n    module: System\n",
        "  system:\n    module: System\n  auth:\n    module: System\n",
    );
    let line = refused(&text);
    assert!(line.contains("duplicate key 'auth'"), "{line}");
    assert!(line.starts_with("station.yaml:"), "{line}");
}

#[test]
fn unknown_top_level_key() {
    let line = refused(&one_evse_with(
        "active_modules:",
        "modules: {}\nactive_modules:",
    ));
    assert!(line.starts_with("station.yaml:"), "{line}");
    assert!(
        line.ends_with(
            "unknown top-level key 'modules' (expected settings, active_modules or x-...)"
        ),
        "{line}"
    );
}

#[test]
fn unreadable_file_is_named() {
    let e = StationConfig::load("/nonexistent/station.yaml").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/station.yaml: cannot read: "),
        "{e}"
    );
}
