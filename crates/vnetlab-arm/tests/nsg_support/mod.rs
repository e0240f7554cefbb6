//! Shared helpers of the NSG / route-table integration tests (`nsg_*.rs`).
#![allow(dead_code)]

use serde_json::{json, Value};
pub use vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID as SUB;
use vnetlab_arm::{Arm, ArmRequest, ArmResponse, Config, MemStore};

pub type A = Arm<MemStore>;

pub fn net() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network")
}
pub fn nsg(name: &str) -> String {
    format!("{}/networkSecurityGroups/{name}", net())
}
pub fn rule(nsg_name: &str, name: &str) -> String {
    format!("{}/securityRules/{name}", nsg(nsg_name))
}
pub fn rt(name: &str) -> String {
    format!("{}/routeTables/{name}", net())
}
pub fn route(rt_name: &str, name: &str) -> String {
    format!("{}/routes/{name}", rt(rt_name))
}
pub fn asg(name: &str) -> String {
    format!("{}/applicationSecurityGroups/{name}", net())
}

pub fn arm() -> A {
    let a = Arm::new(MemStore::new(), Config::default());
    let r = a.handle(&ArmRequest::put(
        format!("/subscriptions/{SUB}/resourcegroups/rg"),
        json!({"location": "eastus"}),
    ));
    assert!(r.is_success(), "{r:?}");
    a
}

pub fn put(a: &A, path: &str, body: Value) -> ArmResponse {
    a.handle(&ArmRequest::put(path, body))
}
pub fn get(a: &A, path: &str) -> ArmResponse {
    a.handle(&ArmRequest::get(path))
}
pub fn delete(a: &A, path: &str) -> ArmResponse {
    a.handle(&ArmRequest::delete(path))
}
pub fn ok(r: ArmResponse) -> Value {
    assert!(
        r.is_success(),
        "expected success, got {} {:?}",
        r.status,
        r.body
    );
    r.body.unwrap_or(Value::Null)
}
pub fn err(r: &ArmResponse, status: u16, code: &str) -> String {
    assert_eq!(r.status, status, "{:?}", r.body);
    let e = r.to_error().expect("an error body");
    assert_eq!(e.code, code, "{}", e.message);
    e.message
}

/// A valid rule body; `patch` overrides/removes (`null`) properties.
pub fn rule_body(patch: Value) -> Value {
    let mut p = json!({
        "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "22",
        "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
        "access": "Allow", "priority": 100, "direction": "Inbound",
    });
    if let (Some(m), Some(o)) = (p.as_object_mut(), patch.as_object()) {
        for (k, v) in o {
            if v.is_null() {
                m.remove(k);
            } else {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    json!({ "properties": p })
}

pub fn etag(v: &Value) -> String {
    v["etag"].as_str().unwrap_or_default().to_string()
}

pub fn vnet_with(a: &A, subnet_props: Value) -> ArmResponse {
    put(
        a,
        &format!("{}/virtualNetworks/vnet1", net()),
        json!({"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
            "subnets": [{"name": "app", "properties": subnet_props}],
        }}),
    )
}
