//! `Microsoft.Network/publicIPAddresses` (az-cli-surface.md §12).
//!
//! Ground state: SKU, allocation method, idle timeout, DNS label, zones, and the address
//! handed out at creation. The address is data only: it comes from a fake range
//! (`20.40.0.0`–`20.239.255.255`, derived from a durable counter) and no traffic ever goes
//! to it. `ipConfiguration` (the NIC or gateway IP configuration using the address) is
//! derived from the reference index on every read.

use super::*;
use std::net::Ipv4Addr;

pub struct PublicIpAddresses;

pub const PIP_TYPE: &str = "Microsoft.Network/publicIPAddresses";

/// The IP configurations (NIC or gateway) referencing a public IP.
pub fn users(rx: &Rx, pip: &ResourceId) -> ArmResult<Vec<String>> {
    rx.referrers(pip, "publicIPAddress")
}

/// The address of a stored public IP as the service reports it: Static addresses always,
/// Dynamic ones only while attached (Azure assigns a dynamic address on association).
pub fn effective_address(rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Option<String>> {
    let addr = stored
        .pointer("/properties/ipAddress")
        .and_then(Value::as_str)
        .map(str::to_string);
    let is_static = stored
        .pointer("/properties/publicIPAllocationMethod")
        .and_then(Value::as_str)
        == Some("Static");
    if is_static || !users(rx, id)?.is_empty() {
        Ok(addr)
    } else {
        Ok(None)
    }
}

/// `PublicIPAddressInUse`: a public IP is associated with one IP configuration at a time.
/// Message confirmed from a service error quoted in kubernetes pod-identity code
/// ("Resource {cfg} is referencing public IP address {pip} that is already allocated to resource {other}.").
pub fn in_use(cfg: &str, pip: &str, other: &str) -> ArmError {
    ArmError::bad_request(
        "PublicIPAddressInUse",
        format!("Resource {cfg} is referencing public IP address {pip} that is already allocated to resource {other}."),
    )
}

/// A fresh fake address, unique among the subscription's public IPs.
fn allocate_address(cx: &mut Cx) -> ArmResult<String> {
    let sub = cx.config.subscription_id.clone();
    let taken: Vec<String> = cx
        .txn
        .list(PIP_TYPE, &sub, None)?
        .iter()
        .filter_map(|p| {
            p.pointer("/properties/ipAddress")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    for _ in 0..4096 {
        let n = cx.txn.next_sequence()?;
        let d = (n % 254) as u8 + 1;
        let c = ((n / 254) % 256) as u8;
        let b = 40 + ((n / 254 / 256) % 200) as u8;
        let ip = Ipv4Addr::new(20, b, c, d).to_string();
        if !taken.contains(&ip) {
            return Ok(ip);
        }
    }
    Err(ArmError::internal("no free fake public address"))
}

/// Azure's DNS label rule for public IPs: lowercase, starts with a letter, 3–63 characters.
/// [UNCONFIRMED message text, from memory of the Network RP error]
fn check_label(label: &str) -> ArmResult<()> {
    let ok = (3..=63).contains(&label.len())
        && label.starts_with(|c: char| c.is_ascii_lowercase())
        && label.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidDomainNameLabel",
            format!("The domain name label {label} is invalid. It must conform to the following regular expression: ^[a-z][a-z0-9-]{{1,61}}[a-z0-9]$."),
        ))
    }
}

fn parse_sku(body: &Value) -> ArmResult<(String, String)> {
    let sku = match body.get("sku") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(type_error("sku", "PublicIPAddressSku")),
    };
    // The REST default is Standard today (az defaults to Standard; Basic is retired).
    let name = enum_choice(&sku, "name", &["Basic", "Standard"], "Standard")?;
    let tier = enum_choice(&sku, "tier", &["Regional", "Global"], "Regional")?;
    if tier == "Global" && name != "Standard" {
        // [UNCONFIRMED code/text]
        return Err(ArmError::bad_request(
            "GlobalTierRequiresStandardSku",
            "A public IP address with the Global tier must use the Standard SKU.",
        ));
    }
    Ok((name, tier))
}

fn parse_zones(body: &Value) -> ArmResult<Option<Vec<String>>> {
    match body.get("zones") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|z| match z {
                Value::String(s) if ["1", "2", "3"].contains(&s.as_str()) => Ok(s.clone()),
                _ => Err(ArmError::bad_request(
                    "InvalidAvailabilityZone",
                    format!("The zone(s) '{z}' for resource 'publicIPAddresses' is not supported. The supported zones for location are '1,2,3'."),
                )),
            })
            .collect::<ArmResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(type_error("zones", "String[]")),
    }
}

