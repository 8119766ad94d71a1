//! Drives the sandbox evaluator with wire terms as the official drivers send them.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rdbsh::sandbox::{ErrorKind, ErrorType, Outcome, ReqlError, Sandbox};
use serde_json::{Map, Value, json};

fn run_opts(sb: &Sandbox, term: Value, opts: Value) -> Result<Value, ReqlError> {
    let opts: Map<String, Value> = opts.as_object().cloned().unwrap_or_default();
    let resp = sb.start(&term, &opts)?;
    match resp.outcome {
        Outcome::Atom(v) => Ok(v),
        Outcome::Sequence(mut s) => {
            let mut all = Vec::new();
            loop {
                let (rows, done) = s.next_batch(7)?;
                all.extend(rows);
                if done {
                    break;
                }
            }
            Ok(Value::Array(all))
        }
        Outcome::Feed(_) => panic!("unexpected feed"),
    }
}

fn run(sb: &Sandbox, term: Value) -> Value {
    run_opts(sb, term, json!({})).unwrap_or_else(|e| panic!("query failed: {e:?}"))
}

fn fail(sb: &Sandbox, term: Value) -> ReqlError {
    match run_opts(sb, term, json!({})) {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e,
    }
}

fn tbl(name: &str) -> Value {
    json!([15, [[14, ["test"]], name]])
}

fn with_table(name: &str, docs: Value) -> Sandbox {
    let sb = Sandbox::new();
    run(&sb, json!([60, [[14, ["test"]], name]]));
    run(&sb, json!([56, [tbl(name), docs]]));
    sb
}

#[test]
fn math_logic_and_comparison() {
    let sb = Sandbox::new();
    assert_eq!(run(&sb, json!([24, [1, 2]])), json!(3));
    assert_eq!(run(&sb, json!([27, [1, 2]])), json!(0.5));
    assert_eq!(run(&sb, json!([24, ["a", "b"]])), json!("ab"));
    assert_eq!(
        run(&sb, json!([19, [[2, [1]], true, null, 1, {}, "a"]])),
        json!(true)
    );
    assert_eq!(run(&sb, json!([66, [false, null, 3]])), json!(3));
    assert_eq!(run(&sb, json!([65, [false, 1, 2]])), json!(2));
    let e = fail(&sb, json!([27, [1, 0]]));
    assert_eq!(e.message, "Cannot divide by zero.");
    let e = fail(&sb, json!([24, [1, "a"]]));
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::QueryLogic));
    assert_eq!(e.message, "Expected type NUMBER but found STRING.");
    // The real server blames the ADD term itself, not its operand.
    assert!(e.backtrace.is_empty(), "{:?}", e.backtrace);
}

#[test]
fn objects_arrays_and_strings() {
    let sb = Sandbox::new();
    assert_eq!(
        run(&sb, json!([33, [{"a": 1, "b": 2}, "a"]])),
        json!({"a": 1})
    );
    assert_eq!(
        run(&sb, json!([34, [{"a": 1, "b": 2}, "a"]])),
        json!({"b": 2})
    );
    assert_eq!(
        run(&sb, json!([35, [{"a": {"b": 1}}, {"a": {"c": 2}}]])),
        json!({"a": {"b": 1, "c": 2}})
    );
    assert_eq!(run(&sb, json!([94, [{"b": 1, "a": 2}]])), json!(["a", "b"]));
    assert_eq!(
        run(&sb, json!([149, ["a,b,c", ","]])),
        json!(["a", "b", "c"])
    );
    assert_eq!(run(&sb, json!([141, ["abc"]])), json!("ABC"));
    assert_eq!(run(&sb, json!([97, ["foobar", "o+"]]))["str"], json!("oo"));
    assert_eq!(run(&sb, json!([52, [[2, [1]]]])), json!("ARRAY"));
    assert_eq!(run(&sb, json!([51, ["12", "number"]])), json!(12));
    assert_eq!(
        run(&sb, json!([172, [{"b": [2, [1, 2]], "a": null}]])),
        json!("{\"a\":null,\"b\":[1,2]}")
    );
    let e = fail(&sb, json!([170, [{"a": 1}, "b"]]));
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::NonExistence));
    assert_eq!(e.message, "No attribute `b` in object:\n{\n\t\"a\":\t1\n}");
    let e = fail(&sb, json!([31, [1, "b"]]));
    assert_eq!(
        e.message,
        "Cannot perform get_field on a non-object non-sequence `1`."
    );
}

#[test]
fn functions_default_and_r_row() {
    let sb = Sandbox::new();
    // r.expr(1).do(function(x){ return x.add(1) })
    assert_eq!(
        run(
            &sb,
            json!([64, [[69, [[2, [0]], [24, [[10, [0]], 1]]]], 1]])
        ),
        json!(2)
    );
    // r.expr([1,2,3]).filter(r.row.gt(1))
    let t = json!([39, [[2, [1, 2, 3]], [69, [[2, [0]], [21, [[13, []], 1]]]]]]);
    assert_eq!(run(&sb, t), json!([2, 3]));
    // r.expr({}).getField('a').default(5)
    assert_eq!(run(&sb, json!([92, [[31, [{}, "a"]], 5]])), json!(5));
    let e = fail(&sb, json!([12, ["boom"]]));
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::User));
    assert_eq!(e.message, "boom");
}

