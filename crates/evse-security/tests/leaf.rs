//! The station's own certificate: a key and a CSR made by the store, the certificate a CA signs
//! for it verified and stored beside the key, and found there by the CSMS connection's view of
//! the same files (ocpp-ws); the refusals. Certificates made with rcgen, valid 1975 to 4096
//! unless said; every test passes its own time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::SystemTime;

use base64::Engine;
use chargepoint_core::charge_point::evse_security::{
    CaCertificateType, CertificateValidationResult, CsrRequest, KeyType, LeafCertificateType,
};
use evse_security::{FilePaths, FileStore, InstallRules, LeafError};
use x509_cert::der::{Decode, Encode};
use x509_cert::request::CertReq;

/// 2030-01-01T00:00:00Z.
const NOW: i64 = 1_893_456_000;

struct Root {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pem: String,
}

fn root(cn: &str) -> Root {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let key = rcgen::KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    Root {
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

fn parse_csr(pem: &str) -> CertReq {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    CertReq::from_der(&der).unwrap()
}

/// The client certificate `root` signs for the key of `csr`, valid until `not_after`.
fn sign(root: &Root, csr: &str, not_after: Option<(i32, u8, u8)>) -> String {
    let request = parse_csr(csr);
    let key = RequestedKey(
        request
            .info
            .public_key
            .subject_public_key
            .raw_bytes()
            .to_vec(),
    );
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "cp001");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    if let Some((y, m, d)) = not_after {
        params.not_before = rcgen::date_time_ymd(2019, 1, 1);
        params.not_after = rcgen::date_time_ymd(y, m, d);
    }
    params.signed_by(&key, &root.issuer).unwrap().pem()
}

fn store(dir: &Path, password: Option<&str>) -> FileStore {
    let mut paths = FilePaths::everest_defaults(dir);
    paths.private_key_password = password.map(str::to_owned);
    FileStore::new(paths)
}

fn request() -> CsrRequest {
    CsrRequest {
        kind: LeafCertificateType::Csms,
        country: Some("DE".to_owned()),
        organization: Some("ferrocharge".to_owned()),
        common_name: "cp001".to_owned(),
        key: KeyType::EcdsaP256,
    }
}

fn install_root(s: &FileStore, root: &Root) {
    let rules = InstallRules {
        now: NOW,
        max_certificates: None,
        additional_root_certificate_check: false,
    };
    s.install_ca_certificate(&root.pem, CaCertificateType::Csms, &rules)
        .unwrap();
}

#[test]
fn a_csr_is_signed_by_a_new_key_kept_for_the_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), None);
    let (csr, key_path) = s.generate_certificate_signing_request(&request()).unwrap();
    assert!(
        csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"),
        "{csr}"
    );
    let name = key_path.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        key_path.parent(),
        Some(dir.path().join("client/csms").as_path())
    );
    assert!(
        name.starts_with("CSMS_LEAF_") && name.ends_with(".key") && name.len() == 30,
        "{name}"
    );
    assert_eq!(
        fs::metadata(&key_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let key = fs::read_to_string(&key_path).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{key}");

    let request = parse_csr(&csr);
    assert_eq!(
        request.info.subject.to_string(),
        "CN=cp001,O=ferrocharge,C=DE"
    );
    // Signed by the key it carries (ECDSA P-256 with SHA-256).
    let info = request.info.to_der().unwrap();
    let public_key = request.info.public_key.subject_public_key.raw_bytes();
    webpki::ring::ECDSA_P256_SHA256
        .verify_signature(public_key, &info, request.signature.raw_bytes())
        .unwrap();
}

#[test]
fn the_signed_certificate_is_stored_beside_its_key_and_used_by_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), None);
    let ca = root("CSMS Root");
    install_root(&s, &ca);
    let (csr, key_path) = s.generate_certificate_signing_request(&request()).unwrap();
    let signed = sign(&ca, &csr, None);
    assert_eq!(
        s.verify_certificate(&signed, LeafCertificateType::Csms, NOW),
        CertificateValidationResult::Valid
    );
    let stored = s
        .update_leaf_certificate(&signed, LeafCertificateType::Csms, NOW)
        .unwrap();
    assert_eq!(
        stored.parent(),
        Some(dir.path().join("client/csms").as_path())
    );
    assert!(stored
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("CSMS_LEAF_"));
    assert_eq!(fs::read_to_string(&stored).unwrap(), signed);

    let connection = ocpp_ws::CertificateStore::new(dir.path());
    let chosen = connection.client_certificate(SystemTime::now()).unwrap();
    assert_eq!(chosen.path, stored);
    assert!(key_path.exists());

    // Listed for the station's state (the key beside it is no certificate).
    let listed: Vec<(LeafCertificateType, String)> = s
        .leaf_certificates()
        .into_iter()
        .map(|(kind, cert)| (kind, cert.subject().to_owned()))
        .collect();
    assert_eq!(
        listed,
        vec![(LeafCertificateType::Csms, "CN=cp001".to_owned())]
    );
}

