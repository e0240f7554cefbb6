//! `vnetlab demo`: replays a lab end to end on a throwaway state and prints the transcript.
//! The labs are the scenario files of the test suite, embedded, so the demo shows exactly
//! what the tests prove.

use crate::scenario;
use std::process::ExitCode;

const LABS: &[(&str, &str)] = &[
    (
        "seed004",
        include_str!("../../../tests/scenarios/seeds/seed004_global_peering.scenario"),
    ),
    (
        "seed004-fixed",
        include_str!("../../../tests/scenarios/seeds/seed004_fixed_address_space.scenario"),
    ),
];

/// Replays `lab`, or with `all` every lab in turn (the README's first command).
pub fn run(lab: &str) -> ExitCode {
    if lab == "all" {
        for (i, (name, _)) in LABS.iter().enumerate() {
            if i > 0 {
                println!("\n{}\n", "=".repeat(78));
            }
            let code = run(name);
            if code != ExitCode::SUCCESS {
                return code;
            }
        }
        return ExitCode::SUCCESS;
    }
    let Some((_, text)) = LABS.iter().find(|(n, _)| *n == lab) else {
        eprintln!(
            "ERROR: unknown lab '{lab}'. Available: {}",
            LABS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        );
        return ExitCode::from(2);
    };
    let lab = scenario::parse(text);
    for h in &lab.header {
        println!("{}", h.trim_start_matches('#').trim());
    }
    let actuals = match scenario::execute(&lab) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ERROR: {e}");
            return ExitCode::from(1);
        }
    };
    for (step, actual) in lab.steps.iter().zip(&actuals) {
        for c in &step.comments {
            println!("\n{}", c.trim_start_matches('#').trim());
        }
        println!("\n$ {}", step.command);
        print!("{}", actual.stdout);
        for l in actual.stderr.lines() {
            println!("{l}");
        }
        if actual.exit_code != 0 {
            println!("(exit code {})", actual.exit_code);
        }
    }
    ExitCode::SUCCESS
}
