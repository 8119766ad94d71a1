//! Building terms from JavaScript values: `r.expr` and the driver's conversions, functions as
//! FUNC terms, `funcWrap`.

use super::*;

impl Eval<'_> {
    /// A built term, or the error that stopped it reported at `span`.
    #[inline]
    pub(super) fn built(&mut self, r: Result<TermId, BuildError>, span: Span) -> Option<TermId> {
        match r {
            Ok(id) => Some(id),
            Err(e) => {
                self.build_failed(e, span);
                None
            }
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn build_failed(&mut self, e: BuildError, span: Span) {
        match e {
            BuildError::TooDeep => {
                self.error_help(
                    span,
                    format!("query nested too deeply (more than {MAX_TERM_DEPTH} levels)"),
                    "build it in smaller pieces",
                );
            }
            BuildError::Full => {
                self.error_help(
                    span,
                    "query too large to build",
                    "build it in smaller pieces",
                );
            }
        }
    }

    pub(super) fn op(&mut self, tt: TermType, args: &[TermId], span: Span) -> Option<TermId> {
        let r = self.store.op(tt, args, span);
        self.built(r, span)
    }

    /// Ends the term whose children were collected since `open` (see [`TermStore::open`]).
    pub(super) fn close(
        &mut self,
        open: usize,
        kind: Kind,
        nargs: usize,
        span: Span,
    ) -> Option<TermId> {
        let r = self.store.close(open, kind, nargs, span);
        self.built(r, span)
    }

    pub(super) fn leaf(&mut self, kind: Kind, span: Span) -> Option<TermId> {
        let r = self.store.leaf(kind, span);
        self.built(r, span)
    }

    pub(super) fn string(&mut self, s: &str, span: Span) -> Option<TermId> {
        let r = self.store.string(s, span);
        self.built(r, span)
    }

    pub(super) fn datum(&mut self, value: Value, span: Span) -> Option<TermId> {
        let r = self.store.datum(value, span);
        self.built(r, span)
    }

    /// Adds a keyed child to the term being collected.
    pub(super) fn keyed(&mut self, key: &str, id: TermId, span: Span) -> bool {
        let r = self.store.keyed(key, id).map(|()| id);
        self.built(r, span).is_some()
    }

    /// Options given explicitly but not as an object (`indexCreate`'s, `slice`'s third
    /// argument, `reconfigure`'s): the driver's `for (key in opts)` makes a string, an array
    /// or a Buffer optargs keyed by index ("0", "1", ...); other values have no keys. A term
    /// would send the driver's own fields, so it is refused.
    #[cold]
    #[inline(never)]
    pub(super) fn indexed_optargs(&mut self, o: &V) -> bool {
        let items: Vec<V> = match &o.v {
            Val::Str(_) | Val::Arr(_) | Val::Buffer(_) => self.indexed_values(o),
            Val::Term(_) => {
                self.error_help(
                    o.span,
                    "options must be an object literal, not a term",
                    "write the options as {key: value}",
                );
                return false;
            }
            _ => return true,
        };
        let mut ok = true;
        for (i, x) in items.iter().enumerate() {
            if matches!(x.v, Val::Undef) {
                continue;
            }
            ok &= self
                .expr(x, EXPR_DEPTH)
                .is_some_and(|t| self.keyed(&i.to_string(), t, x.span));
        }
        ok
    }

    /// The values a `for (key in x)` loop or `{...x}` finds under the keys "0", "1", ... of
    /// an array, a string (one per UTF-16 unit) or a Buffer; none for other values.
    pub(super) fn indexed_values(&self, x: &V) -> Vec<V> {
        match &x.v {
            Val::Arr(items) => items.borrow().clone(),
            Val::Str(s) => s
                .text(self.names)
                .encode_utf16()
                .map(|u| v(Val::Str(Str::own(&String::from_utf16_lossy(&[u]))), x.span))
                .collect(),
            Val::Buffer(b) => b
                .iter()
                .map(|&n| v(Val::Num(f64::from(n)), x.span))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// `r.expr(value, depth)`: converts a JavaScript value to a term.
    pub(super) fn expr(&mut self, x: &V, depth: i64) -> Option<TermId> {
        if depth <= 0 {
            self.too_deep(x.span);
            return None;
        }
        match &x.v {
            Val::Poison => None,
            Val::Null => self.leaf(Kind::Null, x.span),
            Val::Bool(b) => self.leaf(Kind::Bool(*b), x.span),
            Val::Str(s) => {
                let names = self.names;
                self.string(s.text(names), x.span)
            }
            Val::Num(n) => {
                if n.is_finite() {
                    let r = self.store.number(*n, x.span);
                    self.built(r, x.span)
                } else {
                    self.non_finite(*n, x.span);
                    None
                }
            }
            Val::Arr(items) => {
                // Elements added while converting (by a function in it) are not converted.
                let n = items.borrow().len();
                let open = self.store.open();
                let mut ok = true;
                let too_deep = self.too_deep;
                for i in 0..n {
                    if self.too_deep > too_deep {
                        break;
                    }
                    let t = {
                        let guard = items.borrow();
                        let Some(it) = guard.get(i) else {
                            break;
                        };
                        if is_plain_leaf(&it.v) {
                            self.expr(it, depth - 1)
                        } else {
                            // No borrow is held while converting the rest: the JavaScript
                            // it runs may change the array.
                            let it = it.clone();
                            drop(guard);
                            self.expr(&it, depth - 1)
                        }
                    };
                    match t {
                        Some(t) => self.store.arg(t),
                        None => ok = false,
                    }
                }
                if !ok {
                    self.store.discard(open);
                    return None;
                }
                let n = self.store.collected(open);
                self.close(open, Kind::Op(TermType::MakeArray), n, x.span)
            }
            Val::Obj(fields) => {
                let names = self.names;
                let n = fields.borrow().len();
                let open = self.store.open();
                let mut ok = true;
                let too_deep = self.too_deep;
                for i in 0..n {
                    if self.too_deep > too_deep {
                        break;
                    }
                    let done = {
                        let guard = fields.borrow();
                        let Some((k, fv)) = guard.get(i) else {
                            break;
                        };
                        if k.text(names) == "__proto__" {
                            // The driver copies objects key by key, and assigning `__proto__`
                            // sets a prototype: an own `__proto__` (from JSON.parse or a
                            // computed key) is not sent.
                            Some(true)
                        } else if matches!(fv.v, Val::Undef) {
                            let (k, span) = (k.text(names).to_string(), fv.span);
                            drop(guard);
                            self.error_help(
                                span,
                                format!("object field '{k}' may not be undefined"),
                                "give a value, or null, or leave the field out",
                            );
                            None
                        } else if is_plain_leaf(&fv.v) {
                            let t = self.expr(fv, depth - 1);
                            t.map(|t| self.keyed(k.text(names), t, fv.span))
                        } else {
                            // Keys and values are names or shared pointers: the copy is cheap,
                            // and no borrow is held while converting (the JavaScript it runs
                            // may change the object).
                            let (k, fv) = (k.clone(), fv.clone());
                            drop(guard);
                            let t = self.expr(&fv, depth - 1);
                            t.map(|t| self.keyed(k.text(names), t, fv.span))
                        }
                    };
                    if done != Some(true) {
                        ok = false;
                    }
                }
                if !ok {
                    self.store.discard(open);
                    return None;
                }
                // JavaScript lists integer-like keys first, ascending.
                self.store
                    .hoist_keys(open, is_array_index, |k| k.parse::<u64>().unwrap_or(0));
                self.close(open, Kind::Obj, 0, x.span)
            }
            // Variables and datums take the span of the place they are used.
            Val::Term(t) => {
                let r = self.store.used_at(*t, x.span);
                self.built(r, x.span)
            }
            Val::Func(c) => self.func_term(c, x.span),
            _ => self.expr_rare(x),
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn too_deep(&mut self, span: Span) {
        self.too_deep += 1;
        self.error_help(
            span,
            "nesting depth limit exceeded",
            "literals may nest at most 20 levels; pass a larger limit with r.expr(value, depth)",
        );
    }

    #[cold]
    #[inline(never)]
    pub(super) fn non_finite(&mut self, n: f64, span: Span) {
        self.error_help(
            span,
            format!("illegal non-finite number `{}`", js_number_string(n)),
            "ReQL numbers must be finite",
        );
    }

    /// [`Eval::expr`] of the values rarely converted (out of line: the hot one keeps a
    /// small frame).
    #[inline(never)]
    pub(super) fn expr_rare(&mut self, x: &V) -> Option<TermId> {
        match &x.v {
            Val::Undef => {
                self.error_help(
                    x.span,
                    "cannot wrap undefined with r.expr()",
                    "give a value, or null",
                );
                None
            }
            Val::Method(recv, m) => {
                // A method value is a JavaScript function of length 0 (the driver's are variadic).
                let body = self.call_method(*recv, m, Vec::new(), x.span, x.span);
                let body = self.expr(&body, EXPR_DEPTH)?;
                let params = self.op(TermType::MakeArray, &[], x.span)?;
                self.op(TermType::Func, &[params, body], x.span)
            }
            Val::Buffer(b) => {
                let mut o = Map::new();
                o.insert("$reql_type$".into(), Value::from("BINARY"));
                o.insert(
                    "data".into(),
                    Value::from(base64::engine::general_purpose::STANDARD.encode(b.as_slice())),
                );
                self.datum(Value::Object(o), x.span)
            }
            Val::Date(ms) => match iso_from_ms(*ms) {
                Some(iso) => {
                    let s = self.string(&iso, x.span)?;
                    self.op(TermType::Iso8601, &[s], x.span)
                }
                None => {
                    self.error(x.span, "invalid date");
                    None
                }
            },
            Val::R => {
                self.error_help(
                    x.span,
                    "`r` itself is not a query",
                    "call one of its functions, e.g. r.expr(...) or r.table(...)",
                );
                None
            }
            Val::Native(_) => {
                self.error(
                    x.span,
                    "a JavaScript built-in function cannot be part of a query",
                );
                None
            }
            Val::Poison
            | Val::Null
            | Val::Bool(_)
            | Val::Str(_)
            | Val::Num(_)
            | Val::Arr(_)
            | Val::Obj(_)
            | Val::Term(_)
            | Val::Func(_) => None,
        }
    }

    /// A JavaScript function → FUNC: parameters become VAR terms, the body runs once.
    pub(super) fn func_term(&mut self, c: &Rc<Closure>, span: Span) -> Option<TermId> {
        if self.calls >= MAX_CALLS {
            self.error(span, "functions nested too deeply");
            return None;
        }
        self.calls += 1;
        let scope = self.scope_for(&c.scope);
        if let Some(name) = c.def.name {
            scope.declare(name, v(Val::Func(c.clone()), c.def.span));
        }
        // The parameter ids wait on the store's stack while the body runs.
        let open = self.store.open();
        for (i, (name, pspan)) in c.def.params.iter().enumerate() {
            if i < c.def.arity {
                let id = self.new_var();
                let var = self
                    .leaf(Kind::UInt(id), *pspan)
                    .and_then(|idt| self.op(TermType::Var, &[idt], *pspan).map(|var| (idt, var)));
                if let Some((idt, var)) = var {
                    self.store.arg(idt);
                    scope.declare(*name, v(Val::Term(var), *pspan));
                }
            } else {
                // The driver passes only `fn.length` arguments: defaults apply, rest is empty.
                let val = self.missing_param(c, i, *pspan, &scope, Vec::new());
                scope.declare(*name, val);
            }
        }
        let result = self.run_body(&c.def, &scope);
        self.end_scope(scope);
        // The body's value is converted before the call counts as ended: a function that
        // returns an object holding itself (`o.f = () => o`) nests FUNCs without end, and
        // must meet the limit rather than the stack's end.
        let body = match result.v {
            Val::Poison => None,
            Val::Undef => {
                self.error_help(
                    c.def.span,
                    "anonymous function returned `undefined`",
                    "did you forget a `return`? write `function (x) { return ...; }` or `x => ...`",
                );
                None
            }
            _ => self.expr(&result, EXPR_DEPTH),
        };
        self.calls -= 1;
        let Some(body) = body else {
            self.store.discard(open);
            return None;
        };
        let params_span = c.def.params.first().map_or(c.def.span, |(_, s)| *s);
        let n = self.store.collected(open);
        let params = self.close(open, Kind::Op(TermType::MakeArray), n, params_span)?;
        self.op(TermType::Func, &[params, body], c.def.span)
    }

    pub(super) fn run_body(&mut self, def: &FuncDef, scope: &Rc<Scope>) -> V {
        match &def.body {
            FuncBody::Expr(e) => self.eval(e, scope),
            FuncBody::Block(stmts) => match self.exec_block(stmts, scope) {
                Flow::Return(r) => r,
                _ => v(Val::Undef, def.span),
            },
        }
    }

    /// The driver's `funcWrap`: a value containing `r.row` becomes a one-parameter function.
    pub(super) fn func_wrap(&mut self, x: V) -> V {
        if matches!(x.v, Val::Undef | Val::Poison) {
            return x;
        }
        let Some(t) = self.expr(&x, EXPR_DEPTH) else {
            return v(Val::Poison, x.span);
        };
        if !self.store.ivar(t) {
            return v(Val::Term(t), x.span);
        }
        let id = self.new_var();
        let wrapped = self
            .leaf(Kind::UInt(id), x.span)
            .and_then(|idt| self.op(TermType::MakeArray, &[idt], x.span))
            .and_then(|params| self.op(TermType::Func, &[params, t], x.span));
        match wrapped {
            Some(f) => v(Val::Term(f), x.span),
            None => v(Val::Poison, x.span),
        }
    }

    pub(super) fn r_expr(&mut self, args: &[V], span: Span) -> V {
        let val = &args[0];
        if matches!(val.v, Val::Undef) {
            return self.error_help(
                val.span,
                "cannot wrap undefined with r.expr()",
                "give a value, or null",
            );
        }
        let depth = match args.get(1).map(|a| &a.v) {
            // The driver tests `nestingDepth == null`: null means the default too.
            None | Some(Val::Undef | Val::Null) => EXPR_DEPTH,
            Some(Val::Num(n)) if !n.is_nan() => {
                if *n <= 0.0 {
                    return self.error(args[1].span, "nesting depth limit exceeded");
                }
                n.ceil().min(1e6) as i64
            }
            Some(_) => {
                return self.error_help(
                    args[1].span,
                    "second argument to `r.expr` must be a number or undefined",
                    "it is the nesting depth limit, 20 by default",
                );
            }
        };
        match self.expr(val, depth) {
            Some(t) => v(Val::Term(t), span),
            None => v(Val::Poison, span),
        }
    }

    pub(super) fn r_binary(&mut self, arg: &V, span: Span) -> V {
        match &arg.v {
            Val::Term(t) => match self.op(TermType::Binary, &[*t], span) {
                Some(t) => v(Val::Term(t), span),
                None => v(Val::Poison, span),
            },
            Val::Buffer(_) => match self.expr(arg, EXPR_DEPTH) {
                Some(t) => v(Val::Term(t), span),
                None => v(Val::Poison, span),
            },
            _ => self.error_help(
                arg.span,
                "parameter to `r.binary` must be a Buffer object or ReQL query",
                "write r.binary(Buffer.from('...', 'base64')) or r.expr('...').coerceTo('binary')",
            ),
        }
    }

    pub(super) fn bracket(&mut self, t: TermId, tspan: Span, args: Vec<V>, span: Span) -> V {
        if args.iter().any(|a| matches!(a.v, Val::Poison)) {
            return v(Val::Poison, span);
        }
        if args.len() != 1 {
            return self.error_help(
                span,
                format!("expected 1 argument but found {}", args.len()),
                "calling a term selects one field: x('field'); use .pluck(...) for several",
            );
        }
        if matches!(args[0].v, Val::Undef) {
            return self.error(args[0].span, "argument 1 to (...) may not be `undefined`");
        }
        let Some(key) = self.expr(&args[0], EXPR_DEPTH) else {
            return v(Val::Poison, span);
        };
        let recv = v(Val::Term(t), tspan);
        let Some(recv) = self.expr(&recv, EXPR_DEPTH) else {
            return v(Val::Poison, span);
        };
        match self.op(TermType::Bracket, &[recv, key], span) {
            Some(t) => v(Val::Term(t), span),
            None => v(Val::Poison, span),
        }
    }
}
