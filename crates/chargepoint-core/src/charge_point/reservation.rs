//! Reservations (OCPP 1.6 §5.13 ReserveNow, §5.1 CancelReservation, §3.6), as libocpp's
//! handleReserveNowRequest / handleCancelReservationRequest (charge_point_impl.cpp) and the
//! reservation handling of everest-core's Auth module behind them
//! (modules/EVSE/Auth/lib/ReservationHandler.cpp).
//!
//! - ReserveNow is Rejected when the Reservation profile is not in SupportedFeatureProfiles
//!   (libocpp), for an unknown connector, for connector 0 unless ReserveConnectorZeroSupported
//!   is true (libocpp), and for an expiryDate already past (everest-core make_reservation);
//!   Faulted / Unavailable when the connector is; Occupied when it is in use (a transaction,
//!   a user or a cable waiting, Finishing), reserved under another reservationId, or the last
//!   connector a reservation of connector 0 can still use. Otherwise Accepted: the connector is
//!   Reserved until expiryDate, until a transaction starts on it, or until CancelReservation.
//! - A reservationId already in force is replaced by the new reservation, wherever it was
//!   (§5.13; everest-core H01.FR.01): the old connector is freed. When the new one cannot be
//!   made the old one stays (the spec replaces a reservation only with one that was accepted).
//! - Connector 0 (ReserveConnectorZeroSupported): one reservation for the station as a whole,
//!   kept on connector 0 (whose status stays Available: §4.9 gives connector 0 no Reserved). A
//!   connector is refused to other identifiers when it is the last free one, so that one stays
//!   for the reservation (§5.13 "make sure that at any time during the validity of the
//!   reservation, one connector remains available for the reserved idTag"; everest-core
//!   is_reservation_possible), and that last free connector shows Reserved while it is (as
//!   everest-core's check_number_global_reservations_match_number_available_evses sets the
//!   EVSEs Reserved when there are as many free ones as station reservations); it goes back to
//!   Available as soon as another connector is free again.
//! - A reserved connector serves only its idTag, or an identifier with the same parentIdTag
//!   (from the Authorize answer, else the local list or cache); any other is not accepted for it,
//!   and a RemoteStartTransaction for another identifier is Rejected there (as libocpp's
//!   is_token_reserved_for_connector_callback). Identifiers compare ignoring case (CiString),
//!   as everest-core's matches_reserved_identifier.
//! - The transaction that uses a reservation carries its reservationId in StartTransaction
//!   (the station's, or the one of the connector's reservation its identifier may use when the
//!   station does not know it) and ends it without [`StationCommand::ReservationEnded`].
//! - Reservations are stored ([`Store::save_reservation`](super::Store::save_reservation))
//!   before ReserveNow is answered and survive a restart, as everest-core's
//!   ReservationHandler::load_reservations; one found expired at start is dropped.
//! - The station hears of them with [`StationCommand::Reserved`] and
//!   [`StationCommand::ReservationEnded`].

use std::time::{Duration, Instant};

use ocpp_rpc::MessageId;
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::reservation::{
    CancelReservationRequest, CancelReservationResponse, CancelReservationStatus,
    ReservationStatus, ReserveNowRequest, ReserveNowResponse,
};
use ocpp_types::{AnyResponse, DateTime};

use super::store::StoredReservation;
use super::{ChargePoint, Now, StationCommand};
use crate::config::ProfileName;

/// A reservation of one connector (or, on connector 0, of the station).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reservation {
    pub id: i32,
    pub id_tag: IdToken,
    pub parent_id_tag: Option<IdToken>,
    /// The expiryDate, for the store.
    pub expiry_date: DateTime,
    pub expires_at: Instant,
}

impl Reservation {
    /// Whether `id_tag`, whose parentIdTag is `parent` (if known), may use the reservation.
    pub fn admits(&self, id_tag: &IdToken, parent: Option<&IdToken>) -> bool {
        if *id_tag == self.id_tag {
            return true;
        }
        matches!((parent, &self.parent_id_tag), (Some(p), Some(r)) if p == r)
    }

    fn stored(&self, connector: u32) -> StoredReservation {
        StoredReservation {
            id: self.id,
            connector,
            id_tag: self.id_tag.clone(),
            parent_id_tag: self.parent_id_tag.clone(),
            expiry_date: self.expiry_date,
        }
    }
}

