//! A development PKI for everything a station on one machine needs certificates for: security
//! profiles 2 and 3 towards the dev CSMS, SignedUpdateFirmware, and ISO 15118-2 Plug&Charge
//! (the V2G root with the CPO sub-CAs and the SECC leaf under it, the MO root with a contract
//! chain for the simulated car). Made with rcgen the first time (`ferrocharge pki init`, the
//! dev CSMS's `--dev-pki DIR`, `ferrocharge sil --security-profile`) and kept after: what is
//! there stays, only what is missing is made.
//!
//! The hierarchy and the names are those of EVerest's test PKI
//! (`tests/ocpp_tests/test_sets/everest-aux/certs`, made by its PKI scripts): ECDSA P-256 keys,
//! `CN=V2GRootCA,DC=V2G` → `CN=CPOSubCA1` (pathLen 1) → `CN=CPOSubCA2` (pathLen 0) →
//! `CN=SECCCert,DC=CPO`; `CN=MORootCA,DC=MO` → `CN=MOSubCA1` → `CN=MOSubCA2` → the contract
//! certificate, whose CN is the car's eMAID ([`EMAID`]). The folder:
//!
//! ```text
//! DIR/ca/<NAME>.pem, <NAME>.key    every CA: CSMS_ROOT_CA, MF_ROOT_CA, V2G_ROOT_CA,
//!                                  CPO_SUB_CA1, CPO_SUB_CA2, MO_ROOT_CA, MO_SUB_CA1, MO_SUB_CA2
//! DIR/csms/server.pem, server.key  the CSMS's TLS (localhost, 127.0.0.1, ::1), then the root
//! DIR/csms/<id>.authorization-key  charge point <id>'s AuthorizationKey (profile 2's password)
//! DIR/mf/FIRMWARE_SIGNING.pem|.key the firmware signing certificate (under MF_ROOT_CA)
//! DIR/car/MO_LEAF.pem, MO_LEAF.key the car's contract certificate (CN = eMAID)
//! DIR/car/MO_CERT_CHAIN.pem        it, MO_SUB_CA2, MO_SUB_CA1
//! DIR/car/INTERMEDIATE_MO_CA_CERTS.pem  MO_SUB_CA2, MO_SUB_CA1
//! DIR/station/                     the station's certificate store, EVerest's layout (point
//!                                  EvseSecurity there, or copy it to data_dir/certs):
//!   ca/csms/CSMS_ROOT_CA.pem, ca/mf/MF_ROOT_CA.pem, ca/v2g/V2G_ROOT_CA.pem, ca/mo/MO_ROOT_CA.pem
//!   ca/cso/CPO_SUB_CA1.pem, CPO_SUB_CA2.pem
//!   client/csms/<id>.pem, <id>.key  charge point <id>'s client certificate (profile 3), root
//!   client/cso/SECC_LEAF.pem, SECC_LEAF.key, CPO_CERT_CHAIN.pem (SECC leaf, CPO_SUB_CA2, 1)
//! ```
//!
//! The CA keys are outside the station's store: a station holds no key that could issue
//! certificates. Private keys are PKCS#8 PEM, unencrypted, mode 0600; every file is written
//! whole (a temporary file linked into place) and never over an existing one.
//!
//! For development only: the keys are not protected by anything but file modes, the
//! certificates do not expire before 4096 and the CAs sign whatever they are asked to.

mod authorities;
mod files;
mod firmware;

use std::path::{Path, PathBuf};

use ring::rand::SecureRandom;

use crate::security::TlsFiles;
use authorities::{Pair, Role, Subject};
use files::{read, Written, PRIVATE_MODE, PUBLIC_MODE};

pub use firmware::FirmwareSignature;

/// The eMAID of the simulated car's contract (ISO 15118-2's 14-character form without the
/// check digit: country DE, provider FRC, contract instance C00000001), the contract
/// certificate's CN.
pub const EMAID: &str = "DEFRCC00000001";

/// The charge point a PKI is made for when none is named (the SIL's ChargePointId).
pub const DEFAULT_CHARGE_POINT: &str = "cp001";

