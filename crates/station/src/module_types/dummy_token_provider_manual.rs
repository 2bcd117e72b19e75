//! The DummyTokenProviderManual module type: the declarations of everest-core's `modules/Testing/DummyTokenProviderManual/manifest.yaml`.

use super::{ModuleType, Param, Provide};

/// Dummy token provider that manually publishes one token
pub const DUMMY_TOKEN_PROVIDER_MANUAL: ModuleType = ModuleType {
    name: "DummyTokenProviderManual",
    provides: &[Provide::new("main", "auth_token_provider").parameters(&[
        Param::string("mqtt_topic")
            .default_str("")
            .min_len(0)
            .max_len(500),
        // ferrocharge additions, not in the everest-core manifest: the token this provider
        // presents when `POST /api/v1/tokens` names no id_tag (and its type, which OCPP 1.6
        // has no field for, so it is only checked). EVerest's own test config
        // everest-config-042_1.yaml sets both, so they are accepted here; the defaults are
        // those of everest-core's DummyTokenProvider.
        Param::string("token")
            .default_str("DEADBEEF")
            .min_len(1)
            .max_len(20),
        Param::string("type")
            .default_str("RFID")
            .min_len(2)
            .max_len(32),
    ])],
    requires: &[],
    parameters: &[],
};
