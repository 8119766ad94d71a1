//! The sandbox's network side: listener, optional TLS, both handshakes, and the query loop.
//!
//! Each connection authenticates (V1_0 SCRAM-SHA-256 as `admin`, or a V0_4 auth key checked
//! against the admin password), then reads frames. Every START runs in a task of its own and
//! evaluates on the blocking pool, so queries on one connection run concurrently and answer
//! out of order. Streams are paged batch by batch on CONTINUE; feeds stay open until STOP.

pub mod reply;

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::config::{HandshakeVersion, Profile, Secret};
use crate::protocol::scram::random_nonce;
use crate::protocol::{
    Credential, FrameDecoder, FrameError, MAX_FRAME_LEN, QueryError, QueryType, ServerHandshake,
    ServerQuery,
};
use crate::sandbox::job::{Interrupt, JobHandle};
use crate::sandbox::{Feed, Outcome, ReqlError, Sandbox, datum};
use reply::{BatchLimits, Pager};

/// What the sandbox reports as `server_version` in the V1_0 handshake.
pub const SERVER_VERSION: &str = concat!("rdbsh-sandbox ", env!("CARGO_PKG_VERSION"));

/// The default listening address: loopback only.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 28015);

/// How a sandbox server listens and whom it lets in.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Address to bind (127.0.0.1:28015 by default; port 0 picks a free one).
    pub listen: SocketAddr,
    /// Serve TLS with this configuration (see [`crate::net::tls::server_config`]).
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The `admin` password (also the V0_4 auth key); `None` is the empty password.
    pub password: Option<Secret>,
    /// Seed the `demo` database (used by [`spawn`]).
    pub demo: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            listen: DEFAULT_LISTEN,
            tls: None,
            password: None,
            demo: true,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {}", bind_hint(source))]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// The system random source failed (needed for salts, nonces and passwords).
    #[error("the system random number generator failed; check /dev/urandom")]
    Random,
}

fn bind_hint(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::AddrInUse => {
            "the address is already in use: stop the other server or choose another address with --listen".into()
        }
        std::io::ErrorKind::PermissionDenied => {
            "permission denied: ports below 1024 need privileges, choose another port with --listen".into()
        }
        std::io::ErrorKind::AddrNotAvailable => {
            "no local interface has this address: use 127.0.0.1 or an address of this machine".into()
        }
        _ => err.to_string(),
    }
}

/// A running server; dropping it (or [`ServerHandle::shutdown`]) stops it and its connections.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address the server listens on (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection and waits until the server task has ended.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server ends on its own (it only does on shutdown).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds `options.listen` and serves a new sandbox (with the demo data when `options.demo`).
pub async fn spawn(options: ServerOptions) -> Result<(SocketAddr, ServerHandle), ServerError> {
    let sandbox = if options.demo {
        Sandbox::with_demo()
    } else {
        Sandbox::new()
    };
    spawn_with(sandbox, options).await
}

/// Binds `options.listen` and serves the given sandbox (tests seed or inspect it).
pub async fn spawn_with(
    sandbox: Sandbox,
    options: ServerOptions,
) -> Result<(SocketAddr, ServerHandle), ServerError> {
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: options.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: options.listen,
        source,
    })?;
    let shared = Shared::new(sandbox, &options)?;
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(async move {
        tokio::select! {
            () = accept_loop(shared, listener) => {}
            _ = stopped => {}
        }
    });
    Ok((
        addr,
        ServerHandle {
            addr,
            stop: Some(stop),
            task: Some(task),
        },
    ))
}

/// Serves `sandbox` on an already bound listener until the future is dropped.
pub async fn serve(
    sandbox: Sandbox,
    listener: TcpListener,
    options: ServerOptions,
) -> Result<(), ServerError> {
    let shared = Shared::new(sandbox, &options)?;
    accept_loop(shared, listener).await;
    Ok(())
}

