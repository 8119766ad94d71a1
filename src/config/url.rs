//! `rethinkdb://user[:pass]@host:port/db` connection URLs.

use super::{ConfigError, Secret};

/// The parts of a `--url`; each part that is present overrides the profile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnUrl {
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// The hosts, in order (IPv6 without brackets); several with
    /// `rethinkdb://db1:28015,db2:28015/app`.
    pub hosts: Vec<HostSpec>,
    /// The port of a URL with one host (`rethinkdb://:29015` sets only the port).
    pub port: Option<u16>,
    pub db: Option<String>,
}

const SCHEME: &str = "rethinkdb://";

/// `host:port` for messages and addresses, an IPv6 address in brackets (`[::1]:28015`).
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

impl ConnUrl {
    /// Parses a URL. Errors never repeat the URL, since it may hold a password.
    pub fn parse(url: &str) -> Result<ConnUrl, ConfigError> {
        let err = |m: String| ConfigError::Url(m);
        let rest = match url.get(..SCHEME.len()) {
            Some(head) if head.eq_ignore_ascii_case(SCHEME) => &url[SCHEME.len()..],
            _ => {
                return Err(err(
                    "the url must start with rethinkdb:// (rethinkdb://user:pass@host:port/db)"
                        .into(),
                ));
            }
        };
        if rest.contains(['?', '#']) {
            return Err(err(
                "query strings and fragments are not supported in the url".into(),
            ));
        }
        // The last `@` ends the user part, so an unescaped `@` in a password still works.
        let (userinfo, hostpart) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (authority, path) = match hostpart.find('/') {
            Some(slash) => (&hostpart[..slash], &hostpart[slash + 1..]),
            None => (hostpart, ""),
        };
        let mut parsed = ConnUrl::default();
        if let Some(info) = userinfo {
            let (user, pass) = match info.find(':') {
                Some(colon) => (&info[..colon], Some(&info[colon + 1..])),
                None => (info, None),
            };
            if !user.is_empty() {
                parsed.user = Some(decode(user, "user")?);
            }
            if let Some(pass) = pass {
                parsed.password = Some(Secret::new(decode(pass, "password")?));
            }
        }
        let authorities: Vec<&str> = authority.split(',').collect();
        if let [single] = authorities.as_slice() {
            let (host, port) = split_host_port(single, "the url").map_err(err)?;
            if let Some(host) = host {
                parsed.hosts.push(HostSpec::new(decode(&host, "host")?));
            }
            if let Some(first) = parsed.hosts.first_mut() {
                first.port = port;
            }
            parsed.port = port;
        } else {
            for one in authorities {
                let (host, port) = split_host_port(one, "the url").map_err(err)?;
                let Some(host) = host else {
                    return Err(err(
                        "each host of a url with several hosts needs a name: rethinkdb://db1:28015,db2:28015/db".into(),
                    ));
                };
                parsed.hosts.push(HostSpec {
                    host: decode(&host, "host")?,
                    port,
                });
            }
        }
        if path.contains('/') {
            return Err(err(
                "the url path must be a single database name (rethinkdb://host/db)".into(),
            ));
        }
        if !path.is_empty() {
            parsed.db = Some(decode(path, "database")?);
        }
        Ok(parsed)
    }
}

/// A host as written in `hosts`, `--host` or a URL: a name or address with an optional port
/// (`db1`, `db1:28016`, `[::1]:28015`); the port defaults to the profile's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    pub host: String,
    pub port: Option<u16>,
}

impl HostSpec {
    /// A host without a port.
    pub fn new(host: impl Into<String>) -> HostSpec {
        HostSpec {
            host: host.into(),
            port: None,
        }
    }

    /// Parses `host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 address (`::1`) is taken
    /// whole. `what` names the text in errors (`--host`, `hosts entry "x"`).
    pub fn parse(text: &str, what: &str) -> Result<HostSpec, String> {
        if text.parse::<std::net::Ipv6Addr>().is_ok() {
            return Ok(HostSpec::new(text));
        }
        let (host, port) = split_host_port(text, what)?;
        match host {
            Some(host) => Ok(HostSpec { host, port }),
            None => Err(format!("{what} names no host; write host or host:port")),
        }
    }

    /// The address to dial: this host with its port, else `default_port`.
    pub fn with_default(&self, default_port: u16) -> Address {
        Address {
            host: self.host.clone(),
            port: self.port.unwrap_or(default_port),
        }
    }
}

/// A host and port to dial.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    pub host: String,
    pub port: u16,
}

impl Address {
    pub fn new(host: impl Into<String>, port: u16) -> Address {
        Address {
            host: host.into(),
            port,
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&host_port(&self.host, self.port))
    }
}

