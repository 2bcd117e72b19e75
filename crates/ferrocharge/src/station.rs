//! `ferrocharge run` and `ferrocharge sil`: the station runtime in the foreground, announced by
//! a short banner on stdout before any log line: where the web UI is, which CSMS the station
//! connects to, the html message log, and for `sil` the idTags the dev CSMS accepts.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use chargepoint::config::{Document, OcppConfig, ReadDocument, Registry};
use csms::{CsmsOptions, TagEntry};
use ocpp_ws::{CsmsUrl, SecurityProfile};
use station::config::shipped;
use station::control_api::StationControl;
use station::runtime::{BootReason, OcppPaths, Station};
use station::{ConfigFile, StationConfig};

use crate::logging::Held;
use crate::sil_pnc::SilPnc;
use crate::sil_security::SilSecurity;

/// `ferrocharge run --config FILE`: the station until Ctrl-C or `station/stop`; a Reset from
/// the CSMS starts it again in the same process (the config is read again, like a reboot).
///
/// One thread for all (tokio's current-thread runtime): the station loop (message logs, the
/// simulation, the control API's state), the OCPP driver, its transport and the other tasks.
/// The station's work comes a message or a 250 ms step at a time; a worker thread beside the
/// main thread only added two wake-ups between threads a round trip (a context switch each:
/// about a third of the CPU of a round trip, docs/performance.md). The driver hands the
/// frames to the station once the answer went to the transport, so logging never delays an
/// answer. What may block for long (firmware installation, diagnostics archives, file
/// transfers) runs on tokio's blocking threads, made when needed.
pub fn run(config: &Path, held: &Held) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    // Boxed: the station's future is tens of kB, and each move of it on its way into the
    // runtime would be another copy on the main thread's stack, resident for the process's
    // life (docs/performance.md, "Sixth pass").
    runtime.block_on(Box::pin(run_station(
        &ConfigFile::Path(config.to_path_buf()),
        None,
        None,
        None,
        held,
    )))
}

/// `ferrocharge sil [--config FILE] [--no-pricing] [--security-profile 2|3]`: the station of
/// `config` (the shipped config-sil-ocpp.yaml, built into the binary, by default) and, in the
/// same process, the dev CSMS listening where the station connects (SteVe's default URL for the
/// shipped configs), its web UI on `csms_http` and its database under the station's data dir
/// (`csms/`). It prices the sessions (California Pricing) when `pricing`, so the station shows
/// prices out of the box. With a security profile, over `wss://` with the development PKI
/// ([`SilSecurity`]).
#[inline(never)]
pub fn sil(
    config: Option<PathBuf>,
    csms_http: SocketAddr,
    pricing: bool,
    security_profile: Option<u8>,
    held: &Held,
) -> anyhow::Result<ExitCode> {
    let config = match config {
        Some(path) => ConfigFile::Path(path),
        None => ConfigFile::Shipped(&shipped::SIL_OCPP),
    };
    let mut station =
        StationConfig::from_file(&config).with_context(|| format!("cannot load {config}"))?;
    let security = match security_profile {
        Some(profile) => {
            let id = csms_url(&station)?.charge_point_id().to_owned();
            let security = SilSecurity::prepare(&station, profile, &id)?;
            security.apply(&mut station)?;
            security.check(&csms_connection(&station)?)?;
            Some(security)
        }
        None => None,
    };
    let pnc = SilPnc::prepare(&station, csms_url(&station)?.charge_point_id())?;
    let url = csms_url(&station)?;
    let mut options = dev_csms_options(&url, security.as_ref())?;
    options.http = Some(csms_http);
    options.data_dir = Some(station.settings.data_dir.join("csms"));
    if pnc.is_some() {
        // A dev CSMS database made before the eMAID was a default tag still authorizes the
        // simulated car's contract.
        options.ensure_tags = vec![csms::TagEntry::new(csms::dev_pki::EMAID)];
    }
    options.pricing_enabled = Some(pricing);
    let listen = options.listen;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        let csms = csms::Csms::bind(options).await.with_context(|| {
            format!("cannot start the dev CSMS on {listen} (is SteVe or another CSMS on its port?)")
        })?;
        let code = run_station(&config, Some(&csms), security.as_ref(), pnc.as_ref(), held).await;
        drop(csms);
        code
    })
}

