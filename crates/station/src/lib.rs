//! The station runtime of ferrocharge: [`runtime::Station`] runs a station config (the OCPP
//! core and its driver, the simulated EVSEs, message logs and the control API); below it, the
//! [`sim`]ulation, the [`message_log`]s, the [`control_api`], and loading the EVerest-shaped
//! station YAML (`settings`, `active_modules` with `module`, `mapping`, `config_module`,
//! `config_implementation` and `connections`; `x-...` keys ignored) into a checked graph of
//! module instances, [`StationConfig`].
//!
//! Every module type is declared as data in [`module_types`] (the implementations it provides, its
//! requirements with cardinality, its parameters with types and defaults), transcribed from
//! everest-core's manifests so that EVerest's own station configs load unchanged. Loading checks
//! every module type, parameter, mapping and connection, and refuses a broken config with one
//! [`ConfigError`] whose `Display` is one line naming the module, the requirement (or parameter)
//! and the problem, e.g. `ocpp: requirement evse_manager needs 1..128 connections, found 0`.
//!
//! Module types ferrocharge does not provide (EvseV2G, PyEvJosev, SlacSimulator, API, EvAPI,
//! ErrorHistory, TerminalCostAndPriceMessage, ...) are refused, all of them in one line that names
//! the modules, their types and the supported types. There is deliberately no class of "accepted
//! but inert" types: a module that would silently do nothing (an API that answers no one, a
//! SLAC stack that never runs) makes a config look like it works when it does not.
//!
//! ```
//! let cfg = station::StationConfig::load(station::shipped_config_dir().join("config-sil-one-evse.yaml")).unwrap();
//! let ocpp = cfg.module("ocpp").unwrap();
//! assert_eq!(ocpp.parameters.str("ChargePointConfigPath"), Some("ocpp-config.json"));
//! assert_eq!(cfg.evses.len(), 1);
//! ```

// Loading a config is a cold path: a large error type costs nothing worth boxing for.
#![allow(clippy::result_large_err)]

pub mod control_api;
pub mod display;
pub mod energy;
mod error;
pub mod evse_security;
pub mod message_log;
pub mod module_types;
pub mod persistent_store;
mod raw;
pub mod runtime;
pub mod sim;
pub mod system;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

pub use error::ConfigError;
use module_types::{DefaultValue, ModuleType, Param, ParamKind};
use raw::{Entries, RawConfig, RawModule};

/// `settings.data_dir` when not given.
pub const DEFAULT_DATA_DIR: &str = "/tmp/ferrocharge";
/// `settings.control_api` when not given.
pub const DEFAULT_CONTROL_API: &str = "127.0.0.1:8849";

/// The most EVSEs a station has (OCPP's `evse_manager` requirement: 1..128).
pub const MAX_EVSES: usize = 128;

/// A loaded and checked station config.
#[derive(Debug, Clone, PartialEq)]
pub struct StationConfig {
    /// The file it was loaded from (for messages, and the folder relative paths resolve against).
    pub path: PathBuf,
    /// `settings:` with defaults filled in.
    pub settings: Settings,
    /// The module instances, in file order.
    pub modules: Vec<ModuleInstance>,
    /// The EVSEs, in EVSE order (ids 1..=N): the OCPP module's `evse_manager` connections when
    /// there is an OCPP module, else every EvseManager in file order (its mapping's EVSE, or its
    /// position).
    pub evses: Vec<Evse>,
}

/// `settings:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Databases, user config and certificates go here (default [`DEFAULT_DATA_DIR`]).
    pub data_dir: PathBuf,
    /// Where the HTTP control API and web UI listen; `None` when disabled with `""`
    /// (default [`DEFAULT_CONTROL_API`]).
    pub control_api: Option<SocketAddr>,
}

/// One EVSE of the station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evse {
    /// Its id, from 1.
    pub id: u32,
    /// The module id of its EvseManager.
    pub evse_manager: String,
}

/// An EVSE mapping (`mapping: {module: {evse: N, connector: M}}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// The EVSE id; 0 is the whole station.
    pub evse: u32,
    /// The connector id, when given.
    pub connector: Option<u32>,
}

