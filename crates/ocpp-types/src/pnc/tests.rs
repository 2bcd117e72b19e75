//! Tests of the Plug&Charge messages: whitepaper-style payloads, DataTransfer wrapping, and the
//! refusals with their CALLERROR codes. (Every message is also checked against the official
//! OCPP 2.0.1 schemas by tests/schema.)

use serde_json::{json, Value};

use super::*;
use crate::core::DataTransferStatus;
use crate::id_tag::AuthorizationStatus;
use crate::{decode, encode, BoundedString, CallErrorCode, CiString, Violation};

fn ok<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    decode(v).unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn refused<T: serde::de::DeserializeOwned + fmt::Debug>(v: &Value) -> PayloadError {
    match decode::<T>(v) {
        Ok(m) => panic!("{v} was accepted as {m:?}"),
        Err(e) => e,
    }
}

fn unwrap_err<T: fmt::Debug>(r: Result<T, UnwrapError>) -> UnwrapError {
    match r {
        Ok(m) => panic!("unwrapped to {m:?}"),
        Err(e) => e,
    }
}

fn hash_data(serial: &str) -> Value {
    json!({
        "hashAlgorithm": "SHA256",
        "issuerNameHash": "7f1d2e2b5ce3b5e2a7c1b2f4d5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e",
        "issuerKeyHash": "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809",
        "serialNumber": serial,
        "responderURL": "http://ocsp.v2g-pki.example/ocsp"
    })
}

fn authorize_request() -> Value {
    json!({
        "idToken": {"idToken": "DEMOC1234567890", "type": "eMAID"},
        "iso15118CertificateHashData": [hash_data("3A4F01"), hash_data("3A4F02"), hash_data("3A4F03")]
    })
}

