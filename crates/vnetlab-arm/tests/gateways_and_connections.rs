//! Virtual network gateways, local network gateways and connections; gateway transit over
//! peering; deleting a resource group with all of it.

mod compute_support;

use compute_support::*;
use serde_json::json;

fn hub(lab: &Lab) {
    lab.vnet(
        "hub",
        "10.0.0.0/16",
        &[
            ("default", "10.0.0.0/24"),
            ("GatewaySubnet", "10.0.255.0/27"),
        ],
    );
}

fn peering(vnet: &str, name: &str) -> String {
    format!("{}/virtualNetworkPeerings/{name}", vnet_id(vnet))
}

#[test]
fn gateway_lives_in_gateway_subnet() {
    let lab = Lab::new();
    hub(&lab);
    let gw = lab.gateway("gw1", "hub", "gwpip");
    let p = &gw["properties"];
    assert_eq!(
        (p["gatewayType"].clone(), p["vpnType"].clone()),
        (json!("Vpn"), json!("RouteBased"))
    );
    assert_eq!(p["sku"]["name"], "VpnGw1");
    assert_eq!(p["activeActive"], false);
    assert_eq!(p["enableBgp"], false);
    assert_eq!(p["bgpSettings"]["asn"], 65515);
    assert_eq!(p["bgpSettings"]["bgpPeeringAddress"], "10.0.255.30");
    assert_eq!(p["bgpSettings"]["peerWeight"], 0);
    let pip_addr = lab.get(&pip_id("gwpip"))["properties"]["ipAddress"].clone();
    assert_eq!(
        p["bgpSettings"]["bgpPeeringAddresses"][0]["tunnelIpAddresses"],
        json!([pip_addr])
    );
    let cfg_id = format!("{}/ipConfigurations/vnetGatewayConfig0", gw_id("gw1"));
    assert_eq!(p["ipConfigurations"][0]["id"], cfg_id.as_str());
    assert_eq!(
        p["ipConfigurations"][0]["properties"]["subnet"]["id"],
        subnet_id("hub", "GatewaySubnet")
    );
    // Back-references: the subnet is in use by the gateway, the public IP shows it.
    assert_eq!(
        lab.get(&subnet_id("hub", "GatewaySubnet"))["properties"]["ipConfigurations"][0]["id"],
        cfg_id.as_str()
    );
    assert_eq!(
        lab.get(&pip_id("gwpip"))["properties"]["ipConfiguration"]["id"],
        cfg_id.as_str()
    );
    let e = expect_err(
        lab.delete(&subnet_id("hub", "GatewaySubnet")),
        400,
        "InUseSubnetCannotBeDeleted",
    );
    assert!(e.message.contains(&cfg_id));
    expect_err(
        lab.delete(&pip_id("gwpip")),
        400,
        "PublicIPAddressCannotBeDeleted",
    );
    // A BGP ASN is kept.
    let mut body = Lab::gw_body("hub", "gwpip", "VpnGw1");
    body["properties"]["enableBgp"] = json!(true);
    body["properties"]["bgpSettings"] = json!({"asn": 65010});
    let gw = lab.ok(&gw_id("gw1"), body);
    assert_eq!(
        (
            gw["properties"]["enableBgp"].clone(),
            gw["properties"]["bgpSettings"]["asn"].clone()
        ),
        (json!(true), json!(65010))
    );
    // Deleting the gateway frees subnet and public IP.
    assert_eq!(lab.delete(&gw_id("gw1")).status, 200);
    assert!(lab.get(&subnet_id("hub", "GatewaySubnet"))["properties"]
        .get("ipConfigurations")
        .is_none());
    assert_eq!(lab.delete(&pip_id("gwpip")).status, 200);
}

