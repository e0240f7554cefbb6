//! Network Watcher's diagnostics: `POST …/networkWatchers/{nw}/ipFlowVerify`, `nextHop` and
//! `connectivityCheck` (azure-semantics.md §7; az-cli-surface.md §17), answered from the
//! compiled data plane instead of a VM agent.
//!
//! Request and response shapes are ARM's `VerificationIPFlowParameters`/`Result`,
//! `NextHopParameters`/`Result` (`routeTableId` is `"System Route"` for system routes) and
//! `ConnectivityParameters`/`ConnectivityInformation` (hops with issues such as
//! `NetworkSecurityRule` with `RuleName` or `UserDefinedRoute` with `RouteType`,
//! `connectionStatus` `Reachable`/`Unreachable`, latency and probe counts). Azure's validation
//! codes for these bodies are not documented; the ones used here are marked [UNCONFIRMED].
//!
//! Connection troubleshoot reports every blocker the walk found, not only the first: where
//! Azure has an issue type (`NetworkSecurityRule`, `UserDefinedRoute`, `DnsResolution`) it is
//! used with Azure's context keys; the engine's other blockers (`PeeringFlag`,
//! `IpForwarding`, `NoRoute`, …) are reported with their own type and `Explanation`/`Fix`
//! context — a vnetlab extension (docs/fidelity.md).

use super::{
    body_object, compile, optional_str, power_state, query_error, required_str, vm_not_running,
};
use crate::cx::{not_found, Cx, Rx};
use crate::error::{ArmError, ArmResult};
use crate::id::{key_of, ResourceId};
use crate::request::ArmResponse;
use crate::resources::{network_interface, type_error, virtual_machine};
use serde_json::{json, Map, Value};
use std::net::IpAddr;
use vnetlab_dataplane::{
    Access, DataPlane, Decision, Direction, DnsAnswer, Endpoint, Flow, FlowVerdict, Hop, HopKind,
    NextHop, Protocol, QueryError, RouteSource, Walk,
};

/// The network watcher kind's POST actions.
pub fn watcher_action(
    cx: &mut Cx,
    id: &ResourceId,
    stored: &Value,
    action: &str,
    body: &Value,
) -> ArmResult<ArmResponse> {
    let rx = cx.rx();
    let watcher = WatcherCtx {
        id: stored
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| id.to_string()),
        location: stored
            .get("location")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    };
    match action.to_ascii_lowercase().as_str() {
        "ipflowverify" => ip_flow_verify(&rx, &watcher, body),
        "nexthop" => next_hop(&rx, &watcher, body),
        "connectivitycheck" => connectivity_check(&rx, &watcher, body),
        _ => Err(ArmError::not_supported(format!(
            "The Network Watcher action '{action}'"
        ))),
    }
}

struct WatcherCtx {
    id: String,
    location: String,
}

/// The VM (and NIC) a diagnostic targets, after Azure's checks.
struct Target {
    nic_id: String,
}

/// [UNCONFIRMED code/text]
fn invalid(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

/// `targetResourceId` (a VM of the watcher's region, running) and `targetNicResourceId`
/// (one of its NICs; required when it has several and IP forwarding is on any of them).
fn resolve_vm(
    rx: &Rx,
    watcher: &WatcherCtx,
    raw: &str,
    operation: &str,
) -> ArmResult<(String, Value)> {
    let rid = ResourceId::parse(raw)
        .ok()
        .filter(|r| r.full_type().eq_ignore_ascii_case(virtual_machine::VM_TYPE));
    let Some(rid) = rid else {
        return Err(invalid(
            "InvalidTargetResourceId",
            format!("Target resource id '{raw}' is invalid. Only virtual machines are supported as targets."),
        ));
    };
    let vm = rx.get(&rid)?.ok_or_else(|| not_found(&rid))?;
    let vm_id = vm
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or(raw)
        .to_string();
    let vm_location = vm.get("location").and_then(Value::as_str).unwrap_or("");
    if !vm_location.eq_ignore_ascii_case(&watcher.location) {
        return Err(invalid(
            "TargetResourceNotInWatcherRegion",
            format!(
                "Target resource '{vm_id}' is in region '{vm_location}', but network watcher '{}' is in region '{}'.",
                watcher.id, watcher.location
            ),
        ));
    }
    let state = power_state(&vm);
    if state != "running" {
        return Err(vm_not_running(&vm_id, state, operation));
    }
    Ok((vm_id, vm))
}

fn target(
    rx: &Rx,
    watcher: &WatcherCtx,
    body: &Map<String, Value>,
    operation: &str,
) -> ArmResult<Target> {
    let raw_vm = required_str(body, "targetResourceId", "targetResourceId")?;
    let (vm_id, vm) = resolve_vm(rx, watcher, raw_vm, operation)?;
    let nics = virtual_machine::nic_ids(&vm);
    let nic_id = match optional_str(body, "targetNicResourceId", "targetNicResourceId")? {
        Some(raw) => nics
            .iter()
            .find(|n| key_of(n) == key_of(raw))
            .cloned()
            .ok_or_else(|| {
                invalid(
                    "InvalidTargetNicResourceId",
                    format!(
                        "Network interface '{raw}' is not attached to virtual machine '{vm_id}'."
                    ),
                )
            })?,
        None => {
            if nics.len() > 1 {
                let mut forwarding = false;
                for n in &nics {
                    let rec = rx.get_key(n)?;
                    forwarding |= rec
                        .as_ref()
                        .and_then(|r| r.pointer("/properties/enableIPForwarding"))
                        .and_then(Value::as_bool)
                        == Some(true);
                }
                if forwarding {
                    return Err(invalid(
                        "TargetNicResourceIdRequired",
                        format!("Virtual machine '{vm_id}' has several network interfaces and IP forwarding is enabled on one of them: targetNicResourceId is required."),
                    ));
                }
            }
            virtual_machine::primary_nic(&vm).ok_or_else(|| {
                ArmError::internal(format!("virtual machine {vm_id} has no network interface"))
            })?
        }
    };
    Ok(Target { nic_id })
}

/// The primary private address of a NIC (its primary IP configuration).
fn nic_primary_ip(rx: &Rx, nic_id: &str) -> ArmResult<Option<IpAddr>> {
    let Ok(rid) = ResourceId::parse(nic_id) else {
        return Ok(None);
    };
    let cfgs = network_interface::ip_configurations(rx, &rid)?;
    let primary = cfgs
        .iter()
        .find(|c| c.pointer("/properties/primary").and_then(Value::as_bool) == Some(true))
        .or(cfgs.first());
    Ok(primary
        .and_then(|c| c.pointer("/properties/privateIPAddress"))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok()))
}

