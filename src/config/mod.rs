//! Profiles: the config file, URLs, CONN flags and secret sources, resolved into a [`Profile`].

mod file;
mod resolve;
mod secret;
mod summary;
mod url;

#[cfg(test)]
mod tests;

pub use file::Ui;
pub use resolve::ConnOverrides;
pub use secret::{Secret, SecretSource};
pub use summary::ProfileSummary;
pub use url::{Address, ConnUrl, HostSpec, host_port};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use file::ProfileSpec;

/// Default RethinkDB driver port.
pub const DEFAULT_PORT: u16 = 28015;
/// Default connect timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Which handshake to speak: V1_0 (SCRAM-SHA-256, RethinkDB 2.3+) or V0_4 (auth key, 2.0–2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandshakeVersion {
    #[default]
    V1_0,
    V0_4,
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verify {
    /// Chain to a trusted root and host name (the default).
    #[default]
    Full,
    /// Chain only; any name.
    Ca,
    /// The server's certificate must equal a pinned certificate or SHA-256 fingerprint.
    Pin,
    /// No verification at all (explicit, warned about on every connect).
    None,
}

/// TLS settings of a profile; present means TLS is on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsSettings {
    /// PEM file with the trusted CA certificate(s); system roots when absent.
    pub ca_cert: Option<PathBuf>,
    /// Name to verify (and send as SNI) instead of the host dialled.
    pub server_name: Option<String>,
    pub verify: Verify,
    /// For `Verify::Pin`: a SHA-256 fingerprint (hex, colons optional, optional `sha256:` prefix)
    /// or the path of a PEM certificate. When absent, `ca_cert` is the pinned certificate.
    pub pin: Option<String>,
    /// Client certificate chain (PEM) for mutual TLS.
    pub client_cert: Option<PathBuf>,
    /// Client private key (PEM) for mutual TLS.
    pub client_key: Option<PathBuf>,
}

/// A fully resolved connection target: what `net::connect` needs, secrets already read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Profile name, when it came from the config file.
    pub name: Option<String>,
    /// The host dialled first (with `hosts`, the first of them).
    pub host: String,
    pub port: u16,
    /// Several servers of one cluster, tried in this order (`hosts`, repeated `--host`, a
    /// URL with several hosts); empty: `host:port` alone.
    pub hosts: Vec<Address>,
    /// `discover`: after connecting, add the cluster's other servers to the hosts.
    pub discover: bool,
    /// `host_order`: the hosts in the order written, or shuffled once per connect.
    pub host_order: HostOrder,
    /// Default database (sent as the `db` global optarg).
    pub db: String,
    /// User name; with an auth key over V1_0 this is `admin`.
    pub user: String,
    /// Password (V1_0) or auth key (V0_4); `None` means the empty password.
    pub secret: Option<Secret>,
    pub handshake: HandshakeVersion,
    /// TLS on when `Some`.
    pub tls: Option<TlsSettings>,
    pub timeout: Duration,
    /// How long one statement may run before it is stopped (`None`: no bound).
    pub query_timeout: Option<Duration>,
    /// Refuse writes before sending them.
    pub read_only: bool,
    /// The syntax queries are read in (`lang`, `--lang`).
    pub lang: crate::reql::Lang,
    /// `queries`: the named queries' file, instead of the one in the data directory.
    pub queries: Option<std::path::PathBuf>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            name: None,
            host: "localhost".into(),
            port: DEFAULT_PORT,
            hosts: Vec::new(),
            discover: false,
            host_order: HostOrder::InOrder,
            db: "test".into(),
            user: "admin".into(),
            secret: None,
            handshake: HandshakeVersion::V1_0,
            tls: None,
            timeout: DEFAULT_TIMEOUT,
            query_timeout: None,
            read_only: false,
            lang: crate::reql::Lang::Js,
            queries: None,
        }
    }
}

impl Profile {
    /// The addresses to try, in the profile's order: `hosts`, else `host:port`.
    pub fn addresses(&self) -> Vec<Address> {
        if self.hosts.is_empty() {
            vec![Address::new(self.host.clone(), self.port)]
        } else {
            self.hosts.clone()
        }
    }

    /// `host:port`, or every host joined with `,` (for titles and messages).
    pub fn address_list(&self) -> String {
        let all: Vec<String> = self.addresses().iter().map(Address::to_string).collect();
        all.join(",")
    }
}

/// The order hosts are tried in (`host_order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostOrder {
    /// As written (the default).
    #[default]
    InOrder,
    /// Shuffled, so that many clients spread over the servers.
    Random,
}

impl std::str::FromStr for HostOrder {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "in_order" => Ok(HostOrder::InOrder),
            "random" => Ok(HostOrder::Random),
            other => Err(format!(
                "unknown host_order `{other}`; use \"in_order\" or \"random\""
            )),
        }
    }
}

