//! `az network watcher list` and `az network watcher configure` (az-cli-surface.md §17).
//!
//! Azure (the control plane) creates `NetworkWatcherRG/NetworkWatcher_<region>` with the
//! first VNet of a region; `configure` is azure-cli's `configure_network_watcher`: list the
//! watchers, create `NetworkWatcher_<loc>` in `-g` for regions without one (`--enabled
//! true`), re-PUT the existing ones (tags), or delete them (`--enabled false`), then print
//! the list again.

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network watcher list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network watcher configure",
            handler: configure,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn watchers_path(ctx: &Ctx) -> String {
    format!(
        "/subscriptions/{}/providers/Microsoft.Network/networkWatchers",
        ctx.subscription()
    )
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    ctx.list_all(&watchers_path(ctx))
}

fn location_of(w: &Value) -> &str {
    w.get("location").and_then(Value::as_str).unwrap_or("")
}

fn configure(ctx: &mut Ctx) -> Result<Value, CliError> {
    let locations = ctx
        .list("locations")
        .or_else(|| ctx.str("locations").map(|l| vec![l]))
        .unwrap_or_default();
    let lowered: Vec<String> = locations.iter().map(|l| l.to_lowercase()).collect();
    let all = ctx.list_all(&watchers_path(ctx))?;
    let existing: Vec<Value> = all
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|w| lowered.iter().any(|l| l == location_of(w)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut missing: Vec<String> = Vec::new();
    for l in &locations {
        if !existing.iter().any(|w| location_of(w) == l) && !missing.contains(l) {
            missing.push(l.clone());
        }
    }
    let tags = ctx.knack_tags();
    let rg = ctx.str("resource_group_name");
    match ctx.flag("enabled") {
        None => {
            if let Some(rg) = &rg {
                ctx.warnings.push(format!("Resource group '{rg}' is only used when enabling new regions and will be ignored."));
            }
            for l in &missing {
                ctx.warnings.push(format!(
                    "Region '{l}' is not enabled for Network Watcher and will be ignored."
                ));
            }
            update_watchers(ctx, &existing, tags.as_ref())?;
        }
        Some(true) => {
            let Some(rg) = rg else {
                return Err(CliError::validation(
                    "usage error: '--resource-group' required when enabling new regions",
                ));
            };
            for l in &missing {
                let mut body = json!({ "location": l });
                if let Some(t) = &tags {
                    body["tags"] = t.clone();
                }
                ctx.put(
                    &ctx.network_path(&rg, &format!("networkWatchers/NetworkWatcher_{l}")),
                    body,
                )?;
            }
            update_watchers(ctx, &existing, tags.as_ref())?;
        }
        Some(false) => {
            if tags.is_some() {
                return Err(CliError::validation(
                    "usage error: '--tags' cannot be used when disabling regions",
                ));
            }
            for w in &existing {
                let id = w.get("id").and_then(Value::as_str).unwrap_or_default();
                ctx.warnings.push(format!(
                    "Disabling Network Watcher for region '{}' by deleting resource '{id}'",
                    location_of(w)
                ));
                ctx.delete(id)?;
            }
        }
    }
    ctx.list_all(&watchers_path(ctx))
}

/// `_update_network_watchers`: re-PUT each watcher with the new (or its own) tags.
fn update_watchers(ctx: &Ctx, watchers: &[Value], tags: Option<&Value>) -> Result<(), CliError> {
    for w in watchers {
        let id = w.get("id").and_then(Value::as_str).unwrap_or_default();
        let mut body = json!({ "location": location_of(w) });
        if let Some(t) = tags.or_else(|| w.get("tags")) {
            body["tags"] = t.clone();
        }
        ctx.put(id, body)?;
    }
    Ok(())
}