/// [UNCONFIRMED code/text] An IPv4 address property.
fn ipv4(body: &Map<String, Value>, key: &str) -> ArmResult<IpAddr> {
    let raw = required_str(body, key, key)?;
    match raw.trim().parse::<IpAddr>() {
        Ok(ip @ IpAddr::V4(_)) => Ok(ip),
        Ok(IpAddr::V6(_)) => Err(ArmError::not_supported(format!(
            "The IPv6 address '{raw}' in '{key}'"
        ))),
        Err(_) => Err(invalid(
            "InvalidIPAddress",
            format!("The value '{raw}' of '{key}' is not a valid IPv4 address."),
        )),
    }
}

/// [UNCONFIRMED code/text] A port: a string (or number) with one port 0–65535, or `*`
/// (evaluated as port 0, "any").
fn port(body: &Map<String, Value>, key: &str) -> ArmResult<u16> {
    let raw = match body.get(key) {
        None | Some(Value::Null) => return Err(super::missing_property(key)),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(type_error(key, "String")),
    };
    if raw == "*" {
        return Ok(0);
    }
    raw.parse::<u16>().map_err(|_| {
        invalid(
            "InvalidPort",
            format!("The value '{raw}' of '{key}' is not a valid port. A port is '*' or a number between 0 and 65535."),
        )
    })
}

fn watcher_invalid(why: String) -> ArmError {
    invalid("InvalidParameter", why)
}

// ---------------------------------------------------------------------------------------
// ipFlowVerify

fn ip_flow_verify(rx: &Rx, watcher: &WatcherCtx, body: &Value) -> ArmResult<ArmResponse> {
    let b = body_object(body)?;
    let direction = match required_str(&b, "direction", "direction")?
        .to_ascii_lowercase()
        .as_str()
    {
        "inbound" => Direction::Inbound,
        "outbound" => Direction::Outbound,
        _ => return Err(type_error("direction", "Direction")),
    };
    let protocol = match required_str(&b, "protocol", "protocol")?
        .to_ascii_lowercase()
        .as_str()
    {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        _ => return Err(type_error("protocol", "IpFlowProtocol")),
    };
    let local_port = port(&b, "localPort")?;
    let remote_port = port(&b, "remotePort")?;
    let local_ip = ipv4(&b, "localIPAddress")?;
    let remote_ip = ipv4(&b, "remoteIPAddress")?;
    let t = target(rx, watcher, &b, "IP flow verify")?;
    let flow = match direction {
        Direction::Inbound => Flow {
            protocol,
            src: remote_ip,
            src_port: remote_port,
            dst: local_ip,
            dst_port: local_port,
        },
        Direction::Outbound => Flow {
            protocol,
            src: local_ip,
            src_port: local_port,
            dst: remote_ip,
            dst_port: remote_port,
        },
    };
    let dp = compile(rx)?;
    let verdict = dp
        .ip_flow_verify(&t.nic_id, direction, flow)
        .map_err(|e| query_error(e, watcher_invalid))?;
    Ok(ArmResponse::ok(verdict_json(&verdict)))
}

/// `VerificationIPFlowResult`.
pub fn verdict_json(v: &FlowVerdict) -> Value {
    let mut m = Map::new();
    m.insert(
        "access".into(),
        json!(match v.access {
            Access::Allow => "Allow",
            Access::Deny => "Deny",
        }),
    );
    if let Some(r) = &v.rule_name {
        m.insert("ruleName".into(), json!(r));
    }
    Value::Object(m)
}

// ---------------------------------------------------------------------------------------
// nextHop

