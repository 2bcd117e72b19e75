//! HTTP Basic authentication of profiles 1 and 2: the `AuthorizationKey` and the header.
//!
//! The Security whitepaper makes the AuthorizationKey the Basic password, with the
//! ChargePointId as user name: `Authorization: Basic base64(ChargePointId ":" AuthorizationKey)`.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
pub use ocpp_types::security::decode_hex_notation;

/// The shortest AuthorizationKey we accept, in bytes. The 1.6 Security whitepaper asks for at
/// least 16; libocpp only checks 8 (and only warns below 16).
pub const MIN_AUTHORIZATION_KEY_LEN: usize = 16;

/// An AuthorizationKey too short to be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("AuthorizationKey has {len} bytes; the Security whitepaper asks for at least {MIN_AUTHORIZATION_KEY_LEN}")]
pub struct AuthorizationKeyTooShort {
    /// The length found, in bytes.
    pub len: usize,
}

/// The Basic-auth password of profiles 1 and 2, as stored in `Security.AuthorizationKey`
/// (already decoded from hex notation, see [`decode_hex_notation`]). At least
/// [`MIN_AUTHORIZATION_KEY_LEN`] bytes. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationKey(String);

impl AuthorizationKey {
    /// The key as stored in the configuration.
    pub fn new(key: impl Into<String>) -> Result<AuthorizationKey, AuthorizationKeyTooShort> {
        let key = key.into();
        if key.len() < MIN_AUTHORIZATION_KEY_LEN {
            return Err(AuthorizationKeyTooShort { len: key.len() });
        }
        Ok(AuthorizationKey(key))
    }

    /// The key as a ChangeConfiguration value carries it: decoded from hex notation first
    /// ([`decode_hex_notation`]), as libocpp stores it.
    pub fn from_change_configuration(
        value: &str,
    ) -> Result<AuthorizationKey, AuthorizationKeyTooShort> {
        AuthorizationKey::new(decode_hex_notation(value))
    }

    /// The password.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value of the `Authorization` header for `charge_point_id`.
    pub fn basic_auth_header(&self, charge_point_id: &str) -> String {
        basic_auth_header(charge_point_id, self.0.as_bytes())
    }
}

impl fmt::Debug for AuthorizationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthorizationKey(<{} bytes>)", self.0.len())
    }
}

/// `Basic base64(user ":" password)` (RFC 7617).
pub fn basic_auth_header(user: &str, password: &[u8]) -> String {
    let mut plain = Vec::with_capacity(user.len() + 1 + password.len());
    plain.extend_from_slice(user.as_bytes());
    plain.push(b':');
    plain.extend_from_slice(password);
    format!("Basic {}", STANDARD.encode(plain))
}

/// User and password of a `Basic` `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    /// The user name (the ChargePointId for OCPP).
    pub user: String,
    /// The password (the AuthorizationKey), as bytes: RFC 7617 leaves its charset open.
    pub password: Vec<u8>,
}

impl fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("user", &self.user)
            .field("password", &format_args!("<{} bytes>", self.password.len()))
            .finish()
    }
}

impl BasicCredentials {
    /// Parses a `Basic` `Authorization` header value; `None` for other schemes or bad base64.
    pub fn parse(header: &str) -> Option<BasicCredentials> {
        let (scheme, encoded) = header.trim().split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let plain = STANDARD.decode(encoded.trim()).ok()?;
        let colon = plain.iter().position(|&b| b == b':')?;
        let user = String::from_utf8(plain[..colon].to_vec()).ok()?;
        Some(BasicCredentials {
            user,
            password: plain[colon + 1..].to_vec(),
        })
    }

    /// Whether these are `charge_point_id` and `key`, comparing the password in constant time.
    pub fn matches(&self, charge_point_id: &str, key: &[u8]) -> bool {
        let same_len = self.password.len() == key.len();
        let diff = self
            .password
            .iter()
            .zip(key)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        self.user == charge_point_id && same_len && diff == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_id_colon_key() {
        let key = AuthorizationKey::new("DEADBEEFDEADBEEF").unwrap();
        // base64("cp001:DEADBEEFDEADBEEF")
        assert_eq!(
            key.basic_auth_header("cp001"),
            "Basic Y3AwMDE6REVBREJFRUZERUFEQkVFRg=="
        );
        let parsed = BasicCredentials::parse(&key.basic_auth_header("cp001")).unwrap();
        assert_eq!(parsed.user, "cp001");
        assert!(parsed.matches("cp001", b"DEADBEEFDEADBEEF"));
        assert!(!parsed.matches("cp002", b"DEADBEEFDEADBEEF"));
        assert!(!parsed.matches("cp001", b"DEADBEEFDEADBEEG"));
        assert!(!parsed.matches("cp001", b"DEADBEEFDEADBEE"));
    }

    #[test]
    fn password_may_contain_colons() {
        let parsed = BasicCredentials::parse(&basic_auth_header("cp", b"a:b:c")).unwrap();
        assert_eq!(
            (parsed.user.as_str(), parsed.password.as_slice()),
            ("cp", &b"a:b:c"[..])
        );
        assert!(BasicCredentials::parse("Bearer abc").is_none());
        assert!(BasicCredentials::parse("Basic !!!").is_none());
        assert!(BasicCredentials::parse("Basic bm9jb2xvbg==").is_none()); // "nocolon"
        assert!(BasicCredentials::parse("basic Y3A6eA==").is_some());
    }

    #[test]
    fn sixteen_bytes_minimum() {
        assert_eq!(
            AuthorizationKey::new("0123456789abcde"),
            Err(AuthorizationKeyTooShort { len: 15 })
        );
        assert!(AuthorizationKey::new("0123456789abcdef").is_ok());
        // Bytes, not characters: 8 two-byte characters are 16 bytes.
        assert!(AuthorizationKey::new("ääääääää").is_ok());
        assert_eq!(
            format!("{:?}", AuthorizationKey::new("0123456789abcdef").unwrap()),
            "AuthorizationKey(<16 bytes>)"
        );
    }

    #[test]
    fn change_configuration_value_is_decoded_before_the_length_check() {
        // 17 hex digits pairs = 17 bytes once decoded.
        assert_eq!(
            AuthorizationKey::from_change_configuration("3132333435363738393031323334353637")
                .unwrap()
                .as_str(),
            "12345678901234567"
        );
        // 30 hex characters, but only 15 bytes once decoded.
        assert_eq!(
            AuthorizationKey::from_change_configuration("313233343536373839303132333435"),
            Err(AuthorizationKeyTooShort { len: 15 })
        );
    }
}
