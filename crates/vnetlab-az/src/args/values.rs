//! Turning an argument's raw strings into an [`ArgValue`], per [`ArgKind`].
//!
//! Order of checks, as in argparse's `_get_values`: the `type` conversion (knack `int`), then
//! the `choices` check (`_check_value`, case-insensitive for az's enums and bools), then the
//! action. AAZ actions (`AAZSimpleTypeArgAction.format_data`) convert after argparse is done
//! with the value, and their failures are not argparse errors: they surface as
//! `Failed to parse '<opt>' argument: <reason>` with exit code 1.

use serde_json::Value;

use super::spec::{ArgKind, ArgSpec, BOOL_WORDS};
use super::ArgValue;

/// What an option received on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Raw {
    /// No value (a bare `nargs='?'` option, or a switch).
    Bare,
    /// One value (`nargs=None` or `'?'`).
    One(String),
    /// A list of values (`nargs='+'`, `'*'` or a count).
    Many(Vec<String>),
}

/// Why a value was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ValueError {
    /// Not among the argument's choices (argparse `_check_value`, exit 2).
    InvalidChoice(String),
    /// argparse `type` conversion failed: the text after `argument <name>: ` (exit 2).
    Type(String),
    /// An AAZ action rejected it: the text after `Failed to parse '<opt>' argument: ` (exit 1).
    Aaz(String),
}

/// Python's `repr()` of a string, as argparse and AAZ put values in messages.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `int(s)` for base-10 strings: surrounding whitespace, a sign, and single
/// underscores between digits are allowed.
pub(crate) fn parse_py_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let plain: String = digits.chars().filter(|&c| c != '_').collect();
    if !plain.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i64 = plain.parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// The choice matching `value` case-insensitively, mapped through `values` when present.
fn canonical_choice(arg: &ArgSpec, value: &str) -> Option<String> {
    let choices = arg.choices.as_ref()?;
    let lowered = value.to_lowercase();
    let index = choices.iter().position(|c| c.to_lowercase() == lowered)?;
    Some(
        arg.values
            .as_ref()
            .and_then(|v| v.get(index))
            .unwrap_or(&choices[index])
            .clone(),
    )
}

/// The value of a bare `nargs='?'` option: argparse `const`, else AAZ `blank`.
fn bare_value(arg: &ArgSpec) -> Result<ArgValue, ValueError> {
    match arg
        .const_value
        .as_ref()
        .or(arg.blank.as_ref())
        .and_then(json_to_value)
    {
        Some(v) => Ok(v),
        None if arg.aaz => Err(ValueError::Aaz(
            "argument value cannot be blank".to_string(),
        )),
        None => Ok(ArgValue::Null),
    }
}

/// The AAZ shorthand `null`: clears a nullable argument, is refused by the others.
fn aaz_null(arg: &ArgSpec) -> Result<ArgValue, ValueError> {
    if arg.nullable {
        Ok(ArgValue::Null)
    } else {
        Err(ValueError::Aaz("field is not nullable".to_string()))
    }
}

/// Converts what an option received into its value.
pub(crate) fn convert(arg: &ArgSpec, raw: Raw) -> Result<ArgValue, ValueError> {
    match (arg.kind, raw) {
        (ArgKind::Switch, _) => Ok(ArgValue::Bool(true)),
        (ArgKind::AazBool | ArgKind::ThreeState, Raw::Bare) => Ok(ArgValue::Bool(true)),
        (ArgKind::AazBool, Raw::One(v)) => {
            let lowered = v.to_lowercase();
            match BOOL_WORDS.iter().position(|w| *w == lowered) {
                Some(i) => Ok(ArgValue::Bool(i < 5)),
                None => Err(ValueError::InvalidChoice(v)),
            }
        }
        (ArgKind::ThreeState, Raw::One(v)) => match v.to_lowercase().as_str() {
            "true" => Ok(ArgValue::Bool(true)),
            "false" => Ok(ArgValue::Bool(false)),
            _ => Err(ValueError::InvalidChoice(v)),
        },
        (ArgKind::Enum, Raw::One(v)) => {
            if arg.aaz && arg.nullable && v == "null" {
                return Ok(ArgValue::Null);
            }
            canonical_choice(arg, &v)
                .map(ArgValue::Str)
                .ok_or(ValueError::InvalidChoice(v))
        }
        (ArgKind::Enum, Raw::Many(vs)) => vs
            .into_iter()
            .map(|v| canonical_choice(arg, &v).ok_or(ValueError::InvalidChoice(v)))
            .collect::<Result<Vec<_>, _>>()
            .map(ArgValue::List),
        (ArgKind::Int, Raw::One(v)) => {
            if arg.aaz && v == "null" {
                return aaz_null(arg);
            }
            match parse_py_int(&v) {
                Some(n) => Ok(ArgValue::Int(n)),
                None if arg.aaz => Err(ValueError::Aaz(format!(
                    "invalid literal for int() with base 10: {}",
                    py_repr(&v)
                ))),
                None => Err(ValueError::Type(format!(
                    "invalid int value: {}",
                    py_repr(&v)
                ))),
            }
        }
        (ArgKind::Str, Raw::One(v)) if arg.aaz && v == "null" => aaz_null(arg),
        (ArgKind::Str | ArgKind::List | ArgKind::Kv, Raw::One(v)) => Ok(ArgValue::Str(v)),
        (ArgKind::List | ArgKind::Kv, Raw::Many(vs))
            if arg.nullable && vs.len() == 1 && vs[0] == "null" =>
        {
            Ok(ArgValue::Null)
        }
        (_, Raw::Many(vs)) => Ok(ArgValue::List(vs)),
        (_, Raw::Bare) => bare_value(arg),
    }
}

/// A JSON value of the table (a default, const or blank) as an [`ArgValue`].
pub(crate) fn json_to_value(v: &Value) -> Option<ArgValue> {
    match v {
        Value::Null | Value::Object(_) => None,
        Value::Bool(b) => Some(ArgValue::Bool(*b)),
        Value::Number(n) => Some(
            n.as_i64()
                .map(ArgValue::Int)
                .unwrap_or_else(|| ArgValue::Str(n.to_string())),
        ),
        Value::String(s) => Some(ArgValue::Str(s.clone())),
        Value::Array(items) => Some(ArgValue::List(
            items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
        )),
    }
}

/// The value an argument has when it is not given.
pub(crate) fn default_value(arg: &ArgSpec) -> Option<ArgValue> {
    let value = json_to_value(arg.default.as_ref()?)?;
    Some(match (arg.kind, value) {
        (ArgKind::Int, ArgValue::Str(s)) => parse_py_int(&s)
            .map(ArgValue::Int)
            .unwrap_or(ArgValue::Str(s)),
        (_, v) => v,
    })
}

/// Python's `str()` of a table value, as knack prints defaults in help (`True`, `['80']`).
pub(crate) fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => py_repr(s),
                    other => py_str(other),
                })
                .collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(_) => v.to_string(),
    }
}

/// Python truthiness of a table value (knack shows a default only when it is truthy).
pub(crate) fn py_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}
