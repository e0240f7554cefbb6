//! The matrix's pair oracle over header-space classes instead of one walk per port class.
//!
//! Two facts make a pair's exact flow set cheap (see `vnetlab_dataplane::headerspace`):
//! - a walk's path and its port-independent blockers depend on the NICs only through their
//!   walk classes (`DataPlane::walk_classes`), so one ICMP walk per (source class,
//!   destination class) gives the path shape (which NICs' NSGs are evaluated, in which
//!   direction, forward or on the reply) and whether anything but an NSG stops the flow;
//! - an NSG layer's verdict over every protocol and port depends on the addresses only through
//!   which rules' addresses match (the AND of two `DataPlane::nsg_side_items` bitsets);
//!   first match over the matching rules' boxes (`first_match_space`) gives the allowed set,
//!   memoised per distinct match set.
//!
//! A pair's delivered set is the intersection of the allowed sets of the forward evaluations and
//! of the reply-only ones (ports swapped). This is what the walk-per-class prober
//! ([`crate::probe`]) computes; the property tests hold the two equal cell by cell.

use crate::endpoint::Member;
use crate::matrix::{Cell, PairSpaces};
use crate::probe::{nsg_points, port_dependent, Prober};
use crate::space::{FlowSpace, PortPlane, PortSet, Proto};
use crate::Verifier;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::net::Ipv4Addr;
use vnetlab_dataplane::{Direction, NextHopType, NicHandle, RuleSpace, SideItems};

/// Whose NSGs: the pair's source, its destination, or a fixed NIC (an appliance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Src,
    Dst,
    Fixed(NicHandle),
}

/// What one class-pair walk says about every pair of those classes.
#[derive(Debug, Clone)]
struct Path {
    /// Something other than an NSG stops every flow (or the engine refused the question).
    blocked: bool,
    /// The destination host drops ICMP (Windows' firewall).
    no_icmp: bool,
    /// NSG evaluations of the request (source → destination addresses).
    fwd: Vec<(Role, Direction)>,
    /// NSG evaluations of the reply at NICs the request did not cross (addresses and ports
    /// swapped).
    back: Vec<(Role, Direction)>,
}

/// The allowed set of rules in priority order, first match wins.
fn first_match_space(rules: &[&RuleSpace]) -> FlowSpace {
    let any_sport = |r: &RuleSpace| r.source_ports.iter().any(|&(a, b)| a == 0 && b == u16::MAX);
    if rules.iter().all(|r| !(r.tcp || r.udp) || any_sport(r)) {
        return layer_space_by_dport(rules);
    }
    layer_space_by_planes(rules)
}