#[test]
fn authorize_with_certificate_hash_data() {
    let v = authorize_request();
    let req: PncAuthorizeRequest = ok(&v);
    assert_eq!(req.id_token.kind, IdTokenEnum::EMaid);
    assert_eq!(
        req.id_token.id_token, "democ1234567890",
        "idToken is case-insensitive"
    );
    assert_eq!(req.certificate, None);
    let hashes = req
        .iso15118_certificate_hash_data
        .as_deref()
        .unwrap_or_default();
    assert_eq!(hashes.len(), 3);
    assert_eq!(hashes[0].hash_algorithm, HashAlgorithm::Sha256);
    assert_eq!(hashes[2].serial_number.as_str(), "3A4F03");
    assert_eq!(
        hashes[0].responder_url.as_str(),
        "http://ocsp.v2g-pki.example/ocsp"
    );
    assert_eq!(encode(&req), v);

    // Wrapped: data is the request as a JSON string, and comes back out unchanged.
    let dt = req.to_data_transfer();
    assert_eq!(dt.vendor_id, VENDOR_ID);
    assert_eq!(
        dt.message_id.as_ref().map(|m| m.as_str()),
        Some("Authorize")
    );
    let data: Value = serde_json::from_str(dt.data.as_deref().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(data, v);
    assert_eq!(
        PncAuthorizeRequest::from_data_transfer(&dt),
        Ok(req.clone())
    );
    assert_eq!(
        AnyPncRequest::from_data_transfer(&dt),
        Ok(AnyPncRequest::Authorize(req.clone()))
    );
    assert_eq!(AnyPncRequest::Authorize(req).to_data_transfer(), dt);
}

#[test]
fn authorize_with_certificate_and_its_response() {
    let pem = "-----BEGIN CERTIFICATE-----\nMIIB0zCCAXmgAwIBAgIUQ...\n-----END CERTIFICATE-----\n";
    let req: PncAuthorizeRequest = ok(&json!({
        "idToken": {"idToken": "DEMOC1234567890", "type": "eMAID"},
        "certificate": pem
    }));
    assert_eq!(req.certificate.as_deref(), Some(pem));

    let v = json!({
        "idTokenInfo": {
            "status": "Accepted",
            "cacheExpiryDateTime": "2026-11-25T06:00:00.000Z",
            "chargingPriority": -2,
            "language1": "nl",
            "language2": "en",
            "evseId": [1, 2],
            "groupIdToken": {"idToken": "FLEET-42", "type": "Central"},
            "personalMessage": {"format": "UTF8", "language": "nl", "content": "Welkom!"}
        },
        "certificateStatus": "Accepted"
    });
    let resp: PncAuthorizeResponse = ok(&v);
    assert_eq!(
        resp.id_token_info.status.to_v16(),
        AuthorizationStatus::Accepted
    );
    assert_eq!(
        resp.certificate_status,
        Some(AuthorizeCertificateStatusEnum::Accepted)
    );
    assert_eq!(resp.id_token_info.evse_id.as_deref(), Some(&[1, 2][..]));
    assert_eq!(encode(&resp), v);

    // As the CSMS answers it: DataTransfer.conf(Accepted) with the response as JSON text.
    let conf = resp.to_data_transfer_response();
    assert_eq!(conf.status, DataTransferStatus::Accepted);
    assert_eq!(
        PncAuthorizeResponse::from_data_transfer_response(&conf),
        Ok(resp.clone())
    );
    assert_eq!(
        AnyPncResponse::from_data_transfer_response(PncMessageId::Authorize, &conf),
        Ok(AnyPncResponse::Authorize(resp.clone()))
    );
    assert_eq!(
        AnyPncResponse::Authorize(resp).to_data_transfer_response(),
        conf
    );

    for (status, v16) in [
        (
            AuthorizationStatusEnum::Blocked,
            AuthorizationStatus::Blocked,
        ),
        (
            AuthorizationStatusEnum::NoCredit,
            AuthorizationStatus::Invalid,
        ),
        (
            AuthorizationStatusEnum::Unknown,
            AuthorizationStatus::Invalid,
        ),
    ] {
        assert_eq!(status.to_v16(), v16);
    }
}

#[test]
fn every_message_decodes_a_realistic_payload_and_round_trips() {
    let pem = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBSzCB8QIBADA...\n-----END CERTIFICATE REQUEST-----\n";
    let chd = json!({"hashAlgorithm": "SHA384", "issuerNameHash": "a1b2", "issuerKeyHash": "c3d4",
        "serialNumber": "0F"});
    let requests = [
        (PncMessageId::Authorize, authorize_request()),
        (
            PncMessageId::GetCertificateStatus,
            json!({"ocspRequestData": hash_data("01")}),
        ),
        (
            PncMessageId::Get15118EVCertificate,
            json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install",
                "exiRequest": "gAGAgAQBAAAAAAA="}),
        ),
        (
            PncMessageId::SignCertificate,
            json!({"csr": pem, "certificateType": "V2GCertificate"}),
        ),
        (
            PncMessageId::CertificateSigned,
            json!({"certificateChain": pem, "certificateType": "V2GCertificate"}),
        ),
        (
            PncMessageId::InstallCertificate,
            json!({"certificateType": "MORootCertificate", "certificate": pem}),
        ),
        (
            PncMessageId::DeleteCertificate,
            json!({"certificateHashData": chd}),
        ),
        (
            PncMessageId::GetInstalledCertificateIds,
            json!({"certificateType": ["V2GRootCertificate", "V2GCertificateChain"]}),
        ),
        (
            PncMessageId::TriggerMessage,
            json!({"requestedMessage": "SignV2GCertificate"}),
        ),
    ];
    for (id, v) in &requests {
        let m = AnyPncRequest::decode(*id, v).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(m.message_id(), *id);
        assert_eq!(&m.to_json(), v, "{id}");
        let dt = m.to_data_transfer();
        assert_eq!(AnyPncRequest::from_data_transfer(&dt), Ok(m), "{id}");
    }

    let responses = [
        (
            PncMessageId::Authorize,
            json!({"idTokenInfo": {"status": "Invalid"}, "certificateStatus": "CertificateRevoked"}),
        ),
        (
            PncMessageId::GetCertificateStatus,
            json!({"status": "Accepted", "ocspResult": "MIIB1woBAKCCAdAwggHMBgkrBgEFBQcwAQEE"}),
        ),
        (
            PncMessageId::Get15118EVCertificate,
            json!({"status": "Accepted", "exiResponse": "gAGAgAQBAAAAAAA="}),
        ),
        (PncMessageId::SignCertificate, json!({"status": "Accepted"})),
        (
            PncMessageId::CertificateSigned,
            json!({"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCertificate",
                "additionalInfo": "chain longer than CertificateSignedMaxChainSize"}}),
        ),
        (
            PncMessageId::InstallCertificate,
            json!({"status": "Failed"}),
        ),
        (
            PncMessageId::DeleteCertificate,
            json!({"status": "NotFound"}),
        ),
        (
            PncMessageId::GetInstalledCertificateIds,
            json!({"status": "Accepted", "certificateHashDataChain": [{
                "certificateType": "V2GCertificateChain",
                "certificateHashData": chd,
                "childCertificateHashData": [chd, chd]
            }]}),
        ),
        (PncMessageId::TriggerMessage, json!({"status": "Accepted"})),
    ];
    for (id, v) in &responses {
        let m = AnyPncResponse::decode(*id, v).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(m.message_id(), *id);
        assert_eq!(&m.to_json(), v, "{id}");
        let conf = m.to_data_transfer_response();
        assert_eq!(
            AnyPncResponse::from_data_transfer_response(*id, &conf),
            Ok(m),
            "{id}"
        );
    }
}

