//! The files the binary ships with, built into it, so that nothing at run time looks into the
//! source tree it was built from: the SIL station YAMLs (`crates/station/config/`; the
//! top-level `config/` links to them) and the OCPP configuration they name
//! (`ocpp-config.json`, the charge-point crate's [`chargepoint::config::DEFAULT_CONFIG`]).
//!
//! A relative input path of a station config that is not found beside the YAML is looked up
//! here by its name ([`super::resolve_input`]); `ferrocharge sil` without `--config` runs
//! [`SIL_OCPP`].

use std::fmt;

/// A file the binary ships with: its name and its text.
#[derive(PartialEq, Eq)]
pub struct ShippedFile {
    /// Its file name, e.g. `ocpp-config.json`: what a station config names it by.
    pub name: &'static str,
    /// Its contents.
    pub text: &'static str,
}

impl fmt::Debug for ShippedFile {
    /// Its name only: a debug log of the OCPP module's files would print the whole JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ShippedFile").field(&self.name).finish()
    }
}

impl fmt::Display for ShippedFile {
    /// `the shipped <name>`: how messages name it (it is no file on disk).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the shipped {}", self.name)
    }
}

/// The SIL station: two simulated AC EVSEs with their cars (what `ferrocharge sil` runs).
pub static SIL_OCPP: ShippedFile = ShippedFile {
    name: "config-sil-ocpp.yaml",
    text: include_str!("../../config/config-sil-ocpp.yaml"),
};

/// The SIL station cut down to one EVSE, for tests.
pub static SIL_ONE_EVSE: ShippedFile = ShippedFile {
    name: "config-sil-one-evse.yaml",
    text: include_str!("../../config/config-sil-one-evse.yaml"),
};

/// The Plug&Charge SIL station: one simulated AC EVSE with an ISO 15118 car
/// (`ferrocharge sil --config config/config-sil-pnc.yaml`).
pub static SIL_PNC: ShippedFile = ShippedFile {
    name: "config-sil-pnc.yaml",
    text: include_str!("../../config/config-sil-pnc.yaml"),
};

/// The OCPP configuration of [`SIL_PNC`]: [`OCPP_CONFIG`] with Plug&Charge on (the PnC section
/// of EVerest's libocpp-config-iso-pnc.json).
pub static OCPP_CONFIG_PNC: ShippedFile = ShippedFile {
    name: "ocpp-config-pnc.json",
    text: include_str!("../../config/ocpp-config-pnc.json"),
};

/// What EVerest's own SIL configs (config/config-sil-ocpp*.yaml) name as their
/// `ChargePointConfigPath`, libocpp's `config-docker.json`: [`OCPP_CONFIG`] with the PnC section
/// of libocpp's file (Plug&Charge and certificate management on), so that those configs run
/// unchanged.
pub static CONFIG_DOCKER: ShippedFile = ShippedFile {
    name: "config-docker.json",
    text: include_str!("../../config/config-docker.json"),
};

/// The OCPP configuration the shipped station YAMLs name as their `ChargePointConfigPath`.
pub static OCPP_CONFIG: ShippedFile = ShippedFile {
    name: "ocpp-config.json",
    text: chargepoint::config::DEFAULT_CONFIG,
};

/// Every shipped file.
pub static ALL: &[&ShippedFile] = &[
    &SIL_OCPP,
    &SIL_ONE_EVSE,
    &SIL_PNC,
    &OCPP_CONFIG,
    &OCPP_CONFIG_PNC,
    &CONFIG_DOCKER,
];

/// The shipped file called `name`.
pub fn file(name: &str) -> Option<&'static ShippedFile> {
    ALL.iter().copied().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StationConfig;

    #[test]
    fn the_shipped_station_yamls_load_and_name_the_shipped_ocpp_config() {
        for yaml in [&SIL_OCPP, &SIL_ONE_EVSE] {
            let config = StationConfig::shipped(yaml).unwrap();
            let ocpp = config.module("ocpp").unwrap();
            let path = ocpp.parameters.str("ChargePointConfigPath").unwrap();
            assert_eq!(file(path), Some(&OCPP_CONFIG), "{}", yaml.name);
        }
        let pnc = StationConfig::shipped(&SIL_PNC).unwrap();
        let path = pnc
            .module("ocpp")
            .unwrap()
            .parameters
            .str("ChargePointConfigPath");
        assert_eq!(path.and_then(file), Some(&OCPP_CONFIG_PNC));
        assert_eq!(file("no-such.json"), None);
        assert_eq!(
            SIL_OCPP.to_string(),
            "the shipped config-sil-ocpp.yaml",
            "how messages name it"
        );
    }

    fn json(file: &ShippedFile) -> serde_json::Value {
        serde_json::from_str(file.text).unwrap()
    }

    /// The PnC variants are the shipped OCPP configuration with only their PnC section changed,
    /// so that they do not drift from it.
    #[test]
    fn the_pnc_ocpp_configurations_differ_only_in_their_pnc_section() {
        let base = json(&OCPP_CONFIG);
        for (file, pnc) in [
            (
                &OCPP_CONFIG_PNC,
                serde_json::json!({"ISO15118CertificateManagementEnabled": true,
                    "ISO15118PnCEnabled": true, "ContractValidationOffline": true,
                    "CentralContractValidationAllowed": true}),
            ),
            (
                &CONFIG_DOCKER,
                serde_json::json!({"ISO15118CertificateManagementEnabled": true,
                    "ISO15118PnCEnabled": true, "ContractValidationOffline": true}),
            ),
        ] {
            let mut expected = base.clone();
            expected["PnC"] = pnc;
            assert_eq!(json(file), expected, "{}", file.name);
        }
    }
}
