//! Who may use the CSMS's web UI and HTTP API: every request passes these checks before any
//! route sees it. They are the station control API's rules (docs/control-api.md "Security",
//! `station::control_api::Access`), so a page on another site can drive neither:
//!
//! 1. **Host** (every request): the API's own address, or on loopback its `localhost`,
//!    `127.0.0.1` and `[::1]` forms with its port; else 421. A page on another site that
//!    rebinds its DNS name to 127.0.0.1 reaches the socket, but its requests name its own host.
//!    On an unspecified address (`0.0.0.0`, `[::]`) the CSMS cannot know its names, so any
//!    Host passes: [`Csms::bind`](crate::Csms::bind) made the token mandatory there.
//! 2. **Origin** (POST, DELETE and every method but GET, HEAD and OPTIONS): when present, it
//!    must be `http://<the request's Host>`, and `Sec-Fetch-Site`, when present,
//!    `same-origin` (or `none`); else 403. Browsers send both with every cross-origin request
//!    that changes something; either one refuses it, should something strip the other.
//! 3. **Content-Type** (the same methods): when present, `application/json`; a body without
//!    one is refused too; else 415. A form or `text/plain` POST, which browsers send
//!    cross-site without asking first, never gets through, while a POST without a body
//!    (`curl -X POST .../unplug`) still does.
//! 4. **Token** (when `--http-token` is set; every request but the page at `/` and the login
//!    `POST /api/v1/session`): `Authorization: Bearer <token>`, or the [`COOKIE`] cookie the
//!    login set; compared in constant time; else 401.
//!
//! The web UI passes all four: it is same-origin, posts JSON, and after the login page the
//! browser sends the cookie (HttpOnly: no script can read it; SameSite=Strict: no other site's
//! request carries it) with every request, its event stream included.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;

/// The cookie the login sets and the browser sends back: the token itself. Another name than
/// the station's, so a browser logged in to both on one host keeps both.
pub const COOKIE: &str = "ferrocharge_csms_token";

/// The login route: exempt from the token check (it is where the token is given).
pub const LOGIN_PATH: &str = "/api/v1/session";

/// The access rules of one served HTTP API: its address and its token.
#[derive(Clone)]
pub struct Access {
    /// The Host values accepted; `None`: any (an unspecified address).
    hosts: Option<Vec<String>>,
    token: Option<String>,
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("hosts", &self.hosts)
            .field("token", &self.token.is_some())
            .finish()
    }
}

impl Access {
    /// The rules for an API bound to `addr` (the listener's real address, its port resolved)
    /// with `token` (whoever binds checks that off loopback there is one).
    pub fn new(addr: SocketAddr, token: Option<String>) -> Self {
        Access {
            hosts: host_names(addr),
            token,
        }
    }

    /// Whether requests need the token.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Whether `headers` carry the token (always true without one).
    pub fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let bearer = headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, given)| given.trim());
        let cookies = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(name, _)| *name == COOKIE)
            .map(|(_, given)| given);
        // Every candidate is compared, so the time taken does not tell which one matched.
        bearer.chain(cookies).fold(false, |ok, given| {
            constant_time_eq(given.as_bytes(), token.as_bytes()) | ok
        })
    }

    /// Whether `given` is the token (the login's check).
    pub fn is_token(&self, given: &str) -> bool {
        self.token
            .as_ref()
            .is_some_and(|t| constant_time_eq(given.as_bytes(), t.as_bytes()))
    }

    /// The `Set-Cookie` value of a successful login: the token, for this host's every path,
    /// out of scripts' reach and never sent by another site's request.
    pub fn login_cookie(&self) -> Option<HeaderValue> {
        let token = self.token.as_ref()?;
        HeaderValue::from_str(&format!(
            "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
        ))
        .ok()
    }

    /// The refusal of the first check `request` fails, if any (the token check aside: it
    /// depends on the route, see [`check`]).
    fn refusal(
        &self,
        method: &Method,
        headers: &HeaderMap,
        authority: Option<&str>,
    ) -> Option<ApiError> {
        let host = authority.or_else(|| headers.get(header::HOST)?.to_str().ok());
        let Some(host) = host else {
            return Some(ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                "no Host header: the CSMS API answers requests to its own address only",
            ));
        };
        if let Some(hosts) = &self.hosts {
            if !hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
                return Some(ApiError::new(
                    StatusCode::MISDIRECTED_REQUEST,
                    format!(
                        "Host '{host}' is not this CSMS API's address ({})",
                        hosts.join(", ")
                    ),
                ));
            }
        }
        if is_safe(method) {
            return None;
        }
        // Fetch metadata: what the browser itself says of where the request comes from.
        let site = headers
            .get("sec-fetch-site")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        if let Some(site) = site.filter(|s| !["same-origin", "none"].contains(&s.as_str())) {
            return Some(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("Sec-Fetch-Site {site}: commands from other web pages are refused"),
            ));
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let same = origin
                .to_str()
                .ok()
                .and_then(|o| o.strip_prefix("http://"))
                .is_some_and(|o| o.eq_ignore_ascii_case(host));
            if !same {
                return Some(ApiError::new(
                    StatusCode::FORBIDDEN,
                    format!(
                        "Origin {} is not http://{host}: commands from other web pages are refused",
                        String::from_utf8_lossy(origin.as_bytes())
                    ),
                ));
            }
        }
        match headers.get(header::CONTENT_TYPE) {
            Some(value) if !is_json(value) => Some(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Content-Type {} is not application/json",
                    String::from_utf8_lossy(value.as_bytes())
                ),
            )),
            None if has_body(headers) => Some(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a request body needs Content-Type: application/json",
            )),
            _ => None,
        }
    }
}

