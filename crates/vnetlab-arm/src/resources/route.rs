//! `Microsoft.Network/routeTables/routes` — user-defined routes (azure-semantics.md §5.3).
//!
//! A route is a child record of its table and reports the table's etag. The same validation
//! runs for a route PUT on its own endpoint and for each route inlined in a table PUT.
//! Stored shape: `provisioningState`, `addressPrefix`, `nextHopType` (canonical casing),
//! `nextHopIpAddress` (VirtualAppliance only), `hasBgpOverride: false` (`RoutePropertiesFormat`,
//! `stable/2025-07-01/routeTable.json`).

use super::security_rule::{canonical, is_service_tag};
use super::*;
use std::net::IpAddr;

pub struct Routes;

pub const ROUTE_TYPE: &str = "Microsoft.Network/routeTables/routes";
/// User-defined routes per route table (azure-semantics.md §8; newer docs say 1,000).
pub const MAX_ROUTES_PER_TABLE: usize = 400;
/// Routes with a service-tag prefix per route table (azure-semantics.md §5.3).
pub const MAX_SERVICE_TAG_ROUTES: usize = 25;

/// `RouteNextHopType` (exact enum of the 2025-07-01 spec).
const NEXT_HOP_TYPES: &[&str] = &[
    "VirtualNetworkGateway",
    "VnetLocal",
    "Internet",
    "VirtualAppliance",
    "None",
];

/// A route's address prefix as compared for conflicts: the canonical CIDR, or the lower-cased tag.
pub fn prefix_key(props: &Value) -> String {
    let p = props
        .get("addressPrefix")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match vnetlab_ipam::parse_prefix(p) {
        Ok(net) => net.to_string(),
        Err(_) => p.to_ascii_lowercase(),
    }
}

/// True if the stored route's prefix is a service tag rather than a CIDR.
pub fn is_tag_route(props: &Value) -> bool {
    let p = props
        .get("addressPrefix")
        .and_then(Value::as_str)
        .unwrap_or_default();
    !p.contains('/') && !p.is_empty()
}

