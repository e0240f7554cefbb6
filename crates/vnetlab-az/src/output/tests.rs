//! Golden tests against real az 2.91 captures (`testdata/sN_*`, copied from
//! az-cli-captures), plus the pipeline's edge cases. Python-generated cases live in
//! `tests_python.rs`.

use serde_json::{json, Value};

use super::{render, OutputFormat, Query, TableTransformer};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("test input is JSON")
}

fn run(
    input: &Value,
    format: &str,
    query: Option<&str>,
    table: Option<TableTransformer>,
) -> Result<String, (i32, String)> {
    let format = OutputFormat::parse(format).expect("known format");
    let query = query
        .map(|q| Query::compile(q).map_err(|e| (e.exit_code, e.stderr)))
        .transpose()?;
    render(input, format, query.as_ref(), table).map_err(|e| (e.exit_code, e.stderr))
}

/// One captured `az` run: its input is the captured JSON of the same resource.
struct Capture {
    name: &'static str,
    input: &'static str,
    format: &'static str,
    query: Option<&'static str>,
    stdout: &'static str,
}

macro_rules! capture {
    ($input:literal, $out:literal, $format:literal) => {
        capture!($input, $out, $format, None)
    };
    ($input:literal, $out:literal, $format:literal, $query:expr) => {
        Capture {
            name: $out,
            input: include_str!(concat!("testdata/", $input)),
            format: $format,
            query: $query,
            stdout: include_str!(concat!("testdata/", $out)),
        }
    };
}

fn captures() -> Vec<Capture> {
    vec![
        capture!("s1_020_vnet_show.json", "s1_020_vnet_show.json", "json"),
        capture!("s1_020_vnet_show.json", "s1_020_vnet_show.json", "jsonc"),
        capture!(
            "s1_020_vnet_show.json",
            "s1_021_vnet_show_table.out",
            "table"
        ),
        capture!("s1_020_vnet_show.json", "s1_022_vnet_show_tsv.out", "tsv"),
        capture!("s1_020_vnet_show.json", "s1_023_vnet_show_yaml.out", "yaml"),
        capture!("s4_vB_from_009.json", "s4_009_yamlc.out", "yamlc"),
        capture!(
            "s1_001_account_show.json",
            "s1_002_account_show_table.out",
            "table"
        ),
        capture!(
            "s1_001_account_show.json",
            "s3_020_account_show_tsv.out",
            "tsv"
        ),
        capture!(
            "s1_001_account_show.json",
            "s3_021_account_query_id.out",
            "tsv",
            Some("id")
        ),
        capture!(
            "s1_001_account_show.json",
            "s3_022_account_query_tenant.out",
            "json",
            Some("tenantId")
        ),
        capture!("s1_006_group_show.json", "s1_006_group_show.json", "json"),
        capture!(
            "s1_006_group_show.json",
            "s1_007_group_show_table.out",
            "table"
        ),
        capture!("s1_006_group_show.json", "s1_008_group_show_tsv.out", "tsv"),
        capture!("s1_009_group_list.json", "s1_009_group_list.json", "json"),
        capture!(
            "s1_016_vnet_create.json",
            "s1_019_vnet_create_table.out",
            "table"
        ),
        capture!(
            "s1_026_vnet_list.json",
            "s1_028_vnet_list_sub.out",
            "tsv",
            Some("[].name")
        ),
        capture!(
            "s1_026_vnet_list.json",
            "s1_102_query_length.out",
            "json",
            Some("length(@)")
        ),
        capture!(
            "s1_033_subnet_show.json",
            "s1_034_subnet_show_table.out",
            "table"
        ),
        capture!(
            "s1_035_subnet_list.json",
            "s1_036_subnet_list_table.out",
            "table"
        ),
        capture!(
            "s1_035_subnet_list.json",
            "s1_037_subnet_list_query_table.out",
            "table",
            Some("[].{Name:name, Prefix:addressPrefix}")
        ),
        capture!(
            "s1_035_subnet_list.json",
            "s1_038_subnet_list_query_tsv.out",
            "tsv",
            Some("[].[name, addressPrefix]")
        ),
        capture!("s1_041_nsg_show.json", "s1_042_nsg_show_table.out", "table"),
        capture!("s1_058_rt_show.json", "s1_059_rt_show_table.out", "table"),
        capture!(
            "s1_063_route_show.json",
            "s1_064_route_show_table.out",
            "table"
        ),
        capture!(
            "s1_073_peering_show_conn.json",
            "s1_074_peering_show_table.out",
            "table"
        ),
        capture!(
            "s1_075_peering_list.json",
            "s1_076_peering_list_table.out",
            "table"
        ),
        capture!(
            "s1_075_peering_list.json",
            "s1_077_peering_list_query.out",
            "table",
            Some("[].{name:name, state:peeringState, sync:peeringSyncLevel}")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_085_query_scalar.out",
            "json",
            Some("addressSpace.addressPrefixes[0]")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_086_query_scalar_tsv.out",
            "tsv",
            Some("addressSpace.addressPrefixes[0]")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_087_query_list_tsv.out",
            "tsv",
            Some("addressSpace.addressPrefixes")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_088_query_list_json.out",
            "json",
            Some("subnets[].name")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_089_query_obj_tsv.out",
            "tsv",
            Some("{a:name, b:location, c:addressSpace, d:subnets, e:enableDdosProtection}")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_090_query_obj_table.out",
            "table",
            Some("{a:name, b:location, c:addressSpace, e:enableDdosProtection}")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_091_query_obj_json.out",
            "json",
            Some("{name:name, loc:location, sub:subnets[0].name}")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_094_query_bool_tsv.out",
            "tsv",
            Some("enableDdosProtection")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_095_query_bool_json.out",
            "json",
            Some("enableDdosProtection")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_096_query_bool_table.out",
            "table",
            Some("enableDdosProtection")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_097_query_str_table.out",
            "table",
            Some("name")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_098_query_list_table.out",
            "table",
            Some("subnets[].name")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_099_query_listlist_table.out",
            "table",
            Some("subnets[].[name, addressPrefix]")
        ),
        capture!(
            "s1_vnet1_after_069.json",
            "s1_100_query_full_tsv_dict_nested.out",
            "tsv",
            Some("subnets[0]")
        ),
        capture!(
            "s2_011_vm_show_d.json",
            "s2_014_vm_show_d_query.out",
            "tsv",
            Some("publicIps")
        ),
        capture!(
            "s2_021_vm_runcmd.json",
            "s2_022_vm_runcmd_msg.out",
            "tsv",
            Some("value[0].message")
        ),
        capture!(
            "s2_021_vm_runcmd.json",
            "s2_023_vm_runcmd_table.out",
            "table"
        ),
        capture!("s2_024_nic_show.json", "s2_025_nic_show_table.out", "table"),
        capture!(
            "s2_046_watcher_nexthop.json",
            "s2_047_watcher_nexthop_table.out",
            "table"
        ),
        capture!("s2_058_gw_show.json", "s2_059_gw_show_table.out", "table"),
        capture!("s2_062_lng_show.json", "s2_063_lng_show_table.out", "table"),
        capture!("s2_067_vpn_show.json", "s2_068_vpn_show_table.out", "table"),
    ]
}

