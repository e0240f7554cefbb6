//! `az network vnet-gateway create|show|list|update|delete` (AAZ; az-cli-surface.md §13).
//!
//! `create` follows `VnetGatewayCreate.pre_operations`: the subnet is always
//! `<vnet-id>/subnets/GatewaySubnet`, one IP configuration `vnetGatewayConfig<i>` per public
//! IP (two make the gateway active-active), `sku.tier` = `sku.name`, and any BGP flag turns
//! `enableBgp` on. It prints `{"vnetGateway": …}`. Placement rules (GatewaySubnet present
//! and large enough, one gateway per type and VNet, …) are the control plane's.

use super::apply_tags;
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network vnet-gateway create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet-gateway show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet-gateway list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet-gateway update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet-gateway delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn gateway_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("virtualNetworkGateways/{name}")))
}

fn group_of(path: &str) -> String {
    path.split('/').nth(4).unwrap_or_default().to_string()
}

fn list_arg(ctx: &Ctx, dest: &str) -> Option<Vec<String>> {
    ctx.list(dest).or_else(|| ctx.str(dest).map(|s| vec![s]))
}

/// The IP configurations `pre_operations` builds for a subnet and the public IP ids.
fn ip_configurations(subnet: &str, pips: &[String]) -> Value {
    if pips.is_empty() {
        return json!([{ "name": "vnetGatewayConfig", "properties": { "privateIPAllocationMethod": "Dynamic", "subnet": id_ref(subnet) } }]);
    }
    Value::Array(
        pips.iter()
            .enumerate()
            .map(|(i, pip)| {
                json!({
                    "name": format!("vnetGatewayConfig{i}"),
                    "properties": { "privateIPAllocationMethod": "Dynamic", "publicIPAddress": id_ref(pip), "subnet": id_ref(subnet) },
                })
            })
            .collect(),
    )
}

/// `--asn`, `--bgp-peering-address`, `--peer-weight` → `bgpSettings` (None when none given).
fn bgp_settings(ctx: &Ctx, existing: Option<&Value>) -> Option<Value> {
    let asn = ctx.args.int("asn");
    let address = ctx.str("bgp_peering_address");
    let weight = ctx.args.int("peer_weight");
    if asn.is_none() && address.is_none() && weight.is_none() {
        return None;
    }
    let mut b = existing
        .filter(|e| e.is_object())
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(a) = asn {
        b["asn"] = json!(a);
    }
    if let Some(a) = address {
        b["bgpPeeringAddress"] = json!(a);
    }
    if let Some(w) = weight {
        b["peerWeight"] = json!(w);
    }
    Some(b)
}

/// Point-to-site, NAT and identity settings: sent as az does where the shape is simple, so
/// the control plane answers (it does not emulate point-to-site).
fn refuse_unsupported(ctx: &Ctx) -> Result<(), CliError> {
    for (dest, flag) in [
        ("nat_rules", "--nat-rules"),
        ("mi_system_assigned", "--mi-system-assigned"),
        ("mi_user_assigned", "--mi-user-assigned"),
        ("edge_zone", "--edge-zone"),
        ("edge_zone_vnet_id", "--edge-zone-vnet-id"),
    ] {
        if ctx.given(dest) {
            return Err(CliError::validation(format!(
                "{flag} is not supported by vnetlab yet."
            )));
        }
    }
    Ok(())
}

