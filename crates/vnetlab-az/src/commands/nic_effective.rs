//! `az network nic show-effective-route-table` and `az network nic list-effective-nsg`
//! (AAZ; az-cli-surface.md §11.1–11.2): one POST each (`…/effectiveRouteTable`,
//! `…/effectiveNetworkSecurityGroups`, no body), printed with the `value` envelope kept.
//!
//! Their `-o table` transformers are azure-cli 2.91's. `transform_effective_nsg` reads both
//! `association['subnet']` and `association['networkInterface']` but catches only
//! `TypeError`; AAZ drops the absent side, so the `KeyError` makes az print
//! "Table output unavailable…" and exit 1 for any NIC with an NSG. vnetlab reproduces that
//! (docs/fidelity.md); `--query` and the other formats work.

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "network nic show-effective-route-table",
            handler: show_effective_route_table,
            shape: Shape::Aaz,
            table: Some(effective_route_table),
        },
        CommandImpl {
            name: "network nic list-effective-nsg",
            handler: list_effective_nsg,
            shape: Shape::Aaz,
            table: Some(effective_nsg_table),
        },
    ]
}

fn nic_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(ctx.network_path(&rg, &format!("networkInterfaces/{name}")))
}

fn post_action(ctx: &Ctx, action: &str) -> Result<Value, CliError> {
    let paths = ctx.targets(nic_path)?;
    for_each_target(ctx, paths, |p| {
        Ok(ctx
            .send(ArmRequest::new(Method::Post, format!("{p}/{action}")))?
            .body
            .unwrap_or(Value::Null))
    })
}

fn show_effective_route_table(ctx: &mut Ctx) -> Result<Value, CliError> {
    post_action(ctx, "effectiveRouteTable")
}

fn list_effective_nsg(ctx: &mut Ctx) -> Result<Value, CliError> {
    post_action(ctx, "effectiveNetworkSecurityGroups")
}