/// The URL the station of `config` connects to: its OCPP module's CentralSystemURI and
/// ChargePointId, with the user config over them, as the station builds it when it starts.
fn csms_url(config: &StationConfig) -> anyhow::Result<CsmsUrl> {
    Ok(csms_connection(config)?.url)
}

/// How the station of `config` connects to its CSMS, from its effective OCPP configuration.
pub(crate) struct CsmsConnection {
    /// Where.
    pub url: CsmsUrl,
    /// Its SecurityProfile.
    pub security_profile: u8,
    /// Its AuthorizationKey, if it has one.
    pub authorization_key: Option<String>,
    /// The user config that goes over its OCPP configuration.
    pub user_config: PathBuf,
}

/// See [`CsmsConnection`].
pub(crate) fn csms_connection(config: &StationConfig) -> anyhow::Result<CsmsConnection> {
    let module = config
        .modules_of_type(station::module_types::OCPP.name)
        .next()
        .context(
            "the station config has no OCPP module: ferrocharge needs one to talk to a CSMS",
        )?;
    let paths = OcppPaths::of(config, &module.id);
    let problem = |p: chargepoint::config::Problem| anyhow!("{p}");
    let base = paths.charge_point_document().map_err(problem)?;
    let registry = Registry::embedded()?;
    // A user config the station cannot use is moved aside when it starts, and the station runs
    // on the base config alone (docs/store-recovery.md): so does the URL made here. Reading it
    // would refuse to start what the station itself starts.
    let with_user = paths
        .user_config
        .exists()
        .then(|| Document::read(&paths.user_config).ok())
        .flatten()
        .and_then(|user| chargepoint::config::effective(registry, &base, Some(&user)).ok());
    let effective = match with_user {
        Some(effective) => effective,
        None => chargepoint::config::effective(registry, &base, None)
            .map_err(|e| anyhow!("{}", e.problems().join("; ")))?,
    };
    let ocpp = OcppConfig::from_document(&effective)?;
    let profile = SecurityProfile::from_number(i64::from(ocpp.security.security_profile))?;
    Ok(CsmsConnection {
        url: CsmsUrl::parse(
            &ocpp.internal.central_system_uri,
            &ocpp.internal.charge_point_id,
            profile,
        )?,
        security_profile: ocpp.security.security_profile,
        authorization_key: ocpp.security.authorization_key.map(|key| key.0),
        user_config: paths.user_config,
    })
}

/// The dev CSMS that serves `url`: on its port and path, which must be a URL on this machine
/// (an IP address or `localhost`); `wss://` with `security` only.
fn dev_csms_options(url: &CsmsUrl, security: Option<&SilSecurity>) -> anyhow::Result<CsmsOptions> {
    match security {
        None if url.is_secure() => bail!(
            "the station connects to {url}: `sil` runs the dev CSMS over wss:// only with \
             --security-profile 2|3 (its development PKI); use `ferrocharge run --config FILE` \
             with a CSMS of your own"
        ),
        _ => {}
    }
    let ip = match url.host() {
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        host => host.parse().map_err(|_| {
            anyhow!(
                "the station connects to {url}, not to an address of this machine: `sil` runs \
                 the dev CSMS where the station connects; use `ferrocharge run --config FILE` \
                 for another CSMS"
            )
        })?,
    };
    let mut options = CsmsOptions {
        listen: SocketAddr::new(ip, url.port()),
        path_prefix: url.base_path().to_owned(),
        ..CsmsOptions::default()
    };
    if let Some(security) = security {
        security.csms_options(&mut options)?;
    }
    Ok(options)
}

