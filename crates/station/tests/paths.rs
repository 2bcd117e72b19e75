//! Where the relative input paths of a station config resolve: beside the YAML, else among the
//! files built into the binary (which are the crate's `config/` files, linked from the
//! top-level `config/`).

use std::path::Path;

use station::config::{resolve_input, shipped, ConfigFile};
use station::StationConfig;

#[test]
fn relative_paths_resolve_beside_the_yaml_then_among_the_shipped_files() {
    let root = std::env::temp_dir().join(format!("station-resolve-{}", std::process::id()));
    let yaml_dir = root.join("site");
    let empty_dir = root.join("empty");
    std::fs::create_dir_all(&yaml_dir).unwrap();
    std::fs::create_dir_all(&empty_dir).unwrap();
    std::fs::write(yaml_dir.join("ocpp-config.json"), "{}").unwrap();

    assert_eq!(
        resolve_input("ocpp-config.json", &yaml_dir),
        ConfigFile::Path(yaml_dir.join("ocpp-config.json"))
    );
    assert_eq!(
        resolve_input("ocpp-config.json", &empty_dir),
        ConfigFile::Shipped(&shipped::OCPP_CONFIG)
    );
    assert_eq!(
        resolve_input("new/user_config.json", &yaml_dir),
        ConfigFile::Path(yaml_dir.join("new/user_config.json"))
    );
    assert_eq!(
        resolve_input("/var/lib/x.db", &yaml_dir),
        ConfigFile::Path("/var/lib/x.db".into())
    );
    assert_eq!(resolve_input("", &yaml_dir), ConfigFile::Path("".into()));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn config_folder_is_the_yaml_folder() {
    let cfg = StationConfig::from_yaml(shipped::SIL_ONE_EVSE.text, "station.yaml").unwrap();
    assert_eq!(cfg.dir(), Path::new("."));
    // ocpp-config.json is not in the current folder (the crate), so the shipped one is used.
    assert_eq!(
        cfg.resolve("ocpp-config.json"),
        ConfigFile::Shipped(&shipped::OCPP_CONFIG)
    );
}

#[test]
fn a_shipped_configs_folder_is_its_data_dir_and_its_files_are_the_crates() {
    let cfg = StationConfig::shipped(&shipped::SIL_OCPP).unwrap();
    assert_eq!(cfg.dir(), Path::new("/tmp/ferrocharge"));
    assert_eq!(cfg.source.to_string(), "the shipped config-sil-ocpp.yaml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [&shipped::SIL_OCPP, &shipped::SIL_ONE_EVSE] {
        let in_crate = root.join("config").join(file.name);
        assert_eq!(
            std::fs::read_to_string(&in_crate).unwrap(),
            file.text,
            "{}",
            file.name
        );
        // The top-level config/ links to the crate's files: one source of truth.
        let top = root.join("../../config").join(file.name);
        assert_eq!(
            top.canonicalize().unwrap(),
            in_crate.canonicalize().unwrap()
        );
    }
}
