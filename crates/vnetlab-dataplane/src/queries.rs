//! The per-NIC questions: effective routes, effective security groups, IP flow verify, next
//! hop, and the fast-path verdict (with its flow cache) that benchmarks and bulk consumers use.

use crate::api::*;
use crate::classifier::{Addr, Started, NO_CLASS};
use crate::compile::{DestFast, Layer, NicFast, Packet, Plane, Slot, SubnetPlane};
use crate::journey::nic_ix;
use crate::lpm::{upper_bounds, Lpm, LANES};
use crate::model::*;
use crate::prefix::is_public;
use crate::routes::Origin;
use crate::security::{addr_strings, expand_side, port_strings, proto_code};
use crate::tags::{tag_map, VnetView};
use rustc_hash::FxHashMap as FxMap;
use std::net::IpAddr;

fn nic_subnet(p: &Plane, nic: Ix) -> Result<Ix, QueryError> {
    p.nics
        .get(nic as usize)
        .and_then(|f| f.subnet)
        .ok_or_else(|| {
            QueryError::Invalid(format!(
                "network interface {} is in no subnet",
                p.model.nics[nic as usize].id
            ))
        })
}

pub fn effective_routes(p: &Plane, nic_id: &str) -> Result<Vec<EffectiveRoute>, QueryError> {
    let nic = nic_ix(&p.model, nic_id)?;
    let s = nic_subnet(p, nic)?;
    let d = crate::routes::disable_bgp(&p.model, s);
    Ok(p.subnets[s as usize]
        .rows
        .iter()
        .map(|r| r.effective(&p.model, d))
        .collect())
}

