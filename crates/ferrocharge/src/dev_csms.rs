//! `ferrocharge csms`: the dev CSMS in the foreground, with its web UI, until Ctrl-C; a short
//! banner first (where stations connect, the web UI, the database), then one line per message.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use csms::config::CsmsConfig;
use csms::dev_pki::DevPki;
use ocpp_types::core::RegistrationStatus;

use crate::logging;

/// The options of `ferrocharge csms`. Each one given here wins over the config file's.
#[derive(Args)]
pub struct CsmsArgs {
    /// A JSON config file (listen, path_prefix, http, http_token, data_dir, heartbeat_interval,
    /// registration, tls, charge_points with their passwords, pricing; docs/dev-csms.md);
    /// relative paths in it are against its folder.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The address stations connect to [default: 127.0.0.1:8180].
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// The path before the ChargePointId [default: SteVe's, /steve/websocket/CentralSystemService/].
    #[arg(long, value_name = "PATH")]
    path_prefix: Option<String>,
    /// TLS (wss://, security profiles 2 and 3) with the development PKI in DIR (`ferrocharge
    /// pki init`; made where missing): the CSMS's certificate, client certificates checked
    /// against its CSMS root, and for cp001 and each charge point with a password in the
    /// config a client certificate in the station certificate store (DIR/station) and an
    /// AuthorizationKey (`DIR/csms/<id>.authorization-key`); cp001's is its password unless the
    /// config gives it one.
    #[arg(long, value_name = "DIR")]
    dev_pki: Option<PathBuf>,
    /// Refuse the TLS handshake of a station without a client certificate (profile 3 only);
    /// needs --dev-pki.
    #[arg(long, requires = "dev_pki")]
    require_client_certificate: bool,
    /// An idTag to accept (repeatable); replaces the tags in the database, which start as the
    /// ones EVerest's SIL uses (DEADBEEF, ABC12345, VID:AABBCCDDEEFF, 123, RFID_VALID1,
    /// RFID_VALID2).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// The heartbeat interval handed out in BootNotification.conf, in seconds [default: 300].
    #[arg(long, value_name = "SECONDS")]
    heartbeat_interval: Option<i32>,
    /// What BootNotification is answered [default: accepted] (the web UI sets it per charge
    /// point).
    #[arg(long, value_enum)]
    registration: Option<Registration>,
    /// Where the web UI and its HTTP API (/api/v1/) are served [default: 127.0.0.1:8850]
    /// (port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    http: Option<std::net::SocketAddr>,
    /// Serve no web UI and no HTTP API.
    #[arg(long, conflicts_with = "http")]
    no_http: bool,
    /// The token the web UI and the HTTP API require (`Authorization: Bearer TOKEN`; the page
    /// asks for it once); required when --http is not a loopback address.
    #[arg(long, value_name = "TOKEN")]
    http_token: Option<String>,
    /// Where the database (csms.db: tags, charge-point settings, transactions) is kept
    /// [default: /tmp/ferrocharge/csms].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Price sessions (California Pricing): SetUserPrice after an accepted Authorize,
    /// RunningCost after each MeterValues, FinalCost after StopTransaction, from the tariff of
    /// each tag (the web UI edits them) [default: as the database has it, off in a new one].
    #[arg(long, conflicts_with = "no_pricing")]
    pricing: bool,
    /// Price no session.
    #[arg(long)]
    no_pricing: bool,
}

/// `ferrocharge csms`'s data dir: beside the station's default data dir (/tmp/ferrocharge),
/// where `ferrocharge sil` keeps its dev CSMS's database too.
const DEFAULT_CSMS_DATA_DIR: &str = "/tmp/ferrocharge/csms";

/// The RegistrationStatus of BootNotification.conf.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Registration {
    Accepted,
    Pending,
    Rejected,
}

