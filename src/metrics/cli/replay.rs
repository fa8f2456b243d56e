//! `bellows metrics replay`: kubelet payloads of one node, fed through the real store one scrape
//! cycle per file, and what the metrics API would serve afterwards.
//!
//! Model: file *i* is the whole scrape cycle *i* of a cluster with one node (`--node`). Each
//! payload is judged as the scrape loop judges a live answer ([`decode_payload`]: an undecodable
//! payload is a failed scrape of the node, kept for `why`), then stored with
//! [`Store::store_cycle`]. The output objects are built by the API's own types
//! ([`NodeMetricsList`], [`PodMetricsList`]) from the same samples a running bellows serves, with
//! no labels (there is no watch offline).
//!
//! Scrape time of a file (the request time a live scrape would have read): the newest timestamp
//! of its samples ([`newest_timestamp`]). Kubelets stamp every sample, so this only decides the
//! stamp of samples without one and the output's `creationTimestamp` (the last file's scrape
//! time, so output is reproducible). A file with no stamped sample gets the previous file's time
//! plus the resolution (leading ones: the next stamped file's time minus the resolution, as many
//! times as needed; no stamp anywhere: the Unix epoch onwards).
//!
//! The resolution matters only where the store uses it: the fresh-container rule (a container
//! between 10 s and one resolution old is served from its start) and the "expected around" times
//! of explanations. It is validated like `--metric-resolution` (at least 10 s).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::goduration;
use crate::metrics::api::types::{NodeMetrics, NodeMetricsList, PodMetrics, PodMetricsList};
use crate::metrics::decode::newest_timestamp;
use crate::metrics::runtime::config::MIN_RESOLUTION;
use crate::metrics::runtime::source::{node_sample, pod_sample};
use crate::metrics::scraper::{Payload, decode_payload};
use crate::metrics::store::{ScrapeCycle, Store};

/// Why a replay could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A payload file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `--resolution` is shorter than `--metric-resolution` accepts.
    #[error("--resolution must be at least 10s (as --metric-resolution), got {}", goduration::format(*.0))]
    ResolutionTooShort(Duration),
    /// No payload file was given.
    #[error("no payload files given")]
    NoFiles,
}

/// The store after a replay, and the scrape time chosen for each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// The store after the last cycle.
    pub store: Store,
    /// Scrape time of each file, in the order given.
    pub scrape_times: Vec<Timestamp>,
}

impl Replay {
    /// Scrape time of the last file: the `now` of the API objects rendered from this replay.
    pub fn now(&self) -> Timestamp {
        self.scrape_times.last().copied().unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// What `metrics replay` prints: both lists exactly as the API would serve them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Served {
    /// `GET /apis/metrics.k8s.io/v1beta1/nodes`.
    pub nodes: NodeMetricsList,
    /// `GET /apis/metrics.k8s.io/v1beta1/pods`.
    pub pods: PodMetricsList,
}

/// Checks `--resolution` like `--metric-resolution` and converts it for the store.
pub fn store_resolution(resolution: Duration) -> Result<SignedDuration, ReplayError> {
    if resolution < MIN_RESOLUTION {
        return Err(ReplayError::ResolutionTooShort(resolution));
    }
    Ok(SignedDuration::try_from(resolution).unwrap_or(SignedDuration::MAX))
}

/// Scrape times from each payload's newest stamp (`None`: no stamp or undecodable), filling the
/// gaps one resolution apart as the module documents.
pub fn scrape_times(stamps: &[Option<Timestamp>], resolution: SignedDuration) -> Vec<Timestamp> {
    let step = |t: Timestamp, n: usize, forward: bool| {
        let by = resolution.saturating_mul(i32::try_from(n).unwrap_or(i32::MAX));
        let moved = if forward { t.checked_add(by) } else { t.checked_sub(by) };
        moved.unwrap_or(t)
    };
    let first = stamps.iter().position(Option::is_some);
    let mut times = Vec::with_capacity(stamps.len());
    let mut previous: Option<Timestamp> = None;
    for (index, stamp) in stamps.iter().enumerate() {
        let time = match (stamp, previous, first) {
            (Some(t), _, _) => *t,
            (None, Some(p), _) => step(p, 1, true),
            (None, None, Some(f)) => stamps[f].map_or(Timestamp::UNIX_EPOCH, |t| step(t, f - index, false)),
            (None, None, None) => step(Timestamp::UNIX_EPOCH, index, true),
        };
        times.push(time);
        previous = Some(time);
    }
    times
}

/// Feeds `payloads` (oldest first) of node `node` through a store with `resolution`, one cycle
/// each, as the scrape loop would.
pub fn replay(node: &str, resolution: SignedDuration, payloads: &[Vec<u8>]) -> Replay {
    let stamps: Vec<_> = payloads.iter().map(|p| newest_timestamp(p).ok().flatten()).collect();
    let scrape_times = scrape_times(&stamps, resolution);
    let mut store = Store::new(resolution);
    for (body, &request_time) in payloads.iter().zip(&scrape_times) {
        let payload = Payload { body: body.clone(), request_time };
        let mut cycle = ScrapeCycle::new();
        match decode_payload(&payload, node) {
            Ok(batch) => cycle.push_batch(node, batch),
            Err(message) => {
                tracing::warn!(node, %message, "payload is a failed scrape");
                cycle.push_failure(node, message);
            }
        }
        store.store_cycle(&cycle);
    }
    Replay { store, scrape_times }
}

/// The node and pod lists the API serves from `store` at `now` (every object counts as existing).
pub fn served(store: &Store, now: Timestamp) -> Served {
    let nodes = store
        .nodes()
        .map(|(name, usage)| NodeMetrics::from_sample(&node_sample(name, BTreeMap::new(), usage), now))
        .collect();
    let pods = store
        .pods()
        .map(|(ns, name, usage)| PodMetrics::from_sample(&pod_sample(ns, name, BTreeMap::new(), usage), now))
        .collect();
    Served { nodes: NodeMetricsList::new(nodes), pods: PodMetricsList::new(pods) }
}

/// Reads `files` and replays them (the command's edge).
pub fn replay_files(node: &str, resolution: Duration, files: &[PathBuf]) -> Result<Replay, ReplayError> {
    let resolution = store_resolution(resolution)?;
    if files.is_empty() {
        return Err(ReplayError::NoFiles);
    }
    let payloads = files.iter().map(|path| read(path)).collect::<Result<Vec<_>, _>>()?;
    Ok(replay(node, resolution, &payloads))
}

fn read(path: &Path) -> Result<Vec<u8>, ReplayError> {
    std::fs::read(path).map_err(|source| ReplayError::Read { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests;
