//! A tiny in-process informer: a local copy of some resources, kept up to date from the store's
//! watch log (`Cluster::events_since`), so controllers can make full, level-triggered passes over
//! their inputs without cloning the store on every pass.
//!
//! Invariants: after [`Informer::sync`] each cached resource reflects the store as of at least the
//! revision the sync read; if the log no longer reaches back far enough (410 `Expired`), the
//! resource is relisted. `sync` reports whether anything changed.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::sim::cluster::{Cluster, object_id};
use crate::sim::store::{EventType, ResourceKey};

/// Objects of one resource by (namespace, name).
pub type Objects = BTreeMap<(String, String), Arc<Value>>;

#[derive(Debug)]
struct Cached {
    key: ResourceKey,
    objects: Objects,
    /// Revision up to which the watch log was applied; `None` before the first list.
    synced: Option<u64>,
}

/// Local copies of a fixed set of resources.
#[derive(Debug)]
pub struct Informer {
    resources: Vec<Cached>,
}

fn id(obj: &Value) -> (String, String) {
    let [ns, name] = object_id(obj);
    (ns.to_owned(), name.to_owned())
}

impl Informer {
    /// An informer for `keys` (nothing is read until [`Informer::sync`]).
    pub fn new(keys: &[ResourceKey]) -> Self {
        let resources =
            keys.iter().map(|k| Cached { key: k.clone(), objects: Objects::new(), synced: None }).collect();
        Self { resources }
    }

    /// Catch up with the store; returns whether any cached object changed.
    pub fn sync(&mut self, cluster: &Cluster) -> bool {
        let mut changed = false;
        for cached in &mut self.resources {
            let events = cached.synced.map(|since| cluster.events_since(&cached.key, since));
            if let Some(Ok((events, revision))) = events {
                changed |= !events.is_empty();
                for event in events {
                    let id = id(&event.object);
                    if event.kind == EventType::Deleted {
                        cached.objects.remove(&id);
                    } else {
                        cached.objects.insert(id, event.object);
                    }
                }
                cached.synced = Some(revision);
            } else {
                // First sync, or the log was compacted past us: relist.
                let (items, revision) = cluster.list_shared(&cached.key, None);
                cached.objects = items.into_iter().map(|o| (id(&o), o)).collect();
                cached.synced = Some(revision);
                changed = true;
            }
        }
        changed
    }

    /// The cached objects of `key` (empty if it is not cached).
    pub fn objects(&self, key: &ResourceKey) -> &Objects {
        static EMPTY: Objects = BTreeMap::new();
        self.resources.iter().find(|c| &c.key == key).map_or(&EMPTY, |c| &c.objects)
    }

    /// The cached objects of `key` in (namespace, name) order.
    pub fn values(&self, key: &ResourceKey) -> impl Iterator<Item = &Value> {
        self.objects(key).values().map(|o| &**o)
    }

    /// One cached object.
    pub fn get(&self, key: &ResourceKey, namespace: &str, name: &str) -> Option<&Value> {
        self.objects(key).get(&(namespace.to_owned(), name.to_owned())).map(|o| &**o)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Informer;
    use crate::sim::cluster::Cluster;
    use crate::sim::store::{ResourceKey, UpdateScope};

    fn cm(name: &str, value: &str) -> serde_json::Value {
        json!({"metadata": {"name": name, "namespace": "default"}, "data": {"k": value}})
    }

    #[test]
    fn sync_follows_creates_updates_and_deletes() {
        let cluster = Cluster::new(100);
        let ns = ResourceKey::new("", "namespaces");
        cluster.create(&ns, json!({"metadata": {"name": "default"}}), false).unwrap();
        let key = ResourceKey::new("", "configmaps");
        let mut informer = Informer::new(std::slice::from_ref(&key));
        assert!(informer.sync(&cluster), "the first sync lists");
        assert!(!informer.sync(&cluster), "nothing changed since");
        cluster.create(&key, cm("a", "1"), false).unwrap();
        cluster.create(&key, cm("b", "1"), false).unwrap();
        cluster.update(&key, cm("a", "2"), UpdateScope::Whole, false).unwrap();
        cluster.delete(&key, "default", "b", false).unwrap();
        assert!(informer.sync(&cluster));
        assert_eq!(informer.objects(&key).len(), 1);
        assert_eq!(informer.get(&key, "default", "a").unwrap()["data"]["k"], "2");
    }

    #[test]
    fn a_compacted_log_makes_the_informer_relist() {
        let cluster = Cluster::new(2);
        let ns = ResourceKey::new("", "namespaces");
        cluster.create(&ns, json!({"metadata": {"name": "default"}}), false).unwrap();
        let key = ResourceKey::new("", "configmaps");
        let mut informer = Informer::new(std::slice::from_ref(&key));
        informer.sync(&cluster);
        for i in 0..5 {
            cluster.create(&key, cm(&format!("c{i}"), "x"), false).unwrap();
        }
        assert!(informer.sync(&cluster));
        assert_eq!(informer.objects(&key).len(), 5);
    }
}
