//! `--query`: knack's `CLIQuery.jmespath_type` (compile at parse time) and the query
//! filter azure-cli runs on the command result before formatting it.
//!
//! This is python-jmespath 1.1 (the library az runs) ported to Rust: its lexer, its Pratt
//! parser (which differs from other JMESPath implementations in places, e.g.
//! `foo.*.bar.baz`), its interpreter and its functions. So `{Name: name, Prefix:
//! addressPrefix}` keeps its key order (Python evaluates with `dict_cls=OrderedDict`),
//! `length(@)` is the integer `3`, Python's deprecated unquoted literals
//! (`` [?name==`vm1`] ``) are strings, and runtime errors carry Python's messages
//! (`Expected 1 argument for function length(), received 2`).
//!
//! Key order contract of [`Query::search`]: objects taken from the input come back with
//! sorted keys (they are plain `dict`s in Python, which `-o tsv` prints in sorted-key
//! order), objects built by a multiselect hash keep the order the query wrote them in
//! (Python `OrderedDict`s, which `-o tsv` prints in that order). `merge()` results and
//! object literals keep their insertion order, as Python's plain dicts do for `-o table`,
//! `keys()` and `to_string()`; `-o tsv` therefore prints them in that order where az
//! would sort them — a known difference. Another one: python-jmespath prints a
//! multiselect hash inside an error message as `OrderedDict(...)`; we print `{...}`.

mod ast;
mod eval;
mod functions;
mod lexer;
mod parser;
mod values;

use serde_json::Value;

use super::pyfmt::repr_str;
use crate::error::CliError;
use ast::Node;

/// azure-cli's `QUERY_REFERENCE` recommendation, printed after every `--query` error.
const QUERY_HELP: &str = "To learn more about --query, please visit: 'https://learn.microsoft.com/cli/azure/query-azure-cli'";

/// Longest expression accepted, in tokens. Left-nested chains (`a.b.c…`, `a || b || …`)
/// make the evaluator recurse once per token; real queries have a few dozen.
const MAX_TOKENS: usize = 1000;

/// A runtime failure while evaluating a query; the text is python-jmespath's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryError(pub String);

/// A compiled `--query` JMESPath expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    expression: String,
    root: Node,
}

impl Query {
    /// Compiles `expr` as az does while parsing arguments. A syntax error is argparse's
    /// `invalid jmespath_type value` (exit 2).
    pub fn compile(expr: &str) -> Result<Query, CliError> {
        let invalid = || {
            CliError::raw(
                2,
                format!(
                    "ERROR: argument --query: invalid jmespath_type value: {}\n{QUERY_HELP}\n",
                    repr_str(expr)
                ),
            )
        };
        let tokens = lexer::tokenize(expr).map_err(|_| invalid())?;
        if tokens.len() > MAX_TOKENS {
            return Err(invalid());
        }
        let root = parser::parse(&tokens).map_err(|_| invalid())?;
        Ok(Query {
            expression: expr.to_owned(),
            root,
        })
    }

    /// The expression as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.expression
    }

    /// Runs the query on a command result. A runtime error (wrong argument count or type,
    /// unknown function) is `InvalidArgumentValueError` (exit 1).
    pub fn search(&self, value: &Value) -> Result<Value, CliError> {
        let mut data = value.clone();
        data.sort_all_objects();
        eval::eval(&self.root, &data).map_err(|QueryError(message)| {
            CliError::raw(1, format!("ERROR: Invalid jmespath query supplied for `--query`: {message}\n{QUERY_HELP}\n"))
        })
    }
}
