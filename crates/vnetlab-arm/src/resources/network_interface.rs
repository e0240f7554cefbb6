//! `Microsoft.Network/networkInterfaces` and their IP configurations
//! (azure-semantics.md §4, az-cli-surface.md §11).
//!
//! A NIC PUT carries its IP configurations inline; each is stored as its own child record
//! (`…/ipConfigurations/{name}`) that references its subnet, public IP and ASGs, so the
//! subnet lists it in `ipConfigurations` and refuses deletion while it is there.
//!
//! Private addresses: `Static` ones are checked against the subnet (inside, not one of the
//! five Azure keeps, not taken); `Dynamic` ones get the lowest free address (first host .4)
//! and keep it across updates (see `private_ip`). IPv4 only.
//!
//! Derived on read: `virtualMachine` (the VM referencing the NIC), `macAddress` and
//! `primary` (only once attached), `dnsSettings.internalDomainNameSuffix` (stable per VNet).

use super::private_ip::{self, AddressRequest};
use super::public_ip_address::{self, PIP_TYPE};
use super::subnet::{self, SUBNET_TYPE};
use super::*;
use std::net::Ipv4Addr;

pub struct NetworkInterfaces;
pub struct NicIpConfigurations;

pub const NIC_TYPE: &str = "Microsoft.Network/networkInterfaces";
pub const NIC_IPCONFIG_TYPE: &str = "Microsoft.Network/networkInterfaces/ipConfigurations";
const NSG_TYPE: &str = "Microsoft.Network/networkSecurityGroups";
const ASG_TYPE: &str = "Microsoft.Network/applicationSecurityGroups";

/// The VM a NIC is attached to (the VM declares a `networkInterface` reference).
pub fn attached_vm(rx: &Rx, nic: &ResourceId) -> ArmResult<Option<String>> {
    Ok(rx.referrers(nic, "networkInterface")?.into_iter().next())
}

/// Azure MACs carry Microsoft's `00-0D-3A` OUI; the rest is derived from the NIC's GUID.
pub fn mac_address(resource_guid: &str) -> String {
    let h = stable_hash(resource_guid);
    format!(
        "00-0D-3A-{:02X}-{:02X}-{:02X}",
        (h >> 16) & 0xff,
        (h >> 8) & 0xff,
        h & 0xff
    )
}

/// The per-VNet DNS suffix of Azure-provided name resolution (azure-semantics.md §10):
/// `<26 characters>.bx.internal.cloudapp.net`, stable for a VNet (from its resourceGuid).
pub fn internal_domain_name_suffix(vnet_guid: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let (mut a, mut b) = (
        stable_hash(vnet_guid),
        stable_hash(&format!("{vnet_guid}#suffix")),
    );
    let mut s = String::with_capacity(26);
    for i in 0..26 {
        let src = if i < 13 { &mut a } else { &mut b };
        s.push(ALPHABET[(*src % 36) as usize] as char);
        *src /= 36;
    }
    format!("{s}.bx.internal.cloudapp.net")
}

/// The stored IP configuration records of a NIC, in creation order.
pub fn ip_configurations(rx: &Rx, nic: &ResourceId) -> ArmResult<Vec<Value>> {
    rx.children(nic, NIC_IPCONFIG_TYPE)
}

/// The subnet of a NIC's primary IP configuration.
pub fn primary_subnet(rx: &Rx, nic: &ResourceId) -> ArmResult<Option<String>> {
    let cfgs = ip_configurations(rx, nic)?;
    let primary = cfgs
        .iter()
        .find(|c| c.pointer("/properties/primary").and_then(Value::as_bool) == Some(true))
        .or(cfgs.first());
    Ok(primary
        .and_then(|c| c.pointer("/properties/subnet/id"))
        .and_then(Value::as_str)
        .map(str::to_string))
}

/// One requested IP configuration after validation.
struct Cfg {
    id: ResourceId,
    subnet: ResourceId,
    is_static: bool,
    requested: Option<Ipv4Addr>,
    primary: Option<bool>,
    pip: Option<String>,
    asgs: Vec<String>,
}

