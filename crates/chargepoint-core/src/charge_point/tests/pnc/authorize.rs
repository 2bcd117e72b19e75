//! Authorize with a contract, Get15118EVCertificate.

use serde_json::json;

use super::*;
fn authorize(h: &mut Harness, certificate: Option<&str>, ocsp: Option<Vec<OcspRequest>>) {
    let data = ocsp.map(|list| {
        list.iter()
            .map(|o| serde_json::from_value(ocsp_json(o.hash_data.serial_number.as_str())).unwrap())
            .collect()
    });
    h.event(crate::charge_point::StationEvent::Pnc(
        PncEvent::Authorize {
            request_id: 7,
            emaid: "DEEXAC1234567".to_owned(),
            certificate: certificate.map(str::to_owned),
            iso15118_certificate_hash_data: data,
        },
    ));
}

fn authorize_result(
    h: &mut Harness,
) -> (
    AuthorizationStatusEnum,
    Option<AuthorizeCertificateStatusEnum>,
) {
    match pnc_commands(h).as_slice() {
        [PncCommand::AuthorizeResult {
            request_id: 7,
            response,
        }] => (response.id_token_info.status, response.certificate_status),
        other => panic!("expected one AuthorizeResult, got {other:?}"),
    }
}

#[test]
fn authorize_online_sends_ocsp_data_or_the_certificate() {
    let store = Fake::new();
    let mut h = harness(pnc_config(json!({})), &store);
    // OCSP data from the SECC.
    authorize(&mut h, Some("CONTRACT"), Some(vec![ocsp("e1")]));
    let (id, message, data) = pnc_sent(&mut h);
    assert_eq!(message, "Authorize");
    assert_eq!(
        data,
        json!({"idToken": {"idToken": "DEEXAC1234567", "type": "eMAID"},
               "iso15118CertificateHashData": [ocsp_json("e1")]})
    );
    answer_pnc(
        &mut h,
        &id,
        json!({"idTokenInfo": {"status": "Accepted"}, "certificateStatus": "Accepted"}),
    );
    assert_eq!(
        authorize_result(&mut h),
        (
            AuthorizationStatusEnum::Accepted,
            Some(AuthorizeCertificateStatusEnum::Accepted)
        )
    );
    // Only the certificate: its OCSP data computed by the store.
    authorize(&mut h, Some("CONTRACT"), None);
    let (id, _, data) = pnc_sent(&mut h);
    assert_eq!(
        data,
        json!({"idToken": {"idToken": "DEEXAC1234567", "type": "eMAID"},
               "iso15118CertificateHashData": [ocsp_json("c1")]})
    );
    // An answer that does not decode is Unknown.
    answer_pnc(&mut h, &id, json!({"idTokenInfo": {"status": "Sure"}}));
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Unknown, None)
    );
    // No MO root: the certificate itself (CentralContractValidationAllowed).
    store.state().contract = CertificateValidationResult::IssuerNotFound;
    authorize(&mut h, Some("CONTRACT"), None);
    let (id, _, data) = pnc_sent(&mut h);
    assert_eq!(
        data,
        json!({"idToken": {"idToken": "DEEXAC1234567", "type": "eMAID"},
               "certificate": "CONTRACT"})
    );
    answer_pnc(&mut h, &id, json!({"idTokenInfo": {"status": "Blocked"}}));
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Blocked, None)
    );
}

#[test]
fn authorize_without_central_validation_or_pnc_is_invalid() {
    let store = Fake::new();
    store.state().contract = CertificateValidationResult::IssuerNotFound;
    let mut h = harness(
        pnc_config(json!({"PnC": {"CentralContractValidationAllowed": false}})),
        &store,
    );
    authorize(&mut h, Some("CONTRACT"), None);
    h.assert_silent();
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Invalid, None)
    );
    // Without a certificate or OCSP data.
    authorize(&mut h, None, None);
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Invalid, None)
    );

    let store = Fake::new();
    let mut h = harness(
        pnc_config(json!({"PnC": {"ISO15118PnCEnabled": false}})),
        &store,
    );
    authorize(&mut h, Some("CONTRACT"), Some(vec![ocsp("e1")]));
    h.assert_silent();
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Invalid, None)
    );
}