/// The longest ChargePointId a client certificate is made for (OCPP 1.6's identity, which
/// BootNotification's chargeBoxSerialNumber limits to 25, is at most 48 in libocpp).
const MAX_CHARGE_POINT_ID_LEN: usize = 48;

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
    /// A kept private key cannot be read.
    #[error("{path}: not a private key rcgen reads: {source}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: rcgen::Error,
    },
    /// A certificate is there without its key: a new key would not match it.
    #[error(
        "{certificate} is there but its key {key} is not: restore the key, or remove the \
         certificate (and what it issued) to have both made again"
    )]
    KeyMissing {
        /// The certificate.
        certificate: PathBuf,
        /// Where its key should be.
        key: PathBuf,
    },
    /// The folder holds a PKI of an earlier layout (its CSMS root in `root-ca.pem`).
    #[error(
        "{0} holds a development PKI of an earlier ferrocharge (root-ca.key): remove the folder \
         to have a new one made"
    )]
    EarlierLayout(PathBuf),
    /// A ChargePointId no file can be named after.
    #[error(
        "{0:?}: a ChargePointId of 1 to 48 characters without '/', '\\\\' or a leading '.' is \
         needed"
    )]
    ChargePointId(String),
    /// What is asked for is not made yet.
    #[error("{0} is missing: run `ferrocharge pki init` first")]
    NotMade(PathBuf),
    /// ring refused to sign.
    #[error("cannot sign: {0}")]
    Signing(String),
    /// The system gave no random bytes (for an AuthorizationKey).
    #[error("the system gave no random bytes")]
    Random,
}

/// The development PKI in a folder; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevPki {
    dir: PathBuf,
    written: Vec<PathBuf>,
}

impl DevPki {
    /// The PKI in `dir`, whatever of it is there: [`DevPki::ensure`] makes it.
    pub fn open(dir: &Path) -> DevPki {
        DevPki {
            dir: dir.to_path_buf(),
            written: Vec::new(),
        }
    }

    /// The PKI in `dir`, every file of the [module docs](self) made where it is missing, with
    /// a client certificate and an AuthorizationKey for each of `charge_points`.
    pub fn ensure(dir: &Path, charge_points: &[String]) -> Result<DevPki, PkiError> {
        for id in charge_points {
            check_charge_point_id(id)?;
        }
        let mut pki = DevPki::open(dir);
        if dir.join("root-ca.key").exists() && !pki.ca_key("CSMS_ROOT_CA").exists() {
            return Err(PkiError::EarlierLayout(dir.to_path_buf()));
        }
        let mut written = Written::default();
        pki.ensure_csms(&mut written, charge_points)?;
        pki.ensure_manufacturer(&mut written)?;
        pki.ensure_v2g(&mut written)?;
        pki.ensure_mobility_operator(&mut written)?;
        pki.written = written.0;
        Ok(pki)
    }

    /// The CSMS root, the CSMS's server certificate, and each charge point's client
    /// certificate and AuthorizationKey.
    fn ensure_csms(&self, w: &mut Written, charge_points: &[String]) -> Result<(), PkiError> {
        let root = self.ca(
            w,
            Subject::new("ferrocharge dev CSMS root CA", Role::Root),
            "CSMS_ROOT_CA",
            None,
        )?;
        w.create(
            &self.station_store().join("ca/csms/CSMS_ROOT_CA.pem"),
            &root.pem,
            PUBLIC_MODE,
        )?;
        let names = ["localhost", "127.0.0.1", "::1"]
            .map(str::to_owned)
            .to_vec();
        Pair::ensure(
            w,
            &Subject::new("ferrocharge dev CSMS", Role::Server(names)),
            &self.dir.join("csms/server.pem"),
            &self.dir.join("csms/server.key"),
            Some(&root),
            &root.pem,
        )?;
        for id in charge_points {
            let (cert, key) = self.client_files(id);
            Pair::ensure(
                w,
                &Subject::new(id, Role::Client),
                &cert,
                &key,
                Some(&root),
                &root.pem,
            )?;
            w.create(
                &self.authorization_key_file(id),
                &new_authorization_key()?,
                PRIVATE_MODE,
            )?;
        }
        Ok(())
    }