/// Starts an in-process sandbox for `--sandbox`: 127.0.0.1 on a free port, the demo data,
/// a random admin password. Returns the profile to connect with and the server's handle
/// (keep it alive as long as the sandbox is needed).
pub async fn start_in_process() -> Result<(Profile, ServerHandle), ServerError> {
    let password = Secret::new(random_nonce().map_err(|_| ServerError::Random)?);
    let options = ServerOptions {
        listen: SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        tls: None,
        password: Some(password.clone()),
        demo: true,
    };
    let (addr, handle) = spawn(options).await?;
    let profile = Profile {
        name: Some("sandbox".into()),
        host: addr.ip().to_string(),
        port: addr.port(),
        db: "demo".into(),
        user: "admin".into(),
        secret: Some(password),
        handshake: HandshakeVersion::V1_0,
        tls: None,
        timeout: crate::config::DEFAULT_TIMEOUT,
        query_timeout: None,
        read_only: false,
        lang: crate::reql::Lang::Js,
        queries: None,
        ..Profile::default()
    };
    Ok((profile, handle))
}

/// What every connection of one server shares.
struct Shared {
    sandbox: Sandbox,
    admin: Credential,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Shared {
    fn new(sandbox: Sandbox, options: &ServerOptions) -> Result<Arc<Shared>, ServerError> {
        let password = options.password.as_ref().map(Secret::expose).unwrap_or("");
        let admin = Credential::generate(password).map_err(|_| ServerError::Random)?;
        Ok(Arc::new(Shared {
            sandbox,
            admin,
            tls: options.tls.clone().map(tokio_rustls::TlsAcceptor::from),
        }))
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    if let Ok(addr) = listener.local_addr() {
        shared.sandbox.store().set_reql_addr(addr);
    }
    // Connections live in this set: when the loop is dropped, they are all aborted.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(handle_connection(shared.clone(), stream, peer));
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn handle_connection(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    match &shared.tls {
        Some(acceptor) => {
            // A failed TLS handshake (plain client, wrong CA on the other side) just closes.
            if let Ok(tls) = acceptor.clone().accept(stream).await {
                session(shared, tls, peer).await;
            }
        }
        None => session(shared, stream, peer).await,
    }
}

/// The handshake, then the query loop, on one stream.
async fn session<S: AsyncRead + AsyncWrite + Send + 'static>(
    shared: Arc<Shared>,
    stream: S,
    peer: SocketAddr,
) {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let Some(leftover) = handshake(&shared, &mut reader, &mut writer).await else {
        let _ = writer.shutdown().await;
        return;
    };
    let (out, frames) = mpsc::unbounded_channel();
    let writing = tokio::spawn(write_loop(writer, frames));
    let conn = Arc::new(Conn {
        shared,
        peer,
        out,
        queries: Mutex::new(HashMap::new()),
        running: Mutex::new(HashMap::new()),
        last_noreply: Mutex::new(None),
        next_id: AtomicU64::new(0),
    });
    let mut tasks = JoinSet::new();
    read_loop(&conn, &mut reader, leftover, &mut tasks).await;
    // Abort the running queries, then let the writer flush what was already answered.
    tasks.shutdown().await;
    drop(conn);
    let _ = writing.await;
}

/// Runs the server side of the handshake; `None` when it failed (the answer was written).
async fn handshake<R, W>(shared: &Shared, reader: &mut R, writer: &mut W) -> Option<Vec<u8>>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let nonce = random_nonce().ok()?;
    let mut hs = ServerHandshake::new(SERVER_VERSION, &nonce);
    let users = |user: &str| (user == "admin").then(|| shared.admin.clone());
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = reader.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        match hs.receive(&buf[..n], &users) {
            Ok(progress) => {
                if !progress.send.is_empty() {
                    writer.write_all(&progress.send).await.ok()?;
                    writer.flush().await.ok()?;
                }
                if progress.done.is_some() {
                    return Some(hs.leftover().to_vec());
                }
            }
            Err(err) => {
                let _ = writer.write_all(&hs.failure_message(&err)).await;
                let _ = writer.flush().await;
                return None;
            }
        }
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut frames: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    while let Some(frame) = frames.recv().await {
        if writer.write_all(&frame).await.is_err() {
            return;
        }
        // Coalesce whatever else is ready into the same flush.
        while let Ok(frame) = frames.try_recv() {
            if writer.write_all(&frame).await.is_err() {
                return;
            }
        }
        if writer.flush().await.is_err() {
            return;
        }
    }
    let _ = writer.shutdown().await;
}

/// What a CONTINUE or STOP asks of a running query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Continue,
    Stop,
}

