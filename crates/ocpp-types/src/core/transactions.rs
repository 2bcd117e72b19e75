//! Authorization and transactions: Authorize (OCPP 1.6 §4.1, §6.1-6.2), StartTransaction
//! (§4.8, §6.45-6.46), StopTransaction (§4.10, §6.49-6.50), MeterValues (§4.7, §6.31-6.32),
//! RemoteStartTransaction (§5.11, §6.33-6.34) and RemoteStopTransaction (§5.12, §6.35-6.36).

use serde::{Deserialize, Serialize};

use crate::charging_profile::ChargingProfile;
use crate::id_tag::{IdTagInfo, IdToken};
use crate::meter::MeterValue;
use crate::{DateTime, NonEmptyVec};

/// Authorize.req: the charge point asks whether an identifier may start or stop charging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizeRequest {
    /// idTag: the identifier to authorize.
    pub id_tag: IdToken,
}

/// Authorize.conf: the identifier's authorization status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizeResponse {
    /// idTagInfo: whether the identifier is accepted, its expiry and its parent.
    pub id_tag_info: IdTagInfo,
}

/// StartTransaction.req: the charge point reports that a transaction has started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartTransactionRequest {
    /// connectorId: the connector of the transaction (greater than 0).
    pub connector_id: i32,
    /// idTag: the identifier that started the transaction.
    pub id_tag: IdToken,
    /// meterStart: the connector's energy register in Wh at transaction start.
    pub meter_start: i32,
    /// reservationId: the reservation this transaction ends, if it was started on one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<i32>,
    /// timestamp: when the transaction started.
    pub timestamp: DateTime,
}

/// StartTransaction.conf: the transaction's id and the identifier's authorization status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartTransactionResponse {
    /// idTagInfo: whether the identifier is accepted; if not, the charge point may stop the
    /// transaction (StopTransactionOnInvalidId) with reason DeAuthorized.
    pub id_tag_info: IdTagInfo,
    /// transactionId: the id the central system gave the transaction.
    pub transaction_id: i32,
}

/// Why a transaction was stopped (OCPP 1.6 §7.40 Reason); absent means `Local`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// The identifier was not accepted in StartTransaction.conf (or became invalid).
    DeAuthorized,
    /// The emergency stop button was used.
    EmergencyStop,
    /// The cable was disconnected or the vehicle moved away from an inductive charger.
    EVDisconnected,
    /// A hard Reset was received.
    HardReset,
    /// Stopped by the user at the charge point (tag presented, stop button); the default.
    Local,
    /// Any other reason.
    Other,
    /// Complete loss of power.
    PowerLoss,
    /// A locally initiated reboot (e.g. a watchdog).
    Reboot,
    /// Stopped remotely on the user's request (RemoteStopTransaction, app, prepaid credit).
    Remote,
    /// A soft Reset was received.
    SoftReset,
    /// An UnlockConnector was received.
    UnlockCommand,
}

/// StopTransaction.req: the charge point reports that a transaction has stopped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StopTransactionRequest {
    /// idTag: the identifier that stopped the transaction, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_tag: Option<IdToken>,
    /// meterStop: the connector's energy register in Wh at transaction end.
    pub meter_stop: i32,
    /// timestamp: when the transaction stopped.
    pub timestamp: DateTime,
    /// transactionId: the id from StartTransaction.conf.
    pub transaction_id: i32,
    /// reason: why it stopped; absent means Local.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// transactionData: meter values sampled during the transaction (StopTxnSampledData,
    /// StopTxnAlignedData).
    ///
    /// Two quirks of the official 1.6 schema for this field, unlike MeterValues': its unit enum
    /// lacks "Hertz", so a Frequency sample must be sent here without a unit; and it does not
    /// require a sampledValue element, which this type does (a meter value without samples says
    /// nothing), so such a StopTransaction is refused with OccurenceConstraintViolation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_data: Option<Vec<MeterValue>>,
}

/// StopTransaction.conf: the status of the stopping identifier, if one was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StopTransactionResponse {
    /// idTagInfo: the status of the identifier in the request, for the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_tag_info: Option<IdTagInfo>,
}

/// MeterValues.req: the charge point sends sampled meter values of a connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeterValuesRequest {
    /// connectorId: the connector measured; 0 means the main meter of the charge point.
    pub connector_id: i32,
    /// transactionId: the transaction the values belong to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i32>,
    /// meterValue: the sampled values, at least one set.
    pub meter_value: NonEmptyVec<MeterValue>,
}

/// MeterValues.conf: an empty acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MeterValuesResponse {}

/// Whether a RemoteStartTransaction or RemoteStopTransaction is accepted (OCPP 1.6 §7.38).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RemoteStartStopStatus {
    /// The command will be executed.
    Accepted,
    /// The command will not be executed.
    Rejected,
}

/// RemoteStartTransaction.req: the central system asks the charge point to start a transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteStartTransactionRequest {
    /// connectorId: the connector to start on (greater than 0); absent lets the charge point
    /// choose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<i32>,
    /// idTag: the identifier to start the transaction for.
    pub id_tag: IdToken,
    /// chargingProfile: a TxProfile for the transaction (Smart Charging).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_profile: Option<ChargingProfile>,
}

