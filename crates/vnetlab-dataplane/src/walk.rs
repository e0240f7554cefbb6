//! Packet walks (azure-semantics.md §5.7): a flow followed hop by hop through NSGs, route
//! tables, peerings, appliances and gateways to its destination, then the reply back.
//!
//! Every decision is recorded on the hop where it was made, with the resource that made it.
//! A blocker that does not take the packet off its path (an NSG deny, IP forwarding off, a
//! peering flag, a stopped VM) is recorded and the walk goes on as if it were lifted, so a walk
//! lists every independent blocker; a routing dead end (a `None` route, no route, an address
//! nobody owns) ends the leg. The reply is routed by the tables of the reverse path; NSGs let it
//! through at every NIC that saw the request (stateful flow records), and evaluate it as a new
//! flow anywhere else. Non-transitivity is nothing special: a spoke simply has no route to
//! another spoke's prefixes (the `10.0.0.0/8 None` system route or `0.0.0.0/0 Internet` catches
//! them).
//!
//! `allowForwardedTraffic` is checked on the link of the VNet *receiving* the forwarded packet
//! (the reverse of the link crossed), for packets whose source is outside the sending VNet and
//! that were not forwarded by a VPN gateway (§2.4 recommends this reading; docs/fidelity.md).

use crate::api::*;
use crate::compile::Plane;
use crate::fixes;
use crate::latency::{estimated_rtt, GATEWAY_MS, INTERNET_RTT_MS, NVA_MS, ON_PREMISES_RTT_MS};
use crate::model::*;
use crate::prefix::{is_public, Pfx};
use crate::routes::{gateway_prefixes, Egress, Origin};
use std::net::{IpAddr, Ipv4Addr};

/// Where a leg starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    Nic(Ix),
    Site { conn: Ix, lng: Ix },
    Internet,
}

/// Where a leg ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Nic(Ix),
    Site { lng: Ix },
    Internet,
    Dropped,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    Return,
}

#[derive(Clone, Copy)]
enum Sender {
    Nic(Ix),
    Gateway,
}

#[derive(Clone, Copy)]
pub struct F4 {
    pub proto: Protocol,
    pub src: u32,
    pub sport: u16,
    pub dst: u32,
    pub dport: u16,
}

pub struct Leg {
    pub hops: Vec<Hop>,
    pub end: End,
    pub rtt: f64,
    pub nvas: Vec<Ix>,
    pub seen: Vec<Ix>,
    /// The public source address the far end saw, when the leg crossed the Internet.
    pub snat: Option<u32>,
}

pub struct Walker<'a> {
    p: &'a Plane,
    m: &'a Model,
    f: F4,
    mode: Mode,
    hops: Vec<Hop>,
    pub blockers: Vec<Blocker>,
    pub warnings: Vec<Blocker>,
    rtt: f64,
    region: String,
    nvas: Vec<Ix>,
    seen: Vec<Ix>,
    /// NICs holding a flow record (from the forward leg), for the return leg.
    stateful: Vec<Ix>,
    steps: usize,
    /// On the forward leg: the source address the destination sees after SNAT to a public IP.
    pub snat_src: Option<u32>,
}

const MAX_STEPS: usize = 32;

fn ip4(x: u32) -> Ipv4Addr {
    Ipv4Addr::from(x)
}

