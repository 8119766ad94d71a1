//! Cursors: the batches of one query, with CONTINUE prefetch and STOP on drop.

use super::client::{Client, server_error};
use super::connection::ReplyReceiver;
use super::error::Error;
use serde_json::value::RawValue;

use crate::protocol::response::RawResponse;
use crate::protocol::{ResponseNote, ResponseType, Row, Token};

/// What a query turned out to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorKind {
    /// A single value (SUCCESS_ATOM).
    Atom,
    /// A finite sequence, in one or more batches.
    Sequence,
    /// A changefeed: never ends on its own; stop it with STOP.
    Feed(ResponseNote),
}

/// Where a batch sits in its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    /// The single value of an atom (rows holds exactly it).
    Atom,
    /// A batch with more to come (SUCCESS_PARTIAL).
    Partial,
    /// The last batch of a sequence.
    Last,
}

/// One batch of rows, exactly as the server sent them.
#[derive(Debug)]
pub struct Batch {
    /// Rows as raw JSON (for an atom, the one value).
    pub rows: Vec<Row>,
    /// Atom, partial or last.
    pub kind: BatchKind,
}

/// One batch kept as the server's response body, rows as slices of it: no allocation or
/// validation per row, for output that passes rows through (ndjson, json).
#[derive(Debug)]
pub struct RawBatch {
    response: RawResponse,
    /// Atom, partial or last.
    pub kind: BatchKind,
}

impl RawBatch {
    /// How many rows (for an atom, 1).
    pub fn len(&self) -> usize {
        self.response.len()
    }

    /// True when the batch holds no rows.
    pub fn is_empty(&self) -> bool {
        self.response.is_empty()
    }

    /// The rows as raw JSON text, in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.response.rows()
    }

    /// True when some row spans lines (never for what a RethinkDB server sends).
    pub fn has_line_breaks(&self) -> bool {
        self.response.has_line_breaks()
    }

    /// Keeps only the first `n` rows.
    pub fn truncate(&mut self, n: usize) {
        self.response.truncate(n);
    }

    /// The rows as newline-terminated lines in `bytes[range]`, made in place from the body
    /// when its layout allows (see [`RawResponse::take_lines`]; the batch is then empty).
    pub fn take_lines(&mut self) -> Option<(Vec<u8>, std::ops::Range<usize>)> {
        self.response.take_lines()
    }

    /// Validates every row and turns this into a [`Batch`]: the rows before the first
    /// malformed one, and that one's error.
    pub fn into_batch(self) -> (Batch, Option<Error>) {
        let mut rows = Vec::with_capacity(self.response.len());
        let mut error = None;
        for r in self.response.rows() {
            match RawValue::from_string(r.to_owned()) {
                Ok(row) => rows.push(row),
                Err(e) => {
                    error = Some(Error::response(format!(
                        "malformed row from the server: {e}"
                    )));
                    break;
                }
            }
        }
        let batch = Batch {
            rows,
            kind: self.kind,
        };
        (batch, error)
    }
}

/// Sends STOP for a cursor from elsewhere (e.g. the TUI's cancel key while a task reads it).
#[derive(Debug, Clone)]
pub struct StopHandle {
    client: Client,
    token: Token,
}

impl StopHandle {
    /// Sends STOP on the cursor's connection; the cursor then sees the end of its stream.
    pub fn stop(&self) -> Result<(), Error> {
        self.client.stop(self.token)
    }
}

/// The results of one query, batch by batch.
///
/// When a partial batch is handed out the next one is requested at once (CONTINUE), so it is
/// usually there when asked for. Dropping an unfinished cursor sends STOP.
#[derive(Debug)]
pub struct Cursor {
    client: Client,
    token: Token,
    replies: Option<ReplyReceiver>,
    finished: bool,
    kind: Option<CursorKind>,
    notes: Vec<ResponseNote>,
    profile: Option<Row>,
    /// An error to report after the rows that came before it.
    pending_error: Option<Error>,
}

impl Cursor {
    pub(crate) fn new(client: Client, token: Token, replies: ReplyReceiver) -> Cursor {
        Cursor {
            client,
            token,
            replies: Some(replies),
            finished: false,
            kind: None,
            notes: Vec::new(),
            profile: None,
            pending_error: None,
        }
    }

    /// A cursor with nothing to read (noreply queries).
    pub(crate) fn finished(client: Client) -> Cursor {
        Cursor {
            client,
            token: Token(0),
            replies: None,
            finished: true,
            kind: Some(CursorKind::Sequence),
            notes: Vec::new(),
            profile: None,
            pending_error: None,
        }
    }

