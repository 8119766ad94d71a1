//! `$VISUAL` / `$EDITOR` on a statement, one implementation for the TUI and the REPL. The
//! text goes through a file that only the editor can find: created with `O_EXCL` and mode 0600
//! under an unpredictable name (`tempfile`), so no other user can read the query or swap the
//! file between writing and reading it back.

use std::io::Write;
use std::path::Path;

/// Why the edit gave nothing back.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("cannot create a file for the editor: {0}; check TMPDIR")]
    Create(std::io::Error),
    #[error(
        "cannot start the editor `{program}`: {source}; set VISUAL or EDITOR to an installed editor"
    )]
    Start {
        program: String,
        source: std::io::Error,
    },
    #[error("the editor `{program}` failed ({status}); the query was left unchanged")]
    Failed { program: String, status: String },
    #[error("cannot read back the edited file: {0}")]
    Read(std::io::Error),
    #[error("cannot split the editor command `{line}` into words: {reason}; fix VISUAL or EDITOR")]
    Parse { line: String, reason: String },
}

/// The editor command: `$VISUAL`, else `$EDITOR`, else `vi`; split into words as a shell
/// would (`"/opt/My Editor/bin/ed" --wait` is a program and one argument). A line that does
/// not split (an unclosed quote) is the error.
fn command() -> Result<(String, Vec<String>), EditError> {
    let line = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned());
    let words = shell_words::split(&line).map_err(|e| EditError::Parse {
        line: line.clone(),
        reason: e.to_string(),
    })?;
    let mut words = words.into_iter();
    let program = words.next().unwrap_or_else(|| "vi".to_owned());
    Ok((program, words.collect()))
}

/// Opens the editor on `initial` and waits for it (blocking: the TUI runs it on a blocking
/// thread); the saved text. The terminal must already be handed over.
pub fn edit(initial: &str) -> Result<String, EditError> {
    let mut file = tempfile::Builder::new()
        .prefix("rdbsh-")
        .suffix(".js")
        .tempfile()
        .map_err(EditError::Create)?;
    file.write_all(initial.as_bytes())
        .and_then(|()| file.flush())
        .map_err(EditError::Create)?;
    run(file.path())?;
    // Read by path: editors often replace the file rather than write into it.
    std::fs::read_to_string(file.path()).map_err(EditError::Read)
}

fn run(path: &Path) -> Result<(), EditError> {
    let (program, args) = command()?;
    let status = std::process::Command::new(&program)
        .args(&args)
        .arg(path)
        .status()
        .map_err(|source| EditError::Start {
            program: program.clone(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(EditError::Failed {
            program,
            status: status.to_string(),
        })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// The file the editor gets is private and fresh; what the editor saves comes back.
    /// `VISUAL` is this process's own environment: the one test here that sets it.
    #[test]
    fn the_editor_gets_a_private_new_file_and_its_text_comes_back() {
        // A path with a space, quoted in VISUAL, and an argument: split as a shell would.
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("my editor");
        std::fs::create_dir(&bin).unwrap();
        let script = bin.join("ed.sh");
        let seen = dir.path().join("seen");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nstat -c %a \"$2\" > {seen}\necho \"$1\" >> {seen}\ncat \"$2\" >> {seen}\nprintf 'r.expr(2)' > \"$2\"\n",
                seen = seen.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
        let visual = format!("'{}' --wait", script.display());
        // SAFETY: no other test of this binary reads VISUAL or EDITOR.
        unsafe { std::env::set_var("VISUAL", &visual) };
        let edited = edit("r.expr(1)");
        // An unclosed quote is said, not run.
        unsafe { std::env::set_var("VISUAL", "'unclosed --wait") };
        let unclosed = edit("r.expr(1)");
        unsafe { std::env::remove_var("VISUAL") };
        assert_eq!(edited.unwrap(), "r.expr(2)");
        let seen = std::fs::read_to_string(&seen).unwrap();
        assert_eq!(seen, "600\n--wait\nr.expr(1)");
        let e = unclosed.unwrap_err();
        assert!(matches!(e, EditError::Parse { .. }), "{e}");
    }
}