#[test]
fn gateway_subnet_name_and_size_rules() {
    let lab = Lab::new();
    lab.vnet(
        "v",
        "10.0.0.0/16",
        &[
            ("default", "10.0.0.0/24"),
            ("GatewaySubnet", "10.0.255.0/28"),
        ],
    );
    lab.vnet("b", "10.1.0.0/16", &[("GatewaySubnet", "10.1.255.0/29")]);
    lab.pip("pip");
    let mut wrong = Lab::gw_body("v", "pip", "VpnGw1");
    wrong["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"] =
        json!(subnet_id("v", "default"));
    lab.fails(&gw_id("g"), wrong, 400, "InvalidGatewaySubnet");
    lab.fails(
        &gw_id("g"),
        Lab::gw_body("v", "pip", "VpnGw1"),
        400,
        "GatewaySubnetTooSmall",
    );
    lab.fails(
        &gw_id("g"),
        Lab::gw_body("v", "pip", "Standard"),
        400,
        "InvalidGatewaySize",
    );
    let mut local = Lab::gw_body("v", "pip", "VpnGw1");
    local["properties"]["gatewayType"] = json!("LocalGateway");
    lab.fails(&gw_id("g"), local, 400, "NotSupportedByVnetlab");
    let mut nopip = Lab::gw_body("v", "pip", "VpnGw1");
    nopip["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] = json!(null);
    lab.fails(
        &gw_id("g"),
        nopip,
        400,
        "PublicIpAddressRequiredForVpnGateway",
    );
    lab.fails(
        &gw_id("g"),
        Lab::gw_body("nope", "pip", "VpnGw1"),
        400,
        "InvalidResourceReference",
    );
    // A /29 is enough for Basic only.
    lab.fails(
        &gw_id("g"),
        Lab::gw_body("b", "pip", "VpnGw2"),
        400,
        "GatewaySubnetTooSmall",
    );
    let g = lab.ok(&gw_id("g"), Lab::gw_body("b", "pip", "Basic"));
    assert_eq!(
        g["properties"]["bgpSettings"]["bgpPeeringAddress"],
        "10.1.255.6"
    );
    // The public IP now serves g.
    lab.ok(
        &subnet_id("v", "GatewaySubnet"),
        json!({"properties": {"addressPrefix": "10.0.254.0/27"}}),
    );
    lab.fails(
        &gw_id("g2"),
        Lab::gw_body("v", "pip", "VpnGw1"),
        400,
        "PublicIPAddressInUse",
    );
    assert_eq!(lab.get_status(&gw_id("g2")), 404);
}

#[test]
fn one_gateway_of_each_type_per_vnet() {
    let lab = Lab::new();
    hub(&lab);
    lab.gateway("vpn1", "hub", "p1");
    lab.pip("p2");
    lab.fails(
        &gw_id("vpn2"),
        Lab::gw_body("hub", "p2", "VpnGw1"),
        400,
        "VirtualNetworkGatewayAlreadyExistsInVnet",
    );
    let mut er = Lab::gw_body("hub", "p2", "ErGw1AZ");
    er["properties"]["gatewayType"] = json!("ExpressRoute");
    let er = lab.ok(&gw_id("er1"), er);
    assert_eq!(er["properties"]["vpnGatewayGeneration"], "None");
    // Re-PUT of the same gateway is an update, not a second one.
    lab.ok(&gw_id("vpn1"), Lab::gw_body("hub", "p1", "VpnGw1"));
}

#[test]
fn use_remote_gateways_needs_a_gateway_on_the_remote_vnet() {
    let lab = Lab::new();
    hub(&lab);
    lab.vnet(
        "spoke",
        "10.1.0.0/16",
        &[("s", "10.1.0.0/24"), ("GatewaySubnet", "10.1.255.0/27")],
    );
    let hub_link = json!({"properties": {"remoteVirtualNetwork": {"id": vnet_id("spoke")}, "allowVirtualNetworkAccess": true, "allowGatewayTransit": true}});
    let spoke_link = json!({"properties": {"remoteVirtualNetwork": {"id": vnet_id("hub")}, "allowVirtualNetworkAccess": true, "useRemoteGateways": true}});
    lab.ok(&peering("hub", "hub-to-spoke"), hub_link);
    let e = lab.fails(
        &peering("spoke", "spoke-to-hub"),
        spoke_link.clone(),
        400,
        "RemoteVnetHasNoGateways",
    );
    assert!(
        e.message.contains("does not have any gateways"),
        "{}",
        e.message
    );
    lab.gateway("gw", "hub", "gwpip");
    let link = lab.ok(&peering("spoke", "spoke-to-hub"), spoke_link);
    assert_eq!(link["properties"]["useRemoteGateways"], true);
    assert_eq!(link["properties"]["peeringState"], "Connected");
    // The spoke now uses the hub's gateway: it cannot have its own.
    lab.pip("spip");
    lab.fails(
        &gw_id("spokegw"),
        Lab::gw_body("spoke", "spip", "VpnGw1"),
        400,
        "VnetUsesRemoteGateways",
    );
}

#[test]
fn local_network_gateway_rules() {
    let lab = Lab::new();
    let ok = lab.ok(
        &lng_id("onprem"),
        json!({"location": "eastus", "properties": {"gatewayIpAddress": "203.0.113.10",
        "localNetworkAddressSpace": {"addressPrefixes": ["192.168.0.0/16", "172.16.0.0/24"]}}}),
    );
    assert_eq!(
        ok["properties"]["localNetworkAddressSpace"]["addressPrefixes"],
        json!(["192.168.0.0/16", "172.16.0.0/24"])
    );
    assert_eq!(ok["properties"]["provisioningState"], "Succeeded");
    assert!(ok["properties"]["resourceGuid"].is_string());
    let body = |prefixes: serde_json::Value| json!({"location": "eastus", "properties": {"gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": prefixes}}});
    lab.fails(
        &lng_id("x"),
        body(json!(["192.168.1.5/16"])),
        400,
        "InvalidCIDRNotation",
    );
    let many: Vec<String> = (0..1001)
        .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
        .collect();
    lab.fails(
        &lng_id("x"),
        body(json!(many)),
        400,
        "LocalNetworkGatewayAddressPrefixLimitExceeded",
    );
    lab.fails(
        &lng_id("x"),
        json!({"location": "eastus", "properties": {}}),
        400,
        "LocalNetworkGatewayAddressRequired",
    );
    lab.fails(
        &lng_id("x"),
        json!({"location": "eastus", "properties": {"gatewayIpAddress": "nope"}}),
        400,
        "InvalidGatewayIpAddress",
    );
    let f = lab.ok(&lng_id("byname"), json!({"location": "eastus", "properties": {"fqdn": "vpn.contoso.example", "bgpSettings": {"asn": 65050, "bgpPeeringAddress": "10.255.0.1"}}}));
    assert_eq!(f["properties"]["bgpSettings"]["asn"], 65050);
    lab.fails(
        &lng_id("x"),
        json!({"location": "eastus", "properties": {"fqdn": "a.b", "bgpSettings": {"asn": 65515}}}),
        400,
        "InvalidBgpAsn",
    );
}

