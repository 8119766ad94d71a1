//! rdbsh entry point: command line → config → mode → exit code. Only wiring lives here.

use std::io::{IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use rdbsh::batch;
use rdbsh::cli::{
    Cli, CompileArgs, ConnArgs, Exit, Failure, Mode, OutArgs, SandboxArgs, TransferCommand,
};
use rdbsh::config::{Config, Profile, Secret};
use rdbsh::render::{Styles, Theme};
use rdbsh::sandbox::server::{self, ServerOptions};
use rdbsh::shell::Session;
use rdbsh::shell::report::{self, Source};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout with exit 0; usage errors to stderr with exit 2.
            let _ = err.print();
            return if err.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(failure) => {
            eprintln!("rdbsh: {failure}");
            failure.exit.into()
        }
    }
}

fn run(cli: Cli) -> Result<Exit, Failure> {
    let config_path = cli.config_path();
    let config_path = config_path.as_deref();
    match cli.mode()? {
        Mode::Profiles => {
            let config = load_config(config_path)?;
            print!("{}", config.listing());
            Ok(Exit::Ok)
        }
        Mode::Compile(args) => run_compile(args),
        Mode::Completions(shell) => {
            use clap::CommandFactory;
            let mut command = Cli::command();
            // Into memory first: the generator panics on a failed write (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "rdbsh", &mut script);
            match std::io::stdout().write_all(&script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::new(
                    Exit::QueryFailed,
                    format!("cannot write the completion script: {e}"),
                )),
                _ => Ok(Exit::Ok),
            }
        }
        Mode::Status { conn, format } => run_status(line_target(config_path, &conn)?, format),
        Mode::Sandbox(args) => run_sandbox(args),
        Mode::Ping { conn } => run_ping(line_target(config_path, &conn)?),
        Mode::Transfer { conn, command } => {
            run_transfer(line_target(config_path, &conn)?, *command)
        }
        Mode::Repl { conn, out } => run_repl(config_path, &conn, out),
        Mode::Eval { conn, out, queries } => run_batch(
            line_target(config_path, &conn)?,
            out,
            BatchInput::Queries(queries),
        ),
        Mode::Run {
            conn,
            out,
            name,
            args,
        } => run_batch(
            line_target(config_path, &conn)?,
            out,
            BatchInput::Named(name, args),
        ),
        Mode::File { conn, out, path } => run_batch(
            line_target(config_path, &conn)?,
            out,
            BatchInput::File(path),
        ),
        Mode::Default { conn, out } => {
            let terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
            // A terminal that cannot host the TUI gets the line REPL.
            if terminal && std::env::var_os("TERM").is_some_and(|t| t == "dumb") {
                return run_repl(config_path, &conn, out);
            }
            let target = target(config_path, &conn)?;
            if terminal {
                run_tui(target, config_path)
            } else {
                warn_if_unverified(&target);
                run_batch(target, out, BatchInput::File(PathBuf::from("-")))
            }
        }
    }
}

/// What a front end connects to.
enum Target {
    /// `--sandbox`: an in-process sandbox server, with the `--db` and `--query-timeout` to
    /// use if given.
    Sandbox(
        Option<String>,
        Option<std::time::Duration>,
        Option<rdbsh::reql::Lang>,
    ),
    /// A server, from the resolved profile.
    Server(Box<Profile>),
}

/// Where batch queries come from.
enum BatchInput {
    Queries(Vec<String>),
    /// A query file; `-` is stdin.
    File(PathBuf),
    /// `rdbsh run NAME --arg k=v`: resolved once the profile (its `queries` file) is known.
    Named(String, Vec<String>),
}

