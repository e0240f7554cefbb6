//! `POST …/virtualMachines/{vm}/runCommand` with `RunShellScript` (az-cli-surface.md §20):
//! the script runs in [`super::shell`] on the VM's view of the data plane, and the answer is
//! the Linux extension's: one `ProvisioningState/succeeded` status whose message is
//! `Enable succeeded: \n[stdout]\n<stdout>\n[stderr]\n<stderr>` (the last 4 KiB of each
//! stream), whatever the script's exit status — Azure/run-command-extension-linux reports the
//! output, never the exit code.
//!
//! The extension runs the script from `/var/lib/waagent/run-command/download/<n>/script.sh`,
//! `<n>` counting the VM's run-commands; bash names that path in its error messages, so the
//! count is kept on the VM record (internal, never rendered).

use super::shell;
use super::tools::{Lookup, Net};
use super::watcher::{is_estate_name, private_zone_names};
use super::{body_object, compile, power_state, query_error};
use crate::cx::{Cx, Rx};
use crate::error::{ArmError, ArmResult};
use crate::id::{key_of, ResourceId};
use crate::request::ArmResponse;
use crate::resources::network_interface::{self, NIC_IPCONFIG_TYPE};
use crate::resources::{save, type_error, virtual_machine, ResourceKind};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use vnetlab_dataplane::{DataPlane, DnsAnswer, Endpoint, Flow, QueryError, Walk};

/// The run-command extension keeps the last 4 KiB of stdout and stderr (`maxTailLen`).
pub const MAX_TAIL: usize = 4 * 1024;

/// Linux and Windows command ids Azure offers that vnetlab does not run.
const OTHER_COMMAND_IDS: &[&str] = &[
    "ifconfig",
    "EnableRemotePS",
    "IPConfig",
    "RDPSettings",
    "ResetRDPCert",
    "SetRDPPort",
    "EnableAdminAccount",
    "DisableNLA",
    "DisableWindowsUpdate",
    "EnableWindowsUpdate",
];

/// The last `max` bytes of `s`, cut at a character boundary.
pub fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// The status message of the Linux run-command extension.
pub fn message(stdout: &str, stderr: &str) -> String {
    format!(
        "Enable succeeded: \n[stdout]\n{}\n[stderr]\n{}",
        tail(stdout, MAX_TAIL),
        tail(stderr, MAX_TAIL)
    )
}

/// `RunCommandResult` of a Linux VM.
pub fn result_json(stdout: &str, stderr: &str) -> Value {
    json!({
        "value": [{
            "code": "ProvisioningState/succeeded",
            "level": "Info",
            "displayStatus": "Provisioning succeeded",
            "message": message(stdout, stderr),
        }]
    })
}

/// `InvalidParameter` as the Compute RP words a missing required parameter.
fn missing(param: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidParameter",
        format!("Required parameter '{param}' is missing (null)."),
    )
}

fn script_lines(b: &Map<String, Value>) -> ArmResult<Vec<String>> {
    match b.get("script") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Null => Ok(String::new()),
                _ => Err(type_error("script", "String[]")),
            })
            .collect(),
        Some(_) => Err(type_error("script", "String[]")),
    }
}

fn parameters(b: &Map<String, Value>) -> ArmResult<Vec<(String, String)>> {
    match b.get("parameters") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let name = p.get("name").and_then(Value::as_str);
                let value = p.get("value").and_then(Value::as_str);
                match (name, value) {
                    (Some(n), Some(v)) => Ok((n.to_string(), v.to_string())),
                    (None, _) => Err(missing(&format!("parameters[{i}].name"))),
                    (_, None) => Err(missing(&format!("parameters[{i}].value"))),
                }
            })
            .collect(),
        Some(_) => Err(type_error("parameters", "RunCommandInputParameter[]")),
    }
}

