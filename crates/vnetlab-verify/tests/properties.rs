//! Property tests on random small estates (the engine's synthetic generator): the verifier's
//! exact flow sets and matrix agree with packet walks of sampled flows, and `reach` agrees with
//! `DataPlane::walk` (what Network Watcher's connectivity check runs) on verdict and blockers.

use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr};
use vnetlab_dataplane::generate::{generate, Params, Rng};
use vnetlab_dataplane::{Endpoint, Flow};
use vnetlab_verify::endpoint::Member;
use vnetlab_verify::matrix::{self, Level};
use vnetlab_verify::probe::Prober;
use vnetlab_verify::reach::{self, Selection, Verdict};
use vnetlab_verify::{Proto, Verifier};

fn estate(seed: u64, nics: usize) -> Verifier {
    let mut p = Params::small(seed);
    p.nics = nics;
    p.spokes = 4;
    p.rules_per_nsg = 12;
    Verifier::new(generate(&p, &mut |_, _| {})).expect("the generator's estates model")
}

fn walk(
    v: &Verifier,
    src: usize,
    dst: usize,
    proto: Proto,
    sport: u16,
    dport: u16,
) -> vnetlab_dataplane::Walk {
    let flow = Flow {
        protocol: proto.to_engine(),
        src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        src_port: sport,
        dst: IpAddr::V4(v.inv.nics[dst].ip.expect("generated NICs have addresses")),
        dst_port: dport,
    };
    v.dp.walk(
        &Endpoint::Nic {
            nic_id: v.inv.nics[src].id.clone(),
        },
        flow,
    )
    .expect("walks between generated NICs")
}

/// Ports that sit on rule boundaries in the generator (1..60000 plus ranges) and common ones.
fn port(rng: &mut Rng) -> u16 {
    match rng.below(4) {
        0 => [22, 80, 443, 53, 0, 65535][rng.below(6) as usize],
        _ => rng.below(65536) as u16,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn flow_sets_agree_with_packet_walks(seed in 0u64..1000) {
        let v = estate(seed, 12);
        let prober = Prober::of(&v);
        let mut rng = Rng::new(seed ^ 0x5eed);
        let n = v.inv.nics.len();
        for _ in 0..6 {
            let (s, d) = (rng.below(n as u64) as usize, rng.below(n as u64) as usize);
            if s == d { continue; }
            let pair = prober.pair(Member::Nic(s), Member::Nic(d));
            for _ in 0..25 {
                let proto = [Proto::Tcp, Proto::Udp, Proto::Icmp][rng.below(3) as usize];
                let (sp, dp) = (1024 + rng.below(60000) as u16, port(&mut rng));
                let w = walk(&v, s, d, proto, sp, dp);
                prop_assert_eq!(pair.delivered.contains(proto, sp, dp), w.delivered,
                    "{:?} {}→{} {}:{}: set says {}, walk says {} ({:?})", proto, v.inv.nics[s].name, v.inv.nics[d].name, sp, dp,
                    pair.delivered.contains(proto, sp, dp), w.delivered, w.blockers.first().map(|b| &b.kind));
            }
        }
    }

    #[test]
    fn reach_agrees_with_the_walk_network_watcher_runs(seed in 0u64..1000) {
        let v = estate(seed, 10);
        let mut rng = Rng::new(seed ^ 0xbeef);
        let n = v.inv.nics.len();
        for _ in 0..8 {
            let (s, d) = (rng.below(n as u64) as usize, rng.below(n as u64) as usize);
            if s == d { continue; }
            let proto = [Proto::Tcp, Proto::Udp, Proto::Icmp][rng.below(3) as usize];
            let dport = port(&mut rng);
            let sel = Selection { protocols: vec![proto], ports: vnetlab_verify::PortSet::single(dport) };
            let from = v.endpoint(&format!("nic:bench/{}", v.inv.nics[s].name)).unwrap();
            let to = v.endpoint(&format!("nic:bench/{}", v.inv.nics[d].name)).unwrap();
            let r = reach::reach(&v, &from, &to, &sel);
            // The generator's rules never restrict source ports: one walk decides the flow.
            let w = walk(&v, s, d, proto, 49152, dport);
            prop_assert_eq!(r.verdict == Verdict::Allowed, w.delivered);
            prop_assert_eq!(r.verdict == Verdict::Denied, !w.delivered);
            for b in &w.blockers {
                prop_assert!(r.blockers.iter().any(|x| x.blocker.kind == b.kind && x.blocker.resource_id == b.resource_id),
                    "walk blocker {} {} missing from reach", b.kind, b.resource_id);
            }
            prop_assert_eq!(r.blockers.is_empty(), w.delivered);
        }
    }
}

#[test]
fn matrix_cells_are_the_union_and_intersection_of_pair_walks() {
    let v = estate(7, 8);
    let sel = Selection::parse(None, None).unwrap();
    let m = matrix::compute(&v, Level::Vnet, &sel);
    assert!(!m.groups.is_empty());
    let mut rng = Rng::new(99);
    let mut delivered = 0;
    let mut blocked = 0;
    for (i, g) in m.groups.iter().enumerate() {
        for (j, h) in m.groups.iter().enumerate() {
            let c = m.cell(i, j);
            for _ in 0..10 {
                let s = g.nics[rng.below(g.nics.len() as u64) as usize];
                let d = h.nics[rng.below(h.nics.len() as u64) as usize];
                if s == d {
                    continue;
                }
                let proto = [Proto::Tcp, Proto::Udp, Proto::Icmp][rng.below(3) as usize];
                let dp = port(&mut rng);
                let w = walk(&v, s, d, proto, 49152, dp);
                if w.delivered {
                    delivered += 1;
                    assert!(
                        c.some.contains(proto, 49152, dp),
                        "a delivered flow is missing from cell {} → {}",
                        g.label,
                        h.label
                    );
                } else {
                    blocked += 1;
                    assert!(
                        !c.every.contains(proto, 49152, dp),
                        "a blocked flow is in 'every pair' of cell {} → {}",
                        g.label,
                        h.label
                    );
                }
            }
        }
    }
    // The estate must exercise both outcomes, or the test proves nothing.
    assert!(
        delivered > 0 && blocked > 0,
        "delivered {delivered}, blocked {blocked}"
    );
}
