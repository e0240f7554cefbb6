//! `vnetlab verify --intents FILE`: reachability expectations declared in YAML, checked
//! exactly over every flow they name. An intent holds when `expect: allowed` and every flow in
//! the sets is delivered, or `expect: denied` and none is.
//!
//! ```yaml
//! intents:
//!   - name: web reaches db
//!     from: vm:app-rg/web1
//!     to: subnet:app-rg/spoke-data/db
//!     protocol: Tcp        # Tcp | Udp | Icmp | Any (default Any)
//!     port: 5432           # single port or range "1000-2000"; omitted = all ports
//!     expect: allowed      # allowed | denied
//! ```

use crate::probe::Prober;
use crate::reach::{self, ReachReport, Selection, Verdict};
use crate::render::{flow_text, walk_text};
use crate::yaml::{check_keys, scalar};
use crate::Verifier;
use serde_json::{json, Value};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Allowed,
    Denied,
}

impl Expect {
    pub fn name(self) -> &'static str {
        match self {
            Expect::Allowed => "allowed",
            Expect::Denied => "denied",
        }
    }
}

/// One declared intent.
#[derive(Debug, Clone)]
pub struct Intent {
    pub name: String,
    pub from: String,
    pub to: String,
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub expect: Expect,
    pub selection: Selection,
}

const KEYS: &[&str] = &["name", "from", "to", "protocol", "port", "expect"];

/// Parses an intents file. Errors name the intent (by position and name) and the key.
pub fn parse(text: &str) -> Result<Vec<Intent>, String> {
    let doc = crate::yaml::parse(text)?;
    let top = doc
        .as_object()
        .ok_or("the file must be a mapping with an 'intents' list")?;
    check_keys(top, &["intents"], "the file")?;
    let list = match top.get("intents") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err("'intents' must be a list".into()),
        None => return Err("the file has no 'intents' list".into()),
    };
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let m = item
            .as_object()
            .ok_or_else(|| format!("intent {}: must be a mapping of {}", i + 1, KEYS.join(", ")))?;
        let label = match m.get("name").and_then(scalar) {
            Some(n) => format!("intent {} ('{n}')", i + 1),
            None => format!("intent {}", i + 1),
        };
        check_keys(m, KEYS, &label)?;
        let field = |k: &str| -> Result<Option<String>, String> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => scalar(v)
                    .map(Some)
                    .ok_or_else(|| format!("{label}: '{k}' must be a single value")),
            }
        };
        let from = field("from")?.ok_or_else(|| format!("{label}: 'from' is required"))?;
        let to = field("to")?.ok_or_else(|| format!("{label}: 'to' is required"))?;
        let expect = match field("expect")?.map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("allowed") | Some("allow") => Expect::Allowed,
            Some("denied") | Some("deny") => Expect::Denied,
            Some(other) => {
                return Err(format!(
                    "{label}: expect must be 'allowed' or 'denied', not '{other}'"
                ))
            }
            None => return Err(format!("{label}: 'expect' is required (allowed or denied)")),
        };
        let protocol = field("protocol")?;
        let port = field("port")?;
        if protocol
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("icmp"))
            && port.is_some()
        {
            return Err(format!("{label}: ICMP has no ports; remove 'port'"));
        }
        let selection = Selection::parse(protocol.as_deref(), port.as_deref())
            .map_err(|e| format!("{label}: {e}"))?;
        // Endpoints must at least be well-formed before anything is evaluated.
        crate::endpoint::Spec::parse(&from).map_err(|e| format!("{label}: from: {e}"))?;
        crate::endpoint::Spec::parse(&to).map_err(|e| format!("{label}: to: {e}"))?;
        out.push(Intent {
            name: field("name")?.unwrap_or_else(|| format!("{from} -> {to}")),
            from,
            to,
            protocol,
            port,
            expect,
            selection,
        });
    }
    if out.is_empty() {
        return Err("the 'intents' list is empty".into());
    }
    Ok(out)
}

/// The outcome of one intent.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub intent: Intent,
    pub holds: bool,
    /// One line: why it holds or fails.
    pub summary: String,
    /// The full explanation of a failure (blockers, or the path of a flow that should not pass).
    pub details: String,
    pub report: Option<ReachReport>,
}

/// Checks every intent against the estate.
pub fn check(v: &Verifier, intents: &[Intent]) -> Vec<Outcome> {
    let mut prober = Prober::of(v);
    prober.all_blockers = true;
    intents.iter().map(|i| check_one(v, &prober, i)).collect()
}

