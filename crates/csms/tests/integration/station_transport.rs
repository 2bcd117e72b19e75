//! The station's own websocket client (ocpp-ws, as a station configured with SteVe's
//! CentralSystemURI uses it) against the dev CSMS: the URL rules and Basic auth fit.

use std::collections::HashMap;

use csms::CsmsOptions;
use ocpp_ws::{AuthorizationKey, Connection, ConnectionOptions, Event, SecurityProfile};
use serde_json::Value;

use crate::client::{bounded, csms};

/// Opens `options`, sends a BootNotification once connected and returns its answer payload.
async fn boot_through(options: ConnectionOptions) -> Value {
    let (connection, mut events) = match Connection::open(options) {
        Ok(opened) => opened,
        Err(e) => panic!("open: {e}"),
    };
    let boot = r#"[2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]"#;
    loop {
        match bounded(events.recv()).await {
            Some(Event::Connected { .. }) => {
                if let Err(e) = connection.send(boot) {
                    panic!("send: {e}");
                }
            }
            Some(Event::Text(text)) => {
                let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                assert_eq!(frame[1], "b1", "{text}");
                return frame[2].clone();
            }
            Some(Event::ConnectFailed { error, .. }) => panic!("connect failed: {error}"),
            Some(other) => panic!("unexpected {other:?}"),
            None => panic!("connection task ended"),
        }
    }
}

#[tokio::test]
async fn a_station_with_steves_uri_boots_unsecured() {
    let csms = csms(CsmsOptions::default()).await;
    // What a libocpp config holds: CentralSystemURI without scheme, ChargePointId apart.
    let uri = format!("{}{}", csms.local_addr(), csms::DEFAULT_PATH_PREFIX);
    let options = ConnectionOptions::new(uri, "cp001", SecurityProfile::Unsecured);
    let answer = boot_through(options).await;
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(csms.connected(), ["cp001"]);
}

#[tokio::test]
async fn a_station_on_security_profile_1_sends_its_authorization_key() {
    let key = "AABBCCDDEEFFGGHH";
    let csms = csms(CsmsOptions {
        passwords: HashMap::from([("cp001".to_owned(), key.as_bytes().to_vec())]),
        ..CsmsOptions::default()
    })
    .await;
    let uri = format!("{}{}", csms.local_addr(), csms::DEFAULT_PATH_PREFIX);
    let mut options = ConnectionOptions::new(uri, "cp001", SecurityProfile::BasicAuth);
    options.authorization_key = AuthorizationKey::new(key).ok();
    let answer = boot_through(options).await;
    assert_eq!(answer["status"], "Accepted");
}
