//! The panes: each holds its own state and draws itself from it.

pub mod browser;
pub mod editor;
pub mod profile;
pub mod results;
pub mod status;
pub mod system;
