//! Statements: assignments, blocks, loops, and the top level of a compiled statement.

use super::*;

/// True if `e` is `... .run(...)` possibly followed by `.then(...)`-style calls.
pub(super) fn ends_with_run(e: &Expr, names: &Names) -> bool {
    match &e.kind {
        ExprKind::MethodCall { name, .. } if names.get(*name) == "run" => true,
        ExprKind::MethodCall { operands, name, .. } if is_after_run(names.get(*name)) => {
            Expr::receiver_args(operands).is_some_and(|(obj, _)| ends_with_run(obj, names))
        }
        ExprKind::Call { callee, .. } => match &callee.kind {
            ExprKind::Member { name, .. } if names.get(*name) == "run" => true,
            ExprKind::Member { obj, name, .. } if is_after_run(names.get(*name)) => {
                ends_with_run(obj, names)
            }
            _ => false,
        },
        _ => false,
    }
}

impl Eval<'_> {
    pub(super) fn assign(&mut self, target: &Expr, val: V, scope: &Rc<Scope>) {
        match &target.kind {
            ExprKind::Ident(name) => {
                if self.names.get(*name) == "r" {
                    self.error(target.span, "`r` cannot be reassigned");
                    return;
                }
                // The scope may outlive the statement (the session's, or one a closure kept).
                self.stored(&val.v);
                scope.set(*name, val);
            }
            ExprKind::Member { obj, name, .. } => {
                let o = self.eval(obj, scope);
                let key = self.names.get(*name).to_string();
                self.set_prop(o, key, val, target.span);
            }
            ExprKind::Index { obj, index } => {
                let o = self.eval(obj, scope);
                let i = self.eval(index, scope);
                match (&o.v, &i.v) {
                    (Val::Arr(items), Val::Num(n)) if *n >= 0.0 && n.fract() == 0.0 && *n < 1e7 => {
                        let mut items = items.borrow_mut();
                        let idx = *n as usize;
                        while items.len() <= idx {
                            items.push(v(Val::Undef, target.span));
                        }
                        self.stored(&val.v);
                        items[idx] = val;
                    }
                    _ => {
                        let key = to_js_string(self.names, &i.v).unwrap_or_default();
                        self.set_prop(o, key, val, target.span);
                    }
                }
            }
            _ => {
                self.error(target.span, "cannot assign to this expression");
            }
        }
    }

    pub(super) fn set_prop(&mut self, o: V, key: String, val: V, span: Span) {
        match &o.v {
            Val::Obj(fields) => {
                // The object may outlive the statement.
                self.stored(&val.v);
                let names = self.names;
                let mut f = fields.borrow_mut();
                match f.iter_mut().find(|(k, _)| k.text(names) == key) {
                    Some(slot) => slot.1 = val,
                    None => f.push((Str::Own(Rc::from(key)), val)),
                }
            }
            Val::Poison => {}
            Val::Term(_) => {
                self.error(
                    span,
                    "ReQL terms cannot be modified; use .merge({...}) to add fields",
                );
            }
            other => {
                self.error(
                    span,
                    format!("cannot set a property of {}", type_name(other)),
                );
            }
        }
    }

    pub(super) fn exec_block(&mut self, stmts: &[Stmt], scope: &Rc<Scope>) -> Flow {
        // Function declarations are hoisted, as in JavaScript.
        for s in stmts {
            if let StmtKind::Function(name, def) = &s.kind {
                self.declare_function(scope, *name, def, s.span);
            }
        }
        for s in stmts {
            match self.exec(s, scope) {
                Flow::Normal => {}
                other => return other,
            }
            if self.halted {
                break;
            }
        }
        Flow::Normal
    }

    /// Evaluates a `for`/`while` condition: false ends the loop, as does a ReQL term there
    /// (reported: a term is decided on the server, not while building the query).
    pub(super) fn loop_goes_on(&mut self, test: &Expr, scope: &Rc<Scope>) -> bool {
        let c = self.eval(test, scope);
        if let Val::Term(_) = c.v {
            self.error_help(
                test.span,
                "a loop condition cannot be a ReQL term",
                "loop over the data in ReQL: .forEach(...), .map(...)",
            );
            return false;
        }
        truthy(self.names, &c.v)
    }

    pub(super) fn exec(&mut self, s: &Stmt, scope: &Rc<Scope>) -> Flow {
        if !self.step(s.span) {
            return Flow::Break;
        }
        match &s.kind {
            StmtKind::Expr(e) => {
                self.eval(e, scope);
                Flow::Normal
            }
            StmtKind::Var(decls) => {
                for (name, span, init) in decls {
                    let val = match init {
                        Some(e) => self.eval(e, scope),
                        None => v(Val::Undef, *span),
                    };
                    self.declare(scope, *name, val);
                }
                Flow::Normal
            }
            StmtKind::Function(..) | StmtKind::Empty => Flow::Normal,
            StmtKind::Return(e) => Flow::Return(match e {
                Some(e) => self.eval(e, scope),
                None => v(Val::Undef, s.span),
            }),
            StmtKind::If(test, then, other) => self.exec_if(test, then, other.as_deref(), scope),
            StmtKind::For {
                init,
                test,
                update,
                body,
            } => self.exec_for(init.as_deref(), test.as_ref(), update.as_ref(), body, scope),
            StmtKind::ForEach {
                name,
                name_span,
                keys,
                iter,
                body,
            } => {
                let it = self.eval(iter, scope);
                let Some(items) = self.iteration(it, *keys, *name_span) else {
                    return Flow::Normal;
                };
                for x in items {
                    if self.halted {
                        break;
                    }
                    self.declare(scope, *name, x);
                    match self.exec(body, scope) {
                        Flow::Return(r) => return Flow::Return(r),
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                    }
                }
                Flow::Normal
            }
            StmtKind::While(test, body) => {
                loop {
                    if self.halted {
                        break;
                    }
                    if !self.loop_goes_on(test, scope) {
                        break;
                    }
                    match self.exec(body, scope) {
                        Flow::Return(r) => return Flow::Return(r),
                        Flow::Break => break,
                        Flow::Normal | Flow::Continue => {}
                    }
                }
                Flow::Normal
            }
            StmtKind::Block(stmts) => self.exec_block(stmts, scope),
            StmtKind::Throw(e) => {
                self.eval(e, scope);
                self.error(
                    s.span,
                    "the JavaScript in this statement throws an exception",
                );
                Flow::Break
            }
            StmtKind::Break => Flow::Break,
            StmtKind::Continue => Flow::Continue,
        }
    }

    /// `function name(...) {...}`: binds `name` in `scope` to a closure over it.
    fn declare_function(&mut self, scope: &Rc<Scope>, name: Name, def: &Arc<FuncDef>, span: Span) {
        let f = v(
            Val::Func(Rc::new(Closure {
                def: def.clone(),
                scope: scope.clone(),
            })),
            span,
        );
        self.declare(scope, name, f);
    }

    /// `if (test) then else other`.
    fn exec_if(
        &mut self,
        test: &Expr,
        then: &Stmt,
        other: Option<&Stmt>,
        scope: &Rc<Scope>,
    ) -> Flow {
        let t = self.eval(test, scope);
        if let Val::Term(_) = t.v {
            self.error_help(
                test.span,
                "a ReQL term cannot choose between JavaScript statements",
                "use r.branch(condition, a, b)",
            );
            return Flow::Normal;
        }
        if truthy(self.names, &t.v) {
            self.exec(then, scope)
        } else if let Some(o) = other {
            self.exec(o, scope)
        } else {
            Flow::Normal
        }
    }

    /// `for (init; test; update) body`.
    fn exec_for(
        &mut self,
        init: Option<&Stmt>,
        test: Option<&Expr>,
        update: Option<&Expr>,
        body: &Stmt,
        scope: &Rc<Scope>,
    ) -> Flow {
        if let Some(i) = init {
            self.exec(i, scope);
        }
        loop {
            if self.halted {
                break;
            }
            if let Some(t) = test
                && !self.loop_goes_on(t, scope)
            {
                break;
            }
            match self.exec(body, scope) {
                Flow::Return(r) => return Flow::Return(r),
                Flow::Break => break,
                Flow::Normal | Flow::Continue => {}
            }
            if let Some(u) = update {
                self.eval(u, scope);
            }
        }
        Flow::Normal
    }

    /// Runs a top-level statement. Returns the query term (if the statement is a query) and
    /// the global optargs of a pasted `.run(conn, {...})`.
    pub(crate) fn top(
        &mut self,
        s: &Stmt,
        root: &Rc<Scope>,
    ) -> Option<(TermId, Map<String, Value>)> {
        let StmtKind::Expr(e) = &s.kind else {
            self.top_other(s, root);
            return None;
        };
        if matches!(e.kind, ExprKind::Assign { .. } | ExprKind::Update { .. }) {
            self.eval(e, root);
            return None;
        }
        let names = self.names;
        let (base, run_args) = split_run(peel_after_run(e, names), names);
        let val = self.eval(base, root);
        let global = self.run_optargs(run_args, root);
        let term = self.statement_term(&val, base)?;
        Some((term, global))
    }

    /// A top-level statement that is no expression: a function declaration, a declaration
    /// or a loop, or a stray `return`.
    fn top_other(&mut self, s: &Stmt, root: &Rc<Scope>) {
        match &s.kind {
            StmtKind::Return(_) => {
                self.error_help(
                    s.span,
                    "`return` outside a function",
                    "paste only the query after `return`: rdbsh runs it",
                );
            }
            StmtKind::Function(name, def) => self.declare_function(root, *name, def, s.span),
            _ => {
                self.exec(s, root);
            }
        }
    }

    /// The global optargs of a pasted `.run(...)` whose arguments are `run_args`.
    fn run_optargs(&mut self, run_args: Option<&[Expr]>, root: &Rc<Scope>) -> Map<String, Value> {
        let names = self.names;
        let mut global = Map::new();
        // `.run(conn, callback)` and `.run(conn, opts, function (err, res) {...})` as pasted
        // from the docs: a function or a name defined nowhere is the callback, not options.
        // Options are an object literal or a name bound to them; anything else there (a
        // function, `fn(x)`, `this.cb`, code rdbsh skipped) is the callback.
        let is_callback = |a: &Expr| match &a.kind {
            ExprKind::Object(_) => false,
            ExprKind::Ident(name) => root.get(*name).is_none() && names.get(*name) != "r",
            _ => true,
        };
        // rethinkdbdash's `.run({opts})` has no connection: an object literal first is options,
        // of which only those the server reads are sent (`cursor`, `stream`... are the
        // client's, and the server refuses a global optarg it does not know).
        let (opts, server_keys_only) = match run_args {
            Some([first, ..]) if matches!(first.kind, ExprKind::Object(_)) => (Some(first), true),
            Some(args) => (args.get(1).filter(|a| !is_callback(a)), false),
            None => (None, false),
        };
        if let Some(opts) = opts {
            let o = self.eval(opts, root);
            if let Val::Obj(fields) = &o.v {
                let fields: Fields = fields.borrow().clone();
                for (k, fv) in fields {
                    if matches!(fv.v, Val::Undef) {
                        continue;
                    }
                    let key = snake(k.text(names));
                    if server_keys_only && !RUN_OPTARGS.contains(&key.as_str()) {
                        continue;
                    }
                    let t = match (key.as_str(), &fv.v) {
                        ("db", Val::Str(name)) => {
                            let n = self.string(name.text(names), fv.span);
                            n.and_then(|n| self.op(TermType::Db, &[n], fv.span))
                        }
                        ("noreply" | "profile", other) => {
                            self.leaf(Kind::Bool(truthy(self.names, other)), fv.span)
                        }
                        _ => self.expr(&fv, EXPR_DEPTH),
                    };
                    if let Some(t) = t {
                        global.insert(key, self.store.to_json(t));
                    }
                }
            }
        }
        global
    }

    /// The term a statement's value `val` sends, or why it sends none.
    fn statement_term(&mut self, val: &V, base: &Expr) -> Option<TermId> {
        match &val.v {
            Val::Poison => None,
            Val::Term(t) => Some(*t),
            Val::Undef => {
                self.error_help(
                    base.span,
                    "this statement has no value to run",
                    "write a query such as r.table('t')",
                );
                None
            }
            Val::Func(_) | Val::Method(..) | Val::Native(_) => {
                self.error_help(
                    base.span,
                    "this statement is a function, not a query",
                    "call it: add `(...)`",
                );
                None
            }
            // A bare JavaScript `null` is no query (`.run` cannot be called on it), while
            // `r.expr(null)` is one: the driver sends it and the server answers `null`.
            Val::Null => {
                self.error_help(
                    base.span,
                    "the statement is just `null`: there is nothing to run",
                    "to ask the server for null, write r.expr(null)",
                );
                None
            }
            _ => self.expr(val, EXPR_DEPTH),
        }
    }
}

