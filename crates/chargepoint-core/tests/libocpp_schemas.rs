//! Our schema files declare every key of libocpp's profile schemas with the same type, range,
//! length, default and readOnly flag, except for the departures and the keys of ours only listed
//! here.
//! libocpp's schemas are read from ../shared/reference beside the repository; the test says so
//! and passes when that folder is absent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chargepoint_core::config::{Section, SECTION_SCHEMAS};
use serde_json::Value;

/// (section, key, keyword): where our schema deliberately says something else.
const DEPARTURES: [(&str, &str, &str); 2] = [
    // The Security whitepaper asks for 16 bytes; libocpp checks 8.
    ("Security", "AuthorizationKey", "minLength"),
    // A default so that a listed SmartCharging profile without section can be completed.
    ("SmartCharging", "ChargeProfileMaxStackLevel", "default"),
];

/// (section, key): keys of ours that libocpp does not have.
const OURS_ONLY: [(&str, &str); 1] = [
    // The key type of the charge point certificate's CSR (libevse-security: always P-256).
    ("Internal", "CertificateSigningKeyType"),
];

const COMPARED: [&str; 7] = [
    "type",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "default",
    "readOnly",
];

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/definitions/")
            .and_then(|name| root.get("definitions")?.get(name))
            .unwrap_or(node),
        None => node,
    }
}

#[test]
fn our_schemas_match_libocpps() {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
    let theirs_dir = reference.join("everest-core/lib/everest/ocpp/config/v16/profile_schemas");
    let newer_internal = reference.join(
        "libocpp-v16/everest-monorepo/lib/everest/ocpp/config/v16/profile_schemas/Internal.json",
    );
    if !theirs_dir.is_dir() {
        println!(
            "NOTICE: {} is absent; the schemas are not compared",
            theirs_dir.display()
        );
        return;
    }
    let mut total = 0;
    let mut differences = Vec::new();
    for (section, ours) in SECTION_SCHEMAS {
        let ours: Value = serde_json::from_str(ours).unwrap();
        let path = if section == Section::Internal && newer_internal.is_file() {
            newer_internal.clone()
        } else {
            theirs_dir.join(format!("{section}.json"))
        };
        let theirs: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let their_keys = theirs["properties"].as_object().unwrap();
        let our_keys = ours["properties"].as_object().unwrap();
        let mut a: Vec<&String> = their_keys.keys().collect();
        let mut b: Vec<&String> = our_keys
            .keys()
            .filter(|k| !OURS_ONLY.contains(&(section.as_str(), k.as_str())))
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "keys of {section}");
        let mut their_required: Vec<&Value> =
            theirs["required"].as_array().unwrap().iter().collect();
        let mut our_required: Vec<&Value> = ours["required"].as_array().unwrap().iter().collect();
        their_required.sort_by_key(|v| v.to_string());
        our_required.sort_by_key(|v| v.to_string());
        assert_eq!(their_required, our_required, "required keys of {section}");
        for (key, their_spec) in their_keys {
            total += 1;
            let our_spec = resolve(&ours, &our_keys[key]);
            for keyword in COMPARED {
                let (t, o) = (their_spec.get(keyword), our_spec.get(keyword));
                // libocpp puts minLength on two objects, where JSON schema ignores it.
                if keyword == "minLength" && their_spec["type"] == "object" {
                    continue;
                }
                if t != o && !DEPARTURES.contains(&(section.as_str(), key.as_str(), keyword)) {
                    differences.push(format!(
                        "{section}.{key}.{keyword}: libocpp {t:?}, ours {o:?}"
                    ));
                }
            }
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert_eq!(total, 130);
}