impl ChargePoint {
    /// ReserveNow.req.
    #[inline(never)]
    pub(crate) fn on_reserve_now(&mut self, id: &MessageId, request: &ReserveNowRequest, now: Now) {
        let status = self.reservation_status(request, now);
        tracing::info!(
            connector = request.connector_id,
            reservation = request.reservation_id,
            ?status,
            "ReserveNow"
        );
        let connector = u32::try_from(request.connector_id)
            .ok()
            .filter(|_| status == ReservationStatus::Accepted);
        let Some(connector) = connector else {
            return self.respond(id, AnyResponse::ReserveNow(ReserveNowResponse { status }));
        };
        let millis = request.expiry_date.unix_millis() - self.clock(now).unix_millis();
        let reservation = Reservation {
            id: request.reservation_id,
            id_tag: request.id_tag.clone(),
            parent_id_tag: request.parent_id_tag.clone(),
            expiry_date: request.expiry_date,
            expires_at: now.instant + Duration::from_millis(millis.unsigned_abs()),
        };
        // The same reservationId elsewhere is replaced (moved to this connector); its record is
        // overwritten by the new one.
        let old = (0..=self.number_of_connectors())
            .filter(|c| *c != connector)
            .find_map(|c| {
                let r = self.connector_mut(c)?;
                let taken = r.reservation.take_if(|r| r.id == reservation.id)?;
                Some((c, taken.id))
            });
        // Stored before it is answered: an accepted reservation survives a power loss.
        if let Err(e) = self.store.save_reservation(&reservation.stored(connector)) {
            tracing::error!(reservation = reservation.id, error = %e,
                "reservation not stored; kept in memory only");
        }
        self.respond(id, AnyResponse::ReserveNow(ReserveNowResponse { status }));
        if let Some((old, reservation_id)) = old {
            tracing::info!(
                connector = old,
                reservation = reservation_id,
                "reservation moved to another connector"
            );
            self.commands.push_back(StationCommand::ReservationEnded {
                connector: old,
                reservation_id,
            });
            self.update_status(old, now);
        }
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

    fn reservation_of(&self, connector: u32) -> Option<&Reservation> {
        self.connectors
            .get(connector as usize)?
            .reservation
            .as_ref()
    }

    /// Sets `held_for_station` on the connector the station's reservation must keep (the
    /// only one free for it) and clears it elsewhere; returns the connectors whose flag
    /// changed.
    pub(crate) fn refresh_station_hold(&mut self) -> Vec<u32> {
        let held = match self.reservation_of(0).map(|r| r.id) {
            Some(station) => {
                let free: Vec<u32> = (1..=self.number_of_connectors())
                    .filter(|c| self.reservable(*c, station))
                    .filter(|c| self.reservation_of(*c).is_none())
                    .collect();
                // One station reservation at most, so it holds a connector when one is left.
                match free[..] {
                    [one] => Some(one),
                    _ => None,
                }
            }
            None => None,
        };
        let mut changed = Vec::new();
        for id in 1..=self.number_of_connectors() {
            if let Some(c) = self.connector_mut(id) {
                let hold = held == Some(id);
                if c.held_for_station != hold {
                    c.held_for_station = hold;
                    changed.push(id);
                }
            }
        }
        changed
    }

    /// Whether connector `c` could serve a reservation now: operative, no fault, nobody using
    /// or waiting at it, no reservation other than `except`.
    fn reservable(&self, c: u32, except: i32) -> bool {
        self.connectors.get(c as usize).is_some_and(|c| {
            c.is_free()
                && c.authorized.is_none()
                && !c.plugged
                && c.reservation.as_ref().is_none_or(|r| r.id == except)
        })
    }

    fn reservation_status(&self, request: &ReserveNowRequest, now: Now) -> ReservationStatus {
        if !self.config.core().supports(ProfileName::Reservation) {
            return ReservationStatus::Rejected;
        }
        let zero_supported = self
            .config
            .typed()
            .reservation
            .as_ref()
            .and_then(|r| r.reserve_connector_zero_supported)
            == Some(true);
        let connector = u32::try_from(request.connector_id)
            .ok()
            .filter(|c| *c <= self.number_of_connectors())
            .filter(|c| *c > 0 || zero_supported);
        let Some(connector) = connector else {
            return ReservationStatus::Rejected;
        };
        if request.expiry_date <= self.clock(now) {
            return ReservationStatus::Rejected;
        }
        let id = request.reservation_id;
        let station = self.connectors.first();
        // A reservation of connector 0 other than this one, and what it needs.
        let station_reservation = station
            .and_then(|s| s.reservation.as_ref())
            .filter(|r| r.id != id);
        let connectors = 1..=self.number_of_connectors();
        if connector == 0 {
            if station.is_some_and(|s| s.fault.is_some()) {
                return ReservationStatus::Faulted;
            }
            if station.is_some_and(|s| s.inoperative) {
                return ReservationStatus::Unavailable;
            }
            if station_reservation.is_some() || !connectors.clone().any(|c| self.reservable(c, id))
            {
                // As everest-core's get_reservation_evse_connector_state: Faulted or
                // Unavailable only when every connector is.
                let all = |f: fn(&super::connector_status::Connector) -> bool| {
                    connectors
                        .clone()
                        .all(|c| self.connectors.get(c as usize).is_some_and(f))
                };
                if station_reservation.is_none() && all(|c| c.fault.is_some()) {
                    return ReservationStatus::Faulted;
                }
                if station_reservation.is_none() && all(|c| c.inoperative) {
                    return ReservationStatus::Unavailable;
                }
                return ReservationStatus::Occupied;
            }
            return ReservationStatus::Accepted;
        }
        let Some(c) = self.connectors.get(connector as usize) else {
            return ReservationStatus::Rejected;
        };
        if c.fault.is_some() {
            return ReservationStatus::Faulted;
        }
        if c.inoperative {
            return ReservationStatus::Unavailable;
        }
        if !self.reservable(connector, id) {
            return ReservationStatus::Occupied;
        }
        // The reservation of connector 0 keeps its last free connector.
        let others_free = connectors
            .filter(|other| *other != connector)
            .any(|other| self.reservable(other, id));
        if station_reservation.is_some() && !others_free {
            return ReservationStatus::Occupied;
        }
        ReservationStatus::Accepted
    }

    /// CancelReservation.req.
    #[inline(never)]
    pub(crate) fn on_cancel_reservation(
        &mut self,
        id: &MessageId,
        request: &CancelReservationRequest,
        now: Now,
    ) {
        let connector = (0..=self.number_of_connectors()).find(|c| {
            self.reservation_of(*c)
                .is_some_and(|r| r.id == request.reservation_id)
        });
        let status = match connector {
            Some(_) => CancelReservationStatus::Accepted,
            None => CancelReservationStatus::Rejected,
        };
        tracing::info!(
            reservation = request.reservation_id,
            ?status,
            "CancelReservation"
        );
        self.respond(
            id,
            AnyResponse::CancelReservation(CancelReservationResponse { status }),
        );
        if let Some(connector) = connector {
            self.end_reservation(connector, now);
        }
    }

    /// Forgets the reservation `id` in the store.
    fn forget_reservation(&mut self, id: i32) {
        if let Err(e) = self.store.remove_reservation(id) {
            tracing::error!(reservation = id, error = %e, "reservation not removed from the store");
        }
    }

    /// Ends the reservation of `connector` (expired, cancelled or replaced) and tells the
    /// station.
    pub(crate) fn end_reservation(&mut self, connector: u32, now: Now) {
        let Some(reservation) = self
            .connector_mut(connector)
            .and_then(|c| c.reservation.take())
        else {
            return;
        };
        tracing::info!(connector, reservation = reservation.id, "reservation ended");
        self.forget_reservation(reservation.id);
        self.commands.push_back(StationCommand::ReservationEnded {
            connector,
            reservation_id: reservation.id,
        });
        self.update_status(connector, now);
    }

    /// Reservations whose expiryDate has come.
    pub(crate) fn reservation_timer(&mut self, now: Now) {
        for connector in 0..=self.number_of_connectors() {
            let expired = self
                .reservation_of(connector)
                .is_some_and(|r| r.expires_at <= now.instant);
            if expired {
                tracing::info!(connector, "reservation expired");
                self.end_reservation(connector, now);
            }
        }
    }

    /// Whether `id_tag` may use `connector` as far as the reservations go: the connector's own
    /// reservation must admit it; a reservation of connector 0 that does not admit it leaves it
    /// the connector only when another one stays free for the reservation. The parentIdTag is
    /// `info`'s, else the local list's or the cache's.
    pub(crate) fn reservation_admits(
        &self,
        connector: u32,
        id_tag: &IdToken,
        info: Option<&IdTagInfo>,
        now: Now,
    ) -> bool {
        let parent = info
            .and_then(|i| i.parent_id_tag.clone())
            .or_else(|| self.cached_parent(id_tag, now));
        let admits = |r: &Reservation| r.admits(id_tag, parent.as_ref());
        if let Some(own) = self.reservation_of(connector) {
            return admits(own);
        }
        let Some(station) = self.reservation_of(0).filter(|r| !admits(r)) else {
            return true;
        };
        (1..=self.number_of_connectors())
            .filter(|c| *c != connector)
            .any(|c| self.reservable(c, station.id))
    }

    /// Whether a RemoteStartTransaction of `id_tag` may be accepted at `connector` before
    /// its Authorize: the reservation admits it, or, with AuthorizeRemoteTxRequests, the
    /// connector's reservation has a parentIdTag that the Authorize.conf may give. libocpp
    /// rejects a remote start at a reserved connector only for `ReservedForOtherToken`, not
    /// `ReservedForOtherTokenAndHasParentToken` (EVerest's `test_reservation_with_parentid`
    /// expects Accepted); the Authorize.conf's parent then decides
    /// ([`authorization_decided`](Self::authorization_decided)).
    pub(crate) fn reservation_may_admit_remote_start(
        &self,
        connector: u32,
        id_tag: &IdToken,
        now: Now,
    ) -> bool {
        if self.reservation_admits(connector, id_tag, None, now) {
            return true;
        }
        self.config.core().authorize_remote_tx_requests
            && self
                .reservation_of(connector)
                .is_some_and(|r| r.parent_id_tag.is_some())
    }

    /// The reservationId a transaction of `id_tag` starting on `connector` uses: the
    /// connector's reservation when the identifier may use it (or was authorized there, which
    /// checked it), else the reservation of connector 0 when it may use that.
    pub(crate) fn reservation_for_transaction(
        &self,
        connector: u32,
        id_tag: &IdToken,
        now: Now,
    ) -> Option<i32> {
        let parent = self.cached_parent(id_tag, now);
        let authorized_here = self
            .connectors
            .get(connector as usize)
            .and_then(|c| c.authorized.as_ref())
            .is_some_and(|a| a == id_tag);
        if let Some(own) = self.reservation_of(connector) {
            return (authorized_here || own.admits(id_tag, parent.as_ref())).then_some(own.id);
        }
        self.reservation_of(0)
            .filter(|r| r.admits(id_tag, parent.as_ref()))
            .map(|r| r.id)
    }

    /// A transaction started (or was resumed) on `connector` with `reservation_id`: the
    /// connector's reservation is used up, and so is the reservation of connector 0 that the
    /// transaction names. Neither is reported ended: the station started the transaction.
    pub(crate) fn reservation_used(&mut self, connector: u32, reservation_id: Option<i32>) {
        let own = self
            .connector_mut(connector)
            .and_then(|c| c.reservation.take());
        let station = self
            .connector_mut(0)
            .filter(|s| {
                s.reservation
                    .as_ref()
                    .is_some_and(|r| Some(r.id) == reservation_id)
            })
            .and_then(|s| s.reservation.take());
        for used in own.into_iter().chain(station) {
            tracing::info!(
                connector,
                reservation = used.id,
                "reservation used by a transaction"
            );
            self.forget_reservation(used.id);
        }
    }

    /// The stored reservations at start: those still in force hold their connectors again
    /// (the station is told), expired ones and ones of unknown connectors are dropped.
    pub(crate) fn restore_reservations(&mut self, stored: Vec<StoredReservation>, now: Now) {
        let clock = self.clock(now);
        for record in stored {
            let taken = self
                .connectors
                .get(record.connector as usize)
                .map(|c| c.reservation.is_some());
            if record.expiry_date <= clock || taken != Some(false) {
                tracing::info!(
                    reservation = record.id,
                    connector = record.connector,
                    "stored reservation expired or its connector is gone: dropped"
                );
                self.forget_reservation(record.id);
                continue;
            }
            let millis = record.expiry_date.unix_millis() - clock.unix_millis();
            let reservation = Reservation {
                id: record.id,
                id_tag: record.id_tag.clone(),
                parent_id_tag: record.parent_id_tag,
                expiry_date: record.expiry_date,
                expires_at: now.instant + Duration::from_millis(millis.unsigned_abs()),
            };
            tracing::info!(
                reservation = record.id,
                connector = record.connector,
                "reservation restored"
            );
            if let Some(c) = self.connector_mut(record.connector) {
                c.reservation = Some(reservation);
            }
            self.commands.push_back(StationCommand::Reserved {
                connector: record.connector,
                reservation_id: record.id,
                id_tag: record.id_tag,
            });
        }
    }
}
