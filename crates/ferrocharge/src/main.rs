//! The ferrocharge binary: the station runtime, the SIL simulation, the dev CSMS and the
//! `config` tools for OCPP 1.6 configuration files.
//!
//! ```text
//! ferrocharge run --config FILE                        the station, until Ctrl-C or station/stop
//! ferrocharge sil [--config FILE] [--security-profile 2|3]  the dev CSMS and the SIL station in one process
//! ferrocharge config check FILE [--user-config FILE]   "ok", or every problem on stderr
//! ferrocharge config show [FILE] [--user-config FILE]  the effective configuration
//! ferrocharge fleet --config FILE --count N --csms URL  many simulated stations in one process
//! ferrocharge csms [--listen ADDR] [--http ADDR] ...   the dev CSMS and its web UI, until Ctrl-C
//! ferrocharge pki init [--dir DIR]                     the development PKI (TLS, firmware, ISO 15118)
//! ferrocharge pki sign-firmware FILE [--dir DIR]       SignedUpdateFirmware's signature of FILE
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod dev_csms;
mod fleet;
mod logging;
mod pki;
mod sil_pnc;
mod sil_security;
mod station;

use anyhow::Context;
use chargepoint::config::{self, ConfigError, Document, ReadDocument, Registry};
use clap::{Args, Parser, Subcommand};

/// A charging station that speaks OCPP 1.6J.
#[derive(Parser)]
#[command(name = "ferrocharge", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the station of a station config (EVerest-shaped YAML) until Ctrl-C or
    /// POST /api/v1/station/stop.
    Run {
        /// The station config.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// The software-in-the-loop station: the station (the shipped config-sil-ocpp.yaml, built
    /// into the binary, by default; web UI on :8849) and the dev CSMS, listening where the
    /// station connects (SteVe's default URL), in one process.
    Sil {
        /// The station config; its OCPP config's CentralSystemURI must be a ws:// URL on this
        /// machine.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Where the dev CSMS serves its web UI and HTTP API (port 0: any free port).
        #[arg(long, value_name = "ADDR", default_value_t = csms::DEFAULT_HTTP)]
        csms_http: std::net::SocketAddr,
        /// The dev CSMS prices no session (California Pricing is on by default: SetUserPrice,
        /// RunningCost and FinalCost from each tag's tariff).
        #[arg(long)]
        no_pricing: bool,
        /// Run over wss:// at OCPP security profile 2 (TLS + Basic auth with an
        /// AuthorizationKey) or 3 (TLS + client certificate), with the development PKI in the
        /// station's data_dir/pki (made the first time, see `ferrocharge pki init`).
        #[arg(long, value_name = "2|3", value_parser = clap::value_parser!(u8).range(2..=3))]
        security_profile: Option<u8>,
    },
    /// Many simulated stations of one station config in one process against a CSMS: a load
    /// generator (docs/fleet.md). Each is the station of `run` (its own core, connection and
    /// simulated EVSEs) without control API, MQTT or message log files.
    Fleet(Box<fleet::FleetArgs>),
    /// OCPP 1.6 configuration files (libocpp's format).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run the dev CSMS in the foreground until Ctrl-C, printing every message: by default on
    /// SteVe's URL `ws://127.0.0.1:8180/steve/websocket/CentralSystemService/<ChargePointId>`,
    /// with its web UI on http://127.0.0.1:8850/.
    Csms(dev_csms::CsmsArgs),
    /// The development PKI: certificates for security profiles 2 and 3, SignedUpdateFirmware
    /// and ISO 15118 Plug&Charge, in EVerest's layout (docs/dev-pki.md).
    #[command(subcommand)]
    Pki(pki::PkiCommand),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file (and a user config merged over it): prints "ok", or every
    /// problem on stderr, one line each (file, JSON path, reason), and exits with 1.
    Check {
        /// The OCPP configuration file.
        file: PathBuf,
        #[command(flatten)]
        options: LoadOptions,
    },
    /// Print the effective configuration: the file (the shipped default if none is given) with
    /// the user config merged over it and every default filled in.
    Show {
        /// The OCPP configuration file; the shipped config/ocpp-config.json if absent.
        file: Option<PathBuf>,
        #[command(flatten)]
        options: LoadOptions,
        /// Print write-only keys (AuthorizationKey) instead of hiding them.
        #[arg(long)]
        show_secrets: bool,
    },
}

#[derive(Args)]
struct LoadOptions {
    /// A user config (JSON merge patch) merged over the file, as the station does on start.
    #[arg(long, value_name = "FILE")]
    user_config: Option<PathBuf>,
    /// A schema declaring the keys of the Custom section (replaces the shipped Custom.json).
    #[arg(long, value_name = "FILE")]
    custom_schema: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ferrocharge: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run { config } => {
            let held = logging::init()?;
            station::run(&config, &held)
        }
        Command::Sil {
            config,
            csms_http,
            no_pricing,
            security_profile,
        } => {
            let held = logging::init()?;
            station::sil(config, csms_http, !no_pricing, security_profile, &held)
        }
        Command::Csms(args) => dev_csms::run(args),
        Command::Fleet(args) => {
            let held = logging::init_at(tracing::Level::WARN)?;
            held.release();
            fleet::run(*args)
        }
        Command::Pki(command) => pki::run(command),
        Command::Config(ConfigCommand::Check { file, options }) => {
            Ok(match load(Some(&file), &options)? {
                Ok(_) => {
                    println!("ok");
                    ExitCode::SUCCESS
                }
                Err(problems) => report(&problems),
            })
        }
        Command::Config(ConfigCommand::Show {
            file,
            options,
            show_secrets,
        }) => {
            let secrets = if show_secrets {
                config::render::Secrets::Show
            } else {
                config::render::Secrets::Hide
            };
            let registry = registry(&options)?;
            Ok(match load(file.as_deref(), &options)? {
                Ok(effective) => {
                    print!("{}", config::render::pretty(&registry, &effective, secrets));
                    ExitCode::SUCCESS
                }
                Err(problems) => report(&problems),
            })
        }
    }
}

fn report(problems: &[String]) -> ExitCode {
    for line in problems {
        eprintln!("{line}");
    }
    ExitCode::FAILURE
}

#[inline(never)]
fn registry(options: &LoadOptions) -> anyhow::Result<Registry> {
    match &options.custom_schema {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            Ok(Registry::with_custom_schema(&text)?)
        }
        None => Ok(Registry::embedded()?.clone()),
    }
}

/// The effective configuration, or every problem as one line each. The outer error is for
/// failures that are not the configuration's fault (an unreadable custom schema).
#[inline(never)]
fn load(
    file: Option<&Path>,
    options: &LoadOptions,
) -> anyhow::Result<Result<serde_json::Value, Vec<String>>> {
    let registry = registry(options)?;
    let base = match file {
        Some(path) => Document::read(path),
        None => Document::parse("config/ocpp-config.json (built in)", config::DEFAULT_CONFIG),
    };
    let user = options
        .user_config
        .as_deref()
        .map(Document::read)
        .transpose();
    let (base, user) = match (base, user) {
        (Ok(base), Ok(user)) => (base, user),
        (base, user) => {
            let problems = [base.err(), user.err()]
                .into_iter()
                .flatten()
                .map(|p| p.to_string())
                .collect();
            return Ok(Err(problems));
        }
    };
    Ok(match config::effective(&registry, &base, user.as_ref()) {
        Ok(effective) => Ok(effective),
        Err(e @ ConfigError::Schema(_)) => return Err(e.into()),
        Err(e) => Err(e.problems()),
    })
}