/// The profile a front end connects with; for `--sandbox`, an in-process sandbox is started
/// first and stays up as long as the returned handle lives. Call inside the tokio runtime.
async fn open_target(target: Target) -> Result<(Profile, Option<server::ServerHandle>), Failure> {
    match target {
        Target::Sandbox(db, query_timeout, lang) => {
            let (mut profile, handle) = server::start_in_process()
                .await
                .map_err(|e| Failure::new(Exit::Connection, format!("--sandbox: {e}")))?;
            if let Some(db) = db {
                profile.db = db;
            }
            profile.query_timeout = query_timeout;
            if let Some(lang) = lang {
                profile.lang = lang;
            }
            Ok((profile, Some(handle)))
        }
        Target::Server(profile) => {
            // A CA or key file that cannot be read is configuration (exit 2), found before any
            // connection is tried.
            if let Some(settings) = &profile.tls {
                rdbsh::net::tls::client_config(settings).map_err(Failure::usage)?;
            }
            Ok((*profile, None))
        }
    }
}

/// Says on stderr that the server will not be authenticated (`verify = "none"`), as the
/// README promises for every connect of the line front ends; the TUI shows it in its status bar.
fn warn_if_unverified(target: &Target) {
    if let Target::Server(profile) = target {
        warn_if_profile_unverified(profile);
    }
}

fn warn_if_profile_unverified(profile: &Profile) {
    if profile
        .tls
        .as_ref()
        .is_some_and(|t| t.verify == rdbsh::config::Verify::None)
    {
        eprintln!(
            "rdbsh: {}",
            rdbsh::net::tls::insecure_warning(&profile.address_list())
        );
    }
}

fn load_config(path: Option<&Path>) -> Result<Config, Failure> {
    let config = Config::load(path)?;
    for warning in &config.warnings {
        eprintln!("rdbsh: warning: {warning}");
    }
    Ok(config)
}

/// [`target`] for the line front ends (ping, batch, REPL), which say on stderr when the
/// server will not be authenticated; the TUI says it in its status bar instead.
fn line_target(config_path: Option<&Path>, conn: &ConnArgs) -> Result<Target, Failure> {
    let target = target(config_path, conn)?;
    warn_if_unverified(&target);
    Ok(target)
}

fn target(config_path: Option<&Path>, conn: &ConnArgs) -> Result<Target, Failure> {
    if conn.sandbox {
        let ignored = conn.ignored_by_sandbox();
        if !ignored.is_empty() {
            eprintln!(
                "rdbsh: warning: --sandbox starts its own server and ignores {}",
                ignored.join(", ")
            );
        }
        return Ok(Target::Sandbox(
            conn.db.clone(),
            conn.query_timeout,
            conn.lang.map(Into::into),
        ));
    }
    let overrides = conn.overrides()?;
    let config = load_config(config_path)?;
    for warning in overrides.warnings() {
        eprintln!("rdbsh: warning: {warning}");
    }
    let profile = config.resolve(conn.profile_name(), &overrides)?;
    Ok(Target::Server(Box::new(profile)))
}

/// `rdbsh compile`: each statement's wire term (or START message) as one line of JSON.
fn run_compile(mut args: CompileArgs) -> Result<Exit, Failure> {
    let inputs = if args.eval.is_empty() {
        vec![read_input(args.file.as_deref().unwrap_or(Path::new("-")))?]
    } else {
        eval_inputs(std::mem::take(&mut args.eval))
    };
    let styled = std::io::stderr().is_terminal()
        && rdbsh::render::color_allowed(false, std::env::var_os("NO_COLOR").as_deref());
    let lang = args.lang.map_or(rdbsh::reql::Lang::Js, Into::into);
    let mut env = rdbsh::reql::Env::with_lang(lang);
    let mut stdout = std::io::stdout().lock();
    let mut exit = Exit::Ok;
    for input in inputs {
        let mut chunks = rdbsh::shell::Chunks::new(input.reader);
        loop {
            chunks.set_lang(env.lang());
            let chunk = match chunks.next_readable(input.name.as_deref()) {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(message) => return Err(Failure::usage(message)),
            };
            let mut source = Source::new(&chunk.text, input.name.as_deref());
            source.line_offset = chunk.line_offset;
            let printed = compile_chunk(source, &mut env, &args, styled, &mut stdout);
            match printed {
                Some(true) => {}
                Some(false) => exit = Exit::QueryFailed,
                // stdout closed: nothing more to do.
                None => return Ok(exit),
            }
        }
    }
    Ok(exit)
}

