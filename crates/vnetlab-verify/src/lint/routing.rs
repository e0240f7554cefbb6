//! User-defined routes through appliances, and the GatewaySubnet rules
//! (azure-semantics.md §5.3, §5.7, §11):
//! - a `VirtualAppliance` next hop that no NIC holds, or whose NIC has IP forwarding off;
//! - forwarded traffic crossing a peering whose receiving link lacks `allowForwardedTraffic`;
//! - asymmetric return paths: A reaches B through an appliance but B's reply is routed
//!   another way (asked of the data plane: `next_hop` from B back to A), which a stateful
//!   firewall drops;
//! - GatewaySubnet with an NSG, a `0.0.0.0/0` UDR, or gateway route propagation disabled.

use super::{Finding, Severity};
use crate::endpoint::parse_cidr;
use crate::inventory::{bool_at, id_of, last_name, parent_id, resource_group, str_at};
use crate::Verifier;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use vnetlab_dataplane::NextHopType;

type Cidr = (u32, u8);

fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len.min(32)))
    }
}

fn contains((net, len): Cidr, ip: Ipv4Addr) -> bool {
    u32::from(ip) & mask(len) == net & mask(len)
}

fn overlaps((na, la): Cidr, (nb, lb): Cidr) -> bool {
    let m = mask(la.min(lb));
    na & m == nb & m
}

fn cidrs(list: &[String]) -> Vec<Cidr> {
    list.iter().filter_map(|p| parse_cidr(p).ok()).collect()
}

