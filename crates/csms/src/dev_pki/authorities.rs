//! The certificates of the development PKI and how each is made: their subjects (as
//! EVerest's test PKI names them, `CN=V2GRootCA,DC=V2G`, `CN=CPOSubCA1`, ...), their CA
//! constraints and key usages, and the key and certificate pair each one is kept as.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};

use super::files::{read, Written, PRIVATE_MODE, PUBLIC_MODE};
use super::PkiError;

/// The organization of every subject.
const ORGANIZATION: &str = "ferrocharge dev PKI";

/// The domainComponent attribute (RFC 4519), which ISO 15118-2's certificates carry to tell
/// their PKI (`DC=V2G`, `DC=CPO`, `DC=MO`).
const DOMAIN_COMPONENT: [u64; 7] = [0, 9, 2342, 19200300, 100, 1, 25];

/// What a certificate is for.
pub(super) enum Role {
    /// A self-signed root CA.
    Root,
    /// A sub-CA allowing `path_len` CAs below it.
    SubCa {
        /// The pathLenConstraint.
        path_len: u8,
    },
    /// A TLS server (the CSMS; the SECC of ISO 15118-2), for these names.
    Server(Vec<String>),
    /// A TLS client (the charge point towards the CSMS, profile 3).
    Client,
    /// A contract certificate (ISO 15118-2: digitalSignature and keyAgreement, no EKU).
    Contract,
    /// Code signing (the firmware signing certificate of SignedUpdateFirmware).
    CodeSigning,
}

/// The subject and role of a certificate.
pub(super) struct Subject {
    /// The commonName.
    pub common_name: String,
    /// The domainComponent, when ISO 15118-2 names one.
    pub domain_component: Option<&'static str>,
    /// What it is for.
    pub role: Role,
}

impl Subject {
    /// A certificate `common_name` for `role`, without a domainComponent.
    pub fn new(common_name: &str, role: Role) -> Subject {
        Subject {
            common_name: common_name.to_owned(),
            domain_component: None,
            role,
        }
    }

    /// The same, with domainComponent `dc`.
    pub fn in_domain(mut self, dc: &'static str) -> Subject {
        self.domain_component = Some(dc);
        self
    }

    /// Its rcgen parameters. The same every time: a CA whose certificate is made again from
    /// them and its kept key issues certificates that chain to the first one.
    fn params(&self) -> Result<CertificateParams, PkiError> {
        let names = match &self.role {
            Role::Server(names) => names.clone(),
            _ => Vec::new(),
        };
        let mut params = CertificateParams::new(names)?;
        params
            .distinguished_name
            .push(DnType::CommonName, self.common_name.as_str());
        params
            .distinguished_name
            .push(DnType::OrganizationName, ORGANIZATION);
        if let Some(dc) = self.domain_component {
            params.distinguished_name.push(
                DnType::CustomDnType(DOMAIN_COMPONENT.to_vec()),
                DnValue::Ia5String(dc.try_into()?),
            );
        }
        let ca_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        match self.role {
            Role::Root => {
                params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                params.key_usages = ca_usages;
            }
            Role::SubCa { path_len } => {
                params.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
                params.key_usages = ca_usages;
            }
            Role::Server(_) => {
                params.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::KeyAgreement,
                ];
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            }
            Role::Client => {
                params.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::KeyAgreement,
                ];
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            }
            Role::Contract => {
                params.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::KeyAgreement,
                ];
            }
            Role::CodeSigning => {
                params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
            }
        }
        Ok(params)
    }
}

/// A certificate and its key, as kept in the PKI's folder.
pub(super) struct Pair {
    /// Its parameters (an issuer's name and key identifier come from them).
    params: CertificateParams,
    /// Its key.
    key: KeyPair,
    /// The certificate file's text: the certificate, then its chain (see [`Pair::ensure`]).
    pub pem: String,
}

impl Pair {
    /// The certificate of `subject` at `cert` (PEM, followed by `chain`: the certificates
    /// above it a TLS peer needs, none for a CA) and its key at `key` (PKCS#8 PEM, 0600),
    /// issued by `issuer` (self-signed without one): read when both are there; the
    /// certificate made again for the kept key when only the key is; both made when neither
    /// is. A certificate without its key is an error: making a new key would leave whatever
    /// the old one signed or proves unusable, silently.
    pub fn ensure(
        written: &mut Written,
        subject: &Subject,
        cert: &Path,
        key: &Path,
        issuer: Option<&Pair>,
        chain: &str,
    ) -> Result<Pair, PkiError> {
        let params = subject.params()?;
        let key_pair = if key.exists() {
            KeyPair::from_pem(&read(key)?).map_err(|source| PkiError::Key {
                path: key.to_path_buf(),
                source,
            })?
        } else if cert.exists() {
            return Err(PkiError::KeyMissing {
                certificate: cert.to_path_buf(),
                key: key.to_path_buf(),
            });
        } else {
            let new = KeyPair::generate()?;
            written.create(key, &new.serialize_pem(), PRIVATE_MODE)?;
            new
        };
        let pem = if cert.exists() {
            read(cert)?
        } else {
            let made = match issuer {
                Some(issuer) => params.signed_by(&key_pair, &issuer.issuer())?,
                None => params.self_signed(&key_pair)?,
            };
            let text = format!("{}{chain}", made.pem());
            written.create(cert, &text, PUBLIC_MODE)?;
            text
        };
        Ok(Pair {
            params,
            key: key_pair,
            pem,
        })
    }

    /// This certificate as the issuer of others.
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}
