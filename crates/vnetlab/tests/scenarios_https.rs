//! The transcripts of `tests/scenarios/` again, with `vnetlab az` in remote mode: every
//! request goes over HTTPS to a `vnetlab serve` on the scenario's fresh state. Same
//! expectations, byte for byte: one operation layer, two transports. Run once with
//! synchronous answers and once with Azure-style long-running operations (the operation
//! URLs report `Succeeded` at the first poll, so no Retry-After waits).

use std::path::{Path, PathBuf};
use std::process::Command;

fn scenario_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            scenario_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "scenario") {
            out.push(p);
        }
    }
}

fn run_remote(lro: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let mut files = Vec::new();
    scenario_files(&root, &mut files);
    assert!(!files.is_empty());
    let out = Command::new(env!("CARGO_BIN_EXE_vnetlab"))
        .arg("scenario")
        .args(&files)
        .env("VNETLAB_SCENARIO_TRANSPORT", "remote")
        .env("VNETLAB_LRO", lro)
        .env("VNETLAB_LRO_POLLS", "0")
        .output()
        .expect("run vnetlab scenario");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "transcripts differ over HTTPS (lro={lro}):\n{stdout}"
    );
    assert!(stdout.contains(&format!("{} passed, 0 failed", files.len())));
}

#[test]
fn every_scenario_transcript_matches_over_https() {
    run_remote("sync");
}

#[test]
fn every_scenario_transcript_matches_over_https_with_async_operations() {
    run_remote("async");
}