    /// The query's token on its connection.
    pub fn token(&self) -> Token {
        self.token
    }

    /// Atom, sequence or feed; known once the first batch arrived.
    pub fn kind(&self) -> Option<CursorKind> {
        self.kind
    }

    /// True for a changefeed (known once the first batch arrived).
    pub fn is_feed(&self) -> bool {
        matches!(self.kind, Some(CursorKind::Feed(_)))
    }

    /// The response notes of the first batch.
    pub fn notes(&self) -> &[ResponseNote] {
        &self.notes
    }

    /// Profile data, when the query ran with `profile: true`.
    pub fn profile(&self) -> Option<&Row> {
        self.profile.as_ref()
    }

    /// True when the stream has ended (or failed).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// A handle that can STOP this query from another task.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            client: self.client.clone(),
            token: self.token,
        }
    }

    /// The next batch; `Ok(None)` after the last one. A server error ends the cursor.
    pub async fn next_batch(&mut self) -> Result<Option<Batch>, Error> {
        if let Some(e) = self.pending_error.take() {
            return Err(e);
        }
        match self.next_raw_batch().await? {
            None => Ok(None),
            Some(raw) => {
                let partial = raw.kind == BatchKind::Partial;
                let (batch, error) = raw.into_batch();
                let Some(error) = error else {
                    return Ok(Some(batch));
                };
                // The rest of the stream is of no use: stop it.
                self.finished = true;
                if partial {
                    self.client.abandon(self.token);
                }
                if batch.rows.is_empty() {
                    return Err(error);
                }
                // The rows before the bad one first, its error on the next call.
                self.pending_error = Some(error);
                Ok(Some(batch))
            }
        }
    }

    /// [`Cursor::next_batch`] without per-row validation: rows stay slices of the body.
    pub async fn next_raw_batch(&mut self) -> Result<Option<RawBatch>, Error> {
        if self.finished {
            return Ok(None);
        }
        let Some(replies) = self.replies.as_mut() else {
            return Ok(None);
        };
        let response = match replies.recv().await {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                self.finished = true;
                return Err(e);
            }
            None => {
                // The task vanished without a word (its runtime shut down): the query was sent.
                self.finished = true;
                return Err(Error::task_gone());
            }
        };
        if let Some(e) = server_error(&response) {
            self.finished = true;
            return Err(e);
        }
        if self.kind.is_none() {
            self.notes = response.notes.clone();
            self.kind = Some(match (response.response_type, response.feed()) {
                (ResponseType::SuccessAtom, _) => CursorKind::Atom,
                (_, Some(note)) => CursorKind::Feed(note),
                _ => CursorKind::Sequence,
            });
        }
        if let Some(profile) = response.profile() {
            match RawValue::from_string(profile.to_owned()) {
                Ok(p) => self.profile = Some(p),
                Err(e) => {
                    self.finished = true;
                    if response.response_type == ResponseType::SuccessPartial {
                        self.client.abandon(self.token);
                    }
                    return Err(Error::response(format!(
                        "malformed profile from the server: {e}"
                    )));
                }
            }
        }
        let kind = match response.response_type {
            ResponseType::SuccessAtom => BatchKind::Atom,
            ResponseType::SuccessPartial => BatchKind::Partial,
            _ => BatchKind::Last,
        };
        if kind == BatchKind::Partial {
            // Prefetch: the next batch travels while the caller works on this one.
            if let Err(e) = self.client.continue_query(self.token) {
                self.finished = true;
                return Err(e);
            }
        } else {
            self.finished = true;
        }
        Ok(Some(RawBatch { response, kind }))
    }

    /// Every remaining row (never returns for a feed: use `next_batch` there).
    pub async fn collect_rows(&mut self) -> Result<Vec<Row>, Error> {
        let mut rows = Vec::new();
        while let Some(batch) = self.next_batch().await? {
            rows.extend(batch.rows);
        }
        Ok(rows)
    }

    /// Stops the query if it is still running and waits for the server to confirm.
    pub async fn close(mut self) -> Result<(), Error> {
        if self.finished {
            return Ok(());
        }
        self.client.stop(self.token)?;
        while let Some(replies) = self.replies.as_mut() {
            match replies.recv().await {
                Some(Ok(r)) if !r.is_final() => continue,
                Some(Ok(_)) => break,
                Some(Err(e)) => {
                    self.finished = true;
                    return Err(e);
                }
                None => break,
            }
        }
        self.finished = true;
        Ok(())
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        if !self.finished {
            self.client.abandon(self.token);
        }
    }
}
