//! The checked station config as data: [`StationConfig`], its module instances with their
//! parameters, implementations and resolved connections, and the EVSEs.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::shipped::ShippedFile;
use crate::module_types::ModuleType;

/// `settings.data_dir` when not given.
pub const DEFAULT_DATA_DIR: &str = "/tmp/ferrocharge";
/// `settings.control_api` when not given.
pub const DEFAULT_CONTROL_API: &str = "127.0.0.1:8849";

/// The most EVSEs a station has (OCPP's `evse_manager` requirement: 1..128).
pub const MAX_EVSES: usize = 128;

/// A loaded and checked station config.
#[derive(Debug, Clone, PartialEq)]
pub struct StationConfig {
    /// Where it was loaded from (for messages, and where relative input paths resolve:
    /// [`StationConfig::dir`]).
    pub source: ConfigFile,
    /// `settings:` with defaults filled in.
    pub settings: Settings,
    /// The module instances, in file order.
    pub modules: Vec<ModuleInstance>,
    /// The EVSEs, in EVSE order (ids 1..=N): the OCPP module's `evse_manager` connections when
    /// there is an OCPP module, else every EvseManager in file order (its mapping's EVSE, or its
    /// position).
    pub evses: Vec<Evse>,
}

/// A file a station reads its configuration from (the station YAML, OCPP's
/// `ChargePointConfigPath`): on disk, or built into the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFile {
    /// This file on disk. For a station YAML (or text said to come from that file), relative
    /// input paths resolve beside it.
    Path(PathBuf),
    /// The shipped file of that name. A shipped station YAML has no folder, so its relative
    /// input paths resolve under its `settings.data_dir` (the station's own folder, wherever
    /// the binary is started from), then among the shipped files.
    Shipped(&'static ShippedFile),
}

impl ConfigFile {
    /// The file on disk, if it is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ConfigFile::Path(path) => Some(path),
            ConfigFile::Shipped(_) => None,
        }
    }
}

impl fmt::Display for ConfigFile {
    /// The file's path, or `the shipped <name>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigFile::Path(path) => write!(f, "{}", path.display()),
            ConfigFile::Shipped(file) => write!(f, "{file}"),
        }
    }
}

/// `settings:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Databases, user config and certificates go here (default [`DEFAULT_DATA_DIR`]).
    pub data_dir: PathBuf,
    /// Where the HTTP control API and web UI listen; `None` when disabled with `""`
    /// (default [`DEFAULT_CONTROL_API`]).
    pub control_api: Option<SocketAddr>,
    /// `control_api_token`: the bearer token every control API request must carry, when set.
    /// Loading refuses a config whose `control_api` is not a loopback address and has none.
    pub control_api_token: Option<ControlApiToken>,
    /// The web UI of the CSMS the station connects to, for the station's web UI to link to
    /// (the state's `ocpp.csms_web_ui`). Not read from the YAML: `ferrocharge sil` sets it to
    /// its dev CSMS's.
    pub csms_web_ui: Option<String>,
    /// `mqtt` (or EVerest's `mqtt_broker_host` / `mqtt_broker_port`): the MQTT broker of
    /// EVerest's external API; see [`StationConfig::mqtt_broker`] for when it is used.
    pub mqtt: MqttSetting,
    /// `mqtt_external_prefix` (EVerest's setting, default empty): put before every external
    /// topic, as EVerest's framework puts it before the topics of its external MQTT API.
    pub mqtt_external_prefix: String,
}

/// The broker EVerest uses when a module needs MQTT and the config names none.
pub const DEFAULT_MQTT_BROKER: &str = "127.0.0.1:1883";

/// `settings.mqtt`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MqttSetting {
    /// Not given: EVerest's default broker ([`DEFAULT_MQTT_BROKER`]) when a module exists
    /// only to speak MQTT (API, EvAPI, OCPP with `EnableExternalWebsocketControl`).
    #[default]
    Default,
    /// This broker.
    Broker(MqttBroker),
    /// `""`: no MQTT connection, whatever the modules.
    Off,
}

/// Where an MQTT broker listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttBroker {
    /// A host name or IP address.
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