/// Runs the station of `config` until it stops, starting it again after a Reset or a firmware
/// update. `csms` is the dev CSMS, when `sil` runs one; `security` what `sil
/// --security-profile` changes in the config at every start.
async fn run_station(
    config: &ConfigFile,
    csms: Option<&csms::Csms>,
    security: Option<&SilSecurity>,
    pnc: Option<&SilPnc>,
    held: &Held,
) -> anyhow::Result<ExitCode> {
    // The banner lists the tags that charge; the web UI shows every tag.
    let tags: Option<Vec<TagEntry>> = csms.map(csms::Csms::accepted_tags);
    let mut reason = BootReason::PowerUp;
    let mut first = true;
    loop {
        let mut cfg =
            StationConfig::from_file(config).with_context(|| format!("cannot load {config}"))?;
        if let Some(security) = security {
            security.apply(&mut cfg)?;
        }
        if let Some(pnc) = pnc {
            pnc.apply(&mut cfg)?;
        }
        // The station's web UI links the dev CSMS's.
        cfg.settings.csms_web_ui = csms
            .and_then(csms::Csms::http_addr)
            .map(|addr| format!("http://{addr}/"));
        let station = Box::pin(Station::start_with(&cfg, reason))
            .await
            .with_context(|| format!("cannot start the station of {config}"))?;
        if first {
            let url = csms_url(&cfg).ok();
            if let (Some(csms), Some(url), Some(addr)) = (csms, &url, station.control_api_addr()) {
                csms.set_station_ui(url.charge_point_id(), &format!("http://{addr}/"));
            }
            let banner = Banner {
                config,
                evses: cfg.evses.len(),
                web_ui: station.control_api_addr(),
                web_ui_token: cfg.settings.control_api_token.is_some(),
                csms: url,
                csms_ui: csms.and_then(csms::Csms::http_addr),
                html_log: station.html_log(),
                tags: tags.as_deref(),
                security: security.map(SilSecurity::describe),
                pnc: pnc.map(SilPnc::describe),
            };
            print!("{banner}");
            held.release();
            first = false;
        } else if let Some(html) = station.html_log() {
            // One set of message logs per start.
            println!(
                "station started again; OCPP message log: {}",
                html.display()
            );
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
pub(crate) async fn stop_signal() -> &'static str {
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

/// What a person needs to start using the station, printed once it has started.
struct Banner<'a> {
    /// The station config.
    config: &'a ConfigFile,
    /// How many EVSEs it has.
    evses: usize,
    /// The control API and web UI, if served.
    web_ui: Option<SocketAddr>,
    /// Whether the control API needs `settings.control_api_token` (the page asks for it).
    web_ui_token: bool,
    /// Where the station connects (`None` if its OCPP config cannot say).
    csms: Option<CsmsUrl>,
    /// The dev CSMS's web UI, when `sil` serves one.
    csms_ui: Option<SocketAddr>,
    /// This start's html message log, if one is written.
    html_log: Option<PathBuf>,
    /// The idTags of the dev CSMS, when `sil` runs one.
    tags: Option<&'a [TagEntry]>,
    /// The security profile of `sil --security-profile`, described.
    security: Option<String>,
    /// The Plug&Charge PKI of `sil` with an ISO 15118 station, described.
    pnc: Option<String>,
}

impl std::fmt::Display for Banner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let config = match self.config {
            ConfigFile::Path(path) => display_path(path).display().to_string(),
            shipped => shipped.to_string(),
        };
        let plural = if self.evses == 1 { "" } else { "s" };
        match self.tags {
            Some(_) => writeln!(
                f,
                "ferrocharge sil: {config} ({} EVSE{plural}) with the dev CSMS",
                self.evses
            )?,
            None => writeln!(f, "ferrocharge: {config} ({} EVSE{plural})", self.evses)?,
        }
        match self.web_ui {
            // The token itself is never printed: the banner may end up in a shared log.
            Some(addr) if self.web_ui_token => writeln!(
                f,
                "  web UI       http://{addr}/ (asks for settings.control_api_token)"
            )?,
            Some(addr) => writeln!(f, "  web UI       http://{addr}/")?,
            None => writeln!(f, "  web UI       none (settings.control_api is empty)")?,
        }
        if let Some(url) = &self.csms {
            writeln!(f, "  CSMS         {url}")?;
        }
        if let Some(pnc) = &self.pnc {
            writeln!(f, "  Plug&Charge  {pnc}")?;
        }
        if let Some(security) = &self.security {
            writeln!(f, "  security     {security}")?;
        }
        if let Some(addr) = self.csms_ui {
            writeln!(f, "  CSMS web UI  http://{addr}/")?;
        }
        match &self.html_log {
            Some(path) => writeln!(f, "  message log  {}", path.display())?,
            None => writeln!(f, "  message log  no html (see Internal.LogMessagesFormat)")?,
        }
        if let Some(tags) = self.tags {
            let mut label = "  idTags       ";
            for line in tag_lines(tags) {
                writeln!(f, "{label}{line}")?;
                label = "               ";
            }
        }
        writeln!(f, "  Ctrl-C stops the station; RUST_LOG=debug shows more")
    }
}

