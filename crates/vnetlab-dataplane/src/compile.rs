//! The compiled program: per subnet, its effective route rows, LPM table and `VirtualNetwork`
//! view; per NSG, one classifier per direction (compiled for the local classes of the NICs it
//! applies to); per NIC and ipConfiguration, the indices a verdict needs, including each
//! address's local class in each of its NSG layers. Compiled parts are shared (`Arc`) so that
//! [`Plane::recompile`] rebuilds only what a change touches and reuses the rest by pointer.

use crate::api::{Direction, Protocol};
use crate::classifier::{Addr, AsgNumbers, Classifier, LocalRules, NONE, NO_CLASS};
use crate::lpm::Lpm;
use crate::model::*;
use crate::parse;
use crate::prefix::is_public;
use crate::routes::{compile_lpm, subnet_rows, Row};
use crate::security::AsgIps;
use crate::tags::{vnet_view, VnetView};
use rustc_hash::FxHashMap as FxMap;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug)]
pub struct SubnetPlane {
    pub rows: Vec<Row>,
    pub lpm: Lpm,
    pub view: VnetView,
    pub route_view: crate::queries::RouteView,
}

#[derive(Debug)]
pub struct Layer {
    /// Positions in the NSG's rule list, in priority order.
    pub rules: Vec<u32>,
    pub classifier: Classifier,
}

impl Layer {
    /// (allowed, deciding rule position in the NSG) of a [`Classifier::first_match`] code.
    #[inline]
    pub fn verdict(&self, code: u32) -> (bool, Option<u32>) {
        if code == NONE {
            (false, None)
        } else {
            (code & 1 == 1, self.rules.get((code >> 1) as usize).copied())
        }
    }
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
    /// The local class of `ip` in each NSG layer, by [`Slot`] ([`NO_CLASS`] where none).
    pub classes: [u32; 4],
    /// `ip`'s ASGs ([`AsgNumbers::entry`]).
    pub asgs: [u32; 2],
}

/// What the fast path needs about a destination address, in the address index itself (no
/// further lookups before its NSGs): its NIC's subnet, inbound NSG levels in Azure's order
/// with the address's classes, and the first range of its VNet's space (in its view).
#[derive(Debug, Clone, Copy)]
pub struct DestFast {
    pub subnet: Option<Ix>,
    pub nsgs: [Option<Ix>; 2],
    pub classes: [u32; 2],
    pub own: (u32, u32),
    /// The address's ASGs ([`AsgNumbers::entry`]), for the source's outbound ASG rules.
    pub asgs: [u32; 2],
}

/// The NSG layers of a NIC, as indices of [`NicFast::classes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    OutboundNic = 0,
    OutboundSubnet = 1,
    InboundSubnet = 2,
    InboundNic = 3,
}

/// A NIC's NSG levels in one direction, in Azure's order (§6.4), with their slots.
#[inline]
fn levels(f: &NicFast, inbound: bool) -> [(Option<Ix>, Slot); 2] {
    if inbound {
        [
            (f.subnet_nsg, Slot::InboundSubnet),
            (f.nic_nsg, Slot::InboundNic),
        ]
    } else {
        [
            (f.nic_nsg, Slot::OutboundNic),
            (f.subnet_nsg, Slot::OutboundSubnet),
        ]
    }
}

/// A packet as NSG evaluation sees it (`proto`: 0 TCP, 1 UDP, 2 ICMP).
#[derive(Debug, Clone, Copy)]
pub struct Packet {
    pub proto: u8,
    pub src: u32,
    pub sport: u16,
    pub dst: u32,
    pub dport: u16,
}

