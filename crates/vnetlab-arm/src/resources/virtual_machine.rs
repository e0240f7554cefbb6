//! `Microsoft.Compute/virtualMachines`: the minimum the labs need (az-cli-surface.md §18–19).
//!
//! A VM is a size, an image echo, an OS profile and its network interfaces. Secrets are
//! never kept: `adminPassword`, `customData` and `userData` are dropped before storing, so
//! no read can return them. The power state is ground state kept in an internal field
//! (stripped on render) and changed by the POST actions `start`, `powerOff`, `deallocate`
//! and `restart`; it shows in the instance view (`$expand=instanceView` or
//! `GET …/instanceView`, see [`render_with_instance_view`] / [`instance_view`]).
//!
//! Attaching a NIC is a reference of kind `networkInterface`; the NIC derives its
//! `virtualMachine`, `macAddress` and `primary` from it. Deleting a VM leaves its NICs
//! (az `vm delete` sends `deleteOption: null`), except those marked `deleteOption: Delete`.

use super::network_interface::{self, NetworkInterfaces, NIC_TYPE};
use super::*;

pub struct VirtualMachines;

pub const VM_TYPE: &str = "Microsoft.Compute/virtualMachines";
/// Internal, never rendered: `{ "powerState": "running" | "stopped" | "deallocated" }`.
pub const INTERNAL: &str = "vnetlabInternal";

/// The stored power state: `running`, `stopped` or `deallocated`.
pub fn power_state(stored: &Value) -> &str {
    stored
        .pointer(&format!("/{INTERNAL}/powerState"))
        .and_then(Value::as_str)
        .unwrap_or("running")
}

/// The NIC ids of a stored VM, in order.
pub fn nic_ids(vm: &Value) -> Vec<String> {
    vm.pointer("/properties/networkProfile/networkInterfaces")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|n| n.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The primary NIC of a stored VM: the one marked primary, else the first.
pub fn primary_nic(vm: &Value) -> Option<String> {
    let nics = vm
        .pointer("/properties/networkProfile/networkInterfaces")
        .and_then(Value::as_array)?;
    nics.iter()
        .find(|n| n.pointer("/properties/primary").and_then(Value::as_bool) == Some(true))
        .or(nics.first())
        .and_then(|n| n.get("id").and_then(Value::as_str).map(str::to_string))
}

/// `VirtualMachineInstanceView` (the subset the labs and az read).
pub fn instance_view(stored: &Value) -> Value {
    let state = power_state(stored);
    let computer = stored
        .pointer("/properties/osProfile/computerName")
        .cloned()
        .unwrap_or_else(|| json!(stored.get("name")));
    let mut created = json!({ "code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded" });
    if let Some(t) = stored.pointer("/properties/timeCreated") {
        created["time"] = t.clone();
    }
    json!({
        "computerName": computer,
        "statuses": [created, { "code": format!("PowerState/{state}"), "level": "Info", "displayStatus": format!("VM {state}") }],
    })
}

/// The VM with `properties.instanceView` (for `GET …?$expand=instanceView`).
pub fn render_with_instance_view(rx: &Rx, id: &ResourceId, stored: &Value) -> ArmResult<Value> {
    let mut out = VirtualMachines.render(rx, id, stored)?;
    out["properties"]["instanceView"] = instance_view(stored);
    Ok(out)
}

/// `InvalidParameter` as the Compute RP words a missing required parameter.
fn missing(param: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidParameter",
        format!("Required parameter '{param}' is missing (null)."),
    )
}

fn sub_object(
    parent: &Map<String, Value>,
    key: &str,
    path: &str,
) -> ArmResult<Option<Map<String, Value>>> {
    match parent.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err(type_error(path, "Object")),
    }
}

/// One requested network interface reference.
struct NicRef {
    id: String,
    primary: Option<bool>,
    delete_option: Option<String>,
}

