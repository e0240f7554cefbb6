//! Scenario transcripts: tests as data. A scenario file is a list of shell commands, each
//! followed by the output it must produce:
//!
//! ```text
//! ## a comment (anywhere)
//! $ az network vnet peering show -g rg -n a-to-b --vnet-name a --query peeringState -o tsv
//! Connected
//! $ az network vnet show -g rg -n nope
//! ! ERROR: (ResourceNotFound) The Resource 'Microsoft.Network/virtualNetworks/nope' [..]
//! ...
//! ? 3
//! ```
//!
//! Plain lines are stdout, `! ` lines stderr, `? N` the exit code (0 when absent). `[..]`
//! matches any text within a line and a line `...` any number of lines. Commands run in one
//! bash session (variables carry over, so tutorials run verbatim) with `az` on the PATH
//! being this binary, on a fresh state with deterministic GUIDs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// One command and what it must print.
#[derive(Debug, Clone)]
pub struct Step {
    /// `##` comment lines written just before the command (kept when rewriting).
    pub comments: Vec<String>,
    pub command: String,
    pub expected: Vec<String>,
}

/// A parsed scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub header: Vec<String>,
    pub steps: Vec<Step>,
}

/// What one command printed.
#[derive(Debug, Clone)]
pub struct Actual {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl Actual {
    /// The transcript lines in scenario notation.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.stdout.lines().map(str::to_string).collect();
        out.extend(self.stderr.lines().map(|l| {
            if l.is_empty() {
                "!".to_string()
            } else {
                format!("! {l}")
            }
        }));
        if self.exit_code != 0 {
            out.push(format!("? {}", self.exit_code));
        }
        trim_trailing_blank(out)
    }
}

fn trim_trailing_blank(mut v: Vec<String>) -> Vec<String> {
    while v.last().is_some_and(|l| l.trim().is_empty()) {
        v.pop();
    }
    v
}

pub fn parse(text: &str) -> Scenario {
    let mut header = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut pending_comments: Vec<String> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            let mut command = cmd.to_string();
            while command.ends_with('\\') {
                match lines.next() {
                    Some(next) => {
                        command.push('\n');
                        command.push_str(next);
                    }
                    None => break,
                }
            }
            let comments = std::mem::take(&mut pending_comments);
            steps.push(Step {
                comments,
                command,
                expected: Vec::new(),
            });
        } else if line.starts_with("##") {
            if steps.is_empty() {
                header.push(line.to_string());
            } else {
                pending_comments.push(line.to_string());
            }
        } else if let Some(step) = steps.last_mut() {
            step.expected.push(line.to_string());
        } else if !line.trim().is_empty() {
            header.push(line.to_string());
        }
    }
    for s in &mut steps {
        s.expected = trim_trailing_blank(std::mem::take(&mut s.expected));
    }
    Scenario { header, steps }
}

/// Does `actual` match the `expected` lines (with `[..]` and `...` wildcards)?
pub fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((e, rest)) => actual
            .split_first()
            .is_some_and(|(a, arest)| line_matches(e, a) && matches(rest, arest)),
    }
}

fn line_matches(pattern: &str, line: &str) -> bool {
    if !pattern.contains("[..]") {
        return pattern == line;
    }
    let parts: Vec<&str> = pattern.split("[..]").collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !line.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return line.len() >= pos + part.len() && line[pos..].ends_with(part);
        } else {
            match line[pos..].find(part) {
                Some(j) => pos += j + part.len(),
                None => return false,
            }
        }
    }
    true
}

