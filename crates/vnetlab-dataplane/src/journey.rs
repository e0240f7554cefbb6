//! A whole walk: where it starts, the forward leg, what the destination host does with the
//! packet (power state, guest firewall, listening services), the reply leg, and the verdict.
//!
//! Listening services: a Linux VM runs sshd on 22/tcp, a Windows VM RDP on 3389/tcp; the VM tag
//! `vnetlab-listen` declares more (`80,443/tcp,53/udp,8000-8080`; protocol defaults to tcp) and
//! `icmp` (Windows answers ping only then: its firewall drops echo requests by default). A VM
//! whose address a VNet or NIC names as its custom DNS server listens on 53/udp and 53/tcp.

use crate::api::*;
use crate::compile::Plane;
use crate::fixes;
use crate::model::*;
use crate::prefix::is_public;
use crate::walk::{End, Start, Walker, DEFAULT_OUTBOUND_IP, F4};
use std::net::{IpAddr, Ipv4Addr};

fn v4(a: IpAddr, what: &str) -> Result<u32, QueryError> {
    match a {
        IpAddr::V4(v) => Ok(u32::from(v)),
        IpAddr::V6(_) => Err(QueryError::Invalid(format!(
            "{what} {a} is IPv6; vnetlab models IPv4 only"
        ))),
    }
}

pub fn nic_ix(m: &Model, id: &str) -> Result<Ix, QueryError> {
    match m.get(id) {
        Some(Ref::Nic(n)) => Ok(n),
        _ => Err(QueryError::NotFound(format!("network interface {id}"))),
    }
}

/// The NIC's ipConfiguration sending `src` (unspecified = the primary one).
fn sending_cfg(m: &Model, nic: Ix, src: Option<u32>) -> Result<(Ix, u32), QueryError> {
    let n = &m.nics[nic as usize];
    let primary = n.ipconfigs.first().copied().ok_or_else(|| {
        QueryError::Invalid(format!(
            "network interface {} has no IP configuration",
            n.id
        ))
    })?;
    let primary_ip = m.ipconfigs[primary as usize].ip.map(u32::from);
    match src {
        None => primary_ip.map(|ip| (primary, ip)).ok_or_else(|| {
            QueryError::Invalid(format!(
                "network interface {} has no private IPv4 address",
                n.id
            ))
        }),
        Some(s) => {
            if let Some(&c) = n
                .ipconfigs
                .iter()
                .find(|&&c| m.ipconfigs[c as usize].ip.map(u32::from) == Some(s))
            {
                Ok((c, s))
            } else if n.ip_forwarding {
                Ok((primary, s))
            } else {
                Err(QueryError::Invalid(format!(
                    "network interface {} does not own {} and has IP forwarding disabled",
                    n.id,
                    Ipv4Addr::from(s)
                )))
            }
        }
    }
}

pub fn resolve_start(p: &Plane, from: &Endpoint, flow: &Flow) -> Result<(Start, F4), QueryError> {
    let m = &*p.model;
    let dst = v4(flow.dst, "destination")?;
    let src_given = match flow.src {
        IpAddr::V4(a) if a.is_unspecified() => None,
        a => Some(v4(a, "source")?),
    };
    let mk = |src: u32| F4 {
        proto: flow.protocol,
        src,
        sport: if flow.protocol == Protocol::Icmp {
            0
        } else {
            flow.src_port
        },
        dst,
        dport: if flow.protocol == Protocol::Icmp {
            0
        } else {
            flow.dst_port
        },
    };
    let from_nic = |nic: Ix| -> Result<(Start, F4), QueryError> {
        let (cfg, src) = sending_cfg(m, nic, src_given)?;
        Ok((Start::Nic(cfg), mk(src)))
    };
    match from {
        Endpoint::Nic { nic_id } => from_nic(nic_ix(m, nic_id)?),
        Endpoint::Vm { vm_id } => match m.get(vm_id) {
            Some(Ref::Vm(v)) => match m.vms[v as usize].nics.first() {
                Some(&n) => from_nic(n),
                None => Err(QueryError::Invalid(format!(
                    "VM {vm_id} has no network interface"
                ))),
            },
            _ => Err(QueryError::NotFound(format!("virtual machine {vm_id}"))),
        },
        Endpoint::Address(a) => {
            let a = v4(*a, "source")?;
            if src_given.is_some_and(|s| s != a) {
                return Err(QueryError::Invalid(
                    "the flow's source differs from the start address".into(),
                ));
            }
            let owners: Vec<Ix> = p
                .by_ip
                .iter()
                .filter(|((_, ip), _)| *ip == a)
                .map(|(_, c)| *c)
                .collect();
            match owners.len() {
                1 => return Ok((Start::Nic(owners[0]), mk(a))),
                0 => {}
                _ => {
                    return Err(QueryError::Invalid(format!(
                        "{} belongs to network interfaces in several virtual networks; start from the NIC",
                        Ipv4Addr::from(a)
                    )))
                }
            }
            for (ci, c) in m.conns.iter().enumerate() {
                if c.kind != ConnKind::IPsec || !c.connected {
                    continue;
                }
                if let Some(l) = c.lng {
                    if m.lngs[l as usize].prefixes.iter().any(|p| p.contains_ip(a)) {
                        return Ok((
                            Start::Site {
                                conn: ci as Ix,
                                lng: l,
                            },
                            mk(a),
                        ));
                    }
                }
            }
            if is_public(a) {
                return Ok((Start::Internet, mk(a)));
            }
            Err(QueryError::Invalid(format!(
                "{} is not the address of a network interface, not behind a connected local network gateway, and not public",
                Ipv4Addr::from(a)
            )))
        }
    }
}

