//! `Microsoft.Network/applicationSecurityGroups` (azure-semantics.md §6.1, §8).
//!
//! A tracked resource with no writable properties (`ApplicationSecurityGroupPropertiesFormat`:
//! `resourceGuid`, `provisioningState`, both read-only). Security rules (and NIC IP
//! configurations) reference ASGs with the ref kind `applicationSecurityGroup`; an ASG so
//! referenced cannot be deleted.

use super::*;

pub struct ApplicationSecurityGroups;

pub const ASG_TYPE: &str = "Microsoft.Network/applicationSecurityGroups";

/// The envelope fields every tracked Network resource here shares: the location (required,
/// and not changeable), tags, and a resourceGuid kept across updates.
pub struct TrackedBase {
    pub location: String,
    pub tags: Value,
    pub guid: String,
}

pub fn tracked_base(
    cx: &mut Cx,
    id: &ResourceId,
    body: &Value,
    existing: Option<&Value>,
    full_type: &str,
) -> ArmResult<TrackedBase> {
    let location = require_location(body, full_type)?;
    check_location_unchanged(id, existing, &location)?;
    let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
    let guid = match existing
        .and_then(|e| e.pointer("/properties/resourceGuid"))
        .and_then(Value::as_str)
    {
        Some(g) => g.to_string(),
        None => cx.guid()?,
    };
    Ok(TrackedBase {
        location,
        tags,
        guid,
    })
}

/// The last segment names of resource ids (`…/ipConfigurations/ipconfig1` → `ipconfig1`).
fn names(ids: &[String]) -> String {
    ids.iter()
        .map(|i| i.rsplit('/').next().unwrap_or(i))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ResourceKind for ApplicationSecurityGroups {
    fn full_type(&self) -> &'static str {
        ASG_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let base = tracked_base(cx, id, body, existing, ASG_TYPE)?;
        let etag = cx.etag()?;
        let props = json!({ "provisioningState": "Succeeded", "resourceGuid": base.guid });
        save(
            cx,
            id,
            &tracked(id, &base.location, &base.tags, &etag, props),
        )
    }

    fn render(&self, _rx: &Rx, _id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(stored.clone())
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        let users = cx.rx().referrers(id, "applicationSecurityGroup")?;
        if !users.is_empty() {
            let (ipconfigs, rules): (Vec<String>, Vec<String>) = users
                .into_iter()
                .partition(|u| u.to_ascii_lowercase().contains("/ipconfigurations/"));
            // The IP-configuration text is Azure's (Azure/azure-cli#12591); the code and the
            // security-rule variant are [UNCONFIRMED].
            let what = if ipconfigs.is_empty() {
                format!("SecurityRule(s) {}", names(&rules))
            } else {
                format!("IpConfiguration(s) {}", names(&ipconfigs))
            };
            return Err(ArmError::bad_request(
                "InUseApplicationSecurityGroupCannotBeDeleted",
                format!("Application Security Group {} cannot be deleted because it is referenced by {what}.", id.name()),
            ));
        }
        cx.delete(id)?;
        Ok(())
    }
}
