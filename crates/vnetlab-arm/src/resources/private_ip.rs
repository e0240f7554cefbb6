//! Private IP address assignment in a subnet (azure-semantics.md §3): `Static` addresses
//! must be inside the subnet, outside the five Azure keeps and free; `Dynamic` ones get the
//! lowest free address (first host .4) and keep it across updates. The addresses in use are
//! collected from the stored IP configurations of the subnet's users. IPv4 only.

use super::subnet;
use super::*;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use vnetlab_ipam::{AddressError, IpNet, Ipv4Net};

/// One IP configuration asking for an address.
pub struct AddressRequest {
    pub id: ResourceId,
    pub subnet: ResourceId,
    pub is_static: bool,
    /// The requested address (Static only).
    pub requested: Option<Ipv4Addr>,
}

/// Private IPv4 addresses in use in a subnet, with the IP configuration holding each,
/// skipping the configurations whose keys are in `exclude` (the ones being replaced).
pub fn used_addresses(
    rx: &Rx,
    subnet_id: &ResourceId,
    exclude: &[String],
) -> ArmResult<BTreeMap<Ipv4Addr, String>> {
    let mut out = BTreeMap::new();
    for user in subnet::users(rx, subnet_id)? {
        if exclude.contains(&crate::id::key_of(&user)) {
            continue;
        }
        let Some(rec) = rx.get_key(&user)? else {
            continue;
        };
        if let Some(ip) = rec
            .pointer("/properties/privateIPAddress")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
        {
            out.insert(ip, user);
        }
    }
    Ok(out)
}

/// The IPv4 prefixes of a stored subnet.
fn v4_prefixes(rx: &Rx, subnet_id: &ResourceId) -> ArmResult<Vec<Ipv4Net>> {
    let s = rx
        .get(subnet_id)?
        .ok_or_else(|| crate::cx::not_found(subnet_id))?;
    Ok(subnet::stored_prefixes(&s)
        .into_iter()
        .filter_map(|n| if let IpNet::V4(v) = n { Some(v) } else { None })
        .collect())
}

/// Assigns every configuration its address: statics first (so a dynamic one never takes an
/// address requested in the same PUT), then dynamics (kept across updates when still free).
pub fn assign(rx: &Rx, cfgs: &[AddressRequest], old: &[Value]) -> ArmResult<Vec<Ipv4Addr>> {
    let exclude: Vec<String> = old
        .iter()
        .filter_map(|o| o.get("id").and_then(Value::as_str))
        .map(crate::id::key_of)
        .collect();
    let mut used: BTreeMap<String, BTreeMap<Ipv4Addr, String>> = BTreeMap::new();
    for c in cfgs {
        if let std::collections::btree_map::Entry::Vacant(e) = used.entry(c.subnet.key()) {
            e.insert(used_addresses(rx, &c.subnet, &exclude)?);
        }
    }
    let mut out = vec![Ipv4Addr::UNSPECIFIED; cfgs.len()];
    for (i, c) in cfgs.iter().enumerate().filter(|(_, c)| c.is_static) {
        let ip = c.requested.unwrap_or(Ipv4Addr::UNSPECIFIED);
        let prefixes = v4_prefixes(rx, &c.subnet)?;
        let taken = used.entry(c.subnet.key()).or_default();
        let set = taken.keys().copied().collect();
        let prefix = prefixes
            .iter()
            .find(|p| p.contains(&ip))
            .or(prefixes.first())
            .copied();
        let check = match prefix {
            Some(p) => vnetlab_ipam::check_static(&p, ip, &set).map_err(|e| (e, p.to_string())),
            None => Err((AddressError::OutsideSubnet, String::new())),
        };
        match check {
            Ok(()) => {}
            // Codes: azure-docs common-deployment-errors; texts: service errors quoted in public logs.
            Err((AddressError::OutsideSubnet, p)) => {
                return Err(ArmError::bad_request(
                    "PrivateIPAddressNotInSubnet",
                    format!("Private static IP address {ip} does not belong to the range of subnet prefix {p}."),
                ))
            }
            Err((AddressError::Reserved, p)) => {
                return Err(ArmError::bad_request(
                    "PrivateIPAddressInReservedRange",
                    format!("Private static IP address {ip} falls within reserved IP range of subnet prefix {p}."),
                ))
            }
            Err((AddressError::InUse, _)) => {
                let owner = taken.get(&ip).cloned().unwrap_or_default();
                return Err(ArmError::bad_request(
                    "PrivateIPAddressIsAllocated",
                    format!("IP configuration {} is using the private IP address {ip} which is already allocated to resource {owner}.", c.id),
                ));
            }
        }
        taken.insert(ip, c.id.to_string());
        out[i] = ip;
    }
    for (i, c) in cfgs.iter().enumerate().filter(|(_, c)| !c.is_static) {
        let prefixes = v4_prefixes(rx, &c.subnet)?;
        let taken = used.entry(c.subnet.key()).or_default();
        let previous = old
            .iter()
            .find(|o| {
                o.get("id").and_then(Value::as_str).map(crate::id::key_of) == Some(c.id.key())
            })
            .filter(|o| {
                o.pointer("/properties/subnet/id")
                    .and_then(Value::as_str)
                    .map(crate::id::key_of)
                    == Some(c.subnet.key())
            })
            .and_then(|o| {
                o.pointer("/properties/privateIPAddress")
                    .and_then(Value::as_str)
            })
            .and_then(|s| s.parse::<Ipv4Addr>().ok())
            .filter(|ip| !taken.contains_key(ip) && prefixes.iter().any(|p| p.contains(ip)));
        let set = taken.keys().copied().collect();
        let ip = match previous.or_else(|| {
            prefixes
                .iter()
                .find_map(|p| vnetlab_ipam::allocate(p, &set))
        }) {
            Some(ip) => ip,
            None => {
                // Confirmed text: a service error quoted in cloud-provider-azure tests.
                let p = prefixes
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ArmError::bad_request(
                    "SubnetIsFull",
                    format!("Subnet {} with address prefix {p} does not have enough capacity for 1 IP addresses.", c.subnet),
                ));
            }
        };
        taken.insert(ip, c.id.to_string());
        out[i] = ip;
    }
    Ok(out)
}
