//! `ferrocharge sil` with a station whose EVSE talks ISO 15118 (an EvseV2G module, as
//! config/config-sil-pnc.yaml): Plug&Charge with nothing installed beforehand.
//!
//! The development PKI (`csms::dev_pki`) is made in the station's `data_dir/pki` where it is
//! missing: the V2G root, CPO sub-CAs and SECC certificate the station serves TLS with, the MO
//! root contracts are checked against, and the car's contract (eMAID
//! [`csms::dev_pki::EMAID`]), which the simulated PyEvJosev reads from `data_dir/pki/car`. At
//! every start the EvseSecurity module's relative paths resolve under the PKI's station store
//! (`data_dir/pki/station`) instead of `data_dir/certs`, as `--security-profile` does.

use anyhow::Context;
use csms::dev_pki::DevPki;
use station::StationConfig;

use crate::sil_security::{ocpp_module, redirect_store};

/// What the SIL changes for Plug&Charge; see the [module docs](self).
pub struct SilPnc {
    pki: DevPki,
}

impl SilPnc {
    /// The PKI for the station of `config` (made where missing) when the station has an
    /// EvseV2G; `None` otherwise.
    pub fn prepare(
        config: &StationConfig,
        charge_point_id: &str,
    ) -> anyhow::Result<Option<SilPnc>> {
        if config
            .modules_of_type(station::module_types::EVSE_V2G.name)
            .next()
            .is_none()
        {
            return Ok(None);
        }
        let dir = config.settings.data_dir.join("pki");
        let pki = DevPki::ensure(&dir, &[charge_point_id.to_owned()])
            .with_context(|| format!("cannot make the development PKI in {}", dir.display()))?;
        Ok(Some(SilPnc { pki }))
    }

    /// Points the station's EvseSecurity at the PKI's station store.
    pub fn apply(&self, config: &mut StationConfig) -> anyhow::Result<()> {
        let module = ocpp_module(config)?;
        let security = config
            .connected_module(&module, "security")
            .filter(|m| m.type_name() == station::module_types::EVSE_SECURITY.name)
            .map(|m| m.id.clone())
            .context("Plug&Charge needs an EvseSecurity module on the OCPP module's security requirement")?;
        redirect_store(config, &security, &self.pki.station_store())
    }

    /// One line for the banner.
    pub fn describe(&self) -> String {
        format!(
            "development PKI {} (SECC certificate, MO root; the car's contract eMAID {})",
            self.pki.dir().display(),
            csms::dev_pki::EMAID
        )
    }
}
