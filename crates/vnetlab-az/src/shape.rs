//! From the ARM wire shape to what az prints (azure-cli `_run_job`, AAZ `deserialize_output`):
//! `properties` bags flattened into their parents (sub-resources too), null fields dropped
//! (AAZ commands only), and `resourceGroup` injected next to every resource id.

use serde_json::{Map, Value};

/// AAZ output: flatten every `properties` object into its parent and drop nulls, recursively.
pub fn aaz(value: &Value) -> Value {
    let mut v = flatten(value);
    drop_nulls(&mut v);
    inject_resource_group(&mut v);
    v
}

/// SDK/knack output (`group`, `account`): no flattening, nulls kept; only the injector runs.
pub fn sdk(value: &Value) -> Value {
    let mut v = value.clone();
    inject_resource_group(&mut v);
    v
}

fn flatten(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(flatten).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                if k == "properties" {
                    if let Value::Object(props) = v {
                        for (pk, pv) in props {
                            out.insert(pk.clone(), flatten(pv));
                        }
                        continue;
                    }
                }
                out.insert(k.clone(), flatten(v));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        _ => {}
    }
}

/// azure-cli's resourceGroup injector: a dict with a truthy `id` whose 4th segment is
/// `resourcegroups` and that has at least 9 segments (so not a group's own id) gains
/// `resourceGroup` = the 5th segment, unless it has a key equal to `resourcegroup`
/// case-insensitively. It does not descend into `sourceVault`.
pub fn inject_resource_group(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(inject_resource_group),
        Value::Object(m) => {
            if let Some(rg) = resource_group_of(m) {
                if !m.keys().any(|k| k.eq_ignore_ascii_case("resourcegroup")) {
                    m.insert("resourceGroup".to_string(), Value::String(rg));
                }
            }
            for (k, v) in m.iter_mut() {
                if k != "sourceVault" {
                    inject_resource_group(v);
                }
            }
        }
        _ => {}
    }
}

fn resource_group_of(m: &Map<String, Value>) -> Option<String> {
    let id = m.get("id")?.as_str()?;
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() > 8 && parts[3].eq_ignore_ascii_case("resourcegroups") {
        Some(parts[4].to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_sub_resources_and_injects_groups() {
        let arm = json!({
            "id": "/subscriptions/S/resourceGroups/RG1/providers/Microsoft.Network/virtualNetworks/v",
            "name": "v",
            "properties": {
                "subnets": [{"id": "/subscriptions/S/resourceGroups/RG1/providers/Microsoft.Network/virtualNetworks/v/subnets/s", "properties": {"addressPrefix": "10.0.0.0/24", "natGateway": null}}],
                "dhcpOptions": {"dnsServers": []}
            }
        });
        let cli = aaz(&arm);
        assert_eq!(cli["resourceGroup"], "RG1");
        assert_eq!(cli["subnets"][0]["addressPrefix"], "10.0.0.0/24");
        assert_eq!(cli["subnets"][0]["resourceGroup"], "RG1");
        assert!(cli["subnets"][0].get("natGateway").is_none());
        assert_eq!(cli["dhcpOptions"]["dnsServers"], json!([]));
        let group = sdk(&json!({"id": "/subscriptions/S/resourceGroups/rg", "managedBy": null}));
        assert!(group.get("resourceGroup").is_none());
        assert!(group["managedBy"].is_null());
    }
}
