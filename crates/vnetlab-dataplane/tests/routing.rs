//! Effective routes (azure-semantics.md §5): system routes and the None-route removal rules,
//! peering routes, gateway routes and transit, UDR precedence and Invalid marking, LPM with
//! Azure's exceptions, next hop.

mod common;
use common::*;
use serde_json::json;
use vnetlab_dataplane::*;

fn one_vnet(prefix: &str, subnet: &str) -> B {
    let mut b = B::new();
    b.vnet("v", "eastus", &[prefix]);
    b.subnet("v", "s", subnet);
    b.vm(
        "vm",
        "v",
        "s",
        &subnet.replace(".0/24", ".4").replace(".0/26", ".4"),
    );
    b
}

#[test]
fn system_routes_of_a_plain_subnet() {
    let dp = one_vnet("10.1.0.0/16", "10.1.0.0/24").dp();
    let t = table(&dp, "vm-nic");
    let expect = [
        ("Default", "Active", "10.1.0.0/16", "VnetLocal"),
        ("Default", "Active", "0.0.0.0/0", "Internet"),
        ("Default", "Active", "10.0.0.0/8", "None"),
        ("Default", "Active", "172.16.0.0/12", "None"),
        ("Default", "Active", "192.168.0.0/16", "None"),
        ("Default", "Active", "100.64.0.0/10", "None"),
    ];
    assert_eq!(t.len(), expect.len(), "{}", print_table(&dp, "vm-nic"));
    for (row, e) in t.iter().zip(expect) {
        assert_eq!(
            (
                row.0.as_str(),
                row.1.as_str(),
                row.2.as_str(),
                row.3.as_str()
            ),
            e
        );
    }
    // A VNet prefix inside 10/8 leaves the None route active; LPM picks VnetLocal.
    let nh = dp
        .next_hop(&nic_id("vm-nic"), ip("10.1.0.4"), ip("10.1.0.9"))
        .unwrap();
    assert_eq!(nh.next_hop_type, NextHopType::VnetLocal);
    let nh = dp
        .next_hop(&nic_id("vm-nic"), ip("10.1.0.4"), ip("10.2.0.9"))
        .unwrap();
    assert_eq!(nh.next_hop_type, NextHopType::None);
    assert_eq!(nh.route_table_id, None);
    let nh = dp
        .next_hop(&nic_id("vm-nic"), ip("10.1.0.4"), ip("8.8.8.8"))
        .unwrap();
    assert_eq!(nh.next_hop_type, NextHopType::Internet);
}

#[test]
fn reserved_range_equal_to_vnet_prefix_becomes_vnetlocal() {
    // seeds/004's Main VNet: 192.168.0.0/16 is exactly a reserved range.
    let dp = one_vnet("192.168.0.0/16", "192.168.0.0/24").dp();
    assert!(has_row(
        &dp,
        "vm-nic",
        "Default",
        "Active",
        "192.168.0.0/16",
        "VnetLocal"
    ));
    assert!(!has_row(
        &dp,
        "vm-nic",
        "Default",
        "Active",
        "192.168.0.0/16",
        "None"
    ));
    assert!(has_row(
        &dp,
        "vm-nic",
        "Default",
        "Active",
        "10.0.0.0/8",
        "None"
    ));
}

#[test]
fn vnet_prefix_containing_a_reserved_range_removes_its_none_route() {
    let mut b = B::new();
    b.vnet("v", "eastus", &["172.0.0.0/11"]);
    b.subnet("v", "s", "172.16.0.0/24");
    b.vm("vm", "v", "s", "172.16.0.4");
    let dp = b.dp();
    assert!(
        !table(&dp, "vm-nic").iter().any(|r| r.2 == "172.16.0.0/12"),
        "{}",
        print_table(&dp, "vm-nic")
    );
    assert!(has_row(
        &dp,
        "vm-nic",
        "Default",
        "Active",
        "172.0.0.0/11",
        "VnetLocal"
    ));
    assert_eq!(
        dp.next_hop(&nic_id("vm-nic"), ip("172.16.0.4"), ip("172.20.0.1"))
            .unwrap()
            .next_hop_type,
        NextHopType::VnetLocal
    );
}

