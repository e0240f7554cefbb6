//! The compiled form of one NSG direction (a VFP-style layer), specialised to the local side.
//!
//! A NIC's NSG always sees the NIC's own address on one side of the packet: the source for
//! outbound rules, the destination for inbound ones. For a given layer, every address a NIC
//! can have falls into a *local class*: the set of rules whose local side matches it (from the
//! NIC's subnet view, for `VirtualNetwork`). Rules whose local side is `*` match every class;
//! only the others ("local-sensitive" rules, [`LocalRules`]) tell classes apart, so a class is
//! a bit mask over them. Usually every NIC of a subnet shares one class.
//!
//! Per class, the layer is a small structure over the remote address, the protocol and the
//! ports, and a lookup is the lowest (highest-priority) of three first matches:
//! - the *broad* rules, whose remote side is `*`, `VirtualNetwork` or `Internet`: which of them
//!   apply depends only on two bits of the remote address (in the NIC's `VirtualNetwork` view;
//!   public), so per protocol there is one dport map whose intervals carry the first matching
//!   rule for each of the four cases (a sport sub-map only where a rule with a partial source
//!   port range comes first);
//! - the *narrow* rules (prefixes, `AzureLoadBalancer`): remote-address intervals, in 64-byte
//!   blocks under a small top level, → the short list of rules whose prefixes cover the
//!   interval, scanned in priority order (long lists become port maps);
//! - the ASG rules: the remote address's ASGs (one global address index, [`AsgNumbers`]) →
//!   the rules naming each.
//!
//! The searches do not depend on one another or on the view ([`Classifier::start`] then
//! [`Classifier::finish`]), so their memory accesses overlap. Lists, sub-maps and long-list
//! port maps are deduplicated across the layer's classes in contiguous arenas. Rule results
//! are codes `position << 1 | allow`, so a verdict needs no other memory access and the
//! minimum of codes is the first match. Semantics are exactly
//! [`crate::security::first_match`]'s (property-tested against it, `tests/props.rs`).

use crate::model::{AddrItem, Rule, RuleProto, Tag};
use crate::prefix::HOST_VIP;
use crate::security::AsgIps;
use rustc_hash::FxHashMap as FxMap;
use std::collections::BTreeMap;

/// No rule matched (greater than every rule code).
pub const NONE: u32 = 0x7fff_ffff;
/// A class not compiled for this address: the caller computes the local mask.
pub const NO_CLASS: u32 = u32::MAX;
/// A port-map value naming a sport sub-map.
const SUB: u32 = 0x8000_0000;
const TCP: u8 = 1;
const UDP: u8 = 2;
const ICMP: u8 = 4;
/// Lists longer than this many entries become port maps (at most 127: see `Classifier`).
const SCAN_MAX: usize = 12;

/// Stable numbers for ASG ids (kept across recompiles, so compiled layers stay valid) and each
/// member address's ASG numbers.
#[derive(Debug, Clone, Default)]
pub struct AsgNumbers {
    numbers: FxMap<String, u32>,
    /// Address → `[number, SINGLE]` for one ASG (the usual case: no second access), else
    /// `[offset, length]` into `flat`.
    by_ip: FxMap<u32, [u32; 2]>,
    flat: Vec<u32>,
}

const SINGLE: u32 = u32::MAX;

