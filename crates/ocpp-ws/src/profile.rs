//! The Security whitepaper's security profiles, and when the CSMS may raise ours.

use std::fmt;

/// `Security.SecurityProfile` of the OCPP 1.6 Security whitepaper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecurityProfile {
    /// 0: plain `ws://`, no authentication (OCPP 1.6 without the whitepaper).
    Unsecured,
    /// 1: plain `ws://` with HTTP Basic authentication.
    BasicAuth,
    /// 2: TLS (`wss://`) with HTTP Basic authentication.
    TlsBasicAuth,
    /// 3: TLS (`wss://`) with a client certificate.
    TlsClientCertificate,
}

/// A number that is not a security profile (0 to 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("security profile {0} does not exist (0 to 3)")]
pub struct UnknownSecurityProfile(pub i64);

impl SecurityProfile {
    /// Every profile, in increasing order.
    pub const ALL: [SecurityProfile; 4] = [
        SecurityProfile::Unsecured,
        SecurityProfile::BasicAuth,
        SecurityProfile::TlsBasicAuth,
        SecurityProfile::TlsClientCertificate,
    ];

    /// The configuration value (0 to 3).
    pub fn number(self) -> u8 {
        match self {
            SecurityProfile::Unsecured => 0,
            SecurityProfile::BasicAuth => 1,
            SecurityProfile::TlsBasicAuth => 2,
            SecurityProfile::TlsClientCertificate => 3,
        }
    }

    /// The profile of a configuration value.
    pub fn from_number(n: i64) -> Result<SecurityProfile, UnknownSecurityProfile> {
        match n {
            0 => Ok(SecurityProfile::Unsecured),
            1 => Ok(SecurityProfile::BasicAuth),
            2 => Ok(SecurityProfile::TlsBasicAuth),
            3 => Ok(SecurityProfile::TlsClientCertificate),
            _ => Err(UnknownSecurityProfile(n)),
        }
    }

    /// Whether the connection runs over TLS (`wss://`): profiles 2 and 3.
    pub fn uses_tls(self) -> bool {
        self >= SecurityProfile::TlsBasicAuth
    }

    /// Whether the upgrade request carries HTTP Basic credentials: profiles 1 and 2 (profile 3
    /// authenticates with the client certificate only, as libocpp does).
    pub fn uses_basic_auth(self) -> bool {
        matches!(
            self,
            SecurityProfile::BasicAuth | SecurityProfile::TlsBasicAuth
        )
    }

    /// Whether the TLS handshake presents a client certificate: profile 3.
    pub fn uses_client_certificate(self) -> bool {
        self == SecurityProfile::TlsClientCertificate
    }
}

impl fmt::Display for SecurityProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// What the station has for the security profiles, to judge a ChangeConfiguration of
/// `SecurityProfile` with [`check_profile_raise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProfilePrerequisites {
    /// `AuthorizationKey` is set and valid (at least 16 bytes, see
    /// [`AuthorizationKey`](crate::AuthorizationKey)).
    pub authorization_key: bool,
    /// A CSMS root CA certificate is installed
    /// ([`CertificateStore::csms_root_ca_installed`](crate::CertificateStore::csms_root_ca_installed)).
    pub csms_root_ca: bool,
    /// A currently valid client certificate whose key is present is installed
    /// ([`CertificateStore::has_valid_client_certificate`](crate::CertificateStore::has_valid_client_certificate)).
    pub client_certificate: bool,
}

/// Why a raise of the security profile is refused (the ChangeConfiguration is `Rejected`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProfileRaiseRefused {
    /// The value is not 0 to 3.
    #[error("security profile {0} does not exist (0 to 3)")]
    Unknown(i64),
    /// The whitepaper only allows raising the profile, never lowering or repeating it.
    #[error("security profile {requested} is not higher than the current {current}")]
    NotHigher {
        /// The profile in use.
        current: SecurityProfile,
        /// The profile asked for.
        requested: SecurityProfile,
    },
    /// Profiles 1 and 2 need a valid AuthorizationKey.
    #[error("security profile {0} needs an AuthorizationKey of at least 16 bytes, none is set")]
    NoAuthorizationKey(SecurityProfile),
    /// Profiles 2 and 3 need the CSMS root CA.
    #[error("security profile {0} needs a CSMS root CA certificate, none is installed")]
    NoCsmsRootCa(SecurityProfile),
    /// Profile 3 needs a valid client certificate.
    #[error("security profile 3 needs a valid client certificate, none is installed")]
    NoClientCertificate,
}

