//! `az network nic create|show|list|update|delete` and `az network nic ip-config
//! create|show|list|update|delete` (AAZ; az-cli-surface.md §11).
//!
//! `create` sends one IP configuration named `ipconfig1` (Static when
//! `--private-ip-address` is given) and prints `{"NewNIC": …}`. The `ip-config` commands are
//! AAZ sub-resource commands: they GET the NIC, change its `ipConfigurations` and PUT the
//! whole NIC back; they print the one IP configuration.

use super::apply_tags;
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network nic create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic show",
            handler: show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic list",
            handler: list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic ip-config create",
            handler: ipconfig_create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic ip-config show",
            handler: ipconfig_show,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic ip-config list",
            handler: ipconfig_list,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic ip-config update",
            handler: ipconfig_update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nic ip-config delete",
            handler: ipconfig_delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

fn nic_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("networkInterfaces/{name}")))
}

/// The group segment of a resource path.
fn group_of(path: &str) -> String {
    path.split('/').nth(4).unwrap_or_default().to_string()
}

/// A list argument, whether the parser kept one value as a string or as a list.
fn list_arg(ctx: &Ctx, dest: &str) -> Option<Vec<String>> {
    ctx.list(dest).or_else(|| ctx.str(dest).map(|s| vec![s]))
}

/// `--subnet`: an id, or a name in `--vnet-name` of the group (AAZ fills a missing
/// `{vnet_name}` with Python's `None`).
fn subnet_id(ctx: &Ctx, rg: &str, subnet: &str) -> String {
    if subnet.starts_with('/') {
        return subnet.to_string();
    }
    let vnet = ctx.str("vnet_name").unwrap_or_else(|| "None".to_string());
    ctx.network_path(rg, &format!("virtualNetworks/{vnet}/subnets/{subnet}"))
}

/// Load balancer and application gateway pools need resource types vnetlab has not built.
fn refuse_unsupported(ctx: &Ctx) -> Result<(), CliError> {
    for (dest, flag) in [
        ("lb_address_pools", "--lb-address-pools"),
        ("lb_inbound_nat_rules", "--lb-inbound-nat-rules"),
        ("app_gateway_address_pools", "--app-gateway-address-pools"),
        ("edge_zone", "--edge-zone"),
    ] {
        if ctx.given(dest) && !ctx.is_null(dest) {
            return Err(CliError::validation(format!(
                "{flag} is not supported by vnetlab yet."
            )));
        }
    }
    Ok(())
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    refuse_unsupported(ctx)?;
    let location = ctx.location_or_group(&rg)?;
    let subnet = ctx.required("subnet", "--subnet")?;
    let mut ip = json!({
        "privateIPAddressVersion": ctx.str("private_ip_address_version").unwrap_or_else(|| "IPv4".to_string()),
        "privateIPAllocationMethod": if ctx.str("private_ip_address").is_some() { "Static" } else { "Dynamic" },
        "subnet": id_ref(&subnet_id(ctx, &rg, &subnet)),
    });
    if let Some(addr) = ctx.str("private_ip_address") {
        ip["privateIPAddress"] = json!(addr);
    }
    if let Some(pip) = ctx.str("public_ip_address") {
        ip["publicIPAddress"] = id_ref(&ctx.name_or_id(&pip, &rg, "publicIPAddresses"));
    }
    if let Some(asgs) = list_arg(ctx, "application_security_groups") {
        ip["applicationSecurityGroups"] = Value::Array(
            asgs.iter()
                .map(|a| id_ref(&ctx.name_or_id(a, &rg, "applicationSecurityGroups")))
                .collect(),
        );
    }
    let mut props = json!({ "ipConfigurations": [{ "name": "ipconfig1", "properties": ip }] });
    if let Some(b) = ctx.flag("accelerated_networking") {
        props["enableAcceleratedNetworking"] = json!(b);
    }
    if let Some(b) = ctx.flag("ip_forwarding") {
        props["enableIPForwarding"] = json!(b);
    }
    if let Some(nsg) = ctx.str("network_security_group") {
        props["networkSecurityGroup"] = id_ref(&ctx.name_or_id(&nsg, &rg, "networkSecurityGroups"));
    }
    let dns = list_arg(ctx, "dns_servers");
    let label = ctx.str("internal_dns_name");
    if dns.is_some() || label.is_some() {
        let mut d = json!({});
        if let Some(servers) = dns {
            d["dnsServers"] = json!(servers);
        }
        if let Some(l) = label {
            d["internalDnsNameLabel"] = json!(l);
        }
        props["dnsSettings"] = d;
    }
    for (dest, key) in [
        ("auxiliary_mode", "auxiliaryMode"),
        ("auxiliary_sku", "auxiliarySku"),
    ] {
        if let Some(v) = ctx.str(dest) {
            props[key] = json!(v);
        }
    }
    let mut body = json!({ "location": location, "properties": props });
    if let Some(tags) = ctx.aaz_tags()? {
        body["tags"] = tags;
    }
    let nic = ctx.put(
        &ctx.network_path(&rg, &format!("networkInterfaces/{name}")),
        body,
    )?;
    if ctx.no_wait() {
        return Ok(Value::Null);
    }
    Ok(json!({ "NewNIC": nic }))
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(nic_path)?;
    let expand = ctx.str("expand");
    for_each_target(ctx, paths, |p| {
        let mut req = ArmRequest::get(p);
        if let Some(e) = &expand {
            req = req.with_query("$expand", e);
        }
        Ok(ctx.send(req)?.body.unwrap_or(Value::Null))
    })
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = match ctx.str("resource_group") {
        Some(rg) => ctx.network_path(&rg, "networkInterfaces"),
        None => format!(
            "/subscriptions/{}/providers/Microsoft.Network/networkInterfaces",
            ctx.subscription()
        ),
    };
    ctx.list_all(&path)
}

