//! `az network route-table create|show|list|update|delete` (AAZ, api 2025-07-01;
//! az-cli-surface.md §9). Every command prints the bare route table (no wrapper) and uses
//! knack's automatic table.

use super::apply_tags;
use super::network_nsg::{get_expanded, properties_mut};
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network route-table create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network route-table show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network route-table list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network route-table update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network route-table delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn table_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("routeTables/{name}")))
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = table_path(ctx)?;
    let rg = ctx.resource_group()?;
    let tags = ctx.aaz_tags()?;
    let mut body = json!({ "location": ctx.location_or_group(&rg)? });
    let mut props = Map::new();
    if let Some(b) = ctx.flag("disable_bgp_route_propagation") {
        props.insert("disableBgpRoutePropagation".into(), json!(b));
    }
    if let Some(d) = ctx.str("disable_peering_route") {
        props.insert("disablePeeringRoute".into(), json!(d));
    }
    if !props.is_empty() {
        body["properties"] = Value::Object(props);
    }
    if let Some(tags) = tags {
        body["tags"] = tags;
    }
    let table = ctx.put(&path, body)?;
    Ok(if ctx.no_wait() { Value::Null } else { table })
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(table_path)?;
    for_each_target(ctx, paths, |p| get_expanded(ctx, p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    ctx.list_all(&ctx.network_path(&rg, "routeTables"))
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let tags = ctx.update_tags()?;
    let paths = ctx.targets(table_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let mut table = ctx.get(path)?;
        if let Some(b) = ctx.flag("disable_bgp_route_propagation") {
            if let Some(props) = properties_mut(&mut table) {
                props["disableBgpRoutePropagation"] = json!(b);
            }
        }
        apply_tags(&mut table, &tags);
        generic_update::apply(ctx, &mut table)?;
        ctx.put(path, table)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(table_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
