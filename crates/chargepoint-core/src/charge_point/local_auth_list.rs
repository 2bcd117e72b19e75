//! The local authorization list (OCPP 1.6 §3.5.3): identifiers the central system manages on the
//! station with SendLocalList (§5.15) and whose version it reads with GetLocalListVersion
//! (§5.10).
//!
//! This file holds the list and the rules of an update; the handlers that answer the CALLs and
//! persist the list live in `local_auth_list_handlers.rs`. An update is checked as a whole
//! before anything changes ([`LocalAuthList::plan`]), then written to the store, then applied in
//! memory ([`LocalAuthList::apply`]): a refused or failed update leaves the list as it was.
//!
//! The rules, from §5.15 and libocpp (`ChargePointImpl::handleSendLocalListRequest`):
//! - Full replaces the list; every entry must carry an idTagInfo (§7.2 AuthorizationData:
//!   "Required when UpdateType is Full"), otherwise Failed. The version is taken as sent
//!   (libocpp does not compare it for a Full update).
//! - Differential adds or updates the entries with an idTagInfo and removes those without one;
//!   its version must be higher than the installed one, else VersionMismatch (libocpp compares
//!   `installed < listVersion`). A Differential update without entries only moves the version
//!   on; libocpp answers Failed there, which the specification does not ask for.
//! - More entries than SendLocalListMaxLength in one request, an idTag twice in one request, or
//!   a resulting list longer than LocalAuthListMaxLength: Failed (§9.1.15/§9.1.23 give the
//!   limits; libocpp does not check them, the conformance list does).
//! - A negative listVersion: Failed, because -1 is what GetLocalListVersion answers for "no
//!   list support" and a list can never honestly carry it.

use std::collections::HashMap;

use ocpp_types::id_tag::{AuthorizationStatus, IdTagInfo, IdToken};
use ocpp_types::local_auth_list::{SendLocalListRequest, UpdateStatus, UpdateType};
use ocpp_types::DateTime;

/// The limits of the LocalAuthListManagement profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ListLimits {
    /// LocalAuthListMaxLength: entries the list may hold.
    pub max_length: u32,
    /// SendLocalListMaxLength: entries one SendLocalList.req may carry.
    pub send_max_length: u32,
}

/// A checked update, ready to be stored and applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ListChange {
    /// Replace every entry (SendLocalList Full).
    Replace {
        /// The new version.
        version: i32,
        /// The whole new list.
        entries: Vec<(IdToken, IdTagInfo)>,
    },
    /// Change some entries (SendLocalList Differential).
    Update {
        /// The new version.
        version: i32,
        /// Entries added or replaced.
        upserts: Vec<(IdToken, IdTagInfo)>,
        /// Identifiers removed.
        removals: Vec<IdToken>,
    },
}

/// The installed local authorization list.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LocalAuthList {
    version: i32,
    entries: HashMap<IdToken, IdTagInfo>,
}

impl LocalAuthList {
    /// The list as it was stored.
    pub fn restore(version: i32, entries: impl IntoIterator<Item = (IdToken, IdTagInfo)>) -> Self {
        LocalAuthList {
            version,
            entries: entries.into_iter().collect(),
        }
    }

    /// The version GetLocalListVersion reports while the list is enabled: 0 for an empty list
    /// (§5.10: "listVersion 0 ... when the list is empty", as libocpp), else the installed one.
    pub fn reported_version(&self) -> i32 {
        if self.entries.is_empty() {
            0
        } else {
            self.version
        }
    }

    /// How many identifiers the list holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The list's entry for `id_tag` as it stands at `now`: an Accepted entry whose expiryDate
    /// has passed reads as Expired (§3.5.3 treats the list's idTagInfo like the cache's).
    pub fn lookup(&self, id_tag: &IdToken, now: &DateTime) -> Option<IdTagInfo> {
        let mut info = self.entries.get(id_tag)?.clone();
        if info.status == AuthorizationStatus::Accepted
            && info
                .expiry_date
                .as_ref()
                .is_some_and(|expiry| expiry <= now)
        {
            info.status = AuthorizationStatus::Expired;
        }
        Some(info)
    }

