//! Plug&Charge in the store: contract certificate chains checked against the MO (then V2G)
//! roots, the OCSP request data of a chain (RFC 6960 CertID hashes and the responder of each
//! certificate's authorityInfoAccess), and the OCSP responses of the SECC chain kept in
//! `<secc_leaf_cert_directory>/ocsp/` with their validity, as libevse-security's
//! `verify_certificate`, `get_mo_ocsp_request_data`, `get_v2g_ocsp_request_data` and
//! `update_ocsp_cache`.

use std::path::PathBuf;

use base64::Engine as _;
use chargepoint_core::charge_point::evse_security::{
    CertificateChainHashData, CertificateValidationResult, OcspRequest,
};
use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use x509_cert::der::asn1::{AnyRef, GeneralizedTime, ObjectIdentifier, OctetStringRef};
use x509_cert::der::{Decode, Reader, SliceReader, Tagged};

use crate::bundle::{leaf_files, Bundle};
use crate::files::{self, CERTIFICATE_MODE};
use crate::leaf::{chain_of, verify_chain_to};
use crate::store::FileStore;
use crate::x509::Certificate;

/// The largest OCSP response kept (the 2.0.1 ocspResult is at most 5500 base64 characters).
const MAX_OCSP_RESPONSE: usize = 5500;

/// When an OCSP response is good for (RFC 6960 SingleResponse thisUpdate / nextUpdate, Unix
/// seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OcspValidity {
    /// thisUpdate of its first SingleResponse.
    pub this_update: i64,
    /// nextUpdate, when the responder gave one (without it newer information is always
    /// available, RFC 6960 §4.2.2.1).
    pub next_update: Option<i64>,
}

/// Why an OCSP response is not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcspError {
    /// Not base64, or over the size of a GetCertificateStatus' ocspResult.
    #[error("not a base64 OCSP response of at most {MAX_OCSP_RESPONSE} characters")]
    Encoding,
    /// Not a DER OCSPResponse with a BasicOCSPResponse.
    #[error("not an OCSP response: {0}")]
    Der(String),
    /// responseStatus other than successful.
    #[error("the OCSP response status is {0}, not successful")]
    Unsuccessful(u8),
    /// Writing it failed.
    #[error("{0}")]
    Write(String),
}

fn seconds(time: GeneralizedTime) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// Reads the validity of a DER OCSPResponse (RFC 6960 §4.2.1).
pub fn ocsp_validity(der: &[u8]) -> Result<OcspValidity, OcspError> {
    let bad = |e: x509_cert::der::Error| OcspError::Der(e.to_string());
    let mut reader = SliceReader::new(der).map_err(bad)?;
    let (status, basic) = reader
        .sequence(|resp| {
            let status = AnyRef::decode(resp)?;
            let mut basic = Vec::new();
            if !resp.is_finished() {
                // responseBytes [0] EXPLICIT ResponseBytes
                let bytes = AnyRef::decode(resp)?;
                let mut inner = SliceReader::new(bytes.value())?;
                basic = inner.sequence(|rb| {
                    ObjectIdentifier::decode(rb)?;
                    Ok(OctetStringRef::decode(rb)?.as_bytes().to_vec())
                })?;
            }
            Ok((status.value().first().copied().unwrap_or(u8::MAX), basic))
        })
        .map_err(bad)?;
    if status != 0 {
        return Err(OcspError::Unsuccessful(status));
    }
    let mut reader = SliceReader::new(&basic).map_err(bad)?;
    reader
        .sequence(|basic| {
            let validity = basic.sequence(|data| {
                if data.peek_tag()?.number().value() == 0 && data.peek_tag()?.is_context_specific()
                {
                    AnyRef::decode(data)?; // version
                }
                AnyRef::decode(data)?; // responderID
                GeneralizedTime::decode(data)?; // producedAt
                let validity = data.sequence(|responses| {
                    let first = responses.sequence(|single| {
                        AnyRef::decode(single)?; // certID
                        AnyRef::decode(single)?; // certStatus
                        let this_update = seconds(GeneralizedTime::decode(single)?);
                        let mut next_update = None;
                        while !single.is_finished() {
                            let field = AnyRef::decode(single)?;
                            if field.tag().is_context_specific()
                                && field.tag().number().value() == 0
                            {
                                next_update =
                                    Some(seconds(GeneralizedTime::from_der(field.value())?));
                            }
                        }
                        Ok(OcspValidity {
                            this_update,
                            next_update,
                        })
                    })?;
                    while !responses.is_finished() {
                        AnyRef::decode(responses)?;
                    }
                    Ok(first)
                })?;
                while !data.is_finished() {
                    AnyRef::decode(data)?;
                }
                Ok(validity)
            })?;
            while !basic.is_finished() {
                AnyRef::decode(basic)?;
            }
            Ok(validity)
        })
        .map_err(bad)
}

/// The issuer of `cert`: the next certificate of its chain, else one of `roots`.
fn issuer_of<'a>(
    cert: &Certificate,
    next: Option<&'a Certificate>,
    roots: &'a [Certificate],
) -> Option<&'a Certificate> {
    next.filter(|n| cert.is_issued_by(n))
        .or_else(|| roots.iter().find(|r| cert.is_issued_by(r)))
}

/// The OCSP request data of every certificate of `chain` but a root, whose issuer is known
/// and which names a responder.
fn ocsp_requests(chain: &[Certificate], roots: &[Certificate]) -> Vec<OcspRequest> {
    chain
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_self_issued())
        .filter_map(|(i, cert)| {
            let responder = cert.ocsp_responder()?;
            let issuer = issuer_of(cert, chain.get(i + 1), roots)?;
            Some(OcspRequest {
                hash_data: cert.hash_data(issuer, HashAlgorithm::Sha256)?,
                responder_url: responder.to_owned(),
            })
        })
        .collect()
}