#[test]
fn with_a_password_the_key_is_encrypted_and_still_found() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), Some("123456"));
    let ca = root("CSMS Root");
    install_root(&s, &ca);
    let (csr, key_path) = s.generate_certificate_signing_request(&request()).unwrap();
    let key = fs::read(&key_path).unwrap();
    assert!(key.starts_with(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    // The CSMS connection decrypts it with the same password, and only with it.
    assert!(
        ocpp_ws::private_key::decode_private_key(&key, Some("123456"))
            .unwrap()
            .is_some()
    );
    assert!(ocpp_ws::private_key::decode_private_key(&key, Some("wrong")).is_err());

    let signed = sign(&ca, &csr, None);
    let stored = s
        .update_leaf_certificate(&signed, LeafCertificateType::Csms, NOW)
        .unwrap();
    let mut paths = ocpp_ws::StorePaths::everest_defaults(dir.path());
    paths.private_key_password = Some("123456".to_owned());
    let connection = ocpp_ws::CertificateStore::with_paths(paths);
    assert_eq!(
        connection
            .client_certificate(SystemTime::now())
            .unwrap()
            .path,
        stored
    );
    // Without the password the store finds no key for it.
    let without = store(dir.path(), None);
    assert!(matches!(
        without.update_leaf_certificate(&signed, LeafCertificateType::Csms, NOW),
        Err(LeafError::NoMatchingKey { .. })
    ));
}

#[test]
fn a_chain_that_does_not_verify_or_has_no_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), None);
    let ca = root("CSMS Root");
    let (csr, _) = s.generate_certificate_signing_request(&request()).unwrap();
    let signed = sign(&ca, &csr, None);
    let verify = |chain: &str| s.verify_certificate(chain, LeafCertificateType::Csms, NOW);
    // No CSMS root installed yet.
    assert_eq!(verify(&signed), CertificateValidationResult::IssuerNotFound);
    install_root(&s, &ca);
    assert_eq!(verify(&signed), CertificateValidationResult::Valid);

    let stranger = root("Another Root");
    assert_eq!(
        verify(&sign(&stranger, &csr, None)),
        CertificateValidationResult::IssuerNotFound
    );
    let expired = sign(&ca, &csr, Some((2020, 1, 1)));
    assert_eq!(verify(&expired), CertificateValidationResult::Expired);
    assert_eq!(
        verify("garbage"),
        CertificateValidationResult::InvalidFormat
    );
    // A CA is no charge point certificate.
    assert_eq!(verify(&ca.pem), CertificateValidationResult::InvalidChain);
    // Nor is it one for the SECC: V2G roots are another bundle.
    assert_eq!(
        s.verify_certificate(&signed, LeafCertificateType::V2g, NOW),
        CertificateValidationResult::IssuerNotFound
    );

    let refusal = |chain: &str| {
        s.update_leaf_certificate(chain, LeafCertificateType::Csms, NOW)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        refusal(&expired),
        "the certificate chain does not verify: Expired"
    );
    assert_eq!(
        refusal("garbage"),
        "not a PEM certificate chain: no PEM CERTIFICATE block"
    );
    // Signed by the right CA, for a key the store never made.
    let other_store = store(&dir.path().join("elsewhere"), None);
    let (foreign_csr, _) = other_store
        .generate_certificate_signing_request(&request())
        .unwrap();
    assert_eq!(
        refusal(&sign(&ca, &foreign_csr, None)),
        format!(
            "no private key in {} belongs to the certificate",
            dir.path().join("client/csms").display()
        )
    );
    let written: Vec<String> = fs::read_dir(dir.path().join("client/csms"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pem"))
        .collect();
    assert_eq!(written, Vec::<String>::new(), "nothing stored");
}

#[test]
fn a_p384_key_signs_its_csr_with_sha384() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), None);
    let mut wanted = request();
    wanted.key = KeyType::EcdsaP384;
    wanted.country = None;
    let (csr, _) = s.generate_certificate_signing_request(&wanted).unwrap();
    let request = parse_csr(&csr);
    assert_eq!(request.info.subject.to_string(), "CN=cp001,O=ferrocharge");
    let info = request.info.to_der().unwrap();
    let public_key = request.info.public_key.subject_public_key.raw_bytes();
    webpki::ring::ECDSA_P384_SHA384
        .verify_signature(public_key, &info, request.signature.raw_bytes())
        .unwrap();
}

