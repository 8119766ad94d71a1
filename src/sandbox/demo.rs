//! Deterministic demo data for `rdbsh --sandbox`: a `demo` database to browse.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Sandbox;
use super::datum::Key;
use super::store::{IndexDef, Table, write};
use super::time::epoch_to_time;

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

fn field_index(name: &str) -> IndexDef {
    IndexDef {
        function: json!([69, [[2, [0]], [170, [[10, [0]], name]]]]),
        multi: false,
        geo: false,
    }
}

fn fill(t: &Arc<Table>, docs: Vec<Value>, indexes: Vec<(&str, IndexDef)>) {
    let mut data = write(&t.data);
    for d in docs {
        let k = d.get(&t.primary_key).cloned().unwrap_or(Value::Null);
        data.docs.insert(Key(k), Arc::new(d));
    }
    for (n, def) in indexes {
        data.indexes.insert(n.to_string(), def);
    }
}

/// Creates the `demo` database (users, orders, events) in a sandbox.
pub fn seed(sb: &Sandbox) {
    let st = sb.store();
    st.db_create("demo");
    let base = 1_704_067_200.0; // 2024-01-01T00:00:00Z
    let users: Vec<Value> = (0..24)
        .map(|i| {
            json!({
                "id": i + 1,
                "name": format!("{} {}", FIRST[i % FIRST.len()], LAST[(i * 5) % LAST.len()]),
                "email": format!("{}{}@example.com", FIRST[i % FIRST.len()].to_lowercase(), i + 1),
                "age": 21 + (i * 7) % 40,
                "active": i % 4 != 0,
                "tags": TAGS[i % 4],
                "address": {"city": CITIES[i % CITIES.len()], "zip": format!("{:05}", 10000 + i * 37)},
                "created_at": epoch_to_time(base + (i as f64) * 86_400.0 * 3.5),
            })
        })
        .collect();
    let orders: Vec<Value> = (0..60)
        .map(|i| {
            let (p, price) = PRODUCTS[i % PRODUCTS.len()];
            let qty = 1 + (i * 3) % 4;
            json!({
                "id": format!("ord-{:04}", i + 1),
                "user_id": 1 + (i * 7) % 24,
                "status": STATUSES[i % 4],
                "items": [{"product": p, "qty": qty, "price": price}],
                "total": (price * qty as f64 * 100.0).round() / 100.0,
                "placed_at": epoch_to_time(base + 3_600.0 * (i as f64) * 11.0),
            })
        })
        .collect();
    let events: Vec<Value> = (0..120)
        .map(|i| {
            json!({
                "id": format!("evt-{:05}", i + 1),
                "kind": KINDS[i % KINDS.len()],
                "user_id": 1 + (i * 5) % 24,
                "at": epoch_to_time(base + 600.0 * i as f64),
                "meta": {"ip": format!("10.0.{}.{}", i % 7, (i * 13) % 250), "ok": i % 9 != 0},
            })
        })
        .collect();
    let mk = |name: &str| st.table_create("demo", name, "id").ok();
    if let Some(t) = mk("users") {
        let tags = IndexDef {
            function: json!([69, [[2, [0]], [170, [[10, [0]], "tags"]]]]),
            multi: true,
            geo: false,
        };
        let city = IndexDef {
            function: json!([
                69,
                [[2, [0]], [170, [[170, [[10, [0]], "address"]], "city"]]]
            ]),
            multi: false,
            geo: false,
        };
        fill(
            &t,
            users,
            vec![("age", field_index("age")), ("tags", tags), ("city", city)],
        );
    }
    if let Some(t) = mk("orders") {
        let compound = IndexDef {
            function: json!([
                69,
                [
                    [2, [0]],
                    [
                        2,
                        [[170, [[10, [0]], "user_id"]], [170, [[10, [0]], "status"]]]
                    ]
                ]
            ]),
            multi: false,
            geo: false,
        };
        fill(
            &t,
            orders,
            vec![
                ("user_id", field_index("user_id")),
                ("placed_at", field_index("placed_at")),
                ("user_status", compound),
            ],
        );
    }
    if let Some(t) = mk("events") {
        fill(
            &t,
            events,
            vec![("kind", field_index("kind")), ("at", field_index("at"))],
        );
    }
}
