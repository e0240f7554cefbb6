//! NSG security rules and application security groups through `Arm::handle`.

mod nsg_support;

use nsg_support::*;
use serde_json::{json, Value};

#[test]
fn rule_shape_singular_and_plural() {
    let a = arm();
    let before = ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"})));
    let r = put(
        &a,
        &rule("nsg1", "allow-ssh"),
        rule_body(json!({"protocol": "tcp", "access": "allow", "direction": "inbound"})),
    );
    assert_eq!(r.status, 201);
    let v = ok(r);
    let after = ok(get(&a, &nsg("nsg1")));
    assert_ne!(etag(&before), etag(&after));
    assert_eq!(v["etag"], after["etag"]);
    assert_eq!(
        v,
        json!({
            "id": rule("nsg1", "allow-ssh"), "name": "allow-ssh",
            "type": "Microsoft.Network/networkSecurityGroups/securityRules",
            "properties": {
                "provisioningState": "Succeeded", "protocol": "Tcp",
                "sourcePortRange": "*", "destinationPortRange": "22",
                "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                "access": "Allow", "priority": 100, "direction": "Inbound",
                "sourcePortRanges": [], "destinationPortRanges": [], "sourceAddressPrefixes": [], "destinationAddressPrefixes": [],
            },
            "etag": after["etag"],
        })
    );
    assert_eq!(after["properties"]["securityRules"][0], v);

    let v = ok(put(
        &a,
        &rule("nsg1", "multi"),
        rule_body(json!({
            "destinationPortRange": null, "destinationPortRanges": ["80", "443", 8080],
            "sourceAddressPrefix": null, "sourceAddressPrefixes": ["10.0.0.0/8", "192.168.1.4", "fd00::/8"],
            "destinationAddressPrefix": "Storage.EastUS", "priority": "300", "description": "web",
        })),
    ));
    let p = &v["properties"];
    assert_eq!(p["destinationPortRanges"], json!(["80", "443", "8080"]));
    assert!(p.get("destinationPortRange").is_none() && p.get("sourceAddressPrefix").is_none());
    assert_eq!(
        p["sourceAddressPrefixes"],
        json!(["10.0.0.0/8", "192.168.1.4", "fd00::/8"])
    );
    assert_eq!(p["destinationAddressPrefix"], "Storage.EastUS");
    assert_eq!(p["priority"], 300);
    assert_eq!(p["description"], "web");
    // A GET-then-PUT round trip (singular plus empty plural arrays, read-only fields) is accepted.
    let mut round = v.clone();
    round["properties"]["priority"] = json!(310);
    let v2 = ok(put(&a, &rule("nsg1", "multi"), round));
    assert_eq!(v2["properties"]["priority"], 310);
    for accepted in [
        "VirtualNetwork",
        "internet",
        "AzureLoadBalancer",
        "Sql",
        "AzureCloud.westeurope",
        "10.1.2.3",
        "2001:db8::/32",
        "0.0.0.0/0",
    ] {
        ok(put(
            &a,
            &rule("nsg1", "tag"),
            rule_body(json!({"sourceAddressPrefix": accepted, "priority": 400})),
        ));
    }
    ok(put(
        &a,
        &rule("nsg1", "deny-dns"),
        rule_body(
            json!({"destinationAddressPrefix": "AzurePlatformDNS", "access": "Deny", "priority": 500, "direction": "Outbound"}),
        ),
    ));
    ok(put(
        &a,
        &rule("nsg1", "any"),
        rule_body(json!({"protocol": "*", "destinationPortRange": "0-65535", "priority": 4096})),
    ));
}

