//! The Reservation profile (OCPP 1.6 §5.1, §5.13): reserving a connector (or the charge point)
//! for an identifier until an expiry date, and cancelling the reservation.

use serde::{Deserialize, Serialize};

use crate::id_tag::IdToken;
use crate::DateTime;

/// CancelReservation.req (OCPP 1.6 §5.1): the central system cancels a reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelReservationRequest {
    /// The id of the reservation to cancel (as given in ReserveNow).
    pub reservation_id: i32,
}

/// Outcome of a CancelReservation (OCPP 1.6 CancelReservationStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancelReservationStatus {
    /// The reservation has been cancelled.
    Accepted,
    /// There is no reservation with that id.
    Rejected,
}

/// CancelReservation.conf (OCPP 1.6 §5.1): whether the reservation was cancelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelReservationResponse {
    /// The outcome.
    pub status: CancelReservationStatus,
}

/// ReserveNow.req (OCPP 1.6 §5.13): the central system reserves a connector for an identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReserveNowRequest {
    /// The connector to reserve; 0 reserves the charge point as a whole (any connector).
    pub connector_id: i32,
    /// When the reservation ends.
    pub expiry_date: DateTime,
    /// The identifier the reservation is for.
    pub id_tag: IdToken,
    /// The parent identifier: any identifier with this parent may use the reservation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id_tag: Option<IdToken>,
    /// The id of the reservation; a reservation with the same id is replaced.
    pub reservation_id: i32,
}

/// Outcome of a ReserveNow (OCPP 1.6 ReservationStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReservationStatus {
    /// The reservation has been made.
    Accepted,
    /// The connector (or charge point) is in a faulted state.
    Faulted,
    /// The connector is occupied (charging, or reserved for another identifier).
    Occupied,
    /// The charge point is not configured to accept reservations.
    Rejected,
    /// The connector (or charge point) is unavailable.
    Unavailable,
}

/// ReserveNow.conf (OCPP 1.6 §5.13): whether the reservation was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReserveNowResponse {
    /// The outcome.
    pub status: ReservationStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode, CallErrorCode, Violation};

    use crate::test_util::{ok, refused as err};

    #[test]
    fn reserve_now_decodes_and_round_trips() {
        let json = r#"{"connectorId":1,"expiryDate":"2026-11-24T07:00:00+01:00",
            "idTag":"04A2B3C4","parentIdTag":"FLEET","reservationId":42}"#;
        let req: ReserveNowRequest = ok(json);
        assert_eq!(req.connector_id, 1);
        assert_eq!(req.expiry_date.to_string(), "2026-11-24T06:00:00.000Z");
        assert_eq!(req.id_tag, "04a2b3c4");
        assert_eq!(req.parent_id_tag.as_deref(), Some("FLEET"));
        assert_eq!(req.reservation_id, 42);
        assert_eq!(
            encode(&req),
            serde_json::json!({
                "connectorId": 1,
                "expiryDate": "2026-11-24T06:00:00.000Z",
                "idTag": "04A2B3C4",
                "parentIdTag": "FLEET",
                "reservationId": 42
            })
        );
        let back: ReserveNowRequest = ok(&encode(&req).to_string());
        assert_eq!(back, req);

        // null for the optional parentIdTag reads as absent and is omitted on output.
        let req: ReserveNowRequest = ok(
            r#"{"connectorId":0,"expiryDate":"2026-11-24T06:00:00Z","idTag":"A","parentIdTag":null,"reservationId":1}"#,
        );
        assert_eq!(req.parent_id_tag, None);
        assert!(encode(&req).get("parentIdTag").is_none());

        for (s, want) in [
            ("Accepted", ReservationStatus::Accepted),
            ("Faulted", ReservationStatus::Faulted),
            ("Occupied", ReservationStatus::Occupied),
            ("Rejected", ReservationStatus::Rejected),
            ("Unavailable", ReservationStatus::Unavailable),
        ] {
            let resp: ReserveNowResponse = ok(&format!(r#"{{"status":"{s}"}}"#));
            assert_eq!(resp.status, want);
            assert_eq!(encode(&resp), serde_json::json!({ "status": s }));
        }
    }

    #[test]
    fn cancel_reservation_decodes_and_round_trips() {
        let req: CancelReservationRequest = ok(r#"{"reservationId":42}"#);
        assert_eq!(req.reservation_id, 42);
        assert_eq!(encode(&req), serde_json::json!({"reservationId": 42}));
        let resp: CancelReservationResponse = ok(r#"{"status":"Rejected"}"#);
        assert_eq!(resp.status, CancelReservationStatus::Rejected);
        assert_eq!(encode(&resp), serde_json::json!({"status": "Rejected"}));
    }

    #[test]
    fn refusals_get_their_codes() {
        let e = err::<ReserveNowRequest>(
            r#"{"connectorId":1,"expiryDate":"2026-11-24T06:00:00Z","idTag":"A"}"#,
        );
        assert_eq!(e.violation, Violation::MissingField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<CancelReservationRequest>(r#"{"reservationId":1,"connectorId":1}"#);
        assert_eq!(e.violation, Violation::UnknownField);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<ReserveNowRequest>(
            r#"{"connectorId":1,"expiryDate":"2026-11-24T06:00:00Z","idTag":"A","parentIdTag":"123456789012345678901","reservationId":1}"#,
        );
        assert_eq!(e.violation, Violation::StringTooLong);
        assert_eq!(e.path, "parentIdTag");

        let e = err::<ReserveNowRequest>(
            r#"{"connectorId":1,"expiryDate":"tomorrow","idTag":"A","reservationId":1}"#,
        );
        assert_eq!(e.violation, Violation::InvalidDateTime);
        assert_eq!(e.code, CallErrorCode::FormationViolation);

        let e = err::<ReserveNowResponse>(r#"{"status":"Reserved"}"#);
        assert_eq!(e.violation, Violation::UnknownEnumValue);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);

        let e = err::<CancelReservationResponse>(r#"{"status":"Faulted"}"#);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);

        let e = err::<CancelReservationRequest>(r#"{"reservationId":4294967296}"#);
        assert_eq!(e.code, CallErrorCode::PropertyConstraintViolation);
    }
}
