//! One scrape cycle: fetch every node's `/metrics/resource` in parallel, decode, and hand the
//! results to the store as one [`ScrapeCycle`].
//!
//! Timing follows metrics-server (§1.3 of the spec) with deliberate differences:
//! - each node waits a stagger delay in `[0, min(8 ms × nodes, 2 s))` before its request, so a
//!   large cluster's kubelets are not hit in the same millisecond. Upstream draws it at random
//!   below `min(8 ms × nodes, 4 s)`; bellows derives it from a hash of the node name so a cycle is
//!   reproducible in tests, and spreads over at most 2 s because the concurrency bound below
//!   already keeps a burst in check: a 5000-node cycle on the simulated cluster then took 2.9 s
//!   at the median instead of 4.5 s (BENCHMARKS.md), and the points of one cycle are closer
//!   together in time;
//! - each request is bounded by `--kubelet-request-timeout`, and the whole cycle by the
//!   resolution: a node still outstanding then is recorded as failed and the cycle completes on
//!   time (a slow kubelet never delays the others);
//! - at most `max_concurrency` requests are in flight (upstream: unbounded).
//!
//! A failure of one node (no address, connection error, non-200, timeout, undecodable payload)
//! contributes nothing to the cycle's points but is recorded with its reason, so `metrics why`
//! can tell the user. There are no retries within a cycle, as upstream.
//!
//! The network sits behind [`KubeletClient`]; tests use an in-memory implementation.

use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash as _, Hasher as _};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::decode::{Batch, decode};
use super::store::ScrapeCycle;
use super::target::Target;

/// A fetched kubelet payload and the time read just before the request was sent (the default
/// timestamp of samples that carry none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The response body.
    pub body: Vec<u8>,
    /// Wall-clock time just before sending.
    pub request_time: Timestamp,
}

/// Why fetching one node's payload failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Connecting or TLS failed.
    #[error("unable to fetch metrics from node {node}: {reason}")]
    Connect {
        /// Node name.
        node: String,
        /// The transport's complaint.
        reason: String,
    },
    /// The kubelet answered with a non-200 status (upstream wording).
    #[error("request failed, status: {status:?}")]
    Status {
        /// e.g. `403 Forbidden`.
        status: String,
    },
    /// The body could not be read completely.
    #[error("reading response body: {reason}")]
    Body {
        /// The transport's complaint.
        reason: String,
    },
}

/// Fetches one kubelet's payload. Implementations read the clock for [`Payload::request_time`].
pub trait KubeletClient: Send + Sync + 'static {
    /// GETs `target.url`.
    fn fetch(&self, target: &Target) -> impl Future<Output = Result<Payload, FetchError>> + Send;
}

/// Timing and concurrency of a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CycleConfig {
    /// `--metric-resolution`: the cycle's overall deadline.
    pub resolution: Duration,
    /// `--kubelet-request-timeout`.
    pub request_timeout: Duration,
    /// Upper bound on requests in flight.
    pub max_concurrency: usize,
    /// Whether to stagger requests (off in unit tests that count milliseconds).
    pub stagger: bool,
}

impl Default for CycleConfig {
    fn default() -> Self {
        Self {
            resolution: Duration::from_secs(15),
            request_timeout: Duration::from_secs(10),
            max_concurrency: 512,
            stagger: true,
        }
    }
}

/// A node to scrape: its target, or why none could be built.
pub type NodeTarget = (String, Result<Target, String>);

/// Stagger per node in the cycle, as metrics-server.
const STAGGER_PER_NODE_MS: u64 = 8;
/// Widest stagger window (metrics-server: 4 s); see the module header.
const MAX_STAGGER_MS: u64 = 2000;

/// The stagger delay of `node` in a cycle over `node_count` nodes: uniform-looking in
/// `[0, min(8 ms × node_count, 2 s))`, stable per node name.
pub fn stagger_delay(node: &str, node_count: usize) -> Duration {
    let max_ms = (STAGGER_PER_NODE_MS * node_count as u64).min(MAX_STAGGER_MS);
    if max_ms == 0 {
        return Duration::ZERO;
    }
    let mut h = DefaultHasher::new();
    node.hash(&mut h);
    Duration::from_millis(h.finish() % max_ms)
}

/// What happened to one node, before merging.
enum Outcome {
    Batch(Batch),
    Failed(String),
}

/// Scrapes every node once and returns the merged cycle (nodes in the order given).
pub async fn scrape_cycle<K: KubeletClient>(
    client: Arc<K>,
    nodes: Vec<NodeTarget>,
    config: CycleConfig,
) -> ScrapeCycle {
    let count = nodes.len();
    let permits = Arc::new(Semaphore::new(config.max_concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut order = Vec::with_capacity(count);
    for (index, (name, target)) in nodes.into_iter().enumerate() {
        order.push(name.clone());
        let client = Arc::clone(&client);
        let permits = Arc::clone(&permits);
        let delay = if config.stagger { stagger_delay(&name, count) } else { Duration::ZERO };
        tasks.spawn(async move {
            let outcome = match target {
                Err(reason) => Outcome::Failed(reason),
                Ok(target) => {
                    tokio::time::sleep(delay).await;
                    let _permit = permits.acquire().await;
                    scrape_one(&*client, &target, config.request_timeout).await
                }
            };
            (index, outcome)
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = (0..count).map(|_| None).collect();
    let deadline = tokio::time::sleep(config.resolution);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                Some(Ok((index, outcome))) => outcomes[index] = Some(outcome),
                // A panicking task is a bug in a client implementation; that node simply has no
                // result and is reported below as not finished.
                Some(Err(_)) => {}
                None => break,
            },
            () = &mut deadline => {
                tasks.abort_all();
                break;
            }
        }
    }
    let mut cycle = ScrapeCycle::new();
    for (name, outcome) in order.into_iter().zip(outcomes) {
        match outcome {
            Some(Outcome::Batch(batch)) => cycle.push_batch(name, batch),
            Some(Outcome::Failed(reason)) => cycle.push_failure(name, reason),
            None => cycle.push_failure(
                name,
                format!("scrape did not finish within the metric resolution ({:?})", config.resolution),
            ),
        }
    }
    cycle
}

async fn scrape_one<K: KubeletClient>(client: &K, target: &Target, timeout: Duration) -> Outcome {
    match tokio::time::timeout(timeout, client.fetch(target)).await {
        Err(_) => Outcome::Failed(format!("timeout to access kubelet after {timeout:?}")),
        Ok(Err(err)) => Outcome::Failed(err.to_string()),
        Ok(Ok(payload)) => match decode_payload(&payload, &target.node) {
            Ok(batch) => Outcome::Batch(batch),
            Err(message) => Outcome::Failed(message),
        },
    }
}

/// What a scrape makes of one fetched payload of `node`: the decoded batch, or the failure
/// message the store keeps for explanations (upstream's `failed parsing metrics: …`, which the
/// decoder's errors already start with). Offline replays call it too, so a file is judged
/// exactly as a live answer would be.
pub fn decode_payload(payload: &Payload, node: &str) -> Result<Batch, String> {
    decode(&payload.body, node, payload.request_time).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests;
