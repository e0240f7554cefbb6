//! One `az` invocation end to end: parse, run the command against a client, shape and
//! print — returning exactly what az would write to stdout and stderr, and its exit code.

use crate::args::{self, Invocation};
use crate::client::ArmClient;
use crate::commands::{self, Ctx, Shape};
use crate::error::CliError;
use crate::output::{self, OutputFormat, Query};
use crate::shape;

/// What the process prints and returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl Outcome {
    fn failed(e: CliError, warnings: String) -> Self {
        Outcome {
            stdout: String::new(),
            stderr: warnings + &e.stderr,
            exit_code: e.exit_code,
        }
    }
}

/// Runs `az <argv>` (argv without the leading `az`).
pub fn run(argv: &[String], client: &dyn ArmClient, interactive: bool) -> Outcome {
    let (command, parsed) = match args::parse(argv) {
        Ok(Invocation::Help(text)) => {
            return Outcome {
                stdout: text,
                stderr: String::new(),
                exit_code: 0,
            }
        }
        Ok(Invocation::Run { command, args }) => (command, args),
        Err(e) => return Outcome::failed(e, String::new()),
    };
    let name = command.name.as_str();
    let Some(implementation) = commands::find(name) else {
        return Outcome::failed(
            CliError::validation(format!("'az {name}' is not supported by vnetlab yet.")),
            String::new(),
        );
    };
    let format = parsed
        .globals
        .output
        .as_deref()
        .and_then(OutputFormat::parse)
        .unwrap_or(OutputFormat::Json);
    let query = match parsed
        .globals
        .query
        .as_deref()
        .map(Query::compile)
        .transpose()
    {
        Ok(q) => q,
        Err(e) => return Outcome::failed(e, String::new()),
    };
    if let Some(sub) = parsed.globals.subscription.as_deref() {
        let known = sub.eq_ignore_ascii_case(&client.subscription_id())
            || sub.eq_ignore_ascii_case(&client.subscription_name());
        if !known {
            return Outcome::failed(
                CliError::raw(
                    1,
                    format!(
                        "WARNING: Subscription '{sub}' not recognized.\nERROR: Subscription '{sub}' not found. Check the spelling and casing and try again.\n"
                    ),
                ),
                String::new(),
            );
        }
    }
    let mut ctx = Ctx {
        client,
        args: &parsed,
        command: name,
        warnings: Vec::new(),
        interactive,
    };
    let result = (implementation.handler)(&mut ctx);
    let warnings: String = if parsed.globals.only_show_errors {
        String::new()
    } else {
        ctx.warnings
            .iter()
            .map(|w| format!("WARNING: {w}\n"))
            .collect()
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => return Outcome::failed(e, warnings),
    };
    // `--no-wait` (an AAZ bool or a knack switch): the operation runs, az prints nothing.
    if parsed.bool("no_wait") == Some(true) {
        return Outcome {
            stdout: String::new(),
            stderr: warnings,
            exit_code: 0,
        };
    }
    let shaped = match implementation.shape {
        Shape::Aaz => shape::aaz(&result),
        Shape::Sdk => shape::sdk(&result),
    };
    match output::render(&shaped, format, query.as_ref(), implementation.table) {
        Ok(stdout) => Outcome {
            stdout,
            stderr: warnings,
            exit_code: 0,
        },
        Err(e) => Outcome::failed(e, warnings),
    }
}
