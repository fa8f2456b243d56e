//! In-memory indexes of nodes and running pods, fed by watch events.
//!
//! Model (linkerd's index style): a [`WatchIndex`] is a sorted map from object key to the part of
//! the object bellows needs, changed only by [`WatchIndex::apply_event`] (or its `apply` /
//! `delete` / `reset` parts), so tests fill it without a cluster. The watch task ([`drive`]) is the
//! only writer; the scrape loop and the API source read it through a [`SharedIndex`].
//!
//! What is indexed, as metrics-server's informers:
//! - nodes: full `Node` objects, all of them (`--node-selector` is applied on read: it limits the
//!   scrape list and the API's node list, not node get); `managedFields` and `status.images` are
//!   dropped on entry since nothing here reads them and they dominate a node's size;
//! - pods: name, namespace and labels of pods matching `fieldSelector=status.phase=Running`,
//!   from a metadata-only watch; the server-side selector is trusted (a pod leaving `Running`
//!   arrives as a delete).
//!
//! Invariants: a re-list (`Init` … `InitDone`) replaces the content atomically at `InitDone`, so
//! readers never see a half-listed cluster; once the first list completed the index reports synced
//! for good (client-go's `HasSynced`), also across later re-lists; objects without a name are
//! ignored.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use futures::{Stream, StreamExt as _};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::core::PartialObjectMeta;
use kube::runtime::watcher::{self, Event};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

#[cfg(test)]
mod tests;

/// A watched object kind: how it is keyed and what of it is kept.
pub trait Indexed: Send + Sync + 'static {
    /// Sort key (name, or namespace and name).
    type Key: Ord + Clone + Debug + Send + Sync;
    /// What the index keeps of the object.
    type Value: Debug + Send + Sync;
    /// The object's key; `None` when it has no name.
    fn key(&self) -> Option<Self::Key>;
    /// The kept part of the object.
    fn into_value(self) -> Self::Value;
}

impl Indexed for Node {
    type Key = String;
    type Value = Node;

    fn key(&self) -> Option<String> {
        self.metadata.name.clone()
    }

    fn into_value(mut self) -> Node {
        self.metadata.managed_fields = None;
        if let Some(status) = self.status.as_mut() {
            status.images = None;
        }
        self
    }
}

/// What the pods API needs of a running pod besides its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodMeta {
    /// The pod's labels.
    pub labels: BTreeMap<String, String>,
}

impl Indexed for PartialObjectMeta<Pod> {
    type Key = (String, String);
    type Value = PodMeta;

    fn key(&self) -> Option<(String, String)> {
        let name = self.metadata.name.clone()?;
        Some((self.metadata.namespace.clone().unwrap_or_default(), name))
    }

    fn into_value(self) -> PodMeta {
        PodMeta { labels: self.metadata.labels.unwrap_or_default() }
    }
}

/// Objects of one kind, keyed and sorted, built from watch events.
#[derive(Debug)]
pub struct WatchIndex<T: Indexed> {
    items: BTreeMap<T::Key, T::Value>,
    relist: Option<BTreeMap<T::Key, T::Value>>,
    synced: bool,
}

impl<T: Indexed> Default for WatchIndex<T> {
    fn default() -> Self {
        Self { items: BTreeMap::new(), relist: None, synced: false }
    }
}

impl<T: Indexed> WatchIndex<T> {
    /// An empty, unsynced index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one event of kube-runtime's watcher.
    pub fn apply_event(&mut self, event: Event<T>) {
        match event {
            Event::Apply(object) => self.apply(object),
            Event::Delete(object) => {
                if let Some(key) = object.key() {
                    self.delete(&key);
                }
            }
            Event::Init => self.relist = Some(BTreeMap::new()),
            Event::InitApply(object) => {
                if let Some(key) = object.key() {
                    self.relist.get_or_insert_with(BTreeMap::new).insert(key, object.into_value());
                }
            }
            Event::InitDone => {
                if let Some(items) = self.relist.take() {
                    self.items = items;
                }
                self.synced = true;
            }
        }
    }

    /// Adds or replaces one object.
    pub fn apply(&mut self, object: T) {
        if let Some(key) = object.key() {
            self.items.insert(key, object.into_value());
        }
    }

    /// Removes one object; returns what was kept of it.
    pub fn delete(&mut self, key: &T::Key) -> Option<T::Value> {
        self.items.remove(key)
    }

