//! Walks, hops, decisions and blockers in words (for people) and as JSON (for programs).
//! Every hop says what decided it: the NSG rule, the route (and its table), the peering link
//! and flag, IP forwarding (smoltcp's lesson: every verdict can print its path and why).

use crate::inventory::{last_name, parent_id, Inventory};
use serde_json::{json, Value};
use std::fmt::Write as _;
use vnetlab_dataplane::{Access, Blocker, Decision, Direction, Hop, HopKind, RouteSource, Walk};

fn kind_name(k: &HopKind) -> &'static str {
    match k {
        HopKind::Source => "Source",
        HopKind::VnetLocal => "VnetLocal",
        HopKind::VirtualAppliance => "VirtualAppliance",
        HopKind::VirtualNetworkGateway => "VirtualNetworkGateway",
        HopKind::OnPremises => "OnPremises",
        HopKind::Internet => "Internet",
        HopKind::Destination => "Destination",
    }
}

fn source_name(s: RouteSource) -> &'static str {
    match s {
        RouteSource::Default => "Default",
        RouteSource::User => "User",
        RouteSource::VirtualNetworkGateway => "VirtualNetworkGateway",
    }
}

pub fn dir_name(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "Inbound",
        Direction::Outbound => "Outbound",
    }
}

pub fn access_name(a: Access) -> &'static str {
    match a {
        Access::Allow => "Allow",
        Access::Deny => "Deny",
    }
}

/// `web1 (NIC web1VMNic)` for an ipConfiguration id; the last name otherwise.
pub fn resource_label(inv: &Inventory, id: &str) -> String {
    let low = id.to_ascii_lowercase();
    if low.contains("/networkinterfaces/") && low.contains("/ipconfigurations/") {
        if let Some(n) = inv.nic_of_ipconfig(id) {
            let label = inv.nic_label(n);
            return if label == inv.nics[n].name {
                format!("NIC {label}")
            } else {
                format!("{label} (NIC {})", inv.nics[n].name)
            };
        }
        return last_name(parent_id(id)).to_string();
    }
    if id == "Internet" || id == "Unknown" || id.is_empty() {
        return id.to_string();
    }
    last_name(id).to_string()
}

/// `vnet/subnet` for a subnet id.
fn subnet_label(id: &str) -> String {
    format!("{}/{}", last_name(parent_id(id)), last_name(id))
}

pub fn decision_text(d: &Decision) -> String {
    match d {
        Decision::SecurityRule {
            nsg_id,
            rule_name,
            direction,
            access,
        } => {
            format!(
                "NSG {} {}: {rule_name} → {}",
                last_name(nsg_id),
                dir_name(*direction),
                access_name(*access)
            )
        }
        Decision::Route {
            subnet_id,
            prefix,
            next_hop_type,
            next_hop_ip,
            source,
            route_table_id,
        } => {
            let mut s = format!(
                "route {prefix} → {}",
                next_hop_type.as_effective_route_str()
            );
            if let Some(ip) = next_hop_ip {
                let _ = write!(s, " {ip}");
            }
            let _ = write!(s, " ({}", source_name(*source));
            if let Some(t) = route_table_id {
                let _ = write!(s, ", route table {}", last_name(t));
            }
            let _ = write!(s, ") in subnet {}", subnet_label(subnet_id));
            s
        }
        Decision::Peering {
            link_id,
            allowed,
            reason,
        } => {
            format!(
                "peering {}/{}: {reason}{}",
                last_name(parent_id(link_id)),
                last_name(link_id),
                if *allowed { "" } else { " — refused" }
            )
        }
        Decision::IpForwarding { nic_id, enabled } => {
            format!(
                "IP forwarding on {}: {}",
                last_name(nic_id),
                if *enabled {
                    "enabled"
                } else {
                    "disabled — refused"
                }
            )
        }
        Decision::NoDestination { address } => format!("no network interface holds {address}"),
        Decision::Return { description } => description.clone(),
        Decision::Note(n) => n.clone(),
    }
}

fn hops_text(inv: &Inventory, hops: &[Hop], out: &mut String, indent: &str) {
    for (i, h) in hops.iter().enumerate() {
        let addr = h.address.map(|a| format!(" {a}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}{}. {} {}{addr}",
            i + 1,
            kind_name(&h.kind),
            resource_label(inv, &h.resource_id)
        );
        for d in &h.decisions {
            let _ = writeln!(out, "{indent}     - {}", decision_text(d));
        }
    }
}

/// The forward and return paths of a walk, hop by hop.
pub fn walk_text(inv: &Inventory, w: &Walk, indent: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{indent}forward:");
    hops_text(inv, &w.hops, &mut out, &format!("{indent}  "));
    if w.return_hops.is_empty() {
        let _ = writeln!(out, "{indent}return: (none: the request did not arrive)");
    } else {
        let _ = writeln!(out, "{indent}return:");
        hops_text(inv, &w.return_hops, &mut out, &format!("{indent}  "));
    }
    out
}

/// A flow in words: `TCP 10.1.0.4:49152 → 10.2.0.4:5432`.
pub fn flow_text(w: &Walk) -> String {
    match w.flow.protocol {
        vnetlab_dataplane::Protocol::Icmp => format!("ICMP {} → {}", w.flow.src, w.flow.dst),
        p => format!(
            "{} {}:{} → {}:{}",
            if p == vnetlab_dataplane::Protocol::Tcp {
                "TCP"
            } else {
                "UDP"
            },
            w.flow.src,
            w.flow.src_port,
            w.flow.dst,
            w.flow.dst_port
        ),
    }
}

fn hop_json(h: &Hop) -> Value {
    json!({
        "type": kind_name(&h.kind),
        "resourceId": h.resource_id,
        "address": h.address.map(|a| a.to_string()),
        "decisions": h.decisions.iter().map(decision_text).collect::<Vec<_>>(),
    })
}

pub fn blocker_json(b: &Blocker) -> Value {
    json!({ "type": b.kind, "resourceId": b.resource_id, "explanation": b.explanation, "fix": b.fix })
}

pub fn walk_json(w: &Walk) -> Value {
    json!({
        "flow": flow_text(w),
        "delivered": w.delivered,
        "hops": w.hops.iter().map(hop_json).collect::<Vec<_>>(),
        "returnHops": w.return_hops.iter().map(hop_json).collect::<Vec<_>>(),
        "blockers": w.blockers.iter().map(blocker_json).collect::<Vec<_>>(),
        "warnings": w.warnings.iter().map(blocker_json).collect::<Vec<_>>(),
        "rttMs": w.rtt_ms,
        "serviceListening": w.service_listening,
    })
}

/// Pads cells into aligned columns (two spaces apart), like `az … -o table`.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                let _ = write!(
                    s,
                    "{c}{}  ",
                    " ".repeat(width[i].saturating_sub(c.chars().count()))
                );
            }
        }
        s.trim_end().to_string()
    };
    let mut out = String::new();
    out.push_str(&line(header.iter().map(|h| h.to_string()).collect()));
    out.push('\n');
    out.push_str(&line(width.iter().map(|w| "-".repeat(*w)).collect()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.clone()));
        out.push('\n');
    }
    out
}

/// Escapes text for HTML.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escapes text for XML attributes and content.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_escapes_are_safe() {
        let t = table(&["A", "Long header"], &[vec!["xyz".into(), "1".into()]]);
        assert_eq!(t, "A    Long header\n---  -----------\nxyz  1\n");
        assert_eq!(
            xml_escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot; "
        );
        assert_eq!(html_escape("<td>"), "&lt;td&gt;");
    }
}
