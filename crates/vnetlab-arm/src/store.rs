//! What the control plane needs from storage, and nothing more.
//!
//! Architecture Invariant: this crate never does I/O itself. A [`Store`] runs a closure inside
//! one transaction: a write either commits every change the operation made (both links of a
//! peering, a NIC and its subnet's back-references) or none of them.
//!
//! Records are ARM documents (`serde_json::Value`) keyed by the lower-cased resource id.
//! Child resources (subnets, peerings, rules, routes, ipconfigs) are records of their own, so a
//! command touches only the records it needs. References between resources (an ipconfig's
//! subnet, a subnet's NSG) are indexed so that back-references (`subnet.ipConfigurations`,
//! `networkSecurityGroup.subnets`) and "in use" checks are lookups, not scans.

use crate::error::ArmResult;
use crate::id::ResourceId;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// A reference from one record to another: `kind` names the property (`subnet`, `networkSecurityGroup`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub kind: String,
    pub target_key: String,
}

impl Ref {
    pub fn new(kind: &str, target_id: &str) -> Ref {
        Ref {
            kind: kind.to_string(),
            target_key: crate::id::key_of(target_id),
        }
    }
}

/// Reads and writes inside one transaction.
pub trait Txn {
    /// The record with this key (lower-cased id), if any.
    fn get(&self, key: &str) -> ArmResult<Option<Value>>;
    /// Inserts or replaces a record and replaces its outgoing references.
    fn put(&mut self, id: &ResourceId, body: &Value, refs: &[Ref]) -> ArmResult<()>;
    /// Deletes a record, all its descendants and their outgoing references. True if it existed.
    fn delete(&mut self, key: &str) -> ArmResult<bool>;
    /// Direct children of `parent_key` of the given full type, in creation order.
    fn children(&self, parent_key: &str, full_type: &str) -> ArmResult<Vec<Value>>;
    /// Tracked resources of a type in a subscription, optionally one resource group, in creation order.
    fn list(
        &self,
        full_type: &str,
        subscription: &str,
        resource_group: Option<&str>,
    ) -> ArmResult<Vec<Value>>;
    /// `(source id key, kind)` of every reference pointing at `target_key`.
    fn referrers(&self, target_key: &str) -> ArmResult<Vec<(String, String)>>;
    /// A durable counter (deterministic GUIDs in tests, operation ids).
    fn next_sequence(&mut self) -> ArmResult<u64>;
    /// In a read transaction: a number naming the state it sees. Two read transactions that
    /// get the same number (from any store in this process) see the same records, whoever
    /// wrote them (another connection, another process). `None` when the store cannot tell,
    /// and always in a write transaction. What the router's read cache is validated with.
    fn snapshot(&self) -> ArmResult<Option<u64>> {
        Ok(None)
    }
}

/// A snapshot number never handed out before in this process (see [`Txn::snapshot`]):
/// unique across stores, so a cache can never mistake one store's state for another's.
pub fn new_snapshot_number() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A transactional store of ARM records.
pub trait Store {
    fn read<R>(&self, f: impl FnOnce(&dyn Txn) -> ArmResult<R>) -> ArmResult<R>;
    /// Runs `f` in a write transaction; commits only if it returns `Ok`.
    fn write<R>(&self, f: impl FnOnce(&mut dyn Txn) -> ArmResult<R>) -> ArmResult<R>;
}

#[derive(Debug, Clone)]
struct Row {
    seq: u64,
    id: ResourceId,
    body: Value,
    refs: Vec<Ref>,
}

/// An in-memory store (tests, benchmarks, throwaway demos). Writes work on a copy that
/// replaces the state only on success, so a failed operation changes nothing here either.
#[derive(Debug, Default)]
pub struct MemStore {
    state: RefCell<MemState>,
}

#[derive(Debug, Default, Clone)]
struct MemState {
    rows: BTreeMap<String, Row>,
    next_row: u64,
    sequence: u64,
    /// The state's [`Txn::snapshot`] number; 0 while a write is working on a copy.
    snapshot: u64,
}

impl MemStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Store for MemStore {
    fn read<R>(&self, f: impl FnOnce(&dyn Txn) -> ArmResult<R>) -> ArmResult<R> {
        if self.state.borrow().snapshot == 0 {
            self.state.borrow_mut().snapshot = new_snapshot_number();
        }
        let state = self.state.borrow();
        f(&*state)
    }

    fn write<R>(&self, f: impl FnOnce(&mut dyn Txn) -> ArmResult<R>) -> ArmResult<R> {
        let mut copy = self.state.borrow().clone();
        copy.snapshot = 0;
        let r = f(&mut copy)?;
        // Numbered lazily by the next read: the copy is a new state.
        *self.state.borrow_mut() = copy;
        Ok(r)
    }
}

fn sorted(mut rows: Vec<&Row>) -> Vec<Value> {
    rows.sort_by_key(|r| r.seq);
    rows.into_iter().map(|r| r.body.clone()).collect()
}

impl Txn for MemState {
    fn get(&self, key: &str) -> ArmResult<Option<Value>> {
        Ok(self.rows.get(key).map(|r| r.body.clone()))
    }

    fn put(&mut self, id: &ResourceId, body: &Value, refs: &[Ref]) -> ArmResult<()> {
        let key = id.key();
        let seq = match self.rows.get(&key) {
            Some(r) => r.seq,
            None => {
                self.next_row += 1;
                self.next_row
            }
        };
        self.rows.insert(
            key,
            Row {
                seq,
                id: id.clone(),
                body: body.clone(),
                refs: refs.to_vec(),
            },
        );
        Ok(())
    }

    fn delete(&mut self, key: &str) -> ArmResult<bool> {
        let existed = self.rows.remove(key).is_some();
        let prefix = format!("{key}/");
        self.rows.retain(|k, _| !k.starts_with(&prefix));
        Ok(existed)
    }

    fn children(&self, parent_key: &str, full_type: &str) -> ArmResult<Vec<Value>> {
        let rows = self
            .rows
            .values()
            .filter(|r| {
                r.id.parent().map(|p| p.key()).as_deref() == Some(parent_key)
                    && r.id.full_type().eq_ignore_ascii_case(full_type)
            })
            .collect();
        Ok(sorted(rows))
    }

    fn list(
        &self,
        full_type: &str,
        subscription: &str,
        resource_group: Option<&str>,
    ) -> ArmResult<Vec<Value>> {
        let rows = self
            .rows
            .values()
            .filter(|r| {
                r.id.full_type().eq_ignore_ascii_case(full_type)
                    && r.id.subscription.eq_ignore_ascii_case(subscription)
                    && resource_group.is_none_or(|g| r.id.resource_group.eq_ignore_ascii_case(g))
            })
            .collect();
        Ok(sorted(rows))
    }

    fn referrers(&self, target_key: &str) -> ArmResult<Vec<(String, String)>> {
        let mut out: Vec<(u64, String, String)> = Vec::new();
        for (k, r) in &self.rows {
            for rf in &r.refs {
                if rf.target_key == target_key {
                    out.push((r.seq, k.clone(), rf.kind.clone()));
                }
            }
        }
        out.sort();
        Ok(out.into_iter().map(|(_, k, kind)| (k, kind)).collect())
    }

    fn next_sequence(&mut self) -> ArmResult<u64> {
        self.sequence += 1;
        Ok(self.sequence)
    }

    fn snapshot(&self) -> ArmResult<Option<u64>> {
        Ok(Some(self.snapshot).filter(|&n| n != 0))
    }
}
