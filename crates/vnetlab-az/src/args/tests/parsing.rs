//! argparse/knack/AAZ parsing rules (az-cli-surface.md §1.2), one behaviour per test.

use super::{argv, fail, help_of, run};
use crate::args::{parse, parse_with, ArgValue, Invocation, ParseOptions};

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn list(items: &[&str]) -> ArgValue {
    ArgValue::List(items.iter().map(|s| s.to_string()).collect())
}

#[test]
fn long_options_by_unique_prefix() {
    // Tutorials rely on this: no singular alias is registered (capture s1/016).
    let (cmd, args) = run("network vnet create -g rg1 -n vnet1 --address-prefix 10.1.0.0/16 --subnet-name default --subnet-prefix 10.1.0.0/24");
    assert_eq!(cmd.name, "network vnet create");
    assert_eq!(args.get("address_prefixes"), Some(&list(&["10.1.0.0/16"])));
    assert_eq!(args.get("subnet_prefixes"), Some(&list(&["10.1.0.0/24"])));
    let (_, args) = run("network nsg rule create -g rg --nsg-name n -n r --priority 300 --source-address-prefix 10.0.0.0/8 192.168.0.0/16 --destination-port-range 80 443");
    assert_eq!(
        args.get("source_address_prefixes"),
        Some(&list(&["10.0.0.0/8", "192.168.0.0/16"]))
    );
    assert_eq!(
        args.get("destination_port_ranges"),
        Some(&list(&["80", "443"]))
    );
}

#[test]
fn global_options_take_part_in_prefix_matching() {
    let (_, args) =
        run("network vnet show -g rg -n v --out TSV --quer name --only-show --verb --deb");
    assert_eq!(args.globals.output.as_deref(), Some("tsv"));
    assert_eq!(args.globals.query.as_deref(), Some("name"));
    assert!(args.globals.only_show_errors && args.globals.verbose && args.globals.debug);
    let err = fail("network vnet show -g rg -n v --o json");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: ambiguous option: --o could match --only-show-errors, --output"
    );
    assert_eq!(err.exit_code, 2);
}

#[test]
fn equals_syntax() {
    // Capture s4/016.
    let (_, args) =
        run("network vnet show --resource-group=rg4 --name=vB --query=name --output=tsv");
    assert_eq!(args.str("resource_group"), Some("rg4"));
    assert_eq!(args.str("name"), Some("vB"));
    assert_eq!(args.globals.query.as_deref(), Some("name"));
    // Abbreviation with a value, a value containing '=', and a short option with '='.
    let (_, args) = run("network vnet create -g=rg -n v --address-prefix=10.0.0.0/16 --tags=a=b");
    assert_eq!(args.str("resource_group"), Some("rg"));
    assert_eq!(args.get("address_prefixes"), Some(&list(&["10.0.0.0/16"])));
    assert_eq!(args.get("tags"), Some(&list(&["a=b"])));
}

#[test]
fn short_option_with_attached_value() {
    let (_, args) = run("network vnet show -grg1 -nvnet1 -otable");
    assert_eq!(args.str("resource_group"), Some("rg1"));
    assert_eq!(args.str("name"), Some("vnet1"));
    assert_eq!(args.globals.output.as_deref(), Some("table"));
}

#[test]
fn switches_take_no_value() {
    let (_, args) = run("group delete -n rg2 --yes --no-wait");
    assert_eq!(args.bool("yes"), Some(true));
    assert_eq!(args.bool("no_wait"), Some(true));
    let err = fail("group delete -n rg2 --yes true");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: unrecognized arguments: true"
    );
    let err = fail("group delete -n rg2 --yes=true");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: argument --yes/-y: ignored explicit argument 'true'"
    );
    assert_eq!(err.exit_code, 2);
    // Combined short switches: -y then an unknown -x.
    let err = fail("group delete -n rg2 -yx");
    assert_eq!(first_line(&err.stderr), "ERROR: unrecognized arguments: -x");
    // Unset switches default to false.
    let (_, args) = run("group delete -n rg2");
    assert_eq!(args.bool("yes"), Some(false));
    assert!(!args.is_given("yes"));
}