fn ref_list(props: &Map<String, Value>, key: &str, path: &str) -> ArmResult<Vec<String>> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| type_error(path, "SubResource[]"))
            })
            .collect(),
        Some(_) => Err(type_error(path, "SubResource[]")),
    }
}

fn parse_cfg(cx: &Cx, nic: &ResourceId, location: &str, i: usize, raw: &Value) -> ArmResult<Cfg> {
    let name = raw
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| type_error(&format!("properties.ipConfigurations[{i}].name"), "String"))?;
    let id = nic.child("ipConfigurations", name);
    validate_name(&id)?;
    let p = properties(raw)?;
    for unsupported in [
        "loadBalancerBackendAddressPools",
        "loadBalancerInboundNatRules",
        "applicationGatewayBackendAddressPools",
        "virtualNetworkTaps",
        "gatewayLoadBalancer",
    ] {
        if p.get(unsupported)
            .is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
        {
            return Err(ArmError::not_supported(format!(
                "'{unsupported}' on a NIC IP configuration"
            )));
        }
    }
    let subnet_ref = opt_ref(&p, "subnet")?.ok_or_else(|| {
        // [UNCONFIRMED code; text as the Network RP words it in a PowerShell report]
        ArmError::bad_request(
            "SubnetReferenceRequired",
            format!("Subnet reference is required for ipconfiguration {id}."),
        )
    })?;
    let subnet_id = ResourceId::parse(&subnet::check_reference(
        cx,
        &id,
        &subnet_ref,
        SUBNET_TYPE,
        location,
    )?)?;
    let vnet_id = subnet_id
        .parent()
        .ok_or_else(|| ArmError::internal("subnet without parent"))?;
    if let Some(vloc) = cx.get(&vnet_id)?.and_then(|v| {
        v.get("location")
            .and_then(Value::as_str)
            .map(str::to_string)
    }) {
        if vloc != location {
            return Err(ArmError::bad_request(
                "InvalidResourceReference",
                format!("Resource {subnet_ref} referenced by resource {id} is in region {vloc}, but the referencing resource is in region {location}. Both resources must be in the same region."),
            ));
        }
    }
    if enum_choice(&p, "privateIPAddressVersion", &["IPv4", "IPv6"], "IPv4")? == "IPv6" {
        return Err(ArmError::not_supported("An IPv6 IP configuration"));
    }
    let is_static = enum_choice(
        &p,
        "privateIPAllocationMethod",
        &["Dynamic", "Static"],
        "Dynamic",
    )? == "Static";
    let requested = match opt_str(&p, "privateIPAddress")? {
        Some(s) if is_static => Some(s.trim().parse::<Ipv4Addr>().map_err(|_| {
            // [UNCONFIRMED code/text]
            ArmError::bad_request(
                "InvalidPrivateIPAddressFormat",
                format!(
                    "Private IP address {s} of IP configuration {id} is not a valid IPv4 address."
                ),
            )
        })?),
        _ => None,
    };
    if is_static && requested.is_none() {
        // [UNCONFIRMED code/text]
        return Err(ArmError::bad_request(
            "PrivateIPAddressRequiredForStaticAllocation",
            format!("IP configuration {id} has privateIPAllocationMethod Static but no privateIPAddress."),
        ));
    }
    let pip = match opt_ref(&p, "publicIPAddress")? {
        Some(r) => Some(subnet::check_reference(cx, &id, &r, PIP_TYPE, location)?),
        None => None,
    };
    let mut asgs = Vec::new();
    for r in ref_list(
        &p,
        "applicationSecurityGroups",
        &format!("properties.ipConfigurations[{i}].properties.applicationSecurityGroups"),
    )? {
        asgs.push(subnet::check_reference(cx, &id, &r, ASG_TYPE, location)?);
    }
    Ok(Cfg {
        id,
        subnet: subnet_id,
        is_static,
        requested,
        primary: opt_bool(&p, "primary")?,
        pip,
        asgs,
    })
}