/// RemoteStartTransaction.conf: whether the charge point will try to start the transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteStartTransactionResponse {
    /// status: whether the request is accepted.
    pub status: RemoteStartStopStatus,
}

/// RemoteStopTransaction.req: the central system asks the charge point to stop a transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteStopTransactionRequest {
    /// transactionId: the transaction to stop.
    pub transaction_id: i32,
}

/// RemoteStopTransaction.conf: whether the charge point will stop the transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteStopTransactionResponse {
    /// status: whether the request is accepted.
    pub status: RemoteStartStopStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charging_profile::{ChargingProfilePurpose, ChargingRateUnit};
    use crate::core::test_util::{ok, refused, round_trip};
    use crate::id_tag::AuthorizationStatus;
    use crate::meter::{Measurand, ReadingContext, UnitOfMeasure};
    use crate::{CallErrorCode, Violation};

    #[test]
    fn authorize_round_trips() {
        let req: AuthorizeRequest = round_trip(r#"{"idTag":"04A2B3C4D5E6F7"}"#);
        assert_eq!(req.id_tag, "04a2b3c4d5e6f7");
        let resp: AuthorizeResponse = round_trip(
            r#"{"idTagInfo":{"expiryDate":"2027-01-01T00:00:00.000Z","parentIdTag":"GROUP1",
                "status":"Accepted"}}"#,
        );
        assert_eq!(resp.id_tag_info.status, AuthorizationStatus::Accepted);
        assert_eq!(
            resp.id_tag_info.parent_id_tag.as_ref().map(|p| p.as_str()),
            Some("GROUP1")
        );
        let blocked: AuthorizeResponse = round_trip(r#"{"idTagInfo":{"status":"Blocked"}}"#);
        assert_eq!(blocked.id_tag_info.expiry_date, None);
    }

    #[test]
    fn start_transaction_round_trips() {
        let req: StartTransactionRequest = round_trip(
            r#"{"connectorId":1,"idTag":"04A2B3C4D5E6F7","meterStart":1234567,
                "reservationId":42,"timestamp":"2026-11-24T06:00:00.000Z"}"#,
        );
        assert_eq!(req.connector_id, 1);
        assert_eq!(req.meter_start, 1_234_567);
        assert_eq!(req.reservation_id, Some(42));
        let resp: StartTransactionResponse =
            round_trip(r#"{"idTagInfo":{"status":"ConcurrentTx"},"transactionId":-1}"#);
        assert_eq!(resp.transaction_id, -1);
        assert_eq!(resp.id_tag_info.status, AuthorizationStatus::ConcurrentTx);
    }

    #[test]
    fn stop_transaction_with_transaction_data_round_trips() {
        let req: StopTransactionRequest = round_trip(
            r#"{"idTag":"04A2B3C4D5E6F7","meterStop":1240000,
                "timestamp":"2026-11-24T07:00:00.000Z","transactionId":17,"reason":"EVDisconnected",
                "transactionData":[
                    {"timestamp":"2026-11-24T06:00:00.000Z","sampledValue":[
                        {"value":"1234567","context":"Transaction.Begin","unit":"Wh"}]},
                    {"timestamp":"2026-11-24T07:00:00.000Z","sampledValue":[
                        {"value":"1240.0","context":"Transaction.End",
                         "measurand":"Energy.Active.Import.Register","unit":"kWh"}]}]}"#,
        );
        assert_eq!(req.reason, Some(Reason::EVDisconnected));
        assert_eq!(req.transaction_id, 17);
        let data = req.transaction_data.unwrap_or_default();
        assert_eq!(data.len(), 2);
        let end = data[1].sampled_value.first();
        assert_eq!(end.context, Some(ReadingContext::TransactionEnd));
        assert_eq!(end.unit, Some(UnitOfMeasure::KWh));

        let bare: StopTransactionRequest = round_trip(
            r#"{"meterStop":0,"timestamp":"2026-11-24T07:00:00.000Z","transactionId":1}"#,
        );
        assert_eq!(
            (bare.id_tag, bare.reason, bare.transaction_data),
            (None, None, None)
        );
        let empty: StopTransactionRequest = round_trip(
            r#"{"meterStop":0,"timestamp":"2026-11-24T07:00:00.000Z","transactionId":1,
                "transactionData":[]}"#,
        );
        assert_eq!(empty.transaction_data, Some(vec![]));

        let resp: StopTransactionResponse = round_trip("{}");
        assert_eq!(resp.id_tag_info, None);
        let resp: StopTransactionResponse = round_trip(r#"{"idTagInfo":{"status":"Expired"}}"#);
        assert_eq!(
            resp.id_tag_info.map(|i| i.status),
            Some(AuthorizationStatus::Expired)
        );
    }

    #[test]
    fn meter_values_round_trip() {
        let req: MeterValuesRequest = round_trip(
            r#"{"connectorId":1,"transactionId":17,"meterValue":[
                {"timestamp":"2026-11-24T06:15:00.000Z","sampledValue":[
                    {"value":"1235000","context":"Sample.Periodic","format":"Raw",
                     "measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"Wh"},
                    {"value":"7360","measurand":"Power.Active.Import","unit":"W"},
                    {"value":"32.0","measurand":"Current.Import","phase":"L1","unit":"A"}]}]}"#,
        );
        assert_eq!(req.transaction_id, Some(17));
        let mv = req.meter_value.first();
        assert_eq!(mv.sampled_value.len(), 3);
        assert_eq!(
            mv.sampled_value[1].measurand,
            Some(Measurand::PowerActiveImport)
        );
        let _: MeterValuesResponse = round_trip("{}");
    }

    #[test]
    fn remote_start_and_stop_round_trip() {
        let req: RemoteStartTransactionRequest = round_trip(
            r#"{"connectorId":1,"idTag":"APP-USER-7","chargingProfile":{
                "chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile",
                "chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"A",
                "chargingSchedulePeriod":[{"startPeriod":0,"limit":16.0}]}}}"#,
        );
        assert_eq!(req.connector_id, Some(1));
        let profile = req
            .charging_profile
            .unwrap_or_else(|| panic!("no chargingProfile"));
        assert_eq!(
            profile.charging_profile_purpose,
            ChargingProfilePurpose::TxProfile
        );
        assert_eq!(
            profile.charging_schedule.charging_rate_unit,
            ChargingRateUnit::A
        );

        let bare: RemoteStartTransactionRequest = round_trip(r#"{"idTag":"APP-USER-7"}"#);
        assert_eq!((bare.connector_id, bare.charging_profile), (None, None));
        let resp: RemoteStartTransactionResponse = round_trip(r#"{"status":"Accepted"}"#);
        assert_eq!(resp.status, RemoteStartStopStatus::Accepted);

        let stop: RemoteStopTransactionRequest = round_trip(r#"{"transactionId":17}"#);
        assert_eq!(stop.transaction_id, 17);
        let resp: RemoteStopTransactionResponse = ok(r#"{"status":"Rejected"}"#);
        assert_eq!(resp.status, RemoteStartStopStatus::Rejected);
    }

    #[test]
    fn missing_required_field_is_a_formation_violation() {
        refused::<StartTransactionRequest>(
            r#"{"connectorId":1,"idTag":"A","timestamp":"2026-11-24T06:00:00Z"}"#,
            Violation::MissingField,
            CallErrorCode::FormationViolation,
            ".",
        );
        refused::<StopTransactionRequest>(
            r#"{"meterStop":0,"timestamp":"2026-11-24T07:00:00Z",
                "transactionData":[{"sampledValue":[{"value":"1"}]}],"transactionId":1}"#,
            Violation::MissingField,
            CallErrorCode::FormationViolation,
            "transactionData[0]",
        );
    }

    #[test]
    fn unknown_field_is_a_formation_violation() {
        refused::<AuthorizeRequest>(
            r#"{"idTag":"A","connectorId":1}"#,
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
            "connectorId",
        );
        refused::<AuthorizeResponse>(
            r#"{"idTagInfo":{"status":"Accepted","groupIdToken":"G"}}"#,
            Violation::UnknownField,
            CallErrorCode::FormationViolation,
            "idTagInfo.groupIdToken",
        );
    }

    #[test]
    fn over_long_id_tag_is_a_formation_violation() {
        refused::<AuthorizeRequest>(
            r#"{"idTag":"123456789012345678901"}"#,
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "idTag",
        );
        refused::<RemoteStartTransactionRequest>(
            r#"{"idTag":"AN-IDENTIFIER-OF-21-CH"}"#,
            Violation::StringTooLong,
            CallErrorCode::FormationViolation,
            "idTag",
        );
        // Exactly 20 characters fit.
        let _: AuthorizeRequest = ok(r#"{"idTag":"12345678901234567890"}"#);
    }

    #[test]
    fn unknown_enum_value_is_a_property_constraint_violation() {
        refused::<StopTransactionRequest>(
            r#"{"meterStop":0,"timestamp":"2026-11-24T07:00:00Z","transactionId":1,
                "reason":"UserStop"}"#,
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
            "reason",
        );
        refused::<MeterValuesRequest>(
            r#"{"connectorId":1,"meterValue":[{"timestamp":"2026-11-24T07:00:00Z",
                "sampledValue":[{"value":"1","measurand":"Energy"}]}]}"#,
            Violation::UnknownEnumValue,
            CallErrorCode::PropertyConstraintViolation,
            "meterValue[0].sampledValue[0].measurand",
        );
    }

    #[test]
    fn empty_meter_value_is_an_occurrence_violation() {
        refused::<MeterValuesRequest>(
            r#"{"connectorId":1,"meterValue":[]}"#,
            Violation::Occurrence,
            CallErrorCode::OccurenceConstraintViolation,
            "meterValue",
        );
    }
}
