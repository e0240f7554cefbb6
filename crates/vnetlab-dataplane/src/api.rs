//! The public API of the data plane: the contract between the engine and its consumers
//! (Network Watcher actions and `run-command` in `vnetlab-arm`, the verifier, the UI).
//!
//! Ids are ARM resource ids as stored (original casing); lookups by id are case-insensitive.
//! Every answer is data; how it is printed (ARM JSON, az tables, ping transcripts) is the
//! consumer's business.

use std::net::{IpAddr, Ipv4Addr};

/// Why a question cannot be answered (the consumer maps these to ARM errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// No such NIC / VM / resource in the estate.
    NotFound(String),
    /// The question is malformed (e.g. an address the NIC does not own, an IPv6 address).
    Invalid(String),
    /// The estate uses something the engine does not model yet (fail loudly).
    NotSupported(String),
}

/// Why ARM records could not be turned into an estate (corrupt or unexpected shapes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError(pub String);

// ---------------------------------------------------------------------------------------
// Ground state in: the typed estate.
// ---------------------------------------------------------------------------------------

/// The typed model of everything that matters for forwarding, built from ARM records.
/// (Fields are the engine's business; consumers only build and query it.)
#[derive(Debug, Clone, Default)]
pub struct Estate {
    #[doc(hidden)]
    pub inner: crate::api::EstateInner,
}

#[doc(hidden)]
#[derive(Debug, Clone, Default)]
pub struct EstateInner {
    // Filled in by the engine implementation (model module).
}

impl Estate {
    /// Builds the estate from ARM records in the ARM wire shape as `vnetlab-arm` stores and
    /// renders them (`{"id", "name", "type", "location", "properties": {…}}`), any order:
    /// virtual networks, subnets, peering links, NSGs (with `securityRules`/`defaultSecurityRules`
    /// records), route tables and routes, NICs and ipConfigurations, public IPs, VMs (with their
    /// power state), virtual network gateways, local network gateways, connections, private DNS
    /// zones, links and A records. Records of other types are ignored.
    pub fn from_records<I>(records: I) -> Result<Estate, ModelError>
    where
        I: IntoIterator<Item = serde_json::Value>,
    {
        let _ = records.into_iter().count();
        Err(ModelError("not implemented yet".into()))
    }

    /// The ARM types `from_records` reads (so a consumer loads only those).
    pub fn record_types() -> &'static [&'static str] {
        &[]
    }
}

// ---------------------------------------------------------------------------------------
// The compiled data plane.
// ---------------------------------------------------------------------------------------

/// The compiled forwarding and security program of an estate. Compile once per change,
/// query many times; `recompile` reuses everything a change did not touch.
#[derive(Debug, Clone)]
pub struct DataPlane {
    #[doc(hidden)]
    pub inner: (),
}

/// Transport protocol of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
}

/// One direction of a flow as seen from a NIC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Inbound,
    Outbound,
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    Allow,
    Deny,
}

/// A 5-tuple. For ICMP the ports are 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flow {
    pub protocol: Protocol,
    pub src: IpAddr,
    pub src_port: u16,
    pub dst: IpAddr,
    pub dst_port: u16,
}

/// `source` of an effective route (ARM `EffectiveRouteSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteSource {
    Default,
    User,
    VirtualNetworkGateway,
}

/// ARM's next hop types as effective routes show them (`VnetLocal`, `VNetPeering`,
/// `VNetGlobalPeering`, `VirtualAppliance`, `VirtualNetworkGateway`, `Internet`, `None`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextHopType {
    VnetLocal,
    VNetPeering,
    VNetGlobalPeering,
    VirtualAppliance,
    VirtualNetworkGateway,
    Internet,
    None,
}

impl NextHopType {
    /// The string effective routes use (`VNetPeering`, `VnetLocal`, …).
    pub fn as_effective_route_str(self) -> &'static str {
        match self {
            NextHopType::VnetLocal => "VnetLocal",
            NextHopType::VNetPeering => "VNetPeering",
            NextHopType::VNetGlobalPeering => "VNetGlobalPeering",
            NextHopType::VirtualAppliance => "VirtualAppliance",
            NextHopType::VirtualNetworkGateway => "VirtualNetworkGateway",
            NextHopType::Internet => "Internet",
            NextHopType::None => "None",
        }
    }

    /// The string Network Watcher's next hop uses (`VnetPeering` for both peering kinds,
    /// azure-semantics.md §7.2).
    pub fn as_next_hop_str(self) -> &'static str {
        match self {
            NextHopType::VNetPeering | NextHopType::VNetGlobalPeering => "VnetPeering",
            other => other.as_effective_route_str(),
        }
    }
}