/// First match when no rule restricts source ports: per transport protocol, the destination
/// ports are painted with the verdict of the first rule that covers them (elementary intervals
/// of the rules' ranges, each painted once).
fn layer_space_by_dport(rules: &[&RuleSpace]) -> FlowSpace {
    let plane = |pick: fn(&RuleSpace) -> bool| -> PortPlane {
        let mine: Vec<&RuleSpace> = rules.iter().copied().filter(|r| pick(r)).collect();
        let mut cuts: Vec<u32> = vec![0, 65536];
        for r in &mine {
            for &(a, b) in &r.destination_ports {
                cuts.push(u32::from(a));
                cuts.push(u32::from(b) + 1);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let n = cuts.len() - 1;
        // 0 undecided, 1 allowed, 2 denied; `next` skips painted intervals (path halving).
        let mut verdict = vec![0u8; n];
        let mut next: Vec<u32> = (0..=n as u32).collect();
        let mut left = n;
        'rules: for r in &mine {
            for &(a, b) in &r.destination_ports {
                let end = cuts.partition_point(|&c| c <= u32::from(b));
                let mut i = cuts.partition_point(|&c| c < u32::from(a));
                loop {
                    while next[i] as usize != i {
                        let up = next[next[i] as usize];
                        next[i] = up;
                        i = up as usize;
                    }
                    if i >= end {
                        break;
                    }
                    verdict[i] = if r.allow { 1 } else { 2 };
                    next[i] = i as u32 + 1;
                    left -= 1;
                    if left == 0 {
                        break 'rules;
                    }
                    i += 1;
                }
            }
        }
        let allowed: Vec<(u16, u16)> = (0..n)
            .filter(|&i| verdict[i] == 1)
            .map(|i| (cuts[i] as u16, (cuts[i + 1] - 1) as u16))
            .collect();
        PortPlane::product(&PortSet::all(), &PortSet::from_ranges(allowed))
    };
    FlowSpace {
        tcp: plane(|r| r.tcp),
        udp: plane(|r| r.udp),
        icmp: rules.iter().find(|r| r.icmp).is_some_and(|r| r.allow),
    }
}

/// First match by interval subtraction over (source port, destination port) planes.
fn layer_space_by_planes(rules: &[&RuleSpace]) -> FlowSpace {
    let mut remaining = FlowSpace::all();
    let mut allowed = FlowSpace::empty();
    for &r in rules {
        let plane = PortPlane::product(
            &PortSet::from_ranges(r.source_ports.clone()),
            &PortSet::from_ranges(r.destination_ports.clone()),
        );
        let q = FlowSpace {
            tcp: if r.tcp {
                plane.clone()
            } else {
                PortPlane::empty()
            },
            udp: if r.udp { plane } else { PortPlane::empty() },
            icmp: r.icmp,
        };
        if r.allow {
            allowed = allowed.union(&remaining.intersect(&q));
        }
        remaining = remaining.minus(&q);
        if remaining.is_empty() {
            break;
        }
    }
    allowed
}

/// Pair spaces from class walks and NSG intervals (one per thread: memos are not shared).
///
/// Everything a pair's answer is built from is memoised under small integer keys, so that a
/// NIC pair costs a few hash lookups: flow sets are interned ([`Spaces`]), an NSG layer's
/// matching rules are the AND of two side bitsets ([`DataPlane::nsg_side_bits`], memoised
/// per NSG, direction, side, address and `VirtualNetwork` membership), and the allowed set of
/// each distinct AND is computed once.
pub struct ClassOracle<'a> {
    v: &'a Verifier,
    prober: Prober<'a>,
    /// Inventory NIC → engine handle.
    handles: Vec<Option<NicHandle>>,
    /// Engine handle → walk class.
    classes: &'a [u32],
    memo: RefCell<Memo>,
}

/// Interned flow sets: equal sets have equal ids; [`EMPTY`] and [`ALL`] are fixed.
#[derive(Default)]
struct Spaces {
    list: Vec<FlowSpace>,
    ids: FxHashMap<FlowSpace, u32>,
    inter: FxHashMap<(u32, u32), u32>,
    union: FxHashMap<(u32, u32), u32>,
    transpose: FxHashMap<u32, u32>,
    no_icmp: FxHashMap<u32, u32>,
}

const EMPTY: u32 = 0;
const ALL: u32 = 1;

impl Spaces {
    fn new() -> Spaces {
        let mut s = Spaces::default();
        s.id(FlowSpace::empty());
        s.id(FlowSpace::all());
        s
    }

    fn id(&mut self, f: FlowSpace) -> u32 {
        if let Some(&i) = self.ids.get(&f) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(f.clone());
        self.ids.insert(f, i);
        i
    }

    fn get(&self, i: u32) -> &FlowSpace {
        &self.list[i as usize]
    }

    fn intersect(&mut self, a: u32, b: u32) -> u32 {
        if a == EMPTY || b == EMPTY {
            return EMPTY;
        }
        if a == ALL || a == b {
            return b;
        }
        if b == ALL {
            return a;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&r) = self.inter.get(&key) {
            return r;
        }
        let f = self.get(a).intersect(self.get(b));
        let r = self.id(f);
        self.inter.insert(key, r);
        r
    }

    fn union(&mut self, a: u32, b: u32) -> u32 {
        if a == ALL || b == ALL {
            return ALL;
        }
        if a == EMPTY || a == b {
            return b;
        }
        if b == EMPTY {
            return a;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&r) = self.union.get(&key) {
            return r;
        }
        let f = self.get(a).union(self.get(b));
        let r = self.id(f);
        self.union.insert(key, r);
        r
    }

    fn transpose(&mut self, a: u32) -> u32 {
        if a == EMPTY || a == ALL {
            return a;
        }
        if let Some(&r) = self.transpose.get(&a) {
            return r;
        }
        let f = self.get(a).transpose();
        let r = self.id(f);
        self.transpose.insert(a, r);
        r
    }

    fn without_icmp(&mut self, a: u32) -> u32 {
        if a == EMPTY {
            return a;
        }
        if let Some(&r) = self.no_icmp.get(&a) {
            return r;
        }
        let mut f = self.get(a).clone();
        f.icmp = false;
        let r = self.id(f);
        self.no_icmp.insert(a, r);
        r
    }
}

