//! Exact sets of flows: protocol × source port × destination port.
//!
//! A reachability answer is a set of flows, not a sample: "Tcp 22 and 443, Udp 53, Icmp".
//! [`PortSet`] is a set of ports as sorted disjoint ranges; [`PortPlane`] is a set of
//! (source port, destination port) pairs for one transport protocol, kept as a partition of the
//! source-port axis into ranges that share one destination-port set (NSG rules rarely restrict
//! source ports, so the partition is almost always one range); [`FlowSpace`] is one plane each
//! for TCP and UDP and a flag for ICMP (which has no ports: azure-semantics.md §6.1).
//! Every operation is exact and canonical (equal sets compare equal).

use std::fmt;

/// A set of ports: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortSet {
    ranges: Vec<(u16, u16)>,
}

impl PortSet {
    pub fn empty() -> PortSet {
        PortSet::default()
    }

    pub fn all() -> PortSet {
        PortSet {
            ranges: vec![(0, u16::MAX)],
        }
    }

    pub fn single(p: u16) -> PortSet {
        PortSet {
            ranges: vec![(p, p)],
        }
    }

    /// Normalises any list of ranges (reversed ranges are swapped).
    pub fn from_ranges(mut v: Vec<(u16, u16)>) -> PortSet {
        for r in &mut v {
            if r.0 > r.1 {
                *r = (r.1, r.0);
            }
        }
        v.sort_unstable();
        let mut out: Vec<(u16, u16)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            if let Some(last) = out.last_mut() {
                if u32::from(a) <= u32::from(last.1) + 1 {
                    last.1 = last.1.max(b);
                    continue;
                }
            }
            out.push((a, b));
        }
        PortSet { ranges: out }
    }

    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.ranges
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn is_all(&self) -> bool {
        self.ranges == [(0, u16::MAX)]
    }

    /// Number of ports in the set.
    pub fn count(&self) -> u32 {
        self.ranges
            .iter()
            .map(|&(a, b)| u32::from(b) - u32::from(a) + 1)
            .sum()
    }

    pub fn contains(&self, p: u16) -> bool {
        let i = self.ranges.partition_point(|r| r.0 <= p);
        i > 0 && p <= self.ranges[i - 1].1
    }

    pub fn first(&self) -> Option<u16> {
        self.ranges.first().map(|r| r.0)
    }

    pub fn complement(&self) -> PortSet {
        let mut out = Vec::new();
        let mut next: u32 = 0;
        for &(a, b) in &self.ranges {
            if u32::from(a) > next {
                out.push((next as u16, a - 1));
            }
            next = u32::from(b) + 1;
        }
        if next <= u32::from(u16::MAX) {
            out.push((next as u16, u16::MAX));
        }
        PortSet { ranges: out }
    }

    pub fn union(&self, o: &PortSet) -> PortSet {
        // A merge of two sorted lists, joining overlapping and adjacent ranges.
        let mut out: Vec<(u16, u16)> = Vec::with_capacity(self.ranges.len() + o.ranges.len());
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() || j < o.ranges.len() {
            let next = if j == o.ranges.len()
                || (i < self.ranges.len() && self.ranges[i].0 <= o.ranges[j].0)
            {
                i += 1;
                self.ranges[i - 1]
            } else {
                j += 1;
                o.ranges[j - 1]
            };
            match out.last_mut() {
                Some(last) if u32::from(next.0) <= u32::from(last.1) + 1 => {
                    last.1 = last.1.max(next.1)
                }
                _ => out.push(next),
            }
        }
        PortSet { ranges: out }
    }

    pub fn intersect(&self, o: &PortSet) -> PortSet {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.ranges.len() && j < o.ranges.len() {
            let (a, b) = self.ranges[i];
            let (c, d) = o.ranges[j];
            let lo = a.max(c);
            let hi = b.min(d);
            if lo <= hi {
                out.push((lo, hi));
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        PortSet { ranges: out }
    }

    pub fn minus(&self, o: &PortSet) -> PortSet {
        self.intersect(&o.complement())
    }

    pub fn is_subset(&self, o: &PortSet) -> bool {
        self.minus(o).is_empty()
    }

    /// Parses `80`, `1000-2000`, `80,443,8000-8080`, `*` (all).
    pub fn parse(s: &str) -> Result<PortSet, String> {
        let s = s.trim();
        if s == "*" || s.eq_ignore_ascii_case("any") {
            return Ok(PortSet::all());
        }
        let mut v = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            let bad =
                || format!("'{part}' is not a port or port range (0-65535, e.g. 443 or 1000-2000)");
            let r = match part.split_once('-') {
                Some((a, b)) => (
                    a.trim().parse::<u16>().map_err(|_| bad())?,
                    b.trim().parse::<u16>().map_err(|_| bad())?,
                ),
                None => {
                    let p = part.parse::<u16>().map_err(|_| bad())?;
                    (p, p)
                }
            };
            if r.0 > r.1 {
                return Err(bad());
            }
            v.push(r);
        }
        Ok(PortSet::from_ranges(v))
    }
}

