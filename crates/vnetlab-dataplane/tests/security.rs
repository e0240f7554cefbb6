//! NSG evaluation (azure-semantics.md §6): order of levels, priorities, statefulness, service
//! tags from the right point of view, ASGs, effective rules.

mod common;
use common::*;
use serde_json::json;
use vnetlab_dataplane::*;

fn two_vms() -> B {
    let mut b = B::new();
    b.vnet("v", "eastus", &["10.0.0.0/16"]);
    b.subnet("v", "a", "10.0.1.0/24");
    b.subnet("v", "b", "10.0.2.0/24");
    b.vm("va", "v", "a", "10.0.1.4");
    b.vm("vb", "v", "b", "10.0.2.4");
    b.nsg("subnet-b");
    b.nsg("nic-b");
    b.associate(&subnet_id("v", "b"), Some("subnet-b"), None);
    b.nic_nsg("vb-nic", "nic-b");
    b
}

#[test]
fn inbound_subnet_then_nic_both_must_allow() {
    let mut b = two_vms();
    b.rule(
        "subnet-b", "deny-80", 100, "Inbound", "Deny", "Tcp", "*", "*", "80",
    );
    b.rule(
        "nic-b", "allow-80", 100, "Inbound", "Allow", "Tcp", "*", "*", "80",
    );
    b.rule(
        "nic-b", "deny-443", 110, "Inbound", "Deny", "Tcp", "*", "*", "443",
    );
    let dp = b.dp();
    let nic = nic_id("vb-nic");
    let v = dp
        .ip_flow_verify(&nic, Direction::Inbound, tcp("10.0.1.4", "10.0.2.4", 80))
        .unwrap();
    assert_eq!(
        (v.access, v.rule_name.as_deref(), v.nsg_id),
        (
            Access::Deny,
            Some("securityRules/deny-80"),
            Some(nsg_id("subnet-b"))
        )
    );
    let v = dp
        .ip_flow_verify(&nic, Direction::Inbound, tcp("10.0.1.4", "10.0.2.4", 443))
        .unwrap();
    assert_eq!((v.access, v.nsg_id), (Access::Deny, Some(nsg_id("nic-b"))));
    // Both allow: the NIC level (evaluated last inbound) is reported.
    let v = dp
        .ip_flow_verify(&nic, Direction::Inbound, tcp("10.0.1.4", "10.0.2.4", 22))
        .unwrap();
    assert_eq!(
        (v.access, v.rule_name.as_deref(), v.nsg_id),
        (
            Access::Allow,
            Some("defaultSecurityRules/AllowVnetInBound"),
            Some(nsg_id("nic-b"))
        )
    );
    // Applies inside the VNet too (walk from va).
    let w = walk_vm(&dp, "va", any_src("10.0.2.4", Protocol::Tcp, 80));
    assert_eq!(kinds(&w), vec!["NetworkSecurityRule"]);
}

#[test]
fn outbound_nic_then_subnet_and_priority_order() {
    let mut b = two_vms();
    b.rule(
        "nic-b",
        "allow-out-53",
        200,
        "Outbound",
        "Allow",
        "Udp",
        "*",
        "*",
        "53",
    );
    b.rule(
        "nic-b",
        "deny-out-udp",
        300,
        "Outbound",
        "Deny",
        "Udp",
        "*",
        "*",
        "*",
    );
    b.rule(
        "subnet-b",
        "deny-out-53",
        100,
        "Outbound",
        "Deny",
        "Udp",
        "*",
        "*",
        "53",
    );
    let dp = b.dp();
    let nic = nic_id("vb-nic");
    let v = dp
        .ip_flow_verify(&nic, Direction::Outbound, udp("10.0.2.4", "10.0.1.4", 53))
        .unwrap();
    assert_eq!(
        (v.access, v.rule_name.as_deref(), v.nsg_id),
        (
            Access::Deny,
            Some("securityRules/deny-out-53"),
            Some(nsg_id("subnet-b"))
        )
    );
    let v = dp
        .ip_flow_verify(&nic, Direction::Outbound, udp("10.0.2.4", "10.0.1.4", 123))
        .unwrap();
    assert_eq!(
        (v.access, v.rule_name.as_deref()),
        (Access::Deny, Some("securityRules/deny-out-udp"))
    );
}

#[test]
fn stateful_return_needs_no_reverse_rule() {
    let mut b = two_vms();
    // vb denies all outbound, but replies to an allowed inbound flow still go out.
    b.rule(
        "nic-b",
        "deny-all-out",
        100,
        "Outbound",
        "Deny",
        "*",
        "*",
        "*",
        "*",
    );
    let dp = b.dp();
    let w = walk_vm(&dp, "va", any_src("10.0.2.4", Protocol::Tcp, 22));
    assert!(w.delivered, "{:#?}", w.blockers);
    assert!(w.return_hops[0]
        .decisions
        .iter()
        .any(|d| matches!(d, Decision::Return { .. })));
    // A new flow from vb is denied.
    let w = walk_vm(&dp, "vb", any_src("10.0.1.4", Protocol::Tcp, 22));
    assert_eq!(kinds(&w), vec!["NetworkSecurityRule"]);
}

