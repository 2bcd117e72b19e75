//! The central system's PnC messages and the SECC certificate's signing, renewal and OCSP
//! responses.

use ocpp_types::DateTime;
use serde_json::{json, Value};

use super::*;
#[test]
fn without_certificate_management_pnc_is_an_unknown_vendor() {
    let store = Fake::new();
    let mut h = harness(
        pnc_config(json!({"PnC": {"ISO15118CertificateManagementEnabled": false}})),
        &store,
    );
    let answer = pnc_call(
        &mut h,
        "InstallCertificate",
        json!({"certificateType": "V2GRootCertificate", "certificate": "PEM"}),
    );
    assert_eq!(answer, json!({"status": "UnknownVendorId"}));
    assert!(store.state().installed.is_empty());
    // Nor without the PnC section (which brings the PnC profile, as libocpp's config).
    let store = Fake::new();
    let mut patch = pnc_config(json!({}));
    patch["PnC"] = Value::Null;
    let mut h = harness(patch, &store);
    let answer = pnc_call(&mut h, "GetInstalledCertificateIds", json!({}));
    assert_eq!(answer, json!({"status": "UnknownVendorId"}));
    // No certificate timers either: nothing is sent a minute after boot.
    h.advance(61);
    h.assert_silent();
}

#[test]
fn unknown_message_ids_and_malformed_data() {
    let store = Fake::new();
    let mut h = harness(pnc_config(json!({})), &store);
    assert_eq!(
        pnc_call(&mut h, "Frobnicate", json!({})),
        json!({"status": "UnknownMessageId"})
    );
    // A message the station sends, not the central system.
    assert_eq!(
        pnc_call(
            &mut h,
            "Authorize",
            json!({"idToken": {"idToken": "X", "type": "eMAID"}})
        ),
        json!({"status": "UnknownMessageId"})
    );
    let no_message_id = h.csms_call_ok("DataTransfer", json!({"vendorId": VENDOR}));
    assert_eq!(no_message_id, json!({"status": "UnknownMessageId"}));
    // Malformed: not JSON, a missing field, an unknown enum value, no data at all.
    for data in [
        json!("{not json"),
        json!(json!({"certificate": "PEM"}).to_string()),
        json!(json!({"certificateType": "Nope", "certificate": "PEM"}).to_string()),
    ] {
        let answer = h.csms_call_ok(
            "DataTransfer",
            json!({"vendorId": VENDOR, "messageId": "InstallCertificate", "data": data}),
        );
        assert_eq!(answer, json!({"status": "Rejected"}));
    }
    let answer = h.csms_call_ok(
        "DataTransfer",
        json!({"vendorId": VENDOR, "messageId": "DeleteCertificate"}),
    );
    assert_eq!(answer, json!({"status": "Rejected"}));
    assert!(store.state().installed.is_empty());
}

#[test]
fn install_get_installed_and_delete_certificates() {
    let store = Fake::new();
    let mut h = harness(pnc_config(json!({})), &store);
    for (kind, serial) in [
        ("V2GRootCertificate", "01"),
        ("MORootCertificate", "02"),
        ("CSMSRootCertificate", "03"),
        ("ManufacturerRootCertificate", "04"),
    ] {
        let answer = pnc_call(
            &mut h,
            "InstallCertificate",
            json!({"certificateType": kind, "certificate": serial}),
        );
        assert_eq!(
            answer,
            json!({"status": "Accepted", "data": "{\"status\":\"Accepted\"}"})
        );
    }
    assert_eq!(
        store.state().installed,
        vec![
            (CaCertificateType::V2g, "01".to_owned()),
            (CaCertificateType::Mo, "02".to_owned()),
            (CaCertificateType::Csms, "03".to_owned()),
            (CaCertificateType::Mf, "04".to_owned()),
        ]
    );
    let refused = pnc_call(
        &mut h,
        "InstallCertificate",
        json!({"certificateType": "V2GRootCertificate", "certificate": "garbage"}),
    );
    assert_eq!(inner(&refused), json!({"status": "Rejected"}));

    store.state().secc_chains = vec![CertificateChainHashData {
        leaf: hash_of("5ecc"),
        children: vec![hash_of("c41"), hash_of("c42")],
    }];
    let listed = pnc_call(
        &mut h,
        "GetInstalledCertificateIds",
        json!({"certificateType": ["V2GCertificateChain", "MORootCertificate"]}),
    );
    assert_eq!(
        inner(&listed),
        json!({"status": "Accepted", "certificateHashDataChain": [
            {"certificateHashData": hash_json("5ecc"), "certificateType": "V2GCertificateChain",
             "childCertificateHashData": [hash_json("c41"), hash_json("c42")]},
            {"certificateHashData": hash_json("02"), "certificateType": "MORootCertificate"},
        ]})
    );
    // Absent certificateType: every kind.
    let all = inner(&pnc_call(&mut h, "GetInstalledCertificateIds", json!({})));
    let kinds: Vec<&str> = all["certificateHashDataChain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["certificateType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "V2GRootCertificate",
            "MORootCertificate",
            "CSMSRootCertificate",
            "V2GCertificateChain",
            "ManufacturerRootCertificate"
        ]
    );

    let deleted = pnc_call(
        &mut h,
        "DeleteCertificate",
        json!({"certificateHashData": hash_json("02")}),
    );
    assert_eq!(inner(&deleted), json!({"status": "Accepted"}));
    let again = pnc_call(
        &mut h,
        "DeleteCertificate",
        json!({"certificateHashData": hash_json("02")}),
    );
    assert_eq!(inner(&again), json!({"status": "NotFound"}));
    let none = pnc_call(
        &mut h,
        "GetInstalledCertificateIds",
        json!({"certificateType": ["MORootCertificate"]}),
    );
    assert_eq!(inner(&none), json!({"status": "NotFound"}));
}

