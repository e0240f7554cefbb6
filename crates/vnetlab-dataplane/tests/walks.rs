//! Packet walks for the seeds' claims (seeds/000–004) and the traps around them.

mod common;
use common::*;
use serde_json::json;
use vnetlab_dataplane::*;

/// seeds/004 with non-overlapping spaces: Main (eastus) ↔ Remote (westus), NSGs per VM that
/// allow ICMP from the other side.
fn seed004() -> B {
    let mut b = B::new();
    b.vnet("main", "eastus", &["10.1.0.0/16"]);
    b.subnet("main", "MainSubnet", "10.1.0.0/24");
    b.vm("MainVM", "main", "MainSubnet", "10.1.0.4");
    b.vnet("remote", "westus", &["10.2.0.0/16"]);
    b.subnet("remote", "RemoteSubnet", "10.2.0.0/24");
    b.vm("RemoteVM", "remote", "RemoteSubnet", "10.2.0.4");
    for (nsg, nic, src) in [
        ("MainVM-NSG", "MainVM-nic", "10.2.0.0/16"),
        ("RemoteVM-NSG", "RemoteVM-nic", "10.1.0.0/16"),
    ] {
        b.nsg(nsg);
        b.rule(
            nsg,
            "default-allow-ssh",
            1000,
            "Inbound",
            "Allow",
            "Tcp",
            "*",
            "*",
            "22",
        );
        b.rule(
            nsg,
            "Allow-ICMP-Inbound",
            1010,
            "Inbound",
            "Allow",
            "Icmp",
            src,
            "*",
            "*",
        );
        b.nic_nsg(nic, nsg);
    }
    b.link(
        "main",
        "remote",
        "Connected",
        &[("allowForwardedTraffic", true)],
    );
    b.link(
        "remote",
        "main",
        "Connected",
        &[("allowForwardedTraffic", true)],
    );
    b
}

#[test]
fn seed004_global_peering_ping_is_delivered_with_the_published_rtt() {
    let dp = seed004().dp();
    assert!(has_row(
        &dp,
        "MainVM-nic",
        "Default",
        "Active",
        "10.2.0.0/16",
        "VNetGlobalPeering"
    ));
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Icmp, 0));
    assert!(w.delivered, "{:#?}", w.blockers);
    // eastus→westus 69 ms, westus→eastus 67 ms: 68 ms plus nothing else on the path.
    assert_eq!(w.rtt_ms, Some(68.0));
    assert_eq!(
        w.hops.first().map(|h| h.kind.clone()),
        Some(HopKind::Source)
    );
    assert_eq!(
        w.hops.last().map(|h| h.resource_id.clone()),
        Some(format!(
            "{}/ipConfigurations/ipconfig1",
            nic_id("RemoteVM-nic")
        ))
    );
    assert!(w.hops[0]
        .decisions
        .iter()
        .any(|d| matches!(d, Decision::Peering { allowed: true, .. })));
    assert!(w.hops.last().unwrap().decisions.iter().any(|d| matches!(d, Decision::SecurityRule { rule_name, access: Access::Allow, .. } if rule_name == "securityRules/Allow-ICMP-Inbound")));
    assert!(!w.return_hops.is_empty());
    // Same VNet: the intra-region figure.
    assert_eq!(DataPlane::region_rtt_ms("eastus", "eastus"), Some(1.0));
    // Back the other way.
    let w = walk_vm(&dp, "RemoteVM", any_src("10.1.0.4", Protocol::Icmp, 0));
    assert!(w.delivered);
}

