//! `vnetlab matrix`: who reaches whom across the whole estate, per VM, subnet or VNet, each
//! cell the exact set of delivered protocol/port flows (for every member pair, and for some).
//!
//! Cells are computed from exact per-pair flow sets ([`crate::probe`]: header-space classes of
//! the NSG port ranges on each path, one packet walk per class), never from sampled ports.

use crate::endpoint::Member;
use crate::inventory::Inventory;
use crate::probe::Prober;
use crate::reach::Selection;
use crate::render::{html_escape, table};
use crate::space::FlowSpace;
use crate::Verifier;
use serde_json::{json, Value};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Vm,
    Subnet,
    Vnet,
}

impl Level {
    pub fn parse(s: &str) -> Result<Level, String> {
        match s.to_ascii_lowercase().as_str() {
            "vm" => Ok(Level::Vm),
            "subnet" => Ok(Level::Subnet),
            "vnet" => Ok(Level::Vnet),
            _ => Err(format!("level '{s}' is not one of vm, subnet, vnet")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Vm => "vm",
            Level::Subnet => "subnet",
            Level::Vnet => "vnet",
        }
    }
}

/// A row/column of the matrix: a VM, a subnet or a VNet, and the NICs it holds.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub label: String,
    pub nics: Vec<usize>,
}

/// The groups of a level that hold at least one NIC with an address, in inventory order.
pub fn groups(inv: &Inventory, level: Level) -> Vec<Group> {
    let has_ip = |n: &usize| inv.nics[*n].ip.is_some();
    let mut out = Vec::new();
    match level {
        Level::Vm => {
            for vm in &inv.vms {
                let nics: Vec<usize> = vm
                    .nics
                    .first()
                    .copied()
                    .into_iter()
                    .filter(has_ip)
                    .collect();
                if !nics.is_empty() {
                    out.push(Group {
                        id: vm.id.clone(),
                        label: vm.name.clone(),
                        nics,
                    });
                }
            }
            // NICs without a VM (appliances deployed as bare NICs) are their own rows.
            for (i, n) in inv.nics.iter().enumerate() {
                if n.vm.is_none() && n.ip.is_some() {
                    out.push(Group {
                        id: n.id.clone(),
                        label: format!("nic:{}", n.name),
                        nics: vec![i],
                    });
                }
            }
        }
        Level::Subnet => {
            for (i, s) in inv.subnets.iter().enumerate() {
                let nics: Vec<usize> = s.nics.iter().copied().filter(has_ip).collect();
                if !nics.is_empty() {
                    out.push(Group {
                        id: s.id.clone(),
                        label: inv.subnet_label(i),
                        nics,
                    });
                }
            }
        }
        Level::Vnet => {
            for v in &inv.vnets {
                let nics: Vec<usize> = v
                    .subnets
                    .iter()
                    .flat_map(|&s| inv.subnets[s].nics.iter().copied())
                    .filter(has_ip)
                    .collect();
                if !nics.is_empty() {
                    out.push(Group {
                        id: v.id.clone(),
                        label: v.name.clone(),
                        nics,
                    });
                }
            }
        }
    }
    out
}

/// One cell: the flows delivered from the row's NICs to the column's NICs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    /// Pairs of distinct NICs (0 on a VM's own diagonal).
    pub pairs: usize,
    pub every: FlowSpace,
    pub some: FlowSpace,
}

impl Cell {
    /// Counts one more pair, whose delivered set is `f`.
    pub fn add(&mut self, f: &FlowSpace) {
        self.pairs += 1;
        self.some = self.some.union(f);
        self.every = self.every.intersect(f);
    }
}

#[derive(Debug, Clone)]
pub struct Matrix {
    pub level: Level,
    pub selection: Selection,
    pub groups: Vec<Group>,
    /// Row-major, `groups.len()²`.
    pub cells: Vec<Cell>,
}

impl Matrix {
    pub fn cell(&self, from: usize, to: usize) -> &Cell {
        &self.cells[from * self.groups.len() + to]
    }
}

/// The exact delivered flow set from one NIC to another.
pub trait PairSpaces {
    fn pair_space(&self, src: usize, dst: usize) -> FlowSpace;

