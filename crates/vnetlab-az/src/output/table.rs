//! `-o table`: knack `_TableOutput` (`knack/output.py`) feeding tabulate 0.10
//! (`tabulate(rows, headers="keys", tablefmt="simple", disable_numparse=True)`).
//!
//! Rows: a dict keeps its keys whose value is not null/list/dict, minus `id`, `type` and
//! `etag`, with the first letter of each header upper-cased (keys sorted only when neither
//! a table transformer nor `--query` shaped the result); a list becomes `Column1…N`; any
//! other value becomes a single `Result` column. tabulate then unions the columns in
//! first-seen order, left-aligns every cell (with `disable_numparse` nothing is numeric),
//! pads each column to `max(len(header) + 2, widest cell)`, joins columns with two spaces
//! and strips trailing white space from every line. Cells holding line breaks switch
//! tabulate to its multi-line layout.
//!
//! Not reproduced: tabulate's width handling of ANSI escape sequences and of East Asian
//! wide characters (widths here are code-point counts, as tabulate without `wcwidth`).

use serde_json::Value;

use super::pyfmt::{py_len, py_rstrip, py_splitlines, py_str, py_strip};

const SKIP_KEYS: [&str; 3] = ["id", "type", "etag"];
/// tabulate's `MIN_PADDING`: a column is at least this much wider than its header.
const MIN_PADDING: usize = 2;
const COLUMN_SEPARATOR: &str = "  ";
/// tabulate's `SEPARATING_LINE`: a row whose first or second cell is this text is drawn as
/// a dashed line.
const SEPARATING_LINE: &str = "\u{1}";

/// az's `-o table` text for `value`. `preserve_key_order` is true when a table transformer
/// or `--query` produced the value (knack then keeps each dict's own key order).
pub fn to_table(value: &Value, preserve_key_order: bool) -> String {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let rows: Vec<Row<'_>> = items
        .into_iter()
        .map(|item| auto_table_item(item, preserve_key_order))
        .collect();
    let mut text = tabulate(&rows);
    text.push('\n');
    text
}

/// One `OrderedDict` produced by `_auto_table_item`: (header, cell value) pairs.
type Row<'a> = Vec<(String, &'a Value)>;

fn auto_table_item(item: &Value, preserve_key_order: bool) -> Row<'_> {
    match item {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            if !preserve_key_order {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            let mut row: Row<'_> = Vec::new();
            for (key, value) in entries {
                if SKIP_KEYS.contains(&key.as_str()) || !is_table_scalar(value) {
                    continue;
                }
                // `new_entry[header] = value`: a repeated header (`name` and `Name`) keeps
                // its first position and takes the later value.
                let header = capitalize_first(key);
                match row.iter_mut().find(|(h, _)| *h == header) {
                    Some(slot) => slot.1 = value,
                    None => row.push((header, value)),
                }
            }
            row
        }
        Value::Array(values) => values
            .iter()
            .enumerate()
            .map(|(i, value)| (format!("Column{}", i + 1), value))
            .collect(),
        scalar => vec![("Result".to_owned(), scalar)],
    }
}

fn is_table_scalar(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Array(_) | Value::Object(_))
}

