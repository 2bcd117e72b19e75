//! SignCertificate and CertificateSigned over a fake certificate store: the CSR's subject and
//! key from the configuration, the request after the trigger's answer, the retries with their
//! doubling waits on the test clock, CertificateSigned Accepted and Rejected (with
//! InvalidChargePointCertificate), CertificateSignedMaxChainSize, the reconnect at profile 3 and
//! the renewal of a certificate that ends within 30 days.

use std::sync::{Arc, Mutex};

use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::DateTime;
use serde_json::{json, Value};

use super::{Frame, Harness, T0};
use crate::charge_point::evse_security::{
    CaCertificateType, CertificateValidationResult, CsrError, CsrRequest, DeleteCertificateResult,
    EvseSecurity, InstallCertificateResult, InstallOptions, InstalledCertificate, KeyType,
    LeafCertificate, LeafCertificateType,
};
use crate::charge_point::{ChargePoint, MemoryStore, StationCommand};

#[derive(Debug, Default)]
struct FakeState {
    /// Every CSR asked for; the n-th (from 1) is "CSR-n", its key "key-n".
    csrs: Vec<CsrRequest>,
    /// The answer to the next CSR, when it fails.
    csr_error: Option<CsrError>,
    /// Every chain given to update_leaf_certificate.
    updates: Vec<String>,
    /// The charge point certificate's end, when there is one.
    leaf_not_after: Option<DateTime>,
}

/// The fake store: a chain `chain-for-key-<n>` is signed for the key of CSR n (Accepted when
/// that key was made, else no key matches: InvalidCertificateChain); any other chain does not
/// verify (InvalidSignature).
#[derive(Debug, Default, Clone)]
struct FakeStore(Arc<Mutex<FakeState>>);

impl FakeStore {
    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.0.lock().unwrap()
    }
}

impl EvseSecurity for FakeStore {
    fn install_ca_certificate(
        &mut self,
        _pem: &str,
        _kind: CaCertificateType,
        _options: &InstallOptions,
    ) -> InstallCertificateResult {
        InstallCertificateResult::InvalidFormat
    }

    fn delete_certificate(&mut self, _hash_data: &CertificateHashData) -> DeleteCertificateResult {
        DeleteCertificateResult::NotFound
    }

    fn verify_firmware_signing_certificate(
        &self,
        _chain: &str,
        _now: DateTime,
    ) -> CertificateValidationResult {
        CertificateValidationResult::InvalidFormat
    }

    fn installed_certificates(
        &self,
        _kinds: &[CaCertificateType],
        _algorithm: HashAlgorithm,
    ) -> Vec<InstalledCertificate> {
        Vec::new()
    }

    fn csms_root_connected(&mut self) -> bool {
        false
    }

    fn leaf_certificates(&self) -> Vec<LeafCertificate> {
        self.state()
            .leaf_not_after
            .map(|not_after| LeafCertificate {
                kind: LeafCertificateType::Csms,
                subject: "CN=cp001,O=Example CPO,C=DE".to_owned(),
                not_after,
                serial_number: "1".to_owned(),
            })
            .into_iter()
            .collect()
    }

    fn verify_certificate(
        &self,
        _chain: &str,
        _kind: LeafCertificateType,
        _now: DateTime,
    ) -> CertificateValidationResult {
        CertificateValidationResult::InvalidSignature
    }

    fn update_leaf_certificate(
        &mut self,
        chain: &str,
        kind: LeafCertificateType,
        now: DateTime,
    ) -> InstallCertificateResult {
        assert_eq!(kind, LeafCertificateType::Csms);
        let mut state = self.state();
        state.updates.push(chain.to_owned());
        let Some(n) = chain.strip_prefix("chain-for-key-") else {
            return InstallCertificateResult::InvalidSignature;
        };
        match n.parse::<usize>() {
            Ok(n) if (1..=state.csrs.len()).contains(&n) => {
                state.leaf_not_after =
                    DateTime::from_unix_millis(now.unix_millis() + 365 * 86_400_000);
                InstallCertificateResult::Accepted
            }
            _ => InstallCertificateResult::InvalidCertificateChain,
        }
    }

