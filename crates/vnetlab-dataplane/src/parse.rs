//! ARM records → [`Model`]. Accepts stored records (children as their own records) and rendered
//! ones (children embedded: a VNet's `subnets` and `virtualNetworkPeerings`, an NSG's
//! `securityRules`/`defaultSecurityRules`, a route table's `routes`, a NIC's or gateway's
//! `ipConfigurations`), in any order, deduplicated by id (a record given on its own wins over
//! the same record embedded in its parent). Unknown types are ignored. Missing optional fields
//! take ARM's defaults; malformed values of fields ARM validates are a [`ModelError`].

use crate::api::ModelError;
use crate::model::*;
use crate::parse_items::{parse_route, parse_vm};
use crate::prefix::Pfx;
use ipnet::IpNet;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr};

pub const VNET: &str = "microsoft.network/virtualnetworks";
pub const SUBNET: &str = "microsoft.network/virtualnetworks/subnets";
pub const PEERING: &str = "microsoft.network/virtualnetworks/virtualnetworkpeerings";
pub const NSG: &str = "microsoft.network/networksecuritygroups";
pub const RULE: &str = "microsoft.network/networksecuritygroups/securityrules";
pub const DEFAULT_RULE: &str = "microsoft.network/networksecuritygroups/defaultsecurityrules";
pub const ASG: &str = "microsoft.network/applicationsecuritygroups";
pub const ROUTE_TABLE: &str = "microsoft.network/routetables";
pub const ROUTE: &str = "microsoft.network/routetables/routes";
pub const NIC: &str = "microsoft.network/networkinterfaces";
pub const NIC_IPCONFIG: &str = "microsoft.network/networkinterfaces/ipconfigurations";
pub const PUBLIC_IP: &str = "microsoft.network/publicipaddresses";
pub const VM: &str = "microsoft.compute/virtualmachines";
pub const GATEWAY: &str = "microsoft.network/virtualnetworkgateways";
pub const GATEWAY_IPCONFIG: &str = "microsoft.network/virtualnetworkgateways/ipconfigurations";
pub const LNG: &str = "microsoft.network/localnetworkgateways";
pub const CONNECTION: &str = "microsoft.network/connections";
pub const ZONE: &str = "microsoft.network/privatednszones";
pub const ZONE_LINK: &str = "microsoft.network/privatednszones/virtualnetworklinks";
pub const A_RECORD: &str = "microsoft.network/privatednszones/a";

/// The ARM types read, in their canonical spelling.
pub const RECORD_TYPES: &[&str] = &[
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/virtualNetworks/subnets",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/networkSecurityGroups/securityRules",
    "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
    "Microsoft.Network/applicationSecurityGroups",
    "Microsoft.Network/routeTables",
    "Microsoft.Network/routeTables/routes",
    "Microsoft.Network/networkInterfaces",
    "Microsoft.Network/networkInterfaces/ipConfigurations",
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Network/virtualNetworkGateways",
    "Microsoft.Network/virtualNetworkGateways/ipConfigurations",
    "Microsoft.Network/localNetworkGateways",
    "Microsoft.Network/connections",
    "Microsoft.Network/privateDnsZones",
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "Microsoft.Network/privateDnsZones/A",
];

/// The VM tag declaring listening services (`80,443/tcp,53/udp,8000-8080,icmp`).
pub const LISTEN_TAG: &str = "vnetlab-listen";

/// The lower-cased full type named by an ARM id (`microsoft.network/virtualnetworks/subnets`).
pub fn type_of_id(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
    let p = parts
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))?;
    let ns = parts.get(p + 1)?;
    let rest = &parts[p + 2..];
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return None;
    }
    let mut t = ns.to_ascii_lowercase();
    for pair in rest.chunks(2) {
        t.push('/');
        t.push_str(&pair[0].to_ascii_lowercase());
    }
    Some(t)
}

/// The parent id (lower-cased) of a child resource id.
pub fn parent_key(id: &str) -> String {
    let t = id.trim_end_matches('/');
    let mut it = t.rsplitn(3, '/');
    let _name = it.next();
    let _kind = it.next();
    it.next().unwrap_or("").to_ascii_lowercase()
}

