//! A small, honest interpreter for `RunShellScript` scripts.
//!
//! Azure's Linux run-command extension writes the script lines to
//! `/var/lib/waagent/run-command/download/<n>/script.sh` and runs it with `/bin/bash -c`, so
//! bash reports errors as `<that path>: line N: …` (Azure/run-command-extension-linux
//! `main/exec.go`). This interpreter covers the subset of bash network labs use: simple
//! commands with quoting and `$VAR`/`${VAR}`/`$1`/`$?` expansion, `;`, `&&`, `||`, newlines,
//! `#` comments, `exit`, `set -e`/`-x`, assignments, redirections to `/dev/null` and between
//! stdout/stderr, `sudo`, the builtins `echo`, `true`, `false`, `:`, `sleep`, `export`,
//! `whoami`, and the network tools of [`super::tools`].
//!
//! It never fakes success: an unknown command fails as bash does (`command not found`, exit
//! status 127), and what exists on Azure's Ubuntu image but is not emulated (pipes, command
//! substitution, `apt-get`, `ip`, `cat`, …) makes the whole run-command fail with
//! `NotSupportedByVnetlab`.

use super::tools::{self, Net, Out};
use crate::error::{ArmError, ArmResult};
use std::collections::HashMap;

/// What a script printed, and its exit status (which Azure does not report; tests read it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptResult {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// Commands present on Azure's Ubuntu 22.04 images that vnetlab does not emulate.
const NOT_EMULATED: &[&str] = &[
    "apt",
    "apt-get",
    "dpkg",
    "snap",
    "systemctl",
    "service",
    "journalctl",
    "ip",
    "ss",
    "tc",
    "iptables",
    "ip6tables",
    "nft",
    "ufw",
    "tcpdump",
    "cat",
    "ls",
    "cp",
    "mv",
    "rm",
    "mkdir",
    "touch",
    "chmod",
    "chown",
    "grep",
    "egrep",
    "sed",
    "awk",
    "cut",
    "sort",
    "uniq",
    "wc",
    "head",
    "tail",
    "tee",
    "find",
    "xargs",
    "printf",
    "test",
    "[",
    "date",
    "uname",
    "uptime",
    "id",
    "env",
    "ps",
    "kill",
    "free",
    "df",
    "du",
    "mount",
    "wget",
    "ssh",
    "scp",
    "telnet",
    "host",
    "tracepath",
    "mtr",
    "arping",
    "resolvectl",
    "systemd-resolve",
    "hostnamectl",
    "timedatectl",
    "python3",
    "perl",
    "bash",
    "sh",
    "dash",
    "cd",
    "pwd",
    "source",
    ".",
    "eval",
    "read",
    "cloud-init",
    "waagent",
    "openssl",
    "base64",
    "gzip",
    "tar",
    "unzip",
    "vi",
    "nano",
    "less",
    "more",
    "watch",
    "timeout",
    "nohup",
    "crontab",
    "useradd",
    "passwd",
    "su",
    "lsblk",
    "ethtool",
    "ifup",
    "ifdown",
    "netplan",
    "dhclient",
    "lsof",
    "socat",
    "jq",
    "yes",
    "seq",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "stat",
    "file",
    "which",
    "type",
    "command",
    "alias",
    "unset",
    "shift",
    "trap",
    "wait",
    "jobs",
    "fg",
    "bg",
    "exec",
    "getent",
    "nproc",
    "lscpu",
];

/// Reserved words and constructs vnetlab's interpreter does not run.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    "function", "select", "{", "}", "[[", "]]", "!",
];

fn not_supported(what: impl AsRef<str>) -> ArmError {
    ArmError::not_supported(what)
}

// ---------------------------------------------------------------------------------------
// Lexing

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Literal text; `quoted` text is never split or globbed.
    Lit(String),
    /// A variable; `quoted` when inside double quotes.
    Var { name: String, quoted: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    parts: Vec<Part>,
    /// Whether any part was quoted (an empty quoted word is still a word).
    quoted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(Word, usize),
    /// `;`, `&&`, `||`, `|`, `&`, `;;`, `(`, `)`, `<`, `>`, `>>`, `&>`, `N>`, `N>&M`, `>&M`.
    Op(String, usize),
    Newline(usize),
}

/// A syntax error: bash's message lines (without the path prefix) and where parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SyntaxError {
    messages: Vec<(usize, String)>,
}

