//! Route tables and routes through `Arm::handle`.

mod nsg_support;

use nsg_support::*;
use serde_json::{json, Value};

#[test]
fn route_table_shape_and_inline_routes() {
    let a = arm();
    let r = put(&a, &rt("rt1"), json!({"location": "eastus"}));
    assert_eq!(r.status, 201);
    let v = ok(r);
    assert_eq!(v["type"], "Microsoft.Network/routeTables");
    assert_eq!(v["properties"]["disableBgpRoutePropagation"], false);
    assert_eq!(v["properties"]["routes"], json!([]));
    assert_eq!(v["properties"]["provisioningState"], "Succeeded");
    assert!(v["properties"]["resourceGuid"].is_string());
    assert!(v["properties"].get("subnets").is_none());
    let v = ok(put(
        &a,
        &rt("rt1"),
        json!({"location": "eastus", "properties": {"disableBgpRoutePropagation": true, "routes": [
            {"name": "to-fw", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "virtualappliance", "nextHopIpAddress": "10.1.2.4"}},
            {"name": "storage", "properties": {"addressPrefix": "Storage", "nextHopType": "Internet"}},
        ]}}),
    ));
    assert_eq!(v["properties"]["disableBgpRoutePropagation"], true);
    let routes = v["properties"]["routes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(routes.len(), 2);
    assert_eq!(
        routes[0],
        json!({
            "id": route("rt1", "to-fw"), "name": "to-fw", "type": "Microsoft.Network/routeTables/routes",
            "properties": {"provisioningState": "Succeeded", "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.1.2.4", "hasBgpOverride": false},
            "etag": v["etag"],
        })
    );
    assert!(routes[1]["properties"].get("nextHopIpAddress").is_none());
    assert_eq!(ok(get(&a, &route("rt1", "storage"))), routes[1]);
    // Reconcile: only "storage" stays.
    let v = ok(put(
        &a,
        &rt("rt1"),
        json!({"location": "eastus", "properties": {"routes": [
            {"name": "storage", "properties": {"addressPrefix": "Storage", "nextHopType": "Internet"}},
        ]}}),
    ));
    assert_eq!(v["properties"]["routes"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["properties"]["disableBgpRoutePropagation"], false);
    assert_eq!(get(&a, &route("rt1", "to-fw")).status, 404);
    let v = ok(put(&a, &rt("rt1"), json!({"location": "eastus"})));
    assert_eq!(v["properties"]["routes"], json!([]));
    // Inline errors.
    let dup = json!({"location": "eastus", "properties": {"routes": [
        {"name": "a", "properties": {"addressPrefix": "10.0.0.0/8", "nextHopType": "None"}},
        {"name": "b", "properties": {"addressPrefix": "10.0.0.0/8", "nextHopType": "Internet"}},
    ]}});
    let m = err(&put(&a, &rt("rt1"), dup), 400, "RouteConflict");
    assert_eq!(
        m,
        "Route: b conflicts with Route: a. Routes cannot have the same AddressPrefix."
    );
    let too_many: Vec<Value> = (0..401)
        .map(|i| json!({"name": format!("r{i}"), "properties": {"addressPrefix": format!("10.{}.{}.0/24", i / 256, i % 256), "nextHopType": "None"}}))
        .collect();
    err(
        &put(
            &a,
            &rt("rt1"),
            json!({"location": "eastus", "properties": {"routes": too_many}}),
        ),
        400,
        "RoutesPerRouteTableLimitReached",
    );
    let tags: Vec<Value> = (0..26)
        .map(|i| json!({"name": format!("t{i}"), "properties": {"addressPrefix": format!("Storage.{}", ["eastus", "westus", "northeurope", "westeurope", "eastus2", "centralus", "uksouth", "ukwest", "japaneast", "japanwest", "koreacentral", "koreasouth", "westus2", "westus3", "canadacentral", "canadaeast", "brazilsouth", "francecentral", "germanywestcentral", "norwayeast", "swedencentral", "switzerlandnorth", "polandcentral", "italynorth", "australiaeast", "southeastasia"][i]), "nextHopType": "Internet"}}))
        .collect();
    err(
        &put(
            &a,
            &rt("rt1"),
            json!({"location": "eastus", "properties": {"routes": tags}}),
        ),
        400,
        "RoutesWithServiceTagsPerRouteTableLimitReached",
    );
    assert_eq!(ok(get(&a, &rt("rt1")))["properties"]["routes"], json!([]));
    err(
        &put(
            &a,
            &rt("rt1"),
            json!({"location": "eastus", "properties": {"disableBgpRoutePropagation": "maybe"}}),
        ),
        400,
        "InvalidRequestFormat",
    );
}

#[test]
fn route_validation_errors() {
    let a = arm();
    ok(put(&a, &rt("rt1"), json!({"location": "eastus"})));
    let id = route("rt1", "r");
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        ("MissingNextHopIpAddress", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "VirtualAppliance"}"#),
        ("MissingNextHopIpAddress", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "VirtualAppliance", "nextHopIpAddress": ""}"#),
        ("InvalidNextHopIpAddress", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.300"}"#),
        ("InvalidNextHopIpAddress", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "127.0.0.1"}"#),
        ("InvalidNextHopIpAddress", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "168.63.129.16"}"#),
        ("InvalidNextHopIpAddress", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "224.0.0.1"}"#),
        ("InvalidNextHopIpAddress", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "Internet", "nextHopIpAddress": "10.1.2.4"}"#),
        ("InvalidRequestFormat", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "Foo"}"#),
        ("NotSupportedByVnetlab", r#"{"addressPrefix": "10.0.0.0/8", "nextHopType": "VirtualApplianceEcmp"}"#),
        ("MissingNextHopType", r#"{"addressPrefix": "10.0.0.0/8"}"#),
        ("InvalidCIDRNotation", r#"{"addressPrefix": "10.0.0.1/8", "nextHopType": "None"}"#),
        ("InvalidAddressPrefixFormat", r#"{"addressPrefix": "bogus", "nextHopType": "None"}"#),
        ("InvalidAddressPrefixFormat", r#"{"addressPrefix": "VirtualNetwork", "nextHopType": "None"}"#),
        ("InvalidAddressPrefixFormat", r#"{"nextHopType": "None"}"#),
        ("InvalidRequestFormat", r#"{"addressPrefix": 10, "nextHopType": "None"}"#),
    ];
    for (code, props) in cases {
        let props: Value = serde_json::from_str(props).expect("case JSON");
        let r = put(&a, &id, json!({ "properties": props }));
        assert_eq!(
            r.to_error().map(|e| (e.status, e.code)),
            Some((400, code.to_string())),
            "{props} → {:?}",
            r.body
        );
    }
    let m = err(
        &put(
            &a,
            &id,
            json!({"properties": {"addressPrefix": "10.0.0.0/8", "nextHopType": "VirtualAppliance"}}),
        ),
        400,
        "MissingNextHopIpAddress",
    );
    assert_eq!(
        m,
        "NextHopIpAddress cannot be Null or Empty in route r when NextHopType is VirtualAppliance."
    );
    let m = err(
        &put(
            &a,
            &id,
            json!({"properties": {"addressPrefix": "10.0.0.0/8", "nextHopType": "Foo"}}),
        ),
        400,
        "InvalidRequestFormat",
    );
    assert!(
        m.contains("VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None"),
        "{m}"
    );
    let m = err(
        &put(
            &a,
            &id,
            json!({"properties": {"addressPrefix": "10.0.0.1/8", "nextHopType": "None"}}),
        ),
        400,
        "InvalidCIDRNotation",
    );
    assert!(m.contains("10.0.0.0/8"), "{m}");
    assert_eq!(get(&a, &id).status, 404);

    // Accepted forms, canonical casing out.
    for (i, (prefix, hop, ip)) in [
        ("10.9.0.0/16", "virtualappliance", Some("10.1.2.5")),
        ("10.8.0.0/16", "VNETLOCAL", None),
        ("10.7.0.0/16", "virtualnetworkgateway", None),
        ("Storage.EastUS", "internet", None),
        ("fd00::/64", "VirtualAppliance", Some("fd00::4")),
        ("10.6.0.0/16", "None", None),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("ok{i}");
        let mut props = json!({"addressPrefix": prefix, "nextHopType": hop});
        if let Some(ip) = ip {
            props["nextHopIpAddress"] = json!(ip);
        }
        let v = ok(put(
            &a,
            &route("rt1", &name),
            json!({ "properties": props }),
        ));
        let canon = [
            "VirtualNetworkGateway",
            "VnetLocal",
            "Internet",
            "VirtualAppliance",
            "None",
        ]
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(hop));
        assert_eq!(v["properties"]["nextHopType"].as_str(), canon);
        assert_eq!(v["properties"]["hasBgpOverride"], false);
    }
    // Same prefix as an existing route: the new route is named first.
    let m = err(
        &put(
            &a,
            &route("rt1", "dup"),
            json!({"properties": {"addressPrefix": "10.6.0.0/16", "nextHopType": "Internet"}}),
        ),
        400,
        "RouteConflict",
    );
    assert_eq!(
        m,
        "Route: dup conflicts with Route: ok5. Routes cannot have the same AddressPrefix."
    );
    // Updating a route in place keeps its prefix without conflicting with itself.
    ok(put(
        &a,
        &route("rt1", "ok5"),
        json!({"properties": {"addressPrefix": "10.6.0.0/16", "nextHopType": "Internet"}}),
    ));
}