/// One row of a NIC's effective route table (ARM `EffectiveRoute`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveRoute {
    /// The UDR's name for `User` routes.
    pub name: Option<String>,
    pub source: RouteSource,
    /// `Active`, or `Invalid` when it lost to an equal prefix of higher precedence.
    pub active: bool,
    pub address_prefixes: Vec<String>,
    pub next_hop_type: NextHopType,
    pub next_hop_ips: Vec<String>,
    pub disable_bgp_route_propagation: bool,
    /// The route table of a `User` route.
    pub route_table_id: Option<String>,
}

/// One rule of a NIC's effective security rules (ARM `EffectiveNetworkSecurityRule`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveRule {
    /// `securityRules/<n>` or `defaultSecurityRules/<n>`.
    pub name: String,
    /// `Tcp`, `Udp`, `Icmp`, `All` …
    pub protocol: String,
    pub source_port_ranges: Vec<String>,
    pub destination_port_ranges: Vec<String>,
    pub source_address_prefixes: Vec<String>,
    pub destination_address_prefixes: Vec<String>,
    /// Tags and ASGs expanded to prefixes from this NIC's point of view.
    pub expanded_source_address_prefixes: Vec<String>,
    pub expanded_destination_address_prefixes: Vec<String>,
    pub access: Access,
    pub priority: u32,
    pub direction: Direction,
}

/// Where an NSG applies to a NIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Association {
    Subnet(String),
    NetworkInterface(String),
}

/// The rules one NSG contributes to a NIC (ARM `EffectiveNetworkSecurityGroup`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveNsg {
    pub nsg_id: String,
    pub association: Association,
    pub rules: Vec<EffectiveRule>,
    /// Tag → prefixes as expanded for this NIC (`VirtualNetwork`, `Internet`, `AzureLoadBalancer`).
    pub tag_map: Vec<(String, Vec<String>)>,
}

/// IP flow verify's answer (ARM `VerificationIPFlowResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowVerdict {
    pub access: Access,
    /// `securityRules/<n>` / `defaultSecurityRules/<n>` of the deciding rule, if one matched.
    pub rule_name: Option<String>,
    pub nsg_id: Option<String>,
}

/// Next hop's answer (ARM `NextHopResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHop {
    pub next_hop_type: NextHopType,
    pub next_hop_ip: Option<String>,
    /// The route table of the UDR that decided, or `None` for a system route ("System Route").
    pub route_table_id: Option<String>,
}

/// Where a walk starts or ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A NIC (its primary IP configuration unless an address is given).
    Nic { nic_id: String },
    /// A VM (its primary NIC).
    Vm { vm_id: String },
    /// An address anywhere: in a VNet, on-premises behind a local network gateway, or on the Internet.
    Address(IpAddr),
}

/// What kind of place a hop is (ARM `ConnectivityHop.type` vocabulary where one exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopKind {
    Source,
    VnetLocal,
    VirtualAppliance,
    VirtualNetworkGateway,
    OnPremises,
    Internet,
    Destination,
}

/// One decision made on the way, with the resource that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An NSG rule matched (`nsg_id`, `rule_name` as `securityRules/<n>`…).
    SecurityRule { nsg_id: String, rule_name: String, direction: Direction, access: Access },
    /// A route was selected in a subnet's effective table.
    Route { subnet_id: String, prefix: String, next_hop_type: NextHopType, next_hop_ip: Option<String>, source: RouteSource, route_table_id: Option<String> },
    /// A peering link was crossed (or refused: `allowed = false` with the flag that refused).
    Peering { link_id: String, allowed: bool, reason: String },
    /// IP forwarding on an NVA NIC (required to forward traffic not addressed to it).
    IpForwarding { nic_id: String, enabled: bool },
    /// The packet reached an address with no NIC, no gateway prefix, nothing to deliver to.
    NoDestination { address: String },
    /// The return path of a stateful flow (routes of the reverse direction).
    Return { description: String },
    /// Anything else worth printing, e.g. gateway transit in use.
    Note(String),
}

