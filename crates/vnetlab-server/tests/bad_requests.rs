//! Bad requests over the wire — malformed JSON, wrong types, unknown resource types, huge
//! bodies, path tricks, bad api-versions, odd methods, random junk — get an ARM-shaped 4xx,
//! never a 5xx, and change nothing.

mod support;

use proptest::prelude::*;
use serde_json::{json, Value};
use support::*;
use vnetlab_server::LroMode;

/// Everything observable about the estate, through the wire.
fn snapshot(c: &mut Client) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        format!("/subscriptions/{SUB}/resourcegroups"),
        format!("/subscriptions/{SUB}/providers/Microsoft.Network/virtualNetworks"),
        format!("/subscriptions/{SUB}/providers/Microsoft.Network/networkSecurityGroups"),
        net("rg", "virtualNetworks/v1/virtualNetworkPeerings"),
    ] {
        let r = c.arm("GET", &path, None);
        assert_eq!(r.status, 200);
        out.push(r.body);
    }
    out
}

fn estate(c: &mut Client) {
    let ok = |r: Resp| assert!(r.status < 300, "{}", r.body);
    ok(c.arm("PUT", &rg_path("rg"), Some(json!({"location": "eastus"}))));
    ok(c.arm(
        "PUT",
        &net("rg", "networkSecurityGroups/nsg"),
        Some(json!({"location": "eastus"})),
    ));
    for (n, p) in [("v1", "10.1.0.0/16"), ("v2", "10.2.0.0/16")] {
        ok(c.arm(
            "PUT",
            &net("rg", &format!("virtualNetworks/{n}")),
            Some(json!({"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [p]},
                "subnets": [{"name": "s", "properties": {"addressPrefix": p.replace("/16", "/24")}}]}})),
        ));
    }
    ok(c.arm(
        "PUT",
        &net("rg", "virtualNetworks/v1/virtualNetworkPeerings/p"),
        Some(json!({"properties": {"remoteVirtualNetwork": {"id": net("rg", "virtualNetworks/v2")}}})),
    ));
}

/// A 4xx with ARM's error body (none for HEAD: HTTP answers HEAD without a body).
fn assert_refused(r: &Resp, method: &str, what: &str) {
    assert!(
        (400..500).contains(&r.status),
        "{what}: {} {}",
        r.status,
        String::from_utf8_lossy(&r.raw)
    );
    if method != "HEAD" {
        r.error_code();
    }
}

