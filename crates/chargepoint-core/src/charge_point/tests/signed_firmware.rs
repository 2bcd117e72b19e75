//! SignedUpdateFirmware and SignedFirmwareStatusNotification (Security whitepaper): the
//! certificate check first, the answers, the status order with the requestId, the signature
//! steps, installDateTime, waiting for transactions, AcceptedCanceled / Rejected, Installed
//! after the restart, and ExtendedTriggerMessage.

use ocpp_types::core::Reason;
use ocpp_types::security::{CertificateHashData, HashAlgorithm};
use ocpp_types::DateTime;
use serde_json::{json, Value};

use super::{tag, Harness};
use crate::charge_point::events::{FirmwareProgress, FirmwareSignature};
use crate::charge_point::evse_security::{
    CaCertificateType, CertificateValidationResult, CsrError, CsrRequest, DeleteCertificateResult,
    EvseSecurity, InstallCertificateResult, InstallOptions, InstalledCertificate, LeafCertificate,
    LeafCertificateType,
};
use crate::charge_point::{ChargePoint, MemoryStore, StationCommand, StationEvent};

/// The signing certificate the fake store's manufacturer root issued.
const GOOD_CERT: &str =
    "-----BEGIN CERTIFICATE-----\nsigned by the MF root\n-----END CERTIFICATE-----";
const SIGNATURE: &str = "MEUCIQDsignature==";
const LOCATION: &str = "https://fw.example.com/cp-3.0.bin";

/// A certificate store whose only use here is the firmware signing certificate check: valid
/// for [`GOOD_CERT`], IssuerNotFound for anything else.
#[derive(Debug)]
struct MfRoots;

