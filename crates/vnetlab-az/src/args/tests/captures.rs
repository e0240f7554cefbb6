//! Every argument error of the captured az 2.91 runs, compared byte for byte with the
//! capture's stderr (`az-cli-captures/<scenario>/<name>.err`) and exit code; and every other
//! captured command line parsed successfully.

use super::{argv, fail, shell_split};
use crate::args::{parse, Invocation};

/// `s1/015_group_create_missing_loc`: `az group create -n rg9`
#[test]
fn group_create_missing_location() {
    let err = fail(r#"az group create -n rg9"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: the following arguments are required: --location/-l

Examples from command's help:
az group create -l westus -n MyResourceGroup
Create a new resource group in the West US region.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/047_nsg_rule_create_noprio`: `az network nsg rule create -g rg1 --nsg-name nsg1 -n noprio`
#[test]
fn nsg_rule_create_missing_priority() {
    let err = fail(r#"az network nsg rule create -g rg1 --nsg-name nsg1 -n noprio"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: the following arguments are required: --priority

Examples from command's help:
az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRule --priority 100
Create a basic "Allow" NSG rule with the highest priority.

az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRuleWithAsg --priority 500 --source-address-prefixes Internet --destination-port-ranges 80 8080 --destination-asgs Web --access Allow --protocol Tcp --description "Allow Internet to Web ASG on ports 80,8080."
Create a security rule using application security groups (https://aka.ms/applicationsecuritygroups).

az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRule --priority 4096 --source-address-prefixes 208.130.28.0/24 --source-port-ranges 80 --destination-address-prefixes '*' --destination-port-ranges 80 8080 --access Deny --protocol Tcp --description "Deny from specific IP address ranges on 80 and 8080."
Create a "Deny" rule over TCP for a specific IP address range with the lowest priority.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/048_nsg_rule_create_badenum`: `az network nsg rule create -g rg1 --nsg-name nsg1 -n bad --priority 400 --protocol Foo`
#[test]
fn nsg_rule_create_bad_enum() {
    let err = fail(
        r#"az network nsg rule create -g rg1 --nsg-name nsg1 -n bad --priority 400 --protocol Foo"#,
    );
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: az network nsg rule create: 'Foo' is not a valid value for '--protocol'. Allowed values: *, Ah, Esp, Icmp, Tcp, Udp.

Examples from command's help:
az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRuleWithAsg --priority 500 --source-address-prefixes Internet --destination-port-ranges 80 8080 --destination-asgs Web --access Allow --protocol Tcp --description "Allow Internet to Web ASG on ports 80,8080."
Create a security rule using application security groups (https://aka.ms/applicationsecuritygroups).

az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRule --priority 4096 --source-address-prefixes 208.130.28.0/24 --source-port-ranges 80 --destination-address-prefixes '*' --destination-port-ranges 80 8080 --access Deny --protocol Tcp --description "Deny from specific IP address ranges on 80 and 8080."
Create a "Deny" rule over TCP for a specific IP address range with the lowest priority.

az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRuleWithTags --priority 400 --source-address-prefixes VirtualNetwork --destination-address-prefixes Storage --destination-port-ranges '*' --direction Outbound --access Allow --protocol Tcp --description "Allow VirtualNetwork to Storage."
Create a security rule using service tags (https://aka.ms/servicetags).

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/081_peering_create_badbool`: `az network vnet peering create -g rg1 -n p13 --vnet-name vnet1 --remote-vnet vnet3 --allow-vnet-access maybe`
#[test]
fn peering_create_bad_bool() {
    let err = fail(
        r#"az network vnet peering create -g rg1 -n p13 --vnet-name vnet1 --remote-vnet vnet3 --allow-vnet-access maybe"#,
    );
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: az network vnet peering create: 'maybe' is not a valid value for '--allow-vnet-access'. Allowed values: true, t, yes, y, 1, false, f, no, n, 0.

Examples from command's help:
az network vnet peering create -g MyResourceGroup -n MyVnet1ToMyVnet2 --vnet-name MyVnet1 --remote-vnet MyVnet2Id --allow-vnet-access
Create a peering connection between two virtual networks.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/082_peering_create_missing_remote`: `az network vnet peering create -g rg1 -n p14 --vnet-name vnet1`
#[test]
fn peering_create_missing_remote() {
    let err = fail(r#"az network vnet peering create -g rg1 -n p14 --vnet-name vnet1"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: the following arguments are required: --remote-vnet

Examples from command's help:
az network vnet peering create -g MyResourceGroup -n MyVnet1ToMyVnet2 --vnet-name MyVnet1 --remote-vnet MyVnet2Id --allow-vnet-access
Create a peering connection between two virtual networks.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/101_query_invalid`: `az network vnet show -g rg1 -n vnet1 --query \[\?`
#[test]
fn invalid_query() {
    let err = fail(r#"az network vnet show -g rg1 -n vnet1 --query \[\?"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: argument --query: invalid jmespath_type value: '[?'
To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'
"#
    );
}

/// `s1/103_out_invalid`: `az network vnet show -g rg1 -n vnet1 -o xml`
#[test]
fn invalid_output() {
    let err = fail(r#"az network vnet show -g rg1 -n vnet1 -o xml"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: az network vnet show: 'xml' is not a valid value for '--output'. Allowed values: json, jsonc, yaml, yamlc, table, tsv, none.

Examples from command's help:
az network vnet show -g MyResourceGroup -n MyVNet
Get details for MyVNet.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/104_unknown_arg`: `az network vnet show -g rg1 -n vnet1 --bogus`
#[test]
fn unknown_argument() {
    let err = fail(r#"az network vnet show -g rg1 -n vnet1 --bogus"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: unrecognized arguments: --bogus

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/106_missing_required2`: `az network vnet create -n x`
#[test]
fn vnet_create_missing_group() {
    let err = fail(r#"az network vnet create -n x"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: the following arguments are required: --resource-group/-g

Examples from command's help:
az network vnet create -g MyResourceGroup -n MyVNet --ipam-allocations [0].number-of-ip-addresses=100 [0].id=ipam-pool-resource-id
Create virtual network with an IPAM pool allocation.

az network vnet create -g MyResourceGroup -n MyVnet --address-prefix 10.0.0.0/16 --subnet-name MySubnet --subnet-prefixes 10.0.0.0/24
Create a virtual network with a specific address prefix and one subnet.

az network vnet create --address-prefixes 10.0.0.0/16 --name MyVirtualNetwork --resource-group MyResourceGroup --subnet-name MyAseSubnet --subnet-prefixes 10.0.0.0/24
Create a virtual network.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/107_unknown_cmd`: `az network vnet shw -g rg1 -n vnet1`
#[test]
fn misspelled_command() {
    let err = fail(r#"az network vnet shw -g rg1 -n vnet1"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: 'shw' is misspelled or not recognized by the system.
Did you mean 'show' ?

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s1/108_ambiguous_abbrev`: `az network nsg rule create -g rg1 --nsg-name nsg1 -n amb --priority 500 --destination 80`
#[test]
fn ambiguous_abbreviation() {
    let err = fail(
        r#"az network nsg rule create -g rg1 --nsg-name nsg1 -n amb --priority 500 --destination 80"#,
    );
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: ambiguous option: --destination could match --destination-address-prefixes, --destination-port-ranges, --destination-asgs

Examples from command's help:
az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRule --priority 100
Create a basic "Allow" NSG rule with the highest priority.

az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRuleWithAsg --priority 500 --source-address-prefixes Internet --destination-port-ranges 80 8080 --destination-asgs Web --access Allow --protocol Tcp --description "Allow Internet to Web ASG on ports 80,8080."
Create a security rule using application security groups (https://aka.ms/applicationsecuritygroups).

az network nsg rule create -g MyResourceGroup --nsg-name MyNsg -n MyNsgRule --priority 4096 --source-address-prefixes 208.130.28.0/24 --source-port-ranges 80 --destination-address-prefixes '*' --destination-port-ranges 80 8080 --access Deny --protocol Tcp --description "Deny from specific IP address ranges on 80 and 8080."
Create a "Deny" rule over TCP for a specific IP address range with the lowest priority.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s2/040_nic_create_nosubnet`: `az network nic create -g rgvm -n nic3 --vnet-name vnetA`
#[test]
fn nic_create_missing_subnet() {
    let err = fail(r#"az network nic create -g rgvm -n nic3 --vnet-name vnetA"#);
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: the following arguments are required: --subnet

Examples from command's help:
az network nic create -g MyResourceGroup --vnet-name MyVnet --subnet MySubnet -n MyNic
Create a network interface for a specified subnet on a specified virtual network.

az network nic create -g MyResourceGroup --vnet-name MyVnet --subnet MySubnet -n MyNic --ip-forwarding --network-security-group MyNsg
Create a network interface for a specified subnet on a virtual network which allows IP forwarding subject to a network security group.

az network nic create -g MyResourceGroup --vnet-name MyVnet --subnet MySubnet -n MyNic --network-security-group MyNsg --application-security-groups Web App
Create a network interface for a specified subnet on a virtual network with network security group and application security groups.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s2/045_watcher_ipflow_badproto`: `az network watcher test-ip-flow -g rgvm --vm vm1 --direction Inbound --protocol ICMP --local 10.0.0.4:22 --remote 203.0.113.5:60000`
#[test]
fn watcher_bad_protocol() {
    let err = fail(
        r#"az network watcher test-ip-flow -g rgvm --vm vm1 --direction Inbound --protocol ICMP --local 10.0.0.4:22 --remote 203.0.113.5:60000"#,
    );
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: az network watcher test-ip-flow: 'ICMP' is not a valid value for '--protocol'. Allowed values: TCP, UDP.

Examples from command's help:
az network watcher test-ip-flow -g MyResourceGroup --direction Outbound --protocol TCP --local 10.0.0.4:* --remote 10.1.0.4:80 --vm MyVm
Run test-ip-flow verify to test logical connectivity from a VM to the specified destination IPv4 address and port.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// `s2/054_dns_link_create_noe`: `az network private-dns link vnet create -g rgvm -n link3 -z contoso.internal -v vnetA`
#[test]
fn dns_link_missing_registration() {
    let err = fail(
        r#"az network private-dns link vnet create -g rgvm -n link3 -z contoso.internal -v vnetA"#,
    );
    assert_eq!(err.exit_code, 2);
    assert_eq!(
        err.stderr,
        r#"ERROR: the following arguments are required: -e/--registration-enabled

Examples from command's help:
az network private-dns link vnet create -g MyResourceGroup -n MyLinkName -z www.mysite.com -v MyVirtualNetworkId -e False
Create a virtual network link to the specified private DNS zone.

https://aka.ms/cli_ref
Read more about the command in reference docs
"#
    );
}

/// The command lines of all captures (exit code, name, argv).
const CAPTURE_CMDS: &str = include_str!("capture_cmds.tsv");

/// Every capture that did not fail in argparse parses here: the real az accepted its
/// arguments (whatever the command then did), and so must we. The ones that failed with
/// exit 2 fail here too (except `vm create --image UbuntuLTS`, a service error).
#[test]
fn all_captured_command_lines() {
    let mut checked = 0;
    for line in CAPTURE_CMDS.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.splitn(3, '\t');
        let (rc, name, cmd) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        let result = parse(&argv(cmd));
        if rc == "2" && name != "s2/007_vm_create_badimage" {
            let err = result.expect_err(name);
            assert_eq!(err.exit_code, 2, "{name}");
        } else {
            match result {
                Ok(Invocation::Run { command, .. }) => {
                    let words = shell_split(cmd);
                    assert!(
                        words[1..].join(" ").starts_with(&command.name),
                        "{name}: ran {}",
                        command.name
                    );
                }
                Ok(Invocation::Help(_)) => assert!(cmd.ends_with(" -h"), "{name}: printed help"),
                Err(e) => panic!("{name}: {cmd}\nexit {}: {}", e.exit_code, e.stderr),
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 255);
}
