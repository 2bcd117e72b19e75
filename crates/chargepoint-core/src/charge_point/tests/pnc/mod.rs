//! Plug&Charge over DataTransfer (`pnc/`) with a fake certificate store: the keys, routing,
//! every message both ways with its exact JSON (`certificates.rs`), and the decisions of
//! Authorize and the passing through of Get15118EVCertificate (`authorize.rs`).

mod authorize;
mod certificates;

use std::sync::{Arc, Mutex};

use ocpp_types::pnc::{AuthorizationStatusEnum, AuthorizeCertificateStatusEnum};
use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::{CiString, DateTime};
use serde_json::{json, Value};

use super::Harness;
use crate::charge_point::evse_security::{
    CaCertificateType, CertificateChainHashData, CertificateValidationResult, CsrError, CsrRequest,
    DeleteCertificateResult, EvseSecurity, InstallCertificateResult, InstallOptions,
    InstalledCertificate, LeafCertificate, LeafCertificateType, OcspRequest,
};
use crate::charge_point::pnc::{PncCommand, PncEvent};
use crate::charge_point::{ChargePoint, MemoryStore, StationCommand};

pub(super) const VENDOR: &str = "org.openchargealliance.iso15118pnc";

pub(super) fn hash_of(serial: &str) -> CertificateHashData {
    CertificateHashData {
        hash_algorithm: HashAlgorithm::Sha256,
        issuer_name_hash: CiString::new("aa11").unwrap(),
        issuer_key_hash: CiString::new("bb22").unwrap(),
        serial_number: CiString::new(serial).unwrap(),
    }
}

pub(super) fn hash_json(serial: &str) -> Value {
    json!({"hashAlgorithm": "SHA256", "issuerNameHash": "aa11", "issuerKeyHash": "bb22",
           "serialNumber": serial})
}

pub(super) fn ocsp(serial: &str) -> OcspRequest {
    OcspRequest {
        hash_data: hash_of(serial),
        responder_url: format!("http://ocsp.example/{serial}"),
    }
}

pub(super) fn ocsp_json(serial: &str) -> Value {
    let mut v = hash_json(serial);
    v["responderURL"] = json!(format!("http://ocsp.example/{serial}"));
    v
}

#[derive(Debug)]
pub(super) struct State {
    pub(super) installed: Vec<(CaCertificateType, String)>,
    pub(super) contract: CertificateValidationResult,
    pub(super) contract_ocsp: Vec<OcspRequest>,
    pub(super) v2g_ocsp: Vec<OcspRequest>,
    pub(super) ocsp_cache: Vec<(String, String)>,
    pub(super) csrs: Vec<CsrRequest>,
    pub(super) secc_chains: Vec<CertificateChainHashData>,
    pub(super) secc_not_after: Option<DateTime>,
    pub(super) leaf_result: InstallCertificateResult,
    pub(super) leaf_updates: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Fake(pub(super) Arc<Mutex<State>>);

impl Fake {
    pub(super) fn new() -> Fake {
        Fake(Arc::new(Mutex::new(State {
            installed: Vec::new(),
            contract: CertificateValidationResult::Valid,
            contract_ocsp: vec![ocsp("c1")],
            v2g_ocsp: Vec::new(),
            ocsp_cache: Vec::new(),
            csrs: Vec::new(),
            secc_chains: Vec::new(),
            secc_not_after: None,
            leaf_result: InstallCertificateResult::Accepted,
            leaf_updates: Vec::new(),
        })))
    }

    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }
}

impl EvseSecurity for Fake {
    fn install_ca_certificate(
        &mut self,
        pem: &str,
        kind: CaCertificateType,
        _options: &InstallOptions,
    ) -> InstallCertificateResult {
        if pem == "garbage" {
            return InstallCertificateResult::InvalidFormat;
        }
        self.state().installed.push((kind, pem.to_owned()));
        InstallCertificateResult::Accepted
    }

    fn delete_certificate(&mut self, hash_data: &CertificateHashData) -> DeleteCertificateResult {
        let mut state = self.state();
        let serial = hash_data.serial_number.as_str().to_owned();
        let before = state.installed.len();
        state.installed.retain(|(_, s)| *s != serial);
        if state.installed.len() < before {
            DeleteCertificateResult::Accepted
        } else {
            DeleteCertificateResult::NotFound
        }
    }

    fn installed_certificates(
        &self,
        kinds: &[CaCertificateType],
        algorithm: HashAlgorithm,
    ) -> Vec<InstalledCertificate> {
        let state = self.state();
        kinds
            .iter()
            .flat_map(|k| state.installed.iter().filter(move |(kind, _)| kind == k))
            .map(|(kind, serial)| {
                let mut hash_data = hash_of(serial);
                hash_data.hash_algorithm = algorithm;
                InstalledCertificate {
                    kind: *kind,
                    hash_data,
                    subject: format!("CN={serial}"),
                    not_after: DateTime::parse("2036-01-01T00:00:00Z").unwrap(),
                    fallback: false,
                }
            })
            .collect()
    }

