//! Python's `str()`/`repr()` of JSON-shaped values.
//!
//! az is Python: every formatter that is not JSON (tsv cells, table cells, jmespath error
//! messages) prints values through `str()`, so `True`/`False`/`None`, `1.0`, `1e-05` and
//! `['a', 1]` have to come out exactly as CPython 3 would print them.

use serde_json::{Number, Value};

/// `repr(float)` of CPython 3 (the "short" repr): the shortest digits that round-trip,
/// in fixed notation when the decimal exponent is in `[-4, 16)` and in scientific notation
/// (`1e-05`, `1.5e+16`) otherwise; integral values keep a trailing `.0`.
pub fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let (negative, digits, exp) = shortest_digits(value);
    let body = if (-4..16).contains(&exp) {
        fixed_notation(&digits, exp + 1)
    } else {
        scientific_notation(&digits, exp)
    };
    let sign = if negative { "-" } else { "" };
    format!("{sign}{body}")
}

/// The shortest digits `d1d2…dn` and exponent `e` (`d1.d2…dn × 10^e`) that read back as
/// `value`, chosen as CPython's `repr` chooses them.
///
/// Rust's `{:e}` finds the same shortest length, but when two candidates of that length are
/// exactly equally near (the value ends in `…5` right after them) it rounds up, where
/// CPython (David Gay's dtoa) picks the even last digit: `742512426957702.25` is
/// `742512426957702.2` in Python.
fn shortest_digits(value: f64) -> (bool, String, i32) {
    let (negative, digits, exp) = split_sci(&format!("{value:e}"));
    // Exact decimal expansion: an f64 has at most 767 significant digits.
    let (_, exact, exact_exp) = split_sci(&format!("{:.800e}", value.abs()));
    let n = digits.len();
    let is_tie = exact_exp == exp
        && exact.as_bytes().get(n) == Some(&b'5')
        && exact
            .as_bytes()
            .get(n + 1..)
            .is_some_and(|rest| rest.iter().all(|b| *b == b'0'));
    if !is_tie {
        return (negative, digits, exp);
    }
    let Some(lower) = exact.get(..n) else {
        return (negative, digits, exp);
    };
    let last_digit_exp = exp - i32::try_from(n).unwrap_or(0) + 1;
    let candidates = [Some(lower.to_owned()), increment_digits(lower)];
    let even = candidates.into_iter().flatten().find(|c| {
        c.len() == n
            && c.ends_with(['0', '2', '4', '6', '8'])
            && format!("{c}e{last_digit_exp}").parse::<f64>() == Ok(value.abs())
    });
    (negative, even.unwrap_or(digits), exp)
}

/// `"-1.2345e-7"` → (negative, `"12345"`, -7).
fn split_sci(sci: &str) -> (bool, String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (negative, digits, exp.parse().unwrap_or(0))
}

/// The decimal digit string plus one in its last place (`None` if it would carry over).
fn increment_digits(digits: &str) -> Option<String> {
    let mut bytes = digits.as_bytes().to_vec();
    for b in bytes.iter_mut().rev() {
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            return String::from_utf8(bytes).ok();
        }
    }
    None
}

/// Digits `d1 d2 …` with the decimal point after `point` digits (`0.d1d2… × 10^point`).
fn fixed_notation(digits: &str, point: i32) -> String {
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if point <= 0 {
        let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
        format!("0.{zeros}{digits}")
    } else if point >= len {
        let zeros = "0".repeat(usize::try_from(point - len).unwrap_or(0));
        format!("{digits}{zeros}.0")
    } else {
        let split = usize::try_from(point).unwrap_or(0);
        format!("{}.{}", &digits[..split], &digits[split..])
    }
}

fn scientific_notation(digits: &str, exp: i32) -> String {
    let (first, rest) = digits.split_at(digits.len().min(1));
    let fraction = if rest.is_empty() {
        String::new()
    } else {
        format!(".{rest}")
    };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{first}{fraction}e{sign}{:02}", exp.unsigned_abs())
}

/// `str()` of a JSON number as Python's `json.loads` would have typed it: integers stay
/// integers, anything written with a fraction or exponent is a float.
pub fn number_str(number: &Number) -> String {
    match number.as_f64() {
        Some(f) if number.is_f64() => float_repr(f),
        _ => number.to_string(),
    }
}

/// Python `str(value)`: strings raw, `None`, `True`/`False`, containers as their `repr`.
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python `repr(value)` (`{'a': [1, None, True]}`).
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    write_repr(value, &mut out);
    out
}

fn write_repr(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(n) => out.push_str(&number_str(n)),
        Value::String(s) => out.push_str(&repr_str(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&repr_str(key));
                out.push_str(": ");
                write_repr(item, out);
            }
            out.push('}');
        }
    }
}

/// Python `repr(str)`: single quotes unless the text has a `'` and no `"`; backslash escapes
/// for the quote, `\\`, `\t\n\r` and non-printable characters.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => out.push_str(&escape_code_point(c)),
        }
    }
    out.push(quote);
    out
}

fn escape_code_point(c: char) -> String {
    let code = u32::from(c);
    if code <= 0xff {
        format!("\\x{code:02x}")
    } else if code <= 0xffff {
        format!("\\u{code:04x}")
    } else {
        format!("\\U{code:08x}")
    }
}

/// An approximation of `str.isprintable()`: everything except control characters, the
/// separators other than the ASCII space, and the common format characters (Cf).
/// Unassigned code points (which CPython also escapes) are not known here.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || (c.is_whitespace() && c != ' ') {
        return false;
    }
    !matches!(
        u32::from(c),
        0xad | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xd800..=0xdfff
            | 0xe000..=0xf8ff
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0xe0001
            | 0xe0020..=0xe007f
            | 0xf0000..
    )
}

/// `str.isspace()`: Unicode white space plus the ASCII information separators.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `str.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// `str.rstrip()`.
pub fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

/// `str.splitlines()`: splits on every line boundary Python knows, `\r\n` counting as one.
pub fn py_splitlines(s: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_line_boundary(c) {
            continue;
        }
        lines.push(&s[start..i]);
        start = i + c.len_utf8();
        if c == '\r' {
            if let Some(&(j, '\n')) = chars.peek() {
                chars.next();
                start = j + 1;
            }
        }
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

fn is_line_boundary(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\u{0b}'
            | '\u{0c}'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Number of code points: Python's `len(str)`.
pub fn py_len(s: &str) -> usize {
    s.chars().count()
}
