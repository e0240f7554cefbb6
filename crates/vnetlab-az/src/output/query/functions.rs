//! JMESPath's built-in functions with python-jmespath 1.1's signatures, type checks,
//! results and error messages (`jmespath/functions.py`, `jmespath/exceptions.py`).
//!
//! Python details kept: `length`/`reverse` count code points, `ceil`/`floor` return
//! integers, `sum` of integers is an integer while `avg` is always a float, `max`/`min`
//! return the first extreme element, `contains` uses Python `==` (`1 == true`),
//! `to_string` is compact ASCII JSON, `to_number` parses like `int()` then `float()`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::ast::Node;
use super::eval::{eval, Arg, EvalResult};
use super::values::{as_num, float_value, jp_type, py_eq, py_order, py_type, PyNum};
use super::QueryError;
use crate::output::json::to_compact_ascii_json;
use crate::output::pyfmt::{py_str, py_strip, repr_str};

/// One parameter's allowed types, as written in python-jmespath's `@signature`
/// (`"array-number"` = an array of numbers; empty = anything).
type Param = &'static [&'static str];

struct Signature {
    params: &'static [Param],
    variadic: bool,
}

const fn sig(params: &'static [Param]) -> Signature {
    Signature {
        params,
        variadic: false,
    }
}

const NUMBER: Param = &["number"];
const STRING: Param = &["string"];
const OBJECT: Param = &["object"];
const ARRAY: Param = &["array"];
const EXPREF: Param = &["expref"];
const ANY: Param = &[];

fn signature(name: &str) -> Option<Signature> {
    Some(match name {
        "abs" | "ceil" | "floor" => sig(&[NUMBER]),
        "avg" | "sum" => sig(&[&["array-number"]]),
        "contains" => sig(&[&["array", "string"], ANY]),
        "ends_with" | "starts_with" => sig(&[STRING, STRING]),
        "join" => sig(&[STRING, &["array-string"]]),
        "keys" | "values" => sig(&[OBJECT]),
        "length" => sig(&[&["string", "array", "object"]]),
        "map" => sig(&[EXPREF, ARRAY]),
        "max" | "min" => sig(&[&["array-number", "array-string"]]),
        "sort" => sig(&[&["array-string", "array-number"]]),
        "max_by" | "min_by" | "sort_by" => sig(&[ARRAY, EXPREF]),
        "merge" => Signature {
            params: &[OBJECT],
            variadic: true,
        },
        "not_null" => Signature {
            params: &[ANY],
            variadic: true,
        },
        "reverse" => sig(&[&["array", "string"]]),
        "to_array" | "to_number" | "to_string" | "type" => sig(&[ANY]),
        _ => return None,
    })
}

pub fn call_function(name: &str, args: Vec<Arg<'_>>) -> EvalResult {
    let signature =
        signature(name).ok_or_else(|| QueryError(format!("Unknown function: {name}()")))?;
    check_arity(name, &signature, args.len())?;
    for (param, arg) in signature.params.iter().zip(&args) {
        type_check(name, param, arg)?;
    }
    dispatch(name, args)
}

fn check_arity(name: &str, signature: &Signature, actual: usize) -> Result<(), QueryError> {
    let expected = signature.params.len();
    let (ok, at_least) = if signature.variadic {
        (actual >= expected, "at least ")
    } else {
        (actual == expected, "")
    };
    if ok {
        return Ok(());
    }
    let plural = if expected == 1 { "" } else { "s" };
    Err(QueryError(format!(
        "Expected {at_least}{expected} argument{plural} for function {name}(), received {actual}"
    )))
}

/// `JMESPathTypeError`: `In function f(), invalid type for value: <str(value)>, expected one of: [...], received: "<type>"`.
fn type_error(function: &str, value: &str, received: &str, expected: &[&str]) -> QueryError {
    let expected: Vec<String> = expected.iter().map(|t| repr_str(t)).collect();
    QueryError(format!(
        "In function {function}(), invalid type for value: {value}, expected one of: [{}], received: \"{received}\"",
        expected.join(", ")
    ))
}

const EXPREF_STR: &str = "<jmespath.visitor._Expression object>";

