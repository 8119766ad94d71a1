//! Write terms: insert, update, replace, delete, with RethinkDB's write result objects.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::datum::{self, Key};
use super::error::{RResult, ReqlError};
use super::eval::{Call, Ctx, Env, Func, Opts, Val, val_type};
use super::ops::{check_args, merge_values};
use super::store::{Table, TableData, write};
use crate::protocol::TermType as T;

/// Counters of a write result.
#[derive(Default)]
struct Summary {
    inserted: u64,
    replaced: u64,
    unchanged: u64,
    skipped: u64,
    deleted: u64,
    errors: u64,
    first_error: Option<String>,
    generated_keys: Vec<Value>,
    changes: Vec<Value>,
}

impl Summary {
    fn error(&mut self, msg: String, rc: u8, old: Option<&Value>) {
        self.errors += 1;
        if rc == 2 {
            let old = old.cloned().unwrap_or(Value::Null);
            self.changes
                .push(json!({"error": msg.clone(), "new_val": old.clone(), "old_val": old}));
        }
        if self.first_error.is_none() {
            self.first_error = Some(msg);
        }
    }
    fn into_value(self, return_changes: bool) -> Value {
        let mut m = Map::new();
        if return_changes {
            m.insert("changes".into(), Value::Array(self.changes));
        }
        m.insert("deleted".into(), json!(self.deleted));
        m.insert("errors".into(), json!(self.errors));
        if let Some(e) = self.first_error {
            m.insert("first_error".into(), json!(e));
        }
        if !self.generated_keys.is_empty() {
            m.insert("generated_keys".into(), Value::Array(self.generated_keys));
        }
        m.insert("inserted".into(), json!(self.inserted));
        m.insert("replaced".into(), json!(self.replaced));
        m.insert("skipped".into(), json!(self.skipped));
        m.insert("unchanged".into(), json!(self.unchanged));
        Value::Object(m)
    }
}

/// What to write for one document.
enum Patch {
    UpdateFn(Func),
    ReplaceFn(Func),
    Delete,
}

impl Ctx {
    /// Write terms; None when `tt` is not one of them.
    pub fn eval_write(&self, call: Call<'_>) -> RResult<Option<Val>> {
        let (tt, args, opts, env) = call.parts();
        if !matches!(tt, T::Update | T::Delete | T::Replace | T::Insert) {
            return Ok(None);
        }
        let rc = self.write_options(opts, env)?;
        let a0 = self.arg(args, 0, env)?;
        if tt == T::Insert {
            return self.insert(a0, args, opts, env, rc).map(Some);
        }
        let patch = self.patch(tt, args, opts, env)?;
        self.write_selection(tt, a0, &patch, rc)
    }

    /// The options every write takes: `return_changes` (0 no, 1 yes, 2 always, returned),
    /// `durability`, and the obsolete `return_vals` refused.
    fn write_options(&self, opts: Opts<'_>, env: &Env) -> RResult<u8> {
        let rc = match self.opt(opts, "return_changes", env)? {
            None | Some(Value::Bool(false)) => 0,
            Some(Value::Bool(true)) => 1,
            Some(Value::String(s)) if s == "always" => 2,
            Some(other) => {
                return Err(ReqlError::logic(format!(
                    "Invalid return_changes value `{}` (options are `true`, `false`, and `'always'`.)",
                    datum::print(&other)
                )));
            }
        };
        if opts.is_some_and(|o| o.contains_key("return_vals")) {
            return Err(ReqlError::logic(
                "Error: encountered obsolete optarg `return_vals`.  Use `return_changes` instead.",
            ));
        }
        if let Some(d) = self.opt(opts, "durability", env)? {
            let ds = d.as_str().unwrap_or_default();
            if ds != "hard" && ds != "soft" {
                return Err(ReqlError::logic(format!(
                    "Durability option `{}` unrecognized (options are \"hard\" and \"soft\").",
                    datum::as_str(&d).unwrap_or_default()
                ))
                .at(json!("durability")));
            }
        }
        Ok(rc)
    }