#[test]
fn icmp_ports_and_protocols() {
    let mut b = two_vms();
    b.rule(
        "nic-b",
        "allow-any-22",
        100,
        "Inbound",
        "Allow",
        "*",
        "*",
        "*",
        "22",
    );
    b.rule(
        "nic-b",
        "deny-icmp",
        200,
        "Inbound",
        "Deny",
        "Icmp",
        "*",
        "*",
        "*",
    );
    let dp = b.dp();
    let nic = nic_id("vb-nic");
    let f = Flow {
        protocol: Protocol::Icmp,
        src: ip("10.0.1.4"),
        src_port: 0,
        dst: ip("10.0.2.4"),
        dst_port: 0,
    };
    let v = dp.ip_flow_verify(&nic, Direction::Inbound, f).unwrap();
    assert_eq!(
        v.rule_name.as_deref(),
        Some("securityRules/deny-icmp"),
        "a `*` rule with ports does not match ICMP"
    );
}

#[test]
fn asgs_expand_to_member_addresses() {
    let mut b = two_vms();
    let asg = format!("{NET}/applicationSecurityGroups/web");
    b.push(json!({ "id": asg, "name": "web", "type": "Microsoft.Network/applicationSecurityGroups", "location": "eastus", "properties": {} }));
    b.set(
        &format!("{}/ipConfigurations/ipconfig1", nic_id("vb-nic")),
        "/properties/applicationSecurityGroups",
        json!([{ "id": asg }]),
    );
    b.push(json!({ "id": format!("{}/securityRules/deny-to-web", nsg_id("nic-b")), "name": "deny-to-web", "type": "Microsoft.Network/networkSecurityGroups/securityRules",
        "properties": { "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "Tcp", "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
            "destinationApplicationSecurityGroups": [{ "id": asg }], "destinationPortRange": "8080" } }));
    let dp = b.dp();
    let v = dp
        .ip_flow_verify(
            &nic_id("vb-nic"),
            Direction::Inbound,
            tcp("10.0.1.4", "10.0.2.4", 8080),
        )
        .unwrap();
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/deny-to-web"));
    let g = dp.effective_security_groups(&nic_id("vb-nic")).unwrap();
    let r = g[0]
        .rules
        .iter()
        .find(|r| r.name == "securityRules/deny-to-web")
        .unwrap();
    assert_eq!(
        r.expanded_destination_address_prefixes,
        vec!["10.0.2.4/32".to_string()]
    );
    assert_eq!(r.destination_port_ranges, vec!["8080-8080".to_string()]);
}

#[test]
fn effective_security_groups_shape() {
    let dp = two_vms().dp();
    let g = dp.effective_security_groups(&nic_id("vb-nic")).unwrap();
    assert_eq!(g.len(), 2);
    assert_eq!(
        g[0].association,
        Association::NetworkInterface(nic_id("vb-nic"))
    );
    assert_eq!(g[1].association, Association::Subnet(subnet_id("v", "b")));
    let names: Vec<&str> = g[0].rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "defaultSecurityRules/AllowVnetInBound",
            "defaultSecurityRules/AllowVnetOutBound",
            "defaultSecurityRules/AllowAzureLoadBalancerInBound",
            "defaultSecurityRules/AllowInternetOutBound",
            "defaultSecurityRules/DenyAllInBound",
            "defaultSecurityRules/DenyAllOutBound",
        ]
    );
    let r = &g[0].rules[0];
    assert_eq!(r.protocol, "All");
    assert_eq!(r.source_port_ranges, vec!["0-65535".to_string()]);
    assert_eq!(
        r.expanded_source_address_prefixes,
        vec!["10.0.0.0/16".to_string(), "168.63.129.16/32".to_string()]
    );
    let internet = &g[0]
        .tag_map
        .iter()
        .find(|(t, _)| t == "Internet")
        .unwrap()
        .1;
    assert!(
        internet.contains(&"11.0.0.0/8".to_string())
            && !internet.iter().any(|p| p.starts_with("10."))
    );
    let lb = &g[0]
        .tag_map
        .iter()
        .find(|(t, _)| t == "AzureLoadBalancer")
        .unwrap()
        .1;
    assert_eq!(lb, &vec!["168.63.129.16/32".to_string()]);
    // Host VIP probes are admitted by AllowAzureLoadBalancerInBound.
    let v = dp
        .ip_flow_verify(
            &nic_id("vb-nic"),
            Direction::Inbound,
            tcp("168.63.129.16", "10.0.2.4", 80),
        )
        .unwrap();
    assert_eq!(v.access, Access::Allow);
}