impl<'a> Walker<'a> {
    pub fn new(p: &'a Plane, f: F4, forward: bool, stateful: Vec<Ix>) -> Walker<'a> {
        Walker {
            p,
            m: &p.model,
            f,
            mode: if forward { Mode::Forward } else { Mode::Return },
            hops: Vec::new(),
            blockers: Vec::new(),
            warnings: Vec::new(),
            rtt: 0.0,
            region: String::new(),
            nvas: Vec::new(),
            seen: Vec::new(),
            stateful,
            steps: 0,
            snat_src: None,
        }
    }

    fn note(&mut self, d: Decision) {
        if let Some(h) = self.hops.last_mut() {
            h.decisions.push(d);
        }
    }

    fn push_hop(&mut self, kind: HopKind, resource_id: String, address: Option<u32>) {
        self.hops.push(Hop {
            kind,
            resource_id,
            address: address.map(|a| IpAddr::V4(ip4(a))),
            decisions: Vec::new(),
        });
    }

    fn block(&mut self, mut b: Blocker) {
        if self.mode == Mode::Return
            && matches!(
                b.kind.as_str(),
                "NoRoute" | "UserDefinedRoute" | "NoDestination"
            )
        {
            b.explanation = format!("The reply cannot come back: {}", b.explanation);
            b.kind = "ReturnRoute".into();
        }
        if !self.blockers.contains(&b) {
            self.blockers.push(b);
        }
    }

    fn move_to(&mut self, region: &str) {
        if self.region.is_empty() {
            self.region = region.to_string();
        }
        let r = if region.is_empty() {
            self.region.clone()
        } else {
            region.to_string()
        };
        self.rtt += estimated_rtt(&self.region, &r) / 2.0;
        self.region = r;
    }

    fn cfg_region(&self, cfg: Ix) -> String {
        self.m
            .vnet_of_ipconfig(cfg)
            .map(|v| self.m.vnets[v as usize].location.clone())
            .unwrap_or_default()
    }

    /// Runs one leg.
    /// The blockers the packet would meet arriving at `cfg` (its inbound NSGs), for a walk that
    /// ended before reaching the NIC that holds its destination: what lies past a dead end,
    /// which Network Watcher (stopping there) does not show but the verifier lists.
    pub fn arrival_blockers(mut self, cfg: Ix) -> Vec<Blocker> {
        self.push_hop(
            HopKind::Destination,
            self.m.ipconfigs[cfg as usize].id.clone(),
            Some(self.f.dst),
        );
        let (src, dst) = (self.f.src, self.f.dst);
        self.nsgs(cfg, Direction::Inbound, src, dst);
        self.blockers
    }

    pub fn run(mut self, start: Start) -> (Leg, Vec<Blocker>, Vec<Blocker>) {
        let end = match start {
            Start::Nic(cfg) => {
                self.region = self.cfg_region(cfg);
                self.push_hop(
                    HopKind::Source,
                    self.m.ipconfigs[cfg as usize].id.clone(),
                    Some(self.f.src),
                );
                if self.mode == Mode::Forward {
                    self.check_running(cfg, true);
                }
                self.send_from_nic(cfg)
            }
            Start::Site { conn, lng } => {
                self.push_hop(
                    HopKind::OnPremises,
                    self.m.lngs[lng as usize].id.clone(),
                    Some(self.f.src),
                );
                let c = &self.m.conns[conn as usize];
                self.note(Decision::Note(format!(
                    "enters Azure through connection {}",
                    c.id
                )));
                match c.gw1 {
                    Some(gw) => {
                        self.region = self.m.gateways[gw as usize].location.clone();
                        self.rtt += ON_PREMISES_RTT_MS / 2.0;
                        self.at_gateway(gw)
                    }
                    None => {
                        self.block(fixes::broken(
                            "NoGateway",
                            &c.id,
                            "the connection names no known virtual network gateway",
                        ));
                        End::Dropped
                    }
                }
            }
            Start::Internet => {
                self.push_hop(HopKind::Internet, "Internet".into(), Some(self.f.src));
                self.in_from_internet()
            }
        };
        let leg = Leg {
            hops: self.hops,
            end,
            rtt: self.rtt,
            nvas: self.nvas,
            seen: self.seen,
            snat: self.snat_src,
        };
        (leg, self.blockers, self.warnings)
    }

    fn check_running(&mut self, cfg: Ix, source: bool) {
        let nic = self.m.ipconfigs[cfg as usize].nic;
        if let Some(vm) = self.m.nics[nic as usize].vm {
            let v = &self.m.vms[vm as usize];
            if v.power != Power::Running {
                self.block(fixes::vm_not_running(v, source));
            }
        }
    }

    fn packet(&self, src: u32, dst: u32) -> crate::compile::Packet {
        crate::compile::Packet {
            proto: crate::security::proto_code(self.f.proto),
            src,
            sport: self.f.sport,
            dst,
            dport: self.f.dport,
        }
    }

    /// NSGs of the NIC of `cfg` in one direction (skipped statefully on the return leg).
    fn nsgs(&mut self, cfg: Ix, dir: Direction, src: u32, dst: u32) {
        let nic = self.m.ipconfigs[cfg as usize].nic;
        if self.mode == Mode::Return && self.stateful.contains(&nic) {
            self.note(Decision::Return {
                description: format!(
                    "the flow record on {} lets the reply through ({:?} NSG rules are not evaluated again)",
                    self.m.nics[nic as usize].id, dir
                ),
            });
            return;
        }
        if !self.seen.contains(&nic) {
            self.seen.push(nic);
        }
        let k = self.packet(src, dst);
        let view = self.m.ipconfigs[cfg as usize].subnet;
        let levels = self.p.eval_nic(nic, Some(cfg), view, dir, &k);
        for (nsg, allow, pos) in &levels {
            let n = &self.m.nsgs[*nsg as usize];
            let rule = pos.map(|p| &n.rules[p as usize]);
            self.note(Decision::SecurityRule {
                nsg_id: n.id.clone(),
                rule_name: rule
                    .map(|r| r.qualified_name())
                    .unwrap_or_else(|| "(no rule matched)".into()),
                direction: dir,
                access: if *allow { Access::Allow } else { Access::Deny },
            });
            if !allow {
                self.block(fixes::nsg_denied(
                    self.m,
                    *nsg,
                    rule,
                    dir,
                    self.f,
                    src,
                    dst,
                    &self.m.nics[nic as usize].id,
                ));
            } else if let Some(r) = rule {
                self.warn_vnet_tag_default_route(cfg, r, dir, src, dst);
            }
        }
        if levels.len() == 2 && levels[0].1 && !levels[1].1 {
            // Both evaluated; the second level's deny was recorded above.
        }
    }

    fn warn_vnet_tag_default_route(
        &mut self,
        cfg: Ix,
        r: &Rule,
        dir: Direction,
        src: u32,
        dst: u32,
    ) {
        if !r.is_default || !r.name.starts_with("AllowVnet") {
            return;
        }
        let Some(s) = self.m.ipconfigs[cfg as usize].subnet else {
            return;
        };
        let view = &self.p.subnets[s as usize].view;
        let Some(route) = view.default_udr.clone() else {
            return;
        };
        let other = if dir == Direction::Inbound { src } else { dst };
        let without: Vec<Pfx> = view
            .prefixes
            .iter()
            .copied()
            .filter(|p| *p != Pfx::DEFAULT)
            .collect();
        if !without.iter().any(|p| p.contains_ip(other)) {
            let w = fixes::vnet_tag_default_route(&route, r, other);
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
    }

    fn send_from_nic(&mut self, cfg: Ix) -> End {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.block(fixes::loop_detected(&self.m.ipconfigs[cfg as usize].id));
            return End::Dropped;
        }
        let (src, dst) = (self.f.src, self.f.dst);
        self.nsgs(cfg, Direction::Outbound, src, dst);
        let Some(subnet) = self.m.ipconfigs[cfg as usize].subnet else {
            self.block(fixes::broken(
                "NoSubnet",
                &self.m.ipconfigs[cfg as usize].id,
                "the IP configuration is in no known subnet",
            ));
            return End::Dropped;
        };
        self.route(subnet, Sender::Nic(cfg))
    }

    fn route(&mut self, subnet: Ix, sender: Sender) -> End {
        let plane = self.p.subnets[subnet as usize].clone();
        let vnet = self.m.subnets[subnet as usize].vnet;
        let Some(ri) = plane.lpm.lookup(self.f.dst) else {
            self.block(fixes::no_route(self.m, subnet, self.f.dst, None));
            return End::Dropped;
        };
        let row = &plane.rows[ri as usize];
        let hop = row.hop;
        self.note(Decision::Route {
            subnet_id: self.m.subnets[subnet as usize].id.clone(),
            prefix: row.prefix_text(),
            next_hop_type: hop,
            next_hop_ip: row.next_hop_ips(self.m).first().cloned(),
            source: row.source,
            route_table_id: row.route_table_id(self.m),
        });
        match (&row.origin, hop) {
            (_, NextHopType::None) => {
                self.block(fixes::no_route(self.m, subnet, self.f.dst, Some(row)));
                End::Dropped
            }
            (Origin::Peering { link }, _) => {
                let link = *link;
                if !self.cross(link, subnet, sender) {
                    return End::Dropped;
                }
                let remote = self.m.links[link as usize].remote.unwrap_or(vnet);
                self.deliver(remote)
            }
            (_, NextHopType::VnetLocal) => {
                self.move_to(&self.m.vnets[vnet as usize].location.clone());
                self.deliver(vnet)
            }
            (_, NextHopType::VirtualAppliance) => {
                let ip = row
                    .next_hop_ips(self.m)
                    .first()
                    .and_then(|s| s.parse::<Ipv4Addr>().ok());
                self.via_appliance(subnet, sender, ip, row.route_table_id(self.m))
            }
            (Origin::Gateway { gateway, .. }, _) => {
                let gw = *gateway;
                self.via_gateway(vnet, gw)
            }
            (_, NextHopType::VirtualNetworkGateway) => match self.m.effective_gateway(vnet) {
                Some((gw, _)) => self.via_gateway(vnet, gw),
                None => {
                    self.block(fixes::udr_gateway_missing(self.m, subnet, row));
                    End::Dropped
                }
            },
            (_, NextHopType::Internet) => self.out_to_internet(sender),
            (_, NextHopType::VNetPeering | NextHopType::VNetGlobalPeering) => {
                self.block(fixes::broken(
                    "NoRoute",
                    &self.m.subnets[subnet as usize].id,
                    "a peering route without its link",
                ));
                End::Dropped
            }
        }
    }

    /// Crosses peering `link` (on the sending VNet). Returns false when the packet cannot go on.
    fn cross(&mut self, link: Ix, subnet: Ix, sender: Sender) -> bool {
        let l = &self.m.links[link as usize];
        let local = l.vnet;
        let Some(remote) = l.remote else {
            self.block(fixes::peering_remote_missing(l));
            return false;
        };
        let reverse = self.m.link_between(remote, local);
        let forwarded =
            matches!(sender, Sender::Nic(_)) && !self.m.vnet_contains(local, self.f.src);
        let mut allowed = true;
        let mut reason = "peering Connected".to_string();
        if forwarded {
            let ok = reverse.is_some_and(|r| self.m.links[r as usize].allow_forwarded);
            reason = format!(
                "forwarded traffic (source {} is outside {}): allowForwardedTraffic on {} is {}",
                ip4(self.f.src),
                self.m.vnets[local as usize].name,
                reverse
                    .map(|r| self.m.links[r as usize].id.as_str())
                    .unwrap_or("(no reverse link)"),
                ok
            );
            if !ok {
                allowed = false;
                if let Some(r) = reverse {
                    self.block(fixes::forwarded_not_allowed(self.m, r, self.f.src));
                }
            }
        }
        if !l.complete {
            let from = &self.m.subnets[subnet as usize].name;
            let to = self
                .m
                .subnet_in_vnet(remote, ip4(self.f.dst))
                .map(|s| self.m.subnets[s as usize].name.clone())
                .unwrap_or_default();
            let in_scope = l
                .local_subnet_names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(from))
                && l.remote_subnet_names
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(&to));
            if !in_scope {
                allowed = false;
                self.block(fixes::subnet_peering_scope(l, from, &to));
            }
        }
        self.note(Decision::Peering {
            link_id: l.id.clone(),
            allowed,
            reason,
        });
        let loc = self.m.vnets[remote as usize].location.clone();
        self.move_to(&loc);
        true
    }

    /// Delivers inside `vnet` to the NIC owning the destination.
    fn deliver(&mut self, vnet: Ix) -> End {
        match self.p.by_ip.get(&(vnet, self.f.dst)) {
            Some(&cfg) => self.arrive(cfg, self.f.src, self.f.dst),
            None => {
                self.note(Decision::NoDestination {
                    address: ip4(self.f.dst).to_string(),
                });
                self.block(fixes::no_destination(self.m, vnet, self.f.dst));
                End::Dropped
            }
        }
    }

    /// The final NIC: inbound NSGs (seeing `src`/`dst` after any NAT), power state.
    fn arrive(&mut self, cfg: Ix, src: u32, dst: u32) -> End {
        self.push_hop(
            HopKind::Destination,
            self.m.ipconfigs[cfg as usize].id.clone(),
            Some(dst),
        );
        if self.mode == Mode::Forward {
            self.check_running(cfg, false);
        }
        self.nsgs(cfg, Direction::Inbound, src, dst);
        End::Nic(cfg)
    }

    fn via_appliance(
        &mut self,
        subnet: Ix,
        sender: Sender,
        ip: Option<Ipv4Addr>,
        table: Option<String>,
    ) -> End {
        let Some(ip) = ip else {
            self.block(fixes::appliance_unreachable(
                self.m,
                table.as_deref(),
                None,
                "the route has no next hop address",
            ));
            return End::Dropped;
        };
        let plane = self.p.subnets[subnet as usize].clone();
        let vnet = self.m.subnets[subnet as usize].vnet;
        // The appliance must be directly reachable: in this VNet or a peered one.
        let target_vnet = match plane
            .lpm
            .lookup(u32::from(ip))
            .map(|r| &plane.rows[r as usize].origin)
        {
            Some(Origin::VnetLocal) => Some((vnet, None)),
            Some(Origin::Peering { link }) => self.m.links[*link as usize]
                .remote
                .map(|r| (r, Some(*link))),
            _ => None,
        };
        let Some((tv, via)) = target_vnet else {
            self.block(fixes::appliance_unreachable(
                self.m,
                table.as_deref(),
                Some(ip),
                "it is neither in this virtual network nor in a peered one",
            ));
            return End::Dropped;
        };
        let Some(&cfg) = self.p.by_ip.get(&(tv, u32::from(ip))) else {
            self.block(fixes::appliance_unreachable(
                self.m,
                table.as_deref(),
                Some(ip),
                "no network interface has this address",
            ));
            return End::Dropped;
        };
        if let Some(link) = via {
            if !self.cross(link, subnet, sender) {
                return End::Dropped;
            }
        } else {
            let loc = self.m.vnets[vnet as usize].location.clone();
            self.move_to(&loc);
        }
        if u32::from(ip) == self.f.dst {
            return self.arrive(cfg, self.f.src, self.f.dst);
        }
        let nic = self.m.ipconfigs[cfg as usize].nic;
        if self.nvas.contains(&nic) && self.nvas.len() > 8 {
            self.block(fixes::loop_detected(&self.m.ipconfigs[cfg as usize].id));
            return End::Dropped;
        }
        self.push_hop(
            HopKind::VirtualAppliance,
            self.m.ipconfigs[cfg as usize].id.clone(),
            Some(u32::from(ip)),
        );
        self.rtt += NVA_MS;
        self.nvas.push(nic);
        self.check_running(cfg, false);
        self.nsgs(cfg, Direction::Inbound, self.f.src, self.f.dst);
        let fwd = self.m.nics[nic as usize].ip_forwarding;
        self.note(Decision::IpForwarding {
            nic_id: self.m.nics[nic as usize].id.clone(),
            enabled: fwd,
        });
        if !fwd {
            self.block(fixes::ip_forwarding(&self.m.nics[nic as usize]));
        }
        self.note(Decision::Note(
            "the appliance forwards the packet unchanged (source address kept)".into(),
        ));
        self.send_from_nic(cfg)
    }

    fn via_gateway(&mut self, from_vnet: Ix, gw: Ix) -> End {
        let g = &self.m.gateways[gw as usize];
        if g.vnet != Some(from_vnet) {
            if let Some((_, Some(link))) = self.m.effective_gateway(from_vnet) {
                let l = &self.m.links[link as usize];
                self.note(Decision::Peering {
                    link_id: l.id.clone(),
                    allowed: true,
                    reason: "gateway transit: useRemoteGateways on this link, allowGatewayTransit on the hub's".into(),
                });
            }
        }
        let loc = g.location.clone();
        self.move_to(&loc);
        self.at_gateway(gw)
    }

    fn at_gateway(&mut self, gw: Ix) -> End {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.block(fixes::loop_detected(&self.m.gateways[gw as usize].id));
            return End::Dropped;
        }
        let g = &self.m.gateways[gw as usize];
        self.push_hop(
            HopKind::VirtualNetworkGateway,
            g.id.clone(),
            g.ips.first().map(|i| u32::from(*i)),
        );
        self.rtt += GATEWAY_MS;
        let Some(sn) = self.m.gateway_subnet(gw) else {
            self.block(fixes::no_route(self.m, 0, self.f.dst, None));
            return End::Dropped;
        };
        let plane = self.p.subnets[sn as usize].clone();
        let row = plane
            .lpm
            .lookup(self.f.dst)
            .map(|r| &plane.rows[r as usize]);
        let local = row.is_some_and(|r| {
            matches!(r.origin, Origin::VnetLocal | Origin::Peering { .. })
                || (matches!(r.origin, Origin::User { .. })
                    && r.hop != NextHopType::VirtualNetworkGateway)
        });
        if local {
            return self.route(sn, Sender::Gateway);
        }
        let best = gateway_prefixes(self.m, gw)
            .into_iter()
            .filter(|p| p.pfx.contains_ip(self.f.dst))
            .max_by_key(|p| p.pfx.len);
        match best {
            Some(p) => {
                self.note(Decision::Note(format!(
                    "the gateway's route {} leads out through its connection",
                    p.pfx
                )));
                match p.egress {
                    Egress::Site { conn, lng } => {
                        self.note(Decision::Note(format!(
                            "sent into the tunnel of connection {}",
                            self.m.conns[conn as usize].id
                        )));
                        self.push_hop(
                            HopKind::OnPremises,
                            self.m.lngs[lng as usize].id.clone(),
                            Some(self.f.dst),
                        );
                        self.rtt += ON_PREMISES_RTT_MS / 2.0;
                        End::Site { lng }
                    }
                    Egress::Vnet2Vnet { conn, remote_gw } => {
                        self.note(Decision::Note(format!(
                            "sent to the peer gateway through connection {}",
                            self.m.conns[conn as usize].id
                        )));
                        let loc = self.m.gateways[remote_gw as usize].location.clone();
                        self.move_to(&loc);
                        self.at_gateway(remote_gw)
                    }
                }
            }
            None => self.route(sn, Sender::Gateway),
        }
    }

    fn out_to_internet(&mut self, sender: Sender) -> End {
        if !is_public(self.f.dst) {
            self.block(fixes::private_via_internet(self.f.dst));
            return End::Dropped;
        }
        let mut snat = self.f.src;
        if let Sender::Nic(cfg) = sender {
            let c = &self.m.ipconfigs[cfg as usize];
            match c
                .public_ip
                .and_then(|p| self.m.public_ips[p as usize].address)
            {
                Some(pip) => snat = u32::from(pip),
                None => {
                    let sn = c.subnet.map(|s| &self.m.subnets[s as usize]);
                    if sn.is_some_and(|s| !s.default_outbound) && self.mode == Mode::Forward {
                        self.block(fixes::no_outbound_access(self.m, c));
                    }
                    snat = DEFAULT_OUTBOUND_IP;
                }
            }
        }
        self.snat_src = Some(snat);
        self.push_hop(HopKind::Internet, "Internet".into(), None);
        self.rtt += INTERNET_RTT_MS / 2.0;
        match self.p.by_public_ip.get(&self.f.dst) {
            Some(&cfg) => self.via_public_ip(cfg, snat),
            None => End::Internet,
        }
    }

    fn in_from_internet(&mut self) -> End {
        match self.p.by_public_ip.get(&self.f.dst) {
            Some(&cfg) => {
                self.region = self.cfg_region(cfg);
                self.rtt += INTERNET_RTT_MS / 2.0;
                self.via_public_ip(cfg, self.f.src)
            }
            None => {
                self.block(fixes::not_reachable_from_internet(self.f.dst));
                End::Dropped
            }
        }
    }

    /// Inbound through a public IP: DNAT to the private address; a Standard public IP is closed
    /// unless an NSG on the NIC or subnet allows the traffic.
    fn via_public_ip(&mut self, cfg: Ix, src: u32) -> End {
        let c = &self.m.ipconfigs[cfg as usize];
        let Some(private) = c.ip else {
            self.block(fixes::broken(
                "NoDestination",
                &c.id,
                "the IP configuration has no private IPv4 address",
            ));
            return End::Dropped;
        };
        let loc = self.cfg_region(cfg);
        self.move_to(&loc);
        if let Some(p) = c.public_ip {
            let pip = &self.m.public_ips[p as usize];
            let nic = &self.m.nics[c.nic as usize];
            let subnet_nsg = c.subnet.and_then(|s| self.m.subnets[s as usize].nsg);
            if pip.standard
                && nic.nsg.is_none()
                && subnet_nsg.is_none()
                && self.mode == Mode::Forward
            {
                self.block(fixes::standard_pip_closed(pip, nic));
            }
        }
        self.note(Decision::Note(format!(
            "public IP {} translated to {}",
            ip4(self.f.dst),
            private
        )));
        self.arrive(cfg, src, u32::from(private))
    }
}

/// The stand-in source address of a VM's default outbound access (not modelled by Azure's API).
pub const DEFAULT_OUTBOUND_IP: u32 = 0x147F_0001; // 20.127.0.1
