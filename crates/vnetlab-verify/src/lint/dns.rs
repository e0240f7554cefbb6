//! Names that Azure DNS will not resolve across peering (azure-semantics.md §10): Azure-provided
//! resolution is scoped to one VNet, so a VM's name in a peered VNet is NXDOMAIN unless a
//! private DNS zone linked to both answers for it. Asked of the data plane's resolver from a
//! NIC on each side of every Connected peering.

use super::{Finding, Severity};
use crate::inventory::{id_of, parent_id, str_at};
use crate::Verifier;
use vnetlab_dataplane::DnsAnswer;

pub fn check(v: &Verifier, out: &mut Vec<Finding>) {
    let inv = &v.inv;
    // A VM with a NIC in each VNet: (NIC id, VM name).
    let resident = |vnet: usize| -> Option<(String, String)> {
        inv.vms.iter().find_map(|vm| {
            let n = *vm.nics.first()?;
            (inv.nic_vnet(n) == Some(vnet)).then(|| (inv.nics[n].id.clone(), vm.name.clone()))
        })
    };
    for l in v
        .records
        .of_type("Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
    {
        if !str_at(l, "/properties/peeringState")
            .is_some_and(|s| s.eq_ignore_ascii_case("Connected"))
        {
            continue;
        }
        let lid = id_of(l);
        let (Some(a), Some(b)) = (
            inv.vnet_ix(parent_id(&lid)),
            str_at(l, "/properties/remoteVirtualNetwork/id").and_then(|r| inv.vnet_ix(r)),
        ) else {
            continue;
        };
        let (Some((nic_a, _)), Some((_, name_b))) = (resident(a), resident(b)) else {
            continue;
        };
        match v.dp.resolve(&nic_a, &name_b) {
            Ok(DnsAnswer::Found { .. }) | Err(_) => {}
            Ok(DnsAnswer::NotFound { .. }) | Ok(DnsAnswer::NoServer { .. }) => {
                let (va, vb) = (&inv.vnets[a].name, &inv.vnets[b].name);
                out.push(Finding::new(
                    Severity::Info,
                    "dns-not-across-peering",
                    &lid,
                    format!("VMs in {va} cannot resolve VM names of {vb} (e.g. '{name_b}' is NXDOMAIN from {va}): Azure-provided DNS is scoped to one virtual network and does not cross peering."),
                    format!("Link a private DNS zone with autoregistration to {vb} and a resolution link to {va} (az network private-dns link vnet create … --registration-enabled), or use addresses."),
                ));
            }
        }
    }
}