fn conn_body(kind: &str, gw1: &str, peer: serde_json::Value, key: &str) -> serde_json::Value {
    let mut p = json!({"connectionType": kind, "virtualNetworkGateway1": {"id": gw_id(gw1)}, "routingWeight": 10, "sharedKey": key});
    for (k, v) in peer.as_object().unwrap() {
        p[k] = v.clone();
    }
    json!({"location": "eastus", "properties": p})
}

#[test]
fn connection_status_rules() {
    let lab = Lab::new();
    hub(&lab);
    lab.vnet(
        "other",
        "10.1.0.0/16",
        &[("GatewaySubnet", "10.1.255.0/27")],
    );
    lab.gateway("gw1", "hub", "p1");
    lab.gateway("gw2", "other", "p2");
    lab.ok(&lng_id("onprem"), json!({"location": "eastus", "properties": {"gatewayIpAddress": "203.0.113.10", "localNetworkAddressSpace": {"addressPrefixes": ["192.168.0.0/16"]}}}));

    // Site-to-site: az's template spells the type "IPSec"; the service says "IPsec".
    let s2s = lab.ok(
        &conn_id("s2s"),
        conn_body(
            "IPSec",
            "gw1",
            json!({"localNetworkGateway2": {"id": lng_id("onprem")}}),
            "abc123",
        ),
    );
    assert_eq!(s2s["properties"]["connectionType"], "IPsec");
    assert_eq!(s2s["properties"]["connectionStatus"], "Connected");
    assert_eq!(
        (
            s2s["properties"]["ingressBytesTransferred"].clone(),
            s2s["properties"]["egressBytesTransferred"].clone()
        ),
        (json!(0), json!(0))
    );
    assert_eq!(s2s["properties"]["routingWeight"], 10);
    let shown = lab.get(&conn_id("s2s"));
    assert!(
        !shown.to_string().contains("abc123") && shown["properties"].get("sharedKey").is_none()
    );
    assert!(!lab.get(&net("connections")).to_string().contains("abc123"));

    // VNet-to-VNet: connected only when both halves exist with the same key.
    let v2v = |name: &str, from: &str, to: &str, key: &str| {
        lab.ok(
            &conn_id(name),
            conn_body(
                "Vnet2Vnet",
                from,
                json!({"virtualNetworkGateway2": {"id": gw_id(to)}}),
                key,
            ),
        )
    };
    assert_eq!(
        v2v("a-to-b", "gw1", "gw2", "k1")["properties"]["connectionStatus"],
        "NotConnected"
    );
    assert_eq!(
        v2v("b-to-a", "gw2", "gw1", "other")["properties"]["connectionStatus"],
        "NotConnected"
    );
    assert_eq!(
        v2v("b-to-a", "gw2", "gw1", "k1")["properties"]["connectionStatus"],
        "Connected"
    );
    assert_eq!(
        lab.get(&conn_id("a-to-b"))["properties"]["connectionStatus"],
        "Connected"
    );

    lab.fails(
        &conn_id("x"),
        conn_body("ExpressRoute", "gw1", json!({}), "k"),
        400,
        "NotSupportedByVnetlab",
    );
    lab.fails(
        &conn_id("x"),
        conn_body("IPsec", "gw1", json!({}), "k"),
        400,
        "LocalNetworkGateway2Required",
    );
    lab.fails(
        &conn_id("x"),
        conn_body(
            "Vnet2Vnet",
            "gw1",
            json!({"virtualNetworkGateway2": {"id": gw_id("gw1")}}),
            "k",
        ),
        400,
        "ConnectionGatewaysMustDiffer",
    );
    lab.fails(
        &conn_id("x"),
        conn_body(
            "IPsec",
            "nope",
            json!({"localNetworkGateway2": {"id": lng_id("onprem")}}),
            "k",
        ),
        400,
        "InvalidResourceReference",
    );

    // Gateways and local gateways in use by connections cannot be deleted.
    expect_err(
        lab.delete(&gw_id("gw1")),
        400,
        "InUseVirtualNetworkGatewayCannotBeDeleted",
    );
    expect_err(
        lab.delete(&lng_id("onprem")),
        400,
        "InUseLocalNetworkGatewayCannotBeDeleted",
    );
    assert_eq!(lab.delete(&conn_id("s2s")).status, 200);
    assert_eq!(lab.delete(&lng_id("onprem")).status, 200);
    assert_eq!(lab.delete(&conn_id("a-to-b")).status, 200);
    assert_eq!(
        lab.get(&conn_id("b-to-a"))["properties"]["connectionStatus"],
        "NotConnected"
    );
    assert_eq!(lab.delete(&conn_id("b-to-a")).status, 200);
    assert_eq!(lab.delete(&gw_id("gw1")).status, 200);
}

