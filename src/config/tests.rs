//! Rules of profile loading and resolution.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;

fn config(text: &str) -> Config {
    Config::from_toml(Path::new("/cfg/dir/config.toml"), text).unwrap()
}

fn config_err(text: &str) -> ConfigError {
    match Config::from_toml(Path::new("/cfg/dir/config.toml"), text) {
        Ok(_) => panic!("config was accepted:\n{text}"),
        Err(err) => err,
    }
}

fn none() -> ConnOverrides {
    ConnOverrides::default()
}

fn url(text: &str) -> ConnOverrides {
    ConnOverrides {
        url: Some(ConnUrl::parse(text).unwrap()),
        ..ConnOverrides::default()
    }
}

/// Asserts a file error at `line` whose text names `key`.
fn assert_at(err: &ConfigError, line: usize, key: &str) {
    match err {
        ConfigError::File {
            line: l, key: k, ..
        } => {
            assert_eq!(*l, line, "{err}");
            assert_eq!(k.as_deref(), Some(key), "{err}");
        }
        other => panic!("expected a file error, got {other}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("/cfg/dir/config.toml:{line}:")),
        "{text}"
    );
    assert!(text.contains(key), "{text}");
}

#[test]
fn built_in_defaults() {
    let p = Config::default().resolve(None, &none()).unwrap();
    assert_eq!(p, Profile::default());
    assert_eq!(p.host, "localhost");
    assert_eq!(p.port, 28015);
    assert_eq!(p.db, "test");
    assert_eq!(p.user, "admin");
    assert_eq!(p.timeout, Duration::from_secs(20));
    assert_eq!(p.handshake, HandshakeVersion::V1_0);
    assert!(p.tls.is_none() && p.secret.is_none() && !p.read_only);
}

#[test]
fn profile_fields_and_defaults_fill_in() {
    let c = config(
        r#"
[profiles.staging]
host = "staging.example.com"
port = 29015
db = "app"
user = "ops"
timeout = 2.5
protocol = "v0_4"
read_only = true
"#,
    );
    let p = c.resolve(Some("staging"), &none()).unwrap();
    assert_eq!(p.name.as_deref(), Some("staging"));
    assert_eq!(p.host, "staging.example.com");
    assert_eq!(p.port, 29015);
    assert_eq!(p.db, "app");
    assert_eq!(p.user, "ops");
    assert_eq!(p.timeout, Duration::from_millis(2500));
    assert_eq!(p.handshake, HandshakeVersion::V0_4);
    assert!(p.read_only);

    let c = config("[profiles.min]\nhost = \"h\"\ntimeout = 5\n");
    let p = c.resolve(Some("min"), &none()).unwrap();
    assert_eq!(
        (p.port, p.db.as_str(), p.user.as_str()),
        (28015, "test", "admin")
    );
    assert_eq!(p.timeout, Duration::from_secs(5));
}

#[test]
fn profile_selection() {
    let c = config(
        r#"
default_profile = "b"
[profiles.a]
host = "ha"
[profiles.b]
host = "hb"
"#,
    );
    assert_eq!(c.resolve(None, &none()).unwrap().host, "hb");
    assert_eq!(c.resolve(Some("a"), &none()).unwrap().host, "ha");
    // Without default_profile and -p, no profile applies.
    let c = config("[profiles.a]\nhost = \"ha\"\n");
    let p = c.resolve(None, &none()).unwrap();
    assert_eq!((p.host.as_str(), p.name), ("localhost", None));
}

#[test]
fn unknown_profile_lists_the_known_names() {
    let c = config("[profiles.prod]\n[profiles.local]\n");
    let err = c.resolve(Some("stage"), &none()).unwrap_err();
    assert!(matches!(err, ConfigError::UnknownProfile { .. }));
    let text = err.to_string();
    assert!(text.contains("`stage`"), "{text}");
    assert!(text.contains("known profiles: local, prod"), "{text}");

    let err = Config::default().resolve(Some("x"), &none()).unwrap_err();
    assert!(err.to_string().contains("no config file"), "{err}");

    let err = config_err("default_profile = \"nope\"\n[profiles.a]\n");
    assert_at(&err, 1, "default_profile");
    assert!(err.to_string().contains("known profiles: a"), "{err}");
}

#[test]
fn precedence_defaults_profile_url_flags() {
    let c = config(
        r#"
default_profile = "p"
[profiles.p]
host = "profile-host"
port = 1111
db = "profile-db"
user = "profile-user"
timeout = 3
"#,
    );
    // The URL overrides only the parts it has.
    let p = c
        .resolve(None, &url("rethinkdb://url-host/url-db"))
        .unwrap();
    assert_eq!(p.host, "url-host");
    assert_eq!(p.port, 1111);
    assert_eq!(p.db, "url-db");
    assert_eq!(p.user, "profile-user");

    // Flags override the URL and the profile.
    let mut o = url("rethinkdb://url-user@url-host:2222/url-db");
    o.hosts = vec![super::HostSpec::new("flag-host")];
    o.db = Some("flag-db".into());
    o.timeout = Some(Duration::from_secs(9));
    let p = c.resolve(None, &o).unwrap();
    assert_eq!(p.host, "flag-host");
    assert_eq!(p.port, 2222);
    assert_eq!(p.db, "flag-db");
    assert_eq!(p.user, "url-user");
    assert_eq!(p.timeout, Duration::from_secs(9));
    o.port = Some(3333);
    o.user = Some("flag-user".into());
    let p = c.resolve(None, &o).unwrap();
    assert_eq!((p.port, p.user.as_str()), (3333, "flag-user"));
}

#[test]
fn url_password_and_ipv6() {
    let p = Config::default()
        .resolve(None, &url("rethinkdb://bob:p%40ss@[::1]:28016/app"))
        .unwrap();
    assert_eq!(p.host, "::1");
    assert_eq!(p.port, 28016);
    assert_eq!(p.user, "bob");
    assert_eq!(p.secret.as_ref().map(Secret::expose), Some("p@ss"));
    let o = url("rethinkdb://bob:pw@h");
    assert_eq!(o.warnings().len(), 1);
    assert!(o.warnings()[0].contains("process list"));
    assert!(url("rethinkdb://bob@h").warnings().is_empty());
}

#[test]
fn flag_secret_beats_url_password_and_profile() {
    let var = "RDBSH_TEST_FLAG_SECRET_3391";
    // SAFETY: a variable only this test uses.
    unsafe { std::env::set_var(var, "from-env") };
    let c = config("default_profile = \"p\"\n[profiles.p]\npassword = \"inline\"\n");
    assert_eq!(
        c.resolve(None, &none()).unwrap().secret.unwrap().expose(),
        "inline"
    );
    let mut o = url("rethinkdb://admin:from-url@h");
    assert_eq!(
        c.resolve(None, &o).unwrap().secret.unwrap().expose(),
        "from-url"
    );
    o.password_env = Some(var.into());
    assert_eq!(
        c.resolve(None, &o).unwrap().secret.unwrap().expose(),
        "from-env"
    );
    unsafe { std::env::remove_var(var) };
}

#[test]
fn secret_sources_resolve_when_building_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw.txt"), "file-secret\n").unwrap();
    let path = dir.path().join("config.toml");
    let text = r#"
[profiles.file]
password_file = "pw.txt"
[profiles.cmd]
password_command = "printf 'cmd-secret\n'"
[profiles.env]
password_env = "RDBSH_TEST_UNSET_VAR_5512"
[profiles.key]
auth_key = "inline-key"
"#;
    std::fs::write(&path, text).unwrap();
    let c = Config::load(Some(&path)).unwrap();
    let secret = |name| c.resolve(Some(name), &none()).map(|p| p.secret.unwrap());
    assert_eq!(secret("file").unwrap().expose(), "file-secret");
    assert_eq!(secret("cmd").unwrap().expose(), "cmd-secret");
    assert_eq!(secret("key").unwrap().expose(), "inline-key");
    let err = secret("env").unwrap_err().to_string();
    assert!(err.contains("RDBSH_TEST_UNSET_VAR_5512"), "{err}");
    assert!(err.contains("`password_env` of profile `env`"), "{err}");

    let failing =
        config("[profiles.f]\npassword_command = \"echo vault: no entry oops >&2; exit 7\"\n");
    let err = failing.resolve(Some("f"), &none()).unwrap_err().to_string();
    assert!(
        err.contains("password_command") && err.contains("exit status 7"),
        "{err}"
    );
    assert!(err.contains("oops"), "{err}");

    let err = Config::default()
        .resolve(
            None,
            &ConnOverrides {
                auth_key_env: Some("RDBSH_TEST_UNSET_VAR_5513".into()),
                ..none()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--auth-key-env RDBSH_TEST_UNSET_VAR_5513"),
        "{err}"
    );
}

#[test]
fn one_secret_source_per_profile() {
    let err = config_err("[profiles.p]\npassword_env = \"A\"\npassword = \"x\"\n");
    assert_at(&err, 3, "profiles.p.password");
    assert!(
        err.to_string().contains("`password_env` and `password`"),
        "{err}"
    );
    assert!(!err.to_string().contains("\"x\""), "{err}");
}

#[test]
fn auth_key_rules() {
    // Over V1_0 the auth key is the admin password.
    let c = config("[profiles.k]\nauth_key = \"key\"\n");
    let p = c.resolve(Some("k"), &none()).unwrap();
    assert_eq!(p.user, "admin");
    assert_eq!(p.handshake, HandshakeVersion::V1_0);
    assert_eq!(p.secret.unwrap().expose(), "key");
    // With an explicit admin user it is fine too.
    config("[profiles.k]\nuser = \"admin\"\nauth_key_env = \"K\"\n");

    // Another user with an auth key over V1_0 is an error naming both keys.
    let err = config_err("[profiles.k]\nauth_key_env = \"K\"\nuser = \"bob\"\n");
    assert_at(&err, 3, "profiles.k.user");
    assert!(err.to_string().contains("auth_key_env"), "{err}");

    // Over V0_4 there is no user; the key goes in the V0_4 handshake.
    let c = config("[profiles.k]\nprotocol = \"v0_4\"\nauth_key = \"key\"\nuser = \"bob\"\n");
    let p = c.resolve(Some("k"), &none()).unwrap();
    assert_eq!(p.handshake, HandshakeVersion::V0_4);
    assert_eq!(p.secret.unwrap().expose(), "key");

    // --user against a profile's auth key names both.
    let c = config("[profiles.k]\nauth_key = \"key\"\n");
    let o = ConnOverrides {
        user: Some("bob".into()),
        ..none()
    };
    let err = c.resolve(Some("k"), &o).unwrap_err().to_string();
    assert!(
        err.contains("--user") && err.contains("`auth_key` of profile `k`"),
        "{err}"
    );
    assert!(!err.contains("key\""), "{err}");

    // --auth-key-env against a profile's user names both.
    let c = config("[profiles.u]\nuser = \"bob\"\n");
    let o = ConnOverrides {
        auth_key_env: Some("RDBSH_TEST_AK".into()),
        ..none()
    };
    let err = c.resolve(Some("u"), &o).unwrap_err().to_string();
    assert!(
        err.contains("--auth-key-env RDBSH_TEST_AK") && err.contains("`user` of profile `u`"),
        "{err}"
    );
}

#[test]
fn tls_settings() {
    let c = config(
        r#"
[profiles.sys]
tls = true
[profiles.ca]
ca_cert = "certs/ca.pem"
server_name = "db.internal"
[profiles.verify]
verify = "ca"
[profiles.client]
client_cert = "/abs/client.pem"
client_key = "client.key"
[profiles.pin]
pin = "sha256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"
[profiles.pinfile]
verify = "pin"
pin = "server.pem"
[profiles.plain]
tls = false
"#,
    );
    let tls = |name| c.resolve(Some(name), &none()).unwrap().tls;
    assert_eq!(tls("sys"), Some(TlsSettings::default()));
    let ca = tls("ca").unwrap();
    assert_eq!(ca.ca_cert, Some(PathBuf::from("/cfg/dir/certs/ca.pem")));
    assert_eq!(ca.server_name.as_deref(), Some("db.internal"));
    assert_eq!(ca.verify, Verify::Full);
    assert_eq!(tls("verify").unwrap().verify, Verify::Ca);
    let client = tls("client").unwrap();
    assert_eq!(client.client_cert, Some(PathBuf::from("/abs/client.pem")));
    assert_eq!(
        client.client_key,
        Some(PathBuf::from("/cfg/dir/client.key"))
    );
    let pin = tls("pin").unwrap();
    assert_eq!(pin.verify, Verify::Pin);
    assert!(pin.pin.unwrap().starts_with("sha256:ABAB"));
    assert_eq!(
        tls("pinfile").unwrap().pin.as_deref(),
        Some("/cfg/dir/server.pem")
    );
    assert_eq!(tls("plain"), None);
}

#[test]
fn tls_rule_errors_point_at_the_key() {
    let err = config_err("[profiles.x]\ntls = false\nca_cert = \"ca.pem\"\n");
    assert_at(&err, 2, "profiles.x.tls");
    let err = config_err("[profiles.x]\nclient_cert = \"c.pem\"\n");
    assert_at(&err, 2, "profiles.x.client_cert");
    let err = config_err("[profiles.x]\nverify = \"pin\"\n");
    assert_at(&err, 2, "profiles.x.verify");
    let err = config_err(&format!(
        "[profiles.x]\nverify = \"full\"\npin = \"{}\"\n",
        "ab".repeat(32)
    ));
    assert_at(&err, 3, "profiles.x.pin");
    let err = config_err("[profiles.x]\nverify = \"sometimes\"\n");
    assert_at(&err, 2, "profiles.x.verify");
}

#[test]
fn tls_flags_override() {
    let c = config("default_profile = \"p\"\n[profiles.p]\nca_cert = \"ca.pem\"\n");
    let o = ConnOverrides {
        tls_verify: Some(Verify::None),
        ..none()
    };
    let tls = c.resolve(None, &o).unwrap().tls.unwrap();
    assert_eq!(tls.verify, Verify::None);
    assert_eq!(tls.ca_cert, Some(PathBuf::from("/cfg/dir/ca.pem")));

    // Any TLS flag turns TLS on.
    let on = |o: ConnOverrides| Config::default().resolve(None, &o).unwrap().tls;
    assert_eq!(
        on(ConnOverrides {
            tls: true,
            ..none()
        }),
        Some(TlsSettings::default())
    );
    let tls = on(ConnOverrides {
        ca_cert: Some("rel/ca.pem".into()),
        tls_server_name: Some("n".into()),
        ..none()
    })
    .unwrap();
    // Flag paths stay relative to the working directory.
    assert_eq!(tls.ca_cert, Some(PathBuf::from("rel/ca.pem")));
    assert_eq!(tls.server_name.as_deref(), Some("n"));
    let tls = on(ConnOverrides {
        tls_pin: Some("ab".repeat(32)),
        ..none()
    })
    .unwrap();
    assert_eq!(tls.verify, Verify::Pin);

    let err = Config::default()
        .resolve(
            None,
            &ConnOverrides {
                tls_verify: Some(Verify::Pin),
                ..none()
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("pin"), "{err}");
}

#[test]
fn syntax_and_type_errors_name_line_column_and_key() {
    let err = config_err("[profiles.prod]\nhost = \"h\"\nhots = \"x\"\n");
    assert_at(&err, 3, "profiles.prod.hots");
    assert!(err.to_string().contains("unknown field"), "{err}");

    let err = config_err("[profiles.prod]\nhost = \"h\"\n\nport = \"many\"\n");
    assert_at(&err, 4, "profiles.prod.port");
    match &err {
        ConfigError::File { column, .. } => assert_eq!(*column, 8),
        _ => unreachable!(),
    }

    let err = config_err("[profiles.prod]\nport = 70000\n");
    assert_at(&err, 2, "profiles.prod.port");

    let err = config_err("[profiles.p]\nprotocol = \"v2\"\n");
    assert_at(&err, 2, "profiles.p.protocol");

    let err = config_err("[profiles.p]\ntimeout = 0\n");
    assert_at(&err, 2, "profiles.p.timeout");

    let err = config_err("colour = \"red\"\n");
    assert_at(&err, 1, "colour");

    let err = config_err("[profiles.p]\npassword = 918273\n");
    assert_at(&err, 2, "profiles.p.password");
    assert!(!err.to_string().contains("918273"), "{err}");

    let err = config_err("[profiles]\np = { host = \"h\", port = \"x\" }\n");
    assert_at(&err, 2, "profiles.p.port");

    let err = config_err("[profiles.p]\nhost = \"unterminated\n");
    match err {
        ConfigError::File { line, .. } => assert_eq!(line, 2),
        other => panic!("{other}"),
    }
}

#[test]
fn keys_and_ui_tables_are_kept_opaque() {
    let c = config(
        r#"
[keys]
run = "ctrl-enter"
[ui]
theme = "base16-ocean.dark"
[ui.colors]
accent = "cyan"
"#,
    );
    assert_eq!(
        c.keys.get("run").and_then(|v| v.as_str()),
        Some("ctrl-enter")
    );
    assert_eq!(c.ui.theme.as_deref(), Some("base16-ocean.dark"));
    assert!(c.ui.colors.is_some());
    assert!(config("").keys.is_empty());
}

#[test]
fn ui_typos_and_bad_values_are_errors_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    for (text, key, line) in [
        ("[ui]\nthem = \"rdbsh-light\"\n", "ui.them", 2),
        (
            "[ui]\ntheme = \"rdbsh-light\"\nmax_rows = -5\n",
            "ui.max_rows",
            3,
        ),
        ("[ui]\nmax_rows = 0\n", "ui.max_rows", 2),
        ("[ui]\ntheme = 5\n", "ui.theme", 2),
        ("[ui]\nsystem_refresh_ms = 0\n", "ui.system_refresh_ms", 2),
        (
            "[ui]\nsystem_refresh_ms = \"2s\"\n",
            "ui.system_refresh_ms",
            2,
        ),
    ] {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        match Config::load(Some(&path)) {
            Err(ConfigError::File {
                key: Some(k),
                line: l,
                ..
            }) => assert_eq!((k.as_str(), l), (key, line), "{text}"),
            Err(other) => panic!("{text}: {other}"),
            Ok(_) => panic!("{text}: accepted"),
        }
    }
    let c = config("[ui]\nmax_rows = 500\n");
    assert_eq!(c.ui.row_cap(), Some(500));
}

#[test]
fn explicit_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = Config::load(Some(&dir.path().join("absent.toml"))).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().contains("absent.toml"), "{err}");
}

