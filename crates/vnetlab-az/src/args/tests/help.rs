//! `-h` output: the captured `az network vnet peering create -h` byte for byte, and the
//! layout rules of knack's help for other commands and groups.

use super::help_of;
use crate::args::help_text;

/// `s3/034_help_short`: `az network vnet peering create -h` (stdout, exit 0).
const PEERING_CREATE_HELP: &str = r#"
Command
    az network vnet peering create : Create a virtual network peering connection.
        To successfully peer two virtual networks this command must be called twice with the values
        for --vnet-name and --remote-vnet reversed.

Arguments
    --name -n           [Required] : The name of the VNet peering.
    --remote-vnet       [Required] : Name or ID of the remote VNet.
    --resource-group -g [Required] : Name of resource group. You can configure the default group
                                     using `az configure --defaults group=<name>`.
    --vnet-name         [Required] : The virtual network (VNet) name.
    --allow-forwarded-traffic      : Whether the forwarded traffic from the VMs in the local virtual
                                     network will be allowed/disallowed in remote virtual network.
                                     Allowed values: 0, 1, f, false, n, no, t, true, y, yes.
    --allow-gateway-transit        : If gateway links can be used in remote virtual networking to
                                     link to this virtual network.  Allowed values: 0, 1, f, false,
                                     n, no, t, true, y, yes.
    --allow-vnet-access            : Whether the VMs in the local virtual network space would be
                                     able to access the VMs in remote virtual network space.
                                     Allowed values: 0, 1, f, false, n, no, t, true, y, yes.
    --enable-only-ipv6             : Whether only Ipv6 address space is peered for subnet peering.
                                     Allowed values: 0, 1, f, false, n, no, t, true, y, yes.
    --local-subnet-names           : List of local subnet names that are subnet peered with remote
                                     virtual network.  Support shorthand-syntax, json-file and yaml-
                                     file. Try "??" to show more.
    --no-wait                      : Do not wait for the long-running operation to finish.  Allowed
                                     values: 0, 1, f, false, n, no, t, true, y, yes.
    --peer-complete-vnets          : Whether complete virtual network address space is peered.
                                     Allowed values: 0, 1, f, false, n, no, t, true, y, yes.
                                     Default: True.
    --remote-subnet-names          : List of remote subnet names from remote virtual network that
                                     are subnet peered.  Support shorthand-syntax, json-file and
                                     yaml-file. Try "??" to show more.
    --use-remote-gateways          : Allows VNet to use the remote VNet's gateway. Remote VNet
                                     gateway must have --allow-gateway-transit enabled for remote
                                     peering. Only 1 peering can have this flag enabled. Cannot be
                                     set if the VNet already has a gateway.  Allowed values: 0, 1,
                                     f, false, n, no, t, true, y, yes.

Global Policy Arguments
    --acquire-policy-token         : Acquiring an Azure Policy token automatically for this resource
                                     operation.
    --change-reference             : The related change reference ID for this resource operation.

Global Arguments
    --debug                        : Increase logging verbosity to show all debug logs.
    --help -h                      : Show this help message and exit.
    --only-show-errors             : Only show errors, suppressing warnings.
    --output -o                    : Output format.  Allowed values: json, jsonc, none, table, tsv,
                                     yaml, yamlc.  Default: json.
    --query                        : JMESPath query string. See http://jmespath.org/ for more
                                     information and examples.
    --subscription                 : Name or ID of subscription. You can configure the default
                                     subscription using `az account set -s NAME_OR_ID`.
    --verbose                      : Increase logging verbosity. Use --debug for full debug logs.

Examples
    Create a peering connection between two virtual networks.
        az network vnet peering create -g MyResourceGroup -n MyVnet1ToMyVnet2 --vnet-name MyVnet1
        --remote-vnet MyVnet2Id --allow-vnet-access

"#;

#[test]
fn peering_create_help_matches_capture() {
    assert_eq!(
        help_of("network vnet peering create -h"),
        PEERING_CREATE_HELP
    );
    assert_eq!(
        help_of("network vnet peering create --help"),
        PEERING_CREATE_HELP
    );
    assert_eq!(
        help_text("network vnet peering create").as_deref(),
        Some(PEERING_CREATE_HELP)
    );
}

#[test]
fn command_help_groups_arguments() {
    let text = help_of("network nsg rule create -h");
    // Main arguments, then named groups alphabetically, Global Arguments last.
    let order: Vec<usize> = [
        "Arguments\n",
        "\nDestination Arguments\n",
        "\nGlobal Policy Arguments\n",
        "\nSource Arguments\n",
        "\nGlobal Arguments\n",
        "Examples\n",
    ]
    .iter()
    .map(|h| {
        text.find(h)
            .unwrap_or_else(|| panic!("{h:?} missing in\n{text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.contains("    --priority          [Required] : Priority of the rule."));
    assert!(text.contains("    --protocol                     : Network protocol this rule applies to.  Allowed values: *, Ah,\n                                     Esp, Icmp, Tcp, Udp.  Default: *.\n"));
    assert!(text.contains("    Create a basic \"Allow\" NSG rule with the highest priority.\n        az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRule --priority 100\n\n"));
}

#[test]
fn ids_commands_list_resource_id_arguments() {
    let text = help_of("network vnet show -h");
    let ids = text
        .find("\nResource Id Arguments\n")
        .expect("Resource Id group");
    let tail = &text[ids..];
    // -g/-n are optional there, and --subscription joins them.
    for line in [
        "    --ids ",
        "    --name -n ",
        "    --resource-group -g ",
        "    --subscription ",
    ] {
        assert!(tail.contains(line), "{line} in\n{text}");
    }
    assert!(!text.contains("[Required]"));
    assert!(!text.contains("Global Policy"));
}

#[test]
fn group_help_lists_subgroups_and_commands() {
    let text = help_of("network nsg -h");
    assert!(text.starts_with("\nGroup\n    az network nsg : Manage Azure Network Security Groups (NSGs).\n        You can control network traffic"));
    assert!(text.contains("\nSubgroups:\n    rule   : Manage network security group rules.\n\nCommands:\n    create : Create a network security group.\n"));
    let root = help_of("-h");
    assert!(root.contains("Subgroups:\n    account : Manage Azure subscription information.\n"));
    assert!(root.contains("    vm      : Manage Linux or Windows virtual machines.\n"));
}

#[test]
fn preview_commands_say_so() {
    let text = help_of("network watcher -h");
    assert!(
        text.contains("    test-connectivity [Preview] : Test if a connection can be established")
    );
    let text = help_of("network watcher test-connectivity -h");
    assert!(text.contains("This command is in preview and under development."));
}

#[test]
fn every_command_and_group_has_help() {
    for cmd in &crate::args::spec::table().commands {
        let text = help_text(&cmd.name).expect("command help");
        assert!(
            text.starts_with(&format!("\nCommand\n    az {} : ", cmd.name)),
            "{text}"
        );
        assert!(
            text.contains("\nGlobal Arguments\n    --debug "),
            "{}",
            cmd.name
        );
        assert!(text.ends_with("\n\n"), "{}", cmd.name);
        assert!(
            text.lines()
                .all(|l| l.chars().count() <= 100 || !l.contains(' ')),
            "{}:\n{text}",
            cmd.name
        );
    }
    for group in &crate::args::spec::table().groups {
        let text = help_text(&group.name).expect("group help");
        assert!(
            text.contains("Commands:") || text.contains("Subgroups:"),
            "{}",
            group.name
        );
    }
    assert!(help_text("network nope").is_none());
}
