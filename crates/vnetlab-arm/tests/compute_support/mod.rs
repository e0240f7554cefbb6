//! Shared helpers of the compute / gateway / private DNS integration tests.
#![allow(dead_code)]

use serde_json::{json, Value};
pub use vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID as SUB;
use vnetlab_arm::{Arm, ArmError, ArmRequest, ArmResponse, Config, MemStore, Store};

pub struct Lab {
    pub arm: Arm<MemStore>,
}

/// `/subscriptions/S/resourceGroups/{rg}/providers/{ns_path}`.
pub fn id_in(rg: &str, ns_path: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{rg}/providers/{ns_path}")
}
pub fn net(path: &str) -> String {
    id_in("rg", &format!("Microsoft.Network/{path}"))
}
pub fn vnet_id(name: &str) -> String {
    net(&format!("virtualNetworks/{name}"))
}
pub fn subnet_id(vnet: &str, subnet: &str) -> String {
    format!("{}/subnets/{subnet}", vnet_id(vnet))
}
pub fn nic_id(name: &str) -> String {
    net(&format!("networkInterfaces/{name}"))
}
pub fn pip_id(name: &str) -> String {
    net(&format!("publicIPAddresses/{name}"))
}
pub fn vm_id(name: &str) -> String {
    id_in("rg", &format!("Microsoft.Compute/virtualMachines/{name}"))
}
pub fn gw_id(name: &str) -> String {
    net(&format!("virtualNetworkGateways/{name}"))
}
pub fn lng_id(name: &str) -> String {
    net(&format!("localNetworkGateways/{name}"))
}
pub fn conn_id(name: &str) -> String {
    net(&format!("connections/{name}"))
}
pub fn zone_id(name: &str) -> String {
    net(&format!("privateDnsZones/{name}"))
}

impl Lab {
    /// A fresh state with resource group `rg` in eastus.
    pub fn new() -> Lab {
        let lab = Lab {
            arm: Arm::new(MemStore::new(), Config::default()),
        };
        lab.ok(
            &format!("/subscriptions/{SUB}/resourcegroups/rg"),
            json!({"location": "eastus"}),
        );
        lab
    }

    pub fn put(&self, path: &str, body: Value) -> ArmResponse {
        self.arm.handle(&ArmRequest::put(path, body))
    }

    /// PUT that must succeed; returns the body.
    pub fn ok(&self, path: &str, body: Value) -> Value {
        let r = self.put(path, body);
        assert!(
            r.is_success(),
            "PUT {path} failed: {} {:?}",
            r.status,
            r.body
        );
        r.body.unwrap_or(Value::Null)
    }

    /// PUT that must fail with this status and code; returns the error.
    pub fn fails(&self, path: &str, body: Value, status: u16, code: &str) -> ArmError {
        expect_err(self.put(path, body), status, code)
    }

    pub fn get(&self, path: &str) -> Value {
        let r = self.arm.handle(&ArmRequest::get(path));
        assert!(
            r.is_success(),
            "GET {path} failed: {} {:?}",
            r.status,
            r.body
        );
        r.body.unwrap_or(Value::Null)
    }

    pub fn get_status(&self, path: &str) -> u16 {
        self.arm.handle(&ArmRequest::get(path)).status
    }

    pub fn delete(&self, path: &str) -> ArmResponse {
        self.arm.handle(&ArmRequest::delete(path))
    }

    pub fn post(&self, path: &str) -> ArmResponse {
        self.arm.handle(&ArmRequest::post(path, json!({})))
    }

    /// The raw stored record (what the store holds, before rendering).
    pub fn stored(&self, path: &str) -> Option<Value> {
        let key = vnetlab_arm::id::key_of(path);
        self.arm
            .store
            .read(|txn| txn.get(&key))
            .expect("store read")
    }