/// Whether a service on the VM of `cfg` listens on the flow's destination port.
pub fn listening(m: &Model, vm: &Vm, proto: Protocol, port: u16) -> bool {
    let want = match proto {
        Protocol::Tcp => RuleProto::Tcp,
        Protocol::Udp => RuleProto::Udp,
        Protocol::Icmp => return true,
    };
    let default = match vm.os {
        Os::Linux => 22,
        Os::Windows => 3389,
    };
    if want == RuleProto::Tcp && port == default {
        return true;
    }
    if vm.listen.iter().any(|l| {
        (l.proto == want || l.proto == RuleProto::Any) && l.ports.0 <= port && port <= l.ports.1
    }) {
        return true;
    }
    if port == 53 {
        let mine: Vec<IpAddr> = vm
            .nics
            .iter()
            .flat_map(|&n| m.nics[n as usize].ipconfigs.iter())
            .filter_map(|&c| m.ipconfigs[c as usize].ip.map(IpAddr::V4))
            .collect();
        let named = m
            .vnets
            .iter()
            .flat_map(|v| v.dns_servers.iter())
            .chain(m.nics.iter().flat_map(|n| n.dns_servers.iter()));
        if named.into_iter().any(|d| mine.contains(d)) {
            return true;
        }
    }
    false
}

/// The inbound NSG blockers a flow from `from` would meet on arriving at network interface
/// `nic_id` (one of whose addresses it is sent to), evaluated as a walk evaluates them.
pub fn arrival_blockers(
    p: &Plane,
    from: &Endpoint,
    flow: Flow,
    nic_id: &str,
) -> Result<Vec<Blocker>, QueryError> {
    let (_, f) = resolve_start(p, from, &flow)?;
    let m = &*p.model;
    let nic = match m.get(nic_id) {
        Some(Ref::Nic(n)) => n,
        _ => return Err(QueryError::NotFound(format!("network interface {nic_id}"))),
    };
    let cfg = m.nics[nic as usize]
        .ipconfigs
        .iter()
        .copied()
        .find(|&c| m.ipconfigs[c as usize].ip.map(u32::from) == Some(f.dst));
    match cfg {
        Some(cfg) => Ok(Walker::new(p, f, true, Vec::new()).arrival_blockers(cfg)),
        None => Err(QueryError::Invalid(format!(
            "{} is not an address of network interface {nic_id}",
            Ipv4Addr::from(f.dst)
        ))),
    }
}

