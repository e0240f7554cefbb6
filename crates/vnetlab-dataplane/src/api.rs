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
    pub(crate) model: std::sync::Arc<crate::model::Model>,
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
        let model = crate::parse::parse(records)?;
        Ok(Estate {
            inner: EstateInner {
                model: std::sync::Arc::new(model),
            },
        })
    }

    /// The ARM types `from_records` reads (so a consumer loads only those).
    pub fn record_types() -> &'static [&'static str] {
        crate::parse::RECORD_TYPES
    }

    /// Counts of what the estate holds (for benchmarks and diagnostics).
    pub fn stats(&self) -> EstateStats {
        let m = &self.inner.model;
        EstateStats {
            vnets: m.vnets.len(),
            subnets: m.subnets.len(),
            peering_links: m.links.len(),
            nics: m.nics.len(),
            vms: m.vms.len(),
            nsgs: m.nsgs.len(),
            security_rules: m
                .nsgs
                .iter()
                .map(|n| n.rules.iter().filter(|r| !r.is_default).count())
                .sum(),
            route_tables: m.route_tables.len(),
            routes: m.route_tables.iter().map(|t| t.routes.len()).sum(),
        }
    }

    /// The NIC ids, in the estate's order.
    pub fn nic_ids(&self) -> Vec<String> {
        self.inner.model.nics.iter().map(|n| n.id.clone()).collect()
    }
}

/// What an estate holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EstateStats {
    pub vnets: usize,
    pub subnets: usize,
    pub peering_links: usize,
    pub nics: usize,
    pub vms: usize,
    pub nsgs: usize,
    /// Custom rules (default rules not counted).
    pub security_rules: usize,
    pub route_tables: usize,
    pub routes: usize,
}

// ---------------------------------------------------------------------------------------
// The compiled data plane.
// ---------------------------------------------------------------------------------------

/// The compiled forwarding and security program of an estate. Compile once per change,
/// query many times; `recompile` reuses everything a change did not touch.
#[derive(Clone)]
pub struct DataPlane {
    pub(crate) inner: std::sync::Arc<crate::compile::Plane>,
}

impl std::fmt::Debug for DataPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataPlane")
            .field("subnets", &self.inner.subnets.len())
            .field("nsgs", &self.inner.nsgs.len())
            .field("nics", &self.inner.nics.len())
            .field("generation", &self.inner.generation)
            .finish()
    }
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
    SecurityRule {
        nsg_id: String,
        rule_name: String,
        direction: Direction,
        access: Access,
    },
    /// A route was selected in a subnet's effective table.
    Route {
        subnet_id: String,
        prefix: String,
        next_hop_type: NextHopType,
        next_hop_ip: Option<String>,
        source: RouteSource,
        route_table_id: Option<String>,
    },
    /// A peering link was crossed (or refused: `allowed = false` with the flag that refused).
    Peering {
        link_id: String,
        allowed: bool,
        reason: String,
    },
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
    /// The flow as walked (source filled in, ICMP ports zeroed).
    pub flow: Flow,
    /// The request reached its destination and the reply came back: no blocker at all.
    pub delivered: bool,
    /// The forward path, source first.
    pub hops: Vec<Hop>,
    /// The return path of the reply (empty if the forward path failed).
    pub return_hops: Vec<Hop>,
    /// Every blocker found (not only the first), empty when delivered.
    pub blockers: Vec<Blocker>,
    /// Round-trip time in milliseconds along the path (regions crossed), when delivered.
    pub rtt_ms: Option<f64>,
    /// Things that do not stop this flow but are worth saying (asymmetric routing through a
    /// stateful appliance, a `VirtualNetwork` tag widened by a `0.0.0.0/0` UDR, an unreadable
    /// `vnetlab-listen` tag). Same shape as blockers.
    pub warnings: Vec<Blocker>,
    /// For TCP/UDP flows delivered to a VM: whether a service listens on the destination port
    /// (sshd on 22 by default; more declared with a VM tag). `false` means the network let the
    /// packet through but the host refuses the connection (RST / ICMP port unreachable).
    pub service_listening: Option<bool>,
}