#[test]
fn aaz_bools() {
    let (_, args) = run("network vnet peering create -g rg -n p --vnet-name v1 --remote-vnet v2 --allow-vnet-access --allow-forwarded-traffic TRUE --allow-gateway-transit n --use-remote-gateways 0");
    assert_eq!(args.bool("allow_vnet_access"), Some(true));
    assert_eq!(args.bool("allow_forwarded_traffic"), Some(true));
    assert_eq!(args.bool("allow_gateway_transit"), Some(false));
    assert_eq!(args.bool("use_remote_gateways"), Some(false));
    // `--no-wait` is an AAZ bool on AAZ commands (capture s4/006).
    let (_, args) = run(
        "network vnet create -g rg4 -n vB --address-prefixes 10.1.0.0/16 --no-wait false -o none",
    );
    assert_eq!(args.bool("no_wait"), Some(false));
    assert_eq!(args.globals.output.as_deref(), Some("none"));
}

#[test]
fn three_state_flags() {
    let base = "network vpn-connection create -g rg -n c --vnet-gateway1 gw --local-gateway2 lg";
    let (_, args) = run(&format!("{base} --use-policy-based-traffic-selectors"));
    assert_eq!(args.bool("use_policy_based_traffic_selectors"), Some(true));
    let (_, args) = run(&format!(
        "{base} --use-policy-based-traffic-selectors FALSE"
    ));
    assert_eq!(args.bool("use_policy_based_traffic_selectors"), Some(false));
    let err = fail(&format!("{base} --use-policy-based-traffic-selectors yes"));
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: az network vpn-connection create: 'yes' is not a valid value for '--use-policy-based-traffic-selectors'. Allowed values: true, false."
    );
}

#[test]
fn enums_are_case_insensitive_and_canonicalised() {
    // Captures s1/046 and s1/062 (request log: "Tcp", "Deny", "VirtualAppliance").
    let (_, args) = run("network nsg rule create -g rg1 --nsg-name nsg1 -n multi --priority 300 --protocol tcp --access deny --direction OUTBOUND");
    assert_eq!(args.str("protocol"), Some("Tcp"));
    assert_eq!(args.str("access"), Some("Deny"));
    assert_eq!(args.str("direction"), Some("Outbound"));
    let (_, args) = run("network route-table route create -g rg1 --route-table-name rt1 -n r2 --address-prefix 10.9.0.0/16 --next-hop-type virtualappliance --next-hop-ip-address 10.1.2.5");
    assert_eq!(args.str("next_hop_type"), Some("VirtualAppliance"));
    // An AAZ enum with a value map (bool words onto Disabled/Enabled, blank = Disabled).
    let (_, args) = run("network vnet subnet create -g rg --vnet-name v -n s --disable-private-endpoint-network-policies");
    assert_eq!(
        args.str("disable_private_endpoint_network_policies"),
        Some("Disabled")
    );
    let (_, args) = run("network vnet subnet create -g rg --vnet-name v -n s --disable-private-endpoint-network-policies false");
    assert_eq!(
        args.str("disable_private_endpoint_network_policies"),
        Some("Enabled")
    );
}

#[test]
fn invalid_enum_suggests_a_close_choice() {
    let err = fail("network nsg rule create -g rg --nsg-name n -n r --priority 100 --access Alow");
    let mut lines = err.stderr.lines();
    assert_eq!(
        lines.next(),
        Some("ERROR: az network nsg rule create: 'Alow' is not a valid value for '--access'. Allowed values: Allow, Deny.")
    );
    assert_eq!(lines.next(), Some("Did you mean 'Allow' ?"));
    assert_eq!(err.exit_code, 2);
}

