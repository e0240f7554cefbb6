//! `az network vnet peering create|show|list|update|delete|sync` (AAZ; az-cli-surface.md §6).
//! `create` always sends every flag (false unless given; `--allow-vnet-access` too).

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network vnet peering create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet peering show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet peering list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet peering update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet peering delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet peering sync",
            handler: sync,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn peering_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let vnet = ctx.required("vnet_name", "--vnet-name")?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(
        &rg,
        &format!("virtualNetworks/{vnet}/virtualNetworkPeerings/{name}"),
    ))
}

const FLAGS: &[(&str, &str)] = &[
    ("allow_forwarded_traffic", "allowForwardedTraffic"),
    ("allow_gateway_transit", "allowGatewayTransit"),
    ("allow_vnet_access", "allowVirtualNetworkAccess"),
    ("use_remote_gateways", "useRemoteGateways"),
    ("peer_complete_vnets", "peerCompleteVnets"),
    ("enable_only_ipv6", "enableOnlyIPv6Peering"),
];

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = peering_path(ctx)?;
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    let remote = ctx.required("remote_vnet", "--remote-vnet")?;
    let mut props =
        json!({ "remoteVirtualNetwork": id_ref(&ctx.name_or_id(&remote, &rg, "virtualNetworks")) });
    for (dest, key) in FLAGS {
        if let Some(b) = ctx.flag(dest) {
            props[*key] = json!(b);
        }
    }
    for (dest, key) in [
        ("local_subnet_names", "localSubnetNames"),
        ("remote_subnet_names", "remoteSubnetNames"),
    ] {
        if let Some(l) = ctx.list(dest) {
            props[key] = json!(l);
        }
    }
    ctx.put(&path, json!({ "name": name, "properties": props }))
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(peering_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let vnet = ctx.required("vnet_name", "--vnet-name")?;
    ctx.list_all(&ctx.network_path(
        &rg,
        &format!("virtualNetworks/{vnet}/virtualNetworkPeerings"),
    ))
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(peering_path)?;
    for_each_target(ctx, paths, |path| {
        let mut link = ctx.get(path)?;
        for (dest, key) in FLAGS {
            if ctx.given(dest) {
                if let Some(b) = ctx.flag(dest) {
                    link["properties"][*key] = json!(b);
                }
            }
        }
        if let Some(remote) = ctx.str("remote_vnet") {
            let rg = path.split('/').nth(4).unwrap_or_default().to_string();
            link["properties"]["remoteVirtualNetwork"] =
                id_ref(&ctx.name_or_id(&remote, &rg, "virtualNetworks"));
        }
        generic_update::apply(ctx, &mut link)?;
        let mut req = ArmRequest::put(path, link);
        if ctx
            .str("sync_remote")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            req = req.with_query("syncRemoteAddressSpace", "true");
        }
        Ok(ctx.send(req)?.body.unwrap_or(Value::Null))
    })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(peering_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}

/// `sync_vnet_peering` (a custom command: its dests differ from the AAZ ones): GET the link,
/// then PUT it back with `syncRemoteAddressSpace=true`.
fn sync(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(|c| {
        let rg = c.required("resource_group_name", "-g")?;
        let vnet = c.required("virtual_network_name", "--vnet-name")?;
        let name = c.required("virtual_network_peering_name", "-n")?;
        Ok(c.network_path(
            &rg,
            &format!("virtualNetworks/{vnet}/virtualNetworkPeerings/{name}"),
        ))
    })?;
    for_each_target(ctx, paths, |p| sync_one(ctx, p))
}

fn sync_one(ctx: &Ctx, path: &str) -> Result<Value, CliError> {
    let path = path.to_string();
    let link = ctx.get(&path)?;
    let mut props =
        json!({ "remoteVirtualNetwork": link["properties"]["remoteVirtualNetwork"].clone() });
    for (_, key) in FLAGS.iter().filter(|(_, k)| *k != "peerCompleteVnets") {
        if let Some(v) = link["properties"].get(*key) {
            props[*key] = v.clone();
        }
    }
    let req = ArmRequest::put(
        path,
        json!({ "name": link["name"].clone(), "properties": props }),
    )
    .with_query("syncRemoteAddressSpace", "true");
    Ok(ctx.send(req)?.body.unwrap_or(Value::Null))
}
