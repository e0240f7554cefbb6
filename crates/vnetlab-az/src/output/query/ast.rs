//! The expression tree `--query` evaluates, as python-jmespath's parser shapes it
//! (`jmespath/ast.py`): `subexpression` and `pipe` chains are [`Node::Subexpr`]s, `value_projection` is a [`Node::Projection`] over
//! [`Node::ObjectValues`], and `filter_projection` a projection whose right side is a
//! [`Node::Condition`]. Literals are `serde_json` values in the order they were written.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `@`
    Identity,
    /// `name`: a key of an object.
    Field(String),
    /// `[n]`, negative from the end.
    Index(i64),
    /// `[start:stop:step]`
    Slice {
        start: Option<i64>,
        stop: Option<i64>,
        step: i64,
    },
    /// A JSON literal or raw string.
    Literal(Value),
    /// `lhs.rhs` and `lhs | rhs`.
    Subexpr(Box<Node>, Box<Node>),
    /// `lhs[index]` or `lhs[slice]` (an `index_expression`): evaluated like
    /// [`Node::Subexpr`], but the parser treats a further `[…]` on it differently.
    IndexExpr(Box<Node>, Box<Node>),
    /// Evaluates `lhs`; if it is a list, maps `rhs` over it and drops nulls.
    Projection(Box<Node>, Box<Node>),
    /// `[]`: flattens one level.
    Flatten(Box<Node>),
    /// `*`: an object's values.
    ObjectValues(Box<Node>),
    /// The `[? predicate]` part of a filter: `then` if the predicate is truthy, else null.
    Condition {
        predicate: Box<Node>,
        then: Box<Node>,
    },
    Comparison {
        op: Comparator,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// `[a, b]`
    MultiList(Vec<Node>),
    /// `{k: a, …}`, in the order written.
    MultiHash(Vec<(String, Node)>),
    Function {
        name: String,
        args: Vec<Node>,
    },
    /// `&expr`
    Expref(Box<Node>),
}
