//! `Estate::from_records` on records exactly as `vnetlab-arm` stores them (captured from a
//! `vnetlab az` session into tests/data), on the rendered shape (children embedded in their
//! parents), and on both at once (deduplicated by id).

use serde_json::{json, Value};
use vnetlab_dataplane::*;

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network";

fn stored() -> Vec<Value> {
    serde_json::from_str(include_str!("data/cli_hub_spoke_stored.json")).unwrap()
}

/// The rendered shape: children moved into their parents' `properties`.
fn rendered() -> Vec<Value> {
    let recs = stored();
    let embed = [
        ("Microsoft.Network/virtualNetworks/subnets", "subnets"),
        (
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            "virtualNetworkPeerings",
        ),
        (
            "Microsoft.Network/networkSecurityGroups/securityRules",
            "securityRules",
        ),
        (
            "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
            "defaultSecurityRules",
        ),
        ("Microsoft.Network/routeTables/routes", "routes"),
        (
            "Microsoft.Network/networkInterfaces/ipConfigurations",
            "ipConfigurations",
        ),
        (
            "Microsoft.Network/virtualNetworkGateways/ipConfigurations",
            "ipConfigurations",
        ),
    ];
    let mut parents: Vec<Value> = recs
        .iter()
        .filter(|r| !embed.iter().any(|(t, _)| r["type"] == *t))
        .cloned()
        .collect();
    for r in &recs {
        let Some((_, key)) = embed.iter().find(|(t, _)| r["type"] == *t) else {
            continue;
        };
        let id = r["id"].as_str().unwrap();
        let parent = &id[..id[..id.rfind('/').unwrap()].rfind('/').unwrap()];
        let p = parents
            .iter_mut()
            .find(|p| p["id"].as_str() == Some(parent))
            .unwrap();
        if p["properties"].get(*key).is_none() {
            p["properties"][*key] = json!([]);
        }
        p["properties"][*key]
            .as_array_mut()
            .unwrap()
            .push(r.clone());
    }
    parents
}

fn nic(n: &str) -> String {
    format!("{SUB}/networkInterfaces/{n}")
}

fn summary(dp: &DataPlane) -> Vec<String> {
    dp.effective_routes(&nic("vm1VMNic"))
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{:?} {} {} {:?} {:?}",
                r.source,
                r.active,
                r.address_prefixes.join(","),
                r.next_hop_type,
                r.next_hop_ips
            )
        })
        .collect()
}

#[test]
fn stored_records_from_a_cli_session() {
    let e = Estate::from_records(stored()).unwrap();
    let s = e.stats();
    assert_eq!(
        (
            s.vnets,
            s.subnets,
            s.peering_links,
            s.nics,
            s.vms,
            s.nsgs,
            s.security_rules,
            s.route_tables,
            s.routes
        ),
        (2, 3, 2, 2, 1, 1, 2, 1, 1)
    );
    let dp = DataPlane::compile(&e);
    let rows = summary(&dp);
    assert!(
        rows.contains(&"Default true 10.1.0.0/16 VnetLocal []".to_string()),
        "{rows:#?}"
    );
    assert!(rows.contains(&"Default true 10.0.0.0/16 VNetPeering []".to_string()));
    assert!(rows.contains(
        &"VirtualNetworkGateway true 192.168.0.0/16 VirtualNetworkGateway [\"10.0.255.30\"]"
            .to_string()
    ));
    assert!(rows.contains(&"Default false 192.168.0.0/16 None []".to_string()));
    assert!(rows.contains(&"User true 10.2.0.0/16 VirtualAppliance [\"10.0.1.4\"]".to_string()));
    // vm1 is deallocated: the NVA's ping gets no answer.
    let w = dp
        .walk(
            &Endpoint::Nic {
                nic_id: nic("nvanic"),
            },
            Flow {
                protocol: Protocol::Icmp,
                src: "10.0.1.4".parse().unwrap(),
                src_port: 0,
                dst: "10.1.1.4".parse().unwrap(),
                dst_port: 0,
            },
        )
        .unwrap();
    assert!(
        w.blockers.iter().any(|b| b.kind == "VmNotRunning"),
        "{:#?}",
        w.blockers
    );
    // r200 denies VirtualNetwork → the ASG the VM's ipconfig is in.
    let v = dp
        .ip_flow_verify(
            &nic("vm1VMNic"),
            Direction::Inbound,
            Flow {
                protocol: Protocol::Tcp,
                src: "10.0.1.4".parse().unwrap(),
                src_port: 1,
                dst: "10.1.1.4".parse().unwrap(),
                dst_port: 22,
            },
        )
        .unwrap();
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/r200"));
    let v = dp
        .ip_flow_verify(
            &nic("vm1VMNic"),
            Direction::Inbound,
            Flow {
                protocol: Protocol::Tcp,
                src: "10.0.1.4".parse().unwrap(),
                src_port: 1,
                dst: "10.1.1.4".parse().unwrap(),
                dst_port: 444,
            },
        )
        .unwrap();
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/r100"));
    // The spoke's DNS server 10.0.1.10 is no NIC in the estate: not emulated.
    assert!(matches!(
        dp.resolve(&nic("vm1VMNic"), "vm1").unwrap(),
        DnsAnswer::NoServer { .. }
    ));
}

#[test]
fn rendered_records_give_the_same_answers_and_duplicates_are_merged() {
    let a = DataPlane::compile(&Estate::from_records(stored()).unwrap());
    let r = Estate::from_records(rendered()).unwrap();
    assert_eq!(r.stats(), Estate::from_records(stored()).unwrap().stats());
    let b = DataPlane::compile(&r);
    assert_eq!(summary(&a), summary(&b));
    let mut both = rendered();
    both.extend(stored());
    let c = Estate::from_records(both).unwrap();
    assert_eq!(c.stats(), r.stats());
    assert_eq!(summary(&DataPlane::compile(&c)), summary(&a));
}

#[test]
fn malformed_records_are_model_errors_and_unknown_types_are_ignored() {
    let mut recs = stored();
    recs.push(json!({ "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x", "type": "Microsoft.Storage/storageAccounts" }));
    assert!(Estate::from_records(recs).is_ok());
    let mut recs = stored();
    let v = recs
        .iter_mut()
        .find(|r| r["type"] == "Microsoft.Network/virtualNetworks")
        .unwrap();
    v["properties"]["addressSpace"]["addressPrefixes"] = json!(["not-a-prefix"]);
    assert!(Estate::from_records(recs).is_err());
    assert!(
        Estate::from_records(vec![json!({ "type": "Microsoft.Network/virtualNetworks" })]).is_err()
    );
    assert!(Estate::from_records(vec![json!(42), json!(null), json!({})]).is_ok());
    assert!(Estate::record_types().contains(&"Microsoft.Network/virtualNetworks/subnets"));
}
