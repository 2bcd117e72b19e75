//! Vendor-specific messages: DataTransfer (OCPP 1.6 §4.3 / §5.5, §6.17-6.18), sent by either
//! side. Plug&Charge ([`crate::pnc`]) and California Pricing ([`crate::cost_and_price`]) carry
//! their payloads as JSON text in `data`.

use serde::{Deserialize, Serialize};

use crate::{CiString255, CiString50};

/// The result of a DataTransfer (OCPP 1.6 §7.23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataTransferStatus {
    /// The message was accepted and processed.
    Accepted,
    /// The message was understood but refused.
    Rejected,
    /// The vendorId is known but the messageId is not.
    UnknownMessageId,
    /// The vendorId is not known.
    UnknownVendorId,
}

/// DataTransfer.req: a vendor-specific message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataTransferRequest {
    /// vendorId: identifies the vendor-specific extension, ideally a reversed DNS name.
    pub vendor_id: CiString255,
    /// messageId: identifies the message within the vendor's extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<CiString50>,
    /// data: the payload, as text of any length (a JSON object must be sent as a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// DataTransfer.conf: the result and an optional answer payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataTransferResponse {
    /// status: whether the message was accepted.
    pub status: DataTransferStatus,
    /// data: the answer payload, as text of any length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::{refused, round_trip};
    use crate::{CallErrorCode, Violation};

    #[test]
    fn data_transfer_round_trips() {
        let req: DataTransferRequest = round_trip(
            r#"{"vendorId":"org.openchargealliance.costmsg","messageId":"RunningCost",
                "data":"{\"transactionId\":1,\"cost\":2.5}"}"#,
        );
        assert_eq!(req.vendor_id, "org.openchargealliance.costmsg");
        assert_eq!(
            req.message_id.as_ref().map(|m| m.as_str()),
            Some("RunningCost")
        );
        assert_eq!(
            req.data.as_deref(),
            Some(r#"{"transactionId":1,"cost":2.5}"#)
        );

        let bare: DataTransferRequest = round_trip(r#"{"vendorId":"com.example"}"#);
        assert_eq!(bare.message_id, None);
        assert_eq!(bare.data, None);

        let long_data = format!(r#"{{"status":"Accepted","data":"{}"}}"#, "d".repeat(10_000));
        let resp: DataTransferResponse = round_trip(&long_data);
        assert_eq!(resp.status, DataTransferStatus::Accepted);
        let unknown: DataTransferResponse = round_trip(r#"{"status":"UnknownVendorId"}"#);
        assert_eq!(unknown.status, DataTransferStatus::UnknownVendorId);
    }

    #[test]
    fn refusals() {
        refused::<DataTransferRequest>(
            r#"{"messageId":"Hello"}"#,
            Violation::MissingField,
            CallErrorCode::FormationViolation,
            ".",
        );
        refused::<DataTransferRequest>(
            &format!(r#"{{"vendorId":"{}"}}"#, "v".repeat(256)),
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "vendorId",
        );
        refused::<DataTransferRequest>(
            r#"{"vendorId":"com.example","data":{"a":1}}"#,
            Violation::WrongType,
            CallErrorCode::FormationViolation,
            "data",
        );
        refused::<DataTransferResponse>(
            r#"{"status":"Accepted","vendorId":"com.example"}"#,
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
            "vendorId",
        );
        refused::<DataTransferResponse>(
            r#"{"status":"NotImplemented"}"#,
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
            "status",
        );
    }
}