fn parse_nics(
    cx: &Cx,
    id: &ResourceId,
    location: &str,
    np: &Map<String, Value>,
) -> ArmResult<Vec<NicRef>> {
    let items = match np.get("networkInterfaces") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(missing("networkProfile.networkInterfaces"))
        }
        Some(_) => {
            return Err(type_error(
                "properties.networkProfile.networkInterfaces",
                "NetworkInterfaceReference[]",
            ))
        }
    };
    let mut out: Vec<NicRef> = Vec::new();
    for (i, n) in items.iter().enumerate() {
        let path = format!("properties.networkProfile.networkInterfaces[{i}]");
        let raw = n
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| type_error(&format!("{path}.id"), "String"))?;
        let nic = super::subnet::check_reference(cx, id, raw, NIC_TYPE, location)?;
        if out
            .iter()
            .any(|o| crate::id::key_of(&o.id) == crate::id::key_of(&nic))
        {
            // [UNCONFIRMED code/text]
            return Err(ArmError::bad_request(
                "DuplicateNetworkInterface",
                format!(
                    "Network interface {nic} is referenced more than once by virtual machine {id}."
                ),
            ));
        }
        let p = sub_object(
            n.as_object().unwrap_or(&Map::new()),
            "properties",
            &format!("{path}.properties"),
        )?
        .unwrap_or_default();
        let delete_option = match opt_str(&p, "deleteOption")? {
            None => None,
            Some(_) => Some(enum_choice(
                &p,
                "deleteOption",
                &["Delete", "Detach"],
                "Detach",
            )?),
        };
        out.push(NicRef {
            id: nic,
            primary: opt_bool(&p, "primary")?,
            delete_option,
        });
    }
    if out.len() > 1 && out.iter().filter(|n| n.primary == Some(true)).count() != 1 {
        // [UNCONFIRMED code/text]
        return Err(ArmError::bad_request(
            "VirtualMachineMustHaveOneNetworkInterfaceAsPrimary",
            format!("Virtual machine {id} has {} network interfaces; exactly one of them must be marked primary.", out.len()),
        ));
    }
    let rx = cx.rx();
    let mut vnets: Vec<String> = Vec::new();
    for n in &out {
        let nic_id = ResourceId::parse(&n.id)?;
        if let Some(vm) = network_interface::attached_vm(&rx, &nic_id)? {
            if crate::id::key_of(&vm) != id.key() {
                // NicInUse is the Network RP's code for a NIC held by a VM; the attach-time text is [UNCONFIRMED].
                return Err(ArmError::bad_request(
                    "NicInUse",
                    format!("Network Interface {} is used by existing VM {vm}.", n.id),
                ));
            }
        }
        if let Some(s) = network_interface::primary_subnet(&rx, &nic_id)? {
            let vnet = ResourceId::parse(&s)?
                .parent()
                .map(|v| v.key())
                .unwrap_or_default();
            if !vnets.contains(&vnet) {
                vnets.push(vnet);
            }
        }
    }
    if vnets.len() > 1 {
        // Code confirmed (azure-docs common-deployment-errors: "A virtual machine can only have one
        // virtual network"); text [UNCONFIRMED].
        return Err(ArmError::bad_request(
            "SubnetsNotInSameVnet",
            format!("Network interfaces of virtual machine {id} are in different virtual networks. All network interfaces of a virtual machine must be in the same virtual network."),
        ));
    }
    Ok(out)
}

/// `osProfile` as stored: secrets dropped, platform defaults filled in.
fn os_profile(
    id: &ResourceId,
    req: &Map<String, Value>,
    old: Option<&Value>,
) -> ArmResult<Option<Value>> {
    let Some(mut os) = sub_object(req, "osProfile", "properties.osProfile")? else {
        return Ok(None);
    };
    for secret in ["adminPassword", "customData"] {
        os.remove(secret);
    }
    if !os.get("computerName").is_some_and(Value::is_string) {
        os.insert("computerName".into(), json!(id.name()));
    }
    for key in ["computerName", "adminUsername"] {
        if let (Some(before), Some(now)) = (
            old.and_then(|o| o.pointer(&format!("/properties/osProfile/{key}"))),
            os.get(key),
        ) {
            if before != now {
                return Err(ArmError::conflict(
                    "PropertyChangeNotAllowed",
                    format!("Changing property 'osProfile.{key}' is not allowed."),
                ));
            }
        }
    }
    if let Some(Value::Object(l)) = os.get_mut("linuxConfiguration") {
        l.entry("disablePasswordAuthentication")
            .or_insert(json!(false));
        l.entry("provisionVMAgent").or_insert(json!(true));
        l.entry("patchSettings")
            .or_insert(json!({ "patchMode": "ImageDefault", "assessmentMode": "ImageDefault" }));
    }
    if let Some(Value::Object(w)) = os.get_mut("windowsConfiguration") {
        w.remove("additionalUnattendContent");
        w.entry("provisionVMAgent").or_insert(json!(true));
        w.entry("enableAutomaticUpdates").or_insert(json!(true));
        w.entry("patchSettings")
            .or_insert(json!({ "patchMode": "AutomaticByOS", "assessmentMode": "ImageDefault" }));
    }
    os.entry("secrets").or_insert(json!([]));
    os.insert("allowExtensionOperations".into(), json!(true));
    os.insert("requireGuestProvisionSignal".into(), json!(true));
    Ok(Some(Value::Object(os)))
}

