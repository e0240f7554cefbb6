//! Rendered answers to GETs of one resource, kept while the store's state does not change.
//!
//! Rendering a VNet reads and parses the VNet, each subnet, the subnets' back-references and
//! the peerings with their remote VNets: tens of microseconds, where finding the answer here
//! takes one. An answer is a function of the state the read transaction sees, the request
//! path and `$expand`, and nothing else: a read has no clock and no randomness (those come
//! through `Cx`, which only writes get), and the router's configuration is fixed per `Arm`.
//! The store names each state it serves with a number ([`crate::store::Txn::snapshot`]);
//! the cache holds the answers of one number only and empties itself when the number
//! changes, so it cannot answer from a state older than the one the transaction reads,
//! whichever connection or process wrote the newer one.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Upper bound on the (estimated) memory of the answers kept by one router; a server keeps a
/// router per pooled store connection.
const MAX_WEIGHT: usize = 2 << 20;

/// Answers by (request path, `$expand`), all of one snapshot.
#[derive(Debug, Default)]
pub(crate) struct ReadCache {
    snapshot: u64,
    entries: HashMap<(String, Option<String>), Entry>,
    weight: usize,
}

#[derive(Debug)]
struct Entry {
    body: Value,
    /// The body as compact JSON, once someone asked for it.
    json: Option<Arc<[u8]>>,
}

impl ReadCache {
    /// The answer to this GET in state `snapshot`, if one was kept.
    pub(crate) fn get(&mut self, snapshot: u64, path: &str, expand: Option<&str>) -> Option<Value> {
        self.entry(snapshot, path, expand).map(|e| e.body.clone())
    }

    /// As [`ReadCache::get`], as compact JSON (encoded on the first such request).
    pub(crate) fn get_json(
        &mut self,
        snapshot: u64,
        path: &str,
        expand: Option<&str>,
    ) -> Option<Arc<[u8]>> {
        let e = self.entry(snapshot, path, expand)?;
        if let Some(j) = &e.json {
            return Some(j.clone());
        }
        let j = encode(&e.body);
        e.json = Some(j.clone());
        self.weight += j.len();
        Some(j)
    }

    /// Keeps the answer to this GET in state `snapshot`, if there is room.
    pub(crate) fn put(
        &mut self,
        snapshot: u64,
        path: &str,
        expand: Option<&str>,
        body: Value,
        json: Option<Arc<[u8]>>,
    ) {
        if snapshot != self.snapshot {
            self.reset(snapshot);
        }
        let w = weight(&body) + path.len() + json.as_ref().map_or(0, |j| j.len());
        if self.weight + w > MAX_WEIGHT {
            return;
        }
        self.weight += w;
        self.entries.insert(
            (path.to_string(), expand.map(str::to_string)),
            Entry { body, json },
        );
    }

    fn entry(&mut self, snapshot: u64, path: &str, expand: Option<&str>) -> Option<&mut Entry> {
        if snapshot != self.snapshot {
            self.reset(snapshot);
            return None;
        }
        self.entries
            .get_mut(&(path.to_string(), expand.map(str::to_string)))
    }

    fn reset(&mut self, snapshot: u64) {
        self.snapshot = snapshot;
        self.entries.clear();
        self.weight = 0;
    }
}

/// A body as compact JSON: exactly what `serde_json::to_vec` gives.
pub(crate) fn encode(body: &Value) -> Arc<[u8]> {
    // Serialising a `Value` cannot fail (its keys are strings).
    Arc::from(serde_json::to_vec(body).unwrap_or_default())
}

/// A rough count of the heap bytes a JSON value holds (nodes, strings, map entries).
fn weight(v: &Value) -> usize {
    const NODE: usize = std::mem::size_of::<Value>();
    NODE + match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(weight).sum(),
        Value::Object(m) => m.iter().map(|(k, v)| 2 * NODE + k.len() + weight(v)).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_only_within_one_snapshot() {
        let mut c = ReadCache::default();
        c.put(7, "/a", None, json!({"x": 1}), None);
        assert_eq!(c.get(7, "/a", None), Some(json!({"x": 1})));
        assert_eq!(
            c.get_json(7, "/a", None).as_deref(),
            Some(&b"{\"x\":1}"[..])
        );
        assert_eq!(c.get(7, "/a", Some("instanceView")), None);
        assert_eq!(c.get(7, "/A", None), None, "paths are matched exactly");
        assert_eq!(c.get(8, "/a", None), None);
        assert_eq!(
            c.get(7, "/a", None),
            None,
            "a new snapshot dropped the old answers"
        );
    }

    #[test]
    fn a_router_over_a_mem_store_sees_its_writes() {
        use crate::{Arm, ArmRequest, Config, JsonAnswer, MemStore};
        let arm = Arm::new(MemStore::new(), Config::default());
        let rg = format!(
            "/subscriptions/{}/resourceGroups/rg",
            arm.config.subscription_id
        );
        let get = ArmRequest::get(rg.as_str());
        assert_eq!(arm.handle(&get).status, 404, "failures are not kept");
        assert_eq!(
            arm.handle(&ArmRequest::put(rg.as_str(), json!({"location": "eastus"})))
                .status,
            201
        );
        let first = arm.handle(&get).body.unwrap();
        assert_eq!(arm.handle(&get).body.unwrap(), first);
        let tagged = json!({"location": "eastus", "tags": {"k": "v"}});
        assert_eq!(
            arm.handle(&ArmRequest::put(rg.as_str(), tagged)).status,
            200
        );
        let second = arm.handle(&get).body.unwrap();
        assert_eq!(second["tags"], json!({"k": "v"}));
        let JsonAnswer::Ok(json) = arm.handle_json(&get) else {
            panic!("a group GET is answered as JSON");
        };
        assert_eq!(&json[..], &serde_json::to_vec(&second).unwrap()[..]);
    }

    #[test]
    fn keeps_within_its_memory_bound() {
        let mut c = ReadCache::default();
        let big = json!({ "s": "x".repeat(MAX_WEIGHT / 4) });
        for i in 0..8 {
            c.put(1, &format!("/{i}"), None, big.clone(), None);
        }
        assert!(c.weight <= MAX_WEIGHT);
        assert!(c.entries.len() < 8);
        assert!(c.get(1, "/0", None).is_some());
    }
}