/// `_type_check_single`, including the element checks for `array-<type>` parameters.
fn type_check(function: &str, param: Param, arg: &Arg<'_>) -> Result<(), QueryError> {
    if param.is_empty() {
        return Ok(());
    }
    let value = match arg {
        Arg::Expref(_) if param.contains(&"expref") => return Ok(()),
        Arg::Expref(_) => return Err(type_error(function, EXPREF_STR, "expref", param)),
        Arg::Value(value) => value,
    };
    let top_type = jp_type(value);
    if !param.iter().any(|t| t.split('-').next() == Some(top_type)) {
        return Err(type_error(function, &py_str(value), top_type, param));
    }
    let element_types: Vec<&str> = param
        .iter()
        .filter_map(|t| t.split_once('-').map(|(_, sub)| sub))
        .collect();
    let Value::Array(items) = value else {
        return Ok(());
    };
    let allowed = match element_types.as_slice() {
        [] => return Ok(()),
        [only] => *only,
        several => {
            // The first element decides which of the element types applies.
            let Some(first) = items.first() else {
                return Ok(());
            };
            match several.iter().find(|t| **t == jp_type(first)) {
                Some(t) => *t,
                None => return Err(type_error(function, &py_str(first), py_type(first), param)),
            }
        }
    };
    match items.iter().find(|item| jp_type(item) != allowed) {
        Some(bad) => Err(type_error(function, &py_str(bad), py_type(bad), param)),
        None => Ok(()),
    }
}

/// Splits checked arguments into values (by position; an `&expression` leaves a null in
/// its place) and the expression reference, if any.
fn values(args: Vec<Arg<'_>>) -> (Vec<Value>, Option<&Node>) {
    let mut values = Vec::with_capacity(args.len());
    let mut expref = None;
    for arg in args {
        match arg {
            Arg::Value(v) => values.push(v),
            Arg::Expref(node) => {
                values.push(Value::Null);
                expref = Some(node);
            }
        }
    }
    (values, expref)
}

fn dispatch(name: &str, args: Vec<Arg<'_>>) -> EvalResult {
    let (mut values, expref) = values(args);
    let mut take = |i: usize| values.get_mut(i).map(Value::take).unwrap_or(Value::Null);
    let first = take(0);
    match (name, expref) {
        ("abs", _) => Ok(number_fn(&first, |n| match n {
            PyNum::Int(i) => i
                .checked_abs()
                .map_or(PyNum::Float((i as f64).abs()), PyNum::Int),
            PyNum::Float(f) => PyNum::Float(f.abs()),
        })),
        ("ceil", _) => Ok(number_fn(&first, |n| round_with(n, f64::ceil))),
        ("floor", _) => Ok(number_fn(&first, |n| round_with(n, f64::floor))),
        ("avg", _) => Ok(avg(&first)),
        ("sum", _) => Ok(sum(&first)),
        ("contains", _) => contains(&first, &take(1)),
        ("ends_with", _) => Ok(Value::Bool(str_of(&first).ends_with(str_of(&take(1))))),
        ("starts_with", _) => Ok(Value::Bool(str_of(&first).starts_with(str_of(&take(1))))),
        ("join", _) => Ok(join(&first, &take(1))),
        ("keys", _) => Ok(object_part(first, |(k, _)| Value::String(k))),
        ("values", _) => Ok(object_part(first, |(_, v)| v)),
        ("length", _) => Ok(length(&first)),
        ("map", Some(node)) => map(node, take(1)),
        ("max", _) => extreme(first, Ordering::Greater),
        ("min", _) => extreme(first, Ordering::Less),
        ("sort", _) => sort(first),
        ("max_by", Some(node)) => extreme_by("max_by", first, node, Ordering::Greater),
        ("min_by", Some(node)) => extreme_by("min_by", first, node, Ordering::Less),
        ("sort_by", Some(node)) => sort_by(first, node),
        ("merge", _) => merge(std::iter::once(first).chain(values.into_iter().skip(1))),
        ("not_null", _) => Ok(std::iter::once(first)
            .chain(values.into_iter().skip(1))
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null)),
        ("reverse", _) => Ok(reverse(first)),
        ("to_array", _) => Ok(if first.is_array() {
            first
        } else {
            Value::Array(vec![first])
        }),
        ("to_number", _) => Ok(to_number(&first)),
        ("to_string", _) => Ok(match first {
            Value::String(_) => first,
            other => Value::String(to_compact_ascii_json(&other)),
        }),
        ("type", _) => Ok(Value::String(jp_type(&first).to_owned())),
        _ => Err(QueryError(format!("Unknown function: {name}()"))),
    }
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn number_fn(value: &Value, f: impl Fn(PyNum) -> PyNum) -> Value {
    as_num(value).map_or(Value::Null, |n| f(n).to_value())
}