impl ResourceKind for NetworkInterfaces {
    fn full_type(&self) -> &'static str {
        NIC_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, NIC_TYPE)?;
        check_location_unchanged(id, existing, &location)?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let req = properties(body)?;
        let raw_cfgs = match req.get("ipConfigurations") {
            Some(Value::Array(a)) if !a.is_empty() => a.clone(),
            Some(Value::Array(_)) | None | Some(Value::Null) => {
                // [UNCONFIRMED code/text]
                return Err(ArmError::bad_request(
                    "NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
                    format!("Network interface {id} must have at least one IP configuration."),
                ));
            }
            Some(_) => {
                return Err(type_error(
                    "properties.ipConfigurations",
                    "NetworkInterfaceIPConfiguration[]",
                ))
            }
        };
        let mut cfgs: Vec<Cfg> = Vec::new();
        for (i, raw) in raw_cfgs.iter().enumerate() {
            let c = parse_cfg(cx, id, &location, i, raw)?;
            if cfgs.iter().any(|o| o.id.key() == c.id.key()) {
                return Err(ArmError::bad_request(
                    "DuplicateResourceName",
                    format!("IP configuration name {} is used more than once in network interface {id}.", c.id.name()),
                ));
            }
            cfgs.push(c);
        }
        check_single_vnet(cx, id, &cfgs)?;
        let primaries = cfgs.iter().filter(|c| c.primary == Some(true)).count();
        if primaries > 1 {
            // [UNCONFIRMED code/text]
            return Err(ArmError::bad_request(
                "MultiplePrimaryIpConfigurationsNotAllowed",
                format!(
                    "Network interface {id} has more than one IP configuration marked as primary."
                ),
            ));
        }
        let primary_idx = cfgs
            .iter()
            .position(|c| c.primary == Some(true))
            .unwrap_or(0);
        check_public_ips(cx, id, &cfgs)?;
        let nsg = match opt_ref(&req, "networkSecurityGroup")? {
            Some(r) => Some(subnet::check_reference(cx, id, &r, NSG_TYPE, &location)?),
            None => None,
        };
        let dns_servers = match req.get("dnsSettings") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(d)) => opt_str_list(d, "dnsServers")?.unwrap_or_default(),
            Some(_) => {
                return Err(type_error(
                    "properties.dnsSettings",
                    "NetworkInterfaceDnsSettings",
                ))
            }
        };
        for s in &dns_servers {
            if s.parse::<std::net::IpAddr>().is_err() {
                // [UNCONFIRMED code/text] (same family as the VNet's DNS server check)
                return Err(ArmError::bad_request(
                    "InvalidDnsServerIpAddress",
                    format!("DNS server IP address {s} of network interface {id} is not valid."),
                ));
            }
        }

        let old = ip_configurations(&cx.rx(), id)?;
        let requests: Vec<AddressRequest> = cfgs
            .iter()
            .map(|c| AddressRequest {
                id: c.id.clone(),
                subnet: c.subnet.clone(),
                is_static: c.is_static,
                requested: c.requested,
            })
            .collect();
        let addresses = private_ip::assign(&cx.rx(), &requests, &old)?;

        let mut dns = json!({ "dnsServers": dns_servers });
        if let Some(Value::Object(d)) = req.get("dnsSettings") {
            if let Some(l) = d.get("internalDnsNameLabel").filter(|v| v.is_string()) {
                dns["internalDnsNameLabel"] = l.clone();
            }
        }
        let mut props = json!({
            "provisioningState": "Succeeded",
            "resourceGuid": keep_or_new_guid(cx, existing)?,
            "dnsSettings": dns,
            "enableAcceleratedNetworking": opt_bool(&req, "enableAcceleratedNetworking")?.unwrap_or(false),
            "enableIPForwarding": opt_bool(&req, "enableIPForwarding")?.unwrap_or(false),
            "disableTcpStateTracking": opt_bool(&req, "disableTcpStateTracking")?.unwrap_or(false),
            "vnetEncryptionSupported": false,
            "auxiliaryMode": "None",
            "auxiliarySku": "None",
            "hostedWorkloads": [],
            "tapConfigurations": [],
            "nicType": "Standard",
        });
        if let Some(n) = &nsg {
            props["networkSecurityGroup"] = id_ref(n);
        }
        let etag = cx.etag()?;
        save(cx, id, &tracked(id, &location, &tags, &etag, props))?;

        for o in &old {
            let oid = crate::router::stored_id(o)?;
            if !cfgs.iter().any(|c| c.id.key() == oid.key()) {
                cx.delete(&oid)?;
            }
        }
        for (i, c) in cfgs.iter().enumerate() {
            let mut p = json!({
                "privateIPAddress": addresses[i].to_string(),
                "privateIPAllocationMethod": if c.is_static { "Static" } else { "Dynamic" },
                "privateIPAddressVersion": "IPv4",
                "subnet": id_ref(&c.subnet.to_string()),
                "primary": i == primary_idx,
                "provisioningState": "Succeeded",
            });
            if let Some(pip) = &c.pip {
                p["publicIPAddress"] = id_ref(pip);
            }
            if !c.asgs.is_empty() {
                p["applicationSecurityGroups"] =
                    Value::Array(c.asgs.iter().map(|a| id_ref(a)).collect());
            }
            save(cx, &c.id, &child(&c.id, p))?;
        }
        Ok(())
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        let mut cfgs = Vec::new();
        for c in ip_configurations(rx, id)? {
            cfgs.push(render_ip_configuration(
                rx,
                &crate::router::stored_id(&c)?,
                &c,
            )?);
        }
        out["properties"]["ipConfigurations"] = Value::Array(cfgs);
        let own_dns: Vec<Value> = stored
            .pointer("/properties/dnsSettings/dnsServers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut applied = own_dns.clone();
        if let Some(subnet_id) = primary_subnet(rx, id)?.and_then(|s| ResourceId::parse(&s).ok()) {
            if let Some(vnet) = subnet_id
                .parent()
                .map(|v| rx.get(&v))
                .transpose()?
                .flatten()
            {
                if let Some(g) = vnet
                    .pointer("/properties/resourceGuid")
                    .and_then(Value::as_str)
                {
                    out["properties"]["dnsSettings"]["internalDomainNameSuffix"] =
                        json!(internal_domain_name_suffix(g));
                }
                if applied.is_empty() {
                    applied = vnet
                        .pointer("/properties/dhcpOptions/dnsServers")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                }
            }
        }
        out["properties"]["dnsSettings"]["appliedDnsServers"] = Value::Array(applied);
        if let Some(vm_id) = attached_vm(rx, id)? {
            let guid = stored
                .pointer("/properties/resourceGuid")
                .and_then(Value::as_str)
                .unwrap_or_default();
            out["properties"]["macAddress"] = json!(mac_address(guid));
            let vm = rx.get_key(&vm_id)?;
            let primary = vm
                .as_ref()
                .and_then(super::virtual_machine::primary_nic)
                .is_some_and(|p| crate::id::key_of(&p) == id.key());
            out["properties"]["primary"] = json!(primary);
            out["properties"]["virtualMachine"] = id_ref(&vm_id);
        }
        Ok(out)
    }

    fn refs(&self, _id: &ResourceId, stored: &Value) -> Vec<Ref> {
        stored
            .pointer("/properties/networkSecurityGroup/id")
            .and_then(Value::as_str)
            .map(|n| vec![Ref::new("networkSecurityGroup", n)])
            .unwrap_or_default()
    }

    fn action(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        stored: &Value,
        action: &str,
        _body: &Value,
    ) -> ArmResult<ArmResponse> {
        crate::diagnostics::effective::nic_action(cx, id, stored, action)
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        if let Some(vm) = attached_vm(&cx.rx(), id)? {
            // Confirmed text: terraform / packer logs of the Network RP error.
            return Err(ArmError::bad_request(
                "NicInUse",
                format!("Network Interface {id} is used by existing resource {vm}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic."),
            ));
        }
        cx.delete(id)?;
        Ok(())
    }
}

