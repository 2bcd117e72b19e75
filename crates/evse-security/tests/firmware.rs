//! Signed firmware: the signing certificate against the installed manufacturer roots, and the
//! signature (ECDSA P-256 / P-384 over SHA-256, DER, Base64) over the file. Certificates made
//! with rcgen, signatures with ring, every test passes its own time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use base64::Engine;
use chargepoint_core::charge_point::evse_security::{
    CaCertificateType, CertificateValidationResult,
};
use evse_security::{verify_file_signature, FilePaths, FileStore, InstallRules, SignatureError};

/// 2030-01-01T00:00:00Z.
const NOW: i64 = 1_893_456_000;
const FIRMWARE: &[u8] = b"ferrocharge firmware image\n";

struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pem: String,
}

fn ca(cn: &str) -> Ca {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let key = rcgen::KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    Ca {
        issuer: rcgen::Issuer::new(params, key),
        pem,
    }
}

/// A firmware signing certificate `ca` issues for a new key of `algorithm`, valid until
/// `not_after` (year), with the key.
fn signer(
    ca: &Ca,
    algorithm: &'static rcgen::SignatureAlgorithm,
    not_after: i32,
) -> (String, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate_for(algorithm).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "firmware signing");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::CodeSigning];
    params.not_before = rcgen::date_time_ymd(2019, 1, 1);
    params.not_after = rcgen::date_time_ymd(not_after, 1, 1);
    (params.signed_by(&key, &ca.issuer).unwrap().pem(), key)
}

/// The Base64 signature of `data` by `key` (ECDSA with SHA-256, ASN.1 DER).
fn sign(
    key: &rcgen::KeyPair,
    curve: &'static ring::signature::EcdsaSigningAlgorithm,
    data: &[u8],
) -> String {
    let rng = ring::rand::SystemRandom::new();
    let pair =
        ring::signature::EcdsaKeyPair::from_pkcs8(curve, &key.serialize_der(), &rng).unwrap();
    let signature = pair.sign(&rng, data).unwrap();
    base64::engine::general_purpose::STANDARD.encode(signature.as_ref())
}

fn store_with_mf(dir: &Path, root: &Ca) -> FileStore {
    let s = FileStore::new(FilePaths::everest_defaults(dir));
    let rules = InstallRules {
        now: NOW,
        max_certificates: None,
        additional_root_certificate_check: false,
    };
    s.install_ca_certificate(&root.pem, CaCertificateType::Mf, &rules)
        .unwrap();
    s
}

#[test]
fn a_signing_certificate_must_lead_to_an_installed_manufacturer_root() {
    let dir = tempfile::tempdir().unwrap();
    let mf = ca("MF root");
    let s = store_with_mf(dir.path(), &mf);
    let (cert, _) = signer(&mf, &rcgen::PKCS_ECDSA_P256_SHA256, 2040);
    assert_eq!(
        s.verify_firmware_signing_certificate(&cert, NOW),
        CertificateValidationResult::Valid
    );
    let (other, _) = signer(&ca("someone else"), &rcgen::PKCS_ECDSA_P256_SHA256, 2040);
    assert_eq!(
        s.verify_firmware_signing_certificate(&other, NOW),
        CertificateValidationResult::IssuerNotFound
    );
    let (expired, _) = signer(&mf, &rcgen::PKCS_ECDSA_P256_SHA256, 2029);
    assert_eq!(
        s.verify_firmware_signing_certificate(&expired, NOW),
        CertificateValidationResult::Expired
    );
    assert_eq!(
        s.verify_firmware_signing_certificate("not a certificate", NOW),
        CertificateValidationResult::InvalidFormat
    );
}

#[test]
fn a_csms_root_does_not_vouch_for_firmware() {
    let dir = tempfile::tempdir().unwrap();
    let s = FileStore::new(FilePaths::everest_defaults(dir.path()));
    let csms = ca("CSMS root");
    let rules = InstallRules {
        now: NOW,
        max_certificates: None,
        additional_root_certificate_check: false,
    };
    s.install_ca_certificate(&csms.pem, CaCertificateType::Csms, &rules)
        .unwrap();
    let (cert, _) = signer(&csms, &rcgen::PKCS_ECDSA_P256_SHA256, 2040);
    assert_eq!(
        s.verify_firmware_signing_certificate(&cert, NOW),
        CertificateValidationResult::IssuerNotFound
    );
}

