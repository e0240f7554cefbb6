//! `POST …/networkInterfaces/{nic}/effectiveRouteTable` and
//! `…/effectiveNetworkSecurityGroups` (azure-semantics.md §5.5, §6.5; az-cli-surface.md §11.1–2).
//!
//! Both answer `{"value": [...], "nextLink": null}` in ARM's `EffectiveRoute` /
//! `EffectiveNetworkSecurityGroup` shapes (api 2022-01-01, the version az 2.91 calls).
//!
//! Like Azure, both require the NIC to be attached to a running VM (Azure computes them from
//! the host's programmed state, which exists only then). The exact error codes Azure returns
//! are not documented; the ones here are marked [UNCONFIRMED] (docs/fidelity.md).

use super::{compile, power_state, query_error, vm_not_running};
use crate::cx::{Cx, Rx};
use crate::error::{ArmError, ArmResult};
use crate::id::ResourceId;
use crate::request::ArmResponse;
use crate::resources::network_interface;
use serde_json::{json, Map, Value};
use vnetlab_dataplane::{
    Access, Association, Direction, EffectiveNsg, EffectiveRoute, EffectiveRule, RouteSource,
};

/// The NIC kind's POST actions.
pub fn nic_action(
    cx: &mut Cx,
    id: &ResourceId,
    stored: &Value,
    action: &str,
) -> ArmResult<ArmResponse> {
    let nic_id = stored
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| id.to_string());
    match action.to_ascii_lowercase().as_str() {
        "effectiveroutetable" => {
            let rx = cx.rx();
            require_running_vm(&rx, id, &nic_id, "Getting the effective routes")?;
            let dp = compile(&rx)?;
            let routes = dp
                .effective_routes(&nic_id)
                .map_err(|e| query_error(e, |why| ArmError::bad_request("InvalidRequest", why)))?;
            Ok(ArmResponse::ok(route_list(&routes)))
        }
        "effectivenetworksecuritygroups" => {
            let rx = cx.rx();
            require_running_vm(
                &rx,
                id,
                &nic_id,
                "Getting the effective network security groups",
            )?;
            let dp = compile(&rx)?;
            let groups = dp
                .effective_security_groups(&nic_id)
                .map_err(|e| query_error(e, |why| ArmError::bad_request("InvalidRequest", why)))?;
            Ok(ArmResponse::ok(nsg_list(&groups)))
        }
        _ => Err(ArmError::not_supported(format!(
            "The action '{action}' on Microsoft.Network/networkInterfaces"
        ))),
    }
}

/// [UNCONFIRMED codes and texts] The NIC must be attached to a VM, and that VM running.
fn require_running_vm(rx: &Rx, id: &ResourceId, nic_id: &str, what: &str) -> ArmResult<()> {
    let Some(vm_id) = network_interface::attached_vm(rx, id)? else {
        return Err(ArmError::bad_request(
            "NetworkInterfaceNotAttachedToVirtualMachine",
            format!("Network interface '{nic_id}' is not attached to a virtual machine. {what} requires the network interface to be attached to a running virtual machine."),
        ));
    };
    let vm = rx.get_key(&vm_id)?.unwrap_or(Value::Null);
    let state = power_state(&vm);
    if state != "running" {
        return Err(vm_not_running(&vm_id, state, what));
    }
    Ok(())
}

fn source_str(s: RouteSource) -> &'static str {
    match s {
        RouteSource::Default => "Default",
        RouteSource::User => "User",
        RouteSource::VirtualNetworkGateway => "VirtualNetworkGateway",
    }
}

/// One ARM `EffectiveRoute`.
pub fn route_json(r: &EffectiveRoute) -> Value {
    let mut m = Map::new();
    if let Some(n) = &r.name {
        m.insert("name".into(), json!(n));
    }
    m.insert(
        "disableBgpRoutePropagation".into(),
        json!(r.disable_bgp_route_propagation),
    );
    m.insert("source".into(), json!(source_str(r.source)));
    m.insert(
        "state".into(),
        json!(if r.active { "Active" } else { "Invalid" }),
    );
    m.insert("addressPrefix".into(), json!(r.address_prefixes));
    m.insert("nextHopIpAddress".into(), json!(r.next_hop_ips));
    m.insert(
        "nextHopType".into(),
        json!(r.next_hop_type.as_effective_route_str()),
    );
    Value::Object(m)
}

/// `EffectiveRouteListResult`.
pub fn route_list(routes: &[EffectiveRoute]) -> Value {
    json!({ "value": routes.iter().map(route_json).collect::<Vec<_>>(), "nextLink": null })
}

/// Effective rules show ports as ranges (`0-65535`, `22-22`).
fn port_range(p: &str) -> String {
    let p = p.trim();
    if p == "*" {
        "0-65535".to_string()
    } else if p.contains('-') {
        p.to_string()
    } else {
        format!("{p}-{p}")
    }
}

/// Effective rules show `*` addresses as `0.0.0.0/0`.
fn address(p: &str) -> String {
    if p.trim() == "*" {
        "0.0.0.0/0".to_string()
    } else {
        p.to_string()
    }
}

