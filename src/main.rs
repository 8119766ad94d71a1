//! rdbsh entry point: command line → config → mode → exit code. Only wiring lives here.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use rdbsh::cli::{Cli, CompileArgs, ConnArgs, Exit, Failure, Mode, OutArgs, SandboxArgs};
use rdbsh::config::{Config, Profile};

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
        Mode::Sandbox(args) => run_sandbox(args),
        Mode::Ping { conn } => run_ping(target(config_path, &conn)?),
        Mode::Repl { conn, out } => run_repl(target(config_path, &conn)?, out),
        Mode::Eval { conn, out, queries } => run_batch(
            target(config_path, &conn)?,
            out,
            BatchInput::Queries(queries),
        ),
        Mode::File { conn, out, path } => {
            run_batch(target(config_path, &conn)?, out, BatchInput::File(path))
        }
        Mode::Default { conn, out } => {
            let target = target(config_path, &conn)?;
            if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
                run_tui(target, out)
            } else {
                run_batch(target, out, BatchInput::File(PathBuf::from("-")))
            }
        }
    }
}

/// What a front end connects to.
// The front ends that read these are wired at integration.
#[allow(dead_code)]
enum Target {
    /// `--sandbox`: an in-process sandbox server.
    Sandbox,
    /// A server, from the resolved profile.
    Server(Box<Profile>),
}

/// Where batch queries come from.
#[allow(dead_code)]
enum BatchInput {
    Queries(Vec<String>),
    /// A query file; `-` is stdin.
    File(PathBuf),
}

fn load_config(path: Option<&Path>) -> Result<Config, Failure> {
    let config = Config::load(path)?;
    for warning in &config.warnings {
        eprintln!("rdbsh: warning: {warning}");
    }
    Ok(config)
}

fn target(config_path: Option<&Path>, conn: &ConnArgs) -> Result<Target, Failure> {
    if conn.sandbox {
        return Ok(Target::Sandbox);
    }
    let overrides = conn.overrides()?;
    let config = load_config(config_path)?;
    for warning in overrides.warnings() {
        eprintln!("rdbsh: warning: {warning}");
    }
    let profile = config.resolve(conn.profile_name(), &overrides)?;
    Ok(Target::Server(Box::new(profile)))
}

fn not_yet(what: &str) -> Failure {
    Failure::usage(format!(
        "{what} is not available yet in this build; `rdbsh profiles` works"
    ))
}

fn run_compile(_args: CompileArgs) -> Result<Exit, Failure> {
    Err(not_yet("`rdbsh compile`"))
}

fn run_sandbox(_args: SandboxArgs) -> Result<Exit, Failure> {
    Err(not_yet("`rdbsh sandbox`"))
}

fn run_ping(_target: Target) -> Result<Exit, Failure> {
    Err(not_yet("`rdbsh ping`"))
}

fn run_repl(_target: Target, _out: OutArgs) -> Result<Exit, Failure> {
    Err(not_yet("`rdbsh repl`"))
}

fn run_batch(_target: Target, _out: OutArgs, _input: BatchInput) -> Result<Exit, Failure> {
    Err(not_yet("batch mode (-e, -f, stdin)"))
}

fn run_tui(_target: Target, _out: OutArgs) -> Result<Exit, Failure> {
    Err(not_yet("the TUI"))
}