impl fmt::Display for PortSet {
    /// `*` for all ports, `-` for none, else `22,80-443`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("*");
        }
        if self.is_empty() {
            return f.write_str("-");
        }
        let parts: Vec<String> = self
            .ranges
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}-{b}")
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// A set of (source port, destination port) pairs for one transport protocol: source-port
/// ranges in order, each with its (non-empty) destination-port set; neighbours with equal sets
/// are merged, so the representation is canonical.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PortPlane {
    parts: Vec<(u16, u16, PortSet)>,
}

impl PortPlane {
    pub fn empty() -> PortPlane {
        PortPlane::default()
    }

    pub fn all() -> PortPlane {
        PortPlane {
            parts: vec![(0, u16::MAX, PortSet::all())],
        }
    }

    /// `sports × dports`.
    pub fn product(sports: &PortSet, dports: &PortSet) -> PortPlane {
        if dports.is_empty() {
            return PortPlane::empty();
        }
        PortPlane {
            parts: sports
                .ranges()
                .iter()
                .map(|&(a, b)| (a, b, dports.clone()))
                .collect(),
        }
    }

    pub fn parts(&self) -> &[(u16, u16, PortSet)] {
        &self.parts
    }

    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    pub fn is_all(&self) -> bool {
        self.parts.len() == 1
            && self.parts[0].0 == 0
            && self.parts[0].1 == u16::MAX
            && self.parts[0].2.is_all()
    }

    fn at(&self, sport: u16) -> Option<&PortSet> {
        let i = self.parts.partition_point(|p| p.0 <= sport);
        (i > 0 && sport <= self.parts[i - 1].1).then(|| &self.parts[i - 1].2)
    }

    pub fn contains(&self, sport: u16, dport: u16) -> bool {
        self.at(sport).is_some_and(|s| s.contains(dport))
    }

