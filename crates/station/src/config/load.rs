//! Reading and parsing the station YAML into a [`StationConfig`]: the file, the `settings`
//! (with `data_dir`), each module instance's type and mapping, then its parameters
//! ([`super::parameters`]) and connections ([`super::connections`]); and where the relative
//! input paths of a loaded config are looked up: beside the YAML, else among the files the
//! binary ships with ([`super::shipped`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use super::connections::{connections, evses};
use super::error::ConfigError;
use super::model::{
    ConfigFile, ControlApiToken, Implementation, Mapping, ModuleInstance, MqttBroker, MqttSetting,
    Settings, StationConfig, DEFAULT_CONTROL_API, DEFAULT_DATA_DIR, MAX_EVSES,
};
use super::parameters::{check_parameters, describe};
use super::raw::{self, Entries, RawConfig, RawModule};
use super::shipped::{self, ShippedFile};
use crate::module_types;

/// Resolves an input path a station config names (OCPP's `ChargePointConfigPath`): an
/// absolute path is used as it is; a relative one is looked up in `dir` (the folder of the
/// station YAML, see [`StationConfig::dir`]), else among the files the binary ships with by
/// its name ([`shipped::file`]), else it stays in `dir` (where reading it will fail, naming
/// that path). An empty value stays empty.
pub fn resolve_input(value: &str, dir: &Path) -> ConfigFile {
    let path = Path::new(value);
    if value.is_empty() || path.is_absolute() {
        return ConfigFile::Path(path.to_path_buf());
    }
    let beside = dir.join(path);
    if beside.exists() {
        return ConfigFile::Path(beside);
    }
    match shipped::file(value) {
        Some(file) => ConfigFile::Shipped(file),
        None => ConfigFile::Path(beside),
    }
}

impl StationConfig {
    /// Reads, parses and checks the station YAML at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Self::from_yaml(&text, path)
    }

    /// Parses and checks `text`; `path` is where it came from (named in parse errors, and its
    /// folder is the one relative paths resolve against).
    pub fn from_yaml(text: &str, path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        parse(text, ConfigFile::Path(path.to_path_buf()))
    }

    /// Parses and checks a station YAML the binary ships with.
    pub fn shipped(file: &'static ShippedFile) -> Result<Self, ConfigError> {
        parse(file.text, ConfigFile::Shipped(file))
    }

    /// Reads, parses and checks the station YAML `file` (again: a restart reads it anew).
    pub fn from_file(file: &ConfigFile) -> Result<Self, ConfigError> {
        match file {
            ConfigFile::Path(path) => StationConfig::load(path),
            ConfigFile::Shipped(shipped) => StationConfig::shipped(shipped),
        }
    }

    /// The folder relative input paths resolve in: the station YAML's, or for a shipped one
    /// (which has no folder) its `settings.data_dir`.
    pub fn dir(&self) -> &Path {
        match &self.source {
            ConfigFile::Path(path) => match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            },
            ConfigFile::Shipped(_) => &self.settings.data_dir,
        }
    }

    /// [`resolve_input`] in this config's folder.
    pub fn resolve(&self, value: &str) -> ConfigFile {
        resolve_input(value, self.dir())
    }
}

fn parse(text: &str, source: ConfigFile) -> Result<StationConfig, ConfigError> {
    let raw: RawConfig = serde_yaml_ng::from_str(text).map_err(|e| yaml_error(&source, &e))?;
    build(raw, source)
}

fn yaml_error(source: &ConfigFile, e: &serde_yaml_ng::Error) -> ConfigError {
    let mut message = e.to_string();
    let (line, column) = match e.location() {
        Some(loc) => {
            let suffix = format!(" at line {} column {}", loc.line(), loc.column());
            if let Some(pos) = message.find(&suffix) {
                message.replace_range(pos..pos + suffix.len(), "");
            }
            (Some(loc.line()), Some(loc.column()))
        }
        None => (None, None),
    };
    let file = match source {
        ConfigFile::Path(path) => path.clone(),
        // Named as messages name it; it is no file on disk.
        ConfigFile::Shipped(file) => PathBuf::from(file.to_string()),
    };
    ConfigError::Yaml {
        file,
        line,
        column,
        message,
    }
}

