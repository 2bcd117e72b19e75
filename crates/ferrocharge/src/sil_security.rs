//! `ferrocharge sil --security-profile 2|3`: the SIL over `wss://` with the development PKI.
//!
//! The PKI is kept in the station's `data_dir/pki` (made the first time, `csms::dev_pki`);
//! the station runs as its config says, with three things changed in memory, at every start:
//!
//! - its OCPP configuration is the one it would read, with `Security.SecurityProfile` set (and,
//!   for profile 2, `Security.AuthorizationKey` set to the PKI's key for its ChargePointId),
//!   written to `data_dir/ocpp-config.security-profile-N.json` (0600: it holds the key) and
//!   named by the OCPP module's `ChargePointConfigPath`;
//! - its EvseSecurity module's relative paths resolve under the PKI's station store
//!   (`data_dir/pki/station`) instead of `data_dir/certs`: the CSMS root it checks the server
//!   against, the client certificate of profile 3;
//!
//! and the dev CSMS serves TLS with the PKI's server certificate: for profile 2 it requires the
//! AuthorizationKey as Basic auth, for profile 3 a client certificate under the PKI's CSMS
//! root whose CN is the ChargePointId (no TLS without one). Its web UI offers a
//! SignedUpdateFirmware template with the PKI's firmware signing certificate.
//!
//! The user config (`user_config.json`) still goes over the OCPP configuration, as always: one
//! that sets another SecurityProfile (or, for profile 2, another AuthorizationKey) is refused
//! with its path.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use csms::dev_pki::DevPki;
use csms::CsmsOptions;

use crate::station::CsmsConnection;
use station::runtime::OcppPaths;
use station::{ParamValue, StationConfig};

/// The EvseSecurity parameters that name files, as EvseSecurity declares them.
const STORE_PARAMETERS: [&str; 8] = [
    "csms_ca_bundle",
    "mf_ca_bundle",
    "mo_ca_bundle",
    "v2g_ca_bundle",
    "csms_leaf_cert_directory",
    "csms_leaf_key_directory",
    "secc_leaf_cert_directory",
    "secc_leaf_key_directory",
];

/// What `--security-profile` changes; see the [module docs](self).
pub struct SilSecurity {
    /// 2 or 3.
    profile: u8,
    /// The PKI.
    pki: DevPki,
    /// The station's ChargePointId.
    charge_point_id: String,
    /// Its AuthorizationKey (profile 2's password).
    authorization_key: String,
    /// The OCPP configuration written for it.
    ocpp_config: PathBuf,
}

impl SilSecurity {
    /// Makes the PKI where it is missing and writes the OCPP configuration of `profile` for
    /// the station of `config`, whose ChargePointId is `charge_point_id`.
    pub fn prepare(
        config: &StationConfig,
        profile: u8,
        charge_point_id: &str,
    ) -> anyhow::Result<SilSecurity> {
        if !(2..=3).contains(&profile) {
            bail!("--security-profile is 2 or 3, not {profile}");
        }
        let data_dir = &config.settings.data_dir;
        let pki = DevPki::ensure(&data_dir.join("pki"), &[charge_point_id.to_owned()])?;
        let authorization_key = pki.authorization_key(charge_point_id)?.with_context(|| {
            format!("the PKI in {} has no AuthorizationKey", pki.dir().display())
        })?;
        let module = ocpp_module(config)?;
        let mut document = OcppPaths::of(config, &module)
            .charge_point_document()
            .map_err(|p| anyhow::anyhow!("{p}"))?;
        let security = document
            .value
            .as_object_mut()
            .context("the OCPP configuration is not a JSON object")?
            .entry("Security")
            .or_insert_with(|| serde_json::json!({}));
        let security = security
            .as_object_mut()
            .context("the OCPP configuration's Security is not a JSON object")?;
        security.insert("SecurityProfile".to_owned(), profile.into());
        if profile == 2 {
            security.insert(
                "AuthorizationKey".to_owned(),
                authorization_key.clone().into(),
            );
        }
        let ocpp_config = data_dir.join(format!("ocpp-config.security-profile-{profile}.json"));
        let text = serde_json::to_string_pretty(&document.value)?;
        write_private(&ocpp_config, &text)?;
        Ok(SilSecurity {
            profile,
            pki,
            charge_point_id: charge_point_id.to_owned(),
            authorization_key,
            ocpp_config,
        })
    }

