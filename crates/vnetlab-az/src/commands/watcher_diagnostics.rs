//! `az network watcher test-ip-flow`, `show-next-hop` and `test-connectivity`
//! (AAZ + azure-cli's custom pre-operations in `network/operations/watcher.py`;
//! az-cli-surface.md §17).
//!
//! Each looks the VM up (`GET …/virtualMachines/{vm}` with `-g`) for its location, lists the
//! subscription's network watchers, picks the one of that region (`network watcher is not
//! enabled for region X.` otherwise), and POSTs to it. `test-ip-flow` first splits
//! `--local`/`--remote` (`x.x.x.x:port`) before any request; `test-connectivity` is in preview
//! and says so on stderr.

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network watcher test-ip-flow",
            handler: test_ip_flow,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network watcher show-next-hop",
            handler: show_next_hop,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network watcher test-connectivity",
            handler: test_connectivity,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

const PREVIEW: &str =
    "This command is in preview and under development. Reference and support levels: https://aka.ms/CLI_refstatus";

/// azure-cli's `is_valid_resource_id` (enough of it: a parseable ARM id).
fn is_resource_id(s: &str) -> bool {
    s.starts_with('/') && vnetlab_arm::ResourceId::parse(s).is_ok()
}

fn compute_path(ctx: &Ctx, rg: &str, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}",
        ctx.subscription()
    )
}

/// `--vm`: an id, or a name formatted with `-g` (AAZ fills a missing group with `None`).
fn vm_id(ctx: &Ctx, vm: &str, rg: Option<&str>) -> String {
    if is_resource_id(vm) {
        vm.to_string()
    } else {
        compute_path(ctx, rg.unwrap_or("None"), vm)
    }
}

/// `get_network_watcher_from_vm`: GET the VM (by `-g` and the name the argument ends with)
/// for its location, then `get_network_watcher_from_location`.
fn watcher_for_vm(ctx: &Ctx, vm: &str, rg: Option<&str>) -> Result<String, CliError> {
    let name = vm.rsplit('/').next().unwrap_or(vm);
    let group = match (rg, is_resource_id(vm)) {
        (Some(g), _) => g.to_string(),
        // az would call the SDK with a None group; vnetlab takes the id's group instead.
        (None, true) => vm.split('/').nth(4).unwrap_or_default().to_string(),
        (None, false) => {
            return Err(CliError::validation(
                "usage error: --vm ID | --vm NAME --resource-group NAME",
            ))
        }
    };
    let vm_body = ctx.get(&compute_path(ctx, &group, name))?;
    let location = vm_body
        .get("location")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    watcher_for_location(ctx, &location)
}

fn watcher_for_location(ctx: &Ctx, location: &str) -> Result<String, CliError> {
    let watchers = ctx.list_all(&format!(
        "/subscriptions/{}/providers/Microsoft.Network/networkWatchers",
        ctx.subscription()
    ))?;
    watchers
        .as_array()
        .into_iter()
        .flatten()
        .find(|w| {
            w.get("location")
                .and_then(Value::as_str)
                .is_some_and(|l| l.eq_ignore_ascii_case(location))
        })
        .and_then(|w| w.get("id").and_then(Value::as_str))
        .map(str::to_string)
        .ok_or_else(|| {
            CliError::validation(format!(
                "network watcher is not enabled for region {location}."
            ))
        })
}

/// `--nic`: an id, or a name formatted with `-g`.
fn nic_id(ctx: &Ctx, rg: Option<&str>) -> Option<String> {
    ctx.str("nic").map(|n| {
        if is_resource_id(&n) {
            n
        } else {
            ctx.network_path(rg.unwrap_or("None"), &format!("networkInterfaces/{n}"))
        }
    })
}

fn post(ctx: &Ctx, watcher: &str, action: &str, body: Value) -> Result<Value, CliError> {
    Ok(ctx
        .send(ArmRequest::post(format!("{watcher}/{action}"), body))?
        .body
        .unwrap_or(Value::Null))
}

/// `x.x.x.x:port` split as Python's `a, b = s.split(":")`.
fn split_endpoint(s: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        [ip, port] => Some((ip.to_string(), port.to_string())),
        _ => None,
    }
}

fn test_ip_flow(ctx: &mut Ctx) -> Result<Value, CliError> {
    let local = ctx.required("local", "--local")?;
    let remote = ctx.required("remote", "--remote")?;
    let (Some((local_ip, local_port)), Some((remote_ip, remote_port))) =
        (split_endpoint(&local), split_endpoint(&remote))
    else {
        return Err(CliError::validation(
            "usage error: the format of the '--local' and '--remote' should be like x.x.x.x:port",
        ));
    };
    let rg = ctx.str("resource_group_name");
    let vm = ctx.required("vm", "--vm")?;
    let watcher = watcher_for_vm(ctx, &vm, rg.as_deref())?;
    let mut body = json!({
        "direction": ctx.required("direction", "--direction")?,
        "localIPAddress": local_ip,
        "localPort": local_port,
        "protocol": ctx.required("protocol", "--protocol")?,
        "remoteIPAddress": remote_ip,
        "remotePort": remote_port,
        "targetResourceId": vm_id(ctx, &vm, rg.as_deref()),
    });
    if let Some(n) = nic_id(ctx, rg.as_deref()) {
        body["targetNicResourceId"] = json!(n);
    }
    post(ctx, &watcher, "ipFlowVerify", body)
}

