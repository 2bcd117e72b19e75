//! The OCPP module's certificate store, from the EvseSecurity module connected to its
//! `security` requirement (everest-core's `modules/EVSE/EvseSecurity/manifest.yaml`).
//!
//! The parameters that matter to the CSMS connection are `csms_ca_bundle` (the CSMS root CA
//! bundle, profiles 2 and 3), `csms_leaf_cert_directory` and `csms_leaf_key_directory` (the
//! client certificate and its key, profile 3) and `private_key_password` (for encrypted keys;
//! empty for none). EVerest resolves relative paths against its certificates prefix;
//! ferrocharge resolves them against `settings.data_dir/certs` (DESIGN §4: the data dir holds
//! the certificates). Absolute paths are used as they are.

use std::path::{Path, PathBuf};

use chargepoint::driver::{CertificateStore, StorePaths};

use crate::module_types::EVSE_SECURITY;
use crate::StationConfig;

/// The folder under `settings.data_dir` that relative EvseSecurity paths resolve against.
pub const CERTS_SUBDIR: &str = "certs";

/// Where the store of the OCPP module `ocpp_module_id` is: the parameters of the EvseSecurity
/// module on its `security` requirement, resolved. Without such a module (a config loaded
/// elsewhere than through [`StationConfig::load`] may lack one), EvseSecurity's defaults.
pub fn store_paths(station: &StationConfig, ocpp_module_id: &str) -> StorePaths {
    let security = station
        .connected_module(ocpp_module_id, "security")
        .filter(|m| m.type_name() == EVSE_SECURITY.name);
    let param = |name: &str| -> String {
        security
            .and_then(|m| m.parameters.str(name))
            .or_else(|| declared_default(name))
            .unwrap_or_default()
            .to_owned()
    };
    let prefix = station.settings.data_dir.join(CERTS_SUBDIR);
    let path = |name: &str| resolve(&prefix, &param(name));
    let password = param("private_key_password");
    StorePaths {
        csms_ca_bundle: path("csms_ca_bundle"),
        csms_leaf_cert_dir: path("csms_leaf_cert_directory"),
        csms_leaf_key_dir: path("csms_leaf_key_directory"),
        private_key_password: Some(password).filter(|p| !p.is_empty()),
    }
}

/// The certificate store of the OCPP module `ocpp_module_id`, or `None` when neither its CSMS
/// CA bundle nor its client certificate directory exists: a station without certificates
/// then refuses security profiles 2 and 3 (or, for 2, uses the system roots when allowed)
/// rather than trying them against nothing.
pub fn certificate_store(
    station: &StationConfig,
    ocpp_module_id: &str,
) -> Option<CertificateStore> {
    let paths = store_paths(station, ocpp_module_id);
    if paths.csms_ca_bundle.is_file() || paths.csms_leaf_cert_dir.is_dir() {
        Some(CertificateStore::with_paths(paths))
    } else {
        // Debug: only a switch to profile 2 or 3 needs the store, and its refusal says why.
        tracing::debug!(
            csms_ca_bundle = %paths.csms_ca_bundle.display(),
            csms_leaf_cert_directory = %paths.csms_leaf_cert_dir.display(),
            "no certificate store: security profiles 2 and 3 have no CSMS root CA or client certificate"
        );
        None
    }
}

/// `value` as it is when absolute, else under `prefix`.
fn resolve(prefix: &Path, value: &str) -> PathBuf {
    let path = Path::new(value);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        prefix.join(path)
    }
}