#[cfg(unix)]
#[test]
fn inline_secret_in_a_readable_file_warns_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let chmod =
        |mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    std::fs::write(
        &path,
        "[profiles.a]\npassword = \"pw-one\"\n[profiles.b]\nauth_key = \"k\"\n",
    )
    .unwrap();
    chmod(0o644);
    let warnings = Config::load(Some(&path)).unwrap().warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("chmod 600"), "{warnings:?}");
    // The warning names the file; a temporary directory's name is letters and digits, so it
    // never holds a password with a dash.
    assert!(!warnings[0].contains("pw-one"));
    chmod(0o640);
    assert_eq!(Config::load(Some(&path)).unwrap().warnings.len(), 1);
    chmod(0o600);
    assert!(Config::load(Some(&path)).unwrap().warnings.is_empty());
    // No inline secret: no warning whatever the mode.
    std::fs::write(&path, "[profiles.a]\npassword_env = \"PW\"\n").unwrap();
    chmod(0o644);
    assert!(Config::load(Some(&path)).unwrap().warnings.is_empty());
}

#[test]
fn summaries_mask_secrets_and_show_their_source() {
    let c = config(
        r#"
default_profile = "prod"
[profiles.prod]
host = "db.example.com"
auth_key = "sup3r-secret-key"
ca_cert = "ca.pem"
[profiles.dev]
password_env = "DEV_PW"
read_only = true
[profiles.v6]
host = "::1"
password = "inline-pw"
protocol = "v0_4"
"#,
    );
    let s = c.profile_summaries();
    let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["dev", "prod", "v6"]);
    assert_eq!(s[0].secret, "password_env = DEV_PW");
    assert!(s[0].read_only && !s[0].is_default);
    assert!(s[1].is_default);
    assert_eq!(s[1].secret, "auth_key = ***");
    assert_eq!(s[1].address(), "db.example.com:28015/test");
    assert_eq!(s[1].user, "admin");
    assert!(s[1].tls.contains("verify full") && s[1].tls.contains("/cfg/dir/ca.pem"));
    assert_eq!(s[2].address(), "[::1]:28015/test");
    assert_eq!(s[2].secret, "password = ***");
    assert_eq!(s[2].protocol, HandshakeVersion::V0_4);
    assert_eq!(s[0].tls, "off");

    let listing = c.listing();
    let debug = format!("{c:?}");
    for text in [&listing, &debug] {
        assert!(!text.contains("sup3r-secret-key"), "{text}");
        assert!(!text.contains("inline-pw"), "{text}");
    }
    assert!(
        listing.contains("config file: /cfg/dir/config.toml"),
        "{listing}"
    );
    assert!(listing.contains("* prod"), "{listing}");
    assert!(listing.contains("read-only"), "{listing}");
}

