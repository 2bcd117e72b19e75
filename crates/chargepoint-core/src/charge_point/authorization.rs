//! Authorization (OCPP 1.6 §4.1, §3.4, §3.5): an identifier presented at the station.
//!
//! - The identifier of a running transaction stops it (reason Local, the identifier becomes
//!   StopTransaction's idTag); no Authorize is needed for that (§3.4.1).
//! - Otherwise an Authorize.req goes to the central system, unless the station decides itself
//!   (`authorization_cache.rs`): at once with LocalPreAuthorize, and offline (or before
//!   registration) with LocalAuthorizeOffline / AllowOfflineTxForUnknownId; offline without
//!   them the identifier is not accepted. An Authorize.req that gets no answer (error,
//!   timeout) counts as not accepted; one cut off by a lost connection is decided as offline
//!   (libocpp's authorize_id_token falls back to AllowOfflineTxForUnknownId the same way).
//! - An accepted identifier whose parentIdTag is the parentIdTag (or the idTag) of a running
//!   transaction stops that transaction (reason Local, this identifier as StopTransaction's
//!   idTag) instead of starting a session (§3.5 "a group of identifiers"), when no connector it
//!   could use is free. The parent is learnt from the idTagInfo (Authorize.conf or the cache),
//!   so a second card of the group is authorized first. This is everest-core's Auth module
//!   (modules/EVSE/Auth/lib/AuthHandler.cpp, handle_token and used_for_transaction, with its
//!   default prioritize_authorization_over_stopping_transaction = true); libocpp itself only
//!   stores the parentIdTag with the transaction.
//! - Otherwise the answer becomes a [`StationCommand::AuthorizationResult`]; when accepted, the
//!   connector (the one given, the only one, or the first plugged-in free one) goes to
//!   Preparing until the transaction starts.

use std::time::Duration;

use ocpp_types::core::{AuthorizeRequest, Reason};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo, IdToken};
use ocpp_types::Action;

use super::authorization_cache::LocalDecision;
use super::message_queue::{AuthorizeFor, Purpose};
use super::{ChargePoint, Now, StationCommand};

impl ChargePoint {
    /// A user presented `id_tag`; `prevalidated` when another part of the station validated
    /// it already (no Authorize.req, but the reservation and group rules still apply).
    #[inline(never)]
    pub(crate) fn on_token_presented(
        &mut self,
        id_tag: IdToken,
        connector: Option<u32>,
        prevalidated: bool,
        now: Now,
    ) {
        if let Some(c) = connector.filter(|c| *c == 0 || *c > self.number_of_connectors()) {
            tracing::warn!(
                connector = c,
                "identifier presented for an unknown connector"
            );
            return self
                .commands
                .push_back(StationCommand::AuthorizationResult {
                    id_tag,
                    connector,
                    usable_connectors: Vec::new(),
                    accepted: false,
                    id_tag_info: None,
                });
        }
        if let Some(running) = self.connector_with_transaction_of(&id_tag, connector) {
            tracing::info!(
                connector = running,
                "identifier of the running transaction: stopping it"
            );
            return self.stop_by_identifier(running, id_tag);
        }
        let asked = AuthorizeFor {
            id_tag,
            connector,
            remote_start: None,
        };
        if prevalidated {
            // everest-core's Auth skips validation for a prevalidated token and goes on as
            // for an accepted one (AuthHandler::handle_token).
            tracing::info!(id_tag = %asked.id_tag, "prevalidated identifier: no Authorize");
            return self.authorization_decided(asked, true, None, now);
        }
        self.request_authorization(asked, now);
    }

    /// Queues an Authorize.req, or refuses at once when it cannot be sent.
    pub(crate) fn request_authorization(&mut self, asked: AuthorizeFor, now: Now) {
        if !self.may_send_normal() {
            return self.decide_offline(asked, now);
        }
        if let Some(info) = self.pre_authorized(&asked.id_tag, now) {
            tracing::info!(id_tag = %asked.id_tag, "LocalPreAuthorize: accepted from the cache");
            return self.authorization_decided(asked, true, Some(info), now);
        }
        let request = AuthorizeRequest {
            id_tag: asked.id_tag.clone(),
        };
        self.queue.push_normal(
            Action::Authorize,
            ocpp_types::encode(&request),
            Purpose::Authorize(asked),
        );
    }

