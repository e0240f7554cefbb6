//! Exact flow sets between two endpoints, by packet walks of the compiled data plane.
//!
//! A walk's path does not depend on protocol or ports (routes match destination addresses;
//! peering flags, IP forwarding, power states and return routes are per packet), only the NSG
//! verdicts along it do, and those only through the port ranges of the rules of the NICs on
//! the path. So: one ICMP walk finds the path (and any blocker that stops every flow); the port
//! ranges of the NSGs met on it cut each port axis into intervals on which every verdict is
//! constant; one walk per (protocol, source-port interval, destination-port interval) decides
//! that whole box. The answer is exact over all 2 × 65536² + 1 flows, and every verdict is
//! `DataPlane::walk`'s: there is no second model of routing or security here.
//!
//! Reply-direction NSG evaluations (at appliances the request did not cross) see the ports
//! swapped, so their rules cut the other axis.

use crate::endpoint::Member;
use crate::inventory::{parent_id, Inventory};
use crate::space::{FlowSpace, PortPlane, PortSet, Proto};
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use vnetlab_dataplane::{
    Blocker, DataPlane, Direction, Endpoint as Start, Flow, Hop, HopKind, NicHandle, RuleSpace,
    Walk,
};

/// The blocker kinds whose verdict can depend on protocol or ports. Any other blocker on the
/// ICMP walk stops every flow of the pair (routing, peering, forwarding, power, return path).
pub fn port_dependent(b: &Blocker) -> bool {
    (b.kind == "NetworkSecurityRule"
        && b.resource_id
            .to_ascii_lowercase()
            .contains("/networksecuritygroups/"))
        || b.kind == "GuestFirewall"
}

/// Where a walk's path evaluates NSGs: (NIC, direction) for the request in path order, and
/// for the reply at NICs the request did not cross (whose flow records do not cover it).
pub type NsgPoints = (Vec<(NicHandle, Direction)>, Vec<(NicHandle, Direction)>);

pub fn nsg_points(dp: &DataPlane, w: &Walk) -> NsgPoints {
    let points = |hops: &[Hop]| -> Vec<(NicHandle, Direction)> {
        let mut out = Vec::new();
        for h in hops {
            let lower = h.resource_id.to_ascii_lowercase();
            if !lower.contains("/networkinterfaces/") || !lower.contains("/ipconfigurations/") {
                continue;
            }
            let Some(nic) = dp.nic_handle(parent_id(&h.resource_id)) else {
                continue;
            };
            match h.kind {
                HopKind::Source => out.push((nic, Direction::Outbound)),
                HopKind::VirtualAppliance => {
                    out.push((nic, Direction::Inbound));
                    out.push((nic, Direction::Outbound));
                }
                HopKind::Destination => out.push((nic, Direction::Inbound)),
                _ => {}
            }
        }
        out
    };
    let fwd = points(&w.hops);
    let back = points(&w.return_hops)
        .into_iter()
        .filter(|(n, _)| !fwd.iter().any(|(f, _)| f == n))
        .collect();
    (fwd, back)
}

/// One box of flows decided by one walk.
#[derive(Debug, Clone)]
pub struct Atom {
    pub proto: Proto,
    pub sports: (u16, u16),
    pub dports: (u16, u16),
    pub delivered: bool,
    pub blockers: Vec<Blocker>,
}

impl Atom {
    pub fn space(&self) -> FlowSpace {
        let plane = PortPlane::product(
            &PortSet::from_ranges(vec![self.sports]),
            &PortSet::from_ranges(vec![self.dports]),
        );
        match self.proto {
            Proto::Tcp => FlowSpace {
                tcp: plane,
                ..FlowSpace::empty()
            },
            Proto::Udp => FlowSpace {
                udp: plane,
                ..FlowSpace::empty()
            },
            Proto::Icmp => FlowSpace {
                icmp: true,
                ..FlowSpace::empty()
            },
        }
    }
}

/// Every flow between two members, decided.
#[derive(Debug, Clone)]
pub struct PairFlows {
    pub src: Member,
    pub dst: Member,
    /// The address the flows are sent to (a NIC's private address; its public address when the
    /// source is on the Internet).
    pub dst_addr: Ipv4Addr,
    pub delivered: FlowSpace,
    pub atoms: Vec<Atom>,
    /// The engine refused the question (e.g. an address nothing can send from).
    pub error: Option<String>,
}

