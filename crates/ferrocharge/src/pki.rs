//! `ferrocharge pki`: the development PKI of `csms::dev_pki` on the command line.
//!
//! ```text
//! ferrocharge pki init [--dir DIR] [--charge-point ID]...   make what is missing, list it
//! ferrocharge pki sign-firmware FILE [--dir DIR] [--json]   SignedUpdateFirmware's signature
//! ```
//!
//! DIR defaults to /tmp/ferrocharge/pki: the `pki` folder of the SIL station's data dir, where
//! `ferrocharge sil --security-profile 2|3` keeps its PKI.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use csms::dev_pki::{DevPki, DEFAULT_CHARGE_POINT, EMAID};

/// Where `ferrocharge pki` keeps the PKI unless told: the PKI folder of the shipped SIL
/// station (its data dir is /tmp/ferrocharge).
pub const DEFAULT_PKI_DIR: &str = "/tmp/ferrocharge/pki";

/// The subcommands of `ferrocharge pki`.
#[derive(Subcommand)]
pub enum PkiCommand {
    /// Make the development PKI in DIR, or what of it is missing (nothing that is there is
    /// replaced): the CSMS root with the CSMS's server certificate (localhost, 127.0.0.1, ::1),
    /// each charge point's client certificate and AuthorizationKey, the manufacturer root with
    /// a firmware signing certificate, the V2G root with the CPO sub-CAs and the SECC leaf, the
    /// MO root with the car's contract chain, and the station's certificate store
    /// (DIR/station, EVerest's layout). Lists what it made.
    Init {
        /// The PKI's folder.
        #[arg(long, value_name = "DIR", default_value = DEFAULT_PKI_DIR)]
        dir: PathBuf,
        /// A ChargePointId to make a client certificate and an AuthorizationKey for
        /// (repeatable) [default: cp001].
        #[arg(long = "charge-point", value_name = "ID")]
        charge_points: Vec<String>,
    },
    /// Sign FILE for SignedUpdateFirmware with the PKI's firmware signing key (ECDSA P-256,
    /// SHA-256): prints `firmware.signature` (base64 of the DER signature) and where
    /// `firmware.signingCertificate` is.
    SignFirmware {
        /// The firmware file.
        file: PathBuf,
        /// The PKI's folder (made by `ferrocharge pki init`).
        #[arg(long, value_name = "DIR", default_value = DEFAULT_PKI_DIR)]
        dir: PathBuf,
        /// Print {"signature": ..., "signingCertificate": PEM} instead: the two fields of
        /// SignedUpdateFirmware's `firmware`, ready to paste.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `ferrocharge pki ...`.
#[inline(never)]
pub fn run(command: PkiCommand) -> anyhow::Result<ExitCode> {
    match command {
        PkiCommand::Init {
            dir,
            mut charge_points,
        } => {
            if charge_points.is_empty() {
                charge_points.push(DEFAULT_CHARGE_POINT.to_owned());
            }
            let pki = DevPki::ensure(&dir, &charge_points)?;
            print!(
                "{}",
                InitReport {
                    pki: &pki,
                    charge_points: &charge_points
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        PkiCommand::SignFirmware { file, dir, json } => {
            let firmware =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let signed = DevPki::open(&dir).sign_firmware(&firmware)?;
            if json {
                let fields = serde_json::json!({
                    "signature": signed.signature,
                    "signingCertificate": signed.signing_certificate,
                });
                println!("{fields}");
            } else {
                println!("signature           {}", signed.signature);
                println!(
                    "signingCertificate  {}",
                    signed.signing_certificate_path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What `pki init` made, and where a person finds each part.
struct InitReport<'a> {
    pki: &'a DevPki,
    charge_points: &'a [String],
}

impl std::fmt::Display for InitReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pki = self.pki;
        let dir = pki.dir();
        let made = pki.written();
        match made.len() {
            0 => writeln!(
                f,
                "development PKI in {}: complete, nothing made",
                dir.display()
            )?,
            n => writeln!(f, "development PKI in {}: made {n} file(s)", dir.display())?,
        }
        for path in made {
            writeln!(
                f,
                "  made  {}",
                path.strip_prefix(dir).unwrap_or(path).display()
            )?;
        }
        let (server, server_key) = {
            let tls = pki.tls_files(false);
            (tls.certificate_chain, tls.private_key)
        };
        writeln!(
            f,
            "station store     {} (EVerest's layout: point EvseSecurity here)",
            pki.station_store().display()
        )?;
        writeln!(
            f,
            "CSMS TLS          {}, {}",
            server.display(),
            server_key.display()
        )?;
        for id in self.charge_points {
            writeln!(
                f,
                "{id:<17} client certificate {}, AuthorizationKey in {}",
                pki.client_files(id).0.display(),
                pki.authorization_key_file(id).display()
            )?;
        }
        writeln!(
            f,
            "firmware signing  {} (ferrocharge pki sign-firmware FILE)",
            pki.firmware_signing_files().0.display()
        )?;
        writeln!(f, "SECC leaf         {}", pki.secc_files().0.display())?;
        writeln!(
            f,
            "car contract      {} (eMAID {EMAID})",
            pki.contract_files().0.display()
        )
    }
}
