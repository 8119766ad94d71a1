//! Databases, tables, indexes, selections by key, and the `rethinkdb` system tables.

use std::sync::Arc;

use serde_json::{Value, json};

use super::datum::{self, as_str};
use super::error::{RResult, ReqlError};
use super::eval::{Call, Ctx, Env, FeedSpec, Opts, Seq, Val, val_type};
use super::ops::check_args;
use super::store::{IndexDef, Table, read, write};
use crate::protocol::TermType as T;

pub use crate::protocol::SYSTEM_DB;
/// Every table of the real system database (only `SYSTEM_TABLES` are served).
pub use crate::protocol::SYSTEM_TABLES as ALL_SYSTEM_TABLES;

/// Fixed id of the system database.
pub const SYSTEM_DB_ID: &str = "00000000-0000-0000-0000-000000000001";
/// Tables of the system database the sandbox serves.
pub const SYSTEM_TABLES: &[&str] = &[
    "current_issues",
    "db_config",
    "jobs",
    "server_status",
    "table_config",
    "table_status",
    "users",
];

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Ctx {
    fn db_arg(&self, args: &[Value], i: usize, env: &Env) -> RResult<String> {
        self.arg_of(args, i, env, "DATABASE", |v| match v {
            Val::Db(d) => Ok(d),
            other => Err(other),
        })
    }

    fn table_arg(&self, args: &[Value], i: usize, env: &Env) -> RResult<Arc<Table>> {
        self.arg_of(args, i, env, "TABLE", |v| match v {
            Val::Table(t) => Ok(t),
            other => Err(other),
        })
    }

    /// Argument `i` as the kind `pick` takes, else the server's error naming `want`.
    fn arg_of<X>(
        &self,
        args: &[Value],
        i: usize,
        env: &Env,
        want: &str,
        pick: impl FnOnce(Val) -> Result<X, Val>,
    ) -> RResult<X> {
        pick(self.arg(args, i, env)?).map_err(|other| {
            ReqlError::logic(format!(
                "Expected type {want} but found {}.",
                val_type(&other)
            ))
            .at(json!(i))
        })
    }

    pub(super) fn check_db(&self, db: &str) -> RResult<()> {
        if db == SYSTEM_DB || self.store.db_id(db).is_some() {
            Ok(())
        } else {
            Err(ReqlError::op_failed(format!(
                "Database `{db}` does not exist."
            )))
        }
    }

    /// A table by name, including the virtual system tables.
    pub fn open_table(&self, db: &str, name: &str) -> RResult<Arc<Table>> {
        self.check_db(db)?;
        if db == SYSTEM_DB {
            if ALL_SYSTEM_TABLES.contains(&name) && !SYSTEM_TABLES.contains(&name) {
                return Err(ReqlError::unsupported(&format!(
                    "the system table `rethinkdb.{name}`"
                )));
            }
            if !SYSTEM_TABLES.contains(&name) {
                return Err(ReqlError::op_failed(format!(
                    "Table `{db}.{name}` does not exist."
                )));
            }
            return Ok(self.system_table(name));
        }
        self.store
            .table(db, name)
            .ok_or_else(|| ReqlError::op_failed(format!("Table `{db}.{name}` does not exist.")))
    }

    /// Admin and selection terms; None when `tt` is not one of them.
    pub fn eval_admin(&self, call: Call<'_>) -> RResult<Option<Val>> {
        let (tt, args, opts, env) = call.parts();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        match tt {
            T::Db => self.db_term(args, env),
            T::Table => self.table_term(args, opts, env),
            T::Get => self.get_term(args, env),
            T::GetAll => self.get_all(args, opts, env),
            T::Between | T::BetweenDeprecated => self.between(args, opts, env),
            T::DbCreate => self.db_create(args, env),
            T::DbDrop => self.db_drop(args, env),
            T::DbList => {
                let mut names = self.store.db_names();
                names.push(SYSTEM_DB.to_string());
                names.sort();
                d(json!(names))
            }
            T::TableCreate | T::TableDrop | T::TableList => self.table_ddl(tt, args, opts, env),
            T::Config | T::Status => self.config_status(tt, args, env),
            T::Wait | T::Reconfigure | T::Rebalance => self.eval_cluster(tt, args, opts, env),
            T::Sync => {
                self.table_arg(args, 0, env)?;
                d(json!({"synced": 1}))
            }
            T::Info => self.info_term(args, env),
            T::IndexCreate => self.index_create(args, opts, env),
            T::IndexDrop => self.index_drop(args, env),
            T::IndexList => {
                let t = self.table_arg(args, 0, env)?;
                let names: Vec<String> = read(&t.data).indexes.keys().cloned().collect();
                d(json!(names))
            }
            T::IndexStatus | T::IndexWait => self.index_status_wait(args, env),
            T::IndexRename => self.index_rename(args, opts, env),
            // The sandbox has no write hooks: every table's is null (setting one stays unsupported).
            T::GetWriteHook => {
                self.table_arg(args, 0, env)?;
                d(Value::Null)
            }
            T::Changes => Err(ReqlError::unsupported(
                "CHANGES inside another term (call `changes()` last)",
            )),
            _ => Ok(None),
        }
    }

    /// The first argument as a valid database name.
    fn db_name_arg(&self, args: &[Value], env: &Env) -> RResult<String> {
        let name = self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?;
        if !valid_name(&name) {
            return Err(ReqlError::logic(format!(
                "Database name `{name}` invalid (Use A-Z, a-z, 0-9, _ and - only)."
            ))
            .at(json!(0)));
        }
        Ok(name)
    }

    fn db_term(&self, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        check_args(n, 1)?;
        let name = self.db_name_arg(args, env)?;
        Ok(Some(Val::Db(name)))
    }

    fn table_term(&self, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        if let Some(f) = self.opt(opts, "identifier_format", env)?
            && f != json!("name")
        {
            return Err(ReqlError::unsupported(
                "TABLE with identifier_format other than \"name\"",
            ));
        }
        if opts.is_some_and(|o| o.contains_key("use_outdated")) {
            return Err(ReqlError::logic(
                "The `use_outdated` optarg is no longer supported.  Use the `read_mode` optarg instead.",
            ));
        }
        let (db, name) = match n {
            1 => (
                self.default_db.clone(),
                self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?,
            ),
            2 => {
                let db = self.db_arg(args, 0, env)?;
                self.check_db(&db).map_err(|e| e.at(json!(0)))?;
                (
                    db,
                    self.targ(args, 1, env, |v| as_str(v).map(str::to_string))?,
                )
            }
            _ => {
                return Err(ReqlError::compile(format!(
                    "Expected between 1 and 2 arguments but found {n}."
                )));
            }
        };
        if !valid_name(&name) {
            return Err(ReqlError::logic(format!(
                "Table name `{name}` invalid (Use A-Z, a-z, 0-9, _ and - only)."
            )));
        }
        Ok(Some(Val::Table(self.open_table(&db, &name)?)))
    }

    fn get_term(&self, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        check_args(n, 2)?;
        let t = self.table_arg(args, 0, env)?;
        let key = self.darg(args, 1, env)?;
        if key.is_null() {
            // `get(null)` finds nothing rather than failing on the key's type.
            return Err(ReqlError::non_existence(
                "Primary keys must be either a number, string, bool, pseudotype or array (got type NULL):\nnull",
            ));
        }
        super::write::check_key(&key).map_err(|e| e.at(json!(1)))?;
        let doc = t.get(&key);
        Ok(Some(Val::Single(t, key, doc)))
    }

    fn get_all(&self, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let t = self.table_arg(args, 0, env)?;
        let index = match self.opt(opts, "index", env)? {
            Some(v) => as_str(&v)?.to_string(),
            None => t.primary_key.clone(),
        };
        let mut keys = Vec::new();
        for i in 1..n {
            let k = self.darg(args, i, env)?;
            if k.is_null() {
                return Err(ReqlError::non_existence("Keys cannot be NULL.").at(json!(i)));
            }
            keys.push(k);
        }
        let rows = self.lookup_index(&t, &index, &keys)?;
        let mut s = Seq::stream(Box::new(rows.into_iter().map(Ok)));
        s.table = Some(t);
        s.type_name = "SELECTION<STREAM>";
        Ok(Some(Val::Seq(s)))
    }

    fn between(&self, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Option<Val>> {
        let a0 = self.arg(args, 0, env)?;
        let t = between_table(a0)?;
        let lo = self.darg(args, 1, env)?;
        let hi = self.darg(args, 2, env)?;
        if lo.is_null() || hi.is_null() {
            return Err(ReqlError::logic(
                "Cannot use `null` in BETWEEN, use `r.minval` or `r.maxval` to denote unboundedness.",
            )
            .at(json!(if lo.is_null() { 1 } else { 2 })));
        }
        let index = match self.opt(opts, "index", env)? {
            Some(v) => as_str(&v)?.to_string(),
            None => t.primary_key.clone(),
        };
        let left_open = self.bound_is(opts, "left_bound", env, "open")?;
        let right_closed = self.bound_is(opts, "right_bound", env, "closed")?;
        let (lo_key, hi_key) = (lo.clone(), hi.clone());
        let inside = move |k: &Value| {
            let a = datum::cmp(k, &lo);
            let b = datum::cmp(k, &hi);
            (if left_open { a.is_gt() } else { a.is_ge() })
                && (if right_closed { b.is_le() } else { b.is_lt() })
        };
        if index == t.primary_key {
            // The primary index is the table's own order: a range, no scan.
            use std::ops::Bound;
            let order = datum::cmp(&lo_key, &hi_key);
            // BTreeMap::range panics on an inverted or empty-exclusive range.
            let empty = order.is_gt() || (order.is_eq() && (left_open || !right_closed));
            let lo_b = if left_open {
                Bound::Excluded(datum::Key(lo_key))
            } else {
                Bound::Included(datum::Key(lo_key))
            };
            let hi_b = if right_closed {
                Bound::Included(datum::Key(hi_key))
            } else {
                Bound::Excluded(datum::Key(hi_key))
            };
            let docs: Vec<Arc<Value>> = if empty {
                Vec::new()
            } else {
                read(&t.data)
                    .docs
                    .range((lo_b, hi_b))
                    .map(|(_, d)| d.clone())
                    .collect()
            };
            let mut s = Seq::stream(Box::new(docs.into_iter().map(|d| Ok((*d).clone()))));
            s.table = Some(t);
            s.type_name = "TABLE_SLICE";
            return Ok(Some(Val::Seq(s)));
        }
        let mut entries: Vec<(Value, Arc<Value>)> = self
            .index_entries(&t, &index)?
            .into_iter()
            .filter(|(k, _)| inside(k))
            .collect();
        entries.sort_by(|a, b| datum::cmp(&a.0, &b.0));
        let mut s = Seq::stream(Box::new(entries.into_iter().map(|(_, d)| Ok((*d).clone()))));
        s.table = Some(t);
        s.type_name = "TABLE_SLICE";
        Ok(Some(Val::Seq(s)))
    }

    fn db_create(&self, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        check_args(n, 1)?;
        let name = self.db_name_arg(args, env)?;
        if name == SYSTEM_DB || !self.store.db_create(&name) {
            return Err(ReqlError::op_failed(format!(
                "Database `{name}` already exists."
            )));
        }
        let id = self.store.db_id(&name).unwrap_or_default();
        d(
            json!({"config_changes": [{"new_val": {"id": id, "name": name}, "old_val": null}], "dbs_created": 1}),
        )
    }

    fn db_drop(&self, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        check_args(n, 1)?;
        let name = self.targ(args, 0, env, |v| as_str(v).map(str::to_string))?;
        if name == SYSTEM_DB {
            return Err(ReqlError::op_failed(
                "Database `rethinkdb` is special; you can't delete it.",
            ));
        }
        let db = self
            .store
            .db_drop(&name)
            .ok_or_else(|| ReqlError::op_failed(format!("Database `{name}` does not exist.")))?;
        d(
            json!({"config_changes": [{"new_val": null, "old_val": {"id": db.id, "name": name}}], "dbs_dropped": 1, "tables_dropped": db.tables.len()}),
        )
    }

    fn table_ddl(&self, tt: T, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        let (db, rest) = match args.first().and_then(|a| super::eval::parts(a)) {
            Some((T::Db, ..)) => (self.db_arg(args, 0, env)?, 1),
            _ => (self.default_db.clone(), 0),
        };
        // A database given as an argument is blamed for not existing.
        self.check_db(&db)
            .map_err(|e| if rest == 1 { e.at(json!(0)) } else { e })?;
        if tt == T::TableList {
            if db == SYSTEM_DB {
                return d(json!(ALL_SYSTEM_TABLES));
            }
            let names: Vec<String> = self
                .store
                .tables(&db)
                .unwrap_or_default()
                .iter()
                .map(|t| t.name.clone())
                .collect();
            return d(json!(names));
        }
        check_args(n, rest + 1)?;
        let name = self.targ(args, rest, env, |v| as_str(v).map(str::to_string))?;
        if db == SYSTEM_DB {
            return Err(ReqlError::op_failed(if tt == T::TableCreate {
                "Database `rethinkdb` is special; you can't create new tables in it."
            } else {
                "Database `rethinkdb` is special; you can't create or drop tables in it."
            }));
        }
        if tt == T::TableCreate {
            if !valid_name(&name) {
                return Err(ReqlError::logic(format!(
                    "Table name `{name}` invalid (Use A-Z, a-z, 0-9, _ and - only)."
                ))
                .at(json!(rest)));
            }
            let pk = match self.opt(opts, "primary_key", env)? {
                Some(v) => as_str(&v)?.to_string(),
                None => "id".to_string(),
            };
            let t = self
                .store
                .table_create(&db, &name, &pk)
                .map_err(|missing| {
                    if missing {
                        ReqlError::op_failed(format!("Database `{db}` does not exist."))
                    } else {
                        ReqlError::op_failed(format!("Table `{db}.{name}` already exists."))
                    }
                })?;
            return d(
                json!({"config_changes": [{"new_val": self.table_config(&t), "old_val": null}], "tables_created": 1}),
            );
        }
        let t = self
            .store
            .table_drop(&db, &name)
            .ok_or_else(|| ReqlError::op_failed(format!("Table `{db}.{name}` does not exist.")))?;
        d(
            json!({"config_changes": [{"new_val": null, "old_val": self.table_config(&t)}], "tables_dropped": 1}),
        )
    }

    fn config_status(&self, tt: T, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        check_args(n, 1)?;
        let v = self.arg(args, 0, env)?;
        match (tt, v) {
            (T::Config, Val::Table(t)) => {
                let sys = self.system_table("table_config");
                let cfg = self.table_config(&t);
                let doc = sys.get(&json!(t.id)).or(Some(Arc::new(cfg)));
                Ok(Some(Val::Single(sys, json!(t.id), doc)))
            }
            (T::Config, Val::Db(db)) => {
                self.check_db(&db)?;
                let sys = self.system_table("db_config");
                let id = self.store.db_id(&db).unwrap_or_default();
                let doc = sys.get(&json!(id));
                Ok(Some(Val::Single(sys, json!(id), doc)))
            }
            (T::Status, Val::Table(t)) => {
                let sys = self.system_table("table_status");
                let doc = Some(Arc::new(self.table_status(&t)));
                Ok(Some(Val::Single(sys, json!(t.id), doc)))
            }
            (_, other) => Err(ReqlError::logic(format!(
                "Expected type TABLE but found {}.",
                val_type(&other)
            ))
            .at(json!(0))),
        }
    }

    fn info_term(&self, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        check_args(n, 1)?;
        match self.arg(args, 0, env)? {
            Val::Table(t) => d(table_info(&t)),
            // A single document is described by its table, as the server does.
            Val::Single(t, ..) => d(json!({"table": table_info(&t), "type": "SELECTION<OBJECT>"})),
            Val::Db(db) => d(json!({"id": self.store.db_id(&db), "name": db, "type": "DB"})),
            other => {
                let ty = match &other {
                    Val::Seq(s) => s.type_name.to_string(),
                    o => val_type(o),
                };
                let v = self.to_datum(other)?;
                match datum::pseudo_type(&v) {
                    Some(m @ ("MINVAL" | "MAXVAL")) => d(json!({"type": m})),
                    _ if v.is_null() => d(json!({"type": "NULL"})),
                    _ => d(json!({"type": ty, "value": datum::print(&v)})),
                }
            }
        }
    }

    fn index_create(&self, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        let t = self.table_arg(args, 0, env)?;
        let name = self.targ(args, 1, env, |v| as_str(v).map(str::to_string))?;
        if name == t.primary_key {
            return Err(ReqlError::logic(format!(
                "Index name conflict: `{name}` is the name of the primary key."
            )));
        }
        let blob = if n > 2 { index_blob(&args[2])? } else { None };
        let blob_flags = blob.as_ref().map(|(_, multi, geo)| (*multi, *geo));
        let function = if let Some((function, _, _)) = blob {
            if !super::ops::is_func_term(&function) || !deterministic(&function) {
                return Err(ReqlError::logic(
                    "this index function blob does not hold a deterministic function",
                ));
            }
            function
        } else if n > 2 {
            match &args[2] {
                f if super::ops::is_func_term(f) => {
                    if !deterministic(f) || calls_now(f) {
                        // Blamed on the function's body (argument 2, frame 1).
                        return Err(ReqlError::logic(
                            "Could not prove function deterministic.  Index functions must be deterministic.",
                        )
                        .at(json!(1))
                        .at(json!(2)));
                    }
                    f.clone()
                }
                other if other.is_array() && !super::ops::is_datum_term(other) => {
                    json!([T::Func, [[T::MakeArray, [0]], other]])
                }
                _ => {
                    return Err(
                        ReqlError::logic("Expected type FUNCTION but found DATUM:").at(json!(2))
                    );
                }
            }
        } else {
            json!([
                T::Func,
                [[T::MakeArray, [0]], [T::Bracket, [[T::Var, [0]], name]]]
            ])
        };
        let (blob_multi, blob_geo) = blob_flags.unwrap_or((false, false));
        let multi = self.opt_bool(opts, "multi", env, blob_multi)?;
        let geo = self.opt_bool(opts, "geo", env, blob_geo)?;
        // A geo index is only declared: the terms that would read it are unsupported.
        let mut data = write(&t.data);
        if data.indexes.contains_key(&name) {
            return Err(ReqlError::op_failed(format!(
                "Index `{name}` already exists on table `{}`.",
                t.display()
            )));
        }
        data.indexes.insert(
            name,
            IndexDef {
                function,
                multi,
                geo,
            },
        );
        d(json!({"created": 1}))
    }

    fn index_drop(&self, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        check_args(n, 2)?;
        let t = self.table_arg(args, 0, env)?;
        let name = self.targ(args, 1, env, |v| as_str(v).map(str::to_string))?;
        if write(&t.data).indexes.remove(&name).is_none() {
            return Err(ReqlError::op_failed(format!(
                "Index `{name}` does not exist on table `{}`.",
                t.display()
            )));
        }
        d(json!({"dropped": 1}))
    }

    fn index_status_wait(&self, args: &[Value], env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        let t = self.table_arg(args, 0, env)?;
        let mut wanted = Vec::new();
        for i in 1..n {
            wanted.push(self.targ(args, i, env, |v| as_str(v).map(str::to_string))?);
        }
        let data = read(&t.data);
        for w in &wanted {
            if !data.indexes.contains_key(w) {
                return Err(ReqlError::op_failed(format!(
                    "Index `{w}` was not found on table `{}`.",
                    t.display()
                )));
            }
        }
        let rows: Vec<Value> = data
            .indexes
            .iter()
            .filter(|(k, _)| wanted.is_empty() || wanted.contains(k))
            .map(|(k, def)| index_status(k, def))
            .collect();
        d(Value::Array(rows))
    }

    fn index_rename(&self, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Option<Val>> {
        let n = args.len();
        let d = |v: Value| -> RResult<Option<Val>> { Ok(Some(Val::Datum(v))) };
        check_args(n, 3)?;
        let t = self.table_arg(args, 0, env)?;
        let old = self.targ(args, 1, env, |v| as_str(v).map(str::to_string))?;
        let new = self.targ(args, 2, env, |v| as_str(v).map(str::to_string))?;
        let overwrite = self.opt_bool(opts, "overwrite", env, false)?;
        for nm in [&old, &new] {
            if *nm == t.primary_key {
                return Err(ReqlError::logic(format!(
                    "Index name conflict: `{nm}` is the name of the primary key."
                )));
            }
        }
        let mut data = write(&t.data);
        if !data.indexes.contains_key(&old)
            || (old != new && data.indexes.contains_key(&new) && !overwrite)
        {
            return Err(ReqlError::op_failed(format!(
                "Index `{old}` does not exist or index `{new}` already exists on table `{}`.",
                t.display()
            )));
        }
        if old == new {
            return d(json!({"renamed": 0}));
        }
        if let Some(def) = data.indexes.remove(&old) {
            data.indexes.insert(new, def);
        }
        d(json!({"renamed": 1}))
    }

    /// Builds a read-only snapshot of a system table.
    pub fn system_table(&self, name: &str) -> Arc<Table> {
        let st = &self.store;
        let (reql_host, reql_port) = st.reql_addr().map_or(("127.0.0.1".to_owned(), 28015), |a| {
            (a.ip().to_string(), a.port())
        });
        let docs: Vec<Value> = match name {
            "table_config" => st
                .all_tables()
                .iter()
                .map(|t| self.table_config(t))
                .collect(),
            "table_status" => st
                .all_tables()
                .iter()
                .map(|t| self.table_status(t))
                .collect(),
            "db_config" => st
                .db_names()
                .into_iter()
                .map(|n| json!({"id": st.db_id(&n), "name": n}))
                .collect(),
            "server_status" => vec![json!({
                "id": st.server_id, "name": st.server_name,
                // A sandbox has no cluster port: 29015 is the nominal one of a real server.
                "network": {"canonical_addresses": [{"host": reql_host, "port": 29015}], "cluster_port": 29015,
                    "connected_to": {}, "hostname": "localhost", "http_admin_port": "<no http admin>", "reql_port": reql_port,
                    "time_connected": super::time::epoch_to_time(st.started)},
                "process": {"argv": ["rdbsh", "sandbox"], "cache_size_mb": 0, "pid": std::process::id(),
                    "time_started": super::time::epoch_to_time(st.started), "version": "rethinkdb 2.4.4 (rdbsh sandbox)"}
            })],
            "users" => vec![json!({"id": "admin", "password": true})],
            // Every running query, this one included (as on the server).
            "jobs" => self.jobs.rows(&st.server_name),
            _ => Vec::new(),
        };
        let pk = "id";
        let table = Table::detached(SYSTEM_DB, name, pk);
        {
            let mut data = write(&table.data);
            for d in docs {
                let k = d.get(pk).cloned().unwrap_or(Value::Null);
                data.docs.insert(datum::Key(k), Arc::new(d));
            }
        }
        Arc::new(table)
    }

    /// The feed spec a value would follow with `changes()`.
    pub fn feed_spec(&self, v: &Val) -> Option<FeedSpec> {
        match v {
            Val::Table(t) => Some(FeedSpec::Table(t.clone())),
            Val::Seq(s) => s.feed.clone(),
            _ => None,
        }
    }
}

/// The table a `between` reads: a table, not a slice already ordered or bounded.
fn between_table(a0: Val) -> RResult<Arc<Table>> {
    Ok(match a0 {
        Val::Table(t) => t,
        Val::Seq(sq)
            if sq.type_name == "TABLE_SLICE"
                && matches!(sq.feed, Some(FeedSpec::Ordered { .. })) =>
        {
            // RethinkDB 2.4.4 answers this otherwise than this store would (none
            // where the sandbox found rows): refuse rather than answer wrongly.
            let _ = sq;
            return Err(ReqlError::unsupported("BETWEEN after ORDER_BY"));
        }
        // The server blames the table under the first between.
        Val::Seq(sq) if sq.type_name == "TABLE_SLICE" => {
            return Err(
                ReqlError::logic("Cannot perform multiple BETWEENs on the same table.")
                    .at(json!(0))
                    .at(json!(0)),
            );
        }
        other => {
            let ty = match &other {
                Val::Seq(sq) if sq.table.is_some() => "SELECTION".to_string(),
                Val::Seq(_) => "SEQUENCE".to_string(),
                Val::Datum(_) => "DATUM".to_string(),
                o => val_type(o),
            };
            return Err(
                ReqlError::logic(format!("Expected type TABLE_SLICE but found {ty}:")).at(json!(0)),
            );
        }
    })
}

/// Whether a term has no source of nondeterminism (random, uuid, js, http, reads).
fn table_info(t: &Table) -> Value {
    let idx: Vec<String> = read(&t.data).indexes.keys().cloned().collect();
    json!({
        "db": {"id": t.db_id, "name": t.db, "type": "DB"},
        "doc_count_estimates": [t.len()],
        "id": t.id, "indexes": idx, "name": t.name,
        "primary_key": t.primary_key, "type": "TABLE"
    })
}

/// Whether a term calls `r.now()` (allowed in writes, not in index functions).
fn calls_now(t: &Value) -> bool {
    match super::eval::any_parts(t) {
        Some((Some(T::Now), ..)) => true,
        Some((_, args, opts)) => {
            args.iter().any(calls_now) || opts.is_some_and(|o| o.values().any(calls_now))
        }
        None => t.as_object().is_some_and(|m| m.values().any(calls_now)),
    }
}

pub fn deterministic(t: &Value) -> bool {
    match t {
        Value::Array(_) => match super::eval::any_parts(t) {
            // r.uuid(string) is a name-based (v5) uuid: deterministic.
            Some((Some(T::Uuid), args, _)) if !args.is_empty() => args.iter().all(deterministic),
            Some((tt, args, opts)) => {
                !matches!(
                    tt,
                    Some(
                        T::Javascript
                            | T::Db
                            | T::Table
                            | T::Get
                            | T::DbList
                            | T::TableList
                            | T::IndexList
                            | T::GetAll
                            | T::Info
                            | T::IndexStatus
                            | T::IndexWait
                            | T::Random
                            | T::Changes
                            | T::Http
                            | T::Uuid
                            | T::Config
                            | T::Status
                            | T::Between
                    )
                ) && args.iter().all(deterministic)
                    && opts.is_none_or(|o| o.values().all(deterministic))
            }
            None => true,
        },
        Value::Object(m) => m.values().all(deterministic),
        _ => true,
    }
}

/// An index function given as the BINARY `indexStatus()` returned: the function and its multi
/// and geo flags, when the blob is one the sandbox wrote; a real server's blob is refused.
fn index_blob(arg: &Value) -> RResult<Option<(Value, bool, bool)>> {
    use base64::Engine;
    let Some(obj) = arg.as_object() else {
        return Ok(None);
    };
    if obj.get("$reql_type$").and_then(Value::as_str) != Some("BINARY") {
        return Ok(None);
    }
    let refuse = || {
        ReqlError::unsupported(
            "index functions saved by a real RethinkDB server (their binary format); the sandbox reads the ones it wrote",
        )
    };
    let data = obj.get("data").and_then(Value::as_str).unwrap_or("");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.replace(['\r', '\n'], ""))
        .map_err(|_| refuse())?;
    let spec: Value = serde_json::from_slice(&bytes).map_err(|_| refuse())?;
    let Some(function) = spec.get("function").cloned() else {
        return Err(refuse());
    };
    let flag = |k: &str| spec.get(k).and_then(Value::as_bool).unwrap_or(false);
    Ok(Some((function, flag("multi"), flag("geo"))))
}

fn index_status(name: &str, def: &IndexDef) -> Value {
    use base64::Engine;
    // The blob is the sandbox's own: what `indexCreate(name, blob)` reads back (export/import).
    let spec = json!({"function": def.function, "multi": def.multi, "geo": def.geo});
    let blob = base64::engine::general_purpose::STANDARD.encode(spec.to_string().as_bytes());
    json!({
        "function": {"$reql_type$": "BINARY", "data": blob},
        "geo": def.geo, "index": name, "multi": def.multi, "outdated": false,
        "query": format!("indexCreate({}, {})", Value::String(name.to_string()), def.function),
        "ready": true
    })
}
