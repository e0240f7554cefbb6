use super::*;
use proptest::prelude::*;

fn v4(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

#[test]
fn canonical_prefixes_parse_and_host_bits_are_rejected() {
    assert_eq!(
        parse_prefix("10.0.0.0/16").unwrap().to_string(),
        "10.0.0.0/16"
    );
    match parse_prefix("10.0.3.5/24") {
        Err(CidrError::HostBitsSet { canonical, .. }) => {
            assert_eq!(canonical.to_string(), "10.0.3.0/24")
        }
        other => panic!("expected HostBitsSet, got {other:?}"),
    }
    assert!(matches!(
        parse_prefix("10.0.0.0"),
        Err(CidrError::Malformed(_))
    ));
    assert!(matches!(
        parse_prefix("10.0.0.0/33"),
        Err(CidrError::Malformed(_))
    ));
    assert!(matches!(
        parse_prefix("banana"),
        Err(CidrError::Malformed(_))
    ));
    assert_eq!(
        parse_prefix_or_address("1.2.3.4").unwrap().to_string(),
        "1.2.3.4/32"
    );
}

#[test]
fn the_seed_lab_spaces_overlap() {
    // seeds/004: 192.168.0.0/16 and 192.168.1.0/24 overlap, so Azure refuses to peer them.
    let main = parse_prefix("192.168.0.0/16").unwrap();
    let remote = parse_prefix("192.168.1.0/24").unwrap();
    assert!(overlaps(&main, &remote));
    assert!(overlaps(&remote, &main));
    assert_eq!(overlapping_pairs(&[main], &[remote]), vec![(main, remote)]);
    let other = parse_prefix("10.1.0.0/16").unwrap();
    assert!(!overlaps(&main, &other));
}

#[test]
fn five_addresses_are_reserved_and_first_host_is_dot_four() {
    assert_eq!(usable_count(&v4("10.0.0.0/24")), 251);
    assert_eq!(usable_count(&v4("10.0.0.0/29")), 3);
    assert_eq!(usable_count(&v4("10.0.0.0/30")), 0);
    let (first, last) = assignable_range(&v4("10.0.0.0/24")).unwrap();
    assert_eq!(first, Ipv4Addr::new(10, 0, 0, 4));
    assert_eq!(last, Ipv4Addr::new(10, 0, 0, 254));
    assert_eq!(assignable_range(&v4("10.0.0.0/30")), None);
}

#[test]
fn allocation_is_lowest_free_first() {
    let s = v4("10.0.1.0/29");
    let mut used = BTreeSet::new();
    assert_eq!(allocate(&s, &used), Some(Ipv4Addr::new(10, 0, 1, 4)));
    used.insert(Ipv4Addr::new(10, 0, 1, 4));
    used.insert(Ipv4Addr::new(10, 0, 1, 6));
    assert_eq!(allocate(&s, &used), Some(Ipv4Addr::new(10, 0, 1, 5)));
    used.insert(Ipv4Addr::new(10, 0, 1, 5));
    assert_eq!(allocate(&s, &used), None, "a /29 holds three hosts");
}

#[test]
fn static_addresses_are_checked() {
    let s = v4("10.0.1.0/24");
    let used: BTreeSet<_> = [Ipv4Addr::new(10, 0, 1, 10)].into();
    assert_eq!(check_static(&s, Ipv4Addr::new(10, 0, 1, 9), &used), Ok(()));
    assert_eq!(
        check_static(&s, Ipv4Addr::new(10, 0, 1, 10), &used),
        Err(AddressError::InUse)
    );
    for reserved in [0u8, 1, 2, 3, 255] {
        assert_eq!(
            check_static(&s, Ipv4Addr::new(10, 0, 1, reserved), &used),
            Err(AddressError::Reserved)
        );
    }
    assert_eq!(
        check_static(&s, Ipv4Addr::new(10, 0, 2, 4), &used),
        Err(AddressError::OutsideSubnet)
    );
}

fn arb_v4net() -> impl Strategy<Value = Ipv4Net> {
    (any::<u32>(), 0u8..=32).prop_map(|(a, l)| Ipv4Net::new(Ipv4Addr::from(a), l).unwrap().trunc())
}

proptest! {
    #[test]
    fn overlap_is_symmetric_and_matches_address_sets(a in arb_v4net(), b in arb_v4net()) {
        let (a, b) = (IpNet::V4(a), IpNet::V4(b));
        prop_assert_eq!(overlaps(&a, &b), overlaps(&b, &a));
        // Reference semantics: intervals [start, end] intersect.
        let (IpNet::V4(x), IpNet::V4(y)) = (a, b) else { unreachable!() };
        let (xs, xe) = (u32::from(x.network()), u32::from(x.broadcast()));
        let (ys, ye) = (u32::from(y.network()), u32::from(y.broadcast()));
        prop_assert_eq!(overlaps(&a, &b), xs <= ye && ys <= xe);
        prop_assert_eq!(contains(&a, &b), xs <= ys && ye <= xe);
        if contains(&a, &b) { prop_assert!(overlaps(&a, &b)); }
    }

    #[test]
    fn canonical_text_round_trips(n in arb_v4net()) {
        let text = n.to_string();
        prop_assert_eq!(parse_prefix(&text), Ok(IpNet::V4(n)));
    }

    #[test]
    fn allocation_never_returns_reserved_used_or_outside(
        n in (any::<u32>(), 22u8..=29).prop_map(|(a, l)| Ipv4Net::new(Ipv4Addr::from(a), l).unwrap().trunc()),
        picks in proptest::collection::vec(any::<u16>(), 0..40),
    ) {
        let mut used = BTreeSet::new();
        let total = 1u32 << (32 - u32::from(n.prefix_len()));
        for p in picks {
            used.insert(Ipv4Addr::from(u32::from(n.network()) + u32::from(p) % total));
        }
        match allocate(&n, &used) {
            Some(ip) => {
                prop_assert_eq!(check_static(&n, ip, &used), Ok(()));
                // Lowest free: every assignable address below it is taken.
                let (first, _) = assignable_range(&n).unwrap();
                for a in u32::from(first)..u32::from(ip) {
                    prop_assert!(used.contains(&Ipv4Addr::from(a)));
                }
            }
            None => {
                let (first, last) = assignable_range(&n).unwrap();
                for a in u32::from(first)..=u32::from(last) {
                    prop_assert!(used.contains(&Ipv4Addr::from(a)));
                }
            }
        }
    }
}
