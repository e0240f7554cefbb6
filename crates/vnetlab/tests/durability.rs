//! Nothing acknowledged is ever lost: a write burst killed with SIGKILL mid-way leaves every
//! acknowledged write in the state, and the state opens cleanly afterwards.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use vnetlab_arm::{Arm, ArmRequest, Config};
use vnetlab_store::SqliteStore;

#[test]
fn kill_9_mid_burst_keeps_every_acknowledged_write() {
    let dir = std::env::temp_dir().join(format!("vnetlab-durability-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vnetlab"))
        .args(["bench", "writes", "--count", "1000000", "--ack", "--state"])
        .arg(&db)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the write burst");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    let mut acked: Vec<u32> = Vec::new();
    let mut line = String::new();
    while acked.len() < 150 {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(n) = line.trim().strip_prefix("ack ") {
            acked.push(n.parse().unwrap());
        }
    }
    child.kill().expect("SIGKILL the writer");
    // Acks already in the pipe were acknowledged before the kill: they count too.
    for l in reader.lines().map_while(Result::ok) {
        if let Some(n) = l.trim().strip_prefix("ack ") {
            acked.push(n.parse().unwrap());
        }
    }
    let _ = child.wait();
    assert!(
        acked.len() >= 150,
        "the burst acknowledged only {} writes",
        acked.len()
    );

    let arm = Arm::new(
        SqliteStore::open(&db).expect("state reopens after SIGKILL"),
        Config::default(),
    );
    let sub = vnetlab_arm::cx::DEFAULT_SUBSCRIPTION_ID;
    for i in &acked {
        let path = format!("/subscriptions/{sub}/resourceGroups/bench/providers/Microsoft.Network/virtualNetworks/w{i}");
        let resp = arm.handle(&ArmRequest::get(&path));
        assert_eq!(
            resp.status, 200,
            "acknowledged write w{i} lost after kill -9"
        );
        assert_eq!(
            resp.body.unwrap()["properties"]["subnets"][0]["name"],
            "default",
            "w{i} is whole"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Several `vnetlab` processes writing one state at the same time: every command succeeds
/// (writers wait for each other) and every write is there afterwards.
#[test]
fn concurrent_processes_share_one_state() {
    let dir = std::env::temp_dir().join(format!("vnetlab-concurrency-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let az = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vnetlab"))
            .arg("az")
            .args(args)
            .env("VNETLAB_STATE", &db)
            .output()
            .expect("run vnetlab az")
    };
    assert!(
        az(&["group", "create", "-n", "rg", "-l", "eastus", "-o", "none"])
            .status
            .success()
    );
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let db = db.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    let name = format!("v{w}-{i}");
                    let prefix = format!("10.{w}.{i}.0/24");
                    let out = Command::new(env!("CARGO_BIN_EXE_vnetlab"))
                        .args([
                            "az",
                            "network",
                            "vnet",
                            "create",
                            "-g",
                            "rg",
                            "-n",
                            &name,
                            "--address-prefixes",
                            &prefix,
                            "-o",
                            "none",
                        ])
                        .env("VNETLAB_STATE", &db)
                        .output()
                        .expect("run vnetlab az");
                    assert!(
                        out.status.success(),
                        "{name}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let out = az(&[
        "network",
        "vnet",
        "list",
        "-g",
        "rg",
        "--query",
        "length(@)",
        "-o",
        "tsv",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "40");
    let _ = std::fs::remove_dir_all(&dir);
}