#[test]
fn seed004_ssh_listens_http_does_not_until_tagged() {
    let mut b = seed004();
    b.rule(
        "RemoteVM-NSG",
        "allow-http",
        1020,
        "Inbound",
        "Allow",
        "Tcp",
        "10.1.0.0/16",
        "*",
        "80",
    );
    let dp = b.dp();
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Tcp, 22));
    assert_eq!((w.delivered, w.service_listening), (true, Some(true)));
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Tcp, 80));
    assert_eq!((w.delivered, w.service_listening), (true, Some(false)));
    b.set(
        &vm_id("RemoteVM"),
        "/tags",
        json!({ LISTEN_TAG: "80,443/tcp,53/udp" }),
    );
    let dp = b.dp();
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Tcp, 80));
    assert_eq!(w.service_listening, Some(true));
    // TCP 8080: the peer is in RemoteVM's VirtualNetwork tag, so AllowVnetInBound lets it
    // through; nothing listens there.
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Tcp, 8080));
    assert_eq!((w.delivered, w.service_listening), (true, Some(false)));
    // From the Internet-facing side it is DenyAllInBound that decides.
    let v = dp
        .ip_flow_verify(
            &nic_id("RemoteVM-nic"),
            Direction::Inbound,
            tcp("198.51.100.7", "10.2.0.4", 8080),
        )
        .unwrap();
    assert_eq!(
        v.rule_name.as_deref(),
        Some("defaultSecurityRules/DenyAllInBound")
    );
}

#[test]
fn stopped_vm_does_not_answer() {
    let mut b = seed004();
    b.set(
        &vm_id("RemoteVM"),
        "/vnetlabInternal/powerState",
        json!("deallocated"),
    );
    let dp = b.dp();
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Icmp, 0));
    assert!(!w.delivered);
    assert_eq!(kinds(&w), vec!["VmNotRunning"]);
    assert!(w.blockers[0].fix.contains("az vm start -g rg -n RemoteVM"));
}

/// seeds/001–002: A – hub – B, peered with the hub only.
fn a_hub_b() -> B {
    let mut b = B::new();
    for (v, p) in [
        ("hub", "10.0.0.0/16"),
        ("a", "10.1.0.0/16"),
        ("bb", "10.2.0.0/16"),
    ] {
        b.vnet(v, "eastus", &[p]);
        b.subnet(v, "s", &p.replace(".0.0/16", ".1.0/24"));
        b.vm(&format!("{v}vm"), v, "s", &p.replace(".0.0/16", ".1.4"));
    }
    b.peer("a", "hub");
    b.peer("bb", "hub");
    b
}

#[test]
fn non_transitive_a_reaches_the_hub_not_b() {
    let dp = a_hub_b().dp();
    let w = walk_vm(&dp, "avm", any_src("10.0.1.4", Protocol::Icmp, 0));
    assert!(w.delivered, "{:#?}", w.blockers);
    let w = walk_vm(&dp, "avm", any_src("10.2.1.4", Protocol::Icmp, 0));
    assert!(!w.delivered);
    assert_eq!(kinds(&w), vec!["NoRoute"]);
    assert!(
        w.blockers[0].explanation.contains("not transitive"),
        "{}",
        w.blockers[0].explanation
    );
    let nh = dp
        .next_hop(&nic_id("avm-nic"), ip("10.1.1.4"), ip("10.2.1.4"))
        .unwrap();
    assert_eq!(nh.next_hop_type, NextHopType::None);
    assert_eq!(nh.next_hop_ip, None);
    assert_eq!(nh.route_table_id, None);
    assert!(!table(&dp, "avm-nic").iter().any(|r| r.2 == "10.2.0.0/16"));
}

