//! Every example config of libocpp and EVerest loads unchanged.
//!
//! The examples live outside the repository, in ../shared/reference beside it (as on CI); the
//! test says so and passes when that folder is absent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chargepoint::config::{effective, Document, OcppConfig, ReadDocument, Registry};

fn reference() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let reference = root.join("../shared/reference");
    if reference.is_dir() {
        Some(reference)
    } else {
        println!(
            "NOTICE: {} is absent; the example configs are not checked",
            reference.display()
        );
        None
    }
}

fn json_files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(prefix) && name.ends_with(".json")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_config_loads_unchanged() {
    let Some(reference) = reference() else {
        return;
    };
    let mut files = Vec::new();
    for (dir, prefix) in [
        ("everest-core/lib/everest/ocpp/config/v16", ""),
        (
            "everest-core/tests/ocpp_tests/test_sets/everest-aux/config",
            "libocpp-config-",
        ),
        ("libocpp-v16/config/v16", ""),
        (
            "libocpp-v16/everest-monorepo/lib/everest/ocpp/config/v16",
            "",
        ),
    ] {
        let dir = reference.join(dir);
        if dir.is_dir() {
            files.extend(json_files(&dir, prefix));
        }
    }
    assert!(
        files.len() >= 11,
        "only {} example configs found",
        files.len()
    );
    let registry = Registry::embedded().unwrap();
    let mut failures = Vec::new();
    for file in &files {
        let doc = match Document::read(file) {
            Ok(doc) => doc,
            Err(p) => {
                failures.push(p.to_string());
                continue;
            }
        };
        match effective(registry, &doc, None) {
            Ok(eff) => {
                if let Err(e) = OcppConfig::from_document(&eff) {
                    failures.push(format!("{}: {e}", file.display()));
                }
            }
            Err(e) => failures.extend(e.problems()),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("{} example configs load", files.len());
}