    /// Combines two planes range by range of the source-port axis.
    fn combine(&self, o: &PortPlane, f: impl Fn(&PortSet, &PortSet) -> PortSet) -> PortPlane {
        // The usual case (no rule restricts source ports): one part each over the same range.
        if let ([(a0, a1, a)], [(b0, b1, b)]) = (self.parts.as_slice(), o.parts.as_slice()) {
            if (a0, a1) == (b0, b1) {
                let s = f(a, b);
                return PortPlane {
                    parts: if s.is_empty() {
                        Vec::new()
                    } else {
                        vec![(*a0, *a1, s)]
                    },
                };
            }
        }
        let mut cuts: Vec<u32> = vec![0, 65536];
        for p in self.parts.iter().chain(o.parts.iter()) {
            cuts.push(u32::from(p.0));
            cuts.push(u32::from(p.1) + 1);
        }
        cuts.sort_unstable();
        cuts.dedup();
        let empty = PortSet::empty();
        let mut out: Vec<(u16, u16, PortSet)> = Vec::new();
        for w in cuts.windows(2) {
            let (lo, hi) = (w[0] as u16, (w[1] - 1) as u16);
            let a = self.at(lo).unwrap_or(&empty);
            let b = o.at(lo).unwrap_or(&empty);
            let s = f(a, b);
            if s.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(last) if u32::from(last.1) + 1 == u32::from(lo) && last.2 == s => last.1 = hi,
                _ => out.push((lo, hi, s)),
            }
        }
        PortPlane { parts: out }
    }

    pub fn union(&self, o: &PortPlane) -> PortPlane {
        self.combine(o, PortSet::union)
    }

    pub fn intersect(&self, o: &PortPlane) -> PortPlane {
        self.combine(o, PortSet::intersect)
    }

    pub fn minus(&self, o: &PortPlane) -> PortPlane {
        self.combine(o, PortSet::minus)
    }

    /// The same pairs with source and destination swapped (a reply's view of a flow).
    pub fn transpose(&self) -> PortPlane {
        let mut cuts: Vec<u32> = vec![0, 65536];
        for p in &self.parts {
            for &(a, b) in p.2.ranges() {
                cuts.push(u32::from(a));
                cuts.push(u32::from(b) + 1);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut out: Vec<(u16, u16, PortSet)> = Vec::new();
        for w in cuts.windows(2) {
            let (lo, hi) = (w[0] as u16, (w[1] - 1) as u16);
            let s = PortSet::from_ranges(
                self.parts
                    .iter()
                    .filter(|p| p.2.contains(lo))
                    .map(|p| (p.0, p.1))
                    .collect(),
            );
            if s.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some(last) if u32::from(last.1) + 1 == u32::from(lo) && last.2 == s => last.1 = hi,
                _ => out.push((lo, hi, s)),
            }
        }
        PortPlane { parts: out }
    }

    /// Destination ports open from every source port.
    pub fn dports_for_every_sport(&self) -> PortSet {
        let covered = PortSet::from_ranges(self.parts.iter().map(|p| (p.0, p.1)).collect());
        if !covered.is_all() {
            return PortSet::empty();
        }
        let mut it = self.parts.iter();
        let first = it.next().map(|p| p.2.clone()).unwrap_or_default();
        it.fold(first, |acc, p| acc.intersect(&p.2))
    }

    /// Destination ports open from at least one source port.
    pub fn dports_for_some_sport(&self) -> PortSet {
        self.parts
            .iter()
            .fold(PortSet::empty(), |acc, p| acc.union(&p.2))
    }

    /// Some (source port, destination port) in the plane, preferring an ephemeral source port.
    pub fn sample(&self) -> Option<(u16, u16)> {
        let p = self
            .parts
            .iter()
            .find(|p| p.0 <= 49152 && 49152 <= p.1)
            .or_else(|| self.parts.last())?;
        let sport = if p.0 <= 49152 && 49152 <= p.1 {
            49152
        } else {
            p.0
        };
        // A port people recognise when the set has one (an example flow is read by people).
        let dport = [443, 80, 22, 3389, 53, 5432, 1433]
            .into_iter()
            .find(|&d| p.2.contains(d))
            .or_else(|| p.2.first())?;
        Some((sport, dport))
    }
}

/// A transport protocol as a flow set distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
}

impl Proto {
    pub const ALL: [Proto; 3] = [Proto::Tcp, Proto::Udp, Proto::Icmp];

    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "Tcp",
            Proto::Udp => "Udp",
            Proto::Icmp => "Icmp",
        }
    }

    pub fn to_engine(self) -> vnetlab_dataplane::Protocol {
        match self {
            Proto::Tcp => vnetlab_dataplane::Protocol::Tcp,
            Proto::Udp => vnetlab_dataplane::Protocol::Udp,
            Proto::Icmp => vnetlab_dataplane::Protocol::Icmp,
        }
    }
}

