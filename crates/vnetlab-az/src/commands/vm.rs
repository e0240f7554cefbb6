//! `az vm create|show|list|list-ip-addresses|delete|start|stop|deallocate|restart`
//! (az-cli-surface.md §18–19).
//!
//! `vm create` is azure-cli's `create_vm` with its validators, done client-side: where az
//! deploys one ARM template (`vm_deploy_<32 chars>`), vnetlab sends the template's resources
//! as individual PUTs in dependency order (VNet, NSG, public IP, NIC, VM), with the same
//! bodies. The order of checks and warnings follows az's: location (GET group), image
//! (alias table, URN, or the managed-image GET whose 404 escapes a validator: exit 2),
//! network selection (rules 1–4 of §18.2), NSG and public IP existence, authentication
//! (password rules, SSH keys), then the warnings of `create_vm`, the subnet a missing
//! `--subnet` needs in an existing VNet, the resources, and `get_vm_details` for the
//! summary. The admin password is checked and then dropped: it is never sent, stored or
//! printed (vnetlab has no guest to give it to). `--generate-ssh-keys` never touches
//! `~/.ssh`: the VM gets a fixed placeholder public key.

use super::*;

pub fn commands() -> Vec<CommandImpl> {
    vec![
        CommandImpl {
            name: "vm create",
            handler: create,
            shape: Shape::Sdk,
            table: Some(passthrough_table),
        },
        CommandImpl {
            name: "vm show",
            handler: show,
            shape: Shape::Aaz,
            table: Some(vm_table),
        },
        CommandImpl {
            name: "vm list",
            handler: list,
            shape: Shape::Aaz,
            table: Some(vm_table),
        },
        CommandImpl {
            name: "vm list-ip-addresses",
            handler: list_ip_addresses,
            shape: Shape::Sdk,
            table: Some(ip_addresses_table),
        },
        CommandImpl {
            name: "vm delete",
            handler: delete,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "vm start",
            handler: start,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "vm stop",
            handler: stop,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "vm deallocate",
            handler: deallocate,
            shape: Shape::Aaz,
            table: None,
        },
        CommandImpl {
            name: "vm restart",
            handler: restart,
            shape: Shape::Aaz,
            table: None,
        },
    ]
}

/// The public key a VM gets for `--generate-ssh-keys` (no key pair is written anywhere; the
/// private half of this key was never kept).
pub const PLACEHOLDER_SSH_KEY: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCUyZXyycYw023AKIfGlRYgYL8GMmEXp6MHhBZqi6sl2Zbo/ZaW84EyjwsjZmBekZ0jUP1iYBCOkOhOWj/FkC60rVQE0vOE0H9JpI7oONjUoETMPLlJOdVOtDEQ43SVyMMJYwUBkXCHKy+28Hx4C0B1jtrmV7qhaklod8+aBKCzrWQ2Ygn15cUe9KjU4rBC5DIqi9ixHhUF5ELuWFren2sTR5bUJghfyFol+pzWL2TMMLFHZE6+878+xZpeQjHuvgN/LugiiKNa091s1wp3ClyL8OAMoKDObfE8IDBAEqP2VNNyk/DEb+wgAhbR+vb3IjzJcGC93L0Sn7V1pBwaW36X vnetlab-placeholder";

/// Printed each time az falls back to its built-in image alias list (offline, or a cloud
/// without `endpoint_vm_image_alias_doc`).
const ALIAS_DOC_WARNING: &str = "'endpoint_vm_image_alias_doc' isn't configured. Please invoke 'az cloud update' to configure it or use '--all' to retrieve images from server. Use local copy instead.";

const TRUSTED_LAUNCH_WARNING: &str =
    "Consider upgrading security for your workloads using Azure Trusted Launch VMs. To know more about Trusted Launch, please visit https://aka.ms/TrustedLaunch.";

/// azure-cli 2.91's built-in `vm/_alias.py`: (alias, publisher, offer, sku, Windows?).
const ALIASES: &[(&str, &str, &str, &str, bool)] = &[
    (
        "AzureLinux4",
        "microsoftazurelinux",
        "azurelinux-4",
        "4",
        false,
    ),
    (
        "AzureLinux4Arm64",
        "microsoftazurelinux",
        "azurelinux-4",
        "4-arm64",
        false,
    ),
    (
        "AzureLinux4Gen1",
        "microsoftazurelinux",
        "azurelinux-4",
        "4-gen1",
        false,
    ),
    ("CentOS85Gen2", "OpenLogic", "CentOS", "8_5-gen2", false),
    (
        "Debian11",
        "Debian",
        "debian-11",
        "11-backports-gen2",
        false,
    ),
    (
        "FlatcarLinuxFreeGen2",
        "kinvolk",
        "flatcar-container-linux-free",
        "stable-gen2",
        false,
    ),
    (
        "OpenSuseLeap154Gen2",
        "SUSE",
        "openSUSE-leap-15-4",
        "gen2",
        false,
    ),
    ("RHELRaw8LVMGen2", "RedHat", "RHEL", "8-lvm-gen2", false),
    ("SuseSles15SP3", "SUSE", "sles-15-sp3", "gen2", false),
    (
        "Ubuntu2204",
        "Canonical",
        "0001-com-ubuntu-server-jammy",
        "22_04-lts-gen2",
        false,
    ),
    (
        "Win2022Datacenter",
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-g2",
        true,
    ),
    (
        "Win2022AzureEditionCore",
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2022-datacenter-azure-edition-core",
        true,
    ),
    (
        "Win2019Datacenter",
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2019-datacenter-gensecond",
        true,
    ),
    (
        "Win2016Datacenter",
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2016-datacenter-gensecond",
        true,
    ),
    (
        "Win2012R2Datacenter",
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2012-R2-Datacenter",
        true,
    ),
    (
        "Win2012Datacenter",
        "MicrosoftWindowsServer",
        "WindowsServer",
        "2012-Datacenter",
        true,
    ),
];