    /// A VNet with the given subnets `(name, prefix)`.
    pub fn vnet(&self, name: &str, space: &str, subnets: &[(&str, &str)]) -> Value {
        self.vnet_in("eastus", name, space, subnets)
    }

    pub fn vnet_in(
        &self,
        location: &str,
        name: &str,
        space: &str,
        subnets: &[(&str, &str)],
    ) -> Value {
        let subnets: Vec<Value> = subnets
            .iter()
            .map(|(n, p)| json!({"name": n, "properties": {"addressPrefix": p}}))
            .collect();
        self.ok(&vnet_id(name), json!({"location": location, "properties": {"addressSpace": {"addressPrefixes": [space]}, "subnets": subnets}}))
    }

    /// A NIC with one IP configuration `ipconfig1` in `subnet` (Dynamic, or Static at `ip`).
    pub fn nic_body(subnet: &str, ip: Option<&str>) -> Value {
        let mut cfg = json!({"privateIPAllocationMethod": "Dynamic", "subnet": {"id": subnet}});
        if let Some(ip) = ip {
            cfg = json!({"privateIPAllocationMethod": "Static", "privateIPAddress": ip, "subnet": {"id": subnet}});
        }
        json!({"location": "eastus", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": cfg}]}})
    }

    pub fn nic(&self, name: &str, subnet: &str, ip: Option<&str>) -> Value {
        self.ok(&nic_id(name), Self::nic_body(subnet, ip))
    }

    pub fn pip(&self, name: &str) -> Value {
        self.ok(&pip_id(name), json!({"location": "eastus", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}))
    }

    /// A Linux VM (as `az vm create`'s template sends it) on the given NICs.
    pub fn vm_body(nics: &[&str]) -> Value {
        let nics: Vec<Value> = nics.iter().enumerate().map(|(i, n)| json!({"id": nic_id(n), "properties": {"primary": i == 0, "deleteOption": null}})).collect();
        json!({
            "location": "eastus",
            "properties": {
                "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
                "networkProfile": {"networkInterfaces": nics},
                "storageProfile": {
                    "osDisk": {"createOption": "fromImage", "name": null, "caching": "ReadWrite", "managedDisk": {"storageAccountType": null}},
                    "imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}
                },
                "osProfile": {"computerName": "vm", "adminUsername": "azureuser", "adminPassword": "Sup3rSecret!Passw0rd",
                              "linuxConfiguration": {"disablePasswordAuthentication": false}}
            }
        })
    }

    pub fn vm(&self, name: &str, nics: &[&str]) -> Value {
        self.ok(&vm_id(name), Self::vm_body(nics))
    }

    /// A route-based VPN gateway on `vnet`'s GatewaySubnet with public IP `pip`.
    pub fn gw_body(vnet: &str, pip: &str, sku: &str) -> Value {
        json!({"location": "eastus", "properties": {
            "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": sku, "tier": sku}, "activeActive": false,
            "ipConfigurations": [{"name": "vnetGatewayConfig0", "properties": {"privateIPAllocationMethod": "Dynamic",
                "subnet": {"id": subnet_id(vnet, "GatewaySubnet")}, "publicIPAddress": {"id": pip_id(pip)}}}]}})
    }

    pub fn gateway(&self, name: &str, vnet: &str, pip: &str) -> Value {
        self.pip(pip);
        self.ok(&gw_id(name), Self::gw_body(vnet, pip, "VpnGw1"))
    }
}

impl Default for Lab {
    fn default() -> Self {
        Self::new()
    }
}

pub fn expect_err(r: ArmResponse, status: u16, code: &str) -> ArmError {
    let e = r
        .to_error()
        .unwrap_or_else(|| panic!("expected {status} {code}, got success {:?}", r.body));
    assert_eq!((e.status, e.code.as_str()), (status, code), "{}", e.message);
    e
}

/// `properties.ipConfigurations[0].properties.privateIPAddress` of a NIC body.
pub fn nic_ip(nic: &Value) -> String {
    nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}
