//! `az network nsg rule create|show|list|update|delete` (AAZ, api 2022-01-01;
//! az-cli-surface.md §8; azure-cli `custom.py::NSGRuleCreate|NSGRuleUpdate|list_nsg_rules`).
//!
//! Only the plural address/port flags exist; a one-value list is sent as the singular
//! property, several as the plural one. `update` turns the singular fields into one-item
//! plural lists before applying the flags and `--set/--add/--remove`, and back afterwards.
//! In az 2.91 only `rule show` and `rule list` have the table transformer
//! `transform_nsg_rule_table_output`; `create` and `update` print the automatic table.

use super::network_nsg::{group_of, properties_mut, values};
use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network nsg rule create",
            handler: create,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nsg rule show",
            handler: show,
            shape: Shape::Aaz,
            table: Some(show_table),
        },
        CommandImpl {
            name: "network nsg rule list",
            handler: list,
            shape: Shape::Aaz,
            table: Some(list_table),
        },
        CommandImpl {
            name: "network nsg rule update",
            handler: update,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "network nsg rule delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

/// The four address/port lists: (flag dest, singular property, plural property).
const LISTS: &[(&str, &str, &str)] = &[
    (
        "source_address_prefixes",
        "sourceAddressPrefix",
        "sourceAddressPrefixes",
    ),
    ("source_port_ranges", "sourcePortRange", "sourcePortRanges"),
    (
        "destination_address_prefixes",
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
    ),
    (
        "destination_port_ranges",
        "destinationPortRange",
        "destinationPortRanges",
    ),
];

/// The ASG lists: (flag dest, property, the address prefix it replaces on create).
const ASGS: &[(&str, &str, &str)] = &[
    (
        "source_asgs",
        "sourceApplicationSecurityGroups",
        "sourceAddressPrefix",
    ),
    (
        "destination_asgs",
        "destinationApplicationSecurityGroups",
        "destinationAddressPrefix",
    ),
];

/// The plain enum/string flags: (dest, property).
const SCALARS: &[(&str, &str)] = &[
    ("access", "access"),
    ("direction", "direction"),
    ("protocol", "protocol"),
    ("description", "description"),
];

fn rule_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let nsg = ctx.required("nsg_name", "--nsg-name")?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(
        &rg,
        &format!("networkSecurityGroups/{nsg}/securityRules/{name}"),
    ))
}

/// `--source-asgs/--destination-asgs`: names or ids, as `[{"id": …}]`.
fn asg_refs(ctx: &Ctx, dest: &str, rg: &str) -> Option<Value> {
    let items = values(ctx, dest)?;
    Some(Value::Array(
        items
            .iter()
            .map(|a| id_ref(&ctx.name_or_id(a, rg, "applicationSecurityGroups")))
            .collect(),
    ))
}

fn remove(obj: &mut Value, key: &str) {
    if let Some(m) = obj.as_object_mut() {
        m.remove(key);
    }
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let path = rule_path(ctx)?;
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    let mut props = json!({});
    for (dest, key) in SCALARS {
        if let Some(v) = ctx.str(dest) {
            props[*key] = json!(v);
        }
    }
    if let Some(p) = ctx.args.int("priority") {
        props["priority"] = json!(p);
    }
    for (dest, single, plural) in LISTS {
        match values(ctx, dest) {
            Some(v) if v.len() == 1 => props[*single] = json!(v[0]),
            Some(v) if v.len() > 1 => props[*plural] = json!(v),
            _ => {}
        }
    }
    for (dest, key, prefix) in ASGS {
        if let Some(refs) = asg_refs(ctx, dest, &rg) {
            props[*key] = refs;
            remove(&mut props, prefix);
        }
    }
    let rule = ctx.put(&path, json!({ "name": name, "properties": props }))?;
    Ok(if ctx.no_wait() { Value::Null } else { rule })
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(rule_path)?;
    for_each_target(ctx, paths, |p| ctx.get(p))
}

/// `list_nsg_rules`: a GET of the NSG; its `securityRules`, then with `--include-default`
/// its `defaultSecurityRules`.
fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(|c| {
        let rg = c.required("resource_group_name", "--resource-group")?;
        let nsg = c.required("network_security_group_name", "--nsg-name")?;
        Ok(c.network_path(&rg, &format!("networkSecurityGroups/{nsg}")))
    })?;
    let include_default = ctx.flag("include_default").unwrap_or(false);
    for_each_target(ctx, paths, |p| {
        let nsg = ctx.get(p)?;
        let mut rules = nsg
            .pointer("/properties/securityRules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if include_default {
            if let Some(d) = nsg
                .pointer("/properties/defaultSecurityRules")
                .and_then(Value::as_array)
            {
                rules.extend(d.iter().cloned());
            }
        }
        Ok(Value::Array(rules))
    })
}

/// `NSGRuleUpdate.pre_instance_update`: each singular field becomes a one-item plural list.
fn singular_to_plural(props: &mut Value) {
    for (_, single, plural) in LISTS {
        let v = props.get(*single).filter(|v| is_truthy(v)).cloned();
        if let Some(v) = v {
            props[*plural] = json!([v]);
            remove(props, single);
        }
    }
}

/// `NSGRuleUpdate.post_instance_update`: a plural list of exactly one item becomes singular.
fn plural_to_singular(props: &mut Value) {
    for (_, single, plural) in LISTS {
        let one = props
            .get(*plural)
            .and_then(Value::as_array)
            .filter(|a| a.len() == 1)
            .map(|a| a[0].clone());
        if let Some(v) = one {
            props[*single] = v;
            remove(props, plural);
        }
    }
}

