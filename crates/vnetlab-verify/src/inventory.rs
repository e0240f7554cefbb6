//! What the estate is called: resources by resource group and name, their addresses and
//! their parents, read from the same ARM records the data plane is built from.
//!
//! This is naming and membership only (which NICs a subnet holds, which VM owns a NIC, a
//! VNet's region, a peering link's flags as declared). Routing and security verdicts are never
//! derived here: they come from the compiled [`vnetlab_dataplane::DataPlane`].

use serde_json::Value;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Children that rendered ARM records embed in their parent (the stored shape keeps them as
/// records of their own; both shapes are accepted, a standalone record wins).
fn embedded(t: &str) -> &'static [(&'static str, &'static str)] {
    match t {
        "microsoft.network/virtualnetworks" => &[
            ("subnets", "Microsoft.Network/virtualNetworks/subnets"),
            (
                "virtualNetworkPeerings",
                "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            ),
        ],
        "microsoft.network/networksecuritygroups" => &[
            (
                "securityRules",
                "Microsoft.Network/networkSecurityGroups/securityRules",
            ),
            (
                "defaultSecurityRules",
                "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
            ),
        ],
        "microsoft.network/routetables" => &[("routes", "Microsoft.Network/routeTables/routes")],
        "microsoft.network/networkinterfaces" => &[(
            "ipConfigurations",
            "Microsoft.Network/networkInterfaces/ipConfigurations",
        )],
        "microsoft.network/virtualnetworkgateways" => &[(
            "ipConfigurations",
            "Microsoft.Network/virtualNetworkGateways/ipConfigurations",
        )],
        _ => &[],
    }
}

/// The lower-cased full type named by an ARM id.
pub fn type_of_id(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
    let p = parts
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))?;
    let ns = parts.get(p + 1)?;
    let rest = parts.get(p + 2..)?;
    if rest.is_empty() || rest.len() % 2 != 0 {
        return None;
    }
    let mut t = ns.to_ascii_lowercase();
    for pair in rest.chunks(2) {
        t.push('/');
        t.push_str(&pair[0].to_ascii_lowercase());
    }
    Some(t)
}

/// The resource group named in an ARM id.
pub fn resource_group(id: &str) -> &str {
    let parts: Vec<&str> = id.split('/').collect();
    parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| parts.get(i + 1))
        .copied()
        .unwrap_or("")
}

/// The last segment of an id.
pub fn last_name(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

/// The id of a child's parent (`…/virtualNetworks/v/subnets/s` → `…/virtualNetworks/v`).
pub fn parent_id(id: &str) -> &str {
    let t = id.trim_end_matches('/');
    let mut cut = t.len();
    for _ in 0..2 {
        cut = t[..cut].rfind('/').unwrap_or(0);
    }
    &t[..cut]
}

/// Every record by lower-cased id, children flattened out of their parents, grouped by type.
#[derive(Debug, Clone, Default)]
pub struct Records {
    by_id: BTreeMap<String, Value>,
    by_type: BTreeMap<String, Vec<String>>,
    children: BTreeMap<String, Vec<String>>,
}

impl Records {
    pub fn new(records: &[Value]) -> Records {
        let mut by_id = BTreeMap::new();
        let mut embedded_found: Vec<(String, Value)> = Vec::new();
        for r in records {
            let Some(id) = r.get("id").and_then(Value::as_str) else {
                continue;
            };
            let t = type_of_id(id).unwrap_or_default();
            for (key, child_type) in embedded(&t) {
                for c in r
                    .pointer(&format!("/properties/{key}"))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(cid) = c.get("id").and_then(Value::as_str) {
                        let mut c = c.clone();
                        if c.get("type").is_none() {
                            c["type"] = Value::String((*child_type).to_string());
                        }
                        embedded_found.push((cid.to_ascii_lowercase(), c));
                    }
                }
            }
            by_id.insert(id.to_ascii_lowercase(), r.clone());
        }
        for (k, v) in embedded_found {
            by_id.entry(k).or_insert(v);
        }
        let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for k in by_id.keys() {
            if let Some(t) = type_of_id(k) {
                if t.matches('/').count() >= 2 {
                    children
                        .entry(parent_id(k).to_string())
                        .or_default()
                        .push(k.clone());
                }
                by_type.entry(t).or_default().push(k.clone());
            }
        }
        Records {
            by_id,
            by_type,
            children,
        }
    }

    pub fn get(&self, id: &str) -> Option<&Value> {
        self.by_id.get(&id.to_ascii_lowercase())
    }

    /// Records of one full type (any casing), in id order.
    pub fn of_type(&self, t: &str) -> impl Iterator<Item = &Value> + '_ {
        self.by_type
            .get(&t.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .filter_map(|k| self.by_id.get(k))
    }

    /// Child records of a parent (any type), in id order.
    pub fn children_of(&self, parent: &str) -> impl Iterator<Item = &Value> + '_ {
        self.children
            .get(&parent.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .filter_map(|k| self.by_id.get(k))
    }
}