#[test]
fn virtual_network_tag_from_the_destination_point_of_view() {
    // hub peered with a and c; a's subnet has a UDR prefix; hub's VirtualNetwork holds a and c,
    // a's holds the hub but not c.
    let mut b = B::new();
    for (v, p) in [
        ("hub", "10.0.0.0/16"),
        ("a", "10.1.0.0/16"),
        ("c", "10.3.0.0/16"),
    ] {
        b.vnet(v, "eastus", &[p]);
        b.subnet(v, "s", &p.replace(".0.0/16", ".1.0/24"));
        b.vm(&format!("{v}vm"), v, "s", &p.replace(".0.0/16", ".1.4"));
    }
    b.peer("a", "hub");
    b.peer("c", "hub");
    b.route_table("a-rt", false);
    b.route(
        "a-rt",
        "onprem-via-nva",
        "172.20.0.0/16",
        "VirtualAppliance",
        Some("10.0.1.4"),
    );
    b.associate(&subnet_id("a", "s"), None, Some("a-rt"));
    let dp = b.dp();
    let tag = |nic: &str| dp.effective_security_groups(&nic_id(nic)).map(|_| ()).ok();
    let _ = tag;
    let view = |nic: &str| -> Vec<String> {
        let g = {
            let mut b2 = b.clone();
            b2.nsg("n");
            b2.nic_nsg(nic, "n");
            b2.dp().effective_security_groups(&nic_id(nic)).unwrap()
        };
        g[0].tag_map
            .iter()
            .find(|(t, _)| t == "VirtualNetwork")
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(
        view("hubvm-nic"),
        vec![
            "10.0.0.0/16",
            "168.63.129.16/32",
            "10.1.0.0/16",
            "10.3.0.0/16"
        ]
    );
    assert_eq!(
        view("avm-nic"),
        vec![
            "10.1.0.0/16",
            "168.63.129.16/32",
            "10.0.0.0/16",
            "172.20.0.0/16"
        ]
    );
}

#[test]
fn default_route_udr_widens_the_virtual_network_tag_with_a_warning() {
    let mut b = two_vms();
    b.route_table("forced", false);
    b.route("forced", "default", "0.0.0.0/0", "Internet", None);
    b.associate(&subnet_id("v", "b"), None, Some("forced"));
    let pip = format!("{NET}/publicIPAddresses/pb");
    b.push(json!({ "id": pip, "name": "pb", "type": "Microsoft.Network/publicIPAddresses", "location": "eastus", "sku": { "name": "Standard" }, "properties": { "ipAddress": "20.1.2.3" } }));
    b.set(
        &format!("{}/ipConfigurations/ipconfig1", nic_id("vb-nic")),
        "/properties/publicIPAddress",
        json!({ "id": pip }),
    );
    let dp = b.dp();
    let v = dp
        .ip_flow_verify(
            &nic_id("vb-nic"),
            Direction::Inbound,
            tcp("198.51.100.7", "10.0.2.4", 8080),
        )
        .unwrap();
    assert_eq!(
        v.rule_name.as_deref(),
        Some("defaultSecurityRules/AllowVnetInBound")
    );
    let w = dp
        .walk(
            &Endpoint::Address(ip("198.51.100.7")),
            tcp("198.51.100.7", "20.1.2.3", 22),
        )
        .unwrap();
    assert!(w.delivered, "{:#?}", w.blockers);
    assert!(
        w.warnings
            .iter()
            .any(|x| x.kind == "ServiceTagDefaultRoute"),
        "{:#?}",
        w.warnings
    );
}

#[test]
fn standard_public_ip_without_nsg_is_closed() {
    let mut b = B::new();
    b.vnet("v", "eastus", &["10.0.0.0/16"]);
    b.subnet("v", "s", "10.0.1.0/24");
    b.vm("vm", "v", "s", "10.0.1.4");
    let pip = format!("{NET}/publicIPAddresses/p");
    b.push(json!({ "id": pip, "name": "p", "type": "Microsoft.Network/publicIPAddresses", "location": "eastus", "sku": { "name": "Standard" }, "properties": { "ipAddress": "20.1.2.3" } }));
    b.set(
        &format!("{}/ipConfigurations/ipconfig1", nic_id("vm-nic")),
        "/properties/publicIPAddress",
        json!({ "id": pip }),
    );
    let w = b
        .dp()
        .walk(
            &Endpoint::Address(ip("198.51.100.7")),
            tcp("198.51.100.7", "20.1.2.3", 22),
        )
        .unwrap();
    assert_eq!(kinds(&w), vec!["NetworkSecurityRule"]);
    assert!(w.blockers[0].explanation.contains("secure by default"));
    b.set(&pip, "/sku/name", json!("Basic"));
    assert!(
        b.dp()
            .walk(
                &Endpoint::Address(ip("198.51.100.7")),
                tcp("198.51.100.7", "20.1.2.3", 22)
            )
            .unwrap()
            .delivered
    );
}
