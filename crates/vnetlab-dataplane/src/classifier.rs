//! The compiled form of one NSG direction (a VFP-style layer): a bit-vector classifier.
//!
//! Rules are numbered in priority order. Each match field (protocol, source port, destination
//! port, source address, destination address) is cut into elementary intervals, and each
//! interval carries the bit set of rules whose condition holds there (deduplicated in a pool).
//! A lookup ANDs the five bit sets word by word and stops at the first set bit: the
//! highest-priority matching rule. Tags whose contents depend on the evaluating NIC
//! (`VirtualNetwork`) and `Internet` are separate masks ORed in when the address belongs to
//! the NIC's view, so one classifier serves every NIC the NSG applies to.

use crate::fxhash::FxMap;
use crate::model::{AddrItem, Rule, RuleProto, Tag};
use crate::prefix::HOST_VIP;
use crate::security::AsgIps;

#[derive(Debug, Clone, Default)]
struct Dim {
    bounds: Vec<u32>,
    sets: Vec<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct Classifier {
    words: usize,
    pool: Vec<u64>,
    /// TCP, UDP, ICMP.
    proto: [u32; 3],
    sport: Dim,
    dport: Dim,
    src: Dim,
    dst: Dim,
    src_vnet: u32,
    dst_vnet: u32,
    src_inet: u32,
    dst_inet: u32,
    ones: u32,
}

/// Which tag masks apply to a lookup (computed once per NIC evaluation).
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub proto: u8,
    pub src: u32,
    pub sport: u16,
    pub dst: u32,
    pub dport: u16,
    pub src_vnet: bool,
    pub dst_vnet: bool,
    pub src_inet: bool,
    pub dst_inet: bool,
}

struct Builder {
    words: usize,
    pool: Vec<u64>,
    /// Hash of a set → its index (a colliding different set is stored again, undeduplicated).
    seen: FxMap<u64, u32>,
}

impl Builder {
    fn intern(&mut self, set: &[u64]) -> u32 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for w in set {
            h = (h.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        if let Some(&i) = self.seen.get(&h) {
            let s = i as usize * self.words;
            if self.pool.get(s..s + self.words) == Some(set) {
                return i;
            }
        }
        let i = (self.pool.len() / self.words.max(1)) as u32;
        self.pool.extend_from_slice(set);
        self.seen.insert(h, i);
        i
    }

    /// A dimension from per-rule inclusive ranges over `0..=max`.
    fn dim(&mut self, items: &[(usize, u32, u32)]) -> Dim {
        let mut events: Vec<(u64, usize, i32)> = Vec::with_capacity(items.len() * 2);
        for &(r, lo, hi) in items {
            events.push((u64::from(lo), r, 1));
            events.push((u64::from(hi) + 1, r, -1));
        }
        events.sort_unstable();
        let mut counts = vec![0i32; self.words * 64];
        let mut cur = vec![0u64; self.words];
        let mut bounds = Vec::new();
        let mut sets = Vec::new();
        let empty = self.intern(&vec![0u64; self.words]);
        bounds.push(0u32);
        sets.push(empty);
        let mut i = 0;
        while i < events.len() {
            let at = events[i].0;
            while i < events.len() && events[i].0 == at {
                let (_, r, d) = events[i];
                counts[r] += d;
                if counts[r] > 0 {
                    cur[r / 64] |= 1 << (r % 64);
                } else {
                    cur[r / 64] &= !(1 << (r % 64));
                }
                i += 1;
            }
            if at > u64::from(u32::MAX) {
                break;
            }
            let s = self.intern(&cur);
            if bounds.last() == Some(&(at as u32)) {
                if let Some(l) = sets.last_mut() {
                    *l = s;
                }
            } else if sets.last() != Some(&s) {
                bounds.push(at as u32);
                sets.push(s);
            }
        }
        Dim { bounds, sets }
    }

    fn mask(&mut self, rules: impl Iterator<Item = usize>) -> u32 {
        let mut m = vec![0u64; self.words];
        for r in rules {
            m[r / 64] |= 1 << (r % 64);
        }
        self.intern(&m)
    }
}

impl Classifier {
    /// Builds the classifier for `rules` (already in priority order, one direction).
    pub fn build(rules: &[&Rule], asgs: &AsgIps) -> Classifier {
        let n = rules.len();
        let words = n.div_ceil(64).max(1);
        let mut b = Builder {
            words,
            pool: Vec::new(),
            seen: FxMap::default(),
        };
        let full = |v: &[(u16, u16)]| v.iter().any(|&(a, z)| a == 0 && z == u16::MAX);
        let proto_mask = |b: &mut Builder, want: RuleProto| {
            b.mask(rules.iter().enumerate().filter_map(|(i, r)| {
                let ok = match want {
                    RuleProto::Icmp => {
                        r.proto == RuleProto::Icmp
                            || (r.proto == RuleProto::Any
                                && full(&r.src_ports)
                                && full(&r.dst_ports))
                    }
                    w => r.proto == w || r.proto == RuleProto::Any,
                };
                ok.then_some(i)
            }))
        };
        let proto = [
            proto_mask(&mut b, RuleProto::Tcp),
            proto_mask(&mut b, RuleProto::Udp),
            proto_mask(&mut b, RuleProto::Icmp),
        ];
        let port_items = |sel: fn(&Rule) -> &Vec<(u16, u16)>| -> Vec<(usize, u32, u32)> {
            rules
                .iter()
                .enumerate()
                .flat_map(|(i, r)| {
                    sel(r)
                        .iter()
                        .map(move |&(a, z)| (i, u32::from(a), u32::from(z)))
                })
                .collect()
        };
        let sport = b.dim(&port_items(|r| &r.src_ports));
        let dport = b.dim(&port_items(|r| &r.dst_ports));
        let addr_items = |sel: fn(&Rule) -> &Vec<AddrItem>| -> Vec<(usize, u32, u32)> {
            let mut out = Vec::new();
            for (i, r) in rules.iter().enumerate() {
                for item in sel(r) {
                    match item {
                        AddrItem::Any => out.push((i, 0, u32::MAX)),
                        AddrItem::Net(p) => out.push((i, p.first(), p.last())),
                        AddrItem::Tag(Tag::AzureLoadBalancer) => out.push((i, HOST_VIP, HOST_VIP)),
                        AddrItem::Asg(a) => {
                            // Members are sorted: consecutive addresses become one range.
                            let mut run: Option<(u32, u32)> = None;
                            for &ip in asgs.get(a).into_iter().flatten() {
                                run = match run {
                                    Some((lo, hi)) if hi.checked_add(1) == Some(ip) => {
                                        Some((lo, ip))
                                    }
                                    Some((lo, hi)) => {
                                        out.push((i, lo, hi));
                                        Some((ip, ip))
                                    }
                                    None => Some((ip, ip)),
                                };
                            }
                            if let Some((lo, hi)) = run {
                                out.push((i, lo, hi));
                            }
                        }
                        AddrItem::Tag(_) | AddrItem::Unmodelled(_) => {}
                    }
                }
            }
            out
        };
        let src = b.dim(&addr_items(|r| &r.src));
        let dst = b.dim(&addr_items(|r| &r.dst));
        let tag_mask = |b: &mut Builder, sel: fn(&Rule) -> &Vec<AddrItem>, t: Tag| {
            b.mask(
                rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| sel(r).contains(&AddrItem::Tag(t)))
                    .map(|(i, _)| i),
            )
        };
        let src_vnet = tag_mask(&mut b, |r| &r.src, Tag::VirtualNetwork);
        let dst_vnet = tag_mask(&mut b, |r| &r.dst, Tag::VirtualNetwork);
        let src_inet = tag_mask(&mut b, |r| &r.src, Tag::Internet);
        let dst_inet = tag_mask(&mut b, |r| &r.dst, Tag::Internet);
        let ones = b.mask(0..n);
        Classifier {
            words,
            pool: b.pool,
            proto,
            sport,
            dport,
            src,
            dst,
            src_vnet,
            dst_vnet,
            src_inet,
            dst_inet,
            ones,
        }
    }