/// The manifest default of EvseSecurity's string parameter `name`, so the defaults live in
/// one place (the module type's declaration).
fn declared_default(name: &str) -> Option<&'static str> {
    EVSE_SECURITY
        .parameters
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| match p.default {
            Some(crate::module_types::DefaultValue::String(s)) => Some(s),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped one-EVSE station with its data dir under `dir` and `config_module` lines
    /// (indented by six spaces) for its EvseSecurity module.
    fn station(dir: &Path, evse_security_params: &str) -> StationConfig {
        let yaml = crate::config::shipped::SIL_ONE_EVSE.text.replace(
            "  data_dir: /tmp/ferrocharge",
            &format!("  data_dir: {}", dir.join("data").display()),
        );
        let yaml = if evse_security_params.is_empty() {
            yaml
        } else {
            yaml.replace(
                "    module: EvseSecurity\n",
                &format!("    module: EvseSecurity\n    config_module:\n{evse_security_params}"),
            )
        };
        let path = dir.join("station.yaml");
        std::fs::write(&path, yaml).unwrap();
        StationConfig::load(&path).unwrap()
    }

    #[test]
    fn defaults_are_everests_layout_under_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let station = station(dir.path(), "");
        let certs = dir.path().join("data").join("certs");
        let paths = store_paths(&station, "ocpp");
        assert_eq!(paths, StorePaths::everest_defaults(&certs));
        assert_eq!(paths.csms_ca_bundle, certs.join("ca/csms/CSMS_ROOT_CA.pem"));
        assert_eq!(paths.private_key_password, None);
        // No certificates at all: no store, as before the EvseSecurity module was read.
        assert_eq!(certificate_store(&station, "ocpp"), None);
        std::fs::create_dir_all(certs.join("client/csms")).unwrap();
        assert_eq!(
            certificate_store(&station, "ocpp"),
            Some(CertificateStore::new(&certs))
        );
    }

    #[test]
    fn relative_paths_resolve_under_the_data_dirs_certs_folder() {
        let dir = tempfile::tempdir().unwrap();
        let station = station(
            dir.path(),
            "      csms_ca_bundle: roots/csms.pem\n      csms_leaf_cert_directory: leaf/certs\n      csms_leaf_key_directory: leaf/keys\n",
        );
        let certs = dir.path().join("data").join("certs");
        let paths = store_paths(&station, "ocpp");
        assert_eq!(paths.csms_ca_bundle, certs.join("roots/csms.pem"));
        assert_eq!(paths.csms_leaf_cert_dir, certs.join("leaf/certs"));
        assert_eq!(paths.csms_leaf_key_dir, certs.join("leaf/keys"));
        // The CA bundle alone is enough for a store (profile 2).
        assert_eq!(certificate_store(&station, "ocpp"), None);
        std::fs::create_dir_all(certs.join("roots")).unwrap();
        std::fs::write(certs.join("roots/csms.pem"), "").unwrap();
        let store = certificate_store(&station, "ocpp").unwrap();
        assert_eq!(store.paths(), &paths);
    }

    #[test]
    fn absolute_paths_are_used_as_they_are_and_the_password_passes_through() {
        let dir = tempfile::tempdir().unwrap();
        let abs = dir.path().join("elsewhere");
        let station = station(
            dir.path(),
            &format!(
                "      csms_ca_bundle: {0}/ca.pem\n      csms_leaf_cert_directory: {0}/certs\n      csms_leaf_key_directory: {0}/keys\n      private_key_password: \"123456\"\n",
                abs.display()
            ),
        );
        let paths = store_paths(&station, "ocpp");
        assert_eq!(paths.csms_ca_bundle, abs.join("ca.pem"));
        assert_eq!(paths.csms_leaf_cert_dir, abs.join("certs"));
        assert_eq!(paths.csms_leaf_key_dir, abs.join("keys"));
        assert_eq!(paths.private_key_password.as_deref(), Some("123456"));
        // The password never shows in a log line.
        assert!(!format!("{paths:?}").contains("123456"));
        std::fs::create_dir_all(abs.join("certs")).unwrap();
        let store = certificate_store(&station, "ocpp").unwrap();
        assert_eq!(
            store.paths().private_key_password.as_deref(),
            Some("123456")
        );
    }

    #[test]
    fn an_unknown_ocpp_module_gets_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let station = station(dir.path(), "");
        assert_eq!(
            store_paths(&station, "no_such_module"),
            StorePaths::everest_defaults(&dir.path().join("data").join("certs"))
        );
    }
}
