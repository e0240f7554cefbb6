//! `vnetlab bench dataplane`: the data plane's figures at the Azure-limit estate
//! (docs/benchmarks.md): compile time, incremental recompile after one UDR change, flow
//! verdicts per second on one core (uncached — one at a time and in bursts — and through the flow
//! cache), and a verdict's cost relative to a bare longest-prefix-match lookup over the same
//! prefixes in the same run, like for like (one at a time against one at a time, bursts against
//! bursts with the same lockstep searches).

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::Instant;
use vnetlab_dataplane::generate::{generate, Params, Rng};
use vnetlab_dataplane::{
    DataPlane, Estate, FastFlow, FastVerdict, FlowCache, NicHandle, Protocol, LANES,
};

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
    /// Full mesh instead of hub and spoke (use far fewer VNets: every pair is peered).
    #[arg(long)]
    pub mesh: bool,
    /// Flows per measurement.
    #[arg(long, default_value_t = 2_000_000)]
    pub flows: usize,
    /// Rounds of the uncached measurements (figures are medians).
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
}

struct Probe {
    nic: NicHandle,
    proto: Protocol,
    src: Ipv4Addr,
    sport: u16,
    dst: Ipv4Addr,
    dport: u16,
}

fn probes(dp: &DataPlane, n: usize, seed: u64) -> Vec<Probe> {
    let mut rng = Rng::new(seed);
    let count = dp.nic_count();
    let handles: Vec<(NicHandle, Ipv4Addr)> = (0..count)
        .filter_map(|i| {
            let h = dp.nic_handle_at(i)?;
            Some((h, dp.nic_address(h)?))
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    if handles.is_empty() {
        return out;
    }
    for _ in 0..n {
        let i = rng.below(handles.len() as u64) as usize;
        let (nic, src) = handles[i];
        // A mix: the next NIC (same VNet), any NIC (another spoke, through the hub), the
        // hub appliances and on-premises, the Internet.
        let dst = match rng.below(10) {
            0..=3 => handles[(i ^ 1).min(handles.len() - 1)].1,
            4..=6 => handles[rng.below(handles.len() as u64) as usize].1,
            7 => Ipv4Addr::new(10, rng.below(2) as u8, 1, 4),
            8 => Ipv4Addr::new(192, 168, rng.below(2) as u8, rng.below(250) as u8),
            _ => Ipv4Addr::from(rng.next_u64() as u32),
        };
        let proto =
            [Protocol::Tcp, Protocol::Tcp, Protocol::Udp, Protocol::Icmp][rng.below(4) as usize];
        let dport = [22, 80, 443, 53, 8080, (1 + rng.below(65000)) as u16][rng.below(6) as usize];
        out.push(Probe {
            nic,
            proto,
            src,
            sport: 1024 + rng.below(60000) as u16,
            dst,
            dport,
        });
    }
    out
}

fn per_sec(n: usize, secs: f64) -> f64 {
    n as f64 / secs.max(1e-9)
}

pub fn run(a: Args) -> ExitCode {
    let params = Params {
        hub_and_spoke: !a.mesh,
        hubs: 2,
        spokes: a.spokes,
        nics: a.nics,
        nsgs: a.nsgs,
        rules_per_nsg: a.rules_per_nsg,
        route_tables: a.route_tables,
        udrs_per_table: a.udrs_per_table,
        gateways: !a.mesh,
        seed: 42,
    };
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("generating estate {bar:40} {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let t = Instant::now();
    let mut records = generate(&params, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let gen_s = t.elapsed().as_secs_f64();
    let input = records.clone();
    let t = Instant::now();
    let estate = match Estate::from_records(input) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ERROR: {}", e.0);
            return ExitCode::from(1);
        }
    };
    let parse_s = t.elapsed().as_secs_f64();
    let s = estate.stats();
    println!(
        "estate: {} VNets, {} subnets, {} peering links, {} NICs, {} VMs, {} NSGs with {} custom rules, {} route tables with {} UDRs ({} ARM records; generated in {:.2} s, from_records {:.2} s)",
        s.vnets, s.subnets, s.peering_links, s.nics, s.vms, s.nsgs, s.security_rules, s.route_tables, s.routes, records.len(), gen_s, parse_s
    );

    let t = Instant::now();
    let mut dp = DataPlane::compile(&estate);
    let compile_s = t.elapsed().as_secs_f64();
    println!("compile (effective routes as LPM tables for every subnet, NSG layers for every NIC): {:.0} ms (target ≤ 2,000 ms)", compile_s * 1000.0);

    // One UDR change: re-point a route of a table used by ten spokes.
    let Some(route) = records.iter_mut().find(|r| {
        r["id"]
            .as_str()
            .is_some_and(|i| i.ends_with("/routeTables/rt3/routes/u17"))
    }) else {
        eprintln!(
            "ERROR: the estate has no route rt3/u17 (use --route-tables ≥ 4 --udrs-per-table ≥ 18)"
        );
        return ExitCode::from(1);
    };
    route["properties"] = json!({ "addressPrefix": "10.20.0.0/24", "nextHopType": "None" });
    let changed = vec![route["id"].as_str().unwrap_or_default().to_string()];
    let t = Instant::now();
    let after = match Estate::from_records(records) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("ERROR: {}", e.0);
            return ExitCode::from(1);
        }
    };
    let reparse_s = t.elapsed().as_secs_f64();
    let mut times = Vec::new();
    for _ in 0..5 {
        let mut d = dp.clone();
        let t = Instant::now();
        d.recompile(&after, &changed);
        times.push(t.elapsed().as_secs_f64());
        dp = d;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "incremental recompile after one UDR change: {:.2} ms median of 5 (target ≤ 10 ms; re-reading the records into an Estate took {:.0} ms more)",
        times[2] * 1000.0,
        reparse_s * 1000.0
    );

    let n = a.flows.max(1000);
    let ps = probes(&dp, n, 7);
    let queries: Vec<(NicHandle, Ipv4Addr)> = ps.iter().map(|p| (p.nic, p.dst)).collect();
    let flows: Vec<FastFlow> = ps
        .iter()
        .map(|p| FastFlow {
            nic: p.nic,
            protocol: p.proto,
            src: p.src,
            src_port: p.sport,
            dst: p.dst,
            dst_port: p.dport,
        })
        .collect();
    // The four uncached measurements over the same flows, interleaved in rounds so that a
    // noisy moment on a shared machine touches all of them; each figure is the median of its
    // rounds, each ratio the median of its rounds' ratios.
    let mut hits = vec![None; n];
    let mut single = vec![FastVerdict::Dropped; n];
    let mut burst = vec![FastVerdict::Dropped; n];
    let mut rounds_ns: Vec<[f64; 4]> = Vec::new();
    for _ in 0..a.rounds.max(1) {
        let mut acc = 0u64;
        let t = Instant::now();
        for q in &queries {
            acc = acc.wrapping_add(u64::from(black_box(dp.lpm_lookup(q.0, q.1)).unwrap_or(0)));
        }
        let lpm = t.elapsed().as_secs_f64();
        black_box(acc);
        let t = Instant::now();
        dp.lpm_lookups(black_box(&queries), &mut hits);
        let lpm_burst = t.elapsed().as_secs_f64();
        let t = Instant::now();
        for (p, o) in ps.iter().zip(single.iter_mut()) {
            *o = black_box(dp.fast_verdict(p.nic, p.proto, p.src, p.sport, p.dst, p.dport));
        }
        let one = t.elapsed().as_secs_f64();
        let t = Instant::now();
        dp.fast_verdicts(black_box(&flows), &mut burst);
        let many = t.elapsed().as_secs_f64();
        rounds_ns.push([lpm, lpm_burst, one, many].map(|s| s * 1e9 / n as f64));
    }
    let lpm_wrong = queries
        .iter()
        .zip(&hits)
        .filter(|(q, h)| dp.lpm_lookup(q.0, q.1) != **h)
        .count();
    let verdict_wrong = single.iter().zip(&burst).filter(|(a, b)| a != b).count();
    if lpm_wrong + verdict_wrong > 0 {
        eprintln!("ERROR: burst answers differ from one-at-a-time answers ({lpm_wrong} LPM lookups, {verdict_wrong} verdicts)");
        return ExitCode::from(1);
    }
    let delivered = single
        .iter()
        .filter(|v| **v == FastVerdict::Delivered)
        .count();
    let median = |f: &dyn Fn(&[f64; 4]) -> f64| {
        let mut v: Vec<f64> = rounds_ns.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let [lpm_ns, lpm_burst_ns, cold_ns, burst_ns] = [0, 1, 2, 3].map(|i| median(&|r| r[i]));
    let cold_ratio = median(&|r| r[2] / r[0].max(1e-9));
    let burst_ratio = median(&|r| r[3] / r[1].max(1e-9));
    let burst_to_one = median(&|r| r[3] / r[0].max(1e-9));
    let rounds = rounds_ns.len();
    let per_s = |ns: f64| 1e9 / ns.max(1e-9);
    println!("bare LPM lookup, {n} distinct flows (each source NIC's subnet table, same destinations), one at a time: {:.0} lookups/s ({lpm_ns:.1} ns each, median of {rounds} rounds)", per_s(lpm_ns));
    println!("bare LPM lookup, the same, in bursts of {LANES} (searches in lockstep): {:.0} lookups/s ({lpm_burst_ns:.1} ns each)", per_s(lpm_burst_ns));
    println!(
        "flow verdicts, uncached, one at a time (outbound NSGs + route + inbound NSGs, {n} distinct flows, {:.0}% delivered): {:.0}/s ({cold_ns:.1} ns each, {cold_ratio:.1}× a bare LPM lookup one at a time)",
        100.0 * delivered as f64 / n as f64,
        per_s(cold_ns),
    );
    println!(
        "flow verdicts, uncached, in bursts of {LANES} (same flows, same answers): {:.0}/s ({burst_ns:.1} ns each, {burst_ratio:.1}× a bare LPM lookup in bursts, {burst_to_one:.1}× one at a time) (targets ≥ 1,000,000/s and ≤ 5×)",
        per_s(burst_ns),
    );
    let mut acc = 0u64;
    // Cached: a working set of 50,000 flows seen over and over (established connections).
    let working = &ps[..ps.len().min(50_000)];
    let mut cache = FlowCache::new(1 << 20);
    for p in working {
        dp.cached_verdict(&mut cache, p.nic, p.proto, p.src, p.sport, p.dst, p.dport);
    }
    let rounds = (n / working.len()).max(1);
    let t = Instant::now();
    for _ in 0..rounds {
        for p in working {
            acc = acc.wrapping_add(u64::from(
                black_box(dp.lpm_lookup(p.nic, p.dst)).unwrap_or(0),
            ));
        }
    }
    let lpm_warm_s = t.elapsed().as_secs_f64();
    black_box(acc);
    let t = Instant::now();
    for _ in 0..rounds {
        for p in working {
            black_box(
                dp.cached_verdict(&mut cache, p.nic, p.proto, p.src, p.sport, p.dst, p.dport),
            );
        }
    }
    let warm_s = t.elapsed().as_secs_f64();
    let warm_n = rounds * working.len();
    let lpm_warm_ns = lpm_warm_s * 1e9 / warm_n as f64;
    let warm_ns = warm_s * 1e9 / warm_n as f64;
    println!("bare LPM lookup, the {}-flow working set below: {:.0} lookups/s ({lpm_warm_ns:.1} ns each)", working.len(), per_sec(warm_n, lpm_warm_s));
    println!(
        "flow verdicts through the flow cache ({} flows, {} lookups, {:.0}% hits): {:.0}/s ({warm_ns:.1} ns each, {:.1}× a bare LPM lookup)",
        working.len(),
        warm_n,
        100.0 * cache.hits as f64 / (cache.hits + cache.misses).max(1) as f64,
        per_sec(warm_n, warm_s),
        warm_ns / lpm_warm_ns.max(1e-9)
    );
    ExitCode::SUCCESS
}
