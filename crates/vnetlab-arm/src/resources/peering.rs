//! `Microsoft.Network/virtualNetworks/virtualNetworkPeerings` — one *link* of a peering
//! (azure-semantics.md §1.4, §2, §3).
//!
//! State machine (per link, stored): the first link of a pair is `Initiated`; creating the
//! reciprocal link makes both `Connected` in the same transaction; deleting a link (or its
//! VNet) makes the remote link `Disconnected`, and a `Disconnected` link blocks re-creating
//! its counterpart (`RemotePeeringIsDisconnected`) until it is itself re-PUT (→ `Initiated`)
//! or deleted.
//!
//! `remoteAddressSpace` is the snapshot actually peered (taken at creation and at `sync`);
//! `remoteVirtualNetworkAddressSpace` and `peeringSyncLevel` are derived on every read.

use super::virtual_network::{address_space, prefix_strings, VNET_TYPE};
use super::*;
use vnetlab_ipam::IpNet;

pub struct Peerings;

pub const PEERING_TYPE: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";

const STATE_INITIATED: &str = "Initiated";
const STATE_CONNECTED: &str = "Connected";
const STATE_DISCONNECTED: &str = "Disconnected";

/// A link as read from the store.
struct Link {
    id: ResourceId,
    body: Value,
}

