//! `vnetlab reach FROM TO`: the verdict for every selected flow between two endpoints, a path
//! hop by hop, and — when anything is blocked — every independent blocker with the change that
//! lifts it (AWS Reachability Analyzer's lesson: all blockers, not the first).

use crate::endpoint::{Endpoint, Member};
use crate::probe::{PairFlows, Prober};
use crate::render::{blocker_json, flow_text, walk_json, walk_text};
use crate::space::{FlowSpace, PortSet, Proto};
use crate::Verifier;
use serde_json::{json, Value};
use std::fmt::Write as _;
use vnetlab_dataplane::{Blocker, Walk};

/// Which flows a question is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub protocols: Vec<Proto>,
    pub ports: PortSet,
}

impl Selection {
    /// `--protocol Tcp|Udp|Icmp|Any` (case-insensitive, as NSG rules spell them) and `--port`.
    pub fn parse(protocol: Option<&str>, port: Option<&str>) -> Result<Selection, String> {
        let protocols = match protocol.map(|p| p.trim().to_ascii_lowercase()).as_deref() {
            None | Some("any") | Some("*") | Some("all") => Proto::ALL.to_vec(),
            Some("tcp") => vec![Proto::Tcp],
            Some("udp") => vec![Proto::Udp],
            Some("icmp") => vec![Proto::Icmp],
            Some(_) => {
                return Err(format!(
                    "protocol '{}' is not one of Tcp, Udp, Icmp, Any",
                    protocol.unwrap_or("")
                ))
            }
        };
        let ports = match port {
            Some(p) => PortSet::parse(p)?,
            None => PortSet::all(),
        };
        if ports.is_empty() {
            return Err("the port selection is empty".into());
        }
        Ok(Selection { protocols, ports })
    }

    pub fn space(&self) -> FlowSpace {
        FlowSpace::selection(&self.protocols, &self.ports)
    }

    /// `Tcp 5432`, `any protocol, all ports`.
    pub fn describe(&self) -> String {
        let protos = if self.protocols.len() == 3 {
            "any protocol".to_string()
        } else {
            self.protocols
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join("/")
        };
        let icmp_only = self.protocols == [Proto::Icmp];
        if icmp_only {
            protos
        } else if self.ports.is_all() {
            format!("{protos}, all ports")
        } else {
            format!("{protos}, port {}", self.ports)
        }
    }
}

/// The outcome over all selected flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every selected flow between every pair is delivered.
    Allowed,
    /// Some are, some are not.
    Partial,
    /// None is.
    Denied,
    /// There is no pair of members to send between (an empty subnet, a set to itself).
    Empty,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Partial => "partial",
            Verdict::Denied => "denied",
            Verdict::Empty => "empty",
        }
    }
}

/// One pair's answer, restricted to the selection.
#[derive(Debug, Clone)]
pub struct PairReport {
    pub src: Member,
    pub dst: Member,
    pub flows: PairFlows,
    pub allowed: FlowSpace,
    pub blocked: FlowSpace,
}

/// A blocker and how many (pair, flow class) it stops.
#[derive(Debug, Clone)]
pub struct BlockerReport {
    pub blocker: Blocker,
    pub flow_classes: usize,
}

#[derive(Debug, Clone)]
pub struct ReachReport {
    pub from: Endpoint,
    pub to: Endpoint,
    pub selection: Selection,
    pub verdict: Verdict,
    pub pairs: Vec<PairReport>,
    /// Delivered for some pair / for every pair.
    pub allowed_some: FlowSpace,
    pub allowed_every: FlowSpace,
    pub blockers: Vec<BlockerReport>,
    /// A flow walked for display: a blocked one when anything is blocked.
    pub example: Option<(String, Walk)>,
}

pub fn member_label(v: &Verifier, m: Member) -> String {
    match m {
        Member::Nic(n) => format!(
            "{} {}",
            v.inv.nic_label(n),
            v.inv.nics[n].ip.map(|a| a.to_string()).unwrap_or_default()
        ),
        Member::Address(a) => a.to_string(),
    }
}

