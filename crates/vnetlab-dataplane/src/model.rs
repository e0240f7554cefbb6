//! The typed estate: everything that matters for forwarding, with references resolved to
//! indices. Built by `parse.rs` from ARM records; read by every other module. Ids keep their
//! original casing; the index is keyed by the lower-cased id.

use crate::api::NextHopType;
use crate::prefix::Pfx;
use ipnet::IpNet;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

pub type Ix = u32;

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub vnets: Vec<Vnet>,
    pub subnets: Vec<Subnet>,
    pub links: Vec<Link>,
    pub nsgs: Vec<Nsg>,
    pub route_tables: Vec<RouteTable>,
    pub nics: Vec<Nic>,
    pub ipconfigs: Vec<IpConfig>,
    pub vms: Vec<Vm>,
    pub gateways: Vec<Gateway>,
    pub lngs: Vec<Lng>,
    pub conns: Vec<Conn>,
    pub zones: Vec<Zone>,
    pub public_ips: Vec<PublicIp>,
    /// Lower-cased id → what it is.
    pub index: HashMap<String, Ref>,
    /// Lower-cased ASG id → member ipConfigurations.
    pub asg_members: HashMap<String, Vec<Ix>>,
}

/// What an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Vnet(Ix),
    Subnet(Ix),
    Link(Ix),
    Nsg(Ix),
    /// A custom or default rule of an NSG (NSG index).
    Rule(Ix),
    RouteTable(Ix),
    /// A route of a route table (table index).
    Route(Ix),
    Nic(Ix),
    IpConfig(Ix),
    Vm(Ix),
    Gateway(Ix),
    Lng(Ix),
    Conn(Ix),
    Zone(Ix),
    PublicIp(Ix),
    Asg,
}

#[derive(Debug, Clone)]
pub struct Vnet {
    pub id: String,
    pub name: String,
    pub location: String,
    pub guid: String,
    pub space: Vec<IpNet>,
    pub space4: Vec<Pfx>,
    pub dns_servers: Vec<IpAddr>,
    pub subnets: Vec<Ix>,
    pub links: Vec<Ix>,
    /// The VPN gateway in this VNet, if any.
    pub gateway: Option<Ix>,
}

