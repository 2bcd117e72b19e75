//! Loads station YAMLs and prints `ok` with a summary, or the one-line reason each is refused.
//!
//!     cargo run -q -p station --example check -- config/config-sil-ocpp.yaml

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        match station::StationConfig::load(&path) {
            Ok(cfg) => println!(
                "{path}: ok ({} modules, {} EVSEs)",
                cfg.modules.len(),
                cfg.evses.len()
            ),
            Err(e) => {
                eprintln!("{path}: refused: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