#[test]
fn nsg_still_blocks_across_a_peering_and_ip_flow_verify_names_the_rule() {
    let mut b = a_hub_b();
    b.nsg("hub-nsg");
    b.rule(
        "hub-nsg",
        "deny-from-a",
        200,
        "Inbound",
        "Deny",
        "*",
        "10.1.0.0/16",
        "*",
        "*",
    );
    b.associate(&subnet_id("hub", "s"), Some("hub-nsg"), None);
    let dp = b.dp();
    let w = walk_vm(&dp, "avm", any_src("10.0.1.4", Protocol::Tcp, 22));
    assert!(!w.delivered);
    assert_eq!(kinds(&w), vec!["NetworkSecurityRule"]);
    assert_eq!(
        w.blockers[0].resource_id,
        format!("{}/securityRules/deny-from-a", nsg_id("hub-nsg"))
    );
    assert!(
        w.blockers[0].fix.contains("--priority 199"),
        "{}",
        w.blockers[0].fix
    );
    let v = dp
        .ip_flow_verify(
            &nic_id("hubvm-nic"),
            Direction::Inbound,
            tcp("10.1.1.4", "10.0.1.4", 22),
        )
        .unwrap();
    assert_eq!(v.access, Access::Deny);
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/deny-from-a"));
    assert_eq!(v.nsg_id, Some(nsg_id("hub-nsg")));
    // From another peer the default rule allows it.
    let v = dp
        .ip_flow_verify(
            &nic_id("hubvm-nic"),
            Direction::Inbound,
            tcp("10.2.1.4", "10.0.1.4", 22),
        )
        .unwrap();
    assert_eq!(
        (v.access, v.rule_name.as_deref()),
        (Access::Allow, Some("defaultSecurityRules/AllowVnetInBound"))
    );
}

/// Spoke-to-spoke through a hub NVA: the complete design, minus one piece at a time.
fn nva_design(skip: &str) -> B {
    let mut b = B::new();
    b.vnet("hub", "eastus", &["10.0.0.0/16"]);
    b.subnet("hub", "nva", "10.0.1.0/24");
    let nva = b.vm("fw", "hub", "nva", "10.0.1.4");
    let _ = nva;
    if skip != "ip-forwarding" {
        b.ip_forwarding("fw-nic", true);
    }
    for (v, p) in [("s1", "10.1.0.0/16"), ("s2", "10.2.0.0/16")] {
        b.vnet(v, "eastus", &[p]);
        b.subnet(v, "w", &p.replace(".0.0/16", ".1.0/24"));
        b.vm(&format!("{v}vm"), v, "w", &p.replace(".0.0/16", ".1.4"));
        let fwd = !(skip == "forwarded" && v == "s2");
        b.link(v, "hub", "Connected", &[("allowForwardedTraffic", fwd)]);
        b.link("hub", v, "Connected", &[("allowForwardedTraffic", true)]);
    }
    for (v, other, rt) in [
        ("s1", "10.2.0.0/16", "s1-rt"),
        ("s2", "10.1.0.0/16", "s2-rt"),
    ] {
        if skip == format!("udr-{v}") {
            continue;
        }
        b.route_table(rt, false);
        b.route(
            rt,
            "to-other-spoke",
            other,
            "VirtualAppliance",
            Some("10.0.1.4"),
        );
        b.associate(&subnet_id(v, "w"), None, Some(rt));
    }
    b
}

#[test]
fn spoke_to_spoke_through_a_hub_nva_works_with_every_piece() {
    let dp = nva_design("").dp();
    let w = walk_vm(&dp, "s1vm", any_src("10.2.1.4", Protocol::Tcp, 22));
    assert!(w.delivered, "{:#?}", w.blockers);
    let kinds_on_path: Vec<HopKind> = w.hops.iter().map(|h| h.kind.clone()).collect();
    assert_eq!(
        kinds_on_path,
        vec![
            HopKind::Source,
            HopKind::VirtualAppliance,
            HopKind::Destination
        ]
    );
    assert_eq!(
        w.return_hops
            .iter()
            .filter(|h| h.kind == HopKind::VirtualAppliance)
            .count(),
        1
    );
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    // 4 intra-region one-way legs (0.5 ms each) + 2 appliance traversals (0.2 ms each).
    assert_eq!(w.rtt_ms, Some(2.4));
}

