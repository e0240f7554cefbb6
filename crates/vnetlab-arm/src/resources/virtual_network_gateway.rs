//! `Microsoft.Network/virtualNetworkGateways` (azure-semantics.md §11, az-cli-surface.md §13).
//!
//! A gateway lives in its VNet's subnet named `GatewaySubnet` (a /29 is enough for Basic,
//! every other SKU needs a /27 or larger), one VPN and one ExpressRoute gateway per VNet, and
//! never in a VNet that already uses a peer's gateway (`useRemoteGateways`).
//!
//! Each IP configuration is stored as its own record, `{gateway}/ipConfigurations/{name}`,
//! referencing the subnet (so the subnet is in use, and `peering::gateways_of` finds the
//! gateway) and the public IP (so the public IP shows it in `ipConfiguration`). ARM has no
//! endpoint for these records; they are read through the gateway.
//!
//! Derived on read: `bgpSettings.bgpPeeringAddresses` (tunnel addresses = the public IPs).

use super::public_ip_address::{self, PIP_TYPE};
use super::subnet::{self, SUBNET_TYPE};
use super::*;
use vnetlab_ipam::{IpNet, Ipv4Net};

pub struct VirtualNetworkGateways;

pub const GATEWAY_TYPE: &str = "Microsoft.Network/virtualNetworkGateways";
pub const GATEWAY_IPCONFIG_TYPE: &str = "Microsoft.Network/virtualNetworkGateways/ipConfigurations";

const VPN_SKUS: &[&str] = &[
    "Basic", "VpnGw1", "VpnGw2", "VpnGw3", "VpnGw4", "VpnGw5", "VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ",
    "VpnGw4AZ", "VpnGw5AZ",
];
const ER_SKUS: &[&str] = &[
    "Standard",
    "HighPerformance",
    "UltraPerformance",
    "ErGw1AZ",
    "ErGw2AZ",
    "ErGw3AZ",
    "ErGwScale",
];

/// The connections (of either end) referencing a gateway.
pub fn connections_of(rx: &Rx, gateway: &ResourceId) -> ArmResult<Vec<String>> {
    let mut out = rx.referrers(gateway, "virtualNetworkGateway1")?;
    out.extend(rx.referrers(gateway, "virtualNetworkGateway2")?);
    Ok(out)
}

/// The stored IP configuration records of a gateway.
pub fn ip_configurations(rx: &Rx, gateway: &ResourceId) -> ArmResult<Vec<Value>> {
    rx.children(gateway, GATEWAY_IPCONFIG_TYPE)
}

/// The VNet a stored gateway is deployed in.
pub fn gateway_vnet(rx: &Rx, gateway: &ResourceId) -> ArmResult<Option<ResourceId>> {
    Ok(ip_configurations(rx, gateway)?
        .first()
        .and_then(|c| c.pointer("/properties/subnet/id").and_then(Value::as_str))
        .and_then(|s| ResourceId::parse(s).ok())
        .and_then(|s| s.parent()))
}

fn refs_of_ipconfig(stored: &Value) -> Vec<Ref> {
    ["subnet", "publicIPAddress"]
        .iter()
        .filter_map(|k| {
            stored
                .pointer(&format!("/properties/{k}/id"))
                .and_then(Value::as_str)
                .map(|t| Ref::new(k, t))
        })
        .collect()
}

