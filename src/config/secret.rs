//! A secret string that never prints itself, and the places a secret can come from.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::ConfigError;

/// A password or auth key. `Debug` and `Display` print `***`; use [`Secret::expose`] to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: only for the handshake.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a profile's password or auth key comes from; read only when a connection is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `password_env = VAR` / `--password-env VAR`.
    PasswordEnv(String),
    /// `auth_key_env = VAR` / `--auth-key-env VAR`.
    AuthKeyEnv(String),
    /// `password_file = PATH`: the file's content without its final newline.
    PasswordFile(PathBuf),
    /// `password_command = "CMD"`: run by `sh -c`, stdout without its final newline.
    PasswordCommand(String),
    /// Inline `password = "..."`.
    Password(Secret),
    /// Inline `auth_key = "..."`.
    AuthKey(Secret),
    /// The password part of `--url`.
    UrlPassword(Secret),
}

impl SecretSource {
    /// True for the legacy auth key (sent by V0_4, or the admin password over V1_0).
    pub fn is_auth_key(&self) -> bool {
        matches!(self, SecretSource::AuthKeyEnv(_) | SecretSource::AuthKey(_))
    }

    /// The config key that names this source (`password_env`, `auth_key`...).
    pub fn key(&self) -> &'static str {
        match self {
            SecretSource::PasswordEnv(_) => "password_env",
            SecretSource::AuthKeyEnv(_) => "auth_key_env",
            SecretSource::PasswordFile(_) => "password_file",
            SecretSource::PasswordCommand(_) => "password_command",
            SecretSource::Password(_) => "password",
            SecretSource::AuthKey(_) => "auth_key",
            SecretSource::UrlPassword(_) => "url password",
        }
    }

    /// The command-line flag that sets this source, if there is one.
    pub fn flag(&self) -> Option<&'static str> {
        match self {
            SecretSource::PasswordEnv(_) => Some("--password-env"),
            SecretSource::AuthKeyEnv(_) => Some("--auth-key-env"),
            SecretSource::UrlPassword(_) => Some("--url"),
            _ => None,
        }
    }

    /// The source with inline values masked, e.g. `password_env = PROD_PW` or `password = ***`.
    pub fn describe(&self) -> String {
        match self {
            SecretSource::PasswordEnv(var) | SecretSource::AuthKeyEnv(var) => {
                format!("{} = {var}", self.key())
            }
            SecretSource::PasswordFile(path) => format!("{} = {}", self.key(), path.display()),
            SecretSource::PasswordCommand(cmd) => format!("{} = {cmd:?}", self.key()),
            SecretSource::Password(_) | SecretSource::AuthKey(_) => {
                format!("{} = ***", self.key())
            }
            SecretSource::UrlPassword(_) => "password in --url".into(),
        }
    }

    /// Reads the secret, a command given the default connect timeout. `what` names the
    /// source in errors (e.g. "`password_env` of profile `prod`").
    pub fn read(&self, what: &str) -> Result<Secret, ConfigError> {
        self.read_within(what, super::DEFAULT_TIMEOUT)
    }

    /// Reads the secret; a `password_command` that runs longer than `timeout` (the connect
    /// timeout) is killed.
    pub fn read_within(&self, what: &str, timeout: Duration) -> Result<Secret, ConfigError> {
        let fail = |message: String| ConfigError::Secret {
            what: what.to_string(),
            message,
        };
        match self {
            SecretSource::PasswordEnv(var) | SecretSource::AuthKeyEnv(var) => {
                match std::env::var(var) {
                    Ok(value) => Ok(Secret::new(value)),
                    Err(std::env::VarError::NotPresent) => Err(fail(format!(
                        "environment variable {var} is not set; export it or choose another secret source"
                    ))),
                    Err(std::env::VarError::NotUnicode(_)) => Err(fail(format!(
                        "environment variable {var} is not valid UTF-8"
                    ))),
                }
            }
            SecretSource::PasswordFile(path) => match std::fs::read_to_string(path) {
                Ok(text) => Ok(Secret::new(strip_final_newline(text))),
                Err(err) => Err(fail(format!("cannot read {}: {err}", path.display()))),
            },
            SecretSource::PasswordCommand(cmd) => run_command(cmd, timeout).map_err(fail),
            SecretSource::Password(secret)
            | SecretSource::AuthKey(secret)
            | SecretSource::UrlPassword(secret) => Ok(secret.clone()),
        }
    }
}

/// Runs `sh -c CMD`; a terminal stdin stays with the user so that prompting tools (gpg
/// pinentry, `pass`) work, but piped stdin is the query file of batch mode (`rdbsh -p prod <
/// fix.reql`) and is not the command's to read. The output is never echoed in errors.
fn run_command(cmd: &str, timeout: Duration) -> Result<Secret, String> {
    use std::io::IsTerminal;
    let stdin = if std::io::stdin().is_terminal() {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run sh: {err}"))?;
    // Read both pipes while waiting, so that a chatty command cannot block on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_within(&mut child, timeout)?;
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if !status.success() {
        let status = match status.code() {
            Some(code) => format!("exit status {code}"),
            None => "a signal".to_string(),
        };
        let stderr = String::from_utf8_lossy(&stderr);
        return Err(match safe_first_line(&stderr, &stdout) {
            Some(line) => format!("command failed with {status}: {line}"),
            None => format!("command failed with {status}; run it in a shell to see why"),
        });
    }
    let text = String::from_utf8(stdout)
        .map_err(|_| "command printed bytes that are not UTF-8".to_string())?;
    Ok(Secret::new(strip_final_newline(text)))
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut out);
        }
        out
    })
}

