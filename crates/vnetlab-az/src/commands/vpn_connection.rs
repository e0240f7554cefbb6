//! `az network vpn-connection create|show|list|update|delete` (az-cli-surface.md §15).
//!
//! `create` is a knack command whose validator
//! (`_validators.py::process_vpn_connection_create_namespace`) needs exactly one of
//! `--vnet-gateway2`, `--local-gateway2`, `--express-route-circuit2` (a plain `ValueError`:
//! exit 2) and a shared key for VNet-to-VNet and site-to-site (a `CLIError`: exit 1). az
//! deploys a one-resource template whose output is `reference(<name>)`, the connection's
//! properties; vnetlab PUTs the connection directly and prints
//! `{"resource": <its properties>}` (a plain dict: nulls survive, nothing is flattened).
//! The shared key is sent once and never stored in the CLI's output (the control plane
//! never renders it).

use super::apply_tags;
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network vpn-connection create",
            handler: create,
            shape: Shape::Sdk,
            table: Some(passthrough_table),
        },
        CommandImpl {
            name: "network vpn-connection show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vpn-connection list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vpn-connection update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vpn-connection delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

/// `deployment_validate_table_format`: a result with neither `error` nor `properties` is
/// passed through unchanged.
fn passthrough_table(v: &Value) -> Result<Value, ()> {
    Ok(v.clone())
}

fn connection_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("connections/{name}")))
}

fn list_arg(ctx: &Ctx, dest: &str) -> Option<Vec<String>> {
    ctx.list(dest).or_else(|| ctx.str(dest).map(|s| vec![s]))
}

