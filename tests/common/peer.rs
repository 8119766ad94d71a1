//! The two servers an end-to-end test can talk to: our sandbox (`rdbsh sandbox`, in its own
//! process) and the real RethinkDB 2.4.4 from `../shared/rethinkdb`, which is the judge.
//!
//! `peer_tests!` turns one test body into two tests, `NAME::sandbox` and `NAME::real_server`.
//! A clone without `../shared` still passes: the real-server half says once that it was
//! skipped, unless `RDBSH_REQUIRE_JUDGES=1` (CI), where a missing server fails.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// The environment variable the password is handed over in, to the servers and to rdbsh.
pub const PASSWORD_VAR: &str = "RDBSH_PEER_PASSWORD";
/// The admin password every peer is started with (SCRAM-SHA-256 on each connect).
pub const PASSWORD: &str = "peer-pw-4Kq!9";

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerKind {
    /// `rdbsh sandbox`, the in-memory server.
    Sandbox,
    /// RethinkDB 2.4.4.
    Real,
}

/// How to start a peer.
#[derive(Debug, Clone, Default)]
pub struct PeerOptions {
    /// Load the sandbox's `demo` database (users, orders, events, their indexes).
    pub demo: bool,
    /// Serve TLS on the driver port with this certificate and key.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Start without an admin password (the default is [`PASSWORD`]).
    pub no_password: bool,
    /// Listen on this port instead of one the system picks (a restart where clients expect it).
    pub port: Option<u16>,
}

impl PeerOptions {
    /// TLS with this certificate and key.
    pub fn tls(cert: &Path, key: &Path) -> PeerOptions {
        PeerOptions {
            tls: Some((cert.to_path_buf(), key.to_path_buf())),
            ..PeerOptions::default()
        }
    }
}

/// A running server on loopback; stopped (by pid) when dropped, also when the test panics.
pub struct Peer {
    pub kind: PeerKind,
    /// Its driver port on 127.0.0.1.
    pub port: u16,
    options: PeerOptions,
    child: Option<Child>,
    /// The real server's data directory (kept across `restart`).
    dir: Option<tempfile::TempDir>,
}

/// The real server's wrapper script: `RDBSH_RETHINKDB`, else `../shared/rethinkdb/rethinkdb`.
pub fn real_server_path() -> PathBuf {
    match std::env::var_os("RDBSH_RETHINKDB") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/rethinkdb/rethinkdb"),
    }
}

/// True when CI requires every judge (`RDBSH_REQUIRE_JUDGES=1`).
pub fn judges_required() -> bool {
    std::env::var("RDBSH_REQUIRE_JUDGES").is_ok_and(|v| v == "1")
}

/// Whether the real server can run here; says once per test binary why not, and fails
/// instead under `RDBSH_REQUIRE_JUDGES=1`.
pub fn real_server_available() -> bool {
    let path = real_server_path();
    if path.is_file() {
        return true;
    }
    assert!(
        !judges_required(),
        "the real RethinkDB server is missing at {} and RDBSH_REQUIRE_JUDGES=1 \
         (put the shared/ folder beside the repository or set RDBSH_RETHINKDB)",
        path.display()
    );
    static NOTICE: Once = Once::new();
    NOTICE.call_once(|| {
        eprintln!(
            "notice: real-server tests skipped: no RethinkDB at {} (set RDBSH_RETHINKDB)",
            path.display()
        )
    });
    false
}

impl Peer {
    /// Starts a peer with the default options (password, plain TCP).
    pub fn start(kind: PeerKind) -> Peer {
        Peer::start_with(kind, PeerOptions::default())
    }

    /// Starts a peer holding the `demo` database: the sandbox's own, loaded into the real
    /// server with rdbsh's client.
    pub fn start_demo(kind: PeerKind) -> Peer {
        Peer::start_with(
            kind,
            PeerOptions {
                demo: true,
                ..PeerOptions::default()
            },
        )
    }