/// `math.ceil`/`math.floor`: an `int` result (kept as a float when out of integer range).
fn round_with(n: PyNum, f: fn(f64) -> f64) -> PyNum {
    match n {
        PyNum::Int(_) => n,
        PyNum::Float(x) => {
            let rounded = f(x);
            if rounded.abs() < 1.0e18 {
                PyNum::Int(rounded as i128)
            } else {
                PyNum::Float(rounded)
            }
        }
    }
}

fn numbers(value: &Value) -> Vec<PyNum> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(as_num).collect())
        .unwrap_or_default()
}

/// Python `sum()`: integer arithmetic until the first float.
fn py_sum(items: &[PyNum]) -> PyNum {
    items.iter().fold(PyNum::Int(0), |acc, n| match (acc, *n) {
        (PyNum::Int(a), PyNum::Int(b)) => a
            .checked_add(b)
            .map_or(PyNum::Float(a as f64 + b as f64), PyNum::Int),
        (a, b) => PyNum::Float(a.as_f64() + b.as_f64()),
    })
}

fn sum(value: &Value) -> Value {
    py_sum(&numbers(value)).to_value()
}

fn avg(value: &Value) -> Value {
    let items = numbers(value);
    if items.is_empty() {
        return Value::Null;
    }
    float_value(py_sum(&items).as_f64() / items.len() as f64)
}

fn contains(subject: &Value, search: &Value) -> EvalResult {
    match subject {
        Value::Array(items) => Ok(Value::Bool(items.iter().any(|item| py_eq(item, search)))),
        Value::String(s) => match search {
            Value::String(needle) => Ok(Value::Bool(s.contains(needle.as_str()))),
            other => Err(QueryError(format!(
                "'in <string>' requires string as left operand, not {}",
                py_type(other)
            ))),
        },
        _ => Ok(Value::Bool(false)),
    }
}

fn join(separator: &Value, items: &Value) -> Value {
    let parts: Vec<&str> = items
        .as_array()
        .map(|a| a.iter().map(str_of).collect())
        .unwrap_or_default();
    Value::String(parts.join(str_of(separator)))
}

fn object_part(value: Value, part: impl Fn((String, Value)) -> Value) -> Value {
    match value {
        Value::Object(map) => Value::Array(map.into_iter().map(part).collect()),
        _ => Value::Null,
    }
}

fn length(value: &Value) -> Value {
    let len = match value {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    };
    Value::from(len)
}

