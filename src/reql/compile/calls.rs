//! Calls: ReQL methods on terms (the driver's arity, optargs and wrapping rules), JavaScript
//! functions and the natives (`Buffer`, `Date`, `Math`).

use super::*;

/// The term method called by `.name(...)` on a term, if any: `run` and the promise and
/// cursor methods after it are none ([`is_program_tail`]; [`Eval::member`] refuses them).
pub(super) fn called_term_method(name: &str) -> Option<&'static Method> {
    if is_program_tail(name) {
        None
    } else {
        methods::term_method(name)
    }
}

impl Eval<'_> {
    pub(super) fn check_arity(&mut self, m: &Method, args: &[V], span: Span) -> bool {
        let n = args.len();
        let msg = match m.arity {
            Arity::AtLeast(min) if n < usize::from(min) => {
                format!("expected {min} or more arguments but found {n}")
            }
            Arity::Between(lo, hi) if n < usize::from(lo) || n > usize::from(hi) => {
                format!("expected between {lo} and {hi} arguments but found {n}")
            }
            Arity::Exactly(k) if n != usize::from(k) => format!(
                "expected {k} argument{} but found {n}",
                plural(usize::from(k))
            ),
            Arity::Positional(p) => {
                let p = usize::from(p);
                let has_opts = args.get(p).is_some_and(|a| matches!(a.v, Val::Obj(_)));
                let npos = n - usize::from(has_opts);
                if npos == p {
                    return true;
                }
                format!(
                    "expected {p} argument{} (not including options) but found {npos}",
                    plural(p)
                )
            }
            _ => return true,
        };
        let sig = m.signature();
        self.error_help(
            span,
            format!("`{}`: {msg}", m.name),
            format!("usage: {sig}"),
        );
        false
    }

    pub(super) fn call_method(
        &mut self,
        recv: Option<TermId>,
        m: &'static Method,
        mut args: Vec<V>,
        span: Span,
        site: Span,
    ) -> V {
        let out = self.call_method_on(recv, m, &mut args, span, site);
        self.recycle(args);
        out
    }

    pub(super) fn call_method_on(
        &mut self,
        recv: Option<TermId>,
        m: &'static Method,
        args: &mut Vec<V>,
        span: Span,
        site: Span,
    ) -> V {
        if args.iter().any(|a| matches!(a.v, Val::Poison)) {
            return v(Val::Poison, span);
        }
        if !self.check_arity(m, args, site) {
            return v(Val::Poison, span);
        }
        if recv.is_none() {
            match m.name {
                "expr" => return self.r_expr(args, span),
                "binary" => return self.r_binary(&args[0], span),
                _ => {}
            }
        }
        let mut opts = take_optargs(m, args);
        if m.arity == Arity::Ignored {
            args.clear();
            opts = None;
        }
        // funcWrap runs before the term's constructor converts the other arguments.
        let fc_first = self.wrap_args(m, args, span);
        let open = self.store.open();
        let mut ok = true;
        let mut i = 0;
        if let Some(a) = &fc_first {
            ok &= self.method_arg(m, i, a);
            i += 1;
        }
        if let Some(r) = recv {
            // The receiver keeps its own span.
            let span = self.store.span(r);
            let r = self.store.used_at(r, span);
            match self.built(r, span) {
                Some(t) => self.store.arg(t),
                None => ok = false,
            }
            i += 1;
        }
        for a in args.iter() {
            ok &= self.method_arg(m, i, a);
            i += 1;
        }
        let nargs = self.store.collected(open);
        if let Some(o) = opts
            && !self.optargs(&o)
        {
            self.store.discard(open);
            return v(Val::Poison, span);
        }
        if !ok {
            self.store.discard(open);
            return v(Val::Poison, span);
        }
        let tt = if m.name == "do" {
            TermType::Funcall
        } else {
            m.tt
        };
        match self.close(open, Kind::Op(tt), nargs, span) {
            Some(t) => v(Val::Term(t), span),
            None => v(Val::Poison, span),
        }
    }

    /// Passes the arguments `m` wraps through `funcWrap` (an `r.row` inside becomes a
    /// function); for `do`, takes out the function, which goes first in FUNCALL.
    #[inline]
    fn wrap_args(&mut self, m: &Method, args: &mut Vec<V>, span: Span) -> Option<V> {
        match m.wrap {
            Wrap::None => {}
            Wrap::All => {
                for a in args.iter_mut() {
                    let x = std::mem::replace(a, v(Val::Undef, span));
                    *a = self.func_wrap(x);
                }
            }
            Wrap::AllExceptOrdering => {
                for a in args.iter_mut() {
                    let ordering = matches!(&a.v, Val::Term(t)
                        if matches!(self.store.tt(*t), Some(TermType::Asc | TermType::Desc)));
                    if !ordering {
                        let x = std::mem::replace(a, v(Val::Undef, span));
                        *a = self.func_wrap(x);
                    }
                }
            }
            Wrap::Last => {
                if let Some(last) = args.pop() {
                    let w = self.func_wrap(last);
                    args.push(w);
                }
            }
            Wrap::Arg(i) => {
                let i = usize::from(i);
                if i < args.len() {
                    let a = std::mem::replace(&mut args[i], v(Val::Undef, span));
                    args[i] = self.func_wrap(a);
                }
            }
            Wrap::Do => {
                let last = args.pop().unwrap_or(v(Val::Undef, span));
                return Some(self.func_wrap(last));
            }
        }
        None
    }

    /// Converts argument `i` of method `m` and collects it; false if it failed.
    pub(super) fn method_arg(&mut self, m: &Method, i: usize, a: &V) -> bool {
        match &a.v {
            Val::Undef => {
                self.undefined_arg(m, i, a.span);
                false
            }
            Val::Poison => false,
            _ => match self.expr(a, EXPR_DEPTH) {
                Some(t) => {
                    self.store.arg(t);
                    true
                }
                None => false,
            },
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn undefined_arg(&mut self, m: &Method, i: usize, span: Span) {
        self.error_help(
            span,
            format!("argument {i} to {} may not be `undefined`", m.name),
            "give a value, or null",
        );
    }

    /// An options object → optargs, added as keyed children to the term being collected:
    /// keys camelCase → snake_case, `undefined` values dropped. False if one failed.
    pub(super) fn optargs(&mut self, o: &V) -> bool {
        let Val::Obj(fields) = &o.v else {
            return self.indexed_optargs(o);
        };
        let names = self.names;
        let n = fields.borrow().len();
        let mut ok = true;
        for i in 0..n {
            let added = {
                let guard = fields.borrow();
                let Some((k, fv)) = guard.get(i) else {
                    break;
                };
                if matches!(fv.v, Val::Undef) {
                    continue;
                }
                if is_plain_leaf(&fv.v) {
                    let t = self.expr(fv, EXPR_DEPTH);
                    t.map(|t| self.optarg(k.text(names), t, fv.span))
                } else {
                    // No borrow is held while converting: the JavaScript it runs may change the
                    // object.
                    let (k, fv) = (k.clone(), fv.clone());
                    drop(guard);
                    let t = self.expr(&fv, EXPR_DEPTH);
                    t.map(|t| self.optarg(k.text(names), t, fv.span))
                }
            };
            if added != Some(true) {
                ok = false;
            }
        }
        ok
    }

    pub(super) fn optarg(&mut self, key: &str, t: TermId, span: Span) -> bool {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.keyed(&snake(key), t, span)
        } else {
            self.keyed(key, t, span)
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn method_call(
        &mut self,
        obj: &Expr,
        name: Name,
        name_span: Span,
        callee_span: Span,
        args: &[Expr],
        span: Span,
        scope: &Rc<Scope>,
    ) -> V {
        let recv = self.eval(obj, scope);
        if skips_nullish(obj, &recv) {
            return v(Val::Undef, span);
        }
        // Argument errors point at `.name(...)`, not at the whole chain.
        let site = Span::new(name_span.start.saturating_sub(1), span.end);
        // The common case, a ReQL method of a term or of `r`, calls it straight away: the
        // method value `member` would make has no effects of its own.
        let names = self.names;
        let direct = match recv.v {
            Val::Term(t) => self
                .reuse
                .term_methods
                .get(name, names, called_term_method)
                .map(|m| (Some(t), m)),
            Val::R => self
                .reuse
                .r_functions
                .get(name, names, methods::r_function)
                .filter(|m| m.arity != Arity::Constant)
                .map(|m| (None, m)),
            _ => None,
        };
        if let Some((recv, m)) = direct {
            let argv = self.eval_args(args, scope);
            return self.call_method(recv, m, argv, span, site);
        }
        let f = self.member(recv, Some(name), names.get(name), name_span, callee_span);
        if matches!(f.v, Val::Poison) && is_program_tail(names.get(name)) {
            // The arguments of a refused `.then(...)` are program code: no errors of theirs.
            return f;
        }
        let argv = self.eval_args(args, scope);
        self.site = Some(site);
        self.call_value(f, argv, span)
    }

    pub(super) fn call_expr(
        &mut self,
        callee: &Expr,
        args: &[Expr],
        span: Span,
        scope: &Rc<Scope>,
    ) -> V {
        if let ExprKind::Member {
            obj,
            name,
            name_span,
        } = &callee.kind
        {
            return self.method_call(obj, *name, *name_span, callee.span, args, span, scope);
        }
        let f = self.eval(callee, scope);
        if skips_nullish(callee, &f) {
            return v(Val::Undef, span);
        }
        let argv = self.eval_args(args, scope);
        self.call_value(f, argv, span)
    }

    /// Evaluates call arguments into a vector taken from the spares (method calls give it
    /// back with [`Eval::recycle`]: one per call would otherwise be allocated and freed).
    // Kept inline in the method call paths, as it was before spreads (1% of the compile).
    #[inline(always)]
    pub(super) fn eval_args(&mut self, args: &[Expr], scope: &Rc<Scope>) -> Vec<V> {
        let mut argv = self.reuse.spare_args.pop().unwrap_or_default();
        for a in args {
            if let ExprKind::Spread(inner) = &a.kind {
                self.spread_into(inner, scope, &mut argv);
                continue;
            }
            let x = self.eval(a, scope);
            argv.push(x);
        }
        argv
    }

    pub(super) fn recycle(&mut self, mut argv: Vec<V>) {
        // Enough for any nesting of calls that happens in practice; the rest is freed.
        if self.reuse.spare_args.len() < 64 {
            argv.clear();
            self.reuse.spare_args.push(argv);
        }
    }

    pub(super) fn call_value(&mut self, f: V, args: Vec<V>, span: Span) -> V {
        let site = self.site.take().unwrap_or(span);
        match f.v {
            Val::Method(recv, m) => self.call_method(recv, m, args, span, site),
            Val::Term(t) => self.bracket(t, f.span, args, span),
            Val::R => match methods::r_function("expr") {
                Some(m) => self.call_method(None, m, args, span, span),
                None => v(Val::Poison, span),
            },
            Val::Func(c) => self.call_closure(&c, args, span),
            Val::Native(n) => self.call_native(n, args, span),
            Val::Poison => f,
            other => self.error(f.span, format!("{} is not a function", type_name(&other))),
        }
    }

    pub(super) fn call_closure(&mut self, c: &Rc<Closure>, args: Vec<V>, span: Span) -> V {
        if self.calls >= MAX_CALLS {
            return self.error(span, "too much recursion");
        }
        self.calls += 1;
        let scope = self.scope_for(&c.scope);
        if let Some(name) = c.def.name {
            scope.declare(name, v(Val::Func(c.clone()), c.def.span));
        }
        let mut args = args.into_iter();
        for (i, (name, pspan)) in c.def.params.iter().enumerate() {
            let val = if c.def.rest == Some(i) {
                self.missing_param(c, i, *pspan, &scope, args.by_ref().collect())
            } else {
                match args.next() {
                    Some(a) if !matches!(a.v, Val::Undef) => a,
                    _ => self.missing_param(c, i, *pspan, &scope, Vec::new()),
                }
            };
            scope.declare(*name, val);
        }
        let r = self.run_body(&c.def, &scope);
        self.end_scope(scope);
        self.calls -= 1;
        v(r.v, span)
    }

    /// The value of parameter `i` when no argument fills it: its default, the rest array, or
    /// undefined.
    pub(super) fn missing_param(
        &mut self,
        c: &Rc<Closure>,
        i: usize,
        span: Span,
        scope: &Rc<Scope>,
        rest: Vec<V>,
    ) -> V {
        if c.def.rest == Some(i) {
            return v(Val::Arr(Rc::new(RefCell::new(rest))), span);
        }
        match c.def.defaults.iter().find(|(j, _)| *j == i) {
            Some((_, e)) => self.eval(e, scope),
            None => v(Val::Undef, span),
        }
    }

    pub(super) fn call_native(&mut self, n: Native, args: Vec<V>, span: Span) -> V {
        match n {
            Native::Buffer | Native::BufferFrom => self.buffer(&args, span),
            Native::Date => self.error_help(
                span,
                "`Date(...)` without `new` gives a string",
                "write new Date(...)",
            ),
            Native::DateNow => v(Val::Num(self.clock.now_ms()), span),
            Native::DateUtc => self.date_utc(&args, span),
            Native::Math => self.error(span, "Math is not a function"),
            Native::Lib(name) => self.call_lib(name, args, span),
            Native::Bound(bound) => {
                let (recv, name) = *bound;
                self.call_bound(recv, name, args, span)
            }
            Native::Push(items) => {
                if !self.build(args.len() * size_of::<V>(), span) {
                    return v(Val::Poison, span);
                }
                for a in &args {
                    self.stored(&a.v);
                }
                let mut len = 0;
                let mut guard = items.borrow_mut();
                for a in args {
                    guard.push(a);
                    len = guard.len();
                }
                if len == 0 {
                    len = guard.len();
                }
                v(Val::Num(len as f64), span)
            }
            Native::MathFn(f) => {
                let mut nums = Vec::new();
                for a in &args {
                    match &a.v {
                        Val::Term(_) => {
                            return self.error_help(
                                a.span,
                                format!(
                                    "Math.{} works on JavaScript numbers, not on ReQL terms",
                                    f.name()
                                ),
                                "use the ReQL methods: .floor(), .ceil(), .round(), r.random()...",
                            );
                        }
                        Val::Poison => return v(Val::Poison, span),
                        _ => match self.js_number(a, "Math") {
                            Some(n) => nums.push(n),
                            None => return v(Val::Poison, span),
                        },
                    }
                }
                match f.apply(&nums) {
                    Some(r) => v(Val::Num(r), span),
                    None => self.error(
                        span,
                        "Math.random() cannot read the system's random source; write the number",
                    ),
                }
            }
        }
    }

    pub(super) fn buffer(&mut self, args: &[V], span: Span) -> V {
        let names = self.names;
        let bytes: Vec<u8> = match args.first().map(|a| &a.v) {
            Some(Val::Str(s)) => {
                let s = s.text(names);
                let enc = match args.get(1).map(|a| &a.v) {
                    Some(Val::Str(e)) => e.text(names).to_ascii_lowercase(),
                    _ => "utf8".into(),
                };
                match enc.as_str() {
                    "utf8" | "utf-8" => s.as_bytes().to_vec(),
                    "hex" => {
                        let digits: Vec<u8> = s.bytes().collect();
                        digits
                            .chunks_exact(2)
                            .map_while(|p| {
                                std::str::from_utf8(p)
                                    .ok()
                                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                            })
                            .collect()
                    }
                    "base64" => match base64::engine::general_purpose::STANDARD
                        .decode(s.trim().as_bytes())
                    {
                        Ok(b) => b,
                        Err(_) => return self.error(span, "invalid base64 in Buffer(...)"),
                    },
                    "binary" | "latin1" | "ascii" => {
                        s.chars().map(|c| (u32::from(c) & 0xff) as u8).collect()
                    }
                    other => {
                        return self.error(span, format!("unsupported Buffer encoding `{other}`"));
                    }
                }
            }
            Some(Val::Arr(items)) => {
                let items = items.borrow().clone();
                items
                    .iter()
                    .map(|i| (to_int32(to_number(self.names, &i.v).unwrap_or(0.0)) & 0xff) as u8)
                    .collect()
            }
            Some(Val::Num(n)) if *n >= 0.0 && *n <= 1e8 => vec![0; *n as usize],
            Some(Val::Buffer(b)) => b.as_ref().clone(),
            Some(Val::Poison) => return v(Val::Poison, span),
            _ => {
                return self.error_help(
                    span,
                    "unsupported arguments to Buffer",
                    "write Buffer.from('text') or Buffer.from('...', 'base64')",
                );
            }
        };
        v(Val::Buffer(Rc::new(bytes)), span)
    }

    pub(super) fn date(&mut self, args: &[V], span: Span) -> V {
        let ms = match args.iter().map(|a| &a.v).collect::<Vec<_>>().as_slice() {
            [] => self.clock.now_ms(),
            [Val::Num(n)] => dates::time_clip(*n).unwrap_or(f64::NAN),
            [Val::Null | Val::Bool(_)] => to_number(self.names, &args[0].v)
                .and_then(dates::time_clip)
                .unwrap_or(f64::NAN),
            [Val::Str(s)] => match parse_date(s.text(self.names), self.clock) {
                Some(ms) => ms,
                None => {
                    return self.error_help(
                        span,
                        format!("cannot read the date `{}`", s.text(self.names)),
                        "write an ISO 8601 date: '2024-01-31T12:00:00Z'",
                    );
                }
            },
            [Val::Date(ms)] => *ms,
            parts if parts.iter().all(|p| matches!(p, Val::Num(_))) => {
                let n: Vec<f64> = parts
                    .iter()
                    .filter_map(|p| to_number(self.names, p))
                    .collect();
                match date_from_parts(&n, Some(self.clock)) {
                    Some(ms) => ms,
                    None => return self.error(span, "invalid date"),
                }
            }
            _ => return self.error(span, "unsupported arguments to new Date(...)"),
        };
        v(Val::Date(ms), span)
    }

    /// `Date.UTC(year, month, ...)`: milliseconds since the epoch, NaN when it is no date.
    pub(super) fn date_utc(&mut self, args: &[V], span: Span) -> V {
        let mut n = Vec::with_capacity(args.len());
        for a in args {
            match to_number(self.names, &a.v) {
                Some(x) => n.push(x),
                None => return self.error(a.span, "Date.UTC takes numbers"),
            }
        }
        let ms = if n.is_empty() {
            f64::NAN
        } else {
            date_from_parts(&n, None).unwrap_or(f64::NAN)
        };
        v(Val::Num(ms), span)
    }
}

/// Takes the optargs object out of `args` where the driver's rule for `m` finds one.
#[inline]
fn take_optargs(m: &Method, args: &mut Vec<V>) -> Option<V> {
    let is_plain = |a: Option<&V>| a.is_some_and(|a| matches!(a.v, Val::Obj(_)));
    let is_nullish = |a: Option<&V>| a.is_none_or(|a| matches!(a.v, Val::Undef | Val::Null));
    match m.optargs {
        Optargs::None => {}
        Optargs::Aropt(p) => {
            if is_plain(args.get(usize::from(p))) {
                return args.pop();
            }
        }
        Optargs::Trailing => {
            if is_plain(args.last()) {
                return args.pop();
            }
        }
        Optargs::GetAll => {
            if args.len() > 1 && is_plain(args.last()) {
                return args.pop();
            }
        }
        Optargs::MinMax => {
            if args.len() == 1 && is_plain(args.first()) {
                return args.pop();
            }
        }
        Optargs::Slice => {
            if !is_nullish(args.get(2)) {
                return args.pop();
            } else {
                args.truncate(2);
                if matches!(args.get(1).map(|a| &a.v), Some(Val::Undef)) {
                    args.truncate(1);
                } else if is_plain(args.get(1)) {
                    return args.pop();
                }
            }
        }
        Optargs::IndexCreate => {
            if !is_nullish(args.get(2)) {
                return args.pop();
            } else {
                args.truncate(2);
                if is_nullish(args.get(1)) {
                    args.truncate(1);
                } else if is_plain(args.get(1)) {
                    return args.pop();
                }
            }
        }
        Optargs::Reconfigure => {
            let opts = (!args.is_empty()).then(|| args.remove(0));
            args.clear();
            return opts;
        }
    }
    None
}
