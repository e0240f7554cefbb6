//! IPv4 prefixes as inclusive `u32` ranges, and sets of them (sorted, disjoint intervals with
//! binary-search membership). Everything the engine matches on is IPv4: Azure's IPv6 support
//! is outside the model (queries with IPv6 addresses answer `QueryError::Invalid`).

use ipnet::{IpNet, Ipv4Net};
use std::net::Ipv4Addr;

/// An IPv4 prefix: network address and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pfx {
    pub net: u32,
    pub len: u8,
}

impl Pfx {
    pub const DEFAULT: Pfx = Pfx { net: 0, len: 0 };

    /// `None` for a length above 32. Host bits are cleared.
    pub fn new(addr: u32, len: u8) -> Option<Pfx> {
        if len > 32 {
            return None;
        }
        Some(Pfx {
            net: addr & mask(len),
            len,
        })
    }

    pub fn host(ip: Ipv4Addr) -> Pfx {
        Pfx {
            net: u32::from(ip),
            len: 32,
        }
    }

    pub fn from_v4(n: &Ipv4Net) -> Pfx {
        Pfx {
            net: u32::from(n.network()),
            len: n.prefix_len(),
        }
    }

    /// The IPv4 prefix of an `IpNet`, if it is one.
    pub fn from_net(n: &IpNet) -> Option<Pfx> {
        match n {
            IpNet::V4(v) => Some(Pfx::from_v4(v)),
            IpNet::V6(_) => None,
        }
    }

    /// Parses `a.b.c.d/n` or a bare address (a /32). Host bits are tolerated and cleared.
    pub fn parse(s: &str) -> Option<Pfx> {
        let s = s.trim();
        match s.split_once('/') {
            Some((a, l)) => {
                let ip: Ipv4Addr = a.parse().ok()?;
                let len: u8 = l.parse().ok()?;
                Pfx::new(u32::from(ip), len)
            }
            None => s.parse::<Ipv4Addr>().ok().map(Pfx::host),
        }
    }

    pub fn first(&self) -> u32 {
        self.net
    }

    pub fn last(&self) -> u32 {
        self.net | !mask(self.len)
    }

    pub fn contains_ip(&self, ip: u32) -> bool {
        ip & mask(self.len) == self.net
    }

    /// `self` contains `other` (or equals it).
    pub fn covers(&self, other: &Pfx) -> bool {
        self.len <= other.len && self.contains_ip(other.net)
    }

    pub fn overlaps(&self, other: &Pfx) -> bool {
        self.covers(other) || other.covers(self)
    }
}

impl std::fmt::Display for Pfx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.net), self.len)
    }
}

pub fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len.min(32)))
    }
}

/// A set of IPv4 addresses as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RangeSet {
    starts: Vec<u32>,
    ends: Vec<u32>,
}

impl RangeSet {
    pub fn from_ranges(mut ranges: Vec<(u32, u32)>) -> RangeSet {
        ranges.retain(|(a, b)| a <= b);
        ranges.sort_unstable();
        let mut starts: Vec<u32> = Vec::with_capacity(ranges.len());
        let mut ends: Vec<u32> = Vec::with_capacity(ranges.len());
        for (a, b) in ranges {
            if let Some(last) = ends.last_mut() {
                if u64::from(a) <= u64::from(*last) + 1 {
                    if b > *last {
                        *last = b;
                    }
                    continue;
                }
            }
            starts.push(a);
            ends.push(b);
        }
        RangeSet { starts, ends }
    }

