//! The Smart Charging profile (OCPP 1.6 §5.5, §5.7, §5.16): installing and clearing charging
//! profiles and asking for the resulting composite schedule. The profile and schedule types
//! themselves are in [`crate::charging_profile`].

use serde::{Deserialize, Serialize};

use crate::charging_profile::{
    ChargingProfile, ChargingProfilePurpose, ChargingRateUnit, ChargingSchedule,
};
use crate::DateTime;

/// ClearChargingProfile.req (OCPP 1.6 §5.5): the central system clears one profile (by `id`)
/// or the profiles matching every criterion given; with no field at all, every profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClearChargingProfileRequest {
    /// The id of the one profile to clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    /// The connector whose profiles to clear; 0 means the profiles of the charge point as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<i32>,
    /// Only clear profiles of this purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_profile_purpose: Option<ChargingProfilePurpose>,
    /// Only clear profiles at this stack level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack_level: Option<i32>,
}

/// Outcome of a ClearChargingProfile (OCPP 1.6 ClearChargingProfileStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClearChargingProfileStatus {
    /// At least one profile was cleared.
    Accepted,
    /// No profile matched the criteria.
    Unknown,
}

/// ClearChargingProfile.conf (OCPP 1.6 §5.5): whether any profile was cleared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClearChargingProfileResponse {
    /// The outcome.
    pub status: ClearChargingProfileStatus,
}

/// GetCompositeSchedule.req (OCPP 1.6 §5.7): the central system asks for the schedule that
/// results from all profiles in force on a connector, for the coming `duration` seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetCompositeScheduleRequest {
    /// The connector; 0 asks for the expected consumption of the whole charge point from the grid.
    pub connector_id: i32,
    /// Length of the requested schedule in seconds, starting now.
    pub duration: i32,
    /// The unit the schedule should be in; absent leaves it to the charge point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_rate_unit: Option<ChargingRateUnit>,
}

/// Outcome of a GetCompositeSchedule (OCPP 1.6 GetCompositeScheduleStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GetCompositeScheduleStatus {
    /// The schedule was computed.
    Accepted,
    /// The request could not be handled (unknown connector, unsupported unit, ...).
    Rejected,
}

/// GetCompositeSchedule.conf (OCPP 1.6 §5.7): the composite schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetCompositeScheduleResponse {
    /// Whether the schedule was computed.
    pub status: GetCompositeScheduleStatus,
    /// The connector the schedule is for (present when Accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<i32>,
    /// The moment the schedule's periods are relative to (present when Accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_start: Option<DateTime>,
    /// The composite schedule (present when Accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_schedule: Option<ChargingSchedule>,
}

/// SetChargingProfile.req (OCPP 1.6 §5.16): the central system installs a charging profile on a
/// connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetChargingProfileRequest {
    /// The connector the profile applies to; 0 means the charge point as a whole (or, for a
    /// TxDefaultProfile, every connector).
    pub connector_id: i32,
    /// The profile (JSON name `csChargingProfiles`, singular in content despite the name).
    pub cs_charging_profiles: ChargingProfile,
}

/// Outcome of a SetChargingProfile (OCPP 1.6 ChargingProfileStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChargingProfileStatus {
    /// The profile has been installed.
    Accepted,
    /// The profile was refused.
    Rejected,
    /// The charge point does not support charging profiles of this kind or purpose.
    NotSupported,
}

