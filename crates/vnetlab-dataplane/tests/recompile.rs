//! Incremental recompile gives the same answers as a full compile, whatever changed.

use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use vnetlab_dataplane::generate::{generate, Params, Rng};
use vnetlab_dataplane::*;

fn answers(dp: &DataPlane, e: &Estate, seed: u64) -> Vec<String> {
    let mut out = Vec::new();
    let mut rng = Rng::new(seed);
    let addrs: Vec<Ipv4Addr> = (0..dp.nic_count())
        .filter_map(|i| dp.nic_address(dp.nic_handle_at(i)?))
        .collect();
    for nic in e.nic_ids() {
        out.push(format!("{:?}", dp.effective_routes(&nic)));
        out.push(format!("{:?}", dp.effective_security_groups(&nic)));
        let h = dp.nic_handle(&nic).unwrap();
        for _ in 0..5 {
            let dst = addrs[rng.below(addrs.len() as u64) as usize];
            let port = [22u16, 80, 443, rng.below(65535) as u16][rng.below(4) as usize];
            let src = dp.nic_address(h).unwrap_or(Ipv4Addr::UNSPECIFIED);
            out.push(format!(
                "{:?}",
                dp.fast_verdict(h, Protocol::Tcp, src, 40000, dst, port)
            ));
            let w = dp.walk(
                &Endpoint::Nic {
                    nic_id: nic.clone(),
                },
                Flow {
                    protocol: Protocol::Tcp,
                    src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    src_port: 40000,
                    dst: IpAddr::V4(dst),
                    dst_port: port,
                },
            );
            out.push(format!("{:?}", w.map(|w| (w.delivered, w.blockers))));
        }
    }
    out
}

fn check(change: impl Fn(&mut Vec<Value>) -> Vec<String>) {
    check_with(|_| {}, change)
}

fn check_with(setup: impl Fn(&mut Vec<Value>), change: impl Fn(&mut Vec<Value>) -> Vec<String>) {
    let mut recs = generate(&Params::small(7), &mut |_, _| {});
    setup(&mut recs);
    let before = Estate::from_records(recs.clone()).unwrap();
    let mut dp = DataPlane::compile(&before);
    let changed = change(&mut recs);
    let after = Estate::from_records(recs).unwrap();
    dp.recompile(&after, &changed);
    let full = DataPlane::compile(&after);
    let (a, b) = (answers(&dp, &after, 1), answers(&full, &after, 1));
    for (x, y) in a.iter().zip(b.iter()) {
        assert_eq!(x, y, "after {changed:?}");
    }
    assert_eq!(a.len(), b.len());
}

fn find<'a>(recs: &'a mut [Value], id_suffix: &str) -> &'a mut Value {
    recs.iter_mut()
        .find(|r| r["id"].as_str().is_some_and(|i| i.ends_with(id_suffix)))
        .unwrap()
}

#[test]
fn after_a_udr_change() {
    check(|recs| {
        let r = find(recs, "/routeTables/rt0/routes/u1");
        r["properties"]["nextHopType"] = json!("None");
        r["properties"]["addressPrefix"] = json!("10.16.4.0/24");
        vec![r["id"].as_str().unwrap().to_uppercase()]
    });
}

