//! `az network public-ip create|show|list|update|delete` (az-cli-surface.md §12).
//!
//! `create` is a knack command (`custom.py::create_public_ip`, dests `resource_group_name`,
//! `public_ip_address_name`, knack-style `--tags`) calling the AAZ create; it prints
//! `{"publicIp": …}`. `show`/`list` use az's JMESPath string table transformer.

use super::apply_tags;
use super::*;
use crate::output::Query;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network public-ip create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network public-ip show",
            handler: show,
            shape: Shape::Aaz,
            table: Some(show_table),
        },
        CommandImpl {
            name: "network public-ip list",
            handler: list,
            shape: Shape::Aaz,
            table: Some(list_table),
        },
        CommandImpl {
            name: "network public-ip update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network public-ip delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

/// `network public-ip show`'s `table_transformer` (a JMESPath expression, §1.5 step 1). Its
/// `publicIpAddressVersion`/`publicIpAllocationMethod` do not match the JSON's casing, so
/// those two columns are always null and dropped, as in az 2.91.
const SHOW_TABLE: &str = "{Name:name, ResourceGroup:resourceGroup, Location:location, Zones: (!zones && ' ') || join(` `, zones), Address:ipAddress, AddressVersion:publicIpAddressVersion, AllocationMethod:publicIpAllocationMethod, IdleTimeoutInMinutes:idleTimeoutInMinutes, ProvisioningState:provisioningState}";

/// The `[].`-prefixed list form of [`SHOW_TABLE`].
const LIST_TABLE: &str = "[].{Name:name, ResourceGroup:resourceGroup, Location:location, Zones: (!zones && ' ') || join(` `, zones), Address:ipAddress, AddressVersion:publicIpAddressVersion, AllocationMethod:publicIpAllocationMethod, IdleTimeoutInMinutes:idleTimeoutInMinutes, ProvisioningState:provisioningState}";

fn jmespath_table(expr: &str, v: &Value) -> Result<Value, ()> {
    Query::compile(expr)
        .and_then(|q| q.search(v))
        .map_err(|_| ())
}

fn show_table(v: &Value) -> Result<Value, ()> {
    jmespath_table(SHOW_TABLE, v)
}

fn list_table(v: &Value) -> Result<Value, ()> {
    jmespath_table(LIST_TABLE, v)
}

/// `remove_basic_option_msg` of azure-cli's network module.
pub(crate) fn basic_sku_warning(flag: &str) -> String {
    format!("It's recommended to create with `{flag}`. Please be aware that Basic option will be removed in the future.")
}

/// The warning `PublicIPCreate` prints for a Standard public IP created without `--zone`.
pub(crate) const STANDARD_NO_ZONE_WARNING: &str = "[Coming breaking change] In the coming release, the default behavior will be changed as follows when sku is Standard and zone is not provided: For zonal regions, you will get a zone-redundant IP indicated by zones:[\"1\",\"2\",\"3\"]; For non-zonal regions, you will get a non zone-redundant IP indicated by zones:null.";

fn pip_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("publicIPAddresses/{name}")))
}

fn list_arg(ctx: &Ctx, dest: &str) -> Option<Vec<String>> {
    ctx.list(dest).or_else(|| ctx.str(dest).map(|s| vec![s]))
}

