//! python-jmespath 1.1's Pratt parser (`jmespath/parser.py`), ported rule for rule so
//! that az's expressions parse into the same trees. This matters beyond syntax errors:
//! python-jmespath parses the right side of `.*` with the binding power of `.`, so
//! `foo.*.bar.baz` means `(foo.*.bar).baz` (which is null), unlike other implementations.
//! It also accepts what Python accepts, e.g. `{a: x b: y}` without a comma.

use super::ast::{Comparator, Node};
use super::lexer::Token;

/// A syntax error (az reports every one the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError;

type ParseResult = Result<Node, ParseError>;

/// Deepest nesting of sub-expressions accepted; each level is one recursion of the
/// parser (and later of the evaluator). Real queries stay far below it.
const MAX_DEPTH: usize = 100;
/// Binding power below which a token ends a projection.
const PROJECTION_STOP: u8 = 10;

fn binding_power(token: &Token) -> u8 {
    match token {
        Token::Pipe => 1,
        Token::Or => 2,
        Token::And => 3,
        Token::Eq | Token::Ne | Token::Lt | Token::Lte | Token::Gt | Token::Gte => 5,
        Token::Flatten => 9,
        Token::Star => 20,
        Token::Filter => 21,
        Token::Dot => 40,
        Token::Not => 45,
        Token::Lbrace => 50,
        Token::Lbracket => 55,
        Token::Lparen => 60,
        _ => 0,
    }
}

const STAR_BP: u8 = 20;
const FILTER_BP: u8 = 21;
const FLATTEN_BP: u8 = 9;
const DOT_BP: u8 = 40;
const NOT_BP: u8 = 45;