#[test]
fn after_a_rule_change_and_a_new_rule() {
    check(|recs| {
        let r = find(recs, "/networkSecurityGroups/nsg0/securityRules/r0");
        r["properties"]["access"] = json!("Deny");
        r["properties"]["destinationPortRange"] = json!("*");
        let id = r["id"].as_str().unwrap().to_string();
        let new = id.replace("/r0", "/zz");
        recs.push(json!({ "id": new, "properties": { "priority": 4000, "direction": "Outbound", "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "VirtualNetwork", "sourcePortRange": "*", "destinationPortRange": "443" } }));
        vec![id, new]
    });
}

#[test]
fn after_a_peering_change() {
    check(|recs| {
        let r = find(
            recs,
            "/virtualNetworks/spoke1/virtualNetworkPeerings/to-hub0",
        );
        r["properties"]["peeringState"] = json!("Disconnected");
        vec![r["id"].as_str().unwrap().to_string()]
    });
}

#[test]
fn after_an_asg_membership_change_and_a_deleted_route_table() {
    check(|recs| {
        let c = find(
            recs,
            "/networkInterfaces/spoke0-nic0/ipConfigurations/ipconfig1",
        );
        c["properties"]["applicationSecurityGroups"] = json!([]);
        let cid = c["id"].as_str().unwrap().to_string();
        let rt = recs
            .iter()
            .position(|r| {
                r["id"]
                    .as_str()
                    .is_some_and(|i| i.ends_with("/routeTables/rt1"))
            })
            .unwrap();
        let rid = recs.remove(rt)["id"].as_str().unwrap().to_string();
        vec![cid, rid]
    });
}

#[test]
fn after_a_gateway_connection_change_and_an_unknown_type() {
    check(|recs| {
        let c = find(recs, "/connections/hub0-onprem");
        c["properties"]["connectionStatus"] = json!("NotConnected");
        vec![
            c["id"].as_str().unwrap().to_string(),
            "/subscriptions/x/resourceGroups/y/providers/Microsoft.Foo/bars/z".into(),
        ]
    });
}

/// A NIC's local class changes (its ASG, named on the local side of a new rule; its NSG; its
/// address): the compiled layers gain the class, and the answers equal a full compile's.
#[test]
fn after_local_class_changes() {
    check(|recs| {
        let asg = find(recs, "/applicationSecurityGroups/asg3")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let nsg = find(recs, "/networkSecurityGroups/nsg1")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let rule = format!("{nsg}/securityRules/to-asg3");
        recs.push(json!({ "id": rule, "properties": { "priority": 90, "direction": "Inbound", "access": "Deny", "protocol": "Tcp", "sourceAddressPrefix": "VirtualNetwork", "destinationApplicationSecurityGroups": [{ "id": asg }], "sourcePortRange": "*", "destinationPortRange": "80-443" } }));
        let c = find(
            recs,
            "/networkInterfaces/spoke1-nic1/ipConfigurations/ipconfig1",
        );
        c["properties"]["applicationSecurityGroups"] = json!([{ "id": asg }]);
        c["properties"]["privateIPAddress"] = json!("10.16.4.200");
        let cid = c["id"].as_str().unwrap().to_string();
        let n = find(recs, "/networkInterfaces/spoke2-nic0");
        n["properties"]["networkSecurityGroup"] = json!({ "id": nsg });
        let nid = n["id"].as_str().unwrap().to_string();
        vec![rule, cid, nid]
    });
}

/// Only memberships change (no rule): layers are reused, the address index is rebuilt; a
/// layer naming the ASG on its local side (no NIC of it in that ASG before) gains the NIC's
/// new class without a rule change.
#[test]
fn after_an_asg_membership_change_only() {
    let setup = |recs: &mut Vec<Value>| {
        let asg = find(recs, "/applicationSecurityGroups/asg8")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let nsg = find(recs, "/networkSecurityGroups/nsg0")["id"]
            .as_str()
            .unwrap()
            .to_string();
        recs.push(json!({ "id": format!("{nsg}/securityRules/from-asg8"), "properties": { "priority": 91, "direction": "Outbound", "access": "Deny", "protocol": "*", "sourceApplicationSecurityGroups": [{ "id": asg }], "destinationAddressPrefix": "*", "sourcePortRange": "*", "destinationPortRange": "*" } }));
    };
    check_with(setup, |recs| {
        let asg = find(recs, "/applicationSecurityGroups/asg8")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let c = find(
            recs,
            "/networkInterfaces/spoke3-nic2/ipConfigurations/ipconfig1",
        );
        c["properties"]["applicationSecurityGroups"] = json!([{ "id": asg }]);
        vec![c["id"].as_str().unwrap().to_string()]
    });
}