/// Compiles and prints the statements of one chunk (a `.lang` line switches the syntax):
/// `Some(false)` when one did not compile or could not be written, `None` when stdout is closed.
fn compile_chunk(
    source: Source<'_>,
    env: &mut rdbsh::reql::Env,
    args: &CompileArgs,
    styled: bool,
    stdout: &mut impl Write,
) -> Option<bool> {
    let mut ok = true;
    for item in rdbsh::shell::items_in(source.text, env.lang()) {
        let span = match item {
            rdbsh::shell::Item::Code(span) => span,
            rdbsh::shell::Item::Meta(_, Ok(rdbsh::shell::Meta::Lang(lang))) => {
                env.set_lang(lang);
                continue;
            }
            rdbsh::shell::Item::Meta(..) => continue,
        };
        let statements = match rdbsh::reql::compile(span.text(source.text), env) {
            Ok(s) => s,
            Err(diagnostics) => {
                eprint!(
                    "{}",
                    report::compile_errors(source, span.start, &diagnostics, styled)
                );
                ok = false;
                continue;
            }
        };
        for statement in statements {
            if let rdbsh::reql::Statement::Query(q) = statement {
                match compiled_text(&q, args) {
                    Ok(value) => writeln!(stdout, "{value}").ok()?,
                    Err(message) => {
                        eprintln!("rdbsh: {message}");
                        ok = false;
                    }
                }
            }
        }
    }
    Some(ok)
}

/// What `rdbsh compile` prints for a query: its term, its START message, or its source in the
/// language of `--to`.
fn compiled_text(q: &rdbsh::reql::Query, args: &CompileArgs) -> Result<String, String> {
    match args.to {
        Some(to) => rdbsh::reql::to_source(&q.term(), to.into()).map_err(|why| {
            format!(
                "cannot write the query as {}: {why}",
                rdbsh::reql::Lang::from(to).name()
            )
        }),
        None if args.query => Ok(q.start_message(&serde_json::Map::new()).to_string()),
        None => Ok(q.term().to_string()),
    }
}

fn run_sandbox(args: SandboxArgs) -> Result<Exit, Failure> {
    let listen = listen_addr(&args.listen)?;
    let password = match &args.password_env {
        Some(var) => Some(Secret::new(std::env::var(var).map_err(|_| {
            Failure::usage(format!(
                "--password-env {var}: the environment variable {var} is not set (or not UTF-8); export it with the admin password"
            ))
        })?)),
        None => None,
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(rdbsh::net::tls::server_config(cert, key, None).map_err(Failure::usage)?)
        }
        _ => None,
    };
    let banner = sandbox_banner(&tls, &args);
    if !listen.ip().is_loopback() && password.is_none() {
        eprintln!(
            "rdbsh: warning: listening on {listen} with an empty admin password: anyone who can reach this port can read and write; set --password-env"
        );
    }
    let options = ServerOptions {
        listen,
        tls,
        password,
        demo: !args.no_demo,
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::new(Exit::Connection, format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        let (addr, handle) = server::spawn(options)
            .await
            .map_err(|e| Failure::new(Exit::Connection, e))?;
        eprintln!("rdbsh sandbox listening on {addr} ({banner})");
        shutdown_signal().await;
        handle.shutdown().await;
        eprintln!("rdbsh sandbox stopped");
        Ok(Exit::Ok)
    })
}

/// `--listen`: `IP:PORT`, or `HOST:PORT` resolved to its first address.
fn listen_addr(text: &str) -> Result<SocketAddr, Failure> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let bad = || {
        Failure::usage(format!(
            "--listen {text:?} is not an address to listen on: use IP:PORT, for example 127.0.0.1:28015"
        ))
    };
    text.to_socket_addrs()
        .map_err(|_| bad())?
        .next()
        .ok_or_else(bad)
}