/// [UNCONFIRMED code/text for every gateway-specific rule below; azure-semantics.md §13.2]
fn gw_error(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

/// One requested IP configuration.
struct GwCfg {
    id: ResourceId,
    subnet: ResourceId,
    pip: Option<String>,
}

fn parse_cfgs(
    cx: &Cx,
    id: &ResourceId,
    location: &str,
    gateway_type: &str,
    req: &Map<String, Value>,
) -> ArmResult<Vec<GwCfg>> {
    let items = match req.get("ipConfigurations") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(gw_error(
                "GatewayIpConfigurationRequired",
                format!("Virtual network gateway {id} must have at least one IP configuration."),
            ))
        }
        Some(_) => {
            return Err(type_error(
                "properties.ipConfigurations",
                "VirtualNetworkGatewayIPConfiguration[]",
            ))
        }
    };
    let mut out: Vec<GwCfg> = Vec::new();
    for (i, raw) in items.iter().enumerate() {
        let name = raw.get("name").and_then(Value::as_str).ok_or_else(|| {
            type_error(&format!("properties.ipConfigurations[{i}].name"), "String")
        })?;
        let cid = id.child("ipConfigurations", name);
        validate_name(&cid)?;
        if out.iter().any(|c| c.id.key() == cid.key()) {
            return Err(ArmError::bad_request("DuplicateResourceName", format!("IP configuration name {name} is used more than once in virtual network gateway {id}.")));
        }
        let p = properties(raw)?;
        if enum_choice(
            &p,
            "privateIPAllocationMethod",
            &["Dynamic", "Static"],
            "Dynamic",
        )? == "Static"
        {
            return Err(ArmError::not_supported(
                "A static private IP on a virtual network gateway IP configuration",
            ));
        }
        let subnet_ref = opt_ref(&p, "subnet")?.ok_or_else(|| {
            gw_error(
                "SubnetReferenceRequired",
                format!("Subnet reference is required for ipconfiguration {cid}."),
            )
        })?;
        let subnet_id = ResourceId::parse(&subnet::check_reference(
            cx,
            &cid,
            &subnet_ref,
            SUBNET_TYPE,
            location,
        )?)?;
        let vnet_id = subnet_id
            .parent()
            .ok_or_else(|| ArmError::internal("subnet without parent"))?;
        let vnet_loc = cx
            .get(&vnet_id)?
            .and_then(|v| {
                v.get("location")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        if vnet_loc != location {
            return Err(ArmError::bad_request(
                "InvalidResourceReference",
                format!("Resource {subnet_ref} referenced by resource {cid} is in region {vnet_loc}, but the referencing resource is in region {location}. Both resources must be in the same region."),
            ));
        }
        if !subnet_id.name().eq_ignore_ascii_case("GatewaySubnet") {
            return Err(gw_error(
                "InvalidGatewaySubnet",
                format!("Subnet {subnet_id} referenced by IP configuration {cid} of virtual network gateway {id} is not named GatewaySubnet. A virtual network gateway can only be deployed in the subnet named GatewaySubnet. See aka.ms/GatewaySubnet."),
            ));
        }
        if let Some(first) = out.first() {
            if first.subnet.key() != subnet_id.key() {
                return Err(gw_error("GatewayIpConfigurationsInDifferentSubnets", format!("All IP configurations of virtual network gateway {id} must use the same GatewaySubnet.")));
            }
        }
        let pip = match opt_ref(&p, "publicIPAddress")? {
            Some(r) => Some(subnet::check_reference(cx, &cid, &r, PIP_TYPE, location)?),
            None if gateway_type == "Vpn" => {
                return Err(gw_error("PublicIpAddressRequiredForVpnGateway", format!("IP configuration {cid} of VPN gateway {id} must reference a public IP address.")))
            }
            None => None,
        };
        if let Some(pip) = &pip {
            if let Some(other) = out
                .iter()
                .find(|o| o.pip.as_deref().map(crate::id::key_of) == Some(crate::id::key_of(pip)))
            {
                return Err(public_ip_address::in_use(
                    &cid.to_string(),
                    pip,
                    &other.id.to_string(),
                ));
            }
            let own = format!("{}/", id.key());
            for user in public_ip_address::users(&cx.rx(), &ResourceId::parse(pip)?)? {
                if !crate::id::key_of(&user).starts_with(&own) {
                    return Err(public_ip_address::in_use(&cid.to_string(), pip, &user));
                }
            }
        }
        out.push(GwCfg {
            id: cid,
            subnet: subnet_id,
            pip,
        });
    }
    Ok(out)
}

/// The first IPv4 prefix of the GatewaySubnet.
fn gateway_prefix(rx: &Rx, subnet_id: &ResourceId) -> ArmResult<Option<Ipv4Net>> {
    let s = rx
        .get(subnet_id)?
        .ok_or_else(|| crate::cx::not_found(subnet_id))?;
    Ok(subnet::stored_prefixes(&s).into_iter().find_map(|n| {
        if let IpNet::V4(v) = n {
            Some(v)
        } else {
            None
        }
    }))
}

/// Where the gateway's BGP speakers listen: the last usable addresses of the GatewaySubnet
/// (one per instance; az shows e.g. `10.0.255.30` for a /27).
fn bgp_peering_addresses(prefix: Option<Ipv4Net>, instances: usize) -> Vec<String> {
    let Some((first, last)) = prefix.and_then(|p| vnetlab_ipam::assignable_range(&p)) else {
        return Vec::new();
    };
    let (first, last) = (u32::from(first), u32::from(last));
    (0..instances as u32)
        .rev()
        .filter_map(|k| last.checked_sub(k))
        .filter(|a| *a >= first)
        .map(|a| std::net::Ipv4Addr::from(a).to_string())
        .collect()
}

fn check_placement(
    rx: &Rx,
    id: &ResourceId,
    vnet: &ResourceId,
    gateway_type: &str,
    existing: Option<&Value>,
) -> ArmResult<()> {
    if existing.is_some() {
        if let Some(old_vnet) = gateway_vnet(rx, id)? {
            if old_vnet.key() != vnet.key() {
                return Err(gw_error("CannotChangeGatewayVirtualNetwork", format!("Virtual network gateway {id} is deployed in virtual network {old_vnet} and cannot be moved to virtual network {vnet}.")));
            }
        }
    }
    for other in super::peering::gateways_of(rx, vnet)? {
        if crate::id::key_of(&other) == id.key() {
            continue;
        }
        let other_type = rx.get_key(&other)?.and_then(|g| {
            g.pointer("/properties/gatewayType")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        if other_type.as_deref() == Some(gateway_type) {
            return Err(gw_error(
                "VirtualNetworkGatewayAlreadyExistsInVnet",
                format!("Virtual network {vnet} already has a virtual network gateway of type {gateway_type} ({other}). A virtual network can have one VPN gateway and one ExpressRoute gateway."),
            ));
        }
    }
    for link in rx.children(vnet, super::peering::PEERING_TYPE)? {
        if link
            .pointer("/properties/useRemoteGateways")
            .and_then(Value::as_bool)
            == Some(true)
        {
            let link_id = link.get("id").and_then(Value::as_str).unwrap_or_default();
            return Err(gw_error(
                "VnetUsesRemoteGateways",
                format!("Virtual network gateway {id} cannot be created in virtual network {vnet} because its peering {link_id} has UseRemoteGateways flag set to true. A virtual network that uses a remote gateway cannot have its own gateway."),
            ));
        }
    }
    Ok(())
}

impl ResourceKind for VirtualNetworkGateways {
    fn full_type(&self) -> &'static str {
        GATEWAY_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, GATEWAY_TYPE)?;
        check_location_unchanged(id, existing, &location)?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let req = properties(body)?;
        let gateway_type = enum_choice(
            &req,
            "gatewayType",
            &["Vpn", "ExpressRoute", "LocalGateway"],
            "Vpn",
        )?;
        if gateway_type == "LocalGateway" {
            return Err(ArmError::not_supported(
                "A virtual network gateway of type LocalGateway",
            ));
        }
        if req
            .get("vpnClientConfiguration")
            .is_some_and(|v| !v.is_null())
        {
            return Err(ArmError::not_supported(
                "Point-to-site configuration (vpnClientConfiguration)",
            ));
        }
        let vpn_type = enum_choice(
            &req,
            "vpnType",
            &["RouteBased", "PolicyBased"],
            "RouteBased",
        )?;
        let sku_obj = match req.get("sku") {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(type_error("properties.sku", "VirtualNetworkGatewaySku")),
        };
        let allowed = if gateway_type == "Vpn" {
            VPN_SKUS
        } else {
            ER_SKUS
        };
        let sku = opt_str(&sku_obj, "name")?.and_then(|n| allowed.iter().find(|a| a.eq_ignore_ascii_case(n))).map(|s| s.to_string()).ok_or_else(|| {
            // Code seen among the Network RP's fatal deployment errors; text [UNCONFIRMED].
            gw_error(
                "InvalidGatewaySize",
                format!("Gateway size {} is not valid for a gateway of type {gateway_type}. Valid sizes: {}.", opt_str(&sku_obj, "name").ok().flatten().unwrap_or("(none)"), allowed.join(", ")),
            )
        })?;
        let tier = opt_str(&sku_obj, "tier")?
            .and_then(|t| allowed.iter().find(|a| a.eq_ignore_ascii_case(t)))
            .map(|s| s.to_string())
            .unwrap_or_else(|| sku.clone());
        if vpn_type == "PolicyBased" && gateway_type == "Vpn" && sku != "Basic" {
            // Code seen among the Network RP's fatal deployment errors; text [UNCONFIRMED].
            return Err(gw_error("InvalidGatewaySkuProvidedForGatewayVpnType", format!("Gateway size {sku} is not supported for VPN type PolicyBased; PolicyBased gateways support only the Basic size.")));
        }
        let active_active = opt_bool(&req, "activeActive")?.unwrap_or(false);
        if active_active && (sku == "Basic" || gateway_type != "Vpn") {
            return Err(gw_error(
                "ActiveActiveNotSupportedForGatewaySku",
                format!("Active-active mode is not supported for gateway size {sku}."),
            ));
        }
        let cfgs = parse_cfgs(cx, id, &location, &gateway_type, &req)?;
        let wanted = if active_active { 2 } else { 1 };
        if cfgs.len() != wanted {
            return Err(gw_error(
                "InvalidNumberOfGatewayIpConfigurations",
                format!("Virtual network gateway {id} has {} IP configurations; a gateway with activeActive {active_active} needs exactly {wanted}.", cfgs.len()),
            ));
        }
        let subnet_id = cfgs[0].subnet.clone();
        let vnet = subnet_id
            .parent()
            .ok_or_else(|| ArmError::internal("subnet without parent"))?;
        let prefix = gateway_prefix(&cx.rx(), &subnet_id)?;
        let max_len = if sku == "Basic" { 29 } else { 27 };
        if prefix.is_none_or(|p| p.prefix_len() > max_len) {
            return Err(gw_error(
                "GatewaySubnetTooSmall",
                format!("The GatewaySubnet {subnet_id} of virtual network gateway {id} is too small for gateway size {sku}. The GatewaySubnet must be /{max_len} or larger."),
            ));
        }
        check_placement(&cx.rx(), id, &vnet, &gateway_type, existing)?;

        let enable_bgp = opt_bool(&req, "enableBgp")?.unwrap_or(false);
        let bgp_in = match req.get("bgpSettings") {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => Map::new(),
            Some(_) => return Err(type_error("properties.bgpSettings", "BgpSettings")),
        };
        let asn = opt_i64(&bgp_in, "asn")?.unwrap_or(65515);
        if !(1..=4_294_967_295).contains(&asn) {
            return Err(gw_error(
                "InvalidBgpAsn",
                format!("ASN {asn} of virtual network gateway {id} is not valid."),
            ));
        }
        let peer_weight = opt_i64(&bgp_in, "peerWeight")?.unwrap_or(0);
        let peering_addresses = bgp_peering_addresses(prefix, wanted);
        let generation = match opt_str(&req, "vpnGatewayGeneration")? {
            Some(_) => enum_choice(
                &req,
                "vpnGatewayGeneration",
                &["Generation1", "Generation2", "None"],
                "Generation1",
            )?,
            None if gateway_type != "Vpn" => "None".to_string(),
            None if sku.starts_with("VpnGw4") || sku.starts_with("VpnGw5") => {
                "Generation2".to_string()
            }
            None => "Generation1".to_string(),
        };
        let props = json!({
            "provisioningState": "Succeeded",
            "resourceGuid": keep_or_new_guid(cx, existing)?,
            "gatewayType": gateway_type,
            "vpnType": vpn_type,
            "vpnGatewayGeneration": generation,
            "sku": { "name": sku, "tier": tier, "capacity": 2 },
            "activeActive": active_active,
            "enableBgp": enable_bgp,
            "bgpSettings": { "asn": asn, "bgpPeeringAddress": peering_addresses.join(","), "peerWeight": peer_weight },
            "enablePrivateIpAddress": false,
            "disableIPSecReplayProtection": false,
            "allowRemoteVnetTraffic": false,
            "allowVirtualWanTraffic": false,
            "enableBgpRouteTranslationForNat": false,
            "natRules": [],
        });
        let etag = cx.etag()?;
        save(cx, id, &tracked(id, &location, &tags, &etag, props))?;
        for old in ip_configurations(&cx.rx(), id)? {
            let oid = crate::router::stored_id(&old)?;
            if !cfgs.iter().any(|c| c.id.key() == oid.key()) {
                cx.delete(&oid)?;
            }
        }
        for c in &cfgs {
            let mut p = json!({ "privateIPAllocationMethod": "Dynamic", "subnet": id_ref(&c.subnet.to_string()), "provisioningState": "Succeeded" });
            if let Some(pip) = &c.pip {
                p["publicIPAddress"] = id_ref(pip);
            }
            let mut rec = child(&c.id, p);
            rec["type"] = json!(GATEWAY_IPCONFIG_TYPE);
            // No kind is registered for these records: store their references directly.
            cx.put(&c.id, &rec, &refs_of_ipconfig(&rec))?;
        }
        Ok(())
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        let etag = stored.get("etag").cloned();
        let cfgs = ip_configurations(rx, id)?;
        let defaults: Vec<String> = stored
            .pointer("/properties/bgpSettings/bgpPeeringAddress")
            .and_then(Value::as_str)
            .map(|s| {
                s.split(',')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let mut peering = Vec::new();
        for (i, c) in cfgs.iter().enumerate() {
            let mut tunnel = Vec::new();
            if let Some(pip) = c
                .pointer("/properties/publicIPAddress/id")
                .and_then(Value::as_str)
                .and_then(|p| ResourceId::parse(p).ok())
            {
                if let Some(rec) = rx.get(&pip)? {
                    tunnel.extend(public_ip_address::effective_address(rx, &pip, &rec)?);
                }
            }
            peering.push(json!({
                "ipconfigurationId": c.get("id").cloned().unwrap_or(Value::Null),
                "defaultBgpIpAddresses": defaults.get(i).map(|d| vec![d.clone()]).unwrap_or_default(),
                "customBgpIpAddresses": [],
                "tunnelIpAddresses": tunnel,
            }));
        }
        out["properties"]["ipConfigurations"] = Value::Array(
            cfgs.into_iter()
                .map(|c| with_etag(c, etag.as_ref()))
                .collect(),
        );
        out["properties"]["bgpSettings"]["bgpPeeringAddresses"] = Value::Array(peering);
        Ok(out)
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        if let Some(conn) = connections_of(&cx.rx(), id)?.first() {
            // [UNCONFIRMED code/text; named after the Network RP's InUse…CannotBeDeleted family]
            return Err(gw_error(
                "InUseVirtualNetworkGatewayCannotBeDeleted",
                format!("Virtual network gateway {id} is in use by connection {conn} and cannot be deleted. Delete the connection first."),
            ));
        }
        cx.delete(id)?;
        Ok(())
    }
}
