//! Property tests: parsing never panics, whatever the argv.

use proptest::prelude::*;

use crate::args::{parse, parse_with, spec, ParseOptions};

/// Words that steer the parser into interesting places: command words, options, prefixes,
/// values of every kind, and odd tokens.
fn word() -> impl Strategy<Value = String> {
    let mut vocab: Vec<String> = [
        "network", "vnet", "nsg", "rule", "create", "show", "list", "group", "vm", "peering",
        "subnet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    vocab.extend(
        [
            "-h",
            "--help",
            "-o",
            "--output",
            "json",
            "XML",
            "--query",
            "[?",
            "name",
            "--ids",
            "-g",
            "-n",
            "--",
            "-",
            "",
            "--priority",
            "x",
            "-5",
            "null",
            "true",
            "maybe",
            "--destination",
            "--address-prefix",
            "=",
            "--yes=1",
            "-yx",
            "--no-wait",
            "-grg",
            "--tags",
            "a=b",
            "--prot=tcp",
            "--he",
            "--o",
            "\u{e9}\u{301}",
            "-\u{e9}",
            "--\u{1f600}",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    for cmd in spec::table().commands.iter().take(40) {
        vocab.extend(cmd.args.iter().flat_map(|a| a.opts.iter().cloned()));
    }
    prop_oneof![
        proptest::sample::select(vocab),
        "[-=a-z0-9\u{e9} ]{0,6}",
        any::<String>()
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics(words in proptest::collection::vec(word(), 0..12)) {
        let _ = parse(&words);
        let _ = parse_with(&words, &ParseOptions { interactive: true });
    }

    #[test]
    fn commands_with_random_tails_never_panic(index in 0usize..200, tail in proptest::collection::vec(word(), 0..10)) {
        let table = spec::table();
        let cmd = &table.commands[index % table.commands.len()];
        let mut argv: Vec<String> = cmd.name.split(' ').map(String::from).collect();
        argv.extend(tail);
        match parse(&argv) {
            Ok(_) => {}
            Err(e) => {
                prop_assert!(e.stderr.starts_with("ERROR: "));
                prop_assert!(e.stderr.ends_with('\n'));
                prop_assert!(matches!(e.exit_code, 1 | 2));
            }
        }
    }
}
