//! The stderr text of argument errors, as azure-cli 2.91 prints them.
//!
//! Two paths exist in azure-cli's `AzCliCommandParser` (`azure/cli/core/parser.py`):
//! * `error(message)`, for argparse's own errors (missing, unrecognized, ambiguous, expected
//!   values, bad types): `ERROR: <message>`, then the examples trailer; a message mentioning
//!   `--query` gets the `--query` reference line instead of the trailer;
//! * `_check_value`, for a value outside `choices`: `ERROR: <prog>: '<v>' is not a valid value
//!   for '<opt>'. Allowed values: ...`, an optional `Did you mean '<x>' ?` line (difflib,
//!   cutoff 0.7), then the trailer. An unknown command word takes this path too.
//!
//! The trailer is `CommandRecommender.provide_recommendations` without the network service:
//! up to three help examples of the command, ranked by how many of the user's parameter names
//! they use (then fewer parameters first), followed by the reference link.
//! All of them exit with code 2.

use std::collections::HashMap;

use super::spec::{CommandSpec, Example};
use crate::error::CliError;

const CLI_REF: &str = "https://aka.ms/cli_ref";
const READ_MORE: &str = "Read more about the command in reference docs";
const QUERY_REFERENCE: &str =
    "To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'";

/// What the examples trailer is computed from.
#[derive(Clone, Copy)]
pub(crate) struct Trailer<'a> {
    /// The command the user typed (examples not starting with `az <command>` rank last).
    pub command: &'a str,
    /// The user's raw arguments after the command words (their parameter names rank examples).
    pub user_args: &'a [String],
    /// The candidate examples.
    pub examples: &'a [Example],
    /// The command whose option aliases normalise parameter names (`-g` = `--resource-group`).
    pub spec: Option<&'a CommandSpec>,
}

impl Trailer<'_> {
    /// A trailer with no examples (just the reference link).
    pub(crate) fn link_only() -> Trailer<'static> {
        Trailer {
            command: "",
            user_args: &[],
            examples: &[],
            spec: None,
        }
    }
}

/// `AzCliCommandParser.error(message)`: exit 2.
pub(crate) fn parser_error(message: &str, trailer: Trailer<'_>) -> CliError {
    if message.contains("--query") {
        return CliError::raw(2, render(message, &[QUERY_REFERENCE.to_string()], None));
    }
    CliError::raw(2, render(message, &[], Some(trailer)))
}

/// `AzCliCommandParser._check_value` failures: exit 2, with a "Did you mean" line when one
/// of `candidates` is close to `value`.
pub(crate) fn check_value_error<'c>(
    message: &str,
    value: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    trailer: Trailer<'_>,
) -> CliError {
    let close = super::difflib::get_close_matches(value, candidates, 3, 0.7);
    let recommendations: Vec<String> = close
        .first()
        .map(|c| format!("Did you mean '{c}' ?"))
        .into_iter()
        .collect();
    CliError::raw(2, render(message, &recommendations, Some(trailer)))
}

fn render(message: &str, recommendations: &[String], trailer: Option<Trailer<'_>>) -> String {
    let mut out = format!("ERROR: {message}\n");
    for line in recommendations {
        out.push_str(line);
        out.push('\n');
    }
    if let Some(trailer) = trailer {
        let examples = recommend(trailer);
        if examples.is_empty() {
            out.push('\n');
        } else {
            out.push_str("\nExamples from command's help:\n");
            for (text, name) in examples {
                out.push_str(&format!("{text}\n{name}\n\n"));
            }
        }
        out.push_str(&format!("{CLI_REF}\n{READ_MORE}\n"));
    }
    out
}

/// knack's `strip_command`: drop line continuations and repeated spaces.
fn strip_command(text: &str) -> String {
    text.replace("\\\n", "")
        .split(' ')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `AzCliCommandInvoker._extract_parameter_names`.
fn parameter_names<'a>(args: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    args.into_iter()
        .filter(|p| p.starts_with('-') && !p.starts_with("---") && p.chars().count() > 1)
        .map(|p| {
            if p.starts_with("--") {
                p.split('=').next().unwrap_or(p)
            } else {
                let end = p.char_indices().nth(2).map(|(i, _)| i).unwrap_or(p.len());
                &p[..end]
            }
        })
        .collect()
}

/// `get_parameter_mappings`: every option maps to its command's longest alias.
fn parameter_mappings(spec: Option<&CommandSpec>) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = HashMap::new();
    map.insert("-h".into(), "--help".into());
    map.insert("-o".into(), "--output".into());
    for own in [
        "--only-show-errors",
        "--help",
        "--output",
        "--query",
        "--debug",
        "--verbose",
        "--yes",
        "--no-wait",
    ] {
        map.insert(own.into(), own.into());
    }
    let Some(spec) = spec else { return map };
    let subscription = ["--subscription".to_string()];
    let mut option_lists: Vec<&[String]> = spec.args.iter().map(|a| a.opts.as_slice()).collect();
    if !spec.owns_subscription() {
        option_lists.push(&subscription);
    }
    for opts in option_lists {
        let mut sorted: Vec<&String> = opts.iter().collect();
        // Python's sorted(key=len, reverse=True) is stable: ties keep registration order.
        sorted.sort_by_key(|o| std::cmp::Reverse(o.chars().count()));
        if let Some(standard) = sorted.first() {
            for opt in &sorted {
                map.insert((*opt).clone(), (*standard).clone());
            }
        }
    }
    map
}

fn normalize(args: Vec<&str>, mappings: &HashMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = parameter_names(args)
        .into_iter()
        .filter_map(|p| mappings.get(p).cloned())
        .collect();
    out.sort();
    out
}

/// The (command line, description) pairs of up to three examples, best first.
fn recommend(trailer: Trailer<'_>) -> Vec<(String, &str)> {
    let mappings = parameter_mappings(trailer.spec);
    let target = normalize(
        trailer.user_args.iter().map(String::as_str).collect(),
        &mappings,
    );
    let prefix = format!("az {}", trailer.command);
    let mut ranked: Vec<(i64, usize, String, &str)> = trailer
        .examples
        .iter()
        .map(|ex| {
            let text = strip_command(&ex.text);
            let arg_list = normalize(text.split(' ').collect(), &mappings);
            let matches = if text.starts_with(&prefix) {
                arg_list.iter().filter(|a| target.contains(a)).count() as i64
            } else {
                -1
            };
            (matches, arg_list.len(), text, ex.name.as_str())
        })
        .collect();
    // sort(key=(matches, -len(arg_list)), reverse=True), stable.
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked
        .into_iter()
        .take(3)
        .map(|(_, _, text, name)| (text, name))
        .collect()
}