/// An open query of a connection: where its CONTINUE and STOP go.
struct Open {
    commands: mpsc::UnboundedSender<Command>,
    /// Told of a STOP too, so that one arriving before the first answer stops the evaluation.
    stop: Arc<Notify>,
}

/// One authenticated connection.
struct Conn {
    shared: Arc<Shared>,
    /// The client's address, shown in `rethinkdb.jobs`.
    peer: SocketAddr,
    /// Finished frames, written in order by the writer task.
    out: mpsc::UnboundedSender<Vec<u8>>,
    /// Open queries by token: where their CONTINUE and STOP go.
    queries: Mutex<HashMap<u64, Open>>,
    /// STARTs still being evaluated, for NOREPLY_WAIT.
    running: Mutex<HashMap<u64, watch::Receiver<bool>>>,
    /// When the last noreply START finished: noreply writes apply in the order they were sent.
    last_noreply: Mutex<Option<watch::Receiver<bool>>>,
    next_id: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned map is still consistent (every critical section is a single insert/remove).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Conn {
    fn send(&self, frame: Vec<u8>) {
        // The writer is gone only when the connection is closing: nothing left to tell.
        let _ = self.out.send(frame);
    }

    fn send_with(&self, build: impl FnOnce(&mut Vec<u8>)) {
        let mut buf = Vec::new();
        build(&mut buf);
        self.send(buf);
    }

    /// Ends a query: forgets its token and its job first, so the client may reuse the token
    /// and no longer sees the job once it has the answer.
    /// Ends a query with an error response.
    fn fail(&self, token: u64, job: &JobHandle, e: &ReqlError, commands: &mut Commands) {
        let mut b = Vec::new();
        reply::reql_error(&mut b, token, e);
        self.finish(token, job, b, commands);
    }

    fn finish(&self, token: u64, job: &JobHandle, frame: Vec<u8>, commands: &mut Commands) {
        job.finish();
        lock(&self.queries).remove(&token);
        self.send(frame);
        // Commands that arrived while it finished: a STOP is answered like the server does.
        while let Ok(cmd) = commands.try_recv() {
            match cmd {
                Command::Stop => {
                    self.send_with(|b| reply::empty(b, token, reply::SUCCESS_SEQUENCE))
                }
                Command::Continue => self.send_with(|b| {
                    reply::client_error(b, token, &format!("Token {token} not in stream cache."))
                }),
            }
        }
    }
}

async fn read_loop<R: AsyncRead + Unpin>(
    conn: &Arc<Conn>,
    reader: &mut R,
    leftover: Vec<u8>,
    tasks: &mut JoinSet<()>,
) {
    let mut decoder = FrameDecoder::new();
    decoder.extend(&leftover);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        loop {
            match decoder.next_frame() {
                Ok(Some((token, body))) => dispatch(conn, token.0, &body, tasks),
                Ok(None) => break,
                Err(FrameError::TooLarge { len, .. }) => {
                    // The server answers with the limit and hangs up: the stream cannot be resynced.
                    conn.send_with(|b| {
                        reply::client_error(
                            b,
                            0,
                            &format!("Query size ({len}) greater than maximum ({MAX_FRAME_LEN})."),
                        )
                    });
                    return;
                }
                Err(FrameError::Truncated { .. }) => return,
            }
        }
        // Reap finished query tasks so the set does not grow on a long connection.
        while tasks.try_join_next().is_some() {}
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => decoder.extend(&buf[..n]),
        }
    }
}

fn query_error_message(err: &QueryError) -> String {
    match err {
        QueryError::Json(_) => "Client is buggy (failed to deserialize query).".into(),
        other => format!("Server could not parse query: {other}"),
    }
}

