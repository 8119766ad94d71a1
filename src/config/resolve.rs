//! Merging defaults < profile < `--url` < CONN flags into a [`Profile`], secrets read last.

use std::path::PathBuf;
use std::time::Duration;

use super::file::{check_tls, known_names};
use super::{
    Config, ConfigError, ConnUrl, HandshakeVersion, HostSpec, Profile, SecretSource, TlsSettings,
    Verify,
};

/// The CONN flags of the command line; `None`/`false` means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnOverrides {
    pub url: Option<ConnUrl>,
    /// `--host` (repeatable): one host, or several servers of a cluster.
    pub hosts: Vec<HostSpec>,
    pub port: Option<u16>,
    pub db: Option<String>,
    pub user: Option<String>,
    pub password_env: Option<String>,
    pub auth_key_env: Option<String>,
    /// Turns TLS on with this CA file.
    pub ca_cert: Option<PathBuf>,
    /// `--tls`: TLS on (system roots unless a CA file is set).
    pub tls: bool,
    pub tls_server_name: Option<String>,
    pub tls_verify: Option<Verify>,
    /// `--tls-pin`: SHA-256 fingerprint or certificate file for `verify = pin`.
    pub tls_pin: Option<String>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub timeout: Option<Duration>,
    /// `--query-timeout`.
    pub query_timeout: Option<Duration>,
    /// `--lang`.
    pub lang: Option<crate::reql::Lang>,
}

impl ConnOverrides {
    /// Warnings about the flags themselves (a password in `--url`), to show once.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.url.as_ref().is_some_and(|u| u.password.is_some()) {
            out.push(
                "the password in --url may be visible to other users in the process list; prefer --password-env or a profile"
                    .into(),
            );
        }
        out
    }

    fn touches_tls(&self) -> bool {
        self.tls
            || self.ca_cert.is_some()
            || self.tls_server_name.is_some()
            || self.tls_verify.is_some()
            || self.tls_pin.is_some()
            || self.client_cert.is_some()
            || self.client_key.is_some()
    }
}

/// Which layer set a value, for error messages.
#[derive(Clone)]
enum Origin {
    Profile(String),
    Url,
    Flag,
}

impl Origin {
    fn user(&self) -> String {
        match self {
            Origin::Profile(name) => format!("`user` of profile `{name}`"),
            Origin::Url => "the user in --url".into(),
            Origin::Flag => "--user".into(),
        }
    }

    fn secret(&self, source: &SecretSource) -> String {
        match (self, source.flag()) {
            (Origin::Profile(name), _) => format!("`{}` of profile `{name}`", source.key()),
            (_, Some(flag)) => match source {
                SecretSource::PasswordEnv(var) | SecretSource::AuthKeyEnv(var) => {
                    format!("{flag} {var}")
                }
                _ => flag.to_string(),
            },
            (_, None) => source.key().to_string(),
        }
    }
}

impl Config {
    /// The profile to use: `name` (from `-p` / `RDBSH_PROFILE`), else `default_profile`, else none.
    fn select(
        &self,
        name: Option<&str>,
    ) -> Result<Option<(&String, &super::ProfileSpec)>, ConfigError> {
        match name.or(self.default_profile.as_deref()) {
            None => Ok(None),
            Some(name) => match self.profiles.get_key_value(name) {
                Some(found) => Ok(Some(found)),
                None => Err(ConfigError::UnknownProfile {
                    name: name.to_string(),
                    known: match &self.path {
                        Some(_) => known_names(self.profiles.keys()),
                        None => format!(
                            "no config file was found{}; create it or pass --config FILE",
                            self.default_path
                                .as_ref()
                                .map(|p| format!(" at {}", p.display()))
                                .unwrap_or_default()
                        ),
                    },
                }),
            },
        }
    }

    /// Builds the connection target: defaults < profile < `--url` < CONN flags; reads the secret.
    pub fn resolve(
        &self,
        profile: Option<&str>,
        overrides: &ConnOverrides,
    ) -> Result<Profile, ConfigError> {
        let mut layers = Layers::default();
        if let Some((name, spec)) = self.select(profile)? {
            layers.profile(name, spec);
        }
        if let Some(url) = &overrides.url {
            layers.url(url);
        }
        layers.flags(overrides)?;
        layers.finish()
    }
}

/// The profile being built, layer on layer, with where its user and secret came from.
#[derive(Default)]
struct Layers {
    out: Profile,
    user_origin: Option<Origin>,
    secret: Option<(SecretSource, Origin)>,
    /// Each layer that names hosts replaces the hosts of the layers below; their ports are
    /// defaulted last (after `--port`).
    hosts: Option<Vec<HostSpec>>,
}

impl Layers {
    fn user(&mut self, user: Option<&String>, origin: Origin) {
        if let Some(user) = user {
            self.out.user = user.clone();
            self.user_origin = Some(origin);
        }
    }