/// Runs every step in one bash session on a fresh state; returns what each printed.
pub fn execute(scenario: &Scenario) -> Result<Vec<Actual>, String> {
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find the vnetlab binary: {e}"))?;
    let work = TempDir::new()?;
    let bin = work.path.join("bin");
    let out = work.path.join("out");
    std::fs::create_dir_all(&bin)
        .and_then(|_| std::fs::create_dir_all(&out))
        .map_err(|e| e.to_string())?;
    std::os::unix::fs::symlink(&exe, bin.join("az")).map_err(|e| e.to_string())?;
    std::os::unix::fs::symlink(&exe, bin.join("vnetlab")).map_err(|e| e.to_string())?;
    let mut script = String::from("set +e\n");
    for (i, step) in scenario.steps.iter().enumerate() {
        let _ = writeln!(
            script,
            "{{ {}\n}} >\"$VNETLAB_SCENARIO_OUT/{i}.out\" 2>\"$VNETLAB_SCENARIO_OUT/{i}.err\" </dev/null; echo $? >\"$VNETLAB_SCENARIO_OUT/{i}.rc\"",
            step.command
        );
    }
    let script_path = work.path.join("scenario.sh");
    std::fs::write(&script_path, script).map_err(|e| e.to_string())?;
    // VNETLAB_SCENARIO_TRANSPORT=remote: the same transcript through `vnetlab serve` over
    // HTTPS (VNETLAB_LRO and VNETLAB_LRO_POLLS pass through to the server).
    let server = match std::env::var("VNETLAB_SCENARIO_TRANSPORT").as_deref() {
        Ok("remote") => Some(crate::serve::ChildServer::start(
            &work.path,
            &[],
            &[("VNETLAB_DETERMINISTIC", "1")],
        )?),
        _ => None,
    };
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut bash = Command::new("bash");
    if let Some(server) = &server {
        bash.env("VNETLAB_ENDPOINT", &server.endpoint);
    } else {
        bash.env_remove("VNETLAB_ENDPOINT");
    }
    let status = bash
        .arg(&script_path)
        .current_dir(&work.path)
        .env("PATH", path_var)
        .env("VNETLAB_STATE", work.path.join("state.db"))
        .env("VNETLAB_DETERMINISTIC", "1")
        .env("VNETLAB_SCENARIO_OUT", &out)
        .status()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    if !status.success() {
        return Err(format!("the scenario shell failed: {status}"));
    }
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
    Ok((0..scenario.steps.len())
        .map(|i| Actual {
            stdout: read(out.join(format!("{i}.out"))),
            stderr: read(out.join(format!("{i}.err"))),
            exit_code: read(out.join(format!("{i}.rc")))
                .trim()
                .parse()
                .unwrap_or(-1),
        })
        .collect())
}

/// Writes a scenario back with actual output as the expectation.
pub fn render(scenario: &Scenario, actuals: &[Actual]) -> String {
    let mut text = String::new();
    for h in &scenario.header {
        let _ = writeln!(text, "{h}");
    }
    for (step, actual) in scenario.steps.iter().zip(actuals) {
        for c in &step.comments {
            let _ = writeln!(text, "{c}");
        }
        let _ = writeln!(text, "$ {}", step.command);
        for l in actual.lines() {
            let _ = writeln!(text, "{l}");
        }
    }
    text
}

/// Runs scenario files; prints a diff for each failure. `update` rewrites expectations.
pub fn run_files(files: &[PathBuf], update: bool) -> ExitCode {
    let update = update || std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let mut failed = 0;
    for file in files {
        match check_file(file, update) {
            Ok(true) => println!("ok      {}", file.display()),
            Ok(false) => failed += 1,
            Err(e) => {
                println!("ERROR   {}: {e}", file.display());
                failed += 1;
            }
        }
    }
    println!("{} passed, {failed} failed", files.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn check_file(file: &Path, update: bool) -> Result<bool, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let scenario = parse(&text);
    let actuals = execute(&scenario)?;
    let mut ok = true;
    let mut report = String::new();
    for (step, actual) in scenario.steps.iter().zip(&actuals) {
        let lines = actual.lines();
        if !matches(&step.expected, &lines) {
            ok = false;
            let _ = writeln!(report, "  $ {}", step.command.lines().next().unwrap_or(""));
            for e in &step.expected {
                let _ = writeln!(report, "  - {e}");
            }
            for a in &lines {
                let _ = writeln!(report, "  + {a}");
            }
        }
    }
    if update && !ok {
        std::fs::write(file, render(&scenario, &actuals)).map_err(|e| e.to_string())?;
        println!("updated {}", file.display());
        return Ok(true);
    }
    if !ok {
        println!("FAILED  {}\n{report}", file.display());
    }
    Ok(ok)
}

/// A directory removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new() -> Result<Self, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!("vnetlab-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(TempDir { path })
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_within_lines_and_across_lines() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(matches(&v(&["a[..]c"]), &v(&["abbbc"])));
        assert!(!matches(&v(&["a[..]c"]), &v(&["abbbd"])));
        assert!(matches(&v(&["x", "...", "z"]), &v(&["x", "1", "2", "z"])));
        assert!(matches(&v(&["..."]), &v(&[])));
        assert!(!matches(&v(&["x"]), &v(&["x", "y"])));
    }

    #[test]
    fn parses_commands_continuations_and_expectations() {
        let s = parse("## title\n$ az a \\\n  --b\nout\n! err\n? 2\n\n$ az c\n");
        assert_eq!(s.header, vec!["## title"]);
        assert_eq!(s.steps.len(), 2);
        assert_eq!(s.steps[0].command, "az a \\\n  --b");
        assert_eq!(s.steps[0].expected, vec!["out", "! err", "? 2"]);
        assert!(s.steps[1].expected.is_empty());
    }
}
