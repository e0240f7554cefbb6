//! `Microsoft.Network/privateDnsZones` and their `A` record sets (azure-semantics.md §10,
//! az-cli-surface.md §16; shapes from azure-rest-api-specs
//! `specification/privatedns/resource-manager/Microsoft.Network/stable/2024-06-01/privatedns.json`).
//!
//! A zone is global, has at least two and at most 34 labels, and counts its record sets
//! (the SOA record, A record sets, and autoregistered VM records) and virtual network links.
//! Autoregistered records are derived, never stored: [`registered_records`] computes them
//! from the VMs whose primary NIC sits in a VNet linked with `registrationEnabled`.
//!
//! Emulation choice: deleting a zone deletes its links with it (a resource-group delete must
//! be able to remove a linked zone).

use super::private_dns_link::LINK_TYPE;
use super::*;

pub struct PrivateDnsZones;
pub struct ARecordSets;

pub const ZONE_TYPE: &str = "Microsoft.Network/privateDnsZones";
pub const A_TYPE: &str = "Microsoft.Network/privateDnsZones/A";

/// Private DNS resources live in `global` only. The error is ARM's location check.
pub fn require_global(body: &Value, full_type: &str) -> ArmResult<()> {
    match body.get("location") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("global") => Ok(()),
        Some(Value::String(s)) if !s.trim().is_empty() => Err(ArmError::bad_request(
            "LocationNotAvailableForResourceType",
            format!("The provided location '{s}' is not available for resource type '{full_type}'. List of available regions for the resource type is 'global'."),
        )),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ArmError::bad_request("LocationRequired", "The location property is required for this definition."))
        }
        Some(_) => Err(type_error("location", "String")),
    }
}

/// Zone names are DNS names of 2 to 34 labels.
fn validate_zone_name(name: &str) -> ArmResult<()> {
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        // Confirmed text: crossplane-contrib/provider-upjet-azure#19 (Private DNS zone, 400 BadRequest).
        return Err(ArmError::bad_request(
            "BadRequest",
            format!("The zone name '{name}' does not have enough labels. Zone names must have two or more labels."),
        ));
    }
    if labels.len() > 34 {
        // [UNCONFIRMED text]
        return Err(ArmError::bad_request("BadRequest", format!("The zone name '{name}' has too many labels. Zone names must have 34 or fewer labels.")));
    }
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if name.len() > 253 || !labels.iter().all(|l| label_ok(l)) {
        // [UNCONFIRMED text]
        return Err(ArmError::bad_request(
            "BadRequest",
            format!("The zone name '{name}' is not a valid DNS name."),
        ));
    }
    Ok(())
}

