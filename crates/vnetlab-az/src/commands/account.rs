//! `az account show|list|set` (az-cli-surface.md §3). vnetlab has one subscription and one
//! tenant; in-process there is no login, so the account is the local learner.

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "account show",
            handler: show,
            shape: Shape::Sdk,
            table: None,
        },
        CommandImpl {
            name: "account list",
            handler: list,
            shape: Shape::Sdk,
            table: None,
        },
        CommandImpl {
            name: "account set",
            handler: set,
            shape: Shape::Sdk,
            table: None,
        },
        // Embedded mode has nothing to sign in to: `login` prints the subscription list as az
        // does after a login, so tutorials that start with `az login` run unchanged.
        CommandImpl {
            name: "login",
            handler: list,
            shape: Shape::Sdk,
            table: None,
        },
        CommandImpl {
            name: "logout",
            handler: logout,
            shape: Shape::Sdk,
            table: None,
        },
    ]
}

fn account(ctx: &Ctx) -> Value {
    json!({
        "environmentName": "AzureCloud",
        "homeTenantId": ctx.client.tenant_id(),
        "id": ctx.subscription(),
        "isDefault": true,
        "managedByTenants": [],
        "name": ctx.client.subscription_name(),
        "state": "Enabled",
        "tenantId": ctx.client.tenant_id(),
        "user": { "name": "learner@vnetlab.local", "type": "user" },
    })
}

fn matches(ctx: &Ctx, wanted: &str) -> bool {
    wanted.eq_ignore_ascii_case(&ctx.subscription())
        || wanted.eq_ignore_ascii_case(&ctx.client.subscription_name())
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    if let Some(s) = ctx.str("subscription") {
        if !matches(ctx, &s) {
            return Err(CliError::validation(format!(
                "Subscription '{s}' not found. Check the spelling and casing and try again."
            )));
        }
    }
    Ok(account(ctx))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let mut a = account(ctx);
    if let Value::Object(m) = &mut a {
        m.insert("cloudName".into(), json!("AzureCloud"));
    }
    Ok(json!([a]))
}

fn set(ctx: &mut Ctx) -> Result<Value, CliError> {
    let s = ctx.str("subscription").unwrap_or_default();
    if matches(ctx, &s) {
        Ok(Value::Null)
    } else {
        Err(CliError::validation(format!(
            "The subscription of '{s}' doesn't exist in cloud 'AzureCloud'."
        )))
    }
}

fn logout(_ctx: &mut Ctx) -> Result<Value, CliError> {
    Ok(Value::Null)
}
