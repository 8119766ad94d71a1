//! The profiles file: TOML syntax, validation with file:line:column errors, path resolution.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::shell::redact::Redactor;

use super::{
    ConfigError, HandshakeVersion, HostOrder, HostSpec, Secret, SecretSource, TlsSettings, Verify,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    default_profile: Option<Spanned<String>>,
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
    keys: Option<toml::Table>,
    ui: Option<Ui>,
    history: Option<RawHistory>,
    repl: Option<RawRepl>,
}

/// `[history]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    /// Key patterns whose values history never keeps (they replace the defaults).
    redact: Option<Spanned<Vec<String>>>,
}

/// `[repl]`: the line editor's settings.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepl {
    edit_mode: Option<super::EditMode>,
}

/// `[ui]`: typed so that a misspelt key or a wrong value is an error with its line, like the
/// profiles' keys, instead of being ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ui {
    /// `theme`: a built-in theme's name or a `.tmTheme` file.
    pub theme: Option<String>,
    /// `max_rows`: rows (or changes) a result tab keeps.
    pub max_rows: Option<std::num::NonZeroU32>,
    /// `system_refresh_ms`: how often a shown system view is read again.
    pub system_refresh_ms: Option<std::num::NonZeroU64>,
    /// Reserved for palette overrides.
    pub colors: Option<toml::Table>,
}

impl Ui {
    /// The theme to load (`rdbsh-dark` unless set).
    pub fn theme_name(&self) -> &str {
        self.theme.as_deref().unwrap_or("rdbsh-dark")
    }

    /// `max_rows`, when set.
    pub fn row_cap(&self) -> Option<usize> {
        self.max_rows.and_then(|n| usize::try_from(n.get()).ok())
    }

    /// `system_refresh_ms`, when set; below 100 ms the views would only load the server.
    pub fn system_refresh(&self) -> Option<Duration> {
        self.system_refresh_ms
            .map(|ms| Duration::from_millis(ms.get().max(100)))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    host: Option<Spanned<String>>,
    hosts: Option<Spanned<Vec<String>>>,
    discover: Option<bool>,
    host_order: Option<Spanned<String>>,
    port: Option<Spanned<u16>>,
    db: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    timeout: Option<Spanned<f64>>,
    query_timeout: Option<Spanned<f64>>,
    lang: Option<Spanned<String>>,
    protocol: Option<Spanned<RawProtocol>>,
    read_only: Option<bool>,
    queries: Option<String>,
    tls: Option<Spanned<bool>>,
    ca_cert: Option<Spanned<String>>,
    server_name: Option<Spanned<String>>,
    verify: Option<Spanned<RawVerify>>,
    pin: Option<Spanned<String>>,
    client_cert: Option<Spanned<String>>,
    client_key: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    auth_key_env: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    password_command: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    auth_key: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone, Copy)]
enum RawProtocol {
    #[serde(rename = "v1_0")]
    V1_0,
    #[serde(rename = "v0_4")]
    V0_4,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawVerify {
    Full,
    Ca,
    Pin,
    None,
}

/// One validated `[profiles.NAME]` table; absent fields fall back to the built-in defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProfileSpec {
    pub host: Option<String>,
    /// `hosts`: several servers, ports not yet defaulted.
    pub hosts: Option<Vec<HostSpec>>,
    pub discover: bool,
    pub host_order: Option<HostOrder>,
    pub port: Option<u16>,
    pub db: Option<String>,
    pub user: Option<String>,
    pub timeout: Option<Duration>,
    pub query_timeout: Option<Duration>,
    /// `lang`: the syntax queries are read in.
    pub lang: Option<crate::reql::Lang>,
    pub protocol: Option<HandshakeVersion>,
    pub read_only: bool,
    /// `queries`: the named queries' file.
    pub queries: Option<std::path::PathBuf>,
    pub tls: Option<TlsSettings>,
    pub secret: Option<SecretSource>,
}

