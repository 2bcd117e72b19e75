//! InstallCertificate, GetInstalledCertificateIds and DeleteCertificate over a fake certificate
//! store: every answer of each, the security event of a refusal, the rules the core applies
//! itself (the last CSMS root at profile 2 and 3), and the snapshot.

use std::sync::{Arc, Mutex};

use ocpp_types::security::{CertificateHashData, HashAlgorithm, SecurityEventNotificationRequest};
use ocpp_types::{CiString, DateTime};
use serde_json::{json, Value};

use super::{Frame, Harness, T0};
use crate::charge_point::evse_security::{
    hash_data_matches, CaCertificateType, CertificateValidationResult, CsrError, CsrRequest,
    DeleteCertificateResult, EvseSecurity, InstallCertificateResult, InstallOptions,
    InstalledCertificate, LeafCertificate, LeafCertificateType,
};
use crate::charge_point::{ChargePoint, MemoryStore, StationCommand};

/// The fake's certificate "PEM" is its serial number; its hash data is made of it.
fn hash_of(serial: &str, algorithm: HashAlgorithm) -> CertificateHashData {
    CertificateHashData {
        hash_algorithm: algorithm,
        issuer_name_hash: CiString::new("aa11").unwrap(),
        issuer_key_hash: CiString::new("bb22").unwrap(),
        serial_number: CiString::new(serial).unwrap(),
    }
}

fn hash_json(serial: &str) -> Value {
    json!({"hashAlgorithm": "SHA256", "issuerNameHash": "aa11", "issuerKeyHash": "bb22",
           "serialNumber": serial})
}

fn not_after() -> DateTime {
    DateTime::parse("2036-01-01T00:00:00Z").unwrap()
}

#[derive(Debug, Default)]
struct FakeState {
    installed: Vec<InstalledCertificate>,
    /// The answer of the next installs; `None`: install it, Accepted.
    install_result: Option<InstallCertificateResult>,
    /// Every install asked for: the PEM, its bundle and the options.
    installs: Vec<(String, CaCertificateType, InstallOptions)>,
    /// The serial number of the charge point's own certificate.
    own_certificate: Option<String>,
    /// Its subject, when the fake lists it.
    own_subject: Option<String>,
    delete_fails: bool,
}

/// The in-memory store; a clone shares its state, so a test can look into the one the core
/// was given.
#[derive(Debug, Default, Clone)]
struct FakeStore(Arc<Mutex<FakeState>>);

impl FakeStore {
    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.0.lock().unwrap()
    }

    fn with(self, kind: CaCertificateType, serial: &str, fallback: bool) -> FakeStore {
        self.state().installed.push(InstalledCertificate {
            kind,
            hash_data: hash_of(serial, HashAlgorithm::Sha256),
            subject: format!("CN={serial}"),
            not_after: not_after(),
            fallback,
        });
        self
    }

    fn serials(&self) -> Vec<String> {
        self.state()
            .installed
            .iter()
            .map(|c| c.hash_data.serial_number.to_string())
            .collect()
    }
}

impl EvseSecurity for FakeStore {
    fn install_ca_certificate(
        &mut self,
        pem: &str,
        kind: CaCertificateType,
        options: &InstallOptions,
    ) -> InstallCertificateResult {
        let mut state = self.state();
        state.installs.push((pem.to_owned(), kind, *options));
        if let Some(result) = state.install_result {
            return result;
        }
        drop(state);
        let _ = self.clone().with(kind, pem, false);
        InstallCertificateResult::Accepted
    }

    fn delete_certificate(&mut self, wanted: &CertificateHashData) -> DeleteCertificateResult {
        let mut state = self.state();
        if let Some(own) = &state.own_certificate {
            if hash_data_matches(&hash_of(own, wanted.hash_algorithm), wanted) {
                return DeleteCertificateResult::ChargePointCertificate;
            }
        }
        let before = state.installed.len();
        let matching = |c: &InstalledCertificate| {
            let mut hash = c.hash_data.clone();
            hash.hash_algorithm = wanted.hash_algorithm;
            hash_data_matches(&hash, wanted)
        };
        if !state.installed.iter().any(matching) {
            return DeleteCertificateResult::NotFound;
        }
        if state.delete_fails {
            return DeleteCertificateResult::WriteError("disk full".to_owned());
        }
        state.installed.retain(|c| !matching(c));
        assert!(state.installed.len() < before);
        DeleteCertificateResult::Accepted
    }

