//! `az network vnet subnet create|show|list|update|delete` (AAZ; az-cli-surface.md §5).

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network vnet subnet create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet subnet show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet subnet list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet subnet update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet subnet delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn subnet_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let vnet = ctx.required("vnet_name", "--vnet-name")?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("virtualNetworks/{vnet}/subnets/{name}")))
}

/// The group part of a subnet path (for name-to-id expansion of references).
fn group_of(path: &str) -> String {
    path.split('/').nth(4).unwrap_or_default().to_string()
}

/// Applies the flags shared by create and update to the subnet's `properties`.
fn apply_flags(ctx: &Ctx, rg: &str, props: &mut Value) {
    if let Some(p) = ctx.list("address_prefixes") {
        if let Some(m) = props.as_object_mut() {
            m.remove("addressPrefix");
            m.remove("addressPrefixes");
        }
        if p.len() == 1 {
            props["addressPrefix"] = json!(p[0]);
        } else {
            props["addressPrefixes"] = json!(p);
        }
    }
    for (dests, key, segment) in [
        (
            &["network_security_group", "nsg"][..],
            "networkSecurityGroup",
            "networkSecurityGroups",
        ),
        (&["route_table"][..], "routeTable", "routeTables"),
        (&["nat_gateway"][..], "natGateway", "natGateways"),
    ] {
        for dest in dests {
            if ctx.is_null(dest) {
                if let Some(m) = props.as_object_mut() {
                    m.remove(key);
                }
            } else if let Some(v) = ctx.str(dest) {
                props[key] = id_ref(&ctx.name_or_id(&v, rg, segment));
            }
        }
    }
    if let Some(eps) = ctx.list("service_endpoints") {
        props["serviceEndpoints"] =
            Value::Array(eps.iter().map(|s| json!({ "service": s })).collect());
    }
    if let Some(dels) = ctx.list("delegations") {
        props["delegations"] = Value::Array(
            dels.iter()
                .enumerate()
                .map(|(i, d)| json!({ "name": i.to_string(), "properties": { "serviceName": expand_delegation(d) } }))
                .collect(),
        );
    }
    if let Some(b) = ctx.flag("default_outbound") {
        props["defaultOutboundAccess"] = json!(b);
    }
    for (dest, key) in [
        (
            "private_endpoint_network_policies",
            "privateEndpointNetworkPolicies",
        ),
        ("ple_network_policies", "privateEndpointNetworkPolicies"),
        (
            "private_link_service_network_policies",
            "privateLinkServiceNetworkPolicies",
        ),
        ("pls_network_policies", "privateLinkServiceNetworkPolicies"),
    ] {
        if ctx.given(dest) {
            if let Some(v) = ctx.str(dest) {
                props[key] = json!(v);
            }
        }
    }
}

/// `X.Y.Z` is short for `Microsoft.Y/Z`.
fn expand_delegation(d: &str) -> String {
    if d.contains('/') {
        return d.to_string();
    }
    let parts: Vec<&str> = d.split('.').collect();
    if parts.len() == 3 {
        format!("Microsoft.{}/{}", parts[1], parts[2])
    } else {
        d.to_string()
    }
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = subnet_path(ctx)?;
    let rg = group_of(&path);
    let name = ctx.required("name", "-n")?;
    let mut props = json!({
        "privateEndpointNetworkPolicies": "Disabled",
        "privateLinkServiceNetworkPolicies": "Enabled",
    });
    apply_flags(ctx, &rg, &mut props);
    ctx.put(&path, json!({ "name": name, "properties": props }))
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(subnet_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let vnet = ctx.required("vnet_name", "--vnet-name")?;
    ctx.list_all(&ctx.network_path(&rg, &format!("virtualNetworks/{vnet}/subnets")))
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(subnet_path)?;
    for_each_target(ctx, paths, |path| {
        let mut subnet = ctx.get(path)?;
        let rg = group_of(path);
        if !subnet["properties"].is_object() {
            subnet["properties"] = json!({});
        }
        apply_flags(ctx, &rg, &mut subnet["properties"]);
        generic_update::apply(ctx, &mut subnet)?;
        ctx.put(path, subnet)
    })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(subnet_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