    /// One cell: every pair of distinct NICs from `srcs` to `dsts`, each flow set cut to
    /// `want`. Pair by pair unless an oracle knows better.
    fn cell(&self, srcs: &[usize], dsts: &[usize], want: &FlowSpace) -> Cell {
        let mut c = Cell {
            every: want.clone(),
            ..Cell::default()
        };
        for &s in srcs {
            for &d in dsts {
                if s == d {
                    continue;
                }
                c.add(&self.pair_space(s, d).intersect(want));
            }
        }
        if c.pairs == 0 {
            c.every = FlowSpace::empty();
        }
        c
    }
}

impl PairSpaces for Prober<'_> {
    fn pair_space(&self, src: usize, dst: usize) -> FlowSpace {
        self.pair(Member::Nic(src), Member::Nic(dst)).delivered
    }
}

/// Builds the matrix from any exact pair oracle.
pub fn build(groups: Vec<Group>, level: Level, sel: &Selection, oracle: &dyn PairSpaces) -> Matrix {
    let cells = build_cells(&groups, &groups, sel, oracle);
    Matrix {
        level,
        selection: sel.clone(),
        groups,
        cells,
    }
}

/// The cells of some rows against every column.
fn build_cells(
    rows: &[Group],
    cols: &[Group],
    sel: &Selection,
    oracle: &dyn PairSpaces,
) -> Vec<Cell> {
    let want = sel.space();
    // Each NIC pair lies in one cell (groups partition NICs), so no pair memo: at the
    // Azure limits one would hold 10⁸ flow sets.
    let mut cells = Vec::with_capacity(rows.len() * cols.len());
    for g in rows {
        for h in cols {
            cells.push(oracle.cell(&g.nics, &h.nics, &want));
        }
    }
    cells
}

/// The matrix of a level: exact pair flow sets from class walks and NSG intervals
/// ([`crate::classes`]), rows shared out over the machine's cores (each thread with its own
/// memos; the compiled data plane is shared read-only).
pub fn compute(v: &Verifier, level: Level, sel: &Selection) -> Matrix {
    let classes = v.dp.walk_classes();
    let handles = crate::classes::handles(v);
    compute_with(v, level, sel, &|| {
        Box::new(crate::classes::ClassOracle::new(
            v,
            &classes,
            handles.clone(),
        ))
    })
}

/// The matrix by packet walks of every port class of every NIC pair (the reference the
/// property tests hold [`compute`] to).
pub fn compute_by_walks(v: &Verifier, level: Level, sel: &Selection) -> Matrix {
    compute_with(v, level, sel, &|| Box::new(Prober::of(v)))
}

type OracleFactory<'a> = dyn Fn() -> Box<dyn PairSpaces + 'a> + Sync + 'a;

fn compute_with<'a>(
    v: &'a Verifier,
    level: Level,
    sel: &Selection,
    make: &OracleFactory<'a>,
) -> Matrix {
    let groups = groups(&v.inv, level);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16);
    let n = groups.len();
    if threads == 1 || n < 2 * threads {
        let oracle = make();
        return build(groups, level, sel, &*oracle);
    }
    // Rows are handed out a few at a time (rows differ in cost: a hub's reaches everything),
    // each thread keeping its oracle and its memos for all the rows it takes.
    const ROWS_PER_TAKE: usize = 4;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Vec<Cell>)> = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (groups, next) = (&groups, &next);
                scope.spawn(move || {
                    let oracle = make();
                    let mut out = Vec::new();
                    loop {
                        let start =
                            next.fetch_add(ROWS_PER_TAKE, std::sync::atomic::Ordering::Relaxed);
                        if start >= n {
                            break out;
                        }
                        let rows = &groups[start..(start + ROWS_PER_TAKE).min(n)];
                        out.push((start, build_cells(rows, groups, sel, &*oracle)));
                    }
                })
            })
            .collect();
        for w in workers {
            // A panicking worker is a bug: a matrix with holes would be a wrong answer.
            match w.join() {
                Ok(rows) => done.extend(rows),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
    });
    let mut cells = vec![Cell::default(); n * n];
    for (start, rows) in done {
        for (k, c) in rows.into_iter().enumerate() {
            cells[start * n + k] = c;
        }
    }
    Matrix {
        level,
        selection: sel.clone(),
        groups,
        cells,
    }
}

