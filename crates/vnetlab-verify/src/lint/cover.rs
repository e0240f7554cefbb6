//! Header-space boxes of NSG rules as written, and the exact question "do these earlier rules
//! together match every packet this rule would?" (box subtraction).
//!
//! A rule is one or two boxes: its TCP/UDP part (protocols × source ports × destination ports
//! × source addresses × destination addresses) and, when it matches ICMP (an `Icmp` rule, or
//! a `*` rule with `*` ports — azure-semantics.md §6.1), an ICMP part whose ports are
//! irrelevant. Addresses are IPv4 ranges plus named atoms: a tag or an ASG stands for itself
//! (its members depend on the evaluating NIC's view), covered by `*` and `0.0.0.0/0` only.
//! So a cover found here holds whatever the tags contain: the check is sound, and it misses
//! only covers that depend on a tag's or ASG's content.

use crate::space::PortSet;
use std::collections::BTreeSet;

/// Named address atoms: all of them, only some, or all but some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    All,
    Only(BTreeSet<String>),
    AllBut(BTreeSet<String>),
}

impl Named {
    fn none() -> Named {
        Named::Only(BTreeSet::new())
    }

    fn is_empty(&self) -> bool {
        matches!(self, Named::Only(s) if s.is_empty())
    }

    fn intersect(&self, o: &Named) -> Named {
        match (self, o) {
            (Named::All, x) | (x, Named::All) => x.clone(),
            (Named::Only(a), Named::Only(b)) => Named::Only(a.intersection(b).cloned().collect()),
            (Named::Only(a), Named::AllBut(b)) | (Named::AllBut(b), Named::Only(a)) => {
                Named::Only(a.difference(b).cloned().collect())
            }
            (Named::AllBut(a), Named::AllBut(b)) => Named::AllBut(a.union(b).cloned().collect()),
        }
    }

    fn minus(&self, o: &Named) -> Named {
        let complement = match o {
            Named::All => Named::none(),
            Named::Only(b) => Named::AllBut(b.clone()),
            Named::AllBut(b) => Named::Only(b.clone()),
        };
        self.intersect(&complement)
    }
}

/// A set of addresses: IPv4 ranges (sorted, disjoint, inclusive) and named atoms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrSet {
    pub ranges: Vec<(u32, u32)>,
    pub named: Named,
}

impl AddrSet {
    pub fn any() -> AddrSet {
        AddrSet {
            ranges: vec![(0, u32::MAX)],
            named: Named::All,
        }
    }

    pub fn empty() -> AddrSet {
        AddrSet {
            ranges: Vec::new(),
            named: Named::none(),
        }
    }

    pub fn range(a: u32, b: u32) -> AddrSet {
        AddrSet {
            ranges: vec![(a.min(b), a.max(b))],
            named: Named::none(),
        }
    }

    pub fn named(n: &str) -> AddrSet {
        AddrSet {
            ranges: Vec::new(),
            named: Named::Only([n.to_string()].into_iter().collect()),
        }
    }

