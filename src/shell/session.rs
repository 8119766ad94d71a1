//! What every front end shares: the connection, the compiler's session, the current database,
//! the read-only guard, and starting a compiled query.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::config::Profile;
use crate::net::{self, Cursor};
use crate::reql::{self, Diagnostic, Env, Query, Statement};

/// A query refused before it was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The profile is read-only and the query writes.
    #[error(
        "refused: `{name}` writes{target}, and profile {profile} is read-only; use a profile without `read_only = true` to make changes"
    )]
    ReadOnly {
        name: &'static str,
        target: String,
        profile: String,
    },
}

/// Why a read-only profile (named `profile`) refuses `term`: `None` when the term does not
/// write (the compiler's write analysis decides).
pub fn read_only_refusal(term: &Value, profile: Option<&str>) -> Option<Refusal> {
    let w = reql::writes(term)?;
    Some(Refusal::ReadOnly {
        name: w.name,
        target: w
            .system_table
            .map(|t| format!(" to the system table `rethinkdb.{t}`"))
            .unwrap_or_default(),
        profile: profile.map_or_else(|| "(command line)".to_string(), |n| format!("`{n}`")),
    })
}

/// A query that asks y/n before it runs: why, and how to count what it may touch.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmation {
    /// What it does, e.g. "deletes every document of table `users`".
    pub what: String,
    /// The `count()` of the documents it may touch, when that is cheap to ask.
    pub count: Option<Value>,
}

impl Confirmation {
    /// Why `term` needs a y/n (see [`reql::destructive`]); `None` when it does not.
    pub fn of(term: &Value) -> Option<Confirmation> {
        Some(Confirmation {
            what: reql::destructive(term)?,
            count: reql::selection_count(term),
        })
    }

    /// The reason, with the number of documents when they were counted.
    pub fn reason(&self, documents: Option<u64>) -> String {
        with_documents(&self.what, documents)
    }
}

/// A confirmation's reason `what` with the number of documents, when they were counted.
pub fn with_documents(what: &str, documents: Option<u64>) -> String {
    match documents {
        Some(1) => format!("{what} (1 document)"),
        Some(n) => format!("{what} ({n} documents)"),
        None => what.to_owned(),
    }
}

/// How long a question waits for the count of the documents a write may touch.
pub const CONFIRM_COUNT_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs a confirmation's `count` term in database `db`; `None` when it fails or does not
/// answer within [`CONFIRM_COUNT_TIMEOUT`] (the question is then asked without a number).
pub async fn count_documents(net: &net::Link, db: &str, count: &Value) -> Option<u64> {
    let mut optargs = Map::new();
    optargs.insert("db".into(), serde_json::json!([14, [db]]));
    let counted = async {
        let mut cursor = net.run_value(count, &optargs).await.ok()?;
        let batch = cursor.next_batch().await.ok()??;
        let row = batch.rows.first()?;
        serde_json::from_str::<Value>(row.get()).ok()?.as_u64()
    };
    // Dropping the cursor on timeout sends STOP.
    tokio::time::timeout(CONFIRM_COUNT_TIMEOUT, counted)
        .await
        .ok()
        .flatten()
}

/// Why the query text needs a y/n before it runs (see [`Confirmation::of`]); `None` when it
/// does not, or does not compile (the run reports that).
pub fn needs_confirmation(text: &str) -> Option<Confirmation> {
    Confirmation::of(&reql::compile_query(text).ok()?.term())
}

/// A started query: its cursor and when it was sent.
#[derive(Debug)]
pub struct Running {
    /// The batches of the query.
    pub cursor: Cursor,
    /// When the query was sent, for timing.
    pub started: Instant,
}

/// One shell session on one profile.
#[derive(Debug)]
pub struct Session {
    conn: net::Link,
    env: Env,
    /// Default database of the queries (`.use DB`), sent as the `db` global optarg.
    pub db: String,
    /// Run options added to every query (`profile: true`, ...), snake_case keys.
    pub run_options: Map<String, Value>,
    /// The address the last query ran on, for [`Session::server_change`].
    seen: std::cell::RefCell<Option<crate::config::Address>>,
}

/// How long a notice of a server change waits for the new server's name.
const NAME_TIMEOUT: Duration = Duration::from_secs(2);

impl Session {
    /// A session that connects on first use (and reconnects after a drop).
    pub fn new(profile: Profile) -> Session {
        Session::over(net::Link::new(profile))
    }

    /// A session on `conn` (connected or not), with the profile's database and language and
    /// no bindings yet.
    pub fn over(conn: net::Link) -> Session {
        let db = conn.profile().db.clone();
        let lang = conn.profile().lang;
        Session {
            conn,
            env: Env::with_lang(lang),
            db,
            run_options: Map::new(),
            seen: std::cell::RefCell::new(None),
        }
    }

