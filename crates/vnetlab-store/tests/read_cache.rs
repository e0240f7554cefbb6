//! The router's read cache never answers from an older state than the file holds: after a
//! write through this connection, another connection, or another process, a GET gives what a
//! fresh router on a fresh connection gives (the same bytes).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use vnetlab_arm::{Arm, ArmRequest, ArmResponse, Config, JsonAnswer, Store};
use vnetlab_store::SqliteStore;

const SUB: &str = vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID;
/// Set in the child process of `a_write_from_another_process_is_seen`: the state it writes to.
const CHILD_STATE: &str = "VNETLAB_READ_CACHE_TEST_STATE";

fn group() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/rg")
}

fn vnet() -> String {
    format!("{}/providers/Microsoft.Network/virtualNetworks/v1", group())
}

fn subnet(name: &str) -> String {
    format!("{}/subnets/{name}", vnet())
}

fn temp_state(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("vnetlab-read-cache-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.db")
}

fn router(path: &Path) -> Arm<SqliteStore> {
    Arm::new(SqliteStore::open(path).unwrap(), Config::default())
}

fn ok(resp: ArmResponse) -> Value {
    assert!(resp.status < 300, "{:?}", resp.body);
    resp.body.unwrap_or(Value::Null)
}

fn setup(arm: &Arm<SqliteStore>) {
    ok(arm.handle(&ArmRequest::put(group(), json!({"location": "eastus"}))));
    ok(arm.handle(&ArmRequest::put(
        vnet(),
        json!({"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "s0", "properties": {"addressPrefix": "10.0.0.0/24"}}]}}),
    )));
}

/// The VNet GET through both entry points; they must agree byte for byte.
fn get_vnet(arm: &Arm<SqliteStore>) -> Vec<u8> {
    let req = ArmRequest::get(vnet());
    let body = serde_json::to_vec(&ok(arm.handle(&req))).unwrap();
    match arm.handle_json(&req) {
        JsonAnswer::Ok(json) => assert_eq!(&json[..], &body[..], "handle_json and handle differ"),
        JsonAnswer::Response(r) => panic!("a VNet GET answered {r:?}"),
    }
    body
}

/// What a router that has never cached anything answers.
fn fresh_vnet(path: &Path) -> Vec<u8> {
    get_vnet(&router(path))
}

fn subnet_names(body: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(body).unwrap();
    v["properties"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_write_through_another_connection_is_seen() {
    let path = temp_state("connection");
    let a = router(&path);
    setup(&a);
    let before = get_vnet(&a);
    assert_eq!(get_vnet(&a), before, "a repeated GET answers the same");

    let b = router(&path);
    ok(b.handle(&ArmRequest::put(
        subnet("s1"),
        json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
    )));
    let after = get_vnet(&a);
    assert_ne!(after, before);
    assert_eq!(subnet_names(&after), ["s0", "s1"]);
    assert_eq!(after, fresh_vnet(&path));

    // A change to a record the answer only derives from (not the VNet itself): the subnet's
    // back-reference to a NIC's IP configuration.
    ok(b.handle(&ArmRequest::put(
        format!(
            "{}/providers/Microsoft.Network/networkInterfaces/n1",
            group()
        ),
        json!({"location": "eastus", "properties": {"ipConfigurations": [
            {"name": "ip1", "properties": {"subnet": {"id": subnet("s1")}}}]}}),
    )));
    let with_nic = get_vnet(&a);
    assert_ne!(with_nic, after);
    assert!(String::from_utf8_lossy(&with_nic).contains("ipConfigurations"));
    assert_eq!(with_nic, fresh_vnet(&path));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_write_through_the_same_router_is_seen() {
    let path = temp_state("own");
    let a = router(&path);
    setup(&a);
    let before = get_vnet(&a);
    // Tags only: the VNet's etag and tags change, nothing else.
    ok(a.handle(
        &ArmRequest::new(vnetlab_arm::Method::Patch, vnet()).with_body(json!({"tags": {"k": "v"}})),
    ));
    let after = get_vnet(&a);
    assert_ne!(after, before);
    assert_eq!(after, fresh_vnet(&path));
    // A write through the store directly (not the router) is a new state as well.
    let key = vnetlab_arm::id::key_of(&subnet("s0"));
    assert!(a.store.write(|txn| txn.delete(&key)).unwrap());
    let deleted = get_vnet(&a);
    assert!(subnet_names(&deleted).is_empty());
    assert_eq!(deleted, fresh_vnet(&path));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_write_from_another_process_is_seen() {
    let path = temp_state("process");
    let a = router(&path);
    setup(&a);
    let before = get_vnet(&a);
    assert_eq!(subnet_names(&before), ["s0"]);

    // This test binary again, running only `child_process_writes_a_subnet`.
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_writes_a_subnet",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD_STATE, &path)
        .status()
        .expect("run the writer process");
    assert!(status.success(), "the writer process failed");

    let after = get_vnet(&a);
    assert_eq!(subnet_names(&after), ["s0", "s2"]);
    assert_eq!(after, fresh_vnet(&path));
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// The other process of `a_write_from_another_process_is_seen` (does nothing on its own).
#[test]
#[ignore = "run as a child process by a_write_from_another_process_is_seen"]
fn child_process_writes_a_subnet() {
    let Some(path) = std::env::var_os(CHILD_STATE) else {
        return;
    };
    let arm = router(Path::new(&path));
    ok(arm.handle(&ArmRequest::put(
        subnet("s2"),
        json!({"properties": {"addressPrefix": "10.0.2.0/24"}}),
    )));
}