impl AsgNumbers {
    /// Numbers every ASG of `asgs`, keeping `prev`'s numbers. Also returns the ids numbered
    /// now: layers compiled before them treated them as matching nothing.
    pub fn build(prev: Option<&AsgNumbers>, asgs: &AsgIps) -> (AsgNumbers, Vec<String>) {
        let mut numbers = prev.map(|p| p.numbers.clone()).unwrap_or_default();
        let mut fresh: Vec<String> = asgs
            .keys()
            .filter(|k| !numbers.contains_key(*k))
            .cloned()
            .collect();
        fresh.sort();
        for k in &fresh {
            let n = numbers.len() as u32;
            numbers.insert(k.clone(), n);
        }
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (k, ips) in asgs {
            if let Some(&n) = numbers.get(k) {
                pairs.extend(ips.iter().map(|&ip| (ip, n)));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut by_ip = FxMap::default();
        let mut flat = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let ip = pairs[i].0;
            let start = flat.len();
            while i < pairs.len() && pairs[i].0 == ip {
                flat.push(pairs[i].1);
                i += 1;
            }
            let v = if flat.len() - start == 1 {
                [flat[start], SINGLE]
            } else {
                [start as u32, (flat.len() - start) as u32]
            };
            by_ip.insert(ip, v);
        }
        (
            AsgNumbers {
                numbers,
                by_ip,
                flat,
            },
            fresh,
        )
    }

    fn number(&self, key: &str) -> Option<u32> {
        self.numbers.get(key).copied()
    }

    /// The ASGs an address belongs to.
    #[inline]
    pub fn of_ip(&self, ip: u32) -> &[u32] {
        if self.by_ip.is_empty() {
            return &[];
        }
        match self.by_ip.get(&ip) {
            Some(v) => self.slice(v),
            None => &[],
        }
    }

    /// An address's ASGs in a form to keep: see [`AsgNumbers::slice`].
    pub fn entry(&self, ip: u32) -> [u32; 2] {
        self.by_ip.get(&ip).copied().unwrap_or([0, 0])
    }

    /// The ASGs of an [`AsgNumbers::entry`].
    #[inline]
    pub fn slice<'a>(&'a self, v: &'a [u32; 2]) -> &'a [u32] {
        if v[1] == SINGLE {
            &v[..1]
        } else {
            self.flat
                .get(v[0] as usize..(v[0] + v[1]) as usize)
                .unwrap_or_default()
        }
    }
}

/// One address as an evaluating NIC sees it.
#[derive(Debug, Clone, Copy)]
pub struct Addr<'a> {
    pub ip: u32,
    /// In the NIC's `VirtualNetwork` view.
    pub in_view: bool,
    /// In the `Internet` tag (`prefix::is_public`).
    pub public: bool,
    /// Its ASG numbers ([`AsgNumbers::of_ip`]); may be left empty for a layer without remote
    /// ASG rules (`Classifier::remote_asg`).
    pub asgs: &'a [u32],
}

/// A rule's address entry, compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Any,
    Range(u32, u32),
    Vnet,
    Inet,
    Asg(u32),
    Never,
}

impl Item {
    fn of(i: &AddrItem, asgs: &AsgNumbers) -> Item {
        match i {
            AddrItem::Any => Item::Any,
            AddrItem::Net(p) => Item::Range(p.first(), p.last()),
            AddrItem::Tag(Tag::VirtualNetwork) => Item::Vnet,
            AddrItem::Tag(Tag::Internet) => Item::Inet,
            AddrItem::Tag(Tag::AzureLoadBalancer) => Item::Range(HOST_VIP, HOST_VIP),
            AddrItem::Asg(a) => asgs.number(a).map_or(Item::Never, Item::Asg),
            AddrItem::Unmodelled(_) => Item::Never,
        }
    }

    fn matches(self, a: &Addr) -> bool {
        match self {
            Item::Any => true,
            Item::Range(lo, hi) => lo <= a.ip && a.ip <= hi,
            Item::Vnet => a.in_view,
            Item::Inet => a.public,
            Item::Asg(n) => a.asgs.contains(&n),
            Item::Never => false,
        }
    }
}

/// One rule of the layer, compiled (index = position in the layer).
#[derive(Debug, Clone)]
struct Def {
    code: u32,
    /// TCP | UDP | ICMP bits the rule can match (0 for `Esp`/`Ah`).
    protos: u8,
    full_sport: bool,
    sports: Vec<(u16, u16)>,
    dports: Vec<(u16, u16)>,
    local_any: bool,
    remote: Vec<Item>,
}

