//! Who gets in: SteVe's path, subprotocol ocpp1.6, Basic auth where a password is set.

use std::collections::HashMap;

use csms::{CsmsEvent, CsmsOptions};
use tokio_tungstenite::tungstenite;

use crate::client::{bounded, csms, open, Client, Hello};

fn http_status(result: Result<impl Sized, tungstenite::Error>) -> Option<u16> {
    match result {
        Err(tungstenite::Error::Http(response)) => Some(response.status().as_u16()),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => None,
    }
}

#[tokio::test]
async fn a_wrong_path_is_refused_with_404() {
    let csms = csms(CsmsOptions::default()).await;
    for path in ["/ocpp/cp001", "/steve/websocket/CentralSystemService/", "/"] {
        let hello = Hello {
            path: path.to_owned(),
            ..Hello::steve("cp001")
        };
        let refused = open(csms.local_addr(), &hello).await;
        assert_eq!(http_status(refused), Some(404), "{path}");
    }
    assert!(csms.connected().is_empty());
}

#[tokio::test]
async fn a_client_without_ocpp16_is_not_let_in() {
    let csms = csms(CsmsOptions::default()).await;
    let mut events = csms.subscribe();
    for offered in [Some("ocpp2.0.1"), None] {
        let hello = Hello {
            subprotocol: offered,
            ..Hello::steve("bad")
        };
        // Either the client refuses the upgrade without the subprotocol it asked for, or the
        // CSMS closes right after it (OCPP-J 1.6 §3.1.2).
        if let Ok((mut ws, agreed)) = open(csms.local_addr(), &hello).await {
            assert_eq!(agreed, None, "{offered:?}");
            use futures_util::StreamExt;
            let next = bounded(ws.next()).await;
            let closed = matches!(
                next,
                Some(Ok(tungstenite::Message::Close(_))) | None | Some(Err(_))
            );
            assert!(closed, "{offered:?}: expected a close, got {next:?}");
        }
    }
    // The first connection the CSMS announces is the good one that follows.
    let _good = Client::connect(&csms, "good").await;
    let first = bounded(events.recv()).await;
    let connected = CsmsEvent::Connected {
        charge_point_id: "good".into(),
    };
    assert_eq!(first.ok(), Some(connected));
    assert_eq!(csms.connected(), ["good"]);
}

#[tokio::test]
async fn basic_auth_is_checked_for_charge_points_with_a_password() {
    let passwords = HashMap::from([("cp001".to_owned(), b"s3cret-password!".to_vec())]);
    let csms = csms(CsmsOptions {
        passwords,
        ..CsmsOptions::default()
    })
    .await;
    let addr = csms.local_addr();
    let without = open(addr, &Hello::steve("cp001")).await;
    assert_eq!(http_status(without), Some(401));
    let wrong = Hello {
        basic: Some(("cp001", "guess")),
        ..Hello::steve("cp001")
    };
    assert_eq!(http_status(open(addr, &wrong).await), Some(401));
    let other_user = Hello {
        basic: Some(("cp002", "s3cret-password!")),
        ..Hello::steve("cp001")
    };
    assert_eq!(http_status(open(addr, &other_user).await), Some(401));
    let right = Hello {
        basic: Some(("cp001", "s3cret-password!")),
        ..Hello::steve("cp001")
    };
    assert_eq!(http_status(open(addr, &right).await), None);
    bounded(csms.wait_connected("cp001")).await;
    // Charge points without a password need no credentials.
    let _open = Client::connect(&csms, "cp002").await;
}

#[tokio::test]
async fn the_default_listen_address_is_steves() {
    assert_eq!(CsmsOptions::default().listen.to_string(), "127.0.0.1:8180");
    let csms = csms(CsmsOptions::default()).await;
    let url = csms.url();
    assert!(
        url.starts_with("ws://127.0.0.1:")
            && url.ends_with("/steve/websocket/CentralSystemService/"),
        "{url}"
    );
}
