//! The command table itself: it parses, it holds every command vnetlab needs, and every help
//! example in it is a valid command line.

use super::{argv, shell_split};
use crate::args::spec::{self, ArgKind, Nargs};
use crate::args::{parse, Invocation};

/// Commands not in the dump of the real CLI, hand-authored in tools/az_spec_extra.json.
const AUTHORED: &[&str] = &[
    "network asg create",
    "network asg show",
    "network asg list",
    "network asg delete",
    "network asg update",
    "network nsg update",
    "network route-table update",
    "network route-table route update",
    "network nic update",
    "network nic ip-config create",
    "network nic ip-config show",
    "network nic ip-config list",
    "network nic ip-config update",
    "network nic ip-config delete",
    "network public-ip list",
    "network public-ip delete",
    "network public-ip update",
    "network vnet-gateway delete",
    "network vnet-gateway update",
    "network local-gateway list",
    "network local-gateway delete",
    "network local-gateway update",
    "network vpn-connection list",
    "network vpn-connection delete",
    "network vpn-connection update",
    "network private-dns zone show",
    "network private-dns zone list",
    "network private-dns zone delete",
    "network private-dns link vnet show",
    "network private-dns link vnet list",
    "network private-dns link vnet delete",
    "network private-dns link vnet update",
    "network watcher list",
    "network watcher configure",
    "network vnet list-available-ips",
    "network vnet check-ip-address",
    "vm start",
    "vm stop",
    "vm deallocate",
    "vm restart",
    "account list",
    "account set",
    "login",
    "logout",
];

#[test]
fn table_has_dumped_and_authored_commands() {
    let table = spec::table();
    assert_eq!(table.commands.len(), 65 + AUTHORED.len());
    for name in AUTHORED {
        let cmd = spec::command(name).unwrap_or_else(|| panic!("{name} missing"));
        assert!(cmd.authored, "{name}");
    }
    assert!(!spec::command("network vnet create").is_some_and(|c| c.authored));
    assert!(spec::command("vm list-ip-addresses").is_some());
}

#[test]
fn command_metadata() {
    let cmd = |n: &str| spec::command(n).unwrap();
    assert!(cmd("group delete").confirmation && cmd("vm delete").confirmation);
    assert!(cmd("network vnet create").supports_no_wait);
    assert!(cmd("network nsg rule list").table_transformer);
    assert!(cmd("network public-ip create").transform);
    assert!(cmd("network public-ip show")
        .table_transformer_query
        .as_deref()
        .is_some_and(|q| q.starts_with("{Name:name")));
    assert!(cmd("network public-ip list")
        .table_transformer_query
        .as_deref()
        .is_some_and(|q| q.starts_with("[].{Name:name")));
    assert!(
        cmd("network vnet show").ids
            && !cmd("network vnet create").ids
            && !cmd("network vnet list").ids
    );
    // --no-wait: an AAZ bool on AAZ commands, a switch on group delete / vm create.
    let no_wait = |n: &str| cmd(n).arg("no_wait").unwrap().kind;
    assert_eq!(no_wait("network vnet create"), ArgKind::AazBool);
    assert_eq!(no_wait("group delete"), ArgKind::Switch);
    assert_eq!(no_wait("vm create"), ArgKind::Switch);
    let arg = cmd("network nsg rule create")
        .arg("destination_port_ranges")
        .unwrap();
    assert_eq!(
        (arg.kind, arg.nargs, arg.group.as_deref()),
        (ArgKind::List, Nargs::OneOrMore, Some("Destination"))
    );
    assert_eq!(
        cmd("group create").arg("tags").unwrap().nargs,
        Nargs::ZeroOrMore
    );
    assert_eq!(
        cmd("network vnet create").arg("tags").unwrap().kind,
        ArgKind::Kv
    );
    assert!(
        cmd("network vnet subnet update")
            .arg("route_table")
            .unwrap()
            .nullable
    );
    // Hidden rows and Python reprs are gone.
    assert!(spec::table()
        .commands
        .iter()
        .flat_map(|c| &c.args)
        .all(|a| a.dest != "cmd"));
    assert!(spec::table()
        .commands
        .iter()
        .flat_map(|c| &c.args)
        .all(|a| !a
            .default
            .as_ref()
            .is_some_and(|d| d.to_string().contains(" at 0x"))));
}

#[test]
fn options_are_unique_per_command() {
    for cmd in &spec::table().commands {
        let mut seen = std::collections::BTreeSet::new();
        for opt in cmd.args.iter().flat_map(|a| &a.opts) {
            assert!(seen.insert(opt.as_str()), "{}: {opt} twice", cmd.name);
        }
        for (_, global) in spec::global_args() {
            for opt in &global.opts {
                assert!(
                    opt == "--subscription" && cmd.owns_subscription()
                        || !seen.contains(opt.as_str()),
                    "{}: {opt}",
                    cmd.name
                );
            }
        }
    }
}

#[test]
fn every_command_has_summary_and_examples() {
    for cmd in &spec::table().commands {
        assert!(!cmd.summary.is_empty(), "{}", cmd.name);
        assert!(!cmd.examples.is_empty(), "{}", cmd.name);
    }
    for group in &spec::table().groups {
        assert!(!group.summary.is_empty(), "{}", group.name);
    }
}

/// Help examples must be accepted by the parser (catches typos in hand-authored arguments).
#[test]
fn every_example_parses() {
    for cmd in &spec::table().commands {
        for ex in &cmd.examples {
            if ex.text.contains("$(") {
                continue;
            }
            match parse(&argv(&ex.text)) {
                Ok(Invocation::Run { command, .. }) => {
                    assert_eq!(command.name, cmd.name, "{}", ex.text)
                }
                other => panic!("{}: {other:?}", ex.text),
            }
            assert_eq!(shell_split(&ex.text)[0], "az");
        }
    }
}
