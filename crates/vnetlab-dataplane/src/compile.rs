//! The compiled program: per subnet, its effective route rows, LPM table and `VirtualNetwork`
//! view; per NSG, one classifier per direction; per NIC, the indices a verdict needs. Compiled
//! parts are shared (`Arc`) so that [`Plane::recompile`] rebuilds only what a change touches and
//! reuses the rest by pointer.

use crate::api::{Direction, Protocol};
use crate::classifier::{Classifier, Key};
use crate::fxhash::FxMap;
use crate::lpm::Lpm;
use crate::model::*;
use crate::parse;
use crate::prefix::is_public;
use crate::routes::{compile_lpm, subnet_rows, Row};
use crate::security::{proto_code, AsgIps};
use crate::tags::{vnet_view, VnetView};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug)]
pub struct SubnetPlane {
    pub rows: Vec<Row>,
    pub fast: Vec<crate::queries::FastHop>,
    pub lpm: Lpm,
    pub view: VnetView,
}

#[derive(Debug)]
pub struct Layer {
    /// Positions in the NSG's rule list, in priority order.
    pub rules: Vec<u32>,
    /// Whether each of those rules allows (kept here so a verdict touches no rule record).
    pub allows: Vec<bool>,
    pub classifier: Classifier,
}

#[derive(Debug)]
pub struct NsgPlane {
    pub inbound: Layer,
    pub outbound: Layer,
}

/// What a verdict needs about a NIC, by index.
#[derive(Debug, Clone, Copy)]
pub struct NicFast {
    pub subnet: Option<Ix>,
    pub vnet: Option<Ix>,
    pub nic_nsg: Option<Ix>,
    pub subnet_nsg: Option<Ix>,
    pub ip: u32,
}

#[derive(Debug, Clone)]
pub struct Plane {
    pub model: Arc<Model>,
    pub subnets: Vec<Arc<SubnetPlane>>,
    pub nsgs: Vec<Arc<NsgPlane>>,
    pub nics: Vec<NicFast>,
    /// (VNet, private IP) → ipConfiguration.
    pub by_ip: FxMap<(u32, u32), Ix>,
    /// Public IP → ipConfiguration it is attached to.
    pub by_public_ip: FxMap<u32, Ix>,
    pub asgs: Arc<AsgIps>,
    pub generation: u64,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

fn asg_ips(m: &Model) -> AsgIps {
    m.asg_members
        .iter()
        .map(|(k, v)| {
            let mut ips: Vec<u32> = v
                .iter()
                .filter_map(|&c| m.ipconfigs[c as usize].ip.map(u32::from))
                .collect();
            ips.sort_unstable();
            ips.dedup();
            (k.clone(), ips)
        })
        .collect()
}

fn compile_subnet(m: &Model, s: Ix) -> SubnetPlane {
    let rows = subnet_rows(m, s);
    let lpm = compile_lpm(&rows);
    let fast = crate::queries::fast_hops(m, m.subnets[s as usize].vnet, &rows);
    SubnetPlane {
        fast,
        rows,
        lpm,
        view: vnet_view(m, s),
    }
}

fn compile_nsg(m: &Model, n: Ix, asgs: &AsgIps) -> NsgPlane {
    let nsg = &m.nsgs[n as usize];
    let layer = |inbound: bool| {
        let pos: Vec<u32> = nsg
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.inbound == inbound)
            .map(|(i, _)| i as u32)
            .collect();
        let rules: Vec<&Rule> = pos.iter().map(|&i| &nsg.rules[i as usize]).collect();
        Layer {
            classifier: Classifier::build(&rules, asgs),
            allows: rules.iter().map(|r| r.allow).collect(),
            rules: pos,
        }
    };
    NsgPlane {
        inbound: layer(true),
        outbound: layer(false),
    }
}

type Indexes = (Vec<NicFast>, FxMap<(u32, u32), Ix>, FxMap<u32, Ix>);

fn indexes(m: &Model) -> Indexes {
    let mut nics = Vec::with_capacity(m.nics.len());
    for n in &m.nics {
        let cfg = n.ipconfigs.first().map(|&c| &m.ipconfigs[c as usize]);
        let subnet = cfg.and_then(|c| c.subnet);
        nics.push(NicFast {
            subnet,
            vnet: subnet.map(|s| m.subnets[s as usize].vnet),
            nic_nsg: n.nsg,
            subnet_nsg: subnet.and_then(|s| m.subnets[s as usize].nsg),
            ip: cfg.and_then(|c| c.ip).map(u32::from).unwrap_or(0),
        });
    }
    let mut by_ip = FxMap::default();
    for (i, c) in m.ipconfigs.iter().enumerate() {
        if let (Some(ip), Some(v)) = (c.ip, m.vnet_of_ipconfig(i as Ix)) {
            by_ip.entry((v, u32::from(ip))).or_insert(i as Ix);
        }
    }
    let mut by_public_ip = FxMap::default();
    for p in &m.public_ips {
        if let (Some(a), Some(c)) = (p.address, p.ipconfig) {
            by_public_ip.insert(u32::from(a), c);
        }
    }
    (nics, by_ip, by_public_ip)
}

