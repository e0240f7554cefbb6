//! `az group` (SDK-based: nulls printed, nothing flattened; az-cli-surface.md §2).

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "group create",
            handler: create,
            shape: Shape::Sdk,
            table: None,
        },
        CommandImpl {
            name: "group show",
            handler: show,
            shape: Shape::Sdk,
            table: None,
        },
        CommandImpl {
            name: "group list",
            handler: list,
            shape: Shape::Sdk,
            table: Some(list_table),
        },
        CommandImpl {
            name: "group delete",
            handler: delete,
            shape: Shape::Sdk,
            table: None,
        },
        CommandImpl {
            name: "group exists",
            handler: exists,
            shape: Shape::Sdk,
            table: None,
        },
    ]
}

fn name(ctx: &Ctx) -> Result<String, CliError> {
    ctx.required("rg_name", "--name")
        .or_else(|_| ctx.required("resource_group_name", "--name"))
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = name(ctx)?;
    let mut body = json!({ "location": ctx.str("location").unwrap_or_default() });
    if let Some(tags) = ctx.knack_tags() {
        body["tags"] = tags;
    }
    if let Some(m) = ctx.str("managed_by") {
        body["managedBy"] = json!(m);
    }
    ctx.put(&ctx.group_path(&rg), body)
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = name(ctx)?;
    ctx.get(&ctx.group_path(&rg))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let groups = ctx.list_all(&format!(
        "/subscriptions/{}/resourcegroups",
        ctx.subscription()
    ))?;
    let Some(tag) = ctx.str("tag") else {
        return Ok(groups);
    };
    let (k, v) = tag
        .split_once('=')
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .unwrap_or((tag.clone(), None));
    let filtered = groups
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|g| match (g.get("tags").and_then(|t| t.get(&k)), &v) {
                    (Some(val), Some(want)) => val.as_str() == Some(want.as_str()),
                    (Some(_), None) => true,
                    _ => false,
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    Ok(Value::Array(filtered))
}

/// `transform_resource_group_list`: Name, Location, Status.
fn list_table(v: &Value) -> Result<Value, ()> {
    let rows = v.as_array().ok_or(())?;
    Ok(Value::Array(
        rows.iter()
            .map(|g| {
                json!({
                    "Name": g.get("name").cloned().unwrap_or(Value::Null),
                    "Location": g.get("location").cloned().unwrap_or(Value::Null),
                    "Status": g.pointer("/properties/provisioningState").cloned().unwrap_or(Value::Null),
                })
            })
            .collect(),
    ))
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = name(ctx)?;
    if ctx.flag("yes") != Some(true) && !confirm(ctx)? {
        return Err(CliError::validation("Operation cancelled."));
    }
    ctx.delete(&ctx.group_path(&rg))
}

/// knack's `prompt_y_n`; without a TTY az refuses (exit 1) and says why.
pub fn confirm(ctx: &mut Ctx) -> Result<bool, CliError> {
    if !ctx.interactive {
        return Err(CliError::raw(
            1,
            "WARNING: Unable to prompt for confirmation as no tty available. Use --yes.\nERROR: Operation cancelled.\n",
        ));
    }
    use std::io::Write;
    eprint!("Are you sure you want to perform this operation? (y/n): ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() {
        return Ok(false);
    }
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

fn exists(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = name(ctx)?;
    let resp = ctx
        .client
        .send(&ArmRequest::new(Method::Head, ctx.group_path(&rg)));
    Ok(Value::Bool(resp.is_success()))
}