    fn generate_certificate_signing_request(
        &mut self,
        request: &CsrRequest,
    ) -> Result<String, CsrError> {
        let mut state = self.state();
        if let Some(e) = state.csr_error.take() {
            return Err(e);
        }
        state.csrs.push(request.clone());
        Ok(format!("CSR-{}", state.csrs.len()))
    }

    // Plug&Charge is tested over its own fake (tests/pnc/).
    fn verify_contract_certificate(
        &self,
        _chain: &str,
        _now: ocpp_types::DateTime,
    ) -> crate::charge_point::evse_security::CertificateValidationResult {
        crate::charge_point::evse_security::CertificateValidationResult::IssuerNotFound
    }

    fn contract_ocsp_request_data(
        &self,
        _chain: &str,
    ) -> Vec<crate::charge_point::evse_security::OcspRequest> {
        Vec::new()
    }

    fn v2g_ocsp_request_data(&self) -> Vec<crate::charge_point::evse_security::OcspRequest> {
        Vec::new()
    }

    fn update_ocsp_cache(
        &mut self,
        _hash_data: &ocpp_types::security::CertificateHashData,
        _ocsp_response: &str,
    ) -> Result<(), String> {
        Err("not in this fake".to_owned())
    }

    fn v2g_certificate_chains(
        &self,
        _algorithm: ocpp_types::security::HashAlgorithm,
    ) -> Vec<crate::charge_point::evse_security::CertificateChainHashData> {
        Vec::new()
    }
}

/// A registered charge point with CpoName "Example CPO", `patch` and `store`.
fn harness(patch: Value, store: &FakeStore) -> Harness {
    let mut full = json!({"Security": {"CpoName": "Example CPO"}});
    crate::config::merge_patch::apply(&mut full, &patch);
    harness_of(full, store)
}

/// A registered charge point with the shipped configuration patched by `patch`, and `store`.
fn harness_of(patch: Value, store: &FakeStore) -> Harness {
    let mut h = Harness::new(patch, 1);
    let placeholder = ChargePoint::new(
        super::config(json!({})),
        Box::new(MemoryStore::default()),
        1,
        h.now,
    );
    let cp = std::mem::replace(&mut h.cp, placeholder);
    h.cp = cp.with_evse_security(Box::new(store.clone()));
    h.connect();
    h.pump();
    h
}

/// The SignCertificate CALLs sent now, as (id, csr); Heartbeats answered and left out, any
/// other CALL a failure.
fn sign_requests(h: &mut Harness) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for frame in h.frames() {
        match frame {
            Frame::Call { id, action, .. } if action == "Heartbeat" => {
                let now = h.now.utc.to_string();
                h.answer(&id, json!({ "currentTime": now }));
            }
            Frame::Call {
                id,
                action,
                payload,
            } if action == "SignCertificate" => {
                assert_eq!(payload.as_object().unwrap().len(), 1, "{payload}");
                found.push((id, payload["csr"].as_str().unwrap().to_owned()));
            }
            other => panic!("unexpected frame {other:?}"),
        }
    }
    found
}

/// The one SignCertificate sent now, answered with `status`; its CSR.
fn sign_request_answered(h: &mut Harness, status: &str) -> String {
    let requests = sign_requests(h);
    let [(id, csr)] = requests.as_slice() else {
        panic!("expected one SignCertificate, got {requests:?}");
    };
    h.answer(id, json!({ "status": status }));
    csr.clone()
}

/// Lets `secs` pass, stopping at every deadline of the core on the way (so each timer fires on
/// time; the heartbeats are answered); the SignCertificate CSRs sent on the way, unanswered.
fn wait(h: &mut Harness, secs: u64) -> Vec<String> {
    let end = h.now.instant + std::time::Duration::from_secs(secs);
    let mut csrs = Vec::new();
    while h.now.instant < end {
        let next = h.cp.poll_timeout().filter(|d| *d < end).unwrap_or(end);
        let step = next
            .saturating_duration_since(h.now.instant)
            .as_secs()
            .max(1);
        h.advance(step);
        csrs.extend(sign_requests(h).into_iter().map(|(_, csr)| csr));
    }
    csrs
}

