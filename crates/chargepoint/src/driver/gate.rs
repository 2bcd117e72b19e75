//! The [`SecurityProfileGate`] of a station with a certificate store: whether the
//! certificates a higher SecurityProfile needs are installed, as ocpp-ws's
//! [`check_profile_raise`] judges it.

use std::time::SystemTime;

use ocpp_ws::{check_profile_raise, CertificateStore, ProfilePrerequisites, SecurityProfile};

use crate::config::SecurityProfileGate;

/// Looks into the certificate store (the station's EvseSecurity module, see
/// [`CertificateStore`]) at every ChangeConfiguration of SecurityProfile: profiles 2 and 3
/// need the CSMS root CA, profile 3 a currently valid client certificate with its key.
/// Without a certificate store, profiles 2 and 3 are refused.
///
/// The configuration asks this gate only after its own checks (the profile is higher than the
/// current one, at most 3, and profiles 1 and 2 have an AuthorizationKey), so the gate counts
/// the AuthorizationKey as present and the current profile as 0.
#[derive(Debug, Clone)]
pub struct CertificateGate {
    store: Option<CertificateStore>,
}

impl CertificateGate {
    /// The gate over the certificate store `store`, if any.
    pub fn new(store: Option<CertificateStore>) -> CertificateGate {
        CertificateGate { store }
    }
}

impl SecurityProfileGate for CertificateGate {
    fn check(&self, profile: u8) -> Result<(), String> {
        let have = match &self.store {
            Some(store) => ProfilePrerequisites {
                authorization_key: true,
                csms_root_ca: store.csms_root_ca_installed(),
                client_certificate: store.has_valid_client_certificate(SystemTime::now()),
            },
            None => ProfilePrerequisites {
                authorization_key: true,
                ..ProfilePrerequisites::default()
            },
        };
        check_profile_raise(SecurityProfile::Unsecured, profile.into(), &have)
            .map(drop)
            .map_err(|e| match &self.store {
                Some(store) => format!(
                    "{e} (CSMS root CA bundle {}, client certificates in {})",
                    store.csms_root_ca_path().display(),
                    store.client_dir().display()
                ),
                None => format!("{e} (no certificate store is configured)"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_2_and_3_need_the_store() {
        let gate = CertificateGate::new(None);
        assert_eq!(gate.check(1), Ok(()));
        assert!(gate.check(2).unwrap_err().contains("CSMS root CA"));
        assert!(gate.check(3).is_err());

        let dir = std::env::temp_dir().join(format!("ferrocharge-gate-{}", std::process::id()));
        let gate = CertificateGate::new(Some(CertificateStore::new(&dir)));
        assert!(gate.check(2).unwrap_err().contains("CSMS root CA"));
        let ca = dir.join("ca").join("csms");
        std::fs::create_dir_all(&ca).unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["csms".to_string()]).unwrap();
        std::fs::write(ca.join("CSMS_ROOT_CA.pem"), cert.cert.pem()).unwrap();
        let result = gate.check(2);
        let profile3 = gate.check(3);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(result, Ok(()));
        assert!(profile3.unwrap_err().contains("client certificate"));
    }
}