/// SetChargingProfile.conf (OCPP 1.6 §5.16): whether the profile was installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetChargingProfileResponse {
    /// The outcome.
    pub status: ChargingProfileStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charging_profile::ChargingProfileKind;
    use crate::{encode, CallErrorCode, Violation};

    use crate::test_util::{ok, refused as err};

    const SET_PROFILE: &str = r#"{
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 100,
            "transactionId": 7,
            "stackLevel": 2,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "validTo": "2026-12-01T00:00:00Z",
            "chargingSchedule": {
                "duration": 3600,
                "startSchedule": "2026-11-24T06:00:00Z",
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": 16.0},
                    {"startPeriod": 1800, "limit": 6.66, "numberPhases": 1}
                ],
                "minChargingRate": 6
            }
        }
    }"#;

    #[test]
    fn set_charging_profile_decodes_and_round_trips() {
        let req: SetChargingProfileRequest = ok(SET_PROFILE);
        assert_eq!(req.connector_id, 1);
        let p = &req.cs_charging_profiles;
        assert_eq!(p.charging_profile_id, 100);
        assert_eq!(p.transaction_id, Some(7));
        assert_eq!(
            p.charging_profile_purpose,
            ChargingProfilePurpose::TxProfile
        );
        assert_eq!(p.charging_profile_kind, ChargingProfileKind::Absolute);
        assert_eq!(p.charging_schedule.charging_rate_unit, ChargingRateUnit::A);
        assert_eq!(p.charging_schedule.charging_schedule_period.len(), 2);
        assert_eq!(p.charging_schedule.charging_schedule_period[1].limit, 6.66);
        let json = encode(&req);
        assert!(json.get("csChargingProfiles").is_some());
        assert_eq!(
            json["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][1]["limit"],
            serde_json::json!(6.7)
        );
        let back: SetChargingProfileRequest = ok(&json.to_string());
        assert_eq!(back.cs_charging_profiles.charging_profile_id, 100);
        assert_eq!(
            back.cs_charging_profiles.valid_to,
            req.cs_charging_profiles.valid_to
        );

        for (s, want) in [
            ("Accepted", ChargingProfileStatus::Accepted),
            ("Rejected", ChargingProfileStatus::Rejected),
            ("NotSupported", ChargingProfileStatus::NotSupported),
        ] {
            let resp: SetChargingProfileResponse = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(resp.status, want);
            assert_eq!(encode(&resp), serde_json::json!({ "status": s }));
        }
    }

    #[test]
    fn clear_charging_profile_takes_any_subset_of_criteria() {
        let all: ClearChargingProfileRequest = ok("{}");
        assert_eq!(all, ClearChargingProfileRequest::default());
        assert_eq!(encode(&all), serde_json::json!({}));
        let req: ClearChargingProfileRequest = ok(
            r#"{"id":3,"connectorId":0,"chargingProfilePurpose":"TxDefaultProfile","stackLevel":1}"#,
        );
        assert_eq!(req.id, Some(3));
        assert_eq!(req.connector_id, Some(0));
        assert_eq!(
            req.charging_profile_purpose,
            Some(ChargingProfilePurpose::TxDefaultProfile)
        );
        assert_eq!(req.stack_level, Some(1));
        let back: ClearChargingProfileRequest = ok(&encode(&req).to_string());
        assert_eq!(back, req);
        let resp: ClearChargingProfileResponse = ok(r#"{"status":"Unknown"}"#);
        assert_eq!(resp.status, ClearChargingProfileStatus::Unknown);
    }

    #[test]
    fn get_composite_schedule_decodes_and_round_trips() {
        let req: GetCompositeScheduleRequest =
            ok(r#"{"connectorId":0,"duration":86400,"chargingRateUnit":"W"}"#);
        assert_eq!(req.connector_id, 0);
        assert_eq!(req.duration, 86400);
        assert_eq!(req.charging_rate_unit, Some(ChargingRateUnit::W));
        assert_eq!(
            encode(&req),
            serde_json::json!({"connectorId": 0, "duration": 86400, "chargingRateUnit": "W"})
        );

        let resp: GetCompositeScheduleResponse = ok(r#"{
            "status": "Accepted", "connectorId": 1, "scheduleStart": "2026-11-24T06:00:00Z",
            "chargingSchedule": {"duration": 600, "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.0, "numberPhases": 3}]}
        }"#);
        assert_eq!(resp.status, GetCompositeScheduleStatus::Accepted);
        assert_eq!(resp.connector_id, Some(1));
        let schedule = resp
            .charging_schedule
            .clone()
            .unwrap_or_else(|| panic!("schedule"));
        assert_eq!(schedule.duration, Some(600));
        assert_eq!(schedule.charging_schedule_period[0].number_phases, Some(3));
        let back: GetCompositeScheduleResponse = ok(&encode(&resp).to_string());
        assert_eq!(back, resp);

        let rejected: GetCompositeScheduleResponse = ok(r#"{"status":"Rejected"}"#);
        assert_eq!(encode(&rejected), serde_json::json!({"status": "Rejected"}));
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<GetCompositeScheduleRequest>(r#"{"connectorId":1}"#);
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<SetChargingProfileRequest>(r#"{"connectorId":1}"#);
        assert_eq!(e.violation, Violation::MissingField);

        // The plural-looking JSON name is the only one accepted.
        let e = err::<SetChargingProfileRequest>(
            &SET_PROFILE.replace("csChargingProfiles", "chargingProfile"),
        );
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<ClearChargingProfileRequest>(r#"{"chargingProfileId":1}"#);
        assert_eq!(e.violation, Violation::UnknownField);

        let e = err::<SetChargingProfileRequest>(&SET_PROFILE.replace("\"A\"", "\"kW\""));
        assert_eq!(e.violation, Violation::UnknownEnumValue);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
        assert_eq!(
            e.path,
            "csChargingProfiles.chargingSchedule.chargingRateUnit"
        );

        let e = err::<ClearChargingProfileRequest>(r#"{"chargingProfilePurpose":"TxMaxProfile"}"#);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);

        let e = err::<GetCompositeScheduleResponse>(r#"{"status":"NotSupported"}"#);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);

        let e = err::<GetCompositeScheduleResponse>(
            r#"{"status":"Accepted","scheduleStart":"2026-11-24 06:00"}"#,
        );
        assert_eq!(e.violation, Violation::InvalidDateTime);
        assert_eq!(e.path, "scheduleStart");
    }
}