pub fn check(v: &Verifier, out: &mut Vec<Finding>) {
    let inv = &v.inv;
    let mut asym_seen: HashSet<(usize, usize)> = HashSet::new();
    // Parsed once: at Azure's limits there are 40,000 routes against 1,000 VNets and 2,000
    // subnets.
    let vnet_space: Vec<Vec<Cidr>> = inv.vnets.iter().map(|vn| cidrs(&vn.space)).collect();
    let subnet_space: Vec<Vec<Cidr>> = inv.subnets.iter().map(|s| cidrs(&s.prefixes)).collect();
    let mut links: HashMap<(String, String), &serde_json::Value> = HashMap::new();
    for l in v
        .records
        .of_type("Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
    {
        if let Some(remote) = str_at(l, "/properties/remoteVirtualNetwork/id") {
            links
                .entry((
                    parent_id(&id_of(l)).to_ascii_lowercase(),
                    remote.to_ascii_lowercase(),
                ))
                .or_insert(l);
        }
    }
    let link = |vnet: &str, remote: &str| {
        links
            .get(&(vnet.to_ascii_lowercase(), remote.to_ascii_lowercase()))
            .copied()
    };
    let mut by_ip: HashMap<Ipv4Addr, Vec<usize>> = HashMap::new();
    for (n, nic) in inv.nics.iter().enumerate() {
        if let Some(ip) = nic.ip {
            by_ip.entry(ip).or_default().push(n);
        }
    }
    for t in v.records.of_type("Microsoft.Network/routeTables") {
        let tid = id_of(t);
        let subnets: Vec<usize> = inv
            .subnets
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                v.records
                    .get(&s.id)
                    .and_then(|r| str_at(r, "/properties/routeTable/id"))
                    .is_some_and(|x| x.eq_ignore_ascii_case(&tid))
            })
            .map(|(i, _)| i)
            .collect();
        for r in v.records.children_of(&tid) {
            let rid = id_of(r);
            if !str_at(r, "/properties/nextHopType")
                .is_some_and(|h| h.eq_ignore_ascii_case("VirtualAppliance"))
            {
                continue;
            }
            let prefix = str_at(r, "/properties/addressPrefix").unwrap_or("");
            let Some(nh) =
                str_at(r, "/properties/nextHopIpAddress").and_then(|a| a.parse::<Ipv4Addr>().ok())
            else {
                continue;
            };
            let rn = last_name(&rid);
            let Some(&nva) = by_ip.get(&nh).and_then(|h| h.first()) else {
                out.push(Finding::new(Severity::Error, "udr-appliance-missing", &rid, format!("Route {rn} sends {prefix} to appliance {nh}, but no network interface has that address: the traffic is dropped."), format!("Deploy the appliance at {nh}, or az network route-table route update -g {} --route-table-name {} -n {rn} --next-hop-ip-address <appliance address>", resource_group(&rid), last_name(&tid))));
                continue;
            };
            let nic = &inv.nics[nva];
            if !nic.ip_forwarding {
                out.push(Finding::new(Severity::Error, "udr-appliance-no-ip-forwarding", &nic.id, format!("Route {rn} in {} sends {prefix} to {nh}, but network interface {} has IP forwarding disabled: Azure drops packets not addressed to it.", last_name(&tid), nic.name), format!("az network nic update -g {} -n {} --ip-forwarding true", resource_group(&nic.id), nic.name)));
            }
            let Some(hub) = inv.nic_vnet(nva) else {
                continue;
            };
            // Forwarded traffic into each VNet of the prefix (other than the appliance's own).
            // A default route (forced tunnelling) names no VNet in particular: skipped.
            let Ok(pfx) = parse_cidr(prefix) else {
                continue;
            };
            let default_route = pfx.1 == 0;
            for (w, vn) in inv.vnets.iter().enumerate() {
                if default_route || w == hub || !vnet_space[w].iter().any(|&p| overlaps(p, pfx)) {
                    continue;
                }
                let connected = |l: &serde_json::Value| {
                    str_at(l, "/properties/peeringState")
                        .is_some_and(|s| s.eq_ignore_ascii_case("Connected"))
                };
                match link(&vn.id, &inv.vnets[hub].id) {
                    // A link that is not Connected is its own (peering) finding.
                    Some(l) if !connected(l) => {}
                    Some(l) if !bool_at(l, "/properties/allowForwardedTraffic", false) => {
                        let lid = id_of(l);
                        out.push(Finding::new(Severity::Error, "forwarded-traffic-not-allowed", &lid, format!("Route {rn} sends {prefix} through appliance {nh} in {}; the appliance forwards it into {} over peering, and {}'s link {} does not allow forwarded traffic, so it is dropped.", inv.vnets[hub].name, vn.name, vn.name, last_name(&lid)), format!("az network vnet peering update -g {} --vnet-name {} -n {} --set allowForwardedTraffic=true", resource_group(&lid), vn.name, last_name(&lid))));
                    }
                    Some(_) => {}
                    None => out.push(Finding::new(Severity::Warning, "udr-appliance-cannot-reach", &rid, format!("Route {rn} sends {prefix} through appliance {nh} in {}, which is not peered with {}: the appliance has no route there.", inv.vnets[hub].name, vn.name), format!("Peer {} with {} (both links, allowForwardedTraffic on {}'s), or change the route.", inv.vnets[hub].name, vn.name, vn.name))),
                }
            }
            // Asymmetric return: from every subnet with a NIC in the prefix, how do replies to the
            // route table's subnets go? (The data plane's next hop, as Network Watcher shows it.)
            let overlapping: Vec<usize> = (0..inv.subnets.len())
                .filter(|&b| subnet_space[b].iter().any(|&p| overlaps(p, pfx)))
                .collect();
            for &a in &subnets {
                let Some(&na) = inv.subnets[a]
                    .nics
                    .iter()
                    .find(|&&n| inv.nics[n].ip.is_some())
                else {
                    continue;
                };
                let Some(ia) = inv.nics[na].ip else { continue };
                for &b in &overlapping {
                    let sb = &inv.subnets[b];
                    if b == a || !asym_seen.insert((a, b)) {
                        continue;
                    }
                    let Some(&nb) = sb
                        .nics
                        .iter()
                        .find(|&&n| inv.nics[n].ip.is_some() && n != nva)
                    else {
                        continue;
                    };
                    let Some(ib) = inv.nics[nb].ip else { continue };
                    if !contains(pfx, ib) {
                        continue;
                    }
                    // Only where the forward path really takes this route.
                    let fwd =
                        v.dp.next_hop(&inv.nics[na].id, IpAddr::V4(ia), IpAddr::V4(ib));
                    if !fwd.as_ref().is_ok_and(|h| {
                        h.next_hop_type == NextHopType::VirtualAppliance
                            && h.next_hop_ip.as_deref() == Some(&nh.to_string())
                    }) {
                        continue;
                    }
                    let Ok(back) =
                        v.dp.next_hop(&inv.nics[nb].id, IpAddr::V4(ib), IpAddr::V4(ia))
                    else {
                        continue;
                    };
                    let same = back.next_hop_type == NextHopType::VirtualAppliance
                        && back.next_hop_ip.as_deref() == Some(&nh.to_string());
                    if same || back.next_hop_type == NextHopType::None {
                        // A `None` return route is a hard blocker, which reach reports; not an asymmetry.
                        continue;
                    }
                    let how = match &back.next_hop_ip {
                        Some(ip) if !ip.is_empty() => {
                            format!("{} {ip}", back.next_hop_type.as_effective_route_str())
                        }
                        _ => back.next_hop_type.as_effective_route_str().to_string(),
                    };
                    let (la, lb) = (inv.subnet_label(a), inv.subnet_label(b));
                    out.push(Finding::new(
                        Severity::Warning,
                        "asymmetric-return-path",
                        &sb.id,
                        format!("{la} reaches {lb} through appliance {nh} (route {rn}), but {lb} sends replies to {la} via {how}: a stateful appliance sees only one direction of each connection and drops it."),
                        format!("Route {la}'s prefix from {lb} through {nh} too: az network route-table route create -g <rg> --route-table-name <{lb}'s table> -n to-{} --address-prefix {} --next-hop-type VirtualAppliance --next-hop-ip-address {nh}", inv.subnets[a].name, inv.subnets[a].prefixes.first().cloned().unwrap_or_default()),
                    ));
                }
            }
        }
    }
    // GatewaySubnet.
    for s in &inv.subnets {
        if !s.name.eq_ignore_ascii_case("GatewaySubnet") {
            continue;
        }
        let Some(rec) = v.records.get(&s.id) else {
            continue;
        };
        if let Some(nsg) = str_at(rec, "/properties/networkSecurityGroup/id") {
            out.push(Finding::new(Severity::Warning, "gatewaysubnet-nsg", &s.id, format!("GatewaySubnet of {} has network security group {}: NSGs on GatewaySubnet are not supported and can break the gateway (azure-semantics.md §11).", inv.vnets[s.vnet].name, last_name(nsg)), format!("az network vnet subnet update -g {} --vnet-name {} -n GatewaySubnet --remove networkSecurityGroup", resource_group(&s.id), inv.vnets[s.vnet].name)));
        }
        if let Some(t) = str_at(rec, "/properties/routeTable/id") {
            if let Some(tr) = v.records.get(t) {
                if bool_at(tr, "/properties/disableBgpRoutePropagation", false) {
                    out.push(Finding::new(Severity::Warning, "gatewaysubnet-propagation-disabled", t, format!("Route table {} on GatewaySubnet disables gateway route propagation: the gateway loses the routes it needs.", last_name(t)), format!("az network route-table update -g {} -n {} --disable-bgp-route-propagation false", resource_group(t), last_name(t))));
                }
            }
            for r in v.records.children_of(t) {
                if str_at(r, "/properties/addressPrefix") == Some("0.0.0.0/0") {
                    let rid = id_of(r);
                    out.push(Finding::new(Severity::Error, "gatewaysubnet-default-route", &rid, format!("Route {} sends 0.0.0.0/0 from GatewaySubnet of {}: the gateway's own control traffic is diverted and the gateway stops working (azure-semantics.md §5.3, §11).", last_name(&rid), inv.vnets[s.vnet].name), format!("az network route-table route delete -g {} --route-table-name {} -n {}", resource_group(&rid), last_name(t), last_name(&rid))));
                }
            }
        }
    }
}
