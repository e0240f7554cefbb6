//! The JMESPath interpreter, following python-jmespath 1.1's `TreeInterpreter`
//! (`jmespath/visitor.py`) rather than the Rust crate's: multiselect hashes keep the order
//! they were written in (Python runs them with `dict_cls=OrderedDict`), integers stay
//! integers, and comparisons use Python's `==` and ordering rules.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::ast::{Comparator, Node};
use super::functions::call_function;
use super::values::{is_truthy, jp_equals, py_order};
use super::QueryError;

pub type EvalResult = Result<Value, QueryError>;

/// A function argument: a value, or an unevaluated `&expression`.
pub enum Arg<'n> {
    Value(Value),
    Expref(&'n Node),
}

pub fn eval(node: &Node, data: &Value) -> EvalResult {
    match node {
        Node::Identity => Ok(data.clone()),
        Node::Field(name) => Ok(data.get(name.as_str()).cloned().unwrap_or(Value::Null)),
        Node::Index(idx) => Ok(index(data, *idx)),
        Node::Slice { start, stop, step } => slice(data, *start, *stop, *step),
        Node::Literal(value) => Ok(value.clone()),
        Node::Subexpr(lhs, rhs) | Node::IndexExpr(lhs, rhs) => eval(rhs, &eval(lhs, data)?),
        Node::Projection(lhs, rhs) => project(&eval(lhs, data)?, rhs),
        Node::Flatten(node) => Ok(flatten(eval(node, data)?)),
        Node::ObjectValues(node) => Ok(match eval(node, data)? {
            Value::Object(map) => Value::Array(map.into_iter().map(|(_, v)| v).collect()),
            _ => Value::Null,
        }),
        Node::Condition { predicate, then } => {
            if is_truthy(&eval(predicate, data)?) {
                eval(then, data)
            } else {
                Ok(Value::Null)
            }
        }
        Node::Comparison { op, lhs, rhs } => compare(*op, &eval(lhs, data)?, &eval(rhs, data)?),
        Node::And(lhs, rhs) => {
            let left = eval(lhs, data)?;
            if is_truthy(&left) {
                eval(rhs, data)
            } else {
                Ok(left)
            }
        }
        Node::Or(lhs, rhs) => {
            let left = eval(lhs, data)?;
            if is_truthy(&left) {
                Ok(left)
            } else {
                eval(rhs, data)
            }
        }
        Node::Not(node) => Ok(Value::Bool(!is_truthy(&eval(node, data)?))),
        Node::MultiList(elements) => {
            if data.is_null() {
                return Ok(Value::Null);
            }
            elements
                .iter()
                .map(|e| eval(e, data))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Node::MultiHash(pairs) => {
            if data.is_null() {
                return Ok(Value::Null);
            }
            let mut map = Map::new();
            for (key, value) in pairs {
                map.insert(key.clone(), eval(value, data)?);
            }
            Ok(Value::Object(map))
        }
        Node::Function { name, args } => {
            let mut resolved = Vec::with_capacity(args.len());
            for arg in args {
                resolved.push(match arg {
                    Node::Expref(inner) => Arg::Expref(inner),
                    other => Arg::Value(eval(other, data)?),
                });
            }
            call_function(name, resolved)
        }
        // python-jmespath would hand an `_Expression` object to the output formatter, which
        // cannot print it.
        Node::Expref(_) => Err(QueryError(
            "Object of type _Expression is not JSON serializable".to_owned(),
        )),
    }
}

fn index(data: &Value, idx: i64) -> Value {
    let Value::Array(items) = data else {
        return Value::Null;
    };
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let position = if idx < 0 { len + idx } else { idx };
    usize::try_from(position)
        .ok()
        .and_then(|p| items.get(p))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Python's `list[start:stop:step]` (`slice.indices` clamping).
fn slice(data: &Value, start: Option<i64>, stop: Option<i64>, step: i64) -> EvalResult {
    let Value::Array(items) = data else {
        return Ok(Value::Null);
    };
    if step == 0 {
        return Err(QueryError("slice step cannot be zero".to_owned()));
    }
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let clamp = |bound: Option<i64>, default: i64| -> i64 {
        match bound {
            None => default,
            Some(b) if b < 0 => {
                let b = b.saturating_add(len);
                if b < 0 {
                    if step < 0 {
                        -1
                    } else {
                        0
                    }
                } else {
                    b
                }
            }
            Some(b) if b >= len => {
                if step < 0 {
                    len - 1
                } else {
                    len
                }
            }
            Some(b) => b,
        }
    };
    let (mut i, end) = if step > 0 {
        (clamp(start, 0), clamp(stop, len))
    } else {
        (clamp(start, len - 1), clamp(stop, -1))
    };
    let mut out = Vec::new();
    while (step > 0 && i < end) || (step < 0 && i > end) {
        if let Some(item) = usize::try_from(i).ok().and_then(|p| items.get(p)) {
            out.push(item.clone());
        }
        i = match i.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
    Ok(Value::Array(out))
}

fn project(base: &Value, rhs: &Node) -> EvalResult {
    let Value::Array(items) = base else {
        return Ok(Value::Null);
    };
    let mut collected = Vec::with_capacity(items.len());
    for item in items {
        let value = eval(rhs, item)?;
        if !value.is_null() {
            collected.push(value);
        }
    }
    Ok(Value::Array(collected))
}

fn flatten(base: Value) -> Value {
    let Value::Array(items) = base else {
        return Value::Null;
    };
    let mut merged = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Array(inner) => merged.extend(inner),
            other => merged.push(other),
        }
    }
    Value::Array(merged)
}

/// `visit_comparator`: `==`/`!=` on anything; ordering only between numbers or strings
/// (anything else gives null).
fn compare(op: Comparator, left: &Value, right: &Value) -> EvalResult {
    let ordering = |symbol: &str| -> Result<Option<Ordering>, QueryError> {
        let comparable = |v: &Value| v.is_number() || v.is_string();
        if comparable(left) && comparable(right) {
            py_order(left, right, symbol).map(Some)
        } else {
            Ok(None)
        }
    };
    let result = match op {
        Comparator::Eq => Some(jp_equals(left, right)),
        Comparator::Ne => Some(!jp_equals(left, right)),
        Comparator::Lt => ordering("<")?.map(Ordering::is_lt),
        Comparator::Le => ordering("<=")?.map(Ordering::is_le),
        Comparator::Gt => ordering(">")?.map(Ordering::is_gt),
        Comparator::Ge => ordering(">=")?.map(Ordering::is_ge),
    };
    Ok(result.map_or(Value::Null, Value::Bool))
}