fn defs(rules: &[&Rule], inbound: bool, asgs: &AsgNumbers) -> Vec<Def> {
    let full = |v: &[(u16, u16)]| v.iter().any(|&(a, z)| a == 0 && z == u16::MAX);
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let protos = match r.proto {
                RuleProto::Tcp => TCP,
                RuleProto::Udp => UDP,
                RuleProto::Icmp => ICMP,
                RuleProto::Any if full(&r.src_ports) && full(&r.dst_ports) => TCP | UDP | ICMP,
                RuleProto::Any => TCP | UDP,
                RuleProto::Other => 0,
            };
            let (local, remote) = if inbound {
                (&r.dst, &r.src)
            } else {
                (&r.src, &r.dst)
            };
            Def {
                code: (i as u32) << 1 | u32::from(r.allow),
                protos,
                full_sport: full(&r.src_ports),
                sports: r.src_ports.clone(),
                dports: r.dst_ports.clone(),
                local_any: local.contains(&AddrItem::Any),
                remote: remote.iter().map(|x| Item::of(x, asgs)).collect(),
            }
        })
        .collect()
}

/// The layer's local-sensitive rules: a local class is the mask of those matching its address.
#[derive(Debug, Clone, Default)]
pub struct LocalRules {
    /// (position in the layer, local-side entries).
    rules: Vec<(u32, Vec<Item>)>,
    needs_view: bool,
    needs_asgs: bool,
}

impl LocalRules {
    /// `rules` are one direction of an NSG in priority order (as for [`Classifier::build`]).
    pub fn new(rules: &[&Rule], inbound: bool, asgs: &AsgNumbers) -> LocalRules {
        let mut out = LocalRules::default();
        for (i, r) in rules.iter().enumerate() {
            let local = if inbound { &r.dst } else { &r.src };
            if r.proto == RuleProto::Other || local.contains(&AddrItem::Any) {
                continue;
            }
            let items: Vec<Item> = local.iter().map(|x| Item::of(x, asgs)).collect();
            out.needs_view |= items.contains(&Item::Vnet);
            out.needs_asgs |= items.iter().any(|x| matches!(x, Item::Asg(_)));
            out.rules.push((i as u32, items));
        }
        out
    }

    /// Whether masks depend on the address being in the NIC's view / on its ASGs.
    pub fn needs_view(&self) -> bool {
        self.needs_view
    }

    pub fn needs_asgs(&self) -> bool {
        self.needs_asgs
    }

    /// The class mask of a local address into `out`.
    pub fn mask(&self, a: &Addr, out: &mut Vec<u64>) {
        out.clear();
        out.resize(self.rules.len().div_ceil(64), 0);
        for (j, (_, items)) in self.rules.iter().enumerate() {
            if items.iter().any(|x| x.matches(a)) {
                out[j / 64] |= 1 << (j % 64);
            }
        }
    }
}

/// A port map: ICMP's first match, and (offset, length) of the TCP and UDP dport maps.
#[derive(Debug, Clone, Copy)]
struct PortMap {
    icmp: u32,
    tcp: (u32, u32),
    udp: (u32, u32),
}

/// An entry of a scanned list: one (sport range × dport range) of one rule.
#[derive(Debug, Clone, Copy)]
struct Entry {
    code: u32,
    protos: u8,
    sport: (u16, u16),
    dport: (u16, u16),
}

/// Sorted interval starts (the first is 0) with a second level of every 16th, so that a
/// search touches the short top level (usually cached) and one 16-key block.
#[derive(Debug, Clone, Default)]
struct Cuts<T> {
    top: Vec<T>,
    keys: Vec<T>,
}

const BLOCK: usize = 16;

impl<T: Copy + Ord> Cuts<T> {
    fn new(keys: Vec<T>) -> Cuts<T> {
        Cuts {
            top: keys.iter().step_by(BLOCK).copied().collect(),
            keys,
        }
    }

    /// The index of the interval holding `x`.
    #[inline]
    fn find(&self, x: T) -> usize {
        let b = self.top.partition_point(|&t| t <= x).saturating_sub(1) * BLOCK;
        let block = self.keys.get(b..(b + BLOCK).min(self.keys.len()));
        (b + block.map_or(0, |k| k.partition_point(|&v| v <= x))).saturating_sub(1)
    }
}

/// Remote-address intervals → list reference: cache-line blocks of 8 interval starts with
/// their 8 values, under a top level of each block's first start, so that a search touches
/// the top level (small, usually cached) and a single line.
#[derive(Debug, Clone, Default)]
struct AddrTable {
    top: Vec<u32>,
    blocks: Vec<AddrBlock>,
}