/// `storageProfile` as stored: the image echoed, the OS disk named and sized like Azure's.
fn storage_profile(
    cx: &Cx,
    id: &ResourceId,
    req: &Map<String, Value>,
    os_type: &str,
    vm_guid: &str,
    old: Option<&Value>,
) -> ArmResult<Value> {
    let sp = sub_object(req, "storageProfile", "properties.storageProfile")?.unwrap_or_default();
    let mut out = Map::new();
    if let Some(img) = sp.get("imageReference").filter(|v| v.is_object()) {
        out.insert("imageReference".into(), img.clone());
    }
    let d = sub_object(&sp, "osDisk", "properties.storageProfile.osDisk")?.unwrap_or_default();
    let old_name = old
        .and_then(|o| o.pointer("/properties/storageProfile/osDisk/name"))
        .and_then(Value::as_str);
    let name = match (opt_str(&d, "name")?, old_name) {
        (Some(n), _) => n.to_string(),
        (None, Some(n)) => n.to_string(),
        (None, None) => format!("{}_OsDisk_1_{}", id.name(), vm_guid.replace('-', "")),
    };
    let managed = sub_object(
        &d,
        "managedDisk",
        "properties.storageProfile.osDisk.managedDisk",
    )?
    .unwrap_or_default();
    let account = opt_str(&managed, "storageAccountType")?
        .unwrap_or("Premium_LRS")
        .to_string();
    let disk_id = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Compute/disks/{name}",
        cx.config.subscription_id, id.resource_group
    );
    out.insert(
        "osDisk".into(),
        json!({
            "osType": os_type,
            "name": name,
            "createOption": enum_choice(&d, "createOption", &["FromImage", "Attach", "Empty"], "FromImage")?,
            "caching": enum_choice(&d, "caching", &["None", "ReadOnly", "ReadWrite"], "ReadWrite")?,
            "managedDisk": { "storageAccountType": account, "id": disk_id },
            "deleteOption": enum_choice(&d, "deleteOption", &["Delete", "Detach"], "Detach")?,
            "diskSizeGB": opt_i64(&d, "diskSizeGB")?.unwrap_or(if os_type == "Windows" { 127 } else { 30 }),
        }),
    );
    out.insert(
        "dataDisks".into(),
        sp.get("dataDisks")
            .filter(|v| v.is_array())
            .cloned()
            .unwrap_or(json!([])),
    );
    out.insert("diskControllerType".into(), json!("SCSI"));
    Ok(Value::Object(out))
}

fn os_type_of(req: &Map<String, Value>) -> &'static str {
    let os = req.get("osProfile");
    if os
        .and_then(|o| o.get("windowsConfiguration"))
        .is_some_and(|w| !w.is_null())
    {
        return "Windows";
    }
    if os
        .and_then(|o| o.get("linuxConfiguration"))
        .is_some_and(|l| !l.is_null())
    {
        return "Linux";
    }
    let declared = req
        .get("storageProfile")
        .and_then(|s| s.pointer("/osDisk/osType"))
        .and_then(Value::as_str);
    let publisher = req
        .get("storageProfile")
        .and_then(|s| s.pointer("/imageReference/publisher"))
        .and_then(Value::as_str);
    match (declared, publisher) {
        (Some(t), _) if t.eq_ignore_ascii_case("windows") => "Windows",
        (None, Some(p)) if p.to_ascii_lowercase().contains("windows") => "Windows",
        _ => "Linux",
    }
}

