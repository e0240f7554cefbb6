//! Property tests: LPM against a brute-force scan, the classifier against a first-match scan,
//! cached verdicts against uncached ones, and walks that never panic on random small estates.

use proptest::prelude::*;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};
use vnetlab_dataplane::generate::{generate, Params, Rng};
use vnetlab_dataplane::internals::{brute_force, reference_verdict, upper_bounds, Entry, Lpm, Pfx};
use vnetlab_dataplane::*;

fn entry_strategy() -> impl Strategy<Value = Entry> {
    // Addresses from a small pool so that prefixes nest and collide often.
    (
        0u32..16,
        0u8..=32,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u32..1000,
    )
        .prop_map(|(a, len, bgp, vnet, ovr, row)| Entry {
            pfx: Pfx::new(0x0A00_0000 | (a << 20) | (a << 9), len).unwrap_or(Pfx::DEFAULT),
            row,
            bgp,
            vnet_or_peering: vnet && !bgp,
            bgp_override: ovr && !bgp && !vnet,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn lpm_agrees_with_brute_force(entries in prop::collection::vec(entry_strategy(), 0..40), probes in prop::collection::vec(any::<u32>(), 1..40), near in prop::collection::vec(0u32..16, 1..40)) {
        let lpm = Lpm::build(entries.clone());
        let mut ips: Vec<u32> = probes;
        ips.extend(near.iter().map(|a| 0x0A00_0000 | (a << 20) | (a << 9) | 7));
        ips.extend(entries.iter().flat_map(|e| [e.pfx.first(), e.pfx.last(), e.pfx.last().wrapping_add(1), e.pfx.first().wrapping_sub(1)]));
        for ip in ips {
            prop_assert_eq!(lpm.lookup(ip), brute_force(&entries, ip), "ip {:?}", Ipv4Addr::from(ip));
        }
    }
}

fn small_estate(seed: u64, mesh: bool) -> Vec<Value> {
    let mut p = Params::small(seed);
    p.hub_and_spoke = !mesh;
    p.rules_per_nsg = 10 + (seed % 30) as usize;
    generate(&p, &mut |_, _| {})
}

/// Random mutations: flip booleans, drop records, change states — anything a store could hold.
fn mutate(mut recs: Vec<Value>, seed: u64) -> Vec<Value> {
    let mut rng = Rng::new(seed ^ 0xdead_beef);
    for _ in 0..(rng.below(6) + 1) {
        if recs.is_empty() {
            break;
        }
        let i = rng.below(recs.len() as u64) as usize;
        match rng.below(6) {
            0 => {
                recs.remove(i);
            }
            1 => {
                if let Some(p) = recs[i].get_mut("properties").and_then(Value::as_object_mut) {
                    for (_, v) in p.iter_mut() {
                        if let Value::Bool(b) = v {
                            *b = !*b;
                        }
                    }
                }
            }
            2 => {
                recs[i]["properties"]["peeringState"] =
                    Value::from(["Initiated", "Disconnected", "Connected"][rng.below(3) as usize])
            }
            3 => {
                recs[i]["properties"]["nextHopType"] = Value::from(
                    [
                        "None",
                        "VnetLocal",
                        "Internet",
                        "VirtualNetworkGateway",
                        "VirtualAppliance",
                    ][rng.below(5) as usize],
                )
            }
            4 => recs[i]["vnetlabInternal"] = serde_json::json!({ "powerState": "deallocated" }),
            _ => {
                recs[i]["properties"]["remoteAddressSpace"] =
                    serde_json::json!({ "addressPrefixes": ["10.99.0.0/16"] })
            }
        }
    }
    recs
}

fn flows(dp: &DataPlane, e: &Estate, seed: u64, n: usize) -> Vec<(String, Flow)> {
    let mut rng = Rng::new(seed);
    let nics = e.nic_ids();
    let addrs: Vec<Ipv4Addr> = (0..dp.nic_count())
        .filter_map(|i| dp.nic_handle_at(i).and_then(|h| dp.nic_address(h)))
        .collect();
    let mut out = Vec::new();
    for _ in 0..n {
        if nics.is_empty() {
            break;
        }
        let nic = nics[rng.below(nics.len() as u64) as usize].clone();
        let dst = match rng.below(4) {
            0 => Ipv4Addr::from(rng.next_u64() as u32),
            1 => Ipv4Addr::new(192, 168, 0, rng.below(255) as u8),
            _ if !addrs.is_empty() => addrs[rng.below(addrs.len() as u64) as usize],
            _ => Ipv4Addr::new(10, 16, 0, 4),
        };
        let protocol = [Protocol::Tcp, Protocol::Udp, Protocol::Icmp][rng.below(3) as usize];
        let flow = Flow {
            protocol,
            src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            src_port: 1024 + rng.below(60000) as u16,
            dst: IpAddr::V4(dst),
            dst_port: [22, 80, 443, 53, rng.below(65535) as u16][rng.below(5) as usize],
        };
        out.push((nic, flow));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn walks_never_panic_on_random_small_estates(seed in any::<u64>(), mesh in any::<bool>(), mutated in any::<bool>()) {
        let recs = small_estate(seed, mesh);
        let recs = if mutated { mutate(recs, seed) } else { recs };
        let Ok(e) = Estate::from_records(recs) else { return Ok(()) };
        let dp = DataPlane::compile(&e);
        for (nic, flow) in flows(&dp, &e, seed, 25) {
            let _ = dp.effective_routes(&nic);
            let _ = dp.effective_security_groups(&nic);
            let _ = dp.next_hop(&nic, flow.src, flow.dst);
            let _ = dp.resolve(&nic, "spoke0-vm0");
            let w = dp.walk(&Endpoint::Nic { nic_id: nic.clone() }, flow);
            if let Ok(w) = w {
                prop_assert_eq!(w.delivered, w.blockers.is_empty() && !w.hops.is_empty());
                prop_assert!(!w.hops.is_empty());
            }
            let _ = dp.walk(&Endpoint::Address(flow.dst), Flow { src: flow.dst, dst: "10.16.0.4".parse().unwrap(), ..flow });
        }
    }

    #[test]
    fn classifier_and_cache_agree_with_plain_evaluation(seed in any::<u64>()) {
        let recs = small_estate(seed, seed % 3 == 0);
        let e = Estate::from_records(recs).unwrap();
        let dp = DataPlane::compile(&e);
        let mut cache = FlowCache::new(64);
        for (nic, flow) in flows(&dp, &e, seed, 60) {
            let h = dp.nic_handle(&nic).unwrap();
            let src = dp.nic_address(h).unwrap_or(Ipv4Addr::UNSPECIFIED);
            let IpAddr::V4(dst) = flow.dst else { continue };
            let direct = dp.fast_verdict(h, flow.protocol, src, flow.src_port, dst, flow.dst_port);
            for _ in 0..2 {
                prop_assert_eq!(dp.cached_verdict(&mut cache, h, flow.protocol, src, flow.src_port, dst, flow.dst_port), direct);
            }
            for dir in [Direction::Inbound, Direction::Outbound] {
                let f = if dir == Direction::Outbound { Flow { src: IpAddr::V4(src), ..flow } } else { Flow { src: flow.dst, dst: IpAddr::V4(src), ..flow } };
                let got = dp.ip_flow_verify(&nic, dir, f).ok().map(|v| (v.access, v.rule_name));
                prop_assert_eq!(got, reference_verdict(&dp, &nic, dir, f));
            }
        }
        prop_assert!(cache.hits > 0);
    }
}

/// Rewrites NSG rules at random (protocols including `Esp`, source and destination port ranges
/// and lists, prefixes, `VirtualNetwork`/`Internet`/`AzureLoadBalancer`, ASGs on either side)
/// and attaches NSGs to some NICs, so that both levels and every kind of local and remote
/// entry are exercised.
fn random_rules(mut recs: Vec<Value>, seed: u64) -> Vec<Value> {
    let mut rng = Rng::new(seed ^ 0x5eed);
    let nsgs: Vec<String> = recs
        .iter()
        .filter(|r| r["type"] == "Microsoft.Network/networkSecurityGroups")
        .filter_map(|r| r["id"].as_str().map(String::from))
        .collect();
    let asgs: Vec<String> = recs
        .iter()
        .filter(|r| r["type"] == "Microsoft.Network/applicationSecurityGroups")
        .filter_map(|r| r["id"].as_str().map(String::from))
        .collect();
    let nic_ips: Vec<String> = recs
        .iter()
        .filter_map(|r| {
            r["properties"]["privateIPAddress"]
                .as_str()
                .map(String::from)
        })
        .collect();
    let pick = |rng: &mut Rng, v: &[String]| v[rng.below(v.len() as u64) as usize].clone();
    let port = |rng: &mut Rng| -> String {
        match rng.below(4) {
            0 => "*".into(),
            1 => format!("{}", [22, 80, 443, 53, 1024][rng.below(5) as usize]),
            _ => {
                let a = rng.below(65000) as u16;
                format!("{a}-{}", a.saturating_add(rng.below(3000) as u16))
            }
        }
    };
    for r in recs.iter_mut() {
        if r["type"] == "Microsoft.Network/networkInterfaces"
            && !nsgs.is_empty()
            && rng.below(3) == 0
        {
            r["properties"]["networkSecurityGroup"] =
                serde_json::json!({ "id": pick(&mut rng, &nsgs) });
        }
        if r["type"] != "Microsoft.Network/networkSecurityGroups/securityRules" || rng.below(3) == 0
        {
            continue;
        }
        let p = r["properties"].as_object_mut().unwrap();
        for k in [
            "sourceAddressPrefix",
            "sourceAddressPrefixes",
            "destinationAddressPrefix",
            "destinationAddressPrefixes",
            "sourceApplicationSecurityGroups",
            "destinationApplicationSecurityGroups",
            "sourcePortRange",
            "sourcePortRanges",
            "destinationPortRange",
            "destinationPortRanges",
        ] {
            p.remove(k);
        }
        p.insert(
            "protocol".into(),
            Value::from(["Tcp", "Udp", "*", "Icmp", "Esp"][rng.below(5) as usize]),
        );
        p.insert(
            "access".into(),
            Value::from(if rng.below(3) == 0 { "Deny" } else { "Allow" }),
        );
        for side in ["source", "destination"] {
            if rng.below(3) == 0 {
                let v: Vec<String> = (0..1 + rng.below(3)).map(|_| port(&mut rng)).collect();
                p.insert(format!("{side}PortRanges"), serde_json::json!(v));
            } else {
                p.insert(format!("{side}PortRange"), Value::from(port(&mut rng)));
            }
            let one = |rng: &mut Rng| -> String {
                match rng.below(9) {
                    0 => "*".into(),
                    1 => "VirtualNetwork".into(),
                    2 => "Internet".into(),
                    3 => "AzureLoadBalancer".into(),
                    4 if !nic_ips.is_empty() => {
                        format!("{}/32", nic_ips[rng.below(nic_ips.len() as u64) as usize])
                    }
                    5 => "10.0.0.0/8".into(),
                    6 => "0.0.0.0/0".into(),
                    _ => format!(
                        "10.{}.{}.0/{}",
                        16 + rng.below(2),
                        rng.below(256),
                        22 + rng.below(4)
                    ),
                }
            };
            match rng.below(4) {
                0 if !asgs.is_empty() => {
                    let ids: Vec<Value> = (0..1 + rng.below(2))
                        .map(|_| serde_json::json!({ "id": pick(&mut rng, &asgs) }))
                        .collect();
                    p.insert(format!("{side}ApplicationSecurityGroups"), Value::from(ids));
                }
                1 => {
                    let v: Vec<String> = (0..1 + rng.below(3)).map(|_| one(&mut rng)).collect();
                    p.insert(format!("{side}AddressPrefixes"), serde_json::json!(v));
                }
                _ => {
                    p.insert(format!("{side}AddressPrefix"), Value::from(one(&mut rng)));
                }
            }
        }
    }
    recs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// The compiled per-local-class layers give `security::first_match`'s answer: IP flow verify
    /// at both ends against the plain scan, and the fast verdict's NSG outcomes (outbound at the
    /// source NIC, inbound at the NIC holding the destination) against the same scan, including
    /// source addresses that are not the NIC's own.
    #[test]
    fn fast_verdict_agrees_with_first_match_on_random_rules(seed in any::<u64>()) {
        let recs = random_rules(small_estate(seed, seed % 3 == 0), seed);
        let e = Estate::from_records(recs).unwrap();
        let dp = DataPlane::compile(&e);
        let ids = e.nic_ids();
        let owner = |ip: Ipv4Addr| ids.iter().find(|n| dp.nic_handle(n).and_then(|h| dp.nic_address(h)) == Some(ip)).cloned();
        let mut rng = Rng::new(seed);
        for (nic, flow) in flows(&dp, &e, seed, 80) {
            let h = dp.nic_handle(&nic).unwrap();
            let Some(own) = dp.nic_address(h) else { continue };
            let IpAddr::V4(dst) = flow.dst else { continue };
            // Mostly the NIC's own address; sometimes another (as an appliance forwards).
            let src = if rng.below(5) == 0 { Ipv4Addr::from(rng.next_u64() as u32) } else { own };
            let out = Flow { src: IpAddr::V4(src), ..flow };
            let v = dp.fast_verdict(h, flow.protocol, src, flow.src_port, dst, flow.dst_port);
            let expected_out = reference_verdict(&dp, &nic, Direction::Outbound, out).map(|x| x.0);
            prop_assert_eq!(v == FastVerdict::DeniedOutbound, expected_out == Some(Access::Deny), "{:?} {:?}", nic, out);
            if matches!(v, FastVerdict::Delivered | FastVerdict::DeniedInbound) {
                let d = owner(dst).expect("a delivered destination is a NIC's address");
                let expected_in = reference_verdict(&dp, &d, Direction::Inbound, out).map(|x| x.0);
                prop_assert_eq!(v == FastVerdict::Delivered, expected_in == Some(Access::Allow), "{:?} -> {:?} {:?}", nic, d, out);
            }
            for dir in [Direction::Inbound, Direction::Outbound] {
                let f = if dir == Direction::Outbound { Flow { src: IpAddr::V4(own), ..flow } } else { Flow { src: flow.dst, dst: IpAddr::V4(own), ..flow } };
                let got = dp.ip_flow_verify(&nic, dir, f).ok().map(|v| (v.access, v.rule_name));
                prop_assert_eq!(got, reference_verdict(&dp, &nic, dir, f));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The lockstep searches answer what `partition_point` answers, lane by lane, with empty
    /// lanes and bursts shorter than `LANES`.
    #[test]
    fn lockstep_searches_agree_with_partition_point(
        tables in prop::collection::vec(prop::collection::vec(any::<u32>(), 0..300), LANES),
        xs in prop::collection::vec(any::<u32>(), LANES),
        lanes in 0..=LANES,
        edge in any::<bool>(),
    ) {
        let tables: Vec<Vec<u32>> = tables.into_iter().map(|mut t| { t.sort_unstable(); t }).collect();
        let keys: [&[u32]; LANES] = std::array::from_fn(|i| &tables[i][..]);
        // Sometimes probe exactly at keys (and the extremes), where off-by-ones live.
        let xs: [u32; LANES] = std::array::from_fn(|i| match (edge, tables[i].first()) {
            (true, Some(_)) => tables[i][xs[i] as usize % tables[i].len()],
            _ => xs[i],
        });
        let got = upper_bounds(&keys, &xs, lanes);
        for i in 0..LANES {
            let want = if i < lanes { tables[i].partition_point(|&k| k <= xs[i]) } else { 0 };
            prop_assert_eq!(got[i], want, "lane {} of {}", i, lanes);
        }
        let extremes = upper_bounds(&keys, &[u32::MAX; LANES], LANES);
        for i in 0..LANES {
            prop_assert_eq!(extremes[i], tables[i].len());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// Burst verdicts and burst LPM lookups give, flow by flow, the one-at-a-time answers —
    /// on random rules, with foreign source addresses, and with a last burst shorter than
    /// `LANES`.
    #[test]
    fn bursts_agree_with_one_at_a_time(seed in any::<u64>()) {
        let recs = random_rules(small_estate(seed, seed % 3 == 0), seed);
        let e = Estate::from_records(recs).unwrap();
        let dp = DataPlane::compile(&e);
        let mut rng = Rng::new(seed ^ 0x5eed);
        let mut batch = Vec::new();
        for (nic, flow) in flows(&dp, &e, seed, 70) {
            let h = dp.nic_handle(&nic).unwrap();
            let Some(own) = dp.nic_address(h) else { continue };
            let IpAddr::V4(dst) = flow.dst else { continue };
            let src = if rng.below(5) == 0 { Ipv4Addr::from(rng.next_u64() as u32) } else { own };
            batch.push(FastFlow { nic: h, protocol: flow.protocol, src, src_port: flow.src_port, dst, dst_port: flow.dst_port });
        }
        let mut got = vec![FastVerdict::Dropped; batch.len()];
        dp.fast_verdicts(&batch, &mut got);
        let queries: Vec<(NicHandle, Ipv4Addr)> = batch.iter().map(|f| (f.nic, f.dst)).collect();
        let mut hits = vec![Some(u32::MAX); batch.len()];
        dp.lpm_lookups(&queries, &mut hits);
        for (i, f) in batch.iter().enumerate() {
            let one = dp.fast_verdict(f.nic, f.protocol, f.src, f.src_port, f.dst, f.dst_port);
            prop_assert_eq!(got[i], one, "flow {} {:?}", i, f);
            prop_assert_eq!(hits[i], dp.lpm_lookup(f.nic, f.dst), "lookup {}", i);
        }
    }
}
