//! Plug&Charge in the store: contract chains against the MO roots, their OCSP request data
//! (responder from authorityInfoAccess, CertID hashes), the SECC chain's OCSP request data and
//! hash data, and the OCSP responses kept with their validity. Certificates made with rcgen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chargepoint_core::charge_point::evse_security::{
    CaCertificateType, CertificateValidationResult, CsrRequest, KeyType, LeafCertificateType,
};
use evse_security::pnc::{ocsp_validity, OcspError, OcspValidity};
use evse_security::{Certificate, FilePaths, FileStore, InstallRules};
use ocpp_types::security::HashAlgorithm;
use x509_cert::der::Decode;

/// 2030-01-01T00:00:00Z.
const NOW: i64 = 1_893_456_000;

struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pem: String,
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 128 {
        out.push(len as u8);
    } else if len < 256 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// An authorityInfoAccess extension naming `url` as the OCSP responder.
fn aia(url: &str) -> rcgen::CustomExtension {
    let ocsp_oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    let mut access = ocsp_oid.to_vec();
    access.extend(der_tlv(0x86, url.as_bytes()));
    let content = der_tlv(0x30, &der_tlv(0x30, &access));
    rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], content)
}

fn params(cn: &str, ocsp: Option<&str>) -> rcgen::CertificateParams {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    if let Some(url) = ocsp {
        params.custom_extensions.push(aia(url));
    }
    params
}

fn root(cn: &str) -> Ca {
    let mut params = params(cn, None);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    Ca {
        issuer: rcgen::Issuer::new(params, key),
        pem,
    }
}

fn sub_ca(cn: &str, by: &Ca, ocsp: &str) -> Ca {
    let mut params = params(cn, Some(ocsp));
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    let pem = params.clone().signed_by(&key, &by.issuer).unwrap().pem();
    Ca {
        issuer: rcgen::Issuer::new(params, key),
        pem,
    }
}

/// A public key taken from a CSR, for rcgen to certify.
struct RequestedKey(Vec<u8>);

impl rcgen::PublicKeyData for RequestedKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

fn requested_key(pem: &str) -> RequestedKey {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let request = x509_cert::request::CertReq::from_der(&der).unwrap();
    RequestedKey(
        request
            .info
            .public_key
            .subject_public_key
            .raw_bytes()
            .to_vec(),
    )
}

fn store(dir: &std::path::Path) -> FileStore {
    FileStore::new(FilePaths::everest_defaults(dir))
}

fn install(s: &FileStore, ca: &Ca, kind: CaCertificateType) {
    let rules = InstallRules {
        now: NOW,
        max_certificates: None,
        additional_root_certificate_check: false,
    };
    s.install_ca_certificate(&ca.pem, kind, &rules).unwrap();
}

/// A contract chain: leaf (by the sub-CA), then the sub-CA.
fn contract_chain(mo_root: &Ca) -> (String, Ca) {
    let sub = sub_ca("MO Sub-CA", mo_root, "http://ocsp.mo.example/sub");
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = params("DEEXAC1234567", Some("http://ocsp.mo.example/leaf"))
        .signed_by(&leaf_key, &sub.issuer)
        .unwrap()
        .pem();
    (format!("{leaf}{}", sub.pem), sub)
}

#[test]
fn a_contract_chain_is_checked_against_the_mo_roots() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let mo = root("MO Root");
    let (chain, _) = contract_chain(&mo);
    assert_eq!(
        s.verify_contract_certificate(&chain, NOW),
        CertificateValidationResult::IssuerNotFound
    );
    install(&s, &mo, CaCertificateType::Mo);
    assert_eq!(
        s.verify_contract_certificate(&chain, NOW),
        CertificateValidationResult::Valid
    );
    // 2036: past notAfter.
    assert_eq!(
        s.verify_contract_certificate(&chain, 2_082_758_400),
        CertificateValidationResult::Expired
    );
    assert_eq!(
        s.verify_contract_certificate("not a certificate", NOW),
        CertificateValidationResult::InvalidFormat
    );
    // A chain of another MO root is not accepted by this one.
    let (other, _) = contract_chain(&root("Other MO Root"));
    assert_eq!(
        s.verify_contract_certificate(&other, NOW),
        CertificateValidationResult::IssuerNotFound
    );
}

