//! argparse's `parse_known_args` for one command's parser (CPython 3.13 semantics).
//!
//! The option table is the command parser's `_option_string_actions`, in registration order:
//! `-h/--help` (argparse's `add_help`), the knack global parser's options (`--verbose`,
//! `--debug`, `--only-show-errors`, `--output/-o`, `--query`), azure-cli's `--subscription`,
//! then the command's own arguments (`--ids` and the policy arguments last).
//!
//! Mirrored behaviours:
//! * `_parse_optional`: exact option, `--opt=value`, unique prefix of a long option (all
//!   candidates, in registration order, make an "ambiguous option" error when the token is
//!   consumed), `-gVALUE` for a short option, negative numbers and strings with spaces are
//!   values, any other `-x` token is an unknown option;
//! * `consume_optional`: `nargs` patterns over the following value tokens (`--` and any option
//!   token end a list), explicit `=value` arguments, combined short switches (`-yx`);
//! * required arguments are checked after all tokens are consumed, unknown options and stray
//!   values are reported last as "unrecognized arguments" by the top-level parser;
//! * `-h` prints help as soon as it is consumed.

use std::collections::{BTreeMap, BTreeSet};

use super::errors::{check_value_error, parser_error, Trailer};
use super::spec::{global_args, ArgSpec, CommandSpec, GlobalRole, Nargs, OUTPUT_FORMATS};
use super::values::{convert, default_value, py_repr, Raw, ValueError};
use super::{help, ArgValue, GlobalArgs, Invocation, ParsedArgs};
use crate::error::CliError;

struct Action {
    arg: &'static ArgSpec,
    role: Option<GlobalRole>,
}

/// One interpretation of an option token.
#[derive(Clone, Debug)]
struct OptMatch {
    action: Option<usize>,
    option_string: String,
    /// `Some('=')` for `--opt=value`, `Some('\0')` for `-gVALUE`.
    sep: Option<char>,
    explicit: Option<String>,
}

enum Class {
    Value,
    DoubleDash,
    Option(Vec<OptMatch>),
}

/// The parser of one command.
pub(crate) struct CommandParser {
    spec: &'static CommandSpec,
    actions: Vec<Action>,
    /// Option strings in registration order, with their action.
    strings: Vec<(&'static str, usize)>,
}

/// The running state of one parse.
struct State<'t> {
    tokens: &'t [String],
    seen: BTreeSet<usize>,
    values: BTreeMap<String, ArgValue>,
    given: BTreeSet<String>,
    globals: GlobalArgs,
    extras: Vec<String>,
}

/// How consuming an option ended: continue at a token index, or `-h` asked for help.
enum Flow {
    Next(usize),
    Help,
}

/// What an action did.
enum Taken {
    Stored,
    Help,
}

fn is_negative_number(s: &str) -> bool {
    let rest = &s[1..];
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    all_digits(rest)
        || rest
            .split_once('.')
            .is_some_and(|(i, f)| i.bytes().all(|b| b.is_ascii_digit()) && all_digits(f))
}

impl CommandParser {
    pub(crate) fn new(spec: &'static CommandSpec) -> Self {
        let mut actions = Vec::new();
        for (role, arg) in global_args() {
            if *role == GlobalRole::Subscription && spec.owns_subscription() {
                continue;
            }
            actions.push(Action {
                arg,
                role: Some(*role),
            });
        }
        actions.extend(spec.args.iter().map(|arg| Action { arg, role: None }));
        let strings = actions
            .iter()
            .enumerate()
            .flat_map(|(i, a)| a.arg.opts.iter().map(move |o| (o.as_str(), i)))
            .collect();
        CommandParser {
            spec,
            actions,
            strings,
        }
    }

    fn exact(&self, s: &str) -> Option<usize> {
        self.strings.iter().find(|(o, _)| *o == s).map(|(_, i)| *i)
    }

