//! The panes: each holds its own state and draws itself from it.

pub mod browser;
pub mod editor;
pub mod profile;
pub mod results;
pub mod status;
pub mod system;

/// The first line of a list of one-line items shown in `height` lines that keeps item
/// `selected` in view, moving as little as possible from `top`.
pub fn top_showing(selected: usize, top: usize, height: usize) -> usize {
    let height = height.max(1);
    if selected < top {
        selected
    } else if selected >= top + height {
        selected + 1 - height
    } else {
        top
    }
}