/// Removes a key of a JSON object, if it is one.
fn remove_key(v: &mut Value, key: &str) {
    if let Some(m) = v.as_object_mut() {
        m.remove(key);
    }
}

/// Makes sure `v[key]` is an object (a GET may leave `properties` absent).
fn ensure_object<'v>(v: &'v mut Value, key: &str) -> &'v mut Value {
    if !v[key].is_object() {
        v[key] = json!({});
    }
    &mut v[key]
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    refuse_unsupported(ctx)?;
    let paths = ctx.targets(nic_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let rg = group_of(path);
        let mut nic = ctx.get(path)?;
        let props = ensure_object(&mut nic, "properties");
        if let Some(b) = ctx.flag("accelerated_networking") {
            props["enableAcceleratedNetworking"] = json!(b);
        }
        if let Some(b) = ctx.flag("ip_forwarding") {
            props["enableIPForwarding"] = json!(b);
        }
        if ctx.is_null("network_security_group") {
            remove_key(props, "networkSecurityGroup");
        } else if let Some(nsg) = ctx.str("network_security_group") {
            props["networkSecurityGroup"] =
                id_ref(&ctx.name_or_id(&nsg, &rg, "networkSecurityGroups"));
        }
        if ctx.is_null("dns_servers") {
            ensure_object(props, "dnsSettings")["dnsServers"] = json!([]);
        } else if let Some(servers) = list_arg(ctx, "dns_servers") {
            ensure_object(props, "dnsSettings")["dnsServers"] = json!(servers);
        }
        if ctx.is_null("internal_dns_name") || ctx.str("internal_dns_name").as_deref() == Some("") {
            remove_key(ensure_object(props, "dnsSettings"), "internalDnsNameLabel");
        } else if let Some(l) = ctx.str("internal_dns_name") {
            ensure_object(props, "dnsSettings")["internalDnsNameLabel"] = json!(l);
        }
        for (dest, key) in [
            ("auxiliary_mode", "auxiliaryMode"),
            ("auxiliary_sku", "auxiliarySku"),
        ] {
            if let Some(v) = ctx.str(dest) {
                props[key] = json!(v);
            }
        }
        apply_tags(&mut nic, &ctx.update_tags()?);
        generic_update::apply(ctx, &mut nic)?;
        ctx.put(path, nic)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(nic_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}

// ---------------------------------------------------------------------------------------
// ip-config

fn nic_path_of_ipconfig(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let nic = ctx.required("nic_name", "--nic-name")?;
    Ok(ctx.network_path(&rg, &format!("networkInterfaces/{nic}")))
}

fn ipconfig_path(ctx: &Ctx) -> Result<String, CliError> {
    let name = ctx.required("name", "-n")?;
    Ok(format!(
        "{}/ipConfigurations/{name}",
        nic_path_of_ipconfig(ctx)?
    ))
}

/// Runs `f` on the IP configurations of an ARM NIC (created empty if absent).
fn with_configs<R>(nic: &mut Value, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
    let props = ensure_object(nic, "properties");
    let mut configs = match props.get_mut("ipConfigurations").map(Value::take) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let r = f(&mut configs);
    props["ipConfigurations"] = Value::Array(configs);
    r
}

fn config_name(cfg: &Value) -> &str {
    cfg.get("name").and_then(Value::as_str).unwrap_or("")
}

/// The configuration named `name` in a PUT/GET response.
fn find_config(nic: &Value, name: &str) -> Value {
    nic.pointer("/properties/ipConfigurations")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|c| config_name(c).eq_ignore_ascii_case(name)))
        .cloned()
        .unwrap_or(Value::Null)
}