#[test]
fn default_route_udr_removes_three_none_routes_and_invalidates_internet() {
    let mut b = one_vnet("10.1.0.0/16", "10.1.0.0/24");
    b.route_table("rt", false);
    b.route(
        "rt",
        "default-nva",
        "0.0.0.0/0",
        "VirtualAppliance",
        Some("10.1.0.100"),
    );
    b.associate(&subnet_id("v", "s"), None, Some("rt"));
    let dp = b.dp();
    let t = table(&dp, "vm-nic");
    for gone in ["10.0.0.0/8", "192.168.0.0/16", "100.64.0.0/10"] {
        assert!(
            !t.iter().any(|r| r.2 == gone),
            "{gone} should be removed:\n{}",
            print_table(&dp, "vm-nic")
        );
    }
    assert!(has_row(
        &dp,
        "vm-nic",
        "Default",
        "Active",
        "172.16.0.0/12",
        "None"
    ));
    assert!(has_row(
        &dp,
        "vm-nic",
        "Default",
        "Invalid",
        "0.0.0.0/0",
        "Internet"
    ));
    assert!(has_row(
        &dp,
        "vm-nic",
        "User",
        "Active",
        "0.0.0.0/0",
        "VirtualAppliance"
    ));
    let nh = dp
        .next_hop(&nic_id("vm-nic"), ip("10.1.0.4"), ip("10.9.9.9"))
        .unwrap();
    assert_eq!(nh.next_hop_type, NextHopType::VirtualAppliance);
    assert_eq!(nh.next_hop_ip.as_deref(), Some("10.1.0.100"));
    assert_eq!(nh.route_table_id, Some(rt_id("rt")));
}

#[test]
fn peering_routes_only_while_connected() {
    let mut b = B::new();
    b.vnet("a", "eastus", &["10.1.0.0/16"]);
    b.subnet("a", "s", "10.1.0.0/24");
    b.vm("vma", "a", "s", "10.1.0.4");
    b.vnet("c", "eastus", &["10.2.0.0/16"]);
    b.subnet("c", "s", "10.2.0.0/24");
    b.link("a", "c", "Initiated", &[]);
    let dp = b.dp();
    assert!(
        !table(&dp, "vma-nic").iter().any(|r| r.3 == "VNetPeering"),
        "Initiated link gives no route"
    );
    b.set(
        &link_id("a", "a-to-c"),
        "/properties/peeringState",
        json!("Connected"),
    );
    b.link("c", "a", "Connected", &[]);
    let dp = b.dp();
    assert!(has_row(
        &dp,
        "vma-nic",
        "Default",
        "Active",
        "10.2.0.0/16",
        "VNetPeering"
    ));
    b.set(
        &link_id("a", "a-to-c"),
        "/properties/peeringState",
        json!("Disconnected"),
    );
    let dp = b.dp();
    assert!(!table(&dp, "vma-nic").iter().any(|r| r.2 == "10.2.0.0/16"));
}

#[test]
fn global_peering_across_regions_from_the_peered_snapshot() {
    let mut b = B::new();
    b.vnet("main", "eastus", &["10.1.0.0/16"]);
    b.subnet("main", "s", "10.1.0.0/24");
    b.vm("vm", "main", "s", "10.1.0.4");
    b.vnet("remote", "westus", &["10.2.0.0/16"]);
    b.subnet("remote", "s", "10.2.0.0/24");
    b.peer("main", "remote");
    // The remote VNet grows; the link still carries the old snapshot until sync.
    b.set(
        &vnet_id("remote"),
        "/properties/addressSpace/addressPrefixes",
        json!(["10.2.0.0/16", "10.3.0.0/16"]),
    );
    let dp = b.dp();
    assert!(
        has_row(
            &dp,
            "vm-nic",
            "Default",
            "Active",
            "10.2.0.0/16",
            "VNetGlobalPeering"
        ),
        "{}",
        print_table(&dp, "vm-nic")
    );
    assert!(!table(&dp, "vm-nic").iter().any(|r| r.2 == "10.3.0.0/16"));
    assert_eq!(
        dp.next_hop(&nic_id("vm-nic"), ip("10.1.0.4"), ip("10.2.0.5"))
            .unwrap()
            .next_hop_type
            .as_next_hop_str(),
        "VnetPeering"
    );
    // After sync the snapshot equals the current space.
    b.set(
        &link_id("main", "main-to-remote"),
        "/properties/remoteAddressSpace/addressPrefixes",
        json!(["10.2.0.0/16", "10.3.0.0/16"]),
    );
    let dp = b.dp();
    assert!(has_row(
        &dp,
        "vm-nic",
        "Default",
        "Active",
        "10.3.0.0/16",
        "VNetGlobalPeering"
    ));
}