fn build(raw: RawConfig, source: ConfigFile) -> Result<StationConfig, ConfigError> {
    // Module types first: nothing else can be checked for a module of unknown type.
    let unsupported: Vec<(String, String)> = raw
        .active_modules
        .0
        .iter()
        .filter(|(_, m)| module_types::module_type(&m.module).is_none())
        .map(|(id, m)| (id.clone(), m.module.clone()))
        .collect();
    if !unsupported.is_empty() {
        return Err(ConfigError::UnsupportedModuleTypes {
            modules: unsupported,
        });
    }

    let settings = settings(&raw.settings)?;

    let mut modules = Vec::with_capacity(raw.active_modules.0.len());
    for (id, m) in &raw.active_modules.0 {
        modules.push(instance(id, m)?);
    }
    for (id, m) in &raw.active_modules.0 {
        let requirements = connections(id, m, &modules)?;
        if let Some(inst) = modules.iter_mut().find(|i| i.id == *id) {
            inst.requirements = requirements;
        }
    }

    let evses = evses(&modules)?;

    Ok(StationConfig {
        source,
        settings,
        modules,
        evses,
    })
}

fn settings(raw: &Entries<Value>) -> Result<Settings, ConfigError> {
    let mut data_dir = DEFAULT_DATA_DIR.to_owned();
    let mut control_api = Some(DEFAULT_CONTROL_API.to_owned());
    let mut token = None;
    let mut mqtt = MqttSetting::Default;
    // EVerest's own pair of settings; `mqtt` wins when both are given.
    let mut everest_host: Option<String> = None;
    let mut everest_port: Option<u16> = None;
    let mut external_prefix = String::new();
    for (key, value) in &raw.0 {
        let bad = |problem: String| ConfigError::Setting {
            key: key.clone(),
            problem,
        };
        let text = || match value {
            Value::String(s) => Ok(s.clone()),
            other => Err(bad(format!("expected string, found {}", describe(other)))),
        };
        match key.as_str() {
            "data_dir" => data_dir = text()?,
            "control_api" => control_api = Some(text()?),
            // Empty is unset: a template's `control_api_token: ""` asks for no token.
            "control_api_token" => {
                token = Some(text()?)
                    .filter(|t| !t.is_empty())
                    .map(ControlApiToken::new)
                    .transpose()
                    .map_err(bad)?
            }
            "mqtt" => {
                let text = text()?;
                mqtt = if text.is_empty() {
                    MqttSetting::Off
                } else {
                    MqttSetting::Broker(MqttBroker::parse(&text).map_err(bad)?)
                }
            }
            "mqtt_broker_host" => everest_host = Some(text()?),
            "mqtt_broker_port" => {
                everest_port = Some(
                    value
                        .as_u64()
                        .and_then(|p| u16::try_from(p).ok())
                        .filter(|p| *p > 0)
                        .ok_or_else(|| bad(format!("expected a port (1..65535), found {}", describe(value))))?,
                )
            }
            "mqtt_external_prefix" => external_prefix = text()?,
            _ => {
                return Err(bad(
                    "unknown setting (ferrocharge's settings: data_dir, control_api, control_api_token, \
                     mqtt, mqtt_broker_host, mqtt_broker_port, mqtt_external_prefix)"
                        .into(),
                ))
            }
        }
    }
    if data_dir.is_empty() {
        return Err(ConfigError::Setting {
            key: "data_dir".into(),
            problem: "must not be empty".into(),
        });
    }
    let control_api = match control_api.as_deref() {
        None | Some("") => None,
        Some(api) => Some(api.parse::<SocketAddr>().map_err(|_| ConfigError::Setting {
            key: "control_api".into(),
            problem: format!(
                "'{api}' is not an IP address and port such as {DEFAULT_CONTROL_API} (\"\" disables the control API)"
            ),
        })?),
    };
    // Off loopback, anyone on the network could drive the station (DESIGN §6): no token, no
    // start.
    if let (Some(addr), None) = (control_api, &token) {
        if !addr.ip().is_loopback() {
            return Err(ConfigError::Setting {
                key: "control_api_token".into(),
                problem: format!(
                    "required when control_api ({addr}) is not a loopback address: set a \
                     secret of at least {} characters, or listen on 127.0.0.1",
                    super::model::CONTROL_API_TOKEN_MIN_LEN
                ),
            });
        }
    }
    if mqtt == MqttSetting::Default && (everest_host.is_some() || everest_port.is_some()) {
        let host = everest_host.unwrap_or_else(|| "127.0.0.1".to_owned());
        let broker = MqttBroker::parse(&format!("{host}:{}", everest_port.unwrap_or(1883)))
            .map_err(|problem| ConfigError::Setting {
                key: "mqtt_broker_host".into(),
                problem,
            })?;
        mqtt = MqttSetting::Broker(broker);
    }
    // A topic level of its own or none: EVerest joins prefix and topic as text, so a prefix
    // with a wildcard or a NUL would make topics no broker takes.
    if external_prefix.contains(['#', '+', '\0']) {
        return Err(ConfigError::Setting {
            key: "mqtt_external_prefix".into(),
            problem: "may not contain '#', '+' or NUL (MQTT wildcards)".into(),
        });
    }
    Ok(Settings {
        data_dir: PathBuf::from(data_dir),
        control_api,
        control_api_token: token,
        csms_web_ui: None,
        mqtt,
        mqtt_external_prefix: external_prefix,
    })
}

