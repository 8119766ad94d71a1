//! Command-line interface (clap), the run mode it selects and the process exit codes.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{ConfigError, ConnOverrides, ConnUrl, Verify};
pub use crate::render::Format;

pub use crate::exit::Exit;

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// An error that ends the process: what to print and which exit code to return.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    /// A failure with an explicit exit code.
    pub fn new(exit: Exit, message: impl fmt::Display) -> Self {
        Failure {
            exit,
            message: message.to_string(),
        }
    }

    /// A usage or config error (exit 2).
    pub fn usage(message: impl fmt::Display) -> Self {
        Failure::new(Exit::Usage, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ConfigError> for Failure {
    fn from(err: ConfigError) -> Self {
        Failure::usage(err)
    }
}

/// rdbsh: a terminal shell for RethinkDB (TUI on a terminal, batch otherwise).
#[derive(Parser)]
#[command(name = "rdbsh", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok, 1 query failed, 2 usage or config error, \
3 connection or TLS failure, 4 authentication failure, 130 interrupted."
)]
pub struct Cli {
    /// Profiles file [env: RDBSH_CONFIG] [default: $XDG_CONFIG_HOME/rdbsh/config.toml]
    // RDBSH_CONFIG is read by `config_path`, not by clap, so that an empty value means unset.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub conn: ConnArgs,

    #[command(flatten)]
    pub out: OutArgs,

    /// Run QUERY and print its result (repeatable)
    #[arg(
        short = 'e',
        long = "eval",
        value_name = "QUERY",
        conflicts_with = "file"
    )]
    pub eval: Vec<String>,

    /// Run the queries of FILE ('-' = stdin)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Plain line REPL (for dumb terminals, screen readers and scrollback)
    Repl {
        #[command(flatten)]
        conn: ConnArgs,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Print each statement's wire term as one line of JSON; no connection
    Compile(CompileArgs),
    /// Connect and show server, protocol, TLS and certificate details and the round-trip time
    Ping {
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Run a named query saved with .save (parameters bound as values)
    Run {
        /// The saved query's name (.queries lists them)
        #[arg(value_name = "NAME")]
        name: String,
        /// Binds ${K} in the query to VALUE (a JSON literal, else a string); repeatable
        #[arg(long = "arg", value_name = "K=VALUE")]
        args: Vec<String>,
        #[command(flatten)]
        conn: ConnArgs,
        #[command(flatten)]
        out: OutArgs,
    },
    /// The cluster: servers, tables with shard and replica placement, readiness, issues
    /// (exit 0 when every table is ready, 1 when one is not, 3 when no host answers)
    Status {
        /// text for people and scripts, json for machines
        #[arg(long, value_name = "FORMAT", default_value = "text")]
        format: StatusFormat,
        #[command(flatten)]
        conn: ConnArgs,
    },
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) to stdout
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// List the profiles and the config file in use
    Profiles,
    /// Run the in-memory sandbox server in the foreground
    Sandbox(SandboxArgs),
    /// Export tables to DIR/DB/TABLE.json|ndjson|csv and .info (RethinkDB export's layout)
    Export(ExportArgs),
    /// Import an export directory or one file into tables
    Import(ImportArgs),
    /// Dump tables into a tar.gz archive (RethinkDB dump's format)
    Dump(DumpArgs),
    /// Restore tables from a dump archive
    Restore(RestoreArgs),
}

fn parse_selector(text: &str) -> Result<crate::transfer::Selector, String> {
    crate::transfer::Selector::parse(text)
}

