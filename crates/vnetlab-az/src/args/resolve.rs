//! Finding the command in argv: the walk down argparse's nested subparsers.
//!
//! Each group is an argparse parser whose only options are `-h/--help` and whose positional
//! is the `_subcommand` choice. So, word by word: a child group descends, a child command
//! ends the walk (its parser gets the rest of argv), `-h` (or an abbreviation) prints the
//! group's help, an unknown option is kept for the final "unrecognized arguments" error, and
//! any other word is not among the choices: azure-cli's `_check_value` reports
//! `'<word>' is misspelled or not recognized by the system.` with a difflib suggestion.
//! Running out of words inside a group is argparse's
//! `the following arguments are required: _subcommand` (az prints the group's help instead
//! when stdin is a terminal; see [`super::ParseOptions::interactive`]).
//! Before that, knack's own rules: no arguments (or only `--debug`/`--verbose`/
//! `--only-show-errors`) print the welcome text, and a leading `help` means `--help`.

use super::errors::{check_value_error, parser_error, Trailer};
use super::spec::{self, Child, CommandSpec};
use super::{help, ParseOptions};
use crate::error::CliError;

/// The outcome of the walk.
pub(crate) enum Resolved {
    /// Text to print on stdout.
    Help(String),
    /// A command, the tokens after its name, and unknown options met before it.
    Command {
        spec: &'static CommandSpec,
        rest: Vec<String>,
        early_extras: Vec<String>,
    },
}

/// How a group parser (options `-h/--help` only) reads a token.
enum GroupToken {
    Help,
    IgnoredExplicit(String),
    UnknownOption,
    Word,
}

fn classify(token: &str) -> GroupToken {
    if !token.starts_with('-') || token == "-" {
        return GroupToken::Word;
    }
    if token == "-h" || token == "--help" {
        return GroupToken::Help;
    }
    if let Some((opt, value)) = token.split_once('=') {
        if opt == "-h" || opt == "--help" {
            return GroupToken::IgnoredExplicit(value.to_string());
        }
    }
    let long_prefix = token.split('=').next().unwrap_or(token);
    if token.starts_with("--") && "--help".starts_with(long_prefix) {
        return match token.split_once('=') {
            Some((_, value)) => GroupToken::IgnoredExplicit(value.to_string()),
            None => GroupToken::Help,
        };
    }
    if token.starts_with("-h") && !token.starts_with("-h=") {
        // `-hx`: the help switch combined with other short flags; help wins.
        return GroupToken::Help;
    }
    let rest = &token[1..];
    let negative_number =
        rest.split_once('.')
            .map_or(rest.bytes().all(|b| b.is_ascii_digit()), |(i, f)| {
                i.bytes().all(|b| b.is_ascii_digit())
                    && !f.is_empty()
                    && f.bytes().all(|b| b.is_ascii_digit())
            });
    if (negative_number && !rest.is_empty()) || token.contains(' ') {
        GroupToken::Word
    } else {
        GroupToken::UnknownOption
    }
}

/// The examples `get_examples` finds for the misspelling's inferred command line: those of
/// a knack command whose help-file name is exactly that line (AAZ commands keep their help
/// in their classes, which a group parser does not see), or of a group.
fn examples_for_inferred(inferred: &str) -> &'static [spec::Example] {
    let delimiters = inferred.strip_prefix("az ").unwrap_or("");
    if let Some(cmd) = spec::command(delimiters).filter(|c| !c.aaz) {
        return &cmd.examples;
    }
    spec::group(delimiters)
        .map(|g| g.examples.as_slice())
        .unwrap_or(&[])
}

fn misspelled(path: &[&str], word: &str, raw_args: &[String]) -> CliError {
    let parent = path.join(" ");
    let choices = spec::children(&parent);
    let close = super::difflib::get_close_matches(word, choices.keys().copied(), 3, 0.7);
    let prog: Vec<&str> = std::iter::once("az").chain(path.iter().copied()).collect();
    let inferred = match close.first() {
        Some(best) => {
            let line: Vec<&str> = prog
                .iter()
                .copied()
                .chain(
                    raw_args
                        .iter()
                        .map(|a| if a == word { *best } else { a.as_str() }),
                )
                .collect();
            line.join(" ").split('-').next().unwrap_or("").to_string()
        }
        None => prog.join(" "),
    };
    // `_get_failure_recovery_arguments`: the command is the group plus the first raw word.
    let command = match raw_args.first() {
        Some(first) if !first.starts_with('-') => format!("{parent} {first}").trim().to_string(),
        _ => parent.clone(),
    };
    let trailer = Trailer {
        command: &command,
        user_args: raw_args,
        examples: examples_for_inferred(&inferred),
        spec: None,
    };
    let message = format!("'{word}' is misspelled or not recognized by the system.");
    check_value_error(&message, word, choices.keys().copied(), trailer)
}

fn group_error(path: &[&str], message: &str, raw_args: &[String]) -> CliError {
    let name = path.join(" ");
    let examples = spec::group(&name)
        .map(|g| g.examples.as_slice())
        .unwrap_or(&[]);
    parser_error(
        message,
        Trailer {
            command: &name,
            user_args: raw_args,
            examples,
            spec: None,
        },
    )
}

/// Walks argv (everything after `az`) to the command.
pub(crate) fn resolve(argv: &[String], options: &ParseOptions) -> Result<Resolved, CliError> {
    if argv
        .iter()
        .all(|a| matches!(a.as_str(), "--debug" | "--verbose" | "--only-show-errors"))
    {
        return Ok(Resolved::Help(help::welcome()));
    }
    let mut args = argv.to_vec();
    if args.first().is_some_and(|a| a.to_lowercase() == "help") {
        args[0] = "--help".to_string();
    }
    let mut path: Vec<&str> = Vec::new();
    let mut extras = Vec::new();
    // Where the current group parser's own arguments start.
    let mut group_start = 0;
    let mut i = 0;
    while i < args.len() {
        let token = args[i].as_str();
        match classify(token) {
            GroupToken::Help => return Ok(Resolved::Help(help::group_help(&path.join(" ")))),
            GroupToken::IgnoredExplicit(value) => {
                let message = format!(
                    "argument -h/--help: ignored explicit argument {}",
                    super::values::py_repr(&value)
                );
                return Err(group_error(&path, &message, &args[group_start..]));
            }
            GroupToken::UnknownOption => extras.push(args[i].clone()),
            GroupToken::Word => {
                let parent = path.join(" ");
                match spec::children(&parent).get(token) {
                    Some(Child::Group(g)) => {
                        path.push(g.name.rsplit(' ').next().unwrap_or(token));
                        group_start = i + 1;
                    }
                    Some(Child::Command(c)) => {
                        return Ok(Resolved::Command {
                            spec: c,
                            rest: args[i + 1..].to_vec(),
                            early_extras: extras,
                        });
                    }
                    None => return Err(misspelled(&path, token, &args[group_start..])),
                }
            }
        }
        i += 1;
    }
    if path.is_empty() {
        let message = "the following arguments are required: _command_package";
        return Err(group_error(&path, message, &args));
    }
    if options.interactive {
        return Ok(Resolved::Help(help::group_help(&path.join(" "))));
    }
    Err(group_error(
        &path,
        "the following arguments are required: _subcommand",
        &args[group_start..],
    ))
}
