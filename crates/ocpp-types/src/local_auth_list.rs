//! The Local Auth List Management profile (OCPP 1.6 §5.10, §5.15): the central system reads the
//! version of the charge point's local authorization list and replaces or amends the list.

use serde::{Deserialize, Serialize};

use crate::id_tag::{IdTagInfo, IdToken};

/// GetLocalListVersion.req (OCPP 1.6 §5.10): empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetLocalListVersionRequest {}

/// GetLocalListVersion.conf (OCPP 1.6 §5.10): the version of the local authorization list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetLocalListVersionResponse {
    /// The list's version; 0 when the list is empty, -1 when the charge point has no local list.
    pub list_version: i32,
}

/// Whether SendLocalList replaces the list or amends it (OCPP 1.6 UpdateType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UpdateType {
    /// Entries with an idTagInfo are added or replaced, entries without one are removed.
    Differential,
    /// The list given replaces the whole local list.
    Full,
}

/// One entry of the local authorization list (OCPP 1.6 AuthorizationData).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizationData {
    /// The identifier.
    pub id_tag: IdToken,
    /// Its status; absent in a Differential update means "remove this identifier from the list".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_tag_info: Option<IdTagInfo>,
}

/// SendLocalList.req (OCPP 1.6 §5.15): the central system sends a full or differential local
/// authorization list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendLocalListRequest {
    /// The version the list has once this update is applied.
    pub list_version: i32,
    /// The entries; absent (or empty) with a Full update empties the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_authorization_list: Option<Vec<AuthorizationData>>,
    /// Full replacement or differential update.
    pub update_type: UpdateType,
}

/// Outcome of a SendLocalList (OCPP 1.6 UpdateStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UpdateStatus {
    /// The list has been updated.
    Accepted,
    /// The update failed.
    Failed,
    /// The charge point does not support a local authorization list.
    NotSupported,
    /// A differential update's version does not follow the charge point's list version.
    VersionMismatch,
}

/// SendLocalList.conf (OCPP 1.6 §5.15): whether the list was updated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendLocalListResponse {
    /// The outcome.
    pub status: UpdateStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_tag::AuthorizationStatus;
    use crate::{encode, CallErrorCode, Violation};

    use crate::test_util::{ok, refused as err};

    #[test]
    fn get_local_list_version_round_trips() {
        let req: GetLocalListVersionRequest = ok("{}");
        assert_eq!(encode(&req), serde_json::json!({}));
        let resp: GetLocalListVersionResponse = ok(r#"{"listVersion":-1}"#);
        assert_eq!(resp.list_version, -1);
        assert_eq!(encode(&resp), serde_json::json!({"listVersion": -1}));
    }

    #[test]
    fn send_local_list_decodes_and_round_trips() {
        let json = r#"{
            "listVersion": 7,
            "updateType": "Differential",
            "localAuthorizationList": [
                {"idTag": "04A2B3C4D5E6F7", "idTagInfo": {"status": "Accepted",
                    "expiryDate": "2027-01-01T00:00:00Z", "parentIdTag": "FLEET-1"}},
                {"idTag": "DEADBEEF"}
            ]
        }"#;
        let req: SendLocalListRequest = ok(json);
        assert_eq!(req.list_version, 7);
        assert_eq!(req.update_type, UpdateType::Differential);
        let list = req.local_authorization_list.clone().unwrap_or_default();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].id_tag, "04a2b3c4d5e6f7");
        let info = list[0]
            .id_tag_info
            .clone()
            .unwrap_or_else(|| panic!("idTagInfo"));
        assert_eq!(info.status, AuthorizationStatus::Accepted);
        assert_eq!(info.parent_id_tag.as_deref(), Some("FLEET-1"));
        assert_eq!(list[1].id_tag_info, None);
        let back: SendLocalListRequest = ok(&encode(&req).to_string());
        assert_eq!(back, req);
        // The entry without idTagInfo stays without it on output.
        assert_eq!(
            encode(&req)["localAuthorizationList"][1],
            serde_json::json!({"idTag": "DEADBEEF"})
        );

        // A Full update without a list (empties the list) and with an empty list are both valid.
        let full: SendLocalListRequest = ok(r#"{"listVersion":1,"updateType":"Full"}"#);
        assert_eq!(full.local_authorization_list, None);
        let full: SendLocalListRequest =
            ok(r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":[]}"#);
        assert_eq!(full.local_authorization_list, Some(vec![]));

        for (s, want) in [
            ("Accepted", UpdateStatus::Accepted),
            ("Failed", UpdateStatus::Failed),
            ("NotSupported", UpdateStatus::NotSupported),
            ("VersionMismatch", UpdateStatus::VersionMismatch),
        ] {
            let resp: SendLocalListResponse = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(resp.status, want);
            assert_eq!(encode(&resp), serde_json::json!({ "status": s }));
        }
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<SendLocalListRequest>(r#"{"listVersion":1}"#);
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<GetLocalListVersionRequest>(r#"{"listVersion":1}"#);
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<SendLocalListRequest>(
            r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"A","status":"Accepted"}]}"#,
        );
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.path, "localAuthorizationList[0].status");

        let e = err::<SendLocalListRequest>(
            r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"123456789012345678901"}]}"#,
        );
        assert_eq!(e.violation, Violation::StringTooLong);
        assert_eq!(e.code, CallErrorCode::FormationViolation);
        assert_eq!(e.path, "localAuthorizationList[0].idTag");

        let e = err::<SendLocalListRequest>(r#"{"listVersion":1,"updateType":"Replace"}"#);
        assert_eq!(e.violation, Violation::UnknownEnumValue);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);

        let e = err::<SendLocalListRequest>(
            r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"A","idTagInfo":{"status":"Unknown"}}]}"#,
        );
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
        assert_eq!(e.path, "localAuthorizationList[0].idTagInfo.status");

        let e = err::<SendLocalListResponse>(r#"{"status":"accepted"}"#);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);

        let e = err::<GetLocalListVersionResponse>(r#"{"listVersion":"7"}"#);
        assert_eq!(e.violation, Violation::WrongType);
    }
}