/// Waits for the command, killing it past `timeout` (a hung vault client must not hold the
/// connect forever).
fn wait_within(child: &mut Child, timeout: Duration) -> Result<std::process::ExitStatus, String> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "command did not finish within the connect timeout ({}s) and was stopped; \
                     check the command, or raise --timeout",
                    timeout.as_secs_f64()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(err) => return Err(format!("cannot wait for the command: {err}")),
        }
    }
}

/// The first line of a failed command's stderr, when it cannot hold the secret: nothing was
/// printed on stdout (where a secret goes), and the line is a sentence (several words), not
/// a lone token that could be a password echoed back.
fn safe_first_line<'a>(stderr: &'a str, stdout: &[u8]) -> Option<&'a str> {
    let line = stderr.lines().map(str::trim).find(|l| !l.is_empty())?;
    let sentence = line.split_whitespace().count() >= 3 && line.len() <= 200;
    (stdout.iter().all(u8::is_ascii_whitespace) && sentence).then_some(line)
}

/// Drops one trailing `\n` or `\r\n`: what `echo` and editors add, never part of a password.
fn strip_final_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
        let src = SecretSource::Password(s.clone());
        assert!(!format!("{src:?} {}", src.describe()).contains("hunter2"));
        assert_eq!(src.describe(), "password = ***");
        assert_eq!(SecretSource::AuthKey(s).describe(), "auth_key = ***");
    }

    #[test]
    fn describes_the_source() {
        assert_eq!(
            SecretSource::PasswordEnv("PROD_PW".into()).describe(),
            "password_env = PROD_PW"
        );
        assert_eq!(
            SecretSource::AuthKeyEnv("KEY".into()).describe(),
            "auth_key_env = KEY"
        );
        assert_eq!(
            SecretSource::PasswordCommand("pass show db".into()).describe(),
            "password_command = \"pass show db\""
        );
    }

    #[test]
    fn strips_one_final_newline() {
        assert_eq!(strip_final_newline("pw\n".into()), "pw");
        assert_eq!(strip_final_newline("pw\r\n".into()), "pw");
        assert_eq!(strip_final_newline("pw\n\n".into()), "pw\n");
        assert_eq!(strip_final_newline(" pw ".into()), " pw ");
    }

    #[test]
    fn env_source_reads_and_names_the_missing_variable() {
        // A variable name unique to this test, so parallel tests do not race on it.
        let var = "RDBSH_TEST_SECRET_ENV_7781";
        let src = SecretSource::PasswordEnv(var.into());
        let err = src.read("`password_env` of profile `p`").unwrap_err();
        let text = err.to_string();
        assert!(text.contains(var), "{text}");
        assert!(text.contains("`password_env` of profile `p`"), "{text}");
        // SAFETY: set_var is unsafe in edition 2024 because of concurrent getenv; no other test
        // reads this variable.
        unsafe { std::env::set_var(var, "s3cret") };
        assert_eq!(src.read("x").unwrap().expose(), "s3cret");
        unsafe { std::env::remove_var(var) };
    }

    #[test]
    fn file_source_trims_final_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "from-file\n").unwrap();
        let src = SecretSource::PasswordFile(path.clone());
        assert_eq!(src.read("x").unwrap().expose(), "from-file");
        let missing = SecretSource::PasswordFile(dir.path().join("nope"));
        let text = missing
            .read("`password_file` of profile `p`")
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("nope") && text.contains("password_file"),
            "{text}"
        );
    }

    #[test]
    fn command_source_trims_and_reports_failures_without_output() {
        let ok = SecretSource::PasswordCommand("printf 'cmd-pw\\n'".into());
        assert_eq!(ok.read("x").unwrap().expose(), "cmd-pw");
        let bad = SecretSource::PasswordCommand(
            "echo 'vault: access was denied' >&2; echo more >&2; exit 3".into(),
        );
        let text = bad
            .read("`password_command` of profile `p`")
            .unwrap_err()
            .to_string();
        assert!(text.contains("exit status 3"), "{text}");
        assert!(text.contains("vault: access was denied"), "{text}");
        assert!(!text.contains("more"), "{text}");
    }

    #[test]
    fn a_failing_command_never_echoes_what_may_be_the_secret() {
        for cmd in [
            // Printed the secret, then failed: its stderr may quote it.
            "echo leaked-secret; echo 'could not verify leaked-secret today' >&2; exit 3",
            // A lone token on stderr may be the secret itself.
            "echo leaked-secret >&2; exit 3",
        ] {
            let text = SecretSource::PasswordCommand(cmd.into())
                .read("x")
                .unwrap_err()
                .to_string();
            assert!(text.contains("exit status 3"), "{text}");
            assert!(!text.contains("leaked-secret"), "{cmd}: {text}");
        }
    }

    #[test]
    fn a_hanging_command_is_stopped_at_the_connect_timeout() {
        let hang = SecretSource::PasswordCommand("sleep 600".into());
        let text = hang
            .read_within("x", Duration::from_millis(300))
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("did not finish within the connect timeout"),
            "{text}"
        );
    }
}