#[repr(align(64))]
#[derive(Debug, Clone, Copy)]
struct AddrBlock {
    keys: [u32; 8],
    vals: [u32; 8],
}

impl AddrTable {
    /// `keys` ascending from 0.
    fn new(keys: &[u32], vals: &[u32]) -> AddrTable {
        let mut t = AddrTable::default();
        for (k, v) in keys.chunks(8).zip(vals.chunks(8)) {
            // Padding repeats the last interval (it runs to the end of the space).
            let last = v.last().copied().unwrap_or(0);
            let mut b = AddrBlock {
                keys: [u32::MAX; 8],
                vals: [last; 8],
            };
            b.keys[..k.len()].copy_from_slice(k);
            b.vals[..v.len()].copy_from_slice(v);
            t.top.push(k[0]);
            t.blocks.push(b);
        }
        t
    }

    /// The value of the interval holding `x` (0 when empty).
    #[inline]
    fn find(&self, x: u32) -> u32 {
        let b = self.top.partition_point(|&t| t <= x).saturating_sub(1);
        match self.blocks.get(b) {
            Some(blk) => {
                let i = blk.keys.partition_point(|&k| k <= x);
                blk.vals[i.saturating_sub(1)]
            }
            None => 0,
        }
    }
}

/// The broad rules' first match for one protocol, for the four (in view, public) cases at
/// once: one search whatever the remote address, and the case picked at the end.
#[derive(Debug, Clone, Default)]
struct Quad {
    cuts: Cuts<u16>,
    vals: Vec<[u32; 4]>,
}

/// A lookup between [`Classifier::start`] and [`Classifier::finish`].
#[derive(Debug, Clone, Copy)]
pub struct Started {
    class: u32,
    bit: u8,
    /// The broad rules' first match, by `in_view << 1 | public`.
    broad: [u32; 4],
    /// The narrow rules' list for the remote address.
    list: u32,
}

/// One local class: the remote side's structure.
#[derive(Debug, Clone, Default)]
struct Class {
    /// Broad rules, by `in_view << 1 | public`.
    icmp: [u32; 4],
    tcp: Quad,
    udp: Quad,
    /// Remote-address intervals → list of narrow rules (0 = none); empty without narrow rules.
    addr: AddrTable,
    /// (ASG number, list of rules naming it), sorted.
    asg: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, Default)]
pub struct Classifier {
    local: LocalRules,
    index: FxMap<Box<[u64]>, u32>,
    masks: Vec<Box<[u64]>>,
    classes: Vec<Class>,
    bounds: Vec<u16>,
    vals: Vec<u32>,
    subs: Vec<(u32, u32)>,
    maps: Vec<PortMap>,
    /// Scanned lists' entries. A list reference is `offset << 8 | length << 1` for a scanned
    /// list (no indirection), or `map << 1 | 1` for a list compiled to a port map; 0 is empty.
    entries: Vec<Entry>,
    /// Some rule's remote side is `VirtualNetwork` / an ASG (the caller computes those bits).
    pub remote_vnet: bool,
    pub remote_asg: bool,
}

/// The port ranges `side` picks from each rule of `rules`, as [`sweep`] items.
fn port_items(
    defs: &[Def],
    rules: &[u32],
    side: impl Fn(&Def) -> &[(u16, u16)],
) -> Vec<(u32, u64, u64)> {
    rules
        .iter()
        .flat_map(|&i| {
            side(&defs[i as usize])
                .iter()
                .map(move |&(a, z)| (i, u64::from(a), u64::from(z)))
        })
        .collect()
}