fn check_one(v: &Verifier, prober: &Prober, i: &Intent) -> Outcome {
    let resolved = v
        .endpoint(&i.from)
        .map_err(|e| format!("from: {e}"))
        .and_then(|f| {
            v.endpoint(&i.to)
                .map(|t| (f, t))
                .map_err(|e| format!("to: {e}"))
        });
    let (from, to) = match resolved {
        Ok(x) => x,
        Err(e) => {
            return Outcome {
                intent: i.clone(),
                holds: false,
                summary: e.clone(),
                details: e,
                report: None,
            }
        }
    };
    let r = reach::reach_with(v, prober, &from, &to, &i.selection);
    let what = i.selection.describe();
    let (holds, summary) = match (i.expect, r.verdict) {
        (_, Verdict::Empty) => (
            false,
            format!(
                "cannot hold: {} has no source/destination pair (no network interfaces?)",
                if from.members.is_empty() {
                    &i.from
                } else {
                    &i.to
                }
            ),
        ),
        (Expect::Allowed, Verdict::Allowed) => {
            (true, format!("allowed ({what}): every flow is delivered"))
        }
        (Expect::Allowed, Verdict::Partial) => (
            false,
            format!(
                "expected allowed ({what}), but only {} is delivered for every pair",
                r.allowed_every
            ),
        ),
        (Expect::Allowed, Verdict::Denied) => (
            false,
            format!("expected allowed ({what}), but no flow is delivered"),
        ),
        (Expect::Denied, Verdict::Denied) => {
            (true, format!("denied ({what}): no flow is delivered"))
        }
        (Expect::Denied, _) => (
            false,
            format!(
                "expected denied ({what}), but {} is delivered",
                r.allowed_some
            ),
        ),
    };
    let mut details = String::new();
    if !holds {
        match i.expect {
            Expect::Allowed => {
                let _ = writeln!(details, "blockers:");
                for (n, b) in r.blockers.iter().enumerate() {
                    let _ = writeln!(
                        details,
                        "  {}. {} {}",
                        n + 1,
                        b.blocker.kind,
                        b.blocker.resource_id
                    );
                    let _ = writeln!(details, "     why: {}", b.blocker.explanation);
                    if !b.blocker.fix.is_empty() {
                        let _ = writeln!(details, "     fix: {}", b.blocker.fix);
                    }
                }
            }
            Expect::Denied => {
                // Show a flow that gets through, and the path that lets it.
                if let Some(p) = r.pairs.iter().find(|p| !p.allowed.is_empty()) {
                    if let Some((proto, sport, dport)) = p.allowed.sample() {
                        if let Ok(w) = prober.walk(p.src, p.flows.dst_addr, proto, sport, dport) {
                            let _ =
                                writeln!(details, "a flow that gets through: {}", flow_text(&w));
                            details.push_str(&walk_text(&v.inv, &w, "  "));
                        }
                    }
                }
            }
        }
    }
    Outcome {
        intent: i.clone(),
        holds,
        summary,
        details,
        report: Some(r),
    }
}

/// Human output: one line per intent, details under failures, a total.
pub fn text(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let _ = writeln!(
            out,
            "{}  {}: {}",
            if o.holds { "PASS" } else { "FAIL" },
            o.intent.name,
            o.summary
        );
        if !o.holds {
            for l in o.details.lines() {
                let _ = writeln!(out, "      {l}");
            }
        }
    }
    let failed = outcomes.iter().filter(|o| !o.holds).count();
    let _ = writeln!(
        out,
        "{} intents: {} held, {failed} failed",
        outcomes.len(),
        outcomes.len() - failed
    );
    out
}

pub fn json(v: &Verifier, outcomes: &[Outcome]) -> Value {
    json!({
        "intents": outcomes.iter().map(|o| json!({
            "name": o.intent.name,
            "from": o.intent.from,
            "to": o.intent.to,
            "selection": o.intent.selection.describe(),
            "expect": o.intent.expect.name(),
            "holds": o.holds,
            "summary": o.summary,
            "result": o.report.as_ref().map(|r| reach::json(v, r)),
        })).collect::<Vec<_>>(),
        "held": outcomes.iter().filter(|o| o.holds).count(),
        "failed": outcomes.iter().filter(|o| !o.holds).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_parses() {
        let y = "intents:\n  - name: web reaches db\n    from: vm:app-rg/web1\n    to: subnet:app-rg/spoke-data/db\n    protocol: Tcp\n    port: 5432\n    expect: allowed\n  - from: vnet:rg/a\n    to: vnet:rg/b\n    port: \"1000-2000\"\n    expect: denied\n";
        let v = parse(y).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].name, "web reaches db");
        assert_eq!(v[0].selection.describe(), "Tcp, port 5432");
        assert_eq!(v[1].name, "vnet:rg/a -> vnet:rg/b");
        assert_eq!(v[1].selection.describe(), "any protocol, port 1000-2000");
        assert_eq!(v[1].expect, Expect::Denied);
    }

    #[test]
    fn mistakes_are_named_with_the_intent_and_key() {
        let e =
            parse("intents:\n  - name: x\n    form: vm:a/b\n    to: vm:a/c\n    expect: allowed\n")
                .unwrap_err();
        assert_eq!(e, "intent 1 ('x'): unknown key 'form' (known keys: name, from, to, protocol, port, expect)");
        let e =
            parse("intents:\n  - from: vm:a/b\n    to: vm:a/c\n    expect: maybe\n").unwrap_err();
        assert!(e.contains("expect must be 'allowed' or 'denied'"), "{e}");
        let e = parse("intents:\n  - from: vm:a/b\n    to: vm:a/c\n    protocol: Tcp\n    port: 99999\n    expect: allowed\n").unwrap_err();
        assert!(e.starts_with("intent 1: '99999' is not a port"), "{e}");
        assert!(parse("intents: []\n").unwrap_err().contains("empty"));
        assert!(parse("intent:\n  - x\n")
            .unwrap_err()
            .contains("unknown key 'intent'"));
        let e =
            parse("intents:\n  - from: web1\n    to: vm:a/c\n    expect: denied\n").unwrap_err();
        assert!(
            e.starts_with("intent 1: from: 'web1' is not an endpoint"),
            "{e}"
        );
    }
}