#[test]
fn spoke_to_spoke_each_missing_piece_is_a_blocker() {
    for (skip, kind, resource) in [
        ("udr-s1", "NoRoute", subnet_id("s1", "w")),
        ("udr-s2", "ReturnRoute", subnet_id("s2", "w")),
        ("ip-forwarding", "IpForwarding", nic_id("fw-nic")),
        ("forwarded", "PeeringFlag", link_id("s2", "s2-to-hub")),
    ] {
        let dp = nva_design(skip).dp();
        let w = walk_vm(&dp, "s1vm", any_src("10.2.1.4", Protocol::Tcp, 22));
        assert!(!w.delivered, "{skip}");
        assert!(
            w.blockers
                .iter()
                .any(|b| b.kind == kind && b.resource_id == resource),
            "{skip}: {:#?}",
            w.blockers
        );
        assert!(w.blockers.iter().all(|b| !b.fix.is_empty()));
    }
    // Without the source UDR the fix suggests the hub appliance.
    let dp = nva_design("udr-s1").dp();
    let w = walk_vm(&dp, "s1vm", any_src("10.2.1.4", Protocol::Tcp, 22));
    assert!(
        w.blockers[0].fix.contains("VirtualAppliance 10.0.1.4"),
        "{}",
        w.blockers[0].fix
    );
    // Two independent missing pieces are both listed.
    let mut b = nva_design("ip-forwarding");
    b.set(
        &link_id("s2", "s2-to-hub"),
        "/properties/allowForwardedTraffic",
        json!(false),
    );
    let w = walk_vm(&b.dp(), "s1vm", any_src("10.2.1.4", Protocol::Tcp, 22));
    let k = kinds(&w);
    assert!(
        k.contains(&"IpForwarding".to_string()) && k.contains(&"PeeringFlag".to_string()),
        "{k:?}"
    );
}

#[test]
fn asymmetric_return_through_an_appliance_is_a_warning() {
    // s1 sends s2-bound traffic through the hub NVA; s2 is also peered with s1 directly, so the
    // reply skips the appliance.
    let mut b = nva_design("udr-s2");
    b.peer("s1", "s2");
    // The UDR is more specific than the peering route.
    b.route(
        "s1-rt",
        "to-s2-vm",
        "10.2.1.0/24",
        "VirtualAppliance",
        Some("10.0.1.4"),
    );
    let w = walk_vm(&b.dp(), "s1vm", any_src("10.2.1.4", Protocol::Tcp, 22));
    assert!(w.delivered, "{:#?}", w.blockers);
    assert_eq!(
        w.warnings
            .iter()
            .map(|x| x.kind.as_str())
            .collect::<Vec<_>>(),
        vec!["AsymmetricRouting"]
    );
}

