//! Synthetic estates for benchmarks and tests, as ARM records in the stored shape (children as
//! their own records), so they go through [`crate::Estate::from_records`] like real state.
//!
//! Hub and spoke (default at Azure's limits, azure-semantics.md §8): 2 hubs (eastus, westus),
//! each with a VPN gateway, a site-to-site connection to an on-premises network and an NVA with
//! IP forwarding; 998 spokes (1,000 VNets; 499 peerings per hub, under the 500 limit), one in ten
//! peered across regions; both links Connected with gateway transit and forwarded traffic;
//! 10,000 NICs on VMs spread over the spokes' workload subnets; 100 NSGs of 1,000 custom rules
//! each (100,000 rules: protocols, port ranges, prefixes, `VirtualNetwork`/`Internet` tags and
//! ASGs, allow and deny) on the workload subnets; 100 route tables of 400 UDRs each (other
//! spokes' prefixes and more specific cuts through the hub NVA, some `None`). Default security
//! rules are not emitted (the parser supplies Azure's six). Mesh: every VNet peered with every
//! other. Deterministic for a given seed.

use serde_json::{json, Value};

pub const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000001";
pub const RESOURCE_GROUP: &str = "bench";

#[derive(Debug, Clone)]
pub struct Params {
    /// Hub-and-spoke when true, full mesh otherwise.
    pub hub_and_spoke: bool,
    pub hubs: usize,
    /// Spokes in all (hub-and-spoke), or VNets (mesh).
    pub spokes: usize,
    pub nics: usize,
    pub nsgs: usize,
    pub rules_per_nsg: usize,
    pub route_tables: usize,
    pub udrs_per_table: usize,
    pub gateways: bool,
    pub seed: u64,
}

impl Params {
    /// Azure's limits: 1,000 VNets, 10,000 NICs, 1,000 rules per NSG (100,000 in all), 400 UDRs
    /// per route table.
    pub fn azure_limits() -> Params {
        Params {
            hub_and_spoke: true,
            hubs: 2,
            spokes: 998,
            nics: 10_000,
            nsgs: 100,
            rules_per_nsg: 1000,
            route_tables: 100,
            udrs_per_table: 400,
            gateways: true,
            seed: 42,
        }
    }

    /// A small estate for tests.
    pub fn small(seed: u64) -> Params {
        Params {
            hub_and_spoke: true,
            hubs: 1,
            spokes: 6,
            nics: 24,
            nsgs: 3,
            rules_per_nsg: 20,
            route_tables: 2,
            udrs_per_table: 8,
            gateways: true,
            seed,
        }
    }
}

/// splitmix64: deterministic, dependency-free.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

fn base() -> String {
    format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers")
}

pub fn vnet_id(name: &str) -> String {
    format!("{}/Microsoft.Network/virtualNetworks/{name}", base())
}

pub fn nic_id(name: &str) -> String {
    format!("{}/Microsoft.Network/networkInterfaces/{name}", base())
}

fn res(kind: &str, name: &str) -> String {
    format!("{}/Microsoft.Network/{kind}/{name}", base())
}

fn tracked(id: &str, ty: &str, location: &str, props: Value) -> Value {
    let name = id.rsplit('/').next().unwrap_or("");
    json!({ "id": id, "name": name, "type": ty, "location": location, "properties": props })
}

fn child(id: &str, ty: &str, props: Value) -> Value {
    let name = id.rsplit('/').next().unwrap_or("");
    json!({ "id": id, "name": name, "type": ty, "properties": props })
}

/// The `/22` of VNet number `i` (spokes and mesh VNets): `10.16.0.0/22` onwards.
pub fn spoke_prefix(i: usize) -> (u8, u8) {
    ((16 + i / 64) as u8, ((i % 64) * 4) as u8)
}

fn spoke_space(i: usize) -> String {
    let (a, b) = spoke_prefix(i);
    format!("10.{a}.{b}.0/22")
}

const REGIONS: [&str; 2] = ["eastus", "westus"];

