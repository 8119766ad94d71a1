//! Meta-commands shared by the front ends: `.use`, `.format`, `.timing`, `.help`, ...
//!
//! A meta-command is a line that starts with `.` followed by one of these names and then
//! whitespace or the end of the line, so it never collides with a ReQL chain continued on a
//! new line (`.filter(...)`): no ReQL method has these names without a `(`.

use crate::render::Format;
use crate::reql::Lang;

/// One meta-command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meta {
    /// `.help`: list the meta-commands.
    Help,
    /// `.use DB`: the default database of later queries.
    Use(String),
    /// `.format F`: the output format.
    Format(Format),
    /// `.timing on|off`.
    Timing(bool),
    /// `.connect PROFILE`: switch to another profile.
    Connect(String),
    /// `.ping`: server and connection details.
    Ping,
    /// `.edit`: the current buffer in `$EDITOR`.
    Edit,
    /// `.history`: the history of this shell.
    History,
    /// `.export FILE [json|ndjson|csv]`: the next statement's whole result into FILE.
    Export(super::export::Export),
    /// `.lang js|python`: the syntax of later statements.
    Lang(Lang),
    /// `.show js|python`: the last statement written in that syntax.
    Show(Lang),
    /// `.save NAME [QUERY]`: QUERY, or else the last statement, as a named query.
    Save(String, Option<String>),
    /// `.run NAME [k=v ...]`: a named query with its parameters.
    Run(String, Vec<(String, String)>),
    /// `.queries`: the named queries.
    Queries,
    /// `.status`: the cluster as the connected server sees it (what `rdbsh status` prints).
    Status,
    /// `.quit` (or `.exit`).
    Quit,
}

/// Names and one-line help, in the order `.help` lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    (".help", "this list"),
    (".use DB", "run later queries against database DB"),
    (
        ".format F",
        "output format: pretty, json, ndjson, table or raw",
    ),
    (
        ".timing on|off",
        "print rows and elapsed time after each query",
    ),
    (".connect PROFILE", "connect with another profile"),
    (".ping", "server, protocol, TLS and round-trip time"),
    (".edit", "edit the current query in $EDITOR"),
    (".history", "show the history"),
    (
        ".export FILE [json|ndjson|csv]",
        "write the next statement's whole result to FILE",
    ),
    (
        ".lang js|python",
        "read later statements as JavaScript or Python",
    ),
    (
        ".show js|python",
        "print the last query as JavaScript or Python",
    ),
    (
        ".save NAME [QUERY]",
        "save QUERY (else the last statement) as the named query NAME",
    ),
    (
        ".run NAME [k=v ...]",
        "run a named query; k=v binds ${k} in it as a value",
    ),
    (".queries", "list the named queries"),
    (
        ".status",
        "the cluster: servers, tables' replicas and issues (as rdbsh status)",
    ),
    (".quit", "leave (also .exit and Ctrl-D)"),
];

const NAMES: &[&str] = &[
    "help", "use", "format", "timing", "connect", "ping", "edit", "history", "export", "lang",
    "show", "save", "run", "queries", "status", "quit", "exit",
];

/// The help text of `.help`.
pub fn help_text() -> String {
    let width = COMMANDS.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (cmd, help) in COMMANDS {
        out.push_str(&format!("  {cmd:<width$}  {help}\n"));
    }
    out
}

/// The meta-commands whose names start with the word being typed, when the cursor is at the
/// end of `prefix` in a meta-command's name: the word starts its line, and that line starts a
/// statement (the text before it is blank, ends with `;`, or ends with a blank line).
/// Returns where the name starts (after the `.`) and each name with its `.help` line.
pub fn complete_name(prefix: &str) -> Option<(usize, Vec<(&'static str, &'static str)>)> {
    let line_start = prefix.rfind('\n').map_or(0, |i| i + 1);
    let line = &prefix[line_start..];
    let word = line.trim_start().strip_prefix('.')?;
    if !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let before = &prefix[..line_start];
    let previous_line = before
        .strip_suffix('\n')
        .map(|b| &b[b.rfind('\n').map_or(0, |i| i + 1)..]);
    let starts_statement = before.trim().is_empty()
        || before.trim_end().ends_with(';')
        || previous_line.is_some_and(|l| l.trim().is_empty());
    if !starts_statement {
        return None;
    }
    let names: Vec<(&str, &str)> = NAMES
        .iter()
        .filter(|n| n.starts_with(word))
        .map(|n| {
            let help = COMMANDS
                .iter()
                .find(|(c, _)| c[1..].split(' ').next() == Some(n))
                .map_or("leave (as .quit)", |(_, h)| h);
            (*n, help)
        })
        .collect();
    Some((prefix.len() - word.len(), names)).filter(|(_, n)| !n.is_empty())
}