#[test]
fn an_rsa_2048_key_signs_its_csr_with_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), None);
    let mut wanted = request();
    wanted.key = KeyType::Rsa2048;
    wanted.country = None;
    let (csr, key_file) = s.generate_certificate_signing_request(&wanted).unwrap();
    let request = parse_csr(&csr);
    assert_eq!(request.info.subject.to_string(), "CN=cp001,O=ferrocharge");
    let info = request.info.to_der().unwrap();
    let public_key = request.info.public_key.subject_public_key.raw_bytes();
    webpki::ring::RSA_PKCS1_2048_8192_SHA256
        .verify_signature(public_key, &info, request.signature.raw_bytes())
        .unwrap();
    // The key is kept for the owner only, as the ECDSA ones.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::read_to_string(&key_file)
        .unwrap()
        .contains("BEGIN PRIVATE KEY"));
}

/// A sub-CA of `parent`.
fn sub_ca(parent: &Root, cn: &str) -> Root {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let key = rcgen::KeyPair::generate().unwrap();
    let pem = params.signed_by(&key, &parent.issuer).unwrap().pem();
    Root {
        issuer: rcgen::Issuer::new(params, key),
        pem,
    }
}

#[test]
fn a_chain_through_a_sub_ca_verifies_against_the_installed_root_only_whole() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), None);
    let ca = root("CSMS Root");
    install_root(&s, &ca);
    let sub = sub_ca(&ca, "CPO Sub-CA");
    let (csr, _) = s.generate_certificate_signing_request(&request()).unwrap();
    let leaf = sign(&sub, &csr, None);
    let verify = |chain: &str| s.verify_certificate(chain, LeafCertificateType::Csms, NOW);
    // The leaf alone does not reach the root; with its sub-CA it does.
    assert_eq!(verify(&leaf), CertificateValidationResult::IssuerNotFound);
    let chain = format!("{leaf}{}", sub.pem);
    assert_eq!(verify(&chain), CertificateValidationResult::Valid);
    let stored = s
        .update_leaf_certificate(&chain, LeafCertificateType::Csms, NOW)
        .unwrap();
    // Stored whole, leaf first, for the TLS handshake to present.
    assert_eq!(fs::read_to_string(stored).unwrap(), chain);
}

#[test]
fn once_a_certificate_came_the_keys_of_requests_left_unanswered_go() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path(), None);
    let ca = root("CSMS Root");
    install_root(&s, &ca);
    // A factory key (another name) and the certificate of a first request stay.
    let factory = dir.path().join("client/csms/CSMS_LEAF.key");
    fs::create_dir_all(factory.parent().unwrap()).unwrap();
    fs::write(
        &factory,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let (first_csr, first_key) = s.generate_certificate_signing_request(&request()).unwrap();
    s.update_leaf_certificate(&sign(&ca, &first_csr, None), LeafCertificateType::Csms, NOW)
        .unwrap();
    // Three retried requests; the certificate of the second comes.
    let made: Vec<(String, std::path::PathBuf)> = (0..3)
        .map(|_| s.generate_certificate_signing_request(&request()).unwrap())
        .collect();
    s.update_leaf_certificate(&sign(&ca, &made[1].0, None), LeafCertificateType::Csms, NOW)
        .unwrap();
    assert!(!made[0].1.exists());
    assert!(made[1].1.exists());
    assert!(!made[2].1.exists());
    assert!(first_key.exists(), "its certificate is still there");
    assert!(factory.exists(), "not a key this store generated");
}
