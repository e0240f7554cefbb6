//! `az network local-gateway create|show|list|update|delete` (AAZ; az-cli-surface.md §14).
//! `create` prints the bare resource; `list -o table` uses
//! `transform_local_gateway_table_output`.

use super::apply_tags;
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network local-gateway create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network local-gateway show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network local-gateway list",
            handler: list,
            shape: Shape::Aaz,
            table: Some(list_table),
        },
        CommandImpl {
            name: "network local-gateway update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network local-gateway delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn lng_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("localNetworkGateways/{name}")))
}

fn list_arg(ctx: &Ctx, dest: &str) -> Option<Vec<String>> {
    ctx.list(dest).or_else(|| ctx.str(dest).map(|s| vec![s]))
}

/// Applies the flags shared by create and update to `properties`.
fn apply_flags(ctx: &Ctx, props: &mut Value) {
    if let Some(ip) = ctx.str("gateway_ip_address") {
        props["gatewayIpAddress"] = json!(ip);
    }
    if let Some(p) = list_arg(ctx, "local_address_prefixes") {
        props["localNetworkAddressSpace"] = json!({ "addressPrefixes": p });
    }
    let asn = ctx.args.int("asn");
    let address = ctx.str("bgp_peering_address");
    let weight = ctx.args.int("peer_weight");
    if asn.is_some() || address.is_some() || weight.is_some() {
        if !props["bgpSettings"].is_object() {
            props["bgpSettings"] = json!({});
        }
        if let Some(a) = asn {
            props["bgpSettings"]["asn"] = json!(a);
        }
        if let Some(a) = address {
            props["bgpSettings"]["bgpPeeringAddress"] = json!(a);
        }
        if let Some(w) = weight {
            props["bgpSettings"]["peerWeight"] = json!(w);
        }
    }
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    let location = ctx.location_or_group(&rg)?;
    let mut props = json!({});
    apply_flags(ctx, &mut props);
    let mut body = json!({ "location": location, "properties": props });
    if let Some(tags) = ctx.aaz_tags()? {
        body["tags"] = tags;
    }
    let lng = ctx.put(
        &ctx.network_path(&rg, &format!("localNetworkGateways/{name}")),
        body,
    )?;
    Ok(if ctx.no_wait() { Value::Null } else { lng })
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(lng_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    ctx.list_all(&ctx.network_path(&rg, "localNetworkGateways"))
}

/// `transform_local_gateway_table_output`: the first address prefix, `, ...` when there
/// are more. Every key is read with `item[...]`, so a missing one fails the table.
fn list_table(v: &Value) -> Result<Value, ()> {
    let rows = v.as_array().ok_or(())?;
    let field = |r: &Value, k: &str| r.get(k).cloned().ok_or(());
    rows.iter()
        .map(|r| {
            let space = r.get("localNetworkAddressSpace").ok_or(())?;
            let prefixes: Vec<String> = match space.get("addressPrefixes") {
                Some(Value::Array(a)) if !a.is_empty() => a
                    .iter()
                    .map(|p| p.as_str().unwrap_or_default().to_string())
                    .collect(),
                Some(_) => vec![" ".to_string()],
                None if space.is_object() => return Err(()),
                None => vec![" ".to_string()],
            };
            let more = if prefixes.len() > 1 { ", ..." } else { "" };
            Ok(json!({
                "Name": field(r, "name")?,
                "Location": field(r, "location")?,
                "ResourceGroup": field(r, "resourceGroup")?,
                "ProvisioningState": field(r, "provisioningState")?,
                "GatewayIpAddress": field(r, "gatewayIpAddress")?,
                "AddressPrefixes": format!("{}{more}", prefixes.first().map(String::as_str).unwrap_or(" ")),
            }))
        })
        .collect::<Result<Vec<_>, ()>>()
        .map(Value::Array)
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(lng_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let mut lng = ctx.get(path)?;
        if !lng["properties"].is_object() {
            lng["properties"] = json!({});
        }
        apply_flags(ctx, &mut lng["properties"]);
        apply_tags(&mut lng, &ctx.update_tags()?);
        generic_update::apply(ctx, &mut lng)?;
        ctx.put(path, lng)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(lng_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
