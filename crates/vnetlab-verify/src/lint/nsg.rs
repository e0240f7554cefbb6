//! NSG rules that never decide anything: a rule every packet of which an earlier rule (lower
//! priority number, same direction) already matches. When the earlier rule has the other
//! access, the later rule's intent is silently overridden — usually a bug.
//!
//! The check is sound and conservative: it reports a rule only when one earlier rule covers it
//! on every field (protocol, source and destination ports, addresses — `*` covers everything,
//! a prefix covers the prefixes inside it, a tag or ASG covers only itself). A rule covered only
//! by several earlier rules together is not reported.

use super::{Finding, Severity};
use crate::endpoint::parse_cidr;
use crate::inventory::{id_of, last_name, resource_group, str_at, strs_at};
use crate::space::PortSet;
use crate::Verifier;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Addr {
    Any,
    Net(u32, u8),
    /// A tag, ASG id or anything else, compared by name.
    Named(String),
}

struct Rule {
    id: String,
    name: String,
    priority: u64,
    inbound: bool,
    allow: bool,
    proto: String,
    sports: PortSet,
    dports: PortSet,
    src: Vec<Addr>,
    dst: Vec<Addr>,
}

fn addr(s: &str) -> Addr {
    let t = s.trim();
    if t == "*" || t.eq_ignore_ascii_case("any") || t == "0.0.0.0/0" {
        return Addr::Any;
    }
    let cidr = if t.contains('/') {
        t.to_string()
    } else {
        format!("{t}/32")
    };
    match parse_cidr(&cidr) {
        Ok((n, l)) => Addr::Net(n, l).normal(),
        Err(_) => Addr::Named(t.to_ascii_lowercase()),
    }
}

impl Addr {
    fn normal(self) -> Addr {
        match self {
            Addr::Net(_, 0) => Addr::Any,
            a => a,
        }
    }

    fn covers(&self, o: &Addr) -> bool {
        match (self, o) {
            (Addr::Any, _) => true,
            (Addr::Net(n, l), Addr::Net(m, k)) => {
                let mask = if *l == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(*l))
                };
                l <= k && m & mask == *n
            }
            (Addr::Named(a), Addr::Named(b)) => a == b,
            _ => false,
        }
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

fn addrs(v: &Value, single: &str, plural: &str, asgs: &str) -> Vec<Addr> {
    let mut out: Vec<Addr> = str_at(v, &format!("/properties/{single}"))
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
            out.push(Addr::Named(id.to_ascii_lowercase()));
        }
    }
    if out.is_empty() {
        out.push(Addr::Any);
    }
    out
}

fn parse(v: &Value) -> Option<Rule> {
    let id = id_of(v);
    Some(Rule {
        name: last_name(&id).to_string(),
        priority: v.pointer("/properties/priority").and_then(Value::as_u64)?,
        inbound: str_at(v, "/properties/direction")?.eq_ignore_ascii_case("Inbound"),
        allow: str_at(v, "/properties/access")?.eq_ignore_ascii_case("Allow"),
        proto: str_at(v, "/properties/protocol")
            .unwrap_or("*")
            .to_ascii_lowercase(),
        sports: ports(v, "sourcePortRange", "sourcePortRanges"),
        dports: ports(v, "destinationPortRange", "destinationPortRanges"),
        src: addrs(
            v,
            "sourceAddressPrefix",
            "sourceAddressPrefixes",
            "sourceApplicationSecurityGroups",
        ),
        dst: addrs(
            v,
            "destinationAddressPrefix",
            "destinationAddressPrefixes",
            "destinationApplicationSecurityGroups",
        ),
        id,
    })
}

fn covers(q: &Rule, r: &Rule) -> bool {
    let side = |qs: &[Addr], rs: &[Addr]| rs.iter().all(|a| qs.iter().any(|b| b.covers(a)));
    if !side(&q.src, &r.src) || !side(&q.dst, &r.dst) {
        return false;
    }
    // ICMP has no ports; a `*` rule matches ICMP only with `*` ports (azure-semantics.md §6.1).
    let all_ports = |x: &Rule| x.sports.is_all() && x.dports.is_all();
    let protos: Vec<&str> = if r.proto == "*" {
        vec!["tcp", "udp", "icmp"]
    } else {
        vec![r.proto.as_str()]
    };
    protos.into_iter().all(|p| {
        if p == "icmp" {
            let r_matches = r.proto == "icmp" || all_ports(r);
            !r_matches || q.proto == "icmp" || (q.proto == "*" && all_ports(q))
        } else {
            (q.proto == "*" || q.proto == p)
                && r.sports.is_subset(&q.sports)
                && r.dports.is_subset(&q.dports)
        }
    })
}

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
            let Some(q) = rules[..i]
                .iter()
                .find(|q| q.inbound == r.inbound && q.priority < r.priority && covers(q, r))
            else {
                continue;
            };
            let dir = if r.inbound { "Inbound" } else { "Outbound" };
            let (sev, why) = if q.allow != r.allow {
                (
                    Severity::Warning,
                    format!(
                        "{dir} rule {} (priority {}, {}) never applies: rule {} (priority {}, {}) matches every packet it would, first — so its {} is silently overridden.",
                        r.name, r.priority, if r.allow { "Allow" } else { "Deny" }, q.name, q.priority, if q.allow { "Allow" } else { "Deny" },
                        if r.allow { "Allow" } else { "Deny" }
                    ),
                )
            } else {
                (Severity::Info, format!("{dir} rule {} (priority {}) is redundant: rule {} (priority {}) already matches every packet it would, with the same access.", r.name, r.priority, q.name, q.priority))
            };
            out.push(Finding::new(
                sev,
                "nsg-rule-shadowed",
                &r.id,
                why,
                format!("Give {} a priority number below {} (az network nsg rule update -g {} --nsg-name {} -n {} --priority <n>), narrow {}, or delete the rule.", r.name, q.priority, resource_group(&r.id), last_name(&nid), r.name, q.name),
            ));
        }
    }
}
