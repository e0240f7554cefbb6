//! `az network route-table route create|show|list|update|delete` (AAZ, api 2025-07-01;
//! az-cli-surface.md §10). `--next-hop-type` arrives canonicalised by the parser; the
//! client requires neither it nor `--address-prefix` (the service does). Bare routes are
//! printed, with knack's automatic table.

use super::network_nsg::properties_mut;
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network route-table route create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network route-table route show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network route-table route list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network route-table route update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network route-table route delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

/// (dest, property) of the route's settable fields.
const FIELDS: &[(&str, &str)] = &[
    ("address_prefix", "addressPrefix"),
    ("next_hop_type", "nextHopType"),
    ("next_hop_ip_address", "nextHopIpAddress"),
];

fn route_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let table = ctx.required("route_table_name", "--route-table-name")?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("routeTables/{table}/routes/{name}")))
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = route_path(ctx)?;
    let name = ctx.required("name", "-n")?;
    let mut props = Map::new();
    for (dest, key) in FIELDS {
        if let Some(v) = ctx.str(dest) {
            props.insert((*key).into(), json!(v));
        }
    }
    let route = ctx.put(&path, json!({ "name": name, "properties": props }))?;
    Ok(if ctx.no_wait() { Value::Null } else { route })
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(route_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let table = ctx.required("route_table_name", "--route-table-name")?;
    ctx.list_all(&ctx.network_path(&rg, &format!("routeTables/{table}/routes")))
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(route_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let mut route = ctx.get(path)?;
        if let Some(props) = properties_mut(&mut route) {
            for (dest, key) in FIELDS {
                if ctx.is_null(dest) {
                    if let Some(m) = props.as_object_mut() {
                        m.remove(*key);
                    }
                } else if let Some(v) = ctx.str(dest) {
                    props[*key] = json!(v);
                }
            }
        }
        generic_update::apply(ctx, &mut route)?;
        ctx.put(path, route)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(route_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