fn trigger(h: &mut Harness) -> Vec<Frame> {
    h.csms_call(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    )
}

/// ExtendedTriggerMessage SignChargePointCertificate, Accepted; the SignCertificate that
/// follows answered with `status`; its CSR.
fn triggered(h: &mut Harness, status: &str) -> String {
    let mut frames = trigger(h);
    assert_eq!(
        frames.first(),
        Some(&Frame::Result {
            id: h.csms_id(),
            payload: json!({"status": "Accepted"})
        })
    );
    h.held = frames.split_off(1);
    sign_request_answered(h, status)
}

fn certificate_signed(h: &mut Harness, chain: &str) -> Value {
    h.csms_call_ok("CertificateSigned", json!({ "certificateChain": chain }))
}

/// A security event as (type, techInfo).
type Event = (String, Option<String>);

/// The security events raised, and the SecurityEventNotifications sent (answered).
fn events(h: &mut Harness) -> (Vec<Event>, Vec<Event>) {
    let logged = h
        .commands()
        .into_iter()
        .filter_map(|c| match c {
            StationCommand::SecurityEvent(e) => {
                Some((e.kind.to_string(), e.tech_info.map(|t| t.to_string())))
            }
            _ => None,
        })
        .collect();
    let sent = h
        .pump()
        .into_iter()
        .map(|(action, payload)| {
            assert_eq!(action, "SecurityEventNotification");
            (
                payload["type"].as_str().unwrap().to_owned(),
                payload["techInfo"].as_str().map(str::to_owned),
            )
        })
        .collect();
    (logged, sent)
}

#[test]
fn the_trigger_is_answered_first_then_sign_certificate_goes_with_the_csr() {
    let store = FakeStore::default();
    let mut h = harness(json!({}), &store);
    let frames = trigger(&mut h);
    let [Frame::Result { id, payload }, Frame::Call {
        action,
        payload: request,
        ..
    }] = frames.as_slice()
    else {
        panic!("expected the answer, then one CALL: {frames:?}");
    };
    assert_eq!(*id, h.csms_id());
    assert_eq!(payload, &json!({"status": "Accepted"}));
    assert_eq!(action, "SignCertificate");
    assert_eq!(request, &json!({"csr": "CSR-1"}));
    // libocpp's subject: CN = ChargeBoxSerialNumber, O = CpoName, C = "DE" by default; P-256.
    assert_eq!(
        store.state().csrs,
        vec![CsrRequest {
            kind: LeafCertificateType::Csms,
            country: Some("DE".to_owned()),
            organization: Some("Example CPO".to_owned()),
            common_name: "cp001".to_owned(),
            key: KeyType::EcdsaP256,
        }]
    );
}

#[test]
fn the_subject_and_the_key_come_from_the_configuration() {
    let store = FakeStore::default();
    let mut h = harness(
        json!({"Internal": {"ChargeBoxSerialNumber": "SN-0042", "SeccLeafSubjectCountry": "NL",
                            "CertificateSigningKeyType": "ECDSA_P384"},
               "Security": {"CpoName": "Other CPO"}}),
        &store,
    );
    trigger(&mut h);
    let csr = store.state().csrs[0].clone();
    assert_eq!(
        (
            csr.country.as_deref(),
            csr.organization.as_deref(),
            csr.common_name.as_str(),
            csr.key
        ),
        (Some("NL"), Some("Other CPO"), "SN-0042", KeyType::EcdsaP384)
    );
}

