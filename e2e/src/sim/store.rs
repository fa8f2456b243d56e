//! The object store: every API object of the simulated cluster, as JSON.
//!
//! Model: objects are `serde_json::Value`s keyed by [`ResourceKey`] (group + plural resource; one
//! canonical version is stored per resource, the serving layer rewrites `apiVersion`) and then by
//! (namespace, name), with `""` as the namespace of cluster-scoped objects.
//!
//! Invariants:
//! - one global resourceVersion counter: every write (create, effective update, delete) takes the
//!   next number, and the object (or, for deletes, the event) carries it as a decimal string in
//!   `metadata.resourceVersion`, as kube-apiserver does with etcd revisions;
//! - `uid` and `creationTimestamp` are set on create and never change afterwards;
//! - `metadata.generation` starts at 1 and is bumped only when something outside `metadata` and
//!   `status` changes (what the status subresource cannot touch);
//! - an update that changes nothing is not a write: no new resourceVersion, no watch event;
//! - each resource keeps a bounded log of its watch events; a watch from a resourceVersion older
//!   than the oldest event dropped from the log is [`StoreError::Expired`] (HTTP 410 `Expired`).
//!
//! Stored objects are immutable `Arc<Value>`s shared with the watch log and with readers
//! ([`Store::list_shared`]), so a list or a watch event costs a reference count, not a deep copy
//! (a pod is ≈ 10 KiB as a `Value`; copying 150,000 of them per list was the sim's largest cost).
//!
//! Every write is planned (`plan_*`, read-only, also used for server-side dry runs) and then
//! committed. The store is pure and synchronous: time is a parameter, locking is the caller's
//! business.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// Default number of watch events kept per resource.
pub const DEFAULT_LOG_CAPACITY: usize = 1000;

/// Which resource a stored object belongs to: API group (`""` for core) and plural resource name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceKey {
    /// API group, `""` for the core group.
    pub group: String,
    /// Plural resource name, e.g. `pods`.
    pub resource: String,
}

impl ResourceKey {
    /// Key for `resource` in `group`.
    pub fn new(group: &str, resource: &str) -> Self {
        Self { group: group.to_owned(), resource: resource.to_owned() }
    }

    /// `resource` or `resource.group`, as kube-apiserver names a resource in messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// Kind of a watch event, as serialised on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Object created.
    Added,
    /// Object changed.
    Modified,
    /// Object deleted (the event carries its last state).
    Deleted,
}

impl EventType {
    /// Wire name (`ADDED`, `MODIFIED`, `DELETED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One entry of a resource's watch log.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    /// What happened.
    pub kind: EventType,
    /// The resourceVersion of this write.
    pub resource_version: u64,
    /// The object after the write (before, for deletes, but with the delete's resourceVersion).
    pub object: Arc<Value>,
    /// The object before a `MODIFIED` write, so that watches with selectors can tell objects
    /// entering (`ADDED`) or leaving (`DELETED`) the selection, as kube-apiserver's watch cache does.
    pub previous: Option<Arc<Value>>,
}

/// The outcome of planning an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// Nothing changes: the stored object, as is.
    Unchanged(Value),
    /// The object to store (carrying the next resourceVersion).
    Write(Value),
}

/// Which part of an existing object an update may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateScope {
    /// Everything but immutable metadata (resources without a status subresource).
    Whole,
    /// Everything but `status` (the main resource of a type with a status subresource).
    Main,
    /// Only `status` (the `status` subresource).
    Status,
}

