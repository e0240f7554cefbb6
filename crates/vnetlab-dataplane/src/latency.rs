//! Round-trip latency between regions: Microsoft's "Azure network round-trip latency
//! statistics" (monthly P50 in ms, dataset of 2026-07-30; az-cli-surface.md §21), embedded from
//! `data/latency_2026-07-30.csv` (19 source rows × 54 destination columns, directional).
//!
//! - `published_rtt(a, b)`: the mean of A→B and B→A when both are published, the one direction
//!   when only one is, `None` otherwise; same region: [`INTRA_REGION_RTT_MS`].
//! - `estimated_rtt(a, b)`: the published figure, else the best two-leg path through a third
//!   region of the table (an upper bound from our own data), else [`UNKNOWN_PAIR_RTT_MS`].
//!
//! Assumptions (the page has no such figures; documented in docs/fidelity.md): same-region RTT
//! 1.0 ms; each NVA traversal adds 0.2 ms and each VPN gateway traversal 1.0 ms; a site-to-site
//! tunnel to on-premises adds 20 ms RTT; a hop out to the Internet adds 10 ms RTT.

use std::collections::HashMap;
use std::sync::OnceLock;

const CSV: &str = include_str!("../data/latency_2026-07-30.csv");

pub const INTRA_REGION_RTT_MS: f64 = 1.0;
pub const NVA_MS: f64 = 0.2;
pub const GATEWAY_MS: f64 = 1.0;
pub const ON_PREMISES_RTT_MS: f64 = 20.0;
pub const INTERNET_RTT_MS: f64 = 10.0;
pub const UNKNOWN_PAIR_RTT_MS: f64 = 150.0;

type Table = HashMap<(String, String), f64>;

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn table() -> &'static (Table, Vec<String>) {
    static T: OnceLock<(Table, Vec<String>)> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Table::new();
        let mut lines = CSV.lines();
        let header: Vec<String> = lines
            .next()
            .unwrap_or("")
            .split(',')
            .skip(1)
            .map(norm)
            .collect();
        let mut regions: Vec<String> = header.clone();
        for line in lines {
            let mut cells = line.split(',');
            let src = norm(cells.next().unwrap_or(""));
            if src.is_empty() {
                continue;
            }
            if !regions.contains(&src) {
                regions.push(src.clone());
            }
            for (dst, cell) in header.iter().zip(cells) {
                if let Ok(v) = cell.trim().parse::<f64>() {
                    t.insert((src.clone(), dst.clone()), v);
                }
            }
        }
        (t, regions)
    })
}

/// The published RTT (see the module documentation).
pub fn published_rtt(a: &str, b: &str) -> Option<f64> {
    let (a, b) = (norm(a), norm(b));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a == b {
        return Some(INTRA_REGION_RTT_MS);
    }
    let (t, _) = table();
    match (t.get(&(a.clone(), b.clone())), t.get(&(b, a))) {
        (Some(x), Some(y)) => Some((x + y) / 2.0),
        (Some(x), None) | (None, Some(x)) => Some(*x),
        (None, None) => None,
    }
}

/// The published RTT, else an estimate (see the module documentation).
pub fn estimated_rtt(a: &str, b: &str) -> f64 {
    if let Some(v) = published_rtt(a, b) {
        return v;
    }
    let (_, regions) = table();
    regions
        .iter()
        .filter_map(|k| Some(published_rtt(a, k)? + published_rtt(k, b)?))
        .fold(None, |best: Option<f64>, v| {
            Some(best.map_or(v, |b| b.min(v)))
        })
        .unwrap_or(UNKNOWN_PAIR_RTT_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_pairs() {
        assert_eq!(published_rtt("eastus", "westus"), Some(68.0));
        assert_eq!(published_rtt("East US", "westus"), Some(68.0));
        assert_eq!(
            published_rtt("westeurope", "westeurope"),
            Some(INTRA_REGION_RTT_MS)
        );
        // Sweden Central → Central India 157, Central India → Sweden Central 164.
        assert_eq!(published_rtt("swedencentral", "centralindia"), Some(160.5));
        assert_eq!(published_rtt("nowhere", "eastus"), None);
    }

    #[test]
    fn estimates_fill_gaps() {
        // Neither Brazil South nor Korea Central is a source row: estimated through a third region.
        assert_eq!(published_rtt("brazilsouth", "koreacentral"), None);
        let e = estimated_rtt("brazilsouth", "koreacentral");
        assert!(e > 200.0 && e < 600.0, "{e}");
        assert_eq!(estimated_rtt("mars", "venus"), UNKNOWN_PAIR_RTT_MS);
    }
}