#[test]
fn rule_validation_errors() {
    let a = arm();
    ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"})));
    let id = rule("nsg1", "r");
    #[rustfmt::skip]
    let cases: &[(&str, &str)] = &[
        ("SecurityRuleInvalidPriority", r#"{"priority": null}"#),
        ("SecurityRuleInvalidPriority", r#"{"priority": 99}"#),
        ("SecurityRuleInvalidPriority", r#"{"priority": 4097}"#),
        ("InvalidRequestFormat", r#"{"priority": "high"}"#),
        ("SecurityRuleInvalidProtocol", r#"{"protocol": "Foo"}"#),
        ("SecurityRuleInvalidProtocol", r#"{"protocol": null}"#),
        ("SecurityRuleInvalidDirection", r#"{"direction": "Sideways"}"#),
        ("SecurityRuleInvalidAccessType", r#"{"access": "Maybe"}"#),
        ("SecurityRuleInvalidPortRange", r#"{"destinationPortRange": "80,443"}"#),
        ("SecurityRuleInvalidPortRange", r#"{"destinationPortRange": "70000"}"#),
        ("SecurityRuleInvalidPortRange", r#"{"sourcePortRange": "443-80"}"#),
        ("SecurityRuleInvalidPortRange", r#"{"destinationPortRange": null, "destinationPortRanges": ["80", "x"]}"#),
        ("SecurityRuleInvalidPortRange", r#"{"destinationPortRange": null}"#),
        ("SecurityRuleInvalidParameters", r#"{"destinationPortRanges": ["80"]}"#),
        ("SecurityRuleInvalidParameters", r#"{"sourceAddressPrefixes": ["10.0.0.0/8"]}"#),
        ("SecurityRuleInvalidAddressPrefix", r#"{"sourceAddressPrefix": "10.0.0.1/24"}"#),
        ("SecurityRuleInvalidAddressPrefix", r#"{"sourceAddressPrefix": "AzureBastionSubnet"}"#),
        ("SecurityRuleInvalidAddressPrefix", r#"{"sourceAddressPrefix": "Storage.Mars"}"#),
        ("SecurityRuleInvalidAddressPrefix", r#"{"destinationAddressPrefix": "10.0.0.0/33"}"#),
        ("SecurityRuleInvalidAddressPrefix", r#"{"destinationAddressPrefix": null}"#),
        ("SecurityRuleParameterContainsUnsupportedValue", r#"{"sourceAddressPrefix": null, "sourceAddressPrefixes": ["10.0.0.0/8", "VirtualNetwork"]}"#),
        ("SecurityRuleParameterContainsUnsupportedValue", r#"{"sourceAddressPrefix": null, "sourceAddressPrefixes": ["*"]}"#),
        ("SecurityRuleInvalidAddressPrefix", r#"{"sourceAddressPrefix": null, "sourceAddressPrefixes": ["10.0.0.9/8"]}"#),
        ("SecurityRuleInvalidAccessType", r#"{"destinationAddressPrefix": "AzurePlatformIMDS"}"#),
        ("InvalidRequestFormat", r#"{"sourceApplicationSecurityGroups": [{}]}"#),
        ("InvalidRequestFormat", r#"{"sourceApplicationSecurityGroups": {"id": "x"}}"#),
        ("InvalidResourceReference", r#"{"sourceApplicationSecurityGroups": [{"id": "/subscriptions/x"}]}"#),
        ("InvalidRequestFormat", r#"{"sourcePortRange": true}"#),
    ];
    for (code, patch) in cases {
        let patch: Value = serde_json::from_str(patch).expect("case JSON");
        let r = put(&a, &id, rule_body(patch.clone()));
        assert_eq!(r.status, 400, "{patch} → {:?}", r.body);
        assert_eq!(
            r.to_error().map(|e| e.code).as_deref(),
            Some(*code),
            "{patch} → {:?}",
            r.body
        );
    }
    let long = json!({"description": "x".repeat(141)});
    err(
        &put(&a, &id, rule_body(long)),
        400,
        "SecurityRuleDescriptionTooLong",
    );
    let missing = json!({"sourceApplicationSecurityGroups": [{"id": asg("nope")}]});
    err(
        &put(&a, &id, rule_body(missing)),
        400,
        "InvalidResourceReference",
    );
    // Exact texts of the confirmed messages.
    let m = err(
        &put(&a, &id, rule_body(json!({"priority": null}))),
        400,
        "SecurityRuleInvalidPriority",
    );
    assert_eq!(
        m,
        "Security rule has invalid Priority. Value provided: 0 Allowed range 100-4096."
    );
    let m = err(
        &put(&a, &id, rule_body(json!({"priority": 5000}))),
        400,
        "SecurityRuleInvalidPriority",
    );
    assert_eq!(
        m,
        "Security rule has invalid Priority. Value provided: 5000 Allowed range 100-4096."
    );
    let m = err(
        &put(
            &a,
            &id,
            rule_body(json!({"destinationPortRange": "80,443"})),
        ),
        400,
        "SecurityRuleInvalidPortRange",
    );
    assert_eq!(m, "Security rule has invalid Port range. Value provided: 80,443. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.");
    let m = err(
        &put(
            &a,
            &id,
            rule_body(json!({"sourceAddressPrefix": "10.0.0.1/24"})),
        ),
        400,
        "SecurityRuleInvalidAddressPrefix",
    );
    assert_eq!(
        m,
        format!("Security rule {id} has invalid Address prefix. Value provided: 10.0.0.1/24")
    );
    let m = err(
        &put(
            &a,
            &id,
            rule_body(
                json!({"destinationAddressPrefix": null, "destinationAddressPrefixes": ["VirtualNetwork"]}),
            ),
        ),
        400,
        "SecurityRuleParameterContainsUnsupportedValue",
    );
    assert_eq!(m, format!("Security rule parameter DestinationAddressPrefix for rule with Id {id} cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: VirtualNetwork."));
    // Nothing was stored by any of the failed PUTs.
    assert_eq!(get(&a, &id).status, 404);
    assert_eq!(
        ok(get(&a, &nsg("nsg1")))["properties"]["securityRules"],
        json!([])
    );
}

#[test]
fn rule_conflicts_and_failed_put_changes_nothing() {
    let a = arm();
    ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"})));
    ok(put(
        &a,
        &rule("nsg1", "a"),
        rule_body(json!({"priority": 100})),
    ));
    let before = ok(get(&a, &nsg("nsg1")));
    let m = err(
        &put(&a, &rule("nsg1", "b"), rule_body(json!({"priority": 100}))),
        400,
        "SecurityRuleConflict",
    );
    assert_eq!(m, "Security rule b conflicts with rule a. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.");
    assert_eq!(
        ok(get(&a, &nsg("nsg1"))),
        before,
        "a failed PUT changes nothing"
    );
    // A failed NSG PUT (invalid inline rule) keeps the existing rules and etag.
    let r = put(
        &a,
        &nsg("nsg1"),
        json!({"location": "eastus", "properties": {"securityRules": [{"name": "x", "properties": rule_body(json!({"priority": 1}))["properties"]}]}}),
    );
    err(&r, 400, "SecurityRuleInvalidPriority");
    assert_eq!(ok(get(&a, &nsg("nsg1"))), before);
    // Same priority, other direction: fine. Re-PUT of the same rule: fine.
    ok(put(
        &a,
        &rule("nsg1", "b"),
        rule_body(json!({"priority": 100, "direction": "Outbound"})),
    ));
    ok(put(
        &a,
        &rule("nsg1", "a"),
        rule_body(json!({"priority": 100, "destinationPortRange": "2222"})),
    ));
    // Moving b onto a's slot conflicts.
    err(
        &put(
            &a,
            &rule("nsg1", "b"),
            rule_body(json!({"priority": 100, "direction": "Inbound"})),
        ),
        400,
        "SecurityRuleConflict",
    );
    // Delete, then the slot is free; deleting again is 204.
    let r = delete(&a, &rule("nsg1", "a"));
    assert_eq!(r.status, 200);
    assert_eq!(delete(&a, &rule("nsg1", "a")).status, 204);
    ok(put(
        &a,
        &rule("nsg1", "c"),
        rule_body(json!({"priority": 100})),
    ));
}

#[test]
fn nsg_inline_rules_reconcile() {
    let a = arm();
    let r1 = rule_body(json!({"priority": 100}))["properties"].clone();
    let r2 = rule_body(json!({"priority": 200, "direction": "Outbound"}))["properties"].clone();
    let v = ok(put(
        &a,
        &nsg("nsg1"),
        json!({"location": "eastus", "properties": {"securityRules": [
            {"name": "r1", "properties": r1}, {"name": "r2", "properties": r2},
        ]}}),
    ));
    let rules = v["properties"]["securityRules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rules.len(), 2);
    assert!(rules.iter().all(|r| r["etag"] == v["etag"]));
    assert_eq!(rules[1]["properties"]["direction"], "Outbound");
    let list = ok(get(&a, &format!("{}/securityRules", nsg("nsg1"))));
    assert_eq!(list["value"], json!(rules));
    // r2 absent from the body: deleted. r1 updated.
    let r1b = rule_body(json!({"priority": 150}))["properties"].clone();
    let v = ok(put(
        &a,
        &nsg("nsg1"),
        json!({"location": "eastus", "properties": {"securityRules": [{"name": "r1", "properties": r1b}]}}),
    ));
    assert_eq!(
        v["properties"]["securityRules"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        v["properties"]["securityRules"][0]["properties"]["priority"],
        150
    );
    assert_eq!(get(&a, &rule("nsg1", "r2")).status, 404);
    // No securityRules at all: every custom rule goes, the defaults stay.
    let v = ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"})));
    assert_eq!(v["properties"]["securityRules"], json!([]));
    assert_eq!(
        v["properties"]["defaultSecurityRules"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
    // Inline errors.
    let same = rule_body(json!({}))["properties"].clone();
    let m = err(
        &put(
            &a,
            &nsg("nsg1"),
            json!({"location": "eastus", "properties": {"securityRules": [
                {"name": "x", "properties": same}, {"name": "y", "properties": same},
            ]}}),
        ),
        400,
        "SecurityRuleConflict",
    );
    assert!(
        m.starts_with("Security rule y conflicts with rule x."),
        "{m}"
    );
    let other = rule_body(json!({"priority": 300}))["properties"].clone();
    err(
        &put(
            &a,
            &nsg("nsg1"),
            json!({"location": "eastus", "properties": {"securityRules": [
                {"name": "x", "properties": same}, {"name": "X", "properties": other},
            ]}}),
        ),
        400,
        "DuplicateResourceName",
    );
    err(
        &put(
            &a,
            &nsg("nsg1"),
            json!({"location": "eastus", "properties": {"securityRules": [{"properties": same}]}}),
        ),
        400,
        "InvalidRequestFormat",
    );
}

#[test]
fn rule_limit_per_nsg() {
    let a = arm();
    let rules: Vec<Value> = (0..1000)
        .map(|i| json!({"name": format!("r{i}"), "properties": rule_body(json!({"priority": 100 + i % 3997, "direction": if i < 3997 { "Inbound" } else { "Outbound" }}))["properties"]}))
        .collect();
    let v = ok(put(
        &a,
        &nsg("big"),
        json!({"location": "eastus", "properties": {"securityRules": rules}}),
    ));
    assert_eq!(
        v["properties"]["securityRules"].as_array().map(Vec::len),
        Some(1000)
    );
    err(
        &put(
            &a,
            &rule("big", "one-more"),
            rule_body(json!({"priority": 4000})),
        ),
        400,
        "SecurityRulesPerNetworkSecurityGroupLimitReached",
    );
    // Updating an existing rule is not "one more".
    ok(put(
        &a,
        &rule("big", "r0"),
        rule_body(json!({"priority": 4000})),
    ));
    let mut more = v["properties"]["securityRules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    more.push(
        json!({"name": "extra", "properties": rule_body(json!({"priority": 4001}))["properties"]}),
    );
    err(
        &put(
            &a,
            &nsg("big"),
            json!({"location": "eastus", "properties": {"securityRules": more}}),
        ),
        400,
        "SecurityRulesPerNetworkSecurityGroupLimitReached",
    );
}

#[test]
fn application_security_groups() {
    let a = arm();
    let v = ok(put(&a, &asg("web"), json!({"location": "eastus"})));
    assert_eq!(v["type"], "Microsoft.Network/applicationSecurityGroups");
    assert_eq!(v["properties"]["provisioningState"], "Succeeded");
    assert!(v["properties"]["resourceGuid"].is_string());
    ok(put(
        &a,
        &format!("/subscriptions/{SUB}/resourcegroups/rg2"),
        json!({"location": "westus"}),
    ));
    let far = format!("/subscriptions/{SUB}/resourceGroups/rg2/providers/Microsoft.Network/applicationSecurityGroups/far");
    ok(put(&a, &far, json!({"location": "westus"})));
    ok(put(&a, &nsg("nsg1"), json!({"location": "eastus"})));
    let m = err(
        &put(
            &a,
            &rule("nsg1", "r"),
            rule_body(
                json!({"destinationAddressPrefix": null, "destinationApplicationSecurityGroups": [{"id": far}]}),
            ),
        ),
        400,
        "InvalidResourceReference",
    );
    assert!(m.contains("region"), "{m}");
    let many: Vec<Value> = (0..11).map(|_| json!({"id": asg("web")})).collect();
    err(
        &put(
            &a,
            &rule("nsg1", "r"),
            rule_body(
                json!({"destinationAddressPrefix": null, "destinationApplicationSecurityGroups": many}),
            ),
        ),
        400,
        "NumberOfApplicationSecurityGroupsReferencedInSecurityRuleLimitReached",
    );
    let v = ok(put(
        &a,
        &rule("nsg1", "r"),
        rule_body(
            json!({"destinationAddressPrefix": null, "destinationApplicationSecurityGroups": [{"id": asg("WEB").to_lowercase()}]}),
        ),
    ));
    assert_eq!(
        v["properties"]["destinationApplicationSecurityGroups"],
        json!([{"id": asg("web")}])
    );
    assert!(v["properties"].get("destinationAddressPrefix").is_none());
    assert!(v["properties"]
        .get("sourceApplicationSecurityGroups")
        .is_none());
    let m = err(
        &delete(&a, &asg("web")),
        400,
        "InUseApplicationSecurityGroupCannotBeDeleted",
    );
    assert!(m.starts_with("Application Security Group web cannot be deleted because it is referenced by SecurityRule(s) r"), "{m}");
    assert!(get(&a, &asg("web")).is_success());
    assert_eq!(delete(&a, &rule("nsg1", "r")).status, 200);
    assert_eq!(delete(&a, &asg("web")).status, 200);
    assert_eq!(get(&a, &asg("web")).status, 404);
}