/// The validated content of a profiles file.
pub(crate) struct Parsed {
    pub default_profile: Option<String>,
    pub profiles: BTreeMap<String, ProfileSpec>,
    pub keys: toml::Table,
    pub ui: Ui,
    /// `[history] redact`, checked.
    pub redactor: Redactor,
    pub edit_mode: super::EditMode,
    /// True when some profile holds an inline `password` or `auth_key`.
    pub inline_secrets: bool,
}

/// Source text and location of the file, for error positions and relative paths.
struct Ctx<'a> {
    path: &'a Path,
    src: &'a str,
    base: &'a Path,
}

impl Ctx<'_> {
    fn error(&self, span: Range<usize>, key: Option<String>, message: String) -> ConfigError {
        let (line, column) = line_column(self.src, span.start);
        ConfigError::File {
            path: self.path.to_path_buf(),
            line,
            column,
            key,
            message,
        }
    }
}

/// Parses and validates `src`, the content of the file at `path`.
pub(crate) fn parse(path: &Path, src: &str) -> Result<Parsed, ConfigError> {
    let base = path.parent().unwrap_or(Path::new("."));
    let ctx = Ctx { path, src, base };
    let raw: RawFile = toml::from_str(src).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        let key = key_path_at(src, span.start);
        let mut message = err.message().trim_end_matches('.').to_string();
        if key.as_deref().is_some_and(is_secret_key) {
            message = mask_value(&message, src.get(span.clone()).unwrap_or(""));
        }
        ctx.error(span, key, message)
    })?;
    let mut profiles = BTreeMap::new();
    let mut inline_secrets = false;
    for (name, raw_profile) in raw.profiles {
        inline_secrets |= raw_profile.password.is_some() || raw_profile.auth_key.is_some();
        let spec = validate(&ctx, &name, raw_profile)?;
        profiles.insert(name, spec);
    }
    let default_profile = match raw.default_profile {
        Some(name) if !profiles.contains_key(name.get_ref()) => {
            return Err(ctx.error(
                name.span(),
                Some("default_profile".into()),
                format!(
                    "no profile named `{}`; {}",
                    name.get_ref(),
                    known_names(profiles.keys())
                ),
            ));
        }
        other => other.map(Spanned::into_inner),
    };
    let redactor = match raw.history.and_then(|h| h.redact) {
        Some(patterns) => Redactor::new(patterns.get_ref()).map_err(|e| {
            ctx.error(
                patterns.span(),
                Some("history.redact".into()),
                e.to_string(),
            )
        })?,
        None => Redactor::default(),
    };
    Ok(Parsed {
        redactor,
        default_profile,
        profiles,
        keys: raw.keys.unwrap_or_default(),
        ui: raw.ui.unwrap_or_default(),
        edit_mode: raw.repl.and_then(|r| r.edit_mode).unwrap_or_default(),
        inline_secrets,
    })
}

/// Keys whose values are secrets and must never be echoed in an error.
fn is_secret_key(path: &str) -> bool {
    matches!(path.rsplit('.').next(), Some("password" | "auth_key"))
}

/// Removes a secret value from a parser message: the value's own text and anything the
/// parser quoted in backticks.
fn mask_value(message: &str, value: &str) -> String {
    let value = value.trim();
    let masked = if value.is_empty() {
        message.to_string()
    } else {
        message.replace(value, "***")
    };
    let mut out = String::with_capacity(masked.len());
    for (i, part) in masked.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are inside backticks.
        out.push_str(if i % 2 == 1 { "***" } else { part });
    }
    out
}

/// "known profiles: a, b" or a hint to define one.
pub(crate) fn known_names<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "no profiles are defined; add a [profiles.NAME] table to the config file".into()
    } else {
        format!("known profiles: {}", names.join(", "))
    }
}