#[test]
fn defaults_are_filled_and_not_given() {
    // az-cli-surface.md §0: peering flags default to false, --peer-complete-vnets to true.
    let (_, args) =
        run("network vnet peering create -g rg1 -n p12 --vnet-name vnet1 --remote-vnet vnet2");
    for dest in [
        "allow_vnet_access",
        "allow_forwarded_traffic",
        "allow_gateway_transit",
        "use_remote_gateways",
    ] {
        assert_eq!(args.bool(dest), Some(false), "{dest}");
        assert!(!args.is_given(dest));
    }
    assert_eq!(args.bool("peer_complete_vnets"), Some(true));
    assert_eq!(args.get("enable_only_ipv6"), None);
    assert!(args.is_given("remote_vnet") && args.is_given("name") && args.is_given("vnet_name"));
    // nsg rule create: Allow, Inbound, *, and destination port 80.
    let (_, args) =
        run("network nsg rule create -g rg1 --nsg-name nsg1 -n defaults --priority 200");
    assert_eq!(args.int("priority"), Some(200));
    assert_eq!(args.str("access"), Some("Allow"));
    assert_eq!(args.str("direction"), Some("Inbound"));
    assert_eq!(args.str("protocol"), Some("*"));
    assert_eq!(
        args.list("source_address_prefixes"),
        Some(&["*".to_string()][..])
    );
    assert_eq!(
        args.list("source_port_ranges"),
        Some(&["*".to_string()][..])
    );
    assert_eq!(
        args.list("destination_address_prefixes"),
        Some(&["*".to_string()][..])
    );
    assert_eq!(
        args.list("destination_port_ranges"),
        Some(&["80".to_string()][..])
    );
    // vnet create: 10.0.0.0/16; public-ip create: knack int default 4.
    let (_, args) = run("network vnet create -g rg -n v");
    assert_eq!(args.get("address_prefixes"), Some(&list(&["10.0.0.0/16"])));
    let (_, args) = run("network public-ip create -g rg -n p");
    assert_eq!(args.int("idle_timeout"), Some(4));
    assert_eq!(args.str("sku"), Some("Standard"));
}

#[test]
fn lists_stop_at_the_next_option() {
    let (_, args) =
        run("network vnet create -g rg -n v --address-prefixes 10.4.0.0/16 10.44.0.0/16 -o table");
    assert_eq!(
        args.get("address_prefixes"),
        Some(&list(&["10.4.0.0/16", "10.44.0.0/16"]))
    );
    // An unknown option ends the list too, and is then unrecognized.
    let err = fail("network vnet create -g rg -n v --address-prefixes 10.4.0.0/16 --bogus x");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: unrecognized arguments: --bogus x"
    );
    // Negative numbers are values.
    let (_, args) = run("network nsg rule create -g rg --nsg-name n -n r --priority -5");
    assert_eq!(args.int("priority"), Some(-5));
}

#[test]
fn empty_list_names_the_canonical_option() {
    // az-cli-surface.md §1.2: the error names --address-prefixes even when abbreviated.
    let err = fail("network vnet create -g rg -n v --address-prefix -o json");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: argument --address-prefixes: expected at least one argument"
    );
    assert_eq!(err.exit_code, 2);
    assert!(err.stderr.contains("Examples from command's help:"));
    let err = fail("network vnet create -g rg -n");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: argument -n/--name: expected one argument"
    );
    let err = fail("network vnet create -g rg -n -foo");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: argument -n/--name: expected one argument"
    );
}

#[test]
fn integers() {
    // AAZ int: the action fails after argparse, exit 1, no trailer.
    let err = fail("network nsg rule create -g rg --nsg-name n -n r --prio x");
    assert_eq!(err.exit_code, 1);
    assert_eq!(err.stderr, "ERROR: Failed to parse '--priority' argument: invalid literal for int() with base 10: 'x'\n");
    // knack int (type=int): argparse's own error, exit 2 with the trailer.
    let err = fail("network public-ip create -g rg -n p --idle-timeout x");
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: argument --idle-timeout: invalid int value: 'x'"
    );
    let (_, args) = run("network public-ip create -g rg -n p --idle-timeout 30");
    assert_eq!(args.int("idle_timeout"), Some(30));
    let (_, args) = run("network nsg rule create -g rg --nsg-name n -n r --priority ' 1_000 '");
    assert_eq!(args.int("priority"), Some(1000));
}

#[test]
fn null_on_nullable_update_arguments() {
    // Capture s1/068.
    let (_, args) = run(
        "network vnet subnet update -g rg1 --vnet-name vnet1 -n app --route-table null --nsg null",
    );
    assert!(args.is_null("route_table"));
    assert!(args.is_null("network_security_group"));
    assert!(args.is_given("route_table"));
    // A list argument (`--dns-servers null` clears the DNS servers).
    let (_, args) = run("network vnet update -g rg -n v --dns-servers null");
    assert!(args.is_null("dns_servers"));
    // A non-nullable AAZ argument refuses it (AAZ's format_data), exit 1.
    let err = fail("network vnet show -g rg -n null");
    assert_eq!(err.exit_code, 1);
    assert_eq!(
        err.stderr,
        "ERROR: Failed to parse '-n' argument: field is not nullable\n"
    );
    // knack arguments take it literally.
    let (_, args) = run("group show -n null");
    assert_eq!(args.str("resource_group_name"), Some("null"));
}