/// Generates the estate. `progress(done, total)` is called as records are produced.
pub fn generate(p: &Params, progress: &mut dyn FnMut(usize, usize)) -> Vec<Value> {
    let mut rng = Rng::new(p.seed);
    let mut out: Vec<Value> = Vec::new();
    let total =
        p.nics + p.nsgs * p.rules_per_nsg + p.route_tables * p.udrs_per_table + p.spokes * 4;
    let mut tick = |out: &Vec<Value>| progress(out.len().min(total), total);
    let hubs = if p.hub_and_spoke { p.hubs.max(1) } else { 0 };
    let vnets = p.spokes;
    let spoke_region = |i: usize| -> &'static str {
        if hubs == 0 {
            REGIONS[i % 2]
        } else {
            let h = i % hubs;
            // One spoke in ten lives in the other region (global peering).
            if i % 10 == 9 {
                REGIONS[(h + 1) % 2]
            } else {
                REGIONS[h % 2]
            }
        }
    };
    // ASGs.
    let asgs: Vec<String> = (0..10)
        .map(|a| res("applicationSecurityGroups", &format!("asg{a}")))
        .collect();
    for a in &asgs {
        out.push(tracked(
            a,
            "Microsoft.Network/applicationSecurityGroups",
            "eastus",
            json!({}),
        ));
    }
    // NSGs and rules.
    for n in 0..p.nsgs {
        let nid = res("networkSecurityGroups", &format!("nsg{n}"));
        out.push(tracked(
            &nid,
            "Microsoft.Network/networkSecurityGroups",
            REGIONS[n % 2],
            json!({}),
        ));
        for r in 0..p.rules_per_nsg {
            let inbound = r % 2 == 0;
            let priority = 100 + (r / 2) as u64;
            let proto = ["Tcp", "Tcp", "Udp", "*", "Icmp"][rng.below(5) as usize];
            let port = 1 + rng.below(60000);
            let dport = if rng.below(3) == 0 {
                format!("{port}-{}", port + rng.below(500))
            } else {
                port.to_string()
            };
            let remote = match rng.below(10) {
                0 => json!({ "sourceAddressPrefix": "VirtualNetwork" }),
                1 => json!({ "sourceAddressPrefix": "Internet" }),
                2 => {
                    json!({ "sourceApplicationSecurityGroups": [{ "id": asgs[rng.below(10) as usize] }] })
                }
                _ => {
                    let (a, b) = spoke_prefix(rng.below(vnets.max(1) as u64) as usize);
                    json!({ "sourceAddressPrefixes": [format!("10.{a}.{b}.0/24"), format!("10.{a}.{}.0/25", b + 1)] })
                }
            };
            let mut props = json!({
                "protocol": proto, "sourcePortRange": "*", "destinationPortRange": dport,
                "access": if rng.below(4) == 0 { "Deny" } else { "Allow" },
                "priority": priority, "direction": if inbound { "Inbound" } else { "Outbound" },
            });
            if let (Some(o), Some(extra)) = (props.as_object_mut(), remote.as_object()) {
                for (k, v) in extra {
                    let k = if inbound {
                        k.clone()
                    } else {
                        k.replace("source", "destination")
                    };
                    o.insert(k, v.clone());
                }
                if inbound {
                    o.insert("destinationAddressPrefix".into(), json!("*"));
                } else {
                    o.insert("sourceAddressPrefix".into(), json!("*"));
                }
            }
            out.push(child(
                &format!("{nid}/securityRules/r{r}"),
                "Microsoft.Network/networkSecurityGroups/securityRules",
                props,
            ));
        }
        tick(&out);
    }
    // Route tables.
    for t in 0..p.route_tables {
        let tid = res("routeTables", &format!("rt{t}"));
        out.push(tracked(
            &tid,
            "Microsoft.Network/routeTables",
            REGIONS[t % 2],
            json!({ "disableBgpRoutePropagation": false }),
        ));
        for u in 0..p.udrs_per_table {
            let target = (t * 7 + u * 13) % vnets.max(1);
            let (a, b) = spoke_prefix(target);
            let hub = if hubs > 0 { t % hubs } else { 0 };
            let (prefix, hop) = match u % 8 {
                7 => (format!("10.{a}.{b}.0/24"), json!({ "nextHopType": "None" })),
                5 | 6 => (
                    format!("10.{a}.{}.{}/26", b + 1, 64 * (u % 4)),
                    json!({ "nextHopType": "VirtualAppliance", "nextHopIpAddress": format!("10.{hub}.1.4") }),
                ),
                _ => (
                    format!("10.{a}.{b}.0/{}", 22 + (u % 3)),
                    json!({ "nextHopType": "VirtualAppliance", "nextHopIpAddress": format!("10.{hub}.1.4") }),
                ),
            };
            let mut props = hop;
            props["addressPrefix"] = json!(prefix);
            out.push(child(
                &format!("{tid}/routes/u{u}"),
                "Microsoft.Network/routeTables/routes",
                props,
            ));
        }
        tick(&out);
    }
    // Hubs.
    for h in 0..hubs {
        let loc = REGIONS[h % 2];
        let vid = vnet_id(&format!("hub{h}"));
        out.push(tracked(&vid, "Microsoft.Network/virtualNetworks", loc, json!({ "addressSpace": { "addressPrefixes": [format!("10.{h}.0.0/16")] }, "resourceGuid": format!("hub-guid-{h}") })));
        for (name, prefix) in [
            ("GatewaySubnet", format!("10.{h}.255.0/27")),
            ("nva", format!("10.{h}.1.0/24")),
            ("shared", format!("10.{h}.2.0/24")),
        ] {
            out.push(child(
                &format!("{vid}/subnets/{name}"),
                "Microsoft.Network/virtualNetworks/subnets",
                json!({ "addressPrefix": prefix }),
            ));
        }
        let nic = nic_id(&format!("hub{h}-nva"));
        out.push(tracked(
            &nic,
            "Microsoft.Network/networkInterfaces",
            loc,
            json!({ "enableIPForwarding": true }),
        ));
        out.push(child(&format!("{nic}/ipConfigurations/ipconfig1"), "Microsoft.Network/networkInterfaces/ipConfigurations", json!({ "privateIPAddress": format!("10.{h}.1.4"), "primary": true, "subnet": { "id": format!("{vid}/subnets/nva") } })));
        if p.gateways {
            let gw = res("virtualNetworkGateways", &format!("hub{h}-gw"));
            out.push(tracked(&gw, "Microsoft.Network/virtualNetworkGateways", loc, json!({ "gatewayType": "Vpn", "vpnType": "RouteBased", "enableBgp": false, "bgpSettings": { "asn": 65515, "bgpPeeringAddress": format!("10.{h}.255.30") } })));
            out.push(child(
                &format!("{gw}/ipConfigurations/default"),
                "Microsoft.Network/virtualNetworkGateways/ipConfigurations",
                json!({ "subnet": { "id": format!("{vid}/subnets/GatewaySubnet") } }),
            ));
            let lng = res("localNetworkGateways", &format!("onprem{h}"));
            out.push(tracked(&lng, "Microsoft.Network/localNetworkGateways", loc, json!({ "gatewayIpAddress": format!("203.0.113.{}", 10 + h), "localNetworkAddressSpace": { "addressPrefixes": [format!("192.168.{h}.0/24"), format!("172.16.{h}.0/24")] } })));
            out.push(tracked(&res("connections", &format!("hub{h}-onprem")), "Microsoft.Network/connections", loc, json!({ "connectionType": "IPsec", "virtualNetworkGateway1": { "id": gw }, "localNetworkGateway2": { "id": lng }, "connectionStatus": "Connected" })));
        }
    }
    // Spokes (or mesh VNets).
    let nics_per = if vnets == 0 {
        0
    } else {
        p.nics.div_ceil(vnets)
    };
    let mut nic_count = 0;
    for i in 0..vnets {
        let loc = spoke_region(i);
        let name = if hubs > 0 {
            format!("spoke{i}")
        } else {
            format!("vnet{i}")
        };
        let vid = vnet_id(&name);
        let (a, b) = spoke_prefix(i);
        out.push(tracked(&vid, "Microsoft.Network/virtualNetworks", loc, json!({ "addressSpace": { "addressPrefixes": [spoke_space(i)] }, "resourceGuid": format!("guid-{i}") })));
        let wl = format!("{vid}/subnets/workload");
        let mut wl_props = json!({ "addressPrefix": format!("10.{a}.{b}.0/24") });
        if p.nsgs > 0 {
            wl_props["networkSecurityGroup"] =
                json!({ "id": res("networkSecurityGroups", &format!("nsg{}", i % p.nsgs)) });
        }
        if p.route_tables > 0 {
            wl_props["routeTable"] =
                json!({ "id": res("routeTables", &format!("rt{}", i % p.route_tables)) });
        }
        out.push(child(
            &wl,
            "Microsoft.Network/virtualNetworks/subnets",
            wl_props,
        ));
        out.push(child(
            &format!("{vid}/subnets/app"),
            "Microsoft.Network/virtualNetworks/subnets",
            json!({ "addressPrefix": format!("10.{a}.{}.0/24", b + 1) }),
        ));
        let peers: Vec<usize> = if hubs > 0 {
            vec![i % hubs]
        } else {
            (0..vnets).filter(|&j| j != i).collect()
        };
        for j in peers {
            let (other, other_name, other_space) = if hubs > 0 {
                (
                    vnet_id(&format!("hub{j}")),
                    format!("hub{j}"),
                    format!("10.{j}.0.0/16"),
                )
            } else {
                (
                    vnet_id(&format!("vnet{j}")),
                    format!("vnet{j}"),
                    spoke_space(j),
                )
            };
            let transit = hubs > 0 && p.gateways;
            out.push(child(&format!("{vid}/virtualNetworkPeerings/to-{other_name}"), "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", json!({
                "peeringState": "Connected", "remoteVirtualNetwork": { "id": other }, "allowVirtualNetworkAccess": true,
                "allowForwardedTraffic": true, "allowGatewayTransit": false, "useRemoteGateways": transit,
                "remoteAddressSpace": { "addressPrefixes": [other_space] } })));
            if hubs > 0 {
                out.push(child(&format!("{other}/virtualNetworkPeerings/to-{name}"), "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", json!({
                    "peeringState": "Connected", "remoteVirtualNetwork": { "id": vid }, "allowVirtualNetworkAccess": true,
                    "allowForwardedTraffic": true, "allowGatewayTransit": transit, "useRemoteGateways": false,
                    "remoteAddressSpace": { "addressPrefixes": [spoke_space(i)] } })));
            }
        }
        for k in 0..nics_per {
            if nic_count >= p.nics || k >= 250 {
                break;
            }
            nic_count += 1;
            let nname = format!("{name}-nic{k}");
            let nid = nic_id(&nname);
            out.push(tracked(
                &nid,
                "Microsoft.Network/networkInterfaces",
                loc,
                json!({ "enableIPForwarding": false }),
            ));
            out.push(child(&format!("{nid}/ipConfigurations/ipconfig1"), "Microsoft.Network/networkInterfaces/ipConfigurations", json!({
                "privateIPAddress": format!("10.{a}.{b}.{}", 4 + k), "primary": true, "subnet": { "id": wl },
                "applicationSecurityGroups": [{ "id": asgs[(i + k) % asgs.len()] }] })));
            let vm = format!("{}/Microsoft.Compute/virtualMachines/{name}-vm{k}", base());
            out.push(json!({ "id": vm, "name": format!("{name}-vm{k}"), "type": "Microsoft.Compute/virtualMachines", "location": loc,
                "tags": { "vnetlab-listen": "80,443" },
                "properties": { "storageProfile": { "osDisk": { "osType": "Linux" } }, "networkProfile": { "networkInterfaces": [{ "id": nid }] } },
                "vnetlabInternal": { "powerState": "running" } }));
        }
        if i % 64 == 63 {
            tick(&out);
        }
    }
    progress(total, total);
    out
}