#[test]
fn another_key_type_than_the_three_is_refused_by_the_configuration() {
    let load = |kind: &str| {
        let mut patched =
            crate::config::Document::parse("ocpp-config.json", crate::config::DEFAULT_CONFIG)
                .unwrap();
        crate::config::merge_patch::apply(
            &mut patched.value,
            &json!({"Internal": {"CertificateSigningKeyType": kind}}),
        );
        crate::config::Configuration::load(
            crate::config::Registry::embedded().unwrap().clone(),
            &patched,
            Box::new(crate::config::MemoryOverlay::default()),
        )
    };
    for kind in ["ECDSA_P256", "ECDSA_P384", "RSA_2048"] {
        assert!(load(kind).is_ok(), "{kind}");
    }
    let Err(error) = load("RSA_4096") else {
        panic!("RSA_4096 must be refused");
    };
    let error = error.to_string();
    assert!(error.contains("CertificateSigningKeyType"), "{error}");
}

#[test]
fn without_cpo_name_or_store_the_trigger_is_rejected_and_nothing_follows() {
    let store = FakeStore::default();
    let mut h = harness_of(json!({"Security": {"CpoName": null}}), &store);
    assert_eq!(
        trigger(&mut h),
        vec![Frame::Result {
            id: h.csms_id(),
            payload: json!({"status": "Rejected"})
        }]
    );
    assert!(store.state().csrs.is_empty());

    let mut h = Harness::registered(json!({"Security": {"CpoName": "Example CPO"}}), 1);
    assert_eq!(
        trigger(&mut h),
        vec![Frame::Result {
            id: h.csms_id(),
            payload: json!({"status": "Rejected"})
        }]
    );
    // And CertificateSigned without a store is not supported.
    let frames = h.csms_call(
        "CertificateSigned",
        json!({"certificateChain": "chain-for-key-1"}),
    );
    assert!(
        matches!(frames.as_slice(), [Frame::Error { code, .. }] if code == "NotSupported"),
        "{frames:?}"
    );
}

#[test]
fn a_csr_the_store_cannot_make_is_logged_and_nothing_is_sent() {
    let store = FakeStore::default();
    let mut h = harness(json!({}), &store);
    h.commands();
    store.state().csr_error = Some(CsrError::KeyGenError("no entropy".to_owned()));
    let frames = trigger(&mut h);
    assert_eq!(
        frames,
        vec![Frame::Result {
            id: h.csms_id(),
            payload: json!({"status": "Accepted"})
        }]
    );
    let (logged, sent) = events(&mut h);
    assert_eq!(
        logged,
        vec![(
            "CSRGenerationFailed".to_owned(),
            Some("Sign certificate failed due to: KeyGenError(\"no entropy\")".to_owned())
        )]
    );
    assert_eq!(sent, vec![]);
}

#[test]
fn without_certificate_signed_a_new_csr_goes_after_doubling_waits_up_to_repeat_times() {
    let store = FakeStore::default();
    let mut h = harness(
        json!({"PnC": {"CertSigningWaitMinimum": 30, "CertSigningRepeatTimes": 2}}),
        &store,
    );
    assert_eq!(triggered(&mut h, "Accepted"), "CSR-1");
    assert_eq!(wait(&mut h, 29), Vec::<String>::new());
    h.advance(1);
    assert_eq!(sign_request_answered(&mut h, "Accepted"), "CSR-2");
    assert_eq!(wait(&mut h, 59), Vec::<String>::new());
    h.advance(1);
    assert_eq!(sign_request_answered(&mut h, "Accepted"), "CSR-3");
    // Two repeats done: no more, however long.
    assert_eq!(wait(&mut h, 3600), Vec::<String>::new());
    // Each request had a new key.
    assert_eq!(store.state().csrs.len(), 3);
}

#[test]
fn a_rejected_sign_certificate_or_no_retry_keys_end_the_series() {
    let store = FakeStore::default();
    let mut h = harness(
        json!({"PnC": {"CertSigningWaitMinimum": 30, "CertSigningRepeatTimes": 2}}),
        &store,
    );
    assert_eq!(triggered(&mut h, "Rejected"), "CSR-1");
    assert_eq!(wait(&mut h, 3600), Vec::<String>::new());

    // The shipped configuration has neither key: no retry.
    let store = FakeStore::default();
    let mut h = harness(json!({}), &store);
    assert_eq!(triggered(&mut h, "Accepted"), "CSR-1");
    assert_eq!(wait(&mut h, 3600), Vec::<String>::new());
}

