//! JavaScript operators on plain values, and the ReQL method to use when one meets a term.

use super::*;

/// The ReQL method to use instead of a JavaScript operator on a term.
pub(super) fn method_for_op(op: BinOp) -> Option<&'static str> {
    Some(match op {
        BinOp::Add => "add",
        BinOp::Sub => "sub",
        BinOp::Mul => "mul",
        BinOp::Div => "div",
        BinOp::Rem => "mod",
        BinOp::Eq | BinOp::StrictEq => "eq",
        BinOp::Ne | BinOp::StrictNe => "ne",
        BinOp::Lt => "lt",
        BinOp::Le => "le",
        BinOp::Gt => "gt",
        BinOp::Ge => "ge",
        BinOp::And => "and",
        BinOp::Or => "or",
        BinOp::BitAnd => "bitAnd",
        BinOp::BitOr => "bitOr",
        BinOp::BitXor => "bitXor",
        BinOp::Shl => "bitSal",
        BinOp::Shr => "bitSar",
        BinOp::Nullish => "default",
        BinOp::UShr | BinOp::Pow | BinOp::In | BinOp::Instanceof => return None,
    })
}

impl Eval<'_> {
    pub(super) fn op_on_term(&mut self, op: BinOp, op_span: Span) -> V {
        // The lexer reads a template's `${` as `+ (` spanning those two characters; a `+`
        // the user wrote is one character.
        if op == BinOp::Add && op_span.end - op_span.start == 2 {
            return self.error_help(
                op_span,
                "a ReQL term cannot be put into a template string",
                "build the string with ReQL: r.expr('text').add(term)",
            );
        }
        match method_for_op(op) {
            Some(m) => self.error_help(
                op_span,
                format!("JavaScript `{op}` cannot be applied to a ReQL term"),
                format!("use the ReQL method: a.{m}(b)"),
            ),
            None => self.error_help(
                op_span,
                format!("JavaScript `{op}` cannot be applied to a ReQL term"),
                "use the ReQL methods (.add, .mul, .eq...)",
            ),
        }
    }

    pub(super) fn unary(&mut self, op: UnaryOp, x: V, span: Span) -> V {
        if op == UnaryOp::Await {
            return x;
        }
        match &x.v {
            Val::Poison => return x,
            Val::Term(_) => {
                let help = match op {
                    UnaryOp::Not => "use .not(): x.not() or r.not(x)",
                    UnaryOp::Neg => "use .mul(-1), or r.expr(0).sub(x)",
                    UnaryOp::BitNot => "use .bitNot()",
                    _ => "use the ReQL methods (.add, .not...)",
                };
                if op == UnaryOp::Typeof {
                    return v(Val::Str(Str::own("function")), span);
                }
                return self.error_help(
                    span,
                    format!("JavaScript `{op}` cannot be applied to a ReQL term"),
                    help,
                );
            }
            _ => {}
        }
        let val = match op {
            UnaryOp::Not => Val::Bool(!truthy(self.names, &x.v)),
            UnaryOp::Void => Val::Undef,
            UnaryOp::Typeof => Val::Str(Str::own(match &x.v {
                Val::Undef => "undefined",
                Val::Bool(_) => "boolean",
                Val::Num(_) => "number",
                Val::Str(_) => "string",
                Val::Func(_) | Val::Method(..) | Val::Native(_) | Val::R | Val::Term(_) => {
                    "function"
                }
                _ => "object",
            })),
            UnaryOp::Delete => return self.error(span, "`delete` is not supported"),
            UnaryOp::Await => x.v,
            UnaryOp::Neg | UnaryOp::Plus | UnaryOp::BitNot => match to_number(self.names, &x.v) {
                Some(n) => match op {
                    UnaryOp::Neg => Val::Num(-n),
                    UnaryOp::Plus => Val::Num(n),
                    _ => Val::Num(f64::from(!to_int32(n))),
                },
                None => {
                    return self.error(
                        span,
                        format!("`{op}` cannot be applied to {}", type_name(&x.v)),
                    );
                }
            },
        };
        v(val, span)
    }

    pub(super) fn binary(&mut self, op: BinOp, op_span: Span, l: V, r: V, span: Span) -> V {
        if matches!(l.v, Val::Poison) || matches!(r.v, Val::Poison) {
            return v(Val::Poison, span);
        }
        if matches!(l.v, Val::Term(_) | Val::R | Val::Method(..))
            || matches!(r.v, Val::Term(_) | Val::R | Val::Method(..))
        {
            return self.op_on_term(op, op_span);
        }
        let val = match op {
            BinOp::StrictEq => Val::Bool(strict_eq(self.names, &l.v, &r.v)),
            BinOp::StrictNe => Val::Bool(!strict_eq(self.names, &l.v, &r.v)),
            BinOp::Eq => Val::Bool(loose_eq(self.names, &l.v, &r.v)),
            BinOp::Ne => Val::Bool(!loose_eq(self.names, &l.v, &r.v)),
            BinOp::And | BinOp::Or | BinOp::Nullish => {
                let take_left = match op {
                    BinOp::And => !truthy(self.names, &l.v),
                    BinOp::Or => truthy(self.names, &l.v),
                    _ => !matches!(l.v, Val::Undef | Val::Null),
                };
                return v(if take_left { l.v } else { r.v }, span);
            }
            BinOp::In | BinOp::Instanceof => {
                return self.error(op_span, format!("`{op}` is not supported"));
            }
            BinOp::Add if matches!(l.v, Val::Str(_)) || matches!(r.v, Val::Str(_)) => {
                match (
                    to_js_string(self.names, &l.v),
                    to_js_string(self.names, &r.v),
                ) {
                    (Some(a), Some(b)) => {
                        if !self.build(a.len() + b.len(), span) {
                            return v(Val::Poison, span);
                        }
                        Val::Str(Str::own(&format!("{a}{b}")))
                    }
                    // An array or object joins as its text ("k=" + [1, 2] is "k=1,2").
                    _ if matches!(l.v, Val::Arr(_) | Val::Obj(_) | Val::Str(_))
                        && matches!(r.v, Val::Arr(_) | Val::Obj(_) | Val::Str(_)) =>
                    {
                        let Some(a) = self.js_string(&l, "+") else {
                            return v(Val::Poison, span);
                        };
                        let Some(b) = self.js_string(&r, "+") else {
                            return v(Val::Poison, span);
                        };
                        if !self.build(a.len() + b.len(), span) {
                            return v(Val::Poison, span);
                        }
                        Val::Str(Str::own(&format!("{a}{b}")))
                    }
                    _ => {
                        return self.error(
                            op_span,
                            format!(
                                "`+` cannot join {} and {}",
                                type_name(&l.v),
                                type_name(&r.v)
                            ),
                        );
                    }
                }
            }
            BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge
                if matches!((&l.v, &r.v), (Val::Str(_), Val::Str(_))) =>
            {
                let (Val::Str(a), Val::Str(b)) = (&l.v, &r.v) else {
                    return v(Val::Poison, span);
                };
                let (a, b) = (a.text(self.names), b.text(self.names));
                let (a, b): (Vec<u16>, Vec<u16>) =
                    (a.encode_utf16().collect(), b.encode_utf16().collect());
                Val::Bool(match op {
                    BinOp::Lt => a < b,
                    BinOp::Gt => a > b,
                    BinOp::Le => a <= b,
                    _ => a >= b,
                })
            }
            _ => {
                let (Some(a), Some(b)) = (to_number(self.names, &l.v), to_number(self.names, &r.v))
                else {
                    return self.error(
                        op_span,
                        format!(
                            "`{op}` cannot be applied to {} and {}",
                            type_name(&l.v),
                            type_name(&r.v)
                        ),
                    );
                };
                match op {
                    BinOp::Add => Val::Num(a + b),
                    BinOp::Sub => Val::Num(a - b),
                    BinOp::Mul => Val::Num(a * b),
                    BinOp::Div => Val::Num(a / b),
                    BinOp::Rem => Val::Num(a % b),
                    BinOp::Pow => Val::Num(js_pow(a, b)),
                    BinOp::Lt => Val::Bool(a < b),
                    BinOp::Gt => Val::Bool(a > b),
                    BinOp::Le => Val::Bool(a <= b),
                    BinOp::Ge => Val::Bool(a >= b),
                    BinOp::BitAnd => Val::Num(f64::from(to_int32(a) & to_int32(b))),
                    BinOp::BitOr => Val::Num(f64::from(to_int32(a) | to_int32(b))),
                    BinOp::BitXor => Val::Num(f64::from(to_int32(a) ^ to_int32(b))),
                    BinOp::Shl => {
                        Val::Num(f64::from(to_int32(a).wrapping_shl(to_int32(b) as u32 & 31)))
                    }
                    BinOp::Shr => {
                        Val::Num(f64::from(to_int32(a).wrapping_shr(to_int32(b) as u32 & 31)))
                    }
                    BinOp::UShr => Val::Num(f64::from(
                        (to_int32(a) as u32).wrapping_shr(to_int32(b) as u32 & 31),
                    )),
                    _ => return self.error(op_span, format!("`{op}` is not supported")),
                }
            }
        };
        v(val, span)
    }
}
