//! Runs every transcript in `tests/scenarios/` through the real binary (as `az` on a bash
//! PATH, on a fresh state each). `UPDATE_EXPECT=1` rewrites expectations.

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

#[test]
fn every_scenario_transcript_matches() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let mut files = Vec::new();
    scenario_files(&root, &mut files);
    assert!(
        !files.is_empty(),
        "no scenario files under {}",
        root.display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_vnetlab"))
        .arg("scenario")
        .args(&files)
        .output()
        .expect("run vnetlab scenario");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "scenario transcripts differ:\n{stdout}"
    );
}