/// A knack validator's `ValueError`: knack turns it into a parser error, exit 2, with no
/// examples trailer (`AzCliCommandParser.validation_error`).
fn validator_value_error(message: &str) -> CliError {
    CliError::usage(message)
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.required("resource_group_name", "--resource-group")?;
    let name = ctx.required("connection_name", "--name")?;
    // get_default_location_from_resource_group runs first; a failure escapes the validator.
    let location = ctx
        .location_or_group(&rg)
        .map_err(|e| CliError::raw(2, e.stderr))?;
    let targets: Vec<&str> = ["express_route_circuit2", "local_gateway2", "vnet_gateway2"]
        .into_iter()
        .filter(|d| ctx.str(d).is_some_and(|v| !v.is_empty()))
        .collect();
    if targets.len() != 1 {
        return Err(validator_value_error(
            "usage error: --vnet-gateway2 NAME_OR_ID | --local-gateway2 NAME_OR_ID | --express-route-circuit2 NAME_OR_ID",
        ));
    }
    let shared_key = ctx.str("shared_key").filter(|k| !k.is_empty());
    let certificate = ctx
        .str("auth_type")
        .is_some_and(|t| t.eq_ignore_ascii_case("Certificate"));
    if targets[0] != "express_route_circuit2" && shared_key.is_none() && !certificate {
        return Err(CliError::validation(
            "--shared-key is required for VNET-to-VNET or Site-to-Site connections.",
        ));
    }
    if targets[0] == "express_route_circuit2" && shared_key.is_some() {
        return Err(CliError::validation(
            "--shared-key cannot be used with an ExpressRoute connection.",
        ));
    }
    if ctx.flag("validate") == Some(true) {
        return Err(CliError::validation(
            "--validate is not supported by vnetlab yet.",
        ));
    }
    let gw1 = ctx.name_or_id(
        &ctx.required("vnet_gateway1", "--vnet-gateway1")?,
        &rg,
        "virtualNetworkGateways",
    );
    let mut props = json!({
        "virtualNetworkGateway1": id_ref(&gw1),
        "enableBgp": ctx.flag("enable_bgp").unwrap_or(false),
        "routingWeight": ctx.args.int("routing_weight").unwrap_or(10),
        "usePolicyBasedTrafficSelectors": ctx.flag("use_policy_based_traffic_selectors").unwrap_or(false),
    });
    if let Some(b) = ctx.flag("express_route_gateway_bypass") {
        props["expressRouteGatewayBypass"] = json!(b);
    }
    match targets[0] {
        "local_gateway2" => {
            props["connectionType"] = json!("IPSec");
            let lng = ctx.name_or_id(
                &ctx.str("local_gateway2").unwrap_or_default(),
                &rg,
                "localNetworkGateways",
            );
            props["localNetworkGateway2"] = id_ref(&lng);
        }
        "vnet_gateway2" => {
            props["connectionType"] = json!("Vnet2Vnet");
            let gw2 = ctx.name_or_id(
                &ctx.str("vnet_gateway2").unwrap_or_default(),
                &rg,
                "virtualNetworkGateways",
            );
            props["virtualNetworkGateway2"] = id_ref(&gw2);
        }
        _ => {
            props["connectionType"] = json!("ExpressRoute");
            let circuit = ctx.name_or_id(
                &ctx.str("express_route_circuit2").unwrap_or_default(),
                &rg,
                "expressRouteCircuits",
            );
            props["peer"] = id_ref(&circuit);
        }
    }
    if let Some(k) = shared_key {
        props["sharedKey"] = json!(k);
    }
    if let Some(k) = ctx.str("authorization_key") {
        props["authorizationKey"] = json!(k);
    }
    if let Some(t) = ctx.str("auth_type") {
        props["authenticationType"] = json!(t);
    }
    for (dest, key) in [
        ("ingress_nat_rule", "ingressNatRules"),
        ("egress_nat_rule", "egressNatRules"),
    ] {
        if let Some(rules) = list_arg(ctx, dest) {
            props[key] = Value::Array(
                rules
                    .iter()
                    .map(|r| {
                        id_ref(&format!(
                            "{gw1}/natRules/{}",
                            r.rsplit('/').next().unwrap_or(r)
                        ))
                    })
                    .collect(),
            );
        }
    }
    let mut body = json!({ "location": location, "properties": props });
    if let Some(tags) = ctx.knack_tags() {
        body["tags"] = tags;
    }
    let path = ctx.network_path(&rg, &format!("connections/{name}"));
    ctx.put(&path, body)?;
    // The template's output: `reference('<name>')`, the properties of the connection.
    let conn = ctx.get(&path)?;
    Ok(json!({ "resource": conn.get("properties").cloned().unwrap_or_else(|| json!({})) }))
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(connection_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let all = ctx.list_all(&ctx.network_path(&rg, "connections"))?;
    let Some(gw) = ctx.str("vnet_gateway") else {
        return Ok(all);
    };
    let gw_id = ctx
        .name_or_id(&gw, &rg, "virtualNetworkGateways")
        .to_ascii_lowercase();
    let refers = |c: &Value| {
        ["virtualNetworkGateway1", "virtualNetworkGateway2"]
            .iter()
            .any(|k| {
                c.pointer(&format!("/properties/{k}/id"))
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.to_ascii_lowercase() == gw_id)
            })
    };
    Ok(Value::Array(
        all.as_array()
            .map(|a| a.iter().filter(|c| refers(c)).cloned().collect())
            .unwrap_or_default(),
    ))
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(connection_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let mut conn = ctx.get(path)?;
        if !conn["properties"].is_object() {
            conn["properties"] = json!({});
        }
        for (dest, key) in [
            ("enable_bgp", "enableBgp"),
            (
                "use_policy_based_traffic_selectors",
                "usePolicyBasedTrafficSelectors",
            ),
            ("express_route_gateway_bypass", "expressRouteGatewayBypass"),
        ] {
            if let Some(b) = ctx.flag(dest) {
                conn["properties"][key] = json!(b);
            }
        }
        if let Some(w) = ctx.args.int("routing_weight") {
            conn["properties"]["routingWeight"] = json!(w);
        }
        if let Some(k) = ctx.str("shared_key") {
            conn["properties"]["sharedKey"] = json!(k);
        }
        apply_tags(&mut conn, &ctx.update_tags()?);
        generic_update::apply(ctx, &mut conn)?;
        ctx.put(path, conn)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(connection_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