fn next_hop(rx: &Rx, watcher: &WatcherCtx, body: &Value) -> ArmResult<ArmResponse> {
    let b = body_object(body)?;
    let src = ipv4(&b, "sourceIPAddress")?;
    let dst = ipv4(&b, "destinationIPAddress")?;
    let t = target(rx, watcher, &b, "Next hop")?;
    let dp = compile(rx)?;
    let hop = dp
        .next_hop(&t.nic_id, src, dst)
        .map_err(|e| query_error(e, watcher_invalid))?;
    Ok(ArmResponse::ok(next_hop_json(&hop)))
}

/// `NextHopResult`: `routeTableId` is the UDR's table, or the literal `System Route`.
pub fn next_hop_json(h: &NextHop) -> Value {
    let mut m = Map::new();
    m.insert(
        "nextHopType".into(),
        json!(h.next_hop_type.as_next_hop_str()),
    );
    if let Some(ip) = &h.next_hop_ip {
        m.insert("nextHopIpAddress".into(), json!(ip));
    }
    m.insert(
        "routeTableId".into(),
        json!(h.route_table_id.as_deref().unwrap_or("System Route")),
    );
    Value::Object(m)
}

// ---------------------------------------------------------------------------------------
// connectivityCheck

/// What connection troubleshoot was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Probe {
    protocol: Protocol,
    /// `Tcp`, `Http`, `Https` or `Icmp` as requested (default `Tcp`).
    protocol_name: String,
    source_port: Option<u16>,
    dest_port: u16,
}

fn sub_object<'a>(
    b: &'a Map<String, Value>,
    key: &str,
) -> ArmResult<Option<&'a Map<String, Value>>> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(type_error(key, "Object")),
    }
}

fn opt_port(b: &Map<String, Value>, key: &str, path: &str) -> ArmResult<Option<u16>> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .map(Some)
            .ok_or_else(|| {
                invalid(
                    "InvalidPort",
                    format!("The value '{n}' of '{path}' is not a valid port."),
                )
            }),
        Some(Value::String(s)) => s.trim().parse::<u16>().map(Some).map_err(|_| {
            invalid(
                "InvalidPort",
                format!("The value '{s}' of '{path}' is not a valid port."),
            )
        }),
        Some(_) => Err(type_error(path, "Int32")),
    }
}

/// A destination address: an IP, a host name, or a URI (`https://host:8443/path`).
/// Returns the host and the port the URI names, if any.
fn split_address(raw: &str) -> (String, Option<u16>, Option<String>) {
    let raw = raw.trim();
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => (None, raw),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_string(), p.parse().ok()),
        _ => (authority.to_string(), None),
    };
    (host, port, scheme)
}

fn connectivity_check(rx: &Rx, watcher: &WatcherCtx, body: &Value) -> ArmResult<ArmResponse> {
    let b = body_object(body)?;
    let source = sub_object(&b, "source")?.ok_or_else(|| super::missing_property("source"))?;
    let destination =
        sub_object(&b, "destination")?.ok_or_else(|| super::missing_property("destination"))?;
    let protocol_name = match optional_str(&b, "protocol", "protocol")? {
        None => "Tcp".to_string(),
        Some(p) => match p.to_ascii_lowercase().as_str() {
            "tcp" => "Tcp".to_string(),
            "http" => "Http".to_string(),
            "https" => "Https".to_string(),
            "icmp" => "Icmp".to_string(),
            _ => return Err(type_error("protocol", "Protocol")),
        },
    };
    if let Some(v) = optional_str(&b, "preferredIPVersion", "preferredIPVersion")? {
        if v.eq_ignore_ascii_case("ipv6") {
            return Err(ArmError::not_supported("Connection troubleshoot over IPv6"));
        }
    }
    let source_port = opt_port(source, "port", "source.port")?;
    let dest_port = opt_port(destination, "port", "destination.port")?;
    let dest_resource = optional_str(destination, "resourceId", "destination.resourceId")?;
    let dest_address = optional_str(destination, "address", "destination.address")?;
    let raw_source = required_str(source, "resourceId", "source.resourceId")?;
    let (source_vm, source_rec) = resolve_vm(rx, watcher, raw_source, "Connection troubleshoot")?;

    // The destination: a VM (its primary address) or an address / name / URI.
    let (dest_host, uri_port, scheme) = match (dest_resource, dest_address) {
        (Some(r), _) => {
            let rid = ResourceId::parse(r)
                .ok()
                .filter(|x| x.full_type().eq_ignore_ascii_case(virtual_machine::VM_TYPE));
            let Some(rid) = rid else {
                return Err(invalid(
                    "InvalidDestinationResourceId",
                    format!("Destination resource id '{r}' is invalid. Only virtual machines are supported as destination resources."),
                ));
            };
            let vm = rx.get(&rid)?.ok_or_else(|| not_found(&rid))?;
            let nic = virtual_machine::primary_nic(&vm).unwrap_or_default();
            let ip = nic_primary_ip(rx, &nic)?.ok_or_else(|| {
                ArmError::internal(format!("virtual machine {r} has no private address"))
            })?;
            (ip.to_string(), None, None)
        }
        (None, Some(a)) if !a.trim().is_empty() => split_address(a),
        _ => {
            return Err(invalid(
                "InvalidDestination",
                "Either the destination resource id or the destination address must be specified."
                    .to_string(),
            ))
        }
    };
    let default_port = match (protocol_name.as_str(), scheme.as_deref()) {
        ("Http", _) | (_, Some("http")) => Some(80),
        ("Https", _) | (_, Some("https")) => Some(443),
        _ => None,
    };
    let probe = Probe {
        protocol: if protocol_name == "Icmp" {
            Protocol::Icmp
        } else {
            Protocol::Tcp
        },
        protocol_name: protocol_name.clone(),
        source_port,
        dest_port: match (
            protocol_name.as_str(),
            dest_port.or(uri_port).or(default_port),
        ) {
            ("Icmp", _) => 0,
            (_, Some(p)) => p,
            (_, None) => {
                return Err(invalid(
                    "InvalidDestinationPort",
                    format!("A destination port is required for protocol {protocol_name}."),
                ))
            }
        },
    };

    let source_nic = virtual_machine::primary_nic(&source_rec).unwrap_or_default();
    let source_ip = nic_primary_ip(rx, &source_nic)?
        .ok_or_else(|| ArmError::internal(format!("{source_vm} has no private address")))?;
    let dp = compile(rx)?;

    let dest_ip = match dest_host.parse::<IpAddr>() {
        Ok(ip) => ip,
        Err(_) => {
            let zones = private_zone_names(rx)?;
            match resolve(&dp, &source_nic, &dest_host, &zones)? {
                Resolved::Ip(ip) => ip,
                Resolved::NxDomain => {
                    return Ok(ArmResponse::ok(dns_failure(
                        &source_vm,
                        source_ip,
                        &source_nic,
                        &dest_host,
                        &probe,
                    )))
                }
            }
        }
    };
    if dest_ip.is_ipv6() {
        return Err(ArmError::not_supported("Connection troubleshoot over IPv6"));
    }
    let mut jitter = super::Jitter::new(&format!(
        "{source_vm}|{dest_ip}|{}|{}",
        probe.protocol_name, probe.dest_port
    ));
    let flow = Flow {
        protocol: probe.protocol,
        src: source_ip,
        src_port: if probe.protocol == Protocol::Icmp {
            0
        } else {
            probe
                .source_port
                .unwrap_or_else(|| jitter.range(32768, 60999) as u16)
        },
        dst: dest_ip,
        dst_port: probe.dest_port,
    };
    let walk = dp
        .walk(
            &Endpoint::Vm {
                vm_id: source_vm.clone(),
            },
            flow,
        )
        .map_err(|e| query_error(e, watcher_invalid))?;
    if walk.delivered && reaches_outside(&walk) {
        return Err(ArmError::not_supported(format!(
            "Probing {dest_ip}, outside the emulated estate (on the Internet or on-premises),"
        )));
    }
    Ok(ArmResponse::ok(connectivity_json(
        &source_vm,
        &walk,
        probe.protocol,
        &mut jitter,
    )))
}

