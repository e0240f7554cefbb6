//! Endpoints of a question: `vm:RG/NAME`, `nic:RG/NAME`, `subnet:RG/VNET/SUBNET`,
//! `vnet:RG/VNET`, `ip:ADDRESS`, `cidr:PREFIX`, `onprem:RG/LOCAL_GATEWAY`, `internet`, or a
//! full ARM id of one of those resources. A set (subnet, VNet, CIDR) stands for every NIC in
//! it; names are matched case-insensitively, as ARM does.
//!
//! Addresses outside the estate's NICs (`ip:` of an on-premises host, `internet`, `onprem:`)
//! are members of their own. `internet` and `onprem:` stand for address *ranges*; they resolve
//! to one address per class of that range the estate can tell apart (see [`AddressClasses`]),
//! so an answer about "the Internet" is exact, not a sample.

use crate::inventory::{last_name, resource_group, type_of_id, Inventory};
use std::fmt;
use std::net::Ipv4Addr;

/// An endpoint as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    Vm {
        rg: String,
        name: String,
    },
    Nic {
        rg: String,
        name: String,
    },
    Subnet {
        rg: String,
        vnet: String,
        subnet: String,
    },
    Vnet {
        rg: String,
        vnet: String,
    },
    Ip(Ipv4Addr),
    Cidr {
        net: u32,
        len: u8,
    },
    OnPrem {
        rg: String,
        name: String,
    },
    Internet,
    /// A full ARM id (a VM, NIC, subnet, VNet or local network gateway).
    Id(String),
}

const FORMS: &str = "vm:RG/NAME, nic:RG/NAME, subnet:RG/VNET/SUBNET, vnet:RG/VNET, ip:ADDRESS, cidr:PREFIX, onprem:RG/LOCAL_GATEWAY, internet, or a full ARM id";

fn parts<'a>(s: &'a str, n: usize, form: &str) -> Result<Vec<&'a str>, String> {
    let p: Vec<&str> = s.split('/').collect();
    if p.len() != n || p.iter().any(|x| x.trim().is_empty()) {
        return Err(format!("'{s}' is not of the form {form}"));
    }
    Ok(p)
}

/// Parses an IPv4 prefix `a.b.c.d/n` (host bits are refused, as Azure refuses them).
pub fn parse_cidr(s: &str) -> Result<(u32, u8), String> {
    let (a, l) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}' is not an IPv4 prefix such as 10.1.0.0/16"))?;
    let ip: Ipv4Addr = a
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not an IPv4 prefix such as 10.1.0.0/16"))?;
    let len: u8 = l
        .trim()
        .parse()
        .ok()
        .filter(|l| *l <= 32)
        .ok_or_else(|| format!("'{s}': the prefix length must be 0-32"))?;
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    let net = u32::from(ip);
    if net & !mask != 0 {
        return Err(format!(
            "'{s}' has host bits set; did you mean {}/{len}?",
            Ipv4Addr::from(net & mask)
        ));
    }
    Ok((net, len))
}

