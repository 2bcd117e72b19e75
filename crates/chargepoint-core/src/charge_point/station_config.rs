//! Configuration changes the station makes itself while the core runs (the driver setting
//! SecurityProfile back after a failed switch, as libocpp's switchSecurityProfile).

use serde_json::Value;

use crate::config::{ChangeError, ConfigChange};

use super::ChargePoint;

impl ChargePoint {
    /// Sets `key` to `value` as the station ([`Configuration::set_by_station`]: checked,
    /// stored in the user config, then applied). Through the core rather than on the
    /// configuration directly, so that GetConfiguration answers the new value at once.
    /// `None` when the key already had `value`.
    ///
    /// [`Configuration::set_by_station`]: crate::config::Configuration::set_by_station
    pub fn set_configuration_by_station(
        &mut self,
        key: &str,
        value: Value,
    ) -> Result<Option<ConfigChange>, ChangeError> {
        self.config.set_by_station(key, value)
    }
}