fn map(node: &Node, items: Value) -> EvalResult {
    let Value::Array(items) = items else {
        return Ok(Value::Null);
    };
    items
        .iter()
        .map(|item| eval(node, item))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

/// Python `max()`/`min()`: the first element that no later element beats.
fn extreme(items: Value, wanted: Ordering) -> EvalResult {
    let Value::Array(items) = items else {
        return Ok(Value::Null);
    };
    let op = if wanted == Ordering::Greater {
        ">"
    } else {
        "<"
    };
    let mut best: Option<Value> = None;
    for item in items {
        best = match best {
            Some(current) if py_order(&item, &current, op)? != wanted => Some(current),
            _ => Some(item),
        };
    }
    Ok(best.unwrap_or(Value::Null))
}

fn sort(items: Value) -> EvalResult {
    let Value::Array(mut items) = items else {
        return Ok(Value::Null);
    };
    // The type check guarantees one comparable type, so ordering never fails here.
    items.sort_by(|a, b| py_order(a, b, "<").unwrap_or(Ordering::Equal));
    Ok(Value::Array(items))
}

/// `_create_key_func`: the key of `item`, which must have one of the `allowed` types.
fn key_of(function: &str, node: &Node, item: &Value, allowed: &[&str]) -> EvalResult {
    let key = eval(node, item)?;
    if allowed.contains(&jp_type(&key)) {
        Ok(key)
    } else {
        Err(type_error(function, &py_str(&key), jp_type(&key), allowed))
    }
}

fn extreme_by(function: &str, items: Value, node: &Node, wanted: Ordering) -> EvalResult {
    let Value::Array(items) = items else {
        return Ok(Value::Null);
    };
    let op = if wanted == Ordering::Greater {
        ">"
    } else {
        "<"
    };
    let mut best: Option<(Value, Value)> = None;
    for item in items {
        let key = key_of(function, node, &item, &["number", "string"])?;
        best = match best {
            Some((current, current_key)) if py_order(&key, &current_key, op)? != wanted => {
                Some((current, current_key))
            }
            _ => Some((item, key)),
        };
    }
    Ok(best.map_or(Value::Null, |(item, _)| item))
}

fn sort_by(items: Value, node: &Node) -> EvalResult {
    let Value::Array(items) = items else {
        return Ok(Value::Null);
    };
    let Some(first) = items.first() else {
        return Ok(Value::Array(items));
    };
    let required = jp_type(&eval(node, first)?);
    if required != "number" && required != "string" {
        return Err(type_error(
            "sort_by",
            &py_str(first),
            required,
            &["string", "number"],
        ));
    }
    let mut keyed = Vec::with_capacity(items.len());
    for item in items {
        let key = key_of("sort_by", node, &item, &[required])?;
        keyed.push((key, item));
    }
    keyed.sort_by(|a, b| py_order(&a.0, &b.0, "<").unwrap_or(Ordering::Equal));
    Ok(Value::Array(
        keyed.into_iter().map(|(_, item)| item).collect(),
    ))
}

/// `merge()`: a plain dict in insertion order (later arguments override earlier keys).
/// Only the first argument is type-checked by python-jmespath; the others go straight to
/// `dict.update`, whose Python errors are reproduced (it accepts only empty sequences here).
fn merge(objects: impl Iterator<Item = Value>) -> EvalResult {
    let mut merged = Map::new();
    for object in objects {
        match object {
            Value::Object(map) => merged.extend(map),
            Value::String(s) if s.is_empty() => {}
            Value::Array(items) if items.is_empty() => {}
            Value::String(_) => return Err(update_sequence_error(1)),
            Value::Array(items) => {
                return Err(match items.first() {
                    Some(Value::String(s)) => update_sequence_error(s.chars().count()),
                    Some(Value::Array(a)) => update_sequence_error(a.len()),
                    Some(Value::Object(o)) => update_sequence_error(o.len()),
                    _ => QueryError(
                        "cannot convert dictionary update sequence element #0 to a sequence"
                            .to_owned(),
                    ),
                });
            }
            other => {
                let message = format!("'{}' object is not iterable", py_type(&other));
                return Err(QueryError(message));
            }
        }
    }
    Ok(Value::Object(merged))
}

/// `dict.update`'s error for a first element that is not a (key, value) pair.
fn update_sequence_error(len: usize) -> QueryError {
    QueryError(format!(
        "dictionary update sequence element #0 has length {len}; 2 is required"
    ))
}

fn reverse(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(s.chars().rev().collect()),
        Value::Array(mut items) => {
            items.reverse();
            Value::Array(items)
        }
        _ => Value::Null,
    }
}

/// `to_number`: numbers as they are; strings through Python's `int()`, then `float()`.
fn to_number(value: &Value) -> Value {
    match value {
        Value::Number(_) => value.clone(),
        Value::String(s) => parse_py_number(s).map_or(Value::Null, PyNum::to_value),
        _ => Value::Null,
    }
}

fn parse_py_number(text: &str) -> Option<PyNum> {
    let trimmed = py_strip(text);
    let cleaned = without_digit_underscores(trimmed)?;
    if let Ok(i) = cleaned.parse::<i128>() {
        return Some(PyNum::Int(i));
    }
    let f: f64 = cleaned.parse().ok()?;
    // float('nan') and float('inf') have no JSON form.
    f.is_finite().then_some(PyNum::Float(f))
}

/// Python number literals allow single underscores between digits (`1_000`).
fn without_digit_underscores(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        if *c != '_' {
            out.push(*c);
            continue;
        }
        let before = i
            .checked_sub(1)
            .and_then(|j| chars.get(j))
            .is_some_and(char::is_ascii_digit);
        let after = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !(before && after) {
            return None;
        }
    }
    Some(out)
}
