//! bellows: a Kubernetes autoscaling suite in one binary.
//!
//! The crate is layered as the design describes (`docs/architecture.md`): a pure core (quantities,
//! decoders, stores, replica calculation, behavior) with no I/O and no clock reads, and thin edges
//! (command line, servers, controllers) that feed it snapshots and apply its decisions.

#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod cli;
pub mod goduration;
pub mod hpa;
pub mod input;
pub mod logging;
pub mod manifests;
pub mod metrics;
pub mod policy;
pub mod quantity;
pub mod run;
pub mod selectors;
pub mod server;
pub mod version;
pub mod yaml;