impl MqttBroker {
    /// `host:port` (an IPv6 address in brackets, `[::1]:1883`); else why not.
    pub fn parse(text: &str) -> Result<MqttBroker, String> {
        let bad = || {
            format!("'{text}' is not a host and port such as {DEFAULT_MQTT_BROKER} (\"\" turns MQTT off)")
        };
        let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port: u16 = port.parse().map_err(|_| bad())?;
        if host.is_empty() || port == 0 || host.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(bad());
        }
        Ok(MqttBroker {
            host: host.to_owned(),
            port,
        })
    }
}

impl fmt::Display for MqttBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// The fewest characters a [`ControlApiToken`] has: guessing one of 16 characters from a
/// few dozen letters is out of reach over HTTP (the Security whitepaper asks as much of an
/// AuthorizationKey).
pub const CONTROL_API_TOKEN_MIN_LEN: usize = 16;

/// `settings.control_api_token`: a secret. Its `Debug` never shows it, so a config printed
/// for a log keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct ControlApiToken(String);

impl ControlApiToken {
    /// The token, when it has at least [`CONTROL_API_TOKEN_MIN_LEN`] characters, all of them
    /// visible ASCII (it travels in an HTTP header and a cookie, which take nothing else);
    /// else why not.
    pub fn new(token: impl Into<String>) -> Result<Self, String> {
        let token = token.into();
        // The message names no character of the token: it is a secret even when refused.
        if !token.chars().all(|c| c.is_ascii_graphic()) {
            return Err("may hold only visible ASCII characters (no spaces)".into());
        }
        if token.len() < CONTROL_API_TOKEN_MIN_LEN {
            return Err(format!(
                "must have at least {CONTROL_API_TOKEN_MIN_LEN} characters, found {}",
                token.len()
            ));
        }
        Ok(ControlApiToken(token))
    }

    /// The token itself, for the comparison with what a request carries.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ControlApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ControlApiToken(<redacted>)")
    }
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

impl StationConfig {
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

    /// The broker of EVerest's external MQTT API, if the station connects to one: the one
    /// `settings.mqtt` names, else EVerest's default ([`DEFAULT_MQTT_BROKER`]) when a module
    /// exists only to speak MQTT ([`StationConfig::needs_mqtt`]); never when no module has
    /// an MQTT topic ([`StationConfig::serves_mqtt`]) or `settings.mqtt` is `""`.
    pub fn mqtt_broker(&self) -> Option<MqttBroker> {
        if !self.serves_mqtt() {
            return None;
        }
        match &self.settings.mqtt {
            MqttSetting::Broker(broker) => Some(broker.clone()),
            MqttSetting::Off => None,
            MqttSetting::Default if self.needs_mqtt() => {
                MqttBroker::parse(DEFAULT_MQTT_BROKER).ok()
            }
            MqttSetting::Default => None,
        }
    }

    /// Whether a module exists only to speak MQTT: API, EvAPI, or an OCPP module with
    /// `EnableExternalWebsocketControl`. Such a station connects to EVerest's default broker
    /// when `settings.mqtt` names none.
    pub fn needs_mqtt(&self) -> bool {
        use crate::module_types as t;
        self.modules.iter().any(|m| {
            m.type_name() == t::API.name
                || m.type_name() == t::EV_API.name
                || (m.type_name() == t::OCPP.name
                    && m.parameters.bool("EnableExternalWebsocketControl") == Some(true))
        })
    }

    /// Whether any module has an MQTT topic: those of [`StationConfig::needs_mqtt`], and
    /// DummyTokenProviderManual, EvManager and YetiSimulator, which also work without MQTT
    /// (through the control API) and serve their topics when the station connects anyway.
    pub fn serves_mqtt(&self) -> bool {
        use crate::module_types as t;
        self.needs_mqtt()
            || self.modules.iter().any(|m| {
                [
                    t::DUMMY_TOKEN_PROVIDER_MANUAL.name,
                    t::EV_MANAGER.name,
                    t::YETI_SIMULATOR.name,
                ]
                .contains(&m.type_name())
            })
    }

    /// The module instances of type `name`, in file order.
    pub fn modules_of_type<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a ModuleInstance> + 'a {
        self.modules.iter().filter(move |m| m.type_name() == name)
    }
}
