//! Parsing of the record kinds with more than field copies: routes (next hop types), VMs
//! (NICs, power state, OS, the `vnetlab-listen` tag).

use crate::api::{ModelError, NextHopType};
use crate::model::*;
use crate::parse::{b, err, id_of, s, LISTEN_TAG};
use crate::prefix::Pfx;
use serde_json::Value;

pub fn parse_route(v: &Value) -> Result<Udr, ModelError> {
    let id = id_of(v);
    let raw = s(v, "/properties/addressPrefix").unwrap_or("").to_string();
    let prefix = match Pfx::parse(&raw) {
        Some(p) if raw.contains('/') => UdrPrefix::Net(p),
        _ => UdrPrefix::Unmodelled(raw.clone()),
    };
    let hop_raw = s(v, "/properties/nextHopType").unwrap_or("");
    let next_hop = [
        ("VirtualNetworkGateway", NextHopType::VirtualNetworkGateway),
        ("VnetLocal", NextHopType::VnetLocal),
        ("Internet", NextHopType::Internet),
        ("VirtualAppliance", NextHopType::VirtualAppliance),
        ("None", NextHopType::None),
    ]
    .iter()
    .find(|(n, _)| n.eq_ignore_ascii_case(hop_raw))
    .map(|(_, t)| *t)
    .ok_or_else(|| err(&id, format!("next hop type '{hop_raw}' is not modelled")))?;
    Ok(Udr {
        name: last_name(&id).to_string(),
        prefix,
        next_hop,
        next_hop_ip: s(v, "/properties/nextHopIpAddress").and_then(|a| a.parse().ok()),
        has_bgp_override: b(v, "/properties/hasBgpOverride", false),
        id,
    })
}

pub fn parse_vm(v: &Value, m: &Model) -> Result<Vm, ModelError> {
    let id = id_of(v);
    let name = last_name(&id).to_string();
    let mut nics: Vec<(bool, Ix)> = Vec::new();
    if let Some(a) = v
        .pointer("/properties/networkProfile/networkInterfaces")
        .and_then(Value::as_array)
    {
        for (i, n) in a.iter().enumerate() {
            let primary = n
                .pointer("/properties/primary")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if let Some(Ref::Nic(x)) = n.get("id").and_then(Value::as_str).and_then(|i| m.get(i)) {
                nics.push((
                    primary
                        || (i == 0
                            && !a.iter().any(|n| {
                                n.pointer("/properties/primary").and_then(Value::as_bool)
                                    == Some(true)
                            })),
                    x,
                ));
            }
        }
    }
    nics.sort_by_key(|(p, _)| !*p);
    let state = s(v, "/vnetlabInternal/powerState")
        .map(str::to_string)
        .or_else(|| {
            v.pointer("/properties/instanceView/statuses")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .filter_map(|x| x.get("code").and_then(Value::as_str))
                        .find_map(|c| c.strip_prefix("PowerState/").map(str::to_string))
                })
        });
    let power = match state.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("running") => Power::Running,
        Some("stopped") => Power::Stopped,
        Some("deallocated") => Power::Deallocated,
        Some(_) => Power::Other,
    };
    let os = match s(v, "/properties/storageProfile/osDisk/osType") {
        Some(t) if t.eq_ignore_ascii_case("Windows") => Os::Windows,
        Some(_) => Os::Linux,
        None if v
            .pointer("/properties/osProfile/windowsConfiguration")
            .is_some() =>
        {
            Os::Windows
        }
        None => Os::Linux,
    };
    let tag = v.get("tags").and_then(Value::as_object).and_then(|t| {
        t.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(LISTEN_TAG))
            .and_then(|(_, v)| v.as_str())
    });
    let (listen, listen_icmp, listen_error) = match tag {
        Some(t) => parse_listen(t),
        None => (Vec::new(), false, None),
    };
    Ok(Vm {
        computer_name: s(v, "/properties/osProfile/computerName")
            .unwrap_or(&name)
            .to_string(),
        os,
        power,
        nics: nics.into_iter().map(|(_, n)| n).collect(),
        listen,
        listen_icmp,
        listen_error,
        name,
        id,
    })
}

/// `80,443/tcp,53/udp,8000-8080,icmp` (commas or spaces; protocol defaults to tcp; `*` = both).
pub fn parse_listen(t: &str) -> (Vec<Listen>, bool, Option<String>) {
    let mut out = Vec::new();
    let mut icmp = false;
    let mut bad = Vec::new();
    for item in t
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
    {
        if item.eq_ignore_ascii_case("icmp") {
            icmp = true;
            continue;
        }
        let (ports, proto) = match item.split_once('/') {
            Some((p, pr)) => (p, pr),
            None => (item, "tcp"),
        };
        let proto = match proto.to_ascii_lowercase().as_str() {
            "tcp" => RuleProto::Tcp,
            "udp" => RuleProto::Udp,
            "*" | "any" => RuleProto::Any,
            _ => {
                bad.push(item.to_string());
                continue;
            }
        };
        let range = match ports.split_once('-') {
            Some((a, b)) => a.parse::<u16>().ok().zip(b.parse::<u16>().ok()),
            None => ports.parse::<u16>().ok().map(|p| (p, p)),
        };
        match range {
            Some((a, b)) if a <= b => out.push(Listen {
                proto,
                ports: (a, b),
            }),
            _ => bad.push(item.to_string()),
        }
    }
    let error = (!bad.is_empty()).then(|| {
        format!(
            "tag {LISTEN_TAG} has entries vnetlab cannot read: {} (expected e.g. 80,443/tcp,53/udp,8000-8080,icmp)",
            bad.join(", ")
        )
    });
    (out, icmp, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_tag() {
        let (l, icmp, e) = parse_listen("80, 443/tcp,53/udp 8000-8080,icmp");
        assert!(icmp && e.is_none());
        assert_eq!(l.len(), 4);
        assert_eq!(
            l[2],
            Listen {
                proto: RuleProto::Udp,
                ports: (53, 53)
            }
        );
        let (_, _, e) = parse_listen("80/sctp,x");
        assert!(e.unwrap().contains("80/sctp, x"));
    }
}