    /// Call after a query started: the notice to print when it runs on another server than
    /// the query before (the link failed over), e.g. `now on s2 (127.0.0.1:28016), was
    /// 127.0.0.1:28015`; `None` for the first query and while the server stays the same.
    pub async fn server_change(&self) -> Option<String> {
        let now = self.conn.endpoint()?;
        let before = {
            // Borrowed only in this block, never across the await below.
            let mut seen = self.seen.borrow_mut();
            if seen.as_ref() == Some(&now.address) {
                return None;
            }
            seen.replace(now.address.clone())?
        };
        // The name makes the notice plain; a server slow to say it only costs the name.
        let named = tokio::time::timeout(NAME_TIMEOUT, self.conn.identify())
            .await
            .ok()
            .and_then(Result::ok)
            .filter(|e| e.address == now.address)
            .unwrap_or(now);
        Some(format!("now on {named}, was {before}"))
    }

    /// Where the session is connected, for prompts: the server's name when known, else its
    /// `host:port`; `None` before the first connection.
    pub fn whereabouts(&self) -> Option<String> {
        let endpoint = self.conn.endpoint()?;
        Some(
            endpoint
                .server
                .unwrap_or_else(|| endpoint.address.to_string()),
        )
    }

    /// The connection.
    pub fn net(&self) -> &net::Link {
        &self.conn
    }

    /// The profile in use.
    pub fn profile(&self) -> &Profile {
        self.conn.profile()
    }

    /// The syntax statements are read in.
    pub fn lang(&self) -> reql::Lang {
        self.env.lang()
    }

    /// Reads later statements in `lang` (`.lang`).
    pub fn set_lang(&mut self, lang: reql::Lang) {
        self.env.set_lang(lang);
    }

    /// Names bound by earlier statements (for completion).
    pub fn bindings(&self) -> Vec<String> {
        self.env.names()
    }

    /// Compiles a statement (or several) with the bindings of earlier ones.
    pub fn compile(&mut self, text: &str) -> Result<Vec<Statement>, Vec<Diagnostic>> {
        reql::compile(text, &mut self.env)
    }

    /// Refuses a write on a read-only profile.
    pub fn check(&self, query: &Query) -> Result<(), Refusal> {
        if !self.profile().read_only {
            return Ok(());
        }
        match read_only_refusal(&query.term(), self.profile().name.as_deref()) {
            None => Ok(()),
            Some(refusal) => Err(refusal),
        }
    }

    /// The START message of a query in this session: the current database and run options
    /// added, options pasted with `.run(conn, {...})` winning.
    pub fn start_message(&self, query: &Query) -> Value {
        let mut extra = self.run_options.clone();
        extra.insert("db".into(), Value::String(self.db.clone()));
        query.start_message(&extra)
    }

    /// The documents a write that asks may touch, counted in the current database.
    pub async fn count_for(&self, confirmation: &Confirmation) -> Option<u64> {
        count_documents(&self.conn, &self.db, confirmation.count.as_ref()?).await
    }

    /// Checks a query and splits its START message into the term and the global optargs
    /// (the current database and run options added, options pasted with `.run(conn, {...})`
    /// winning).
    pub fn prepare(&self, query: &Query) -> Result<(Value, Map<String, Value>), Refusal> {
        self.check(query)?;
        Ok(match self.start_message(query) {
            Value::Array(mut parts) if parts.len() >= 2 => {
                let optargs = match parts.get_mut(2).map(Value::take) {
                    Some(Value::Object(o)) => o,
                    _ => Map::new(),
                };
                (parts.swap_remove(1), optargs)
            }
            _ => (query.term(), Map::new()),
        })
    }

    /// Checks and sends a query; its batches come from the cursor.
    pub async fn start(&self, query: &Query) -> Result<Running, StartError> {
        let (term, optargs) = self.prepare(query)?;
        let started = Instant::now();
        let cursor = self.conn.run_value(&term, &optargs).await?;
        Ok(Running { cursor, started })
    }
}

/// Why a query did not start.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StartError {
    /// Refused before sending.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The connection failed.
    #[error(transparent)]
    Net(#[from] net::Error),
}

/// `--query-timeout` / `query_timeout`: when a statement waiting on the server is given up.
/// Counted from the statement's start, and again from each time the user asks for more rows
/// (a result paged at the user's pace is not the server's delay).
#[derive(Debug, Clone, Copy)]
pub struct QueryDeadline {
    limit: Option<Duration>,
    at: Option<tokio::time::Instant>,
}