/// Whether a walk ends beyond the estate (the Internet, or on-premises behind a gateway),
/// where vnetlab cannot know what answers.
pub fn reaches_outside(walk: &Walk) -> bool {
    walk.hops
        .last()
        .is_some_and(|h| matches!(h.kind, HopKind::Internet | HopKind::OnPremises))
}

/// The names of the subscription's private DNS zones (to tell an NXDOMAIN in the estate from
/// an Internet name vnetlab cannot resolve).
pub fn private_zone_names(rx: &Rx) -> ArmResult<Vec<String>> {
    Ok(rx
        .txn
        .list(
            "Microsoft.Network/privateDnsZones",
            &rx.config.subscription_id,
            None,
        )?
        .iter()
        .filter_map(|z| z.get("name").and_then(Value::as_str))
        .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
        .collect())
}

/// A name lookup from a NIC, as the diagnostics need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Ip(IpAddr),
    /// The estate's DNS answers NXDOMAIN for a name it is authoritative for.
    NxDomain,
}

/// Whether vnetlab can answer for `name` authoritatively: single labels (the VNet's search
/// suffix), Azure's internal names, and names in the subscription's private zones. Anything
/// else is an Internet name, which vnetlab does not resolve.
pub fn is_estate_name(name: &str, zones: &[String]) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    !n.contains('.')
        || n.ends_with(".internal.cloudapp.net")
        || n.ends_with(".internal")
        || zones
            .iter()
            .any(|z| n == *z || n.ends_with(&format!(".{z}")))
}

/// Resolves `name` from a NIC with the engine; an unknown Internet name fails loudly.
pub fn resolve(dp: &DataPlane, nic_id: &str, name: &str, zones: &[String]) -> ArmResult<Resolved> {
    match dp.resolve(nic_id, name) {
        Ok(DnsAnswer::Found { addresses, .. }) => match addresses.first() {
            Some(a) => Ok(Resolved::Ip(IpAddr::V4(*a))),
            None => Ok(Resolved::NxDomain),
        },
        Ok(DnsAnswer::NotFound { .. }) if is_estate_name(name, zones) => Ok(Resolved::NxDomain),
        Ok(DnsAnswer::NotFound { .. }) => Err(ArmError::not_supported(format!(
            "Resolving the Internet name '{name}'"
        ))),
        Ok(DnsAnswer::NoServer { server }) => Err(ArmError::not_supported(format!(
            "Name resolution through the custom DNS server {server}"
        ))),
        Err(QueryError::NotFound(w)) => {
            Err(ArmError::new(404, "NotFound", format!("{w} not found.")))
        }
        Err(e) => Err(query_error(e, watcher_invalid)),
    }
}