fn show_next_hop(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.str("resource_group_name");
    let vm = ctx.required("vm", "--vm")?;
    let watcher = watcher_for_vm(ctx, &vm, rg.as_deref())?;
    let mut body = json!({
        "destinationIPAddress": ctx.required("dest_ip", "--dest-ip")?,
        "sourceIPAddress": ctx.required("source_ip", "--source-ip")?,
        "targetResourceId": vm_id(ctx, &vm, rg.as_deref()),
    });
    if let Some(n) = nic_id(ctx, rg.as_deref()) {
        body["targetNicResourceId"] = json!(n);
    }
    post(ctx, &watcher, "nextHop", body)
}

fn int_arg(ctx: &Ctx, dest: &str) -> Option<Value> {
    if let Some(n) = ctx.args.int(dest) {
        return Some(json!(n));
    }
    let s = ctx.str(dest)?;
    Some(s.parse::<i64>().map(|n| json!(n)).unwrap_or(json!(s)))
}

fn test_connectivity(ctx: &mut Ctx) -> Result<Value, CliError> {
    ctx.warnings.push(PREVIEW.to_string());
    let source = ctx.required("source_resource", "--source-resource")?;
    let rg_arg = ctx.str("resource_group_name");
    let id_group = if is_resource_id(&source) {
        source.split('/').nth(4).map(str::to_string)
    } else {
        None
    };
    let Some(rg) = rg_arg.clone().or(id_group) else {
        return Err(CliError::validation(
            "usage error: --source-resource ID | --source-resource NAME --resource-group NAME",
        ));
    };
    let vm_name = source.rsplit('/').next().unwrap_or(&source).to_string();
    let vm_body = ctx.get(&compute_path(ctx, &rg, &vm_name))?;
    let location = vm_body
        .get("location")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let watcher = watcher_for_location(ctx, &location)?;
    let source_id = if is_resource_id(&source) {
        source.clone()
    } else {
        compute_path(ctx, &rg, &source)
    };
    let mut src = json!({ "resourceId": source_id });
    if let Some(p) = int_arg(ctx, "source_port") {
        src["port"] = p;
    }
    let mut dst = Map::new();
    if let Some(d) = ctx.str("dest_resource") {
        let id = if is_resource_id(&d) {
            d
        } else {
            compute_path(ctx, rg_arg.as_deref().unwrap_or("None"), &d)
        };
        dst.insert("resourceId".into(), json!(id));
    }
    if let Some(a) = ctx.str("dest_address") {
        dst.insert("address".into(), json!(a));
    }
    if let Some(p) = int_arg(ctx, "dest_port") {
        dst.insert("port".into(), p);
    }
    let mut body = json!({ "source": src, "destination": Value::Object(dst) });
    if let Some(p) = ctx.str("protocol") {
        body["protocol"] = json!(p);
    }
    let mut http = Map::new();
    if let Some(m) = ctx.str("method") {
        http.insert("method".into(), json!(m));
    }
    if let Some(h) = ctx.list("headers") {
        let headers: Vec<Value> = h
            .iter()
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
                json!({ "name": k, "value": v })
            })
            .collect();
        http.insert("headers".into(), Value::Array(headers));
    }
    if let Some(codes) = ctx.list("valid_status_codes") {
        let parsed: Vec<Value> = codes
            .iter()
            .map(|c| c.parse::<i64>().map(|n| json!(n)).unwrap_or(json!(c)))
            .collect();
        http.insert("validStatusCodes".into(), Value::Array(parsed));
    }
    if !http.is_empty() {
        body["protocolConfiguration"] = json!({ "HTTPConfiguration": Value::Object(http) });
    }
    post(ctx, &watcher, "connectivityCheck", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_split_like_python() {
        assert_eq!(
            split_endpoint("10.0.0.4:22"),
            Some(("10.0.0.4".into(), "22".into()))
        );
        assert_eq!(
            split_endpoint("10.0.0.4:*"),
            Some(("10.0.0.4".into(), "*".into()))
        );
        assert_eq!(split_endpoint("10.0.0.4"), None);
        assert_eq!(split_endpoint("10.0.0.4:1:2"), None);
        assert!(is_resource_id(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v"
        ));
        assert!(!is_resource_id("vm1"));
    }
}