#[test]
fn unsupported_terms_say_so() {
    let sb = Sandbox::new();
    let e = fail(&sb, json!([11, ["1+1"]]));
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::QueryLogic));
    assert!(
        e.message
            .contains("the sandbox does not support `JAVASCRIPT`"),
        "{}",
        e.message
    );
    let e = fail(&sb, json!([159, [1, 2]]));
    assert!(e.message.contains("`POINT`"));
}

#[test]
fn unknown_term_numbers_are_unsupported_after_their_args_are_spliced() {
    let sb = Sandbox::new();
    let e = fail(&sb, json!([999, [1, 2]]));
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::QueryLogic));
    assert!(
        e.message
            .contains("the sandbox does not support `UNKNOWN_TERM`"),
        "{}",
        e.message
    );
    // `r.args` inside is expanded first, so its own error wins.
    let e = fail(&sb, json!([999, [[154, [5]]]]));
    assert_eq!(e.message, "Expected type ARRAY but found NUMBER.");
    // A number beyond i64 is no term type either.
    let e = fail(&sb, json!([u64::MAX, []]));
    assert!(e.message.contains("`UNKNOWN_TERM`"), "{}", e.message);
}

#[test]
fn global_optargs_are_checked() {
    let sb = Sandbox::new();
    let e = run_opts(&sb, json!(1), json!({"foo": 1})).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Compile);
    assert_eq!(e.message, "Unrecognized global optional argument `foo`.");
    let resp = sb
        .start(&json!(1), json!({"profile": true}).as_object().unwrap())
        .unwrap();
    let profile = resp.profile.unwrap();
    assert_eq!(profile[0]["description"], "Evaluating datum.");
}

#[test]
fn a_profile_nests_each_term_under_the_term_that_evaluated_it() {
    let sb = Sandbox::new();
    // r.expr([1, 2, 3]).map(x => x.add(1)).count()
    let term = json!([
        43,
        [[38, [[2, [1, 2, 3]], [69, [[2, [1]], [24, [[10, [1]], 1]]]]]]]
    ]);
    let resp = sb
        .start(&term, json!({"profile": true}).as_object().unwrap())
        .unwrap();
    let profile = resp.profile.unwrap();
    let tasks = profile.as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{profile}");
    assert_eq!(tasks[0]["description"], "Evaluating count.");
    let count_ms = tasks[0]["duration(ms)"].as_f64().unwrap();
    let map = &tasks[0]["sub_tasks"][0];
    assert_eq!(map["description"], "Evaluating map.", "{profile}");
    assert!(map["duration(ms)"].as_f64().unwrap() <= count_ms);
    let under_map: Vec<&str> = map["sub_tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["description"].as_str())
        .collect();
    assert!(under_map.contains(&"Evaluating make_array."), "{profile}");
    // Without `profile: true` there is none.
    assert!(
        sb.start(&term, &serde_json::Map::new())
            .unwrap()
            .profile
            .is_none()
    );
}

#[test]
fn databases_and_tables() {
    let sb = Sandbox::new();
    assert_eq!(run(&sb, json!([59, []])), json!(["rethinkdb", "test"]));
    let r = run(&sb, json!([57, ["x"]]));
    assert_eq!(r["dbs_created"], json!(1));
    let e = fail(&sb, json!([57, ["x"]]));
    assert_eq!(e.message, "Database `x` already exists.");
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::OpFailed));
    let e = fail(&sb, json!([15, [[14, ["nope"]], "t"]]));
    assert_eq!(e.message, "Database `nope` does not exist.");
    let e = fail(&sb, json!([15, [[14, ["test"]], "foo"]]));
    assert_eq!(e.message, "Table `test.foo` does not exist.");
    let r = run(&sb, json!([60, [[14, ["x"]], "t"], {"primary_key": "k"}]));
    assert_eq!(r["tables_created"], json!(1));
    assert_eq!(r["config_changes"][0]["new_val"]["primary_key"], json!("k"));
    assert_eq!(run(&sb, json!([62, [[14, ["x"]]]])), json!(["t"]));
    // default db from the global optarg
    let r = run_opts(&sb, json!([62, []]), json!({"db": [14, ["x"]]})).unwrap();
    assert_eq!(r, json!(["t"]));
    let r = run(&sb, json!([58, ["x"]]));
    assert_eq!(r["tables_dropped"], json!(1));
}