    /// `_get_option_tuples`: every option the token can abbreviate.
    fn option_tuples(&self, token: &str) -> Vec<OptMatch> {
        let mut out = Vec::new();
        if token.starts_with("--") {
            let (prefix, explicit) = match token.split_once('=') {
                Some((p, e)) => (p, Some(e.to_string())),
                None => (token, None),
            };
            for (s, i) in &self.strings {
                if s.starts_with(prefix) {
                    let sep = explicit.as_ref().map(|_| '=');
                    out.push(OptMatch {
                        action: Some(*i),
                        option_string: s.to_string(),
                        sep,
                        explicit: explicit.clone(),
                    });
                }
            }
        } else {
            let split = token
                .char_indices()
                .nth(2)
                .map(|(i, _)| i)
                .unwrap_or(token.len());
            let (short, short_explicit) = token.split_at(split);
            for (s, i) in &self.strings {
                if *s == short {
                    out.push(OptMatch {
                        action: Some(*i),
                        option_string: s.to_string(),
                        sep: Some('\0'),
                        explicit: Some(short_explicit.to_string()),
                    });
                } else if s.starts_with(token) {
                    out.push(OptMatch {
                        action: Some(*i),
                        option_string: s.to_string(),
                        sep: None,
                        explicit: None,
                    });
                }
            }
        }
        out
    }

    /// `_parse_optional`: `None` when the token is a value.
    fn parse_optional(&self, token: &str) -> Option<Vec<OptMatch>> {
        if !token.starts_with('-') {
            return None;
        }
        if let Some(i) = self.exact(token) {
            return Some(vec![OptMatch {
                action: Some(i),
                option_string: token.to_string(),
                sep: None,
                explicit: None,
            }]);
        }
        if token.chars().count() == 1 {
            return None;
        }
        if let Some((opt, value)) = token.split_once('=') {
            if let Some(i) = self.exact(opt) {
                let m = OptMatch {
                    action: Some(i),
                    option_string: opt.to_string(),
                    sep: Some('='),
                    explicit: Some(value.to_string()),
                };
                return Some(vec![m]);
            }
        }
        let tuples = self.option_tuples(token);
        if !tuples.is_empty() {
            return Some(tuples);
        }
        if is_negative_number(token) || token.contains(' ') {
            return None;
        }
        Some(vec![OptMatch {
            action: None,
            option_string: token.to_string(),
            sep: None,
            explicit: None,
        }])
    }

