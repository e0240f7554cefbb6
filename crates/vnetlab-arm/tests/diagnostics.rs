//! The data-plane ARM operations end to end through `Arm::handle`: effective routes and
//! security groups of a NIC, Network Watcher's ipFlowVerify / nextHop / connectivityCheck, and
//! a VM's runCommand — their answers, their request validation (ARM-shaped 4xx, never a 5xx or
//! a panic, on any body), and their refusals for NICs and VMs that are not running.

mod compute_support;

use compute_support::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use vnetlab_arm::{ArmRequest, ArmResponse};

fn watcher() -> String {
    id_in(
        "NetworkWatcherRG",
        "Microsoft.Network/networkWatchers/NetworkWatcher_eastus",
    )
}

/// vnetA 10.1.0.0/16 with vm1 (10.1.0.4) and vm2 (10.1.0.5), and a spare NIC (10.1.0.6).
fn lab() -> Lab {
    let lab = Lab::new();
    lab.vnet("vnetA", "10.1.0.0/16", &[("s", "10.1.0.0/24")]);
    lab.nic("nic1", &subnet_id("vnetA", "s"), None);
    lab.nic("nic2", &subnet_id("vnetA", "s"), None);
    lab.nic("spare", &subnet_id("vnetA", "s"), None);
    lab.vm("vm1", &["nic1"]);
    lab.vm("vm2", &["nic2"]);
    lab
}

fn post(lab: &Lab, path: &str, body: Value) -> ArmResponse {
    lab.arm.handle(&ArmRequest::post(path, body))
}

fn ok(r: ArmResponse) -> Value {
    assert!(r.is_success(), "{} {:?}", r.status, r.body);
    r.body.unwrap_or(Value::Null)
}

fn run(lab: &Lab, vm: &str, lines: &[&str]) -> String {
    let v = ok(post(
        lab,
        &format!("{}/runCommand", vm_id(vm)),
        json!({"commandId": "RunShellScript", "script": lines}),
    ));
    v["value"][0]["message"].as_str().unwrap().to_string()
}

#[test]
fn effective_routes_and_groups_of_a_running_vms_nic() {
    let lab = lab();
    let v = ok(post(
        &lab,
        &format!("{}/effectiveRouteTable", nic_id("nic1")),
        Value::Null,
    ));
    assert!(v["nextLink"].is_null());
    let first = &v["value"][0];
    assert_eq!(first["addressPrefix"], json!(["10.1.0.0/16"]));
    assert_eq!(first["nextHopType"], "VnetLocal");
    assert_eq!(first["source"], "Default");
    assert_eq!(first["state"], "Active");
    // No NSG anywhere: no groups.
    let v = ok(post(
        &lab,
        &format!("{}/effectiveNetworkSecurityGroups", nic_id("nic1")),
        Value::Null,
    ));
    assert_eq!(v["value"], json!([]));
}

#[test]
fn effective_views_need_a_nic_on_a_running_vm() {
    let lab = lab();
    let e = expect_err(
        post(
            &lab,
            &format!("{}/effectiveRouteTable", nic_id("spare")),
            Value::Null,
        ),
        400,
        "NetworkInterfaceNotAttachedToVirtualMachine",
    );
    assert!(e.message.contains("spare"));
    ok(post(&lab, &format!("{}/powerOff", vm_id("vm2")), json!({})));
    let e = expect_err(
        post(
            &lab,
            &format!("{}/effectiveNetworkSecurityGroups", nic_id("nic2")),
            Value::Null,
        ),
        400,
        "VirtualMachineNotRunning",
    );
    assert!(e.message.ends_with("is stopped."), "{}", e.message);
    expect_err(
        post(
            &lab,
            &format!("{}/effectiveRouteTable", nic_id("nope")),
            Value::Null,
        ),
        404,
        "ResourceNotFound",
    );
    expect_err(
        post(
            &lab,
            &format!("{}/somethingElse", nic_id("nic1")),
            Value::Null,
        ),
        400,
        "NotSupportedByVnetlab",
    );
}