/// Flags import and restore share.
#[derive(Args, Debug, Clone)]
pub struct InsertArgs {
    /// Insert queries in flight at once on the connection
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = parse_positive::<usize>)]
    pub clients: usize,
    /// Documents per insert query
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = parse_positive::<usize>)]
    pub batch_size: usize,
    /// Do not create the secondary indexes and write hooks of the .info files
    #[arg(long)]
    pub no_secondary_indexes: bool,
    /// Shards of the tables created
    #[arg(long, value_name = "N", value_parser = parse_positive::<u64>)]
    pub shards: Option<u64>,
    /// Replicas of the tables created
    #[arg(long, value_name = "N", value_parser = parse_positive::<u64>)]
    pub replicas: Option<u64>,
    /// Import into tables that exist already
    #[arg(long)]
    pub force: bool,
    /// A document whose primary key is taken: error (count it failed), replace or update
    /// [default: error, replace with --force, as RethinkDB's import does]
    #[arg(long, value_name = "WHAT")]
    pub conflict: Option<crate::transfer::import::Conflict>,
    /// After a bad row: continue (report it, go on) or stop
    #[arg(long, value_name = "WHAT", default_value = "continue")]
    pub on_error: OnError,
    /// No progress output, only errors and the summary
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `rdbsh export` arguments.
#[derive(Args, Clone)]
pub struct ExportArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Only this database or table (repeatable)
    #[arg(short = 'e', long = "export", value_name = "DB[.TABLE]", value_parser = parse_selector)]
    pub export: Vec<crate::transfer::Selector>,
    /// Directory to write [default: rethinkdb_export_DATE_TIME]
    #[arg(short = 'd', long, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// File format
    #[arg(long, value_name = "FORMAT", default_value = "json")]
    pub format: crate::transfer::format::FileFormat,
    /// Only these fields, comma-separated (required for csv)
    #[arg(long, value_name = "a,b")]
    pub fields: Option<String>,
    /// CSV field delimiter, one character ('\\t' for tab)
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
    /// Tables exported at once
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = parse_positive::<usize>)]
    pub clients: usize,
    /// No progress output
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `rdbsh import` arguments.
#[derive(Args, Clone)]
pub struct ImportArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// An export directory (DIR/DB/TABLE.json|ndjson|csv with .info)
    #[arg(
        short = 'd',
        long,
        value_name = "DIR",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub directory: Option<PathBuf>,
    /// Only this database or table of the directory (repeatable)
    #[arg(short = 'i', long = "import", value_name = "DB[.TABLE]", value_parser = parse_selector, requires = "directory")]
    pub import: Vec<crate::transfer::Selector>,
    /// One file to import (needs --table)
    #[arg(short = 'f', long, value_name = "FILE", requires = "table")]
    pub file: Option<PathBuf>,
    /// The table the file goes into
    #[arg(long, value_name = "DB.TABLE", value_parser = parse_selector, requires = "file")]
    pub table: Option<crate::transfer::Selector>,
    /// File format [default: from the file name, else json]
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<crate::transfer::format::FileFormat>,
    /// Primary key of the table created for --file
    #[arg(long, value_name = "FIELD")]
    pub pkey: Option<String>,
    /// CSV field delimiter, one character ('\\t' for tab)
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
    /// CSV column names, comma-separated, instead of the header line
    #[arg(long, value_name = "a,b")]
    pub custom_header: Option<String>,
    /// The CSV file has no header line (needs --custom-header)
    #[arg(long, requires = "custom_header")]
    pub no_header: bool,
    /// CSV cells that read as JSON numbers, booleans, null, objects or arrays take that type
    #[arg(long)]
    pub csv_types: bool,
    #[command(flatten)]
    pub insert: InsertArgs,
}

/// `rdbsh dump` arguments.
#[derive(Args, Clone)]
pub struct DumpArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Only this database or table (repeatable)
    #[arg(short = 'e', long = "export", value_name = "DB[.TABLE]", value_parser = parse_selector)]
    pub export: Vec<crate::transfer::Selector>,
    /// Archive to write [default: rethinkdb_dump_DATE_TIME.tar.gz]
    #[arg(short = 'f', long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// No progress output
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `rdbsh restore` arguments.
#[derive(Args, Clone)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    /// The dump archive (.tar.gz)
    #[arg(value_name = "FILE")]
    pub archive: PathBuf,
    /// Only this database or table of the archive (repeatable)
    #[arg(short = 'i', long = "import", value_name = "DB[.TABLE]", value_parser = parse_selector)]
    pub import: Vec<crate::transfer::Selector>,
    #[command(flatten)]
    pub insert: InsertArgs,
}

