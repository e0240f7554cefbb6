//! NSGs (default rules, envelope, back-references, etags, lists) through `Arm::handle`.

mod nsg_support;

use nsg_support::*;
use serde_json::{json, Value};

#[test]
fn nsg_create_has_exact_default_rules() {
    let a = arm();
    let r = put(
        &a,
        &nsg("nsg1"),
        json!({"location": "East US", "tags": {"env": "lab"}}),
    );
    assert_eq!(r.status, 201);
    let v = ok(r);
    assert_eq!(v["id"], nsg("nsg1"));
    assert_eq!(v["type"], "Microsoft.Network/networkSecurityGroups");
    assert_eq!(v["location"], "eastus");
    assert_eq!(v["tags"], json!({"env": "lab"}));
    let p = &v["properties"];
    assert_eq!(p["provisioningState"], "Succeeded");
    assert!(p["resourceGuid"].as_str().is_some_and(|g| g.len() == 36));
    assert_eq!(p["securityRules"], json!([]));
    assert!(
        p.get("subnets").is_none()
            && p.get("networkInterfaces").is_none()
            && p.get("flushConnection").is_none()
    );
    let expected = [
        (
            "AllowVnetInBound",
            "Inbound",
            65000,
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            "Allow inbound traffic from all VMs in VNET",
        ),
        (
            "AllowAzureLoadBalancerInBound",
            "Inbound",
            65001,
            "AzureLoadBalancer",
            "*",
            "Allow",
            "Allow inbound traffic from azure load balancer",
        ),
        (
            "DenyAllInBound",
            "Inbound",
            65500,
            "*",
            "*",
            "Deny",
            "Deny all inbound traffic",
        ),
        (
            "AllowVnetOutBound",
            "Outbound",
            65000,
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            "Allow outbound traffic from all VMs to all VMs in VNET",
        ),
        (
            "AllowInternetOutBound",
            "Outbound",
            65001,
            "*",
            "Internet",
            "Allow",
            "Allow outbound traffic from all VMs to Internet",
        ),
        (
            "DenyAllOutBound",
            "Outbound",
            65500,
            "*",
            "*",
            "Deny",
            "Deny all outbound traffic",
        ),
    ];
    let defaults = p["defaultSecurityRules"].as_array().expect("defaults");
    assert_eq!(defaults.len(), 6);
    for (d, (name, dir, prio, src, dst, access, desc)) in defaults.iter().zip(expected) {
        let want = json!({
            "id": format!("{}/defaultSecurityRules/{name}", nsg("nsg1")),
            "name": name,
            "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
            "properties": {
                "provisioningState": "Succeeded", "description": desc, "protocol": "*",
                "sourcePortRange": "*", "destinationPortRange": "*",
                "sourceAddressPrefix": src, "destinationAddressPrefix": dst,
                "access": access, "priority": prio, "direction": dir,
                "sourcePortRanges": [], "destinationPortRanges": [], "sourceAddressPrefixes": [], "destinationAddressPrefixes": [],
            },
            "etag": v["etag"],
        });
        assert_eq!(d, &want);
    }
    // Each default rule is addressable and listable, and read-only.
    let d = ok(get(
        &a,
        &format!("{}/defaultSecurityRules/denyallinbound", nsg("nsg1")),
    ));
    assert_eq!(d["properties"]["priority"], 65500);
    assert_eq!(d["etag"], v["etag"]);
    let list = ok(get(&a, &format!("{}/defaultSecurityRules", nsg("nsg1"))));
    assert_eq!(list["value"].as_array().map(Vec::len), Some(6));
    let r = put(
        &a,
        &format!("{}/defaultSecurityRules/DenyAllInBound", nsg("nsg1")),
        rule_body(json!({})),
    );
    err(&r, 405, "MethodNotAllowed");
    let r = delete(
        &a,
        &format!("{}/defaultSecurityRules/DenyAllInBound", nsg("nsg1")),
    );
    err(&r, 405, "MethodNotAllowed");
    // An update keeps the defaults (six, not twelve) and the resourceGuid.
    let v2 = ok(put(
        &a,
        &nsg("nsg1"),
        json!({"location": "eastus", "properties": {"flushConnection": true}}),
    ));
    assert_eq!(
        v2["properties"]["defaultSecurityRules"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
    assert_eq!(v2["properties"]["resourceGuid"], p["resourceGuid"]);
    assert_eq!(v2["properties"]["flushConnection"], true);
    assert!(v2.get("tags").is_none());
}

#[test]
fn nsg_envelope_errors() {
    let a = arm();
    err(&put(&a, &nsg("n"), json!({})), 400, "LocationRequired");
    err(
        &put(&a, &nsg("n"), json!({"location": "mars"})),
        400,
        "LocationNotAvailableForResourceType",
    );
    ok(put(&a, &nsg("n"), json!({"location": "eastus"})));
    let m = err(
        &put(&a, &nsg("n"), json!({"location": "westus"})),
        400,
        "InvalidResourceLocation",
    );
    assert!(m.contains("already exists in location 'eastus'"), "{m}");
    err(
        &put(&a, &nsg("bad!name"), json!({"location": "eastus"})),
        400,
        "InvalidResourceName",
    );
    err(
        &put(
            &a,
            &nsg("n"),
            json!({"location": "eastus", "properties": {"securityRules": {}}}),
        ),
        400,
        "InvalidRequestFormat",
    );
    err(
        &put(&a, &rule("n", "-bad"), rule_body(json!({}))),
        400,
        "InvalidResourceName",
    );
    let r = put(&a, &rule("missing", "r1"), rule_body(json!({})));
    assert_eq!(r.status, 404, "{:?}", r.body);
}

#[test]
fn back_references_block_deletion() {
    let a = arm();
    ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"})));
    ok(put(&a, &rt("rt1"), json!({"location": "eastus"})));
    let subnet_id = format!("{}/virtualNetworks/vnet1/subnets/app", net());
    ok(vnet_with(
        &a,
        json!({"addressPrefix": "10.1.1.0/24", "networkSecurityGroup": {"id": nsg("nsg1")}, "routeTable": {"id": rt("rt1")}}),
    ));
    let n = ok(get(&a, &nsg("nsg1")));
    assert_eq!(n["properties"]["subnets"], json!([{"id": subnet_id}]));
    assert!(n["properties"].get("networkInterfaces").is_none());
    let t = ok(get(&a, &rt("rt1")));
    assert_eq!(t["properties"]["subnets"], json!([{"id": subnet_id}]));
    let listed = ok(get(&a, &format!("{}/networkSecurityGroups", net())));
    assert_eq!(
        listed["value"][0]["properties"]["subnets"],
        json!([{"id": subnet_id}])
    );

    let m = err(
        &delete(&a, &nsg("nsg1")),
        400,
        "InUseNetworkSecurityGroupCannotBeDeleted",
    );
    assert_eq!(
        m,
        format!("Network security group {} cannot be deleted because it is in use by the following resources: {subnet_id}. In order to delete the Network security group, remove the association with the resource(s).", nsg("nsg1"))
    );
    let m = err(
        &delete(&a, &rt("rt1")),
        400,
        "InUseRouteTableCannotBeDeleted",
    );
    assert!(m.contains(&subnet_id), "{m}");
    assert_eq!(
        ok(get(&a, &nsg("nsg1"))),
        n,
        "a refused delete changes nothing"
    );

    // Detach: the back-references go, and deletion works.
    ok(vnet_with(&a, json!({"addressPrefix": "10.1.1.0/24"})));
    assert!(ok(get(&a, &nsg("nsg1")))["properties"]
        .get("subnets")
        .is_none());
    assert!(ok(get(&a, &rt("rt1")))["properties"]
        .get("subnets")
        .is_none());
    assert_eq!(delete(&a, &nsg("nsg1")).status, 200);
    assert_eq!(delete(&a, &rt("rt1")).status, 200);
    assert_eq!(
        get(
            &a,
            &format!("{}/defaultSecurityRules/DenyAllInBound", nsg("nsg1"))
        )
        .status,
        404
    );
}

#[test]
fn group_delete_with_associations() {
    let a = arm();
    ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"})));
    ok(put(&a, &rt("rt1"), json!({"location": "eastus"})));
    ok(put(&a, &asg("web"), json!({"location": "eastus"})));
    ok(put(
        &a,
        &rule("nsg1", "r"),
        rule_body(
            json!({"sourceAddressPrefix": null, "sourceApplicationSecurityGroups": [{"id": asg("web")}]}),
        ),
    ));
    ok(vnet_with(
        &a,
        json!({"addressPrefix": "10.1.1.0/24", "networkSecurityGroup": {"id": nsg("nsg1")}, "routeTable": {"id": rt("rt1")}}),
    ));
    let r = delete(&a, &format!("/subscriptions/{SUB}/resourceGroups/rg"));
    assert!(r.is_success(), "{r:?}");
    let r = get(
        &a,
        &format!("/subscriptions/{SUB}/providers/Microsoft.Network/networkSecurityGroups"),
    );
    assert_eq!(ok(r)["value"], json!([]));
}

#[test]
fn etags_change_on_every_update_and_children_share_them() {
    let a = arm();
    let e1 = etag(&ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"}))));
    let e2 = etag(&ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"}))));
    assert_ne!(e1, e2);
    let r = ok(put(&a, &rule("nsg1", "r"), rule_body(json!({}))));
    let e3 = etag(&ok(get(&a, &nsg("nsg1"))));
    assert_ne!(e2, e3);
    assert_eq!(etag(&r), e3);
    assert_eq!(etag(&ok(get(&a, &rule("nsg1", "r")))), e3);
    assert_eq!(delete(&a, &rule("nsg1", "r")).status, 200);
    assert_ne!(etag(&ok(get(&a, &nsg("nsg1")))), e3);
    let p = ok(a.handle(
        &vnetlab_arm::ArmRequest::new(vnetlab_arm::Method::Patch, nsg("nsg1"))
            .with_body(json!({"tags": {"a": "b"}})),
    ));
    assert_eq!(p["tags"], json!({"a": "b"}));
    assert_eq!(
        p["properties"]["defaultSecurityRules"][0]["etag"],
        p["etag"]
    );

    let t1 = etag(&ok(put(&a, &rt("rt1"), json!({"location": "eastus"}))));
    let r = ok(put(
        &a,
        &route("rt1", "r1"),
        json!({"properties": {"addressPrefix": "10.9.0.0/16", "nextHopType": "None"}}),
    ));
    let t2 = etag(&ok(get(&a, &rt("rt1"))));
    assert_ne!(t1, t2);
    assert_eq!(etag(&r), t2);
    assert_eq!(delete(&a, &route("rt1", "r1")).status, 200);
    assert_ne!(etag(&ok(get(&a, &rt("rt1")))), t2);
}

#[test]
fn list_endpoints() {
    let a = arm();
    ok(put(
        &a,
        &format!("/subscriptions/{SUB}/resourcegroups/rg2"),
        json!({"location": "westus"}),
    ));
    let other = |t: &str, n: &str| {
        format!("/subscriptions/{SUB}/resourceGroups/rg2/providers/Microsoft.Network/{t}/{n}")
    };
    ok(put(&a, &nsg("a"), json!({"location": "eastus"})));
    ok(put(&a, &nsg("b"), json!({"location": "eastus"})));
    ok(put(
        &a,
        &other("networkSecurityGroups", "c"),
        json!({"location": "westus"}),
    ));
    ok(put(&a, &rt("t1"), json!({"location": "eastus"})));
    ok(put(
        &a,
        &other("routeTables", "t2"),
        json!({"location": "westus"}),
    ));
    ok(put(&a, &asg("g1"), json!({"location": "eastus"})));
    let names = |v: Value| -> Vec<String> {
        v["value"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|x| x["name"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        names(ok(get(&a, &format!("{}/networkSecurityGroups", net())))),
        ["a", "b"]
    );
    assert_eq!(
        names(ok(get(
            &a,
            &format!("/subscriptions/{SUB}/providers/Microsoft.Network/networkSecurityGroups")
        ))),
        ["a", "b", "c"]
    );
    assert_eq!(
        names(ok(get(&a, &format!("{}/routeTables", net())))),
        ["t1"]
    );
    assert_eq!(
        names(ok(get(
            &a,
            &format!("/subscriptions/{SUB}/providers/Microsoft.Network/routeTables")
        ))),
        ["t1", "t2"]
    );
    assert_eq!(
        names(ok(get(&a, &format!("{}/applicationSecurityGroups", net())))),
        ["g1"]
    );
    let listed = ok(get(&a, &format!("{}/networkSecurityGroups", net())));
    assert_eq!(
        listed["value"][0]["properties"]["defaultSecurityRules"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
    ok(put(
        &a,
        &rule("a", "r2"),
        rule_body(json!({"priority": 200})),
    ));
    ok(put(
        &a,
        &rule("a", "r1"),
        rule_body(json!({"priority": 100})),
    ));
    assert_eq!(
        names(ok(get(&a, &format!("{}/securityRules", nsg("a"))))),
        ["r2", "r1"]
    );
    assert_eq!(
        names(ok(get(&a, &format!("{}/securityRules", nsg("b"))))),
        Vec::<String>::new()
    );
    ok(put(
        &a,
        &route("t1", "x"),
        json!({"properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}}),
    ));
    assert_eq!(names(ok(get(&a, &format!("{}/routes", rt("t1"))))), ["x"]);
    assert_eq!(
        get(&a, &format!("{}/securityRules", nsg("zzz"))).status,
        404
    );
    assert_eq!(
        get(
            &a,
            &format!(
                "/subscriptions/{SUB}/resourceGroups/nope/providers/Microsoft.Network/routeTables"
            )
        )
        .status,
        404
    );
}
