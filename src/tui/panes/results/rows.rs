//! The rows a tab retains and what they cost: at most `cap`, oldest discarded and counted.

use std::collections::VecDeque;

use serde_json::Value;

use super::approx_size;
use crate::nesting::Doc;

/// A tab's rows, oldest first, with the count of rows (and held feed changes) the cap
/// discarded and the approximate JSON size of what is retained.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    items: VecDeque<Doc>,
    /// Rows (and held changes) discarded from the front because of the cap.
    dropped: u64,
    /// Approximate JSON size of the rows and held changes retained.
    bytes: usize,
    cap: usize,
}

impl Rows {
    /// No rows; at most `cap` (at least one) retained.
    pub fn new(cap: usize) -> Self {
        Rows {
            items: VecDeque::new(),
            dropped: 0,
            bytes: 0,
            cap: cap.max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Rows (and held changes) discarded because of the cap.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Approximate JSON size of the rows and held changes retained.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Appends `rows`, discarding the oldest past the cap; returns how many were discarded.
    pub fn extend(&mut self, rows: Vec<Doc>) -> usize {
        self.bytes += rows.iter().map(|d| approx_size(d)).sum::<usize>();
        self.items.extend(rows);
        let excess = self.items.len().saturating_sub(self.cap);
        let freed: usize = self.items.drain(..excess).map(|v| approx_size(&v)).sum();
        self.bytes = self.bytes.saturating_sub(freed);
        self.dropped += excess as u64;
        excess
    }

    /// Keeps `rows` in `held` (a paused feed's changes), counted in the size and against the
    /// cap like rows.
    pub fn hold(&mut self, held: &mut VecDeque<Doc>, rows: Vec<Doc>) {
        self.bytes += rows.iter().map(|d| approx_size(d)).sum::<usize>();
        held.extend(rows);
        while held.len() > self.cap {
            if let Some(v) = held.pop_front() {
                self.bytes = self.bytes.saturating_sub(approx_size(&v));
            }
            self.dropped += 1;
        }
    }

    /// Takes the changes out of `held` and out of the count, to be [`Rows::extend`]ed.
    pub fn release(&mut self, held: &mut VecDeque<Doc>) -> Vec<Doc> {
        let held: Vec<Doc> = held.drain(..).collect();
        let size: usize = held.iter().map(|d| approx_size(d)).sum();
        self.bytes = self.bytes.saturating_sub(size);
        held
    }

    /// The rows in display order: newest first or oldest first.
    pub fn shown(&self, newest_first: bool) -> Shown<'_> {
        Shown {
            rows: self,
            newest_first,
        }
    }
}

/// The rows in the order they are displayed.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    rows: &'a Rows,
    newest_first: bool,
}

impl<'a> Shown<'a> {
    pub fn len(&self) -> usize {
        self.rows.items.len()
    }

    pub fn newest_first(&self) -> bool {
        self.newest_first
    }

    /// The row shown at display position `i`.
    pub fn get(&self, i: usize) -> Option<&'a Value> {
        let items = &self.rows.items;
        if self.newest_first {
            items
                .len()
                .checked_sub(i + 1)
                .and_then(|j| items.get(j))
                .map(|d| &**d)
        } else {
            items.get(i).map(|d| &**d)
        }
    }

    /// The row number of display position `display` counted from the first row ever
    /// received (it survives drops).
    pub fn absolute(&self, display: usize) -> u64 {
        let index = if self.newest_first {
            self.len().saturating_sub(display + 1)
        } else {
            display
        };
        self.rows.dropped + index as u64
    }
}
