//! What the dev CSMS is told at start: where it listens, which tags it accepts, what it answers
//! to a BootNotification, and who may connect.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ocpp_types::core::RegistrationStatus;
use ocpp_types::id_tag::AuthorizationStatus;
use ocpp_types::DateTime;

/// SteVe's default websocket path; the ChargePointId follows it as the last segment
/// (`ws://127.0.0.1:8180/steve/websocket/CentralSystemService/cp001`).
pub const DEFAULT_PATH_PREFIX: &str = "/steve/websocket/CentralSystemService/";

/// SteVe's default address (its Jetty listens on 8180); loopback only, as a dev tool should.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8180);

/// Where `ferrocharge csms` serves its web UI and HTTP API (`/api/v1/`) by default: loopback,
/// next to the station's control API (8849).
pub const DEFAULT_HTTP: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8850);

/// The heartbeat interval handed out in BootNotification.conf, in seconds.
///
/// 300 s rather than SteVe's 14400 s (its `settings.heartbeat_interval_in_seconds`): a dev CSMS is
/// watched by a person, who should see a Heartbeat within minutes of starting a station, while
/// one line every five minutes per charge point does not drown the transaction lines.
pub const DEFAULT_HEARTBEAT_INTERVAL_S: i32 = 300;

/// An idTag the dev CSMS knows: what Authorize, StartTransaction and StopTransaction answer
/// for it. Every idTag it does not know is answered Invalid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagEntry {
    /// The idTag (compared case-insensitively, as OCPP's IdToken is a CiString20).
    pub id_tag: String,
    /// The status answered while the tag has not expired.
    pub status: AuthorizationStatus,
    /// When the tag expires: from then on it is answered Expired; the date is handed out as
    /// IdTagInfo.expiryDate (the charge point may cache the tag until then).
    pub expiry_date: Option<DateTime>,
    /// The parentIdTag of its IdTagInfo, if it belongs to a group.
    pub parent_id_tag: Option<String>,
}

impl TagEntry {
    /// An accepted tag without a parent.
    pub fn new(id_tag: impl Into<String>) -> TagEntry {
        TagEntry {
            id_tag: id_tag.into(),
            status: AuthorizationStatus::Accepted,
            expiry_date: None,
            parent_id_tag: None,
        }
    }

    /// An accepted tag belonging to the group `parent`.
    pub fn with_parent(id_tag: impl Into<String>, parent: impl Into<String>) -> TagEntry {
        TagEntry {
            parent_id_tag: Some(parent.into()),
            ..TagEntry::new(id_tag)
        }
    }

    /// The status answered at `now`: Expired once the expiry date has passed, else the
    /// tag's own status.
    pub fn status_at(&self, now: DateTime) -> AuthorizationStatus {
        match self.expiry_date {
            Some(expiry) if expiry.unix_millis() <= now.unix_millis() => {
                AuthorizationStatus::Expired
            }
            _ => self.status,
        }
    }
}

/// The tags EVerest's SIL and its OCPP 1.6 test suite present, so a station configured like
/// EVerest's charges against the dev CSMS out of the box. Sources (everest-core):
///
/// - `DEADBEEF`: the default `token` of modules/Testing/DummyTokenProvider/manifest.yaml, the
///   token of config/config-sil.yaml's token_provider, and the first choice of the "Swipe RFID"
///   dropdown of the SIL Node-RED UI (config/nodered/config-sil-two-evse-flow.json).
/// - `ABC12345`, `VID:AABBCCDDEEFF`: the other two choices of that dropdown (the second is an
///   Autocharge vehicle id).
/// - `123`: the token of DummyTokenProviderManual in
///   tests/ocpp_tests/test_sets/everest-aux/config/everest-config-042_1.yaml.
/// - `RFID_VALID1`, `RFID_VALID2` with parentIdTag `RFID_PARENT`:
///   `authorization_info.valid_id_tag_1/2` and `parent_id_tag` of
///   tests/ocpp_tests/test_sets/test_config.json (its `RFID_INVALID` stays unknown, so it is
///   answered Invalid as the suite expects).
/// - `DEFRCC00000001`: the eMAID of the development PKI's contract ([`crate::dev_pki::EMAID`]),
///   so the simulated car's Plug&Charge is authorized.
pub fn default_tags() -> Vec<TagEntry> {
    vec![
        TagEntry::new("DEADBEEF"),
        TagEntry::new("ABC12345"),
        TagEntry::new("VID:AABBCCDDEEFF"),
        TagEntry::new("123"),
        TagEntry::with_parent("RFID_VALID1", "RFID_PARENT"),
        TagEntry::with_parent("RFID_VALID2", "RFID_PARENT"),
        TagEntry::new(crate::dev_pki::EMAID),
    ]
}

