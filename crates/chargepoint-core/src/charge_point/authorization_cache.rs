//! The authorization cache (OCPP 1.6 §3.5.1) and what it allows: LocalPreAuthorize,
//! LocalAuthorizeOffline, AllowOfflineTxForUnknownId, and ClearCache (§5.4).
//!
//! With AuthorizationCacheEnabled, every idTagInfo the central system sends (Authorize.conf,
//! StartTransaction.conf, and StopTransaction.conf for the idTag of its request) is stored for
//! its identifier. An identifier counts as locally accepted when its cached status is Accepted
//! and its expiryDate, if any, lies after the (central-system corrected) clock; an entry found
//! expired is stored as Expired (as libocpp's validate_against_cache_entries,
//! lib/ocpp/v16/charge_point_impl.cpp), so it no longer counts as accepted even if the clock
//! is set back.
//!
//! [`ChargePoint::local_id_tag_info`] is the one place that reads what the station knows
//! without asking; the local authorization list (`local_auth_list_handlers.rs`) is consulted
//! there before the cache (as libocpp's authorize_id_token).

use ocpp_rpc::MessageId;
use ocpp_types::core::{ClearCacheResponse, ClearCacheStatus};
use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo, IdToken};
use ocpp_types::AnyResponse;

use super::{ChargePoint, Now};

/// How an identifier may be decided without asking the central system.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LocalDecision {
    /// Accepted with this cached idTagInfo.
    Accepted(IdTagInfo),
    /// Accepted although unknown (AllowOfflineTxForUnknownId, offline only).
    AcceptedUnknown,
    /// Not accepted.
    Refused,
}

impl ChargePoint {
    fn cache_enabled(&self) -> bool {
        self.config.core().authorization_cache_enabled == Some(true)
    }

    /// Stores the central system's word on `id_tag`, when the cache is enabled.
    pub(crate) fn update_authorization_cache(&mut self, id_tag: &IdToken, info: &IdTagInfo) {
        if !self.cache_enabled() {
            return;
        }
        tracing::debug!(%id_tag, status = ?info.status, "authorization cache updated");
        if let Err(e) = self.store.save_cached_authorization(id_tag, info) {
            tracing::warn!(error = %e, "authorization cache not updated");
        }
    }

    /// The cache entry of `id_tag`, whatever its status (`None` without a cache).
    fn cache_entry(&self, id_tag: &IdToken) -> Option<IdTagInfo> {
        if !self.cache_enabled() {
            return None;
        }
        self.store.cached_authorization(id_tag).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "authorization cache not readable");
            None
        })
    }

    /// The parentIdTag the local list or the cache knows for `id_tag`, if any.
    pub(crate) fn cached_parent(&self, id_tag: &IdToken, now: Now) -> Option<IdToken> {
        if let Some(listed) = self.local_list_entry(id_tag, &self.clock(now)) {
            return listed.parent_id_tag;
        }
        self.cache_entry(id_tag)?.parent_id_tag
    }

    /// What the station knows of `id_tag` without asking, whatever its status: the entry of
    /// the local authorization list (it goes first: libocpp's authorize_id_token decides by
    /// the list alone when it has the identifier), else the cache's. An Accepted entry found
    /// expired is returned as Expired (and stored so in the cache; the list changes only by
    /// SendLocalList).
    pub(crate) fn local_id_tag_info(&mut self, id_tag: &IdToken, now: Now) -> Option<IdTagInfo> {
        if let Some(listed) = self.local_list_entry(id_tag, &self.clock(now)) {
            return Some(listed);
        }
        let mut info = self.cache_entry(id_tag)?;
        let expired = info.expiry_date.is_some_and(|t| t <= self.clock(now));
        if info.status == AuthorizationStatus::Accepted && expired {
            tracing::info!(%id_tag, "cached identifier expired");
            info.status = AuthorizationStatus::Expired;
            self.update_authorization_cache(id_tag, &info);
        }
        Some(info)
    }

    /// Online: with LocalPreAuthorize an identifier the station accepts itself starts at once,
    /// without an Authorize.req (one it knows as not accepted is still asked about, as
    /// libocpp).
    pub(crate) fn pre_authorized(&mut self, id_tag: &IdToken, now: Now) -> Option<IdTagInfo> {
        if !self.config.core().local_pre_authorize {
            return None;
        }
        self.local_id_tag_info(id_tag, now)
            .filter(|i| i.status == AuthorizationStatus::Accepted)
    }

    /// Offline (or not registered): with LocalAuthorizeOffline the station decides for the
    /// identifiers it knows; the others are accepted with AllowOfflineTxForUnknownId. An
    /// identifier known as not accepted (Blocked, Expired, ...) stays refused then: OCPP 1.6
    /// allows only unknown ones. Without LocalAuthorizeOffline nothing local is consulted and
    /// AllowOfflineTxForUnknownId alone decides, as libocpp's authorize_id_token
    /// (lib/ocpp/v16/charge_point_impl.cpp), which accepts whatever it could not send an
    /// Authorize.req for.
    pub(crate) fn offline_decision(&mut self, id_tag: &IdToken, now: Now) -> LocalDecision {
        let core = self.config.core();
        let (authorize_offline, allow_unknown) = (
            core.local_authorize_offline,
            core.allow_offline_tx_for_unknown_id == Some(true),
        );
        let known = if authorize_offline {
            self.local_id_tag_info(id_tag, now)
        } else {
            None
        };
        match known {
            Some(info) if info.status == AuthorizationStatus::Accepted => {
                LocalDecision::Accepted(info)
            }
            Some(_) => LocalDecision::Refused,
            None if allow_unknown => LocalDecision::AcceptedUnknown,
            None => LocalDecision::Refused,
        }
    }

    /// ClearCache.req: Accepted when there is a cache and it was emptied, otherwise Rejected.
    #[inline(never)]
    pub(crate) fn on_clear_cache(&mut self, id: &MessageId) {
        let status = if !self.cache_enabled() {
            ClearCacheStatus::Rejected
        } else {
            match self.store.clear_authorization_cache() {
                Ok(()) => ClearCacheStatus::Accepted,
                Err(e) => {
                    tracing::error!(error = %e, "authorization cache not cleared");
                    ClearCacheStatus::Rejected
                }
            }
        };
        tracing::info!(?status, "ClearCache");
        self.respond(id, AnyResponse::ClearCache(ClearCacheResponse { status }));
    }
}