/// Store failures; each maps to one Kubernetes `Status` reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Create of a name that exists (409 `AlreadyExists`).
    #[error("{resource} \"{name}\" already exists")]
    AlreadyExists {
        /// Qualified resource name.
        resource: String,
        /// Object name.
        name: String,
    },
    /// Read or write of an absent object (404 `NotFound`).
    #[error("{resource} \"{name}\" not found")]
    NotFound {
        /// Qualified resource name.
        resource: String,
        /// Object name.
        name: String,
    },
    /// Update with a stale resourceVersion (409 `Conflict`).
    #[error(
        "Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
    )]
    Conflict {
        /// Qualified resource name.
        resource: String,
        /// Object name.
        name: String,
    },
    /// Object without `metadata.name` or `metadata.generateName` (400 / 422 `Invalid`).
    #[error("{resource}: metadata.name: Required value: name or generateName is required")]
    MissingName {
        /// Qualified resource name.
        resource: String,
    },
    /// Object that is not a JSON object with an object `metadata` (400 `BadRequest`).
    #[error("{resource}: the object is not a JSON object with metadata")]
    NotAnObject {
        /// Qualified resource name.
        resource: String,
    },
    /// Watch from a version whose events were dropped from the log (410 `Expired`).
    #[error("too old resource version: {requested} ({oldest})")]
    Expired {
        /// The version the client asked for.
        requested: u64,
        /// The oldest version the log can still start from.
        oldest: u64,
    },
}

#[derive(Debug, Default)]
struct ResourceData {
    objects: BTreeMap<(String, String), Arc<Value>>,
    log: VecDeque<WatchEvent>,
    /// Watches must start at or after this version: events up to it were dropped.
    compacted: u64,
}

/// The object store (see the module documentation for its invariants).
#[derive(Debug)]
pub struct Store {
    revision: u64,
    next_uid: u64,
    log_capacity: usize,
    resources: BTreeMap<ResourceKey, ResourceData>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new(DEFAULT_LOG_CAPACITY)
    }
}

/// Namespace and name of an object, `""` for a missing namespace.
fn object_id(obj: &Value) -> (String, String) {
    let meta = &obj["metadata"];
    let s = |k: &str| meta[k].as_str().unwrap_or_default().to_owned();
    (s("namespace"), s("name"))
}