#[test]
fn ip_flow_verify_and_next_hop_answer_from_the_model() {
    let lab = lab();
    let body = json!({"targetResourceId": vm_id("vm1"), "direction": "Outbound", "protocol": "TCP",
        "localIPAddress": "10.1.0.4", "localPort": "*", "remoteIPAddress": "10.1.0.5", "remotePort": "22"});
    let v = ok(post(&lab, &format!("{}/ipFlowVerify", watcher()), body));
    // No NSG: allowed, and no rule decided.
    assert_eq!(v, json!({"access": "Allow"}));
    let v = ok(post(
        &lab,
        &format!("{}/nextHop", watcher()),
        json!({"targetResourceId": vm_id("vm1"), "sourceIPAddress": "10.1.0.4", "destinationIPAddress": "10.1.0.5"}),
    ));
    assert_eq!(
        v,
        json!({"nextHopType": "VnetLocal", "routeTableId": "System Route"})
    );
    let v = ok(post(
        &lab,
        &format!("{}/nextHop", watcher()),
        json!({"targetResourceId": vm_id("vm1"), "sourceIPAddress": "10.1.0.4", "destinationIPAddress": "10.9.0.5"}),
    ));
    assert_eq!(v["nextHopType"], "None");
}

#[test]
fn watcher_requests_are_validated() {
    let lab = lab();
    let flow = json!({"targetResourceId": vm_id("vm1"), "direction": "Inbound", "protocol": "TCP",
        "localIPAddress": "10.1.0.4", "localPort": "22", "remoteIPAddress": "10.9.9.9", "remotePort": "50000"});
    let with = |k: &str, v: Value| {
        let mut b = flow.clone();
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v;
        }
        post(&lab, &format!("{}/ipFlowVerify", watcher()), b)
    };
    let e = expect_err(with("direction", Value::Null), 400, "InvalidRequestFormat");
    assert_eq!(e.details[0].code, "MissingJsonProperty");
    expect_err(
        with("direction", json!("Sideways")),
        400,
        "InvalidRequestFormat",
    );
    expect_err(with("protocol", json!("ICMP")), 400, "InvalidRequestFormat");
    expect_err(with("localPort", json!("70000")), 400, "InvalidPort");
    expect_err(
        with("remoteIPAddress", json!("10.9.9")),
        400,
        "InvalidIPAddress",
    );
    expect_err(
        with("remoteIPAddress", json!("fd00::1")),
        400,
        "NotSupportedByVnetlab",
    );
    expect_err(
        with("localIPAddress", json!("10.1.0.99")),
        400,
        "InvalidParameter",
    );
    expect_err(
        with("targetResourceId", json!(nic_id("nic1"))),
        400,
        "InvalidTargetResourceId",
    );
    expect_err(
        with("targetResourceId", json!(vm_id("nope"))),
        404,
        "ResourceNotFound",
    );
    expect_err(
        with("targetNicResourceId", json!(nic_id("nic2"))),
        400,
        "InvalidTargetNicResourceId",
    );
    ok(with("targetNicResourceId", json!(nic_id("nic1"))));
    expect_err(
        post(&lab, &format!("{}/ipFlowVerify", watcher()), json!([1, 2])),
        400,
        "InvalidRequestFormat",
    );
    expect_err(
        post(&lab, &format!("{}/topology", watcher()), json!({})),
        400,
        "NotSupportedByVnetlab",
    );
    // A VM of another region needs that region's watcher.
    lab.vnet_in("westus", "vnetW", "10.5.0.0/16", &[("s", "10.5.0.0/24")]);
    let mut nic = Lab::nic_body(&subnet_id("vnetW", "s"), None);
    nic["location"] = json!("westus");
    lab.ok(&nic_id("nicW"), nic);
    let mut vm = Lab::vm_body(&["nicW"]);
    vm["location"] = json!("westus");
    lab.ok(&vm_id("vmW"), vm);
    expect_err(
        with("targetResourceId", json!(vm_id("vmW"))),
        400,
        "TargetResourceNotInWatcherRegion",
    );
    // And a running one.
    ok(post(
        &lab,
        &format!("{}/deallocate", vm_id("vm1")),
        json!({}),
    ));
    let e = expect_err(
        with("direction", json!("Inbound")),
        400,
        "VirtualMachineNotRunning",
    );
    assert!(e.message.contains("deallocated"));
}

