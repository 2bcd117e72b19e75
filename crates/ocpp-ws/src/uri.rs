//! The CSMS URL: `Internal.CentralSystemURI` + `ChargePointId`, as libocpp's
//! `Uri::parse_and_validate` builds it.
//!
//! - Without a scheme (`127.0.0.1:8180/steve/websocket/CentralSystemService/`, as in libocpp's
//!   configs) the scheme follows the security profile: `ws://` for 0 and 1, `wss://` for 2 and 3.
//! - With a scheme, it must be `ws://` or `wss://` and fit the profile: `wss://` with 0 or 1, or
//!   `ws://` with 2 or 3, is an error, never a silent downgrade.
//! - If the last path segment already is the ChargePointId it is removed (old configs carry it);
//!   the path gets a trailing `/` and the ChargePointId is appended.
//!
//! Departures from libocpp, each to refuse rather than guess: `http://` / `https://` schemes,
//! a query or fragment, and an empty host are errors (libocpp accepts the first and passes the
//! others on to libwebsockets). The ChargePointId is percent-encoded in the path where it holds
//! characters a URL path cannot carry (libocpp appends it raw, which breaks the request line).

use std::fmt;

use crate::percent::encode_segment;
use crate::profile::SecurityProfile;

/// Why a CentralSystemURI cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// CentralSystemURI is empty.
    #[error("CentralSystemURI is empty")]
    Empty,
    /// ChargePointId is empty.
    #[error("ChargePointId is empty")]
    EmptyChargePointId,
    /// A scheme other than `ws` or `wss`.
    #[error(
        "CentralSystemURI {uri:?}: scheme {scheme:?} is not supported (use ws://, wss:// or none)"
    )]
    UnsupportedScheme {
        /// The URI as configured.
        uri: String,
        /// The scheme found.
        scheme: String,
    },
    /// `ws://` with profile 2 or 3, or `wss://` with profile 0 or 1.
    #[error("CentralSystemURI {uri:?}: scheme {scheme}:// does not fit security profile {profile} ({expected}:// expected)")]
    SchemeMismatch {
        /// The URI as configured.
        uri: String,
        /// The scheme found.
        scheme: &'static str,
        /// The scheme the profile needs.
        expected: &'static str,
        /// The configured profile.
        profile: SecurityProfile,
    },
    /// No host before the port or path.
    #[error("CentralSystemURI {0:?} has no host")]
    NoHost(String),
    /// The port is not a number from 1 to 65535.
    #[error("CentralSystemURI {uri:?}: port {port:?} is not a number from 1 to 65535")]
    BadPort {
        /// The URI as configured.
        uri: String,
        /// The port text found.
        port: String,
    },
    /// An IPv6 literal without its closing `]`, or with text after it.
    #[error("CentralSystemURI {0:?}: malformed IPv6 address")]
    BadIpv6(String),
    /// A `?` query or `#` fragment, or whitespace or control characters.
    #[error("CentralSystemURI {0:?}: queries, fragments, spaces and control characters are not supported")]
    UnsupportedCharacters(String),
}

/// The websocket URL of the CSMS for one charge point. `Display` gives the full URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsmsUrl {
    secure: bool,
    host: String,
    port: u16,
    /// Starts and ends with `/`; the ChargePointId is not part of it.
    path: String,
    charge_point_id: String,
}

impl CsmsUrl {
    /// Builds the URL from `Internal.CentralSystemURI`, `Internal.ChargePointId` and
    /// `Security.SecurityProfile`; see the [module docs](self).
    pub fn parse(
        central_system_uri: &str,
        charge_point_id: &str,
        profile: SecurityProfile,
    ) -> Result<CsmsUrl, UriError> {
        let uri = central_system_uri.trim();
        if uri.is_empty() {
            return Err(UriError::Empty);
        }
        if charge_point_id.is_empty() {
            return Err(UriError::EmptyChargePointId);
        }
        if uri.contains(['?', '#']) || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UriError::UnsupportedCharacters(uri.to_owned()));
        }
        let (secure, rest) = match uri.split_once("://") {
            None => (profile.uses_tls(), uri),
            Some((scheme, rest)) => {
                let secure = match scheme.to_ascii_lowercase().as_str() {
                    "ws" => false,
                    "wss" => true,
                    _ => {
                        return Err(UriError::UnsupportedScheme {
                            uri: uri.to_owned(),
                            scheme: scheme.to_owned(),
                        })
                    }
                };
                if secure != profile.uses_tls() {
                    return Err(UriError::SchemeMismatch {
                        uri: uri.to_owned(),
                        scheme: scheme_name(secure),
                        expected: scheme_name(profile.uses_tls()),
                        profile,
                    });
                }
                (secure, rest)
            }
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        let (host, port) = split_host_port(uri, authority)?;
        let port = match port {
            None => default_port(secure),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n != 0 => n,
                _ => {
                    return Err(UriError::BadPort {
                        uri: uri.to_owned(),
                        port: p.to_owned(),
                    })
                }
            },
        };
        Ok(CsmsUrl {
            secure,
            host: host.to_owned(),
            port,
            path: base_path(path, charge_point_id),
            charge_point_id: charge_point_id.to_owned(),
        })
    }

    /// Whether the URL is `wss://`.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The host name or IP address (IPv6 without brackets); the TLS server name.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port (80 / 443 when the URI has none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path before the ChargePointId, ending with `/`.
    pub fn base_path(&self) -> &str {
        &self.path
    }

    /// The ChargePointId, as configured (not encoded).
    pub fn charge_point_id(&self) -> &str {
        &self.charge_point_id
    }

    /// The request path: the base path and the encoded ChargePointId.
    pub fn resource(&self) -> String {
        format!("{}{}", self.path, encode_segment(&self.charge_point_id))
    }
}