/// azure-cli's `DISALLOWED_USER_NAMES`.
const DISALLOWED_USER_NAMES: &[&str] = &[
    "administrator",
    "admin",
    "user",
    "user1",
    "test",
    "user2",
    "test1",
    "user3",
    "admin1",
    "1",
    "123",
    "a",
    "actuser",
    "adm",
    "admin2",
    "aspnet",
    "backup",
    "console",
    "guest",
    "owner",
    "root",
    "server",
    "sql",
    "support",
    "support_388945a0",
    "sys",
    "test2",
    "test3",
    "user4",
    "user5",
];

// ---------------------------------------------------------------------------------------
// helpers

fn compute_path(ctx: &Ctx, rg: &str, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}",
        ctx.subscription()
    )
}

/// The `-g/-n` VM of knack-style commands (`vm show`, dests `resource_group_name`/`vm_name`).
fn knack_vm_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.required("resource_group_name", "--resource-group")?;
    let name = ctx.required("vm_name", "--name")?;
    Ok(compute_path(ctx, &rg, &name))
}

/// The `-g/-n` VM of AAZ commands (`vm delete`, `vm start`, …).
fn aaz_vm_path(ctx: &Ctx) -> Result<String, CliError> {
    let rg = ctx.resource_group()?;
    let name = ctx.required("name", "-n")?;
    Ok(compute_path(ctx, &rg, &name))
}

