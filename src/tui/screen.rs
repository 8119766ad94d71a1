//! The screen layout and the one `draw` function; drawing reads `App` and changes nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::app::{App, Overlay, Pane};

/// Where each pane goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Zero-sized when the screen is too narrow for it.
    pub browser: Rect,
    pub editor: Rect,
    pub results: Rect,
    pub status: Rect,
}

impl Areas {
    /// The layout for a terminal of `size` (columns, rows).
    pub fn compute(size: (u16, u16)) -> Areas {
        let full = Rect::new(0, 0, size.0, size.1);
        let [main, status] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(2)]).areas(full);
        let browser_width = if size.0 >= 60 {
            (size.0 / 4).clamp(18, 32)
        } else {
            0
        };
        let [browser, right] =
            Layout::horizontal([Constraint::Length(browser_width), Constraint::Min(0)]).areas(main);
        let editor_height = (main.height / 3 + 1).clamp(5, 15).min(main.height);
        let [editor, results] =
            Layout::vertical([Constraint::Length(editor_height), Constraint::Min(0)]).areas(right);
        Areas {
            browser,
            editor,
            results,
            status,
        }
    }
}

/// Draws the whole screen from `app`.
pub fn draw(app: &App, frame: &mut Frame) {
    let areas = Areas::compute((frame.area().width, frame.area().height));
    let p = app.palette();
    if areas.browser.width > 0 {
        app.browser()
            .draw(frame, areas.browser, app.focus() == Pane::Browser, p);
    }
    app.editor()
        .draw(frame, areas.editor, app.focus() == Pane::Editor, p);
    app.results().draw(
        frame,
        areas.results,
        app.focus() == Pane::Results,
        app.now(),
        p,
    );
    let hints = app.keymap().hints(app.focus());
    let live = app
        .results()
        .current()
        .is_some_and(|t| t.feed().is_some() && t.is_running());
    app.status()
        .draw(frame, areas.status, &hints, (live, app.profiling()), p);
    if app.system().shown().is_some() {
        // Over the editor and the results; the browser stays in sight.
        let area = areas.editor.union(areas.results);
        app.system().draw(frame, area, &system_hints(app), p);
    } else if app.focus() == Pane::Editor && app.overlay().is_none() {
        draw_completion(app, frame, areas.editor);
    }
    match app.overlay() {
        Some(Overlay::Help { scroll }) => draw_help(app, frame, *scroll),
        Some(Overlay::Value {
            what,
            lines,
            scroll,
            hscroll,
        }) => draw_value(app, frame, what, lines, (*scroll, *hscroll)),
        Some(Overlay::ConfirmQuit) => draw_confirm(app, frame),
        Some(Overlay::ConfirmWrite {
            text,
            what,
            preview,
            ..
        }) => draw_confirm_write(app, frame, text, what, preview),
        Some(Overlay::Prompt { prompt, typed }) => {
            draw_prompt(app, frame, &prompt.question(), typed)
        }
        Some(Overlay::ConfirmDrop { db, table, typed }) => {
            draw_confirm_drop(app, frame, db, table, typed)
        }
        Some(Overlay::HistorySearch { query, selected }) => {
            draw_history_search(app, frame, query, *selected)
        }
        None => {}
    }
}

/// The key line of the system views, from the keymap.
fn system_hints(app: &App) -> String {
    use super::keymap::Command;
    let key = |c: Command| app.keymap().keys(c).first().map(|k| k.short_label());
    let mut parts = Vec::new();
    if app.system().shown() == Some(super::panes::system::SystemView::Jobs)
        && let Some(k) = key(Command::KillJob)
    {
        parts.push(format!("{k} kill"));
    }
    if let Some(k) = key(Command::SystemViews) {
        parts.push(format!("{k} next view"));
    }
    if let Some(k) = key(Command::Close) {
        parts.push(format!("{k} close"));
    }
    parts.join("  ")
}

fn popup(frame: &mut Frame, width: u16, height: u16) -> Rect {
    let area = frame.area();
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, rect);
    rect
}

fn popup_block(app: &App, title: String) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .title(title)
        .border_style(Style::default().fg(app.palette().accent))
}

/// Keys the editor takes from its text area (not in the keymap; listed in the help).
const EDITING_KEYS: &[(&str, &str)] = &[
    ("Shift-arrows, Shift-Home/End", "select text"),
    ("Ctrl-Left / Ctrl-Right, Alt-b / Alt-f", "move by word"),
    ("Home / End, Ctrl-a", "start / end of the line"),
    ("Ctrl-Up / Ctrl-Down", "move by paragraph"),
    ("Alt-< / Alt->", "start / end of the text"),
    (
        "Ctrl-w, Alt-Backspace / Alt-d",
        "delete the word before / after the cursor",
    ),
    ("Ctrl-k / Ctrl-j", "delete to the end / start of the line"),
    (
        "Ctrl-x",
        "cut the selection (Ctrl-y copies: the keymap's copy)",
    ),
    ("Ctrl-u", "undo"),
    (
        ". (a dot), Ctrl-Space",
        "completion: Up/Down pick, Enter or Tab takes it",
    ),
];

