//! What `rdbsh profiles` shows: each profile with its secret source masked.

use std::fmt::Write as _;
use std::time::Duration;

use super::{Config, DEFAULT_TIMEOUT, HandshakeVersion, Profile, TlsSettings, Verify};

/// One profile as listed by `rdbsh profiles`; holds no secret values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSummary {
    pub name: String,
    /// True for the `default_profile`.
    pub is_default: bool,
    pub host: String,
    pub port: u16,
    /// `hosts`, each as `host:port`; empty for a profile with one host.
    pub hosts: Vec<String>,
    pub db: String,
    pub user: String,
    pub protocol: HandshakeVersion,
    /// "off", or the verify mode, trust source, server name and client certificate.
    pub tls: String,
    /// Where the secret comes from (`password_env = PROD_PW`, `password = ***`), or "none".
    pub secret: String,
    pub read_only: bool,
    pub timeout: Duration,
}

impl ProfileSummary {
    /// `host:port/db`, with IPv6 hosts in brackets.
    pub fn address(&self) -> String {
        if self.hosts.is_empty() {
            format!("{}/{}", super::host_port(&self.host, self.port), self.db)
        } else {
            format!("{}/{}", self.hosts.join(","), self.db)
        }
    }
}

/// Describes TLS settings in one line, e.g. "verify full, ca_cert /etc/ca.pem, client cert".
pub fn describe_tls(tls: Option<&TlsSettings>) -> String {
    let Some(tls) = tls else {
        return "off".into();
    };
    let mut parts = vec![format!("verify {}", tls.verify.as_str())];
    match (&tls.ca_cert, tls.verify) {
        (Some(ca), _) => parts.push(format!("ca_cert {}", ca.display())),
        (None, Verify::Full | Verify::Ca) => parts.push("system roots".into()),
        _ => {}
    }
    if let Some(pin) = &tls.pin {
        parts.push(format!("pin {pin}"));
    }
    if let Some(name) = &tls.server_name {
        parts.push(format!("server_name {name}"));
    }
    if tls.client_cert.is_some() {
        parts.push("client cert".into());
    }
    parts.join(", ")
}

impl Config {
    /// Every profile with defaults filled in and secrets masked, sorted by name.
    pub fn profile_summaries(&self) -> Vec<ProfileSummary> {
        let defaults = Profile::default();
        self.profiles
            .iter()
            .map(|(name, spec)| {
                let over_v1 = spec.protocol.unwrap_or_default() == HandshakeVersion::V1_0;
                let auth_key = spec.secret.as_ref().is_some_and(|s| s.is_auth_key());
                ProfileSummary {
                    name: name.clone(),
                    is_default: self.default_profile.as_deref() == Some(name),
                    host: spec.host.clone().unwrap_or_else(|| defaults.host.clone()),
                    port: spec.port.unwrap_or(defaults.port),
                    hosts: spec
                        .hosts
                        .iter()
                        .flatten()
                        .map(|h| {
                            h.with_default(spec.port.unwrap_or(defaults.port))
                                .to_string()
                        })
                        .collect(),
                    db: spec.db.clone().unwrap_or_else(|| defaults.db.clone()),
                    user: match (&spec.user, over_v1 && auth_key) {
                        (_, true) => "admin".into(),
                        (Some(user), false) => user.clone(),
                        (None, false) => defaults.user.clone(),
                    },
                    protocol: spec.protocol.unwrap_or_default(),
                    tls: describe_tls(spec.tls.as_ref()),
                    secret: spec
                        .secret
                        .as_ref()
                        .map_or_else(|| "none".into(), |s| s.describe()),
                    read_only: spec.read_only,
                    timeout: spec.timeout.unwrap_or(DEFAULT_TIMEOUT),
                }
            })
            .collect()
    }

    /// The text of `rdbsh profiles`: the file in use, then one aligned row per profile.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        match (&self.path, &self.default_path) {
            (Some(path), _) => {
                let _ = writeln!(out, "config file: {}", path.display());
            }
            (None, Some(default)) => {
                let _ = writeln!(out, "config file: none (looked for {})", default.display());
            }
            (None, None) => out.push_str("config file: none\n"),
        }
        let summaries = self.profile_summaries();
        if summaries.is_empty() {
            out.push_str("no profiles; add [profiles.NAME] tables to the config file (see examples/config.toml)\n");
            return out;
        }
        let header = [
            "NAME", "ADDRESS", "USER", "PROTOCOL", "TLS", "SECRET", "OPTIONS",
        ];
        let rows: Vec<[String; 7]> = summaries
            .iter()
            .map(|s| {
                let mut options = Vec::new();
                if s.read_only {
                    options.push("read-only".to_string());
                }
                if s.timeout != DEFAULT_TIMEOUT {
                    options.push(format!("timeout {}s", s.timeout.as_secs_f64()));
                }
                [
                    format!("{} {}", if s.is_default { "*" } else { " " }, s.name),
                    s.address(),
                    s.user.clone(),
                    s.protocol.as_str().to_string(),
                    s.tls.clone(),
                    s.secret.clone(),
                    if options.is_empty() {
                        "-".into()
                    } else {
                        options.join(", ")
                    },
                ]
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        widths[0] += 2;
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut push_row = |cells: &[String]| {
            let line: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        };
        let mut head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        head[0] = format!("  {}", head[0]);
        push_row(&head);
        for row in &rows {
            push_row(row);
        }
        if self.default_profile.is_some() {
            out.push_str("(* default profile)\n");
        }
        out
    }
}