impl Spec {
    pub fn parse(s: &str) -> Result<Spec, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("internet") {
            return Ok(Spec::Internet);
        }
        if s.starts_with('/') {
            return Ok(Spec::Id(s.to_string()));
        }
        let Some((kind, rest)) = s.split_once(':') else {
            return Err(format!("'{s}' is not an endpoint; use {FORMS}"));
        };
        let own = |v: &str| v.trim().to_string();
        match kind.to_ascii_lowercase().as_str() {
            "vm" => parts(rest, 2, "vm:RG/NAME").map(|p| Spec::Vm {
                rg: own(p[0]),
                name: own(p[1]),
            }),
            "nic" => parts(rest, 2, "nic:RG/NAME").map(|p| Spec::Nic {
                rg: own(p[0]),
                name: own(p[1]),
            }),
            "subnet" => parts(rest, 3, "subnet:RG/VNET/SUBNET").map(|p| Spec::Subnet {
                rg: own(p[0]),
                vnet: own(p[1]),
                subnet: own(p[2]),
            }),
            "vnet" => parts(rest, 2, "vnet:RG/VNET").map(|p| Spec::Vnet {
                rg: own(p[0]),
                vnet: own(p[1]),
            }),
            "onprem" => parts(rest, 2, "onprem:RG/LOCAL_GATEWAY").map(|p| Spec::OnPrem {
                rg: own(p[0]),
                name: own(p[1]),
            }),
            "ip" => {
                rest.trim().parse::<Ipv4Addr>().map(Spec::Ip).map_err(|_| {
                    format!("'{rest}' is not an IPv4 address (vnetlab models IPv4 only)")
                })
            }
            "cidr" => parse_cidr(rest).map(|(net, len)| Spec::Cidr { net, len }),
            _ => Err(format!("unknown endpoint kind '{kind}'; use {FORMS}")),
        }
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spec::Vm { rg, name } => write!(f, "vm:{rg}/{name}"),
            Spec::Nic { rg, name } => write!(f, "nic:{rg}/{name}"),
            Spec::Subnet { rg, vnet, subnet } => write!(f, "subnet:{rg}/{vnet}/{subnet}"),
            Spec::Vnet { rg, vnet } => write!(f, "vnet:{rg}/{vnet}"),
            Spec::Ip(a) => write!(f, "ip:{a}"),
            Spec::Cidr { net, len } => write!(f, "cidr:{}/{len}", Ipv4Addr::from(*net)),
            Spec::OnPrem { rg, name } => write!(f, "onprem:{rg}/{name}"),
            Spec::Internet => f.write_str("internet"),
            Spec::Id(id) => f.write_str(id),
        }
    }
}

/// One member of a resolved endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Member {
    /// A NIC (inventory index), by its primary private address.
    Nic(usize),
    /// An address no NIC of the estate holds (on-premises, the Internet).
    Address(Ipv4Addr),
}

/// Where an external address range lives (for messages and representative choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Estate,
    OnPremises,
    Internet,
}

/// An endpoint resolved to its members.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub spec: Spec,
    /// What it is, for people (`VM web1`, `subnet spoke-data/db (2 NICs)`).
    pub label: String,
    pub members: Vec<Member>,
    /// A set (subnet, VNet, CIDR, range) rather than one thing.
    pub is_set: bool,
    pub place: Place,
}

/// The classes of an address range the estate can tell apart: every prefix named by a route,
/// a rule, an address space, a local network gateway or a public IP cuts the IPv4 space; one
/// address per resulting interval (the first public / in-range one) stands for its class.
#[derive(Debug, Clone, Default)]
pub struct AddressClasses {
    /// Sorted interval starts over the whole IPv4 space.
    cuts: Vec<u32>,
}

impl AddressClasses {
    pub fn new(prefixes: impl IntoIterator<Item = (u32, u8)>) -> AddressClasses {
        let mut cuts: Vec<u64> = vec![0];
        for (net, len) in prefixes {
            let size = 1u64 << (32 - u32::from(len.min(32)));
            cuts.push(u64::from(net));
            cuts.push(u64::from(net) + size);
        }
        cuts.retain(|c| *c <= u64::from(u32::MAX));
        cuts.sort_unstable();
        cuts.dedup();
        AddressClasses {
            cuts: cuts.into_iter().map(|c| c as u32).collect(),
        }
    }

