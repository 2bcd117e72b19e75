//! Who may use the HTTP API: the station control API's rules (docs/control-api.md, "Security").
//! A request with a foreign Host, a command from a foreign Origin or site, a body that is not
//! JSON, or (with a token) no token is refused before any route sees it, and changes nothing.

use std::net::SocketAddr;

use csms::{CsmsError, CsmsOptions};
use serde_json::json;

use crate::http::{addr, get, raw, refused, with_http};

const NEW_TAG: &str = r#"{"id_tag": "EVIL"}"#;

#[tokio::test]
async fn foreign_hosts_origins_and_forms_are_refused() {
    let csms = with_http(CsmsOptions::default()).await;
    let at = addr(&csms);
    let port = at.port();
    let json_type = ("Content-Type", "application/json");

    let rebound = raw(
        at,
        "GET",
        "/api/v1/tags",
        &[("Host", "evil.example:8850")],
        "",
    )
    .await;
    refused(
        &rebound,
        421,
        &format!(
            "Host 'evil.example:8850' is not this CSMS API's address (127.0.0.1:{port}, \
             [::1]:{port}, localhost:{port})"
        ),
    );
    let localhost = format!("localhost:{port}");
    let ok = raw(
        at,
        "GET",
        "/api/v1/tags",
        &[("Host", localhost.as_str())],
        "",
    )
    .await;
    assert_eq!(ok.status, 200);

    let foreign = raw(
        at,
        "POST",
        "/api/v1/tags",
        &[json_type, ("Origin", "http://evil.example")],
        NEW_TAG,
    )
    .await;
    refused(
        &foreign,
        403,
        &format!(
            "Origin http://evil.example is not http://{at}: commands from other web pages are refused"
        ),
    );
    let cross_site = raw(
        at,
        "POST",
        "/api/v1/tags",
        &[json_type, ("Sec-Fetch-Site", "cross-site")],
        NEW_TAG,
    )
    .await;
    refused(
        &cross_site,
        403,
        "Sec-Fetch-Site cross-site: commands from other web pages are refused",
    );
    let form = raw(
        at,
        "POST",
        "/api/v1/tags",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "id_tag=EVIL",
    )
    .await;
    refused(
        &form,
        415,
        "Content-Type application/x-www-form-urlencoded is not application/json",
    );
    let untyped = raw(at, "POST", "/api/v1/tags", &[], NEW_TAG).await;
    refused(
        &untyped,
        415,
        "a request body needs Content-Type: application/json",
    );
    // None of them got through.
    refused(
        &get(&csms, "/api/v1/tags/EVIL").await,
        404,
        "no tag 'EVIL' (every unknown idTag is answered Invalid)",
    );
    // The page's own request does.
    let own_origin = format!("http://{at}");
    let own = raw(
        at,
        "POST",
        "/api/v1/tags",
        &[
            json_type,
            ("Origin", own_origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        NEW_TAG,
    )
    .await;
    assert_eq!(own.status, 201, "{own:?}");
}

#[tokio::test]
async fn with_a_token_every_request_needs_it() {
    let csms = with_http(CsmsOptions {
        http_token: Some("s3cret".to_owned()),
        ..CsmsOptions::default()
    })
    .await;
    let at = addr(&csms);
    let missing = get(&csms, "/api/v1/charge-points").await;
    refused(
        &missing,
        401,
        "this CSMS API needs its token: Authorization: Bearer <--http-token>",
    );
    let bearer = raw(
        at,
        "GET",
        "/api/v1/charge-points",
        &[("Authorization", "Bearer s3cret")],
        "",
    )
    .await;
    assert_eq!((bearer.status, bearer.json()), (200, json!([])));
    // The page is open, and is the login form.
    let page = get(&csms, "/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<h1>ferrocharge dev CSMS</h1>"));
    assert!(page.body.contains("--http-token"));
    let wrong = raw(
        at,
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json")],
        r#"{"token": "guess"}"#,
    )
    .await;
    refused(&wrong, 401, "wrong token");
    let login = raw(
        at,
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json")],
        r#"{"token": "s3cret"}"#,
    )
    .await;
    assert_eq!(login.status, 200);
    assert_eq!(
        login.header("set-cookie"),
        Some("ferrocharge_csms_token=s3cret; Path=/; HttpOnly; SameSite=Strict")
    );
    let cookie = raw(
        at,
        "GET",
        "/api/v1/tags",
        &[("Cookie", "ferrocharge_csms_token=s3cret")],
        "",
    )
    .await;
    assert_eq!(cookie.status, 200);
}

#[tokio::test]
async fn off_loopback_the_api_needs_a_token() {
    let options = CsmsOptions {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        http: Some(SocketAddr::from(([0, 0, 0, 0], 0))),
        ..CsmsOptions::default()
    };
    match csms::Csms::bind(options).await {
        Err(CsmsError::HttpTokenRequired(addr)) => assert_eq!(addr.to_string(), "0.0.0.0:0"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_page_is_served_and_unknown_routes_are_json_404() {
    let csms = with_http(CsmsOptions::default()).await;
    let page = get(&csms, "/").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page
        .body
        .contains("const ACTIONS = [{\"action\":\"ChangeAvailability\""));
    refused(
        &get(&csms, "/api/v1/nothing").await,
        404,
        "no such route (see docs/csms-api.md)",
    );
    let wrong_method = raw(addr(&csms), "DELETE", "/api/v1/transactions", &[], "").await;
    refused(&wrong_method, 405, "method not allowed on this route");
    let actions = get(&csms, "/api/v1/actions").await.json();
    assert_eq!(actions.as_array().map(Vec::len), Some(26));
    assert_eq!(actions[0]["action"], "ChangeAvailability");
}