/// `path` as a person would type it: its folder canonical, relative when it is under the
/// current directory (`config/config-sil-ocpp.yaml` when started from the source tree). The
/// file name stays as given: `config/*.yaml` are links to the station crate's files, and the
/// banner names the file the user named.
fn display_path(path: &Path) -> PathBuf {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
        return path.to_path_buf();
    };
    let folder = match folder.as_os_str().is_empty() {
        true => Path::new("."),
        false => folder,
    };
    let Ok(full) = std::fs::canonicalize(folder).map(|folder| folder.join(name)) else {
        return path.to_path_buf();
    };
    if !full.exists() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .ok()
        .and_then(|here| full.strip_prefix(here).ok().map(Path::to_path_buf))
        .unwrap_or(full)
}

/// The banner's width for the tag list (after its 15-column label).
const TAG_LINE_WIDTH: usize = 80;

/// What the dev CSMS answers to which idTag, a few lines wrapped at [`TAG_LINE_WIDTH`]:
/// `Accepted: DEADBEEF, ABC12345, RFID_VALID1 (group RFID_PARENT), ...; any other: Invalid`.
fn tag_lines(tags: &[TagEntry]) -> Vec<String> {
    let mut words: Vec<String> = tags
        .iter()
        .map(|tag| match &tag.parent_id_tag {
            Some(parent) => format!("{} (group {parent}),", tag.id_tag),
            None => format!("{},", tag.id_tag),
        })
        .collect();
    match words.last_mut() {
        Some(last) => {
            last.pop();
            last.push_str("; any other: Invalid.");
        }
        None => words.push("none; every idTag: Invalid.".to_owned()),
    }
    let mut lines = vec!["Accepted:".to_owned()];
    for word in words {
        let line = lines.last().map_or(0, String::len);
        if line + 1 + word.len() > TAG_LINE_WIDTH {
            lines.push(word);
        } else if let Some(last) = lines.last_mut() {
            last.push(' ');
            last.push_str(&word);
        }
    }
    // Swiping a tag that is charging ends that session (OCPP: the same idTag stops its own
    // transaction), which surprises whoever swipes it at the second EVSE.
    lines.push("A tag ends its own session wherever it is swiped: one tag per EVSE.".to_owned());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(uri: &str) -> CsmsUrl {
        match CsmsUrl::parse(uri, "cp001", SecurityProfile::from_number(0).unwrap()) {
            Ok(url) => url,
            Err(e) => panic!("{uri}: {e}"),
        }
    }

    #[test]
    fn the_dev_csms_listens_where_the_station_connects() {
        let options = dev_csms_options(
            &url("127.0.0.1:8180/steve/websocket/CentralSystemService/"),
            None,
        )
        .unwrap();
        assert_eq!(options.listen.to_string(), "127.0.0.1:8180");
        assert_eq!(
            options.path_prefix,
            "/steve/websocket/CentralSystemService/"
        );
        assert_eq!(options.tags, csms::default_tags());
        let options = dev_csms_options(&url("ws://localhost:9000/ocpp"), None).unwrap();
        assert_eq!(options.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(options.path_prefix, "/ocpp/");
        let refused = dev_csms_options(&url("ws://csms.example.com/ocpp/"), None).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("ferrocharge run --config FILE"),
            "{refused}"
        );
    }

    #[test]
    fn the_banner_names_the_web_ui_the_csms_the_log_and_the_tags() {
        let tags = csms::default_tags();
        let banner = Banner {
            config: &ConfigFile::Path(PathBuf::from("/no/such/station.yaml")),
            evses: 2,
            web_ui: Some(SocketAddr::from(([127, 0, 0, 1], 8849))),
            web_ui_token: false,
            csms: Some(url("127.0.0.1:8180/steve/websocket/CentralSystemService/")),
            csms_ui: Some(SocketAddr::from(([127, 0, 0, 1], 8850))),
            html_log: Some(PathBuf::from("/tmp/logs/start.html")),
            tags: Some(&tags),
            security: Some("profile 3: TLS, client certificate".to_owned()),
            pnc: Some("development PKI /tmp/ferrocharge/pki".to_owned()),
        };
        let text = banner.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "ferrocharge sil: /no/such/station.yaml (2 EVSEs) with the dev CSMS",
                "  web UI       http://127.0.0.1:8849/",
                "  CSMS         ws://127.0.0.1:8180/steve/websocket/CentralSystemService/cp001",
                "  Plug&Charge  development PKI /tmp/ferrocharge/pki",
                "  security     profile 3: TLS, client certificate",
                "  CSMS web UI  http://127.0.0.1:8850/",
                "  message log  /tmp/logs/start.html",
                "  idTags       Accepted: DEADBEEF, ABC12345, VID:AABBCCDDEEFF, 123,",
                "               RFID_VALID1 (group RFID_PARENT), RFID_VALID2 (group RFID_PARENT),",
                "               DEFRCC00000001; any other: Invalid.",
                "               A tag ends its own session wherever it is swiped: one tag per EVSE.",
                "  Ctrl-C stops the station; RUST_LOG=debug shows more",
            ]
        );
    }

    #[test]
    fn the_dev_csms_url_takes_the_user_config_the_station_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let yaml = shipped::SIL_ONE_EVSE.text.replacen(
            "  data_dir: /tmp/ferrocharge",
            &format!("  data_dir: {}", data.display()),
            1,
        );
        let path = dir.path().join("station.yaml");
        std::fs::write(&path, yaml).unwrap();
        let config = StationConfig::load(&path).unwrap();
        let user_config = data.join("user_config.json");
        let moved = r#"{"Internal": {"CentralSystemURI": "127.0.0.1:9000/ocpp/"}}"#;
        std::fs::write(&user_config, moved).unwrap();
        assert_eq!(
            csms_url(&config).unwrap().to_string(),
            "ws://127.0.0.1:9000/ocpp/cp001"
        );
        // One the station moves aside when it starts (docs/store-recovery.md): the base
        // config's URL, as the station will use it, not a refusal to start.
        for broken in [
            "",
            "{\"Internal\": ",
            r#"{"Core": {"HeartbeatInterval": "soon"}}"#,
        ] {
            std::fs::write(&user_config, broken).unwrap();
            assert_eq!(
                csms_url(&config).unwrap().to_string(),
                "ws://127.0.0.1:8180/steve/websocket/CentralSystemService/cp001",
                "{broken:?}"
            );
        }
    }

    #[test]
    fn a_config_through_a_link_is_shown_by_the_links_name() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yaml");
        std::fs::write(&real, "").unwrap();
        let link = dir.path().join("link.yaml");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&real, &link).unwrap();
        #[cfg(not(unix))]
        std::fs::copy(&real, &link).unwrap();
        let folder = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(display_path(&link), folder.join("link.yaml"));
        let missing = dir.path().join("missing.yaml");
        assert_eq!(display_path(&missing), missing, "as given");
    }
}
