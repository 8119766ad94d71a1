//! `rethinkdb.jobs` on both peers (the sandbox and the real server) over real sockets: the queries running on every connection
//! are listed, and deleting a job's row interrupts that query with the server's error. A query
//! nobody waits for any more (killed, stopped before its answer, its connection closed) stops
//! evaluating.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::peer::{Peer, PeerKind};
use common::rows::{atom, parse, rows};

use rdbsh::net::{self, BatchKind, Client};
use rdbsh::protocol::{ErrorType, GlobalOptargs, ResponseType};
use serde_json::{Value, json};

fn start(kind: PeerKind) -> Peer {
    Peer::start(kind)
}

/// A client on its own connection, and the task that drives the connection (aborting it
/// closes the socket).
async fn connect(handle: &Peer) -> (Client, tokio::task::JoinHandle<Result<(), net::Error>>) {
    let (client, connection) = net::connect(&handle.profile()).await.unwrap();
    (client, tokio::spawn(connection))
}

async fn client(handle: &Peer) -> Client {
    connect(handle).await.0
}

fn jobs() -> Value {
    json!([15, [[14, ["rethinkdb"]], "jobs"]])
}

fn table(name: &str) -> Value {
    json!([15, [[14, ["test"]], name]])
}

/// A job's primary key as a term (`MAKE_ARRAY`).
fn wire(key: &Value) -> Value {
    json!([2, key.clone()])
}

/// The jobs whose query text is `query`.
fn find<'a>(all: &'a [Value], query: &str) -> Vec<&'a Value> {
    all.iter().filter(|j| j["info"]["query"] == query).collect()
}