    fn profile(&mut self, name: &str, spec: &super::ProfileSpec) {
        let out = &mut self.out;
        out.name = Some(name.to_owned());
        self.hosts = spec
            .hosts
            .clone()
            .or_else(|| spec.host.clone().map(|h| vec![HostSpec::new(h)]));
        set(&mut out.port, spec.port);
        out.discover = spec.discover;
        set(&mut out.host_order, spec.host_order);
        set(&mut out.db, spec.db.clone());
        set(&mut out.timeout, spec.timeout);
        if spec.query_timeout.is_some() {
            out.query_timeout = spec.query_timeout;
        }
        set(&mut out.lang, spec.lang);
        set(&mut out.handshake, spec.protocol);
        out.read_only = spec.read_only;
        out.queries = spec.queries.clone();
        out.tls = spec.tls.clone();
        let origin = Origin::Profile(name.to_owned());
        self.user(spec.user.as_ref(), origin.clone());
        self.secret = spec.secret.clone().map(|s| (s, origin));
    }

    fn url(&mut self, url: &ConnUrl) {
        if !url.hosts.is_empty() {
            self.hosts = Some(url.hosts.clone());
        }
        set(&mut self.out.port, url.port);
        set(&mut self.out.db, url.db.clone());
        self.user(url.user.as_ref(), Origin::Url);
        if let Some(password) = &url.password {
            self.secret = Some((SecretSource::UrlPassword(password.clone()), Origin::Url));
        }
    }

    fn flags(&mut self, overrides: &ConnOverrides) -> Result<(), ConfigError> {
        if !overrides.hosts.is_empty() {
            self.hosts = Some(overrides.hosts.clone());
        }
        let out = &mut self.out;
        set(&mut out.port, overrides.port);
        set(&mut out.db, overrides.db.clone());
        set(&mut out.lang, overrides.lang);
        set(&mut out.timeout, overrides.timeout);
        if overrides.query_timeout.is_some() {
            out.query_timeout = overrides.query_timeout;
        }
        if overrides.touches_tls() {
            out.tls = Some(merge_tls(out.tls.take(), overrides)?);
        }
        self.user(overrides.user.as_ref(), Origin::Flag);
        match (&overrides.password_env, &overrides.auth_key_env) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Conflict(
                    "--password-env and --auth-key-env cannot be used together; pick one".into(),
                ));
            }
            (Some(var), None) => {
                self.secret = Some((SecretSource::PasswordEnv(var.clone()), Origin::Flag));
            }
            (None, Some(var)) => {
                self.secret = Some((SecretSource::AuthKeyEnv(var.clone()), Origin::Flag));
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// Checks the user against an auth key, defaults the hosts' ports, reads the secret.
    fn finish(self) -> Result<Profile, ConfigError> {
        let Layers {
            mut out,
            user_origin,
            secret,
            hosts,
        } = self;
        // Over V1_0 the auth key is the admin password (as the 2.3+ drivers send it).
        if let Some((source, origin)) = &secret
            && source.is_auth_key()
            && out.handshake == HandshakeVersion::V1_0
        {
            match &user_origin {
                Some(by) if out.user != "admin" => {
                    return Err(ConfigError::Conflict(format!(
                        "{} logs in as admin over V1_0, but {} is `{}`; drop one of them or set protocol = \"v0_4\"",
                        origin.secret(source),
                        by.user(),
                        out.user
                    )));
                }
                _ => out.user = "admin".into(),
            }
        }
        match hosts.as_deref() {
            Some([one]) => {
                let address = one.with_default(out.port);
                (out.host, out.port) = (address.host, address.port);
            }
            Some(several @ [first, ..]) => {
                out.hosts = several.iter().map(|h| h.with_default(out.port)).collect();
                let address = first.with_default(out.port);
                (out.host, out.port) = (address.host, address.port);
            }
            _ => {}
        }
        if let Some((source, origin)) = &secret {
            out.secret = Some(source.read_within(&origin.secret(source), out.timeout)?);
        }
        Ok(out)
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

fn merge_tls(
    base: Option<TlsSettings>,
    overrides: &ConnOverrides,
) -> Result<TlsSettings, ConfigError> {
    let mut tls = base.unwrap_or_default();
    let expand = |p: &PathBuf| super::file::expand_tilde(&p.to_string_lossy());
    set(
        &mut tls.ca_cert,
        overrides.ca_cert.as_ref().map(|p| Some(expand(p))),
    );
    set(
        &mut tls.server_name,
        overrides.tls_server_name.clone().map(Some),
    );
    set(
        &mut tls.client_cert,
        overrides.client_cert.as_ref().map(|p| Some(expand(p))),
    );
    set(
        &mut tls.client_key,
        overrides.client_key.as_ref().map(|p| Some(expand(p))),
    );
    if let Some(pin) = &overrides.tls_pin {
        tls.pin = Some(pin.clone());
        tls.verify = Verify::Pin;
    }
    if let Some(verify) = overrides.tls_verify {
        if overrides.tls_pin.is_some() && verify != Verify::Pin {
            return Err(ConfigError::Conflict(format!(
                "--tls-pin needs --tls-verify pin, not {}",
                verify.as_str()
            )));
        }
        tls.verify = verify;
        // A profile's pin means nothing once another mode is chosen on the command line.
        if verify != Verify::Pin {
            tls.pin = None;
        }
    }
    check_tls(&tls).map_err(|(key, message)| {
        ConfigError::Conflict(format!("TLS settings ({key}): {message}"))
    })?;
    Ok(tls)
}
