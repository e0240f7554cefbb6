//! `vnetlab bench dataplane` on a small estate: the command checks, flow by flow, that burst
//! verdicts and burst LPM lookups equal the one-at-a-time answers (and fails otherwise), and
//! prints every figure docs/benchmarks.md quotes.

use std::process::Command;

#[test]
fn bench_dataplane_checks_bursts_and_prints_every_figure() {
    let out = Command::new(env!("CARGO_BIN_EXE_vnetlab"))
        .args([
            "bench",
            "dataplane",
            "--spokes",
            "30",
            "--nics",
            "300",
            "--nsgs",
            "4",
            "--rules-per-nsg",
            "60",
            "--route-tables",
            "4",
            "--udrs-per-table",
            "20",
            "--flows",
            "20000",
            "--rounds",
            "1",
        ])
        .output()
        .expect("run vnetlab");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for line in [
        "compile (",
        "incremental recompile after one UDR change",
        "bare LPM lookup, 20000 distinct flows",
        "bare LPM lookup, the same, in bursts of 16",
        "flow verdicts, uncached, one at a time",
        "flow verdicts, uncached, in bursts of 16 (same flows, same answers)",
        "flow verdicts through the flow cache",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    // Every flow got a verdict: the share delivered is a real percentage of the flows.
    assert!(stdout.contains("% delivered"), "{stdout}");
}