#[test]
fn insert_get_update_delete_write_results() {
    let sb = with_table("t", json!([2, [{"id": 1, "a": 1}, {"id": 2, "a": 2}]]));
    let r = run(&sb, json!([56, [tbl("t"), {"a": 3}]]));
    assert_eq!(r["inserted"], json!(1));
    assert_eq!(r["generated_keys"].as_array().unwrap().len(), 1);
    let r = run(&sb, json!([56, [tbl("t"), {"id": 1}]]));
    assert_eq!(r["errors"], json!(1));
    assert!(
        r["first_error"]
            .as_str()
            .unwrap()
            .starts_with("Duplicate primary key `id`:")
    );
    let r = run(
        &sb,
        json!([56, [tbl("t"), {"id": 1, "b": 1}], {"conflict": "update", "return_changes": true}]),
    );
    assert_eq!(r["replaced"], json!(1));
    assert_eq!(r["changes"][0]["new_val"], json!({"a": 1, "b": 1, "id": 1}));
    assert_eq!(
        run(&sb, json!([16, [tbl("t"), 1]])),
        json!({"a": 1, "b": 1, "id": 1})
    );
    assert_eq!(run(&sb, json!([16, [tbl("t"), 99]])), Value::Null);
    let r = run(&sb, json!([53, [[16, [tbl("t"), 2]], {"a": 2}]]));
    assert_eq!(
        r,
        json!({"deleted": 0, "errors": 0, "inserted": 0, "replaced": 0, "skipped": 0, "unchanged": 1})
    );
    let r = run(
        &sb,
        json!([53, [tbl("t"), [69, [[2, [0]], {"n": [24, [[170, [[10, [0]], "a"]], 10]]}]]]]),
    );
    assert_eq!(r["replaced"], json!(3));
    assert_eq!(run(&sb, json!([16, [tbl("t"), 2]]))["n"], json!(12));
    let r = run(&sb, json!([54, [[39, [tbl("t"), {"a": 2}]]]]));
    assert_eq!(r["deleted"], json!(1));
    assert_eq!(run(&sb, json!([43, [tbl("t")]])), json!(2));
    let r = run(&sb, json!([53, [[16, [tbl("t"), 1]], {"id": 5}]]));
    assert!(
        r["first_error"]
            .as_str()
            .unwrap()
            .starts_with("Primary key `id` cannot be changed")
    );
}

#[test]
fn sequence_transformations() {
    let sb = Sandbox::new();
    let arr = json!([2, [{"g": "a", "v": 1}, {"g": "b", "v": 5}, {"g": "a", "v": 3}]]);
    // orderBy(r.desc('v')).map(r.row('v'))
    let t = json!([
        38,
        [
            [41, [arr.clone(), [74, ["v"]]]],
            [69, [[2, [0]], [170, [[13, []], "v"]]]]
        ]
    ]);
    assert_eq!(run(&sb, t), json!([5, 3, 1]));
    assert_eq!(run(&sb, json!([145, [arr.clone(), "v"]])), json!(9));
    assert_eq!(run(&sb, json!([146, [arr.clone(), "v"]])), json!(3));
    assert_eq!(
        run(&sb, json!([148, [arr.clone(), "v"]])),
        json!({"g": "b", "v": 5})
    );
    let g = run(&sb, json!([43, [[144, [arr.clone(), "g"]]]]));
    assert_eq!(
        g,
        json!({"$reql_type$": "GROUPED_DATA", "data": [["a", 2], ["b", 1]]})
    );
    let u = run(&sb, json!([150, [[145, [[144, [arr.clone(), "g"]], "v"]]]]));
    assert_eq!(
        u,
        json!([{"group": "a", "reduction": 4}, {"group": "b", "reduction": 5}])
    );
    assert_eq!(run(&sb, json!([42, [[2, [3, 1, 3, 2]]]])), json!([1, 2, 3]));
    assert_eq!(
        run(&sb, json!([71, [[70, [[173, [10]], 2]], 3]])),
        json!([2, 3, 4])
    );
    assert_eq!(
        run(&sb, json!([30, [[2, [0, 1, 2, 3]], 1, 3]])),
        json!([1, 2])
    );
    assert_eq!(
        run(
            &sb,
            json!([
                37,
                [
                    [2, [1, 2, 3]],
                    [69, [[2, [0, 1]], [24, [[10, [0]], [10, [1]]]]]]
                ]
            ])
        ),
        json!(6)
    );
    assert_eq!(run(&sb, json!([93, [[2, [1, 2]], 2]])), json!(true));
    let e = fail(&sb, json!([37, [[2, []], [69, [[2, [0, 1]], [10, [0]]]]]]));
    assert_eq!(e.message, "Cannot reduce over an empty stream.");
    let e = fail(&sb, json!([45, [[2, [1]], 5]]));
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::NonExistence));
}

#[test]
fn joins() {
    let sb = with_table("u", json!([2, [{"id": 1, "n": "a"}, {"id": 2, "n": "b"}]]));
    run(&sb, json!([60, [[14, ["test"]], "o"]]));
    run(
        &sb,
        json!([56, [tbl("o"), [2, [{"id": 10, "uid": 1}, {"id": 11, "uid": 3}]]]]),
    );
    let r = run(&sb, json!([72, [[50, [tbl("o"), "uid", tbl("u")]]]]));
    assert_eq!(r, json!([{"id": 1, "n": "a", "uid": 1}]));
    let f = json!([
        69,
        [
            [2, [0, 1]],
            [17, [[170, [[10, [0]], "uid"]], [170, [[10, [1]], "id"]]]]
        ]
    ]);
    let r = run(&sb, json!([49, [tbl("o"), tbl("u"), f]]));
    assert_eq!(r.as_array().unwrap().len(), 2);
}

