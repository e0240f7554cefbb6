//! `vnetlab bench verify`: the verifier's figures at the Azure-limit estate
//! (docs/benchmarks.md): the full subnet-level reachability matrix over every protocol and
//! port, a single `reach` query (median), and the memory the process used.

use std::process::ExitCode;
use std::time::Instant;
use vnetlab_dataplane::generate::{generate, Params};
use vnetlab_verify::{matrix, reach, Verifier};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Spoke VNets (the estate has 2 hubs more).
    #[arg(long, default_value_t = 998)]
    pub spokes: usize,
    #[arg(long, default_value_t = 10_000)]
    pub nics: usize,
    #[arg(long, default_value_t = 100)]
    pub nsgs: usize,
    #[arg(long, default_value_t = 1000)]
    pub rules_per_nsg: usize,
    #[arg(long, default_value_t = 100)]
    pub route_tables: usize,
    #[arg(long, default_value_t = 400)]
    pub udrs_per_table: usize,
    /// Skip the matrix (seconds at the limit, and most of the memory beyond the estate's).
    #[arg(long)]
    pub no_matrix: bool,
    /// `reach` queries to time (the median is printed).
    #[arg(long, default_value_t = 101)]
    pub queries: usize,
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time this process has used (user + system, all threads), in seconds: a figure a shared
/// machine's load does not inflate the way it inflates wall time. Linux `/proc/self/stat`,
/// in clock ticks of 1/100 s.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The load average over the last minute (`/proc/loadavg`), to say how shared the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn mib(x: Option<f64>) -> String {
    x.map(|m| format!("{m:.0} MiB"))
        .unwrap_or_else(|| "unknown".into())
}

pub fn run(a: Args) -> ExitCode {
    let params = Params {
        hub_and_spoke: true,
        hubs: 2,
        spokes: a.spokes,
        nics: a.nics,
        nsgs: a.nsgs,
        rules_per_nsg: a.rules_per_nsg,
        route_tables: a.route_tables,
        udrs_per_table: a.udrs_per_table,
        gateways: true,
        seed: 42,
    };
    let t = Instant::now();
    let records = generate(&params, &mut |_, _| {});
    let n_records = records.len();
    let v = match Verifier::new(records) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("ERROR: {e}");
            return ExitCode::from(1);
        }
    };
    let load_s = t.elapsed().as_secs_f64();
    println!(
        "estate: {} VNets, {} subnets, {} NICs ({n_records} ARM records); generated, modelled and compiled in {load_s:.2} s; memory so far {}",
        v.inv.vnets.len(),
        v.inv.subnets.len(),
        v.inv.nics.len(),
        mib(peak_rss_mib())
    );
    let sel = match reach::Selection::parse(None, None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ERROR: {e}");
            return ExitCode::from(1);
        }
    };
    if a.no_matrix {
        println!("subnet-level matrix: skipped (--no-matrix)");
    }
    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let m = if a.no_matrix {
        matrix::Matrix {
            level: matrix::Level::Subnet,
            selection: sel.clone(),
            groups: Vec::new(),
            cells: Vec::new(),
        }
    } else {
        matrix::compute(&v, matrix::Level::Subnet, &sel)
    };
    let matrix_s = t.elapsed().as_secs_f64();
    let matrix_cpu = match (cpu0, cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:.2} s", b - a),
        _ => "unknown".into(),
    };
    let n = m.groups.len();
    let reachable = m.cells.iter().filter(|c| !c.some.is_empty()).count();
    let pairs: usize = m.cells.iter().map(|c| c.pairs).sum();
    if !a.no_matrix {
        println!(
        "subnet-level matrix, all protocols and ports: {n}×{n} subnets with NICs ({pairs} NIC pairs; {reachable} cells with some delivered flow) in {matrix_s:.2} s (target ≤ 10 s; CPU {matrix_cpu} on {} threads; load average {}); peak memory {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_average(),
        mib(peak_rss_mib())
    );
    }
    let t = Instant::now();
    let findings = vnetlab_verify::lint::run(&v);
    println!(
        "lint: {} findings in {:.2} s ({} shadowed NSG rules); peak memory {}",
        findings.len(),
        t.elapsed().as_secs_f64(),
        findings
            .iter()
            .filter(|f| f.code == "nsg-rule-shadowed")
            .count(),
        mib(peak_rss_mib())
    );
    // One reach query between two NICs of different spokes, repeated.
    let (Some(src), Some(dst)) = (
        v.inv.nics.iter().find(|n| n.name.starts_with("spoke0-")),
        v.inv.nics.iter().find(|n| n.name.starts_with("spoke7-")),
    ) else {
        eprintln!("ERROR: the estate has no spoke0/spoke7 NICs (use --spokes ≥ 8)");
        return ExitCode::from(1);
    };
    let (from, to) = match (
        v.endpoint(&format!("nic:bench/{}", src.name)),
        v.endpoint(&format!("nic:bench/{}", dst.name)),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        _ => {
            eprintln!("ERROR: cannot resolve the benchmark NICs");
            return ExitCode::from(1);
        }
    };
    let tcp = match reach::Selection::parse(Some("Tcp"), Some("5432")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("ERROR: {e}");
            return ExitCode::from(1);
        }
    };
    for (what, selection) in [("Tcp 5432", &tcp), ("all protocols and ports", &sel)] {
        let mut times = Vec::with_capacity(a.queries.max(1));
        let mut verdict = reach::Verdict::Empty;
        let mut blockers = 0;
        for _ in 0..a.queries.max(1) {
            let t = Instant::now();
            let r = reach::reach(&v, &from, &to, selection);
            times.push(t.elapsed().as_secs_f64());
            verdict = r.verdict;
            blockers = r.blockers.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "reach {} → {} ({what}, every blocker): {:.2} ms median of {} (target ≤ 10 ms), verdict {}, {blockers} blockers; peak memory {}",
            src.name,
            dst.name,
            times[times.len() / 2] * 1000.0,
            times.len(),
            verdict.name(),
            mib(peak_rss_mib())
        );
    }
    ExitCode::SUCCESS
}