/// Width of the help popup's text on a screen `columns` wide.
pub fn help_width(columns: u16) -> usize {
    usize::from(columns.saturating_sub(4).saturating_sub(2))
}

/// The help text generated from the keymap, with the editing keys, wrapped to `width`.
pub fn help_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let mut sections = app.keymap().help();
    let editing: Vec<(String, String)> = EDITING_KEYS
        .iter()
        .map(|(k, w)| ((*k).to_owned(), (*w).to_owned()))
        .collect();
    let mut lines = Vec::new();
    let keys_width = sections
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|(keys, _)| keys.chars().count()))
        .max()
        .unwrap_or(0)
        .min(20)
        .min(width / 3);
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let heading = Style::default()
        .fg(app.palette().accent)
        .add_modifier(Modifier::BOLD);
    let mut titled: Vec<(String, Vec<(String, String)>)> = sections
        .drain(..)
        .map(|(scope, rows)| {
            let rows = rows.into_iter().map(|(k, w)| (k, w.to_owned())).collect();
            (scope.title().to_owned(), rows)
        })
        .collect();
    titled.insert(
        1.min(titled.len()),
        ("Editor (editing)".to_owned(), editing),
    );
    let meta = crate::shell::meta::COMMANDS
        .iter()
        .map(|(c, w)| ((*c).to_owned(), (*w).to_owned()))
        .collect();
    titled.push(("Meta-commands (F5 on the line)".to_owned(), meta));
    for (title, rows) in titled {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(title, heading));
        for (keys, what) in rows {
            let indent = keys_width + 4;
            let mut wrapped = wrap_words(&what, width.saturating_sub(indent).max(10));
            if keys.chars().count() > keys_width {
                // A long key list gets a line of its own so the descriptions stay aligned.
                lines.push(Line::styled(format!("  {keys}"), bold));
                wrapped.iter().for_each(|w| {
                    lines.push(Line::raw(format!("{:indent$}{w}", "")));
                });
                continue;
            }
            let first = if wrapped.is_empty() {
                String::new()
            } else {
                wrapped.remove(0)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<keys_width$}  "), bold),
                Span::raw(first),
            ]));
            wrapped.iter().for_each(|w| {
                lines.push(Line::raw(format!("{:indent$}{w}", "")));
            });
        }
    }
    lines
}

/// `text` cut into lines of at most `width` characters at spaces (a longer word stands alone).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

fn draw_help(app: &App, frame: &mut Frame, scroll: usize) {
    let area = frame.area();
    let rect = popup(
        frame,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let lines = help_lines(app, help_width(area.width));
    let inner_height = usize::from(rect.height.saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(inner_height));
    let block = popup_block(app, " Keys (Esc closes, ↑↓ scroll) ".to_owned());
    let body: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(body).block(block), rect);
}