/// `timeCreated`: the wall clock, or a fixed instant in deterministic mode.
fn now_iso(cx: &Cx) -> String {
    let secs = if cx.config.deterministic {
        1_767_225_600 // 2026-01-01T00:00:00Z
    } else {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    };
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.0000000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl ResourceKind for VirtualMachines {
    fn full_type(&self) -> &'static str {
        VM_TYPE
    }

    fn put(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        body: &Value,
        existing: Option<&Value>,
        _req: &ArmRequest,
    ) -> ArmResult<()> {
        let location = require_location(body, VM_TYPE)?;
        check_location_unchanged(id, existing, &location)?;
        let tags = validate_tags(body.get("tags").unwrap_or(&Value::Null))?;
        let req = properties(body)?;
        let hw = sub_object(&req, "hardwareProfile", "properties.hardwareProfile")?
            .ok_or_else(|| missing("hardwareProfile"))?;
        let size = opt_str(&hw, "vmSize")?
            .ok_or_else(|| missing("hardwareProfile.vmSize"))?
            .to_string();
        let np = sub_object(&req, "networkProfile", "properties.networkProfile")?
            .ok_or_else(|| missing("networkProfile"))?;
        let nics = parse_nics(cx, id, &location, &np)?;
        let zones = match body.get("zones") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a))
                if a.iter()
                    .all(|z| z.as_str().is_some_and(|s| ["1", "2", "3"].contains(&s))) =>
            {
                Some(a.clone())
            }
            Some(_) => return Err(type_error("zones", "String[]")),
        };
        let vm_id = match existing
            .and_then(|e| e.pointer("/properties/vmId"))
            .and_then(Value::as_str)
        {
            Some(g) => g.to_string(),
            None => cx.guid()?,
        };
        let os_type = os_type_of(&req);
        let os = os_profile(id, &req, existing)?;
        let storage = storage_profile(cx, id, &req, os_type, &vm_id, existing)?;
        let created = match existing
            .and_then(|e| e.pointer("/properties/timeCreated"))
            .and_then(Value::as_str)
        {
            Some(t) => t.to_string(),
            None => now_iso(cx),
        };
        let nic_list: Vec<Value> = nics
            .iter()
            .map(|n| {
                let mut v = json!({ "id": n.id });
                let mut p = Map::new();
                if let Some(b) = n.primary {
                    p.insert("primary".into(), json!(b));
                }
                if let Some(d) = &n.delete_option {
                    p.insert("deleteOption".into(), json!(d));
                }
                if !p.is_empty() {
                    v["properties"] = Value::Object(p);
                }
                v
            })
            .collect();
        let mut props = json!({
            "vmId": vm_id,
            "hardwareProfile": { "vmSize": size },
            "storageProfile": storage,
            "networkProfile": { "networkInterfaces": nic_list },
            "provisioningState": "Succeeded",
            "timeCreated": created,
        });
        if let Some(o) = os {
            props["osProfile"] = o;
        }
        let etag = cx.etag()?;
        let mut record = tracked(id, &location, &tags, &etag, props);
        if let Some(z) = zones {
            record["zones"] = Value::Array(z);
        }
        record[INTERNAL] = json!({ "powerState": existing.map(power_state).unwrap_or("running") });
        save(cx, id, &record)
    }

    fn render(&self, _rx: &Rx, _id: &ResourceId, stored: &Value) -> ArmResult<Value> {
        let mut out = stored.clone();
        if let Some(m) = out.as_object_mut() {
            m.remove(INTERNAL);
        }
        Ok(out)
    }

    fn refs(&self, _id: &ResourceId, stored: &Value) -> Vec<Ref> {
        nic_ids(stored)
            .iter()
            .map(|n| Ref::new("networkInterface", n))
            .collect()
    }

    fn delete(&self, cx: &mut Cx, id: &ResourceId, stored: &Value) -> ArmResult<()> {
        let doomed: Vec<String> = stored
            .pointer("/properties/networkProfile/networkInterfaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|n| {
                n.pointer("/properties/deleteOption")
                    .and_then(Value::as_str)
                    == Some("Delete")
            })
            .filter_map(|n| n.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        cx.delete(id)?;
        for nic in doomed {
            let nic_id = ResourceId::parse(&nic)?;
            if let Some(rec) = cx.get(&nic_id)? {
                NetworkInterfaces.delete(cx, &nic_id, &rec)?;
            }
        }
        Ok(())
    }

    fn render_expanded(
        &self,
        rx: &Rx,
        id: &ResourceId,
        stored: &Value,
        expand: &str,
    ) -> ArmResult<Value> {
        if expand.eq_ignore_ascii_case("instanceView") {
            render_with_instance_view(rx, id, stored)
        } else {
            self.render(rx, id, stored)
        }
    }

    fn view(&self, _rx: &Rx, id: &ResourceId, stored: &Value, view: &str) -> ArmResult<Value> {
        if view.eq_ignore_ascii_case("instanceView") {
            Ok(instance_view(stored))
        } else {
            Err(ArmError::not_supported(format!(
                "GET '{view}' on {}",
                id.full_type()
            )))
        }
    }

    fn action(
        &self,
        cx: &mut Cx,
        id: &ResourceId,
        stored: &Value,
        action: &str,
        body: &Value,
    ) -> ArmResult<ArmResponse> {
        if action.eq_ignore_ascii_case("runCommand") {
            return crate::diagnostics::run_command::invoke(cx, id, stored, body);
        }
        let current = power_state(stored).to_string();
        let next = match action.to_ascii_lowercase().as_str() {
            "start" => "running",
            "poweroff" => "stopped",
            "deallocate" => "deallocated",
            "restart" if current == "deallocated" => {
                // [UNCONFIRMED code/text]
                return Err(ArmError::conflict(
                    "OperationNotAllowed",
                    format!("Operation 'restart' is not allowed on VM '{}' since the VM is deallocated.", id.name()),
                ));
            }
            "restart" => "running",
            _ => {
                return Err(ArmError::not_supported(format!(
                    "The action '{action}' on {VM_TYPE}"
                )))
            }
        };
        let mut record = stored.clone();
        let mut internal = record
            .get(INTERNAL)
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        internal["powerState"] = json!(next);
        record[INTERNAL] = internal;
        save(cx, id, &record)?;
        Ok(ArmResponse {
            status: 200,
            body: None,
        })
    }
}
