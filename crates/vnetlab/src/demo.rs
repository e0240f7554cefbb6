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
    (
        "hub-spoke",
        include_str!("../../../tests/scenarios/dataplane/hub_spoke_nontransitive.scenario"),
    ),
    (
        "hub-nva",
        include_str!("../../../tests/scenarios/dataplane/spoke_to_spoke_nva.scenario"),
    ),
    (
        "gateway-transit",
        include_str!("../../../tests/scenarios/dataplane/gateway_transit.scenario"),
    ),
    (
        "dns-peering",
        include_str!("../../../tests/scenarios/dataplane/dns_across_peering.scenario"),
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
        if !step.comments.is_empty() {
            println!();
        }
        for c in &step.comments {
            println!("{}", c.trim_start_matches('#').trim());
        }
        println!("\n$ {}", step.command);
        print!("{}", actual.stdout);
        if let Some(message) = run_command_message(&step.command, &actual.stdout) {
            println!("(the message above, as the VM printed it)");
            for l in message.lines() {
                println!("  | {l}");
            }
        }
        for l in actual.stderr.lines() {
            println!("{l}");
        }
        if actual.exit_code != 0 {
            println!("(exit code {})", actual.exit_code);
        }
    }
    ExitCode::SUCCESS
}

/// The `value[0].message` of a printed `az vm run-command invoke` result, to show the
/// script's output as text (az prints it JSON-escaped).
fn run_command_message(command: &str, stdout: &str) -> Option<String> {
    if !command.contains("run-command invoke") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(stdout).ok()?;
    v.pointer("/value/0/message")?.as_str().map(str::to_string)
}
