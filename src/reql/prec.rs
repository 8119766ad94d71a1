//! Binary operator precedence and the climbing that turns a flat operand/operator list into a tree.

use super::ast::{Expr, ExprKind};
use super::span::Span;

/// A binary operator of JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Nullish,
    Or,
    And,
    BitOr,
    BitXor,
    BitAnd,
    Eq,
    Ne,
    StrictEq,
    StrictNe,
    Lt,
    Gt,
    Le,
    Ge,
    Instanceof,
    In,
    Shl,
    Shr,
    UShr,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
}

/// Each operator with its text and binding power (higher binds tighter).
#[rustfmt::skip]
const BIN_OPS: [(BinOp, &str, u8); 25] = [
    (BinOp::Nullish, "??", 1),
    (BinOp::Or, "||", 2),
    (BinOp::And, "&&", 3),
    (BinOp::BitOr, "|", 4),
    (BinOp::BitXor, "^", 5),
    (BinOp::BitAnd, "&", 6),
    (BinOp::Eq, "==", 7), (BinOp::Ne, "!=", 7), (BinOp::StrictEq, "===", 7), (BinOp::StrictNe, "!==", 7),
    (BinOp::Lt, "<", 8), (BinOp::Gt, ">", 8), (BinOp::Le, "<=", 8), (BinOp::Ge, ">=", 8),
    (BinOp::Instanceof, "instanceof", 8), (BinOp::In, "in", 8),
    (BinOp::Shl, "<<", 9), (BinOp::Shr, ">>", 9), (BinOp::UShr, ">>>", 9),
    (BinOp::Add, "+", 10), (BinOp::Sub, "-", 10),
    (BinOp::Mul, "*", 11), (BinOp::Div, "/", 11), (BinOp::Rem, "%", 11),
    (BinOp::Pow, "**", 12),
];

impl BinOp {
    /// The operator written `text`.
    pub fn from_text(text: &str) -> Option<BinOp> {
        BIN_OPS
            .iter()
            .find(|(_, t, _)| *t == text)
            .map(|&(op, _, _)| op)
    }

    fn row(self) -> (BinOp, &'static str, u8) {
        BIN_OPS
            .iter()
            .copied()
            .find(|&(op, _, _)| op == self)
            .unwrap_or((self, "?", 0))
    }

    /// Its text, e.g. `===`.
    pub fn text(self) -> &'static str {
        self.row().1
    }

    /// Its binding power (higher binds tighter).
    pub fn prec(self) -> u8 {
        self.row().2
    }
}

impl std::fmt::Display for BinOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// A prefix operator of JavaScript (`++` and `--` are updates, [`ExprKind::Update`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Plus,
    Not,
    BitNot,
    Typeof,
    /// `await`, as in a query pasted from async code: the value is the operand.
    Await,
    Void,
    Delete,
}

impl UnaryOp {
    /// Its text, e.g. `typeof`.
    pub fn text(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Not => "!",
            UnaryOp::BitNot => "~",
            UnaryOp::Typeof => "typeof",
            UnaryOp::Await => "await",
            UnaryOp::Void => "void",
            UnaryOp::Delete => "delete",
        }
    }
}

impl std::fmt::Display for UnaryOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// Binding power of a binary operator (higher binds tighter), or `None` if `op` is not one.
pub fn binary_prec(op: &str) -> Option<u8> {
    BinOp::from_text(op).map(BinOp::prec)
}

fn right_assoc(op: BinOp) -> bool {
    op == BinOp::Pow
}

/// Builds the tree for `first op1 e1 op2 e2 ...` by precedence climbing, without recursion
/// deeper than the number of precedence levels (an explicit operator stack).
pub fn climb(first: Expr, rest: Vec<(BinOp, Span, Expr)>) -> Expr {
    let mut operands: Vec<Expr> = Vec::with_capacity(rest.len() + 1);
    operands.push(first);
    let mut ops: Vec<(BinOp, Span)> = Vec::with_capacity(rest.len());
    fn reduce(operands: &mut Vec<Expr>, ops: &mut Vec<(BinOp, Span)>) {
        if let (Some((op, op_span)), Some(rhs), Some(lhs)) =
            (ops.pop(), operands.pop(), operands.pop())
        {
            let span = lhs.span.to(rhs.span);
            operands.push(Expr {
                kind: ExprKind::Binary {
                    op,
                    op_span,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            });
        }
    }
    for (op, op_span, rhs) in rest {
        let p = op.prec();
        while let Some((top, _)) = ops.last() {
            let tp = top.prec();
            if tp > p || (tp == p && !right_assoc(op)) {
                reduce(&mut operands, &mut ops);
            } else {
                break;
            }
        }
        ops.push((op, op_span));
        operands.push(rhs);
    }
    while !ops.is_empty() {
        reduce(&mut operands, &mut ops);
    }
    operands.pop().unwrap_or(Expr {
        kind: ExprKind::Error,
        span: Span::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: f64) -> Expr {
        Expr {
            kind: ExprKind::Num(v),
            span: Span::default(),
        }
    }

    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Num(v) => v.to_string(),
            ExprKind::Binary { op, lhs, rhs, .. } => format!("({} {op} {})", show(lhs), show(rhs)),
            _ => "?".into(),
        }
    }

    #[test]
    fn precedence_and_associativity() {
        let s = Span::default();
        let e = climb(
            n(1.0),
            vec![
                (BinOp::Add, s, n(2.0)),
                (BinOp::Mul, s, n(3.0)),
                (BinOp::Sub, s, n(4.0)),
            ],
        );
        assert_eq!(show(&e), "((1 + (2 * 3)) - 4)");
        let e = climb(
            n(2.0),
            vec![(BinOp::Pow, s, n(3.0)), (BinOp::Pow, s, n(2.0))],
        );
        assert_eq!(show(&e), "(2 ** (3 ** 2))");
        let e = climb(
            n(1.0),
            vec![(BinOp::Or, s, n(2.0)), (BinOp::And, s, n(3.0))],
        );
        assert_eq!(show(&e), "(1 || (2 && 3))");
    }
}