    /// Points the station of `config` at the OCPP configuration and the certificate store of
    /// this profile.
    pub fn apply(&self, config: &mut StationConfig) -> anyhow::Result<()> {
        let module = ocpp_module(config)?;
        let security = config
            .connected_module(&module, "security")
            .filter(|m| m.type_name() == station::module_types::EVSE_SECURITY.name)
            .map(|m| m.id.clone())
            .context(
                "--security-profile needs an EvseSecurity module on the OCPP module's security \
                 requirement (the shipped SIL configs have one)",
            )?;
        let ocpp_config = self.ocpp_config.display().to_string();
        set_string(config, &module, "ChargePointConfigPath", |_| {
            ocpp_config.clone()
        })?;
        redirect_store(config, &security, &self.pki.station_store())?;
        Ok(())
    }

    /// Refuses a station that would not connect as this profile says once its user config is
    /// over the OCPP configuration written for it (a CSMS changed SecurityProfile or
    /// AuthorizationKey, and the station keeps that): the dev CSMS would refuse it, for reasons
    /// far from the cause.
    pub fn check(&self, connection: &CsmsConnection) -> anyhow::Result<()> {
        let user_config = connection.user_config.display();
        if connection.security_profile != self.profile {
            bail!(
                "--security-profile {}: the station's user config {user_config} sets \
                 SecurityProfile {}; remove that key from it (or the file) to use \
                 --security-profile",
                self.profile,
                connection.security_profile
            );
        }
        if self.profile == 2
            && connection.authorization_key.as_deref() != Some(self.authorization_key.as_str())
        {
            bail!(
                "--security-profile 2: the station's user config {user_config} sets another \
                 AuthorizationKey than the development PKI's; remove that key from it (or the \
                 file) to use --security-profile"
            );
        }
        Ok(())
    }

    /// The dev CSMS's TLS and credentials for this profile.
    pub fn csms_options(&self, options: &mut CsmsOptions) -> anyhow::Result<()> {
        let mut files = self.pki.tls_files(self.profile == 3);
        if self.profile == 2 {
            // Profile 2 is TLS with Basic auth: no client certificate asked for.
            files.client_ca = None;
            options.passwords.insert(
                self.charge_point_id.clone(),
                self.authorization_key.as_bytes().to_vec(),
            );
        }
        options.tls = Some(files.server_config()?);
        // The web UI's SignedUpdateFirmware template carries the PKI's signing certificate.
        options.firmware_signing_certificate = Some(self.pki.firmware_signing_certificate()?);
        Ok(())
    }

    /// One line for the banner: what the station proves itself with, and where it is.
    pub fn describe(&self) -> String {
        let root = self.pki.station_store().join("ca/csms/CSMS_ROOT_CA.pem");
        match self.profile {
            2 => format!(
                "profile 2: TLS (server checked against {}), Basic auth with the AuthorizationKey in {}",
                root.display(),
                self.pki.authorization_key_file(&self.charge_point_id).display()
            ),
            _ => format!(
                "profile 3: TLS (server checked against {}), client certificate {}",
                root.display(),
                self.pki.client_files(&self.charge_point_id).0.display()
            ),
        }
    }
}

/// Points the EvseSecurity module `security` of `config` at the certificate store `store`:
/// relative paths are EvseSecurity's layout under the certificate folder, so the PKI's store
/// takes the place of data_dir/certs; absolute ones are the config's own.
pub(crate) fn redirect_store(
    config: &mut StationConfig,
    security: &str,
    store: &Path,
) -> anyhow::Result<()> {
    for name in STORE_PARAMETERS {
        set_string(config, security, name, |value| {
            match Path::new(value).is_absolute() {
                true => value.to_owned(),
                false => store.join(value).display().to_string(),
            }
        })?;
    }
    Ok(())
}

/// The id of the station's OCPP module.
pub(crate) fn ocpp_module(config: &StationConfig) -> anyhow::Result<String> {
    config
        .modules_of_type(station::module_types::OCPP.name)
        .next()
        .map(|m| m.id.clone())
        .context("the station config has no OCPP module: ferrocharge needs one to talk to a CSMS")
}

/// Sets the string parameter `name` of module `module` to `value(current)`.
fn set_string(
    config: &mut StationConfig,
    module: &str,
    name: &str,
    value: impl FnOnce(&str) -> String,
) -> anyhow::Result<()> {
    let parameter = config
        .modules
        .iter_mut()
        .find(|m| m.id == module)
        .and_then(|m| m.parameters.0.iter_mut().find(|(n, _)| *n == name))
        .with_context(|| format!("module {module} has no parameter {name}"))?;
    let current = match &parameter.1 {
        ParamValue::String(s) => s.clone(),
        _ => bail!("module {module}'s {name} is not a string"),
    };
    parameter.1 = ParamValue::String(value(&current));
    Ok(())
}

