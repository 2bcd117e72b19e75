//! Energy management (everest-core's EnergyManager and EnergyNode modules): the energy tree of
//! the station config, the limits set on its nodes, and what each EVSE may offer.
//!
//! [`StationEnergy::from_config`] builds the tree as EVerest's modules wire it: the
//! EnergyManager's `energy_trunk` is the root (the grid connection point), each EnergyNode's
//! `energy_consumer` connections are its children (EnergyNodes, or EvseManagers through their
//! `energy_grid`), and the OCPP module's `evse_energy_sink` connections say which node takes
//! the Smart Charging limit of which connector: connector 0 (the station) the node mapped to
//! EVSE 0, connector n the node mapped to EVSE n (everest-core `modules/EVSE/OCPP/OCPP.cpp`,
//! `set_external_limits` → `get_evse_sink_by_evse_id`). A station without an EnergyManager
//! gets the tree those limits imply: one node for the station with one node per EVSE below it.
//!
//! The distribution itself is in [`tree`]; this module has no IO and no clock either.

pub mod tree;

use std::collections::{HashMap, HashSet};

pub use tree::{Bound, Demand, EnergyTree, NodeId, DEFAULT_SLICE_A};

use crate::{module_types, ModuleInstance, StationConfig};

/// The station's energy tree does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnergyError {
    /// A module is below two nodes, or below itself.
    #[error("energy tree: {module} is connected as energy_consumer of more than one node (or of itself)")]
    NotATree {
        /// The module id.
        module: String,
    },
}

/// An EVSE as the energy tree sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct EvseLeaf {
    /// Its OCPP connector (EVSE id).
    pub connector: u32,
    /// The module id of its EvseManager.
    pub evse_manager: String,
    /// The most it can offer, A per phase (the board's maximum).
    pub max_a: f64,
    /// The least it can offer, A per phase (the board's minimum, IEC 61851-1: 6 A).
    pub min_a: f64,
}

/// What an EVSE offers after a distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Offer {
    /// The connector.
    pub connector: u32,
    /// What it may offer now, A per phase (0: nothing, it pauses). For an EVSE that asks
    /// for nothing: what it would get if a car asked now.
    pub amps: f64,
    /// Its maximum: an offer below it is a limit in force.
    pub max_a: f64,
    /// What sets `amps`.
    pub source: LimitSource,
}

/// What sets an EVSE's offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitSource {
    /// The EVSE's own maximum (its board's `max_current_A_import`, EvseManager's
    /// `max_current_import_A`): nothing above it limits.
    Evse,
    /// An EnergyNode's `fuse_limit_A`, shared with the other EVSEs under it.
    Fuse,
    /// A Smart Charging limit (a charging profile) on the EnergyNode that takes the OCPP
    /// module's limits for this EVSE, or for the whole station (connector 0).
    OcppProfile,
    /// An external limit of EVerest's API module (`set_limit_amps`, ...) on the EnergyNode
    /// its `evse_energy_sink` maps to this EVSE.
    Api,
}

impl Offer {
    /// The limit in force, when the tree offers less than the EVSE could.
    pub fn limit(&self) -> Option<f64> {
        (self.amps < self.max_a).then_some(self.amps)
    }
}

/// The energy tree of a station with the OCPP sinks mapped onto it.
#[derive(Debug, Clone, PartialEq)]
pub struct StationEnergy {
    tree: EnergyTree,
    /// Connector (0: the station) → the node that takes its Smart Charging limit.
    sinks: HashMap<u32, NodeId>,
    /// EVSE → the node that takes the API module's limits (its `evse_energy_sink`).
    api_sinks: HashMap<u32, NodeId>,
    /// A limit or a demand changed since [`take_changed`](Self::take_changed).
    changed: bool,
}

impl StationEnergy {
    /// The energy tree of `config` for its `evses`. See the module docs.
    pub fn from_config(config: &StationConfig, evses: &[EvseLeaf]) -> Result<Self, EnergyError> {
        let manager = config
            .modules_of_type(module_types::ENERGY_MANAGER.name)
            .next();
        let mut energy = match manager {
            Some(m) => Self::from_manager(config, m, evses)?,
            None => Self::implied(evses),
        };
        for e in evses {
            let zero = config
                .module(&e.evse_manager)
                .and_then(|m| m.parameters.bool("request_zero_power_in_idle"))
                .unwrap_or(false);
            energy.tree.set_zero_power_in_idle(e.connector, zero);
        }
        tracing::debug!(
            nodes = energy.tree.nodes().len(),
            evses = energy.tree.leaves().len(),
            sinks = ?energy.sink_names(),
            "energy tree"
        );
        Ok(energy)
    }