    /// `table.insert(docs, {conflict})`.
    fn insert(&self, a0: Val, args: &[Value], opts: Opts<'_>, env: &Env, rc: u8) -> RResult<Val> {
        check_args(args.len(), 2)?;
        let Val::Table(t) = a0 else {
            return Err(ReqlError::logic(format!(
                "Expected type TABLE but found {}.",
                val_type(&a0)
            ))
            .at(json!(0)));
        };
        let docs = match self.darg(args, 1, env)? {
            Value::Array(a) => a,
            d if d.is_object() => vec![d],
            d => {
                return Err(ReqlError::logic(format!(
                    "Cannot convert {} to SEQUENCE",
                    datum::type_name(&d)
                )));
            }
        };
        if is_jobs_target(&Val::Table(t.clone())) {
            let mut s = Summary::default();
            for _ in &docs {
                s.error(JOBS_DELETIONS_ONLY.to_owned(), rc, None);
            }
            return Ok(Val::Datum(s.into_value(rc > 0)));
        }
        system_guard(&t)?;
        let conflict = match opts.and_then(|o| o.get("conflict")) {
            Some(t) if super::ops::is_func_term(t) && !super::admin::deterministic(t) => {
                // Also keeps the function from reading the table it is writing.
                return Err(ReqlError::logic(
                    "The conflict function passed to `insert` must be deterministic.",
                ));
            }
            Some(t) => match self.eval(t, env).map_err(|e| e.at(json!("conflict")))? {
                Val::Func(f) if !f.params.is_empty() && f.params.len() != 3 => {
                    return Err(ReqlError::logic(
                        "The conflict function passed to `insert` should expect 3 arguments.",
                    ));
                }
                Val::Func(f) => Err(f),
                v => Ok(self.to_datum(v)?.as_str().unwrap_or("error").to_string()),
            },
            None => Ok("error".to_string()),
        };
        if let Ok(c) = &conflict
            && !matches!(c.as_str(), "error" | "replace" | "update")
        {
            return Err(ReqlError::logic(format!(
                "Conflict option `{c}` unrecognized (options are \"error\", \"replace\" and \"update\")."
            ))
            .at(json!("conflict")));
        }
        let mut s = Summary::default();
        for d in docs {
            self.insert_one(&t, d, &conflict, rc, &mut s)?;
        }
        Ok(Val::Datum(s.into_value(rc > 0)))
    }

    /// What `update`, `replace` or `delete` does to each document.
    fn patch(&self, tt: T, args: &[Value], opts: Opts<'_>, env: &Env) -> RResult<Patch> {
        Ok(match tt {
            T::Delete => Patch::Delete,
            _ => {
                check_args(args.len(), 2)?;
                // A non-function argument is evaluated for each document, so that its
                // errors count per document as the server counts them.
                let non_atomic = self.opt_bool(opts, "non_atomic", env, false)?;
                if !non_atomic && !super::admin::deterministic(&args[1]) {
                    return Err(ReqlError::logic(
                        "Could not prove argument deterministic.  Maybe you want to use the non_atomic flag?",
                    ));
                }
                let f = self.func_or_term(args, 1, env)?;
                if tt == T::Update {
                    Patch::UpdateFn(f)
                } else {
                    Patch::ReplaceFn(f)
                }
            }
        })
    }

    /// Applies a patch to every document of a selection (a table, a single row, a stream).
    fn write_selection(&self, tt: T, a0: Val, patch: &Patch, rc: u8) -> RResult<Option<Val>> {
        if tt == T::Delete && is_jobs_target(&a0) {
            return self.delete_jobs(a0, rc).map(Some);
        }
        if is_jobs_target(&a0) {
            return self.refuse_job_changes(a0, rc).map(Some);
        }
        let mut s = Summary::default();
        match a0 {
            Val::Single(t, key, _) => {
                system_guard(&t)?;
                self.write_one(&t, &key, patch, rc, &mut s)?;
            }
            Val::Table(t) => {
                system_guard(&t)?;
                for d in t.snapshot() {
                    let key = d.get(&t.primary_key).cloned().unwrap_or(Value::Null);
                    self.write_one(&t, &key, patch, rc, &mut s)?;
                }
            }
            Val::Seq(seq) if seq.table.is_some() => {
                let Some(t) = seq.table.clone() else {
                    return Ok(None);
                };
                system_guard(&t)?;
                let rows = seq.collect()?;
                for d in rows {
                    let key = d.get(&t.primary_key).cloned().unwrap_or(Value::Null);
                    self.write_one(&t, &key, patch, rc, &mut s)?;
                }
            }
            other => {
                let name = if tt == T::Delete {
                    "delete"
                } else if tt == T::Update {
                    "update"
                } else {
                    "replace"
                };
                let _ = name;
                // A datum is printed after the colon, as the server prints it.
                let found = match other {
                    Val::Seq(s) => format!("{}:", s.type_name),
                    Val::Datum(d) => format!("DATUM:\n{}", datum::print(&d)),
                    o => format!("{}:", val_type(&o)),
                };
                return Err(
                    ReqlError::logic(format!("Expected type SELECTION but found {found}"))
                        .at(json!(0)),
                );
            }
        }
        Ok(Some(Val::Datum(s.into_value(rc > 0))))
    }