#[test]
fn trigger_sign_v2g_certificate_and_certificate_signed() {
    let store = Fake::new();
    let mut h = harness(pnc_config(json!({})), &store);
    let answer = pnc_call(
        &mut h,
        "TriggerMessage",
        json!({"requestedMessage": "SignV2GCertificate"}),
    );
    assert_eq!(inner(&answer), json!({"status": "Accepted"}));
    let (id, message, data) = pnc_sent(&mut h);
    assert_eq!(message, "SignCertificate");
    assert_eq!(
        data,
        json!({"csr": "CSR1", "certificateType": "V2GCertificate"})
    );
    let csr = store.state().csrs[0].clone();
    assert_eq!(csr.kind, LeafCertificateType::V2g);
    assert_eq!(csr.organization.as_deref(), Some("ExampleCPO"));
    assert_eq!(csr.country.as_deref(), Some("DE"));
    answer_pnc(&mut h, &id, json!({"status": "Accepted"}));

    // Another requested message is not implemented over PnC.
    let other = pnc_call(
        &mut h,
        "TriggerMessage",
        json!({"requestedMessage": "BootNotification"}),
    );
    assert_eq!(inner(&other), json!({"status": "NotImplemented"}));

    // The signed chain is stored, and its OCSP responses are asked for at once.
    store.state().v2g_ocsp = vec![ocsp("5ecc")];
    let signed = pnc_call(
        &mut h,
        "CertificateSigned",
        json!({"certificateChain": "CHAIN", "certificateType": "V2GCertificate"}),
    );
    assert_eq!(inner(&signed), json!({"status": "Accepted"}));
    assert_eq!(store.state().leaf_updates, ["CHAIN"]);
    let (id, message, data) = pnc_sent(&mut h);
    assert_eq!(message, "GetCertificateStatus");
    assert_eq!(data, json!({"ocspRequestData": ocsp_json("5ecc")}));
    answer_pnc(
        &mut h,
        &id,
        json!({"status": "Accepted", "ocspResult": "T0NTUA=="}),
    );
    assert_eq!(
        store.state().ocsp_cache,
        [("5ecc".to_owned(), "T0NTUA==".to_owned())]
    );

    // A charging station certificate is not for this channel; a chain the store refuses.
    let wrong = pnc_call(
        &mut h,
        "CertificateSigned",
        json!({"certificateChain": "CHAIN", "certificateType": "ChargingStationCertificate"}),
    );
    assert_eq!(inner(&wrong), json!({"status": "Rejected"}));
    store.state().leaf_result = InstallCertificateResult::InvalidSignature;
    let refused = pnc_call(
        &mut h,
        "CertificateSigned",
        json!({"certificateChain": "CHAIN2"}),
    );
    assert_eq!(inner(&refused), json!({"status": "Rejected"}));
    let events: Vec<Value> = h
        .pump()
        .into_iter()
        .filter(|(a, _)| a == "SecurityEventNotification")
        .map(|(_, p)| json!([p["type"], p["techInfo"]]))
        .collect();
    assert_eq!(
        events,
        [
            json!(["InvalidChargePointCertificate", "Received DataTransfer.req containing CertificateSigned.req where certificateType is not V2GCertificate"]),
            json!(["InvalidChargePointCertificate", "InvalidSignature"]),
        ]
    );
}

#[test]
fn trigger_without_an_organization_is_rejected() {
    let store = Fake::new();
    let mut patch = pnc_config(json!({}));
    patch["Security"]["CpoName"] = Value::Null;
    let mut h = harness(patch, &store);
    let answer = pnc_call(
        &mut h,
        "TriggerMessage",
        json!({"requestedMessage": "SignV2GCertificate"}),
    );
    assert_eq!(answer, json!({"status": "Rejected"}));
    h.assert_silent();
    assert!(store.state().csrs.is_empty());
}