#[derive(Debug, Clone)]
pub struct Plane {
    pub model: Arc<Model>,
    pub subnets: Vec<Arc<SubnetPlane>>,
    pub nsgs: Vec<Arc<NsgPlane>>,
    pub nics: Vec<NicFast>,
    /// By ipConfiguration: its address's local classes, by [`Slot`] (seen from its NIC's
    /// subnet).
    pub cfgs: Vec<[u32; 4]>,
    /// (VNet, private IP) → the fast path's view of the ipConfiguration `by_ip` names.
    pub dests: FxMap<(u32, u32), DestFast>,
    /// (VNet, private IP) → ipConfiguration.
    pub by_ip: FxMap<(u32, u32), Ix>,
    /// Public IP → ipConfiguration it is attached to.
    pub by_public_ip: FxMap<u32, Ix>,
    pub asgs: Arc<AsgIps>,
    pub asg_numbers: Arc<AsgNumbers>,
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
    let view = vnet_view(m, s);
    SubnetPlane {
        route_view: crate::queries::RouteView::build(&lpm, &fast, &view),
        rows,
        lpm,
        view,
    }
}

/// One direction of an NSG: positions in its rule list and the rules, in priority order.
fn direction_rules(m: &Model, n: Ix, inbound: bool) -> (Vec<u32>, Vec<&Rule>) {
    let nsg = &m.nsgs[n as usize];
    let pos: Vec<u32> = nsg
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.inbound == inbound)
        .map(|(i, _)| i as u32)
        .collect();
    let rules = pos.iter().map(|&i| &nsg.rules[i as usize]).collect();
    (pos, rules)
}

/// The local classes one NSG direction must be compiled for, collected from the NICs it
/// applies to (`masks[i]` is class `i`).
#[derive(Debug, Clone, Default)]
struct Plan {
    local: LocalRules,
    index: FxMap<Box<[u64]>, u32>,
    masks: Vec<Box<[u64]>>,
    /// Classes were added (or the layer is new): it must be compiled.
    grew: bool,
}

impl Plan {
    fn new(m: &Model, n: Ix, inbound: bool, asgs: &AsgNumbers) -> Plan {
        Plan {
            local: LocalRules::new(&direction_rules(m, n, inbound).1, inbound, asgs),
            grew: true,
            ..Plan::default()
        }
    }

    /// The classes of an already compiled layer: a NIC whose class is among them reuses it.
    fn of(c: &Classifier) -> Plan {
        Plan {
            local: c.local().clone(),
            index: c
                .masks()
                .iter()
                .enumerate()
                .map(|(i, m)| (m.clone(), i as u32))
                .collect(),
            masks: c.masks().to_vec(),
            grew: false,
        }
    }

    fn class(&mut self, mask: &[u64]) -> u32 {
        if let Some(&c) = self.index.get(mask) {
            return c;
        }
        let c = self.masks.len() as u32;
        let b: Box<[u64]> = mask.into();
        self.masks.push(b.clone());
        self.index.insert(b, c);
        self.grew = true;
        c
    }
}

fn compile_nsg(m: &Model, n: Ix, asgs: &AsgNumbers, plans: &[Plan; 2]) -> NsgPlane {
    let layer = |inbound: bool| {
        let (pos, rules) = direction_rules(m, n, inbound);
        Layer {
            classifier: Classifier::build(
                &rules,
                inbound,
                asgs,
                plans[usize::from(inbound)].masks.clone(),
            ),
            rules: pos,
        }
    };
    NsgPlane {
        inbound: layer(true),
        outbound: layer(false),
    }
}