/// Source- and destination-port ranges named by the rules of the NSGs on a NIC.
type PortCuts = (Vec<(u16, u16)>, Vec<(u16, u16)>);

/// Walks flows; caches NSG port cuts per NIC.
pub struct Prober<'a> {
    pub dp: &'a DataPlane,
    pub inv: &'a Inventory,
    cuts: RefCell<HashMap<String, PortCuts>>,
    pub walks: RefCell<u64>,
    /// Walk every port class even when a blocker already stops every flow, so that each
    /// class's own blockers (an NSG rule behind a missing route) are known too.
    pub all_blockers: bool,
    /// Walk once per group of port classes that every NSG on the path decides alike (the
    /// default); off, every class is walked (the reference the tests compare with).
    pub group_classes: bool,
}

fn intervals(ranges: &[(u16, u16)]) -> Vec<(u16, u16)> {
    let mut cuts: BTreeSet<u32> = [0u32, 65536].into_iter().collect();
    for &(a, b) in ranges {
        cuts.insert(u32::from(a));
        cuts.insert(u32::from(b) + 1);
    }
    let c: Vec<u32> = cuts.into_iter().collect();
    c.windows(2)
        .map(|w| (w[0] as u16, (w[1] - 1) as u16))
        .collect()
}

impl<'a> Prober<'a> {
    pub fn new(dp: &'a DataPlane, inv: &'a Inventory) -> Prober<'a> {
        Prober {
            dp,
            inv,
            cuts: RefCell::new(HashMap::new()),
            walks: RefCell::new(0),
            all_blockers: false,
            group_classes: true,
        }
    }

    /// A prober over a verifier's estate.
    pub fn of(v: &'a crate::Verifier) -> Prober<'a> {
        Prober::new(&v.dp, &v.inv)
    }

    /// The engine's start for a member.
    pub fn start(&self, m: Member) -> Start {
        match m {
            Member::Nic(n) => Start::Nic {
                nic_id: self.inv.nics[n].id.clone(),
            },
            Member::Address(a) => Start::Address(IpAddr::V4(a)),
        }
    }

    /// Where flows from `src` to `dst` are addressed.
    pub fn target(&self, src: Member, dst: Member) -> Option<Ipv4Addr> {
        match dst {
            Member::Address(a) => Some(a),
            Member::Nic(n) => {
                let nic = &self.inv.nics[n];
                let from_internet =
                    matches!(src, Member::Address(a) if crate::endpoint::is_public(u32::from(a)));
                if from_internet {
                    nic.public_ips.first().copied().or(nic.ip)
                } else {
                    nic.ip
                }
            }
        }
    }

    /// One walk.
    pub fn walk(
        &self,
        src: Member,
        dst: Ipv4Addr,
        proto: Proto,
        sport: u16,
        dport: u16,
    ) -> Result<Walk, String> {
        *self.walks.borrow_mut() += 1;
        let flow = Flow {
            protocol: proto.to_engine(),
            src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            src_port: sport,
            dst: IpAddr::V4(dst),
            dst_port: dport,
        };
        self.dp.walk(&self.start(src), flow).map_err(|e| match e {
            vnetlab_dataplane::QueryError::NotFound(w) => format!("{w} not found"),
            vnetlab_dataplane::QueryError::Invalid(w) => w,
            vnetlab_dataplane::QueryError::NotSupported(w) => {
                format!("{w} is not supported by vnetlab yet")
            }
        })
    }

    /// Port ranges of every rule of the NSGs applying to a NIC, from the compiled data plane
    /// (no record is parsed again); `None` when the engine does not know the NIC.
    fn compiled_cuts(&self, nic_id: &str) -> Option<PortCuts> {
        let h = self.dp.nic_handle(nic_id)?;
        let (mut s, mut d) = (Vec::new(), Vec::new());
        for nsg in self
            .dp
            .nsg_order(h, Direction::Inbound)
            .into_iter()
            .flatten()
        {
            for pos in 0..self.dp.nsg_rule_count(nsg) {
                if let Some(r) = self.dp.nsg_rule_space(nsg, pos) {
                    s.extend(r.source_ports);
                    d.extend(r.destination_ports);
                }
            }
        }
        Some((s, d))
    }

    /// Source- and destination-port ranges of the rules of the NSGs applying to a NIC.
    fn nic_cuts(&self, nic_id: &str) -> PortCuts {
        let key = nic_id.to_ascii_lowercase();
        if let Some(c) = self.cuts.borrow().get(&key) {
            return c.clone();
        }
        let c = self.compiled_cuts(nic_id).unwrap_or_default();
        self.cuts.borrow_mut().insert(key, c.clone());
        c
    }

    /// NICs of a hop list (ipConfiguration resource ids).
    fn nics_of(hops: &[vnetlab_dataplane::Hop]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for h in hops {
            if h.resource_id
                .to_ascii_lowercase()
                .contains("/networkinterfaces/")
                && h.resource_id
                    .to_ascii_lowercase()
                    .contains("/ipconfigurations/")
            {
                let nic = parent_id(&h.resource_id).to_string();
                if !out.iter().any(|o| o.eq_ignore_ascii_case(&nic)) {
                    out.push(nic);
                }
            }
        }
        out
    }

    /// The NSG layers a walk's path evaluates, each with its address-matching rules' boxes in
    /// priority order, and whether it sees the reply (ports swapped).
    fn path_layers(
        &self,
        w: &Walk,
        s_ip: Ipv4Addr,
        d_ip: Ipv4Addr,
        past: Option<NicHandle>,
    ) -> Vec<PathLayer> {
        let (mut fwd, back) = nsg_points(self.dp, w);
        // The destination's inbound NSGs past a dead end decide arrival blockers too.
        fwd.extend(past.map(|d| (d, Direction::Inbound)));
        let mut out = Vec::new();
        for (pts, reply) in [(fwd, false), (back, true)] {
            for (nic, dir) in pts {
                let (s, d) = if reply { (d_ip, s_ip) } else { (s_ip, d_ip) };
                for lm in self.dp.nsg_layer_matches(nic, dir, s, d) {
                    let rules = lm
                        .rules
                        .iter()
                        .filter_map(|&pos| Some((pos, self.dp.nsg_rule_space(lm.nsg, pos)?)))
                        .collect();
                    out.push(PathLayer { reply, rules });
                }
            }
        }
        out
    }

    /// Every flow from `src` to `dst`, decided.
    pub fn pair(&self, src: Member, dst: Member) -> PairFlows {
        self.pair_cut(src, dst, &Proto::ALL, &PortSet::all())
    }

    /// The flows of the given protocols to the given destination ports only (classes are cut
    /// at the selection's boundaries, so each lies inside it and its walk names a selected
    /// port); `delivered` holds nothing outside the selection.
    pub fn pair_cut(
        &self,
        src: Member,
        dst: Member,
        protocols: &[Proto],
        dports: &PortSet,
    ) -> PairFlows {
        let Some(addr) = self.target(src, dst) else {
            return PairFlows {
                src,
                dst,
                dst_addr: Ipv4Addr::UNSPECIFIED,
                delivered: FlowSpace::empty(),
                atoms: Vec::new(),
                error: Some("the destination has no private IPv4 address".into()),
            };
        };
        let mut out = PairFlows {
            src,
            dst,
            dst_addr: addr,
            delivered: FlowSpace::empty(),
            atoms: Vec::new(),
            error: None,
        };
        let rep = match self.walk(src, addr, Proto::Icmp, 0, 0) {
            Ok(w) => w,
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        };
        let stops_all: Vec<Blocker> = rep
            .blockers
            .iter()
            .filter(|b| !port_dependent(b))
            .cloned()
            .collect();
        // Past a dead end before the destination NIC (every walk of the pair stops where this
        // one does), what the flows would still meet there is listed too.
        let past = match dst {
            Member::Nic(d)
                if self.all_blockers
                    && !rep.hops.iter().any(|h| h.kind == HopKind::Destination) =>
            {
                Some(d)
            }
            _ => None,
        };
        let past_handle = past.and_then(|d| self.dp.nic_handle(&self.inv.nics[d].id));
        let arrive =
            |delivered: bool, blockers: Vec<Blocker>, proto: Proto, sport, dport| match past {
                Some(d) if !delivered => {
                    self.with_arrival(blockers, src, d, addr, proto, sport, dport)
                }
                _ => blockers,
            };
        out.atoms.push(Atom {
            proto: Proto::Icmp,
            sports: (0, 0),
            dports: (0, 0),
            delivered: rep.delivered,
            blockers: arrive(rep.delivered, rep.blockers.clone(), Proto::Icmp, 0, 0),
        });
        out.delivered.icmp = rep.delivered && protocols.contains(&Proto::Icmp);
        if !stops_all.is_empty() && !self.all_blockers {
            for proto in [Proto::Tcp, Proto::Udp] {
                out.atoms.push(Atom {
                    proto,
                    sports: (0, u16::MAX),
                    dports: (0, u16::MAX),
                    delivered: false,
                    blockers: stops_all.clone(),
                });
            }
            return out;
        }
        // Port cuts from the NSGs met: forward ones as they are, reply-only ones swapped.
        let fwd = Self::nics_of(&rep.hops);
        let back: Vec<String> = Self::nics_of(&rep.return_hops)
            .into_iter()
            .filter(|n| !fwd.iter().any(|f| f.eq_ignore_ascii_case(n)))
            .collect();
        let (mut scuts, mut dcuts) = (Vec::new(), Vec::new());
        for n in &fwd {
            let (s, d) = self.nic_cuts(n);
            scuts.extend(s);
            dcuts.extend(d);
        }
        for n in &back {
            let (s, d) = self.nic_cuts(n);
            scuts.extend(d);
            dcuts.extend(s);
        }
        // Past a dead end, the destination's inbound rules decide the arrival blockers: their
        // ranges cut the classes too, so each class meets one decision there.
        if let Some(d) = past {
            let (s, d) = self.nic_cuts(&self.inv.nics[d].id);
            scuts.extend(s);
            dcuts.extend(d);
        }
        dcuts.extend(dports.ranges().iter().copied());
        let (sints, dints) = (intervals(&scuts), intervals(&dcuts));
        let dints: Vec<(u16, u16)> = dints
            .into_iter()
            .filter(|&(a, _)| dports.contains(a))
            .collect();
        // NSG evaluations on the path, when their addresses are known (NIC to NIC): port
        // classes on which every NSG decides by the same deny rule (or allows) give the same
        // walk, so one walk per group decides them all.
        let s_ip = match (src, dst) {
            (Member::Nic(n), Member::Nic(_)) if self.group_classes => self
                .dp
                .nic_handle(&self.inv.nics[n].id)
                .and_then(|h| self.dp.nic_address(h)),
            _ => None,
        };
        let layers = s_ip.map(|s_ip| self.path_layers(&rep, s_ip, addr, past_handle));
        for proto in [Proto::Tcp, Proto::Udp]
            .into_iter()
            .filter(|p| protocols.contains(p))
        {
            for &si in &sints {
                let sport = representative_sport(si);
                let groups = layers
                    .as_ref()
                    .map(|l| decision_groups(l, proto, sport, &dints));
                let mut decided: FxHashMap<u32, (bool, Vec<Blocker>)> = FxHashMap::default();
                for (k, &di) in dints.iter().enumerate() {
                    let dport = representative_dport(di);
                    let group = groups.as_ref().map(|g| g[k]);
                    if let Some(known) = group.and_then(|g| decided.get(&g)) {
                        out.atoms.push(Atom {
                            proto,
                            sports: si,
                            dports: di,
                            delivered: known.0,
                            blockers: known.1.clone(),
                        });
                        continue;
                    }
                    let (delivered, blockers) = match self.walk(src, addr, proto, sport, dport) {
                        Ok(w) => (w.delivered, w.blockers),
                        Err(e) => (
                            false,
                            vec![Blocker {
                                kind: "Unsupported".into(),
                                resource_id: String::new(),
                                explanation: e,
                                fix: String::new(),
                            }],
                        ),
                    };
                    let blockers = arrive(delivered, blockers, proto, sport, dport);
                    if let Some(g) = group {
                        decided.insert(g, (delivered, blockers.clone()));
                    }
                    out.atoms.push(Atom {
                        proto,
                        sports: si,
                        dports: di,
                        delivered,
                        blockers,
                    });
                }
            }
        }
        for a in &out.atoms {
            if a.delivered && a.proto != Proto::Icmp {
                out.delivered = out.delivered.union(&a.space());
            }
        }
        out
    }

    /// `blockers` and, after them, the destination NIC's inbound NSG blockers for this flow
    /// (one it never reached: a dead end came first), so that lifting the dead end alone is
    /// not mistaken for the whole fix.
    #[allow(clippy::too_many_arguments)]
    fn with_arrival(
        &self,
        mut blockers: Vec<Blocker>,
        src: Member,
        dst: usize,
        addr: Ipv4Addr,
        proto: Proto,
        sport: u16,
        dport: u16,
    ) -> Vec<Blocker> {
        let flow = Flow {
            protocol: proto.to_engine(),
            src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            src_port: sport,
            dst: IpAddr::V4(addr),
            dst_port: dport,
        };
        let more = self
            .dp
            .arrival_blockers(&self.start(src), flow, &self.inv.nics[dst].id)
            .unwrap_or_default();
        for mut b in more {
            if blockers
                .iter()
                .any(|x| x.kind == b.kind && x.resource_id == b.resource_id)
            {
                continue;
            }
            b.explanation = format!("Past the dead end, at the destination: {}", b.explanation);
            blockers.push(b);
        }
        blockers
    }
}