/// Checks a ChangeConfiguration of `SecurityProfile` from `current` to `requested`: it may only
/// raise the profile, and only when the new profile's prerequisites exist (libocpp's checks in
/// `ChargePointImpl::handleChangeConfigurationRequest`: AuthorizationKey for 1 and 2, the CSMS
/// root CA for 2 and 3, a valid client certificate for 3).
///
/// `Ok` means the change is to be `Accepted` and then tried with
/// [`Connection::try_options`](crate::Connection::try_options).
pub fn check_profile_raise(
    current: SecurityProfile,
    requested: i64,
    have: &ProfilePrerequisites,
) -> Result<SecurityProfile, ProfileRaiseRefused> {
    let requested =
        SecurityProfile::from_number(requested).map_err(|e| ProfileRaiseRefused::Unknown(e.0))?;
    if requested <= current {
        return Err(ProfileRaiseRefused::NotHigher { current, requested });
    }
    if requested.uses_basic_auth() && !have.authorization_key {
        return Err(ProfileRaiseRefused::NoAuthorizationKey(requested));
    }
    if requested.uses_tls() && !have.csms_root_ca {
        return Err(ProfileRaiseRefused::NoCsmsRootCa(requested));
    }
    if requested.uses_client_certificate() && !have.client_certificate {
        return Err(ProfileRaiseRefused::NoClientCertificate);
    }
    Ok(requested)
}

#[cfg(test)]
mod tests {
    use super::SecurityProfile::*;
    use super::*;

    const ALL_PRESENT: ProfilePrerequisites = ProfilePrerequisites {
        authorization_key: true,
        csms_root_ca: true,
        client_certificate: true,
    };

    #[test]
    fn numbers_round_trip() {
        for p in SecurityProfile::ALL {
            assert_eq!(SecurityProfile::from_number(p.number().into()), Ok(p));
        }
        assert_eq!(
            SecurityProfile::from_number(4),
            Err(UnknownSecurityProfile(4))
        );
        assert_eq!(
            SecurityProfile::from_number(-1),
            Err(UnknownSecurityProfile(-1))
        );
    }

    #[test]
    fn what_each_profile_uses() {
        let table = [
            (Unsecured, false, false, false),
            (BasicAuth, false, true, false),
        ];
        let table = table.into_iter().chain([
            (TlsBasicAuth, true, true, false),
            (TlsClientCertificate, true, false, true),
        ]);
        for (p, tls, basic, cert) in table {
            assert_eq!(p.uses_tls(), tls, "{p}");
            assert_eq!(p.uses_basic_auth(), basic, "{p}");
            assert_eq!(p.uses_client_certificate(), cert, "{p}");
        }
    }

    #[test]
    fn only_raises_are_accepted() {
        assert_eq!(
            check_profile_raise(Unsecured, 1, &ALL_PRESENT),
            Ok(BasicAuth)
        );
        assert_eq!(
            check_profile_raise(BasicAuth, 3, &ALL_PRESENT),
            Ok(TlsClientCertificate)
        );
        assert_eq!(
            check_profile_raise(TlsBasicAuth, 2, &ALL_PRESENT),
            Err(ProfileRaiseRefused::NotHigher {
                current: TlsBasicAuth,
                requested: TlsBasicAuth
            })
        );
        assert_eq!(
            check_profile_raise(TlsBasicAuth, 1, &ALL_PRESENT),
            Err(ProfileRaiseRefused::NotHigher {
                current: TlsBasicAuth,
                requested: BasicAuth
            })
        );
        assert_eq!(
            check_profile_raise(Unsecured, 4, &ALL_PRESENT),
            Err(ProfileRaiseRefused::Unknown(4))
        );
    }

    #[test]
    fn each_prerequisite_is_checked() {
        let no_key = ProfilePrerequisites {
            authorization_key: false,
            ..ALL_PRESENT
        };
        assert_eq!(
            check_profile_raise(Unsecured, 1, &no_key),
            Err(ProfileRaiseRefused::NoAuthorizationKey(BasicAuth))
        );
        assert_eq!(
            check_profile_raise(BasicAuth, 2, &no_key),
            Err(ProfileRaiseRefused::NoAuthorizationKey(TlsBasicAuth))
        );
        // Profile 3 does not use the AuthorizationKey.
        assert_eq!(
            check_profile_raise(BasicAuth, 3, &no_key),
            Ok(TlsClientCertificate)
        );

        let no_ca = ProfilePrerequisites {
            csms_root_ca: false,
            ..ALL_PRESENT
        };
        assert_eq!(check_profile_raise(Unsecured, 1, &no_ca), Ok(BasicAuth));
        assert_eq!(
            check_profile_raise(BasicAuth, 2, &no_ca),
            Err(ProfileRaiseRefused::NoCsmsRootCa(TlsBasicAuth))
        );
        assert_eq!(
            check_profile_raise(TlsBasicAuth, 3, &no_ca),
            Err(ProfileRaiseRefused::NoCsmsRootCa(TlsClientCertificate))
        );

        let no_cert = ProfilePrerequisites {
            client_certificate: false,
            ..ALL_PRESENT
        };
        assert_eq!(
            check_profile_raise(BasicAuth, 2, &no_cert),
            Ok(TlsBasicAuth)
        );
        assert_eq!(
            check_profile_raise(TlsBasicAuth, 3, &no_cert),
            Err(ProfileRaiseRefused::NoClientCertificate)
        );
        assert_eq!(
            check_profile_raise(Unsecured, 1, &ProfilePrerequisites::default()),
            Err(ProfileRaiseRefused::NoAuthorizationKey(BasicAuth))
        );
    }
}