fn list_arg(ctx: &Ctx, dest: &str) -> Option<Vec<String>> {
    ctx.list(dest).or_else(|| ctx.str(dest).map(|s| vec![s]))
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// An exception escaping a knack validator that is not a `CLIError` (e.g. an
/// `HttpResponseError`): knack prints it and exits 2.
fn escaped_from_validator(e: CliError) -> CliError {
    CliError::raw(2, e.stderr)
}

/// `deployment_validate_table_format`: the summary dict is tabulated as it is, in its own
/// key order.
fn passthrough_table(v: &Value) -> Result<Value, ()> {
    Ok(v.clone())
}

// ---------------------------------------------------------------------------------------
// get_vm_details, show, list

/// The display status of the `PowerState/*` instance-view statuses, comma-joined.
fn power_state(vm: &Value) -> String {
    vm.pointer("/properties/instanceView/statuses")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|s| {
                    s.get("code")
                        .and_then(Value::as_str)
                        .is_some_and(|c| c.starts_with("PowerState/"))
                })
                .filter_map(|s| s.get("displayStatus").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// The addresses `get_vm_details` gathers from a VM's NICs and their public IPs.
#[derive(Default)]
struct Details {
    power_state: String,
    public_ips: Vec<String>,
    fqdns: Vec<String>,
    private_ips: Vec<String>,
    macs: Vec<String>,
}

/// azure-cli's `get_vm_details`: the VM with its instance view, then each NIC and each
/// public IP. `get` is how a GET is sent (errors differ between `vm show -d` and `vm create`).
fn vm_details(
    vm_path: &str,
    get: &dyn Fn(ArmRequest) -> Result<Value, CliError>,
) -> Result<(Value, Details), CliError> {
    let mut vm = get(ArmRequest::get(vm_path).with_query("$expand", "instanceView"))?;
    let mut d = Details {
        power_state: power_state(&vm),
        ..Default::default()
    };
    let nic_ids: Vec<String> = vm
        .pointer("/properties/networkProfile/networkInterfaces")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|n| n.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for nic_id in nic_ids {
        let nic = get(ArmRequest::get(&nic_id))?;
        if let Some(mac) = str_at(&nic, "/properties/macAddress").filter(|m| !m.is_empty()) {
            d.macs.push(mac.to_string());
        }
        for cfg in nic
            .pointer("/properties/ipConfigurations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(ip) = str_at(cfg, "/properties/privateIPAddress").filter(|i| !i.is_empty())
            {
                d.private_ips.push(ip.to_string());
            }
            if let Some(pip_id) = str_at(cfg, "/properties/publicIPAddress/id") {
                let pip = get(ArmRequest::get(pip_id))?;
                if let Some(a) = str_at(&pip, "/properties/ipAddress").filter(|a| !a.is_empty()) {
                    d.public_ips.push(a.to_string());
                }
                if let Some(f) = str_at(&pip, "/properties/dnsSettings/fqdn") {
                    d.fqdns.push(f.to_string());
                }
            }
        }
    }
    if let Some(p) = vm.get_mut("properties").and_then(Value::as_object_mut) {
        p.remove("instanceView");
    }
    Ok((vm, d))
}

/// `vm show -d`: the VM plus the five comma-joined detail fields, without `instanceView`.
fn show_details(ctx: &Ctx, vm_path: &str) -> Result<Value, CliError> {
    let get = |req: ArmRequest| -> Result<Value, CliError> {
        Ok(ctx.send(req)?.body.unwrap_or(Value::Null))
    };
    let (mut vm, d) = vm_details(vm_path, &get)?;
    vm["powerState"] = json!(d.power_state);
    vm["publicIps"] = json!(d.public_ips.join(","));
    vm["fqdns"] = json!(d.fqdns.join(","));
    vm["privateIps"] = json!(d.private_ips.join(","));
    vm["macAddresses"] = json!(d.macs.join(","));
    Ok(vm)
}

fn show(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(knack_vm_path)?;
    let details = ctx.flag("show_details") == Some(true);
    for_each_target(ctx, paths, |p| {
        if details {
            show_details(ctx, p)
        } else {
            ctx.get(p)
        }
    })
}

fn list(ctx: &mut Ctx) -> Result<Value, CliError> {
    if ctx.str("vmss").is_some() {
        return Err(CliError::validation(
            "--vmss is not supported by vnetlab yet.",
        ));
    }
    let path = match ctx.str("resource_group_name") {
        Some(rg) => format!(
            "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines",
            ctx.subscription()
        ),
        None => format!(
            "/subscriptions/{}/providers/Microsoft.Compute/virtualMachines",
            ctx.subscription()
        ),
    };
    let vms = ctx.list_all(&path)?;
    if ctx.flag("show_details") != Some(true) {
        return Ok(vms);
    }
    let mut out = Vec::new();
    for vm in vms.as_array().into_iter().flatten() {
        let id = vm.get("id").and_then(Value::as_str).unwrap_or_default();
        out.push(show_details(ctx, id)?);
    }
    Ok(Value::Array(out))
}

/// `transform_vm`/`transform_vm_list`: Name, ResourceGroup, PowerState, PublicIps, Fqdns,
/// Location, and Zones when the VM has zones. `name`/`resourceGroup`/`location` are read
/// with `vm[...]`: a result without them fails the table.
fn vm_table(v: &Value) -> Result<Value, ()> {
    fn row(vm: &Value) -> Result<Value, ()> {
        let field = |k: &str| vm.get(k).cloned().ok_or(());
        let opt = |k: &str| vm.get(k).cloned().unwrap_or(Value::Null);
        let mut r = json!({
            "Name": field("name")?,
            "ResourceGroup": field("resourceGroup")?,
            "PowerState": opt("powerState"),
            "PublicIps": opt("publicIps"),
            "Fqdns": opt("fqdns"),
            "Location": field("location")?,
        });
        if let Some(z) = vm.get("zones") {
            let joined = z
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            r["Zones"] = json!(joined);
        }
        Ok(r)
    }
    match v {
        Value::Array(items) => items
            .iter()
            .map(row)
            .collect::<Result<Vec<_>, ()>>()
            .map(Value::Array),
        other => row(other),
    }
}

// ---------------------------------------------------------------------------------------
// list-ip-addresses

/// `(resource group, name)` of a VM id.
fn rg_and_name(id: &str) -> (String, String) {
    let parts: Vec<&str> = id.split('/').collect();
    (
        parts.get(4).copied().unwrap_or_default().to_string(),
        parts.last().copied().unwrap_or_default().to_string(),
    )
}

fn list_ip_addresses(ctx: &mut Ctx) -> Result<Value, CliError> {
    let filters: Vec<(Option<String>, Option<String>)> = match ctx.list("ids") {
        Some(ids) if !ids.is_empty() => ids
            .iter()
            .map(|i| rg_and_name(i))
            .map(|(g, n)| (Some(g), Some(n)))
            .collect(),
        _ => vec![(ctx.str("resource_group_name"), ctx.str("vm_name"))],
    };
    let sub = ctx.subscription();
    let pips = ctx.list_all(&format!(
        "/subscriptions/{sub}/providers/Microsoft.Network/publicIPAddresses"
    ))?;
    let nics = ctx.list_all(&format!(
        "/subscriptions/{sub}/providers/Microsoft.Network/networkInterfaces"
    ))?;
    let pip_of = |id: &str| {
        pips.as_array().and_then(|a| {
            a.iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
        })
    };
    let mut results = Vec::new();
    for (rg_filter, name_filter) in &filters {
        let mut result = Vec::new();
        for nic in nics.as_array().into_iter().flatten() {
            let Some(vm_id) = str_at(nic, "/properties/virtualMachine/id") else {
                continue;
            };
            let (vm_rg, vm_name) = rg_and_name(vm_id);
            let same_rg = rg_filter
                .as_ref()
                .is_none_or(|g| g.to_lowercase() == vm_rg.to_lowercase());
            let same_name = name_filter
                .as_ref()
                .is_none_or(|n| n.to_lowercase() == vm_name.to_lowercase());
            if !(same_rg && same_name) {
                continue;
            }
            let mut private = Vec::new();
            let mut public = Vec::new();
            for cfg in nic
                .pointer("/properties/ipConfigurations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                private.push(
                    cfg.pointer("/properties/privateIPAddress")
                        .cloned()
                        .unwrap_or(Value::Null),
                );
                let Some(pip) = str_at(cfg, "/properties/publicIPAddress/id").and_then(&pip_of)
                else {
                    continue;
                };
                let zone = pip
                    .get("zones")
                    .and_then(Value::as_array)
                    .and_then(|z| z.first())
                    .cloned()
                    .unwrap_or(Value::Null);
                public.push(json!({
                    "id": pip.get("id").cloned().unwrap_or(Value::Null),
                    "name": pip.get("name").cloned().unwrap_or(Value::Null),
                    "ipAddress": pip.pointer("/properties/ipAddress").cloned().unwrap_or(Value::Null),
                    "ipAllocationMethod": pip.pointer("/properties/publicIPAllocationMethod").cloned().unwrap_or(Value::Null),
                    "zone": zone,
                }));
            }
            result.push(json!({
                "virtualMachine": {
                    "resourceGroup": vm_rg,
                    "name": vm_name,
                    "network": { "privateIpAddresses": private, "publicIpAddresses": public },
                }
            }));
        }
        results.push(Value::Array(result));
    }
    Ok(if results.len() == 1 {
        results.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(results)
    })
}

/// `transform_ip_addresses`: VirtualMachine, PublicIPAddresses, PrivateIPAddresses.
fn ip_addresses_table(v: &Value) -> Result<Value, ()> {
    let rows = v.as_array().ok_or(())?;
    rows.iter()
        .map(|r| {
            let vm = r.get("virtualMachine").ok_or(())?;
            let network = vm.get("network").ok_or(())?;
            let join = |items: Vec<&str>| {
                if items.is_empty() {
                    Value::Null
                } else {
                    json!(items.join(","))
                }
            };
            let public: Vec<&str> = network
                .get("publicIpAddresses")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.get("ipAddress").and_then(Value::as_str))
                        .filter(|a| !a.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let private: Vec<&str> = network
                .get("privateIpAddresses")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            Ok(json!({
                "VirtualMachine": vm.get("name").cloned().ok_or(())?,
                "PublicIPAddresses": join(public),
                "PrivateIPAddresses": join(private),
            }))
        })
        .collect::<Result<Vec<_>, ()>>()
        .map(Value::Array)
}

// ---------------------------------------------------------------------------------------
// delete and power actions

fn delete(ctx: &mut Ctx) -> Result<Value, CliError> {
    let paths = ctx.targets(aaz_vm_path)?;
    if ctx.flag("yes") != Some(true) && !group::confirm(ctx)? {
        return Err(CliError::validation("Operation cancelled."));
    }
    for p in paths {
        let mut req = ArmRequest::delete(&p);
        if ctx.flag("force_deletion") == Some(true) {
            req = req.with_query("forceDeletion", "true");
        }
        ctx.send(req)?;
    }
    Ok(Value::Null)
}

fn power_action(
    ctx: &mut Ctx,
    action: &str,
    query: Option<(&str, &str)>,
) -> Result<Value, CliError> {
    for p in ctx.targets(aaz_vm_path)? {
        let mut req = ArmRequest::new(Method::Post, format!("{p}/{action}"));
        if let Some((k, v)) = query {
            req = req.with_query(k, v);
        }
        ctx.send(req)?;
    }
    Ok(Value::Null)
}

fn start(ctx: &mut Ctx) -> Result<Value, CliError> {
    power_action(ctx, "start", None)
}

fn stop(ctx: &mut Ctx) -> Result<Value, CliError> {
    let skip = ctx.flag("skip_shutdown") == Some(true);
    power_action(ctx, "powerOff", skip.then_some(("skipShutdown", "true")))
}

fn deallocate(ctx: &mut Ctx) -> Result<Value, CliError> {
    if ctx.flag("hibernate") == Some(true) {
        return Err(CliError::validation(
            "--hibernate is not supported by vnetlab yet.",
        ));
    }
    power_action(ctx, "deallocate", None)
}

fn restart(ctx: &mut Ctx) -> Result<Value, CliError> {
    power_action(ctx, "restart", None)
}

// ---------------------------------------------------------------------------------------
// vm create: validators

/// What `--image` resolved to.
enum Image {
    /// A marketplace image (URN or alias).
    Marketplace {
        publisher: String,
        offer: String,
        sku: String,
        version: String,
        windows: bool,
        alias: bool,
    },
    /// A managed image id (found by the image GET).
    Managed { id: String, windows: bool },
}

impl Image {
    fn windows(&self) -> bool {
        match self {
            Image::Marketplace { windows, .. } | Image::Managed { windows, .. } => *windows,
        }
    }

    fn reference(&self) -> Value {
        match self {
            Image::Marketplace {
                publisher,
                offer,
                sku,
                version,
                ..
            } => {
                json!({ "publisher": publisher, "offer": offer, "sku": sku, "version": version })
            }
            Image::Managed { id, .. } => json!({ "id": id }),
        }
    }
}

/// `_parse_image_argument`: resource id, URN, VHD URI, alias, then a managed image name.
fn parse_image(ctx: &mut Ctx, rg: &str, image: &str) -> Result<Image, CliError> {
    let managed = |ctx: &Ctx, path: String| -> Result<Image, CliError> {
        let resp = ctx.client.send(&ArmRequest::get(&path));
        if resp.is_success() {
            let body = resp.body.unwrap_or(Value::Null);
            let windows = str_at(&body, "/properties/storageProfile/osDisk/osType")
                .is_some_and(|t| t.eq_ignore_ascii_case("windows"));
            let id = body
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or(&path)
                .to_string();
            return Ok(Image::Managed { id, windows });
        }
        // vnetlab keeps no managed images: every lookup is the service's 404.
        let not_supported = resp
            .to_error()
            .is_some_and(|e| e.code == "NotSupportedByVnetlab");
        let err = if not_supported {
            let name = path.rsplit('/').next().unwrap_or_default();
            let group = path.split('/').nth(4).unwrap_or(rg);
            service_error(&ArmResponse::error(
                &vnetlab_arm::ArmError::resource_not_found("Microsoft.Compute/images", name, group),
            ))
        } else {
            service_error(&resp)
        };
        Err(escaped_from_validator(err))
    };
    if image.starts_with('/') {
        return managed(ctx, image.to_string());
    }
    let parts: Vec<&str> = image.split(':').collect();
    if parts.len() >= 4 {
        let windows = parts[1].to_lowercase().contains("windows");
        return Ok(Image::Marketplace {
            publisher: parts[0].to_string(),
            offer: parts[1].to_string(),
            sku: parts[2].to_string(),
            version: parts[3].to_string(),
            windows,
            alias: false,
        });
    }
    if image.contains("://") {
        return Err(CliError::validation(
            "Unmanaged VHD images (--image URI) are not supported by vnetlab yet.",
        ));
    }
    ctx.warnings.push(ALIAS_DOC_WARNING.to_string());
    if let Some((_, publisher, offer, sku, windows)) =
        ALIASES.iter().find(|a| a.0.eq_ignore_ascii_case(image))
    {
        return Ok(Image::Marketplace {
            publisher: publisher.to_string(),
            offer: offer.to_string(),
            sku: sku.to_string(),
            version: "latest".to_string(),
            windows: *windows,
            alias: true,
        });
    }
    let path = format!(
        "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Compute/images/{image}",
        ctx.subscription()
    );
    managed(ctx, path)
}

/// Where the NIC goes (`_validate_vm_vmss_create_vnet` and `create_vm`).
enum Network {
    /// An existing subnet (rules 1 and 2).
    Existing { subnet_id: String },
    /// A subnet to create: in VNet `vnet` if it exists (rule 3), else with a new VNet (rule 4,
    /// or rule 1 finding nothing).
    New {
        vnet: Option<String>,
        subnet: String,
    },
}

fn select_network(ctx: &Ctx, rg: &str, vm: &str, location: &str) -> Result<Network, CliError> {
    let vnet = ctx.str("vnet_name");
    let subnet = ctx.str("subnet");
    let usage =
        || CliError::validation("incorrect usage: --subnet ID | --subnet NAME --vnet-name NAME");
    if vnet.as_deref().is_some_and(|v| v.contains('/')) {
        return Err(usage());
    }
    if vnet.is_none() && subnet.is_none() {
        let vnets = ctx
            .list_all(&ctx.network_path(rg, "virtualNetworks"))
            .map_err(escaped_from_validator)?;
        for v in vnets.as_array().into_iter().flatten() {
            if v.get("location").and_then(Value::as_str) != Some(location) {
                continue;
            }
            let subnets = v
                .pointer("/properties/subnets")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let found = subnets.iter().find(|s| {
                !s.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .eq_ignore_ascii_case("gatewaysubnet")
            });
            if let Some(id) = found.and_then(|s| s.get("id").and_then(Value::as_str)) {
                return Ok(Network::Existing {
                    subnet_id: id.to_string(),
                });
            }
        }
    }
    if let Some(s) = &subnet {
        let is_id = s.starts_with('/');
        if is_id == vnet.is_some() {
            return Err(usage());
        }
        let path = if is_id {
            s.clone()
        } else {
            ctx.network_path(
                rg,
                &format!(
                    "virtualNetworks/{}/subnets/{s}",
                    vnet.as_deref().unwrap_or("")
                ),
            )
        };
        if ctx.client.send(&ArmRequest::get(&path)).is_success() {
            return Ok(Network::Existing { subnet_id: path });
        }
        if is_id {
            return Err(CliError::validation(format!(
                "Subnet '{s}' does not exist."
            )));
        }
    }
    Ok(Network::New {
        vnet,
        subnet: subnet.unwrap_or_else(|| format!("{vm}Subnet")),
    })
}

/// A NSG or public IP choice: none (`''`), an existing one, or a new one of that name.
enum Choice {
    None,
    Existing(String),
    New(String),
}

/// `_validate_vm_create_nsg` / `_validate_vm_vmss_create_public_ip`: an existing name or id
/// is reused, a missing one is created under that name, `''` means none.
fn choose(ctx: &Ctx, rg: &str, dest: &str, segment: &str, default_name: String) -> Choice {
    match ctx.str(dest) {
        Some(v) if v.is_empty() => Choice::None,
        Some(v) => {
            let id = ctx.name_or_id(&v, rg, segment);
            if ctx.client.send(&ArmRequest::get(&id)).is_success() {
                Choice::Existing(id)
            } else {
                Choice::New(v.rsplit('/').next().unwrap_or(&v).to_string())
            }
        }
        None => Choice::New(default_name),
    }
}

/// `getpass.getuser()`, or `azureuser` when that name is reserved.
fn default_admin_username() -> String {
    let user = ["LOGNAME", "USER", "LNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    match user {
        Some(u) if !DISALLOWED_USER_NAMES.contains(&u.to_lowercase().as_str()) => u,
        _ => "azureuser".to_string(),
    }
}

/// `_validate_admin_username`.
fn validate_admin_username(name: &str, windows: bool) -> Result<(), CliError> {
    if name.is_empty() {
        return Err(CliError::validation("admin user name can not be empty"));
    }
    let linux_err = r#"admin user name cannot contain upper case character A-Z, special characters \/"[]:|<>+=;,?*@#()! or start with $ or -"#;
    let win_err =
        r#"admin user name cannot contain special characters \/"[]:|<>+=;,?*@# or ends with ."#;
    let bad: &[char] = if windows {
        &[
            '\\', '/', '"', '[', ']', ':', '|', '<', '>', '+', '=', ';', ',', '?', '*', '@',
        ]
    } else {
        &[
            '\\', '/', '"', '[', ']', ':', '|', '<', '>', '+', '=', ';', ',', '?', '*', '@', '#',
            '(', ')', '!',
        ]
    };
    let has_bad = name
        .chars()
        .any(|c| bad.contains(&c) || (!windows && c.is_ascii_uppercase()));
    if has_bad {
        return Err(CliError::validation(if windows {
            win_err
        } else {
            linux_err
        }));
    }
    if !windows && name.starts_with(['$', '-']) {
        return Err(CliError::validation(linux_err));
    }
    if windows && name.ends_with('.') {
        return Err(CliError::validation(win_err));
    }
    if DISALLOWED_USER_NAMES.contains(&name.to_lowercase().as_str()) {
        return Err(CliError::validation(format!(
            "This user name '{name}' meets the general requirements, but is specifically disallowed for this image. Please try a different value."
        )));
    }
    Ok(())
}

/// `_validate_admin_password`: 12–72 (Linux) or 12–123 (Windows) characters, 3 of 4 classes.
fn validate_admin_password(password: &str, windows: bool) -> Result<(), CliError> {
    let max = if windows { 123 } else { 72 };
    const SPECIAL: &str = " `~!@#$%^&*()=+_[]{}\\|;:./'\",<>?";
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| SPECIAL.contains(c)),
    ];
    let count = classes.iter().filter(|c| **c).count();
    let len = password.chars().count();
    if !(12..=max).contains(&len) || count < 3 {
        return Err(CliError::validation(format!(
            "The password length must be between 12 and {max}. Password must have the 3 of the following: 1 lower case character, 1 upper case character, 1 number and 1 special character."
        )));
    }
    Ok(())
}