#[test]
fn on_premises_through_hub_gateway_transit() {
    let build = |transit: bool, use_remote: bool| {
        let mut b = B::new();
        b.vnet("hub", "eastus", &["10.0.0.0/16"]);
        b.subnet("hub", "GatewaySubnet", "10.0.255.0/27");
        b.gateway("hubgw", "hub", "10.0.255.30");
        b.onprem("onprem", "hubgw", &["192.168.10.0/24"]);
        b.vnet("spoke", "eastus", &["10.1.0.0/16"]);
        b.subnet("spoke", "web", "10.1.1.0/24");
        b.vm("web", "spoke", "web", "10.1.1.4");
        b.link(
            "hub",
            "spoke",
            "Connected",
            &[("allowGatewayTransit", transit)],
        );
        b.link(
            "spoke",
            "hub",
            "Connected",
            &[("useRemoteGateways", use_remote)],
        );
        b
    };
    let dp = build(true, true).dp();
    assert!(has_row(
        &dp,
        "web-nic",
        "VirtualNetworkGateway",
        "Active",
        "192.168.10.0/24",
        "VirtualNetworkGateway"
    ));
    let w = walk_vm(&dp, "web", any_src("192.168.10.20", Protocol::Tcp, 443));
    assert!(w.delivered, "{:#?}", w.blockers);
    let kinds_on_path: Vec<HopKind> = w.hops.iter().map(|h| h.kind.clone()).collect();
    assert_eq!(
        kinds_on_path,
        vec![
            HopKind::Source,
            HopKind::VirtualNetworkGateway,
            HopKind::OnPremises
        ]
    );
    // From on-premises to the spoke (inbound needs no allowForwardedTraffic: the gateway forwards).
    let w = dp
        .walk(
            &Endpoint::Address(ip("192.168.10.20")),
            tcp("192.168.10.20", "10.1.1.4", 22),
        )
        .unwrap();
    assert!(w.delivered, "{:#?}", w.blockers);
    assert_eq!(w.hops[0].kind, HopKind::OnPremises);
    for (t, r) in [(true, false), (false, true)] {
        let dp = build(t, r).dp();
        assert!(!table(&dp, "web-nic")
            .iter()
            .any(|x| x.3 == "VirtualNetworkGateway"));
        let w = walk_vm(&dp, "web", any_src("192.168.10.20", Protocol::Tcp, 443));
        assert!(!w.delivered);
        assert_eq!(kinds(&w), vec!["GatewayTransit"], "transit={t} remote={r}");
        let fix = &w.blockers[0].fix;
        assert_eq!(fix.contains("allowGatewayTransit=true"), !t, "{fix}");
        assert_eq!(fix.contains("useRemoteGateways=true"), !r, "{fix}");
    }
}

#[test]
fn allow_vnet_access_false_makes_default_rules_deny_the_peer() {
    let mut b = a_hub_b();
    b.nsg("hub-nsg");
    b.associate(&subnet_id("hub", "s"), Some("hub-nsg"), None);
    b.set(
        &link_id("hub", "hub-to-a"),
        "/properties/allowVirtualNetworkAccess",
        json!(false),
    );
    let dp = b.dp();
    // Routes stay.
    assert!(has_row(
        &dp,
        "hubvm-nic",
        "Default",
        "Active",
        "10.1.0.0/16",
        "VNetPeering"
    ));
    let g = dp.effective_security_groups(&nic_id("hubvm-nic")).unwrap();
    let vnet_tag = &g[0]
        .tag_map
        .iter()
        .find(|(t, _)| t == "VirtualNetwork")
        .unwrap()
        .1;
    assert!(
        !vnet_tag.contains(&"10.1.0.0/16".to_string())
            && vnet_tag.contains(&"10.2.0.0/16".to_string()),
        "{vnet_tag:?}"
    );
    let w = walk_vm(&dp, "avm", any_src("10.0.1.4", Protocol::Tcp, 22));
    assert!(!w.delivered);
    assert!(
        w.blockers[0]
            .resource_id
            .ends_with("defaultSecurityRules/DenyAllInBound"),
        "{:#?}",
        w.blockers
    );
    let w = walk_vm(&dp, "bbvm", any_src("10.0.1.4", Protocol::Tcp, 22));
    assert!(w.delivered);
    // An explicit CIDR rule still admits the blocked peer.
    b.rule(
        "hub-nsg",
        "allow-a",
        300,
        "Inbound",
        "Allow",
        "Tcp",
        "10.1.0.0/16",
        "*",
        "22",
    );
    let w = walk_vm(&b.dp(), "avm", any_src("10.0.1.4", Protocol::Tcp, 22));
    assert!(w.delivered);
}

