//! NSG rules: parsing (custom and default rules), the plain first-match evaluation used as the
//! reference for the compiled classifier, and the effective-rules view of a NIC
//! (azure-semantics.md §6).
//!
//! Evaluation order (§6.4): inbound subnet NSG then NIC NSG, outbound NIC NSG then subnet NSG;
//! both must allow; a level without NSG allows; within an NSG the lowest priority matching
//! rule decides. Protocol `*` covers TCP, UDP and ICMP; `Esp`/`Ah` rules match none of the
//! flows modelled. ICMP has no ports: an `Icmp` rule ignores its port ranges, a `*` rule matches
//! ICMP only when both its port ranges are `*`.

use crate::api::{ModelError, Protocol};
use crate::model::{AddrItem, Rule, RuleProto, Tag};
use crate::prefix::{is_public, Pfx, RangeSet, HOST_VIP};
use serde_json::Value;
use std::collections::HashMap;
use std::net::Ipv4Addr;

fn err(id: &str, what: impl std::fmt::Display) -> ModelError {
    ModelError(format!("{id}: {what}"))
}

fn port_range(id: &str, s: &str) -> Result<(u16, u16), ModelError> {
    let s = s.trim();
    if s == "*" || s.eq_ignore_ascii_case("any") {
        return Ok((0, u16::MAX));
    }
    let r = match s.split_once('-') {
        Some((a, b)) => a
            .trim()
            .parse::<u16>()
            .ok()
            .zip(b.trim().parse::<u16>().ok()),
        None => s.parse::<u16>().ok().map(|p| (p, p)),
    };
    match r {
        Some((a, b)) if a <= b => Ok((a, b)),
        _ => Err(err(id, format!("'{s}' is not a port range"))),
    }
}

fn ports(id: &str, v: &Value, single: &str, plural: &str) -> Result<Vec<(u16, u16)>, ModelError> {
    let mut out = Vec::new();
    if let Some(s) = v
        .pointer(&format!("/properties/{single}"))
        .and_then(Value::as_str)
    {
        out.push(port_range(id, s)?);
    }
    if let Some(a) = v
        .pointer(&format!("/properties/{plural}"))
        .and_then(Value::as_array)
    {
        for s in a.iter().filter_map(Value::as_str) {
            out.push(port_range(id, s)?);
        }
    }
    if out.is_empty() {
        out.push((0, u16::MAX));
    }
    Ok(out)
}

/// One source/destination entry as written.
pub fn addr_item(s: &str) -> AddrItem {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "*" | "any" => return AddrItem::Any,
        "virtualnetwork" | "virtual_network" => return AddrItem::Tag(Tag::VirtualNetwork),
        "internet" => return AddrItem::Tag(Tag::Internet),
        "azureloadbalancer" | "azure_loadbalancer" => return AddrItem::Tag(Tag::AzureLoadBalancer),
        _ => {}
    }
    match Pfx::parse(t) {
        Some(p) => AddrItem::Net(p),
        None => AddrItem::Unmodelled(t.to_string()),
    }
}

fn addrs(v: &Value, single: &str, plural: &str, asgs: &str) -> (Vec<AddrItem>, Vec<String>) {
    let mut items = Vec::new();
    let mut raw = Vec::new();
    if let Some(s) = v
        .pointer(&format!("/properties/{single}"))
        .and_then(Value::as_str)
    {
        items.push(addr_item(s));
        raw.push(s.to_string());
    }
    if let Some(a) = v
        .pointer(&format!("/properties/{plural}"))
        .and_then(Value::as_array)
    {
        for s in a.iter().filter_map(Value::as_str) {
            items.push(addr_item(s));
            raw.push(s.to_string());
        }
    }
    if let Some(a) = v
        .pointer(&format!("/properties/{asgs}"))
        .and_then(Value::as_array)
    {
        for id in a.iter().filter_map(|x| x.get("id").and_then(Value::as_str)) {
            items.push(AddrItem::Asg(id.to_ascii_lowercase()));
            raw.push(id.to_string());
        }
    }
    if items.is_empty() {
        items.push(AddrItem::Any);
        raw.push("*".into());
    }
    (items, raw)
}

