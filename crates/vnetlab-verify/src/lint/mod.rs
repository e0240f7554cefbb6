//! `vnetlab lint`: the classic mistakes of Azure network designs — those the seeds warn about
//! and those azure-semantics.md documents — each with a severity, the resource, why it matters
//! and the change that fixes it.
//!
//! Rules that are about declared settings (overlaps, link flags, GatewaySubnet, shadowed rules)
//! read the ARM records; rules that are about behaviour (where a reply is routed, whether a
//! name resolves) ask the compiled data plane, like every other verifier question.

mod address;
mod cover;
mod dns;
mod nsg;
mod peering;
mod routing;

use crate::Verifier;
use serde_json::{json, Value};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Result<Severity, String> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(format!("severity '{s}' is not one of error, warning, info")),
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// A stable name for the rule (`peering-not-reciprocal`), for suppressions and CI filters.
    pub code: &'static str,
    pub resource_id: String,
    pub why: String,
    pub fix: String,
}

impl Finding {
    pub fn new(
        severity: Severity,
        code: &'static str,
        resource_id: &str,
        why: String,
        fix: String,
    ) -> Finding {
        Finding {
            severity,
            code,
            resource_id: resource_id.to_string(),
            why,
            fix,
        }
    }
}

/// Every rule, over the whole estate; errors first, then warnings, then information.
pub fn run(v: &Verifier) -> Vec<Finding> {
    let mut out = Vec::new();
    address::check(v, &mut out);
    peering::check(v, &mut out);
    routing::check(v, &mut out);
    nsg::check(v, &mut out);
    dns::check(v, &mut out);
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.code.cmp(b.code))
            .then(a.resource_id.cmp(&b.resource_id))
    });
    out.dedup();
    out
}

pub fn text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(out, "{} [{}] {}", f.severity.name(), f.code, f.resource_id);
        let _ = writeln!(out, "  why: {}", f.why);
        let _ = writeln!(out, "  fix: {}", f.fix);
    }
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "{} findings: {} errors, {} warnings, {} info",
        findings.len(),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    out
}

pub fn json(findings: &[Finding]) -> Value {
    json!({
        "findings": findings.iter().map(|f| json!({
            "severity": f.severity.name(), "code": f.code, "resourceId": f.resource_id, "why": f.why, "fix": f.fix,
        })).collect::<Vec<_>>(),
    })
}
