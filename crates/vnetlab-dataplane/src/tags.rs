//! Service tags as a NIC sees them (azure-semantics.md §6.3).
//!
//! `VirtualNetwork` is expanded per subnet (the point of view of the NIC whose NSG is being
//! evaluated — the destination for inbound rules, the source for outbound): the VNet's address
//! space; the `remoteAddressSpace` of every Connected link with `allowVirtualNetworkAccess`;
//! the spaces the VNet's gateway (own, or the hub's through gateway transit) connects to; the
//! host VIP `168.63.129.16/32`; and the prefixes of the UDRs in the subnet's route table.
//!
//! The `0.0.0.0/0` caveat: Azure documents that the tag "might also contain default routes".
//! vnetlab includes a `0.0.0.0/0` UDR prefix as Azure says, so on a forced-tunnelled subnet
//! `VirtualNetwork` covers every address and `AllowVnetInBound` admits any source. Walks that
//! pass only because of this carry a warning naming the route.
//!
//! `Internet` is the public IPv4 space (everything outside RFC 1918, 100.64/10, loopback,
//! link-local, multicast/reserved and the host VIP), the same for every NIC.
//! `AzureLoadBalancer` is `168.63.129.16/32`.

use crate::model::*;
use crate::prefix::{non_internet, Pfx, RangeSet, HOST_VIP};
use crate::routes::gateway_prefixes;
use std::net::Ipv4Addr;

/// A subnet's `VirtualNetwork` tag: the prefixes in display order and the set.
#[derive(Debug, Clone, Default)]
pub struct VnetView {
    pub prefixes: Vec<Pfx>,
    pub set: RangeSet,
    /// The subnet's route table has a `0.0.0.0/0` UDR, so the tag covers everything.
    pub default_udr: Option<String>,
    /// The VNet's own address space (part of `set`): most addresses a NIC's NSG tests are
    /// its own VNet's, and this short list answers them without searching `set`.
    pub own: Vec<(u32, u32)>,
}

impl VnetView {
    /// Whether an address is in the tag (`set.contains`, with the VNet's own space first).
    #[inline]
    pub fn contains(&self, ip: u32) -> bool {
        self.own.iter().any(|&(a, z)| a <= ip && ip <= z) || self.set.contains(ip)
    }
}

pub fn vnet_view(m: &Model, subnet: Ix) -> VnetView {
    let sn = &m.subnets[subnet as usize];
    let v = &m.vnets[sn.vnet as usize];
    let mut list: Vec<Pfx> = Vec::new();
    let mut seen: std::collections::HashSet<Pfx> = std::collections::HashSet::new();
    let mut add = |p: Pfx, list: &mut Vec<Pfx>| {
        if seen.insert(p) {
            list.push(p);
        }
    };
    for p in &v.space4 {
        add(*p, &mut list);
    }
    add(Pfx::host(Ipv4Addr::from(HOST_VIP)), &mut list);
    for &l in &v.links {
        let link = &m.links[l as usize];
        if link.state == PeeringState::Connected && link.allow_vnet_access {
            for p in &link.remote_space {
                add(*p, &mut list);
            }
        }
    }
    if let Some((gw, _)) = m.effective_gateway(sn.vnet) {
        for g in gateway_prefixes(m, gw) {
            add(g.pfx, &mut list);
        }
    }
    let mut default_udr = None;
    if let Some(t) = sn.route_table {
        for u in &m.route_tables[t as usize].routes {
            if let UdrPrefix::Net(p) = u.prefix {
                if p == Pfx::DEFAULT {
                    default_udr = Some(u.id.clone());
                }
                add(p, &mut list);
            }
        }
    }
    VnetView {
        set: RangeSet::from_prefixes(&list),
        prefixes: list,
        default_udr,
        own: v.space4.iter().map(|p| (p.first(), p.last())).collect(),
    }
}

/// The `Internet` tag as prefixes.
pub fn internet_prefixes() -> Vec<Pfx> {
    non_internet().complement().to_prefixes()
}

/// Tag → prefixes as effective security rules show them for a NIC in this view.
pub fn tag_map(view: &VnetView) -> Vec<(String, Vec<String>)> {
    vec![
        (
            "VirtualNetwork".to_string(),
            view.prefixes.iter().map(|p| p.to_string()).collect(),
        ),
        (
            "Internet".to_string(),
            internet_prefixes().iter().map(|p| p.to_string()).collect(),
        ),
        (
            "AzureLoadBalancer".to_string(),
            vec![Pfx::host(Ipv4Addr::from(HOST_VIP)).to_string()],
        ),
    ]
}
