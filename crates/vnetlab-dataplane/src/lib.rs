//! The vnetlab data plane: what traffic does in an Azure estate.
//!
//! Pipeline (Batfish-style): ARM records (ground state, as stored by `vnetlab-arm`) →
//! [`Estate`] (a typed, vendor-neutral model of what matters for forwarding) →
//! [`DataPlane::compile`] (VFP-style: per-subnet route tables as longest-prefix-match
//! structures, per-NSG security layers compiled per local address class, with service tags
//! resolved from the evaluating NIC's point of view) → questions: effective routes and rules, IP flow
//! verify, next hop, packet walks (forward and return, every decision recorded with the
//! resource that made it, every independent blocker with its fix), DNS resolution, latency.
//!
//! Architecture Invariant: no I/O, no HTTP, no SQL, no CLI here, and no knowledge of how
//! answers are printed. Consumers (Network Watcher actions, `run-command`, the verifier,
//! the Linux backend, the UI) all read the same compiled [`DataPlane`]; none re-derives
//! routing or security on its own.
//!
//! Azure semantics followed: `../shared/azure-semantics.md` §5 (routing), §6 (NSGs), §7
//! (Network Watcher), §10 (DNS), §11 (gateways).
//!
//! Modules, one job each:
//! - `api` — the public contract; `parse` — ARM records → `model` (typed estate);
//! - `prefix` — IPv4 prefixes and range sets; `tags` — service tag expansion;
//! - `routes` — effective route rows; `lpm` — compiled longest-prefix match;
//! - `security` — NSG rules and reference evaluation; `classifier` — compiled NSG layers;
//! - `compile` — the compiled plane and incremental recompile; `queries` — per-NIC questions,
//!   fast verdicts and the flow cache;
//! - `walk` — hop-by-hop legs; `journey` — whole walks (destination host, reply);
//!   `fixes` — blockers and their fixes;
//! - `dns`, `latency`, and `generate` (synthetic estates for benchmarks and tests).

pub mod api;
mod classifier;
mod compile;
mod dns;
mod fixes;
pub mod generate;
mod headerspace;
mod journey;
mod latency;
mod lpm;
mod model;
mod parse;
mod parse_items;
mod prefix;
mod queries;
mod routes;
mod security;
mod tags;
mod walk;

pub use api::*;
pub use headerspace::{LayerMatch, RuleSpace, SideItems};
pub use lpm::LANES;
pub use parse::LISTEN_TAG;
pub use queries::{FastFlow, FastVerdict, FlowCache, NicHandle};

/// Internals exposed for property tests and benchmarks only (not part of the contract).
#[doc(hidden)]
pub mod internals {
    pub use crate::lpm::{brute_force, upper_bounds, Entry, Lpm};
    pub use crate::prefix::Pfx;

    /// IP flow verify by a plain first-match scan over the rules (no classifier), for tests.
    pub fn reference_verdict(
        dp: &crate::DataPlane,
        nic_id: &str,
        dir: crate::Direction,
        flow: crate::Flow,
    ) -> Option<(crate::Access, Option<String>)> {
        use crate::model::Ref;
        let p = &dp.inner;
        let m = &*p.model;
        let Some(Ref::Nic(n)) = m.get(nic_id) else {
            return None;
        };
        let f = p.nics.get(n as usize)?;
        let view = &p.subnets.get(f.subnet? as usize)?.view;
        let (std::net::IpAddr::V4(s), std::net::IpAddr::V4(d)) = (flow.src, flow.dst) else {
            return None;
        };
        let icmp = flow.protocol == crate::Protocol::Icmp;
        let (sp, dp_) = if icmp {
            (0, 0)
        } else {
            (flow.src_port, flow.dst_port)
        };
        let inbound = dir == crate::Direction::Inbound;
        let order = if inbound {
            [f.subnet_nsg, f.nic_nsg]
        } else {
            [f.nic_nsg, f.subnet_nsg]
        };
        let mut last = None;
        for nsg in order.into_iter().flatten() {
            let rules = &m.nsgs[nsg as usize].rules;
            let hit = crate::security::first_match(
                rules,
                inbound,
                flow.protocol,
                u32::from(s),
                sp,
                u32::from(d),
                dp_,
                &view.set,
                &p.asgs,
            );
            let allow = hit.is_some_and(|i| rules[i].allow);
            let name = hit.map(|i| rules[i].qualified_name());
            if !allow {
                return Some((crate::Access::Deny, name));
            }
            last = Some((crate::Access::Allow, name));
        }
        Some(last.unwrap_or((crate::Access::Allow, None)))
    }
}