/// The data-movement subcommands.
pub enum TransferCommand {
    Export(ExportArgs),
    Import(ImportArgs),
    Dump(DumpArgs),
    Restore(RestoreArgs),
}

impl TransferCommand {
    /// True for the commands that write to the server (refused by a `read_only` profile).
    pub fn writes(&self) -> bool {
        matches!(
            self,
            TransferCommand::Import(_) | TransferCommand::Restore(_)
        )
    }

    /// The subcommand's name.
    pub fn name(&self) -> &'static str {
        match self {
            TransferCommand::Export(_) => "export",
            TransferCommand::Import(_) => "import",
            TransferCommand::Dump(_) => "dump",
            TransferCommand::Restore(_) => "restore",
        }
    }
}

/// `rdbsh compile` arguments.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct CompileArgs {
    /// Compile QUERY (repeatable)
    #[arg(
        short = 'e',
        long = "eval",
        value_name = "QUERY",
        conflicts_with = "file"
    )]
    pub eval: Vec<String>,
    /// Print the whole START query ([1, term, options]) instead of the term alone
    #[arg(long, conflicts_with = "to")]
    pub query: bool,
    /// Syntax of the queries read: js or python (py) [default: js]
    #[arg(long, value_name = "LANG")]
    pub lang: Option<LangArg>,
    /// Print each statement as source code in this syntax instead of its term
    #[arg(long, value_name = "LANG")]
    pub to: Option<LangArg>,
    /// Query file ('-' = stdin; stdin when neither FILE nor -e is given)
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// `rdbsh sandbox` arguments.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct SandboxArgs {
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:28015")]
    pub listen: String,
    /// Server certificate (PEM) to serve TLS
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Server private key (PEM) to serve TLS
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Require this admin password, read from environment variable VAR
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Start empty, without the demo database
    #[arg(long)]
    pub no_demo: bool,
}

/// CONN flags: where to connect and how; they override the profile.
#[derive(Args, Clone, Default)]
#[command(next_help_heading = "Connection")]
pub struct ConnArgs {
    /// Profile from the config file [default: default_profile]
    #[arg(short = 'p', long, value_name = "NAME", env = "RDBSH_PROFILE")]
    pub profile: Option<String>,
    /// rethinkdb://user[:pass]@host:port/db (a password here shows in the process list)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Server host, or HOST:PORT; repeat it for the servers of a cluster (tried in order)
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
    /// Server driver port [default: 28015]
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Default database [default: test]
    #[arg(long, value_name = "DB")]
    pub db: Option<String>,
    /// User name [default: admin]
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Read the password from environment variable VAR
    #[arg(long, value_name = "VAR", conflicts_with = "auth_key_env")]
    pub password_env: Option<String>,
    /// Read the legacy auth key from environment variable VAR
    #[arg(long, value_name = "VAR")]
    pub auth_key_env: Option<String>,
    /// Trust this CA certificate (PEM); turns TLS on
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Use TLS (system roots unless --ca-cert)
    #[arg(long)]
    pub tls: bool,
    /// Name to verify and send as SNI instead of the host
    #[arg(long, value_name = "NAME")]
    pub tls_server_name: Option<String>,
    /// How to check the server certificate
    #[arg(long, value_name = "MODE")]
    pub tls_verify: Option<VerifyArg>,
    /// Pinned certificate: SHA-256 fingerprint or PEM file (implies --tls-verify pin)
    #[arg(long, value_name = "PIN")]
    pub tls_pin: Option<String>,
    /// Client certificate (PEM) for mutual TLS
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// Client private key (PEM) for mutual TLS
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Connect timeout in seconds [default: 20]
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// Stop a statement that runs longer than SECS (STOP is sent; exit 1) [default: none]
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    pub query_timeout: Option<Duration>,
    /// Use an in-process sandbox instead of a server
    #[arg(long)]
    pub sandbox: bool,
    /// Query syntax: js or python (py) [default: the profile's lang, else js]
    #[arg(long, value_name = "LANG")]
    pub lang: Option<LangArg>,
}

