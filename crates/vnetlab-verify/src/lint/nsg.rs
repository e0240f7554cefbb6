//! NSG rules that never decide anything: a rule every packet of which earlier rules (lower
//! priority number, same direction) already match — one rule, or several together. When an
//! earlier rule has the other access, the later rule's intent is silently overridden — usually
//! a bug.
//!
//! The check is exact on rules as written ([`super::cover`]: box subtraction over protocol,
//! ports and addresses), and sound: tags and ASGs are covered only by themselves, `*` and
//! `0.0.0.0/0`, since what they contain depends on the evaluating NIC. Covers that need a
//! tag's contents are not reported, nor are covers whose subtraction outgrows a bound.

use super::cover::{covered_by, AddrSet, HBox};
use super::{Finding, Severity};
use crate::endpoint::parse_cidr;
use crate::inventory::{id_of, last_name, resource_group, str_at, strs_at};
use crate::space::PortSet;
use crate::Verifier;
use serde_json::Value;

struct Rule {
    id: String,
    name: String,
    priority: u64,
    inbound: bool,
    allow: bool,
    /// The packets the rule matches ([`super::cover`]).
    boxes: Vec<HBox>,
}

/// One address entry as written: `*` and `0.0.0.0/0` are everything, a prefix (or a bare
/// address, /32) its range, anything else (a tag, an ASG id) a named atom.
fn addr(s: &str) -> AddrSet {
    let t = s.trim();
    if t == "*" || t.eq_ignore_ascii_case("any") {
        return AddrSet::any();
    }
    let cidr = if t.contains('/') {
        t.to_string()
    } else {
        format!("{t}/32")
    };
    match parse_cidr(&cidr) {
        Ok((_, 0)) => AddrSet::any(),
        Ok((n, l)) => {
            let host = if l >= 32 { 0 } else { u32::MAX >> l };
            AddrSet::range(n & !host, n | host)
        }
        Err(_) => AddrSet::named(&t.to_ascii_lowercase()),
    }
}

fn ports(v: &Value, single: &str, plural: &str) -> PortSet {
    let mut list: Vec<String> = str_at(v, &format!("/properties/{single}"))
        .map(|s| vec![s.to_string()])
        .unwrap_or_default();
    list.extend(strs_at(v, &format!("/properties/{plural}")));
    if list.is_empty() {
        return PortSet::all();
    }
    list.iter()
        .filter_map(|s| PortSet::parse(s).ok())
        .fold(PortSet::empty(), |a, b| a.union(&b))
}

/// A rule side: the union of its entries (none written means `*`).
fn addrs(v: &Value, single: &str, plural: &str, asgs: &str) -> AddrSet {
    let mut out: Vec<AddrSet> = str_at(v, &format!("/properties/{single}"))
        .map(|s| vec![addr(s)])
        .unwrap_or_default();
    out.extend(
        strs_at(v, &format!("/properties/{plural}"))
            .iter()
            .map(|s| addr(s)),
    );
    for a in v
        .pointer(&format!("/properties/{asgs}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(id) = a.get("id").and_then(Value::as_str) {
            out.push(AddrSet::named(&id.to_ascii_lowercase()));
        }
    }
    if out.is_empty() {
        return AddrSet::any();
    }
    out.iter().fold(AddrSet::empty(), |acc, a| acc.union(a))
}

fn parse(v: &Value) -> Option<Rule> {
    let id = id_of(v);
    Some(Rule {
        name: last_name(&id).to_string(),
        priority: v.pointer("/properties/priority").and_then(Value::as_u64)?,
        inbound: str_at(v, "/properties/direction")?.eq_ignore_ascii_case("Inbound"),
        allow: str_at(v, "/properties/access")?.eq_ignore_ascii_case("Allow"),
        boxes: HBox::of_rule(
            str_at(v, "/properties/protocol").unwrap_or("*"),
            &ports(v, "sourcePortRange", "sourcePortRanges"),
            &ports(v, "destinationPortRange", "destinationPortRanges"),
            &addrs(
                v,
                "sourceAddressPrefix",
                "sourceAddressPrefixes",
                "sourceApplicationSecurityGroups",
            ),
            &addrs(
                v,
                "destinationAddressPrefix",
                "destinationAddressPrefixes",
                "destinationApplicationSecurityGroups",
            ),
        ),
        id,
    })
}