    /// Checks `request` against the list and `limits` without changing anything: the change to
    /// store and apply, or the status to answer.
    pub fn plan(
        &self,
        request: &SendLocalListRequest,
        limits: ListLimits,
    ) -> Result<ListChange, UpdateStatus> {
        if request.list_version < 0 {
            tracing::warn!(
                list_version = request.list_version,
                "SendLocalList refused: negative listVersion"
            );
            return Err(UpdateStatus::Failed);
        }
        let data = request.local_authorization_list.as_deref().unwrap_or(&[]);
        if data.len() > limits.send_max_length as usize {
            tracing::warn!(
                entries = data.len(),
                send_local_list_max_length = limits.send_max_length,
                "SendLocalList refused: more entries than SendLocalListMaxLength"
            );
            return Err(UpdateStatus::Failed);
        }
        let mut seen = std::collections::HashSet::with_capacity(data.len());
        if let Some(twice) = data.iter().find(|d| !seen.insert(&d.id_tag)) {
            tracing::warn!(id_tag = %twice.id_tag, "SendLocalList refused: an idTag appears twice");
            return Err(UpdateStatus::Failed);
        }
        let change = match request.update_type {
            UpdateType::Full => {
                let mut entries = Vec::with_capacity(data.len());
                for d in data {
                    let Some(info) = &d.id_tag_info else {
                        tracing::warn!(id_tag = %d.id_tag, "SendLocalList Full refused: an entry without idTagInfo");
                        return Err(UpdateStatus::Failed);
                    };
                    entries.push((d.id_tag.clone(), info.clone()));
                }
                ListChange::Replace {
                    version: request.list_version,
                    entries,
                }
            }
            UpdateType::Differential => {
                if request.list_version <= self.version {
                    tracing::info!(
                        installed = self.version,
                        list_version = request.list_version,
                        "SendLocalList Differential: version not newer than the installed one"
                    );
                    return Err(UpdateStatus::VersionMismatch);
                }
                let mut upserts = Vec::new();
                let mut removals = Vec::new();
                for d in data {
                    match &d.id_tag_info {
                        Some(info) => upserts.push((d.id_tag.clone(), info.clone())),
                        None => removals.push(d.id_tag.clone()),
                    }
                }
                ListChange::Update {
                    version: request.list_version,
                    upserts,
                    removals,
                }
            }
        };
        let resulting = self.len_after(&change);
        if resulting > limits.max_length as usize {
            tracing::warn!(
                resulting,
                local_auth_list_max_length = limits.max_length,
                "SendLocalList refused: the list would exceed LocalAuthListMaxLength"
            );
            return Err(UpdateStatus::Failed);
        }
        Ok(change)
    }

    /// How many entries the list would hold after `change`.
    fn len_after(&self, change: &ListChange) -> usize {
        match change {
            ListChange::Replace { entries, .. } => entries.len(),
            ListChange::Update {
                upserts, removals, ..
            } => {
                let added = upserts
                    .iter()
                    .filter(|(id, _)| !self.entries.contains_key(id))
                    .count();
                let removed = removals
                    .iter()
                    .filter(|id| self.entries.contains_key(*id))
                    .count();
                self.entries.len() + added - removed
            }
        }
    }

