//! `ferrocharge csms`, run as a user would: it listens, prints one line per message, and says
//! clearly when it cannot listen. The websocket is spoken by hand over std's TcpStream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;

use common::{Running, BOUND};

/// `ferrocharge csms` with `args`.
fn csms(args: &[&str]) -> Running {
    Running::start(&[&["csms"], args].concat())
}

/// Sends an HTTP upgrade for `path` and returns the status line and the stream.
fn upgrade(port: u16, path: &str) -> (String, TcpStream) {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(BOUND)).unwrap();
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tcp.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    (head.lines().next().unwrap_or_default().to_owned(), tcp)
}

/// Sends one masked text frame (mask 0, which RFC 6455 allows) and reads one text frame.
fn exchange(tcp: &mut TcpStream, text: &str) -> String {
    let payload = text.as_bytes();
    assert!(payload.len() < 126);
    let mut frame = vec![0x81, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    tcp.write_all(&frame).unwrap();
    let mut header = [0u8; 2];
    tcp.read_exact(&mut header).unwrap();
    assert_eq!(header[0], 0x81, "a final text frame");
    let len = match header[1] {
        126 => {
            let mut ext = [0u8; 2];
            tcp.read_exact(&mut ext).unwrap();
            usize::from(u16::from_be_bytes(ext))
        }
        n => usize::from(n),
    };
    let mut body = vec![0u8; len];
    tcp.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

#[test]
fn csms_serves_steves_path_and_prints_each_message() {
    let dir = tempfile::tempdir().unwrap();
    let csms = csms(&[
        "--listen",
        "127.0.0.1:0",
        "--heartbeat-interval",
        "60",
        "--http",
        "127.0.0.1:0",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    let banner = csms.lines_until("  Ctrl-C stops it");
    assert_eq!(banner[0], "ferrocharge csms: the dev CSMS", "{banner:#?}");
    let url = banner[1].strip_prefix("  stations     ").unwrap();
    assert!(url.ends_with("/steve/websocket/CentralSystemService/<ChargePointId>"));
    assert!(
        banner[2].starts_with("  web UI       http://127.0.0.1:"),
        "{banner:#?}"
    );
    assert_eq!(
        banner[3],
        format!("  database     {}", dir.path().join("csms.db").display())
    );
    let port: u16 = url["ws://127.0.0.1:".len()..]
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    let (status, _) = upgrade(port, "/ocpp/cp001");
    assert!(status.contains(" 404 "), "{status}");

    let (status, mut tcp) = upgrade(port, "/steve/websocket/CentralSystemService/cp001");
    assert!(status.contains(" 101 "), "{status}");
    let boot = r#"[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]"#;
    let answer = exchange(&mut tcp, boot);
    assert!(
        answer.starts_with(r#"[3,"1",{"#) && answer.contains(r#""status":"Accepted""#),
        "{answer}"
    );
    assert!(answer.contains(r#""interval":60"#), "{answer}");
    let printed = csms.line_with("BootNotification");
    assert!(
        printed.contains("cp001 → BootNotification V M") && printed.contains("Accepted"),
        "{printed}"
    );

    let answer = exchange(&mut tcp, r#"[2,"2","Authorize",{"idTag":"DEADBEEF"}]"#);
    assert_eq!(answer, r#"[3,"2",{"idTagInfo":{"status":"Accepted"}}]"#);
    assert!(csms
        .line_with("Authorize")
        .contains("cp001 → Authorize idTag DEADBEEF ⇒ Accepted"));
}

#[test]
fn tags_given_replace_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let csms = csms(&[
        "--listen",
        "127.0.0.1:0",
        "--no-http",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--tag",
        "MINE",
    ]);
    let banner = csms.lines_until("  Ctrl-C stops it");
    assert_eq!(banner[2], "  web UI       none (--no-http)");
    let port: u16 = banner[1]
        .split("ws://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .parse()
        .unwrap();
    let (_, mut tcp) = upgrade(port, "/steve/websocket/CentralSystemService/cp9");
    let mine = exchange(&mut tcp, r#"[2,"1","Authorize",{"idTag":"MINE"}]"#);
    assert!(mine.contains("Accepted"), "{mine}");
    let default = exchange(&mut tcp, r#"[2,"2","Authorize",{"idTag":"DEADBEEF"}]"#);
    assert!(default.contains("Invalid"), "{default}");
}

#[test]
fn a_taken_port_is_reported() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ferrocharge"))
        .args(["csms", "--listen", &addr, "--no-http", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

#[test]
fn dev_pki_serves_wss_and_tells_where_the_stations_certificates_are() {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    let csms = csms(&[
        "--listen",
        "127.0.0.1:0",
        "--no-http",
        "--data-dir",
        dir.path().join("db").to_str().unwrap(),
        "--dev-pki",
        pki.to_str().unwrap(),
    ]);
    let banner = csms.lines_until("  Ctrl-C stops it");
    assert!(
        banner[1].starts_with("  stations     wss://127.0.0.1:"),
        "{banner:#?}"
    );
    assert_eq!(
        banner[2],
        format!(
            "  station PKI  {} (EvseSecurity certificate store: ca/csms/CSMS_ROOT_CA.pem, client/csms/<ChargePointId>.pem|.key)",
            pki.join("station").display()
        )
    );
    for file in [
        "ca/CSMS_ROOT_CA.pem",
        "csms/server.pem",
        "station/ca/csms/CSMS_ROOT_CA.pem",
        "station/client/csms/cp001.pem",
        "station/client/csms/cp001.key",
    ] {
        assert!(pki.join(file).is_file(), "{file}");
    }
}

#[test]
fn a_bad_config_file_is_reported_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("csms.json");
    std::fs::write(
        &config,
        r#"{"charge_points": {"cp001": {"password": "short"}}}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ferrocharge"))
        .args(["csms", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "ferrocharge: {}: charge_points.cp001.password: 5 bytes; a station's AuthorizationKey has at least 16\n",
            config.display()
        )
    );
}