#[test]
fn secondary_indexes() {
    let sb = with_table(
        "t",
        json!([2, [{"id": 1, "a": 5, "tags": [2, ["x", "y"]]}, {"id": 2, "a": 3, "tags": [2, ["y"]]}, {"id": 3, "a": 9}]]),
    );
    assert_eq!(
        run(&sb, json!([75, [tbl("t"), "a"]])),
        json!({"created": 1})
    );
    run(&sb, json!([75, [tbl("t"), "tags"], {"multi": true}]));
    let e = fail(&sb, json!([75, [tbl("t"), "a"]]));
    assert_eq!(e.message, "Index `a` already exists on table `test.t`.");
    assert_eq!(run(&sb, json!([77, [tbl("t")]])), json!(["a", "tags"]));
    let r = run(
        &sb,
        json!([38, [[41, [tbl("t")], {"index": [74, ["a"]]}], [69, [[2, [0]], [170, [[10, [0]], "id"]]]]]]),
    );
    assert_eq!(r, json!([3, 1, 2]));
    let r = run(&sb, json!([78, [tbl("t"), "y"], {"index": "tags"}]));
    assert_eq!(r.as_array().unwrap().len(), 2);
    let r = run(&sb, json!([182, [tbl("t"), 4, 10], {"index": "a"}]));
    assert_eq!(
        r.as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(1), json!(3)]
    );
    let st = run(&sb, json!([139, [tbl("t"), "a"]]));
    assert_eq!(st[0]["ready"], json!(true));
    let e = fail(&sb, json!([78, [tbl("t"), 1], {"index": "nope"}]));
    assert_eq!(e.message, "Index `nope` was not found on table `test.t`.");
    assert_eq!(
        run(&sb, json!([156, [tbl("t"), "a", "b"]])),
        json!({"renamed": 1})
    );
    assert_eq!(
        run(&sb, json!([76, [tbl("t"), "b"]])),
        json!({"dropped": 1})
    );
}

#[test]
fn table_scan_streams_in_batches() {
    let sb = Sandbox::new();
    run(&sb, json!([60, [[14, ["test"]], "big"]]));
    let docs: Vec<Value> = (0..1000).map(|i| json!({"id": i})).collect();
    run(&sb, json!([56, [tbl("big"), [2, docs]]]));
    let resp = sb.start(&tbl("big"), &Map::new()).unwrap();
    let Outcome::Sequence(mut s) = resp.outcome else {
        panic!("expected a stream")
    };
    let (first, done) = s.next_batch(100).unwrap();
    assert_eq!(first.len(), 100);
    assert!(!done);
    assert_eq!(first[0], json!({"id": 0}));
    let mut n = 100;
    loop {
        let (rows, done) = s.next_batch(300).unwrap();
        n += rows.len();
        if done {
            break;
        }
    }
    assert_eq!(n, 1000);
}

#[test]
fn times() {
    let sb = Sandbox::new();
    let t = json!([136, [1986, 11, 3, 8, 30, 0, "-07:00"]]);
    assert_eq!(
        run(&sb, json!([100, [t.clone()]])),
        json!("1986-11-03T08:30:00-07:00")
    );
    assert_eq!(run(&sb, json!([102, [t.clone()]])), json!(531415800));
    assert_eq!(run(&sb, json!([128, [t.clone()]])), json!(1986));
    assert_eq!(run(&sb, json!([131, [t.clone()]])), json!(1));
    assert_eq!(run(&sb, json!([52, [[103, []]]])), json!("PTYPE<TIME>"));
    assert_eq!(run(&sb, json!([17, [[103, []], [103, []]]])), json!(true));
}

#[test]
fn system_tables() {
    let sb = Sandbox::new();
    run(&sb, json!([60, [[14, ["test"]], "t"]]));
    let cfg = run(&sb, json!([15, [[14, ["rethinkdb"]], "table_config"]]));
    assert_eq!(cfg[0]["name"], json!("t"));
    assert_eq!(cfg[0]["db"], json!("test"));
    assert!(cfg[0]["shards"][0]["replicas"].is_array());
    let st = run(&sb, json!([15, [[14, ["rethinkdb"]], "table_status"]]));
    assert_eq!(st[0]["status"]["ready_for_writes"], json!(true));
    let srv = run(&sb, json!([15, [[14, ["rethinkdb"]], "server_status"]]));
    assert!(srv[0]["name"].is_string());
    let e = fail(&sb, json!([15, [[14, ["rethinkdb"]], "nope"]]));
    assert_eq!(e.message, "Table `rethinkdb.nope` does not exist.");
    assert_eq!(
        run(&sb, json!([174, [tbl("t")]]))["primary_key"],
        json!("id")
    );
}