fn dispatch(conn: &Arc<Conn>, token: u64, body: &[u8], tasks: &mut JoinSet<()>) {
    let query = match ServerQuery::parse(body) {
        Ok(q) => q,
        Err(e) => {
            conn.send_with(|b| reply::client_error(b, token, &query_error_message(&e)));
            return;
        }
    };
    let duplicate = |b: &mut Vec<u8>| {
        reply::client_error(b, token, &format!("ERROR: duplicate token {token}"));
    };
    match query.query_type {
        QueryType::Start => {
            let mut queries = lock(&conn.queries);
            if queries.contains_key(&token) {
                drop(queries);
                conn.send_with(duplicate);
                return;
            }
            let (tx, rx) = mpsc::unbounded_channel();
            let stop = Arc::new(Notify::new());
            queries.insert(
                token,
                Open {
                    commands: tx,
                    stop: stop.clone(),
                },
            );
            drop(queries);
            // Registered before the task starts, so a NOREPLY_WAIT right behind it waits for it.
            let id = conn.next_id.fetch_add(1, Ordering::Relaxed);
            let (done, done_rx) = watch::channel(false);
            let after = if is_true(&query.global_optargs, "noreply") {
                lock(&conn.last_noreply).replace(done_rx.clone())
            } else {
                None
            };
            lock(&conn.running).insert(id, done_rx);
            // Listed in `rethinkdb.jobs` from now until its last answer.
            let job = conn.shared.sandbox.jobs().register(
                conn.peer,
                query.term.as_ref().unwrap_or(&Value::Null),
                "admin",
            );
            let start = Start {
                token,
                id,
                done,
                after,
                job,
                stop,
            };
            tasks.spawn(run_query(conn.clone(), start, query, rx));
        }
        QueryType::Continue | QueryType::Stop => {
            let cmd = if query.query_type == QueryType::Stop {
                Command::Stop
            } else {
                Command::Continue
            };
            let sent = lock(&conn.queries).get(&token).is_some_and(|q| {
                if cmd == Command::Stop {
                    q.stop.notify_one();
                }
                q.commands.send(cmd).is_ok()
            });
            if !sent {
                conn.send_with(|b| {
                    reply::client_error(b, token, &format!("Token {token} not in stream cache."))
                });
            }
        }
        QueryType::NoreplyWait => {
            if lock(&conn.queries).contains_key(&token) {
                conn.send_with(duplicate);
                return;
            }
            let waits: Vec<watch::Receiver<bool>> = lock(&conn.running).values().cloned().collect();
            let conn = conn.clone();
            tasks.spawn(async move {
                for mut w in waits {
                    // An error means the query's task is gone: nothing left to wait for.
                    let _ = w.wait_for(|done| *done).await;
                }
                conn.send_with(|b| reply::empty(b, token, reply::WAIT_COMPLETE));
            });
        }
        QueryType::ServerInfo => {
            let info = conn.shared.sandbox.server_info();
            conn.send_with(|b| reply::server_info(b, token, &info));
        }
    }
}

fn is_true(optargs: &serde_json::Map<String, Value>, key: &str) -> bool {
    optargs.get(key).is_some_and(datum::truthy)
}

/// Bookkeeping of one START.
struct Start {
    token: u64,
    /// Key in `Conn::running`.
    id: u64,
    /// Set once evaluated (NOREPLY_WAIT and the next noreply query wait for it).
    done: watch::Sender<bool>,
    /// For a noreply query: the previous noreply query, to be finished first.
    after: Option<watch::Receiver<bool>>,
    /// Its row in `rethinkdb.jobs`; deleting the row interrupts the query.
    job: JobHandle,
    /// Notified of a STOP for its token.
    stop: Arc<Notify>,
}

