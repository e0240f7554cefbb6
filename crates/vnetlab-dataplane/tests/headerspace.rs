//! The verifier's header-space pieces agree with the engine: an NSG layer's matching rules are
//! the AND of the source's and the destination's side bitsets (`nsg_side_items`), for every
//! NIC, direction and address pair of random small estates (prefixes, tags, ASGs).

use proptest::prelude::*;
use std::net::Ipv4Addr;
use vnetlab_dataplane::generate::{generate, Params};
use vnetlab_dataplane::*;

fn set_bits(bits: &[u64]) -> Vec<u32> {
    (0..bits.len() * 64)
        .filter(|&i| bits[i / 64] & (1 << (i % 64)) != 0)
        .map(|i| i as u32)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn side_bitsets_and_to_the_layer_matches(seed in 0u64..10_000, rules in 4usize..40) {
        let mut p = Params::small(seed);
        p.rules_per_nsg = rules;
        let e = Estate::from_records(generate(&p, &mut |_, _| {})).expect("models");
        let dp = DataPlane::compile(&e);
        let n = dp.nic_count();
        // Addresses: every NIC's, plus the platform address, a public one and an on-premises one.
        let mut addrs: Vec<Ipv4Addr> = (0..n)
            .filter_map(|i| dp.nic_handle_at(i).and_then(|h| dp.nic_address(h)))
            .collect();
        addrs.extend([
            Ipv4Addr::new(168, 63, 129, 16),
            Ipv4Addr::new(8, 8, 8, 8),
            Ipv4Addr::new(192, 168, 0, 9),
        ]);
        for i in 0..n {
            let h = dp.nic_handle_at(i).expect("handle");
            for dir in [Direction::Inbound, Direction::Outbound] {
                let inbound = dir == Direction::Inbound;
                for (k, &s) in addrs.iter().enumerate() {
                    // A sample of destinations per source keeps the case small.
                    for &d in addrs.iter().skip(k % 3).step_by(3) {
                        let want = dp.nsg_layer_matches(h, dir, s, d);
                        let nsgs: Vec<u32> = dp.nsg_order(h, dir).into_iter().flatten().collect();
                        prop_assert_eq!(want.len(), nsgs.len());
                        for (lm, nsg) in want.iter().zip(nsgs) {
                            prop_assert_eq!(lm.nsg, nsg);
                            let sb = dp.nsg_side_items(nsg, inbound, true).bits(s, dp.nsg_view_contains(h, s));
                            let db = dp.nsg_side_items(nsg, inbound, false).bits(d, dp.nsg_view_contains(h, d));
                            let both: Vec<u64> = sb.iter().zip(&db).map(|(a, b)| a & b).collect();
                            prop_assert_eq!(&set_bits(&both), &lm.rules, "NIC {} {:?} {} → {}", i, dir, s, d);
                        }
                    }
                }
            }
        }
    }
}