    fn installed_certificates(
        &self,
        kinds: &[CaCertificateType],
        algorithm: HashAlgorithm,
    ) -> Vec<InstalledCertificate> {
        let state = self.state();
        kinds
            .iter()
            .flat_map(|kind| state.installed.iter().filter(move |c| c.kind == *kind))
            .map(|c| {
                let mut c = c.clone();
                c.hash_data.hash_algorithm = algorithm;
                c
            })
            .collect()
    }

    fn csms_root_connected(&mut self) -> bool {
        let mut state = self.state();
        let before = state.installed.len();
        state.installed.retain(|c| !c.fallback);
        state.installed.len() < before
    }

    fn leaf_certificates(&self) -> Vec<LeafCertificate> {
        let state = self.state();
        match (&state.own_certificate, &state.own_subject) {
            (Some(serial), Some(subject)) => vec![LeafCertificate {
                kind: LeafCertificateType::Csms,
                subject: subject.clone(),
                not_after: not_after(),
                serial_number: serial.clone(),
            }],
            _ => Vec::new(),
        }
    }

    // The leaf operations are not used by these handlers (SignCertificate and
    // CertificateSigned use them).
    fn verify_certificate(
        &self,
        _chain: &str,
        _kind: LeafCertificateType,
        _now: DateTime,
    ) -> CertificateValidationResult {
        CertificateValidationResult::InvalidFormat
    }

    fn verify_firmware_signing_certificate(
        &self,
        _chain: &str,
        _now: DateTime,
    ) -> CertificateValidationResult {
        CertificateValidationResult::InvalidFormat
    }

    fn update_leaf_certificate(
        &mut self,
        _chain: &str,
        _kind: LeafCertificateType,
        _now: DateTime,
    ) -> InstallCertificateResult {
        InstallCertificateResult::InvalidFormat
    }

    fn generate_certificate_signing_request(
        &mut self,
        _request: &CsrRequest,
    ) -> Result<String, CsrError> {
        Err(CsrError::GenerationError("not in this fake".to_owned()))
    }

    // Plug&Charge is tested over its own fake (tests/pnc.rs).
    fn verify_contract_certificate(
        &self,
        _chain: &str,
        _now: DateTime,
    ) -> CertificateValidationResult {
        CertificateValidationResult::IssuerNotFound
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
        _hash_data: &CertificateHashData,
        _ocsp_response: &str,
    ) -> Result<(), String> {
        Err("not in this fake".to_owned())
    }

    fn v2g_certificate_chains(
        &self,
        _algorithm: HashAlgorithm,
    ) -> Vec<crate::charge_point::evse_security::CertificateChainHashData> {
        Vec::new()
    }
}