/// `Some` when `line` is a meta-command line (then `Err` says what is wrong with it).
pub fn parse(line: &str) -> Option<Result<Meta, String>> {
    let text = line.trim();
    let rest = text.strip_prefix('.')?;
    let name_len = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (name, args) = rest.split_at(name_len);
    if !NAMES.contains(&name) || !(args.is_empty() || args.starts_with(char::is_whitespace)) {
        return None;
    }
    if name == "save" {
        return Some(save(args));
    }
    let args: Vec<&str> = if name == "run" {
        quoted_words(args)
    } else {
        args.split_whitespace().collect()
    };
    Some(command(name, &args))
}

/// Words split on whitespace outside quotes (`n="a b"` and `n='a b'` are one word, quotes kept
/// for the value to be read as a string); an unclosed quote runs to the end of the line.
fn quoted_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = None;
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    words.push(&text[s..i]);
                }
            }
            (None, _) => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

/// `.save NAME [QUERY]`: the query is the rest of the line, kept as written.
fn save(args: &str) -> Result<Meta, String> {
    let args = args.trim();
    let (name, text) = args
        .split_once(char::is_whitespace)
        .map_or((args, ""), |(n, t)| (n, t.trim()));
    if name.is_empty() {
        return Err(".save needs a name: .save NAME [QUERY]".into());
    }
    super::queries::check_name(name)?;
    Ok(Meta::Save(
        name.to_owned(),
        Some(text.to_owned()).filter(|t| !t.is_empty()),
    ))
}

