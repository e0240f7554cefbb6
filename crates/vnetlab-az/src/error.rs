//! The one error type of the az front end: what goes to stderr, and the exit code.
//!
//! az's exit codes (azure-cli `util.py::handle_exception`): 0 ok, 1 generic error
//! (HTTP 4xx/5xx except 404, CLI validation), 2 argument/parse errors, 3 not found.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// Exit code of the process.
    pub exit_code: i32,
    /// Exactly what is printed on stderr (including `ERROR: ` prefixes and the trailing newline).
    pub stderr: String,
}

impl CliError {
    /// An argparse-level error (exit 2): `ERROR: {message}`.
    pub fn usage(message: impl AsRef<str>) -> Self {
        CliError {
            exit_code: 2,
            stderr: format!("ERROR: {}\n", message.as_ref()),
        }
    }

    /// A CLI validation error (`CLIError`/`InvalidArgumentValueError`, exit 1): `ERROR: {message}`.
    pub fn validation(message: impl AsRef<str>) -> Self {
        CliError {
            exit_code: 1,
            stderr: format!("ERROR: {}\n", message.as_ref()),
        }
    }

    /// A CLI-raised `ResourceNotFoundError` (exit 3).
    pub fn not_found(message: impl AsRef<str>) -> Self {
        CliError {
            exit_code: 3,
            stderr: format!("ERROR: {}\n", message.as_ref()),
        }
    }

    /// An error with a fully pre-formatted stderr text.
    pub fn raw(exit_code: i32, stderr: impl Into<String>) -> Self {
        CliError {
            exit_code,
            stderr: stderr.into(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.stderr.trim_end())
    }
}

impl std::error::Error for CliError {}