#[tokio::test]
async fn changefeed_sees_a_write() {
    let sb = with_table("t", json!([2, [{"id": 1}]]));
    let resp = sb
        .start(
            &json!([152, [tbl("t")], {"include_states": true, "include_initial": true}]),
            &Map::new(),
        )
        .unwrap();
    let Outcome::Feed(mut feed) = resp.outcome else {
        panic!("expected a feed")
    };
    assert_eq!(feed.notes, vec![1, 5]);
    let first = feed.ready_rows();
    assert_eq!(
        first,
        vec![
            json!({"state": "initializing"}),
            json!({"new_val": {"id": 1}}),
            json!({"state": "ready"})
        ]
    );
    run(&sb, json!([56, [tbl("t"), {"id": 2}]]));
    assert_eq!(
        feed.next().await.unwrap(),
        json!({"new_val": {"id": 2}, "old_val": null})
    );
    // a point feed only sees its document
    let resp = sb
        .start(&json!([152, [[16, [tbl("t"), 1]]]]), &Map::new())
        .unwrap();
    let Outcome::Feed(mut point) = resp.outcome else {
        panic!("expected a feed")
    };
    assert_eq!(point.notes, vec![2]);
    run(&sb, json!([53, [[16, [tbl("t"), 2]], {"x": 1}]]));
    run(&sb, json!([53, [[16, [tbl("t"), 1]], {"x": 1}]]));
    assert_eq!(
        point.next().await.unwrap(),
        json!({"new_val": {"id": 1, "x": 1}, "old_val": {"id": 1}})
    );
}

#[tokio::test]
async fn order_by_limit_feed() {
    let sb = with_table("t", json!([2, [{"id": 1, "s": 10}, {"id": 2, "s": 20}]]));
    run(&sb, json!([75, [tbl("t"), "s"]]));
    let q = json!([152, [[71, [[41, [tbl("t")], {"index": [74, ["s"]]}], 1]]], {"include_initial": true}]);
    let resp = sb.start(&q, &Map::new()).unwrap();
    let Outcome::Feed(mut feed) = resp.outcome else {
        panic!("expected a feed")
    };
    assert_eq!(feed.notes, vec![3]);
    assert_eq!(
        feed.ready_rows(),
        vec![json!({"new_val": {"id": 2, "s": 20}})]
    );
    run(&sb, json!([56, [tbl("t"), {"id": 3, "s": 30}]]));
    assert_eq!(
        feed.next().await.unwrap(),
        json!({"new_val": {"id": 3, "s": 30}, "old_val": {"id": 2, "s": 20}})
    );
}

#[test]
fn demo_database_is_browsable() {
    let sb = Sandbox::with_demo();
    assert_eq!(
        run(&sb, json!([62, [[14, ["demo"]]]])),
        json!(["events", "orders", "users"])
    );
    assert_eq!(
        run(&sb, json!([43, [[15, [[14, ["demo"]], "users"]]]])),
        json!(24)
    );
    let r = run(
        &sb,
        json!([78, [[15, [[14, ["demo"]], "users"]], "dev"], {"index": "tags"}]),
    );
    assert!(!r.as_array().unwrap().is_empty());
}

#[test]
fn outcomes_can_move_to_other_tasks() {
    fn assert_send<T: Send>() {}
    assert_send::<rdbsh::sandbox::Response>();
    assert_send::<Sandbox>();
}

#[test]
fn arity_and_optargs_are_compile_errors() {
    let sb = Sandbox::new();
    let e = fail(&sb, json!([17, [1]]));
    assert_eq!(e.kind, ErrorKind::Compile);
    assert_eq!(e.message, "Expected 2 or more arguments but found 1.");
    let e = fail(&sb, json!([39, [[2, [1]], true], {"defualt": 1}]));
    assert_eq!(e.message, "Unrecognized optional argument `defualt`.");
    let e = fail(&sb, json!([65, [true, 1, false, 2]]));
    assert_eq!(
        e.message,
        "Cannot call `branch` term with an even number of arguments."
    );
}

#[test]
fn default_catches_missing_values() {
    let sb = Sandbox::new();
    // (r.expr(null).add(5)).default(2)
    assert_eq!(run(&sb, json!([92, [[24, [null, 5]], 2]])), json!(2));
    // r.expr({})('b').default(function(e){ return e })
    let r = run(
        &sb,
        json!([92, [[170, [{}, "b"]], [69, [[2, [0]], [10, [0]]]]]]),
    );
    assert!(
        r.as_str()
            .unwrap()
            .starts_with("No attribute `b` in object:")
    );
    // r.expr(null).default(r.error()) is null
    assert_eq!(run(&sb, json!([92, [null, [12, []]]])), Value::Null);
}

