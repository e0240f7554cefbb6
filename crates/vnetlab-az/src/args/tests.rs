//! Tests of the argument layer. Expected texts are copied from the real az 2.91 runs in
//! `az-cli-captures/` (named after the capture); nothing is read from outside the crate.

mod captures;
mod help;
mod parsing;
mod properties;
mod table;

use super::*;

/// Splits a command line the way bash does for the captures' `.cmd` files (`printf %q`
/// quoting: backslash escapes, single and double quotes).
pub(super) fn shell_split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                word.extend(chars.next());
                in_word = true;
            }
            '\'' => {
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
                in_word = true;
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        c => word.push(c),
                    }
                }
                in_word = true;
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// argv after `az` for a command line that may start with `az`.
pub(super) fn argv(line: &str) -> Vec<String> {
    let mut words = shell_split(line);
    if words.first().is_some_and(|w| w == "az") {
        words.remove(0);
    }
    words
}

/// Parses a line that must run a command.
pub(super) fn run(line: &str) -> (&'static CommandSpec, ParsedArgs) {
    match parse(&argv(line)) {
        Ok(Invocation::Run { command, args }) => (command, args),
        Ok(Invocation::Help(_)) => panic!("{line}: printed help"),
        Err(e) => panic!("{line}: exit {}\n{}", e.exit_code, e.stderr),
    }
}

/// Parses a line that must fail.
pub(super) fn fail(line: &str) -> CliError {
    match parse(&argv(line)) {
        Ok(inv) => panic!("{line}: parsed: {inv:?}"),
        Err(e) => e,
    }
}

/// Parses a line that must print help.
pub(super) fn help_of(line: &str) -> String {
    match parse(&argv(line)) {
        Ok(Invocation::Help(text)) => text,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn shell_split_handles_capture_quoting() {
    assert_eq!(
        shell_split(r"a \[\].\{n:name\,\ p:x\} '' b"),
        ["a", "[].{n:name, p:x}", "", "b"]
    );
    assert_eq!(
        shell_split(r#"--description "Deny all." '*'"#),
        ["--description", "Deny all.", "*"]
    );
}
