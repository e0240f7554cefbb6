//! Builders for ARM records in the stored shape (what `vnetlab-arm` keeps), for the tests.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use vnetlab_dataplane::*;

pub const NET: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network";
pub const COMPUTE: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute";

#[derive(Default, Clone)]
pub struct B {
    pub recs: Vec<Value>,
}

pub fn vnet_id(n: &str) -> String {
    format!("{NET}/virtualNetworks/{n}")
}
pub fn subnet_id(v: &str, s: &str) -> String {
    format!("{NET}/virtualNetworks/{v}/subnets/{s}")
}
pub fn nic_id(n: &str) -> String {
    format!("{NET}/networkInterfaces/{n}")
}
pub fn nsg_id(n: &str) -> String {
    format!("{NET}/networkSecurityGroups/{n}")
}
pub fn rt_id(n: &str) -> String {
    format!("{NET}/routeTables/{n}")
}
pub fn vm_id(n: &str) -> String {
    format!("{COMPUTE}/virtualMachines/{n}")
}
pub fn link_id(v: &str, l: &str) -> String {
    format!("{NET}/virtualNetworks/{v}/virtualNetworkPeerings/{l}")
}

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn tcp(src: &str, dst: &str, port: u16) -> Flow {
    Flow {
        protocol: Protocol::Tcp,
        src: ip(src),
        src_port: 50000,
        dst: ip(dst),
        dst_port: port,
    }
}

pub fn udp(src: &str, dst: &str, port: u16) -> Flow {
    Flow {
        protocol: Protocol::Udp,
        src: ip(src),
        src_port: 50000,
        dst: ip(dst),
        dst_port: port,
    }
}

pub fn icmp(src: &str, dst: &str) -> Flow {
    Flow {
        protocol: Protocol::Icmp,
        src: ip(src),
        src_port: 0,
        dst: ip(dst),
        dst_port: 0,
    }
}

pub fn any_src(dst: &str, proto: Protocol, port: u16) -> Flow {
    Flow {
        protocol: proto,
        src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        src_port: 40000,
        dst: ip(dst),
        dst_port: port,
    }
}

impl B {
    pub fn new() -> B {
        B::default()
    }

    pub fn push(&mut self, v: Value) {
        self.recs.push(v);
    }

    pub fn vnet(&mut self, name: &str, loc: &str, prefixes: &[&str]) -> String {
        let id = vnet_id(name);
        self.push(json!({ "id": id, "name": name, "type": "Microsoft.Network/virtualNetworks", "location": loc,
            "properties": { "addressSpace": { "addressPrefixes": prefixes }, "resourceGuid": format!("guid-{name}") } }));
        id
    }

    pub fn dns_servers(&mut self, vnet: &str, servers: &[&str]) {
        self.set(
            &vnet_id(vnet),
            "/properties/dhcpOptions",
            json!({ "dnsServers": servers }),
        );
    }

    pub fn subnet(&mut self, vnet: &str, name: &str, prefix: &str) -> String {
        let id = subnet_id(vnet, name);
        self.push(
            json!({ "id": id, "name": name, "type": "Microsoft.Network/virtualNetworks/subnets",
            "properties": { "addressPrefix": prefix } }),
        );
        id
    }

