//! Blockers: what stopped a packet, in words, with the change (an az command where one exists)
//! that would lift it. `kind` uses Network Watcher's ConnectivityIssue `type` where one exists
//! (`NetworkSecurityRule`, `UserDefinedRoute`, `GuestFirewall`), else a vnetlab name.

use crate::api::{Blocker, Direction, Protocol};
use crate::model::*;
use crate::prefix::Pfx;
use crate::routes::{Origin, Row};
use crate::walk::F4;
use std::net::Ipv4Addr;

fn ip4(x: u32) -> Ipv4Addr {
    Ipv4Addr::from(x)
}

fn b(kind: &str, resource_id: &str, explanation: String, fix: String) -> Blocker {
    Blocker {
        kind: kind.to_string(),
        resource_id: resource_id.to_string(),
        explanation,
        fix,
    }
}

pub fn proto_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "Tcp",
        Protocol::Udp => "Udp",
        Protocol::Icmp => "Icmp",
    }
}

fn flow_text(f: F4, src: u32, dst: u32) -> String {
    match f.proto {
        Protocol::Icmp => format!("ICMP {} → {}", ip4(src), ip4(dst)),
        p => format!(
            "{} {}:{} → {}:{}",
            proto_name(p).to_uppercase(),
            ip4(src),
            f.sport,
            ip4(dst),
            f.dport
        ),
    }
}

pub fn vm_not_running(vm: &Vm, source: bool) -> Blocker {
    let state = match vm.power {
        Power::Stopped => "stopped",
        Power::Deallocated => "deallocated",
        _ => "not running",
    };
    let what = if source {
        "it sends nothing"
    } else {
        "it does not answer"
    };
    b(
        "VmNotRunning",
        &vm.id,
        format!("VM {} is {state}: {what}.", vm.name),
        format!("az vm start -g {} -n {}", resource_group(&vm.id), vm.name),
    )
}

fn free_priority(nsg: &Nsg, inbound: bool, below: u32) -> u32 {
    let start = below.clamp(101, 4097) - 1;
    let mut taken: Vec<u32> = nsg
        .rules
        .iter()
        .filter(|r| r.inbound == inbound && r.priority <= start)
        .map(|r| r.priority)
        .collect();
    taken.sort_unstable();
    (100..=start)
        .rev()
        .find(|p| taken.binary_search(p).is_err())
        .unwrap_or(100)
}

#[allow(clippy::too_many_arguments)]
pub fn nsg_denied(
    m: &Model,
    nsg: Ix,
    rule: Option<&Rule>,
    dir: Direction,
    f: F4,
    src: u32,
    dst: u32,
    nic_id: &str,
) -> Blocker {
    let n = &m.nsgs[nsg as usize];
    let inbound = dir == Direction::Inbound;
    let (rid, rtext, prio) = match rule {
        Some(r) => (
            r.id.as_str(),
            format!(
                "rule {} (priority {}, Deny)",
                r.qualified_name(),
                r.priority
            ),
            r.priority,
        ),
        None => (n.id.as_str(), "no rule (deny)".to_string(), 65500),
    };
    let dir_s = if inbound { "Inbound" } else { "Outbound" };
    let p = free_priority(n, inbound, prio);
    let mut fix = format!(
        "az network nsg rule create -g {} --nsg-name {} -n Allow-{}-{}-{} --priority {p} --direction {dir_s} --access Allow --protocol {} --source-address-prefixes {} --destination-address-prefixes {}",
        resource_group(&n.id),
        n.name,
        proto_name(f.proto),
        if f.proto == Protocol::Icmp { "any".to_string() } else { f.dport.to_string() },
        dir_s,
        proto_name(f.proto),
        ip4(src),
        ip4(dst),
    );
    if f.proto != Protocol::Icmp {
        fix.push_str(&format!(" --destination-port-ranges {}", f.dport));
    }
    b(
        "NetworkSecurityRule",
        rid,
        format!(
            "{dir_s} {rtext} of network security group {} blocks {} at {}.",
            n.name,
            flow_text(f, src, dst),
            last_name(nic_id)
        ),
        fix,
    )
}

