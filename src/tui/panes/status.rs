//! The status bar: who and where we are connected, how, the last timing, and a message line
//! (errors) or keymap hints.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::config::{HandshakeVersion, Profile};
use crate::render::duration_text;
use crate::tui::action::ConnectionState;
use crate::tui::theme::Palette;

/// What the status bar says about the connection target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnectionInfo {
    pub profile: Option<String>,
    pub user: String,
    pub host: String,
    pub port: u16,
    pub db: String,
    /// `V1_0` or `V0_4`.
    pub protocol: String,
    /// TLS is configured (its version is known once connected).
    pub tls: bool,
    /// The profile refuses writes (`read_only = true`).
    pub read_only: bool,
    /// The syntax queries are read in at start (the profile's `lang`).
    pub lang: crate::reql::Lang,
}

impl ConnectionInfo {
    /// The facts of a resolved profile (no secret is read).
    pub fn from_profile(p: &Profile) -> Self {
        ConnectionInfo {
            profile: p.name.clone(),
            user: p.user.clone(),
            host: p.host.clone(),
            port: p.port,
            db: p.db.clone(),
            protocol: match p.handshake {
                HandshakeVersion::V1_0 => "V1_0".into(),
                HandshakeVersion::V0_4 => "V0_4".into(),
            },
            tls: p.tls.is_some(),
            read_only: p.read_only,
            lang: p.lang,
        }
    }
}

/// Kind of a message-line message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Error,
}

/// State of the status bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusBar {
    pub info: ConnectionInfo,
    pub connection: ConnectionState,
    pub last_timing: Option<Duration>,
    /// Hide `last_timing` (`.timing off`).
    pub hide_timing: bool,
    pub message: Option<(MessageKind, String)>,
    /// The syntax the editor is read in (marked `PY` when Python).
    pub lang: crate::reql::Lang,
    /// `host:port` of the server reached again after the connection dropped: shown with the
    /// state, since it may be another server of the cluster than the one first dialled.
    pub reconnected_to: Option<String>,
    /// Problems `rethinkdb.current_issues` listed at the last look (shown when not zero).
    pub issues: usize,
}

impl StatusBar {
    /// Shows an error on the message line.
    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some((MessageKind::Error, text.into()));
    }

    /// Shows information on the message line.
    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some((MessageKind::Info, text.into()));
    }

    /// The connection line as text segments.
    pub fn segments(&self, live: bool, profile: bool) -> Vec<String> {
        let i = &self.info;
        let mut parts = Vec::new();
        // The state first: it is what matters most and must survive a narrow screen.
        parts.push(match &self.connection {
            ConnectionState::Connecting => "connecting".to_owned(),
            ConnectionState::Connected { .. } => match &self.reconnected_to {
                Some(server) => format!("connected {server}"),
                None => "connected".to_owned(),
            },
            ConnectionState::Reconnecting { attempt } => format!("reconnecting ({attempt})"),
            ConnectionState::Lost { .. } => "lost".to_owned(),
        });
        if let Some(name) = &i.profile {
            parts.push(name.clone());
        }
        parts.push(format!("{}@{}:{}", i.user, i.host, i.port));
        parts.push(format!("db {}", i.db));
        parts.push(i.protocol.clone());
        let tls = match &self.connection {
            ConnectionState::Connected { tls: Some(t), .. } => Some(format!(
                "{} {}",
                t.version,
                if t.verified { "✓" } else { "UNVERIFIED" }
            )),
            _ if i.tls => Some("TLS".to_owned()),
            _ => None,
        };
        parts.push(tls.unwrap_or_else(|| "plain".to_owned()));
        if let Some(t) = self.last_timing.filter(|_| !self.hide_timing) {
            parts.push(format!("last {}", duration_text(t)));
        }
        match self.issues {
            0 => {}
            1 => parts.push("1 ISSUE".to_owned()),
            n => parts.push(format!("{n} ISSUES")),
        }
        if live {
            parts.push("LIVE".to_owned());
        }
        if profile {
            parts.push("PROFILE".to_owned());
        }
        if self.lang == crate::reql::Lang::Python {
            parts.push("PY".to_owned());
        }
        parts
    }

    /// Draws two lines: the connection line, then the message or the hints.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        hints: &[(String, &'static str)],
        flags: (bool, bool),
        palette: &Palette,
    ) {
        let state_style = match self.connection {
            ConnectionState::Connected { .. } => Style::default().fg(palette.ok),
            ConnectionState::Lost { .. } => Style::default()
                .fg(palette.error)
                .add_modifier(Modifier::BOLD),
            _ => Style::default().fg(palette.warn),
        };
        let segments = self.segments(flags.0, flags.1);
        let mut spans = vec![Span::raw(" ")];
        for (k, seg) in segments.into_iter().enumerate() {
            if k > 0 {
                spans.push(Span::styled(" │ ", Style::default().fg(palette.dim)));
            }
            let style = if matches!(seg.as_str(), "connected" | "connecting" | "lost")
                || seg.starts_with("reconnecting")
            {
                state_style
            } else if seg.contains("UNVERIFIED") {
                Style::default().fg(palette.error)
            } else {
                Style::default()
            };
            spans.push(Span::styled(seg, style));
        }
        let second = match &self.message {
            Some((MessageKind::Error, text)) => Line::styled(
                format!(" {}", first_line(text)),
                Style::default().fg(palette.error),
            ),
            Some((MessageKind::Info, text)) => Line::raw(format!(" {}", first_line(text))),
            None => {
                let mut spans = vec![Span::raw(" ")];
                for (key, what) in hints {
                    spans.push(Span::styled(
                        key.clone(),
                        Style::default().fg(palette.accent),
                    ));
                    spans.push(Span::styled(
                        format!(" {what}  "),
                        Style::default().fg(palette.dim),
                    ));
                }
                Line::from(spans)
            }
        };
        let lines = vec![
            Line::from(spans).style(Style::default().add_modifier(Modifier::REVERSED)),
            second,
        ];
        frame.render_widget(Paragraph::new(lines), area);
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
