//! Longest-prefix match compiled to a flat interval table (one binary search per lookup).
//!
//! The active routes of a table form a laminar family of prefixes (two prefixes are nested or
//! disjoint). A sweep over them in address order cuts the IPv4 space into elementary intervals
//! and stores, for each, the route Azure selects there — including the two exceptions to pure
//! LPM (azure-semantics.md §5.4): the VNet's own and peering routes beat a more specific BGP
//! (`VirtualNetworkGateway`) route, and a UDR with `hasBgpOverride` beats overlapping BGP routes.
//! Both depend only on the set of prefixes containing the address, which is constant on an
//! elementary interval, so they cost nothing at lookup time.

use crate::prefix::Pfx;

pub const NO_ROUTE: u32 = u32::MAX;

/// Lookups a burst runs in lockstep ([`upper_bounds`]).
pub const LANES: usize = 16;

/// For each lane `i < keys.len()`, the number of entries of the sorted `keys[i]` that are
/// `<= xs[i]` (`partition_point(|&k| k <= x)`). The lanes' binary searches run in lockstep,
/// one step of every lane per round, so that their memory accesses overlap instead of each
/// search being a chain of dependent cache misses: the burst form of a lookup (what data planes
/// do with a burst of packets). Both the bare LPM baseline and the fast verdicts use it.
#[inline]
pub fn upper_bounds(keys: &[&[u32]; LANES], xs: &[u32; LANES], lanes: usize) -> [usize; LANES] {
    let lanes = lanes.min(LANES);
    // An empty lane searches a one-key stand-in and answers 0.
    let empty = keys.map(|k| k.is_empty());
    let keys: [&[u32]; LANES] = keys.map(|k| if k.is_empty() { &[0][..] } else { k });
    let mut base = [0usize; LANES];
    let mut len: [usize; LANES] = std::array::from_fn(|i| keys[i].len());
    loop {
        let mut more = false;
        for i in 0..lanes {
            let half = len[i] / 2;
            let b = base[i];
            // In range: b + half < b + len[i] <= keys[i].len() (half = 0 once len[i] = 1).
            let below = keys[i][b + half] <= xs[i];
            base[i] = std::hint::select_unpredictable(below, b + half, b);
            len[i] -= half;
            more |= len[i] > 1;
        }
        if !more {
            break;
        }
    }
    std::array::from_fn(|i| {
        let found = base[i] + usize::from(keys[i][base[i]] <= xs[i]);
        std::hint::select_unpredictable(i < lanes && !empty[i], found, 0)
    })
}

/// What the selection needs to know about a route.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub pfx: Pfx,
    /// The row index reported on a hit.
    pub row: u32,
    pub bgp: bool,
    /// VnetLocal (system) or peering.
    pub vnet_or_peering: bool,
    /// A UDR with `hasBgpOverride`.
    pub bgp_override: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Lpm {
    starts: Vec<u32>,
    hits: Vec<u32>,
}

#[derive(Clone, Copy)]
struct Level {
    pfx: Pfx,
    top: Entry,
    best_vnet: Option<Entry>,
    best_override: Option<Entry>,
}

impl Level {
    fn winner(&self) -> u32 {
        if !self.top.bgp {
            return self.top.row;
        }
        match (self.best_vnet, self.best_override) {
            (Some(a), Some(b)) => {
                if a.pfx.len >= b.pfx.len {
                    a.row
                } else {
                    b.row
                }
            }
            (Some(a), None) | (None, Some(a)) => a.row,
            (None, None) => self.top.row,
        }
    }
}

impl Lpm {
    /// Builds the table. Among entries with the same prefix the first one wins.
    pub fn build(mut entries: Vec<Entry>) -> Lpm {
        entries.sort_by_key(|e| (e.pfx.net, e.pfx.len));
        entries.dedup_by_key(|e| e.pfx);
        let mut out = Lpm::default();
        let mut cur: u64 = 0;
        let mut stack: Vec<Level> = Vec::new();
        let emit = |out: &mut Lpm, from: u64, to: u64, hit: u32| {
            if from > to || from > u64::from(u32::MAX) {
                return;
            }
            if out.hits.last() == Some(&hit) {
                return;
            }
            out.starts.push(from as u32);
            out.hits.push(hit);
        };
        let hit_of = |s: &[Level]| s.last().map(Level::winner).unwrap_or(NO_ROUTE);
        for e in entries {
            while let Some(top) = stack.last() {
                if top.pfx.covers(&e.pfx) {
                    break;
                }
                let end = u64::from(top.pfx.last());
                emit(&mut out, cur, end, hit_of(&stack));
                cur = end + 1;
                stack.pop();
            }
            let first = u64::from(e.pfx.first());
            if first > cur {
                emit(&mut out, cur, first - 1, hit_of(&stack));
            }
            cur = first;
            let parent = stack.last().copied();
            let mut level = Level {
                pfx: e.pfx,
                top: e,
                best_vnet: parent.and_then(|p| p.best_vnet),
                best_override: parent.and_then(|p| p.best_override),
            };
            if e.vnet_or_peering {
                level.best_vnet = Some(e);
            }
            if e.bgp_override {
                level.best_override = Some(e);
            }
            stack.push(level);
        }
        while let Some(top) = stack.last() {
            let end = u64::from(top.pfx.last());
            emit(&mut out, cur, end, hit_of(&stack));
            cur = end + 1;
            stack.pop();
        }
        emit(&mut out, cur, u64::from(u32::MAX), NO_ROUTE);
        out
    }

    /// The selected row for an address, if any route covers it.
    #[inline]
    pub fn lookup(&self, ip: u32) -> Option<u32> {
        self.hit_before(self.starts.partition_point(|&s| s <= ip))
    }

    /// The interval starts (for burst lookups with [`upper_bounds`]).
    pub fn starts(&self) -> &[u32] {
        &self.starts
    }

    /// The selected row of the interval before `upper` ([`upper_bounds`]'s answer).
    #[inline]
    pub fn hit_before(&self, upper: usize) -> Option<u32> {
        match self.hits.get(upper.wrapping_sub(1)) {
            Some(&h) if h != NO_ROUTE => Some(h),
            _ => None,
        }
    }

    /// The elementary intervals: (first address, selected row or [`NO_ROUTE`]), in order.
    pub fn intervals(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.starts.iter().copied().zip(self.hits.iter().copied())
    }

    /// Number of elementary intervals (for benchmarks).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

/// The reference selection, by brute force over the entries (tests and property tests).
pub fn brute_force(entries: &[Entry], ip: u32) -> Option<u32> {
    let mut seen: Vec<Pfx> = Vec::new();
    let mut active: Vec<&Entry> = Vec::new();
    for e in entries {
        if !seen.contains(&e.pfx) {
            seen.push(e.pfx);
            active.push(e);
        }
    }
    let containing: Vec<&&Entry> = active.iter().filter(|e| e.pfx.contains_ip(ip)).collect();
    let best = containing.iter().max_by_key(|e| e.pfx.len)?;
    if best.bgp {
        let alt = containing
            .iter()
            .filter(|e| e.vnet_or_peering || e.bgp_override)
            .max_by_key(|e| (e.pfx.len, e.vnet_or_peering));
        if let Some(a) = alt {
            return Some(a.row);
        }
    }
    Some(best.row)
}