#[test]
fn captured_outputs_match() {
    let mut failures = Vec::new();
    for capture in captures() {
        let got = run(&parse(capture.input), capture.format, capture.query, None);
        if got.as_deref() != Ok(capture.stdout) {
            failures.push(format!(
                "{} (-o {}):\n--- expected\n{}\n--- got\n{:?}",
                capture.name, capture.format, capture.stdout, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} capture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Captures whose input is only partly known: the fields the query reads, from the capture's own output.
#[test]
fn captured_queries_on_reconstructed_inputs() {
    let vnet_a = json!({"name": "vnetA", "location": "eastus", "addressSpace": {"addressPrefixes": ["10.10.0.0/16"]}});
    let new_vnet = json!({"name": "newVnet", "location": "eastus", "addressSpace": {"addressPrefixes": ["10.50.0.0/16"]}});
    let v1 = json!({"name": "v1", "location": "eastus", "enableDdosProtection": false, "enableVmProtection": false,
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [{"name": "s"}]});
    let route = json!({"addressPrefix": "Storage", "name": "toStorage", "nextHopType": "Internet", "provisioningState": "Succeeded"});
    let rules: Vec<Value> = [
        ("default-allow-ssh", 1000, "Inbound", "Allow"),
        ("AllowVnetInBound", 65000, "Inbound", "Allow"),
        ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow"),
        ("DenyAllInBound", 65500, "Inbound", "Deny"),
        ("AllowVnetOutBound", 65000, "Outbound", "Allow"),
        ("AllowInternetOutBound", 65001, "Outbound", "Allow"),
        ("DenyAllOutBound", 65500, "Outbound", "Deny"),
    ]
    .into_iter()
    .map(|(n, p, d, a)| json!({"name": n, "priority": p, "direction": d, "access": a, "protocol": "*"}))
    .collect();
    let vms: Vec<Value> = [("vm4", "20.6.10.7"), ("vm6", "20.12.10.7"), ("vm5", "20.16.10.7"), ("vm7", "20.24.10.7")]
        .into_iter()
        .map(|(n, ip)| json!({"name": n, "publicIps": ip, "privateIps": "10.0.0.4", "powerState": "VM running", "fqdns": ""}))
        .collect();
    let cases: [(Value, &str, &str, &str); 8] = [
        (
            vnet_a.clone(),
            "yaml",
            "{z:name, a:location}",
            include_str!("testdata/s3_028_yaml_query.out"),
        ),
        (
            json!([vnet_a, new_vnet]),
            "tsv",
            "[].{n:name,p:addressSpace.addressPrefixes}",
            include_str!("testdata/s3_024_peering_list_tsv.out"),
        ),
        (
            route,
            "json",
            "{p:addressPrefix,t:nextHopType,ip:nextHopIpAddress}",
            include_str!("testdata/s4_018_route_service_tag.out"),
        ),
        (
            v1.clone(),
            "tsv",
            "[name, addressSpace.addressPrefixes, {a: name}, enableDdosProtection, `null`, `1.5`]",
            include_str!("testdata/s5_003_tsv_multiline.out"),
        ),
        (
            v1.clone(),
            "tsv",
            "[enableDdosProtection, enableVmProtection]",
            include_str!("testdata/s5_004_tsv_list_of_bools.out"),
        ),
        (
            json!([v1]),
            "table",
            "[].{n:name, s:subnets, a:addressSpace.addressPrefixes[0]}",
            include_str!("testdata/s5_005_table_list_of_dicts_nested.out"),
        ),
        (
            json!(rules),
            "table",
            "[].{n:name,p:priority,d:direction,a:access}",
            include_str!("testdata/s3_029_nsg_include_default.out"),
        ),
        (
            json!(vms),
            "table",
            "[].{name:name, ip:publicIps, priv:privateIps, state:powerState}",
            include_str!("testdata/s3_007_vm_list_d_query.out"),
        ),
    ];
    for (input, format, query, expected) in cases {
        assert_eq!(
            run(&input, format, Some(query), None).as_deref(),
            Ok(expected),
            "--query {query} -o {format}"
        );
    }
    let tags = json!({"name": "rgt", "tags": {"a": "b", "c": ""}});
    assert_eq!(
        run(&tags, "json", Some("tags"), None).as_deref(),
        Ok(include_str!("testdata/s6_001_tags_group.out"))
    );
}

/// az's `group list` table transformer: `Name`, `Location`, `Status` in that order.
fn group_list_transformer(result: &Value) -> Result<Value, ()> {
    let groups = result.as_array().ok_or(())?;
    let rows = groups
        .iter()
        .map(|g| json!({"Name": g["name"], "Location": g["location"], "Status": g["properties"]["provisioningState"]}))
        .collect();
    Ok(Value::Array(rows))
}

#[test]
fn table_transformer_keeps_its_column_order() {
    let groups = parse(include_str!("testdata/s1_009_group_list.json"));
    let got = run(&groups, "table", None, Some(group_list_transformer));
    assert_eq!(
        got.as_deref(),
        Ok(include_str!("testdata/s1_010_group_list_table.out"))
    );
}

#[test]
fn table_transformer_is_skipped_when_a_query_is_active() {
    let groups = parse(include_str!("testdata/s1_009_group_list.json"));
    let got = run(
        &groups,
        "table",
        Some("[].{b: name, a: location}"),
        Some(group_list_transformer),
    );
    assert_eq!(
        got.as_deref(),
        Ok("B    A\n---  ----------\nrg1  eastus\nrg2  westeurope\n")
    );
}

#[test]
fn failing_table_transformer_is_table_output_unavailable() {
    let got = run(&json!({"value": []}), "table", None, Some(|_| Err(())));
    let expected = include_str!("testdata/s3_012_nic_eff_nsg_nulls_table.err");
    assert_eq!(got, Err((1, expected.to_owned())));
}

#[test]
fn query_errors_match_captured_stderr() {
    let v1 = json!({"name": "v1", "location": "eastus"});
    assert_eq!(
        run(&v1, "json", Some("[?"), None),
        Err((
            2,
            include_str!("testdata/s1_101_query_invalid.err").to_owned()
        ))
    );
    assert_eq!(
        run(&v1, "json", Some("length(name, location)"), None),
        Err((
            1,
            include_str!("testdata/s5_001_jmes_runtime_err.err").to_owned()
        ))
    );
    assert_eq!(
        run(&v1, "json", Some("abs(name)"), None),
        Err((
            1,
            include_str!("testdata/s5_002_jmes_type_err.err").to_owned()
        ))
    );
}

#[test]
fn query_error_fails_even_with_output_none() {
    assert_eq!(
        run(&json!({"a": 1}), "none", Some("abs(a, a)"), None).map_err(|e| e.0),
        Err(1)
    );
}

#[test]
fn null_result_prints_nothing_in_every_format() {
    for format in OutputFormat::ALL {
        assert_eq!(
            render(&Value::Null, format, None, None).as_deref(),
            Ok(""),
            "-o {}",
            format.as_str()
        );
        let query = Query::compile("doesNotExist").expect("valid query");
        assert_eq!(
            render(&json!({"a": 1}), format, Some(&query), None).as_deref(),
            Ok("")
        );
    }
}

#[test]
fn output_none_prints_nothing() {
    assert_eq!(run(&json!({"a": 1}), "none", None, None).as_deref(), Ok(""));
}

#[test]
fn output_format_parse_is_case_insensitive() {
    assert_eq!(OutputFormat::parse("JSON"), Some(OutputFormat::Json));
    assert_eq!(OutputFormat::parse("Table"), Some(OutputFormat::Table));
    assert_eq!(OutputFormat::parse("yamlc"), Some(OutputFormat::Yamlc));
    assert_eq!(OutputFormat::parse("xml"), None);
    assert_eq!(OutputFormat::parse(""), None);
    for format in OutputFormat::ALL {
        assert_eq!(OutputFormat::parse(format.as_str()), Some(format));
    }
}

#[test]
fn empty_results() {
    assert_eq!(run(&json!([]), "json", None, None).as_deref(), Ok("[]\n"));
    assert_eq!(run(&json!([]), "table", None, None).as_deref(), Ok("\n"));
    assert_eq!(run(&json!([]), "tsv", None, None).as_deref(), Ok(""));
    assert_eq!(run(&json!({}), "yaml", None, None).as_deref(), Ok("{}\n"));
    assert_eq!(
        run(&json!({"newVNet": {"name": "x"}}), "table", None, None).as_deref(),
        Ok("\n")
    );
}

#[test]
fn legacy_unquoted_literals_are_strings() {
    let list = json!([{"name": "vm1", "n": 1}, {"name": "vm2", "n": 2}]);
    assert_eq!(
        run(&list, "tsv", Some("[?name==`vm2`].n"), None).as_deref(),
        Ok("2\n")
    );
    assert_eq!(
        run(&list, "tsv", Some("[?name==` vm1`].n"), None).as_deref(),
        Ok("1\n")
    );
    assert_eq!(
        run(&list, "json", Some("`foo`bar`"), None).map_err(|e| e.0),
        Err(2)
    );
}

#[test]
fn multiselect_hash_order_survives_projections_and_functions() {
    let list = json!([{"name": "b", "p": 2}, {"name": "a", "p": 1}]);
    let got = run(&list, "tsv", Some("sort_by([].{z: name, y: p}, &y)"), None);
    assert_eq!(got.as_deref(), Ok("a\t1\nb\t2\n"));
    let got = run(
        &list,
        "table",
        Some("[].{z: name, y: p} | reverse(@)"),
        None,
    );
    assert_eq!(got.as_deref(), Ok("Z    Y\n---  ---\na    1\nb    2\n"));
}

#[test]
fn data_objects_print_sorted_in_tsv_even_with_a_query() {
    let data = json!({"inner": {"z": 1, "a": 2}});
    assert_eq!(
        run(&data, "tsv", Some("inner"), None).as_deref(),
        Ok("2\t1\n")
    );
    assert_eq!(
        run(&data, "tsv", Some("{z: inner.z, a: inner.a}"), None).as_deref(),
        Ok("1\t2\n")
    );
}

#[test]
fn compile_rejects_pathological_nesting() {
    let deep = format!("{}a{}", "[".repeat(5000), "]".repeat(5000));
    assert_eq!(Query::compile(&deep).map_err(|e| e.exit_code), Err(2));
    let nots = format!("{}a", "!".repeat(5000));
    assert_eq!(Query::compile(&nots).map_err(|e| e.exit_code), Err(2));
    let chain = vec!["a"; 5000].join(".");
    assert_eq!(Query::compile(&chain).map_err(|e| e.exit_code), Err(2));
    assert!(Query::compile(&vec!["a"; 500].join(".")).is_ok());
}

#[test]
fn compile_error_quotes_the_expression_like_python_repr() {
    let err = Query::compile("[?name=='x'")
        .map(|_| ())
        .expect_err("incomplete filter");
    assert!(
        err.stderr
            .starts_with("ERROR: argument --query: invalid jmespath_type value: \"[?name=='x'\"\n"),
        "{}",
        err.stderr
    );
}

#[test]
fn query_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Query>();
    assert_eq!(
        Query::compile("a.b")
            .map(|q| q.as_str().to_owned())
            .ok()
            .as_deref(),
        Some("a.b")
    );
}
