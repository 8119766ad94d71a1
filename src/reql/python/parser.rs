//! Python expressions and the statements a session needs (`name = expr`, an expression,
//! imports), by precedence climbing over the tokens of [`super::lexer`].

use super::super::diagnostic::Diagnostic;
use super::super::span::Span;
use super::lexer::Tok;

/// A Python expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct PyExpr {
    /// What it is.
    pub kind: Kind,
    /// Where it is.
    pub span: Span,
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Int(i128),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Bool(bool),
    None,
    Name(String),
    List(Vec<PyExpr>),
    Tuple(Vec<PyExpr>),
    Set(Vec<PyExpr>),
    Dict(Vec<(PyExpr, PyExpr)>),
    /// `x.name`.
    Attr(Box<PyExpr>, String, Span),
    /// `f(args, key=value)`.
    Call(Box<PyExpr>, Vec<PyExpr>, Vec<Keyword>),
    /// `x[i]`.
    Index(Box<PyExpr>, Box<PyExpr>),
    /// `a:b:c` inside brackets.
    Slice(
        Option<Box<PyExpr>>,
        Option<Box<PyExpr>>,
        Option<Box<PyExpr>>,
    ),
    /// `lambda a, b=1: body`: parameters (with defaults) and the body.
    Lambda(Vec<(String, Option<PyExpr>)>, Box<PyExpr>),
    /// `-x`, `+x`, `~x`.
    Unary(&'static str, Box<PyExpr>),
    /// `not x`.
    Not(Box<PyExpr>),
    /// `a + b` ...; the span of the operator.
    Binary(&'static str, Span, Box<PyExpr>, Box<PyExpr>),
    /// `a < b < c`: operands and the operators between them (with spans).
    Compare(Vec<PyExpr>, Vec<(&'static str, Span)>),
    /// `a and b`, `a or b`.
    BoolOp(&'static str, Span, Box<PyExpr>, Box<PyExpr>),
    /// `a if c else b`.
    IfElse(Box<PyExpr>, Box<PyExpr>, Box<PyExpr>),
    /// `[elt for name in iter if cond]`.
    ListComp(Box<PyExpr>, String, Box<PyExpr>, Option<Box<PyExpr>>),
}

/// A keyword argument: name, its span, value.
pub type Keyword = (String, Span, PyExpr);

/// A statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// An expression to run.
    Expr(PyExpr),
    /// `name = expr` (also `a = b = expr`).
    Assign(Vec<(String, Span)>, PyExpr),
    /// `import ...` / `from ... import ...`: nothing to do (`r` is always there).
    Import,
}

/// Parses every statement of a token list (as [`super::lexer::lex`] made it).
pub fn parse(tokens: &[(Tok, Span)], len: usize) -> Result<Vec<(Stmt, Span)>, Vec<Diagnostic>> {
    let mut p = Parser {
        toks: tokens,
        at: 0,
        len,
        depth: 0,
        links: 0,
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    while p.at < p.toks.len() {
        if p.eat_end() {
            continue;
        }
        let start = p.here().start;
        match p.statement() {
            Ok(s) => {
                let span = Span::new(start, p.prev_end());
                if p.eat_end() || p.at >= p.toks.len() {
                    out.push((s, span));
                } else {
                    errors.push(p.unexpected("the end of the statement"));
                    p.skip_statement();
                }
            }
            Err(d) => {
                errors.push(*d);
                p.skip_statement();
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

type PResult<T> = Result<T, Box<Diagnostic>>;

struct Parser<'a> {
    toks: &'a [(Tok, Span)],
    at: usize,
    len: usize,
    /// Expressions open around the one being parsed.
    depth: u32,
    /// Operator and call links built in the statement: each makes the tree one deeper.
    links: u32,
}

/// Links (`a + b`, `.f()`, `[i]`) allowed in one statement, so that the tree, and dropping
/// it, stays shallow enough for the stack.
const MAX_LINKS: u32 = 4000;

/// Expressions nested deeper than this are refused instead of exhausting the stack.
const MAX_DEPTH: u32 = 500;

/// Binary operators by precedence level (low to high), as Python groups them.
const LEVELS: &[&[&str]] = &[
    &["|"],
    &["^"],
    &["&"],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "//", "%", "@"],
];

const COMPARE: &[&str] = &["<", ">", "==", ">=", "<=", "!="];

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|t| &t.0)
    }

    fn here(&self) -> Span {
        self.toks
            .get(self.at)
            .map_or(Span::new(self.len, self.len), |t| t.1)
    }

    fn prev_end(&self) -> usize {
        self.at
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.1.end)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(n)) if n == w)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let yes = self.is_op(op);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let yes = self.is_word(w);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn eat_end(&mut self) -> bool {
        let yes = matches!(self.peek(), Some(Tok::End));
        if yes {
            self.at += 1;
        }
        yes
    }

    fn skip_statement(&mut self) {
        while self.at < self.toks.len() && !self.eat_end() {
            self.at += 1;
        }
    }

    fn unexpected(&self, wanted: &str) -> Diagnostic {
        let found = match self.peek() {
            None | Some(Tok::End) => "the end of the line".to_string(),
            Some(Tok::Op(o)) => format!("`{o}`"),
            Some(Tok::Name(n)) => format!("`{n}`"),
            Some(_) => "a literal".to_string(),
        };
        Diagnostic::new(self.here(), format!("expected {wanted}, found {found}"))
    }

    fn expect_op(&mut self, op: &str, wanted: &str) -> PResult<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(Box::new(self.unexpected(wanted)))
        }
    }

    fn statement(&mut self) -> PResult<Stmt> {
        if self.is_word("import") || self.is_word("from") {
            while !matches!(self.peek(), None | Some(Tok::End)) {
                self.at += 1;
            }
            return Ok(Stmt::Import);
        }
        let first = self.expr_list()?;
        if !self.is_op("=") {
            return Ok(Stmt::Expr(first));
        }
        let mut targets = Vec::new();
        let mut value = first;
        while self.eat_op("=") {
            match &value.kind {
                Kind::Name(n) => targets.push((n.clone(), value.span)),
                _ => {
                    return Err(Box::new(
                        Diagnostic::new(value.span, "only a name can be assigned to")
                            .with_help("bind the query to a name: q = r.table('t')"),
                    ));
                }
            }
            value = self.expr_list()?;
        }
        Ok(Stmt::Assign(targets, value))
    }

    /// An expression, or several separated by commas (a tuple).
    fn expr_list(&mut self) -> PResult<PyExpr> {
        let first = self.expr()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let items = self.comma_items(
            first,
            |p| {
                matches!(
                    p.peek(),
                    None | Some(Tok::End) | Some(Tok::Op("=" | ")" | "]"))
                )
            },
            Self::expr,
        )?;
        Ok(tuple(items))
    }

    /// `first` and the items after it, one after each comma, up to what `ends` a list (a
    /// trailing comma is allowed); `item` reads one.
    fn comma_items(
        &mut self,
        first: PyExpr,
        ends: fn(&Self) -> bool,
        item: fn(&mut Self) -> PResult<PyExpr>,
    ) -> PResult<Vec<PyExpr>> {
        let mut items = vec![first];
        while self.eat_op(",") {
            if ends(self) {
                break;
            }
            items.push(item(self)?);
        }
        Ok(items)
    }

    /// A node spanning from `start` to the last token read.
    fn node(&self, start: usize, kind: Kind) -> PyExpr {
        PyExpr {
            kind,
            span: Span::new(start, self.prev_end()),
        }
    }

    fn expr(&mut self) -> PResult<PyExpr> {
        self.nested(Self::expr_inner)
    }

    /// Parses with `f` one level deeper, refusing past [`MAX_DEPTH`].
    fn nested(&mut self, f: fn(&mut Self) -> PResult<PyExpr>) -> PResult<PyExpr> {
        if self.depth >= MAX_DEPTH {
            return Err(Box::new(
                Diagnostic::new(self.here(), "expression nested too deeply")
                    .with_help("bind parts to names first: part = ..."),
            ));
        }
        self.depth += 1;
        let e = stacker::maybe_grow(64 * 1024, 1024 * 1024, || f(self));
        self.depth -= 1;
        e
    }

    /// Counts one more link of the statement, refusing past [`MAX_LINKS`].
    fn link(&mut self) -> PResult<()> {
        self.links += 1;
        if self.links > MAX_LINKS {
            return Err(Box::new(
                Diagnostic::new(self.here(), "expression too long")
                    .with_help("bind parts to names first: part = ..."),
            ));
        }
        Ok(())
    }

    fn expr_inner(&mut self) -> PResult<PyExpr> {
        if self.is_word("lambda") {
            return self.lambda();
        }
        let start = self.here().start;
        let body = self.or_test()?;
        if !self.eat_word("if") {
            return Ok(body);
        }
        let test = self.or_test()?;
        if !self.eat_word("else") {
            return Err(Box::new(self.unexpected("`else`")));
        }
        let other = self.expr()?;
        let span = Span::new(start, other.span.end);
        Ok(PyExpr {
            kind: Kind::IfElse(Box::new(test), Box::new(body), Box::new(other)),
            span,
        })
    }

    fn lambda(&mut self) -> PResult<PyExpr> {
        let start = self.here().start;
        self.at += 1;
        let mut params = Vec::new();
        while !self.is_op(":") {
            let name = match self.peek() {
                Some(Tok::Name(n)) => n.clone(),
                Some(Tok::Op("*" | "**")) => {
                    return Err(Box::new(
                        Diagnostic::new(self.here(), "`*args` parameters are not supported")
                            .with_help("name each parameter: lambda a, b: ..."),
                    ));
                }
                _ => return Err(Box::new(self.unexpected("a parameter name or `:`"))),
            };
            self.at += 1;
            let default = if self.eat_op("=") {
                Some(self.expr()?)
            } else {
                None
            };
            params.push((name, default));
            if !self.eat_op(",") {
                break;
            }
        }
        self.expect_op(":", "`:` after the lambda's parameters")?;
        let body = self.expr()?;
        let span = Span::new(start, body.span.end);
        Ok(PyExpr {
            kind: Kind::Lambda(params, Box::new(body)),
            span,
        })
    }

    fn or_test(&mut self) -> PResult<PyExpr> {
        self.bool_op("or", Self::and_test)
    }

    fn and_test(&mut self) -> PResult<PyExpr> {
        self.bool_op("and", Self::not_test)
    }

    fn bool_op(
        &mut self,
        op: &'static str,
        next: fn(&mut Self) -> PResult<PyExpr>,
    ) -> PResult<PyExpr> {
        let mut lhs = next(self)?;
        while self.is_word(op) {
            lhs = self.infix(lhs, op, next, Kind::BoolOp)?;
        }
        Ok(lhs)
    }

    /// `lhs`, the operator `op` at the cursor and the operand after it, read by `rhs`: the
    /// node `kind` makes of them.
    fn infix(
        &mut self,
        lhs: PyExpr,
        op: &'static str,
        rhs: impl FnOnce(&mut Self) -> PResult<PyExpr>,
        kind: fn(&'static str, Span, Box<PyExpr>, Box<PyExpr>) -> Kind,
    ) -> PResult<PyExpr> {
        let op_span = self.here();
        self.at += 1;
        self.link()?;
        let rhs = rhs(self)?;
        let span = lhs.span.to(rhs.span);
        Ok(PyExpr {
            kind: kind(op, op_span, Box::new(lhs), Box::new(rhs)),
            span,
        })
    }

    fn not_test(&mut self) -> PResult<PyExpr> {
        if self.is_word("not") {
            let start = self.here().start;
            self.at += 1;
            let e = self.not_test()?;
            let span = Span::new(start, e.span.end);
            return Ok(PyExpr {
                kind: Kind::Not(Box::new(e)),
                span,
            });
        }
        self.comparison()
    }

    fn compare_op(&mut self) -> Option<(&'static str, Span)> {
        let span = self.here();
        match self.peek() {
            Some(Tok::Op(o)) if COMPARE.contains(o) => {
                let o = *o;
                self.at += 1;
                Some((o, span))
            }
            Some(Tok::Name(n)) if n == "in" || n == "is" => {
                let is = n == "is";
                self.at += 1;
                if is && self.eat_word("not") {
                    return Some(("is not", span.to(self.toks[self.at - 1].1)));
                }
                Some((if is { "is" } else { "in" }, span))
            }
            Some(Tok::Name(n))
                if n == "not"
                    && matches!(self.toks.get(self.at + 1), Some((Tok::Name(w), _)) if w == "in") =>
            {
                self.at += 2;
                Some(("not in", span.to(self.toks[self.at - 1].1)))
            }
            _ => None,
        }
    }

    fn comparison(&mut self) -> PResult<PyExpr> {
        let first = self.binary(0)?;
        let mut operands = vec![first];
        let mut ops = Vec::new();
        while let Some(op) = self.compare_op() {
            ops.push(op);
            operands.push(self.binary(0)?);
        }
        if ops.is_empty() {
            return Ok(operands.remove(0));
        }
        let span = spans(&operands);
        Ok(PyExpr {
            kind: Kind::Compare(operands, ops),
            span,
        })
    }

    fn binary(&mut self, level: usize) -> PResult<PyExpr> {
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut lhs = self.binary(level + 1)?;
        while let Some(Tok::Op(o)) = self.peek() {
            let Some(op) = ops.iter().find(|x| **x == *o) else {
                break;
            };
            lhs = self.infix(lhs, op, |p| p.binary(level + 1), Kind::Binary)?;
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<PyExpr> {
        for op in ["-", "+", "~"] {
            if self.is_op(op) {
                let start = self.here().start;
                self.at += 1;
                let e = self.nested(Self::unary)?;
                let span = Span::new(start, e.span.end);
                return Ok(PyExpr {
                    kind: Kind::Unary(op, Box::new(e)),
                    span,
                });
            }
        }
        self.power()
    }

    fn power(&mut self) -> PResult<PyExpr> {
        let base = self.postfix()?;
        if self.is_op("**") {
            let op_span = self.here();
            self.at += 1;
            // Right-associative, and binds tighter than a unary minus on its left only.
            let exp = self.nested(Self::unary)?;
            let span = base.span.to(exp.span);
            return Ok(PyExpr {
                kind: Kind::Binary("**", op_span, Box::new(base), Box::new(exp)),
                span,
            });
        }
        Ok(base)
    }

    fn postfix(&mut self) -> PResult<PyExpr> {
        let mut e = self.atom()?;
        loop {
            if self.is_op(".") || self.is_op("(") || self.is_op("[") {
                self.link()?;
            }
            if self.eat_op(".") {
                let span = self.here();
                let Some(Tok::Name(n)) = self.peek() else {
                    return Err(Box::new(self.unexpected("a name after `.`")));
                };
                let n = n.clone();
                self.at += 1;
                let whole = e.span.to(span);
                e = PyExpr {
                    kind: Kind::Attr(Box::new(e), n, span),
                    span: whole,
                };
            } else if self.is_op("(") {
                self.at += 1;
                let (args, kwargs) = self.call_args()?;
                let span = Span::new(e.span.start, self.prev_end());
                e = PyExpr {
                    kind: Kind::Call(Box::new(e), args, kwargs),
                    span,
                };
            } else if self.is_op("[") {
                self.at += 1;
                let index = self.subscript()?;
                let index = if self.is_op(",") {
                    self.index_tuple(index)?
                } else {
                    index
                };
                self.expect_op("]", "`]`")?;
                let span = Span::new(e.span.start, self.prev_end());
                e = PyExpr {
                    kind: Kind::Index(Box::new(e), Box::new(index)),
                    span,
                };
            } else {
                return Ok(e);
            }
        }
    }

    fn call_args(&mut self) -> PResult<(Vec<PyExpr>, Vec<Keyword>)> {
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        while !self.eat_op(")") {
            if self.is_op("*") || self.is_op("**") {
                return Err(Box::new(
                    Diagnostic::new(
                        self.here(),
                        "`*` and `**` unpacking in calls is not supported",
                    )
                    .with_help("write the arguments out, or use r.args([...])"),
                ));
            }
            let keyword = match (self.peek(), self.toks.get(self.at + 1)) {
                (Some(Tok::Name(n)), Some((Tok::Op("="), _))) => Some((n.clone(), self.here())),
                _ => None,
            };
            if let Some((name, span)) = keyword {
                self.at += 2;
                kwargs.push((name, span, self.expr()?));
            } else if !kwargs.is_empty() {
                return Err(Box::new(
                    Diagnostic::new(self.here(), "positional argument follows keyword argument")
                        .with_help("put the keyword arguments last"),
                ));
            } else {
                let e = self.expr()?;
                if self.is_word("for") {
                    args.push(self.comprehension(e, e_start(&args, self))?);
                } else {
                    args.push(e);
                }
            }
            if !self.eat_op(",") {
                self.expect_op(")", "`,` or `)`")?;
                break;
            }
        }
        Ok((args, kwargs))
    }

    fn subscript(&mut self) -> PResult<PyExpr> {
        let start = self.here().start;
        let lower = if self.is_op(":") {
            None
        } else {
            Some(Box::new(self.expr()?))
        };
        if !self.eat_op(":") {
            return lower
                .map(|b| *b)
                .ok_or_else(|| Box::new(self.unexpected("an index")));
        }
        let upper = if self.is_op(":") || self.is_op("]") {
            None
        } else {
            Some(Box::new(self.expr()?))
        };
        let step = if self.eat_op(":") && !self.is_op("]") {
            Some(Box::new(self.expr()?))
        } else {
            None
        };
        Ok(self.node(start, Kind::Slice(lower, upper, step)))
    }

    /// `x[a, b]`: the index is the tuple `(a, b)`.
    fn index_tuple(&mut self, first: PyExpr) -> PResult<PyExpr> {
        let items = self.comma_items(first, |p| p.is_op("]"), Self::subscript)?;
        Ok(tuple(items))
    }

    fn comprehension(&mut self, elt: PyExpr, start: usize) -> PResult<PyExpr> {
        self.at += 1;
        let Some(Tok::Name(name)) = self.peek() else {
            return Err(Box::new(self.unexpected("a loop variable")));
        };
        let name = name.clone();
        self.at += 1;
        if !self.eat_word("in") {
            return Err(Box::new(self.unexpected("`in`")));
        }
        let iter = self.or_test()?;
        let cond = if self.eat_word("if") {
            Some(Box::new(self.or_test()?))
        } else {
            None
        };
        Ok(self.node(
            start,
            Kind::ListComp(Box::new(elt), name, Box::new(iter), cond),
        ))
    }

    fn atom(&mut self) -> PResult<PyExpr> {
        let span = self.here();
        let Some(tok) = self.peek().cloned() else {
            return Err(Box::new(self.unexpected("an expression")));
        };
        let kind = match tok {
            Tok::Int(n) => Kind::Int(n),
            Tok::Float(f) => Kind::Float(f),
            Tok::Str(_) | Tok::Bytes(_) => return self.strings(),
            Tok::Name(n) => match n.as_str() {
                "True" => Kind::Bool(true),
                "False" => Kind::Bool(false),
                "None" => Kind::None,
                "lambda" => return self.lambda(),
                kw if is_keyword(kw) => {
                    return Err(Box::new(Diagnostic::new(
                        span,
                        format!("`{kw}` cannot start an expression"),
                    )));
                }
                _ => Kind::Name(n),
            },
            Tok::Op("(") => return self.group(),
            Tok::Op("[") => return self.list(),
            Tok::Op("{") => return self.dict(),
            _ => return Err(Box::new(self.unexpected("an expression"))),
        };
        self.at += 1;
        Ok(PyExpr { kind, span })
    }

    /// Adjacent string literals are one string, as in Python.
    fn strings(&mut self) -> PResult<PyExpr> {
        let start = self.here().start;
        let (mut s, mut b, mut bytes) = (String::new(), Vec::new(), None);
        while let Some(t) = self.peek() {
            match t {
                Tok::Str(x) if bytes != Some(true) => {
                    s.push_str(x);
                    bytes = Some(false);
                }
                Tok::Bytes(x) if bytes != Some(false) => {
                    b.extend_from_slice(x);
                    bytes = Some(true);
                }
                Tok::Str(_) | Tok::Bytes(_) => {
                    return Err(Box::new(Diagnostic::new(
                        self.here(),
                        "cannot mix bytes and str literals",
                    )));
                }
                _ => break,
            }
            self.at += 1;
        }
        let span = Span::new(start, self.prev_end());
        let kind = if bytes == Some(true) {
            Kind::Bytes(b)
        } else {
            Kind::Str(s)
        };
        Ok(PyExpr { kind, span })
    }

    fn group(&mut self) -> PResult<PyExpr> {
        let start = self.here().start;
        self.at += 1;
        if self.eat_op(")") {
            return Ok(self.node(start, Kind::Tuple(Vec::new())));
        }
        let first = self.expr()?;
        if self.eat_op(")") {
            // Parentheses only group: the inner span keeps pointing at the expression.
            return Ok(first);
        }
        let items = self.comma_items(first, |p| p.is_op(")"), Self::expr)?;
        self.expect_op(")", "`,` or `)`")?;
        Ok(self.node(start, Kind::Tuple(items)))
    }

    fn list(&mut self) -> PResult<PyExpr> {
        let start = self.here().start;
        self.at += 1;
        let mut items = Vec::new();
        while !self.eat_op("]") {
            let e = self.expr()?;
            if self.is_word("for") {
                let c = self.comprehension(e, start)?;
                self.expect_op("]", "`]`")?;
                return Ok(PyExpr {
                    span: Span::new(start, self.prev_end()),
                    ..c
                });
            }
            items.push(e);
            if !self.eat_op(",") {
                self.expect_op("]", "`,` or `]`")?;
                break;
            }
        }
        Ok(self.node(start, Kind::List(items)))
    }

    fn dict(&mut self) -> PResult<PyExpr> {
        let start = self.here().start;
        self.at += 1;
        let mut pairs = Vec::new();
        let mut set = Vec::new();
        while !self.eat_op("}") {
            let key = self.expr()?;
            if self.eat_op(":") {
                pairs.push((key, self.expr()?));
            } else {
                set.push(key);
            }
            if !self.eat_op(",") {
                self.expect_op("}", "`,` or `}`")?;
                break;
            }
        }
        let span = Span::new(start, self.prev_end());
        if !set.is_empty() && pairs.is_empty() {
            return Ok(PyExpr {
                kind: Kind::Set(set),
                span,
            });
        }
        if !set.is_empty() {
            return Err(Box::new(Diagnostic::new(
                span,
                "a dict entry needs `key: value`",
            )));
        }
        Ok(PyExpr {
            kind: Kind::Dict(pairs),
            span,
        })
    }
}

fn e_start(_args: &[PyExpr], p: &Parser<'_>) -> usize {
    // A generator argument starts at its element; the element was just parsed, so look back
    // for the span of the token after the call's `(` or last `,`.
    let mut i = p.at;
    while i > 0 {
        i -= 1;
        if matches!(p.toks.get(i), Some((Tok::Op("(" | ","), _))) {
            return p.toks.get(i + 1).map_or(0, |t| t.1.start);
        }
    }
    0
}

fn spans(items: &[PyExpr]) -> Span {
    match (items.first(), items.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => Span::default(),
    }
}

/// The tuple of `items` (written without brackets), spanning them.
fn tuple(items: Vec<PyExpr>) -> PyExpr {
    let span = spans(&items);
    PyExpr {
        kind: Kind::Tuple(items),
        span,
    }
}

/// A Python keyword other than the literals and `lambda` (which the parser reads on their own).
pub(crate) fn is_keyword(w: &str) -> bool {
    matches!(
        w,
        "and"
            | "or"
            | "not"
            | "if"
            | "else"
            | "for"
            | "in"
            | "is"
            | "def"
            | "class"
            | "return"
            | "import"
            | "from"
            | "as"
            | "with"
            | "while"
            | "yield"
            | "await"
            | "async"
            | "del"
            | "pass"
            | "raise"
            | "try"
            | "except"
            | "finally"
            | "global"
            | "nonlocal"
            | "assert"
            | "break"
            | "continue"
            | "elif"
    )
}
