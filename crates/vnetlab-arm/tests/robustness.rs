//! Bad input of any kind gets an ARM-shaped 4xx, never a panic or a 5xx, and a refused request
//! changes nothing. Random bodies are thrown at every resource type, over a small estate.

use proptest::prelude::*;
use serde_json::{json, Value};
use vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID as SUB;
use vnetlab_arm::{Arm, ArmRequest, Config, MemStore, Method};

fn rg() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/rg")
}

fn net(path: &str) -> String {
    format!("{}/providers/Microsoft.Network/{path}", rg())
}

/// A small estate every case starts from.
fn estate() -> Arm<MemStore> {
    let arm = Arm::new(
        MemStore::new(),
        Config {
            deterministic: true,
            ..Config::default()
        },
    );
    let ok = |req: ArmRequest| {
        let resp = arm.handle(&req);
        assert!(resp.is_success(), "{} -> {:?}", req.path, resp.body);
    };
    ok(ArmRequest::put(rg(), json!({"location": "eastus"})));
    ok(ArmRequest::put(
        net("networkSecurityGroups/nsg"),
        json!({"location": "eastus"}),
    ));
    ok(ArmRequest::put(
        net("routeTables/rt"),
        json!({"location": "eastus"}),
    ));
    for (name, prefix) in [("v1", "10.1.0.0/16"), ("v2", "10.2.0.0/16")] {
        ok(ArmRequest::put(
            net(&format!("virtualNetworks/{name}")),
            json!({"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [prefix]},
                "subnets": [{"name": "s", "properties": {"addressPrefix": prefix.replace("/16", "/24")}}]}}),
        ));
    }
    ok(ArmRequest::put(
        net("virtualNetworks/v1/virtualNetworkPeerings/p"),
        json!({"properties": {"remoteVirtualNetwork": {"id": net("virtualNetworks/v2")}}}),
    ));
    ok(ArmRequest::put(
        net("networkInterfaces/nic"),
        json!({"location": "eastus", "properties": {"ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": net("virtualNetworks/v1/subnets/s")}}}]}}),
    ));
    arm
}

/// Everything observable about the estate.
fn snapshot(arm: &Arm<MemStore>) -> Vec<Value> {
    [
        rg(),
        net("virtualNetworks/v1"),
        net("virtualNetworks/v2"),
        net("virtualNetworks/v1/virtualNetworkPeerings/p"),
        net("networkSecurityGroups/nsg"),
        net("routeTables/rt"),
        net("networkInterfaces/nic"),
    ]
    .iter()
    .map(|p| arm.handle(&ArmRequest::get(p)).body.unwrap_or(Value::Null))
    .collect()
}

const PATHS: &[&str] = &[
    "virtualNetworks/v1",
    "virtualNetworks/v3",
    "virtualNetworks/v1/subnets/s",
    "virtualNetworks/v1/subnets/t",
    "virtualNetworks/v2/virtualNetworkPeerings/q",
    "virtualNetworks/v1/virtualNetworkPeerings/p",
    "networkSecurityGroups/nsg",
    "networkSecurityGroups/nsg/securityRules/r",
    "networkSecurityGroups/nsg/defaultSecurityRules/DenyAllInBound",
    "routeTables/rt",
    "routeTables/rt/routes/r",
    "networkInterfaces/nic",
    "networkInterfaces/nic2",
    "publicIPAddresses/pip",
    "applicationSecurityGroups/asg",
    "virtualNetworkGateways/gw",
    "localNetworkGateways/lng",
    "connections/c",
    "privateDnsZones/zone.internal",
    "privateDnsZones/zone.internal/virtualNetworkLinks/l",
    "networkWatchers/w",
    "natGateways/nat",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("10.1.0.0/24".to_string()),
            Just("10.1.0.5/24".to_string()),
            Just("eastus".to_string()),
            Just("*".to_string()),
            Just("Tcp".to_string()),
            Just(net("virtualNetworks/v2")),
            Just(net("virtualNetworks/v1/subnets/s")),
            "[a-zA-Z0-9./*-]{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("properties".to_string()),
                        Just("location".to_string()),
                        Just("addressSpace".to_string()),
                        Just("addressPrefixes".to_string()),
                        Just("addressPrefix".to_string()),
                        Just("subnets".to_string()),
                        Just("remoteVirtualNetwork".to_string()),
                        Just("id".to_string()),
                        Just("priority".to_string()),
                        Just("ipConfigurations".to_string()),
                        Just("tags".to_string()),
                        "[a-zA-Z]{1,8}",
                    ],
                    inner,
                ),
                0..5,
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn bad_requests_are_4xx_and_change_nothing(
        path in prop::sample::select(PATHS),
        method in prop::sample::select(&[Method::Put, Method::Put, Method::Put, Method::Patch, Method::Delete, Method::Post][..]),
        body in arb_json(),
    ) {
        let arm = estate();
        let before = snapshot(&arm);
        let mut req = ArmRequest::new(method, net(path));
        if method != Method::Delete {
            req = req.with_body(body);
        }
        let resp = arm.handle(&req);
        prop_assert!(resp.status < 500, "{:?} {} -> {} {:?}", method, path, resp.status, resp.body);
        if !resp.is_success() {
            let err = resp.body.as_ref().and_then(|b| b.get("error")).cloned().unwrap_or(Value::Null);
            prop_assert!(err.get("code").and_then(Value::as_str).is_some_and(|c| !c.is_empty()), "no ARM error body: {:?}", resp.body);
            prop_assert!(err.get("message").and_then(Value::as_str).is_some(), "no message: {:?}", resp.body);
            prop_assert_eq!(snapshot(&arm), before, "a refused {:?} {} changed the state", method, path);
        }
    }

    #[test]
    fn arbitrary_paths_never_panic(path in "(/[a-zA-Z0-9.%_-]{0,12}){0,12}", method in prop::sample::select(&[Method::Get, Method::Put, Method::Delete, Method::Post, Method::Head][..])) {
        let arm = estate();
        let resp = arm.handle(&ArmRequest::new(method, path).with_body(json!({})));
        prop_assert!(resp.status < 500, "{:?}", resp);
    }
}
