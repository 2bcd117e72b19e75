//! The EvManager module type: the declarations of everest-core's `modules/EV/EvManager/manifest.yaml`.

use super::{ModuleType, Param, Provide, Require};

/// This module implements a Car simulator that can execute charging sessions using the car_simulator interface.
pub const EV_MANAGER: ModuleType = ModuleType {
    name: "EvManager",
    provides: &[
        Provide::new("main", "car_simulator"),
        Provide::new("ev_manager", "ev_manager"),
    ],
    requires: &[
        Require::new("ev_board_support", "ev_board_support", 1, 1),
        Require::new("ev", "ISO15118_ev", 0, 1),
        Require::new("slac", "ev_slac", 0, 1),
        Require::new("powermeter", "powermeter", 0, 1),
        Require::new("kvs", "kvs", 0, 1),
    ],
    parameters: &[
        Param::integer("connector_id"),
        Param::bool("auto_enable").default_bool(false),
        Param::bool("auto_exec").default_bool(false),
        Param::bool("auto_exec_infinite").default_bool(false),
        Param::string("auto_exec_commands").default_str(""),
        Param::number("ac_nominal_voltage").default_num(230.0),
        Param::integer("dc_max_current_limit").default_int(300),
        Param::integer("dc_max_power_limit").default_int(150000),
        Param::integer("dc_max_voltage_limit").default_int(900),
        Param::integer("dc_energy_capacity").default_int(60000),
        Param::integer("dc_target_current").default_int(5),
        Param::integer("dc_target_voltage").default_int(200),
        Param::bool("support_sae_j2847").default_bool(false),
        Param::integer("dc_discharge_max_current_limit").default_int(300),
        Param::integer("dc_discharge_max_power_limit").default_int(150000),
        Param::integer("dc_discharge_target_current").default_int(5),
        Param::integer("dc_discharge_v2g_minimal_soc").default_int(20),
        Param::number("max_current").default_num(16.0),
        Param::bool("three_phases").default_bool(true),
        Param::integer("departure_time").default_int(86400),
        Param::integer("e_amount").default_int(0),
        Param::integer("soc").default_int(30),
        Param::bool("keep_cross_boot_plugin_state").default_bool(false),
        Param::string("plugin_commands").default_str(""),
        Param::bool("force_payment_option").default_bool(false),
    ],
};
