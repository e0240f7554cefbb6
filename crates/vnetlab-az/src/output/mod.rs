//! What happens to a command's result after the command returned: `--query`, then the
//! `-o` formatter, exactly as azure-cli 2.91 / knack print it (az-cli-surface.md §1.3–1.7).
//!
//! * [`Query`] — `--query` (compiled at parse time, run before formatting);
//! * [`to_json`] — `json`/`jsonc` (jsonc is plain json when stdout is not a terminal);
//! * [`to_yaml`] — `yaml`/`yamlc`;
//! * [`to_table`] — `table` (after the command's [`TableTransformer`] when no query);
//! * [`to_tsv`] — `tsv`;
//! * [`render`] — the whole pipeline, including "a null result prints nothing".
//!
//! Every formatter reproduces a Python library (`json`, PyYAML, tabulate, knack,
//! python-jmespath), so the shared Python `str()`/`repr()` rules live in `pyfmt`.

mod json;
mod pyfmt;
mod query;
mod table;
mod tsv;
mod yaml;
mod yaml_scalar;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_python;

use serde_json::Value;

use crate::error::CliError;

pub use json::to_json;
pub use query::Query;
pub use table::to_table;
pub use tsv::to_tsv;
pub use yaml::to_yaml;

/// The `--output/-o` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Jsonc,
    Yaml,
    Yamlc,
    Table,
    Tsv,
    None,
}

impl OutputFormat {
    /// All formats, in the order az lists them in its "Allowed values" error.
    pub const ALL: [OutputFormat; 7] = [
        OutputFormat::Json,
        OutputFormat::Jsonc,
        OutputFormat::Yaml,
        OutputFormat::Yamlc,
        OutputFormat::Table,
        OutputFormat::Tsv,
        OutputFormat::None,
    ];

    /// Parses an `-o` value. az lower-cases it first (`type=str.lower`), so `JSON` works.
    pub fn parse(s: &str) -> Option<OutputFormat> {
        let lowered = s.to_lowercase();
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == lowered)
    }

    /// The canonical name (`json`, `jsonc`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Json => "json",
            OutputFormat::Jsonc => "jsonc",
            OutputFormat::Yaml => "yaml",
            OutputFormat::Yamlc => "yamlc",
            OutputFormat::Table => "table",
            OutputFormat::Tsv => "tsv",
            OutputFormat::None => "none",
        }
    }
}

/// A command's table transformer (knack `table_transformer`): turns the result into rows
/// whose key order is the column order. `Err(())` makes az print "Table output unavailable".
pub type TableTransformer = fn(&Value) -> Result<Value, ()>;

/// knack `format_table`'s error when the transformer fails (exit 1).
const TABLE_UNAVAILABLE: &str =
    "Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.";

/// Runs `--query` and the formatter on a command result and returns the exact stdout text:
/// `""` when nothing is printed (a null result in any format, `-o none`).
///
/// The query runs whatever the format, so a query error fails even `-o none`.
pub fn render(
    result: &Value,
    format: OutputFormat,
    query: Option<&Query>,
    table: Option<TableTransformer>,
) -> Result<String, CliError> {
    let queried;
    let value = match query {
        Some(q) => {
            queried = q.search(result)?;
            &queried
        }
        None => result,
    };
    if value.is_null() {
        return Ok(String::new());
    }
    let query_active = query.is_some();
    Ok(match format {
        OutputFormat::Json | OutputFormat::Jsonc => to_json(value),
        OutputFormat::Yaml | OutputFormat::Yamlc => to_yaml(value),
        OutputFormat::Tsv => to_tsv(value, query_active),
        OutputFormat::Table => render_table(value, query_active, table)?,
        OutputFormat::None => String::new(),
    })
}

/// knack `format_table`: the transformer only applies when no query is active; keys keep
/// their order whenever a transformer or a query shaped the rows.
fn render_table(
    value: &Value,
    query_active: bool,
    transformer: Option<TableTransformer>,
) -> Result<String, CliError> {
    match transformer.filter(|_| !query_active) {
        Some(transform) => {
            let rows = transform(value).map_err(|()| CliError::validation(TABLE_UNAVAILABLE))?;
            Ok(to_table(&rows, true))
        }
        None => Ok(to_table(value, query_active)),
    }
}