/// The middleware that applies [`Access`] to every request.
pub async fn check(State(access): State<Arc<Access>>, request: Request, next: Next) -> Response {
    let (method, path) = (request.method(), request.uri().path());
    if let Some(refused) = access.refusal(
        method,
        request.headers(),
        request.uri().authority().map(|a| a.as_str()),
    ) {
        return refused.into_response();
    }
    // The page at `/` shows the login form to a browser without the cookie (ui.rs), and the
    // login is where the token is given: both are open; everything else needs the token.
    let open = (method == Method::GET && path == "/") || path == LOGIN_PATH;
    if !open && !access.authorized(request.headers()) {
        let mut refused = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this CSMS API needs its token: Authorization: Bearer <--http-token>",
        )
        .into_response();
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"ferrocharge-csms\""),
        );
        return refused;
    }
    next.run(request).await
}

/// The Host values a browser or client sends for an API bound to `addr`; `None` for an
/// unspecified address (any).
fn host_names(addr: SocketAddr) -> Option<Vec<String>> {
    let ip = addr.ip();
    if ip.is_unspecified() {
        return None;
    }
    let port = addr.port();
    let mut names = vec![addr.to_string()];
    if ip.is_loopback() {
        for ip in [
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ] {
            names.push(SocketAddr::new(ip, port).to_string());
        }
        names.push(format!("localhost:{port}"));
    }
    // A Host without a port means port 80.
    if port == 80 {
        let bare: Vec<String> = names
            .iter()
            .filter_map(|n| n.strip_suffix(":80"))
            .map(str::to_owned)
            .collect();
        names.extend(bare);
    }
    let mut unique: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        if !unique.contains(&name) {
            unique.push(name);
        }
    }
    Some(unique)
}

/// Methods that change nothing, so a foreign page's request can do no harm with them (and
/// cannot read the answer: the API sends no CORS headers).
fn is_safe(method: &Method) -> bool {
    [Method::GET, Method::HEAD, Method::OPTIONS].contains(method)
}

fn is_json(value: &HeaderValue) -> bool {
    value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether the request announces a body: a length above 0, or chunks.
fn has_body(headers: &HeaderMap) -> bool {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match length {
        Some(n) => n > 0,
        None => headers.contains_key(header::TRANSFER_ENCODING),
    }
}

/// `a == b` in a time that depends on their lengths only, not on where they differ, so the
/// answer's timing does not tell how much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, x) in a.iter().enumerate() {
        // Past b's end each byte is compared with itself: the loop's length is a's alone.
        diff |= x ^ b.get(i).copied().unwrap_or(*x);
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_include_the_localhost_forms() {
        let names = host_names("127.0.0.1:8849".parse().unwrap()).unwrap();
        assert_eq!(names, ["127.0.0.1:8849", "[::1]:8849", "localhost:8849"]);
        let names = host_names("[::1]:80".parse().unwrap()).unwrap();
        assert_eq!(
            names,
            [
                "[::1]:80",
                "127.0.0.1:80",
                "localhost:80",
                "[::1]",
                "127.0.0.1",
                "localhost"
            ]
        );
        let names = host_names("127.0.0.2:8849".parse().unwrap()).unwrap();
        assert_eq!(
            names,
            [
                "127.0.0.2:8849",
                "127.0.0.1:8849",
                "[::1]:8849",
                "localhost:8849"
            ]
        );
        assert_eq!(
            host_names("192.168.1.20:8849".parse().unwrap()).unwrap(),
            ["192.168.1.20:8849"]
        );
        assert_eq!(host_names("0.0.0.0:8849".parse().unwrap()), None);
    }

    #[test]
    fn constant_time_eq_is_eq() {
        for (a, b) in [
            ("", ""),
            ("abc", "abc"),
            ("abc", "abd"),
            ("abc", "ab"),
            ("ab", "abc"),
            ("", "a"),
        ] {
            assert_eq!(
                constant_time_eq(a.as_bytes(), b.as_bytes()),
                a == b,
                "{a:?} {b:?}"
            );
        }
    }

    #[test]
    fn json_content_types() {
        for (value, json) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("multipart/form-data; boundary=x", false),
            ("application/jsonp", false),
        ] {
            assert_eq!(is_json(&HeaderValue::from_static(value)), json, "{value}");
        }
    }
}
