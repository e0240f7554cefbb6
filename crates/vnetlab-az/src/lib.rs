//! An `az`-compatible front end for vnetlab.
//!
//! The pipeline mirrors azure-cli 2.91's own: `args` turns argv into a command and its
//! parsed arguments (argparse semantics, knack's help), `commands` turns those into ARM
//! requests sent through a [`client::ArmClient`] (the in-process router, or a remote
//! server), `shape` gives the result az's printed shape, and `output` prints it exactly as
//! az would (`-o json|jsonc|yaml|yamlc|table|tsv|none`, `--query`). [`run::run`] is the
//! whole pipeline.

pub mod args;
pub mod client;
pub mod commands;
pub mod error;
pub mod output;
pub mod run;
pub mod shape;

pub use client::ArmClient;
pub use error::CliError;
pub use run::{run, Outcome};