#[test]
fn ids_replace_the_name_arguments() {
    // Captures s3/025, s3/026.
    let a =
        "/subscriptions/0/resourceGroups/rgvm/providers/Microsoft.Network/virtualNetworks/vnetA";
    let b =
        "/subscriptions/0/resourceGroups/rgvm/providers/Microsoft.Network/virtualNetworks/newVnet";
    let (cmd, args) = run(&format!("network vnet show --ids {a} {b} --query name"));
    assert!(cmd.ids);
    assert_eq!(args.list("ids"), Some(&[a.to_string(), b.to_string()][..]));
    assert_eq!(args.str("name"), None);
    // Without --ids, -g/-n are still not required at parse time (capture s1/105: the
    // command layer reports `Missing required field: -n`, exit 1).
    let (_, args) = run("network vnet show -g rg1");
    assert_eq!(args.str("resource_group"), Some("rg1"));
    // Child resources and custom commands with ids.
    run(&format!("network vnet subnet show --ids {a}/subnets/s1"));
    run(&format!("network nsg rule list --ids {a}"));
    run(&format!("vm show -d --ids {a}"));
    // create commands have no --ids; arguments that are not id parts stay required.
    let err = fail(&format!("network vnet create -g rg -n v --ids {a}"));
    assert_eq!(
        first_line(&err.stderr),
        format!("ERROR: unrecognized arguments: --ids {a}")
    );
    // knack commands check the resource-id arguments right after parsing.
    let (cmd, args) = run("vm show -n vm1");
    let err = args
        .check_resource_id_args(cmd)
        .expect_err("vm show without -g");
    assert_eq!(
        (err.exit_code, err.stderr.as_str()),
        (1, "ERROR: (--resource-group | --ids) are required\n")
    );
    let (cmd, args) = run("network vnet peering sync");
    let err = args
        .check_resource_id_args(cmd)
        .expect_err("sync without names");
    assert_eq!(
        err.stderr,
        "ERROR: (--resource-group --vnet-name --name | --ids) are required\n"
    );
    let (cmd, args) = run(&format!("vm show --ids {a}"));
    assert!(args.check_resource_id_args(cmd).is_ok());
    let (cmd, args) = run("network vnet show");
    assert!(args.check_resource_id_args(cmd).is_ok());
    let err = fail(&format!("vm run-command invoke --ids {a}"));
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: the following arguments are required: --command-id"
    );
}

#[test]
fn output_and_query_validation() {
    let err = fail("network vnet show -g rg -n v -o XML");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: az network vnet show: 'xml' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none."
    );
    let err = fail("network vnet show -g rg -n v -o jsn");
    assert_eq!(err.stderr.lines().nth(1), Some("Did you mean 'json' ?"));
    let (_, args) = run(
        r#"network vnet list --query "[?name=='vnetA'].addressSpace.addressPrefixes[]" -o tsv"#,
    );
    assert_eq!(
        args.globals.query.as_deref(),
        Some("[?name=='vnetA'].addressSpace.addressPrefixes[]")
    );
    let (_, args) = run("network vnet list");
    assert_eq!(args.globals, Default::default());
}

#[test]
fn subscription_global_and_account_own() {
    let (_, args) = run("group show -n rgvm --subscription 00000000-0000-0000-0000-000000000001");
    assert_eq!(
        args.globals.subscription.as_deref(),
        Some("00000000-0000-0000-0000-000000000001")
    );
    let (_, args) = run("account show --subscription MySub");
    assert_eq!(args.str("subscription"), Some("MySub"));
    assert_eq!(args.globals.subscription, None);
    let (_, args) = run("account set -s MySub");
    assert_eq!(args.str("subscription"), Some("MySub"));
    assert!(fail("account set")
        .stderr
        .starts_with("ERROR: the following arguments are required: --name/-n/--subscription/-s\n"));
}