struct Lexer<'a> {
    chars: Vec<char>,
    i: usize,
    line: usize,
    total_lines: usize,
    _src: &'a str,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            chars: src.chars().collect(),
            i: 0,
            line: 1,
            total_lines: src.lines().count().max(1),
            _src: src,
        }
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    /// `$…` after the `$`: a variable part, or a literal `$`.
    fn dollar(&mut self, quoted: bool) -> ArmResult<Part> {
        match self.peek(0) {
            Some('(') => Err(not_supported("Command substitution and arithmetic ($(…))")),
            Some('{') => {
                let start = self.i + 1;
                let mut j = start;
                while j < self.chars.len() && self.chars[j] != '}' {
                    j += 1;
                }
                let name: String = self.chars[start..j.min(self.chars.len())].iter().collect();
                if j >= self.chars.len()
                    || name.is_empty()
                    || !(name.chars().all(is_name_char)
                        || name.chars().all(|c| c.is_ascii_digit())
                        || ["?", "#", "@", "*", "$"].contains(&name.as_str()))
                {
                    return Err(not_supported(format!(
                        "Parameter expansion ${{{name}…}} beyond a plain variable"
                    )));
                }
                self.i = j + 1;
                Ok(Part::Var { name, quoted })
            }
            Some(c) if is_name_start(c) => {
                let mut name = String::new();
                while let Some(c) = self.peek(0).filter(|c| is_name_char(*c)) {
                    name.push(c);
                    self.i += 1;
                }
                Ok(Part::Var { name, quoted })
            }
            Some(c) if c.is_ascii_digit() || "?#@*$!-".contains(c) => {
                self.i += 1;
                Ok(Part::Var {
                    name: c.to_string(),
                    quoted,
                })
            }
            _ => Ok(Part::Lit("$".into())),
        }
    }

    fn push_lit(parts: &mut Vec<Part>, s: &str) {
        if let Some(Part::Lit(last)) = parts.last_mut() {
            last.push_str(s);
        } else {
            parts.push(Part::Lit(s.to_string()));
        }
    }

    /// All tokens, or the syntax error that stopped lexing (with the tokens before it).
    fn tokens(&mut self) -> ArmResult<(Vec<Tok>, Option<SyntaxError>)> {
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek(0) else {
                return Ok((out, None));
            };
            match c {
                ' ' | '\t' | '\r' => self.i += 1,
                '\n' => {
                    out.push(Tok::Newline(self.line));
                    self.line += 1;
                    self.i += 1;
                }
                '\\' if self.peek(1) == Some('\n') => {
                    self.i += 2;
                    self.line += 1;
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                    let two: String = [Some(c), self.peek(1)].iter().flatten().collect();
                    let op = match two.as_str() {
                        ";;" | "&&" | "||" | ">>" | "&>" | ">&" | "<<" | "<&" | "<>" | "|&" => {
                            self.i += 2;
                            two
                        }
                        _ => {
                            self.i += 1;
                            c.to_string()
                        }
                    };
                    let op = if op == ">&" || op == "<&" {
                        // `>&2`: take the fd digit.
                        match self.peek(0) {
                            Some(d) if d.is_ascii_digit() => {
                                self.i += 1;
                                format!("{op}{d}")
                            }
                            _ => op,
                        }
                    } else {
                        op
                    };
                    out.push(Tok::Op(op, self.line));
                }
                d if d.is_ascii_digit()
                    && (self.peek(1) == Some('>') || self.peek(1) == Some('<'))
                    && self.at_word_start(&out) =>
                {
                    // `2>`, `2>&1`, `2>>`.
                    self.i += 2;
                    let mut op = format!("{d}{}", self.chars[self.i - 1]);
                    if self.peek(0) == Some('>') {
                        op.push('>');
                        self.i += 1;
                    } else if self.peek(0) == Some('&') {
                        op.push('&');
                        self.i += 1;
                        if let Some(f) = self.peek(0).filter(|c| c.is_ascii_digit()) {
                            op.push(f);
                            self.i += 1;
                        }
                    }
                    out.push(Tok::Op(op, self.line));
                }
                _ => match self.word()? {
                    Ok(w) => out.push(Tok::Word(w, self.line)),
                    Err(e) => {
                        // The command the error is in never runs: keep whole lines only.
                        let keep = out
                            .iter()
                            .rposition(|t| matches!(t, Tok::Newline(_)))
                            .map_or(0, |p| p + 1);
                        out.truncate(keep);
                        return Ok((out, Some(e)));
                    }
                },
            }
        }
    }

    fn at_word_start(&self, _out: &[Tok]) -> bool {
        self.i == 0
            || self
                .chars
                .get(self.i - 1)
                .is_some_and(|c| c.is_whitespace() || ";&|()".contains(*c))
    }

    fn word(&mut self) -> ArmResult<Result<Word, SyntaxError>> {
        let mut parts: Vec<Part> = Vec::new();
        let mut quoted = false;
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => break,
                '`' => return Err(not_supported("Command substitution (`…`)")),
                '\\' => {
                    match self.peek(1) {
                        Some('\n') => {
                            self.i += 2;
                            self.line += 1;
                            continue;
                        }
                        Some(n) => Self::push_lit(&mut parts, &n.to_string()),
                        None => {}
                    }
                    self.i += 2;
                    quoted = true;
                }
                '\'' => {
                    let start_line = self.line;
                    self.i += 1;
                    let mut s = String::new();
                    loop {
                        match self.peek(0) {
                            None => return Ok(Err(self.eof_error(start_line, '\''))),
                            Some('\'') => {
                                self.i += 1;
                                break;
                            }
                            Some(ch) => {
                                if ch == '\n' {
                                    self.line += 1;
                                }
                                s.push(ch);
                                self.i += 1;
                            }
                        }
                    }
                    Self::push_lit(&mut parts, &s);
                    quoted = true;
                }
                '"' => {
                    let start_line = self.line;
                    self.i += 1;
                    quoted = true;
                    if parts.is_empty() {
                        parts.push(Part::Lit(String::new()));
                    }
                    loop {
                        match self.peek(0) {
                            None => return Ok(Err(self.eof_error(start_line, '"'))),
                            Some('"') => {
                                self.i += 1;
                                break;
                            }
                            Some('\\') => {
                                match self.peek(1) {
                                    Some(n @ ('"' | '\\' | '$' | '`')) => {
                                        Self::push_lit(&mut parts, &n.to_string())
                                    }
                                    Some('\n') => self.line += 1,
                                    Some(n) => Self::push_lit(&mut parts, &format!("\\{n}")),
                                    None => {}
                                }
                                self.i += 2;
                            }
                            Some('$') => {
                                self.i += 1;
                                let p = self.dollar(true)?;
                                match p {
                                    Part::Lit(s) => Self::push_lit(&mut parts, &s),
                                    v => parts.push(v),
                                }
                            }
                            Some('`') => return Err(not_supported("Command substitution (`…`)")),
                            Some(ch) => {
                                if ch == '\n' {
                                    self.line += 1;
                                }
                                Self::push_lit(&mut parts, &ch.to_string());
                                self.i += 1;
                            }
                        }
                    }
                }
                '$' => {
                    self.i += 1;
                    let p = self.dollar(false)?;
                    match p {
                        Part::Lit(s) => Self::push_lit(&mut parts, &s),
                        v => parts.push(v),
                    }
                }
                other => {
                    Self::push_lit(&mut parts, &other.to_string());
                    self.i += 1;
                }
            }
        }
        Ok(Ok(Word { parts, quoted }))
    }

    fn eof_error(&self, line: usize, q: char) -> SyntaxError {
        SyntaxError {
            messages: vec![
                (
                    line,
                    format!("unexpected EOF while looking for matching `{q}'"),
                ),
                (
                    self.total_lines + 1,
                    "syntax error: unexpected end of file".to_string(),
                ),
            ],
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

#[derive(Debug, Clone, PartialEq, Eq)]
enum Redir {
    /// `N>file`, `N>>file`, `&>file` (fd 3 meaning both).
    ToFile { fd: u8, target: Word },
    /// `N>&M`.
    Dup { fd: u8, to: u8 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Simple {
    line: usize,
    words: Vec<Word>,
    redirs: Vec<Redir>,
}

/// `a && b || c`: the first command and the rest with their connectors.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AndOr {
    first: Simple,
    rest: Vec<(bool, Simple)>,
}

fn near(tok: &Tok) -> String {
    match tok {
        Tok::Op(o, _) => o.clone(),
        Tok::Newline(_) => "newline".into(),
        Tok::Word(..) => "word".into(),
    }
}

fn tok_line(t: &Tok) -> usize {
    match t {
        Tok::Word(_, l) | Tok::Op(_, l) | Tok::Newline(l) => *l,
    }
}

/// Parses tokens into and-or lists. Unsupported constructs fail loudly; a syntax error stops
/// parsing (the lists before it still run, as bash runs a script command by command).
fn parse(tokens: Vec<Tok>) -> ArmResult<(Vec<AndOr>, Option<SyntaxError>)> {
    let mut items = Vec::new();
    let mut i = 0;
    let syntax = |tok: &Tok| SyntaxError {
        messages: vec![(
            tok_line(tok),
            format!("syntax error near unexpected token `{}'", near(tok)),
        )],
    };
    while i < tokens.len() {
        match &tokens[i] {
            Tok::Newline(_) => {
                i += 1;
                continue;
            }
            Tok::Op(o, _)
                if o == ";"
                    || o == ";;"
                    || o == "&&"
                    || o == "||"
                    || o == "|"
                    || o == "&"
                    || o == ")" =>
            {
                return Ok((items, Some(syntax(&tokens[i]))));
            }
            _ => {}
        }
        let mut chain: Vec<(bool, Simple)> = Vec::new();
        let mut connector = true;
        loop {
            // One simple command.
            let line = tokens.get(i).map(tok_line).unwrap_or(1);
            let mut cmd = Simple {
                line,
                words: vec![],
                redirs: vec![],
            };
            while let Some(t) = tokens.get(i) {
                match t {
                    Tok::Word(w, _) => {
                        cmd.words.push(w.clone());
                        i += 1;
                    }
                    Tok::Op(o, _) if o.contains('>') || o.contains('<') => {
                        if o.starts_with('<') || o.contains('<') {
                            return Err(not_supported(format!("Input redirection ({o})")));
                        }
                        let (fd, rest) = match o.chars().next() {
                            Some(d) if d.is_ascii_digit() => (d as u8 - b'0', &o[1..]),
                            Some('&') => (3, &o[1..]),
                            _ => (1, o.as_str()),
                        };
                        if let Some(to) = rest.strip_prefix(">&") {
                            match to.parse::<u8>() {
                                Ok(to) if to <= 2 && fd <= 2 => {
                                    cmd.redirs.push(Redir::Dup { fd, to });
                                    i += 1;
                                    continue;
                                }
                                _ => return Err(not_supported(format!("The redirection {o}"))),
                            }
                        }
                        if fd > 3 {
                            return Err(not_supported(format!("The redirection {o}")));
                        }
                        match tokens.get(i + 1) {
                            Some(Tok::Word(w, _)) => {
                                cmd.redirs.push(Redir::ToFile {
                                    fd,
                                    target: w.clone(),
                                });
                                i += 2;
                            }
                            Some(other) => return Ok((items, Some(syntax(other)))),
                            None => {
                                return Ok((
                                    items,
                                    Some(SyntaxError {
                                        messages: vec![(
                                            line,
                                            "syntax error near unexpected token `newline'".into(),
                                        )],
                                    }),
                                ))
                            }
                        }
                    }
                    _ => break,
                }
            }
            if let Some(first) = cmd.words.first() {
                if let [Part::Lit(s)] = first.parts.as_slice() {
                    if !first.quoted && RESERVED.contains(&s.as_str()) {
                        return Err(not_supported(format!(
                            "The shell construct '{s}' in run-command scripts"
                        )));
                    }
                }
            }
            if cmd.words.is_empty() && cmd.redirs.is_empty() {
                let t = tokens.get(i).cloned().unwrap_or(Tok::Newline(line));
                return Ok((items, Some(syntax(&t))));
            }
            chain.push((connector, cmd));
            match tokens.get(i) {
                Some(Tok::Op(o, _)) if o == "&&" || o == "||" => {
                    connector = o == "&&";
                    i += 1;
                    while matches!(tokens.get(i), Some(Tok::Newline(_))) {
                        i += 1;
                    }
                    if i >= tokens.len() {
                        return Ok((
                            items,
                            Some(SyntaxError {
                                messages: vec![(
                                    line + 1,
                                    "syntax error: unexpected end of file".into(),
                                )],
                            }),
                        ));
                    }
                }
                Some(Tok::Op(o, _)) if o == "|" || o == "|&" => {
                    return Err(not_supported("Pipes (|) in run-command scripts"))
                }
                Some(Tok::Op(o, _)) if o == "&" => {
                    return Err(not_supported("Background jobs (&) in run-command scripts"))
                }
                Some(Tok::Op(o, _)) if o == "(" || o == ")" => {
                    return Err(not_supported(
                        "Subshells and functions ( … ) in run-command scripts",
                    ))
                }
                Some(Tok::Op(o, _)) if o == ";" => {
                    i += 1;
                    break;
                }
                Some(t @ Tok::Op(..)) => return Ok((items, Some(syntax(t)))),
                _ => break,
            }
        }
        let mut it = chain.into_iter();
        if let Some((_, first)) = it.next() {
            items.push(AndOr {
                first,
                rest: it.collect(),
            });
        }
    }
    Ok((items, None))
}

// ---------------------------------------------------------------------------------------
// Execution

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sink {
    Out,
    Err,
    Null,
}

struct Shell<'a> {
    net: &'a dyn Net,
    path: String,
    positional: Vec<String>,
    vars: HashMap<String, String>,
    status: i32,
    errexit: bool,
    xtrace: bool,
    stdout: String,
    stderr: String,
}

enum Flow {
    Continue,
    Exit(i32),
}

impl Shell<'_> {
    fn var(&self, name: &str) -> String {
        match name {
            "?" => self.status.to_string(),
            "#" => self.positional.len().to_string(),
            "@" | "*" => self.positional.join(" "),
            "0" => self.path.clone(),
            "$" => "1234".into(),
            "!" | "-" => String::new(),
            n if n.chars().all(|c| c.is_ascii_digit()) => n
                .parse::<usize>()
                .ok()
                .and_then(|k| k.checked_sub(1))
                .and_then(|k| self.positional.get(k))
                .cloned()
                .unwrap_or_default(),
            n => self.vars.get(n).cloned().unwrap_or_default(),
        }
    }

    /// Expands a word into fields (unquoted variables split on whitespace; an empty unquoted
    /// expansion disappears).
    fn expand(&self, w: &Word) -> Vec<String> {
        let mut fields: Vec<String> = vec![String::new()];
        let mut any = w.quoted;
        for p in &w.parts {
            match p {
                Part::Lit(s) => {
                    any = true;
                    if let Some(f) = fields.last_mut() {
                        f.push_str(s);
                    }
                }
                Part::Var { name, quoted: true } => {
                    any = true;
                    let v = self.var(name);
                    if let Some(f) = fields.last_mut() {
                        f.push_str(&v);
                    }
                }
                Part::Var {
                    name,
                    quoted: false,
                } => {
                    let v = self.var(name);
                    let pieces: Vec<&str> = v.split_whitespace().collect();
                    for (k, piece) in pieces.iter().enumerate() {
                        any = true;
                        if k > 0 {
                            fields.push(String::new());
                        }
                        if let Some(f) = fields.last_mut() {
                            f.push_str(piece);
                        }
                    }
                }
            }
        }
        if !any {
            return vec![];
        }
        fields
    }

    fn run_list(&mut self, items: &[AndOr]) -> ArmResult<Flow> {
        for item in items {
            let mut last_ran_is_final = true;
            if let Flow::Exit(c) = self.run_simple(&item.first)? {
                return Ok(Flow::Exit(c));
            }
            for (and, cmd) in &item.rest {
                let run = if *and {
                    self.status == 0
                } else {
                    self.status != 0
                };
                if run {
                    if let Flow::Exit(c) = self.run_simple(cmd)? {
                        return Ok(Flow::Exit(c));
                    }
                    last_ran_is_final = true;
                } else {
                    last_ran_is_final = false;
                }
            }
            // `set -e` ignores failures inside && / || lists except the last command.
            let failed_final = self.status != 0 && (item.rest.is_empty() || last_ran_is_final);
            if self.errexit && failed_final {
                return Ok(Flow::Exit(self.status));
            }
        }
        Ok(Flow::Continue)
    }

    fn run_simple(&mut self, cmd: &Simple) -> ArmResult<Flow> {
        // Assignments before the command name.
        let mut words = cmd.words.as_slice();
        let mut assignments: Vec<(String, String)> = Vec::new();
        while let Some(w) = words.first() {
            let Some(Part::Lit(s)) = w.parts.first() else {
                break;
            };
            let Some((name, rest)) = s.split_once('=') else {
                break;
            };
            if name.is_empty()
                || !name.chars().all(is_name_char)
                || !is_name_start(name.chars().next().unwrap_or('0'))
            {
                break;
            }
            let mut value_word = w.clone();
            value_word.parts[0] = Part::Lit(rest.to_string());
            value_word.quoted = true;
            assignments.push((name.to_string(), self.expand(&value_word).join(" ")));
            words = &words[1..];
        }
        let mut fields: Vec<String> = Vec::new();
        for w in words {
            fields.extend(self.expand(w));
        }
        if fields.is_empty() {
            for (k, v) in assignments {
                self.vars.insert(k, v);
            }
            self.status = 0;
            return Ok(Flow::Continue);
        }
        // Redirections.
        let mut fds = [Sink::Null, Sink::Out, Sink::Err];
        for r in &cmd.redirs {
            match r {
                Redir::ToFile { fd, target } => {
                    let t = self.expand(target).join(" ");
                    if t != "/dev/null" {
                        return Err(not_supported(format!(
                            "Redirecting output to '{t}' (files)"
                        )));
                    }
                    match fd {
                        3 => {
                            fds[1] = Sink::Null;
                            fds[2] = Sink::Null;
                        }
                        1 | 2 => fds[*fd as usize] = Sink::Null,
                        _ => return Err(not_supported("Redirecting standard input")),
                    }
                }
                Redir::Dup { fd, to } => {
                    if *fd == 0 || *to == 0 {
                        return Err(not_supported("Redirecting standard input"));
                    }
                    fds[*fd as usize] = fds[*to as usize];
                }
            }
        }
        if self.xtrace {
            self.stderr.push_str(&format!("+ {}\n", fields.join(" ")));
        }
        let (flow, out) = self.dispatch(cmd.line, fields, &assignments)?;
        for (text, sink) in [(&out.stdout, fds[1]), (&out.stderr, fds[2])] {
            match sink {
                Sink::Out => self.stdout.push_str(text),
                Sink::Err => self.stderr.push_str(text),
                Sink::Null => {}
            }
        }
        self.status = out.status;
        Ok(flow)
    }

    fn dispatch(
        &mut self,
        line: usize,
        mut fields: Vec<String>,
        assignments: &[(String, String)],
    ) -> ArmResult<(Flow, Out)> {
        while fields.first().map(String::as_str) == Some("sudo") {
            fields.remove(0);
            if fields.first().is_some_and(|f| f.starts_with('-')) {
                return Err(not_supported(format!("sudo {}", fields[0])));
            }
        }
        let Some(name) = fields.first().cloned() else {
            return Ok((Flow::Continue, Out::default()));
        };
        let args = &fields[1..];
        let out = match name.as_str() {
            "echo" => echo(args),
            "true" | ":" => Out::default(),
            "false" => Out::err("", 1),
            "exit" => {
                let code = match args.first() {
                    None => self.status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => n.rem_euclid(256) as i32,
                        Err(_) => {
                            self.stderr.push_str(&format!(
                                "{}: line {line}: exit: {a}: numeric argument required\n",
                                self.path
                            ));
                            2
                        }
                    },
                };
                self.status = code;
                return Ok((Flow::Exit(code), Out {
                    status: code,
                    ..Out::default()
                }));
            }
            "sleep" => match args.first().map(|a| a.trim_end_matches('s').parse::<f64>()) {
                Some(Ok(x)) if x >= 0.0 => Out::default(),
                Some(_) => Out::err(
                    format!("sleep: invalid time interval '{}'\nTry 'sleep --help' for more information.\n", args[0]),
                    1,
                ),
                None => Out::err(
                    "sleep: missing operand\nTry 'sleep --help' for more information.\n",
                    1,
                ),
            },
            "export" => {
                for a in args {
                    if let Some((k, v)) = a.split_once('=') {
                        self.vars.insert(k.to_string(), v.to_string());
                    }
                }
                Out::default()
            }
            "set" => {
                for a in args {
                    match a.as_str() {
                        "-e" => self.errexit = true,
                        "+e" => self.errexit = false,
                        "-x" => self.xtrace = true,
                        "+x" => self.xtrace = false,
                        "-ex" | "-xe" => {
                            self.errexit = true;
                            self.xtrace = true
                        }
                        "-o" | "pipefail" | "-eo" => {
                            if a == "-eo" {
                                self.errexit = true;
                            }
                        }
                        other => return Err(not_supported(format!("set {other}"))),
                    }
                }
                Out::default()
            }
            "whoami" => Out::ok("root\n"),
            "hostname" => tools::hostname(self.net, args)?,
            "ping" => tools::ping(self.net, args)?,
            "curl" => tools::curl(self.net, args)?,
            "nc" | "netcat" => tools::nc(self.net, args)?,
            "nslookup" => tools::nslookup(self.net, args)?,
            "dig" => tools::dig(self.net, args)?,
            "traceroute" => tools::traceroute(self.net, args)?,
            n if NOT_EMULATED.contains(&n) || n.starts_with('/') || n.starts_with("./") => {
                return Err(not_supported(format!(
                    "Running '{n}' in run-command scripts"
                )))
            }
            n => Out::err(
                format!("{}: line {line}: {n}: command not found\n", self.path),
                127,
            ),
        };
        let _ = assignments;
        Ok((Flow::Continue, out))
    }
}