pub fn str_at<'a>(v: &'a Value, ptr: &str) -> Option<&'a str> {
    v.pointer(ptr).and_then(Value::as_str)
}

pub fn bool_at(v: &Value, ptr: &str, default: bool) -> bool {
    v.pointer(ptr).and_then(Value::as_bool).unwrap_or(default)
}

pub fn strs_at(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub fn id_of(v: &Value) -> String {
    v.get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

#[derive(Debug, Clone)]
pub struct VnetInfo {
    pub id: String,
    pub name: String,
    pub location: String,
    pub space: Vec<String>,
    pub subnets: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct SubnetInfo {
    pub id: String,
    pub name: String,
    pub vnet: usize,
    pub prefixes: Vec<String>,
    /// NICs with an IP configuration in this subnet.
    pub nics: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct NicInfo {
    pub id: String,
    pub name: String,
    /// Primary IP configuration's private address and subnet.
    pub ip: Option<Ipv4Addr>,
    pub subnet: Option<usize>,
    pub public_ips: Vec<Ipv4Addr>,
    pub vm: Option<usize>,
    pub ip_forwarding: bool,
}

#[derive(Debug, Clone)]
pub struct VmInfo {
    pub id: String,
    pub name: String,
    pub nics: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct LngInfo {
    pub id: String,
    pub name: String,
    pub prefixes: Vec<String>,
}

/// Names, addresses and membership of the estate's endpoints.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub vnets: Vec<VnetInfo>,
    pub subnets: Vec<SubnetInfo>,
    pub nics: Vec<NicInfo>,
    pub vms: Vec<VmInfo>,
    pub lngs: Vec<LngInfo>,
    index: BTreeMap<String, usize>,
}

impl Inventory {
    pub fn new(rec: &Records) -> Inventory {
        let mut inv = Inventory::default();
        for v in rec.of_type("Microsoft.Network/virtualNetworks") {
            let id = id_of(v);
            inv.index.insert(id.to_ascii_lowercase(), inv.vnets.len());
            inv.vnets.push(VnetInfo {
                name: last_name(&id).to_string(),
                location: str_at(v, "/location")
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .replace(' ', ""),
                space: strs_at(v, "/properties/addressSpace/addressPrefixes"),
                subnets: Vec::new(),
                id,
            });
        }
        for s in rec.of_type("Microsoft.Network/virtualNetworks/subnets") {
            let id = id_of(s);
            let Some(&vnet) = inv.index.get(&parent_id(&id).to_ascii_lowercase()) else {
                continue;
            };
            let mut prefixes: Vec<String> = str_at(s, "/properties/addressPrefix")
                .map(|p| vec![p.to_string()])
                .unwrap_or_default();
            for p in strs_at(s, "/properties/addressPrefixes") {
                if !prefixes.contains(&p) {
                    prefixes.push(p);
                }
            }
            let ix = inv.subnets.len();
            inv.index.insert(id.to_ascii_lowercase(), ix);
            inv.vnets[vnet].subnets.push(ix);
            inv.subnets.push(SubnetInfo {
                name: last_name(&id).to_string(),
                vnet,
                prefixes,
                nics: Vec::new(),
                id,
            });
        }
        let mut pips: BTreeMap<String, Ipv4Addr> = BTreeMap::new();
        for p in rec.of_type("Microsoft.Network/publicIPAddresses") {
            if let Some(a) = str_at(p, "/properties/ipAddress").and_then(|a| a.parse().ok()) {
                pips.insert(id_of(p).to_ascii_lowercase(), a);
            }
        }
        for n in rec.of_type("Microsoft.Network/networkInterfaces") {
            let id = id_of(n);
            let mut cfgs: Vec<&Value> = rec
                .children_of(&id)
                .filter(|c| {
                    type_of_id(&id_of(c)).as_deref()
                        == Some("microsoft.network/networkinterfaces/ipconfigurations")
                })
                .collect();
            cfgs.sort_by_key(|c| !bool_at(c, "/properties/primary", false));
            let primary = cfgs.first();
            let subnet = primary
                .and_then(|c| str_at(c, "/properties/subnet/id"))
                .and_then(|s| inv.index.get(&s.to_ascii_lowercase()).copied())
                .filter(|&s| {
                    s < inv.subnets.len()
                        && inv.subnets[s].id.eq_ignore_ascii_case(
                            primary
                                .and_then(|c| str_at(c, "/properties/subnet/id"))
                                .unwrap_or(""),
                        )
                });
            let ix = inv.nics.len();
            if let Some(s) = subnet {
                inv.subnets[s].nics.push(ix);
            }
            inv.index.insert(id.to_ascii_lowercase(), ix);
            inv.nics.push(NicInfo {
                name: last_name(&id).to_string(),
                ip: primary
                    .and_then(|c| str_at(c, "/properties/privateIPAddress"))
                    .and_then(|a| a.parse().ok()),
                subnet,
                public_ips: cfgs
                    .iter()
                    .filter_map(|c| str_at(c, "/properties/publicIPAddress/id"))
                    .filter_map(|p| pips.get(&p.to_ascii_lowercase()).copied())
                    .collect(),
                vm: None,
                ip_forwarding: bool_at(n, "/properties/enableIPForwarding", false),
                id,
            });
        }
        for v in rec.of_type("Microsoft.Compute/virtualMachines") {
            let id = id_of(v);
            let vi = inv.vms.len();
            let nics: Vec<usize> = v
                .pointer("/properties/networkProfile/networkInterfaces")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.get("id").and_then(Value::as_str))
                .filter_map(|n| inv.nic_ix(n))
                .collect();
            for &n in &nics {
                inv.nics[n].vm = Some(vi);
            }
            inv.index.insert(id.to_ascii_lowercase(), vi);
            inv.vms.push(VmInfo {
                name: last_name(&id).to_string(),
                nics,
                id,
            });
        }
        for l in rec.of_type("Microsoft.Network/localNetworkGateways") {
            let id = id_of(l);
            inv.index.insert(id.to_ascii_lowercase(), inv.lngs.len());
            inv.lngs.push(LngInfo {
                name: last_name(&id).to_string(),
                prefixes: strs_at(l, "/properties/localNetworkAddressSpace/addressPrefixes"),
                id,
            });
        }
        inv
    }

    fn ix_of(&self, id: &str, t: &str) -> Option<usize> {
        (type_of_id(id).as_deref() == Some(t))
            .then(|| self.index.get(&id.to_ascii_lowercase()).copied())
            .flatten()
    }

    pub fn vnet_ix(&self, id: &str) -> Option<usize> {
        self.ix_of(id, "microsoft.network/virtualnetworks")
    }

    pub fn subnet_ix(&self, id: &str) -> Option<usize> {
        self.ix_of(id, "microsoft.network/virtualnetworks/subnets")
    }

    pub fn nic_ix(&self, id: &str) -> Option<usize> {
        self.ix_of(id, "microsoft.network/networkinterfaces")
    }

    pub fn vm_ix(&self, id: &str) -> Option<usize> {
        self.ix_of(id, "microsoft.compute/virtualmachines")
    }

    pub fn lng_ix(&self, id: &str) -> Option<usize> {
        self.ix_of(id, "microsoft.network/localnetworkgateways")
    }

    /// The NIC owning an ipConfiguration id (`…/networkInterfaces/n/ipConfigurations/c`).
    pub fn nic_of_ipconfig(&self, ipconfig_id: &str) -> Option<usize> {
        self.nic_ix(parent_id(ipconfig_id))
    }

    /// A short human name of a NIC: its VM's name when it has one.
    pub fn nic_label(&self, nic: usize) -> String {
        let n = &self.nics[nic];
        match n.vm {
            Some(v) if self.vms[v].nics.first() == Some(&nic) => self.vms[v].name.clone(),
            _ => n.name.clone(),
        }
    }

    /// `vnet/subnet`.
    pub fn subnet_label(&self, s: usize) -> String {
        let sn = &self.subnets[s];
        format!("{}/{}", self.vnets[sn.vnet].name, sn.name)
    }

    /// The VNet of a NIC (through its primary subnet).
    pub fn nic_vnet(&self, nic: usize) -> Option<usize> {
        self.nics[nic].subnet.map(|s| self.subnets[s].vnet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_split_into_group_type_parent_and_name() {
        let id = "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/a";
        assert_eq!(resource_group(id), "RG");
        assert_eq!(last_name(id), "a");
        assert_eq!(
            parent_id(id),
            "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v"
        );
        assert_eq!(
            type_of_id(id).as_deref(),
            Some("microsoft.network/virtualnetworks/subnets")
        );
        assert_eq!(type_of_id("/nonsense"), None);
    }

    #[test]
    fn embedded_children_are_flattened_and_nics_join_their_subnet_and_vm() {
        let base = "/subscriptions/s/resourceGroups/rg/providers";
        let records = vec![
            json!({"id": format!("{base}/Microsoft.Network/virtualNetworks/v"), "location": "East US",
                   "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                   "subnets": [{"id": format!("{base}/Microsoft.Network/virtualNetworks/v/subnets/a"), "properties": {"addressPrefix": "10.0.0.0/24"}}]}}),
            json!({"id": format!("{base}/Microsoft.Network/networkInterfaces/n"), "properties": {
                   "ipConfigurations": [{"id": format!("{base}/Microsoft.Network/networkInterfaces/n/ipConfigurations/c"),
                   "properties": {"privateIPAddress": "10.0.0.4", "primary": true, "subnet": {"id": format!("{base}/Microsoft.Network/virtualNetworks/V/subnets/A")}}}]}}),
            json!({"id": format!("{base}/Microsoft.Compute/virtualMachines/vm1"), "properties": {"networkProfile": {"networkInterfaces": [{"id": format!("{base}/Microsoft.Network/networkInterfaces/n")}]}}}),
        ];
        let inv = Inventory::new(&Records::new(&records));
        assert_eq!(inv.vnets[0].location, "eastus");
        assert_eq!(inv.subnets.len(), 1);
        assert_eq!(inv.subnets[0].nics, vec![0]);
        assert_eq!(inv.nics[0].ip, Some(Ipv4Addr::new(10, 0, 0, 4)));
        assert_eq!(inv.nics[0].vm, Some(0));
        assert_eq!(inv.nic_label(0), "vm1");
        assert_eq!(inv.subnet_label(0), "v/a");
    }
}
