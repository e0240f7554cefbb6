//! The per-NIC questions: effective routes, effective security groups, IP flow verify, next
//! hop, and the fast-path verdict (with its flow cache) that benchmarks and bulk consumers use.

use crate::api::*;
use crate::classifier::{Addr, NO_CLASS};
use crate::compile::{DestFast, NicFast, Packet, Plane, Slot};
use crate::fxhash::FxMap;
use crate::journey::nic_ix;
use crate::lpm::Lpm;
use crate::model::*;
use crate::prefix::is_public;
use crate::routes::Origin;
use crate::security::{addr_strings, expand_side, port_strings, proto_code};
use crate::tags::{tag_map, VnetView};
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
/// A VNet index (deliver) or a row (leave).
const PAYLOAD: u32 = (1 << 29) - 1;

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
                    Some(FastHop::Leave(_)) => LEAVE | r.min(PAYLOAD),
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
        let i = self.starts.partition_point(|&s| s <= ip);
        self.vals.get(i.wrapping_sub(1)).copied().unwrap_or(DROP)
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
    let Some(f) = p.nics.get(nic.0 as usize) else {
        return FastVerdict::Dropped;
    };
    let Some(sp) = f.subnet.and_then(|s| p.subnets.get(s as usize)) else {
        return FastVerdict::Dropped;
    };
    let k = Packet {
        proto: proto_code(proto),
        src,
        sport,
        dst,
        dport,
    };
    let own = src == f.ip;
    // One search gives the route and whether the destination is in the source's view.
    let route = sp.route_view.lookup(dst);
    if f.nic_nsg.is_some() || f.subnet_nsg.is_some() {
        let levels = [
            (f.nic_nsg, Slot::OutboundNic),
            (f.subnet_nsg, Slot::OutboundSubnet),
        ];
        // The source NIC's own address is in its compiled local classes (any other source
        // address is classified on the way). Every search first, so that their memory
        // accesses overlap the route search's; then what depends on them.
        let started = levels.map(|(n, slot)| {
            let layer = n.and_then(|n| p.layer(n, false))?;
            let class = if own {
                f.classes[slot as usize]
            } else {
                NO_CLASS
            };
            (class != NO_CLASS).then(|| (layer, layer.classifier.start(class, dst, k.proto, dport)))
        });
        let remote = Addr {
            ip: dst,
            in_view: route & IN_VIEW != 0,
            public: is_public(dst),
            asgs: p.asg_numbers.of_ip(dst),
        };
        for ((n, _), started) in levels.into_iter().zip(started) {
            let Some(n) = n else { continue };
            let allowed = match started {
                Some((layer, s)) => {
                    let code = layer.classifier.finish(&s, &remote, sport, dport);
                    layer.verdict(code).0
                }
                None => {
                    p.eval_level(n, false, NO_CLASS, src, &sp.view, &remote, &k)
                        .0
                }
            };
            if !allowed {
                return FastVerdict::DeniedOutbound;
            }
        }
    }
    let target = match route & KIND {
        DELIVER => route & PAYLOAD,
        LEAVE => {
            return match sp.fast.get((route & PAYLOAD) as usize) {
                Some(FastHop::Leave(t)) => FastVerdict::Forwarded(*t),
                _ => FastVerdict::Dropped,
            }
        }
        _ => return FastVerdict::Dropped,
    };
    match p
        .dests
        .get(&(target, dst))
        .and_then(|d| inbound_allows(p, d, f, own, &k))
    {
        Some(true) => FastVerdict::Delivered,
        Some(false) => FastVerdict::DeniedInbound,
        None => FastVerdict::NoDestination,
    }
}

/// The destination NIC's inbound NSG levels for a packet from `f` (`None`: it is in no subnet).
#[inline]
fn inbound_allows(p: &Plane, d: &DestFast, f: &NicFast, own: bool, k: &Packet) -> Option<bool> {
    let dsp = d.subnet.and_then(|s| p.subnets.get(s as usize))?;
    if d.nsgs[0].is_none() && d.nsgs[1].is_none() {
        return Some(true);
    }
    let src = k.src;
    let started = [0, 1].map(|i| {
        let layer = d.nsgs[i].and_then(|n| p.layer(n, true))?;
        let class = d.classes[i];
        (class != NO_CLASS).then(|| (layer, layer.classifier.start(class, src, k.proto, k.dport)))
    });
    let remote = Addr {
        ip: src,
        in_view: (d.own.0 <= src && src <= d.own.1) || dsp.view.contains(src),
        public: is_public(src),
        asgs: if own {
            p.asg_numbers.slice(&f.asgs)
        } else {
            p.asg_numbers.of_ip(src)
        },
    };
    for (n, started) in d.nsgs.into_iter().zip(started) {
        let Some(n) = n else { continue };
        let allowed = match started {
            Some((layer, s)) => {
                let code = layer.classifier.finish(&s, &remote, k.sport, k.dport);
                layer.verdict(code).0
            }
            None => {
                p.eval_level(n, true, NO_CLASS, k.dst, &dsp.view, &remote, k)
                    .0
            }
        };
        if !allowed {
            return Some(false);
        }
    }
    Some(true)
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
