//! Name resolution as a VM sees it (azure-semantics.md §10).
//!
//! - The resolver is the NIC's `dnsSettings.dnsServers`, else the VNet's `dhcpOptions.dnsServers`,
//!   else Azure DNS (`168.63.129.16`).
//! - Azure DNS answers from the point of view of one VNet: private DNS zones linked to that VNet
//!   (the longest matching zone is authoritative: a missing record is NXDOMAIN; VM records
//!   autoregistered by links with `registrationEnabled` — the VM name, as the control plane
//!   registers it — unless a record set of the same name exists), then Azure-provided names:
//!   a bare host name or `<host>.<suffix>` with the VNet's own `internalDomainNameSuffix` resolve
//!   to VMs whose primary NIC is in that VNet, never across peering.
//! - A custom DNS server that is a NIC in the estate must be reachable (a UDP/53 walk from the
//!   querying NIC); it is assumed to forward to Azure DNS, so it answers from its own VNet's
//!   point of view (the recommended setup). Servers outside the estate are not emulated:
//!   `DnsAnswer::NoServer`. Servers are tried in order.
//! - Names outside every private zone, Azure-provided suffix and `internal.cloudapp.net` are
//!   public names, which vnetlab does not resolve (`QueryError::NotSupported`).

use crate::api::*;
use crate::compile::Plane;
use crate::journey::{nic_ix, walk};
use crate::model::*;
use crate::prefix::HOST_VIP;
use std::net::{IpAddr, Ipv4Addr};

/// Azure DNS's address.
pub fn azure_dns() -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(HOST_VIP))
}

fn stable_hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The VNet's DNS suffix (`<26 chars>.bx.internal.cloudapp.net`), derived from its resourceGuid
/// exactly as the control plane renders `dnsSettings.internalDomainNameSuffix`.
pub fn internal_domain_name_suffix(vnet_guid: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let (mut a, mut b) = (
        stable_hash(vnet_guid),
        stable_hash(&format!("{vnet_guid}#suffix")),
    );
    let mut s = String::with_capacity(26);
    for i in 0..26 {
        let src = if i < 13 { &mut a } else { &mut b };
        s.push(ALPHABET[(*src % 36) as usize] as char);
        *src /= 36;
    }
    format!("{s}.bx.internal.cloudapp.net")
}

fn primary_addr_in(m: &Model, vm: &Vm, vnet: Ix) -> Option<Ipv4Addr> {
    let nic = *vm.nics.first()?;
    let cfg = *m.nics[nic as usize].ipconfigs.first()?;
    (m.vnet_of_ipconfig(cfg) == Some(vnet))
        .then_some(m.ipconfigs[cfg as usize].ip)
        .flatten()
}

/// Azure DNS from `vnet`'s point of view.
pub fn azure_answer(m: &Model, vnet: Ix, q: &str, server: IpAddr) -> Result<DnsAnswer, QueryError> {
    let fqdn = format!("{q}.");
    let found = |addresses: Vec<Ipv4Addr>| {
        if addresses.is_empty() {
            DnsAnswer::NotFound { server }
        } else {
            DnsAnswer::Found {
                server,
                fqdn: fqdn.clone(),
                addresses,
            }
        }
    };
    // Private zones linked to this VNet.
    let zone = m
        .zones
        .iter()
        .filter(|z| z.links.iter().any(|l| l.vnet == Some(vnet)))
        .filter(|z| q == z.name || q.ends_with(&format!(".{}", z.name)))
        .max_by_key(|z| z.name.len());
    if let Some(z) = zone {
        let rel = if q == z.name {
            "@".to_string()
        } else {
            q[..q.len() - z.name.len() - 1].to_string()
        };
        if let Some((_, ips)) = z.records.iter().find(|(n, _)| *n == rel) {
            return Ok(found(ips.clone()));
        }
        for l in z.links.iter().filter(|l| l.registration) {
            let Some(rv) = l.vnet else { continue };
            for vm in &m.vms {
                if vm.name.to_ascii_lowercase() == rel {
                    if let Some(ip) = primary_addr_in(m, vm, rv) {
                        return Ok(found(vec![ip]));
                    }
                }
            }
        }
        return Ok(DnsAnswer::NotFound { server });
    }
    let v = &m.vnets[vnet as usize];
    let suffix = internal_domain_name_suffix(&v.guid);
    let host = if !q.contains('.') {
        Some(q.to_string())
    } else {
        q.strip_suffix(&format!(".{suffix}"))
            .filter(|h| !h.contains('.'))
            .map(str::to_string)
    };
    if let Some(h) = host {
        let ips: Vec<Ipv4Addr> = m
            .vms
            .iter()
            .filter(|vm| {
                vm.computer_name.eq_ignore_ascii_case(&h) || vm.name.eq_ignore_ascii_case(&h)
            })
            .filter_map(|vm| primary_addr_in(m, vm, vnet))
            .collect();
        return Ok(found(ips));
    }
    if q.ends_with("internal.cloudapp.net")
        || m.zones
            .iter()
            .any(|z| q == z.name || q.ends_with(&format!(".{}", z.name)))
    {
        return Ok(DnsAnswer::NotFound { server });
    }
    Err(QueryError::NotSupported(format!(
        "resolving the public name {q} (vnetlab resolves Azure-provided names and private DNS zones only)"
    )))
}

pub fn resolve(p: &Plane, nic_id: &str, name: &str) -> Result<DnsAnswer, QueryError> {
    let m = &*p.model;
    let nic = nic_ix(m, nic_id)?;
    let q = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if q.is_empty() || q.contains(char::is_whitespace) {
        return Err(QueryError::Invalid(format!("'{name}' is not a DNS name")));
    }
    let vnet = p
        .nics
        .get(nic as usize)
        .and_then(|f| f.vnet)
        .ok_or_else(|| {
            QueryError::Invalid(format!(
                "network interface {nic_id} is in no virtual network"
            ))
        })?;
    let n = &m.nics[nic as usize];
    let servers: Vec<IpAddr> = if !n.dns_servers.is_empty() {
        n.dns_servers.clone()
    } else {
        m.vnets[vnet as usize].dns_servers.clone()
    };
    if servers.is_empty() {
        return azure_answer(m, vnet, &q, azure_dns());
    }
    for &server in &servers {
        if server == azure_dns() {
            return azure_answer(m, vnet, &q, server);
        }
        let IpAddr::V4(s4) = server else { continue };
        let Some((sv, _)) = p
            .by_ip
            .iter()
            .find(|((_, ip), _)| *ip == u32::from(s4))
            .map(|(k, c)| (k.0, *c))
        else {
            continue;
        };
        let flow = Flow {
            protocol: Protocol::Udp,
            src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            src_port: 53000,
            dst: server,
            dst_port: 53,
        };
        let reachable = walk(
            p,
            &Endpoint::Nic {
                nic_id: n.id.clone(),
            },
            flow,
        )
        .is_ok_and(|w| w.delivered);
        if reachable {
            return azure_answer(m, sv, &q, server);
        }
    }
    Ok(DnsAnswer::NoServer { server: servers[0] })
}
