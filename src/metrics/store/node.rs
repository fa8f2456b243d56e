//! Node half of the store: `Store(batch)` rules of spec §3.2 (upstream `pkg/storage/node.go`).
//!
//! Invariant: when an entry has a previous point, `prev.timestamp < last.timestamp`, so the
//! usage window is positive. Nodes carry no start time: a node reboot shows up only as a CPU
//! counter decrease at query time.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::NoPrev;
use super::usage::Point;
use crate::metrics::decode::NodePoint;

/// Last point of one node and, when it has one, the point before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeEntry {
    pub(crate) last: Point,
    pub(crate) prev: Result<Point, NoPrev>,
}

pub(crate) fn point(p: &NodePoint) -> Point {
    Point {
        start: None,
        timestamp: p.timestamp,
        cpu: p.cumulative_cpu_nanoseconds,
        memory: p.memory_working_set_bytes,
    }
}

/// New entry for `new` given what the store held for that node before this cycle.
pub(crate) fn next_entry(old: Option<&NodeEntry>, new: Point) -> NodeEntry {
    let prev = match old {
        None => Err(NoPrev::New),
        Some(old) if new.timestamp > old.last.timestamp => Ok(old.last),
        // Same or older sample (e.g. a cached kubelet answer): keep serving the old pair if it
        // still precedes the new point, else drop it.
        Some(old) => match old.prev {
            Ok(q) if q.timestamp < new.timestamp => Ok(q),
            _ => Err(NoPrev::NotNewer { stored: old.last.timestamp }),
        },
    };
    NodeEntry { last: new, prev }
}

/// Applies one cycle's node points (first occurrence of a name wins) to the previous map.
pub(crate) fn store<'a>(
    old: &BTreeMap<String, NodeEntry>,
    points: impl Iterator<Item = &'a NodePoint>,
) -> BTreeMap<String, NodeEntry> {
    let mut next = BTreeMap::new();
    for p in points {
        if next.contains_key(&p.name) {
            continue;
        }
        next.insert(p.name.clone(), next_entry(old.get(&p.name), point(p)));
    }
    next
}

/// Timestamp of the last point, for explanations of objects that went away.
pub(crate) fn last_seen(entry: &NodeEntry) -> Timestamp {
    entry.last.timestamp
}