fn capitalize_first(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A table ready for layout: headers and formatted cells (`None` for a separating line).
struct Grid {
    headers: Vec<String>,
    rows: Vec<Option<Vec<String>>>,
    multiline: bool,
}

fn tabulate(rows: &[Row<'_>]) -> String {
    let grid = normalize(rows);
    if grid.headers.is_empty() {
        // tabulate returns "" for a table without columns.
        return String::new();
    }
    let widths = column_widths(&grid);
    let mut lines = Vec::new();
    if grid.multiline {
        let headers: Vec<String> = grid
            .headers
            .iter()
            .zip(&widths)
            .map(|(h, w)| pad_multiline_header(h, *w))
            .collect();
        push_multiline_row(&mut lines, &headers, &widths);
    } else {
        push_row(&mut lines, &grid.headers, &widths, false);
    }
    lines.push(dashes(&widths));
    for row in &grid.rows {
        match row {
            Some(cells) => push_row(&mut lines, cells, &widths, grid.multiline),
            None => lines.push(dashes(&widths)),
        }
    }
    lines.join("\n")
}

/// `_align_header` in multi-line mode pads the pieces between `\r`/`\n`; the row is then
/// split again with `splitlines()`, which knows more line boundaries (`\x85`, `\u2028`…).
fn pad_multiline_header(header: &str, width: usize) -> String {
    let pieces: Vec<String> = header
        .split(['\r', '\n'])
        .map(|p| pad_right(p, width))
        .collect();
    pieces.join("\n")
}

/// `headers="keys"` over a list of dicts: the union of keys in first-seen order, a missing
/// key and a `None` both print as an empty cell; cells are `str()`-ed and stripped.
fn normalize(rows: &[Row<'_>]) -> Grid {
    let mut headers: Vec<String> = Vec::new();
    for row in rows {
        for (key, _) in row {
            if !headers.contains(key) {
                headers.push(key.clone());
            }
        }
    }
    let is_separator = |row: &Row<'_>| {
        headers.iter().take(2).any(
            |h| matches!(cell(row, h), Some(Value::String(s)) if py_strip(s) == SEPARATING_LINE),
        )
    };
    let mut multiline = headers.iter().any(|h| has_line_break(h));
    let mut formatted = Vec::with_capacity(rows.len());
    for row in rows {
        if is_separator(row) {
            formatted.push(None);
            continue;
        }
        let cells: Vec<String> = headers
            .iter()
            .map(|h| match cell(row, h) {
                None | Some(Value::Null) => String::new(),
                Some(value) => {
                    let text = py_str(value);
                    multiline |= has_line_break(&text);
                    py_strip(&text).to_owned()
                }
            })
            .collect();
        formatted.push(Some(cells));
    }
    Grid {
        headers,
        rows: formatted,
        multiline,
    }
}

/// The value a row holds under `header`, if any.
fn cell<'a>(row: &Row<'a>, header: &str) -> Option<&'a Value> {
    row.iter()
        .find(|(key, _)| key == header)
        .map(|(_, value)| *value)
}

fn has_line_break(s: &str) -> bool {
    s.contains(['\n', '\r'])
}

/// A cell's width: its longest line (split at `\r`/`\n` in multi-line mode).
fn cell_width(text: &str, multiline: bool) -> usize {
    if multiline {
        text.split(['\r', '\n']).map(py_len).max().unwrap_or(0)
    } else {
        py_len(text)
    }
}

fn column_widths(grid: &Grid) -> Vec<usize> {
    grid.headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let header_width = cell_width(header, grid.multiline) + MIN_PADDING;
            let cells = grid.rows.iter().flatten().filter_map(|cells| cells.get(i));
            cells
                .map(|c| cell_width(c, grid.multiline))
                .fold(header_width, usize::max)
        })
        .collect()
}

fn dashes(widths: &[usize]) -> String {
    let cells: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    build_line(&cells)
}

/// `_build_simple_row`: cells joined by two spaces, trailing white space removed.
fn build_line(cells: &[String]) -> String {
    py_rstrip(&cells.join(COLUMN_SEPARATOR)).to_owned()
}

fn pad_right(text: &str, width: usize) -> String {
    let len = py_len(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

fn push_row(lines: &mut Vec<String>, cells: &[String], widths: &[usize], multiline: bool) {
    if multiline {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| pad_multiline_cell(c, *w))
            .collect();
        push_multiline_row(lines, &padded, widths);
    } else {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| pad_right(c, *w))
            .collect();
        lines.push(build_line(&padded));
    }
}

/// `_align_column` in multi-line mode: every `splitlines()` piece padded to the width.
fn pad_multiline_cell(cell: &str, width: usize) -> String {
    let pieces: Vec<String> = py_splitlines(cell)
        .into_iter()
        .map(|l| pad_right(l, width))
        .collect();
    pieces.join("\n")
}

/// `_append_multiline_row`: the row's padded cells are split into lines again and printed
/// line by line; a cell with fewer lines is filled with blanks of its column's width.
fn push_multiline_row(lines: &mut Vec<String>, padded: &[String], widths: &[usize]) {
    let cell_lines: Vec<Vec<&str>> = padded.iter().map(|c| py_splitlines(c)).collect();
    let height = cell_lines.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..height {
        let line: Vec<String> = cell_lines
            .iter()
            .zip(widths)
            .map(|(c, w)| c.get(i).map_or_else(|| " ".repeat(*w), |l| (*l).to_owned()))
            .collect();
        lines.push(build_line(&line));
    }
}