    pub fn find(&mut self, id: &str) -> &mut Value {
        let i = self
            .recs
            .iter()
            .position(|r| r["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)))
            .unwrap_or_else(|| panic!("no record {id}"));
        &mut self.recs[i]
    }

    /// Sets `properties`-relative or absolute JSON pointer `ptr` on record `id`.
    pub fn set(&mut self, id: &str, ptr: &str, v: Value) {
        let r = self.find(id);
        let mut cur = r;
        let parts: Vec<&str> = ptr.trim_start_matches('/').split('/').collect();
        for (i, p) in parts.iter().enumerate() {
            if i == parts.len() - 1 {
                cur[*p] = v.clone();
            } else {
                if cur.get(*p).is_none() {
                    cur[*p] = json!({});
                }
                cur = &mut cur[*p];
            }
        }
    }

    pub fn remove(&mut self, id: &str) {
        self.recs
            .retain(|r| !r["id"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(id)));
    }

    pub fn associate(&mut self, subnet: &str, nsg: Option<&str>, rt: Option<&str>) {
        if let Some(n) = nsg {
            self.set(
                subnet,
                "/properties/networkSecurityGroup",
                json!({ "id": nsg_id(n) }),
            );
        }
        if let Some(t) = rt {
            self.set(subnet, "/properties/routeTable", json!({ "id": rt_id(t) }));
        }
    }

    /// One link `a → b`, with its flags; `remoteAddressSpace` = b's current space.
    pub fn link(&mut self, a: &str, b: &str, state: &str, flags: &[(&str, bool)]) -> String {
        let id = link_id(a, &format!("{a}-to-{b}"));
        let space = self.find(&vnet_id(b))["properties"]["addressSpace"]["addressPrefixes"].clone();
        let mut p = json!({ "peeringState": state, "remoteVirtualNetwork": { "id": vnet_id(b) },
            "allowVirtualNetworkAccess": true, "allowForwardedTraffic": false, "allowGatewayTransit": false,
            "useRemoteGateways": false, "peerCompleteVnets": true, "remoteAddressSpace": { "addressPrefixes": space } });
        for (k, v) in flags {
            p[*k] = json!(v);
        }
        self.push(json!({ "id": id, "name": format!("{a}-to-{b}"), "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "properties": p }));
        id
    }

    /// Both links, Connected.
    pub fn peer(&mut self, a: &str, b: &str) {
        self.link(a, b, "Connected", &[]);
        self.link(b, a, "Connected", &[]);
    }

    pub fn nsg(&mut self, name: &str) -> String {
        let id = nsg_id(name);
        self.push(json!({ "id": id, "name": name, "type": "Microsoft.Network/networkSecurityGroups", "location": "eastus", "properties": {} }));
        id
    }

    #[allow(clippy::too_many_arguments)]
    pub fn rule(
        &mut self,
        nsg: &str,
        name: &str,
        prio: u32,
        dir: &str,
        access: &str,
        proto: &str,
        src: &str,
        dst: &str,
        dport: &str,
    ) {
        self.push(json!({ "id": format!("{}/securityRules/{name}", nsg_id(nsg)), "name": name,
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "properties": { "priority": prio, "direction": dir, "access": access, "protocol": proto,
                "sourceAddressPrefix": src, "destinationAddressPrefix": dst, "sourcePortRange": "*", "destinationPortRange": dport } }));
    }

    pub fn route_table(&mut self, name: &str, disable_bgp: bool) -> String {
        let id = rt_id(name);
        self.push(json!({ "id": id, "name": name, "type": "Microsoft.Network/routeTables", "location": "eastus",
            "properties": { "disableBgpRoutePropagation": disable_bgp } }));
        id
    }

    pub fn route(
        &mut self,
        rt: &str,
        name: &str,
        prefix: &str,
        hop: &str,
        hop_ip: Option<&str>,
    ) -> String {
        let id = format!("{}/routes/{name}", rt_id(rt));
        let mut p = json!({ "addressPrefix": prefix, "nextHopType": hop });
        if let Some(i) = hop_ip {
            p["nextHopIpAddress"] = json!(i);
        }
        self.push(json!({ "id": id, "name": name, "type": "Microsoft.Network/routeTables/routes", "properties": p }));
        id
    }

    pub fn nic(&mut self, name: &str, vnet: &str, subnet: &str, addr: &str) -> String {
        let id = nic_id(name);
        self.push(json!({ "id": id, "name": name, "type": "Microsoft.Network/networkInterfaces", "location": "eastus",
            "properties": { "enableIPForwarding": false } }));
        self.push(json!({ "id": format!("{id}/ipConfigurations/ipconfig1"), "name": "ipconfig1",
            "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
            "properties": { "privateIPAddress": addr, "primary": true, "subnet": { "id": subnet_id(vnet, subnet) } } }));
        id
    }

    /// A NIC and a running Linux VM named `name` (NIC `name-nic`).
    pub fn vm(&mut self, name: &str, vnet: &str, subnet: &str, addr: &str) -> String {
        let nic = self.nic(&format!("{name}-nic"), vnet, subnet, addr);
        let loc = self.find(&vnet_id(vnet))["location"].clone();
        self.push(json!({ "id": vm_id(name), "name": name, "type": "Microsoft.Compute/virtualMachines", "location": loc,
            "properties": { "storageProfile": { "osDisk": { "osType": "Linux" } }, "osProfile": { "computerName": name },
                "networkProfile": { "networkInterfaces": [{ "id": nic }] } },
            "vnetlabInternal": { "powerState": "running" } }));
        nic
    }

    pub fn ip_forwarding(&mut self, nic: &str, on: bool) {
        self.set(&nic_id(nic), "/properties/enableIPForwarding", json!(on));
    }

    pub fn nic_nsg(&mut self, nic: &str, nsg: &str) {
        self.set(
            &nic_id(nic),
            "/properties/networkSecurityGroup",
            json!({ "id": nsg_id(nsg) }),
        );
    }

    pub fn gateway(&mut self, name: &str, vnet: &str, gw_ip: &str) -> String {
        let id = format!("{NET}/virtualNetworkGateways/{name}");
        let loc = self.find(&vnet_id(vnet))["location"].clone();
        self.push(json!({ "id": id, "name": name, "type": "Microsoft.Network/virtualNetworkGateways", "location": loc,
            "properties": { "gatewayType": "Vpn", "vpnType": "RouteBased", "enableBgp": false, "bgpSettings": { "asn": 65515, "bgpPeeringAddress": gw_ip } } }));
        self.push(
            json!({ "id": format!("{id}/ipConfigurations/default"), "name": "default",
            "type": "Microsoft.Network/virtualNetworkGateways/ipConfigurations",
            "properties": { "subnet": { "id": subnet_id(vnet, "GatewaySubnet") } } }),
        );
        id
    }

    pub fn onprem(&mut self, name: &str, gw: &str, prefixes: &[&str]) -> String {
        let lng = format!("{NET}/localNetworkGateways/{name}");
        self.push(json!({ "id": lng, "name": name, "type": "Microsoft.Network/localNetworkGateways", "location": "eastus",
            "properties": { "gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": { "addressPrefixes": prefixes } } }));
        let conn = format!("{NET}/connections/{name}-conn");
        self.push(json!({ "id": conn, "name": format!("{name}-conn"), "type": "Microsoft.Network/connections", "location": "eastus",
            "properties": { "connectionType": "IPsec", "virtualNetworkGateway1": { "id": format!("{NET}/virtualNetworkGateways/{gw}") }, "localNetworkGateway2": { "id": lng } },
            "vnetlabInternal": { "sharedKey": "abc" } }));
        lng
    }

    pub fn estate(&self) -> Estate {
        Estate::from_records(self.recs.clone()).expect("estate")
    }

    pub fn dp(&self) -> DataPlane {
        DataPlane::compile(&self.estate())
    }
}

/// `(source, state, prefix, next hop type, next hop ip)` rows of a NIC, as az's table shows them.
pub fn table(dp: &DataPlane, nic: &str) -> Vec<(String, String, String, String, String)> {
    dp.effective_routes(&nic_id(nic))
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!("{:?}", r.source),
                if r.active {
                    "Active".into()
                } else {
                    "Invalid".into()
                },
                r.address_prefixes.join(","),
                r.next_hop_type.as_effective_route_str().to_string(),
                r.next_hop_ips.join(","),
            )
        })
        .collect()
}

pub fn has_row(
    dp: &DataPlane,
    nic: &str,
    source: &str,
    state: &str,
    prefix: &str,
    hop: &str,
) -> bool {
    table(dp, nic)
        .iter()
        .any(|r| r.0 == source && r.1 == state && r.2 == prefix && r.3 == hop)
}

pub fn print_table(dp: &DataPlane, nic: &str) -> String {
    table(dp, nic)
        .iter()
        .map(|r| format!("{} {} {} {} {}\n", r.0, r.1, r.2, r.3, r.4))
        .collect()
}

pub fn walk_vm(dp: &DataPlane, vm: &str, flow: Flow) -> Walk {
    dp.walk(&Endpoint::Vm { vm_id: vm_id(vm) }, flow)
        .expect("walk")
}

pub fn kinds(w: &Walk) -> Vec<String> {
    w.blockers.iter().map(|b| b.kind.clone()).collect()
}