#[derive(Debug, Clone)]
pub struct Subnet {
    pub id: String,
    pub name: String,
    pub vnet: Ix,
    pub prefixes4: Vec<Pfx>,
    pub nsg: Option<Ix>,
    pub route_table: Option<Ix>,
    /// `defaultOutboundAccess` (absent = true).
    pub default_outbound: bool,
    pub ipconfigs: Vec<Ix>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeeringState {
    Initiated,
    Connected,
    Disconnected,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub id: String,
    pub name: String,
    pub vnet: Ix,
    pub remote_id: String,
    pub remote: Option<Ix>,
    pub state: PeeringState,
    pub allow_vnet_access: bool,
    pub allow_forwarded: bool,
    pub allow_transit: bool,
    pub use_remote_gateways: bool,
    /// `remoteAddressSpace`: the space actually peered (snapshot).
    pub remote_space: Vec<Pfx>,
    pub complete: bool,
    pub local_subnet_names: Vec<String>,
    pub remote_subnet_names: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleProto {
    Any,
    Tcp,
    Udp,
    Icmp,
    /// Esp, Ah: never match the flows the engine models.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    VirtualNetwork,
    Internet,
    AzureLoadBalancer,
}

/// One entry of a rule's source or destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddrItem {
    Any,
    Net(Pfx),
    Tag(Tag),
    /// An ASG (lower-cased id).
    Asg(String),
    /// A service tag the engine has no prefixes for, or an IPv6 prefix: matches nothing.
    Unmodelled(String),
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub is_default: bool,
    pub priority: u32,
    pub inbound: bool,
    pub allow: bool,
    pub proto: RuleProto,
    pub proto_raw: String,
    pub src_ports: Vec<(u16, u16)>,
    pub dst_ports: Vec<(u16, u16)>,
    pub src: Vec<AddrItem>,
    pub dst: Vec<AddrItem>,
    /// As written (prefix strings, tags; ASG ids).
    pub src_raw: Vec<String>,
    pub dst_raw: Vec<String>,
}

impl Rule {
    /// `securityRules/<n>` or `defaultSecurityRules/<n>`.
    pub fn qualified_name(&self) -> String {
        if self.is_default {
            format!("defaultSecurityRules/{}", self.name)
        } else {
            format!("securityRules/{}", self.name)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Nsg {
    pub id: String,
    pub name: String,
    /// Custom and default rules, sorted by priority (custom ≤ 4096 < defaults).
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
pub enum UdrPrefix {
    Net(Pfx),
    /// A service tag or IPv6 prefix: listed, never matched.
    Unmodelled(String),
}

#[derive(Debug, Clone)]
pub struct Udr {
    pub id: String,
    pub name: String,
    pub prefix: UdrPrefix,
    pub next_hop: NextHopType,
    pub next_hop_ip: Option<Ipv4Addr>,
    pub has_bgp_override: bool,
}

#[derive(Debug, Clone)]
pub struct RouteTable {
    pub id: String,
    pub disable_bgp: bool,
    pub routes: Vec<Udr>,
    pub subnets: Vec<Ix>,
}

#[derive(Debug, Clone)]
pub struct Nic {
    pub id: String,
    pub name: String,
    pub ip_forwarding: bool,
    pub nsg: Option<Ix>,
    /// Primary first.
    pub ipconfigs: Vec<Ix>,
    pub vm: Option<Ix>,
    pub dns_servers: Vec<IpAddr>,
}

#[derive(Debug, Clone)]
pub struct IpConfig {
    pub id: String,
    pub nic: Ix,
    pub ip: Option<Ipv4Addr>,
    pub subnet: Option<Ix>,
    pub public_ip: Option<Ix>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Windows,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    Running,
    Stopped,
    Deallocated,
    /// Starting, stopping, unknown…: treated as not answering.
    Other,
}

/// A listening service: protocol and inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    pub proto: RuleProto,
    pub ports: (u16, u16),
}

#[derive(Debug, Clone)]
pub struct Vm {
    pub id: String,
    pub name: String,
    pub computer_name: String,
    pub os: Os,
    pub power: Power,
    /// Primary first.
    pub nics: Vec<Ix>,
    /// Declared with the `vnetlab-listen` tag (in addition to the OS default).
    pub listen: Vec<Listen>,
    /// The tag also declared `icmp` (Windows answers ping only then).
    pub listen_icmp: bool,
    /// The tag value could not be read in full (reported by walks).
    pub listen_error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub id: String,
    pub name: String,
    pub location: String,
    pub vnet: Option<Ix>,
    pub bgp: bool,
    /// Private addresses of the gateway instances (the next hop of its routes).
    pub ips: Vec<Ipv4Addr>,
}

#[derive(Debug, Clone)]
pub struct Lng {
    pub id: String,
    pub prefixes: Vec<Pfx>,
    pub bgp_peer: Option<Ipv4Addr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnKind {
    IPsec,
    Vnet2Vnet,
    Other,
}

#[derive(Debug, Clone)]
pub struct Conn {
    pub id: String,
    pub kind: ConnKind,
    pub gw1: Option<Ix>,
    pub gw2: Option<Ix>,
    pub lng: Option<Ix>,
    pub connected: bool,
    pub bgp: bool,
}

#[derive(Debug, Clone)]
pub struct ZoneLink {
    pub vnet: Option<Ix>,
    pub registration: bool,
}

#[derive(Debug, Clone)]
pub struct Zone {
    /// Lower-cased, no trailing dot.
    pub name: String,
    pub links: Vec<ZoneLink>,
    /// Record-set name (lower-cased, `@` for the apex) → addresses.
    pub records: Vec<(String, Vec<Ipv4Addr>)>,
}

#[derive(Debug, Clone)]
pub struct PublicIp {
    pub id: String,
    pub address: Option<Ipv4Addr>,
    pub standard: bool,
    pub ipconfig: Option<Ix>,
}

impl Model {
    pub fn get(&self, id: &str) -> Option<Ref> {
        self.index.get(&id.to_ascii_lowercase()).copied()
    }

    pub fn vnet_of_ipconfig(&self, c: Ix) -> Option<Ix> {
        let s = self.ipconfigs.get(c as usize)?.subnet?;
        Some(self.subnets.get(s as usize)?.vnet)
    }

    /// The link on `vnet` pointing at `remote`.
    pub fn link_between(&self, vnet: Ix, remote: Ix) -> Option<Ix> {
        self.vnets
            .get(vnet as usize)?
            .links
            .iter()
            .copied()
            .find(|&l| self.links[l as usize].remote == Some(remote))
    }

    /// The gateway a VNet's subnets route through: its own, else the hub's it uses with
    /// `useRemoteGateways` (Connected, and the hub's link allows gateway transit), with the
    /// spoke's link used.
    pub fn effective_gateway(&self, vnet: Ix) -> Option<(Ix, Option<Ix>)> {
        let v = self.vnets.get(vnet as usize)?;
        if let Some(g) = v.gateway {
            return Some((g, None));
        }
        for &l in &v.links {
            let link = &self.links[l as usize];
            if !link.use_remote_gateways || link.state != PeeringState::Connected {
                continue;
            }
            let Some(hub) = link.remote else { continue };
            let Some(g) = self.vnets[hub as usize].gateway else {
                continue;
            };
            let transit = self
                .link_between(hub, vnet)
                .is_some_and(|b| self.links[b as usize].allow_transit);
            if transit {
                return Some((g, Some(l)));
            }
        }
        None
    }

    /// The subnet of `vnet` whose prefixes hold `ip`.
    pub fn subnet_in_vnet(&self, vnet: Ix, ip: Ipv4Addr) -> Option<Ix> {
        let v = self.vnets.get(vnet as usize)?;
        v.subnets.iter().copied().find(|&s| {
            self.subnets[s as usize]
                .prefixes4
                .iter()
                .any(|p| p.contains_ip(u32::from(ip)))
        })
    }

    /// The subnet of a gateway's VNet named `GatewaySubnet`.
    pub fn gateway_subnet(&self, gw: Ix) -> Option<Ix> {
        let v = self.gateways.get(gw as usize)?.vnet?;
        self.vnets[v as usize]
            .subnets
            .iter()
            .copied()
            .find(|&s| {
                self.subnets[s as usize]
                    .name
                    .eq_ignore_ascii_case("GatewaySubnet")
            })
            .or_else(|| self.vnets[v as usize].subnets.first().copied())
    }

    pub fn vnet_contains(&self, vnet: Ix, ip: u32) -> bool {
        self.vnets
            .get(vnet as usize)
            .is_some_and(|v| v.space4.iter().any(|p| p.contains_ip(ip)))
    }
}

/// The resource group named in an ARM id (for fix commands).
pub fn resource_group(id: &str) -> &str {
    let parts: Vec<&str> = id.split('/').collect();
    parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| parts.get(i + 1))
        .copied()
        .unwrap_or("")
}

/// The last segment of an id.
pub fn last_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}