pub fn effective_security_groups(p: &Plane, nic_id: &str) -> Result<Vec<EffectiveNsg>, QueryError> {
    let m = &*p.model;
    let nic = nic_ix(m, nic_id)?;
    let s = nic_subnet(p, nic)?;
    let view = &p.subnets[s as usize].view;
    let tags = tag_map(view);
    let mut out = Vec::new();
    let n = &m.nics[nic as usize];
    let levels = [
        (n.nsg, Association::NetworkInterface(n.id.clone())),
        (
            m.subnets[s as usize].nsg,
            Association::Subnet(m.subnets[s as usize].id.clone()),
        ),
    ];
    for (nsg, association) in levels {
        let Some(nsg) = nsg else { continue };
        let g = &m.nsgs[nsg as usize];
        let rules = g
            .rules
            .iter()
            .map(|r| EffectiveRule {
                name: r.qualified_name(),
                protocol: if r.proto == RuleProto::Any {
                    "All".into()
                } else {
                    r.proto_raw.clone()
                },
                source_port_ranges: port_strings(&r.src_ports),
                destination_port_ranges: port_strings(&r.dst_ports),
                source_address_prefixes: addr_strings(&r.src_raw),
                destination_address_prefixes: addr_strings(&r.dst_raw),
                expanded_source_address_prefixes: expand_side(&r.src, &tags, &p.asgs),
                expanded_destination_address_prefixes: expand_side(&r.dst, &tags, &p.asgs),
                access: if r.allow { Access::Allow } else { Access::Deny },
                priority: r.priority,
                direction: if r.inbound {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
            })
            .collect();
        out.push(EffectiveNsg {
            nsg_id: g.id.clone(),
            association,
            rules,
            tag_map: tags.clone(),
        });
    }
    Ok(out)
}

fn owns(m: &Model, nic: Ix, ip: u32) -> Option<Ix> {
    m.nics[nic as usize]
        .ipconfigs
        .iter()
        .copied()
        .find(|&c| m.ipconfigs[c as usize].ip.map(u32::from) == Some(ip))
}

fn v4(a: IpAddr) -> Result<u32, QueryError> {
    match a {
        IpAddr::V4(v) => Ok(u32::from(v)),
        IpAddr::V6(_) => Err(QueryError::Invalid(format!(
            "{a} is IPv6; vnetlab models IPv4 only"
        ))),
    }
}

pub fn ip_flow_verify(
    p: &Plane,
    nic_id: &str,
    direction: Direction,
    flow: Flow,
) -> Result<FlowVerdict, QueryError> {
    let m = &*p.model;
    let nic = nic_ix(m, nic_id)?;
    let (src, dst) = (v4(flow.src)?, v4(flow.dst)?);
    let local = if direction == Direction::Inbound {
        dst
    } else {
        src
    };
    let Some(cfg) = owns(m, nic, local) else {
        return Err(QueryError::Invalid(format!(
            "{} is not an address of network interface {nic_id}",
            std::net::Ipv4Addr::from(local)
        )));
    };
    let s = nic_subnet(p, nic)?;
    let icmp = flow.protocol == Protocol::Icmp;
    let k = Packet {
        proto: proto_code(flow.protocol),
        src,
        sport: if icmp { 0 } else { flow.src_port },
        dst,
        dport: if icmp { 0 } else { flow.dst_port },
    };
    let levels = p.eval_nic(nic, Some(cfg), Some(s), direction, &k);
    let decider = levels.iter().find(|l| !l.1).or(levels.last());
    Ok(match decider {
        None => FlowVerdict {
            access: Access::Allow,
            rule_name: None,
            nsg_id: None,
        },
        Some(&(nsg, allow, pos)) => {
            let g = &m.nsgs[nsg as usize];
            FlowVerdict {
                access: if allow { Access::Allow } else { Access::Deny },
                rule_name: pos.map(|i| g.rules[i as usize].qualified_name()),
                nsg_id: Some(g.id.clone()),
            }
        }
    })
}

pub fn next_hop(
    p: &Plane,
    nic_id: &str,
    source: IpAddr,
    destination: IpAddr,
) -> Result<NextHop, QueryError> {
    let m = &*p.model;
    let nic = nic_ix(m, nic_id)?;
    let (src, dst) = (v4(source)?, v4(destination)?);
    if owns(m, nic, src).is_none() && !m.nics[nic as usize].ip_forwarding {
        return Err(QueryError::Invalid(format!(
            "{source} is not an address of network interface {nic_id}"
        )));
    }
    let s = nic_subnet(p, nic)?;
    let plane = &p.subnets[s as usize];
    Ok(match plane.lpm.lookup(dst) {
        None => NextHop {
            next_hop_type: NextHopType::None,
            next_hop_ip: None,
            route_table_id: None,
        },
        Some(r) => {
            let row = &plane.rows[r as usize];
            NextHop {
                next_hop_type: row.hop,
                next_hop_ip: row.next_hop_ips(m).first().cloned(),
                route_table_id: row.route_table_id(m),
            }
        }
    })
}

/// A NIC by index, for the fast path (valid for the `DataPlane` it came from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NicHandle(pub(crate) u32);

/// The fast-path answer for a packet leaving a NIC: what the source host's program decides
/// (outbound NSGs, route lookup) and, when the route delivers directly (same VNet or peering),
/// the destination NIC's inbound NSGs. Appliances, gateways and the Internet are left to walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FastVerdict {
    Delivered,
    DeniedOutbound,
    DeniedInbound,
    /// A `None` route, or no route.
    Dropped,
    /// The route delivers into a VNet where no NIC has the address.
    NoDestination,
    /// The packet leaves to an appliance, a gateway or the Internet.
    Forwarded(NextHopType),
}

/// The row kinds the fast path needs, compact.
#[derive(Debug, Clone, Copy)]
pub enum FastHop {
    Deliver(Ix),
    Leave(NextHopType),
    Drop,
}

pub fn fast_hops(m: &Model, vnet: Ix, rows: &[crate::routes::Row]) -> Vec<FastHop> {
    rows.iter()
        .map(|r| match (&r.origin, r.hop) {
            (_, NextHopType::None) => FastHop::Drop,
            (Origin::Peering { link }, _) => match m.links[*link as usize].remote {
                Some(w) => FastHop::Deliver(w),
                None => FastHop::Drop,
            },
            (_, NextHopType::VnetLocal) => FastHop::Deliver(vnet),
            (_, t) => FastHop::Leave(t),
        })
        .collect()
}

