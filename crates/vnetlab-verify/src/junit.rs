//! JUnit XML for CI systems (the format Jenkins, GitLab, GitHub and Azure Pipelines read):
//! one `<testcase>` per intent, a `<failure>` with the explanation when it does not hold.

use crate::intents::Outcome;
use crate::render::xml_escape;
use std::fmt::Write as _;

/// The report. `suite` names the intents file; `seconds[i]` is the time intent `i` took (zeros
/// keep transcripts stable).
pub fn report(suite: &str, outcomes: &[Outcome], seconds: &[f64]) -> String {
    let failures = outcomes.iter().filter(|o| !o.holds).count();
    let total: f64 = seconds.iter().sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"vnetlab verify\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{total:.3}\">",
        outcomes.len()
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{total:.3}\">",
        xml_escape(suite),
        outcomes.len()
    );
    for (i, o) in outcomes.iter().enumerate() {
        let t = seconds.get(i).copied().unwrap_or(0.0);
        let _ = write!(
            x,
            "    <testcase name=\"{}\" classname=\"vnetlab.intents\" time=\"{t:.3}\"",
            xml_escape(&o.intent.name)
        );
        if o.holds {
            x.push_str("/>\n");
        } else {
            let body = format!(
                "{} -> {} ({})\n{}\n{}",
                o.intent.from,
                o.intent.to,
                o.intent.selection.describe(),
                o.summary,
                o.details
            );
            let _ = writeln!(
                x,
                ">\n      <failure type=\"IntentFailed\" message=\"{}\">{}</failure>\n    </testcase>",
                xml_escape(&o.summary),
                xml_escape(body.trim_end())
            );
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intents::{parse, Outcome};

    #[test]
    fn failures_carry_the_explanation_and_everything_is_escaped() {
        let i = parse("intents:\n  - name: a <b> & c\n    from: vm:r/a\n    to: vm:r/b\n    expect: allowed\n  - name: ok\n    from: vm:r/a\n    to: vm:r/b\n    expect: denied\n").unwrap();
        let o = vec![
            Outcome {
                intent: i[0].clone(),
                holds: false,
                summary: "expected allowed, but \"none\"".into(),
                details: "blockers:\n  1. NetworkSecurityRule x".into(),
                report: None,
            },
            Outcome {
                intent: i[1].clone(),
                holds: true,
                summary: "denied".into(),
                details: String::new(),
                report: None,
            },
        ];
        let x = report("intents.yaml", &o, &[0.5, 0.25]);
        assert!(x.contains("<testsuites name=\"vnetlab verify\" tests=\"2\" failures=\"1\" errors=\"0\" time=\"0.750\">"));
        assert!(x.contains(
            "<testcase name=\"a &lt;b&gt; &amp; c\" classname=\"vnetlab.intents\" time=\"0.500\">"
        ));
        assert!(x.contains("message=\"expected allowed, but &quot;none&quot;\""));
        assert!(x.contains("1. NetworkSecurityRule x</failure>"));
        assert!(x.contains("<testcase name=\"ok\" classname=\"vnetlab.intents\" time=\"0.250\"/>"));
        assert!(x.ends_with("</testsuites>\n"));
    }
}
