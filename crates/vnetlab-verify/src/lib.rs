//! The vnetlab verifier: whole-estate answers from the compiled data plane.
//!
//! Questions (Batfish-style, over one model): [`reach`] (a verdict for every flow between two
//! endpoints, the paths hop by hop, every independent blocker with its fix), [`intents`]
//! (declared expectations for CI, with JUnit output), [`matrix`] (every pair of VMs, subnets or
//! VNets, summarised as allowed protocol/port sets), [`lint`] (the classic mistakes),
//! [`diff`] (flows gained and lost between two states) and [`cost`] (monthly peering charges of
//! declared traffic along the paths it takes).
//!
//! Architecture Invariant: every routing and security verdict here is the compiled
//! [`DataPlane`]'s — packet walks, effective routes, name resolution — the same one Network
//! Watcher answers from. The verifier never re-derives a route or an NSG verdict; it reads
//! ARM records only for names, membership and declared settings (what lint inspects).
//!
//! Architecture Invariant: no I/O. Files are read and written by the `vnetlab` binary; this
//! crate takes records and text and returns reports.

pub mod classes;
pub mod cost;
pub mod diff;
pub mod endpoint;
pub mod intents;
pub mod inventory;
pub mod junit;
pub mod lint;
pub mod matrix;
pub mod pricing;
pub mod probe;
pub mod reach;
pub mod render;
pub mod space;
pub mod yaml;

use endpoint::{AddressClasses, Endpoint, Spec};
use inventory::{Inventory, Records};
use serde_json::Value;
use vnetlab_dataplane::{DataPlane, Estate};

pub use space::{FlowSpace, PortPlane, PortSet, Proto};

/// An estate ready for questions: its records, names, and compiled data plane.
pub struct Verifier {
    pub records: Records,
    pub inv: Inventory,
    pub dp: DataPlane,
    pub classes: AddressClasses,
}

impl Verifier {
    /// Builds the data plane from ARM records (the shape `vnetlab-arm` renders).
    pub fn new(records: Vec<Value>) -> Result<Verifier, String> {
        let rec = Records::new(&records);
        let estate = Estate::from_records(records)
            .map_err(|e| format!("vnetlab could not model the estate: {}", e.0))?;
        let dp = DataPlane::compile(&estate);
        let inv = Inventory::new(&rec);
        let classes = AddressClasses::new(named_prefixes(&rec));
        Ok(Verifier {
            records: rec,
            inv,
            dp,
            classes,
        })
    }

    /// Parses and resolves an endpoint.
    pub fn endpoint(&self, s: &str) -> Result<Endpoint, String> {
        let spec = Spec::parse(s)?;
        Endpoint::resolve(&spec, &self.inv, &self.classes)
    }
}

/// Every IPv4 prefix the estate names (address spaces, subnets, routes, rules, on-premises
/// spaces, public addresses): the cuts of [`AddressClasses`].
fn named_prefixes(rec: &Records) -> Vec<(u32, u8)> {
    let mut out = Vec::new();
    let mut add = |s: &str| {
        let s = s.trim();
        let parsed = match s.split_once('/') {
            Some(_) => endpoint::parse_cidr(s).ok(),
            None => s
                .parse::<std::net::Ipv4Addr>()
                .ok()
                .map(|a| (u32::from(a), 32)),
        };
        if let Some(p) = parsed {
            out.push(p);
        }
    };
    let lists: [(&str, &[&str]); 8] = [
        (
            "Microsoft.Network/virtualNetworks",
            &["/properties/addressSpace/addressPrefixes"],
        ),
        (
            "Microsoft.Network/virtualNetworks/subnets",
            &["/properties/addressPrefix", "/properties/addressPrefixes"],
        ),
        (
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            &["/properties/remoteAddressSpace/addressPrefixes"],
        ),
        (
            "Microsoft.Network/routeTables/routes",
            &["/properties/addressPrefix", "/properties/nextHopIpAddress"],
        ),
        (
            "Microsoft.Network/networkSecurityGroups/securityRules",
            &[
                "/properties/sourceAddressPrefix",
                "/properties/sourceAddressPrefixes",
                "/properties/destinationAddressPrefix",
                "/properties/destinationAddressPrefixes",
            ],
        ),
        (
            "Microsoft.Network/localNetworkGateways",
            &["/properties/localNetworkAddressSpace/addressPrefixes"],
        ),
        (
            "Microsoft.Network/publicIPAddresses",
            &["/properties/ipAddress"],
        ),
        (
            "Microsoft.Network/networkInterfaces/ipConfigurations",
            &["/properties/privateIPAddress"],
        ),
    ];
    for (t, ptrs) in lists {
        for r in rec.of_type(t) {
            for p in ptrs {
                match r.pointer(p) {
                    Some(Value::String(s)) => add(s),
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).for_each(&mut add),
                    _ => {}
                }
            }
        }
    }
    out
}