#[test]
fn connectivity_check_reports_reachability_and_validates() {
    let lab = lab();
    let path = format!("{}/connectivityCheck", watcher());
    let v = ok(post(
        &lab,
        &path,
        json!({"source": {"resourceId": vm_id("vm1")}, "destination": {"resourceId": vm_id("vm2"), "port": 22}}),
    ));
    assert_eq!(v["connectionStatus"], "Reachable");
    assert_eq!(v["probesSent"], 100);
    assert_eq!(v["probesFailed"], 0);
    assert!(v["avgLatencyInMs"].as_u64().unwrap() >= 1);
    assert_eq!(v["hops"][0]["type"], "Source");
    assert_eq!(v["hops"][0]["address"], "10.1.0.4");
    // Nothing listens on 80 (sshd only): refused.
    let v = ok(post(
        &lab,
        &path,
        json!({"source": {"resourceId": vm_id("vm1")}, "destination": {"address": "10.1.0.5", "port": 80}}),
    ));
    assert_eq!(v["connectionStatus"], "Unreachable");
    assert!(v.get("avgLatencyInMs").is_none());
    expect_err(
        post(
            &lab,
            &path,
            json!({"source": {"resourceId": vm_id("vm1")}, "destination": {}}),
        ),
        400,
        "InvalidDestination",
    );
    expect_err(
        post(
            &lab,
            &path,
            json!({"source": {"resourceId": vm_id("vm1")}, "destination": {"address": "10.1.0.5"}}),
        ),
        400,
        "InvalidDestinationPort",
    );
    let v = ok(post(
        &lab,
        &path,
        json!({"source": {"resourceId": vm_id("vm1")}, "destination": {"address": "10.1.0.5"}, "protocol": "Icmp"}),
    ));
    assert_eq!(v["connectionStatus"], "Reachable");
    expect_err(
        post(
            &lab,
            &path,
            json!({"destination": {"address": "10.1.0.5", "port": 22}}),
        ),
        400,
        "InvalidRequestFormat",
    );
    expect_err(
        post(
            &lab,
            &path,
            json!({"source": {"resourceId": vm_id("vm1")}, "destination": {"address": "www.bing.com", "port": 80}}),
        ),
        400,
        "NotSupportedByVnetlab",
    );
}

#[test]
fn run_command_runs_scripts_and_counts_its_runs() {
    let lab = lab();
    let m = run(&lab, "vm1", &["echo hello"]);
    assert_eq!(m, "Enable succeeded: \n[stdout]\nhello\n\n[stderr]\n");
    let m = run(&lab, "vm1", &["nosuch"]);
    assert_eq!(
        m,
        "Enable succeeded: \n[stdout]\n\n[stderr]\n/var/lib/waagent/run-command/download/1/script.sh: line 1: nosuch: command not found\n"
    );
    // A refused call does not count as a run.
    expect_err(
        post(
            &lab,
            &format!("{}/runCommand", vm_id("vm1")),
            json!({"commandId": "RunShellScript", "script": ["ip addr"]}),
        ),
        400,
        "NotSupportedByVnetlab",
    );
    let m = run(&lab, "vm1", &["nosuch"]);
    assert!(m.contains("/download/2/script.sh"), "{m}");
    // Power cycles keep the count; the record never shows it.
    ok(post(&lab, &format!("{}/restart", vm_id("vm1")), json!({})));
    let m = run(&lab, "vm1", &["nosuch"]);
    assert!(m.contains("/download/3/script.sh"), "{m}");
    let shown = lab.get(&vm_id("vm1"));
    assert!(shown.get("vnetlabInternal").is_none());
    let m = run(&lab, "vm1", &["ping -c 1 -q 10.1.0.5"]);
    assert!(
        m.contains("1 packets transmitted, 1 received, 0% packet loss"),
        "{m}"
    );
}

