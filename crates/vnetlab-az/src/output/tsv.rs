//! `-o tsv`: knack `_TsvOutput` (`knack/output.py`).
//!
//! The result is wrapped in a list if it is not one, and every element prints as one line:
//! a dict as its values joined by tabs, a list as its items joined by tabs, anything else
//! as Python `str()` (a bare bool as `true`/`false`). Inside a row, a nested list prints
//! its length, a nested dict an empty string, `None`, `True`/`False` and numbers as Python
//! prints them, strings raw (no quoting or escaping).
//!
//! knack orders a plain dict's values by sorted key but keeps an `OrderedDict`'s order;
//! only `--query` multiselect hashes (`{a: x, b: y}`) are `OrderedDict`s. `Query::search`
//! returns the input's objects with sorted keys and hashes in query order, so with a query
//! each object's own order is used, and without one the keys are sorted here.

use serde_json::Value;

use super::pyfmt::py_str;

/// az's `-o tsv` text for `value`. `query_active` keeps each object's own key order
/// (see the module docs); otherwise values are printed in sorted-key order.
pub fn to_tsv(value: &Value, query_active: bool) -> String {
    let rows: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = String::new();
    for row in rows {
        write_row(row, query_active, &mut out);
        out.push('\n');
    }
    out
}

fn write_row(row: &Value, query_active: bool, out: &mut String) {
    match row {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            if !query_active {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            write_cells(entries.into_iter().map(|(_, v)| v), out);
        }
        Value::Array(items) => write_cells(items.iter(), out),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        scalar => out.push_str(&cell(scalar)),
    }
}

fn write_cells<'a>(cells: impl Iterator<Item = &'a Value>, out: &mut String) {
    for (i, value) in cells.enumerate() {
        if i > 0 {
            out.push('\t');
        }
        out.push_str(&cell(value));
    }
}

/// `_dump_obj`: a list prints its length, a dict nothing, anything else its `str()`.
fn cell(value: &Value) -> String {
    match value {
        Value::Array(items) => items.len().to_string(),
        Value::Object(_) => String::new(),
        scalar => py_str(scalar),
    }
}
