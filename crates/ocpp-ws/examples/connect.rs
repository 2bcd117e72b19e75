//! Connects a charge point to a CSMS through ocpp-ws and ocpp-rpc, sends one BootNotification
//! on its first connection only (never after a reconnect), and prints one JSON line per
//! transport event on stdout. Logs go to stderr (level from RUST_LOG: error, warn, info,
//! debug, trace; default info).
//!
//!     cargo run -p ocpp-ws --example connect -- --uri 127.0.0.1:8180/steve/websocket/CentralSystemService/ \
//!         --charge-point-id cp001 [--security-profile 0..3] [--authorization-key KEY] [--certs-dir DIR]
//!         [--ping-interval S] [--pong-timeout S] [--retry-wait-minimum S] [--retry-random-range S]
//!         [--retry-repeat-times N] [--handshake-timeout S] [--no-system-roots] [--no-verify-host-name]
//!         [--allow-wildcards] [--ciphers12 A,B] [--ciphers13 A,B]
//!
//! Lines: `{"event":"connected","id":1,"url":...,"profile":N}`,
//! `{"event":"disconnected","reason":...}`,
//! `{"event":"connect_failed","error":KIND,"security_event":NAME|null,"message":...,"retry_in_ms":N}`,
//! `{"event":"fell_back",...}`, `{"event":"boot_notification_sent"}`,
//! `{"event":"response","action":...,"payload":...}`, `{"event":"call","action":...}` (CALLs from
//! the CSMS are not answered beyond what ocpp-rpc answers itself), and
//! `{"event":"config_error","message":...}` (exit code 2).

use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};

use ocpp_rpc::{Config, Event as RpcEvent, Role, Rpc};
use ocpp_types::Action;
use ocpp_ws::{
    AuthorizationKey, CertificateStore, Connection, ConnectionOptions, Event, SecurityProfile,
};
use serde_json::{json, Value};

fn main() -> ExitCode {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|l| tracing::Level::from_str(&l).ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .init();
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            print(json!({"event": "config_error", "message": message}));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

fn print(line: Value) {
    println!("{line}");
}

async fn run(options: ConnectionOptions) -> ExitCode {
    let (connection, mut events) = match Connection::open(options) {
        Ok(opened) => opened,
        Err(e) => {
            print(json!({"event": "config_error", "message": e.to_string()}));
            return ExitCode::from(2);
        }
    };
    let mut rpc = Rpc::new(Role::ChargePoint, Config::default());
    let mut boot_sent = false;
    let mut connected = false;
    loop {
        let wake = rpc.poll_timeout().map(tokio::time::Instant::from_std);
        let event = tokio::select! {
            event = events.recv() => match event {
                Some(event) => Some(event),
                None => return ExitCode::SUCCESS,
            },
            () = sleep_until(wake), if wake.is_some() => None,
        };
        let now = Instant::now();
        match event {
            Some(Event::Connected {
                id, url, profile, ..
            }) => {
                connected = true;
                print(
                    json!({"event": "connected", "id": id, "url": url, "profile": profile.number()}),
                );
                // OCPP 1.6: BootNotification once per start of the station, not per connection.
                if !boot_sent {
                    let boot = json!({"chargePointVendor": "ferrocharge", "chargePointModel": "ocpp-ws example"});
                    if let Err(e) = rpc.call(Action::BootNotification, boot) {
                        eprintln!("BootNotification not queued: {e}");
                    }
                    boot_sent = true;
                    print(json!({"event": "boot_notification_sent"}));
                }
            }
            Some(Event::Disconnected { reason }) => {
                connected = false;
                print(json!({"event": "disconnected", "reason": reason.to_string()}));
                rpc.reset();
            }
            Some(Event::ConnectFailed { error, retry_in }) => print(json!({
                "event": "connect_failed",
                "error": error.kind(),
                "security_event": error.security_event(),
                "message": error.to_string(),
                "retry_in_ms": u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX),
            })),
            Some(Event::FellBack(f)) => print(json!({
                "event": "fell_back", "tried": f.tried.number(), "restored": f.restored.number()
            })),
            Some(Event::Text(text)) => rpc.handle_frame(&text, now),
            Some(Event::Unreadable { why }) => rpc.handle_unreadable(&why, now),
            Some(Event::TooLarge { start, size, limit }) => {
                let size = usize::try_from(size).unwrap_or(usize::MAX);
                rpc.handle_oversized(&start, size, limit, now)
            }
            None => rpc.handle_timeout(now),
        }
        while let Some(event) = rpc.poll_event() {
            match event {
                RpcEvent::Response { action, result, .. } => match result {
                    Ok(response) => print(
                        json!({"event": "response", "action": action.as_str(), "payload": response.to_json()}),
                    ),
                    Err(e) => print(
                        json!({"event": "call_error", "action": action.as_str(), "message": e.to_string()}),
                    ),
                },
                RpcEvent::Call { request, .. } => {
                    print(json!({"event": "call", "action": request.action().as_str()}))
                }
                RpcEvent::Timeout { action, .. } => {
                    print(json!({"event": "timeout", "action": action.as_str()}))
                }
                RpcEvent::Cancelled { action, .. } => {
                    print(json!({"event": "cancelled", "action": action.as_str()}))
                }
            }
        }
        // Frames wait in the Rpc while offline; its reset on Disconnected cancels the CALLs.
        if connected {
            while let Some(frame) = rpc.poll_transmit(now) {
                if let Err(e) = connection.send(frame) {
                    eprintln!("frame not sent: {e}");
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<ConnectionOptions, String> {
    let mut options = ConnectionOptions::new("", "", SecurityProfile::Unsecured);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--uri" => options.central_system_uri = value()?,
            "--charge-point-id" => options.charge_point_id = value()?,
            "--security-profile" => {
                let n: i64 = value()?
                    .parse()
                    .map_err(|e| format!("--security-profile: {e}"))?;
                options.security_profile =
                    SecurityProfile::from_number(n).map_err(|e| e.to_string())?;
            }
            "--authorization-key" => {
                options.authorization_key =
                    Some(AuthorizationKey::new(value()?).map_err(|e| e.to_string())?);
            }
            "--certs-dir" => options.cert_store = Some(CertificateStore::new(value()?)),
            "--ping-interval" => options.ping.interval = seconds(&flag, &value()?)?,
            "--pong-timeout" => options.ping.pong_timeout = seconds(&flag, &value()?)?,
            "--retry-wait-minimum" => options.backoff.wait_minimum = seconds(&flag, &value()?)?,
            "--retry-random-range" => options.backoff.random_range = seconds(&flag, &value()?)?,
            "--retry-repeat-times" => {
                options.backoff.repeat_times =
                    value()?.parse().map_err(|e| format!("{flag}: {e}"))?;
            }
            "--handshake-timeout" => options.handshake_timeout = seconds(&flag, &value()?)?,
            "--no-system-roots" => options.tls.use_system_roots = false,
            "--no-verify-host-name" => options.tls.verify_host_name = false,
            "--allow-wildcards" => options.tls.allow_wildcards = true,
            "--ciphers12" => options.tls.ciphers12 = list(&value()?),
            "--ciphers13" => options.tls.ciphers13 = list(&value()?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    options.validate().map_err(|e| e.to_string())?;
    Ok(options)
}

/// Seconds, fractions allowed (tests use short timers).
fn seconds(flag: &str, text: &str) -> Result<Duration, String> {
    let s: f64 = text.parse().map_err(|e| format!("{flag}: {e}"))?;
    Duration::try_from_secs_f64(s).map_err(|e| format!("{flag}: {e}"))
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
