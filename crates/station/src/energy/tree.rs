//! The energy tree and its distribution: pure data and arithmetic, no IO, no clock.
//!
//! Nodes are everest-core's EnergyNodes: each carries a fuse (`fuse_limit_A`) and, through its
//! `external_limits` implementation, an external limit (OCPP's Smart Charging); what a node lets
//! through is the lower of the two (EnergyNode `energy_grid/energyImpl.cpp`:
//! `set_external_limits` → `process_schedule_with_limits` caps the external schedule at the
//! fuse). Leaves are the EvseManagers, with their own maximum current, the minimum current a
//! PWM can offer and what they ask for ([`Demand`]).
//!
//! [`EnergyTree::allocate`] mirrors the EnergyManager's trading (EnergyManager
//! `EnergyManagerImpl.cpp` `run_optimizer`, `Broker.cpp` `buy_ampere`,
//! `BrokerFastCharging.cpp` `tradeImpl`): in rounds, every leaf that wants energy buys, in
//! tree order, from what is left on its whole path to the root (every node's limit minus what
//! the leaves below it bought already, and its own maximum). A leaf's first purchase is its
//! minimum current, all or nothing ("try to buy minimal current_A on AC, but don't buy
//! less"): a leaf that cannot get it gets 0 and pauses. Every later purchase is one slice
//! (`slice_ampere`, 0.5 A by default) or whatever is left, whichever is less. Rounds go on
//! until no leaf buys. So the leaves that want energy share each node's allowance in equal
//! slices, each capped by its own maximum, and what one cannot use goes to the others.

/// The EnergyManager's `slice_ampere` default (manifest.yaml): what a leaf buys per round.
pub const DEFAULT_SLICE_A: f64 = 0.5;

/// A safety net for the trading loop (every round but the last buys at least one slice or
/// empties a path, so it ends long before this with any real tree).
const MAX_ROUNDS: usize = 100_000;

/// Below this, amperes are nothing (floating-point dust of the slices).
const EPS: f64 = 1e-9;

/// A node of the tree (an index into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(pub usize);

/// What a leaf asks the energy manager for (everest-core EvseManager
/// `energy_grid/energyImpl.cpp`, `request_energy_from_energy_manager`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Demand {
    /// Nothing: idle with `request_zero_power_in_idle`.
    #[default]
    None,
    /// Only its minimum current: the car paused (ChargingPausedEV), kept offered just enough
    /// to see when it wants to charge again.
    Min,
    /// Up to its maximum: charging, preparing, waiting for authorization.
    Full,
}

/// An EnergyNode.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Its module id.
    pub name: String,
    /// The node above it (`None`: a root).
    pub parent: Option<NodeId>,
    /// `fuse_limit_A`, A per phase (`None`: no fuse).
    pub fuse_a: Option<f64>,
    /// `phase_count`.
    pub phases: Option<u32>,
    /// The external limit set through its `external_limits`, A per phase.
    pub external_a: Option<f64>,
}

impl Node {
    /// What the node lets through, A per phase: the lower of its fuse and its external limit
    /// (`None`: unlimited).
    pub fn limit_a(&self) -> Option<f64> {
        match (self.fuse_a, self.external_a) {
            (Some(f), Some(e)) => Some(f.min(e)),
            (f, e) => f.or(e),
        }
    }
}

/// An EvseManager.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// Its OCPP connector (EVSE id).
    pub connector: u32,
    /// The node it draws through (`None`: not under any node, only its own maximum limits it).
    pub parent: Option<NodeId>,
    /// The most it offers, A per phase (hardware capabilities).
    pub max_a: f64,
    /// The least it can offer, A per phase (IEC 61851-1 PWM: 6 A); less is nothing.
    pub min_a: f64,
    /// The Smart Charging profile's minChargingRate for it, A per phase: raises `min_a`
    /// (everest-core's OCPP module sets it as the limit's `ac_min_current_A`).
    pub min_charging_rate_a: Option<f64>,
    /// `request_zero_power_in_idle`: idle, it asks for nothing.
    pub zero_power_in_idle: bool,
    /// What it asks for now.
    pub demand: Demand,
}

impl Leaf {
    /// The least it is given, or nothing: its minimum, raised by a minChargingRate.
    pub fn least_a(&self) -> f64 {
        self.min_a.max(self.min_charging_rate_a.unwrap_or(0.0))
    }
}

/// The energy tree. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct EnergyTree {
    nodes: Vec<Node>,
    leaves: Vec<Leaf>,
    slice_a: f64,
}