/// `--lang` and `--to` values: the syntax of ReQL source.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LangArg {
    /// JavaScript, as the official JavaScript driver reads it
    Js,
    /// Python, as the official Python driver reads it
    #[value(alias = "py")]
    Python,
}

impl From<LangArg> for crate::reql::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Js => crate::reql::Lang::Js,
            LangArg::Python => crate::reql::Lang::Python,
        }
    }
}

impl ConnArgs {
    /// The connection flags given that `--sandbox` has no use for (it starts its own server;
    /// `--db` still applies). A profile named by `RDBSH_PROFILE` alone is not counted.
    pub fn ignored_by_sandbox(&self) -> Vec<&'static str> {
        let from_env = std::env::var("RDBSH_PROFILE").ok();
        let given = [
            (
                "--profile",
                self.profile.is_some() && self.profile != from_env,
            ),
            ("--url", self.url.is_some()),
            ("--host", !self.host.is_empty()),
            ("--port", self.port.is_some()),
            ("--user", self.user.is_some()),
            ("--password-env", self.password_env.is_some()),
            ("--auth-key-env", self.auth_key_env.is_some()),
            ("--ca-cert", self.ca_cert.is_some()),
            ("--tls", self.tls),
            ("--tls-server-name", self.tls_server_name.is_some()),
            ("--tls-verify", self.tls_verify.is_some()),
            ("--tls-pin", self.tls_pin.is_some()),
            ("--client-cert", self.client_cert.is_some()),
            ("--client-key", self.client_key.is_some()),
            ("--timeout", self.timeout.is_some()),
        ];
        given
            .into_iter()
            .filter_map(|(flag, on)| on.then_some(flag))
            .collect()
    }
}

/// `--tls-verify` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyArg {
    /// Chain and host name (default)
    Full,
    /// Chain only, any name
    Ca,
    /// Certificate must equal the pinned one
    Pin,
    /// No verification (warned about on every connect)
    None,
}

impl From<VerifyArg> for Verify {
    fn from(v: VerifyArg) -> Self {
        match v {
            VerifyArg::Full => Verify::Full,
            VerifyArg::Ca => Verify::Ca,
            VerifyArg::Pin => Verify::Pin,
            VerifyArg::None => Verify::None,
        }
    }
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| "expected a positive number of seconds".to_string())
}

impl ConnArgs {
    /// The profile named by `-p` or a non-empty `RDBSH_PROFILE`.
    pub fn profile_name(&self) -> Option<&str> {
        self.profile.as_deref().filter(|p| !p.is_empty())
    }

    /// These flags, with every flag given in `later` (after the subcommand) taking precedence.
    pub fn merged(self, later: ConnArgs) -> ConnArgs {
        ConnArgs {
            profile: later.profile.or(self.profile),
            url: later.url.or(self.url),
            host: if later.host.is_empty() {
                self.host
            } else {
                later.host
            },
            port: later.port.or(self.port),
            db: later.db.or(self.db),
            user: later.user.or(self.user),
            password_env: later.password_env.or(self.password_env),
            auth_key_env: later.auth_key_env.or(self.auth_key_env),
            ca_cert: later.ca_cert.or(self.ca_cert),
            tls: later.tls || self.tls,
            tls_server_name: later.tls_server_name.or(self.tls_server_name),
            tls_verify: later.tls_verify.or(self.tls_verify),
            tls_pin: later.tls_pin.or(self.tls_pin),
            client_cert: later.client_cert.or(self.client_cert),
            client_key: later.client_key.or(self.client_key),
            timeout: later.timeout.or(self.timeout),
            query_timeout: later.query_timeout.or(self.query_timeout),
            sandbox: later.sandbox || self.sandbox,
            lang: later.lang.or(self.lang),
        }
    }