impl EvseSecurity for MfRoots {
    fn install_ca_certificate(
        &mut self,
        _pem: &str,
        _kind: CaCertificateType,
        _options: &InstallOptions,
    ) -> InstallCertificateResult {
        InstallCertificateResult::WriteError
    }
    fn delete_certificate(&mut self, _hash_data: &CertificateHashData) -> DeleteCertificateResult {
        DeleteCertificateResult::NotFound
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
        Vec::new()
    }
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
        chain: &str,
        _now: DateTime,
    ) -> CertificateValidationResult {
        if chain == GOOD_CERT {
            CertificateValidationResult::Valid
        } else {
            CertificateValidationResult::IssuerNotFound
        }
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

/// A registered station of `connectors` connectors with the fake store connected.
fn harness(connectors: u32) -> Harness {
    let mut h = Harness::new(json!({"Core": {"MeterValueSampleInterval": 0}}), connectors);
    with_roots(&mut h);
    h.connect();
    h.pump();
    h.commands();
    h
}

fn with_roots(h: &mut Harness) {
    let placeholder = ChargePoint::new(
        super::config(json!({})),
        Box::new(MemoryStore::default()),
        1,
        h.now,
    );
    let cp = std::mem::replace(&mut h.cp, placeholder);
    h.cp = cp.with_evse_security(Box::new(MfRoots));
}

fn sfsn(status: &str, request_id: i32) -> (String, Value) {
    (
        "SignedFirmwareStatusNotification".to_string(),
        json!({"status": status, "requestId": request_id}),
    )
}

/// SignedUpdateFirmware `request_id` with `certificate`, retrieveDateTime in `retrieve_in`
/// seconds and installDateTime in `install_in` seconds (if any); returns the answer's status.
fn signed_update(
    h: &mut Harness,
    request_id: i32,
    certificate: &str,
    retrieve_in: i64,
    install_in: Option<i64>,
) -> String {
    let mut firmware = json!({"location": LOCATION, "retrieveDateTime": h.at(retrieve_in),
        "signingCertificate": certificate, "signature": SIGNATURE});
    if let Some(secs) = install_in {
        firmware["installDateTime"] = json!(h.at(secs));
    }
    let answer = h.csms_call_ok(
        "SignedUpdateFirmware",
        json!({"requestId": request_id, "retries": 2, "retryInterval": 30,
               "firmware": firmware}),
    );
    answer["status"].as_str().unwrap().to_string()
}

fn download(request_id: u64) -> StationCommand {
    StationCommand::DownloadFirmware {
        request_id,
        location: LOCATION.to_string(),
        retries: Some(2),
        retry_interval_s: Some(30),
        signed: Some(FirmwareSignature {
            signature: SIGNATURE.to_string(),
            signing_certificate: GOOD_CERT.to_string(),
        }),
    }
}

fn progress(h: &mut Harness, request_id: u64, status: FirmwareProgress) {
    h.event(StationEvent::FirmwareStatus { request_id, status });
}

fn trigger(h: &mut Harness) -> Vec<(String, Value)> {
    let answer = h.csms_call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "FirmwareStatusNotification"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    h.pump_no_heartbeats()
}

fn security_event(sent: &(String, Value)) -> Option<&str> {
    (sent.0 == "SecurityEventNotification").then(|| sent.1["type"].as_str().unwrap())
}

fn is_security_log(command: &StationCommand) -> bool {
    matches!(command, StationCommand::SecurityEvent(_))
}

#[test]
fn a_signing_certificate_not_from_the_manufacturer_root_is_refused_before_anything_else() {
    let mut h = harness(1);
    let other = "-----BEGIN CERTIFICATE-----\nsomeone else\n-----END CERTIFICATE-----";
    assert_eq!(
        signed_update(&mut h, 7, other, 0, None),
        "InvalidCertificate"
    );
    let commands = h.commands();
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert!(is_security_log(&commands[0]), "logged, nothing downloaded");
    let sent = h.pump_no_heartbeats();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        security_event(&sent[0]),
        Some("InvalidFirmwareSigningCertificate")
    );
    assert_eq!(
        sent[0].1["techInfo"],
        "Certificate is invalid: IssuerNotFound"
    );
    assert_eq!(
        trigger(&mut h),
        vec![(
            "SignedFirmwareStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

#[test]
fn without_a_certificate_store_the_certificate_is_invalid() {
    let mut h = Harness::registered(json!({}), 1);
    h.commands();
    assert_eq!(
        signed_update(&mut h, 7, GOOD_CERT, 0, None),
        "InvalidCertificate"
    );
    assert!(h.commands().iter().all(is_security_log));
    let sent = h.pump_no_heartbeats();
    assert_eq!(
        sent.iter().filter_map(security_event).collect::<Vec<_>>(),
        ["InvalidFirmwareSigningCertificate"]
    );
}

#[test]
fn a_valid_update_reports_every_step_with_its_request_id_and_restarts() {
    let mut h = harness(1);
    assert_eq!(signed_update(&mut h, 42, GOOD_CERT, 600, None), "Accepted");
    assert_eq!(
        h.commands(),
        vec![],
        "the download waits for retrieveDateTime"
    );
    assert_eq!(h.pump_no_heartbeats(), vec![sfsn("DownloadScheduled", 42)]);
    assert_eq!(trigger(&mut h), vec![sfsn("DownloadScheduled", 42)]);
    h.advance(599);
    assert_eq!(h.commands(), vec![]);
    h.advance(1);
    assert_eq!(h.commands(), vec![download(1)]);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    assert_eq!(h.commands(), vec![], "no installation before the signature");
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![sfsn("Downloading", 42), sfsn("Downloaded", 42)]
    );
    assert_eq!(trigger(&mut h), vec![sfsn("Downloaded", 42)]);
    progress(&mut h, 1, FirmwareProgress::SignatureVerified);
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::SetAvailability {
                connector: 1,
                operative: false
            },
            StationCommand::InstallFirmware { request_id: 1 }
        ]
    );
    progress(&mut h, 1, FirmwareProgress::Installing);
    progress(&mut h, 1, FirmwareProgress::Installed);
    assert_eq!(
        h.commands(),
        vec![],
        "the restart waits for InstallRebooting"
    );
    let sent = h.pump_no_heartbeats();
    assert_eq!(
        sent,
        vec![
            sfsn("SignatureVerified", 42),
            h.status(1, "Unavailable", 600),
            sfsn("Installing", 42),
            sfsn("InstallRebooting", 42),
        ]
    );
    assert_eq!(
        h.commands(),
        vec![StationCommand::FirmwareRestart {
            request_id: 1,
            signed_request_id: Some(42)
        }]
    );
}

#[test]
fn installed_goes_after_the_restart_once_registered() {
    let mut h = Harness::new(json!({}), 1);
    h.cp.signed_firmware_installed(42);
    h.connect();
    let sent = h.pump();
    let actions: Vec<&str> = sent.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "BootNotification",
            "StatusNotification",
            "StatusNotification",
            "SignedFirmwareStatusNotification"
        ]
    );
    assert_eq!(sent[3], sfsn("Installed", 42));
    // Sent once: the update is over.
    h.disconnect();
    h.connect();
    assert!(h
        .pump_no_heartbeats()
        .iter()
        .all(|(action, _)| action == "StatusNotification"));
    assert_eq!(
        trigger(&mut h),
        vec![(
            "SignedFirmwareStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

#[test]
fn a_bad_signature_ends_the_update_with_its_security_event_and_installs_nothing() {
    let mut h = harness(1);
    assert_eq!(signed_update(&mut h, 5, GOOD_CERT, 0, None), "Accepted");
    assert_eq!(h.commands(), vec![download(1)]);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    progress(&mut h, 1, FirmwareProgress::InvalidSignature);
    let commands = h.commands();
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert!(is_security_log(&commands[0]), "no installation");
    let sent = h.pump_no_heartbeats();
    assert_eq!(
        sent[..3],
        [
            sfsn("Downloading", 5),
            sfsn("Downloaded", 5),
            sfsn("InvalidSignature", 5)
        ]
    );
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert_eq!(security_event(&sent[3]), Some("InvalidFirmwareSignature"));
    // Later reports of the ended update change nothing.
    progress(&mut h, 1, FirmwareProgress::Installed);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(
        trigger(&mut h),
        vec![(
            "SignedFirmwareStatusNotification".to_string(),
            json!({"status": "Idle"})
        )]
    );
}

#[test]
fn signature_steps_out_of_turn_are_ignored() {
    let mut h = harness(1);
    signed_update(&mut h, 5, GOOD_CERT, 0, None);
    h.commands();
    progress(&mut h, 1, FirmwareProgress::Downloading);
    // Not downloaded yet: no verification result can come.
    progress(&mut h, 1, FirmwareProgress::SignatureVerified);
    progress(&mut h, 1, FirmwareProgress::Installing);
    assert_eq!(h.commands(), vec![]);
    assert_eq!(h.pump_no_heartbeats(), vec![sfsn("Downloading", 5)]);
}

#[test]
fn an_install_date_in_the_future_is_waited_for() {
    let mut h = harness(1);
    assert_eq!(
        signed_update(&mut h, 9, GOOD_CERT, 0, Some(3600)),
        "Accepted"
    );
    assert_eq!(h.commands(), vec![download(1)]);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    progress(&mut h, 1, FirmwareProgress::SignatureVerified);
    assert_eq!(
        h.commands(),
        vec![],
        "charging goes on until installDateTime"
    );
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![
            sfsn("Downloading", 9),
            sfsn("Downloaded", 9),
            sfsn("SignatureVerified", 9),
            sfsn("InstallScheduled", 9)
        ]
    );
    h.advance(3599);
    assert_eq!(h.commands(), vec![]);
    h.advance(1);
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::SetAvailability {
                connector: 1,
                operative: false
            },
            StationCommand::InstallFirmware { request_id: 1 }
        ]
    );
}