/// Elementary intervals of `0..=end` cut by `items` (key, first, last), each resolved from the
/// keys active there (ascending); adjacent equal values merge.
fn sweep<K: Copy>(
    items: &[(u32, u64, u64)],
    end: u64,
    mut resolve: impl FnMut(&BTreeMap<u32, u32>) -> u32,
    to_key: impl Fn(u64) -> K,
) -> (Vec<K>, Vec<u32>) {
    let mut ev: Vec<(u64, u32, bool)> = Vec::with_capacity(items.len() * 2);
    for &(k, lo, hi) in items {
        ev.push((lo, k, true));
        ev.push((hi + 1, k, false));
    }
    ev.sort_unstable();
    let mut active: BTreeMap<u32, u32> = BTreeMap::new();
    let (mut bounds, mut vals) = (vec![to_key(0)], vec![resolve(&active)]);
    let mut i = 0;
    while i < ev.len() {
        let at = ev[i].0;
        while i < ev.len() && ev[i].0 == at {
            let (_, k, on) = ev[i];
            if on {
                *active.entry(k).or_insert(0) += 1;
            } else if let Some(c) = active.get_mut(&k) {
                *c -= 1;
                if *c == 0 {
                    active.remove(&k);
                }
            }
            i += 1;
        }
        if at > end {
            break;
        }
        let v = resolve(&active);
        if at == 0 {
            vals[0] = v;
        } else if vals.last() != Some(&v) {
            bounds.push(to_key(at));
            vals.push(v);
        }
    }
    (bounds, vals)
}

struct Builder<'a> {
    defs: &'a [Def],
    c: Classifier,
    map_ids: FxMap<Vec<u32>, u32>,
    list_ids: FxMap<Vec<u32>, u32>,
    sub_ids: FxMap<(Vec<u32>, u32), u32>,
}