    /// The manufacturer root and the firmware signing certificate under it.
    fn ensure_manufacturer(&self, w: &mut Written) -> Result<(), PkiError> {
        let root = self.ca(
            w,
            Subject::new("ferrocharge dev MF root CA", Role::Root),
            "MF_ROOT_CA",
            None,
        )?;
        w.create(
            &self.station_store().join("ca/mf/MF_ROOT_CA.pem"),
            &root.pem,
            PUBLIC_MODE,
        )?;
        let (cert, key) = self.firmware_signing_files();
        Pair::ensure(
            w,
            &Subject::new("ferrocharge dev firmware signing", Role::CodeSigning),
            &cert,
            &key,
            Some(&root),
            "",
        )?;
        Ok(())
    }

    /// The V2G root, the CPO sub-CAs and the SECC leaf (ISO 15118-2's CPO chain).
    fn ensure_v2g(&self, w: &mut Written) -> Result<(), PkiError> {
        let root = self.ca(
            w,
            Subject::new("V2GRootCA", Role::Root).in_domain("V2G"),
            "V2G_ROOT_CA",
            None,
        )?;
        let sub1 = self.ca(
            w,
            Subject::new("CPOSubCA1", Role::SubCa { path_len: 1 }).in_domain("V2G"),
            "CPO_SUB_CA1",
            Some(&root),
        )?;
        let sub2 = self.ca(
            w,
            Subject::new("CPOSubCA2", Role::SubCa { path_len: 0 }).in_domain("V2G"),
            "CPO_SUB_CA2",
            Some(&sub1),
        )?;
        let store = self.station_store();
        w.create(
            &store.join("ca/v2g/V2G_ROOT_CA.pem"),
            &root.pem,
            PUBLIC_MODE,
        )?;
        w.create(
            &store.join("ca/cso/CPO_SUB_CA1.pem"),
            &sub1.pem,
            PUBLIC_MODE,
        )?;
        w.create(
            &store.join("ca/cso/CPO_SUB_CA2.pem"),
            &sub2.pem,
            PUBLIC_MODE,
        )?;
        let (cert, key) = self.secc_files();
        let leaf = Pair::ensure(
            w,
            &Subject::new("SECCCert", Role::Server(Vec::new())).in_domain("CPO"),
            &cert,
            &key,
            Some(&sub2),
            "",
        )?;
        w.create(
            &store.join("client/cso/CPO_CERT_CHAIN.pem"),
            &format!("{}{}{}", leaf.pem, sub2.pem, sub1.pem),
            PUBLIC_MODE,
        )?;
        Ok(())
    }

    /// The MO root, its sub-CAs and the car's contract chain.
    fn ensure_mobility_operator(&self, w: &mut Written) -> Result<(), PkiError> {
        let root = self.ca(
            w,
            Subject::new("MORootCA", Role::Root).in_domain("MO"),
            "MO_ROOT_CA",
            None,
        )?;
        let sub1 = self.ca(
            w,
            Subject::new("MOSubCA1", Role::SubCa { path_len: 1 }).in_domain("MO"),
            "MO_SUB_CA1",
            Some(&root),
        )?;
        let sub2 = self.ca(
            w,
            Subject::new("MOSubCA2", Role::SubCa { path_len: 0 }).in_domain("MO"),
            "MO_SUB_CA2",
            Some(&sub1),
        )?;
        w.create(
            &self.station_store().join("ca/mo/MO_ROOT_CA.pem"),
            &root.pem,
            PUBLIC_MODE,
        )?;
        let (cert, key) = self.contract_files();
        let leaf = Pair::ensure(
            w,
            &Subject::new(EMAID, Role::Contract).in_domain("MO"),
            &cert,
            &key,
            Some(&sub2),
            "",
        )?;
        let car = self.dir.join("car");
        w.create(
            &car.join("MO_CERT_CHAIN.pem"),
            &format!("{}{}{}", leaf.pem, sub2.pem, sub1.pem),
            PUBLIC_MODE,
        )?;
        w.create(
            &car.join("INTERMEDIATE_MO_CA_CERTS.pem"),
            &format!("{}{}", sub2.pem, sub1.pem),
            PUBLIC_MODE,
        )?;
        Ok(())
    }