    #[inline]
    fn set(&self, i: u32) -> &[u64] {
        let s = i as usize * self.words;
        self.pool.get(s..s + self.words).unwrap_or(&[])
    }

    #[inline]
    fn find(d: &Dim, x: u32) -> u32 {
        let i = d.bounds.partition_point(|&b| b <= x);
        d.sets.get(i.wrapping_sub(1)).copied().unwrap_or(0)
    }

    /// The position (priority order) of the first matching rule.
    #[inline]
    pub fn lookup(&self, k: &Key) -> Option<usize> {
        let icmp = k.proto == 2;
        let p = self.set(self.proto[usize::from(k.proto.min(2))]);
        let (sp, dp) = if icmp {
            (self.set(self.ones), self.set(self.ones))
        } else {
            (
                self.set(Self::find(&self.sport, u32::from(k.sport))),
                self.set(Self::find(&self.dport, u32::from(k.dport))),
            )
        };
        let s = self.set(Self::find(&self.src, k.src));
        let d = self.set(Self::find(&self.dst, k.dst));
        let sv = self.set(self.src_vnet);
        let dv = self.set(self.dst_vnet);
        let si = self.set(self.src_inet);
        let di = self.set(self.dst_inet);
        let (msv, mdv, msi, mdi) = (
            0u64.wrapping_sub(u64::from(k.src_vnet)),
            0u64.wrapping_sub(u64::from(k.dst_vnet)),
            0u64.wrapping_sub(u64::from(k.src_inet)),
            0u64.wrapping_sub(u64::from(k.dst_inet)),
        );
        for w in 0..self
            .words
            .min(p.len())
            .min(s.len())
            .min(d.len())
            .min(sp.len())
            .min(dp.len())
        {
            let src_ok = s[w] | (sv[w] & msv) | (si[w] & msi);
            let dst_ok = d[w] | (dv[w] & mdv) | (di[w] & mdi);
            let x = p[w] & sp[w] & dp[w] & src_ok & dst_ok;
            if x != 0 {
                return Some(w * 64 + x.trailing_zeros() as usize);
            }
        }
        None
    }
}