/// Checks one module's mapping and parameters (its connections come later, once every module
/// is known).
fn instance(id: &str, m: &RawModule) -> Result<ModuleInstance, ConfigError> {
    let ty = module_types::module_type(&m.module).ok_or_else(|| {
        ConfigError::UnsupportedModuleTypes {
            modules: vec![(id.to_owned(), m.module.clone())],
        }
    })?;
    let bad_mapping = |problem: String| ConfigError::Mapping {
        module: id.to_owned(),
        problem,
    };
    let mut mapping = None;
    let mut impl_mappings: Vec<(&str, Mapping)> = Vec::new();
    if let Some(raw_mapping) = &m.mapping {
        if let Some(evse) = &raw_mapping.module {
            mapping = Some(to_mapping(evse).map_err(|p| bad_mapping(format!("module: {p}")))?);
        }
        for (impl_id, evse) in raw_mapping.implementations.iter().flat_map(|e| &e.0) {
            if ty.provide(impl_id).is_none() {
                return Err(bad_mapping(format!(
                    "implementations: unknown implementation '{impl_id}' ({} provides: {})",
                    ty.name,
                    ty.provide_ids()
                )));
            }
            let map = to_mapping(evse)
                .map_err(|p| bad_mapping(format!("implementations.{impl_id}: {p}")))?;
            impl_mappings.push((impl_id, map));
        }
    }
    if ty.name == module_types::EVSE_MANAGER.name {
        if let Some(Mapping { evse: 0, .. }) = mapping {
            return Err(bad_mapping(
                "module: an EvseManager needs an EVSE id from 1 (EVSE 0 is the whole station)"
                    .into(),
            ));
        }
    }

    let parameters = check_parameters(
        id,
        "config_module",
        &format!("module type {}", ty.name),
        ty.parameters,
        m.config_module.as_ref(),
    )?;

    let given_impls = m.config_implementation.as_ref();
    for (impl_id, _) in given_impls.iter().flat_map(|e| &e.0) {
        if ty.provide(impl_id).is_none() {
            return Err(ConfigError::UnknownImplementation {
                module: id.to_owned(),
                module_type: ty.name,
                implementation: impl_id.clone(),
                provided: ty.provide_ids(),
            });
        }
    }
    let mut implementations = Vec::with_capacity(ty.provides.len());
    for p in ty.provides {
        let given = given_impls
            .and_then(|e| e.0.iter().find(|(k, _)| k == p.id))
            .and_then(|(_, v)| v.as_ref());
        let parameters = check_parameters(
            id,
            &format!("config_implementation.{}", p.id),
            &format!("implementation {}.{}", ty.name, p.id),
            p.parameters,
            given,
        )?;
        implementations.push(Implementation {
            id: p.id,
            interface: p.interface,
            parameters,
            mapping: impl_mappings
                .iter()
                .find(|(i, _)| *i == p.id)
                .map(|(_, m)| *m),
        });
    }

    Ok(ModuleInstance {
        id: id.to_owned(),
        module_type: ty,
        mapping,
        parameters,
        implementations,
        requirements: Vec::new(),
    })
}

fn to_mapping(raw: &raw::RawEvse) -> Result<Mapping, String> {
    let evse = u32::try_from(raw.evse)
        .ok()
        .filter(|e| (*e as usize) <= MAX_EVSES)
        .ok_or_else(|| format!("evse {} is not an EVSE id (0..={MAX_EVSES})", raw.evse))?;
    let connector = match raw.connector {
        None => None,
        Some(c) => Some(
            u32::try_from(c)
                .ok()
                .filter(|c| *c >= 1)
                .ok_or_else(|| format!("connector {c} is not a connector id (from 1)"))?,
        ),
    };
    Ok(Mapping { evse, connector })
}
