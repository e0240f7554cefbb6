//! `az network asg create|show|list|update|delete` (AAZ, api 2021-08-01; azure-cli
//! `aaz/latest/network/asg`). No custom class wraps these commands, so `create` prints the
//! bare ASG, and no table transformer is registered (knack's automatic table).

use super::apply_tags;
use super::network_nsg::get_expanded;
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network asg create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network asg show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network asg list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network asg update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network asg delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn asg_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("applicationSecurityGroups/{name}")))
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = asg_path(ctx)?;
    let rg = ctx.resource_group()?;
    let tags = ctx.aaz_tags()?;
    let mut body = json!({ "location": ctx.location_or_group(&rg)? });
    if let Some(tags) = tags {
        body["tags"] = tags;
    }
    let asg = ctx.put(&path, body)?;
    Ok(if ctx.no_wait() { Value::Null } else { asg })
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(asg_path)?;
    for_each_target(ctx, paths, |p| get_expanded(ctx, p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = match ctx.str("resource_group") {
        Some(rg) => ctx.network_path(&rg, "applicationSecurityGroups"),
        None => format!(
            "/subscriptions/{}/providers/Microsoft.Network/applicationSecurityGroups",
            ctx.subscription()
        ),
    };
    ctx.list_all(&path)
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let tags = ctx.update_tags()?;
    let paths = ctx.targets(asg_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let mut asg = ctx.get(path)?;
        apply_tags(&mut asg, &tags);
        generic_update::apply(ctx, &mut asg)?;
        ctx.put(path, asg)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(asg_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