/// The source port a class is walked with: an ephemeral one when the class has one (what
/// clients use).
fn representative_sport(si: (u16, u16)) -> u16 {
    if si.0 <= 49152 && 49152 <= si.1 {
        49152
    } else {
        si.0
    }
}

/// The destination port a class is walked with: a port people recognise when the class has
/// one (blockers quote it).
fn representative_dport(di: (u16, u16)) -> u16 {
    [443, 80, 22, 3389, 53, 5432, 1433]
        .into_iter()
        .find(|p| di.0 <= *p && *p <= di.1)
        .unwrap_or(di.0)
}

/// One NSG layer on a path: its address-matching rules (position, box) in priority order.
struct PathLayer {
    reply: bool,
    rules: Vec<(u32, RuleSpace)>,
}

/// Groups destination-port classes by the decision of every layer for `proto` from `sport`:
/// the deciding rule when it denies, one mark when it allows (a walk's delivery and blockers
/// depend on nothing else that ports change). Returns a group id per class.
fn decision_groups(
    layers: &[PathLayer],
    proto: Proto,
    sport: u16,
    dints: &[(u16, u16)],
) -> Vec<u32> {
    const ALLOWED: u32 = 0;
    const NO_RULE: u32 = u32::MAX;
    let starts: Vec<u16> = dints.iter().map(|d| d.0).collect();
    let mut columns: Vec<Vec<u32>> = Vec::with_capacity(layers.len());
    for l in layers {
        let mut owner = vec![NO_RULE; dints.len()];
        let mut left = dints.len();
        for (pos, r) in &l.rules {
            let carries = match proto {
                Proto::Tcp => r.tcp,
                Proto::Udp => r.udp,
                Proto::Icmp => r.icmp,
            };
            // The request's destination port is the reply's source port.
            let (fixed, painted) = if l.reply {
                (&r.destination_ports, &r.source_ports)
            } else {
                (&r.source_ports, &r.destination_ports)
            };
            if !carries || !fixed.iter().any(|&(a, b)| a <= sport && sport <= b) {
                continue;
            }
            let mark = if r.allow { ALLOWED } else { pos + 1 };
            for &(a, b) in painted {
                let from = starts.partition_point(|&x| x < a);
                let to = starts.partition_point(|&x| x <= b);
                for o in &mut owner[from..to] {
                    if *o == NO_RULE {
                        *o = mark;
                        left -= 1;
                    }
                }
            }
            if left == 0 {
                break;
            }
        }
        columns.push(owner);
    }
    let mut ids: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
    (0..dints.len())
        .map(|k| {
            let key: Vec<u32> = columns.iter().map(|c| c[k]).collect();
            let next = ids.len() as u32;
            *ids.entry(key).or_insert(next)
        })
        .collect()
}
