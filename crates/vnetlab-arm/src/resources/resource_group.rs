//! `Microsoft.Resources/resourceGroups`: the container of everything else. Deleting a group
//! deletes every resource in it, with the same side effects as deleting each one (peering
//! links elsewhere go `Disconnected`).

use super::*;
use crate::id::KNOWN_TYPES;

pub struct ResourceGroups;

/// The resource group Azure creates for Network Watchers.
pub const NETWORK_WATCHER_RG: &str = "NetworkWatcherRG";

impl ResourceKind for ResourceGroups {
    fn full_type(&self) -> &'static str {
        "Microsoft.Resources/resourceGroups"
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, self.full_type())?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        if let Some(old) = existing {
            let old_loc = old
                .get("location")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if old_loc != location {
                return Err(ArmError::conflict(
                    "InvalidResourceGroupLocation",
                    format!("Invalid resource group location '{location}'. The Resource group already exists in location '{old_loc}'."),
                ));
            }
        }
        // The group keeps the casing of its first creation.
        let stored_id = match existing.and_then(|e| e.get("id")).and_then(Value::as_str) {
            Some(s) => s.to_string(),
            None => id.to_string(),
        };
        let name = stored_id.rsplit('/').next().unwrap_or_default().to_string();
        let managed_by = body.get("managedBy").cloned().unwrap_or(Value::Null);
        let record = json!({
            "id": stored_id,
            "name": name,
            "type": self.full_type(),
            "location": location,
            "managedBy": managed_by,
            "tags": tags,
            "properties": { "provisioningState": "Succeeded" },
        });
        cx.put(id, &record, &[])
    }

    fn render(&self, _rx: &Rx, _id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(stored.clone())
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        // Dependents first (VMs before NICs before VNets), each through its own kind so that
        // cross-group effects happen exactly as for a single delete.
        let order = [
            "Microsoft.Compute/virtualMachines",
            "Microsoft.Network/connections",
            "Microsoft.Network/virtualNetworkGateways",
            "Microsoft.Network/networkInterfaces",
        ];
        let rest = KNOWN_TYPES
            .iter()
            .filter(|t| !order.contains(t) && t.matches('/').count() == 1);
        for t in order.iter().chain(rest) {
            let Some(kind) = kind_for(t) else { continue };
            for stored in cx.txn.list(t, &id.subscription, Some(&id.resource_group))? {
                let rid = crate::router::stored_id(&stored)?;
                kind.delete(cx, &rid, &stored)?;
            }
        }
        cx.delete(id)?;
        Ok(())
    }
}

/// Creates the group if it does not exist (Azure's auto-created `NetworkWatcherRG`).
pub fn ensure(cx: &mut Cx, name: &str, location: &str) -> ArmResult<ResourceId> {
    let id = ResourceId::resource_group(&cx.config.subscription_id, name);
    if cx.get(&id)?.is_none() {
        let body = json!({ "location": location });
        let req = ArmRequest::put(id.to_string(), body.clone());
        ResourceGroups.put(cx, &id, &body, None, &req)?;
    }
    Ok(id)
}