/// What the start-up line says about transport and authentication.
fn sandbox_banner(tls: &Option<Arc<rustls::ServerConfig>>, args: &SandboxArgs) -> String {
    let transport = if tls.is_some() { "TLS" } else { "plain TCP" };
    let password = match &args.password_env {
        Some(var) => format!("password from ${var}"),
        None => "empty password".to_owned(),
    };
    let data = if args.no_demo {
        "no demo data"
    } else {
        "demo database"
    };
    format!("{transport}, SCRAM user admin, {password}, {data}")
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `rdbsh ping`: connect, then report the server, the connection, TLS and the round trip.
fn run_ping(target: Target) -> Result<Exit, Failure> {
    runtime()?.block_on(async {
        let (profile, _sandbox) = open_target(target).await?;
        let session = rdbsh::net::Link::new(profile);
        match rdbsh::shell::ping::ping(&session).await {
            Ok(ping) => {
                print!("{}", ping.report());
                Ok(Exit::Ok)
            }
            Err(e) => Err(Failure::new(Exit::from(&e), e.to_string())),
        }
    })
}

/// `rdbsh status`: the cluster picture as text or JSON; exit 0 when every table has all its
/// replicas ready, 1 when one has not, 3 when no host answers.
fn run_status(target: Target, format: rdbsh::cli::StatusFormat) -> Result<Exit, Failure> {
    use rdbsh::shell::cluster;
    runtime()?.block_on(async {
        let (profile, _sandbox) = open_target(target).await?;
        let link = rdbsh::net::Link::new(profile);
        let status = cluster::status(&link)
            .await
            .map_err(|e| Failure::new(e.exit(), e))?;
        match format {
            rdbsh::cli::StatusFormat::Json => println!("{}", status.to_json()),
            rdbsh::cli::StatusFormat::Text => print!("{}", status.text()),
        }
        Ok(if status.cluster.all_ready() {
            Exit::Ok
        } else {
            Exit::QueryFailed
        })
    })
}

/// `[history] redact` from the config file (the defaults without one).
fn history_redactor(
    config_path: Option<&Path>,
) -> Result<rdbsh::shell::history::Redactor, Failure> {
    // Quietly: its warnings were printed when the profile was resolved.
    Ok(Config::load(config_path)?.redactor)
}

/// `rdbsh export|import|dump|restore`: a `read_only` profile refuses the writing ones before
/// connecting; Ctrl-C stops at the next batch.
fn run_transfer(target: Target, command: TransferCommand) -> Result<Exit, Failure> {
    use rdbsh::transfer::{self, ProgressKind, command::Outcome};
    if let Target::Server(profile) = &target
        && profile.read_only
        && command.writes()
    {
        return Err(Failure::usage(format!(
            "{} writes to the server and this profile is read_only; use a profile without read_only",
            command.name()
        )));
    }
    let kind = if transfer::command::quiet(&command) {
        ProgressKind::Quiet
    } else if std::io::stderr().is_terminal() {
        ProgressKind::Bar
    } else {
        ProgressKind::Lines
    };
    let runtime = runtime()?;
    let (profile, _sandbox) = runtime.block_on(open_target(target))?;
    let session = rdbsh::net::Link::new(profile);
    runtime
        .block_on(session.client())
        .map_err(|e| Failure::new(Exit::from(&e), e.to_string()))?;
    runtime.spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            transfer::interrupt();
        }
    });
    match transfer::command::run(&runtime, &session, command, kind) {
        Ok(Outcome::Ok) => Ok(Exit::Ok),
        Ok(Outcome::Failed) => Ok(Exit::QueryFailed),
        Ok(Outcome::Interrupted) => Ok(Exit::Interrupted),
        Err(e @ transfer::TransferError::Usage(_)) => Err(Failure::usage(e)),
        Err(transfer::TransferError::Net { what, source }) => Err(Failure::new(
            Exit::from(&source),
            format!("{what}: {source}"),
        )),
        Err(e) => Err(Failure::new(Exit::QueryFailed, e)),
    }
}