    fn csms_root_connected(&mut self) -> bool {
        false
    }

    fn leaf_certificates(&self) -> Vec<LeafCertificate> {
        let state = self.state();
        state
            .secc_not_after
            .map(|not_after| LeafCertificate {
                kind: LeafCertificateType::V2g,
                subject: "CN=SECC".to_owned(),
                not_after,
                serial_number: "5ecc".to_owned(),
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
        CertificateValidationResult::Valid
    }

    fn update_leaf_certificate(
        &mut self,
        chain: &str,
        kind: LeafCertificateType,
        _now: DateTime,
    ) -> InstallCertificateResult {
        assert_eq!(kind, LeafCertificateType::V2g);
        let mut state = self.state();
        state.leaf_updates.push(chain.to_owned());
        state.leaf_result
    }

    fn generate_certificate_signing_request(
        &mut self,
        request: &CsrRequest,
    ) -> Result<String, CsrError> {
        let mut state = self.state();
        state.csrs.push(request.clone());
        Ok(format!("CSR{}", state.csrs.len()))
    }

    fn verify_contract_certificate(
        &self,
        _chain: &str,
        _now: DateTime,
    ) -> CertificateValidationResult {
        self.state().contract
    }

    fn contract_ocsp_request_data(&self, _chain: &str) -> Vec<OcspRequest> {
        self.state().contract_ocsp.clone()
    }

    fn v2g_ocsp_request_data(&self) -> Vec<OcspRequest> {
        self.state().v2g_ocsp.clone()
    }

    fn update_ocsp_cache(
        &mut self,
        hash_data: &CertificateHashData,
        ocsp_response: &str,
    ) -> Result<(), String> {
        self.state().ocsp_cache.push((
            hash_data.serial_number.as_str().to_owned(),
            ocsp_response.to_owned(),
        ));
        Ok(())
    }

    fn v2g_certificate_chains(&self, _algorithm: HashAlgorithm) -> Vec<CertificateChainHashData> {
        self.state().secc_chains.clone()
    }

    fn verify_firmware_signing_certificate(
        &self,
        _chain: &str,
        _now: ocpp_types::DateTime,
    ) -> crate::charge_point::evse_security::CertificateValidationResult {
        crate::charge_point::evse_security::CertificateValidationResult::InvalidFormat
    }
}

/// The PnC keys on, CpoName set, and `patch` over them. SupportedFeatureProfiles does not list
/// PnC, as in EVerest's libocpp-config-iso-pnc.json: the section brings the profile.
pub(super) fn pnc_config(patch: Value) -> Value {
    let mut base = json!({
        "Security": {"CpoName": "ExampleCPO"},
        "PnC": {"ISO15118PnCEnabled": true, "ISO15118CertificateManagementEnabled": true,
                "ContractValidationOffline": true, "CentralContractValidationAllowed": true}
    });
    crate::config::merge_patch::apply(&mut base, &patch);
    base
}

/// A registered charge point with `patch` and `store`.
pub(super) fn harness(patch: Value, store: &Fake) -> Harness {
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
    h.commands();
    h
}

/// The central system's PnC DataTransfer `message` with `data` (JSON text of it).
pub(super) fn pnc_call(h: &mut Harness, message: &str, data: Value) -> Value {
    h.csms_call_ok(
        "DataTransfer",
        json!({"vendorId": VENDOR, "messageId": message, "data": data.to_string()}),
    )
}

/// The inner answer of an Accepted DataTransfer.conf.
pub(super) fn inner(answer: &Value) -> Value {
    assert_eq!(answer["status"], "Accepted", "{answer}");
    serde_json::from_str(answer["data"].as_str().unwrap()).unwrap()
}

/// The one PnC DataTransfer the station sends now: (id, messageId, data).
pub(super) fn pnc_sent(h: &mut Harness) -> (String, String, Value) {
    let (id, action, payload) = h.call();
    assert_eq!(action, "DataTransfer");
    assert_eq!(payload["vendorId"], VENDOR);
    let data = serde_json::from_str(payload["data"].as_str().unwrap()).unwrap();
    (id, payload["messageId"].as_str().unwrap().to_owned(), data)
}

pub(super) fn answer_pnc(h: &mut Harness, id: &str, data: Value) {
    h.answer(id, json!({"status": "Accepted", "data": data.to_string()}));
}

pub(super) fn pnc_commands(h: &mut Harness) -> Vec<PncCommand> {
    h.commands()
        .into_iter()
        .filter_map(|c| match c {
            StationCommand::Pnc(c) => Some(c),
            _ => None,
        })
        .collect()
}