/// All IP configurations of a NIC live in one VNet, and a NIC never moves to another VNet
/// (azure-docs virtual-network-network-interface-addresses: "You can change the subnet, but
/// not the virtual network"). [UNCONFIRMED codes/texts]
fn check_single_vnet(cx: &Cx, id: &ResourceId, cfgs: &[Cfg]) -> ArmResult<()> {
    let vnet_of = |s: &ResourceId| s.parent().map(|v| v.key()).unwrap_or_default();
    let first = cfgs.first().map(|c| vnet_of(&c.subnet)).unwrap_or_default();
    if let Some(other) = cfgs.iter().find(|c| vnet_of(&c.subnet) != first) {
        return Err(ArmError::bad_request(
            "IpConfigurationsOfNicMustBeInSameVnet",
            format!("IP configurations of network interface {id} reference subnets in different virtual networks; IP configuration {} is not in the virtual network of the others.", other.id),
        ));
    }
    if let Some(old_subnet) = primary_subnet(&cx.rx(), id)?.and_then(|s| ResourceId::parse(&s).ok())
    {
        if vnet_of(&old_subnet) != first {
            return Err(ArmError::bad_request(
                "CannotChangeVirtualNetworkOfNetworkInterface",
                format!("Network interface {id} is in virtual network {}; its IP configurations cannot move to another virtual network.", old_subnet.parent().map(|v| v.to_string()).unwrap_or_default()),
            ));
        }
    }
    Ok(())
}