/// A VNet holding `ip` (by current address space).
fn vnet_holding(m: &Model, ip: u32) -> Option<Ix> {
    (0..m.vnets.len() as Ix).find(|&v| m.vnet_contains(v, ip))
}

fn appliance_in(m: &Model, vnet: Ix) -> Option<Ipv4Addr> {
    m.vnets[vnet as usize].subnets.iter().find_map(|&s| {
        m.subnets[s as usize].ipconfigs.iter().find_map(|&c| {
            let cfg = &m.ipconfigs[c as usize];
            m.nics[cfg.nic as usize]
                .ip_forwarding
                .then_some(cfg.ip)
                .flatten()
        })
    })
}

fn connected_peers(m: &Model, v: Ix) -> Vec<Ix> {
    m.vnets[v as usize]
        .links
        .iter()
        .filter(|&&l| m.links[l as usize].state == PeeringState::Connected)
        .filter_map(|&l| m.links[l as usize].remote)
        .collect()
}

pub fn no_route(m: &Model, subnet: Ix, dst: u32, row: Option<&Row>) -> Blocker {
    let Some(sn) = m.subnets.get(subnet as usize) else {
        return b(
            "NoRoute",
            "Unknown",
            format!("No route leads to {}.", ip4(dst)),
            "Add a route to it.".into(),
        );
    };
    if let Some(r) = row {
        if let Origin::User { .. } = r.origin {
            let table = r.route_table_id(m).unwrap_or_default();
            let name = r.name(m).unwrap_or_default();
            return b(
                "UserDefinedRoute",
                &table,
                format!(
                    "User-defined route {name} ({} → None) in route table {} drops traffic to {}.",
                    r.prefix_text(),
                    last_name(&table),
                    ip4(dst)
                ),
                format!(
                    "az network route-table route delete -g {} --route-table-name {} -n {name} (or give it another next hop)",
                    resource_group(&table),
                    last_name(&table)
                ),
            );
        }
    }
    let v = sn.vnet;
    let vn = &m.vnets[v as usize];
    let via = match row {
        Some(r) => format!(
            "the system route {} (next hop None) drops it",
            r.prefix_text()
        ),
        None => "no route covers it".to_string(),
    };
    let rt = sn.route_table.map(|t| &m.route_tables[t as usize]);
    // The destination is in another VNet.
    if let Some(w) = vnet_holding(m, dst) {
        let wn = &m.vnets[w as usize];
        if let Some(l) = m.link_between(v, w) {
            let link = &m.links[l as usize];
            if link.state != PeeringState::Connected {
                let rg = resource_group(&wn.id);
                let fix = match link.state {
                    PeeringState::Disconnected => format!(
                        "The remote link was deleted or re-created: delete and re-create {} (az network vnet peering delete -g {} --vnet-name {} -n {}), then create the link on both sides.",
                        link.name, resource_group(&vn.id), vn.name, link.name
                    ),
                    _ => format!(
                        "Create the reciprocal link: az network vnet peering create -g {rg} -n {}-to-{} --vnet-name {} --remote-vnet {} --allow-vnet-access",
                        wn.name, vn.name, wn.name, vn.id
                    ),
                };
                return b(
                    "PeeringState",
                    &link.id,
                    format!(
                        "Peering {} from {} to {} is {:?}, not Connected, so {} has no route to {} ({via}).",
                        link.name, vn.name, wn.name, link.state, vn.name, ip4(dst)
                    ),
                    fix,
                );
            }
            if !link.remote_space.iter().any(|p| p.contains_ip(dst)) {
                return b(
                    "PeeringSync",
                    &link.id,
                    format!(
                        "{} is in {}'s current address space but not in the space peered by {} ({}): the peering was not synced after the address space changed ({via}).",
                        ip4(dst), wn.name, link.name,
                        link.remote_space.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ")
                    ),
                    format!("az network vnet peering sync -g {} --vnet-name {} -n {}", resource_group(&link.id), vn.name, link.name),
                );
            }
        }
        // Non-transitive: a common hub.
        let mine = connected_peers(m, v);
        if let Some(&hub) = connected_peers(m, w).iter().find(|h| mine.contains(h)) {
            let hn = &m.vnets[hub as usize];
            let wp = wn.space4.first().map(|p| p.to_string()).unwrap_or_default();
            let nva = appliance_in(m, hub)
                .map(|ip| {
                    format!(
                        " or send it through an appliance in {}: a route {wp} → VirtualAppliance {ip} on {}'s subnets (and the reverse route on {}'s), IP forwarding on the appliance's NIC, allowForwardedTraffic on both spokes' links",
                        hn.name, vn.name, wn.name
                    )
                })
                .unwrap_or_default();
            return b(
                "NoRoute",
                &sn.id,
                format!(
                    "Peering is not transitive: {} and {} are both peered with {} but not with each other, so subnet {} has no route to {} ({via}).",
                    vn.name, wn.name, hn.name, sn.name, ip4(dst)
                ),
                format!(
                    "Peer {} and {} directly (az network vnet peering create on both sides){nva}.",
                    vn.name, wn.name
                ),
            );
        }
        return b(
            "NoRoute",
            &sn.id,
            format!("{} ({}) is not peered with {}: subnet {} has no route to {} ({via}).", wn.name, wp_list(&wn.space4), vn.name, sn.name, ip4(dst)),
            format!(
                "az network vnet peering create -g {} -n {}-to-{} --vnet-name {} --remote-vnet {} --allow-vnet-access (and the reverse link)",
                resource_group(&vn.id), vn.name, wn.name, vn.name, wn.id
            ),
        );
    }
    // On-premises behind some gateway.
    for c in m
        .conns
        .iter()
        .filter(|c| c.connected && c.kind == ConnKind::IPsec)
    {
        let (Some(l), Some(g)) = (c.lng, c.gw1) else {
            continue;
        };
        if !m.lngs[l as usize]
            .prefixes
            .iter()
            .any(|p| p.contains_ip(dst))
        {
            continue;
        }
        let Some(hub) = m.gateways[g as usize].vnet else {
            continue;
        };
        if rt.is_some_and(|t| t.disable_bgp) && m.effective_gateway(v).is_some() {
            let t = rt.map(|t| t.id.clone()).unwrap_or_default();
            return b(
                "GatewayRoutePropagation",
                &t,
                format!("Route table {} of subnet {} has disableBgpRoutePropagation: the gateway's route to {} is not installed ({via}).", last_name(&t), sn.name, ip4(dst)),
                format!("az network route-table update -g {} -n {} --disable-bgp-route-propagation false", resource_group(&t), last_name(&t)),
            );
        }
        let hn = &m.vnets[hub as usize];
        if hub != v {
            let mine = m.link_between(v, hub);
            let theirs = m.link_between(hub, v);
            let mut missing = Vec::new();
            if let Some(t) = theirs {
                if !m.links[t as usize].allow_transit {
                    missing.push(format!(
                        "az network vnet peering update -g {} --vnet-name {} -n {} --set allowGatewayTransit=true",
                        resource_group(&hn.id), hn.name, m.links[t as usize].name
                    ));
                }
            }
            if let Some(mm) = mine {
                if !m.links[mm as usize].use_remote_gateways {
                    missing.push(format!(
                        "az network vnet peering update -g {} --vnet-name {} -n {} --set useRemoteGateways=true",
                        resource_group(&vn.id), vn.name, m.links[mm as usize].name
                    ));
                }
            }
            if mine.is_some() && theirs.is_some() && !missing.is_empty() {
                return b(
                    "GatewayTransit",
                    &m.links[mine.unwrap_or(0) as usize].id,
                    format!(
                        "{} is on-premises behind gateway {} in {}; {} gets the gateway's routes only with allowGatewayTransit on {}'s link and useRemoteGateways on its own ({via}).",
                        ip4(dst), m.gateways[g as usize].name, hn.name, vn.name, hn.name
                    ),
                    missing.join("; "),
                );
            }
        }
    }
    b(
        "NoRoute",
        &sn.id,
        format!(
            "Subnet {} of {} has no usable route to {} ({via}).",
            sn.name,
            vn.name,
            ip4(dst)
        ),
        "Add a peering, a gateway connection or a user-defined route that reaches this address."
            .into(),
    )
}