impl FileStore {
    fn bundle_certificates(&self, kind: &str) -> Vec<Certificate> {
        let paths = self.paths();
        let path = match kind {
            "MO" => &paths.mo_ca_bundle,
            _ => &paths.v2g_ca_bundle,
        };
        Bundle::read(path, kind, &mut Vec::new())
            .certificates()
            .cloned()
            .collect()
    }

    /// Checks a contract certificate chain (PEM, leaf first) against the MO roots, then the
    /// V2G roots, at `now` (Unix seconds).
    pub fn verify_contract_certificate(
        &self,
        chain: &str,
        now: i64,
    ) -> CertificateValidationResult {
        let Ok(chain) = chain_of(chain) else {
            return CertificateValidationResult::InvalidFormat;
        };
        // Contract certificates carry no extendedKeyUsage; one that does must allow clientAuth
        // (the EV authenticates with it).
        let usage = || webpki::KeyUsage::client_auth();
        let by_mo = verify_chain_to(&chain, &self.bundle_certificates("MO"), usage(), now);
        if by_mo != CertificateValidationResult::IssuerNotFound {
            return by_mo;
        }
        verify_chain_to(&chain, &self.bundle_certificates("V2G"), usage(), now)
    }

    /// The OCSP request data of a contract chain (PEM, leaf first).
    pub fn contract_ocsp_request_data(&self, chain: &str) -> Vec<OcspRequest> {
        let Ok(chain) = chain_of(chain) else {
            return Vec::new();
        };
        let mut roots = self.bundle_certificates("MO");
        roots.extend(self.bundle_certificates("V2G"));
        ocsp_requests(&chain, &roots)
    }

    /// The SECC certificate chains of the leaf directory, leaf first, the newest leaf first.
    fn secc_chains(&self) -> Vec<Vec<Certificate>> {
        let dir = &self.paths().secc_leaf_cert_directory;
        let mut chains: Vec<Vec<Certificate>> = leaf_files(dir, &mut Vec::new())
            .iter()
            .map(|f| f.certificates().to_vec())
            .filter(|c| c.first().is_some_and(|leaf| !leaf.is_ca()))
            .collect();
        chains.sort_by_key(|c| std::cmp::Reverse(c.first().map(Certificate::not_after)));
        chains
    }

    /// The OCSP request data of the newest SECC certificate chain.
    pub fn v2g_ocsp_request_data(&self) -> Vec<OcspRequest> {
        let roots = self.bundle_certificates("V2G");
        self.secc_chains()
            .first()
            .map(|chain| ocsp_requests(chain, &roots))
            .unwrap_or_default()
    }

    /// The hash data of every SECC certificate chain, the newest first.
    pub fn v2g_certificate_chains(
        &self,
        algorithm: HashAlgorithm,
    ) -> Vec<CertificateChainHashData> {
        let roots = self.bundle_certificates("V2G");
        self.secc_chains()
            .iter()
            .filter_map(|chain| {
                let hash = |i: usize| {
                    let cert = chain.get(i)?;
                    cert.hash_data(issuer_of(cert, chain.get(i + 1), &roots)?, algorithm)
                };
                let children = (1..chain.len())
                    .filter(|i| !chain[*i].is_self_issued())
                    .map_while(hash)
                    .collect();
                Some(CertificateChainHashData {
                    leaf: hash(0)?,
                    children,
                })
            })
            .collect()
    }

    /// Where the OCSP response of the certificate `hash_data` names is kept.
    pub fn ocsp_response_path(&self, hash_data: &CertificateHashData) -> PathBuf {
        let key: String = hash_data
            .issuer_key_hash
            .as_str()
            .chars()
            .take(16)
            .collect();
        self.paths()
            .secc_leaf_cert_directory
            .join("ocsp")
            .join(format!(
                "{}_{}.der",
                key.to_ascii_lowercase(),
                hash_data.serial_number.as_str().to_ascii_lowercase()
            ))
    }

    /// Keeps `ocsp_response` (base64 DER) for the certificate `hash_data` names.
    pub fn update_ocsp_cache(
        &self,
        hash_data: &CertificateHashData,
        ocsp_response: &str,
    ) -> Result<OcspValidity, OcspError> {
        if ocsp_response.len() > MAX_OCSP_RESPONSE {
            return Err(OcspError::Encoding);
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(ocsp_response.trim())
            .map_err(|_| OcspError::Encoding)?;
        let validity = ocsp_validity(&der)?;
        let path = self.ocsp_response_path(hash_data);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| OcspError::Write(e.to_string()))?;
        }
        files::write_atomically(&path, &der, CERTIFICATE_MODE)
            .map_err(|e| OcspError::Write(e.to_string()))?;
        tracing::info!(path = %path.display(), ?validity, "OCSP response kept");
        Ok(validity)
    }

    /// The OCSP response kept for `hash_data`'s certificate, DER, when it is still valid at
    /// `now` (Unix seconds): before its nextUpdate.
    pub fn cached_ocsp_response(
        &self,
        hash_data: &CertificateHashData,
        now: i64,
    ) -> Option<Vec<u8>> {
        let der = std::fs::read(self.ocsp_response_path(hash_data)).ok()?;
        let validity = ocsp_validity(&der).ok()?;
        let fresh = validity.this_update <= now && validity.next_update.is_none_or(|n| now < n);
        fresh.then_some(der)
    }
}
