//! The EvseSecurity module type: the declarations of everest-core's `modules/EVSE/EvseSecurity/manifest.yaml`.

use super::{ModuleType, Param, Provide};

/// This module implements the evse_security interface. It uses the filesystem to store certificates and keys
pub const EVSE_SECURITY: ModuleType = ModuleType {
    name: "EvseSecurity",
    provides: &[Provide::new("main", "evse_security")],
    requires: &[],
    parameters: &[
        Param::string("csms_ca_bundle").default_str("ca/csms/CSMS_ROOT_CA.pem"),
        Param::string("mf_ca_bundle").default_str("ca/mf/MF_ROOT_CA.pem"),
        Param::string("mo_ca_bundle").default_str("ca/mo/MO_ROOT_CA.pem"),
        Param::string("v2g_ca_bundle").default_str("ca/v2g/V2G_ROOT_CA.pem"),
        Param::string("csms_leaf_cert_directory").default_str("client/csms"),
        Param::string("csms_leaf_key_directory").default_str("client/csms"),
        Param::string("secc_leaf_cert_directory").default_str("client/cso"),
        Param::string("secc_leaf_key_directory").default_str("client/cso"),
        Param::string("private_key_password").default_str(""),
    ],
};