#[test]
fn per_document_write_errors_and_determinism() {
    let sb = with_table("t", json!([2, [{"id": 1, "x": 1}]]));
    // get(1).update({x: r.error("a")}, {returnChanges: 'always'})
    let r = run(
        &sb,
        json!([53, [[16, [tbl("t"), 1]], {"x": [12, ["a"]]}], {"return_changes": "always"}]),
    );
    assert_eq!(r["errors"], json!(1));
    assert_eq!(r["first_error"], json!("a"));
    assert_eq!(r["changes"][0]["error"], json!("a"));
    let e = fail(&sb, json!([53, [[16, [tbl("t"), 1]], {"y": [169, []]}]]));
    assert_eq!(
        e.message,
        "Could not prove argument deterministic.  Maybe you want to use the non_atomic flag?"
    );
    let r = run(
        &sb,
        json!([53, [[16, [tbl("t"), 1]], {"y": [169, []]}], {"non_atomic": true}]),
    );
    assert_eq!(r["replaced"], json!(1));
    let r = run(&sb, json!([56, [tbl("t"), {"id": 2, "v": [180, []]}]]));
    assert_eq!(
        r["first_error"],
        json!("`r.minval` and `r.maxval` cannot be written to disk.")
    );
}

#[test]
fn ordering_and_grouping_details() {
    let sb = with_table(
        "t",
        json!([2, [{"id": 1, "a": 2}, {"id": 2, "a": 1}, {"id": 3, "a": 2}, {"id": 4}]]),
    );
    run(&sb, json!([75, [tbl("t"), "a"]]));
    // orderBy(r.desc('id'), {index: 'a'}): index first, then the field
    let r = run(
        &sb,
        json!([38, [[41, [tbl("t"), [74, ["id"]]], {"index": "a"}], [69, [[2, [0]], [170, [[10, [0]], "id"]]]]]]),
    );
    assert_eq!(r, json!([2, 3, 1]));
    // a missing field sorts first
    let r = run(
        &sb,
        json!([
            38,
            [
                [41, [tbl("t"), "a", "id"]],
                [69, [[2, [0]], [170, [[10, [0]], "id"]]]]
            ]
        ]),
    );
    assert_eq!(r, json!([4, 2, 1, 3]));
    // group('a', function(){ return [1, 'x'] }, {multi: true}).count()
    let g = run(
        &sb,
        json!([43, [[144, [[2, [{"a": 1}]], "a", [69, [[2, [0]], [2, [1, "x"]]]]], {"multi": true}]]]),
    );
    assert_eq!(g["data"], json!([[[1, 1], 1], [[1, "x"], 1]]));
    // a field sum drops groups without the field
    let g = run(
        &sb,
        json!([145, [[144, [[2, [{"g": 1, "v": 2}, {"g": 2}]], "g"]], "v"]]),
    );
    assert_eq!(g["data"], json!([[1, 2]]));
}

#[test]
fn deep_values_are_refused_not_crashing() {
    let sb = Sandbox::new();
    // r.range(500).fold([], function(acc, x){ return [acc] })
    let t = json!([
        187,
        [[173, [500]], [2, []], [69, [[2, [0, 1]], [2, [[10, [0]]]]]]]
    ]);
    let e = fail(&sb, t);
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::ResourceLimit));
}