#[test]
fn the_named_kinds_of_bad_request_are_refused_and_change_nothing() {
    let lab = lab(LroMode::Sync, None);
    let mut c = lab.client();
    estate(&mut c);
    let before = snapshot(&mut c);
    let vnet = format!("{}?api-version=2026-03-01", net("rg", "virtualNetworks/v1"));
    let cases: Vec<(&str, String, Vec<u8>, u16, &str)> = vec![
        ("PUT", vnet.clone(), b"{\"location\": \"eastus\",".to_vec(), 400, "InvalidRequestContent"),
        ("PUT", vnet.clone(), b"not json".to_vec(), 400, "InvalidRequestContent"),
        ("PUT", vnet.clone(), b"[1, 2]".to_vec(), 400, ""),
        ("PUT", vnet.clone(), br#"{"location": 7, "properties": {"addressSpace": {"addressPrefixes": "10.0.0.0/8"}}}"#.to_vec(), 400, ""),
        ("PUT", vnet.clone(), br#"{"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [10]}}}"#.to_vec(), 400, ""),
        ("PUT", vnet.clone(), "[".repeat(100_000).into_bytes(), 400, "InvalidRequestContent"),
        ("PUT", vnet.clone(), vec![b' '; 5 * 1024 * 1024], 413, "RequestContentTooLarge"),
        ("PUT", format!("{}?api-version=2026-03-01", net("rg", "virtualWidgets/w")), b"{}".to_vec(), 400, ""),
        ("PUT", format!("{}?api-version=2026-03-01", rg_path("rg") + "/providers/Contoso.Things/things/t"), b"{}".to_vec(), 400, "InvalidResourceType"),
        ("PUT", format!("{}/..%2Fx?api-version=2026-03-01", rg_path("rg")), b"{}".to_vec(), 400, "InvalidPath"),
        ("PUT", format!("/subscriptions/{SUB}/resourceGroups/rg%3Fx?api-version=2026-03-01"), br#"{"location": "eastus"}"#.to_vec(), 400, "InvalidPath"),
        ("PUT", format!("/subscriptions/{SUB}/resourceGroups/..?api-version=2026-03-01"), br#"{"location": "eastus"}"#.to_vec(), 400, "InvalidPath"),
        ("PUT", format!("/subscriptions/{SUB}/resourceGroups/%00?api-version=2026-03-01"), br#"{"location": "eastus"}"#.to_vec(), 400, "InvalidPath"),
        ("PUT", "/subscriptions/other/resourceGroups/rg2?api-version=2026-03-01".to_string(), br#"{"location": "eastus"}"#.to_vec(), 404, "SubscriptionNotFound"),
        ("PUT", net("rg", "virtualNetworks/v9"), br#"{"location": "eastus"}"#.to_vec(), 400, "MissingApiVersionParameter"),
        ("PUT", format!("{}?api-version=latest", net("rg", "virtualNetworks/v9")), br#"{"location": "eastus"}"#.to_vec(), 400, "InvalidApiVersionParameter"),
        ("DELETE", format!("{}?api-version=2026-03-01", net("rg", "virtualNetworks")), vec![], 405, "MethodNotAllowed"),
        ("OPTIONS", vnet.clone(), vec![], 405, "MethodNotAllowed"),
        ("GET", format!("{vnet}&x={}", "a".repeat(9000)), vec![], 400, "InvalidQueryString"),
        ("GET", format!("{}{}?api-version=2026-03-01", rg_path("rg"), "/x".repeat(5000)), vec![], 400, "InvalidPath"),
        ("GET", format!("/subscriptions/{SUB}/resourceGroups/rg/providers?api-version=2026-03-01"), vec![], 404, "InvalidPath"),
        ("POST", format!("{}/explode?api-version=2026-03-01", net("rg", "virtualNetworks/v1")), b"{}".to_vec(), 400, "NotSupportedByVnetlab"),
    ];
    for (method, target, body, status, code) in cases {
        let body = (!body.is_empty()).then_some(body);
        let r = c.send(method, &target, &[AUTH], body.as_deref());
        let what = format!("{method} {}", &target[..target.len().min(120)]);
        assert_eq!(
            r.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&r.raw)
        );
        let got = r.error_code();
        if !code.is_empty() {
            assert_eq!(got, code, "{what}");
        }
        // The connection may be closed after a refused upload; the client reconnects.
    }
    assert_eq!(
        snapshot(&mut c),
        before,
        "a refused request changed the state"
    );
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("subscriptions".to_string()),
        Just(SUB.to_string()),
        Just("resourceGroups".to_string()),
        Just("rg".to_string()),
        Just("providers".to_string()),
        Just("Microsoft.Network".to_string()),
        Just("virtualNetworks".to_string()),
        Just("v1".to_string()),
        Just("subnets".to_string()),
        Just("virtualNetworkPeerings".to_string()),
        Just("networkSecurityGroups".to_string()),
        Just("securityRules".to_string()),
        Just("%2e%2e".to_string()),
        Just("%zz".to_string()),
        "[a-zA-Z0-9%._()~-]{0,12}",
    ]
}

fn junk_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(b"{}".to_vec()),
        Just(b"null".to_vec()),
        Just(br#"{"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/33"]}}}"#.to_vec()),
        Just(br#"{"properties": {"remoteVirtualNetwork": {"id": 5}}}"#.to_vec()),
        Just(br#"{"properties": {"addressPrefix": ["x"]}}"#.to_vec()),
        Just(br#"{"location": ["eastus"], "tags": "x"}"#.to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
        "[{}\\[\\]\":,a-z0-9 ]{0,40}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Random paths, methods, api-versions and bodies: never a 5xx; a refusal is ARM-shaped
    /// and leaves the state as it was.
    #[test]
    fn random_requests_are_never_5xx(
        segs in proptest::collection::vec(segment(), 0..9),
        method in prop_oneof![Just("GET"), Just("PUT"), Just("PATCH"), Just("POST"), Just("DELETE"), Just("HEAD"), Just("TRACE")],
        api in prop_oneof![Just("api-version=2026-03-01"), Just(""), Just("api-version=x"), Just("api-version=2026-03-01&$skiptoken=q")],
        body in junk_body(),
    ) {
        let lab = shared();
        let mut c = lab.client();
        let before = snapshot(&mut c);
        let target = format!("/{}?{api}", segs.join("/"));
        let r = c.send(method, &target, &[AUTH], (!body.is_empty()).then_some(body.as_slice()));
        prop_assert!(r.status < 500, "{method} {target} -> {} {}", r.status, String::from_utf8_lossy(&r.raw));
        if r.status >= 400 {
            assert_refused(&r, method, &format!("{method} {target}"));
            prop_assert_eq!(snapshot(&mut c), before);
        }
    }
}

/// One server for all proptest cases (a successful random PUT may change the estate; the
/// snapshot is taken per case).
fn shared() -> &'static Lab {
    static LAB: std::sync::OnceLock<Lab> = std::sync::OnceLock::new();
    LAB.get_or_init(|| {
        let lab = lab(LroMode::Sync, None);
        estate(&mut lab.client());
        lab
    })
}