impl Default for EnergyTree {
    fn default() -> Self {
        EnergyTree::new(DEFAULT_SLICE_A)
    }
}

impl EnergyTree {
    /// An empty tree trading in slices of `slice_a` (a slice that is not positive and finite
    /// is [`DEFAULT_SLICE_A`]).
    pub fn new(slice_a: f64) -> Self {
        let slice_a = if slice_a.is_finite() && slice_a > 0.0 {
            slice_a
        } else {
            DEFAULT_SLICE_A
        };
        EnergyTree {
            nodes: Vec::new(),
            leaves: Vec::new(),
            slice_a,
        }
    }

    /// Adds a node under `parent` (which must exist already, so the tree has no cycle).
    pub fn add_node(
        &mut self,
        name: impl Into<String>,
        parent: Option<NodeId>,
        fuse_a: Option<f64>,
        phases: Option<u32>,
    ) -> NodeId {
        let parent = parent.filter(|p| p.0 < self.nodes.len());
        self.nodes.push(Node {
            name: name.into(),
            parent,
            fuse_a: fuse_a.map(sane),
            phases,
            external_a: None,
        });
        NodeId(self.nodes.len() - 1)
    }

    /// Adds a leaf (an EVSE) under `parent`; it asks for nothing until
    /// [`set_demand`](Self::set_demand).
    pub fn add_leaf(&mut self, connector: u32, parent: Option<NodeId>, max_a: f64, min_a: f64) {
        self.leaves.push(Leaf {
            connector,
            parent: parent.filter(|p| p.0 < self.nodes.len()),
            max_a: sane(max_a),
            min_a: sane(min_a),
            min_charging_rate_a: None,
            zero_power_in_idle: true,
            demand: Demand::None,
        });
    }

    /// Sets the minChargingRate of the leaf of `connector`, A per phase (`None`: none);
    /// returns whether it changed.
    pub fn set_min_charging_rate(&mut self, connector: u32, amps: Option<f64>) -> bool {
        let amps = amps.map(sane);
        match self.leaves.iter_mut().find(|l| l.connector == connector) {
            Some(l) if l.min_charging_rate_a != amps => {
                l.min_charging_rate_a = amps;
                true
            }
            _ => false,
        }
    }

    /// Sets `request_zero_power_in_idle` of the leaf of `connector`.
    pub fn set_zero_power_in_idle(&mut self, connector: u32, zero: bool) {
        if let Some(l) = self.leaves.iter_mut().find(|l| l.connector == connector) {
            l.zero_power_in_idle = zero;
        }
    }

    /// The nodes, in the order they were added.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The leaves, in tree order (the order they trade in).
    pub fn leaves(&self) -> &[Leaf] {
        &self.leaves
    }

