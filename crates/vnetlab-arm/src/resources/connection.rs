//! `Microsoft.Network/connections`: site-to-site (`IPsec`) and VNet-to-VNet (`Vnet2Vnet`)
//! VPN connections (azure-semantics.md §11, az-cli-surface.md §15).
//!
//! The shared key is a secret: it is stored in an internal field and never rendered (Azure
//! returns it only through `…/connections/{c}/sharedkey`; see [`shared_key`]).
//!
//! `connectionStatus` is derived on every read:
//! - `IPsec`: `Connected`. vnetlab has no on-premises device; it assumes the device named by
//!   the local network gateway is configured to match (documented emulation choice).
//! - `Vnet2Vnet`: `Connected` only when the reverse connection (gateway2 → gateway1) exists
//!   with the same shared key, else `NotConnected` — a tunnel needs both halves.

use super::local_network_gateway::LNG_TYPE;
use super::subnet::check_reference;
use super::virtual_network_gateway::GATEWAY_TYPE;
use super::*;

pub struct Connections;

pub const CONNECTION_TYPE: &str = "Microsoft.Network/connections";
/// Internal, never rendered: `{ "sharedKey": "…" }`.
const INTERNAL: &str = "vnetlabInternal";

/// The shared key of a stored connection (for the `sharedkey` endpoint and status checks).
pub fn shared_key(stored: &Value) -> Option<&str> {
    stored
        .pointer(&format!("/{INTERNAL}/sharedKey"))
        .and_then(Value::as_str)
}

fn ref_key(stored: &Value, key: &str) -> Option<String> {
    stored
        .pointer(&format!("/properties/{key}/id"))
        .and_then(Value::as_str)
        .map(crate::id::key_of)
}

/// `Connected` / `NotConnected` (see the module documentation).
pub fn connection_status(rx: &Rx, stored: &Value) -> ArmResult<&'static str> {
    if stored
        .pointer("/properties/connectionType")
        .and_then(Value::as_str)
        != Some("Vnet2Vnet")
    {
        return Ok("Connected");
    }
    let (Some(gw1), Some(gw2)) = (
        ref_key(stored, "virtualNetworkGateway1"),
        ref_key(stored, "virtualNetworkGateway2"),
    ) else {
        return Ok("NotConnected");
    };
    let Ok(gw2_id) = ResourceId::parse(&gw2) else {
        return Ok("NotConnected");
    };
    for other in rx.referrers(&gw2_id, "virtualNetworkGateway1")? {
        let Some(rec) = rx.get_key(&other)? else {
            continue;
        };
        let reverse = rec
            .pointer("/properties/connectionType")
            .and_then(Value::as_str)
            == Some("Vnet2Vnet")
            && ref_key(&rec, "virtualNetworkGateway2").as_deref() == Some(gw1.as_str());
        if reverse && shared_key(&rec).is_some() && shared_key(&rec) == shared_key(stored) {
            return Ok("Connected");
        }
    }
    Ok("NotConnected")
}

