//! `ferrocharge csms`: the dev CSMS in the foreground, with its web UI, until Ctrl-C; a short
//! banner first (where stations connect, the web UI, the database), then one line per message.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use ocpp_types::core::RegistrationStatus;

use crate::logging;

/// The options of `ferrocharge csms`.
#[derive(Args)]
pub struct CsmsArgs {
    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value_t = csms::DEFAULT_LISTEN)]
    listen: std::net::SocketAddr,
    /// An idTag to accept (repeatable); replaces the default list, which holds the tags
    /// EVerest's SIL uses (DEADBEEF, ABC12345, VID:AABBCCDDEEFF, 123, RFID_VALID1, RFID_VALID2).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// The heartbeat interval handed out in BootNotification.conf, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = csms::DEFAULT_HEARTBEAT_INTERVAL_S)]
    heartbeat_interval: i32,
    /// What BootNotification is answered (the web UI sets it per charge point).
    #[arg(long, value_enum, default_value_t = Registration::Accepted)]
    registration: Registration,
    /// Where the web UI and its HTTP API (/api/v1/) are served (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value_t = csms::DEFAULT_HTTP)]
    http: std::net::SocketAddr,
    /// Serve no web UI and no HTTP API.
    #[arg(long)]
    no_http: bool,
    /// The token the web UI and the HTTP API require (`Authorization: Bearer TOKEN`; the page
    /// asks for it once); required when --http is not a loopback address.
    #[arg(long, value_name = "TOKEN")]
    http_token: Option<String>,
    /// Where the database (csms.db: tags, charge-point settings, transactions) is kept.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_CSMS_DATA_DIR)]
    data_dir: PathBuf,
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

/// `ferrocharge csms`: the dev CSMS until Ctrl-C; one line per message on stdout.
pub fn run(args: CsmsArgs) -> anyhow::Result<ExitCode> {
    let held = logging::init()?;
    let mut options = csms::CsmsOptions {
        listen: args.listen,
        heartbeat_interval_s: args.heartbeat_interval,
        registration_status: match args.registration {
            Registration::Accepted => RegistrationStatus::Accepted,
            Registration::Pending => RegistrationStatus::Pending,
            Registration::Rejected => RegistrationStatus::Rejected,
        },
        http: (!args.no_http).then_some(args.http),
        http_token: args.http_token,
        data_dir: Some(args.data_dir),
        ..csms::CsmsOptions::default()
    };
    if !args.tags.is_empty() {
        options.tags = args.tags.into_iter().map(csms::TagEntry::new).collect();
        options.replace_tags = true;
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        let csms = csms::Csms::bind(options).await?;
        print!("{}", Banner(&csms));
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
struct Banner<'a>(&'a csms::Csms);

impl std::fmt::Display for Banner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let csms = self.0;
        writeln!(f, "ferrocharge csms: the dev CSMS")?;
        writeln!(f, "  stations     {}<ChargePointId>", csms.url())?;
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