impl Builder<'_> {
    fn dim(&mut self, bounds: Vec<u16>, vals: Vec<u32>) -> (u32, u32) {
        let off = self.c.bounds.len() as u32;
        self.c.bounds.extend(bounds);
        self.c.vals.extend(vals);
        (off, self.c.bounds.len() as u32 - off)
    }

    /// First match by sport among `partial` (positions, ascending), else `fallback`.
    fn sub(&mut self, partial: Vec<u32>, fallback: u32) -> u32 {
        let key = (partial, fallback);
        if let Some(&s) = self.sub_ids.get(&key) {
            return SUB | s;
        }
        let defs = self.defs;
        let items = port_items(defs, &key.0, |d| &d.sports);
        let (b, v) = sweep(
            &items,
            u64::from(u16::MAX),
            |act| {
                act.keys()
                    .next()
                    .map_or(fallback, |&i| defs[i as usize].code)
            },
            |x| x as u16,
        );
        let d = self.dim(b, v);
        let s = self.c.subs.len() as u32;
        self.c.subs.push(d);
        self.sub_ids.insert(key, s);
        SUB | s
    }

    /// The dport map of `rules` (positions, ascending) for one protocol bit: interval starts
    /// and values (a rule code, [`NONE`], or a sport sub-map).
    fn ports(&mut self, rules: &[u32], bit: u8) -> (Vec<u16>, Vec<u32>) {
        let defs = self.defs;
        let of_proto: Vec<u32> = rules
            .iter()
            .copied()
            .filter(|&i| defs[i as usize].protos & bit != 0)
            .collect();
        let items = port_items(defs, &of_proto, |d| &d.dports);
        // Resolution needs `self` for sub-maps: collect the decisions first (equal decisions
        // get equal placeholders, so adjacent intervals still merge).
        let mut pending: Vec<(Vec<u32>, u32)> = Vec::new();
        let mut seen: FxMap<(Vec<u32>, u32), u32> = FxMap::default();
        let (b, mut v) = sweep(
            &items,
            u64::from(u16::MAX),
            |act| {
                let mut partial = Vec::new();
                let mut full = NONE;
                for &i in act.keys() {
                    let d = &defs[i as usize];
                    if d.full_sport {
                        full = d.code;
                        break;
                    }
                    partial.push(i);
                }
                if partial.is_empty() {
                    return full;
                }
                let next = pending.len() as u32;
                let key = (partial, full);
                SUB | *seen.entry(key.clone()).or_insert_with(|| {
                    pending.push(key);
                    next
                })
            },
            |x| x as u16,
        );
        let subs: Vec<u32> = pending.into_iter().map(|(p, f)| self.sub(p, f)).collect();
        for x in v.iter_mut() {
            if *x & SUB != 0 {
                *x = subs[(*x & !SUB) as usize];
            }
        }
        (b, v)
    }

    /// The four maps of `rules[k]` for one protocol bit, merged on their cuts.
    fn quad(&mut self, rules: &[Vec<u32>; 4], bit: u8) -> Quad {
        let maps: Vec<(Vec<u16>, Vec<u32>)> = rules.iter().map(|r| self.ports(r, bit)).collect();
        let mut cuts: Vec<u16> = maps.iter().flat_map(|(b, _)| b.iter().copied()).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut keys = Vec::with_capacity(cuts.len());
        let mut vals: Vec<[u32; 4]> = Vec::with_capacity(cuts.len());
        for c in cuts {
            let mut v = [NONE; 4];
            for (k, (b, mv)) in maps.iter().enumerate() {
                let i = b.partition_point(|&x| x <= c);
                v[k] = mv.get(i.wrapping_sub(1)).copied().unwrap_or(NONE);
            }
            if vals.last() != Some(&v) {
                keys.push(c);
                vals.push(v);
            }
        }
        Quad {
            cuts: Cuts::new(keys),
            vals,
        }
    }

    fn map(&mut self, rules: &[u32]) -> u32 {
        if let Some(&m) = self.map_ids.get(rules) {
            return m;
        }
        let icmp = rules
            .iter()
            .map(|&i| &self.defs[i as usize])
            .find(|d| d.protos & ICMP != 0)
            .map_or(NONE, |d| d.code);
        let (b, v) = self.ports(rules, TCP);
        let tcp = self.dim(b, v);
        let (b, v) = self.ports(rules, UDP);
        let udp = self.dim(b, v);
        let m = self.c.maps.len() as u32;
        self.c.maps.push(PortMap { icmp, tcp, udp });
        self.map_ids.insert(rules.to_vec(), m);
        m
    }

    /// A list reference for `rules` (positions, ascending).
    fn list(&mut self, rules: Vec<u32>) -> u32 {
        if rules.is_empty() {
            return 0;
        }
        if let Some(&r) = self.list_ids.get(&rules) {
            return r;
        }
        let defs = self.defs;
        let n: usize = rules
            .iter()
            .map(|&i| defs[i as usize].sports.len() * defs[i as usize].dports.len())
            .sum();
        let r = if n > SCAN_MAX || self.c.entries.len() + n >= 1 << 24 {
            self.map(&rules) << 1 | 1
        } else {
            let off = self.c.entries.len() as u32;
            for &i in &rules {
                let d = &defs[i as usize];
                for &sport in &d.sports {
                    for &dport in &d.dports {
                        self.c.entries.push(Entry {
                            code: d.code,
                            protos: d.protos,
                            sport,
                            dport,
                        });
                    }
                }
            }
            off << 8 | (n as u32) << 1
        };
        self.list_ids.insert(rules, r);
        r
    }

    fn class(&mut self, included: &[u32]) -> Class {
        let defs = self.defs;
        let broad: [Vec<u32>; 4] = std::array::from_fn(|k| {
            let (in_view, public) = (k & 2 != 0, k & 1 != 0);
            included
                .iter()
                .copied()
                .filter(|&i| {
                    defs[i as usize].remote.iter().any(|x| match x {
                        Item::Any => true,
                        Item::Vnet => in_view,
                        Item::Inet => public,
                        _ => false,
                    })
                })
                .collect()
        });
        let icmp = broad.each_ref().map(|r| {
            r.iter()
                .map(|&i| &defs[i as usize])
                .find(|d| d.protos & ICMP != 0)
                .map_or(NONE, |d| d.code)
        });
        let tcp = self.quad(&broad, TCP);
        let udp = self.quad(&broad, UDP);
        let narrow: Vec<(u32, u64, u64)> = included
            .iter()
            .flat_map(|&i| {
                defs[i as usize]
                    .remote
                    .iter()
                    .filter_map(move |x| match *x {
                        Item::Range(lo, hi) => Some((i, u64::from(lo), u64::from(hi))),
                        _ => None,
                    })
            })
            .collect();
        let addr = if narrow.is_empty() {
            AddrTable::default()
        } else {
            let mut lists: Vec<Vec<u32>> = Vec::new();
            let mut ids: FxMap<Vec<u32>, u32> = FxMap::default();
            let (b, v) = sweep(
                &narrow,
                u64::from(u32::MAX),
                |act| {
                    let l: Vec<u32> = act.keys().copied().collect();
                    let next = lists.len() as u32;
                    *ids.entry(l.clone()).or_insert_with(|| {
                        lists.push(l);
                        next
                    })
                },
                |x| x as u32,
            );
            let refs: Vec<u32> = lists.into_iter().map(|l| self.list(l)).collect();
            AddrTable::new(
                &b,
                &v.into_iter().map(|x| refs[x as usize]).collect::<Vec<_>>(),
            )
        };
        let mut by_asg: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &i in included {
            for x in &defs[i as usize].remote {
                if let Item::Asg(n) = *x {
                    let l = by_asg.entry(n).or_default();
                    if l.last() != Some(&i) {
                        l.push(i);
                    }
                }
            }
        }
        let asg = by_asg.into_iter().map(|(n, l)| (n, self.list(l))).collect();
        Class {
            icmp,
            tcp,
            udp,
            addr,
            asg,
        }
    }
}