#[test]
fn unknown_options_and_stray_values() {
    let err = fail("network vnet show -g rg1 -n vnet1 --bogus value");
    assert_eq!(
        err.stderr,
        "ERROR: unrecognized arguments: --bogus value\n\nhttps://aka.ms/cli_ref\nRead more about the command in reference docs\n"
    );
    // Required arguments are reported before unknown ones.
    let err = fail("network vnet create -n x --bogus");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: the following arguments are required: --resource-group/-g"
    );
    // Several missing ones, in registration order.
    let err = fail("network nsg rule create");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: the following arguments are required: --nsg-name, --resource-group/-g, -n/--name, --priority"
    );
    // An option before the command word is unknown to the group parsers.
    let err = fail("network --foo vnet list");
    assert_eq!(
        first_line(&err.stderr),
        "ERROR: unrecognized arguments: --foo"
    );
}

#[test]
fn misspelled_commands() {
    let err = fail("network vnet xyz");
    assert_eq!(
        err.stderr,
        "ERROR: 'xyz' is misspelled or not recognized by the system.\n\nhttps://aka.ms/cli_ref\nRead more about the command in reference docs\n"
    );
    let err = fail("netwrk vnet list");
    assert_eq!(err.stderr.lines().nth(1), Some("Did you mean 'network' ?"));
    // A knack command inferred exactly: its help examples follow (here `group create`).
    let err = fail("group crate");
    assert!(err.stderr.contains(
        "Did you mean 'create' ?\n\nExamples from command's help:\naz group create -l westus"
    ));
    // Command words are case-sensitive, as argparse choices are.
    assert_eq!(fail("network VNET list").exit_code, 2);
}

#[test]
fn groups_without_subcommand() {
    let err = fail("network vnet");
    assert_eq!(
        err.stderr,
        "ERROR: the following arguments are required: _subcommand\n\nhttps://aka.ms/cli_ref\nRead more about the command in reference docs\n"
    );
    let interactive = ParseOptions { interactive: true };
    match parse_with(&argv("network vnet"), &interactive) {
        Ok(Invocation::Help(text)) => assert!(
            text.starts_with("\nGroup\n    az network vnet : Manage Azure Virtual Networks.\n")
        ),
        other => panic!("{other:?}"),
    }
    assert!(help_of("").contains("Welcome to the cool new Azure CLI!"));
    assert!(help_of("--debug --only-show-errors").contains("Here are the base commands:"));
    assert!(help_of("help").starts_with("\nGroup\n    az\n"));
}

#[test]
fn help_is_taken_when_consumed() {
    // Before missing required arguments and unknown options...
    assert!(help_of("network vnet create -h")
        .starts_with("\nCommand\n    az network vnet create : Create a virtual network."));
    assert!(help_of("network vnet create --bogus --help").contains("Arguments"));
    assert!(help_of("network vnet create --hel").contains("Arguments"));
    assert!(help_of("network -h vnet")
        .starts_with("\nGroup\n    az network : Manage Azure Network resources."));
    // ...but after a bad value met earlier.
    let err = fail("network nsg rule create --protocol Foo -h");
    assert!(err
        .stderr
        .starts_with("ERROR: az network nsg rule create: 'Foo' is not a valid value"));
}

#[test]
fn repeated_options_keep_the_last_value() {
    let (_, args) = run("network vnet show -g a -g b -n v --name w");
    assert_eq!(args.str("resource_group"), Some("b"));
    assert_eq!(args.str("name"), Some("w"));
}

#[test]
fn tags_and_other_collections_are_collected_raw() {
    // knack --tags (nargs '*') and AAZ --tags (nargs '+'), capture s6/001 and s6/002.
    let (cmd, args) = run("group create -n rgt -l eastus --tags a=b c --query tags");
    assert!(!cmd.aaz);
    assert_eq!(args.get("tags"), Some(&list(&["a=b", "c"])));
    let (cmd, args) = run("network vnet create -g rgt -n v1 --tags a=b c");
    assert!(cmd.aaz);
    assert_eq!(args.get("tags"), Some(&list(&["a=b", "c"])));
    let (_, args) = run("group create -n rgt -l eastus --tags");
    assert_eq!(args.get("tags"), Some(&list(&[])));
    let (_, args) = run("group list --tag");
    assert_eq!(args.str("tag"), Some(""));
    let (_, args) =
        run("vm create -g rg -n vm --image Ubuntu2204 --zone 1 --nsg '' --public-ip-address ''");
    assert_eq!(args.get("zone"), Some(&list(&["1"])));
    assert_eq!(args.str("nsg"), Some(""));
    // The AAZ empty-list error does not apply to knack `nargs='*'`.
    assert!(parse(&argv("group create -n rgt -l eastus --tags -o none")).is_ok());
}