pub fn parse(tokens: &[Token]) -> ParseResult {
    let mut parser = Parser {
        tokens,
        index: 0,
        depth: 0,
    };
    let node = parser.expression(0)?;
    if parser.current() == &Token::Eof {
        Ok(node)
    } else {
        Err(ParseError)
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    index: usize,
    depth: usize,
}

/// `ast.projection`, `ast.value_projection`, `ast.filter_projection`.
fn projection(lhs: Node, rhs: Node) -> Node {
    Node::Projection(Box::new(lhs), Box::new(rhs))
}

fn value_projection(lhs: Node, rhs: Node) -> Node {
    projection(Node::ObjectValues(Box::new(lhs)), rhs)
}

fn subexpr(lhs: Node, rhs: Node) -> Node {
    Node::Subexpr(Box::new(lhs), Box::new(rhs))
}

impl Parser<'_> {
    fn lookahead(&self, n: usize) -> &Token {
        self.tokens.get(self.index + n).unwrap_or(&Token::Eof)
    }

    fn current(&self) -> &Token {
        self.lookahead(0)
    }

    fn advance(&mut self) -> Token {
        let token = self.current().clone();
        self.index += 1;
        token
    }

    fn expect(&mut self, token: &Token) -> Result<(), ParseError> {
        if self.current() == token {
            self.index += 1;
            Ok(())
        } else {
            Err(ParseError)
        }
    }

    fn expression(&mut self, bp: u8) -> ParseResult {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError);
        }
        let token = self.advance();
        let mut left = self.nud(token)?;
        while bp < binding_power(self.current()) {
            let token = self.advance();
            left = self.led(token, left)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn nud(&mut self, token: Token) -> ParseResult {
        match token {
            Token::Literal(value) => Ok(Node::Literal(value)),
            Token::Identifier(name) => Ok(Node::Field(name)),
            Token::QuotedIdentifier(name) => {
                if self.current() == &Token::Lparen {
                    return Err(ParseError);
                }
                Ok(Node::Field(name))
            }
            Token::Star => {
                let rhs = if self.current() == &Token::Rbracket {
                    Node::Identity
                } else {
                    self.projection_rhs(STAR_BP)?
                };
                Ok(value_projection(Node::Identity, rhs))
            }
            Token::Filter => self.filter(Node::Identity),
            Token::Lbrace => self.multi_select_hash(),
            Token::Lparen => {
                let node = self.expression(0)?;
                self.expect(&Token::Rparen)?;
                Ok(node)
            }
            Token::Flatten => {
                let rhs = self.projection_rhs(FLATTEN_BP)?;
                Ok(projection(Node::Flatten(Box::new(Node::Identity)), rhs))
            }
            Token::Not => Ok(Node::Not(Box::new(self.expression(NOT_BP)?))),
            Token::Lbracket => self.nud_lbracket(),
            Token::Current => Ok(Node::Identity),
            Token::Expref => Ok(Node::Expref(Box::new(self.expression(0)?))),
            _ => Err(ParseError),
        }
    }

    fn nud_lbracket(&mut self) -> ParseResult {
        match (self.current(), self.lookahead(1)) {
            (Token::Number(_) | Token::Colon, _) => {
                let index = self.index_expression()?;
                self.project_if_slice(Node::Identity, index)
            }
            (Token::Star, Token::Rbracket) => {
                self.index += 2;
                let rhs = self.projection_rhs(STAR_BP)?;
                Ok(projection(Node::Identity, rhs))
            }
            _ => self.multi_select_list(),
        }
    }

    fn led(&mut self, token: Token, left: Node) -> ParseResult {
        match token {
            Token::Dot => self.led_dot(left),
            Token::Pipe => Ok(subexpr(left, self.expression(1)?)),
            Token::Or => Ok(Node::Or(Box::new(left), Box::new(self.expression(2)?))),
            Token::And => Ok(Node::And(Box::new(left), Box::new(self.expression(3)?))),
            Token::Lparen => self.function_call(left),
            Token::Filter => self.filter(left),
            Token::Eq => self.comparator(left, Comparator::Eq),
            Token::Ne => self.comparator(left, Comparator::Ne),
            Token::Gt => self.comparator(left, Comparator::Gt),
            Token::Gte => self.comparator(left, Comparator::Ge),
            Token::Lt => self.comparator(left, Comparator::Lt),
            Token::Lte => self.comparator(left, Comparator::Le),
            Token::Flatten => {
                let rhs = self.projection_rhs(FLATTEN_BP)?;
                Ok(projection(Node::Flatten(Box::new(left)), rhs))
            }
            Token::Lbracket => self.led_lbracket(left),
            _ => Err(ParseError),
        }
    }

    /// `_token_led_dot`: `.*` starts a value projection whose right side binds like `.`.
    fn led_dot(&mut self, left: Node) -> ParseResult {
        if self.current() == &Token::Star {
            self.index += 1;
            let rhs = self.projection_rhs(DOT_BP)?;
            return Ok(value_projection(left, rhs));
        }
        let rhs = self.dot_rhs(DOT_BP)?;
        Ok(subexpr(left, rhs))
    }

    fn led_lbracket(&mut self, left: Node) -> ParseResult {
        if matches!(self.current(), Token::Number(_) | Token::Colon) {
            let index = self.index_expression()?;
            // Python appends to an existing index expression, without projecting even
            // for a slice: `a[0][1:].b` is `(a[0][1:]).b`.
            if matches!(left, Node::IndexExpr(..)) {
                return Ok(Node::IndexExpr(Box::new(left), Box::new(index)));
            }
            return self.project_if_slice(left, index);
        }
        self.expect(&Token::Star)?;
        self.expect(&Token::Rbracket)?;
        let rhs = self.projection_rhs(STAR_BP)?;
        Ok(projection(left, rhs))
    }

    fn function_call(&mut self, left: Node) -> ParseResult {
        let Node::Field(name) = left else {
            return Err(ParseError);
        };
        let mut args = Vec::new();
        while self.current() != &Token::Rparen {
            let arg = self.expression(0)?;
            if self.current() == &Token::Comma {
                self.index += 1;
            }
            args.push(arg);
        }
        self.expect(&Token::Rparen)?;
        Ok(Node::Function { name, args })
    }

    /// `_token_led_filter`: `[? condition ]`, then the projected right side.
    fn filter(&mut self, left: Node) -> ParseResult {
        let predicate = self.expression(0)?;
        self.expect(&Token::Rbracket)?;
        let then = if self.current() == &Token::Flatten {
            Node::Identity
        } else {
            self.projection_rhs(FILTER_BP)?
        };
        Ok(projection(
            left,
            Node::Condition {
                predicate: Box::new(predicate),
                then: Box::new(then),
            },
        ))
    }

    fn comparator(&mut self, left: Node, op: Comparator) -> ParseResult {
        let rhs = self.expression(5)?;
        Ok(Node::Comparison {
            op,
            lhs: Box::new(left),
            rhs: Box::new(rhs),
        })
    }

    /// `_parse_index_expression`: `[n]` or a slice `[a:b:c]` (the `[` already consumed).
    fn index_expression(&mut self) -> ParseResult {
        if self.current() == &Token::Colon || self.lookahead(1) == &Token::Colon {
            return self.slice_expression();
        }
        let Token::Number(n) = self.advance() else {
            return Err(ParseError);
        };
        self.expect(&Token::Rbracket)?;
        Ok(Node::Index(n))
    }

    fn slice_expression(&mut self) -> ParseResult {
        let mut parts: [Option<i64>; 3] = [None, None, None];
        let mut part = 0;
        while self.current() != &Token::Rbracket && part < 3 {
            match self.advance() {
                Token::Colon => {
                    part += 1;
                    if part == 3 {
                        return Err(ParseError);
                    }
                }
                Token::Number(n) => parts[part] = Some(n),
                _ => return Err(ParseError),
            }
        }
        self.expect(&Token::Rbracket)?;
        let [start, stop, step] = parts;
        Ok(Node::Slice {
            start,
            stop,
            step: step.unwrap_or(1),
        })
    }

    /// `_project_if_slice`: an index applies to `left`; a slice also projects.
    fn project_if_slice(&mut self, left: Node, index: Node) -> ParseResult {
        let is_slice = matches!(index, Node::Slice { .. });
        let indexed = Node::IndexExpr(Box::new(left), Box::new(index));
        if is_slice {
            let rhs = self.projection_rhs(STAR_BP)?;
            Ok(projection(indexed, rhs))
        } else {
            Ok(indexed)
        }
    }

    fn multi_select_list(&mut self) -> ParseResult {
        let mut elements = Vec::new();
        loop {
            elements.push(self.expression(0)?);
            if self.current() == &Token::Rbracket {
                break;
            }
            self.expect(&Token::Comma)?;
        }
        self.expect(&Token::Rbracket)?;
        Ok(Node::MultiList(elements))
    }

    /// `_parse_multi_select_hash`: like Python, a missing comma between pairs is accepted.
    fn multi_select_hash(&mut self) -> ParseResult {
        let mut pairs = Vec::new();
        loop {
            let key = match self.advance() {
                Token::Identifier(k) | Token::QuotedIdentifier(k) => k,
                _ => return Err(ParseError),
            };
            self.expect(&Token::Colon)?;
            pairs.push((key, self.expression(0)?));
            match self.current() {
                Token::Comma => self.index += 1,
                Token::Rbrace => {
                    self.index += 1;
                    break;
                }
                _ => {}
            }
        }
        Ok(Node::MultiHash(pairs))
    }

    fn projection_rhs(&mut self, bp: u8) -> ParseResult {
        match self.current() {
            t if binding_power(t) < PROJECTION_STOP => Ok(Node::Identity),
            Token::Lbracket | Token::Filter => self.expression(bp),
            Token::Dot => {
                self.index += 1;
                self.dot_rhs(bp)
            }
            _ => Err(ParseError),
        }
    }

    fn dot_rhs(&mut self, bp: u8) -> ParseResult {
        match self.current() {
            Token::Identifier(_) | Token::QuotedIdentifier(_) | Token::Star => self.expression(bp),
            Token::Lbracket => {
                self.index += 1;
                self.multi_select_list()
            }
            Token::Lbrace => {
                self.index += 1;
                self.multi_select_hash()
            }
            _ => Err(ParseError),
        }
    }
}
