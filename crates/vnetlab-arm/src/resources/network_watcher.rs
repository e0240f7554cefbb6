//! `Microsoft.Network/networkWatchers`. Azure creates one per region automatically, named
//! `NetworkWatcher_<region>` in the group `NetworkWatcherRG`, when the first virtual network
//! of that region is created (azure-semantics.md §1.1).

use super::resource_group::{self, NETWORK_WATCHER_RG};
use super::*;

pub struct NetworkWatchers;

pub const WATCHER_TYPE: &str = "Microsoft.Network/networkWatchers";

/// Creates `NetworkWatcherRG/NetworkWatcher_<region>` if the region has no watcher yet.
pub fn ensure_for_region(cx: &mut Cx, location: &str) -> ArmResult<()> {
    let sub = cx.config.subscription_id.clone();
    let has_one = cx
        .txn
        .list(WATCHER_TYPE, &sub, None)?
        .iter()
        .any(|w| w.get("location").and_then(Value::as_str) == Some(location));
    if has_one {
        return Ok(());
    }
    let rg = resource_group::ensure(cx, NETWORK_WATCHER_RG, location)?;
    let id = ResourceId::tracked(
        &sub,
        &rg.resource_group,
        WATCHER_TYPE,
        &format!("NetworkWatcher_{location}"),
    );
    let etag = cx.etag()?;
    let record = tracked(
        &id,
        location,
        &Value::Null,
        &etag,
        json!({ "provisioningState": "Succeeded" }),
    );
    save(cx, &id, &record)
}

impl ResourceKind for NetworkWatchers {
    fn full_type(&self) -> &'static str {
        WATCHER_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, WATCHER_TYPE)?;
        let sub = cx.config.subscription_id.clone();
        let clash = cx
            .txn
            .list(WATCHER_TYPE, &sub, None)?
            .into_iter()
            .find(|w| {
                w.get("location").and_then(Value::as_str) == Some(location.as_str())
                    && w.get("id").and_then(Value::as_str).map(crate::id::key_of) != Some(id.key())
            });
        if let Some(other) = clash {
            return Err(ArmError::bad_request(
                "NetworkWatcherCountLimitReached",
                format!(
                    "Cannot create more than 1 network watchers for this subscription in this region. Existing network watcher: {}.",
                    other.get("id").and_then(Value::as_str).unwrap_or_default()
                ),
            ));
        }
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let etag = match existing.and_then(|e| e.get("etag")).and_then(Value::as_str) {
            Some(e) => e.to_string(),
            None => cx.etag()?,
        };
        save(
            cx,
            id,
            &tracked(
                id,
                &location,
                &tags,
                &etag,
                json!({ "provisioningState": "Succeeded" }),
            ),
        )
    }

    fn render(&self, _rx: &Rx, _id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(stored.clone())
    }

    /// `ipFlowVerify`, `nextHop`, `connectivityCheck` (see `crate::diagnostics::watcher`).
    fn action(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        stored: &Value,
        action: &str,
        body: &Value,
    ) -> ArmResult<ArmResponse> {
        crate::diagnostics::watcher::watcher_action(cx, id, stored, action, body)
    }
}
