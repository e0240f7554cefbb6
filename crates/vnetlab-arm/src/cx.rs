//! The context an operation runs in: the transaction, and the emulated cloud's identity.

use crate::error::{ArmError, ArmResult};
use crate::id::ResourceId;
use crate::store::{Ref, Txn};
use serde_json::Value;

/// The single subscription and tenant vnetlab emulates.
#[derive(Debug, Clone)]
pub struct Config {
    pub subscription_id: String,
    pub subscription_name: String,
    pub tenant_id: String,
    /// Derive GUIDs from a durable counter instead of randomness (stable test transcripts).
    pub deterministic: bool,
    /// Items per page of a list answer (`nextLink` beyond); `None` answers in one page.
    pub page_size: Option<usize>,
}

/// The well-known default subscription of a vnetlab state.
pub const DEFAULT_SUBSCRIPTION_ID: &str = "00000000-0000-0000-0000-000000000001";
/// Items per page of list answers unless configured otherwise. (ARM's own page sizes vary by
/// resource provider and are not documented; clients follow `nextLink` whatever the size.)
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The well-known default tenant.
pub const DEFAULT_TENANT_ID: &str = "00000000-0000-0000-0000-0000000000aa";

impl Default for Config {
    fn default() -> Self {
        Config {
            subscription_id: DEFAULT_SUBSCRIPTION_ID.to_string(),
            subscription_name: "vnetlab".to_string(),
            tenant_id: DEFAULT_TENANT_ID.to_string(),
            deterministic: false,
            page_size: Some(DEFAULT_PAGE_SIZE),
        }
    }
}

/// Read-only context.
pub struct Rx<'a> {
    pub txn: &'a dyn Txn,
    pub config: &'a Config,
}

impl Rx<'_> {
    pub fn get(&self, id: &ResourceId) -> ArmResult<Option<Value>> {
        self.txn.get(&id.key())
    }

    pub fn get_key(&self, id: &str) -> ArmResult<Option<Value>> {
        self.txn.get(&crate::id::key_of(id))
    }

    pub fn children(&self, parent: &ResourceId, full_type: &str) -> ArmResult<Vec<Value>> {
        self.txn.children(&parent.key(), full_type)
    }

    /// Ids (as stored, original casing) of records referencing `target` through `kind`.
    pub fn referrers(&self, target: &ResourceId, kind: &str) -> ArmResult<Vec<String>> {
        let mut out = Vec::new();
        for (src_key, k) in self.txn.referrers(&target.key())? {
            if k == kind {
                if let Some(v) = self.txn.get(&src_key)? {
                    if let Some(id) = v.get("id").and_then(Value::as_str) {
                        out.push(id.to_string());
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Read-write context of one transaction.
pub struct Cx<'a> {
    pub txn: &'a mut dyn Txn,
    pub config: &'a Config,
}

impl<'a> Cx<'a> {
    pub fn rx(&self) -> Rx<'_> {
        Rx {
            txn: &*self.txn,
            config: self.config,
        }
    }

    pub fn get(&self, id: &ResourceId) -> ArmResult<Option<Value>> {
        self.txn.get(&id.key())
    }

    pub fn put(&mut self, id: &ResourceId, body: &Value, refs: &[Ref]) -> ArmResult<()> {
        self.txn.put(id, body, refs)
    }

    pub fn delete(&mut self, id: &ResourceId) -> ArmResult<bool> {
        self.txn.delete(&id.key())
    }

    /// A new GUID: random, or derived from the durable counter in deterministic mode.
    pub fn guid(&mut self) -> ArmResult<String> {
        if self.config.deterministic {
            let n = self.txn.next_sequence()?;
            Ok(uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_OID,
                format!("vnetlab-{n}").as_bytes(),
            )
            .to_string())
        } else {
            Ok(uuid::Uuid::new_v4().to_string())
        }
    }

    /// A new weak etag, `W/"<guid>"`.
    pub fn etag(&mut self) -> ArmResult<String> {
        Ok(format!("W/\"{}\"", self.guid()?))
    }

    /// Gives the tracked resource a new etag (any change to it or a child is a new version).
    pub fn touch(&mut self, root: &ResourceId) -> ArmResult<()> {
        let Some(mut body) = self.get(root)? else {
            return Ok(());
        };
        body["etag"] = Value::String(self.etag()?);
        let refs = crate::resources::refs_of(root, &body);
        self.put(root, &body, &refs)
    }

    pub fn require(&self, id: &ResourceId) -> ArmResult<Value> {
        self.get(id)?.ok_or_else(|| not_found(id))
    }
}

/// The 404 ARM gives for a missing resource of this id's type.
pub fn not_found(id: &ResourceId) -> ArmError {
    if id.is_resource_group() {
        ArmError::resource_group_not_found(&id.resource_group)
    } else if id.segments.len() == 1 {
        ArmError::resource_not_found(&id.full_type(), id.name(), &id.resource_group)
    } else {
        ArmError::child_not_found(&id.to_string())
    }
}