#[test]
fn an_ecdsa_signature_over_sha256_verifies_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fw.bin");
    std::fs::write(&file, FIRMWARE).unwrap();
    let mf = ca("MF root");
    let p256 = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
    let (cert, key) = signer(&mf, &rcgen::PKCS_ECDSA_P256_SHA256, 2040);
    let signature = sign(&key, p256, FIRMWARE);
    verify_file_signature(&file, &signature, &cert).unwrap();
    // Line breaks in the Base64, as `openssl base64` writes it.
    let wrapped = format!("{}\n{}", &signature[..20], &signature[20..]);
    verify_file_signature(&file, &wrapped, &cert).unwrap();
    // Another file, or another key: no.
    let other = sign(&key, p256, b"another image");
    assert!(matches!(
        verify_file_signature(&file, &other, &cert),
        Err(SignatureError::Mismatch)
    ));
    let (other_cert, _) = signer(&mf, &rcgen::PKCS_ECDSA_P256_SHA256, 2040);
    assert!(matches!(
        verify_file_signature(&file, &signature, &other_cert),
        Err(SignatureError::Mismatch)
    ));
    // A P-384 key's signature must be over SHA-256 too: one over SHA-384 does not verify.
    // (ring signs P-384 only with SHA-384; the conformance test signs P-384 with SHA-256.)
    let (cert384, key384) = signer(&mf, &rcgen::PKCS_ECDSA_P384_SHA384, 2040);
    let sha384 = sign(
        &key384,
        &ring::signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        FIRMWARE,
    );
    assert!(matches!(
        verify_file_signature(&file, &sha384, &cert384),
        Err(SignatureError::Mismatch)
    ));
}

#[test]
fn bad_input_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fw.bin");
    std::fs::write(&file, FIRMWARE).unwrap();
    let (cert, key) = signer(&ca("MF root"), &rcgen::PKCS_ECDSA_P256_SHA256, 2040);
    let signature = sign(
        &key,
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        FIRMWARE,
    );
    assert!(matches!(
        verify_file_signature(&file, "not base64!", &cert),
        Err(SignatureError::NotBase64(_))
    ));
    assert!(matches!(
        verify_file_signature(&file, &"A".repeat(801), &cert),
        Err(SignatureError::NotBase64(_))
    ));
    assert!(matches!(
        verify_file_signature(&file, &signature, "no certificate"),
        Err(SignatureError::Certificate(_))
    ));
    assert!(matches!(
        verify_file_signature(&dir.path().join("missing.bin"), &signature, &cert),
        Err(SignatureError::Io { .. })
    ));
}

/// An X.509 version 1 certificate for a new P-256 key, issued by `ca` (what `openssl x509 -req`
/// makes without an extensions file), PEM, with the key. rcgen writes version 3 only: built
/// with x509-cert and signed with ring.
fn v1_signer(ca: &Ca) -> (String, rcgen::KeyPair) {
    use x509_cert::der::{Decode, Encode};
    use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
    let root_der = pem_der(&ca.pem);
    let root = x509_cert::Certificate::from_der(&root_der).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let ecdsa_sha256 = AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
        parameters: None,
    };
    let tbs = x509_cert::TbsCertificate {
        version: x509_cert::Version::V1,
        serial_number: x509_cert::serial_number::SerialNumber::new(&[0x01, 0x23]).unwrap(),
        signature: ecdsa_sha256.clone(),
        issuer: root.tbs_certificate.subject.clone(),
        validity: root.tbs_certificate.validity,
        subject: "CN=firmware signing v1".parse().unwrap(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(
            &rcgen::PublicKeyData::subject_public_key_info(&key),
        )
        .unwrap(),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: None,
    };
    let rng = ring::rand::SystemRandom::new();
    let issuer_key = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &ca.issuer.key().serialize_der(),
        &rng,
    )
    .unwrap();
    let signature = issuer_key.sign(&rng, &tbs.to_der().unwrap()).unwrap();
    let cert = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256,
        signature: x509_cert::der::asn1::BitString::from_bytes(signature.as_ref()).unwrap(),
    };
    let body = base64::engine::general_purpose::STANDARD.encode(cert.to_der().unwrap());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    );
    (pem, key)
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[test]
fn a_version_1_signing_certificate_is_checked_by_its_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let mf = ca("MF root");
    let s = store_with_mf(dir.path(), &mf);
    let (cert, key) = v1_signer(&mf);
    assert_eq!(
        s.verify_firmware_signing_certificate(&cert, NOW),
        CertificateValidationResult::Valid
    );
    // Issued by another root: no.
    let (stranger, _) = v1_signer(&ca("MF root"));
    assert_eq!(
        s.verify_firmware_signing_certificate(&stranger, NOW),
        CertificateValidationResult::IssuerNotFound
    );
    // Before the root's validity: expired.
    assert_eq!(
        s.verify_firmware_signing_certificate(&cert, 0),
        CertificateValidationResult::Expired
    );
    let file = dir.path().join("fw.bin");
    std::fs::write(&file, FIRMWARE).unwrap();
    let p256 = &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING;
    verify_file_signature(&file, &sign(&key, p256, FIRMWARE), &cert).unwrap();
    assert!(matches!(
        verify_file_signature(&file, &sign(&key, p256, b"other"), &cert),
        Err(SignatureError::Mismatch)
    ));
}