/// azure-semantics.md §5.5 worked example (Subnet1 of the docs' routing example).
#[test]
fn worked_example_udr_precedence_and_invalid() {
    let mut b = B::new();
    b.vnet("vnet1", "eastus", &["10.0.0.0/16"]);
    b.subnet("vnet1", "Subnet1", "10.0.0.0/24");
    b.subnet("vnet1", "Subnet2", "10.0.1.0/24");
    b.subnet("vnet1", "nva", "10.0.100.0/24");
    b.subnet("vnet1", "GatewaySubnet", "10.0.255.0/27");
    b.vm("vm1", "vnet1", "Subnet1", "10.0.0.4");
    b.vm("vm2", "vnet1", "Subnet2", "10.0.1.4");
    b.vnet("vnet2", "eastus", &["10.1.0.0/16", "10.2.0.0/16"]);
    b.subnet("vnet2", "s", "10.1.0.0/24");
    b.peer("vnet1", "vnet2");
    b.gateway("gw", "vnet1", "10.0.255.30");
    b.onprem("onprem", "gw", &["10.10.0.0/16"]);
    b.route_table("Subnet1-rt", false);
    b.route(
        "Subnet1-rt",
        "Within-VNet1",
        "10.0.0.0/16",
        "VirtualAppliance",
        Some("10.0.100.4"),
    );
    b.route(
        "Subnet1-rt",
        "Within-Subnet1",
        "10.0.0.0/24",
        "VnetLocal",
        None,
    );
    b.route("Subnet1-rt", "ToVNet2-1-Drop", "10.1.0.0/16", "None", None);
    b.route("Subnet1-rt", "ToVNet2-2-Drop", "10.2.0.0/16", "None", None);
    b.route(
        "Subnet1-rt",
        "To-On-Prem",
        "10.10.0.0/16",
        "VirtualAppliance",
        Some("10.0.100.4"),
    );
    b.route(
        "Subnet1-rt",
        "Default-NVA",
        "0.0.0.0/0",
        "VirtualAppliance",
        Some("10.0.100.4"),
    );
    b.associate(&subnet_id("vnet1", "Subnet1"), None, Some("Subnet1-rt"));
    let dp = b.dp();
    let t = print_table(&dp, "vm1-nic");
    for (src, state, prefix, hop) in [
        ("Default", "Invalid", "10.0.0.0/16", "VnetLocal"),
        ("User", "Active", "10.0.0.0/16", "VirtualAppliance"),
        ("User", "Active", "10.0.0.0/24", "VnetLocal"),
        ("Default", "Invalid", "10.1.0.0/16", "VNetPeering"),
        ("Default", "Invalid", "10.2.0.0/16", "VNetPeering"),
        ("User", "Active", "10.1.0.0/16", "None"),
        ("User", "Active", "10.2.0.0/16", "None"),
        (
            "VirtualNetworkGateway",
            "Invalid",
            "10.10.0.0/16",
            "VirtualNetworkGateway",
        ),
        ("User", "Active", "10.10.0.0/16", "VirtualAppliance"),
        ("Default", "Invalid", "0.0.0.0/0", "Internet"),
        ("User", "Active", "0.0.0.0/0", "VirtualAppliance"),
    ] {
        assert!(
            has_row(&dp, "vm1-nic", src, state, prefix, hop),
            "missing {src} {state} {prefix} {hop}:\n{t}"
        );
    }
    let r = dp.effective_routes(&nic_id("vm1-nic")).unwrap();
    let within = r
        .iter()
        .find(|r| r.name.as_deref() == Some("Within-Subnet1"))
        .unwrap();
    assert_eq!(within.route_table_id, Some(rt_id("Subnet1-rt")));
    // Subnet2 has no route table: all Default routes stay Active.
    assert!(has_row(
        &dp,
        "vm2-nic",
        "Default",
        "Active",
        "10.0.0.0/16",
        "VnetLocal"
    ));
    assert!(has_row(
        &dp,
        "vm2-nic",
        "Default",
        "Active",
        "10.1.0.0/16",
        "VNetPeering"
    ));
    assert!(has_row(
        &dp,
        "vm2-nic",
        "VirtualNetworkGateway",
        "Active",
        "10.10.0.0/16",
        "VirtualNetworkGateway"
    ));
    // LPM: intra-subnet stays local, the rest of the VNet goes to the NVA.
    let nh = |d: &str| {
        dp.next_hop(&nic_id("vm1-nic"), ip("10.0.0.4"), ip(d))
            .unwrap()
            .next_hop_type
    };
    assert_eq!(nh("10.0.0.9"), NextHopType::VnetLocal);
    assert_eq!(nh("10.0.1.4"), NextHopType::VirtualAppliance);
    assert_eq!(nh("10.1.0.4"), NextHopType::None);
    assert_eq!(nh("10.10.3.3"), NextHopType::VirtualAppliance);
}

