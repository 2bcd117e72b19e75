//! A bare HTTP/1.1 client for the tests of the CSMS's HTTP API: requests written by hand over
//! tokio's TcpStream (`Connection: close`, the answer read to its end), so the tests check the
//! wire, and an event-stream reader.

use std::net::SocketAddr;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use csms::{Csms, CsmsOptions};

use crate::client::{bounded, csms};

/// A dev CSMS with its HTTP API on an ephemeral loopback port.
pub async fn with_http(mut options: CsmsOptions) -> Csms {
    options.http = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    csms(options).await
}

/// The HTTP address of `csms`.
pub fn addr(csms: &Csms) -> SocketAddr {
    csms.http_addr()
        .unwrap_or_else(|| panic!("the CSMS serves no HTTP"))
}

/// An answer: status, headers (lower-case names) and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `method path` with `headers` (Host is added unless given) and `body`.
pub async fn raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut tcp = bounded(TcpStream::connect(addr))
        .await
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    if let Err(e) = tcp.write_all(head.as_bytes()).await {
        panic!("send {method} {path}: {e}");
    }
    let mut bytes = Vec::new();
    if let Err(e) = bounded(tcp.read_to_end(&mut bytes)).await {
        panic!("read {method} {path}: {e}");
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// `GET path`.
pub async fn get(csms: &Csms, path: &str) -> Answer {
    raw(addr(csms), "GET", path, &[], "").await
}

/// A JSON request as a browser page of the CSMS would send it.
pub async fn send(csms: &Csms, method: &str, path: &str, body: Option<Value>) -> Answer {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let headers: &[(&str, &str)] = if body.is_empty() {
        &[]
    } else {
        &[("Content-Type", "application/json")]
    };
    raw(addr(csms), method, path, headers, &body).await
}

/// Checks `answer` is `status` with `{"error": error}`.
pub fn refused(answer: &Answer, status: u16, error: &str) {
    assert_eq!(
        (answer.status, answer.json()),
        (status, serde_json::json!({ "error": error })),
        "{answer:?}"
    );
}

/// An open event stream.
pub struct Events {
    tcp: TcpStream,
    buffer: String,
}

impl Events {
    /// Opens `GET path` (`/api/v1/events?...`).
    pub async fn open(csms: &Csms, path: &str) -> Events {
        let addr = addr(csms);
        let mut tcp = bounded(TcpStream::connect(addr))
            .await
            .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
        if let Err(e) = tcp.write_all(request.as_bytes()).await {
            panic!("send: {e}");
        }
        Events {
            tcp,
            buffer: String::new(),
        }
    }

    /// The next event: (name, data as JSON).
    pub async fn next(&mut self) -> (String, Value) {
        loop {
            // Events are separated by a blank line; chunked encoding puts its sizes on lines of
            // their own, which carry no `event:` or `data:`.
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(n) = line.strip_prefix("event: ") {
                        name = Some(n.to_owned());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data.push_str(d);
                    }
                }
                if let Some(name) = name {
                    let value = serde_json::from_str(&data)
                        .unwrap_or_else(|e| panic!("event {name}: {e}: {data}"));
                    return (name, value);
                }
                continue;
            }
            let mut chunk = [0u8; 4096];
            let n = bounded(self.tcp.read(&mut chunk))
                .await
                .unwrap_or_else(|e| panic!("read events: {e}"));
            assert!(n > 0, "the event stream ended");
            self.buffer
                .push_str(&String::from_utf8_lossy(&chunk[..n]).replace("\r\n", "\n"));
        }
    }

    /// Skips events until one named `name` for which `pick` holds; returns its data.
    pub async fn wait(&mut self, name: &str, pick: impl Fn(&Value) -> bool) -> Value {
        loop {
            let (n, data) = self.next().await;
            if n == name && pick(&data) {
                return data;
            }
        }
    }
}