#[test]
fn custom_data_keeps_extra_properties_everywhere() {
    let v = json!({
        "customData": {"vendorId": "com.example", "tariffId": 7, "flags": ["a", "b"]},
        "idToken": {
            "customData": {"vendorId": "com.example"},
            "idToken": "DEMOC1234567890",
            "type": "eMAID",
            "additionalInfo": [{"additionalIdToken": "A1", "type": "Contract",
                "customData": {"vendorId": "x", "note": null}}]
        }
    });
    let req: PncAuthorizeRequest = ok(&v);
    let cd = req
        .custom_data
        .as_ref()
        .unwrap_or_else(|| panic!("customData"));
    assert_eq!(cd.vendor_id.as_str(), "com.example");
    assert_eq!(cd.extra.get("tariffId"), Some(&json!(7)));
    assert_eq!(encode(&req), v);

    let e = refused::<PncAuthorizeRequest>(&json!({
        "customData": {"tariffId": 7},
        "idToken": {"idToken": "X", "type": "eMAID"}
    }));
    assert_eq!(e.violation, Violation::MissingField);
    let e = refused::<PncAuthorizeRequest>(&json!({
        "customData": {"vendorId": "v".repeat(256)},
        "idToken": {"idToken": "X", "type": "eMAID"}
    }));
    assert_eq!(e.violation, Violation::StringTooLong);
    let e = refused::<PncAuthorizeRequest>(&json!({
        "customData": {"vendorId": 5},
        "idToken": {"idToken": "X", "type": "eMAID"}
    }));
    assert_eq!(e.violation, Violation::WrongType);

    let built = CustomData::new(BoundedString::new("com.example").unwrap_or_default());
    assert_eq!(encode(&built), json!({"vendorId": "com.example"}));
}

