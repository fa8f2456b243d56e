//! Pod half of the store: `Store(batch)` rules of spec §3.3 (upstream `pkg/storage/pod.go`).
//!
//! Per container C of pod K with new point P, in this order:
//! 1. fresh container: `P.start < P.ts` and `10 s ≤ P.ts − P.start < resolution` → synthetic
//!    previous point `{ts: P.start, cpu: 0, mem: P.mem}` (overrides any real previous point);
//! 2. C was in K's last point L and has not restarted (`P.start < L.ts`): `P.ts > L.ts` → prev
//!    is L; otherwise the old prev Q is kept when `Q.ts < P.ts`;
//! 3. otherwise no previous point (new container, restart, or a sample not newer).
//!
//! Deviation: upstream keeps a zero-valued (year 1) previous point when K had a prev but C did
//! not; as the spec advises, we keep none. Containers are kept sorted by name (upstream order is
//! Go map order, i.e. unspecified), so query output is deterministic.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::NoPrev;
use super::usage::Point;
use crate::metrics::decode::{ContainerPoint, PodPoint};

/// Minimum container age for the fresh-container rule (upstream
/// `freshContainerMinMetricsResolution`): younger points give inaccurate rates.
pub(crate) const FRESH_CONTAINER_MIN_AGE: SignedDuration = SignedDuration::from_secs(10);

/// Key of a pod: (namespace, name); sorts by namespace then name.
pub(crate) type PodKey = (String, String);

/// Last point of one container and, when it has one, the point before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContainerEntry {
    pub(crate) last: Point,
    pub(crate) prev: Result<Point, NoPrev>,
}

/// A pod's containers sorted by name. A pod has a handful, so a sorted `Vec` beats a map: a
/// `BTreeMap` allocates a node sized for eleven entries (≈ 1.4 KiB here) even for one container,
/// which at 150,000 pods was most of the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Containers(Vec<(String, ContainerEntry)>);

impl Containers {
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }

    /// The container named `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&ContainerEntry> {
        self.position(name).ok().map(|i| &self.0[i].1)
    }

    /// Adds `name` unless present; returns whether it was added (the first entry wins).
    pub(crate) fn insert_first(&mut self, name: &str, entry: ContainerEntry) -> bool {
        match self.position(name) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, (name.to_owned(), entry));
                true
            }
        }
    }

    /// (name, entry) in name order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &ContainerEntry)> {
        self.0.iter().map(|(n, c)| (n, c))
    }

    /// Entries in name order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &ContainerEntry> {
        self.0.iter().map(|(_, c)| c)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// All containers of one pod, plus the node that reported it (when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PodEntry {
    pub(crate) node: Option<String>,
    pub(crate) containers: Containers,
}

impl PodEntry {
    /// Upstream keeps `prev[K]` only when at least one container got a previous point.
    pub(crate) fn has_prev(&self) -> bool {
        self.containers.values().any(|c| c.prev.is_ok())
    }

    /// Timestamp of the newest container point, for explanations of pods that went away.
    pub(crate) fn last_seen(&self) -> Option<Timestamp> {
        self.containers.values().map(|c| c.last.timestamp).max()
    }
}

fn point(c: &ContainerPoint) -> Point {
    Point {
        start: c.start_time,
        timestamp: c.timestamp,
        cpu: c.cumulative_cpu_nanoseconds,
        memory: c.memory_working_set_bytes,
    }
}

/// Previous point for a container whose new point is `new`.
pub(crate) fn next_prev(
    old: Option<&ContainerEntry>,
    new: Point,
    resolution: SignedDuration,
) -> Result<Point, NoPrev> {
    if let Some(start) = new.start
        && start < new.timestamp
    {
        let age = new.timestamp.duration_since(start);
        if age >= FRESH_CONTAINER_MIN_AGE && age < resolution {
            return Ok(Point { start: Some(start), timestamp: start, cpu: 0, memory: new.memory });
        }
    }
    let Some(old) = old else { return Err(NoPrev::New) };
    // `None < Some(_)`: without a start time a restart is never detected here (Go zero time).
    if new.start >= Some(old.last.timestamp) {
        return Err(NoPrev::Restarted { start: new.start, stored: old.last.timestamp });
    }
    if new.timestamp > old.last.timestamp {
        return Ok(old.last);
    }
    match old.prev {
        Ok(q) if q.timestamp < new.timestamp => Ok(q),
        _ => Err(NoPrev::NotNewer { stored: old.last.timestamp }),
    }
}

/// New entry for one pod; duplicate container names keep the first.
fn next_entry(
    old: Option<&PodEntry>,
    new: &PodPoint,
    node: Option<&str>,
    resolution: SignedDuration,
) -> PodEntry {
    let mut containers = Containers(Vec::with_capacity(new.containers.len()));
    for c in &new.containers {
        if containers.get(&c.name).is_some() {
            continue;
        }
        let old_container = old.and_then(|o| o.containers.get(&c.name));
        let last = point(c);
        let prev = next_prev(old_container, last, resolution);
        containers.insert_first(&c.name, ContainerEntry { last, prev });
    }
    PodEntry { node: node.map(str::to_owned), containers }
}

/// Applies one cycle's pods (first occurrence of a pod wins) to the previous map.
pub(crate) fn store<'a>(
    old: &BTreeMap<PodKey, PodEntry>,
    pods: impl Iterator<Item = (Option<&'a str>, &'a PodPoint)>,
    resolution: SignedDuration,
) -> BTreeMap<PodKey, PodEntry> {
    let mut next = BTreeMap::new();
    for (node, p) in pods {
        let key = (p.namespace.clone(), p.name.clone());
        if next.contains_key(&key) {
            continue;
        }
        let entry = next_entry(old.get(&key), p, node, resolution);
        next.insert(key, entry);
    }
    next
}