/// `rdbsh repl`: the line REPL; `.connect NAME` re-reads the profiles file.
fn run_repl(config_path: Option<&Path>, conn: &ConnArgs, out: OutArgs) -> Result<Exit, Failure> {
    let target = line_target(config_path, conn)?;
    let tty = std::io::stdout().is_terminal();
    let options = rdbsh::repl::Options {
        format: out.format_for(tty),
        color: out.color_for(tty),
        max_width: out.max_width,
        // pgcli and mongosh users expect to see how long a query took.
        timing: true,
        page_rows: rdbsh::repl::DEFAULT_PAGE_ROWS,
        history_path: rdbsh::shell::history::default_path(),
        redactor: history_redactor(config_path)?,
        // The file was read (and any error in it reported) when the target was resolved.
        edit_mode: Config::load(config_path)
            .map(|c| c.edit_mode)
            .unwrap_or_default(),
        quiet: out.quiet,
    };
    let config_path = config_path.map(Path::to_path_buf);
    // A profile named in `.connect` is used as written, only the timeout flag carries over.
    let overrides = rdbsh::config::ConnOverrides {
        timeout: conn.timeout,
        query_timeout: conn.query_timeout,
        ..Default::default()
    };
    let connect: rdbsh::repl::Connector = Box::new(connector(config_path, overrides, true));
    let runtime = runtime()?;
    let (profile, _sandbox) = runtime.block_on(open_target(target))?;
    rdbsh::repl::run(&runtime, Session::new(profile), options, connect)
        .map_err(|e| Failure::new(Exit::Usage, e))
}

/// Before the TUI takes the screen: a profile without a secret that the server refuses gets a
/// password prompt on the terminal, as the REPL gives. Any other outcome is left to the TUI,
/// which shows the connection state; a slow server is not waited for.
async fn ask_password_if_refused(session: Session) -> Session {
    let profile = session.profile();
    if profile.secret.is_some() {
        return session;
    }
    let wait = std::time::Duration::from_secs(2);
    let refused = match tokio::time::timeout(wait, session.net().client()).await {
        Ok(Err(e)) if Exit::from(&e) == Exit::Auth => e,
        _ => return session,
    };
    eprintln!("rdbsh: {refused}");
    let label = profile
        .name
        .clone()
        .unwrap_or_else(|| format!("{}:{}", profile.host, profile.port));
    let prompt = format!("password for {}@{label}: ", profile.user);
    // Blocking is fine here: nothing else runs before the TUI starts.
    match rdbsh::repl::read_password(&prompt) {
        Ok(Some(secret)) => {
            let mut profile = profile.clone();
            profile.secret = Some(Secret::new(secret));
            Session::new(profile)
        }
        _ => session,
    }
}

/// Resolves the profile of `.connect NAME`, reading the profiles file again.
fn connector(
    config_path: Option<PathBuf>,
    overrides: rdbsh::config::ConnOverrides,
    warn: bool,
) -> impl Fn(&str) -> Result<Profile, String> + Send + 'static {
    move |name| {
        let config = Config::load(config_path.as_deref()).map_err(|e| e.to_string())?;
        let profile = config
            .resolve(Some(name), &overrides)
            .map_err(|e| e.to_string())?;
        if warn {
            warn_if_profile_unverified(&profile);
        }
        Ok(profile)
    }
}

/// The named queries' file: the profile's `queries`, else the data directory's.
fn queries_path(profile: &rdbsh::config::Profile) -> Option<PathBuf> {
    profile
        .queries
        .clone()
        .or_else(rdbsh::shell::queries::default_path)
}

