//! Peering links: no reciprocal link (Initiated), Disconnected links, stale address spaces,
//! and gateway transit configured on one side only or where it cannot work
//! (azure-semantics.md §2.1, §2.2, §2.4, §5.6, §11).

use super::{Finding, Severity};
use crate::inventory::{bool_at, id_of, last_name, parent_id, resource_group, str_at};
use crate::Verifier;
use serde_json::Value;

struct L<'a> {
    id: String,
    vnet: String,
    remote: String,
    v: &'a Value,
}

fn has_gateway(v: &Verifier, vnet_id: &str) -> bool {
    v.records
        .of_type("Microsoft.Network/virtualNetworkGateways/ipConfigurations")
        .any(|c| {
            str_at(c, "/properties/subnet/id")
                .is_some_and(|s| parent_id(s).eq_ignore_ascii_case(vnet_id))
        })
        || v.records
            .of_type("Microsoft.Network/virtualNetworkGateways")
            .any(|g| {
                g.pointer("/properties/ipConfigurations")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|c| {
                        str_at(c, "/properties/subnet/id")
                            .is_some_and(|s| parent_id(s).eq_ignore_ascii_case(vnet_id))
                    })
            })
}

pub fn check(v: &Verifier, out: &mut Vec<Finding>) {
    let links: Vec<L> = v
        .records
        .of_type("Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
        .map(|l| {
            let id = id_of(l);
            L {
                vnet: parent_id(&id).to_string(),
                remote: str_at(l, "/properties/remoteVirtualNetwork/id")
                    .unwrap_or("")
                    .to_string(),
                id,
                v: l,
            }
        })
        .collect();
    let reverse = |l: &L| {
        links.iter().find(|o| {
            o.vnet.eq_ignore_ascii_case(&l.remote) && o.remote.eq_ignore_ascii_case(&l.vnet)
        })
    };
    let name = |id: &str| last_name(id).to_string();
    for l in &links {
        let (vn, rn) = (name(&l.vnet), name(&l.remote));
        let state = str_at(l.v, "/properties/peeringState").unwrap_or("Initiated");
        if v.inv.vnet_ix(&l.remote).is_none() {
            out.push(Finding::new(
                Severity::Error,
                "peering-remote-missing",
                &l.id,
                format!(
                    "Peering {} on {vn} points at {}, which does not exist: no traffic flows.",
                    name(&l.id),
                    l.remote
                ),
                format!(
                    "az network vnet peering delete -g {} --vnet-name {vn} -n {}",
                    resource_group(&l.id),
                    name(&l.id)
                ),
            ));
            continue;
        }
        if state.eq_ignore_ascii_case("Initiated") && reverse(l).is_none() {
            out.push(Finding::new(
                Severity::Error,
                "peering-not-reciprocal",
                &l.id,
                format!("Peering {} from {vn} to {rn} has no reciprocal link, so it stays Initiated: no routes are installed and no traffic flows in either direction.", name(&l.id)),
                format!("az network vnet peering create -g {} -n {rn}-to-{vn} --vnet-name {rn} --remote-vnet {} --allow-vnet-access", resource_group(&l.remote), l.vnet),
            ));
        } else if state.eq_ignore_ascii_case("Disconnected") {
            out.push(Finding::new(
                Severity::Error,
                "peering-disconnected",
                &l.id,
                format!("Peering {} from {vn} to {rn} is Disconnected (the remote link or VNet was deleted and re-created): no traffic flows, and it cannot be updated back.", name(&l.id)),
                format!("Delete it and create both links again: az network vnet peering delete -g {} --vnet-name {vn} -n {}", resource_group(&l.id), name(&l.id)),
            ));
        }
        if let Some(sync) = str_at(l.v, "/properties/peeringSyncLevel") {
            if sync.eq_ignore_ascii_case("LocalNotInSync")
                || sync.eq_ignore_ascii_case("LocalAndRemoteNotInSync")
            {
                out.push(Finding::new(
                    Severity::Warning,
                    "peering-not-in-sync",
                    &l.id,
                    format!("{rn}'s address space changed since peering {} was synced ({sync}): {vn} has no routes to the new prefixes.", name(&l.id)),
                    format!("az network vnet peering sync -g {} --vnet-name {vn} -n {}", resource_group(&l.id), name(&l.id)),
                ));
            }
        }
        let use_remote = bool_at(l.v, "/properties/useRemoteGateways", false);
        let transit = bool_at(l.v, "/properties/allowGatewayTransit", false);
        let back = reverse(l);
        if use_remote {
            if has_gateway(v, &l.vnet) {
                out.push(Finding::new(Severity::Error, "remote-gateway-with-own-gateway", &l.id, format!("{vn} has its own virtual network gateway and also uses {rn}'s (useRemoteGateways): a VNet can use one or the other, never both."), format!("az network vnet peering update -g {} --vnet-name {vn} -n {} --set useRemoteGateways=false (or remove {vn}'s gateway)", resource_group(&l.id), name(&l.id))));
            }
            if !has_gateway(v, &l.remote) {
                out.push(Finding::new(Severity::Error, "remote-gateway-missing", &l.id, format!("Peering {} on {vn} uses {rn}'s gateway, but {rn} has no virtual network gateway: {vn} gets no routes to on-premises.", name(&l.id)), format!("Deploy a gateway in {rn}'s GatewaySubnet, or az network vnet peering update -g {} --vnet-name {vn} -n {} --set useRemoteGateways=false", resource_group(&l.id), name(&l.id))));
            }
            if let Some(b) = back {
                if !bool_at(b.v, "/properties/allowGatewayTransit", false) {
                    out.push(Finding::new(Severity::Error, "gateway-transit-one-sided", &l.id, format!("{vn} sets useRemoteGateways on {} but {rn}'s link {} does not allow gateway transit: {vn} gets no gateway routes and cannot reach on-premises.", name(&l.id), name(&b.id)), format!("az network vnet peering update -g {} --vnet-name {rn} -n {} --set allowGatewayTransit=true", resource_group(&b.id), name(&b.id))));
                }
            }
        }
        if transit && has_gateway(v, &l.vnet) {
            if let Some(b) = back {
                if !bool_at(b.v, "/properties/useRemoteGateways", false)
                    && !has_gateway(v, &l.remote)
                {
                    out.push(Finding::new(Severity::Warning, "gateway-transit-one-sided", &l.id, format!("{vn} offers its gateway to {rn} (allowGatewayTransit on {}) but {rn}'s link {} does not use it (useRemoteGateways is false): {rn} has no route to on-premises.", name(&l.id), name(&b.id)), format!("az network vnet peering update -g {} --vnet-name {rn} -n {} --set useRemoteGateways=true", resource_group(&b.id), name(&b.id))));
                }
            }
        }
    }
    // At most one link per VNet may use a remote gateway.
    for vn in &v.inv.vnets {
        let users: Vec<&L> = links
            .iter()
            .filter(|l| {
                l.vnet.eq_ignore_ascii_case(&vn.id)
                    && bool_at(l.v, "/properties/useRemoteGateways", false)
            })
            .collect();
        if users.len() > 1 {
            out.push(Finding::new(Severity::Error, "remote-gateway-twice", &vn.id, format!("{} uses remote gateways on {} links ({}): a VNet can use only one remote gateway.", vn.name, users.len(), users.iter().map(|l| name(&l.id)).collect::<Vec<_>>().join(", ")), "Keep useRemoteGateways on the link to the hub whose gateway the VNet should use; set it to false on the others.".into()));
        }
    }
}