impl Classifier {
    /// Compiles one direction of an NSG (`rules` in priority order) for the local classes
    /// `masks` (masks over [`LocalRules::new`] of the same rules; class `i` is `masks[i]`).
    pub fn build(
        rules: &[&Rule],
        inbound: bool,
        asgs: &AsgNumbers,
        masks: Vec<Box<[u64]>>,
    ) -> Classifier {
        let defs = defs(rules, inbound, asgs);
        let local = LocalRules::new(rules, inbound, asgs);
        let mut b = Builder {
            defs: &defs,
            c: Classifier {
                ..Classifier::default()
            },
            map_ids: FxMap::default(),
            list_ids: FxMap::default(),
            sub_ids: FxMap::default(),
        };
        let mut position = vec![usize::MAX; defs.len()];
        for (j, (i, _)) in local.rules.iter().enumerate() {
            position[*i as usize] = j;
        }
        for mask in &masks {
            let included: Vec<u32> = defs
                .iter()
                .enumerate()
                .filter(|(i, d)| {
                    d.protos != 0
                        && (d.local_any || {
                            let j = position[*i];
                            j != usize::MAX
                                && mask.get(j / 64).is_some_and(|w| w & (1 << (j % 64)) != 0)
                        })
                })
                .map(|(i, _)| i as u32)
                .collect();
            let class = b.class(&included);
            b.c.classes.push(class);
        }
        let mut c = b.c;
        c.remote_vnet = defs.iter().any(|d| d.remote.contains(&Item::Vnet));
        c.remote_asg = defs
            .iter()
            .any(|d| d.remote.iter().any(|x| matches!(x, Item::Asg(_))));
        c.index = masks
            .iter()
            .enumerate()
            .map(|(i, m)| (m.clone(), i as u32))
            .collect();
        c.masks = masks;
        c.local = local;
        c
    }

    pub fn local(&self) -> &LocalRules {
        &self.local
    }

    /// The class compiled for a mask, if any.
    pub fn class_of(&self, mask: &[u64]) -> Option<u32> {
        self.index.get(mask).copied()
    }

    /// The masks of the compiled classes (class `i` is `masks()[i]`).
    pub fn masks(&self) -> &[Box<[u64]>] {
        &self.masks
    }

    #[inline]
    fn dim(&self, (off, len): (u32, u32), x: u16) -> u32 {
        let (off, len) = (off as usize, len as usize);
        let b = self.bounds.get(off..off + len).unwrap_or_default();
        let i = b.partition_point(|&v| v <= x);
        self.vals
            .get((off + i).wrapping_sub(1))
            .copied()
            .unwrap_or(NONE)
    }

    #[inline]
    fn map_lookup(&self, m: u32, proto: u8, sport: u16, dport: u16) -> u32 {
        let Some(pm) = self.maps.get(m as usize) else {
            return NONE;
        };
        let d = match proto {
            TCP => pm.tcp,
            UDP => pm.udp,
            _ => return pm.icmp,
        };
        let v = self.dim(d, dport);
        if v & SUB == 0 {
            v
        } else {
            let s = self
                .subs
                .get((v & !SUB) as usize)
                .copied()
                .unwrap_or((0, 0));
            self.dim(s, sport)
        }
    }