pub fn walk(p: &Plane, from: &Endpoint, flow: Flow) -> Result<Walk, QueryError> {
    let (start, f) = resolve_start(p, from, &flow)?;
    let m = &*p.model;
    let fw = Walker::new(p, f, true, Vec::new());
    let (leg, mut blockers, mut warnings) = fw.run(start);
    let mut service_listening = None;
    let reached = !matches!(leg.end, End::Dropped);
    if let End::Nic(cfg) = leg.end {
        let nic = &m.nics[m.ipconfigs[cfg as usize].nic as usize];
        match nic.vm.map(|v| &m.vms[v as usize]) {
            None => blockers.push(fixes::no_vm(nic)),
            Some(vm) => {
                if let Some(e) = &vm.listen_error {
                    warnings.push(Blocker {
                        kind: "ListenTag".into(),
                        resource_id: vm.id.clone(),
                        explanation: e.clone(),
                        fix: "az vm update … --set tags.vnetlab-listen=80,443/tcp,53/udp".into(),
                    });
                }
                match f.proto {
                    Protocol::Icmp => {
                        if vm.os == Os::Windows && !vm.listen_icmp {
                            blockers.push(fixes::guest_firewall(vm));
                        }
                    }
                    proto => service_listening = Some(listening(m, vm, proto, f.dport)),
                }
            }
        }
    }
    // The reply.
    let mut return_hops = Vec::new();
    let mut rtt = leg.rtt;
    if reached {
        let snat = leg.snat.unwrap_or(f.src);
        let (rstart, rsrc) = match leg.end {
            End::Nic(cfg) => (
                Some(Start::Nic(cfg)),
                m.ipconfigs[cfg as usize].ip.map(u32::from).unwrap_or(f.dst),
            ),
            End::Site { lng } => {
                let conn = m
                    .conns
                    .iter()
                    .position(|c| c.lng == Some(lng) && c.connected && c.kind == ConnKind::IPsec);
                (conn.map(|c| Start::Site { conn: c as Ix, lng }), f.dst)
            }
            End::Internet | End::Dropped => (None, f.dst),
        };
        let reply = F4 {
            proto: f.proto,
            src: rsrc,
            sport: f.dport,
            dst: snat,
            dport: f.sport,
        };
        match rstart {
            Some(rs) => {
                let back = Walker::new(p, reply, false, leg.seen.clone());
                let (rleg, rb, rw) = back.run(rs);
                blockers.extend(rb);
                warnings.extend(rw);
                rtt += rleg.rtt;
                let ok_end = match (start, rleg.end) {
                    (Start::Nic(c), End::Nic(r)) => c == r,
                    (Start::Nic(_), End::Internet) => snat == DEFAULT_OUTBOUND_IP,
                    (Start::Site { lng, .. }, End::Site { lng: r }) => lng == r,
                    (Start::Internet, End::Internet) => true,
                    (_, End::Dropped) => true, // blockers already say why
                    _ => false,
                };
                if !ok_end {
                    let at = rleg
                        .hops
                        .last()
                        .map(|h| h.resource_id.clone())
                        .unwrap_or_default();
                    blockers.push(fixes::return_misdelivered(&at));
                }
                let mut fwd = leg.nvas.clone();
                let mut ret = rleg.nvas.clone();
                fwd.sort_unstable();
                ret.sort_unstable();
                if fwd != ret && rleg.end != End::Dropped {
                    let names = |v: &[Ix]| {
                        v.iter()
                            .map(|&n| m.nics[n as usize].name.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let desc = format!(
                        "The request crosses appliances [{}] but the reply crosses [{}]: a stateful appliance sees only one direction of the flow.",
                        names(&leg.nvas),
                        names(&rleg.nvas)
                    );
                    let dnat = leg.hops.iter().any(|h| {
                        h.decisions
                            .iter()
                            .any(|d| matches!(d, Decision::Note(n) if n.starts_with("public IP")))
                    });
                    let at = rleg
                        .hops
                        .first()
                        .map(|h| h.resource_id.clone())
                        .unwrap_or_default();
                    if dnat {
                        blockers.push(fixes::asymmetric(
                            format!("{desc} The reply to a connection made to a public IP must leave the way it came, or the client sees another source address."),
                            &at,
                            true,
                        ));
                    } else {
                        warnings.push(fixes::asymmetric(desc, &at, false));
                    }
                }
                return_hops = rleg.hops;
            }
            None => {
                rtt *= 2.0;
                let src_hop = leg.hops.first().cloned();
                return_hops.push(Hop {
                    kind: leg.hops.last().map(|h| h.kind.clone()).unwrap_or(HopKind::Internet),
                    resource_id: leg.hops.last().map(|h| h.resource_id.clone()).unwrap_or_default(),
                    address: Some(IpAddr::V4(Ipv4Addr::from(f.dst))),
                    decisions: vec![Decision::Return {
                        description: "the reply comes back to the translated source address; the flow record lets it in".into(),
                    }],
                });
                if let Some(mut h) = src_hop {
                    h.kind = HopKind::Destination;
                    h.decisions = vec![Decision::Return {
                        description: "stateful: the flow record lets the reply through".into(),
                    }];
                    return_hops.push(h);
                }
            }
        }
    }
    let mut seen = Vec::new();
    blockers.retain(|b| {
        let new = !seen.contains(b);
        seen.push(b.clone());
        new
    });
    let delivered = reached && blockers.is_empty();
    Ok(Walk {
        flow: Flow {
            protocol: f.proto,
            src: IpAddr::V4(Ipv4Addr::from(f.src)),
            src_port: f.sport,
            dst: IpAddr::V4(Ipv4Addr::from(f.dst)),
            dst_port: f.dport,
        },
        delivered,
        hops: leg.hops,
        return_hops,
        blockers,
        warnings,
        rtt_ms: delivered.then_some((rtt * 10.0).round() / 10.0),
        service_listening: if delivered { service_listening } else { None },
    })
}