fn ipconfig_create(ctx: &mut Ctx) -> Result<Value, CliError> {
    refuse_unsupported(ctx)?;
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    let path = nic_path_of_ipconfig(ctx)?;
    let mut nic = ctx.get(&path)?;
    let make_primary = ctx.flag("make_primary") == Some(true);
    let subnet = match ctx.str("subnet") {
        Some(s) => Some(subnet_id(ctx, &rg, &s)),
        None => nic
            .pointer("/properties/ipConfigurations")
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter().find(|c| {
                    c.pointer("/properties/primary").and_then(Value::as_bool) == Some(true)
                })
            })
            .and_then(|c| c.pointer("/properties/subnet/id"))
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    let mut p = json!({
        "privateIPAllocationMethod": if ctx.str("private_ip_address").is_some() { "Static" } else { "Dynamic" },
        "privateIPAddressVersion": ctx.str("private_ip_address_version").unwrap_or_else(|| "IPv4".to_string()),
    });
    if let Some(addr) = ctx.str("private_ip_address") {
        p["privateIPAddress"] = json!(addr);
    }
    if let Some(len) = ctx.args.int("private_ip_address_prefix_length") {
        p["privateIPAddressPrefixLength"] = json!(len);
    }
    if let Some(s) = subnet {
        p["subnet"] = id_ref(&s);
    }
    if let Some(pip) = ctx.str("public_ip_address") {
        p["publicIPAddress"] = id_ref(&ctx.name_or_id(&pip, &rg, "publicIPAddresses"));
    }
    if let Some(asgs) = list_arg(ctx, "application_security_groups") {
        p["applicationSecurityGroups"] = Value::Array(
            asgs.iter()
                .map(|a| id_ref(&ctx.name_or_id(a, &rg, "applicationSecurityGroups")))
                .collect(),
        );
    }
    with_configs(&mut nic, |configs| {
        if make_primary {
            for c in configs.iter_mut() {
                ensure_object(c, "properties")["primary"] = json!(false);
            }
            p["primary"] = json!(true);
        }
        configs.push(json!({ "name": name, "properties": p }));
    });
    let saved = ctx.put(&path, nic)?;
    if ctx.no_wait() {
        return Ok(Value::Null);
    }
    Ok(find_config(&saved, &name))
}