    pub fn from_prefixes<'a>(p: impl IntoIterator<Item = &'a Pfx>) -> RangeSet {
        RangeSet::from_ranges(p.into_iter().map(|p| (p.first(), p.last())).collect())
    }

    pub fn contains(&self, ip: u32) -> bool {
        let i = self.starts.partition_point(|&s| s <= ip);
        i > 0 && ip <= self.ends[i - 1]
    }

    /// Covers the whole IPv4 space.
    #[cfg(test)]
    pub fn is_everything(&self) -> bool {
        self.starts.len() == 1 && self.starts[0] == 0 && self.ends[0] == u32::MAX
    }

    pub fn ranges(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.starts.iter().copied().zip(self.ends.iter().copied())
    }

    #[cfg(test)]
    pub fn union(&self, other: &RangeSet) -> RangeSet {
        RangeSet::from_ranges(self.ranges().chain(other.ranges()).collect())
    }

    /// The complement within the whole IPv4 space.
    pub fn complement(&self) -> RangeSet {
        let mut out = Vec::new();
        let mut next: u64 = 0;
        for (a, b) in self.ranges() {
            if u64::from(a) > next {
                out.push((next as u32, a - 1));
            }
            next = u64::from(b) + 1;
        }
        if next <= u64::from(u32::MAX) {
            out.push((next as u32, u32::MAX));
        }
        RangeSet::from_ranges(out)
    }

    /// The set as the fewest CIDR prefixes, in address order.
    pub fn to_prefixes(&self) -> Vec<Pfx> {
        let mut out = Vec::new();
        for (a, b) in self.ranges() {
            let mut cur = u64::from(a);
            let end = u64::from(b);
            while cur <= end {
                // Largest aligned block starting at cur that fits.
                let mut len: u8 = if cur == 0 {
                    0
                } else {
                    32 - (cur.trailing_zeros().min(32) as u8)
                };
                while u64::from(
                    Pfx {
                        net: cur as u32,
                        len,
                    }
                    .last(),
                ) > end
                {
                    len += 1;
                }
                out.push(Pfx {
                    net: cur as u32,
                    len,
                });
                cur = u64::from(
                    Pfx {
                        net: cur as u32,
                        len,
                    }
                    .last(),
                ) + 1;
            }
        }
        out
    }
}

/// The reserved ranges whose default route is `None` (azure-semantics.md §5.1), in the order
/// effective route tables list them.
pub const RESERVED_NONE: [Pfx; 4] = [
    Pfx {
        net: 0x0A00_0000,
        len: 8,
    },
    Pfx {
        net: 0xAC10_0000,
        len: 12,
    },
    Pfx {
        net: 0xC0A8_0000,
        len: 16,
    },
    Pfx {
        net: 0x6440_0000,
        len: 10,
    },
];

/// The Azure host VIP (DNS, DHCP, health probes): `168.63.129.16`.
pub const HOST_VIP: u32 = 0xA83F_8110;

/// Address space that is not on the public Internet: RFC 1918, shared (100.64/10), loopback,
/// link-local, "this network", multicast and reserved, and the Azure host VIP.
pub fn non_internet() -> RangeSet {
    let p = |s: &str| Pfx::parse(s).unwrap_or(Pfx::DEFAULT);
    RangeSet::from_prefixes(&[
        p("0.0.0.0/8"),
        p("10.0.0.0/8"),
        p("100.64.0.0/10"),
        p("127.0.0.0/8"),
        p("169.254.0.0/16"),
        p("172.16.0.0/12"),
        p("192.168.0.0/16"),
        p("224.0.0.0/4"),
        p("240.0.0.0/4"),
        Pfx::host(Ipv4Addr::from(HOST_VIP)),
    ])
}

/// Whether an address is a public Internet address (not in [`non_internet`]).
pub fn is_public(ip: u32) -> bool {
    !matches!(ip >> 24, 0 | 10 | 127 | 224..=255)
        && ip & mask(10) != 0x6440_0000
        && ip & mask(16) != 0xA9FE_0000
        && ip & mask(12) != 0xAC10_0000
        && ip & mask(16) != 0xC0A8_0000
        && ip != HOST_VIP
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        assert_eq!(
            Pfx::parse("10.1.2.3/16").map(|p| p.to_string()),
            Some("10.1.0.0/16".into())
        );
        assert_eq!(Pfx::parse("1.2.3.4").map(|p| p.len), Some(32));
        assert_eq!(Pfx::parse("1.2.3.4/33"), None);
        assert_eq!(Pfx::parse("nope"), None);
    }

    #[test]
    fn complement_and_prefixes() {
        let s = RangeSet::from_prefixes(&[Pfx::parse("10.0.0.0/8").unwrap()]);
        let c = s.complement();
        assert!(!c.contains(0x0A01_0203));
        assert!(c.contains(0x0B00_0000));
        let all = c.union(&s);
        assert!(all.is_everything());
        assert_eq!(all.to_prefixes(), vec![Pfx::DEFAULT]);
        let parts: Vec<String> = c.to_prefixes().iter().map(|p| p.to_string()).collect();
        assert_eq!(parts[0], "0.0.0.0/5");
        assert!(parts.contains(&"11.0.0.0/8".to_string()));
    }

    #[test]
    fn public_matches_set() {
        let ni = non_internet();
        for ip in [
            0u32,
            0x0A00_0001,
            0x0808_0808,
            HOST_VIP,
            0xC0A8_0101,
            0x6440_0001,
            0xE000_0001,
            0x14000001,
        ] {
            assert_eq!(is_public(ip), !ni.contains(ip), "{ip:x}");
        }
    }
}