/// bash's `echo` builtin: `-n`, `-e`, `-E` (and combinations) before the first operand.
fn echo(args: &[String]) -> Out {
    let mut newline = true;
    let mut escapes = false;
    let mut k = 0;
    while let Some(a) = args.get(k) {
        let flags = a
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && f.chars().all(|c| "neE".contains(c)));
        let Some(flags) = flags else { break };
        for c in flags.chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        k += 1;
    }
    let mut s = args[k..].join(" ");
    if escapes {
        s = s
            .replace("\\n", "\n")
            .replace("\\t", "\t")
            .replace("\\\\", "\\");
    }
    if newline {
        s.push('\n');
    }
    Out::ok(s)
}

/// Runs a script on `net`'s VM. `parameters` are run-command's `{name, value}` pairs: those
/// named `argN` (what az calls unnamed values) are positional, the others environment
/// variables. `path` is where the extension would have written the script.
pub fn run(
    net: &dyn Net,
    script: &str,
    parameters: &[(String, String)],
    path: &str,
) -> ArmResult<ScriptResult> {
    let mut positional: Vec<(usize, String)> = Vec::new();
    let mut vars: HashMap<String, String> = HashMap::new();
    for (name, value) in parameters {
        match name
            .strip_prefix("arg")
            .and_then(|n| n.parse::<usize>().ok())
        {
            Some(k) if k >= 1 => positional.push((k, value.clone())),
            _ => {
                vars.insert(name.clone(), value.clone());
            }
        }
    }
    positional.sort();
    vars.insert("HOME".into(), "/root".into());
    vars.insert("USER".into(), "root".into());
    vars.insert("HOSTNAME".into(), net.hostname());
    let mut sh = Shell {
        net,
        path: path.to_string(),
        positional: positional.into_iter().map(|(_, v)| v).collect(),
        vars,
        status: 0,
        errexit: false,
        xtrace: false,
        stdout: String::new(),
        stderr: String::new(),
    };
    let (tokens, lex_error) = Lexer::new(script).tokens()?;
    let (items, parse_error) = parse(tokens)?;
    let flow = sh.run_list(&items)?;
    let status = match flow {
        Flow::Exit(c) => c,
        Flow::Continue => {
            if let Some(e) = parse_error.or(lex_error) {
                for (line, msg) in e.messages {
                    sh.stderr
                        .push_str(&format!("{}: line {line}: {msg}\n", sh.path));
                }
                2
            } else {
                sh.status
            }
        }
    };
    Ok(ScriptResult {
        stdout: sh.stdout,
        stderr: sh.stderr,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tools::tests::FakeNet;
    use super::*;

    const PATH: &str = "/var/lib/waagent/run-command/download/0/script.sh";

    fn sh(script: &str) -> ScriptResult {
        run(&FakeNet, script, &[], PATH).unwrap()
    }

    #[test]
    fn echo_and_sequencing() {
        assert_eq!(sh("echo hello").stdout, "hello\n");
        assert_eq!(sh("echo -n a; echo b").stdout, "ab\n");
        assert_eq!(sh("echo 'a  b' \"c $HOSTNAME\"").stdout, "a  b c MainVM\n");
        assert_eq!(sh("false && echo no || echo yes").stdout, "yes\n");
        assert_eq!(
            sh("true && echo one\necho two # comment").stdout,
            "one\ntwo\n"
        );
        assert_eq!(sh("false; echo $?").stdout, "1\n");
        assert_eq!(sh("X=5; echo \"x=$X\" ${X}").stdout, "x=5 5\n");
        assert_eq!(sh("echo -e 'a\\tb'").stdout, "a\tb\n");
        assert_eq!(sh("echo a \\\n b").stdout, "a b\n");
    }

    #[test]
    fn unknown_commands_fail_like_bash() {
        let r = sh("foo bar");
        assert_eq!(
            r.stderr,
            format!("{PATH}: line 1: foo: command not found\n")
        );
        assert_eq!(r.status, 127);
        let r = sh("echo a\nnmap -p 22 10.0.0.4 || true\necho b");
        assert_eq!(r.stdout, "a\nb\n");
        assert_eq!(
            r.stderr,
            format!("{PATH}: line 2: nmap: command not found\n")
        );
        assert_eq!(r.status, 0);
    }

    #[test]
    fn not_emulated_commands_and_constructs_fail_loudly() {
        for s in [
            "sudo apt-get update",
            "ip addr",
            "ping -c 1 10.2.0.4 | tail -1",
            "echo $(hostname)",
            "echo `hostname`",
            "if true; then echo x; fi",
            "sleep 1 &",
            "echo x > /tmp/f",
            "cat < /etc/hosts",
        ] {
            let e = run(&FakeNet, s, &[], PATH).unwrap_err();
            assert_eq!(e.code, "NotSupportedByVnetlab", "{s}");
            assert!(
                e.message.ends_with("is not supported by vnetlab yet."),
                "{s}: {}",
                e.message
            );
        }
    }

    #[test]
    fn exit_set_e_and_redirections() {
        let r = sh("echo a; exit 3; echo b");
        assert_eq!((r.stdout.as_str(), r.status), ("a\n", 3));
        let r = sh("set -e\nfalse\necho never");
        assert_eq!((r.stdout.as_str(), r.status), ("", 1));
        let r = sh("set -e\nfalse || true\necho still");
        assert_eq!(r.stdout, "still\n");
        let r = sh("foo 2>/dev/null; echo ok");
        assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("ok\n", ""));
        let r = sh("echo out >/dev/null 2>&1");
        assert_eq!(r.stdout, "");
        let r = sh("echo to-err >&2");
        assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", "to-err\n"));
        let r = sh("foo 2>&1");
        assert!(r.stdout.contains("command not found"));
        let r = sh("set -x; echo hi");
        assert_eq!(
            (r.stdout.as_str(), r.stderr.as_str()),
            ("hi\n", "+ echo hi\n")
        );
    }

    #[test]
    fn syntax_errors_read_like_bash() {
        let r = sh("echo first\necho 'oops\necho never");
        assert_eq!(r.stdout, "first\n");
        assert_eq!(
            r.stderr,
            format!("{PATH}: line 2: unexpected EOF while looking for matching `''\n{PATH}: line 4: syntax error: unexpected end of file\n")
        );
        assert_eq!(r.status, 2);
        let r = sh("&& echo x");
        assert_eq!(
            r.stderr,
            format!("{PATH}: line 1: syntax error near unexpected token `&&'\n")
        );
    }

    #[test]
    fn parameters_are_positional_or_environment() {
        let params = vec![
            ("arg1".to_string(), "hello".to_string()),
            ("arg2".to_string(), "world".to_string()),
            ("TARGET".to_string(), "10.2.0.4".to_string()),
        ];
        let r = run(&FakeNet, "echo $1 $2 $#; echo $TARGET", &params, PATH).unwrap();
        assert_eq!(r.stdout, "hello world 2\n10.2.0.4\n");
    }

    #[test]
    fn network_tools_run_inside_scripts() {
        let r = sh("ping -c 2 10.2.0.4 && echo reachable");
        assert!(r
            .stdout
            .starts_with("PING 10.2.0.4 (10.2.0.4) 56(84) bytes of data.\n"));
        assert!(r.stdout.ends_with("reachable\n"));
        let r = sh("ping -c 1 -W 1 10.3.0.4 || echo unreachable");
        assert!(
            r.stdout
                .ends_with("100% packet loss, time 0ms\n\nunreachable\n")
                || r.stdout.contains("100% packet loss"),
            "{}",
            r.stdout
        );
        assert!(r.stdout.ends_with("unreachable\n"));
        let r = sh("nc -zv 10.2.0.4 22");
        assert_eq!(
            r.stderr,
            "Connection to 10.2.0.4 22 port [tcp/ssh] succeeded!\n"
        );
        let r = sh("sudo hostname");
        assert_eq!(r.stdout, "MainVM\n");
        let r = sh("whoami");
        assert_eq!(r.stdout, "root\n");
    }
}