/// A DNS answer as a resolver on a NIC sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsAnswer {
    /// Resolved; which server answered (168.63.129.16 or a custom server) and the addresses.
    Found {
        server: IpAddr,
        fqdn: String,
        addresses: Vec<Ipv4Addr>,
    },
    /// NXDOMAIN.
    NotFound { server: IpAddr },
    /// The configured custom DNS servers are not emulated/reachable.
    NoServer { server: IpAddr },
}

impl DataPlane {
    /// Compiles the whole estate.
    pub fn compile(estate: &Estate) -> DataPlane {
        DataPlane {
            inner: std::sync::Arc::new(crate::compile::Plane::compile(estate.inner.model.clone())),
        }
    }

    /// Recompiles after a change: `estate` is the whole estate after the change, `changed_ids`
    /// the ARM ids written or deleted (any casing; children or their parents). Compiled route
    /// tables and NSG layers the change cannot affect are reused; an id of a type whose reach is
    /// not known triggers a full compile. Handles and flow caches of the old plane are invalidated.
    pub fn recompile(&mut self, estate: &Estate, changed_ids: &[String]) {
        let next = self
            .inner
            .recompile(estate.inner.model.clone(), changed_ids);
        self.inner = std::sync::Arc::new(next);
    }

    /// A handle on a NIC for the fast path ([`DataPlane::fast_verdict`]).
    pub fn nic_handle(&self, nic_id: &str) -> Option<crate::queries::NicHandle> {
        match self.inner.model.get(nic_id) {
            Some(crate::model::Ref::Nic(n)) => Some(crate::queries::NicHandle(n)),
            _ => None,
        }
    }

    /// The fast-path verdict for an IPv4 packet leaving a NIC (see [`crate::FastVerdict`]).
    #[inline]
    pub fn fast_verdict(
        &self,
        nic: crate::queries::NicHandle,
        protocol: Protocol,
        src: Ipv4Addr,
        src_port: u16,
        dst: Ipv4Addr,
        dst_port: u16,
    ) -> crate::queries::FastVerdict {
        crate::queries::fast_verdict(
            &self.inner,
            nic,
            protocol,
            u32::from(src),
            src_port,
            u32::from(dst),
            dst_port,
        )
    }

