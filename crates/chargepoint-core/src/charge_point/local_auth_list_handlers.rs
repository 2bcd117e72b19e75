//! SendLocalList (OCPP 1.6 §5.15) and GetLocalListVersion (§5.10): the handlers over the list
//! of `local_auth_list.rs`, and the list's place in authorization (§3.5.3).
//!
//! Both answer as libocpp does when the LocalAuthListManagement profile is not in
//! SupportedFeatureProfiles or LocalAuthListEnabled is false: SendLocalList NotSupported,
//! GetLocalListVersion -1. An accepted update is stored before it is applied, so a store
//! failure answers Failed and leaves the list as it was.
//!
//! In authorization the list goes before the cache ([`ChargePoint::local_id_tag_info`], as
//! libocpp's authorize_id_token). Every idTagInfo the central system sends passes through
//! [`ChargePoint::id_tag_info_received`]: an identifier on the list is not cached (the list
//! is the station's word on it, changed only by SendLocalList, §3.5.3), and when the central
//! system disagrees with the list's status the station reports it with a StatusNotification of
//! connector 0 with errorCode LocalListConflict (§3.5.3: "Conflicts between the local
//! authorization list and the validity reported in, for instance, a StartTransaction.conf
//! message ... the Charge Point SHALL inform the Central System by sending a StatusNotification
//! with ConnectorId set to 0, and ErrorCode set to 'LocalListConflict'").

use ocpp_rpc::MessageId;
use ocpp_types::core::{ChargePointErrorCode, StatusNotificationRequest};
use ocpp_types::id_tag::{IdTagInfo, IdToken};
use ocpp_types::local_auth_list::{
    GetLocalListVersionResponse, SendLocalListRequest, SendLocalListResponse, UpdateStatus,
};
use ocpp_types::{Action, AnyResponse, CiString50, DateTime};

use super::local_auth_list::{ListChange, ListLimits};
use super::message_queue::Purpose;
use super::{ChargePoint, Now};
use crate::config::ProfileName;

impl ChargePoint {
    /// The list's limits, or `None` when the list is off (profile not supported or
    /// LocalAuthListEnabled false).
    fn local_list_limits(&self) -> Option<ListLimits> {
        if !self
            .config
            .core()
            .supports(ProfileName::LocalAuthListManagement)
        {
            return None;
        }
        let section = self.config.typed().local_auth_list_management.as_ref()?;
        section.local_auth_list_enabled.then_some(ListLimits {
            max_length: section.local_auth_list_max_length,
            send_max_length: section.send_local_list_max_length,
        })
    }

    /// The local list's entry for `id_tag` at `now`, when the list is on.
    pub(crate) fn local_list_entry(&self, id_tag: &IdToken, now: &DateTime) -> Option<IdTagInfo> {
        self.local_list_limits()?;
        self.local_list.lookup(id_tag, now)
    }

    /// The central system's idTagInfo for `id_tag` (Authorize.conf, StartTransaction.conf,
    /// StopTransaction.conf): cached unless the list has the identifier; a status differing
    /// from the list's is reported as LocalListConflict.
    pub(crate) fn id_tag_info_received(&mut self, id_tag: &IdToken, info: &IdTagInfo, now: Now) {
        let clock = self.clock(now);
        let Some(listed) = self.local_list_entry(id_tag, &clock) else {
            return self.update_authorization_cache(id_tag, info);
        };
        if listed.status == info.status {
            return;
        }
        tracing::warn!(%id_tag, list = ?listed.status, central_system = ?info.status,
            "the central system disagrees with the local authorization list");
        let station = self.connectors.first().map(|c| c.status(true));
        let Some(status) = station else {
            return;
        };
        let request = StatusNotificationRequest {
            connector_id: 0,
            error_code: ChargePointErrorCode::LocalListConflict,
            info: Some(CiString50::truncating(&format!("idTag {id_tag}"))),
            status,
            timestamp: Some(clock),
            vendor_id: None,
            vendor_error_code: None,
        };
        self.queue.push_normal(
            Action::StatusNotification,
            ocpp_types::encode(&request),
            Purpose::StatusNotification,
        );
    }

    /// SendLocalList.req.
    #[inline(never)]
    pub(crate) fn on_send_local_list(&mut self, id: &MessageId, request: &SendLocalListRequest) {
        let status = match self.local_list_limits() {
            None => UpdateStatus::NotSupported,
            Some(limits) => match self.local_list.plan(request, limits) {
                Err(status) => status,
                Ok(change) => self.store_and_apply(change),
            },
        };
        tracing::info!(
            list_version = request.list_version,
            update_type = ?request.update_type,
            ?status,
            "SendLocalList"
        );
        self.respond(
            id,
            AnyResponse::SendLocalList(SendLocalListResponse { status }),
        );
    }

    fn store_and_apply(&mut self, change: ListChange) -> UpdateStatus {
        let stored = match &change {
            ListChange::Replace { version, entries } => {
                self.store.replace_local_list(*version, entries)
            }
            ListChange::Update {
                version,
                upserts,
                removals,
            } => self.store.update_local_list(*version, upserts, removals),
        };
        match stored {
            Ok(()) => {
                self.local_list.apply(change);
                UpdateStatus::Accepted
            }
            Err(e) => {
                tracing::error!(error = %e, "local authorization list not stored");
                UpdateStatus::Failed
            }
        }
    }

    /// GetLocalListVersion.req.
    #[inline(never)]
    pub(crate) fn on_get_local_list_version(&mut self, id: &MessageId) {
        let list_version = match self.local_list_limits() {
            None => -1,
            Some(_) => self.local_list.reported_version(),
        };
        self.respond(
            id,
            AnyResponse::GetLocalListVersion(GetLocalListVersionResponse { list_version }),
        );
    }
}