fn draw_value(
    app: &App,
    frame: &mut Frame,
    what: &str,
    lines: &[String],
    (scroll, hscroll): (usize, usize),
) {
    let area = frame.area();
    let rect = popup(
        frame,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let title = format!(
        " {what} · {} lines (↑↓ ←→ scroll, y copies, Esc closes) ",
        lines.len()
    );
    let body: Vec<Line> = lines.iter().map(|l| Line::raw(l.clone())).collect();
    let offset = (
        u16::try_from(scroll).unwrap_or(u16::MAX),
        u16::try_from(hscroll).unwrap_or(u16::MAX),
    );
    frame.render_widget(
        Paragraph::new(body)
            .block(popup_block(app, title))
            .scroll(offset),
        rect,
    );
}

fn draw_confirm_drop(app: &App, frame: &mut Frame, db: &str, table: &str, typed: &str) {
    let rect = popup(frame, 56, 7);
    let matches = typed == table;
    let text = vec![
        Line::raw(format!("Drop table {db}.{table} and all its documents?")),
        Line::raw(format!("Type {table} and press Enter (Esc cancels):")),
        Line::from(vec![Span::styled(
            format!("{typed}▏"),
            Style::default().fg(if matches {
                app.palette().error
            } else {
                app.palette().fg
            }),
        )]),
    ];
    let block = popup_block(app, " Drop table ".to_owned())
        .border_style(Style::default().fg(app.palette().error));
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}

fn draw_prompt(app: &App, frame: &mut Frame, question: &str, typed: &str) {
    let rect = popup(frame, 64, 5);
    let text = vec![
        Line::styled(question.to_owned(), Style::default().fg(app.palette().dim)),
        Line::raw(format!("{typed}▏")),
        Line::styled(
            "Enter: go · Esc: cancel",
            Style::default().fg(app.palette().dim),
        ),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .block(popup_block(app, " Ask ".to_owned()))
            .wrap(Wrap { trim: true }),
        rect,
    );
}

fn draw_confirm_write(app: &App, frame: &mut Frame, text: &str, what: &str, preview: &[String]) {
    let extra = u16::try_from(preview.len()).unwrap_or(u16::MAX);
    let rect = popup(frame, 60, 8u16.saturating_add(extra));
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut lines = vec![
        Line::styled(
            format!("This query {what}."),
            Style::default()
                .fg(app.palette().error)
                .add_modifier(Modifier::BOLD),
        ),
        Line::styled(one_line, Style::default().fg(app.palette().dim)),
    ];
    lines.extend(preview.iter().map(|l| Line::raw(l.clone())));
    lines.push(Line::raw(""));
    lines.push(Line::raw("Run it? (y / n)"));
    let block = popup_block(app, " Confirm ".to_owned())
        .border_style(Style::default().fg(app.palette().error));
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}

fn draw_confirm(app: &App, frame: &mut Frame) {
    let rect = popup(frame, 44, 5);
    let running = app
        .results()
        .tabs()
        .iter()
        .filter(|t| t.is_running())
        .count();
    let text = vec![
        Line::raw(format!(
            "{running} quer{} still running.",
            if running == 1 { "y is" } else { "ies are" }
        )),
        Line::raw("Stop and quit? (y / n)"),
    ];
    let block = popup_block(app, " Quit ".to_owned());
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}

fn draw_history_search(app: &App, frame: &mut Frame, query: &str, selected: usize) {
    let area = frame.area();
    let rect = popup(
        frame,
        area.width.saturating_sub(8).min(80),
        area.height.saturating_sub(6).min(16),
    );
    let hits = app.history().search(query);
    let mut lines = vec![Line::from(vec![
        Span::styled("search: ", Style::default().fg(app.palette().accent)),
        Span::raw(format!("{query}▏")),
    ])];
    let room = usize::from(rect.height.saturating_sub(3));
    let first = selected.saturating_sub(room.saturating_sub(1));
    if hits.is_empty() {
        lines.push(Line::styled(
            "no match",
            Style::default().fg(app.palette().dim),
        ));
    }
    for (k, &i) in hits.iter().enumerate().skip(first).take(room) {
        let entry = app.history().get(i).unwrap_or("");
        let mut one_line = entry.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        if entry.contains('\n') {
            one_line.push_str(" ⏎");
        }
        let style = if k == selected {
            Style::default()
                .bg(app.palette().selection)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        lines.push(Line::styled(one_line, style));
    }
    let title = format!(" History ({} of {}) ", hits.len(), app.history().len());
    frame.render_widget(Paragraph::new(lines).block(popup_block(app, title)), rect);
}

/// The completion popup under the cursor (above it when there is no room below).
fn draw_completion(app: &App, frame: &mut Frame, editor: Rect) {
    let items = app.editor().visible_completions();
    let Some(popup) = app.editor().completion() else {
        return;
    };
    if items.is_empty() {
        return;
    }
    let screen = frame.area();
    let (row, col) = app.editor().cursor();
    let (top, left) = app.editor().scroll();
    let gutter = super::panes::editor::gutter_width(app.editor().lines().len());
    let typed = app.editor().typed().map_or(0, |w| w.chars().count());
    // The popup starts under the word being completed, counted in cells (wide chars take two).
    let word_start = col.saturating_sub(typed).max(left);
    let x = usize::from(editor.x + 1) + gutter + app.editor().cells_between(row, left, word_start);
    let cursor_y = usize::from(editor.y + 1) + row.saturating_sub(top);
    let shown = items.len().min(8);
    let help = items
        .get(popup.selected)
        .and_then(|c| c.help.clone())
        .unwrap_or_default();
    let width = items
        .iter()
        .take(shown)
        .map(|c| {
            c.label.chars().count() + c.signature.as_ref().map_or(0, |s| s.chars().count() + 2)
        })
        .chain(std::iter::once(help.chars().count()))
        .max()
        .unwrap_or(0)
        .clamp(12, 60)
        + 2;
    let height = shown + 2 + usize::from(!help.is_empty());
    let below = cursor_y + 1;
    let y = if below + height <= usize::from(screen.bottom()) {
        below
    } else {
        cursor_y.saturating_sub(height)
    };
    let rect = Rect {
        x: u16::try_from(x).unwrap_or(0),
        y: u16::try_from(y).unwrap_or(0),
        width: u16::try_from(width).unwrap_or(0),
        height: u16::try_from(height).unwrap_or(0),
    }
    .intersection(screen);
    let first = popup.selected.saturating_sub(shown.saturating_sub(1));
    let mut lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, c)| {
            let style = if i == popup.selected {
                Style::default()
                    .bg(app.palette().selection)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            let mut spans = vec![Span::styled(c.label.clone(), style)];
            if let Some(sig) = &c.signature {
                spans.push(Span::styled(
                    format!("  {sig}"),
                    style.fg(app.palette().dim),
                ));
            }
            Line::from(spans)
        })
        .collect();
    if !help.is_empty() {
        lines.push(Line::styled(help, Style::default().fg(app.palette().dim)));
    }
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(app.palette().dim));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
