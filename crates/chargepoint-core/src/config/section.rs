//! The sections of the configuration file and the feature-profile names of
//! `SupportedFeatureProfiles`.

use std::fmt;

/// A section (top-level object) of the OCPP 1.6 configuration file; each has its own schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Station identity, connection and behaviour settings that OCPP does not standardise.
    Internal,
    /// The Core profile (OCPP 1.6 §9.1).
    Core,
    /// The FirmwareManagement profile (§9.2).
    FirmwareManagement,
    /// The Security whitepaper.
    Security,
    /// The LocalAuthListManagement profile (§9.3).
    LocalAuthListManagement,
    /// The Reservation profile (§9.4).
    Reservation,
    /// The SmartCharging profile (§9.5).
    SmartCharging,
    /// ISO 15118 Plug&Charge.
    PnC,
    /// California Pricing.
    CostAndPrice,
    /// Integrator-specific keys.
    Custom,
}

impl Section {
    /// Every section, in the order of the issue and of `config show`.
    pub const ALL: [Section; 10] = [
        Section::Internal,
        Section::Core,
        Section::FirmwareManagement,
        Section::Security,
        Section::LocalAuthListManagement,
        Section::Reservation,
        Section::SmartCharging,
        Section::PnC,
        Section::CostAndPrice,
        Section::Custom,
    ];

    /// The order in which GetConfiguration reports sections when asked for every key: the order
    /// of libocpp's `SupportedFeatureProfiles` enum, which its `get_all_key_value` follows.
    pub const REPORT_ORDER: [Section; 10] = [
        Section::Internal,
        Section::Core,
        Section::CostAndPrice,
        Section::FirmwareManagement,
        Section::LocalAuthListManagement,
        Section::Reservation,
        Section::SmartCharging,
        Section::Security,
        Section::PnC,
        Section::Custom,
    ];

    /// The section's name in the file (and of its schema file, without `.json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Internal => "Internal",
            Section::Core => "Core",
            Section::FirmwareManagement => "FirmwareManagement",
            Section::Security => "Security",
            Section::LocalAuthListManagement => "LocalAuthListManagement",
            Section::Reservation => "Reservation",
            Section::SmartCharging => "SmartCharging",
            Section::PnC => "PnC",
            Section::CostAndPrice => "CostAndPrice",
            Section::Custom => "Custom",
        }
    }

    /// The section named exactly `name`.
    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the section's keys are in effect even when `SupportedFeatureProfiles` does not list
    /// it. As libocpp: Internal, Core and Security always are; PnC, CostAndPrice and Custom are
    /// whenever their section exists; the four optional OCPP profiles only when listed.
    pub fn active_without_listing(self) -> bool {
        !matches!(
            self,
            Section::FirmwareManagement
                | Section::LocalAuthListManagement
                | Section::Reservation
                | Section::SmartCharging
        )
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name `SupportedFeatureProfiles` may list: the six profiles of OCPP 1.6 and the names
/// libocpp also accepts there (it adds Security, Internal, PnC, CostAndPrice and Custom itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileName {
    /// Core.
    Core,
    /// FirmwareManagement.
    FirmwareManagement,
    /// LocalAuthListManagement.
    LocalAuthListManagement,
    /// Reservation.
    Reservation,
    /// SmartCharging.
    SmartCharging,
    /// RemoteTrigger (no section of its own).
    RemoteTrigger,
    /// Security (always supported).
    Security,
    /// PnC.
    PnC,
    /// CostAndPrice.
    CostAndPrice,
    /// Internal (accepted as libocpp does; always in effect).
    Internal,
    /// Custom.
    Custom,
}

impl ProfileName {
    /// Every name, in the order of the Core schema's list.
    pub const ALL: [ProfileName; 11] = [
        ProfileName::Core,
        ProfileName::FirmwareManagement,
        ProfileName::LocalAuthListManagement,
        ProfileName::Reservation,
        ProfileName::SmartCharging,
        ProfileName::RemoteTrigger,
        ProfileName::Security,
        ProfileName::PnC,
        ProfileName::CostAndPrice,
        ProfileName::Internal,
        ProfileName::Custom,
    ];

    /// The name as listed in `SupportedFeatureProfiles`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::RemoteTrigger => "RemoteTrigger",
            other => other.section().map(Section::as_str).unwrap_or_default(),
        }
    }

    /// Parses a name exactly (case-sensitively, as libocpp).
    pub fn from_name(name: &str) -> Option<ProfileName> {
        ProfileName::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The configuration section of the profile; RemoteTrigger has none.
    pub fn section(self) -> Option<Section> {
        Some(match self {
            ProfileName::Core => Section::Core,
            ProfileName::FirmwareManagement => Section::FirmwareManagement,
            ProfileName::LocalAuthListManagement => Section::LocalAuthListManagement,
            ProfileName::Reservation => Section::Reservation,
            ProfileName::SmartCharging => Section::SmartCharging,
            ProfileName::RemoteTrigger => return None,
            ProfileName::Security => Section::Security,
            ProfileName::PnC => Section::PnC,
            ProfileName::CostAndPrice => Section::CostAndPrice,
            ProfileName::Internal => Section::Internal,
            ProfileName::Custom => Section::Custom,
        })
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Section::ALL {
            assert_eq!(Section::from_name(s.as_str()), Some(s));
        }
        for p in ProfileName::ALL {
            assert_eq!(ProfileName::from_name(p.as_str()), Some(p));
        }
        assert_eq!(Section::from_name("core"), None);
        assert_eq!(ProfileName::from_name("smartcharging"), None);
        assert_eq!(ProfileName::RemoteTrigger.section(), None);
        let mut sorted = Section::REPORT_ORDER;
        sorted.sort();
        assert_eq!(sorted, Section::ALL);
    }
}