/// `*` is `All`; protocols in ARM's casing (`Tcp`, `Udp`, `Icmp`).
fn protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "*" | "all" => "All".into(),
        "tcp" => "Tcp".into(),
        "udp" => "Udp".into(),
        "icmp" => "Icmp".into(),
        "esp" => "Esp".into(),
        "ah" => "Ah".into(),
        _ => p.to_string(),
    }
}

/// The singular field is the first value; the plural array is present when there are several.
fn single_and_plural(
    m: &mut Map<String, Value>,
    single: &str,
    plural: &str,
    values: &[String],
    fallback: &str,
) {
    m.insert(
        single.into(),
        json!(values
            .first()
            .cloned()
            .unwrap_or_else(|| fallback.to_string())),
    );
    if values.len() > 1 {
        m.insert(plural.into(), json!(values));
    }
}

/// One ARM `EffectiveNetworkSecurityRule`.
pub fn rule_json(r: &EffectiveRule) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(r.name));
    m.insert("protocol".into(), json!(protocol(&r.protocol)));
    let sp: Vec<String> = r.source_port_ranges.iter().map(|p| port_range(p)).collect();
    let dp: Vec<String> = r
        .destination_port_ranges
        .iter()
        .map(|p| port_range(p))
        .collect();
    let sa: Vec<String> = r
        .source_address_prefixes
        .iter()
        .map(|p| address(p))
        .collect();
    let da: Vec<String> = r
        .destination_address_prefixes
        .iter()
        .map(|p| address(p))
        .collect();
    single_and_plural(
        &mut m,
        "sourcePortRange",
        "sourcePortRanges",
        &sp,
        "0-65535",
    );
    single_and_plural(
        &mut m,
        "destinationPortRange",
        "destinationPortRanges",
        &dp,
        "0-65535",
    );
    single_and_plural(
        &mut m,
        "sourceAddressPrefix",
        "sourceAddressPrefixes",
        &sa,
        "0.0.0.0/0",
    );
    single_and_plural(
        &mut m,
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
        &da,
        "0.0.0.0/0",
    );
    if !r.expanded_source_address_prefixes.is_empty() && r.expanded_source_address_prefixes != sa {
        m.insert(
            "expandedSourceAddressPrefix".into(),
            json!(r.expanded_source_address_prefixes),
        );
    }
    if !r.expanded_destination_address_prefixes.is_empty()
        && r.expanded_destination_address_prefixes != da
    {
        m.insert(
            "expandedDestinationAddressPrefix".into(),
            json!(r.expanded_destination_address_prefixes),
        );
    }
    m.insert(
        "access".into(),
        json!(match r.access {
            Access::Allow => "Allow",
            Access::Deny => "Deny",
        }),
    );
    m.insert("priority".into(), json!(r.priority));
    m.insert(
        "direction".into(),
        json!(match r.direction {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
        }),
    );
    Value::Object(m)
}

/// One ARM `EffectiveNetworkSecurityGroup`.
pub fn nsg_json(g: &EffectiveNsg) -> Value {
    let association = match &g.association {
        Association::Subnet(s) => json!({ "subnet": { "id": s } }),
        Association::NetworkInterface(n) => json!({ "networkInterface": { "id": n } }),
    };
    let mut m = Map::new();
    m.insert("networkSecurityGroup".into(), json!({ "id": g.nsg_id }));
    m.insert("association".into(), association);
    m.insert(
        "effectiveSecurityRules".into(),
        Value::Array(g.rules.iter().map(rule_json).collect()),
    );
    if !g.tag_map.is_empty() {
        let tags: Map<String, Value> = g
            .tag_map
            .iter()
            .map(|(t, prefixes)| (t.clone(), json!(prefixes)))
            .collect();
        m.insert("tagMap".into(), Value::Object(tags));
    }
    Value::Object(m)
}