    /// Authorize.conf (`None`: no answer could be had: not accepted, or decided as offline
    /// when the connection is gone).
    #[inline(never)]
    pub(crate) fn on_authorize_response(
        &mut self,
        asked: AuthorizeFor,
        id_tag_info: Option<IdTagInfo>,
        now: Now,
    ) {
        let Some(info) = id_tag_info else {
            if !self.may_send_normal() {
                tracing::info!(id_tag = %asked.id_tag, "Authorize cut off by the lost connection");
                return self.decide_offline(asked, now);
            }
            return self.authorization_decided(asked, false, None, now);
        };
        self.id_tag_info_received(&asked.id_tag, &info, now);
        let accepted = info.status == AuthorizationStatus::Accepted;
        if accepted && self.pricing_enabled() {
            // California Pricing: the decision waits for SetUserPrice (cost_and_price/).
            return self.wait_for_user_price(asked, info, now);
        }
        self.authorization_decided(asked, accepted, Some(info), now);
    }

    fn decide_offline(&mut self, asked: AuthorizeFor, now: Now) {
        let decision = self.offline_decision(&asked.id_tag, now);
        tracing::info!(id_tag = %asked.id_tag, ?decision, "offline: decided locally");
        match decision {
            LocalDecision::Accepted(info) => {
                self.authorization_decided(asked, true, Some(info), now)
            }
            LocalDecision::AcceptedUnknown => self.authorization_decided(asked, true, None, now),
            LocalDecision::Refused => self.authorization_decided(asked, false, None, now),
        }
    }

    /// Asks the station to stop the transaction on `connector` because `id_tag` was presented
    /// (the same identifier, or one of its group).
    fn stop_by_identifier(&mut self, connector: u32, id_tag: IdToken) {
        if let Some(tx) = self
            .connector_mut(connector)
            .and_then(|c| c.transaction.as_mut())
        {
            tx.stop_id_tag = Some(id_tag.clone());
        }
        self.commands
            .push_back(StationCommand::IdentifierStopsTransaction { id_tag, connector });
        self.commands.push_back(StationCommand::StopTransaction {
            connector,
            reason: Reason::Local,
        });
    }

    /// The identifier is accepted or not (by the central system or locally).
    pub(crate) fn authorization_decided(
        &mut self,
        asked: AuthorizeFor,
        accepted: bool,
        id_tag_info: Option<IdTagInfo>,
        now: Now,
    ) {
        if accepted && asked.remote_start.is_none() {
            let parent = id_tag_info.as_ref().and_then(|i| i.parent_id_tag.as_ref());
            if let Some(running) = parent.and_then(|p| self.group_transaction(p, asked.connector)) {
                tracing::info!(id_tag = %asked.id_tag, connector = running,
                    "identifier of the running transaction's group: stopping it");
                return self.stop_by_identifier(running, asked.id_tag);
            }
        }
        let connector = match &asked.remote_start {
            Some(remote) => Some(remote.connector),
            None => asked.connector.or_else(|| self.connector_for_session()),
        };
        let admitted = connector
            .is_none_or(|c| self.reservation_admits(c, &asked.id_tag, id_tag_info.as_ref(), now));
        if accepted && !admitted {
            tracing::info!(id_tag = %asked.id_tag, ?connector, "connector reserved for another identifier");
        }
        // Presented for the station with no car waiting: the station picks the connector, so
        // it is told which ones this identifier may use; none at all refuses it (everest-core's
        // select_evse finds no EVSE then).
        // A remote start authorizes its connector itself (remote_control.rs), so the station
        // has nothing to choose.
        let usable_connectors = match (&asked.remote_start, connector) {
            (Some(_), _) => Vec::new(),
            (None, Some(c)) => vec![c],
            (None, None) => self.usable_connectors(&asked.id_tag, id_tag_info.as_ref(), now),
        };
        let no_connector = asked.remote_start.is_none() && usable_connectors.is_empty();
        if accepted && admitted && no_connector {
            tracing::info!(id_tag = %asked.id_tag, "no connector is free for this identifier");
        }
        let accepted = accepted && admitted && !no_connector;
        self.commands
            .push_back(StationCommand::AuthorizationResult {
                id_tag: asked.id_tag.clone(),
                connector: asked.connector,
                usable_connectors: if accepted {
                    usable_connectors
                } else {
                    Vec::new()
                },
                accepted,
                id_tag_info,
            });
        if !accepted {
            return;
        }
        // California Pricing: the session's tariff, where its connector is known already
        // (else when its transaction starts).
        if let Some(id) = connector {
            self.start_pricing_session(id, &asked.id_tag);
        }
        // A remote start authorizes its connector itself (or waits for the next car plugged
        // in, without one): remote_control.rs.
        if let Some(remote) = asked.remote_start {
            return self.start_remotely(remote, asked.id_tag, now);
        }
        if let Some(id) = connector {
            self.authorize_connector(id, asked.id_tag.clone(), now);
        }
    }