/// Each address's local class in each NSG layer of its NIC (seen from the NIC's subnet, as
/// fast verdicts and IP flow verify see it), adding classes to `plans` as needed. Fills
/// `NicFast::classes` (primary address) and returns the per-ipConfiguration table.
fn assign_classes(
    m: &Model,
    nics: &mut [NicFast],
    subnets: &[Arc<SubnetPlane>],
    asgs: &AsgNumbers,
    plans: &mut [[Plan; 2]],
) -> Vec<[u32; 4]> {
    let mut cfgs = vec![[NO_CLASS; 4]; m.ipconfigs.len()];
    let empty = VnetView::default();
    let mut buf = Vec::new();
    for (i, f) in nics.iter_mut().enumerate() {
        let slots = [levels(f, false), levels(f, true)];
        if slots.iter().flatten().all(|(n, _)| n.is_none()) {
            continue;
        }
        let view = f
            .subnet
            .and_then(|s| subnets.get(s as usize))
            .map_or(&empty, |x| &x.view);
        let (mut need_view, mut need_asgs) = (false, false);
        for (inbound, lv) in [false, true].into_iter().zip(slots) {
            for (nsg, _) in lv {
                if let Some(p) = nsg.and_then(|n| plans.get(n as usize)) {
                    need_view |= p[usize::from(inbound)].local.needs_view();
                    need_asgs |= p[usize::from(inbound)].local.needs_asgs();
                }
            }
        }
        for (k, &c) in m.nics[i].ipconfigs.iter().enumerate() {
            let Some(ip) = m.ipconfigs[c as usize].ip.map(u32::from) else {
                continue;
            };
            let a = Addr {
                ip,
                in_view: need_view && view.contains(ip),
                public: is_public(ip),
                asgs: if need_asgs { asgs.of_ip(ip) } else { &[] },
            };
            let mut classes = [NO_CLASS; 4];
            for (inbound, lv) in [false, true].into_iter().zip(slots) {
                for (nsg, slot) in lv {
                    let Some(plan) = nsg.and_then(|n| plans.get_mut(n as usize)) else {
                        continue;
                    };
                    let plan = &mut plan[usize::from(inbound)];
                    plan.local.mask(&a, &mut buf);
                    classes[slot as usize] = plan.class(&buf);
                }
            }
            cfgs[c as usize] = classes;
            if k == 0 {
                f.classes = classes;
                f.asgs = asgs.entry(ip);
            }
        }
    }
    cfgs
}