/// The fast path's route lookup: the subnet's LPM intervals, further cut where its
/// `VirtualNetwork` view starts or ends, each carrying what the selected route does (deliver
/// into a VNet, leave, drop) and whether the address is in the view. An outbound verdict needs
/// both for the destination, so it searches once.
#[derive(Debug, Clone, Default)]
pub struct RouteView {
    starts: Vec<u32>,
    vals: Vec<u32>,
}

const IN_VIEW: u32 = 1 << 31;
const KIND: u32 = 3 << 29;
const DELIVER: u32 = 0;
const LEAVE: u32 = 1 << 29;
const DROP: u32 = 2 << 29;
/// A VNet index (deliver) or the next hop type's position in [`LEAVES`] (leave).
const PAYLOAD: u32 = (1 << 29) - 1;
/// The next hop types a leaving route can have, by payload (kept in the route view itself, so
/// that the verdict needs no further access).
const LEAVES: [NextHopType; 7] = [
    NextHopType::VirtualAppliance,
    NextHopType::VirtualNetworkGateway,
    NextHopType::Internet,
    NextHopType::VnetLocal,
    NextHopType::VNetPeering,
    NextHopType::VNetGlobalPeering,
    NextHopType::None,
];

impl RouteView {
    pub fn build(lpm: &Lpm, fast: &[FastHop], view: &VnetView) -> RouteView {
        let mut cuts: Vec<u32> = lpm.intervals().map(|(s, _)| s).collect();
        for (a, z) in view.set.ranges() {
            cuts.push(a);
            if let Some(next) = z.checked_add(1) {
                cuts.push(next);
            }
        }
        cuts.push(0);
        cuts.sort_unstable();
        cuts.dedup();
        let mut out = RouteView::default();
        for c in cuts {
            let hop = match lpm.lookup(c) {
                Some(r) => match fast.get(r as usize) {
                    Some(FastHop::Deliver(v)) => DELIVER | (*v).min(PAYLOAD),
                    Some(FastHop::Leave(t)) => {
                        LEAVE | LEAVES.iter().position(|x| x == t).unwrap_or(0) as u32
                    }
                    Some(FastHop::Drop) | None => DROP,
                },
                None => DROP,
            };
            let v = hop | if view.set.contains(c) { IN_VIEW } else { 0 };
            if out.vals.last() != Some(&v) {
                out.starts.push(c);
                out.vals.push(v);
            }
        }
        out
    }

    #[inline]
    fn lookup(&self, ip: u32) -> u32 {
        self.value_before(self.starts.partition_point(|&s| s <= ip))
    }

    /// The value of the interval before `upper` ([`upper_bounds`]'s answer).
    #[inline]
    fn value_before(&self, upper: usize) -> u32 {
        self.vals
            .get(upper.wrapping_sub(1))
            .copied()
            .unwrap_or(DROP)
    }
}

#[inline]
pub fn fast_verdict(
    p: &Plane,
    nic: NicHandle,
    proto: Protocol,
    src: u32,
    sport: u16,
    dst: u32,
    dport: u16,
) -> FastVerdict {
    let Some((f, sp)) = source(p, nic) else {
        return FastVerdict::Dropped;
    };
    let k = Packet {
        proto: proto_code(proto),
        src,
        sport,
        dst,
        dport,
    };
    // One search gives the route and whether the destination is in the source's view.
    verdict_after_route(p, f, sp, &k, sp.route_view.lookup(dst))
}

/// One flow of a burst ([`fast_verdicts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastFlow {
    pub nic: NicHandle,
    pub protocol: Protocol,
    pub src: std::net::Ipv4Addr,
    pub src_port: u16,
    pub dst: std::net::Ipv4Addr,
    pub dst_port: u16,
}