    /// `id_tag` may start a transaction on connector `id` (if it is free): Preparing until the
    /// transaction starts, or until ConnectionTimeOut passes without a cable plugged in.
    pub(crate) fn authorize_connector(&mut self, id: u32, id_tag: IdToken, now: Now) {
        let timeout = self.config.core().connection_time_out;
        if let Some(c) = self.connector_mut(id).filter(|c| c.is_free()) {
            c.authorized = Some(id_tag);
            c.finishing = false;
            c.authorized_until = (!c.plugged && timeout > 0)
                .then(|| now.instant + Duration::from_secs(u64::from(timeout)));
        }
        self.update_status(id, now);
    }

    /// ConnectionTimeOut (OCPP 1.6 §9.1.7): an authorization without a cable plugged in
    /// expires; the station is told to forget it (and a remote start waiting for the cable).
    pub(crate) fn authorization_timer(&mut self, now: Now) {
        for id in 1..=self.number_of_connectors() {
            let Some(c) = self.connector_mut(id) else {
                continue;
            };
            if c.authorized_until.is_none_or(|t| t > now.instant) {
                continue;
            }
            c.authorized_until = None;
            let Some(id_tag) = c.authorized.take() else {
                continue;
            };
            tracing::info!(
                connector = id,
                "ConnectionTimeOut: no cable plugged in; authorization expired"
            );
            self.commands
                .push_back(StationCommand::AuthorizationExpired {
                    connector: id,
                    id_tag,
                });
            self.update_status(id, now);
        }
    }

    /// The connector a session without a chosen connector goes to: the only one, or the first
    /// free one with a cable plugged in.
    /// The connectors `id_tag` may start a session at now (see
    /// [`StationCommand::AuthorizationResult`]): free, nobody authorized there, admitted by
    /// the reservations; one reserved for this identifier (or its group) first.
    fn usable_connectors(&self, id_tag: &IdToken, info: Option<&IdTagInfo>, now: Now) -> Vec<u32> {
        let mut usable: Vec<u32> = (1..=self.number_of_connectors())
            .filter(|id| {
                self.connectors
                    .get(*id as usize)
                    .is_some_and(|c| c.is_free() && c.authorized.is_none())
            })
            .filter(|id| self.reservation_admits(*id, id_tag, info, now))
            .collect();
        // A stable sort: the reserved ones (necessarily this identifier's) first.
        usable.sort_by_key(|id| {
            self.connectors
                .get(*id as usize)
                .is_none_or(|c| c.reservation.is_none())
        });
        usable
    }

    fn connector_for_session(&self) -> Option<u32> {
        if self.number_of_connectors() == 1 {
            return Some(1);
        }
        (1..=self.number_of_connectors()).find(|id| {
            self.connectors
                .get(*id as usize)
                .is_some_and(|c| c.plugged && c.is_free() && c.authorized.is_none())
        })
    }

    /// The connector whose transaction an identifier with parentIdTag `parent`, presented for
    /// `connector` (or the station), stops: one whose transaction's idTag or parentIdTag is
    /// `parent`, when no connector the identifier could use is free (everest-core's
    /// prioritize_authorization_over_stopping_transaction: a free connector gets a new session).
    fn group_transaction(&self, parent: &IdToken, connector: Option<u32>) -> Option<u32> {
        let in_scope = |id: &u32| connector.is_none_or(|c| c == *id);
        let connectors = || (1..=self.number_of_connectors()).filter(in_scope);
        let free = connectors().any(|id| {
            self.connectors
                .get(id as usize)
                .is_some_and(|c| c.is_free() && c.authorized.is_none())
        });
        if free {
            return None;
        }
        connectors().find(|id| {
            self.connectors
                .get(*id as usize)
                .and_then(|c| c.transaction.as_ref())
                .is_some_and(|t| {
                    t.record.id_tag == *parent || t.record.parent_id_tag.as_ref() == Some(parent)
                })
        })
    }

    /// The connector whose transaction runs for `id_tag` (on `connector` if given).
    fn connector_with_transaction_of(
        &self,
        id_tag: &IdToken,
        connector: Option<u32>,
    ) -> Option<u32> {
        (1..=self.number_of_connectors())
            .filter(|id| connector.is_none_or(|c| c == *id))
            .find(|id| {
                self.connectors
                    .get(*id as usize)
                    .and_then(|c| c.transaction.as_ref())
                    .is_some_and(|t| t.record.id_tag == *id_tag)
            })
    }
}
