//! The config file of `ferrocharge csms --config FILE`: JSON, every key optional, relative paths
//! against the file's folder. What the command line gives wins over the file.
//!
//! ```json
//! {
//!   "listen": "0.0.0.0:8443",
//!   "path_prefix": "/steve/websocket/CentralSystemService/",
//!   "http": "127.0.0.1:8850",
//!   "http_token": "a long secret",
//!   "data_dir": "csms-data",
//!   "heartbeat_interval": 300,
//!   "registration": "Accepted",
//!   "tls": {"dev_pki": "pki", "require_client_certificate": false},
//!   "charge_points": {"cp001": {"password": "0123456789abcdef"}},
//!   "pricing": {"enabled": true, "default": {"currency": "USD", "kwh_price": 0.35},
//!               "tags": {"DEADBEEF": {"currency": "USD", "kwh_price": 0.30, "flat_fee": 0.50}}}
//! }
//! ```
//!
//! `tls` is either `{"dev_pki": DIR}` (the development PKI of [`crate::dev_pki`], made in DIR
//! the first time, with a client certificate for each charge point of `charge_points`, or
//! `cp001` when none is listed) or the files `{"certificate_chain", "private_key",
//! "client_ca"?}`; `require_client_certificate` (default false) makes every charge point show
//! one (profile 3 only). A charge point's `password` is what it must send as Basic auth
//! (profiles 1 and 2: its AuthorizationKey, at least 16 bytes as the station requires).
//! `http` is `""` for no web UI. See [`crate::security`] for what each profile needs.
//! `pricing` ([`crate::pricing::Pricing`]: on or off, the default tariff, a tariff per idTag)
//! replaces the database's pricing settings at start.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ocpp_types::core::RegistrationStatus;
use serde::Deserialize;

use crate::dev_pki::{DevPki, PkiError};
use crate::options::CsmsOptions;
use crate::security::{SecurityError, TlsFiles};

/// The shortest password accepted: a station's AuthorizationKey has at least 16 bytes
/// (`ocpp_ws::auth::MIN_AUTHORIZATION_KEY_LEN`).
pub const MIN_PASSWORD_LEN: usize = ocpp_ws::auth::MIN_AUTHORIZATION_KEY_LEN;

/// Why the config cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not the JSON described (unknown key, wrong type, ...).
    #[error("{path}: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// serde's message, with line and column.
        message: String,
    },
    /// A value is not usable.
    #[error("{path}: {key}: {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// The key, e.g. `charge_points.cp001.password`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The development PKI cannot be made or read.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// The TLS files cannot be used.
    #[error(transparent)]
    Security(#[from] SecurityError),
}

/// The file's content.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsmsConfig {
    /// Where charge points connect.
    pub listen: Option<SocketAddr>,
    /// The path before the ChargePointId.
    pub path_prefix: Option<String>,
    /// The web UI's address; `""`: none.
    pub http: Option<String>,
    /// The web UI's token.
    pub http_token: Option<String>,
    /// The database's folder.
    pub data_dir: Option<PathBuf>,
    /// BootNotification.conf's default interval.
    pub heartbeat_interval: Option<i32>,
    /// BootNotification.conf's default status: Accepted, Pending or Rejected.
    pub registration: Option<String>,
    /// TLS (profiles 2 and 3).
    pub tls: Option<TlsConfig>,
    /// Settings by ChargePointId.
    #[serde(default)]
    pub charge_points: BTreeMap<String, ChargePointConfig>,
    /// California Pricing: on or off, and the tariffs.
    pub pricing: Option<crate::pricing::Pricing>,
}

/// The `tls` object.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The folder of a development PKI (made if missing).
    pub dev_pki: Option<PathBuf>,
    /// The server certificate chain (PEM), leaf first.
    pub certificate_chain: Option<PathBuf>,
    /// Its private key (PEM).
    pub private_key: Option<PathBuf>,
    /// The CAs of client certificates (PEM).
    pub client_ca: Option<PathBuf>,
    /// Whether every charge point must present a client certificate.
    #[serde(default)]
    pub require_client_certificate: bool,
}

/// A charge point's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargePointConfig {
    /// Its Basic-auth password (AuthorizationKey).
    pub password: Option<String>,
}