/// Connection troubleshoot's answer when the destination name does not resolve.
fn dns_failure(
    source_vm: &str,
    source_ip: IpAddr,
    source_nic: &str,
    name: &str,
    probe: &Probe,
) -> Value {
    let seed = format!("{source_vm}|{name}|{}", probe.dest_port);
    let src_id = hop_id(&seed, 0);
    let _ = source_nic;
    json!({
        "hops": [{
            "type": "Source",
            "id": src_id,
            "address": source_ip.to_string(),
            "resourceId": source_vm,
            "nextHopIds": [],
            "previousHopIds": [],
            "links": [],
            "previousLinks": [],
            "issues": [{
                "origin": "Local",
                "severity": "Error",
                "type": "DnsResolution",
                "context": [{"key": "Name", "value": name}],
            }],
        }],
        "connectionStatus": "Unreachable",
        "probesSent": PROBES,
        "probesFailed": PROBES,
    })
}

/// Probes connection troubleshoot sends (azure-semantics.md §7.3: 100 in Azure's examples).
const PROBES: u32 = 100;

/// A hop id: a GUID derived from the question, stable across runs.
fn hop_id(seed: &str, index: usize) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("vnetlab-hop|{seed}|{index}").as_bytes(),
    )
    .to_string()
}

fn hop_type(k: &HopKind) -> &'static str {
    match k {
        HopKind::Source => "Source",
        HopKind::VnetLocal => "VnetLocal",
        HopKind::VirtualAppliance => "VirtualAppliance",
        HopKind::VirtualNetworkGateway => "VirtualNetworkGateway",
        HopKind::OnPremises => "OnPremises",
        HopKind::Internet => "Internet",
        HopKind::Destination => "Destination",
    }
}

/// Network Watcher names NSG rules `UserRule_<name>` / `DefaultRule_<name>`.
pub fn watcher_rule_name(rule: &str) -> String {
    if let Some(n) = rule.strip_prefix("securityRules/") {
        format!("UserRule_{n}")
    } else if let Some(n) = rule.strip_prefix("defaultSecurityRules/") {
        format!("DefaultRule_{n}")
    } else {
        rule.to_string()
    }
}

fn kv(key: &str, value: &str) -> Value {
    json!({ "key": key, "value": value })
}

fn route_source(s: RouteSource) -> &'static str {
    match s {
        RouteSource::Default => "Default",
        RouteSource::User => "User",
        RouteSource::VirtualNetworkGateway => "VirtualNetworkGateway",
    }
}

/// Whether a decision was made by `resource_id` (the resource a blocker names).
fn decision_mentions(d: &Decision, resource_id: &str) -> bool {
    let r = resource_id.to_ascii_lowercase();
    let eq = |s: &str| s.to_ascii_lowercase() == r;
    let within = |s: &str| {
        let s = s.to_ascii_lowercase();
        r == s || r.starts_with(&format!("{s}/"))
    };
    match d {
        Decision::SecurityRule {
            nsg_id, rule_name, ..
        } => within(nsg_id) || eq(&format!("{nsg_id}/{rule_name}")),
        Decision::Route {
            subnet_id,
            route_table_id,
            ..
        } => eq(subnet_id) || route_table_id.as_deref().is_some_and(within),
        Decision::Peering { link_id, .. } => eq(link_id),
        Decision::IpForwarding { nic_id, .. } => within(nic_id),
        _ => false,
    }
}

/// One `ConnectivityIssue` for a blocker, shaped as Azure's where Azure has the type.
fn issue_for(blocker: &vnetlab_dataplane::Blocker, hop: Option<&Hop>) -> Value {
    let decisions: Vec<&Decision> = hop
        .map(|h| {
            h.decisions
                .iter()
                .filter(|d| decision_mentions(d, &blocker.resource_id))
                .collect()
        })
        .unwrap_or_default();
    match blocker.kind.as_str() {
        "NetworkSecurityRule" => {
            let rule = decisions.iter().find_map(|d| match d {
                Decision::SecurityRule {
                    rule_name,
                    direction,
                    access: Access::Deny,
                    ..
                } => Some((rule_name.clone(), *direction)),
                _ => None,
            });
            let (name, direction) = rule.unwrap_or_else(|| {
                (
                    blocker
                        .resource_id
                        .rsplit('/')
                        .take(2)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("/"),
                    Direction::Inbound,
                )
            });
            json!({
                "origin": if direction == Direction::Outbound { "Outbound" } else { "Inbound" },
                "severity": "Error",
                "type": "NetworkSecurityRule",
                "context": [kv("RuleName", &watcher_rule_name(&name))],
            })
        }
        "UserDefinedRoute" => {
            let source = decisions
                .iter()
                .find_map(|d| match d {
                    Decision::Route { source, .. } => Some(route_source(*source)),
                    _ => None,
                })
                .unwrap_or("User");
            json!({
                "origin": "Outbound",
                "severity": "Error",
                "type": "UserDefinedRoute",
                "context": [kv("RouteType", source)],
            })
        }
        other => json!({
            "origin": if other == "ReturnRoute" { "Inbound" } else { "Outbound" },
            "severity": "Error",
            "type": other,
            "context": [
                kv("ResourceId", &blocker.resource_id),
                kv("Explanation", &blocker.explanation),
                kv("Fix", &blocker.fix),
            ],
        }),
    }
}

