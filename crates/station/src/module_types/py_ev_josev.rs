//! The PyEvJosev module type: the declarations of everest-core's `modules/EV/PyEvJosev/manifest.yaml`.

use super::{ModuleType, Param, Provide};

/// This module implements an DIN70121, ISO15118-2 and ISO15118-20 EV using the Josev project
/// (in ferrocharge: the car's ISO 15118-2 AC side simulated at the level of its `ISO15118_ev`
/// interface, `crate::sim::iso15118::ev`).
pub const PY_EV_JOSEV: ModuleType = ModuleType {
    name: "PyEvJosev",
    provides: &[Provide::new("ev", "ISO15118_ev")],
    requires: &[],
    parameters: &[
        Param::string("device").default_str("eth0"),
        Param::bool("supported_DIN70121").default_bool(false),
        Param::bool("supported_ISO15118_2").default_bool(false),
        Param::bool("supported_ISO15118_20_AC").default_bool(false),
        Param::bool("supported_ISO15118_20_DC").default_bool(false),
        Param::bool("tls_active").default_bool(false),
        Param::bool("enforce_tls").default_bool(false),
        Param::bool("is_cert_install_needed").default_bool(false),
        Param::bool("enable_tls_1_3").default_bool(false),
        Param::bool("is_internet_service_needed").default_bool(false),
        Param::bool("request_all_service_details").default_bool(false),
        Param::bool("select_all_vas_services").default_bool(false),
        Param::string("supported_d20_energy_services").default_str("DC,DC_BPT"),
    ],
};