#[test]
fn the_installation_waits_for_the_running_transaction() {
    let mut h = harness(2);
    h.event(StationEvent::PluggedIn { connector: 1 });
    h.event(StationEvent::TransactionStarted {
        connector: 1,
        id_tag: tag("A"),
        meter_start_wh: 0,
        reservation_id: None,
    });
    h.pump();
    h.commands();
    signed_update(&mut h, 3, GOOD_CERT, 0, None);
    assert_eq!(h.commands(), vec![download(1)]);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    progress(&mut h, 1, FirmwareProgress::SignatureVerified);
    assert_eq!(
        h.commands(),
        vec![StationCommand::SetAvailability {
            connector: 2,
            operative: false
        }],
        "the free connector only"
    );
    h.advance(600);
    assert_eq!(h.commands(), vec![]);
    h.event(StationEvent::TransactionStopped {
        connector: 1,
        meter_stop_wh: 5000,
        reason: Reason::Local,
        id_tag: None,
    });
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::SetAvailability {
                connector: 1,
                operative: false
            },
            StationCommand::InstallFirmware { request_id: 1 }
        ]
    );
}

#[test]
fn a_new_request_cancels_the_update_under_way_and_is_rejected_while_installing() {
    let mut h = harness(1);
    assert_eq!(signed_update(&mut h, 1, GOOD_CERT, 0, None), "Accepted");
    assert_eq!(h.commands(), vec![download(1)]);
    progress(&mut h, 1, FirmwareProgress::Downloading);
    h.pump_no_heartbeats();
    assert_eq!(
        signed_update(&mut h, 2, GOOD_CERT, 0, None),
        "AcceptedCanceled"
    );
    assert_eq!(
        h.commands(),
        vec![
            StationCommand::CancelFirmware { request_id: 1 },
            download(2)
        ]
    );
    // The cancelled update's reports are not passed on.
    progress(&mut h, 1, FirmwareProgress::Downloaded);
    assert_eq!(h.pump_no_heartbeats(), vec![]);
    progress(&mut h, 2, FirmwareProgress::Downloading);
    progress(&mut h, 2, FirmwareProgress::Downloaded);
    progress(&mut h, 2, FirmwareProgress::SignatureVerified);
    progress(&mut h, 2, FirmwareProgress::Installing);
    h.commands();
    assert_eq!(signed_update(&mut h, 3, GOOD_CERT, 0, None), "Rejected");
    assert_eq!(h.commands(), vec![]);
    assert_eq!(trigger(&mut h).last(), Some(&sfsn("Installing", 2)));
}

