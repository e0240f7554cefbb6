//! `-o json` / `-o jsonc`: knack `format_json`, i.e. Python
//! `json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True, separators=(',', ': '))`
//! followed by a newline.
//!
//! Also the compact, ASCII-only, insertion-ordered `json.dumps(x, separators=(',', ':'))`
//! that JMESPath's `to_string()` uses.

use serde_json::Value;

use super::pyfmt::number_str;

/// az's `-o json` text for `value`, including the trailing newline.
pub fn to_json(value: &Value) -> String {
    let mut out = String::new();
    write_pretty(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_pretty(value: &Value, depth: usize, out: &mut String) {
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(depth + 1, out);
                write_pretty(item, depth + 1, out);
            }
            out.push('\n');
            indent(depth, out);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(depth + 1, out);
                write_string(key, false, out);
                out.push_str(": ");
                write_pretty(item, depth + 1, out);
            }
            out.push('\n');
            indent(depth, out);
            out.push('}');
        }
        scalar => write_compact_value(scalar, false, out),
    }
}

fn indent(depth: usize, out: &mut String) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Python `json.dumps(value, separators=(',', ':'))`: compact, keys in the object's own
/// order, non-ASCII escaped as `\uXXXX` (the `ensure_ascii=True` default).
pub fn to_compact_ascii_json(value: &Value) -> String {
    let mut out = String::new();
    write_compact_value(value, true, &mut out);
    out
}

fn write_compact_value(value: &Value, ascii: bool, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_str(n)),
        Value::String(s) => write_string(s, ascii, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_compact_value(item, ascii, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, ascii, out);
                out.push(':');
                write_compact_value(item, ascii, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal as Python's encoder writes it: `"` and `\` escaped, the short
/// escapes `\n \r \t \b \f`, other control characters as lowercase `\u00xx`; with `ascii`,
/// every character outside `' '..='~'` is escaped too (UTF-16 surrogate pairs above U+FFFF).
fn write_string(s: &str, ascii: bool, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c if ascii && !(' '..='~').contains(&c) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
