//! Explanations (bellows extra): why a node or pod is, or is not, served by the store.
//!
//! An [`Explanation`] is a plain value built at query time from the store's state and the
//! record of the last cycle (scrape failures, decoder drops, objects that went away). It
//! serialises to JSON for `bellows metrics why` and has a one-line human message (`Display`).

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::UsageError;
use crate::metrics::decode::DropReason;

/// The object an explanation is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ObjectRef {
    /// A node.
    Node {
        /// Node name.
        name: String,
    },
    /// A pod.
    Pod {
        /// Pod namespace.
        namespace: String,
        /// Pod name.
        name: String,
    },
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Node { name } => write!(f, "node {name}"),
            Self::Pod { namespace, name } => write!(f, "pod {namespace}/{name}"),
        }
    }
}

/// A container left out of a served pod because its usage could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedContainer {
    /// Container name.
    pub name: String,
    /// Why its usage could not be computed.
    pub error: UsageError,
}

/// Why the last point of a node or container has no usable previous point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum NoPrev {
    /// First point since the object (re)appeared.
    New,
    /// The container started at or after the previously stored sample (restart).
    Restarted {
        /// New start time.
        start: Option<Timestamp>,
        /// Timestamp of the point stored before the restart.
        stored: Timestamp,
    },
    /// The new sample is not newer than the stored ones (e.g. a cached kubelet answer).
    NotNewer {
        /// Timestamp of the point stored before.
        stored: Timestamp,
    },
}

/// The verdict for one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Reason {
    /// Served; `skipped` lists containers left out of a served pod.
    Served {
        /// Timestamp of the served usage (`None` for a pod whose containers were all skipped).
        timestamp: Option<Timestamp>,
        /// Window of the served usage.
        window: SignedDuration,
        /// Containers left out (pods only).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        skipped: Vec<SkippedContainer>,
    },
    /// Never seen in a scrape the store remembers.
    NeverSeen,
    /// The scrape of the node (the pod's node, for pods) failed in the last cycle.
    ScrapeFailed {
        /// Node whose scrape failed.
        node: String,
        /// The scrape error.
        error: String,
    },
    /// Seen before, absent from the last scrape (node removed, pod gone or not reported).
    NotInLastScrape {
        /// Node that reported the pod before, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        node: Option<String>,
        /// Timestamp of its last point.
        #[serde(skip_serializing_if = "Option::is_none")]
        last_seen: Option<Timestamp>,
    },
    /// Present in the kubelet payload but dropped by the decoder as incomplete.
    Incomplete {
        /// Node whose payload it came from, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        node: Option<String>,
        /// Decoder verdict.
        reason: DropReason,
    },
    /// Only one point so far; served after the next successful scrape.
    WaitingForSecondPoint {
        /// The container that lacks a previous point (pods only).
        #[serde(skip_serializing_if = "Option::is_none")]
        container: Option<String>,
        /// Timestamp of the only point.
        since: Timestamp,
        /// Expected time of the next sample (`since` + resolution).
        expected: Timestamp,
    },
    /// A container restarted since the previous sample; served after the next scrape.
    ContainerRestarted {
        /// The restarted container.
        container: String,
        /// Its new start time.
        start: Option<Timestamp>,
        /// Expected time of the next sample.
        expected: Timestamp,
    },
    /// The latest sample is not newer than the stored ones; served once a newer one arrives.
    SampleNotNewer {
        /// The container concerned (pods only).
        #[serde(skip_serializing_if = "Option::is_none")]
        container: Option<String>,
        /// Timestamp of the latest sample.
        timestamp: Timestamp,
        /// Timestamp of the sample stored before it.
        stored: Timestamp,
    },
    /// The cluster does not list the object (no such node, no such Running pod), so the API
    /// answers "not found" whatever the store holds (set by the running bellows, which also
    /// watches nodes and pods; never by the store itself).
    NotListed,
    /// The pod point has no containers at all.
    NoContainers,
    /// Node usage could not be computed (CPU counter or start time went backwards).
    UsageError {
        /// The computation error.
        error: UsageError,
    },
}

