//! `vnetlab cost --traffic FILE`: the monthly peering charges of declared traffic, from the
//! paths it really takes (a packet walk per flow): every peering crossed is billed at both
//! ends, so traffic through a hub appliance between two spokes pays twice, and global peering
//! bills each end at its own region's zone rate (azure-semantics.md §9, [`crate::pricing`]).
//!
//! ```yaml
//! traffic:
//!   - name: web to db          # optional
//!     from: vm:app-rg/web1
//!     to: subnet:app-rg/spoke-data/db
//!     gb_per_month: 500
//!     protocol: Tcp            # optional (default Tcp)
//!     port: 5432               # optional (default: any port the flow is delivered on)
//! ```
//! Between sets, the volume is spread evenly over the source/destination pairs.

use crate::inventory::{last_name, parent_id, str_at};
use crate::pricing::{crossing_rates, usd};
use crate::probe::Prober;
use crate::reach::Selection;
use crate::render::flow_text;
use crate::yaml::{check_keys, scalar};
use crate::Verifier;
use serde_json::{json, Value};
use std::fmt::Write as _;
use vnetlab_dataplane::Decision;

#[derive(Debug, Clone)]
pub struct Demand {
    pub name: String,
    pub from: String,
    pub to: String,
    pub gb: f64,
    pub selection: Selection,
}

const KEYS: &[&str] = &["name", "from", "to", "gb_per_month", "protocol", "port"];

pub fn parse(text: &str) -> Result<Vec<Demand>, String> {
    let doc = crate::yaml::parse(text)?;
    let top = doc
        .as_object()
        .ok_or("the file must be a mapping with a 'traffic' list")?;
    check_keys(top, &["traffic"], "the file")?;
    let list = top
        .get("traffic")
        .and_then(Value::as_array)
        .ok_or("the file has no 'traffic' list")?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let m = item.as_object().ok_or_else(|| {
            format!(
                "traffic {}: must be a mapping of {}",
                i + 1,
                KEYS.join(", ")
            )
        })?;
        let label = match m.get("name").and_then(scalar) {
            Some(n) => format!("traffic {} ('{n}')", i + 1),
            None => format!("traffic {}", i + 1),
        };
        check_keys(m, KEYS, &label)?;
        let field = |k: &str| m.get(k).and_then(scalar);
        let from = field("from").ok_or_else(|| format!("{label}: 'from' is required"))?;
        let to = field("to").ok_or_else(|| format!("{label}: 'to' is required"))?;
        let gb = m
            .get("gb_per_month")
            .and_then(Value::as_f64)
            .filter(|g| g.is_finite() && *g >= 0.0)
            .ok_or_else(|| format!("{label}: 'gb_per_month' must be a number of GB (0 or more)"))?;
        let selection = Selection::parse(
            Some(field("protocol").as_deref().unwrap_or("Tcp")),
            field("port").as_deref(),
        )
        .map_err(|e| format!("{label}: {e}"))?;
        crate::endpoint::Spec::parse(&from).map_err(|e| format!("{label}: from: {e}"))?;
        crate::endpoint::Spec::parse(&to).map_err(|e| format!("{label}: to: {e}"))?;
        out.push(Demand {
            name: field("name").unwrap_or_else(|| format!("{from} -> {to}")),
            from,
            to,
            gb,
            selection,
        });
    }
    if out.is_empty() {
        return Err("the 'traffic' list is empty".into());
    }
    Ok(out)
}

/// One peering crossing of one demand.
#[derive(Debug, Clone)]
pub struct Crossing {
    pub link_id: String,
    pub from_vnet: String,
    pub to_vnet: String,
    pub from_region: String,
    pub to_region: String,
    pub gb: f64,
    pub egress: f64,
    pub ingress: f64,
    pub how: String,
}