    /// Deleting rows of `rethinkdb.jobs` interrupts those queries; a missing row is skipped
    /// and an unknown job is left alone, as on the server.
    fn delete_jobs(&self, target: Val, rc: u8) -> RResult<Val> {
        let mut s = Summary::default();
        let rows = job_rows(target, &mut s)?;
        for row in rows {
            let key = row.get("id").cloned().unwrap_or(Value::Null);
            // A query that ended after the table was read is deleted all the same; the
            // deleting query itself answers with what it did.
            if self.job.as_ref() != Some(&key) {
                self.jobs.interrupt(&key);
            }
            s.deleted += 1;
            if rc > 0 {
                s.changes.push(json!({"new_val": null, "old_val": row}));
            }
        }
        Ok(Val::Datum(s.into_value(rc > 0)))
    }

    /// Updates and replaces on `rethinkdb.jobs` fail row by row with the server's message
    /// (in the write result, not as a query error); a missing row is skipped.
    fn refuse_job_changes(&self, target: Val, rc: u8) -> RResult<Val> {
        let mut s = Summary::default();
        let rows = job_rows(target, &mut s)?;
        for row in &rows {
            s.error(JOBS_DELETIONS_ONLY.to_owned(), rc, Some(row));
        }
        Ok(Val::Datum(s.into_value(rc > 0)))
    }

    fn insert_one(
        &self,
        t: &Arc<Table>,
        doc: Value,
        conflict: &Result<String, Func>,
        rc: u8,
        s: &mut Summary,
    ) -> RResult<()> {
        let Value::Object(mut obj) = doc else {
            s.error(
                format!("Expected type OBJECT but found {}.", datum::type_name(&doc)),
                rc,
                None,
            );
            return Ok(());
        };
        let pk = t.primary_key.clone();
        let key = match obj.get(&pk) {
            Some(k) => k.clone(),
            None => {
                let k = Value::String(uuid::Uuid::new_v4().to_string());
                obj.insert(pk.clone(), k.clone());
                s.generated_keys.push(k.clone());
                k
            }
        };
        if let Err(e) = check_key(&key) {
            s.error(e.message, rc, None);
            return Ok(());
        }
        // The server's key limit; counted here for string keys, the common case.
        if key.as_str().is_some_and(|k| k.len() > 127) {
            let message = format!(
                "Primary key too long (max 127 characters): {}",
                datum::print(&key)
            );
            s.error(message, rc, None);
            return Ok(());
        }
        let new = Value::Object(obj);
        if let Err(e) = datum::check_depth(&new).and_then(|_| check_storable(&new)) {
            s.error(e.message, rc, None);
            // A refused document may be nested 100,000 deep: no recursive drop.
            crate::nesting::dispose(new);
            return Ok(());
        }
        let data = write(&t.data);
        let old = data.docs.get(&Key(key.clone())).cloned();
        let result = match (&old, conflict) {
            (None, _) => Some(new.clone()),
            (Some(o), Ok(c)) if c == "error" => {
                drop(data);
                s.error(
                    format!(
                        "Duplicate primary key `{pk}`:\n{}\n{}",
                        datum::print(o),
                        datum::print(&new)
                    ),
                    rc,
                    Some(o),
                );
                return Ok(());
            }
            (Some(_), Ok(c)) if c == "replace" => Some(new.clone()),
            (Some(o), Ok(_)) => Some(merge_values((**o).clone(), new.clone())),
            (Some(o), Err(f)) => {
                let r = self.call(f, vec![key.clone(), (**o).clone(), new.clone()]);
                match r {
                    Ok(Value::Null) => None,
                    Ok(v) => Some(v),
                    Err(e) => {
                        drop(data);
                        s.error(e.message, rc, Some(o));
                        return Ok(());
                    }
                }
            }
        };
        let new_arc = result.map(Arc::new);
        if let Some(n) = &new_arc
            && !datum::eq(n.get(&pk).unwrap_or(&Value::Null), &key)
        {
            drop(data);
            s.error(
                format!("Primary key `{pk}` cannot be changed."),
                rc,
                old.as_deref(),
            );
            return Ok(());
        }
        commit_locked(t, data, &key, old, new_arc, rc, s);
        Ok(())
    }