#[test]
fn bit_and_random_terms() {
    let sb = Sandbox::new();
    assert_eq!(run(&sb, json!([191, [12, 10]])), json!(8));
    assert_eq!(run(&sb, json!([195, [5, 4]])), json!(80));
    for _ in 0..20 {
        let v = run(&sb, json!([151, [3, 6]])).as_i64().unwrap();
        assert!((3..6).contains(&v));
    }
    let s = run(&sb, json!([81, [[173, [100]], 5]]));
    assert_eq!(s.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn feed_states_follow_the_server() {
    let sb = with_table("t", json!([2, [{"id": 1}]]));
    // without include_initial there is only the `ready` state
    let resp = sb
        .start(
            &json!([152, [tbl("t")], {"include_states": true}]),
            &Map::new(),
        )
        .unwrap();
    let Outcome::Feed(mut feed) = resp.outcome else {
        panic!("expected a feed")
    };
    assert_eq!(feed.ready_rows(), vec![json!({"state": "ready"})]);
    run(&sb, json!([54, [[16, [tbl("t"), 1]]]]));
    assert_eq!(
        feed.next().await.unwrap(),
        json!({"new_val": null, "old_val": {"id": 1}})
    );
    // a filtered feed only reports the documents that match
    let q = json!([
        152,
        [[
            39,
            [
                tbl("t"),
                [69, [[2, [0]], [17, [[170, [[10, [0]], "id"]], 2]]]]
            ]
        ]]
    ]);
    let resp = sb.start(&q, &Map::new()).unwrap();
    let Outcome::Feed(mut filtered) = resp.outcome else {
        panic!("expected a feed")
    };
    run(&sb, json!([56, [tbl("t"), [2, [{"id": 3}, {"id": 2}]]]]));
    assert_eq!(
        filtered.next().await.unwrap(),
        json!({"new_val": {"id": 2}, "old_val": null})
    );
    // feeds the sandbox cannot follow exactly are refused
    let e = sb
        .start(&json!([152, [[71, [tbl("t"), 2]]]]), &Map::new())
        .err()
        .unwrap();
    assert!(e.message.contains("does not support"));
    // squash: the changes to one document that wait together arrive as one, and a
    // document made and removed while waiting does not show
    let resp = sb
        .start(&json!([152, [tbl("t")], {"squash": true}]), &Map::new())
        .unwrap();
    let Outcome::Feed(mut squashed) = resp.outcome else {
        panic!("expected a feed")
    };
    run(&sb, json!([56, [tbl("t"), {"id": 90, "n": 1}]]));
    run(&sb, json!([53, [[16, [tbl("t"), 90]], {"n": 2}]]));
    run(&sb, json!([56, [tbl("t"), {"id": 91}]]));
    run(&sb, json!([54, [[16, [tbl("t"), 91]]]]));
    assert_eq!(
        squashed.next().await.unwrap(),
        json!({"new_val": {"id": 90, "n": 2}, "old_val": null})
    );
    assert!(squashed.drain_ready().unwrap().is_empty());
    let e = sb
        .start(&json!([152, [tbl("t")], {"squash": -1}]), &Map::new())
        .err()
        .unwrap();
    assert_eq!(
        e.message,
        "Expected BOOL or a positive NUMBER but found a negative NUMBER."
    );
    assert_eq!(e.backtrace, vec![json!("squash")]);
}

/// Inserts `n` documents with ids from `from`, in one query.
fn insert_range(sb: &Sandbox, from: u64, n: u64) {
    let docs = json!([38, [[173, [from, from + n]], [69, [[2, [1]], {"id": [10, [1]]}]]]]);
    run(sb, json!([56, [tbl("t"), docs]]));
}

#[tokio::test]
async fn a_slow_reader_gets_every_change_up_to_the_queue_size() {
    // The server holds 100,000 changes for a reader by default (issue 14: the sandbox used
    // to lose all but 4,096).
    let sb = with_table("t", json!([2, []]));
    let resp = sb.start(&json!([152, [tbl("t")]]), &Map::new()).unwrap();
    let Outcome::Feed(mut feed) = resp.outcome else {
        panic!("expected a feed")
    };
    insert_range(&sb, 0, 6000);
    let rows = feed.drain_ready().unwrap();
    assert_eq!(rows.len(), 6000);
    assert!(rows.iter().all(|r| r.get("error").is_none()));

    // changefeed_queue_size, on changes() or as a run option, bounds it: what overflows is
    // dropped and counted, as the server does.
    for (term, opts) in [
        (
            json!([152, [tbl("t")], {"changefeed_queue_size": 100}]),
            Map::new(),
        ),
        (
            json!([152, [tbl("t")]]),
            json!({"changefeed_queue_size": 100})
                .as_object()
                .cloned()
                .unwrap(),
        ),
    ] {
        let resp = sb.start(&term, &opts).unwrap();
        let Outcome::Feed(mut small) = resp.outcome else {
            panic!("expected a feed")
        };
        run(&sb, json!([54, [tbl("t")]]));
        let rows = small.drain_ready().unwrap();
        let error = rows[0]["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("Changefeed cache over array size limit, skipped "),
            "{rows:?}"
        );
        insert_range(&sb, 0, 200);
    }
    let e = sb
        .start(
            &json!([152, [tbl("t")], {"changefeed_queue_size": 0}]),
            &Map::new(),
        )
        .err()
        .unwrap();
    assert_eq!(
        e.message,
        "Illegal changefeed queue size `0`.  (Must be >= 1.)"
    );
}

#[test]
fn array_limit_is_enforced() {
    let sb = Sandbox::new();
    let e = run_opts(&sb, json!([2, [1, 2, 3, 4, 5]]), json!({"array_limit": 4})).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::ResourceLimit));
    assert!(e.message.starts_with("Array over size limit `4`."));
    // a stream is not an array: it pages past the limit
    let r = run_opts(&sb, json!([173, [10]]), json!({"array_limit": 4})).unwrap();
    assert_eq!(r.as_array().unwrap().len(), 10);
    // ordering a table without an index builds an array
    run(&sb, json!([60, [[14, ["test"]], "t"]]));
    run(
        &sb,
        json!([56, [tbl("t"), [2, [{"id": 1}, {"id": 2}, {"id": 3}]]]]),
    );
    let e = run_opts(
        &sb,
        json!([41, [tbl("t"), "id"]]),
        json!({"array_limit": 2}),
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::ResourceLimit));
}