/// A registered charge point with `patch` and the fake `store` connected.
fn harness(patch: Value, store: &FakeStore) -> Harness {
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

fn install(h: &mut Harness, certificate_type: &str, pem: &str) -> Value {
    h.csms_call_ok(
        "InstallCertificate",
        json!({"certificateType": certificate_type, "certificate": pem}),
    )
}

fn security_events(h: &mut Harness) -> Vec<SecurityEventNotificationRequest> {
    h.commands()
        .into_iter()
        .filter_map(|c| match c {
            StationCommand::SecurityEvent(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn an_installed_root_is_listed_by_its_type_and_shown() {
    let store = FakeStore::default();
    let mut h = harness(json!({}), &store);
    h.commands();
    assert_eq!(
        install(&mut h, "CentralSystemRootCertificate", "0A1B"),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        install(&mut h, "ManufacturerRootCertificate", "77"),
        json!({"status": "Accepted"})
    );
    let installs = store.state().installs.clone();
    let options = InstallOptions {
        now: DateTime::parse(T0).unwrap(),
        max_certificates: None,
        additional_root_certificate_check: false,
    };
    assert_eq!(
        installs,
        vec![
            ("0A1B".to_owned(), CaCertificateType::Csms, options),
            ("77".to_owned(), CaCertificateType::Mf, options),
        ]
    );
    assert_eq!(security_events(&mut h), vec![]);
    assert_eq!(
        h.csms_call_ok(
            "GetInstalledCertificateIds",
            json!({"certificateType": "CentralSystemRootCertificate"})
        ),
        json!({"status": "Accepted", "certificateHashData": [hash_json("0A1B")]})
    );
    assert_eq!(
        h.csms_call_ok(
            "GetInstalledCertificateIds",
            json!({"certificateType": "ManufacturerRootCertificate"})
        ),
        json!({"status": "Accepted", "certificateHashData": [hash_json("77")]})
    );
    let shown: Vec<(CaCertificateType, String)> =
        h.cp.snapshot()
            .certificates
            .into_iter()
            .map(|c| (c.kind, c.subject))
            .collect();
    assert_eq!(
        shown,
        vec![
            (CaCertificateType::Csms, "CN=0A1B".to_owned()),
            (CaCertificateType::Mf, "CN=77".to_owned())
        ]
    );
    h.assert_silent();
}

#[test]
fn no_certificate_of_the_type_is_not_found_without_hash_data() {
    let store = FakeStore::default().with(CaCertificateType::Mf, "01", false);
    let mut h = harness(json!({}), &store);
    assert_eq!(
        h.csms_call_ok(
            "GetInstalledCertificateIds",
            json!({"certificateType": "CentralSystemRootCertificate"})
        ),
        json!({"status": "NotFound"})
    );
}

#[test]
fn the_fallback_csms_root_is_listed_after_the_installed_one() {
    let store = FakeStore::default()
        .with(CaCertificateType::Csms, "02", false)
        .with(CaCertificateType::Csms, "01", true);
    let mut h = harness(json!({}), &store);
    assert_eq!(
        h.csms_call_ok(
            "GetInstalledCertificateIds",
            json!({"certificateType": "CentralSystemRootCertificate"})
        ),
        json!({"status": "Accepted", "certificateHashData": [hash_json("02"), hash_json("01")]})
    );
}

#[test]
fn the_store_limits_and_the_root_check_come_from_the_configuration() {
    let store = FakeStore::default();
    let mut h = harness(
        json!({"Security": {"CertificateStoreMaxLength": 3,
                            "AdditionalRootCertificateCheck": true}}),
        &store,
    );
    install(&mut h, "CentralSystemRootCertificate", "01");
    let (_, _, options) = store.state().installs[0];
    assert_eq!(options.max_certificates, Some(3));
    assert!(options.additional_root_certificate_check);
}

#[test]
fn every_refusal_of_the_store_is_rejected_with_a_logged_event_that_is_not_sent() {
    for (result, tech_info) in [
        (InstallCertificateResult::InvalidFormat, "InvalidFormat"),
        (
            InstallCertificateResult::NotACertificateAuthority,
            "NotACertificateAuthority",
        ),
        (InstallCertificateResult::Expired, "Expired"),
        (
            InstallCertificateResult::NoRootCertificateInstalled,
            "NoRootCertificateInstalled",
        ),
        (
            InstallCertificateResult::InvalidSignature,
            "InvalidSignature",
        ),
        (
            InstallCertificateResult::CertificateStoreMaxLengthExceeded,
            "CertificateStoreMaxLengthExceeded",
        ),
    ] {
        for certificate_type in [
            "CentralSystemRootCertificate",
            "ManufacturerRootCertificate",
        ] {
            let store = FakeStore::default();
            store.state().install_result = Some(result);
            let mut h = harness(json!({}), &store);
            h.commands();
            assert_eq!(
                install(&mut h, certificate_type, "01"),
                json!({"status": "Rejected"}),
                "{result:?}"
            );
            let events = security_events(&mut h);
            assert_eq!(events.len(), 1, "{result:?}");
            assert_eq!(events[0].kind.as_str(), "InvalidCentralSystemCertificate");
            assert_eq!(
                events[0].tech_info.as_ref().map(|t| t.as_str()),
                Some(tech_info)
            );
            assert_eq!(events[0].timestamp, DateTime::parse(T0).unwrap());
            h.assert_silent();
            assert_eq!(h.stored_messages(), vec![], "not queued for the CSMS");
            assert!(h.cp.snapshot().certificates.is_empty());
        }
    }
}

#[test]
fn a_write_error_is_failed_without_an_event() {
    let store = FakeStore::default();
    store.state().install_result = Some(InstallCertificateResult::WriteError);
    let mut h = harness(json!({}), &store);
    h.commands();
    assert_eq!(
        install(&mut h, "CentralSystemRootCertificate", "01"),
        json!({"status": "Failed"})
    );
    assert_eq!(security_events(&mut h), vec![]);
    h.assert_silent();
}

fn delete(h: &mut Harness, serial: &str) -> Value {
    h.csms_call_ok(
        "DeleteCertificate",
        json!({"certificateHashData": hash_json(serial)}),
    )
}

#[test]
fn delete_answers_accepted_then_not_found() {
    let store = FakeStore::default()
        .with(CaCertificateType::Csms, "01", false)
        .with(CaCertificateType::Mf, "fff", false);
    let mut h = harness(json!({}), &store);
    assert_eq!(h.cp.snapshot().certificates.len(), 2);
    // Another case and a leading zero name the same certificate.
    assert_eq!(delete(&mut h, "0FFF"), json!({"status": "Accepted"}));
    assert_eq!(store.serials(), vec!["01".to_owned()]);
    assert_eq!(h.cp.snapshot().certificates.len(), 1);
    assert_eq!(delete(&mut h, "0FFF"), json!({"status": "NotFound"}));
    assert_eq!(delete(&mut h, "02"), json!({"status": "NotFound"}));
    h.assert_silent();
}

#[test]
fn delete_fails_for_the_charge_point_certificate_and_a_write_error() {
    let store = FakeStore::default().with(CaCertificateType::Mf, "01", false);
    store.state().own_certificate = Some("c0ffee".to_owned());
    let mut h = harness(json!({}), &store);
    assert_eq!(delete(&mut h, "C0FFEE"), json!({"status": "Failed"}));
    store.state().delete_fails = true;
    assert_eq!(delete(&mut h, "01"), json!({"status": "Failed"}));
    assert_eq!(store.serials(), vec!["01".to_owned()]);
    h.assert_silent();
}

#[test]
fn the_last_csms_root_stays_at_security_profile_2_and_3() {
    let key = "0123456789abcdef0123";
    for profile in [2, 3] {
        let store = FakeStore::default()
            .with(CaCertificateType::Csms, "01", false)
            .with(CaCertificateType::Mf, "02", false);
        let mut h = harness(
            json!({"Security": {"SecurityProfile": profile, "AuthorizationKey": key}}),
            &store,
        );
        assert_eq!(
            delete(&mut h, "01"),
            json!({"status": "Failed"}),
            "{profile}"
        );
        assert_eq!(store.serials(), vec!["01".to_owned(), "02".to_owned()]);
        // The last manufacturer root is not needed to connect.
        assert_eq!(delete(&mut h, "02"), json!({"status": "Accepted"}));
    }
    // With another CSMS root (or the fallback) left, it goes.
    let store = FakeStore::default()
        .with(CaCertificateType::Csms, "01", false)
        .with(CaCertificateType::Csms, "00", true);
    let mut h = harness(
        json!({"Security": {"SecurityProfile": 2, "AuthorizationKey": key}}),
        &store,
    );
    assert_eq!(delete(&mut h, "01"), json!({"status": "Accepted"}));
    assert_eq!(delete(&mut h, "00"), json!({"status": "Failed"}));
    // At profile 1 nothing needs it.
    let store = FakeStore::default().with(CaCertificateType::Csms, "01", false);
    let mut h = harness(
        json!({"Security": {"SecurityProfile": 1, "AuthorizationKey": key}}),
        &store,
    );
    assert_eq!(delete(&mut h, "01"), json!({"status": "Accepted"}));
    assert_eq!(store.serials(), Vec::<String>::new());
}

#[test]
fn a_verified_connection_drops_the_fallback_root_from_the_snapshot() {
    let store = FakeStore::default()
        .with(CaCertificateType::Csms, "02", false)
        .with(CaCertificateType::Csms, "01", true);
    let mut h = harness(json!({}), &store);
    assert_eq!(h.cp.snapshot().certificates.len(), 2);
    h.cp.handle_csms_root_verified();
    let shown = h.cp.snapshot().certificates;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].subject, "CN=02");
    assert!(!shown[0].fallback);
    assert_eq!(store.serials(), vec!["02".to_owned()]);
}

#[test]
fn the_charge_point_certificate_is_shown_too() {
    let store = FakeStore::default().with(CaCertificateType::Csms, "01", false);
    {
        let mut state = store.state();
        state.own_certificate = Some("c0ffee".to_owned());
        state.own_subject = Some("CN=cp001".to_owned());
    }
    let h = harness(json!({}), &store);
    assert_eq!(
        h.cp.snapshot().own_certificates,
        vec![LeafCertificate {
            kind: LeafCertificateType::Csms,
            subject: "CN=cp001".to_owned(),
            not_after: not_after(),
            serial_number: "c0ffee".to_owned(),
        }]
    );
}

#[test]
fn without_a_store_the_three_calls_are_not_supported() {
    let mut h = Harness::registered(json!({}), 1);
    // Each CALL has its own id (the harness numbers them: a repeated id is a replay).
    for (n, (action, payload)) in [
        (
            "InstallCertificate",
            json!({"certificateType": "CentralSystemRootCertificate", "certificate": "x"}),
        ),
        (
            "GetInstalledCertificateIds",
            json!({"certificateType": "CentralSystemRootCertificate"}),
        ),
        (
            "DeleteCertificate",
            json!({"certificateHashData": hash_json("01")}),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            h.csms_call(action, payload),
            vec![Frame::Error {
                id: format!("csms-{}", n + 1),
                code: "NotSupported".to_owned()
            }],
            "{action}"
        );
    }
    assert!(h.cp.snapshot().certificates.is_empty());
}