/// A module instance: one entry of `active_modules`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleInstance {
    /// Its module id (the key under `active_modules`).
    pub id: String,
    /// Its module type.
    pub module_type: &'static ModuleType,
    /// `mapping.module`, when given.
    pub mapping: Option<Mapping>,
    /// Its module parameters (`config_module`), every declared one, defaults filled in.
    pub parameters: Parameters,
    /// One entry per provided implementation, in declaration order.
    pub implementations: Vec<Implementation>,
    /// One entry per requirement of the type, in declaration order (unconnected ones empty).
    pub requirements: Vec<Requirement>,
}

impl ModuleInstance {
    /// The type's name, e.g. `EvseManager`.
    pub fn type_name(&self) -> &'static str {
        self.module_type.name
    }

    /// The implementation `id`.
    pub fn implementation(&self, id: &str) -> Option<&Implementation> {
        self.implementations.iter().find(|i| i.id == id)
    }

    /// The connections of requirement `name` (empty when it has none or there is no such one).
    pub fn connections(&self, name: &str) -> &[Connection] {
        self.requirements
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.connections.as_slice())
            .unwrap_or(&[])
    }

    /// The mapping of implementation `id`: its own (`mapping.implementations`), else the module's.
    pub fn mapping_of(&self, id: &str) -> Option<Mapping> {
        self.implementation(id)
            .and_then(|i| i.mapping)
            .or(self.mapping)
    }
}

/// A provided implementation of a module instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Implementation {
    /// Its id, e.g. `evse`.
    pub id: &'static str,
    /// The interface it implements, e.g. `evse_manager`.
    pub interface: &'static str,
    /// Its parameters (`config_implementation.<id>`), defaults filled in.
    pub parameters: Parameters,
    /// `mapping.implementations.<id>`, when given.
    pub mapping: Option<Mapping>,
}

/// A requirement of a module instance with its resolved connections.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// Its name, e.g. `evse_manager`.
    pub name: &'static str,
    /// The interface every connection implements.
    pub interface: &'static str,
    /// The connections, in file order.
    pub connections: Vec<Connection>,
}

/// A typed edge: a requirement connected to another module's implementation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The connected module id.
    pub module_id: String,
    /// The connected implementation id.
    pub implementation_id: &'static str,
    /// The interface of that implementation (the requirement's interface).
    pub interface: &'static str,
}

/// A parameter value, type-checked against its declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// `boolean`
    Bool(bool),
    /// `integer`
    Integer(i64),
    /// `number`
    Number(f64),
    /// `string`
    String(String),
}

/// The parameters of a module or implementation: every declared one, in declaration order.
/// A required parameter is always present; none is absent after loading.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parameters(pub Vec<(&'static str, ParamValue)>);

impl Parameters {
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The string `name`.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            ParamValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer `name`.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            ParamValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The number `name` (an integer parameter reads as a number too).
    pub fn num(&self, name: &str) -> Option<f64> {
        match self.get(name)? {
            ParamValue::Number(n) => Some(*n),
            ParamValue::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The boolean `name`.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            ParamValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

/// The shipped `config/` folder of the source tree (the second place relative paths in a
/// station config are looked up in).
pub fn shipped_config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

/// Resolves a path parameter of a station config (OCPP's ChargePointConfigPath, UserConfigPath,
/// ...): an absolute path is used as it is; a relative one resolves against `yaml_dir` (the
/// folder of the station YAML) when it exists there, else against `shipped_dir` (the shipped
/// `config/` folder) when it exists there, else against `yaml_dir` (where a file that is yet to
/// be written, such as a user config, will be created). An empty value stays empty.
pub fn resolve_path(value: &str, yaml_dir: &Path, shipped_dir: &Path) -> PathBuf {
    let path = Path::new(value);
    if value.is_empty() || path.is_absolute() {
        return path.to_path_buf();
    }
    let beside = yaml_dir.join(path);
    if beside.exists() {
        return beside;
    }
    let shipped = shipped_dir.join(path);
    if shipped.exists() {
        return shipped;
    }
    beside
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
        let raw: RawConfig = serde_yaml_ng::from_str(text).map_err(|e| yaml_error(path, &e))?;
        build(raw, path)
    }

    /// The folder of the station YAML.
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }

    /// [`resolve_path`] against this config's folder and the shipped `config/` folder.
    pub fn resolve(&self, value: &str) -> PathBuf {
        resolve_path(value, self.dir(), &shipped_config_dir())
    }

    /// The module instance `id`.
    pub fn module(&self, id: &str) -> Option<&ModuleInstance> {
        self.modules.iter().find(|m| m.id == id)
    }

    /// The module that the first connection of `module_id`'s requirement `requirement` names
    /// (what a 0..1 or 1..1 requirement is connected to).
    pub fn connected_module(&self, module_id: &str, requirement: &str) -> Option<&ModuleInstance> {
        let connection = self.module(module_id)?.connections(requirement).first()?;
        self.module(&connection.module_id)
    }

    /// The module instances of type `name`, in file order.
    pub fn modules_of_type<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a ModuleInstance> + 'a {
        self.modules.iter().filter(move |m| m.type_name() == name)
    }
}

