//! The authorization cache (OCPP 1.6 §3.5.1) and what it allows: LocalPreAuthorize,
//! LocalAuthorizeOffline, AllowOfflineTxForUnknownId, and ClearCache (§5.4).
//!
//! With AuthorizationCacheEnabled, every idTagInfo the central system sends (Authorize.conf,
//! StartTransaction.conf, StopTransaction.conf) is stored for its identifier. An identifier
//! counts as locally accepted when its cached status is Accepted and its expiryDate, if any,
//! lies after the (central-system corrected) clock. The local authorization list comes later.

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
        if let Err(e) = self.store.save_cached_authorization(id_tag, info) {
            tracing::warn!(error = %e, "authorization cache not updated");
        }
    }

    /// The cached idTagInfo of `id_tag` if it is Accepted and not expired.
    fn cached_acceptance(&self, id_tag: &IdToken, now: Now) -> Option<IdTagInfo> {
        if !self.cache_enabled() {
            return None;
        }
        let info = self
            .store
            .cached_authorization(id_tag)
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "authorization cache not readable");
                None
            })?;
        let expired = info.expiry_date.is_some_and(|t| t <= self.clock(now));
        (info.status == AuthorizationStatus::Accepted && !expired).then_some(info)
    }

    /// Online: with LocalPreAuthorize an identifier the cache accepts starts at once, without
    /// an Authorize.req.
    pub(crate) fn pre_authorized(&self, id_tag: &IdToken, now: Now) -> Option<IdTagInfo> {
        if !self.config.core().local_pre_authorize {
            return None;
        }
        self.cached_acceptance(id_tag, now)
    }

    /// Offline (or not registered): the cache decides with LocalAuthorizeOffline; an identifier
    /// the cache does not know is accepted with AllowOfflineTxForUnknownId.
    pub(crate) fn offline_decision(&self, id_tag: &IdToken, now: Now) -> LocalDecision {
        let core = self.config.core();
        if core.local_authorize_offline {
            if let Some(info) = self.cached_acceptance(id_tag, now) {
                return LocalDecision::Accepted(info);
            }
        }
        let known = self.cache_enabled()
            && self
                .store
                .cached_authorization(id_tag)
                .ok()
                .flatten()
                .is_some();
        if core.allow_offline_tx_for_unknown_id == Some(true) && !known {
            return LocalDecision::AcceptedUnknown;
        }
        LocalDecision::Refused
    }

    /// ClearCache.req: Accepted when there is a cache and it was emptied, otherwise Rejected.
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
        self.respond(id, AnyResponse::ClearCache(ClearCacheResponse { status }));
    }
}