/// Evaluates every selected flow from `from` to `to`.
pub fn reach(v: &Verifier, from: &Endpoint, to: &Endpoint, sel: &Selection) -> ReachReport {
    let mut prober = Prober::of(v);
    prober.all_blockers = true;
    reach_with(v, &prober, from, to, sel)
}

pub fn reach_with(
    v: &Verifier,
    prober: &Prober,
    from: &Endpoint,
    to: &Endpoint,
    sel: &Selection,
) -> ReachReport {
    let want = sel.space();
    let mut pairs = Vec::new();
    for &s in &from.members {
        for &d in &to.members {
            if s == d {
                continue;
            }
            let flows = prober.pair_cut(s, d, &sel.protocols, &sel.ports);
            let allowed = flows.delivered.intersect(&want);
            let blocked = want.minus(&flows.delivered);
            pairs.push(PairReport {
                src: s,
                dst: d,
                flows,
                allowed,
                blocked,
            });
        }
    }
    let mut some = FlowSpace::empty();
    let mut every = want.clone();
    for p in &pairs {
        some = some.union(&p.allowed);
        every = every.intersect(&p.allowed);
    }
    let verdict = if pairs.is_empty() {
        every = FlowSpace::empty();
        Verdict::Empty
    } else if pairs.iter().all(|p| p.blocked.is_empty()) {
        Verdict::Allowed
    } else if some.is_empty() {
        Verdict::Denied
    } else {
        Verdict::Partial
    };
    // Every blocker of every blocked flow class, once each (by kind and resource).
    let mut blockers: Vec<BlockerReport> = Vec::new();
    let mut add = |b: &Blocker| match blockers
        .iter_mut()
        .find(|r| r.blocker.kind == b.kind && r.blocker.resource_id == b.resource_id)
    {
        Some(r) => r.flow_classes += 1,
        None => blockers.push(BlockerReport {
            blocker: b.clone(),
            flow_classes: 1,
        }),
    };
    for p in &pairs {
        if let Some(e) = &p.flows.error {
            add(&Blocker {
                kind: "InvalidQuestion".into(),
                resource_id: String::new(),
                explanation: e.clone(),
                fix: String::new(),
            });
        }
        for a in &p.flows.atoms {
            if !a.delivered && !a.space().intersect(&want).is_empty() {
                for b in &a.blockers {
                    add(b);
                }
            }
        }
    }
    // The example: the first blocked selected flow, else the first delivered one.
    let pick = pairs
        .iter()
        .find(|p| !p.blocked.is_empty() && p.flows.error.is_none())
        .map(|p| (p, p.blocked.sample()))
        .or_else(|| {
            pairs
                .iter()
                .find(|p| !p.allowed.is_empty())
                .map(|p| (p, p.allowed.sample()))
        });
    let example = pick.and_then(|(p, f)| {
        let (proto, sport, dport) = f?;
        let w = prober
            .walk(p.src, p.flows.dst_addr, proto, sport, dport)
            .ok()?;
        Some((
            format!("{} → {}", member_label(v, p.src), member_label(v, p.dst)),
            w,
        ))
    });
    ReachReport {
        from: from.clone(),
        to: to.clone(),
        selection: sel.clone(),
        verdict,
        pairs,
        allowed_some: some,
        allowed_every: every,
        blockers,
        example,
    }
}

fn verdict_line(r: &ReachReport) -> String {
    let n = r.pairs.len();
    let pairs = if n == 1 {
        String::new()
    } else {
        format!(" ({n} source/destination pairs)")
    };
    match r.verdict {
        Verdict::Allowed => format!("ALLOWED — every selected flow is delivered{pairs}"),
        Verdict::Denied => format!("BLOCKED — no selected flow is delivered{pairs}"),
        Verdict::Partial => format!("PARTIAL — some selected flows are delivered, some are blocked{pairs}"),
        Verdict::Empty => "EMPTY — there is no source/destination pair (a set with no network interfaces, or a set to itself)".into(),
    }
}