/// `f(0..n)` in order, spread over the machine's cores (compilation units are independent).
fn par_map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .min(16);
    if threads <= 1 || n < 64 {
        return (0..n).map(f).collect();
    }
    // Interleaved assignment balances big and small units.
    let parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                s.spawn(move || {
                    (t..n)
                        .step_by(threads)
                        .map(|i| (i, f(i)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut all: Vec<(usize, T)> = parts.into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

impl Plane {
    pub fn compile(model: Arc<Model>) -> Plane {
        let m = &*model;
        let asgs = Arc::new(asg_ips(m));
        let subnets = par_map(m.subnets.len(), |s| Arc::new(compile_subnet(m, s as Ix)));
        let nsgs = par_map(m.nsgs.len(), |n| Arc::new(compile_nsg(m, n as Ix, &asgs)));
        let (nics, by_ip, by_public_ip) = indexes(m);
        Plane {
            subnets,
            nsgs,
            nics,
            by_ip,
            by_public_ip,
            asgs,
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            model,
        }
    }

    /// Recompiles for `model` (the estate after a change), reusing every compiled subnet and
    /// NSG the changed ids cannot affect. Falls back to a full compile when a change's reach is
    /// not known.
    pub fn recompile(&self, model: Arc<Model>, changed: &[String]) -> Plane {
        let old = &*self.model;
        let new = &*model;
        let mut dirty_subnets: HashSet<String> = HashSet::new();
        let mut dirty_nsgs: HashSet<String> = HashSet::new();
        let mut dirty_vnets: HashSet<String> = HashSet::new();
        let mut asgs_changed = false;
        for id in changed {
            let key = id.to_ascii_lowercase();
            let t = parse::type_of_id(&key).unwrap_or_default();
            let root = root_of(&key, &t);
            match t.as_str() {
                parse::ROUTE_TABLE | parse::ROUTE => {
                    for m in [old, new] {
                        if let Some(Ref::RouteTable(rt)) = m.get(&root) {
                            for &s in &m.route_tables[rt as usize].subnets {
                                dirty_subnets.insert(m.subnets[s as usize].id.to_ascii_lowercase());
                            }
                        }
                    }
                }
                parse::SUBNET => {
                    dirty_subnets.insert(key.clone());
                }
                parse::NSG | parse::RULE | parse::DEFAULT_RULE => {
                    dirty_nsgs.insert(root.clone());
                }
                parse::ASG | parse::NIC | parse::NIC_IPCONFIG => asgs_changed = true,
                parse::VM | parse::PUBLIC_IP | parse::ZONE | parse::ZONE_LINK | parse::A_RECORD => {
                }
                parse::VNET | parse::PEERING => {
                    dirty_vnets.insert(root.clone());
                    if t == parse::PEERING {
                        for m in [old, new] {
                            if let Some(Ref::Link(l)) = m.get(&key) {
                                dirty_vnets
                                    .insert(m.links[l as usize].remote_id.to_ascii_lowercase());
                            }
                        }
                    }
                }
                parse::GATEWAY | parse::GATEWAY_IPCONFIG | parse::CONNECTION | parse::LNG => {
                    for m in [old, new] {
                        for g in &m.gateways {
                            if let Some(v) = g.vnet {
                                dirty_vnets.insert(m.vnets[v as usize].id.to_ascii_lowercase());
                            }
                        }
                    }
                }
                _ => return Plane::compile(model),
            }
        }
        // A VNet-level change reaches its peers and, through gateways, their neighbours.
        if !dirty_vnets.is_empty() {
            let mut frontier: Vec<String> = dirty_vnets.iter().cloned().collect();
            for _ in 0..3 {
                let mut next = Vec::new();
                for key in &frontier {
                    for m in [old, new] {
                        let Some(Ref::Vnet(v)) = m.get(key) else {
                            continue;
                        };
                        let vn = &m.vnets[v as usize];
                        let mut neighbours: Vec<String> = vn
                            .links
                            .iter()
                            .map(|&l| m.links[l as usize].remote_id.to_ascii_lowercase())
                            .collect();
                        if let Some(g) = vn.gateway {
                            for c in &m.conns {
                                if c.gw1 == Some(g) || c.gw2 == Some(g) {
                                    for o in [c.gw1, c.gw2].into_iter().flatten() {
                                        if let Some(ov) = m.gateways[o as usize].vnet {
                                            neighbours
                                                .push(m.vnets[ov as usize].id.to_ascii_lowercase());
                                        }
                                    }
                                }
                            }
                        }
                        for n in neighbours {
                            if dirty_vnets.insert(n.clone()) {
                                next.push(n);
                            }
                        }
                    }
                }
                frontier = next;
            }
            for m in [old, new] {
                for key in &dirty_vnets {
                    if let Some(Ref::Vnet(v)) = m.get(key) {
                        for &s in &m.vnets[v as usize].subnets {
                            dirty_subnets.insert(m.subnets[s as usize].id.to_ascii_lowercase());
                        }
                    }
                }
            }
        }
        let asgs = if asgs_changed {
            let a = asg_ips(new);
            if a != *self.asgs {
                // NSGs naming a changed ASG recompile.
                for (k, v) in a.iter() {
                    if self.asgs.get(k) != Some(v) {
                        mark_nsgs_using(new, k, &mut dirty_nsgs);
                    }
                }
                for k in self.asgs.keys() {
                    if !a.contains_key(k) {
                        mark_nsgs_using(new, k, &mut dirty_nsgs);
                    }
                }
            }
            Arc::new(a)
        } else {
            self.asgs.clone()
        };
        let subnets = new
            .subnets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let key = s.id.to_ascii_lowercase();
                match old.get(&key) {
                    Some(Ref::Subnet(o)) if !dirty_subnets.contains(&key) => {
                        self.subnets[o as usize].clone()
                    }
                    _ => Arc::new(compile_subnet(new, i as Ix)),
                }
            })
            .collect();
        let nsgs = new
            .nsgs
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let key = n.id.to_ascii_lowercase();
                match old.get(&key) {
                    Some(Ref::Nsg(o)) if !dirty_nsgs.contains(&key) => {
                        self.nsgs[o as usize].clone()
                    }
                    _ => Arc::new(compile_nsg(new, i as Ix, &asgs)),
                }
            })
            .collect();
        let (nics, by_ip, by_public_ip) = indexes(new);
        Plane {
            subnets,
            nsgs,
            nics,
            by_ip,
            by_public_ip,
            asgs,
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            model,
        }
    }

    /// Evaluates one NSG layer for a NIC's view: (allowed, deciding rule position in the NSG).
    #[inline]
    pub fn eval_nsg(&self, nsg: Ix, dir: Direction, k: &Key) -> (bool, Option<u32>) {
        let Some(plane) = self.nsgs.get(nsg as usize) else {
            return (true, None);
        };
        let layer = match dir {
            Direction::Inbound => &plane.inbound,
            Direction::Outbound => &plane.outbound,
        };
        match layer.classifier.lookup(k) {
            Some(i) => (
                layer.allows.get(i).copied().unwrap_or(false),
                layer.rules.get(i).copied(),
            ),
            None => (false, None),
        }
    }

    pub fn key(
        &self,
        view: &VnetView,
        proto: Protocol,
        src: u32,
        sport: u16,
        dst: u32,
        dport: u16,
    ) -> Key {
        Key {
            proto: proto_code(proto),
            src,
            sport,
            dst,
            dport,
            src_vnet: view.set.contains(src),
            dst_vnet: view.set.contains(dst),
            src_inet: is_public(src),
            dst_inet: is_public(dst),
        }
    }

    /// Both NSG levels of a NIC in one direction, in Azure's order. Returns each level's
    /// (nsg, allowed, rule position) as evaluated (a denying first level stops evaluation).
    pub fn eval_nic(&self, nic: Ix, dir: Direction, k: &Key) -> Vec<(Ix, bool, Option<u32>)> {
        let Some(f) = self.nics.get(nic as usize) else {
            return Vec::new();
        };
        let order = match dir {
            Direction::Inbound => [f.subnet_nsg, f.nic_nsg],
            Direction::Outbound => [f.nic_nsg, f.subnet_nsg],
        };
        let mut out = Vec::with_capacity(2);
        for n in order.into_iter().flatten() {
            let (ok, r) = self.eval_nsg(n, dir, k);
            out.push((n, ok, r));
            if !ok {
                break;
            }
        }
        out
    }

    /// Fast allow/deny for one NIC and direction (no allocation).
    #[inline]
    pub fn nic_allows(&self, f: &NicFast, dir: Direction, k: &Key) -> bool {
        let order = match dir {
            Direction::Inbound => [f.subnet_nsg, f.nic_nsg],
            Direction::Outbound => [f.nic_nsg, f.subnet_nsg],
        };
        order
            .into_iter()
            .flatten()
            .all(|n| self.eval_nsg(n, dir, k).0)
    }
}

fn mark_nsgs_using(m: &Model, asg: &str, out: &mut HashSet<String>) {
    for n in &m.nsgs {
        if n.rules.iter().any(|r| {
            r.src
                .iter()
                .chain(r.dst.iter())
                .any(|i| matches!(i, AddrItem::Asg(a) if a == asg))
        }) {
            out.insert(n.id.to_ascii_lowercase());
        }
    }
}

/// The tracked-root id of a (lower-cased) id: the id itself for top-level types, the parent
/// for child types.
fn root_of(key: &str, t: &str) -> String {
    if t.matches('/').count() >= 2 {
        parse::parent_key(key)
    } else {
        key.to_string()
    }
}