    fn write_one(
        &self,
        t: &Arc<Table>,
        key: &Value,
        patch: &Patch,
        rc: u8,
        s: &mut Summary,
    ) -> RResult<()> {
        let pk = t.primary_key.clone();
        // Optimistic per-document atomicity: the new value is computed without the lock
        // (the function may read tables), then committed only if the document is still the
        // one it was computed from; otherwise it is computed again.
        let (data, old, old_v, raw) = loop {
            let old = t.get(key);
            let old_v = old.as_deref().cloned().unwrap_or(Value::Null);
            let raw: RResult<Value> = match patch {
                Patch::Delete => Ok(Value::Null),
                Patch::UpdateFn(f) | Patch::ReplaceFn(f) => self.call(f, vec![old_v.clone()]),
            };
            let data = write(&t.data);
            let current = data.docs.get(&Key(key.clone()));
            let same = match (current, &old) {
                (Some(c), Some(o)) => Arc::ptr_eq(c, o),
                (None, None) => true,
                _ => false,
            };
            if same {
                break (data, old, old_v, raw);
            }
        };
        let computed = patched(patch, raw, old.is_some(), &old_v, &pk);
        let new = match computed {
            Ok(n) => n,
            Err(e) => {
                drop(data);
                s.error(e.message, rc, old.as_deref());
                return Ok(());
            }
        };
        if let Some(n) = &new {
            let nk = n.get(&pk).cloned().unwrap_or(Value::Null);
            if !datum::eq(&nk, key) {
                drop(data);
                s.error(
                    format!(
                        "Primary key `{pk}` cannot be changed (`{}` -> `{}`).",
                        datum::print(&old_v),
                        datum::print(n)
                    ),
                    rc,
                    old.as_deref(),
                );
                return Ok(());
            }
        }
        commit_locked(t, data, key, old, new.map(Arc::new), rc, s);
        Ok(())
    }
}

/// Stores a document's new version (or its deletion) while the table is still locked, counts
/// it in the summary, then tells the feeds and records the change as `return_changes` asks.
fn commit_locked(
    t: &Table,
    mut data: std::sync::RwLockWriteGuard<'_, TableData>,
    key: &Value,
    old: Option<Arc<Value>>,
    new: Option<Arc<Value>>,
    rc: u8,
    s: &mut Summary,
) {
    let changed = match (&old, &new) {
        (Some(o), Some(n)) => !datum::eq(o, n),
        (None, None) => false,
        _ => true,
    };
    match (&old, &new) {
        (None, Some(_)) => s.inserted += 1,
        (Some(_), Some(_)) if changed => s.replaced += 1,
        (Some(_), Some(_)) => s.unchanged += 1,
        (Some(_), None) => s.deleted += 1,
        (None, None) => s.skipped += 1,
    }
    if changed {
        match &new {
            Some(n) => {
                data.docs.insert(Key(key.clone()), n.clone());
            }
            None => {
                data.docs.remove(&Key(key.clone()));
            }
        }
    }
    drop(data);
    if changed {
        t.notify(old.clone(), new.clone());
    }
    if rc == 2 || (rc == 1 && changed) {
        s.changes
            .push(json!({"new_val": new.as_deref().cloned(), "old_val": old.as_deref().cloned()}));
    }
}

