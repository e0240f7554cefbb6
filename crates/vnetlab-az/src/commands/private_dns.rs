//! `az network private-dns zone create|show|list|delete` and `az network private-dns link
//! vnet create|show|list|update|delete` (AAZ, module `privatedns`; az-cli-surface.md §16).
//!
//! Creates GET the resource group first (as az does), send `"location": "global"` and
//! `If-None-Match: *` (create-only: an existing zone or link is the service's 412).
//! Deletes ask for confirmation like `group delete` unless `--yes`.

use super::apply_tags;
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network private-dns zone create",
            handler: zone_create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network private-dns zone show",
            handler: zone_show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network private-dns zone list",
            handler: zone_list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network private-dns zone delete",
            handler: zone_delete,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network private-dns link vnet create",
            handler: link_create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network private-dns link vnet show",
            handler: link_show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network private-dns link vnet list",
            handler: link_list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network private-dns link vnet update",
            handler: link_update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network private-dns link vnet delete",
            handler: link_delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn zone_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("privateDnsZones/{name}")))
}

fn link_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let zone = ctx.required("zone_name", "--zone-name")?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(
        &rg,
        &format!("privateDnsZones/{zone}/virtualNetworkLinks/{name}"),
    ))
}

/// A create-only PUT (`If-None-Match: *`).
fn put_new(ctx: &Ctx, path: &str, body: Value) -> Result<Value, CliError> {
    let mut req = ArmRequest::put(path, body);
    req.if_none_match = Some("*".to_string());
    Ok(ctx.send(req)?.body.unwrap_or(Value::Null))
}

/// A DELETE with the optional `--if-match` etag, after the confirmation prompt.
fn confirmed_delete(ctx: &mut Ctx, paths: Vec<String>) -> Result<Value, CliError> {
    if ctx.flag("yes") != Some(true) && !group::confirm(ctx)? {
        return Err(CliError::validation("Operation cancelled."));
    }
    let if_match = ctx.str("if_match");
    for p in paths {
        let mut req = ArmRequest::delete(&p);
        req.if_match = if_match.clone();
        ctx.send(req)?;
    }
    Ok(Value::Null)
}

fn zone_create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    ctx.get(&ctx.group_path(&rg))?;
    let mut body = json!({ "location": "global" });
    if let Some(tags) = ctx.aaz_tags()? {
        body["tags"] = tags;
    }
    let zone = put_new(
        ctx,
        &ctx.network_path(&rg, &format!("privateDnsZones/{name}")),
        body,
    )?;
    Ok(if ctx.no_wait() { Value::Null } else { zone })
}

fn zone_show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(zone_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn zone_list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = match ctx.str("resource_group") {
        Some(rg) => ctx.network_path(&rg, "privateDnsZones"),
        None => format!(
            "/subscriptions/{}/providers/Microsoft.Network/privateDnsZones",
            ctx.subscription()
        ),
    };
    ctx.list_all(&path)
}

fn zone_delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(zone_path)?;
    confirmed_delete(ctx, paths)
}

fn link_create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = link_path(ctx)?;
    let rg = ctx.resource_group()?;
    let vnet = ctx.name_or_id(
        &ctx.required("virtual_network", "--virtual-network")?,
        &rg,
        "virtualNetworks",
    );
    ctx.get(&ctx.group_path(&rg))?;
    let mut props = json!({
        "registrationEnabled": ctx.flag("registration_enabled").unwrap_or(false),
        "virtualNetwork": id_ref(&vnet),
    });
    if let Some(p) = ctx.str("resolution_policy") {
        props["resolutionPolicy"] = json!(p);
    }
    let mut body = json!({ "location": "global", "properties": props });
    if let Some(tags) = ctx.aaz_tags()? {
        body["tags"] = tags;
    }
    let link = put_new(ctx, &path, body)?;
    Ok(if ctx.no_wait() { Value::Null } else { link })
}

fn link_show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(link_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn link_list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let zone = ctx.required("zone_name", "--zone-name")?;
    ctx.list_all(&ctx.network_path(&rg, &format!("privateDnsZones/{zone}/virtualNetworkLinks")))
}

fn link_update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(link_path)?;
    let if_match = ctx.str("if_match");
    let result = for_each_target(ctx, paths, |path| {
        let mut link = ctx.get(path)?;
        if !link["properties"].is_object() {
            link["properties"] = json!({});
        }
        if let Some(b) = ctx.flag("registration_enabled") {
            link["properties"]["registrationEnabled"] = json!(b);
        }
        if let Some(p) = ctx.str("resolution_policy") {
            link["properties"]["resolutionPolicy"] = json!(p);
        }
        apply_tags(&mut link, &ctx.update_tags()?);
        generic_update::apply(ctx, &mut link)?;
        let mut req = ArmRequest::put(path, link);
        req.if_match = if_match.clone();
        Ok(ctx.send(req)?.body.unwrap_or(Value::Null))
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn link_delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(link_path)?;
    confirmed_delete(ctx, paths)
}