/// Python truthiness of a JSON value.
fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn update(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(rule_path)?;
    let result = for_each_target(ctx, paths, |path| {
        let rg = group_of(path);
        let mut rule = ctx.get(path)?;
        let Some(props) = properties_mut(&mut rule) else {
            return ctx.put(path, rule);
        };
        singular_to_plural(props);
        for (dest, key) in SCALARS {
            if ctx.is_null(dest) {
                remove(props, key);
            } else if let Some(v) = ctx.str(dest) {
                props[*key] = json!(v);
            }
        }
        if ctx.is_null("priority") {
            remove(props, "priority");
        } else if let Some(p) = ctx.args.int("priority") {
            props["priority"] = json!(p);
        }
        for (dest, _, plural) in LISTS {
            if ctx.is_null(dest) {
                remove(props, plural);
            } else if let Some(v) = values(ctx, dest) {
                props[*plural] = json!(v);
            }
        }
        for (dest, key, _) in ASGS {
            if ctx.is_null(dest) {
                remove(props, key);
            } else if let Some(refs) = asg_refs(ctx, dest, &rg) {
                props[*key] = refs;
            }
        }
        generic_update::apply(ctx, &mut rule)?;
        if let Some(props) = properties_mut(&mut rule) {
            plural_to_singular(props);
        }
        ctx.put(path, rule)
    })?;
    Ok(if ctx.no_wait() { Value::Null } else { result })
}

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    for p in ctx.targets(rule_path)? {
        ctx.delete(&p)?;
    }
    Ok(Value::Null)
}

/// `transform_nsg_rule_table_output` (azure-cli `_format.py`), on one flattened rule.
/// A missing key fails the table ("Table output unavailable"), as the Python `KeyError` does.
pub(crate) fn transform_nsg_rule_table_output(rule: &Value) -> Result<Value, ()> {
    let r = rule.as_object().ok_or(())?;
    let field = |k: &str| r.get(k).cloned().ok_or(());
    // The singular value when present, else the plural list joined by a space.
    let single_or_joined = |single: &str, plural: &str| -> Result<Value, ()> {
        match r.get(single) {
            Some(v) if !v.is_null() => Ok(v.clone()),
            _ => {
                let items = r.get(plural).and_then(Value::as_array).ok_or(())?;
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(s.clone()),
                        _ => Err(()),
                    })
                    .collect::<Result<_, _>>()?;
                Ok(json!(parts.join(" ")))
            }
        }
    };
    let asg = |k: &str| {
        r.get(k)
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| json!("None"))
    };
    Ok(json!({
        "Name": field("name")?,
        "ResourceGroup": field("resourceGroup")?,
        "Priority": field("priority")?,
        "SourcePortRanges": single_or_joined("sourcePortRange", "sourcePortRanges")?,
        "SourceAddressPrefixes": single_or_joined("sourceAddressPrefix", "sourceAddressPrefixes")?,
        "SourceASG": asg("sourceApplicationSecurityGroups"),
        "Access": field("access")?,
        "Protocol": field("protocol")?,
        "Direction": field("direction")?,
        "DestinationPortRanges": single_or_joined("destinationPortRange", "destinationPortRanges")?,
        "DestinationAddressPrefixes": single_or_joined("destinationAddressPrefix", "destinationAddressPrefixes")?,
        "DestinationASG": asg("destinationApplicationSecurityGroups"),
    }))
}

/// `rule show`: the transformer on the one rule (a list from several `--ids` fails, as in az).
fn show_table(v: &Value) -> Result<Value, ()> {
    transform_nsg_rule_table_output(v)
}

/// `rule list`: `lambda x: [transform_nsg_rule_table_output(i) for i in x]`.
fn list_table(v: &Value) -> Result<Value, ()> {
    let rows = v.as_array().ok_or(())?;
    rows.iter()
        .map(transform_nsg_rule_table_output)
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_dance_round_trips() {
        let mut p = json!({"sourcePortRange": "*", "sourcePortRanges": [], "destinationPortRanges": ["80", "443"]});
        singular_to_plural(&mut p);
        assert_eq!(
            p,
            json!({"sourcePortRanges": ["*"], "destinationPortRanges": ["80", "443"]})
        );
        plural_to_singular(&mut p);
        assert_eq!(
            p,
            json!({"destinationPortRanges": ["80", "443"], "sourcePortRange": "*"})
        );
    }

    #[test]
    fn table_row_prefers_singular_and_joins_plural() {
        let rule = json!({
            "name": "r", "resourceGroup": "rg", "priority": 100, "access": "Allow", "protocol": "Tcp",
            "direction": "Inbound", "sourcePortRange": "*", "sourcePortRanges": [],
            "sourceAddressPrefixes": ["10.0.0.0/8", "192.168.0.0/16"], "destinationPortRanges": ["80", "443"],
            "destinationAddressPrefix": "*",
        });
        let row = transform_nsg_rule_table_output(&rule).unwrap();
        assert_eq!(row["SourceAddressPrefixes"], "10.0.0.0/8 192.168.0.0/16");
        assert_eq!(row["DestinationPortRanges"], "80 443");
        assert_eq!(row["SourceASG"], "None");
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys[3], "SourcePortRanges");
        assert!(transform_nsg_rule_table_output(&json!({"name": "r"})).is_err());
        assert!(list_table(&json!([[rule]])).is_err());
    }
}
