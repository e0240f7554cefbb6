//! Effective routes of a subnet (azure-semantics.md §5): system routes, peering routes,
//! gateway routes and UDRs, with Azure's precedence and `Invalid` marking.
//!
//! - System: one `VnetLocal` route per VNet prefix, `0.0.0.0/0 Internet`, and `None` for
//!   10/8, 172.16/12, 192.168/16 and 100.64/10 — dropped when a VNet (or peered) prefix equals
//!   or contains the reserved one, and 10/8, 192.168/16, 100.64/10 also dropped when the
//!   subnet's route table has a `0.0.0.0/0` UDR (§5.1).
//! - Peering: per prefix of each Connected link's `remoteAddressSpace` (the peered snapshot),
//!   `VNetPeering` in-region, `VNetGlobalPeering` across regions (§5.2).
//! - Gateway: from the VNet's own VPN gateway, or the hub's through `useRemoteGateways` with
//!   `allowGatewayTransit` on the hub's link; prefixes of Connected IPsec connections' local
//!   network gateways (and their BGP peer address), Connected Vnet2Vnet peers' spaces (and,
//!   with BGP on both gateways and the connection, the spaces the peer gateway learned: its
//!   transit spokes and its BGP sites). Suppressed by `disableBgpRoutePropagation` (§5.6, §11).
//! - Precedence on an identical prefix: User > VNet/peering > VirtualNetworkGateway > other
//!   Default; losers are `Invalid` (§5.4). Lookups go through [`crate::lpm`].

use crate::api::{EffectiveRoute, NextHopType, RouteSource};
use crate::lpm::{Entry, Lpm};
use crate::model::*;
use crate::prefix::{Pfx, RESERVED_NONE};

/// Where a gateway route leaves the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Egress {
    /// To the site behind a local network gateway through an IPsec connection.
    Site { conn: Ix, lng: Ix },
    /// To another VNet's gateway through a Vnet2Vnet connection.
    Vnet2Vnet { conn: Ix, remote_gw: Ix },
}

/// Why a row exists (what a walk needs to follow it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    System,
    VnetLocal,
    Peering {
        link: Ix,
    },
    Gateway {
        gateway: Ix,
        egress: Egress,
    },
    User {
        table: Ix,
        udr: Ix,
        has_bgp_override: bool,
    },
}

/// One effective route, compact: names, ids and addresses are read from the model when a row
/// is shown ([`Row::effective`]), so compiling 400-UDR tables for thousands of subnets does not
/// copy strings.
#[derive(Debug, Clone)]
pub struct Row {
    /// The IPv4 prefix, when the row takes part in lookups.
    pub pfx: Option<Pfx>,
    /// The prefix as written, for rows without an IPv4 prefix (IPv6, service tags).
    pub text: Option<Box<str>>,
    pub source: RouteSource,
    pub hop: NextHopType,
    pub active: bool,
    pub origin: Origin,
}

impl Row {
    pub fn prefix_text(&self) -> String {
        match (&self.pfx, &self.text) {
            (Some(p), _) => p.to_string(),
            (None, Some(t)) => t.to_string(),
            (None, None) => String::new(),
        }
    }