impl CsmsConfig {
    /// Reads `path`.
    pub fn load(path: &Path) -> Result<CsmsConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| ConfigError::Json {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Puts what the file sets into `options`; `path` is the file's (relative paths are
    /// against its folder). Returns the development PKI when `tls.dev_pki` made or read one.
    pub fn apply(
        self,
        path: &Path,
        options: &mut CsmsOptions,
    ) -> Result<Option<DevPki>, ConfigError> {
        let folder = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { folder.join(p) };
        let value = |key: &str, message: String| ConfigError::Value {
            path: path.to_path_buf(),
            key: key.to_owned(),
            message,
        };
        if let Some(listen) = self.listen {
            options.listen = listen;
        }
        if let Some(prefix) = self.path_prefix {
            if !prefix.starts_with('/') || !prefix.ends_with('/') {
                return Err(value(
                    "path_prefix",
                    format!("{prefix:?} must start and end with '/'"),
                ));
            }
            options.path_prefix = prefix;
        }
        match self.http.as_deref() {
            None => {}
            Some("") => options.http = None,
            Some(addr) => {
                options.http = Some(addr.parse().map_err(|_| {
                    value(
                        "http",
                        format!("{addr:?} is not an address such as 127.0.0.1:8850"),
                    )
                })?)
            }
        }
        if let Some(token) = self.http_token {
            options.http_token = Some(token);
        }
        if let Some(dir) = self.data_dir {
            options.data_dir = Some(resolve(dir));
        }
        if let Some(interval) = self.heartbeat_interval {
            if interval < 0 {
                return Err(value(
                    "heartbeat_interval",
                    format!("{interval} is below 0"),
                ));
            }
            options.heartbeat_interval_s = interval;
        }
        if let Some(pricing) = self.pricing {
            pricing.check().map_err(|e| value("pricing", e))?;
            options.pricing = Some(pricing);
        }
        if let Some(status) = self.registration.as_deref() {
            options.registration_status = match status {
                "Accepted" => RegistrationStatus::Accepted,
                "Pending" => RegistrationStatus::Pending,
                "Rejected" => RegistrationStatus::Rejected,
                other => {
                    return Err(value(
                        "registration",
                        format!("'{other}' is not Accepted, Pending or Rejected"),
                    ))
                }
            };
        }
        for (id, cp) in &self.charge_points {
            if let Some(password) = &cp.password {
                if password.len() < MIN_PASSWORD_LEN {
                    return Err(value(
                        &format!("charge_points.{id}.password"),
                        format!(
                            "{} bytes; a station's AuthorizationKey has at least {MIN_PASSWORD_LEN}",
                            password.len()
                        ),
                    ));
                }
                options
                    .passwords
                    .insert(id.clone(), password.as_bytes().to_vec());
            }
        }
        let Some(tls) = self.tls else {
            return Ok(None);
        };
        let (files, pki) = match (tls.dev_pki, tls.certificate_chain, tls.private_key) {
            (Some(dir), None, None) => {
                let mut ids: Vec<String> = self.charge_points.keys().cloned().collect();
                if ids.is_empty() {
                    ids.push("cp001".to_owned());
                }
                let pki = DevPki::ensure(&resolve(dir), &ids)?;
                options.firmware_signing_certificate = Some(pki.firmware_signing_certificate()?);
                let mut files = pki.tls_files(tls.require_client_certificate);
                if let Some(ca) = tls.client_ca {
                    files.client_ca = Some(resolve(ca));
                }
                (files, Some(pki))
            }
            (None, Some(chain), Some(key)) => (
                TlsFiles {
                    certificate_chain: resolve(chain),
                    private_key: resolve(key),
                    client_ca: tls.client_ca.map(resolve),
                    require_client_certificate: tls.require_client_certificate,
                },
                None,
            ),
            _ => {
                return Err(value(
                    "tls",
                    "give either dev_pki, or certificate_chain and private_key".to_owned(),
                ))
            }
        };
        options.tls = Some(files.server_config()?);
        Ok(pki)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(json: &str) -> Result<CsmsOptions, String> {
        let config: CsmsConfig = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut options = CsmsOptions::default();
        config
            .apply(Path::new("/etc/csms/csms.json"), &mut options)
            .map_err(|e| e.to_string())?;
        Ok(options)
    }

    #[test]
    fn every_key_lands_in_the_options() {
        let options = apply(
            r#"{"listen": "0.0.0.0:9000", "path_prefix": "/ocpp/", "http": "",
                "data_dir": "db", "heartbeat_interval": 60, "registration": "Pending",
                "charge_points": {"cp001": {"password": "0123456789abcdef"}, "cp002": {}}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(options.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(options.path_prefix, "/ocpp/");
        assert_eq!(options.http, None);
        assert_eq!(options.data_dir, Some(PathBuf::from("/etc/csms/db")));
        assert_eq!(options.heartbeat_interval_s, 60);
        assert_eq!(options.registration_status, RegistrationStatus::Pending);
        assert_eq!(
            options.passwords.get("cp001").map(Vec::as_slice),
            Some(&b"0123456789abcdef"[..])
        );
        assert!(!options.passwords.contains_key("cp002"));
        assert!(options.tls.is_none());
    }

    #[test]
    fn bad_values_are_named() {
        for (json, error) in [
            (
                r#"{"charge_points": {"cp001": {"password": "short"}}}"#,
                "/etc/csms/csms.json: charge_points.cp001.password: 5 bytes; a station's AuthorizationKey has at least 16",
            ),
            (
                r#"{"path_prefix": "ocpp"}"#,
                "/etc/csms/csms.json: path_prefix: \"ocpp\" must start and end with '/'",
            ),
            (
                r#"{"registration": "Maybe"}"#,
                "/etc/csms/csms.json: registration: 'Maybe' is not Accepted, Pending or Rejected",
            ),
            (
                r#"{"tls": {"certificate_chain": "a.pem"}}"#,
                "/etc/csms/csms.json: tls: give either dev_pki, or certificate_chain and private_key",
            ),
            (
                r#"{"colour": "red"}"#,
                "unknown field `colour`, expected one of `listen`, `path_prefix`, `http`, `http_token`, `data_dir`, `heartbeat_interval`, `registration`, `tls`, `charge_points`, `pricing` at line 1 column 9",
            ),
            (
                r#"{"pricing": {"enabled": true, "default": {"currency": "USD", "kwh_price": -0.3}}}"#,
                "/etc/csms/csms.json: pricing: default.kwh_price: a price of 0 or more, found -0.3",
            ),
        ] {
            assert_eq!(apply(json).err().as_deref(), Some(error), "{json}");
        }
    }
}
