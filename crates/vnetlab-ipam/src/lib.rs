//! IP address management for Azure address plans. Pure functions, no I/O.
//!
//! Azure-specific facts encoded here (azure-semantics.md §3, azure-docs `virtual-networks-faq`):
//! - prefixes must be written in canonical form: `10.0.3.5/24` is rejected (`InvalidCIDRNotation`);
//! - Azure reserves five IPv4 addresses per subnet: the network address, `.1` (default gateway),
//!   `.2` and `.3` (Azure DNS), and the broadcast address, so the first assignable host is
//!   network + 4 and a `/29` has three usable addresses;
//! - private IPs are handed out lowest-free-first.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

pub use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Why a prefix string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidrError {
    /// Not an address/length pair at all.
    Malformed(String),
    /// Host bits are set; carries the canonical prefix (`10.0.3.5/24` → `10.0.3.0/24`).
    HostBitsSet { given: String, canonical: IpNet },
}

impl fmt::Display for CidrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CidrError::Malformed(s) => write!(f, "'{s}' is not a valid CIDR prefix"),
            CidrError::HostBitsSet { given, canonical } => {
                write!(f, "'{given}' has host bits set; the prefix is {canonical}")
            }
        }
    }
}

impl std::error::Error for CidrError {}

/// Parses a prefix as Azure accepts it: `a.b.c.d/n` (or IPv6) with no host bits set.
/// A bare address is not a prefix.
pub fn parse_prefix(s: &str) -> Result<IpNet, CidrError> {
    let net: IpNet = s
        .trim()
        .parse()
        .map_err(|_| CidrError::Malformed(s.to_string()))?;
    if net.network() != net.addr() {
        return Err(CidrError::HostBitsSet {
            given: s.to_string(),
            canonical: net.trunc(),
        });
    }
    Ok(net)
}

/// Parses either a prefix or a single address (as NSG rules and UDR next hops allow).
/// A single address becomes a host prefix (`/32` or `/128`).
pub fn parse_prefix_or_address(s: &str) -> Result<IpNet, CidrError> {
    if s.contains('/') {
        parse_prefix(s)
    } else {
        let ip: IpAddr = s
            .trim()
            .parse()
            .map_err(|_| CidrError::Malformed(s.to_string()))?;
        Ok(IpNet::from(ip))
    }
}

/// Two prefixes overlap iff one contains the other's network address (prefixes are aligned).
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// `outer` contains all of `inner`.
pub fn contains(outer: &IpNet, inner: &IpNet) -> bool {
    outer.contains(inner)
}

/// Every pair `(a, b)` with `a` from `left` and `b` from `right` that overlap, in input order.
pub fn overlapping_pairs(left: &[IpNet], right: &[IpNet]) -> Vec<(IpNet, IpNet)> {
    let mut out = Vec::new();
    for a in left {
        for b in right {
            if overlaps(a, b) {
                out.push((*a, *b));
            }
        }
    }
    out
}

/// Number of addresses in a prefix, saturating at `u128::MAX` for `::/0`.
pub fn size(net: &IpNet) -> u128 {
    let bits = match net {
        IpNet::V4(_) => 32,
        IpNet::V6(_) => 128,
    };
    let host_bits = bits - u32::from(net.prefix_len());
    if host_bits >= 128 {
        u128::MAX
    } else {
        1u128 << host_bits
    }
}

/// Azure reserves five addresses in each IPv4 subnet.
pub const AZURE_RESERVED_PER_SUBNET: u32 = 5;

/// Usable (assignable) IPv4 addresses in a subnet: 2^(32−n) − 5, or 0 when too small.
pub fn usable_count(subnet: &Ipv4Net) -> u64 {
    let total = 1u64 << (32 - u32::from(subnet.prefix_len()));
    total.saturating_sub(u64::from(AZURE_RESERVED_PER_SUBNET))
}

/// The first and last assignable addresses of an IPv4 subnet (network+4 ..= broadcast−1),
/// or `None` when the subnet is too small to hold any.
pub fn assignable_range(subnet: &Ipv4Net) -> Option<(Ipv4Addr, Ipv4Addr)> {
    if usable_count(subnet) == 0 {
        return None;
    }
    let net = u32::from(subnet.network());
    let bcast = u32::from(subnet.broadcast());
    Some((Ipv4Addr::from(net + 4), Ipv4Addr::from(bcast - 1)))
}

/// Why a static private IP cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    /// The address is not inside the subnet.
    OutsideSubnet,
    /// One of the five addresses Azure keeps for itself.
    Reserved,
    /// Already assigned to another IP configuration.
    InUse,
}

/// Checks a requested static address against the subnet and the addresses already taken.
pub fn check_static(
    subnet: &Ipv4Net,
    ip: Ipv4Addr,
    used: &BTreeSet<Ipv4Addr>,
) -> Result<(), AddressError> {
    if !subnet.contains(&ip) {
        return Err(AddressError::OutsideSubnet);
    }
    match assignable_range(subnet) {
        Some((first, last)) if ip >= first && ip <= last => {}
        _ => return Err(AddressError::Reserved),
    }
    if used.contains(&ip) {
        return Err(AddressError::InUse);
    }
    Ok(())
}

/// The lowest assignable address of the subnet not in `used` (Azure's dynamic allocation),
/// or `None` when the subnet is full.
pub fn allocate(subnet: &Ipv4Net, used: &BTreeSet<Ipv4Addr>) -> Option<Ipv4Addr> {
    let (first, last) = assignable_range(subnet)?;
    let (first, last) = (u32::from(first), u32::from(last));
    // `used` is sorted: walk it from `first` instead of probing every address.
    let mut candidate = first;
    for taken in used.range(Ipv4Addr::from(first)..=Ipv4Addr::from(last)) {
        let taken = u32::from(*taken);
        if taken > candidate {
            break;
        }
        candidate = taken + 1;
    }
    (candidate <= last).then(|| Ipv4Addr::from(candidate))
}

/// Address ranges Azure refuses in a virtual network's address space
/// (azure-semantics.md §3: multicast, broadcast, loopback, link-local, the host VIP).
pub fn forbidden_vnet_ranges() -> [Ipv4Net; 5] {
    [
        Ipv4Net::new(Ipv4Addr::new(224, 0, 0, 0), 4).expect("valid"),
        Ipv4Net::new(Ipv4Addr::new(255, 255, 255, 255), 32).expect("valid"),
        Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).expect("valid"),
        Ipv4Net::new(Ipv4Addr::new(169, 254, 0, 0), 16).expect("valid"),
        Ipv4Net::new(Ipv4Addr::new(168, 63, 129, 16), 32).expect("valid"),
    ]
}

#[cfg(test)]
mod tests;