#[test]
fn schema_violations_get_their_callerror() {
    let base = authorize_request();
    let with = |path: &[&str], value: Value| {
        let mut v = base.clone();
        let mut target = &mut v;
        for key in &path[..path.len() - 1] {
            target = &mut target[*key];
        }
        target[path[path.len() - 1]] = value;
        v
    };
    let cases = [
        (
            with(&["idToken", "type"], json!("EMAID")),
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
            "idToken.type",
        ),
        (
            with(&["idToken", "idToken"], json!("x".repeat(37))),
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "idToken.idToken",
        ),
        (
            with(&["idToken", "extra"], json!(1)),
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
            "idToken.extra",
        ),
        (
            with(&["iso15118CertificateHashData"], json!([])),
            Violation::Occurrence,
            CallErrorCode::OccurenceConstraintViolation,
            "iso15118CertificateHashData",
        ),
        (
            with(
                &["iso15118CertificateHashData"],
                json!([
                    hash_data("1"),
                    hash_data("2"),
                    hash_data("3"),
                    hash_data("4"),
                    hash_data("5")
                ]),
            ),
            Violation::Occurrence,
            CallErrorCode::OccurenceConstraintViolation,
            "iso15118CertificateHashData",
        ),
        (
            with(&["certificate"], json!(42)),
            Violation::WrongType,
            CallErrorCode::FormationViolation,
            "certificate",
        ),
        (
            with(&["certificate"], json!("c".repeat(5501))),
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "certificate",
        ),
    ];
    for (v, violation, code, path) in cases {
        let e = refused::<PncAuthorizeRequest>(&v);
        assert_eq!(
            (e.violation, e.code, e.path.as_str()),
            (violation, code, path),
            "{e}"
        );
    }

    let e = refused::<PncAuthorizeRequest>(&json!({"certificate": "x"}));
    assert_eq!(
        (e.violation, e.code),
        (Violation::MissingField, CallErrorCode::FormationViolation)
    );

    // Four certificates are the maximum; the 2.0.1 response date-time needs a time zone.
    let four = with(
        &["iso15118CertificateHashData"],
        json!([
            hash_data("1"),
            hash_data("2"),
            hash_data("3"),
            hash_data("4")
        ]),
    );
    let _: PncAuthorizeRequest = ok(&four);
    let e = refused::<PncAuthorizeResponse>(&json!({"idTokenInfo": {"status": "Accepted",
        "cacheExpiryDateTime": "2026-11-25T06:00:00"}}));
    assert_eq!(e.violation, Violation::InvalidDateTime);
    let e = refused::<PncGetInstalledCertificateIdsRequest>(&json!({"certificateType": []}));
    assert_eq!(e.code, CallErrorCode::OccurenceConstraintViolation);
}

#[test]
fn bounded_vec_limits() {
    assert!(BoundedVec::<u8, 4>::new(vec![]).is_err());
    assert!(BoundedVec::<u8, 4>::new(vec![1, 2, 3, 4, 5]).is_err());
    let v = BoundedVec::<u8, 4>::new(vec![1, 2, 3, 4]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.len(), 4);
    assert_eq!(BoundedVec::<u8, 4>::one(9).into_vec(), vec![9]);
    let e = match serde_json::from_str::<BoundedVec<u8, 2>>("[1,2,3]") {
        Ok(v) => panic!("{v:?}"),
        Err(e) => e,
    };
    assert_eq!(
        crate::error::classify(&e.to_string()),
        Violation::Occurrence
    );
}

#[test]
fn trigger_message_accepts_every_2_0_1_value() {
    let req = PncTriggerMessageRequest::sign_v2g_certificate();
    assert!(req.is_sign_v2g_certificate());
    assert_eq!(
        encode(&req),
        json!({"requestedMessage": "SignV2GCertificate"})
    );

    // Other values are well-formed: the charge point answers NotImplemented, not a refusal.
    let other: PncTriggerMessageRequest = ok(&json!({"requestedMessage": "BootNotification",
        "evse": {"id": 1, "connectorId": 1}}));
    assert!(!other.is_sign_v2g_certificate());
    let answer = PncTriggerMessageResponse {
        custom_data: None,
        status: TriggerMessageStatusEnum::NotImplemented,
        status_info: None,
    };
    assert_eq!(encode(&answer), json!({"status": "NotImplemented"}));

    let e = refused::<PncTriggerMessageRequest>(&json!({"requestedMessage": "SignCertificate"}));
    assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
}