impl Link {
    fn remote_id(&self) -> Option<&str> {
        self.body
            .pointer("/properties/remoteVirtualNetwork/id")
            .and_then(Value::as_str)
    }
    fn state(&self) -> &str {
        self.body
            .pointer("/properties/peeringState")
            .and_then(Value::as_str)
            .unwrap_or(STATE_INITIATED)
    }
    fn flag(&self, key: &str) -> bool {
        self.body
            .pointer(&format!("/properties/{key}"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
    fn peered_space(&self) -> Vec<String> {
        self.body
            .pointer("/properties/remoteAddressSpace/addressPrefixes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn links_of(rx: &Rx, vnet: &ResourceId) -> ArmResult<Vec<Link>> {
    rx.children(vnet, PEERING_TYPE)?
        .into_iter()
        .map(|body| {
            Ok(Link {
                id: crate::router::stored_id(&body)?,
                body,
            })
        })
        .collect()
}

/// The link on `on_vnet` that points at `target_vnet`, if any.
fn link_pointing_at(
    rx: &Rx,
    on_vnet: &ResourceId,
    target_vnet: &ResourceId,
) -> ArmResult<Option<Link>> {
    Ok(links_of(rx, on_vnet)?.into_iter().find(|l| {
        l.remote_id().map(crate::id::key_of).as_deref() == Some(target_vnet.key().as_str())
    }))
}

/// Ids of the virtual network gateways deployed in a VNet's `GatewaySubnet`.
pub fn gateways_of(rx: &Rx, vnet: &ResourceId) -> ArmResult<Vec<String>> {
    let gw_subnet = vnet.child("subnets", "GatewaySubnet");
    if rx.get(&gw_subnet)?.is_none() {
        return Ok(Vec::new());
    }
    Ok(super::subnet::users(rx, &gw_subnet)?
        .into_iter()
        .filter(|u| u.to_ascii_lowercase().contains("/virtualnetworkgateways/"))
        .map(|u| {
            u.split("/ipConfigurations/")
                .next()
                .unwrap_or(&u)
                .to_string()
        })
        .collect())
}

fn overlap_text(pairs: &[(IpNet, IpNet)]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for (a, b) in pairs {
        for p in [a.to_string(), b.to_string()] {
            if !seen.contains(&p) {
                seen.push(p);
            }
        }
    }
    seen.join(", ")
}

impl ResourceKind for Peerings {
    fn full_type(&self) -> &'static str {
        PEERING_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        req: &ArmRequest,
    ) -> ArmResult<()> {
        let local_id = id
            .parent()
            .ok_or_else(|| ArmError::internal("peering without parent"))?;
        let local = cx.require(&local_id)?;
        let props = properties(body)?;
        let remote_raw = opt_ref(&props, "remoteVirtualNetwork")?.ok_or_else(|| {
            ArmError::bad_request("MissingRemoteVirtualNetwork", format!("Peering {id} must reference a remote virtual network (properties.remoteVirtualNetwork.id)."))
        })?;
        let remote_id = ResourceId::parse(&remote_raw)
            .ok()
            .filter(|r| r.full_type().eq_ignore_ascii_case(VNET_TYPE))
            .ok_or_else(|| ArmError::bad_request("InvalidResourceReference", format!("Resource {remote_raw} referenced by resource {id} is not a virtual network id.")))?;
        let remote = cx.get(&remote_id)?.ok_or_else(|| {
            ArmError::bad_request(
                "ReferencedResourceNotFound",
                format!("Cannot create or update peering {id} because remote virtual network {remote_raw} does not exist."),
            )
        })?;
        let remote_id = crate::router::stored_id(&remote)?;
        let local_id = crate::router::stored_id(&local)?;

        let flag = |k: &str, default: bool| -> ArmResult<bool> {
            Ok(opt_bool(&props, k)?.unwrap_or(default))
        };
        // Omitted: Azure's REST default allows VNet access (PowerShell exposes -BlockVirtualNetworkAccess);
        // az always sends the flag explicitly (false unless given). [UNCONFIRMED server default; §13.7]
        let allow_vnet_access = flag("allowVirtualNetworkAccess", true)?;
        let allow_forwarded = flag("allowForwardedTraffic", false)?;
        let allow_transit = flag("allowGatewayTransit", false)?;
        let use_remote_gw = flag("useRemoteGateways", false)?;
        let no_verify = flag("doNotVerifyRemoteGateways", false)?;
        let complete = flag("peerCompleteVnets", true)?;
        let only_v6 = flag("enableOnlyIPv6Peering", false)?;

        if let Some(old) = existing {
            let old_remote = old
                .pointer("/properties/remoteVirtualNetwork/id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if crate::id::key_of(old_remote) != remote_id.key() {
                return Err(ArmError::bad_request(
                    "CannotChangeRemoteVirtualNetworkOfPeering",
                    format!("Cannot change remote virtual network of peering {id} from {old_remote} to {remote_id}. Delete the peering and create a new one."),
                ));
            }
            if old
                .pointer("/properties/peerCompleteVnets")
                .and_then(Value::as_bool)
                .unwrap_or(true)
                != complete
            {
                return Err(ArmError::bad_request(
                    "CannotChangePeeringType",
                    format!("Cannot change peering {id} between virtual network peering and subnet peering. Delete the peering and create a new one."),
                ));
            }
        }

        // Address spaces that take part (whole VNets, or the named subnets for subnet peering).
        let (local_names, remote_names) = if complete {
            (Vec::new(), Vec::new())
        } else {
            let l = opt_str_list(&props, "localSubnetNames")?.unwrap_or_default();
            let r = opt_str_list(&props, "remoteSubnetNames")?.unwrap_or_default();
            if l.is_empty() || r.is_empty() {
                return Err(ArmError::bad_request(
                    "SubnetPeeringRequiresSubnetNames",
                    format!("Peering {id} has peerCompleteVnets set to false and must list localSubnetNames and remoteSubnetNames."),
                ));
            }
            (l, r)
        };
        let local_space = peered_prefixes(&cx.rx(), &local_id, &local, &local_names)?;
        let remote_space = peered_prefixes(&cx.rx(), &remote_id, &remote, &remote_names)?;

        // Overlap: the two spaces (a VNet peered to itself necessarily overlaps).
        let pairs = vnetlab_ipam::overlapping_pairs(&local_space, &remote_space);
        if !pairs.is_empty() || local_id.key() == remote_id.key() {
            let text = if pairs.is_empty() {
                local_space
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                overlap_text(&pairs)
            };
            return Err(ArmError::bad_request(
                "VnetAddressSpacesOverlap",
                format!("Cannot create or update peering {id}. Virtual networks {local_id} and {remote_id} cannot be peered because their address spaces overlap. Overlapping address prefixes: {text}"),
            ));
        }

        // One link per VNet pair.
        if let Some(other) = link_pointing_at(&cx.rx(), &local_id, &remote_id)? {
            if other.id.key() != id.key() {
                return Err(ArmError::bad_request(
                    "AnotherPeeringAlreadyReferencesRemoteVnet",
                    format!("Peering {} already references remote virtual network {remote_id}. Cannot add another peering {id} referencing the same remote virtual network.", other.id),
                ));
            }
        }

        // The local space must not overlap a VNet already peered with the remote, nor the
        // remote space one already peered with the local VNet.
        check_already_peered(&cx.rx(), id, &local_id, &local_space, &remote_id)?;
        check_already_peered(&cx.rx(), id, &remote_id, &remote_space, &local_id)?;

        let reverse = link_pointing_at(&cx.rx(), &remote_id, &local_id)?;
        if let Some(rev) = &reverse {
            if rev.state() == STATE_DISCONNECTED {
                return Err(ArmError::bad_request(
                    "RemotePeeringIsDisconnected",
                    format!("Cannot create or update peering {id} because remote peering {} referencing parent virtual network {local_id} is in Disconnected state. Update or re-create the remote peering to get it back to Initiated state. Peering gets Disconnected when remote vnet or remote peering is deleted and re-created.", rev.id),
                ));
            }
        }

        check_gateway_flags(
            &cx.rx(),
            id,
            &local_id,
            &remote_id,
            allow_transit,
            use_remote_gw,
            no_verify,
            reverse.as_ref(),
        )?;

        // State: Connected when the reciprocal link exists (it moves to Connected too);
        // an update keeps a Connected link Connected; a Disconnected link re-PUT starts over.
        let state = if reverse.is_some() {
            STATE_CONNECTED
        } else {
            STATE_INITIATED
        };
        let sync = req
            .query_value("syncRemoteAddressSpace")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let peered_remote: Vec<String> = match existing {
            Some(old)
                if !sync
                    && state == STATE_CONNECTED
                    && old
                        .pointer("/properties/peeringState")
                        .and_then(Value::as_str)
                        == Some(STATE_CONNECTED) =>
            {
                Link {
                    id: id.clone(),
                    body: old.clone(),
                }
                .peered_space()
            }
            _ => remote_space.iter().map(|p| p.to_string()).collect(),
        };
        let guid = match existing
            .and_then(|e| e.pointer("/properties/resourceGuid"))
            .and_then(Value::as_str)
        {
            Some(g) => g.to_string(),
            None => cx.guid()?,
        };
        let mut p = json!({
            "peeringState": state,
            "remoteVirtualNetwork": id_ref(&remote_id.to_string()),
            "allowVirtualNetworkAccess": allow_vnet_access,
            "allowForwardedTraffic": allow_forwarded,
            "allowGatewayTransit": allow_transit,
            "useRemoteGateways": use_remote_gw,
            "doNotVerifyRemoteGateways": no_verify,
            "peerCompleteVnets": complete,
            "remoteAddressSpace": { "addressPrefixes": peered_remote },
            "resourceGuid": guid,
            "provisioningState": "Succeeded",
        });
        // Only echoed when set: az's peering schema (api 2023-11-01) predates the property.
        if props.contains_key("enableOnlyIPv6Peering") || only_v6 {
            p["enableOnlyIPv6Peering"] = json!(only_v6);
        }
        if !complete {
            p["localSubnetNames"] = str_array(&local_names);
            p["remoteSubnetNames"] = str_array(&remote_names);
            p["localAddressSpace"] = json!({ "addressPrefixes": local_space.iter().map(|n| n.to_string()).collect::<Vec<_>>() });
        }
        save(cx, id, &child(id, p))?;

        if let Some(rev) = reverse {
            if rev.state() != STATE_CONNECTED {
                let mut body = rev.body.clone();
                body["properties"]["peeringState"] = json!(STATE_CONNECTED);
                save(cx, &rev.id, &body)?;
                cx.touch(&remote_id)?;
            }
        }
        Ok(())
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        render_link(rx, id, stored)
    }

    fn refs(&self, _id: &ResourceId, stored: &Value) -> Vec<Ref> {
        stored
            .pointer("/properties/remoteVirtualNetwork/id")
            .and_then(Value::as_str)
            .map(|r| vec![Ref::new("remoteVirtualNetwork", r)])
            .unwrap_or_default()
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, stored: &Value) -> ArmResult<()> {
        let link = Link {
            id: id.clone(),
            body: stored.clone(),
        };
        let local_id = id
            .parent()
            .ok_or_else(|| ArmError::internal("peering without parent"))?;
        cx.delete(id)?;
        if let Some(remote_raw) = link.remote_id() {
            if let Ok(remote_id) = ResourceId::parse(remote_raw) {
                disconnect(cx, &remote_id, &local_id)?;
            }
        }
        Ok(())
    }
}

/// Marks the link on `on_vnet` pointing at `gone_vnet` Disconnected (its counterpart is gone).
fn disconnect(cx: &mut Cx, on_vnet: &ResourceId, gone_vnet: &ResourceId) -> ArmResult<()> {
    if let Some(rev) = link_pointing_at(&cx.rx(), on_vnet, gone_vnet)? {
        let mut body = rev.body.clone();
        body["properties"]["peeringState"] = json!(STATE_DISCONNECTED);
        save(cx, &rev.id, &body)?;
        cx.touch(on_vnet)?;
    }
    Ok(())
}

/// A VNet is being deleted: every link elsewhere that points at it goes Disconnected.
pub fn disconnect_links_to(cx: &mut Cx, vnet: &ResourceId) -> ArmResult<()> {
    for src in cx.rx().referrers(vnet, "remoteVirtualNetwork")? {
        let Ok(link_id) = ResourceId::parse(&src) else {
            continue;
        };
        let Some(owner) = link_id.parent() else {
            continue;
        };
        if owner.key() != vnet.key() {
            disconnect(cx, &owner, vnet)?;
        }
    }
    Ok(())
}

/// The prefixes a VNet contributes to a peering: its address space, or the named subnets'.
fn peered_prefixes(
    rx: &Rx,
    vnet_id: &ResourceId,
    vnet: &Value,
    subnet_names: &[String],
) -> ArmResult<Vec<IpNet>> {
    if subnet_names.is_empty() {
        return Ok(address_space(vnet));
    }
    let mut out = Vec::new();
    for name in subnet_names {
        let sid = vnet_id.child("subnets", name);
        let s = rx.get(&sid)?.ok_or_else(|| {
            ArmError::bad_request("SubnetNotFoundForSubnetPeering", format!("Subnet {name} named for subnet peering does not exist in virtual network {vnet_id}."))
        })?;
        out.extend(super::subnet::stored_prefixes(&s));
    }
    Ok(out)
}

/// `VnetAddressSpaceOverlapsWithAlreadyPeeredVnet`: `first_space` (of `first`) against every
/// VNet already peered with `second` (other than `first`).
fn check_already_peered(
    rx: &Rx,
    link: &ResourceId,
    first: &ResourceId,
    first_space: &[IpNet],
    second: &ResourceId,
) -> ArmResult<()> {
    for l in links_of(rx, second)? {
        let Some(other_raw) = l.remote_id() else {
            continue;
        };
        if crate::id::key_of(other_raw) == first.key() || l.state() == STATE_DISCONNECTED {
            continue;
        }
        let other_space: Vec<IpNet> = l
            .peered_space()
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect();
        let pairs = vnetlab_ipam::overlapping_pairs(first_space, &other_space);
        if !pairs.is_empty() {
            let (a, b) = (first, second);
            return Err(ArmError::bad_request(
                "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet",
                format!(
                    "Cannot create or update peering {link}. Virtual networks {a} and {b} cannot be peered because address space of the first virtual network overlaps with address space of virtual network {other_raw} already peered with the second virtual network. Overlapping address prefixes: {}.",
                    pairs.iter().map(|(x, _)| x.to_string()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Gateway-transit rules (azure-semantics.md §2.4, §3, §11).
#[allow(clippy::too_many_arguments)]
fn check_gateway_flags(
    rx: &Rx,
    id: &ResourceId,
    local: &ResourceId,
    remote: &ResourceId,
    allow_transit: bool,
    use_remote: bool,
    no_verify: bool,
    reverse: Option<&Link>,
) -> ArmResult<()> {
    if !use_remote {
        return Ok(());
    }
    if allow_transit {
        // [UNCONFIRMED code; §13.2]
        return Err(ArmError::bad_request(
            "PeeringCannotHaveBothAllowGatewayTransitAndUseRemoteGateways",
            format!("Peering {id} cannot have both AllowGatewayTransit and UseRemoteGateways flags set to true."),
        ));
    }
    if !no_verify && gateways_of(rx, remote)?.is_empty() {
        return Err(ArmError::bad_request(
            "RemoteVnetHasNoGateways",
            format!("Peering {id} cannot have UseRemoteGateway flag set to true because remote virtual network {remote} referenced by the peering does not have any gateways."),
        ));
    }
    if !gateways_of(rx, local)?.is_empty() {
        // [UNCONFIRMED code; documented rule "You can't use remote gateways if you already have a gateway"]
        return Err(ArmError::bad_request(
            "VnetWithGatewayCannotUseRemoteGateways",
            format!("Peering {id} cannot have UseRemoteGateways flag set to true because virtual network {local} already has a gateway."),
        ));
    }
    for l in links_of(rx, local)? {
        if l.id.key() != id.key() && l.flag("useRemoteGateways") {
            // [UNCONFIRMED code; documented rule "Only one peering can have this setting enabled"]
            return Err(ArmError::bad_request(
                "OnlyOnePeeringCanUseRemoteGateways",
                format!("Peering {id} cannot have UseRemoteGateways flag set to true because peering {} of the same virtual network already uses remote gateways.", l.id),
            ));
        }
    }
    if let Some(rev) = reverse {
        if !rev.flag("allowGatewayTransit") {
            // [UNCONFIRMED whether Azure rejects or ignores; §13.3 — vnetlab rejects so the mistake is visible]
            return Err(ArmError::bad_request(
                "RemotePeeringDoesNotAllowGatewayTransit",
                format!("Peering {id} cannot have UseRemoteGateways flag set to true because remote peering {} does not have AllowGatewayTransit flag set to true.", rev.id),
            ));
        }
    }
    Ok(())
}

/// Renders a link with its derived properties: the remote VNet's current space, sync level,
/// BGP communities.
pub fn render_link(rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
    render_link_with_etag(rx, id, stored, root_etag(rx, id)?.as_ref())
}

/// As [`render_link`], with the local VNet's etag already known (embedded in a VNet GET).
pub fn render_link_with_etag(
    rx: &Rx,
    id: &ResourceId,
    stored: &Value,
    etag: Option<&Value>,
) -> ArmResult<Value> {
    let mut out = with_etag(stored.clone(), etag);
    let link = Link {
        id: id.clone(),
        body: stored.clone(),
    };
    let local_id = id
        .parent()
        .ok_or_else(|| ArmError::internal("peering without parent"))?;
    let local = rx.get(&local_id)?;
    let remote_id = link.remote_id().and_then(|r| ResourceId::parse(r).ok());
    let remote = match &remote_id {
        Some(r) => rx.get(r)?,
        None => None,
    };
    let mut local_stale = true;
    if let Some(remote) = &remote {
        let current = prefix_strings(remote);
        local_stale = !same_set(&link.peered_space(), &current);
        out["properties"]["remoteVirtualNetworkAddressSpace"] =
            json!({ "addressPrefixes": current });
        if let Some(b) = remote.pointer("/properties/bgpCommunities") {
            out["properties"]["remoteBgpCommunities"] = b.clone();
        }
        if let Some(e) = remote.pointer("/properties/encryption") {
            out["properties"]["remoteVirtualNetworkEncryption"] = e.clone();
        }
    }
    let reverse = match (&remote_id, &local) {
        (Some(r), Some(_)) => link_pointing_at(rx, r, &local_id)?,
        _ => None,
    };
    let remote_stale = match (&reverse, &local) {
        (Some(rev), Some(local)) if link.state() == STATE_CONNECTED => {
            !same_set(&rev.peered_space(), &prefix_strings(local))
        }
        _ => true,
    };
    if let (Some(local), false) = (&local, link.flag("peerCompleteVnets")) {
        // Subnet peering also reports the local side (azure-semantics.md §1.4).
        out["properties"]["localVirtualNetworkAddressSpace"] =
            json!({ "addressPrefixes": prefix_strings(local) });
    }
    let level = match (local_stale, remote_stale) {
        (false, false) => "FullyInSync",
        (true, false) => "LocalNotInSync",
        (false, true) => "RemoteNotInSync",
        (true, true) => "LocalAndRemoteNotInSync",
    };
    out["properties"]["peeringSyncLevel"] = json!(level);
    Ok(out)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort();
    b.sort();
    a == b
}
