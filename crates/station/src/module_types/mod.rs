//! Module type declarations: what each module type provides, requires and takes as parameters.
//!
//! The tables are data, one file per module type, transcribed from everest-core's
//! `modules/*/*/manifest.yaml` (implementation ids, interface names, requirement names and
//! cardinalities, parameter names, types, defaults and constraints are EVerest's), so EVerest
//! station configs load unchanged. A parameter without a default is required, as in EVerest.
//!
//! Adding a module type is its own file here plus one line in the `module_types!` list below
//! (`docs/adding-a-module-type.md` says what else: its runtime behaviour, its docs, its tests).

/// Declares the module type files, re-exports their constants and lists them in [`ALL`].
macro_rules! module_types {
    ($($file:ident::$constant:ident),* $(,)?) => {
        $(
            mod $file;
            pub use $file::$constant;
        )*

        /// Every module type ferrocharge provides, sorted by name.
        pub static ALL: &[&ModuleType] = &[$(&$constant),*];
    };
}

// The registration: one line per module type, `<file>::<CONSTANT>`, sorted by type name (a
// test checks). The macro makes each file a module, re-exports its constant (the runtime
// compares names against `module_types::OCPP.name` and the like) and lists it in `ALL`, so a
// new type cannot be declared and then forgotten in one of three places.
module_types! {
    api::API,
    auth::AUTH,
    data_transfer_responder::DATA_TRANSFER_RESPONDER,
    dummy_token_provider_manual::DUMMY_TOKEN_PROVIDER_MANUAL,
    energy_manager::ENERGY_MANAGER,
    energy_node::ENERGY_NODE,
    error_history::ERROR_HISTORY,
    ev_api::EV_API,
    ev_manager::EV_MANAGER,
    evse_manager::EVSE_MANAGER,
    evse_security::EVSE_SECURITY,
    evse_v2g::EVSE_V2G,
    ocpp::OCPP,
    persistent_store::PERSISTENT_STORE,
    py_ev_josev::PY_EV_JOSEV,
    slac_simulator::SLAC_SIMULATOR,
    system::SYSTEM,
    terminal_cost_and_price_message::TERMINAL_COST_AND_PRICE_MESSAGE,
    terminal_display_message::TERMINAL_DISPLAY_MESSAGE,
    yeti_simulator::YETI_SIMULATOR,
}

/// The module type called `name` (EVerest's spelling, case-sensitive), if ferrocharge provides it.
pub fn module_type(name: &str) -> Option<&'static ModuleType> {
    ALL.iter().copied().find(|t| t.name == name)
}

/// The names of all provided module types, comma-separated (for error messages).
pub fn supported_names() -> String {
    ALL.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
}

/// A module type: its implementations, requirements and parameters.
#[derive(Debug, PartialEq)]
pub struct ModuleType {
    /// EVerest's name of the type, e.g. `EvseManager`.
    pub name: &'static str,
    /// The implementations it provides.
    pub provides: &'static [Provide],
    /// The requirements it has on other modules' implementations.
    pub requires: &'static [Require],
    /// Its module parameters (`config_module`).
    pub parameters: &'static [Param],
}

impl ModuleType {
    /// The provided implementation `id`.
    pub fn provide(&self, id: &str) -> Option<&'static Provide> {
        self.provides.iter().find(|p| p.id == id)
    }

    /// The requirement `name`.
    pub fn require(&self, name: &str) -> Option<&'static Require> {
        self.requires.iter().find(|r| r.name == name)
    }

    /// The module parameter `name`.
    pub fn parameter(&self, name: &str) -> Option<&'static Param> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The ids of the provided implementations, comma-separated (for error messages).
    pub fn provide_ids(&self) -> String {
        join(self.provides.iter().map(|p| p.id))
    }

    /// The names of the requirements, comma-separated (for error messages).
    pub fn require_names(&self) -> String {
        join(self.requires.iter().map(|r| r.name))
    }
}

fn join<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        names.join(", ")
    }
}

/// A provided implementation: its id, its interface and its parameters (`config_implementation`).
#[derive(Debug, PartialEq)]
pub struct Provide {
    /// The implementation id, e.g. `evse`.
    pub id: &'static str,
    /// The interface it implements, e.g. `evse_manager`.
    pub interface: &'static str,
    /// Its parameters.
    pub parameters: &'static [Param],
}

impl Provide {
    /// An implementation without parameters.
    pub const fn new(id: &'static str, interface: &'static str) -> Self {
        Self {
            id,
            interface,
            parameters: &[],
        }
    }

    /// With these parameters.
    pub const fn parameters(mut self, parameters: &'static [Param]) -> Self {
        self.parameters = parameters;
        self
    }