/// The official drivers' smoke script, with the terms the JS driver 2.4.2 builds.
#[tokio::test]
async fn driver_smoke_script() {
    let sb = Sandbox::new();
    let people = json!([15, [[14, ["smoke"]], "people"]]);
    assert_eq!(run(&sb, json!([57, ["smoke"]]))["dbs_created"], json!(1));
    assert_eq!(
        run(&sb, json!([60, [[14, ["smoke"]], "people"]]))["tables_created"],
        json!(1)
    );
    let docs = json!([2, [{"id": 1, "name": "ada", "age": 36}, {"id": 2, "name": "bob", "age": 25}, {"id": 3, "name": "cy", "age": 41}]]);
    assert_eq!(
        run(&sb, json!([56, [people.clone(), docs]]))["inserted"],
        json!(3)
    );
    assert_eq!(
        run(&sb, json!([16, [people.clone(), 2]])),
        json!({"age": 25, "id": 2, "name": "bob"})
    );
    let over30 = json!([
        43,
        [[
            39,
            [
                people.clone(),
                [69, [[2, [0]], [21, [[170, [[13, []], "age"]], 30]]]]
            ]
        ]]
    ]);
    assert_eq!(run(&sb, over30), json!(2));
    assert_eq!(
        run(&sb, json!([75, [people.clone(), "age"]])),
        json!({"created": 1})
    );
    let top2 = json!([170, [[71, [[41, [people.clone()], {"index": [74, ["age"]]}], 2]], "name"]]);
    assert_eq!(run(&sb, top2), json!(["cy", "ada"]));
    let grouped = json!([
        43,
        [[
            144,
            [
                people.clone(),
                [69, [[2, [0]], [21, [[170, [[10, [0]], "age"]], 30]]]]
            ]
        ]]
    ]);
    assert_eq!(
        run(&sb, grouped),
        json!({"$reql_type$": "GROUPED_DATA", "data": [[false, 1], [true, 2]]})
    );
    // a changefeed opened before the update sees it
    let resp = sb
        .start(&json!([152, [people.clone()]]), &Map::new())
        .unwrap();
    let Outcome::Feed(mut feed) = resp.outcome else {
        panic!("expected a feed")
    };
    let upd = json!([53, [[16, [people.clone(), 1]], [69, [[2, [0]], {"age": [24, [[170, [[13, []], "age"]], 1]]}]]]]);
    assert_eq!(run(&sb, upd)["replaced"], json!(1));
    let change = feed.next().await.unwrap();
    assert_eq!(change["new_val"]["age"], json!(37));
    assert_eq!(change["old_val"]["age"], json!(36));
    drop(feed);
    assert_eq!(
        run(&sb, json!([54, [[39, [people.clone(), {"name": "bob"}]]]]))["deleted"],
        json!(1)
    );
    // 10,000 rows page through a stream
    let resp = sb
        .start(
            &json!([38, [[173, [10000]], [69, [[2, [0]], {"id": [10, [0]]}]]]]),
            &Map::new(),
        )
        .unwrap();
    let Outcome::Sequence(mut s) = resp.outcome else {
        panic!("expected a stream")
    };
    let (mut n, mut batches) = (0, 0);
    loop {
        let (rows, done) = s.next_batch(1000).unwrap();
        n += rows.len();
        batches += 1;
        if done {
            break;
        }
    }
    assert_eq!(n, 10000);
    assert!(batches > 1);
    let e = fail(&sb, json!([170, [[16, [people, 1]], "nope"]]));
    assert_eq!(e.kind, ErrorKind::Runtime(ErrorType::NonExistence));
    assert!(e.message.starts_with("No attribute `nope` in object:"));
}

#[test]
fn between_on_the_primary_key() {
    let docs: Vec<Value> = (0..10).map(|i| json!({"id": i})).collect();
    let sb = with_table("t", json!([2, docs]));
    let ids = |v: Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(run(&sb, json!([182, [tbl("t"), 3, 6]]))), vec![3, 4, 5]);
    assert_eq!(
        ids(run(
            &sb,
            json!([182, [tbl("t"), 3, 6], {"left_bound": "open", "right_bound": "closed"}])
        )),
        vec![4, 5, 6]
    );
    assert_eq!(
        ids(run(&sb, json!([182, [tbl("t"), [180, []], 2]]))),
        vec![0, 1]
    );
    assert_eq!(
        ids(run(&sb, json!([182, [tbl("t"), 8, [181, []]]]))),
        vec![8, 9]
    );
    assert!(ids(run(&sb, json!([182, [tbl("t"), 6, 3]]))).is_empty());
    assert!(ids(run(&sb, json!([182, [tbl("t"), 3, 3]]))).is_empty());
    assert_eq!(
        ids(run(
            &sb,
            json!([182, [tbl("t"), 3, 3], {"right_bound": "closed"}])
        )),
        vec![3]
    );
}

#[tokio::test]
async fn feed_batches_drain_what_is_ready() {
    let sb = with_table("t", json!([2, []]));
    let resp = sb.start(&json!([152, [tbl("t")]]), &Map::new()).unwrap();
    let Outcome::Feed(mut feed) = resp.outcome else {
        panic!("expected a feed")
    };
    run(
        &sb,
        json!([56, [tbl("t"), [2, [{"id": 1}, {"id": 2}, {"id": 3}]]]]),
    );
    let first = feed.next().await.unwrap();
    assert_eq!(first["new_val"], json!({"id": 1}));
    let rest = feed.drain_ready().unwrap();
    assert_eq!(rest.len(), 2);
    assert!(feed.drain_ready().unwrap().is_empty());
}
