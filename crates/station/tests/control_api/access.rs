//! Who may use the control API (docs/control-api.md "Security"): a request naming another
//! Host (DNS rebinding), a command from another origin, a command whose body is not JSON
//! (what a form on any web page sends) and, with a token, a request without it are refused
//! with their status and `{"error"}`, and the station is not called; the web UI's own
//! requests (same origin, JSON, the login's cookie) pass.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use station::config::ControlApiToken;
use station::control_api::{Access, AccessError, Token};
use tower::ServiceExt;

use crate::fake::{setup, setup_with, Call, HOST};

const TOKEN: &str = "s3cret-t0ken-0f-24-chars";

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    /// The `error` of a refusal (which must be JSON).
    fn error(&self) -> String {
        let value: Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body));
        value["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error: {value}"))
            .to_owned()
    }
}

async fn request(
    app: &Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(builder.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &Router, path: &str, headers: &[(&str, &str)]) -> Answer {
    request(app, "GET", path, headers, "").await
}

/// `POST /api/v1/session` with `body`, as the login page sends it.
async fn login(app: &Router, body: &str) -> Answer {
    request(
        app,
        "POST",
        "/api/v1/session",
        &[("host", HOST), JSON],
        body,
    )
    .await
}

fn token_access() -> Access {
    Access::new(
        HOST.parse().unwrap(),
        Some(ControlApiToken::new(TOKEN).unwrap()),
    )
    .unwrap()
}

const JSON: (&str, &str) = ("content-type", "application/json");

#[tokio::test]
async fn a_foreign_host_is_refused_on_every_route() {
    let (fake, _, app) = setup();
    for host in [
        "evil.example",
        "evil.example:8849",
        "127.0.0.1:9999",
        "localhost",
    ] {
        for (method, path, body) in [
            ("GET", "/api/v1/state", ""),
            ("GET", "/", ""),
            ("GET", "/api/v1/events", ""),
            ("GET", "/no/such/route", ""),
            ("POST", "/api/v1/station/stop", ""),
            ("POST", "/api/v1/tokens", r#"{"id_tag":"RFID1"}"#),
            (
                "POST",
                "/api/v1/security-events",
                r#"{"type":"TamperDetectionActivated"}"#,
            ),
        ] {
            let answer = request(&app, method, path, &[("host", host), JSON], body).await;
            assert_eq!(
                answer.status,
                StatusCode::MISDIRECTED_REQUEST,
                "{host} {method} {path}"
            );
            assert!(
                answer.error().contains(&format!("Host '{host}'")),
                "{}",
                answer.error()
            );
        }
    }
    let no_host = get(&app, "/api/v1/state", &[]).await;
    assert_eq!(no_host.status, StatusCode::MISDIRECTED_REQUEST);
    assert!(
        no_host.error().contains("no Host header"),
        "{}",
        no_host.error()
    );
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn the_localhost_forms_of_a_loopback_address_are_its_own() {
    let (_, _, app) = setup();
    for host in [
        "127.0.0.1:8849",
        "localhost:8849",
        "LocalHost:8849",
        "[::1]:8849",
    ] {
        let answer = get(&app, "/api/v1/state", &[("host", host)]).await;
        assert_eq!(answer.status, StatusCode::OK, "{host}");
    }
    // An absolute request target names the host itself, as a proxy would send it.
    let answer = get(&app, "http://localhost:8849/api/v1/state", &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = get(&app, "http://evil.example/api/v1/state", &[("host", HOST)]).await;
    assert_eq!(answer.status, StatusCode::MISDIRECTED_REQUEST);
}

#[tokio::test]
async fn a_command_from_another_origin_is_refused() {
    let (fake, _, app) = setup();
    for origin in [
        "http://evil.example",
        "https://127.0.0.1:8849",
        "http://127.0.0.1:3000",
        "http://localhost:8849",
        "null",
    ] {
        for (method, path, body) in [
            ("POST", "/api/v1/tokens", r#"{"id_tag":"RFID1"}"#),
            ("POST", "/api/v1/station/stop", ""),
            ("DELETE", "/api/v1/display-messages/1", ""),
            (
                "POST",
                "/api/v1/security-events",
                r#"{"type":"TamperDetectionActivated"}"#,
            ),
        ] {
            let headers = [("host", HOST), ("origin", origin), JSON];
            let answer = request(&app, method, path, &headers, body).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{origin} {method} {path}"
            );
            assert!(answer.error().contains("Origin"), "{}", answer.error());
        }
    }
    // No Origin (something stripped it), but the browser's fetch metadata says where from.
    for site in ["cross-site", "same-site"] {
        let headers = [("host", HOST), ("sec-fetch-site", site)];
        let answer = request(&app, "POST", "/api/v1/station/stop", &headers, "").await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{site}");
        assert!(
            answer.error().contains("Sec-Fetch-Site"),
            "{}",
            answer.error()
        );
    }
    assert!(fake.calls().is_empty());
    // Reading is harmless (and no CORS header lets another page read the answer).
    let headers = [("host", HOST), ("origin", "http://evil.example")];
    let answer = get(&app, "/api/v1/state", &headers).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.headers.contains_key("access-control-allow-origin"));
    // The page's own origin, as the browser names it for the Host it asked (and its fetch
    // metadata says).
    for (host, origin) in [
        (HOST, "http://127.0.0.1:8849"),
        ("localhost:8849", "http://localhost:8849"),
    ] {
        let headers = [
            ("host", host),
            ("origin", origin),
            ("sec-fetch-site", "same-origin"),
            JSON,
        ];
        let answer = request(
            &app,
            "POST",
            "/api/v1/tokens",
            &headers,
            r#"{"id_tag":"RFID1"}"#,
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{origin}");
    }
    assert_eq!(fake.calls().len(), 2);
}

#[tokio::test]
async fn a_command_whose_body_is_not_json_is_refused() {
    let (fake, _, app) = setup();
    // What an HTML form on any page posts, without asking first.
    for content_type in [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        for (path, body) in [
            ("/api/v1/tokens", r#"{"id_tag":"RFID1"}"#),
            ("/api/v1/station/stop", ""),
            ("/api/v1/security-events", r#"{"type":"MemoryExhaustion"}"#),
        ] {
            let headers = [("host", HOST), ("content-type", content_type)];
            let answer = request(&app, "POST", path, &headers, body).await;
            assert_eq!(
                answer.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{content_type} {path}"
            );
            assert!(
                answer.error().contains("application/json"),
                "{}",
                answer.error()
            );
        }
    }
    // A body without a type.
    let headers = [("host", HOST), ("content-length", "18")];
    let answer = request(
        &app,
        "POST",
        "/api/v1/tokens",
        &headers,
        r#"{"id_tag":"RFID1"}"#,
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(fake.calls().is_empty());

    // No body and no type: `curl -X POST`.
    let answer = request(
        &app,
        "POST",
        "/api/v1/connectors/1/unplug",
        &[("host", HOST)],
        "",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // JSON with a charset.
    let headers = [
        ("host", HOST),
        ("content-type", "application/json; charset=utf-8"),
    ];
    let answer = request(
        &app,
        "POST",
        "/api/v1/tokens",
        &headers,
        r#"{"id_tag":"RFID1"}"#,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        fake.calls(),
        [
            Call::Unplug(1),
            Call::Token(Token {
                id_tag: Some("RFID1".into()),
                connectors: None,
                prevalidated: false,
                provider: None,
            })
        ]
    );
}

#[tokio::test]
async fn with_a_token_every_api_request_needs_it() {
    let (fake, _, app) = setup_with(token_access());
    let wrong = format!("Bearer {TOKEN}x");
    let wrong_cookie = "ferrocharge_token=guess-guess-guess-guess".to_owned();
    for headers in [
        vec![],
        vec![("authorization", wrong.as_str())],
        vec![("authorization", "Basic czNjcmV0")],
        vec![("cookie", wrong_cookie.as_str())],
    ] {
        for (method, path, body) in [
            ("GET", "/api/v1/state", ""),
            ("GET", "/api/v1/events", ""),
            ("GET", "/api/v1/frames", ""),
            ("GET", "/no/such/route", ""),
            ("POST", "/api/v1/station/stop", ""),
            ("POST", "/api/v1/tokens", r#"{"id_tag":"RFID1"}"#),
            (
                "POST",
                "/api/v1/security-events",
                r#"{"type":"TamperDetectionActivated"}"#,
            ),
        ] {
            let mut all = vec![("host", HOST), JSON];
            all.extend(headers.iter().copied());
            let answer = request(&app, method, path, &all, body).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} {headers:?}"
            );
            assert!(answer.error().contains("token"), "{}", answer.error());
            assert_eq!(
                answer.headers.get("www-authenticate").unwrap(),
                "Bearer realm=\"ferrocharge\""
            );
        }
    }
    assert!(fake.calls().is_empty());

    let bearer = format!("Bearer {TOKEN}");
    let headers = [("host", HOST), ("authorization", bearer.as_str()), JSON];
    let answer = request(&app, "POST", "/api/v1/station/stop", &headers, "").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(fake.calls(), [Call::Stop]);
}

#[tokio::test]
async fn the_page_asks_for_the_token_and_the_login_sets_a_strict_cookie() {
    let (_, _, app) = setup_with(token_access());
    // Without the token, the page is the login form and shows nothing of the station.
    let page = get(&app, "/", &[("host", HOST)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("control_api_token"), "{}", page.body);
    assert!(
        !page.body.contains("cp001"),
        "the login page shows the station"
    );

    for (token, status) in [
        ("wrong-wrong-wrong-wrong", StatusCode::UNAUTHORIZED),
        ("", StatusCode::UNAUTHORIZED),
    ] {
        let body = serde_json::json!({ "token": token }).to_string();
        let answer = login(&app, &body).await;
        assert_eq!(answer.status, status);
        assert!(!answer.headers.contains_key("set-cookie"));
    }
    // The login is a command like any other: a foreign page cannot post it.
    let body = serde_json::json!({ "token": TOKEN }).to_string();
    let foreign = [("host", HOST), ("origin", "http://evil.example"), JSON];
    let answer = request(&app, "POST", "/api/v1/session", &foreign, &body).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    let answer = login(&app, &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let cookie = answer.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert_eq!(
        cookie,
        format!("ferrocharge_token={TOKEN}; Path=/; HttpOnly; SameSite=Strict")
    );
    let sent = cookie.split(';').next().unwrap().to_owned();
    let with_cookie = [("host", HOST), ("cookie", sent.as_str())];
    let page = get(&app, "/", &with_cookie).await;
    assert!(
        page.body.contains("cp001"),
        "the UI with the station's state"
    );
    let state = get(&app, "/api/v1/state", &with_cookie).await;
    assert_eq!(state.status, StatusCode::OK);
    // Among other cookies too.
    let several = format!("theme=dark; {sent}; other=1");
    let state = get(
        &app,
        "/api/v1/state",
        &[("host", HOST), ("cookie", &several)],
    )
    .await;
    assert_eq!(state.status, StatusCode::OK);
}

#[tokio::test]
async fn without_a_token_there_is_no_login() {
    let (_, _, app) = setup();
    let body = serde_json::json!({ "token": TOKEN }).to_string();
    let answer = login(&app, &body).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(!answer.headers.contains_key("set-cookie"));
}

#[test]
fn an_address_off_loopback_needs_a_token() {
    for addr in ["0.0.0.0:8849", "192.168.1.20:8849", "[::]:8849"] {
        let addr = addr.parse().unwrap();
        assert_eq!(
            Access::new(addr, None).unwrap_err(),
            AccessError::TokenRequired(addr)
        );
        let token = ControlApiToken::new(TOKEN).unwrap();
        assert!(Access::new(addr, Some(token)).is_ok());
    }
}

#[tokio::test]
async fn on_an_unspecified_address_any_host_passes_but_the_token_is_needed() {
    let access = Access::new(
        "0.0.0.0:8849".parse().unwrap(),
        Some(ControlApiToken::new(TOKEN).unwrap()),
    )
    .unwrap();
    let (_, _, app) = setup_with(access);
    let bearer = format!("Bearer {TOKEN}");
    let answer = request(
        &app,
        "GET",
        "/api/v1/state",
        &[
            ("host", "station.lan:8849"),
            ("authorization", bearer.as_str()),
        ],
        "",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = get(&app, "/api/v1/state", &[("host", "station.lan:8849")]).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    // And a command still comes from the page's own origin only.
    let headers = [
        ("host", "station.lan:8849"),
        ("authorization", bearer.as_str()),
        ("origin", "http://evil.example"),
    ];
    let answer = request(&app, "POST", "/api/v1/station/stop", &headers, "").await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}
