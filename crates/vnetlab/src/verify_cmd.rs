//! The verifier's subcommands: `reach`, `verify`, `matrix`, `lint`, `diff`, `snapshot`,
//! `cost`. Thin: load the estate (the state store, or a snapshot file), ask `vnetlab-verify`,
//! print, choose the exit code. Exit codes: 0 the answer is good (reachable, all intents hold,
//! no finding at the threshold, no change); 1 it is not; 2 the question could not be asked.

use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use vnetlab_arm::cx::Rx;
use vnetlab_arm::Store;
use vnetlab_store::SqliteStore;
use vnetlab_verify::{cost, diff, intents, junit, lint, matrix, reach, Verifier};

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// State file (a vnetlab state database, or a `vnetlab snapshot` file). Default: the current
    /// state ($VNETLAB_STATE, else ~/.vnetlab/state.db).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", default_value = "text")]
    pub output: String,
}

#[derive(Args, Debug, Clone)]
pub struct FlowArgs {
    /// Tcp, Udp, Icmp or Any.
    #[arg(long, default_value = "Any")]
    pub protocol: String,
    /// A destination port, a range (1000-2000) or a list (80,443); default all ports.
    #[arg(long)]
    pub port: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum VerifyCommand {
    /// Every flow between two endpoints: the verdict, the path hop by hop, and every blocker
    /// with its fix. Endpoints: vm:RG/NAME, nic:RG/NAME, subnet:RG/VNET/SUBNET, vnet:RG/VNET,
    /// ip:ADDRESS, cidr:PREFIX, onprem:RG/LOCAL_GATEWAY, internet, or a full ARM id.
    Reach {
        from: String,
        to: String,
        #[command(flatten)]
        flow: FlowArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Check the intents declared in a YAML file (exit 0 when all hold, 1 when any fails).
    Verify {
        #[arg(long)]
        intents: PathBuf,
        /// Also write a JUnit XML report here.
        #[arg(long)]
        junit: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// The reachability matrix of the whole estate (exact over all protocols and ports).
    Matrix {
        /// vm, subnet or vnet.
        #[arg(long, default_value = "subnet")]
        level: String,
        #[command(flatten)]
        flow: FlowArgs,
        /// text (table), json or html.
        #[arg(short = 'o', long = "output", default_value = "table")]
        output: String,
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// The classic mistakes: overlaps, one-sided links and transit, appliances without IP
    /// forwarding or forwarded traffic, asymmetric returns, GatewaySubnet, shadowed rules, DNS.
    Lint {
        /// Exit 1 when a finding of this severity or worse exists: error, warning or info.
        #[arg(long, default_value = "error")]
        fail_on: String,
        #[command(flatten)]
        common: Common,
    },
    /// Flows gained and lost between two states, per subnet pair (exit 1 when any changed).
    Diff {
        /// The state before (a state database or a snapshot file).
        #[arg(long)]
        before: PathBuf,
        /// The state after (default: the current state).
        #[arg(long)]
        after: Option<PathBuf>,
        #[arg(short = 'o', long = "output", default_value = "text")]
        output: String,
    },
    /// Save the current state's estate to a file for a later `vnetlab diff --before`.
    Snapshot {
        /// Where to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Monthly peering cost of the traffic declared in a YAML file, along the paths it takes.
    Cost {
        #[arg(long)]
        traffic: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

const SNAPSHOT_FORMAT: &str = "vnetlab-snapshot";

/// The estate's records from a state database (rendered with derived state, as Network
/// Watcher sees them) or from a snapshot file.
pub fn load_records(path: Option<&Path>) -> Result<Vec<serde_json::Value>, String> {
    let path = path
        .map(Path::to_path_buf)
        .unwrap_or_else(crate::state::default_path);
    let bytes =
        std::fs::read(&path).map_err(|e| format!("cannot read state {}: {e}", path.display()))?;
    if !bytes.starts_with(b"SQLite format 3\0") {
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
            format!(
                "{} is neither a vnetlab state database nor a snapshot file",
                path.display()
            )
        })?;
        if v.get("format").and_then(|f| f.as_str()) != Some(SNAPSHOT_FORMAT) {
            return Err(format!(
                "{} is JSON but not a vnetlab snapshot (made by `vnetlab snapshot`)",
                path.display()
            ));
        }
        return Ok(v
            .get("records")
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default());
    }
    let store = SqliteStore::open(&path)
        .map_err(|e| format!("cannot open state {}: {e}", path.display()))?;
    let config = crate::state::config();
    store
        .read(|txn| {
            vnetlab_arm::diagnostics::estate_records(&Rx {
                txn,
                config: &config,
            })
        })
        .map_err(|e| {
            format!(
                "cannot read the estate from {}: {}",
                path.display(),
                e.message
            )
        })
}

fn verifier(path: Option<&Path>) -> Result<Verifier, String> {
    Verifier::new(load_records(path)?)
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("ERROR: {e}");
    ExitCode::from(2)
}

fn print(s: &str) {
    let _ = std::io::stdout().write_all(s.as_bytes());
}

fn print_json(v: &serde_json::Value) {
    print(&format!(
        "{}\n",
        serde_json::to_string_pretty(v).unwrap_or_default()
    ));
}

fn check_output(o: &str, allowed: &[&str]) -> Result<(), String> {
    if allowed.contains(&o) {
        Ok(())
    } else {
        Err(format!(
            "output format '{o}' is not one of {}",
            allowed.join(", ")
        ))
    }
}

fn code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn run(cmd: VerifyCommand) -> ExitCode {
    match run_inner(cmd) {
        Ok(c) => c,
        Err(e) => fail(e),
    }
}

fn run_inner(cmd: VerifyCommand) -> Result<ExitCode, String> {
    match cmd {
        VerifyCommand::Reach {
            from,
            to,
            flow,
            common,
        } => {
            check_output(&common.output, &["text", "json"])?;
            let sel = reach::Selection::parse(Some(&flow.protocol), flow.port.as_deref())?;
            let v = verifier(common.state.as_deref())?;
            let (f, t) = (
                v.endpoint(&from).map_err(|e| format!("FROM: {e}"))?,
                v.endpoint(&to).map_err(|e| format!("TO: {e}"))?,
            );
            let r = reach::reach(&v, &f, &t, &sel);
            if common.output == "json" {
                print_json(&reach::json(&v, &r));
            } else {
                print(&reach::text(&v, &r));
            }
            Ok(code(r.verdict == reach::Verdict::Allowed))
        }
        VerifyCommand::Verify {
            intents: file,
            junit: junit_path,
            common,
        } => {
            check_output(&common.output, &["text", "json"])?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let list = intents::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let v = verifier(common.state.as_deref())?;
            let mut outcomes = Vec::new();
            let mut seconds = Vec::new();
            let deterministic = std::env::var("VNETLAB_DETERMINISTIC").is_ok_and(|x| x == "1");
            for i in &list {
                let t = Instant::now();
                outcomes.extend(intents::check(&v, std::slice::from_ref(i)));
                seconds.push(if deterministic {
                    0.0
                } else {
                    t.elapsed().as_secs_f64()
                });
            }
            if let Some(p) = junit_path {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                std::fs::write(&p, junit::report(&name, &outcomes, &seconds))
                    .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            }
            if common.output == "json" {
                print_json(&intents::json(&v, &outcomes));
            } else {
                print(&intents::text(&outcomes));
            }
            Ok(code(outcomes.iter().all(|o| o.holds)))
        }
        VerifyCommand::Matrix {
            level,
            flow,
            output,
            state,
        } => {
            let output = if output == "text" {
                "table".to_string()
            } else {
                output
            };
            check_output(&output, &["table", "json", "html"])?;
            let level = matrix::Level::parse(&level)?;
            let sel = reach::Selection::parse(Some(&flow.protocol), flow.port.as_deref())?;
            let v = verifier(state.as_deref())?;
            let m = matrix::compute(&v, level, &sel);
            match output.as_str() {
                "json" => print_json(&matrix::json(&m)),
                "html" => print(&matrix::html(&m)),
                _ => print(&matrix::text(&m)),
            }
            Ok(ExitCode::SUCCESS)
        }
        VerifyCommand::Lint { fail_on, common } => {
            check_output(&common.output, &["text", "json"])?;
            let threshold = lint::Severity::parse(&fail_on)?;
            let v = verifier(common.state.as_deref())?;
            let findings = lint::run(&v);
            if common.output == "json" {
                print_json(&lint::json(&findings));
            } else {
                print(&lint::text(&findings));
            }
            Ok(code(findings.iter().all(|f| f.severity < threshold)))
        }
        VerifyCommand::Diff {
            before,
            after,
            output,
        } => {
            check_output(&output, &["text", "json"])?;
            let b = verifier(Some(&before)).map_err(|e| format!("--before: {e}"))?;
            let a = verifier(after.as_deref()).map_err(|e| format!("--after: {e}"))?;
            let sel = reach::Selection::parse(None, None)?;
            let mb = matrix::compute(&b, matrix::Level::Subnet, &sel);
            let ma = matrix::compute(&a, matrix::Level::Subnet, &sel);
            let changes = diff::diff(&mb, &ma);
            if output == "json" {
                print_json(&diff::json(&changes));
            } else {
                print(&diff::text(&changes));
            }
            Ok(code(changes.is_empty()))
        }
        VerifyCommand::Snapshot { out, state } => {
            let records = load_records(state.as_deref())?;
            let n = records.len();
            let doc =
                serde_json::json!({ "format": SNAPSHOT_FORMAT, "version": 1, "records": records });
            let text = format!("{}\n", serde_json::to_string(&doc).unwrap_or_default());
            match out {
                Some(p) => {
                    std::fs::write(&p, text)
                        .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
                    eprintln!("snapshot of {n} records written to {}", p.display());
                }
                None => print(&text),
            }
            Ok(ExitCode::SUCCESS)
        }
        VerifyCommand::Cost { traffic, common } => {
            check_output(&common.output, &["text", "json"])?;
            let text = std::fs::read_to_string(&traffic)
                .map_err(|e| format!("cannot read {}: {e}", traffic.display()))?;
            let demands = cost::parse(&text).map_err(|e| format!("{}: {e}", traffic.display()))?;
            let v = verifier(common.state.as_deref())?;
            let r = cost::estimate(&v, &demands)?;
            if common.output == "json" {
                print_json(&cost::json(&r));
            } else {
                print(&cost::text(&r));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
