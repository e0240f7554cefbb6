//! The matrix over header-space classes (`matrix::compute`) equals the walk-per-port-class
//! matrix (`matrix::compute_by_walks`) cell by cell: on random small estates of the engine's
//! generator, and on the same estates with hand-made faults (a stopped VM, a disconnected
//! peering, an appliance without IP forwarding, a Windows VM, NIC-level NSGs with source-port
//! and ASG rules, a `None` route).

use proptest::prelude::*;
use serde_json::{json, Value};
use vnetlab_dataplane::generate::{generate, Params};
use vnetlab_verify::matrix::{self, Level};
use vnetlab_verify::reach::Selection;
use vnetlab_verify::Verifier;

fn params(seed: u64, spokes: usize, nics: usize, rules: usize, udrs: usize) -> Params {
    let mut p = Params::small(seed);
    p.spokes = spokes;
    p.nics = nics;
    p.rules_per_nsg = rules;
    p.udrs_per_table = udrs;
    p
}

fn same(records: Vec<Value>) {
    let v = Verifier::new(records).expect("the estate models");
    for sel in [
        Selection::parse(None, None).unwrap(),
        Selection::parse(Some("Tcp"), Some("1000-40000")).unwrap(),
    ] {
        for level in [Level::Vm, Level::Subnet] {
            let fast = matrix::compute(&v, level, &sel);
            let slow = matrix::compute_by_walks(&v, level, &sel);
            assert_eq!(fast.groups.len(), slow.groups.len());
            for i in 0..fast.groups.len() {
                for j in 0..fast.groups.len() {
                    assert_eq!(
                        fast.cell(i, j),
                        slow.cell(i, j),
                        "cell {} → {} ({:?}, {})",
                        fast.groups[i].label,
                        fast.groups[j].label,
                        level,
                        sel.describe()
                    );
                }
            }
        }
    }
}

fn find<'a>(records: &'a mut [Value], suffix: &str) -> Option<&'a mut Value> {
    records.iter_mut().find(|r| {
        r.get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.ends_with(suffix))
    })
}

/// Faults: each one a classic way for flows to die somewhere other than the source's NSG.
fn with_faults(mut r: Vec<Value>) -> Vec<Value> {
    let base = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/bench/providers/Microsoft.Network";
    if let Some(vm) = find(&mut r, "/virtualMachines/spoke1-vm0") {
        vm["vnetlabInternal"]["powerState"] = json!("deallocated");
    }
    if let Some(vm) = find(&mut r, "/virtualMachines/spoke2-vm1") {
        vm["properties"]["storageProfile"]["osDisk"]["osType"] = json!("Windows");
    }
    if let Some(l) = find(&mut r, "/virtualNetworkPeerings/to-spoke3") {
        l["properties"]["peeringState"] = json!("Disconnected");
    }
    if let Some(n) = find(&mut r, "/networkInterfaces/hub0-nva") {
        n["properties"]["enableIPForwarding"] = json!(false);
    }
    let nsg = format!("{base}/networkSecurityGroups/nic-nsg");
    r.push(json!({"id": nsg, "name": "nic-nsg", "type": "Microsoft.Network/networkSecurityGroups", "location": "eastus", "properties": {}}));
    for (name, props) in [
        (
            "sp",
            json!({"protocol": "Tcp", "sourcePortRange": "1024-2047", "destinationPortRange": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "access": "Deny", "priority": 100, "direction": "Inbound"}),
        ),
        (
            "asg",
            json!({"protocol": "*", "sourcePortRange": "*", "destinationPortRanges": ["80", "8000-9000"], "sourceApplicationSecurityGroups": [{"id": format!("{base}/applicationSecurityGroups/asg3")}], "destinationAddressPrefix": "*", "access": "Deny", "priority": 110, "direction": "Inbound"}),
        ),
        (
            "out",
            json!({"protocol": "Udp", "sourcePortRange": "53", "destinationPortRange": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "VirtualNetwork", "access": "Deny", "priority": 120, "direction": "Outbound"}),
        ),
        (
            "icmp",
            json!({"protocol": "Icmp", "sourcePortRange": "*", "destinationPortRange": "*", "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "*", "access": "Deny", "priority": 130, "direction": "Inbound"}),
        ),
    ] {
        r.push(json!({"id": format!("{nsg}/securityRules/{name}"), "name": name, "type": "Microsoft.Network/networkSecurityGroups/securityRules", "properties": props}));
    }
    for n in ["spoke0-nic1", "spoke4-nic0", "hub0-nva"] {
        if let Some(x) = find(&mut r, &format!("/networkInterfaces/{n}")) {
            x["properties"]["networkSecurityGroup"] = json!({"id": nsg});
        }
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, .. ProptestConfig::default() })]

    #[test]
    fn class_matrix_equals_walk_matrix(
        seed in 0u64..10_000,
        spokes in 2usize..6,
        nics in 4usize..16,
        rules in 4usize..30,
        udrs in 0usize..10,
    ) {
        same(generate(&params(seed, spokes, nics, rules, udrs), &mut |_, _| {}));
    }

    #[test]
    fn class_matrix_equals_walk_matrix_with_faults(seed in 0u64..10_000, rules in 4usize..30) {
        same(with_faults(generate(&params(seed, 5, 15, rules, 8), &mut |_, _| {})));
    }
}

#[test]
fn class_matrix_equals_walk_matrix_on_a_mesh() {
    let mut p = params(3, 4, 12, 20, 6);
    p.hub_and_spoke = false;
    same(generate(&p, &mut |_, _| {}));
}

/// Walking one port class per group of classes that every NSG on the path decides alike
/// (`Prober::group_classes`, what `reach` does) gives exactly the atoms — delivery and
/// blockers — of walking every class, for every NIC pair.
fn grouping_changes_nothing(records: Vec<Value>) {
    let v = Verifier::new(records).expect("the estate models");
    let mut grouped = vnetlab_verify::probe::Prober::of(&v);
    grouped.all_blockers = true;
    let mut each = vnetlab_verify::probe::Prober::of(&v);
    each.all_blockers = true;
    each.group_classes = false;
    let n = v.inv.nics.len();
    for s in 0..n {
        for d in 0..n {
            use vnetlab_verify::endpoint::Member;
            if s == d {
                continue;
            }
            let a = grouped.pair(Member::Nic(s), Member::Nic(d));
            let b = each.pair(Member::Nic(s), Member::Nic(d));
            assert_eq!(a.delivered, b.delivered, "{s} → {d}");
            assert_eq!(a.atoms.len(), b.atoms.len(), "{s} → {d}");
            for (x, y) in a.atoms.iter().zip(&b.atoms) {
                assert_eq!(
                    (x.proto, x.sports, x.dports, x.delivered),
                    (y.proto, y.sports, y.dports, y.delivered),
                    "{s} → {d}"
                );
                let kinds = |v: &[vnetlab_dataplane::Blocker]| {
                    v.iter()
                        .map(|b| (b.kind.clone(), b.resource_id.clone()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(kinds(&x.blockers), kinds(&y.blockers), "{s} → {d}");
            }
        }
    }
    assert!(
        *grouped.walks.borrow() <= *each.walks.borrow(),
        "grouping never walks more"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn grouped_port_classes_equal_class_by_class_walks(seed in 0u64..10_000, rules in 4usize..30) {
        grouping_changes_nothing(generate(&params(seed, 3, 10, rules, 6), &mut |_, _| {}));
        grouping_changes_nothing(with_faults(generate(&params(seed, 5, 15, rules, 8), &mut |_, _| {})));
    }
}