    /// Without an EnergyManager: a station node, and one node per EVSE under it.
    fn implied(evses: &[EvseLeaf]) -> Self {
        let mut tree = EnergyTree::default();
        let mut sinks = HashMap::new();
        let station = tree.add_node("station", None, None, None);
        sinks.insert(0, station);
        for e in evses {
            let node = tree.add_node(format!("evse {}", e.connector), Some(station), None, None);
            tree.add_leaf(e.connector, Some(node), e.max_a, e.min_a);
            sinks.insert(e.connector, node);
        }
        StationEnergy {
            tree,
            sinks,
            api_sinks: HashMap::new(),
            changed: true,
        }
    }

    fn from_manager(
        config: &StationConfig,
        manager: &ModuleInstance,
        evses: &[EvseLeaf],
    ) -> Result<Self, EnergyError> {
        let slice = manager
            .parameters
            .num("slice_ampere")
            .unwrap_or(DEFAULT_SLICE_A);
        let mut b = Builder {
            config,
            evses,
            tree: EnergyTree::new(slice),
            ids: HashMap::new(),
            seen: HashSet::new(),
        };
        for trunk in manager.connections("energy_trunk") {
            b.visit(&trunk.module_id, None)?;
        }
        // An EVSE the tree does not reach is limited by its own maximum only (and its sink,
        // if it has one outside the tree, by nothing above it).
        for e in evses {
            if !b.tree.leaves().iter().any(|l| l.connector == e.connector) {
                tracing::warn!(
                    connector = e.connector,
                    evse_manager = %e.evse_manager,
                    "the energy tree does not reach this EVSE: only its own maximum limits it"
                );
                b.tree.add_leaf(e.connector, None, e.max_a, e.min_a);
            }
        }
        let ocpp = config.modules_of_type(module_types::OCPP.name).next();
        let sinks = b.sinks_of(ocpp);
        let api = config.modules_of_type(module_types::API.name).next();
        let api_sinks = b.sinks_of(api);
        Ok(StationEnergy {
            tree: b.tree,
            sinks,
            api_sinks,
            changed: true,
        })
    }

    fn sink_names(&self) -> Vec<(u32, &str)> {
        let mut names: Vec<(u32, &str)> = self
            .sinks
            .iter()
            .filter_map(|(c, n)| Some((*c, self.tree.node(*n)?.name.as_str())))
            .collect();
        names.sort_unstable();
        names
    }

    /// The tree.
    pub fn tree(&self) -> &EnergyTree {
        &self.tree
    }

    /// Sets the Smart Charging limit of `connector` (0: the station) on its sink node, A per
    /// phase (`None`: no profile limits). Returns whether it changed; `None` when no sink
    /// takes that connector's limits (everest-core's OCPP module: "Can not apply external
    /// limits! No evse energy sink configured").
    pub fn set_limit(&mut self, connector: u32, amps: Option<f64>) -> Option<bool> {
        let node = *self.sinks.get(&connector)?;
        let changed = self.tree.set_external_limit(node, amps);
        self.changed |= changed;
        Some(changed)
    }

    /// Sets the Smart Charging minChargingRate of the EVSE `connector`, A per phase (`None`:
    /// none): it raises the EVSE's minimum current, so that it gets at least that or nothing.
    pub fn set_min_charging_rate(&mut self, connector: u32, amps: Option<f64>) -> bool {
        let changed = self.tree.set_min_charging_rate(connector, amps);
        self.changed |= changed;
        changed
    }

    /// Sets the API module's limit of the EVSE `connector` on its sink node, A per phase
    /// (`None`: no limit). Returns whether it changed; `None` when the API module has no
    /// `evse_energy_sink` for that EVSE (EVerest's API then serves no limit topic for it).
    pub fn set_api_limit(&mut self, connector: u32, amps: Option<f64>) -> Option<bool> {
        let node = *self.api_sinks.get(&connector)?;
        let changed = self.tree.set_external_limit(node, amps);
        self.changed |= changed;
        Some(changed)
    }

