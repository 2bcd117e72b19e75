//! Authorization (OCPP 1.6 §4.1, §3.4): an identifier presented at the station.
//!
//! - The identifier of a running transaction stops it (reason Local, the identifier becomes
//!   StopTransaction's idTag); no Authorize is needed for that (§3.4.1).
//! - Otherwise an Authorize.req goes to the central system, unless the authorization cache
//!   decides (`authorization_cache.rs`): at once with LocalPreAuthorize, and offline (or
//!   before registration) with LocalAuthorizeOffline / AllowOfflineTxForUnknownId; offline
//!   without them the identifier is not accepted. An Authorize.req that gets no answer (error,
//!   timeout, connection lost) counts as not accepted. The local list comes later.
//! - Authorize.conf becomes a [`StationCommand::AuthorizationResult`]; when accepted, the
//!   connector (the one given, the only one, or the first plugged-in free one) goes to
//!   Preparing until the transaction starts.

use std::time::Duration;

use ocpp_types::core::AuthorizeRequest;
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo, IdToken};
use ocpp_types::Action;

use super::authorization_cache::LocalDecision;
use super::message_queue::{AuthorizeFor, Purpose};
use super::{ChargePoint, Now, StationCommand};

impl ChargePoint {
    /// A user presented `id_tag`.
    pub(crate) fn on_token_presented(&mut self, id_tag: IdToken, connector: Option<u32>, now: Now) {
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
                    accepted: false,
                    id_tag_info: None,
                });
        }
        if let Some(running) = self.connector_with_transaction_of(&id_tag, connector) {
            tracing::info!(
                connector = running,
                "identifier of the running transaction: stopping it"
            );
            if let Some(tx) = self
                .connector_mut(running)
                .and_then(|c| c.transaction.as_mut())
            {
                tx.stop_id_tag = Some(id_tag);
            }
            return self.commands.push_back(StationCommand::StopTransaction {
                connector: running,
                reason: ocpp_types::core::Reason::Local,
            });
        }
        self.request_authorization(
            AuthorizeFor {
                id_tag,
                connector,
                remote_start: None,
            },
            now,
        );
    }

    /// Queues an Authorize.req, or refuses at once when it cannot be sent.
    pub(crate) fn request_authorization(&mut self, asked: AuthorizeFor, now: Now) {
        if !self.may_send_normal() {
            let decision = self.offline_decision(&asked.id_tag, now);
            tracing::info!(id_tag = %asked.id_tag, ?decision, "offline: decided locally");
            return match decision {
                LocalDecision::Accepted(info) => {
                    self.authorization_decided(asked, true, Some(info), now)
                }
                LocalDecision::AcceptedUnknown => {
                    self.authorization_decided(asked, true, None, now)
                }
                LocalDecision::Refused => self.authorization_decided(asked, false, None, now),
            };
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

    /// Authorize.conf (`None`: no answer could be had, so not accepted).
    pub(crate) fn on_authorize_response(
        &mut self,
        asked: AuthorizeFor,
        id_tag_info: Option<IdTagInfo>,
        now: Now,
    ) {
        if let Some(info) = &id_tag_info {
            self.update_authorization_cache(&asked.id_tag, info);
        }
        let accepted = id_tag_info
            .as_ref()
            .is_some_and(|i| i.status == AuthorizationStatus::Accepted);
        self.authorization_decided(asked, accepted, id_tag_info, now);
    }

    /// The identifier is accepted or not (by the central system or locally).
    fn authorization_decided(
        &mut self,
        asked: AuthorizeFor,
        accepted: bool,
        id_tag_info: Option<IdTagInfo>,
        now: Now,
    ) {
        let connector = match &asked.remote_start {
            Some(remote) => Some(remote.connector),
            None => asked.connector.or_else(|| self.connector_for_session()),
        };
        let admitted = connector
            .is_none_or(|c| self.reservation_admits(c, &asked.id_tag, id_tag_info.as_ref()));
        if accepted && !admitted {
            tracing::info!(id_tag = %asked.id_tag, ?connector, "connector reserved for another identifier");
        }
        let accepted = accepted && admitted;
        self.commands
            .push_back(StationCommand::AuthorizationResult {
                id_tag: asked.id_tag.clone(),
                connector: asked.connector,
                accepted,
                id_tag_info,
            });
        if !accepted {
            return;
        }
        if let Some(id) = connector {
            self.authorize_connector(id, asked.id_tag.clone(), now);
        }
        if let Some(remote) = asked.remote_start {
            self.commands.push_back(StationCommand::RemoteStart {
                connector: remote.connector,
                id_tag: asked.id_tag,
                charging_profile: remote.charging_profile,
            });
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