/// The settings of a [`Csms`](crate::Csms).
#[derive(Clone)]
pub struct CsmsOptions {
    /// Where to listen (default [`DEFAULT_LISTEN`]); port 0 picks a free port.
    pub listen: SocketAddr,
    /// The path before the ChargePointId (default [`DEFAULT_PATH_PREFIX`]); any other path is
    /// refused with 404. Must start and end with `/`.
    pub path_prefix: String,
    /// The tags a new database starts with (default [`default_tags`]); every other tag is
    /// Invalid. A database that already holds tags keeps its own, unless `replace_tags`.
    pub tags: Vec<TagEntry>,
    /// Whether `tags` replace the tags of an existing database at start (`ferrocharge csms
    /// --tag`: the list given on the command line is the list in force).
    pub replace_tags: bool,
    /// Tags added to the database when it has no tag of that idTag (a tag already there, in
    /// whatever state the user left it, is kept): `sil` passes the development PKI's eMAID when
    /// it runs a Plug&Charge station, so a database made before that tag existed still
    /// authorizes the simulated car.
    pub ensure_tags: Vec<TagEntry>,
    /// The folder of the CSMS's SQLite database (`csms.db`: tags, charge-point settings,
    /// transactions and their meter values), created if missing; `None` keeps everything in
    /// memory, gone when the CSMS stops.
    pub data_dir: Option<PathBuf>,
    /// Where to serve the web UI and the HTTP API (`/api/v1/`); `None` serves neither.
    /// Off loopback it needs `http_token`.
    pub http: Option<SocketAddr>,
    /// The bearer token the HTTP API and the web UI require; required off loopback.
    pub http_token: Option<String>,
    /// The interval of BootNotification.conf, in seconds (default
    /// [`DEFAULT_HEARTBEAT_INTERVAL_S`]): the heartbeat interval when Accepted, the delay before
    /// the next BootNotification when Pending or Rejected.
    pub heartbeat_interval_s: i32,
    /// The status of BootNotification.conf (default Accepted; Pending or Rejected for tests).
    pub registration_status: RegistrationStatus,
    /// Basic-auth passwords by ChargePointId (security profiles 1 and 2): a charge point listed
    /// here must send its id as user and this password; others connect without credentials.
    pub passwords: HashMap<String, Vec<u8>>,
    /// TLS (from [`ocpp_ws::server_config`]) for `wss://`; `None` for plain `ws://`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a CSMS-initiated CALL waits for its answer (default 30 s, ocpp-rpc's default).
    pub call_timeout: std::time::Duration,
    /// California Pricing settings that replace the database's at start (the config file's
    /// `pricing`); `None` keeps the database's (off, with the default tariffs, in a new one).
    pub pricing: Option<crate::pricing::Pricing>,
    /// Pricing switched on or off at start, whatever the settings say (`--pricing`,
    /// `--no-pricing`; `ferrocharge sil` turns it on).
    pub pricing_enabled: Option<bool>,
    /// A firmware signing certificate (PEM; the development PKI's) that the web UI's
    /// SignedUpdateFirmware template carries as `signingCertificate`; `None`: no template.
    pub firmware_signing_certificate: Option<String>,
}

impl Default for CsmsOptions {
    fn default() -> CsmsOptions {
        CsmsOptions {
            listen: DEFAULT_LISTEN,
            path_prefix: DEFAULT_PATH_PREFIX.to_owned(),
            tags: default_tags(),
            replace_tags: false,
            ensure_tags: Vec::new(),
            data_dir: None,
            http: None,
            http_token: None,
            heartbeat_interval_s: DEFAULT_HEARTBEAT_INTERVAL_S,
            registration_status: RegistrationStatus::Accepted,
            passwords: HashMap::new(),
            tls: None,
            call_timeout: ocpp_rpc::Config::DEFAULT_CALL_TIMEOUT,
            pricing: None,
            pricing_enabled: None,
            firmware_signing_certificate: None,
        }
    }
}

impl std::fmt::Debug for CsmsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let with_password: Vec<&String> = self.passwords.keys().collect();
        f.debug_struct("CsmsOptions")
            .field("listen", &self.listen)
            .field("path_prefix", &self.path_prefix)
            .field("tags", &self.tags)
            .field("replace_tags", &self.replace_tags)
            .field("ensure_tags", &self.ensure_tags)
            .field("data_dir", &self.data_dir)
            .field("http", &self.http)
            .field("http_token", &self.http_token.is_some())
            .field("heartbeat_interval_s", &self.heartbeat_interval_s)
            .field("registration_status", &self.registration_status)
            .field("passwords_for", &with_password)
            .field("tls", &self.tls.is_some())
            .field("call_timeout", &self.call_timeout)
            .field("pricing", &self.pricing)
            .field("pricing_enabled", &self.pricing_enabled)
            .finish()
    }
}

impl CsmsOptions {
    /// Whether `path` is the prefix followed by exactly one non-empty segment.
    pub fn path_matches(&self, path: &str) -> bool {
        path.strip_prefix(self.path_prefix.as_str())
            .map(|rest| rest.trim_end_matches('/'))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_steves_url_and_everests_tags() {
        let o = CsmsOptions::default();
        assert_eq!(o.listen.to_string(), "127.0.0.1:8180");
        assert!(o.path_matches("/steve/websocket/CentralSystemService/cp001"));
        assert!(o.path_matches("/steve/websocket/CentralSystemService/cp001/"));
        assert!(!o.path_matches("/steve/websocket/CentralSystemService/"));
        assert!(!o.path_matches("/ocpp/cp001"));
        assert!(!o.path_matches("/steve/websocket/CentralSystemService/a/cp001"));
        assert_eq!(o.http, None, "the library serves no HTTP unless asked");
        assert_eq!(DEFAULT_HTTP.to_string(), "127.0.0.1:8850");
        assert!(default_tags()
            .iter()
            .all(|t| t.status == AuthorizationStatus::Accepted && t.expiry_date.is_none()));
        assert!(
            default_tags().iter().all(|t| t.id_tag.len() <= 20),
            "IdToken is a CiString20"
        );
    }

    #[test]
    fn an_expired_tag_is_answered_expired() {
        let at = |ms| DateTime::from_unix_millis(ms).unwrap_or_else(|| panic!("{ms}"));
        let mut tag = TagEntry::new("T");
        tag.status = AuthorizationStatus::Blocked;
        assert_eq!(tag.status_at(at(1_000)), AuthorizationStatus::Blocked);
        tag.expiry_date = Some(at(2_000));
        assert_eq!(tag.status_at(at(1_999)), AuthorizationStatus::Blocked);
        assert_eq!(tag.status_at(at(2_000)), AuthorizationStatus::Expired);
    }
}
