//! Lint findings for states the ARM layer refuses to create (so no `az` transcript can show
//! them) but that a state file written elsewhere, or by an older vnetlab, may hold: a VNet
//! using two remote gateways, and a VNet with its own gateway that also uses a remote one.

use serde_json::{json, Value};
use vnetlab_dataplane::generate::{generate, nic_id, vnet_id, Params};
use vnetlab_verify::{lint, Verifier};

fn codes(records: Vec<Value>) -> Vec<(String, String)> {
    let v = Verifier::new(records).expect("the estate models");
    lint::run(&v)
        .into_iter()
        .filter(|f| f.code.starts_with("remote-gateway"))
        .map(|f| (f.code.to_string(), f.resource_id))
        .collect()
}

fn estate() -> Vec<Value> {
    let mut p = Params::small(7);
    p.hubs = 2;
    generate(&p, &mut |_, _| {})
}

#[test]
fn the_generated_estate_uses_remote_gateways_correctly() {
    assert_eq!(codes(estate()), Vec::new());
}

#[test]
fn a_vnet_using_two_remote_gateways() {
    let mut r = estate();
    let spoke = vnet_id("spoke0");
    // spoke0 already uses hub0's gateway; a second link uses hub1's too.
    r.push(json!({
        "id": format!("{spoke}/virtualNetworkPeerings/to-hub1-too"),
        "name": "to-hub1-too",
        "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        "properties": {
            "remoteVirtualNetwork": { "id": vnet_id("hub1") },
            "peeringState": "Connected",
            "allowVirtualNetworkAccess": true,
            "useRemoteGateways": true
        }
    }));
    assert_eq!(codes(r), vec![("remote-gateway-twice".to_string(), spoke)]);
}

#[test]
fn a_vnet_with_its_own_gateway_using_a_remote_one() {
    let mut r = estate();
    let spoke = vnet_id("spoke1");
    let base = nic_id("x");
    let base = base.trim_end_matches("networkInterfaces/x");
    let gw = format!("{base}virtualNetworkGateways/spoke1-gw");
    r.push(json!({ "id": format!("{spoke}/subnets/GatewaySubnet"), "name": "GatewaySubnet", "type": "Microsoft.Network/virtualNetworks/subnets", "properties": { "addressPrefix": "10.17.3.224/27" } }));
    r.push(json!({ "id": gw, "name": "spoke1-gw", "type": "Microsoft.Network/virtualNetworkGateways", "location": "eastus", "properties": { "gatewayType": "Vpn", "vpnType": "RouteBased" } }));
    r.push(json!({ "id": format!("{gw}/ipConfigurations/default"), "name": "default", "type": "Microsoft.Network/virtualNetworkGateways/ipConfigurations", "properties": { "subnet": { "id": format!("{spoke}/subnets/GatewaySubnet") } } }));
    let found = codes(r);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "remote-gateway-with-own-gateway");
    assert!(
        found[0]
            .1
            .starts_with(&format!("{spoke}/virtualNetworkPeerings/")),
        "{found:?}"
    );
}