    /// Starts a peer and waits until it accepts drivers.
    pub fn start_with(kind: PeerKind, options: PeerOptions) -> Peer {
        let dir = match kind {
            PeerKind::Real => Some(tempfile::tempdir().expect("a temp directory")),
            PeerKind::Sandbox => None,
        };
        let mut peer = Peer {
            kind,
            port: options.port.unwrap_or(0),
            options,
            child: None,
            dir,
        };
        peer.launch();
        if peer.options.demo && kind == PeerKind::Real {
            peer.load_demo();
        }
        peer
    }

    /// A profile for rdbsh's own client (plain TCP; set-up and checks, not the code under test).
    pub fn profile(&self) -> rdbsh::config::Profile {
        rdbsh::config::Profile {
            host: "127.0.0.1".into(),
            port: self.port,
            secret: self.password().map(rdbsh::config::Secret::new),
            timeout: Duration::from_secs(20),
            ..rdbsh::config::Profile::default()
        }
    }

    /// Runs wire terms in order on one connection; each answer's rows.
    pub fn run_terms(&self, terms: &[serde_json::Value]) -> Vec<Vec<serde_json::Value>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let (client, connection) = rdbsh::net::connect(&self.profile())
                .await
                .unwrap_or_else(|e| panic!("connect to the {}: {e}", self.name()));
            tokio::spawn(connection);
            let mut answers = Vec::new();
            for term in terms {
                let rows = crate::common::rows::rows(&client, term.clone())
                    .await
                    .unwrap_or_else(|e| panic!("{term} on the {}: {e}", self.name()));
                answers.push(rows);
            }
            answers
        })
    }

    fn load_demo(&self) {
        use serde_json::json;
        let db = json!([14, ["demo"]]);
        let mut terms = vec![json!([57, ["demo"]])];
        for t in rdbsh::sandbox::demo::tables() {
            let table = json!([15, [db, t.name]]);
            terms.push(json!([60, [db, t.name]]));
            let docs = serde_json::to_string(&t.docs).expect("documents as JSON");
            terms.push(json!([56, [table, [98, [docs]]]]));
            for (name, function, multi) in t.indexes {
                terms.push(json!([75, [table, name, function], {"multi": multi}]));
            }
            terms.push(json!([140, [table]]));
        }
        self.run_terms(&terms);
    }

    /// A short label for messages.
    pub fn name(&self) -> &'static str {
        match self.kind {
            PeerKind::Sandbox => "sandbox",
            PeerKind::Real => "real server",
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The admin password, unless started without one.
    pub fn password(&self) -> Option<&'static str> {
        (!self.options.no_password).then_some(PASSWORD)
    }

    /// rdbsh's connection flags for this peer (the password comes from [`Peer::envs`]).
    pub fn conn_args(&self) -> Vec<String> {
        let mut args = vec![
            "--host".to_string(),
            "127.0.0.1".to_string(),
            "--port".to_string(),
            self.port.to_string(),
        ];
        if self.password().is_some() {
            args.extend(["--password-env".to_string(), PASSWORD_VAR.to_string()]);
        }
        args
    }

    /// The environment rdbsh needs for [`Peer::conn_args`].
    pub fn envs(&self) -> Vec<(&'static str, &'static str)> {
        self.password()
            .map(|pw| vec![(PASSWORD_VAR, pw)])
            .unwrap_or_default()
    }

    /// Stops the server by pid (SIGKILL: the data directory is thrown away anyway).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server and starts it again on the same port (and, for the real server, the
    /// same data directory, so the data and the password are still there).
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(20);
        // The port may linger for a moment after the kill.
        while std::net::TcpListener::bind(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "port {} stays taken", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
        self.launch();
    }

    fn launch(&mut self) {
        let (child, port) = match self.kind {
            PeerKind::Sandbox => spawn_sandbox(&self.options, self.port),
            PeerKind::Real => {
                let dir = self.dir.as_ref().expect("the real server has a directory");
                spawn_real(&self.options, self.port, dir.path())
            }
        };
        self.child = Some(child);
        self.port = port;
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_sandbox(options: &PeerOptions, port: u16) -> (Child, u16) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdbsh"));
    cmd.args(["sandbox", "--listen", &format!("127.0.0.1:{port}")]);
    if !options.demo {
        cmd.arg("--no-demo");
    }
    if let Some((cert, key)) = &options.tls {
        cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
    }
    if !options.no_password {
        cmd.args(["--password-env", PASSWORD_VAR])
            .env(PASSWORD_VAR, PASSWORD);
    }
    let mut child = spawn(cmd, false);
    let stderr = child.stderr.take().expect("piped stderr");
    let port = wait_for(&mut child, stderr, |line| {
        let addr = line
            .split("listening on ")
            .nth(1)?
            .split_whitespace()
            .next()?;
        addr.rsplit(':').next()?.parse().ok()
    });
    (child, port)
}