/// Pieces a cover check may split a rule into before it gives up (and reports nothing).
const COVER_PIECES: usize = 4096;

pub fn check(v: &Verifier, out: &mut Vec<Finding>) {
    for nsg in v.records.of_type("Microsoft.Network/networkSecurityGroups") {
        let nid = id_of(nsg);
        let mut rules: Vec<Rule> = v
            .records
            .children_of(&nid)
            .filter(|r| {
                crate::inventory::type_of_id(&id_of(r)).as_deref()
                    == Some("microsoft.network/networksecuritygroups/securityrules")
            })
            .filter_map(parse)
            .collect();
        rules.sort_by_key(|r| r.priority);
        for (i, r) in rules.iter().enumerate() {
            if r.boxes.is_empty() {
                continue;
            }
            // Earlier rules' boxes that meet this rule at all, in priority order.
            let mut owners: Vec<usize> = Vec::new();
            let mut earlier: Vec<&HBox> = Vec::new();
            for (k, q) in rules[..i].iter().enumerate() {
                if q.inbound != r.inbound || q.priority >= r.priority {
                    continue;
                }
                for b in &q.boxes {
                    if r.boxes.iter().any(|x| x.overlaps(b)) {
                        owners.push(k);
                        earlier.push(b);
                    }
                }
            }
            let Some(used) = covered_by(&r.boxes, &earlier, COVER_PIECES) else {
                continue;
            };
            let mut by: Vec<&Rule> = Vec::new();
            for u in used {
                let q = &rules[owners[u]];
                if !by.iter().any(|x| x.id == q.id) {
                    by.push(q);
                }
            }
            let [q, ..] = by[..] else {
                continue;
            };
            let dir = if r.inbound { "Inbound" } else { "Outbound" };
            let access = |allow: bool| if allow { "Allow" } else { "Deny" };
            let (sev, why) = if by.len() > 1 {
                let names: Vec<String> = by
                    .iter()
                    .map(|x| format!("{} (priority {}, {})", x.name, x.priority, access(x.allow)))
                    .collect();
                if by.iter().any(|x| x.allow != r.allow) {
                    (
                        Severity::Warning,
                        format!(
                            "{dir} rule {} (priority {}, {}) never applies: rules {} together match every packet it would, first — so its {} is silently overridden.",
                            r.name, r.priority, access(r.allow), names.join(", "), access(r.allow)
                        ),
                    )
                } else {
                    (Severity::Info, format!("{dir} rule {} (priority {}) is redundant: rules {} together already match every packet it would, with the same access.", r.name, r.priority, names.join(", ")))
                }
            } else if q.allow != r.allow {
                (
                    Severity::Warning,
                    format!(
                        "{dir} rule {} (priority {}, {}) never applies: rule {} (priority {}, {}) matches every packet it would, first — so its {} is silently overridden.",
                        r.name, r.priority, access(r.allow), q.name, q.priority, access(q.allow),
                        access(r.allow)
                    ),
                )
            } else {
                (Severity::Info, format!("{dir} rule {} (priority {}) is redundant: rule {} (priority {}) already matches every packet it would, with the same access.", r.name, r.priority, q.name, q.priority))
            };
            let lowest = by.iter().map(|x| x.priority).min().unwrap_or(q.priority);
            let narrow: Vec<&str> = by.iter().map(|x| x.name.as_str()).collect();
            out.push(Finding::new(
                sev,
                "nsg-rule-shadowed",
                &r.id,
                why,
                format!("Give {} a priority number below {} (az network nsg rule update -g {} --nsg-name {} -n {} --priority <n>), narrow {}, or delete the rule.", r.name, lowest, resource_group(&r.id), last_name(&nid), r.name, narrow.join(" or ")),
            ));
        }
    }
}