#[test]
fn certificate_signed_for_the_new_key_is_accepted_and_ends_the_retries() {
    let store = FakeStore::default();
    let mut h = harness(
        json!({"PnC": {"CertSigningWaitMinimum": 30, "CertSigningRepeatTimes": 2}}),
        &store,
    );
    triggered(&mut h, "Accepted");
    h.advance(10);
    h.commands();
    assert_eq!(
        certificate_signed(&mut h, "chain-for-key-1"),
        json!({"status": "Accepted"})
    );
    assert_eq!(store.state().updates, vec!["chain-for-key-1".to_owned()]);
    // Stored: the snapshot shows it. At profile 0 there is nothing to reconnect for.
    assert_eq!(h.cp.snapshot().own_certificates.len(), 1);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(wait(&mut h, 3600), Vec::<String>::new());
}

#[test]
fn at_profile_3_an_accepted_certificate_makes_the_driver_reconnect() {
    let store = FakeStore::default();
    store.state().leaf_not_after = DateTime::parse("2030-01-01T00:00:00Z").ok();
    let mut h = harness(json!({"Security": {"SecurityProfile": 3}}), &store);
    triggered(&mut h, "Accepted");
    h.commands();
    assert_eq!(
        certificate_signed(&mut h, "chain-for-key-1"),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::UseNewChargePointCertificate]
    );
}

#[test]
fn a_chain_that_does_not_verify_is_rejected_with_invalid_charge_point_certificate() {
    let store = FakeStore::default();
    let mut h = harness(json!({"Security": {"SecurityProfile": 3}}), &store);
    triggered(&mut h, "Accepted");
    h.commands();
    assert_eq!(
        certificate_signed(&mut h, "-----BEGIN CERTIFICATE-----"),
        json!({"status": "Rejected"})
    );
    let expected = vec![(
        "InvalidChargePointCertificate".to_owned(),
        Some("InvalidSignature".to_owned()),
    )];
    // Logged and sent (libocpp forces it, TC_077_CS); no reconnect.
    assert_eq!(events(&mut h), (expected.clone(), expected));
}

#[test]
fn a_leaf_of_another_key_is_rejected() {
    let store = FakeStore::default();
    let mut h = harness(json!({}), &store);
    triggered(&mut h, "Accepted");
    h.commands();
    assert_eq!(
        certificate_signed(&mut h, "chain-for-key-7"),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        events(&mut h),
        (
            vec![(
                "InvalidChargePointCertificate".to_owned(),
                Some("InvalidCertificateChain".to_owned())
            )],
            vec![(
                "InvalidChargePointCertificate".to_owned(),
                Some("InvalidCertificateChain".to_owned())
            )]
        )
    );
    assert!(h.cp.snapshot().own_certificates.is_empty());
}

#[test]
fn a_chain_longer_than_certificate_signed_max_chain_size_is_rejected_unread() {
    let store = FakeStore::default();
    let mut h = harness(
        json!({"Security": {"CertificateSignedMaxChainSize": 15}}),
        &store,
    );
    triggered(&mut h, "Accepted");
    h.commands();
    // 15 characters: read (and Accepted).
    assert_eq!(
        certificate_signed(&mut h, "chain-for-key-1"),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        certificate_signed(&mut h, "chain-for-key-10"),
        json!({"status": "Rejected"})
    );
    assert_eq!(store.state().updates, vec!["chain-for-key-1".to_owned()]);
    let (logged, _) = events(&mut h);
    assert_eq!(
        logged,
        vec![(
            "InvalidChargePointCertificate".to_owned(),
            Some(
                "certificateChain of 16 characters is longer than CertificateSignedMaxChainSize (15)"
                    .to_owned()
            )
        )]
    );
}

