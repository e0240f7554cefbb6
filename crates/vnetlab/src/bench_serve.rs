//! `vnetlab bench serve`: HTTPS throughput and latency of `vnetlab serve`, next to a trivial
//! handler on the same HTTP stack, measured in one run. Both servers are child processes on
//! loopback with a throwaway state; the load comes from this process. Every phase is bounded
//! in time and in request count, and the children are stopped (by their PIDs) at the end.

use crate::serve::ChildServer;
use hyper::body::Bytes;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use vnetlab_server::loadgen::{self, MakeRequest, Stats};
use vnetlab_server::remote::{Connector, Endpoint};

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Seconds per phase.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Concurrent connections of the closed-loop phases.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Request rate of the open-loop (latency) phase.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Upper bound on the requests of one phase.
    #[arg(long, default_value_t = 500_000)]
    pub max_requests: u64,
}

const SUB: &str = vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID;

fn vnet_target(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/bench/providers/Microsoft.Network/virtualNetworks/{name}?api-version=2025-07-01")
}

pub fn run(args: Args) -> ExitCode {
    let dir = std::env::temp_dir().join(format!("vnetlab-bench-serve-{}", std::process::id()));
    let result = bench(&args, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ERROR: {e}");
            ExitCode::from(1)
        }
    }
}

fn row(name: &str, s: &Stats) {
    println!(
        "{name:<40} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>7}",
        s.requests,
        s.per_second(),
        s.quantile_ms(0.5),
        s.quantile_ms(0.99),
        s.errors
    );
}

fn bench(args: &Args, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    // The real server first: it generates the certificate the trivial one then reuses.
    let real = ChildServer::start(dir, &[], &[("VNETLAB_LRO", "sync")])?;
    let trivial = ChildServer::start(dir, &["--trivial"], &[("VNETLAB_LRO", "sync")])?;
    let cert: PathBuf = dir.join("tls").join("cert.pem");
    let connector = |endpoint: &str| -> Result<Arc<Connector>, String> {
        Ok(Arc::new(Connector::new(
            Endpoint::parse(endpoint)?,
            std::slice::from_ref(&cert),
        )?))
    };
    let (real_c, trivial_c) = (connector(&real.endpoint)?, connector(&trivial.endpoint)?);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let phase = Duration::from_secs(args.seconds);
    rt.block_on(async {
        setup(&real_c).await?;
        let get: MakeRequest = Arc::new(|_| ("GET", vnet_target("target"), None));
        let get_group: MakeRequest = Arc::new(|_| {
            ("GET", format!("/subscriptions/{SUB}/resourceGroups/bench?api-version=2024-11-01"), None)
        });
        let put: MakeRequest = Arc::new(|n| {
            let body = json!({"location": "eastus", "properties": {
                "addressSpace": {"addressPrefixes": [format!("10.{}.{}.0/24", (n >> 8) & 0xff, n & 0xff)]}}});
            ("PUT", vnet_target(&format!("put-{n}")), Some(Bytes::from(body.to_string())))
        });
        // Other work on the machine moves these figures: say how busy it was.
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().map(str::to_string))
            .unwrap_or_else(|| "?".into());
        println!(
            "vnetlab serve over HTTPS on loopback (TLS, HTTP/1.1 keep-alive); load from a second process;\n\
             {} connections in the closed loops, {} s per phase, {} cores, load average {load} before the run\n",
            args.connections,
            args.seconds,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!(
            "{:<40} {:>9} {:>10} {:>8} {:>8} {:>7}",
            "phase", "requests", "req/s", "p50 ms", "p99 ms", "errors"
        );
        let closed = |c: &Arc<Connector>, m: &MakeRequest| {
            loadgen::closed_loop(c.clone(), args.connections, phase, args.max_requests, m.clone())
        };
        let g_group = closed(&real_c, &get_group).await?;
        row("GET group, vnetlab serve (closed loop)", &g_group);
        let g_real = closed(&real_c, &get).await?;
        row("GET VNet, vnetlab serve (closed loop)", &g_real);
        let g_triv = closed(&trivial_c, &get).await?;
        row("GET, trivial handler (closed loop)", &g_triv);
        let p_real = closed(&real_c, &put).await?;
        row("PUT VNet, vnetlab serve (closed loop)", &p_real);
        let p_triv = closed(&trivial_c, &put).await?;
        row("PUT, trivial handler (closed loop)", &p_triv);
        let open = |c: &Arc<Connector>| {
            loadgen::open_loop(c.clone(), args.connections, args.rate, phase, get.clone())
        };
        let o_real = open(&real_c).await?;
        row(&format!("GET VNet at {} req/s, vnetlab serve", args.rate), &o_real);
        let o_triv = open(&trivial_c).await?;
        row(&format!("GET at {} req/s, trivial handler", args.rate), &o_triv);
        println!(
            "\nthroughput vnetlab/trivial: GET group {:.2}x, GET VNet {:.2}x, PUT VNet {:.2}x (durable: one fsync each)",
            g_group.per_second() / g_triv.per_second(),
            g_real.per_second() / g_triv.per_second(),
            p_real.per_second() / p_triv.per_second()
        );
        Ok::<(), String>(())
    })?;
    drop(real);
    drop(trivial);
    Ok(())
}

/// The GET target: a VNet with three subnets in group `bench`.
async fn setup(c: &Arc<Connector>) -> Result<(), String> {
    let mut conn = c.connect().await?;
    let auth = [("authorization", "Bearer vnetlab-bench")];
    let rg = format!("/subscriptions/{SUB}/resourceGroups/bench?api-version=2024-11-01");
    let body = |v: serde_json::Value| Some(Bytes::from(v.to_string()));
    let a = conn
        .request("PUT", &rg, &auth, body(json!({"location": "eastus"})))
        .await?;
    let subnets: Vec<_> = (0..3)
        .map(|i| json!({"name": format!("s{i}"), "properties": {"addressPrefix": format!("10.200.{i}.0/24")}}))
        .collect();
    let b = conn
        .request(
            "PUT",
            &vnet_target("target"),
            &auth,
            body(json!({"location": "eastus", "properties": {
                "addressSpace": {"addressPrefixes": ["10.200.0.0/16"]}, "subnets": subnets}})),
        )
        .await?;
    if a.status >= 300 || b.status >= 300 {
        return Err(format!("setup failed: {} {}", a.status, b.status));
    }
    Ok(())
}