/// `' '.join(route[key] or [])`; a missing key is Python's `KeyError`.
fn joined(route: &Map<String, Value>, key: &str) -> Result<String, ()> {
    match route.get(key).ok_or(())? {
        Value::Null => Ok(String::new()),
        Value::Array(items) => Ok(items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")),
        // Python would join the characters of a string; never sent by the service.
        _ => Err(()),
    }
}

/// azure-cli's `transform_effective_route_table`.
fn effective_route_table(result: &Value) -> Result<Value, ()> {
    let routes = match result.as_object().ok_or(())?.get("value") {
        None => return Ok(json!([])),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(()),
    };
    let mut rows = Vec::new();
    for r in routes {
        let r = r.as_object().ok_or(())?;
        let mut row = Map::new();
        row.insert("Source".into(), r.get("source").cloned().ok_or(())?);
        row.insert("State".into(), r.get("state").cloned().ok_or(())?);
        row.insert("Address Prefix".into(), json!(joined(r, "addressPrefix")?));
        row.insert(
            "Next Hop Type".into(),
            r.get("nextHopType").cloned().ok_or(())?,
        );
        row.insert("Next Hop IP".into(), json!(joined(r, "nextHopIpAddress")?));
        rows.push(Value::Object(row));
    }
    Ok(Value::Array(rows))
}

/// The last segment of `association[side]['id']`; `KeyError` (absent side) fails the
/// transformer, a `None` value (`TypeError`) prints `-`.
fn association_name(association: &Map<String, Value>, side: &str) -> Result<String, ()> {
    match association.get(side).ok_or(())? {
        Value::Object(o) => match o.get("id").ok_or(())? {
            Value::String(id) => Ok(id.rsplit('/').next().unwrap_or_default().to_string()),
            _ => Ok("-".to_string()),
        },
        _ => Ok("-".to_string()),
    }
}

/// azure-cli's `transform_effective_nsg`, including its 2.91 failure on AAZ output.
fn effective_nsg_table(result: &Value) -> Result<Value, ()> {
    let items = match result.as_object().ok_or(())?.get("value").ok_or(())? {
        Value::Array(a) => a,
        _ => return Err(()),
    };
    let mut rows = Vec::new();
    for item in items {
        let item = item.as_object().ok_or(())?;
        let association = item.get("association").ok_or(())?.as_object().ok_or(())?;
        let nic = association_name(association, "networkInterface")?;
        let subnet = association_name(association, "subnet")?;
        let nsg = item
            .get("networkSecurityGroup")
            .and_then(|n| n.get("id"))
            .and_then(Value::as_str)
            .ok_or(())?
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let mut first = true;
        for rule in item
            .get("effectiveSecurityRules")
            .and_then(Value::as_array)
            .ok_or(())?
        {
            let field = |k: &str| rule.get(k).cloned().ok_or(());
            let name_or_blank = |s: &str| {
                if first {
                    s.to_string()
                } else {
                    " ".to_string()
                }
            };
            let mut row = Map::new();
            row.insert("NIC".into(), json!(name_or_blank(&nic)));
            row.insert("Subnet".into(), json!(name_or_blank(&subnet)));
            row.insert("NSG".into(), json!(name_or_blank(&nsg)));
            row.insert("Rule Name".into(), field("name")?);
            row.insert("Protocol".into(), field("protocol")?);
            row.insert("Direction".into(), field("direction")?);
            row.insert("Access".into(), field("access")?);
            rows.push(Value::Object(row));
            first = false;
        }
    }
    Ok(Value::Array(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_table_joins_prefixes_and_next_hops() {
        let out = json!({"value": [
            {"addressPrefix": ["10.0.0.0/8", "172.16.0.0/12"], "nextHopIpAddress": [], "nextHopType": "None", "source": "Default", "state": "Active"},
            {"addressPrefix": ["0.0.0.0/0"], "name": "to-fw", "nextHopIpAddress": ["10.0.2.4"], "nextHopType": "VirtualAppliance", "source": "User", "state": "Active"},
        ]});
        let rows = effective_route_table(&out).unwrap();
        assert_eq!(
            rows,
            json!([
                {"Source": "Default", "State": "Active", "Address Prefix": "10.0.0.0/8 172.16.0.0/12", "Next Hop Type": "None", "Next Hop IP": ""},
                {"Source": "User", "State": "Active", "Address Prefix": "0.0.0.0/0", "Next Hop Type": "VirtualAppliance", "Next Hop IP": "10.0.2.4"},
            ])
        );
        // Key order is the column order.
        let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "Source",
                "State",
                "Address Prefix",
                "Next Hop Type",
                "Next Hop IP"
            ]
        );
        assert!(effective_route_table(&json!([{"value": []}])).is_err());
    }

    #[test]
    fn nsg_table_fails_on_aaz_output_like_azure_cli_2_91() {
        let aaz = json!({"value": [{"association": {"networkInterface": {"id": "/x/nic1"}}, "effectiveSecurityRules": [], "networkSecurityGroup": {"id": "/x/nsg1"}}]});
        assert!(effective_nsg_table(&aaz).is_err());
        assert_eq!(
            effective_nsg_table(&json!({"value": []})).unwrap(),
            json!([])
        );
        // With both sides present (as older SDK output had, one of them null) it would work.
        let sdk = json!({"value": [{"association": {"networkInterface": {"id": "/x/nic1"}, "subnet": null},
            "effectiveSecurityRules": [
                {"name": "securityRules/ssh", "protocol": "Tcp", "direction": "Inbound", "access": "Allow"},
                {"name": "defaultSecurityRules/DenyAllInBound", "protocol": "All", "direction": "Inbound", "access": "Deny"}],
            "networkSecurityGroup": {"id": "/x/nsg1"}}]});
        let rows = effective_nsg_table(&sdk).unwrap();
        assert_eq!(rows[0]["NIC"], "nic1");
        assert_eq!(rows[0]["Subnet"], "-");
        assert_eq!(rows[0]["NSG"], "nsg1");
        assert_eq!(rows[1]["NIC"], " ");
        assert_eq!(rows[1]["Rule Name"], "defaultSecurityRules/DenyAllInBound");
    }
}