    fn trailer<'a>(&'a self, state: &'a State<'_>) -> Trailer<'a> {
        Trailer {
            command: &self.spec.name,
            user_args: state.tokens,
            examples: &self.spec.examples,
            spec: Some(self.spec),
        }
    }

    fn error(&self, state: &State<'_>, message: &str) -> CliError {
        parser_error(message, self.trailer(state))
    }

    /// Parses the tokens after the command words; `early_extras` are unknown tokens met
    /// before the command word (reported with the command's own).
    pub(crate) fn parse(
        &self,
        tokens: &[String],
        early_extras: Vec<String>,
    ) -> Result<Invocation, CliError> {
        let mut state = State {
            tokens,
            seen: BTreeSet::new(),
            values: BTreeMap::new(),
            given: BTreeSet::new(),
            globals: GlobalArgs::default(),
            extras: Vec::new(),
        };
        let mut classes = Vec::with_capacity(tokens.len());
        let mut after_double_dash = false;
        for token in tokens {
            classes.push(if after_double_dash {
                Class::Value
            } else if token == "--" {
                after_double_dash = true;
                Class::DoubleDash
            } else {
                self.parse_optional(token)
                    .map(Class::Option)
                    .unwrap_or(Class::Value)
            });
        }
        let mut i = 0;
        while i < tokens.len() {
            match &classes[i] {
                Class::Value | Class::DoubleDash => {
                    state.extras.push(tokens[i].clone());
                    i += 1;
                }
                Class::Option(matches) => {
                    match self.consume_optional(&mut state, &classes, i, matches)? {
                        Flow::Next(next) => i = next,
                        Flow::Help => return Ok(Invocation::Help(help::command_help(self.spec))),
                    }
                }
            }
        }
        let missing: Vec<String> = self
            .actions
            .iter()
            .enumerate()
            .filter(|(idx, a)| {
                a.role.is_none() && a.arg.required_for(self.spec) && !state.seen.contains(idx)
            })
            .map(|(_, a)| a.arg.display_name())
            .collect();
        if !missing.is_empty() {
            return Err(self.error(
                &state,
                &format!(
                    "the following arguments are required: {}",
                    missing.join(", ")
                ),
            ));
        }
        let extras: Vec<String> = early_extras
            .into_iter()
            .chain(state.extras.drain(..))
            .collect();
        if !extras.is_empty() {
            return Err(parser_error(
                &format!("unrecognized arguments: {}", extras.join(" ")),
                Trailer::link_only(),
            ));
        }
        for arg in &self.spec.args {
            if !state.values.contains_key(&arg.dest) {
                if let Some(v) = default_value(arg) {
                    state.values.insert(arg.dest.clone(), v);
                }
            }
        }
        let args = ParsedArgs {
            values: state.values,
            given: state.given,
            globals: state.globals,
        };
        Ok(Invocation::Run {
            command: self.spec,
            args,
        })
    }

    fn consume_optional(
        &self,
        state: &mut State<'_>,
        classes: &[Class],
        start: usize,
        matches: &[OptMatch],
    ) -> Result<Flow, CliError> {
        if matches.len() > 1 {
            let names: Vec<&str> = matches.iter().map(|m| m.option_string.as_str()).collect();
            let message = format!(
                "ambiguous option: {} could match {}",
                state.tokens[start],
                names.join(", ")
            );
            return Err(self.error(state, &message));
        }
        let Some(first) = matches.first() else {
            return Ok(Flow::Next(start + 1));
        };
        let Some(mut action) = first.action else {
            state.extras.push(state.tokens[start].clone());
            return Ok(Flow::Next(start + 1));
        };
        let mut option_string = first.option_string.clone();
        let mut explicit = first.explicit.clone();
        let mut sep = first.sep;
        // An explicit argument (`--opt=value`, `-gVALUE`, or the tail of combined switches).
        while let Some(value) = explicit.take() {
            let arg = self.actions[action].arg;
            let name = arg.display_name();
            let arg_count = match arg.nargs {
                Nargs::Exactly(0) => 0,
                Nargs::Exactly(n) if n > 1 => {
                    return Err(
                        self.error(state, &format!("argument {name}: expected {n} arguments"))
                    );
                }
                _ => 1,
            };
            if arg_count == 0 && !option_string.starts_with("--") && !value.is_empty() {
                if sep == Some('=') || value.starts_with('-') {
                    return Err(self.error(
                        state,
                        &format!(
                            "argument {name}: ignored explicit argument {}",
                            py_repr(&value)
                        ),
                    ));
                }
                if let Taken::Help = self.take_action(state, action, Raw::Bare, &option_string)? {
                    return Ok(Flow::Help);
                }
                let mut chars = value.chars();
                let next = format!("-{}", chars.next().unwrap_or('-'));
                let rest: String = chars.collect();
                let Some(next_action) = self.exact(&next) else {
                    state.extras.push(format!("-{value}"));
                    return Ok(Flow::Next(start + 1));
                };
                action = next_action;
                option_string = next;
                if let Some(tail) = rest.strip_prefix('=') {
                    (sep, explicit) = (Some('='), Some(tail.to_string()));
                } else if !rest.is_empty() {
                    (sep, explicit) = (Some('\0'), Some(rest));
                }
                continue;
            }
            if arg_count == 0 {
                return Err(self.error(
                    state,
                    &format!(
                        "argument {name}: ignored explicit argument {}",
                        py_repr(&value)
                    ),
                ));
            }
            let raw = match arg.nargs {
                Nargs::One | Nargs::Optional => Raw::One(value),
                _ => Raw::Many(vec![value]),
            };
            return Ok(
                match self.take_action(state, action, raw, &option_string)? {
                    Taken::Stored => Flow::Next(start + 1),
                    Taken::Help => Flow::Help,
                },
            );
        }
        // Values from the following tokens.
        let arg = self.actions[action].arg;
        let available = classes[start + 1..]
            .iter()
            .take_while(|c| matches!(c, Class::Value))
            .count();
        let values = &state.tokens[start + 1..start + 1 + available];
        let name = arg.display_name();
        let (raw, taken) = match arg.nargs {
            Nargs::One if available >= 1 => (Raw::One(values[0].clone()), 1),
            Nargs::One => {
                return Err(self.error(state, &format!("argument {name}: expected one argument")))
            }
            Nargs::Optional if available >= 1 => (Raw::One(values[0].clone()), 1),
            Nargs::Optional | Nargs::Exactly(0) => (Raw::Bare, 0),
            Nargs::OneOrMore if available == 0 => {
                return Err(self.error(
                    state,
                    &format!("argument {name}: expected at least one argument"),
                ))
            }
            Nargs::OneOrMore | Nargs::ZeroOrMore => (Raw::Many(values.to_vec()), available),
            Nargs::Exactly(n) => {
                let n = n as usize;
                if available < n {
                    let plural = if n == 1 { "" } else { "s" };
                    return Err(self.error(
                        state,
                        &format!("argument {name}: expected {n} argument{plural}"),
                    ));
                }
                (Raw::Many(values[..n].to_vec()), n)
            }
        };
        Ok(
            match self.take_action(state, action, raw, &option_string)? {
                Taken::Stored => Flow::Next(start + 1 + taken),
                Taken::Help => Flow::Help,
            },
        )
    }

    /// Runs one action (`take_action`): global flags, or the conversion of a command value.
    fn take_action(
        &self,
        state: &mut State<'_>,
        action: usize,
        raw: Raw,
        option_string: &str,
    ) -> Result<Taken, CliError> {
        state.seen.insert(action);
        let Action { arg, role } = &self.actions[action];
        let prog = format!("az {}", self.spec.name);
        let one = |raw: Raw| match raw {
            Raw::One(v) => v,
            Raw::Many(vs) => vs.into_iter().next().unwrap_or_default(),
            Raw::Bare => String::new(),
        };
        match role {
            Some(GlobalRole::Help) => return Ok(Taken::Help),
            Some(GlobalRole::Verbose) => state.globals.verbose = true,
            Some(GlobalRole::Debug) => state.globals.debug = true,
            Some(GlobalRole::OnlyShowErrors) => state.globals.only_show_errors = true,
            Some(GlobalRole::Output) => {
                // knack lower-cases the value before checking it.
                let value = one(raw).to_lowercase();
                if !OUTPUT_FORMATS.contains(&value.as_str()) {
                    let message = format!(
                        "{prog}: '{value}' is not a valid value for '--output'. Allowed values: {}.",
                        OUTPUT_FORMATS.join(", ")
                    );
                    return Err(check_value_error(
                        &message,
                        &value,
                        OUTPUT_FORMATS,
                        self.trailer(state),
                    ));
                }
                state.globals.output = Some(value);
            }
            Some(GlobalRole::Query) => {
                let query = one(raw);
                if crate::output::Query::compile(&query).is_err() {
                    let message = format!(
                        "argument --query: invalid jmespath_type value: {}",
                        py_repr(&query)
                    );
                    return Err(self.error(state, &message));
                }
                state.globals.query = Some(query);
            }
            Some(GlobalRole::Subscription) => state.globals.subscription = Some(one(raw)),
            None => {
                let value = convert(arg, raw).map_err(|e| match e {
                    ValueError::InvalidChoice(v) => {
                        let choices = arg.choices.as_deref().unwrap_or_default();
                        let message = format!(
                            "{prog}: '{v}' is not a valid value for '{}'. Allowed values: {}.",
                            arg.first_option(),
                            choices.join(", ")
                        );
                        check_value_error(
                            &message,
                            &v,
                            choices.iter().map(String::as_str),
                            self.trailer(state),
                        )
                    }
                    ValueError::Type(msg) => {
                        self.error(state, &format!("argument {}: {msg}", arg.display_name()))
                    }
                    ValueError::Aaz(msg) => CliError::validation(format!(
                        "Failed to parse '{option_string}' argument: {msg}"
                    )),
                })?;
                state.values.insert(arg.dest.clone(), value);
                state.given.insert(arg.dest.clone());
            }
        }
        Ok(Taken::Stored)
    }
}