/// Batch mode: `-e`, `-f FILE` or stdin, printed for pipes.
fn run_batch(target: Target, out: OutArgs, input: BatchInput) -> Result<Exit, Failure> {
    let mut named = None;
    let mut inputs = match input {
        BatchInput::Queries(queries) => eval_inputs(queries),
        BatchInput::File(path) => vec![read_input(&path)?],
        BatchInput::Named(name, args) => {
            named = Some((
                name,
                rdbsh::shell::queries::parse_args(&args).map_err(Failure::usage)?,
            ));
            Vec::new()
        }
    };
    let tty = std::io::stdout().is_terminal();
    let color = out.color_for(tty);
    let options = batch::Options {
        format: out.format_for(tty),
        styles: if color {
            Theme::dark().styles()
        } else {
            Styles::plain()
        },
        color: out.color_for(std::io::stderr().is_terminal()),
        max_width: out.max_width,
        terminal: tty,
        timing: out.timing,
        on_error: out.on_error(),
        limit: out.limit,
        // Only a terminal can answer y/N; a script on stdin is never asked.
        confirm: std::io::stdin().is_terminal(),
        export: None,
        queries_path: None,
        last_statement: String::new(),
        quiet: out.quiet,
    };
    runtime()?.block_on(async {
        let (profile, _sandbox) = open_target(target).await?;
        let mut options = options;
        options.queries_path = queries_path(&profile);
        if let Some((name, args)) = &named {
            let path = options.queries_path.as_deref();
            let text = rdbsh::shell::queries::resolve(path, name, args, profile.lang)
                .map_err(Failure::usage)?;
            inputs.push(batch::Input::text(Some(format!("query {name}")), text));
        }
        let mut session = Session::new(profile);
        Ok(batch::run(&mut session, inputs, &options).await)
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Exit::Usage, format!("cannot start the async runtime: {e}")))
}

/// Each `-e` query is an input of its own.
fn eval_inputs(queries: Vec<String>) -> Vec<batch::Input> {
    queries
        .into_iter()
        .map(|text| batch::Input::text(None, text))
        .collect()
}

/// A query file, or stdin for `-`, to be read as a stream.
fn read_input(path: &Path) -> Result<batch::Input, Failure> {
    if path == Path::new("-") {
        return Ok(batch::Input {
            name: Some("<stdin>".into()),
            reader: Box::new(std::io::BufReader::new(std::io::stdin())),
        });
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::usage(format!("cannot read query file {}: {e}", path.display())))?;
    Ok(batch::Input {
        name: Some(path.display().to_string()),
        reader: Box::new(std::io::BufReader::with_capacity(64 * 1024, file)),
    })
}

/// The full-screen TUI on the target: `[keys]` and `[ui]` from the config file, history
/// shared with the REPL, the terminal restored on every way out.
fn run_tui(target: Target, config_path: Option<&Path>) -> Result<Exit, Failure> {
    use rdbsh::tui::{self, App, AppConfig, Keymap, RunOptions, SessionBackend};

    // Warnings were printed when the profile was resolved; read the tables quietly.
    let config = Config::load(config_path)?;
    let keymap = Keymap::with_overrides(&config.keys)
        .map_err(|e| Failure::usage(format!("[keys] in the config file: {e}")))?;
    // The connection facts are known once connected; the `[ui]` settings are checked first.
    let placeholder = tui::panes::status::ConnectionInfo::from_profile(&Default::default());
    let mut app_config = AppConfig::new(keymap, placeholder);
    app_config
        .apply_ui(&config.ui)
        .map_err(|e| Failure::usage(format!("[ui] theme in the config file: {e}")))?;
    let (history, history_path, unreadable) = rdbsh::shell::history::open_for_session(
        rdbsh::shell::history::default_path(),
        config.redactor.clone(),
    );
    if let Some(e) = unreadable {
        eprintln!("rdbsh: warning: {e}");
    }
    if let Some(dir) = history_path.as_deref().and_then(Path::parent) {
        // A missing directory only costs the history; the save reports it.
        let _ = std::fs::create_dir_all(dir);
    }
    runtime()?.block_on(async move {
        let (profile, _sandbox) = open_target(target).await?;
        let session = Session::new(profile);
        let session = ask_password_if_refused(session).await;
        let profile = session.profile().clone();
        app_config.info = tui::panes::status::ConnectionInfo::from_profile(&profile);
        app_config.history = history;
        let app = App::new(app_config, std::time::Instant::now());
        // The status bar shows an unverified connection; nothing may print over the screen.
        let mut backend = SessionBackend::new(session).with_connector(Box::new(connector(
            config_path.map(Path::to_path_buf),
            rdbsh::config::ConnOverrides::default(),
            false,
        )));
        let options = RunOptions {
            history_path,
            ..RunOptions::default()
        };
        match tui::run(app, &mut backend, options).await {
            Ok(_) => Ok(Exit::Ok),
            Err(e) => Err(Failure::new(Exit::Usage, e.to_string())),
        }
    })
}