    /// The phase count of the API module's sink node of `connector` (its EnergyNode's
    /// `phase_count`; 3 when it has none), to turn a power limit into a current.
    pub fn api_sink_phases(&self, connector: u32) -> Option<u32> {
        let node = self.tree.node(*self.api_sinks.get(&connector)?)?;
        Some(node.phases.unwrap_or(3))
    }

    /// Whether the API module has a sink for the EVSE `connector`.
    pub fn has_api_sink(&self, connector: u32) -> bool {
        self.api_sinks.contains_key(&connector)
    }

    /// Sets what the EVSE of `connector` asks for; returns whether it changed.
    pub fn set_demand(&mut self, connector: u32, demand: Demand) -> bool {
        let changed = self.tree.set_demand(connector, demand);
        self.changed |= changed;
        changed
    }

    /// Whether a limit or a demand changed since the last call (true at first): only then
    /// can a new distribution differ from the last.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    /// Distributes the energy: what every EVSE offers now, in tree order.
    pub fn offers(&self) -> Vec<Offer> {
        let allocation = self.tree.allocate_explained();
        self.tree
            .leaves()
            .iter()
            .zip(allocation)
            .enumerate()
            .map(|(i, (leaf, share))| {
                let (amps, bound) = match leaf.demand {
                    Demand::None => self.tree.prospect_explained(i),
                    _ => share,
                };
                Offer {
                    connector: leaf.connector,
                    amps,
                    max_a: leaf.max_a,
                    source: self.source(bound),
                }
            })
            .collect()
    }

    /// What a [`Bound`] is to the operator: a node whose external limit is at or below its
    /// fuse holds a charging profile's limit; any other node is a fuse.
    fn source(&self, bound: Bound) -> LimitSource {
        let Bound::Node(id) = bound else {
            return LimitSource::Evse;
        };
        match self.tree.node(id) {
            Some(node)
                if node
                    .external_a
                    .is_some_and(|e| node.fuse_a.is_none_or(|f| e <= f)) =>
            {
                if self.api_sinks.values().any(|n| *n == id) {
                    LimitSource::Api
                } else {
                    LimitSource::OcppProfile
                }
            }
            Some(_) => LimitSource::Fuse,
            None => LimitSource::Evse,
        }
    }
}

/// Walks the tree from the trunk, depth first in connection order (the order EVerest's
/// `Market::get_list_of_evses` lists the EVSEs in, and so the order they trade in).
struct Builder<'a> {
    config: &'a StationConfig,
    evses: &'a [EvseLeaf],
    tree: EnergyTree,
    ids: HashMap<&'a str, NodeId>,
    seen: HashSet<&'a str>,
}

impl<'a> Builder<'a> {
    /// EVSE → node of `module`'s `evse_energy_sink` connections (the OCPP or the API module):
    /// each connected EnergyNode by the EVSE of its mapping (0: the station).
    fn sinks_of(&self, module: Option<&ModuleInstance>) -> HashMap<u32, NodeId> {
        let mut sinks = HashMap::new();
        for c in module.map_or(&[][..], |o| o.connections("evse_energy_sink")) {
            let evse = self
                .config
                .module(&c.module_id)
                .and_then(|m| m.mapping_of(c.implementation_id))
                .map(|m| m.evse);
            match (evse, self.ids.get(c.module_id.as_str())) {
                (Some(evse), Some(node)) => {
                    sinks.insert(evse, *node);
                }
                _ => tracing::warn!(
                    module = %c.module_id,
                    "evse_energy_sink is not a node of the energy tree: its limits change nothing"
                ),
            }
        }
        sinks
    }