/// [`fast_verdict`] for a burst of flows, [`LANES`] at a time: the route searches run in
/// lockstep ([`upper_bounds`]), then each step of [`Pending`] runs for every flow of the burst
/// before the next, so that the flows' memory accesses overlap instead of each flow being one
/// long chain of dependent cache misses. Same answers as one at a time (property-tested).
pub fn fast_verdicts(p: &Plane, flows: &[FastFlow], out: &mut [FastVerdict]) {
    for (burst, out) in flows.chunks(LANES).zip(out.chunks_mut(LANES)) {
        let lanes = burst.len();
        let sources: [Option<(&NicFast, &SubnetPlane)>; LANES] =
            std::array::from_fn(|i| burst.get(i).and_then(|fl| source(p, fl.nic)));
        let packets: [Option<Packet>; LANES] = std::array::from_fn(|i| {
            let fl = burst.get(i)?;
            Some(Packet {
                proto: proto_code(fl.protocol),
                src: u32::from(fl.src),
                sport: fl.src_port,
                dst: u32::from(fl.dst),
                dport: fl.dst_port,
            })
        });
        let dsts = packets.map(|k| k.map_or(0, |k| k.dst));
        let keys = sources.map(|s| s.map_or(&[][..], |(_, sp)| &sp.route_view.starts[..]));
        let upper = upper_bounds(&keys, &dsts, lanes);
        // The selected values: all lanes' loads together, before anything waits on one.
        let routes: [u32; LANES] = std::array::from_fn(|i| {
            sources[i].map_or(DROP, |(_, sp)| sp.route_view.value_before(upper[i]))
        });
        let mut pending: [Option<Pending>; LANES] = std::array::from_fn(|i| {
            let ((f, sp), k) = (sources[i]?, packets[i]?);
            Some(Pending::new(p, f, sp, k, routes[i]))
        });
        for v in pending.iter_mut().flatten() {
            v.out = v.out_levels.map(|l| start_level(l, v.k.dst, &v.k));
        }
        for v in pending.iter_mut().flatten() {
            v.find_dest(p);
        }
        for v in pending.iter_mut().flatten() {
            v.outbound(p);
        }
        for v in pending.iter_mut().flatten() {
            v.inb = v.inb_levels.map(|l| start_level(l, v.k.src, &v.k));
        }
        for (o, v) in out.iter_mut().zip(&pending) {
            *o = v.as_ref().map_or(FastVerdict::Dropped, |v| v.inbound(p));
        }
    }
}

/// The source NIC's fast record and its subnet's compiled plane.
#[inline]
pub(crate) fn source(p: &Plane, nic: NicHandle) -> Option<(&NicFast, &SubnetPlane)> {
    let f = p.nics.get(nic.0 as usize)?;
    let sp = f.subnet.and_then(|s| p.subnets.get(s as usize))?;
    Some((f, sp))
}

/// The rest of a verdict once the route view's value for the destination is known.
#[inline]
fn verdict_after_route(
    p: &Plane,
    f: &NicFast,
    sp: &SubnetPlane,
    k: &Packet,
    route: u32,
) -> FastVerdict {
    let mut v = Pending::new(p, f, sp, *k, route);
    v.out = v.out_levels.map(|l| start_level(l, k.dst, k));
    v.find_dest(p);
    v.outbound(p);
    v.inb = v.inb_levels.map(|l| start_level(l, k.src, k));
    v.inbound(p)
}