fn validate(ctx: &Ctx<'_>, name: &str, raw: RawProfile) -> Result<ProfileSpec, ConfigError> {
    let key = |k: &str| Some(format!("profiles.{name}.{k}"));
    let (tls, hosts, secret) = (
        tls_settings(ctx, name, &raw)?,
        hosts(ctx, name, &raw)?,
        secret_source(ctx, name, &raw)?,
    );
    let mut spec = ProfileSpec {
        tls,
        hosts,
        secret,
        discover: raw.discover.unwrap_or(false),
        host: raw.host.map(Spanned::into_inner),
        db: raw.db.map(Spanned::into_inner),
        read_only: raw.read_only.unwrap_or(false),
        queries: raw.queries.as_deref().map(|q| resolve_path(q, ctx.base)),
        protocol: raw.protocol.map(|p| match p.into_inner() {
            RawProtocol::V1_0 => HandshakeVersion::V1_0,
            RawProtocol::V0_4 => HandshakeVersion::V0_4,
        }),
        query_timeout: seconds(ctx, name, "query_timeout", raw.query_timeout)?,
        timeout: seconds(ctx, name, "timeout", raw.timeout)?,
        ..ProfileSpec::default()
    };
    if let Some(port) = raw.port {
        if *port.get_ref() == 0 {
            return Err(ctx.error(port.span(), key("port"), "port 0 is not valid".into()));
        }
        spec.port = Some(port.into_inner());
    }
    if let Some(order) = raw.host_order {
        let parsed = order.get_ref().parse::<HostOrder>();
        spec.host_order =
            Some(parsed.map_err(|message| ctx.error(order.span(), key("host_order"), message))?);
    }
    if let Some(lang) = raw.lang {
        match crate::reql::Lang::parse(lang.get_ref()) {
            Some(l) => spec.lang = Some(l),
            None => {
                return Err(ctx.error(
                    lang.span(),
                    key("lang"),
                    "lang must be \"js\" or \"python\"".into(),
                ));
            }
        }
    }
    // The auth key logs in as admin over V1_0, so another user cannot work.
    if let Some(user) = raw.user {
        let over_v1 = spec.protocol != Some(HandshakeVersion::V0_4);
        if over_v1
            && user.get_ref() != "admin"
            && let Some(secret) = spec.secret.as_ref().filter(|s| s.is_auth_key())
        {
            return Err(ctx.error(
                user.span(),
                key("user"),
                format!(
                    "`{}` logs in as admin over V1_0, but `user` is `{}`; remove `user` or use `password_env`",
                    secret.key(),
                    user.get_ref()
                ),
            ));
        }
        spec.user = Some(user.into_inner());
    }
    Ok(spec)
}

/// `timeout` and `query_timeout`: a positive number of seconds.
fn seconds(
    ctx: &Ctx<'_>,
    name: &str,
    field: &str,
    value: Option<Spanned<f64>>,
) -> Result<Option<Duration>, ConfigError> {
    let Some(value) = value else {
        return Ok(None);
    };
    match positive_secs(*value.get_ref()) {
        Some(duration) => Ok(Some(duration)),
        None => Err(ctx.error(
            value.span(),
            Some(format!("profiles.{name}.{field}")),
            format!("{field} must be a positive number of seconds"),
        )),
    }
}