impl std::str::FromStr for Verify {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" => Ok(Verify::Full),
            "ca" => Ok(Verify::Ca),
            "pin" => Ok(Verify::Pin),
            "none" => Ok(Verify::None),
            other => Err(format!(
                "unknown verify mode `{other}`; use full, ca, pin or none"
            )),
        }
    }
}

impl Verify {
    /// The name used in the config file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Verify::Full => "full",
            Verify::Ca => "ca",
            Verify::Pin => "pin",
            Verify::None => "none",
        }
    }
}

impl HandshakeVersion {
    /// The name used in the config file (`protocol = "v1_0"`).
    pub fn as_str(self) -> &'static str {
        match self {
            HandshakeVersion::V1_0 => "v1_0",
            HandshakeVersion::V0_4 => "v0_4",
        }
    }
}

/// Everything that can be wrong with the config file, a URL, the CONN flags or a secret source.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists (or was named explicitly) but cannot be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A syntax error, unknown key or invalid value, with its position.
    #[error("{}:{line}:{column}: {}{message}", path.display(), key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default())]
    File {
        path: PathBuf,
        line: usize,
        column: usize,
        /// Dotted key path (`profiles.prod.port`) when known.
        key: Option<String>,
        message: String,
    },
    /// `-p NAME` names no profile.
    #[error("unknown profile `{name}`; {known}")]
    UnknownProfile { name: String, known: String },
    /// A malformed `--url` (the message never repeats the URL).
    #[error("invalid --url: {0}")]
    Url(String),
    /// Settings that contradict each other after merging profile, URL and flags.
    #[error("{0}")]
    Conflict(String),
    /// A secret source that failed; `what` names it, the message never holds the secret.
    #[error("cannot get the secret from {what}: {message}")]
    Secret { what: String, message: String },
}

/// The profiles file, loaded and validated.
/// The REPL's key bindings (`[repl] edit_mode`), as rustyline offers them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EditMode {
    #[default]
    Emacs,
    Vi,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file that was read; `None` when there is none at the default location.
    pub path: Option<PathBuf>,
    /// Where the file is looked for when neither `--config` nor `RDBSH_CONFIG` is given.
    pub default_path: Option<PathBuf>,
    /// `default_profile`, already checked to name a profile.
    pub default_profile: Option<String>,
    /// The `[keys]` table, for the TUI keymap (opaque here).
    pub keys: toml::Table,
    /// The `[ui]` table, checked when the file is read.
    pub ui: Ui,
    /// `[history] redact`: which keys' values history never keeps.
    pub redactor: crate::shell::redact::Redactor,
    /// `[repl] edit_mode`: the REPL's key bindings.
    pub edit_mode: EditMode,
    /// Warnings to show once (e.g. inline secrets in a file others can read).
    pub warnings: Vec<String>,
    profiles: BTreeMap<String, ProfileSpec>,
    has_inline_secrets: bool,
}

impl Config {
    /// `$XDG_CONFIG_HOME/rdbsh/config.toml` (or the platform's config directory).
    pub fn default_file() -> Option<PathBuf> {
        // XDG_CONFIG_HOME wins on every platform: people who set it expect it to be honoured.
        if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from)
            && xdg.is_absolute()
        {
            return Some(xdg.join("rdbsh").join("config.toml"));
        }
        directories::ProjectDirs::from("", "", "rdbsh").map(|d| d.config_dir().join("config.toml"))
    }

    /// Loads `explicit_path` (an error when missing) or the default file (empty when missing).
    pub fn load(explicit_path: Option<&Path>) -> Result<Config, ConfigError> {
        let default_path = Config::default_file();
        let path = match explicit_path {
            Some(path) => path.to_path_buf(),
            None => match &default_path {
                Some(path) if path.exists() => path.clone(),
                _ => {
                    return Ok(Config {
                        default_path,
                        ..Config::default()
                    });
                }
            },
        };
        // Absolute, so that relative paths inside resolve the same from any directory.
        let path = std::path::absolute(&path).unwrap_or(path);
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let mut config = Config::from_toml(&path, &text)?;
        config.default_path = default_path;
        if config.has_inline_secrets && readable_by_others(&path) {
            config.warnings.push(format!(
                "{} holds an inline password or auth_key and is readable by group or others; run `chmod 600 {}` or use password_env",
                path.display(),
                path.display()
            ));
        }
        config.has_inline_secrets = false;
        Ok(config)
    }

    /// Parses config text as if read from `path` (used for relative paths and error positions).
    pub fn from_toml(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let parsed = file::parse(path, text)?;
        Ok(Config {
            path: Some(path.to_path_buf()),
            default_path: None,
            default_profile: parsed.default_profile,
            keys: parsed.keys,
            ui: parsed.ui,
            redactor: parsed.redactor,
            edit_mode: parsed.edit_mode,
            warnings: Vec::new(),
            profiles: parsed.profiles,
            has_inline_secrets: parsed.inline_secrets,
        })
    }

    /// Profile names, sorted.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}
