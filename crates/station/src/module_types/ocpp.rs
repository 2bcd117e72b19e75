//! The OCPP module type: the declarations of everest-core's `modules/EVSE/OCPP/manifest.yaml`.

use super::{ModuleType, Param, Provide, Require};

/// A OCPP charge point / charging station module, currently targeting OCPP-J 1.6
pub const OCPP: ModuleType = ModuleType {
    name: "OCPP",
    provides: &[
        Provide::new("main", "ocpp_1_6_charge_point"),
        Provide::new("auth_validator", "auth_token_validator"),
        Provide::new("auth_provider", "auth_token_provider"),
        Provide::new("data_transfer", "ocpp_data_transfer"),
        Provide::new("ocpp_generic", "ocpp"),
        Provide::new("session_cost", "session_cost"),
    ],
    requires: &[
        Require::new("charger_information", "charger_information", 0, 1),
        Require::new("evse_manager", "evse_manager", 1, 128),
        Require::new("evse_energy_sink", "external_energy_limits", 0, 129),
        Require::new("reservation", "reservation", 1, 1),
        Require::new("auth", "auth", 1, 1),
        Require::new("system", "system", 1, 1),
        Require::new("security", "evse_security", 1, 1),
        Require::new("data_transfer", "ocpp_data_transfer", 0, 1),
        Require::new("display_message", "display_message", 0, 1),
        Require::new("extensions_15118", "iso15118_extensions", 0, 128),
    ],
    parameters: &[
        Param::string("ChargePointConfigPath").default_str("ocpp-config.json"),
        Param::string("UserConfigPath").default_str("user_config.json"),
        Param::string("DatabasePath").default_str("/tmp/ocpp_1_6_charge_point"),
        Param::bool("EnableExternalWebsocketControl").default_bool(false),
        Param::integer("PublishChargingScheduleIntervalS").default_int(30),
        Param::integer("PublishChargingScheduleDurationS").default_int(600),
        Param::string("MessageLogPath").default_str("/tmp/everest_ocpp_logs"),
        Param::integer("MessageQueueResumeDelay").default_int(0),
        // The manifest lists the allowed values in the description only; they are checked here.
        Param::string("RequestCompositeScheduleUnit")
            .default_str("A")
            .one_of(&["A", "W"]),
        Param::integer("DelayOcppStart").default_int(0),
        Param::integer("ResetStopDelay").default_int(0),
    ],
};