fn hub_spoke(transit: bool, use_remote: bool) -> B {
    let mut b = B::new();
    b.vnet("hub", "eastus", &["10.0.0.0/16"]);
    b.subnet("hub", "GatewaySubnet", "10.0.255.0/27");
    b.subnet("hub", "shared", "10.0.1.0/24");
    b.vm("hubvm", "hub", "shared", "10.0.1.4");
    b.gateway("hubgw", "hub", "10.0.255.30");
    b.onprem("onprem", "hubgw", &["192.168.10.0/24"]);
    b.vnet("spoke", "eastus", &["10.1.0.0/16"]);
    b.subnet("spoke", "web", "10.1.1.0/24");
    b.vm("web", "spoke", "web", "10.1.1.4");
    b.link(
        "hub",
        "spoke",
        "Connected",
        &[
            ("allowGatewayTransit", transit),
            ("allowForwardedTraffic", true),
        ],
    );
    b.link(
        "spoke",
        "hub",
        "Connected",
        &[
            ("useRemoteGateways", use_remote),
            ("allowForwardedTraffic", true),
        ],
    );
    b
}

#[test]
fn gateway_routes_in_the_hub_and_in_spokes_only_with_both_flags() {
    for (transit, remote) in [(true, true), (true, false), (false, true), (false, false)] {
        let dp = hub_spoke(transit, remote).dp();
        assert!(has_row(
            &dp,
            "hubvm-nic",
            "VirtualNetworkGateway",
            "Active",
            "192.168.10.0/24",
            "VirtualNetworkGateway"
        ));
        let spoke_has = has_row(
            &dp,
            "web-nic",
            "VirtualNetworkGateway",
            "Active",
            "192.168.10.0/24",
            "VirtualNetworkGateway",
        );
        assert_eq!(
            spoke_has,
            transit && remote,
            "transit={transit} useRemote={remote}:\n{}",
            print_table(&dp, "web-nic")
        );
        let r = dp.effective_routes(&nic_id("hubvm-nic")).unwrap();
        let gw = r
            .iter()
            .find(|r| r.next_hop_type == NextHopType::VirtualNetworkGateway)
            .unwrap();
        assert_eq!(gw.next_hop_ips, vec!["10.0.255.30".to_string()]);
    }
}

#[test]
fn disable_bgp_route_propagation_suppresses_gateway_routes() {
    let mut b = hub_spoke(true, true);
    b.route_table("spoke-rt", true);
    b.associate(&subnet_id("spoke", "web"), None, Some("spoke-rt"));
    let dp = b.dp();
    assert!(
        !table(&dp, "web-nic")
            .iter()
            .any(|r| r.3 == "VirtualNetworkGateway"),
        "{}",
        print_table(&dp, "web-nic")
    );
    assert!(dp
        .effective_routes(&nic_id("web-nic"))
        .unwrap()
        .iter()
        .all(|r| r.disable_bgp_route_propagation));
    let w = walk_vm(&dp, "web", any_src("192.168.10.5", Protocol::Tcp, 443));
    assert!(!w.delivered);
    assert_eq!(kinds(&w), vec!["GatewayRoutePropagation"]);
}

