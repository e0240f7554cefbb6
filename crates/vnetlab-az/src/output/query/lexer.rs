//! python-jmespath 1.1's lexer (`jmespath/lexer.py`), token for token.
//!
//! Kept as Python has it: identifiers are ASCII, numbers are `-?[0-9]+`, whitespace is
//! ` \t\n\r`, a `` `literal` `` that is not JSON is read as a JSON string (JEP-12's
//! deprecated form, so `` [?name==`vm1`] `` works), and inside `'…'`, `"…"` and `` `…` ``
//! a backslash escapes the next character.

use serde_json::Value;

use crate::output::pyfmt::is_py_space;

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Dot,
    Star,
    Rbracket,
    Comma,
    Colon,
    Current,
    Lparen,
    Rparen,
    Lbrace,
    Rbrace,
    /// `[`
    Lbracket,
    /// `[]`
    Flatten,
    /// `[?`
    Filter,
    Pipe,
    Or,
    And,
    /// `&`
    Expref,
    Eq,
    Ne,
    Not,
    Lt,
    Lte,
    Gt,
    Gte,
    Number(i64),
    Identifier(String),
    QuotedIdentifier(String),
    Literal(Value),
    Eof,
}

/// A lexer error; python-jmespath's message is not needed (az prints its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexError;

/// Splits `expr` into tokens, ending with [`Token::Eof`]. An empty expression is an error.
pub fn tokenize(expr: &str) -> Result<Vec<Token>, LexError> {
    if expr.is_empty() {
        return Err(LexError);
    }
    let chars: Vec<char> = expr.chars().collect();
    let mut lexer = Lexer {
        chars: &chars,
        pos: 0,
    };
    let mut tokens = Vec::new();
    while let Some(c) = lexer.peek() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            lexer.pos += 1;
            continue;
        }
        tokens.push(lexer.token(c)?);
    }
    tokens.push(Token::Eof);
    Ok(tokens)
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Consumes the current character; if the next one is `next`, consumes it too and
    /// returns `matched`, else `otherwise` (`_match_or_else`).
    fn pair(&mut self, next: char, matched: Token, otherwise: Token) -> Token {
        self.pos += 1;
        if self.peek() == Some(next) {
            self.pos += 1;
            matched
        } else {
            otherwise
        }
    }

    fn token(&mut self, c: char) -> Result<Token, LexError> {
        let simple = match c {
            '.' => Some(Token::Dot),
            '*' => Some(Token::Star),
            ']' => Some(Token::Rbracket),
            ',' => Some(Token::Comma),
            ':' => Some(Token::Colon),
            '@' => Some(Token::Current),
            '(' => Some(Token::Lparen),
            ')' => Some(Token::Rparen),
            '{' => Some(Token::Lbrace),
            '}' => Some(Token::Rbrace),
            _ => None,
        };
        if let Some(token) = simple {
            self.pos += 1;
            return Ok(token);
        }
        Ok(match c {
            c if c.is_ascii_alphabetic() || c == '_' => Token::Identifier(self.identifier()),
            '[' => self.bracket(),
            '\'' => Token::Literal(Value::String(self.delimited('\'')?.replace("\\'", "'"))),
            '|' => self.pair('|', Token::Or, Token::Pipe),
            '&' => self.pair('&', Token::And, Token::Expref),
            '`' => Token::Literal(self.literal()?),
            '0'..='9' | '-' => Token::Number(self.number()?),
            '"' => Token::QuotedIdentifier(self.quoted_identifier()?),
            '<' => self.pair('=', Token::Lte, Token::Lt),
            '>' => self.pair('=', Token::Gte, Token::Gt),
            '!' => self.pair('=', Token::Ne, Token::Not),
            '=' => match self.pair('=', Token::Eq, Token::Eof) {
                Token::Eq => Token::Eq,
                _ => return Err(LexError),
            },
            _ => return Err(LexError),
        })
    }

    fn identifier(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn bracket(&mut self) -> Token {
        self.pos += 1;
        match self.peek() {
            Some(']') => {
                self.pos += 1;
                Token::Flatten
            }
            Some('?') => {
                self.pos += 1;
                Token::Filter
            }
            _ => Token::Lbracket,
        }
    }

    /// `-?[0-9]+`; a lone `-` is an error. Out-of-range numbers saturate (they can only
    /// index or slice, where any huge value behaves the same).
    fn number(&mut self) -> Result<i64, LexError> {
        let negative = self.peek() == Some('-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(LexError);
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX);
        Ok(if negative { -magnitude } else { magnitude })
    }

    /// `_consume_until`: the text up to the closing `delimiter`, backslashes kept.
    fn delimited(&mut self, delimiter: char) -> Result<String, LexError> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(LexError),
                Some(c) if c == delimiter => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some('\\') => {
                    text.push('\\');
                    self.pos += 1;
                    let escaped = self.peek().ok_or(LexError)?;
                    text.push(escaped);
                    self.pos += 1;
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `_consume_literal`: JSON, else (deprecated) the text as a JSON string.
    fn literal(&mut self) -> Result<Value, LexError> {
        let lexeme = self.delimited('`')?.replace("\\`", "`");
        if let Ok(value) = serde_json::from_str(&lexeme) {
            return Ok(value);
        }
        let quoted = format!("\"{}\"", lexeme.trim_start_matches(is_py_space));
        serde_json::from_str::<String>(&quoted)
            .map(Value::String)
            .map_err(|_| LexError)
    }

    fn quoted_identifier(&mut self) -> Result<String, LexError> {
        let lexeme = format!("\"{}\"", self.delimited('"')?);
        serde_json::from_str(&lexeme).map_err(|_| LexError)
    }
}