/// A verdict in progress. Its steps — start the outbound layers' searches and find the
/// destination's record (both need only the route), decide the outbound layers and the
/// route, start the destination's inbound layers, decide them — run one after the other for
/// one flow ([`fast_verdict`]), or each for every flow of a burst before the next
/// ([`fast_verdicts`]).
struct Pending<'a> {
    f: &'a NicFast,
    sp: &'a SubnetPlane,
    k: Packet,
    route: u32,
    /// The source address is the NIC's own (its compiled local classes apply).
    own: bool,
    /// The source NIC's outbound levels, and their started searches.
    out_levels: [Unstarted<'a>; 2],
    out: [Level<'a>; 2],
    /// The destination's record, when the route delivers into a VNet.
    dest: Option<&'a DestFast>,
    /// The verdict, once decided.
    verdict: Option<FastVerdict>,
    /// The destination's inbound levels, and their started searches; its subnet's plane.
    inb_levels: [Unstarted<'a>; 2],
    inb: [Level<'a>; 2],
    dsp: Option<&'a SubnetPlane>,
}

/// A level: its NSG, and its layer and the address's class when it has a compiled class there
/// (else the level is evaluated on the way, [`Plane::eval_level`]).
type Unstarted<'a> = Option<(Ix, Option<(&'a Layer, u32)>)>;
/// A level with its search started.
type Level<'a> = Option<(Ix, Option<(&'a Layer, Started)>)>;

#[inline]
fn unstarted<'a>(p: &'a Plane, nsg: Option<Ix>, inbound: bool, class: u32) -> Unstarted<'a> {
    let n = nsg?;
    let layer = p.layer(n, inbound).filter(|_| class != NO_CLASS);
    Some((n, layer.map(|l| (l, class))))
}

#[inline]
fn start_level<'a>(l: Unstarted<'a>, remote: u32, k: &Packet) -> Level<'a> {
    l.map(|(n, layer)| {
        (
            n,
            layer.map(|(l, class)| (l, l.classifier.start(class, remote, k.proto, k.dport))),
        )
    })
}

impl<'a> Pending<'a> {
    #[inline]
    fn new(p: &'a Plane, f: &'a NicFast, sp: &'a SubnetPlane, k: Packet, route: u32) -> Self {
        let own = k.src == f.ip;
        let class = |slot: Slot| {
            if own {
                f.classes[slot as usize]
            } else {
                NO_CLASS
            }
        };
        Pending {
            f,
            sp,
            k,
            route,
            own,
            out_levels: [
                unstarted(p, f.nic_nsg, false, class(Slot::OutboundNic)),
                unstarted(p, f.subnet_nsg, false, class(Slot::OutboundSubnet)),
            ],
            out: [None, None],
            dest: None,
            verdict: None,
            inb_levels: [None, None],
            inb: [None, None],
            dsp: None,
        }
    }

    /// The destination's record, when the route delivers into a VNet.
    #[inline]
    fn find_dest(&mut self, p: &'a Plane) {
        if self.route & KIND == DELIVER {
            self.dest = p.dests.get(&(self.route & PAYLOAD, self.k.dst));
        }
    }

    /// Decides the outbound levels (started) and the route; when the packet is delivered to a
    /// NIC with NSGs, sets its inbound levels.
    #[inline]
    fn outbound(&mut self, p: &'a Plane) {
        let k = &self.k;
        if self.out.iter().any(Option::is_some) {
            let remote = Addr {
                ip: k.dst,
                in_view: self.route & IN_VIEW != 0,
                public: is_public(k.dst),
                // The destination's record carries its address's ASGs (no second probe).
                asgs: match self.dest {
                    Some(d) => p.asg_numbers.slice(&d.asgs),
                    None => p.asg_numbers.of_ip(k.dst),
                },
            };
            if !allow(p, &self.out, false, &self.sp.view, &remote, k) {
                self.verdict = Some(FastVerdict::DeniedOutbound);
                return;
            }
        }
        match self.route & KIND {
            DELIVER => {}
            LEAVE => {
                self.verdict = Some(match LEAVES.get((self.route & PAYLOAD) as usize) {
                    Some(&t) => FastVerdict::Forwarded(t),
                    None => FastVerdict::Dropped,
                });
                return;
            }
            _ => {
                self.verdict = Some(FastVerdict::Dropped);
                return;
            }
        }
        // The destination NIC's inbound levels (it must be in a subnet).
        let Some((d, dsp)) = self
            .dest
            .and_then(|d| Some((d, d.subnet.and_then(|s| p.subnets.get(s as usize))?)))
        else {
            self.verdict = Some(FastVerdict::NoDestination);
            return;
        };
        if d.nsgs[0].is_none() && d.nsgs[1].is_none() {
            self.verdict = Some(FastVerdict::Delivered);
            return;
        }
        self.dsp = Some(dsp);
        self.inb_levels = [0, 1].map(|i| unstarted(p, d.nsgs[i], true, d.classes[i]));
    }

