//! `vnetlab bench …`: the performance figures of docs/benchmarks.md, measured the way a user
//! meets them (whole processes for the CLI, durable commits for the store).

use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};
use vnetlab_arm::{Arm, ArmRequest, Config};
use vnetlab_store::SqliteStore;

const SUB: &str = vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID;

fn rg_path(rg: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{rg}")
}

fn vnet_path(rg: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Network/virtualNetworks/{name}",
        rg_path(rg)
    )
}

/// The i-th /24 of 10.0.0.0/8 (unique up to 65,536 VNets).
fn vnet_body(i: u32, location: &str) -> serde_json::Value {
    json!({ "location": location, "properties": { "addressSpace": { "addressPrefixes": [format!("10.{}.{}.0/24", (i >> 8) & 0xff, i & 0xff)] },
        "subnets": [{ "name": "default", "properties": { "addressPrefix": format!("10.{}.{}.0/26", (i >> 8) & 0xff, i & 0xff) } }] } })
}

fn open(path: &Path) -> Result<Arm<SqliteStore>, String> {
    Ok(Arm::new(
        SqliteStore::open(path).map_err(|e| e.to_string())?,
        Config::default(),
    ))
}

fn must(arm: &Arm<SqliteStore>, req: ArmRequest) -> Result<(), String> {
    let resp = arm.handle(&req);
    if resp.is_success() {
        Ok(())
    } else {
        Err(format!("{} {}: {:?}", req.path, resp.status, resp.body))
    }
}

/// Durable writes: `count` VNet PUTs, each its own committed transaction. With `ack`, prints
/// `ack N` after each commit (the crash test kills the process mid-burst and checks them).
pub fn writes(path: &Path, count: u32, ack: bool) -> ExitCode {
    let run = || -> Result<f64, String> {
        let arm = open(path)?;
        must(
            &arm,
            ArmRequest::put(rg_path("bench"), json!({ "location": "eastus" })),
        )?;
        let mut out = std::io::stdout().lock();
        let start = Instant::now();
        for i in 0..count {
            must(
                &arm,
                ArmRequest::put(vnet_path("bench", &format!("w{i}")), vnet_body(i, "eastus")),
            )?;
            if ack {
                writeln!(out, "ack {i}")
                    .and_then(|_| out.flush())
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(f64::from(count) / start.elapsed().as_secs_f64())
    };
    match run() {
        Ok(rate) => {
            if !ack {
                println!("durable write operations (VNet PUT, one SQLite transaction each, synchronous=FULL): {count} in-process, {rate:.0} ops/s");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ERROR: {e}");
            ExitCode::from(1)
        }
    }
}

/// Wall time of whole `vnetlab az …` processes on a state holding `vnets` VNets.
pub fn cli(vnets: u32, runs: u32) -> ExitCode {
    match cli_inner(vnets, runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ERROR: {e}");
            ExitCode::from(1)
        }
    }
}

fn cli_inner(vnets: u32, runs: u32) -> Result<(), String> {
    let dir = crate::scenario::TempDir::new()?;
    let db = dir.path.join("state.db");
    let start = Instant::now();
    {
        let arm = open(&db)?;
        must(
            &arm,
            ArmRequest::put(rg_path("bench"), json!({ "location": "eastus" })),
        )?;
        for i in 0..vnets {
            must(
                &arm,
                ArmRequest::put(vnet_path("bench", &format!("v{i}")), vnet_body(i, "eastus")),
            )?;
        }
        // A Connected pair to show.
        let p = |a: u32, b: u32| {
            ArmRequest::put(
                format!(
                    "{}/virtualNetworkPeerings/p{a}-{b}",
                    vnet_path("bench", &format!("v{a}"))
                ),
                json!({ "properties": { "remoteVirtualNetwork": { "id": vnet_path("bench", &format!("v{b}")) }, "allowVirtualNetworkAccess": true } }),
            )
        };
        must(&arm, p(0, 1))?;
        must(&arm, p(1, 0))?;
    }
    println!(
        "state: {vnets} VNets ({} s to build in-process)",
        start.elapsed().as_secs()
    );
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let time = |args: Vec<String>| -> Result<Duration, String> {
        let t = Instant::now();
        let status = Command::new(&exe)
            .arg("az")
            .args(&args)
            .env("VNETLAB_STATE", &db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        let d = t.elapsed();
        if !status.success() {
            return Err(format!("az {} failed: {status}", args.join(" ")));
        }
        Ok(d)
    };
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let mut show = Vec::new();
    for _ in 0..runs {
        show.push(time(words(
            "network vnet peering show -g bench --vnet-name v0 -n p0-1",
        ))?);
    }
    let mut create = Vec::new();
    for i in 0..runs {
        // Each create peers a fresh pair (v2i+2 → v2i+3), the first link of a new peering.
        let (a, b) = (2 * i + 2, 2 * i + 3);
        if b >= vnets {
            break;
        }
        create.push(time(words(&format!(
            "network vnet peering create -g bench --vnet-name v{a} -n p{a}-{b} --remote-vnet v{b} --allow-vnet-access"
        )))?);
    }
    report("vnetlab az network vnet peering show  ", &mut show);
    report("vnetlab az network vnet peering create", &mut create);
    Ok(())
}

fn report(label: &str, samples: &mut [Duration]) {
    samples.sort();
    if samples.is_empty() {
        return;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(samples[samples.len() / 2]);
    let p90 = ms(samples[(samples.len() * 9 / 10).min(samples.len() - 1)]);
    println!(
        "{label}: median {median:.1} ms, p90 {p90:.1} ms, min {:.1} ms over {} processes",
        ms(samples[0]),
        samples.len()
    );
}

/// The default state path, for `bench writes` without `--state`.
pub fn default_bench_state() -> PathBuf {
    std::env::temp_dir().join(format!("vnetlab-bench-{}.db", std::process::id()))
}