    fn visit(&mut self, module_id: &'a str, parent: Option<NodeId>) -> Result<(), EnergyError> {
        if !self.seen.insert(module_id) {
            return Err(EnergyError::NotATree {
                module: module_id.to_owned(),
            });
        }
        let Some(module) = self.config.module(module_id) else {
            return Ok(());
        };
        if module.type_name() == module_types::EVSE_MANAGER.name {
            match self.evses.iter().find(|e| e.evse_manager == module_id) {
                Some(e) => self.tree.add_leaf(e.connector, parent, e.max_a, e.min_a),
                None => tracing::warn!(
                    module = module_id,
                    "an EvseManager of the energy tree is no EVSE of the station"
                ),
            }
            return Ok(());
        }
        if module.type_name() != module_types::ENERGY_NODE.name {
            return Ok(());
        }
        let p = &module.parameters;
        let fuse = p.num("fuse_limit_A");
        let phases = p.int("phase_count").and_then(|n| u32::try_from(n).ok());
        let node = self.tree.add_node(module_id, parent, fuse, phases);
        self.ids.insert(module_id, node);
        for child in module.connections("energy_consumer") {
            self.visit(&child.module_id, Some(node))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sil_ocpp(edit: impl Fn(String) -> String) -> StationEnergy {
        let path = "config-sil-ocpp.yaml";
        let text = crate::config::shipped::SIL_OCPP.text.to_owned();
        let config = StationConfig::from_yaml(&edit(text), path).unwrap();
        let evses: Vec<EvseLeaf> = config
            .evses
            .iter()
            .map(|e| EvseLeaf {
                connector: e.id,
                evse_manager: e.evse_manager.clone(),
                max_a: 32.0,
                min_a: 6.0,
            })
            .collect();
        StationEnergy::from_config(&config, &evses).unwrap()
    }

    fn amps(e: &StationEnergy) -> Vec<(u32, f64)> {
        e.offers().iter().map(|o| (o.connector, o.amps)).collect()
    }

    #[test]
    fn the_shipped_tree_shares_the_grid_fuse() {
        let mut e = sil_ocpp(|t| t);
        let names: Vec<&str> = e.tree().nodes().iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "grid_connection_point",
                "evse_manager_1_api_sink",
                "evse_manager_1_ocpp_sink",
                "evse_manager_2_api_sink",
                "evse_manager_2_ocpp_sink"
            ]
        );
        assert_eq!(
            e.sink_names(),
            [
                (0, "grid_connection_point"),
                (1, "evse_manager_1_ocpp_sink"),
                (2, "evse_manager_2_ocpp_sink")
            ]
        );
        assert!(e.take_changed());
        assert!(!e.take_changed());
        // Idle, each would get all it can take.
        assert_eq!(amps(&e), [(1, 32.0), (2, 32.0)]);
        e.set_demand(1, Demand::Full);
        e.set_demand(2, Demand::Full);
        // The grid connection's 40 A fuse, shared.
        assert_eq!(amps(&e), [(1, 20.0), (2, 20.0)]);
        assert_eq!(e.set_limit(0, Some(20.0)), Some(true));
        assert_eq!(amps(&e), [(1, 10.0), (2, 10.0)]);
        assert_eq!(e.set_limit(2, Some(4.0)), Some(true));
        assert_eq!(amps(&e), [(1, 20.0), (2, 0.0)]);
        assert_eq!(e.set_limit(3, Some(4.0)), None);
        assert!(e.take_changed());
        assert_eq!(e.set_limit(2, Some(4.0)), Some(false));
        assert!(!e.take_changed());
        e.set_limit(2, None);
        e.set_demand(2, Demand::None);
        let offers = e.offers();
        assert_eq!(offers[0].amps, 20.0);
        assert_eq!(offers[0].limit(), Some(20.0));
        // Idle: what it would get on joining.
        assert_eq!(offers[1].amps, 10.0);
    }

    #[test]
    fn without_an_energy_manager_the_limits_still_nest() {
        let mut e = sil_ocpp(|t| {
            let start = t.find("  energy_manager:").unwrap_or(0);
            let end = t.find("  evse_manager_1_ocpp_sink:").unwrap_or(start);
            format!("{}{}", &t[..start], &t[end..])
        });
        assert_eq!(e.tree().nodes().len(), 3);
        e.set_demand(1, Demand::Full);
        e.set_demand(2, Demand::Full);
        assert_eq!(amps(&e), [(1, 32.0), (2, 32.0)]);
        e.set_limit(0, Some(24.0));
        e.set_limit(1, Some(8.0));
        assert_eq!(amps(&e), [(1, 8.0), (2, 16.0)]);
        let offers = e.offers();
        assert_eq!(offers[1].limit(), Some(16.0));
    }
}