impl QueryDeadline {
    /// A deadline `limit` from now (none without a limit).
    pub fn start(limit: Option<Duration>) -> QueryDeadline {
        QueryDeadline {
            limit,
            at: limit.map(|d| tokio::time::Instant::now() + d),
        }
    }

    /// The same limit, counted again from now.
    pub fn restart(&mut self) {
        *self = QueryDeadline::start(self.limit);
    }

    /// Resolves when the deadline passes; never without one.
    pub async fn passed(&self) {
        match self.at {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    }

    /// What the statement's failure says.
    pub fn message(&self) -> String {
        let secs = self.limit.map_or(0.0, |d| d.as_secs_f64());
        format!(
            "the query ran longer than the query timeout ({secs}s) and was stopped; raise --query-timeout or `query_timeout` in the profile"
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn destructive_queries_are_recognised_on_the_term() {
        let d = |text: &str| needs_confirmation(text).map(|c| c.what);
        assert_eq!(
            d("r.db('demo').table('users').delete()").as_deref(),
            Some("deletes every document of table `users`")
        );
        assert!(d("r.table('users').filter({a: 1}).delete()").is_none());
        assert!(d("r.table('users').filter(r.row('a').gt(1)).delete()").is_none());
        assert!(d("r.table('users').filter(u => u('a').eq(1)).update({b: 2})").is_none());
        assert!(d("r.table('users').get(1).delete()").is_none());
        assert!(d("r.table('users').getAll(1, 2).replace({id: 1})").is_none());
        assert!(d("r.table('users').getAll(1, {index: 'x'}).limit(9).delete()").is_none());
        assert_eq!(
            d("r.db('d').tableDrop('t')").as_deref(),
            Some("drops table `t`")
        );
        assert_eq!(d("r.dbDrop('d')").as_deref(), Some("drops database `d`"));
        assert!(d("r.table('t').reconfigure({shards: 2, replicas: 1})").is_some());
        assert!(d("r.table('t').insert({a: 1})").is_none());
        assert!(d("r.table('t').count()").is_none());
        // A string that merely names a write is not one.
        assert!(d("r.expr('delete()')").is_none());
    }

    #[test]
    fn writes_to_a_selection_nothing_bounds_ask_whatever_their_spelling() {
        for text in [
            "r.table('t').filter(true).delete()",
            "r.table('t').filter({}).delete()",
            "r.table('t').filter(function(d) { return true }).delete()",
            "r.table('t').between(r.minval, r.maxval).delete()",
            "r.table('t').orderBy({index: 'id'}).delete()",
            "r.table('t').limit(100000).delete()",
            "r.table('t').update({seen: true})",
            "r.table('t').replace(r.row.without('x'))",
            "r.expr([1]).forEach(x => r.table('t').delete())",
        ] {
            let c = needs_confirmation(text);
            assert!(
                c.as_ref().is_some_and(|c| c.what.contains("table `t`")),
                "{text}: {c:?}"
            );
        }
        let c = needs_confirmation("r.table('t').limit(10).delete()").unwrap_or_else(|| {
            panic!("asks");
        });
        assert_eq!(
            c.count,
            Some(serde_json::json!([43, [[71, [[15, ["t"]], 10]]]]))
        );
        assert_eq!(
            c.reason(Some(10)),
            "deletes documents from table `t` with no get, getAll or filter to bound them \
             (10 documents)"
        );
        // Counting would run the function for every document: asked without a number.
        let c = needs_confirmation("r.table('t').filter(() => true).delete()");
        assert_eq!(c.and_then(|c| c.count), None);
    }

    use super::*;

    fn session(read_only: bool) -> Session {
        Session::new(Profile {
            name: Some("prod".into()),
            read_only,
            ..Profile::default()
        })
    }

    fn query(src: &str) -> Query {
        match reql::compile_query(src) {
            Ok(q) => q,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn read_only_refuses_writes_and_names_them() {
        let s = session(true);
        let err = s
            .check(&query("r.table('t').insert({a: 1})"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("`insert`") && err.contains("`prod`"), "{err}");
        assert!(s.check(&query("r.table('t').count()")).is_ok());
        assert!(session(false).check(&query("r.tableDrop('t')")).is_ok());
    }

    #[test]
    fn start_message_carries_the_current_db_and_pasted_options_win() {
        let mut s = session(false);
        s.db = "app".into();
        let m = s.start_message(&query("r.table('t')"));
        assert_eq!(m[2]["db"], serde_json::json!([14, ["app"]]));
        let m = s.start_message(&query("r.table('t').run(conn, {db: 'other'})"));
        assert_eq!(m[2]["db"], serde_json::json!([14, ["other"]]));
    }
}
