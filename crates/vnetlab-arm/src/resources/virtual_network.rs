//! `Microsoft.Network/virtualNetworks` (azure-semantics.md §1.2, §2.2, §3).
//!
//! A VNet PUT carries its subnets inline: subnets absent from the body are deleted (and the
//! PUT fails with `InUseSubnetCannotBeDeleted` if one is in use). Peerings are child resources
//! managed through their own endpoint; the inline list is read-only here. Changing the address
//! space of a peered VNet is allowed; the links' sync levels then show the difference until
//! `sync` (derived in `peering`).

use super::peering::{self, PEERING_TYPE};
use super::subnet::{self, SUBNET_TYPE};
use super::*;
use vnetlab_ipam::IpNet;

pub struct VirtualNetworks;

pub const VNET_TYPE: &str = "Microsoft.Network/virtualNetworks";

/// The parsed address space of a stored VNet.
pub fn address_space(vnet: &Value) -> Vec<IpNet> {
    prefix_strings(vnet)
        .iter()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// The address space of a stored VNet as written.
pub fn prefix_strings(vnet: &Value) -> Vec<String> {
    vnet.pointer("/properties/addressSpace/addressPrefixes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl ResourceKind for VirtualNetworks {
    fn full_type(&self) -> &'static str {
        VNET_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, VNET_TYPE)?;
        check_location_unchanged(id, existing, &location)?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let req_props = properties(body)?;
        let raw_space = opt_prefix_list(&req_props, "addressSpace")?.unwrap_or_default();
        if raw_space.is_empty() {
            return Err(ArmError::bad_request(
                "AddressSpaceOrIpamPoolRequired",
                format!(
                    "Virtual network {id} must have an address space or an IPAM pool allocation."
                ),
            ));
        }
        let space = parse_prefixes(&raw_space, id)?;
        check_space_allowed(id, &space)?;
        let dns = match req_props.get("dhcpOptions") {
            Some(Value::Object(d)) => opt_str_list(d, "dnsServers")?.unwrap_or_default(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(type_error("properties.dhcpOptions", "DhcpOptions")),
        };
        check_dns_servers(id, &dns)?;
        if existing.is_some() {
            check_space_change(cx, id, &space)?;
        }

        let mut props = Map::new();
        props.insert(
            "addressSpace".into(),
            json!({ "addressPrefixes": raw_space }),
        );
        if req_props.contains_key("dhcpOptions") {
            props.insert("dhcpOptions".into(), json!({ "dnsServers": dns }));
        }
        for (key, default) in [
            ("enableDdosProtection", false),
            ("enableVmProtection", false),
        ] {
            props.insert(
                key.into(),
                Value::Bool(opt_bool(&req_props, key)?.unwrap_or(default)),
            );
        }
        if opt_bool(&req_props, "enableDdosProtection")? == Some(true)
            || opt_ref(&req_props, "ddosProtectionPlan")?.is_some()
        {
            return Err(ArmError::not_supported("DDoS protection plans"));
        }
        let pe = opt_str(&req_props, "privateEndpointVNetPolicies")?.unwrap_or("Disabled");
        let pe = ["Disabled", "Basic"].iter().find(|a| a.eq_ignore_ascii_case(pe)).ok_or_else(|| {
            ArmError::bad_request("InvalidRequestFormat", format!("Value '{pe}' is not valid for property 'privateEndpointVNetPolicies'. Allowed values: Disabled, Basic."))
        })?;
        props.insert("privateEndpointVNetPolicies".into(), json!(pe));
        for echo in ["bgpCommunities", "encryption", "flowTimeoutInMinutes"] {
            if let Some(v) = req_props.get(echo).filter(|v| !v.is_null()) {
                props.insert(echo.into(), v.clone());
            }
        }
        if let Some(Value::Object(b)) = props.get_mut("bgpCommunities") {
            b.insert(
                "regionalCommunity".into(),
                json!(regional_community(&location)),
            );
        }
        let guid = match existing
            .and_then(|e| e.pointer("/properties/resourceGuid"))
            .and_then(Value::as_str)
        {
            Some(g) => g.to_string(),
            None => cx.guid()?,
        };
        props.insert("resourceGuid".into(), json!(guid));
        props.insert("provisioningState".into(), json!("Succeeded"));
        let etag = cx.etag()?;
        let record = tracked(id, &location, &tags, &etag, Value::Object(props));
        save(cx, id, &record)?;

        reconcile_subnets(cx, id, &location, &space, &req_props, existing.is_some())?;
        if existing.is_none() {
            super::network_watcher::ensure_for_region(cx, &location)?;
        }
        Ok(())
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        let mut subnets = Vec::new();
        for s in rx.children(id, SUBNET_TYPE)? {
            let sid = crate::router::stored_id(&s)?;
            subnets.push(subnet::render_subnet_with_etag(
                rx,
                &sid,
                &s,
                stored.get("etag"),
            )?);
        }
        let mut peerings = Vec::new();
        for p in rx.children(id, PEERING_TYPE)? {
            let pid = crate::router::stored_id(&p)?;
            peerings.push(peering::render_link_with_etag(
                rx,
                &pid,
                &p,
                stored.get("etag"),
            )?);
        }
        out["properties"]["subnets"] = Value::Array(subnets);
        out["properties"]["virtualNetworkPeerings"] = Value::Array(peerings);
        Ok(out)
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        for s in cx.rx().children(id, SUBNET_TYPE)? {
            let sid = crate::router::stored_id(&s)?;
            if let Some(user) = subnet::users(&cx.rx(), &sid)?.first() {
                // Users inside this VNet's own group being deleted are gone already.
                return Err(subnet::in_use_cannot_delete(&sid, user));
            }
        }
        peering::disconnect_links_to(cx, id)?;
        cx.delete(id)?;
        Ok(())
    }
}

/// Azure refuses multicast, broadcast, loopback, link-local and the host VIP in a VNet.
fn check_space_allowed(id: &ResourceId, space: &[IpNet]) -> ArmResult<()> {
    for net in space {
        for bad in vnetlab_ipam::forbidden_vnet_ranges() {
            if vnetlab_ipam::overlaps(net, &IpNet::V4(bad)) {
                return Err(ArmError::bad_request(
                    "InvalidAddressSpace",
                    format!("Address space {net} of virtual network {id} overlaps with reserved range {bad}, which cannot be used in a virtual network."),
                ));
            }
        }
    }
    for (i, a) in space.iter().enumerate() {
        for b in &space[i + 1..] {
            if vnetlab_ipam::overlaps(a, b) {
                return Err(ArmError::bad_request(
                    "VnetAddressSpaceOverlap",
                    format!("Address prefixes {a} and {b} of virtual network {id} overlap."),
                ));
            }
        }
    }
    Ok(())
}

fn check_dns_servers(id: &ResourceId, dns: &[String]) -> ArmResult<()> {
    if dns.len() > 20 {
        return Err(ArmError::bad_request(
            "TooManyDnsServers",
            format!(
                "Virtual network {id} has {} DNS servers; at most 20 are allowed.",
                dns.len()
            ),
        ));
    }
    for s in dns {
        if s.parse::<std::net::IpAddr>().is_err() {
            return Err(ArmError::bad_request(
                "InvalidDnsServerIpAddress",
                format!("DNS server IP address {s} of virtual network {id} is not valid."),
            ));
        }
    }
    Ok(())
}

/// A new address space must still hold every subnet, and must not overlap a peered VNet.
fn check_space_change(cx: &Cx, id: &ResourceId, space: &[IpNet]) -> ArmResult<()> {
    let rx = cx.rx();
    for (name, nets) in subnet::sibling_prefixes(&rx, id)? {
        if nets
            .iter()
            .any(|n| !space.iter().any(|v| vnetlab_ipam::contains(v, n)))
        {
            return Err(subnet::outside_vnet(&name, id.name()));
        }
    }
    for link in rx.children(id, PEERING_TYPE)? {
        let Some(remote_id) = link
            .pointer("/properties/remoteVirtualNetwork/id")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let Some(remote) = rx.get_key(remote_id)? else {
            continue;
        };
        let pairs = vnetlab_ipam::overlapping_pairs(space, &address_space(&remote));
        if !pairs.is_empty() {
            return Err(ArmError::bad_request(
                "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet",
                format!(
                    "Address space of virtual network {id} cannot be updated because it overlaps with address space of virtual network {remote_id} already peered with it. Overlapping address prefixes: {}.",
                    pairs.iter().map(|(a, _)| a.to_string()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Applies the inline subnet list of a VNet PUT: create/update listed, delete the rest.
fn reconcile_subnets(
    cx: &mut Cx,
    id: &ResourceId,
    location: &str,
    space: &[IpNet],
    req_props: &Map<String, Value>,
    is_update: bool,
) -> ArmResult<()> {
    let requested: Vec<Value> = match req_props.get("subnets") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(type_error("properties.subnets", "Subnet[]")),
    };
    let mut wanted: Vec<(ResourceId, Map<String, Value>)> = Vec::new();
    for (i, s) in requested.iter().enumerate() {
        let name = s
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| type_error(&format!("properties.subnets[{i}].name"), "String"))?;
        let sid = id.child("subnets", name);
        validate_name(&sid)?;
        if wanted
            .iter()
            .any(|(w, _)| w.name().eq_ignore_ascii_case(name))
        {
            return Err(ArmError::bad_request(
                "DuplicateResourceName",
                format!("Subnet name {name} is used more than once in virtual network {id}."),
            ));
        }
        wanted.push((sid, properties(s)?));
    }
    // Siblings as they will be after the PUT: the requested prefixes.
    let mut siblings = Vec::new();
    for (sid, props) in &wanted {
        let nets = parse_prefixes(&subnet::subnet_prefixes(props)?, sid)?;
        siblings.push((sid.name().to_string(), nets));
    }
    if is_update {
        for old in cx.rx().children(id, SUBNET_TYPE)? {
            let oid = crate::router::stored_id(&old)?;
            if !wanted.iter().any(|(w, _)| w.key() == oid.key()) {
                if let Some(user) = subnet::users(&cx.rx(), &oid)?.first() {
                    return Err(subnet::in_use_cannot_delete(&oid, user));
                }
                cx.delete(&oid)?;
            }
        }
    }
    for (sid, props) in &wanted {
        let existing = cx.get(sid)?;
        let stored = subnet::validate(
            cx,
            id,
            location,
            space,
            sid,
            props,
            existing.as_ref(),
            &siblings,
        )?;
        save(cx, sid, &child(sid, stored))?;
    }
    Ok(())
}

/// Azure's regional BGP community for a region (`12076:5xxxx`). [UNCONFIRMED values per region]
fn regional_community(location: &str) -> String {
    let idx = REGIONS
        .iter()
        .position(|(n, _)| *n == location)
        .unwrap_or(0);
    format!("12076:{}", 50000 + idx + 1)
}