    /// The CA `name` (`DIR/ca/<name>.pem|.key`).
    fn ca(
        &self,
        w: &mut Written,
        subject: Subject,
        name: &str,
        issuer: Option<&Pair>,
    ) -> Result<Pair, PkiError> {
        let cert = self.dir.join("ca").join(format!("{name}.pem"));
        Pair::ensure(w, &subject, &cert, &self.ca_key(name), issuer, "")
    }

    fn ca_key(&self, name: &str) -> PathBuf {
        self.dir.join("ca").join(format!("{name}.key"))
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files the last [`DevPki::ensure`] wrote, in order (none: everything was there).
    pub fn written(&self) -> &[PathBuf] {
        &self.written
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

    /// The SECC leaf certificate and its key (ISO 15118-2's TLS server).
    pub fn secc_files(&self) -> (PathBuf, PathBuf) {
        let folder = self.station_store().join("client/cso");
        (folder.join("SECC_LEAF.pem"), folder.join("SECC_LEAF.key"))
    }

    /// The car's contract certificate and its key.
    pub fn contract_files(&self) -> (PathBuf, PathBuf) {
        let folder = self.dir.join("car");
        (folder.join("MO_LEAF.pem"), folder.join("MO_LEAF.key"))
    }

    /// The firmware signing certificate and its key.
    pub fn firmware_signing_files(&self) -> (PathBuf, PathBuf) {
        let folder = self.dir.join("mf");
        (
            folder.join("FIRMWARE_SIGNING.pem"),
            folder.join("FIRMWARE_SIGNING.key"),
        )
    }

    /// The firmware signing certificate, PEM (what SignedUpdateFirmware's
    /// `signingCertificate` carries).
    pub fn firmware_signing_certificate(&self) -> Result<String, PkiError> {
        let (cert, _) = self.firmware_signing_files();
        if !cert.exists() {
            return Err(PkiError::NotMade(cert));
        }
        read(&cert)
    }

    /// Where charge point `id`'s AuthorizationKey is kept.
    pub fn authorization_key_file(&self, id: &str) -> PathBuf {
        self.dir
            .join("csms")
            .join(format!("{id}.authorization-key"))
    }

    /// Charge point `id`'s AuthorizationKey, if the PKI has one for it.
    pub fn authorization_key(&self, id: &str) -> Result<Option<String>, PkiError> {
        let path = self.authorization_key_file(id);
        if !path.exists() {
            return Ok(None);
        }
        Ok(Some(read(&path)?.trim().to_owned()))
    }

    /// The CSMS's TLS: its server certificate, and client certificates checked against the
    /// CSMS root (asked for, required when `require_client_certificate`).
    pub fn tls_files(&self, require_client_certificate: bool) -> TlsFiles {
        TlsFiles {
            certificate_chain: self.dir.join("csms/server.pem"),
            private_key: self.dir.join("csms/server.key"),
            client_ca: Some(self.dir.join("ca/CSMS_ROOT_CA.pem")),
            require_client_certificate,
        }
    }
}

/// A ChargePointId that names files inside the PKI's folders only.
fn check_charge_point_id(id: &str) -> Result<(), PkiError> {
    let fits = !id.is_empty()
        && id.len() <= MAX_CHARGE_POINT_ID_LEN
        && !id.starts_with('.')
        && !id.contains(['/', '\\', '\0']);
    if fits {
        Ok(())
    } else {
        Err(PkiError::ChargePointId(id.to_owned()))
    }
}

/// A new AuthorizationKey: `dev-` and 28 random letters and digits (166 bits, above the
/// Security whitepaper's 16 bytes), which the station sends as its Basic auth password as it
/// is. The `v` keeps it from reading as hexadecimal, which ChangeConfiguration would decode.
fn new_authorization_key() -> Result<String, PkiError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let random = ring::rand::SystemRandom::new();
    let mut key = String::from("dev-");
    while key.len() < 32 {
        let mut byte = [0u8; 1];
        random.fill(&mut byte).map_err(|_| PkiError::Random)?;
        // Bytes beyond the last whole multiple of 62 are dropped: no letter more likely.
        if byte[0] < 248 {
            if let Some(c) = ALPHABET.get(usize::from(byte[0]) % ALPHABET.len()) {
                key.push(char::from(*c));
            }
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests;