    /// The overrides for [`crate::config::Config::resolve`]; parses `--url` (errors never echo it).
    pub fn overrides(&self) -> Result<ConnOverrides, ConfigError> {
        Ok(ConnOverrides {
            url: self.url.as_deref().map(ConnUrl::parse).transpose()?,
            hosts: self
                .host
                .iter()
                .map(|h| crate::config::HostSpec::parse(h, &format!("--host {h}")))
                .collect::<Result<_, _>>()
                .map_err(ConfigError::Conflict)?,
            port: self.port,
            db: self.db.clone(),
            user: self.user.clone(),
            password_env: self.password_env.clone(),
            auth_key_env: self.auth_key_env.clone(),
            ca_cert: self.ca_cert.clone(),
            tls: self.tls,
            tls_server_name: self.tls_server_name.clone(),
            tls_verify: self.tls_verify.map(Verify::from),
            tls_pin: self.tls_pin.clone(),
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
            timeout: self.timeout,
            query_timeout: self.query_timeout,
            lang: self.lang.map(Into::into),
        })
    }
}

/// OUT flags: how results are printed.
#[derive(Args, Debug, Clone, Default, PartialEq, Eq)]
#[command(next_help_heading = "Output")]
pub struct OutArgs {
    /// Result format: pretty, json, ndjson, table or raw [default: pretty on a terminal, ndjson otherwise]
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<Format>,
    /// No colours (also when NO_COLOR is set)
    #[arg(long)]
    pub no_color: bool,
    /// Print how long each query took
    #[arg(long)]
    pub timing: bool,
    /// What to do after a failed query in batch mode [default: stop]
    #[arg(long, value_name = "WHAT")]
    pub on_error: Option<OnError>,
    /// Show at most N rows of each result
    #[arg(long, value_name = "N", value_parser = parse_positive::<u64>)]
    pub limit: Option<u64>,
    /// Cut table lines to N columns (values end in …); without it no value is ever cut
    #[arg(long, value_name = "N", value_parser = parse_positive::<usize>)]
    pub max_width: Option<usize>,
    /// No notices on stderr (such as a query running on another server after a failover)
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

impl OutArgs {
    /// These flags, with every flag given in `later` (after the subcommand) taking precedence.
    pub fn merged(self, later: OutArgs) -> OutArgs {
        OutArgs {
            format: later.format.or(self.format),
            no_color: later.no_color || self.no_color,
            timing: later.timing || self.timing,
            on_error: later.on_error.or(self.on_error),
            limit: later.limit.or(self.limit),
            max_width: later.max_width.or(self.max_width),
            quiet: later.quiet || self.quiet,
        }
    }

    /// `--on-error`, stop when not given.
    pub fn on_error(&self) -> OnError {
        self.on_error.unwrap_or_default()
    }

    /// The format to use: the flag, else pretty on a terminal and ndjson otherwise.
    pub fn format_for(&self, terminal: bool) -> Format {
        self.format.unwrap_or(if terminal {
            Format::Pretty
        } else {
            Format::Ndjson
        })
    }

    /// Colour only on a terminal, without `--no-color` and without a non-empty `NO_COLOR`.
    pub fn color_for(&self, terminal: bool) -> bool {
        terminal
            && crate::render::color_allowed(self.no_color, std::env::var_os("NO_COLOR").as_deref())
    }
}

/// `--format` values: pretty, json, ndjson, table or raw.
fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
        .map_err(|e: crate::render::UnknownFormat| e.to_string())
}