/// One side of an NSG's matching: NSG, inbound, source side, address, in `VirtualNetwork`.
type SideKey = (u32, bool, bool, u32, bool);

#[derive(Default)]
struct Memo {
    spaces: Spaces,
    /// Walk class pair → index in `path_list`.
    paths: FxHashMap<(u32, u32), u32>,
    path_list: Vec<Path>,
    /// Side key → index in `bit_list` (interned bitsets over one NSG's rules).
    sides: FxHashMap<SideKey, u32>,
    bit_list: Vec<Vec<u64>>,
    bit_ids: FxHashMap<Vec<u64>, u32>,
    /// (NSG, source bits, destination bits) → the layer's allowed set.
    layers: FxHashMap<(u32, u32, u32), u32>,
    /// (NSG, matching rules as bits) → the layer's allowed set.
    matched: FxHashMap<(u32, u32), u32>,
    /// (NSG, inbound, source side) → its rules' entries, resolved.
    side_items: FxHashMap<(u32, bool, bool), SideItems>,
    /// NSG → the protocol/port box of each of its rules.
    boxes: FxHashMap<u32, Vec<Option<RuleSpace>>>,
}

impl Memo {
    fn bits_id(&mut self, bits: Vec<u64>) -> u32 {
        if let Some(&i) = self.bit_ids.get(&bits) {
            return i;
        }
        let i = self.bit_list.len() as u32;
        self.bit_list.push(bits.clone());
        self.bit_ids.insert(bits, i);
        i
    }
}

/// Inventory NIC → engine handle, for every NIC of the inventory.
pub fn handles(v: &Verifier) -> Vec<Option<NicHandle>> {
    v.inv.nics.iter().map(|n| v.dp.nic_handle(&n.id)).collect()
}

/// A NIC of a cell, resolved once: inventory index, engine handle, walk class, the address
/// it sends from and the address flows to it are sent to.
#[derive(Clone, Copy)]
struct Resolved {
    nic: usize,
    handle: NicHandle,
    class: u32,
    ip: Ipv4Addr,
    target: Ipv4Addr,
}

impl<'a> ClassOracle<'a> {
    pub fn new(v: &'a Verifier, classes: &'a [u32], handles: Vec<Option<NicHandle>>) -> Self {
        let memo = Memo {
            spaces: Spaces::new(),
            ..Memo::default()
        };
        ClassOracle {
            v,
            prober: Prober::of(v),
            handles,
            classes,
            memo: RefCell::new(memo),
        }
    }

    fn class(&self, h: NicHandle) -> Option<u32> {
        self.classes.get(self.v.dp.nic_handle_index(h)).copied()
    }

    /// A NIC the fast path can take (an engine handle, a walk class and an address); others
    /// go through the prober pair by pair.
    fn resolve(&self, nic: usize) -> Option<Resolved> {
        let handle = (*self.handles.get(nic)?)?;
        Some(Resolved {
            nic,
            handle,
            class: self.class(handle)?,
            ip: self.v.dp.nic_address(handle)?,
            target: self.prober.target(Member::Nic(nic), Member::Nic(nic))?,
        })
    }

    /// The path of a pair of walk classes (one walk per class pair, with these NICs as its
    /// representatives).
    fn path_of(&self, s: &Resolved, d: &Resolved) -> u32 {
        let key = (s.class, d.class);
        if let Some(&i) = self.memo.borrow().paths.get(&key) {
            return i;
        }
        // A first route to nowhere (`None`, or the Internet for a private address) drops
        // every flow at the source: no walk needed to know the path is blocked.
        let dead_end = match self.v.dp.first_route_hop(s.handle, d.target) {
            None | Some(NextHopType::None) => true,
            Some(NextHopType::Internet) => !crate::endpoint::is_public(u32::from(d.target)),
            Some(_) => false,
        };
        let p = if dead_end {
            Path {
                blocked: true,
                no_icmp: true,
                fwd: Vec::new(),
                back: Vec::new(),
            }
        } else {
            self.path(s.nic, d.nic, s.handle, d.handle)
        };
        let mut m = self.memo.borrow_mut();
        let i = m.path_list.len() as u32;
        m.path_list.push(p);
        m.paths.insert(key, i);
        i
    }

