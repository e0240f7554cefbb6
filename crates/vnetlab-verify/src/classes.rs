//! The matrix's pair oracle over header-space classes instead of one walk per port class.
//!
//! Two facts make a pair's exact flow set cheap (see `vnetlab_dataplane::headerspace`):
//! - a walk's path and its port-independent blockers depend on the NICs only through their
//!   walk classes ([`DataPlane::walk_classes`]), so one ICMP walk per (source class,
//!   destination class) gives the path shape (which NICs' NSGs are evaluated, in which
//!   direction, forward or on the reply) and whether anything but an NSG stops the flow;
//! - an NSG layer's verdict over every protocol and port depends on the addresses only through
//!   which rules' addresses match ([`DataPlane::nsg_layer_matches`]); first-match over the
//!   matching rules' boxes (interval subtraction, [`layer_space`]) gives the allowed set,
//!   memoised per distinct match list.
//!
//! A pair's delivered set is the intersection of the allowed sets of the forward evaluations and
//! of the reply-only ones (ports swapped). This is what the walk-per-class prober
//! ([`crate::probe`]) computes; the property tests hold the two equal cell by cell.

use crate::endpoint::Member;
use crate::inventory::parent_id;
use crate::matrix::PairSpaces;
use crate::probe::{port_dependent, Prober};
use crate::space::{FlowSpace, PortPlane, PortSet, Proto};
use crate::Verifier;
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use vnetlab_dataplane::{DataPlane, Direction, HopKind, LayerMatch, NicHandle};

/// Whose NSGs: the pair's source, its destination, or a fixed NIC (an appliance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Src,
    Dst,
    Fixed(NicHandle),
}

/// What one class-pair walk says about every pair of those classes.
#[derive(Debug, Clone)]
struct Path {
    /// Something other than an NSG stops every flow (or the engine refused the question).
    blocked: bool,
    /// The destination host drops ICMP (Windows' firewall).
    no_icmp: bool,
    /// NSG evaluations of the request (source → destination addresses).
    fwd: Vec<(Role, Direction)>,
    /// NSG evaluations of the reply at NICs the request did not cross (addresses and ports
    /// swapped).
    back: Vec<(Role, Direction)>,
}

/// The allowed set of one layer: its matching rules, first match wins.
pub fn layer_space(dp: &DataPlane, lm: &LayerMatch) -> FlowSpace {
    let mut remaining = FlowSpace::all();
    let mut allowed = FlowSpace::empty();
    for &pos in &lm.rules {
        let Some(r) = dp.nsg_rule_space(lm.nsg, pos) else {
            continue;
        };
        let plane = PortPlane::product(
            &PortSet::from_ranges(r.source_ports.clone()),
            &PortSet::from_ranges(r.destination_ports.clone()),
        );
        let q = FlowSpace {
            tcp: if r.tcp {
                plane.clone()
            } else {
                PortPlane::empty()
            },
            udp: if r.udp { plane } else { PortPlane::empty() },
            icmp: r.icmp,
        };
        if r.allow {
            allowed = allowed.union(&remaining.intersect(&q));
        }
        remaining = remaining.minus(&q);
        if remaining.is_empty() {
            break;
        }
    }
    allowed
}

/// Pair spaces from class walks and NSG intervals (one per thread: memos are not shared).
pub struct ClassOracle<'a> {
    v: &'a Verifier,
    prober: Prober<'a>,
    /// Inventory NIC → engine handle.
    handles: Vec<Option<NicHandle>>,
    /// Engine handle → walk class.
    classes: &'a [u32],
    paths: RefCell<HashMap<(u32, u32), Path>>,
    layers: RefCell<HashMap<LayerMatch, FlowSpace>>,
}

/// Inventory NIC → engine handle, for every NIC of the inventory.
pub fn handles(v: &Verifier) -> Vec<Option<NicHandle>> {
    v.inv.nics.iter().map(|n| v.dp.nic_handle(&n.id)).collect()
}

impl<'a> ClassOracle<'a> {
    pub fn new(v: &'a Verifier, classes: &'a [u32], handles: Vec<Option<NicHandle>>) -> Self {
        ClassOracle {
            v,
            prober: Prober::of(v),
            handles,
            classes,
            paths: RefCell::new(HashMap::new()),
            layers: RefCell::new(HashMap::new()),
        }
    }

    fn class(&self, h: NicHandle) -> Option<u32> {
        self.classes.get(self.v.dp.nic_handle_index(h)).copied()
    }

