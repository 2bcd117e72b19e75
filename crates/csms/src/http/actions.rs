//! `GET /api/v1/actions`: the actions a central system sends, each with its feature profile
//! and the official OCPP 1.6 JSON schema of its request (crates/csms/schemas/v16, copied
//! unchanged from the PyPI `ocpp` package that tests/schema checks every message type
//! against), and for DataTransfer the ready-made payloads of the Plug&Charge and California
//! Pricing messages a CSMS sends; for SignedUpdateFirmware, when the CSMS has a firmware
//! signing certificate (the development PKI's), one that carries it. The web UI builds its
//! forms from these.

use axum::response::Response;
use ocpp_types::Action;
use serde::Serialize;
use serde_json::{json, Value};

use super::{to_json, ApiState};

/// The request schemas, by action.
const SCHEMAS: &[(&str, &str)] = &[
    (
        "CancelReservation",
        include_str!("../../schemas/v16/CancelReservation.json"),
    ),
    (
        "CertificateSigned",
        include_str!("../../schemas/v16/CertificateSigned.json"),
    ),
    (
        "ChangeAvailability",
        include_str!("../../schemas/v16/ChangeAvailability.json"),
    ),
    (
        "ChangeConfiguration",
        include_str!("../../schemas/v16/ChangeConfiguration.json"),
    ),
    (
        "ClearCache",
        include_str!("../../schemas/v16/ClearCache.json"),
    ),
    (
        "ClearChargingProfile",
        include_str!("../../schemas/v16/ClearChargingProfile.json"),
    ),
    (
        "DataTransfer",
        include_str!("../../schemas/v16/DataTransfer.json"),
    ),
    (
        "DeleteCertificate",
        include_str!("../../schemas/v16/DeleteCertificate.json"),
    ),
    (
        "ExtendedTriggerMessage",
        include_str!("../../schemas/v16/ExtendedTriggerMessage.json"),
    ),
    (
        "GetCompositeSchedule",
        include_str!("../../schemas/v16/GetCompositeSchedule.json"),
    ),
    (
        "GetConfiguration",
        include_str!("../../schemas/v16/GetConfiguration.json"),
    ),
    (
        "GetDiagnostics",
        include_str!("../../schemas/v16/GetDiagnostics.json"),
    ),
    (
        "GetInstalledCertificateIds",
        include_str!("../../schemas/v16/GetInstalledCertificateIds.json"),
    ),
    (
        "GetLocalListVersion",
        include_str!("../../schemas/v16/GetLocalListVersion.json"),
    ),
    ("GetLog", include_str!("../../schemas/v16/GetLog.json")),
    (
        "InstallCertificate",
        include_str!("../../schemas/v16/InstallCertificate.json"),
    ),
    (
        "RemoteStartTransaction",
        include_str!("../../schemas/v16/RemoteStartTransaction.json"),
    ),
    (
        "RemoteStopTransaction",
        include_str!("../../schemas/v16/RemoteStopTransaction.json"),
    ),
    (
        "ReserveNow",
        include_str!("../../schemas/v16/ReserveNow.json"),
    ),
    ("Reset", include_str!("../../schemas/v16/Reset.json")),
    (
        "SendLocalList",
        include_str!("../../schemas/v16/SendLocalList.json"),
    ),
    (
        "SetChargingProfile",
        include_str!("../../schemas/v16/SetChargingProfile.json"),
    ),
    (
        "SignedUpdateFirmware",
        include_str!("../../schemas/v16/SignedUpdateFirmware.json"),
    ),
    (
        "TriggerMessage",
        include_str!("../../schemas/v16/TriggerMessage.json"),
    ),
    (
        "UnlockConnector",
        include_str!("../../schemas/v16/UnlockConnector.json"),
    ),
    (
        "UpdateFirmware",
        include_str!("../../schemas/v16/UpdateFirmware.json"),
    ),
];

/// One action of the list.
#[derive(Debug, Serialize)]
pub(crate) struct ActionInfo {
    action: &'static str,
    profile: &'static str,
    schema: Value,
    /// Ready-made payloads: `{"name", "payload"}`.
    templates: Vec<Value>,
}

/// The vendorId of the Plug&Charge whitepaper's DataTransfer messages.
const PNC: &str = "org.openchargealliance.iso15118pnc";
/// The vendorId of the California Pricing whitepaper's DataTransfer messages.
const COSTMSG: &str = "org.openchargealliance.costmsg";

/// A DataTransfer payload whose `data` is `inner` as JSON text (how both whitepapers carry
/// their messages).
fn data_transfer(vendor: &str, message: &str, inner: Value) -> Value {
    json!({"vendorId": vendor, "messageId": message, "data": inner.to_string()})
}

