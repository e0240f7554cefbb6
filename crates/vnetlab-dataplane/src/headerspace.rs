//! Header-space pieces for whole-estate questions (the verifier's matrix): which NSG rules an
//! address pair meets at a NIC, each rule's protocol/port box, and walk classes of NICs.
//!
//! A NIC's NSG verdict for a flow depends on the addresses only through which rules' address
//! parts match (tags and ASGs resolved as the walk resolves them, from the evaluating NIC's
//! subnet view); the rest is protocol and ports. [`DataPlane::nsg_layer_matches`] gives, per
//! layer in Azure's order, the positions of the rules whose addresses match, in priority order;
//! [`DataPlane::nsg_rule_space`] the protocol/port box of one rule. First-match evaluation over
//! those boxes (interval subtraction) is then exact over every protocol and port.
//!
//! [`DataPlane::walk_classes`] groups NICs that no walk can tell apart except by NSG verdicts:
//! same subnet, same forwarding and VM attributes, and addresses no route prefix, subnet or
//! next-hop address separates. A walk between two NICs has the same path shape and the same
//! port-independent blockers as a walk between any other two NICs of the same classes.

use crate::api::{DataPlane, Direction, NextHopType};
use crate::model::{AddrItem, Tag};
use crate::model::{Ix, Os, Power, RuleProto};
use crate::prefix::{is_public, HOST_VIP};
use crate::queries::NicHandle;
use crate::security::item_matches;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// One NSG layer met at a NIC: the NSG (by ordinal) and the positions, in its rule list and in
/// priority order, of the rules of the direction whose source and destination match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LayerMatch {
    pub nsg: u32,
    pub rules: Vec<u32>,
}

/// The protocol/port box of one rule (what is left once its addresses matched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpace {
    pub tcp: bool,
    pub udp: bool,
    /// ICMP has no ports: `Icmp` rules, and `*` rules whose port ranges are both full.
    pub icmp: bool,
    pub source_ports: Vec<(u16, u16)>,
    pub destination_ports: Vec<(u16, u16)>,
    pub allow: bool,
}

