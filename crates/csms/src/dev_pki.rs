//! A development PKI for security profiles 2 and 3 on one machine: a root CA, the CSMS's server
//! certificate (for `localhost`, `127.0.0.1` and `::1`) and a client certificate per charge
//! point (CN = its ChargePointId), made with rcgen the first time and reused after. The
//! station's side is laid out as EVerest's certificate store, so an EvseSecurity module whose
//! `csms_ca_bundle`, `csms_leaf_cert_directory` and `csms_leaf_key_directory` point into it (or
//! a station `data_dir/certs` that is a copy of it) connects on profile 2 or 3 as it is:
//!
//! ```text
//! <dir>/root-ca.pem, root-ca.key                the CA (its key 0600)
//! <dir>/csms/server.pem, server.key             the CSMS's TLS
//! <dir>/station/ca/csms/CSMS_ROOT_CA.pem        what the station trusts
//! <dir>/station/client/csms/<id>.pem, <id>.key  each charge point's client certificate
//! ```
//!
//! For development only: the keys are not protected by anything but file modes, the
//! certificates do not expire before 4096 and the CA signs whatever it is asked to.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::security::TlsFiles;

/// The CA's name, fixed: the CA is made again from it and its saved key to sign new client
/// certificates.
const CA_NAME: &str = "ferrocharge dev CSMS root CA";

/// Why the PKI cannot be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A file or folder cannot be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// rcgen refused (a key or a certificate).
    #[error("development PKI: {0}")]
    Rcgen(#[from] rcgen::Error),
}

/// The development PKI in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevPki {
    dir: PathBuf,
}

impl DevPki {
    /// The PKI in `dir`: made where files are missing (the root CA and the CSMS's certificate
    /// once; a client certificate for each of `charge_points` that has none).
    pub fn ensure(dir: &Path, charge_points: &[String]) -> Result<DevPki, PkiError> {
        let pki = DevPki {
            dir: dir.to_path_buf(),
        };
        for folder in [
            dir.to_path_buf(),
            dir.join("csms"),
            pki.station_store().join("ca/csms"),
            pki.station_store().join("client/csms"),
        ] {
            make_dir(&folder)?;
        }
        let ca_key = match read(&dir.join("root-ca.key")) {
            Ok(pem) => KeyPair::from_pem(&pem)?,
            Err(_) => {
                let key = KeyPair::generate()?;
                let ca = ca_params()?.self_signed(&key)?;
                write_private(&dir.join("root-ca.key"), &key.serialize_pem())?;
                write(&dir.join("root-ca.pem"), &ca.pem())?;
                write(
                    &pki.station_store().join("ca/csms/CSMS_ROOT_CA.pem"),
                    &ca.pem(),
                )?;
                key
            }
        };
        let root = read(&dir.join("root-ca.pem"))?;
        let issuer = Issuer::new(ca_params()?, ca_key);
        if !dir.join("csms/server.pem").exists() {
            let key = KeyPair::generate()?;
            let mut params = CertificateParams::new(vec![
                "localhost".to_owned(),
                "127.0.0.1".to_owned(),
                "::1".to_owned(),
            ])?;
            params
                .distinguished_name
                .push(DnType::CommonName, "ferrocharge dev CSMS");
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let cert = params.signed_by(&key, &issuer)?;
            write_private(&dir.join("csms/server.key"), &key.serialize_pem())?;
            write(
                &dir.join("csms/server.pem"),
                &format!("{}{root}", cert.pem()),
            )?;
        }
        for id in charge_points {
            let (cert_path, key_path) = pki.client_files(id);
            if cert_path.exists() && key_path.exists() {
                continue;
            }
            let key = KeyPair::generate()?;
            let mut params = CertificateParams::new(Vec::<String>::new())?;
            params
                .distinguished_name
                .push(DnType::CommonName, id.as_str());
            params
                .distinguished_name
                .push(DnType::OrganizationName, "ferrocharge dev PKI");
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            let cert = params.signed_by(&key, &issuer)?;
            write_private(&key_path, &key.serialize_pem())?;
            write(&cert_path, &format!("{}{root}", cert.pem()))?;
        }
        Ok(pki)
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The station's certificate store (EVerest's layout).
    pub fn station_store(&self) -> PathBuf {
        self.dir.join("station")
    }

    /// The client certificate (chain) and key of charge point `id`.
    pub fn client_files(&self, id: &str) -> (PathBuf, PathBuf) {
        let folder = self.station_store().join("client/csms");
        (
            folder.join(format!("{id}.pem")),
            folder.join(format!("{id}.key")),
        )
    }

    /// The CSMS's TLS: its server certificate, and client certificates checked against the
    /// root CA (asked for, required when `require_client_certificate`).
    pub fn tls_files(&self, require_client_certificate: bool) -> TlsFiles {
        TlsFiles {
            certificate_chain: self.dir.join("csms/server.pem"),
            private_key: self.dir.join("csms/server.key"),
            client_ca: Some(self.dir.join("root-ca.pem")),
            require_client_certificate,
        }
    }
}

fn ca_params() -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, CA_NAME);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn make_dir(path: &Path) -> Result<(), PkiError> {
    std::fs::create_dir_all(path).map_err(io(path))
}

fn read(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(io(path))
}

fn write(path: &Path, text: &str) -> Result<(), PkiError> {
    std::fs::write(path, text).map_err(io(path))
}

/// A private key: readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<(), PkiError> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(io(path))?;
        file.write_all(text.as_bytes()).map_err(io(path))
    }
    #[cfg(not(unix))]
    {
        write(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;

    #[test]
    fn the_pki_is_made_once_and_grows_by_client_certificates() {
        let dir = std::env::temp_dir().join(format!("csms-pki-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let pki = DevPki::ensure(&dir, &["cp001".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
        let root = std::fs::read(dir.join("root-ca.pem")).unwrap_or_default();
        let server = std::fs::read(dir.join("csms/server.pem")).unwrap_or_default();
        assert!(pki.tls_files(false).server_config().is_ok());
        let (cert, key) = pki.client_files("cp001");
        assert!(cert.exists() && key.exists());
        let leaf = CertificateDer::pem_file_iter(&cert)
            .ok()
            .and_then(|mut i| i.next())
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("no certificate in {}", cert.display()));
        assert_eq!(
            crate::security::common_name(&leaf).as_deref(),
            Some("cp001")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
        // Again, with a second charge point: the CA and the CSMS's certificate stay.
        DevPki::ensure(&dir, &["cp001".to_owned(), "cp002".to_owned()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read(dir.join("root-ca.pem")).unwrap_or_default(),
            root
        );
        assert_eq!(
            std::fs::read(dir.join("csms/server.pem")).unwrap_or_default(),
            server
        );
        assert!(pki.client_files("cp002").0.exists());
        assert!(dir.join("station/ca/csms/CSMS_ROOT_CA.pem").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
