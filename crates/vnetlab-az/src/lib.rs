//! An `az`-compatible front end for vnetlab.
//!
//! The pipeline mirrors azure-cli 2.91's own: `args` turns argv into a command and its
//! parsed arguments (argparse semantics, knack's help), `commands` turns those into ARM
//! requests sent to an [`vnetlab_arm`] router (in-process or remote), and `output`
//! prints the result exactly as az would (`-o json|jsonc|yaml|yamlc|table|tsv|none`,
//! `--query`).

pub mod args;
pub mod error;
pub mod output;

pub use error::CliError;