/// A set of flows between two addresses: TCP and UDP port pairs, and ICMP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FlowSpace {
    pub tcp: PortPlane,
    pub udp: PortPlane,
    pub icmp: bool,
}

impl FlowSpace {
    pub fn empty() -> FlowSpace {
        FlowSpace::default()
    }

    pub fn all() -> FlowSpace {
        FlowSpace {
            tcp: PortPlane::all(),
            udp: PortPlane::all(),
            icmp: true,
        }
    }

    /// The flows of the given protocols to the given destination ports, from any source port
    /// (ICMP is included when asked for, whatever the ports).
    pub fn selection(protocols: &[Proto], dports: &PortSet) -> FlowSpace {
        let plane = PortPlane::product(&PortSet::all(), dports);
        FlowSpace {
            tcp: if protocols.contains(&Proto::Tcp) {
                plane.clone()
            } else {
                PortPlane::empty()
            },
            udp: if protocols.contains(&Proto::Udp) {
                plane
            } else {
                PortPlane::empty()
            },
            icmp: protocols.contains(&Proto::Icmp),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.tcp.is_empty() && self.udp.is_empty() && !self.icmp
    }

    pub fn is_all(&self) -> bool {
        self.tcp.is_all() && self.udp.is_all() && self.icmp
    }

    pub fn union(&self, o: &FlowSpace) -> FlowSpace {
        FlowSpace {
            tcp: self.tcp.union(&o.tcp),
            udp: self.udp.union(&o.udp),
            icmp: self.icmp || o.icmp,
        }
    }

    pub fn intersect(&self, o: &FlowSpace) -> FlowSpace {
        FlowSpace {
            tcp: self.tcp.intersect(&o.tcp),
            udp: self.udp.intersect(&o.udp),
            icmp: self.icmp && o.icmp,
        }
    }

    pub fn minus(&self, o: &FlowSpace) -> FlowSpace {
        FlowSpace {
            tcp: self.tcp.minus(&o.tcp),
            udp: self.udp.minus(&o.udp),
            icmp: self.icmp && !o.icmp,
        }
    }

    pub fn is_subset(&self, o: &FlowSpace) -> bool {
        self.minus(o).is_empty()
    }

    /// Source and destination ports swapped.
    pub fn transpose(&self) -> FlowSpace {
        FlowSpace {
            tcp: self.tcp.transpose(),
            udp: self.udp.transpose(),
            icmp: self.icmp,
        }
    }

    pub fn plane(&self, p: Proto) -> Option<&PortPlane> {
        match p {
            Proto::Tcp => Some(&self.tcp),
            Proto::Udp => Some(&self.udp),
            Proto::Icmp => None,
        }
    }

    pub fn contains(&self, p: Proto, sport: u16, dport: u16) -> bool {
        match p {
            Proto::Tcp => self.tcp.contains(sport, dport),
            Proto::Udp => self.udp.contains(sport, dport),
            Proto::Icmp => self.icmp,
        }
    }

    /// One flow of the set as (protocol, source port, destination port), TCP first.
    pub fn sample(&self) -> Option<(Proto, u16, u16)> {
        if let Some((s, d)) = self.tcp.sample() {
            return Some((Proto::Tcp, s, d));
        }
        if let Some((s, d)) = self.udp.sample() {
            return Some((Proto::Udp, s, d));
        }
        self.icmp.then_some((Proto::Icmp, 0, 0))
    }

    /// The compact summary people read: `Tcp:22,443 Udp:53 Icmp`, `all`, or `none`. Ports
    /// open only from some source ports are marked `(from source ports …)`.
    pub fn summary(&self) -> String {
        if self.is_all() {
            return "all".into();
        }
        if self.is_empty() {
            return "none".into();
        }
        let mut parts = Vec::new();
        for (name, plane) in [("Tcp", &self.tcp), ("Udp", &self.udp)] {
            if plane.is_empty() {
                continue;
            }
            let every = plane.dports_for_every_sport();
            if !every.is_empty() {
                parts.push(format!("{name}:{every}"));
            }
            let rest = PortPlane::product(&PortSet::all(), &every);
            for (a, b, d) in plane.minus(&rest).parts() {
                let sp = PortSet::from_ranges(vec![(*a, *b)]);
                parts.push(format!("{name}:{d}(from source ports {sp})"));
            }
        }
        if self.icmp {
            parts.push("Icmp".into());
        }
        parts.join(" ")
    }
}

impl fmt::Display for FlowSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ps(v: &[(u16, u16)]) -> PortSet {
        PortSet::from_ranges(v.to_vec())
    }