/// The VM records a zone autoregisters: `(hostname, private IPv4)` of every VM whose primary
/// NIC's primary IP configuration is in a VNet linked to the zone with registration enabled.
pub fn registered_records(rx: &Rx, zone_id: &ResourceId) -> ArmResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for link in rx.children(zone_id, LINK_TYPE)? {
        if link
            .pointer("/properties/registrationEnabled")
            .and_then(Value::as_bool)
            != Some(true)
        {
            continue;
        }
        let Some(vnet) = link
            .pointer("/properties/virtualNetwork/id")
            .and_then(Value::as_str)
            .and_then(|v| ResourceId::parse(v).ok())
        else {
            continue;
        };
        for s in rx.children(&vnet, super::subnet::SUBNET_TYPE)? {
            let sid = crate::router::stored_id(&s)?;
            for user in super::subnet::users(rx, &sid)? {
                let Ok(cfg_id) = ResourceId::parse(&user) else {
                    continue;
                };
                if !cfg_id
                    .full_type()
                    .eq_ignore_ascii_case(super::network_interface::NIC_IPCONFIG_TYPE)
                {
                    continue;
                }
                let Some(cfg) = rx.get(&cfg_id)? else {
                    continue;
                };
                if cfg.pointer("/properties/primary").and_then(Value::as_bool) != Some(true) {
                    continue;
                }
                let Some(nic) = cfg_id.parent() else { continue };
                let Some(vm_id) = super::network_interface::attached_vm(rx, &nic)? else {
                    continue;
                };
                let Some(vm) = rx.get_key(&vm_id)? else {
                    continue;
                };
                let is_primary = super::virtual_machine::primary_nic(&vm)
                    .is_some_and(|p| crate::id::key_of(&p) == nic.key());
                let ip = cfg
                    .pointer("/properties/privateIPAddress")
                    .and_then(Value::as_str);
                let host = vm
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase);
                if let (true, Some(ip), Some(host)) = (is_primary, ip, host) {
                    if !out.iter().any(|(h, _)| *h == host) {
                        out.push((host, ip.to_string()));
                    }
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn fqdn(zone: &str, record: &str) -> String {
    if record == "@" {
        format!("{zone}.")
    } else {
        format!("{record}.{zone}.")
    }
}

/// An autoregistered record as the record-set list shows it.
fn registered_record_set(
    zone_id: &ResourceId,
    host: &str,
    ip: &str,
    etag: Option<&Value>,
) -> Value {
    let id = zone_id.child("A", host);
    let mut v = json!({
        "id": id.to_string(), "name": host, "type": A_TYPE,
        "properties": { "ttl": 10, "fqdn": fqdn(zone_id.name(), host), "isAutoRegistered": true, "aRecords": [{ "ipv4Address": ip }] },
    });
    if let Some(e) = etag {
        v["etag"] = e.clone();
    }
    v
}

impl ResourceKind for PrivateDnsZones {
    fn full_type(&self) -> &'static str {
        ZONE_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        require_global(body, ZONE_TYPE)?;
        validate_zone_name(id.name())?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        // The zone keeps the casing of its first creation.
        let stored_id = match existing.and_then(|e| e.get("id")).and_then(Value::as_str) {
            Some(s) => ResourceId::parse(s)?,
            None => id.clone(),
        };
        let etag = cx.etag()?;
        let record = tracked(
            &stored_id,
            "global",
            &tags,
            &etag,
            json!({ "provisioningState": "Succeeded" }),
        );
        save(cx, id, &record)
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        let links = rx.children(id, LINK_TYPE)?;
        let with_reg = links
            .iter()
            .filter(|l| {
                l.pointer("/properties/registrationEnabled")
                    .and_then(Value::as_bool)
                    == Some(true)
            })
            .count();
        let manual: Vec<String> = rx
            .children(id, A_TYPE)?
            .iter()
            .filter_map(|r| {
                r.get("name")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase)
            })
            .collect();
        let auto = registered_records(rx, id)?
            .into_iter()
            .filter(|(h, _)| !manual.contains(h))
            .count();
        let p = &mut out["properties"];
        p["maxNumberOfRecordSets"] = json!(25000);
        p["numberOfRecordSets"] = json!(1 + manual.len() + auto);
        p["maxNumberOfVirtualNetworkLinks"] = json!(1000);
        p["numberOfVirtualNetworkLinks"] = json!(links.len());
        p["maxNumberOfVirtualNetworkLinksWithRegistration"] = json!(100);
        p["numberOfVirtualNetworkLinksWithRegistration"] = json!(with_reg);
        Ok(out)
    }
}

impl ResourceKind for ARecordSets {
    fn full_type(&self) -> &'static str {
        A_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        _existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let name = id.name();
        let name_ok = name == "@"
            || (name.len() <= 253
                && name.split('.').all(|l| {
                    (1..=63).contains(&l.len())
                        && l.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_*".contains(c))
                }));
        if !name_ok {
            // [UNCONFIRMED text]
            return Err(ArmError::bad_request(
                "BadRequest",
                format!("The record set name '{name}' is not valid."),
            ));
        }
        let req = properties(body)?;
        let ttl = opt_i64(&req, "ttl")?.unwrap_or(3600);
        if !(0..=2_147_483_647).contains(&ttl) {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!("The TTL {ttl} of record set '{name}' is out of range."),
            ));
        }
        let mut records = Vec::new();
        for (i, r) in req
            .get("aRecords")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let ip = r
                .get("ipv4Address")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    type_error(&format!("properties.aRecords[{i}].ipv4Address"), "String")
                })?;
            if ip.parse::<std::net::Ipv4Addr>().is_err() {
                // [UNCONFIRMED text]
                return Err(ArmError::bad_request(
                    "BadRequest",
                    format!("The IPv4 address '{ip}' of record set '{name}' is not valid."),
                ));
            }
            records.push(json!({ "ipv4Address": ip }));
        }
        let zone = id
            .parent()
            .ok_or_else(|| ArmError::internal("record set without zone"))?;
        let mut props = json!({ "ttl": ttl, "fqdn": fqdn(zone.name(), name), "isAutoRegistered": false, "aRecords": records });
        if let Some(m) = req.get("metadata").filter(|v| v.is_object()) {
            props["metadata"] = validate_tags(m)?;
        }
        let mut record = child(id, props);
        record["etag"] = json!(cx.etag()?);
        save(cx, id, &record)
    }

    fn render(&self, _rx: &Rx, _id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        Ok(stored.clone())
    }

    /// Stored record sets, then the autoregistered ones not shadowed by a stored name.
    fn list_children(&self, rx: &Rx, parent: &ResourceId) -> ArmResult<Vec<Value>> {
        let mut out = rx.children(parent, A_TYPE)?;
        let manual: Vec<String> = out
            .iter()
            .filter_map(|r| {
                r.get("name")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase)
            })
            .collect();
        let etag = root_etag(rx, parent)?;
        for (host, ip) in registered_records(rx, parent)? {
            if !manual.contains(&host) {
                out.push(registered_record_set(parent, &host, &ip, etag.as_ref()));
            }
        }
        Ok(out)
    }
}
