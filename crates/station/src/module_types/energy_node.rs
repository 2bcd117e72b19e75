//! The EnergyNode module type: the declarations of everest-core's `modules/EnergyManagement/EnergyNode/manifest.yaml`.

use super::{ModuleType, Param, Provide, Require};

/// This module is part of the Energy Tree and represents a simple current fuse.
pub const ENERGY_NODE: ModuleType = ModuleType {
    name: "EnergyNode",
    provides: &[
        Provide::new("energy_grid", "energy"),
        Provide::new("external_limits", "external_energy_limits"),
    ],
    requires: &[
        Require::new("energy_consumer", "energy", 1, 128),
        Require::new("powermeter", "powermeter", 0, 1),
        Require::new("price_information", "energy_price_information", 0, 1),
    ],
    parameters: &[
        Param::number("fuse_limit_A").minimum(0.0),
        Param::integer("phase_count").minimum(0.0).maximum(3.0),
        Param::bool("enhance_external_schedule").default_bool(false),
        Param::number("nominal_voltage_V")
            .default_num(230.0)
            .minimum(1.0)
            .maximum(1000.0),
    ],
};