    /// One representative per class intersecting `[lo, hi]`, keeping only addresses `keep` accepts.
    pub fn representatives(
        &self,
        lo: u32,
        hi: u32,
        keep: impl Fn(u32) -> Option<u32>,
    ) -> Vec<Ipv4Addr> {
        let mut out = Vec::new();
        let start = self.cuts.partition_point(|&c| c <= lo).saturating_sub(1);
        for i in start..self.cuts.len() {
            let a = self.cuts[i].max(lo);
            let b = self
                .cuts
                .get(i + 1)
                .map(|n| n - 1)
                .unwrap_or(u32::MAX)
                .min(hi);
            if a > hi {
                break;
            }
            if a <= b {
                if let Some(r) = keep_in(a, b, &keep) {
                    out.push(Ipv4Addr::from(r));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The first address of `[a, b]` that `keep` accepts (it may move the candidate forward, e.g.
/// past private ranges), if still inside.
fn keep_in(a: u32, b: u32, keep: &impl Fn(u32) -> Option<u32>) -> Option<u32> {
    keep(a).filter(|r| *r >= a && *r <= b)
}

/// Whether an address is on the public Internet (the engine's definition: not RFC 1918,
/// 100.64/10, loopback, link-local, 0/8, multicast/reserved, or the Azure host VIP).
pub fn is_public(ip: u32) -> bool {
    let m = |len: u32| if len == 0 { 0 } else { u32::MAX << (32 - len) };
    !matches!(ip >> 24, 0 | 10 | 127 | 224..=255)
        && ip & m(10) != 0x6440_0000
        && ip & m(16) != 0xA9FE_0000
        && ip & m(12) != 0xAC10_0000
        && ip & m(16) != 0xC0A8_0000
        && ip != 0xA83F_8110
}

/// The first public address at or after `a` within its class, or `None`.
fn first_public(a: u32) -> Option<u32> {
    is_public(a).then_some(a).or_else(|| {
        // A class starting in a private range: try just past the usual private blocks.
        [
            0x0100_0000u32,
            0x0B00_0000,
            0x6480_0000,
            0x8000_0000,
            0xA9FF_0000,
            0xAC20_0000,
            0xC0A9_0000,
        ]
        .into_iter()
        .find(|&c| c > a && is_public(c))
    })
}

impl Endpoint {
    fn single(spec: &Spec, label: String, m: Member, place: Place) -> Endpoint {
        Endpoint {
            spec: spec.clone(),
            label,
            members: vec![m],
            is_set: false,
            place,
        }
    }

    /// Resolves a spec against the inventory. `classes` cuts external ranges into classes.
    pub fn resolve(
        spec: &Spec,
        inv: &Inventory,
        classes: &AddressClasses,
    ) -> Result<Endpoint, String> {
        let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let in_rg = |id: &str, rg: &str| eq(resource_group(id), rg);
        match spec {
            Spec::Vm { rg, name } => {
                let v = inv
                    .vms
                    .iter()
                    .position(|v| eq(&v.name, name) && in_rg(&v.id, rg))
                    .ok_or_else(|| {
                        format!("no virtual machine '{name}' in resource group '{rg}'")
                    })?;
                Self::vm(spec, inv, v)
            }
            Spec::Nic { rg, name } => {
                let n = inv
                    .nics
                    .iter()
                    .position(|n| eq(&n.name, name) && in_rg(&n.id, rg))
                    .ok_or_else(|| {
                        format!("no network interface '{name}' in resource group '{rg}'")
                    })?;
                Ok(Self::single(
                    spec,
                    format!("NIC {}", inv.nics[n].name),
                    Member::Nic(n),
                    Place::Estate,
                ))
            }
            Spec::Subnet { rg, vnet, subnet } => {
                let s = inv
                    .subnets
                    .iter()
                    .position(|s| eq(&s.name, subnet) && eq(&inv.vnets[s.vnet].name, vnet) && in_rg(&s.id, rg))
                    .ok_or_else(|| format!("no subnet '{subnet}' in virtual network '{vnet}' of resource group '{rg}'"))?;
                Ok(Self::subnet(spec, inv, s))
            }
            Spec::Vnet { rg, vnet } => {
                let v = inv
                    .vnets
                    .iter()
                    .position(|v| eq(&v.name, vnet) && in_rg(&v.id, rg))
                    .ok_or_else(|| {
                        format!("no virtual network '{vnet}' in resource group '{rg}'")
                    })?;
                Ok(Self::vnet(spec, inv, v))
            }
            Spec::OnPrem { rg, name } => {
                let l = inv
                    .lngs
                    .iter()
                    .position(|l| eq(&l.name, name) && in_rg(&l.id, rg))
                    .ok_or_else(|| {
                        format!("no local network gateway '{name}' in resource group '{rg}'")
                    })?;
                Self::onprem(spec, inv, l, classes)
            }
            Spec::Ip(a) => {
                let owners: Vec<usize> = (0..inv.nics.len())
                    .filter(|&n| inv.nics[n].ip == Some(*a))
                    .collect();
                match owners.len() {
                    0 => {
                        let place = if is_public(u32::from(*a)) {
                            Place::Internet
                        } else {
                            Place::OnPremises
                        };
                        Ok(Self::single(
                            spec,
                            format!("address {a}"),
                            Member::Address(*a),
                            place,
                        ))
                    }
                    1 => Ok(Self::single(
                        spec,
                        format!("{} ({a})", inv.nic_label(owners[0])),
                        Member::Nic(owners[0]),
                        Place::Estate,
                    )),
                    _ => Err(format!(
                        "{a} belongs to several network interfaces ({}); name one with nic:RG/NAME",
                        owners
                            .iter()
                            .map(|&n| inv.nics[n].name.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
            Spec::Cidr { net, len } => {
                let mask = if *len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(*len))
                };
                let inside = |ip: Ipv4Addr| u32::from(ip) & mask == *net;
                let nics: Vec<Member> = (0..inv.nics.len())
                    .filter(|&n| inv.nics[n].ip.is_some_and(inside))
                    .map(Member::Nic)
                    .collect();
                let label = format!(
                    "{} ({} NIC{})",
                    Ipv4Addr::from(*net),
                    nics.len(),
                    if nics.len() == 1 { "" } else { "s" }
                );
                if !nics.is_empty() {
                    return Ok(Endpoint {
                        spec: spec.clone(),
                        label: format!("cidr {}/{len}: {label}", Ipv4Addr::from(*net)),
                        members: nics,
                        is_set: true,
                        place: Place::Estate,
                    });
                }
                let hi = net | !mask;
                let public = is_public(*net) && is_public(hi);
                let reps = if public {
                    classes.representatives(*net, hi, first_public)
                } else {
                    classes.representatives(*net, hi, Some)
                };
                Ok(Endpoint {
                    spec: spec.clone(),
                    label: format!(
                        "{}/{len} ({} address class{})",
                        Ipv4Addr::from(*net),
                        reps.len(),
                        if reps.len() == 1 { "" } else { "es" }
                    ),
                    members: reps.into_iter().map(Member::Address).collect(),
                    is_set: true,
                    place: if public {
                        Place::Internet
                    } else {
                        Place::OnPremises
                    },
                })
            }
            Spec::Internet => {
                let reps = classes.representatives(0, u32::MAX, first_public);
                Ok(Endpoint {
                    spec: spec.clone(),
                    label: format!(
                        "the Internet ({} address class{})",
                        reps.len(),
                        if reps.len() == 1 { "" } else { "es" }
                    ),
                    members: reps.into_iter().map(Member::Address).collect(),
                    is_set: true,
                    place: Place::Internet,
                })
            }
            Spec::Id(id) => {
                let t = type_of_id(id).unwrap_or_default();
                let none = || format!("no resource '{id}' in the estate");
                match t.as_str() {
                    "microsoft.compute/virtualmachines" => Self::vm(spec, inv, inv.vm_ix(id).ok_or_else(none)?),
                    "microsoft.network/networkinterfaces" => {
                        let n = inv.nic_ix(id).ok_or_else(none)?;
                        Ok(Self::single(spec, format!("NIC {}", inv.nics[n].name), Member::Nic(n), Place::Estate))
                    }
                    "microsoft.network/virtualnetworks/subnets" => Ok(Self::subnet(spec, inv, inv.subnet_ix(id).ok_or_else(none)?)),
                    "microsoft.network/virtualnetworks" => Ok(Self::vnet(spec, inv, inv.vnet_ix(id).ok_or_else(none)?)),
                    "microsoft.network/localnetworkgateways" => Self::onprem(spec, inv, inv.lng_ix(id).ok_or_else(none)?, classes),
                    _ => Err(format!(
                        "'{}' is a {}; an endpoint id names a virtual machine, network interface, subnet, virtual network or local network gateway",
                        last_name(id),
                        if t.is_empty() { "malformed id" } else { &t }
                    )),
                }
            }
        }
    }

    fn vm(spec: &Spec, inv: &Inventory, v: usize) -> Result<Endpoint, String> {
        let vm = &inv.vms[v];
        let nic = *vm
            .nics
            .first()
            .ok_or_else(|| format!("virtual machine '{}' has no network interface", vm.name))?;
        Ok(Self::single(
            spec,
            format!("VM {}", vm.name),
            Member::Nic(nic),
            Place::Estate,
        ))
    }

    fn subnet(spec: &Spec, inv: &Inventory, s: usize) -> Endpoint {
        let n = inv.subnets[s].nics.len();
        Endpoint {
            spec: spec.clone(),
            label: format!(
                "subnet {} ({n} NIC{})",
                inv.subnet_label(s),
                if n == 1 { "" } else { "s" }
            ),
            members: inv.subnets[s]
                .nics
                .iter()
                .map(|&n| Member::Nic(n))
                .collect(),
            is_set: true,
            place: Place::Estate,
        }
    }

    fn vnet(spec: &Spec, inv: &Inventory, v: usize) -> Endpoint {
        let members: Vec<Member> = inv.vnets[v]
            .subnets
            .iter()
            .flat_map(|&s| inv.subnets[s].nics.iter().map(|&n| Member::Nic(n)))
            .collect();
        Endpoint {
            spec: spec.clone(),
            label: format!(
                "VNet {} ({} NIC{})",
                inv.vnets[v].name,
                members.len(),
                if members.len() == 1 { "" } else { "s" }
            ),
            members,
            is_set: true,
            place: Place::Estate,
        }
    }

    fn onprem(
        spec: &Spec,
        inv: &Inventory,
        l: usize,
        classes: &AddressClasses,
    ) -> Result<Endpoint, String> {
        let lng = &inv.lngs[l];
        let mut reps = Vec::new();
        for p in &lng.prefixes {
            let Ok((net, len)) = parse_cidr(p) else {
                continue;
            };
            let hi = net
                | if len == 0 {
                    u32::MAX
                } else {
                    !(u32::MAX << (32 - u32::from(len)))
                };
            reps.extend(classes.representatives(net, hi, Some));
        }
        reps.sort_unstable();
        reps.dedup();
        if reps.is_empty() {
            return Err(format!(
                "local network gateway '{}' declares no IPv4 address prefixes",
                lng.name
            ));
        }
        Ok(Endpoint {
            spec: spec.clone(),
            label: format!(
                "on-premises {} ({} address class{})",
                lng.name,
                reps.len(),
                if reps.len() == 1 { "" } else { "es" }
            ),
            members: reps.into_iter().map(Member::Address).collect(),
            is_set: true,
            place: Place::OnPremises,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_form_parses_and_prints_back() {
        for s in [
            "vm:rg/web1",
            "nic:rg/web1VMNic",
            "subnet:rg/spoke/db",
            "vnet:rg/hub",
            "ip:10.1.0.4",
            "cidr:10.1.0.0/16",
            "onprem:rg/branch",
            "internet",
        ] {
            assert_eq!(Spec::parse(s).map(|x| x.to_string()), Ok(s.to_string()));
        }
        assert!(matches!(
            Spec::parse(
                "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/a"
            ),
            Ok(Spec::Id(_))
        ));
    }

    #[test]
    fn malformed_endpoints_say_what_is_expected() {
        assert!(Spec::parse("vm:rg").unwrap_err().contains("vm:RG/NAME"));
        assert!(Spec::parse("web1")
            .unwrap_err()
            .contains("subnet:RG/VNET/SUBNET"));
        assert!(Spec::parse("ip:10.0.0").unwrap_err().contains("IPv4"));
        assert!(Spec::parse("cidr:10.1.0.1/16")
            .unwrap_err()
            .contains("did you mean 10.1.0.0/16"));
        assert!(Spec::parse("cidr:10.1.0.0/40")
            .unwrap_err()
            .contains("0-32"));
        assert!(Spec::parse("host:rg/x")
            .unwrap_err()
            .contains("unknown endpoint kind"));
    }

    #[test]
    fn classes_give_one_address_per_interval_the_estate_distinguishes() {
        let c = AddressClasses::new([(0x0808_0800, 24), (0x0A00_0000, 8)]);
        let reps = c.representatives(0, u32::MAX, first_public);
        // 1.0.0.0 (up to 8.8.7.255), 8.8.8.0/24, then public space after it (10/8 is private).
        assert!(reps.contains(&Ipv4Addr::new(8, 8, 8, 0)));
        assert!(reps.iter().all(|r| is_public(u32::from(*r))));
        assert!(reps.len() >= 3);
        let inside = c.representatives(0x0A00_0000, 0x0AFF_FFFF, Some);
        assert_eq!(inside, vec![Ipv4Addr::new(10, 0, 0, 0)]);
    }
}