    fn path(&self, src: usize, dst: usize, hs: NicHandle, hd: NicHandle) -> Path {
        let blocked = Path {
            blocked: true,
            no_icmp: true,
            fwd: Vec::new(),
            back: Vec::new(),
        };
        let Some(addr) = self.prober.target(Member::Nic(src), Member::Nic(dst)) else {
            return blocked;
        };
        let Ok(w) = self.prober.walk(Member::Nic(src), addr, Proto::Icmp, 0, 0) else {
            return blocked;
        };
        if w.blockers.iter().any(|b| !port_dependent(b)) {
            return blocked;
        }
        let (f, b) = nsg_points(&self.v.dp, &w);
        let role = |h: NicHandle| {
            if h == hs {
                Role::Src
            } else if h == hd {
                Role::Dst
            } else {
                Role::Fixed(h)
            }
        };
        let fwd: Vec<(Role, Direction)> = f.into_iter().map(|(h, d)| (role(h), d)).collect();
        let back = b.into_iter().map(|(h, d)| (role(h), d)).collect();
        Path {
            blocked: false,
            no_icmp: w.blockers.iter().any(|b| b.kind == "GuestFirewall"),
            fwd,
            back,
        }
    }

    /// The side bitset of one NSG for one address.
    fn side(&self, m: &mut Memo, key: SideKey) -> u32 {
        if let Some(&i) = m.sides.get(&key) {
            return i;
        }
        let (nsg, inbound, source, ip, in_vnet) = key;
        let dp = &self.v.dp;
        let bits = m
            .side_items
            .entry((nsg, inbound, source))
            .or_insert_with(|| dp.nsg_side_items(nsg, inbound, source))
            .bits(Ipv4Addr::from(ip), in_vnet);
        let i = m.bits_id(bits);
        m.sides.insert(key, i);
        i
    }

    /// The allowed set (an interned id) of NIC `h`'s NSGs in one direction for packets from
    /// `src` to `dst`.
    fn nic_space(
        &self,
        m: &mut Memo,
        h: NicHandle,
        dir: Direction,
        src: Ipv4Addr,
        dst: Ipv4Addr,
    ) -> u32 {
        let inbound = dir == Direction::Inbound;
        let mut out = ALL;
        let order = self.v.dp.nsg_order(h, dir);
        if order.iter().all(Option::is_none) {
            return out;
        }
        let s_in = self.v.dp.nsg_view_contains(h, src);
        let d_in = self.v.dp.nsg_view_contains(h, dst);
        for nsg in order.into_iter().flatten() {
            let sb = self.side(m, (nsg, inbound, true, u32::from(src), s_in));
            let db = self.side(m, (nsg, inbound, false, u32::from(dst), d_in));
            let layer = match m.layers.get(&(nsg, sb, db)) {
                Some(&l) => l,
                None => {
                    let both: Vec<u64> = m.bit_list[sb as usize]
                        .iter()
                        .zip(&m.bit_list[db as usize])
                        .map(|(a, b)| a & b)
                        .collect();
                    let bid = m.bits_id(both);
                    let l = match m.matched.get(&(nsg, bid)) {
                        Some(&l) => l,
                        None => {
                            let dp = &self.v.dp;
                            let boxes = m.boxes.entry(nsg).or_insert_with(|| {
                                (0..dp.nsg_rule_count(nsg))
                                    .map(|pos| dp.nsg_rule_space(nsg, pos))
                                    .collect()
                            });
                            let rules: Vec<&RuleSpace> = set_bits(&m.bit_list[bid as usize])
                                .into_iter()
                                .filter_map(|pos| boxes.get(pos as usize)?.as_ref())
                                .collect();
                            let f = first_match_space(&rules);
                            let l = m.spaces.id(f);
                            m.matched.insert((nsg, bid), l);
                            l
                        }
                    };
                    m.layers.insert((nsg, sb, db), l);
                    l
                }
            };
            out = m.spaces.intersect(out, layer);
            if out == EMPTY {
                break;
            }
        }
        out
    }

    /// The delivered set (an interned id) of one NIC pair on a known, unblocked path.
    fn pair_id(&self, m: &mut Memo, path: u32, s: &Resolved, d: &Resolved) -> u32 {
        let p = &m.path_list[path as usize];
        if p.blocked {
            return EMPTY;
        }
        let (n_fwd, n_back, no_icmp) = (p.fwd.len(), p.back.len(), p.no_icmp);
        let who = |r: Role| match r {
            Role::Src => s.handle,
            Role::Dst => d.handle,
            Role::Fixed(h) => h,
        };
        let mut out = ALL;
        for i in 0..n_fwd {
            let (r, dir) = m.path_list[path as usize].fwd[i];
            let x = self.nic_space(m, who(r), dir, s.ip, d.target);
            out = m.spaces.intersect(out, x);
            if out == EMPTY {
                return out;
            }
        }
        for i in 0..n_back {
            let (r, dir) = m.path_list[path as usize].back[i];
            let x = self.nic_space(m, who(r), dir, d.target, s.ip);
            let x = m.spaces.transpose(x);
            out = m.spaces.intersect(out, x);
            if out == EMPTY {
                return out;
            }
        }
        if no_icmp {
            out = m.spaces.without_icmp(out);
        }
        out
    }
}

