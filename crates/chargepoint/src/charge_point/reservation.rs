//! Reservations (OCPP 1.6 §5.13 ReserveNow, §5.1 CancelReservation).
//!
//! - ReserveNow: Rejected for connector 0 (reserving "any connector" comes later, whatever
//!   ReserveConnectorZeroSupported says) and unknown connectors, and for an expiryDate already
//!   past; Faulted / Unavailable when the connector is; Occupied when it is in use (a
//!   transaction, Preparing, Finishing) or reserved under another reservationId; otherwise
//!   Accepted (the same reservationId replaces its reservation): the connector is Reserved until
//!   expiryDate, until a transaction starts on it, or until CancelReservation.
//! - A reserved connector serves only its idTag, or an identifier with the same parentIdTag
//!   (as the central system reports it): any other is not accepted for it, and a
//!   RemoteStartTransaction for another identifier is Rejected there (as libocpp).
//! - The station hears of it with [`StationCommand::Reserved`] and
//!   [`StationCommand::ReservationEnded`].

use std::time::{Duration, Instant};

use ocpp_rpc::MessageId;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::reservation::{
    CancelReservationRequest, CancelReservationResponse, CancelReservationStatus,
    ReservationStatus, ReserveNowRequest, ReserveNowResponse,
};
use ocpp_types::AnyResponse;

use super::{ChargePoint, Now, StationCommand};

/// A reservation of one connector.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reservation {
    pub id: i32,
    pub id_tag: IdToken,
    pub parent_id_tag: Option<IdToken>,
    pub expires_at: Instant,
}

impl Reservation {
    /// Whether `id_tag` (with the parent the central system gave it, if known) may use the
    /// reserved connector.
    pub fn admits(&self, id_tag: &IdToken, info: Option<&IdTagInfo>) -> bool {
        if *id_tag == self.id_tag {
            return true;
        }
        let parent = info.and_then(|i| i.parent_id_tag.as_ref());
        matches!((parent, &self.parent_id_tag), (Some(p), Some(r)) if p == r)
    }
}

impl ChargePoint {
    /// ReserveNow.req.
    pub(crate) fn on_reserve_now(&mut self, id: &MessageId, request: &ReserveNowRequest, now: Now) {
        let status = self.reservation_status(request, now);
        tracing::info!(
            connector = request.connector_id,
            reservation = request.reservation_id,
            ?status,
            "ReserveNow"
        );
        self.respond(id, AnyResponse::ReserveNow(ReserveNowResponse { status }));
        if status != ReservationStatus::Accepted {
            return;
        }
        let Ok(connector) = u32::try_from(request.connector_id) else {
            return;
        };
        let millis = request.expiry_date.unix_millis() - self.clock(now).unix_millis();
        let reservation = Reservation {
            id: request.reservation_id,
            id_tag: request.id_tag.clone(),
            parent_id_tag: request.parent_id_tag.clone(),
            expires_at: now.instant + Duration::from_millis(millis.unsigned_abs()),
        };
        if let Some(c) = self.connector_mut(connector) {
            c.reservation = Some(reservation);
        }
        self.commands.push_back(StationCommand::Reserved {
            connector,
            reservation_id: request.reservation_id,
            id_tag: request.id_tag.clone(),
        });
        self.update_status(connector, now);
    }

    fn reservation_status(&self, request: &ReserveNowRequest, now: Now) -> ReservationStatus {
        let connector = u32::try_from(request.connector_id)
            .ok()
            .filter(|c| (1..=self.number_of_connectors()).contains(c))
            .and_then(|c| self.connectors.get(c as usize));
        let Some(connector) = connector else {
            return ReservationStatus::Rejected;
        };
        if request.expiry_date <= self.clock(now) {
            return ReservationStatus::Rejected;
        }
        if connector.fault.is_some() {
            return ReservationStatus::Faulted;
        }
        if connector.inoperative {
            return ReservationStatus::Unavailable;
        }
        let other_reservation = connector
            .reservation
            .as_ref()
            .is_some_and(|r| r.id != request.reservation_id);
        let in_use = connector.transaction.is_some()
            || connector.authorized.is_some()
            || connector.finishing
            || connector.plugged;
        if in_use || other_reservation {
            return ReservationStatus::Occupied;
        }
        ReservationStatus::Accepted
    }

    /// CancelReservation.req.
    pub(crate) fn on_cancel_reservation(
        &mut self,
        id: &MessageId,
        request: &CancelReservationRequest,
        now: Now,
    ) {
        let connector = (1..=self.number_of_connectors()).find(|c| {
            self.connectors
                .get(*c as usize)
                .and_then(|c| c.reservation.as_ref())
                .is_some_and(|r| r.id == request.reservation_id)
        });
        let status = match connector {
            Some(_) => CancelReservationStatus::Accepted,
            None => CancelReservationStatus::Rejected,
        };
        self.respond(
            id,
            AnyResponse::CancelReservation(CancelReservationResponse { status }),
        );
        if let Some(connector) = connector {
            self.end_reservation(connector, now);
        }
    }

    /// Ends the reservation of `connector` (expired or cancelled) and tells the station.
    pub(crate) fn end_reservation(&mut self, connector: u32, now: Now) {
        let Some(reservation) = self
            .connector_mut(connector)
            .and_then(|c| c.reservation.take())
        else {
            return;
        };
        tracing::info!(connector, reservation = reservation.id, "reservation ended");
        self.commands.push_back(StationCommand::ReservationEnded {
            connector,
            reservation_id: reservation.id,
        });
        self.update_status(connector, now);
    }

    /// Reservations whose expiryDate has come.
    pub(crate) fn reservation_timer(&mut self, now: Now) {
        for connector in 1..=self.number_of_connectors() {
            let expired = self
                .connectors
                .get(connector as usize)
                .and_then(|c| c.reservation.as_ref())
                .is_some_and(|r| r.expires_at <= now.instant);
            if expired {
                self.end_reservation(connector, now);
            }
        }
    }

    /// Whether `id_tag` may use `connector` as far as its reservation goes.
    pub(crate) fn reservation_admits(
        &self,
        connector: u32,
        id_tag: &IdToken,
        info: Option<&IdTagInfo>,
    ) -> bool {
        self.connectors
            .get(connector as usize)
            .and_then(|c| c.reservation.as_ref())
            .is_none_or(|r| r.admits(id_tag, info))
    }
}
