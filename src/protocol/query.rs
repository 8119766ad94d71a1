//! Query bodies: the client builders (START, CONTINUE, STOP, NOREPLY_WAIT, SERVER_INFO) and the
//! server-side parse.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::frame::{FrameError, Token, encode_frame};
use super::term_type::{QueryType, TermType};

/// Global optargs of a START query (`db`, `profile`, `noreply`, ...), values are wire terms.
pub type GlobalOptargs = Map<String, Value>;

/// The run options a RethinkDB 2.4 server reads as global optargs of a START (snake_case). The
/// server refuses a global optarg it does not know.
pub const RUN_OPTARGS: &[&str] = &[
    "array_limit",
    "binary_format",
    "changefeed_queue_size",
    "db",
    "durability",
    "first_batch_scaledown_factor",
    "group_format",
    "max_batch_bytes",
    "max_batch_rows",
    "max_batch_seconds",
    "min_batch_rows",
    "noreply",
    "profile",
    "read_mode",
    "time_format",
];

/// A query as the client sends it.
#[derive(Debug, Clone, Copy)]
pub enum Query<'a> {
    /// `[1, term, global_optargs]`; the third element is left out when empty, as the JS driver does.
    Start {
        /// The wire term, already serialized.
        term: &'a RawValue,
        /// Global optargs.
        global_optargs: &'a GlobalOptargs,
    },
    /// `[2]`
    Continue,
    /// `[3]`
    Stop,
    /// `[4]`
    NoreplyWait,
    /// `[5]`
    ServerInfo,
}

impl Query<'_> {
    /// The query type.
    pub fn query_type(&self) -> QueryType {
        match self {
            Query::Start { .. } => QueryType::Start,
            Query::Continue => QueryType::Continue,
            Query::Stop => QueryType::Stop,
            Query::NoreplyWait => QueryType::NoreplyWait,
            Query::ServerInfo => QueryType::ServerInfo,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Vec<u8> {
        match self {
            Query::Start {
                term,
                global_optargs,
            } => {
                let mut out = Vec::with_capacity(term.get().len() + 16);
                out.extend_from_slice(b"[1,");
                out.extend_from_slice(term.get().as_bytes());
                if !global_optargs.is_empty() {
                    out.push(b',');
                    // Serializing a Map of Values into a Vec cannot fail.
                    if serde_json::to_writer(&mut out, global_optargs).is_err() {
                        out.extend_from_slice(b"{}");
                    }
                }
                out.push(b']');
                out
            }
            other => format!("[{}]", other.query_type().as_i64()).into_bytes(),
        }
    }

    /// Appends the whole frame (token, length, body) to `buf`.
    pub fn encode(&self, token: Token, buf: &mut Vec<u8>) -> Result<(), FrameError> {
        encode_frame(token, &self.body(), buf)
    }
}

/// The `db` global optarg as the drivers send it: `[DB, ["name"]]` (DB being `TermType::Db`).
pub fn db_optarg(name: &str) -> Value {
    Value::Array(vec![
        Value::from(TermType::Db.as_i64()),
        Value::Array(vec![Value::from(name)]),
    ])
}

/// What a server may find wrong with a query body (answered with CLIENT_ERROR).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Not JSON at all.
    #[error("client is buggy (failed to deserialize query): {0}")]
    Json(String),
    /// JSON, but not `[type, ...]`.
    #[error("client is buggy (query is not an array starting with a query type)")]
    Shape,
    /// An unknown query type number.
    #[error("client is buggy (unknown query type {0})")]
    UnknownType(i64),
    /// START without a term.
    #[error("client is buggy (START query without a term)")]
    MissingTerm,
    /// The global optargs are not an object.
    #[error("client is buggy (global optargs are not an object)")]
    BadOptargs,
}

/// A query as the server receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerQuery {
    /// START, CONTINUE, ...
    pub query_type: QueryType,
    /// The term of a START.
    pub term: Option<Value>,
    /// The global optargs of a START (empty otherwise).
    pub global_optargs: GlobalOptargs,
}

