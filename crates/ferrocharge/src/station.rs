//! `ferrocharge run` and `ferrocharge sil`: the station runtime in the foreground.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use station::control_api::StationControl;
use station::runtime::{BootReason, Station};
use station::StationConfig;

/// The station config `sil` runs when none is given.
pub const SIL_CONFIG: &str = "config-sil-ocpp.yaml";

/// `ferrocharge run --config FILE`: the station until Ctrl-C or `station/stop`; a Reset from
/// the CSMS starts it again in the same process (the config is read again, like a reboot).
pub fn run(config: &Path) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    runtime.block_on(run_station(config))
}

/// `ferrocharge sil [--config FILE]`: the dev CSMS on SteVe's default URL and the station on
/// `config` (the shipped config-sil-ocpp.yaml by default), in one process.
pub fn sil(config: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let config = config.unwrap_or_else(|| station::shipped_config_dir().join(SIL_CONFIG));
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        let csms = csms::Csms::bind(csms::CsmsOptions::default())
            .await
            .context("cannot start the dev CSMS (is SteVe or another CSMS on its port?)")?;
        println!("dev CSMS on {}<ChargePointId>", csms.url());
        let code = run_station(&config).await;
        drop(csms);
        code
    })
}

async fn run_station(config: &Path) -> anyhow::Result<ExitCode> {
    let mut reason = BootReason::PowerUp;
    loop {
        let cfg = StationConfig::load(config)
            .with_context(|| format!("cannot load {}", config.display()))?;
        let station = Station::start_with(&cfg, reason)
            .await
            .with_context(|| format!("cannot start the station of {}", config.display()))?;
        match station.control_api_addr() {
            Some(addr) => println!("web UI and control API on http://{addr}/"),
            None => println!("control API disabled (settings.control_api is empty)"),
        }
        if let Some(html) = station.html_log() {
            println!("OCPP message log: {}", html.display());
        }
        // Ctrl-C and SIGTERM stop the station the way station/stop does: the running
        // transactions end (and are reported with the meter's true register), the loop ends
        // and the CSMS connection closes properly instead of the process dying mid-frame.
        let handle = station.handle();
        let ctrl_c = tokio::spawn(async move {
            let signal = stop_signal().await;
            tracing::info!("{signal}: stopping");
            if let Err(e) = handle.stop().await {
                tracing::warn!(error = %e, "{signal}: the station did not take the stop");
            }
        });
        let exit = station.run().await;
        ctrl_c.abort();
        match exit.restart_reason() {
            None => return Ok(ExitCode::SUCCESS),
            Some(again) => {
                tracing::info!(?exit, "starting the station again");
                reason = again;
            }
        }
    }
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM (what `kill`, systemd and container
/// runtimes send); returns its name. A signal that cannot be listened for is waited for
/// forever (the other still works).
async fn stop_signal() -> &'static str {
    let ctrl_c = async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for Ctrl-C");
                std::future::pending().await
            }
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
                "SIGTERM"
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending().await
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<&'static str>();
    tokio::select! {
        name = ctrl_c => name,
        name = term => name,
    }
}
