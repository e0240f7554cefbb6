//! `Microsoft.Network/localNetworkGateways`: the on-premises side of a site-to-site VPN
//! (azure-semantics.md §11, az-cli-surface.md §14). A public address or FQDN of the
//! on-premises device, its address prefixes (canonical CIDRs, at most 1,000) and optional
//! BGP settings. It cannot be deleted while a connection uses it.

use super::*;

pub struct LocalNetworkGateways;

pub const LNG_TYPE: &str = "Microsoft.Network/localNetworkGateways";

/// Azure's limit on local network gateway address prefixes (azure-semantics.md §8).
pub const MAX_PREFIXES: usize = 1000;

/// The on-premises prefixes of a stored local network gateway.
pub fn address_prefixes(stored: &Value) -> Vec<String> {
    stored
        .pointer("/properties/localNetworkAddressSpace/addressPrefixes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// [UNCONFIRMED code/text for the local-gateway-specific rules]
fn lng_error(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

fn parse_bgp(id: &ResourceId, req: &Map<String, Value>) -> ArmResult<Option<Value>> {
    let bgp = match req.get("bgpSettings") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(type_error("properties.bgpSettings", "BgpSettings")),
    };
    let asn = opt_i64(&bgp, "asn")?.ok_or_else(|| {
        lng_error(
            "BgpAsnRequired",
            format!("BGP settings of local network gateway {id} must specify an ASN."),
        )
    })?;
    // Azure reserves these ASNs for itself (azure-docs vpn-gateway-bgp-overview).
    const RESERVED: &[i64] = &[8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520];
    if !(1..=4_294_967_295).contains(&asn) || RESERVED.contains(&asn) {
        return Err(lng_error(
            "InvalidBgpAsn",
            format!(
                "ASN {asn} of local network gateway {id} is not valid or is reserved by Azure."
            ),
        ));
    }
    let mut out = json!({ "asn": asn, "peerWeight": opt_i64(&bgp, "peerWeight")?.unwrap_or(0) });
    if let Some(a) = opt_str(&bgp, "bgpPeeringAddress")? {
        if a.parse::<std::net::IpAddr>().is_err() {
            return Err(lng_error("InvalidBgpPeeringAddress", format!("BGP peering address {a} of local network gateway {id} is not a valid IP address.")));
        }
        out["bgpPeeringAddress"] = json!(a);
    }
    Ok(Some(out))
}

impl ResourceKind for LocalNetworkGateways {
    fn full_type(&self) -> &'static str {
        LNG_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, LNG_TYPE)?;
        check_location_unchanged(id, existing, &location)?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let req = properties(body)?;
        let ip = opt_str(&req, "gatewayIpAddress")?.map(str::to_string);
        let fqdn = opt_str(&req, "fqdn")?.map(str::to_string);
        if let Some(a) = &ip {
            if a.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(lng_error("InvalidGatewayIpAddress", format!("Gateway IP address {a} of local network gateway {id} is not a valid IPv4 address.")));
            }
        }
        if ip.is_none() && fqdn.as_deref().is_none_or(|f| f.trim().is_empty()) {
            return Err(lng_error(
                "LocalNetworkGatewayAddressRequired",
                format!("Local network gateway {id} must specify either gatewayIpAddress or fqdn."),
            ));
        }
        let prefixes = opt_prefix_list(&req, "localNetworkAddressSpace")?.unwrap_or_default();
        if prefixes.len() > MAX_PREFIXES {
            return Err(lng_error(
                "LocalNetworkGatewayAddressPrefixLimitExceeded",
                format!("Local network gateway {id} has {} address prefixes; at most {MAX_PREFIXES} are allowed.", prefixes.len()),
            ));
        }
        parse_prefixes(&prefixes, id)?;
        let bgp = parse_bgp(id, &req)?;
        let mut props = json!({
            "provisioningState": "Succeeded",
            "resourceGuid": keep_or_new_guid(cx, existing)?,
            "localNetworkAddressSpace": { "addressPrefixes": prefixes },
        });
        if let Some(a) = ip {
            props["gatewayIpAddress"] = json!(a);
        }
        if let Some(f) = fqdn {
            props["fqdn"] = json!(f);
        }
        if let Some(b) = bgp {
            props["bgpSettings"] = b;
        }
        let etag = cx.etag()?;
        save(cx, id, &tracked(id, &location, &tags, &etag, props))
    }

    fn render(&self, _rx: &Rx, _id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(stored.clone())
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        if let Some(conn) = cx.rx().referrers(id, "localNetworkGateway2")?.first() {
            // [UNCONFIRMED code/text; named after the Network RP's InUse…CannotBeDeleted family]
            return Err(lng_error(
                "InUseLocalNetworkGatewayCannotBeDeleted",
                format!("Local network gateway {id} is in use by connection {conn} and cannot be deleted. Delete the connection first."),
            ));
        }
        cx.delete(id)?;
        Ok(())
    }
}
