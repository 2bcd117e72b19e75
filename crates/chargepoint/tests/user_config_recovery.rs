//! The user config found unusable at start (`config::load_with_user_config`): a file that is
//! empty, not JSON, not an object of sections, or holds a key that fails validation is moved
//! aside under a timestamped name, reported with the changes it undoes (their keys, never their
//! values), and the configuration is the base config alone, whose next change makes a fresh
//! user config. A missing or valid user config is used as it is; a broken base config or a user
//! config that cannot be read is an error, with nothing moved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use chargepoint::config::{load_with_user_config, Configuration, Document, Registry};
use chargepoint::recovery::Recovered;
use chrono::{DateTime, TimeZone, Utc};
use common::Scratch;
use serde_json::json;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 9, 15, 0).unwrap()
}

const ASIDE: &str = "user_config.json.corrupt-20261206T091500Z";

fn base() -> Document {
    Document::parse("ocpp.json", chargepoint::config::DEFAULT_CONFIG).unwrap()
}

fn load(path: &Path) -> (Configuration, Option<Recovered>) {
    load_with_user_config(Registry::embedded().unwrap().clone(), &base(), path, at()).unwrap()
}

/// Loads the user config `content`; it must be moved aside: returns the report and the
/// configuration, checked to be the base one, with the file kept aside as it was and a fresh
/// user config made by the next change.
fn refused(dir: &Scratch, content: &[u8]) -> (Recovered, Configuration) {
    let path = dir.file("user_config.json");
    std::fs::write(&path, content).unwrap();
    let (mut config, recovered) = load(&path);
    let recovered = recovered.expect("a recovery");
    assert_eq!(recovered.file, path.display().to_string());
    assert_eq!(recovered.moved_to, dir.file(ASIDE).display().to_string());
    assert_eq!(std::fs::read(dir.file(ASIDE)).unwrap(), content);
    assert!(
        recovered
            .what
            .ends_with("; the station runs on the base config ocpp.json until they are made again"),
        "{recovered:?}"
    );
    assert!(!path.exists());
    assert_eq!(config.core().heartbeat_interval, 86400, "the base config's");
    config
        .set_by_station("HeartbeatInterval", json!(30))
        .unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written, json!({"Core": {"HeartbeatInterval": 30}}));
    (recovered, config)
}

#[test]
fn a_valid_user_config_is_used_and_a_missing_one_is_no_recovery() {
    let dir = Scratch::new("user-config-valid");
    let path = dir.file("user_config.json");
    let (config, recovered) = load(&path);
    assert_eq!(recovered, None);
    assert_eq!(config.overlay(), &json!({}));
    std::fs::write(&path, r#"{"Core": {"HeartbeatInterval": 42}}"#).unwrap();
    let (config, recovered) = load(&path);
    assert_eq!(recovered, None);
    assert_eq!(config.core().heartbeat_interval, 42);
}

#[test]
fn an_empty_user_config_is_moved_aside_not_taken_for_no_changes() {
    let dir = Scratch::new("user-config-empty");
    let (recovered, _) = refused(&dir, b"");
    assert!(
        recovered
            .what
            .starts_with("the file is empty (0 bytes): the changes it held cannot be told"),
        "{recovered:?}"
    );
    let dir = Scratch::new("user-config-blank");
    let (recovered, _) = refused(&dir, b" \n\t\n");
    assert!(
        recovered.what.starts_with("the file is empty (4 bytes)"),
        "{recovered:?}"
    );
}

#[test]
fn a_user_config_that_is_not_json_is_moved_aside() {
    let dir = Scratch::new("user-config-not-json");
    let (recovered, _) = refused(&dir, b"{\"Core\": {\"HeartbeatInterval\": 3\x00\xff");
    assert!(
        recovered.what.starts_with("it is refused ($: "),
        "{recovered:?}"
    );
    assert!(
        recovered
            .what
            .contains("); the changes it held cannot be told;"),
        "{recovered:?}"
    );
    let dir = Scratch::new("user-config-torn");
    let (recovered, _) = refused(&dir, br#"{"Core": {"HeartbeatInter"#);
    assert!(
        recovered
            .what
            .starts_with("it is refused ($: not valid JSON: EOF while parsing"),
        "{recovered:?}"
    );
}

#[test]
fn a_user_config_of_the_wrong_shape_is_moved_aside() {
    let dir = Scratch::new("user-config-array");
    let (recovered, _) = refused(&dir, br#"[{"Core": {"HeartbeatInterval": 30}}]"#);
    assert!(
        recovered.what.starts_with(
            "it is refused ($: the user config must be a JSON object (a merge patch of the base \
             config)); the changes it held cannot be told;"
        ),
        "{recovered:?}"
    );
    let dir = Scratch::new("user-config-section");
    let (recovered, _) = refused(&dir, br#"{"Core": 5}"#);
    assert!(
        recovered.what.starts_with("it is refused ($.Core: "),
        "{recovered:?}"
    );
    assert!(
        recovered
            .what
            .contains("); the 1 change(s) it held are undone: Core;"),
        "{recovered:?}"
    );
}

#[test]
fn a_user_config_with_a_key_that_fails_validation_is_moved_aside_naming_every_change_undone() {
    let dir = Scratch::new("user-config-invalid");
    let content = json!({
        "Core": {"HeartbeatInterval": "soon", "MeterValueSampleInterval": 10},
        "Security": {"AuthorizationKey": "0123456789abcdef0123"}
    });
    let (recovered, _) = refused(&dir, content.to_string().as_bytes());
    assert_eq!(
        recovered.what,
        "it is refused ($.Core.HeartbeatInterval: expected an integer, found the string \
         \"soon\"); the 3 change(s) it held are undone: Core.HeartbeatInterval, \
         Core.MeterValueSampleInterval, Security.AuthorizationKey; the station runs on the base \
         config ocpp.json until they are made again"
    );
    assert!(!recovered.what.contains("0123456789abcdef"), "no values");
    let dir = Scratch::new("user-config-unknown");
    let (recovered, _) = refused(&dir, br#"{"Core": {"HeartbeatIntervall": 30}}"#);
    assert!(
        recovered
            .what
            .starts_with("it is refused ($.Core.HeartbeatIntervall: unknown key"),
        "{recovered:?}"
    );
}

#[test]
fn a_broken_base_config_is_an_error_and_the_user_config_stays() {
    let dir = Scratch::new("user-config-base");
    let path = dir.file("user_config.json");
    std::fs::write(&path, r#"{"Core": {"HeartbeatInterval": "soon"}}"#).unwrap();
    let mut base = base();
    base.value["Core"]["MeterValueSampleInterval"] = json!("often");
    let err = load_with_user_config(Registry::embedded().unwrap().clone(), &base, &path, at())
        .unwrap_err();
    assert!(
        err.problems()
            .iter()
            .any(|p| p.starts_with("ocpp.json: $.Core.MeterValueSampleInterval")),
        "{err}"
    );
    assert!(path.exists());
    assert!(!dir.file(ASIDE).exists());
}

#[test]
fn a_user_config_that_cannot_be_read_is_an_error_and_stays() {
    let dir = Scratch::new("user-config-unreadable");
    // A folder where the file should be: the installer's problem, not the file's content.
    let path = dir.file("user_config.json");
    std::fs::create_dir(&path).unwrap();
    let err = load_with_user_config(Registry::embedded().unwrap().clone(), &base(), &path, at())
        .unwrap_err();
    assert!(err.to_string().contains("cannot read the file"), "{err}");
    assert!(path.is_dir());
    assert!(!dir.file(ASIDE).exists());
}