    /// [`DataPlane::fast_verdict`] through a flow cache.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn cached_verdict(
        &self,
        cache: &mut crate::queries::FlowCache,
        nic: crate::queries::NicHandle,
        protocol: Protocol,
        src: Ipv4Addr,
        src_port: u16,
        dst: Ipv4Addr,
        dst_port: u16,
    ) -> crate::queries::FastVerdict {
        crate::queries::cached_verdict(
            &self.inner,
            cache,
            nic,
            protocol,
            u32::from(src),
            src_port,
            u32::from(dst),
            dst_port,
        )
    }

    /// The bare longest-prefix-match lookup of a NIC's subnet table: the index of the selected
    /// row of [`DataPlane::effective_routes`] (benchmarks compare verdicts against it).
    #[inline]
    pub fn lpm_lookup(&self, nic: crate::queries::NicHandle, dst: Ipv4Addr) -> Option<u32> {
        let (_, sp) = crate::queries::source(&self.inner, nic)?;
        sp.lpm.lookup(u32::from(dst))
    }

    /// [`DataPlane::fast_verdict`] for each flow of a burst, into `out` (flow `i`'s answer in
    /// `out[i]`; only as many flows as `out` holds): the same answers, computed
    /// [`LANES`](crate::LANES) flows at a time with their route searches in lockstep and each
    /// step done for all of them before the next, so that their memory accesses overlap — how
    /// a data plane processes a burst of packets.
    pub fn fast_verdicts(
        &self,
        flows: &[crate::queries::FastFlow],
        out: &mut [crate::queries::FastVerdict],
    ) {
        crate::queries::fast_verdicts(&self.inner, flows, out);
    }

    /// [`DataPlane::lpm_lookup`] for a burst of (NIC, destination) pairs, into `out` (only as
    /// many as `out` holds), with the searches in lockstep as [`DataPlane::fast_verdicts`]
    /// does: the like-for-like baseline of a burst of verdicts.
    pub fn lpm_lookups(
        &self,
        queries: &[(crate::queries::NicHandle, Ipv4Addr)],
        out: &mut [Option<u32>],
    ) {
        use crate::lpm::{upper_bounds, LANES};
        for (burst, out) in queries.chunks(LANES).zip(out.chunks_mut(LANES)) {
            let tables: [Option<&crate::lpm::Lpm>; LANES] = std::array::from_fn(|i| {
                let (_, sp) = crate::queries::source(&self.inner, burst.get(i)?.0)?;
                Some(&sp.lpm)
            });
            let keys = tables.map(|t| t.map_or(&[][..], |t| t.starts()));
            let xs = std::array::from_fn(|i| burst.get(i).map_or(0, |q| u32::from(q.1)));
            let upper = upper_bounds(&keys, &xs, burst.len());
            for (i, o) in out.iter_mut().enumerate() {
                *o = tables[i].and_then(|t| t.hit_before(upper[i]));
            }
        }
    }

    /// The NIC's primary private address.
    pub fn nic_address(&self, nic: crate::queries::NicHandle) -> Option<Ipv4Addr> {
        let f = self.inner.nics.get(nic.0 as usize)?;
        (f.ip != 0).then(|| Ipv4Addr::from(f.ip))
    }

    /// Number of NICs in the compiled estate (handles are `0..nic_count`).
    pub fn nic_count(&self) -> usize {
        self.inner.nics.len()
    }

    /// The handle of the i-th NIC.
    pub fn nic_handle_at(&self, i: usize) -> Option<crate::queries::NicHandle> {
        (i < self.inner.nics.len()).then_some(crate::queries::NicHandle(i as u32))
    }

    /// The NIC's effective route table (its subnet's, in Azure's order).
    pub fn effective_routes(&self, nic_id: &str) -> Result<Vec<EffectiveRoute>, QueryError> {
        crate::queries::effective_routes(&self.inner, nic_id)
    }

    /// The NIC's effective security groups (subnet NSG and NIC NSG).
    pub fn effective_security_groups(&self, nic_id: &str) -> Result<Vec<EffectiveNsg>, QueryError> {
        crate::queries::effective_security_groups(&self.inner, nic_id)
    }

    /// IP flow verify: the NSG verdict for one flow at one NIC (`local` is the NIC's side).
    pub fn ip_flow_verify(
        &self,
        nic_id: &str,
        direction: Direction,
        flow: Flow,
    ) -> Result<FlowVerdict, QueryError> {
        crate::queries::ip_flow_verify(&self.inner, nic_id, direction, flow)
    }

    /// Next hop from a NIC towards a destination.
    pub fn next_hop(
        &self,
        nic_id: &str,
        source: IpAddr,
        destination: IpAddr,
    ) -> Result<NextHop, QueryError> {
        crate::queries::next_hop(&self.inner, nic_id, source, destination)
    }

    /// Walks a flow from `from` to its destination and back. A source of `0.0.0.0` means the
    /// start's own address (the NIC's primary IP, or the `Endpoint::Address`). ICMP ports are
    /// ignored (0).
    pub fn walk(&self, from: &Endpoint, flow: Flow) -> Result<Walk, QueryError> {
        crate::journey::walk(&self.inner, from, flow)
    }

    /// The inbound NSG blockers a flow would meet on arriving at network interface `nic_id`:
    /// for a walk that stopped at a dead end before it, so that every blocker on the intended
    /// path can be listed (Network Watcher, like [`DataPlane::walk`], stops at the first).
    pub fn arrival_blockers(
        &self,
        from: &Endpoint,
        flow: Flow,
        nic_id: &str,
    ) -> Result<Vec<Blocker>, QueryError> {
        crate::journey::arrival_blockers(&self.inner, from, flow, nic_id)
    }

    /// Resolves a name as a VM on this NIC would (Azure DNS scoped to its VNet, linked
    /// private zones, custom DNS servers).
    pub fn resolve(&self, nic_id: &str, name: &str) -> Result<DnsAnswer, QueryError> {
        crate::dns::resolve(&self.inner, nic_id, name)
    }

    /// Azure's published round-trip latency between two regions, in milliseconds
    /// (intra-region when equal).
    pub fn region_rtt_ms(region_a: &str, region_b: &str) -> Option<f64> {
        crate::latency::published_rtt(region_a, region_b)
    }

    /// [`DataPlane::region_rtt_ms`], else an estimate through a third region of the table, else
    /// a fixed 150 ms (what walks use for pairs Microsoft does not publish).
    pub fn estimated_region_rtt_ms(region_a: &str, region_b: &str) -> f64 {
        crate::latency::estimated_rtt(region_a, region_b)
    }
}