async fn run_query(conn: Arc<Conn>, start: Start, query: ServerQuery, mut commands: Commands) {
    let Start {
        token,
        id,
        done,
        after,
        mut job,
        stop,
    } = start;
    if let Some(mut previous) = after {
        // An error means that query's task is gone: nothing left to wait for.
        let _ = previous.wait_for(|d| *d).await;
    }
    let noreply = is_true(&query.global_optargs, "noreply");
    let limits = BatchLimits::from_optargs(&query.global_optargs);
    let sandbox = conn.shared.sandbox.clone();
    let ServerQuery {
        term,
        global_optargs,
        ..
    } = query;
    let term = term.unwrap_or(Value::Null);
    let key = Some(job.key());
    // The evaluation runs on a blocking thread; it stops when this task ends or is dropped
    // (its connection closed), when the job is deleted, or on a STOP before the answer.
    let interrupt = Interrupt::default();
    let _stop_when_gone = interrupt.on_drop();
    let for_eval = interrupt.clone();
    let mut evaluation = tokio::task::spawn_blocking(move || {
        sandbox.start_job(key, for_eval, &term, &global_optargs)
    });
    // A job deleted while it is evaluated is answered at once; leaving this task sets the
    // interrupt, which stops the evaluation.
    let mut stopped = false;
    let evaluated = loop {
        tokio::select! {
            biased;
            e = &mut evaluation => break Some(e),
            () = job.interrupted() => break None,
            () = stop.notified(), if !stopped => {
                stopped = true;
                interrupt.set();
            }
        }
    };
    lock(&conn.running).remove(&id);
    done.send_replace(true);
    if noreply {
        // The server never answers a noreply query, not even with its error.
        job.finish();
        lock(&conn.queries).remove(&token);
        return;
    }
    let Some(evaluated) = evaluated else {
        return interrupted(&conn, token, &job, &mut commands);
    };
    if stopped {
        // Stopped before its first answer: whatever the evaluation made of it, the server
        // answers the START with an empty SUCCESS_SEQUENCE (as a stopped stream), then the
        // STOP waiting in `commands` with another.
        let mut b = Vec::new();
        reply::empty(&mut b, token, reply::SUCCESS_SEQUENCE);
        return conn.finish(token, &job, b, &mut commands);
    }
    let response = match evaluated {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            conn.fail(token, &job, &e, &mut commands);
            return;
        }
        Err(_) => {
            let e = internal_error("evaluating this query");
            conn.fail(token, &job, &e, &mut commands);
            return;
        }
    };
    let profile = response.profile;
    match response.outcome {
        Outcome::Atom(v) => {
            let mut b = Vec::new();
            reply::atom(&mut b, token, &v, profile.as_ref());
            // Documents nest deeper than `Value`'s recursive drop can go on a worker's stack.
            crate::nesting::dispose(v);
            conn.finish(token, &job, b, &mut commands);
        }
        Outcome::Sequence(stream) => {
            let query = Served {
                token,
                job,
                limits,
                commands,
            };
            serve_stream(&conn, query, Pager::new(stream), profile).await;
        }
        Outcome::Feed(feed) => {
            let query = Served {
                token,
                job,
                limits,
                commands,
            };
            serve_feed(&conn, query, *feed, profile).await
        }
    }
}

/// The error for an evaluation thread that failed (a bug of the sandbox) while `doing`.
fn internal_error(doing: &str) -> ReqlError {
    ReqlError::runtime(
        crate::sandbox::ErrorType::Internal,
        format!("the sandbox failed while {doing}; please report it with the query"),
    )
}

/// Answers a query whose job was deleted with the server's error, and ends it.
fn interrupted(conn: &Conn, token: u64, job: &JobHandle, commands: &mut Commands) {
    conn.fail(token, job, &crate::sandbox::job::terminated(), commands);
}

/// Answers a deleted job's stream or feed: the error goes in answer to a CONTINUE (the
/// server only ever answers a request), so with none waiting (`owed` is 0) it waits for the
/// next; a STOP then ends the query quietly, as on the server.
async fn interrupted_when_asked(
    conn: &Conn,
    token: u64,
    job: &JobHandle,
    commands: &mut Commands,
    owed: usize,
) {
    if owed == 0 {
        match commands.recv().await {
            Some(Command::Continue) => {}
            Some(Command::Stop) => {
                let mut b = Vec::new();
                reply::empty(&mut b, token, reply::SUCCESS_SEQUENCE);
                return conn.finish(token, job, b, commands);
            }
            None => return,
        }
    }
    interrupted(conn, token, job, commands);
}

/// A query that answers batch by batch.
/// What a running query hears from its connection (CONTINUE, STOP).
type Commands = mpsc::UnboundedReceiver<Command>;

struct Served {
    token: u64,
    job: JobHandle,
    limits: BatchLimits,
    commands: Commands,
}

impl Served {
    /// (token, job, batch limits, commands from the connection).
    fn into_parts(self) -> (u64, JobHandle, BatchLimits, Commands) {
        (self.token, self.job, self.limits, self.commands)
    }
}

