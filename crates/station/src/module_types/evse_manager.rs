//! The EvseManager module type: the declarations of everest-core's `modules/EVSE/EvseManager/manifest.yaml`.

use super::{ModuleType, Param, Provide, Require};

/// EVSE Manager. Grid side power meter: Will be used for energy management. Will also be used for billing if no car side power meter connected. Car side powermeter: Will be used for billing if present.
pub const EVSE_MANAGER: ModuleType = ModuleType {
    name: "EvseManager",
    provides: &[
        Provide::new("evse", "evse_manager"),
        Provide::new("energy_grid", "energy"),
        Provide::new("token_provider", "auth_token_provider"),
        Provide::new("random_delay", "uk_random_delay"),
        Provide::new("dc_external_derate", "dc_external_derate"),
    ],
    requires: &[
        Require::new("bsp", "evse_board_support", 1, 1),
        Require::new("ac_rcd", "ac_rcd", 0, 1),
        Require::new("connector_lock", "connector_lock", 0, 1),
        Require::new("powermeter_grid_side", "powermeter", 0, 1),
        Require::new("powermeter_car_side", "powermeter", 0, 1),
        Require::new("slac", "slac", 0, 1),
        Require::new("hlc", "ISO15118_charger", 0, 1),
        Require::new("imd", "isolation_monitor", 0, 1),
        Require::new("over_voltage_monitor", "over_voltage_monitor", 0, 1),
        Require::new("powersupply_DC", "power_supply_DC", 0, 1),
        Require::new("store", "kvs", 0, 1),
    ],
    parameters: &[
        Param::integer("connector_id"),
        Param::string("connector_type").default_str("Unknown"),
        Param::string("evse_id").default_str("DE*PNX*E1234567*1"),
        Param::string("evse_id_din").default_str("49A80737A45678"),
        Param::bool("payment_enable_eim").default_bool(true),
        Param::bool("payment_enable_contract").default_bool(true),
        Param::number("ac_nominal_voltage").default_num(230.0),
        Param::bool("ev_receipt_required").default_bool(false),
        Param::bool("session_logging").default_bool(false),
        Param::string("session_logging_path").default_str("/tmp"),
        Param::bool("session_logging_xml").default_bool(true),
        Param::bool("has_ventilation").default_bool(true),
        Param::string("charge_mode")
            .default_str("AC")
            .one_of(&["AC", "DC"]),
        Param::bool("supported_iso_ac_bpt").default_bool(false),
        Param::bool("ac_hlc_enabled").default_bool(false),
        Param::bool("ac_hlc_use_5percent").default_bool(true),
        Param::bool("ac_enforce_hlc").default_bool(false),
        Param::bool("ac_with_soc").default_bool(false),
        Param::integer("internal_over_voltage_duration_ms")
            .default_int(400)
            .minimum(0.0),
        Param::bool("dbg_hlc_auth_after_tstep").default_bool(false),
        Param::integer("dc_isolation_voltage_V").default_int(0),
        Param::integer("cable_check_wait_number_of_imd_measurements").default_int(1),
        Param::bool("cable_check_enable_imd_self_test").default_bool(true),
        Param::bool("cable_check_enable_imd_self_test_relays_open").default_bool(false),
        Param::integer("cable_check_relays_open_voltage_V").default_int(48),
        Param::integer("cable_check_relays_closed_timeout_s").default_int(5),
        Param::bool("cable_check_wait_below_60V_before_finish").default_bool(true),
        Param::bool("hack_skoda_enyaq").default_bool(false),
        Param::integer("hack_present_current_offset").default_int(0),
        Param::bool("hack_pause_imd_during_precharge").default_bool(false),
        Param::bool("hack_allow_bpt_with_iso2").default_bool(false),
        Param::bool("hack_simplified_mode_limit_10A").default_bool(false),
        Param::bool("autocharge_use_slac_instead_of_hlc").default_bool(false),
        Param::bool("enable_autocharge").default_bool(false),
        Param::string("logfile_suffix").default_str("session_uuid"),
        Param::number("soft_over_current_tolerance_percent").default_num(10.0),
        Param::number("soft_over_current_measurement_noise_A").default_num(0.5),
        Param::bool("hack_fix_hlc_integer_current_requests").default_bool(false),
        Param::bool("disable_authentication").default_bool(false),
        Param::bool("sae_j2847_2_bpt_enabled").default_bool(false),
        Param::string("sae_j2847_2_bpt_mode")
            .default_str("V2G")
            .one_of(&["V2H", "V2G"]),
        Param::bool("request_zero_power_in_idle").default_bool(false),
        Param::bool("external_ready_to_start_charging").default_bool(false),
        Param::bool("uk_smartcharging_random_delay_enable").default_bool(false),
        Param::integer("uk_smartcharging_random_delay_max_duration").default_int(600),
        Param::bool("uk_smartcharging_random_delay_at_any_change").default_bool(true),
        Param::integer("initial_meter_value_timeout_ms").default_int(5000),
        Param::integer("switch_3ph1ph_delay_s").default_int(10),
        Param::string("switch_3ph1ph_cp_state")
            .default_str("X1")
            .one_of(&["X1", "F"]),
        Param::integer("soft_over_current_timeout_ms")
            .default_int(7000)
            .minimum(6000.0),
        Param::bool("lock_connector_in_state_b").default_bool(true),
        Param::integer("state_F_after_fault_ms").default_int(300),
        Param::bool("fail_on_powermeter_errors").default_bool(true),
        Param::bool("raise_mrec9").default_bool(false),
        Param::integer("sleep_before_enabling_pwm_hlc_mode_ms").default_int(500),
        Param::bool("central_contract_validation_allowed").default_bool(false),
        Param::bool("contract_certificate_installation_enabled").default_bool(true),
        Param::bool("inoperative_error_use_vendor_id").default_bool(false),
        Param::number("voltage_plausibility_max_spread_threshold_V").default_num(50.0),
        Param::integer("voltage_plausibility_fault_duration_ms").default_int(30000),
        Param::string("session_id_type")
            .default_str("UUID")
            .one_of(&["UUID", "UUID_BASE64", "SHORT_BASE64"]),
        Param::bool("zero_power_ignore_pause").default_bool(true),
        Param::bool("zero_power_allow_ev_to_ignore_pause").default_bool(false),
        Param::string("bpt_channel")
            .default_str("None")
            .one_of(&["None", "Unified", "Separated"]),
        Param::string("bpt_generator_mode")
            .default_str("None")
            .one_of(&["None", "GridFollowing", "GridForming"]),
        Param::string("bpt_grid_code_island_method")
            .default_str("None")
            .one_of(&["None", "Active", "Passive"]),
        Param::integer("hlc_charge_loop_without_energy_timeout_s").default_int(5),
        Param::integer("dc_ramp_ampere_per_second").default_int(25),
    ],
};