/// `vpnClientConfiguration` from the VPN client flags, if any is given.
fn vpn_client(ctx: &Ctx) -> Option<Value> {
    let prefixes = list_arg(ctx, "address_prefixes");
    let protocols = list_arg(ctx, "client_protocol");
    if prefixes.is_none() && protocols.is_none() {
        return None;
    }
    let mut c = json!({});
    if let Some(p) = prefixes {
        c["vpnClientAddressPool"] = json!({ "addressPrefixes": p });
    }
    if let Some(p) = protocols {
        c["vpnClientProtocols"] = json!(p);
    }
    if let Some(types) = list_arg(ctx, "vpn_auth_type") {
        c["vpnAuthenticationTypes"] = json!(types);
    }
    for (dest, key) in [
        ("radius_server", "radiusServerAddress"),
        ("radius_secret", "radiusServerSecret"),
        ("aad_tenant", "aadTenant"),
        ("aad_audience", "aadAudience"),
        ("aad_issuer", "aadIssuer"),
    ] {
        if let Some(v) = ctx.str(dest) {
            c[key] = json!(v);
        }
    }
    let certs = match ctx.str("root_cert_name") {
        Some(n) => {
            json!([{ "name": n, "properties": { "publicCertData": ctx.str("root_cert_data") } }])
        }
        None => json!([]),
    };
    c["vpnClientRootCertificates"] = certs;
    Some(c)
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    refuse_unsupported(ctx)?;
    let location = ctx.location_or_group(&rg)?;
    let vnet = ctx.name_or_id(&ctx.required("vnet", "--vnet")?, &rg, "virtualNetworks");
    let subnet = format!("{vnet}/subnets/GatewaySubnet");
    let gateway_type = ctx.str("gateway_type").unwrap_or_else(|| "Vpn".to_string());
    let pips: Vec<String> = list_arg(ctx, "public_ip_addresses")
        .unwrap_or_default()
        .iter()
        .map(|p| ctx.name_or_id(p, &rg, "publicIPAddresses"))
        .collect();
    let local = gateway_type == "LocalGateway";
    let mut props = json!({
        "activeActive": !local && pips.len() == 2,
        "gatewayType": gateway_type,
        "ipConfigurations": if local { json!([]) } else { ip_configurations(&subnet, &pips) },
    });
    if !local {
        let sku = ctx.str("sku").unwrap_or_else(|| "Basic".to_string());
        props["sku"] = json!({ "name": sku, "tier": sku });
        props["vpnType"] = json!(ctx
            .str("vpn_type")
            .unwrap_or_else(|| "RouteBased".to_string()));
    }
    if let Some(b) = bgp_settings(ctx, None) {
        props["enableBgp"] = json!(true);
        props["bgpSettings"] = b;
    }
    for (dest, key) in [
        ("allow_remote_vnet_traffic", "allowRemoteVnetTraffic"),
        ("allow_vwan_traffic", "allowVirtualWanTraffic"),
        ("enable_private_ip", "enablePrivateIpAddress"),
        (
            "enable_high_bandwidth_vpn_gateway",
            "enableHighBandwidthVpnGateway",
        ),
    ] {
        if let Some(b) = ctx.flag(dest) {
            props[key] = json!(b);
        }
    }
    for (dest, key) in [
        ("vpn_gateway_generation", "vpnGatewayGeneration"),
        ("resiliency_model", "resiliencyModel"),
    ] {
        if let Some(v) = ctx.str(dest) {
            props[key] = json!(v);
        }
    }
    if let Some(site) = ctx.str("gateway_default_site") {
        props["gatewayDefaultSite"] = id_ref(&ctx.name_or_id(&site, &rg, "localNetworkGateways"));
    }
    let (min, max) = (
        ctx.args.int("min_scale_unit"),
        ctx.args.int("max_scale_unit"),
    );
    if min.is_some() || max.is_some() {
        let mut bounds = json!({});
        if let Some(m) = min {
            bounds["min"] = json!(m);
        }
        if let Some(m) = max {
            bounds["max"] = json!(m);
        }
        props["autoScaleConfiguration"] = json!({ "bounds": bounds });
    }
    if let Some(routes) = list_arg(ctx, "custom_routes") {
        props["customRoutes"] = json!({ "addressPrefixes": routes });
    }
    if let Some(c) = vpn_client(ctx) {
        props["vpnClientConfiguration"] = c;
    }
    let mut body = json!({ "location": location, "properties": props });
    if let Some(tags) = ctx.aaz_tags()? {
        body["tags"] = tags;
    }
    let gw = ctx.put(
        &ctx.network_path(&rg, &format!("virtualNetworkGateways/{name}")),
        body,
    )?;
    if ctx.no_wait() {
        return Ok(Value::Null);
    }
    Ok(json!({ "vnetGateway": gw }))
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(gateway_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p).map(aaz_output))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let mut all = ctx.list_all(&ctx.network_path(&rg, "virtualNetworkGateways"))?;
    if let Value::Array(items) = &mut all {
        for gw in items.iter_mut() {
            *gw = aaz_output(std::mem::take(gw));
        }
    }
    Ok(all)
}

/// az's AAZ output schema for gateways has no `type` on `ipConfigurations[]` (aaz
/// `vnet_gateway/_show.py`), so az drops the one ARM sends (found by the differential test
/// against the real az, tests/clients/differential.sh).
fn aaz_output(mut gw: Value) -> Value {
    if let Some(Value::Array(cfgs)) = gw.pointer_mut("/properties/ipConfigurations") {
        for c in cfgs.iter_mut().filter_map(Value::as_object_mut) {
            c.remove("type");
        }
    }
    gw
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(gateway_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let rg = group_of(path);
        let mut gw = ctx.get(path)?;
        if !gw["properties"].is_object() {
            gw["properties"] = json!({});
        }
        let props = &mut gw["properties"];
        if let Some(sku) = ctx.str("sku") {
            props["sku"] = json!({ "name": sku, "tier": sku });
        }
        if let Some(t) = ctx.str("vpn_type") {
            props["vpnType"] = json!(t);
        }
        if let Some(b) = ctx.flag("enable_bgp") {
            props["enableBgp"] = json!(b);
        }
        if let Some(b) = ctx.flag("active_active") {
            props["activeActive"] = json!(b);
        }
        if let Some(pips) = list_arg(ctx, "public_ip_addresses") {
            let subnet = props
                .pointer("/ipConfigurations/0/properties/subnet/id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let ids: Vec<String> = pips
                .iter()
                .map(|p| ctx.name_or_id(p, &rg, "publicIPAddresses"))
                .collect();
            props["ipConfigurations"] = ip_configurations(&subnet, &ids);
        }
        let existing = props.get("bgpSettings").cloned();
        if let Some(b) = bgp_settings(ctx, existing.as_ref()) {
            props["bgpSettings"] = b;
        }
        if let Some(site) = ctx.str("gateway_default_site") {
            props["gatewayDefaultSite"] =
                id_ref(&ctx.name_or_id(&site, &rg, "localNetworkGateways"));
        }
        if let Some(c) = vpn_client(ctx) {
            props["vpnClientConfiguration"] = c;
        }
        apply_tags(&mut gw, &ctx.update_tags()?);
        generic_update::apply(ctx, &mut gw)?;
        ctx.put(path, gw).map(aaz_output)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(gateway_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