impl DataPlane {
    /// The NSG layers of a NIC in one direction (inbound: subnet then NIC; outbound: NIC then
    /// subnet), each with the rules whose addresses match a packet from `src` to `dst`.
    pub fn nsg_layer_matches(
        &self,
        nic: NicHandle,
        dir: Direction,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> Vec<LayerMatch> {
        let p = &*self.inner;
        let m = &*p.model;
        let Some(f) = p.nics.get(nic.0 as usize) else {
            return Vec::new();
        };
        let empty = crate::tags::VnetView::default();
        let view = f
            .subnet
            .and_then(|s| p.subnets.get(s as usize))
            .map(|x| &x.view)
            .unwrap_or(&empty);
        let inbound = dir == Direction::Inbound;
        let order = if inbound {
            [f.subnet_nsg, f.nic_nsg]
        } else {
            [f.nic_nsg, f.subnet_nsg]
        };
        let (s, d) = (u32::from(src), u32::from(dst));
        let mut out = Vec::with_capacity(2);
        for n in order.into_iter().flatten() {
            let Some(nsg) = m.nsgs.get(n as usize) else {
                continue;
            };
            let rules = nsg
                .rules
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    r.inbound == inbound
                        && r.proto != RuleProto::Other
                        && r.src.iter().any(|i| item_matches(i, s, &view.set, &p.asgs))
                        && r.dst.iter().any(|i| item_matches(i, d, &view.set, &p.asgs))
                })
                .map(|(i, _)| i as u32)
                .collect();
            out.push(LayerMatch { nsg: n, rules });
        }
        out
    }

    /// The NSGs a NIC evaluates in one direction, in Azure's order (inbound: subnet then NIC;
    /// outbound: NIC then subnet).
    pub fn nsg_order(&self, nic: NicHandle, dir: Direction) -> [Option<u32>; 2] {
        let Some(f) = self.inner.nics.get(nic.0 as usize) else {
            return [None, None];
        };
        match dir {
            Direction::Inbound => [f.subnet_nsg, f.nic_nsg],
            Direction::Outbound => [f.nic_nsg, f.subnet_nsg],
        }
    }

    /// Whether `ip` is in the `VirtualNetwork` tag as a NIC's NSGs see it (its subnet's view).
    pub fn nsg_view_contains(&self, nic: NicHandle, ip: Ipv4Addr) -> bool {
        let p = &*self.inner;
        p.nics
            .get(nic.0 as usize)
            .and_then(|f| f.subnet)
            .and_then(|s| p.subnets.get(s as usize))
            .is_some_and(|x| x.view.set.contains(u32::from(ip)))
    }

    /// The next-hop type of the route a NIC's subnet picks for `dst` (the first routing
    /// decision of a walk from that NIC), or `None` when no route matches.
    pub fn first_route_hop(&self, nic: NicHandle, dst: Ipv4Addr) -> Option<NextHopType> {
        let p = &*self.inner;
        let plane = p
            .subnets
            .get(p.nics.get(nic.0 as usize)?.subnet? as usize)?;
        let row = plane.lpm.lookup(u32::from(dst))?;
        plane.rows.get(row as usize).map(|r| r.hop)
    }

    /// The rules of one side of one NSG direction compiled for fast matching (what
    /// [`DataPlane::nsg_layer_matches`] evaluates for that side), for callers that ask many
    /// times: the rules whose addresses match a packet are the AND of its source's and its
    /// destination's [`SideItems::bits`].
    pub fn nsg_side_items(&self, nsg: u32, inbound: bool, source_side: bool) -> SideItems {
        let p = &*self.inner;
        let Some(g) = p.model.nsgs.get(nsg as usize) else {
            return SideItems::default();
        };
        let words = g.rules.len().div_ceil(64);
        let mut out = SideItems {
            words,
            always: vec![0; words],
            vnet: vec![0; words],
            public: vec![0; words],
            ..SideItems::default()
        };
        let set = |bits: &mut [u64], i: usize| bits[i / 64] |= 1 << (i % 64);
        let mut ranges: Vec<(u32, u32, usize)> = Vec::new();
        let mut asgs: Vec<(String, Vec<u64>)> = Vec::new();
        for (i, r) in g.rules.iter().enumerate() {
            if r.inbound != inbound || r.proto == RuleProto::Other {
                continue;
            }
            for it in if source_side { &r.src } else { &r.dst } {
                match it {
                    AddrItem::Any => set(&mut out.always, i),
                    AddrItem::Net(x) => ranges.push((x.first(), x.last(), i)),
                    AddrItem::Tag(Tag::VirtualNetwork) => set(&mut out.vnet, i),
                    AddrItem::Tag(Tag::Internet) => set(&mut out.public, i),
                    AddrItem::Tag(Tag::AzureLoadBalancer) => ranges.push((HOST_VIP, HOST_VIP, i)),
                    AddrItem::Asg(a) => match asgs.iter_mut().find(|(x, _)| x == a) {
                        Some((_, bits)) => set(bits, i),
                        None => {
                            let mut bits = vec![0; words];
                            set(&mut bits, i);
                            asgs.push((a.clone(), bits));
                        }
                    },
                    AddrItem::Unmodelled(_) => {}
                }
            }
        }
        out.asgs = asgs
            .into_iter()
            .map(|(a, bits)| (p.asgs.get(&a).cloned().unwrap_or_default(), bits))
            .collect();
        // Elementary intervals of the prefix entries, each with the rules covering it.
        let mut cuts: Vec<u64> = vec![0];
        for &(a, b, _) in &ranges {
            cuts.push(u64::from(a));
            cuts.push(u64::from(b) + 1);
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts.retain(|&c| c <= u64::from(u32::MAX));
        let mut covered = vec![0u64; cuts.len() * words];
        for &(a, b, i) in &ranges {
            let from = cuts.partition_point(|&c| c < u64::from(a));
            let to = cuts.partition_point(|&c| c <= u64::from(b));
            for k in from..to {
                set(&mut covered[k * words..(k + 1) * words], i);
            }
        }
        // Neighbours covered by the same rules are one interval.
        for k in 0..cuts.len() {
            let row = &covered[k * words..(k + 1) * words];
            let same = !out.starts.is_empty() && {
                let last = out.starts.len() - 1;
                out.covered[last * words..(last + 1) * words] == *row
            };
            if !same {
                out.starts.push(cuts[k] as u32);
                out.covered.extend_from_slice(row);
            }
        }
        out
    }

    /// How many rules (custom and default) NSG `nsg` has.
    pub fn nsg_rule_count(&self, nsg: u32) -> u32 {
        self.inner
            .model
            .nsgs
            .get(nsg as usize)
            .map_or(0, |g| g.rules.len() as u32)
    }

    /// The protocol/port box of the rule at `pos` of NSG `nsg` (see [`LayerMatch`]).
    pub fn nsg_rule_space(&self, nsg: u32, pos: u32) -> Option<RuleSpace> {
        let r = self
            .inner
            .model
            .nsgs
            .get(nsg as usize)?
            .rules
            .get(pos as usize)?;
        let full = |v: &[(u16, u16)]| v.iter().any(|&(a, b)| a == 0 && b == u16::MAX);
        let (tcp, udp, icmp) = match r.proto {
            RuleProto::Any => (true, true, full(&r.src_ports) && full(&r.dst_ports)),
            RuleProto::Tcp => (true, false, false),
            RuleProto::Udp => (false, true, false),
            RuleProto::Icmp => (false, false, true),
            RuleProto::Other => (false, false, false),
        };
        Some(RuleSpace {
            tcp,
            udp,
            icmp,
            source_ports: r.src_ports.clone(),
            destination_ports: r.dst_ports.clone(),
            allow: r.allow,
        })
    }

    /// A walk class per NIC handle (`0..nic_count`): NICs of equal class are interchangeable
    /// in any walk except for NSG verdicts (same subnet, IP forwarding, VM presence, power, OS
    /// and ICMP answer, public address presence, number of addresses, and a primary address in
    /// the same interval of every route prefix, subnet prefix and next-hop address).
    pub fn walk_classes(&self) -> Vec<u32> {
        let p = &*self.inner;
        let m = &*p.model;
        let mut cuts: Vec<u32> = Vec::new();
        let mut add = |first: u32, last: u32| {
            cuts.push(first);
            cuts.push(last.wrapping_add(1));
        };
        for s in &p.subnets {
            for r in &s.rows {
                if let Some(x) = r.pfx {
                    add(x.first(), x.last());
                }
            }
            for x in &s.view.prefixes {
                add(x.first(), x.last());
            }
        }
        for s in &m.subnets {
            for x in &s.prefixes4 {
                add(x.first(), x.last());
            }
        }
        for t in &m.route_tables {
            for u in &t.routes {
                if let Some(ip) = u.next_hop_ip {
                    add(u32::from(ip), u32::from(ip));
                }
            }
        }
        let named = m.nics.iter().flat_map(|n| n.dns_servers.iter());
        for d in named.chain(m.vnets.iter().flat_map(|v| v.dns_servers.iter())) {
            {
                if let std::net::IpAddr::V4(a) = d {
                    add(u32::from(*a), u32::from(*a));
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        type Key = (Option<Ix>, bool, u8, u8, bool, bool, usize, usize);
        let mut ids: HashMap<Key, u32> = HashMap::new();
        let mut out = Vec::with_capacity(p.nics.len());
        for (i, f) in p.nics.iter().enumerate() {
            let n = &m.nics[i];
            let vm = n.vm.and_then(|v| m.vms.get(v as usize));
            let power = match vm.map(|v| v.power) {
                None => 0,
                Some(Power::Running) => 1,
                Some(Power::Stopped) => 2,
                Some(Power::Deallocated) => 3,
                Some(Power::Other) => 4,
            };
            let os = match vm.map(|v| v.os) {
                None => 0,
                Some(Os::Linux) => 1,
                Some(Os::Windows) => 2,
            };
            let public = n
                .ipconfigs
                .iter()
                .any(|&c| m.ipconfigs[c as usize].public_ip.is_some());
            let atom = cuts.partition_point(|&c| c <= f.ip);
            let key: Key = (
                f.subnet,
                n.ip_forwarding,
                power,
                os,
                vm.is_some_and(|v| v.listen_icmp),
                public,
                n.ipconfigs.len(),
                atom,
            );
            let next = ids.len() as u32;
            out.push(*ids.entry(key).or_insert(next));
        }
        out
    }
}

impl DataPlane {
    /// The position of a handle in `0..nic_count` (the index [`DataPlane::walk_classes`] uses).
    pub fn nic_handle_index(&self, nic: NicHandle) -> usize {
        nic.0 as usize
    }
}

/// One side (source or destination entries) of one NSG direction, compiled for matching
/// addresses ([`DataPlane::nsg_side_items`]): rule bitsets for `*` and the tags, for each
/// elementary interval of the prefix entries, and for each ASG named.
#[derive(Debug, Clone, Default)]
pub struct SideItems {
    words: usize,
    always: Vec<u64>,
    vnet: Vec<u64>,
    public: Vec<u64>,
    /// Interval start addresses, ascending (the first is 0).
    starts: Vec<u32>,
    /// `words` bits per interval.
    covered: Vec<u64>,
    /// ASG members' addresses (sorted) and the rules naming the ASG.
    asgs: Vec<(Vec<u32>, Vec<u64>)>,
}

impl SideItems {
    /// Bit `i` set when rule `i` has an entry matching `ip` (`in_vnet`: whether `ip` is in the
    /// evaluating NIC's `VirtualNetwork` view, [`DataPlane::nsg_view_contains`]).
    pub fn bits(&self, ip: Ipv4Addr, in_vnet: bool) -> Vec<u64> {
        let ip = u32::from(ip);
        let mut out = self.always.clone();
        let mut or = |b: &[u64]| out.iter_mut().zip(b).for_each(|(o, x)| *o |= x);
        if in_vnet {
            or(&self.vnet);
        }
        if is_public(ip) {
            or(&self.public);
        }
        let k = self.starts.partition_point(|&c| c <= ip);
        if k > 0 {
            or(&self.covered[(k - 1) * self.words..k * self.words]);
        }
        for (members, bits) in &self.asgs {
            if members.binary_search(&ip).is_ok() {
                or(bits);
            }
        }
        out
    }
}
