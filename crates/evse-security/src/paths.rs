//! Where the store's parts are: the parameters of EVerest's EvseSecurity module
//! (everest-core's `modules/EVSE/EvseSecurity/manifest.yaml`), already resolved to full
//! paths, and the files this store adds beside a CA bundle.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use chargepoint_core::charge_point::evse_security::CaCertificateType;

/// The store's paths; see the [module docs](self).
#[derive(Clone, PartialEq, Eq)]
pub struct FilePaths {
    /// `csms_ca_bundle`: the CSMS root CA bundle, a PEM file or a directory of them.
    pub csms_ca_bundle: PathBuf,
    /// `mf_ca_bundle`: the manufacturer root CA bundle.
    pub mf_ca_bundle: PathBuf,
    /// `mo_ca_bundle`: the mobility operator root CA bundle.
    pub mo_ca_bundle: PathBuf,
    /// `v2g_ca_bundle`: the V2G root CA bundle.
    pub v2g_ca_bundle: PathBuf,
    /// `csms_leaf_cert_directory`: the charge point's certificates for the CSMS connection.
    pub csms_leaf_cert_directory: PathBuf,
    /// `csms_leaf_key_directory`: their private keys.
    pub csms_leaf_key_directory: PathBuf,
    /// `secc_leaf_cert_directory`: the ISO 15118 SECC certificates.
    pub secc_leaf_cert_directory: PathBuf,
    /// `secc_leaf_key_directory`: their private keys.
    pub secc_leaf_key_directory: PathBuf,
    /// `private_key_password`: the password of encrypted private keys; `None` for none.
    pub private_key_password: Option<String>,
}

impl FilePaths {
    /// EvseSecurity's defaults under `dir`: `ca/csms/CSMS_ROOT_CA.pem`, `ca/mf/MF_ROOT_CA.pem`,
    /// `ca/mo/MO_ROOT_CA.pem`, `ca/v2g/V2G_ROOT_CA.pem`, `client/csms` and `client/cso` for
    /// the leaf certificates and keys; no password.
    pub fn everest_defaults(dir: &Path) -> FilePaths {
        FilePaths {
            csms_ca_bundle: dir.join("ca/csms/CSMS_ROOT_CA.pem"),
            mf_ca_bundle: dir.join("ca/mf/MF_ROOT_CA.pem"),
            mo_ca_bundle: dir.join("ca/mo/MO_ROOT_CA.pem"),
            v2g_ca_bundle: dir.join("ca/v2g/V2G_ROOT_CA.pem"),
            csms_leaf_cert_directory: dir.join("client/csms"),
            csms_leaf_key_directory: dir.join("client/csms"),
            secc_leaf_cert_directory: dir.join("client/cso"),
            secc_leaf_key_directory: dir.join("client/cso"),
            private_key_password: None,
        }
    }

    /// The bundle of `kind`.
    pub fn ca_bundle(&self, kind: CaCertificateType) -> &Path {
        match kind {
            CaCertificateType::Csms => &self.csms_ca_bundle,
            CaCertificateType::Mf => &self.mf_ca_bundle,
            CaCertificateType::V2g => &self.v2g_ca_bundle,
            CaCertificateType::Mo => &self.mo_ca_bundle,
        }
    }

    /// Where the CSMS root replaced under AdditionalRootCertificateCheck is kept until the new
    /// one verified a connection: the bundle's path with `.fallback` appended
    /// (`CSMS_ROOT_CA.pem.fallback`; for a bundle directory `ca/csms`, the file
    /// `ca/csms.fallback`). Never inside a bundle directory, never ending in `.pem`, so no
    /// bundle reads it as its own.
    pub fn csms_fallback_bundle(&self) -> PathBuf {
        with_suffix(&self.csms_ca_bundle, ".fallback")
    }

    /// Where the certificates that left the bundle of `kind` but issued one still installed
    /// are kept, untrusted, only to identify what they issued (the issuerKeyHash of its
    /// hash data): the bundle's path with `.retired` appended.
    pub fn retired_bundle(&self, kind: CaCertificateType) -> PathBuf {
        with_suffix(self.ca_bundle(kind), ".retired")
    }
}

/// `path` with `suffix` appended to its last component.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.file_name().map(OsString::from).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

// By hand so that the password never reaches a log line.
impl fmt::Debug for FilePaths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePaths")
            .field("csms_ca_bundle", &self.csms_ca_bundle)
            .field("mf_ca_bundle", &self.mf_ca_bundle)
            .field("mo_ca_bundle", &self.mo_ca_bundle)
            .field("v2g_ca_bundle", &self.v2g_ca_bundle)
            .field("csms_leaf_cert_directory", &self.csms_leaf_cert_directory)
            .field("csms_leaf_key_directory", &self.csms_leaf_key_directory)
            .field("secc_leaf_cert_directory", &self.secc_leaf_cert_directory)
            .field("secc_leaf_key_directory", &self.secc_leaf_key_directory)
            .field(
                "private_key_password",
                &self.private_key_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_added_files_sit_beside_the_bundle() {
        let mut paths = FilePaths::everest_defaults(Path::new("/certs"));
        assert_eq!(
            paths.csms_fallback_bundle(),
            Path::new("/certs/ca/csms/CSMS_ROOT_CA.pem.fallback")
        );
        assert_eq!(
            paths.retired_bundle(CaCertificateType::Mf),
            Path::new("/certs/ca/mf/MF_ROOT_CA.pem.retired")
        );
        paths.csms_ca_bundle = PathBuf::from("/certs/ca/csms/");
        assert_eq!(
            paths.csms_fallback_bundle(),
            Path::new("/certs/ca/csms.fallback")
        );
    }

    #[test]
    fn the_password_never_shows() {
        let mut paths = FilePaths::everest_defaults(Path::new("/certs"));
        paths.private_key_password = Some("hunter2".to_owned());
        let shown = format!("{paths:?}");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("<redacted>"));
    }
}
