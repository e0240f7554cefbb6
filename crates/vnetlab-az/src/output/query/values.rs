//! Python semantics of the values python-jmespath computes with: type names, truthiness,
//! `==` (where `True == 1`) and ordering (numbers with numbers, strings with strings).

use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::QueryError;

/// The JMESPath type name (`_convert_to_jmespath_type`).
pub fn jp_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `type(value).__name__` of the Python object json.loads would have produced.
pub fn py_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// JMESPath truthiness (`TreeInterpreter._is_false` negated): false, null, "", [], {}.
pub fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Number(_) => true,
    }
}

/// A Python number: `int` (arbitrary precision, here `i128`) or `float`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PyNum {
    Int(i128),
    Float(f64),
}

impl PyNum {
    pub fn of(n: &Number) -> PyNum {
        if let Some(i) = n.as_i64() {
            PyNum::Int(i128::from(i))
        } else if let Some(u) = n.as_u64() {
            PyNum::Int(i128::from(u))
        } else {
            PyNum::Float(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            // Rounds like Python's float(int) for every i128 value we can hold.
            PyNum::Int(i) => i as f64,
            PyNum::Float(f) => f,
        }
    }

    /// Back to JSON: integers that do not fit a JSON integer and non-finite floats degrade
    /// to a float and to null respectively.
    pub fn to_value(self) -> Value {
        match self {
            PyNum::Int(i) => {
                if let Ok(v) = i64::try_from(i) {
                    Value::from(v)
                } else if let Ok(v) = u64::try_from(i) {
                    Value::from(v)
                } else {
                    float_value(i as f64)
                }
            }
            PyNum::Float(f) => float_value(f),
        }
    }
}

pub fn float_value(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// The number behind a JMESPath number (`None` for every other type, booleans included).
pub fn as_num(value: &Value) -> Option<PyNum> {
    match value {
        Value::Number(n) => Some(PyNum::of(n)),
        _ => None,
    }
}

/// Exact comparison of Python numbers (an int and a float compare mathematically).
pub fn num_cmp(a: PyNum, b: PyNum) -> Option<Ordering> {
    match (a, b) {
        (PyNum::Int(x), PyNum::Int(y)) => Some(x.cmp(&y)),
        (PyNum::Float(x), PyNum::Float(y)) => x.partial_cmp(&y),
        (PyNum::Int(x), PyNum::Float(y)) => int_float_cmp(x, y),
        (PyNum::Float(x), PyNum::Int(y)) => int_float_cmp(y, x).map(Ordering::reverse),
    }
}

fn int_float_cmp(int: i128, float: f64) -> Option<Ordering> {
    const LIMIT: f64 = 1.7e38; // inside i128's range
    if float.is_nan() {
        return None;
    }
    if float >= LIMIT {
        return Some(Ordering::Less);
    }
    if float <= -LIMIT {
        return Some(Ordering::Greater);
    }
    let whole = float.trunc();
    // In range by the checks above.
    let ordering = int.cmp(&(whole as i128));
    if ordering != Ordering::Equal {
        return Some(ordering);
    }
    let fraction = float - whole;
    Some(if fraction > 0.0 {
        Ordering::Less
    } else if fraction < 0.0 {
        Ordering::Greater
    } else {
        Ordering::Equal
    })
}

/// A bool or a number as a Python number (`True == 1`).
fn numeric(value: &Value) -> Option<PyNum> {
    match value {
        Value::Bool(b) => Some(PyNum::Int(i128::from(*b))),
        other => as_num(other),
    }
}

/// Python `==` between JSON-shaped values.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => match (numeric(a), numeric(b)) {
            (Some(x), Some(y)) => num_cmp(x, y) == Some(Ordering::Equal),
            _ => false,
        },
    }
}

/// python-jmespath's `_equals`: Python `==`, except that `0`/`1` never equal a boolean.
pub fn jp_equals(a: &Value, b: &Value) -> bool {
    let special = |x: &Value, y: &Value| {
        matches!(as_num(x), Some(n) if num_cmp(n, PyNum::Int(0)) == Some(Ordering::Equal) || num_cmp(n, PyNum::Int(1)) == Some(Ordering::Equal))
            && y.is_boolean()
    };
    if special(a, b) || special(b, a) {
        return false;
    }
    py_eq(a, b)
}

/// Python's ordering of two comparable values (numbers, or strings by code point); mixing
/// them is Python's `TypeError`. `op` is the operator named in that error.
pub fn py_order(a: &Value, b: &Value, op: &str) -> Result<Ordering, QueryError> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x.as_str().cmp(y.as_str())),
        _ => match (as_num(a), as_num(b)) {
            (Some(x), Some(y)) => Ok(num_cmp(x, y).unwrap_or(Ordering::Equal)),
            _ => Err(QueryError(format!(
                "'{op}' not supported between instances of '{}' and '{}'",
                py_type(a),
                py_type(b)
            ))),
        },
    }
}
