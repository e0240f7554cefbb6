//! Private DNS zones, virtual network links, A record sets and autoregistration.

mod compute_support;

use compute_support::*;
use serde_json::json;
use vnetlab_arm::{ArmRequest, ResourceId};

fn link_id(zone: &str, link: &str) -> String {
    format!("{}/virtualNetworkLinks/{link}", zone_id(zone))
}

fn link_body(vnet: &str, registration: bool) -> serde_json::Value {
    json!({"location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": registration}})
}

#[test]
fn zone_location_and_name_rules() {
    let lab = Lab::new();
    let zone = lab.ok(&zone_id("contoso.internal"), json!({"location": "global"}));
    assert_eq!(zone["location"], "global");
    assert_eq!(zone["type"], "Microsoft.Network/privateDnsZones");
    let p = &zone["properties"];
    assert_eq!(p["maxNumberOfRecordSets"], 25000);
    assert_eq!(p["numberOfRecordSets"], 1, "the SOA record");
    assert_eq!(p["maxNumberOfVirtualNetworkLinks"], 1000);
    assert_eq!(p["numberOfVirtualNetworkLinks"], 0);
    assert_eq!(p["maxNumberOfVirtualNetworkLinksWithRegistration"], 100);
    assert_eq!(p["numberOfVirtualNetworkLinksWithRegistration"], 0);
    assert_eq!(p["provisioningState"], "Succeeded");

    let e = lab.fails(
        &zone_id("x.internal"),
        json!({"location": "eastus"}),
        400,
        "LocationNotAvailableForResourceType",
    );
    assert!(e.message.contains("'global'"), "{}", e.message);
    let e = lab.fails(
        &zone_id("single"),
        json!({"location": "global"}),
        400,
        "BadRequest",
    );
    assert_eq!(e.message, "The zone name 'single' does not have enough labels. Zone names must have two or more labels.");
    let long = vec!["a"; 35].join(".");
    lab.fails(
        &zone_id(&long),
        json!({"location": "global"}),
        400,
        "BadRequest",
    );
    lab.ok(
        &zone_id(&vec!["a"; 34].join(".")),
        json!({"location": "global"}),
    );
    lab.fails(
        &zone_id("bad..name"),
        json!({"location": "global"}),
        400,
        "BadRequest",
    );

    // az sends If-None-Match: * on create: an existing zone answers 412.
    let mut req = ArmRequest::put(zone_id("contoso.internal"), json!({"location": "global"}));
    req.if_none_match = Some("*".into());
    expect_err(lab.arm.handle(&req), 412, "PreconditionFailed");
}

#[test]
fn links_reference_vnets_once() {
    let lab = Lab::new();
    lab.vnet("v1", "10.0.0.0/16", &[("s", "10.0.0.0/24")]);
    lab.vnet("v2", "10.1.0.0/16", &[]);
    lab.ok(&zone_id("contoso.internal"), json!({"location": "global"}));
    let link = lab.ok(
        &link_id("contoso.internal", "l1"),
        link_body(&vnet_id("v1"), false),
    );
    assert_eq!(
        link["type"],
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
    );
    assert_eq!(link["location"], "global");
    assert_eq!(link["properties"]["virtualNetworkLinkState"], "Completed");
    assert_eq!(link["properties"]["registrationEnabled"], false);
    assert_eq!(link["properties"]["virtualNetwork"]["id"], vnet_id("v1"));
    // Same zone, same VNet, another name: 409.
    let e = lab.fails(
        &link_id("contoso.internal", "l2"),
        link_body(&vnet_id("v1"), false),
        409,
        "Conflict",
    );
    assert_eq!(
        e.message,
        format!(
            "Private zone 'contoso.internal' is already linked to the virtual network '{}'.",
            vnet_id("v1")
        )
    );
    // The same link re-PUT is an update.
    lab.ok(
        &link_id("contoso.internal", "l1"),
        link_body(&vnet_id("v1"), true),
    );
    lab.fails(
        &link_id("contoso.internal", "l1"),
        link_body(&vnet_id("v2"), true),
        400,
        "BadRequest",
    );
    lab.fails(
        &link_id("contoso.internal", "l3"),
        link_body(&vnet_id("missing"), false),
        400,
        "BadRequest",
    );
    lab.fails(
        &link_id("contoso.internal", "l3"),
        json!({"location": "eastus", "properties": {"virtualNetwork": {"id": vnet_id("v2")}}}),
        400,
        "LocationNotAvailableForResourceType",
    );
    lab.ok(
        &link_id("contoso.internal", "l2"),
        link_body(&vnet_id("v2"), false),
    );
    let zone = lab.get(&zone_id("contoso.internal"));
    assert_eq!(zone["properties"]["numberOfVirtualNetworkLinks"], 2);
    assert_eq!(
        zone["properties"]["numberOfVirtualNetworkLinksWithRegistration"],
        1
    );

    // A zone of the same name in another group cannot be linked to the same VNet.
    lab.ok(
        &format!("/subscriptions/{SUB}/resourcegroups/rg2"),
        json!({"location": "eastus"}),
    );
    let twin = id_in("rg2", "Microsoft.Network/privateDnsZones/contoso.internal");
    lab.ok(&twin, json!({"location": "global"}));
    let e = lab.fails(
        &format!("{twin}/virtualNetworkLinks/t"),
        link_body(&vnet_id("v1"), false),
        400,
        "BadRequest",
    );
    assert!(
        e.message.starts_with(
            "A virtual network cannot be linked to multiple zones with overlapping namespaces."
        ),
        "{}",
        e.message
    );
    // One autoregistration zone per VNet.
    lab.ok(&zone_id("corp.internal"), json!({"location": "global"}));
    lab.ok(
        &link_id("corp.internal", "plain"),
        link_body(&vnet_id("v1"), false),
    );
    let e = lab.fails(
        &link_id("corp.internal", "plain"),
        link_body(&vnet_id("v1"), true),
        409,
        "Conflict",
    );
    assert!(e.message.starts_with("A virtual network can only be linked to 1 Private DNS zone(s) with auto-registration enabled"), "{}", e.message);
    // Deleting a zone takes its links along.
    assert_eq!(lab.delete(&zone_id("corp.internal")).status, 200);
    assert_eq!(lab.get_status(&link_id("corp.internal", "plain")), 404);
}