/// The CSMS's options: the defaults, the config file's over them, the command line's over
/// those; and the development PKI, when one is used.
fn options(args: CsmsArgs) -> anyhow::Result<(csms::CsmsOptions, Option<DevPki>)> {
    let mut options = csms::CsmsOptions {
        http: Some(csms::DEFAULT_HTTP),
        data_dir: Some(PathBuf::from(DEFAULT_CSMS_DATA_DIR)),
        ..csms::CsmsOptions::default()
    };
    let mut pki = None;
    if let Some(path) = &args.config {
        pki = CsmsConfig::load(path)?.apply(path, &mut options)?;
    }
    if let Some(listen) = args.listen {
        options.listen = listen;
    }
    if let Some(prefix) = args.path_prefix {
        options.path_prefix = prefix;
    }
    if let Some(dir) = &args.dev_pki {
        let ids: Vec<String> = options
            .passwords
            .keys()
            .cloned()
            .chain(std::iter::once("cp001".to_owned()))
            .collect();
        let made = DevPki::ensure(dir, &ids)?;
        for id in &ids {
            if options.passwords.contains_key(id) {
                continue;
            }
            if let Some(key) = made.authorization_key(id)? {
                options.passwords.insert(id.clone(), key.into_bytes());
            }
        }
        options.tls = Some(
            made.tls_files(args.require_client_certificate)
                .server_config()?,
        );
        options.firmware_signing_certificate = Some(made.firmware_signing_certificate()?);
        pki = Some(made);
    }
    if let Some(interval) = args.heartbeat_interval {
        options.heartbeat_interval_s = interval;
    }
    if let Some(registration) = args.registration {
        options.registration_status = match registration {
            Registration::Accepted => RegistrationStatus::Accepted,
            Registration::Pending => RegistrationStatus::Pending,
            Registration::Rejected => RegistrationStatus::Rejected,
        };
    }
    if let Some(http) = args.http {
        options.http = Some(http);
    }
    if args.no_http {
        options.http = None;
    }
    if let Some(token) = args.http_token {
        options.http_token = Some(token);
    }
    if let Some(dir) = args.data_dir {
        options.data_dir = Some(dir);
    }
    if !args.tags.is_empty() {
        options.tags = args.tags.into_iter().map(csms::TagEntry::new).collect();
        options.replace_tags = true;
    }
    if args.pricing {
        options.pricing_enabled = Some(true);
    }
    if args.no_pricing {
        options.pricing_enabled = Some(false);
    }
    Ok((options, pki))
}

/// `ferrocharge csms`: the dev CSMS until Ctrl-C; one line per message on stdout.
#[inline(never)]
pub fn run(args: CsmsArgs) -> anyhow::Result<ExitCode> {
    let held = logging::init()?;
    let (options, pki) = options(args)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        let csms = csms::Csms::bind(options).await?;
        print!(
            "{}",
            Banner {
                csms: &csms,
                pki: pki.as_ref()
            }
        );
        held.release();
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        let state = csms.state();
        println!(
            "stopped: {} charge point(s), {} transaction(s)",
            state.charge_points.len(),
            state.transactions.len()
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// What a person needs to start using the dev CSMS, printed once it listens.
struct Banner<'a> {
    csms: &'a csms::Csms,
    pki: Option<&'a DevPki>,
}

impl std::fmt::Display for Banner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let csms = self.csms;
        writeln!(f, "ferrocharge csms: the dev CSMS")?;
        writeln!(f, "  stations     {}<ChargePointId>", csms.url())?;
        if let Some(pki) = self.pki {
            // Where a station finds what it needs for profiles 2 and 3.
            writeln!(
                f,
                "  station PKI  {} (EvseSecurity certificate store: ca/csms/CSMS_ROOT_CA.pem, client/csms/<ChargePointId>.pem|.key)",
                pki.station_store().display()
            )?;
            writeln!(
                f,
                "  passwords    each charge point's AuthorizationKey, in {}",
                pki.authorization_key_file("<ChargePointId>").display()
            )?;
        }
        match csms.http_addr() {
            Some(addr) if csms.options().http_token.is_some() => {
                writeln!(f, "  web UI       http://{addr}/ (asks for --http-token)")?
            }
            Some(addr) => writeln!(f, "  web UI       http://{addr}/")?,
            None => writeln!(f, "  web UI       none (--no-http)")?,
        }
        writeln!(f, "  database     {}", csms.database())?;
        writeln!(f, "  Ctrl-C stops it; RUST_LOG=debug shows every frame")
    }
}