#[test]
fn deleting_the_group_removes_everything() {
    let lab = Lab::new();
    hub(&lab);
    lab.vnet(
        "other",
        "10.1.0.0/16",
        &[("GatewaySubnet", "10.1.255.0/27")],
    );
    lab.gateway("gw1", "hub", "p1");
    lab.gateway("gw2", "other", "p2");
    lab.ok(
        &conn_id("c"),
        conn_body(
            "Vnet2Vnet",
            "gw1",
            json!({"virtualNetworkGateway2": {"id": gw_id("gw2")}}),
            "k",
        ),
    );
    lab.pip("vmpip");
    let mut nic = Lab::nic_body(&subnet_id("hub", "default"), None);
    nic["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] =
        json!({"id": pip_id("vmpip")});
    lab.ok(&nic_id("n1"), nic);
    lab.vm("vm1", &["n1"]);
    lab.ok(&zone_id("contoso.internal"), json!({"location": "global"}));
    lab.ok(&format!("{}/virtualNetworkLinks/l", zone_id("contoso.internal")), json!({"location": "global", "properties": {"virtualNetwork": {"id": vnet_id("hub")}, "registrationEnabled": true}}));
    let r = lab.delete(&format!("/subscriptions/{SUB}/resourceGroups/rg"));
    assert!(r.is_success(), "{r:?}");
    assert_eq!(
        lab.get_status(&format!("/subscriptions/{SUB}/resourceGroups/rg")),
        404
    );
}

/// az's `update` commands GET the resource and PUT it back: that must be a no-op.
#[test]
fn get_then_put_round_trips() {
    let lab = Lab::new();
    hub(&lab);
    lab.vnet(
        "other",
        "10.1.0.0/16",
        &[("GatewaySubnet", "10.1.255.0/27")],
    );
    lab.gateway("gw1", "hub", "p1");
    lab.gateway("gw2", "other", "p2");
    lab.ok(
        &conn_id("a"),
        conn_body(
            "Vnet2Vnet",
            "gw1",
            json!({"virtualNetworkGateway2": {"id": gw_id("gw2")}}),
            "k",
        ),
    );
    lab.ok(
        &conn_id("b"),
        conn_body(
            "Vnet2Vnet",
            "gw2",
            json!({"virtualNetworkGateway2": {"id": gw_id("gw1")}}),
            "k",
        ),
    );
    let mut nic = Lab::nic_body(&subnet_id("hub", "default"), None);
    nic["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] =
        json!({"id": pip_id("vmpip")});
    lab.pip("vmpip");
    lab.ok(&nic_id("n1"), nic);
    lab.vm("vm1", &["n1"]);
    for path in [
        gw_id("gw1"),
        conn_id("a"),
        nic_id("n1"),
        vm_id("vm1"),
        pip_id("vmpip"),
    ] {
        let before = lab.get(&path);
        let after = lab.ok(&path, before.clone());
        let strip = |mut v: serde_json::Value| {
            v["etag"] = json!(null);
            for c in v["properties"]["ipConfigurations"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                c["etag"] = json!(null);
            }
            v
        };
        assert_eq!(strip(after), strip(before), "{path}");
    }
    assert_eq!(
        lab.get(&conn_id("a"))["properties"]["connectionStatus"],
        "Connected",
        "the shared key survives a re-PUT without it"
    );
}
