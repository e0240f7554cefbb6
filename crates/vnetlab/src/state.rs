//! Where the state lives: `VNETLAB_STATE`, else `~/.vnetlab/state.db`.

use std::path::PathBuf;
use std::process::ExitCode;
use vnetlab_arm::{Arm, Config};
use vnetlab_store::SqliteStore;

pub fn default_path() -> PathBuf {
    if let Some(p) = std::env::var_os("VNETLAB_STATE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".vnetlab").join("state.db")
}

/// The configuration of this process: deterministic GUIDs when `VNETLAB_DETERMINISTIC=1`
/// (stable transcripts for tests and demos).
pub fn config() -> Config {
    Config {
        deterministic: std::env::var("VNETLAB_DETERMINISTIC").is_ok_and(|v| v == "1"),
        ..Config::default()
    }
}

pub fn open_default() -> Result<Arm<SqliteStore>, String> {
    let store = SqliteStore::open(&default_path()).map_err(|e| e.to_string())?;
    Ok(Arm::new(store, config()))
}

pub fn describe() -> ExitCode {
    let path = default_path();
    match SqliteStore::open(&path).and_then(|s| s.record_count()) {
        Ok(n) => {
            println!("state: {}\nrecords: {n}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ERROR: {e}");
            ExitCode::from(1)
        }
    }
}
