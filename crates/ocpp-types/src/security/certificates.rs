//! Certificate management of the Security white paper (use cases A02/A03, M03 - M05):
//! CertificateSigned, DeleteCertificate, GetInstalledCertificateIds, InstallCertificate and
//! SignCertificate.

use serde::{Deserialize, Serialize};

use crate::{BoundedString, CiString, NonEmptyVec};

/// The hash algorithm of a [`CertificateHashData`] (white paper HashAlgorithmEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HashAlgorithm {
    /// SHA-256.
    #[serde(rename = "SHA256")]
    Sha256,
    /// SHA-384.
    #[serde(rename = "SHA384")]
    Sha384,
    /// SHA-512.
    #[serde(rename = "SHA512")]
    Sha512,
}

/// Identifies a certificate the way OCSP does (RFC 6960 CertID; white paper
/// CertificateHashDataType).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateHashData {
    /// The algorithm of both hashes.
    pub hash_algorithm: HashAlgorithm,
    /// Hash of the DER encoding of the issuer's distinguished name, in hexadecimal
    /// (case-insensitive, CiString128).
    pub issuer_name_hash: CiString<128>,
    /// Hash of the issuer's public key (the value of its subjectPublicKey field), in hexadecimal
    /// (case-insensitive, CiString128).
    pub issuer_key_hash: CiString<128>,
    /// The certificate's serial number in hexadecimal, without leading zeroes or `0x`
    /// (case-insensitive, CiString40).
    pub serial_number: CiString<40>,
}

/// Which kind of root certificate is meant (white paper CertificateUseEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertificateUse {
    /// Root certificate of the CA that signs the central system's and charge point's certificates.
    CentralSystemRootCertificate,
    /// Root certificate for verifying the manufacturer's (firmware signing) certificate.
    ManufacturerRootCertificate,
}

/// CertificateSigned.req (white paper §5.1): the central system sends the charge point the
/// certificate signed from its SignCertificate CSR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateSignedRequest {
    /// The signed PEM-encoded X.509 certificate, possibly followed by sub-CA certificates
    /// (at most 10000 characters; the charge point may limit it further with
    /// CertificateSignedMaxChainSize).
    pub certificate_chain: BoundedString<10000>,
}

/// Whether the charge point accepted a signed certificate (white paper
/// CertificateSignedStatusEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertificateSignedStatus {
    /// The signed certificate is valid.
    Accepted,
    /// The signed certificate is invalid.
    Rejected,
}

/// CertificateSigned.conf (white paper §5.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateSignedResponse {
    /// Whether the certificate was accepted.
    pub status: CertificateSignedStatus,
}

/// DeleteCertificate.req (white paper §5.3): the central system asks for an installed
/// certificate to be deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteCertificateRequest {
    /// The certificate to delete.
    pub certificate_hash_data: CertificateHashData,
}

/// Outcome of a DeleteCertificate (white paper DeleteCertificateStatusEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeleteCertificateStatus {
    /// The certificate has been deleted.
    Accepted,
    /// Deleting failed.
    Failed,
    /// No such certificate is installed.
    NotFound,
}

/// DeleteCertificate.conf (white paper §5.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteCertificateResponse {
    /// The outcome.
    pub status: DeleteCertificateStatus,
}

/// GetInstalledCertificateIds.req (white paper §5.7): the central system asks which root
/// certificates of a kind are installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetInstalledCertificateIdsRequest {
    /// The kind of certificates asked for.
    pub certificate_type: CertificateUse,
}

/// Outcome of a GetInstalledCertificateIds (white paper GetInstalledCertificateStatusEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GetInstalledCertificateStatus {
    /// Certificates of the kind are installed and listed.
    Accepted,
    /// No certificate of the kind is installed.
    NotFound,
}

/// GetInstalledCertificateIds.conf (white paper §5.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetInstalledCertificateIdsResponse {
    /// Whether any certificate of the kind is installed.
    pub status: GetInstalledCertificateStatus,
    /// The installed certificates; absent rather than empty when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_hash_data: Option<NonEmptyVec<CertificateHashData>>,
}

/// InstallCertificate.req (white paper §5.11): the central system installs a root certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallCertificateRequest {
    /// The kind of root certificate sent.
    pub certificate_type: CertificateUse,
    /// The PEM-encoded X.509 certificate.
    pub certificate: BoundedString<5500>,
}

