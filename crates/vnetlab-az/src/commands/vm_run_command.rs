//! `az vm run-command invoke` (knack custom command `run_command_invoke`;
//! az-cli-surface.md §20): `POST …/virtualMachines/{vm}/runCommand` with
//! `{"commandId", "parameters", "script"}`. Unnamed `--parameters` values are named `arg1`,
//! `arg2`, … as az does; each `--scripts` value is one script line. The result keeps its
//! `value` envelope (SDK output: no flattening).

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![CommandImpl {
        name: "vm run-command invoke",
        handler: invoke,
        shape: Shape::Sdk,
        table: None,
    }]
}

fn vm_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.required("resource_group_name", "--resource-group")?;
    let name = ctx.required("vm_name", "--name")?;
    Ok(format!(
        "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}",
        ctx.subscription()
    ))
}

fn list_arg(ctx: &Ctx, dest: &str) -> Option<Vec<String>> {
    ctx.list(dest).or_else(|| ctx.str(dest).map(|s| vec![s]))
}

/// `--parameters a=b c` → `[{"name": "a", "value": "b"}, {"name": "arg1", "value": "c"}]`.
pub fn parameters(items: &[String]) -> Value {
    let mut auto = 0;
    Value::Array(
        items
            .iter()
            .map(|p| match p.split_once('=') {
                Some((n, v)) => json!({ "name": n, "value": v }),
                None => {
                    auto += 1;
                    json!({ "name": format!("arg{auto}"), "value": p })
                }
            })
            .collect(),
    )
}

fn invoke(ctx: &mut Ctx) -> Result<Value, CliError> {
    let command_id = ctx.required("command_id", "--command-id")?;
    let scripts = list_arg(ctx, "scripts");
    if let Some(s) = scripts.iter().flatten().find(|s| s.starts_with('@')) {
        return Err(CliError::validation(format!(
            "Loading --scripts from a file ({s}) is not supported by vnetlab yet."
        )));
    }
    let mut body = json!({
        "commandId": command_id,
        "parameters": parameters(&list_arg(ctx, "parameters").unwrap_or_default()),
    });
    if let Some(s) = scripts {
        body["script"] = json!(s);
    }
    let paths = ctx.targets(vm_path)?;
    for_each_target(ctx, paths, |p| {
        Ok(ctx
            .send(ArmRequest::post(format!("{p}/runCommand"), body.clone()))?
            .body
            .unwrap_or(Value::Null))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unnamed_parameters_are_numbered_like_az() {
        let p = parameters(&["a=b".into(), "hello".into(), "x=1=2".into(), "world".into()]);
        assert_eq!(
            p,
            json!([
                {"name": "a", "value": "b"},
                {"name": "arg1", "value": "hello"},
                {"name": "x", "value": "1=2"},
                {"name": "arg2", "value": "world"},
            ])
        );
    }
}