/// A public IP serves one IP configuration (`PublicIPAddressInUse`).
fn check_public_ips(cx: &Cx, id: &ResourceId, cfgs: &[Cfg]) -> ArmResult<()> {
    let own_prefix = format!("{}/", id.key());
    for (i, c) in cfgs.iter().enumerate() {
        let Some(pip) = &c.pip else { continue };
        if let Some(other) = cfgs[..i]
            .iter()
            .find(|o| o.pip.as_deref().map(crate::id::key_of) == Some(crate::id::key_of(pip)))
        {
            return Err(public_ip_address::in_use(
                &c.id.to_string(),
                pip,
                &other.id.to_string(),
            ));
        }
        let pip_id = ResourceId::parse(pip)?;
        for user in public_ip_address::users(&cx.rx(), &pip_id)? {
            let key = crate::id::key_of(&user);
            // This NIC's own configurations are being replaced by this PUT.
            if !key.starts_with(&own_prefix) {
                return Err(public_ip_address::in_use(&c.id.to_string(), pip, &user));
            }
        }
    }
    Ok(())
}

/// A stored IP configuration as the service shows it (the NIC's etag).
pub fn render_ip_configuration(rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
    Ok(with_etag(stored.clone(), root_etag(rx, id)?.as_ref()))
}

fn method_not_allowed(method: &str) -> ArmError {
    ArmError::new(
        405,
        "MethodNotAllowed",
        format!("The requested resource does not support http method '{method}'."),
    )
}

/// `…/networkInterfaces/{nic}/ipConfigurations/{name}`: readable and listable on its own
/// (NetworkInterfaceIPConfigurations_Get/List); written only through the NIC.
impl ResourceKind for NicIpConfigurations {
    fn full_type(&self) -> &'static str {
        NIC_IPCONFIG_TYPE
    }

    fn put(
        &self,
        _cx: &mut Cx,
        _id: &ResourceId,
        _body: &Value,
        _existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        Err(method_not_allowed("PUT"))
    }

    fn render(&self, rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        render_ip_configuration(rx, id, stored)
    }

    fn refs(&self, _id: &ResourceId, stored: &Value) -> Vec<Ref> {
        let mut refs = Vec::new();
        for key in ["subnet", "publicIPAddress"] {
            if let Some(t) = stored
                .pointer(&format!("/properties/{key}/id"))
                .and_then(Value::as_str)
            {
                refs.push(Ref::new(key, t));
            }
        }
        for a in stored
            .pointer("/properties/applicationSecurityGroups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = a.get("id").and_then(Value::as_str) {
                refs.push(Ref::new("applicationSecurityGroup", t));
            }
        }
        refs
    }

    fn delete(&self, _cx: &mut Cx, _id: &ResourceId, _stored: &Value) -> ArmResult<()> {
        Err(method_not_allowed("DELETE"))
    }
}