/// The report for people.
pub fn text(v: &Verifier, r: &ReachReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "reach {} → {} ({})",
        r.from.spec,
        r.to.spec,
        r.selection.describe()
    );
    let _ = writeln!(out, "  from: {}", r.from.label);
    let _ = writeln!(out, "  to:   {}", r.to.label);
    let _ = writeln!(out, "verdict: {}", verdict_line(r));
    if r.verdict != Verdict::Empty {
        if r.pairs.len() == 1 || r.allowed_some == r.allowed_every {
            let _ = writeln!(out, "delivered: {}", r.allowed_every);
        } else {
            let _ = writeln!(out, "delivered for every pair: {}", r.allowed_every);
            let _ = writeln!(out, "delivered for some pair:  {}", r.allowed_some);
        }
    }
    if r.pairs.len() > 1 && r.verdict == Verdict::Partial {
        let _ = writeln!(out, "pairs:");
        for p in r.pairs.iter().take(20) {
            let _ = writeln!(
                out,
                "  {} → {}: {}",
                member_label(v, p.src),
                member_label(v, p.dst),
                p.allowed
            );
        }
        if r.pairs.len() > 20 {
            let _ = writeln!(
                out,
                "  … and {} more pairs (-o json lists them all)",
                r.pairs.len() - 20
            );
        }
    }
    if let Some((label, w)) = &r.example {
        let what = if w.delivered {
            "a delivered flow"
        } else {
            "a blocked flow"
        };
        let _ = writeln!(out, "\npath of {what}, {} ({label}):", flow_text(w));
        out.push_str(&walk_text(&v.inv, w, "  "));
        for wn in &w.warnings {
            let _ = writeln!(out, "  warning [{}]: {}", wn.kind, wn.explanation);
        }
    }
    if !r.blockers.is_empty() {
        let n = r.blockers.len();
        let _ = writeln!(
            out,
            "\nblockers ({n}; {}):",
            if n == 1 {
                "lift it and the blocked flows are delivered"
            } else {
                "each must be lifted — lifting one leaves the others"
            }
        );
        for (i, b) in r.blockers.iter().enumerate() {
            let classes = if b.flow_classes > 1 {
                format!(" ({} flow classes)", b.flow_classes)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {}. {} {}{classes}",
                i + 1,
                b.blocker.kind,
                b.blocker.resource_id
            );
            let _ = writeln!(out, "     why: {}", b.blocker.explanation);
            if !b.blocker.fix.is_empty() {
                let _ = writeln!(out, "     fix: {}", b.blocker.fix);
            }
        }
    }
    out
}

pub fn json(v: &Verifier, r: &ReachReport) -> Value {
    json!({
        "from": r.from.spec.to_string(),
        "to": r.to.spec.to_string(),
        "selection": r.selection.describe(),
        "verdict": r.verdict.name(),
        "deliveredForEveryPair": r.allowed_every.summary(),
        "deliveredForSomePair": r.allowed_some.summary(),
        "pairs": r.pairs.iter().map(|p| json!({
            "source": member_label(v, p.src),
            "destination": member_label(v, p.dst),
            "destinationAddress": p.flows.dst_addr.to_string(),
            "delivered": p.allowed.summary(),
            "blocked": p.blocked.summary(),
            "error": p.flows.error,
        })).collect::<Vec<_>>(),
        "blockers": r.blockers.iter().map(|b| {
            let mut j = blocker_json(&b.blocker);
            j["flowClasses"] = json!(b.flow_classes);
            j
        }).collect::<Vec<_>>(),
        "example": r.example.as_ref().map(|(label, w)| { let mut j = walk_json(w); j["pair"] = json!(label); j }),
    })
}
