//! `Microsoft.Network/virtualNetworks/subnets` (azure-semantics.md §1.3, §3).
//!
//! Rules: every prefix canonical, inside the VNet's address space, not overlapping a sibling,
//! IPv4 no smaller than /29 and IPv6 exactly /64; a subnet with IP configurations in it can
//! neither be resized nor deleted; referenced NSGs and route tables must exist in the VNet's region.

use super::*;
use vnetlab_ipam::IpNet;

pub struct Subnets;

pub const SUBNET_TYPE: &str = "Microsoft.Network/virtualNetworks/subnets";

/// The prefixes of a stored or requested subnet (`addressPrefix` and/or `addressPrefixes`).
pub fn subnet_prefixes(props: &Map<String, Value>) -> ArmResult<Vec<String>> {
    let mut out = Vec::new();
    if let Some(p) = opt_str(props, "addressPrefix")? {
        out.push(p.to_string());
    }
    for p in opt_str_list(props, "addressPrefixes")?.unwrap_or_default() {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

/// The prefixes of a stored subnet record, parsed (stored prefixes are always valid).
pub fn stored_prefixes(stored: &Value) -> Vec<IpNet> {
    let props = stored
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    subnet_prefixes(&props)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// The IP configurations (NICs, gateways) using a subnet.
pub fn users(rx: &Rx, subnet_id: &ResourceId) -> ArmResult<Vec<String>> {
    rx.referrers(subnet_id, "subnet")
}

pub fn in_use_cannot_delete(subnet: &ResourceId, user: &str) -> ArmError {
    ArmError::bad_request(
        "InUseSubnetCannotBeDeleted",
        format!("Subnet {} is in use by {user} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.", subnet.name()),
    )
}

/// Validates a subnet's requested properties in the context of its VNet and returns the
/// properties to store. `siblings` are the other subnets' (name, prefixes) after this change.
#[allow(clippy::too_many_arguments)]
pub fn validate(
    cx: &mut Cx,
    vnet: &ResourceId,
    vnet_location: &str,
    vnet_prefixes: &[IpNet],
    id: &ResourceId,
    requested: &Map<String, Value>,
    existing: Option<&Value>,
    siblings: &[(String, Vec<IpNet>)],
) -> ArmResult<Value> {
    let raw = subnet_prefixes(requested)?;
    if raw.is_empty() {
        return Err(ArmError::bad_request(
            "NoAddressPrefixOrPoolProvided",
            format!("No address prefix or IPAM pool is provided for subnet {id}."),
        ));
    }
    let nets = parse_prefixes(&raw, id)?;
    for net in &nets {
        let too_small = match net {
            IpNet::V4(n) => n.prefix_len() > 29,
            IpNet::V6(n) => n.prefix_len() != 64,
        };
        if too_small {
            return Err(ArmError::bad_request(
                "InvalidSubnetPrefixLength",
                format!("Subnet '{}' is not valid because its address prefix {net} is too small or has an invalid length. The smallest IPv4 subnet is /29 and IPv6 subnets must be /64.", id.name()),
            ));
        }
        if !vnet_prefixes.iter().any(|v| vnetlab_ipam::contains(v, net)) {
            return Err(outside_vnet(id.name(), vnet.name()));
        }
        for (sib, sib_nets) in siblings {
            if sib.eq_ignore_ascii_case(id.name()) {
                continue;
            }
            if sib_nets.iter().any(|s| vnetlab_ipam::overlaps(s, net)) {
                return Err(ArmError::bad_request(
                    "NetcfgSubnetRangesOverlap",
                    format!("Subnet '{}' is not valid because its IP address range overlaps with that of an existing subnet in virtual network '{}'.", id.name(), vnet.name()),
                ));
            }
        }
    }
    if let Some(old) = existing {
        let mut old_nets = stored_prefixes(old);
        let mut new_nets = nets.clone();
        old_nets.sort();
        new_nets.sort();
        if old_nets != new_nets {
            if let Some(user) = users(&cx.rx(), id)?.first() {
                return Err(ArmError::bad_request(
                    "InUseSubnetCannotBeUpdated",
                    format!(
                        "Subnet {} is in use by {user} and its address prefix cannot be updated.",
                        id.name()
                    ),
                ));
            }
        }
    }
    let mut props = Map::new();
    if requested.contains_key("addressPrefix")
        && requested.get("addressPrefix").is_some_and(|v| !v.is_null())
    {
        props.insert("addressPrefix".into(), requested["addressPrefix"].clone());
    }
    if let Some(list) = opt_str_list(requested, "addressPrefixes")? {
        if !props.contains_key("addressPrefix") || list.len() > 1 {
            props.insert("addressPrefixes".into(), str_array(&list));
        }
    }
    for (key, full_type) in [
        (
            "networkSecurityGroup",
            "Microsoft.Network/networkSecurityGroups",
        ),
        ("routeTable", "Microsoft.Network/routeTables"),
    ] {
        if let Some(ref_id) = opt_ref(requested, key)? {
            let canonical = check_reference(cx, id, &ref_id, full_type, vnet_location)?;
            props.insert(key.into(), id_ref(&canonical));
        }
    }
    if opt_ref(requested, "natGateway")?.is_some() {
        return Err(ArmError::not_supported("A NAT gateway on a subnet"));
    }
    props.insert(
        "privateEndpointNetworkPolicies".into(),
        Value::String(enum_choice(
            requested,
            "privateEndpointNetworkPolicies",
            &[
                "Enabled",
                "Disabled",
                "NetworkSecurityGroupEnabled",
                "RouteTableEnabled",
            ],
            "Disabled",
        )?),
    );
    props.insert(
        "privateLinkServiceNetworkPolicies".into(),
        Value::String(enum_choice(
            requested,
            "privateLinkServiceNetworkPolicies",
            &["Enabled", "Disabled"],
            "Enabled",
        )?),
    );
    for echo in ["delegations", "serviceEndpoints"] {
        match requested.get(echo) {
            Some(Value::Array(a)) => {
                props.insert(echo.into(), Value::Array(a.clone()));
            }
            None | Some(Value::Null) => {
                if echo == "delegations" {
                    props.insert(echo.into(), json!([]));
                }
            }
            Some(_) => return Err(type_error(&format!("properties.{echo}"), "Array")),
        }
    }
    // defaultOutboundAccess is settable only at creation (azure-semantics.md §1.3).
    match (existing, opt_bool(requested, "defaultOutboundAccess")?) {
        (None, Some(b)) => {
            props.insert("defaultOutboundAccess".into(), Value::Bool(b));
        }
        (Some(old), _) => {
            if let Some(b) = old.pointer("/properties/defaultOutboundAccess") {
                props.insert("defaultOutboundAccess".into(), b.clone());
            }
        }
        (None, None) => {}
    }
    props.insert("provisioningState".into(), json!("Succeeded"));
    Ok(Value::Object(props))
}

/// A referenced resource must exist (and, for regional resources, be in the same region).
pub fn check_reference(
    cx: &Cx,
    owner: &ResourceId,
    ref_id: &str,
    full_type: &str,
    location: &str,
) -> ArmResult<String> {
    let missing = || {
        ArmError::bad_request(
            "InvalidResourceReference",
            format!("Resource {ref_id} referenced by resource {owner} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region."),
        )
    };
    let rid = ResourceId::parse(ref_id).map_err(|_| missing())?;
    if !rid.full_type().eq_ignore_ascii_case(full_type) {
        return Err(missing());
    }
    let target = cx.get(&rid)?.ok_or_else(missing)?;
    if let Some(loc) = target.get("location").and_then(Value::as_str) {
        if loc != location {
            return Err(ArmError::bad_request(
                "InvalidResourceReference",
                format!("Resource {ref_id} referenced by resource {owner} is in region {loc}, but the referencing resource is in region {location}. Both resources must be in the same region."),
            ));
        }
    }
    Ok(target
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or(ref_id)
        .to_string())
}

pub fn outside_vnet(subnet: &str, vnet: &str) -> ArmError {
    ArmError::bad_request(
        "NetcfgSubnetRangeOutsideVnet",
        format!("Subnet '{subnet}' is not valid because its IP address range is outside the IP address range of virtual network '{vnet}'."),
    )
}

/// The (name, prefixes) of a VNet's stored subnets.
pub fn sibling_prefixes(rx: &Rx, vnet: &ResourceId) -> ArmResult<Vec<(String, Vec<IpNet>)>> {
    Ok(rx
        .children(vnet, SUBNET_TYPE)?
        .iter()
        .map(|s| {
            (
                s.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                stored_prefixes(s),
            )
        })
        .collect())
}

/// Renders a stored subnet: root etag, back-references to the IP configurations in it.
pub fn render_subnet(rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
    render_subnet_with_etag(rx, id, stored, root_etag(rx, id)?.as_ref())
}

/// As [`render_subnet`], with the VNet's etag already known (a VNet GET embeds every subnet;
/// re-reading the VNet for each one dominated its cost).
pub fn render_subnet_with_etag(
    rx: &Rx,
    id: &ResourceId,
    stored: &Value,
    etag: Option<&Value>,
) -> ArmResult<Value> {
    let mut out = with_etag(stored.clone(), etag);
    let users = users(rx, id)?;
    if !users.is_empty() {
        out["properties"]["ipConfigurations"] =
            Value::Array(users.iter().map(|u| id_ref(u)).collect());
    }
    Ok(out)
}

impl ResourceKind for Subnets {
    fn full_type(&self) -> &'static str {
        SUBNET_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let vnet_id = id
            .parent()
            .ok_or_else(|| ArmError::internal("subnet without parent"))?;
        let vnet = cx.require(&vnet_id)?;
        let location = vnet
            .get("location")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let vnet_prefixes = super::virtual_network::address_space(&vnet);
        let siblings = sibling_prefixes(&cx.rx(), &vnet_id)?;
        let requested = properties(body)?;
        let props = validate(
            cx,
            &vnet_id,
            &location,
            &vnet_prefixes,
            id,
            &requested,
            existing,
            &siblings,
        )?;
        save(cx, id, &child(id, props))
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        render_subnet(rx, id, stored)
    }

    fn refs(&self, _id: &ResourceId, stored: &Value) -> Vec<Ref> {
        let mut refs = Vec::new();
        for key in ["networkSecurityGroup", "routeTable"] {
            if let Some(target) = stored
                .pointer(&format!("/properties/{key}/id"))
                .and_then(Value::as_str)
            {
                refs.push(Ref::new(key, target));
            }
        }
        refs
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        if let Some(user) = users(&cx.rx(), id)?.first() {
            return Err(in_use_cannot_delete(id, user));
        }
        cx.delete(id)?;
        Ok(())
    }
}
