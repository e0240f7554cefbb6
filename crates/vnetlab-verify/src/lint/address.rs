//! Address plans: VNet spaces that overlap each other or on-premises spaces (they can never
//! be peered or routed to each other: azure-semantics.md §3 `VnetAddressSpacesOverlap`), and
//! spaces mostly left unused (waste that makes the next VNet harder to place).

use super::{Finding, Severity};
use crate::endpoint::parse_cidr;
use crate::inventory::{resource_group, str_at};
use crate::Verifier;

fn range(p: &str) -> Option<(u64, u64)> {
    let (net, len) = parse_cidr(p.trim()).ok()?;
    Some((
        u64::from(net),
        u64::from(net) + (1u64 << (32 - u32::from(len))) - 1,
    ))
}

fn overlap(a: (u64, u64), b: (u64, u64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

pub fn check(v: &Verifier, out: &mut Vec<Finding>) {
    let inv = &v.inv;
    let spaces: Vec<Vec<(String, (u64, u64))>> = inv
        .vnets
        .iter()
        .map(|vn| {
            vn.space
                .iter()
                .filter_map(|p| range(p).map(|r| (p.clone(), r)))
                .collect()
        })
        .collect();
    // Which VNets are linked (either direction), to tell a broken peering from a future one.
    let linked = |a: usize, b: usize| {
        v.records
            .of_type("Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
            .any(|l| {
                let id = crate::inventory::id_of(l);
                let from = crate::inventory::parent_id(&id);
                let to = str_at(l, "/properties/remoteVirtualNetwork/id").unwrap_or("");
                (from.eq_ignore_ascii_case(&inv.vnets[a].id)
                    && to.eq_ignore_ascii_case(&inv.vnets[b].id))
                    || (from.eq_ignore_ascii_case(&inv.vnets[b].id)
                        && to.eq_ignore_ascii_case(&inv.vnets[a].id))
            })
    };
    for a in 0..spaces.len() {
        for b in a + 1..spaces.len() {
            let hit = spaces[a].iter().find_map(|(pa, ra)| {
                spaces[b]
                    .iter()
                    .find(|(_, rb)| overlap(*ra, *rb))
                    .map(|(pb, _)| (pa, pb))
            });
            let Some((pa, pb)) = hit else { continue };
            let (va, vb) = (&inv.vnets[a], &inv.vnets[b]);
            let (sev, why) = if linked(a, b) {
                (Severity::Error, format!("{} ({pa}) and {} ({pb}) overlap but are peered: Azure refuses such a peering (VnetAddressSpacesOverlap), and neither side can route to the overlapping addresses.", va.name, vb.name))
            } else {
                (Severity::Warning, format!("{} ({pa}) and {} ({pb}) overlap: they can never be peered or routed to each other (the most common cause of failed peerings).", va.name, vb.name))
            };
            out.push(Finding::new(sev, "address-overlap", &vb.id, why, format!("Give {} an address space that overlaps no other network (az network vnet update -g {} -n {} --address-prefixes <free prefix>, after moving its subnets).", vb.name, resource_group(&vb.id), vb.name)));
        }
        for l in &inv.lngs {
            for p in &l.prefixes {
                let Some(rl) = range(p) else { continue };
                if let Some((pa, _)) = spaces[a].iter().find(|(_, r)| overlap(*r, rl)) {
                    let vn = &inv.vnets[a];
                    out.push(Finding::new(
                        Severity::Warning,
                        "address-overlap-on-premises",
                        &vn.id,
                        format!("{} ({pa}) overlaps on-premises network {} ({p}): traffic to the overlap stays in the VNet and never reaches the site.", vn.name, l.name),
                        format!("Renumber one side, or remove {p} from local network gateway {} if it is not on-premises.", l.name),
                    ));
                }
            }
        }
    }
    // Waste: a VNet whose subnets use little of a large space.
    for (i, vn) in inv.vnets.iter().enumerate() {
        let total: u64 = spaces[i].iter().map(|(_, r)| r.1 - r.0 + 1).sum();
        let used: u64 = vn
            .subnets
            .iter()
            .flat_map(|&s| inv.subnets[s].prefixes.iter())
            .filter_map(|p| range(p))
            .map(|r| r.1 - r.0 + 1)
            .sum();
        if total >= 4096 && used * 8 < total {
            out.push(Finding::new(
                Severity::Info,
                "address-plan-waste",
                &vn.id,
                format!(
                    "{} reserves {total} addresses ({}) but its subnets use {used} ({:.1}%): the rest is unavailable to every network it may ever be peered with.",
                    vn.name,
                    vn.space.join(", "),
                    used as f64 * 100.0 / total as f64
                ),
                format!("Size the address space to the subnets planned (e.g. a /{} holds what is used today).", 32 - (used.max(16) * 2).next_power_of_two().trailing_zeros().min(32)),
            ));
        }
    }
}