#[derive(Debug, Clone)]
pub struct DemandCost {
    pub demand: Demand,
    pub crossings: Vec<Crossing>,
    pub total: f64,
    /// Why part of it could not be priced or does not flow.
    pub notes: Vec<String>,
    /// The path walked (first pair), in words.
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct CostReport {
    pub demands: Vec<DemandCost>,
    pub total: f64,
}

fn vnet_region(v: &Verifier, vnet_id: &str) -> String {
    v.inv
        .vnet_ix(vnet_id)
        .map(|i| v.inv.vnets[i].location.clone())
        .unwrap_or_default()
}

pub fn estimate(v: &Verifier, demands: &[Demand]) -> Result<CostReport, String> {
    let prober = Prober::of(v);
    let mut out = Vec::new();
    for d in demands {
        let from = v
            .endpoint(&d.from)
            .map_err(|e| format!("{}: from: {e}", d.name))?;
        let to = v
            .endpoint(&d.to)
            .map_err(|e| format!("{}: to: {e}", d.name))?;
        let pairs: Vec<_> = from
            .members
            .iter()
            .flat_map(|&s| to.members.iter().map(move |&t| (s, t)))
            .filter(|(s, t)| s != t)
            .collect();
        let mut dc = DemandCost {
            demand: d.clone(),
            crossings: Vec::new(),
            total: 0.0,
            notes: Vec::new(),
            path: String::new(),
        };
        if pairs.is_empty() {
            dc.notes
                .push("no source/destination pair: nothing is priced".into());
        }
        let share = d.gb / pairs.len().max(1) as f64;
        for (s, t) in pairs {
            let flows = prober.pair(s, t);
            let want = d.selection.space().intersect(&flows.delivered);
            let Some((proto, sport, dport)) =
                want.sample().or_else(|| d.selection.space().sample())
            else {
                continue;
            };
            let Ok(w) = prober.walk(s, flows.dst_addr, proto, sport, dport) else {
                continue;
            };
            if !w.delivered {
                let why = w
                    .blockers
                    .first()
                    .map(|b| b.explanation.clone())
                    .unwrap_or_default();
                dc.notes.push(format!(
                    "{} is blocked, so it costs nothing: {why}",
                    flow_text(&w)
                ));
                continue;
            }
            let mut crossed = Vec::new();
            for h in &w.hops {
                for dec in &h.decisions {
                    if let Decision::Peering {
                        link_id,
                        allowed: true,
                        ..
                    } = dec
                    {
                        crossed.push(link_id.clone());
                    }
                }
                if h.kind == vnetlab_dataplane::HopKind::OnPremises
                    && dc.notes.iter().all(|n| !n.contains("VPN gateway"))
                {
                    dc.notes.push("the VPN gateway's own data transfer to on-premises is billed separately and is not included".into());
                }
            }
            if dc.path.is_empty() {
                dc.path = format!(
                    "{} ({} peering crossing{})",
                    flow_text(&w),
                    crossed.len(),
                    if crossed.len() == 1 { "" } else { "s" }
                );
            }
            for link in crossed {
                let from_vnet = parent_id(&link).to_string();
                let to_vnet = v
                    .records
                    .get(&link)
                    .and_then(|r| str_at(r, "/properties/remoteVirtualNetwork/id"))
                    .unwrap_or("")
                    .to_string();
                let (fr, tr) = (vnet_region(v, &from_vnet), vnet_region(v, &to_vnet));
                match crossing_rates(&fr, &tr) {
                    Ok((e, i, how)) => dc.crossings.push(Crossing {
                        link_id: link,
                        from_vnet,
                        to_vnet,
                        from_region: fr,
                        to_region: tr,
                        gb: share,
                        egress: e * share,
                        ingress: i * share,
                        how,
                    }),
                    Err(e) => dc
                        .notes
                        .push(format!("crossing {} is not priced: {e}", last_name(&link))),
                }
            }
        }
        // Merge the crossings of the same link (several pairs, same path).
        let mut merged: Vec<Crossing> = Vec::new();
        for c in dc.crossings.drain(..) {
            match merged
                .iter_mut()
                .find(|m| m.link_id.eq_ignore_ascii_case(&c.link_id))
            {
                Some(m) => {
                    m.gb += c.gb;
                    m.egress += c.egress;
                    m.ingress += c.ingress;
                }
                None => merged.push(c),
            }
        }
        dc.total = merged.iter().map(|c| c.egress + c.ingress).sum();
        dc.crossings = merged;
        out.push(dc);
    }
    let total = out.iter().map(|d| d.total).sum();
    Ok(CostReport {
        demands: out,
        total,
    })
}

fn link_label(c: &Crossing) -> String {
    format!(
        "{} → {} ({}/{})",
        last_name(&c.from_vnet),
        last_name(&c.to_vnet),
        last_name(&c.from_vnet),
        last_name(&c.link_id)
    )
}

/// Per-peering totals over every demand.
fn by_link(r: &CostReport) -> Vec<Crossing> {
    let mut out: Vec<Crossing> = Vec::new();
    for d in &r.demands {
        for c in &d.crossings {
            match out
                .iter_mut()
                .find(|m| m.link_id.eq_ignore_ascii_case(&c.link_id))
            {
                Some(m) => {
                    m.gb += c.gb;
                    m.egress += c.egress;
                    m.ingress += c.ingress;
                }
                None => out.push(c.clone()),
            }
        }
    }
    out
}

fn gb(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

pub fn text(r: &CostReport) -> String {
    let mut out = String::new();
    for d in &r.demands {
        let _ = writeln!(
            out,
            "{}: {} GB/month {} → {} — {}/month",
            d.demand.name,
            gb(d.demand.gb),
            d.demand.from,
            d.demand.to,
            usd(d.total)
        );
        if !d.path.is_empty() {
            let _ = writeln!(out, "  path: {}", d.path);
        }
        if d.crossings.len() > 1 {
            let _ = writeln!(
                out,
                "  crosses {} peerings: each crossing is billed at both ends",
                d.crossings.len()
            );
        }
        for c in &d.crossings {
            let _ = writeln!(
                out,
                "  {}: {} GB × ({}) = {} egress + {} ingress",
                link_label(c),
                gb(c.gb),
                c.how,
                usd(c.egress),
                usd(c.ingress)
            );
        }
        for n in &d.notes {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    let rows: Vec<Vec<String>> = by_link(r)
        .iter()
        .map(|c| {
            vec![
                link_label(c),
                format!("{} → {}", c.from_region, c.to_region),
                gb(c.gb),
                usd(c.egress),
                usd(c.ingress),
                usd(c.egress + c.ingress),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let _ = writeln!(out, "\nper peering (monthly):");
        out.push_str(&crate::render::table(
            &[
                "Peering crossed",
                "Regions",
                "GB",
                "Egress",
                "Ingress",
                "Total",
            ],
            &rows,
        ));
    }
    let _ = writeln!(out, "total: {}/month", usd(r.total));
    out
}

/// Dollars rounded to cents (and never `-0.0`: an empty f64 sum is negative zero).
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0 + 0.0
}

pub fn json(r: &CostReport) -> Value {
    let c_json = |c: &Crossing| {
        json!({
            "peering": c.link_id, "fromVnet": c.from_vnet, "toVnet": c.to_vnet,
            "fromRegion": c.from_region, "toRegion": c.to_region, "gbPerMonth": c.gb,
            "egressUsd": cents(c.egress), "ingressUsd": cents(c.ingress), "pricing": c.how,
        })
    };
    json!({
        "traffic": r.demands.iter().map(|d| json!({
            "name": d.demand.name, "from": d.demand.from, "to": d.demand.to, "gbPerMonth": d.demand.gb,
            "path": d.path, "crossings": d.crossings.iter().map(c_json).collect::<Vec<_>>(),
            "totalUsd": cents(d.total), "notes": d.notes,
        })).collect::<Vec<_>>(),
        "perPeering": by_link(r).iter().map(c_json).collect::<Vec<_>>(),
        "totalUsd": cents(r.total),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_files_are_checked() {
        let d = parse("traffic:\n  - from: vm:rg/a\n    to: vm:rg/b\n    gb_per_month: 51200\n")
            .unwrap();
        assert_eq!(d[0].gb, 51200.0);
        assert_eq!(d[0].selection.describe(), "Tcp, all ports");
        // 50 TB Central US ↔ East US at $0.035/GB: $1,792.00 each way (azure-semantics.md §9).
        let (e, i, _) = crossing_rates("centralus", "eastus").unwrap();
        assert_eq!(
            (usd(e * d[0].gb), usd(i * d[0].gb)),
            ("$1,792.00".to_string(), "$1,792.00".to_string())
        );
        assert!(
            parse("traffic:\n  - from: vm:rg/a\n    to: vm:rg/b\n    gb_per_month: lots\n")
                .unwrap_err()
                .contains("gb_per_month")
        );
        assert!(
            parse("traffic:\n  - from: vm:rg/a\n    to: vm:rg/b\n    gb: 5\n")
                .unwrap_err()
                .contains("unknown key 'gb'")
        );
    }
}