/// Why an object is or is not served, with a human message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explanation {
    /// The object.
    pub object: ObjectRef,
    /// Whether the API serves it now.
    pub served: bool,
    /// The verdict.
    pub reason: Reason,
    /// One-line human message (same text as `Display`).
    pub message: String,
}

impl Explanation {
    /// Builds an explanation and its message.
    pub(crate) fn new(object: ObjectRef, reason: Reason) -> Self {
        let served = matches!(reason, Reason::Served { .. });
        let message = format!("{object}: {}", Message(&reason, &object));
        Self { object, served, reason, message }
    }
}

impl Explanation {
    /// The answer of a running bellows given whether the cluster lists the object: an object it
    /// does not list is answered "not found" by the API, so an explanation saying "served" or
    /// "never seen" becomes [`Reason::NotListed`]; other reasons (scrape failed, gone, …) stay
    /// because they say more.
    #[must_use]
    pub fn with_listing(self, listed: bool) -> Self {
        if listed || !matches!(self.reason, Reason::Served { .. } | Reason::NeverSeen) {
            return self;
        }
        Self::new(self.object, Reason::NotListed)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Renders the human text of a [`Reason`] about an object.
struct Message<'a>(&'a Reason, &'a ObjectRef);

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_container =
            |c: &Option<String>| c.as_ref().map(|c| format!(" (container {c})")).unwrap_or_default();
        match self.0 {
            Reason::Served { timestamp, window, skipped } => {
                match timestamp {
                    Some(ts) => write!(
                        f,
                        "served: metrics from {ts}, window {}",
                        crate::goduration::format(window.unsigned_abs())
                    )?,
                    None => f.write_str("served with no containers")?,
                }
                for s in skipped {
                    write!(f, "; container {} skipped: {}", s.name, s.error)?;
                }
                Ok(())
            }
            Reason::NeverSeen => f.write_str("not served: never seen in a scrape"),
            Reason::ScrapeFailed { node, error } => {
                write!(f, "not served: scrape of node {node} failed: {error}")
            }
            Reason::NotInLastScrape { node, last_seen } => {
                f.write_str("not served: not in the last scrape")?;
                if let Some(node) = node {
                    write!(f, " of node {node}")?;
                }
                if let Some(ts) = last_seen {
                    write!(f, " (last seen {ts})")?;
                }
                Ok(())
            }
            Reason::Incomplete { node, reason } => {
                f.write_str("not served: dropped by the decoder")?;
                if let Some(node) = node {
                    write!(f, " (node {node})")?;
                }
                write!(f, ": {reason}")
            }
            Reason::WaitingForSecondPoint { container, since, expected } => write!(
                f,
                "not served yet: only one point so far{} at {since}; served after the next scrape, expected around {expected}",
                in_container(container)
            ),
            Reason::ContainerRestarted { container, start, expected } => {
                write!(f, "not served: container {container} restarted")?;
                if let Some(start) = start {
                    write!(f, " at {start}")?;
                }
                write!(f, "; served after the next scrape, expected around {expected}")
            }
            Reason::SampleNotNewer { container, timestamp, stored } => write!(
                f,
                "not served: latest sample{} at {timestamp} is not newer than the stored one at {stored}; \
                 served once a newer sample arrives",
                in_container(container)
            ),
            Reason::NotListed => f.write_str(match self.1 {
                ObjectRef::Node { .. } => "not found: the cluster lists no node of that name",
                ObjectRef::Pod { .. } => "not found: the cluster lists no Running pod of that name",
            }),
            Reason::NoContainers => f.write_str("not served: the pod point has no containers"),
            Reason::UsageError { error } => write!(f, "not served: {error}"),
        }
    }
}