/// `ConnectivityInformation` for a walk: hops with their issues, status, latency, probes.
fn connectivity_json(
    source_vm: &str,
    walk: &Walk,
    protocol: Protocol,
    jitter: &mut super::Jitter,
) -> Value {
    let seed = format!(
        "{source_vm}|{}|{}|{}",
        walk.flow.dst, walk.flow.dst_port, walk.flow.src_port
    );
    let mut hops: Vec<Hop> = walk.hops.clone();
    if !walk.delivered && hops.iter().all(|h| h.kind == HopKind::Source) {
        hops.push(Hop {
            kind: HopKind::Destination,
            resource_id: "Unknown".into(),
            address: Some(walk.flow.dst),
            decisions: vec![],
        });
    }
    let ids: Vec<String> = (0..hops.len()).map(|i| hop_id(&seed, i)).collect();
    let mut issues: Vec<Vec<Value>> = vec![Vec::new(); hops.len()];
    // Blockers are errors; the walk's warnings (asymmetric routing through an appliance, …)
    // are issues of severity `Warning`.
    let noted = walk
        .blockers
        .iter()
        .map(|b| (b, "Error"))
        .chain(walk.warnings.iter().map(|w| (w, "Warning")));
    for (b, severity) in noted {
        let at = hops
            .iter()
            .position(|h| {
                h.decisions
                    .iter()
                    .any(|d| decision_mentions(d, &b.resource_id))
            })
            .unwrap_or_else(|| {
                // The hop where the packet stopped: the last one the walk reached.
                walk.hops.len().saturating_sub(1)
            });
        if let Some(list) = issues.get_mut(at) {
            let mut issue = issue_for(b, hops.get(at));
            issue["severity"] = json!(severity);
            list.push(issue);
        }
    }
    let refused =
        walk.delivered && protocol != Protocol::Icmp && walk.service_listening == Some(false);
    if refused {
        if let Some(list) = issues.last_mut() {
            list.push(json!({
                "origin": "Inbound",
                "severity": "Error",
                "type": "Unknown",
                "context": [kv("Reason", &format!(
                    "Connection refused: the destination answered with a reset because no service listens on port {}.",
                    walk.flow.dst_port
                ))],
            }));
        }
    }
    let hop_values: Vec<Value> = hops
        .iter()
        .enumerate()
        .map(|(i, h)| {
            json!({
                "type": hop_type(&h.kind),
                "id": ids[i],
                "address": h.address.map(|a| a.to_string()).unwrap_or_default(),
                "resourceId": h.resource_id,
                "nextHopIds": ids.get(i + 1).map(|n| vec![n.clone()]).unwrap_or_default(),
                "previousHopIds": if i == 0 { vec![] } else { vec![ids[i - 1].clone()] },
                "links": [],
                "previousLinks": [],
                "issues": issues[i],
            })
        })
        .collect();
    let reachable = walk.delivered && !refused;
    let mut out = Map::new();
    out.insert("hops".into(), Value::Array(hop_values));
    out.insert(
        "connectionStatus".into(),
        json!(if reachable {
            "Reachable"
        } else {
            "Unreachable"
        }),
    );
    if reachable {
        let rtt = walk.rtt_ms.unwrap_or(1.0).max(0.1);
        let avg = rtt.round().max(1.0) as u64;
        let min = ((rtt * (0.90 + 0.05 * jitter.unit())).floor() as u64).clamp(1, avg);
        let max =
            ((rtt * (1.15 + 0.2 * jitter.unit())).ceil() as u64 + jitter.range(1, 3)).max(avg);
        out.insert("avgLatencyInMs".into(), json!(avg));
        out.insert("minLatencyInMs".into(), json!(min));
        out.insert("maxLatencyInMs".into(), json!(max));
        out.insert("probesSent".into(), json!(PROBES));
        out.insert("probesFailed".into(), json!(0));
    } else {
        out.insert("probesSent".into(), json!(PROBES));
        out.insert("probesFailed".into(), json!(PROBES));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use vnetlab_dataplane::{Blocker, NextHopType};

    const NSG: &str =
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/nsgB";
    const RT: &str =
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables/rtA";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn flow() -> Flow {
        Flow {
            protocol: Protocol::Tcp,
            src: ip("10.1.0.4"),
            src_port: 50000,
            dst: ip("10.2.0.4"),
            dst_port: 22,
        }
    }

    fn hop(kind: HopKind, rid: &str, addr: &str, decisions: Vec<Decision>) -> Hop {
        Hop {
            kind,
            resource_id: rid.into(),
            address: Some(ip(addr)),
            decisions,
        }
    }

    #[test]
    fn verdicts_and_next_hops_have_arms_shape() {
        let v = verdict_json(&FlowVerdict {
            access: Access::Deny,
            rule_name: Some("defaultSecurityRules/DenyAllInBound".into()),
            nsg_id: Some(NSG.into()),
        });
        assert_eq!(
            v,
            json!({"access": "Deny", "ruleName": "defaultSecurityRules/DenyAllInBound"})
        );
        let v = verdict_json(&FlowVerdict {
            access: Access::Allow,
            rule_name: None,
            nsg_id: None,
        });
        assert_eq!(v, json!({"access": "Allow"}));

        let h = next_hop_json(&NextHop {
            next_hop_type: NextHopType::VNetGlobalPeering,
            next_hop_ip: None,
            route_table_id: None,
        });
        assert_eq!(
            h,
            json!({"nextHopType": "VnetPeering", "routeTableId": "System Route"})
        );
        let h = next_hop_json(&NextHop {
            next_hop_type: NextHopType::VirtualAppliance,
            next_hop_ip: Some("10.0.2.4".into()),
            route_table_id: Some(RT.into()),
        });
        assert_eq!(h["nextHopIpAddress"], "10.0.2.4");
        assert_eq!(h["routeTableId"], RT);
        let h = next_hop_json(&NextHop {
            next_hop_type: NextHopType::None,
            next_hop_ip: None,
            route_table_id: None,
        });
        assert_eq!(h["nextHopType"], "None");
    }

    #[test]
    fn a_reachable_walk_reports_latency_and_linked_hops() {
        let walk = Walk {
            flow: flow(),
            delivered: true,
            hops: vec![
                hop(
                    HopKind::Source,
                    "/x/nicA/ipConfigurations/ipconfig1",
                    "10.1.0.4",
                    vec![],
                ),
                hop(
                    HopKind::VnetLocal,
                    "/x/nicB/ipConfigurations/ipconfig1",
                    "10.2.0.4",
                    vec![],
                ),
            ],
            return_hops: vec![],
            blockers: vec![],
            rtt_ms: Some(68.6),
            warnings: vec![],
            service_listening: Some(true),
        };
        let v = connectivity_json(
            "/vmA",
            &walk,
            Protocol::Tcp,
            &mut crate::diagnostics::Jitter::new("t"),
        );
        assert_eq!(v["connectionStatus"], "Reachable");
        assert_eq!(v["avgLatencyInMs"], 69);
        let (min, max) = (
            v["minLatencyInMs"].as_u64().unwrap(),
            v["maxLatencyInMs"].as_u64().unwrap(),
        );
        assert!((60..=69).contains(&min), "{min}");
        assert!(max > 69, "{max}");
        assert_eq!(v["probesSent"], 100);
        assert_eq!(v["probesFailed"], 0);
        let hops = v["hops"].as_array().unwrap();
        assert_eq!(hops[0]["type"], "Source");
        assert_eq!(hops[0]["nextHopIds"][0], hops[1]["id"]);
        assert_eq!(hops[1]["previousHopIds"][0], hops[0]["id"]);
        assert_eq!(hops[1]["nextHopIds"], json!([]));
        assert_eq!(hops[1]["address"], "10.2.0.4");
        // Deterministic ids.
        let again = connectivity_json(
            "/vmA",
            &walk,
            Protocol::Tcp,
            &mut crate::diagnostics::Jitter::new("t"),
        );
        assert_eq!(v, again);
    }

    #[test]
    fn an_nsg_block_names_the_rule_on_the_hop_that_made_it() {
        let deny = Decision::SecurityRule {
            nsg_id: NSG.into(),
            rule_name: "securityRules/deny-ssh".into(),
            direction: Direction::Inbound,
            access: Access::Deny,
        };
        let walk = Walk {
            flow: flow(),
            delivered: false,
            hops: vec![
                hop(
                    HopKind::Source,
                    "/x/nicA/ipConfigurations/ipconfig1",
                    "10.1.0.4",
                    vec![],
                ),
                hop(
                    HopKind::VnetLocal,
                    "/x/nicB/ipConfigurations/ipconfig1",
                    "10.2.0.4",
                    vec![deny],
                ),
            ],
            return_hops: vec![],
            blockers: vec![Blocker {
                kind: "NetworkSecurityRule".into(),
                resource_id: format!("{NSG}/securityRules/deny-ssh"),
                explanation: "denied".into(),
                fix: "allow it".into(),
            }],
            rtt_ms: None,
            warnings: vec![],
            service_listening: None,
        };
        let v = connectivity_json(
            "/vmA",
            &walk,
            Protocol::Tcp,
            &mut crate::diagnostics::Jitter::new("t"),
        );
        assert_eq!(v["connectionStatus"], "Unreachable");
        assert!(v.get("avgLatencyInMs").is_none());
        assert_eq!(v["probesFailed"], 100);
        assert_eq!(v["hops"][0]["issues"], json!([]));
        assert_eq!(
            v["hops"][1]["issues"],
            json!([{"origin": "Inbound", "severity": "Error", "type": "NetworkSecurityRule",
                    "context": [{"key": "RuleName", "value": "UserRule_deny-ssh"}]}])
        );
    }

    #[test]
    fn a_udr_drop_ends_in_an_unknown_destination_and_extra_blockers_are_explained() {
        let route = Decision::Route {
            subnet_id: "/x/vnetA/subnets/s".into(),
            prefix: "10.2.0.0/16".into(),
            next_hop_type: NextHopType::None,
            next_hop_ip: None,
            source: RouteSource::User,
            route_table_id: Some(RT.into()),
        };
        let walk = Walk {
            flow: flow(),
            delivered: false,
            hops: vec![hop(
                HopKind::Source,
                "/x/nicA/ipConfigurations/ipconfig1",
                "10.1.0.4",
                vec![route],
            )],
            return_hops: vec![],
            blockers: vec![
                Blocker {
                    kind: "UserDefinedRoute".into(),
                    resource_id: format!("{RT}/routes/drop"),
                    explanation: "dropped".into(),
                    fix: "remove the route".into(),
                },
                Blocker {
                    kind: "IpForwarding".into(),
                    resource_id: "/x/nva-nic".into(),
                    explanation: "IP forwarding is off on the NVA NIC".into(),
                    fix: "az network nic update --ip-forwarding true".into(),
                },
            ],
            rtt_ms: None,
            warnings: vec![],
            service_listening: None,
        };
        let v = connectivity_json(
            "/vmA",
            &walk,
            Protocol::Tcp,
            &mut crate::diagnostics::Jitter::new("t"),
        );
        let hops = v["hops"].as_array().unwrap();
        assert_eq!(hops.len(), 2);
        assert_eq!(hops[1]["type"], "Destination");
        assert_eq!(hops[1]["resourceId"], "Unknown");
        let issues = hops[0]["issues"].as_array().unwrap();
        assert_eq!(issues[0]["type"], "UserDefinedRoute");
        assert_eq!(
            issues[0]["context"],
            json!([{"key": "RouteType", "value": "User"}])
        );
        assert_eq!(issues[1]["type"], "IpForwarding");
        assert_eq!(
            issues[1]["context"][2]["value"],
            "az network nic update --ip-forwarding true"
        );
    }

    #[test]
    fn walk_warnings_are_warning_issues_and_do_not_fail_the_check() {
        let walk = Walk {
            flow: flow(),
            delivered: true,
            hops: vec![
                hop(HopKind::Source, "/a", "10.1.0.4", vec![]),
                hop(HopKind::VnetLocal, "/b", "10.2.0.4", vec![]),
            ],
            return_hops: vec![],
            blockers: vec![],
            rtt_ms: Some(1.0),
            warnings: vec![Blocker {
                kind: "AsymmetricRouting".into(),
                resource_id: "/x/rt".into(),
                explanation: "the reply bypasses the appliance".into(),
                fix: "add the return route".into(),
            }],
            service_listening: Some(true),
        };
        let v = connectivity_json(
            "/vmA",
            &walk,
            Protocol::Tcp,
            &mut crate::diagnostics::Jitter::new("t"),
        );
        assert_eq!(v["connectionStatus"], "Reachable");
        let issue = &v["hops"][1]["issues"][0];
        assert_eq!(issue["severity"], "Warning");
        assert_eq!(issue["type"], "AsymmetricRouting");
    }

    #[test]
    fn a_closed_port_is_unreachable_with_a_reason() {
        let walk = Walk {
            flow: flow(),
            delivered: true,
            hops: vec![
                hop(HopKind::Source, "/a", "10.1.0.4", vec![]),
                hop(HopKind::VnetLocal, "/b", "10.2.0.4", vec![]),
            ],
            return_hops: vec![],
            blockers: vec![],
            rtt_ms: Some(1.2),
            warnings: vec![],
            service_listening: Some(false),
        };
        let v = connectivity_json(
            "/vmA",
            &walk,
            Protocol::Tcp,
            &mut crate::diagnostics::Jitter::new("t"),
        );
        assert_eq!(v["connectionStatus"], "Unreachable");
        assert_eq!(v["hops"][1]["issues"][0]["type"], "Unknown");
        let icmp = connectivity_json(
            "/vmA",
            &walk,
            Protocol::Icmp,
            &mut crate::diagnostics::Jitter::new("t"),
        );
        assert_eq!(icmp["connectionStatus"], "Reachable");
        assert_eq!(icmp["avgLatencyInMs"], 1);
    }

    #[test]
    fn addresses_split_into_host_port_and_scheme() {
        assert_eq!(split_address("10.0.0.4"), ("10.0.0.4".into(), None, None));
        assert_eq!(
            split_address("https://vm2.contoso.internal:8443/x?y"),
            (
                "vm2.contoso.internal".into(),
                Some(8443),
                Some("https".into())
            )
        );
        assert_eq!(
            split_address("http://web"),
            ("web".into(), None, Some("http".into()))
        );
    }

    #[test]
    fn estate_names_are_the_ones_vnetlab_answers_for() {
        let zones = vec![
            "contoso.internal".to_string(),
            "privatelink.blob.core.windows.net".to_string(),
        ];
        assert!(is_estate_name("vm2", &zones));
        assert!(is_estate_name("vm2.abc.bx.internal.cloudapp.net", &zones));
        assert!(is_estate_name("db.contoso.internal.", &zones));
        assert!(is_estate_name(
            "acct.privatelink.blob.core.windows.net",
            &zones
        ));
        assert!(!is_estate_name("www.bing.com", &zones));
        let _ = Ipv4Addr::LOCALHOST;
    }

    #[test]
    fn rule_names_follow_network_watchers_convention() {
        assert_eq!(watcher_rule_name("securityRules/Port80"), "UserRule_Port80");
        assert_eq!(
            watcher_rule_name("defaultSecurityRules/DenyAllInBound"),
            "DefaultRule_DenyAllInBound"
        );
    }
}