const NO_SSH_KEY: &str =
    "An RSA key file or key value must be supplied to SSH Key Value. You can use --generate-ssh-keys to let CLI generate one for you";

/// Public key text: an `ssh-…`/`ecdsa-…` type followed by base64 data.
fn looks_like_public_key(s: &str) -> bool {
    let mut parts = s.split_whitespace();
    let kind = parts.next().unwrap_or("");
    let data = parts.next().unwrap_or("");
    (kind.starts_with("ssh-") || kind.starts_with("ecdsa-sha2-"))
        && data.len() > 20
        && data
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=')
}

/// `validate_ssh_key`: key text or a key file per value; with none, the generated key
/// (vnetlab: the placeholder, and `~/.ssh` is never read or written).
fn ssh_keys(ctx: &Ctx) -> Result<Vec<String>, CliError> {
    let generate = ctx.flag("generate_ssh_keys") == Some(true);
    let Some(values) = list_arg(ctx, "ssh_key_value").filter(|v| !v.is_empty()) else {
        return if generate {
            Ok(vec![PLACEHOLDER_SSH_KEY.to_string()])
        } else {
            Err(CliError::validation(NO_SSH_KEY))
        };
    };
    let mut keys = Vec::new();
    for v in values {
        let path = std::path::Path::new(&v);
        if path.is_file() {
            let content = std::fs::read_to_string(path)
                .map_err(|e| CliError::validation(format!("{v}: {e}")))?;
            keys.push(content);
        } else if looks_like_public_key(&v) {
            keys.push(v);
        } else if generate {
            keys.push(PLACEHOLDER_SSH_KEY.to_string());
        } else {
            return Err(CliError::validation(NO_SSH_KEY));
        }
    }
    Ok(keys)
}

