//! Deterministic demo data for `rdbsh --sandbox`: a `demo` database to browse.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Sandbox;
use super::datum::Key;
use super::store::{IndexDef, Table, write};
use super::time::epoch_to_time;
use crate::protocol::TermType as T;

const FIRST: &[&str] = &[
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Niklaus",
    "Radia", "John",
];
const LAST: &[&str] = &[
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen",
    "Wirth", "Perlman", "Backus",
];
const CITIES: &[&str] = &["London", "Paris", "Berlin", "Lisbon", "Oslo", "Zurich"];
const PRODUCTS: &[(&str, f64)] = &[
    ("keyboard", 49.5),
    ("mouse", 19.0),
    ("monitor", 229.0),
    ("cable", 7.25),
    ("laptop", 1299.0),
    ("headset", 89.9),
];
const TAGS: &[&[&str]] = &[&["admin", "dev"], &["dev"], &["ops"], &["sales", "dev"]];
const STATUSES: &[&str] = &["pending", "shipped", "delivered", "cancelled"];
const KINDS: &[&str] = &["login", "logout", "purchase", "page_view", "error"];

/// One table of the demo database: its documents and its secondary indexes.
pub struct DemoTable {
    /// The table's name (the primary key is `id`).
    pub name: &'static str,
    /// Its documents, times as TIME pseudo-types.
    pub docs: Vec<Value>,
    /// Its secondary indexes: name, function as a wire term, multi.
    pub indexes: Vec<(&'static str, Value, bool)>,
}

/// An index function `row => row(path[0])(path[1])...` as a wire term.
fn field_path(path: &[&str]) -> Value {
    let mut body = json!([T::Var, [0]]);
    for field in path {
        body = json!([T::Bracket, [body, field]]);
    }
    json!([T::Func, [[T::MakeArray, [0]], body]])
}

/// The demo database's tables (users, orders, events), the same on every run.
pub fn tables() -> Vec<DemoTable> {
    let compound = json!([
        T::Func,
        [
            [T::MakeArray, [0]],
            [
                T::MakeArray,
                [
                    [T::Bracket, [[T::Var, [0]], "user_id"]],
                    [T::Bracket, [[T::Var, [0]], "status"]]
                ]
            ]
        ]
    ]);
    vec![
        DemoTable {
            name: "users",
            docs: users(),
            indexes: vec![
                ("age", field_path(&["age"]), false),
                ("tags", field_path(&["tags"]), true),
                ("city", field_path(&["address", "city"]), false),
            ],
        },
        DemoTable {
            name: "orders",
            docs: orders(),
            indexes: vec![
                ("user_id", field_path(&["user_id"]), false),
                ("placed_at", field_path(&["placed_at"]), false),
                ("user_status", compound, false),
            ],
        },
        DemoTable {
            name: "events",
            docs: events(),
            indexes: vec![
                ("kind", field_path(&["kind"]), false),
                ("at", field_path(&["at"]), false),
            ],
        },
    ]
}

const BASE: f64 = 1_704_067_200.0; // 2024-01-01T00:00:00Z

fn users() -> Vec<Value> {
    (0..24)
        .map(|i| {
            json!({
                "id": i + 1,
                "name": format!("{} {}", FIRST[i % FIRST.len()], LAST[(i * 5) % LAST.len()]),
                "email": format!("{}{}@example.com", FIRST[i % FIRST.len()].to_lowercase(), i + 1),
                "age": 21 + (i * 7) % 40,
                "active": i % 4 != 0,
                "tags": TAGS[i % 4],
                "address": {"city": CITIES[i % CITIES.len()], "zip": format!("{:05}", 10000 + i * 37)},
                "created_at": epoch_to_time(BASE + (i as f64) * 86_400.0 * 3.5),
            })
        })
        .collect()
}

fn orders() -> Vec<Value> {
    (0..60)
        .map(|i| {
            let (p, price) = PRODUCTS[i % PRODUCTS.len()];
            let qty = 1 + (i * 3) % 4;
            json!({
                "id": format!("ord-{:04}", i + 1),
                "user_id": 1 + (i * 7) % 24,
                "status": STATUSES[i % 4],
                "items": [{"product": p, "qty": qty, "price": price}],
                "total": (price * qty as f64 * 100.0).round() / 100.0,
                "placed_at": epoch_to_time(BASE + 3_600.0 * (i as f64) * 11.0),
            })
        })
        .collect()
}

fn events() -> Vec<Value> {
    (0..120)
        .map(|i| {
            json!({
                "id": format!("evt-{:05}", i + 1),
                "kind": KINDS[i % KINDS.len()],
                "user_id": 1 + (i * 5) % 24,
                "at": epoch_to_time(BASE + 600.0 * i as f64),
                "meta": {"ip": format!("10.0.{}.{}", i % 7, (i * 13) % 250), "ok": i % 9 != 0},
            })
        })
        .collect()
}

fn fill(t: &Arc<Table>, demo: DemoTable) {
    let mut data = write(&t.data);
    for d in demo.docs {
        let k = d.get(&t.primary_key).cloned().unwrap_or(Value::Null);
        data.docs.insert(Key(k), Arc::new(d));
    }
    for (name, function, multi) in demo.indexes {
        let def = IndexDef {
            function,
            multi,
            geo: false,
        };
        data.indexes.insert(name.to_string(), def);
    }
}

/// Creates the `demo` database (users, orders, events) in a sandbox.
pub fn seed(sb: &Sandbox) {
    let st = sb.store();
    st.db_create("demo");
    for demo in tables() {
        if let Ok(t) = st.table_create("demo", demo.name, "id") {
            fill(&t, demo);
        }
    }
}
