//! Go `time.Duration` text: parsing (`time.ParseDuration`) and formatting (`Duration.String()`).
//!
//! Kubernetes objects and flags spell durations the Go way (`30s`, `5m`, `1h30m`, `15.002s`), and
//! clients compare them as text, so both directions follow Go exactly. Only non-negative durations
//! exist here: every duration bellows reads or prints is a length of time.

mod format;
mod parse;

#[cfg(test)]
mod tests;

pub use format::go_duration_string as format;
pub use parse::{DurationError, parse_duration as parse};