/// Outcome of an InstallCertificate (schema InstallCertificateStatusEnumType; the white paper's
/// text calls it CertificateStatusEnumType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InstallCertificateStatus {
    /// The certificate has been installed.
    Accepted,
    /// The certificate is valid, but installing it failed for another reason.
    Failed,
    /// The certificate is invalid or incorrect, or no more certificates may be installed.
    Rejected,
}

/// InstallCertificate.conf (white paper §5.12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallCertificateResponse {
    /// The outcome.
    pub status: InstallCertificateStatus,
}

/// SignCertificate.req (white paper §5.17): the charge point asks for its new key to be signed
/// into a charge point certificate; the certificate follows in CertificateSigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignCertificateRequest {
    /// The PEM-encoded certificate signing request (RFC 2986).
    pub csr: BoundedString<5500>,
}

/// Generic answer to a request (white paper GenericStatusEnumType), used by SignCertificate.conf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GenericStatus {
    /// The request has been accepted and will be executed.
    Accepted,
    /// The request has not been accepted and will not be executed.
    Rejected,
}

/// SignCertificate.conf (white paper §5.18): whether the central system will process the CSR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignCertificateResponse {
    /// Whether the CSR will be processed.
    pub status: GenericStatus,
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{err, ok};
    use super::*;
    use crate::{encode, CallErrorCode, Violation};

    const HASH_DATA: &str = r#"{"hashAlgorithm":"SHA256",
        "issuerNameHash":"7C2A3B5E9F0D4C1A8B6E2F3D4C5B6A7980E1F2A3B4C5D6E7F8091A2B3C4D5E6F",
        "issuerKeyHash":"0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20",
        "serialNumber":"FFF"}"#;

    #[test]
    fn delete_certificate_decodes_and_round_trips() {
        let req: DeleteCertificateRequest =
            ok(&format!(r#"{{"certificateHashData":{HASH_DATA}}}"#));
        let h = &req.certificate_hash_data;
        assert_eq!(h.hash_algorithm, HashAlgorithm::Sha256);
        assert_eq!(h.serial_number, "fff", "hex is compared case-insensitively");
        assert_eq!(h.serial_number.as_str(), "FFF");
        assert_eq!(h.issuer_key_hash.len(), 64);
        let json = encode(&req);
        assert_eq!(json["certificateHashData"]["hashAlgorithm"], "SHA256");
        assert_eq!(json["certificateHashData"]["serialNumber"], "FFF");
        let back: DeleteCertificateRequest = ok(&json.to_string());
        assert_eq!(back, req);

        for (s, want) in [
            ("Accepted", DeleteCertificateStatus::Accepted),
            ("Failed", DeleteCertificateStatus::Failed),
            ("NotFound", DeleteCertificateStatus::NotFound),
        ] {
            let resp: DeleteCertificateResponse = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(resp.status, want);
            assert_eq!(encode(&resp), serde_json::json!({ "status": s }));
        }
    }

    #[test]
    fn hash_algorithms_keep_their_upper_case_spelling() {
        for (s, want) in [
            ("SHA256", HashAlgorithm::Sha256),
            ("SHA384", HashAlgorithm::Sha384),
            ("SHA512", HashAlgorithm::Sha512),
        ] {
            let got: HashAlgorithm =
                serde_json::from_str(&format!("\"{s}\"")).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(got, want);
            assert_eq!(encode(&got), serde_json::json!(s));
        }
        let e = err::<DeleteCertificateRequest>(&format!(
            r#"{{"certificateHashData":{}}}"#,
            HASH_DATA.replace("SHA256", "Sha256")
        ));
        assert_eq!(e.violation, Violation::UnknownEnumValue);
        assert_eq!(e.path, "certificateHashData.hashAlgorithm");
    }

    #[test]
    fn get_installed_certificate_ids_decodes_and_round_trips() {
        let req: GetInstalledCertificateIdsRequest =
            ok(r#"{"certificateType":"ManufacturerRootCertificate"}"#);
        assert_eq!(
            req.certificate_type,
            CertificateUse::ManufacturerRootCertificate
        );
        assert_eq!(
            encode(&req),
            serde_json::json!({"certificateType": "ManufacturerRootCertificate"})
        );

        let resp: GetInstalledCertificateIdsResponse = ok(&format!(
            r#"{{"status":"Accepted","certificateHashData":[{HASH_DATA},{HASH_DATA}]}}"#
        ));
        assert_eq!(resp.status, GetInstalledCertificateStatus::Accepted);
        assert_eq!(
            resp.certificate_hash_data.as_ref().map(|l| l.len()),
            Some(2)
        );
        let back: GetInstalledCertificateIdsResponse = ok(&encode(&resp).to_string());
        assert_eq!(back, resp);

        let none: GetInstalledCertificateIdsResponse = ok(r#"{"status":"NotFound"}"#);
        assert_eq!(none.certificate_hash_data, None);
        assert_eq!(encode(&none), serde_json::json!({"status": "NotFound"}));
    }

    #[test]
    fn install_sign_and_signed_decode_and_round_trip() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n";
        let json = serde_json::json!({"certificateType": "CentralSystemRootCertificate", "certificate": pem});
        let req: InstallCertificateRequest = ok(&json.to_string());
        assert_eq!(
            req.certificate_type,
            CertificateUse::CentralSystemRootCertificate
        );
        assert_eq!(req.certificate.as_str(), pem);
        assert_eq!(encode(&req), json);
        for (s, want) in [
            ("Accepted", InstallCertificateStatus::Accepted),
            ("Failed", InstallCertificateStatus::Failed),
            ("Rejected", InstallCertificateStatus::Rejected),
        ] {
            let resp: InstallCertificateResponse = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(resp.status, want);
        }

        let csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIC...\n-----END CERTIFICATE REQUEST-----";
        let req: SignCertificateRequest = ok(&serde_json::json!({ "csr": csr }).to_string());
        assert_eq!(req.csr.as_str(), csr);
        let resp: SignCertificateResponse = ok(r#"{"status":"Rejected"}"#);
        assert_eq!(resp.status, GenericStatus::Rejected);

        // A chain longer than a single certificate's 5500 characters is fine up to 10000.
        let chain = "C".repeat(10_000);
        let req: CertificateSignedRequest =
            ok(&serde_json::json!({ "certificateChain": chain }).to_string());
        assert_eq!(req.certificate_chain.len(), 10_000);
        assert_eq!(
            encode(&req)["certificateChain"].as_str().map(str::len),
            Some(10_000)
        );
        let resp: CertificateSignedResponse = ok(r#"{"status":"Accepted"}"#);
        assert_eq!(resp.status, CertificateSignedStatus::Accepted);
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<DeleteCertificateRequest>(
            r#"{"certificateHashData":{"hashAlgorithm":"SHA256","issuerNameHash":"AA","issuerKeyHash":"BB"}}"#,
        );
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<InstallCertificateRequest>(
            r#"{"certificateType":"CentralSystemRootCertificate","certificate":"x","cert":"y"}"#,
        );
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<CertificateSignedRequest>(
            &serde_json::json!({ "certificateChain": "C".repeat(10_001) }).to_string(),
        );
        assert_eq!(e.violation, Violation::StringTooLong);
        assert_eq!(e.code, CallErrorCode::FormationViolation);
        let e = err::<SignCertificateRequest>(
            &serde_json::json!({ "csr": "C".repeat(5501) }).to_string(),
        );
        assert_eq!(e.violation, Violation::StringTooLong);
        let e = err::<DeleteCertificateRequest>(&format!(
            r#"{{"certificateHashData":{}}}"#,
            HASH_DATA.replace("\"FFF\"", &format!("\"{}\"", "F".repeat(41)))
        ));
        assert_eq!(e.violation, Violation::StringTooLong);
        assert_eq!(e.path, "certificateHashData.serialNumber");

        // OCPP 2.0.1's V2G / MO root certificate types are not part of the 1.6 white paper.
        let e =
            err::<GetInstalledCertificateIdsRequest>(r#"{"certificateType":"V2GRootCertificate"}"#);
        assert_eq!(e.violation, Violation::UnknownEnumValue);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);

        let e = err::<GetInstalledCertificateIdsResponse>(
            r#"{"status":"Accepted","certificateHashData":[]}"#,
        );
        assert_eq!(e.violation, Violation::Occurrence);
        assert_eq!(e.code, CallErrorCode::OccurenceConstraintViolation);
        assert_eq!(e.path, "certificateHashData");
    }
}