/// [UNCONFIRMED code/text for the connection-specific rules]
fn conn_error(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

/// A referenced gateway must be a VPN gateway.
fn require_vpn_gateway(cx: &Cx, id: &ResourceId, gw: &str) -> ArmResult<()> {
    let rec = cx.rx().get_key(gw)?;
    let gw_type = rec
        .as_ref()
        .and_then(|g| g.pointer("/properties/gatewayType"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if gw_type != "Vpn" {
        return Err(conn_error(
            "InvalidGatewayTypeForConnection",
            format!("Connection {id} references virtual network gateway {gw} of type {gw_type}; IPsec and Vnet2Vnet connections need a gateway of type Vpn."),
        ));
    }
    Ok(())
}

impl ResourceKind for Connections {
    /// `GET …/connections/{c}/sharedkey` → `{"value": key}` (the key is never in the resource itself).
    fn view(&self, _rx: &Rx, id: &ResourceId, stored: &Value, view: &str) -> ArmResult<Value> {
        if view.eq_ignore_ascii_case("sharedkey") {
            Ok(json!({ "value": shared_key(stored).unwrap_or_default() }))
        } else {
            Err(ArmError::not_supported(format!(
                "GET '{view}' on {}",
                id.full_type()
            )))
        }
    }

    fn full_type(&self) -> &'static str {
        CONNECTION_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, CONNECTION_TYPE)?;
        check_location_unchanged(id, existing, &location)?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let req = properties(body)?;
        // az's template sends "IPSec"; the service stores and echoes "IPsec".
        let conn_type = match opt_str(&req, "connectionType")? {
            Some(_) => enum_choice(
                &req,
                "connectionType",
                &["IPsec", "Vnet2Vnet", "ExpressRoute", "VPNClient"],
                "IPsec",
            )?,
            None => {
                return Err(conn_error(
                    "ConnectionTypeRequired",
                    format!("Connection {id} must specify connectionType."),
                ))
            }
        };
        if conn_type == "ExpressRoute" || conn_type == "VPNClient" {
            return Err(ArmError::not_supported(format!(
                "A connection of type {conn_type}"
            )));
        }
        let gw1_raw = opt_ref(&req, "virtualNetworkGateway1")?.ok_or_else(|| {
            conn_error(
                "VirtualNetworkGateway1Required",
                format!("Connection {id} must reference virtualNetworkGateway1."),
            )
        })?;
        let gw1 = check_reference(cx, id, &gw1_raw, GATEWAY_TYPE, &location)?;
        require_vpn_gateway(cx, id, &gw1)?;
        let (peer_key, peer) = if conn_type == "IPsec" {
            let raw = opt_ref(&req, "localNetworkGateway2")?.ok_or_else(|| {
                conn_error(
                    "LocalNetworkGateway2Required",
                    format!("Connection {id} of type IPsec must reference localNetworkGateway2."),
                )
            })?;
            (
                "localNetworkGateway2",
                check_reference(cx, id, &raw, LNG_TYPE, &location)?,
            )
        } else {
            let raw = opt_ref(&req, "virtualNetworkGateway2")?.ok_or_else(|| {
                conn_error(
                    "VirtualNetworkGateway2Required",
                    format!(
                        "Connection {id} of type Vnet2Vnet must reference virtualNetworkGateway2."
                    ),
                )
            })?;
            // VNet-to-VNet connections may cross regions: the far gateway only has to exist.
            let far_loc = cx
                .rx()
                .get_key(&raw)?
                .and_then(|g| {
                    g.get("location")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_default();
            let gw2 = check_reference(cx, id, &raw, GATEWAY_TYPE, &far_loc)?;
            require_vpn_gateway(cx, id, &gw2)?;
            if crate::id::key_of(&gw2) == crate::id::key_of(&gw1) {
                return Err(conn_error(
                    "ConnectionGatewaysMustDiffer",
                    format!(
                        "Connection {id} cannot connect virtual network gateway {gw1} to itself."
                    ),
                ));
            }
            ("virtualNetworkGateway2", gw2)
        };
        if let Some(old) = existing {
            let same = ref_key(old, "virtualNetworkGateway1") == Some(crate::id::key_of(&gw1))
                && ref_key(old, peer_key) == Some(crate::id::key_of(&peer));
            if !same {
                return Err(conn_error("CannotChangeConnectionEndpoints", format!("The gateways of connection {id} cannot be changed. Delete the connection and create a new one.")));
            }
        }
        let key = match opt_str(&req, "sharedKey")? {
            Some(k)
                if k.is_empty()
                    || k.len() > 128
                    || !k.chars().all(|c| c.is_ascii_graphic() || c == ' ') =>
            {
                return Err(conn_error("InvalidSharedKey", format!("The shared key of connection {id} must be 1 to 128 printable ASCII characters.")));
            }
            Some(k) => k.to_string(),
            None => match existing.and_then(shared_key) {
                Some(k) => k.to_string(),
                // Azure generates a key when none is given. [UNCONFIRMED format]
                None => cx.guid()?.replace('-', ""),
            },
        };
        let mut props = json!({
            "provisioningState": "Succeeded",
            "resourceGuid": keep_or_new_guid(cx, existing)?,
            "connectionType": conn_type,
            "virtualNetworkGateway1": id_ref(&gw1),
            "connectionProtocol": enum_choice(&req, "connectionProtocol", &["IKEv2", "IKEv1"], "IKEv2")?,
            "connectionMode": enum_choice(&req, "connectionMode", &["Default", "InitiatorOnly", "ResponderOnly"], "Default")?,
            "routingWeight": opt_i64(&req, "routingWeight")?.unwrap_or(0),
            "dpdTimeoutSeconds": opt_i64(&req, "dpdTimeoutSeconds")?.unwrap_or(45),
            "enableBgp": opt_bool(&req, "enableBgp")?.unwrap_or(false),
            "usePolicyBasedTrafficSelectors": opt_bool(&req, "usePolicyBasedTrafficSelectors")?.unwrap_or(false),
            "useLocalAzureIpAddress": opt_bool(&req, "useLocalAzureIpAddress")?.unwrap_or(false),
            "expressRouteGatewayBypass": opt_bool(&req, "expressRouteGatewayBypass")?.unwrap_or(false),
            "enablePrivateLinkFastPath": false,
            "ipsecPolicies": req.get("ipsecPolicies").filter(|v| v.is_array()).cloned().unwrap_or(json!([])),
            "trafficSelectorPolicies": req.get("trafficSelectorPolicies").filter(|v| v.is_array()).cloned().unwrap_or(json!([])),
        });
        props[peer_key] = id_ref(&peer);
        let etag = cx.etag()?;
        let mut record = tracked(id, &location, &tags, &etag, props);
        record[INTERNAL] = json!({ "sharedKey": key });
        save(cx, id, &record)
    }

    fn render(&self, rx: &Rx, _id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        if let Some(m) = out.as_object_mut() {
            m.remove(INTERNAL);
        }
        out["properties"]["connectionStatus"] = json!(connection_status(rx, stored)?);
        out["properties"]["ingressBytesTransferred"] = json!(0);
        out["properties"]["egressBytesTransferred"] = json!(0);
        Ok(out)
    }

    fn refs(&self, _id: &ResourceId, stored: &Value) -> Vec<Ref> {
        [
            "virtualNetworkGateway1",
            "virtualNetworkGateway2",
            "localNetworkGateway2",
        ]
        .iter()
        .filter_map(|k| {
            stored
                .pointer(&format!("/properties/{k}/id"))
                .and_then(Value::as_str)
                .map(|t| Ref::new(k, t))
        })
        .collect()
    }
}