#[test]
fn vnet_route_beats_a_more_specific_bgp_route_and_bgp_beats_default() {
    let mut b = hub_spoke(true, true);
    // On-premises advertises a more specific prefix inside the hub and a reserved range.
    b.set(
        &format!("{NET}/localNetworkGateways/onprem"),
        "/properties/localNetworkAddressSpace/addressPrefixes",
        json!(["10.0.1.0/24", "192.168.0.0/16"]),
    );
    let dp = b.dp();
    let nh = dp
        .next_hop(&nic_id("hubvm-nic"), ip("10.0.1.4"), ip("10.0.1.9"))
        .unwrap();
    assert_eq!(
        nh.next_hop_type,
        NextHopType::VnetLocal,
        "{}",
        print_table(&dp, "hubvm-nic")
    );
    assert!(has_row(
        &dp,
        "hubvm-nic",
        "Default",
        "Invalid",
        "192.168.0.0/16",
        "None"
    ));
    assert!(has_row(
        &dp,
        "hubvm-nic",
        "VirtualNetworkGateway",
        "Active",
        "192.168.0.0/16",
        "VirtualNetworkGateway"
    ));
    // A UDR with hasBgpOverride beats a more specific BGP route.
    b.set(
        &format!("{NET}/localNetworkGateways/onprem"),
        "/properties/localNetworkAddressSpace/addressPrefixes",
        json!(["192.168.10.0/24"]),
    );
    b.route_table("ovr", false);
    let r = b.route(
        "ovr",
        "to-fw",
        "192.168.0.0/16",
        "VirtualAppliance",
        Some("10.0.1.100"),
    );
    b.set(&r, "/properties/hasBgpOverride", json!(true));
    b.associate(&subnet_id("hub", "shared"), None, Some("ovr"));
    let dp = b.dp();
    let nh = dp
        .next_hop(&nic_id("hubvm-nic"), ip("10.0.1.4"), ip("192.168.10.7"))
        .unwrap();
    assert_eq!(nh.next_hop_type, NextHopType::VirtualAppliance);
}

#[test]
fn vnet2vnet_connection_routes_both_ways() {
    let mut b = B::new();
    for (v, p, g) in [
        ("a", "10.1.0.0/16", "10.1.255.30"),
        ("c", "10.3.0.0/16", "10.3.255.30"),
    ] {
        b.vnet(v, "eastus", &[p]);
        b.subnet(v, "GatewaySubnet", &p.replace(".0.0/16", ".255.0/27"));
        b.subnet(v, "s", &p.replace(".0.0/16", ".1.0/24"));
        b.gateway(&format!("{v}gw"), v, g);
    }
    b.vm("va", "a", "s", "10.1.1.4");
    b.vm("vc", "c", "s", "10.3.1.4");
    for (n, g1, g2) in [("ac", "agw", "cgw"), ("ca", "cgw", "agw")] {
        b.push(json!({ "id": format!("{NET}/connections/{n}"), "name": n, "type": "Microsoft.Network/connections", "location": "eastus",
            "properties": { "connectionType": "Vnet2Vnet", "virtualNetworkGateway1": { "id": format!("{NET}/virtualNetworkGateways/{g1}") },
                "virtualNetworkGateway2": { "id": format!("{NET}/virtualNetworkGateways/{g2}") } }, "vnetlabInternal": { "sharedKey": "k" } }));
    }
    let dp = b.dp();
    assert!(has_row(
        &dp,
        "va-nic",
        "VirtualNetworkGateway",
        "Active",
        "10.3.0.0/16",
        "VirtualNetworkGateway"
    ));
    let w = walk_vm(&dp, "va", any_src("10.3.1.4", Protocol::Tcp, 22));
    assert!(w.delivered, "{:?}", w.blockers);
    assert_eq!(
        w.hops
            .iter()
            .filter(|h| h.kind == HopKind::VirtualNetworkGateway)
            .count(),
        2
    );
    // One half missing (or a different key): NotConnected, no routes.
    b.set(
        &format!("{NET}/connections/ca"),
        "/vnetlabInternal/sharedKey",
        json!("other"),
    );
    let dp = b.dp();
    assert!(!table(&dp, "va-nic")
        .iter()
        .any(|r| r.3 == "VirtualNetworkGateway"));
}