#[test]
fn azure_dns_does_not_cross_peering_a_linked_private_zone_does() {
    let mut b = seed004();
    let dp = b.dp();
    let main = nic_id("MainVM-nic");
    match dp.resolve(&main, "MainVM").unwrap() {
        DnsAnswer::Found {
            addresses, server, ..
        } => {
            assert_eq!(
                addresses,
                vec!["10.1.0.4".parse::<std::net::Ipv4Addr>().unwrap()]
            );
            assert_eq!(server, ip("168.63.129.16"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        dp.resolve(&main, "RemoteVM").unwrap(),
        DnsAnswer::NotFound { .. }
    ));
    assert!(matches!(
        dp.resolve(&main, "remotevm.internal.cloudapp.net").unwrap(),
        DnsAnswer::NotFound { .. }
    ));
    assert!(matches!(
        dp.resolve(&main, "www.example.com"),
        Err(QueryError::NotSupported(_))
    ));
    // A private zone linked to both VNets, autoregistering Remote's VMs.
    let zone = format!("{NET}/privateDnsZones/corp.internal");
    b.push(json!({ "id": zone, "name": "corp.internal", "type": "Microsoft.Network/privateDnsZones", "location": "global", "properties": {} }));
    for (l, v, reg) in [("main", "main", false), ("remote", "remote", true)] {
        b.push(json!({ "id": format!("{zone}/virtualNetworkLinks/{l}"), "name": l, "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "location": "global",
            "properties": { "virtualNetwork": { "id": vnet_id(v) }, "registrationEnabled": reg } }));
    }
    b.push(json!({ "id": format!("{zone}/A/db"), "name": "db", "type": "Microsoft.Network/privateDnsZones/A", "properties": { "ttl": 10, "aRecords": [{ "ipv4Address": "10.2.0.50" }] } }));
    let dp = b.dp();
    match dp.resolve(&main, "remotevm.corp.internal.").unwrap() {
        DnsAnswer::Found {
            addresses, fqdn, ..
        } => {
            assert_eq!(
                addresses,
                vec!["10.2.0.4".parse::<std::net::Ipv4Addr>().unwrap()]
            );
            assert_eq!(fqdn, "remotevm.corp.internal.");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        dp.resolve(&main, "db.corp.internal").unwrap(),
        DnsAnswer::Found { .. }
    ));
    assert!(matches!(
        dp.resolve(&main, "nope.corp.internal").unwrap(),
        DnsAnswer::NotFound { .. }
    ));
    // Without the link from Main, the zone does not resolve there.
    b.remove(&format!("{zone}/virtualNetworkLinks/main"));
    assert!(matches!(
        b.dp().resolve(&main, "db.corp.internal").unwrap(),
        DnsAnswer::NotFound { .. }
    ));
}

#[test]
fn custom_dns_server_must_be_reachable_and_answers_from_its_vnet() {
    let mut b = seed004();
    b.dns_servers("main", &["10.2.0.4"]);
    b.rule(
        "RemoteVM-NSG",
        "no-dns",
        900,
        "Inbound",
        "Deny",
        "Udp",
        "10.1.0.0/16",
        "*",
        "53",
    );
    let dp = b.dp();
    assert!(matches!(
        dp.resolve(&nic_id("MainVM-nic"), "RemoteVM").unwrap(),
        DnsAnswer::NoServer { .. }
    ));
    b.remove(&format!("{}/securityRules/no-dns", nsg_id("RemoteVM-NSG")));
    let dp = b.dp();
    match dp.resolve(&nic_id("MainVM-nic"), "RemoteVM").unwrap() {
        DnsAnswer::Found { server, .. } => assert_eq!(server, ip("10.2.0.4")),
        other => panic!("{other:?}"),
    }
    b.dns_servers("main", &["8.8.8.8"]);
    assert!(matches!(
        b.dp().resolve(&nic_id("MainVM-nic"), "x"),
        Ok(DnsAnswer::NoServer { .. })
    ));
}

#[test]
fn windows_guest_firewall_drops_ping_unless_declared() {
    let mut b = seed004();
    b.set(
        &vm_id("RemoteVM"),
        "/properties/storageProfile/osDisk/osType",
        json!("Windows"),
    );
    let dp = b.dp();
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Icmp, 0));
    assert_eq!(kinds(&w), vec!["GuestFirewall"]);
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Tcp, 22));
    assert_eq!(
        w.service_listening,
        Some(false),
        "Windows listens on 3389, not 22"
    );
    b.set(&vm_id("RemoteVM"), "/tags", json!({ LISTEN_TAG: "icmp" }));
    assert!(walk_vm(&b.dp(), "MainVM", any_src("10.2.0.4", Protocol::Icmp, 0)).delivered);
}