    pub fn union(&self, o: &AddrSet) -> AddrSet {
        let mut v: Vec<(u32, u32)> = self.ranges.iter().chain(&o.ranges).copied().collect();
        v.sort_unstable();
        let mut ranges: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            match ranges.last_mut() {
                Some(last) if u64::from(a) <= u64::from(last.1) + 1 => last.1 = last.1.max(b),
                _ => ranges.push((a, b)),
            }
        }
        let named = match (&self.named, &o.named) {
            (Named::All, _) | (_, Named::All) => Named::All,
            (Named::Only(a), Named::Only(b)) => Named::Only(a.union(b).cloned().collect()),
            (Named::Only(a), Named::AllBut(b)) | (Named::AllBut(b), Named::Only(a)) => {
                Named::AllBut(b.difference(a).cloned().collect())
            }
            (Named::AllBut(a), Named::AllBut(b)) => {
                Named::AllBut(a.intersection(b).cloned().collect())
            }
        };
        AddrSet { ranges, named }
    }

    fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.named.is_empty()
    }

    fn intersect(&self, o: &AddrSet) -> AddrSet {
        let (mut i, mut j) = (0, 0);
        let mut ranges = Vec::new();
        while i < self.ranges.len() && j < o.ranges.len() {
            let (a, b) = self.ranges[i];
            let (c, d) = o.ranges[j];
            let (lo, hi) = (a.max(c), b.min(d));
            if lo <= hi {
                ranges.push((lo, hi));
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        AddrSet {
            ranges,
            named: self.named.intersect(&o.named),
        }
    }

    fn overlaps(&self, o: &AddrSet) -> bool {
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < o.ranges.len() {
            let (a, b) = self.ranges[i];
            let (c, d) = o.ranges[j];
            if a.max(c) <= b.min(d) {
                return true;
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        !self.named.intersect(&o.named).is_empty()
    }

    fn minus(&self, o: &AddrSet) -> AddrSet {
        let mut ranges = Vec::new();
        for &(a, b) in &self.ranges {
            let mut lo = u64::from(a);
            for &(c, d) in &o.ranges {
                if u64::from(d) < lo || c > b {
                    continue;
                }
                if u64::from(c) > lo {
                    ranges.push((lo as u32, c - 1));
                }
                lo = u64::from(d) + 1;
                if lo > u64::from(b) {
                    break;
                }
            }
            if lo <= u64::from(b) {
                ranges.push((lo as u32, b));
            }
        }
        AddrSet {
            ranges,
            named: self.named.minus(&o.named),
        }
    }
}

/// Protocol bits of a box.
pub const TCP: u8 = 1;
pub const UDP: u8 = 2;
pub const ICMP: u8 = 4;

/// One box of packets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HBox {
    pub protos: u8,
    pub sports: PortSet,
    pub dports: PortSet,
    pub src: AddrSet,
    pub dst: AddrSet,
}

fn ports_overlap(a: &PortSet, b: &PortSet) -> bool {
    let (x, y) = (a.ranges(), b.ranges());
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i].0.max(y[j].0) <= x[i].1.min(y[j].1) {
            return true;
        }
        if x[i].1 < y[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

impl HBox {
    /// The boxes of a rule: protocol as written (`*`, `Tcp`, `Udp`, `Icmp`; anything else
    /// matches none of the modelled flows), its port sets and address sets.
    pub fn of_rule(
        proto: &str,
        sports: &PortSet,
        dports: &PortSet,
        src: &AddrSet,
        dst: &AddrSet,
    ) -> Vec<HBox> {
        let all = sports.is_all() && dports.is_all();
        let (transport, icmp) = match proto.to_ascii_lowercase().as_str() {
            "*" | "any" => (TCP | UDP, all),
            "tcp" => (TCP, false),
            "udp" => (UDP, false),
            "icmp" => (0, true),
            _ => (0, false),
        };
        let mut out = Vec::new();
        if transport != 0 && !sports.is_empty() && !dports.is_empty() {
            out.push(HBox {
                protos: transport,
                sports: sports.clone(),
                dports: dports.clone(),
                src: src.clone(),
                dst: dst.clone(),
            });
        }
        if icmp {
            out.push(HBox {
                protos: ICMP,
                sports: PortSet::all(),
                dports: PortSet::all(),
                src: src.clone(),
                dst: dst.clone(),
            });
        }
        out
    }

    pub fn overlaps(&self, o: &HBox) -> bool {
        self.protos & o.protos != 0
            && ports_overlap(&self.sports, &o.sports)
            && ports_overlap(&self.dports, &o.dports)
            && self.src.overlaps(&o.src)
            && self.dst.overlaps(&o.dst)
    }

    /// `self − o` as disjoint boxes (at most five: one per dimension).
    fn minus(&self, o: &HBox) -> Vec<HBox> {
        if !self.overlaps(o) {
            return vec![self.clone()];
        }
        let mut out = Vec::new();
        let mut rest = self.clone();
        let p = rest.protos & !o.protos;
        if p != 0 {
            out.push(HBox {
                protos: p,
                ..rest.clone()
            });
        }
        rest.protos &= o.protos;
        let s = rest.sports.minus(&o.sports);
        if !s.is_empty() {
            out.push(HBox {
                sports: s,
                ..rest.clone()
            });
        }
        rest.sports = rest.sports.intersect(&o.sports);
        let d = rest.dports.minus(&o.dports);
        if !d.is_empty() {
            out.push(HBox {
                dports: d,
                ..rest.clone()
            });
        }
        rest.dports = rest.dports.intersect(&o.dports);
        let a = rest.src.minus(&o.src);
        if !a.is_empty() {
            out.push(HBox {
                src: a,
                ..rest.clone()
            });
        }
        rest.src = rest.src.intersect(&o.src);
        let b = rest.dst.minus(&o.dst);
        if !b.is_empty() {
            out.push(HBox { dst: b, ..rest });
        }
        out
    }
}

/// Whether `earlier` (in order) together cover every box of `target`: `Some(used)` with the
/// indices of the earlier boxes that took part, `None` when some packet is left — or when the
/// pieces outgrow `cap` (then no claim is made).
pub fn covered_by(target: &[HBox], earlier: &[&HBox], cap: usize) -> Option<Vec<usize>> {
    let mut pieces: Vec<HBox> = target.to_vec();
    let mut used = Vec::new();
    for (i, e) in earlier.iter().enumerate() {
        if pieces.is_empty() {
            break;
        }
        if !pieces.iter().any(|p| p.overlaps(e)) {
            continue;
        }
        used.push(i);
        pieces = pieces.iter().flat_map(|p| p.minus(e)).collect();
        if pieces.len() > cap {
            return None;
        }
    }
    pieces.is_empty().then_some(used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ports(a: u16, b: u16) -> PortSet {
        PortSet::from_ranges(vec![(a, b)])
    }

    fn tcp(d: (u16, u16), src: AddrSet) -> Vec<HBox> {
        HBox::of_rule(
            "Tcp",
            &PortSet::all(),
            &ports(d.0, d.1),
            &src,
            &AddrSet::any(),
        )
    }

    #[test]
    fn two_rules_together_cover_a_third() {
        let r = tcp((1000, 2000), AddrSet::range(10, 20));
        let a = tcp((1000, 1500), AddrSet::any());
        let b = tcp((1400, 2000), AddrSet::range(0, 100));
        let e: Vec<&HBox> = a.iter().chain(&b).collect();
        assert_eq!(covered_by(&r, &e, 1000), Some(vec![0, 1]));
        // Neither alone does.
        assert_eq!(covered_by(&r, &e[..1], 1000), None);
        assert_eq!(covered_by(&r, &e[1..], 1000), None);
    }

    #[test]
    fn a_tag_is_covered_only_by_any() {
        let r = tcp((22, 22), AddrSet::named("virtualnetwork"));
        let prefix = tcp((0, u16::MAX), AddrSet::range(0x0A00_0000, 0x0AFF_FFFF));
        let any = tcp((0, u16::MAX), AddrSet::any());
        assert_eq!(covered_by(&r, &[&prefix[0]], 100), None);
        assert_eq!(covered_by(&r, &[&any[0]], 100), Some(vec![0]));
    }

    #[test]
    fn a_star_rule_with_ports_does_not_cover_icmp() {
        let icmp = HBox::of_rule(
            "Icmp",
            &PortSet::all(),
            &PortSet::all(),
            &AddrSet::any(),
            &AddrSet::any(),
        );
        let star = HBox::of_rule(
            "*",
            &PortSet::all(),
            &ports(1, 1000),
            &AddrSet::any(),
            &AddrSet::any(),
        );
        let star_all = HBox::of_rule(
            "*",
            &PortSet::all(),
            &PortSet::all(),
            &AddrSet::any(),
            &AddrSet::any(),
        );
        let e: Vec<&HBox> = star.iter().collect();
        assert_eq!(covered_by(&icmp, &e, 100), None);
        let e: Vec<&HBox> = star_all.iter().collect();
        assert!(covered_by(&icmp, &e, 100).is_some());
    }

    fn sample(b: &HBox, proto: u8, sp: u16, dp: u16, s: u32, d: u32) -> bool {
        let inr = |set: &AddrSet, a: u32| set.ranges.iter().any(|&(x, y)| x <= a && a <= y);
        b.protos & proto != 0
            && b.sports.contains(sp)
            && b.dports.contains(dp)
            && inr(&b.src, s)
            && inr(&b.dst, d)
    }

    proptest! {
        /// Box subtraction is exact: a point is in `a − b` iff it is in `a` and not in `b`,
        /// and the pieces are disjoint.
        #[test]
        fn minus_is_exact(
            ap in 1u8..8, bp in 1u8..8,
            a1 in 0u16..100, a2 in 0u16..100, b1 in 0u16..100, b2 in 0u16..100,
            s1 in 0u32..50, s2 in 0u32..50, t1 in 0u32..50, t2 in 0u32..50,
            pts in proptest::collection::vec((0u8..3, 0u16..100, 0u16..100, 0u32..50, 0u32..50), 40),
        ) {
            let a = HBox { protos: ap, sports: PortSet::all(), dports: ports(a1.min(a2), a1.max(a2)), src: AddrSet::range(s1, s2), dst: AddrSet::any() };
            let b = HBox { protos: bp, sports: ports(b1.min(b2), b1.max(b2)), dports: PortSet::all(), src: AddrSet::any(), dst: AddrSet::range(t1, t2) };
            let pieces = a.minus(&b);
            for (p, sp, dp, s, d) in pts {
                let proto = 1u8 << p;
                let want = sample(&a, proto, sp, dp, s, d) && !sample(&b, proto, sp, dp, s, d);
                let n = pieces.iter().filter(|x| sample(x, proto, sp, dp, s, d)).count();
                prop_assert_eq!(n, usize::from(want));
            }
        }
    }
}
