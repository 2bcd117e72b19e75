//! The OCPP module's certificate store, from the EvseSecurity module connected to its
//! `security` requirement (everest-core's `modules/EVSE/EvseSecurity/manifest.yaml`), in two
//! views of the same files (docs/certificate-store.md):
//!
//! - [`file_store`]: the `evse-security` crate's store, every parameter of the module
//!   ([`FilePaths`]), which the charge-point core installs into, deletes from and lists
//!   (InstallCertificate, DeleteCertificate, GetInstalledCertificateIds);
//! - [`certificate_store`]: what the CSMS connection reads for TLS at every attempt (ocpp-ws's
//!   [`CertificateStore`]): `csms_ca_bundle` and its fallback root (profiles 2 and 3),
//!   `csms_leaf_cert_directory` and `csms_leaf_key_directory` (the client certificate and its
//!   key, profile 3) and `private_key_password` (for encrypted keys; empty for none). A root
//!   the core installs is used by the next connection.
//!
//! EVerest resolves relative paths against its certificates prefix; ferrocharge resolves them
//! against `settings.data_dir/certs` (DESIGN §4: the data dir holds the certificates).
//! Absolute paths are used as they are.

use std::path::{Path, PathBuf};

use chargepoint::driver::{CertificateStore, StorePaths};
use evse_security::{FilePaths, FileStore};

use crate::config::ModuleInstance;

use crate::module_types::EVSE_SECURITY;
use crate::StationConfig;

/// The folder under `settings.data_dir` that relative EvseSecurity paths resolve against.
pub const CERTS_SUBDIR: &str = "certs";

/// The EvseSecurity module on the `security` requirement of the OCPP module `ocpp_module_id`.
fn security_module<'a>(
    station: &'a StationConfig,
    ocpp_module_id: &str,
) -> Option<&'a ModuleInstance> {
    station
        .connected_module(ocpp_module_id, "security")
        .filter(|m| m.type_name() == EVSE_SECURITY.name)
}

/// Every path of the store of the OCPP module `ocpp_module_id`: the parameters of the
/// EvseSecurity module on its `security` requirement, resolved. Without such a module (a
/// config loaded elsewhere than through [`StationConfig::load`] may lack one), EvseSecurity's
/// defaults.
pub fn file_paths(station: &StationConfig, ocpp_module_id: &str) -> FilePaths {
    let security = security_module(station, ocpp_module_id);
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
    FilePaths {
        csms_ca_bundle: path("csms_ca_bundle"),
        mf_ca_bundle: path("mf_ca_bundle"),
        mo_ca_bundle: path("mo_ca_bundle"),
        v2g_ca_bundle: path("v2g_ca_bundle"),
        csms_leaf_cert_directory: path("csms_leaf_cert_directory"),
        csms_leaf_key_directory: path("csms_leaf_key_directory"),
        secc_leaf_cert_directory: path("secc_leaf_cert_directory"),
        secc_leaf_key_directory: path("secc_leaf_key_directory"),
        private_key_password: Some(password).filter(|p| !p.is_empty()),
    }
}

/// The part of [`file_paths`] the CSMS connection reads.
pub fn store_paths(station: &StationConfig, ocpp_module_id: &str) -> StorePaths {
    let paths = file_paths(station, ocpp_module_id);
    StorePaths {
        csms_fallback_bundle: paths.csms_fallback_bundle(),
        csms_ca_bundle: paths.csms_ca_bundle,
        csms_leaf_cert_dir: paths.csms_leaf_cert_directory,
        csms_leaf_key_dir: paths.csms_leaf_key_directory,
        private_key_password: paths.private_key_password,
    }
}

/// The certificate store the charge-point core manages, when an EvseSecurity module is
/// connected to the OCPP module (everest-core's OCPP requires one): `None` leaves
/// InstallCertificate, DeleteCertificate and GetInstalledCertificateIds unsupported.
pub fn file_store(station: &StationConfig, ocpp_module_id: &str) -> Option<FileStore> {
    security_module(station, ocpp_module_id)?;
    Some(FileStore::new(file_paths(station, ocpp_module_id)))
}

/// The certificate store the CSMS connection reads, when an EvseSecurity module is connected
/// to the OCPP module, whether or not it holds certificates yet (the core may install a CSMS
/// root into it; the connection reads it again at every attempt). Without one, a station
/// refuses to raise SecurityProfile to 2 or 3, and a profile 2 URL uses only the system roots
/// (when UseSslDefaultVerifyPaths allows).
pub fn certificate_store(
    station: &StationConfig,
    ocpp_module_id: &str,
) -> Option<CertificateStore> {
    if security_module(station, ocpp_module_id).is_none() {
        tracing::debug!(
            "no EvseSecurity module on the OCPP module's security requirement: no certificate store"
        );
        return None;
    }
    Some(CertificateStore::with_paths(store_paths(
        station,
        ocpp_module_id,
    )))
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
        assert_eq!(
            paths.csms_fallback_bundle,
            certs.join("ca/csms/CSMS_ROOT_CA.pem.fallback")
        );
        assert_eq!(paths.private_key_password, None);
        assert_eq!(
            file_paths(&station, "ocpp"),
            FilePaths::everest_defaults(&certs)
        );
        // No certificates yet: both views exist (the core may install a root), and nothing
        // is created.
        assert_eq!(
            certificate_store(&station, "ocpp"),
            Some(CertificateStore::new(&certs))
        );
        assert_eq!(
            file_store(&station, "ocpp"),
            Some(FileStore::new(FilePaths::everest_defaults(&certs)))
        );
        assert!(!certs.exists());
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
        assert_eq!(
            paths.csms_fallback_bundle,
            certs.join("roots/csms.pem.fallback")
        );
        assert_eq!(paths.csms_leaf_cert_dir, certs.join("leaf/certs"));
        assert_eq!(paths.csms_leaf_key_dir, certs.join("leaf/keys"));
        let store = certificate_store(&station, "ocpp").unwrap();
        assert_eq!(store.paths(), &paths);
        // The parameters left out keep their defaults.
        let all = file_paths(&station, "ocpp");
        assert_eq!(all.mf_ca_bundle, certs.join("ca/mf/MF_ROOT_CA.pem"));
        assert_eq!(all.secc_leaf_cert_directory, certs.join("client/cso"));
        assert_eq!(file_store(&station, "ocpp").unwrap().paths(), &all);
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
        assert!(!format!("{:?}", file_paths(&station, "ocpp")).contains("123456"));
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
        // ... and no store: no EvseSecurity module is on its security requirement.
        assert_eq!(certificate_store(&station, "no_such_module"), None);
        assert_eq!(file_store(&station, "no_such_module"), None);
    }
}