/// The document a patch leaves in place of `old_v` (None: no document), checked to be
/// storable; `exists` says whether there was a document.
fn patched(
    patch: &Patch,
    raw: RResult<Value>,
    exists: bool,
    old_v: &Value,
    pk: &str,
) -> RResult<Option<Value>> {
    let is_update = matches!(patch, Patch::UpdateFn(_));
    let computed: RResult<Option<Value>> = match raw {
        Err(e) => Err(e),
        Ok(_) if matches!(patch, Patch::Delete) => Ok(None),
        Ok(p) if is_update => {
            if !exists {
                Ok(None)
            } else if p.is_null() {
                Ok(Some(old_v.clone()))
            } else if !p.is_object() {
                Err(ReqlError::logic(format!(
                    "Inserted value must be an OBJECT (got {}):\n{}",
                    datum::type_name(&p),
                    datum::print(&p)
                )))
            } else {
                Ok(Some(merge_values(old_v.clone(), p)))
            }
        }
        Ok(p) => {
            if p.is_null() {
                Ok(None)
            } else if !p.is_object() {
                Err(ReqlError::logic(format!(
                    "Inserted value must be an OBJECT (got {}):\n{}",
                    datum::type_name(&p),
                    datum::print(&p)
                )))
            } else if p.get(pk).is_none() {
                Err(ReqlError::logic(format!(
                    "Inserted object must have primary key `{pk}`:\n{}",
                    datum::print(&p)
                )))
            } else {
                Ok(Some(merge_values(Value::Null, p)))
            }
        }
    };
    computed.and_then(|n| match n {
        Some(v) => match datum::check_depth(&v).and_then(|_| check_storable(&v)) {
            Ok(()) => Ok(Some(v)),
            Err(e) => {
                // A refused document may be nested 100,000 deep: no recursive drop.
                crate::nesting::dispose(v);
                Err(e)
            }
        },
        None => Ok(n),
    })
}

/// Rejects values that cannot be stored (`r.minval` / `r.maxval` anywhere inside).
fn check_storable(v: &Value) -> RResult<()> {
    if super::datum::contains_bound(v) {
        return Err(ReqlError::logic(
            "`r.minval` and `r.maxval` cannot be written to disk.",
        ));
    }
    Ok(())
}

/// The server's answer to an insert, update or replace on `rethinkdb.jobs`.
const JOBS_DELETIONS_ONLY: &str =
    "The `rethinkdb.jobs` system table only allows deletions, not inserts or updates.";

/// True when a selection is (part of) `rethinkdb.jobs`.
fn is_jobs_target(v: &Val) -> bool {
    let t = match v {
        Val::Single(t, ..) | Val::Table(t) => t,
        Val::Seq(seq) => match &seq.table {
            Some(t) => t,
            None => return false,
        },
        _ => return false,
    };
    t.db == super::admin::SYSTEM_DB && t.name == "jobs"
}

fn system_guard(t: &Table) -> RResult<()> {
    if t.db == "rethinkdb" {
        return Err(ReqlError::unsupported("writes to system tables"));
    }
    Ok(())
}

/// Checks a primary key value.
pub fn check_key(k: &Value) -> RResult<()> {
    match k {
        Value::Null => Err(ReqlError::logic(
            "Primary keys must be either a number, string, bool, pseudotype or array (got type NULL):\nnull",
        )),
        Value::Object(_) if datum::pseudo_type(k).is_none() => Err(ReqlError::logic(format!(
            "Primary keys must be either a number, string, bool, pseudotype or array (got type OBJECT):\n{}",
            datum::print(k)
        ))),
        _ => Ok(()),
    }
}

/// The rows of `rethinkdb.jobs` a write selects; a missing single row counts as skipped.
fn job_rows(target: Val, s: &mut Summary) -> RResult<Vec<Value>> {
    Ok(match target {
        Val::Single(_, _, Some(doc)) => vec![(*doc).clone()],
        Val::Single(_, _, None) => {
            s.skipped += 1;
            Vec::new()
        }
        Val::Table(t) => t.snapshot().iter().map(|d| (**d).clone()).collect(),
        Val::Seq(seq) => seq.collect()?,
        _ => Vec::new(),
    })
}
