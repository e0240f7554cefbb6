//! `-o yaml` / `-o yamlc`: knack `format_yaml`, i.e. PyYAML
//! `yaml.safe_dump(result, default_flow_style=False, allow_unicode=True)`.
//!
//! This is a port of the parts of PyYAML's `Emitter` (`yaml/emitter.py`) that a JSON
//! document can reach: block mappings (keys sorted, the `SafeRepresenter` default), block
//! sequences (written "indentless" under a mapping key), `[]`/`{}` for empty collections,
//! and plain, single-quoted and double-quoted scalars, including PyYAML's folding of long
//! scalars at spaces past column 80 and the `...` document-end marker after a plain root
//! scalar. The emitter state (`column`, `indent`, `whitespace`, `indention`, `open_ended`)
//! and its updates are kept as in the Python code, so the output matches byte for byte.
//!
//! Not reproduced: PyYAML's anchors and aliases (`&id001` … `*id001`), which it writes
//! when one Python list or dict appears twice in the result. That only happens for a
//! `--query` that selects the same container twice (`[tags, tags]`) and has no multiselect
//! hash (those make knack re-serialize through JSON first); values here have no identity.

use serde_json::{Map, Value};

use super::pyfmt::float_repr;
use super::yaml_scalar::{analyze, is_break, resolves_to_str};

const BEST_INDENT: usize = 2;
const BEST_WIDTH: usize = 80;
/// PyYAML writes a mapping key as an explicit `? key` when the key plus its prepared tag
/// (`!!str`, counted although it is not printed) is this long or longer.
const MAX_SIMPLE_KEY_LEN: usize = 128;
const STR_TAG_LEN: usize = "!!str".len();

/// az's `-o yaml` text for `value` (ends with a newline).
pub fn to_yaml(value: &Value) -> String {
    let mut emitter = Emitter::default();
    emitter.emit_node(
        value,
        Context {
            root: true,
            ..Context::default()
        },
    );
    // DocumentEndEvent, then StreamEndEvent.
    emitter.write_indent();
    if emitter.open_ended {
        emitter.write_indicator("...", true, false, false);
        emitter.write_indent();
    }
    emitter.out
}

/// The `expect_node(root=, mapping=, simple_key=)` flags of the Python emitter.
#[derive(Debug, Clone, Copy, Default)]
struct Context {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
}

/// A represented scalar: its text and whether it may be written plain without changing
/// its type (`implicit[0]` of the Python `ScalarEvent`).
struct Scalar {
    text: String,
    plain_implicit: bool,
}

impl Scalar {
    fn of(value: &Value) -> Scalar {
        let (text, plain_implicit) = match value {
            Value::Null => ("null".to_owned(), true),
            Value::Bool(b) => (b.to_string(), true),
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() => (represent_float(f), true),
                _ => (n.to_string(), true),
            },
            Value::String(s) => (s.clone(), resolves_to_str(s)),
            // Collections never reach here; represent them harmlessly.
            Value::Array(_) | Value::Object(_) => (String::new(), false),
        };
        Scalar {
            text,
            plain_implicit,
        }
    }
}

/// `SafeRepresenter.represent_float`: `repr(f).lower()`, with `.0` inserted before an
/// exponent that has no fraction (`1e-05` → `1.0e-05`).
fn represent_float(value: f64) -> String {
    if value.is_nan() {
        return ".nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    let repr = float_repr(value).to_lowercase();
    if !repr.contains('.') && repr.contains('e') {
        repr.replacen('e', ".0e", 1)
    } else {
        repr
    }
}

#[derive(Debug)]
struct Emitter {
    out: String,
    column: usize,
    indent: Option<usize>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            indent: None,
            whitespace: true,
            indention: true,
            open_ended: false,
        }
    }
}

