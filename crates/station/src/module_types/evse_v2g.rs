//! The EvseV2G module type: the declarations of everest-core's `modules/EVSE/EvseV2G/manifest.yaml`.

use super::{ModuleType, Param, Provide, Require};

/// This module includes a DIN70121 and ISO15118-2 implementation provided by chargebyte GmbH
/// (in ferrocharge: the SECC simulated at the level of its `ISO15118_charger` and
/// `iso15118_extensions` interfaces, `crate::sim::iso15118::charger`).
pub const EVSE_V2G: ModuleType = ModuleType {
    name: "EvseV2G",
    provides: &[
        Provide::new("charger", "ISO15118_charger"),
        Provide::new("extensions", "iso15118_extensions"),
    ],
    requires: &[
        Require::new("security", "evse_security", 1, 1),
        Require::new("iso15118_vas", "ISO15118_vas", 0, 128),
    ],
    parameters: &[
        Param::string("device").default_str("eth0"),
        Param::bool("supported_DIN70121").default_bool(true),
        Param::bool("supported_ISO15118_2").default_bool(true),
        Param::string("tls_security")
            .default_str("allow")
            .one_of(&["prohibit", "allow", "force"]),
        Param::bool("terminate_connection_on_failed_response").default_bool(false),
        Param::bool("tls_key_logging").default_bool(false),
        Param::string("tls_key_logging_path").default_str("/tmp"),
        Param::integer("tls_timeout").default_int(15000),
        Param::bool("verify_contract_cert_chain").default_bool(false),
        Param::integer("auth_timeout_pnc").default_int(55),
        Param::integer("auth_timeout_eim").default_int(300),
        Param::bool("enable_sdp_server").default_bool(true),
    ],
};