async fn serve_stream(
    conn: &Arc<Conn>,
    query: Served,
    mut pager: Pager,
    mut profile: Option<Value>,
) {
    let (token, mut job, limits, mut commands) = query.into_parts();
    loop {
        // Pulling rows runs the evaluator: keep it off the async threads.
        let p = profile.take();
        let built = tokio::task::spawn_blocking(move || {
            let mut buf = Vec::new();
            let r = pager.next_frame(&mut buf, token, &limits, p.as_ref());
            (pager, buf, r)
        })
        .await;
        let (back, buf, result) = match built {
            Ok(b) => b,
            Err(_) => {
                let e = internal_error("reading this stream");
                conn.fail(token, &job, &e, &mut commands);
                return;
            }
        };
        pager = back;
        if job.is_interrupted() {
            return interrupted(conn, token, &job, &mut commands);
        }
        match result {
            Err(e) => {
                conn.fail(token, &job, &e, &mut commands);
                return;
            }
            Ok(true) => {
                conn.finish(token, &job, buf, &mut commands);
                return;
            }
            Ok(false) => conn.send(buf),
        }
        let cmd = tokio::select! {
            cmd = commands.recv() => cmd,
            () = job.interrupted() => {
                return interrupted_when_asked(conn, token, &job, &mut commands, 0).await;
            }
        };
        match cmd {
            Some(Command::Continue) => {}
            Some(Command::Stop) => {
                let mut b = Vec::new();
                reply::empty(&mut b, token, reply::SUCCESS_SEQUENCE);
                conn.finish(token, &job, b, &mut commands);
                return;
            }
            None => return,
        }
    }
}

/// Polls a future once: its output if it is ready now, without waiting.
async fn now_or_never<F: Future>(fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    std::future::poll_fn(|cx| {
        Poll::Ready(match fut.as_mut().poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    })
    .await
}

async fn serve_feed(conn: &Arc<Conn>, query: Served, mut feed: Feed, profile: Option<Value>) {
    let (token, mut job, limits, mut commands) = query.into_parts();
    let notes: Vec<u64> = feed.notes.clone();
    let mut rows: VecDeque<Value> = feed.ready_rows().into();
    // The first batch goes out at once, with whatever is ready (possibly nothing).
    conn.send_with(|b| {
        reply::feed_batch(b, token, &mut rows, &limits, true, &notes, profile.as_ref())
    });
    // CONTINUEs not answered yet: each gets a batch as soon as there are rows.
    let mut owed = 0usize;
    let mut failed: Option<ReqlError> = None;
    loop {
        if owed > 0 && !rows.is_empty() {
            owed -= 1;
            conn.send_with(|b| {
                reply::feed_batch(b, token, &mut rows, &limits, false, &notes, None)
            });
            continue;
        }
        if owed > 0
            && let Some(e) = failed.take()
        {
            conn.fail(token, &job, &e, &mut commands);
            return;
        }
        tokio::select! {
            () = job.interrupted() => {
                return interrupted_when_asked(conn, token, &job, &mut commands, owed).await;
            }
            cmd = commands.recv() => match cmd {
                Some(Command::Continue) => owed += 1,
                Some(Command::Stop) => {
                    // Each waiting CONTINUE ends with an empty sequence, then the STOP itself.
                    for _ in 0..owed {
                        conn.send_with(|b| reply::empty(b, token, reply::SUCCESS_SEQUENCE));
                    }
                    let mut b = Vec::new();
                    reply::empty(&mut b, token, reply::SUCCESS_SEQUENCE);
                    conn.finish(token, &job, b, &mut commands);
                    return;
                }
                None => return,
            },
            row = feed.next(), if owed > 0 && failed.is_none() => {
                match row {
                    Ok(v) => rows.push_back(v),
                    Err(e) => failed = Some(e),
                }
                // Take whatever else is already there into the same batch.
                while failed.is_none() && rows.len() < limits.max_rows {
                    match now_or_never(feed.next()).await {
                        Some(Ok(v)) => rows.push_back(v),
                        Some(Err(e)) => failed = Some(e),
                        None => break,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_errors_say_what_to_do() {
        let e = ServerError::Bind {
            addr: DEFAULT_LISTEN,
            source: std::io::ErrorKind::AddrInUse.into(),
        };
        assert_eq!(
            e.to_string(),
            "cannot listen on 127.0.0.1:28015: the address is already in use: stop the other server or choose another address with --listen"
        );
    }

    #[test]
    fn default_listens_on_loopback() {
        assert!(ServerOptions::default().listen.ip().is_loopback());
        assert!(SERVER_VERSION.starts_with("rdbsh-sandbox "));
    }
}