impl Emitter {
    fn emit_node(&mut self, value: &Value, ctx: Context) {
        match value {
            Value::Array(items) if items.is_empty() => self.emit_empty_flow("[", "]"),
            Value::Object(map) if map.is_empty() => self.emit_empty_flow("{", "}"),
            Value::Array(items) => self.emit_block_sequence(items, ctx),
            Value::Object(map) => self.emit_block_mapping(map),
            scalar => self.emit_scalar(&Scalar::of(scalar), ctx),
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indent = match self.indent {
            None => Some(if flow { BEST_INDENT } else { 0 }),
            Some(indent) if !indentless => Some(indent + BEST_INDENT),
            unchanged => unchanged,
        };
    }

    /// `expect_flow_sequence`/`expect_flow_mapping` for a collection without items.
    fn emit_empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn emit_block_sequence(&mut self, items: &[Value], ctx: Context) {
        let saved = self.indent;
        let indentless = ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, Context::default());
        }
        self.indent = saved;
    }

    fn emit_block_mapping(&mut self, map: &Map<String, Value>) {
        let saved = self.indent;
        self.increase_indent(false, false);
        let mut entries: Vec<_> = map.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let as_value = Context {
            mapping: true,
            ..Context::default()
        };
        for (key, value) in entries {
            self.write_indent();
            let key = Scalar {
                text: key.clone(),
                plain_implicit: resolves_to_str(key),
            };
            if is_simple_key(&key.text) {
                self.emit_scalar(
                    &key,
                    Context {
                        mapping: true,
                        simple_key: true,
                        root: false,
                    },
                );
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_scalar(&key, as_value);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(value, as_value);
        }
        self.indent = saved;
    }

    fn emit_scalar(&mut self, scalar: &Scalar, ctx: Context) {
        let saved = self.indent;
        self.increase_indent(true, false);
        let chars: Vec<char> = scalar.text.chars().collect();
        let split = !ctx.simple_key;
        match choose_style(scalar, &chars, ctx.simple_key) {
            Style::Plain => self.write_plain(&chars, split, ctx.root),
            Style::SingleQuoted => self.write_single_quoted(&chars, split),
            Style::DoubleQuoted => self.write_double_quoted(&chars, split),
        }
        self.indent = saved;
    }

    fn push(&mut self, chars: &[char]) {
        self.out.extend(chars);
        self.column += chars.len();
    }

    fn push_str(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if !self.whitespace && need_whitespace {
            self.push_str(" ");
        }
        self.push_str(indicator);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
        self.open_ended = false;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break(None);
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.push_str(&pad);
        }
    }

    fn write_line_break(&mut self, data: Option<char>) {
        self.out.push(data.unwrap_or('\n'));
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
    }

    /// The line breaks `text[start..end]` of a single-quoted scalar, then the indentation.
    fn write_breaks(&mut self, breaks: &[char]) {
        if breaks.first() == Some(&'\n') {
            self.write_line_break(None);
        }
        for &br in breaks {
            self.write_line_break(if br == '\n' { None } else { Some(br) });
        }
        self.write_indent();
    }

    /// `write_plain`. Plain scalars never contain line breaks (`analyze` forbids it), so
    /// only the folding at spaces is needed.
    fn write_plain(&mut self, text: &[char], split: bool, root: bool) {
        if root {
            self.open_ended = true;
        }
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.push_str(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let mut spaces = false;
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > BEST_WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.push(&text[start..end]);
                    }
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || is_break(c)) {
                self.push(&text[start..end]);
                start = end;
            }
            spaces = ch == Some(' ');
        }
    }

    fn write_single_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    let fold = start + 1 == end
                        && self.column > BEST_WIDTH
                        && split
                        && start != 0
                        && end != text.len();
                    if fold {
                        self.write_indent();
                    } else {
                        self.push(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    self.write_breaks(&text[start..end]);
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.push(&text[start..end]);
                start = end;
            }
            if ch == Some('\'') {
                self.push_str("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &[char], split: bool) {
        self.write_indicator("\"", true, false, false);
        let mut start = 0;
        for end in 0..=text.len() {
            let ch = text.get(end).copied();
            if ch.is_none_or(needs_double_quote_escape) {
                if start < end {
                    self.push(&text[start..end]);
                    start = end;
                }
                if let Some(c) = ch {
                    self.push_str(&double_quote_escape(c));
                    start = end + 1;
                }
            }
            let pending = end as isize - start as isize;
            let at_fold_point =
                0 < end && end + 1 < text.len() && (ch == Some(' ') || start >= end);
            if at_fold_point && self.column as isize + pending > BEST_WIDTH as isize && split {
                if start < end {
                    self.push(&text[start..end]);
                    start = end;
                }
                self.push_str("\\");
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if text.get(start) == Some(&' ') {
                    self.push_str("\\");
                }
            }
        }
        self.write_indicator("\"", false, false, false);
    }
}

/// `check_simple_key` for a string key.
fn is_simple_key(key: &str) -> bool {
    let chars: Vec<char> = key.chars().collect();
    let analysis = analyze(&chars);
    chars.len() + STR_TAG_LEN < MAX_SIMPLE_KEY_LEN && !analysis.empty && !analysis.multiline
}

/// `choose_scalar_style` for block context and no requested style.
fn choose_style(scalar: &Scalar, chars: &[char], simple_key: bool) -> Style {
    let analysis = analyze(chars);
    if scalar.plain_implicit
        && !(simple_key && (analysis.empty || analysis.multiline))
        && analysis.allow_block_plain
    {
        return Style::Plain;
    }
    if analysis.allow_single_quoted && !(simple_key && analysis.multiline) {
        return Style::SingleQuoted;
    }
    Style::DoubleQuoted
}

fn needs_double_quote_escape(c: char) -> bool {
    matches!(
        c,
        '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
    ) || !((' '..='~').contains(&c)
        || ('\u{a0}'..='\u{d7ff}').contains(&c)
        || ('\u{e000}'..='\u{fffd}').contains(&c))
}

/// `Emitter.ESCAPE_REPLACEMENTS`, else `\xXX`, `\uXXXX` or `\UXXXXXXXX` (uppercase hex).
fn double_quote_escape(c: char) -> String {
    let short = match c {
        '\0' => Some('0'),
        '\u{07}' => Some('a'),
        '\u{08}' => Some('b'),
        '\t' => Some('t'),
        '\n' => Some('n'),
        '\u{0b}' => Some('v'),
        '\u{0c}' => Some('f'),
        '\r' => Some('r'),
        '\u{1b}' => Some('e'),
        '"' => Some('"'),
        '\\' => Some('\\'),
        '\u{85}' => Some('N'),
        '\u{a0}' => Some('_'),
        '\u{2028}' => Some('L'),
        '\u{2029}' => Some('P'),
        _ => None,
    };
    let code = u32::from(c);
    match short {
        Some(s) => format!("\\{s}"),
        None if code <= 0xff => format!("\\x{code:02X}"),
        None if code <= 0xffff => format!("\\u{code:04X}"),
        None => format!("\\U{code:08X}"),
    }
}