fn command(name: &str, args: &[&str]) -> Result<Meta, String> {
    let one = |what: &str| match args {
        [arg] => Ok(arg.to_string()),
        [] => Err(format!(".{name} needs {what}")),
        _ => Err(format!(".{name} takes one argument, {what}")),
    };
    let none = |meta: Meta| {
        if args.is_empty() {
            Ok(meta)
        } else {
            Err(format!(".{name} takes no arguments"))
        }
    };
    match name {
        "help" => none(Meta::Help),
        "use" => one("a database name: .use DB").map(Meta::Use),
        "format" => one("a format: pretty, json, ndjson, table or raw").and_then(|f| {
            f.parse::<Format>()
                .map(Meta::Format)
                .map_err(|e| e.to_string())
        }),
        "timing" => match args {
            ["on"] => Ok(Meta::Timing(true)),
            ["off"] => Ok(Meta::Timing(false)),
            _ => Err(".timing takes on or off".into()),
        },
        "connect" => one("a profile name: .connect PROFILE").map(Meta::Connect),
        "ping" => none(Meta::Ping),
        "edit" => none(Meta::Edit),
        "history" => none(Meta::History),
        "export" => super::export::Export::parse(args).map(Meta::Export),
        "run" => match args {
            [] => Err(".run needs a name: .run NAME [k=v ...]".into()),
            [n, params @ ..] => Ok(Meta::Run(
                n.to_string(),
                super::queries::parse_args(params)?,
            )),
        },
        "queries" => none(Meta::Queries),
        "status" => none(Meta::Status),
        "lang" | "show" => one("a language: js or python").and_then(|l| {
            let lang =
                Lang::parse(&l).ok_or_else(|| format!(".{name} takes js or python, not {l}"))?;
            Ok(if name == "lang" {
                Meta::Lang(lang)
            } else {
                Meta::Show(lang)
            })
        }),
        _ => none(Meta::Quit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse(".use app"), Some(Ok(Meta::Use("app".into()))));
        assert_eq!(
            parse("  .format table "),
            Some(Ok(Meta::Format(Format::Table)))
        );
        assert_eq!(parse(".timing on"), Some(Ok(Meta::Timing(true))));
        assert_eq!(parse(".exit"), Some(Ok(Meta::Quit)));
        assert_eq!(parse(".quit"), Some(Ok(Meta::Quit)));
        let export = |path: &str, format| {
            Some(Ok(Meta::Export(super::super::export::Export {
                path: path.into(),
                format,
            })))
        };
        use crate::transfer::format::FileFormat;
        assert_eq!(parse(".export out.csv"), export("out.csv", FileFormat::Csv));
        assert_eq!(
            parse(".export out ndjson"),
            export("out", FileFormat::Ndjson)
        );
        assert_eq!(
            parse(".export out.txt"),
            export("out.txt", FileFormat::Json)
        );
        assert!(parse(".export").is_some_and(|r| r.is_err()));
        assert!(parse(".export a xml").is_some_and(|r| r.is_err()));
    }

    #[test]
    fn parses_named_query_commands() {
        assert_eq!(parse(".save top"), Some(Ok(Meta::Save("top".into(), None))));
        let text = "r.table('t').get(${id})  .pluck('a', 'b')";
        assert_eq!(
            parse(&format!(".save byid  {text} ")),
            Some(Ok(Meta::Save("byid".into(), Some(text.into()))))
        );
        assert!(parse(".save").is_some_and(|r| r.is_err()));
        assert_eq!(parse(".queries"), Some(Ok(Meta::Queries)));
        let run = Meta::Run("top".into(), vec![("n".into(), "')).delete(".into())]);
        assert_eq!(parse(".run top n=')).delete("), Some(Ok(run)));
        assert!(parse(".run").is_some_and(|r| r.is_err()));
        assert!(parse(".run top n").is_some_and(|r| r.is_err()));
        assert!(parse(".save a/b").is_some_and(|r| r.is_err()));
        assert_eq!(parse(".run(conn)"), None);
        let run = Meta::Run(
            "q".into(),
            vec![
                ("a".into(), "\"x  y\"".into()),
                ("b".into(), "'it s'".into()),
                ("c".into(), "2".into()),
            ],
        );
        assert_eq!(parse(".run q a=\"x  y\"  b='it s' c=2"), Some(Ok(run)));
    }

    #[test]
    fn chains_are_not_commands() {
        assert_eq!(parse(".filter({a: 1})"), None);
        assert_eq!(parse(".use(1)"), None);
        assert_eq!(parse(".count()"), None);
        assert_eq!(parse("r.table('t')"), None);
        assert_eq!(parse(".usefoo"), None);
    }

    #[test]
    fn bad_arguments_say_what_to_write() {
        assert_eq!(
            parse(".use"),
            Some(Err(".use needs a database name: .use DB".into()))
        );
        let err = parse(".format xml")
            .and_then(Result::err)
            .unwrap_or_default();
        assert!(err.contains("pretty, json, ndjson, table or raw"), "{err}");
        assert!(parse(".timing maybe").is_some_and(|r| r.is_err()));
        assert!(parse(".ping now").is_some_and(|r| r.is_err()));
    }

    #[test]
    fn status_takes_no_arguments() {
        assert_eq!(parse(".status"), Some(Ok(Meta::Status)));
        assert!(parse(".status now").is_some_and(|r| r.is_err()));
        assert_eq!(parse(".status()"), None);
    }

    #[test]
    fn names_complete_where_a_statement_starts() {
        let names = |prefix: &str| {
            complete_name(prefix).map(|(at, n)| (at, n.iter().map(|(n, _)| *n).collect()))
        };
        assert_eq!(names(".st"), Some((1, vec!["status"])));
        assert_eq!(names("  .s"), Some((3, vec!["show", "save", "status"])));
        assert_eq!(
            names("r.expr(1);\n.qu"),
            Some((12, vec!["queries", "quit"]))
        );
        assert_eq!(
            names("r.expr(1)\n\n.ex"),
            Some((12, vec!["export", "exit"]))
        );
        // A chain continued on the next line, a method name, an unknown name: not here.
        assert_eq!(names("r.table('t')\n.st"), None);
        assert_eq!(names("r.table('t').st"), None);
        assert_eq!(names(".filt"), None);
        assert_eq!(names(".status "), None);
        let (_, helps) = complete_name(".stat").unwrap_or_default();
        assert!(helps[0].1.contains("rdbsh status"), "{helps:?}");
    }

    #[test]
    fn help_lists_every_command() {
        let help = help_text();
        for (cmd, _) in COMMANDS {
            assert!(help.contains(cmd));
        }
    }
}
