//! Running a term on rdbsh's own client and reading the answer as values.

use rdbsh::net::{self, Client};
use rdbsh::protocol::{GlobalOptargs, Row};
use serde_json::Value;

/// A row as a value (the server always sends valid JSON).
pub fn parse(row: &Row) -> Value {
    serde_json::from_str(row.get()).expect("rows are JSON")
}

/// Runs a term and returns every row (the atom as one row).
pub async fn rows(c: &Client, term: Value) -> Result<Vec<Value>, net::Error> {
    let mut cursor = c.run_value(&term, &GlobalOptargs::new())?;
    Ok(cursor.collect_rows().await?.iter().map(parse).collect())
}

/// Runs a term that answers with one value.
pub async fn atom(c: &Client, term: Value) -> Value {
    let mut r = rows(c, term.clone()).await.expect("the term runs");
    assert_eq!(r.len(), 1, "{term} gave {r:?}");
    r.remove(0)
}
