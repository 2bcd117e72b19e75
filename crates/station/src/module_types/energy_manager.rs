//! The EnergyManager module type: the declarations of everest-core's `modules/EnergyManagement/EnergyManager/manifest.yaml`.

use super::{ModuleType, Param, Provide, Require};

/// This module is the global Energy Manager for all EVSE/Charging stations in this building
pub const ENERGY_MANAGER: ModuleType = ModuleType {
    name: "EnergyManager",
    provides: &[Provide::new("main", "energy_manager")],
    requires: &[Require::new("energy_trunk", "energy", 1, 1)],
    parameters: &[
        Param::number("nominal_ac_voltage").default_num(230.0),
        Param::integer("update_interval").default_int(1),
        Param::integer("schedule_interval_duration").default_int(60),
        Param::integer("schedule_total_duration").default_int(1),
        Param::number("slice_ampere").default_num(0.5),
        Param::number("slice_watt").default_num(500.0),
        Param::bool("debug").default_bool(false),
        Param::string("switch_3ph1ph_while_charging_mode")
            .default_str("Never")
            .one_of(&["Never", "Oneway", "Both"]),
        Param::integer("switch_3ph1ph_max_nr_of_switches_per_session").default_int(0),
        Param::string("switch_3ph1ph_switch_limit_stickyness")
            .default_str("DontChange")
            .one_of(&["SinglePhase", "ThreePhase", "DontChange"]),
        Param::integer("switch_3ph1ph_power_hysteresis_W").default_int(200),
        Param::integer("switch_3ph1ph_time_hysteresis_s").default_int(600),
    ],
};
