//! The vnetlab data plane: what traffic does in an Azure estate.
//!
//! Pipeline (Batfish-style): ARM records (ground state, as stored by `vnetlab-arm`) →
//! [`Estate`] (a typed, vendor-neutral model of what matters for forwarding) →
//! [`DataPlane::compile`] (VFP-style: per-subnet route tables as longest-prefix-match
//! structures, per-NIC security rule layers with service tags already expanded from the
//! right point of view) → questions: effective routes and rules, IP flow verify, next hop,
//! packet walks (forward and return, every decision recorded with the resource that made
//! it), DNS resolution, latency.
//!
//! Architecture Invariant: no I/O, no HTTP, no SQL, no CLI here, and no knowledge of how
//! answers are printed. Consumers (Network Watcher ARM actions, `run-command`, the verifier,
//! the Linux backend, the UI) all read the same compiled [`DataPlane`]; none re-derives
//! routing or security on its own.
//!
//! Azure semantics followed: `../shared/azure-semantics.md` §5 (routing), §6 (NSGs), §7
//! (Network Watcher), §10 (DNS), §11 (gateways).

pub mod api;

pub use api::*;