/// `days` days after T0.
fn days_after_t0(days: f64) -> Option<DateTime> {
    let t0 = DateTime::parse(T0).unwrap().unix_millis();
    DateTime::from_unix_millis(t0 + (days * 86_400_000.0) as i64)
}

#[test]
fn at_profile_3_a_certificate_that_ends_within_30_days_is_renewed_by_itself() {
    let store = FakeStore::default();
    // 31 days and 1 hour left at T0: fine at the first check (60 s after registration) and at
    // the second (12 h later, 30.5 days left); the third (24 h later) finds 30 days and 1 hour
    // left, still fine; the fourth (36 h) finds 29.5 days: a SignCertificate.
    store.state().leaf_not_after = days_after_t0(31.0 + 1.0 / 24.0);
    let mut h = harness(json!({"Security": {"SecurityProfile": 3}}), &store);
    assert_eq!(wait(&mut h, 60 + 36 * 3600 - 1), Vec::<String>::new());
    assert!(store.state().csrs.is_empty());
    h.advance(1);
    assert_eq!(sign_request_answered(&mut h, "Accepted"), "CSR-1");
    // The next check, 12 h later, finds the series ended (no retry keys) and asks again, as
    // libocpp does while the certificate is not renewed.
    assert_eq!(wait(&mut h, 12 * 3600 - 1), Vec::<String>::new());
    h.advance(1);
    assert_eq!(sign_request_answered(&mut h, "Accepted"), "CSR-2");
    // Renewed: no more requests.
    certificate_signed(&mut h, "chain-for-key-2");
    assert_eq!(wait(&mut h, 48 * 3600), Vec::<String>::new());
}

#[test]
fn below_profile_3_the_expiry_is_not_checked() {
    let store = FakeStore::default();
    store.state().leaf_not_after = days_after_t0(1.0);
    let mut h = harness(json!({"Security": {"SecurityProfile": 0}}), &store);
    assert_eq!(wait(&mut h, 24 * 3600), Vec::<String>::new());
    assert!(store.state().csrs.is_empty());
}

#[test]
fn a_sign_certificate_lost_with_the_connection_ends_the_series() {
    let store = FakeStore::default();
    let mut h = harness(
        json!({"PnC": {"CertSigningWaitMinimum": 30, "CertSigningRepeatTimes": 2}}),
        &store,
    );
    let frames = trigger(&mut h);
    assert!(
        matches!(frames.as_slice(), [Frame::Result { .. }, Frame::Call { action, .. }] if action == "SignCertificate"),
        "{frames:?}"
    );
    h.disconnect();
    h.connect();
    // The new connection registers again; the lost request is not sent again, nor retried.
    let sent: Vec<String> = h.pump().into_iter().map(|(action, _)| action).collect();
    assert!(!sent.iter().any(|a| a == "SignCertificate"), "{sent:?}");
    assert_eq!(wait(&mut h, 3600), Vec::<String>::new());
    assert_eq!(store.state().csrs.len(), 1);
}

#[test]
fn the_expiry_check_does_not_start_a_second_series_while_one_is_under_way() {
    let store = FakeStore::default();
    store.state().leaf_not_after = days_after_t0(5.0);
    let mut h = harness(
        json!({"Security": {"SecurityProfile": 3},
               "PnC": {"CertSigningWaitMinimum": 100, "CertSigningRepeatTimes": 1}}),
        &store,
    );
    // The trigger's request is Accepted and waits 100 s for CertificateSigned; the expiry check
    // at 60 s finds it under way and sends nothing; the retry at 100 s does.
    assert_eq!(triggered(&mut h, "Accepted"), "CSR-1");
    assert_eq!(wait(&mut h, 99), Vec::<String>::new());
    h.advance(1);
    assert_eq!(sign_request_answered(&mut h, "Accepted"), "CSR-2");
    assert_eq!(store.state().csrs.len(), 2);
}