impl fmt::Display for CsmsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", scheme_name(self.secure))?;
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if self.port != default_port(self.secure) {
            write!(f, ":{}", self.port)?;
        }
        f.write_str(&self.resource())
    }
}

fn scheme_name(secure: bool) -> &'static str {
    if secure {
        "wss"
    } else {
        "ws"
    }
}

fn default_port(secure: bool) -> u16 {
    if secure {
        443
    } else {
        80
    }
}

/// Splits `host[:port]` or `[v6][:port]`.
fn split_host_port<'a>(
    uri: &str,
    authority: &'a str,
) -> Result<(&'a str, Option<&'a str>), UriError> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| UriError::BadIpv6(uri.to_owned()))?;
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(UriError::BadIpv6(uri.to_owned())),
            },
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(UriError::NoHost(uri.to_owned()));
    }
    Ok((host, port))
}

/// The path without a trailing ChargePointId, ending with `/` (libocpp's
/// `path_split_last_segment` logic).
fn base_path(path: &str, charge_point_id: &str) -> String {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let (head, last) = match trimmed.rfind('/') {
        Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
        None => ("/", trimmed),
    };
    let mut base = if !last.is_empty()
        && (last == charge_point_id || last == encode_segment(charge_point_id))
    {
        head.to_owned()
    } else {
        path.to_owned()
    };
    if !base.ends_with('/') {
        base.push('/');
    }
    base
}

#[cfg(test)]
mod tests {
    use super::SecurityProfile::*;
    use super::*;

    fn url(uri: &str, id: &str, profile: SecurityProfile) -> Result<String, UriError> {
        CsmsUrl::parse(uri, id, profile).map(|u| u.to_string())
    }

    #[test]
    fn libocpp_cases() {
        // tests/lib/ocpp/common/test_websocket_uri.cpp
        let ok = [
            (
                "ws://test.uri.com/path",
                "cp0001",
                BasicAuth,
                "ws://test.uri.com/path/cp0001",
            ),
            (
                "ws://test.uri.com/path/",
                "cp0001",
                BasicAuth,
                "ws://test.uri.com/path/cp0001",
            ),
            (
                "ws://test.uri.com/path/cp0001",
                "cp0001",
                BasicAuth,
                "ws://test.uri.com/path/cp0001",
            ),
            (
                "test.uri.com/path/",
                "cp0001",
                BasicAuth,
                "ws://test.uri.com/path/cp0001",
            ),
            (
                "test.uri.com/path/",
                "cp0001",
                TlsBasicAuth,
                "wss://test.uri.com/path/cp0001",
            ),
        ];
        for (uri, id, profile, expected) in ok {
            assert_eq!(url(uri, id, profile).as_deref(), Ok(expected), "{uri}");
        }
        assert_eq!(
            CsmsUrl::parse("test.uri.com/path/", "cp0001", BasicAuth)
                .unwrap()
                .port(),
            80
        );
        assert_eq!(
            CsmsUrl::parse("test.uri.com/path/", "cp0001", TlsBasicAuth)
                .unwrap()
                .port(),
            443
        );
        assert_eq!(url("", "cp0001", BasicAuth), Err(UriError::Empty));
        assert_eq!(
            url("ws://test.uri.com", "", BasicAuth),
            Err(UriError::EmptyChargePointId)
        );
        for (uri, profile) in [
            ("wss://test.uri.com", Unsecured),
            ("wss://test.uri.com", BasicAuth),
            ("ws://test.uri.com", TlsBasicAuth),
            ("ws://test.uri.com", TlsClientCertificate),
        ] {
            assert!(
                matches!(
                    url(uri, "cp0001", profile),
                    Err(UriError::SchemeMismatch { .. })
                ),
                "{uri} with {profile}"
            );
        }
        assert!(matches!(
            url("://invalid", "cp0001", BasicAuth),
            Err(UriError::UnsupportedScheme { .. })
        ));
        // "ws:test.uri.com" has no "://": it is taken as host "ws" with port "test.uri.com".
        assert!(matches!(
            url("ws:test.uri.com", "cp0001", BasicAuth),
            Err(UriError::BadPort { .. })
        ));
    }