#[test]
fn run_command_requests_are_validated() {
    let lab = lab();
    let path = format!("{}/runCommand", vm_id("vm1"));
    let e = expect_err(
        post(&lab, &path, json!({"script": ["echo"]})),
        400,
        "InvalidParameter",
    );
    assert_eq!(
        e.message,
        "Required parameter 'commandId' is missing (null)."
    );
    expect_err(
        post(
            &lab,
            &path,
            json!({"commandId": "RunShellScript", "script": "echo"}),
        ),
        400,
        "InvalidRequestFormat",
    );
    expect_err(
        post(&lab, &path, json!({"commandId": "RunPowerShellScript"})),
        409,
        "Conflict",
    );
    expect_err(
        post(&lab, &path, json!({"commandId": "ifconfig"})),
        400,
        "NotSupportedByVnetlab",
    );
    expect_err(
        post(&lab, &path, json!({"commandId": "Nope"})),
        400,
        "InvalidParameter",
    );
    let v = ok(post(&lab, &path, json!({"commandId": "runshellscript"})));
    assert_eq!(
        v["value"][0]["message"],
        "Enable succeeded: \n[stdout]\n\n[stderr]\n"
    );
    ok(post(&lab, &format!("{}/powerOff", vm_id("vm1")), json!({})));
    let e = expect_err(
        post(&lab, &path, json!({"commandId": "RunShellScript"})),
        409,
        "OperationNotAllowed",
    );
    assert!(e.message.contains("not running"));
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("10.1.0.4".to_string()),
            Just("10.1.0.5".to_string()),
            Just("*".to_string()),
            Just("TCP".to_string()),
            Just("Inbound".to_string()),
            Just("RunShellScript".to_string()),
            Just("ping -c 1 10.1.0.5".to_string()),
            Just("echo 'x".to_string()),
            Just(vm_id("vm1")),
            Just(nic_id("nic1")),
            "[a-zA-Z0-9 .:$;&|'\"*-]{0,16}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "targetResourceId",
                        "targetNicResourceId",
                        "direction",
                        "protocol",
                        "localIPAddress",
                        "localPort",
                        "remoteIPAddress",
                        "remotePort",
                        "sourceIPAddress",
                        "destinationIPAddress",
                        "source",
                        "destination",
                        "resourceId",
                        "address",
                        "port",
                        "commandId",
                        "script",
                        "parameters",
                        "name",
                        "value",
                    ])
                    .prop_map(str::to_string),
                    inner,
                ),
                0..6,
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_body_gets_an_answer_or_an_arm_4xx(
        action in prop::sample::select(vec!["ipFlowVerify", "nextHop", "connectivityCheck", "runCommand", "effectiveRouteTable"]),
        body in arb_json(),
    ) {
        let lab = lab();
        let path = match action {
            "runCommand" => format!("{}/runCommand", vm_id("vm1")),
            "effectiveRouteTable" => format!("{}/effectiveRouteTable", nic_id("nic1")),
            a => format!("{}/{a}", watcher()),
        };
        let r = post(&lab, &path, body);
        prop_assert!(r.status < 500, "{} -> {} {:?}", path, r.status, r.body);
        if !r.is_success() {
            let e = r.to_error().unwrap();
            prop_assert!(!e.code.is_empty() && !e.message.is_empty(), "{:?}", r.body);
        }
    }
}
