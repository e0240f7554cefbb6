//! PyYAML's scalar decisions, ported from `yaml/emitter.py::analyze_scalar` and the implicit
//! resolvers of `yaml/resolver.py` (YAML 1.1 `bool`, `int`, `float`, `null`, `timestamp`,
//! `merge`, `value`).
//!
//! A string may be written plain only if reading it back as plain text gives a string again
//! (so `'true'`, `'123'`, `'1.5'`, `''`, `'2024-01-01'` are quoted but `09` and `1e5` are not,
//! exactly as PyYAML does) and if its characters allow a plain block scalar.

/// What `analyze_scalar` finds out about a scalar's text (flow-context fields omitted:
/// az's YAML is always block style).
#[derive(Debug, Clone, Copy)]
pub struct Analysis {
    pub empty: bool,
    pub multiline: bool,
    pub allow_block_plain: bool,
    pub allow_single_quoted: bool,
}

const SPACE_OR_BREAK: &[char] = &[
    '\0', ' ', '\t', '\r', '\n', '\u{85}', '\u{2028}', '\u{2029}',
];

pub fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Characters PyYAML may print unescaped with `allow_unicode=True` (`analyze_scalar`).
fn is_unicode_printable(c: char) -> bool {
    c != '\u{feff}'
        && (c == '\u{85}'
            || ('\u{a0}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || ('\u{10000}'..'\u{10ffff}').contains(&c))
}

#[derive(Default)]
struct Findings {
    block_indicators: bool,
    line_breaks: bool,
    special_characters: bool,
    leading_space: bool,
    leading_break: bool,
    trailing_space: bool,
    trailing_break: bool,
    break_space: bool,
    space_break: bool,
}

pub fn analyze(text: &[char]) -> Analysis {
    if text.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let f = scan(text);
    let mut allow_block_plain = true;
    let mut allow_single_quoted = true;
    if f.leading_space || f.leading_break || f.trailing_space || f.trailing_break {
        allow_block_plain = false;
    }
    if f.break_space {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if f.space_break || f.special_characters {
        allow_block_plain = false;
        allow_single_quoted = false;
    }
    if f.line_breaks || f.block_indicators {
        allow_block_plain = false;
    }
    Analysis {
        empty: false,
        multiline: f.line_breaks,
        allow_block_plain,
        allow_single_quoted,
    }
}

fn scan(text: &[char]) -> Findings {
    let mut f = Findings::default();
    let starts_with = |p: &str| text.iter().copied().take(3).eq(p.chars());
    if starts_with("---") || starts_with("...") {
        f.block_indicators = true;
    }
    let last = text.len() - 1;
    let mut preceded_by_whitespace = true;
    let mut previous_space = false;
    let mut previous_break = false;
    for (index, &ch) in text.iter().enumerate() {
        let followed_by_whitespace = text
            .get(index + 1)
            .is_none_or(|c| SPACE_OR_BREAK.contains(c));
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) || (ch == '-' && followed_by_whitespace) {
                f.block_indicators = true;
            }
            if "?:".contains(ch) && followed_by_whitespace {
                f.block_indicators = true;
            }
        } else if (ch == ':' && followed_by_whitespace) || (ch == '#' && preceded_by_whitespace) {
            f.block_indicators = true;
        }
        if is_break(ch) {
            f.line_breaks = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch) || is_unicode_printable(ch)) {
            f.special_characters = true;
        }
        if ch == ' ' {
            f.leading_space |= index == 0;
            f.trailing_space |= index == last;
            f.break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            f.leading_break |= index == 0;
            f.trailing_break |= index == last;
            f.space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = SPACE_OR_BREAK.contains(&ch);
    }
    f
}

/// True if PyYAML's resolver reads `text`, written plain, back as a string (`tag:yaml.org,2002:str`).
pub fn resolves_to_str(text: &str) -> bool {
    !(is_null(text)
        || is_bool(text)
        || is_int(text)
        || is_float(text)
        || is_timestamp(text)
        || matches!(text, "<<" | "=" | "!" | "&" | "*"))
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn is_bool(text: &str) -> bool {
    matches!(
        text,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// A cursor over the characters of a candidate scalar, for the resolver's regular expressions.
struct Scan<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Self {
        Scan {
            bytes: text.as_bytes(),
            pos: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
    fn done(&self) -> bool {
        self.pos == self.bytes.len()
    }
    fn eat(&mut self, set: impl Fn(u8) -> bool) -> bool {
        match self.peek() {
            Some(c) if set(c) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }
    /// Consumes a run of matching bytes and returns its length.
    fn eat_run(&mut self, set: impl Fn(u8) -> bool) -> usize {
        let start = self.pos;
        while self.eat(&set) {}
        self.pos - start
    }
    fn eat_str(&mut self, s: &str) -> bool {
        if self.bytes[self.pos..].starts_with(s.as_bytes()) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }
    fn eat_sign(&mut self) -> bool {
        self.eat(|c| c == b'-' || c == b'+')
    }
    /// `(?::[0-5]?[0-9])+`
    fn eat_sexagesimal_groups(&mut self) -> bool {
        let mut groups = 0;
        while self.peek() == Some(b':') {
            let save = self.pos;
            self.pos += 1;
            let two = matches!(self.bytes.get(self.pos..self.pos + 2), Some([a, b]) if (b'0'..=b'5').contains(a) && b.is_ascii_digit());
            if two {
                self.pos += 2;
            } else if !self.eat(|c| c.is_ascii_digit()) {
                self.pos = save;
                break;
            }
            groups += 1;
        }
        groups > 0
    }
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}

fn digit_or_underscore(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

fn try_match(text: &str, pattern: impl Fn(&mut Scan<'_>) -> bool) -> bool {
    let mut scan = Scan::new(text);
    pattern(&mut scan) && scan.done()
}

/// `[-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+`
fn is_int(text: &str) -> bool {
    let signed = |f: &dyn Fn(&mut Scan<'_>) -> bool| {
        try_match(text, |s| {
            s.eat_sign();
            f(s)
        })
    };
    signed(&|s| s.eat_str("0b") && s.eat_run(|c| c == b'0' || c == b'1' || c == b'_') > 0)
        || signed(&|s| s.eat_str("0") && s.eat_run(|c| (b'0'..=b'7').contains(&c) || c == b'_') > 0)
        || signed(&|s| s.eat_str("0"))
        || signed(&|s| {
            s.eat(|c| (b'1'..=b'9').contains(&c)) && {
                s.eat_run(digit_or_underscore);
                true
            }
        })
        || signed(&|s| s.eat_str("0x") && s.eat_run(|c| c.is_ascii_hexdigit() || c == b'_') > 0)
        || signed(&|s| {
            s.eat(|c| (b'1'..=b'9').contains(&c)) && {
                s.eat_run(digit_or_underscore);
                s.eat_sexagesimal_groups()
            }
        })
}

/// `(?:[eE][-+][0-9]+)?`
fn eat_optional_exponent(s: &mut Scan<'_>) -> bool {
    let save = s.pos;
    if s.eat(|c| c == b'e' || c == b'E') && s.eat_sign() && s.eat_run(digit) > 0 {
        return true;
    }
    s.pos = save;
    true
}

/// The YAML 1.1 float resolver of PyYAML (note: a dot is required, so `1e5` is a string).
fn is_float(text: &str) -> bool {
    try_match(text, |s| {
        s.eat_sign();
        s.eat(digit)
            && {
                s.eat_run(digit_or_underscore);
                s.eat_str(".")
            }
            && {
                s.eat_run(digit_or_underscore);
                eat_optional_exponent(s)
            }
    }) || try_match(text, |s| {
        s.eat_str(".") && s.eat(digit) && {
            s.eat_run(digit_or_underscore);
            eat_optional_exponent(s)
        }
    }) || try_match(text, |s| {
        s.eat_sign();
        s.eat(digit)
            && {
                s.eat_run(digit_or_underscore);
                s.eat_sexagesimal_groups()
            }
            && s.eat_str(".")
            && {
                s.eat_run(digit_or_underscore);
                true
            }
    }) || try_match(text, |s| {
        s.eat_sign();
        s.eat_str(".inf") || s.eat_str(".Inf") || s.eat_str(".INF")
    }) || matches!(text, ".nan" | ".NaN" | ".NAN")
}

/// `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`, optionally followed by a time of day and a zone.
fn is_timestamp(text: &str) -> bool {
    try_match(text, |s| eat_date(s) && (s.done() || eat_time(s)))
}

fn eat_one_or_two_digits(s: &mut Scan<'_>) -> bool {
    s.eat(digit) && {
        s.eat(digit);
        true
    }
}

fn eat_date(s: &mut Scan<'_>) -> bool {
    (0..4).all(|_| s.eat(digit))
        && s.eat_str("-")
        && eat_one_or_two_digits(s)
        && s.eat_str("-")
        && eat_one_or_two_digits(s)
}

/// `(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?`
fn eat_time(s: &mut Scan<'_>) -> bool {
    let separator = s.eat(|c| c == b'T' || c == b't') || s.eat_run(|c| c == b' ' || c == b'\t') > 0;
    let clock = separator
        && eat_one_or_two_digits(s)
        && s.eat_str(":")
        && s.eat(digit)
        && s.eat(digit)
        && s.eat_str(":")
        && s.eat(digit)
        && s.eat(digit);
    if !clock {
        return false;
    }
    if s.eat_str(".") {
        s.eat_run(digit);
    }
    let save = s.pos;
    s.eat_run(|c| c == b' ' || c == b'\t');
    let zone = s.eat_str("Z")
        || (s.eat_sign() && eat_one_or_two_digits(s) && {
            let before_minutes = s.pos;
            if !(s.eat_str(":") && s.eat(digit) && s.eat(digit)) {
                s.pos = before_minutes;
            }
            true
        });
    if !zone {
        s.pos = save;
    }
    true
}