    /// Decides the inbound levels (started), unless the verdict is already known.
    #[inline]
    fn inbound(&self, p: &Plane) -> FastVerdict {
        if let Some(v) = self.verdict {
            return v;
        }
        let (Some(d), Some(dsp)) = (self.dest, self.dsp) else {
            return FastVerdict::NoDestination;
        };
        let k = &self.k;
        let src = k.src;
        let remote = Addr {
            ip: src,
            in_view: (d.own.0 <= src && src <= d.own.1) || dsp.view.contains(src),
            public: is_public(src),
            asgs: if self.own {
                p.asg_numbers.slice(&self.f.asgs)
            } else {
                p.asg_numbers.of_ip(src)
            },
        };
        if allow(p, &self.inb, true, &dsp.view, &remote, k) {
            FastVerdict::Delivered
        } else {
            FastVerdict::DeniedInbound
        }
    }
}

/// Whether every level (started) allows the packet; `view` is the local NIC's subnet view, for
/// a level evaluated on the way.
#[inline]
fn allow(
    p: &Plane,
    levels: &[Level; 2],
    inbound: bool,
    view: &VnetView,
    remote: &Addr,
    k: &Packet,
) -> bool {
    for &(n, started) in levels.iter().flatten() {
        let allowed = match started {
            Some((layer, s)) => {
                let code = layer.classifier.finish(&s, remote, k.sport, k.dport);
                layer.verdict(code).0
            }
            None => {
                let local = if inbound { k.dst } else { k.src };
                p.eval_level(n, inbound, NO_CLASS, local, view, remote, k).0
            }
        };
        if !allowed {
            return false;
        }
    }
    true
}

/// A flow verdict cache (VFP's unified flow table): 5-tuple and source NIC → fast verdict.
/// Owned by the caller (one per thread); emptied automatically when used with a recompiled
/// `DataPlane`, and when it reaches its capacity.
#[derive(Debug, Clone)]
pub struct FlowCache {
    generation: u64,
    capacity: usize,
    map: FxMap<u128, FastVerdict>,
    pub hits: u64,
    pub misses: u64,
}

impl FlowCache {
    pub fn new(capacity: usize) -> FlowCache {
        FlowCache {
            generation: 0,
            capacity: capacity.max(1),
            map: FxMap::default(),
            hits: 0,
            misses: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[inline]
#[allow(clippy::too_many_arguments)]
pub fn cached_verdict(
    p: &Plane,
    cache: &mut FlowCache,
    nic: NicHandle,
    proto: Protocol,
    src: u32,
    sport: u16,
    dst: u32,
    dport: u16,
) -> FastVerdict {
    if cache.generation != p.generation {
        cache.map.clear();
        cache.generation = p.generation;
    }
    let key = (u128::from(nic.0 & 0x00ff_ffff) << 98)
        | (u128::from(crate::security::proto_code(proto)) << 96)
        | (u128::from(src) << 64)
        | (u128::from(dst) << 32)
        | (u128::from(sport) << 16)
        | u128::from(dport);
    if let Some(v) = cache.map.get(&key) {
        cache.hits += 1;
        return *v;
    }
    cache.misses += 1;
    let v = fast_verdict(p, nic, proto, src, sport, dst, dport);
    if cache.map.len() >= cache.capacity {
        cache.map.clear();
    }
    cache.map.insert(key, v);
    v
}