/// `--ip-tags Type=Value …` → `ipTags`.
fn ip_tags(items: &[String]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|t| {
                let (k, v) = t.split_once('=').unwrap_or((t.as_str(), ""));
                json!({ "ipTagType": k, "tag": v })
            })
            .collect(),
    )
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.required("resource_group_name", "--resource-group")?;
    let name = ctx.required("public_ip_address_name", "--name")?;
    for (dest, flag) in [
        ("public_ip_prefix", "--public-ip-prefix"),
        ("edge_zone", "--edge-zone"),
    ] {
        if ctx.str(dest).is_some() {
            return Err(CliError::validation(format!(
                "{flag} is not supported by vnetlab yet."
            )));
        }
    }
    // `process_public_ip_create_namespace` reads the group's location; a failure escapes the
    // validator (exit 2).
    let location = ctx
        .location_or_group(&rg)
        .map_err(|e| CliError::raw(2, e.stderr))?;
    let sku = ctx.str("sku").unwrap_or_else(|| "Standard".to_string());
    if sku.eq_ignore_ascii_case("basic") {
        ctx.warnings.push(basic_sku_warning("--sku standard"));
    }
    let method = ctx.str("allocation_method").unwrap_or_else(|| {
        if sku.eq_ignore_ascii_case("standard") {
            "Static"
        } else {
            "Dynamic"
        }
        .to_string()
    });
    let zones = list_arg(ctx, "zone");
    if sku.eq_ignore_ascii_case("standard") && zones.is_none() {
        ctx.warnings.push(STANDARD_NO_ZONE_WARNING.to_string());
    }
    let mut props = json!({ "publicIPAllocationMethod": method });
    if let Some(t) = ctx.args.int("idle_timeout") {
        props["idleTimeoutInMinutes"] = json!(t);
    }
    if let Some(v) = ctx.str("version") {
        props["publicIPAddressVersion"] = json!(v);
    }
    let (dns_name, scope, reverse) = (
        ctx.str("dns_name"),
        ctx.str("dns_name_scope"),
        ctx.str("reverse_fqdn"),
    );
    if dns_name.is_some() || scope.is_some() || reverse.is_some() {
        let mut d = json!({});
        if let Some(n) = dns_name {
            d["domainNameLabel"] = json!(n);
        }
        if let Some(s) = scope {
            d["domainNameLabelScope"] = json!(s);
        }
        if let Some(r) = reverse {
            d["reverseFqdn"] = json!(r);
        }
        props["dnsSettings"] = d;
    }
    if let Some(a) = ctx.str("ip_address") {
        props["ipAddress"] = json!(a);
    }
    if let Some(tags) = list_arg(ctx, "ip_tags") {
        props["ipTags"] = ip_tags(&tags);
    }
    let mut ddos = json!({});
    if let Some(m) = ctx.str("protection_mode") {
        ddos["protectionMode"] = json!(m);
    }
    if let Some(plan) = ctx.str("ddos_protection_plan") {
        ddos["ddosProtectionPlan"] = id_ref(&ctx.name_or_id(&plan, &rg, "ddosProtectionPlans"));
    }
    if ddos.as_object().is_some_and(|m| !m.is_empty()) {
        props["ddosSettings"] = ddos;
    }
    let mut body = json!({
        "location": location,
        "properties": props,
        "sku": { "name": sku, "tier": ctx.str("tier").unwrap_or_else(|| "Regional".to_string()) },
    });
    if let Some(z) = zones {
        body["zones"] = json!(z);
    }
    if let Some(tags) = ctx.knack_tags() {
        body["tags"] = tags;
    }
    let pip = ctx.put(
        &ctx.network_path(&rg, &format!("publicIPAddresses/{name}")),
        body,
    )?;
    Ok(json!({ "publicIp": pip }))
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(pip_path)?;
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
        Some(rg) => ctx.network_path(&rg, "publicIPAddresses"),
        None => format!(
            "/subscriptions/{}/providers/Microsoft.Network/publicIPAddresses",
            ctx.subscription()
        ),
    };
    ctx.list_all(&path)
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(pip_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let mut pip = ctx.get(path)?;
        if !pip["properties"].is_object() {
            pip["properties"] = json!({});
        }
        if let Some(m) = ctx.str("allocation_method") {
            pip["properties"]["publicIPAllocationMethod"] = json!(m);
        }
        if ctx.is_null("dns_name") {
            if let Some(d) = pip["properties"]
                .get_mut("dnsSettings")
                .and_then(Value::as_object_mut)
            {
                d.remove("domainNameLabel");
                d.remove("fqdn");
            }
        } else if let Some(n) = ctx.str("dns_name") {
            if !pip["properties"]["dnsSettings"].is_object() {
                pip["properties"]["dnsSettings"] = json!({});
            }
            pip["properties"]["dnsSettings"]["domainNameLabel"] = json!(n);
        }
        if let Some(r) = ctx.str("reverse_fqdn") {
            if !pip["properties"]["dnsSettings"].is_object() {
                pip["properties"]["dnsSettings"] = json!({});
            }
            pip["properties"]["dnsSettings"]["reverseFqdn"] = json!(r);
        }
        if let Some(t) = ctx.args.int("idle_timeout") {
            pip["properties"]["idleTimeoutInMinutes"] = json!(t);
        }
        if let Some(v) = ctx.str("version") {
            pip["properties"]["publicIPAddressVersion"] = json!(v);
        }
        if let Some(s) = ctx.str("sku") {
            if !pip["sku"].is_object() {
                pip["sku"] = json!({});
            }
            pip["sku"]["name"] = json!(s);
        }
        if let Some(tags) = list_arg(ctx, "ip_tags") {
            pip["properties"]["ipTags"] = ip_tags(&tags);
        }
        if ctx.is_null("public_ip_prefix") {
            if let Some(p) = pip["properties"].as_object_mut() {
                p.remove("publicIPPrefix");
            }
        } else if ctx.str("public_ip_prefix").is_some() {
            return Err(CliError::validation(
                "--public-ip-prefix is not supported by vnetlab yet.",
            ));
        }
        apply_tags(&mut pip, &ctx.update_tags()?);
        generic_update::apply(ctx, &mut pip)?;
        ctx.put(path, pip)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(pip_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}