    #[test]
    fn port_sets_normalise_and_print() {
        assert_eq!(
            ps(&[(80, 80), (81, 90), (10, 5)]).ranges(),
            &[(5, 10), (80, 90)]
        );
        assert_eq!(ps(&[(80, 80), (81, 90), (10, 5)]).to_string(), "5-10,80-90");
        assert_eq!(PortSet::all().to_string(), "*");
        assert_eq!(PortSet::empty().to_string(), "-");
        assert_eq!(
            PortSet::parse("443, 1000-2000").unwrap(),
            ps(&[(443, 443), (1000, 2000)])
        );
        assert!(PortSet::parse("2000-1000").is_err());
        assert!(PortSet::parse("70000").is_err());
        assert_eq!(PortSet::all().complement(), PortSet::empty());
        assert_eq!(ps(&[(0, 9)]).complement(), ps(&[(10, 65535)]));
    }

    #[test]
    fn summary_reads_like_a_person_would_write_it() {
        let mut s = FlowSpace::selection(&[Proto::Tcp], &ps(&[(22, 22), (443, 443)]));
        s.icmp = true;
        s.udp = PortPlane::product(&ps(&[(1024, 65535)]), &PortSet::single(53));
        assert_eq!(
            s.summary(),
            "Tcp:22,443 Udp:53(from source ports 1024-65535) Icmp"
        );
        assert_eq!(FlowSpace::all().summary(), "all");
        assert_eq!(FlowSpace::empty().summary(), "none");
    }

    fn arb_set() -> impl Strategy<Value = PortSet> {
        prop::collection::vec((0u16..40, 0u16..40), 0..4).prop_map(|v| {
            PortSet::from_ranges(v.into_iter().map(|(a, b)| (a.min(b), a.max(b))).collect())
        })
    }

    fn arb_plane() -> impl Strategy<Value = PortPlane> {
        prop::collection::vec((arb_set(), arb_set()), 0..3).prop_map(|v| {
            v.iter().fold(PortPlane::empty(), |acc, (s, d)| {
                acc.union(&PortPlane::product(s, d))
            })
        })
    }

    proptest! {
        #[test]
        fn set_ops_agree_with_membership(a in arb_set(), b in arb_set(), p in 0u16..45) {
            prop_assert_eq!(a.union(&b).contains(p), a.contains(p) || b.contains(p));
            prop_assert_eq!(a.intersect(&b).contains(p), a.contains(p) && b.contains(p));
            prop_assert_eq!(a.minus(&b).contains(p), a.contains(p) && !b.contains(p));
            prop_assert_eq!(a.complement().contains(p), !a.contains(p));
        }

        #[test]
        fn plane_ops_agree_with_membership(a in arb_plane(), b in arb_plane(), s in 0u16..45, d in 0u16..45) {
            prop_assert_eq!(a.union(&b).contains(s, d), a.contains(s, d) || b.contains(s, d));
            prop_assert_eq!(a.intersect(&b).contains(s, d), a.contains(s, d) && b.contains(s, d));
            prop_assert_eq!(a.minus(&b).contains(s, d), a.contains(s, d) && !b.contains(s, d));
            prop_assert_eq!(a.transpose().contains(d, s), a.contains(s, d));
            // Canonical: the same set built two ways compares equal.
            prop_assert_eq!(a.union(&b), b.union(&a));
            prop_assert_eq!(a.transpose().transpose(), a.clone());
        }
    }
}