/// A count of at least 1 (`--limit`, `--max-width`): 0 would silently print nothing.
fn parse_positive<T: std::str::FromStr + PartialEq + From<u8>>(s: &str) -> Result<T, String> {
    match s.parse::<T>() {
        Ok(n) if n != T::from(0) => Ok(n),
        Ok(_) => Err("must be at least 1".into()),
        Err(_) => Err(format!("`{s}` is not a whole number")),
    }
}

/// `rdbsh status --format` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFormat {
    /// Aligned lines
    #[default]
    Text,
    /// One JSON object
    Json,
}

/// `--on-error` values.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Stop at the first failed query
    #[default]
    Stop,
    /// Report the failure and go on
    Continue,
}

/// What the command line asks for, with the CONN and OUT flags merged.
pub enum Mode {
    /// No subcommand, `-e` or `-f`: the TUI on a terminal, else batch from stdin.
    Default { conn: ConnArgs, out: OutArgs },
    /// `-e QUERY...`.
    Eval {
        conn: ConnArgs,
        out: OutArgs,
        queries: Vec<String>,
    },
    /// `-f FILE` (`-` = stdin).
    File {
        conn: ConnArgs,
        out: OutArgs,
        path: PathBuf,
    },
    /// `rdbsh repl`.
    Repl { conn: ConnArgs, out: OutArgs },
    /// `rdbsh compile`.
    Compile(CompileArgs),
    /// `rdbsh ping`.
    Ping { conn: ConnArgs },
    /// `rdbsh run NAME --arg k=v`.
    Run {
        conn: ConnArgs,
        out: OutArgs,
        name: String,
        args: Vec<String>,
    },
    /// `rdbsh profiles`.
    Profiles,
    /// `rdbsh status`.
    Status {
        conn: ConnArgs,
        format: StatusFormat,
    },
    /// `rdbsh completions SHELL`.
    Completions(clap_complete::Shell),
    /// `rdbsh sandbox`.
    Sandbox(SandboxArgs),
    /// `rdbsh export|import|dump|restore`.
    Transfer {
        conn: ConnArgs,
        command: Box<TransferCommand>,
    },
}