fn spawn_real(options: &PeerOptions, port: u16, dir: &Path) -> (Child, u16) {
    let mut cmd = Command::new(real_server_path());
    cmd.arg("--directory")
        .arg(dir.join("data"))
        .args(["--bind", "127.0.0.1", "--cluster-port", "0"])
        .args(["--driver-port", &port.to_string()])
        .args([
            "--no-http-admin",
            "--no-update-check",
            "--cache-size",
            "128",
        ]);
    if let Some((cert, key)) = &options.tls {
        cmd.arg("--driver-tls-cert")
            .arg(cert)
            .arg("--driver-tls-key")
            .arg(key);
    }
    if !options.no_password {
        // Only a fresh data directory takes it; a restart keeps the password it has.
        cmd.args(["--initial-password", PASSWORD]);
    }
    let mut child = spawn(cmd, true);
    let stdout = child.stdout.take().expect("piped stdout");
    let mut port = None;
    wait_for(&mut child, stdout, |line| {
        if let Some(rest) = line.strip_prefix("Listening for client driver connections on port ") {
            port = rest.trim().parse().ok();
        }
        line.starts_with("Server ready").then_some(())
    });
    (child, port.expect("the real server names its driver port"))
}

/// Spawns a server process whose start-up lines come on stdout (`real`) or stderr.
fn spawn(mut cmd: Command, real: bool) -> Child {
    // The real server reports on stdout (and its start-up failures on stderr, merged below).
    cmd.stdin(Stdio::null());
    if real {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    } else {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    }
    die_with_parent(&mut cmd);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", cmd.get_program()));
    if real && let Some(mut stderr) = child.stderr.take() {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            if !text.trim().is_empty() {
                eprintln!("real server stderr: {text}");
            }
        });
    }
    child
}

/// A killed test process (a timeout, Ctrl-C) must not leave servers behind.
fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches only the child's own state.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// Reads start-up lines until `found` says the server is ready; keeps draining afterwards so
/// the server never blocks on a full pipe.
fn wait_for<R: Read + Send + 'static, T>(
    child: &mut Child,
    out: R,
    mut found: impl FnMut(&str) -> Option<T>,
) -> T {
    let mut lines = BufReader::new(out).lines();
    let mut seen = String::new();
    let value = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(v) = found(&line) {
                    break v;
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            other => {
                let _ = child.kill();
                panic!("the server exited before it was ready ({other:?}):\n{seen}");
            }
        }
    };
    std::thread::spawn(move || for _ in lines {});
    value
}