fn dests(
    m: &Model,
    nics: &[NicFast],
    cfgs: &[[u32; 4]],
    subnets: &[Arc<SubnetPlane>],
    by_ip: &FxMap<(u32, u32), Ix>,
    asgs: &AsgNumbers,
) -> FxMap<(u32, u32), DestFast> {
    by_ip
        .iter()
        .map(|(&k, &c)| {
            let f = &nics[m.ipconfigs[c as usize].nic as usize];
            let cl = cfgs[c as usize];
            let own = f
                .subnet
                .and_then(|s| subnets.get(s as usize))
                .and_then(|s| s.view.own.first().copied())
                .unwrap_or((1, 0));
            let d = DestFast {
                subnet: f.subnet,
                nsgs: [f.subnet_nsg, f.nic_nsg],
                classes: [
                    cl[Slot::InboundSubnet as usize],
                    cl[Slot::InboundNic as usize],
                ],
                own,
                asgs: asgs.entry(k.1),
            };
            (k, d)
        })
        .collect()
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
            classes: [NO_CLASS; 4],
            asgs: [0, 0],
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
        let asg_numbers = Arc::new(AsgNumbers::build(None, &asgs).0);
        let subnets = par_map(m.subnets.len(), |s| Arc::new(compile_subnet(m, s as Ix)));
        let mut plans = par_map(m.nsgs.len(), |n| {
            [
                Plan::new(m, n as Ix, false, &asg_numbers),
                Plan::new(m, n as Ix, true, &asg_numbers),
            ]
        });
        let (mut nics, by_ip, by_public_ip) = indexes(m);
        let cfgs = assign_classes(m, &mut nics, &subnets, &asg_numbers, &mut plans);
        let dests = dests(m, &nics, &cfgs, &subnets, &by_ip, &asg_numbers);
        let nsgs = par_map(m.nsgs.len(), |n| {
            Arc::new(compile_nsg(m, n as Ix, &asg_numbers, &plans[n]))
        });
        Plane {
            subnets,
            nsgs,
            nics,
            cfgs,
            dests,
            by_ip,
            by_public_ip,
            asgs,
            asg_numbers,
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
        // Memberships live in one address index, not in the layers: only a layer naming an
        // ASG that had no number yet (compiled as matching nothing) recompiles. Local classes
        // that memberships change are found again below, like every NIC's.
        let (asgs, asg_numbers) = if asgs_changed {
            let a = asg_ips(new);
            let (numbers, fresh) = AsgNumbers::build(Some(&self.asg_numbers), &a);
            for k in &fresh {
                mark_nsgs_using(new, k, &mut dirty_nsgs);
            }
            (Arc::new(a), Arc::new(numbers))
        } else {
            (self.asgs.clone(), self.asg_numbers.clone())
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
        let subnets: Vec<Arc<SubnetPlane>> = subnets;
        let reused: Vec<Option<Ix>> = new
            .nsgs
            .iter()
            .map(|n| {
                let key = n.id.to_ascii_lowercase();
                match old.get(&key) {
                    Some(Ref::Nsg(o)) if !dirty_nsgs.contains(&key) => Some(o),
                    _ => None,
                }
            })
            .collect();
        let mut plans: Vec<[Plan; 2]> = reused
            .iter()
            .enumerate()
            .map(|(i, o)| match o {
                Some(o) => {
                    let p = &self.nsgs[*o as usize];
                    [
                        Plan::of(&p.outbound.classifier),
                        Plan::of(&p.inbound.classifier),
                    ]
                }
                None => [
                    Plan::new(new, i as Ix, false, &asg_numbers),
                    Plan::new(new, i as Ix, true, &asg_numbers),
                ],
            })
            .collect();
        let (mut nics, by_ip, by_public_ip) = indexes(new);
        let cfgs = assign_classes(new, &mut nics, &subnets, &asg_numbers, &mut plans);
        let dests = dests(new, &nics, &cfgs, &subnets, &by_ip, &asg_numbers);
        let nsgs = reused
            .iter()
            .enumerate()
            .map(|(i, o)| match o {
                Some(o) if !plans[i].iter().any(|p| p.grew) => self.nsgs[*o as usize].clone(),
                _ => Arc::new(compile_nsg(new, i as Ix, &asg_numbers, &plans[i])),
            })
            .collect();
        Plane {
            subnets,
            nsgs,
            nics,
            cfgs,
            dests,
            by_ip,
            by_public_ip,
            asgs,
            asg_numbers,
            generation: GENERATION.fetch_add(1, Ordering::Relaxed),
            model,
        }
    }

    /// One NSG level: (allowed, deciding rule position in the NSG). `class` is the local
    /// address's class in this layer, or [`NO_CLASS`] to classify `local` now (an address that
    /// is not the NIC's own, as on an appliance forwarding traffic, or another view); a class
    /// the layer was not compiled for falls back to the plain first-match scan.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn eval_level(
        &self,
        nsg: Ix,
        inbound: bool,
        class: u32,
        local: u32,
        view: &VnetView,
        remote: &Addr,
        k: &Packet,
    ) -> (bool, Option<u32>) {
        let Some(plane) = self.nsgs.get(nsg as usize) else {
            return (true, None);
        };
        let layer = if inbound {
            &plane.inbound
        } else {
            &plane.outbound
        };
        let c = &layer.classifier;
        let class = if class != NO_CLASS {
            class
        } else {
            let a = Addr {
                ip: local,
                in_view: view.contains(local),
                public: is_public(local),
                asgs: self.asg_numbers.of_ip(local),
            };
            let mut mask = Vec::new();
            c.local().mask(&a, &mut mask);
            match c.class_of(&mask) {
                Some(x) => x,
                None => return self.eval_by_scan(nsg, inbound, view, k),
            }
        };
        layer.verdict(c.first_match(class, remote, k.proto, k.sport, k.dport))
    }

    /// One direction of an NSG's compiled layers.
    #[inline]
    pub fn layer(&self, nsg: Ix, inbound: bool) -> Option<&Layer> {
        let p = self.nsgs.get(nsg as usize)?;
        Some(if inbound { &p.inbound } else { &p.outbound })
    }

    /// The reference first-match scan over the NSG's rules (`security::first_match`).
    fn eval_by_scan(
        &self,
        nsg: Ix,
        inbound: bool,
        view: &VnetView,
        k: &Packet,
    ) -> (bool, Option<u32>) {
        let rules = &self.model.nsgs[nsg as usize].rules;
        let proto = match k.proto {
            0 => Protocol::Tcp,
            1 => Protocol::Udp,
            _ => Protocol::Icmp,
        };
        match crate::security::first_match(
            rules, inbound, proto, k.src, k.sport, k.dst, k.dport, &view.set, &self.asgs,
        ) {
            Some(i) => (rules[i].allow, Some(i as u32)),
            None => (false, None),
        }
    }

    /// Both NSG levels of a NIC in one direction, in Azure's order, from the point of view of
    /// `view`; `classes` are the local address's ([`NicFast::classes`], [`Plane::cfgs`],
    /// or [`NO_CLASS`]s). `each` sees every level evaluated (a denying level stops). Whether
    /// the packet is allowed.
    #[inline]
    pub fn eval_levels(
        &self,
        f: &NicFast,
        classes: [u32; 4],
        inbound: bool,
        view: &VnetView,
        k: &Packet,
        mut each: impl FnMut(Ix, bool, Option<u32>),
    ) -> bool {
        let lv = levels(f, inbound);
        if lv[0].0.is_none() && lv[1].0.is_none() {
            return true;
        }
        let (local, ip) = if inbound {
            (k.dst, k.src)
        } else {
            (k.src, k.dst)
        };
        let need_asgs = lv.iter().any(|(n, _)| {
            n.and_then(|n| self.nsgs.get(n as usize)).is_some_and(|p| {
                if inbound {
                    p.inbound.classifier.remote_asg
                } else {
                    p.outbound.classifier.remote_asg
                }
            })
        });
        let remote = Addr {
            ip,
            in_view: view.contains(ip),
            public: is_public(ip),
            asgs: if need_asgs {
                self.asg_numbers.of_ip(ip)
            } else {
                &[]
            },
        };
        for (n, slot) in lv {
            let Some(n) = n else { continue };
            let (ok, pos) =
                self.eval_level(n, inbound, classes[slot as usize], local, view, &remote, k);
            each(n, ok, pos);
            if !ok {
                return false;
            }
        }
        true
    }

    /// Both NSG levels of `nic` in one direction, as evaluated: each level's (nsg, allowed,
    /// rule position). The local address is `cfg`'s when it is that address, `view_subnet` is
    /// the subnet whose `VirtualNetwork` view applies.
    pub fn eval_nic(
        &self,
        nic: Ix,
        cfg: Option<Ix>,
        view_subnet: Option<Ix>,
        dir: Direction,
        k: &Packet,
    ) -> Vec<(Ix, bool, Option<u32>)> {
        let Some(f) = self.nics.get(nic as usize) else {
            return Vec::new();
        };
        let inbound = dir == Direction::Inbound;
        let local = if inbound { k.dst } else { k.src };
        let classes = match cfg {
            Some(c)
                if view_subnet == f.subnet
                    && self.model.ipconfigs[c as usize].ip.map(u32::from) == Some(local) =>
            {
                self.cfgs[c as usize]
            }
            _ => [NO_CLASS; 4],
        };
        let empty = VnetView::default();
        let view = view_subnet
            .and_then(|s| self.subnets.get(s as usize))
            .map_or(&empty, |x| &x.view);
        let mut out = Vec::with_capacity(2);
        self.eval_levels(f, classes, inbound, view, k, |n, ok, pos| {
            out.push((n, ok, pos))
        });
        out
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