/// Splits `host[:port]` (IPv6 in brackets); `what` names the text in errors. The host is
/// returned as written (a URL's is percent-decoded by its caller).
fn split_host_port(authority: &str, what: &str) -> Result<(Option<String>, Option<u16>), String> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some(close) = v6.find(']') else {
            return Err(format!("the IPv6 address in {what} lacks its closing `]`"));
        };
        let after = &v6[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => {
                return Err(format!("expected `:port` after the IPv6 address in {what}"));
            }
        };
        (&v6[..close], port)
    } else {
        match authority.rfind(':') {
            Some(colon) if authority[..colon].contains(':') => {
                return Err(format!(
                    "write an IPv6 address with a port in brackets in {what}: [::1]:28015"
                ));
            }
            Some(colon) => (&authority[..colon], Some(&authority[colon + 1..])),
            None => (authority, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(text) => match text.parse::<u16>() {
            Ok(0) | Err(_) => {
                return Err(format!(
                    "port `{text}` in {what} is not a number from 1 to 65535"
                ));
            }
            Ok(port) => Some(port),
        },
    };
    Ok(((!host.is_empty()).then(|| host.to_owned()), port))
}

/// Percent-decodes one URL part into UTF-8.
fn decode(part: &str, what: &str) -> Result<String, ConfigError> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => out.push(byte),
                None => {
                    return Err(ConfigError::Url(format!(
                        "bad percent escape in the url {what}; write %XX with two hex digits"
                    )));
                }
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| {
        ConfigError::Url(format!(
            "the url {what} is not valid UTF-8 after percent-decoding"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> ConnUrl {
        ConnUrl::parse(url).unwrap()
    }

    #[test]
    fn full_url() {
        let u = parse("rethinkdb://bob:pw@db.example.com:28016/app");
        assert_eq!(u.user.as_deref(), Some("bob"));
        assert_eq!(u.password.as_ref().map(Secret::expose), Some("pw"));
        assert_eq!(
            u.hosts,
            [HostSpec {
                host: "db.example.com".into(),
                port: Some(28016)
            }]
        );
        assert_eq!(u.port, Some(28016));
        assert_eq!(u.db.as_deref(), Some("app"));
    }

    #[test]
    fn parts_are_optional() {
        assert_eq!(
            parse("rethinkdb://host"),
            ConnUrl {
                hosts: vec![HostSpec::new("host")],
                ..Default::default()
            }
        );
        let u = parse("rethinkdb://alice@host/");
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert!(u.password.is_none() && u.db.is_none() && u.port.is_none());
        assert_eq!(parse("rethinkdb://:29015").port, Some(29015));
        assert_eq!(parse("rethinkdb://"), ConnUrl::default());
        assert_eq!(parse("RETHINKDB://h").hosts, [HostSpec::new("h")]);
    }

    #[test]
    fn ipv6_hosts() {
        let u = parse("rethinkdb://[::1]:28015/test");
        assert_eq!(u.hosts[0].host, "::1");
        assert_eq!(u.port, Some(28015));
        let u = parse("rethinkdb://admin@[fe80::1]");
        assert_eq!(u.hosts, [HostSpec::new("fe80::1")]);
        assert_eq!(u.port, None);
        assert!(ConnUrl::parse("rethinkdb://[::1").is_err());
        assert!(ConnUrl::parse("rethinkdb://::1:28015").is_err());
        assert!(ConnUrl::parse("rethinkdb://[::1]x").is_err());
    }

    #[test]
    fn percent_escapes() {
        let u = parse("rethinkdb://us%40er:p%3Aw%2F%25@h/d%62");
        assert_eq!(u.user.as_deref(), Some("us@er"));
        assert_eq!(u.password.as_ref().map(Secret::expose), Some("p:w/%"));
        assert_eq!(u.db.as_deref(), Some("db"));
        let u = parse("rethinkdb://u:caf%C3%A9@h");
        assert_eq!(u.password.as_ref().map(Secret::expose), Some("café"));
        // Unescaped `@` in a password: the last `@` ends the user part.
        let u = parse("rethinkdb://u:a@b@h");
        assert_eq!(u.password.as_ref().map(Secret::expose), Some("a@b"));
        assert_eq!(u.hosts, [HostSpec::new("h")]);
    }

    #[test]
    fn several_hosts() {
        let u = parse("rethinkdb://user@db1:28015,db2,[::1]:28016/app");
        assert_eq!(u.user.as_deref(), Some("user"));
        assert_eq!(u.db.as_deref(), Some("app"));
        assert_eq!(u.port, None);
        let hosts: Vec<String> = u
            .hosts
            .iter()
            .map(|h| h.with_default(7).to_string())
            .collect();
        assert_eq!(hosts, ["db1:28015", "db2:7", "[::1]:28016"]);
        assert!(ConnUrl::parse("rethinkdb://db1,:28015/app").is_err());
        assert!(ConnUrl::parse("rethinkdb://db1,db2:0").is_err());
    }

    #[test]
    fn host_specs() {
        let spec = |t: &str| HostSpec::parse(t, "--host");
        assert_eq!(spec("db2"), Ok(HostSpec::new("db2")));
        assert_eq!(
            spec("10.0.0.3:28016").map(|h| h.with_default(1)),
            Ok(Address::new("10.0.0.3", 28016))
        );
        assert_eq!(spec("::1"), Ok(HostSpec::new("::1")));
        assert_eq!(spec("[::1]:5").map(|h| h.port), Ok(Some(5)));
        let err = spec("db:x").unwrap_err();
        assert!(
            err.contains("--host") && err.contains("1 to 65535"),
            "{err}"
        );
        assert!(spec(":28015").is_err());
        assert!(spec("[::1").is_err());
        assert_eq!(Address::new("::1", 9).to_string(), "[::1]:9");
    }

    #[test]
    fn errors_never_echo_the_password() {
        for bad in [
            "http://u:topsecret@h",
            "rethinkdb://u:topsecret@h:99999",
            "rethinkdb://u:topsecret@h:abc",
            "rethinkdb://u:top%zzsecret@h",
            "rethinkdb://u:topsecret@h/a/b",
            "rethinkdb://u:topsecret@h/db?x=1",
            "rethinkdb://u:topsecret@h:0",
        ] {
            let text = ConnUrl::parse(bad).unwrap_err().to_string();
            assert!(!text.contains("topsecret"), "{bad}: {text}");
            assert!(text.contains("url"), "{bad}: {text}");
        }
    }
}
