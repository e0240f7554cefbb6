//! `az network nsg create|show|list|update|delete` (AAZ, api 2022-01-01; az-cli-surface.md §7).
//!
//! `create` is `custom.py::NSGCreate`, which wraps the AAZ result as `{"NewNSG": …}`; every
//! other command prints the bare NSG (or a list of them). No command here has a table
//! transformer (az 2.91's command table), so `-o table` is knack's automatic table.

use super::apply_tags;
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network nsg create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nsg show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nsg list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nsg update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nsg delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

/// A list argument's values; a lone string counts as a one-item list.
pub(crate) fn values(ctx: &Ctx, dest: &str) -> Option<Vec<String>> {
    match ctx.args.get(dest) {
        Some(crate::args::ArgValue::List(items)) => Some(items.clone()),
        Some(crate::args::ArgValue::Str(s)) => Some(vec![s.clone()]),
        _ => None,
    }
}

/// The resource group named in a resource id (its 5th segment).
pub(crate) fn group_of(id: &str) -> String {
    id.split('/').nth(4).unwrap_or_default().to_string()
}

/// The `properties` object of an ARM resource, created if absent; `None` if the resource
/// itself is not an object (so that indexing into the result cannot panic).
pub(crate) fn properties_mut(resource: &mut Value) -> Option<&mut Value> {
    let obj = resource.as_object_mut()?;
    let p = obj.entry("properties").or_insert_with(|| json!({}));
    if !p.is_object() {
        *p = json!({});
    }
    Some(p)
}

/// A GET with `$expand` when `--expand` is given (show commands).
pub(crate) fn get_expanded(ctx: &Ctx, path: &str) -> Result<Value, CliError> {
    let mut req = ArmRequest::get(path);
    if let Some(e) = ctx.str("expand") {
        req = req.with_query("$expand", &e);
    }
    Ok(ctx.send(req)?.body.unwrap_or(Value::Null))
}

fn nsg_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("networkSecurityGroups/{name}")))
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = nsg_path(ctx)?;
    let rg = ctx.resource_group()?;
    let tags = ctx.aaz_tags()?;
    let location = ctx.location_or_group(&rg)?;
    let mut body = json!({ "location": location });
    if let Some(tags) = tags {
        body["tags"] = tags;
    }
    let nsg = ctx.put(&path, body)?;
    if ctx.no_wait() {
        return Ok(Value::Null);
    }
    Ok(json!({ "NewNSG": nsg }))
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(nsg_path)?;
    for_each_target(ctx, paths, |p| get_expanded(ctx, p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = match ctx.str("resource_group") {
        Some(rg) => ctx.network_path(&rg, "networkSecurityGroups"),
        None => format!(
            "/subscriptions/{}/providers/Microsoft.Network/networkSecurityGroups",
            ctx.subscription()
        ),
    };
    ctx.list_all(&path)
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let tags = ctx.update_tags()?;
    let paths = ctx.targets(nsg_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let mut nsg = ctx.get(path)?;
        apply_tags(&mut nsg, &tags);
        generic_update::apply(ctx, &mut nsg)?;
        ctx.put(path, nsg)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(nsg_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