#[test]
fn a_records_and_autoregistration() {
    let lab = Lab::new();
    lab.vnet("v1", "10.0.0.0/16", &[("s", "10.0.0.0/24")]);
    lab.ok(&zone_id("contoso.internal"), json!({"location": "global"}));
    let rec = lab.ok(
        &format!("{}/A/web", zone_id("contoso.internal")),
        json!({"properties": {"aRecords": [{"ipv4Address": "10.0.0.99"}]}}),
    );
    assert_eq!(rec["type"], "Microsoft.Network/privateDnsZones/A");
    assert_eq!(rec["properties"]["ttl"], 3600);
    assert_eq!(rec["properties"]["fqdn"], "web.contoso.internal.");
    assert_eq!(rec["properties"]["isAutoRegistered"], false);
    lab.fails(
        &format!("{}/A/bad", zone_id("contoso.internal")),
        json!({"properties": {"aRecords": [{"ipv4Address": "10.0.0.999"}]}}),
        400,
        "BadRequest",
    );
    let apex = lab.ok(
        &format!("{}/A/@", zone_id("contoso.internal")),
        json!({"properties": {"ttl": 60, "aRecords": []}}),
    );
    assert_eq!(apex["properties"]["fqdn"], "contoso.internal.");

    lab.nic("n1", &subnet_id("v1", "s"), None);
    lab.vm("VM1", &["n1"]);
    let zone = ResourceId::parse(&zone_id("contoso.internal")).unwrap();
    let registered = |lab: &Lab| {
        lab.arm.store.read(|txn| {
            let rx = vnetlab_arm::cx::Rx {
                txn,
                config: &lab.arm.config,
            };
            vnetlab_arm::resources::private_dns::registered_records(&rx, &zone)
        })
    };
    use vnetlab_arm::Store;
    assert_eq!(
        registered(&lab).unwrap(),
        vec![],
        "no registration link yet"
    );
    lab.ok(
        &link_id("contoso.internal", "reg"),
        link_body(&vnet_id("v1"), true),
    );
    assert_eq!(
        registered(&lab).unwrap(),
        vec![("vm1".to_string(), "10.0.0.4".to_string())]
    );
    assert_eq!(
        lab.get(&zone_id("contoso.internal"))["properties"]["numberOfRecordSets"],
        4,
        "SOA + web + @ + vm1"
    );
    let list = lab.get(&format!("{}/A", zone_id("contoso.internal")));
    let names: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["web", "@", "vm1"]);
    assert_eq!(list["value"][2]["properties"]["isAutoRegistered"], true);
    assert_eq!(
        list["value"][2]["properties"]["aRecords"][0]["ipv4Address"],
        "10.0.0.4"
    );
    // Deleting the VM unregisters it.
    assert_eq!(lab.delete(&vm_id("VM1")).status, 200);
    assert_eq!(registered(&lab).unwrap(), vec![]);
}