impl ServerQuery {
    /// Parses a query body.
    pub fn parse(body: &[u8]) -> Result<ServerQuery, QueryError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| QueryError::Json(e.to_string()))?;
        let Value::Array(mut items) = value else {
            return Err(QueryError::Shape);
        };
        if items.is_empty() || items.len() > 3 {
            return Err(QueryError::Shape);
        }
        let n = items[0].as_i64().ok_or(QueryError::Shape)?;
        let query_type = QueryType::from_i64(n).ok_or(QueryError::UnknownType(n))?;
        let global_optargs = match items.len() {
            3 => match items.pop() {
                Some(Value::Object(m)) => m,
                _ => return Err(QueryError::BadOptargs),
            },
            _ => Map::new(),
        };
        let term = if items.len() == 2 { items.pop() } else { None };
        if query_type == QueryType::Start && term.is_none() {
            return Err(QueryError::MissingTerm);
        }
        Ok(ServerQuery {
            query_type,
            term,
            global_optargs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(v).unwrap()
    }

    #[test]
    fn start_omits_empty_optargs_like_the_js_driver() {
        let term = raw(&json!([TermType::DbList, []]));
        let empty = Map::new();
        let q = Query::Start {
            term: &term,
            global_optargs: &empty,
        };
        let start = QueryType::Start.as_i64();
        let db_list = TermType::DbList.as_i64();
        assert_eq!(q.body(), format!("[{start},[{db_list},[]]]").into_bytes());
        let mut opts = Map::new();
        opts.insert("db".into(), db_optarg("blog"));
        let q = Query::Start {
            term: &term,
            global_optargs: &opts,
        };
        assert_eq!(
            String::from_utf8(q.body()).unwrap(),
            format!(
                r#"[{start},[{db_list},[]],{{"db":[{},["blog"]]}}]"#,
                TermType::Db.as_i64()
            )
        );
    }

    #[test]
    fn other_queries_are_one_number() {
        assert_eq!(Query::Continue.body(), b"[2]");
        assert_eq!(Query::Stop.body(), b"[3]");
        assert_eq!(Query::NoreplyWait.body(), b"[4]");
        assert_eq!(Query::ServerInfo.body(), b"[5]");
        let mut buf = Vec::new();
        Query::Stop.encode(Token(9), &mut buf).unwrap();
        assert_eq!(buf, [9, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, b'[', b'3', b']']);
    }

    #[test]
    fn server_parses_what_the_client_builds() {
        let term = raw(&json!([TermType::Add, [1, 2]]));
        let mut opts = Map::new();
        opts.insert("profile".into(), json!(true));
        let body = Query::Start {
            term: &term,
            global_optargs: &opts,
        }
        .body();
        let q = ServerQuery::parse(&body).unwrap();
        assert_eq!(q.query_type, QueryType::Start);
        assert_eq!(q.term, Some(json!([TermType::Add, [1, 2]])));
        assert_eq!(q.global_optargs, opts);
        let q = ServerQuery::parse(b"[2]").unwrap();
        assert_eq!((q.query_type, q.term), (QueryType::Continue, None));
    }

    #[test]
    fn server_rejects_bad_queries() {
        assert!(matches!(
            ServerQuery::parse(b"nope"),
            Err(QueryError::Json(_))
        ));
        assert_eq!(ServerQuery::parse(b"{}"), Err(QueryError::Shape));
        assert_eq!(ServerQuery::parse(b"[]"), Err(QueryError::Shape));
        assert_eq!(ServerQuery::parse(b"[9]"), Err(QueryError::UnknownType(9)));
        assert_eq!(ServerQuery::parse(b"[1]"), Err(QueryError::MissingTerm));
        assert_eq!(ServerQuery::parse(b"[1,1,[]]"), Err(QueryError::BadOptargs));
    }
}
