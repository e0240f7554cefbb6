//! `vnetlab diff --before STATE --after STATE`: the flows a change gains and loses, per
//! (source subnet, destination subnet), as protocol/port sets. Both states go through the
//! same exact subnet-level matrix; subnets are matched by ARM id, so a subnet that exists on
//! one side only gains or loses everything it had.

use crate::matrix::Matrix;
use crate::space::FlowSpace;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Clone)]
pub struct Change {
    pub from: String,
    pub to: String,
    pub gained: FlowSpace,
    pub lost: FlowSpace,
}

/// Cells keyed by (from id, to id), lower-cased; labels kept for printing.
fn cells(m: &Matrix) -> BTreeMap<(String, String), (String, String, FlowSpace)> {
    let n = m.groups.len();
    let mut out = BTreeMap::new();
    for i in 0..n {
        for j in 0..n {
            let c = m.cell(i, j);
            if c.pairs == 0 {
                continue;
            }
            out.insert(
                (
                    m.groups[i].id.to_ascii_lowercase(),
                    m.groups[j].id.to_ascii_lowercase(),
                ),
                (
                    m.groups[i].label.clone(),
                    m.groups[j].label.clone(),
                    c.some.clone(),
                ),
            );
        }
    }
    out
}

/// Every (from, to) whose delivered flows changed.
pub fn diff(before: &Matrix, after: &Matrix) -> Vec<Change> {
    let b = cells(before);
    let a = cells(after);
    let mut keys: Vec<&(String, String)> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let empty = FlowSpace::empty();
    let mut out = Vec::new();
    for k in keys {
        let (bl, bs) = b
            .get(k)
            .map(|(f, t, s)| ((f, t), s))
            .unwrap_or(((&k.0, &k.1), &empty));
        let (al, as_) = a
            .get(k)
            .map(|(f, t, s)| ((f, t), s))
            .unwrap_or(((&k.0, &k.1), &empty));
        let gained = as_.minus(bs);
        let lost = bs.minus(as_);
        if gained.is_empty() && lost.is_empty() {
            continue;
        }
        let (from, to) = if a.contains_key(k) { al } else { bl };
        out.push(Change {
            from: from.clone(),
            to: to.clone(),
            gained,
            lost,
        });
    }
    out
}

pub fn text(changes: &[Change]) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        out.push_str("no change: every subnet reaches exactly what it reached before\n");
        return out;
    }
    for c in changes {
        if !c.lost.is_empty() {
            let _ = writeln!(out, "- {} → {}: lost {}", c.from, c.to, c.lost);
        }
        if !c.gained.is_empty() {
            let _ = writeln!(out, "+ {} → {}: gained {}", c.from, c.to, c.gained);
        }
    }
    let lost = changes.iter().filter(|c| !c.lost.is_empty()).count();
    let gained = changes.iter().filter(|c| !c.gained.is_empty()).count();
    let _ = writeln!(out, "{lost} subnet pairs lost flows, {gained} gained flows");
    out
}

pub fn json(changes: &[Change]) -> Value {
    json!({
        "changes": changes.iter().map(|c| json!({
            "from": c.from, "to": c.to, "gained": c.gained.summary(), "lost": c.lost.summary(),
        })).collect::<Vec<_>>(),
    })
}