    /// The node `id`.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.0)
    }

    /// Sets the external limit of `node`, A per phase (`None`: none); returns whether it
    /// changed.
    pub fn set_external_limit(&mut self, node: NodeId, amps: Option<f64>) -> bool {
        let Some(n) = self.nodes.get_mut(node.0) else {
            return false;
        };
        let amps = amps.map(sane);
        let changed = n.external_a != amps;
        n.external_a = amps;
        changed
    }

    /// Sets what the leaf of `connector` asks for; returns whether it changed.
    pub fn set_demand(&mut self, connector: u32, demand: Demand) -> bool {
        match self.leaves.iter_mut().find(|l| l.connector == connector) {
            Some(l) if l.demand != demand => {
                l.demand = demand;
                true
            }
            _ => false,
        }
    }

    /// What each leaf may draw now, A per phase, in leaf order: the trading of the module
    /// docs over the leaves' demands (a leaf that asks for nothing gets 0).
    pub fn allocate(&self) -> Vec<f64> {
        let demands: Vec<Demand> = self.leaves.iter().map(|l| l.demand).collect();
        self.trade(&demands).bought
    }

    /// [`allocate`](Self::allocate), with what bounds each leaf's share.
    pub fn allocate_explained(&self) -> Vec<(f64, Bound)> {
        let demands: Vec<Demand> = self.leaves.iter().map(|l| l.demand).collect();
        let trade = self.trade(&demands);
        (0..self.leaves.len())
            .map(|i| (trade.bought[i], self.bound(i, &trade)))
            .collect()
    }

    /// What the leaf at `index` would get if it asked for all it can take now, the others
    /// asking what they do: what an idle EVSE offers as soon as a car wants energy, until
    /// the next distribution counts it in.
    pub fn prospect(&self, index: usize) -> f64 {
        self.prospect_explained(index).0
    }

    /// [`prospect`](Self::prospect), with what would bound it.
    pub fn prospect_explained(&self, index: usize) -> (f64, Bound) {
        let mut demands: Vec<Demand> = self.leaves.iter().map(|l| l.demand).collect();
        match demands.get_mut(index) {
            Some(d) => *d = Demand::Full,
            None => return (0.0, Bound::Leaf),
        }
        let trade = self.trade(&demands);
        let amps = trade.bought.get(index).copied().unwrap_or(0.0);
        (amps, self.bound(index, &trade))
    }

    /// What stopped the leaf at `index` from buying more: its own maximum (it got all it
    /// wanted), else the node on its path with the least left (the one it ran dry, or for a
    /// leaf that could not even buy its minimum, the one that had too little).
    fn bound(&self, index: usize, trade: &Trade) -> Bound {
        let (Some(leaf), Some(&bought), Some(&wants)) = (
            self.leaves.get(index),
            trade.bought.get(index),
            trade.wants.get(index),
        ) else {
            return Bound::Leaf;
        };
        if wants > EPS && bought + EPS >= wants {
            return Bound::Leaf;
        }
        self.path(leaf)
            .into_iter()
            .filter_map(|n| Some((n, *trade.remaining.get(n)?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(Bound::Leaf, |(n, _)| Bound::Node(NodeId(n)))
    }

    /// The nodes from `leaf`'s parent up to its root.
    fn path(&self, leaf: &Leaf) -> Vec<usize> {
        let mut path = Vec::new();
        let mut next = leaf.parent;
        while let Some(NodeId(i)) = next {
            // `add_node` only takes parents that exist already: no cycle, but stay bounded.
            if path.contains(&i) || path.len() > self.nodes.len() {
                break;
            }
            path.push(i);
            next = self.nodes.get(i).and_then(|n| n.parent);
        }
        path
    }

    fn trade(&self, demands: &[Demand]) -> Trade {
        let mut remaining: Vec<f64> = self
            .nodes
            .iter()
            .map(|n| n.limit_a().unwrap_or(f64::INFINITY))
            .collect();
        let paths: Vec<Vec<usize>> = self.leaves.iter().map(|l| self.path(l)).collect();
        // What each leaf asks for at most (EvseManager: its hardware maximum; paused by the
        // car, its minimum).
        let wants: Vec<f64> = self
            .leaves
            .iter()
            .zip(demands)
            .map(|(l, d)| match d {
                Demand::None => 0.0,
                Demand::Min => l.least_a().min(l.max_a),
                Demand::Full => l.max_a,
            })
            .collect();
        let mut bought = vec![0.0; self.leaves.len()];
        let mut started = vec![false; self.leaves.len()];
        for _ in 0..MAX_ROUNDS {
            let mut traded = false;
            for (i, leaf) in self.leaves.iter().enumerate() {
                if wants[i] <= EPS {
                    continue;
                }
                let available = paths[i]
                    .iter()
                    .map(|&n| remaining[n])
                    .fold(wants[i] - bought[i], f64::min);
                let amount = if !started[i] {
                    // BrokerFastCharging::tradeImpl: the first trade buys the minimum
                    // current or nothing (`buy_ampere_import(.., allow_less = false)`).
                    if available + EPS >= leaf.least_a() {
                        leaf.least_a()
                    } else {
                        continue;
                    }
                } else if available > EPS {
                    // Later trades buy a slice, or the leftovers (`allow_less = true`).
                    available.min(self.slice_a)
                } else {
                    continue;
                };
                started[i] = true;
                bought[i] += amount;
                for &n in &paths[i] {
                    remaining[n] -= amount;
                }
                traded = amount > EPS || traded;
            }
            if !traded {
                break;
            }
        }
        Trade {
            bought,
            wants,
            remaining,
        }
    }
}

/// The result of a trading: what each leaf bought and wanted, what each node has left.
struct Trade {
    bought: Vec<f64>,
    wants: Vec<f64>,
    remaining: Vec<f64>,
}

/// What bounds a leaf's share (see [`EnergyTree::allocate_explained`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The leaf itself: it got all it asks for (its maximum, or its minimum while the car
    /// paused), or it asks for nothing and no node is in the way.
    Leaf,
    /// This node: its limit (fuse or external), shared with the other leaves below it.
    Node(NodeId),
}

/// A current from a config or a profile, made usable: not a number or negative is 0.
fn sane(a: f64) -> f64 {
    if a.is_nan() {
        0.0
    } else {
        a.max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 6.0;

    /// grid (fuse) → one node per EVSE (fuse 32) → EVSE (max 32).
    fn station(grid_fuse: Option<f64>, evses: u32) -> (EnergyTree, NodeId, Vec<NodeId>) {
        let mut t = EnergyTree::default();
        let grid = t.add_node("grid_connection_point", None, grid_fuse, Some(3));
        let mut sinks = Vec::new();
        for c in 1..=evses {
            let n = t.add_node(format!("evse_{c}_sink"), Some(grid), Some(32.0), Some(3));
            t.add_leaf(c, Some(n), 32.0, MIN);
            sinks.push(n);
        }
        (t, grid, sinks)
    }

    fn charging(t: &mut EnergyTree, connectors: &[u32]) {
        for &c in connectors {
            t.set_demand(c, Demand::Full);
        }
    }

    #[test]
    fn distribution_table() {
        struct Case {
            name: &'static str,
            grid_fuse: Option<f64>,
            station_limit: Option<f64>,
            evse_limits: [Option<f64>; 2],
            demands: [Demand; 2],
            expect: [f64; 2],
        }
        use Demand::{Full, Min, None as Idle};
        let cases = [
            Case {
                name: "fuse limit only",
                grid_fuse: Some(24.0),
                station_limit: None,
                evse_limits: [None, None],
                demands: [Full, Full],
                expect: [12.0, 12.0],
            },
            Case {
                name: "nothing limits below the EVSEs' maximum",
                grid_fuse: Some(80.0),
                station_limit: None,
                evse_limits: [None, None],
                demands: [Full, Full],
                expect: [32.0, 32.0],
            },
            Case {
                name: "station limit shared by two charging EVSEs",
                grid_fuse: Some(40.0),
                station_limit: Some(20.0),
                evse_limits: [None, None],
                demands: [Full, Full],
                expect: [10.0, 10.0],
            },
            Case {
                name: "idle EVSE gets nothing, the other the whole allowance",
                grid_fuse: Some(40.0),
                station_limit: Some(20.0),
                evse_limits: [None, None],
                demands: [Full, Idle],
                expect: [20.0, 0.0],
            },
            Case {
                name: "the whole allowance only up to the EVSE's maximum",
                grid_fuse: Some(40.0),
                station_limit: None,
                evse_limits: [None, None],
                demands: [Idle, Full],
                expect: [0.0, 32.0],
            },
            Case {
                name: "per-EVSE limit below its share leaves the rest to the other",
                grid_fuse: Some(40.0),
                station_limit: Some(20.0),
                evse_limits: [Some(7.0), None],
                demands: [Full, Full],
                expect: [7.0, 13.0],
            },
            Case {
                name: "per-EVSE limit below 6 A pauses that EVSE",
                grid_fuse: Some(40.0),
                station_limit: Some(20.0),
                evse_limits: [None, Some(5.0)],
                demands: [Full, Full],
                expect: [20.0, 0.0],
            },
            Case {
                name: "station limit below 6 A: nobody charges",
                grid_fuse: Some(40.0),
                station_limit: Some(5.5),
                evse_limits: [None, None],
                demands: [Full, Full],
                expect: [0.0, 0.0],
            },
            Case {
                name: "not enough for two minimums: the first in tree order takes all",
                grid_fuse: Some(40.0),
                station_limit: Some(10.0),
                evse_limits: [None, None],
                demands: [Full, Full],
                expect: [10.0, 0.0],
            },
            Case {
                name: "a car that paused keeps its minimum",
                grid_fuse: Some(40.0),
                station_limit: Some(20.0),
                evse_limits: [None, None],
                demands: [Min, Full],
                expect: [6.0, 14.0],
            },
            Case {
                name: "external limit above the fuse: the fuse holds",
                grid_fuse: Some(16.0),
                station_limit: Some(30.0),
                evse_limits: [None, None],
                demands: [Full, Idle],
                expect: [16.0, 0.0],
            },
        ];
        for case in cases {
            let (mut t, grid, sinks) = station(case.grid_fuse, 2);
            t.set_external_limit(grid, case.station_limit);
            for (n, l) in sinks.iter().zip(case.evse_limits) {
                t.set_external_limit(*n, l);
            }
            for (c, d) in (1..).zip(case.demands) {
                t.set_demand(c, d);
            }
            let got = t.allocate();
            assert_eq!(got, case.expect, "{}", case.name);
            let total = got.iter().sum::<f64>();
            let cap = [case.grid_fuse, case.station_limit]
                .into_iter()
                .flatten()
                .fold(f64::INFINITY, f64::min);
            assert!(total <= cap + EPS, "{}: {total} > {cap}", case.name);
        }
    }

    #[test]
    fn uneven_shares_come_in_slices() {
        let (mut t, grid, _) = station(Some(100.0), 3);
        charging(&mut t, &[1, 2, 3]);
        t.set_external_limit(grid, Some(20.0));
        // 6 A each, then 0.5 A slices round-robin: 18 + 0.5 + 0.5 + 0.5 + 0.5.
        assert_eq!(t.allocate(), vec![7.0, 6.5, 6.5]);
    }

    #[test]
    fn odd_leftover_goes_to_whoever_can_take_it() {
        let (mut t, grid, _) = station(Some(100.0), 2);
        charging(&mut t, &[1, 2]);
        t.set_external_limit(grid, Some(20.3));
        let got = t.allocate();
        assert!((got.iter().sum::<f64>() - 20.3).abs() < 1e-6, "{got:?}");
        assert!((got[0] - got[1]).abs() <= 0.5 + 1e-6, "{got:?}");
    }

    #[test]
    fn clearing_a_limit_restores_the_fuse() {
        let (mut t, grid, _) = station(Some(40.0), 2);
        charging(&mut t, &[1, 2]);
        assert!(t.set_external_limit(grid, Some(20.0)));
        assert!(!t.set_external_limit(grid, Some(20.0)));
        assert_eq!(t.allocate(), vec![10.0, 10.0]);
        assert!(t.set_external_limit(grid, None));
        assert_eq!(t.allocate(), vec![20.0, 20.0]);
    }

    #[test]
    fn prospect_of_an_idle_evse_is_its_share_if_it_joined() {
        let (mut t, grid, _) = station(Some(40.0), 2);
        t.set_external_limit(grid, Some(20.0));
        charging(&mut t, &[1]);
        assert_eq!(t.allocate(), vec![20.0, 0.0]);
        assert_eq!(t.prospect(1), 10.0);
        assert_eq!(t.prospect(0), 20.0);
        assert_eq!(t.prospect(5), 0.0);
    }

    #[test]
    fn a_leaf_outside_the_tree_is_limited_by_its_maximum_only() {
        let mut t = EnergyTree::default();
        t.add_leaf(1, None, 16.0, MIN);
        t.set_demand(1, Demand::Full);
        assert_eq!(t.allocate(), vec![16.0]);
    }

    #[test]
    fn a_maximum_below_the_minimum_gets_nothing() {
        let mut t = EnergyTree::default();
        t.add_leaf(1, None, 5.0, MIN);
        t.set_demand(1, Demand::Full);
        assert_eq!(t.allocate(), vec![0.0]);
    }

    #[test]
    fn a_min_charging_rate_raises_the_minimum() {
        let (mut t, grid, _) = station(Some(40.0), 1);
        t.set_external_limit(grid, Some(8.0));
        charging(&mut t, &[1]);
        assert_eq!(t.allocate(), vec![8.0]);
        assert!(t.set_min_charging_rate(1, Some(10.0)));
        assert!(!t.set_min_charging_rate(1, Some(10.0)), "unchanged");
        assert_eq!(t.allocate(), vec![0.0], "8 A is less than the 10 A minimum");
        t.set_external_limit(grid, Some(12.0));
        assert_eq!(t.allocate(), vec![12.0]);
        assert!(t.set_min_charging_rate(1, None));
        t.set_external_limit(grid, Some(8.0));
        assert_eq!(t.allocate(), vec![8.0]);
    }

    #[test]
    fn nested_nodes_cap_their_subtree() {
        // grid 40 → { sub (fuse 12) → EVSE 1, EVSE 2 } → EVSE 3 directly under the grid.
        let mut t = EnergyTree::default();
        let grid = t.add_node("grid", None, Some(40.0), Some(3));
        let sub = t.add_node("sub", Some(grid), Some(12.0), Some(3));
        t.add_leaf(1, Some(sub), 32.0, MIN);
        t.add_leaf(2, Some(sub), 32.0, MIN);
        t.add_leaf(3, Some(grid), 32.0, MIN);
        charging(&mut t, &[1, 2, 3]);
        assert_eq!(t.allocate(), vec![6.0, 6.0, 28.0]);
    }

    #[test]
    fn bad_numbers_are_zero() {
        let mut t = EnergyTree::new(f64::NAN);
        let n = t.add_node("n", None, Some(f64::NAN), None);
        t.add_leaf(1, Some(n), 32.0, MIN);
        t.set_demand(1, Demand::Full);
        assert_eq!(t.allocate(), vec![0.0]);
        t.set_external_limit(n, Some(-3.0));
        assert_eq!(t.node(n).and_then(Node::limit_a), Some(0.0));
    }
}