fn embedded_keys(t: &str) -> &'static [&'static str] {
    match t {
        VNET => &["subnets", "virtualNetworkPeerings"],
        NSG => &["securityRules", "defaultSecurityRules"],
        ROUTE_TABLE => &["routes"],
        NIC | GATEWAY => &["ipConfigurations"],
        _ => &[],
    }
}

struct Rec {
    t: String,
    v: Value,
    standalone: bool,
}

pub(crate) fn s<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

pub(crate) fn b(v: &Value, ptr: &str, default: bool) -> bool {
    v.pointer(ptr).and_then(Value::as_bool).unwrap_or(default)
}

fn strs(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn ref_ids(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("id").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn err(id: &str, what: impl std::fmt::Display) -> ModelError {
    ModelError(format!("{id}: {what}"))
}

fn nets(id: &str, list: &[String]) -> Result<Vec<IpNet>, ModelError> {
    list.iter()
        .map(|p| {
            p.trim()
                .parse::<IpNet>()
                .map(|n| n.trunc())
                .map_err(|_| err(id, format!("'{p}' is not an address prefix")))
        })
        .collect()
}

fn v4(list: &[IpNet]) -> Vec<Pfx> {
    list.iter().filter_map(Pfx::from_net).collect()
}

/// Location as the latency table names regions: lower case, no spaces.
pub fn norm_region(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

pub fn parse(records: impl IntoIterator<Item = Value>) -> Result<Model, ModelError> {
    let mut all: BTreeMap<String, Rec> = BTreeMap::new();
    for r in records {
        add(&mut all, r, true)?;
    }
    // Children grouped by (type, parent key), in id order.
    let mut by_type: HashMap<&str, Vec<&String>> = HashMap::new();
    let mut children: HashMap<(&'static str, String), Vec<&String>> = HashMap::new();
    for (k, r) in &all {
        let t = type_const(&r.t);
        if t.is_empty() {
            continue;
        }
        by_type.entry(t).or_default().push(k);
        if t.matches('/').count() >= 2 {
            children.entry((t, parent_key(k))).or_default().push(k);
        }
    }
    let list = |t: &str| -> Vec<&Rec> {
        by_type
            .get(t)
            .map(|v| v.iter().filter_map(|k| all.get(*k)).collect())
            .unwrap_or_default()
    };
    let kids = |t: &'static str, parent: &str| -> Vec<&Rec> {
        children
            .get(&(t, parent.to_ascii_lowercase()))
            .map(|v| v.iter().filter_map(|k| all.get(*k)).collect())
            .unwrap_or_default()
    };
    let mut m = Model::default();

    for r in list(VNET) {
        let id = id_of(&r.v);
        let space = nets(&id, &strs(&r.v, "/properties/addressSpace/addressPrefixes"))?;
        let mut dns = Vec::new();
        for d in strs(&r.v, "/properties/dhcpOptions/dnsServers") {
            dns.push(
                d.parse::<IpAddr>()
                    .map_err(|_| err(&id, format!("DNS server '{d}' is not an address")))?,
            );
        }
        let ix = m.vnets.len() as Ix;
        m.index.insert(id.to_ascii_lowercase(), Ref::Vnet(ix));
        m.vnets.push(Vnet {
            name: last_name(&id).to_string(),
            location: norm_region(s(&r.v, "/location").unwrap_or("")),
            guid: s(&r.v, "/properties/resourceGuid")
                .unwrap_or("")
                .to_string(),
            space4: v4(&space),
            space,
            dns_servers: dns,
            subnets: Vec::new(),
            links: Vec::new(),
            gateway: None,
            id,
        });
    }
    for vi in 0..m.vnets.len() {
        let vid = m.vnets[vi].id.clone();
        for r in kids(SUBNET, &vid) {
            let id = id_of(&r.v);
            let mut raw: Vec<String> = s(&r.v, "/properties/addressPrefix")
                .map(|p| vec![p.to_string()])
                .unwrap_or_default();
            for p in strs(&r.v, "/properties/addressPrefixes") {
                if !raw.contains(&p) {
                    raw.push(p);
                }
            }
            let prefixes = nets(&id, &raw)?;
            let ix = m.subnets.len() as Ix;
            m.index.insert(id.to_ascii_lowercase(), Ref::Subnet(ix));
            m.vnets[vi].subnets.push(ix);
            m.subnets.push(Subnet {
                name: last_name(&id).to_string(),
                vnet: vi as Ix,
                prefixes4: v4(&prefixes),
                nsg: None,
                route_table: None,
                default_outbound: b(&r.v, "/properties/defaultOutboundAccess", true),
                ipconfigs: Vec::new(),
                id,
            });
        }
        for r in kids(PEERING, &vid) {
            let id = id_of(&r.v);
            let state = match s(&r.v, "/properties/peeringState").unwrap_or("Initiated") {
                x if x.eq_ignore_ascii_case("Connected") => PeeringState::Connected,
                x if x.eq_ignore_ascii_case("Disconnected") => PeeringState::Disconnected,
                _ => PeeringState::Initiated,
            };
            let remote_space = nets(
                &id,
                &strs(&r.v, "/properties/remoteAddressSpace/addressPrefixes"),
            )?;
            let ix = m.links.len() as Ix;
            m.index.insert(id.to_ascii_lowercase(), Ref::Link(ix));
            m.vnets[vi].links.push(ix);
            m.links.push(Link {
                name: last_name(&id).to_string(),
                vnet: vi as Ix,
                remote_id: s(&r.v, "/properties/remoteVirtualNetwork/id")
                    .unwrap_or("")
                    .to_string(),
                remote: None,
                state,
                allow_vnet_access: b(&r.v, "/properties/allowVirtualNetworkAccess", true),
                allow_forwarded: b(&r.v, "/properties/allowForwardedTraffic", false),
                allow_transit: b(&r.v, "/properties/allowGatewayTransit", false),
                use_remote_gateways: b(&r.v, "/properties/useRemoteGateways", false),
                remote_space: v4(&remote_space),
                complete: b(&r.v, "/properties/peerCompleteVnets", true),
                local_subnet_names: strs(&r.v, "/properties/localSubnetNames"),
                remote_subnet_names: strs(&r.v, "/properties/remoteSubnetNames"),
                id,
            });
        }
    }
    for li in 0..m.links.len() {
        let remote = m.links[li].remote_id.clone();
        if let Some(Ref::Vnet(v)) = m.get(&remote) {
            m.links[li].remote = Some(v);
        }
    }

    for r in list(NSG) {
        let id = id_of(&r.v);
        let mut rules = Vec::new();
        for c in kids(RULE, &id) {
            rules.push(crate::security::parse_rule(&c.v, false)?);
        }
        let defaults = kids(DEFAULT_RULE, &id);
        if defaults.is_empty() {
            rules.extend(crate::security::default_rules(&id));
        } else {
            for c in defaults {
                rules.push(crate::security::parse_rule(&c.v, true)?);
            }
        }
        rules.sort_by_key(|r| (r.priority, r.is_default));
        let ix = m.nsgs.len() as Ix;
        m.index.insert(id.to_ascii_lowercase(), Ref::Nsg(ix));
        for rule in &rules {
            m.index.insert(rule.id.to_ascii_lowercase(), Ref::Rule(ix));
        }
        m.nsgs.push(Nsg {
            name: last_name(&id).to_string(),
            rules,
            id,
        });
    }
    for r in list(ASG) {
        m.index.insert(id_of(&r.v).to_ascii_lowercase(), Ref::Asg);
    }
    for r in list(ROUTE_TABLE) {
        let id = id_of(&r.v);
        let ix = m.route_tables.len() as Ix;
        let mut routes = Vec::new();
        for c in kids(ROUTE, &id) {
            let u = parse_route(&c.v)?;
            m.index.insert(u.id.to_ascii_lowercase(), Ref::Route(ix));
            routes.push(u);
        }
        m.index.insert(id.to_ascii_lowercase(), Ref::RouteTable(ix));
        m.route_tables.push(RouteTable {
            disable_bgp: b(&r.v, "/properties/disableBgpRoutePropagation", false),
            routes,
            subnets: Vec::new(),
            id,
        });
    }
    // Subnet associations (NSG, route table) now that both exist.
    for si in 0..m.subnets.len() {
        let key = m.subnets[si].id.to_ascii_lowercase();
        let Some(r) = all.get(&key) else { continue };
        if let Some(Ref::Nsg(n)) =
            s(&r.v, "/properties/networkSecurityGroup/id").and_then(|i| m.get(i))
        {
            m.subnets[si].nsg = Some(n);
        }
        if let Some(Ref::RouteTable(t)) =
            s(&r.v, "/properties/routeTable/id").and_then(|i| m.get(i))
        {
            m.subnets[si].route_table = Some(t);
            m.route_tables[t as usize].subnets.push(si as Ix);
        }
    }

    for r in list(PUBLIC_IP) {
        let id = id_of(&r.v);
        let ix = m.public_ips.len() as Ix;
        m.index.insert(id.to_ascii_lowercase(), Ref::PublicIp(ix));
        m.public_ips.push(PublicIp {
            address: s(&r.v, "/properties/ipAddress").and_then(|a| a.parse().ok()),
            standard: s(&r.v, "/sku/name").is_some_and(|n| n.eq_ignore_ascii_case("Standard")),
            ipconfig: None,
            id,
        });
    }
    for r in list(NIC) {
        let id = id_of(&r.v);
        let ni = m.nics.len() as Ix;
        let mut dns = Vec::new();
        for d in strs(&r.v, "/properties/dnsSettings/dnsServers") {
            if let Ok(a) = d.parse::<IpAddr>() {
                dns.push(a);
            }
        }
        let nsg = match s(&r.v, "/properties/networkSecurityGroup/id").and_then(|i| m.get(i)) {
            Some(Ref::Nsg(n)) => Some(n),
            _ => None,
        };
        let mut cfgs: Vec<(bool, Ix)> = Vec::new();
        for c in kids(NIC_IPCONFIG, &id) {
            let cid = id_of(&c.v);
            let ip = match s(&c.v, "/properties/privateIPAddress") {
                Some(a) => match a.parse::<IpAddr>() {
                    Ok(IpAddr::V4(v)) => Some(v),
                    Ok(IpAddr::V6(_)) => None,
                    Err(_) => return Err(err(&cid, format!("'{a}' is not an address"))),
                },
                None => None,
            };
            let subnet = match s(&c.v, "/properties/subnet/id").and_then(|i| m.get(i)) {
                Some(Ref::Subnet(x)) => Some(x),
                _ => None,
            };
            let public_ip = match s(&c.v, "/properties/publicIPAddress/id").and_then(|i| m.get(i)) {
                Some(Ref::PublicIp(x)) => Some(x),
                _ => None,
            };
            let primary = b(&c.v, "/properties/primary", false);
            let ci = m.ipconfigs.len() as Ix;
            let asgs: Vec<String> = ref_ids(&c.v, "/properties/applicationSecurityGroups")
                .iter()
                .map(|a| a.to_ascii_lowercase())
                .collect();
            for a in &asgs {
                m.asg_members.entry(a.clone()).or_default().push(ci);
            }
            if let Some(x) = subnet {
                m.subnets[x as usize].ipconfigs.push(ci);
            }
            if let Some(p) = public_ip {
                m.public_ips[p as usize].ipconfig = Some(ci);
            }
            m.index.insert(cid.to_ascii_lowercase(), Ref::IpConfig(ci));
            m.ipconfigs.push(IpConfig {
                id: cid,
                nic: ni,
                ip,
                subnet,
                public_ip,
            });
            cfgs.push((primary, ci));
        }
        cfgs.sort_by_key(|(p, _)| !*p);
        m.index.insert(id.to_ascii_lowercase(), Ref::Nic(ni));
        m.nics.push(Nic {
            name: last_name(&id).to_string(),
            ip_forwarding: b(&r.v, "/properties/enableIPForwarding", false),
            nsg,
            ipconfigs: cfgs.into_iter().map(|(_, c)| c).collect(),
            vm: None,
            dns_servers: dns,
            id,
        });
    }
    for r in list(VM) {
        let vm = parse_vm(&r.v, &m)?;
        let vi = m.vms.len() as Ix;
        for &n in &vm.nics {
            m.nics[n as usize].vm = Some(vi);
        }
        m.index.insert(vm.id.to_ascii_lowercase(), Ref::Vm(vi));
        m.vms.push(vm);
    }

    for r in list(GATEWAY) {
        let id = id_of(&r.v);
        let gi = m.gateways.len() as Ix;
        let mut vnet = None;
        for c in kids(GATEWAY_IPCONFIG, &id) {
            if let Some(sub) = s(&c.v, "/properties/subnet/id") {
                if let Some(Ref::Vnet(v)) = m.get(&parent_key(sub)) {
                    vnet = Some(v);
                }
            }
        }
        let mut ips: Vec<Ipv4Addr> = s(&r.v, "/properties/bgpSettings/bgpPeeringAddress")
            .unwrap_or("")
            .split(',')
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        if ips.is_empty() {
            if let Some(a) =
                r.v.pointer("/properties/bgpSettings/bgpPeeringAddresses")
                    .and_then(Value::as_array)
            {
                for x in a {
                    ips.extend(
                        strs(x, "/defaultBgpIpAddresses")
                            .iter()
                            .filter_map(|a| a.parse::<Ipv4Addr>().ok()),
                    );
                }
            }
        }
        let vpn = s(&r.v, "/properties/gatewayType").is_none_or(|t| t.eq_ignore_ascii_case("Vpn"));
        if let Some(v) = vnet {
            if vpn && m.vnets[v as usize].gateway.is_none() {
                m.vnets[v as usize].gateway = Some(gi);
            }
        }
        m.index.insert(id.to_ascii_lowercase(), Ref::Gateway(gi));
        m.gateways.push(Gateway {
            name: last_name(&id).to_string(),
            location: norm_region(s(&r.v, "/location").unwrap_or("")),
            vnet,
            bgp: b(&r.v, "/properties/enableBgp", false),
            ips,
            id,
        });
    }
    // Gateways without a known address: the first host of their GatewaySubnet (+4).
    for gi in 0..m.gateways.len() {
        if m.gateways[gi].ips.is_empty() {
            if let Some(sn) = m.gateway_subnet(gi as Ix) {
                if let Some(p) = m.subnets[sn as usize].prefixes4.first() {
                    let ip = Ipv4Addr::from(p.net.wrapping_add(4));
                    m.gateways[gi].ips.push(ip);
                }
            }
        }
    }
    for r in list(LNG) {
        let id = id_of(&r.v);
        let p = nets(
            &id,
            &strs(&r.v, "/properties/localNetworkAddressSpace/addressPrefixes"),
        )?;
        let ix = m.lngs.len() as Ix;
        m.index.insert(id.to_ascii_lowercase(), Ref::Lng(ix));
        m.lngs.push(Lng {
            prefixes: v4(&p),
            bgp_peer: s(&r.v, "/properties/bgpSettings/bgpPeeringAddress")
                .and_then(|a| a.parse().ok()),
            id,
        });
    }
    let conn_recs = list(CONNECTION);
    for r in &conn_recs {
        let id = id_of(&r.v);
        let kind = match s(&r.v, "/properties/connectionType").unwrap_or("IPsec") {
            k if k.eq_ignore_ascii_case("IPsec") => ConnKind::IPsec,
            k if k.eq_ignore_ascii_case("Vnet2Vnet") => ConnKind::Vnet2Vnet,
            _ => ConnKind::Other,
        };
        let gw = |k: &str| match s(&r.v, &format!("/properties/{k}/id")).and_then(|i| m.get(i)) {
            Some(Ref::Gateway(g)) => Some(g),
            _ => None,
        };
        let (gw1, gw2) = (gw("virtualNetworkGateway1"), gw("virtualNetworkGateway2"));
        let lng = match s(&r.v, "/properties/localNetworkGateway2/id").and_then(|i| m.get(i)) {
            Some(Ref::Lng(l)) => Some(l),
            _ => None,
        };
        let connected = match s(&r.v, "/properties/connectionStatus") {
            Some(st) => st.eq_ignore_ascii_case("Connected"),
            None => match kind {
                ConnKind::IPsec => lng.is_some() && gw1.is_some(),
                ConnKind::Vnet2Vnet => {
                    let key = s(&r.v, "/vnetlabInternal/sharedKey");
                    conn_recs.iter().any(|o| {
                        let og = |k: &str| {
                            s(&o.v, &format!("/properties/{k}/id")).map(str::to_ascii_lowercase)
                        };
                        let mine = |k: &str| {
                            s(&r.v, &format!("/properties/{k}/id")).map(str::to_ascii_lowercase)
                        };
                        og("virtualNetworkGateway1").is_some()
                            && og("virtualNetworkGateway1") == mine("virtualNetworkGateway2")
                            && og("virtualNetworkGateway2") == mine("virtualNetworkGateway1")
                            && s(&o.v, "/vnetlabInternal/sharedKey") == key
                    })
                }
                ConnKind::Other => false,
            },
        };
        let ix = m.conns.len() as Ix;
        m.index.insert(id.to_ascii_lowercase(), Ref::Conn(ix));
        m.conns.push(Conn {
            kind,
            gw1,
            gw2,
            lng,
            connected,
            bgp: b(&r.v, "/properties/enableBgp", false),
            id,
        });
    }
    for r in list(ZONE) {
        let id = id_of(&r.v);
        let mut links = Vec::new();
        for c in kids(ZONE_LINK, &id) {
            let vnet = match s(&c.v, "/properties/virtualNetwork/id").and_then(|i| m.get(i)) {
                Some(Ref::Vnet(v)) => Some(v),
                _ => None,
            };
            links.push(ZoneLink {
                vnet,
                registration: b(&c.v, "/properties/registrationEnabled", false),
            });
        }
        let mut records = Vec::new();
        for c in kids(A_RECORD, &id) {
            let name = last_name(&id_of(&c.v)).to_ascii_lowercase();
            let mut ips = Vec::new();
            if let Some(a) =
                c.v.pointer("/properties/aRecords")
                    .and_then(Value::as_array)
            {
                for x in a {
                    if let Some(ip) = x
                        .get("ipv4Address")
                        .and_then(Value::as_str)
                        .and_then(|a| a.parse().ok())
                    {
                        ips.push(ip);
                    }
                }
            }
            records.push((name, ips));
        }
        let ix = m.zones.len() as Ix;
        m.index.insert(id.to_ascii_lowercase(), Ref::Zone(ix));
        m.zones.push(Zone {
            name: last_name(&id).trim_end_matches('.').to_ascii_lowercase(),
            links,
            records,
        });
    }
    Ok(m)
}

fn type_const(t: &str) -> &'static str {
    [
        VNET,
        SUBNET,
        PEERING,
        NSG,
        RULE,
        DEFAULT_RULE,
        ASG,
        ROUTE_TABLE,
        ROUTE,
        NIC,
        NIC_IPCONFIG,
        PUBLIC_IP,
        VM,
        GATEWAY,
        GATEWAY_IPCONFIG,
        LNG,
        CONNECTION,
        ZONE,
        ZONE_LINK,
        A_RECORD,
    ]
    .into_iter()
    .find(|c| *c == t)
    .unwrap_or("")
}

pub(crate) fn id_of(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn add(all: &mut BTreeMap<String, Rec>, v: Value, standalone: bool) -> Result<(), ModelError> {
    let Some(id) = v.get("id").and_then(Value::as_str).map(str::to_string) else {
        if standalone && v.is_object() && v.get("type").is_some() {
            return Err(ModelError(format!(
                "a record of type {} has no id",
                v["type"]
            )));
        }
        return Ok(());
    };
    let Some(t) = type_of_id(&id) else {
        return Ok(());
    };
    for key in embedded_keys(&t) {
        if let Some(Value::Array(items)) = v.pointer(&format!("/properties/{key}")) {
            for item in items.clone() {
                add(all, item, false)?;
            }
        }
    }
    let key = id.to_ascii_lowercase();
    match all.get(&key) {
        Some(existing) if existing.standalone && !standalone => {}
        _ => {
            all.insert(key, Rec { t, v, standalone });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_from_ids() {
        assert_eq!(
            type_of_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a").as_deref(),
            Some(SUBNET)
        );
        assert_eq!(
            type_of_id("/subscriptions/s/resourceGroups/rg").as_deref(),
            None
        );
        assert_eq!(
            parent_key("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/V/subnets/a"),
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v"
        );
    }
}