/// `hosts`: each entry `host` or `host:port`; not together with `host`, and not empty.
fn hosts(
    ctx: &Ctx<'_>,
    name: &str,
    raw: &RawProfile,
) -> Result<Option<Vec<HostSpec>>, ConfigError> {
    let Some(list) = &raw.hosts else {
        return Ok(None);
    };
    let error =
        |message: String| ctx.error(list.span(), Some(format!("profiles.{name}.hosts")), message);
    if raw.host.is_some() {
        return Err(error(
            "`host` and `hosts` are both set; keep `hosts` for several servers or `host` for one"
                .into(),
        ));
    }
    if list.get_ref().is_empty() {
        return Err(error(
            "`hosts` is empty; list the servers, e.g. hosts = [\"db1:28015\", \"db2\"]".into(),
        ));
    }
    list.get_ref()
        .iter()
        .map(|text| HostSpec::parse(text, &format!("hosts entry \"{text}\"")).map_err(&error))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The secret source: at most one of the six keys.
fn secret_source(
    ctx: &Ctx<'_>,
    name: &str,
    raw: &RawProfile,
) -> Result<Option<SecretSource>, ConfigError> {
    let text = |s: &Option<Spanned<String>>| s.as_ref().map(|s| (s.span(), s.get_ref().clone()));
    let sources: Vec<(&str, Range<usize>, SecretSource)> = [
        (
            "password_env",
            text(&raw.password_env).map(|(sp, v)| (sp, SecretSource::PasswordEnv(v))),
        ),
        (
            "auth_key_env",
            text(&raw.auth_key_env).map(|(sp, v)| (sp, SecretSource::AuthKeyEnv(v))),
        ),
        (
            "password_file",
            text(&raw.password_file)
                .map(|(sp, v)| (sp, SecretSource::PasswordFile(resolve_path(&v, ctx.base)))),
        ),
        (
            "password_command",
            text(&raw.password_command).map(|(sp, v)| (sp, SecretSource::PasswordCommand(v))),
        ),
        (
            "password",
            text(&raw.password).map(|(sp, v)| (sp, SecretSource::Password(Secret::new(v)))),
        ),
        (
            "auth_key",
            text(&raw.auth_key).map(|(sp, v)| (sp, SecretSource::AuthKey(Secret::new(v)))),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|(span, src)| (k, span, src)))
    .collect();
    if let [(first, _, _), (second, span, _), ..] = sources.as_slice() {
        return Err(ctx.error(
            span.clone(),
            Some(format!("profiles.{name}.{second}")),
            format!("`{first}` and `{second}` are both set; keep one secret source per profile"),
        ));
    }
    Ok(sources.into_iter().next().map(|(_, _, source)| source))
}

fn tls_settings(
    ctx: &Ctx<'_>,
    name: &str,
    raw: &RawProfile,
) -> Result<Option<TlsSettings>, ConfigError> {
    let key = |k: &str| Some(format!("profiles.{name}.{k}"));
    let named: [(&str, Option<Range<usize>>); 6] = [
        ("ca_cert", raw.ca_cert.as_ref().map(Spanned::span)),
        ("server_name", raw.server_name.as_ref().map(Spanned::span)),
        ("verify", raw.verify.as_ref().map(Spanned::span)),
        ("pin", raw.pin.as_ref().map(Spanned::span)),
        ("client_cert", raw.client_cert.as_ref().map(Spanned::span)),
        ("client_key", raw.client_key.as_ref().map(Spanned::span)),
    ];
    let implied = named.iter().find(|(_, span)| span.is_some());
    match (&raw.tls, implied) {
        (Some(tls), Some((other, _))) if !*tls.get_ref() => {
            return Err(ctx.error(
                tls.span(),
                key("tls"),
                format!("`tls = false` contradicts `{other}`; remove one of them"),
            ));
        }
        (Some(tls), None) if !*tls.get_ref() => return Ok(None),
        (None, None) => return Ok(None),
        _ => {}
    }
    let mut tls = TlsSettings {
        ca_cert: raw
            .ca_cert
            .as_ref()
            .map(|s| resolve_path(s.get_ref(), ctx.base)),
        server_name: raw.server_name.as_ref().map(|s| s.get_ref().clone()),
        client_cert: raw
            .client_cert
            .as_ref()
            .map(|s| resolve_path(s.get_ref(), ctx.base)),
        client_key: raw
            .client_key
            .as_ref()
            .map(|s| resolve_path(s.get_ref(), ctx.base)),
        pin: raw.pin.as_ref().map(|s| resolve_pin(s.get_ref(), ctx.base)),
        verify: Verify::Full,
    };
    tls.verify = match (&raw.verify, &raw.pin) {
        (Some(v), _) => match v.get_ref() {
            RawVerify::Full => Verify::Full,
            RawVerify::Ca => Verify::Ca,
            RawVerify::Pin => Verify::Pin,
            RawVerify::None => Verify::None,
        },
        (None, Some(_)) => Verify::Pin,
        (None, None) => Verify::Full,
    };
    if let (Some(pin), true) = (&raw.pin, tls.verify != Verify::Pin) {
        return Err(ctx.error(
            pin.span(),
            key("pin"),
            "`pin` needs `verify = \"pin\"`; change `verify` or remove `pin`".into(),
        ));
    }
    if let Err((k, message)) = check_tls(&tls) {
        let span = match k {
            "client_cert" => raw.client_cert.as_ref().map(Spanned::span),
            "client_key" => raw.client_key.as_ref().map(Spanned::span),
            _ => raw.verify.as_ref().map(Spanned::span),
        };
        return Err(ctx.error(span.unwrap_or(0..0), key(k), message));
    }
    Ok(Some(tls))
}

/// Rules every TLS setting obeys, wherever it came from; the error names the key at fault.
pub(crate) fn check_tls(tls: &TlsSettings) -> Result<(), (&'static str, String)> {
    match (&tls.client_cert, &tls.client_key) {
        (Some(_), None) => {
            return Err((
                "client_cert",
                "a client certificate needs its key; set `client_key` too".into(),
            ));
        }
        (None, Some(_)) => {
            return Err((
                "client_key",
                "a client key needs its certificate; set `client_cert` too".into(),
            ));
        }
        _ => {}
    }
    if tls.verify == Verify::Pin && tls.pin.is_none() && tls.ca_cert.is_none() {
        return Err((
            "verify",
            "`verify = \"pin\"` needs `pin` (a SHA-256 fingerprint or certificate file) or `ca_cert`"
                .into(),
        ));
    }
    Ok(())
}

/// Converts seconds to a duration; `None` unless positive and finite.
pub(crate) fn positive_secs(secs: f64) -> Option<Duration> {
    if secs > 0.0 {
        Duration::try_from_secs_f64(secs).ok()
    } else {
        None
    }
}

/// Expands `~` and resolves a relative path against `base` (the config file's directory).
pub(crate) fn resolve_path(raw: &str, base: &Path) -> PathBuf {
    let expanded = expand_tilde(raw);
    if expanded.is_relative() {
        base.join(expanded)
    } else {
        expanded
    }
}

/// Expands a leading `~` or `~/` to the home directory; `~user` is left alone.
pub(crate) fn expand_tilde(raw: &str) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    if raw == "~" {
        if let Some(home) = home() {
            return home;
        }
    } else if let Some(rest) = raw.strip_prefix("~/")
        && let Some(home) = home()
    {
        return home.join(rest);
    }
    PathBuf::from(raw)
}