#[test]
fn ocsp_request_data_of_a_contract_chain() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let mo = root("MO Root");
    install(&s, &mo, CaCertificateType::Mo);
    let (chain, sub) = contract_chain(&mo);
    let requests = s.contract_ocsp_request_data(&chain);
    let leaf = Certificate::from_pem(&chain).unwrap();
    let sub = Certificate::from_pem(&sub.pem).unwrap();
    let mo = Certificate::from_pem(&mo.pem).unwrap();
    let urls: Vec<&str> = requests.iter().map(|r| r.responder_url.as_str()).collect();
    assert_eq!(
        urls,
        ["http://ocsp.mo.example/leaf", "http://ocsp.mo.example/sub"]
    );
    assert_eq!(
        requests[0].hash_data,
        leaf.hash_data(&sub, HashAlgorithm::Sha256).unwrap()
    );
    assert_eq!(
        requests[1].hash_data,
        sub.hash_data(&mo, HashAlgorithm::Sha256).unwrap()
    );
    // issuerKeyHash is SHA-256 over the issuer's public key bits.
    let key_hash = |c: &Certificate| {
        let spki = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(c.spki()).unwrap();
        let digest =
            ring::digest::digest(&ring::digest::SHA256, spki.subject_public_key.raw_bytes());
        digest
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(
        requests[0].hash_data.issuer_key_hash.as_str(),
        key_hash(&sub)
    );
    assert_eq!(
        requests[1].hash_data.issuer_key_hash.as_str(),
        key_hash(&mo)
    );
    // Unreadable: none.
    assert!(s.contract_ocsp_request_data("garbage").is_empty());
}

#[test]
fn the_secc_chain_gives_its_ocsp_request_data_and_hash_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store(dir.path());
    let v2g = root("V2G Root");
    install(&s, &v2g, CaCertificateType::V2g);
    let cpo_sub = sub_ca("CPO Sub-CA", &v2g, "http://ocsp.cpo.example/sub");
    let csr = s
        .generate_certificate_signing_request(&CsrRequest {
            kind: LeafCertificateType::V2g,
            country: Some("DE".to_owned()),
            organization: Some("ExampleCPO".to_owned()),
            common_name: "SECC1".to_owned(),
            key: KeyType::EcdsaP256,
        })
        .unwrap()
        .0;
    let key = requested_key(&csr);
    let mut leaf_params = params("SECC1", Some("http://ocsp.cpo.example/leaf"));
    leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params.signed_by(&key, &cpo_sub.issuer).unwrap().pem();
    let chain = format!("{leaf}{}", cpo_sub.pem);
    s.update_leaf_certificate(&chain, LeafCertificateType::V2g, NOW)
        .unwrap();

    let leaf = Certificate::from_pem(&leaf).unwrap();
    let sub = Certificate::from_pem(&cpo_sub.pem).unwrap();
    let root = Certificate::from_pem(&v2g.pem).unwrap();
    let requests = s.v2g_ocsp_request_data();
    let got: Vec<_> = requests
        .iter()
        .map(|r| (r.hash_data.clone(), r.responder_url.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                leaf.hash_data(&sub, HashAlgorithm::Sha256).unwrap(),
                "http://ocsp.cpo.example/leaf"
            ),
            (
                sub.hash_data(&root, HashAlgorithm::Sha256).unwrap(),
                "http://ocsp.cpo.example/sub"
            ),
        ]
    );
    let chains = s.v2g_certificate_chains(HashAlgorithm::Sha256);
    assert_eq!(chains.len(), 1);
    assert_eq!(
        chains[0].leaf,
        leaf.hash_data(&sub, HashAlgorithm::Sha256).unwrap()
    );
    assert_eq!(
        chains[0].children,
        [sub.hash_data(&root, HashAlgorithm::Sha256).unwrap()]
    );
    // Through the trait too.
    use chargepoint_core::charge_point::evse_security::EvseSecurity;
    assert_eq!(EvseSecurity::v2g_ocsp_request_data(&s), requests);
    let _ = &mut s;
}