    /// Replaces the whole content (a completed list) and marks the index synced.
    pub fn reset(&mut self, objects: impl IntoIterator<Item = T>) {
        self.relist = None;
        self.items =
            objects.into_iter().filter_map(|o| Some((o.key()?, o.into_value()))).collect::<BTreeMap<_, _>>();
        self.synced = true;
    }

    /// The kept part of the object with `key`.
    pub fn get(&self, key: &T::Key) -> Option<&T::Value> {
        self.items.get(key)
    }

    /// Whether an object with `key` is present.
    pub fn contains(&self, key: &T::Key) -> bool {
        self.items.contains_key(key)
    }

    /// All objects, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&T::Key, &T::Value)> + '_ {
        self.items.iter()
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the index holds no object.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the first complete list has been applied.
    pub fn is_synced(&self) -> bool {
        self.synced
    }
}

impl WatchIndex<PartialObjectMeta<Pod>> {
    /// The pods of `namespace` as `(name, meta)`, sorted by name.
    pub fn in_namespace<'s>(
        &'s self,
        namespace: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s PodMeta)> + 's {
        self.items
            .range((namespace.to_owned(), String::new())..)
            .take_while(move |((ns, _), _)| ns == namespace)
            .map(|((_, name), meta)| (name.as_str(), meta))
    }
}

/// The node index.
pub type NodeIndex = WatchIndex<Node>;
/// The running-pod metadata index.
pub type PodIndex = WatchIndex<PartialObjectMeta<Pod>>;

/// A [`WatchIndex`] shared between its watch task (writer) and readers, with a sync signal.
///
/// A std `RwLock`: critical sections are short map operations, never held across an `.await`.
#[derive(Debug)]
pub struct SharedIndex<T: Indexed> {
    index: Arc<RwLock<WatchIndex<T>>>,
    synced: watch::Sender<bool>,
}

impl<T: Indexed> Clone for SharedIndex<T> {
    fn clone(&self) -> Self {
        Self { index: Arc::clone(&self.index), synced: self.synced.clone() }
    }
}

impl<T: Indexed> Default for SharedIndex<T> {
    fn default() -> Self {
        Self { index: Arc::new(RwLock::new(WatchIndex::new())), synced: watch::Sender::new(false) }
    }
}

impl<T: Indexed> SharedIndex<T> {
    /// An empty, unsynced shared index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Read access. A panic in another holder cannot leave a map half-updated (every write is a
    /// single map operation or a swap), so a poisoned lock is still read.
    pub fn read(&self) -> RwLockReadGuard<'_, WatchIndex<T>> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Write access (see [`SharedIndex::read`] about poisoning).
    pub fn write(&self) -> RwLockWriteGuard<'_, WatchIndex<T>> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies one watch event and signals the first sync.
    pub fn apply_event(&self, event: Event<T>) {
        let synced = {
            let mut index = self.write();
            index.apply_event(event);
            index.is_synced()
        };
        if synced {
            self.synced.send_if_modified(|s| !std::mem::replace(s, true));
        }
    }

    /// Whether the first complete list has been applied.
    pub fn is_synced(&self) -> bool {
        *self.synced.borrow()
    }

    /// Resolves once the first complete list has been applied.
    pub async fn wait_synced(&self) {
        let mut rx = self.synced.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = rx.wait_for(|synced| *synced).await;
    }
}

/// Feeds `index` from a watcher stream until the stream ends or `cancel` fires.
///
/// Errors are logged and skipped: with `WatchStreamExt::default_backoff` the watcher itself
/// waits (exponential backoff) and re-lists, so an unreachable API server only delays the first
/// sync and never stops the task.
pub async fn drive<T, S>(stream: S, index: SharedIndex<T>, resource: &'static str, cancel: CancellationToken)
where
    T: Indexed,
    S: Stream<Item = Result<Event<T>, watcher::Error>>,
{
    let mut stream = std::pin::pin!(stream);
    let mut failures = 0_u32;
    loop {
        let next = tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            next = stream.next() => next,
        };
        match next {
            None => break,
            Some(Ok(event)) => {
                let done = matches!(event, Event::InitDone);
                index.apply_event(event);
                if done {
                    if failures > 0 {
                        tracing::info!(resource, failures, "Watch recovered, cache is complete again");
                    } else {
                        tracing::info!(resource, objects = index.read().len(), "Cache synced");
                    }
                    failures = 0;
                }
            }
            Some(Err(error)) => {
                failures = failures.saturating_add(1);
                tracing::warn!(
                    resource,
                    failures,
                    error = %crate::logging::error_chain(&error),
                    "Failed to list or watch, retrying with backoff (is the API server reachable?)"
                );
            }
        }
    }
}