#[test]
fn internet_and_public_ips() {
    let mut b = seed004();
    let pip = format!("{NET}/publicIPAddresses/RemoteVM-PublicIP");
    b.push(json!({ "id": pip, "name": "RemoteVM-PublicIP", "type": "Microsoft.Network/publicIPAddresses", "location": "westus", "sku": { "name": "Standard" }, "properties": { "ipAddress": "20.40.0.10" } }));
    b.set(
        &format!("{}/ipConfigurations/ipconfig1", nic_id("RemoteVM-nic")),
        "/properties/publicIPAddress",
        json!({ "id": pip }),
    );
    let dp = b.dp();
    let w = walk_vm(&dp, "MainVM", any_src("93.184.216.34", Protocol::Tcp, 443));
    assert!(w.delivered, "{:#?}", w.blockers);
    assert_eq!(w.hops.last().unwrap().kind, HopKind::Internet);
    // SSH from the Internet to the public IP: the NSG allows 22 from anywhere.
    let w = dp
        .walk(
            &Endpoint::Address(ip("198.51.100.7")),
            tcp("198.51.100.7", "20.40.0.10", 22),
        )
        .unwrap();
    assert!(w.delivered, "{:#?}", w.blockers);
    let w = dp
        .walk(
            &Endpoint::Address(ip("198.51.100.7")),
            tcp("198.51.100.7", "20.40.0.10", 3389),
        )
        .unwrap();
    assert_eq!(kinds(&w), vec!["NetworkSecurityRule"]);
    // A private destination reached through the Internet route goes nowhere.
    let w = walk_vm(&dp, "MainVM", any_src("172.20.0.1", Protocol::Tcp, 443));
    assert!(!w.delivered);
}

#[test]
fn deleted_remote_link_disconnects() {
    let mut b = seed004();
    b.remove(&link_id("remote", "remote-to-main"));
    b.set(
        &link_id("main", "main-to-remote"),
        "/properties/peeringState",
        json!("Disconnected"),
    );
    let dp = b.dp();
    let w = walk_vm(&dp, "MainVM", any_src("10.2.0.4", Protocol::Icmp, 0));
    // The peer's space also left Main's VirtualNetwork tag: DenyAllOutBound applies too.
    assert_eq!(kinds(&w), vec!["NetworkSecurityRule", "PeeringState"]);
    assert!(w.blockers[0]
        .resource_id
        .ends_with("defaultSecurityRules/DenyAllOutBound"));
    assert!(
        w.blockers[1].fix.contains("re-create"),
        "{}",
        w.blockers[1].fix
    );
}

#[test]
fn query_errors_are_values_not_panics() {
    let dp = seed004().dp();
    assert!(matches!(
        dp.effective_routes("/nope"),
        Err(QueryError::NotFound(_))
    ));
    assert!(matches!(
        dp.ip_flow_verify(
            &nic_id("MainVM-nic"),
            Direction::Inbound,
            tcp("10.2.0.4", "10.9.9.9", 22)
        ),
        Err(QueryError::Invalid(_))
    ));
    assert!(matches!(
        dp.walk(
            &Endpoint::Vm {
                vm_id: vm_id("MainVM")
            },
            tcp("10.1.0.4", "::1", 22)
        ),
        Err(QueryError::Invalid(_))
    ));
    assert!(matches!(
        dp.walk(
            &Endpoint::Address(ip("10.77.0.1")),
            tcp("10.77.0.1", "10.1.0.4", 22)
        ),
        Err(QueryError::Invalid(_))
    ));
    assert!(matches!(
        dp.resolve(&nic_id("MainVM-nic"), ""),
        Err(QueryError::Invalid(_))
    ));
}