    fn path(&self, src: usize, dst: usize, hs: NicHandle, hd: NicHandle) -> Path {
        let blocked = Path {
            blocked: true,
            no_icmp: true,
            fwd: Vec::new(),
            back: Vec::new(),
        };
        let Some(addr) = self.prober.target(Member::Nic(src), Member::Nic(dst)) else {
            return blocked;
        };
        let Ok(w) = self.prober.walk(Member::Nic(src), addr, Proto::Icmp, 0, 0) else {
            return blocked;
        };
        if w.blockers.iter().any(|b| !port_dependent(b)) {
            return blocked;
        }
        let role = |id: &str| -> Option<Role> {
            let lower = id.to_ascii_lowercase();
            if !lower.contains("/networkinterfaces/") || !lower.contains("/ipconfigurations/") {
                return None;
            }
            let h = self.v.dp.nic_handle(parent_id(id))?;
            Some(if h == hs {
                Role::Src
            } else if h == hd {
                Role::Dst
            } else {
                Role::Fixed(h)
            })
        };
        let points = |hops: &[vnetlab_dataplane::Hop]| -> Vec<(Role, Direction)> {
            let mut out = Vec::new();
            for h in hops {
                let Some(r) = role(&h.resource_id) else {
                    continue;
                };
                match h.kind {
                    HopKind::Source => out.push((r, Direction::Outbound)),
                    HopKind::VirtualAppliance => {
                        out.push((r, Direction::Inbound));
                        out.push((r, Direction::Outbound));
                    }
                    HopKind::Destination => out.push((r, Direction::Inbound)),
                    _ => {}
                }
            }
            out
        };
        let fwd = points(&w.hops);
        let back = points(&w.return_hops)
            .into_iter()
            .filter(|(r, _)| !fwd.iter().any(|(f, _)| f == r))
            .collect();
        Path {
            blocked: false,
            no_icmp: w.blockers.iter().any(|b| b.kind == "GuestFirewall"),
            fwd,
            back,
        }
    }

    fn nic_space(&self, h: NicHandle, dir: Direction, src: Ipv4Addr, dst: Ipv4Addr) -> FlowSpace {
        let mut out = FlowSpace::all();
        for lm in self.v.dp.nsg_layer_matches(h, dir, src, dst) {
            let known = self.layers.borrow().get(&lm).cloned();
            let s = match known {
                Some(s) => s,
                None => {
                    let s = layer_space(&self.v.dp, &lm);
                    self.layers.borrow_mut().insert(lm, s.clone());
                    s
                }
            };
            out = out.intersect(&s);
            if out.is_empty() {
                break;
            }
        }
        out
    }
}

impl PairSpaces for ClassOracle<'_> {
    fn pair_space(&self, src: usize, dst: usize) -> FlowSpace {
        let (Some(Some(hs)), Some(Some(hd))) = (self.handles.get(src), self.handles.get(dst))
        else {
            return self
                .prober
                .pair(Member::Nic(src), Member::Nic(dst))
                .delivered;
        };
        let (Some(s_ip), Some(addr)) = (
            self.v.dp.nic_address(*hs),
            self.prober.target(Member::Nic(src), Member::Nic(dst)),
        ) else {
            return FlowSpace::empty();
        };
        let key = match (self.class(*hs), self.class(*hd)) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                return self
                    .prober
                    .pair(Member::Nic(src), Member::Nic(dst))
                    .delivered
            }
        };
        let known = self.paths.borrow().get(&key).cloned();
        let path = match known {
            Some(p) => p,
            None => {
                let p = self.path(src, dst, *hs, *hd);
                self.paths.borrow_mut().insert(key, p.clone());
                p
            }
        };
        if path.blocked {
            return FlowSpace::empty();
        }
        let who = |r: Role| match r {
            Role::Src => *hs,
            Role::Dst => *hd,
            Role::Fixed(h) => h,
        };
        let mut out = FlowSpace::all();
        for &(r, dir) in &path.fwd {
            out = out.intersect(&self.nic_space(who(r), dir, s_ip, addr));
            if out.is_empty() {
                return out;
            }
        }
        for &(r, dir) in &path.back {
            out = out.intersect(&self.nic_space(who(r), dir, addr, s_ip).transpose());
            if out.is_empty() {
                return out;
            }
        }
        if path.no_icmp {
            out.icmp = false;
        }
        out
    }
}
