//! One-line tests of the compiler's tricky rules and of every diagnostic.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::term::normalize as norm;
use rdbsh::reql::{Env, Span, Statement, compile, compile_query};
use serde_json::{Value, json};

#[track_caller]
fn give(src: &str, want: &str) {
    let want: Value = serde_json::from_str(want).expect("expected term is JSON");
    match compile_query(src) {
        Ok(q) => assert_eq!(norm(&q.term()), norm(&want), "{src}"),
        Err(d) => panic!(
            "{src}: refused: {}",
            d.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

#[track_caller]
fn give_text(src: &str, want: &str) {
    match compile_query(src) {
        Ok(q) => assert_eq!(q.term().to_string(), want, "{src}"),
        Err(d) => panic!("{src}: refused: {}", d[0]),
    }
}

#[track_caller]
fn fail(src: &str, needle: &str) {
    match compile_query(src) {
        Ok(q) => panic!("{src}: accepted as {}", q.term()),
        Err(d) => assert!(
            d.iter().any(|d| d.message.contains(needle)
                || d.help.as_deref().is_some_and(|h| h.contains(needle))),
            "{src}: no error mentions {needle:?}: {d:?}"
        ),
    }
}

const T: &str = r#"[15,["t"]]"#;

fn t(s: &str) -> String {
    s.replace('T', T)
}

// ---- literals and numbers ----

#[test]
fn numbers_fold_and_print_like_javascript() {
    give_text("r.expr(1)", "1");
    give_text("r.expr(1.0)", "1");
    give_text("r.expr(-0)", "0");
    give_text("r.expr(60 * 60 * 24)", "86400");
    give_text("r.expr(0x10 + 0b11 + 0o7)", "26");
    give_text("r.expr(1.5e3)", "1500");
    give_text("r.expr(-1.5)", "-1.5");
    give_text("r.expr(9007199254740993)", "9007199254740992");
    give_text("r.expr(7 % 3)", "1");
    give_text("r.expr(2 ** 3 ** 2)", "512");
    give_text("r.expr(1 / 4)", "0.25");
    give_text("r.expr(-(2))", "-2");
}

#[test]
fn strings_and_concatenation() {
    give_text(r#"r.expr('a' + "b" + `c`)"#, r#""abc""#);
    give_text("r.expr('n' + 1.5)", r#""n1.5""#);
    give_text(r"r.expr('\u00e9\n')", r#""é\n""#);
    give_text("r.expr(true && 'x')", r#""x""#);
    give_text("r.expr(null || 3)", "3");
}

#[test]
fn arrays_objects_and_key_order() {
    give("r.expr([1, [2]])", "[2,[1,[2,[2]]]]");
    give("r.expr([])", "[2,[]]");
    give(
        r#"r.expr({a: r.now(), 'b-c': 1, 3: 'x',})"#,
        r#"{"a":[103,[]],"b-c":1,"3":"x"}"#,
    );
    give_text(
        "r.expr({b: 1, '2': 2, a: 3, '1': 4})",
        r#"{"1":4,"2":2,"b":1,"a":3}"#,
    );
    give("r.expr({returnChanges: 1})", r#"{"returnChanges":1}"#);
    give("r.expr({a: 1, a: 2})", r#"{"a":2}"#);
}

#[test]
fn nesting_depth_limit() {
    give(
        &format!("r.expr({}1{})", "[".repeat(19), "]".repeat(19)),
        &format!("{}1{}", "[2,[".repeat(19), "]]".repeat(19)),
    );
    fail(
        &format!("r.expr({}1{})", "[".repeat(20), "]".repeat(20)),
        "nesting depth limit exceeded",
    );
    fail("r.expr({a: {b: 1}}, 2)", "nesting depth limit exceeded");
    give("r.expr([[1]], 3)", "[2,[[2,[1]]]]");
    fail(
        "r.expr(1, 'x')",
        "second argument to `r.expr` must be a number",
    );
}

#[test]
fn constants_and_dates() {
    give("r.minval", "[180,[]]");
    give(
        "r.expr([r.maxval, r.monday, r.january])",
        "[2,[[181,[]],[107,[]],[114,[]]]]",
    );
    give(
        "r.expr(new Date('2020-01-02T03:04:05.678Z'))",
        r#"[99,["2020-01-02T03:04:05.678Z"]]"#,
    );
    give(
        "r.expr(new Date(0))",
        r#"[99,["1970-01-01T00:00:00.000Z"]]"#,
    );
    give(
        "r.binary(Buffer.from('hi'))",
        r#"{"$reql_type$":"BINARY","data":"aGk="}"#,
    );
    give("r.binary(r.expr('hi'))", r#"[155,["hi"]]"#);
}

// ---- optargs ----

#[test]
fn optargs_per_method() {
    give("r.table('t').filter({a: 1})", &t(r#"[39,[T,{"a":1}]]"#));
    give(
        "r.table('t').filter({a: 1}, {default: true})",
        &t(r#"[39,[T,{"a":1}],{"default":true}]"#),
    );
    give("r.table('t').insert({a: 1})", &t(r#"[56,[T,{"a":1}]]"#));
    give(
        "r.table('t').insert({a: 1}, {returnChanges: true})",
        &t(r#"[56,[T,{"a":1}],{"return_changes":true}]"#),
    );
    give("r.table('t').getAll({a: 1})", &t(r#"[78,[T,{"a":1}]]"#));
    give(
        "r.table('t').getAll(1, {index: 'x'})",
        &t(r#"[78,[T,1],{"index":"x"}]"#),
    );
    give(
        "r.table('t').max({index: 'x'})",
        &t(r#"[148,[T],{"index":"x"}]"#),
    );
    give(
        "r.table('t').max('b', {index: 'x'})",
        &t(r#"[148,[T,"b",{"index":"x"}]]"#),
    );
    give(
        "r.table('t').orderBy({index: 'id'})",
        &t(r#"[41,[T],{"index":"id"}]"#),
    );
    give(
        "r.union([1], [2], {interleave: false})",
        r#"[44,[[2,[1]],[2,[2]],{"interleave":false}]]"#,
    );
    give(
        "r.expr([1]).union([2], {interleave: false})",
        r#"[44,[[2,[1]],[2,[2]]],{"interleave":false}]"#,
    );
    give(
        "r.expr([1]).slice(1, {rightBound: 'closed'})",
        r#"[30,[[2,[1]],1],{"right_bound":"closed"}]"#,
    );
    give(
        "r.expr([1]).slice(1, 2, {leftBound: 'open'})",
        r#"[30,[[2,[1]],1,2],{"left_bound":"open"}]"#,
    );
    give(
        "r.table('t').indexCreate('a', {multi: true})",
        &t(r#"[75,[T,"a"],{"multi":true}]"#),
    );
    give(
        "r.table('t').indexCreate('a', r.row('b'))",
        &t(r#"[75,[T,"a",[69,[[2,[0]],[170,[[13,[]],"b"]]]]]]"#),
    );
    give(
        "r.table('t').reconfigure({shards: 2, dryRun: true})",
        &t(r#"[176,[T],{"shards":2,"dry_run":true}]"#),
    );
    give("r.table('t').contains({a: 1})", &t(r#"[93,[T,{"a":1}]]"#));
    give("r.table('t').config(1)", &t("[174,[T]]"));
    give(
        "r.table('t').getAll(r.args(['a', 'b']), {index: 'tag'})",
        &t(r#"[78,[T,[154,[[2,["a","b"]]]]],{"index":"tag"}]"#),
    );
    give(
        "r.table('t').filter({a: 1}, {default: undefined})",
        &t(r#"[39,[T,{"a":1}]]"#),
    );
    give(
        "var o = {index: 'x'}; r.table('t').getAll(1, o)",
        &t(r#"[78,[T,1],{"index":"x"}]"#),
    );
}

#[test]
fn driver_arity_checks() {
    fail(
        "r.table('t').filter()",
        "expected 1 argument (not including options) but found 0",
    );
    fail(
        "r.table('t').delete(1)",
        "expected 0 arguments (not including options) but found 1",
    );
    fail(
        "r.table('t').between(1)",
        "expected 2 arguments (not including options) but found 1",
    );
    fail(
        "r.table('t').map()",
        "expected 1 or more arguments but found 0",
    );
    fail(
        "r.table('t').indexCreate()",
        "expected between 1 and 3 arguments but found 0",
    );
    fail("r.binary()", "expected 1 argument but found 0");
    fail("r.expr([1])(1, 2)", "expected 1 argument but found 2");
    fail("r.do()", "expected 1 or more arguments but found 0");
    fail("r.expr()", "expected between 1 and 2 arguments but found 0");
}

// ---- r.row and functions ----

#[test]
fn implicit_var_wrapping() {
    give(
        "r.table('t').filter(r.row('a').gt(1))",
        &t(r#"[39,[T,[69,[[2,[0]],[21,[[170,[[13,[]],"a"]],1]]]]]]"#),
    );
    give(
        "r.table('t').filter({a: 1}, {default: r.row})",
        &t(r#"[39,[T,{"a":1}],{"default":[13,[]]}]"#),
    );
    give(
        "r.expr([1]).map(r.row.add(1))",
        r#"[38,[[2,[1]],[69,[[2,[0]],[24,[[13,[]],1]]]]]]"#,
    );
    give("r.branch(r.row, 1, 2)", "[65,[[13,[]],1,2]]");
    give(
        "r.table('t').update({n: r.row('n').add(1)})",
        &t(r#"[53,[T,[69,[[2,[0]],{"n":[24,[[170,[[13,[]],"n"]],1]]}]]]]"#),
    );
    give(
        "r.table('t').orderBy(r.desc(r.row('a')))",
        &t(r#"[41,[T,[74,[[69,[[2,[0]],[170,[[13,[]],"a"]]]]]]]]"#),
    );
    give(
        "r.table('t').filter(r.table('u').filter(r.row('a')).count())",
        &t(
            r#"[39,[T,[69,[[2,[1]],[43,[[39,[[15,["u"]],[69,[[2,[0]],[170,[[13,[]],"a"]]]]]]]]]]]]"#,
        ),
    );
}

#[test]
fn functions_and_do() {
    give(
        "r.expr(1).do(function (x) { return x.add(1); })",
        "[64,[[69,[[2,[0]],[24,[[10,[0]],1]]]],1]]",
    );
    give(
        "r.do(1, 2, (a, b) => a.add(b))",
        "[64,[[69,[[2,[0,1]],[24,[[10,[0]],[10,[1]]]]]],1,2]]",
    );
    give("r.expr(1).do(5)", "[64,[5,1]]");
    give(
        "r.expr([1]).map(x => { return x.mul(2) })",
        "[38,[[2,[1]],[69,[[2,[0]],[26,[[10,[0]],2]]]]]]",
    );
    give(
        "r.expr([1]).map(function () { return 1 })",
        "[38,[[2,[1]],[69,[[2,[]],1]]]]",
    );
    give(
        "r.expr([1]).default(r.error)",
        "[92,[[2,[1]],[69,[[2,[]],[12,[]]]]]]",
    );
    give(
        "r.expr(1).do(function (x) { var y = x.add(1); return [y, y]; })",
        "[64,[[69,[[2,[0]],[2,[[24,[[10,[0]],1]],[24,[[10,[0]],1]]]]]],1]]",
    );
    give(
        "r.expr(function () { var a = []; for (var i = 0; i < 3; i++) { a.push({id: i}) } return a }())",
        r#"[2,[{"id":0},{"id":1},{"id":2}]]"#,
    );
    give("r.row('a')('b')", r#"[170,[[170,[[13,[]],"a"]],"b"]]"#);
    give(
        "r.expr([1]).map(function (x, y = 2) { return x.add(y) })",
        "[38,[[2,[1]],[69,[[2,[0]],[24,[[10,[0]],2]]]]]]",
    );
    give(
        "r.expr([1]).map((...xs) => xs)",
        "[38,[[2,[1]],[69,[[2,[]],[2,[]]]]]]",
    );
    give(
        "r.expr(function (a, b = 3, ...c) { return [a, b, c] }(1))",
        "[2,[1,3,[2,[]]]]",
    );
}

// ---- statements, bindings and .run ----

/// What a compile gives may go to other threads; the session (`Env`) is single-threaded
/// by design and stays on the thread that compiles.
#[test]
fn queries_can_cross_threads() {
    fn check<T: Send + Sync>() {}
    check::<Statement>();
    check::<rdbsh::reql::Diagnostic>();
}

#[test]
fn bindings_carry_across_statements_and_calls() {
    let mut env = Env::new();
    let out =
        compile("var t = r.table('t'); const n = 60 * 60", &mut env).expect("bindings compile");
    assert!(matches!(
        out.as_slice(),
        [Statement::Binding(_), Statement::Binding(_)]
    ));
    let out = compile("t.limit(n)", &mut env).expect("uses the bindings");
    let Statement::Query(q) = &out[0] else {
        panic!("not a query")
    };
    assert_eq!(q.term(), json!([71, [[15, ["t"]], 3600]]));
    assert_eq!(env.names(), ["n", "t"]);
    // Destructuring binds its targets only (its hidden variable is no name of the user's).
    let out = compile("const {id, tags: [first]} = {id: 7, tags: ['x']}", &mut env)
        .expect("destructuring compiles");
    let [Statement::Binding(b)] = out.as_slice() else {
        panic!("one binding: {out:?}")
    };
    assert_eq!(b.names, ["id", "first"]);
    assert_eq!(env.names(), ["first", "id", "n", "t"]);
}

#[test]
fn statements_split_on_semicolons_and_lines() {
    let mut env = Env::new();
    let out =
        compile("r.expr(1)\nr.expr(2); r.table('a')\n  .count()", &mut env).expect("compiles");
    let terms: Vec<Value> = out
        .into_iter()
        .filter_map(|s| match s {
            Statement::Query(q) => Some(q.term()),
            Statement::Binding(_) => None,
        })
        .collect();
    assert_eq!(terms, [json!(1), json!(2), json!([43, [[15, ["a"]]]])]);
    // A line that starts with an operator continues the statement, as JavaScript reads it.
    give(
        "var n = 5\n  - 1;\nr.table('t').limit(n)",
        r#"[71, [[15, ["t"]], 4]]"#,
    );
    give(
        "var size = null\n  || 10\nvar label = size > 5\n  ? 'big'\n  : 'small'\nr.expr(label)",
        r#""big""#,
    );
    // A body without braces that takes its `;` still lets the next statement follow.
    give(
        "r.expr((function (x) { if (x) return 1; return 2 })(0))",
        "2",
    );
    give(
        "r.expr((function (n) { while (n > 3) n--; return n })(9))",
        "3",
    );
}

#[test]
fn pasted_run_gives_global_optargs() {
    let q = compile_query("r.table('t').run(conn, {db: 'prod', readMode: 'outdated', profile: 1})")
        .expect("compiles");
    assert_eq!(q.term(), json!([15, ["t"]]));
    assert_eq!(
        json!(q.global_optargs),
        json!({"db": [14, ["prod"]], "read_mode": "outdated", "profile": true})
    );
    let q = compile_query("r.table('t').count().run(conn)").expect("compiles");
    assert!(q.global_optargs.is_empty());
    assert_eq!(
        q.start_message(&Default::default()),
        json!([1, [43, [[15, ["t"]]]]])
    );
    let mut extra = serde_json::Map::new();
    extra.insert("db".into(), json!("test"));
    extra.insert("timeFormat".into(), json!("raw"));
    assert_eq!(
        q.start_message(&extra),
        json!([1, [43, [[15, ["t"]]]], {"db": [14, ["test"]], "time_format": "raw"}])
    );
    fail(
        "r.table('t').run(conn).count()",
        "`.run(...)` can only end a statement",
    );
    // The docs' forms with a callback: the callback is skipped, options still apply.
    give(
        "r.table('users').get(100).changes().run(conn, callback)",
        r#"[152, [[16, [[15, ["users"]], 100]]]]"#,
    );
    let q = compile_query(
        "r.table('t').run(conn, {readMode: 'outdated'}, function (err, cursor) {\n\
         if (err) throw err;\n    cursor.each(console.log);\n})",
    )
    .expect("compiles");
    assert_eq!(json!(q.global_optargs), json!({"read_mode": "outdated"}));
    let q =
        compile_query("r.table('t').run(conn, (err, res) => console.log(res))").expect("compiles");
    assert_eq!(q.term(), json!([15, ["t"]]));
    // Code after `.run(...)` is program code: Bluebird's `.error`, stream methods, and
    // callbacks rdbsh cannot read (TypeScript, async, regex literals) are skipped.
    give(
        "r.table('todos').orderBy({index: 'createdAt'}).run(req._rdbConn)\
         .then(function (cursor) { return cursor.toArray(); })\
         .error(handleError(res)).finally(next)",
        r#"[41, [[15, ["todos"]]], {"index": "createdAt"}]"#,
    );
    give(
        "r.table('t').run(conn, (err: any, rows: any[]) => { console.log(rows) })",
        T,
    );
    give(
        "r.table('t').run(conn).then(async (rows) => { await send(rows) })",
        T,
    );
    give("r.table('t').run(connection, fn(populateTable))", T);
    give(
        "r.table('t').run(conn, function (err, c) { if (/x/.test(c)) throw err })",
        T,
    );
    let q = compile_query("r.table('t').run(conn, {db: 'x'}, (e: Error) => {})").expect("compiles");
    assert_eq!(json!(q.global_optargs), json!({"db": [14, ["x"]]}));
    // Without `.run(...)` before them they are no ReQL, and their arguments are not read.
    let errs = compile_query("r.table('t').changes().toStream().on('data', () => x())")
        .expect_err("refused");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0]
            .message
            .contains("`.toStream` is a cursor or promise method")
    );
    // A syntax error inside `r.error(...)` is still one.
    fail("r.error(1 +)", "expected an expression");
    fail(
        "const users = await r.table('users').run(conn)",
        "not inside `const x = await ...`",
    );
    fail("return r.table('users')", "paste only the query");
    fail("yield r.table('users')", "paste only the query");
    // rethinkdbdash passes no connection: an object literal first is the options.
    let q =
        compile_query("r.table('t').run({readMode: 'outdated', cursor: true})").expect("compiles");
    assert_eq!(
        json!(q.global_optargs),
        json!({"read_mode": "outdated"}),
        "only the options the server reads"
    );
    // A name bound to options is options, not a callback.
    let mut env = Env::new();
    let out = compile(
        "var opts = {db: 'x'}; r.table('t').run(conn, opts)",
        &mut env,
    )
    .expect("compiles");
    let [Statement::Binding(_), Statement::Query(q)] = out.as_slice() else {
        panic!("a binding and a query: {out:?}")
    };
    assert_eq!(json!(q.global_optargs), json!({"db": [14, ["x"]]}));
}

// ---- spans ----

#[test]
fn backtraces_map_to_source_spans() {
    let src =
        "r.table('t').filter(function (d) { return d('age').gt(18) }).map(r.row('name').upcase())";
    let q = compile_query(src).expect("compiles");
    let text = |frames: Value| {
        q.span_of(frames.as_array().expect("frames"))
            .text(src)
            .to_string()
    };
    assert_eq!(text(json!([])), src);
    assert_eq!(
        text(json!([0])),
        "r.table('t').filter(function (d) { return d('age').gt(18) })"
    );
    assert_eq!(text(json!([0, 0])), "r.table('t')");
    assert_eq!(
        text(json!([0, 1])),
        "function (d) { return d('age').gt(18) }"
    );
    assert_eq!(text(json!([0, 1, 1])), "d('age').gt(18)");
    assert_eq!(text(json!([0, 1, 1, 0])), "d('age')");
    assert_eq!(text(json!([0, 1, 1, 1])), "18");
    assert_eq!(text(json!([1, 1])), "r.row('name').upcase()");
    assert_eq!(text(json!([1, 1, 0, 1])), "'name'");
    assert_eq!(
        text(json!([0, 7, 9])),
        "r.table('t').filter(function (d) { return d('age').gt(18) })"
    );
}

#[test]
fn spans_of_optargs_objects_and_funcall() {
    let src = "r.expr(1).do(x => x.add({a: r.now()}))";
    let q = compile_query(src).expect("compiles");
    let text = |frames: Value| {
        q.span_of(frames.as_array().expect("frames"))
            .text(src)
            .to_string()
    };
    assert_eq!(text(json!([0])), "x => x.add({a: r.now()})");
    assert_eq!(text(json!([0, 1, 1, "a"])), "r.now()");
    let src = "r.table('t').insert({x: 1}, {durability: 'soft'})";
    let q = compile_query(src).expect("compiles");
    assert_eq!(q.span_of(&[json!("durability")]).text(src), "'soft'");
    assert_eq!(q.span_of(&[json!(1), json!("x")]).text(src), "1");
    assert_eq!(q.span, Span::new(0, src.len()));
}

// ---- diagnostics ----

#[test]
fn operators_on_terms_name_the_method() {
    fail("r.expr(1) + 1", "a.add(b)");
    fail(
        "r.table('t').filter(function (d) { return d('a') == 1 })",
        "a.eq(b)",
    );
    fail(
        "r.table('t').filter(function (d) { return d('a') === 1 })",
        "a.eq(b)",
    );
    fail(
        "r.table('t').filter(function (d) { return d('a') > 1 })",
        "a.gt(b)",
    );
    fail(
        "r.table('t').filter(function (d) { return d('a') < 1 })",
        "a.lt(b)",
    );
    fail(
        "r.table('t').filter(function (d) { return d('a') != 1 })",
        "a.ne(b)",
    );
    fail("r.expr(1).do(x => x - 1)", "a.sub(b)");
    fail("r.expr(1).do(x => x * 2)", "a.mul(b)");
    fail("r.expr(1).do(x => x / 2)", "a.div(b)");
    fail("r.expr(1).do(x => x % 2)", "a.mod(b)");
    fail("r.expr(true).do(x => x && true)", "a.and(b)");
    fail("r.expr(true).do(x => x || true)", "a.or(b)");
    fail("r.expr(true).do(x => !x)", ".not()");
    fail(
        "r.expr([]).reduce(function (a, b) { return a + b })",
        "a.add(b)",
    );
    fail("r.expr(1).do(x => x ? 1 : 2)", "r.branch");
}

#[test]
fn targeted_messages() {
    fail(
        "r.table('t').filter(function (d) { return d['a'].eq(1) })",
        "x('a')",
    );
    fail(
        "r.table('t').filter(lambda x: x['a'] > 1)",
        "`lambda` is Python syntax",
    );
    fail(
        "r.table('t').filter(function (d) { d('a').eq(1) })",
        "did you forget a `return`?",
    );
    fail("r.expr(undefined)", "cannot wrap undefined");
    fail(
        "r.expr(1).add(undefined)",
        "argument 1 to add may not be `undefined`",
    );
    fail(
        "r.expr({a: undefined})",
        "object field 'a' may not be undefined",
    );
    fail("r.expr(NaN)", "illegal non-finite number `NaN`");
    fail(
        "r.expr({a: Infinity})",
        "illegal non-finite number `Infinity`",
    );
    fail("r.table('t').fitler({a: 1})", "did you mean `filter`?");
    fail("r.table('t').orderby('a')", "did you mean `orderBy`?");
    fail("r.tabel('t')", "did you mean `table`?");
    fail("r.tabel('t')", "unknown function `r.tabel`");
    fail(
        "r.connect({host: 'h'})",
        "rdbsh holds the connection itself",
    );
    fail("r.table(\u{2018}users\u{2019})", "typographic quote");
    fail("r.table(\u{201c}users\u{201d})", "typographic quote");
    fail("r.expr(\u{200b}1)", "invisible character");
    // JavaScript's library works on values; on a term the ReQL method is named.
    fail(
        "r.table('t').filter(r.row('name').toUpperCase().eq('A'))",
        "on a term, use .upcase()",
    );
    fail(
        "r.table('t').filter(r.row('tags').length.gt(2))",
        "use .count()",
    );
    fail("r.expr(String(r.now()))", "term.coerceTo('string')");
    fail("r.expr(JSON.stringify(r.now()))", "term.toJsonString()");
    fail("r.expr(Object.keys(r.expr({a: 1})))", "term.keys()");
    fail("r.expr('x'.repeat(1e9))", "longer than 16 MiB");
    fail("r.expr(new Date().toString())", "use date.toISOString()");
    fail(
        "for (var x of r.table('t')) {} r.expr(1)",
        "a JavaScript loop cannot go through a ReQL term",
    );
    fail("for (var x of 5) {} r.expr(1)", "is not iterable");
    fail("r.expr(-1 ** 2)", "add parentheses");
    give("r.expr((-1) ** 2)", "1");
    fail("r.expr(JSON.parse('{bad'))", "JSON.parse");
    fail("r.expr([].reduce((a, b) => a))", "reduce of an empty array");
    fail("r.wait()", "`r.wait` is not a function");
    fail("r.expr([1]).count(True)", "write `true`");
    fail("[1, 2].count()", "wrap the value first");
    fail("r.binary('abc')", "Buffer object or ReQL query");
    fail("r.expr(foo)", "unknown name `foo`");
    fail("r.expr(1)(1, 2)", "expected 1 argument but found 2");
    fail(
        "r.table('t').count",
        "this statement is a function, not a query",
    );
    fail("null", "nothing to run");
    give("r.expr(null)", "null");
    fail(
        "r.expr(`a${r.now()}`)",
        "cannot be put into a template string",
    );
    fail("r.expr(`${r.row}-x`)", "r.expr('text').add(term)");
    fail("r.expr('a' + r.now())", "use the ReQL method: a.add(b)");
    fail("r.expr(`a${1`)", "unclosed `${`");
    fail("r.expr({[r.now()]: 1})", "use r.object(key, value)");
    fail(
        "r.getAll(...r.expr([1]))",
        "only an array, a string or a Buffer can be spread",
    );
    fail("return 1", "`return` outside a function");
    fail("r.table('t').then(x => x)", "cursor or promise method");
    fail(
        "r.expr(function f(n) { return f(n) }(1))",
        "too much recursion",
    );
    fail("r.expr(function () { while (true) {} }())", "runs too long");
    // A term is decided on the server: it cannot steer a loop while the query is built.
    fail(
        "r.expr(function () { while (r.expr(true)) {} }())",
        "a loop condition cannot be a ReQL term",
    );
    fail(
        "r.expr(function () { for (var i = 0; r.expr(i).lt(3); i++) {} }())",
        "a loop condition cannot be a ReQL term",
    );
}

#[test]
fn errors_point_at_the_offending_text() {
    let at = |src: &str| {
        let errs = compile_query(src).err().unwrap_or_default();
        errs.first()
            .map(|d| d.span.text(src).to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        at("r.table('t').insert({a: 1}, {b: 2}, 3)"),
        ".insert({a: 1}, {b: 2}, 3)"
    );
    assert_eq!(at("r.table('t')\n  .fitler(1)"), "fitler");
    assert_eq!(at("r.expr(1).do(x => x > 1)"), ">");
    assert_eq!(at("r.expr([1, 2"), "(");
    assert_eq!(at("r.expr({a: undefined})"), "undefined");
    assert_eq!(at("r.expr(1).do(function (x) { x })"), "function (x) { x }");
}

#[test]
fn syntax_errors_are_all_reported() {
    fail("r.table('t'", "unclosed `(`");
    fail("r.expr([1, 2)", "does not match");
    assert_eq!(
        compile_query("r.expr(1 2)").err().map(|e| e.len()),
        Some(1),
        "no cascade after a bad argument list"
    );
    fail("r.expr(1))", "no bracket is open here");
    fail("r.expr('abc", "unterminated string");
    fail("r.expr(1 +)", "expected an expression, found `)`");
    fail("r.expr(1) r.expr(2)", "expected `;` or a new line");
    fail("r.expr({a 1})", "expected `:` after the property name");
    fail(
        &format!("r.expr({}1{})", "[".repeat(10_000), "]".repeat(10_000)),
        "nested too deeply",
    );
    fail(
        &format!("r.expr(1){}", ".add(1)".repeat(5_000)),
        "nested too deeply",
    );
    let errs = compile_query("r.table('t').fitler(1).mapp(2); r.expr(1 +)")
        .err()
        .unwrap_or_default();
    assert!(!errs.is_empty());
    let errs = compile_query("r.table('t').fitler(1).mapp(2)")
        .err()
        .unwrap_or_default();
    assert_eq!(errs.len(), 2, "both unknown methods are reported: {errs:?}");
}

#[test]
fn newer_server_terms_and_misc() {
    give(
        "r.format('{name} is {age}', {name: 'Ann', age: 3})",
        r#"[197,["{name} is {age}",{"name":"Ann","age":3}]]"#,
    );
    give("r.args([1, 2])", "[154,[[2,[1,2]]]]");
    give("r.literal({a: 1})", r#"[137,[{"a":1}]]"#);
    give(
        "r.js('1 + 1', {timeout: 2})",
        r#"[11,["1 + 1"],{"timeout":2}]"#,
    );
    give(
        "r.http('http://x', {resultFormat: 'json'})",
        r#"[153,["http://x"],{"result_format":"json"}]"#,
    );
}

#[test]
fn write_analysis_on_compiled_queries() {
    let w = |src: &str| {
        rdbsh::reql::writes(&compile_query(src).expect("compiles").term()).map(|w| w.name)
    };
    assert_eq!(w("r.table('t').filter({a: 1}).count()"), None);
    assert_eq!(w("r.table('t').get(1).update({a: 1})"), Some("update"));
    assert_eq!(w("r.dbCreate('x')"), Some("dbCreate"));
    assert_eq!(w("r.table('t').indexCreate('a')"), Some("indexCreate"));
    assert_eq!(
        w("r.expr([1]).forEach(x => r.table('t').insert({id: x}))"),
        Some("forEach")
    );
    let sys = compile_query("r.db('rethinkdb').table('users').get('bob').update({password: 'x'})")
        .expect("compiles");
    assert_eq!(
        rdbsh::reql::writes(&sys.term())
            .and_then(|w| w.system_table)
            .as_deref(),
        Some("users")
    );
}

#[test]
fn one_variable_counter_per_session() {
    let mut env = Env::new();
    let ids = |out: Vec<Statement>| match &out[0] {
        Statement::Query(q) => q.term()[1][1][1][0][1].clone(),
        Statement::Binding(_) => Value::Null,
    };
    let first = ids(compile("r.expr([1]).map(x => x)", &mut env).expect("compiles"));
    let second = ids(compile("r.expr([1]).map(x => x)", &mut env).expect("compiles"));
    assert_ne!(
        first, second,
        "ids keep counting across statements of a session"
    );
}

/// `Math.random()` is uniform in [0, 1) with 53 random bits, as V8's: the clock's nanoseconds
/// modulo a million gave only multiples of 1e-6.
#[test]
fn math_random_is_real_randomness() {
    let q = compile_query("r.expr(Array.from({length: 64}, () => Math.random()))").unwrap();
    let term = q.term();
    let values: Vec<f64> = term[1]
        .as_array()
        .expect("MAKE_ARRAY arguments")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect();
    assert_eq!(values.len(), 64);
    assert!(values.iter().all(|x| (0.0..1.0).contains(x)), "{values:?}");
    let on_the_clock_grid = values.iter().filter(|x| (*x * 1e6).fract() == 0.0).count();
    assert!(on_the_clock_grid < 4, "{values:?}");
    let mut distinct = values.clone();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    assert_eq!(distinct.len(), 64, "{values:?}");
}