/// The OS profile's authentication part (`_validate_vm_vmss_create_auth`). The password is
/// validated and dropped.
struct Auth {
    username: String,
    /// `Some(keys)` for `ssh`/`all` (keys installed in `ssh_path`).
    keys: Option<Vec<String>>,
    /// `password` or `all`: password authentication stays enabled.
    password: bool,
    ssh_path: String,
}

fn validate_auth(ctx: &Ctx, windows: bool) -> Result<Auth, CliError> {
    let username = ctx
        .str("admin_username")
        .unwrap_or_else(default_admin_username);
    validate_admin_username(&username, windows)?;
    let password = ctx.str("admin_password").filter(|p| !p.is_empty());
    let key_values = list_arg(ctx, "ssh_key_value").filter(|v| !v.is_empty());
    let dest_path = ctx.str("ssh_dest_key_path");
    let auth_type = ctx.str("authentication_type").unwrap_or_else(|| {
        if key_values.is_some() && password.is_some() {
            "all".to_string()
        } else if windows || password.is_some() {
            "password".to_string()
        } else {
            "ssh".to_string()
        }
    });
    if windows && auth_type == "ssh" {
        return Err(CliError::validation("SSH not supported for Windows VMs."));
    }
    let ssh_path = dest_path
        .clone()
        .unwrap_or_else(|| format!("/home/{username}/.ssh/authorized_keys"));
    let need_password = |password: &Option<String>| -> Result<(), CliError> {
        match password {
            // No terminal prompt in vnetlab: the non-interactive error.
            None => Err(CliError::validation(
                "Please specify password in non-interactive mode.",
            )),
            Some(p) => validate_admin_password(p, windows),
        }
    };
    match auth_type.as_str() {
        "password" => {
            if key_values.is_some() || dest_path.is_some() {
                return Err(CliError::validation(
                    "SSH key cannot be used with password authentication type.",
                ));
            }
            need_password(&password)?;
            Ok(Auth {
                username,
                keys: None,
                password: true,
                ssh_path,
            })
        }
        "all" => {
            if windows {
                return Err(CliError::validation(
                    "SSH not supported for Windows VMs. Use password authentication.",
                ));
            }
            need_password(&password)?;
            Ok(Auth {
                username,
                keys: Some(ssh_keys(ctx)?),
                password: true,
                ssh_path,
            })
        }
        _ => {
            if password.is_some() {
                return Err(CliError::validation(
                    "Admin password cannot be used with SSH authentication type.",
                ));
            }
            Ok(Auth {
                username,
                keys: Some(ssh_keys(ctx)?),
                password: false,
                ssh_path,
            })
        }
    }
}