pub fn parse_rule(v: &Value, is_default: bool) -> Result<Rule, ModelError> {
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let name = id.rsplit('/').next().unwrap_or("").to_string();
    let p = |k: &str| v.pointer(&format!("/properties/{k}"));
    let priority = p("priority")
        .and_then(Value::as_u64)
        .ok_or_else(|| err(&id, "no priority"))?;
    let direction = p("direction").and_then(Value::as_str).unwrap_or("");
    let inbound = if direction.eq_ignore_ascii_case("Inbound") {
        true
    } else if direction.eq_ignore_ascii_case("Outbound") {
        false
    } else {
        return Err(err(&id, format!("direction '{direction}'")));
    };
    let access = p("access").and_then(Value::as_str).unwrap_or("");
    let allow = if access.eq_ignore_ascii_case("Allow") {
        true
    } else if access.eq_ignore_ascii_case("Deny") {
        false
    } else {
        return Err(err(&id, format!("access '{access}'")));
    };
    let proto_raw = p("protocol")
        .and_then(Value::as_str)
        .unwrap_or("*")
        .to_string();
    let proto = match proto_raw.to_ascii_lowercase().as_str() {
        "*" | "all" | "any" => RuleProto::Any,
        "tcp" => RuleProto::Tcp,
        "udp" => RuleProto::Udp,
        "icmp" => RuleProto::Icmp,
        _ => RuleProto::Other,
    };
    let (src, src_raw) = addrs(
        v,
        "sourceAddressPrefix",
        "sourceAddressPrefixes",
        "sourceApplicationSecurityGroups",
    );
    let (dst, dst_raw) = addrs(
        v,
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
        "destinationApplicationSecurityGroups",
    );
    Ok(Rule {
        src_ports: ports(&id, v, "sourcePortRange", "sourcePortRanges")?,
        dst_ports: ports(&id, v, "destinationPortRange", "destinationPortRanges")?,
        name,
        id,
        is_default,
        priority: u32::try_from(priority).unwrap_or(u32::MAX),
        inbound,
        allow,
        proto,
        proto_raw,
        src,
        dst,
        src_raw,
        dst_raw,
    })
}

/// Azure's six default rules (§6.2), for NSG records that do not carry them.
pub fn default_rules(nsg_id: &str) -> Vec<Rule> {
    let mk = |name: &str, inbound: bool, prio: u32, src: &str, dst: &str, allow: bool| Rule {
        id: format!("{nsg_id}/defaultSecurityRules/{name}"),
        name: name.to_string(),
        is_default: true,
        priority: prio,
        inbound,
        allow,
        proto: RuleProto::Any,
        proto_raw: "*".into(),
        src_ports: vec![(0, u16::MAX)],
        dst_ports: vec![(0, u16::MAX)],
        src: vec![addr_item(src)],
        dst: vec![addr_item(dst)],
        src_raw: vec![src.into()],
        dst_raw: vec![dst.into()],
    };
    vec![
        mk(
            "AllowVnetInBound",
            true,
            65000,
            "VirtualNetwork",
            "VirtualNetwork",
            true,
        ),
        mk(
            "AllowAzureLoadBalancerInBound",
            true,
            65001,
            "AzureLoadBalancer",
            "*",
            true,
        ),
        mk("DenyAllInBound", true, 65500, "*", "*", false),
        mk(
            "AllowVnetOutBound",
            false,
            65000,
            "VirtualNetwork",
            "VirtualNetwork",
            true,
        ),
        mk("AllowInternetOutBound", false, 65001, "*", "Internet", true),
        mk("DenyAllOutBound", false, 65500, "*", "*", false),
    ]
}

/// The addresses an ASG stands for (its members' private IPs, sorted).
pub type AsgIps = HashMap<String, Vec<u32>>;

/// Membership of one address in one entry, from the evaluating NIC's point of view.
pub fn item_matches(item: &AddrItem, ip: u32, vnet: &RangeSet, asgs: &AsgIps) -> bool {
    match item {
        AddrItem::Any => true,
        AddrItem::Net(p) => p.contains_ip(ip),
        AddrItem::Tag(Tag::VirtualNetwork) => vnet.contains(ip),
        AddrItem::Tag(Tag::Internet) => is_public(ip),
        AddrItem::Tag(Tag::AzureLoadBalancer) => ip == HOST_VIP,
        AddrItem::Asg(a) => asgs.get(a).is_some_and(|m| m.binary_search(&ip).is_ok()),
        AddrItem::Unmodelled(_) => false,
    }
}