/// One hop of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub kind: HopKind,
    /// The ipConfiguration id, gateway id, or `Internet` / `Unknown`.
    pub resource_id: String,
    pub address: Option<IpAddr>,
    pub decisions: Vec<Decision>,
}

/// Why a packet did not arrive: each independent blocker with the change that would lift it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// `NetworkSecurityRule`, `UserDefinedRoute`, `NoRoute`, `PeeringState`, `PeeringFlag`,
    /// `IpForwarding`, `ReturnRoute`, `DnsResolution`, … (ConnectivityIssue `type` where one exists).
    pub kind: String,
    pub resource_id: String,
    pub explanation: String,
    pub fix: String,
}

/// The outcome of a walk.
#[derive(Debug, Clone, PartialEq)]
pub struct Walk {
    pub flow: Flow,
    pub delivered: bool,
    /// The forward path, source first.
    pub hops: Vec<Hop>,
    /// The return path of the reply (empty if the forward path failed).
    pub return_hops: Vec<Hop>,
    /// Every blocker found (not only the first), empty when delivered.
    pub blockers: Vec<Blocker>,
    /// Round-trip time in milliseconds along the path (regions crossed), when delivered.
    pub rtt_ms: Option<f64>,
    /// For TCP/UDP flows delivered to a VM: whether a service listens on the destination port
    /// (sshd on 22 by default; more declared with a VM tag). `false` means the network let the
    /// packet through but the host refuses the connection (RST / ICMP port unreachable).
    pub service_listening: Option<bool>,
}

/// A DNS answer as a resolver on a NIC sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsAnswer {
    /// Resolved; which server answered (168.63.129.16 or a custom server) and the addresses.
    Found { server: IpAddr, fqdn: String, addresses: Vec<Ipv4Addr> },
    /// NXDOMAIN.
    NotFound { server: IpAddr },
    /// The configured custom DNS servers are not emulated/reachable.
    NoServer { server: IpAddr },
}

impl DataPlane {
    /// Compiles the whole estate.
    pub fn compile(estate: &Estate) -> DataPlane {
        let _ = estate;
        DataPlane { inner: () }
    }

    /// The NIC's effective route table (its subnet's, in Azure's order).
    pub fn effective_routes(&self, nic_id: &str) -> Result<Vec<EffectiveRoute>, QueryError> {
        Err(QueryError::NotSupported(format!("effective routes of {nic_id}")))
    }

    /// The NIC's effective security groups (subnet NSG and NIC NSG).
    pub fn effective_security_groups(&self, nic_id: &str) -> Result<Vec<EffectiveNsg>, QueryError> {
        Err(QueryError::NotSupported(format!("effective NSGs of {nic_id}")))
    }

    /// IP flow verify: the NSG verdict for one flow at one NIC (`local` is the NIC's side).
    pub fn ip_flow_verify(&self, nic_id: &str, direction: Direction, flow: Flow) -> Result<FlowVerdict, QueryError> {
        let _ = (direction, flow);
        Err(QueryError::NotSupported(format!("IP flow verify on {nic_id}")))
    }

    /// Next hop from a NIC towards a destination.
    pub fn next_hop(&self, nic_id: &str, source: IpAddr, destination: IpAddr) -> Result<NextHop, QueryError> {
        let _ = (source, destination);
        Err(QueryError::NotSupported(format!("next hop from {nic_id}")))
    }

    /// Walks a flow from `from` to its destination and back.
    pub fn walk(&self, from: &Endpoint, flow: Flow) -> Result<Walk, QueryError> {
        let _ = (from, flow);
        Err(QueryError::NotSupported("packet walks".into()))
    }

    /// Resolves a name as a VM on this NIC would (Azure DNS scoped to its VNet, linked
    /// private zones, custom DNS servers).
    pub fn resolve(&self, nic_id: &str, name: &str) -> Result<DnsAnswer, QueryError> {
        let _ = name;
        Err(QueryError::NotSupported(format!("DNS from {nic_id}")))
    }

    /// Azure's published round-trip latency between two regions, in milliseconds
    /// (intra-region when equal).
    pub fn region_rtt_ms(region_a: &str, region_b: &str) -> Option<f64> {
        let _ = (region_a, region_b);
        None
    }
}