#[test]
fn authorize_offline_validates_the_contract_locally() {
    let store = Fake::new();
    let mut h = harness(
        pnc_config(json!({"Core": {"LocalAuthorizeOffline": false}})),
        &store,
    );
    h.disconnect();
    authorize(&mut h, Some("CONTRACT"), Some(vec![ocsp("e1")]));
    assert_eq!(
        authorize_result(&mut h),
        (
            AuthorizationStatusEnum::Unknown,
            Some(AuthorizeCertificateStatusEnum::Accepted)
        )
    );
    store.state().contract = CertificateValidationResult::Expired;
    authorize(&mut h, Some("CONTRACT"), None);
    assert_eq!(
        authorize_result(&mut h),
        (
            AuthorizationStatusEnum::Expired,
            Some(AuthorizeCertificateStatusEnum::CertificateExpired)
        )
    );
    store.state().contract = CertificateValidationResult::InvalidSignature;
    authorize(&mut h, Some("CONTRACT"), None);
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Unknown, None)
    );

    // With LocalAuthorizeOffline the eMAID must be known locally as accepted.
    let store = Fake::new();
    let mut h = harness(
        pnc_config(json!({"Core": {"LocalAuthorizeOffline": true},
                          "LocalAuthListManagement": {"LocalAuthListEnabled": true}})),
        &store,
    );
    let sent = h.csms_call_ok(
        "SendLocalList",
        json!({"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
            {"idTag": "DEEXAC1234567", "idTagInfo": {"status": "Accepted"}}]}),
    );
    assert_eq!(sent, json!({"status": "Accepted"}));
    h.disconnect();
    authorize(&mut h, Some("CONTRACT"), None);
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Accepted, None)
    );
    h.event(crate::charge_point::StationEvent::Pnc(
        PncEvent::Authorize {
            request_id: 7,
            emaid: "DEOTHER0000001".to_owned(),
            certificate: Some("CONTRACT".to_owned()),
            iso15118_certificate_hash_data: None,
        },
    ));
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Invalid, None)
    );

    // Without ContractValidationOffline: NotAtThisTime.
    let store = Fake::new();
    let mut h = harness(
        pnc_config(json!({"PnC": {"ContractValidationOffline": false}})),
        &store,
    );
    h.disconnect();
    authorize(&mut h, Some("CONTRACT"), None);
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::NotAtThisTime, None)
    );
}

#[test]
fn get_15118_ev_certificate_passes_exi_through() {
    let store = Fake::new();
    let mut h = harness(pnc_config(json!({})), &store);
    let event = |request_id| {
        crate::charge_point::StationEvent::Pnc(PncEvent::Get15118EvCertificate {
            request_id,
            connector: 1,
            iso15118_schema_version: "urn:iso:15118:2:2013:MsgDef".to_owned(),
            action: ocpp_types::pnc::CertificateActionEnum::Install,
            exi_request: "gAAA".to_owned(),
        })
    };
    h.event(event(3));
    let (id, message, data) = pnc_sent(&mut h);
    assert_eq!(message, "Get15118EVCertificate");
    assert_eq!(
        data,
        json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install",
               "exiRequest": "gAAA"})
    );
    answer_pnc(
        &mut h,
        &id,
        json!({"status": "Accepted", "exiResponse": "gBBB"}),
    );
    match pnc_commands(&mut h).as_slice() {
        [PncCommand::Ev15118CertificateResult {
            request_id: 3,
            connector: 1,
            response: Some(r),
            ..
        }] => assert_eq!(r.exi_response.as_str(), "gBBB"),
        other => panic!("{other:?}"),
    }
    // Offline: no answer, at once.
    h.disconnect();
    h.event(event(4));
    assert!(matches!(
        pnc_commands(&mut h).as_slice(),
        [PncCommand::Ev15118CertificateResult {
            request_id: 4,
            response: None,
            ..
        }]
    ));
}

#[test]
fn authorize_without_an_answer_is_unknown() {
    let store = Fake::new();
    let mut h = harness(pnc_config(json!({})), &store);
    // The connection drops while the Authorize waits for its answer.
    authorize(&mut h, Some("CONTRACT"), None);
    let (_, message, _) = pnc_sent(&mut h);
    assert_eq!(message, "Authorize");
    h.disconnect();
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Unknown, None)
    );
    // A DataTransfer the central system does not accept, and a CALLERROR.
    h.connect();
    h.pump();
    authorize(&mut h, Some("CONTRACT"), None);
    let (id, _, _) = pnc_sent(&mut h);
    h.answer(&id, json!({"status": "UnknownVendorId"}));
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Unknown, None)
    );
    authorize(&mut h, Some("CONTRACT"), None);
    let (id, _, _) = pnc_sent(&mut h);
    h.answer_error(&id);
    assert_eq!(
        authorize_result(&mut h),
        (AuthorizationStatusEnum::Unknown, None)
    );
}