/// The DataTransfer messages a CSMS sends under Plug&Charge (OCPP 1.6 PnC whitepaper, with
/// OCPP 2.0.1's payloads) and California Pricing, each with sample values to edit.
fn data_transfer_templates() -> Vec<Value> {
    let pem = "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----";
    let hash = json!({"hashAlgorithm": "SHA256", "issuerNameHash": "0000", "issuerKeyHash": "0000", "serialNumber": "01"});
    [
        ("Plug&Charge: CertificateSigned", data_transfer(PNC, "CertificateSigned", json!({"certificateChain": pem, "certificateType": "V2GCertificate"}))),
        ("Plug&Charge: TriggerMessage (sign V2G certificate)", data_transfer(PNC, "TriggerMessage", json!({"requestedMessage": "SignV2GCertificate"}))),
        ("Plug&Charge: InstallCertificate", data_transfer(PNC, "InstallCertificate", json!({"certificateType": "V2GRootCertificate", "certificate": pem}))),
        ("Plug&Charge: DeleteCertificate", data_transfer(PNC, "DeleteCertificate", json!({"certificateHashData": hash}))),
        ("Plug&Charge: GetInstalledCertificateIds", data_transfer(PNC, "GetInstalledCertificateIds", json!({"certificateType": ["V2GRootCertificate"]}))),
        ("California Pricing: SetUserPrice", data_transfer(COSTMSG, "SetUserPrice", json!({"idToken": "DEADBEEF", "priceText": "0.25 $/kWh, 2.00 $/hour after 2 hours"}))),
        ("California Pricing: FinalCost", data_transfer(COSTMSG, "FinalCost", json!({"transactionId": 1, "cost": 3.31, "priceText": "$3.31 @ $0.12/kWh"}))),
        ("California Pricing: RunningCost", data_transfer(COSTMSG, "RunningCost", json!({"transactionId": 1, "timestamp": "2026-01-01T12:00:00Z", "meterValue": 1234, "cost": 1.50, "state": "Charging", "chargingPrice": {"kWhPrice": 0.12}, "idlePrice": {"idleGraceMinutes": 30, "idleHourPrice": 2.0}}))),
    ]
    .into_iter()
    .map(|(name, payload)| json!({"name": name, "payload": payload}))
    .collect()
}

/// A SignedUpdateFirmware with `certificate` as its signing certificate: the signature is the
/// one `ferrocharge pki sign-firmware FILE` prints for the file at `location`.
fn signed_update_firmware_template(certificate: &str) -> Value {
    json!({
        "name": "SignedUpdateFirmware with the dev PKI's signing certificate",
        "payload": {
            "requestId": 1,
            "firmware": {
                "location": "http://127.0.0.1:8000/firmware.bin",
                "retrieveDateTime": "2026-01-01T00:00:00Z",
                "signingCertificate": certificate,
                "signature": "the signature `ferrocharge pki sign-firmware FILE` prints"
            }
        }
    })
}

/// Every CSMS-initiated action with its schema, in the order of [`Action::ALL`] (by feature
/// profile); `signing_certificate` makes SignedUpdateFirmware's template.
pub(crate) fn all(signing_certificate: Option<&str>) -> Vec<ActionInfo> {
    Action::ALL
        .iter()
        .filter(|a| a.initiator().central_system_may_send())
        .filter_map(|a| {
            let (_, text) = SCHEMAS.iter().find(|(name, _)| *name == a.as_str())?;
            let schema = serde_json::from_str(text).ok()?;
            Some(ActionInfo {
                action: a.as_str(),
                profile: a.profile().as_str(),
                schema,
                templates: match (a, signing_certificate) {
                    (Action::DataTransfer, _) => data_transfer_templates(),
                    (Action::SignedUpdateFirmware, Some(certificate)) => {
                        vec![signed_update_firmware_template(certificate)]
                    }
                    _ => Vec::new(),
                },
            })
        })
        .collect()
}

/// `GET /api/v1/actions`.
pub(crate) async fn list(axum::extract::State(api): ApiState) -> Response {
    to_json(&all(api
        .shared
        .options
        .firmware_signing_certificate
        .as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpp_types::cost_and_price::{AnyCostMessage, CostMessageId};
    use ocpp_types::pnc::{AnyPncRequest, PncMessageId};
    use ocpp_types::{AnyRequest, Initiator};

    #[test]
    fn every_csms_action_has_its_schema() {
        let listed: Vec<&str> = all(None).iter().map(|a| a.action).collect();
        let expected: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| a.initiator() != Initiator::ChargePoint)
            .map(|a| a.as_str())
            .collect();
        assert_eq!(listed, expected);
        assert_eq!(listed.len(), 26);
        for info in all(None) {
            assert_eq!(info.schema["type"], "object", "{}", info.action);
        }
    }

    #[test]
    fn a_signing_certificate_makes_a_signed_update_firmware_template() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let templates = |certificate| {
            all(certificate)
                .into_iter()
                .find(|a| a.action == "SignedUpdateFirmware")
                .map(|a| a.templates)
                .unwrap_or_default()
        };
        assert_eq!(templates(None), Vec::<Value>::new());
        let [template] = &templates(Some(pem))[..] else {
            panic!("one template");
        };
        let payload = &template["payload"];
        assert_eq!(payload["firmware"]["signingCertificate"], pem);
        let decoded = AnyRequest::decode(Action::SignedUpdateFirmware, payload);
        assert!(decoded.is_ok(), "{template}: {decoded:?}");
    }

    #[test]
    fn the_data_transfer_templates_are_valid_requests() {
        for template in data_transfer_templates() {
            let payload = &template["payload"];
            let decoded = AnyRequest::decode(Action::DataTransfer, payload);
            assert!(decoded.is_ok(), "{template}: {decoded:?}");
            let data = payload["data"].as_str();
            let message = payload["messageId"].as_str().unwrap_or_default();
            let inner = match payload["vendorId"].as_str() {
                Some(PNC) => message
                    .parse::<PncMessageId>()
                    .ok()
                    .map(|id| AnyPncRequest::decode_data(id, data).map(drop)),
                Some(COSTMSG) => message
                    .parse::<CostMessageId>()
                    .ok()
                    .map(|id| AnyCostMessage::decode_data(id, data).map(drop)),
                _ => None,
            };
            assert!(matches!(inner, Some(Ok(()))), "{template}: {inner:?}");
        }
    }
}
