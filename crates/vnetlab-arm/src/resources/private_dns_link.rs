//! `Microsoft.Network/privateDnsZones/virtualNetworkLinks` (azure-semantics.md §10; shape
//! from azure-rest-api-specs privatedns 2024-06-01 `VirtualNetworkLink`).
//!
//! A link is a global tracked child of its zone that references a VNet. Rules:
//! - one link per zone and VNet (409 `Conflict`);
//! - a VNet cannot be linked to two zones with the same name (400 `BadRequest`);
//! - a VNet can have autoregistration in one zone only (409 `Conflict`).
//!
//! The link state is always `Completed` (vnetlab applies links synchronously).

use super::private_dns::require_global;
use super::virtual_network::VNET_TYPE;
use super::*;

pub struct VirtualNetworkLinks;

pub const LINK_TYPE: &str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";

/// Every private DNS link (of any zone) referencing a VNet.
pub fn links_to_vnet(rx: &Rx, vnet: &ResourceId) -> ArmResult<Vec<Value>> {
    let mut out = Vec::new();
    for src in rx.referrers(vnet, "virtualNetwork")? {
        let Ok(lid) = ResourceId::parse(&src) else {
            continue;
        };
        if lid.full_type().eq_ignore_ascii_case(LINK_TYPE) {
            if let Some(l) = rx.get(&lid)? {
                out.push(l);
            }
        }
    }
    Ok(out)
}

fn zone_of(link: &Value) -> Option<ResourceId> {
    link.get("id")
        .and_then(Value::as_str)
        .and_then(|i| ResourceId::parse(i).ok())
        .and_then(|l| l.parent())
}

fn check_conflicts(
    rx: &Rx,
    id: &ResourceId,
    zone: &ResourceId,
    vnet: &str,
    registration: bool,
) -> ArmResult<()> {
    let vnet_id = ResourceId::parse(vnet)?;
    for other in links_to_vnet(rx, &vnet_id)? {
        let other_id = other.get("id").and_then(Value::as_str).unwrap_or_default();
        if crate::id::key_of(other_id) == id.key() {
            continue;
        }
        let Some(other_zone) = zone_of(&other) else {
            continue;
        };
        if other_zone.key() == zone.key() {
            // Confirmed text: ansible-collections/azure#813 (Azure Error: Conflict).
            return Err(ArmError::conflict(
                "Conflict",
                format!(
                    "Private zone '{}' is already linked to the virtual network '{vnet}'.",
                    zone.name()
                ),
            ));
        }
        if other_zone.name().eq_ignore_ascii_case(zone.name()) {
            // Confirmed text: MicrosoftDocs/azure-aks-docs#212 (BadRequest).
            return Err(ArmError::bad_request(
                "BadRequest",
                format!(
                    "A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried to link virtual network with '{}' and '{}' zones.",
                    other_zone.name(),
                    zone.name()
                ),
            ));
        }
        if registration
            && other
                .pointer("/properties/registrationEnabled")
                .and_then(Value::as_bool)
                == Some(true)
        {
            // Confirmed text: Azure/terraform-azurerm-caf-enterprise-scale#157 (Code="Conflict").
            return Err(ArmError::conflict(
                "Conflict",
                format!("A virtual network can only be linked to 1 Private DNS zone(s) with auto-registration enabled; conflicting Private DNS zone is '{other_zone}'."),
            ));
        }
    }
    Ok(())
}

impl ResourceKind for VirtualNetworkLinks {
    fn full_type(&self) -> &'static str {
        LINK_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        require_global(body, LINK_TYPE)?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let req = properties(body)?;
        let raw = opt_ref(&req, "virtualNetwork")?.ok_or_else(|| {
            // [UNCONFIRMED text]
            ArmError::bad_request(
                "BadRequest",
                format!(
                    "The virtual network link {} must reference a virtual network.",
                    id.name()
                ),
            )
        })?;
        let vnet = ResourceId::parse(&raw)
            .ok()
            .filter(|v| v.full_type().eq_ignore_ascii_case(VNET_TYPE))
            .and_then(|v| cx.get(&v).ok().flatten())
            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
            // [UNCONFIRMED code/text]
            .ok_or_else(|| ArmError::bad_request("BadRequest", format!("Virtual network resource '{raw}' referenced by virtual network link {} was not found.", id.name())))?;
        if let Some(old) = existing
            .and_then(|e| e.pointer("/properties/virtualNetwork/id"))
            .and_then(Value::as_str)
        {
            if crate::id::key_of(old) != crate::id::key_of(&vnet) {
                // [UNCONFIRMED code/text]
                return Err(ArmError::bad_request(
                    "BadRequest",
                    format!(
                        "The virtual network of link {} cannot be changed.",
                        id.name()
                    ),
                ));
            }
        }
        let registration = opt_bool(&req, "registrationEnabled")?.unwrap_or(false);
        let zone = id
            .parent()
            .ok_or_else(|| ArmError::internal("link without zone"))?;
        check_conflicts(&cx.rx(), id, &zone, &vnet, registration)?;
        let mut props = json!({
            "provisioningState": "Succeeded",
            "virtualNetwork": id_ref(&vnet),
            "registrationEnabled": registration,
            "virtualNetworkLinkState": "Completed",
        });
        if opt_str(&req, "resolutionPolicy")?.is_some() {
            props["resolutionPolicy"] = json!(enum_choice(
                &req,
                "resolutionPolicy",
                &["Default", "NxDomainRedirect"],
                "Default"
            )?);
        }
        let etag = cx.etag()?;
        save(cx, id, &tracked(id, "global", &tags, &etag, props))
    }

    fn render(&self, _rx: &Rx, _id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(stored.clone())
    }

    fn refs(&self, _id: &ResourceId, stored: &Value) -> Vec<Ref> {
        stored
            .pointer("/properties/virtualNetwork/id")
            .and_then(Value::as_str)
            .map(|v| vec![Ref::new("virtualNetwork", v)])
            .unwrap_or_default()
    }
}
