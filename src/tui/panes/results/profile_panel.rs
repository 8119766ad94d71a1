//! A finished tab's profile (`profile: true`): the document, its tree and whether the tree
//! has the keys; where it goes in the tab's body and how it is drawn.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use super::{Body, SIDE_BY_SIDE_WIDTH};
use crate::nesting::Doc;
use crate::tui::panes::profile::ProfileTree;
use crate::tui::theme::Palette;

/// The profile of a tab's query, once it finished.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfilePanel {
    doc: Option<Doc>,
    /// The profile as a collapsible tree, beside the rows.
    tree: Option<ProfileTree>,
    /// The keys go to the profile panel rather than the rows.
    focus: bool,
}

impl ProfilePanel {
    /// Takes the server's profile of the finished query.
    pub fn set(&mut self, profile: Option<Doc>) {
        self.tree = profile.as_deref().map(ProfileTree::new);
        self.doc = profile;
    }

    pub fn doc(&self) -> Option<&Doc> {
        self.doc.as_ref()
    }

    pub fn tree(&self) -> Option<&ProfileTree> {
        self.tree.as_ref()
    }

    pub fn focused(&self) -> bool {
        self.focus
    }

    pub fn set_focus(&mut self, focus: bool) {
        self.focus = focus;
    }

    /// The tree when it has the keys.
    pub fn focused_tree(&mut self) -> Option<&mut ProfileTree> {
        self.tree.as_mut().filter(|_| self.focus)
    }

    /// Splits a body `area` between the rows and this panel: side by side from
    /// [`SIDE_BY_SIDE_WIDTH`] columns, else the profile under the rows when there are lines
    /// enough for both.
    pub fn body(&self, area: Rect) -> Body {
        let alone = Body {
            rows: area,
            profile: None,
        };
        let Some(tree) = &self.tree else {
            return alone;
        };
        if area.width >= SIDE_BY_SIDE_WIDTH {
            let width = area.width / 2;
            let [rows, profile] =
                Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(area);
            Body {
                rows,
                profile: Some(profile),
            }
        } else if area.height >= 6 {
            // The title line plus the tree, at most half the body.
            let wanted = u16::try_from(tree.line_count().saturating_add(1)).unwrap_or(u16::MAX);
            let height = wanted.clamp(2, area.height / 2);
            let [rows, profile] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(height)]).areas(area);
            Body {
                rows,
                profile: Some(profile),
            }
        } else {
            alone
        }
    }

    /// Draws the panel into `rect`, part of a body `area` (a rule on the left when it is
    /// beside the rows); `active` when it has the keys.
    pub fn draw(&self, frame: &mut Frame, rect: Rect, area: Rect, active: bool, palette: &Palette) {
        let Some(tree) = &self.tree else { return };
        let mut title = String::from(" Profile");
        if let Some(ms) = tree.total_ms() {
            title.push_str(&format!(" · {ms:.3} ms"));
        }
        match tree.shard_reads() {
            0 => {}
            1 => title.push_str(" · 1 shard read"),
            n => title.push_str(&format!(" · {n} shard reads")),
        }
        title.push(' ');
        let style = if active {
            Style::default()
                .fg(palette.accent)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(palette.dim)
        };
        let borders = if rect.width < area.width {
            Borders::LEFT | Borders::TOP
        } else {
            Borders::TOP
        };
        let block = Block::new()
            .borders(borders)
            .border_style(style)
            .title(Span::styled(title, style));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let lines = tree.lines(usize::from(inner.height), active, palette);
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
