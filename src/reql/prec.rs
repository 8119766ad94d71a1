//! Binary operator precedence and the climbing that turns a flat operand/operator list into a tree.

use super::ast::{Expr, ExprKind};
use super::span::Span;

/// Binding power of a binary operator (higher binds tighter), or `None` if `op` is not one.
pub fn binary_prec(op: &str) -> Option<u8> {
    Some(match op {
        "??" => 1,
        "||" => 2,
        "&&" => 3,
        "|" => 4,
        "^" => 5,
        "&" => 6,
        "==" | "!=" | "===" | "!==" => 7,
        "<" | ">" | "<=" | ">=" | "instanceof" | "in" => 8,
        "<<" | ">>" | ">>>" => 9,
        "+" | "-" => 10,
        "*" | "/" | "%" => 11,
        "**" => 12,
        _ => return None,
    })
}

fn right_assoc(op: &str) -> bool {
    op == "**"
}

/// Builds the tree for `first op1 e1 op2 e2 ...` by precedence climbing, without recursion
/// deeper than the number of precedence levels (an explicit operator stack).
pub fn climb(first: Expr, rest: Vec<(&'static str, Span, Expr)>) -> Expr {
    let mut operands: Vec<Expr> = Vec::with_capacity(rest.len() + 1);
    operands.push(first);
    let mut ops: Vec<(&'static str, Span)> = Vec::with_capacity(rest.len());
    fn reduce(operands: &mut Vec<Expr>, ops: &mut Vec<(&'static str, Span)>) {
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
        let p = binary_prec(op).unwrap_or(0);
        while let Some((top, _)) = ops.last() {
            let tp = binary_prec(top).unwrap_or(0);
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
            vec![("+", s, n(2.0)), ("*", s, n(3.0)), ("-", s, n(4.0))],
        );
        assert_eq!(show(&e), "((1 + (2 * 3)) - 4)");
        let e = climb(n(2.0), vec![("**", s, n(3.0)), ("**", s, n(2.0))]);
        assert_eq!(show(&e), "(2 ** (3 ** 2))");
        let e = climb(n(1.0), vec![("||", s, n(2.0)), ("&&", s, n(3.0))]);
        assert_eq!(show(&e), "(1 || (2 && 3))");
    }
}
