//! Destructuring (`const {id, name: n = 'x'} = doc`, `([k, v]) => ...`, `for (const [k, v] of
//! pairs)`), read as a pattern and rewritten into plain bindings: the value goes into a hidden
//! variable (a name no source can spell, see [`is_hidden`]) and each target is bound to a
//! member or index of it, so the evaluator needs nothing new.

use super::{Kind, Parser, js_number_string, member, p};
use crate::reql::ast::{Expr, ExprKind, Name, Stmt, StmtKind};
use crate::reql::prec::BinOp;
use crate::reql::span::Span;

/// A binding target.
pub(super) enum Pattern {
    Name(Name, Span),
    /// `{key: target = default, ...}`.
    Object(Vec<(Name, Span, Pattern, Option<Expr>)>),
    /// `[target = default, , ...rest]` (`None` for a hole).
    Array(Vec<Option<(Pattern, Option<Expr>)>>, Option<(Name, Span)>),
}

/// Whether a bound name is one of the hidden variables destructuring makes.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with('%')
}

impl Parser<'_, '_> {
    /// Whether a destructuring pattern starts here.
    pub(super) fn at_pattern(&self) -> bool {
        self.at(p!("{")) || self.at(p!("["))
    }

    /// A binding target: a name, or an object or array pattern.
    pub(super) fn pattern(&mut self) -> Pattern {
        if self.at(p!("{")) {
            return self.object_pattern();
        }
        if self.at(p!("[")) {
            return self.array_pattern();
        }
        match self.peek() {
            Some(t) if t.is(Kind::Ident) => {
                let (name, span) = (self.name(t), t.span());
                self.pos += 1;
                Pattern::Name(self.intern(name), span)
            }
            _ => {
                let span = self.here();
                self.expected("a name to bind");
                Pattern::Name(self.names.intern("%error"), span)
            }
        }
    }

    fn object_pattern(&mut self) -> Pattern {
        self.pos += 1; // `{`
        let mut fields = Vec::new();
        self.with_nl(false, |p| {
            while !p.at(p!("}")) && p.peek().is_some() && !p.fatal {
                let Some(t) = p.peek() else { break };
                let key_span = t.span();
                let key = match t.kind {
                    Kind::Ident => p.intern(p.name(t)),
                    Kind::Str | Kind::EscapedStr => p.string_value(p.lexed.str_lit(t)),
                    Kind::Num | Kind::Int => p.names.intern(&js_number_string(p.lexed.num(t))),
                    p!("...") => {
                        p.error(key_span, "`...rest` in an object pattern is not supported")
                            .help = Some("name the properties you need".into());
                        return;
                    }
                    _ => {
                        p.expected("a property name in the pattern");
                        return;
                    }
                };
                p.pos += 1;
                let target = if p.eat(p!(":")) {
                    p.pattern()
                } else {
                    Pattern::Name(key, key_span)
                };
                let default = p.eat(p!("=")).then(|| p.assign());
                fields.push((key, key_span, target, default));
                if !p.eat(p!(",")) {
                    break;
                }
            }
        });
        self.expect(p!("}"), "`}` to close the pattern");
        Pattern::Object(fields)
    }

    fn array_pattern(&mut self) -> Pattern {
        self.pos += 1; // `[`
        let mut items = Vec::new();
        let mut rest = None;
        self.with_nl(false, |p| {
            while !p.at(p!("]")) && p.peek().is_some() && !p.fatal {
                if p.eat(p!(",")) {
                    items.push(None);
                    continue;
                }
                if p.eat(p!("...")) {
                    match p.peek() {
                        Some(t) if t.is(Kind::Ident) => {
                            let (name, span) = (p.name(t), t.span());
                            p.pos += 1;
                            rest = Some((p.intern(name), span));
                        }
                        _ => p.expected("a name after `...`"),
                    }
                    break;
                }
                let target = p.pattern();
                let default = p.eat(p!("=")).then(|| p.assign());
                items.push(Some((target, default)));
                if !p.eat(p!(",")) {
                    break;
                }
            }
        });
        self.expect(p!("]"), "`]` to close the pattern");
        Pattern::Array(items, rest)
    }

    /// A fresh hidden variable.
    pub(super) fn hidden(&mut self) -> Name {
        self.hidden_vars += 1;
        let text = format!("%{}", self.hidden_vars);
        self.names.intern(&text)
    }

    /// Appends the bindings that give `pattern` its values from `source`.
    pub(super) fn bindings(
        &mut self,
        pattern: Pattern,
        source: Expr,
        out: &mut Vec<(Name, Span, Option<Expr>)>,
    ) {
        let span = source.span;
        let whole = match pattern {
            Pattern::Name(name, span) => {
                out.push((name, span, Some(source)));
                return;
            }
            whole => whole,
        };
        let tmp = self.hidden();
        out.push((tmp, span, Some(source)));
        let var = || Expr {
            kind: ExprKind::Ident(tmp),
            span,
        };
        match whole {
            Pattern::Name(..) => {}
            Pattern::Object(fields) => {
                for (key, key_span, target, default) in fields {
                    let value = member(var(), key, key_span, span);
                    let value = self.with_default(value, default);
                    self.bindings(target, value, out);
                }
            }
            Pattern::Array(items, rest) => {
                let n = items.len();
                for (i, item) in items.into_iter().enumerate() {
                    let Some((target, default)) = item else {
                        continue;
                    };
                    let value = Expr {
                        kind: ExprKind::Index {
                            obj: Box::new(var()),
                            index: Box::new(Expr {
                                kind: ExprKind::Num(i as f64),
                                span,
                            }),
                        },
                        span,
                    };
                    let value = self.with_default(value, default);
                    self.bindings(target, value, out);
                }
                if let Some((name, name_span)) = rest {
                    let slice = self.names.intern("slice");
                    let value = Expr {
                        kind: ExprKind::MethodCall {
                            operands: vec![
                                var(),
                                Expr {
                                    kind: ExprKind::Num(n as f64),
                                    span,
                                },
                            ],
                            name: slice,
                            name_span,
                        },
                        span,
                    };
                    out.push((name, name_span, Some(value)));
                }
            }
        }
    }

    /// `value === undefined ? default : value`.
    fn with_default(&mut self, value: Expr, default: Option<Expr>) -> Expr {
        let Some(default) = default else {
            return value;
        };
        let span = value.span;
        let undefined = self.names.intern("undefined");
        Expr {
            kind: ExprKind::Cond {
                test: Box::new(Expr {
                    kind: ExprKind::Binary {
                        op: BinOp::StrictEq,
                        op_span: span,
                        lhs: Box::new(value.clone()),
                        rhs: Box::new(Expr {
                            kind: ExprKind::Ident(undefined),
                            span,
                        }),
                    },
                    span,
                }),
                then: Box::new(default),
                other: Box::new(value),
            },
            span,
        }
    }

    /// A `var` statement binding what destructuring needs.
    pub(super) fn binding_stmt(&mut self, pattern: Pattern, source: Expr) -> Stmt {
        let span = source.span;
        let mut decls = Vec::new();
        self.bindings(pattern, source, &mut decls);
        Stmt {
            kind: StmtKind::Var(decls),
            span,
        }
    }
}