/// Addresses that can never be a next hop: unspecified, loopback, link-local, multicast,
/// broadcast, and the Azure host VIP. Code confirmed for these cases
/// (Azure/azure-powershell RouteTable ECMP scenario tests: `InvalidNextHopIpAddress`).
fn forbidden_next_hop(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_unspecified()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.octets() == [168, 63, 129, 16]
        }
        IpAddr::V6(v6) => {
            v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Validates a route's requested properties and returns the properties to store.
pub fn validate(id: &ResourceId, req: &Map<String, Value>) -> ArmResult<Value> {
    let name = id.name();
    let prefix = opt_str(req, "addressPrefix")?.unwrap_or("");
    if !is_service_tag(prefix, false) {
        // CIDR (canonical): InvalidAddressPrefixFormat / InvalidCIDRNotation as for subnets.
        parse_prefix(prefix, id)?;
    }
    let hop_raw = opt_str(req, "nextHopType")?.unwrap_or("");
    if hop_raw.is_empty() {
        // [UNCONFIRMED code and text], modelled on MissingNextHopIpAddress.
        return Err(ArmError::bad_request(
            "MissingNextHopType",
            format!("NextHopType cannot be Null or Empty in route {name}."),
        ));
    }
    if hop_raw.eq_ignore_ascii_case("VirtualApplianceEcmp") {
        return Err(ArmError::not_supported(
            "The next hop type VirtualApplianceEcmp",
        ));
    }
    let hop = canonical(NEXT_HOP_TYPES, hop_raw).ok_or_else(|| {
        // [UNCONFIRMED code and text]
        ArmError::bad_request(
            "InvalidRequestFormat",
            format!(
                "Value '{hop_raw}' is not valid for property 'nextHopType'. Allowed values: {}.",
                NEXT_HOP_TYPES.join(", ")
            ),
        )
    })?;
    let ip = opt_str(req, "nextHopIpAddress")?
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut p = Map::new();
    p.insert("provisioningState".into(), json!("Succeeded"));
    p.insert("addressPrefix".into(), json!(prefix));
    p.insert("nextHopType".into(), json!(hop));
    match (hop, ip) {
        ("VirtualAppliance", None) => {
            // Confirmed: hashicorp/terraform-provider-azurerm#20365.
            return Err(ArmError::bad_request(
                "MissingNextHopIpAddress",
                format!("NextHopIpAddress cannot be Null or Empty in route {name} when NextHopType is VirtualAppliance."),
            ));
        }
        ("VirtualAppliance", Some(ip)) => {
            let parsed = ip.parse::<IpAddr>().ok().filter(|a| !forbidden_next_hop(a));
            if parsed.is_none() {
                // Code confirmed (see forbidden_next_hop); text [UNCONFIRMED].
                return Err(ArmError::bad_request(
                    "InvalidNextHopIpAddress",
                    format!("Next hop IP address {ip} of route {id} is not a valid IP address for a virtual appliance."),
                ));
            }
            p.insert("nextHopIpAddress".into(), json!(ip));
        }
        (other, Some(ip)) => {
            // [UNCONFIRMED code and text]: the spec says next hop values are only allowed
            // with VirtualAppliance, and Azure refuses them (Azure/terraform-azurerm-lz-vending#479).
            return Err(ArmError::bad_request(
                "InvalidNextHopIpAddress",
                format!("Next hop IP address {ip} of route {id} is not allowed with NextHopType {other}. Next hop IP addresses are only allowed when NextHopType is VirtualAppliance."),
            ));
        }
        (_, None) => {}
    }
    p.insert("hasBgpOverride".into(), json!(false));
    Ok(Value::Object(p))
}

/// Table-wide rules over a table's routes in order (`(name, stored properties)`): no two
/// routes share an address prefix (the later one is named first), and the limits hold.
pub fn check_table(table: &ResourceId, routes: &[(String, Value)]) -> ArmResult<()> {
    if routes.len() > MAX_ROUTES_PER_TABLE {
        // [UNCONFIRMED code and text]
        return Err(ArmError::bad_request(
            "RoutesPerRouteTableLimitReached",
            format!("Route table {table} would have {} routes, which exceeds the limit of {MAX_ROUTES_PER_TABLE} routes per route table.", routes.len()),
        ));
    }
    let tags = routes.iter().filter(|(_, p)| is_tag_route(p)).count();
    if tags > MAX_SERVICE_TAG_ROUTES {
        // [UNCONFIRMED code and text]
        return Err(ArmError::bad_request(
            "RoutesWithServiceTagsPerRouteTableLimitReached",
            format!("Route table {table} would have {tags} routes with a service tag address prefix, which exceeds the limit of {MAX_SERVICE_TAG_ROUTES}."),
        ));
    }
    for (i, (name, props)) in routes.iter().enumerate() {
        let key = prefix_key(props);
        if let Some((other, _)) = routes[..i].iter().find(|(_, p)| prefix_key(p) == key) {
            // Confirmed: kubernetes-sigs/cloud-provider-azure#657.
            return Err(ArmError::bad_request(
                "RouteConflict",
                format!("Route: {name} conflicts with Route: {other}. Routes cannot have the same AddressPrefix."),
            ));
        }
    }
    Ok(())
}

impl ResourceKind for Routes {
    fn full_type(&self) -> &'static str {
        ROUTE_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        _existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let table = id
            .parent()
            .ok_or_else(|| ArmError::internal("route without parent"))?;
        let props = validate(id, &properties(body)?)?;
        let mut routes = Vec::new();
        for s in cx.rx().children(&table, ROUTE_TYPE)? {
            let sid = crate::router::stored_id(&s)?;
            if sid.key() != id.key() {
                routes.push((
                    sid.name().to_string(),
                    s.get("properties").cloned().unwrap_or(Value::Null),
                ));
            }
        }
        routes.push((id.name().to_string(), props.clone()));
        check_table(&table, &routes)?;
        save(cx, id, &child(id, props))
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(with_etag(stored.clone(), root_etag(rx, id)?.as_ref()))
    }
}