    /// The parameter `name`.
    pub fn parameter(&self, name: &str) -> Option<&'static Param> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

/// A requirement: connections to implementations of `interface`, `min..=max` of them.
#[derive(Debug, PartialEq)]
pub struct Require {
    /// The requirement name, e.g. `evse_manager`.
    pub name: &'static str,
    /// The interface the connected implementations must implement.
    pub interface: &'static str,
    /// The fewest connections allowed.
    pub min: usize,
    /// The most connections allowed.
    pub max: usize,
}

impl Require {
    /// A requirement (EVerest's `min_connections` / `max_connections`, both 1 when omitted).
    pub const fn new(name: &'static str, interface: &'static str, min: usize, max: usize) -> Self {
        Self {
            name,
            interface,
            min,
            max,
        }
    }
}

/// The type of a parameter, as EVerest's manifests spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `boolean`
    Bool,
    /// `integer`
    Integer,
    /// `number` (an integer is accepted too)
    Number,
    /// `string`
    String,
}

impl ParamKind {
    /// The manifest's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            ParamKind::Bool => "boolean",
            ParamKind::Integer => "integer",
            ParamKind::Number => "number",
            ParamKind::String => "string",
        }
    }
}

/// A parameter's default, as written in a declaration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A number.
    Number(f64),
    /// A string.
    String(&'static str),
}

/// A parameter declaration: name, type, default (none: required) and constraints.
#[derive(Debug, PartialEq)]
pub struct Param {
    /// The parameter name, e.g. `connector_id`.
    pub name: &'static str,
    /// Its type.
    pub kind: ParamKind,
    /// Its default; `None` makes it required.
    pub default: Option<DefaultValue>,
    /// Inclusive lower bound of a number or integer.
    pub minimum: Option<f64>,
    /// Inclusive upper bound of a number or integer.
    pub maximum: Option<f64>,
    /// The allowed values of a string (empty: any).
    pub one_of: &'static [&'static str],
    /// Fewest characters of a string.
    pub min_len: Option<usize>,
    /// Most characters of a string.
    pub max_len: Option<usize>,
}

impl Param {
    const fn of(name: &'static str, kind: ParamKind) -> Self {
        Self {
            name,
            kind,
            default: None,
            minimum: None,
            maximum: None,
            one_of: &[],
            min_len: None,
            max_len: None,
        }
    }

    /// A `boolean` parameter.
    pub const fn bool(name: &'static str) -> Self {
        Self::of(name, ParamKind::Bool)
    }

    /// An `integer` parameter.
    pub const fn integer(name: &'static str) -> Self {
        Self::of(name, ParamKind::Integer)
    }

    /// A `number` parameter.
    pub const fn number(name: &'static str) -> Self {
        Self::of(name, ParamKind::Number)
    }

    /// A `string` parameter.
    pub const fn string(name: &'static str) -> Self {
        Self::of(name, ParamKind::String)
    }

    /// With a boolean default.
    pub const fn default_bool(mut self, value: bool) -> Self {
        self.default = Some(DefaultValue::Bool(value));
        self
    }

    /// With an integer default.
    pub const fn default_int(mut self, value: i64) -> Self {
        self.default = Some(DefaultValue::Integer(value));
        self
    }

    /// With a number default.
    pub const fn default_num(mut self, value: f64) -> Self {
        self.default = Some(DefaultValue::Number(value));
        self
    }

    /// With a string default.
    pub const fn default_str(mut self, value: &'static str) -> Self {
        self.default = Some(DefaultValue::String(value));
        self
    }

    /// With an inclusive lower bound.
    pub const fn minimum(mut self, value: f64) -> Self {
        self.minimum = Some(value);
        self
    }

    /// With an inclusive upper bound.
    pub const fn maximum(mut self, value: f64) -> Self {
        self.maximum = Some(value);
        self
    }

    /// With a list of allowed string values.
    pub const fn one_of(mut self, values: &'static [&'static str]) -> Self {
        self.one_of = values;
        self
    }

    /// With a minimum string length.
    pub const fn min_len(mut self, value: usize) -> Self {
        self.min_len = Some(value);
        self
    }

    /// With a maximum string length.
    pub const fn max_len(mut self, value: usize) -> Self {
        self.max_len = Some(value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_consistent() {
        let mut names: Vec<&str> = ALL.iter().map(|t| t.name).collect();
        let sorted = {
            let mut s = names.clone();
            s.sort_unstable();
            s
        };
        assert_eq!(names, sorted, "ALL is sorted by name");
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for t in ALL {
            for r in t.requires {
                assert!(r.min <= r.max, "{}.{}", t.name, r.name);
            }
            let params = t
                .parameters
                .iter()
                .chain(t.provides.iter().flat_map(|p| p.parameters));
            for p in params {
                let ok = match (p.kind, p.default) {
                    (_, None) => true,
                    (ParamKind::Bool, Some(DefaultValue::Bool(_))) => true,
                    (ParamKind::Integer, Some(DefaultValue::Integer(_))) => true,
                    (ParamKind::Number, Some(DefaultValue::Number(_))) => true,
                    (ParamKind::String, Some(DefaultValue::String(s))) => {
                        p.one_of.is_empty() || p.one_of.contains(&s)
                    }
                    _ => false,
                };
                assert!(ok, "{}.{}: default does not match its type", t.name, p.name);
            }
        }
    }
}
