//! Identifiers and their authorization status (OCPP 1.6 §7.28 IdTagInfo, §7.2 AuthorizationStatus).

use serde::{Deserialize, Serialize};

use crate::{CiString20, DateTime};

/// An identifier (RFC-id, EMAID, ...) as OCPP 1.6 carries it: `IdToken`, a CiString20.
pub type IdToken = CiString20;

/// Whether an identifier may be used (OCPP 1.6 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthorizationStatus {
    /// Identifier is allowed for charging.
    Accepted,
    /// Identifier has been blocked.
    Blocked,
    /// Identifier has expired.
    Expired,
    /// Identifier is unknown.
    Invalid,
    /// Identifier is already involved in another transaction and multiple transactions are not allowed.
    ConcurrentTx,
}

/// Status information about an identifier (OCPP 1.6 §7.28), as returned by Authorize,
/// StartTransaction and StopTransaction and held in the local list and the cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdTagInfo {
    /// When the identifier stops being valid; absent means no expiry from the central system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<DateTime>,
    /// The parent identifier, shared by a group of identifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id_tag: Option<IdToken>,
    /// Whether the identifier is accepted.
    pub status: AuthorizationStatus,
}

impl IdTagInfo {
    /// An IdTagInfo with just a status.
    pub fn with_status(status: AuthorizationStatus) -> Self {
        IdTagInfo {
            expiry_date: None,
            parent_id_tag: None,
            status,
        }
    }
}