/// Runs each named `fn NAME(kind: PeerKind)` against both peers, as the tests
/// `NAME::sandbox` and `NAME::real_server`; `peer_tests!(async NAME)` for an `async fn`.
#[macro_export]
macro_rules! peer_tests {
    (async $($name:ident),* $(,)?) => {$(
        mod $name {
            fn run(kind: $crate::common::peer::PeerKind) {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(super::$name(kind))
            }

            #[test]
            fn sandbox() {
                run($crate::common::peer::PeerKind::Sandbox)
            }

            #[test]
            fn real_server() {
                if $crate::common::peer::real_server_available() {
                    run($crate::common::peer::PeerKind::Real)
                }
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sandbox() {
                super::$name($crate::common::peer::PeerKind::Sandbox)
            }

            #[test]
            fn real_server() {
                if $crate::common::peer::real_server_available() {
                    super::$name($crate::common::peer::PeerKind::Real)
                }
            }
        }
    )*};
}

/// One server of a [`RealCluster`].
struct Member {
    name: String,
    /// Driver port (kept across restarts).
    port: u16,
    /// Intracluster port (kept across restarts).
    cluster_port: u16,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

/// Real RethinkDB servers on loopback joined into one cluster (`s1`, `s2`, ...) with the
/// admin password [`PASSWORD`]. Each is stopped (by pid) when dropped.
///
/// The servers start without a password and it is set once all have joined: with
/// `--initial-password auto`, a server that joins while the cluster's password is still on its
/// way sometimes makes up a random one, which then replaces the cluster's (seen with 2.4.4
/// about one start in three).
pub struct RealCluster {
    members: Vec<Member>,
}

impl RealCluster {
    /// Starts `n` servers, each joining the first; `None` (with a notice, or a failure under
    /// `RDBSH_REQUIRE_JUDGES=1`) when the real server is not here.
    pub fn start(n: usize) -> Option<RealCluster> {
        if !real_server_available() {
            return None;
        }
        let mut cluster = RealCluster {
            members: Vec::new(),
        };
        for i in 1..=n {
            let mut member = Member {
                name: format!("s{i}"),
                port: 0,
                cluster_port: 0,
                child: None,
                dir: tempfile::tempdir().expect("a temp directory"),
            };
            let join = cluster.members.first().map(|m| m.cluster_port);
            launch_member(&mut member, join);
            cluster.members.push(member);
        }
        cluster.set_password(n);
        Some(cluster)
    }

    fn member(&self, name: &str) -> &Member {
        self.members
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no server {name} in the cluster"))
    }

    /// Once `n` servers see each other, sets the admin password and waits until every server
    /// accepts it.
    fn set_password(&self, n: usize) {
        let mut profile = self.profile_of("s1");
        profile.secret = None;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let servers = serde_json::json!([43, [[15, [[14, ["rethinkdb"]], "server_status"]]]]);
        let users = serde_json::json!([15, [[14, ["rethinkdb"]], "users"]]);
        let admin = serde_json::json!([53, [[16, [users, "admin"]], {"password": PASSWORD}]]);
        let run = |term: &serde_json::Value| {
            runtime.block_on(async {
                let (client, connection) = rdbsh::net::connect(&profile).await.ok()?;
                tokio::spawn(connection);
                crate::common::rows::rows(&client, term.clone()).await.ok()
            })
        };
        RealCluster::wait_until("every server joined", || {
            run(&servers).is_some_and(|rows| rows == [serde_json::json!(n)])
        });
        assert!(run(&admin).is_some(), "setting the admin password failed");
        for name in self.names() {
            self.wait_for_login(&name);
        }
    }

    /// Waits until server `name` accepts [`PASSWORD`].
    pub fn wait_for_login(&self, name: &str) {
        let profile = self.profile_of(name);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        RealCluster::wait_until(&format!("{name} accepts the password"), || {
            runtime.block_on(rdbsh::net::connect(&profile)).is_ok()
        });
    }

    /// The servers' names, in start order.
    pub fn names(&self) -> Vec<String> {
        self.members.iter().map(|m| m.name.clone()).collect()
    }

    /// The driver port of server `name`.
    pub fn port(&self, name: &str) -> u16 {
        self.member(name).port
    }

    /// `127.0.0.1:PORT` of every server, in start order.
    pub fn addrs(&self) -> Vec<String> {
        self.members
            .iter()
            .map(|m| format!("127.0.0.1:{}", m.port))
            .collect()
    }

    /// The name of the server listening on driver port `port`.
    pub fn name_of_port(&self, port: u16) -> Option<String> {
        self.members
            .iter()
            .find(|m| m.port == port)
            .map(|m| m.name.clone())
    }

    /// A profile for rdbsh's own client on server `name` (set-up and checks).
    pub fn profile_of(&self, name: &str) -> rdbsh::config::Profile {
        rdbsh::config::Profile {
            host: "127.0.0.1".into(),
            port: self.port(name),
            secret: Some(rdbsh::config::Secret::new(PASSWORD)),
            timeout: Duration::from_secs(20),
            ..rdbsh::config::Profile::default()
        }
    }

    /// Runs wire terms in order on server `name`; each answer's rows.
    pub fn run_terms_on(
        &self,
        name: &str,
        terms: &[serde_json::Value],
    ) -> Vec<Vec<serde_json::Value>> {
        let profile = self.profile_of(name);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let (client, connection) = rdbsh::net::connect(&profile)
                .await
                .unwrap_or_else(|e| panic!("connect to cluster server {name}: {e}"));
            tokio::spawn(connection);
            let mut answers = Vec::new();
            for term in terms {
                let rows = crate::common::rows::rows(&client, term.clone())
                    .await
                    .unwrap_or_else(|e| panic!("{term} on cluster server {name}: {e}"));
                answers.push(rows);
            }
            answers
        })
    }

    /// Kills server `name` (SIGKILL: a server that goes away without a goodbye).
    pub fn kill(&mut self, name: &str) {
        let member = self
            .members
            .iter_mut()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no server {name} in the cluster"));
        if let Some(mut child) = member.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts server `name` again on its ports and data directory, joining a live server.
    pub fn restart(&mut self, name: &str) {
        self.kill(name);
        let join = self
            .members
            .iter()
            .find(|m| m.name != name && m.child.is_some())
            .map(|m| m.cluster_port);
        let member = self
            .members
            .iter_mut()
            .find(|m| m.name == name)
            .expect("the member was found above");
        let deadline = Instant::now() + Duration::from_secs(20);
        // The ports may linger for a moment after the kill.
        for port in [member.port, member.cluster_port] {
            while std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                assert!(Instant::now() < deadline, "port {port} stays taken");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        launch_member(member, join);
    }

    /// Polls `check` (every 200 ms, up to 60 s) until it holds; panics with `what` if never.
    pub fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !check() {
            assert!(Instant::now() < deadline, "gave up waiting until {what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for RealCluster {
    fn drop(&mut self) {
        for member in &mut self.members {
            if let Some(mut child) = member.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// Starts (or restarts) one cluster member and waits for `Server ready`; learns its ports.
fn launch_member(member: &mut Member, join: Option<u16>) {
    let mut cmd = Command::new(real_server_path());
    cmd.arg("--directory")
        .arg(member.dir.path().join("data"))
        .args(["--bind", "127.0.0.1", "--server-name", &member.name])
        .args(["--driver-port", &member.port.to_string()])
        .args(["--cluster-port", &member.cluster_port.to_string()])
        .args(["--no-http-admin", "--no-update-check", "--cache-size", "64"]);
    if let Some(port) = join {
        cmd.args(["--join", &format!("127.0.0.1:{port}")]);
    }
    let mut child = spawn(cmd, true);
    let stdout = child.stdout.take().expect("piped stdout");
    let (mut driver, mut cluster) = (None, None);
    wait_for(&mut child, stdout, |line| {
        if let Some(rest) = line.strip_prefix("Listening for client driver connections on port ") {
            driver = rest.trim().parse().ok();
        }
        if let Some(rest) = line.strip_prefix("Listening for intracluster connections on port ") {
            cluster = rest.trim().parse().ok();
        }
        line.starts_with("Server ready").then_some(())
    });
    member.port = driver.expect("the real server names its driver port");
    member.cluster_port = cluster.expect("the real server names its cluster port");
    member.child = Some(child);
}