async fn a_feed_on_one_connection_is_listed_and_killed_from_another(kind: PeerKind) {
    let handle = start(kind);
    let a = client(&handle).await;
    let b = client(&handle).await;
    let r = atom(&b, json!([60, [[14, ["test"]], "t"]])).await;
    assert_eq!(r["tables_created"], json!(1));

    let mut feed = a
        .run_value(&json!([152, [table("t")]]), &GlobalOptargs::new())
        .unwrap();
    let first = feed.next_batch().await.unwrap().unwrap();
    assert_eq!(first.kind, BatchKind::Partial);

    let listed = rows(&b, jobs()).await.unwrap();
    let feeds = find(&listed, r#"r.db("test").table("t").changes()"#);
    assert_eq!(feeds.len(), 1, "{listed:#?}");
    let job = feeds[0].clone();
    assert_eq!(job["type"], "query");
    assert_eq!(job["id"][0], "query");
    assert!(
        job["id"][1].as_str().is_some_and(|u| u.len() == 36),
        "{job}"
    );
    assert!(job["duration_sec"].as_f64().is_some_and(|d| d >= 0.0));
    assert_eq!(job["info"]["client_address"], "127.0.0.1");
    assert_eq!(job["info"]["user"], "admin");
    assert!(job["info"]["client_port"].as_u64().is_some_and(|p| p > 0));
    assert_eq!(job["servers"].as_array().map(Vec::len), Some(1));
    // The query reading the table is running too, as on the server.
    assert_eq!(
        find(&listed, r#"r.db("rethinkdb").table("jobs")"#).len(),
        1,
        "{listed:#?}"
    );

    // Reading the one job by its key.
    let got = atom(&b, json!([16, [jobs(), wire(&job["id"])]])).await;
    assert_eq!(got["id"], job["id"]);

    // Kill it from B: one row deleted, A's feed ends with the server's error.
    let killed = atom(&b, json!([54, [[16, [jobs(), wire(&job["id"])]]]])).await;
    assert_eq!(killed["deleted"], json!(1), "{killed}");
    let err = loop {
        match feed.next_batch().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the feed ended without the interruption error"),
            Err(e) => break e,
        }
    };
    let e = err.server_error().expect("a server error");
    assert_eq!(e.response_type, ResponseType::RuntimeError);
    assert_eq!(e.error_type, Some(ErrorType::OpIndeterminate));
    assert_eq!(e.message, "Query terminated by the `rethinkdb.jobs` table.");
    assert!(e.backtrace.is_empty());

    // It is gone from the table, and deleting it again (or any unknown job) is a no-op.
    let listed = rows(&b, jobs()).await.unwrap();
    assert!(find(&listed, r#"r.db("test").table("t").changes()"#).is_empty());
    let again = atom(&b, json!([54, [[16, [jobs(), wire(&job["id"])]]]])).await;
    assert_eq!(
        (&again["deleted"], &again["skipped"]),
        (&json!(0), &json!(1))
    );
    let unknown = json!([2, ["query", "00000000-0000-4000-8000-000000000000"]]);
    let none = atom(&b, json!([54, [[16, [jobs(), unknown]]]])).await;
    assert_eq!(none["deleted"], json!(0));
    // Both connections go on.
    assert_eq!(atom(&a, json!(1)).await, json!(1));
    assert_eq!(atom(&b, json!([43, [table("t")]])).await, json!(0));
}
peer_tests!(async a_feed_on_one_connection_is_listed_and_killed_from_another);

async fn filter_delete_kills_the_matching_jobs_only(kind: PeerKind) {
    let handle = start(kind);
    let a = client(&handle).await;
    let b = client(&handle).await;
    atom(&b, json!([60, [[14, ["test"]], "x"]])).await;
    atom(&b, json!([60, [[14, ["test"]], "y"]])).await;
    let mut fx = a
        .run_value(&json!([152, [table("x")]]), &GlobalOptargs::new())
        .unwrap();
    let mut fy = a
        .run_value(&json!([152, [table("y")]]), &GlobalOptargs::new())
        .unwrap();
    fx.next_batch().await.unwrap();
    fy.next_batch().await.unwrap();

    // r.db('rethinkdb').table('jobs').filter({info: {query: '...x...'}}).delete()
    let q = r#"r.db("test").table("x").changes()"#;
    let killed = atom(&b, json!([54, [[39, [jobs(), {"info": {"query": q}}]]]])).await;
    assert_eq!(killed["deleted"], json!(1), "{killed}");
    let err = loop {
        match fx.next_batch().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the feed on x ended without an error"),
            Err(e) => break e,
        }
    };
    assert_eq!(
        err.server_error().map(|e| e.message.as_str()),
        Some("Query terminated by the `rethinkdb.jobs` table.")
    );
    // The feed on y is still there and still delivers.
    let listed = rows(&b, jobs()).await.unwrap();
    assert_eq!(
        find(&listed, r#"r.db("test").table("y").changes()"#).len(),
        1
    );
    atom(&b, json!([56, [table("y"), {"id": 1}]])).await;
    let change = loop {
        let batch = fy.next_batch().await.unwrap().unwrap();
        if let Some(r) = batch.rows.first() {
            break parse(r);
        }
    };
    assert_eq!(change, json!({"new_val": {"id": 1}, "old_val": null}));
    fy.close().await.unwrap();
}
peer_tests!(async filter_delete_kills_the_matching_jobs_only);

async fn an_open_stream_is_a_job_until_it_is_read_to_the_end(kind: PeerKind) {
    let handle = start(kind);
    let a = client(&handle).await;
    let b = client(&handle).await;
    // r.range(10000): more than one batch, so it waits for CONTINUE.
    let small: GlobalOptargs = [("max_batch_rows".to_owned(), json!(10))]
        .into_iter()
        .collect();
    let mut stream = a.run_value(&json!([173, [10000]]), &small).unwrap();
    let first = stream.next_batch().await.unwrap().unwrap();
    assert_eq!(first.kind, BatchKind::Partial);
    let listed = rows(&b, jobs()).await.unwrap();
    let job = find(&listed, "r.range(10000)");
    assert_eq!(job.len(), 1, "{listed:#?}");
    let key = wire(&job[0]["id"]);
    let killed = atom(&b, json!([54, [[16, [jobs(), key]]]])).await;
    assert_eq!(killed["deleted"], json!(1));
    let err = loop {
        match stream.next_batch().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended without the interruption error"),
            Err(e) => break e,
        }
    };
    assert_eq!(
        err.server_error().map(|e| e.message.as_str()),
        Some("Query terminated by the `rethinkdb.jobs` table.")
    );
    // current_issues is an empty table.
    let issues = rows(&b, json!([15, [[14, ["rethinkdb"]], "current_issues"]]))
        .await
        .unwrap();
    assert!(issues.is_empty());
}
peer_tests!(async an_open_stream_is_a_job_until_it_is_read_to_the_end);

async fn deleting_every_job_ends_the_feeds_and_reports_itself_among_them(kind: PeerKind) {
    let handle = start(kind);
    let a = client(&handle).await;
    let b = client(&handle).await;
    atom(&b, json!([60, [[14, ["test"]], "z"]])).await;
    let mut feed = a
        .run_value(&json!([152, [table("z")]]), &GlobalOptargs::new())
        .unwrap();
    feed.next_batch().await.unwrap();
    // r.db('rethinkdb').table('jobs').delete(): the feed and the delete itself. The sandbox
    // answers with both deleted; the real server does that too, or (a race inside it) is
    // terminated by its own deletion first, possibly before the feed's.
    match rows(&b, json!([54, [jobs()]])).await {
        Ok(killed) => assert_eq!(killed[0]["deleted"], json!(2), "{killed:?}"),
        Err(own) => {
            assert_eq!(
                kind,
                PeerKind::Real,
                "the sandbox answers the delete: {own}"
            );
            let own = own.server_error().expect("a server error");
            assert_eq!(
                own.message,
                "Query terminated by the `rethinkdb.jobs` table."
            );
            let feeds = rows(&b, jobs()).await.unwrap();
            for job in find(&feeds, r#"r.db("test").table("z").changes()"#) {
                atom(&b, json!([54, [[16, [jobs(), wire(&job["id"])]]]])).await;
            }
        }
    }
    let err = loop {
        match feed.next_batch().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the feed ended without an error"),
            Err(e) => break e,
        }
    };
    assert_eq!(
        err.server_error().map(|e| e.error_type),
        Some(Some(ErrorType::OpIndeterminate))
    );
    // Only the query reading the table is left.
    let listed = rows(&b, jobs()).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:#?}");
}
peer_tests!(async deleting_every_job_ends_the_feeds_and_reports_itself_among_them);

async fn inserts_and_updates_fail_row_by_row_with_the_servers_message(kind: PeerKind) {
    let handle = start(kind);
    let c = client(&handle).await;
    let message =
        "The `rethinkdb.jobs` system table only allows deletions, not inserts or updates.";
    let inserted = atom(&c, json!([56, [jobs(), {"id": "x"}]])).await;
    assert_eq!(inserted["errors"], json!(1), "{inserted}");
    assert_eq!(inserted["inserted"], json!(0), "{inserted}");
    assert_eq!(inserted["first_error"], json!(message));
    // Every listed job (at least this query's own row) refuses the update.
    let updated = atom(&c, json!([53, [jobs(), {"type": "other"}]])).await;
    assert!(
        updated["errors"].as_u64().is_some_and(|n| n >= 1),
        "{updated}"
    );
    assert_eq!(updated["replaced"], json!(0), "{updated}");
    assert_eq!(updated["first_error"], json!(message));
}
peer_tests!(async inserts_and_updates_fail_row_by_row_with_the_servers_message);

/// `r.range(1e9).forEach(i => r.table('t').get(0).update({n: i}))`: a query that would run
/// for minutes, writing as it goes, in constant memory.
fn endless_updates() -> Value {
    let update = json!([53, [[16, [table("t"), 0]], {"n": [10, [1]]}]]);
    json!([68, [[173, [1_000_000_000]], [69, [[2, [1]], update]]]])
}

/// The row's counter as another connection reads it.
async fn counter(c: &Client) -> Value {
    atom(c, json!([170, [[16, [table("t"), 0]], "n"]])).await
}

/// Waits until the counter moves (the loop is running), then returns.
async fn until_running(c: &Client) {
    for _ in 0..600 {
        if counter(c).await != json!(-1) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the update loop never started");
}

/// Waits until two reads 200 ms apart agree: the loop has stopped. Fails if it never does
/// (without the interrupt it would go on for minutes).
async fn until_settled(c: &Client) -> Value {
    let mut last = counter(c).await;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let now = counter(c).await;
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the abandoned query is still writing: n = {last}");
}

async fn with_counter(handle: &Peer) -> Client {
    let b = client(handle).await;
    atom(&b, json!([60, [[14, ["test"]], "t"]])).await;
    atom(&b, json!([56, [table("t"), {"id": 0, "n": -1}]])).await;
    b
}

async fn a_stop_before_the_first_answer_stops_the_evaluation_and_is_answered(kind: PeerKind) {
    let handle = start(kind);
    let b = with_counter(&handle).await;
    let a = client(&handle).await;
    let cursor = a
        .run_value(&endless_updates(), &GlobalOptargs::new())
        .unwrap();
    until_running(&b).await;
    // STOP: the server confirms it (the cursor closes cleanly) and the writes stop.
    cursor.close().await.unwrap();
    let settled = until_settled(&b).await;
    assert!(settled.as_i64().is_some_and(|n| n >= 0), "{settled}");
    // Nothing is left running, and the connection goes on.
    let listed = rows(&b, jobs()).await.unwrap();
    assert_eq!(listed.len(), 1, "only the jobs query itself: {listed:#?}");
    assert_eq!(atom(&a, json!([24, [1, 2]])).await, json!(3));
}
peer_tests!(async a_stop_before_the_first_answer_stops_the_evaluation_and_is_answered);

async fn a_query_whose_connection_closed_stops_evaluating(kind: PeerKind) {
    let handle = start(kind);
    let b = with_counter(&handle).await;
    let (a, link) = connect(&handle).await;
    let cursor = a
        .run_value(&endless_updates(), &GlobalOptargs::new())
        .unwrap();
    until_running(&b).await;
    // The client goes away without a STOP: its socket closes.
    std::mem::forget(cursor);
    link.abort();
    until_settled(&b).await;
}
peer_tests!(async a_query_whose_connection_closed_stops_evaluating);

async fn a_query_killed_through_the_jobs_table_stops_evaluating(kind: PeerKind) {
    let handle = start(kind);
    let b = with_counter(&handle).await;
    let a = client(&handle).await;
    let mut cursor = a
        .run_value(&endless_updates(), &GlobalOptargs::new())
        .unwrap();
    until_running(&b).await;
    let listed = rows(&b, jobs()).await.unwrap();
    let loops: Vec<&Value> = listed
        .iter()
        .filter(|j| {
            j["info"]["query"]
                .as_str()
                .is_some_and(|q| q.contains("forEach"))
        })
        .collect();
    assert_eq!(loops.len(), 1, "{listed:#?}");
    let killed = atom(&b, json!([54, [[16, [jobs(), wire(&loops[0]["id"])]]]])).await;
    assert_eq!(killed["deleted"], json!(1), "{killed}");
    let err = cursor
        .next_batch()
        .await
        .err()
        .and_then(|e| e.server_error().cloned());
    assert_eq!(
        err.map(|e| e.message),
        Some("Query terminated by the `rethinkdb.jobs` table.".to_string())
    );
    until_settled(&b).await;
}
peer_tests!(async a_query_killed_through_the_jobs_table_stops_evaluating);