pub fn proto_code(p: Protocol) -> u8 {
    match p {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Icmp => 2,
    }
}

/// Whether a rule matches a flow (protocol and ports as the module documentation says).
#[allow(clippy::too_many_arguments)]
pub fn rule_matches(
    r: &Rule,
    proto: Protocol,
    src: u32,
    sport: u16,
    dst: u32,
    dport: u16,
    vnet: &RangeSet,
    asgs: &AsgIps,
) -> bool {
    let full = |v: &[(u16, u16)]| v.iter().any(|&(a, b)| a == 0 && b == u16::MAX);
    let in_ports = |v: &[(u16, u16)], p: u16| v.iter().any(|&(a, b)| a <= p && p <= b);
    let ok_proto_ports = match (r.proto, proto) {
        (RuleProto::Other, _) => false,
        (RuleProto::Icmp, Protocol::Icmp) => true,
        (RuleProto::Any, Protocol::Icmp) => full(&r.src_ports) && full(&r.dst_ports),
        (RuleProto::Any, _) | (RuleProto::Tcp, Protocol::Tcp) | (RuleProto::Udp, Protocol::Udp) => {
            in_ports(&r.src_ports, sport) && in_ports(&r.dst_ports, dport)
        }
        _ => false,
    };
    ok_proto_ports
        && r.src.iter().any(|i| item_matches(i, src, vnet, asgs))
        && r.dst.iter().any(|i| item_matches(i, dst, vnet, asgs))
}

/// First match in one NSG (rules sorted by priority): the index of the deciding rule.
#[allow(clippy::too_many_arguments)]
pub fn first_match(
    rules: &[Rule],
    inbound: bool,
    proto: Protocol,
    src: u32,
    sport: u16,
    dst: u32,
    dport: u16,
    vnet: &RangeSet,
    asgs: &AsgIps,
) -> Option<usize> {
    rules.iter().position(|r| {
        r.inbound == inbound && rule_matches(r, proto, src, sport, dst, dport, vnet, asgs)
    })
}

/// Ranges as effective rules print them (`0-65535`, `80-80`).
pub fn port_strings(v: &[(u16, u16)]) -> Vec<String> {
    v.iter().map(|(a, b)| format!("{a}-{b}")).collect()
}

/// Address entries as effective rules print them: `*` as `0.0.0.0/0`, tags and prefixes as
/// written, ASGs by id.
pub fn addr_strings(raw: &[String]) -> Vec<String> {
    raw.iter()
        .map(|s| {
            if s.trim() == "*" {
                "0.0.0.0/0".to_string()
            } else {
                s.clone()
            }
        })
        .collect()
}

/// Expansion of a rule side for display: empty when it holds only prefixes (ARM shows no
/// expansion then), else every entry expanded (tags through `tag_map`, ASGs to member /32s).
pub fn expand_side(
    items: &[AddrItem],
    tag_map: &[(String, Vec<String>)],
    asgs: &AsgIps,
) -> Vec<String> {
    if !items
        .iter()
        .any(|i| matches!(i, AddrItem::Tag(_) | AddrItem::Asg(_)))
    {
        return Vec::new();
    }
    let tag = |name: &str| {
        tag_map
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for i in items {
        match i {
            AddrItem::Any => out.push("0.0.0.0/0".to_string()),
            AddrItem::Net(p) => out.push(p.to_string()),
            AddrItem::Tag(Tag::VirtualNetwork) => out.extend(tag("VirtualNetwork")),
            AddrItem::Tag(Tag::Internet) => out.extend(tag("Internet")),
            AddrItem::Tag(Tag::AzureLoadBalancer) => out.extend(tag("AzureLoadBalancer")),
            AddrItem::Asg(a) => {
                for ip in asgs.get(a).into_iter().flatten() {
                    out.push(format!("{}/32", Ipv4Addr::from(*ip)));
                }
            }
            AddrItem::Unmodelled(_) => {}
        }
    }
    out
}