/// A pin is a fingerprint (kept as written) or a certificate path (resolved like other paths).
fn resolve_pin(raw: &str, base: &Path) -> String {
    if is_fingerprint(raw) {
        raw.to_string()
    } else {
        resolve_path(raw, base).to_string_lossy().into_owned()
    }
}

/// SHA-256 fingerprint: 64 hex digits, colons optional, optional `sha256:` prefix.
pub(crate) fn is_fingerprint(text: &str) -> bool {
    let body = match text.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("sha256:") => &text[7..],
        _ => text,
    };
    let digits: Vec<char> = body.chars().filter(|c| *c != ':').collect();
    digits.len() == 64 && digits.iter().all(char::is_ascii_hexdigit)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The dotted key at a byte offset: the last `[table]` header above it plus the key on its
/// line. A best effort for error messages; `None` when the line has no `key =`.
fn key_path_at(src: &str, offset: usize) -> Option<String> {
    let offset = offset.min(src.len());
    let before = src.get(..offset)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[line_start..]
        .find('\n')
        .map_or(src.len(), |i| line_start + i);
    let line = src[line_start..line_end].trim();
    let header_of = |l: &str| {
        let l = l.trim();
        l.starts_with('[').then(|| {
            l.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
    };
    if let Some(header) = header_of(line) {
        return Some(header);
    }
    let key = line
        .split('=')
        .next()
        .map(str::trim)
        .filter(|_| line.contains('='))?;
    let mut key = key.to_string();
    // Inside an inline table (`a = { host = 1 }`), add the key nearest before the offset.
    let prefix = &src[line_start..offset];
    if let Some(brace) = prefix.find('{') {
        let inner = &prefix[brace + 1..];
        if let Some(eq) = inner.rfind('=') {
            let inner_key = inner[..eq]
                .rsplit([',', '{'])
                .next()
                .map(str::trim)
                .unwrap_or("");
            if !inner_key.is_empty() {
                key = format!("{key}.{inner_key}");
            }
        }
    }
    let header = src[..line_start].lines().rev().find_map(header_of);
    Some(match header {
        Some(h) if !h.is_empty() => format!("{h}.{key}"),
        _ => key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 6), (2, 1));
        assert_eq!(line_column(src, src.find('2').unwrap()), (2, 6));
    }

    #[test]
    fn key_paths() {
        let src = "top = 1\n[profiles.prod]\nhost = \"h\"\nport = \"x\"\n";
        assert_eq!(key_path_at(src, 2).as_deref(), Some("top"));
        assert_eq!(
            key_path_at(src, src.find("\"x\"").unwrap()).as_deref(),
            Some("profiles.prod.port")
        );
        assert_eq!(
            key_path_at(src, src.find("profiles").unwrap()).as_deref(),
            Some("profiles.prod")
        );
    }

    #[test]
    fn inline_table_key_paths() {
        let src = "[profiles]\na = { port = 1, host = 2 }\n";
        let at = src.find('2').unwrap();
        assert_eq!(key_path_at(src, at).as_deref(), Some("profiles.a.host"));
    }

    #[test]
    fn secret_values_are_masked_in_parser_messages() {
        assert_eq!(
            mask_value("invalid type: integer `12345`, expected a string", "12345"),
            "invalid type: integer `***`, expected a string"
        );
        assert_eq!(mask_value("bad 999 here", " 999 "), "bad *** here");
        assert!(is_secret_key("profiles.p.password"));
        assert!(is_secret_key("profiles.p.auth_key"));
        assert!(!is_secret_key("profiles.p.password_env"));
    }

    #[test]
    fn fingerprints() {
        let hex = "ab".repeat(32);
        assert!(is_fingerprint(&hex));
        assert!(is_fingerprint(&format!("sha256:{hex}")));
        let colons: Vec<String> = (0..32).map(|_| "AB".to_string()).collect();
        assert!(is_fingerprint(&colons.join(":")));
        assert!(!is_fingerprint("certs/server.pem"));
        assert!(!is_fingerprint(&"ab".repeat(31)));
    }

    #[test]
    fn paths_resolve_against_the_file_and_home() {
        let base = Path::new("/etc/rdbsh");
        assert_eq!(
            resolve_path("ca.pem", base),
            PathBuf::from("/etc/rdbsh/ca.pem")
        );
        assert_eq!(
            resolve_path("/abs/ca.pem", base),
            PathBuf::from("/abs/ca.pem")
        );
        if let Some(dirs) = directories::BaseDirs::new() {
            assert_eq!(
                resolve_path("~/ca.pem", base),
                dirs.home_dir().join("ca.pem")
            );
            assert_eq!(resolve_path("~", base), dirs.home_dir());
        }
        assert_eq!(
            resolve_path("~bob/x", base),
            PathBuf::from("/etc/rdbsh/~bob/x")
        );
    }
}