fn yaml_error(path: &Path, e: &serde_yaml_ng::Error) -> ConfigError {
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
    ConfigError::Yaml {
        file: path.to_path_buf(),
        line,
        column,
        message,
    }
}

fn build(raw: RawConfig, path: &Path) -> Result<StationConfig, ConfigError> {
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

    let mut evses = Vec::new();
    if let Some(ocpp) = modules
        .iter()
        .find(|m| m.type_name() == module_types::OCPP.name)
    {
        evses = ocpp_evses(ocpp, &modules)?;
        ocpp_energy_sinks(ocpp, &modules, evses.len())?;
    } else {
        for (pos, m) in modules
            .iter()
            .filter(|m| m.type_name() == module_types::EVSE_MANAGER.name)
            .enumerate()
        {
            let id = m.mapping.map(|m| m.evse).unwrap_or(pos as u32 + 1);
            evses.push(Evse {
                id,
                evse_manager: m.id.clone(),
            });
        }
        evses.sort_by_key(|e| e.id);
    }

    Ok(StationConfig {
        path: path.to_path_buf(),
        settings,
        modules,
        evses,
    })
}

fn settings(raw: &Entries<Value>) -> Result<Settings, ConfigError> {
    let mut data_dir = DEFAULT_DATA_DIR.to_owned();
    let mut control_api = Some(DEFAULT_CONTROL_API.to_owned());
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
            _ => {
                return Err(bad(
                    "unknown setting (ferrocharge's settings: data_dir, control_api)".into(),
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
    Ok(Settings {
        data_dir: PathBuf::from(data_dir),
        control_api,
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

fn check_parameters(
    module: &str,
    scope: &str,
    declared_by: &str,
    decls: &'static [Param],
    given: Option<&Entries<Value>>,
) -> Result<Parameters, ConfigError> {
    let given: &[(String, Value)] = given.map(|e| e.0.as_slice()).unwrap_or(&[]);
    for (name, _) in given {
        if !decls.iter().any(|d| d.name == name) {
            return Err(ConfigError::UnknownParameter {
                module: module.to_owned(),
                scope: scope.to_owned(),
                name: name.clone(),
                declared_by: declared_by.to_owned(),
            });
        }
    }
    let mut out = Vec::with_capacity(decls.len());
    for decl in decls {
        let value = match given.iter().find(|(n, _)| n == decl.name) {
            Some((_, v)) => check_value(decl, v).map_err(|problem| ConfigError::BadParameter {
                module: module.to_owned(),
                scope: scope.to_owned(),
                name: decl.name.to_owned(),
                problem,
            })?,
            None => match decl.default {
                Some(DefaultValue::Bool(b)) => ParamValue::Bool(b),
                Some(DefaultValue::Integer(i)) => ParamValue::Integer(i),
                Some(DefaultValue::Number(n)) => ParamValue::Number(n),
                Some(DefaultValue::String(s)) => ParamValue::String(s.to_owned()),
                None => {
                    return Err(ConfigError::MissingParameter {
                        module: module.to_owned(),
                        scope: scope.to_owned(),
                        name: decl.name.to_owned(),
                        kind: decl.kind.name(),
                    })
                }
            },
        };
        out.push((decl.name, value));
    }
    Ok(Parameters(out))
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) if n.is_f64() => format!("number {n}"),
        Value::Number(n) => format!("integer {n}"),
        Value::String(s) => format!("string '{s}'"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("tagged value {}", t.tag),
    }
}

fn check_value(decl: &Param, v: &Value) -> Result<ParamValue, String> {
    let wrong = || format!("expected {}, found {}", decl.kind.name(), describe(v));
    let value = match (decl.kind, v) {
        (ParamKind::Bool, Value::Bool(b)) => ParamValue::Bool(*b),
        (ParamKind::Integer, Value::Number(n)) => {
            ParamValue::Integer(n.as_i64().ok_or_else(wrong)?)
        }
        (ParamKind::Number, Value::Number(n)) => ParamValue::Number(n.as_f64().ok_or_else(wrong)?),
        (ParamKind::String, Value::String(s)) => ParamValue::String(s.clone()),
        _ => return Err(wrong()),
    };
    let numeric = match &value {
        ParamValue::Integer(i) => Some(*i as f64),
        ParamValue::Number(n) => Some(*n),
        _ => None,
    };
    if let Some(n) = numeric {
        if let Some(min) = decl.minimum {
            if n < min {
                return Err(format!("{} is below the minimum {min}", display_num(v)));
            }
        }
        if let Some(max) = decl.maximum {
            if n > max {
                return Err(format!("{} is above the maximum {max}", display_num(v)));
            }
        }
    }
    if let ParamValue::String(s) = &value {
        if !decl.one_of.is_empty() && !decl.one_of.contains(&s.as_str()) {
            return Err(format!("'{s}' is not one of {}", decl.one_of.join(", ")));
        }
        let len = s.chars().count();
        if let Some(min) = decl.min_len {
            if len < min {
                return Err(format!("'{s}' is shorter than {min} characters"));
            }
        }
        if let Some(max) = decl.max_len {
            if len > max {
                return Err(format!("'{s}' is longer than {max} characters"));
            }
        }
    }
    Ok(value)
}

fn display_num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        other => describe(other),
    }
}

/// Resolves and checks the connections of module `id` against its type's requirements.
fn connections(
    id: &str,
    m: &RawModule,
    modules: &[ModuleInstance],
) -> Result<Vec<Requirement>, ConfigError> {
    let ty = module_types::module_type(&m.module).ok_or_else(|| {
        ConfigError::UnsupportedModuleTypes {
            modules: vec![(id.to_owned(), m.module.clone())],
        }
    })?;
    let given: &[(String, Option<Vec<raw::RawConnection>>)] = m
        .connections
        .as_ref()
        .map(|e| e.0.as_slice())
        .unwrap_or(&[]);
    for (name, _) in given {
        if ty.require(name).is_none() {
            return Err(ConfigError::UnknownRequirement {
                module: id.to_owned(),
                module_type: ty.name,
                requirement: name.clone(),
                known: ty.require_names(),
            });
        }
    }
    let mut out = Vec::with_capacity(ty.requires.len());
    for req in ty.requires {
        let list: &[raw::RawConnection] = given
            .iter()
            .find(|(n, _)| n == req.name)
            .and_then(|(_, l)| l.as_deref())
            .unwrap_or(&[]);
        let mut resolved = Vec::with_capacity(list.len());
        for (index, c) in list.iter().enumerate() {
            let target = modules
                .iter()
                .find(|t| t.id == c.module_id)
                .ok_or_else(|| ConfigError::UnknownModuleId {
                    module: id.to_owned(),
                    requirement: req.name.to_owned(),
                    index,
                    target: c.module_id.clone(),
                })?;
            let provide = target
                .module_type
                .provide(&c.implementation_id)
                .ok_or_else(|| ConfigError::UnknownImplementationId {
                    module: id.to_owned(),
                    requirement: req.name.to_owned(),
                    index,
                    target: c.module_id.clone(),
                    target_type: target.type_name(),
                    implementation: c.implementation_id.clone(),
                    provided: target.module_type.provide_ids(),
                })?;
            if provide.interface != req.interface {
                return Err(ConfigError::WrongInterface {
                    module: id.to_owned(),
                    requirement: req.name.to_owned(),
                    index,
                    target: c.module_id.clone(),
                    implementation: c.implementation_id.clone(),
                    found: provide.interface,
                    expected: req.interface,
                });
            }
            resolved.push(Connection {
                module_id: c.module_id.clone(),
                implementation_id: provide.id,
                interface: provide.interface,
            });
        }
        if resolved.len() < req.min || resolved.len() > req.max {
            return Err(ConfigError::Cardinality {
                module: id.to_owned(),
                requirement: req.name.to_owned(),
                min: req.min,
                max: req.max,
                found: resolved.len(),
            });
        }
        out.push(Requirement {
            name: req.name,
            interface: req.interface,
            connections: resolved,
        });
    }
    Ok(out)
}

fn find<'a>(modules: &'a [ModuleInstance], id: &str) -> Option<&'a ModuleInstance> {
    modules.iter().find(|m| m.id == id)
}

/// OCPP's `evse_manager` connections are the EVSEs, in EVSE order: the i-th (from 1) is EVSE i.
/// An EvseManager with a mapping must be mapped to that EVSE; one without takes its position.
fn ocpp_evses(ocpp: &ModuleInstance, modules: &[ModuleInstance]) -> Result<Vec<Evse>, ConfigError> {
    const REQ: &str = "evse_manager";
    let mut evses: Vec<Evse> = Vec::new();
    for (index, c) in ocpp.connections(REQ).iter().enumerate() {
        let expected = index as u32 + 1;
        let evse = find(modules, &c.module_id)
            .and_then(|t| t.mapping_of(c.implementation_id))
            .map(|m| m.evse)
            .unwrap_or(expected);
        if let Some(first) = evses.iter().find(|e| e.id == evse) {
            return Err(ConfigError::DuplicateEvse {
                module: ocpp.id.clone(),
                requirement: REQ.into(),
                evse,
                first: first.evse_manager.clone(),
                second: c.module_id.clone(),
            });
        }
        if evse != expected {
            return Err(ConfigError::EvseOrder {
                module: ocpp.id.clone(),
                requirement: REQ.into(),
                index,
                target: c.module_id.clone(),
                evse,
                expected,
            });
        }
        evses.push(Evse {
            id: evse,
            evse_manager: c.module_id.clone(),
        });
    }
    Ok(evses)
}

/// OCPP's `evse_energy_sink` connections: each mapped to an EVSE of the station (0 is the whole
/// station), no EVSE twice, and one for EVSE 0 when there are any.
fn ocpp_energy_sinks(
    ocpp: &ModuleInstance,
    modules: &[ModuleInstance],
    evse_count: usize,
) -> Result<(), ConfigError> {
    const REQ: &str = "evse_energy_sink";
    let sinks = ocpp.connections(REQ);
    let mut seen: Vec<(u32, &str)> = Vec::new();
    for (index, c) in sinks.iter().enumerate() {
        let mapping = find(modules, &c.module_id)
            .and_then(|t| t.mapping_of(c.implementation_id))
            .ok_or_else(|| ConfigError::MissingMapping {
                module: ocpp.id.clone(),
                requirement: REQ.into(),
                index,
                target: c.module_id.clone(),
            })?;
        if mapping.evse as usize > evse_count {
            return Err(ConfigError::EvseOutOfRange {
                module: ocpp.id.clone(),
                requirement: REQ.into(),
                index,
                target: c.module_id.clone(),
                evse: mapping.evse,
                evses: evse_count as u32,
            });
        }
        if let Some((_, first)) = seen.iter().find(|(e, _)| *e == mapping.evse) {
            return Err(ConfigError::DuplicateEvse {
                module: ocpp.id.clone(),
                requirement: REQ.into(),
                evse: mapping.evse,
                first: (*first).to_owned(),
                second: c.module_id.clone(),
            });
        }
        seen.push((mapping.evse, &c.module_id));
    }
    if !sinks.is_empty() && !seen.iter().any(|(e, _)| *e == 0) {
        return Err(ConfigError::NoStationSink {
            module: ocpp.id.clone(),
            requirement: REQ.into(),
        });
    }
    Ok(())
}
