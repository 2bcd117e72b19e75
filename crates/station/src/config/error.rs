//! The one error type of station config loading. Each error displays as one line naming the
//! module, the requirement (or parameter, or mapping) and the problem.

use std::path::PathBuf;

/// Why a station config was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read: {message}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The operating system's reason.
        message: String,
    },
    /// The YAML parser (or the shape of the document) refused the file.
    #[error("{}{}: {message}", file.display(), location(*line, *column))]
    Yaml {
        /// The file.
        file: PathBuf,
        /// 1-based line, when the parser knows it.
        line: Option<usize>,
        /// 1-based column, when the parser knows it.
        column: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// Modules of types ferrocharge does not provide.
    #[error("{}", unsupported(modules))]
    UnsupportedModuleTypes {
        /// (module id, module type) of each such module, in file order.
        modules: Vec<(String, String)>,
    },
    /// A bad value under `settings`.
    #[error("settings: {key}: {problem}")]
    Setting {
        /// The setting.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A bad `mapping`.
    #[error("{module}: mapping: {problem}")]
    Mapping {
        /// The module id.
        module: String,
        /// What is wrong.
        problem: String,
    },
    /// A parameter the module type does not declare.
    #[error("{module}: {scope}: unknown parameter '{name}' (not a parameter of {declared_by})")]
    UnknownParameter {
        /// The module id.
        module: String,
        /// `config_module` or `config_implementation.<impl>`.
        scope: String,
        /// The parameter.
        name: String,
        /// The module type (and implementation) that does not declare it.
        declared_by: String,
    },
    /// A parameter of the wrong type or outside its constraints.
    #[error("{module}: {scope}: parameter {name}: {problem}")]
    BadParameter {
        /// The module id.
        module: String,
        /// `config_module` or `config_implementation.<impl>`.
        scope: String,
        /// The parameter.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// A parameter without default that was not given.
    #[error("{module}: {scope}: parameter {name} ({kind}) is required: it has no default")]
    MissingParameter {
        /// The module id.
        module: String,
        /// `config_module` or `config_implementation.<impl>`.
        scope: String,
        /// The parameter.
        name: String,
        /// Its type.
        kind: &'static str,
    },
    /// `config_implementation` names an implementation the module type does not provide.
    #[error("{module}: config_implementation: unknown implementation '{implementation}' ({module_type} provides: {provided})")]
    UnknownImplementation {
        /// The module id.
        module: String,
        /// Its type.
        module_type: &'static str,
        /// The implementation id given.
        implementation: String,
        /// The ids it does provide.
        provided: String,
    },
    /// `connections` names a requirement the module type does not have.
    #[error("{module}: connections: unknown requirement '{requirement}' ({module_type} requires: {known})")]
    UnknownRequirement {
        /// The module id.
        module: String,
        /// Its type.
        module_type: &'static str,
        /// The requirement given.
        requirement: String,
        /// The requirements it does have.
        known: String,
    },
    /// A connection to a module id that is not in `active_modules`.
    #[error("{module}: connection {requirement}[{index}]: unknown module_id '{target}'")]
    UnknownModuleId {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
        /// The position of the connection in the requirement's list.
        index: usize,
        /// The module_id given.
        target: String,
    },
    /// A connection to an implementation the target module does not provide.
    #[error("{module}: connection {requirement}[{index}]: module '{target}' ({target_type}) has no implementation '{implementation}' (it provides: {provided})")]
    UnknownImplementationId {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
        /// The position of the connection in the requirement's list.
        index: usize,
        /// The connected module id.
        target: String,
        /// Its type.
        target_type: &'static str,
        /// The implementation_id given.
        implementation: String,
        /// The ids it does provide.
        provided: String,
    },
    /// A connection to an implementation of another interface.
    #[error("{module}: connection {requirement}[{index}]: {target}.{implementation} implements {found}, but requirement {requirement} needs {expected}")]
    WrongInterface {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
        /// The position of the connection in the requirement's list.
        index: usize,
        /// The connected module id.
        target: String,
        /// The connected implementation id.
        implementation: String,
        /// The interface it implements.
        found: &'static str,
        /// The interface the requirement needs.
        expected: &'static str,
    },
    /// Too few or too many connections.
    #[error("{module}: requirement {requirement} needs {} connection{}, found {found}", range(*min, *max), if *min == 1 && *max == 1 { "" } else { "s" })]
    Cardinality {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
        /// The fewest allowed.
        min: usize,
        /// The most allowed.
        max: usize,
        /// How many there are.
        found: usize,
    },
    /// A connection whose target must have an EVSE mapping and has none.
    #[error("{module}: connection {requirement}[{index}]: module '{target}' has no mapping; every {requirement} connection needs one (mapping: {{module: {{evse: N}}}})")]
    MissingMapping {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
        /// The position of the connection in the requirement's list.
        index: usize,
        /// The connected module id.
        target: String,
    },
    /// Two connections of one requirement for the same EVSE.
    #[error(
        "{module}: requirement {requirement}: duplicate EVSE id {evse} ('{first}' and '{second}')"
    )]
    DuplicateEvse {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
        /// The EVSE id.
        evse: u32,
        /// The module that has it first.
        first: String,
        /// The module that has it again.
        second: String,
    },
    /// An `evse_manager` connection out of EVSE order.
    #[error("{module}: connection {requirement}[{index}]: module '{target}' is EVSE {evse}, but connections must be in EVSE order (expected EVSE {expected})")]
    EvseOrder {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
        /// The position of the connection in the requirement's list.
        index: usize,
        /// The connected module id.
        target: String,
        /// Its EVSE id.
        evse: u32,
        /// The EVSE id its position calls for.
        expected: u32,
    },
    /// A connection mapped to an EVSE the station does not have.
    #[error("{module}: connection {requirement}[{index}]: module '{target}' is mapped to EVSE {evse}, but the station has EVSEs 0..={evses}")]
    EvseOutOfRange {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
        /// The position of the connection in the requirement's list.
        index: usize,
        /// The connected module id.
        target: String,
        /// Its EVSE id.
        evse: u32,
        /// The number of EVSEs of the station.
        evses: u32,
    },
    /// Energy sinks are connected but none is for the whole station.
    #[error("{module}: requirement {requirement}: no connection is mapped to EVSE 0 (the whole station); one is needed when any is connected")]
    NoStationSink {
        /// The module id.
        module: String,
        /// The requirement.
        requirement: String,
    },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

fn range(min: usize, max: usize) -> String {
    if min == max {
        format!("exactly {min}")
    } else {
        format!("{min}..{max}")
    }
}

fn unsupported(modules: &[(String, String)]) -> String {
    let supported = crate::module_types::supported_names();
    let ids: Vec<&str> = modules.iter().map(|(id, _)| id.as_str()).collect();
    let mut types: Vec<&str> = Vec::new();
    for (_, ty) in modules {
        if !types.contains(&ty.as_str()) {
            types.push(ty);
        }
    }
    if types.len() == 1 {
        format!(
            "{}: module type {} is not provided by ferrocharge (supported: {supported})",
            ids.join(", "),
            types[0]
        )
    } else {
        format!(
            "{}: module types {} are not provided by ferrocharge (supported: {supported})",
            ids.join(", "),
            types.join(", ")
        )
    }
}
