//! List answers come in pages of `Config::page_size` with a `nextLink` while items remain;
//! following the links yields every item once, in creation order.

use serde_json::{json, Value};
use vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID as SUB;
use vnetlab_arm::{Arm, ArmRequest, Config, MemStore};

fn arm(page_size: Option<usize>) -> Arm<MemStore> {
    let arm = Arm::new(
        MemStore::new(),
        Config {
            page_size,
            ..Config::default()
        },
    );
    for rg in ["rg", "rg2", "rg3"] {
        let r = arm.handle(&ArmRequest::put(
            format!("/subscriptions/{SUB}/resourceGroups/{rg}"),
            json!({"location": "eastus"}),
        ));
        assert!(r.is_success());
    }
    for i in 0..5 {
        let r = arm.handle(&ArmRequest::put(
            vnets(&format!("/v{i}")),
            json!({"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [format!("10.{i}.0.0/16")]},
                "subnets": [{"name": "a", "properties": {"addressPrefix": format!("10.{i}.0.0/24")}},
                            {"name": "b", "properties": {"addressPrefix": format!("10.{i}.1.0/24")}},
                            {"name": "c", "properties": {"addressPrefix": format!("10.{i}.2.0/24")}}]}}),
        ));
        assert!(r.is_success(), "{:?}", r.body);
    }
    arm
}

fn vnets(suffix: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks{suffix}")
}

/// Follows nextLinks; returns the names per page.
fn pages(arm: &Arm<MemStore>, path: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut req = ArmRequest::get(path);
    loop {
        let r = arm.handle(&req);
        assert_eq!(r.status, 200, "{:?}", r.body);
        let body = r.body.unwrap();
        out.push(
            body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_string())
                .collect(),
        );
        let Some(link) = body.get("nextLink").and_then(Value::as_str) else {
            break;
        };
        let (p, q) = link.split_once('?').unwrap();
        assert_eq!(p, path);
        let token = q.strip_prefix("$skiptoken=").unwrap();
        req = ArmRequest::get(p).with_query("$skiptoken", token);
    }
    out
}

#[test]
fn tracked_lists_page_and_links_lead_through_every_item() {
    let arm = arm(Some(2));
    assert_eq!(
        pages(&arm, &vnets("")),
        vec![vec!["v0", "v1"], vec!["v2", "v3"], vec!["v4"]]
    );
    let sub_wide = format!("/subscriptions/{SUB}/providers/Microsoft.Network/virtualNetworks");
    assert_eq!(pages(&arm, &sub_wide).concat().len(), 5);
    let groups = format!("/subscriptions/{SUB}/resourcegroups");
    // The first VNet in a region also created NetworkWatcherRG, as Azure does.
    assert_eq!(
        pages(&arm, &groups),
        vec![vec!["rg", "rg2"], vec!["rg3", "NetworkWatcherRG"]]
    );
}

#[test]
fn child_lists_page_too() {
    let arm = arm(Some(2));
    assert_eq!(
        pages(&arm, &vnets("/v1/subnets")),
        vec![vec!["a", "b"], vec!["c"]]
    );
}

#[test]
fn an_exact_multiple_has_no_trailing_link_and_no_page_size_means_one_page() {
    let arm5 = arm(Some(5));
    assert_eq!(pages(&arm5, &vnets("")).len(), 1);
    let all = arm(None);
    assert_eq!(
        pages(&all, &vnets("")),
        vec![vec!["v0", "v1", "v2", "v3", "v4"]]
    );
    assert_eq!(
        Config::default().page_size,
        Some(vnetlab_arm::cx::DEFAULT_PAGE_SIZE)
    );
}

#[test]
fn skip_tokens_are_checked() {
    let arm = arm(Some(2));
    let r = arm.handle(&ArmRequest::get(vnets("")).with_query("$skiptoken", "abc"));
    assert_eq!(r.status, 400);
    assert_eq!(r.to_error().unwrap().code, "InvalidSkipToken");
    let r = arm.handle(&ArmRequest::get(vnets("")).with_query("$skiptoken", "99"));
    assert_eq!(r.body.unwrap(), json!({"value": []}));
    // `$top` and other list parameters are accepted and ignored (real-clients.md §4).
    let r = arm.handle(&ArmRequest::get(vnets("")).with_query("$top", "1"));
    assert_eq!(r.body.unwrap()["value"].as_array().unwrap().len(), 2);
}