/// Structural options vnetlab does not emulate: refused rather than silently dropped.
fn refuse_unsupported(ctx: &Ctx) -> Result<(), CliError> {
    for (dest, flag) in [
        ("count", "--count"),
        ("attach_os_disk", "--attach-os-disk"),
        ("attach_data_disks", "--attach-data-disks"),
        ("data_disk_sizes_gb", "--data-disk-sizes-gb"),
        ("use_unmanaged_disk", "--use-unmanaged-disk"),
        ("availability_set", "--availability-set"),
        ("vmss", "--vmss"),
        ("proximity_placement_group", "--ppg"),
        ("dedicated_host", "--host"),
        ("dedicated_host_group", "--host-group"),
        ("workspace", "--workspace"),
        ("assign_identity", "--assign-identity"),
        ("storage_account", "--storage-account"),
        ("edge_zone", "--edge-zone"),
        ("ssh_key_name", "--ssh-key-name"),
        ("source_snapshots_or_disks", "--source-snapshots-or-disks"),
        ("source_disk_restore_point", "--source-disk-restore-point"),
        ("validate", "--validate"),
    ] {
        if ctx.given(dest) && ctx.flag(dest) != Some(false) {
            return Err(CliError::validation(format!(
                "{flag} is not supported by vnetlab yet."
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// vm create: the deployment

/// A deterministic stand-in for az's `vm_deploy_` + 32 random alphanumerics.
fn deployment_name(vm_id: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::from("vm_deploy_");
    for i in 0..32u8 {
        for b in vm_id.bytes().chain([i]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        out.push(ALPHABET[(h % ALPHABET.len() as u64) as usize] as char);
    }
    out
}

/// Sends one of the template's resources; a failure is what az prints for a failed
/// deployment (`handle_template_based_exception`: the raw ARM body of the failed
/// deployment, exit 1).
fn deploy(ctx: &Ctx, deployment_id: &str, path: &str, body: Value) -> Result<Value, CliError> {
    let resp = ctx.client.send(&ArmRequest::put(path, body));
    if resp.is_success() {
        return Ok(resp.body.unwrap_or(Value::Null));
    }
    let e = resp
        .to_error()
        .unwrap_or_else(|| vnetlab_arm::ArmError::internal("unexpected response"));
    let failed = json!({
        "status": "Failed",
        "error": {
            "code": "DeploymentFailed",
            "target": deployment_id,
            "message": "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
            "details": [{ "code": e.code, "message": e.message }],
        }
    });
    Err(CliError::validation(
        serde_json::to_string(&failed).unwrap_or_default(),
    ))
}

/// The NSG rule `build_nsg_resource` adds for `--nsg-rule SSH|RDP` (none for `NONE`).
fn nsg_rules(rule: &str) -> Value {
    let (name, port) = match rule {
        "NONE" => return json!([]),
        "RDP" => ("rdp", "3389"),
        _ => ("default-allow-ssh", "22"),
    };
    json!([{
        "name": name,
        "properties": {
            "protocol": "Tcp",
            "sourcePortRange": "*",
            "destinationPortRange": port,
            "sourceAddressPrefix": "*",
            "destinationAddressPrefix": "*",
            "access": "Allow",
            "priority": 1000,
            "direction": "Inbound",
        }
    }])
}

fn create(ctx: &mut Ctx) -> Result<Value, CliError> {
    let rg = ctx.required("resource_group_name", "--resource-group")?;
    let name = ctx.required("vm_name", "--name")?;
    refuse_unsupported(ctx)?;

    // Validators, in az's order.
    let location = ctx.location_or_group(&rg).map_err(escaped_from_validator)?;
    let image_arg = ctx.str("image").ok_or_else(|| {
        CliError::validation("incorrect usage: --image IMAGE | --attach-os-disk DISK")
    })?;
    let image = parse_image(ctx, &rg, &image_arg)?;
    let windows = match ctx.str("os_type") {
        Some(t) => t.eq_ignore_ascii_case("windows"),
        None => image.windows(),
    };
    let nics = list_arg(ctx, "nics").filter(|n| !n.is_empty());
    let network = if nics.is_none() {
        Some(select_network(ctx, &rg, &name, &location)?)
    } else {
        None
    };
    let nsg = if nics.is_none() {
        choose(
            ctx,
            &rg,
            "nsg",
            "networkSecurityGroups",
            format!("{name}NSG"),
        )
    } else {
        Choice::None
    };
    let pip = if nics.is_none() {
        choose(
            ctx,
            &rg,
            "public_ip_address",
            "publicIPAddresses",
            format!("{name}PublicIP"),
        )
    } else {
        Choice::None
    };
    let zone = list_arg(ctx, "zone").and_then(|z| z.into_iter().next());
    let pip_sku = if zone.is_some() {
        "Standard".to_string()
    } else {
        ctx.str("public_ip_sku")
            .unwrap_or_else(|| "Standard".to_string())
    };
    let pip_allocation = match ctx.str("public_ip_address_allocation") {
        Some(a) if a.eq_ignore_ascii_case("static") => Some("Static"),
        Some(_) => Some("Dynamic"),
        None if pip_sku == "Standard" => Some("Static"),
        None => None,
    };
    let auth = validate_auth(ctx, windows)?;

    // create_vm.
    if matches!(image, Image::Marketplace { alias: true, .. }) {
        ctx.warnings.push(ALIAS_DOC_WARNING.to_string());
    }
    if matches!(image, Image::Marketplace { .. }) && ctx.str("security_type").is_none() {
        ctx.warnings.push(TRUSTED_LAUNCH_WARNING.to_string());
    }
    if pip_sku == "Basic" && matches!(pip, Choice::New(_)) {
        ctx.warnings.push(super::public_ip::basic_sku_warning(
            "--public-ip-sku Standard",
        ));
    }
    let tags = ctx.knack_tags().unwrap_or_else(|| json!({}));
    let vm_path = compute_path(ctx, &rg, &name);
    let deployment_id = format!(
        "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Resources/deployments/{}",
        ctx.subscription(),
        deployment_name(&vm_path)
    );

    let nic_refs: Vec<Value> = match &nics {
        Some(list) => {
            let invalid = [
                ctx.str("nsg"),
                ctx.str("public_ip_address"),
                ctx.str("subnet"),
                ctx.str("vnet_name"),
            ]
            .iter()
            .any(|v| v.as_deref().is_some_and(|s| !s.is_empty()))
                || list_arg(ctx, "application_security_groups").is_some();
            if invalid {
                return Err(CliError::validation("When specifying an existing NIC, do not specify NSG, public IP, ASGs, VNet or subnet."));
            }
            list.iter()
                .enumerate()
                .map(|(i, n)| json!({ "id": ctx.name_or_id(n, &rg, "networkInterfaces"), "properties": { "primary": i == 0 } }))
                .collect()
        }
        None => {
            let subnet_id = match network {
                Some(Network::Existing { subnet_id }) => subnet_id,
                Some(Network::New { vnet, subnet }) => create_network(
                    ctx,
                    &rg,
                    &name,
                    &location,
                    &tags,
                    vnet,
                    &subnet,
                    &deployment_id,
                )?,
                None => String::new(),
            };
            let nsg_id = match &nsg {
                Choice::None => None,
                Choice::Existing(id) => Some(id.clone()),
                Choice::New(nsg_name) => {
                    let default_rule = if windows { "RDP" } else { "SSH" };
                    let rule = ctx
                        .str("nsg_rule")
                        .unwrap_or_else(|| default_rule.to_string());
                    let path = ctx.network_path(&rg, &format!("networkSecurityGroups/{nsg_name}"));
                    let body = json!({ "location": location, "tags": tags, "properties": { "securityRules": nsg_rules(&rule) } });
                    deploy(ctx, &deployment_id, &path, body)?;
                    Some(path)
                }
            };
            let pip_id = match &pip {
                Choice::None => None,
                Choice::Existing(id) => Some(id.clone()),
                Choice::New(pip_name) => {
                    let path = ctx.network_path(&rg, &format!("publicIPAddresses/{pip_name}"));
                    let mut props = json!({});
                    if let Some(a) = pip_allocation {
                        props["publicIPAllocationMethod"] = json!(a);
                    }
                    if let Some(label) = ctx.str("public_ip_address_dns_name") {
                        props["dnsSettings"] = json!({ "domainNameLabel": label });
                    }
                    let mut body = json!({ "location": location, "tags": tags, "properties": props, "sku": { "name": pip_sku } });
                    if let Some(z) = &zone {
                        body["zones"] = json!([z]);
                    }
                    deploy(ctx, &deployment_id, &path, body)?;
                    Some(path)
                }
            };
            let mut ip =
                json!({ "privateIPAllocationMethod": "Dynamic", "subnet": id_ref(&subnet_id) });
            if let Some(addr) = ctx.str("private_ip_address") {
                ip["privateIPAllocationMethod"] = json!("Static");
                ip["privateIPAddress"] = json!(addr);
            }
            if let Some(p) = &pip_id {
                ip["publicIPAddress"] = id_ref(p);
            }
            if let Some(asgs) = list_arg(ctx, "application_security_groups") {
                ip["applicationSecurityGroups"] = Value::Array(
                    asgs.iter()
                        .map(|a| id_ref(&ctx.name_or_id(a, &rg, "applicationSecurityGroups")))
                        .collect(),
                );
            }
            let mut nic_props = json!({ "ipConfigurations": [{ "name": format!("ipconfig{name}"), "properties": ip }] });
            if let Some(n) = &nsg_id {
                nic_props["networkSecurityGroup"] = id_ref(n);
            }
            if ctx.flag("accelerated_networking") == Some(true) {
                nic_props["enableAcceleratedNetworking"] = json!(true);
            }
            let nic_path = ctx.network_path(&rg, &format!("networkInterfaces/{name}VMNic"));
            deploy(
                ctx,
                &deployment_id,
                &nic_path,
                json!({ "location": location, "tags": tags, "properties": nic_props }),
            )?;
            let delete_option =
                list_arg(ctx, "nic_delete_option").and_then(|o| o.into_iter().next());
            vec![json!({ "id": nic_path, "properties": { "deleteOption": delete_option } })]
        }
    };

    let mut os_profile = json!({ "computerName": ctx.str("computer_name").unwrap_or_else(|| name.clone()), "adminUsername": auth.username });
    if let Some(keys) = &auth.keys {
        let public_keys: Vec<Value> = keys
            .iter()
            .map(|k| json!({ "keyData": k, "path": auth.ssh_path }))
            .collect();
        os_profile["linuxConfiguration"] = json!({ "disablePasswordAuthentication": !auth.password, "ssh": { "publicKeys": public_keys } });
    }
    let mut os_disk = json!({
        "createOption": "fromImage",
        "name": ctx.str("os_disk_name"),
        "caching": ctx.str("os_caching").unwrap_or_else(|| "ReadWrite".to_string()),
        "managedDisk": { "storageAccountType": list_arg(ctx, "storage_sku").and_then(|s| s.into_iter().next()) },
    });
    if let Some(size) = ctx.args.int("os_disk_size_gb") {
        os_disk["diskSizeGB"] = json!(size);
    }
    if let Some(d) = ctx.str("os_disk_delete_option") {
        os_disk["deleteOption"] = json!(d);
    }
    let props = json!({
        "hardwareProfile": { "vmSize": ctx.str("size").unwrap_or_else(|| "Standard_D2s_v5".to_string()) },
        "networkProfile": { "networkInterfaces": nic_refs },
        "storageProfile": { "osDisk": os_disk, "imageReference": image.reference() },
        "osProfile": os_profile,
    });
    let mut body = json!({ "location": location, "tags": tags, "properties": props });
    if let Some(z) = &zone {
        body["zones"] = json!([z]);
    }
    deploy(ctx, &deployment_id, &vm_path, body)?;
    if ctx.no_wait() {
        return Ok(Value::Null);
    }
    create_output(ctx, &vm_path)
}

/// Rule 3 (a subnet created directly in an existing VNet, before the deployment) or rule 4
/// (the template's new VNet with its subnet). Returns the subnet id.
#[allow(clippy::too_many_arguments)]
fn create_network(
    ctx: &Ctx,
    rg: &str,
    vm: &str,
    location: &str,
    tags: &Value,
    vnet: Option<String>,
    subnet: &str,
    deployment_id: &str,
) -> Result<String, CliError> {
    let subnet_prefix = ctx
        .str("subnet_address_prefix")
        .unwrap_or_else(|| "10.0.0.0/24".to_string());
    if let Some(v) = &vnet {
        let vnet_path = ctx.network_path(rg, &format!("virtualNetworks/{v}"));
        if ctx.client.send(&ArmRequest::get(&vnet_path)).is_success() {
            let path = format!("{vnet_path}/subnets/{subnet}");
            let body = json!({ "name": subnet, "properties": { "addressPrefix": subnet_prefix, "addressPrefixes": [subnet_prefix] } });
            if !ctx.client.send(&ArmRequest::put(&path, body)).is_success() {
                return Err(CliError::validation(format!(
                    "Subnet({subnet}) does not exist, but failed to create a new subnet with address prefix {subnet_prefix}. It may be caused by name or address prefix conflict. Please specify an appropriate subnet name with --subnet or a valid address prefix value with --subnet-address-prefix."
                )));
            }
            return Ok(path);
        }
    }
    let vnet_name = vnet.unwrap_or_else(|| format!("{vm}VNET"));
    let vnet_prefix = ctx
        .str("vnet_address_prefix")
        .unwrap_or_else(|| "10.0.0.0/16".to_string());
    let vnet_path = ctx.network_path(rg, &format!("virtualNetworks/{vnet_name}"));
    let body = json!({
        "location": location,
        "tags": tags,
        "properties": {
            "addressSpace": { "addressPrefixes": [vnet_prefix] },
            "subnets": [{ "name": subnet, "properties": { "addressPrefix": subnet_prefix } }],
        },
    });
    deploy(ctx, deployment_id, &vnet_path, body)?;
    Ok(format!("{vnet_path}/subnets/{subnet}"))
}

/// `get_vm_details` + `transform_vm_create_output`. Failures here go through
/// `handle_template_based_exception` too: the raw error body, exit 1.
fn create_output(ctx: &Ctx, vm_path: &str) -> Result<Value, CliError> {
    let get = |req: ArmRequest| -> Result<Value, CliError> {
        let resp = ctx.client.send(&req);
        if resp.is_success() {
            return Ok(resp.body.unwrap_or(Value::Null));
        }
        let body = resp
            .body
            .map(|b| serde_json::to_string(&b).unwrap_or_default())
            .unwrap_or_default();
        Err(CliError::validation(body))
    };
    let (vm, d) = vm_details(vm_path, &get)?;
    let id = vm
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or(vm_path)
        .to_string();
    let rg = id.split('/').nth(4).unwrap_or_default().to_string();
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    out.insert("resourceGroup".into(), json!(rg));
    out.insert("powerState".into(), json!(d.power_state));
    out.insert("publicIpAddress".into(), json!(d.public_ips.join(",")));
    out.insert("fqdns".into(), json!(d.fqdns.join(",")));
    out.insert("privateIpAddress".into(), json!(d.private_ips.join(",")));
    out.insert("macAddress".into(), json!(d.macs.join(",")));
    out.insert(
        "location".into(),
        vm.get("location").cloned().unwrap_or(Value::Null),
    );
    if let Some(z) = vm.get("zones") {
        let first = z
            .as_array()
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or_else(|| json!(""));
        out.insert("zones".into(), first);
    }
    Ok(Value::Object(out))
}