/// The VM kind's `runCommand` action.
pub fn invoke(
    cx: &mut Cx,
    id: &ResourceId,
    stored: &Value,
    body: &Value,
) -> ArmResult<ArmResponse> {
    let b = body_object(body)?;
    let command_id = match b.get("commandId") {
        None | Some(Value::Null) => return Err(missing("commandId")),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(type_error("commandId", "String")),
    };
    let lines = script_lines(&b)?;
    let params = parameters(&b)?;
    let os = stored
        .pointer("/properties/storageProfile/osDisk/osType")
        .and_then(Value::as_str)
        .unwrap_or("Linux")
        .to_string();
    let windows = os.eq_ignore_ascii_case("windows");
    match command_id.to_ascii_lowercase().as_str() {
        "runshellscript" if windows => {
            // [UNCONFIRMED code/text]
            return Err(ArmError::conflict(
                "Conflict",
                "Run command OS type 'Linux' does not match the target OS Windows.",
            ));
        }
        "runshellscript" => {}
        "runpowershellscript" if !windows => {
            // [UNCONFIRMED code/text]
            return Err(ArmError::conflict(
                "Conflict",
                "Run command OS type 'Windows' does not match the target OS Linux.",
            ));
        }
        "runpowershellscript" => {
            return Err(ArmError::not_supported(
                "RunPowerShellScript on Windows virtual machines",
            ))
        }
        other
            if OTHER_COMMAND_IDS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(other)) =>
        {
            return Err(ArmError::not_supported(format!(
                "The run command '{command_id}'"
            )))
        }
        _ => {
            // [UNCONFIRMED code/text]
            return Err(ArmError::bad_request(
                "InvalidParameter",
                format!("The value '{command_id}' of parameter 'commandId' is not a valid run command id."),
            ));
        }
    }
    let state = power_state(stored).to_string();
    if state != "running" {
        // The Compute RP's wording for operations a VM's state forbids; the exact text for
        // run-command is [UNCONFIRMED].
        return Err(ArmError::conflict(
            "OperationNotAllowed",
            format!(
                "Operation 'RunCommand' is not allowed on VM '{}' since the VM is {}.",
                id.name(),
                if state == "deallocated" {
                    "deallocated"
                } else {
                    "not running"
                }
            ),
        ));
    }

    let sequence = stored
        .pointer(&format!(
            "/{}/runCommandSequence",
            virtual_machine::INTERNAL
        ))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let result = {
        let rx = cx.rx();
        let net = VmNet::new(&rx, stored, sequence)?;
        let path = format!("/var/lib/waagent/run-command/download/{sequence}/script.sh");
        shell::run(&net, &lines.join("\n"), &params, &path)?
    };
    let mut record = stored.clone();
    let mut internal = record
        .get(virtual_machine::INTERNAL)
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    internal["runCommandSequence"] = json!(sequence + 1);
    record[virtual_machine::INTERNAL] = internal;
    save(cx, id, &record)?;
    Ok(ArmResponse::ok(result_json(&result.stdout, &result.stderr)))
}

/// A VM's view of the compiled data plane.
pub struct VmNet {
    dp: DataPlane,
    vm_id: String,
    nic_id: String,
    hostname: String,
    ips: Vec<IpAddr>,
    zones: Vec<String>,
    hosts: HashMap<IpAddr, String>,
    /// The VNet's Azure-provided DNS suffix, as the NIC renders it.
    dns_suffix: Option<String>,
    seed: String,
    now: i64,
}