/// A cell in a few characters: `Tcp:22,443 Icmp`, `all`, `-` (nothing), `n/a` (no pairs);
/// `(partial)` when not every member pair gets the same.
pub fn cell_text(c: &Cell) -> String {
    if c.pairs == 0 {
        return "n/a".into();
    }
    if c.some.is_empty() {
        return "-".into();
    }
    let s = c.some.summary();
    if c.every == c.some {
        s
    } else {
        format!("{s} (partial)")
    }
}

pub fn text(m: &Matrix) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "reachability matrix, {} level ({}); rows send, columns receive",
        m.level.name(),
        m.selection.describe()
    );
    if m.groups.is_empty() {
        let _ = writeln!(out, "(no {} holds a network interface)", m.level.name());
        return out;
    }
    let mut header: Vec<String> = vec!["from \\ to".into()];
    header.extend(m.groups.iter().map(|g| g.label.clone()));
    let rows: Vec<Vec<String>> = (0..m.groups.len())
        .map(|i| {
            let mut r = vec![m.groups[i].label.clone()];
            r.extend((0..m.groups.len()).map(|j| cell_text(m.cell(i, j))));
            r
        })
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    out.push_str(&table(&h, &rows));
    let _ = writeln!(out, "cells: delivered protocol:ports; '-' none; 'all' every protocol and port; '(partial)' not for every member pair");
    out
}

pub fn json(m: &Matrix) -> Value {
    let n = m.groups.len();
    json!({
        "level": m.level.name(),
        "selection": m.selection.describe(),
        "groups": m.groups.iter().map(|g| json!({"id": g.id, "name": g.label, "networkInterfaces": g.nics.len()})).collect::<Vec<_>>(),
        "cells": (0..n * n).filter(|k| m.cells[*k].pairs > 0).map(|k| {
            let c = &m.cells[k];
            json!({
                "from": m.groups[k / n].label, "to": m.groups[k % n].label, "pairs": c.pairs,
                "deliveredForEveryPair": c.every.summary(), "deliveredForSomePair": c.some.summary(),
            })
        }).collect::<Vec<_>>(),
    })
}

/// A self-contained page: the matrix with coloured cells (green all, amber some, red none),
/// the full sets in each cell's tooltip.
pub fn html(m: &Matrix) -> String {
    let mut h = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>vnetlab reachability matrix</title>\n<style>body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:4px 8px;font-size:13px}th{background:#f0f0f0}td.all{background:#c8ecc8}td.some{background:#fbe7b5}td.none{background:#f6c6c6}td.na{background:#eee;color:#888}</style></head><body>\n");
    let _ = writeln!(
        h,
        "<h1>Reachability matrix</h1>\n<p>{} level, {}. Rows send, columns receive.</p>",
        m.level.name(),
        html_escape(&m.selection.describe())
    );
    h.push_str("<table>\n<tr><th>from \\ to</th>");
    for g in &m.groups {
        let _ = write!(
            h,
            "<th title=\"{}\">{}</th>",
            html_escape(&g.id),
            html_escape(&g.label)
        );
    }
    h.push_str("</tr>\n");
    for (i, g) in m.groups.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><th title=\"{}\">{}</th>",
            html_escape(&g.id),
            html_escape(&g.label)
        );
        for j in 0..m.groups.len() {
            let c = m.cell(i, j);
            let class = if c.pairs == 0 {
                "na"
            } else if c.some.is_empty() {
                "none"
            } else if c.every == m.selection.space() {
                "all"
            } else {
                "some"
            };
            let tip = format!(
                "{} → {}: {} pairs; every pair: {}; some pair: {}",
                g.label, m.groups[j].label, c.pairs, c.every, c.some
            );
            let _ = write!(
                h,
                "<td class=\"{class}\" title=\"{}\">{}</td>",
                html_escape(&tip),
                html_escape(&cell_text(c))
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n</body></html>\n");
    h
}