/// `e` without what follows a pasted `.run(...)`: `.then(...)`, `.catch(...)`, `await`.
fn peel_after_run<'e>(e: &'e Expr, names: &Names) -> &'e Expr {
    let mut e = e;
    loop {
        match &e.kind {
            ExprKind::Unary {
                op: UnaryOp::Await,
                expr,
            } => e = expr,
            ExprKind::MethodCall { operands, name, .. } if is_after_run(names.get(*name)) => {
                match Expr::receiver_args(operands) {
                    Some((obj, _)) if ends_with_run(obj, names) => e = obj,
                    _ => break,
                }
            }
            ExprKind::Call { callee, .. } => match &callee.kind {
                ExprKind::Member { obj, name, .. }
                    if is_after_run(names.get(*name)) && ends_with_run(obj, names) =>
                {
                    e = obj
                }
                _ => break,
            },
            _ => break,
        }
    }
    e
}

/// The query of `e` and the arguments of its `.run(...)`, if it ends with one.
fn split_run<'e>(e: &'e Expr, names: &Names) -> (&'e Expr, Option<&'e [Expr]>) {
    match &e.kind {
        ExprKind::MethodCall { operands, name, .. } if names.get(*name) == "run" => {
            match Expr::receiver_args(operands) {
                Some((obj, args)) => (obj, Some(args)),
                None => (e, None),
            }
        }
        ExprKind::Call { callee, args } => match &callee.kind {
            ExprKind::Member { obj, name, .. } if names.get(*name) == "run" => (obj, Some(args)),
            _ => (e, None),
        },
        _ => (e, None),
    }
}