#[test]
fn sign_certificate_is_repeated_with_doubling_waits() {
    let store = Fake::new();
    // A SECC certificate valid for long: the renewal check a minute after boot stays quiet.
    store.state().secc_not_after = Some(DateTime::parse("2036-01-01T00:00:00Z").unwrap());
    let mut h = harness(
        pnc_config(json!({"PnC": {"CertSigningWaitMinimum": 10, "CertSigningRepeatTimes": 2}})),
        &store,
    );
    pnc_call(
        &mut h,
        "TriggerMessage",
        json!({"requestedMessage": "SignV2GCertificate"}),
    );
    let (id, _, data) = pnc_sent(&mut h);
    assert_eq!(data["csr"], "CSR1");
    answer_pnc(&mut h, &id, json!({"status": "Accepted"}));
    h.advance(9);
    h.assert_silent();
    h.advance(1);
    let (id, _, data) = pnc_sent(&mut h);
    assert_eq!(data["csr"], "CSR2", "a new key and CSR");
    answer_pnc(&mut h, &id, json!({"status": "Accepted"}));
    h.advance(19);
    h.assert_silent();
    h.advance(1);
    let (id, _, data) = pnc_sent(&mut h);
    assert_eq!(data["csr"], "CSR3");
    answer_pnc(&mut h, &id, json!({"status": "Accepted"}));
    // CertSigningRepeatTimes reached: no more.
    h.advance(40);
    h.assert_silent();
    assert_eq!(store.state().csrs.len(), 3);
}

#[test]
fn certificate_signed_stops_the_repeats() {
    let store = Fake::new();
    let mut h = harness(
        pnc_config(json!({"PnC": {"CertSigningWaitMinimum": 10, "CertSigningRepeatTimes": 2}})),
        &store,
    );
    pnc_call(
        &mut h,
        "TriggerMessage",
        json!({"requestedMessage": "SignV2GCertificate"}),
    );
    let (id, _, _) = pnc_sent(&mut h);
    answer_pnc(&mut h, &id, json!({"status": "Accepted"}));
    let signed = pnc_call(
        &mut h,
        "CertificateSigned",
        json!({"certificateChain": "CHAIN"}),
    );
    assert_eq!(inner(&signed), json!({"status": "Accepted"}));
    h.advance(30);
    h.assert_silent();
}

#[test]
fn secc_certificate_renewal_and_ocsp_rounds_start_a_minute_after_boot() {
    let store = Fake::new();
    // A certificate valid for 10 more days, with one certificate naming a responder.
    store.state().secc_not_after = Some(DateTime::parse("2026-01-11T00:00:00Z").unwrap());
    store.state().v2g_ocsp = vec![ocsp("5ecc")];
    let mut h = harness(pnc_config(json!({})), &store);
    h.advance(59);
    h.assert_silent();
    h.advance(1);
    let (id, message, data) = pnc_sent(&mut h);
    assert_eq!(message, "GetCertificateStatus");
    assert_eq!(data, json!({"ocspRequestData": ocsp_json("5ecc")}));
    answer_pnc(&mut h, &id, json!({"status": "Failed"}));
    assert!(store.state().ocsp_cache.is_empty());
    let (id, message, _) = pnc_sent(&mut h);
    assert_eq!(
        message, "SignCertificate",
        "the certificate expires within 30 days"
    );
    answer_pnc(&mut h, &id, json!({"status": "Rejected"}));
    h.assert_silent();
}

#[test]
fn certificate_management_switched_on_later_starts_the_timers() {
    let store = Fake::new();
    store.state().secc_not_after = Some(DateTime::parse("2036-01-01T00:00:00Z").unwrap());
    store.state().v2g_ocsp = vec![ocsp("5ecc")];
    let mut h = harness(
        pnc_config(json!({"PnC": {"ISO15118CertificateManagementEnabled": false}})),
        &store,
    );
    h.advance(120);
    h.assert_silent();
    let changed = h.csms_call_ok(
        "ChangeConfiguration",
        json!({"key": "ISO15118CertificateManagementEnabled", "value": "true"}),
    );
    assert_eq!(changed, json!({"status": "Accepted"}));
    // The next timer run (here the heartbeat's) starts them; a minute later the OCSP round.
    let heartbeat = h.cp.poll_timeout().unwrap() - h.now.instant;
    h.advance(heartbeat.as_secs());
    let sent = h.pump();
    assert!(sent.iter().all(|(a, _)| a == "Heartbeat"), "{sent:?}");
    h.advance(60);
    let (_, message, data) = pnc_sent(&mut h);
    assert_eq!(message, "GetCertificateStatus");
    assert_eq!(data, json!({"ocspRequestData": ocsp_json("5ecc")}));
}

#[test]
fn a_chain_over_certificate_signed_max_chain_size_is_rejected() {
    let store = Fake::new();
    let mut h = harness(
        pnc_config(json!({"Security": {"CertificateSignedMaxChainSize": 10}})),
        &store,
    );
    let refused = pnc_call(
        &mut h,
        "CertificateSigned",
        json!({"certificateChain": "ELEVEN-CHAR"}),
    );
    assert_eq!(inner(&refused), json!({"status": "Rejected"}));
    assert!(
        store.state().leaf_updates.is_empty(),
        "not given to the store"
    );
    let fits = pnc_call(
        &mut h,
        "CertificateSigned",
        json!({"certificateChain": "TEN-CHARS!"}),
    );
    assert_eq!(inner(&fits), json!({"status": "Accepted"}));
    assert_eq!(store.state().leaf_updates, ["TEN-CHARS!"]);
}