fn wp_list(p: &[Pfx]) -> String {
    p.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn udr_gateway_missing(m: &Model, subnet: Ix, row: &Row) -> Blocker {
    let t = row.route_table_id(m).unwrap_or_default();
    b(
        "UserDefinedRoute",
        &t,
        format!(
            "Route {} sends traffic to VirtualNetworkGateway, but virtual network {} has no VPN gateway and uses none through gateway transit.",
            row.name(m).unwrap_or_default(),
            m.subnets.get(subnet as usize).map(|s| m.vnets[s.vnet as usize].name.as_str()).unwrap_or("")
        ),
        "Create a VPN gateway (az network vnet-gateway create) or use the hub's (useRemoteGateways + allowGatewayTransit), or change the route's next hop.".into(),
    )
}

pub fn peering_remote_missing(l: &Link) -> Blocker {
    b(
        "PeeringState",
        &l.id,
        format!(
            "The remote virtual network {} of peering {} does not exist.",
            l.remote_id, l.name
        ),
        format!(
            "Delete peering {} and peer with an existing virtual network.",
            l.name
        ),
    )
}

pub fn forwarded_not_allowed(m: &Model, receiving_link: Ix, src: u32) -> Blocker {
    let l = &m.links[receiving_link as usize];
    let v = &m.vnets[l.vnet as usize];
    b(
        "PeeringFlag",
        &l.id,
        format!(
            "The packet from {} was forwarded by an appliance (its source is outside the sending virtual network); {} accepts forwarded traffic over peering {} only with allowForwardedTraffic.",
            ip4(src), v.name, l.name
        ),
        format!("az network vnet peering update -g {} --vnet-name {} -n {} --set allowForwardedTraffic=true", resource_group(&l.id), v.name, l.name),
    )
}

pub fn subnet_peering_scope(l: &Link, from: &str, to: &str) -> Blocker {
    b(
        "PeeringScope",
        &l.id,
        format!("Subnet peering {} covers local subnets [{}] and remote subnets [{}]; traffic from {from} to {to} is dropped.", l.name, l.local_subnet_names.join(", "), l.remote_subnet_names.join(", ")),
        format!("Add the subnets to localSubnetNames/remoteSubnetNames of {} and sync both links.", l.name),
    )
}

pub fn no_destination(m: &Model, vnet: Ix, dst: u32) -> Blocker {
    let v = &m.vnets[vnet as usize];
    b(
        "NoDestination",
        &v.id,
        format!(
            "No network interface in {} has the address {}.",
            v.name,
            ip4(dst)
        ),
        "Check the destination address (az vm list-ip-addresses).".into(),
    )
}

pub fn appliance_unreachable(
    m: &Model,
    table: Option<&str>,
    ip: Option<Ipv4Addr>,
    why: &str,
) -> Blocker {
    let _ = m;
    let t = table.unwrap_or("");
    b(
        "UserDefinedRoute",
        t,
        format!(
            "The next hop {} of a VirtualAppliance route in {} is unusable: {why}.",
            ip.map(|i| i.to_string()).unwrap_or_default(),
            last_name(t)
        ),
        "Point the route at the private IP of an appliance NIC in this or a directly peered virtual network.".into(),
    )
}

pub fn ip_forwarding(nic: &Nic) -> Blocker {
    b(
        "IpForwarding",
        &nic.id,
        format!("Network interface {} receives traffic addressed to others but has IP forwarding disabled, so Azure drops it.", nic.name),
        format!("az network nic update -g {} -n {} --ip-forwarding true", resource_group(&nic.id), nic.name),
    )
}

pub fn loop_detected(at: &str) -> Blocker {
    b(
        "RoutingLoop",
        at,
        "The packet loops between appliances or gateways (user-defined routes point back at each other).".into(),
        "Fix the user-defined routes of the appliances' subnets so that one of them delivers the packet.".into(),
    )
}

pub fn private_via_internet(dst: u32) -> Blocker {
    b(
        "NoRoute",
        "Internet",
        format!(
            "The selected route sends {} to the Internet, where a private address is not routable.",
            ip4(dst)
        ),
        "Add a peering, gateway route or user-defined route for this private range.".into(),
    )
}

pub fn no_outbound_access(m: &Model, cfg: &IpConfig) -> Blocker {
    let nic = &m.nics[cfg.nic as usize];
    b(
        "NoOutboundConnectivity",
        &cfg.id,
        format!("{} has no public IP and its subnet has defaultOutboundAccess false: it cannot reach the Internet.", nic.name),
        "Attach a public IP to the NIC (or a NAT gateway to the subnet).".into(),
    )
}

pub fn not_reachable_from_internet(dst: u32) -> Blocker {
    b(
        "NoDestination",
        "Internet",
        format!("{} is not a public IP address of any network interface in the estate: the Internet cannot reach it.", ip4(dst)),
        "Attach a public IP to the destination NIC and use that address.".into(),
    )
}

pub fn standard_pip_closed(pip: &PublicIp, nic: &Nic) -> Blocker {
    b(
        "NetworkSecurityRule",
        &pip.id,
        format!("Standard public IP {} is secure by default: inbound traffic is dropped unless a network security group on {} or its subnet allows it, and there is none.", last_name(&pip.id), nic.name),
        format!("Create an NSG with an allow rule and associate it: az network nic update -g {} -n {} --network-security-group <nsg>", resource_group(&nic.id), nic.name),
    )
}

pub fn vnet_tag_default_route(route_id: &str, rule: &Rule, other: u32) -> Blocker {
    b(
        "ServiceTagDefaultRoute",
        route_id,
        format!(
            "{} allowed traffic with {} only because user-defined route {} (0.0.0.0/0) puts every address into the VirtualNetwork tag.",
            rule.qualified_name(),
            ip4(other),
            last_name(route_id)
        ),
        "Add explicit deny rules for sources outside your networks if this is not intended.".into(),
    )
}

pub fn guest_firewall(vm: &Vm) -> Blocker {
    b(
        "GuestFirewall",
        &vm.id,
        format!("Windows VM {}: Windows Firewall blocks inbound ICMP echo requests by default.", vm.name),
        format!(
            "Allow ICMPv4 in the guest (New-NetFirewallRule -Protocol ICMPv4 -IcmpType 8 -Action Allow) and declare it: az vm update -g {} -n {} --set tags.vnetlab-listen=icmp",
            resource_group(&vm.id),
            vm.name
        ),
    )
}

pub fn no_vm(nic: &Nic) -> Blocker {
    b(
        "NoVm",
        &nic.id,
        format!(
            "Network interface {} is not attached to a virtual machine: nothing answers.",
            nic.name
        ),
        format!("Attach it to a VM (az vm create … --nics {}).", nic.name),
    )
}

pub fn asymmetric(desc: String, at: &str, blocking: bool) -> Blocker {
    b(
        "AsymmetricRouting",
        at,
        desc,
        if blocking {
            "Make the reply take the path of the request: route the destination subnet's traffic for this source through the same appliance (or not at all).".into()
        } else {
            "If the appliance is a stateful firewall, add the matching user-defined route on the other side so both directions cross it.".into()
        },
    )
}

pub fn return_misdelivered(at: &str) -> Blocker {
    b(
        "ReturnRoute",
        at,
        "The reply is routed to a different network interface than the one that sent the request."
            .into(),
        "Fix the routes of the destination's subnet for the source's address.".into(),
    )
}

/// The estate itself is inconsistent (a reference to something missing).
pub fn broken(kind: &str, at: &str, what: &str) -> Blocker {
    b(
        kind,
        at,
        format!("The estate is inconsistent here: {what}."),
        "Re-create the missing resource or reference.".into(),
    )
}