/// `EffectiveNetworkSecurityGroupListResult`.
pub fn nsg_list(groups: &[EffectiveNsg]) -> Value {
    json!({ "value": groups.iter().map(nsg_json).collect::<Vec<_>>(), "nextLink": null })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vnetlab_dataplane::NextHopType;

    #[test]
    fn routes_have_arms_effective_route_shape() {
        let routes = vec![
            EffectiveRoute {
                name: None,
                source: RouteSource::Default,
                active: true,
                address_prefixes: vec!["10.1.0.0/16".into()],
                next_hop_type: NextHopType::VnetLocal,
                next_hop_ips: vec![],
                disable_bgp_route_propagation: false,
                route_table_id: None,
            },
            EffectiveRoute {
                name: None,
                source: RouteSource::Default,
                active: true,
                address_prefixes: vec!["10.2.0.0/16".into()],
                next_hop_type: NextHopType::VNetGlobalPeering,
                next_hop_ips: vec![],
                disable_bgp_route_propagation: false,
                route_table_id: None,
            },
            EffectiveRoute {
                name: Some("to-fw".into()),
                source: RouteSource::User,
                active: true,
                address_prefixes: vec!["0.0.0.0/0".into()],
                next_hop_type: NextHopType::VirtualAppliance,
                next_hop_ips: vec!["10.0.2.4".into()],
                disable_bgp_route_propagation: true,
                route_table_id: Some(
                    "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables/rt"
                        .into(),
                ),
            },
            EffectiveRoute {
                name: None,
                source: RouteSource::Default,
                active: false,
                address_prefixes: vec!["0.0.0.0/0".into()],
                next_hop_type: NextHopType::Internet,
                next_hop_ips: vec![],
                disable_bgp_route_propagation: true,
                route_table_id: None,
            },
        ];
        let v = route_list(&routes);
        assert!(v["nextLink"].is_null());
        let value = v["value"].as_array().unwrap();
        assert_eq!(
            value[0],
            json!({"disableBgpRoutePropagation": false, "source": "Default", "state": "Active",
                   "addressPrefix": ["10.1.0.0/16"], "nextHopIpAddress": [], "nextHopType": "VnetLocal"})
        );
        assert_eq!(value[1]["nextHopType"], "VNetGlobalPeering");
        assert_eq!(value[2]["name"], "to-fw");
        assert_eq!(value[2]["source"], "User");
        assert_eq!(value[2]["nextHopIpAddress"], json!(["10.0.2.4"]));
        assert_eq!(value[3]["state"], "Invalid");
        assert!(value[3].get("name").is_none());
    }

    fn rule(name: &str, proto: &str, src: &[&str], dst_ports: &[&str]) -> EffectiveRule {
        EffectiveRule {
            name: name.into(),
            protocol: proto.into(),
            source_port_ranges: vec!["*".into()],
            destination_port_ranges: dst_ports.iter().map(|s| s.to_string()).collect(),
            source_address_prefixes: src.iter().map(|s| s.to_string()).collect(),
            destination_address_prefixes: vec!["*".into()],
            expanded_source_address_prefixes: vec![],
            expanded_destination_address_prefixes: vec![],
            access: Access::Allow,
            priority: 1000,
            direction: Direction::Inbound,
        }
    }

    #[test]
    fn rules_normalise_ports_addresses_and_protocols() {
        let r = rule_json(&rule("securityRules/ssh", "TCP", &["*"], &["22"]));
        assert_eq!(r["protocol"], "Tcp");
        assert_eq!(r["sourcePortRange"], "0-65535");
        assert_eq!(r["destinationPortRange"], "22-22");
        assert_eq!(r["sourceAddressPrefix"], "0.0.0.0/0");
        assert_eq!(r["destinationAddressPrefix"], "0.0.0.0/0");
        assert!(r.get("destinationPortRanges").is_none());
        assert_eq!(r["access"], "Allow");
        assert_eq!(r["direction"], "Inbound");
        assert_eq!(r["priority"], 1000);

        let r = rule_json(&rule(
            "securityRules/web",
            "*",
            &["10.0.0.0/8", "192.168.0.0/16"],
            &["80", "443-444"],
        ));
        assert_eq!(r["protocol"], "All");
        assert_eq!(r["destinationPortRange"], "80-80");
        assert_eq!(r["destinationPortRanges"], json!(["80-80", "443-444"]));
        assert_eq!(
            r["sourceAddressPrefixes"],
            json!(["10.0.0.0/8", "192.168.0.0/16"])
        );
    }

    #[test]
    fn tags_carry_their_expansion() {
        let mut r = rule(
            "defaultSecurityRules/AllowVnetInBound",
            "*",
            &["VirtualNetwork"],
            &["*"],
        );
        r.expanded_source_address_prefixes = vec!["10.1.0.0/16".into(), "10.2.0.0/16".into()];
        r.priority = 65000;
        let v = rule_json(&r);
        assert_eq!(v["sourceAddressPrefix"], "VirtualNetwork");
        assert_eq!(
            v["expandedSourceAddressPrefix"],
            json!(["10.1.0.0/16", "10.2.0.0/16"])
        );
        assert!(v.get("expandedDestinationAddressPrefix").is_none());
    }

    #[test]
    fn groups_name_their_association_and_tag_map() {
        let g = EffectiveNsg {
            nsg_id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/n".into(),
            association: Association::Subnet("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s".into()),
            rules: vec![rule("securityRules/ssh", "Tcp", &["*"], &["22"])],
            tag_map: vec![("VirtualNetwork".into(), vec!["10.1.0.0/16".into()])],
        };
        let v = nsg_list(&[g]);
        let g = &v["value"][0];
        assert!(g["association"]["subnet"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/subnets/s"));
        assert!(g["association"].get("networkInterface").is_none());
        assert!(g["networkSecurityGroup"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/n"));
        assert_eq!(g["effectiveSecurityRules"][0]["name"], "securityRules/ssh");
        assert_eq!(g["tagMap"]["VirtualNetwork"], json!(["10.1.0.0/16"]));
        let nic = nsg_json(&EffectiveNsg {
            nsg_id: "n".into(),
            association: Association::NetworkInterface("nic".into()),
            rules: vec![],
            tag_map: vec![],
        });
        assert_eq!(
            nic["association"],
            json!({"networkInterface": {"id": "nic"}})
        );
        assert!(nic.get("tagMap").is_none());
    }
}