    pub fn next_hop_ips(&self, m: &Model) -> Vec<String> {
        match (&self.origin, self.hop) {
            (Origin::User { table, udr, .. }, NextHopType::VirtualAppliance) => {
                m.route_tables[*table as usize].routes[*udr as usize]
                    .next_hop_ip
                    .map(|i| vec![i.to_string()])
                    .unwrap_or_default()
            }
            (Origin::Gateway { gateway, .. }, _) => m.gateways[*gateway as usize]
                .ips
                .iter()
                .map(|i| i.to_string())
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn route_table_id(&self, m: &Model) -> Option<String> {
        match self.origin {
            Origin::User { table, .. } => Some(m.route_tables[table as usize].id.clone()),
            _ => None,
        }
    }

    pub fn name(&self, m: &Model) -> Option<String> {
        match self.origin {
            Origin::User { table, udr, .. } => Some(
                m.route_tables[table as usize].routes[udr as usize]
                    .name
                    .clone(),
            ),
            _ => None,
        }
    }

    /// The row as effective route tables show it.
    pub fn effective(&self, m: &Model, disable_bgp: bool) -> EffectiveRoute {
        EffectiveRoute {
            name: self.name(m),
            source: self.source,
            active: self.active,
            address_prefixes: vec![self.prefix_text()],
            next_hop_type: self.hop,
            next_hop_ips: self.next_hop_ips(m),
            disable_bgp_route_propagation: disable_bgp,
            route_table_id: self.route_table_id(m),
        }
    }
}

/// One prefix a gateway reaches through one of its connections.
#[derive(Debug, Clone)]
pub struct GwPrefix {
    pub pfx: Pfx,
    pub egress: Egress,
}

/// VNets using gateway `gw` through gateway transit (spokes).
pub fn transit_spokes(m: &Model, gw: Ix) -> Vec<Ix> {
    let Some(hub) = m.gateways.get(gw as usize).and_then(|g| g.vnet) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &l in &m.vnets[hub as usize].links {
        let link = &m.links[l as usize];
        if !link.allow_transit || link.state != PeeringState::Connected {
            continue;
        }
        if let Some(spoke) = link.remote {
            if m.effective_gateway(spoke).map(|(g, _)| g) == Some(gw) {
                out.push(spoke);
            }
        }
    }
    out
}

/// The prefixes gateway `gw` reaches through its Connected connections.
pub fn gateway_prefixes(m: &Model, gw: Ix) -> Vec<GwPrefix> {
    let mut out: Vec<GwPrefix> = Vec::new();
    let push = |out: &mut Vec<GwPrefix>, pfx: Pfx, egress: &Egress| {
        if !out.iter().any(|g| g.pfx == pfx) {
            out.push(GwPrefix {
                pfx,
                egress: egress.clone(),
            });
        }
    };
    let Some(g) = m.gateways.get(gw as usize) else {
        return out;
    };
    for (ci, c) in m.conns.iter().enumerate() {
        if c.gw1 != Some(gw) || !c.connected {
            continue;
        }
        match (c.kind, c.lng, c.gw2) {
            (ConnKind::IPsec, Some(l), _) => {
                let e = Egress::Site {
                    conn: ci as Ix,
                    lng: l,
                };
                let lng = &m.lngs[l as usize];
                for p in &lng.prefixes {
                    push(&mut out, *p, &e);
                }
                if let (true, true, Some(peer)) = (c.bgp, g.bgp, lng.bgp_peer) {
                    if !lng.prefixes.iter().any(|p| p.contains_ip(u32::from(peer))) {
                        push(&mut out, Pfx::host(peer), &e);
                    }
                }
            }
            (ConnKind::Vnet2Vnet, _, Some(r)) => {
                let e = Egress::Vnet2Vnet {
                    conn: ci as Ix,
                    remote_gw: r,
                };
                let rg = &m.gateways[r as usize];
                if let Some(rv) = rg.vnet {
                    for p in &m.vnets[rv as usize].space4 {
                        push(&mut out, *p, &e);
                    }
                }
                if c.bgp && g.bgp && rg.bgp {
                    for s in transit_spokes(m, r) {
                        for p in &m.vnets[s as usize].space4 {
                            push(&mut out, *p, &e);
                        }
                    }
                    for c2 in &m.conns {
                        if c2.gw1 == Some(r) && c2.connected && c2.bgp && c2.kind == ConnKind::IPsec
                        {
                            if let Some(l) = c2.lng {
                                for p in &m.lngs[l as usize].prefixes {
                                    push(&mut out, *p, &e);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn row(source: RouteSource, pfx: Pfx, hop: NextHopType, origin: Origin) -> Row {
    Row {
        pfx: Some(pfx),
        text: None,
        source,
        hop,
        active: true,
        origin,
    }
}

fn rank(r: &Row) -> u8 {
    match (&r.origin, r.source) {
        (Origin::User { .. }, _) => 4,
        (Origin::VnetLocal | Origin::Peering { .. }, _) => 3,
        (_, RouteSource::VirtualNetworkGateway) => 2,
        _ => 1,
    }
}

/// The effective route rows of a subnet, in the order effective route tables list them.
pub fn subnet_rows(m: &Model, subnet: Ix) -> Vec<Row> {
    let sn = &m.subnets[subnet as usize];
    let v = &m.vnets[sn.vnet as usize];
    let rt = sn.route_table.map(|t| &m.route_tables[t as usize]);
    let disable_bgp = disable_bgp(m, subnet);
    let mut rows: Vec<Row> = Vec::new();

    for net in &v.space {
        match Pfx::from_net(net) {
            Some(p) => rows.push(row(
                RouteSource::Default,
                p,
                NextHopType::VnetLocal,
                Origin::VnetLocal,
            )),
            None => rows.push(Row {
                pfx: None,
                text: Some(net.to_string().into()),
                source: RouteSource::Default,
                hop: NextHopType::VnetLocal,
                active: true,
                origin: Origin::VnetLocal,
            }),
        }
    }
    let mut peered: Vec<Pfx> = Vec::new();
    for &l in &v.links {
        let link = &m.links[l as usize];
        if link.state != PeeringState::Connected {
            continue;
        }
        let global = link.remote.is_some_and(|r| {
            !m.vnets[r as usize].location.is_empty() && m.vnets[r as usize].location != v.location
        });
        let hop = if global {
            NextHopType::VNetGlobalPeering
        } else {
            NextHopType::VNetPeering
        };
        for p in &link.remote_space {
            peered.push(*p);
            rows.push(row(
                RouteSource::Default,
                *p,
                hop,
                Origin::Peering { link: l },
            ));
        }
    }
    if !disable_bgp {
        if let Some((gw, _)) = m.effective_gateway(sn.vnet) {
            for g in gateway_prefixes(m, gw) {
                rows.push(row(
                    RouteSource::VirtualNetworkGateway,
                    g.pfx,
                    NextHopType::VirtualNetworkGateway,
                    Origin::Gateway {
                        gateway: gw,
                        egress: g.egress,
                    },
                ));
            }
        }
    }
    rows.push(row(
        RouteSource::Default,
        Pfx::DEFAULT,
        NextHopType::Internet,
        Origin::System,
    ));
    let udr_default = rt.is_some_and(|t| {
        t.routes
            .iter()
            .any(|u| matches!(u.prefix, UdrPrefix::Net(p) if p == Pfx::DEFAULT))
    });
    let local: Vec<Pfx> = v.space4.iter().chain(peered.iter()).copied().collect();
    for (i, r) in RESERVED_NONE.iter().enumerate() {
        // 10/8, 192.168/16, 100.64/10 go away under a 0.0.0.0/0 UDR; 172.16/12 stays (§5.1).
        if udr_default && i != 1 {
            continue;
        }
        if local.iter().any(|p| p.covers(r)) {
            continue;
        }
        rows.push(row(
            RouteSource::Default,
            *r,
            NextHopType::None,
            Origin::System,
        ));
    }
    if let (Some(t), Some(ti)) = (rt, sn.route_table) {
        for (ui, u) in t.routes.iter().enumerate() {
            let origin = Origin::User {
                table: ti,
                udr: ui as Ix,
                has_bgp_override: u.has_bgp_override,
            };
            let (pfx, text) = match &u.prefix {
                UdrPrefix::Net(p) => (Some(*p), None),
                UdrPrefix::Unmodelled(s) => (None, Some(s.clone().into_boxed_str())),
            };
            rows.push(Row {
                pfx,
                text,
                source: RouteSource::User,
                hop: u.next_hop,
                active: true,
                origin,
            });
        }
    }
    // Invalid marking: on an identical prefix only the highest rank stays Active.
    let mut best: std::collections::HashMap<Pfx, u8> = std::collections::HashMap::new();
    for r in &rows {
        if let Some(p) = r.pfx {
            let e = best.entry(p).or_insert(0);
            *e = (*e).max(rank(r));
        }
    }
    let _ = disable_bgp;
    for r in &mut rows {
        if let Some(p) = r.pfx {
            r.active = best.get(&p) == Some(&rank(r));
        }
    }
    rows
}

/// `disableBgpRoutePropagation` of the subnet's route table.
pub fn disable_bgp(m: &Model, subnet: Ix) -> bool {
    m.subnets[subnet as usize]
        .route_table
        .is_some_and(|t| m.route_tables[t as usize].disable_bgp)
}

/// The LPM table over a subnet's active rows.
pub fn compile_lpm(rows: &[Row]) -> Lpm {
    let mut entries = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let Some(pfx) = r.pfx else { continue };
        if !r.active {
            continue;
        }
        entries.push(Entry {
            pfx,
            row: i as u32,
            bgp: r.source == RouteSource::VirtualNetworkGateway,
            vnet_or_peering: matches!(r.origin, Origin::VnetLocal | Origin::Peering { .. }),
            bgp_override: matches!(
                r.origin,
                Origin::User {
                    has_bgp_override: true,
                    ..
                }
            ),
        });
    }
    Lpm::build(entries)
}
