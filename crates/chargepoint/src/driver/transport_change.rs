//! Which configuration changes concern the transport, and what the driver does about each
//! (a plain function, so the decisions are tested without sockets).

use crate::config::{ChangeOrigin, ConfigChange};

use super::options::TRANSPORT_KEYS;

/// What a configuration change asks of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportAction {
    /// Nothing: not a transport key, a change that waits for a reboot, or a key not in use
    /// with the current profile.
    Nothing,
    /// Reconnect at once with options rebuilt from the configuration (AuthorizationKey on
    /// profile 1 or 2, as libocpp's `websocket->reconnect` after the answer is sent).
    Reconnect,
    /// Try the new SecurityProfile (libocpp's switchSecurityProfile); fall back to
    /// `previous` if it does not connect.
    TryProfile {
        /// The profile to set back if the new one does not connect.
        previous: u8,
    },
    /// Change the keep-alive (WebSocketPingInterval, WebsocketPongTimeout,
    /// WebsocketPingPayload) of the open connection at once, keeping the connection.
    KeepAlive,
    /// Use options rebuilt from the configuration from the next connection on. Back-off and
    /// TLS settings only matter when a connection is made, and dropping a working connection
    /// to change them would cost the CSMS a disconnect and re-sent messages for nothing: the
    /// values take effect when the connection is next re-made.
    AtNextConnection,
}

/// The keys of the keep-alive, which ocpp-ws changes on the open connection.
const KEEP_ALIVE_KEYS: [&str; 3] = [
    "WebSocketPingInterval",
    "WebsocketPongTimeout",
    "WebsocketPingPayload",
];

/// What `change` asks of the transport while the station is on `profile`.
pub fn transport_action(change: &ConfigChange, profile: u8) -> TransportAction {
    if change.reboot_required {
        return TransportAction::Nothing;
    }
    if change.is("AuthorizationKey") {
        return match profile {
            1 | 2 => TransportAction::Reconnect,
            // Profile 0 sends no credentials, profile 3 authenticates with its certificate.
            _ => TransportAction::Nothing,
        };
    }
    if change.is("SecurityProfile") {
        // The station's own change is the fall-back itself (ocpp-ws already went back).
        if change.origin == ChangeOrigin::Station {
            return TransportAction::Nothing;
        }
        let previous = change
            .old
            .as_ref()
            .and_then(|v| v.as_i64())
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0);
        return TransportAction::TryProfile { previous };
    }
    if KEEP_ALIVE_KEYS.contains(&change.key.as_str()) {
        return TransportAction::KeepAlive;
    }
    if TRANSPORT_KEYS.contains(&change.key.as_str()) {
        return TransportAction::AtNextConnection;
    }
    TransportAction::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigValue, Section};

    fn change(key: &str, old: Option<i64>, origin: ChangeOrigin) -> ConfigChange {
        ConfigChange {
            section: Section::Security,
            key: key.to_string(),
            ocpp_key: key.to_string(),
            old: old.map(ConfigValue::Integer),
            new: ConfigValue::Integer(2),
            reboot_required: false,
            origin,
            secret: false,
        }
    }

    #[test]
    fn each_key_gets_its_action() {
        use ChangeOrigin::{CentralSystem, Station};
        use TransportAction::*;
        let key = change("AuthorizationKey", None, CentralSystem);
        assert_eq!(transport_action(&key, 0), Nothing);
        assert_eq!(transport_action(&key, 1), Reconnect);
        assert_eq!(transport_action(&key, 2), Reconnect);
        assert_eq!(transport_action(&key, 3), Nothing);
        let raise = change("SecurityProfile", Some(1), CentralSystem);
        assert_eq!(transport_action(&raise, 2), TryProfile { previous: 1 });
        let fallback = change("SecurityProfile", Some(2), Station);
        assert_eq!(transport_action(&fallback, 1), Nothing);
        for key in KEEP_ALIVE_KEYS {
            assert_eq!(
                transport_action(&change(key, None, CentralSystem), 0),
                KeepAlive
            );
        }
        for key in ["RetryBackoffWaitMinimum", "VerifyCsmsCommonName"] {
            assert_eq!(
                transport_action(&change(key, None, CentralSystem), 0),
                AtNextConnection
            );
        }
        assert_eq!(
            transport_action(&change("HeartbeatInterval", None, CentralSystem), 0),
            Nothing
        );
        let mut later = change("SecurityProfile", Some(0), CentralSystem);
        later.reboot_required = true;
        assert_eq!(transport_action(&later, 1), Nothing);
    }
}