fn computer_name(vm: &Value) -> String {
    vm.pointer("/properties/osProfile/computerName")
        .and_then(Value::as_str)
        .or_else(|| vm.get("name").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

impl VmNet {
    pub fn new(rx: &Rx, vm: &Value, sequence: u64) -> ArmResult<VmNet> {
        let vm_id = vm
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let nic_id = virtual_machine::primary_nic(vm).unwrap_or_default();
        let mut nics = vec![nic_id.clone()];
        nics.extend(
            virtual_machine::nic_ids(vm)
                .into_iter()
                .filter(|n| key_of(n) != key_of(&nic_id)),
        );
        let mut ips = Vec::new();
        for n in &nics {
            let Ok(rid) = ResourceId::parse(n) else {
                continue;
            };
            let mut cfgs = network_interface::ip_configurations(rx, &rid)?;
            cfgs.sort_by_key(|c| {
                c.pointer("/properties/primary").and_then(Value::as_bool) != Some(true)
            });
            ips.extend(
                cfgs.iter()
                    .filter_map(|c| c.pointer("/properties/privateIPAddress"))
                    .filter_map(Value::as_str)
                    .filter_map(|s| s.parse::<IpAddr>().ok()),
            );
        }
        let mut hosts = HashMap::new();
        for cfg in rx
            .txn
            .list(NIC_IPCONFIG_TYPE, &rx.config.subscription_id, None)?
        {
            let Some(ip) = cfg
                .pointer("/properties/privateIPAddress")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<IpAddr>().ok())
            else {
                continue;
            };
            let Some(nic) = cfg
                .get("id")
                .and_then(Value::as_str)
                .and_then(|i| ResourceId::parse(i).ok())
                .and_then(|r| r.parent())
            else {
                continue;
            };
            if let Some(vm_of_nic) = network_interface::attached_vm(rx, &nic)? {
                if let Some(rec) = rx.get_key(&vm_of_nic)? {
                    hosts.insert(ip, computer_name(&rec));
                }
            }
        }
        let dns_suffix = match ResourceId::parse(&nic_id) {
            Ok(rid) => match rx.get(&rid)? {
                Some(stored_nic) => network_interface::NetworkInterfaces
                    .render(rx, &rid, &stored_nic)?
                    .pointer("/properties/dnsSettings/internalDomainNameSuffix")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                None => None,
            },
            Err(_) => None,
        };
        let now = if rx.config.deterministic {
            1_767_225_600 // 2026-01-01T00:00:00Z
        } else {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        };
        Ok(VmNet {
            dp: compile(rx)?,
            seed: format!("{vm_id}|{sequence}"),
            vm_id,
            nic_id,
            hostname: computer_name(vm),
            ips,
            zones: private_zone_names(rx)?,
            hosts,
            dns_suffix,
            now,
        })
    }
}

fn engine_error(e: QueryError) -> ArmError {
    query_error(e, |why| ArmError::bad_request("InvalidParameter", why))
}

impl Net for VmNet {
    fn hostname(&self) -> String {
        self.hostname.clone()
    }

    fn private_ips(&self) -> Vec<IpAddr> {
        self.ips.clone()
    }

    fn lookup(&self, name: &str) -> ArmResult<Lookup> {
        match self.dp.resolve(&self.nic_id, name).map_err(engine_error)? {
            DnsAnswer::Found {
                fqdn, addresses, ..
            } => {
                // The canonical name a resolver reports: a bare host name answered by Azure
                // DNS is `<host>.<the VNet's internal suffix>` (the search domain applied).
                let bare = fqdn.trim_end_matches('.').to_string();
                let fqdn = match &self.dns_suffix {
                    Some(sfx) if !bare.contains('.') => format!("{bare}.{sfx}"),
                    _ => bare,
                };
                Ok(Lookup::Found { fqdn, addresses })
            }
            DnsAnswer::NotFound { .. } if is_estate_name(name, &self.zones) => Ok(Lookup::NxDomain),
            DnsAnswer::NotFound { .. } => Err(ArmError::not_supported(format!(
                "Resolving the Internet name '{name}'"
            ))),
            DnsAnswer::NoServer { server } => Err(ArmError::not_supported(format!(
                "Name resolution through the custom DNS server {server}"
            ))),
        }
    }

    fn walk(&self, flow: Flow) -> ArmResult<Walk> {
        self.dp
            .walk(
                &Endpoint::Vm {
                    vm_id: self.vm_id.clone(),
                },
                flow,
            )
            .map_err(engine_error)
    }

    fn host_of(&self, ip: IpAddr) -> Option<String> {
        self.hosts.get(&ip).cloned()
    }

    fn seed(&self) -> String {
        self.seed.clone()
    }

    fn now_unix(&self) -> i64 {
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_the_linux_extensions() {
        assert_eq!(
            message("hello\n", ""),
            "Enable succeeded: \n[stdout]\nhello\n\n[stderr]\n"
        );
        assert_eq!(
            message("", "oops\n"),
            "Enable succeeded: \n[stdout]\n\n[stderr]\noops\n"
        );
        let v = result_json("hello\n", "");
        assert_eq!(v["value"][0]["code"], "ProvisioningState/succeeded");
        assert_eq!(v["value"][0]["displayStatus"], "Provisioning succeeded");
        assert_eq!(v["value"][0]["level"], "Info");
        assert!(v["value"][0].get("time").is_none());
    }

    #[test]
    fn output_keeps_only_the_last_4_kib() {
        let long = "é".repeat(3000); // 6000 bytes
        let t = tail(&long, MAX_TAIL);
        assert!(t.len() <= MAX_TAIL && t.len() >= MAX_TAIL - 1);
        assert!(t.chars().all(|c| c == 'é'));
        assert_eq!(tail("short", MAX_TAIL), "short");
    }

    #[test]
    fn script_and_parameters_are_validated() {
        let b = body_object(
            &json!({"script": ["a", "b"], "parameters": [{"name": "arg1", "value": "x"}]}),
        )
        .unwrap();
        assert_eq!(script_lines(&b).unwrap(), vec!["a", "b"]);
        assert_eq!(
            parameters(&b).unwrap(),
            vec![("arg1".to_string(), "x".to_string())]
        );
        let b = body_object(&json!({"script": "a"})).unwrap();
        assert_eq!(script_lines(&b).unwrap_err().code, "InvalidRequestFormat");
        let b = body_object(&json!({"parameters": [{"value": "x"}]})).unwrap();
        assert_eq!(parameters(&b).unwrap_err().code, "InvalidParameter");
    }
}