    /// Applies a change [`LocalAuthList::plan`] returned (after it was stored).
    pub fn apply(&mut self, change: ListChange) {
        match change {
            ListChange::Replace { version, entries } => {
                self.version = version;
                self.entries = entries.into_iter().collect();
            }
            ListChange::Update {
                version,
                upserts,
                removals,
            } => {
                self.version = version;
                for id in &removals {
                    self.entries.remove(id);
                }
                self.entries.extend(upserts);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const LIMITS: ListLimits = ListLimits {
        max_length: 3,
        send_max_length: 2,
    };

    fn tag(s: &str) -> IdToken {
        IdToken::new(s).unwrap()
    }

    fn request(value: serde_json::Value) -> SendLocalListRequest {
        serde_json::from_value(value).unwrap()
    }

    fn accepted() -> IdTagInfo {
        IdTagInfo::with_status(AuthorizationStatus::Accepted)
    }

    fn now() -> DateTime {
        DateTime::parse("2026-11-24T06:00:00Z").unwrap()
    }

    fn installed() -> LocalAuthList {
        LocalAuthList::restore(5, [(tag("A"), accepted()), (tag("B"), accepted())])
    }

    #[test]
    fn full_replaces_the_list_and_takes_its_version() {
        let mut list = installed();
        let change = list
            .plan(
                &request(
                    json!({"listVersion": 2, "updateType": "Full", "localAuthorizationList": [
                    {"idTag": "C", "idTagInfo": {"status": "Blocked"}}]}),
                ),
                LIMITS,
            )
            .unwrap();
        list.apply(change);
        assert_eq!(list.reported_version(), 2);
        assert_eq!(list.lookup(&tag("A"), &now()), None);
        assert_eq!(
            list.lookup(&tag("c"), &now()).map(|i| i.status),
            Some(AuthorizationStatus::Blocked),
            "idTags compare case-insensitively"
        );
    }

    #[test]
    fn full_without_entries_empties_the_list_and_reports_version_zero() {
        let mut list = installed();
        let change = list
            .plan(
                &request(json!({"listVersion": 9, "updateType": "Full"})),
                LIMITS,
            )
            .unwrap();
        list.apply(change);
        assert_eq!((list.len(), list.reported_version()), (0, 0));
    }

    #[test]
    fn differential_upserts_and_removes() {
        let mut list = installed();
        let change = list
            .plan(
                &request(json!({"listVersion": 6, "updateType": "Differential",
                    "localAuthorizationList": [
                        {"idTag": "A"},
                        {"idTag": "C", "idTagInfo": {"status": "Accepted", "parentIdTag": "P"}}]})),
                LIMITS,
            )
            .unwrap();
        list.apply(change);
        assert_eq!(list.reported_version(), 6);
        assert_eq!(list.lookup(&tag("A"), &now()), None);
        assert!(list.lookup(&tag("B"), &now()).is_some());
        let c = list.lookup(&tag("C"), &now()).unwrap();
        assert_eq!(c.parent_id_tag, Some(tag("P")));
    }

    #[test]
    fn differential_with_an_old_or_equal_version_is_a_version_mismatch() {
        let list = installed();
        for version in [4, 5] {
            let r = request(json!({"listVersion": version, "updateType": "Differential",
                "localAuthorizationList": [{"idTag": "C", "idTagInfo": {"status": "Accepted"}}]}));
            assert_eq!(list.plan(&r, LIMITS), Err(UpdateStatus::VersionMismatch));
        }
    }

    #[test]
    fn differential_without_entries_moves_the_version() {
        let mut list = installed();
        let change = list
            .plan(
                &request(json!({"listVersion": 8, "updateType": "Differential"})),
                LIMITS,
            )
            .unwrap();
        list.apply(change);
        assert_eq!((list.len(), list.reported_version()), (2, 8));
    }

    #[test]
    fn refusals_change_nothing_and_say_failed() {
        let list = installed();
        let cases = [
            // Full entry without idTagInfo.
            json!({"listVersion": 7, "updateType": "Full", "localAuthorizationList": [{"idTag": "C"}]}),
            // More than SendLocalListMaxLength in one request.
            json!({"listVersion": 7, "updateType": "Full", "localAuthorizationList": [
                {"idTag": "C", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "D", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "E", "idTagInfo": {"status": "Accepted"}}]}),
            // The list would hold four entries.
            json!({"listVersion": 7, "updateType": "Differential", "localAuthorizationList": [
                {"idTag": "C", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "D", "idTagInfo": {"status": "Accepted"}}]}),
            // The same idTag twice (case-insensitively).
            json!({"listVersion": 7, "updateType": "Differential", "localAuthorizationList": [
                {"idTag": "c", "idTagInfo": {"status": "Accepted"}},
                {"idTag": "C"}]}),
            // A negative version.
            json!({"listVersion": -1, "updateType": "Full"}),
        ];
        for case in cases {
            assert_eq!(
                list.plan(&request(case.clone()), LIMITS),
                Err(UpdateStatus::Failed),
                "{case}"
            );
        }
        assert_eq!(list, installed());
    }

    #[test]
    fn replacing_existing_entries_does_not_count_against_the_maximum() {
        let list = installed();
        let r = request(json!({"listVersion": 6, "updateType": "Differential",
            "localAuthorizationList": [
                {"idTag": "A", "idTagInfo": {"status": "Blocked"}},
                {"idTag": "C", "idTagInfo": {"status": "Accepted"}}]}));
        assert!(list.plan(&r, LIMITS).is_ok());
    }

    #[test]
    fn an_expired_accepted_entry_reads_as_expired() {
        let mut info = accepted();
        info.expiry_date = Some(DateTime::parse("2026-11-24T05:59:59Z").unwrap());
        let list = LocalAuthList::restore(1, [(tag("A"), info)]);
        assert_eq!(
            list.lookup(&tag("A"), &now()).map(|i| i.status),
            Some(AuthorizationStatus::Expired)
        );
    }
}