#[test]
fn sign_certificate_for_v2g() {
    let csr = BoundedString::new("-----BEGIN CERTIFICATE REQUEST-----").unwrap_or_default();
    let req = PncSignCertificateRequest::v2g(csr);
    let dt = req.to_data_transfer();
    assert_eq!(
        dt.data.as_deref(),
        Some(r#"{"csr":"-----BEGIN CERTIFICATE REQUEST-----","certificateType":"V2GCertificate"}"#)
    );
    assert_eq!(
        dt.message_id.as_ref().map(|m| m.as_str()),
        Some("SignCertificate")
    );
}

#[test]
fn message_ids() {
    assert_eq!(PncMessageId::ALL.len(), 9);
    for id in PncMessageId::ALL {
        assert_eq!(id.as_str().parse::<PncMessageId>(), Ok(id));
        assert_eq!(id.to_string(), id.as_str());
    }
    assert_eq!(
        "get15118evcertificate".parse::<PncMessageId>(),
        Ok(PncMessageId::Get15118EVCertificate)
    );
    assert!("SignV2GCertificate".parse::<PncMessageId>().is_err());
    let by_cp: Vec<_> = PncMessageId::ALL
        .into_iter()
        .filter(|id| id.sent_by_charge_point())
        .map(PncMessageId::as_str)
        .collect();
    assert_eq!(
        by_cp,
        [
            "Authorize",
            "GetCertificateStatus",
            "Get15118EVCertificate",
            "SignCertificate"
        ]
    );
    assert_eq!(
        <PncInstallCertificateRequest as PncRequest>::MESSAGE,
        PncMessageId::InstallCertificate
    );
}

#[test]
fn unwrap_refusals() {
    let req = |vendor: &str, id: Option<&str>, data: Option<&str>| DataTransferRequest {
        vendor_id: CiString::truncating(vendor),
        message_id: id.map(CiString::truncating),
        data: data.map(str::to_owned),
    };
    let good = r#"{"certificateType":"V2GRootCertificate","certificate":"PEM"}"#;

    let e = unwrap_err(AnyPncRequest::from_data_transfer(&req(
        "org.openchargealliance.costmsg",
        Some("InstallCertificate"),
        Some(good),
    )));
    assert_eq!(
        e.data_transfer_status(),
        DataTransferStatus::UnknownVendorId
    );
    assert_eq!(e.call_error_code(), None);

    for id in [
        None,
        Some("SignV2GCertificate"),
        Some("Install Certificate"),
    ] {
        let e = unwrap_err(AnyPncRequest::from_data_transfer(&req(
            VENDOR_ID,
            id,
            Some(good),
        )));
        assert_eq!(
            e.data_transfer_status(),
            DataTransferStatus::UnknownMessageId,
            "{id:?}"
        );
    }
    // The typed unwrap wants its own messageId.
    let e = unwrap_err(PncInstallCertificateRequest::from_data_transfer(&req(
        VENDOR_ID,
        Some("DeleteCertificate"),
        Some(good),
    )));
    assert_eq!(
        e.data_transfer_status(),
        DataTransferStatus::UnknownMessageId
    );

    let cases = [
        (
            None,
            Violation::MissingField,
            CallErrorCode::FormationViolation,
        ),
        (
            Some("<xml/>"),
            Violation::Syntax,
            CallErrorCode::FormationViolation,
        ),
        (
            Some(r#"{"certificateType":"V2GRootCertificate"}"#),
            Violation::MissingField,
            CallErrorCode::FormationViolation,
        ),
        (
            Some(r#"{"certificateType":"V2GCertificate","certificate":"PEM"}"#),
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
        ),
        (
            Some(r#"{"certificateType":"V2GRootCertificate","certificate":"PEM","x":1}"#),
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
        ),
    ];
    for (data, violation, code) in cases {
        let e = unwrap_err(AnyPncRequest::from_data_transfer(&req(
            VENDOR_ID,
            Some("InstallCertificate"),
            data,
        )));
        assert_eq!(
            e.data_transfer_status(),
            DataTransferStatus::Rejected,
            "{data:?}"
        );
        assert_eq!(
            e.payload_error().map(|p| p.violation),
            Some(violation),
            "{data:?}"
        );
        assert_eq!(e.call_error_code(), Some(code), "{data:?}");
    }

    // A response that is not Accepted carries no message (libocpp puts plain text there).
    let conf = crate::core::DataTransferResponse {
        status: DataTransferStatus::Rejected,
        data: Some("No CpoName or SeccLeafSubjectOrganization is set. Cannot trigger CSR".into()),
    };
    let e = unwrap_err(PncTriggerMessageResponse::from_data_transfer_response(
        &conf,
    ));
    assert!(matches!(e, UnwrapError::NotAccepted { .. }), "{e}");
}
