//! `rdbsh profiles`, config errors and exit codes, through the real binary.
// Tests state expectations with unwrap, expect and panic (denied outside tests, Cargo.toml).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

const SECRET: &str = "s3cr3t-Value-77";

/// The binary with no ambient config: XDG_CONFIG_HOME points at an empty temp dir.
fn rdbsh(xdg: &Path) -> Command {
    let mut cmd = Command::cargo_bin("rdbsh").unwrap();
    cmd.env("XDG_CONFIG_HOME", xdg)
        .env_remove("RDBSH_CONFIG")
        .env_remove("RDBSH_PROFILE")
        .env_remove("NO_COLOR");
    cmd
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn profiles_text() -> String {
    format!(
        r#"default_profile = "prod"

[profiles.prod]
host = "db.example.com"
port = 29015
db = "app"
auth_key = "{SECRET}"
ca_cert = "ca.pem"

[profiles.dev]
user = "alice"
password_env = "DEV_PW"

[profiles.ops]
password = "{SECRET}"
password_command = "unused"
"#
    )
}

#[test]
fn profiles_lists_with_secrets_masked_via_config_flag() {
    let xdg = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = profiles_text().replace("password_command = \"unused\"\n", "");
    let path = write_config(dir.path(), &text);
    let out = rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .arg("profiles")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains(&format!("config file: {}", path.display())),
        "{stdout}"
    );
    assert!(stdout.contains("* prod"), "{stdout}");
    assert!(stdout.contains("db.example.com:29015/app"), "{stdout}");
    assert!(stdout.contains("auth_key = ***"), "{stdout}");
    assert!(stdout.contains("password_env = DEV_PW"), "{stdout}");
    assert!(stdout.contains("password = ***"), "{stdout}");
    assert!(stdout.contains("alice"), "{stdout}");
    assert!(stdout.contains("verify full"), "{stdout}");
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    // Mode 600: no permission warning.
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn profiles_reads_rdbsh_config_and_the_xdg_default() {
    let xdg = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "[profiles.from_env]\n");
    rdbsh(xdg.path())
        .env("RDBSH_CONFIG", &path)
        .arg("profiles")
        .assert()
        .success()
        .stdout(predicate::str::contains("from_env"));

    // Nothing at the default location: an empty config, not an error. Empty variables are unset.
    rdbsh(xdg.path())
        .env("RDBSH_CONFIG", "")
        .env("RDBSH_PROFILE", "")
        .arg("profiles")
        .assert()
        .success()
        .stdout(predicate::str::contains("config file: none"));

    // $XDG_CONFIG_HOME/rdbsh/config.toml is found by default.
    let rdbsh_dir = xdg.path().join("rdbsh");
    std::fs::create_dir_all(&rdbsh_dir).unwrap();
    write_config(&rdbsh_dir, "[profiles.from_xdg]\n");
    rdbsh(xdg.path())
        .arg("profiles")
        .assert()
        .success()
        .stdout(predicate::str::contains("from_xdg"))
        .stdout(predicate::str::contains(
            rdbsh_dir.join("config.toml").display().to_string(),
        ));
}

#[test]
fn missing_explicit_config_is_exit_2() {
    let xdg = tempfile::tempdir().unwrap();
    rdbsh(xdg.path())
        .args(["--config", "/nonexistent/rdbsh.toml", "profiles"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/rdbsh.toml"));
}

#[test]
fn bad_file_is_exit_2_with_file_line_and_key() {
    let xdg = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        "[profiles.prod]\nhost = \"h\"\nport = \"high\"\n",
    );
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .arg("profiles")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(format!("{}:3:", path.display())))
        .stderr(predicate::str::contains("profiles.prod.port"));

    let path = write_config(dir.path(), "[profiles.prod]\n\nhots = \"h\"\n");
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .arg("profiles")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{}:3:1", path.display())))
        .stderr(predicate::str::contains("profiles.prod.hots"));

    // Two secret sources: the error names the key but never the inline value.
    let path = write_config(dir.path(), &profiles_text());
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .arg("profiles")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("password_command"))
        .stderr(predicate::str::contains(SECRET).not());
}

#[test]
fn unknown_profile_is_exit_2_listing_names() {
    let xdg = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), "[profiles.alpha]\n[profiles.beta]\n");
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .args(["-p", "gamma", "ping"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown profile `gamma`"))
        .stderr(predicate::str::contains("alpha, beta"));
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .env("RDBSH_PROFILE", "delta")
        .args(["-e", "r.now()"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown profile `delta`"));
    // An empty RDBSH_PROFILE means no profile, not a profile named "".
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .env("RDBSH_PROFILE", "")
        .arg("ping")
        .assert()
        .stderr(predicate::str::contains("unknown profile").not());
}

#[test]
fn failing_secret_source_is_exit_2_naming_it() {
    let xdg = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        "[profiles.p]\npassword_env = \"RDBSH_CLI_TEST_UNSET\"\n",
    );
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .env_remove("RDBSH_CLI_TEST_UNSET")
        .args(["ping", "-p", "p"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RDBSH_CLI_TEST_UNSET"));
}

#[test]
fn bad_url_is_exit_2_without_echoing_the_password() {
    let xdg = tempfile::tempdir().unwrap();
    rdbsh(xdg.path())
        .args([
            "ping",
            "--url",
            &format!("rethinkdb://u:{SECRET}@h:notaport"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--url"))
        .stderr(predicate::str::contains(SECRET).not());
}

#[cfg(unix)]
#[test]
fn inline_secret_in_readable_file_warns() {
    use std::os::unix::fs::PermissionsExt;
    let xdg = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(
        dir.path(),
        &format!("[profiles.p]\npassword = \"{SECRET}\"\n"),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&path)
        .arg("profiles")
        .assert()
        .success()
        .stderr(predicate::str::contains("readable by group or others"))
        .stderr(predicate::str::contains(SECRET).not())
        .stdout(predicate::str::contains(SECRET).not());
}

#[test]
fn help_and_usage_errors() {
    let xdg = tempfile::tempdir().unwrap();
    rdbsh(xdg.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("profiles"))
        .stdout(predicate::str::contains("--tls-verify"))
        .stdout(predicate::str::contains("Exit codes"));
    rdbsh(xdg.path())
        .args(["ping", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--profile"));
    rdbsh(xdg.path()).arg("--no-such-flag").assert().code(2);
    rdbsh(xdg.path()).args(["-e", "1", "repl"]).assert().code(2);
}

#[test]
fn example_config_is_valid() {
    let xdg = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml");
    rdbsh(xdg.path())
        .arg("--config")
        .arg(&example)
        .arg("profiles")
        .assert()
        .success()
        .stdout(predicate::str::contains("* local"))
        .stdout(predicate::str::contains("auth_key_env = COMPOSE_AUTH_KEY"))
        .stdout(predicate::str::contains("client cert"))
        .stdout(predicate::str::contains("password_command"))
        .stdout(predicate::str::contains(
            "db1.example.com:28015,db2.example.com:28015,db3.example.com:28016/test",
        ));
}