/// Writes `text` to `path`, readable by its owner only: into a new temporary file beside it
/// (0600 from the start), then renamed over it (the file is made again at every start).
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    if let Some(parent) = path.parent() {
        station::private_files::create_dir(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let written = station::private_files::new_file()
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use station::config::shipped;

    /// The shipped one-EVSE SIL station with its data dir in `dir`.
    fn station(dir: &Path) -> StationConfig {
        let yaml = shipped::SIL_ONE_EVSE.text.replacen(
            "  data_dir: /tmp/ferrocharge",
            &format!("  data_dir: {}", dir.join("data").display()),
            1,
        );
        let path = dir.join("station.yaml");
        std::fs::write(&path, yaml).unwrap();
        StationConfig::load(&path).unwrap()
    }

    fn parameter<'a>(config: &'a StationConfig, module: &str, name: &str) -> &'a str {
        config
            .module(module)
            .and_then(|m| m.parameters.str(name))
            .unwrap_or_default()
    }

    #[test]
    fn profile_2_writes_the_key_into_the_ocpp_config_and_points_the_store_at_the_pki() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = station(dir.path());
        let security = SilSecurity::prepare(&config, 2, "cp001").unwrap();
        security.apply(&mut config).unwrap();
        let data = dir.path().join("data");
        let written = data.join("ocpp-config.security-profile-2.json");
        assert_eq!(
            parameter(&config, "ocpp", "ChargePointConfigPath"),
            written.display().to_string()
        );
        let ocpp: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
        let key = std::fs::read_to_string(data.join("pki/csms/cp001.authorization-key")).unwrap();
        assert_eq!(ocpp["Security"]["SecurityProfile"], 2);
        assert_eq!(ocpp["Security"]["AuthorizationKey"], key.as_str());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&written).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "it holds the AuthorizationKey");
        }
        let security_module = config
            .connected_module("ocpp", "security")
            .map(|m| m.id.clone())
            .unwrap();
        let store = data.join("pki/station");
        assert_eq!(
            parameter(&config, &security_module, "csms_ca_bundle"),
            store.join("ca/csms/CSMS_ROOT_CA.pem").display().to_string()
        );
        assert_eq!(
            parameter(&config, &security_module, "csms_leaf_cert_directory"),
            store.join("client/csms").display().to_string()
        );
        let mut options = CsmsOptions::default();
        security.csms_options(&mut options).unwrap();
        assert!(options.tls.is_some());
        assert_eq!(
            options.passwords.get("cp001").map(Vec::as_slice),
            Some(key.as_bytes())
        );
        assert_eq!(
            options.firmware_signing_certificate.as_deref(),
            std::fs::read_to_string(data.join("pki/mf/FIRMWARE_SIGNING.pem"))
                .ok()
                .as_deref()
        );
    }

    #[test]
    fn profile_3_sets_no_key_and_the_csms_takes_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let config = station(dir.path());
        let security = SilSecurity::prepare(&config, 3, "cp001").unwrap();
        let written = dir.path().join("data/ocpp-config.security-profile-3.json");
        let ocpp: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(written).unwrap()).unwrap();
        assert_eq!(ocpp["Security"]["SecurityProfile"], 3);
        assert_eq!(ocpp["Security"].get("AuthorizationKey"), None);
        let mut options = CsmsOptions::default();
        security.csms_options(&mut options).unwrap();
        assert!(options.tls.is_some());
        assert!(options.passwords.is_empty());
        assert!(SilSecurity::prepare(&config, 1, "cp001").is_err());
    }

    #[test]
    fn a_user_config_that_changes_the_profile_or_the_key_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = station(dir.path());
        let security = SilSecurity::prepare(&config, 2, "cp001").unwrap();
        security.apply(&mut config).unwrap();
        let connection = crate::station::csms_connection(&config).unwrap();
        assert!(connection.url.is_secure());
        security.check(&connection).unwrap();

        let user_config = dir.path().join("data/user_config.json");
        std::fs::write(&user_config, r#"{"Security": {"SecurityProfile": 3}}"#).unwrap();
        let refused = security
            .check(&crate::station::csms_connection(&config).unwrap())
            .unwrap_err()
            .to_string();
        assert_eq!(
            refused,
            format!(
                "--security-profile 2: the station's user config {} sets SecurityProfile 3; \
                 remove that key from it (or the file) to use --security-profile",
                user_config.display()
            )
        );
        std::fs::write(
            &user_config,
            r#"{"Security": {"AuthorizationKey": "another key of 16 bytes"}}"#,
        )
        .unwrap();
        let refused = security
            .check(&crate::station::csms_connection(&config).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("sets another AuthorizationKey"),
            "{refused}"
        );
        assert!(
            !refused.contains("another key of 16 bytes"),
            "never the key"
        );
    }
}