#[test]
fn a_signed_request_cancels_a_plain_update_and_a_plain_one_leaves_a_signed_one_alone() {
    let mut h = harness(1);
    let retrieve_date = h.at(3600);
    h.csms_call_ok(
        "UpdateFirmware",
        json!({"location": "ftp://fw.example.com/old.bin", "retrieveDate": retrieve_date}),
    );
    assert_eq!(
        signed_update(&mut h, 4, GOOD_CERT, 0, None),
        "AcceptedCanceled"
    );
    assert_eq!(
        h.commands(),
        vec![download(2)],
        "the plain one was not downloading yet"
    );
    h.csms_call_ok(
        "UpdateFirmware",
        json!({"location": "ftp://fw.example.com/old.bin", "retrieveDate": h.at(0)}),
    );
    assert_eq!(h.commands(), vec![], "ignored");
    progress(&mut h, 2, FirmwareProgress::Downloading);
    assert_eq!(h.pump_no_heartbeats(), vec![sfsn("Downloading", 4)]);
}

#[test]
fn download_failed_ends_the_update() {
    let mut h = harness(1);
    signed_update(&mut h, 8, GOOD_CERT, 0, None);
    h.commands();
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::DownloadFailed);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![sfsn("Downloading", 8), sfsn("DownloadFailed", 8)]
    );
    assert_eq!(h.commands(), vec![]);
    assert_eq!(signed_update(&mut h, 9, GOOD_CERT, 0, None), "Accepted");
}

#[test]
fn each_failed_attempt_is_reported_with_the_request_id() {
    // everest-core test_signed_update_firmware_retries: retries 2 gives three attempts, each
    // reported Downloading then DownloadFailed with the requestId; the update ends after the
    // third.
    let mut h = harness(1);
    signed_update(&mut h, 8, GOOD_CERT, 0, None);
    h.commands();
    for _ in 0..2 {
        progress(&mut h, 1, FirmwareProgress::Downloading);
        progress(&mut h, 1, FirmwareProgress::DownloadAttemptFailed);
        assert_eq!(
            h.pump_no_heartbeats(),
            vec![sfsn("Downloading", 8), sfsn("DownloadFailed", 8)]
        );
    }
    progress(&mut h, 1, FirmwareProgress::Downloading);
    progress(&mut h, 1, FirmwareProgress::DownloadFailed);
    assert_eq!(
        h.pump_no_heartbeats(),
        vec![sfsn("Downloading", 8), sfsn("DownloadFailed", 8)]
    );
    assert_eq!(h.commands(), vec![]);
    assert_eq!(signed_update(&mut h, 9, GOOD_CERT, 0, None), "Accepted");
}
