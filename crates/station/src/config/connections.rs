//! Connection checks: each module's connections against its type's requirements (known
//! requirement, existing module and implementation, matching interface, cardinality), and what
//! the OCPP module's connections make of the station: its EVSEs and their energy sinks.

use super::error::ConfigError;
use super::model::{Connection, Evse, ModuleInstance, Requirement};
use super::raw::{self, RawModule};
use crate::module_types;

/// The station's EVSEs, in EVSE order: the OCPP module's `evse_manager` connections (their
/// energy sinks checked too) when there is an OCPP module, else every EvseManager in file
/// order (its mapping's EVSE, or its position).
pub(super) fn evses(modules: &[ModuleInstance]) -> Result<Vec<Evse>, ConfigError> {
    let mut evses = Vec::new();
    if let Some(ocpp) = modules
        .iter()
        .find(|m| m.type_name() == module_types::OCPP.name)
    {
        evses = ocpp_evses(ocpp, modules)?;
        ocpp_energy_sinks(ocpp, modules, evses.len())?;
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
    Ok(evses)
}

/// Resolves and checks the connections of module `id` against its type's requirements.
pub(super) fn connections(
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
