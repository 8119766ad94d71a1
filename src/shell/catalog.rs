//! The catalog: databases, tables and indexes, loaded with one query on the system tables.
//! The TUI's browser and the completion of names in the REPL and the editor read it.

use serde_json::{Map, Value};

use crate::{net, reql};

/// A database as listed by the catalog query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DbEntry {
    pub name: String,
    pub tables: Vec<TableEntry>,
}

/// A table of a [`DbEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableEntry {
    pub name: String,
    pub primary_key: String,
    /// Secondary index names.
    pub indexes: Vec<String>,
    pub shards: Option<u32>,
    pub replicas: Option<u32>,
    /// `table_status` says all replicas are ready for writes.
    pub ready: Option<bool>,
}

/// The system database (listed after the user databases) and its tables.
pub use crate::protocol::{SYSTEM_DB, SYSTEM_TABLES};

/// One query that loads the whole catalog: databases, table configs and statuses.
pub const CATALOG_QUERY: &str = "r.expr({\
dbs: r.db('rethinkdb').table('db_config').pluck('name').coerceTo('array'), \
tables: r.db('rethinkdb').table('table_config').coerceTo('array'), \
status: r.db('rethinkdb').table('table_status').pluck('db', 'name', 'status').coerceTo('array')})";

/// The result of [`CATALOG_QUERY`] did not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected catalog result: {0}; is this a RethinkDB 2.x server?")]
pub struct CatalogError(String);

/// Builds the browser tree from the result of [`CATALOG_QUERY`]; the system database is added
/// with its fixed tables.
pub fn catalog_from_value(value: &serde_json::Value) -> Result<Vec<DbEntry>, CatalogError> {
    use serde_json::Value;
    let list = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_array)
            .ok_or_else(|| CatalogError(format!("no {key} array")))
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut dbs: Vec<DbEntry> = list("dbs")?
        .iter()
        .filter_map(|d| text(d, "name"))
        .map(|name| DbEntry {
            name,
            tables: Vec::new(),
        })
        .collect();
    let status = list("status")?;
    for t in list("tables")? {
        let (Some(db), Some(name)) = (text(t, "db"), text(t, "name")) else {
            continue;
        };
        let shards = t.get("shards").and_then(Value::as_array);
        let replicas = shards.and_then(|s| {
            s.iter()
                .filter_map(|shard| shard.get("replicas").and_then(Value::as_array))
                .map(Vec::len)
                .max()
        });
        let ready = status
            .iter()
            .find(|st| {
                text(st, "db").as_deref() == Some(&db) && text(st, "name").as_deref() == Some(&name)
            })
            .and_then(|st| st.pointer("/status/all_replicas_ready"))
            .and_then(Value::as_bool);
        let entry = TableEntry {
            primary_key: text(t, "primary_key").unwrap_or_else(|| "id".to_owned()),
            indexes: t
                .get("indexes")
                .and_then(Value::as_array)
                .map(|ix| {
                    ix.iter()
                        .filter_map(|i| i.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            shards: shards.and_then(|s| u32::try_from(s.len()).ok()),
            replicas: replicas.and_then(|n| u32::try_from(n).ok()),
            ready,
            name,
        };
        match dbs.iter_mut().find(|d| d.name == db) {
            Some(d) => d.tables.push(entry),
            None => dbs.push(DbEntry {
                name: db,
                tables: vec![entry],
            }),
        }
    }
    if !dbs.iter().any(|d| d.name == SYSTEM_DB) {
        dbs.push(DbEntry {
            name: SYSTEM_DB.to_owned(),
            tables: SYSTEM_TABLES
                .iter()
                .map(|t| TableEntry {
                    name: (*t).to_owned(),
                    primary_key: "id".to_owned(),
                    ..TableEntry::default()
                })
                .collect(),
        });
    }
    Ok(dbs)
}

/// Why [`load`] found no catalog.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The query failed: on the server, or because the connection is gone.
    #[error(transparent)]
    Net(#[from] net::Error),
    /// The server answered with something that is not a RethinkDB 2.x catalog.
    #[error(transparent)]
    Shape(#[from] CatalogError),
}

impl LoadError {
    /// True when the connection failed (as opposed to the server refusing the query).
    pub fn connection_failed(&self) -> bool {
        matches!(self, LoadError::Net(e) if e.server_error().is_none())
    }
}

/// Runs [`CATALOG_QUERY`] on the session and builds the tree from its answer.
pub async fn load(net: &net::Link) -> Result<Vec<DbEntry>, LoadError> {
    let query = reql::compile_query(CATALOG_QUERY)
        .map_err(|_| CatalogError("the catalog query does not compile (a bug in rdbsh)".into()))?;
    let mut cursor = net.run_value(&query.term(), &Map::new()).await?;
    let rows = cursor.collect_rows().await?;
    let first = rows
        .first()
        .ok_or_else(|| CatalogError("no answer".into()))?;
    let value: Value = serde_json::from_str(first.get())
        .map_err(|e| CatalogError(format!("answer is not JSON ({e})")))?;
    Ok(catalog_from_value(&value)?)
}

/// Term types that change the catalog: db and table create/drop, index create/drop/rename.
const DDL_TERMS: [u64; 7] = [57, 58, 60, 61, 75, 76, 156];

/// True when the term creates, drops or renames a database, table or index.
pub fn changes_catalog(term: &Value) -> bool {
    match term {
        Value::Array(parts) => {
            parts
                .first()
                .and_then(Value::as_u64)
                .is_some_and(|tt| DDL_TERMS.contains(&tt))
                || parts.iter().skip(1).any(changes_catalog)
        }
        Value::Object(map) => map.values().any(changes_catalog),
        _ => false,
    }
}