/// The positions of the set bits, ascending.
fn set_bits(bits: &[u64]) -> Vec<u32> {
    let mut out = Vec::new();
    for (w, &word) in bits.iter().enumerate() {
        let mut x = word;
        while x != 0 {
            out.push((w * 64) as u32 + x.trailing_zeros());
            x &= x - 1;
        }
    }
    out
}

impl PairSpaces for ClassOracle<'_> {
    fn pair_space(&self, src: usize, dst: usize) -> FlowSpace {
        let (Some(s), Some(d)) = (self.resolve(src), self.resolve(dst)) else {
            return self
                .prober
                .pair(Member::Nic(src), Member::Nic(dst))
                .delivered;
        };
        let path = self.path_of(&s, &d);
        let mut m = self.memo.borrow_mut();
        let id = self.pair_id(&mut m, path, &s, &d);
        m.spaces.get(id).clone()
    }

    /// Pairs grouped by walk class: a class pair whose path is blocked decides all its NIC
    /// pairs at once; the others cost a few memo lookups each.
    fn cell(&self, srcs: &[usize], dsts: &[usize], want: &FlowSpace) -> Cell {
        let split = |nics: &[usize]| {
            let mut fast: Vec<Resolved> = Vec::with_capacity(nics.len());
            let mut slow = Vec::new();
            for &n in nics {
                match self.resolve(n) {
                    Some(r) => fast.push(r),
                    None => slow.push(n),
                }
            }
            fast.sort_by_key(|r| (r.class, r.nic));
            (fast, slow)
        };
        let (fs, ss) = split(srcs);
        let (fd, sd) = split(dsts);
        let runs = |v: &[Resolved]| -> Vec<(usize, usize)> {
            let mut out: Vec<(usize, usize)> = Vec::new();
            for (i, r) in v.iter().enumerate() {
                match out.last_mut() {
                    Some(last) if v[last.0].class == r.class => last.1 = i + 1,
                    _ => out.push((i, i + 1)),
                }
            }
            out
        };
        let mut pairs = 0usize;
        let (mut every, mut some) = (ALL, EMPTY);
        for &(a0, a1) in &runs(&fs) {
            for &(b0, b1) in &runs(&fd) {
                let (xs, ys) = (&fs[a0..a1], &fd[b0..b1]);
                let common = if xs[0].class == ys[0].class {
                    xs.iter()
                        .filter(|x| ys.iter().any(|y| y.nic == x.nic))
                        .count()
                } else {
                    0
                };
                let n = xs.len() * ys.len() - common;
                if n == 0 {
                    continue;
                }
                pairs += n;
                let path = self.path_of(&xs[0], &ys[0]);
                let mut m = self.memo.borrow_mut();
                if m.path_list[path as usize].blocked {
                    every = EMPTY;
                    continue;
                }
                for x in xs {
                    for y in ys {
                        if x.nic == y.nic {
                            continue;
                        }
                        let id = self.pair_id(&mut m, path, x, y);
                        every = m.spaces.intersect(every, id);
                        some = m.spaces.union(some, id);
                    }
                }
            }
        }
        let m = self.memo.borrow();
        let mut c = Cell {
            pairs,
            every: m.spaces.get(every).intersect(want),
            some: m.spaces.get(some).intersect(want),
        };
        drop(m);
        // NICs the fast path cannot take, pair by pair.
        let all_s = || fs.iter().map(|r| r.nic).chain(ss.iter().copied());
        let all_d: Vec<usize> = fd.iter().map(|r| r.nic).chain(sd.iter().copied()).collect();
        for s in all_s() {
            for &d in &all_d {
                let slow = ss.contains(&s) || sd.contains(&d);
                if s == d || !slow {
                    continue;
                }
                c.add(&self.pair_space(s, d).intersect(want));
            }
        }
        if c.pairs == 0 {
            c.every = FlowSpace::empty();
        }
        c
    }
}