/// A DER OCSPResponse (RFC 6960) with one SingleResponse; `next_update` as GeneralizedTime
/// text.
fn ocsp_response(status: u8, this_update: &str, next_update: Option<&str>) -> Vec<u8> {
    let time = |t: &str| der_tlv(0x18, t.as_bytes());
    let mut single = der_tlv(0x30, &[]); // certID (not read)
    single.extend([0x80, 0x00]); // good
    single.extend(time(this_update));
    if let Some(next) = next_update {
        single.extend(der_tlv(0xa0, &time(next)));
    }
    let mut data = der_tlv(0xa1, &der_tlv(0x30, &[])); // responderID byName
    data.extend(time("20291231000000Z")); // producedAt
    data.extend(der_tlv(0x30, &der_tlv(0x30, &single)));
    let mut basic = der_tlv(0x30, &data);
    basic.extend(der_tlv(
        0x30,
        &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02],
    ));
    basic.extend(der_tlv(0x03, &[0x00, 0x01]));
    let basic = der_tlv(0x30, &basic);
    let mut bytes = vec![
        0x06, 0x09, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01,
    ];
    bytes.extend(der_tlv(0x04, &basic));
    let mut response = der_tlv(0x0a, &[status]);
    if status == 0 {
        response.extend(der_tlv(0xa0, &der_tlv(0x30, &bytes)));
    }
    der_tlv(0x30, &response)
}

#[test]
fn ocsp_responses_are_kept_with_their_validity() {
    use base64::Engine;
    let b64 = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let v2g = root("V2G Root");
    let hash = Certificate::from_pem(&v2g.pem)
        .unwrap()
        .hash_data(
            &Certificate::from_pem(&v2g.pem).unwrap(),
            HashAlgorithm::Sha256,
        )
        .unwrap();
    let good = ocsp_response(0, "20291231000000Z", Some("20300108000000Z"));
    assert_eq!(
        ocsp_validity(&good),
        Ok(OcspValidity {
            this_update: 1_893_369_600,
            next_update: Some(1_894_060_800),
        })
    );
    s.update_ocsp_cache(&hash, &b64(&good)).unwrap();
    assert_eq!(s.cached_ocsp_response(&hash, NOW), Some(good.clone()));
    // After nextUpdate it is stale.
    assert_eq!(s.cached_ocsp_response(&hash, 1_894_060_800), None);
    // Refused, and the kept one stays.
    assert_eq!(s.update_ocsp_cache(&hash, "!!!"), Err(OcspError::Encoding));
    assert_eq!(
        s.update_ocsp_cache(&hash, &b64(&ocsp_response(6, "", None))),
        Err(OcspError::Unsuccessful(6))
    );
    assert!(matches!(
        s.update_ocsp_cache(&hash, &b64(b"\x30\x03\x0a\x01")),
        Err(OcspError::Der(_))
    ));
    assert_eq!(s.cached_ocsp_response(&hash, NOW), Some(good));
    // Without nextUpdate: fresh from thisUpdate on.
    let open = ocsp_response(0, "20291231000000Z", None);
    s.update_ocsp_cache(&hash, &b64(&open)).unwrap();
    assert_eq!(s.cached_ocsp_response(&hash, NOW), Some(open));
}

#[test]
fn a_contract_chain_of_a_v2g_root_is_valid_without_an_mo_root() {
    // libocpp checks a contract against the MO roots, then the V2G roots.
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let v2g = root("V2G Root");
    install(&s, &v2g, CaCertificateType::V2g);
    let (chain, _) = contract_chain(&v2g);
    assert_eq!(
        s.verify_contract_certificate(&chain, NOW),
        CertificateValidationResult::Valid
    );
    // Its OCSP data takes the sub-CA's issuer from the V2G roots.
    assert_eq!(s.contract_ocsp_request_data(&chain).len(), 2);
}