#[test]
fn verify_names_round_trip() {
    for v in [Verify::Full, Verify::Ca, Verify::Pin, Verify::None] {
        assert_eq!(v.as_str().parse::<Verify>(), Ok(v));
    }
    assert!("strict".parse::<Verify>().is_err());
    assert_eq!(HandshakeVersion::V0_4.as_str(), "v0_4");
}

#[test]
fn history_redact_patterns_are_checked_where_written() {
    let c = config("[history]\nredact = [\"ssn\", \"*Card-Number*\"]\n");
    assert!(c.redactor.is_secret_key("ssn"));
    assert!(c.redactor.is_secret_key("credit_card_number"));
    assert!(!c.redactor.is_secret_key("password"));
    assert!(config("").redactor.is_secret_key("password"));
    let err = config_err("\n[history]\nredact = [\"password\", \"*\"]\n");
    assert_at(&err, 3, "history.redact");
    assert!(err.to_string().contains("names nothing"), "{err}");
    let err = config_err("[history]\nredakt = []\n");
    assert!(err.to_string().contains("unknown field"), "{err}");
}

/// Every documented `[ui]` key, from the file's text to what the TUI is started with.
#[test]
fn every_documented_ui_key_reaches_the_tui() {
    use crate::tui::{AppConfig, Keymap};
    let c = config("[ui]\ntheme = \"rdbsh-light\"\nmax_rows = 250\nsystem_refresh_ms = 5000\n");
    let info = crate::tui::panes::status::ConnectionInfo::from_profile(&Default::default());
    let mut app = AppConfig::new(Keymap::defaults().unwrap(), info);
    app.apply_ui(&c.ui).unwrap();
    assert_eq!(app.theme.name(), "rdbsh-light");
    assert_eq!(app.row_cap, 250);
    assert_eq!(app.system_refresh, Duration::from_millis(5000));
    // Below 100 ms is raised to 100.
    app.apply_ui(&config("[ui]\nsystem_refresh_ms = 5\n").ui)
        .unwrap();
    assert_eq!(app.system_refresh, Duration::from_millis(100));
    assert_eq!(app.theme.name(), "rdbsh-dark");
    assert!(
        app.apply_ui(&config("[ui]\ntheme = \"no-such\"\n").ui)
            .is_err()
    );
}