    #[test]
    fn steve_default_and_friends() {
        let steve = "127.0.0.1:8180/steve/websocket/CentralSystemService/";
        let cases = [
            (
                steve,
                Unsecured,
                "ws://127.0.0.1:8180/steve/websocket/CentralSystemService/cp001",
            ),
            (
                steve,
                TlsClientCertificate,
                "wss://127.0.0.1:8180/steve/websocket/CentralSystemService/cp001",
            ),
            (
                "127.0.0.1:8180/steve/websocket/CentralSystemService/cp001",
                Unsecured,
                "ws://127.0.0.1:8180/steve/websocket/CentralSystemService/cp001",
            ),
            (
                "127.0.0.1:8180/steve/websocket/CentralSystemService/cp001/",
                Unsecured,
                "ws://127.0.0.1:8180/steve/websocket/CentralSystemService/cp001",
            ),
            (
                "WSS://csms.example.com:443/ocpp",
                TlsBasicAuth,
                "wss://csms.example.com/ocpp/cp001",
            ),
            (
                "wss://csms.example.com:8443",
                TlsBasicAuth,
                "wss://csms.example.com:8443/cp001",
            ),
            ("csms.example.com", Unsecured, "ws://csms.example.com/cp001"),
            (
                "csms.example.com/",
                Unsecured,
                "ws://csms.example.com/cp001",
            ),
            (
                "csms.example.com/cp001",
                Unsecured,
                "ws://csms.example.com/cp001",
            ),
            // Only a whole segment equal to the id is taken away.
            (
                "csms.example.com/xcp001",
                Unsecured,
                "ws://csms.example.com/xcp001/cp001",
            ),
            (
                "csms.example.com/cp001/ocpp",
                Unsecured,
                "ws://csms.example.com/cp001/ocpp/cp001",
            ),
            ("[::1]:9000/ocpp", BasicAuth, "ws://[::1]:9000/ocpp/cp001"),
            ("wss://[fe80::1]/", TlsBasicAuth, "wss://[fe80::1]/cp001"),
        ];
        for (uri, profile, expected) in cases {
            assert_eq!(url(uri, "cp001", profile).as_deref(), Ok(expected), "{uri}");
        }
        let v6 = CsmsUrl::parse("[::1]:9000/ocpp", "cp001", BasicAuth).unwrap();
        assert_eq!(
            (v6.host(), v6.port(), v6.base_path()),
            ("::1", 9000, "/ocpp/")
        );
    }

    #[test]
    fn refusals() {
        let bad = [
            ("http://csms/ocpp", Unsecured),
            ("https://csms/ocpp", TlsBasicAuth),
            ("ftp://csms", Unsecured),
        ];
        for (uri, profile) in bad {
            assert!(
                matches!(
                    url(uri, "cp", profile),
                    Err(UriError::UnsupportedScheme { .. })
                ),
                "{uri}"
            );
        }
        assert!(matches!(
            url("ws://:80/x", "cp", Unsecured),
            Err(UriError::NoHost(_))
        ));
        assert!(matches!(
            url("/x", "cp", Unsecured),
            Err(UriError::NoHost(_))
        ));
        for port in ["0", "65536", "x", ""] {
            let uri = format!("csms:{port}/x");
            assert!(
                matches!(url(&uri, "cp", Unsecured), Err(UriError::BadPort { .. })),
                "{uri}"
            );
        }
        assert!(matches!(
            url("[::1/x", "cp", Unsecured),
            Err(UriError::BadIpv6(_))
        ));
        assert!(matches!(
            url("[::1]x/x", "cp", Unsecured),
            Err(UriError::BadIpv6(_))
        ));
        for uri in ["csms/x?a=b", "csms/x#f", "csms/a b"] {
            assert!(
                matches!(
                    url(uri, "cp", Unsecured),
                    Err(UriError::UnsupportedCharacters(_))
                ),
                "{uri}"
            );
        }
    }

    #[test]
    fn odd_charge_point_ids_are_encoded() {
        assert_eq!(
            url("csms/ocpp", "CP 1/ä", Unsecured).as_deref(),
            Ok("ws://csms/ocpp/CP%201%2F%C3%A4")
        );
        assert_eq!(
            url("csms/ocpp/CP%201", "CP 1", Unsecured).as_deref(),
            Ok("ws://csms/ocpp/CP%201")
        );
        let url = CsmsUrl::parse("csms", "CP 1", Unsecured).unwrap();
        assert_eq!(
            (url.charge_point_id(), url.resource().as_str()),
            ("CP 1", "/CP%201")
        );
    }
}
