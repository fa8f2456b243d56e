//! `bellows-e2e`: the simulated cluster (`bellows-sim`) and end-to-end tests for bellows.

pub mod bench;
pub mod demo;
pub mod sim;