#[test]
fn a_profile_queries_file_is_relative_to_the_config_file() {
    let c = config("[profiles.team]\nqueries = \"shared/queries.toml\"\n[profiles.solo]\n");
    let p = c.resolve(Some("team"), &none()).unwrap();
    assert_eq!(
        p.queries,
        Some(PathBuf::from("/cfg/dir/shared/queries.toml"))
    );
    assert_eq!(c.resolve(Some("solo"), &none()).unwrap().queries, None);
}

fn addresses(p: &Profile) -> Vec<String> {
    p.addresses().iter().map(Address::to_string).collect()
}

#[test]
fn hosts_of_a_cluster_take_the_profile_port() {
    let c = config(
        "[profiles.c]\nhosts = [\"db1:28015\", \"db2\", \"10.0.0.3:28016\", \"[::1]\"]\nport = 29015\ndiscover = true\nhost_order = \"random\"\n",
    );
    let p = c.resolve(Some("c"), &none()).unwrap();
    assert_eq!(
        addresses(&p),
        ["db1:28015", "db2:29015", "10.0.0.3:28016", "[::1]:29015"]
    );
    assert_eq!((p.host.as_str(), p.port), ("db1", 28015));
    assert!(p.discover);
    assert_eq!(p.host_order, HostOrder::Random);
    // --port changes the hosts written without one.
    let o = ConnOverrides {
        port: Some(1),
        ..none()
    };
    let p = c.resolve(Some("c"), &o).unwrap();
    assert_eq!(addresses(&p)[1], "db2:1");
    let listing = c.listing();
    assert!(listing.contains("db1:28015,db2:29015"), "{listing}");
}