impl ResourceKind for PublicIpAddresses {
    fn full_type(&self) -> &'static str {
        PIP_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, PIP_TYPE)?;
        check_location_unchanged(id, existing, &location)?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let req = properties(body)?;
        let (sku, tier) = parse_sku(body)?;
        let default_method = if sku == "Standard" {
            "Static"
        } else {
            "Dynamic"
        };
        let method = enum_choice(
            &req,
            "publicIPAllocationMethod",
            &["Static", "Dynamic"],
            default_method,
        )?;
        if sku == "Standard" && method != "Static" {
            // Confirmed: MicrosoftDocs/azure-docs issue #42889 (ErrorCode + message).
            return Err(ArmError::bad_request(
                "StandardSkuPublicIPAddressesMustBeStatic",
                format!("Standard sku publicIp {id} must have AllocationMethod set to Static."),
            ));
        }
        let version = enum_choice(&req, "publicIPAddressVersion", &["IPv4", "IPv6"], "IPv4")?;
        if version == "IPv6" {
            return Err(ArmError::not_supported("An IPv6 public IP address"));
        }
        let idle = opt_i64(&req, "idleTimeoutInMinutes")?.unwrap_or(4);
        if !(4..=30).contains(&idle) {
            // [UNCONFIRMED code/text]
            return Err(ArmError::bad_request(
                "PublicIPIdleTimeoutIsOutOfRange",
                format!("IdleTimeoutInMinutes value {idle} of public IP {id} is out of range. Supported range is 4 to 30 minutes."),
            ));
        }
        let zones = parse_zones(body)?;
        let label = match req.get("dnsSettings") {
            None | Some(Value::Null) => None,
            Some(Value::Object(d)) => opt_str(d, "domainNameLabel")
                .map_err(|_| type_error("properties.dnsSettings.domainNameLabel", "String"))?
                .map(str::to_string),
            Some(_) => {
                return Err(type_error(
                    "properties.dnsSettings",
                    "PublicIPAddressDnsSettings",
                ))
            }
        };
        if let Some(l) = &label {
            check_label(l)?;
            check_label_unique(cx, id, l, &location)?;
        }
        if let Some(old) = existing {
            let was_static = old
                .pointer("/properties/publicIPAllocationMethod")
                .and_then(Value::as_str)
                == Some("Static");
            if was_static && method == "Dynamic" {
                if let Some(user) = users(&cx.rx(), id)?.first() {
                    // Confirmed text: a service error quoted in a public troubleshooting note.
                    return Err(ArmError::bad_request(
                        "PublicIPAddressInUseCannotUpdateToDynamic",
                        format!("Public IP address {id} is in use by ipconfig {user} and cannot be updated from static to dynamic."),
                    ));
                }
            }
        }
        let address = match existing
            .and_then(|e| e.pointer("/properties/ipAddress"))
            .and_then(Value::as_str)
        {
            Some(a) => a.to_string(),
            None => allocate_address(cx)?,
        };
        let mut props = json!({
            "provisioningState": "Succeeded",
            "resourceGuid": keep_or_new_guid(cx, existing)?,
            "ipAddress": address,
            "publicIPAddressVersion": version,
            "publicIPAllocationMethod": method,
            "idleTimeoutInMinutes": idle,
            "ipTags": req.get("ipTags").filter(|v| v.is_array()).cloned().unwrap_or(json!([])),
        });
        if let Some(l) = &label {
            let mut dns = json!({ "domainNameLabel": l, "fqdn": format!("{l}.{location}.cloudapp.azure.com") });
            if let Some(Value::Object(d)) = req.get("dnsSettings") {
                if let Some(r) = d.get("reverseFqdn").filter(|v| v.is_string()) {
                    dns["reverseFqdn"] = r.clone();
                }
            }
            props["dnsSettings"] = dns;
        }
        if sku == "Standard" {
            props["ddosSettings"] = json!({ "protectionMode": "VirtualNetworkInherited" });
        }
        let etag = cx.etag()?;
        let mut record = tracked(id, &location, &tags, &etag, props);
        record["sku"] = json!({ "name": sku, "tier": tier });
        if let Some(z) = zones {
            record["zones"] = str_array(&z);
        }
        save(cx, id, &record)
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        match effective_address(rx, id, stored)? {
            Some(a) => out["properties"]["ipAddress"] = json!(a),
            None => {
                if let Some(p) = out.get_mut("properties").and_then(Value::as_object_mut) {
                    p.remove("ipAddress");
                }
            }
        }
        if let Some(user) = users(rx, id)?.first() {
            out["properties"]["ipConfiguration"] = id_ref(user);
        }
        Ok(out)
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        if let Some(user) = users(&cx.rx(), id)?.first() {
            // Confirmed text: packer / terraform logs of the Network RP error.
            return Err(ArmError::bad_request(
                "PublicIPAddressCannotBeDeleted",
                format!("Public IP address {id} can not be deleted since it is still allocated to resource {user}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do this, see aka.ms/deletepublicip."),
            ));
        }
        cx.delete(id)?;
        Ok(())
    }
}

/// A DNS label is unique per region. [UNCONFIRMED code/text]
fn check_label_unique(cx: &Cx, id: &ResourceId, label: &str, location: &str) -> ArmResult<()> {
    let sub = cx.config.subscription_id.clone();
    for other in cx.txn.list(PIP_TYPE, &sub, None)? {
        let same_label = other
            .pointer("/properties/dnsSettings/domainNameLabel")
            .and_then(Value::as_str)
            == Some(label);
        let same_loc = other.get("location").and_then(Value::as_str) == Some(location);
        let other_id = other.get("id").and_then(Value::as_str).unwrap_or_default();
        if same_label && same_loc && crate::id::key_of(other_id) != id.key() {
            return Err(ArmError::bad_request(
                "DnsRecordInUse",
                format!("DNS record {label}.{location}.cloudapp.azure.com is already used by another public IP."),
            ));
        }
    }
    Ok(())
}
