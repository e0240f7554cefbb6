//! `az network vnet create|show|list|update|delete` (AAZ; az-cli-surface.md §4).

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network vnet create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet list",
            handler: list,
            shape: Shape::Aaz,
            table: Some(list_table),
        },
        CommandImpl {
            name: "network vnet update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network vnet delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn vnet_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("virtualNetworks/{name}")))
}

/// The default subnet prefix az computes (custom.py::VNetCreate): the first VNet prefix's
/// address with /24 when the VNet mask is shorter, else the VNet's own mask.
fn default_subnet_prefix(vnet_prefix: &str) -> String {
    match vnet_prefix.split_once('/') {
        Some((addr, len)) => match len.parse::<u8>() {
            Ok(l) if l < 24 => format!("{addr}/24"),
            _ => vnet_prefix.to_string(),
        },
        None => vnet_prefix.to_string(),
    }
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    let location = ctx.location_or_group(&rg)?;
    let prefixes = ctx
        .list("address_prefixes")
        .unwrap_or_else(|| vec!["10.0.0.0/16".to_string()]);
    let mut props = json!({
        "addressSpace": { "addressPrefixes": prefixes },
        "enableDdosProtection": ctx.flag("ddos_protection").unwrap_or(false),
        "enableVmProtection": ctx.flag("vm_protection").unwrap_or(false),
    });
    if let Some(dns) = ctx.list("dns_servers") {
        props["dhcpOptions"] = json!({ "dnsServers": dns });
    }
    if let Some(p) = ctx.str("pe_vnet_policies") {
        props["privateEndpointVNetPolicies"] = json!(p);
    }
    if let Some(t) = ctx.str("flowtimeout") {
        props["flowTimeoutInMinutes"] = t
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(t));
    }
    if let Some(c) = ctx.str("bgp_community") {
        props["bgpCommunities"] = json!({ "virtualNetworkCommunity": c });
    }
    if let Some(subnet_name) = ctx.str("subnet_name") {
        let mut sp = json!({});
        match ctx.list("subnet_prefixes") {
            Some(p) if p.len() > 1 => sp["addressPrefixes"] = json!(p),
            Some(p) if p.len() == 1 => sp["addressPrefix"] = json!(p[0]),
            _ => {
                sp["addressPrefix"] = json!(default_subnet_prefix(
                    prefixes
                        .first()
                        .map(String::as_str)
                        .unwrap_or("10.0.0.0/16")
                ))
            }
        }
        if let Some(nsg) = ctx.str("nsg").or_else(|| ctx.str("network_security_group")) {
            sp["networkSecurityGroup"] =
                id_ref(&ctx.name_or_id(&nsg, &rg, "networkSecurityGroups"));
        }
        props["subnets"] = json!([{ "name": subnet_name, "properties": sp }]);
    }
    let mut body = json!({ "location": location, "properties": props });
    if let Some(tags) = ctx.aaz_tags()? {
        body["tags"] = tags;
    }
    let vnet = ctx.put(
        &ctx.network_path(&rg, &format!("virtualNetworks/{name}")),
        body,
    )?;
    Ok(json!({ "newVNet": vnet }))
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(vnet_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = match ctx.str("resource_group") {
        Some(rg) => ctx.network_path(&rg, "virtualNetworks"),
        None => format!(
            "/subscriptions/{}/providers/Microsoft.Network/virtualNetworks",
            ctx.subscription()
        ),
    };
    ctx.list_all(&path)
}

/// `transform_vnet_table_output`.
fn list_table(v: &Value) -> Result<Value, ()> {
    let rows = v.as_array().ok_or(())?;
    let join = |x: Option<&Value>| -> Value {
        let items: Vec<&str> = x
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if items.is_empty() {
            json!(" ")
        } else {
            json!(items.join(", "))
        }
    };
    Ok(Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    "Name": r.get("name").cloned().unwrap_or(Value::Null),
                    "ResourceGroup": r.get("resourceGroup").cloned().unwrap_or(Value::Null),
                    "Location": r.get("location").cloned().unwrap_or(Value::Null),
                    "NumSubnets": r.get("subnets").and_then(Value::as_array).map(|a| a.len()).unwrap_or(0),
                    "Prefixes": join(r.pointer("/addressSpace/addressPrefixes")),
                    "DnsServers": join(r.pointer("/dhcpOptions/dnsServers")),
                    "DDOSProtection": r.get("enableDdosProtection").cloned().unwrap_or(json!(" ")),
                    "VMProtection": r.get("enableVmProtection").cloned().unwrap_or(json!(" ")),
                })
            })
            .collect(),
    ))
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(vnet_path)?;
    for_each_target(ctx, paths, |path| {
        let mut vnet = ctx.get(path)?;
        if let Some(p) = ctx.list("address_prefixes") {
            vnet["properties"]["addressSpace"] = json!({ "addressPrefixes": p });
        }
        if ctx.is_null("dns_servers") {
            if let Some(props) = vnet["properties"].as_object_mut() {
                props.remove("dhcpOptions");
            }
        } else if let Some(d) = ctx.list("dns_servers") {
            vnet["properties"]["dhcpOptions"] = json!({ "dnsServers": d });
        }
        if let Some(b) = ctx.flag("ddos_protection") {
            vnet["properties"]["enableDdosProtection"] = json!(b);
        }
        if let Some(b) = ctx.flag("vm_protection") {
            vnet["properties"]["enableVmProtection"] = json!(b);
        }
        if let Some(p) = ctx.str("pe_vnet_policies") {
            vnet["properties"]["privateEndpointVNetPolicies"] = json!(p);
        }
        generic_update::apply(ctx, &mut vnet)?;
        ctx.put(path, vnet)
    })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(vnet_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
