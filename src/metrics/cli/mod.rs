//! The offline and diagnostic metrics commands — thin glue between files, URLs and the pure
//! decoder and store:
//! - [`scrape`]: `bellows metrics scrape` (one payload, decoded);
//! - [`replay`]: `bellows metrics replay` (payloads through the real store, printed as the API
//!   serves them);
//! - [`why`]: `bellows metrics why` (the store's explanation, from a running bellows or a replay).

pub mod replay;
pub mod scrape;
pub mod why;

pub use replay::{ReplayError, Served, replay_files, served};
pub use scrape::{KubeletAccess, ScrapeCommandError, scrape};
pub use why::{Answer, ServerAccess, WhyError, WhyTarget, ask};
