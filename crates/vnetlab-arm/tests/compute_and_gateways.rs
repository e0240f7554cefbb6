//! NICs, public IPs and VMs: private IP allocation, references and back-references,
//! attach/detach, power state, secrets. (Gateways, connections and private DNS are in
//! `gateways_and_connections.rs` and `private_dns_zones.rs`.)

mod compute_support;

use compute_support::*;
use serde_json::{json, Value};

fn lab_with_subnets() -> Lab {
    let lab = Lab::new();
    lab.vnet(
        "v1",
        "10.0.0.0/16",
        &[("app", "10.0.1.0/24"), ("tiny", "10.0.9.0/29")],
    );
    lab
}

#[test]
fn dynamic_allocation_is_lowest_free_from_dot_four() {
    let lab = lab_with_subnets();
    let app = subnet_id("v1", "app");
    assert_eq!(nic_ip(&lab.nic("n1", &app, None)), "10.0.1.4");
    assert_eq!(nic_ip(&lab.nic("n2", &app, None)), "10.0.1.5");
    assert_eq!(lab.delete(&nic_id("n1")).status, 200);
    assert_eq!(
        nic_ip(&lab.nic("n3", &app, None)),
        "10.0.1.4",
        "a freed address is reused"
    );
    // An update keeps the dynamic address, even when a lower one is free.
    assert_eq!(lab.delete(&nic_id("n3")).status, 200);
    assert_eq!(nic_ip(&lab.nic("n2", &app, None)), "10.0.1.5");
    lab.nic("n3", &app, None);
    let n2 = lab.get(&nic_id("n2"));
    let cfg = &n2["properties"]["ipConfigurations"][0];
    assert_eq!(cfg["properties"]["privateIPAllocationMethod"], "Dynamic");
    assert_eq!(cfg["properties"]["privateIPAddressVersion"], "IPv4");
    assert_eq!(cfg["properties"]["primary"], true);
    assert_eq!(
        cfg["type"],
        "Microsoft.Network/networkInterfaces/ipConfigurations"
    );
    assert_eq!(
        cfg["etag"], n2["etag"],
        "an ipconfig reports its NIC's etag"
    );
    assert_eq!(n2["properties"]["nicType"], "Standard");
    assert_eq!(n2["properties"]["enableIPForwarding"], false);
    assert!(
        n2["properties"].get("macAddress").is_none(),
        "no MAC before a VM attaches"
    );
    let suffix = n2["properties"]["dnsSettings"]["internalDomainNameSuffix"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(suffix.ends_with(".bx.internal.cloudapp.net"), "{suffix}");
    let n3 = lab.get(&nic_id("n3"));
    assert_eq!(
        n3["properties"]["dnsSettings"]["internalDomainNameSuffix"],
        suffix.as_str(),
        "one suffix per VNet"
    );
    // The ipconfig is addressable on its own.
    let single = lab.get(&format!("{}/ipConfigurations/ipconfig1", nic_id("n2")));
    assert_eq!(single["properties"]["privateIPAddress"], "10.0.1.5");
}

#[test]
fn static_addresses_are_checked() {
    let lab = lab_with_subnets();
    let app = subnet_id("v1", "app");
    lab.nic("s1", &app, Some("10.0.1.50"));
    let e = lab.fails(
        &nic_id("s2"),
        Lab::nic_body(&app, Some("10.0.1.50")),
        400,
        "PrivateIPAddressIsAllocated",
    );
    assert_eq!(
        e.message,
        format!(
            "IP configuration {}/ipConfigurations/ipconfig1 is using the private IP address 10.0.1.50 which is already allocated to resource {}/ipConfigurations/ipconfig1.",
            nic_id("s2"),
            nic_id("s1")
        )
    );
    let e = lab.fails(
        &nic_id("s2"),
        Lab::nic_body(&app, Some("10.0.2.10")),
        400,
        "PrivateIPAddressNotInSubnet",
    );
    assert_eq!(e.message, "Private static IP address 10.0.2.10 does not belong to the range of subnet prefix 10.0.1.0/24.");
    for reserved in ["10.0.1.0", "10.0.1.1", "10.0.1.3", "10.0.1.255"] {
        let e = lab.fails(
            &nic_id("s2"),
            Lab::nic_body(&app, Some(reserved)),
            400,
            "PrivateIPAddressInReservedRange",
        );
        assert_eq!(e.message, format!("Private static IP address {reserved} falls within reserved IP range of subnet prefix 10.0.1.0/24."));
    }
    lab.fails(
        &nic_id("s2"),
        Lab::nic_body(&app, Some("not-an-ip")),
        400,
        "InvalidPrivateIPAddressFormat",
    );
    // A dynamic NIC skips the static address; re-PUT of the static owner keeps it.
    lab.nic("d1", &app, Some("10.0.1.4"));
    assert_eq!(nic_ip(&lab.nic("d2", &app, None)), "10.0.1.5");
    assert_eq!(nic_ip(&lab.nic("s1", &app, Some("10.0.1.50"))), "10.0.1.50");
}

#[test]
fn a_slash_29_holds_three() {
    let lab = lab_with_subnets();
    let tiny = subnet_id("v1", "tiny");
    let ips: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|n| nic_ip(&lab.nic(n, &tiny, None)))
        .collect();
    assert_eq!(ips, ["10.0.9.4", "10.0.9.5", "10.0.9.6"]);
    let e = lab.fails(
        &nic_id("d"),
        Lab::nic_body(&tiny, None),
        400,
        "SubnetIsFull",
    );
    assert_eq!(e.message, format!("Subnet {tiny} with address prefix 10.0.9.0/29 does not have enough capacity for 1 IP addresses."));
    assert_eq!(
        lab.get_status(&nic_id("d")),
        404,
        "a failed PUT creates nothing"
    );
}