    /// `best`, or the first rule of list `r` matching, whichever comes first.
    #[inline]
    fn list(&self, r: u32, best: u32, proto: u8, sport: u16, dport: u16) -> u32 {
        if r & 1 == 1 {
            return best.min(self.map_lookup(r >> 1, proto, sport, dport));
        }
        let (off, len) = (r >> 8, (r >> 1) & 0x7f);
        let entries = self
            .entries
            .get(off as usize..(off + len) as usize)
            .unwrap_or_default();
        // Every entry, without branches on the data (lists are short: a mispredicted early exit
        // costs more than the rest of the scan); entries are in priority order, so the
        // smallest matching code is the first match.
        let icmp = proto == ICMP;
        let mut found = best;
        for e in entries {
            let ports = (e.sport.0 <= sport)
                & (sport <= e.sport.1)
                & (e.dport.0 <= dport)
                & (dport <= e.dport.1);
            let hit = (e.protos & proto != 0) & (icmp | ports);
            found = found.min(std::hint::select_unpredictable(hit, e.code, NONE));
        }
        found
    }

    /// The list of the class's ASG rules naming ASG `n` (0 when none).
    #[inline]
    fn asg_list(c: &Class, n: u32) -> u32 {
        if c.asg.len() > 32 {
            return c
                .asg
                .binary_search_by_key(&n, |x| x.0)
                .map_or(0, |j| c.asg[j].1);
        }
        // Short: a scan without branches on the data.
        c.asg.iter().fold(0, |r, &(a, l)| {
            std::hint::select_unpredictable(a == n, l, r)
        })
    }

    /// The first matching rule (`position << 1 | allow`, or [`NONE`]) for a packet whose local
    /// side is in `class` and whose remote side is `remote`. `proto` is 0, 1, 2 for TCP, UDP,
    /// ICMP (ports are ignored for ICMP).
    #[inline]
    pub fn first_match(&self, class: u32, remote: &Addr, proto: u8, sport: u16, dport: u16) -> u32 {
        let s = self.start(class, remote.ip, proto, dport);
        self.finish(&s, remote, sport, dport)
    }

    /// The searches of [`Classifier::first_match`] — the broad rules' port map and the remote
    /// address's interval — which need neither the view nor the ASGs. Callers start every
    /// layer's searches before anything that branches on loaded data, so that their memory
    /// accesses overlap.
    #[inline]
    pub fn start(&self, class: u32, ip: u32, proto: u8, dport: u16) -> Started {
        let bit = 1u8 << proto.min(2);
        let Some(c) = self.classes.get(class as usize) else {
            return Started {
                class,
                bit,
                broad: [NONE; 4],
                list: 0,
            };
        };
        let quad = match bit {
            TCP => Some(&c.tcp),
            UDP => Some(&c.udp),
            _ => None,
        };
        let broad = match quad {
            Some(q) => q.vals.get(q.cuts.find(dport)).copied().unwrap_or([NONE; 4]),
            None => c.icmp,
        };
        let list = c.addr.find(ip);
        Started {
            class,
            bit,
            broad,
            list,
        }
    }

    /// The rest of [`Classifier::first_match`] after [`Classifier::start`].
    #[inline]
    pub fn finish(&self, s: &Started, remote: &Addr, sport: u16, dport: u16) -> u32 {
        let broad = s.broad[usize::from(remote.in_view) << 1 | usize::from(remote.public)];
        let bit = s.bit;
        let mut best = if broad & SUB == 0 {
            broad
        } else {
            let d = self
                .subs
                .get((broad & !SUB) as usize)
                .copied()
                .unwrap_or((0, 0));
            self.dim(d, sport)
        };
        if s.list != 0 {
            best = self.list(s.list, best, bit, sport, dport);
        }
        let Some(c) = self.classes.get(s.class as usize) else {
            return best;
        };
        if !c.asg.is_empty() {
            for &n in remote.asgs {
                best = self.list(Self::asg_list(c, n), best, bit, sport, dport);
            }
        }
        best
    }
}
