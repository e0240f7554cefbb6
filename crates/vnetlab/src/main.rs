//! `vnetlab`: Azure virtual networking emulated on one machine.
//!
//! `vnetlab az …` (or this binary invoked as `az`) is the az-compatible CLI on the embedded
//! store; `vnetlab demo` replays a seed lab; the other subcommands are tools around them.

use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod bench;
mod bench_dataplane;
mod bench_serve;
mod bench_verify;
mod demo;
mod scenario;
mod serve;
mod state;
mod verify_cmd;

#[derive(Parser)]
#[command(
    name = "vnetlab",
    version,
    about = "Azure virtual networking, emulated faithfully on one machine."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run an az command against the vnetlab state (same arguments as the real az 2.91).
    #[command(disable_help_flag = true)]
    Az {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Replay a seed lab end to end on a throwaway state, printing each az command and its output.
    Demo {
        /// Which lab: `all`, `seed004` (the AZ-104 global peering lab, verbatim),
        /// `seed004-fixed` (the same lab with non-overlapping address spaces, its pings and
        /// effective routes), `hub-spoke`, `hub-nva`, `gateway-transit` or `dns-peering`
        /// (the data-plane labs of `tests/scenarios/dataplane/`).
        #[arg(default_value = "all")]
        lab: String,
    },
    /// Run scenario files (commands and expected output) and report differences.
    Scenario {
        /// Scenario files to run.
        files: Vec<PathBuf>,
        /// Rewrite the expectations with the actual output.
        #[arg(long)]
        update: bool,
    },
    /// Print where the state lives and how many records it holds.
    State,
    /// Serve the ARM API over HTTPS on the state, for the real az CLI and the Azure SDKs.
    Serve(serve::ServeArgs),
    /// Print the environment and az lines (and a Python SDK snippet) that point the real az
    /// and the SDK at a running `vnetlab serve`.
    Connect(serve::ConnectArgs),
    /// Measure performance (figures for docs/benchmarks.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The verifier: reach, verify, matrix, lint, diff, snapshot, cost.
    #[command(flatten)]
    Verify(verify_cmd::VerifyCommand),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Durable write operations per second, in-process (one transaction per write).
    Writes {
        #[arg(long, default_value_t = 2000)]
        count: u32,
        /// State file (default: a new temporary file, removed afterwards).
        #[arg(long)]
        state: Option<PathBuf>,
        /// Print `ack N` after every committed write (for the crash test).
        #[arg(long)]
        ack: bool,
    },
    /// HTTPS throughput and latency of `vnetlab serve` (and of a trivial handler on the same
    /// stack), measured from this process over loopback.
    Serve(bench_serve::Args),
    /// The data plane at the Azure-limit estate: compile, incremental recompile, verdicts/s.
    Dataplane(bench_dataplane::Args),
    /// The verifier at the Azure-limit estate: the full subnet-level matrix and one `reach`.
    Verify(bench_verify::Args),
    /// Wall time of whole `vnetlab az` processes on a state with many VNets.
    Cli {
        #[arg(long, default_value_t = 1000)]
        vnets: u32,
        #[arg(long, default_value_t = 30)]
        runs: u32,
    },
}

/// mimalloc: size-segregated pages keep the compiled plane's many small parts (classes, tables,
/// `Arc`s) dense instead of scattered among the parse's freed garbage — data-plane verdicts,
/// compile and the verifier run measurably faster with it (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let invoked_as = argv
        .first()
        .map(|a| {
            std::path::Path::new(a)
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_default();
    if invoked_as == "az" || invoked_as == "az.exe" {
        return run_az(&argv[1..]);
    }
    if argv.get(1).map(String::as_str) == Some("az") {
        return run_az(&argv[2..]);
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Az { args } => run_az(&args),
        Command::Demo { lab } => demo::run(&lab),
        Command::Scenario { files, update } => scenario::run_files(&files, update),
        Command::State => state::describe(),
        Command::Serve(args) => serve::serve(args),
        Command::Connect(args) => serve::connect(args),
        Command::Bench(BenchCommand::Serve(args)) => bench_serve::run(args),
        Command::Bench(BenchCommand::Writes { count, state, ack }) => {
            let temp = state.is_none();
            let path = state.unwrap_or_else(bench::default_bench_state);
            let code = bench::writes(&path, count, ack);
            if temp {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            code
        }
        Command::Bench(BenchCommand::Cli { vnets, runs }) => bench::cli(vnets, runs),
        Command::Bench(BenchCommand::Dataplane(args)) => bench_dataplane::run(args),
        Command::Bench(BenchCommand::Verify(args)) => bench_verify::run(args),
        Command::Verify(cmd) => verify_cmd::run(cmd),
    }
}

fn run_az(args: &[String]) -> ExitCode {
    // Remote mode: the same requests, over HTTPS to a `vnetlab serve`.
    let (flag, args) = serve::take_endpoint_flag(args);
    let endpoint = flag.or_else(|| {
        std::env::var("VNETLAB_ENDPOINT")
            .ok()
            .filter(|e| !e.is_empty())
    });
    let client: Box<dyn vnetlab_az::ArmClient> = match endpoint {
        Some(e) => match serve::remote_client(&e) {
            Ok(r) => Box::new(r),
            Err(e) => {
                eprintln!("ERROR: {e}");
                return ExitCode::from(1);
            }
        },
        None => match state::open_default() {
            Ok(a) => Box::new(a),
            Err(e) => {
                eprintln!("ERROR: {e}");
                return ExitCode::from(1);
            }
        },
    };
    let outcome = vnetlab_az::run(args, client.as_ref(), std::io::stdin().is_terminal());
    // Write errors (a closed pipe) are not worth a panic.
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.exit_code.clamp(0, 255) as u8)
}