/// The parts of an object that `generation` tracks: everything but metadata and status.
fn spec_part(obj: &Value) -> Map<String, Value> {
    obj.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Parse a resourceVersion string; absent or unparsable versions are `None`.
pub fn parse_resource_version(obj: &Value) -> Option<u64> {
    obj["metadata"]["resourceVersion"].as_str().and_then(|s| s.parse().ok())
}

impl Store {
    /// An empty store keeping `log_capacity` watch events per resource (at least 1).
    pub fn new(log_capacity: usize) -> Self {
        Self { revision: 0, next_uid: 0, log_capacity: log_capacity.max(1), resources: BTreeMap::new() }
    }

    /// The current (latest) global resourceVersion.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// One object, if present.
    pub fn get(&self, res: &ResourceKey, namespace: &str, name: &str) -> Option<&Value> {
        self.resources.get(res)?.objects.get(&(namespace.to_owned(), name.to_owned())).map(|o| &**o)
    }

    /// All objects of a resource, optionally in one namespace, ordered by (namespace, name).
    pub fn list<'s>(&'s self, res: &ResourceKey, namespace: Option<&str>) -> Vec<&'s Value> {
        self.list_shared(res, namespace, None).map(|o| &**o).collect()
    }

    /// The shared objects of a resource, optionally in one namespace, in (namespace, name) order,
    /// starting after the id `after`. A namespace is a range of the ordered map, so listing one
    /// namespace costs its own objects, not the whole resource's.
    pub fn list_shared<'s: 'n, 'n>(
        &'s self,
        res: &ResourceKey,
        namespace: Option<&'n str>,
        after: Option<(&str, &str)>,
    ) -> impl Iterator<Item = &'s Arc<Value>> + 'n {
        let start = match (after, namespace) {
            (Some((ns, name)), _) => Bound::Excluded((ns.to_owned(), name.to_owned())),
            (None, Some(ns)) => Bound::Included((ns.to_owned(), String::new())),
            (None, None) => Bound::Unbounded,
        };
        self.resources
            .get(res)
            .into_iter()
            .flat_map(move |d| d.objects.range((start.clone(), Bound::Unbounded)))
            .skip_while(move |((ns, _), _)| namespace.is_some_and(|want| ns.as_str() < want))
            .take_while(move |((ns, _), _)| namespace.is_none_or(|want| ns == want))
            .map(|(_, v)| v)
    }

    /// Create an object. `metadata.generateName` gives a unique name when `metadata.name` is
    /// empty; server-owned metadata (uid, resourceVersion, creationTimestamp, generation) is set.
    pub fn create(&mut self, res: &ResourceKey, obj: Value, now: Timestamp) -> Result<Value, StoreError> {
        let obj = self.plan_create(res, obj, now)?;
        self.next_uid += 1;
        Ok(self.commit(res, EventType::Added, obj))
    }

    /// What [`Store::create`] would store, without storing it (server-side dry run).
    pub fn plan_create(
        &self,
        res: &ResourceKey,
        mut obj: Value,
        now: Timestamp,
    ) -> Result<Value, StoreError> {
        let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
            return Err(StoreError::NotAnObject { resource: res.qualified() });
        };
        let name = meta.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
        let name = if name.is_empty() {
            let prefix = meta.get("generateName").and_then(Value::as_str).unwrap_or_default().to_owned();
            if prefix.is_empty() {
                return Err(StoreError::MissingName { resource: res.qualified() });
            }
            format!("{prefix}{}", name_suffix(self.next_uid + 1))
        } else {
            name
        };
        let namespace = meta.get("namespace").and_then(Value::as_str).unwrap_or_default().to_owned();
        if self.get(res, &namespace, &name).is_some() {
            return Err(StoreError::AlreadyExists { resource: res.qualified(), name });
        }
        meta.insert("name".into(), json!(name));
        meta.insert("uid".into(), json!(uid(self.next_uid + 1)));
        meta.insert("resourceVersion".into(), json!((self.revision + 1).to_string()));
        meta.insert("creationTimestamp".into(), json!(format_time(now)));
        meta.insert("generation".into(), json!(1));
        meta.remove("deletionTimestamp");
        Ok(obj)
    }

    /// Replace an object. A non-empty `metadata.resourceVersion` in `obj` must match the stored one
    /// (else [`StoreError::Conflict`]); `scope` says which parts of `obj` are taken.
    pub fn update(&mut self, res: &ResourceKey, obj: Value, scope: UpdateScope) -> Result<Value, StoreError> {
        match self.plan_update(res, obj, scope)? {
            Planned::Unchanged(obj) => Ok(obj),
            Planned::Write(obj) => Ok(self.commit(res, EventType::Modified, obj)),
        }
    }

    /// What [`Store::update`] would store, without storing it (server-side dry run).
    pub fn plan_update(
        &self,
        res: &ResourceKey,
        obj: Value,
        scope: UpdateScope,
    ) -> Result<Planned, StoreError> {
        if !obj["metadata"].is_object() {
            return Err(StoreError::NotAnObject { resource: res.qualified() });
        }
        let (namespace, name) = object_id(&obj);
        let Some(old) = self.get(res, &namespace, &name) else {
            return Err(StoreError::NotFound { resource: res.qualified(), name });
        };
        if let Some(want) = obj["metadata"]["resourceVersion"].as_str().filter(|s| !s.is_empty())
            && old["metadata"]["resourceVersion"].as_str() != Some(want)
        {
            return Err(StoreError::Conflict { resource: res.qualified(), name });
        }
        let mut new = match scope {
            UpdateScope::Whole => obj,
            UpdateScope::Main => {
                let mut new = obj;
                set_or_remove(&mut new, "status", old.get("status").cloned());
                new
            }
            UpdateScope::Status => {
                let mut new = old.clone();
                set_or_remove(&mut new, "status", obj.get("status").cloned());
                new
            }
        };
        // Server-owned metadata is immutable through updates.
        for key in ["uid", "creationTimestamp", "generation", "resourceVersion", "name", "namespace"] {
            let value = old["metadata"].get(key).cloned();
            if let Some(meta) = new["metadata"].as_object_mut() {
                match value {
                    Some(v) => meta.insert(key.into(), v),
                    None => meta.remove(key),
                };
            }
        }
        if new == *old {
            return Ok(Planned::Unchanged(new));
        }
        let generation = old["metadata"]["generation"].as_i64().unwrap_or(1);
        let generation = if spec_part(&new) == spec_part(old) { generation } else { generation + 1 };
        new["metadata"]["generation"] = json!(generation);
        new["metadata"]["resourceVersion"] = json!((self.revision + 1).to_string());
        Ok(Planned::Write(new))
    }

    /// Delete an object; returns its last state carrying the delete's resourceVersion.
    pub fn delete(&mut self, res: &ResourceKey, namespace: &str, name: &str) -> Result<Value, StoreError> {
        let obj = self.plan_delete(res, namespace, name)?;
        Ok(self.commit(res, EventType::Deleted, obj))
    }

    /// What [`Store::delete`] would return, without deleting (server-side dry run).
    pub fn plan_delete(&self, res: &ResourceKey, namespace: &str, name: &str) -> Result<Value, StoreError> {
        let mut obj = self
            .get(res, namespace, name)
            .cloned()
            .ok_or_else(|| StoreError::NotFound { resource: res.qualified(), name: name.to_owned() })?;
        obj["metadata"]["resourceVersion"] = json!((self.revision + 1).to_string());
        Ok(obj)
    }

    /// Perform a planned write: take the next revision (which the plan already put in the
    /// object), change the map and log the event.
    fn commit(&mut self, res: &ResourceKey, kind: EventType, obj: Value) -> Value {
        self.revision += 1;
        let id = object_id(&obj);
        let data = self.resources.entry(res.clone()).or_default();
        let shared = Arc::new(obj);
        let previous = if kind == EventType::Deleted {
            data.objects.remove(&id);
            None
        } else {
            data.objects.insert(id, Arc::clone(&shared)).filter(|_| kind == EventType::Modified)
        };
        let obj = Value::clone(&shared);
        let event = WatchEvent { kind, resource_version: self.revision, object: shared, previous };
        data.log.push_back(event);
        while data.log.len() > self.log_capacity {
            if let Some(dropped) = data.log.pop_front() {
                data.compacted = dropped.resource_version;
            }
        }
        obj
    }

    /// Watch events of `res` after resourceVersion `since`, oldest first, or
    /// [`StoreError::Expired`] when some of them were already dropped from the log.
    pub fn events_since(&self, res: &ResourceKey, since: u64) -> Result<Vec<WatchEvent>, StoreError> {
        let Some(data) = self.resources.get(res) else {
            return Ok(Vec::new());
        };
        if since < data.compacted {
            return Err(StoreError::Expired { requested: since, oldest: data.compacted });
        }
        Ok(data.log.iter().filter(|e| e.resource_version > since).cloned().collect())
    }
}

fn set_or_remove(obj: &mut Value, key: &str, value: Option<Value>) {
    if let Some(map) = obj.as_object_mut() {
        match value {
            Some(v) => map.insert(key.into(), v),
            None => map.remove(key),
        };
    }
}

/// RFC 3339 timestamp with second precision, as Kubernetes serialises `metav1.Time`.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A deterministic, UUID-shaped uid from a counter.
fn uid(n: u64) -> String {
    format!("5e1f0000-0000-4000-8000-{n:012x}")
}

/// The 5-character suffix kube-apiserver appends for `generateName` (alphabet without vowels).
fn name_suffix(mut n: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    // Spread consecutive counters so names do not look sequential.
    n = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20;
    (0..5)
        .map(|_| {
            let c = ALPHABET[(n % ALPHABET.len() as u64) as usize];
            n /= ALPHABET.len() as u64;
            char::from(c)
        })
        .collect()
}

#[cfg(test)]
mod tests;
