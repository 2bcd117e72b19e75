//! A headless charge point: the charge-point core and its tokio driver with N idle connectors
//! and no station hardware, against a real CSMS. It prints one JSON line per notable event on
//! stdout; logs go to stderr (level from RUST_LOG: error, warn, info, debug, trace; default
//! info).
//!
//!     cargo run -p chargepoint --example headless -- --config OCPP_JSON [--user-config FILE]
//!         [--database FILE] [--certs-dir DIR] [--connectors N]
//!
//! Without `--user-config` changes live in memory; without `--database` the store does too.
//!
//! Lines:
//! `{"event":"connected","url":...,"profile":N}`, `{"event":"disconnected","reason":...}`,
//! `{"event":"connect_failed","error":KIND,"security_event":NAME|null,"message":...}`,
//! `{"event":"fell_back","tried":N,"restored":N}`,
//! `{"event":"configuration_changed","key":...,"value":...,"origin":"central_system"|"station","reboot_required":B}`
//! (the value is `null` for secrets such as AuthorizationKey),
//! `{"event":"command","command":...}` for every StationCommand, and
//! `{"event":"config_error","message":...}` (exit code 2).
//!
//! A station without hardware answers the commands as follows: UnlockConnector is answered
//! NotSupported (there is no lock to drive); every other command (authorization results, remote
//! starts, availability, reservations, reset, configuration changes) is only printed — no
//! cable is ever plugged in, so a remote start's authorization expires after ConnectionTimeOut,
//! no transaction starts, and a Reset does not restart the process.

use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use chargepoint::charge_point::sqlite_store::SqliteStore;
use chargepoint::charge_point::{ChargePoint, MemoryStore, StationCommand, StationEvent, Store};
use chargepoint::config::{
    ChangeOrigin, ConfigValue, Configuration, Document, FileOverlay, MemoryOverlay, OverlayStore,
    ReadDocument, Registry,
};
use chargepoint::driver::{self, Driver, DriverSettings, Notice, StationLink};
use clap::Parser;
use ocpp_types::core::UnlockStatus;
use ocpp_ws::CertificateStore;
use serde_json::{json, Value};

/// A headless charge point (see the example's docs).
#[derive(Debug, Parser)]
struct Args {
    /// The OCPP configuration (libocpp format).
    #[arg(long)]
    config: PathBuf,
    /// The user config that records every change.
    #[arg(long)]
    user_config: Option<PathBuf>,
    /// The SQLite database of the core's persistent state.
    #[arg(long)]
    database: Option<PathBuf>,
    /// The certificate store, in EvseSecurity's default layout under this directory.
    #[arg(long)]
    certs_dir: Option<PathBuf>,
    /// The number of connectors.
    #[arg(long, default_value_t = 1)]
    connectors: u32,
}

fn print(line: Value) {
    println!("{line}");
}

fn config_error(message: impl std::fmt::Display) -> ExitCode {
    print(json!({"event": "config_error", "message": message.to_string()}));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|l| tracing::Level::from_str(&l).ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .init();
    let args = Args::parse();
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
    runtime.block_on(run(args))
}

fn load(args: &Args) -> Result<ChargePoint, String> {
    let base = Document::read(&args.config).map_err(|e| e.to_string())?;
    let registry = Registry::embedded().map_err(|e| e.to_string())?.clone();
    let overlay: Box<dyn OverlayStore> = match &args.user_config {
        Some(path) => Box::new(FileOverlay::new(path)),
        None => Box::new(MemoryOverlay::default()),
    };
    let config =
        Configuration::load(registry, &base, overlay).map_err(|e| e.problems().join("; "))?;
    let store: Box<dyn Store> = match &args.database {
        Some(path) => Box::new(SqliteStore::open(path).map_err(|e| e.to_string())?),
        None => Box::new(MemoryStore::default()),
    };
    Ok(ChargePoint::new(
        config,
        store,
        args.connectors,
        driver::now(),
    ))
}

async fn run(args: Args) -> ExitCode {
    let cp = match load(&args) {
        Ok(cp) => cp,
        Err(message) => return config_error(message),
    };
    let settings = DriverSettings {
        cert_store: args.certs_dir.as_ref().map(CertificateStore::new),
    };
    let (driver, link) = match Driver::start(cp, settings) {
        Ok(started) => started,
        Err(e) => return config_error(e),
    };
    let task = tokio::spawn(driver.run());
    station(link).await;
    match task.await {
        Ok(_stopped) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("the driver failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The station without hardware: prints what the driver reports and answers what it must.
async fn station(mut link: StationLink) {
    // No message log here: closing the frame channel tells the driver not to keep them.
    link.frames.close();
    loop {
        tokio::select! {
            notice = link.notices.recv() => match notice {
                Some(notice) => print(notice_line(*notice)),
                None => return,
            },
            command = link.commands.recv() => match command {
                Some(command) => on_command(&link, *command),
                None => return,
            },
        }
    }
}

fn on_command(link: &StationLink, command: StationCommand) {
    if !matches!(command, StationCommand::ApplyConfigurationChange(_)) {
        // Configuration changes are printed from their notice, with the value.
        print(json!({"event": "command", "command": format!("{command:?}")}));
    }
    if let StationCommand::UnlockConnector { connector } = command {
        let result = StationEvent::UnlockResult {
            connector,
            status: UnlockStatus::NotSupported,
        };
        if link.events.send(result).is_err() {
            tracing::warn!("the driver is gone");
        }
    }
}

fn notice_line(notice: Notice) -> Value {
    match notice {
        Notice::Connected { url, profile } => {
            json!({"event": "connected", "url": url, "profile": profile})
        }
        Notice::Disconnected { reason } => json!({"event": "disconnected", "reason": reason}),
        Notice::ConnectFailed {
            kind,
            message,
            security_event,
        } => json!({"event": "connect_failed", "error": kind, "security_event": security_event,
            "message": message}),
        Notice::FellBack { tried, restored } => {
            json!({"event": "fell_back", "tried": tried, "restored": restored})
        }
        Notice::ConfigurationChanged(change) => {
            let value = if change.secret {
                Value::Null
            } else {
                config_value(&change.new)
            };
            let origin = match change.origin {
                ChangeOrigin::CentralSystem => "central_system",
                ChangeOrigin::Station => "station",
            };
            json!({"event": "configuration_changed", "key": change.key, "value": value,
                "origin": origin, "reboot_required": change.reboot_required})
        }
    }
}

fn config_value(value: &ConfigValue) -> Value {
    match value {
        ConfigValue::Bool(b) => json!(b),
        ConfigValue::Integer(i) => json!(i),
        ConfigValue::Number(n) => json!(n),
        ConfigValue::Text(s) => json!(s),
        ConfigValue::List(items) => json!(items),
        ConfigValue::Json(v) => v.clone(),
    }
}