#[test]
fn one_host_has_no_host_list() {
    let p = config("[profiles.a]\nhost = \"h\"\nport = 2\n")
        .resolve(Some("a"), &none())
        .unwrap();
    assert!(p.hosts.is_empty());
    assert_eq!(addresses(&p), ["h:2"]);
    assert!(!p.discover);
    assert_eq!(p.host_order, HostOrder::InOrder);
}

#[test]
fn host_and_hosts_together_name_the_line() {
    let err = config_err("[profiles.c]\nhost = \"a\"\n\nhosts = [\"b\", \"c\"]\n");
    assert_at(&err, 4, "profiles.c.hosts");
    assert!(
        err.to_string().contains("`host` and `hosts` are both set"),
        "{err}"
    );
    let err = config_err("[profiles.c]\nhosts = []\n");
    assert_at(&err, 2, "profiles.c.hosts");
    let err = config_err("[profiles.c]\nhosts = [\"a\", \"b:0\"]\n");
    assert_at(&err, 2, "profiles.c.hosts");
    assert!(err.to_string().contains("\"b:0\""), "{err}");
    let err = config_err("[profiles.c]\nhost = \"a\"\nhost_order = \"sideways\"\n");
    assert_at(&err, 3, "profiles.c.host_order");
}

#[test]
fn url_and_flags_replace_the_profile_hosts() {
    let c = config("[profiles.c]\nhosts = [\"db1\", \"db2\"]\n");
    let mut o = url("rethinkdb://bob@u1:1,u2/app");
    let p = c.resolve(Some("c"), &o).unwrap();
    assert_eq!(addresses(&p), ["u1:1", "u2:28015"]);
    assert_eq!((p.user.as_str(), p.db.as_str()), ("bob", "app"));
    o.hosts = vec![HostSpec::new("only")];
    let p = c.resolve(Some("c"), &o).unwrap();
    assert_eq!(addresses(&p), ["only:28015"]);
    assert!(p.hosts.is_empty());
    let o = ConnOverrides {
        hosts: vec![HostSpec::new("f1"), HostSpec::new("f2")],
        ..none()
    };
    let p = config("[profiles.a]\nhost = \"h\"\n")
        .resolve(Some("a"), &o)
        .unwrap();
    assert_eq!(addresses(&p), ["f1:28015", "f2:28015"]);
}