impl Cli {
    /// The profiles file to load: `--config`, else a non-empty `RDBSH_CONFIG`, else the default.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.config.clone().or_else(|| {
            std::env::var_os("RDBSH_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }

    /// The mode to run; `-e`/`-f` together with a subcommand is a usage error.
    pub fn mode(self) -> Result<Mode, Failure> {
        let has_queries = !self.eval.is_empty() || self.file.is_some();
        let Cli {
            conn,
            out,
            eval,
            file,
            command,
            ..
        } = self;
        match command {
            Some(_) if has_queries => Err(Failure::usage(
                "-e and -f run queries on their own; drop the subcommand or use `rdbsh compile -e`",
            )),
            Some(Command::Repl {
                conn: later,
                out: later_out,
            }) => Ok(Mode::Repl {
                conn: conn.merged(later),
                out: out.merged(later_out),
            }),
            Some(Command::Compile(mut args)) => {
                // `rdbsh --lang py compile` reads Python too.
                args.lang = args.lang.or(conn.lang);
                Ok(Mode::Compile(args))
            }
            Some(Command::Ping { conn: later }) => Ok(Mode::Ping {
                conn: conn.merged(later),
            }),
            Some(Command::Run {
                name,
                args,
                conn: later,
                out: later_out,
            }) => Ok(Mode::Run {
                conn: conn.merged(later),
                out: out.merged(later_out),
                name,
                args,
            }),
            Some(Command::Profiles) => Ok(Mode::Profiles),
            Some(Command::Status {
                format,
                conn: later,
            }) => Ok(Mode::Status {
                conn: conn.merged(later),
                format,
            }),
            Some(Command::Completions { shell }) => Ok(Mode::Completions(shell)),
            Some(Command::Sandbox(args)) => Ok(Mode::Sandbox(args)),
            Some(Command::Export(mut args)) => Ok(Mode::Transfer {
                conn: conn.merged(std::mem::take(&mut args.conn)),
                command: Box::new(TransferCommand::Export(args)),
            }),
            Some(Command::Import(mut args)) => Ok(Mode::Transfer {
                conn: conn.merged(std::mem::take(&mut args.conn)),
                command: Box::new(TransferCommand::Import(args)),
            }),
            Some(Command::Dump(mut args)) => Ok(Mode::Transfer {
                conn: conn.merged(std::mem::take(&mut args.conn)),
                command: Box::new(TransferCommand::Dump(args)),
            }),
            Some(Command::Restore(mut args)) => Ok(Mode::Transfer {
                conn: conn.merged(std::mem::take(&mut args.conn)),
                command: Box::new(TransferCommand::Restore(args)),
            }),
            None => Ok(match (eval, file) {
                (queries, _) if !queries.is_empty() => Mode::Eval { conn, out, queries },
                (_, Some(path)) => Mode::File { conn, out, path },
                _ => Mode::Default { conn, out },
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::path::Path;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("rdbsh").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_match_the_design() {
        let codes: Vec<u8> = [
            Exit::Ok,
            Exit::QueryFailed,
            Exit::Usage,
            Exit::Connection,
            Exit::Auth,
            Exit::Interrupted,
        ]
        .iter()
        .map(|e| e.code())
        .collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 130]);
    }

    #[test]
    fn conn_flags_become_overrides() {
        let cli = parse(&[
            "--url",
            "rethinkdb://bob@h:1/d",
            "--host",
            "x",
            "--port",
            "29015",
            "--db",
            "app",
            "--user",
            "u",
            "--password-env",
            "PW",
            "--ca-cert",
            "ca.pem",
            "--tls-server-name",
            "db.internal",
            "--tls-verify",
            "ca",
            "--client-cert",
            "c.pem",
            "--client-key",
            "k.pem",
            "--timeout",
            "2.5",
        ])
        .unwrap();
        let o = cli.conn.overrides().unwrap();
        assert_eq!(o.url.unwrap().user.as_deref(), Some("bob"));
        assert_eq!(o.hosts, [crate::config::HostSpec::new("x")]);
        assert_eq!(o.port, Some(29015));
        assert_eq!(o.db.as_deref(), Some("app"));
        assert_eq!(o.user.as_deref(), Some("u"));
        assert_eq!(o.password_env.as_deref(), Some("PW"));
        assert_eq!(o.ca_cert, Some(PathBuf::from("ca.pem")));
        assert_eq!(o.tls_server_name.as_deref(), Some("db.internal"));
        assert_eq!(o.tls_verify, Some(Verify::Ca));
        assert_eq!(o.client_key, Some(PathBuf::from("k.pem")));
        assert_eq!(o.timeout, Some(Duration::from_millis(2500)));
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for args in [
            &["--port", "0"][..],
            &["--port", "70000"],
            &["--timeout", "-1"],
            &["--tls-verify", "maybe"],
            &["--format", "xml"],
            &["--password-env", "A", "--auth-key-env", "B"],
            &["--client-cert", "c.pem"],
            &["-e", "r.now()", "-f", "q.reql"],
            &["sandbox", "--tls-cert", "c.pem"],
        ] {
            let err = parse(args)
                .err()
                .unwrap_or_else(|| panic!("{args:?} parsed"));
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn host_repeats_for_a_cluster() {
        let cli = parse(&["--host", "db1:28016", "--host", "db2", "--host", "::1"]).unwrap();
        let hosts: Vec<String> = cli
            .conn
            .overrides()
            .unwrap()
            .hosts
            .iter()
            .map(|h| h.with_default(28015).to_string())
            .collect();
        assert_eq!(hosts, ["db1:28016", "db2:28015", "[::1]:28015"]);
        let cli = parse(&["--host", "db1:x"]).unwrap();
        let err = cli.conn.overrides().unwrap_err().to_string();
        assert!(err.contains("--host db1:x"), "{err}");
    }

    #[test]
    fn bad_url_error_does_not_echo_it() {
        let cli = parse(&["--url", "rethinkdb://u:hunter2@h:99999"]).unwrap();
        let err = cli.conn.overrides().unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn modes() {
        assert!(matches!(
            parse(&[]).unwrap().mode(),
            Ok(Mode::Default { .. })
        ));
        match parse(&["-e", "1", "-e", "2", "--format", "json"])
            .unwrap()
            .mode()
        {
            Ok(Mode::Eval { queries, out, .. }) => {
                assert_eq!(queries, ["1", "2"]);
                assert_eq!(out.format, Some(Format::Json));
            }
            _ => panic!("expected eval"),
        }
        assert!(matches!(
            parse(&["-f", "-"]).unwrap().mode(),
            Ok(Mode::File { path, .. }) if path == Path::new("-")
        ));
        match parse(&["compile", "-e", "r.now()", "--query"])
            .unwrap()
            .mode()
        {
            Ok(Mode::Compile(args)) => {
                assert_eq!(args.eval, ["r.now()"]);
                assert!(args.query && args.file.is_none());
            }
            _ => panic!("expected compile"),
        }
        match parse(&["sandbox", "--no-demo"]).unwrap().mode() {
            Ok(Mode::Sandbox(args)) => {
                assert_eq!(args.listen, "127.0.0.1:28015");
                assert!(args.no_demo);
            }
            _ => panic!("expected sandbox"),
        }
        let err = parse(&["-e", "1", "ping"]).unwrap().mode().err().unwrap();
        assert_eq!(err.exit, Exit::Usage);
    }

    #[test]
    fn conn_flags_work_before_and_after_the_subcommand() {
        match parse(&["-p", "a", "--host", "h1", "ping", "--host", "h2", "--tls"])
            .unwrap()
            .mode()
        {
            Ok(Mode::Ping { conn }) => {
                assert_eq!(conn.profile.as_deref(), Some("a"));
                assert_eq!(conn.host, ["h2"]);
                assert!(conn.tls);
            }
            _ => panic!("expected ping"),
        }
        match parse(&["--format", "table", "repl", "-p", "b", "--timing"])
            .unwrap()
            .mode()
        {
            Ok(Mode::Repl { conn, out }) => {
                assert_eq!(conn.profile.as_deref(), Some("b"));
                assert_eq!(out.format, Some(Format::Table));
                assert!(out.timing);
                assert_eq!(out.on_error(), OnError::Stop);
            }
            _ => panic!("expected repl"),
        }
        // --config is global.
        let cli = parse(&["profiles", "--config", "/x.toml"]).unwrap();
        assert_eq!(cli.config, Some(PathBuf::from("/x.toml")));
    }

    #[test]
    fn status_and_completions() {
        match parse(&["-p", "a", "status", "--format", "json", "--host", "h"])
            .unwrap()
            .mode()
        {
            Ok(Mode::Status { conn, format }) => {
                assert_eq!(format, StatusFormat::Json);
                assert_eq!(conn.profile.as_deref(), Some("a"));
                assert_eq!(conn.host, ["h"]);
            }
            _ => panic!("expected status"),
        }
        assert!(matches!(
            parse(&["status"]).unwrap().mode(),
            Ok(Mode::Status {
                format: StatusFormat::Text,
                ..
            })
        ));
        assert!(matches!(
            parse(&["completions", "zsh"]).unwrap().mode(),
            Ok(Mode::Completions(clap_complete::Shell::Zsh))
        ));
        assert!(parse(&["completions", "tcsh"]).is_err());
    }

    #[test]
    fn output_defaults() {
        let out = OutArgs::default();
        assert_eq!(out.format_for(true), Format::Pretty);
        assert_eq!(out.format_for(false), Format::Ndjson);
        assert!(!out.color_for(false));
        let out = OutArgs {
            no_color: true,
            ..OutArgs::default()
        };
        assert!(!out.color_for(true));
    }
}