#[test]
fn subnet_in_use_cannot_be_deleted_and_shows_back_references() {
    let lab = lab_with_subnets();
    let app = subnet_id("v1", "app");
    lab.ok(
        &net("networkSecurityGroups/nsg1"),
        json!({"location": "eastus"}),
    );
    let mut body = Lab::nic_body(&app, None);
    body["properties"]["networkSecurityGroup"] = json!({"id": net("networkSecurityGroups/nsg1")});
    lab.ok(&nic_id("n1"), body);
    let cfg = format!("{}/ipConfigurations/ipconfig1", nic_id("n1"));
    let subnet = lab.get(&app);
    assert_eq!(
        subnet["properties"]["ipConfigurations"],
        json!([{"id": cfg}])
    );
    let nsg = lab.get(&net("networkSecurityGroups/nsg1"));
    assert_eq!(
        nsg["properties"]["networkInterfaces"][0]["id"],
        nic_id("n1")
    );
    let e = expect_err(lab.delete(&app), 400, "InUseSubnetCannotBeDeleted");
    assert!(e.message.contains(&cfg), "{}", e.message);
    // Omitting the subnet from a VNet PUT is a delete too.
    lab.fails(&vnet_id("v1"), json!({"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [{"name": "tiny", "properties": {"addressPrefix": "10.0.9.0/29"}}]}}), 400, "InUseSubnetCannotBeDeleted");
    // Deleting the NIC frees the subnet.
    assert_eq!(lab.delete(&nic_id("n1")).status, 200);
    assert!(lab.get(&app)["properties"]
        .get("ipConfigurations")
        .is_none());
    assert_eq!(lab.delete(&app).status, 200);
}

#[test]
fn nic_references_are_validated() {
    let lab = lab_with_subnets();
    lab.vnet("v2", "10.1.0.0/16", &[("s", "10.1.0.0/24")]);
    lab.vnet_in("westus", "w", "10.2.0.0/16", &[("s", "10.2.0.0/24")]);
    let app = subnet_id("v1", "app");
    lab.fails(
        &nic_id("n"),
        Lab::nic_body(&subnet_id("v1", "nope"), None),
        400,
        "InvalidResourceReference",
    );
    lab.fails(
        &nic_id("n"),
        Lab::nic_body(&subnet_id("w", "s"), None),
        400,
        "InvalidResourceReference",
    );
    lab.fails(&nic_id("n"), json!({"location": "eastus", "properties": {"ipConfigurations": [{"name": "c", "properties": {}}]}}), 400, "SubnetReferenceRequired");
    lab.fails(
        &nic_id("n"),
        json!({"location": "eastus", "properties": {}}),
        400,
        "NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
    );
    let two = json!({"location": "eastus", "properties": {"ipConfigurations": [
        {"name": "a", "properties": {"subnet": {"id": app}}},
        {"name": "b", "properties": {"subnet": {"id": subnet_id("v2", "s")}}}]}});
    lab.fails(
        &nic_id("n"),
        two,
        400,
        "IpConfigurationsOfNicMustBeInSameVnet",
    );
    lab.nic("n", &app, None);
    lab.fails(
        &nic_id("n"),
        Lab::nic_body(&subnet_id("v2", "s"), None),
        400,
        "CannotChangeVirtualNetworkOfNetworkInterface",
    );
    // Moving within the VNet is fine.
    assert_eq!(
        nic_ip(&lab.nic("n", &subnet_id("v1", "tiny"), None)),
        "10.0.9.4"
    );
    let mut bad = Lab::nic_body(&app, None);
    bad["properties"]["networkSecurityGroup"] = json!({"id": net("networkSecurityGroups/missing")});
    lab.fails(&nic_id("n"), bad, 400, "InvalidResourceReference");
    // Application security groups are referenced per IP configuration.
    lab.ok(
        &net("applicationSecurityGroups/web"),
        json!({"location": "eastus"}),
    );
    let mut with_asg = Lab::nic_body(&app, None);
    with_asg["properties"]["ipConfigurations"][0]["properties"]["applicationSecurityGroups"] =
        json!([{"id": net("applicationSecurityGroups/web")}]);
    let nic = lab.ok(&nic_id("n"), with_asg);
    assert_eq!(
        nic["properties"]["ipConfigurations"][0]["properties"]["applicationSecurityGroups"],
        json!([{"id": net("applicationSecurityGroups/web")}])
    );
    let mut bad_asg = Lab::nic_body(&app, None);
    bad_asg["properties"]["ipConfigurations"][0]["properties"]["applicationSecurityGroups"] =
        json!([{"id": net("applicationSecurityGroups/missing")}]);
    lab.fails(&nic_id("n"), bad_asg, 400, "InvalidResourceReference");
    // Two ipconfigs: the first is primary unless one says so.
    let two = json!({"location": "eastus", "properties": {"ipConfigurations": [
        {"name": "a", "properties": {"subnet": {"id": app}}},
        {"name": "b", "properties": {"subnet": {"id": app}, "primary": true}}]}});
    let nic = lab.ok(&nic_id("m"), two);
    let cfgs = nic["properties"]["ipConfigurations"].as_array().unwrap();
    assert_eq!(
        (
            cfgs[0]["properties"]["primary"].clone(),
            cfgs[1]["properties"]["primary"].clone()
        ),
        (json!(false), json!(true))
    );
}

#[test]
fn public_ips_allocate_attach_and_refuse_delete() {
    let lab = lab_with_subnets();
    let app = subnet_id("v1", "app");
    let pip = lab.ok(&pip_id("p1"), json!({"location": "eastus", "properties": {"dnsSettings": {"domainNameLabel": "mydns123"}}, "zones": ["1", "2", "3"]}));
    assert_eq!(pip["sku"], json!({"name": "Standard", "tier": "Regional"}));
    assert_eq!(pip["properties"]["publicIPAllocationMethod"], "Static");
    assert_eq!(pip["properties"]["idleTimeoutInMinutes"], 4);
    assert_eq!(
        pip["properties"]["dnsSettings"]["fqdn"],
        "mydns123.eastus.cloudapp.azure.com"
    );
    assert_eq!(pip["zones"], json!(["1", "2", "3"]));
    let addr = pip["properties"]["ipAddress"].as_str().unwrap().to_string();
    assert!(addr.starts_with("20."), "{addr}");
    let again = lab.ok(&pip_id("p1"), json!({"location": "eastus"}));
    assert_eq!(
        again["properties"]["ipAddress"],
        addr.as_str(),
        "the address is stable"
    );
    let other = lab.ok(&pip_id("p2"), json!({"location": "eastus"}));
    assert_ne!(other["properties"]["ipAddress"], addr.as_str());
    let e = lab.fails(&pip_id("p3"), json!({"location": "eastus", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Dynamic"}}), 400, "StandardSkuPublicIPAddressesMustBeStatic");
    assert_eq!(
        e.message,
        format!(
            "Standard sku publicIp {} must have AllocationMethod set to Static.",
            pip_id("p3")
        )
    );
    // Basic + Dynamic: no address until attached.
    let basic = lab.ok(
        &pip_id("pb"),
        json!({"location": "eastus", "sku": {"name": "Basic"}}),
    );
    assert_eq!(basic["properties"]["publicIPAllocationMethod"], "Dynamic");
    assert!(basic["properties"].get("ipAddress").is_none());

    let mut body = Lab::nic_body(&app, None);
    body["properties"]["ipConfigurations"][0]["properties"]["publicIPAddress"] =
        json!({"id": pip_id("p1")});
    lab.ok(&nic_id("n1"), body.clone());
    let cfg = format!("{}/ipConfigurations/ipconfig1", nic_id("n1"));
    assert_eq!(
        lab.get(&pip_id("p1"))["properties"]["ipConfiguration"]["id"],
        cfg.as_str()
    );
    let e = lab.fails(&nic_id("n2"), body, 400, "PublicIPAddressInUse");
    assert_eq!(e.message, format!("Resource {}/ipConfigurations/ipconfig1 is referencing public IP address {} that is already allocated to resource {cfg}.", nic_id("n2"), pip_id("p1")));
    let e = expect_err(
        lab.delete(&pip_id("p1")),
        400,
        "PublicIPAddressCannotBeDeleted",
    );
    assert!(
        e.message.contains(&cfg) && e.message.contains("aka.ms/deletepublicip"),
        "{}",
        e.message
    );
    // Detach (re-PUT without the public IP), then delete.
    lab.nic("n1", &app, None);
    assert!(lab.get(&pip_id("p1"))["properties"]
        .get("ipConfiguration")
        .is_none());
    assert_eq!(lab.delete(&pip_id("p1")).status, 200);
}

#[test]
fn vm_attach_power_and_detach() {
    let lab = lab_with_subnets();
    let app = subnet_id("v1", "app");
    lab.nic("n1", &app, None);
    let vm = lab.vm("vm1", &["n1"]);
    assert_eq!(
        vm["properties"]["hardwareProfile"]["vmSize"],
        "Standard_D2s_v5"
    );
    assert_eq!(vm["properties"]["provisioningState"], "Succeeded");
    assert!(vm["properties"]["vmId"]
        .as_str()
        .is_some_and(|g| g.len() == 36));
    assert_eq!(
        vm["properties"]["storageProfile"]["osDisk"]["osType"],
        "Linux"
    );
    assert_eq!(
        vm["properties"]["storageProfile"]["osDisk"]["createOption"],
        "FromImage"
    );
    assert!(vm.get("vnetlabInternal").is_none() && vm["properties"].get("instanceView").is_none());

    let nic = lab.get(&nic_id("n1"));
    assert_eq!(nic["properties"]["virtualMachine"]["id"], vm_id("vm1"));
    assert_eq!(nic["properties"]["primary"], true);
    let mac = nic["properties"]["macAddress"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(mac.starts_with("00-0D-3A-") && mac.len() == 17, "{mac}");
    assert_eq!(
        lab.get(&nic_id("n1"))["properties"]["macAddress"],
        mac.as_str(),
        "stable MAC"
    );

    let e = expect_err(lab.delete(&nic_id("n1")), 400, "NicInUse");
    assert_eq!(
        e.message,
        format!("Network Interface {} is used by existing resource {}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.", nic_id("n1"), vm_id("vm1"))
    );
    lab.fails(&vm_id("vm2"), Lab::vm_body(&["n1"]), 400, "NicInUse");

    use vnetlab_arm::resources::virtual_machine::{instance_view, power_state};
    let view = |lab: &Lab| instance_view(&lab.stored(&vm_id("vm1")).unwrap());
    assert_eq!(
        view(&lab)["statuses"][0]["code"],
        "ProvisioningState/succeeded"
    );
    assert_eq!(view(&lab)["statuses"][1]["code"], "PowerState/running");
    for (action, state, display) in [
        ("powerOff", "stopped", "VM stopped"),
        ("start", "running", "VM running"),
        ("deallocate", "deallocated", "VM deallocated"),
    ] {
        let r = lab.post(&format!("{}/{action}", vm_id("vm1")));
        assert_eq!((r.status, r.body.clone()), (200, None), "{action}");
        assert_eq!(power_state(&lab.stored(&vm_id("vm1")).unwrap()), state);
        assert_eq!(view(&lab)["statuses"][1]["displayStatus"], display);
    }
    expect_err(
        lab.post(&format!("{}/restart", vm_id("vm1"))),
        409,
        "OperationNotAllowed",
    );
    lab.post(&format!("{}/start", vm_id("vm1")));
    assert_eq!(lab.post(&format!("{}/restart", vm_id("vm1"))).status, 200);
    expect_err(
        lab.post(&format!("{}/hibernate", vm_id("vm1"))),
        400,
        "NotSupportedByVnetlab",
    );
    // A re-PUT keeps the power state and identity.
    lab.post(&format!("{}/powerOff", vm_id("vm1")));
    let again = lab.vm("vm1", &["n1"]);
    assert_eq!(again["properties"]["vmId"], vm["properties"]["vmId"]);
    assert_eq!(power_state(&lab.stored(&vm_id("vm1")).unwrap()), "stopped");

    // Deleting the VM detaches its NIC, which stays.
    assert_eq!(lab.delete(&vm_id("vm1")).status, 200);
    let nic = lab.get(&nic_id("n1"));
    assert!(
        nic["properties"].get("virtualMachine").is_none()
            && nic["properties"].get("macAddress").is_none()
    );
    assert_eq!(lab.delete(&nic_id("n1")).status, 200);
}

#[test]
fn delete_option_delete_removes_the_nic_with_the_vm() {
    let lab = lab_with_subnets();
    lab.nic("keep", &subnet_id("v1", "app"), None);
    lab.nic("gone", &subnet_id("v1", "app"), None);
    let mut body = Lab::vm_body(&["gone", "keep"]);
    body["properties"]["networkProfile"]["networkInterfaces"][0]["properties"]["deleteOption"] =
        json!("Delete");
    lab.ok(&vm_id("vm1"), body);
    assert_eq!(lab.get(&nic_id("keep"))["properties"]["primary"], false);
    assert_eq!(lab.delete(&vm_id("vm1")).status, 200);
    assert_eq!(lab.get_status(&nic_id("gone")), 404);
    assert_eq!(lab.get_status(&nic_id("keep")), 200);
}

#[test]
fn vm_network_rules() {
    let lab = lab_with_subnets();
    lab.vnet("v2", "10.1.0.0/16", &[("s", "10.1.0.0/24")]);
    lab.nic("a", &subnet_id("v1", "app"), None);
    lab.nic("b", &subnet_id("v2", "s"), None);
    lab.fails(
        &vm_id("vm"),
        Lab::vm_body(&["a", "b"]),
        400,
        "SubnetsNotInSameVnet",
    );
    lab.fails(
        &vm_id("vm"),
        Lab::vm_body(&["missing"]),
        400,
        "InvalidResourceReference",
    );
    let mut none = Lab::vm_body(&["a"]);
    none["properties"]["networkProfile"] = json!({"networkInterfaces": []});
    lab.fails(&vm_id("vm"), none, 400, "InvalidParameter");
    let mut nosize = Lab::vm_body(&["a"]);
    nosize["properties"]["hardwareProfile"] = Value::Null;
    let e = lab.fails(&vm_id("vm"), nosize, 400, "InvalidParameter");
    assert_eq!(
        e.message,
        "Required parameter 'hardwareProfile' is missing (null)."
    );
    assert_eq!(
        lab.get(&nic_id("a"))["properties"].get("virtualMachine"),
        None,
        "failed PUTs attach nothing"
    );
}

#[test]
fn passwords_are_never_stored_or_returned() {
    let lab = lab_with_subnets();
    lab.nic("n1", &subnet_id("v1", "app"), None);
    let mut body = Lab::vm_body(&["n1"]);
    body["properties"]["osProfile"]["customData"] = json!("I2Nsb3VkLWNvbmZpZw==");
    let created = lab.ok(&vm_id("vm1"), body).to_string();
    let shown = lab.get(&vm_id("vm1")).to_string();
    let stored = lab.stored(&vm_id("vm1")).unwrap().to_string();
    let listed = lab
        .get(&id_in("rg", "Microsoft.Compute/virtualMachines"))
        .to_string();
    for text in [&created, &shown, &stored, &listed] {
        assert!(
            !text.contains("Sup3rSecret")
                && !text.contains("adminPassword")
                && !text.contains("customData"),
            "{text}"
        );
    }
    assert!(shown.contains("\"adminUsername\":\"azureuser\""));
}

#[test]
fn failed_puts_change_nothing() {
    let lab = lab_with_subnets();
    let app = subnet_id("v1", "app");
    lab.nic("n1", &app, Some("10.0.1.10"));
    let before = lab.get(&nic_id("n1"));
    // An update that fails half-way (second ipconfig conflicts) leaves the NIC as it was.
    lab.nic("n2", &app, Some("10.0.1.20"));
    let bad = json!({"location": "eastus", "properties": {"ipConfigurations": [
        {"name": "ipconfig1", "properties": {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.0.1.11", "subnet": {"id": app}}},
        {"name": "two", "properties": {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.0.1.20", "subnet": {"id": app}}}]}});
    lab.fails(&nic_id("n1"), bad, 400, "PrivateIPAddressIsAllocated");
    assert_eq!(lab.get(&nic_id("n1")), before);
    assert_eq!(
        lab.get(&app)["properties"]["ipConfigurations"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn malformed_bodies_are_errors_not_panics() {
    let lab = lab_with_subnets();
    let bodies = [
        json!({"location": "eastus", "properties": "x"}),
        json!({"location": 5}),
        json!({"location": "eastus", "properties": {"ipConfigurations": "x"}}),
        json!({"location": "eastus", "properties": {"ipConfigurations": [5]}}),
        json!({"location": "eastus", "properties": {"ipConfigurations": [{"name": "c", "properties": {"subnet": 7}}]}}),
        json!({"location": "eastus", "sku": 3, "zones": "1", "properties": {"networkProfile": [], "hardwareProfile": {"vmSize": 1}}}),
        json!({"location": "eastus", "properties": {"ipConfigurations": [{"name": "c", "properties": {"subnet": {"id": "garbage"}}}], "gatewayType": 3}}),
        json!({"location": "global", "properties": {"virtualNetwork": {"id": 4}, "localNetworkAddressSpace": {"addressPrefixes": [1]}}}),
    ];
    let paths = [
        nic_id("x"),
        pip_id("x"),
        vm_id("x"),
        gw_id("x"),
        lng_id("x"),
        conn_id("x"),
        zone_id("x.y"),
        format!("{}/virtualNetworkLinks/l", zone_id("x.y")),
        format!("{}/A/r", zone_id("x.y")),
    ];
    for p in &paths {
        for b in &bodies {
            let r = lab.put(p, b.clone());
            assert!(
                r.status == 400 || r.status == 404 || r.is_success(),
                "{p} {b}: {r:?}"
            );
        }
    }
}