fn ipconfig_show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(ipconfig_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

fn ipconfig_list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let nic = ctx.get(&nic_path_of_ipconfig(ctx)?)?;
    Ok(nic
        .pointer("/properties/ipConfigurations")
        .cloned()
        .unwrap_or_else(|| json!([])))
}

/// Splits `…/networkInterfaces/{nic}/ipConfigurations/{name}` into the NIC path and the name.
fn split_ipconfig(path: &str) -> (String, String) {
    let mut parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let name = parts.pop().unwrap_or_default().to_string();
    parts.pop();
    (parts.join("/"), name)
}

fn ipconfig_update(ctx: &mut Ctx) -> Result<Value, CliError> {
    refuse_unsupported(ctx)?;
    let paths = ctx.targets(ipconfig_path)?;
    let result = for_each_target(ctx, paths, |path| {
        // The configuration must exist (its own GET answers the service's 404).
        ctx.get(path)?;
        let (nic_path, name) = split_ipconfig(path);
        let rg = group_of(&nic_path);
        let mut nic = ctx.get(&nic_path)?;
        let make_primary = ctx.flag("make_primary") == Some(true);
        with_configs(&mut nic, |configs| -> Result<(), CliError> {
            if make_primary {
                for c in configs.iter_mut() {
                    ensure_object(c, "properties")["primary"] = json!(false);
                }
            }
            let Some(cfg) = configs
                .iter_mut()
                .find(|c| config_name(c).eq_ignore_ascii_case(&name))
            else {
                return Err(CliError::not_found(format!(
                    "IP configuration '{name}' not found."
                )));
            };
            let p = ensure_object(cfg, "properties");
            if make_primary {
                p["primary"] = json!(true);
            }
            match ctx.str("private_ip_address") {
                _ if ctx.is_null("private_ip_address") => {
                    p["privateIPAllocationMethod"] = json!("Dynamic");
                    remove_key(p, "privateIPAddress");
                }
                Some(a) if a.is_empty() => {
                    p["privateIPAllocationMethod"] = json!("Dynamic");
                    remove_key(p, "privateIPAddress");
                }
                Some(a) => {
                    p["privateIPAllocationMethod"] = json!("Static");
                    p["privateIPAddress"] = json!(a);
                }
                None => {}
            }
            if let Some(v) = ctx.str("private_ip_address_version") {
                p["privateIPAddressVersion"] = json!(v);
            }
            if ctx.is_null("subnet") {
                remove_key(p, "subnet");
            } else if let Some(s) = ctx.str("subnet") {
                p["subnet"] = id_ref(&subnet_id(ctx, &rg, &s));
            }
            if ctx.is_null("public_ip_address") {
                remove_key(p, "publicIPAddress");
            } else if let Some(pip) = ctx.str("public_ip_address") {
                p["publicIPAddress"] = id_ref(&ctx.name_or_id(&pip, &rg, "publicIPAddresses"));
            }
            if ctx.is_null("application_security_groups") {
                remove_key(p, "applicationSecurityGroups");
            } else if let Some(asgs) = list_arg(ctx, "application_security_groups") {
                p["applicationSecurityGroups"] = Value::Array(
                    asgs.iter()
                        .map(|a| id_ref(&ctx.name_or_id(a, &rg, "applicationSecurityGroups")))
                        .collect(),
                );
            }
            generic_update::apply(ctx, cfg)
        })?;
        let saved = ctx.put(&nic_path, nic)?;
        Ok(find_config(&saved, &name))
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn ipconfig_delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for path in ctx.targets(ipconfig_path)? {
        let (nic_path, name) = split_ipconfig(&path);
        let mut nic = ctx.get(&nic_path)?;
        let removed = with_configs(&mut nic, |configs| {
            let before = configs.len();
            configs.retain(|c| !config_name(c).eq_ignore_ascii_case(&name));
            configs.len() != before
        });
        if removed {
            ctx.put(&nic_path, nic)?;
        }
    }
    Ok(Value::Null)
}
